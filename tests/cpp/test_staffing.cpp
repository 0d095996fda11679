// Erlang B, C and A (spec section 16) against published tables and worked examples, and
// against the models' own limiting cases. The independent implementation (mpmath and scipy)
// is in tests/python/test_staffing.py.
#include <algorithm>
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include <cskpi/staffing/erlang.hpp>

using namespace cskpi::staffing;

TEST_CASE("Erlang B matches the 1 % blocking column of the standard traffic table") {
    // Erlang B table, P = 0.01 (e.g. ITU-T E.800-series traffic tables; any teletraffic
    // handbook): 5 trunks 1.36 E, 10 trunks 4.46 E, 20 trunks 12.03 E, 50 trunks 37.90 E,
    // 100 trunks 84.06 E. The table rounds A to 0.01 E, so B at A -/+ 0.01 brackets 1 %.
    const std::pair<unsigned, double> table[] = {
        {5, 1.36}, {10, 4.46}, {20, 12.03}, {50, 37.90}, {100, 84.06}};
    for (const auto& row : table) {
        const unsigned n = row.first;  // not a structured binding: CAPTURE's lambda takes it
        const double a = row.second;
        CAPTURE(n);
        CHECK(erlang_b(a - 0.01, n) < 0.01);
        CHECK(erlang_b(a + 0.01, n) > 0.01);
    }
    CHECK(erlang_b(2.0, 0) == 1.0);
    CHECK(erlang_b(1.0, 1) == doctest::Approx(0.5));  // A / (1 + A)
}

TEST_CASE(
    "Erlang C: the Call Centre Helper worked example (100 calls per 30 min, AHT 180 s, 80/20)") {
    // Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example":
    // 10 erlangs; 11 agents P(wait) 68.2 %, SL 39.0 %; 14 agents SL 88.8 %, occupancy 71.4 %,
    // ASA 7.8 s; with 30 % shrinkage 20 agents are scheduled.
    const auto f11 = erlang_c(10, 11, 180, 20);
    CHECK(f11.p_wait == doctest::Approx(0.682).epsilon(0.001));
    CHECK(f11.service_level == doctest::Approx(0.390).epsilon(0.002));
    const auto f14 = erlang_c(10, 14, 180, 20);
    CHECK(f14.service_level == doctest::Approx(0.888).epsilon(0.001));
    CHECK(f14.occupancy == doctest::Approx(10.0 / 14));
    CHECK(f14.asa_s == doctest::Approx(7.8).epsilon(0.01));
    // By hand from the definition with factorials (small N): C(11, 10).
    double sum = 0, term = 1;
    for (int k = 0; k < 11; ++k) sum += term, term *= 10.0 / (k + 1);  // term ends as 10^11 / 11!
    const double top = term * 11 / (11 - 10);
    CHECK(f11.p_wait == doctest::Approx(top / (sum + top)).epsilon(1e-12));

    // 80/20 with at most 85 % occupancy: 13 agents give 79.6 %, so 14 are required.
    const auto r = required_agents(10, 180, 0.8, 20, 0.85, 0.30);
    CHECK(r.agents == 14);
    CHECK(r.scheduled == 20);  // 14 / 0.7 = 20 exactly: no rounding up past it
    CHECK(required_agents(10, 180, 0.8, 20, 0.70, 0.0).agents == 15);  // 10/14 = 71.4 % > 70 %
}

TEST_CASE("Erlang C is stable at 1,000 agents and 900 erlangs, and edge cases are defined") {
    const auto f = erlang_c(900, 1000, 300, 20);
    CHECK(std::isfinite(f.p_wait));
    // The factorial definition in log space (lgamma), terms scaled by the largest.
    auto by_definition = [](double a, unsigned n) {
        std::vector<double> lt;
        for (unsigned k = 0; k < n; ++k) lt.push_back(k * std::log(a) - std::lgamma(k + 1.0));
        const double ltop = n * std::log(a) - std::lgamma(n + 1.0) + std::log(n / (n - a));
        double m = ltop;
        for (double x : lt) m = std::max(m, x);
        double sum = 0;
        for (double x : lt) sum += std::exp(x - m);
        return std::exp(ltop - m) / (sum + std::exp(ltop - m));
    };
    CHECK(f.p_wait == doctest::Approx(by_definition(900, 1000)).epsilon(1e-9));
    CHECK(f.p_wait < 1e-3);  // 100 spare agents at 900 erlangs: few wait
    const auto g = erlang_c(990, 1000, 300, 20);
    CHECK(g.p_wait > 0.1);
    CHECK(g.p_wait < 1);
    const auto over = erlang_c(12, 10, 180, 20);
    CHECK(over.p_wait == 1);
    CHECK(over.service_level == 0);
    CHECK(std::isinf(over.asa_s));
    const auto idle = erlang_c(0, 3, 180, 20);
    CHECK(idle.service_level == 1);
    CHECK(required_agents(0, 180, 0.8, 20).agents == 0);
    CHECK_THROWS_WITH_AS(erlang_c(10, 11, 0, 20), doctest::Contains("aht_s"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(erlang_c(-1, 11, 180, 20), doctest::Contains("traffic"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(required_agents(10, 180, 1.2, 20), doctest::Contains("service_level"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(required_agents(10, 180, 0.8, 20, 1.0, 1.0),
                         doctest::Contains("shrinkage"), std::invalid_argument);
}

TEST_CASE("Erlang A tends to Erlang C as patience grows, and abandonment follows Little's law") {
    for (unsigned n : {11u, 14u, 60u}) {
        const double a = n == 60 ? 55 : 10;
        const auto c = erlang_c(a, n, 180, 20);
        const auto x = erlang_a(a, n, 180, 20, 1e9);  // patience of ~30 years
        CAPTURE(n);
        CHECK(x.p_wait == doctest::Approx(c.p_wait).epsilon(1e-5));
        CHECK(x.service_level == doctest::Approx(c.service_level).epsilon(1e-5));
        CHECK(x.asa_s == doctest::Approx(c.asa_s).epsilon(1e-4));
        CHECK(x.p_abandon < 1e-6);
    }
    // With patience, overload is stable; abandonment = theta E[queue] / lambda (Little), a
    // second route to the same number.
    const double a = 12, aht = 180, patience = 120;
    const unsigned n = 10;
    const auto f = erlang_a(a, n, aht, 20, patience);
    const auto pi =
        cskpi::staffing::detail::erlang_a_distribution(a / aht, 1 / aht, 1 / patience, n);
    double eq = 0;
    for (std::size_t k = n; k < pi.size(); ++k) eq += static_cast<double>(k - n) * pi[k];
    CHECK(f.p_abandon == doctest::Approx(eq / patience / (a / aht)).epsilon(1e-9));
    CHECK(f.occupancy < 1);
    CHECK(f.service_level > 0);
    CHECK(f.service_level < 1 - f.p_abandon);
    // Fewer agents than traffic can meet a target once callers hang up; Erlang C could not.
    const auto r = required_agents(12, 180, 0.5, 20, 1.0, 0.0, 60.0);
    CHECK(r.figures.service_level >= 0.5);
    CHECK(erlang_a(12, r.agents - 1, 180, 20, 60).service_level < 0.5);
    CHECK_THROWS_AS(erlang_a(10, 11, 180, 20, 0), std::invalid_argument);
}
