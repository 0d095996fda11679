#pragma once
// Reading (spec section 1): CSV (RFC 4180, UTF-8 with or without BOM, LF or CRLF) and JSON Lines.
// Input is cut into blocks of whole records so blocks can be parsed on several threads; each
// record becomes an array of raw fields by spec column, ready for row_validator.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "../config/config.hpp"
#include "../detail/plain_record.hpp"
#include "../detail/suggest.hpp"
#include "../error.hpp"
#include "ingest.hpp"
#include "adapter.hpp"
#include "records.hpp"

namespace cskpi {

enum class input_format { csv, jsonl };

/// Picks the format from the file name: .jsonl/.ndjson/.json -> JSON Lines, anything else CSV.
inline input_format format_of(std::string_view path) {
    auto ends = [&](std::string_view e) {
        return path.size() >= e.size() && path.substr(path.size() - e.size()) == e;
    };
    return (ends(".jsonl") || ends(".ndjson") || ends(".json")) ? input_format::jsonl
                                                                : input_format::csv;
}

/// A run of whole records and the line number its first byte is on.
struct input_block {
    std::string bytes;        ///< owned records when the input is not mapped (stdin)
    std::string_view mapped;  ///< records inside a memory-mapped file (bytes is then empty)
    std::uint64_t first_line = 1;
    /// false: lines were not counted when the block was cut (first_line is then 1); the
    /// pipeline numbers them in input order, so reading does not make a pass of its own.
    bool lines_known = true;
    std::uint64_t seq = 0;
    std::uint64_t input_bytes =
        0;  ///< size of the whole input when known (0 = unknown): sizes memory up front
    std::uint64_t input_rows = 0;  ///< rows of the whole input when known exactly (a DataFrame)
    std::function<void(std::string_view)> release;  ///< called once the block is consumed
    /// The block may end inside a quoted field (mapped CSV, not its last block): the pipeline
    /// learns from the parse whether it does, re-parses across the cut if so, and calls
    /// `split_found`, after which the reader tracks quotes when it cuts.
    bool may_split = false;
    std::function<void()> split_found;

    /// The records. Derived on each call: a moved block's own bytes may have moved.
    std::string_view text() const { return mapped.data() ? mapped : std::string_view(bytes); }
    /// A block owning `records` that start on line `first_line`.
    static input_block of(std::string records, std::uint64_t first_line = 1) {
        input_block b;
        b.bytes = std::move(records);
        b.first_line = first_line;
        return b;
    }
};

/// Finds where the last complete record in `data` ends (one past its '\n'), reading quotes
/// as the CSV parser does from a record boundary: a quote opens a field only at the field's
/// start, a doubled quote inside is a quote, and text after a closing quote runs to the line's
/// end. Returns 0 if no record ends in `data`. Quotes are rare in exports, so it finds them
/// with memchr and tests line breaks from the end.
inline std::size_t last_record_end(std::string_view data, input_format fmt) {
    const char* s = data.data();
    const std::size_t n = data.size();
    if (fmt == input_format::jsonl) {
        const auto p = data.rfind('\n');
        return p == std::string_view::npos ? 0 : p + 1;
    }
    auto find = [&](char c, std::size_t from) {
        const void* hit = from < n ? std::memchr(s + from, c, n - from) : nullptr;
        return hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - s) : n;
    };
    std::vector<std::pair<std::size_t, std::size_t>> quoted;  // [opening quote, closing quote or n)
    for (std::size_t from = 0; (from = find('"', from)) < n;) {
        const std::size_t open = from;
        if (open > 0 && s[open - 1] != ',' && s[open - 1] != '\n') {
            from = open + 1;
            continue;
        }  // literal
        std::size_t close = find('"', open + 1);
        while (close + 1 < n && s[close + 1] == '"') close = find('"', close + 2);
        quoted.emplace_back(open, close);
        const std::size_t after = close + 1;
        if (after >= n) break;
        const bool field_ends = s[after] == ',' || s[after] == '\n' ||
                                (s[after] == '\r' && after + 1 < n && s[after + 1] == '\n');
        from = field_ends ? after : find('\n', after);
    }
    std::size_t p = n;
    while (p > 0) {
        const void* hit = ::memrchr(s, '\n', p);
        if (!hit) return 0;
        p = static_cast<std::size_t>(static_cast<const char*>(hit) - s);
        const auto next = std::upper_bound(quoted.begin(), quoted.end(), std::pair(p, n));
        if (next == quoted.begin() || std::prev(next)->second < p) return p + 1;
    }
    return 0;
}

/// Maps the input's header (CSV) or keys (JSON Lines) to spec columns through config.columns.
class column_mapping {
public:
    explicit column_mapping(const config& cfg) {
        for (std::size_t c = 0; c < column_count; ++c) {
            const std::string spec(column_names[c]);
            auto it = cfg.columns.find(spec);
            // A preset's mapping is optional: an export may lack that column.
            mapped_[c] = it != cfg.columns.end() && !cfg.preset_columns.count(spec);
            user_name_[c] = it != cfg.columns.end() ? it->second : spec;
            if (user_name_[c].find('.') != std::string::npos)
                paths_.emplace_back(static_cast<column>(c), split_path(user_name_[c]));
        }
        for (const auto& [k, v] : cfg.columns)
            if (!column_from_name(k)) {
                const std::vector<std::string> names(column_names.begin(), column_names.end());
                throw config_error("columns." + k,
                                   "unknown column" + detail::did_you_mean(k, names) +
                                       "; the input columns are " + detail::join_names(names));
            }
    }
    /// Whether config.columns renames `c` (the user named a header for it).
    bool mapped(column c) const { return mapped_[static_cast<std::size_t>(c)]; }
    /// Spec column of a user's name, or nullopt (ignored column).
    std::optional<column> find(std::string_view user) const {
        for (std::size_t c = 0; c < column_count; ++c)
            if (user_name_[c] == user) return static_cast<column>(c);
        return std::nullopt;
    }
    const std::string& user_name(column c) const { return user_name_[static_cast<std::size_t>(c)]; }
    /// Columns named by a dotted key path ("via.channel"): JSON Lines reads them inside nested
    /// objects.
    const std::vector<std::pair<column, std::vector<std::string>>>& key_paths() const {
        return paths_;
    }

    static std::vector<std::string> split_path(const std::string& p) {
        std::vector<std::string> parts;
        for (std::size_t b = 0;;) {
            const auto e = p.find('.', b);
            parts.push_back(p.substr(b, e == std::string::npos ? std::string::npos : e - b));
            if (e == std::string::npos) return parts;
            b = e + 1;
        }
    }

private:
    std::array<std::string, column_count> user_name_;
    std::vector<std::pair<column, std::vector<std::string>>> paths_;
    std::array<bool, column_count> mapped_{};
};

/// What block_parser::parse reports besides rows and rejects.
struct block_summary {
    std::uint64_t lines = 0;  ///< lines the block spans (its '\n's when it ends with one)
    /// Offset of the last record when a quoted field of it runs to the block's end, else npos:
    /// a block cut at a line break without tracking quotes ends inside that record.
    std::size_t open_tail = std::string_view::npos;
    std::uint64_t open_tail_line = 0;  ///< that record's line
    bool multiline = false;            ///< a record spans lines (a quoted line break)
};

namespace detail {

/// Parses one JSON Lines record into `obj`; the reject reason when it is not valid JSON (numbers
/// out of range, 1e400, included) or not an object. The record itself is not repeated: it may
/// hold customer ids and message text. Every table reader uses these reasons.
inline std::optional<std::string> parse_json_record(std::string_view text, nlohmann::json& obj) {
    const std::string size = "(a record of " + std::to_string(text.size()) + " bytes)";
    try {
        obj = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        return "not valid JSON " + size + ": " + e.what();
    }
    if (!obj.is_object()) return "expected a JSON object " + size;
    return std::nullopt;
}

inline constexpr std::string_view unterminated_quote = "unterminated quoted field";
inline constexpr std::string_view nul_in_record =
    "the record holds a NUL byte (binary data, or UTF-16 without a byte-order mark: set "
    "\"encoding\")";

/// Why a record has the wrong number of fields; names a carriage return inside the record,
/// which is how old Mac line ends mixed into a file show up.
inline std::string field_count_error(std::size_t want, std::size_t got, std::string_view record) {
    std::string s = "expected " + std::to_string(want) + " fields, found " + std::to_string(got);
    for (std::size_t i = 0; i + 1 < record.size(); ++i)
        if (record[i] == '\r' && record[i + 1] != '\n')
            return s + " (a carriage return inside the record: mixed line ends?)";
    return s;
}

/// Splits one CSV record starting at `p` into fields. Quoted fields with doubled quotes are
/// unescaped into `arena`. Returns the position after the record's line break; sets `error`
/// on an unterminated quote or stray text after a closing quote.
inline std::size_t split_csv_record(std::string_view data, std::size_t p,
                                    std::vector<std::string_view>& fields,
                                    std::deque<std::string>& arena, std::string& error,
                                    std::uint64_t& lines_spanned) {
    fields.clear();
    error.clear();
    lines_spanned = 1;
    const std::size_t n = data.size();
    while (true) {
        if (p < n && data[p] == '"') {
            std::size_t q = p + 1;
            bool escaped = false;
            while (true) {
                const void* hit = std::memchr(data.data() + q, '"', n - q);
                if (!hit) {
                    error = unterminated_quote;
                    for (std::size_t i = p; i < n; ++i) lines_spanned += data[i] == '\n';
                    return n;
                }
                const std::size_t e =
                    static_cast<std::size_t>(static_cast<const char*>(hit) - data.data());
                if (e + 1 < n && data[e + 1] == '"') {
                    escaped = true;
                    q = e + 2;
                    continue;
                }
                for (std::size_t i = p; i < e; ++i) lines_spanned += data[i] == '\n';
                std::string_view raw = data.substr(p + 1, e - p - 1);
                if (escaped) {
                    std::string u;
                    u.reserve(raw.size());
                    for (std::size_t i = 0; i < raw.size(); ++i) {
                        u += raw[i];
                        if (raw[i] == '"') ++i;
                    }
                    arena.push_back(std::move(u));
                    raw = arena.back();
                }
                fields.push_back(raw);
                p = e + 1;
                break;
            }
            if (p < n && data[p] == ',') {
                ++p;
                continue;
            }
            if (p >= n || data[p] == '\n') return p + 1;
            if (data[p] == '\r' && (p + 1 >= n || data[p + 1] == '\n')) return p + 2;
            error = "unexpected text after a closing quote";
            while (p < n && data[p] != '\n') ++p;
            return p + 1;
        }
        std::size_t e = p;
        while (e < n && data[e] != ',' && data[e] != '\n') ++e;
        std::string_view f = data.substr(p, e - p);
        if (e < n && data[e] == '\n' && !f.empty() && f.back() == '\r')
            f.remove_suffix(1);
        else if (e >= n && !f.empty() && f.back() == '\r')
            f.remove_suffix(1);
        fields.push_back(f);
        if (e < n && data[e] == ',') {
            p = e + 1;
            continue;
        }
        return e + 1;
    }
}

/// Text of a JSON scalar as the field parsers expect it; nullopt for objects and arrays.
inline std::optional<std::string> json_scalar_text(const nlohmann::json& v) {
    switch (v.type()) {
        case nlohmann::json::value_t::null:
            return std::string();
        case nlohmann::json::value_t::string:
            return v.get<std::string>();
        case nlohmann::json::value_t::boolean:
            return std::string(v.get<bool>() ? "true" : "false");
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float:
            return v.dump();
        default:
            return std::nullopt;
    }
}

/// The value at a key path inside nested JSON objects, or nullptr.
template <class Json>
const Json* find_path(const Json& obj, const std::vector<std::string>& parts) {
    const Json* at = &obj;
    for (const auto& k : parts) {
        if (!at->is_object()) return nullptr;
        const auto it = at->find(k);
        if (it == at->end()) return nullptr;
        at = &*it;
    }
    return at;
}

/// The trimmed field names of a CSV header record (line 1 of `path`); input_error on bad quoting.
inline std::vector<std::string> csv_header_names(std::string_view line, const std::string& path) {
    std::vector<std::string_view> fields;
    std::deque<std::string> arena;
    std::string error;
    std::uint64_t spanned = 0;
    split_csv_record(line, 0, fields, arena, error, spanned);
    if (!error.empty()) throw input_error(path, 1, "", "", "header: " + error);
    std::vector<std::string> names;
    names.reserve(fields.size());
    for (auto f : fields) names.emplace_back(trim(f));
    return names;
}

}  // namespace detail

/// Parses the CSV header record. Throws input_error when it is missing or lacks a required
/// column. Returns, per input field, the spec column it feeds (or nullopt, ignored).
inline std::vector<std::optional<column>> read_csv_header(std::string_view line,
                                                          const column_mapping& map,
                                                          const std::string& path,
                                                          std::vector<std::string>& ignored,
                                                          const std::string& hint = "") {
    std::vector<std::optional<column>> out;
    std::array<bool, column_count> seen{};
    const std::vector<std::string> names = detail::csv_header_names(line, path);
    for (const std::string& name : names) {
        const auto c = map.find(name);
        if (c) {
            if (seen[static_cast<std::size_t>(*c)])
                throw input_error(path, 1, name, "", "header: column given twice");
            seen[static_cast<std::size_t>(*c)] = true;
        } else {
            ignored.emplace_back(name);
        }
        out.push_back(c);
    }
    for (column req : {column::id, column::created_at, column::channel})
        if (!seen[static_cast<std::size_t>(req)])
            throw input_error(path, 1, map.user_name(req), "",
                              "header: required column missing" +
                                  detail::did_you_mean(map.user_name(req), names) +
                                  " (header has: " + detail::clip(line) + ")" + hint);
    // A renamed column the header lacks would leave every row without it: say so.
    for (std::size_t c = 0; c < column_count; ++c) {
        const std::string& user = map.user_name(static_cast<column>(c));
        if (map.mapped(static_cast<column>(c)) && !seen[c])
            throw input_error(path, 1, user, "",
                              "header: no column '" + user + "', which config columns." +
                                  std::string(column_names[c]) + " names" +
                                  detail::did_you_mean(user, names));
    }
    return out;
}

/// Parses every record of a block: valid rows go to `out`, the others to `rejects` (in line
/// order). Duplicate ids are not checked here (that needs input order across blocks).
class block_parser {
public:
    block_parser(const config& cfg, const column_mapping& map, input_format fmt,
                 std::vector<std::optional<column>> csv_columns)
        : validator_(cfg),
          map_(map),
          fmt_(fmt),
          csv_columns_(std::move(csv_columns)),
          ends_(csv_columns_.size()),
          adapter_(cfg.input, interactions_schema().columns) {
        for (const auto& c : csv_columns_)
            target_.push_back(
                static_cast<std::uint8_t>(c ? static_cast<std::size_t>(*c) : column_count));
    }

    /// Returns the lines the block spans, counted on the way (blocks cut without counting lines
    /// are numbered from it), and its open last record if any (block_summary).
    block_summary parse(const input_block& b, interaction_batch& out, std::vector<reject>& rejects,
                        std::vector<std::string>* new_ignored = nullptr) {
        block_summary sum;
        arena_.clear();
        out.clear();
        rejects.clear();
        std::string_view data = b.text();
        std::size_t p = 0;
        std::uint64_t line = b.first_line;
        reject why;
        const bool has_nul = std::memchr(data.data(), 0, data.size()) !=
                             nullptr;  // one pass; records checked only then
        row_validator::fields
            f{};  // CSV overwrites its mapped columns each row; the rest stay empty
        while (p < data.size()) {
            // Blank lines separate nothing and are not rows.
            if (data[p] == '\n') {
                ++p;
                ++line;
                continue;
            }
            if (data[p] == '\r' && p + 1 < data.size() && data[p + 1] == '\n') {
                p += 2;
                ++line;
                continue;
            }
            if (fmt_ == input_format::jsonl) f = {};
            const std::size_t record_start = p;
            std::uint64_t spanned = 1;
            bool ok = true;
            std::size_t count = 0;
            const std::size_t plain_end =
                fmt_ == input_format::csv
                    ? detail::split_plain_record(data, p, ends_.data(), ends_.size(), count)
                    : detail::not_plain;
            if (plain_end != detail::not_plain && count == ends_.size()) {
                for (std::size_t i = 0, start = p; i < count; start = ends_[i++] + 1)
                    if (target_[i] < column_count)
                        f[target_[i]] = std::string_view(data.data() + start, ends_[i] - start);
                if (const std::size_t last = target_[count - 1];
                    last < column_count && !f[last].empty() && f[last].back() == '\r')
                    f[last].remove_suffix(1);
                p = plain_end;
            } else if (fmt_ == input_format::csv) {
                const std::size_t start = p;
                p = detail::split_csv_record(data, p, fields_, arena_, error_, spanned);
                sum.multiline = sum.multiline || spanned > 1;
                if (!error_.empty()) {
                    if (p >= data.size() && error_ == detail::unterminated_quote) {
                        sum.open_tail = start;
                        sum.open_tail_line = line;
                    }
                    rejects.push_back({line, "", "", error_});
                    ok = false;
                } else if (fields_.size() != csv_columns_.size()) {
                    rejects.push_back(
                        {line, "", "",
                         detail::field_count_error(csv_columns_.size(), fields_.size(),
                                                   data.substr(start, p - start))});
                    ok = false;
                } else {
                    for (std::size_t i = 0; i < fields_.size(); ++i)
                        if (csv_columns_[i])
                            f[static_cast<std::size_t>(*csv_columns_[i])] = fields_[i];
                }
            } else {
                std::size_t e = data.find('\n', p);
                if (e == std::string_view::npos) e = data.size();
                std::string_view text = data.substr(p, e - p);
                if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
                p = e + 1;
                ok = parse_json_line(text, line, f, rejects, new_ignored);
            }
            if (ok && has_nul &&
                std::memchr(data.data() + record_start, 0,
                            std::min(p, data.size()) - record_start)) {
                rejects.push_back({line, "", "", std::string(detail::nul_in_record)});
                ok = false;
            }
            if (ok && adapter_.active()) {
                row_validator::fields g =
                    f;  // rewritten copy: f keeps the cells as read for the next row
                adapter_.rewrite(g, arena_);
                if (!validator_.validate(g, line, out, why)) rejects.push_back(why);
            } else if (ok && !validator_.validate(f, line, out, why)) {
                rejects.push_back(why);
            }
            line += spanned;
        }
        sum.lines = line - b.first_line;
        return sum;
    }

private:
    bool parse_json_line(std::string_view text, std::uint64_t line, row_validator::fields& f,
                         std::vector<reject>& rejects, std::vector<std::string>* new_ignored) {
        nlohmann::json obj;
        if (auto why = detail::parse_json_record(text, obj)) {
            rejects.push_back({line, "", "", std::move(*why)});
            return false;
        }
        for (const auto& [key, v] : obj.items()) {
            const auto c = map_.find(key);
            if (!c) {
                bool holds_path = false;  // "via" holds the column "via.channel"
                for (const auto& kp : map_.key_paths()) holds_path |= kp.second.front() == key;
                if (new_ignored && !holds_path) new_ignored->push_back(key);
                continue;
            }
            auto txt = detail::json_scalar_text(v);
            if (!txt) {
                rejects.push_back({line, key, detail::clip(v.dump()),
                                   "expected a string, number, boolean or null"});
                return false;
            }
            arena_.push_back(std::move(*txt));
            f[static_cast<std::size_t>(*c)] = arena_.back();
        }
        for (const auto& [c, parts] : map_.key_paths()) {
            if (!f[static_cast<std::size_t>(c)].empty()) continue;
            const nlohmann::json* v = detail::find_path(obj, parts);
            if (!v) continue;
            auto txt = detail::json_scalar_text(*v);
            if (!txt) {
                rejects.push_back({line, map_.user_name(c), detail::clip(v->dump()),
                                   "expected a string, number, boolean or null"});
                return false;
            }
            arena_.push_back(std::move(*txt));
            f[static_cast<std::size_t>(c)] = arena_.back();
        }
        return true;
    }

    row_validator validator_;
    const column_mapping& map_;
    input_format fmt_;
    std::vector<std::optional<column>> csv_columns_;
    std::vector<std::size_t> ends_;     // field ends of a plain record (detail::split_plain_record)
    std::vector<std::uint8_t> target_;  // spec column of each CSV field; column_count = ignored
    field_adapter adapter_;
    std::vector<std::string_view> fields_;
    std::deque<std::string> arena_;
    std::string error_;
};

}  // namespace cskpi
