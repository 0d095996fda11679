#pragma once
// Instants are int64 microseconds since the Unix epoch (UTC). Durations are int64 microseconds.
// Integers keep sums exact, so reports are identical whatever the thread count or merge order.
#include <chrono>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

// date::parse trips GCC 12's -Wmaybe-uninitialized inside date.h (a false positive); GCC
// attributes it to the header, so the pragma must surround the include: cskpi headers take
// date.h from here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <date/date.h>
#include <date/iso_week.h>
#include <date/tz.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "detail/suggest.hpp"

namespace cskpi {

using micros = std::int64_t;
inline constexpr micros us_per_s = 1'000'000;
inline constexpr micros missing_us = std::numeric_limits<micros>::min();  ///< "no value" sentinel

class time_zone;
namespace detail {
inline std::optional<micros> parse_fixed_timestamp(std::string_view s, const time_zone& tz);
}

namespace detail {
inline bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        const char c = s[i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

/// Seconds east of UTC of a fixed-offset zone name: "+08:00", "+0800", "+8", "-05:30", with an
/// optional "UTC" or "GMT" before the sign ("UTC+8"); nullopt for anything else.
inline std::optional<std::int64_t> fixed_offset_seconds(std::string_view s) {
    if (s.substr(0, 3) == "UTC" || s.substr(0, 3) == "GMT") s.remove_prefix(3);
    if (s.empty() || (s[0] != '+' && s[0] != '-')) return std::nullopt;
    const int sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
    int h = 0, m = 0;
    const auto colon = s.find(':');
    const bool ok = colon != std::string_view::npos
                        ? (colon == 1 || colon == 2) && s.size() == colon + 3 &&
                              digits(s, 0, colon, h) && digits(s, colon + 1, 2, m)
                    : s.size() == 4 ? digits(s, 0, 2, h) && digits(s, 2, 2, m)
                                    : (s.size() == 1 || s.size() == 2) && digits(s, 0, s.size(), h);
    if (!ok || h > 14 || m > 59) return std::nullopt;
    return sign * (h * 3600 + m * 60);
}
}  // namespace detail

/// An IANA time zone with a one-entry cache of the current offset period, so converting rows
/// that lie close in time costs a comparison, not a search (and of the last date parsed in it,
/// see detail::parse_fixed_timestamp). Copy one per thread (the caches are not shared). "UTC"
/// (the default) and fixed offsets ("+08:00", "UTC+8") need no tz database.
class time_zone {
public:
    time_zone() = default;
    /// Throws std::invalid_argument when `name` is neither an IANA zone nor a fixed offset.
    explicit time_zone(const std::string& name) : name_(name) {
        if (name == "UTC" || name == "Etc/UTC") return;
        if (const auto off = detail::fixed_offset_seconds(name)) {
            off_ = *off;  // no zone_: the offset never changes
            return;
        }
        try {
            zone_ = date::locate_zone(name);
        } catch (const std::exception&) {
            std::vector<std::string> names;
            try {
                for (const auto& z : date::get_tzdb().zones) names.emplace_back(z.name());
            } catch (const std::exception&) {  // no database: no suggestion
            }
            throw std::invalid_argument(
                "unknown time zone '" + name + "'" + detail::did_you_mean(name, names) +
                " (IANA names such as Asia/Shanghai, UTC, or a fixed offset such as +08:00)");
        }
    }
    const std::string& name() const noexcept { return name_; }
    bool is_utc() const noexcept { return zone_ == nullptr && off_ == 0; }

    /// UTC offset in seconds at the instant `utc_s` (seconds since epoch).
    std::int64_t offset_at_utc(std::int64_t utc_s) const {
        if (!zone_) return off_;  // UTC or a fixed offset
        if (utc_s < begin_ || utc_s >= end_) refresh(utc_s);
        return off_;
    }
    /// Local wall-clock microseconds for a UTC instant.
    micros to_local(micros utc) const {
        return utc + offset_at_utc(floor_div(utc, us_per_s)) * us_per_s;
    }
    /// UTC instant for a local wall-clock time. Ambiguous times (DST fall-back) take the earlier
    /// instant; nonexistent times (spring-forward gap) move to the transition, as pandas'
    /// tz_localize(ambiguous=True, nonexistent="shift_forward").
    micros to_utc(micros local) const {
        if (!zone_) return local - off_ * us_per_s;
        const std::int64_t ls = floor_div(local, us_per_s);
        // Inside the cached period and a day away from its edges the offset is unique.
        const std::int64_t guess = ls - off_;
        if (guess >= begin_ + 86400 && guess < end_ - 86400) return local - off_ * us_per_s;
        using namespace std::chrono;
        const auto info = zone_->get_info(date::local_seconds{seconds{ls}});
        switch (info.result) {
            case date::local_info::unique:
            case date::local_info::ambiguous: {
                const micros utc = local - info.first.offset.count() * us_per_s;
                refresh(floor_div(utc, us_per_s));
                return utc;
            }
            default: {  // nonexistent: the instant of the transition
                const micros utc = info.first.end.time_since_epoch().count() * us_per_s;
                refresh(info.first.end.time_since_epoch().count());
                return utc;
            }
        }
    }

    /// to_utc() for a whole second of local time (no division on the cached path).
    micros to_utc_seconds(std::int64_t local_s) const {
        if (!zone_) return (local_s - off_) * us_per_s;
        const std::int64_t guess = local_s - off_;
        if (guess >= begin_ + 86400 && guess < end_ - 86400) return guess * us_per_s;
        return to_utc(local_s * us_per_s);
    }

    /// Whether the UTC offset stays the same over the instants [a_s, b_s] (seconds): no
    /// transition lies between them.
    bool constant_offset(std::int64_t a_s, std::int64_t b_s) const {
        if (!zone_) return true;
        if (a_s < begin_ || a_s >= end_) refresh(a_s);
        return b_s < end_;
    }

    static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
        std::int64_t q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    }

private:
    void refresh(std::int64_t utc_s) const {
        const auto info = zone_->get_info(date::sys_seconds{std::chrono::seconds{utc_s}});
        begin_ = info.begin.time_since_epoch().count();
        end_ = info.end.time_since_epoch().count();
        off_ = info.offset.count();
    }
    friend std::optional<micros> detail::parse_fixed_timestamp(std::string_view s,
                                                               const time_zone& tz);
    std::string name_ = "UTC";
    const date::time_zone* zone_ = nullptr;
    mutable std::int64_t begin_ = 0, end_ = 0, off_ = 0;
    // The last calendar date parse_timestamp read ("YYYY-MM-DD" bytes) and its day number.
    // Starts as a real date ("1970-01-01", day 0): a first text of zero bytes cannot match.
    mutable std::uint64_t memo_head_ = 0x2D31302D30373931ULL;  // "1970-01-" little-endian
    mutable std::uint16_t memo_tail_ = 0x3130;                 // "01"
    mutable std::int64_t memo_days_ = 0;
};

namespace detail {
inline std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
    return date::sys_days{date::year{y} / date::month{m} / date::day{d}}.time_since_epoch().count();
}
}  // namespace detail

namespace detail {

// Bytes of `v` equal those of `want` where `sep` has 0xFF, and are ASCII digits where `digit`
// has 0xFF (a byte 0x30..0x39: x ^ '0' is 0..9, and 0..9 + 6 stays below 16).
inline bool swar_shape(std::uint64_t v, std::uint64_t want, std::uint64_t digit,
                       std::uint64_t sep) {
    const std::uint64_t x = v ^ want;  // digits -> 0..9, separators -> 0
    constexpr std::uint64_t high = 0xF0F0F0F0F0F0F0F0ULL, six = 0x0606060606060606ULL;
    return (x & sep) == 0 && (x & digit & high) == 0 &&
           (((x & digit) + (six & digit)) & high & digit) == 0;
}
// Two-digit numbers of byte pairs (i, i + 1) of x (digits 0..9 per byte) land in byte i.
inline std::uint64_t swar_pairs(std::uint64_t x) {
    return x * 10 + (x >> 8);
}

/// "YYYY-MM-DD HH:MM:SS" (or 'T'/'t') read at fixed positions with 8-byte loads; nullopt when
/// it is not exactly that shape or not a valid time (then the general parser decides). The date
/// is usually the previous timestamp's (same row, same day), so its day number is remembered.
inline std::optional<micros> parse_fixed_timestamp(std::string_view s, const time_zone& tz) {
    const char* u = s.data();
    std::uint64_t head, clock;
    std::uint16_t tail;
    std::memcpy(&head, u, 8);        // YYYY-MM-
    std::memcpy(&tail, u + 8, 2);    // DD
    std::memcpy(&clock, u + 11, 8);  // HH:MM:SS
    if (u[10] != ' ' && u[10] != 'T' && u[10] != 't') return std::nullopt;
    // Little-endian byte i = character i; digits where the mask has 0xFF.
    constexpr std::uint64_t clock_want = 0x30303A30303A3030ULL, clock_digit = 0xFFFF00FFFF00FFFFULL,
                            clock_sep = 0x0000FF0000FF0000ULL;
    if (!swar_shape(clock, clock_want, clock_digit, clock_sep)) return std::nullopt;
    std::int64_t days;
    if (head == tz.memo_head_ && tail == tz.memo_tail_) {
        days = tz.memo_days_;
    } else {
        constexpr std::uint64_t head_want = 0x2D30302D30303030ULL,
                                head_digit = 0x00FFFF00FFFFFFFFULL,
                                head_sep = 0xFF0000FF00000000ULL;
        const std::uint64_t tail64 = tail;
        if (!swar_shape(head, head_want, head_digit, head_sep) ||
            !swar_shape(tail64, 0x3030, 0xFFFF, 0))
            return std::nullopt;
        const std::uint64_t hp = swar_pairs(head ^ head_want), tp = swar_pairs(tail64 ^ 0x3030);
        const int y = static_cast<int>(hp & 0xFF) * 100 + static_cast<int>((hp >> 16) & 0xFF);
        const int mo = static_cast<int>((hp >> 40) & 0xFF), d = static_cast<int>(tp & 0xFF);
        static constexpr unsigned char month_days[] = {31, 28, 31, 30, 31, 30,
                                                       31, 31, 30, 31, 30, 31};
        const bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        if (mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] + (mo == 2 && leap))
            return std::nullopt;
        days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
        tz.memo_head_ = head;
        tz.memo_tail_ = tail;
        tz.memo_days_ = days;
    }
    const std::uint64_t cp = swar_pairs(clock ^ clock_want);
    const int h = static_cast<int>(cp & 0xFF), mi = static_cast<int>((cp >> 24) & 0xFF),
              sec = static_cast<int>((cp >> 48) & 0xFF);
    if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
    return tz.to_utc_seconds(days * 86400 + h * 3600 + mi * 60 + sec);
}

/// Every accepted form, character by character (see parse_timestamp).
inline std::optional<micros> parse_timestamp_general(std::string_view s, const time_zone& tz) {
    using detail::digits;
    // Epoch seconds: [-]digits[.digits]
    if (s.size() < 5 || s[4] != '-') {
        std::size_t i = 0;
        bool neg = false;
        if (s[0] == '-' || s[0] == '+') {
            neg = s[0] == '-';
            i = 1;
        }
        std::int64_t whole = 0;
        std::size_t nd = 0;
        for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++nd) {
            if (nd >= 12) return std::nullopt;  // beyond year ~33658: not a plausible instant
            whole = whole * 10 + (s[i] - '0');
        }
        if (nd == 0) return std::nullopt;
        std::int64_t frac = 0, scale = 100000;
        if (i < s.size() && s[i] == '.') {
            ++i;
            std::size_t fd = 0;
            for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++fd) {
                if (scale) {
                    frac += (s[i] - '0') * scale;
                    scale /= 10;
                }
            }
            if (fd == 0) return std::nullopt;
        }
        if (i != s.size()) return std::nullopt;
        const micros v = whole * us_per_s + frac;
        return neg ? -v : v;
    }
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s.size() < 10 ||
        s[7] != '-' || !digits(s, 8, 2, d))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1) return std::nullopt;
    const auto ymd = date::year{y} / date::month{static_cast<unsigned>(mo)} /
                     date::day{static_cast<unsigned>(d)};
    if (!ymd.ok()) return std::nullopt;
    std::size_t p = 10;
    micros frac = 0;
    bool has_offset = false;
    std::int64_t offset_s = 0;
    if (p < s.size()) {
        if (s[p] != 'T' && s[p] != ' ' && s[p] != 't') return std::nullopt;
        ++p;
        if (!digits(s, p, 2, h) || p + 2 >= s.size() || s[p + 2] != ':' || !digits(s, p + 3, 2, mi))
            return std::nullopt;
        p += 5;
        if (p < s.size() && s[p] == ':') {
            if (!digits(s, p + 1, 2, sec)) return std::nullopt;
            p += 3;
            if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
                ++p;
                micros scale = 100000;
                std::size_t fd = 0;
                for (; p < s.size() && s[p] >= '0' && s[p] <= '9'; ++p, ++fd) {
                    if (scale) {
                        frac += (s[p] - '0') * scale;
                        scale /= 10;
                    }
                }
                if (fd == 0) return std::nullopt;
            }
        }
        if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
        if (p < s.size()) {
            if (s[p] == 'Z' || s[p] == 'z') {
                has_offset = true;
                ++p;
            } else if (s[p] == '+' || s[p] == '-') {
                const int sign = s[p] == '-' ? -1 : 1;
                int oh, om = 0;
                if (!digits(s, p + 1, 2, oh)) return std::nullopt;
                p += 3;
                if (p < s.size() && s[p] == ':') ++p;
                if (p < s.size()) {
                    if (!digits(s, p, 2, om)) return std::nullopt;
                    p += 2;
                }
                if (oh > 23 || om > 59) return std::nullopt;
                has_offset = true;
                offset_s = sign * (oh * 3600 + om * 60);
            }
            if (p != s.size()) return std::nullopt;
        }
    }
    const std::int64_t days =
        detail::days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    const micros wall = (days * 86400 + h * 3600 + mi * 60 + sec) * us_per_s + frac;
    if (has_offset) return wall - offset_s * us_per_s;
    return tz.to_utc(wall);
}

/// Forms exports write that the standard parser does not read, all year first (so never
/// ambiguous): "2026/3/1 9:05", "2026.03.01", "2026年3月1日 09:05:30", and ISO with a blank
/// before the offset ("2026-03-01 09:15:00 +0800"). Day-first and month-first dates need
/// configured formats. Tried only after the standard forms fail.
inline std::optional<micros> parse_timestamp_loose(std::string_view s, const time_zone& tz) {
    static constexpr std::string_view nian = "\xE5\xB9\xB4", yue = "\xE6\x9C\x88",
                                      ri = "\xE6\x97\xA5";
    std::size_t p = 0;
    auto number = [&](std::size_t min_digits, std::size_t max_digits, int& out) {
        std::size_t n = 0;
        int v = 0;
        while (p < s.size() && n < max_digits && s[p] >= '0' && s[p] <= '9')
            v = v * 10 + (s[p++] - '0'), ++n;
        out = v;
        return n >= min_digits;
    };
    auto take = [&](std::string_view t) {
        if (s.substr(p, t.size()) != t) return false;
        p += t.size();
        return true;
    };
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!number(4, 4, y)) return std::nullopt;
    const bool chinese = take(nian);
    char sep = 0;
    if (!chinese) {
        if (p >= s.size() || (s[p] != '/' && s[p] != '.' && s[p] != '-')) return std::nullopt;
        sep = s[p++];
    }
    if (!number(1, 2, mo)) return std::nullopt;
    if (chinese ? !take(yue) : !take(std::string_view(&sep, 1))) return std::nullopt;
    if (!number(1, 2, d)) return std::nullopt;
    if (chinese) take(ri);
    if (mo < 1 || mo > 12 || d < 1) return std::nullopt;
    if (!(date::year{y} / date::month{static_cast<unsigned>(mo)} /
          date::day{static_cast<unsigned>(d)})
             .ok())
        return std::nullopt;
    micros frac = 0;
    if (p < s.size() && (s[p] == ' ' || s[p] == 'T')) {
        ++p;
        while (p < s.size() && s[p] == ' ') ++p;
        if (!number(1, 2, h) || !take(":") || !number(2, 2, mi)) return std::nullopt;
        if (take(":")) {
            if (!number(2, 2, sec)) return std::nullopt;
            if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
                ++p;
                micros scale = 100000;
                std::size_t fd = 0;
                for (; p < s.size() && s[p] >= '0' && s[p] <= '9'; ++p, ++fd)
                    if (scale) frac += (s[p] - '0') * scale, scale /= 10;
                if (fd == 0) return std::nullopt;
            }
        }
        if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
    }
    while (p < s.size() && s[p] == ' ') ++p;
    const micros wall =
        (days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
         h * 3600 + mi * 60 + sec) *
            us_per_s +
        frac;
    if (p == s.size()) return tz.to_utc(wall);
    if (s.substr(p) == "Z" || s.substr(p) == "z") return wall;
    const auto off = fixed_offset_seconds(s.substr(p));
    if (!off) return std::nullopt;
    return wall - *off * us_per_s;
}

/// parse_timestamp without the range check (whatever instant the text names).
inline std::optional<micros> parse_any_timestamp(std::string_view s, const time_zone& tz) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    if (s.empty()) return std::nullopt;
    if (s.size() == 19)
        if (const auto v = detail::parse_fixed_timestamp(s, tz)) return *v;
    if (const auto v = detail::parse_timestamp_general(s, tz)) return v;
    return detail::parse_timestamp_loose(s, tz);
}

}  // namespace detail

/// The instants cskpi accepts: 1900-01-01T00:00:00Z up to, not including, 2200-01-01. Inside
/// them every derived quantity fits (nanoseconds in int64 reach 1677-2262; calendar labels
/// keep four-digit years).
inline constexpr micros min_supported_us = -2208988800LL * us_per_s;
inline constexpr micros max_supported_us = 7258118400LL * us_per_s;
/// Largest duration a row or a configuration may carry: 100 years (36,525 days). Longer is a
/// unit or data error.
inline constexpr double max_duration_s = 3'155'760'000.0;

inline constexpr bool supported_time(micros t) {
    return t >= min_supported_us && t < max_supported_us;
}

/// Parses a timestamp of section 1 into UTC microseconds:
///   ISO-8601 with offset ("2026-03-01T09:15:00+08:00", "...Z", optional fraction),
///   ISO-8601 without offset or "YYYY-MM-DD HH:MM[:SS[.f]]" (read in `tz`), "YYYY-MM-DD"
///   (local midnight), or epoch seconds (integer or decimal); and the year-first forms of
///   detail::parse_timestamp_loose. Digits past the microsecond are truncated. Returns
///   std::nullopt when the text is none of these, or names an instant outside supported_time.
inline std::optional<micros> parse_timestamp(std::string_view s, const time_zone& tz) {
    const auto v = detail::parse_any_timestamp(s, tz);
    if (v && !supported_time(*v)) return std::nullopt;
    return v;
}

/// Why parse_timestamp refused `s`: a time outside the supported range, or no timestamp at all.
inline std::string timestamp_error(std::string_view s, const time_zone& tz) {
    if (detail::parse_any_timestamp(s, tz))
        return "out of range: supported times are 1900-01-01 to 2199-12-31 (UTC)";
    return "not a timestamp";
}

/// Formats a UTC instant as ISO-8601 in UTC with a Z suffix (microseconds when non-zero).
inline std::string format_utc(micros t) {
    using namespace std::chrono;
    const auto tp = date::sys_time<microseconds>{microseconds{t}};
    const auto s = (t % us_per_s == 0) ? date::format("%FT%TZ", date::floor<seconds>(tp))
                                       : date::format("%FT%TZ", tp);
    return s;
}

}  // namespace cskpi
