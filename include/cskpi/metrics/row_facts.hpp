#pragma once
// What one interaction contributes to its group's counters, already evaluated against the spec
// (section 3), and how counters add.
#include <cstdint>

#include "../input/records.hpp"

namespace cskpi {

/// What one interaction contributes to its group (spec section 3, already evaluated).
struct row_facts {
    enum : std::uint32_t {
        answered = 1u << 0,
        abandoned = 1u << 1,
        resolved = 1u << 2,
        transferred = 1u << 3,
        bot = 1u << 4,
        bot_only = 1u << 5,
        bot_escalated = 1u << 6,
        complaint_flag = 1u << 7,
        dispute = 1u << 8,
        refund = 1u << 9,
        complaint_row = 1u << 10,
        complaint_responded = 1u << 11,
        complaint_resolved = 1u << 12,
        presale = 1u << 13,
        presale_converted = 1u << 14,
        sla_counted = 1u << 15,
        sla_met = 1u << 16,
        fcr_first = 1u << 17,
        fcr = 1u << 18,  ///< set by the caller once first contact is known
        reopened = 1u << 19,
        replies_known = 1u << 20,
        one_touch = 1u << 21,  ///< replies given; at most one reply
        bot_contained_verified =
            1u << 22,  ///< bot-only, resolved, no customer to check (else settled by the ledger)
        answered_within = 1u << 23,  ///< first response within staffing.within_s
        short_abandoned = 1u << 24,  ///< abandoned within staffing.short_abandon_s
        // Kaplan-Meier (section 14): open at as_of (censored), or a duration KM does not count
        // as an event (abandoned rows, or an instant after an explicit as_of).
        frt_censored = 1u << 25,
        resolution_censored = 1u << 26,
        frt_km_dropped = 1u << 27,
        resolution_km_dropped = 1u << 28,
        survey_known = 1u << 29,
        survey_sent = 1u << 30,  ///< the row's survey_sent is given; it is true
    };
    std::uint32_t bits = 0;
    micros frt = missing_us, handle = missing_us, resolution = missing_us;
    std::int32_t csat = missing_int, nps = missing_int, ces = missing_int;
    std::int64_t order_value = 0;  ///< millionths; counted only for converted presale rows
    bool has(std::uint32_t b) const { return (bits & b) != 0; }
};

namespace detail {
// Counter addition. Signed sums (ratings, money) saturate instead of overflowing: a sum that
// reached INT64_MAX reads as "too large" (sales() turns it into a null).
inline void add_count(std::uint64_t& a, std::uint64_t b) noexcept {
    a += b;
}
inline void add_count(std::int64_t& a, std::int64_t b) noexcept {
    if (a == INT64_MAX || b == INT64_MAX || __builtin_add_overflow(a, b, &a)) a = INT64_MAX;
}
}  // namespace detail

}  // namespace cskpi
