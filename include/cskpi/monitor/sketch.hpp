#pragma once
// A mergeable quantile sketch of durations with a relative-error guarantee: logarithmic bins
// (DDSketch-style) held in a Boost.Histogram. Bin i spans [m γ^i, m γ^(i+1)) with
// γ = (1 + α) / (1 - α); its representative 2 lo hi / (lo + hi) lies within α of every value in
// the bin. A type-7 quantile interpolates between two such estimates of order statistics, so it
// stays within α of the exact type-7 value (both weights are non-negative). Values below the
// smallest bin (`min_s`) count as 0 (absolute error < min_s); values above `max_s` count as
// max_s. Counts can be removed again (a value's bin is decremented), which lets a live monitor
// retract a value that changed.
#include <boost/histogram.hpp>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "../metrics/stats.hpp"

namespace cskpi::live {

class quantile_sketch {
public:
    using axis_t = boost::histogram::axis::regular<double, boost::histogram::axis::transform::log>;
    using histogram_t = boost::histogram::histogram<std::tuple<axis_t>,
                                                    boost::histogram::dense_storage<std::int64_t>>;

    /// `relative_error` α in (0, 0.5); bins cover [min_s, max_s].
    explicit quantile_sketch(double relative_error = 0.01, double min_s = 1e-3, double max_s = 4e9)
        : alpha_(relative_error), h_(make(relative_error, min_s, max_s)) {}

    double relative_error() const { return alpha_; }
    std::int64_t count() const { return n_; }

    void add(double v, std::int64_t times = 1) {
        h_(clamp(v), boost::histogram::weight(times));
        n_ += times;
    }
    /// Removes one earlier add(v) (the bin it went to loses one count).
    void remove(double v) {
        auto& b = h_.at(h_.axis().index(clamp(v)));
        if (b > 0) {
            b -= 1;
            --n_;
        }
    }
    /// Adds another sketch's counts; both must have the same α and range.
    void merge(const quantile_sketch& o) {
        if (o.alpha_ != alpha_)
            throw std::invalid_argument("quantile_sketch::merge: different relative errors");
        h_ += o.h_;
        n_ += o.n_;
    }

    /// Type-7 quantile at q in [0, 1] within α of the exact value (NaN when empty).
    double quantile(double q) const {
        if (n_ <= 0) return stats::nan;
        const auto m = static_cast<std::size_t>(n_);
        auto at = [&](std::size_t k) { return order_statistic(k); };
        return stats::type7(m, q, 1.0, at, [&](std::size_t lo) { return order_statistic(lo + 1); });
    }

    /// Bytes the bins take (the histogram's storage).
    std::size_t bytes() const { return h_.size() * sizeof(std::int64_t); }

private:
    static histogram_t make(double a, double min_s, double max_s) {
        if (!(a > 0 && a < 0.5))
            throw std::invalid_argument("quantile_sketch: relative error must lie in (0, 0.5)");
        const double gamma = (1 + a) / (1 - a);
        const auto bins =
            static_cast<unsigned>(std::ceil(std::log(max_s / min_s) / std::log(gamma)));
        // The upper edge is min_s γ^bins, so every bin has the ratio γ exactly (up to rounding).
        return histogram_t(std::make_tuple(axis_t(bins, min_s, min_s * std::pow(gamma, bins))),
                           boost::histogram::dense_storage<std::int64_t>());
    }
    double clamp(double v) const {
        const auto& ax = h_.axis();
        const double top = ax.value(ax.size());
        return v > top ? std::nextafter(top, 0.0) : v;
    }
    /// The k-th smallest value's estimate (0-based): its bin's representative.
    double order_statistic(std::size_t k) const {
        const auto& ax = h_.axis();
        std::int64_t seen = 0;
        for (int i = -1; i <= ax.size(); ++i) {
            seen += h_.at(i);
            if (seen > static_cast<std::int64_t>(k)) {
                if (i < 0) return 0.0;  // below min_s: reported as 0
                const double lo = ax.value(i), hi = ax.value(i + 1);
                return 2 * lo * hi / (lo + hi);
            }
        }
        return ax.value(ax.size());
    }

    double alpha_;
    histogram_t h_;
    std::int64_t n_ = 0;
};

}  // namespace cskpi::live
