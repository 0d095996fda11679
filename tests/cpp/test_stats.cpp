// Wilson intervals against statsmodels.stats.proportion.proportion_confint(method="wilson");
// quantiles against numpy.quantile (linear = Hyndman-Fan type 7); z from the normal table.
#include <doctest/doctest.h>

#include <cskpi/cskpi.hpp>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

using namespace cskpi;

TEST_CASE("critical values") {
    CHECK(stats::z_for(0.95) == doctest::Approx(1.959963984540054).epsilon(1e-12));
    CHECK(stats::z_for(0.90) == doctest::Approx(1.6448536269514722).epsilon(1e-12));
}

TEST_CASE("Wilson score interval (statsmodels values)") {
    auto [lo, hi] = stats::wilson(8, 10, stats::z_for(0.95));
    CHECK(lo == doctest::Approx(0.49016247153664183).epsilon(1e-12));
    CHECK(hi == doctest::Approx(0.9433178485456247).epsilon(1e-12));
    std::tie(lo, hi) = stats::wilson(0, 7, stats::z_for(0.95));
    CHECK(lo == doctest::Approx(0.0).epsilon(1e-12));
    CHECK(hi == doctest::Approx(0.3543304350666875).epsilon(1e-12));
    std::tie(lo, hi) = stats::wilson(45, 50, stats::z_for(0.90));
    CHECK(lo == doctest::Approx(0.8084624858484291).epsilon(1e-12));
    CHECK(hi == doctest::Approx(0.950470965522555).epsilon(1e-12));
    std::tie(lo, hi) = stats::wilson(0, 0, 1.96);
    CHECK(std::isnan(lo));
    CHECK(std::isnan(hi));
}

TEST_CASE("type-7 quantiles (numpy values)") {
    std::vector<int> x = {5, 1, 9, 3, 7, 2, 8};
    CHECK(stats::quantile_type7(x, 0.0) == 1.0);
    CHECK(stats::quantile_type7(x, 0.5) == 5.0);
    CHECK(stats::quantile_type7(x, 0.9) == doctest::Approx(8.4));
    CHECK(stats::quantile_type7(x, 0.95) == doctest::Approx(8.7));
    CHECK(stats::quantile_type7(x, 1.0) == 9.0);
    std::vector<int> one = {42};
    CHECK(stats::quantile_type7(one, 0.9) == 42.0);
    std::vector<int> none;
    CHECK(std::isnan(stats::quantile_type7(none, 0.5)));
    std::vector<int> ties = {3, 3, 3, 1};
    CHECK(stats::quantile_type7(ties, 0.5) == 3.0);
}

TEST_CASE("type-7 quantiles, several at once (numpy.quantile values)") {
    // Each selection after the first searches only above the previous one; the values must be
    // those of independent selections. numpy.quantile(v, [.1, .5, .9, .95, .999]) with
    // v = [(i*37) % 101 // 3 for i in range(1000)] (many ties) -> 3, 16, 30, 31.05, 33.
    std::vector<int> v;
    for (int i = 0; i < 1000; ++i) v.push_back((i * 37) % 101 / 3);
    // As generated, then sorted (sorted arrays are read, not selected in): the same values.
    for (const bool sorted : {false, true}) {
        if (sorted) std::sort(v.begin(), v.end());
        const auto q = stats::quantiles_type7(v, std::array<double, 5>{0.1, 0.5, 0.9, 0.95, 0.999});
        CHECK(q[0] == 3.0);
        CHECK(q[1] == 16.0);
        CHECK(q[2] == 30.0);
        CHECK(q[3] == doctest::Approx(31.05).epsilon(1e-12));
        CHECK(q[4] == 33.0);
    }
    // v = [(i*7919) % 1009 for i in range(37)], scaled by 10: 5460, 8966, 9528.
    std::vector<std::uint32_t> w;
    for (std::uint32_t i = 0; i < 37; ++i) w.push_back(i * 7919 % 1009);
    const auto r = stats::quantiles_type7(w, std::array<double, 3>{0.5, 0.9, 0.95}, 10.0);
    CHECK(r[0] == 5460.0);
    CHECK(r[1] == doctest::Approx(8966.0).epsilon(1e-12));
    CHECK(r[2] == doctest::Approx(9528.0).epsilon(1e-12));
    std::sort(w.begin(), w.end());
    CHECK(stats::quantiles_type7(w, std::array<double, 3>{0.5, 0.9, 0.95}, 10.0) == r);
    std::vector<int> none;
    CHECK(std::isnan(stats::quantiles_type7(none, std::array<double, 2>{0.5, 0.9})[1]));
}

TEST_CASE("type-7 quantiles of a large 32-bit array, found by counting (numpy.quantile values)") {
    // From stats::counting_min values on, 32-bit arrays take the counting path. numpy:
    // i = arange(300004); v = ((i*48271) % 65521) * where(i % 7 == 0, 65537, 3) (ties, values
    // up to 2^32 - 983056); quantile(v, [.1, .5, .9, .95, .999]).
    std::vector<std::uint32_t> v;
    for (std::uint64_t i = 0; i < 300004; ++i)
        v.push_back(static_cast<std::uint32_t>((i * 48271) % 65521 * (i % 7 == 0 ? 65537 : 3)));
    REQUIRE(v.size() >= stats::counting_min);
    const std::array<double, 5> qs{0.1, 0.5, 0.9, 0.95, 0.999};
    std::vector<std::uint64_t> wide(v.begin(), v.end());  // the selection path
    const auto q = stats::quantiles_type7(v, qs);
    CHECK(q[0] == 22941.0);
    CHECK(q[1] == 114672.0);
    CHECK(q[2] == doctest::Approx(1288483634.8000016).epsilon(1e-15));
    CHECK(q[3] == doctest::Approx(2791210999.4499984).epsilon(1e-15));
    CHECK(q[4] == doctest::Approx(4263968097.3889985).epsilon(1e-15));
    CHECK(q == stats::quantiles_type7(wide, qs));          // bit for bit
    CHECK(stats::quantile_type7(v, 1.0) == 4293984240.0);  // numpy: v.max()
}

TEST_CASE("NIST StRD Michelso: median and extremes of the certified data set") {
    // NIST Statistical Reference Datasets, Michelso.dat (100 values, certified mean 299.8524).
    // Values are scaled to integers (x 1000) to use the integer sample path exactly.
    // A copy of shared/refdata/nist_strd/Michelso.dat, so the tests stand on their own.
    std::ifstream in(CSKPI_SOURCE_DIR "/tests/data/nist_strd/Michelso.dat");
    REQUIRE(in);
    std::string line;
    std::vector<long long> v;
    for (int n = 1; std::getline(in, line); ++n)
        if (n >= 61) {
            std::istringstream ss(line);
            double d;
            if (ss >> d) v.push_back(std::llround(d * 1000));
        }
    REQUIRE(v.size() == 100);
    long long sum = 0;
    for (auto x : v) sum += x;
    CHECK(static_cast<double>(sum) / 100 / 1000 == doctest::Approx(299.8524).epsilon(1e-12));
    // numpy.quantile(Michelso, [0.5, 0.9]) = 299.85, 299.96
    CHECK(stats::quantile_type7(v, 0.5) / 1000 == doctest::Approx(299.85).epsilon(1e-12));
    CHECK(stats::quantile_type7(v, 0.9) / 1000 == doctest::Approx(299.96).epsilon(1e-12));
}

TEST_CASE("pooled order statistics: counted ranks equal those of the sorted union") {
    // The overall row's quantiles come from counts over every group's samples; the oracle is
    // the sorted concatenation. Skewed values (most below 4096, a tail up to 2^32 - 1), ties,
    // empty parts, ranks in one low-bit bin and in several.
    std::mt19937_64 rng(3);
    std::vector<std::vector<std::uint32_t>> parts(40);
    for (auto& p : parts) {
        const std::size_t n = rng() % 4 == 0 ? 0 : rng() % 3000;
        for (std::size_t i = 0; i < n; ++i) {
            const auto r = rng();
            p.push_back(r % 10 < 7   ? static_cast<std::uint32_t>(r % 60)
                        : r % 10 < 9 ? static_cast<std::uint32_t>(r % 200000)
                                     : static_cast<std::uint32_t>(r >> 32));
        }
    }
    parts[5].push_back(UINT32_MAX);
    std::vector<const std::vector<std::uint32_t>*> ptrs;
    std::vector<std::uint32_t> all;
    __extension__ unsigned __int128 sum = 0;
    for (const auto& p : parts) {
        ptrs.push_back(&p);
        all.insert(all.end(), p.begin(), p.end());
        for (auto x : p) sum += x;
    }
    std::sort(all.begin(), all.end());
    const detail::pooled_u32 pooled(ptrs);
    CHECK(pooled.size() == all.size());
    CHECK(pooled.max() == UINT32_MAX);
    CHECK((pooled.sum() == sum));
    std::vector<std::uint64_t> ks = {0,
                                     1,
                                     all.size() / 2,
                                     all.size() / 2 + 1,
                                     all.size() * 9 / 10,
                                     all.size() - 2,
                                     all.size() - 1,
                                     17};
    const auto got = pooled.order_stats(ks);
    for (std::size_t i = 0; i < ks.size(); ++i) CHECK(got[i] == all[ks[i]]);
    // type7 on counted order statistics equals quantiles_type7 on the array itself.
    for (double q : {0.5, 0.9, 0.95, 0.999}) {
        const auto r = stats::type7_ranks(all.size(), q);
        const auto os = pooled.order_stats(r);
        auto at = [&](std::size_t k) { return os[k == r[0] ? 0 : 1]; };
        auto next = [&](std::size_t k) { return at(k + 1); };
        auto copy = all;
        std::shuffle(copy.begin(), copy.end(), rng);
        CHECK(stats::type7(all.size(), q, 1e6, at, next) ==
              stats::quantiles_type7(copy, std::array<double, 1>{q}, 1e6)[0]);
    }
}

TEST_CASE("Kaplan-Meier by hand: ties, censoring, the spec's <= quantile") {
    // events 60, 120, 180 and one censored at 300: S = 3/4, 2/4, 1/4.
    const std::vector<int> events = {60, 120, 180}, censored = {300};
    const auto c = survival::kaplan_meier(events, censored);
    REQUIRE(c.time.size() == 3);
    CHECK(c.surv[0] == doctest::Approx(0.75));
    CHECK(c.surv[1] == doctest::Approx(0.5));
    CHECK(c.at_risk == std::vector<std::uint64_t>{4, 3, 2});
    // Greenwood: S(60) sqrt(1 / (4 * 3))
    CHECK(c.se[0] == doctest::Approx(0.75 * std::sqrt(1.0 / 12)));
    CHECK(survival::quantile(c, 0.5) == 120);  // S(120) = 0.5 exactly: "<=" takes it
    CHECK(std::isnan(survival::quantile(c, 0.9)));
    // A censored time equal to an event time is at risk at it: 2 events at 10 among 4 at risk.
    const auto d = survival::kaplan_meier(std::vector<int>{10, 10, 20}, std::vector<int>{10});
    CHECK(d.at_risk[0] == 4);
    CHECK(d.surv[0] == doctest::Approx(0.5));
    CHECK(d.at_risk[1] == 1);
    CHECK(d.surv[1] == 0);
    CHECK(std::isnan(d.se[1]));  // nobody left: Greenwood undefined
}

TEST_CASE("Kaplan-Meier without censoring is the empirical quantile") {
    std::vector<int> x = {5, 1, 9, 3, 7, 3, 8, 2, 6, 4};
    std::sort(x.begin(), x.end());
    const auto c = survival::kaplan_meier(x, std::vector<int>{});
    // smallest t with F(t) >= q: the ceil(q n)-th order statistic
    CHECK(survival::quantile(c, 0.5) == x[4]);
    CHECK(survival::quantile(c, 0.9) == x[8]);
    // a group_state with no censored rows computes the columns from its samples alone
    group_state s;
    for (int v : x) {
        row_facts f;
        f.bits = row_facts::answered;
        f.frt = v * us_per_s;
        s.update(f, 4);
    }
    const auto m = compute_metrics(s, stats::z_for(0.95));
    const auto& cat = metric_catalogue();
    const auto at = [&](const char* n) {
        return m[static_cast<std::size_t>(
            std::find_if(cat.begin(), cat.end(), [&](auto& e) { return e.name == n; }) -
            cat.begin())];
    };
    CHECK(at("frt_km_median") == x[4]);
    CHECK(at("frt_km_p90") == x[8]);
    s.frt_censored = 1;  // censored rows whose instants the state does not hold: unknown
    CHECK(std::isnan(compute_metrics(s, stats::z_for(0.95))[static_cast<std::size_t>(
        std::find_if(cat.begin(), cat.end(), [](auto& e) { return e.name == "frt_km_median"; }) -
        cat.begin())]));
}
