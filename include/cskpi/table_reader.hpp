#pragma once
// Reads small long-form tables (QA reviews, message events) from CSV or JSON Lines into text
// cells by column name. The interactions table has its own block-parallel reader (io.hpp); these
// tables are read once, row by row, with the same file rules (RFC 4180, BOM, CRLF) and the same
// reject ledger, so every row read is either handed on or listed as rejected with its reason.
#include <cstdint>
#include <deque>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "ingest.hpp"
#include "io.hpp"

namespace cskpi {

/// One record: its first line in the file and one optional cell per requested column
/// (nullopt when the column is absent from the input or the cell is empty).
struct text_record {
    std::uint64_t line = 0;
    std::vector<std::optional<std::string>> cells;
};

/// Reads a whole file; throws input_error (line 0) when it cannot be opened.
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error(path, 0, "", "", "cannot open file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::move(ss).str();
}

/// Calls `on_record(const text_record&)` for each well-formed record of `text` (CSV or JSONL),
/// with cells in the order of `columns`. Malformed records (bad quoting, wrong field count,
/// invalid JSON) go to `ledger` as rejects. `required` columns must be in the CSV header
/// (input_error otherwise); in JSONL a record lacking one is handed on with an empty cell, so
/// the caller's validation names the column.
template <class F>
void read_records(std::string_view text, input_format fmt, const std::string& path,
                  const std::vector<std::string>& columns, const std::vector<std::string>& required,
                  reject_ledger& ledger, F&& on_record) {
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    text_record rec;
    rec.cells.resize(columns.size());
    std::vector<std::string_view> fields;
    std::deque<std::string> arena;
    std::string error;
    std::uint64_t spanned = 0, line = 1;
    std::size_t p = 0;
    auto blank = [](std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; };

    if (fmt == input_format::jsonl) {
        while (p < text.size()) {
            std::size_t e = text.find('\n', p);
            if (e == std::string_view::npos) e = text.size();
            const std::string_view l = text.substr(p, e - p);
            const std::uint64_t this_line = line++;
            p = e + 1;
            if (blank(l)) continue;
            nlohmann::json j = nlohmann::json::parse(l, nullptr, false);
            if (j.is_discarded() || !j.is_object()) {
                ledger.rejected({this_line, "", detail::clip(l), "not a JSON object"});
                continue;
            }
            rec.line = this_line;
            bool ok = true;
            for (std::size_t c = 0; c < columns.size() && ok; ++c) {
                rec.cells[c].reset();
                auto it = j.find(columns[c]);
                if (it == j.end()) continue;
                auto s = detail::json_scalar_text(*it);
                if (!s) {
                    ledger.rejected({this_line, columns[c], detail::clip(it->dump()), "expected a scalar"});
                    ok = false;
                } else if (!s->empty()) {
                    rec.cells[c] = std::move(*s);
                }
            }
            if (ok) on_record(static_cast<const text_record&>(rec));
        }
        return;
    }

    // CSV header
    if (text.empty()) throw input_error(path, 1, "", "", "header: file is empty");
    p = detail::split_csv_record(text, 0, fields, arena, error, spanned);
    if (!error.empty()) throw input_error(path, 1, "", "", "header: " + error);
    const std::size_t width = fields.size();
    std::vector<std::optional<std::size_t>> where(columns.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string_view name = detail::trim(fields[i]);
        for (std::size_t c = 0; c < columns.size(); ++c)
            if (columns[c] == name) {
                if (where[c]) throw input_error(path, 1, columns[c], "", "header: column given twice");
                where[c] = i;
            }
    }
    for (const auto& r : required) {
        bool found = false;
        for (std::size_t c = 0; c < columns.size(); ++c) found |= columns[c] == r && where[c].has_value();
        if (!found) throw input_error(path, 1, r, "", "header: required column missing");
    }
    line += spanned;
    while (p < text.size()) {
        const std::uint64_t this_line = line;
        const std::size_t start = p;
        arena.clear();
        p = detail::split_csv_record(text, p, fields, arena, error, spanned);
        line += spanned;
        const std::string_view raw = text.substr(start, std::min(p, text.size()) - start);
        if (blank(raw)) continue;
        if (!error.empty()) {
            ledger.rejected({this_line, "", detail::clip(raw), error});
            continue;
        }
        if (fields.size() != width) {
            ledger.rejected({this_line, "", detail::clip(raw),
                             "expected " + std::to_string(width) + " fields, actual " + std::to_string(fields.size())});
            continue;
        }
        rec.line = this_line;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            rec.cells[c].reset();
            if (!where[c]) continue;
            const std::string_view v = detail::trim(fields[*where[c]]);
            if (!v.empty()) rec.cells[c] = std::string(v);
        }
        on_record(static_cast<const text_record&>(rec));
    }
}

}  // namespace cskpi
