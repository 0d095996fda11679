#pragma once
// Business-hours calendars (spec section 11): a time zone, a weekly schedule of local opening
// windows, holidays (closed all day) and make-up working days (the schedule of their weekday,
// or of Monday when that weekday has none). business_seconds(a, b) is the exact time within
// opening windows between two instants. A window's local start and end map to instants with
// the zone's rules (DST gap -> the transition, ambiguous -> the earlier instant), so a
// 00:00-24:00 day lasts 23 or 25 hours on DST change days.
#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../config/config.hpp"
#include "../error.hpp"
#include "../time.hpp"

namespace cskpi::timeline {

class calendar {
public:
    using window =
        std::pair<std::int32_t, std::int32_t>;  ///< [start, end) seconds after local midnight

    calendar() = default;

    /// {"timezone": "...", "week": {"mon": [["09:00", "18:00"]], ...}, "holidays": ["2026-10-01"],
    ///  "workdays": ["2026-10-10"]}. Throws config_error naming the key path under `path`.
    static calendar from_json(const json& j, const std::string& path) {
        detail::expect_object(j, path);
        calendar c;
        static const char* days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
        for (const auto& [k, v] : j.items()) {
            const std::string kp = path + "." + k;
            if (k == "timezone") {
                c.zone_name_ = detail::get_string(v, kp);
                try {
                    c.tz_ = time_zone(c.zone_name_);
                } catch (const std::invalid_argument& e) {
                    throw config_error(kp, e.what());
                }
            } else if (k == "week") {
                detail::expect_object(v, kp);
                for (const auto& [d, ws] : v.items()) {
                    const auto it = std::find(std::begin(days), std::end(days), d);
                    if (it == std::end(days))
                        throw config_error(kp + "." + d,
                                           "expected mon, tue, wed, thu, fri, sat or sun");
                    c.week_[static_cast<std::size_t>(it - std::begin(days))] =
                        parse_windows(ws, kp + "." + d);
                }
            } else if (k == "holidays" || k == "workdays") {
                if (!v.is_array()) throw config_error(kp, "expected an array of dates");
                for (std::size_t i = 0; i < v.size(); ++i) {
                    const std::string ip = kp + "[" + std::to_string(i) + "]";
                    const auto d = parse_date(detail::get_string(v[i], ip), ip);
                    (k == "holidays" ? c.holidays_ : c.workdays_).insert(d);
                }
            } else {
                detail::unknown_key(kp);
            }
        }
        for (auto d : c.holidays_)
            if (c.workdays_.count(d))
                throw config_error(path + ".workdays", "a date is both a holiday and a workday");
        return c;
    }

    const std::string& timezone_name() const noexcept { return zone_name_; }

    /// Opening windows of the local day `day` (days since 1970-01-01).
    const std::vector<window>& windows_of(std::int64_t day) const {
        static const std::vector<window> none;
        if (holidays_.count(day)) return none;
        const auto wd =
            static_cast<std::size_t>(((day + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
        if (workdays_.count(day)) return week_[wd].empty() ? week_[1] : week_[wd];
        return week_[wd];
    }

    /// Business seconds in [a, b) (0 when b <= a). Whole weeks strictly inside the span, with
    /// no holiday, make-up day or offset change, count as one weekly total; the other days are
    /// summed window by window. The cost grows with the weeks, holidays and transitions crossed.
    double business_seconds(micros a, micros b) const {
        if (b <= a) return 0;
        const std::int64_t d0 = time_zone::floor_div(tz_.to_local(a), day_us) - 1;
        const std::int64_t d1 = time_zone::floor_div(tz_.to_local(b), day_us) + 1;
        micros total = 0;
        for (std::int64_t d = d0; d <= d1;) {
            // Days after a's day and before b's day lie wholly inside [a, b).
            if (d >= d0 + 2 && d + 7 <= d1 - 1 && plain_week(d)) {
                total += week_us();
                d += 7;
                continue;
            }
            for (const auto& [s, e] : windows_of(d)) {
                const micros ws = tz_.to_utc(d * day_us + s * us_per_s),
                             we = tz_.to_utc(d * day_us + e * us_per_s);
                const micros lo = std::max(ws, a), hi = std::min(we, b);
                if (hi > lo) total += hi - lo;
            }
            ++d;
        }
        return static_cast<double>(total) / 1e6;
    }

    /// Whether `t` lies inside an opening window.
    bool is_open(micros t) const { return business_seconds(t, t + 1) > 0; }

    /// "HH:MM" (00:00 to 24:00) as seconds after midnight; config_error naming `path` otherwise.
    static std::int32_t parse_clock(const json& v, const std::string& path) {
        const std::string s = detail::get_string(v, path);
        int h = 0, m = 0;
        if (s.size() != 5 || s[2] != ':' || !detail::digits(s, 0, 2, h) ||
            !detail::digits(s, 3, 2, m) || m > 59 || h > 24 || (h == 24 && m != 0))
            throw config_error(path, "expected HH:MM (00:00 to 24:00), actual \"" + s + "\"");
        return h * 3600 + m * 60;
    }

    /// "YYYY-MM-DD" as days since 1970-01-01; config_error naming `path` otherwise.
    static std::int64_t parse_date(const std::string& s, const std::string& path) {
        int y = 0, m = 0, d = 0;
        if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !detail::digits(s, 0, 4, y) ||
            !detail::digits(s, 5, 2, m) || !detail::digits(s, 8, 2, d) ||
            !date::year_month_day{date::year{y} / m / d}.ok())
            throw config_error(path, "expected a date YYYY-MM-DD, actual \"" + s + "\"");
        return detail::days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
    }

private:
    static constexpr micros day_us = 86400 * us_per_s;

    /// Local days [d, d + 7) follow the weekly schedule (no holiday or make-up day) under one
    /// UTC offset, so their opening time is the schedule's weekly total.
    bool plain_week(std::int64_t d) const {
        const auto h = holidays_.lower_bound(d), w = workdays_.lower_bound(d);
        if ((h != holidays_.end() && *h < d + 7) || (w != workdays_.end() && *w < d + 7))
            return false;
        return tz_.constant_offset(time_zone::floor_div(tz_.to_utc(d * day_us), us_per_s),
                                   time_zone::floor_div(tz_.to_utc((d + 7) * day_us), us_per_s));
    }
    micros week_us() const {
        micros t = 0;
        for (const auto& day : week_)
            for (const auto& [s, e] : day) t += static_cast<micros>(e - s) * us_per_s;
        return t;
    }

    static std::vector<window> parse_windows(const json& v, const std::string& path) {
        if (!v.is_array())
            throw config_error(path, "expected a list of [\"HH:MM\", \"HH:MM\"] windows");
        std::vector<window> out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::string ip = path + "[" + std::to_string(i) + "]";
            if (!v[i].is_array() || v[i].size() != 2)
                throw config_error(ip, "expected [\"HH:MM\", \"HH:MM\"]");
            const window w{parse_clock(v[i][0], ip + "[0]"), parse_clock(v[i][1], ip + "[1]")};
            if (w.first >= w.second)
                throw config_error(ip, "expected start < end (split overnight windows at 24:00)");
            out.push_back(w);
        }
        std::sort(out.begin(), out.end());
        for (std::size_t i = 1; i < out.size(); ++i)
            if (out[i].first < out[i - 1].second) throw config_error(path, "windows overlap");
        return out;
    }

    std::string zone_name_ = "UTC";
    time_zone tz_;
    std::array<std::vector<window>, 7> week_{};  ///< index 0 = Sunday
    std::set<std::int64_t> holidays_, workdays_;
};

}  // namespace cskpi::timeline
