// QA: rubric rules, review validation, roll-ups, and agreement statistics against published
// worked examples (sources named at each case).
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>

#include <cskpi/qa/auto_checks.hpp>
#include <cskpi/qa/calibration.hpp>

using namespace cskpi;
using namespace cskpi::qa;
using doctest::Approx;

namespace {
double round_to(double x, int decimals) {
    const double f = std::pow(10.0, decimals);
    return std::round(x * f) / f;
}
const double NA = std::numeric_limits<double>::quiet_NaN();

rating_matrix matrix(std::initializer_list<std::initializer_list<double>> rows) {
    const auto nr = static_cast<Eigen::Index>(rows.size());
    const auto nc = static_cast<Eigen::Index>(rows.begin()->size());
    rating_matrix m(nr, nc);
    Eigen::Index i = 0;
    for (const auto& r : rows) {
        Eigen::Index j = 0;
        for (double v : r) m(i, j++) = v;
        ++i;
    }
    return m;
}

const char* spec_rubric = R"({"items": [
  {"id": "greeting", "section": "etiquette", "scale": [0, 1], "weight": 10},
  {"id": "accuracy", "section": "solution", "scale": [1, 5], "weight": 40, "critical": true},
  {"id": "empathy", "section": "tone", "scale": [1, 5], "weight": 20},
  {"id": "upsell", "section": "bonus", "scale": [0, 1], "weight": 5, "bonus": true}],
 "critical_below": 0.5})";

review_set load(const std::string& rubric_json, const std::string& csv) {
    review_set s(rubric::from_json(json::parse(rubric_json)));
    s.read_text(csv, input_format::csv, "reviews.csv");
    return s;
}
}  // namespace

TEST_CASE("Krippendorff's alpha: the 4 coders x 12 units example with missing values") {
    // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section on nominal,
    // ordinal, interval and ratio data: alpha = 0.743, 0.815, 0.849, 0.797.
    // Rows are units 1..12, columns observers A..D.
    const rating_matrix m = matrix({{1, 1, NA, 1},
                                    {2, 2, 3, 2},
                                    {3, 3, 3, 3},
                                    {3, 3, 3, 3},
                                    {2, 2, 2, 2},
                                    {1, 2, 3, 4},
                                    {4, 4, 4, 4},
                                    {1, 1, 2, 1},
                                    {2, 2, 2, 2},
                                    {NA, 5, 5, 5},
                                    {NA, NA, 1, 1},
                                    {NA, 3, NA, NA}});
    CHECK(round_to(krippendorff_alpha(m, alpha_level::nominal), 3) == Approx(0.743).epsilon(1e-12));
    CHECK(round_to(krippendorff_alpha(m, alpha_level::ordinal), 3) == Approx(0.815).epsilon(1e-12));
    CHECK(round_to(krippendorff_alpha(m, alpha_level::interval), 3) ==
          Approx(0.849).epsilon(1e-12));
    CHECK(round_to(krippendorff_alpha(m, alpha_level::ratio), 3) == Approx(0.797).epsilon(1e-12));
}

TEST_CASE("Fleiss' kappa: Fleiss (1971), 30 patients x 6 psychiatrists, 5 diagnoses") {
    // Fleiss (1971), "Measuring nominal scale agreement among many raters", Psychological
    // Bulletin 76(5):378-382: kappa = .430. The same table ships as `diagnoses` in R's irr
    // package (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other).
    const int d[30][6] = {
        {4, 4, 4, 4, 4, 4}, {2, 2, 2, 5, 5, 5}, {2, 3, 3, 3, 3, 5}, {5, 5, 5, 5, 5, 5},
        {2, 2, 2, 4, 4, 4}, {1, 1, 3, 3, 3, 3}, {3, 3, 3, 3, 5, 5}, {1, 1, 3, 3, 3, 4},
        {1, 1, 4, 4, 4, 4}, {5, 5, 5, 5, 5, 5}, {1, 4, 4, 4, 4, 4}, {1, 2, 4, 4, 4, 4},
        {2, 2, 2, 3, 3, 3}, {1, 4, 4, 4, 4, 4}, {2, 2, 4, 4, 4, 5}, {3, 3, 3, 3, 3, 5},
        {1, 1, 1, 4, 5, 5}, {1, 1, 1, 1, 1, 2}, {2, 2, 4, 4, 4, 4}, {1, 3, 3, 5, 5, 5},
        {5, 5, 5, 5, 5, 5}, {2, 4, 4, 4, 4, 4}, {2, 2, 4, 5, 5, 5}, {1, 1, 4, 4, 4, 4},
        {1, 4, 4, 4, 4, 5}, {2, 2, 2, 2, 2, 4}, {1, 1, 1, 1, 5, 5}, {2, 2, 4, 4, 4, 4},
        {1, 3, 3, 3, 3, 3}, {5, 5, 5, 5, 5, 5}};
    rating_matrix m(30, 6);
    for (int u = 0; u < 30; ++u)
        for (int r = 0; r < 6; ++r) m(u, r) = d[u][r];
    CHECK(round_to(fleiss_kappa(m), 3) == Approx(0.430).epsilon(1e-12));
}

TEST_CASE("Fleiss' kappa: 10 subjects, 14 raters, 5 categories") {
    // Worked example of the Wikipedia article "Fleiss' kappa" (after Fleiss 1971's method):
    // P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210.
    const int counts[10][5] = {{0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0},
                               {2, 2, 8, 1, 1},  {7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2},
                               {6, 5, 2, 1, 0},  {0, 2, 2, 3, 7}};
    rating_matrix m(10, 14);
    for (int u = 0; u < 10; ++u) {
        int r = 0;
        for (int c = 0; c < 5; ++c)
            for (int k = 0; k < counts[u][c]; ++k) m(u, r++) = c + 1;
    }
    CHECK(round_to(fleiss_kappa(m), 3) == Approx(0.210).epsilon(1e-12));
}

TEST_CASE("Cohen's kappa: the 50 grant proposals example, and weighted forms by hand") {
    // Wikipedia "Cohen's kappa", first example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no;
    // p_o = 0.7, p_e = 0.5, kappa = 0.4.
    rating_matrix m(50, 2);
    int u = 0;
    auto put = [&](int n, double a, double b) {
        for (int i = 0; i < n; ++i) m(u, 0) = a, m(u++, 1) = b;
    };
    put(20, 1, 1);
    put(5, 1, 0);
    put(10, 0, 1);
    put(15, 0, 0);
    CHECK(cohen_kappa(m, 0, 1) == Approx(0.4));
    // Two categories: linear and quadratic weights equal the unweighted kappa.
    CHECK(cohen_kappa(m, 0, 1, kappa_weights::linear) == Approx(0.4));
    CHECK(cohen_kappa(m, 0, 1, kappa_weights::quadratic) == Approx(0.4));

    // Pairs (1,1) (2,2) (3,3) (1,2), worked by hand: p_o = 3/4, p_e = 5/16 -> 7/11;
    // linear: 1 - 0.25/0.875 = 5/7; quadratic: 1 - 0.25/1.25 = 0.8.
    const rating_matrix w = matrix({{1, 1}, {2, 2}, {3, 3}, {1, 2}});
    CHECK(cohen_kappa(w, 0, 1) == Approx(7.0 / 11));
    CHECK(cohen_kappa(w, 0, 1, kappa_weights::linear) == Approx(5.0 / 7));
    CHECK(cohen_kappa(w, 0, 1, kappa_weights::quadratic) == Approx(0.8));
    // No variation at all: undefined.
    CHECK(std::isnan(cohen_kappa(matrix({{2, 2}, {2, 2}}), 0, 1)));
}

TEST_CASE("ICC(2,1): Shrout & Fleiss (1979), 6 targets x 4 judges") {
    // Shrout & Fleiss (1979), Psychological Bulletin 86(2), Table 2 data; Table 4 gives
    // ICC(2,1) = 0.29.
    const rating_matrix m = matrix(
        {{9, 2, 5, 8}, {6, 1, 3, 2}, {8, 4, 6, 8}, {7, 1, 2, 6}, {10, 5, 6, 9}, {6, 2, 4, 7}});
    CHECK(round_to(icc_2_1(m), 2) == Approx(0.29).epsilon(1e-12));
}

TEST_CASE("rubric: the spec's rules worked by hand") {
    const rubric rb = rubric::from_json(json::parse(spec_rubric));
    auto rev = [&](double g, double a, double e, double up) {
        review r;
        r.ratings.resize(4);
        const double v[4] = {g, a, e, up};
        for (int i = 0; i < 4; ++i)
            if (!std::isnan(v[i]))
                r.ratings[i] = {rating::state::rated, v[i]};
            else
                r.ratings[i] = {rating::state::na, 0};
        return score_review(rb, r);
    };
    // greeting 1 (100%), accuracy 4 (75%), empathy 3 (50%), upsell 0:
    // 100 * (10*1 + 40*0.75 + 20*0.5) / 70 = 100 * 50 / 70
    CHECK(rev(1, 4, 3, 0).score == Approx(5000.0 / 70));
    CHECK(rev(1, 4, 3, 0).failed.empty());
    // Bonus on top: + 100 * 5 * 1 / 70
    CHECK(rev(1, 5, 5, 1).score == Approx(100.0 + 500.0 / 70));
    // N/A empathy leaves both sums: 100 * (10 + 40*0.75) / 50 = 80
    CHECK(rev(1, 4, NA, 0).score == Approx(80));
    // Critical accuracy at 2 -> 25% < 50% -> review score 0
    CHECK(rev(1, 2, 5, 1).score == 0);
    CHECK(rev(1, 2, 5, 1).failed == "critical:accuracy");
    // Exactly at the threshold (3 -> 50%) is not below it
    CHECK(rev(1, 3, 5, 0).score == Approx(100.0 * (10 + 20 + 20) / 70));
    // Every scored item N/A: no score
    CHECK(std::isnan(rev(NA, NA, NA, 1).score));
}

TEST_CASE("rubric: fail_section zeroes its section, critical wins the name") {
    const rubric rb = rubric::from_json(json::parse(R"({"items": [
      {"id": "a", "section": "s1", "scale": [0, 10], "weight": 1, "fail_section": true},
      {"id": "b", "section": "s1", "scale": [0, 10], "weight": 1},
      {"id": "c", "section": "s2", "scale": [0, 10], "weight": 2},
      {"id": "d", "section": "s2", "scale": [0, 10], "weight": 1, "critical": true}], "critical_below": 0.3})"));
    review r;
    r.ratings = {{rating::state::rated, 2},
                 {rating::state::rated, 10},
                 {rating::state::rated, 5},
                 {rating::state::rated, 8}};
    // a = 20% < 30%: s1 items a, b become 0 and stay in both sums: 100 * (0 + 0 + 2*0.5 + 0.8) / 5
    auto o = score_review(rb, r);
    CHECK(o.score == Approx(100.0 * 1.8 / 5));
    CHECK(o.failed == "section:s1");
    r.ratings[3].score = 1;  // d = 10% < 30% too: critical wins
    o = score_review(rb, r);
    CHECK(o.score == 0);
    CHECK(o.failed == "critical:d");
}

TEST_CASE("rubric JSON errors name the key path") {
    auto err = [](const char* j) {
        try {
            rubric::from_json(json::parse(j));
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(err(R"({"items": [{"id": "a", "scale": [5, 1]}]})") ==
          "config: rubric.items[0].scale: expected min < max, actual [5,1]");
    CHECK(err(R"({"items": [{"id": "a", "scale": [0, 1]}, {"id": "a", "scale": [0, 1]}]})") ==
          "config: rubric.items[1].id: item 'a' given twice");
    CHECK(err(R"({"items": [{"id": "a", "scale": [0, 1], "wieght": 2}]})") ==
          "config: rubric.items[0].wieght: unknown key");
    CHECK(err(R"({"items": [{"id": "a"}]})") == "config: rubric.items[0].scale: required");
    CHECK(err(R"({"items": [{"id": "a", "scale": [0, 1], "bonus": true}]})") ==
          "config: rubric.items: needs at least one item that is not a bonus");
    CHECK(err(R"({"items": [], "critical_below": 0.5})") ==
          "config: rubric.items: expected a non-empty array");
}

TEST_CASE("reviews: bad rows are rejected with line and reason, nothing dropped silently") {
    const std::string csv =
        "review_id,interaction_id,agent,reviewer,reviewed_at,item,score\n"
        "r1,i1,张伟,q1,2026-03-01 10:00,greeting,1\n"  // 2 ok
        "r1,i1,张伟,q1,2026-03-01 10:00,accuracy,4\n"  // 3 ok
        "r1,i1,张伟,q1,2026-03-01 10:00,accuracy,5\n"  // 4 repeats (r1, accuracy)
        "r1,i1,张伟,q1,2026-03-01 10:00,tone,3\n"      // 5 unknown item
        "r1,i1,张伟,q1,2026-03-01 10:00,empathy,6\n"   // 6 off the scale
        "r1,i1,李娜,q1,2026-03-01 10:00,empathy,3\n"   // 7 contradicts the agent
        "r1,i1,张伟,q1,2026-03-01 10:00,upsell,na\n"   // 8 ok (N/A)
        "r2,i2,李娜,q2,yesterday,greeting,1\n"         // 9 bad timestamp
        "r2,i2,李娜,q2,,greeting,x\n"                  // 10 not a number
        "r2,i2,李娜\n";                                // 11 wrong field count
    review_set s = load(spec_rubric, csv);
    CHECK(s.ledger().rows_read == 10);
    CHECK(s.ledger().rows_accepted == 3);
    CHECK(s.ledger().rows_rejected == 7);
    const auto& rj = s.ledger().rejects;
    REQUIRE(rj.size() == 7);
    CHECK(rj[0].line == 4);
    CHECK(rj[0].reason ==
          "repeats item 'accuracy' of review 'r1' (first given in the review starting at line 2)");
    CHECK(rj[1].line == 5);
    CHECK(rj[1].reason == "unknown item (not in the rubric)");
    CHECK(rj[2].line == 6);
    CHECK(rj[2].column == "score");
    CHECK(rj[2].reason == "off the scale of item 'empathy' [1, 5]");
    CHECK(rj[3].column == "agent");
    CHECK(rj[4].column == "reviewed_at");
    CHECK(rj[5].reason == "not a number or na");
    CHECK(rj[6].line == 11);
    REQUIRE(s.reviews().size() == 1);
    CHECK(s.reviews()[0].ratings[3].st == rating::state::na);
    // Strict mode: the first bad row is an error naming file, line and column.
    review_set strict(rubric::from_json(json::parse(spec_rubric)));
    CHECK_THROWS_WITH_AS(strict.read_text(csv, input_format::csv, "reviews.csv", true),
                         "reviews.csv:4: column 'item': value 'accuracy': repeats item 'accuracy' "
                         "of review 'r1' (first given "
                         "in the review starting at line 2)",
                         input_error);
}

TEST_CASE("QA roll-ups: agent mean with t interval, items, reviewers") {
    const std::string csv =
        "review_id,interaction_id,agent,reviewer,item,score\n"
        "r1,i1,A,q1,greeting,1\nr1,i1,A,q1,accuracy,5\nr1,i1,A,q1,empathy,5\n"    // 100
        "r2,i2,A,q1,greeting,0\nr2,i2,A,q1,accuracy,5\nr2,i2,A,q1,empathy,3\n"    // 100*(40+10)/70
        "r3,i3,A,q2,greeting,1\nr3,i3,A,q2,accuracy,1\n"                          // critical -> 0
        "r4,i4,B,q2,greeting,na\nr4,i4,B,q2,accuracy,3\nr4,i4,B,q2,empathy,5\n";  // 100*(20+20)/60
    const auto q = score_reviews(load(spec_rubric, csv));
    REQUIRE(q.agents.count("A"));
    const auto& a = q.agents.at("A").qa;
    const double s[3] = {100, 5000.0 / 70, 0};
    const double mean = (s[0] + s[1] + s[2]) / 3;
    double ss = 0;
    for (double x : s) ss += (x - mean) * (x - mean);
    // t(0.975, 2) = 4.302652729911275 (scipy.stats.t.ppf(0.975, 2))
    const double half = 4.302652729911275 * std::sqrt(ss / 2 / 3);
    CHECK(a.n == 3);
    CHECK(a.mean == Approx(mean));
    CHECK(a.ci_low == Approx(mean - half));
    CHECK(a.ci_high == Approx(mean + half));
    CHECK(q.agents.at("B").qa.mean == Approx(4000.0 / 60));
    CHECK(std::isnan(q.agents.at("B").qa.ci_low));  // one review: no interval
    // greeting: rated 3 (1, 0, 1) and 1 N/A -> mean 2/3
    CHECK(q.items[0].rated == 3);
    CHECK(q.items[0].na == 1);
    CHECK(q.items[0].mean() == Approx(2.0 / 3));
    // accuracy percents: 1, 1, 0, 0.5 -> 0.625 (raw percents, before the critical rule)
    CHECK(q.items[1].mean() == Approx(0.625));
    CHECK(q.reviewers.at("q1").mean() == Approx((100 + 5000.0 / 70) / 2));
    CHECK(q.reviews[2].failed == "critical:accuracy");
    const json j = q.to_json();
    CHECK(j["reviews"][2]["score"] == 0.0);
    CHECK(j["agents"]["B"]["ci_low"].is_null());
    CHECK(j["agents"]["A"]["items"]["empathy"] == Approx(0.75));  // (1 + 0.5) / 2
}

TEST_CASE(
    "calibration: reviewers on shared interactions, latest re-review counts, deviation flags") {
    const std::string csv =
        "review_id,interaction_id,agent,reviewer,reviewed_at,item,score\n"
        "a1,i1,A,q1,2026-03-01,greeting,1\na1,i1,A,q1,2026-03-01,accuracy,5\n"
        "b1,i1,A,q2,2026-03-01,greeting,1\nb1,i1,A,q2,2026-03-01,accuracy,3\n"
        "a2,i2,A,q1,2026-03-01,greeting,0\na2,i2,A,q1,2026-03-01,accuracy,4\n"
        "b2,i2,A,q2,2026-03-01,greeting,0\nb2,i2,A,q2,2026-03-01,accuracy,2\n"
        "a3,i3,B,q1,2026-03-05,greeting,1\na3,i3,B,q1,2026-03-05,accuracy,5\n"
        "a0,i3,B,q1,2026-03-02,greeting,0\na0,i3,B,q1,2026-03-02,accuracy,1\n"  // superseded by a3
        "b3,i3,B,q2,2026-03-01,greeting,1\nb3,i3,B,q2,2026-03-01,accuracy,4\n";
    auto rb = std::string(R"({"items": [{"id": "greeting", "scale": [0, 1], "weight": 1},
                                        {"id": "accuracy", "scale": [1, 5], "weight": 1}], "deviation_threshold": 20})");
    const auto c = calibrate(load(rb, csv));
    // accuracy: q1 = 5, 4, 5; q2 = 3, 2, 4 -> two raters, three units
    const auto& acc = c.items[1];
    CHECK(acc.units == 3);
    CHECK(acc.reviewers == 2);
    REQUIRE(acc.cohen_unweighted);
    const rating_matrix m = matrix({{5, 3}, {4, 2}, {5, 4}});
    CHECK(*acc.cohen_linear == Approx(cohen_kappa(m, 0, 1, kappa_weights::linear)));
    CHECK(acc.alpha_interval == Approx(krippendorff_alpha(m, alpha_level::interval)));
    // greeting agrees perfectly (1,1), (0,0), (1,1)
    CHECK(c.items[0].alpha_nominal == Approx(1.0));
    CHECK(*c.items[0].cohen_unweighted == Approx(1.0));
    // review scores: q1 = 100, 37.5, 100; q2 = 75, 12.5, 87.5 -> q1 is 20.83 above q2 on average
    CHECK(c.reviewers.at("q1").mean_deviation == Approx((25 + 25 + 12.5) / 3));
    CHECK(c.reviewers.at("q2").mean_deviation == Approx(-(25 + 25 + 12.5) / 3));
    CHECK(c.reviewers.at("q1").flagged);
    CHECK(c.reviewers.at("q2").flagged);
    const json j = c.to_json();
    CHECK(j["items"]["accuracy"]["cohen_kappa"]["linear"].is_number());
    CHECK(j["overall"]["units"] == 3);
}

TEST_CASE("calibration: Cohen's kappa is null with three reviewers") {
    const rating_matrix m = matrix({{1, 1, 2}, {2, 2, 2}, {1, 2, 1}});
    const auto s = agreement(m);
    CHECK(s.units == 3);
    CHECK(s.reviewers == 3);
    CHECK_FALSE(s.cohen_unweighted.has_value());
    CHECK(to_json(s)["cohen_kappa"]["unweighted"].is_null());
    CHECK(s.fleiss == Approx(fleiss_kappa(m)));
}

namespace {
const char* auto_rubric = R"({"items": [
  {"id": "greeting", "section": "etiquette", "scale": [0, 1], "weight": 10},
  {"id": "closing", "section": "etiquette", "scale": [0, 1], "weight": 10},
  {"id": "language", "section": "tone", "scale": [0, 2], "weight": 20},
  {"id": "speed", "section": "speed", "scale": [0, 1], "weight": 20},
  {"id": "privacy", "section": "compliance", "scale": [0, 1], "weight": 20},
  {"id": "accuracy", "section": "solution", "scale": [1, 5], "weight": 40}]})";
const char* auto_rules = R"({"checks": [
  {"item": "greeting", "rule": "greeting", "phrases": ["您好"], "within_chars": 5},
  {"item": "closing", "rule": "closing", "phrases": ["祝您生活愉快", "have a nice day"]},
  {"item": "language", "rule": "forbidden", "phrases": ["不知道"], "patterns": ["滚.?开"]},
  {"item": "speed", "rule": "response_within", "seconds": 60},
  {"item": "privacy", "rule": "masked_pii"}], "case_insensitive": true})";
}  // namespace

TEST_CASE("automatic checks: each rule on hand-made transcripts") {
    const rubric rb = rubric::from_json(json::parse(auto_rubric));
    const check_rules rules = check_rules::from_json(json::parse(auto_rules), rb);
    const std::string events =
        "interaction_id,at,from,agent,kind,public,text\n"
        // c1: greeting within 5 code points ("亲，您好" = 4), closing, all waits <= 60 s, clean
        "c1,2026-03-01 10:00:00,customer,,,,在吗\n"
        "c1,2026-03-01 10:00:05,customer,,,,我的快递呢\n"
        "c1,2026-03-01 10:01:00,agent,张伟,,,亲，您好，我查一下\n"  // wait from 10:00:00 = 60 s
                                                                    // (ok, <=)
        "c1,2026-03-01 10:01:10,agent,张伟,note,false,内部备注 13812345678\n"  // a note never
                                                                               // counts
        "c1,2026-03-01 10:02:00,customer,,,,好的\n"
        "c1,2026-03-01 10:02:30,agent,张伟,,,已发货，138****5678 HAVE A NICE DAY\n"
        // c2: greeting too late (6th code point), forbidden phrase, slow reply, phone number, no
        // closing
        "c2,2026-03-01 11:00:00,customer,,,,退款\n"
        "c2,2026-03-01 11:02:00,agent,李娜,,,请稍等，您好\n"  // wait 120 s > 60
        "c2,2026-03-01 11:03:00,agent,李娜,,,我也不知道，打13812345678\n"
        // c3: no agent message at all -> nothing judged
        "c3,2026-03-01 12:00:00,customer,,,,hello\n"
        "c3,2026-03-01 12:00:01,bot,,,,您好，我是机器人\n"
        // c4: 滚开 with a character between matches the pattern 滚.?开 (one code point, three
        // bytes)
        "c4,2026-03-01 13:00:00,customer,,,,hi\n"
        "c4,2026-03-01 13:00:10,agent,王芳,,,您好 滚啊开 ID 11010519491231002X\n"
        "c5,yesterday,customer,,,,x\n"          // bad timestamp
        "c5,2026-03-01 13:00:00,robot,,,,x\n";  // bad sender
    reject_ledger ledger;
    auto msgs = read_message_events(table_source::memory("events.csv", events, input_format::csv),
                                    "Asia/Shanghai", ledger);
    CHECK(ledger.rows_read == 15);
    CHECK(ledger.rows_rejected == 2);
    REQUIRE(ledger.rejects.size() == 2);
    CHECK(ledger.rejects[0].column == "at");
    CHECK(ledger.rejects[1].column == "from");
    const auto ar = run_checks(msgs, rules, rb);
    REQUIRE(ar.size() == 4);
    auto score = [&](std::size_t r, const char* item) {
        const auto& rt = ar[r].ratings[*rb.find(item)];
        return rt.st == rating::state::rated ? rt.score : -1.0;
    };
    CHECK(ar[0].agent == "张伟");
    CHECK(score(0, "greeting") == 1);
    CHECK(score(0, "closing") == 1);   // case-insensitive
    CHECK(score(0, "language") == 2);  // scale max
    CHECK(score(0, "speed") == 1);
    CHECK(score(0, "privacy") == 1);    // masked number passes, the note is not judged
    CHECK(score(0, "accuracy") == -1);  // no rule: left for a person
    CHECK(score(1, "greeting") == 0);
    CHECK(score(1, "closing") == 0);
    CHECK(score(1, "language") == 0);
    CHECK(score(1, "speed") == 0);
    CHECK(score(1, "privacy") == 0);
    for (const char* item : {"greeting", "closing", "language", "speed", "privacy"})
        CHECK(score(2, item) == -1);
    CHECK(score(3, "language") == 0);
    CHECK(score(3, "privacy") == 0);  // 18-character ID number with X
    CHECK(score(3, "speed") == 1);

    // Merge: c1 has a human review (its own greeting rating wins), c2 gets an automatic review.
    review_set s(rb);
    s.read_text(
        "review_id,interaction_id,agent,reviewer,item,score\n"
        "h1,c1,张伟,q1,greeting,0\nh1,c1,张伟,q1,accuracy,5\n",
        input_format::csv, "reviews.csv");
    s.events_ledger() = ledger;
    s.merge_automatic(ar, "events.csv");
    REQUIRE(s.reviews().size() == 3);  // h1, auto:c2, auto:c4 (c3 had nothing judged)
    const auto& h1 = s.reviews()[0];
    CHECK(h1.ratings[*rb.find("greeting")].score == 0);
    CHECK_FALSE(h1.ratings[*rb.find("greeting")].automatic);
    CHECK(h1.ratings[*rb.find("closing")].automatic);
    CHECK(s.reviews()[1].id == "auto:c2");
    CHECK(s.reviews()[1].reviewer == "auto");
    CHECK(s.reviews()[1].agent == "李娜");
    const auto q = score_reviews(s);
    // h1: greeting 0, closing 1, language 1, speed 1, privacy 1, accuracy 1 (weights
    // 10,10,20,20,20,40)
    CHECK(q.reviews[0].score == Approx(100.0 * 110 / 120));
    CHECK(q.reviews[0].automatic_items ==
          std::vector<std::string>{"closing", "language", "speed", "privacy"});
    CHECK(q.reviews[1].score == 0);  // every automatic check failed; accuracy unrated
    CHECK(q.to_json()["input"]["events"]["rows_rejected"] == 2);
}

TEST_CASE("automatic checks: rule errors name the key path") {
    const rubric rb = rubric::from_json(json::parse(auto_rubric));
    auto err = [&](const char* j) {
        try {
            check_rules::from_json(json::parse(j), rb);
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(err(R"({"checks": [{"item": "nope", "rule": "greeting", "phrases": ["x"]}]})") ==
          "config: auto_checks.checks[0].item: unknown item 'nope' (not in the rubric)");
    CHECK(
        err(R"({"checks": [{"item": "greeting", "rule": "greeting", "patterns": ["(unclosed"]}]})")
            .rfind("config: auto_checks.checks[0].patterns[0]: bad regular expression", 0) == 0);
    CHECK(err(R"({"checks": [{"item": "speed", "rule": "response_within"}]})") ==
          "config: auto_checks.checks[0].seconds: required");
    CHECK(err(R"({"checks": [{"item": "privacy", "rule": "masked_pii", "kinds": ["ssn"]}]})") ==
          "config: auto_checks.checks[0].kinds[0]: expected phone, id_number or email, actual "
          "\"ssn\"");
    CHECK(code_points("亲，您好") == 4);
    CHECK(first_code_points("亲，您好ab", 5) == "亲，您好a");
    CHECK(last_code_points("ab祝您", 3) == "b祝您");
}
