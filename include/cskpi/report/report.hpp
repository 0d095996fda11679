#pragma once
// The finished report (spec section 6): input accounting, effective configuration, and one row
// per group with every metric of section 4. Writers: JSON, CSV, and a terminal table.
#include <algorithm>
#include <limits>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "../config/config.hpp"
#include "../detail/suggest.hpp"
#include "../detail/text.hpp"
#include "../engine/group.hpp"
#include "../input/ingest.hpp"
#include "../metrics/metrics.hpp"
#include "../version.hpp"

namespace cskpi {

namespace detail {
/// A number for JSON: NaN and infinities (undefined values) are null.
inline json num_or_null(double v) {
    return std::isfinite(v) ? json(v) : json(nullptr);
}
inline json opt_json(const std::optional<std::string>& s) {
    return s ? json(*s) : json(nullptr);
}
}  // namespace detail

/// Group keys as the JSON object {"agent": "x", "day": null} (null = missing value).
inline json keys_json(const std::vector<group_key>& by,
                      const std::vector<std::optional<std::string>>& keys) {
    json key = json::object();
    for (std::size_t i = 0; i < keys.size(); ++i)
        key[std::string(name_of(by[i]))] = detail::opt_json(keys[i]);
    return key;
}

/// One row of the report: key labels (nullopt = missing value) and metric values aligned with
/// metric_catalogue() (NaN = undefined).
struct report_group {
    std::vector<std::optional<std::string>> keys;
    std::vector<double> metrics;
    /// Columns joined from other sources after the spec's metrics (e.g. qa_score from QA
    /// reviews); every group of a report has the same names in the same order.
    std::vector<std::pair<std::string, double>> extra;
    /// privacy.min_group_size: too few interactions to show; every value is null.
    bool suppressed = false;

    void suppress() {
        suppressed = true;
        std::fill(metrics.begin(), metrics.end(), std::numeric_limits<double>::quiet_NaN());
        for (auto& e : extra) e.second = std::numeric_limits<double>::quiet_NaN();
    }

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

/// A side table's input accounting (orders, presence, a vendor export): its path, rows read,
/// accepted and rejected, and the rejects.
inline json ledger_json(const std::string& path, const reject_ledger& l) {
    return {{"path", path},
            {"rows_read", l.rows_read},
            {"rows_accepted", l.rows_accepted},
            {"rows_rejected", l.rows_rejected},
            {"rejects", rejects_to_json(l.rejects)}};
}

/// The most common reject reasons among `rejects`, as "N x column 'C': reason", most first.
inline std::vector<std::string> top_reject_reasons(const std::vector<reject>& rejects,
                                                   std::size_t n) {
    std::vector<std::pair<std::string, std::size_t>> counts;
    for (const auto& r : rejects) {
        const std::string key =
            (r.column.empty() ? std::string() : "column '" + r.column + "': ") + r.reason;
        auto it = std::find_if(counts.begin(), counts.end(),
                               [&](const auto& c) { return c.first == key; });
        if (it == counts.end())
            counts.emplace_back(key, 1);
        else
            ++it->second;
    }
    std::stable_sort(counts.begin(), counts.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
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
    std::vector<reject>
        rejects;  ///< the first 1000, or all when the caller collected them (JSON: first 1000)
    std::vector<std::string> ignored_columns;
    std::optional<std::uint64_t>
        interactions_derived;  ///< event input: interactions derived from the rows read
    /// Event input with a presence log: its accounting (JSON input.presence); null without.
    json presence_input;
    /// Section 15: ratings on rows not sent a survey (survey_sent), from the overall row
    /// (note_survey_input).
    std::uint64_t ratings_without_survey_sent = 0;
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
        const json rj = rejects_to_json(
            rejects.size() <= reject_ledger::keep
                ? rejects
                : std::vector<reject>(rejects.begin(), rejects.begin() + reject_ledger::keep));
        j["input"] = {{"path", input_path},
                      {"rows_read", rows_read},
                      {"rows_accepted", rows_accepted},
                      {"rows_rejected", rows_rejected},
                      {"rejects", rj},
                      {"ignored_columns", ignored_columns}};
        if (interactions_derived) j["input"]["interactions_derived"] = *interactions_derived;
        if (!presence_input.is_null()) j["input"]["presence"] = presence_input;
        if (ratings_without_survey_sent)
            j["input"]["ratings_without_survey_sent"] = ratings_without_survey_sent;  // section 15
        if (!warnings.empty()) j["warnings"] = warnings;
        j["config"] = cfg.to_json();
        json b = json::array();
        for (auto k : by) b.push_back(std::string(name_of(k)));
        j["by"] = b;
        json gs = json::array();
        for (const auto& g : groups) gs.push_back(group_json(g));
        j["groups"] = gs;
        return j;
    }

    /// One entry of the JSON document's "groups".
    json group_json(const report_group& g) const {
        const auto& cat = metric_catalogue();
        const json key = keys_json(by, g.keys);
        json m = json::object();
        for (std::size_t i = 0; i < cat.size(); ++i) {
            const double v = g.metrics[i];
            if (std::isnan(v))
                m[cat[i].name] = nullptr;
            else if (cat[i].integer)
                m[cat[i].name] = static_cast<std::int64_t>(v);
            else
                m[cat[i].name] = v;
        }
        for (const auto& [n, v] : g.extra) m[n] = detail::num_or_null(v);
        if (g.suppressed) return {{"by", key}, {"suppressed", true}, {"metrics", m}};
        return {{"by", key}, {"metrics", m}};
    }

    /// One line per group: key columns, then every metric column in spec order; null = undefined.
    void write_csv(std::ostream& os) const {
        write_csv_header(os, groups.empty() ? nullptr : &groups.front());
        for (const auto& g : groups) write_csv_row(os, g);
    }
    /// The CSV header: keys, metric columns, and the extra columns `first` carries.
    void write_csv_header(std::ostream& os, const report_group* first) const {
        const auto& cat = metric_catalogue();
        std::string line;
        for (auto k : by) line += std::string(name_of(k)) + ",";
        for (std::size_t i = 0; i < cat.size(); ++i) line += (i ? "," : "") + cat[i].name;
        if (first)
            for (const auto& e : first->extra) line.append(",").append(e.first);
        os << line << '\n';
    }
    /// The metric cells of `g` in catalogue order, comma-separated, appended to `line`.
    static void append_metric_cells(std::string& line, const report_group& g) {
        const auto& cat = metric_catalogue();
        for (std::size_t i = 0; i < cat.size(); ++i) {
            if (i) line += ',';
            detail::append_number(line, g.metrics[i], cat[i].integer);
        }
    }
    /// One CSV row. The overall row has no key values (empty fields); a missing key value is null.
    void write_csv_row(std::ostream& os, const report_group& g) const {
        std::string line;
        append_csv_row(line, g, detail::is_for_people(os));
        os << line;
    }
    /// The CSV row of `g`, newline included, appended to `line` (`people`: keys shown to a
    /// terminal, see csv_key).
    void append_csv_row(std::string& line, const report_group& g, bool people) const {
        if (g.keys.empty()) line.append(by.size(), ',');
        for (const auto& k : g.keys) line.append(detail::csv_key(k, people)).push_back(',');
        append_metric_cells(line, g);
        for (const auto& e : g.extra) {
            line += ',';
            detail::append_number(line, e.second);
        }
        line += '\n';
    }

    /// A readable summary for a terminal: the headline metrics of each group in `width`
    /// characters, or the metric columns named in `columns` (rates in %, durations as 3m 20s).
    void write_table(std::ostream& os, const std::vector<std::string>& columns = {},
                     std::size_t width = 100, std::size_t max_rows = 200) const;
};

namespace detail {
/// A duration for people: 45s, 3m 20s, 1h 05m, 2d 03h ('-' when undefined).
inline std::string human_duration(double s) {
    if (std::isnan(s)) return "-";
    char buf[48];
    const long long t = std::llround(s);
    if (s < 10)
        std::snprintf(buf, sizeof buf, "%.1fs", s);
    else if (t < 60)
        std::snprintf(buf, sizeof buf, "%llds", t);
    else if (t < 3600)
        std::snprintf(buf, sizeof buf, "%lldm %02llds", t / 60, t % 60);
    else if (t < 86400)
        std::snprintf(buf, sizeof buf, "%lldh %02lldm", t / 3600, t % 3600 / 60);
    else
        std::snprintf(buf, sizeof buf, "%lldd %02lldh", t / 86400, t % 86400 / 3600);
    return buf;
}

/// How the table shows a report column: 0 count, 1 percent, 2 duration, 3 number.
inline int table_kind(const std::string& column) {
    static const std::map<std::string, int> kinds = [] {
        std::map<std::string, int> k;
        for (const auto& m : metric_table()) {
            const std::string n = m.name;
            switch (m.kind) {
                case metric_kind::count:
                    k[n] = 0;
                    break;
                case metric_kind::rate:
                    k[n] = 1, k[n + "_ci_low"] = 1, k[n + "_ci_high"] = 1, k[n + "_num"] = 0,
                    k[n + "_den"] = 0;
                    break;
                case metric_kind::duration:
                    for (const auto& st : m.stats) k[n + st.suffix] = 2;
                    break;
                case metric_kind::survival:
                    for (const char* s : survival_suffixes) k[n + s] = 2;
                    break;
                default:
                    k[n] = 3;
            }
        }
        return k;
    }();
    const auto it = kinds.find(column);
    if (it != kinds.end()) return it->second;
    if (column.find("_rate") != std::string::npos || column.rfind("sla_", 0) == 0)
        return 1;  // joined timeline rates
    if (column.find("time") != std::string::npos) return 2;
    return 3;
}
}  // namespace detail

inline void report::write_table(std::ostream& os, const std::vector<std::string>& columns,
                                std::size_t width, std::size_t max_rows) const {
    using detail::fmt_fixed;
    struct col {
        std::string title, metric;
    };
    // Headline columns in the order a manager reads them; joined columns worth a glance after.
    static const std::vector<col> headline = {{"interactions", "interactions"},
                                              {"answer%", "answer_rate"},
                                              {"FRT med", "frt_median"},
                                              {"FRT p90", "frt_p90"},
                                              {"SLA%", "sla_frt"},
                                              {"AHT", "aht_mean"},
                                              {"resolved%", "resolution_rate"},
                                              {"FCR%", "fcr_rate"},
                                              {"CSAT%", "csat"},
                                              {"NPS", "nps"},
                                              {"QA", "qa_score"},
                                              {"reply avg", "reply_time_mean"},
                                              {"round%", "round_response_rate"},
                                              {"abandon%", "abandonment_rate"},
                                              {"reopen%", "reopen_rate"},
                                              {"complaint%", "complaint_rate"},
                                              {"conv%", "conversion_rate"},
                                              {"sales", "sales_total"}};
    auto has = [&](const std::string& m) {
        for (const auto& c : metric_catalogue())
            if (c.name == m) return true;
        if (groups.empty()) return false;
        for (const auto& e : groups.front().extra)
            if (e.first == m) return true;
        return false;
    };
    std::vector<col> cols;
    if (columns.empty()) {
        for (const auto& c : headline)
            if (has(c.metric)) cols.push_back(c);
    } else {
        for (const auto& c : columns) {
            if (!has(c)) {
                std::vector<std::string> names;
                for (const auto& m : metric_catalogue()) names.push_back(m.name);
                if (!groups.empty())
                    for (const auto& e : groups.front().extra) names.push_back(e.first);
                throw std::invalid_argument("--columns: no column '" + c + "'" +
                                            detail::did_you_mean(c, names) +
                                            " (the columns: cskpi metrics)");
            }
            cols.push_back({detail::table_kind(c) == 1 ? c + "%" : c, c});
        }
    }
    const std::size_t n_keys = std::max<std::size_t>(by.size(), 1);
    std::vector<std::vector<std::string>> cells;
    std::vector<std::string> head;
    for (auto k : by) head.emplace_back(name_of(k));
    if (by.empty()) head.emplace_back("group");
    for (const auto& c : cols) head.push_back(c.title);
    cells.push_back(head);
    std::size_t shown = 0;
    for (const auto& g : groups) {
        if (shown++ >= max_rows) break;
        std::vector<std::string> row;
        const bool overall = &g == &groups.front();
        for (std::size_t i = 0; i < n_keys; ++i) {
            if (overall)
                row.emplace_back(i == 0 ? "(all)" : "");
            else
                row.emplace_back(g.keys[i] ? *g.keys[i] : "(none)");
        }
        for (const auto& c : cols) {
            const double v = g.metric(c.metric);
            switch (detail::table_kind(c.metric)) {
                case 0:
                    row.push_back(fmt_fixed(v, 0));
                    break;
                case 1:
                    row.push_back(fmt_fixed(v * 100, 1));
                    break;
                case 2:
                    row.push_back(detail::human_duration(v));
                    break;
                default:
                    row.push_back(fmt_fixed(v, 2));
                    break;
            }
        }
        cells.push_back(std::move(row));
    }
    // Without --columns, keep the columns that fit the width (keys always).
    std::size_t keep = cols.size();
    if (columns.empty()) {
        std::size_t total = 0;
        for (std::size_t c = 0; c < n_keys + cols.size(); ++c) {
            std::size_t w = 0;
            for (const auto& r : cells) w = std::max(w, detail::display_width(r[c]));
            total += w + (c ? 2 : 0);
            if (c >= n_keys && total > width) {
                keep = c - n_keys;
                break;
            }
        }
        for (auto& r : cells) r.resize(n_keys + keep);
    }
    os << "cskpi " << version << " report";
    if (!input_path.empty()) os << " of " << input_path;
    os << "  (timezone " << cfg.timezone << ")\n";
    os << "rows read " << rows_read << ", accepted " << rows_accepted << ", rejected "
       << rows_rejected << "\n\n";
    detail::write_grid(os, cells, n_keys);
    if (groups.size() > max_rows)
        os << "... " << groups.size() - max_rows
           << " more groups (use --format csv or json for all)\n";
    os << "\nRates in %, times as 1h 05m / 3m 20s; '-' = undefined (no data).";
    if (keep < cols.size()) {
        os << " Not shown for width:";
        for (std::size_t c = keep; c < cols.size(); ++c) os << ' ' << cols[c].metric;
        os << '.';
    }
    os << " Choose columns with --columns; all " << metric_catalogue().size()
       << " metric columns: --format csv or json.\n";
    if (!rejects.empty()) {
        os << "\nRejected rows (first " << std::min<std::size_t>(rejects.size(), 10) << " of "
           << rows_rejected << "):\n";
        for (std::size_t i = 0; i < std::min<std::size_t>(rejects.size(), 10); ++i) {
            const auto& r = rejects[i];
            os << "  line " << r.line << (r.column.empty() ? "" : ", column " + r.column)
               << (r.value.empty() ? "" : ", value '" + r.value + "'") << ": " << r.reason << '\n';
        }
    }
}

/// Several groupings of one reading as one CSV: a `grouping` column ("agent,channel,day", empty
/// for none), then every key column of any grouping (empty where a grouping lacks it), then the
/// metric columns. Extra (joined) columns are left out: they differ between groupings.
inline void write_csv(std::ostream& os, const std::vector<report>& reps) {
    std::vector<group_key> keys;
    for (const auto& r : reps)
        for (auto k : r.by)
            if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    const auto& cat = metric_catalogue();
    std::string line = "grouping";
    for (auto k : keys) line += "," + std::string(name_of(k));
    for (const auto& c : cat) line += "," + c.name;
    os << line << '\n';
    const bool people = detail::is_for_people(os);
    for (const auto& r : reps) {
        std::string grouping;
        for (auto k : r.by) grouping += (grouping.empty() ? "" : ",") + std::string(name_of(k));
        for (const auto& g : r.groups) {
            line = detail::csv_field(grouping);
            for (auto k : keys) {
                line += ',';
                const auto at = std::find(r.by.begin(), r.by.end(), k);
                if (at == r.by.end() || g.keys.empty()) continue;
                const auto& v = g.keys[static_cast<std::size_t>(at - r.by.begin())];
                line += detail::csv_key(v, people);
            }
            line += ',';
            report::append_metric_cells(line, g);
            os << line << '\n';
        }
    }
}

/// Writes one reject as a CSV row of line,column,value,reason.
inline void write_rejects_csv_row(std::ostream& os, const reject& r) {
    const bool people = detail::is_for_people(os);
    os << r.line << ',' << detail::csv_field(r.column) << ',' << detail::csv_field(r.value, people)
       << ',' << detail::csv_field(r.reason, people) << '\n';
}
/// Writes rejects as CSV with the header line,column,value,reason.
inline void write_rejects_csv(std::ostream& os, const std::vector<reject>& rs) {
    os << "line,column,value,reason\n";
    for (const auto& r : rs) write_rejects_csv_row(os, r);
}

namespace detail {
/// Copies the overall row's count of ratings without a survey into the input accounting.
inline void note_survey_input(report& r) {
    if (!r.groups.empty())
        r.ratings_without_survey_sent =
            static_cast<std::uint64_t>(r.groups[0].metric("csat_unsolicited"));
}

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
        w.push_back("every row was rejected (" + std::to_string(r.rows_rejected) +
                    "); most common" +
                    (r.rows_rejected > r.rejects.size()
                         ? " in the first " + std::to_string(r.rejects.size())
                         : "") +
                    ": " + why);
        return w;
    }
    if (r.interactions_derived && r.presence_input.is_null() && r.cfg.timeline.contains("events") &&
        r.cfg.timeline["events"].value("exclude_unstaffed", false))
        w.push_back(
            "events.exclude_unstaffed is set but no presence log was given (--presence): no round "
            "is left out and left_message_rate is empty");
    if (r.ratings_without_survey_sent)
        w.push_back(std::to_string(r.ratings_without_survey_sent) +
                    " rating(s) on rows not sent a survey (survey_sent): counted in csat, left out "
                    "of csat_response_rate");
    const bool targets =
        !r.cfg.sla_first_response_s.empty() || !r.cfg.sla_by_priority_first_response_s.empty();
    if (targets && !r.groups.empty() && r.groups[0].metric("sla_frt_den") == 0) {
        std::vector<std::string> ch, pr;
        for (const auto& [k, v] : r.cfg.sla_first_response_s) ch.push_back(k);
        for (const auto& [k, v] : r.cfg.sla_by_priority_first_response_s) pr.push_back(k);
        w.push_back(
            "no row has an SLA target, so sla_frt is undefined: sla.first_response_s names the "
            "channels " +
            (ch.empty() ? std::string("(none)") : join_names(ch)) +
            " and sla.by_priority the priorities " +
            (pr.empty() ? std::string("(none)") : join_names(pr)) + ", and no row has one of them");
    }
    return w;
}
}  // namespace detail

}  // namespace cskpi
