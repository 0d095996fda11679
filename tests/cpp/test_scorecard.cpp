// Scorecards (spec section 9): normalization, weights, small-sample rules, ranks, tiers, TOPSIS.
// Expected values are worked by hand below, or computed with numpy where named.
#include <doctest/doctest.h>

#include <cskpi/cskpi.hpp>

#include <fstream>
#include <functional>
#include <sstream>

using namespace cskpi;

namespace {
struct builder {
    report rep;
    explicit builder(std::vector<group_key> by) {
        rep.by = std::move(by);
        rep.groups.push_back({{}, std::vector<double>(metric_catalogue().size(), stats::nan)});
    }
    std::size_t index(const std::string& name) const {
        const auto& c = metric_catalogue();
        for (std::size_t i = 0; i < c.size(); ++i)
            if (c[i].name == name) return i;
        throw std::out_of_range(name);
    }
    builder& group(std::optional<std::string> key, double interactions,
                   std::map<std::string, double> m) {
        report_group g{{key}, std::vector<double>(metric_catalogue().size(), stats::nan)};
        g.metrics[index("interactions")] = interactions;
        for (const auto& [k, v] : m) g.metrics[index(k)] = v;
        rep.groups.push_back(g);
        return *this;
    }
};
const scored_group& by_key(const score_report& s, const std::string& k) {
    for (const auto& g : s.groups)
        if (g.keys[0] == k) return g;
    throw std::out_of_range(k);
}
scorecard card_of(const char* text) {
    return scorecard::from_json(json::parse(text));
}

const char* spec_card = R"({"name": "agent monthly", "by": ["agent"], "min_interactions": 30,
 "kpis": [
   {"metric": "frt_median", "weight": 0.2, "better": "lower",
    "normalize": {"method": "bands", "bands": [[35, 100], [45, 80], [55, 60]], "else": 0}},
   {"metric": "resolution_rate", "weight": 0.25, "normalize": {"method": "linear", "floor": 0.6, "target": 0.95}},
   {"metric": "csat", "weight": 0.3, "normalize": {"method": "minmax"}},
   {"metric": "fcr_rate", "weight": 0.15, "normalize": {"method": "percentile"}},
   {"metric": "complaint_rate", "weight": 0.1, "better": "lower", "normalize": {"method": "zscore"}}],
 "weights": {"method": "manual"},
 "tiers": [["gold", 90], ["silver", 80], ["bronze", 70]]})";
}  // namespace

TEST_CASE("the spec's scorecard, worked by hand") {
    builder b({group_key::agent});
    b.group("A", 100,
            {{"frt_median", 30},
             {"resolution_rate", 0.6},
             {"csat", 0.8},
             {"fcr_rate", 0.5},
             {"complaint_rate", 0.1}})
        .group("B", 100,
               {{"frt_median", 40},
                {"resolution_rate", 0.95},
                {"csat", 0.9},
                {"fcr_rate", 0.6},
                {"complaint_rate", 0.2}})
        .group("C", 100,
               {{"frt_median", 50},
                {"resolution_rate", 0.7},
                {"csat", 0.7},
                {"fcr_rate", 0.6},
                {"complaint_rate", 0.3}})
        .group("D", 100,
               {{"frt_median", 60},
                {"resolution_rate", 1.0},
                {"csat", 0.9},
                {"fcr_rate", 0.7},
                {"complaint_rate", 0.4}})
        .group("E", 12,
               {{"frt_median", 1},
                {"resolution_rate", 1.0},
                {"csat", 1.0},
                {"fcr_rate", 1.0},
                {"complaint_rate", 0}})
        .group(std::nullopt, 500, {{"frt_median", 2}});
    const auto s = score(b.rep, card_of(spec_card));
    // Points. bands (lower): 100, 80, 60, 0. linear 0.6 -> 0.95: 0, 100, 28.571, 100 (clipped).
    // minmax over {0.8, 0.9, 0.7, 0.9}: 50, 100, 0, 100. percentile of {0.5, 0.6, 0.6, 0.7}:
    // 0, (1 + 0.5)/3, (1 + 0.5)/3, 100. zscore (lower) of {.1,.2,.3,.4}: mean .25, sd .1290994.
    const double sd = std::sqrt(0.05 / 3);
    auto z = [&](double x) { return 50 - 10 * (x - 0.25) / sd; };
    CHECK(by_key(s, "A").kpis[0].points == 100);
    CHECK(by_key(s, "D").kpis[0].points == 0);
    CHECK(by_key(s, "C").kpis[1].points == doctest::Approx(100.0 * 0.1 / 0.35));
    CHECK(by_key(s, "D").kpis[1].points == 100);
    CHECK(by_key(s, "A").kpis[2].points == doctest::Approx(50));
    CHECK(by_key(s, "B").kpis[3].points == doctest::Approx(50));
    CHECK(by_key(s, "A").kpis[4].points == doctest::Approx(z(0.1)));
    // Scores: sum of points x weight.
    CHECK(by_key(s, "A").score == doctest::Approx(20 + 0 + 15 + 0 + 0.1 * z(0.1)));
    CHECK(by_key(s, "B").score == doctest::Approx(16 + 25 + 30 + 7.5 + 0.1 * z(0.2)));
    CHECK(by_key(s, "C").score == doctest::Approx(12 + 25.0 * 0.1 / 0.35 + 0 + 7.5 + 0.1 * z(0.3)));
    CHECK(by_key(s, "D").score == doctest::Approx(0 + 25 + 30 + 15 + 0.1 * z(0.4)));
    CHECK(by_key(s, "B").kpis[1].contribution == doctest::Approx(25));
    // Ranks and tiers: B 83.89 silver, D 73.84 bronze, A 41.16, C 31.26.
    CHECK(by_key(s, "B").rank == 1);
    CHECK(by_key(s, "D").rank == 2);
    CHECK(by_key(s, "A").rank == 3);
    CHECK(by_key(s, "C").rank == 4);
    CHECK(by_key(s, "B").tier == "silver");
    CHECK(by_key(s, "D").tier == "bronze");
    CHECK(!by_key(s, "A").tier);
    // E has too few interactions, the null agent a missing key: listed, flagged, not scored.
    CHECK(!by_key(s, "E").rank);
    CHECK(std::isnan(by_key(s, "E").score));
    CHECK(by_key(s, "E").flags == std::vector<std::string>{"min_interactions"});
    CHECK(s.groups.back().flags == std::vector<std::string>{"missing_key"});
    const json j = s.to_json();
    CHECK(j["weights"]["csat"] == doctest::Approx(0.3));
    CHECK(j["weight_method"] == "manual");
    CHECK(j["groups"][1]["kpis"]["resolution_rate"]["points"] == doctest::Approx(100));
    CHECK(j["groups"][4]["rank"].is_null());
}

TEST_CASE("ties share the best rank; one group; all-equal KPIs") {
    builder b({group_key::agent});
    b.group("A", 50, {{"csat", 0.8}, {"nps", 10}})
        .group("B", 50, {{"csat", 0.8}, {"nps", 10}})
        .group("C", 50, {{"csat", 0.5}, {"nps", 10}});
    const auto card =
        card_of(R"({"kpis": [{"metric": "csat", "weight": 1, "normalize": {"method": "minmax"}},
                                          {"metric": "nps", "weight": 1, "normalize": {"method": "zscore"}}]})");
    const auto s = score(b.rep, card);
    CHECK(by_key(s, "A").rank == 1);
    CHECK(by_key(s, "B").rank == 1);
    CHECK(by_key(s, "C").rank == 3);
    CHECK(by_key(s, "A").kpis[1].points == 50);  // sd = 0: everyone 50
    CHECK(by_key(s, "A").score == doctest::Approx(75));
    builder one({group_key::agent});
    one.group("solo", 5, {{"csat", 0.4}, {"nps", 3}});
    const auto s1 = score(
        one.rep,
        card_of(R"({"kpis": [{"metric": "csat", "weight": 1, "normalize": {"method": "percentile"}},
                                                      {"metric": "nps", "weight": 1, "normalize": {"method": "minmax"}}]})"));
    CHECK(s1.groups[0].score == 100);  // percentile and minmax give 100 to a lone group
    CHECK(s1.groups[0].rank == 1);
}

TEST_CASE("min_den redistributes the weight; shrink pulls toward the pooled rate") {
    builder b({group_key::agent});
    b.group("A", 100,
            {{"csat", 0.9}, {"csat_num", 90}, {"csat_den", 100}, {"resolution_rate", 0.8}})
        .group("B", 100,
               {{"csat", 0.5}, {"csat_num", 5}, {"csat_den", 10}, {"resolution_rate", 0.9}})
        .group("C", 100,
               {{"csat", 0.7}, {"csat_num", 70}, {"csat_den", 100}, {"resolution_rate", 0.6}})
        .group("D", 100,
               {{"csat", stats::nan}, {"csat_num", 0}, {"csat_den", 0}, {"resolution_rate", 0.7}});
    auto s = score(b.rep, card_of(R"({"kpis": [
        {"metric": "csat", "weight": 0.6, "normalize": {"method": "minmax"}, "min_den": 20},
        {"metric": "resolution_rate", "weight": 0.4, "normalize": {"method": "linear", "floor": 0.5, "target": 1.0}}]})"));
    // B (den 10) and D (undefined) are insufficient in csat: their score is resolution alone.
    CHECK(by_key(s, "B").flags == std::vector<std::string>{"insufficient:csat"});
    CHECK(std::isnan(by_key(s, "B").kpis[0].points));
    CHECK(by_key(s, "B").score == doctest::Approx(80));  // (0.9 - 0.5)/0.5 = 80 points, weight 1
    CHECK(by_key(s, "D").score == doctest::Approx(40));
    // minmax over the sufficient values {0.9, 0.7} only: A 100, C 0.
    CHECK(by_key(s, "A").score == doctest::Approx(0.6 * 100 + 0.4 * 60));
    CHECK(by_key(s, "C").score == doctest::Approx(0.6 * 0 + 0.4 * 20));
    // shrink 20: pooled = (90 + 5 + 70 + 0)/(100 + 10 + 100 + 0) = 165/210.
    s = score(
        b.rep,
        card_of(
            R"({"kpis": [{"metric": "csat", "weight": 1, "normalize": {"method": "linear", "floor": 0, "target": 1}, "shrink": 20}]})"));
    const double pooled = 165.0 / 210.0;
    CHECK(by_key(s, "B").kpis[0].adjusted == doctest::Approx((10 * 0.5 + 20 * pooled) / 30));
    CHECK(by_key(s, "A").kpis[0].adjusted == doctest::Approx((100 * 0.9 + 20 * pooled) / 120));
    CHECK(by_key(s, "A").score == doctest::Approx(100 * (100 * 0.9 + 20 * pooled) / 120));
    CHECK(s.to_json()["groups"][0]["kpis"]["csat"]["adjusted"] ==
          doctest::Approx((100 * 0.9 + 20 * pooled) / 120));
}

TEST_CASE("shrink pools the scored groups' sufficient rates only (section 9)") {
    // min_den 20: B (den 10) and D (undefined) are insufficient, so p-bar = (90 + 70)/(100 + 100)
    // = 0.8, whatever B's counts are; B is still shown shrunk toward it.
    for (double b_num : {5.0, 0.0, 10.0}) {
        builder b({group_key::agent});
        b.group("A", 100, {{"csat", 0.9}, {"csat_num", 90}, {"csat_den", 100}})
            .group("B", 100, {{"csat", b_num / 10}, {"csat_num", b_num}, {"csat_den", 10}})
            .group("C", 100, {{"csat", 0.7}, {"csat_num", 70}, {"csat_den", 100}})
            .group("D", 100, {{"csat", stats::nan}, {"csat_num", 0}, {"csat_den", 0}});
        auto s = score(b.rep, card_of(R"({"kpis": [{"metric": "csat", "weight": 1,
            "normalize": {"method": "linear", "floor": 0, "target": 1}, "min_den": 20, "shrink": 20}]})"));
        CHECK(by_key(s, "A").kpis[0].adjusted ==
              doctest::Approx((90 + 20 * 0.8) / 120).epsilon(1e-14));
        CHECK(by_key(s, "C").kpis[0].adjusted ==
              doctest::Approx((70 + 20 * 0.8) / 120).epsilon(1e-14));
        CHECK(by_key(s, "A").score == doctest::Approx(100 * 106.0 / 120).epsilon(1e-14));
        CHECK(by_key(s, "C").score == doctest::Approx(100 * 86.0 / 120).epsilon(1e-14));
        CHECK(by_key(s, "B").kpis[0].adjusted ==
              doctest::Approx((b_num + 20 * 0.8) / 30).epsilon(1e-14));
        CHECK(by_key(s, "B").kpis[0].insufficient);
        CHECK(std::isnan(by_key(s, "B").score));
    }
}

namespace {
// tests/data/mcdm: published examples (citations in each .expected.json). Every criterion is
// put on a metric of the report; every alternative is a group.
struct mcdm_example {
    std::vector<std::string> names;
    std::vector<std::vector<double>> rows;
    json expected;
};
mcdm_example load_mcdm(const std::string& name) {
    const std::string dir = std::string(CSKPI_SOURCE_DIR) + "/tests/data/mcdm/";
    std::ifstream csv(dir + name + ".csv"), js(dir + name + ".expected.json");
    REQUIRE(csv);
    REQUIRE(js);
    mcdm_example e;
    std::string line;
    std::getline(csv, line);
    while (std::getline(csv, line)) {
        if (line.empty()) continue;
        std::stringstream ss(line);
        std::string cell;
        std::getline(ss, cell, ',');
        e.names.push_back(cell);
        std::vector<double> row;
        while (std::getline(ss, cell, ',')) row.push_back(std::stod(cell));
        e.rows.push_back(row);
    }
    e.expected = json::parse(js);
    return e;
}
const char* const mcdm_metrics[] = {"frt_mean",    "aht_mean",  "resolution_time_mean",
                                    "sales_total", "csat_mean", "ces_mean"};
report mcdm_report(const mcdm_example& e) {
    builder b({group_key::agent});
    for (std::size_t i = 0; i < e.rows.size(); ++i) {
        std::map<std::string, double> m;
        for (std::size_t j = 0; j < e.rows[i].size(); ++j) m[mcdm_metrics[j]] = e.rows[i][j];
        b.group(e.names[i], 1, m);
    }
    return b.rep;
}
std::string mcdm_card(const mcdm_example& e, const std::string& weights,
                      const std::function<std::string(std::size_t)>& kpi) {
    std::string kpis;
    for (std::size_t j = 0; j < e.rows[0].size(); ++j)
        kpis += (j ? ", " : "") + std::string(R"({"metric": ")") + mcdm_metrics[j] + R"(", )" +
                kpi(j) + "}";
    return R"({"kpis": [)" + kpis + R"(], "weights": )" + weights + "}";
}
double column_max(const mcdm_example& e, std::size_t j) {
    double m = 0;
    for (const auto& r : e.rows) m = std::max(m, r[j]);
    return m;
}
void check_weights(const score_report& s, const json& published, int decimals,
                   const json& computed) {
    REQUIRE(static_cast<std::size_t>(s.weights.size()) == published.size());
    const double scale = std::pow(10.0, decimals);
    for (std::size_t j = 0; j < published.size(); ++j) {
        const auto jj = static_cast<Eigen::Index>(j);
        CHECK(std::round(s.weights[jj] * scale) / scale ==
              doctest::Approx(published[j].get<double>()).epsilon(1e-12));
        CHECK(std::fabs(s.weights[jj] - computed[j].get<double>()) < 1e-9);
    }
}
}  // namespace

TEST_CASE("entropy weights reproduce three published examples") {
    // The papers take p_ij = x_ij / sum_i x_ij on the raw values: `linear` points with floor 0 and
    // target at the column maximum keep the values proportional.
    for (const char* name :
         {"entropy_xu2004", "entropy_zavadskas_podvezko2016", "entropy_elsayed2017"}) {
        INFO(name);
        const auto e = load_mcdm(name);
        const auto card = mcdm_card(e, R"({"method": "entropy"})", [&](std::size_t j) {
            return R"("normalize": {"method": "linear", "floor": 0, "target": )" +
                   std::to_string(column_max(e, j) * 2) + "}";
        });
        const auto s = score(mcdm_report(e), card_of(card.c_str()));
        check_weights(s, e.expected["published_weights"],
                      e.expected["published_decimals"].get<int>(), e.expected["computed_weights"]);
    }
}

TEST_CASE("CRITIC weights reproduce Tus & Aytac Adali (2019), both readings of the price column") {
    // Published: every column min-max normalized as a benefit column (price declared "higher");
    // price as a cost column ("lower": cskpi's points reverse it) gives the other set.
    const auto e = load_mcdm("critic_tus_adali2019");
    for (const char* price : {"higher", "lower"}) {
        const auto card = mcdm_card(e, R"({"method": "critic"})", [&](std::size_t j) {
            return std::string(R"("normalize": {"method": "minmax"}, "better": ")") +
                   (j == 0 ? price : "higher") + "\"";
        });
        const auto s = score(mcdm_report(e), card_of(card.c_str()));
        if (std::string(price) == "higher")
            check_weights(s, e.expected["published_weights"], 3, e.expected["computed_weights"]);
        else
            for (Eigen::Index j = 0; j < s.weights.size(); ++j)
                CHECK(std::fabs(
                          s.weights[j] -
                          e.expected["computed_weights_price_reversed"][static_cast<std::size_t>(j)]
                              .get<double>()) < 1e-9);
    }
}

TEST_CASE("TOPSIS reproduces Opricovic & Tzeng (2004) and the R package MCDA's ideal points") {
    auto closeness = [](const score_report& s, const mcdm_example& e, std::size_t i) {
        for (const auto& g : s.groups)
            if (g.keys[0] == e.names[i]) return g.topsis;
        FAIL("no group");
        return 0.0;
    };
    auto kpis = [](const json& weights, const json& types) {
        return [=](std::size_t j) {
            return R"("weight": )" + std::to_string(weights[j].get<double>()) + R"(, "better": ")" +
                   (types[j].get<int>() > 0 ? "higher" : "lower") + "\"";
        };
    };
    const auto ot = load_mcdm("topsis_opricovic_tzeng2004");
    const auto& pub = ot.expected["published"];
    const auto& cross = ot.expected["computed_crosscheck"];
    auto s = score(
        mcdm_report(ot),
        card_of(
            mcdm_card(ot, R"({"method": "manual"})", kpis(pub["weights"], pub["types"])).c_str()));
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(std::round(closeness(s, ot, i) * 1000) / 1000 ==
              doctest::Approx(pub["closeness_3dp"][i].get<double>()));
        CHECK(std::fabs(closeness(s, ot, i) - cross["closeness_minmax"][i].get<double>()) < 1e-9);
    }
    // Vector normalization, as "topsis": {"normalization": "vector"}.
    auto vector_card = [&](const mcdm_example& e, const json& w, const json& t) {
        auto text = mcdm_card(e, R"({"method": "manual"})", kpis(w, t));
        text.insert(text.size() - 1, R"(, "topsis": {"normalization": "vector"})");
        return score(mcdm_report(e), card_of(text.c_str()));
    };
    s = vector_card(ot, pub["weights"], pub["types"]);
    for (std::size_t i = 0; i < 3; ++i)
        CHECK(std::fabs(closeness(s, ot, i) - cross["closeness_vector"][i].get<double>()) < 1e-9);
    const auto cars = load_mcdm("topsis_R_MCDA_cars");
    const auto& cc = cars.expected["computed_crosscheck"];
    s = vector_card(cars, cc["weights"], cc["types"]);
    for (std::size_t i = 0; i < 3; ++i)
        CHECK(std::fabs(closeness(s, cars, i) - cc["closeness_vector"][i].get<double>()) < 1e-9);
    for (Eigen::Index j = 0; j < 4; ++j) {
        const auto jj = static_cast<std::size_t>(j);
        CHECK(std::round(s.topsis_ideal[j] * 1e9) / 1e9 ==
              doctest::Approx(cars.expected["published"]["pis"][jj].get<double>()).epsilon(1e-12));
        CHECK(std::round(s.topsis_anti_ideal[j] * 1e9) / 1e9 ==
              doctest::Approx(cars.expected["published"]["nis"][jj].get<double>()).epsilon(1e-12));
    }
    CHECK(s.to_json()["topsis"]["ideal"]["sales_total"] ==
          doctest::Approx(cc["pis"][3].get<double>()).epsilon(1e-12));
}

TEST_CASE("AHP: principal eigenvector, lambda_max, CI, CR") {
    // A consistent matrix a_ij = w_i / w_j has the eigenvector w exactly and lambda_max = n.
    Eigen::Vector3d w(0.5, 0.3, 0.2);
    Eigen::Matrix3d a;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) a(i, j) = w[i] / w[j];
    auto r = ahp_weights(a);
    CHECK(r.weights[0] == doctest::Approx(0.5));
    CHECK(r.lambda_max == doctest::Approx(3.0));
    CHECK(r.cr == doctest::Approx(0.0).epsilon(1e-9));
    // The classic 3x3 textbook matrix; values from numpy.linalg.eig:
    // weights 0.64832901, 0.22965079, 0.12202019, lambda_max 3.00369459806364, CR = CI/0.58.
    a << 1, 3, 5, 1.0 / 3, 1, 2, 1.0 / 5, 1.0 / 2, 1;
    r = ahp_weights(a);
    CHECK(r.weights[0] == doctest::Approx(0.64832901).epsilon(1e-7));
    CHECK(r.weights[1] == doctest::Approx(0.22965079).epsilon(1e-7));
    CHECK(r.weights[2] == doctest::Approx(0.12202019).epsilon(1e-7));
    CHECK(r.lambda_max == doctest::Approx(3.00369459806364).epsilon(1e-10));
    CHECK(r.ci == doctest::Approx(0.0018472990318199045).epsilon(1e-8));
    CHECK(r.cr == doctest::Approx(0.0031849983307239735).epsilon(1e-8));
    // 4x4 (numpy): weights .56500905 .11750425 .26220121 .05528549, lambda 4.116982443447268, RI
    // 0.90.
    Eigen::Matrix4d b;
    b << 1, 5, 3, 7, 1.0 / 5, 1, 1.0 / 3, 3, 1.0 / 3, 3, 1, 5, 1.0 / 7, 1.0 / 3, 1.0 / 5, 1;
    r = ahp_weights(b);
    CHECK(r.weights[2] == doctest::Approx(0.26220121).epsilon(1e-7));
    CHECK(r.cr == doctest::Approx(0.0433268309063957).epsilon(1e-8));
    CHECK(saaty_random_index(5) == 1.12);
    Eigen::Matrix2d bad;
    bad << 1, 2, 3, 1;
    CHECK_THROWS_AS(ahp_weights(bad), std::invalid_argument);
}

TEST_CASE("AHP: Saaty's published drink-consumption example") {
    // Saaty (2008), "Decision making with the analytic hierarchy process", Int. J. Services
    // Sciences 1(1):83-98, "Which drink is consumed more in the U.S.?" (also in Saaty 1980):
    // the published derived priorities, to three decimals, are
    // coffee .177, wine .019, tea .042, beer .116, sodas .190, milk .129, water .327.
    Eigen::MatrixXd a(7, 7);
    a << 1, 9, 5, 2, 1, 1, 1.0 / 2,                               // coffee
        1.0 / 9, 1, 1.0 / 3, 1.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 9,  // wine
        1.0 / 5, 3, 1, 1.0 / 3, 1.0 / 4, 1.0 / 3, 1.0 / 9,        // tea
        1.0 / 2, 9, 3, 1, 1.0 / 2, 1, 1.0 / 3,                    // beer
        1, 9, 4, 2, 1, 2, 1.0 / 2,                                // sodas
        1, 9, 3, 1, 1.0 / 2, 1, 1.0 / 3,                          // milk
        2, 9, 9, 3, 2, 3, 1;                                      // water
    const auto r = ahp_weights(a);
    const double published[] = {0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327};
    for (int i = 0; i < 7; ++i)
        CHECK(std::round(r.weights[i] * 1000) / 1000 ==
              doctest::Approx(published[i]).epsilon(1e-12));
    // Consistency: CR = ((lambda_max - 7) / 6) / 1.32 stays below Saaty's 0.1.
    CHECK(r.cr < 0.1);
    CHECK(r.cr == doctest::Approx((r.lambda_max - 7) / 6 / 1.32));
}

TEST_CASE("entropy and CRITIC weights (numpy values)") {
    Eigen::MatrixXd x(4, 3);
    x << 0.9, 0.2, 0.5, 0.6, 0.8, 0.5, 0.3, 0.5, 0.9, 1.0, 0.1, 0.7;
    const auto e =
        entropy_weights(x);  // numpy: P = X/X.sum(0); e = -(P ln P).sum(0)/ln 4; w ~ 1 - e
    CHECK(e[0] == doctest::Approx(0.23491875).epsilon(1e-7));
    CHECK(e[1] == doctest::Approx(0.67682512).epsilon(1e-7));
    CHECK(e[2] == doctest::Approx(0.08825613).epsilon(1e-7));
    const auto c = critic_weights(x);  // numpy: sd(ddof=1) * (1 - corrcoef).sum(0)
    CHECK(c[0] == doctest::Approx(0.42370113).epsilon(1e-7));
    CHECK(c[1] == doctest::Approx(0.36629677).epsilon(1e-7));
    CHECK(c[2] == doctest::Approx(0.2100021).epsilon(1e-7));
}

TEST_CASE("TOPSIS ranks the same matrix") {
    builder b({group_key::agent});
    b.group("A", 50, {{"csat", 0.9}, {"frt_median", 40}})
        .group("B", 50, {{"csat", 0.7}, {"frt_median", 20}})
        .group("C", 50, {{"csat", 0.5}, {"frt_median", 60}});
    const auto s = score(
        b.rep,
        card_of(
            R"({"kpis": [{"metric": "csat", "weight": 0.5}, {"metric": "frt_median", "weight": 0.5, "better": "lower"}]})"));
    // minmax to [0,1] (1 best): A (1, .5), B (.5, 1), C (0, 0); weighted by .5; ideal (.5, .5),
    // anti (0, 0). A: d+ = .25, d- = sqrt(.25 + .0625) -> C = .5590/(.25 + .5590); B symmetric; C:
    // 0.
    const double dm = std::sqrt(0.25 + 0.0625), ca = dm / (0.25 + dm);
    CHECK(by_key(s, "A").topsis == doctest::Approx(ca));
    CHECK(by_key(s, "B").topsis == doctest::Approx(ca));
    CHECK(by_key(s, "C").topsis == doctest::Approx(0));
    CHECK(by_key(s, "A").topsis_rank == 1);
    CHECK(by_key(s, "C").topsis_rank == 3);
}

TEST_CASE("invalid scorecards name the key path") {
    auto err = [](const char* text) {
        try {
            scorecard::from_json(json::parse(text));
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(err(R"({"kpis": [{"metric": "speed", "weight": 1}]})") ==
          "config: scorecard.kpis[0].metric: unknown metric 'speed'");
    CHECK(err(R"({"kpis": [{"metric": "csat", "weight": 1}, {"metric": "nps"}]})") ==
          "config: scorecard.kpis[1].weight: required by manual weights");
    CHECK(err(R"({"kpis": [{"metric": "csat", "weight": 1, "normalize": {"method": "sigmoid"}}]})")
              .rfind("config: scorecard.kpis[0].normalize.method: expected bands", 0) == 0);
    CHECK(
        err(R"({"kpis": [{"metric": "csat", "weight": 1, "normalize": {"method": "bands", "bands": [[1]]}}]})") ==
        "config: scorecard.kpis[0].normalize.bands[0]: expected [threshold, points], actual [1]");
    CHECK(
        err(R"({"kpis": [{"metric": "csat"}, {"metric": "nps"}], "weights": {"method": "ahp", "matrix": [[1, 2], [3, 1]]}})")
            .rfind("config: scorecard.weights.matrix: AHP: expected a reciprocal matrix", 0) == 0);
    CHECK(
        err(R"({"kpis": [{"metric": "csat"}, {"metric": "nps"}], "weights": {"method": "ahp", "matrix": [[1]]}})") ==
        "config: scorecard.weights.matrix: expected 2 rows (one per KPI), actual 1");
    CHECK(
        err(R"({"kpis": [{"metric": "csat"}, {"metric": "nps"}, {"metric": "ces_mean"}], "weights": {"method": "ahp", "matrix": [[1, 9, 0.5], [0.1111111111111111, 1, 7], [2, 0.14285714285714285, 1]]}})")
            .rfind("config: scorecard.weights.matrix: inconsistent: CR", 0) == 0);
    CHECK(
        err(R"({"kpis": [{"metric": "csat"}, {"metric": "nps"}, {"metric": "ces_mean"}], "weights": {"method": "ahp", "allow_inconsistent": true, "matrix": [[1, 9, 0.5], [0.1111111111111111, 1, 7], [2, 0.14285714285714285, 1]]}})") ==
        "no error");
    CHECK(
        err(R"({"kpis": [{"metric": "frt_median", "weight": 1, "min_den": 5}]})") ==
        "config: scorecard.kpis[0]: min_den and shrink apply to rates; 'frt_median' is not a rate");
    CHECK(err(R"({"kpis": [{"metric": "csat", "weight": 1}], "colour": "red"})") ==
          "config: scorecard.colour: unknown key");
    CHECK(err(R"({"kpis": [{"metric": "csat", "weight": 1}], "weights": {"method": "vote"}})") ==
          "config: scorecard.weights.method: expected manual, ahp, entropy or critic, actual "
          "\"vote\"");
    CHECK(err(R"({"kpis": []})") == "config: scorecard.kpis: expected a non-empty array");
}
