#pragma once
// What a monitor keeps per time slot and scope: counts, and durations that are exact up to a
// limit and a quantile sketch beyond it. Slots add up into windows; every count can be taken
// back, because a live interaction's facts change as its events arrive.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "../metrics/stats.hpp"
#include "sketch.hpp"

namespace cskpi::live {

/// Durations of one slot or window: the values themselves up to `limit`, then a sketch.
class duration_values {
public:
    duration_values(std::size_t limit, double relative_error)
        : limit_(limit), alpha_(relative_error) {}

    std::int64_t count() const {
        return sketch_ ? sketch_->count() : static_cast<std::int64_t>(exact_.size());
    }
    bool exact() const { return !sketch_; }

    void add(double v) {
        if (!sketch_ && exact_.size() < limit_) return exact_.push_back(v);
        to_sketch();
        sketch_->add(v);
    }
    void remove(double v) {
        if (sketch_) return sketch_->remove(v);
        const auto it = std::find(exact_.begin(), exact_.end(), v);
        if (it != exact_.end()) {
            *it = exact_.back();
            exact_.pop_back();
        }
    }
    void merge(const duration_values& o) {
        if (!sketch_ && !o.sketch_ && exact_.size() + o.exact_.size() <= limit_) {
            exact_.insert(exact_.end(), o.exact_.begin(), o.exact_.end());
            return;
        }
        to_sketch();
        if (o.sketch_)
            sketch_->merge(*o.sketch_);
        else
            for (double v : o.exact_) sketch_->add(v);
    }
    /// Type-7 quantiles (exact, or within the sketch's relative error); NaN when empty.
    template <std::size_t N>
    std::array<double, N> quantiles(const std::array<double, N>& qs) const {
        std::array<double, N> out;
        if (sketch_) {
            for (std::size_t i = 0; i < N; ++i) out[i] = sketch_->quantile(qs[i]);
            return out;
        }
        std::vector<double> v = exact_;
        return stats::quantiles_type7(v, qs);
    }
    std::size_t bytes() const {
        return exact_.capacity() * sizeof(double) + (sketch_ ? sketch_->bytes() : 0);
    }

private:
    void to_sketch() {
        if (sketch_) return;
        sketch_.emplace(alpha_);
        for (double v : exact_) sketch_->add(v);
        std::vector<double>().swap(exact_);
    }
    std::size_t limit_;
    double alpha_;
    std::vector<double> exact_;
    std::optional<quantile_sketch> sketch_;
};

/// One slot's (or window's) counts for one scope, by the interactions' arrival time.
struct cell {
    std::int64_t arrivals = 0, answered = 0, abandoned = 0;
    std::int64_t sla_achieved = 0, sla_breached = 0, sla_active = 0;  ///< first-response SLA states
    std::int64_t csat_responses = 0, csat_satisfied = 0;
    double csat_sum = 0;
    duration_values frt;

    cell(std::size_t limit, double relative_error) : frt(limit, relative_error) {}

    void merge(const cell& o) {
        arrivals += o.arrivals;
        answered += o.answered;
        abandoned += o.abandoned;
        sla_achieved += o.sla_achieved;
        sla_breached += o.sla_breached;
        sla_active += o.sla_active;
        csat_responses += o.csat_responses;
        csat_satisfied += o.csat_satisfied;
        csat_sum += o.csat_sum;
        frt.merge(o.frt);
    }
};

}  // namespace cskpi::live
