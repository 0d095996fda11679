#pragma once
// The binary form of a state (CBOR, RFC 8949). Reading: our own reader, because nlohmann's
// recurses without a bound (a few kilobytes of nested arrays overflow the stack; a state nests
// about a dozen levels) and copies byte strings a byte at a time. Writing: heads and text
// strings appended by hand, so a large byte string is written in place instead of being
// copied into a document first.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "byte_columns.hpp"

namespace cskpi::detail {

/// Reads one CBOR item into a J document. Byte strings are copied with one memcpy (nlohmann's
/// reader appends them a byte at a time: seconds for a ledger of gigabytes), containers nested
/// deeper than `max_depth` are refused instead of recursed into, and no length may promise more
/// than the bytes left. Reads what RFC 8949 calls well-formed with definite lengths and no
/// tags, which is what to_binary and nlohmann's to_cbor write.
template <class J>
class cbor_reader {
public:
    /// Byte strings of `borrow_at` bytes or more are left in the input: the document gets a
    /// reference to them (byte_columns.hpp, borrowed_subtype), valid while the input lives and a
    /// borrow_scope names it.
    cbor_reader(const std::uint8_t* data, std::size_t size, std::size_t max_depth,
                std::size_t borrow_at = SIZE_MAX)
        : p_(data), end_(data + size), max_(max_depth), borrow_at_(borrow_at) {}

    /// The item, which must use every byte. Throws std::invalid_argument.
    J read() {
        J j = item(0);
        if (p_ != end_) fail("bytes after the item");
        return j;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw std::invalid_argument(why + " (at byte " + std::to_string(at()) + ")");
    }
    std::size_t at() const noexcept { return static_cast<std::size_t>(p_ - start_); }
    std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }
    std::uint8_t byte() {
        if (p_ == end_) fail("unexpected end of input");
        return *p_++;
    }
    std::uint64_t be(unsigned bytes) {
        if (left() < bytes) fail("unexpected end of input");
        std::uint64_t v = 0;
        for (unsigned i = 0; i < bytes; ++i) v = v << 8 | *p_++;
        return v;
    }
    // The argument of a head whose additional information is `info`.
    std::uint64_t argument(unsigned info) {
        if (info < 24) return info;
        if (info <= 27) return be(1u << (info - 24));
        fail(info == 31 ? "indefinite lengths are not read" : "reserved additional information");
    }
    std::size_t length(unsigned info) {
        const std::uint64_t n = argument(info);
        if (n > left()) fail("a length of " + std::to_string(n) + " past the end of the input");
        return static_cast<std::size_t>(n);
    }
    static double half(std::uint16_t h) {  // RFC 8949, appendix D
        const int e = (h >> 10) & 0x1F;
        const double m = h & 0x3FF;
        const double v = e == 0    ? std::ldexp(m, -24)
                         : e != 31 ? std::ldexp(m + 1024, e - 25)
                                   : (m == 0 ? HUGE_VAL : NAN);
        return (h & 0x8000) ? -v : v;
    }

    J item(std::size_t depth) {
        const std::uint8_t head = byte();
        const unsigned major = head >> 5, info = head & 0x1F;
        switch (major) {
            case 0:
                return J(static_cast<typename J::number_unsigned_t>(argument(info)));
            case 1: {
                const std::uint64_t n = argument(info);
                if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                    fail("a negative integer below -2^63");
                return J(
                    static_cast<typename J::number_integer_t>(-1 - static_cast<std::int64_t>(n)));
            }
            case 2: {
                const std::size_t n = length(info);
                if (n >= borrow_at_) {
                    std::vector<std::uint8_t> ref(16);
                    const std::uint64_t off = at(), len = n;
                    std::memcpy(ref.data(), &off, 8);
                    std::memcpy(ref.data() + 8, &len, 8);
                    p_ += n;
                    return J::binary(std::move(ref), borrowed_subtype);
                }
                std::vector<std::uint8_t> b(p_, p_ + n);
                p_ += n;
                return J::binary(std::move(b));
            }
            case 3: {
                const std::size_t n = length(info);
                J s(typename J::string_t(reinterpret_cast<const char*>(p_), n));
                p_ += n;
                return s;
            }
            case 4: {
                if (depth >= max_) fail("nested deeper than " + std::to_string(max_) + " levels");
                const std::size_t n = length(info);  // each item takes a byte at least
                J a = J::array();
                a.template get_ref<typename J::array_t&>().reserve(n);
                for (std::size_t i = 0; i < n; ++i) a.push_back(item(depth + 1));
                return a;
            }
            case 5: {
                if (depth >= max_) fail("nested deeper than " + std::to_string(max_) + " levels");
                const std::size_t n = length(info);
                J o = J::object();
                for (std::size_t i = 0; i < n; ++i) {
                    const std::uint8_t k = byte();
                    if (k >> 5 != 3) fail("a map key that is not a text string");
                    const std::size_t len = length(k & 0x1F);
                    typename J::string_t key(reinterpret_cast<const char*>(p_), len);
                    p_ += len;
                    o[std::move(key)] = item(depth + 1);
                }
                return o;
            }
            case 6:
                fail("tags are not read");
            default:
                switch (info) {
                    case 20:
                        return J(false);
                    case 21:
                        return J(true);
                    case 22:
                        return J(nullptr);
                    case 25:
                        return J(half(static_cast<std::uint16_t>(be(2))));
                    case 26: {
                        const auto bits = static_cast<std::uint32_t>(be(4));
                        float f;
                        std::memcpy(&f, &bits, sizeof f);
                        return J(static_cast<double>(f));
                    }
                    case 27: {
                        const std::uint64_t bits = be(8);
                        double d;
                        std::memcpy(&d, &bits, sizeof d);
                        return J(d);
                    }
                    default:
                        fail("a simple value that is not false, true, null or a float");
                }
        }
    }

    const std::uint8_t* p_;
    const std::uint8_t* const start_ = p_;
    const std::uint8_t* const end_;
    std::size_t max_, borrow_at_;
};

/// The CBOR document of [data, data + size). Throws std::invalid_argument, its message starting
/// with `what`, when the bytes are not one well-formed CBOR item or nest deeper than
/// `max_depth`.
template <class J>
J cbor_document(const std::uint8_t* data, std::size_t size, std::size_t max_depth,
                const std::string& what, std::size_t borrow_at = SIZE_MAX) {
    try {
        return cbor_reader<J>(data, size, max_depth, borrow_at).read();
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(what + ": " + e.what());
    }
}

/// Appends the head of a data item: major type `major` (0..7) with argument `n` (RFC 8949, 3).
inline void cbor_head(std::vector<std::uint8_t>& out, unsigned major, std::uint64_t n) {
    const auto m = static_cast<std::uint8_t>(major << 5);
    unsigned bytes = 0;
    if (n < 24) {
        out.push_back(static_cast<std::uint8_t>(m | n));
        return;
    }
    if (n <= 0xFF)
        out.push_back(m | 24), bytes = 1;
    else if (n <= 0xFFFF)
        out.push_back(m | 25), bytes = 2;
    else if (n <= 0xFFFFFFFFu)
        out.push_back(m | 26), bytes = 4;
    else
        out.push_back(m | 27), bytes = 8;
    for (unsigned i = bytes; i-- > 0;) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
}

/// Appends a text string.
inline void cbor_text(std::vector<std::uint8_t>& out, std::string_view s) {
    cbor_head(out, 3, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

/// Appends the head of a byte string of `n` bytes and returns where its bytes go (out grows by
/// n; the caller fills them).
inline std::uint8_t* cbor_bytes(std::vector<std::uint8_t>& out, std::size_t n) {
    cbor_head(out, 2, n);
    const std::size_t at = out.size();
    out.resize(at + n);
    return out.data() + at;
}

/// An upper bound of the bytes nlohmann's to_cbor writes for `j`, to reserve them at once.
template <class J>
std::size_t cbor_size_bound(const J& j) {
    switch (j.type()) {
        case J::value_t::object: {
            std::size_t n = 9;
            for (const auto& [k, v] : j.items()) n += 9 + k.size() + cbor_size_bound(v);
            return n;
        }
        case J::value_t::array: {
            std::size_t n = 9;
            for (const auto& v : j) n += cbor_size_bound(v);
            return n;
        }
        case J::value_t::string:
            return 9 + j.template get_ref<const typename J::string_t&>().size();
        case J::value_t::binary:
            return 18 + j.get_binary().size();
        default:
            return 9;
    }
}

}  // namespace cskpi::detail
