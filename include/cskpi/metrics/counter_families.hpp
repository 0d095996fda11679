#pragma once
// The counters of a group, in families that the input produces together (bot rows, ratings,
// complaints, presale...). group_state holds every family; a report's groups hold a family only
// once one of its rows produced it (detail::group_table), so an export without, say, NPS or
// presale columns allocates none of their counters in any group.
//
// Each family lists its counters once (its CSKPI_*_COUNTS list): merge, == and JSON of
// group_state come from the concatenated list, CSKPI_GROUP_COUNTS.
#include <cstdint>
#include <tuple>

#include "row_facts.hpp"

namespace cskpi {

#define CSKPI_ADD_COUNT(n) detail::add_count(n, o.n);

// clang-format off
#define CSKPI_VOLUME_COUNTS(X)                                                                     \
    X(interactions) X(answered) X(abandoned) X(resolved) X(sla_met) X(sla_den) X(resolution_num)   \
    X(resolution_den) X(fcr_num) X(fcr_den) X(reopen_num) X(transfer_num)
#define CSKPI_BOT_COUNTS(X) X(bot_rows) X(bot_contained) X(bot_escalated) X(bot_verified)
#define CSKPI_CSAT_COUNTS(X)                                                                       \
    X(csat_responses) X(csat_satisfied) X(csat_sum) X(csat_answered) X(survey_known)               \
    X(survey_sent) X(survey_rated)
#define CSKPI_NPS_COUNTS(X) X(nps_responses) X(nps_promoters) X(nps_detractors)
#define CSKPI_CES_COUNTS(X) X(ces_responses) X(ces_sum)
#define CSKPI_COMPLAINT_COUNTS(X)                                                                  \
    X(complaint_flag) X(dispute_flag) X(refund_flag) X(complaint_rows) X(complaint_responded)      \
    X(complaint_resolved)
#define CSKPI_PRESALE_COUNTS(X) X(presale_rows) X(presale_converted) X(sales_total)
#define CSKPI_ONE_TOUCH_COUNTS(X) X(one_touch_num) X(one_touch_den)
#define CSKPI_SERVICE_LEVEL_COUNTS(X) X(sl_within) X(sl_short_abandoned)
#define CSKPI_CENSORING_COUNTS(X) X(frt_censored) X(resolution_censored) X(km_dropped)
// clang-format on

/// Rows, answers, resolution, SLA, FCR, reopen and transfer: every row produces them.
struct volume_counts {
    std::uint64_t interactions = 0, answered = 0, abandoned = 0, resolved = 0;
    std::uint64_t sla_met = 0, sla_den = 0;
    std::uint64_t resolution_num = 0, resolution_den = 0;
    std::uint64_t fcr_num = 0, fcr_den = 0;  ///< FCR is settled by the ledger at finalize
    std::uint64_t reopen_num = 0, transfer_num = 0;

    static bool produced_by(const row_facts&) noexcept { return true; }
    void count(const row_facts& f, int) noexcept {
        ++interactions;
        const bool ab = f.has(row_facts::abandoned);
        answered += f.has(row_facts::answered);
        abandoned += ab;
        resolved += f.has(row_facts::resolved);
        sla_den += f.has(row_facts::sla_counted);
        sla_met += f.has(row_facts::sla_met);
        resolution_den += !ab;
        resolution_num += !ab && f.has(row_facts::resolved);
        fcr_den += f.has(row_facts::fcr_first) && !ab;
        fcr_num += f.has(row_facts::fcr);
        reopen_num += f.has(row_facts::resolved) && f.has(row_facts::reopened);
        transfer_num += f.has(row_facts::answered) && f.has(row_facts::transferred);
    }
    volume_counts& merge(const volume_counts& o) noexcept {
        CSKPI_VOLUME_COUNTS(CSKPI_ADD_COUNT)
        return *this;
    }
    bool operator==(const volume_counts&) const = default;
};

/// Rows with a bot: contained, escalated, and contained without a repeat contact.
struct bot_counts {
    std::uint64_t bot_rows = 0, bot_contained = 0, bot_escalated = 0;
    std::uint64_t bot_verified =
        0;  ///< bot containment not followed by the customer's next contact in the window

    static bool produced_by(const row_facts& f) noexcept {
        return f.has(row_facts::bot | row_facts::bot_only | row_facts::bot_escalated |
                     row_facts::bot_contained_verified);
    }
    void count(const row_facts& f, int) noexcept {
        bot_rows += f.has(row_facts::bot);
        bot_contained += f.has(row_facts::bot_only) && f.has(row_facts::resolved);
        bot_escalated += f.has(row_facts::bot_escalated);
        bot_verified += f.has(row_facts::bot_contained_verified);
    }
    bot_counts& merge(const bot_counts& o) noexcept {
        CSKPI_BOT_COUNTS(CSKPI_ADD_COUNT)
        return *this;
    }
    bool operator==(const bot_counts&) const = default;
};

/// CSAT ratings, and the surveys sent (section 15). Satisfaction thresholds live in the owning
/// run's config, so the family counts satisfied ratings as it goes.
struct csat_counts {
    std::uint64_t csat_responses = 0, csat_satisfied = 0;
    std::int64_t csat_sum = 0;
    std::uint64_t csat_answered = 0;  ///< ratings on answered rows (csat_response_rate numerator)
    /// Rows with a survey_sent value, rows sent a survey, ratings on those rows.
    std::uint64_t survey_known = 0, survey_sent = 0, survey_rated = 0;

    static bool produced_by(const row_facts& f) noexcept {
        return f.csat != missing_int || f.has(row_facts::survey_known | row_facts::survey_sent);
    }
    void count(const row_facts& f, int satisfied_min) noexcept {
        if (f.csat != missing_int) {
            ++csat_responses;
            csat_sum += f.csat;
            csat_satisfied += f.csat >= satisfied_min;
            csat_answered += f.has(row_facts::answered);
        }
        survey_known += f.has(row_facts::survey_known);
        survey_sent += f.has(row_facts::survey_sent);
        survey_rated += f.has(row_facts::survey_sent) && f.csat != missing_int;
    }
    csat_counts& merge(const csat_counts& o) noexcept {
        CSKPI_CSAT_COUNTS(CSKPI_ADD_COUNT)
        return *this;
    }
    bool operator==(const csat_counts&) const = default;
};

/// NPS ratings: responses, promoters (9-10), detractors (0-6).
struct nps_counts {
    std::uint64_t nps_responses = 0, nps_promoters = 0, nps_detractors = 0;

    static bool produced_by(const row_facts& f) noexcept { return f.nps != missing_int; }
    void count(const row_facts& f, int) noexcept {
        if (f.nps == missing_int) return;
        ++nps_responses;
        nps_promoters += f.nps >= 9;
        nps_detractors += f.nps <= 6;
    }
    nps_counts& merge(const nps_counts& o) noexcept {
        CSKPI_NPS_COUNTS(CSKPI_ADD_COUNT)
        return *this;
    }
    bool operator==(const nps_counts&) const = default;
};

/// Customer effort scores.
struct ces_counts {
    std::uint64_t ces_responses = 0;
    std::int64_t ces_sum = 0;

    static bool produced_by(const row_facts& f) noexcept { return f.ces != missing_int; }
    void count(const row_facts& f, int) noexcept {
        if (f.ces == missing_int) return;
        ++ces_responses;
        ces_sum += f.ces;
    }
    ces_counts& merge(const ces_counts& o) noexcept {
        CSKPI_CES_COUNTS(CSKPI_ADD_COUNT)
        return *this;
    }
    bool operator==(const ces_counts&) const = default;
};

/// Complaint, dispute and refund flags, and complaint rows answered and resolved in time.
struct complaint_counts {
    std::uint64_t complaint_flag = 0, dispute_flag = 0, refund_flag = 0;
    std::uint64_t complaint_rows = 0, complaint_responded = 0, complaint_resolved = 0;

    static bool produced_by(const row_facts& f) noexcept {
        return f.has(row_facts::complaint_flag | row_facts::dispute | row_facts::refund |
                     row_facts::complaint_row | row_facts::complaint_responded |
                     row_facts::complaint_resolved);
    }
    void count(const row_facts& f, int) noexcept {
        complaint_flag += f.has(row_facts::complaint_flag);
        dispute_flag += f.has(row_facts::dispute);
        refund_flag += f.has(row_facts::refund);
        complaint_rows += f.has(row_facts::complaint_row);
        complaint_responded += f.has(row_facts::complaint_responded);
        complaint_resolved += f.has(row_facts::complaint_resolved);
    }
    complaint_counts& merge(const complaint_counts& o) noexcept {
        CSKPI_COMPLAINT_COUNTS(CSKPI_ADD_COUNT)
        return *this;
    }
    bool operator==(const complaint_counts&) const = default;
};

/// Presale rows, conversions and their order value.
struct presale_counts {
    std::uint64_t presale_rows = 0, presale_converted = 0;
    std::int64_t sales_total = 0;  ///< millionths of the currency unit

    static bool produced_by(const row_facts& f) noexcept {
        return f.has(row_facts::presale | row_facts::presale_converted);
    }
    void count(const row_facts& f, int) noexcept {
        presale_rows += f.has(row_facts::presale);
        if (f.has(row_facts::presale_converted)) {
            ++presale_converted;
            detail::add_count(sales_total, f.order_value);
        }
    }
    presale_counts& merge(const presale_counts& o) noexcept {
        CSKPI_PRESALE_COUNTS(CSKPI_ADD_COUNT)
        return *this;
    }
    bool operator==(const presale_counts&) const = default;
};

/// Resolved rows with at most one reply, among resolved rows whose replies are known.
struct one_touch_counts {
    std::uint64_t one_touch_num = 0, one_touch_den = 0;

    static bool produced_by(const row_facts& f) noexcept {
        return f.has(row_facts::replies_known | row_facts::one_touch);
    }
    void count(const row_facts& f, int) noexcept {
        one_touch_den += f.has(row_facts::resolved) && f.has(row_facts::replies_known);
        one_touch_num += f.has(row_facts::resolved) && f.has(row_facts::one_touch);
    }
    one_touch_counts& merge(const one_touch_counts& o) noexcept {
        CSKPI_ONE_TOUCH_COUNTS(CSKPI_ADD_COUNT)
        return *this;
    }
    bool operator==(const one_touch_counts&) const = default;
};

/// Realised service level (section 16): answered within staffing.within_s, short abandons.
struct service_level_counts {
    std::uint64_t sl_within = 0, sl_short_abandoned = 0;

    static bool produced_by(const row_facts& f) noexcept {
        return f.has(row_facts::answered_within | row_facts::short_abandoned);
    }
    void count(const row_facts& f, int) noexcept {
        sl_within += f.has(row_facts::answered_within);
        sl_short_abandoned += f.has(row_facts::short_abandoned);
    }
    service_level_counts& merge(const service_level_counts& o) noexcept {
        CSKPI_SERVICE_LEVEL_COUNTS(CSKPI_ADD_COUNT)
        return *this;
    }
    bool operator==(const service_level_counts&) const = default;
};

/// Kaplan-Meier (section 14): rows censored at as_of, and frt/resolution samples that are not
/// KM events. Their instants sit in the owning report_state's censoring ledger.
struct censoring_counts {
    std::uint64_t frt_censored = 0, resolution_censored = 0, km_dropped = 0;

    static bool produced_by(const row_facts& f) noexcept {
        return f.has(row_facts::frt_censored | row_facts::resolution_censored |
                     row_facts::frt_km_dropped | row_facts::resolution_km_dropped);
    }
    void count(const row_facts& f, int) noexcept {
        frt_censored += f.has(row_facts::frt_censored);
        resolution_censored += f.has(row_facts::resolution_censored);
        km_dropped += f.has(row_facts::frt_km_dropped) + f.has(row_facts::resolution_km_dropped);
    }
    censoring_counts& merge(const censoring_counts& o) noexcept {
        CSKPI_CENSORING_COUNTS(CSKPI_ADD_COUNT)
        return *this;
    }
    bool operator==(const censoring_counts&) const = default;
};

#undef CSKPI_ADD_COUNT

/// Every family, in the order group_state derives from them.
using counter_families =
    std::tuple<volume_counts, bot_counts, csat_counts, nps_counts, ces_counts, complaint_counts,
               presale_counts, one_touch_counts, service_level_counts, censoring_counts>;

// clang-format off
/// Every counter of group_state, family after family (merge, ==, JSON).
#define CSKPI_GROUP_COUNTS(X)                                                                      \
    CSKPI_VOLUME_COUNTS(X) CSKPI_BOT_COUNTS(X) CSKPI_CSAT_COUNTS(X) CSKPI_NPS_COUNTS(X)            \
    CSKPI_CES_COUNTS(X) CSKPI_COMPLAINT_COUNTS(X) CSKPI_PRESALE_COUNTS(X)                          \
    CSKPI_ONE_TOUCH_COUNTS(X) CSKPI_SERVICE_LEVEL_COUNTS(X) CSKPI_CENSORING_COUNTS(X)
// clang-format on

}  // namespace cskpi
