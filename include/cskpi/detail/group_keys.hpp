#pragma once
// The grouping keys of every group of a state, stored flat: `width` values a group. A group_id
// has room for every key there is (128 bytes), where a grouping by agent × channel × day needs
// 24; with hundreds of thousands of small groups the difference is megabytes of keys.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../engine/group.hpp"

namespace cskpi::detail {

class group_keys {
public:
    explicit group_keys(std::size_t width = 0) : width_(width) {}

    std::size_t size() const noexcept { return n_; }
    std::size_t width() const noexcept { return width_; }
    /// The keys of group `g` (width() values).
    const std::int64_t* data(std::size_t g) const noexcept { return v_.data() + g * width_; }
    std::int64_t key(std::size_t g, std::size_t i) const noexcept { return v_[g * width_ + i]; }
    /// Group `g`'s keys as a group_id.
    group_id operator[](std::size_t g) const {
        group_id id;
        id.n = static_cast<std::uint8_t>(width_);
        std::copy_n(data(g), width_, id.k.begin());
        return id;
    }
    bool equals(std::size_t g, const group_id& id) const noexcept {
        return id.n == width_ && std::equal(id.k.begin(), id.k.begin() + id.n, data(g));
    }
    /// Appends a group's keys; `id.n` must be width().
    void push_back(const group_id& id) {
        v_.insert(v_.end(), id.k.begin(), id.k.begin() + static_cast<std::ptrdiff_t>(width_));
        ++n_;
    }
    /// Every group's keys as group_ids, in group order.
    std::vector<group_id> ids() const {
        std::vector<group_id> out;
        out.reserve(n_);
        for (std::size_t g = 0; g < n_; ++g) out.push_back((*this)[g]);
        return out;
    }

private:
    std::size_t width_;
    std::size_t n_ = 0;
    std::vector<std::int64_t> v_;
};

}  // namespace cskpi::detail
