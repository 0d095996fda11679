#pragma once
// Durations binned on a logarithmic scale (DDSketch, Masson, Rim & Lee, VLDB 2019), for
// `quantiles: "sketch"`: a group's state then grows with the spread of its durations, not with
// its rows. With γ = (1 + α) / (1 − α), a duration of x > 0 µs falls in bin
// k = 1 + ceil(log_γ x), covering (γ^(k−2), γ^(k−1)]; bin 0 holds zero durations. The bin's
// representative 2 γ^(k−1) / (γ + 1) lies within relative error α of every value in it, and
// binning keeps the values' order, so the n-th smallest representative is within α of the n-th
// smallest value, and a type-7 quantile (a weighted mean of two of them) within α of the exact
// one. Count, sum and maximum are kept exactly: means and maxima do not change.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../metrics/stats.hpp"
#include "../time.hpp"

namespace cskpi::detail {

class duration_sketch {
public:
    __extension__ using int128 = __int128;  ///< the exact sum's type (microseconds)
    static constexpr double min_relative_error = 1e-4;
    /// Bins are stored as key << count_bits | count: 24 bits of key, 40 of count.
    static constexpr unsigned count_bits = 40;
    static constexpr std::uint64_t max_count = (std::uint64_t{1} << count_bits) - 1;

    /// `relative_error` α in [1e-4, 0.5).
    explicit duration_sketch(double relative_error) : alpha_(relative_error) {
        if (!(alpha_ >= min_relative_error && alpha_ < 0.5))
            throw std::invalid_argument(
                "quantile sketch: relative error must lie in [0.0001, 0.5), actual " +
                std::to_string(alpha_));
        log_gamma_ = std::log((1 + alpha_) / (1 - alpha_));
    }

    double relative_error() const noexcept { return alpha_; }
    std::uint64_t count() const noexcept { return n_; }
    bool empty() const noexcept { return n_ == 0; }
    /// The exact sum of the durations, in microseconds.
    int128 sum() const noexcept { return sum_; }
    /// The exact largest duration, in microseconds (0 when empty).
    micros max() const noexcept { return max_; }

    /// The bin of a duration of `x` >= 0 microseconds.
    std::uint32_t key_of(micros x) const noexcept {
        if (x <= 0) return 0;
        return 1 + static_cast<std::uint32_t>(
                       std::max(0.0, std::ceil(std::log(static_cast<double>(x)) / log_gamma_)));
    }
    /// The value standing for every duration of bin `key`, in microseconds.
    double representative(std::uint32_t key) const noexcept {
        if (key == 0) return 0;
        const double gamma = (1 + alpha_) / (1 - alpha_);
        return 2 * std::exp(static_cast<double>(key - 1) * log_gamma_) / (gamma + 1);
    }

    /// Adds `times` durations of `x` >= 0 microseconds.
    void add(micros x, std::uint64_t times = 1) {
        if (times == 0) return;
        add_bin(key_of(x), times);
        sum_ += static_cast<int128>(x) * static_cast<int128>(times);
        max_ = std::max(max_, x);
    }
    /// Adds every duration of `o`, which must have the same relative error.
    void merge(const duration_sketch& o) {
        if (o.alpha_ != alpha_)
            throw std::invalid_argument("quantile sketch: cannot merge relative errors " +
                                        std::to_string(alpha_) + " and " +
                                        std::to_string(o.alpha_));
        // Bins this sketch already has are counted in place; the others are merged in once.
        std::vector<std::uint64_t> fresh;
        auto at = bins_.begin();
        for (const std::uint64_t b : o.bins_) {
            at = std::lower_bound(at, bins_.end(), b & ~max_count);
            if (at != bins_.end() && key(*at) == key(b))
                *at = bumped(*at, b & max_count);
            else
                fresh.push_back(b);
        }
        if (!fresh.empty()) {
            const auto mid = static_cast<std::ptrdiff_t>(bins_.size());
            bins_.insert(bins_.end(), fresh.begin(), fresh.end());
            std::inplace_merge(bins_.begin(), bins_.begin() + mid, bins_.end());
        }
        n_ += o.n_;
        sum_ += o.sum_;
        max_ = std::max(max_, o.max_);
    }

    /// Type-7 quantiles at `qs`, in microseconds, within α of the exact values (NaN when empty).
    /// The largest order statistic is never estimated above the exact maximum.
    std::vector<double> quantiles(const std::vector<double>& qs) const {
        std::vector<double> out;
        for (double q : qs) {
            if (n_ == 0) {
                out.push_back(stats::nan);
                continue;
            }
            auto at = [&](std::size_t k) { return order_statistic(k); };
            out.push_back(stats::type7(static_cast<std::size_t>(n_), q, 1.0, at,
                                       [&](std::size_t lo) { return order_statistic(lo + 1); }));
        }
        return out;
    }

    /// The bins' (representative rounded to whole microseconds, count), ascending, with equal
    /// rounded values joined: Kaplan-Meier's event times in sketch mode.
    std::vector<std::pair<micros, std::uint64_t>> counted_values() const {
        std::vector<std::pair<micros, std::uint64_t>> out;
        for (const std::uint64_t b : bins_) {
            const micros v = rounded(key(b));
            if (!out.empty() && out.back().first == v)
                out.back().second += b & max_count;
            else
                out.emplace_back(v, b & max_count);
        }
        return out;
    }
    /// The whole-microsecond value standing for a duration of `x` microseconds.
    micros rounded_value(micros x) const { return rounded(key_of(x)); }

    /// Calls f(key, count) for every bin, keys ascending.
    template <class F>
    void for_each_bin(F&& f) const {
        for (const std::uint64_t b : bins_) f(key(b), b & max_count);
    }
    /// Bytes of the bins.
    std::size_t bytes() const noexcept { return bins_.capacity() * sizeof(std::uint64_t); }

    /// A sketch from its parts (a state read back); throws std::invalid_argument when they
    /// contradict each other.
    static duration_sketch from_parts(double relative_error, const std::vector<std::uint32_t>& keys,
                                      const std::vector<std::uint64_t>& counts, int128 sum,
                                      micros max) {
        duration_sketch s(relative_error);
        auto bad = [](const std::string& why) {
            return std::invalid_argument("quantile sketch: " + why);
        };
        if (keys.size() != counts.size())
            throw bad("expected as many counts as keys, actual " + std::to_string(counts.size()) +
                      " and " + std::to_string(keys.size()));
        const std::uint32_t top = s.key_of(std::numeric_limits<micros>::max());
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (keys[i] > top || (i > 0 && keys[i] <= keys[i - 1]))
                throw bad("keys must ascend strictly and stay below " + std::to_string(top + 1));
            if (counts[i] == 0 || counts[i] > max_count)
                throw bad("expected counts in [1, 2^40), actual " + std::to_string(counts[i]));
            s.bins_.push_back(std::uint64_t{keys[i]} << count_bits | counts[i]);
            s.n_ += counts[i];
        }
        if (max < 0 || (keys.empty() ? max != 0 : s.key_of(max) != keys.back()))
            throw bad("the maximum " + std::to_string(max) + " µs does not fall in the last bin");
        if (sum < 0 || sum > static_cast<int128>(max) * static_cast<int128>(s.n_) ||
            (!keys.empty() && sum < static_cast<int128>(max)))
            throw bad("the sum contradicts the count and the maximum");
        s.sum_ = sum;
        s.max_ = max;
        return s;
    }

    bool operator==(const duration_sketch& o) const {
        return alpha_ == o.alpha_ && bins_ == o.bins_ && n_ == o.n_ && sum_ == o.sum_ &&
               max_ == o.max_;
    }

private:
    static std::uint32_t key(std::uint64_t b) noexcept {
        return static_cast<std::uint32_t>(b >> count_bits);
    }
    static std::uint64_t bumped(std::uint64_t b, std::uint64_t by) {
        if ((b & max_count) + by > max_count)
            throw std::overflow_error("quantile sketch: more than 2^40 durations in one bin");
        return b + by;
    }
    micros rounded(std::uint32_t k) const {
        const double r = std::min(representative(k), static_cast<double>(max_));
        // Near 2^63 µs (292,000 years, only in a state made up by hand) rounding would overflow.
        return r >= 9.2e18 ? max_ : std::min(max_, static_cast<micros>(std::llround(r)));
    }
    void add_bin(std::uint32_t k, std::uint64_t times) {
        const std::uint64_t at_key = std::uint64_t{k} << count_bits;
        if (times > max_count)
            throw std::overflow_error("quantile sketch: more than 2^40 durations in one bin");
        auto it = std::lower_bound(bins_.begin(), bins_.end(), at_key);
        if (it != bins_.end() && key(*it) == k)
            *it = bumped(*it, times);
        else
            bins_.insert(it, at_key | times);
        n_ += times;
    }
    // The estimate of the k-th smallest duration (0-based): its bin's representative, at most
    // the exact maximum.
    double order_statistic(std::size_t k) const {
        std::uint64_t seen = 0;
        for (const std::uint64_t b : bins_) {
            seen += b & max_count;
            if (seen > k) return std::min(representative(key(b)), static_cast<double>(max_));
        }
        return static_cast<double>(max_);
    }

    double alpha_;
    double log_gamma_ = 0;
    std::vector<std::uint64_t> bins_;  // key << count_bits | count, keys ascending
    std::uint64_t n_ = 0;
    int128 sum_ = 0;
    micros max_ = 0;
};

}  // namespace cskpi::detail
