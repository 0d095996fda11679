#pragma once
// Section 3 per row: whether the same customer (same category when fcr.same_category and both
// have one) has another row within fcr.window_s before it (so it is not a first contact) or
// after it (so it is not FCR). Ties in created_at are ordered by id (id_order, as the engine).
// For analyses that need the answer per row; the engine keeps counts in contact_buckets.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "../config/config.hpp"
#include "../input/ingest.hpp"  // seconds_to_us
#include "../time.hpp"
#include "contacts.hpp"
#include "customer_hash.hpp"

namespace cskpi::detail {

class contact_neighbours {
public:
    explicit contact_neighbours(const config& cfg)
        : window_(seconds_to_us(cfg.fcr_window_s)),
          same_category_(cfg.fcr_same_category),
          hasher_(cfg.privacy_salt) {}

    /// Records a contact of a row with a customer; `row` is the caller's index of the row, or -1
    /// when only its presence matters (it can make other rows repeats).
    void add(std::string_view customer, micros at, std::string_view id, std::string_view category,
             std::int64_t row) {
        const std::uint32_t cat =
            same_category_ && !category.empty() ? category_code(category) : no_category;
        contacts_.push_back({hasher_(customer), at, id_order(id), cat, row});
    }

    /// Calls f(row, earlier, later) for every contact added with row >= 0.
    template <class F>
    void settle(F&& f) {
        std::sort(contacts_.begin(), contacts_.end());
        const std::size_t n = contacts_.size();
        for (std::size_t i = 0; i < n; ++i) {
            const contact& c = contacts_[i];
            if (c.row < 0) continue;
            bool earlier = false, later = false;
            for (std::size_t j = i; j-- > 0 && contacts_[j].customer == c.customer &&
                                    contacts_[j].at >= c.at - window_;)
                if (compatible(contacts_[j], c) &&
                    std::tie(contacts_[j].at, contacts_[j].id) < std::tie(c.at, c.id)) {
                    earlier = true;
                    break;
                }
            for (std::size_t j = i + 1;
                 j < n && contacts_[j].customer == c.customer && contacts_[j].at <= c.at + window_;
                 ++j)
                if (compatible(contacts_[j], c) &&
                    std::tie(contacts_[j].at, contacts_[j].id) > std::tie(c.at, c.id)) {
                    later = true;
                    break;
                }
            f(static_cast<std::size_t>(c.row), earlier, later);
        }
    }

private:
    static constexpr std::uint32_t no_category = UINT32_MAX;
    struct contact {
        std::uint64_t customer;
        micros at;
        std::uint64_t id;
        std::uint32_t category;
        std::int64_t row;
        friend bool operator<(const contact& a, const contact& b) {
            return std::tie(a.customer, a.at, a.id) < std::tie(b.customer, b.at, b.id);
        }
    };
    static bool compatible(const contact& a, const contact& b) {
        return a.category == no_category || b.category == no_category || a.category == b.category;
    }
    std::uint32_t category_code(std::string_view c) {
        auto [it, fresh] =
            categories_.try_emplace(std::string(c), static_cast<std::uint32_t>(categories_.size()));
        return it->second;
    }

    micros window_;
    bool same_category_;
    customer_hasher hasher_;
    std::vector<contact> contacts_;
    std::map<std::string, std::uint32_t, std::less<>> categories_;
};

}  // namespace cskpi::detail
