#pragma once
// Duration samples kept for exact quantiles, stored compactly: while every value is a whole
// number of seconds (durations between second-resolution timestamps, integer handle times)
// they take 32 bits each; the first value that is not switches the store to 64-bit
// microseconds. Values, and every statistic computed from them, are the same either way.
#include <cstdint>
#include <limits>
#include <vector>

#include "../time.hpp"
#include "widening_vector.hpp"

namespace cskpi::detail {

struct whole_seconds_codec {
    static bool fits(micros v) {
        return v >= 0 && v % us_per_s == 0 && v / us_per_s <= std::numeric_limits<std::uint32_t>::max();
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
            for (auto x : v) out.push_back(static_cast<double>(x) * static_cast<double>(unit) / 1e6);
        });
        return out;
    }
};

}  // namespace cskpi::detail
