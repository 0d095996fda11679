#pragma once
// Finalized metrics (spec section 4): the catalogue of metric columns in spec order, and the
// computation of every value from a group_state. Undefined values are NaN, never an error.
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "accumulators.hpp"
#include "config.hpp"
#include "metric_table.hpp"
#include "stats.hpp"

namespace cskpi {

/// One output column: its name and whether it is an integer count.
struct metric_column {
    std::string name;
    bool integer = false;
};

namespace detail {

/// The report columns of one metric_table entry, in order.
inline std::vector<metric_column> columns_of(const metric_def& d) {
    std::vector<metric_column> c;
    switch (d.kind) {
    case metric_kind::count: c.push_back({d.name, true}); break;
    case metric_kind::value: c.push_back({d.name, false}); break;
    case metric_kind::rate:
        for (const std::string suffix : stats::rate_suffixes)
            c.push_back({d.name + suffix, suffix == "_num" || suffix == "_den"});
        break;
    case metric_kind::duration:
        for (const auto& st : d.stats) c.push_back({std::string(d.name) + st.suffix, false});
        break;
    }
    return c;
}

inline std::vector<metric_column> build_catalogue() {
    std::vector<metric_column> c;
    for (const auto& d : metric_table())
        for (auto& col : columns_of(d)) c.push_back(std::move(col));
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

namespace detail {
/// The quantile levels of a duration entry, ascending.
inline std::vector<double> quantile_levels(const metric_def& d) {
    std::vector<double> qs;
    for (const auto& st : d.stats)
        if (st.what == duration_stat::quantile) qs.push_back(st.q);
    return qs;
}

/// Appends a duration entry's columns, in seconds, for n > 0 values stored in `unit`
/// microseconds: `qv` = the quantiles at quantile_levels(d) in microseconds, `sum()` and
/// `max()` the exact sum and the maximum in stored units (asked only for the stats that need
/// them). One formula for a group's sample and for the overall row's pooled counts.
template <class Sum, class Max>
void put_duration_stats(const metric_def& d, std::size_t n, micros unit, const std::vector<double>& qv, Sum&& sum,
                        Max&& max, std::vector<double>& out) {
    std::size_t qi = 0;
    for (const auto& st : d.stats) {
        switch (st.what) {
        case duration_stat::mean: out.push_back(mean_seconds(sum(), n, unit)); break;
        case duration_stat::quantile: out.push_back(qv[qi++] / 1e6); break;
        case duration_stat::max: out.push_back(seconds(static_cast<micros>(max()), unit)); break;
        }
    }
}

/// The columns of one duration entry from a group's sample (quantiles selected together).
inline void put_durations(const metric_def& d, duration_samples& samples, std::vector<double>& out) {
    if (samples.empty()) {
        out.insert(out.end(), d.stats.size(), stats::nan);
        return;
    }
    samples.visit([&](auto& v, micros unit) {
        const std::vector<double> qs = quantile_levels(d);
        std::vector<double> qv(qs.size());
        stats::quantiles_type7_into(v, qs, static_cast<double>(unit), qv.data());
        auto sum = [&] {
            __extension__ __int128 s = 0;
            for (auto x : v) s += x;
            return s;
        };
        put_duration_stats(d, v.size(), unit, qv, sum, [&] { return *std::max_element(v.begin(), v.end()); }, out);
    });
}
}  // namespace detail

/// Computes all metric values of a group, aligned with metric_catalogue(), from the metric
/// table. Reorders the state's samples (quantile selection) but does not change them as a
/// multiset.
inline std::vector<double> compute_metrics(group_state& s, double z) {
    std::vector<double> out;
    out.reserve(metric_catalogue().size());
    for (const auto& d : metric_table()) {
        switch (d.kind) {
        case metric_kind::count: out.push_back(static_cast<double>(d.num(s))); break;
        case metric_kind::value: out.push_back(d.value(s, z)); break;
        case metric_kind::rate: {
            const auto v = stats::rate_values(static_cast<double>(d.num(s)), static_cast<double>(d.den(s)), z);
            out.insert(out.end(), v.begin(), v.end());
            break;
        }
        case metric_kind::duration: detail::put_durations(d, s.*duration_samples_of[d.sample], out); break;
        }
    }
    return out;
}

/// The metric table as data: [{"name", "kind", "unit", "definition", "columns": [...]}], in
/// column order (`cskpi metrics --format json`).
inline json metric_reference_json() {
    json out = json::array();
    for (const auto& d : metric_table()) {
        json cols = json::array();
        for (const auto& c : detail::columns_of(d)) cols.push_back(c.name);
        out.push_back({{"name", d.name}, {"kind", kind_name(d.kind)}, {"unit", d.unit}, {"definition", d.definition},
                       {"columns", cols}});
    }
    return out;
}

/// The metric reference for people, as Markdown (docs/METRICS.md is this text).
inline void write_metric_reference_markdown(std::ostream& os) {
    os << "# Metrics\n\n"
          "Generated from the metric table (`include/cskpi/metric_table.hpp`) by `cskpi metrics --format markdown`;\n"
          "a test checks that this file is that output. Every column of a report, in CSV column order.\n\n"
          "- A **rate** is five columns: `<name>` (value), `<name>_num`, `<name>_den`, `<name>_ci_low`,\n"
          "  `<name>_ci_high` (Wilson score interval at the configured `confidence`). With `_den` = 0 the\n"
          "  value and interval are undefined: NaN in C++, `null` in JSON and CSV.\n"
          "- **Durations** are in seconds; quantiles are exact, Hyndman-Fan type 7 (numpy's default).\n"
          "- **Counts** are integers. Other values are undefined when their denominator is empty.\n"
          "- Event logs (`--events`) add the columns `waits`, `reply_time_mean/median/p90/max`,\n"
          "  `reply_time_interaction_mean`, `rounds`, `round_response_rate`, `sessions` and, with SLA\n"
          "  policies, `sla_first_response`, `sla_next_reply`, `sla_resolution` (README, Event logs);\n"
          "  their rates have the five numbers too (SLA rates also `_active`), and a scorecard may use them.\n\n"
          "| metric | kind | unit | columns | definition |\n"
          "|---|---|---|---|---|\n";
    for (const auto& d : metric_table()) {
        std::string cols;
        for (const auto& c : detail::columns_of(d)) cols += (cols.empty() ? "`" : ", `") + c.name + "`";
        os << "| `" << d.name << "` | " << kind_name(d.kind) << " | " << d.unit << " | " << cols << " | " << d.definition
           << " |\n";
    }
}

}  // namespace cskpi
