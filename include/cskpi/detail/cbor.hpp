#pragma once
// Reading the binary form of a state (CBOR, RFC 8949) with a bound on nesting. nlohmann's CBOR
// reader recurses once per level, so a few kilobytes of arrays nested in arrays would overflow
// the stack; a state document nests about a dozen levels, and anything deeper is refused.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace cskpi::detail {

/// nlohmann's DOM builder, refusing containers nested deeper than `max_depth`.
template <class J>
class depth_limited_sax {
public:
    depth_limited_sax(J& root, std::size_t max_depth) : dom_(root, true), max_(max_depth) {}
    bool null() { return dom_.null(); }
    bool boolean(bool v) { return dom_.boolean(v); }
    bool number_integer(typename J::number_integer_t v) { return dom_.number_integer(v); }
    bool number_unsigned(typename J::number_unsigned_t v) { return dom_.number_unsigned(v); }
    bool number_float(typename J::number_float_t v, const typename J::string_t& s) {
        return dom_.number_float(v, s);
    }
    bool string(typename J::string_t& v) { return dom_.string(v); }
    bool binary(typename J::binary_t& v) { return dom_.binary(v); }
    bool key(typename J::string_t& v) { return dom_.key(v); }
    bool start_object(std::size_t n) { return ++depth_ <= max_ && dom_.start_object(n); }
    bool end_object() {
        --depth_;
        return dom_.end_object();
    }
    bool start_array(std::size_t n) { return ++depth_ <= max_ && dom_.start_array(n); }
    bool end_array() {
        --depth_;
        return dom_.end_array();
    }
    template <class Exception>
    bool parse_error(std::size_t at, const std::string& token, const Exception& e) {
        return dom_.parse_error(at, token, e);
    }
    bool too_deep() const noexcept { return depth_ > max_; }

private:
    nlohmann::detail::json_sax_dom_parser<J> dom_;
    std::size_t depth_ = 0, max_;
};

/// The CBOR document of [data, data + size). Throws std::invalid_argument, its message starting
/// with `what`, when the bytes are not one CBOR item or nest deeper than `max_depth`.
template <class J>
J cbor_document(const std::uint8_t* data, std::size_t size, std::size_t max_depth,
                const std::string& what) {
    J j;
    depth_limited_sax<J> sax(j, max_depth);
    bool ok = false;
    try {
        ok = J::sax_parse(data, data + size, &sax, J::input_format_t::cbor, true);
    } catch (const typename J::exception& e) {
        throw std::invalid_argument(what + ": " + e.what());
    }
    if (sax.too_deep())
        throw std::invalid_argument(what + ": nested deeper than " + std::to_string(max_depth) +
                                    " levels");
    if (!ok) throw std::invalid_argument(what + ": not one CBOR item");
    return j;
}

}  // namespace cskpi::detail
