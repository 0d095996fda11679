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
    std::vector<double> time;  ///< distinct event times
    std::vector<double> surv;  ///< Ŝ(t) just after t
    std::vector<double> se;    ///< Greenwood standard error of Ŝ(t); NaN where Ŝ reaches 0
    std::vector<std::uint64_t> at_risk;  ///< durations >= t (events and censored)
    std::vector<std::uint64_t> events;   ///< events at t
    std::uint64_t n = 0, censored = 0;
};

/// The curve of `events` — distinct observed durations with their counts, ascending — and
/// `censored` (durations known only to exceed the value), ascending. A duration censored at t is
/// at risk at t.
template <class T>
curve kaplan_meier_counted(const std::vector<std::pair<T, std::uint64_t>>& events,
                           const std::vector<T>& censored) {
    curve c;
    for (const auto& e : events) c.n += e.second;
    c.n += censored.size();
    c.censored = censored.size();
    std::uint64_t gone = 0;  // durations that ended (event or censoring) before the current time
    double s = 1, greenwood = 0;
    std::size_t ci = 0;
    for (const auto& [t, d] : events) {
        if (d == 0) continue;
        while (ci < censored.size() && censored[ci] < t) ++ci, ++gone;
        const std::uint64_t at_risk = c.n - gone;
        s *= 1.0 - static_cast<double>(d) / static_cast<double>(at_risk);
        const bool ends = d == at_risk;
        if (!ends)
            greenwood += static_cast<double>(d) /
                         (static_cast<double>(at_risk) * static_cast<double>(at_risk - d));
        c.time.push_back(static_cast<double>(t));
        c.surv.push_back(ends ? 0.0 : s);
        c.se.push_back(ends ? std::nan("") : s * std::sqrt(greenwood));
        c.at_risk.push_back(at_risk);
        c.events.push_back(d);
        gone += d;
        if (ends) break;  // nobody is left at risk
    }
    return c;
}

/// kaplan_meier_counted of `events` given one per duration, ascending.
template <class T>
curve kaplan_meier(const std::vector<T>& events, const std::vector<T>& censored) {
    std::vector<std::pair<T, std::uint64_t>> counted;
    for (const T& t : events) {
        if (counted.empty() || counted.back().first != t) counted.emplace_back(t, 0);
        ++counted.back().second;
    }
    return kaplan_meier_counted(counted, censored);
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

/// What a report shows of a curve: the median with its interval and the p90 (NaN when undefined;
/// an unbounded upper limit is +inf).
struct summary {
    double median = std::nan(""), median_ci_low = std::nan(""), median_ci_high = std::nan(""),
           p90 = std::nan("");
};

/// quantile(·, 0.5), quantile_ci(·, 0.5, z) and quantile(·, 0.9) of kaplan_meier_counted(events,
/// censored), in one pass without building the curve (a report computes it for every group).
template <class T>
summary summarize(const std::vector<std::pair<T, std::uint64_t>>& events,
                  const std::vector<T>& censored, double z) {
    summary out;
    std::uint64_t n = censored.size();
    for (const auto& e : events) n += e.second;
    const double target = std::log(-std::log(0.5));
    std::uint64_t gone = 0;
    double s = 1, greenwood = 0;
    std::size_t ci = 0;
    bool accepted_last = false;  // the previous event time passed the interval's test
    for (const auto& [t, d] : events) {
        if (d == 0) continue;
        const double time = static_cast<double>(t);
        if (accepted_last) out.median_ci_high = time;  // the event time after the last accepted one
        while (ci < censored.size() && censored[ci] < t) ++ci, ++gone;
        const std::uint64_t at_risk = n - gone;
        const bool ends = d == at_risk;
        s = ends ? 0.0 : s * (1.0 - static_cast<double>(d) / static_cast<double>(at_risk));
        if (!ends)
            greenwood += static_cast<double>(d) /
                         (static_cast<double>(at_risk) * static_cast<double>(at_risk - d));
        if (std::isnan(out.median) && s <= 0.5 + tolerance) out.median = time;
        if (std::isnan(out.p90) && s <= 0.1 + tolerance) out.p90 = time;
        accepted_last = false;
        if (s > 0 && greenwood > 0) {
            const double l = -std::log(s);
            accepted_last = std::abs((std::log(l) - target) * l / std::sqrt(greenwood)) <= z;
            if (accepted_last && std::isnan(out.median_ci_low)) out.median_ci_low = time;
        }
        gone += d;
        if (ends) break;
    }
    if (accepted_last) out.median_ci_high = INFINITY;
    return out;
}

}  // namespace cskpi::survival
