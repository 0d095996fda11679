// group_state: empty, one value, many, merge = single pass on random splits, JSON round trip,
// corrupted JSON. Expected counts and means are worked by hand.
#include <doctest/doctest.h>

#include <cskpi/cskpi.hpp>

#include <cstring>
#include <random>

using namespace cskpi;

namespace {
row_facts facts(std::uint32_t bits, micros frt = missing_us, int csat = missing_int) {
    row_facts f;
    f.bits = bits;
    f.frt = frt;
    f.csat = csat;
    return f;
}
std::vector<row_facts> random_rows(std::mt19937_64& g, int n) {
    std::vector<row_facts> v;
    std::uniform_int_distribution<std::uint32_t> bits(0, (1u << 23) - 1);
    std::uniform_int_distribution<int> rating(0, 10);
    for (int i = 0; i < n; ++i) {
        row_facts f;
        f.bits = bits(g) & ~row_facts::answered;
        // Facts the row derivation only sets together.
        if (!(f.bits & row_facts::replies_known)) f.bits &= ~row_facts::one_touch;
        if (!(f.bits & row_facts::bot_only) || !(f.bits & row_facts::resolved))
            f.bits &= ~row_facts::bot_contained_verified;
        if (g() % 4) {
            f.bits |= row_facts::answered;
            f.frt = static_cast<micros>(g() % 100'000'000);
        }
        if (g() % 2) f.handle = static_cast<micros>(g() % 1000);
        if ((f.bits & row_facts::resolved) && g() % 2)
            f.resolution = static_cast<micros>(g() % 10000);
        if (g() % 3 == 0) f.csat = 1 + rating(g) % 5;
        if (g() % 3 == 0) f.nps = rating(g);
        if (g() % 5 == 0) f.ces = 1 + rating(g) % 7;
        f.order_value = static_cast<std::int64_t>(g() % 5'000'000);
        v.push_back(f);
    }
    return v;
}
}  // namespace

TEST_CASE("group_state: empty") {
    group_state s;
    CHECK(s == group_state{});
    auto m = compute_metrics(s, 1.96);
    const auto& cat = metric_catalogue();
    for (std::size_t i = 0; i < cat.size(); ++i) {
        if (cat[i].integer || cat[i].name == "sales_total")
            CHECK(m[i] == 0.0);
        else
            CHECK_MESSAGE(std::isnan(m[i]), cat[i].name);
    }
    group_state e;
    s.merge(e);
    CHECK(s == group_state{});
}

TEST_CASE("group_state: one and many values") {
    group_state s;
    s.update(facts(row_facts::answered | row_facts::resolved, 30 * us_per_s, 4), 4);
    CHECK(s.interactions == 1);
    CHECK(s.answered == 1);
    CHECK(s.csat_satisfied == 1);
    CHECK(s.resolution_num == 1);
    CHECK(s.resolution_den == 1);
    s.update(facts(row_facts::abandoned), 4);
    s.update(facts(row_facts::answered, 10 * us_per_s, 2), 4);
    CHECK(s.interactions == 3);
    CHECK(s.resolution_den == 2);  // the abandoned row leaves the denominator
    CHECK(s.csat_responses == 2);
    CHECK(s.csat_sum == 6);
    CHECK(s.csat_satisfied == 1);
    auto m = compute_metrics(s, 1.96);
    group_state copy = s;
    report_group g{{}, m, {}};
    CHECK(g.metric("frt_mean") == 20.0);
    CHECK(g.metric("frt_median") == 20.0);
    CHECK(g.metric("frt_max") == 30.0);
    CHECK(g.metric("answer_rate") == doctest::Approx(2.0 / 3));
    CHECK(g.metric("csat") == 0.5);
    CHECK(g.metric("csat_mean") == 3.0);
    CHECK(g.metric("csat_response_rate") == 1.0);
    CHECK(copy == s);  // computing metrics reorders samples, not their values
}

TEST_CASE("group_state: merge equals a single pass on random splits") {
    std::mt19937_64 g(42);
    for (int trial = 0; trial < 20; ++trial) {
        const auto rows = random_rows(g, 500);
        group_state whole;
        for (const auto& r : rows) whole.update(r, 4);
        // Split into 1..5 random parts, merge in a random order.
        const int parts = 1 + static_cast<int>(g() % 5);
        std::vector<group_state> p(static_cast<std::size_t>(parts));
        for (const auto& r : rows) p[g() % p.size()].update(r, 4);
        std::shuffle(p.begin(), p.end(), g);
        group_state merged;
        for (const auto& x : p) merged += x;
        CHECK(merged == whole);
        CHECK(compute_metrics(merged, 1.96) == compute_metrics(whole, 1.96));
        // Associativity: (a + b) + c == a + (b + c)
        if (parts >= 3) CHECK(((p[0] + p[1]) + p[2]) == (p[0] + (p[1] + p[2])));
    }
}

TEST_CASE("group_table: a counter family is allocated once a row produces it") {
    detail::group_table t;
    for (int i = 0; i < 3; ++i) t.add_group();
    t.update(0, facts(row_facts::answered, 30 * us_per_s, 4), 4);
    t.update(2, facts(row_facts::bot | row_facts::bot_only | row_facts::resolved), 4);
    CHECK(t.has_family<volume_counts>());
    CHECK(t.has_family<csat_counts>());
    CHECK(t.has_family<bot_counts>());
    CHECK_FALSE(t.has_family<nps_counts>());
    CHECK_FALSE(t.has_family<ces_counts>());
    CHECK_FALSE(t.has_family<complaint_counts>());
    CHECK_FALSE(t.has_family<presale_counts>());
    CHECK_FALSE(t.has_family<one_touch_counts>());
    CHECK_FALSE(t.has_family<service_level_counts>());
    CHECK_FALSE(t.has_family<censoring_counts>());
    CHECK(t.has_samples(0));
    CHECK_FALSE(t.has_samples(1));  // no handle time in any row
    // By hand: group 0 has one answered row rated 4 (satisfied at 4); group 1 nothing; group 2
    // one bot-only resolved row.
    const group_state g0 = t.state(0);
    CHECK(g0.interactions == 1);
    CHECK(g0.answered == 1);
    CHECK(g0.csat_responses == 1);
    CHECK(g0.csat_sum == 4);
    CHECK(g0.csat_satisfied == 1);
    CHECK(g0.csat_answered == 1);
    CHECK(g0.frt.values() == std::vector<micros>{30 * us_per_s});
    CHECK(t.state(1) == group_state{});
    CHECK(t.state(2).bot_rows == 1);
    CHECK(t.state(2).bot_contained == 1);
    CHECK(t.state(2).resolved == 1);
    CHECK(t.total_counts().interactions == 2);
    CHECK(t.total_counts().bot_rows == 1);
    // A group added later gets every allocated family.
    t.add_group();
    t.update(3, facts(row_facts::bot), 4);
    CHECK(t.state(3).bot_rows == 1);
    CHECK(t.state(3).bot_contained == 0);
    // A whole state added brings its families; all-zero families stay unallocated.
    group_state nps_only;
    row_facts f = facts(0);
    f.nps = 10;
    nps_only.update(f, 4);
    t.add(1, std::move(nps_only));
    CHECK(t.has_family<nps_counts>());
    CHECK_FALSE(t.has_family<ces_counts>());
    CHECK(t.state(1).nps_promoters == 1);
    CHECK(t.state(0).nps_responses == 0);
}

TEST_CASE("group_table: groups hold what group_state would; merges follow the group map") {
    std::mt19937_64 g(7);
    constexpr std::uint32_t groups = 40;
    const auto rows = random_rows(g, 3000);
    std::vector<group_state> whole(groups);
    detail::group_table a, b;
    for (std::uint32_t i = 0; i < groups; ++i) {
        a.add_group();
        b.add_group();
    }
    // b numbers its groups in reverse; gmap takes b's numbers to a's.
    std::vector<std::uint32_t> gmap(groups);
    for (std::uint32_t i = 0; i < groups; ++i) gmap[i] = groups - 1 - i;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto k = static_cast<std::uint32_t>(g() % groups);
        whole[k].update(rows[r], 4);
        if (r % 3 == 0)
            b.update(groups - 1 - k, rows[r], 4);
        else
            a.update(k, rows[r], 4);
    }
    detail::group_table copy = a;
    copy.merge(b, gmap);
    a.merge_and_free(b, gmap);
    for (std::uint32_t k = 0; k < groups; ++k) {
        CHECK(a.state(k) == whole[k]);
        CHECK(copy.state(k) == whole[k]);
    }
    CHECK_FALSE(b.has_samples(0));
    CHECK_FALSE(b.has_family<volume_counts>());
    group_state sum;
    for (const auto& w : whole) sum.merge(w);
    group_state total = a.total_counts();
    for (const auto f : duration_samples_of) total.*f = sum.*f;
    CHECK(total == sum);
}

TEST_CASE("group_state: JSON round trip and corrupted input") {
    std::mt19937_64 g(7);
    group_state s;
    for (const auto& r : random_rows(g, 200)) s.update(r, 4);
    nlohmann::json j = s;
    CHECK(j["type"] == "cskpi.group_state");
    CHECK(j["version"] == 1);
    const auto back = nlohmann::json::parse(j.dump()).get<group_state>();
    CHECK(back == s);
    CHECK(nlohmann::json(back).dump() == j.dump());

    auto corrupt = [&](auto&& edit) {
        nlohmann::json c = j;
        edit(c);
        return c;
    };
    CHECK_THROWS_AS(corrupt([](auto& c) { c["type"] = "other"; }).template get<group_state>(),
                    std::invalid_argument);
    CHECK_THROWS_AS(corrupt([](auto& c) { c["version"] = 99; }).template get<group_state>(),
                    std::invalid_argument);
    CHECK_THROWS_AS(corrupt([](auto& c) { c.erase("frt_us"); }).template get<group_state>(),
                    std::invalid_argument);
    CHECK_THROWS_AS(
        corrupt([](auto& c) { c["counts"].erase("answered"); }).template get<group_state>(),
        std::invalid_argument);
    CHECK_THROWS_AS(
        corrupt([](auto& c) { c["counts"]["answered"] = -1; }).template get<group_state>(),
        std::invalid_argument);
    CHECK_THROWS_AS(
        corrupt([](auto& c) { c["counts"]["answered"] = "12"; }).template get<group_state>(),
        std::invalid_argument);
    CHECK_THROWS_AS(corrupt([](auto& c) { c["frt_us"].push_back(5); }).template get<group_state>(),
                    std::invalid_argument);
    CHECK_THROWS_AS(corrupt([](auto& c) { c["frt_us"][0] = 1.5; }).template get<group_state>(),
                    std::invalid_argument);
    CHECK_THROWS_AS(nlohmann::json::parse("[1,2]").get<group_state>(), std::invalid_argument);
}

TEST_CASE("duration samples: whole seconds stored in 32 bits give the same statistics (by hand)") {
    group_state s;
    for (micros v : {4 * us_per_s, 1 * us_per_s, 2 * us_per_s})
        s.update(facts(row_facts::answered, v), 4);
    s.frt.visit([](const auto& v, micros unit) {
        CHECK(sizeof(v[0]) == 4);  // compact while every value is whole seconds
        CHECK(unit == us_per_s);
    });
    auto m = compute_metrics(s, 1.96);
    const report_group r{{}, m, {}};
    CHECK(r.metric("frt_mean") == doctest::Approx(7.0 / 3));
    CHECK(r.metric("frt_median") == 2);
    CHECK(r.metric("frt_p90") == doctest::Approx(3.6));  // h = 1.8: 2 + 0.8 * (4 - 2)
    CHECK(r.metric("frt_max") == 4);
    // Half a second switches the store to microseconds; values stay the same.
    s.update(facts(row_facts::answered, us_per_s / 2), 4);
    s.frt.visit([](const auto& v, micros) { CHECK(sizeof(v[0]) == 8); });
    const report_group r2{{}, compute_metrics(s, 1.96), {}};
    CHECK(r2.metric("frt_mean") == doctest::Approx(1.875));
    CHECK(r2.metric("frt_median") == doctest::Approx(1.5));
    CHECK(r2.metric("frt_p90") == doctest::Approx(3.4));  // h = 2.7: 2 + 0.7 * (4 - 2)
    CHECK(r2.metric("frt_max") == 4);
    auto sorted = s.frt.values();
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<micros>{us_per_s / 2, us_per_s, 2 * us_per_s, 4 * us_per_s});
}

TEST_CASE("duration samples: compact and wide parts merge to the single pass, bit for bit") {
    std::mt19937_64 g(7);
    for (int trial = 0; trial < 20; ++trial) {
        std::vector<row_facts> rows;
        for (int i = 0; i < 400; ++i) {
            // Mostly whole seconds; now and then a fraction, so some parts stay compact.
            const micros v = static_cast<micros>(g() % 5000) * us_per_s +
                             (g() % 50 == 0 ? static_cast<micros>(g() % 999999) : 0);
            rows.push_back(facts(row_facts::answered, v));
        }
        group_state whole;
        for (const auto& r : rows) whole.update(r, 4);
        std::vector<group_state> p(1 + g() % 6);
        for (const auto& r : rows) p[g() % p.size()].update(r, 4);
        group_state merged;
        for (const auto& x : p) merged += x;
        CHECK(merged == whole);
        const auto a = compute_metrics(merged, 1.96), b = compute_metrics(whole, 1.96);
        CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
        CHECK(group_state(nlohmann::json(merged).get<group_state>()) == whole);
    }
}
