#pragma once
// Duration samples as they arrive, batch after batch, each batch's values in runs of one group.
// Writing them is sequential: appending each row's three durations to its own group's arrays
// instead scatters the writes over thousands of arrays (agent x channel x day), and those
// misses were about a quarter of the time to read and aggregate 10 M rows. The runs move into their
// groups' arrays once (report_state::flush_log), when every group's final size is known, so the
// arrays are sized exactly instead of by doubling.
#include <array>
#include <cstdint>
#include <vector>

#include "samples.hpp"

namespace cskpi::detail {

class sample_log {
public:
    static constexpr std::size_t kinds = 3;  ///< first response, handle, resolution
    /// A group's values in one batch: n[i] values of kind i, after the previous runs' values.
    struct run {
        std::uint32_t group;
        std::array<std::uint32_t, kinds> n;
    };
    struct batch {
        std::vector<run> runs;
        std::array<duration_samples, kinds> values;
    };

    /// Starts a batch with room for exactly `n[i]` values of kind i.
    batch& open(const std::array<std::size_t, kinds>& n) {
        batch& b = batches_.emplace_back();
        for (std::size_t i = 0; i < kinds; ++i) b.values[i].reserve(n[i]);
        return b;
    }
    const std::vector<batch>& batches() const noexcept { return batches_; }
    std::vector<batch>& batches() noexcept { return batches_; }
    bool empty() const noexcept { return batches_.empty(); }
    /// Empties the log and returns its memory.
    void clear_and_free() { std::vector<batch>().swap(batches_); }

    /// Calls f(group, kind, values, count, first) for every run and kind with values: `values`
    /// is the batch's storage of that kind (visit form) and the run's are [first, first + count).
    template <class F>
    void for_each_run(F&& f) const {
        for (const batch& b : batches_) {
            std::array<std::size_t, kinds> at{};
            for (const run& r : b.runs)
                for (std::size_t i = 0; i < kinds; ++i) {
                    if (r.n[i]) f(r.group, i, b.values[i], r.n[i], at[i]);
                    at[i] += r.n[i];
                }
        }
    }

private:
    std::vector<batch> batches_;
};

}  // namespace cskpi::detail
