#pragma once
// What a monitor reports at an instant (spec section 17): per scope, the queue now and the
// values of each window; the run's counts; the alerts raised and cleared.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../metrics/stats.hpp"
#include "../time.hpp"
#include "options.hpp"

namespace cskpi::live {

/// An alert raised or cleared, with the value and count that decided it.
struct alert_event {
    std::string rule, kind;  ///< kind: "raise" or "clear"
    micros at = 0;
    std::string metric, window, op;
    std::optional<std::string> channel, team;
    double value = stats::nan, threshold = 0;
    std::int64_t n = 0;
};

/// A rule's state now.
struct alert_state {
    std::string rule;
    bool raised = false;
    micros since = 0;  ///< when it was raised
    double value = stats::nan;
    std::int64_t n = 0;
};

/// Values of one window for one scope.
struct window_values {
    micros from = 0, to = 0;  ///< [from, to]: arrivals in this range
    std::int64_t interactions = 0, answered = 0, abandoned = 0;
    std::int64_t sla_achieved = 0, sla_breached = 0, sla_active = 0, csat_responses = 0,
                 csat_satisfied = 0;
    double answer_rate = stats::nan, abandonment_rate = stats::nan, frt_median = stats::nan,
           frt_p90 = stats::nan;
    double sla_first_response = stats::nan, csat = stats::nan, csat_mean = stats::nan;
    bool exact = true;  ///< false: FRT quantiles come from the sketch (within relative_error)

    /// A metric by its name (metric_infos()), and the count min_n applies to.
    double value(const std::string& m) const {
        if (m == "interactions") return static_cast<double>(interactions);
        if (m == "answered") return static_cast<double>(answered);
        if (m == "abandoned") return static_cast<double>(abandoned);
        if (m == "answer_rate") return answer_rate;
        if (m == "abandonment_rate") return abandonment_rate;
        if (m == "frt_median") return frt_median;
        if (m == "frt_p90") return frt_p90;
        if (m == "sla_first_response") return sla_first_response;
        if (m == "sla_first_response_active") return static_cast<double>(sla_active);
        if (m == "csat") return csat;
        if (m == "csat_mean") return csat_mean;
        if (m == "csat_responses") return static_cast<double>(csat_responses);
        return stats::nan;
    }
    std::int64_t n_of(const std::string& m) const {
        const std::string n = find_metric(m) ? find_metric(m)->n_of : "";
        if (n == "answered") return answered;
        if (n == "sla_first_response_den") return sla_achieved + sla_breached;
        if (n == "csat_responses") return csat_responses;
        return interactions;
    }
};

/// The queue at the instant, for one scope.
struct now_values {
    std::int64_t queue_length = 0, open = 0;
    double longest_wait_s = stats::nan;
    double value(const std::string& m) const {
        if (m == "queue_length") return static_cast<double>(queue_length);
        if (m == "open") return static_cast<double>(open);
        if (m == "longest_wait_s") return longest_wait_s;
        return stats::nan;
    }
};

/// One scope's row: all (both unset), a channel, a team, or a channel and a team.
struct scope_row {
    std::optional<std::string> channel, team;
    now_values now;
    std::vector<window_values> windows;  ///< in snapshot::window_names order
};

/// Counts of the whole run: nothing is dropped without being counted here.
struct monitor_counts {
    std::int64_t events = 0;    ///< events applied
    std::int64_t rejected = 0;  ///< event rows refused (bad values)
    std::int64_t late = 0;      ///< older than late_tolerance_s: counted, not applied
    std::int64_t early = 0;     ///< later than now + late_tolerance_s: counted, not applied
    std::int64_t unscoped = 0;  ///< interactions without a channel (not counted in windows yet)
    std::int64_t live = 0;      ///< interactions held now
    std::int64_t released_idle = 0;      ///< let go after idle_s or once out of every window
    std::int64_t released_capacity = 0;  ///< let go because max_live was exceeded
};

struct snapshot {
    micros at = 0;
    std::vector<std::string> window_names;
    std::vector<scope_row> rows;  ///< all first, then channels, teams, channel x team, each sorted
    monitor_counts counts;
    std::vector<alert_event> alerts;  ///< raised and cleared since the previous snapshot
    std::vector<alert_state> active_alerts;
};

}  // namespace cskpi::live
