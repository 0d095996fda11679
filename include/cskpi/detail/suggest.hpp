#pragma once
// "Did you mean" for names a user typed: the closest candidate by edit distance over UTF-8 code
// points, when it is close enough to be a likely typo.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace cskpi::detail {

inline std::u32string code_points(std::string_view s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80         ? 1
                              : (c >> 5) == 6  ? 2
                              : (c >> 4) == 14 ? 3
                              : (c >> 3) == 30 ? 4
                                               : 1;
        char32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
        for (std::size_t k = 1; k < n && i + k < s.size(); ++k)
            cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        out.push_back(cp);
        i += n;
    }
    return out;
}

/// Edit distance (insertions, deletions, substitutions and swaps of neighbours, each 1) between
/// two texts, counted in code points, case-insensitive for ASCII.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    auto fold = [](std::u32string s) {
        for (auto& c : s)
            if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
        return s;
    };
    const std::u32string x = fold(code_points(a)), y = fold(code_points(b));
    const std::size_t w = y.size() + 1;
    std::vector<std::size_t> d((x.size() + 1) * w);
    for (std::size_t i = 0; i <= x.size(); ++i) d[i * w] = i;
    for (std::size_t j = 0; j <= y.size(); ++j) d[j] = j;
    for (std::size_t i = 1; i <= x.size(); ++i)
        for (std::size_t j = 1; j <= y.size(); ++j) {
            std::size_t v = std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1,
                                      d[(i - 1) * w + j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)});
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1])
                v = std::min(v, d[(i - 2) * w + j - 2] + 1);
            d[i * w + j] = v;
        }
    return d.back();
}

/// " (did you mean 'X'?)" for the closest candidate within a third of the word's length (at
/// least 1, at most 3 edits), else "".
inline std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    const std::size_t len = code_points(word).size();
    const std::size_t limit = std::clamp<std::size_t>(len / 3, 1, 3);
    const std::string* best = nullptr;
    std::size_t best_d = limit + 1;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_d && c != word) best = &c, best_d = d;
    }
    return best ? " (did you mean '" + *best + "'?)" : std::string();
}

/// "a, b, c" for messages that list what is accepted.
inline std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace cskpi::detail
