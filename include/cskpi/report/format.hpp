#pragma once
// How a report column is shown to people (dashboard, workbook): its kind, taken from the metric
// table, and the text of a value of that kind.
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "../metrics/metric_table.hpp"
#include "report.hpp"

namespace cskpi::present {

enum class value_kind { count, percent, duration, money, number };

/// The kind of a report column (a metric column of `cskpi metrics`, or a joined column).
inline value_kind kind_of(std::string_view column) {
    for (const auto& m : metric_table())
        if (column == m.name && std::string_view(m.unit) == "currency") return value_kind::money;
    switch (detail::table_kind(std::string(column))) {
        case 0:
            return value_kind::count;
        case 1:
            return value_kind::percent;
        case 2:
            return value_kind::duration;
        default:
            return value_kind::number;
    }
}

/// 1234567 -> "1,234,567".
inline std::string grouped(long long n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

/// Seconds on a clock: 0:28, 12:05, 1:02:03, 2d 03:04:05 (rounded to the second).
inline std::string clock(double seconds) {
    const long long t = std::llround(std::fabs(seconds));
    const long long d = t / 86400, h = t % 86400 / 3600, m = t % 3600 / 60, s = t % 60;
    char buf[48];
    if (d)
        std::snprintf(buf, sizeof buf, "%lldd %02lld:%02lld:%02lld", d, h, m, s);
    else if (h)
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
    else
        std::snprintf(buf, sizeof buf, "%lld:%02lld", m, s);
    return (seconds < 0 && t ? "-" : "") + std::string(buf);
}

/// A share as a percentage with `decimals` places: 0.6360 -> "63.6%".
inline std::string percent(double share, int decimals = 1) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f%%", decimals, share * 100);
    return buf;
}

/// A value for people; "–" when undefined (NaN).
inline std::string text(double v, value_kind k) {
    if (std::isnan(v)) return "\u2013";
    char buf[48];
    switch (k) {
        case value_kind::count:
            return grouped(std::llround(v));
        case value_kind::percent:
            return percent(v);
        case value_kind::duration:
            return clock(v);
        case value_kind::money: {
            const double cents = std::round(std::fabs(v) * 100);
            std::snprintf(buf, sizeof buf, ".%02.0f", std::fmod(cents, 100));
            return (v < 0 ? "-" : "") + grouped(static_cast<long long>(cents / 100)) + buf;
        }
        case value_kind::number:
            std::snprintf(buf, sizeof buf, "%.2f", v);
            return buf;
    }
    return {};
}

inline std::string text(double v, std::string_view column) {
    return text(v, kind_of(column));
}

}  // namespace cskpi::present
