#pragma once
// The two-sample tests of spec section 13: proportions (Newcombe hybrid-score interval, pooled
// z or Fisher's exact test), Welch's t for means, Mann-Whitney U with the Hodges-Lehmann shift,
// the NPS difference, and Benjamini-Hochberg q-values. Distributions from Boost.Math.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include <boost/math/distributions/hypergeometric.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "../metrics/stats.hpp"

namespace cskpi::analysis {

/// B - A with its interval and two-sided p (NaN when not defined); `test` names the test.
struct difference {
    double estimate = stats::nan, ci_low = stats::nan, ci_high = stats::nan, p = stats::nan;
    const char* test = "";
};

inline double normal_two_sided(double z) {
    return 2 * boost::math::cdf(boost::math::complement(boost::math::normal(), std::fabs(z)));
}

/// Fisher's exact test of the 2x2 table [[a, b], [c, d]], two-sided as scipy: the probability
/// of every table with the same margins no more likely than the observed one.
inline double fisher_exact(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
    const std::uint64_t row1 = a + b, col1 = a + c, n = a + b + c + d;
    if (n == 0) return 1;
    const boost::math::hypergeometric_distribution<double> h(col1, row1, n);
    const std::uint64_t lo = col1 > n - row1 ? col1 - (n - row1) : 0, hi = std::min(row1, col1);
    const double observed = boost::math::pdf(h, a);
    double p = 0;
    for (std::uint64_t k = lo; k <= hi; ++k) {
        const double pk = boost::math::pdf(h, k);
        if (pk <= observed * (1 + 1e-7)) p += pk;
    }
    return std::min(1.0, p);
}

/// pB - pA: Newcombe's hybrid score interval (method 10, from the Wilson intervals of each side);
/// p from the pooled two-proportion z test, or Fisher's exact test when an expected cell count
/// is below 5.
inline difference two_proportions(double xa, double na, double xb, double nb, double confidence) {
    difference d;
    if (!(na > 0 && nb > 0)) return d;
    const double z = stats::z_for(confidence);
    const double pa = xa / na, pb = xb / nb;
    const auto [la, ua] = stats::wilson(xa, na, z);
    const auto [lb, ub] = stats::wilson(xb, nb, z);
    d.estimate = pb - pa;
    d.ci_low = d.estimate - std::sqrt((pb - lb) * (pb - lb) + (ua - pa) * (ua - pa));
    d.ci_high = d.estimate + std::sqrt((ub - pb) * (ub - pb) + (pa - la) * (pa - la));
    const double n = na + nb, succ = xa + xb, fail = n - succ;
    const double expected_min =
        std::min({na * succ / n, na * fail / n, nb * succ / n, nb * fail / n});
    if (expected_min < 5) {
        d.test = "fisher_exact";
        auto u = [](double x) { return static_cast<std::uint64_t>(std::llround(x)); };
        d.p = fisher_exact(u(xa), u(na - xa), u(xb), u(nb - xb));
    } else {
        d.test = "z_pooled";
        const double p = succ / n, se = std::sqrt(p * (1 - p) * (1 / na + 1 / nb));
        d.p = se > 0 ? normal_two_sided(d.estimate / se) : 1.0;
    }
    return d;
}

inline std::pair<double, double> mean_var(const std::vector<double>& x) {
    const double m = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
    double ss = 0;
    for (double v : x) ss += (v - m) * (v - m);
    return {m, x.size() > 1 ? ss / static_cast<double>(x.size() - 1) : stats::nan};
}

/// mean(B) - mean(A): Welch's t test and interval (Welch-Satterthwaite degrees of freedom).
inline difference welch(const std::vector<double>& a, const std::vector<double>& b,
                        double confidence) {
    difference d;
    d.test = "welch_t";
    if (a.size() < 2 || b.size() < 2) return d;
    const auto [ma, va] = mean_var(a);
    const auto [mb, vb] = mean_var(b);
    const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
    const double sa = va / na, sb = vb / nb, se = std::sqrt(sa + sb);
    d.estimate = mb - ma;
    if (!(se > 0)) return d;
    const double df = (sa + sb) * (sa + sb) / (sa * sa / (na - 1) + sb * sb / (nb - 1));
    const boost::math::students_t t(df);
    d.p = 2 * boost::math::cdf(boost::math::complement(t, std::fabs(d.estimate / se)));
    const double q = boost::math::quantile(t, 1 - (1 - confidence) / 2);
    d.ci_low = d.estimate - q * se;
    d.ci_high = d.estimate + q * se;
    return d;
}

/// The Hodges-Lehmann shift: the median of every difference b_j - a_i, found by bisection on
/// integer microseconds (durations are whole microseconds), counting pairs in O(n log n).
inline double hodges_lehmann(std::vector<double> a, std::vector<double> b) {
    if (a.empty() || b.empty()) return stats::nan;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    const auto us = [](double s) { return static_cast<long long>(std::llround(s * 1e6)); };
    const double pairs = static_cast<double>(a.size()) * static_cast<double>(b.size());
    // Pairs with b_j - a_i <= d, by two pointers.
    auto count_le = [&](long long d) {
        double n = 0;
        std::size_t j = 0;
        for (double x : a) {
            while (j < b.size() && us(b[j]) - us(x) <= d) ++j;
            n += static_cast<double>(j);
        }
        return n;
    };
    // The k-th smallest difference (1-based): the least d with count_le(d) >= k.
    auto kth = [&](double k) {
        long long lo = us(b.front()) - us(a.back()), hi = us(b.back()) - us(a.front());
        while (lo < hi) {
            const long long mid = lo + (hi - lo) / 2;
            if (count_le(mid) >= k)
                hi = mid;
            else
                lo = mid + 1;
        }
        return static_cast<double>(lo) / 1e6;
    };
    const double half = std::floor((pairs + 1) / 2);
    if (std::fmod(pairs, 2) == 1) return kth(half);
    return (kth(pairs / 2) + kth(pairs / 2 + 1)) / 2;
}

/// Mann-Whitney U, two-sided, normal approximation with tie and continuity corrections (scipy
/// mannwhitneyu(method="asymptotic")); the estimate is the Hodges-Lehmann shift B - A.
inline difference mann_whitney(const std::vector<double>& a, const std::vector<double>& b) {
    difference d;
    d.test = "mann_whitney";
    if (a.empty() || b.empty()) return d;
    std::vector<std::pair<double, int>> all;
    for (double x : a) all.emplace_back(x, 0);
    for (double x : b) all.emplace_back(x, 1);
    std::sort(all.begin(), all.end());
    const double n = static_cast<double>(all.size()), na = static_cast<double>(a.size()),
                 nb = static_cast<double>(b.size());
    double rank_a = 0, ties = 0;
    for (std::size_t i = 0; i < all.size();) {
        std::size_t j = i;
        while (j < all.size() && all[j].first == all[i].first) ++j;
        const double t = static_cast<double>(j - i),
                     mid = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
        for (std::size_t k = i; k < j; ++k)
            if (all[k].second == 0) rank_a += mid;
        ties += t * t * t - t;
        i = j;
    }
    const double u1 = rank_a - na * (na + 1) / 2, u = std::max(u1, na * nb - u1);
    const double mu = na * nb / 2;
    const double sigma = std::sqrt(na * nb / 12 * ((n + 1) - ties / (n * (n - 1))));
    // U is the larger of U1 and U2, so z < 0 only within the continuity half-step: p is then 1.
    const double z = sigma > 0 ? (u - mu - 0.5) / sigma : 0;
    d.p = std::min(1.0, 2 * boost::math::cdf(boost::math::complement(boost::math::normal(), z)));
    d.estimate = hodges_lehmann(a, b);
    return d;
}

/// NPS(B) - NPS(A) in points with the interval z sqrt(var_A + var_B), var as in section 4
/// (100^2 (p+ + p- - (p+ - p-)^2) / n); p from the same normal approximation.
inline difference nps_difference(double prom_a, double det_a, double na, double prom_b,
                                 double det_b, double nb, double confidence) {
    difference d;
    d.test = "nps_z";
    if (!(na > 0 && nb > 0)) return d;
    auto var = [](double pp, double pm, double n) {
        return 1e4 * (pp + pm - (pp - pm) * (pp - pm)) / n;
    };
    const double ppa = prom_a / na, pma = det_a / na, ppb = prom_b / nb, pmb = det_b / nb;
    d.estimate = 100 * ((ppb - pmb) - (ppa - pma));
    const double se = std::sqrt(var(ppa, pma, na) + var(ppb, pmb, nb));
    const double z = stats::z_for(confidence);
    d.ci_low = d.estimate - z * se;
    d.ci_high = d.estimate + z * se;
    d.p = se > 0 ? normal_two_sided(d.estimate / se) : 1.0;
    return d;
}

/// Benjamini-Hochberg q-values of `p` (NaN entries are left out of m and stay NaN).
inline std::vector<double> bh_qvalues(const std::vector<double>& p) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < p.size(); ++i)
        if (!std::isnan(p[i])) idx.push_back(i);
    std::sort(idx.begin(), idx.end(), [&](auto x, auto y) { return p[x] < p[y]; });
    std::vector<double> q(p.size(), stats::nan);
    const double m = static_cast<double>(idx.size());
    double run = 1;
    for (std::size_t r = idx.size(); r-- > 0;) {
        run = std::min(run, p[idx[r]] * m / static_cast<double>(r + 1));
        q[idx[r]] = run;
    }
    return q;
}

}  // namespace cskpi::analysis
