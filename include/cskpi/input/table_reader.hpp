#pragma once
// Reads long-form tables (QA reviews, message events, orders) into text cells by column name,
// from CSV or JSON Lines or from columns in memory (column_table.hpp). The interactions table
// has its own block-parallel reader (io.hpp); these tables are read once, row by row, with the
// same file rules (RFC 4180, BOM, CRLF) and the same reject ledger, so every row read is either
// handed on or listed as rejected with its reason.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "../error.hpp"
#include "column_table.hpp"
#include "ingest.hpp"
#include "io.hpp"
#include "block_reader.hpp"

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

/// Parses records of one table, CSV or JSONL, in pieces: the CSV header first, then any number
/// of bodies (blocks of whole records) with the line their first byte is on. Malformed records
/// (bad quoting, wrong field count, invalid JSON) go to the ledger as rejects; the others go to
/// `on_record(const text_record&)` with cells in the order of `columns`.
class record_parser {
public:
    /// `imp` (optional) renames columns (`columns`), and rewrites cells (values, units, formats).
    record_parser(input_format fmt, std::string path, std::vector<std::string> columns,
                  std::vector<std::string> required, const import_options* imp = nullptr)
        : fmt_(fmt),
          path_(std::move(path)),
          columns_(std::move(columns)),
          required_(std::move(required)) {
        rec_.cells.resize(columns_.size());
        where_.resize(columns_.size());
        names_ = columns_;
        paths_.resize(columns_.size());
        if (imp) {
            for (std::size_t c = 0; c < columns_.size(); ++c)
                if (auto it = imp->columns.find(columns_[c]); it != imp->columns.end()) {
                    names_[c] = it->second;
                    if (it->second.find('.') != std::string::npos)
                        paths_[c] = column_mapping::split_path(it->second);
                }
            adapter_ = field_adapter(*imp, columns_);
        }
    }

    /// Reads the CSV header record. `required` columns must be there (input_error otherwise).
    void header(std::string_view line) {
        bind(detail::csv_header_names(line, path_), "header", 1, detail::clip(line));
    }

    /// Finds each requested column among `names` (a header's, or a column table's); `what` and
    /// `line` say where faults are reported, `shown` is the names as the input gave them.
    void bind(const std::vector<std::string>& names, const char* what, std::uint64_t line,
              std::string_view shown) {
        const std::string w = what;
        width_ = names.size();
        for (std::size_t i = 0; i < names.size(); ++i) {
            for (std::size_t c = 0; c < columns_.size(); ++c)
                if (names_[c] == names[i]) {
                    if (where_[c])
                        throw input_error(path_, line, names_[c], "", w + ": column given twice");
                    where_[c] = i;
                }
        }
        for (const auto& r : required_) {
            for (std::size_t c = 0; c < columns_.size(); ++c)
                if (columns_[c] == r && !where_[c].has_value())
                    throw input_error(
                        path_, line, names_[c], "",
                        w + ": required column missing" + detail::did_you_mean(names_[c], names) +
                            (names_[c] != r ? " (the configuration maps " + r + " to it)" : "") +
                            " (" + w + " has: " + std::string(shown) + ")");
        }
    }

    /// Hands on each row of `t` (bound with bind) as a record whose line is its 1-based position:
    /// cells are the text a file would hold, trimmed, empty ones absent.
    template <class F>
    void rows(const column_table& t, F&& on_record) {
        std::string text;
        for (std::size_t r = 0; r < t.rows; ++r) {
            rec_.line = r + 1;
            for (std::size_t c = 0; c < columns_.size(); ++c) {
                auto& cell = rec_.cells[c];
                cell.reset();
                if (!where_[c] || !detail::frame_cell_text(t.columns[*where_[c]], r, text))
                    continue;
                if (const std::string_view v = detail::trim(text); !v.empty()) cell.emplace(v);
            }
            if (adapter_.active()) adapter_.rewrite(rec_.cells);
            on_record(static_cast<const text_record&>(rec_));
        }
    }

    template <class F>
    void body(std::string_view text, std::uint64_t line, reject_ledger& ledger, F&& on_record) {
        auto blank = [](std::string_view s) {
            return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
        };
        std::size_t p = 0;
        if (fmt_ == input_format::jsonl) {
            while (p < text.size()) {
                std::size_t e = text.find('\n', p);
                if (e == std::string_view::npos) e = text.size();
                const std::string_view l = text.substr(p, e - p);
                const std::uint64_t this_line = line++;
                p = e + 1;
                if (blank(l)) continue;
                nlohmann::json j;
                if (auto why = detail::parse_json_record(l, j)) {
                    ledger.rejected({this_line, "", "", std::move(*why)});
                    continue;
                }
                rec_.line = this_line;
                bool ok = true;
                for (std::size_t c = 0; c < columns_.size() && ok; ++c) {
                    rec_.cells[c].reset();
                    auto it = j.find(names_[c]);
                    const nlohmann::json* v = it != j.end()       ? &*it
                                              : paths_[c].empty() ? nullptr
                                                                  : detail::find_path(j, paths_[c]);
                    if (!v) continue;
                    auto s = detail::json_scalar_text(*v);
                    if (!s) {
                        ledger.rejected(
                            {this_line, names_[c], detail::clip(v->dump()), "expected a scalar"});
                        ok = false;
                    } else if (const std::string_view t = detail::trim(*s); !t.empty()) {
                        rec_.cells[c] =
                            std::string(t);  // blanks around values are dropped as in CSV
                    }
                }
                if (ok && adapter_.active()) adapter_.rewrite(rec_.cells);
                if (ok) on_record(static_cast<const text_record&>(rec_));
            }
            return;
        }
        std::uint64_t spanned = 0;
        while (p < text.size()) {
            const std::uint64_t this_line = line;
            const std::size_t start = p;
            arena_.clear();
            p = detail::split_csv_record(text, p, fields_, arena_, error_, spanned);
            line += spanned;
            const std::string_view raw = text.substr(start, std::min(p, text.size()) - start);
            if (blank(raw)) continue;
            if (!error_.empty()) {
                ledger.rejected(
                    {this_line, "", "",
                     error_ + " (a record of " + std::to_string(raw.size()) + " bytes)"});
                continue;
            }
            if (fields_.size() != width_) {
                ledger.rejected(
                    {this_line, "", "", detail::field_count_error(width_, fields_.size(), raw)});
                continue;
            }
            if (std::memchr(raw.data(), 0, raw.size())) {
                ledger.rejected({this_line, "", "", std::string(detail::nul_in_record)});
                continue;
            }
            rec_.line = this_line;
            for (std::size_t c = 0; c < columns_.size(); ++c) {
                const std::string_view v =
                    where_[c] ? detail::trim(fields_[*where_[c]]) : std::string_view();
                auto& cell = rec_.cells[c];
                if (v.empty())
                    cell.reset();
                else if (cell)
                    cell->assign(v);  // reuses the buffer of the previous record
                else
                    cell.emplace(v);
            }
            if (adapter_.active()) adapter_.rewrite(rec_.cells);
            on_record(static_cast<const text_record&>(rec_));
        }
    }

private:
    input_format fmt_;
    std::string path_;
    std::vector<std::string> columns_, required_;
    std::vector<std::string>
        names_;  // each column's name in the file (columns_ renamed by the import options)
    std::vector<std::vector<std::string>> paths_;  // dotted JSON key paths of renamed columns
    field_adapter adapter_;
    std::vector<std::optional<std::size_t>> where_;
    std::size_t width_ = 0;
    text_record rec_;
    std::vector<std::string_view> fields_;
    std::deque<std::string> arena_;
    std::string error_;
};

/// Calls `on_record` for each well-formed record of `text` (a whole CSV or JSONL table); see
/// record_parser. In JSONL a record lacking a required column is handed on with an empty cell,
/// so the caller's validation names the column.
template <class F>
void read_records(std::string_view text, input_format fmt, const std::string& path,
                  const std::vector<std::string>& columns, const std::vector<std::string>& required,
                  reject_ledger& ledger, F&& on_record, const import_options* imp = nullptr) {
    std::string converted;
    if (imp && (imp->converts_bytes() || !detail::bom_encoding(text).empty())) {
        converted = detail::convert_bytes(std::string(text), *imp, path, fmt == input_format::csv);
        text = converted;
    }
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    record_parser parser(fmt, path, columns, required, imp);
    std::uint64_t line = 1;
    if (imp && imp->skip_lines) {
        const std::size_t p = detail::skip_lines(text, imp->skip_lines);
        line += static_cast<std::uint64_t>(
            std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(p), '\n'));
        text.remove_prefix(p);
    }
    if (fmt == input_format::csv) {
        if (text.empty()) throw input_error(path, 1, "", "", "header: file is empty");
        std::vector<std::string_view> fields;
        std::deque<std::string> arena;
        std::string error;
        std::uint64_t spanned = 0;
        const std::size_t end = detail::split_csv_record(text, 0, fields, arena, error, spanned);
        parser.header(text.substr(0, std::min(end, text.size())));
        text.remove_prefix(std::min(end, text.size()));
        line += spanned;
    }
    parser.body(text, line, ledger, on_record);
}

/// A long-form table to read: a file (streamed), a file's text already in memory, or columns in
/// memory. `name` is the path, or how errors name the input.
struct table_source {
    std::string name;
    std::optional<std::string> text;  ///< CSV or JSON Lines text (fmt says which)
    input_format fmt = input_format::csv;
    const column_table* columns = nullptr;  ///< when set, rows come from these columns

    table_source() = default;
    /// A file: a path converts to its source.
    table_source(std::string path) : name(std::move(path)), fmt(format_of(name)) {}
    table_source(const char* path) : table_source(std::string(path)) {}

    static table_source file(std::string path) { return {std::move(path)}; }
    static table_source memory(std::string name, std::string text, input_format fmt) {
        table_source s;
        s.name = std::move(name);
        s.text = std::move(text);
        s.fmt = fmt;
        return s;
    }
    static table_source memory(std::string name, const column_table& t) {
        table_source s;
        s.name = std::move(name);
        s.columns = &t;
        return s;
    }
};

/// read_records over a file read in blocks (memory-mapped when it can be): resident memory
/// stays a few blocks whatever the file's size.
template <class F>
void stream_records(const std::string& path, const std::vector<std::string>& columns,
                    const std::vector<std::string>& required, reject_ledger& ledger, F&& on_record,
                    std::size_t block_bytes = 4u << 20, const import_options& imp = {}) {
    const input_format fmt = format_of(path);
    const auto reader_ptr = detail::open_reader(path, fmt, imp, block_bytes);
    detail::block_reader& reader = *reader_ptr;
    record_parser parser(fmt, path, columns, required, &imp);
    if (fmt == input_format::csv) {
        const std::string h = reader.header();
        if (h.empty()) throw input_error(path, 1, "", "", "header: file is empty");
        parser.header(h);
    } else {
        reader.skip_bom();
    }
    input_block b;
    while (reader.next(b)) {
        parser.body(b.text(), b.first_line, ledger, on_record);
        if (b.release) b.release(b.text());
    }
}

/// Calls `on_record` for each well-formed record of `src`, whatever it holds (see read_records;
/// a file streams in blocks of `block_bytes`; rows of columns in memory are numbered from 1).
template <class F>
void for_each_record(const table_source& src, const std::vector<std::string>& columns,
                     const std::vector<std::string>& required, reject_ledger& ledger, F&& on_record,
                     const import_options& imp = {}, std::size_t block_bytes = 4u << 20) {
    if (src.columns) {
        record_parser parser(input_format::csv, src.name, columns, required, &imp);
        std::string shown;
        for (const auto& n : src.columns->names) shown += (shown.empty() ? "" : ",") + n;
        parser.bind(src.columns->names, "columns", 0, detail::clip(shown));
        parser.rows(*src.columns, on_record);
    } else if (src.text) {
        read_records(*src.text, src.fmt, src.name, columns, required, ledger, on_record, &imp);
    } else {
        stream_records(src.name, columns, required, ledger, on_record, block_bytes, imp);
    }
}

}  // namespace cskpi
