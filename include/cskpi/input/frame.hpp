#pragma once
// In-memory columnar input (a pandas DataFrame or a dict of numpy arrays seen from C++): one
// typed, borrowed column per spec column, read without copying. Rows go through the same
// row_validator as file rows (frame_row is its accessor), so every input follows one set of
// rules. "line" of a frame row is its 1-based position.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "column_table.hpp"
#include "../detail/customer_hash.hpp"
#include "ingest.hpp"
#include "../engine/run.hpp"

namespace cskpi {

/// A table of `rows` rows; the memory behind the columns must outlive the run.
struct frame {
    std::size_t rows = 0;
    std::array<frame_column, column_count> columns;
    std::vector<std::string> ignored_columns;
};

/// Row accessor of a frame (see text_row for the interface).
class frame_row {
public:
    frame_row(const frame& f, std::size_t r, const time_zone& tz) : f_(f), r_(r), tz_(tz) {}

    std::string_view text(column c) const {
        const auto& col = at(c);
        std::string_view s;
        if (col.type == frame_column::kind::strings) {
            s = col.categories[r_];
        } else if (col.type == frame_column::kind::text) {
            const std::int64_t code = col.code(r_);
            if (code >= 0) s = col.categories[static_cast<std::size_t>(code)];
        }
        return col.trimmed ? s : detail::trim(s);
    }
    std::string show(column c) const {
        const auto& col = at(c);
        if (col.type == frame_column::kind::text || col.type == frame_column::kind::strings)
            return detail::clip(text(c));
        std::string out;
        detail::frame_cell_text(col, r_, out);
        return out;
    }
    cell<micros> timestamp(column c) const {
        const auto& col = at(c);
        switch (col.type) {
            case frame_column::kind::text:
            case frame_column::kind::strings:
                return cell_from_text(text(c),
                                      [&](std::string_view s) { return parse_timestamp(s, tz_); });
            case frame_column::kind::datetime_utc:
            case frame_column::kind::datetime_local: {
                const std::int64_t ns = i64(col);
                if (ns == INT64_MIN) return {};
                const micros us = time_zone::floor_div(ns, 1000);
                const micros t = col.type == frame_column::kind::datetime_utc ? us : tz_.to_utc(us);
                if (!supported_time(t)) return {true, std::nullopt};
                return {true, t};
            }
            case frame_column::kind::float64: {  // epoch seconds
                const double v = f64(col);
                if (std::isnan(v)) return {};
                return {true, std::isfinite(v) ? std::optional<micros>(std::llround(v * 1e6))
                                               : std::nullopt};
            }
            case frame_column::kind::int64:
                return {true, i64(col) * us_per_s};
            case frame_column::kind::boolean:
                return {true, std::nullopt};
            default:
                return {};
        }
    }
    cell<double> number(column c) const {
        const auto& col = at(c);
        switch (col.type) {
            case frame_column::kind::text:
            case frame_column::kind::strings:
                return cell_from_text(text(c), [](std::string_view s) { return parse_number(s); });
            case frame_column::kind::float64: {
                const double v = f64(col);
                if (std::isnan(v)) return {};
                return {true, std::isfinite(v) ? std::optional<double>(v) : std::nullopt};
            }
            case frame_column::kind::int64:
                return {true, static_cast<double>(i64(col))};
            case frame_column::kind::absent:
                return {};
            default:
                return {true, std::nullopt};
        }
    }
    cell<std::int64_t> integer(column c) const {
        const auto& col = at(c);
        switch (col.type) {
            case frame_column::kind::text:
            case frame_column::kind::strings:
                return cell_from_text(text(c), [](std::string_view s) { return parse_integer(s); });
            case frame_column::kind::float64: {
                const double v = f64(col);
                if (std::isnan(v)) return {};
                if (std::floor(v) != v || std::fabs(v) > 9e15) return {true, std::nullopt};
                return {true, static_cast<std::int64_t>(v)};
            }
            case frame_column::kind::int64:
                return {true, i64(col)};
            case frame_column::kind::absent:
                return {};
            default:
                return {true, std::nullopt};
        }
    }
    cell<bool> boolean(column c) const {
        const auto& col = at(c);
        switch (col.type) {
            case frame_column::kind::text:
            case frame_column::kind::strings:
                return cell_from_text(text(c), [](std::string_view s) { return parse_bool(s); });
            case frame_column::kind::boolean:
                return {true, u8(col) != 0};
            case frame_column::kind::float64: {
                const double v = f64(col);
                if (std::isnan(v)) return {};
                if (v == 1.0 || v == 0.0) return {true, v == 1.0};
                return {true, std::nullopt};
            }
            case frame_column::kind::int64: {
                const auto v = i64(col);
                if (v == 1 || v == 0) return {true, v == 1};
                return {true, std::nullopt};
            }
            case frame_column::kind::absent:
                return {};
            default:
                return {true, std::nullopt};
        }
    }

private:
    const frame_column& at(column c) const { return f_.columns[static_cast<std::size_t>(c)]; }
    double f64(const frame_column& c) const { return static_cast<const double*>(c.data)[r_]; }
    std::int64_t i64(const frame_column& c) const {
        return static_cast<const std::int64_t*>(c.data)[r_];
    }
    std::uint8_t u8(const frame_column& c) const {
        return static_cast<const std::uint8_t*>(c.data)[r_];
    }
    const frame& f_;
    std::size_t r_;
    const time_zone& tz_;
};

/// Trims the categories of the frame's dictionary-encoded columns once, so that reading a row
/// takes their views as they are instead of trimming one per row and column.
inline void trim_categories(frame& f) {
    for (frame_column& col : f.columns) {
        if (col.type != frame_column::kind::text || col.trimmed) continue;
        for (std::string_view& s : col.categories) s = detail::trim(s);
        col.trimmed = true;
    }
}

namespace detail {
/// The FCR ledger's key of each category of a dictionary-encoded customer column, computed once
/// per category instead of once per row; empty for other columns.
inline std::vector<std::uint64_t> customer_keys(const frame& f, const config& cfg) {
    const auto& col = f.columns[static_cast<std::size_t>(column::customer)];
    if (col.type != frame_column::kind::text) return {};
    const customer_hasher hash(cfg.privacy_salt);
    std::vector<std::uint64_t> keys;
    keys.reserve(col.categories.size());
    for (const std::string_view s : col.categories) keys.push_back(hash(detail::trim(s)));
    return keys;
}

/// One array a frame row reads from: where it starts and the bytes a row takes in it.
struct column_stream {
    const char* base;
    std::size_t width;
};
/// The per-row arrays of the frame's columns (values, codes, a string column's views).
inline std::vector<column_stream> column_streams(const frame& f) {
    std::vector<column_stream> out;
    for (const frame_column& col : f.columns) {
        using k = frame_column::kind;
        switch (col.type) {
            case k::absent:
                break;
            case k::strings:
                out.push_back({reinterpret_cast<const char*>(col.categories.data()),
                               sizeof(std::string_view)});
                break;
            case k::text:
                out.push_back({static_cast<const char*>(col.data), col.code_bytes});
                break;
            case k::boolean:
                out.push_back({static_cast<const char*>(col.data), 1});
                break;
            default:
                out.push_back({static_cast<const char*>(col.data), 8});
        }
    }
    return out;
}
}  // namespace detail

/// Reads an in-memory frame once into a partial state per grouping of `bys`.
inline std::pair<report, std::vector<report_state>> run_partial_multi(
    const frame& f, const config& cfg, const std::vector<std::vector<group_key>>& bys,
    const run_options& opt = {}, const std::string& label = "<frame>") {
    for (column req : {column::id, column::created_at, column::channel})
        if (f.columns[static_cast<std::size_t>(req)].type == frame_column::kind::absent)
            throw input_error(label, 0, std::string(name_of(req)), "", "required column missing");
    (void)time_zone(cfg.timezone);
    const std::vector<std::uint64_t> customer_keys = detail::customer_keys(f, cfg);
    const std::vector<detail::column_stream> streams = detail::column_streams(f);
    constexpr std::size_t block_rows = 1 << 16;
    constexpr std::size_t customer_ahead = 16;
    constexpr std::size_t column_ahead = 64;
    std::size_t next_row = 0;
    std::uint64_t seq = 0;
    auto produce = [&](input_block& b) {
        if (next_row >= f.rows) return false;
        b.first_line = next_row + 1;  // rows [first_line - 1, first_line - 1 + block_rows)
        b.seq = seq++;
        b.input_rows = f.rows;  // sizes the id registry and the ledger once, no doubling
        next_row += block_rows;
        return true;
    };
    auto make_parser = [&] {
        return [&f, &customer_keys, &streams, v = row_validator(cfg)](
                   const input_block& b, interaction_batch& out, std::vector<reject>& rej,
                   std::vector<std::string>*) mutable {
            out.clear();
            rej.clear();
            const std::size_t begin = b.first_line - 1, end = std::min(f.rows, begin + block_rows);
            const auto& customer = f.columns[static_cast<std::size_t>(column::customer)];
            const bool keyed = !customer_keys.empty();
            reject why;
            for (std::size_t r = begin; r < end; ++r) {
                // A row reads some twenty arrays, more than the CPU's stream prefetchers follow
                // at once: without a hint, most cells were a cache miss.
                if ((r & 7) == 0 && r + column_ahead < end)
                    for (const auto& s : streams)
                        __builtin_prefetch(s.base + (r + column_ahead) * s.width);
                // A customer's label and key sit at random places of its category's arrays
                // (hundreds of thousands of customers): fetched some rows ahead, the two misses
                // of each row overlap with the work on the rows before it.
                if (keyed && r + customer_ahead < end) {
                    const std::int64_t c = customer.code(r + customer_ahead);
                    if (c >= 0) {
                        __builtin_prefetch(&customer.categories[static_cast<std::size_t>(c)]);
                        __builtin_prefetch(&customer_keys[static_cast<std::size_t>(c)]);
                    }
                }
                if (!v.validate_row(frame_row(f, r, v.tz()), r + 1, out, why)) {
                    rej.push_back(why);
                    continue;
                }
                if (keyed) {
                    const std::int64_t c = customer.code(r);
                    out.customer_key.push_back(c < 0 ? 0
                                                     : customer_keys[static_cast<std::size_t>(c)]);
                }
            }
            return block_summary{};  // rows are numbered by produce()
        };
    };
    return detail::run_blocks_multi(label, cfg, bys, opt, produce, make_parser, f.ignored_columns);
}

/// Reads an in-memory frame into a partial state, as run_partial does for a file.
inline std::pair<report, report_state> run_partial(const frame& f, const config& cfg,
                                                   const std::vector<group_key>& by,
                                                   const run_options& opt = {},
                                                   const std::string& label = "<frame>") {
    auto [rep, states] = run_partial_multi(f, cfg, {by}, opt, label);
    return {std::move(rep), std::move(states.front())};
}

/// One report per grouping from one pass over the frame.
inline std::vector<report> run_reports(const frame& f, const config& cfg,
                                       const std::vector<std::vector<group_key>>& bys,
                                       const run_options& opt = {},
                                       const std::string& label = "<frame>") {
    run_options o = opt;
    o.reports_only = true;
    return detail::finish_multi(run_partial_multi(f, cfg, bys, o, label), bys, opt.threads);
}

/// Computes the report of an in-memory frame. Same rules, rejects and thread invariance as
/// run_report on a file; `label` names the input in errors and the report.
inline report run_report(const frame& f, const config& cfg, const std::vector<group_key>& by,
                         const run_options& opt = {}, const std::string& label = "<frame>") {
    return detail::finish(run_partial(f, cfg, by, opt, label), opt.threads);
}

}  // namespace cskpi
