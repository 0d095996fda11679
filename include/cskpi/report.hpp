#pragma once
// The finished report (spec section 6): input accounting, effective configuration, and one row
// per group with every metric of section 4. Writers: JSON, CSV, and a terminal table.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config.hpp"
#include "detail/suggest.hpp"
#include "detail/text.hpp"
#include "group.hpp"
#include "ingest.hpp"
#include "metrics.hpp"
#include "version.hpp"

namespace cskpi {

/// One row of the report: key labels (nullopt = missing value) and metric values aligned with
/// metric_catalogue() (NaN = undefined).
struct report_group {
    std::vector<std::optional<std::string>> keys;
    std::vector<double> metrics;
    /// Columns joined from other sources after the spec's metrics (e.g. qa_score from QA
    /// reviews); every group of a report has the same names in the same order.
    std::vector<std::pair<std::string, double>> extra;

    /// Value of a metric (or joined column) by name. Throws std::out_of_range for an unknown name.
    double metric(std::string_view name) const {
        const auto& cat = metric_catalogue();
        for (std::size_t i = 0; i < cat.size(); ++i)
            if (cat[i].name == name) return metrics.at(i);
        for (const auto& [n, v] : extra)
            if (n == name) return v;
        throw std::out_of_range("unknown metric '" + std::string(name) + "'");
    }
};

/// Rejects as the report's JSON lists them; `column` is null for a row-level reject.
inline json rejects_to_json(const std::vector<reject>& rejects) {
    json rj = json::array();
    for (const auto& r : rejects)
        rj.push_back({{"line", r.line},
                      {"column", r.column.empty() ? json(nullptr) : json(r.column)},
                      {"value", r.value},
                      {"reason", r.reason}});
    return rj;
}

/// The most common reject reasons among `rejects`, as "N x column 'C': reason", most first.
inline std::vector<std::string> top_reject_reasons(const std::vector<reject>& rejects, std::size_t n) {
    std::vector<std::pair<std::string, std::size_t>> counts;
    for (const auto& r : rejects) {
        const std::string key = (r.column.empty() ? std::string() : "column '" + r.column + "': ") + r.reason;
        auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == key; });
        if (it == counts.end()) counts.emplace_back(key, 1);
        else ++it->second;
    }
    std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<std::string> out;
    for (std::size_t i = 0; i < counts.size() && i < n; ++i)
        out.push_back(std::to_string(counts[i].second) + " x " + counts[i].first);
    return out;
}

struct report;
namespace detail {
std::vector<std::string> input_warnings(const report& r);
}

struct report {
    std::string input_path;
    std::uint64_t rows_read = 0, rows_accepted = 0, rows_rejected = 0;
    std::vector<reject> rejects;  ///< the first 1000, or all when the caller collected them (JSON: first 1000)
    std::vector<std::string> ignored_columns;
    std::optional<std::uint64_t> interactions_derived;  ///< event input: interactions derived from the rows read
    config cfg;
    std::vector<group_key> by;
    std::vector<report_group> groups;  ///< overall row first
    /// Findings that leave the numbers defined but probably not what the user meant (no row
    /// read, every row rejected, SLA targets no row has); JSON "warnings" when there are any.
    std::vector<std::string> warnings;

    /// The section 6 document.
    json to_json() const {
        json j;
        j["cskpi"] = {{"version", version}};
        const json rj = rejects_to_json(rejects.size() <= reject_ledger::keep
                                            ? rejects
                                            : std::vector<reject>(rejects.begin(), rejects.begin() + reject_ledger::keep));
        j["input"] = {{"path", input_path},       {"rows_read", rows_read},
                      {"rows_accepted", rows_accepted}, {"rows_rejected", rows_rejected},
                      {"rejects", rj},            {"ignored_columns", ignored_columns}};
        if (interactions_derived) j["input"]["interactions_derived"] = *interactions_derived;
        if (!warnings.empty()) j["warnings"] = warnings;
        j["config"] = cfg.to_json();
        json b = json::array();
        for (auto k : by) b.push_back(std::string(name_of(k)));
        j["by"] = b;
        json gs = json::array();
        const auto& cat = metric_catalogue();
        for (const auto& g : groups) {
            json key = json::object();
            for (std::size_t i = 0; i < g.keys.size(); ++i)
                key[std::string(name_of(by[i]))] = g.keys[i] ? json(*g.keys[i]) : json(nullptr);
            json m = json::object();
            for (std::size_t i = 0; i < cat.size(); ++i) {
                const double v = g.metrics[i];
                if (std::isnan(v)) m[cat[i].name] = nullptr;
                else if (cat[i].integer) m[cat[i].name] = static_cast<std::int64_t>(v);
                else m[cat[i].name] = v;
            }
            for (const auto& [n, v] : g.extra) m[n] = std::isnan(v) ? json(nullptr) : json(v);
            gs.push_back({{"by", key}, {"metrics", m}});
        }
        j["groups"] = gs;
        return j;
    }

    /// One line per group: key columns, then every metric column in spec order; null = undefined.
    void write_csv(std::ostream& os) const {
        const auto& cat = metric_catalogue();
        std::string line;
        for (auto k : by) line += std::string(name_of(k)) + ",";
        for (std::size_t i = 0; i < cat.size(); ++i) line += (i ? "," : "") + cat[i].name;
        if (!groups.empty())
            for (const auto& e : groups.front().extra) line.append(",").append(e.first);
        os << line << '\n';
        for (const auto& g : groups) {
            line.clear();
            // The overall row has no key values (empty fields); a missing key value is null.
            if (g.keys.empty()) line.append(by.size(), ',');
            for (const auto& k : g.keys) line += (k ? detail::csv_field(*k) : std::string("null")) + ",";
            for (std::size_t i = 0; i < cat.size(); ++i) {
                if (i) line += ',';
                line += detail::number_text(g.metrics[i], cat[i].integer);
            }
            for (const auto& e : g.extra) line.append(",").append(detail::number_text(e.second));
            os << line << '\n';
        }
    }

    /// A readable summary for a terminal: the headline metrics of each group.
    void write_table(std::ostream& os, std::size_t max_rows = 200) const;
};

inline void report::write_table(std::ostream& os, std::size_t max_rows) const {
    using detail::fmt_fixed;
    struct col { const char* title; const char* metric; int kind; };  // 0 count, 1 pct, 2 secs, 3 num
    static const col cols[] = {
        {"interactions", "interactions", 0}, {"answer%", "answer_rate", 1},
        {"abandon%", "abandonment_rate", 1}, {"FRT med s", "frt_median", 2},
        {"FRT p90 s", "frt_p90", 2}, {"SLA%", "sla_frt", 1}, {"AHT s", "aht_mean", 2},
        {"resolved%", "resolution_rate", 1}, {"FCR%", "fcr_rate", 1}, {"reopen%", "reopen_rate", 1},
        {"CSAT%", "csat", 1}, {"CSAT avg", "csat_mean", 3}, {"NPS", "nps", 3},
        {"complaint%", "complaint_rate", 1}, {"conv%", "conversion_rate", 1}, {"sales", "sales_total", 3}};
    std::vector<std::vector<std::string>> cells;
    std::vector<std::string> head;
    for (auto k : by) head.emplace_back(name_of(k));
    if (by.empty()) head.emplace_back("group");
    for (const auto& c : cols) head.emplace_back(c.title);
    // Joined columns worth a glance (QA, event timelines); all of them are in CSV and JSON.
    static const col extras[] = {{"QA", "qa_score", 3}, {"reply avg s", "reply_time_mean", 2},
                                 {"reply p90 s", "reply_time_p90", 2}, {"round%", "round_response_rate", 1}};
    std::vector<col> shown_extras;
    if (!groups.empty())
        for (const auto& c : extras)
            for (const auto& e : groups.front().extra)
                if (e.first == c.metric) shown_extras.push_back(c), head.emplace_back(c.title);
    cells.push_back(head);
    std::size_t shown = 0;
    for (const auto& g : groups) {
        if (shown++ >= max_rows) break;
        std::vector<std::string> row;
        const bool overall = &g == &groups.front();
        for (std::size_t i = 0; i < std::max<std::size_t>(by.size(), 1); ++i) {
            if (overall) row.emplace_back(i == 0 ? "(all)" : "");
            else row.emplace_back(g.keys[i] ? *g.keys[i] : "(none)");
        }
        for (const auto& c : cols) {
            const double v = g.metric(c.metric);
            switch (c.kind) {
            case 0: row.push_back(fmt_fixed(v, 0)); break;
            case 1: row.push_back(fmt_fixed(v * 100, 1)); break;
            case 2: row.push_back(fmt_fixed(v, 1)); break;
            default: row.push_back(fmt_fixed(v, 2)); break;
            }
        }
        for (const auto& c : shown_extras)
            row.push_back(c.kind == 1 ? fmt_fixed(g.metric(c.metric) * 100, 1) : fmt_fixed(g.metric(c.metric), c.kind == 2 ? 1 : 2));
        cells.push_back(std::move(row));
    }
    os << "cskpi " << version << " report";
    if (!input_path.empty()) os << " of " << input_path;
    os << "  (timezone " << cfg.timezone << ")\n";
    os << "rows read " << rows_read << ", accepted " << rows_accepted << ", rejected " << rows_rejected << "\n\n";
    detail::write_grid(os, cells, std::max<std::size_t>(by.size(), 1));
    if (groups.size() > max_rows)
        os << "... " << groups.size() - max_rows << " more groups (use --format csv or json for all)\n";
    os << "\nRates in %, times in seconds; '-' = undefined (no data). All " << metric_catalogue().size()
       << " metric columns: --format csv or json.\n";
    if (!rejects.empty()) {
        os << "\nRejected rows (first " << std::min<std::size_t>(rejects.size(), 10) << " of " << rows_rejected << "):\n";
        for (std::size_t i = 0; i < std::min<std::size_t>(rejects.size(), 10); ++i) {
            const auto& r = rejects[i];
            os << "  line " << r.line << (r.column.empty() ? "" : ", column " + r.column)
               << (r.value.empty() ? "" : ", value '" + r.value + "'") << ": " << r.reason << '\n';
        }
    }
}

/// Writes one reject as a CSV row of line,column,value,reason.
inline void write_rejects_csv_row(std::ostream& os, const reject& r) {
    os << r.line << ',' << detail::csv_field(r.column) << ',' << detail::csv_field(r.value) << ','
       << detail::csv_field(r.reason) << '\n';
}
/// Writes rejects as CSV with the header line,column,value,reason.
inline void write_rejects_csv(std::ostream& os, const std::vector<reject>& rs) {
    os << "line,column,value,reason\n";
    for (const auto& r : rs) write_rejects_csv_row(os, r);
}

namespace detail {
/// The report's warnings (report::warnings), from its accounting and overall row.
inline std::vector<std::string> input_warnings(const report& r) {
    std::vector<std::string> w;
    if (r.rows_read == 0) {
        w.push_back("the input has no data rows");
        return w;
    }
    if (r.rows_accepted == 0) {
        std::string why;
        for (const auto& t : top_reject_reasons(r.rejects, 3)) why += (why.empty() ? "" : "; ") + t;
        w.push_back("every row was rejected (" + std::to_string(r.rows_rejected) + "); most common" +
                    (r.rows_rejected > r.rejects.size() ? " in the first " + std::to_string(r.rejects.size()) : "") +
                    ": " + why);
        return w;
    }
    const bool targets = !r.cfg.sla_first_response_s.empty() || !r.cfg.sla_by_priority_first_response_s.empty();
    if (targets && !r.groups.empty() && r.groups[0].metric("sla_frt_den") == 0) {
        std::vector<std::string> ch, pr;
        for (const auto& [k, v] : r.cfg.sla_first_response_s) ch.push_back(k);
        for (const auto& [k, v] : r.cfg.sla_by_priority_first_response_s) pr.push_back(k);
        w.push_back("no row has an SLA target, so sla_frt is undefined: sla.first_response_s names the channels " +
                    (ch.empty() ? std::string("(none)") : join_names(ch)) + " and sla.by_priority the priorities " +
                    (pr.empty() ? std::string("(none)") : join_names(pr)) + ", and no row has one of them");
    }
    return w;
}
}  // namespace detail

}  // namespace cskpi
