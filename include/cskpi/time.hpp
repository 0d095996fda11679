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

#include <date/date.h>
#include <date/iso_week.h>
#include <date/tz.h>

namespace cskpi {

using micros = std::int64_t;
inline constexpr micros us_per_s = 1'000'000;
inline constexpr micros missing_us = std::numeric_limits<micros>::min();  ///< "no value" sentinel

/// An IANA time zone with a one-entry cache of the current offset period, so converting rows
/// that lie close in time costs a comparison, not a search (and of the last date parsed in it,
/// see parse_timestamp). Copy one per thread (the caches are not shared). "UTC" (the default)
/// needs no tz database.
class time_zone {
public:
    time_zone() = default;
    /// Throws std::invalid_argument when `name` is not an IANA zone.
    explicit time_zone(const std::string& name) : name_(name) {
        if (name == "UTC" || name == "Etc/UTC") return;
        try {
            zone_ = date::locate_zone(name);
        } catch (const std::exception&) {
            throw std::invalid_argument("unknown time zone '" + name + "'");
        }
    }
    const std::string& name() const noexcept { return name_; }
    bool is_utc() const noexcept { return zone_ == nullptr; }

    /// UTC offset in seconds at the instant `utc_s` (seconds since epoch).
    std::int64_t offset_at_utc(std::int64_t utc_s) const {
        if (!zone_) return 0;
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
        if (!zone_) return local;
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
    friend std::optional<micros> parse_timestamp(std::string_view s, const time_zone& tz);
    std::string name_ = "UTC";
    const date::time_zone* zone_ = nullptr;
    mutable std::int64_t begin_ = 0, end_ = 0, off_ = 0;
    // The last calendar date parse_timestamp read ("YYYY-MM-DD" bytes) and its day number.
    mutable std::uint64_t memo_head_ = 0;
    mutable std::uint16_t memo_tail_ = 0;
    mutable std::int64_t memo_days_ = 0;
};

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
inline std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
    return date::sys_days{date::year{y} / date::month{m} / date::day{d}}.time_since_epoch().count();
}
}  // namespace detail

/// Parses a timestamp of section 1 into UTC microseconds:
///   ISO-8601 with offset ("2026-03-01T09:15:00+08:00", "...Z", optional fraction),
///   ISO-8601 without offset or "YYYY-MM-DD HH:MM[:SS[.f]]" (read in `tz`), "YYYY-MM-DD"
///   (local midnight), or epoch seconds (integer or decimal). Digits past the microsecond are
///   truncated. Returns std::nullopt when the text is none of these.
inline std::optional<micros> parse_timestamp(std::string_view s, const time_zone& tz) {
    using detail::digits;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    if (s.empty()) return std::nullopt;
    // The common export form "YYYY-MM-DD HH:MM:SS" (or with 'T'), at fixed positions; the
    // date part is usually the previous timestamp's (same row, same day), so its day number is
    // remembered. Anything this does not fully accept takes the general path below.
    if (s.size() == 19 && s[4] == '-' && s[7] == '-' && (s[10] == ' ' || s[10] == 'T' || s[10] == 't') &&
        s[13] == ':' && s[16] == ':') {
        const auto* u = reinterpret_cast<const unsigned char*>(s.data());
        auto digit = [&](int i) { return static_cast<int>(u[i]) - '0'; };
        // x and x + 6 both below 16 exactly for the digits x = 0..9 (bytes below '0' wrap high).
        auto all_digits = [&](std::initializer_list<int> at) {
            unsigned high = 0;
            for (int i : at) high |= static_cast<unsigned>(digit(i)) | static_cast<unsigned>(digit(i) + 6);
            return (high & ~0xFu) == 0;
        };
        std::uint64_t head;
        std::uint16_t tail;
        std::memcpy(&head, u, 8);
        std::memcpy(&tail, u + 8, 2);
        std::int64_t days = 0;
        bool date_ok = head == tz.memo_head_ && tail == tz.memo_tail_;
        if (date_ok) {
            days = tz.memo_days_;
        } else if (all_digits({0, 1, 2, 3, 5, 6, 8, 9})) {
            const int y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
            const int mo = digit(5) * 10 + digit(6), d = digit(8) * 10 + digit(9);
            static constexpr unsigned char month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            const bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
            if (mo >= 1 && mo <= 12 && d >= 1 && d <= month_days[mo - 1] + (mo == 2 && leap)) {
                days = detail::days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
                tz.memo_head_ = head;
                tz.memo_tail_ = tail;
                tz.memo_days_ = days;
                date_ok = true;
            }
        }
        if (date_ok && all_digits({11, 12, 14, 15, 17, 18})) {
            const int h = digit(11) * 10 + digit(12), mi = digit(14) * 10 + digit(15), sec = digit(17) * 10 + digit(18);
            if (h <= 23 && mi <= 59 && sec <= 59) return tz.to_utc((days * 86400 + h * 3600 + mi * 60 + sec) * us_per_s);
        }
    }
    // Epoch seconds: [-]digits[.digits]
    if (s.size() < 5 || s[4] != '-') {
        std::size_t i = 0;
        bool neg = false;
        if (s[0] == '-' || s[0] == '+') { neg = s[0] == '-'; i = 1; }
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
                if (scale) { frac += (s[i] - '0') * scale; scale /= 10; }
            }
            if (fd == 0) return std::nullopt;
        }
        if (i != s.size()) return std::nullopt;
        const micros v = whole * us_per_s + frac;
        return neg ? -v : v;
    }
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s.size() < 10 || s[7] != '-' ||
        !digits(s, 8, 2, d))
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
                    if (scale) { frac += (s[p] - '0') * scale; scale /= 10; }
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
    const std::int64_t days = detail::days_from_civil(y, static_cast<unsigned>(mo),
                                                      static_cast<unsigned>(d));
    const micros wall = (days * 86400 + h * 3600 + mi * 60 + sec) * us_per_s + frac;
    if (has_offset) return wall - offset_s * us_per_s;
    return tz.to_utc(wall);
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
