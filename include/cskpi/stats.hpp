#pragma once
// Statistical building blocks: Wilson score interval, exact type-7 quantiles, normal quantile.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include <boost/math/distributions/normal.hpp>

namespace cskpi::stats {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// Two-sided standard-normal critical value for `confidence` (0.95 -> 1.959963984540054).
inline double z_for(double confidence) {
    static const boost::math::normal_distribution<double> n;
    return boost::math::quantile(n, 1.0 - (1.0 - confidence) / 2.0);
}

/// Wilson score interval for num/den at critical value z; NaN bounds when den = 0.
inline std::pair<double, double> wilson(double num, double den, double z) {
    if (den <= 0) return {nan, nan};
    const double p = num / den, z2 = z * z;
    const double denom = 1.0 + z2 / den;
    const double centre = (p + z2 / (2.0 * den)) / denom;
    const double half = z * std::sqrt(p * (1.0 - p) / den + z2 / (4.0 * den * den)) / denom;
    // The bounds are exactly 0 and 1 at p = 0 and p = 1 (rounding would leave 1e-17).
    return {num <= 0 ? 0.0 : std::max(0.0, centre - half), num >= den ? 1.0 : std::min(1.0, centre + half)};
}

/// Hyndman-Fan type 7 quantiles (numpy's default) of `v` at ascending `qs`; `v` is partially
/// reordered. Exact: selects the order statistics with nth_element, no sorting of the whole
/// range, and each selection after the first searches only above the previous one (already
/// partitioned there), so p50, p90 and p95 together cost about 1.6 selections, not 3.
/// `scale` multiplies the order statistics before interpolating (values stored in coarser units).
template <class T, std::size_t N>
std::array<double, N> quantiles_type7(std::vector<T>& v, const std::array<double, N>& qs, double scale = 1) {
    std::array<double, N> out;
    const std::size_t m = v.size();
    if (m == 0) {
        out.fill(nan);
        return out;
    }
    std::size_t from = 0;  // v[from..) holds the order statistics from `from` on
    for (std::size_t k = 0; k < N; ++k) {
        const double h = static_cast<double>(m - 1) * qs[k];
        const auto lo = static_cast<std::size_t>(std::floor(h));
        const std::size_t hi = std::min(lo + 1, m - 1);
        std::nth_element(v.begin() + static_cast<std::ptrdiff_t>(from), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
        from = lo;
        const double xlo = static_cast<double>(v[lo]) * scale;
        if (hi == lo || h == static_cast<double>(lo)) {
            out[k] = xlo;
            continue;
        }
        // The next order statistic is the minimum of the upper part.
        const double xhi = static_cast<double>(*std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end())) * scale;
        out[k] = xlo + (h - static_cast<double>(lo)) * (xhi - xlo);
    }
    return out;
}

/// One type 7 quantile of `v` (see quantiles_type7).
template <class T>
double quantile_type7(std::vector<T>& v, double q, double scale = 1) {
    return quantiles_type7(v, std::array<double, 1>{q}, scale)[0];
}

}  // namespace cskpi::stats
