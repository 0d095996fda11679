#pragma once
// The first-contact ledger: one record per row with a customer, kept until the report is
// finalized (a customer's other contacts may sit in another partial state). Stored as a
// widening_vector, like duration_samples: 16 bytes a record while every time is a whole second
// in 1970..2106, every category code fits 8 bits and every group index 22 bits (the usual
// case); the first record that does not fit switches the ledger to 24-byte records. FCR is the
// same either way.
#include <algorithm>
#include <array>
#include <cstdint>
#include <tuple>
#include <vector>

#include "../time.hpp"
#include "dictionary.hpp"
#include "widening_vector.hpp"

namespace cskpi::detail {

/// One ledger row as the FCR rules see it (and the wide storage form).
struct contact {
    std::uint64_t customer;   ///< customer key (a 64-bit hash of the id)
    micros at;
    std::uint32_t category;   ///< dictionary code, no_code when missing or not compared
    std::uint32_t group_bits; ///< group index | eligible << 30 | abandoned << 31

    std::uint64_t key() const { return customer; }
    micros time() const { return at; }
    std::uint32_t cat() const { return category; }
    std::uint32_t group() const { return group_bits & 0x3FFFFFFFu; }
    bool eligible() const { return group_bits & (1u << 30); }
    bool abandoned() const { return group_bits & (1u << 31); }
    /// FCR order: customer, then category (missing last), then time.
    friend bool operator<(const contact& a, const contact& b) {
        return std::tie(a.customer, a.category, a.at) < std::tie(b.customer, b.category, b.at);
    }
    bool operator==(const contact&) const = default;
};

/// The 16-byte form: `rest` = category (8 bits, 0xFF = missing) | seconds since 1970 (32) |
/// group (22) | eligible | abandoned, so comparing (customer, rest) is the FCR order.
struct compact_contact {
    std::uint64_t customer;
    std::uint64_t rest;

    static constexpr std::uint32_t max_group = (1u << 22) - 1;
    static bool fits(const contact& c) {
        return c.at >= 0 && c.at % us_per_s == 0 && c.at / us_per_s <= micros{UINT32_MAX} &&
               (c.category == no_code || c.category < 0xFF) && c.group() <= max_group;
    }
    static compact_contact pack(const contact& c) {
        const std::uint64_t cat = c.category == no_code ? 0xFF : c.category;
        return {c.customer, cat << 56 | static_cast<std::uint64_t>(c.at / us_per_s) << 24 |
                                std::uint64_t{c.group()} << 2 | std::uint64_t{c.eligible()} << 1 | std::uint64_t{c.abandoned()}};
    }
    std::uint64_t key() const { return customer; }
    micros time() const { return static_cast<micros>((rest >> 24) & 0xFFFFFFFFu) * us_per_s; }
    std::uint32_t cat() const {
        const auto c = static_cast<std::uint32_t>(rest >> 56);
        return c == 0xFF ? no_code : c;
    }
    std::uint32_t group() const { return static_cast<std::uint32_t>(rest >> 2) & max_group; }
    bool eligible() const { return rest & 2; }
    bool abandoned() const { return rest & 1; }
    contact unpack() const {
        return {customer, time(), cat(), group() | (eligible() ? 1u << 30 : 0u) | (abandoned() ? 1u << 31 : 0u)};
    }
    friend bool operator<(const compact_contact& a, const compact_contact& b) {
        return a.customer != b.customer ? a.customer < b.customer : a.rest < b.rest;
    }
};

/// Sorts records into FCR order: in-place radix partitions on the customer key's top two
/// bytes (American flag sort), then each bucket on its own. The second level turns a
/// comparison sort of ~40k records per bucket (10 M rows) into ~150, a third of the work.
template <class Record>
void sort_contacts(Record* first, Record* last, unsigned shift = 56) {
    const auto n = static_cast<std::size_t>(last - first);
    if (n < 4096 || shift < 48) {
        std::sort(first, last);
        return;
    }
    auto digit = [shift](const Record& r) { return static_cast<std::size_t>(r.key() >> shift) & 0xFF; };
    std::size_t count[256] = {}, head[256], end[256];
    for (const Record* p = first; p != last; ++p) ++count[digit(*p)];
    std::size_t at = 0;
    for (std::size_t b = 0; b < 256; ++b) {
        head[b] = at;
        at += count[b];
        end[b] = at;
    }
    for (std::size_t b = 0; b < 256; ++b) {
        while (head[b] < end[b]) {
            Record x = first[head[b]];
            std::size_t d = digit(x);
            while (d != b) {  // carry x to its bucket, picking up what was there
                std::swap(x, first[head[d]++]);
                d = digit(x);
            }
            first[head[b]++] = x;
        }
    }
    std::size_t from = 0;
    for (std::size_t b = 0; b < 256; ++b) {
        sort_contacts(first + from, first + end[b], shift - 8);
        from = end[b];
    }
}

struct contact_codec {
    static bool fits(const contact& c) { return compact_contact::fits(c); }
    static compact_contact narrow(const contact& c) { return compact_contact::pack(c); }
    static contact wide(const compact_contact& c) { return c.unpack(); }
};

class contact_ledger : public widening_vector<compact_contact, contact, contact_codec> {
public:
    /// Appends `o`'s records with their category codes and group indexes mapped by `cat(code)`
    /// and `group(index)` (codes of another state's dictionaries). 16-byte records are rewritten
    /// in place of unpacking while the mapped values still fit.
    template <class CatMap, class GroupMap>
    void append_mapped(const contact_ledger& o, CatMap&& cat, GroupMap&& group) {
        auto slow = [&](const auto& x) {
            contact c = to_wide(x);
            c.category = c.category == no_code ? no_code : cat(c.category);
            c.group_bits = (c.group_bits & ~0x3FFFFFFFu) | group(c.group());
            push_back(c);
        };
        reserve(size() + o.size());
        if (o.wide_) {
            for (const auto& x : o.wide_v_) slow(x);
            return;
        }
        constexpr std::uint64_t keep = ~(std::uint64_t{0xFF} << 56 | std::uint64_t{compact_contact::max_group} << 2);
        for (const auto& x : o.narrow_v_) {
            if (wide_) { slow(x); continue; }
            const std::uint32_t c0 = x.cat();
            const std::uint32_t c = c0 == no_code ? 0xFF : cat(c0);
            const std::uint32_t g = group(x.group());
            if (c > 0xFF || (c == 0xFF && c0 != no_code) || g > compact_contact::max_group) { slow(x); continue; }
            narrow_v_.push_back({x.customer, (x.rest & keep) | std::uint64_t{c} << 56 | std::uint64_t{g} << 2});
        }
    }
};

/// The ledger split by the customer key's top byte (keys are hashes, so the 256 buckets fill
/// evenly). Rows land in their radix bucket as they arrive: finalization then sorts buckets of
/// cache size instead of first partitioning 16 bytes x rows out of cache, and threads take
/// whole buckets (a customer never spans two). Each bucket widens on its own.
class contact_buckets {
public:
    static constexpr std::size_t count = 256;
    static constexpr unsigned bucket_bits = 8;
    static std::size_t bucket_of(std::uint64_t customer) { return static_cast<std::size_t>(customer >> (64 - bucket_bits)); }

    void push_back(const contact& c) { b_[bucket_of(c.customer)].push_back(c); }
    /// Expects about `n` records in all: reserves each bucket its share and a little more.
    void reserve(std::size_t n) {
        const std::size_t each = n / count + n / count / 16 + 64;
        for (auto& l : b_) l.reserve(each);
    }
    std::size_t size() const noexcept {
        std::size_t n = 0;
        for (const auto& l : b_) n += l.size();
        return n;
    }
    contact_ledger& bucket(std::size_t i) { return b_[i]; }
    const contact_ledger& bucket(std::size_t i) const { return b_[i]; }
    /// Every record in the wide form, bucket after bucket.
    std::vector<contact> values() const {
        std::vector<contact> out;
        out.reserve(size());
        for (const auto& l : b_)
            for (const auto& c : l.values()) out.push_back(c);
        return out;
    }
    /// Appends `o`'s records, mapped as contact_ledger::append_mapped does.
    template <class CatMap, class GroupMap>
    void append_mapped(const contact_buckets& o, CatMap&& cat, GroupMap&& group) {
        for (std::size_t i = 0; i < count; ++i) b_[i].append_mapped(o.b_[i], cat, group);
    }
    void clear_and_free() {
        for (auto& l : b_) l.clear_and_free();
    }

private:
    std::array<contact_ledger, count> b_;
};

}  // namespace cskpi::detail
