// The two-sample tests of spec section 13 on published worked examples and hand counts. The
// comparison with scipy and statsmodels on real groups is tests/python/test_compare.py.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include <cskpi/analysis/significance.hpp>

using namespace cskpi::analysis;

TEST_CASE("Newcombe's hybrid score interval reproduces his worked example") {
    // Newcombe (1998), Statistics in Medicine 17:873-890, example (a): 56/70 vs 48/80,
    // difference 0.2000, method 10 interval 0.0524 to 0.3339. Here B - A with A = 48/80.
    const auto d = two_proportions(48, 80, 56, 70, 0.95);
    CHECK(d.estimate == doctest::Approx(0.2));
    CHECK(d.ci_low == doctest::Approx(0.0524).epsilon(0.002));
    CHECK(d.ci_high == doctest::Approx(0.3339).epsilon(0.002));
    CHECK(std::string(d.test) == "z_pooled");
}

TEST_CASE("Fisher's exact test: the tea-tasting table and the switch on small expected counts") {
    // Fisher's lady tasting tea: [[3, 1], [1, 3]], two-sided p = 34/70 = 0.4857.
    CHECK(fisher_exact(3, 1, 1, 3) == doctest::Approx(34.0 / 70));
    // [[1, 9], [11, 3]] (scipy's fisher_exact example, p = 0.0027595): P(a) = C(12,a) C(12,10-a) /
    // C(24,10); two-sided sums the tables no more likely than a = 1: a = 0, 1, 9, 10 ->
    // (1*66 + 12*220 + 220*12 + 66*1) / 1961256.
    CHECK(fisher_exact(1, 9, 11, 3) == doctest::Approx((66.0 + 2640 + 2640 + 66) / 1961256));
    const auto d =
        two_proportions(1, 10, 11, 14, 0.95);  // expected successes in A: 10*12/24 = 5, failures 5
    CHECK(std::string(d.test) == "z_pooled");
    const auto e = two_proportions(1, 10, 3, 14, 0.95);  // expected successes in A: 10*4/24 < 5
    CHECK(std::string(e.test) == "fisher_exact");
}

TEST_CASE("Hodges-Lehmann shift is the median of all pairwise differences") {
    // B - A differences of {1, 2, 3} and {4, 6}: 3, 2, 1, 5, 4, 3 -> median of 1 2 3 3 4 5 = 3.
    CHECK(hodges_lehmann({1, 2, 3}, {4, 6}) == doctest::Approx(3));
    // Odd count: {0} and {1, 5, 10} -> 1 5 10 -> 5; negative shifts too.
    CHECK(hodges_lehmann({0}, {1, 5, 10}) == doctest::Approx(5));
    CHECK(hodges_lehmann({10, 20}, {1}) == doctest::Approx(-14));
}

TEST_CASE("Benjamini-Hochberg q-values by hand") {
    // p sorted 0.01 0.02 0.03 0.5 (m = 4): p*m/rank = 0.04 0.04 0.04 0.5, then running minima
    // from the top; NaN stays out of m.
    const auto q = bh_qvalues({0.03, std::nan(""), 0.01, 0.5, 0.02});
    CHECK(q[0] == doctest::Approx(0.04));
    CHECK(std::isnan(q[1]));
    CHECK(q[2] == doctest::Approx(0.04));
    CHECK(q[3] == doctest::Approx(0.5));
    CHECK(q[4] == doctest::Approx(0.04));
}

TEST_CASE("Welch's t by hand") {
    // A = {1, 2, 3, 4}, B = {2, 4, 6, 8, 10}: means 2.5 and 6, variances 5/3 and 10;
    // se^2 = 5/12 + 2 = 29/12; df = (29/12)^2 / ((5/12)^2/3 + 2^2/4).
    const auto d = welch({1, 2, 3, 4}, {2, 4, 6, 8, 10}, 0.95);
    CHECK(d.estimate == doctest::Approx(3.5));
    const double se = std::sqrt(29.0 / 12), df = (29.0 / 12) * (29.0 / 12) / ((25.0 / 144) / 3 + 1);
    const boost::math::students_t t(df);
    CHECK(d.p == doctest::Approx(2 * boost::math::cdf(boost::math::complement(t, 3.5 / se))));
    CHECK(welch({1}, {2, 3}, 0.95).p != welch({1}, {2, 3}, 0.95).p);  // NaN below two values a side
}
