#pragma once
// Reconciliation (docs/RECONCILE.md): cskpi's per-interaction facts (facts.hpp) against a
// vendor's export, matched by a key. A map names, for each fact column, the vendor's column
// and how its values read (scale, tolerance, the vendor's words for yes/no and for states). Each
// interaction whose values differ is listed with an explanation.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "../config/config.hpp"
#include "../detail/suggest.hpp"
#include "../detail/text.hpp"
#include "../input/table_reader.hpp"
#include "../report/report.hpp"
#include "../time.hpp"
#include "facts.hpp"

namespace cskpi::analysis {

/// How one fact column is compared with the vendor's.
struct reconcile_column {
    std::string ours, vendor;
    fact_kind kind = fact_kind::text;
    double scale = 1;      ///< vendor number x scale = our unit (seconds); 60 for minutes
    double tolerance = 0;  ///< largest difference still equal (seconds, or the count's unit)
    std::vector<std::string> yes, no;           ///< the vendor's words for 1 and 0
    std::map<std::string, std::string> values;  ///< vendor text -> our text
};

struct reconcile_map {
    std::string key, vendor_key;
    std::vector<reconcile_column> columns;
};

namespace detail {

[[noreturn]] inline void map_error(const std::string& file, const std::string& key,
                                   const std::string& reason) {
    throw std::invalid_argument(file + ": " + key + ": " + reason);
}

inline std::vector<std::string> map_words(const nlohmann::json& v, const std::string& file,
                                          const std::string& key) {
    if (!v.is_array()) map_error(file, key, "expected a list of strings, actual " + v.dump());
    std::vector<std::string> out;
    for (const auto& x : v) {
        if (!x.is_string()) map_error(file, key, "expected a string, actual " + x.dump());
        out.push_back(x.get<std::string>());
    }
    return out;
}

inline reconcile_column map_column(const std::string& ours, const nlohmann::json& v,
                                   const std::string& file, const fact_column& fact) {
    const std::string at = "columns." + ours;
    reconcile_column c;
    c.ours = c.vendor = ours;
    c.kind = fact.kind;
    if (v.is_string()) {
        c.vendor = v.get<std::string>();
        return c;
    }
    if (!v.is_object())
        map_error(file, at, "expected the vendor's column name or an object, actual " + v.dump());
    for (const auto& [k, x] : v.items()) {
        const std::string p = at + "." + k;
        auto number = [&p, &file](const nlohmann::json& n) {
            if (!n.is_number() || !std::isfinite(n.get<double>()) || n.get<double>() < 0)
                map_error(file, p, "expected a number >= 0, actual " + n.dump());
            return n.get<double>();
        };
        if (k == "vendor") {
            if (!x.is_string()) map_error(file, p, "expected a column name, actual " + x.dump());
            c.vendor = x.get<std::string>();
        } else if (k == "scale") {
            c.scale = number(x);
            if (c.scale == 0) map_error(file, p, "expected a number > 0, actual " + x.dump());
        } else if (k == "tolerance") {
            c.tolerance = number(x);
        } else if (k == "true") {
            c.yes = map_words(x, file, p);
        } else if (k == "false") {
            c.no = map_words(x, file, p);
        } else if (k == "values") {
            if (!x.is_object())
                map_error(file, p, "expected an object of vendor text -> ours, actual " + x.dump());
            for (const auto& [from, to] : x.items()) {
                if (!to.is_string())
                    map_error(file, p + "." + from, "expected a string, actual " + to.dump());
                c.values[from] = to.get<std::string>();
            }
        } else {
            map_error(file, p,
                      "unknown key" +
                          cskpi::detail::did_you_mean(
                              k, {"vendor", "scale", "tolerance", "true", "false", "values"}));
        }
    }
    return c;
}

}  // namespace detail

/// Reads a map: {"key": VENDOR_KEY (default: our key), "columns": {FACT: VENDOR_COLUMN or
/// {"vendor", "scale", "tolerance", "true", "false", "values"}}}. Errors name the file and key.
inline reconcile_map read_reconcile_map(const nlohmann::json& j, const std::string& key,
                                        const std::string& file) {
    if (!j.is_object()) detail::map_error(file, "(root)", "expected a JSON object");
    reconcile_map m{key, key, {}};
    const std::vector<fact_column> facts = fact_columns(true);  // event-log facts included
    std::vector<std::string> names;
    for (const auto& f : facts) names.emplace_back(f.name);
    for (const auto& [k, v] : j.items()) {
        if (k == "key") {
            if (!v.is_string())
                detail::map_error(file, k, "expected a column name, actual " + v.dump());
            m.vendor_key = v.get<std::string>();
        } else if (k == "columns") {
            if (!v.is_object() || v.empty())
                detail::map_error(file, k, "expected an object of fact column -> vendor column");
            for (const auto& [ours, x] : v.items()) {
                const std::string& name = ours;  // a structured binding cannot be captured
                const auto it = std::find_if(facts.begin(), facts.end(),
                                             [&](const fact_column& f) { return f.name == name; });
                if (it == facts.end())
                    detail::map_error(file, "columns." + ours,
                                      "not a fact column" +
                                          cskpi::detail::did_you_mean(ours, names) +
                                          " (docs/FACTS.md)");
                m.columns.push_back(detail::map_column(ours, x, file, *it));
            }
        } else {
            detail::map_error(file, k,
                              "unknown key" + cskpi::detail::did_you_mean(k, {"key", "columns"}));
        }
    }
    if (m.columns.empty())
        detail::map_error(file, "columns", "missing: name the columns to compare");
    return m;
}

/// A table keyed by one column: each key's cells in `columns` order and its line.
struct keyed_table {
    struct row {
        std::uint64_t line;
        std::vector<std::optional<std::string>> cells;
    };
    std::unordered_map<std::string, row> rows;
    std::vector<std::string> order;  ///< keys in file order
    reject_ledger ledger;
    std::string path;
};

/// Reads `path`; a row without a key, or repeating one, is rejected with its line.
inline keyed_table read_keyed(const std::string& path, const std::string& key,
                              const std::vector<std::string>& columns, const config& cfg) {
    keyed_table t;
    t.path = path;
    t.ledger.show_values = cfg.rejects_show_values;
    // Each distinct column read once: two fact columns may map to one vendor column.
    std::vector<std::string> cols = {key};
    std::vector<std::size_t> at;  // columns[i] is cols[at[i]]
    for (const auto& c : columns) {
        const auto it = std::find(cols.begin(), cols.end(), c);
        at.push_back(static_cast<std::size_t>(it - cols.begin()));
        if (it == cols.end()) cols.push_back(c);
    }
    stream_records(path, cols, cols, t.ledger, [&](const text_record& r) {
        const std::string k(r.cells[0] ? cskpi::detail::trim(*r.cells[0]) : std::string_view());
        std::string why;
        if (k.empty())
            why = "missing required value";
        else if (const auto it = t.rows.find(k); it != t.rows.end())
            why = "duplicate key (first at line " + std::to_string(it->second.line) + ")";
        if (!why.empty()) {
            const reject x{r.line, key, cskpi::detail::clip(k), why};
            if (cfg.strict) throw strict_error(path, x, cfg.rejects_show_values);
            return t.ledger.rejected(x);
        }
        keyed_table::row& row = t.rows[k];
        row.line = r.line;
        for (std::size_t i : at) row.cells.push_back(r.cells[i]);
        t.order.push_back(k);
        t.ledger.accepted();
    });
    return t;
}

struct reconcile_difference {
    std::string key;
    std::size_t column;  ///< index into reconcile_map::columns
    std::string ours, vendor;
    double difference = std::nan("");  ///< vendor - ours, in our unit, when both are numbers
    std::string explain;
};

struct reconcile_summary {
    std::uint64_t compared = 0, equal = 0, differ = 0, empty_ours = 0, empty_vendor = 0,
                  unreadable = 0;
};

struct reconcile_result {
    reconcile_map map;
    std::vector<reconcile_summary> summary;  ///< per column
    std::vector<reconcile_difference> differences;
    std::vector<std::string> only_ours, only_vendor;
    keyed_table ours, vendor;
};

namespace detail {

/// A value read for comparison: a number (seconds, count, 1/0, UTC seconds) or text.
struct read_value {
    bool empty = true, ok = true;
    double number = 0;
    std::string text;
};

/// Reads one cell as its column's kind; the vendor's side goes through the map's words, values
/// and scale.
inline read_value read_cell(const reconcile_column& c, std::string_view s, const time_zone& tz,
                            bool vendor) {
    read_value v;
    s = cskpi::detail::trim(s);
    if (s.empty()) return v;
    v.empty = false;
    v.text = s;
    auto listed = [&](const std::vector<std::string>& w) {
        return vendor && std::find(w.begin(), w.end(), s) != w.end();
    };
    switch (c.kind) {
        case fact_kind::text: {
            const auto it = c.values.find(v.text);
            if (vendor && it != c.values.end()) v.text = it->second;
            return v;
        }
        case fact_kind::flag:
        case fact_kind::maybe: {
            const std::optional<bool> b = listed(c.yes)  ? std::optional(true)
                                          : listed(c.no) ? std::optional(false)
                                                         : parse_bool(s);
            v.ok = b.has_value();
            v.number = b.value_or(false) ? 1 : 0;
            return v;
        }
        case fact_kind::instant: {
            const auto t = parse_timestamp(s, tz);
            v.ok = t.has_value();
            v.number = t ? static_cast<double>(*t) / 1e6 : 0;
            return v;
        }
        default: {
            auto n = parse_number(s);
            if (!n && vendor && c.kind == fact_kind::seconds) n = parse_clock_duration(s);
            v.ok = n.has_value();
            v.number = n.value_or(0) * (vendor ? c.scale : 1);
            return v;
        }
    }
}

/// Why two readable numbers differ, with the likeliest causes a reconciler checks first.
inline std::string explain_numbers(const reconcile_column& c, double ours, double vendor) {
    auto number_text = [](double x) {  // to the millisecond: no binary fractions in prose
        return cskpi::detail::number_text(std::round(x * 1000) / 1000);
    };
    const double d = vendor - ours;
    const bool time = c.kind == fact_kind::seconds || c.kind == fact_kind::instant;
    const std::string unit = time ? " s" : "";
    std::string e = "vendor " + std::string(d > 0 ? "higher" : "lower") + " by " +
                    number_text(std::fabs(d)) + unit;
    if (c.tolerance > 0) e += " (tolerance " + number_text(c.tolerance) + unit + ")";
    if (c.kind == fact_kind::seconds && ours > 0) {
        const double r = vendor / ours;
        if (std::fabs(r - 60) < 0.5 || std::fabs(r - 1.0 / 60) < 0.0005)
            e += "; a factor of 60: is the export in minutes (\"scale\": 60)?";
        else if (std::fabs(r - 1000) < 5 || std::fabs(r - 0.001) < 0.00001)
            e += "; a factor of 1000: is the export in milliseconds (\"scale\": 0.001)?";
        else if (d < 0)
            e += "; the vendor may count business hours only, or stop at an automatic reply";
        else
            e += "; the vendor may count calendar time, or start at ticket creation";
    }
    if (time && std::fabs(d) >= 3600 && std::fmod(std::fabs(d), 1800) < 1)
        e += "; a whole number of half-hours: a time-zone difference?";
    return e;
}

inline std::string explain(const reconcile_column& c, const read_value& o, const read_value& v) {
    if (o.empty) return "empty in ours, vendor has " + v.text;
    if (v.empty) return "empty in the vendor's export, ours is " + o.text;
    if (!v.ok)
        return "the vendor's '" + v.text + "' is not read as " + name_of(c.kind) +
               (c.kind == fact_kind::flag || c.kind == fact_kind::maybe
                    ? " (add it to \"true\" or \"false\" in the map)"
                    : "");
    if (c.kind == fact_kind::text)
        return "ours '" + o.text + "', vendor '" + v.text + "'" +
               (c.values.empty() ? " (\"values\" in the map translates the vendor's words)" : "");
    if (c.kind == fact_kind::flag || c.kind == fact_kind::maybe)
        return std::string("ours ") + (o.number != 0 ? "yes" : "no") + ", vendor " +
               (v.number != 0 ? "yes" : "no");
    return explain_numbers(c, o.number, v.number);
}

}  // namespace detail

/// Compares every key present in both tables, column by column; keys on one side only are
/// listed.
inline reconcile_result reconcile(const std::string& ours_path, const std::string& vendor_path,
                                  reconcile_map map, const config& cfg) {
    reconcile_result r;
    std::vector<std::string> ours_cols, vendor_cols;
    for (const auto& c : map.columns) {
        ours_cols.push_back(c.ours);
        vendor_cols.push_back(c.vendor);
    }
    r.ours = read_keyed(ours_path, map.key, ours_cols, cfg);
    r.vendor = read_keyed(vendor_path, map.vendor_key, vendor_cols, cfg);
    r.summary.resize(map.columns.size());
    const time_zone tz(cfg.timezone);
    for (const auto& k : r.ours.order) {
        const auto it = r.vendor.rows.find(k);
        if (it == r.vendor.rows.end()) {
            r.only_ours.push_back(k);
            continue;
        }
        const auto& o = r.ours.rows.at(k);
        for (std::size_t i = 0; i < map.columns.size(); ++i) {
            const auto& c = map.columns[i];
            const auto a = detail::read_cell(c, o.cells[i].value_or(""), tz, false);
            const auto b = detail::read_cell(c, it->second.cells[i].value_or(""), tz, true);
            reconcile_summary& s = r.summary[i];
            ++s.compared;
            bool same;
            double diff = std::nan("");
            if (a.empty || b.empty) {
                same = a.empty && b.empty;
                s.empty_ours += a.empty && !b.empty;
                s.empty_vendor += b.empty && !a.empty;
            } else if (!a.ok || !b.ok) {
                same = false;
                ++s.unreadable;
            } else if (c.kind == fact_kind::text) {
                same = a.text == b.text;
            } else {
                diff = std::round((b.number - a.number) * 1e6) / 1e6;  // to the microsecond
                same = std::fabs(diff) <= c.tolerance + 1e-9 * std::max(1.0, std::fabs(a.number));
            }
            if (same) {
                ++s.equal;
                continue;
            }
            ++s.differ;
            r.differences.push_back({k, i, a.text, b.text, diff, detail::explain(c, a, b)});
        }
    }
    for (const auto& k : r.vendor.order)
        if (!r.ours.rows.count(k)) r.only_vendor.push_back(k);
    r.map = std::move(map);
    return r;
}

inline nlohmann::json reconcile_json(const reconcile_result& r) {
    using nlohmann::json;
    json summary = json::array(), diffs = json::array();
    for (std::size_t i = 0; i < r.map.columns.size(); ++i) {
        const auto& c = r.map.columns[i];
        const auto& s = r.summary[i];
        summary.push_back({{"metric", c.ours},
                           {"vendor_column", c.vendor},
                           {"compared", s.compared},
                           {"equal", s.equal},
                           {"differ", s.differ},
                           {"empty_ours", s.empty_ours},
                           {"empty_vendor", s.empty_vendor},
                           {"unreadable", s.unreadable}});
    }
    for (const auto& d : r.differences)
        diffs.push_back({{"key", d.key},
                         {"metric", r.map.columns[d.column].ours},
                         {"ours", d.ours},
                         {"vendor", d.vendor},
                         {"difference", std::isfinite(d.difference) ? json(d.difference) : json()},
                         {"explain", d.explain}});
    auto side = [](const keyed_table& t) { return ledger_json(t.path, t.ledger); };
    return {{"key", r.map.key},         {"vendor_key", r.map.vendor_key},
            {"summary", summary},       {"differences", diffs},
            {"only_ours", r.only_ours}, {"only_vendor", r.only_vendor},
            {"ours", side(r.ours)},     {"vendor", side(r.vendor)}};
}

}  // namespace cskpi::analysis
