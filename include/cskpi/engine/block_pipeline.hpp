#pragma once
// The parallel pipeline every interaction input goes through: blocks handed out in input order
// are parsed on worker threads, settled in input order (duplicate ids, rejects, line numbers),
// and aggregated into each worker's own report_state; the states are merged at the end. The
// report does not depend on the thread count: only settling needs the order, and it is cheap.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../input/ingest.hpp"
#include "../input/io.hpp"
#include "report_state.hpp"
#include "run_options.hpp"

namespace cskpi::detail {

/// "rss X MB, peak Y MB" of this process (Linux), for CSKPI_TRACE lines; empty elsewhere.
inline std::string memory_trace() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return {};
    char line[256];
    long rss = 0, hwm = 0;
    while (std::fgets(line, sizeof line, f)) {
        std::sscanf(line, "VmRSS: %ld", &rss);
        std::sscanf(line, "VmHWM: %ld", &hwm);
    }
    std::fclose(f);
    return "; rss " + std::to_string(rss / 1024) + " MB, peak " + std::to_string(hwm / 1024) +
           " MB";
}

/// The index of the grouping among `bys` whose keys include every other grouping's, when there
/// are several and one is (the first such); bys.size() otherwise.
inline std::size_t finest_grouping(const std::vector<std::vector<group_key>>& bys) {
    if (bys.size() < 2) return bys.size();
    auto covers = [](const std::vector<group_key>& big, const std::vector<group_key>& small) {
        return std::all_of(small.begin(), small.end(), [&](group_key k) {
            return std::find(big.begin(), big.end(), k) != big.end();
        });
    };
    for (std::size_t f = 0; f < bys.size(); ++f)
        if (std::all_of(bys.begin(), bys.end(), [&](const auto& by) { return covers(bys[f], by); }))
            return f;
    return bys.size();
}

/// Settles one parsed block in input order: rows whose id was seen before are dropped
/// (`keep`) and rejected, parse rejects and duplicate rejects go to `ledger` by line (or stop a
/// strict run), and the accepted rows are counted.
inline void settle_block(const interaction_batch& batch, const std::vector<std::uint64_t>& hashes,
                         const std::vector<reject>& rejects, std::vector<bool>& keep,
                         id_registry& ids, reject_ledger& ledger, const run_options& opt,
                         const config& cfg, const std::string& label) {
    keep.assign(batch.size(), true);
    std::size_t kept = 0;
    std::vector<reject> dup;
    for (std::size_t r = 0; r < batch.size(); ++r) {
        if (r + 64 < batch.size()) ids.prefetch(hashes[r + 64]);  // ~64 rows cover a DRAM miss
        if (opt.timeline && opt.timeline->repeats_id(batch.line[r]))
            continue;  // its interaction's id, again
        const std::uint64_t first = ids.insert_hashed(hashes[r], batch.line[r]);
        if (first) {
            keep[r] = false;
            dup.push_back({batch.line[r], "id", clip(batch.id[r]),
                           first != UINT64_MAX
                               ? "duplicate id (first seen on line " + std::to_string(first) + ")"
                           : opt.earlier_ids ? "duplicate id (first seen in an earlier partition)"
                                             : "duplicate id"});
        } else {
            ++kept;
            if (opt.accepted_ids) opt.accepted_ids->push_back(hashes[r]);
        }
    }
    std::size_t ri = 0, di = 0;
    while (ri < rejects.size() || di < dup.size()) {
        const reject& r =
            (di >= dup.size() || (ri < rejects.size() && rejects[ri].line < dup[di].line))
                ? rejects[ri++]
                : dup[di++];
        if (cfg.strict) throw strict_error(label, r, cfg.rejects_show_values);
        ledger.rejected(r);
    }
    ledger.accepted(kept);
}

/// The states of `bys` from the threads' states (`states[t][k]`: thread t's state of the k-th
/// grouping fed): merged into the first thread's, then, when only grouping `finest` was fed
/// (finest < bys.size()), the others projected from it (for reports only: without ledgers).
inline std::vector<report_state> combine_states(std::vector<std::vector<report_state>> states,
                                                const std::vector<std::vector<group_key>>& bys,
                                                std::size_t finest, bool reports_only = false) {
    const auto nthreads = static_cast<unsigned>(states.size());
    for (unsigned t = 1; t < nthreads; ++t)
        for (std::size_t k = 0; k < states[0].size(); ++k)
            states[0][k].merge(std::move(states[t][k]), nthreads);  // frees as it goes
    for (auto& st : states[0]) st.attach_timeline(nullptr);  // the feed lives only during the run
    if (finest >= bys.size()) return std::move(states[0]);
    std::vector<report_state> all;
    for (std::size_t k = 0; k < bys.size(); ++k)
        if (k != finest)
            all.push_back(reports_only ? states[0][0].project_for_report(bys[k], nthreads)
                                       : states[0][0].project(bys[k]));
        else
            all.emplace_back();
    all[finest] = std::move(states[0][0]);
    return all;
}

/// One reading of an input through the pipeline. `make_parser()` returns a callable
/// (block, batch, rejects, ignored*) -> block_summary; each worker makes its own.
/// When one grouping holds the keys of all the others, only its state is fed and the others are
/// projected from it (one set of group states and one FCR ledger while reading).
/// Blocks cut without counting lines are numbered here, after `header_lines` lines of header.
/// A block that may split a record (input_block::may_split) and ends inside a quoted field
/// hands its open last record to the next block, which is parsed again from the record's start
/// when its turn comes: records are where the parser finds them, whatever the cuts.
template <class MakeParser>
class block_pipeline {
public:
    block_pipeline(const std::string& label, const config& cfg,
                   const std::vector<std::vector<group_key>>& bys, const run_options& opt,
                   MakeParser& make_parser, bool collect_ignored, std::uint64_t header_lines)
        : label_(label),
          cfg_(cfg),
          bys_(bys),
          opt_(opt),
          make_parser_(make_parser),
          threads_(std::max(1u, opt.threads)),
          finest_(opt.timeline && opt.timeline->has_roles() ? bys.size() : finest_grouping(bys)),
          collect_ignored_(collect_ignored),
          next_line_(header_lines) {
        ledger_.sink = opt.reject_sink;
        ledger_.show_values = cfg.rejects_show_values;
        if (opt.earlier_ids)
            for (std::uint64_t h : *opt.earlier_ids)
                ids_.insert_hashed(h, 0);  // line 0: "seen before this input"
        // One state per thread and grouping fed: every batch read feeds each (one reading).
        const std::vector<std::vector<group_key>> fed =
            finest_ < bys.size() ? std::vector<std::vector<group_key>>{bys[finest_]} : bys;
        states_.resize(threads_);
        for (auto& per_thread : states_) {
            for (const auto& by : fed) per_thread.emplace_back(cfg, by);
            for (auto& st : per_thread) {
                st.attach_timeline(opt.timeline);
                st.hold_rows(opt.hold_rows);
            }
        }
    }

    /// Reads every block `produce(block)` hands out (on the calling thread, in input order)
    /// through the workers; returns when all are aggregated, or rethrows the first error.
    template <class Produce>
    void run(Produce& produce) {
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads_; ++t) pool.emplace_back([this, t] { work(t); });
        feed(produce);
        {
            std::lock_guard lk(m_);
            done_reading_ = true;
        }
        cv_queue_.notify_all();
        cv_turn_.notify_all();
        for (auto& th : pool) th.join();
        if (error_) std::rethrow_exception(error_);
    }

    /// The input accounting (a report without groups; `ignored` = the columns ignored, when
    /// known up front) and the merged state of each grouping. Call once, after run().
    std::pair<report, std::vector<report_state>> finish(
        std::optional<std::vector<std::string>> ignored) {
        ids_ = id_registry{};  // no longer needed: free it before the memory-hungry finalize
        std::vector<report_state> result =
            combine_states(std::move(states_), bys_, finest_, opt_.reports_only);
        report rep;
        rep.input_path = label_;
        rep.rows_read = ledger_.rows_read;
        rep.rows_accepted = ledger_.rows_accepted;
        rep.rows_rejected = ledger_.rows_rejected;
        rep.rejects = std::move(ledger_.rejects);
        rep.ignored_columns = ignored ? std::move(*ignored) : seen_ignored_;
        rep.cfg = cfg_;
        rep.by = bys_.empty() ? std::vector<group_key>{} : bys_.front();
        return {std::move(rep), std::move(result)};
    }

private:
    using parser = decltype(std::declval<MakeParser&>()());
    /// A worker's buffers, reused block after block.
    struct scratch {
        explicit scratch(parser p) : parse(std::move(p)) {}
        parser parse;
        interaction_batch batch;
        std::vector<reject> rejects;
        std::vector<std::string> ignored;
        std::vector<bool> keep;
        std::vector<std::uint64_t> hashes;
        bool sized = false;
    };

    /// Hands blocks to the queue until `produce` has no more or a worker failed.
    template <class Produce>
    void feed(Produce& produce) {
        try {
            input_block b;
            while (true) {
                {
                    std::lock_guard lk(m_);
                    if (!spare_.empty()) {
                        b.bytes = std::move(spare_.back());
                        spare_.pop_back();
                    }
                }
                if (!produce(b)) break;
                std::unique_lock lk(m_);
                cv_queue_.wait(lk, [&] { return queue_.size() < 2 * threads_ || stop_; });
                if (stop_) break;
                queue_.push(std::move(b));
                lk.unlock();
                cv_queue_.notify_all();
            }
        } catch (...) {
            fail();
        }
    }

    /// A worker: take a block, parse it, settle it in its turn, aggregate it; until none is left.
    void work(unsigned t) {
        try {
            scratch s(make_parser_());
            input_block b;
            while (take(b)) {
                // Lines of a block cut without counting them: counted by the parser, in
                // parallel; numbered in input order when settled.
                block_summary sum = parse(s, b);
                std::string_view parsed = b.text();  // the bytes batch and rejects come from
                const std::size_t rows = expected_rows(b, s);
                if (!s.sized && rows) {
                    // Room for the whole input's contacts in every thread's ledger: untouched
                    // capacity costs address space, not memory, and the ledger then never copies
                    // itself to grow (nor when the states merge into the first).
                    for (auto& st : states_[t]) st.reserve(rows);
                    s.sized = true;
                }
                hash_ids(s);
                if (!settle_in_turn(s, b, sum, parsed, rows)) return;
                aggregate(t, s, b, parsed);
            }
            for (auto& st : states_[t]) st.settle();
        } catch (...) {
            fail();
        }
    }

    /// The next block of the queue; false when reading is done or the run stopped.
    bool take(input_block& b) {
        {
            std::unique_lock lk(m_);
            cv_queue_.wait(lk, [&] { return !queue_.empty() || done_reading_ || stop_; });
            if (stop_ || queue_.empty()) return false;
            b = std::move(queue_.front());
            queue_.pop();
        }
        cv_queue_.notify_all();
        return true;
    }

    block_summary parse(scratch& s, const input_block& b) {
        block_summary sum = s.parse(b, s.batch, s.rejects, collect_ignored_ ? &s.ignored : nullptr);
        if (opt_.byte_range && sum.multiline)
            throw input_error(label_, 0, "", "",
                              "a quoted field holds a line break, so a byte range of this file "
                              "may start inside a record: read the file whole");
        return sum;
    }

    /// Rows of the whole input: as the producer knows them, else estimated from this block
    /// (0 = input size unknown).
    static std::size_t expected_rows(const input_block& b, const scratch& s) {
        if (b.input_rows) return static_cast<std::size_t>(b.input_rows);
        if (!b.input_bytes || b.text().empty()) return 0;
        return static_cast<std::size_t>(
                   static_cast<double>(b.input_bytes) / static_cast<double>(b.text().size()) *
                   static_cast<double>(s.batch.size() + s.rejects.size()) * 1.05) +
               1024;
    }

    static void hash_ids(scratch& s) {
        s.hashes.resize(s.batch.size());
        for (std::size_t r = 0; r < s.batch.size(); ++r)
            s.hashes[r] = id_registry::hash(s.batch.id[r]);
    }

    /// Waits for the block's turn, then settles it: a record carried from the block before,
    /// line numbers, duplicate ids, rejects, columns ignored. False when the run stopped.
    bool settle_in_turn(scratch& s, input_block& b, block_summary& sum, std::string_view& parsed,
                        std::size_t rows) {
        {
            std::unique_lock lk(m_);
            cv_turn_.wait(lk, [&] { return next_seq_ == b.seq || stop_; });
            if (stop_) return false;
            if (b.seq == 0) ids_.reserve(rows);  // one table of the right size, no doubling
            if (carry_) {
                // The block before was cut inside a quoted field, so this one was parsed from
                // mid-record: parse it again from that record's start. Holding the turn keeps
                // the order; the lock is not needed meanwhile.
                parsed = std::string_view(
                    carry_, static_cast<std::size_t>(parsed.data() + parsed.size() - carry_));
                carry_ = nullptr;
                lk.unlock();
                input_block whole;
                whole.mapped = parsed;
                whole.lines_known = false;
                sum = parse(s, whole);
                hash_ids(s);
                lk.lock();
            }
            if (b.may_split && sum.open_tail != std::string_view::npos) {
                // Cut inside a quoted field: the open record (its "unterminated quoted field"
                // is the last reject) belongs to the next block.
                s.rejects.pop_back();
                sum.lines = sum.open_tail_line - 1;  // lines before it (numbered from 1)
                carry_ = parsed.data() + sum.open_tail;
                b.split_found();
            }
            if (!b.lines_known) {
                for (auto& l : s.batch.line) l += next_line_;
                for (auto& r : s.rejects) r.line += next_line_;
                next_line_ += sum.lines;
            }
            settle_block(s.batch, s.hashes, s.rejects, s.keep, ids_, ledger_, opt_, cfg_, label_);
            for (auto& k : s.ignored)
                if (std::find(seen_ignored_.begin(), seen_ignored_.end(), k) == seen_ignored_.end())
                    seen_ignored_.push_back(k);
            s.ignored.clear();
            ++next_seq_;
        }
        cv_turn_.notify_all();
        return true;
    }

    /// Adds the block's accepted rows to the worker's states and hands its buffer back.
    void aggregate(unsigned t, scratch& s, input_block& b, std::string_view parsed) {
        if (!std::all_of(s.keep.begin(), s.keep.end(), [](bool k) { return k; }))
            s.batch.filter(s.keep);
        if (opt_.batch_sink) opt_.batch_sink(s.batch);
        for (auto& st : states_[t]) st.update(s.batch);
        s.batch.clear();  // its views point into the block
        if (b.release) b.release(parsed);
        std::lock_guard lk(m_);
        spare_.push_back(std::move(b.bytes));
    }

    /// Records the first error and stops every thread.
    void fail() {
        std::lock_guard lk(m_);
        if (!error_) error_ = std::current_exception();
        stop_ = true;
        cv_turn_.notify_all();
        cv_queue_.notify_all();
    }

    const std::string& label_;
    const config& cfg_;
    const std::vector<std::vector<group_key>>& bys_;
    const run_options& opt_;
    MakeParser& make_parser_;
    const unsigned threads_;
    const std::size_t finest_;    ///< the grouping fed when the others are projected from it
    const bool collect_ignored_;  ///< ignored columns found row by row (not known up front)
    reject_ledger ledger_;
    id_registry ids_;
    std::vector<std::vector<report_state>> states_;  ///< [thread][grouping fed]

    std::mutex m_;  // guards everything below
    std::condition_variable cv_turn_, cv_queue_;
    std::uint64_t next_seq_ = 0;   ///< the block whose turn it is to be settled
    std::uint64_t next_line_;      ///< lines before the next block, for blocks cut without counting
    const char* carry_ = nullptr;  ///< start of a record split by a block's cut, for the next block
    std::queue<input_block> queue_;
    bool done_reading_ = false;
    std::exception_ptr error_;
    std::atomic<bool> stop_{false};
    std::vector<std::string> spare_;  ///< block buffers handed back by workers
    std::vector<std::string> seen_ignored_;
};

/// Reads the blocks `produce` hands out through a block_pipeline: one partial state per
/// grouping of `bys` and the input accounting (`ignored`: the columns ignored when known up
/// front, as from a CSV header; nullopt = collected row by row).
template <class Produce, class MakeParser>
std::pair<report, std::vector<report_state>> run_blocks_multi(
    const std::string& label, const config& cfg, const std::vector<std::vector<group_key>>& bys,
    const run_options& opt, Produce&& produce, MakeParser&& make_parser,
    std::optional<std::vector<std::string>> ignored, std::uint64_t header_lines = 0) {
    const auto t_start = std::chrono::steady_clock::now();
    block_pipeline<std::remove_reference_t<MakeParser>> pipeline(label, cfg, bys, opt, make_parser,
                                                                 !ignored, header_lines);
    pipeline.run(produce);
    const auto t_read = std::chrono::steady_clock::now();
    auto out = pipeline.finish(std::move(ignored));
    if (std::getenv("CSKPI_TRACE")) {  // phase timings for benchmarking
        auto ms = [](auto x, auto y) {
            return std::chrono::duration<double, std::milli>(y - x).count();
        };
        std::fprintf(stderr, "cskpi trace: read+aggregate %.0f ms, merge %.0f ms%s\n",
                     ms(t_start, t_read), ms(t_read, std::chrono::steady_clock::now()),
                     memory_trace().c_str());
    }
    return out;
}

}  // namespace cskpi::detail
