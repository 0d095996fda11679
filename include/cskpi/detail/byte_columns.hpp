#pragma once
// Arrays of integers as raw little-endian bytes inside a JSON document (nlohmann's binary
// values): the binary form of a partial state (report_state::to_binary) carries its large arrays
// this way, so CBOR writes them with one copy instead of one item per value.
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace cskpi::detail {

static_assert(std::endian::native == std::endian::little,
              "the binary state format stores integers little-endian, as this machine does");

/// A byte string the CBOR reader left in its input instead of copying it into the document
/// (cbor_reader's borrow_at): its binary value holds the offset and size, marked with this
/// subtype, and is resolved against the input of the read in progress on this thread
/// (borrow_scope). Reading a state then holds its input and the state, not a third copy.
inline constexpr std::uint8_t borrowed_subtype = 0xB0;

struct borrowed_input {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
};
inline borrowed_input& current_borrowed_input() {
    thread_local borrowed_input in;
    return in;
}
/// The input borrowed byte strings point into, while it lives.
class borrow_scope {
public:
    borrow_scope(const std::uint8_t* data, std::size_t size) : saved_(current_borrowed_input()) {
        current_borrowed_input() = {data, size};
    }
    ~borrow_scope() { current_borrowed_input() = saved_; }
    borrow_scope(const borrow_scope&) = delete;
    borrow_scope& operator=(const borrow_scope&) = delete;

private:
    borrowed_input saved_;
};

/// The bytes of a JSON binary value, borrowed or not.
template <class J>
std::span<const std::uint8_t> binary_bytes(const J& j) {
    const auto& b = j.get_binary();
    if (!b.has_subtype() || b.subtype() != borrowed_subtype) return {b.data(), b.size()};
    const borrowed_input& in = current_borrowed_input();
    std::uint64_t at = 0, n = 0;
    if (b.size() != 16 || !in.data)
        throw std::invalid_argument("a borrowed byte string outside the input it was read from");
    std::memcpy(&at, b.data(), 8);
    std::memcpy(&n, b.data() + 8, 8);
    if (at > in.size || n > in.size - at)
        throw std::invalid_argument("a borrowed byte string past the end of its input");
    return {in.data + at, static_cast<std::size_t>(n)};
}

/// `n` values of T as a JSON binary value of type J.
template <class J, class T>
J bytes_of(const T* p, std::size_t n) {
    std::vector<std::uint8_t> b(n * sizeof(T));
    if (n) std::memcpy(b.data(), p, b.size());
    return J::binary(std::move(b));
}
template <class J, class T>
J bytes_of(const std::vector<T>& v) {
    return bytes_of<J>(v.data(), v.size());
}

/// The values of a JSON binary value written by bytes_of<T>, read where they are (no copy of
/// the column); `what` names it in errors.
template <class T>
class byte_view {
public:
    template <class J>
    byte_view(const J& j, const std::string& what) {
        if (!j.is_binary()) throw std::invalid_argument(what + ": expected a byte string");
        const auto b = binary_bytes(j);
        if (b.size() % sizeof(T))
            throw std::invalid_argument(what + ": " + std::to_string(b.size()) +
                                        " bytes is not a whole number of " +
                                        std::to_string(sizeof(T)) + "-byte values");
        p_ = b.data();
        n_ = b.size() / sizeof(T);
    }
    std::size_t size() const noexcept { return n_; }
    const std::uint8_t* data() const noexcept { return p_; }
    T operator[](std::size_t i) const {
        T x;
        std::memcpy(&x, p_ + i * sizeof(T), sizeof(T));
        return x;
    }

private:
    const std::uint8_t* p_ = nullptr;
    std::size_t n_ = 0;
};

/// The values of a JSON binary value written by bytes_of<T>; `what` names it in errors.
template <class T, class J>
std::vector<T> values_of_bytes(const J& j, const std::string& what) {
    const byte_view<T> b(j, what);
    std::vector<T> v(b.size());
    if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
    return v;
}

}  // namespace cskpi::detail
