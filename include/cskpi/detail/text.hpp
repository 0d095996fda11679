#pragma once
// Small text helpers for writers: CSV quoting, shortest round-trip doubles, terminal widths.
#include <charconv>
#include <cmath>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ios>
#include <ostream>
#include <vector>
#include <string>
#include <string_view>

namespace cskpi::detail {

/// CSV for people: a stream marked with for_people(os) is a file a spreadsheet will open, so
/// text cells that a spreadsheet would run as a formula are neutralized (OWASP "CSV injection").
inline int for_people_slot() {
    static const int slot = std::ios_base::xalloc();
    return slot;
}
inline void for_people(std::ios_base& os, bool on = true) {
    os.iword(for_people_slot()) = on;
}
inline bool is_for_people(std::ios_base& os) {
    return os.iword(for_people_slot()) != 0;
}

/// Text a spreadsheet reads as a formula: it starts with = + - @, a tab or a carriage return.
inline bool formula_like(std::string_view s) {
    return !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                          s[0] == '\t' || s[0] == '\r');
}

/// RFC 4180 field: quoted only when it holds a separator, quote or line break. With `people`,
/// formula-like text gets a leading apostrophe and quotes, so a spreadsheet shows it as text.
inline std::string csv_field(std::string_view s, bool people = false) {
    if (people && formula_like(s)) {
        std::string out = "\"'";
        for (char c : s) {
            if (c == '"') out += '"';
            out += c;
        }
        return out + "\"";
    }
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

/// A group key cell: a missing value is the bare word null (section 5); a label that is the
/// text "null" is quoted, so the two stay apart.
template <class OptionalText>
std::string csv_key(const OptionalText& k, bool people = false) {
    if (!k) return "null";
    if (*k == "null") return "\"null\"";
    return csv_field(*k, people);
}

/// Shortest text that reads back as the same double; integers without a fraction.
/// number_text(v, integer) appended to `out` (no string per number: a CSV row has ~150).
inline void append_number(std::string& out, double v, bool integer = false) {
    if (std::isnan(v)) {
        out += "null";
        return;
    }
    // Whole values below 1e5 print the same as integers (shortest form: 1e+05 starts at 100000);
    // counts, numerators and 0/1 rates take this path, which skips the shortest-digits search.
    const bool small_whole =
        std::fabs(v) < 1e5 && v == std::trunc(v) && !(v == 0 && std::signbit(v));
    char buf[64];
    const auto r = integer || small_whole
                       ? std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v))
                       : std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}
inline std::string number_text(double v, bool integer = false) {
    std::string out;
    append_number(out, v, integer);
    return out;
}

/// Columns a UTF-8 string takes on a terminal: East Asian wide and full-width characters take 2.
inline std::size_t display_width(std::string_view s) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::uint32_t cp;
        std::size_t n;
        if (c < 0x80) {
            cp = c;
            n = 1;
        } else if ((c >> 5) == 6) {
            cp = c & 0x1F;
            n = 2;
        } else if ((c >> 4) == 14) {
            cp = c & 0x0F;
            n = 3;
        } else {
            cp = c & 0x07;
            n = 4;
        }
        for (std::size_t k = 1; k < n && i + k < s.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        i += n;
        const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                          (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                          (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                          (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
                          (cp >= 0x20000 && cp <= 0x3FFFD);
        w += wide ? 2 : 1;
    }
    return w;
}

/// `s` padded with spaces to `w` terminal columns, on the left when `right`.
inline std::string pad(const std::string& s, std::size_t w, bool right) {
    const std::size_t d = display_width(s);
    const std::string fill(w > d ? w - d : 0, ' ');
    return right ? fill + s : s + fill;
}

/// `v` with `decimals` decimals, "-" when undefined.
inline std::string fmt_fixed(double v, int decimals, const char* suffix = "") {
    if (std::isnan(v)) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f%s", decimals, v, suffix);
    return buf;
}

/// Writes rows of cells as aligned columns; the first row is the heading, underlined. Columns
/// from `right_from` on are right-aligned (numbers).
inline void write_grid(std::ostream& os, const std::vector<std::vector<std::string>>& cells,
                       std::size_t right_from = SIZE_MAX) {
    std::vector<std::size_t> w;
    for (const auto& r : cells) {
        if (w.size() < r.size()) w.resize(r.size(), 0);
        for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], display_width(r[i]));
    }
    for (std::size_t r = 0; r < cells.size(); ++r) {
        std::string line;
        for (std::size_t i = 0; i < cells[r].size(); ++i)
            line += (i ? "  " : "") + pad(cells[r][i], w[i], i >= right_from);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        os << line << '\n';
        if (r == 0) {
            std::size_t total = 0;
            for (auto x : w) total += x + 2;
            os << std::string(total ? total - 2 : 0, '-') << '\n';
        }
    }
}

}  // namespace cskpi::detail
