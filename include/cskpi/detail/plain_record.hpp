#pragma once
// The fast path of CSV splitting: a record without quotes, scanned 16 bytes at a time for its
// separators (SSE2 where available, bytewise elsewhere). Exports rarely quote, and a bytewise
// loop pays a mispredicted branch at every field end; here a block of 16 bytes costs a few
// vector compares and one step per separator. Records with a quote, or with more fields than
// expected, are left to the general splitter (split_csv_record), so both give the same fields.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cskpi::detail {

inline constexpr std::size_t not_plain = static_cast<std::size_t>(-1);

/// Splits the record at `p` when it holds no '"' and at most `max` fields: `ends[i]` is the
/// position of field i's terminating ',' or '\n' (or data.size() for a last record without
/// one); field i starts at p (i = 0) or ends[i - 1] + 1. Sets `count` and returns the position
/// after the record, as split_csv_record does; returns not_plain otherwise.
inline std::size_t split_plain_record(std::string_view data, std::size_t p, std::size_t* ends,
                                      std::size_t max, std::size_t& count) {
    const char* s = data.data();
    const std::size_t n = data.size();
    std::size_t k = 0, i = p;
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(','), nl = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"');
    for (; i + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
        const auto lines = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)));
        unsigned seps = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma))) | lines;
        unsigned quotes = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)));
        if (lines) {  // bytes after the record's '\n' belong to the next record
            const unsigned upto = (lines & (0u - lines)) * 2 - 1;
            seps &= upto;
            quotes &= upto;
        }
        if (quotes) return not_plain;
        for (; seps; seps &= seps - 1) {
            if (k == max) return not_plain;
            ends[k++] = i + static_cast<std::size_t>(std::countr_zero(seps));
        }
        if (lines) {
            count = k;
            return ends[k - 1] + 1;
        }
    }
#endif
    for (; i < n; ++i) {
        const char c = s[i];
        if (c == '"') return not_plain;
        if (c == ',' || c == '\n') {
            if (k == max) return not_plain;
            ends[k++] = i;
            if (c == '\n') {
                count = k;
                return i + 1;
            }
        }
    }
    if (k == max) return not_plain;
    ends[k++] = n;
    count = k;
    return n + 1;
}

}  // namespace cskpi::detail
