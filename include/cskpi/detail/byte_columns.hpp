#pragma once
// Arrays of integers as raw little-endian bytes inside a JSON document (nlohmann's binary
// values): the binary form of a partial state (report_state::to_binary) carries its large arrays
// this way, so CBOR writes them with one copy instead of one item per value.
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace cskpi::detail {

static_assert(std::endian::native == std::endian::little,
              "the binary state format stores integers little-endian, as this machine does");

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

/// The values of a JSON binary value written by bytes_of<T>; `what` names it in errors.
template <class T, class J>
std::vector<T> values_of_bytes(const J& j, const std::string& what) {
    if (!j.is_binary()) throw std::invalid_argument(what + ": expected a byte string");
    const auto& b = j.get_binary();
    if (b.size() % sizeof(T))
        throw std::invalid_argument(what + ": " + std::to_string(b.size()) +
                                    " bytes is not a whole number of " + std::to_string(sizeof(T)) +
                                    "-byte values");
    std::vector<T> v(b.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), b.data(), b.size());
    return v;
}

}  // namespace cskpi::detail
