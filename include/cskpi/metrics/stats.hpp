#pragma once
// Statistical building blocks: Wilson score interval, exact type-7 quantiles, normal quantile.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/math/distributions/normal.hpp>

#include "../detail/pooled_samples.hpp"

namespace cskpi::stats {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// Two-sided standard-normal critical value for `confidence` (0.95 -> 1.959963984540054).
inline double z_for(double confidence) {
    static const boost::math::normal_distribution<double> n;
    return boost::math::quantile(n, 1.0 - (1.0 - confidence) / 2.0);
}

/// The five report columns of a rate: value, _num, _den, _ci_low, _ci_high (section 4).
inline constexpr std::array<const char*, 5> rate_suffixes = {"", "_num", "_den", "_ci_low",
                                                             "_ci_high"};

/// Wilson score interval for num/den at critical value z; NaN bounds when den = 0.
inline std::pair<double, double> wilson(double num, double den, double z) {
    if (den <= 0) return {nan, nan};
    const double p = num / den, z2 = z * z;
    const double denom = 1.0 + z2 / den;
    const double centre = (p + z2 / (2.0 * den)) / denom;
    const double half = z * std::sqrt(p * (1.0 - p) / den + z2 / (4.0 * den * den)) / denom;
    // The bounds are exactly 0 and 1 at p = 0 and p = 1 (rounding would leave 1e-17).
    return {num <= 0 ? 0.0 : std::max(0.0, centre - half),
            num >= den ? 1.0 : std::min(1.0, centre + half)};
}

/// The five values of a rate, in rate_suffixes' order: num/den (NaN when den = 0), num, den and
/// the Wilson interval at critical value z.
inline std::array<double, 5> rate_values(double num, double den, double z) {
    const auto [lo, hi] = wilson(num, den, z);
    return {den > 0 ? num / den : nan, num, den, lo, hi};
}

/// Hyndman-Fan type 7 quantile (numpy's default) at `q` of `m` > 0 values, given `at(k)`, the
/// k-th smallest (0-based), and `next(k)`, the (k+1)-th once `at(k)` was asked. `scale`
/// multiplies the order statistics before interpolating (values stored in coarser units). Every
/// way of finding order statistics goes through this one formula, so they agree to the bit.
template <class At, class Next>
double type7(std::size_t m, double q, double scale, At&& at, Next&& next) {
    const double h = static_cast<double>(m - 1) * q;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, m - 1);
    const double xlo = static_cast<double>(at(lo)) * scale;
    if (hi == lo || h == static_cast<double>(lo)) return xlo;
    const double xhi = static_cast<double>(next(lo)) * scale;
    return xlo + (h - static_cast<double>(lo)) * (xhi - xlo);
}

/// The ranks type7() asks for at `q` of `m` values: the floor rank, and the next if it is used.
inline std::vector<std::uint64_t> type7_ranks(std::size_t m, double q) {
    std::vector<std::uint64_t> r;
    type7(
        m, q, 1.0,
        [&](std::size_t k) {
            r.push_back(k);
            return 0;
        },
        [&](std::size_t k) {
            r.push_back(k + 1);
            return 0;
        });
    return r;
}

/// Type 7 quantiles at `qs` of the values pooled in `p` (at least one), their order statistics
/// found by counting (detail::pooled_u32).
template <class Qs>
std::vector<double> quantiles_type7_counted(const detail::pooled_u32& p, const Qs& qs,
                                            double scale = 1) {
    const auto m = static_cast<std::size_t>(p.size());
    std::vector<std::uint64_t> ks;
    for (double q : qs)
        for (std::uint64_t k : type7_ranks(m, q)) ks.push_back(k);
    const std::vector<std::uint32_t> os = p.order_stats(ks);
    auto at = [&](std::uint64_t k) {
        return os[static_cast<std::size_t>(std::find(ks.begin(), ks.end(), k) - ks.begin())];
    };
    std::vector<double> out;
    for (double q : qs)
        out.push_back(type7(m, q, scale, at, [&](std::size_t lo) { return at(lo + 1); }));
    return out;
}

/// Arrays of 32-bit values from this size on find their order statistics by counting
/// (detail::pooled_u32: two read-only passes), which beats selection there.
inline constexpr std::size_t counting_min = std::size_t{1} << 17;

/// Type 7 quantiles of `v` at ascending `qs`; `v` may be partially reordered. Exact: reads them
/// (sorted arrays, as a group's Kaplan-Meier samples are), counts (large arrays of 32-bit
/// values, see counting_min) or selects the order statistics with nth_element, no sorting of
/// the whole range, and each selection after the first searches only above the previous one
/// (already partitioned there), so p50, p90 and p95 together cost about 1.6 selections, not 3.
/// `qs` is any range of doubles; the results go to out[0 .. size(qs)).
template <class T, class Qs>
void quantiles_type7_into(std::vector<T>& v, const Qs& qs, double scale, double* out) {
    const std::size_t N = std::size(qs);
    std::fill(out, out + N, nan);
    if (v.empty()) return;
    if (std::is_sorted(v.begin(), v.end())) {  // Kaplan-Meier's samples come sorted
        auto at = [&](std::size_t k) { return v[k]; };
        auto next = [&](std::size_t k) { return v[k + 1]; };
        for (std::size_t k = 0; k < N; ++k) out[k] = type7(v.size(), qs[k], scale, at, next);
        return;
    }
    if constexpr (std::is_same_v<T, std::uint32_t>) {
        if (v.size() >= counting_min) {
            const std::vector<double> r =
                quantiles_type7_counted(detail::pooled_u32({&v}), qs, scale);
            std::copy(r.begin(), r.end(), out);
            return;
        }
    }
    std::size_t from = 0;  // v[from..) holds the order statistics from `from` on
    auto at = [&](std::size_t lo) {
        std::nth_element(v.begin() + static_cast<std::ptrdiff_t>(from),
                         v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
        from = lo;
        return v[lo];
    };
    // The next order statistic is the minimum of the upper part.
    auto next = [&](std::size_t lo) {
        return *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
    };
    for (std::size_t k = 0; k < N; ++k) out[k] = type7(v.size(), qs[k], scale, at, next);
}

/// quantiles_type7_into for a fixed number of levels.
template <class T, std::size_t N>
std::array<double, N> quantiles_type7(std::vector<T>& v, const std::array<double, N>& qs,
                                      double scale = 1) {
    std::array<double, N> out;
    quantiles_type7_into(v, qs, scale, out.data());
    return out;
}

/// One type 7 quantile of `v` (see quantiles_type7).
template <class T>
double quantile_type7(std::vector<T>& v, double q, double scale = 1) {
    return quantiles_type7(v, std::array<double, 1>{q}, scale)[0];
}

}  // namespace cskpi::stats
