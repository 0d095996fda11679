#pragma once
// The instants Kaplan-Meier needs beyond a group's duration samples (spec section 14): when each
// open interaction was created (censored at as_of - created_at, as_of being known only when the
// report is finalized), and the sampled durations that are not events (abandoned rows; with an
// explicit as_of, instants after it). Few rows are open, so a report keeps one ledger for all
// its groups instead of more arrays in every group.
#include <algorithm>
#include <cstdint>
#include <span>
#include <tuple>
#include <vector>

#include "../time.hpp"

namespace cskpi::detail {

class censoring_ledger {
public:
    /// frt_open / resolution_open: value = created_at; frt_drop / resolution_drop: value = the
    /// duration to take out of the group's sample.
    enum kind : std::uint8_t { frt_open, resolution_open, frt_drop, resolution_drop, kinds };
    struct entry {
        std::uint32_t group;
        kind what;
        micros value;
        friend bool operator<(const entry& a, const entry& b) {
            return std::tie(a.group, a.what, a.value) < std::tie(b.group, b.what, b.value);
        }
    };

    void push_back(std::uint32_t group, kind what, micros value) {
        e_.push_back({group, what, value});
        sorted_ = false;
    }
    /// Appends `o`'s entries with their groups renumbered by `gmap`.
    template <class Map>
    void append_mapped(const censoring_ledger& o, Map&& gmap) {
        e_.reserve(e_.size() + o.e_.size());
        for (entry x : o.e_) e_.push_back({gmap(x.group), x.what, x.value});
        sorted_ = false;
    }
    const std::vector<entry>& entries() const noexcept { return e_; }
    std::size_t size() const noexcept { return e_.size(); }
    void clear_and_free() { std::vector<entry>().swap(e_); }

    /// Sorts by group, kind and value and indexes the groups (0 .. groups - 1), so that of()
    /// finds a group's values.
    void sort(std::size_t groups) {
        if (!sorted_) std::sort(e_.begin(), e_.end());
        sorted_ = true;
        begin_.assign(groups + 1, 0);
        for (const entry& x : e_) ++begin_[x.group + 1];
        for (std::size_t g = 1; g < begin_.size(); ++g) begin_[g] += begin_[g - 1];
    }
    /// The values of `what` for `group`, ascending (after sort()).
    std::vector<micros> of(std::uint32_t group, kind what) const {
        std::vector<micros> v;
        if (group + 1 >= begin_.size()) return v;
        for (std::size_t i = begin_[group]; i < begin_[group + 1]; ++i)
            if (e_[i].what == what) v.push_back(e_[i].value);
        return v;
    }
    /// Every value of `what`, any group, ascending.
    std::vector<micros> all(kind what) const {
        std::vector<micros> v;
        for (const entry& x : e_)
            if (x.what == what) v.push_back(x.value);
        std::sort(v.begin(), v.end());
        return v;
    }

private:
    std::vector<entry> e_;
    std::vector<std::size_t>
        begin_;  ///< after sort(): group g's entries are [begin_[g], begin_[g + 1])
    bool sorted_ = true;
};

}  // namespace cskpi::detail
