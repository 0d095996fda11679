#pragma once
// Duration samples kept for exact quantiles, stored compactly: while every value is a whole
// number of seconds (durations between second-resolution timestamps, integer handle times)
// they take 32 bits each; the first value that is not switches the store to 64-bit
// microseconds. Values, and every statistic computed from them, are the same either way. In
// sketch mode a store's values are binned (duration_sketch) once the group is complete.
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "../time.hpp"
#include "duration_sketch.hpp"
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

/// The durations of one measure of a group: exact values (32-bit whole seconds, else 64-bit
/// microseconds), or, once to_sketch() was called (`quantiles: "sketch"`), a duration_sketch.
class duration_samples : private widening_vector<std::uint32_t, micros, whole_seconds_codec> {
    using base = widening_vector<std::uint32_t, micros, whole_seconds_codec>;

public:
    duration_samples() = default;
    explicit duration_samples(const std::vector<micros>& v) {
        reserve(v.size());
        for (micros x : v) push_back(x);
    }
    /// A sketched store; an empty sketch gives an empty exact store (the two are one state).
    explicit duration_samples(duration_sketch s)
        : sketch_(s.empty() ? nullptr : std::make_unique<duration_sketch>(std::move(s))) {}
    duration_samples(const duration_samples& o)
        : base(o), sketch_(o.sketch_ ? std::make_unique<duration_sketch>(*o.sketch_) : nullptr) {}
    duration_samples(duration_samples&&) noexcept = default;
    duration_samples& operator=(const duration_samples& o) {
        if (this != &o) *this = duration_samples(o);
        return *this;
    }
    duration_samples& operator=(duration_samples&&) noexcept = default;

    bool sketched() const noexcept { return sketch_ != nullptr; }
    /// The sketch (only when sketched()).
    const duration_sketch& sketch() const { return *sketch_; }
    /// Bins every value into a sketch of relative error `alpha` and frees the exact values.
    /// Empty stores stay exact (they cost nothing and hold nothing to approximate).
    void to_sketch(double alpha) {
        if (sketch_ || base::empty()) return;
        duration_sketch s(alpha);
        base::visit([&](const auto& v) {
            for (auto x : v) s.add(to_wide(x));
        });
        base::clear_and_free();
        sketch_ = std::make_unique<duration_sketch>(std::move(s));
    }

    /// Calls f(storage vector, microseconds per stored unit) on the exact values; not for a
    /// sketched store.
    template <class F>
    decltype(auto) visit(F&& f) {
        return wide_ ? f(*wide_, micros{1}) : f(narrow_v_, us_per_s);
    }
    template <class F>
    decltype(auto) visit(F&& f) const {
        return wide_ ? f(*wide_, micros{1}) : f(narrow_v_, us_per_s);
    }

    std::size_t size() const noexcept {
        return sketch_ ? static_cast<std::size_t>(sketch_->count()) : base::size();
    }
    bool empty() const noexcept { return size() == 0; }
    bool wide() const noexcept { return wide_ != nullptr; }
    using base::reserve;
    using base::reserve_more;

    void push_back(micros x) {
        if (sketch_) return sketch_->add(x);
        // The first value takes room for six: glibc's smallest block holds 24 bytes whatever
        // is asked, and a group of ~45 values then grows 4 times instead of 7.
        if (base::capacity() == 0) base::reserve(first_room);
        base::push_back(x);
    }
    /// Appends `n` values given as stored values in whole seconds or in microseconds.
    template <class T>
    void append(const T* p, std::size_t n) {
        if (!sketch_) return base::append(p, n);
        for (std::size_t i = 0; i < n; ++i) sketch_->add(to_wide(p[i]));
    }
    /// Adds every value of `o`; a sketch on either side makes the result a sketch.
    void append(const duration_samples& o) {
        if (o.sketch_) {
            to_sketch(o.sketch_->relative_error());
            if (!sketch_) sketch_ = std::make_unique<duration_sketch>(o.sketch_->relative_error());
            return sketch_->merge(*o.sketch_);
        }
        o.visit([&](const auto& v, micros) { append(v.data(), v.size()); });
    }
    void clear_and_free() {
        base::clear_and_free();
        sketch_.reset();
    }

    /// Every value in microseconds (any order); a sketch gives each bin's rounded representative
    /// as many times as it counts.
    std::vector<micros> values() const {
        if (!sketch_) return base::values();
        std::vector<micros> out;
        for (const auto& [v, n] : sketch_->counted_values()) out.insert(out.end(), n, v);
        return out;
    }
    /// values() in seconds, for tests and analyses that need the values.
    std::vector<double> seconds() const {
        std::vector<double> out;
        for (micros x : values()) out.push_back(static_cast<double>(x) / 1e6);
        return out;
    }

private:
    static constexpr std::size_t first_room = 24 / sizeof(std::uint32_t);
    std::unique_ptr<duration_sketch> sketch_;  // non-null: the values live here, binned
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
