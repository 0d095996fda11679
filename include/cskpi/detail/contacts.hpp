#pragma once
// The first-contact ledger: one record per row with a customer, kept until the report is
// finalized (a customer's other contacts may sit in another partial state). Stored as a
// widening_vector, like duration_samples: 24 bytes a record while every time is a whole second
// in 1970..2106, every category code fits 8 bits and every group index 21 bits (the usual
// case); the first record that does not fit switches the ledger to 32-byte records. FCR is the
// same either way. Each record carries its id's first 8 bytes (id_order), which order contacts
// of one customer at the same instant (spec: ties in created_at are ordered by id).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <tuple>
#include <vector>

#include "../time.hpp"
#include "dictionary.hpp"
#include "widening_vector.hpp"

namespace cskpi::detail {

/// The first 8 bytes of an id, big-endian and zero-padded: ids that differ within their first 8
/// bytes compare as the ids do (byte order); longer ids sharing those bytes compare equal.
inline std::uint64_t id_order(std::string_view id) {
    unsigned char b[8] = {};
    std::memcpy(b, id.data(), std::min<std::size_t>(id.size(), 8));
    std::uint64_t k = 0;
    for (unsigned char x : b) k = k << 8 | x;  // big-endian: compares as the bytes do
    return k;
}

/// One ledger row as the FCR rules see it (and the wide storage form).
struct contact {
    std::uint64_t customer;  ///< customer key (a 64-bit hash of the id)
    micros at;
    std::uint32_t category;    ///< dictionary code, no_code when missing or not compared
    std::uint32_t group_bits;  ///< group index | contained << 29 | eligible << 30 | abandoned << 31
    std::uint64_t id = 0;      ///< id_order of the row's id

    std::uint64_t key() const { return customer; }
    micros time() const { return at; }
    std::uint64_t id_key() const { return id; }
    std::uint32_t cat() const { return category; }
    static constexpr std::uint32_t group_mask = (1u << 29) - 1, contained_bit = 1u << 29,
                                   eligible_bit = 1u << 30, abandoned_bit = 1u << 31;
    std::uint32_t group() const { return group_bits & group_mask; }
    bool contained() const { return group_bits & contained_bit; }  ///< bot-only and resolved
    bool eligible() const { return group_bits & eligible_bit; }    ///< could be FCR
    bool abandoned() const { return group_bits & abandoned_bit; }
    /// FCR order: customer, then category (missing last), then time, then id (the rest only
    /// makes the order total).
    friend bool operator<(const contact& a, const contact& b) {
        return std::tie(a.customer, a.category, a.at, a.id, a.group_bits) <
               std::tie(b.customer, b.category, b.at, b.id, b.group_bits);
    }
    bool operator==(const contact&) const = default;
};

/// The 24-byte form: `rest` = category (8 bits, 0xFF = missing) | seconds since 1970 (32) |
/// group (21) | contained | eligible | abandoned, so comparing (customer, rest's top 40 bits,
/// id) is the FCR order.
struct compact_contact {
    std::uint64_t customer;
    std::uint64_t rest;
    std::uint64_t id = 0;

    static constexpr std::uint32_t max_group = (1u << 21) - 1;
    static bool fits(const contact& c) {
        return c.at >= 0 && c.at % us_per_s == 0 && c.at / us_per_s <= micros{UINT32_MAX} &&
               (c.category == no_code || c.category < 0xFF) && c.group() <= max_group;
    }
    static compact_contact pack(const contact& c) {
        const std::uint64_t cat = c.category == no_code ? 0xFF : c.category;
        return {c.customer,
                cat << 56 | static_cast<std::uint64_t>(c.at / us_per_s) << 24 |
                    std::uint64_t{c.group()} << 3 | std::uint64_t{c.contained()} << 2 |
                    std::uint64_t{c.eligible()} << 1 | std::uint64_t{c.abandoned()},
                c.id};
    }
    std::uint64_t key() const { return customer; }
    std::uint64_t id_key() const { return id; }
    micros time() const { return static_cast<micros>((rest >> 24) & 0xFFFFFFFFu) * us_per_s; }
    std::uint32_t cat() const {
        const auto c = static_cast<std::uint32_t>(rest >> 56);
        return c == 0xFF ? no_code : c;
    }
    std::uint32_t group() const { return static_cast<std::uint32_t>(rest >> 3) & max_group; }
    bool contained() const { return rest & 4; }
    bool eligible() const { return rest & 2; }
    bool abandoned() const { return rest & 1; }
    contact unpack() const {
        return {customer, time(), cat(),
                group() | (contained() ? contact::contained_bit : 0u) |
                    (eligible() ? contact::eligible_bit : 0u) |
                    (abandoned() ? contact::abandoned_bit : 0u),
                id};
    }
    friend bool operator<(const compact_contact& a, const compact_contact& b) {
        if (a.customer != b.customer) return a.customer < b.customer;
        if (a.rest >> 24 != b.rest >> 24) return a.rest >> 24 < b.rest >> 24;
        return a.id != b.id ? a.id < b.id : a.rest < b.rest;
    }
};

/// Copies [first, last) into `out` in FCR order (out holds last - first records). The records
/// share their key's top `shared_bits` bits. One counting pass on the next bits of the key
/// (hashes: records spread evenly) leaves runs of a few records, each finished by insertion
/// sort; a run the key does not spread (many contacts of one customer) by std::sort.
template <class Record>
void sort_contacts(const Record* first, const Record* last, Record* out, unsigned shared_bits = 0) {
    const auto n = static_cast<std::size_t>(last - first);
    const unsigned free_bits = 64 - shared_bits;
    if (n < 64 || free_bits < 4 || n > UINT32_MAX) {  // (run offsets are 32-bit)
        std::copy(first, last, out);
        std::sort(out, out + n);
        return;
    }
    // About four records a run: enough to make the counts cheap next to the records.
    unsigned bits = 4;
    while (bits < 16 && bits < free_bits && (std::size_t{4} << bits) < n) ++bits;
    const unsigned shift = free_bits - bits;
    const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
    auto digit = [&](const Record& r) {
        return static_cast<std::size_t>((r.key() >> shift) & mask);
    };
    std::vector<std::uint32_t> start((std::size_t{1} << bits) + 1, 0);
    for (const Record* p = first; p != last; ++p) ++start[digit(*p) + 1];
    for (std::size_t d = 1; d < start.size(); ++d) start[d] += start[d - 1];
    std::vector<std::uint32_t> at(start.begin(), start.end() - 1);
    for (const Record* p = first; p != last; ++p) out[at[digit(*p)]++] = *p;
    for (std::size_t d = 0; d + 1 < start.size(); ++d) {
        Record* a = out + start[d];
        Record* b = out + start[d + 1];
        if (b - a > 32) {
            std::sort(a, b);
            continue;
        }
        for (Record* i = a + 1; i < b; ++i) {
            const Record x = *i;
            Record* j = i;
            for (; j > a && x < *(j - 1); --j) *j = *(j - 1);
            *j = x;
        }
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
    /// and `group(index)` (codes of another state's dictionaries). Compact records are rewritten
    /// in place of unpacking while the mapped values still fit.
    template <class CatMap, class GroupMap>
    void append_mapped(const contact_ledger& o, CatMap&& cat, GroupMap&& group) {
        auto slow = [&](const auto& x) {
            contact c = to_wide(x);
            c.category = c.category == no_code ? no_code : cat(c.category);
            c.group_bits = (c.group_bits & ~contact::group_mask) | group(c.group());
            push_back(c);
        };
        reserve(size() + o.size());
        if (o.wide_) {
            for (const auto& x : *o.wide_) slow(x);
            return;
        }
        constexpr std::uint64_t keep =
            ~(std::uint64_t{0xFF} << 56 | std::uint64_t{compact_contact::max_group} << 3);
        for (const auto& x : o.narrow_v_) {
            if (wide_) {
                slow(x);
                continue;
            }
            const std::uint32_t c0 = x.cat();
            const std::uint32_t c = c0 == no_code ? 0xFF : cat(c0);
            const std::uint32_t g = group(x.group());
            if (c > 0xFF || (c == 0xFF && c0 != no_code) || g > compact_contact::max_group) {
                slow(x);
                continue;
            }
            narrow_v_.push_back({x.customer,
                                 (x.rest & keep) | std::uint64_t{c} << 56 | std::uint64_t{g} << 3,
                                 x.id});
        }
    }
};

/// The ledger split by the customer key's top byte (keys are hashes, so the 256 buckets fill
/// evenly). Rows land in their radix bucket as they arrive: finalization then sorts buckets of
/// cache size instead of first partitioning 24 bytes x rows out of cache, and threads take
/// whole buckets (a customer never spans two). Each bucket widens on its own.
class contact_buckets {
public:
    static constexpr std::size_t count = 256;
    static constexpr unsigned bucket_bits = 8;
    static std::size_t bucket_of(std::uint64_t customer) {
        return static_cast<std::size_t>(customer >> (64 - bucket_bits));
    }

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
