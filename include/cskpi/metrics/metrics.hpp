#pragma once
// Finalized metrics (spec section 4): the catalogue of metric columns in spec order, and the
// computation of every value from a group_state. Undefined values are NaN, never an error.
#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

#include "accumulators.hpp"
#include "../config/config.hpp"
#include "metric_table.hpp"
#include "stats.hpp"
#include "survival.hpp"
#include "../timeline/columns.hpp"

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
        case metric_kind::count:
            c.push_back({d.name, true});
            break;
        case metric_kind::value:
            c.push_back({d.name, false});
            break;
        case metric_kind::rate:
            for (const std::string suffix : stats::rate_suffixes)
                c.push_back({d.name + suffix, suffix == "_num" || suffix == "_den"});
            break;
        case metric_kind::duration:
            for (const auto& st : d.stats) c.push_back({std::string(d.name) + st.suffix, false});
            break;
        case metric_kind::survival:
            for (const char* suffix : survival_suffixes)
                c.push_back({std::string(d.name) + suffix, false});
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

/// The family (attribute_by) of each column of metric_catalogue().
inline const std::vector<metric_family>& catalogue_families() {
    static const std::vector<metric_family> f = [] {
        std::vector<metric_family> v;
        for (const auto& d : metric_table())
            v.insert(v.end(), detail::columns_of(d).size(), d.family);
        return v;
    }();
    return f;
}

namespace detail {
// Durations in seconds from values stored in `unit` microseconds: sums and order statistics are
// taken in microseconds, so the storage does not change a single bit. One definition for
// compute_metrics and the overall row's pooled path, so both give the same bits.
__extension__ inline double mean_seconds(__int128 sum, std::size_t n, micros unit) {
    return static_cast<double>(sum * unit) / static_cast<double>(n) / 1e6;
}
inline double seconds(micros stored, micros unit) {
    return static_cast<double>(stored * unit) / 1e6;
}
}  // namespace detail

namespace detail {
/// The quantile levels of a duration entry, ascending, into `qs`.
inline void quantile_levels_into(const metric_def& d, std::vector<double>& qs) {
    qs.clear();
    for (const auto& st : d.stats)
        if (st.what == duration_stat::quantile) qs.push_back(st.q);
}
inline std::vector<double> quantile_levels(const metric_def& d) {
    std::vector<double> qs;
    quantile_levels_into(d, qs);
    return qs;
}

/// Appends a duration entry's columns, in seconds, for n > 0 values stored in `unit`
/// microseconds: `qv` = the quantiles at quantile_levels(d) in microseconds, `sum()` and
/// `max()` the exact sum and the maximum in stored units (asked only for the stats that need
/// them). One formula for a group's sample and for the overall row's pooled counts.
template <class Sum, class Max>
void put_duration_stats(const metric_def& d, std::size_t n, micros unit,
                        const std::vector<double>& qv, Sum&& sum, Max&& max,
                        std::vector<double>& out) {
    std::size_t qi = 0;
    for (const auto& st : d.stats) {
        switch (st.what) {
            case duration_stat::mean:
                out.push_back(mean_seconds(sum(), n, unit));
                break;
            case duration_stat::quantile:
                out.push_back(qv[qi++] / 1e6);
                break;
            case duration_stat::max:
                out.push_back(seconds(static_cast<micros>(max()), unit));
                break;
        }
    }
}

/// The columns of one duration entry from a group's sample (quantiles selected together).
inline void put_durations(const metric_def& d, duration_samples& samples,
                          std::vector<double>& out) {
    if (samples.empty()) {
        out.insert(out.end(), d.stats.size(), stats::nan);
        return;
    }
    if (samples.sketched()) {  // quantiles within the sketch's relative error; the rest exact
        const duration_sketch& k = samples.sketch();
        put_duration_stats(
            d, k.count(), 1, k.quantiles(quantile_levels(d)), [&] { return k.sum(); },
            [&] { return k.max(); }, out);
        return;
    }
    samples.visit([&](auto& v, micros unit) {
        thread_local std::vector<double> qs, qv;  // reused: a report comes here for every group
        quantile_levels_into(d, qs);
        qv.resize(qs.size());
        stats::quantiles_type7_into(v, qs, static_cast<double>(unit), qv.data());
        auto sum = [&] {
            __extension__ __int128 s = 0;
            for (auto x : v) s += x;
            return s;
        };
        put_duration_stats(
            d, v.size(), unit, qv, sum, [&] { return *std::max_element(v.begin(), v.end()); }, out);
    });
}
}  // namespace detail

/// What Kaplan-Meier needs of a group besides its samples (section 14): as_of, and from the
/// report's censoring ledger the created_at of open rows and the sampled durations that are not
/// events, each ascending. Index: 0 first response, 1 resolution.
struct km_inputs {
    micros as_of = 0;
    std::array<std::vector<micros>, 2> open_created, dropped;
};

namespace detail {
/// Kaplan-Meier's events (distinct durations in microseconds with their counts, ascending) and
/// censoring times (microseconds, ascending) of measure k (0 first response, 1 resolution): the
/// sample less the dropped values, and as_of - created_at of the open rows. Sorts `sample` in
/// place. A sketched sample gives its bins' representatives (rounded to microseconds) as the
/// event times, and each dropped value is taken off its bin.
inline std::pair<std::vector<std::pair<micros, std::uint64_t>>, std::vector<micros>> km_times(
    duration_samples& sample, const km_inputs* km, std::size_t k) {
    std::vector<std::pair<micros, std::uint64_t>> events;
    if (sample.sketched()) events = sample.sketch().counted_values();
    auto event_time = [&](micros d) {
        return sample.sketched() ? sample.sketch().rounded_value(d) : d;
    };
    if (!sample.sketched())
        sample.visit([&](auto& v, micros unit) {
            sort_samples(v);
            events.reserve(v.size());
            for (std::size_t i = 0; i < v.size();) {
                std::size_t j = i + 1;
                while (j < v.size() && v[j] == v[i]) ++j;
                events.emplace_back(static_cast<micros>(v[i]) * unit, j - i);
                i = j;
            }
        });
    std::vector<micros> censored;
    if (km) {
        auto e = events.begin();
        for (micros d :
             km->dropped[k]) {  // both ascending: take each dropped value off its event count
            const micros t = event_time(d);
            while (e != events.end() && e->first < t) ++e;
            if (e != events.end() && e->first == t && e->second > 0) --e->second;
        }
        censored.reserve(km->open_created[k].size());
        for (auto it = km->open_created[k].rbegin(); it != km->open_created[k].rend(); ++it)
            censored.push_back(km->as_of -
                               *it);  // latest created = shortest censoring time: ascending
    }
    return {std::move(events), std::move(censored)};
}

/// The four columns of a survival entry: KM median, its interval, p90 (seconds). An unbounded
/// upper limit is NaN (null): the data never shows the curve crossing back.
inline void put_survival(const metric_def& d, duration_samples& sample, const km_inputs* km,
                         bool complete, double z, std::vector<double>& out) {
    const std::size_t k = d.sample == 0 ? 0 : 1;
    if (!complete) {  // censored rows whose instants this state does not hold
        out.insert(out.end(), 4, stats::nan);
        return;
    }
    const auto [events, censored] = km_times(sample, km, k);
    const survival::summary m = survival::summarize(events, censored, z);
    for (double v : {m.median, m.median_ci_low,
                     std::isinf(m.median_ci_high) ? stats::nan : m.median_ci_high, m.p90})
        out.push_back(v / 1e6);
}
}  // namespace detail

/// Computes all metric values of a group, aligned with metric_catalogue(), from the metric
/// table. Reorders the state's samples (quantile selection) but does not change them as a
/// multiset. Kaplan-Meier columns need `km` when the group has censored rows or dropped
/// samples (else they are NaN).
inline std::vector<double> compute_metrics(group_state& s, double z,
                                           const km_inputs* km = nullptr) {
    std::vector<double> out;
    out.reserve(metric_catalogue().size());
    // Samples with Kaplan-Meier columns are sorted once here: their quantiles then select in
    // sorted data, and km_times finds them sorted.
    for (const auto& d : metric_table())
        if (d.kind == metric_kind::survival && !(s.*duration_samples_of[d.sample]).sketched())
            (s.*duration_samples_of[d.sample]).visit([](auto& v, micros) {
                detail::sort_samples(v);
            });
    for (const auto& d : metric_table()) {
        switch (d.kind) {
            case metric_kind::count:
                out.push_back(static_cast<double>(d.num(s)));
                break;
            case metric_kind::value:
                out.push_back(d.value(s, z));
                break;
            case metric_kind::rate: {
                const auto v = stats::rate_values(static_cast<double>(d.num(s)),
                                                  static_cast<double>(d.den(s)), z);
                out.insert(out.end(), v.begin(), v.end());
                break;
            }
            case metric_kind::duration:
                detail::put_durations(d, s.*duration_samples_of[d.sample], out);
                break;
            case metric_kind::survival:
                detail::put_survival(
                    d, s.*duration_samples_of[d.sample], km,
                    km || (s.frt_censored == 0 && s.resolution_censored == 0 && s.km_dropped == 0),
                    z, out);
                break;
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
        out.push_back({{"name", d.name},
                       {"kind", kind_name(d.kind)},
                       {"unit", d.unit},
                       {"family", std::string(attribution::name_of(d.family))},
                       {"definition", d.definition},
                       {"columns", cols}});
    }
    return out;
}

/// The metric reference for people, as Markdown (docs/METRICS.md is this text).
inline void write_metric_reference_markdown(std::ostream& os) {
    os << "# Metrics\n\n"
          "Generated from the metric table (`include/cskpi/metrics/metric_table.hpp`) by `cskpi "
          "metrics "
          "--format markdown`;\n"
          "a test checks that this file is that output. Every column of a report, in CSV column "
          "order.\n\n"
          "- A **rate** is five columns: `<name>` (value), `<name>_num`, `<name>_den`, "
          "`<name>_ci_low`,\n"
          "  `<name>_ci_high` (Wilson score interval at the configured `confidence`). With `_den` "
          "= 0 the\n"
          "  value and interval are undefined: NaN in C++, `null` in JSON and CSV.\n"
          "- **Durations** are in seconds; quantiles are exact, Hyndman-Fan type 7 (numpy's "
          "default).\n"
          "- **Counts** are integers. Other values are undefined when their denominator is empty.\n"
          "- Event logs (`--events`) add the columns of the second table, after these (README, "
          "Event logs);\n"
          "  a scorecard may use them.\n"
          "- **family** is the metric family whose instant `attribute_by` sets "
          "(docs/ATTRIBUTION.md);\n"
          "  event-log columns are in the volume family.\n\n"
          "| metric | kind | unit | family | columns | definition |\n"
          "|---|---|---|---|---|---|\n";
    for (const auto& d : metric_table()) {
        std::string cols;
        for (const auto& c : detail::columns_of(d))
            cols += (cols.empty() ? "`" : ", `") + c.name + "`";
        os << "| `" << d.name << "` | " << kind_name(d.kind) << " | " << d.unit << " | "
           << attribution::name_of(d.family) << " | " << cols << " | " << d.definition << " |\n";
    }
    os << "\n## Event logs\n\n"
          "From the timeline metric table (`include/cskpi/timeline/columns.hpp`): the columns a "
          "report of an\n"
          "event log adds, computed from the same mergeable state as the columns above.\n\n"
          "| metric | kind | unit | columns | definition |\n"
          "|---|---|---|---|---|\n";
    for (const auto& m : timeline::timeline_metric_table()) {
        std::string cols = "`" + m.name + "`";
        if (m.kind == metric_kind::rate) {
            cols.clear();
            for (const char* x : stats::rate_suffixes)
                cols += (cols.empty() ? "`" : ", `") + m.name + x + "`";
        }
        os << "| `" << m.name << "` | " << kind_name(m.kind) << " | " << m.unit << " | " << cols
           << " | " << m.definition << " |\n";
    }
}

}  // namespace cskpi
