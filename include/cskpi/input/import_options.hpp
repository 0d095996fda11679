#pragma once
// How one table's file is read: which header feeds which column, value maps, units of
// durations, timestamp formats, text encoding, delimiter and preamble lines. The interactions
// table takes these keys at the top level of the configuration; the events and reviews tables
// inside their "events" and "reviews" objects. Every key is optional: without them a file is
// UTF-8, comma-separated, and its cells already in the accepted forms of docs/INPUT.md.
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../detail/suggest.hpp"
#include "../error.hpp"

namespace cskpi {

/// The columns of one input table, by role (used to check the keys that name them).
struct table_schema {
    std::string name;                     ///< "interactions", "events", "reviews"
    std::vector<std::string> columns;     ///< every column, in the table's order
    std::vector<std::string> durations;   ///< columns holding seconds
    std::vector<std::string> timestamps;  ///< columns holding instants
};

/// Seconds in one unit of a duration column; 0 for an unknown unit.
inline double seconds_per_unit(const std::string& u) {
    if (u == "s") return 1;
    if (u == "ms") return 0.001;
    if (u == "min") return 60;
    if (u == "h") return 3600;
    if (u == "hh:mm:ss")
        return 1;  // clock text is read in every duration column; numbers are seconds
    return 0;
}

struct import_options {
    std::map<std::string, std::string>
        columns;  ///< table column -> header (or dotted JSON key path)
    /// table column -> (label as exported, text it stands for; empty = missing), in config order
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> values;
    std::map<std::string, std::string> units;  ///< duration column -> unit name
    std::map<std::string, std::vector<std::string>>
        formats;                     ///< timestamp column -> strftime forms
    std::string encoding = "utf-8";  ///< utf-8, gbk, gb18030, utf-16 (any name iconv knows), or
                                     ///< auto (UTF-8 if valid, else GB18030)
    char delimiter = ',';
    bool sniff_delimiter = false;  ///< "delimiter": "auto"
    std::size_t skip_lines = 0;    ///< lines before the header (a title, a reporting period)

    /// Whether cells are rewritten before validation (values, units or formats given).
    bool adapts_cells() const { return !values.empty() || !units.empty() || !formats.empty(); }
    /// Whether the bytes must be converted before the CSV reader sees them.
    bool converts_bytes() const { return !is_utf8() || delimiter != ',' || sniff_delimiter; }
    bool is_utf8() const {
        return encoding == "utf-8" || encoding == "utf8" || encoding == "UTF-8";
    }

    /// The import keys as given (for the effective configuration echoed in reports).
    void to_json(nlohmann::ordered_json& j, bool with_columns) const {
        if (with_columns && !columns.empty()) j["columns"] = columns;
        if (!values.empty()) {
            auto& v = j["values"] = nlohmann::ordered_json::object();
            for (const auto& [c, pairs] : values) {
                v[c] = nlohmann::ordered_json::object();
                for (const auto& [label, text] : pairs)
                    v[c][label] =
                        text.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(text);
            }
        }
        if (!units.empty()) j["units"] = units;
        if (!formats.empty()) j["formats"] = formats;
        if (!is_utf8()) j["encoding"] = encoding;
        if (sniff_delimiter)
            j["delimiter"] = "auto";
        else if (delimiter != ',')
            j["delimiter"] = delimiter == '\t' ? std::string("\\t") : std::string(1, delimiter);
        if (skip_lines) j["skip_lines"] = skip_lines;
    }
};

namespace detail {

inline void check_column(const table_schema& t, const std::vector<std::string>& allowed,
                         const std::string& col, const std::string& path, const char* what) {
    for (const auto& a : allowed)
        if (a == col) return;
    throw config_error(path, std::string("not a ") + what + " column of the " + t.name + " table" +
                                 did_you_mean(col, allowed) + "; expected one of " +
                                 join_names(allowed));
}

/// Text a value-map target stands for: numbers and booleans as the reader accepts them, null
/// as a missing cell.
inline std::string value_text(const nlohmann::ordered_json& v, const std::string& path) {
    if (v.is_null()) return "";
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_number()) return v.dump();
    if (v.is_string()) return v.get<std::string>();
    throw config_error(
        path, "expected a string, number, boolean or null, actual " + std::string(v.type_name()));
}

}  // namespace detail

/// Reads the import keys of `j` (an object) for table `t`; `prefix` is the key path of `j`
/// ("" at the top level). `with_columns`: whether "columns" belongs to these options (the
/// interactions table keeps its mapping in config::columns). Other keys are left to the caller.
/// Returns whether `key` was an import key.
inline bool read_import_key(import_options& o, const std::string& key,
                            const nlohmann::ordered_json& v, const table_schema& t,
                            const std::string& prefix, bool with_columns) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    auto object = [&](const nlohmann::ordered_json& x, const std::string& p) {
        if (!x.is_object())
            throw config_error(p, "expected an object, actual " + std::string(x.type_name()));
    };
    if (key == "columns" && with_columns) {
        object(v, path);
        o.columns.clear();
        for (const auto& [c, h] : v.items()) {
            detail::check_column(t, t.columns, c, path + "." + c, "known");
            if (!h.is_string())
                throw config_error(path + "." + c, "expected a header name (string)");
            o.columns[c] = h.get<std::string>();
        }
    } else if (key == "values") {
        object(v, path);
        for (const auto& [c, m] : v.items()) {
            detail::check_column(t, t.columns, c, path + "." + c, "known");
            object(m, path + "." + c);
            auto& pairs = o.values[c];
            pairs.clear();
            for (const auto& [label, target] : m.items())
                pairs.emplace_back(label, detail::value_text(target, path + "." + c + "." + label));
        }
    } else if (key == "units") {
        object(v, path);
        for (const auto& [c, u] : v.items()) {
            detail::check_column(t, t.durations, c, path + "." + c, "duration");
            const std::string name = u.is_string() ? u.get<std::string>() : "";
            if (seconds_per_unit(name) == 0)
                throw config_error(path + "." + c,
                                   "expected one of s, ms, min, h, hh:mm:ss, actual " + u.dump());
            o.units[c] = name;
        }
    } else if (key == "formats") {
        // A list applies to every timestamp column; an object names the columns.
        auto list = [&](const nlohmann::ordered_json& x, const std::string& p) {
            if (!x.is_array() || x.empty())
                throw config_error(
                    p, "expected a non-empty list of formats such as \"%d/%m/%Y %H:%M\"");
            std::vector<std::string> out;
            for (std::size_t i = 0; i < x.size(); ++i) {
                if (!x[i].is_string() || x[i].get<std::string>().find('%') == std::string::npos)
                    throw config_error(
                        p + "[" + std::to_string(i) + "]",
                        "expected a strftime-style format with % fields, actual " + x[i].dump());
                out.push_back(x[i].get<std::string>());
            }
            return out;
        };
        if (v.is_array()) {
            const auto all = list(v, path);
            for (const auto& c : t.timestamps) o.formats[c] = all;
        } else {
            object(v, path);
            for (const auto& [c, x] : v.items()) {
                detail::check_column(t, t.timestamps, c, path + "." + c, "timestamp");
                o.formats[c] = list(x, path + "." + c);
            }
        }
    } else if (key == "encoding") {
        if (!v.is_string())
            throw config_error(
                path,
                "expected an encoding name such as \"utf-8\", \"gbk\", \"gb18030\" or \"utf-16\"");
        o.encoding = v.get<std::string>();
    } else if (key == "delimiter") {
        const std::string d = v.is_string() ? v.get<std::string>() : "";
        if (d == "auto")
            o.sniff_delimiter = true;
        else if (d == "," || d == ";" || d == "|")
            o.delimiter = d[0];
        else if (d == "\t" || d == "\\t" || d == "tab")
            o.delimiter = '\t';
        else
            throw config_error(
                path, "expected \",\", \";\", \"\\t\", \"|\" or \"auto\", actual " + v.dump());
        if (d != "auto") o.sniff_delimiter = false;
    } else if (key == "skip_lines") {
        if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > 1000)
            throw config_error(path, "expected an integer 0..1000, actual " + v.dump());
        o.skip_lines = v.get<std::size_t>();
    } else {
        return false;
    }
    return true;
}

/// The import keys, for "did you mean" and the reference.
inline const std::vector<std::string>& import_keys() {
    static const std::vector<std::string> k = {"columns",  "values",    "units",     "formats",
                                               "encoding", "delimiter", "skip_lines"};
    return k;
}

}  // namespace cskpi
