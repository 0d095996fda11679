#pragma once
// Finalized metrics (spec section 4): the catalogue of metric columns in spec order, and the
// computation of every value from a group_state. Undefined values are NaN, never an error.
#include <cmath>
#include <string>
#include <vector>

#include "accumulators.hpp"
#include "config.hpp"
#include "stats.hpp"

namespace cskpi {

/// One output column: its name and whether it is an integer count.
struct metric_column {
    std::string name;
    bool integer = false;
};

namespace detail {
inline const char* const rate_suffixes[] = {"", "_num", "_den", "_ci_low", "_ci_high"};

inline std::vector<metric_column> build_catalogue() {
    std::vector<metric_column> c;
    auto count = [&](const char* n) { c.push_back({n, true}); };
    auto value = [&](const char* n) { c.push_back({n, false}); };
    auto rate = [&](const char* n) {
        for (const char* s : rate_suffixes) {
            const std::string suffix = s;
            c.push_back({std::string(n) + suffix, suffix == "_num" || suffix == "_den"});
        }
    };
    count("interactions"); count("answered"); count("abandoned"); count("resolved");
    rate("answer_rate"); rate("abandonment_rate");
    value("frt_mean"); value("frt_median"); value("frt_p90"); value("frt_p95"); value("frt_max");
    rate("sla_frt");
    value("aht_mean"); value("aht_median");
    value("resolution_time_mean"); value("resolution_time_median"); value("resolution_time_p90");
    rate("resolution_rate"); rate("fcr_rate"); rate("reopen_rate"); rate("transfer_rate");
    rate("bot_containment_rate"); rate("bot_escalation_rate");
    rate("csat"); value("csat_mean"); count("csat_responses"); rate("csat_response_rate");
    value("nps"); value("nps_ci_low"); value("nps_ci_high"); count("nps_responses");
    value("ces_mean"); count("ces_responses");
    rate("complaint_rate"); rate("dispute_rate"); rate("refund_rate");
    rate("complaint_response_rate"); rate("complaint_resolution_rate");
    rate("conversion_rate");
    value("sales_total"); value("avg_order_value");
    return c;
}
}  // namespace detail

/// Every metric column of the report, in spec order (also the CSV column order).
inline const std::vector<metric_column>& metric_catalogue() {
    static const std::vector<metric_column> c = detail::build_catalogue();
    return c;
}

namespace detail {
// Durations in seconds from values stored in `unit` microseconds: sums and order statistics are
// taken in microseconds, so the storage does not change a single bit. One definition for
// compute_metrics and the overall row's pooled path, so both give the same bits.
__extension__ inline double mean_seconds(__int128 sum, std::size_t n, micros unit) {
    return static_cast<double>(sum * unit) / static_cast<double>(n) / 1e6;
}
inline double seconds(micros stored, micros unit) { return static_cast<double>(stored * unit) / 1e6; }
}  // namespace detail

/// Computes all metric values of a group, aligned with metric_catalogue(). Reorders the
/// state's samples (quantile selection) but does not change them as a multiset.
inline std::vector<double> compute_metrics(group_state& s, double z) {
    using stats::nan;
    std::vector<double> out;
    out.reserve(metric_catalogue().size());
    auto put = [&](double v) { out.push_back(v); };
    auto rate = [&](std::uint64_t num, std::uint64_t den) {
        const double n = static_cast<double>(num), d = static_cast<double>(den);
        const auto [lo, hi] = stats::wilson(n, d, z);
        put(den ? n / d : nan); put(n); put(d); put(lo); put(hi);
    };
    auto mean_s = [](const detail::duration_samples& d) {
        if (d.empty()) return nan;
        return d.visit([&](const auto& v, micros unit) {
            __extension__ __int128 sum = 0;
            for (auto x : v) sum += x;
            return detail::mean_seconds(sum, v.size(), unit);
        });
    };
    auto q_s = [](detail::duration_samples& d, auto... q) {  // ascending q, in seconds
        return d.visit([&](auto& v, micros unit) {
            auto r = stats::quantiles_type7(v, std::array<double, sizeof...(q)>{q...}, static_cast<double>(unit));
            for (double& x : r) x /= 1e6;
            return r;
        });
    };
    auto put_all = [&](const auto& values) { for (double x : values) put(x); };
    auto max_s = [](const detail::duration_samples& d) {
        if (d.empty()) return nan;
        return d.visit([&](const auto& v, micros unit) {
            return detail::seconds(static_cast<micros>(*std::max_element(v.begin(), v.end())), unit);
        });
    };
    auto ratio = [](double a, std::uint64_t b) { return b ? a / static_cast<double>(b) : nan; };

    put(static_cast<double>(s.interactions)); put(static_cast<double>(s.answered));
    put(static_cast<double>(s.abandoned)); put(static_cast<double>(s.resolved));
    rate(s.answered, s.interactions);
    rate(s.abandoned, s.interactions);
    put(mean_s(s.frt)); put_all(q_s(s.frt, 0.5, 0.9, 0.95)); put(max_s(s.frt));
    rate(s.sla_met, s.sla_den);
    put(mean_s(s.handle)); put_all(q_s(s.handle, 0.5));
    put(mean_s(s.resolution)); put_all(q_s(s.resolution, 0.5, 0.9));
    rate(s.resolution_num, s.resolution_den);
    rate(s.fcr_num, s.fcr_den);
    rate(s.reopen_num, s.resolved);
    rate(s.transfer_num, s.answered);
    rate(s.bot_contained, s.bot_rows);
    rate(s.bot_escalated, s.bot_rows);
    rate(s.csat_satisfied, s.csat_responses);
    put(ratio(static_cast<double>(s.csat_sum), s.csat_responses));
    put(static_cast<double>(s.csat_responses));
    rate(s.csat_answered, s.answered);  // ratings left on answered rows / answered rows
    {
        const double n = static_cast<double>(s.nps_responses);
        if (s.nps_responses) {
            const double pp = static_cast<double>(s.nps_promoters) / n;
            const double pm = static_cast<double>(s.nps_detractors) / n;
            const double nps = 100.0 * (pp - pm);
            const double half = z * 100.0 * std::sqrt((pp + pm - (pp - pm) * (pp - pm)) / n);
            put(nps); put(nps - half); put(nps + half);
        } else {
            put(nan); put(nan); put(nan);
        }
        put(n);
    }
    put(ratio(static_cast<double>(s.ces_sum), s.ces_responses));
    put(static_cast<double>(s.ces_responses));
    rate(s.complaint_flag, s.interactions);
    rate(s.dispute_flag, s.interactions);
    rate(s.refund_flag, s.interactions);
    rate(s.complaint_responded, s.complaint_rows);
    rate(s.complaint_resolved, s.complaint_rows);
    rate(s.presale_converted, s.presale_rows);
    const double sales = static_cast<double>(s.sales_total) / static_cast<double>(money_scale);
    put(sales);
    put(ratio(sales, s.presale_converted));
    return out;
}

}  // namespace cskpi
