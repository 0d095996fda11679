#pragma once
// Duration samples kept for exact quantiles, stored compactly: while every value is a whole
// number of seconds (durations between second-resolution timestamps, integer handle times)
// they take 32 bits each; the first value that is not switches the store to 64-bit
// microseconds. Values, and every statistic computed from them, are the same either way.
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "../time.hpp"
#include "widening_vector.hpp"

namespace cskpi::detail {

struct whole_seconds_codec {
    static bool fits(micros v) {
        return v >= 0 && v % us_per_s == 0 &&
               v / us_per_s <= std::numeric_limits<std::uint32_t>::max();
    }
    static std::uint32_t narrow(micros v) { return static_cast<std::uint32_t>(v / us_per_s); }
    static micros wide(std::uint32_t s) { return static_cast<micros>(s) * us_per_s; }
};

class duration_samples : public widening_vector<std::uint32_t, micros, whole_seconds_codec> {
public:
    duration_samples() = default;
    explicit duration_samples(const std::vector<micros>& v) {
        reserve(v.size());
        for (micros x : v) push_back(x);
    }

    /// Calls f(storage vector, microseconds per stored unit).
    template <class F>
    decltype(auto) visit(F&& f) {
        return wide_ ? f(wide_v_, micros{1}) : f(narrow_v_, us_per_s);
    }
    template <class F>
    decltype(auto) visit(F&& f) const {
        return wide_ ? f(wide_v_, micros{1}) : f(narrow_v_, us_per_s);
    }
    /// Every sample in seconds (any order), for tests and charts that need the values.
    std::vector<double> seconds() const {
        std::vector<double> out;
        out.reserve(size());
        visit([&](const auto& v, micros unit) {
            for (auto x : v)
                out.push_back(static_cast<double>(x) * static_cast<double>(unit) / 1e6);
        });
        return out;
    }
};

/// Sorts samples ascending. Arrays of 32-bit values from a few hundred on go through an LSD radix
/// sort on 11-bit digits (a pass is skipped when every value shares its digit, as the high
/// digits of durations mostly do): linear, where comparison sorting was most of the
/// Kaplan-Meier columns' time. Already sorted arrays are left as they are.
template <class T>
void sort_samples(std::vector<T>& v) {
    if (std::is_sorted(v.begin(), v.end())) return;
    if constexpr (std::is_same_v<T, std::uint32_t>) {
        if (v.size() >= 512 && v.size() <= UINT32_MAX) {
            constexpr unsigned bits = 11;
            constexpr std::size_t radix = std::size_t{1} << bits;
            thread_local std::vector<std::uint32_t> scratch;  // reused group after group
            scratch.resize(v.size());
            std::uint32_t *src = v.data(), *dst = scratch.data();
            const std::size_t n = v.size();
            std::array<std::uint32_t, radix> at;
            for (unsigned shift = 0; shift < 32; shift += bits) {
                at.fill(0);
                for (std::size_t i = 0; i < n; ++i) ++at[(src[i] >> shift) & (radix - 1)];
                if (at[(src[0] >> shift) & (radix - 1)] == n)
                    continue;  // one digit: order unchanged
                std::uint32_t sum = 0;
                for (auto& a : at) sum += std::exchange(a, sum);
                for (std::size_t i = 0; i < n; ++i)
                    dst[at[(src[i] >> shift) & (radix - 1)]++] = src[i];
                std::swap(src, dst);
            }
            if (src != v.data()) std::copy(src, src + n, v.data());
            if (scratch.size() > (std::size_t{1} << 20))
                std::vector<std::uint32_t>().swap(scratch);  // not 40 MB for ever
            return;
        }
    }
    std::sort(v.begin(), v.end());
}

}  // namespace cskpi::detail
