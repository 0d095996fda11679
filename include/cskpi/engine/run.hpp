#pragma once
// One call from a file to a report: read -> validate -> batches -> report_state per thread ->
// merge -> finalize. Blocks are parsed in parallel; duplicate ids and the reject ledger are
// settled in input order, so the report is byte-identical for every thread count.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../input/block_reader.hpp"
#include "../input/io.hpp"
#include "block_pipeline.hpp"
#include "report_state.hpp"
#include "run_options.hpp"

namespace cskpi {

namespace detail {

/// run_blocks_multi for one grouping.
template <class Produce, class MakeParser>
std::pair<report, report_state> run_blocks(const std::string& label, const config& cfg,
                                           const std::vector<group_key>& by, const run_options& opt,
                                           Produce&& produce, MakeParser&& make_parser,
                                           std::optional<std::vector<std::string>> ignored,
                                           std::uint64_t header_lines = 0) {
    auto [rep, states] = run_blocks_multi(label, cfg, {by}, opt, produce, make_parser,
                                          std::move(ignored), header_lines);
    return {std::move(rep), std::move(states.front())};
}

inline report finish(std::pair<report, report_state>&& r, unsigned threads);

/// One report per grouping from one reading: each shares the input accounting.
inline std::vector<report> finish_multi(std::pair<report, std::vector<report_state>>&& r,
                                        const std::vector<std::vector<group_key>>& bys,
                                        unsigned threads) {
    std::vector<report> out;
    for (std::size_t k = 0; k < bys.size(); ++k) {
        report head = r.first;  // accounting, rejects, config
        head.by = bys[k];
        out.push_back(finish({std::move(head), std::move(r.second[k])}, threads));
    }
    return out;
}

/// Finalizes the merged state into the report's groups.
inline report finish(std::pair<report, report_state>&& r, unsigned threads) {
    const auto t0 = std::chrono::steady_clock::now();
    r.first.groups = r.second.finalize(threads);
    r.first.warnings = warnings_of(r.first, r.second);
    if (std::getenv("CSKPI_TRACE"))
        std::fprintf(
            stderr, "cskpi trace: finalize %.0f ms%s\n",
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count(),
            memory_trace().c_str());
    return std::move(r.first);
}

/// `text` with `pad` put before every line (nlohmann's dump indents from the left margin).
inline void append_indented(std::string& out, std::string_view text, std::size_t pad) {
    for (std::size_t b = 0; b < text.size();) {
        const auto e = text.find('\n', b);
        out.append(pad, ' ').append(
            text.substr(b, e == std::string_view::npos ? text.npos : e - b + 1));
        b = e == std::string_view::npos ? text.size() : e + 1;
    }
}

/// Writes the rows of `gs` as report text (CSV rows, or JSON groups each after ",\n" unless
/// it is the report's first), rendered on up to `threads` threads a slice each, in order.
inline void write_rows(std::ostream& os, const report& head, const std::vector<report_group>& gs,
                       unsigned threads, bool as_json, bool first_chunk) {
    const bool people = is_for_people(os);
    constexpr std::size_t slice = 1024;  // rows per thread and round: the text held stays small
    const unsigned parts = std::max(1u, threads);
    std::vector<std::string> text(parts);
    for (std::size_t round = 0; round < gs.size(); round += slice * parts) {
        auto render = [&](unsigned t) {
            text[t].clear();
            const std::size_t begin = std::min(gs.size(), round + t * slice);
            for (std::size_t i = begin; i < std::min(gs.size(), begin + slice); ++i) {
                if (!as_json) {
                    head.append_csv_row(text[t], gs[i], people);
                    continue;
                }
                if (!first_chunk || i > 0) text[t] += ",\n";
                append_indented(text[t], json_text(head.group_json(gs[i]), 2), 4);
            }
        };
        const unsigned used = static_cast<unsigned>(
            std::min<std::size_t>(parts, (gs.size() - round + slice - 1) / slice));
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < used; ++t) pool.emplace_back(render, t);
        render(0);
        for (auto& th : pool) th.join();
        for (unsigned t = 0; t < used; ++t) os << text[t];
    }
}

}  // namespace detail

/// Finalizes a partial state into `os` as JSON (the text `json_text(report.to_json(), 2)` gives)
/// or CSV (`report.write_csv`), group chunk by group chunk: memory does not grow with the number
/// of groups written. Returns the report without its groups (accounting and warnings).
inline report stream_report(std::pair<report, report_state>&& r, unsigned threads, std::ostream& os,
                            bool as_json, std::size_t chunk = 1u << 14) {
    const auto t0 = std::chrono::steady_clock::now();
    report head = std::move(r.first);
    bool first = true;
    r.second.finalize_chunks(threads, chunk, [&](std::vector<report_group>&& gs) {
        if (first) {  // the overall row decides the warnings, which come before the groups
            head.groups = {gs.front()};
            head.warnings = detail::warnings_of(head, r.second);
            head.groups.clear();
            if (as_json) {
                std::string text =
                    json_text(head.to_json(), 2);  // ends with "\n  \"groups\": []\n}"
                text.erase(text.rfind("[]"));
                os << text << "[\n";
            } else {
                head.write_csv_header(os, &gs.front());
            }
        }
        detail::write_rows(os, head, gs, threads, as_json, first);
        first = false;
    });
    if (as_json) os << "\n  ]\n}\n";
    if (std::getenv("CSKPI_TRACE"))
        std::fprintf(
            stderr, "cskpi trace: finalize and write %.0f ms%s\n",
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count(),
            detail::memory_trace().c_str());
    return head;
}

/// Reads `path` once into a partial state per grouping of `bys` and the input accounting
/// (`report` without groups). Throws as run_report.
inline std::pair<report, std::vector<report_state>> run_partial_multi(
    const std::string& path, const config& cfg, const std::vector<std::vector<group_key>>& bys,
    const run_options& opt = {}) {
    const input_format fmt = path == "-" ? input_format::csv : format_of(path);
    const column_mapping map(cfg);
    (void)time_zone(cfg.timezone);  // fail early on an unknown zone
    const auto reader_ptr = detail::open_reader(path, fmt, cfg.input, opt.block_bytes,
                                                /*count_lines=*/false, /*rejoins=*/true);
    detail::block_reader& reader = *reader_ptr;
    std::vector<std::string> ignored;
    std::vector<std::optional<column>> csv_columns;
    if (fmt == input_format::csv) {
        const std::string h = reader.header();
        if (h.empty()) throw input_error(path, 0, "", "", "empty input: expected a header line");
        csv_columns = read_csv_header(h, map, path, ignored, detail::header_hint(h, cfg.input));
    } else {
        reader.skip_bom();
    }
    if (opt.byte_range) {
        const auto start = reader.restrict_to(opt.byte_range->first, opt.byte_range->second);
        if (opt.range_start) *opt.range_start = start;
    }
    auto last_progress = std::chrono::steady_clock::now();
    auto produce = [&](input_block& b) {
        if (!reader.next(b)) return false;
        if (opt.progress) {
            const auto now = std::chrono::steady_clock::now();
            if (now - last_progress > std::chrono::milliseconds(500)) {
                opt.progress(reader.bytes_read(), reader.total());
                last_progress = now;
            }
        }
        return true;
    };
    auto make_parser = [&] {
        return [p = block_parser(cfg, map, fmt, csv_columns)](
                   const input_block& b, interaction_batch& out, std::vector<reject>& rej,
                   std::vector<std::string>* ign) mutable { return p.parse(b, out, rej, ign); };
    };
    // CSV knows its ignored columns from the header; JSON Lines collects them row by row.
    return detail::run_blocks_multi(
        path, cfg, bys, opt, produce, make_parser,
        fmt == input_format::csv ? std::optional(ignored) : std::nullopt, reader.line() - 1);
}

/// Reads `path` into a partial state and its input accounting (`report` without groups),
/// not yet finalized: states of different files or machines can be merged first.
/// Throws as run_report.
inline std::pair<report, report_state> run_partial(const std::string& path, const config& cfg,
                                                   const std::vector<group_key>& by,
                                                   const run_options& opt = {}) {
    auto [rep, states] = run_partial_multi(path, cfg, {by}, opt);
    return {std::move(rep), std::move(states.front())};
}

/// One report per grouping in `bys`, from one reading of `path` (the same reports as separate
/// run_report calls, byte for byte).
inline std::vector<report> run_reports(const std::string& path, const config& cfg,
                                       const std::vector<std::vector<group_key>>& bys,
                                       const run_options& opt = {}) {
    run_options o = opt;
    o.reports_only = true;
    return detail::finish_multi(run_partial_multi(path, cfg, bys, o), bys, opt.threads);
}

/// Reads `path` (CSV, JSON Lines, or "-" for CSV on stdin) and computes the report grouped by
/// `by`. Lenient mode records bad rows; strict mode (cfg.strict) throws input_error at the first.
/// Throws input_error for an unreadable file or a bad header, config_error for bad configuration.
inline report run_report(const std::string& path, const config& cfg,
                         const std::vector<group_key>& by, const run_options& opt = {}) {
    return detail::finish(run_partial(path, cfg, by, opt), opt.threads);
}

}  // namespace cskpi
