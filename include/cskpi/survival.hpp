#pragma once
// Kaplan-Meier estimates for durations with right censoring (spec section 14): the survival
// curve with Greenwood's variance, its quantiles, and Brookmeyer-Crowley intervals for them
// on the complementary log-log scale, as statsmodels' SurvfuncRight computes them.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace cskpi::survival {

/// Ŝ at the distinct event times, ascending.
struct curve {
    std::vector<double> time;            ///< distinct event times
    std::vector<double> surv;            ///< Ŝ(t) just after t
    std::vector<double> se;              ///< Greenwood standard error of Ŝ(t); NaN where Ŝ reaches 0
    std::vector<std::uint64_t> at_risk;  ///< durations >= t (events and censored)
    std::vector<std::uint64_t> events;   ///< events at t
    std::uint64_t n = 0, censored = 0;
};

/// The curve of `events` (observed durations) and `censored` (durations known only to exceed
/// the value), both sorted ascending. A duration censored at t is at risk at t.
template <class T>
curve kaplan_meier(const std::vector<T>& events, const std::vector<T>& censored) {
    curve c;
    c.n = events.size() + censored.size();
    c.censored = censored.size();
    std::uint64_t gone = 0;  // durations that ended (event or censoring) before the current time
    double s = 1, greenwood = 0;
    std::size_t ci = 0;
    for (std::size_t i = 0; i < events.size();) {
        const T t = events[i];
        std::size_t j = i;
        while (j < events.size() && events[j] == t) ++j;
        while (ci < censored.size() && censored[ci] < t) ++ci, ++gone;
        const std::uint64_t at_risk = c.n - gone, d = j - i;
        s *= 1.0 - static_cast<double>(d) / static_cast<double>(at_risk);
        const bool ends = d == at_risk;
        if (!ends) greenwood += static_cast<double>(d) / (static_cast<double>(at_risk) * static_cast<double>(at_risk - d));
        c.time.push_back(static_cast<double>(t));
        c.surv.push_back(ends ? 0.0 : s);
        c.se.push_back(ends ? std::nan("") : s * std::sqrt(greenwood));
        c.at_risk.push_back(at_risk);
        c.events.push_back(d);
        gone += d;
        i = j;
        if (ends) break;  // nobody is left at risk
    }
    return c;
}

/// Products of factors like (1 - 1/3)(1 - 1/4) land a few ulps off 1 - q; this much is equal.
inline constexpr double tolerance = 1e-12;

/// The q-quantile: the smallest event time t with Ŝ(t) <= 1 - q; NaN when Ŝ never gets there.
inline double quantile(const curve& c, double q) {
    for (std::size_t i = 0; i < c.time.size(); ++i)
        if (c.surv[i] <= 1 - q + tolerance) return c.time[i];
    return std::nan("");
}

/// Brookmeyer-Crowley interval of the q-quantile at critical value z, inverting z-tests of
/// g(Ŝ(t)) = g(1 - q) with g(x) = log(-log x) and Greenwood's variance (statsmodels
/// SurvfuncRight.quantile_ci, method "cloglog"): the lower limit is the first event time the test
/// accepts, the upper the event time after the last one accepted. {NaN, NaN} when no time is
/// accepted; an upper limit of +inf when the last event time is accepted (no upper bound).
inline std::pair<double, double> quantile_ci(const curve& c, double q, double z) {
    const double target = std::log(-std::log(1 - q));
    std::size_t first = c.time.size(), last = 0;
    for (std::size_t i = 0; i < c.time.size(); ++i) {
        const double s = c.surv[i], se = c.se[i];
        if (!(s > 0 && s < 1) || !(se > 0)) continue;
        const double slope = -1 / (s * std::log(s));
        const double r = (std::log(-std::log(s)) - target) / (slope * se);
        if (std::abs(r) <= z) {
            first = std::min(first, i);
            last = i;
        }
    }
    if (first == c.time.size()) return {std::nan(""), std::nan("")};
    const double hi = last + 1 == c.time.size() ? INFINITY : c.time[last + 1];
    return {c.time[first], hi};
}

}  // namespace cskpi::survival
