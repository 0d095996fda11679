#pragma once
// UTF-8 sequence boundaries, for code that checks or cleans text from files (not a decoder).
#include <cstddef>
#include <string_view>

namespace cskpi::detail {

/// Bytes of the sequence a lead byte starts (1-4), or 0 for a byte no well-formed sequence
/// starts with (a continuation byte, an overlong 0xC0/0xC1, or 0xF5 and above).
inline std::size_t utf8_lead_length(unsigned char c) {
    return c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
}

/// How many of the `n - 1` bytes after position `i` of `s` are continuation bytes, stopping at
/// the first that is not (or at the end of `s`).
inline std::size_t utf8_continuations(std::string_view s, std::size_t i, std::size_t n) {
    std::size_t k = 1;
    while (k < n && i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80) ++k;
    return k - 1;
}

/// Whether every sequence of `s` is complete and well-formed UTF-8.
inline bool well_formed_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_lead_length(static_cast<unsigned char>(s[i]));
        if (n == 0 || utf8_continuations(s, i, n) != n - 1) return false;
        i += n;
    }
    return true;
}

}  // namespace cskpi::detail
