#pragma once
// The open-addressing index from a row's group id to its group number. A slot holds the key
// packed into 64 bits when there are at most three keys and every value fits in 21 bits (agent
// × channel × day and the like: dictionary codes, day or hour numbers), so finding a group reads
// one slot and no group id. With many small groups the ids do not fit in the cache, and reading
// one per row was a second cache miss on every lookup. Other keys keep a hash in the slot and
// are compared with the stored ids.
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
                return {s.group, true};
            }
            if (s.key == key && ((key & packed) || ids.equals(s.group, id)))
                return {s.group, false};
        }
    }

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

    std::vector<slot> slots_;
    std::size_t size_ = 0;
};

}  // namespace cskpi::detail
