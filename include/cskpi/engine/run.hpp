#pragma once
// One call from a file to a report: read -> validate -> batches -> report_state per thread ->
// merge -> finalize. Blocks are parsed in parallel; duplicate ids and the reject ledger are
// settled in input order, so the report is byte-identical for every thread count.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <fcntl.h>
#include <iostream>
#include <memory>
#include <sstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>
#include <vector>

#include "../input/transcode.hpp"
#include "../input/io.hpp"
#include "report_state.hpp"

namespace cskpi {

namespace timeline {
struct presence_table;
}

struct run_options {
    unsigned threads = 1;
    std::size_t block_bytes = 4u << 20;
    /// Called now and then with (bytes read, total bytes or 0 when unknown).
    std::function<void(std::uint64_t, std::uint64_t)> progress;
    /// Receives every reject in line order (for --rejects FILE).
    std::function<void(const reject&)> reject_sink;
    /// Event logs: interactions derived per chunk before they go through the engine (memory
    /// holds one chunk); the report is the same for every value.
    std::size_t events_chunk_rows = 1u << 16;
    /// Distributed runs (cskpi.dask): ids (id_registry hashes) accepted by earlier partitions. A
    /// row with one of them is rejected as a duplicate, as it would be in a single run.
    const std::vector<std::uint64_t>* earlier_ids = nullptr;
    /// When set, receives the hashes of the ids this run accepted, in input order.
    std::vector<std::uint64_t>* accepted_ids = nullptr;
    /// Distributed runs: read only the records starting in bytes [first, second) of the file
    /// (block_reader::restrict_to). A record that spans lines (a quoted line break) is then an
    /// error: a range of such a file could start inside a record.
    std::optional<std::pair<std::uint64_t, std::uint64_t>> byte_range;
    /// With byte_range: receives the offset of the range's first record when its lines are
    /// numbered from 1 there (see restrict_to).
    std::optional<std::uint64_t>* range_start = nullptr;
    /// When set, sees every batch of accepted rows before it is aggregated (analyses that need
    /// rows, such as the driver model). Called from the worker threads, possibly at the same
    /// time; the batch's text views live only during the call.
    std::function<void(const interaction_batch&)> batch_sink;
    /// Event logs: the timeline facts of the frame's rows (see report_state::attach_timeline);
    /// participants' rows share their interaction's id and skip the duplicate-id rule.
    const timeline::timeline_feed* timeline = nullptr;
    /// Event logs: the agents' presence log (--presence), for messages left while nobody is
    /// online (docs/PRESENCE.md); null = presence unknown.
    const timeline::presence_table* presence = nullptr;
};

namespace detail {
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

/// Reads a file (or stdin for "-") in blocks that end on record boundaries. A regular file is
/// memory-mapped: blocks are views into the mapping (no copy), and each consumed block's pages
/// are dropped again, so resident memory stays a few blocks whatever the file size.
class block_reader {
public:
    /// count_lines = false leaves the line numbering of mapped blocks to the consumer
    /// (input_block::lines_known), which can do it in parallel. rejoins = true is for a consumer
    /// that parses across a block end found inside a quoted field (input_block::may_split,
    /// run_blocks): mapped CSV is then cut at a block's last line break without a pass over its
    /// quotes, until the first split is found. Needs count_lines = false.
    block_reader(const std::string& path, input_format fmt, std::size_t block_bytes,
                 bool count_lines = true, bool rejoins = false)
        : path_(path),
          fmt_(fmt),
          block_(block_bytes),
          count_lines_(count_lines),
          rejoins_(rejoins && !count_lines && fmt == input_format::csv) {
        if (path == "-") {
            fd_ = 0;
            return;
        }
        fd_ = ::open(path.c_str(), O_RDONLY);
        if (fd_ < 0)
            throw input_error(path, 0, "", "", std::string("cannot open: ") + std::strerror(errno));
        struct stat st {};
        if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
            total_ = map_size_ = static_cast<std::uint64_t>(st.st_size);
            void* m = ::mmap(nullptr, total_, PROT_READ, MAP_PRIVATE, fd_, 0);
            if (m != MAP_FAILED) {
                map_ = static_cast<const char*>(m);
                ::madvise(m, total_, MADV_SEQUENTIAL);
            }
        }
    }
    /// Reads `text` (an export converted in memory, see input/transcode.hpp) as a mapped file.
    block_reader(std::string text, const std::string& label, input_format fmt,
                 std::size_t block_bytes, bool count_lines = true, bool rejoins = false)
        : path_(label),
          fmt_(fmt),
          block_(block_bytes),
          count_lines_(count_lines),
          rejoins_(rejoins && !count_lines && fmt == input_format::csv),
          owned_(std::move(text)),
          owns_text_(true) {
        map_ = owned_.data();
        total_ = owned_.size();
    }
    ~block_reader() {
        if (map_ && !owns_text_) ::munmap(const_cast<char*>(map_), map_size_);
        if (fd_ > 0) ::close(fd_);
    }
    block_reader(const block_reader&) = delete;
    block_reader& operator=(const block_reader&) = delete;

    std::uint64_t bytes_read() const { return done_; }
    /// Line number of the next record (1 + lines read so far).
    std::uint64_t line() const { return line_; }
    std::uint64_t total() const { return total_; }

    /// Skips `n` lines before the header (a title or reporting period some exports put first).
    void skip_lines(std::size_t n) {
        for (std::size_t k = 0; k < n; ++k) {
            if (map_) {
                if (pos_ >= total_) return;
                const void* nl = std::memchr(map_ + pos_, '\n', total_ - pos_);
                pos_ =
                    nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - map_) + 1 : total_;
            } else {
                std::size_t e;
                while ((e = buf_.find('\n')) == std::string::npos && !eof_) fill();
                buf_.erase(0, e == std::string::npos ? buf_.size() : e + 1);
            }
            ++line_;
        }
    }

    /// Reads on only the records that start in bytes [begin, end) of the file (a record belongs
    /// to the range holding its first byte, so ranges that tile a file read each record once).
    /// Call after the header. Returns the offset of the range's first record when the range
    /// starts after the header: lines are then numbered from 1 at that record; nullopt when it
    /// starts at the header's end and lines keep counting from the file's start. Needs a mapped
    /// file read as it is (not converted from another encoding or delimiter).
    std::optional<std::uint64_t> restrict_to(std::uint64_t begin, std::uint64_t end) {
        if (!map_ || owns_text_)
            throw input_error(path_, 0, "", "",
                              "byte ranges need a regular UTF-8 file read as it is");
        auto record_start = [&](std::uint64_t x) -> std::uint64_t {
            if (x <= pos_) return pos_;
            if (x >= total_) return total_;
            if (map_[x - 1] == '\n') return x;
            const void* nl = std::memchr(map_ + x, '\n', total_ - x);
            return nl ? static_cast<std::uint64_t>(static_cast<const char*>(nl) - map_) + 1
                      : total_;
        };
        const std::uint64_t from = record_start(begin);
        const std::uint64_t to = std::max(from, record_start(end));
        const bool moved = from > pos_;
        pos_ = from;
        total_ = to;
        if (!moved) return std::nullopt;
        line_ = 1;
        return from;
    }

    /// The header record (CSV) with its line break removed; strips a UTF-8 BOM.
    std::string header() {
        if (map_) {
            skip_bom();
            std::size_t end = first_record_end(std::string_view(map_ + pos_, total_ - pos_));
            end = end == std::string::npos ? total_ - pos_ : end;
            std::string h(map_ + pos_, end);
            pos_ += end;
            line_ += std::max<std::uint64_t>(
                1, static_cast<std::uint64_t>(std::count(h.begin(), h.end(), '\n')));
            while (!h.empty() && (h.back() == '\n' || h.back() == '\r')) h.pop_back();
            return h;
        }
        fill();
        if (buf_.compare(0, 3, "\xEF\xBB\xBF") == 0) buf_.erase(0, 3);
        std::size_t end = std::string::npos;
        while (true) {
            end = first_record_end(buf_);
            if (end != std::string::npos || eof_) break;
            fill();
        }
        if (end == std::string::npos) end = buf_.size();
        std::string h = buf_.substr(0, end);
        buf_.erase(0, end);
        line_ += std::max<std::uint64_t>(
            1, static_cast<std::uint64_t>(std::count(h.begin(), h.end(), '\n')));
        while (!h.empty() && (h.back() == '\n' || h.back() == '\r')) h.pop_back();
        return h;
    }
    void skip_bom() {
        if (map_) {
            if (pos_ == 0 && total_ >= 3 && std::memcmp(map_, "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
            return;
        }
        fill();
        if (buf_.compare(0, 3, "\xEF\xBB\xBF") == 0) buf_.erase(0, 3);
    }

    /// Next block of whole records; false at the end of input. `b.bytes` may hold a recycled
    /// buffer: its capacity is reused, so steady-state reading allocates nothing.
    bool next(input_block& b) {
        if (map_) return next_mapped(b);
        while (true) {
            while (!eof_ && buf_.size() < block_) fill();
            if (buf_.empty()) return false;
            const std::size_t cut = eof_ ? buf_.size() : last_record_end(buf_, fmt_);
            if (cut == 0) {  // one record longer than the buffer: read on
                const std::size_t want = buf_.size() + block_;
                while (!eof_ && buf_.size() < want) fill();
                continue;
            }
            b.bytes.swap(buf_);
            buf_.assign(b.bytes, cut, std::string::npos);
            b.bytes.resize(cut);
            b.mapped = {};
            b.release = nullptr;
            b.first_line = line_;
            b.lines_known = true;
            b.seq = seq_++;
            line_ += static_cast<std::uint64_t>(std::count(b.bytes.begin(), b.bytes.end(), '\n'));
            return true;
        }
    }

private:
    bool next_mapped(input_block& b) {
        if (pos_ >= total_) return false;
        // Quotes are rare in exports, and the pass over them costs the reading thread a read of
        // every byte; one split found means the input has quoted line breaks: track quotes.
        const bool speculate = rejoins_ && !split_found_;
        std::size_t want = block_;
        std::size_t cut;
        while (true) {
            const std::size_t avail = total_ - pos_;
            if (want >= avail) {
                cut = avail;
                break;
            }
            const std::string_view window(map_ + pos_, want);
            if (speculate) {
                const void* nl = ::memrchr(window.data(), '\n', window.size());
                cut =
                    nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - window.data()) + 1
                       : 0;
            } else {
                cut = last_record_end(window, fmt_);
            }
            if (cut > 0) break;
            want += block_;  // one record longer than a block: look further
        }
        b.bytes.clear();
        b.mapped = std::string_view(map_ + pos_, cut);
        b.input_bytes = total_;
        b.release = !owns_text_ ? std::function<void(std::string_view)>(
                                      [this](std::string_view d) { drop_pages(d); })
                                : nullptr;
        // Quote tracking reads quotes as the parser does; the parse still checks every cut, so
        // records are where the parser finds them whichever way the block was cut.
        b.may_split = rejoins_ && pos_ + cut < total_;
        b.split_found =
            b.may_split ? std::function<void()>([this] { split_found_ = true; }) : nullptr;
        b.seq = seq_++;
        b.lines_known = count_lines_;
        if (count_lines_) {
            b.first_line = line_;
            line_ += static_cast<std::uint64_t>(std::count(b.mapped.begin(), b.mapped.end(), '\n'));
        } else {
            b.first_line = 1;
        }
        pos_ += cut;
        done_ = pos_;
        return true;
    }
    // Drops the whole pages inside a consumed block from this process (they stay in the page
    // cache).
    void drop_pages(std::string_view d) const {
        const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
        const auto lo = (reinterpret_cast<std::uintptr_t>(d.data()) + page - 1) / page * page;
        const auto hi = reinterpret_cast<std::uintptr_t>(d.data() + d.size()) / page * page;
        if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
    }
    // End of the first record (position after its '\n'), read by the parser's own quote rules
    // (a quote opens a field only at its start); npos when `s` holds no complete record yet.
    static std::size_t first_record_end(std::string_view s) {
        std::vector<std::string_view> fields;
        std::deque<std::string> arena;
        std::string error;
        std::uint64_t spanned = 0;
        const std::size_t end = split_csv_record(s, 0, fields, arena, error, spanned);
        if (error == unterminated_quote || end > s.size() || s[end - 1] != '\n')
            return std::string::npos;
        return end;
    }
    void fill() {
        if (eof_) return;
        const std::size_t old = buf_.size();
        if (buf_.capacity() < old + block_) buf_.reserve(std::max(old + block_, 2 * block_));
        buf_.resize(old + block_);
        ssize_t n;
        do {
            n = ::read(fd_, buf_.data() + old, block_);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
            throw input_error(path_, 0, "", "",
                              std::string("read failed: ") + std::strerror(errno));
        buf_.resize(old + static_cast<std::size_t>(n));
        done_ += static_cast<std::uint64_t>(n);
        if (n == 0) eof_ = true;
    }
    std::string path_;
    input_format fmt_;
    std::size_t block_;
    bool count_lines_;
    bool rejoins_;
    std::atomic<bool> split_found_{false};
    int fd_ = -1;
    std::string buf_;
    std::string owned_;  // converted text read as if mapped (never unmapped or dropped)
    bool owns_text_ = false;
    const char* map_ = nullptr;
    std::size_t pos_ = 0;
    bool eof_ = false;
    std::uint64_t line_ = 1, seq_ = 0, done_ = 0, total_ = 0, map_size_ = 0;
};

/// The whole of `path` ("-" = stdin); input_error when it cannot be read.
inline std::string read_whole(const std::string& path) {
    std::ostringstream ss;
    if (path == "-") {
        ss << std::cin.rdbuf();
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            throw input_error(path, 0, "", "", std::string("cannot open: ") + std::strerror(errno));
        ss << in.rdbuf();
    }
    return std::move(ss).str();
}

/// A block reader over `path` as `imp` says to read it: a file in another encoding or with
/// another delimiter (or UTF-16 with a byte-order mark) is converted in memory first; lines
/// before the header are skipped.
inline std::unique_ptr<block_reader> open_reader(const std::string& path, input_format fmt,
                                                 const import_options& imp, std::size_t block_bytes,
                                                 bool count_lines = true, bool rejoins = false) {
    bool convert = imp.converts_bytes();
    struct stat st {};
    if (!convert && path != "-" && ::stat(path.c_str(), &st) == 0 &&
        S_ISREG(st.st_mode)) {  // peek without consuming a pipe
        std::ifstream f(path, std::ios::binary);
        std::string head(64 * 1024, '\0');
        f.read(head.data(), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<std::size_t>(f.gcount()));
        const std::string bom = bom_encoding(head);
        // UTF-16, or lines ending in CR only (old Mac and Excel exports): converted in memory.
        convert = (!bom.empty() && bom != "utf-8") ||
                  (head.find('\n') == std::string::npos && head.find('\r') != std::string::npos);
    }
    std::unique_ptr<block_reader> r =
        convert ? std::make_unique<block_reader>(
                      convert_bytes(read_whole(path), imp, path, fmt == input_format::csv), path,
                      fmt, block_bytes, count_lines, rejoins)
                : std::make_unique<block_reader>(path, fmt, block_bytes, count_lines, rejoins);
    r->skip_lines(imp.skip_lines);
    return r;
}

}  // namespace detail

namespace detail {

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
/// (finest < bys.size()), the others projected from it.
inline std::vector<report_state> combine_states(std::vector<std::vector<report_state>> states,
                                                const std::vector<std::vector<group_key>>& bys,
                                                std::size_t finest) {
    const auto nthreads = static_cast<unsigned>(states.size());
    for (unsigned t = 1; t < nthreads; ++t)
        for (std::size_t k = 0; k < states[0].size(); ++k)
            states[0][k].merge(std::move(states[t][k]), nthreads);  // frees as it goes
    for (auto& st : states[0]) st.attach_timeline(nullptr);  // the feed lives only during the run
    if (finest >= bys.size()) return std::move(states[0]);
    std::vector<report_state> all;
    for (std::size_t k = 0; k < bys.size(); ++k)
        if (k != finest)
            all.push_back(states[0][0].project(bys[k]));
        else
            all.emplace_back();
    all[finest] = std::move(states[0][0]);
    return all;
}

/// The parallel pipeline shared by every input: `produce(block)` hands out blocks in input
/// order (on the calling thread); each worker turns a block into a batch with its own parser
/// (`make_parser()` returns a callable (block, batch, rejects, ignored*) -> block_summary);
/// duplicate ids and the reject ledger are settled block after block in input order; every
/// worker aggregates into its own report_state, and the states are merged and finalized.
/// When one grouping holds the keys of all the others, only its state is fed and the others are
/// projected from it (one set of group states and one FCR ledger while reading).
/// Blocks cut without counting lines are numbered here, after `header_lines` lines of header.
/// A block that may split a record (input_block::may_split) and ends inside a quoted field
/// hands its open last record to the next block, which is parsed again from the record's start
/// when its turn comes: records are where the parser finds them, whatever the cuts.
template <class Produce, class MakeParser>
std::pair<report, std::vector<report_state>> run_blocks_multi(
    const std::string& label, const config& cfg, const std::vector<std::vector<group_key>>& bys,
    const run_options& opt, Produce&& produce, MakeParser&& make_parser,
    std::optional<std::vector<std::string>> ignored, std::uint64_t header_lines = 0) {
    const auto t_start = std::chrono::steady_clock::now();
    const unsigned nthreads = std::max(1u, opt.threads);
    reject_ledger ledger;
    ledger.sink = opt.reject_sink;
    ledger.show_values = cfg.rejects_show_values;
    id_registry ids;
    if (opt.earlier_ids)
        for (std::uint64_t h : *opt.earlier_ids)
            ids.insert_hashed(h, 0);  // line 0: "seen before this input"
    // One state per thread and grouping fed: every batch read feeds each (one reading).
    const std::size_t finest =
        opt.timeline && opt.timeline->has_roles() ? bys.size() : finest_grouping(bys);
    const bool projected = finest < bys.size();
    const std::vector<std::vector<group_key>> fed =
        projected ? std::vector<std::vector<group_key>>{bys[finest]} : bys;
    std::vector<std::vector<report_state>> states(nthreads);
    for (unsigned i = 0; i < nthreads; ++i)
        for (const auto& by : fed) states[i].emplace_back(cfg, by);
    for (auto& per_thread : states)
        for (auto& st : per_thread) st.attach_timeline(opt.timeline);

    std::mutex m;
    std::condition_variable cv_turn, cv_queue;
    std::uint64_t next_seq = 0;
    std::uint64_t next_line =
        header_lines;             // lines before the next block, for blocks cut without counting
    const char* carry = nullptr;  // start of a record split by a block's cut, for the next block
    std::queue<input_block> queue;
    bool done_reading = false;
    std::exception_ptr error;
    std::atomic<bool> stop{false};
    std::vector<std::string> spare;         // block buffers handed back by workers
    const bool collect_ignored = !ignored;  // known up front (CSV header) or collected per row
    std::vector<std::string> seen_ignored;

    auto worker = [&](unsigned t) {
        try {
            auto parse = make_parser();
            interaction_batch batch;
            std::vector<reject> rejects;
            std::vector<std::string> local_ignored;
            std::vector<bool> keep;
            std::vector<std::uint64_t> hashes;
            bool sized = false;
            input_block b;
            while (true) {
                {
                    std::unique_lock lk(m);
                    cv_queue.wait(lk, [&] { return !queue.empty() || done_reading || stop; });
                    if (stop || queue.empty()) return;
                    b = std::move(queue.front());
                    queue.pop();
                }
                cv_queue.notify_all();
                // Lines of a block cut without counting them: counted by the parser, in
                // parallel; numbered in input order below.
                block_summary sum =
                    parse(b, batch, rejects, collect_ignored ? &local_ignored : nullptr);
                if (opt.byte_range && sum.multiline)
                    throw input_error(label, 0, "", "",
                                      "a quoted field holds a line break, so a byte range of this "
                                      "file may start inside a record: read the file whole");
                std::string_view parsed = b.text();  // the bytes batch and rejects come from
                // Rows of the whole input, estimated from this block (0 = input size unknown).
                const std::size_t expected_rows =
                    b.input_bytes && !b.text().empty()
                        ? static_cast<std::size_t>(
                              static_cast<double>(b.input_bytes) /
                              static_cast<double>(b.text().size()) *
                              static_cast<double>(batch.size() + rejects.size()) * 1.05) +
                              1024
                        : 0;
                if (!sized && expected_rows) {
                    // Room for the whole input's contacts in every thread's ledger: untouched
                    // capacity costs address space, not memory, and the ledger then never copies
                    // itself to grow (nor when the states merge into the first).
                    for (auto& st : states[t]) st.reserve(expected_rows);
                    sized = true;
                }
                auto hash_ids = [&] {
                    hashes.resize(batch.size());
                    for (std::size_t r = 0; r < batch.size(); ++r)
                        hashes[r] = id_registry::hash(batch.id[r]);
                };
                hash_ids();
                {
                    // Input order: duplicate ids and rejects are settled block after block.
                    std::unique_lock lk(m);
                    cv_turn.wait(lk, [&] { return next_seq == b.seq || stop; });
                    if (stop) return;
                    if (b.seq == 0)
                        ids.reserve(expected_rows);  // one table of the right size, no doubling
                    if (carry) {
                        // The block before was cut inside a quoted field, so this one was parsed
                        // from mid-record: parse it again from that record's start. Holding the
                        // turn keeps the order; the lock is not needed meanwhile.
                        parsed = std::string_view(
                            carry, static_cast<std::size_t>(parsed.data() + parsed.size() - carry));
                        carry = nullptr;
                        lk.unlock();
                        input_block whole;
                        whole.mapped = parsed;
                        whole.lines_known = false;
                        sum = parse(whole, batch, rejects,
                                    collect_ignored ? &local_ignored : nullptr);
                        hash_ids();
                        lk.lock();
                    }
                    if (b.may_split && sum.open_tail != std::string_view::npos) {
                        // Cut inside a quoted field: the open record (its "unterminated quoted
                        // field" is the last reject) belongs to the next block.
                        rejects.pop_back();
                        sum.lines = sum.open_tail_line - 1;  // lines before it (numbered from 1)
                        carry = parsed.data() + sum.open_tail;
                        b.split_found();
                    }
                    if (!b.lines_known) {
                        for (auto& l : batch.line) l += next_line;
                        for (auto& r : rejects) r.line += next_line;
                        next_line += sum.lines;
                    }
                    settle_block(batch, hashes, rejects, keep, ids, ledger, opt, cfg, label);
                    for (auto& k : local_ignored)
                        if (std::find(seen_ignored.begin(), seen_ignored.end(), k) ==
                            seen_ignored.end())
                            seen_ignored.push_back(k);
                    local_ignored.clear();
                    ++next_seq;
                }
                cv_turn.notify_all();
                if (!std::all_of(keep.begin(), keep.end(), [](bool k) { return k; }))
                    batch.filter(keep);
                if (opt.batch_sink) opt.batch_sink(batch);
                for (auto& st : states[t]) st.update(batch);
                batch.clear();  // its views point into the block
                if (b.release) b.release(parsed);
                std::lock_guard lk(m);
                spare.push_back(std::move(b.bytes));
            }
        } catch (...) {
            std::lock_guard lk(m);
            if (!error) error = std::current_exception();
            stop = true;
            cv_turn.notify_all();
            cv_queue.notify_all();
        }
    };

    std::vector<std::thread> pool;
    for (unsigned t = 0; t < nthreads; ++t) pool.emplace_back(worker, t);
    try {
        input_block b;
        while (true) {
            {
                std::lock_guard lk(m);
                if (!spare.empty()) {
                    b.bytes = std::move(spare.back());
                    spare.pop_back();
                }
            }
            if (!produce(b)) break;
            std::unique_lock lk(m);
            cv_queue.wait(lk, [&] { return queue.size() < 2 * nthreads || stop; });
            if (stop) break;
            queue.push(std::move(b));
            lk.unlock();
            cv_queue.notify_all();
        }
    } catch (...) {
        std::lock_guard lk(m);
        if (!error) error = std::current_exception();
        stop = true;
    }
    {
        std::lock_guard lk(m);
        done_reading = true;
    }
    cv_queue.notify_all();
    cv_turn.notify_all();
    for (auto& th : pool) th.join();
    if (error) std::rethrow_exception(error);

    const auto t_read = std::chrono::steady_clock::now();
    ids = id_registry{};  // no longer needed: free it before the memory-hungry finalize
    std::vector<report_state> result =
        combine_states(std::move(states), bys, projected ? finest : bys.size());
    report rep;
    rep.input_path = label;
    rep.rows_read = ledger.rows_read;
    rep.rows_accepted = ledger.rows_accepted;
    rep.rows_rejected = ledger.rows_rejected;
    rep.rejects = std::move(ledger.rejects);
    rep.ignored_columns = collect_ignored ? seen_ignored : *ignored;
    rep.cfg = cfg;
    rep.by = bys.empty() ? std::vector<group_key>{} : bys.front();
    if (std::getenv("CSKPI_TRACE")) {  // phase timings for benchmarking
        auto ms = [](auto x, auto y) {
            return std::chrono::duration<double, std::milli>(y - x).count();
        };
        std::fprintf(stderr, "cskpi trace: read+aggregate %.0f ms, merge %.0f ms%s\n",
                     ms(t_start, t_read), ms(t_read, std::chrono::steady_clock::now()),
                     memory_trace().c_str());
    }
    return {std::move(rep), std::move(result)};
}

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
    return detail::finish_multi(run_partial_multi(path, cfg, bys, opt), bys, opt.threads);
}

/// Reads `path` (CSV, JSON Lines, or "-" for CSV on stdin) and computes the report grouped by
/// `by`. Lenient mode records bad rows; strict mode (cfg.strict) throws input_error at the first.
/// Throws input_error for an unreadable file or a bad header, config_error for bad configuration.
inline report run_report(const std::string& path, const config& cfg,
                         const std::vector<group_key>& by, const run_options& opt = {}) {
    return detail::finish(run_partial(path, cfg, by, opt), opt.threads);
}

}  // namespace cskpi
