#pragma once
// Duration samples kept for exact quantiles, stored compactly: while every value is a whole
// number of seconds (durations between second-resolution timestamps, integer handle times)
// they take 32 bits each; the first value that is not switches the store to 64-bit
// microseconds. Values, and every statistic computed from them, are the same either way.
#include <cstdint>
#include <limits>
#include <vector>

#include "../time.hpp"

namespace cskpi::detail {

class duration_samples {
public:
    duration_samples() = default;
    explicit duration_samples(const std::vector<micros>& v) {
        reserve(v.size());
        for (micros x : v) push_back(x);
    }

    /// Calls f(storage vector, microseconds per stored unit).
    template <class F>
    decltype(auto) visit(F&& f) {
        return wide_ ? f(us_, micros{1}) : f(secs_, us_per_s);
    }
    template <class F>
    decltype(auto) visit(F&& f) const {
        return wide_ ? f(us_, micros{1}) : f(secs_, us_per_s);
    }

    void push_back(micros v) {
        if (!wide_ && whole_seconds(v)) secs_.push_back(static_cast<std::uint32_t>(v / us_per_s));
        else {
            widen(1);
            us_.push_back(v);
        }
    }
    void append(const duration_samples& o) {
        if (!wide_ && !o.wide_) {
            secs_.insert(secs_.end(), o.secs_.begin(), o.secs_.end());
            return;
        }
        widen(o.size());
        o.visit([&](const auto& v, micros unit) {
            for (auto x : v) us_.push_back(static_cast<micros>(x) * unit);
        });
    }
    void reserve(std::size_t n) { wide_ ? us_.reserve(n) : secs_.reserve(n); }
    std::size_t size() const noexcept { return wide_ ? us_.size() : secs_.size(); }
    bool empty() const noexcept { return size() == 0; }
    /// The values in microseconds (a copy, in storage order).
    std::vector<micros> values() const {
        std::vector<micros> out;
        out.reserve(size());
        visit([&](const auto& v, micros unit) {
            for (auto x : v) out.push_back(static_cast<micros>(x) * unit);
        });
        return out;
    }

private:
    static bool whole_seconds(micros v) {
        return v >= 0 && v % us_per_s == 0 && v / us_per_s <= std::numeric_limits<std::uint32_t>::max();
    }
    void widen(std::size_t more) {
        if (wide_) return;
        us_.reserve(secs_.size() + more);
        for (auto s : secs_) us_.push_back(static_cast<micros>(s) * us_per_s);
        std::vector<std::uint32_t>().swap(secs_);
        wide_ = true;
    }

    std::vector<std::uint32_t> secs_;
    std::vector<micros> us_;
    bool wide_ = false;
};

}  // namespace cskpi::detail
