#pragma once
// Order statistics, sum and maximum of the union of many arrays of 32-bit samples (the overall
// row's durations, pooled from every group) found by counting instead of copying the arrays
// into one and selecting: a count per value >> 12, then, inside the few high bins that hold a
// wanted rank, a count per low 12 bits. Exact; two passes; a few megabytes whatever the count.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "pages.hpp"

namespace cskpi::detail {

class pooled_u32 {
public:
    explicit pooled_u32(std::vector<const std::vector<std::uint32_t>*> parts)
        : parts_(std::move(parts)), bins_(std::size_t{1} << (32 - low_bits)) {
        for (const auto* p : parts_) {
            std::uint64_t s = 0;  // < 2^32 values of < 2^32 each: no overflow
            std::uint32_t mx = 0;
            for (const std::uint32_t x : *p) {
                ++bins_[x >> low_bits];
                s += x;
                mx = std::max(mx, x);
            }
            sum_ += s;
            max_ = std::max(max_, mx);
            n_ += p->size();
        }
    }

    std::uint64_t size() const noexcept { return n_; }
    __extension__ unsigned __int128 sum() const noexcept { return sum_; }
    std::uint32_t max() const noexcept { return max_; }

    /// The values of 0-based ranks `ks` (each < size()), in the order given.
    std::vector<std::uint32_t> order_stats(const std::vector<std::uint64_t>& ks) const {
        struct want {
            std::uint64_t k;
            std::size_t i;
            std::uint32_t bin;
            std::uint64_t rank;
        };
        std::vector<want> w;
        for (std::size_t i = 0; i < ks.size(); ++i) w.push_back({ks[i], i, 0, 0});
        std::sort(w.begin(), w.end(), [](const want& a, const want& b) { return a.k < b.k; });
        // High bin of each rank, and the rank inside it.
        std::uint64_t below = 0;
        std::size_t b = 0;
        for (auto& x : w) {
            while (below + bins_[b] <= x.k) below += bins_[b++];
            x.bin = static_cast<std::uint32_t>(b);
            x.rank = x.k - below;
        }
        // Low-bit counts of the distinct bins wanted (at most ks.size()).
        std::vector<std::uint32_t> bins;
        for (const auto& x : w)
            if (bins.empty() || bins.back() != x.bin) bins.push_back(x.bin);
        zeroed_pages<std::uint8_t> slot(
            bins_.size());  // bin -> 1 + index into `low`, 0 = not wanted
        for (std::size_t j = 0; j < bins.size(); ++j)
            slot[bins[j]] = static_cast<std::uint8_t>(j + 1);
        std::vector<std::uint64_t> low(bins.size() << low_bits);
        for (const auto* p : parts_)
            for (const std::uint32_t x : *p)
                if (const std::uint8_t s = slot[x >> low_bits])
                    ++low[(std::size_t{s - 1u} << low_bits) | (x & low_mask)];
        std::vector<std::uint32_t> out(ks.size());
        for (const auto& x : w) {
            const std::size_t j = static_cast<std::size_t>(slot[x.bin] - 1);
            std::uint64_t seen = 0;
            std::uint32_t v = 0;
            while (seen + low[(j << low_bits) | v] <= x.rank) seen += low[(j << low_bits) | v++];
            out[x.i] = x.bin << low_bits | v;
        }
        return out;
    }

private:
    static constexpr unsigned low_bits = 12;
    static constexpr std::uint32_t low_mask = (1u << low_bits) - 1;
    std::vector<const std::vector<std::uint32_t>*> parts_;
    zeroed_pages<std::uint64_t> bins_;  // 8 MB of address space; only the bins in use cost memory
    std::uint64_t n_ = 0;
    __extension__ unsigned __int128 sum_ = 0;
    std::uint32_t max_ = 0;
};

}  // namespace cskpi::detail
