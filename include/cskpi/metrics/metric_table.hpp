#pragma once
// The metric table: every metric of section 4 declared once — its name, kind, unit, the
// sufficient statistics of group_state it reads and its definition. The catalogue of report
// columns, compute_metrics, the overall row's durations, `cskpi metrics` and docs/METRICS.md
// all come from this table, so a new metric is one entry here (plus the facts it counts).
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "accumulators.hpp"
#include "../config/attribution.hpp"
#include "stats.hpp"

namespace cskpi {

/// What a metric is: a count (integer), a rate (five columns: value, _num, _den, _ci_low,
/// _ci_high, Wilson interval), durations of one sample (mean, type-7 quantiles, max, in
/// seconds), Kaplan-Meier quantiles of a duration with open interactions censored (section 14:
/// median with its interval, p90), or another value (a mean, an index, a sum).
enum class metric_kind { count, rate, duration, value, survival };

inline const char* kind_name(metric_kind k) {
    constexpr std::array<const char*, 5> n = {"count", "rate", "duration", "value", "survival"};
    return n[static_cast<std::size_t>(k)];
}

/// The columns of a survival entry: prefix + each suffix.
inline constexpr std::array<const char*, 4> survival_suffixes = {"_median", "_median_ci_low",
                                                                 "_median_ci_high", "_p90"};

/// One statistic of a duration sample: the mean, a type-7 quantile, or the maximum.
struct duration_stat {
    const char* suffix;  ///< column = prefix + suffix
    enum { mean, quantile, max } what;
    double q = 0;  ///< for quantiles
};

/// One entry of the metric table. Which fields apply depends on `kind`.
struct metric_def {
    const char* name;  ///< the column (rates: the value column; durations: the prefix)
    metric_kind kind;
    const char* unit;        ///< for people: "interactions", "share", "seconds", ...
    const char* definition;  ///< one line, as docs/METRICS.md shows it
    std::uint64_t (*num)(const group_state&) = nullptr;  ///< count value, or a rate's numerator
    std::uint64_t (*den)(const group_state&) = nullptr;  ///< a rate's denominator
    double (*value)(const group_state&, double z) = nullptr;  ///< kind value: NaN when undefined
    std::size_t sample = 0;  ///< kinds duration, survival: 0 first response, 1 handle, 2 resolution
    std::vector<duration_stat> stats;  ///< kind duration: the columns, quantiles ascending
    /// Which instant buckets it under attribute_by (its numerator and denominator move together).
    metric_family family = metric_family::volume;
};

/// The duration samples of group_state, by the index metric_def::sample uses.
inline constexpr std::array<detail::duration_samples group_state::*, 3> duration_samples_of = {
    &group_state::frt, &group_state::handle, &group_state::resolution};

namespace detail {
inline double csat_margin(const group_state& s, double z) {
    const double n = static_cast<double>(s.csat_responses), big_n = static_cast<double>(s.answered);
    if (n < 1 || big_n < 2) return stats::nan;
    const double p = static_cast<double>(s.csat_satisfied) / n;
    const double fpc = n >= big_n ? 0.0 : (big_n - n) / (big_n - 1);
    return z * std::sqrt(p * (1 - p) / n) * std::sqrt(fpc);
}

inline double nps_parts(const group_state& s, double z, int part) {
    if (!s.nps_responses) return stats::nan;
    const double n = static_cast<double>(s.nps_responses);
    const double pp = static_cast<double>(s.nps_promoters) / n;
    const double pm = static_cast<double>(s.nps_detractors) / n;
    const double nps = 100.0 * (pp - pm);
    const double half = z * 100.0 * std::sqrt((pp + pm - (pp - pm) * (pp - pm)) / n);
    return part == 0 ? nps : part < 0 ? nps - half : nps + half;
}
inline double ratio(double a, std::uint64_t b) {
    return b ? a / static_cast<double>(b) : stats::nan;
}
/// Null once the sum saturated (beyond 9.2 trillion currency units: see detail::add_count).
inline double sales(const group_state& s) {
    if (s.sales_total == INT64_MAX) return std::numeric_limits<double>::quiet_NaN();
    return static_cast<double>(s.sales_total) / static_cast<double>(money_scale);
}

inline std::vector<metric_def> build_metric_table() {
    using K = metric_kind;
    using S = group_state;
    using F = metric_family;
    std::vector<metric_def> t;
    auto count = [&](const char* n, const char* unit, const char* def, std::uint64_t (*f)(const S&),
                     F fam = F::volume) {
        t.push_back({n, K::count, unit, def, f, nullptr, nullptr, 0, {}, fam});
    };
    auto rate = [&](const char* n, const char* def, std::uint64_t (*num)(const S&),
                    std::uint64_t (*den)(const S&), F fam = F::volume) {
        t.push_back({n, K::rate, "share", def, num, den, nullptr, 0, {}, fam});
    };
    auto value = [&](const char* n, const char* unit, const char* def,
                     double (*f)(const S&, double), F fam = F::volume) {
        t.push_back({n, K::value, unit, def, nullptr, nullptr, f, 0, {}, fam});
    };
    auto durations = [&](const char* prefix, std::size_t sample, const char* def,
                         std::vector<duration_stat> st, F fam = F::volume) {
        t.push_back({prefix, K::duration, "seconds", def, nullptr, nullptr, nullptr, sample,
                     std::move(st), fam});
    };
    auto survival = [&](const char* prefix, std::size_t sample, const char* def) {
        t.push_back({prefix, K::survival, "seconds", def, nullptr, nullptr, nullptr, sample, {}});
    };
    const duration_stat mean{"_mean", duration_stat::mean},
        median{"_median", duration_stat::quantile, 0.5}, p90{"_p90", duration_stat::quantile, 0.9},
        p95{"_p95", duration_stat::quantile, 0.95}, max{"_max", duration_stat::max};

    count("interactions", "interactions", "rows in the group",
          [](const S& s) { return s.interactions; });
    count("answered", "interactions",
          "rows with a first response (first_response_at or first_response_s)",
          [](const S& s) { return s.answered; });
    count("abandoned", "interactions", "rows with abandoned true",
          [](const S& s) { return s.abandoned; });
    count(
        "resolved", "interactions", "resolved rows", [](const S& s) { return s.resolved; },
        F::resolution);
    rate(
        "answer_rate", "answered / interactions", [](const S& s) { return s.answered; },
        [](const S& s) { return s.interactions; });
    rate(
        "abandonment_rate", "abandoned / interactions", [](const S& s) { return s.abandoned; },
        [](const S& s) { return s.interactions; });
    durations("frt", 0, "first-response time of answered rows (mean, type-7 quantiles, max)",
              {mean, median, p90, p95, max}, F::response);
    rate(
        "sla_frt",
        "answered within the SLA target / rows with a target (sla.abandoned decides abandoned "
        "rows)",
        [](const S& s) { return s.sla_met; }, [](const S& s) { return s.sla_den; }, F::response);
    durations("aht", 1, "handle_s of rows that have it", {mean, median});
    durations("resolution_time", 2, "resolution time of resolved rows", {mean, median, p90},
              F::resolution);
    rate(
        "resolution_rate", "resolved rows not abandoned / rows not abandoned",
        [](const S& s) { return s.resolution_num; }, [](const S& s) { return s.resolution_den; },
        F::resolution);
    rate(
        "fcr_rate",
        "FCR rows / first-contact rows not abandoned (customer window of fcr.window_s, ties by id)",
        [](const S& s) { return s.fcr_num; }, [](const S& s) { return s.fcr_den; });
    rate(
        "reopen_rate", "resolved rows with reopened > 0 / resolved rows",
        [](const S& s) { return s.reopen_num; }, [](const S& s) { return s.resolved; },
        F::resolution);
    rate(
        "transfer_rate", "answered rows transferred / answered rows",
        [](const S& s) { return s.transfer_num; }, [](const S& s) { return s.answered; });
    rate(
        "one_touch_rate",
        "resolved rows with replies <= 1 / resolved rows with replies known (event logs count "
        "public agent replies)",
        [](const S& s) { return s.one_touch_num; }, [](const S& s) { return s.one_touch_den; },
        F::resolution);
    rate(
        "bot_containment_rate", "bot-only resolved rows / rows with bot",
        [](const S& s) { return s.bot_contained; }, [](const S& s) { return s.bot_rows; });
    rate(
        "bot_escalation_rate", "bot rows with an agent / rows with bot",
        [](const S& s) { return s.bot_escalated; }, [](const S& s) { return s.bot_rows; });
    rate(
        "bot_containment_verified_rate",
        "bot-only resolved rows whose customer has no later row within fcr.window_s (ties by id) / "
        "rows with bot",
        [](const S& s) { return s.bot_verified; }, [](const S& s) { return s.bot_rows; });
    rate(
        "csat", "ratings >= csat.satisfied_min / ratings (top-box share)",
        [](const S& s) { return s.csat_satisfied; }, [](const S& s) { return s.csat_responses; },
        F::satisfaction);
    value(
        "csat_mean", "rating", "mean rating",
        [](const S& s, double) { return ratio(static_cast<double>(s.csat_sum), s.csat_responses); },
        F::satisfaction);
    count(
        "csat_responses", "ratings", "rows with a csat rating",
        [](const S& s) { return s.csat_responses; }, F::satisfaction);
    // Section 15: with a survey_sent column, the rate is of the surveys sent (section 4 otherwise).
    rate(
        "csat_response_rate",
        "rated rows sent a survey / rows sent a survey (survey_sent); without survey_sent values: "
        "answered rows with a "
        "rating / answered rows",
        [](const S& s) { return s.survey_known ? s.survey_rated : s.csat_answered; },
        [](const S& s) { return s.survey_known ? s.survey_sent : s.answered; }, F::satisfaction);
    count(
        "csat_unsolicited", "ratings",
        "ratings on rows not sent a survey, in a group with survey_sent values (not in "
        "csat_response_rate)",
        [](const S& s) { return s.survey_known ? s.csat_responses - s.survey_rated : 0; },
        F::satisfaction);
    value(
        "nps", "points", "100 x (promoters 9-10 - detractors 0-6) / responses",
        [](const S& s, double z) { return nps_parts(s, z, 0); }, F::satisfaction);
    value(
        "nps_ci_low", "points", "nps - z x 100 x sqrt((p+ + p- - (p+ - p-)^2) / n)",
        [](const S& s, double z) { return nps_parts(s, z, -1); }, F::satisfaction);
    value(
        "nps_ci_high", "points", "nps + z x 100 x sqrt((p+ + p- - (p+ - p-)^2) / n)",
        [](const S& s, double z) { return nps_parts(s, z, 1); }, F::satisfaction);
    count(
        "nps_responses", "ratings", "rows with an nps rating",
        [](const S& s) { return s.nps_responses; }, F::satisfaction);
    value(
        "ces_mean", "rating", "mean customer effort score (lower is better)",
        [](const S& s, double) { return ratio(static_cast<double>(s.ces_sum), s.ces_responses); },
        F::satisfaction);
    count(
        "ces_responses", "ratings", "rows with a ces rating",
        [](const S& s) { return s.ces_responses; }, F::satisfaction);
    rate(
        "complaint_rate", "rows with complaint / interactions",
        [](const S& s) { return s.complaint_flag; }, [](const S& s) { return s.interactions; });
    rate(
        "dispute_rate", "rows with dispute / interactions",
        [](const S& s) { return s.dispute_flag; }, [](const S& s) { return s.interactions; });
    rate(
        "refund_rate", "rows with refund / interactions", [](const S& s) { return s.refund_flag; },
        [](const S& s) { return s.interactions; });
    rate(
        "complaint_response_rate",
        "complaint rows answered within complaint.respond_s / complaint rows",
        [](const S& s) { return s.complaint_responded; },
        [](const S& s) { return s.complaint_rows; });
    rate(
        "complaint_resolution_rate",
        "complaint rows resolved within complaint.resolve_s / complaint rows",
        [](const S& s) { return s.complaint_resolved; },
        [](const S& s) { return s.complaint_rows; });
    rate(
        "conversion_rate", "presale rows converted / presale rows (category = presale_category)",
        [](const S& s) { return s.presale_converted; }, [](const S& s) { return s.presale_rows; });
    value("sales_total", "currency",
          "sum of order_value over converted presale rows (0 when none; null beyond 9.2e12)",
          [](const S& s, double) { return sales(s); });
    value("avg_order_value", "currency", "sales_total / converted presale rows",
          [](const S& s, double) { return ratio(sales(s), s.presale_converted); });
    // Realised service level (section 16) in the five variants in use; "within" = answered within
    // staffing.within_s, "short" = abandoned within staffing.short_abandon_s (each the channel's
    // own when staffing.channels sets it).
    rate(
        "service_level",
        "answered within staffing.within_s (the channel's own if set) / offered (interactions)",
        [](const S& s) { return s.sl_within; }, [](const S& s) { return s.interactions; });
    rate(
        "service_level_of_answered", "answered within staffing.within_s / answered",
        [](const S& s) { return s.sl_within; }, [](const S& s) { return s.answered; });
    rate(
        "service_level_excl_abandoned", "answered within staffing.within_s / (offered - abandoned)",
        [](const S& s) { return s.sl_within; },
        [](const S& s) { return s.interactions - s.abandoned; });
    rate(
        "service_level_excl_short_abandoned",
        "answered within staffing.within_s / (offered - abandoned within staffing.short_abandon_s; "
        "needs abandoned_at or wait_s)",
        [](const S& s) { return s.sl_within; },
        [](const S& s) { return s.interactions - s.sl_short_abandoned; });
    rate(
        "service_level_short_abandoned_met",
        "(answered within staffing.within_s + abandoned within staffing.short_abandon_s) / offered",
        [](const S& s) { return s.sl_within + s.sl_short_abandoned; },
        [](const S& s) { return s.interactions; });
    // Survey precision (section 15): the csat share's margin of error with the finite-population
    // correction, the answered interactions being the population the ratings are drawn from.
    value(
        "csat_margin", "share",
        "z x sqrt(csat (1 - csat) / n) x sqrt((N - n) / (N - 1)); n = ratings, N = answered rows "
        "(0 when n >= N)",
        [](const S& s, double z) { return csat_margin(s, z); }, F::satisfaction);
    // Censored durations (section 14): open interactions count as lasting at least until as_of.
    survival("frt_km", 0,
             "Kaplan-Meier first-response time: rows without a first response (not abandoned) "
             "censored at as_of - "
             "created_at; median with Brookmeyer-Crowley interval (cloglog), p90");
    count("frt_censored", "interactions",
          "rows censored for frt_km (no first response by as_of, not abandoned)",
          [](const S& s) { return s.frt_censored; });
    survival("resolution_km", 2,
             "Kaplan-Meier resolution time: unresolved rows (not abandoned) censored at as_of - "
             "created_at; median with "
             "Brookmeyer-Crowley interval (cloglog), p90");
    count("resolution_censored", "interactions",
          "rows censored for resolution_km (not resolved by as_of, not abandoned)",
          [](const S& s) { return s.resolution_censored; });
    return t;
}
}  // namespace detail

/// The metric table, in the spec's column order.
inline const std::vector<metric_def>& metric_table() {
    static const std::vector<metric_def> t = detail::build_metric_table();
    return t;
}

}  // namespace cskpi
