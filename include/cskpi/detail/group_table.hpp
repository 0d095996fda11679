#pragma once
// The groups of a report_state, column by column: one array per counter family and one per
// duration sample kind, each allocated only once a row (or a merged or read-back state)
// produced it. A report of 200,000 small groups from an export without NPS, CES, complaint or
// presale columns holds none of their counters; a family that does appear costs its own bytes
// per group, not group_state's.
#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../metrics/accumulators.hpp"
#include "../metrics/metric_table.hpp"
#include "samples.hpp"

namespace cskpi::detail {

class group_table {
public:
    static constexpr std::size_t kinds = duration_samples_of.size();
    /// A row's durations, in the order of the sample kinds.
    static constexpr std::array<micros row_facts::*, kinds> fact_field = {
        &row_facts::frt, &row_facts::handle, &row_facts::resolution};

    std::size_t size() const noexcept { return n_; }
    /// Adds an empty group (number size() - 1).
    void add_group() {
        ++n_;
        for_each_family([](auto& col) {
            if (!col.empty()) col.emplace_back();
        });
        for (auto& s : samples_)
            if (!s.empty()) s.emplace_back();
    }

    /// Adds one row's counters to group g (the durations go elsewhere: see update).
    void count(std::uint32_t g, const row_facts& f, int satisfied_min) {
        count_families(static_cast<counter_families*>(nullptr), g, f, satisfied_min);
    }
    /// Adds one row: counters and durations.
    void update(std::uint32_t g, const row_facts& f, int satisfied_min) {
        count(g, f, satisfied_min);
        for (std::size_t k = 0; k < kinds; ++k) {
            const micros v = f.*fact_field[k];
            if (v != missing_us) samples(k, g).push_back(v);
        }
    }

    /// Group g's samples of `kind` (0 first response, 1 handle, 2 resolution), allocating the
    /// kind's array for every group when none had any.
    duration_samples& samples(std::size_t kind, std::uint32_t g) {
        allocate(samples_[kind]);
        return samples_[kind][g];
    }
    /// Every group's samples of `kind`; empty when no group has any.
    const std::vector<duration_samples>& samples_of(std::size_t kind) const noexcept {
        return samples_[kind];
    }
    std::vector<duration_samples>& samples_of(std::size_t kind) noexcept { return samples_[kind]; }

    std::uint64_t interactions(std::uint32_t g) const noexcept {
        const auto& v = std::get<std::vector<volume_counts>>(families_);
        return v.empty() ? 0 : v[g].interactions;
    }
    /// Group g's counters in a group_state without samples.
    group_state counts(std::uint32_t g) const {
        group_state s;
        for_each_family([&](const auto& col) {
            using F = typename std::decay_t<decltype(col)>::value_type;
            if (!col.empty()) static_cast<F&>(s) = col[g];
        });
        return s;
    }
    /// Group g as a group_state (a copy).
    group_state state(std::uint32_t g) const {
        group_state s = counts(g);
        for (std::size_t k = 0; k < kinds; ++k)
            if (!samples_[k].empty()) s.*duration_samples_of[k] = samples_[k][g];
        return s;
    }
    /// Group g as a group_state whose samples are moved out of the table; give_back returns
    /// them. For finalize, whose quantiles reorder the samples in place.
    group_state take(std::uint32_t g) {
        group_state s = counts(g);
        for (std::size_t k = 0; k < kinds; ++k)
            if (!samples_[k].empty()) s.*duration_samples_of[k] = std::move(samples_[k][g]);
        return s;
    }
    void give_back(std::uint32_t g, group_state&& s) {
        for (std::size_t k = 0; k < kinds; ++k)
            if (!samples_[k].empty()) samples_[k][g] = std::move(s.*duration_samples_of[k]);
    }

    /// Adds a whole state into group g (its samples moved when g has none of that kind).
    void add(std::uint32_t g, group_state&& s) {
        for_each_family([&](auto& col) {
            using F = typename std::decay_t<decltype(col)>::value_type;
            const F& part = s;
            if (part == F{}) return;
            allocate(col);
            col[g].merge(part);
        });
        for (std::size_t k = 0; k < kinds; ++k) {
            duration_samples& from = s.*duration_samples_of[k];
            if (from.empty() && !from.sketched()) continue;
            duration_samples& to = samples(k, g);
            if (to.empty() && !to.sketched())
                to = std::move(from);
            else
                to.append(from);
        }
    }

    /// Adds every group of `o` into this table's group gmap[g].
    void merge(const group_table& o, const std::vector<std::uint32_t>& gmap) {
        merge_from(o, gmap);
    }
    /// merge() that frees o's arrays as they are added, so the two tables do not both hold
    /// every sample at the peak.
    void merge_and_free(group_table& o, const std::vector<std::uint32_t>& gmap) {
        merge_from(o, gmap);
    }

    /// Every group's counters added up (no samples).
    group_state total_counts() const {
        group_state all;
        for_each_family([&](const auto& col) {
            using F = typename std::decay_t<decltype(col)>::value_type;
            F& sum = all;
            for (const F& x : col) sum.merge(x);
        });
        return all;
    }

    /// Which counter families and sample kinds the groups hold (for tests and memory traces).
    template <class F>
    bool has_family() const noexcept {
        return !std::get<std::vector<F>>(families_).empty();
    }
    bool has_samples(std::size_t kind) const noexcept { return !samples_[kind].empty(); }

private:
    template <class Col>
    void allocate(Col& col) {
        if (col.size() != n_) col.resize(n_);
    }
    template <class... F>
    void count_families(std::tuple<F...>*, std::uint32_t g, const row_facts& f, int satisfied_min) {
        (count_family<F>(g, f, satisfied_min), ...);
    }
    template <class F>
    void count_family(std::uint32_t g, const row_facts& f, int satisfied_min) {
        if (!F::produced_by(f)) return;
        auto& col = std::get<std::vector<F>>(families_);
        allocate(col);
        col[g].count(f, satisfied_min);
    }
    // Table is group_table (o is freed as it is added) or const group_table.
    template <class Table>
    void merge_from(Table& o, const std::vector<std::uint32_t>& gmap) {
        merge_families(static_cast<counter_families*>(nullptr), o, gmap);
        for (std::size_t k = 0; k < kinds; ++k) {
            auto& from = o.samples_[k];
            if (from.empty()) continue;
            allocate(samples_[k]);
            for (std::size_t g = 0; g < from.size(); ++g) {
                samples_[k][gmap[g]].append(from[g]);
                if constexpr (!std::is_const_v<Table>) from[g] = duration_samples{};
            }
            if constexpr (!std::is_const_v<Table>) std::vector<duration_samples>().swap(from);
        }
    }
    template <class Table, class... F>
    void merge_families(std::tuple<F...>*, Table& o, const std::vector<std::uint32_t>& gmap) {
        (merge_family<F>(o, gmap), ...);
    }
    template <class F, class Table>
    void merge_family(Table& o, const std::vector<std::uint32_t>& gmap) {
        auto& from = std::get<std::vector<F>>(o.families_);
        if (from.empty()) return;
        auto& to = std::get<std::vector<F>>(families_);
        allocate(to);
        for (std::size_t g = 0; g < from.size(); ++g) to[gmap[g]].merge(from[g]);
        if constexpr (!std::is_const_v<Table>) std::vector<F>().swap(from);
    }
    template <class Fn>
    void for_each_family(Fn&& fn) {
        std::apply([&](auto&... col) { (fn(col), ...); }, families_);
    }
    template <class Fn>
    void for_each_family(Fn&& fn) const {
        std::apply([&](const auto&... col) { (fn(col), ...); }, families_);
    }

    template <class... F>
    static std::tuple<std::vector<F>...> columns_of(std::tuple<F...>*);
    using columns = decltype(columns_of(static_cast<counter_families*>(nullptr)));

    std::size_t n_ = 0;
    columns families_;
    std::array<std::vector<duration_samples>, kinds> samples_;
};

}  // namespace cskpi::detail
