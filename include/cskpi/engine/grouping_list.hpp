#pragma once
// The groupings one reading of a file must produce for several consumers (a scorecard, its case
// mix cells, team roll-ups, a dashboard's charts): each grouping once, found again by its slot.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "group.hpp"

namespace cskpi {

class grouping_list {
public:
    /// The slot of `keys`, added when not yet asked for.
    std::size_t slot(const std::vector<group_key>& keys) {
        const auto it = std::find(list_.begin(), list_.end(), keys);
        if (it != list_.end()) return static_cast<std::size_t>(it - list_.begin());
        list_.push_back(keys);
        return list_.size() - 1;
    }
    const std::vector<std::vector<group_key>>& list() const noexcept { return list_; }

private:
    std::vector<std::vector<group_key>> list_;
};

}  // namespace cskpi
