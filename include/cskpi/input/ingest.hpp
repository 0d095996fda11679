#pragma once
// Validation: raw text fields -> typed rows of an interaction_batch, or a reject with its
// reason. Nothing is dropped silently: every row read is either accepted or recorded in the
// reject_ledger, so rows_read = rows_accepted + rows_rejected always holds.
#include <array>
#include <bitset>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <fast_float/fast_float.h>

#include "../config/config.hpp"
#include "../detail/dictionary.hpp"
#include "../detail/pages.hpp"
#include "../detail/utf8.hpp"
#include "../error.hpp"
#include "records.hpp"
#include "../time.hpp"

namespace cskpi {

/// One rejected row: where, which column, the offending text and why.
struct reject {
    std::uint64_t line = 0;
    std::string column;  ///< empty when the row as a whole is malformed
    std::string value;
    std::string reason;
    bool operator==(const reject&) const = default;
};

/// Counts every row read and keeps the first `keep` rejects (all of them go to `sink` if set).
class reject_ledger {
public:
    static constexpr std::size_t keep = 1000;
    std::uint64_t rows_read = 0, rows_accepted = 0, rows_rejected = 0;
    std::vector<reject> rejects;              ///< the first `keep` rejects, in line order
    std::function<void(const reject&)> sink;  ///< optional: receives every reject
    bool show_values = true;                  ///< rejects.show_values: false drops every value

    void accepted(std::uint64_t n = 1) {
        rows_read += n;
        rows_accepted += n;
    }
    void rejected(reject r) {
        if (!show_values) r.value.clear();
        ++rows_read;
        ++rows_rejected;
        if (rejects.size() < keep) rejects.push_back(r);
        if (sink) sink(r);
    }
};

/// The error strict mode stops with for reject `r` (its value left out when values are hidden).
inline input_error strict_error(const std::string& path, const reject& r, bool show_values) {
    return input_error(path, r.line, r.column, show_values ? r.value : std::string(), r.reason);
}

namespace detail {
[[gnu::noinline]] inline std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}
/// `s` without leading blanks and trailing blanks or '\r'. The usual case, nothing to trim, is
/// a test small enough to inline at every field read.
inline std::string_view trim(std::string_view s) {
    if (s.empty() ||
        (s.front() != ' ' && s.front() != '\t' && static_cast<unsigned char>(s.back()) > ' '))
        return s;
    return trim_blanks(s);
}
/// Equal ignoring ASCII case (other bytes compare as they are).
inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}
/// Keeps reject values readable: at most 200 bytes, never cutting a UTF-8 sequence, and bytes
/// that are not UTF-8 (a file in another encoding) shown as U+FFFD, so messages stay UTF-8.
inline std::string clip(std::string_view v) {
    std::string out;
    bool cut = false;
    if (v.size() > 200) {
        std::size_t n = 200;
        while (n > 0 && (static_cast<unsigned char>(v[n]) & 0xC0) == 0x80) --n;
        v = v.substr(0, n);
        cut = true;
    }
    for (std::size_t i = 0; i < v.size();) {
        std::size_t n = utf8_lead_length(static_cast<unsigned char>(v[i]));
        if (n > 1 && utf8_continuations(v, i, n) != n - 1) n = 0;
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(v.substr(i, n));
            i += n;
        }
    }
    return cut ? out + "..." : out;
}
}  // namespace detail

/// Parses a section-1 boolean: 1/0, true/false, yes/no, y/n, t/f (any case), 是/否.
inline std::optional<bool> parse_bool(std::string_view s) {
    using detail::iequals;
    s = detail::trim(s);
    if (s.size() == 1 && (s[0] == '0' || s[0] == '1')) return s[0] == '1';  // the common case
    if (s == "1" || iequals(s, "true") || iequals(s, "yes") || iequals(s, "y") || iequals(s, "t") ||
        s == "\xE6\x98\xAF")
        return true;
    if (s == "0" || iequals(s, "false") || iequals(s, "no") || iequals(s, "n") || iequals(s, "f") ||
        s == "\xE5\x90\xA6")
        return false;
    return std::nullopt;
}

/// Parses a finite decimal number (fast_float).
inline std::optional<double> parse_number(std::string_view s) {
    s = detail::trim(s);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    double v = 0;
    const auto r = fast_float::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

/// Parses an integer; an integral decimal such as "4.0" (pandas writes those) is accepted.
inline std::optional<std::int64_t> parse_integer(std::string_view s) {
    s = detail::trim(s);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    std::int64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return v;
    const auto d = parse_number(s);
    if (d && std::floor(*d) == *d && std::fabs(*d) < 9e15) return static_cast<std::int64_t>(*d);
    return std::nullopt;
}

/// Parses a clock duration "H:MM:SS" or "H:MM:SS.f" (hours of any length) into seconds: how
/// helpdesk exports write handling and response times. nullopt for anything else.
inline std::optional<double> parse_clock_duration(std::string_view s) {
    s = detail::trim(s);
    const auto c1 = s.find(':');
    if (c1 == std::string_view::npos || c1 == 0) return std::nullopt;
    const auto c2 = s.find(':', c1 + 1);
    if (c2 != c1 + 3 || s.size() < c2 + 3) return std::nullopt;
    const auto h = parse_integer(s.substr(0, c1));
    const auto m = parse_integer(s.substr(c1 + 1, 2));
    const auto sec = parse_number(s.substr(c2 + 1));
    if (!h || !m || !sec || *h < 0 || *m > 59 || *sec < 0 || *sec >= 60 || s[c2 + 1] == '+' ||
        s[c2 + 1] == '-' || s.substr(c2 + 1).size() < 2 || s[c2 + 2] == '.')
        return std::nullopt;
    return static_cast<double>(*h) * 3600 + static_cast<double>(*m) * 60 + *sec;
}

/// Seconds (double) -> microseconds, rounded to the nearest microsecond.
inline micros seconds_to_us(double s) {
    return static_cast<micros>(std::llround(s * 1e6));
}

/// A cell read from a row: absent (missing), present with a value, or present but unparsable.
template <class T>
struct cell {
    bool present = false;
    std::optional<T> value;
};

/// A cell from text: missing when empty, else the result of `parse` (nullopt = unparsable).
template <class F>
auto cell_from_text(std::string_view s, F&& parse)
    -> cell<typename decltype(parse(std::string_view{}))::value_type> {
    if (s.empty()) return {};
    return {true, parse(s)};
}

/// Row accessor over raw text fields (CSV, JSON Lines): every typed read parses the text.
/// Other sources (typed DataFrame columns) provide the same members; row_validator::validate
/// is written once against this interface, so every source follows the same rules.
class text_row {
public:
    using fields = std::array<std::string_view, column_count>;
    text_row(const fields& f, const time_zone& tz) : f_(f), tz_(tz) {}
    /// Trimmed text; empty = missing.
    std::string_view text(column c) const { return detail::trim(f_[static_cast<std::size_t>(c)]); }
    /// The cell as the user wrote it, for reject messages.
    std::string show(column c) const { return detail::clip(text(c)); }
    cell<micros> timestamp(column c) const {
        return cell_from_text(text(c), [&](std::string_view s) { return parse_timestamp(s, tz_); });
    }
    cell<double> number(column c) const {
        return cell_from_text(text(c), [](std::string_view s) { return parse_number(s); });
    }
    cell<std::int64_t> integer(column c) const {
        const std::string_view s = text(c);
        // Ratings and counts are mostly one or two digits: read them without the general parser.
        if (s.size() == 1 && unsigned(s[0] - '0') <= 9) return {true, s[0] - '0'};
        if (s.size() == 2 && unsigned(s[0] - '0') <= 9 && unsigned(s[1] - '0') <= 9)
            return {true, (s[0] - '0') * 10 + (s[1] - '0')};
        return cell_from_text(s, [](std::string_view t) { return parse_integer(t); });
    }
    cell<bool> boolean(column c) const {
        const std::string_view s = text(c);
        if (s.size() == 1 && (s[0] == '0' || s[0] == '1'))
            return {true, s[0] == '1'};  // the usual flag
        return cell_from_text(s, [](std::string_view t) { return parse_bool(t); });
    }

private:
    const fields& f_;
    const time_zone& tz_;
};

/// Converts one row into a typed batch row, or explains why not (section 1 rules).
/// Holds no per-row state, so one per thread can run in parallel (it keeps a time_zone cache).
class row_validator {
public:
    using fields = text_row::fields;

    explicit row_validator(const config& cfg)
        : cfg_(cfg),
          tz_(cfg.timezone),
          csat_range_(std::to_string(cfg.csat_min) + ".." + std::to_string(cfg.csat_max)),
          ces_range_(std::to_string(cfg.ces_min) + ".." + std::to_string(cfg.ces_max)),
          short_abandon_(seconds_to_us(cfg.staffing.short_abandon_s)) {}

    /// Validates raw text fields (an empty field is missing).
    bool validate(const fields& f, std::uint64_t line, interaction_batch& out, reject& why) {
        return validate_row(text_row(f, tz_), line, out, why);
    }

    /// Appends the row to `out` and returns true, or fills `why` and returns false. `Row` is a
    /// row accessor with the members of text_row. String views it returns must outlive `out`.
    template <class Row>
    bool validate_row(const Row& row, std::uint64_t line, interaction_batch& out, reject& why) {
        auto fail = [&](column c, std::string value, std::string reason) {
            why.line = line;
            why.column = std::string(name_of(c));
            why.value = std::move(value);
            why.reason = std::move(reason);
            return false;
        };
        for (column c : {column::id, column::created_at, column::channel})
            if (row.text(c).empty() && !row.timestamp(c).present)
                return fail(c, "", "missing required value");
        const std::string_view id = row.text(column::id);
        const std::string_view channel = row.text(column::channel);
        const auto created_cell = row.timestamp(column::created_at);
        if (!created_cell.value)
            return fail(column::created_at, row.show(column::created_at),
                        timestamp_error(row.show(column::created_at), tz_));
        const micros created = *created_cell.value;

        micros frt = missing_us, res = missing_us, handle = missing_us;
        std::optional<micros> resolved_at;
        micros wait = missing_us;  // abandoned_at - created_at, else wait_s: the short-abandon rule
        micros rated = missing_us;
        for (column c : {column::first_response_at, column::resolved_at, column::abandoned_at,
                         column::rated_at}) {
            const auto t = row.timestamp(c);
            if (!t.present) continue;
            if (!t.value) return fail(c, row.show(c), timestamp_error(row.show(c), tz_));
            if (*t.value < created) return fail(c, row.show(c), "before created_at");
            if (c == column::first_response_at)
                frt = *t.value - created;
            else if (c == column::resolved_at)
                resolved_at = *t.value;
            else if (c == column::rated_at)
                rated = *t.value - created;
            else
                wait = *t.value - created;
        }
        auto seconds = [&](column c, micros& out_us) -> bool {
            auto v = row.number(c);
            if (!v.present) return true;
            if (!v.value) v.value = parse_clock_duration(row.text(c));
            if (!v.value) return fail(c, row.show(c), "not a number of seconds or H:MM:SS");
            if (*v.value < 0 || *v.value > max_duration_s)
                return fail(c, row.show(c),
                            "out of range: expected 0..3155760000 seconds (100 years)");
            out_us = seconds_to_us(*v.value);
            return true;
        };
        micros frt_col = missing_us, res_col = missing_us, wait_col = missing_us;
        if (!seconds(column::first_response_s, frt_col)) return false;
        if (!seconds(column::resolution_s, res_col)) return false;
        if (!seconds(column::handle_s, handle)) return false;
        if (!seconds(column::wait_s, wait_col)) return false;
        if (frt == missing_us) frt = frt_col;
        if (wait == missing_us) wait = wait_col;

        std::uint16_t flags = 0;
        auto flag = [&](column c, row_flag bit) -> bool {
            const auto b = row.boolean(c);
            if (!b.present) return true;
            if (!b.value)
                return fail(c, row.show(c),
                            "not a boolean (1/0, true/false, yes/no, y/n, t/f, 是/否)");
            if (*b.value) flags |= bit;
            return true;
        };
        if (!flag(column::abandoned, f_abandoned) || !flag(column::transferred, f_transferred) ||
            !flag(column::bot, f_bot) || !flag(column::complaint, f_complaint) ||
            !flag(column::dispute, f_dispute) || !flag(column::refund, f_refund) ||
            !flag(column::converted, f_converted) || !flag(column::survey_sent, f_survey_sent))
            return false;
        if (row.boolean(column::survey_sent).present) flags |= f_survey_known;
        if ((flags & f_abandoned) && wait != missing_us && wait <= short_abandon_for(channel))
            flags |= f_short_abandoned;
        {
            bool resolved = resolved_at.has_value() || res_col != missing_us;
            const auto b = row.boolean(column::resolved);
            if (b.present) {
                if (!b.value)
                    return fail(column::resolved, row.show(column::resolved),
                                "not a boolean (1/0, true/false, yes/no, y/n, t/f, 是/否)");
                resolved = *b.value;
            }
            if (resolved) {
                flags |= f_resolved;
                res = resolved_at ? *resolved_at - created : res_col;
            }
        }
        auto integer = [&](column c, std::int64_t lo, std::int64_t hi, std::int32_t& out_v,
                           const char* range) -> bool {
            out_v = missing_int;
            const auto v = row.integer(c);
            if (!v.present) return true;
            if (!v.value) return fail(c, row.show(c), "not an integer");
            if (*v.value < lo || *v.value > hi)
                return fail(c, row.show(c), std::string("out of range: expected ") + range);
            out_v = static_cast<std::int32_t>(*v.value);
            return true;
        };
        std::int32_t reopened, contacts, csat, nps, ces, replies;
        if (!integer(column::reopened, 0, INT32_MAX, reopened, "an integer >= 0") ||
            !integer(column::replies, 0, INT32_MAX, replies, "an integer >= 0") ||
            !integer(column::contacts, 1, INT32_MAX, contacts, "an integer >= 1") ||
            !integer(column::csat, cfg_.csat_min, cfg_.csat_max, csat, csat_range_.c_str()) ||
            !integer(column::nps, 0, 10, nps, "0..10") ||
            !integer(column::ces, cfg_.ces_min, cfg_.ces_max, ces, ces_range_.c_str()))
            return false;
        std::int64_t order_value = missing_us;
        if (const auto v = row.number(column::order_value); v.present) {
            if (!v.value)
                return fail(column::order_value, row.show(column::order_value), "not a number");
            if (*v.value < 0 || *v.value > max_order_value)
                return fail(column::order_value, row.show(column::order_value),
                            "out of range: expected 0..1e12");
            order_value = std::llround(*v.value * static_cast<double>(money_scale));
        }

        out.push_back({.line = line,
                       .id = id,
                       .channel = channel,
                       .agent = row.text(column::agent),
                       .team = row.text(column::team),
                       .customer = row.text(column::customer),
                       .category = row.text(column::category),
                       .priority = row.text(column::priority),
                       .created_at = created,
                       .frt = frt,
                       .resolution = res,
                       .handle = handle,
                       .flags = flags,
                       .reopened = reopened == missing_int ? 0 : reopened,
                       .contacts = contacts,
                       .csat = csat,
                       .nps = nps,
                       .ces = ces,
                       .order_value = order_value,
                       .replies = replies,
                       .rated = rated});
        return true;
    }

    const time_zone& tz() const noexcept { return tz_; }

private:
    // Abandoned rows only: staffing.short_abandon_s, or the channel's own.
    micros short_abandon_for(std::string_view channel) const {
        const auto& chans = cfg_.staffing.channels;
        if (chans.empty()) return short_abandon_;
        const auto it = chans.find(channel);
        return it == chans.end() || !it->second.short_abandon_s
                   ? short_abandon_
                   : seconds_to_us(*it->second.short_abandon_s);
    }

    const config& cfg_;
    time_zone tz_;
    std::string csat_range_, ces_range_;
    micros short_abandon_;  ///< staffing.short_abandon_s
};

/// Remembers every id seen (as a 64-bit hash with the line it was first seen on) so later
/// repeats are rejected. Sequential by design: "first occurrence wins" needs input order.
/// Two different ids collide with probability about n^2/2^65 (3e-6 at ten million ids).
class id_registry {
public:
    /// Returns 0 if `id` is new (and records it), else the line where it was first seen
    /// (or UINT64_MAX if that line is unknown).
    std::uint64_t insert(std::string_view id, std::uint64_t line) {
        return insert_hashed(hash(id), line);
    }
    /// insert() with the hash computed beforehand (outside a lock, in parallel).
    std::uint64_t insert_hashed(std::uint64_t h, std::uint64_t line) {
        if ((size_ + 1) * 20 > capacity() * 17) rehash(lines_.empty() ? 1024 : capacity() * 2);
        for (std::size_t i = home(h);; i = i + 1 == lines_.size() ? 0 : i + 1) {
            bucket& b = lines_[i];
            for (slot& x : b.s) {
                if (x.empty()) {
                    x = slot::of(h, line <= UINT32_MAX ? line : 0);
                    ++size_;
                    return 0;
                }
                if (x.hash() == h) return x.line ? x.line : UINT64_MAX;
            }
        }
    }
    /// Expects about `n` ids: sizes the table once (load 0.8) instead of doubling up to it.
    void reserve(std::size_t n) {
        const std::size_t cap = n + n / 4;
        if (cap > capacity()) rehash(cap);
    }
    /// Hints the CPU to fetch the cache line of hash `h` (hides cache misses in a batch of
    /// inserts).
    void prefetch(std::uint64_t h) const {
        if (!lines_.empty()) __builtin_prefetch(&lines_[home(h)]);
    }
    std::size_t size() const noexcept { return size_; }
    static std::uint64_t hash(std::string_view s) {
        const std::uint64_t h = detail::hash_bytes(s);
        return h ? h : 1;  // 0 marks an empty slot
    }

private:
    // 12 bytes: the hash and its line share a cache line (one miss per new id, not two).
    struct slot {
        std::uint32_t lo, hi, line;
        static slot of(std::uint64_t h, std::uint64_t line) {
            return {static_cast<std::uint32_t>(h), static_cast<std::uint32_t>(h >> 32),
                    static_cast<std::uint32_t>(line)};
        }
        std::uint64_t hash() const { return std::uint64_t{hi} << 32 | lo; }
        bool empty() const { return (lo | hi) == 0; }
    };
    // Five slots to a 64-byte cache line, probed line after line: at load 0.8 an insert nearly
    // always ends in its home line, the one prefetched. (Probing slot after slot, an insert
    // read ~13 slots at that load, spilling into lines that were not prefetched.)
    struct alignas(64) bucket {
        slot s[5];
    };
    static_assert(sizeof(bucket) == 64);
    std::size_t capacity() const noexcept { return lines_.size() * 5; }
    // Line of a hash in a table of any size (Lemire's multiply-shift range reduction).
    std::size_t home(std::uint64_t h) const {
        __extension__ using u128 = unsigned __int128;
        return static_cast<std::size_t>((static_cast<u128>(h) * lines_.size()) >> 64);
    }
    void rehash(std::size_t cap) {
        detail::zeroed_pages<bucket> old = std::move(lines_);
        lines_ = detail::zeroed_pages<bucket>((cap + 4) / 5);
        size_ = 0;
        for (std::size_t j = 0; j < old.size(); ++j)
            for (const slot& x : old[j].s)
                if (!x.empty()) place(x);
    }
    void place(const slot& x) {
        for (std::size_t i = home(x.hash());; i = i + 1 == lines_.size() ? 0 : i + 1)
            for (slot& y : lines_[i].s)
                if (y.empty()) {
                    y = x;
                    ++size_;
                    return;
                }
    }
    detail::zeroed_pages<bucket> lines_;
    std::size_t size_ = 0;
};

}  // namespace cskpi
