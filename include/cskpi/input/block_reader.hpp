#pragma once
// The block source of every text input: a file memory-mapped (or stdin, or text converted in
// memory) handed out in blocks that end on record boundaries, each block's pages dropped once
// consumed.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "../error.hpp"
#include "import_options.hpp"
#include "io.hpp"
#include "transcode.hpp"

namespace cskpi {

namespace detail {
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

}  // namespace cskpi
