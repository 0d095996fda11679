#pragma once
// String dictionary: each distinct string gets a dense uint32 code, in order of first sight.
// Flat layout (one character arena, an offsets array, an open-addressing table of codes) so a
// few million distinct customer ids cost tens of bytes each and no allocation per entry.
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cskpi::detail {

inline constexpr std::uint32_t no_code = UINT32_MAX;

/// The bytes of a string of 1 to 16 bytes as two words: two overlapping loads (8..16 bytes),
/// two 4-byte loads (4..7), or the first, middle and last byte (1..3). With the length they
/// determine the string (the loads cover every byte).
inline void short_words(std::string_view s, std::uint64_t& a, std::uint64_t& b) {
    const std::size_t n = s.size();
    const char* p = s.data();
    a = b = 0;
    if (n >= 8) {
        std::memcpy(&a, p, 8);
        std::memcpy(&b, p + n - 8, 8);
    } else if (n >= 4) {
        std::uint32_t x, y;
        std::memcpy(&x, p, 4);
        std::memcpy(&y, p + n - 4, 4);
        a = static_cast<std::uint64_t>(x) << 32 | y;
    } else if (n > 0) {
        a = (static_cast<std::uint64_t>(static_cast<unsigned char>(p[0])) << 16) |
            (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) |
            static_cast<unsigned char>(p[n - 1]);
    }
}

/// 64-bit hash for table lookups. Labels and ids are short, so strings of up to 16 bytes are
/// hashed from short_words and 128-bit multiplies (wyhash's mixer); longer ones go through
/// std::hash first.
inline std::uint64_t hash_bytes(std::string_view s) {
    const std::size_t n = s.size();
    std::uint64_t a = 0, b = 0;
    if (n <= 16)
        short_words(s, a, b);
    else
        a = std::hash<std::string_view>{}(s);
    // Two multiply-folds (wyhash's finish): the length enters the outer one, so it cannot
    // cancel against the data bytes (XORing it into `b` did: "c1228" and "c12228" collided).
    auto mix = [](std::uint64_t x, std::uint64_t y) {
        __extension__ const unsigned __int128 m = static_cast<unsigned __int128>(x) * y;
        return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
    };
    return mix(0xe7037ed1a0b428dbULL ^ n,
               mix(a ^ 0xa0761d6478bd642fULL, b ^ 0x8ebc6af09c88c6e3ULL));
}

/// a == b for short strings without a library call: labels and ids are mostly 4 to 16 bytes,
/// compared here by two overlapping loads each.
inline bool same_text(std::string_view a, std::string_view b) {
    const std::size_t n = a.size();
    if (n != b.size()) return false;
    const char *p = a.data(), *q = b.data();
    if (n >= 8 && n <= 16) {
        std::uint64_t x0, x1, y0, y1;
        std::memcpy(&x0, p, 8);
        std::memcpy(&x1, p + n - 8, 8);
        std::memcpy(&y0, q, 8);
        std::memcpy(&y1, q + n - 8, 8);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    if (n >= 4 && n < 8) {
        std::uint32_t x0, x1, y0, y1;
        std::memcpy(&x0, p, 4);
        std::memcpy(&x1, p + n - 4, 4);
        std::memcpy(&y0, q, 4);
        std::memcpy(&y1, q + n - 4, 4);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    return n == 0 || std::memcmp(p, q, n) == 0;
}

class dictionary {
public:
    /// Code of `s`, adding it if new; an empty string is "missing" and gets no_code.
    std::uint32_t code(std::string_view s) {
        if (s.empty()) return no_code;
        if (last_ != no_code && same_text(value(last_), s)) return last_;
        // A handful of short labels (channels, categories, priorities): compared in place,
        // without hashing and probing.
        std::uint64_t a = 0, b = 0;
        const bool small = size() <= small_max && s.size() <= 16;
        if (small) {
            short_words(s, a, b);
            for (std::uint32_t c = 0; c < size(); ++c)
                if (small_[c].n == s.size() && small_[c].a == a && small_[c].b == b)
                    return last_ = c;
        }
        if ((size() + 1) * 4 > slots_.size() * 3) grow();
        const std::uint64_t h = hash_bytes(s);
        const auto tag = static_cast<std::uint32_t>(h >> 32);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            const slot& e = slots_[i];
            if (e.code == no_code) {
                const auto c = static_cast<std::uint32_t>(size());
                // Here c < small_max implies `small` (a, b are s's words) unless s is longer
                // than 16 bytes; such an entry keeps n = 0 and never matches.
                if (c < small_max && small) small_[c] = {s.size(), a, b};
                arena_.append(s);
                offsets_.push_back(arena_.size());
                slots_[i] = {c, tag};
                return last_ = c;
            }
            if (e.tag == tag && same_text(value(e.code), s)) return last_ = e.code;
        }
    }
    /// The string of a code; valid until the next code() call adds an entry.
    std::string_view value(std::uint32_t c) const {
        return std::string_view(arena_.data() + offsets_[c], offsets_[c + 1] - offsets_[c]);
    }
    std::size_t size() const noexcept { return offsets_.size() - 1; }

private:
    struct slot {
        std::uint32_t code = no_code, tag = 0;
    };
    void grow() {
        const std::size_t cap = slots_.empty() ? 64 : slots_.size() * 2;
        slots_.assign(cap, slot{});
        mask_ = cap - 1;
        for (std::uint32_t c = 0; c < size(); ++c) {
            const std::uint64_t h = hash_bytes(value(c));
            std::size_t i = h & mask_;
            while (slots_[i].code != no_code) i = (i + 1) & mask_;
            slots_[i] = {c, static_cast<std::uint32_t>(h >> 32)};
        }
    }
    static constexpr std::size_t small_max = 8;
    struct small_entry {
        std::size_t n = 0;
        std::uint64_t a = 0, b = 0;
    };
    std::array<small_entry, small_max> small_{};
    std::string arena_;
    std::vector<std::size_t> offsets_ = {0};
    std::vector<slot> slots_;
    std::size_t mask_ = 0;
    std::uint32_t last_ = no_code;
};

}  // namespace cskpi::detail
