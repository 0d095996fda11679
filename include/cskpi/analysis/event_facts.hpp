#pragma once
// Per-interaction facts of an event log (`cskpi facts --events`): the section 3 facts of each
// interaction derived from the log, with what section 11 adds (rounds, waits, sessions, status
// durations, SLA timers).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include "../timeline/events.hpp"
#include "facts.hpp"

namespace cskpi::analysis {

namespace detail {
/// The event-log part of derived row `i`.
inline event_facts event_part(const timeline::derived_table& t, std::size_t i,
                              const timeline::timeline_options& o) {
    event_facts e;
    e.event_rows = t.event_rows[i];
    e.rounds = t.rounds[i];
    e.rounds_in_window = t.rounds_in_window[i];
    e.rounds_within = t.rounds_within[i];
    e.sessions = t.sessions[i];
    if (t.presence_known[i]) e.left_message = static_cast<std::int8_t>(t.left_message[i]);
    e.judged_days = t.day_begin[i + 1] - t.day_begin[i];
    for (std::uint32_t k = t.day_begin[i]; k < t.day_begin[i + 1]; ++k)
        e.judged_days_replied += t.day_ok[k];
    const auto w =
        std::span(t.waits).subspan(t.wait_begin[i], t.wait_begin[i + 1] - t.wait_begin[i]);
    e.waits = static_cast<std::uint32_t>(w.size());
    if (!w.empty()) {
        e.wait_mean_s = std::accumulate(w.begin(), w.end(), 0.0) / static_cast<double>(w.size());
        e.wait_max_s = *std::max_element(w.begin(), w.end());
    }
    e.requester_wait_s = t.requester_wait[i];
    e.agent_wait_s = t.agent_wait[i];
    e.on_hold_s = t.on_hold[i];
    if (t.policy[i] >= 0) {
        e.sla_policy = o.policies[static_cast<std::size_t>(t.policy[i])].name;
        e.sla = timeline::sla_outcomes(timeline::sla_inputs_of(t, i, o), o, true);
    }
    return e;
}
}  // namespace detail

/// The facts of an event log: the report (input accounting, rejects), one row per derived
/// interaction in the order of their first event rows, and the as_of its SLA timers are judged
/// at (the config's, else the log's latest event: the report's).
struct event_fact_table {
    report rep;
    std::vector<fact_row> rows;
    micros as_of = 0;
};

inline event_fact_table run_event_facts(const table_source& src, const config& cfg,
                                        run_options opt = {}) {
    const auto o = timeline::timeline_options::from_config(cfg);
    fact_collector rows(cfg);
    auto on_batch = [&](const interaction_batch& b, const timeline::derived_table& t,
                        std::span<const std::uint32_t> row_of) {
        rows.add(b, [&](std::size_t r, fact_row& f) {
            const std::size_t i = row_of[b.line[r] - 1];
            f.line = t.first_line[i];
            f.events = std::make_unique<const event_facts>(detail::event_part(t, i, o));
        });
    };
    const unsigned threads = opt.threads;
    auto [head, states] =
        timeline::run_events_partial_multi(src, cfg, {{}}, std::move(opt), on_batch);
    const micros as_of = states.front().km_as_of().value_or(0);
    report rep = cskpi::detail::finish({std::move(head), std::move(states.front())}, threads);
    return {std::move(rep), rows.finish(), as_of};
}

}  // namespace cskpi::analysis
