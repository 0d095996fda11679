#pragma once
// The metric table of an event log (section 11): the columns it adds to a report, in report
// order, each declared once with its kind, unit and definition. Its own header so the scorecard
// can accept them as KPIs and `cskpi metrics` can list them without the event engine.
#include <array>
#include <string>
#include <vector>

#include "../metrics/metric_table.hpp"
#include "../metrics/stats.hpp"

namespace cskpi::timeline {

/// SLA targets of a policy, in column order (first response, next reply, resolution).
inline constexpr std::array<const char*, 3> sla_targets = {"sla_first_response", "sla_next_reply",
                                                           "sla_resolution"};

/// What a group's timeline statistics come to at finalize (seconds, counts).
struct timeline_figures {
    double waits = 0, mean = stats::nan, median = stats::nan, p90 = stats::nan, max = stats::nan;
    double interaction_mean = stats::nan, rounds = 0, in_window = 0, within = 0, sessions = 0;
    std::array<double, 3> achieved{}, breached{}, active{};
    double status_timed = 0, requester_wait_mean = stats::nan, requester_wait_median = stats::nan;
    double agent_wait_mean = stats::nan, agent_wait_median = stats::nan, on_hold_mean = stats::nan;
    double buyer_days = 0, buyer_days_replied = 0;
    double presence_known = 0, left_messages = 0;
};

/// One entry of the timeline metric table: a count or value reads `num`; a rate reads `num`
/// and `den` and is five columns (value, _num, _den, Wilson _ci_low/_ci_high).
struct timeline_metric {
    std::string name;
    metric_kind kind;
    const char* unit;
    std::string definition;
    double (*num)(const timeline_figures&, std::size_t target);
    double (*den)(const timeline_figures&, std::size_t target) = nullptr;
    std::size_t target = 0;   ///< SLA entries: index into sla_targets
    bool min_volume = false;  ///< a rate not assessed (value empty) below events.min_rounds
};

/// The timeline metric table, in report column order.
inline const std::vector<timeline_metric>& timeline_metric_table() {
    static const std::vector<timeline_metric> table = [] {
        using F = timeline_figures;
        using K = metric_kind;
        std::vector<timeline_metric> t = {
            {"waits", K::count, "waits",
             "completed waits, each from the oldest unanswered customer message to the next answer",
             [](const F& f, std::size_t) { return f.waits; }},
            {"reply_time_mean", K::value, "seconds", "mean wait",
             [](const F& f, std::size_t) { return f.mean; }},
            {"reply_time_median", K::value, "seconds", "median wait (type 7)",
             [](const F& f, std::size_t) { return f.median; }},
            {"reply_time_p90", K::value, "seconds", "90th percentile wait (type 7)",
             [](const F& f, std::size_t) { return f.p90; }},
            {"reply_time_max", K::value, "seconds", "longest wait",
             [](const F& f, std::size_t) { return f.max; }},
            {"reply_time_interaction_mean", K::value, "seconds",
             "mean over interactions with waits of each one's mean wait",
             [](const F& f, std::size_t) { return f.interaction_mean; }},
            {"rounds", K::count, "rounds",
             "rounds: each opens at the first customer message after an answer (or at the start), "
             "closes at the next answer",
             [](const F& f, std::size_t) { return f.rounds; }},
            {"round_response_rate", K::rate, "share",
             "rounds answered within events.round_within_s (<=, calendar seconds) / judged rounds: "
             "opening in events.service_window, not on events.excluded_dates, within "
             "events.rolling_days; empty (not assessed) below events.min_rounds judged rounds",
             [](const F& f, std::size_t) { return f.within; },
             [](const F& f, std::size_t) { return f.in_window; }, 0, true},
            {"buyer_day_reply_rate", K::rate, "share",
             "buyer-days whose judged rounds were all answered within "
             "events.buyer_reply_within_s (default round_within_s; a round never answered "
             "fails) / buyer-days with a judged round: each buyer (customer, else interaction) "
             "once per local day (Pinduoduo's effective reply rate)",
             [](const F& f, std::size_t) { return f.buyer_days_replied; },
             [](const F& f, std::size_t) { return f.buyer_days; }},
            {"sessions", K::count, "sessions",
             "sessions: a gap longer than events.session_gap_s between messages starts a new one",
             [](const F& f, std::size_t) { return f.sessions; }},
        };
        const std::array<const char*, 3> what = {
            "first response", "next reply (every reply timer of the interaction)", "resolution"};
        for (std::size_t k = 0; k < sla_targets.size(); ++k) {
            t.push_back({sla_targets[k], K::rate, "share",
                         std::string("interactions whose ") + what[k] +
                             " SLA timer was achieved / achieved + breached (sla_policies; timers "
                             "still running at as_of wait)",
                         [](const F& f, std::size_t x) { return f.achieved[x]; },
                         [](const F& f, std::size_t x) { return f.achieved[x] + f.breached[x]; },
                         k});
            t.push_back(
                {std::string(sla_targets[k]) + "_active", K::count, "interactions",
                 std::string(what[k]) + " SLA timers still running, not yet breached, at as_of",
                 [](const F& f, std::size_t x) { return f.active[x]; }, nullptr, k});
        }
        const char* spans =
            " (calendar seconds between status events; interactions with two or more)";
        for (timeline_metric m : std::vector<timeline_metric>{
                 {"status_timed", K::count, "interactions",
                  "interactions with two or more status events (the status durations below)",
                  [](const F&f, std::size_t) { return f.status_timed; }},
                 {"requester_wait_mean", K::value, "seconds",
                  "mean time in new, open and hold: the requester waits (Zendesk's requester wait "
                  "time)",
                  [](const F&f, std::size_t) { return f.requester_wait_mean; }},
                 {"requester_wait_median", K::value, "seconds", "median requester wait (type 7)",
                  [](const F&f, std::size_t) { return f.requester_wait_median; }},
                 {"agent_wait_mean", K::value, "seconds",
                  "mean time in pending: the agent waits for the requester (Zendesk's agent wait "
                  "time)",
                  [](const F&f, std::size_t) { return f.agent_wait_mean; }},
                 {"agent_wait_median", K::value, "seconds", "median agent wait (type 7)",
                  [](const F&f, std::size_t) { return f.agent_wait_median; }},
                 {"on_hold_mean", K::value, "seconds", "mean time in hold (a third party's turn)",
                  [](const F&f, std::size_t) { return f.on_hold_mean; }}}) {
            if (m.kind == K::value) m.definition += spans;
            t.push_back(std::move(m));
        }
        t.push_back({"left_message_rate", K::rate, "share",
                     "interactions whose first round opened while no agent was online (a message "
                     "left, 留言; the presence log) / interactions with a round; empty without a "
                     "presence log",
                     [](const F& f, std::size_t) { return f.left_messages; },
                     [](const F& f, std::size_t) { return f.presence_known; }});
        return t;
    }();
    return table;
}

/// Names of the timeline columns, from the table (rates: five columns each).
inline const std::vector<std::string>& timeline_metrics() {
    static const std::vector<std::string> n = [] {
        std::vector<std::string> v;
        for (const auto& m : timeline_metric_table()) {
            if (m.kind != metric_kind::rate)
                v.push_back(m.name);
            else
                for (const char* s : stats::rate_suffixes) v.push_back(m.name + s);
        }
        return v;
    }();
    return n;
}

/// The column values of `f`, aligned with timeline_metrics(); `z` is the Wilson critical value.
/// A rate marked min_volume whose denominator is below `min_rounds` is not assessed: its value
/// and interval are empty, its numerator and denominator still shown.
inline std::vector<double> timeline_values(const timeline_figures& f, double z,
                                           double min_rounds = 0) {
    std::vector<double> v;
    v.reserve(timeline_metrics().size());
    for (const auto& m : timeline_metric_table()) {
        if (m.kind != metric_kind::rate) {
            v.push_back(m.num(f, m.target));
            continue;
        }
        auto r = stats::rate_values(m.num(f, m.target), m.den(f, m.target), z);
        if (m.min_volume && r[2] < min_rounds) r[0] = r[3] = r[4] = stats::nan;
        v.insert(v.end(), r.begin(), r.end());
    }
    return v;
}

}  // namespace cskpi::timeline
