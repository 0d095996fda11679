#pragma once
// Grouping (spec section 5): which keys a report is broken down by, the compact key of a row,
// and the labels printed for it. Dimension keys hold dictionary codes; time keys hold a bucket
// number in the configured time zone (hour, day, Monday-week, month, quarter or year index, or
// the hour of the day 0..23 and the weekday 0..6 for the cyclic keys).
#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/suggest.hpp"
#include "../time.hpp"

namespace cskpi {

enum class group_key : std::uint8_t {
    agent,
    team,
    channel,
    category,
    priority,
    hour,
    day,
    week,
    month,
    quarter,
    year,
    hour_of_day,
    weekday,
    half_hour,
    quarter_hour
};
inline constexpr std::array<std::string_view, 15> group_key_names = {
    "agent", "team",    "channel", "category",    "priority", "hour",      "day",         "week",
    "month", "quarter", "year",    "hour_of_day", "weekday",  "half_hour", "quarter_hour"};
inline constexpr std::size_t max_group_keys = group_key_names.size();

inline std::string_view name_of(group_key k) {
    return group_key_names[static_cast<std::size_t>(k)];
}
inline bool is_time_key(group_key k) {
    return k >= group_key::hour;
}

/// Parses "agent", "day", ... Throws std::invalid_argument naming the allowed keys.
inline group_key group_key_from_name(std::string_view n) {
    for (std::size_t i = 0; i < group_key_names.size(); ++i)
        if (group_key_names[i] == n) return static_cast<group_key>(i);
    const std::vector<std::string> names(group_key_names.begin(), group_key_names.end());
    throw std::invalid_argument("unknown grouping key '" + std::string(n) + "'" +
                                detail::did_you_mean(std::string(n), names) + ": expected one of " +
                                detail::join_names(names));
}
/// Parses a list of key names; a key given twice is an error.
inline std::vector<group_key> parse_group_keys(const std::vector<std::string>& names) {
    std::vector<group_key> keys;
    for (const auto& n : names) {
        const auto k = group_key_from_name(n);
        for (auto e : keys)
            if (e == k) throw std::invalid_argument("grouping key '" + n + "' given twice");
        keys.push_back(k);
    }
    return keys;
}

/// Missing value of a key (no agent, ...): its own group, sorted last, shown as null.
inline constexpr std::int64_t missing_key = INT64_MAX;

/// A row's group: one slot per grouping key, in `by` order.
struct group_id {
    std::array<std::int64_t, max_group_keys> k{};
    std::uint8_t n = 0;
    bool operator==(const group_id& o) const {
        if (n != o.n) return false;
        for (std::uint8_t i = 0; i < n; ++i)
            if (k[i] != o.k[i]) return false;
        return true;
    }
};
namespace detail {
/// splitmix64's finalizer: every input bit moves about half of the output bits.
inline std::uint64_t mix64(std::uint64_t k) {
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9ULL;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebULL;
    k ^= k >> 31;
    return k;
}
}  // namespace detail

struct group_id_hash {
    std::size_t operator()(const group_id& g) const noexcept {
        std::uint64_t h = 0x9E3779B97F4A7C15ULL;
        for (std::uint8_t i = 0; i < g.n; ++i) {
            h ^= static_cast<std::uint64_t>(g.k[i]) + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
        }
        return static_cast<std::size_t>(detail::mix64(h));
    }
};

/// Bucket number of a local wall-clock time (microseconds) for a time key.
inline std::int64_t time_bucket(group_key k, micros local) {
    const std::int64_t s = time_zone::floor_div(local, us_per_s);
    const std::int64_t day = time_zone::floor_div(s, 86400);
    switch (k) {
        case group_key::hour:
            return time_zone::floor_div(s, 3600);
        case group_key::half_hour:
            return time_zone::floor_div(s, 1800);
        case group_key::quarter_hour:
            return time_zone::floor_div(s, 900);
        case group_key::day:
            return day;
        case group_key::week:
            return time_zone::floor_div(day + 3, 7);  // 1970-01-05 was a Monday
        case group_key::hour_of_day:
            return time_zone::floor_div(s, 3600) - day * 24;  // 0..23
        case group_key::weekday:
            return day + 3 - time_zone::floor_div(day + 3, 7) * 7;  // 0 = Monday .. 6 = Sunday
        default:
            break;
    }
    const date::year_month_day ymd{date::sys_days{date::days{day}}};
    const std::int64_t y = static_cast<int>(ymd.year());
    const std::int64_t m = static_cast<unsigned>(ymd.month());
    switch (k) {
        case group_key::month:
            return y * 12 + (m - 1);
        case group_key::quarter:
            return y * 4 + (m - 1) / 3;
        case group_key::year:
            return y;
        default:
            throw std::logic_error("time_bucket: not a time key");
    }
}

/// Label of a time bucket: 2026-03-01T09, 2026-03-01T09:30 (half_hour, quarter_hour), 2026-03-01,
/// 2026-W09, 2026-03, 2026-Q1, 2026; and of the cyclic keys: hour_of_day 09, weekday 1-Mon .. 7-Sun
/// (numbered so labels sort as the week runs).
inline std::string time_label(group_key k, std::int64_t b) {
    char buf[80];
    auto ymd_of = [](std::int64_t day) {
        return date::year_month_day{date::sys_days{date::days{day}}};
    };
    switch (k) {
        case group_key::hour: {
            const auto ymd = ymd_of(time_zone::floor_div(b, 24));
            std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                          static_cast<int>(b - time_zone::floor_div(b, 24) * 24));
            break;
        }
        case group_key::half_hour:
        case group_key::quarter_hour: {
            const std::int64_t per_day = k == group_key::half_hour ? 48 : 96,
                               minutes = 1440 / per_day;
            const std::int64_t day = time_zone::floor_div(b, per_day), slot = b - day * per_day;
            const auto ymd = ymd_of(day);
            std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld",
                          static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                          static_cast<unsigned>(ymd.day()),
                          static_cast<long long>(slot * minutes / 60),
                          static_cast<long long>(slot * minutes % 60));
            break;
        }
        case group_key::day: {
            const auto ymd = ymd_of(b);
            std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
            break;
        }
        case group_key::week: {
            const iso_week::year_weeknum_weekday w{date::sys_days{date::days{b * 7 - 3}}};
            std::snprintf(buf, sizeof buf, "%04d-W%02u", static_cast<int>(w.year()),
                          static_cast<unsigned>(w.weeknum()));
            break;
        }
        case group_key::month:
            std::snprintf(buf, sizeof buf, "%04lld-%02lld",
                          static_cast<long long>(time_zone::floor_div(b, 12)),
                          static_cast<long long>(b - time_zone::floor_div(b, 12) * 12 + 1));
            break;
        case group_key::quarter:
            std::snprintf(buf, sizeof buf, "%04lld-Q%lld",
                          static_cast<long long>(time_zone::floor_div(b, 4)),
                          static_cast<long long>(b - time_zone::floor_div(b, 4) * 4 + 1));
            break;
        case group_key::year:
            std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(b));
            break;
        case group_key::hour_of_day:
            std::snprintf(buf, sizeof buf, "%02lld", static_cast<long long>(b));
            break;
        case group_key::weekday: {
            static constexpr const char* days[] = {"1-Mon", "2-Tue", "3-Wed", "4-Thu",
                                                   "5-Fri", "6-Sat", "7-Sun"};
            return days[b];
        }
        default:
            throw std::logic_error("time_label: not a time key");
    }
    return buf;
}

/// First and last local day of a calendar period's label, as time_label writes it: day
/// (2026-03-01), week (2026-W10), month (2026-03), quarter (2026-Q1) or year (2026). nullopt
/// when `label` is not such a label of key `k`, or `k` is another key.
inline std::optional<std::pair<date::sys_days, date::sys_days>> period_of_label(
    group_key k, std::string_view label) {
    using namespace date;
    int y = 0;
    unsigned a = 0, b = 0;
    char tail = 0;
    const std::string s(label);
    switch (k) {
        case group_key::day:
            if (s.size() != 10 || std::sscanf(s.c_str(), "%d-%u-%u%c", &y, &a, &b, &tail) != 3)
                return std::nullopt;
            if (const year_month_day d{year{y} / month{a} / day{b}}; d.ok())
                return std::pair{sys_days{d}, sys_days{d}};
            return std::nullopt;
        case group_key::week:
            if (s.size() != 8 || std::sscanf(s.c_str(), "%d-W%u%c", &y, &a, &tail) != 2)
                return std::nullopt;
            if (const iso_week::year_weeknum_weekday w{iso_week::year{y} / iso_week::weeknum{a} /
                                                       iso_week::mon};
                w.ok())
                return std::pair{sys_days{w}, sys_days{w} + days{6}};
            return std::nullopt;
        case group_key::month:
            if (s.size() != 7 || std::sscanf(s.c_str(), "%d-%u%c", &y, &a, &tail) != 2 || a < 1 ||
                a > 12)
                return std::nullopt;
            return std::pair{sys_days{year{y} / month{a} / 1}, sys_days{year{y} / month{a} / last}};
        case group_key::quarter:
            if (s.size() != 7 || std::sscanf(s.c_str(), "%d-Q%u%c", &y, &a, &tail) != 2 || a < 1 ||
                a > 4)
                return std::nullopt;
            return std::pair{sys_days{year{y} / month{3 * a - 2} / 1},
                             sys_days{year{y} / month{3 * a} / last}};
        case group_key::year:
            if (s.size() != 4 || std::sscanf(s.c_str(), "%d%c", &y, &tail) != 1)
                return std::nullopt;
            return std::pair{sys_days{year{y} / 1 / 1}, sys_days{year{y} / 12 / 31}};
        default:
            return std::nullopt;
    }
}

}  // namespace cskpi
