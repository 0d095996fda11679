#pragma once
// The open-addressing index from a row's group id to its group number. A slot holds the key
// packed into 64 bits when there are at most three keys and every value fits in 21 bits (agent
// × channel × day and the like: dictionary codes, day or hour numbers), so finding a group reads
// one slot and no group id. With many small groups the ids do not fit in the cache, and reading
// one per row was a second cache miss on every lookup. Other keys keep a hash in the slot and
// are compared with the stored ids.
// In front of the table, packed keys whose values lie in small ranges (dictionary codes, the
// days of a quarter) find their group in a direct map with a cell per combination of values:
// rows in random order over ~200,000 groups missed the cache and the TLB on every lookup in the
// 8 MB table, and the map is a fraction of that. The table stays complete; the map is rebuilt
// from it when a value outside its ranges arrives and the larger map is affordable.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../engine/group.hpp"
#include "group_keys.hpp"

namespace cskpi::detail {

class group_index {
public:
    /// The number of `id`'s group in `ids` and whether it is new. A new group gets number
    /// ids.size(); the caller appends `id` to `ids`. Throws std::length_error (and adds nothing)
    /// when a new group's number would exceed `max_group`.
    std::pair<std::uint32_t, bool> find_or_add(const group_id& id, const group_keys& ids,
                                               std::size_t max_group) {
        const std::uint64_t key = key_of(id);
        std::size_t cell = 0;
        const bool mapped = (key & packed) && cell_of(key, cell);
        if (mapped && cells_[cell] != empty) return {cells_[cell], false};
        if ((size_ + 1) * 2 > slots_.size()) grow();
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = spread(key) & mask;; i = (i + 1) & mask) {
            slot& s = slots_[i];
            if (s.group == empty) {
                if (ids.size() > max_group)
                    throw std::length_error("report_state: more than " +
                                            std::to_string(max_group + 1) + " groups");
                s = {key, static_cast<std::uint32_t>(ids.size())};
                ++size_;
                remember(key, s.group, mapped, cell);
                return {s.group, true};
            }
            if (s.key == key && ((key & packed) || ids.equals(s.group, id))) {
                // Outside the map: a larger one may be affordable now that there are more groups.
                if (!mapped && refused_at_ != size_ && mappable(key)) widen();
                return {s.group, false};
            }
        }
    }

    /// Cells of the direct map (tests: whether it is in use).
    std::size_t mapped_cells() const noexcept { return cells_.size(); }

private:
    static constexpr std::uint32_t empty = UINT32_MAX;
    static constexpr unsigned width = 21, max_packed = 3;
    static constexpr std::uint64_t packed = std::uint64_t{1} << 63,
                                   missing_value = (std::uint64_t{1} << width) - 1;
    struct slot {
        std::uint64_t key = 0;
        std::uint32_t group = empty;
    };

    // The packed key (top bit set), or the id's hash with the top bit clear.
    static std::uint64_t key_of(const group_id& id) {
        if (id.n <= max_packed) {
            std::uint64_t p = packed;
            std::uint8_t i = 0;
            for (; i < id.n; ++i) {
                const std::int64_t v = id.k[i];
                std::uint64_t u;
                if (v == missing_key)
                    u = missing_value;
                else if (v >= 0 && static_cast<std::uint64_t>(v) < missing_value)
                    u = static_cast<std::uint64_t>(v);
                else
                    break;
                p |= u << (width * i);
            }
            if (i == id.n) return p;
        }
        return group_id_hash{}(id) & ~packed;
    }
    static std::size_t spread(std::uint64_t k) { return static_cast<std::size_t>(mix64(k)); }
    void grow() {
        std::vector<slot> old(slots_.empty() ? 64 : slots_.size() * 2);
        old.swap(slots_);
        const std::size_t mask = slots_.size() - 1;
        for (const slot& s : old) {
            if (s.group == empty) continue;
            std::size_t i = spread(s.key) & mask;
            while (slots_[i].group != empty) i = (i + 1) & mask;
            slots_[i] = s;
        }
    }

    // The i-th value of packed `key` (missing_value for a missing one).
    static std::uint32_t value_at(std::uint64_t key, unsigned i) {
        return static_cast<std::uint32_t>((key >> (width * i)) & missing_value);
    }
    // The direct map's cell of packed `key`: false when a value is outside the ranges.
    bool cell_of(std::uint64_t key, std::size_t& cell) const {
        std::size_t c = 0;
        for (unsigned i = 0; i < max_packed; ++i) {
            const std::uint32_t off = value_at(key, i) - lo_[i];
            if (off >= span_[i]) return false;  // below lo_ wraps around
            c = c * span_[i] + off;
        }
        cell = c;
        return true;
    }
    // A new group: into its cell, or its values into the ranges and the map widened to them.
    void remember(std::uint64_t key, std::uint32_t group, bool mapped, std::size_t cell) {
        if (mapped) {
            cells_[cell] = group;
            return;
        }
        if (!mappable(key)) return;
        for (unsigned i = 0; i < max_packed; ++i) {
            low_[i] = std::min(low_[i], value_at(key, i));
            high_[i] = std::max(high_[i], value_at(key, i));
        }
        widen();
    }
    // Packed without a missing value (a key with one is always looked up in the table).
    static bool mappable(std::uint64_t key) {
        if (!(key & packed)) return false;
        for (unsigned i = 0; i < max_packed; ++i)
            if (value_at(key, i) == missing_value) return false;
        return true;
    }
    // Sets the ranges to the values of the table's keys, with a sixteenth more room above (and
    // below, where the range grew down), and refills the map from the table. Nothing when the
    // map would pass max(2^16, 4 cells a group), as sparse keys (agent × hour over a year) would.
    void widen() {
        std::array<std::uint32_t, max_packed> lo{}, span{};
        std::uint64_t cells = 1;
        for (unsigned i = 0; i < max_packed; ++i) {
            const std::uint32_t room = (high_[i] - low_[i]) / 16 + 1;
            lo[i] = span_[i] != 0 && low_[i] >= lo_[i] ? lo_[i] : low_[i] - std::min(low_[i], room);
            span[i] =
                std::min(high_[i] + 1 + room, static_cast<std::uint32_t>(missing_value)) - lo[i];
            cells *= span[i];
        }
        if (cells > std::max<std::uint64_t>(std::uint64_t{1} << 16, 4 * std::uint64_t{size_})) {
            refused_at_ = size_;  // the same ranges and limit until a group is added
            return;
        }
        lo_ = lo, span_ = span;
        cells_.assign(static_cast<std::size_t>(cells), empty);
        for (const slot& s : slots_) {
            std::size_t c = 0;
            if (s.group != empty && (s.key & packed) && cell_of(s.key, c)) cells_[c] = s.group;
        }
    }

    std::vector<slot> slots_;
    std::size_t size_ = 0;
    std::array<std::uint32_t, max_packed> lo_{}, span_{};  // the map's ranges; span 0: no map
    std::array<std::uint32_t, max_packed> low_{UINT32_MAX, UINT32_MAX, UINT32_MAX},
        high_{};                         // the values of the table's mappable keys
    std::vector<std::uint32_t> cells_;   // group, or `empty`
    std::size_t refused_at_ = SIZE_MAX;  // size_ when widen() last found the map too large
};

}  // namespace cskpi::detail
