#pragma once
// The KPI report of an event log (spec section 11): read events grouped by interaction,
// derive one interaction per group (derive.hpp), put the derived rows through the same
// validator and metric engine as a summary export (as an in-memory frame), with the facts only
// events give (waits and reply times, rounds, sessions, SLA outcomes) in the same mergeable states.
//
// Accounting: rows_read counts event rows. An event row is rejected on its own (bad value), or
// with its whole interaction when the derived interaction is invalid (e.g. no channel); the
// interaction's reject names its first line and how many rows it had.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <span>
#include <sstream>

#include "../input/frame.hpp"
#include "../metrics/stats.hpp"
#include "../input/table_reader.hpp"
#include "columns.hpp"
#include "derive.hpp"
#include "state.hpp"

namespace cskpi::timeline {

namespace detail {
// Interaction columns an event row may carry (the interaction takes its first non-empty value).
inline constexpr column carried[] = {
    column::channel,  column::team,     column::customer,  column::category,
    column::priority, column::handle_s, column::abandoned, column::contacts,
    column::csat,     column::nps,      column::ces,       column::complaint,
    column::dispute,  column::refund,   column::converted, column::order_value};
inline constexpr std::size_t n_carried = std::size(carried);
inline constexpr std::size_t carried_customer = 2;  // the buyer of the buyer-day rate
inline constexpr std::size_t carried_handle = 5;    // derived when no event row carries it
static_assert(carried[carried_customer] == column::customer);
static_assert(carried[carried_handle] == column::handle_s);

/// Handle time from the first assignment to the last solve (calendar seconds), for an
/// interaction whose event rows carry no handle_s; empty when never assigned or not resolved.
inline std::string handle_from_assignment(const std::vector<event>& evs,
                                          const std::optional<micros>& resolved_at) {
    if (!resolved_at) return {};
    const auto a = std::find_if(evs.begin(), evs.end(),
                                [](const event& e) { return e.kind == event_kind::assign; });
    if (a == evs.end() || a->at > *resolved_at) return {};
    return cskpi::detail::number_text(static_cast<double>(*resolved_at - a->at) / 1e6);
}
}  // namespace detail

/// The derived interactions table, columnar, owning its text.
struct derived_table {
    std::vector<std::string> id;
    std::vector<std::int64_t> created_ns;
    std::vector<std::int64_t> rated_ns;  ///< the last rating event's instant; INT64_MIN: none
    std::vector<std::array<std::string, detail::n_carried>> carried;
    std::vector<std::string> agent, csat_from_rating;
    std::vector<std::uint32_t> part_begin;  ///< agent = all: participants of row i:
                                            ///< parts[part_begin[i] .. part_begin[i + 1])
    std::vector<std::string> parts;
    std::vector<double> frt_s, resolution_s;
    std::vector<std::uint8_t> resolved, transferred, bot;
    std::vector<std::int64_t> reopened, replies;
    std::vector<std::uint64_t> first_line, event_rows;
    // Timeline facts
    std::vector<std::uint32_t>
        wait_begin;  ///< waits of row i: waits[wait_begin[i] .. wait_begin[i + 1])
    std::vector<double> waits;
    std::vector<std::uint32_t> rounds, rounds_in_window, rounds_within, sessions;
    std::vector<std::uint8_t> presence_known, left_message;
    std::vector<double> requester_wait, agent_wait, on_hold;  ///< seconds; NaN: no status spans
    /// Buyer-days: the buyer (hashed customer, else the interaction id) and, per row,
    /// days[day_begin[i] .. day_begin[i + 1]) with day_ok (derived_interaction::judged_days).
    std::vector<std::uint64_t> buyer;
    std::vector<std::uint32_t> day_begin;
    std::vector<std::int32_t> days;
    std::vector<std::uint8_t> day_ok;
    // SLA: the policy that applies (-1 = none), its timers and paused spans, settled at as_of.
    using timer = derived_interaction::timer;
    std::vector<std::int32_t> policy;
    std::vector<std::optional<timer>> sla_fr, sla_res;
    std::vector<std::uint32_t> nr_begin, pause_begin;  ///< same layout as wait_begin
    std::vector<timer> sla_nr;
    std::vector<std::pair<micros, std::optional<micros>>> pauses;
    std::vector<const calendar*> cal;

    std::size_t size() const { return id.size(); }
};

/// The SLA states of one interaction's targets.
struct sla_states {
    sla_state first_response = sla_state::none, next_reply = sla_state::none,
              resolution = sla_state::none;
};

/// What settling one interaction's SLA needs: its policy, calendar, timers and paused spans.
struct sla_inputs {
    const sla_policy* policy = nullptr;  ///< null = no policy applies
    const calendar* cal = nullptr;
    const std::optional<derived_interaction::timer>* first_response = nullptr;
    const std::optional<derived_interaction::timer>* resolution = nullptr;
    std::span<const derived_interaction::timer> next_reply;
    std::span<const std::pair<micros, std::optional<micros>>> pauses;
};

/// Settles the SLA states of one interaction at `as_of`; `why` (optional) receives how.
inline sla_states settle_sla(const sla_inputs& in, const timeline_options& o, micros as_of,
                             std::vector<std::string>* why = nullptr) {
    sla_states out;
    if (!in.policy) {
        if (why) why->push_back("SLA: no policy applies (none of sla_policies matches)");
        return out;
    }
    const sla_policy& p = *in.policy;
    const calendar* cal = in.cal;
    const bool business = p.business.value_or(o.business_clock) && cal;
    auto span = [&](micros a, micros b) {
        if (b <= a) return 0.0;
        return business ? cal->business_seconds(a, b) : static_cast<double>(b - a) / 1e6;
    };
    auto elapsed = [&](micros a, micros b) {
        double e = span(a, b);
        for (const auto& [from, to] : in.pauses)
            e -= span(std::max(a, from), std::min(b, to.value_or(as_of)));
        return e;
    };
    auto judge = [&](const derived_interaction::timer& tm, double target, const char* what) {
        const bool stopped = tm.stop.has_value();
        const double e = elapsed(tm.start, stopped ? *tm.stop : as_of);
        const sla_state st = e > target ? sla_state::breached
                             : stopped  ? sla_state::achieved
                                        : sla_state::active;
        if (why) {
            char buf[320];
            std::snprintf(
                buf, sizeof buf,
                "SLA %s (policy '%s', %s clock): from line %llu %s, elapsed %.0f s of %.0f s -> %s",
                what, p.name.c_str(), business ? "business" : "calendar",
                static_cast<unsigned long long>(tm.start_line),
                stopped ? ("to line " + std::to_string(tm.stop_line)).c_str()
                        : "to as_of (still running)",
                e, target, name_of(st));
            why->push_back(buf);
        }
        return st;
    };
    if (p.first_response_s && in.first_response && *in.first_response)
        out.first_response = judge(**in.first_response, *p.first_response_s, "first response");
    if (p.next_reply_s && !in.next_reply.empty()) {
        bool breached = false, active = false;
        for (const auto& tm : in.next_reply) {
            const sla_state st = judge(tm, *p.next_reply_s, "next reply");
            breached |= st == sla_state::breached;
            active |= st == sla_state::active;
        }
        out.next_reply = breached ? sla_state::breached
                         : active ? sla_state::active
                                  : sla_state::achieved;
    }
    if (p.resolution_s && in.resolution && *in.resolution)
        out.resolution = judge(**in.resolution, *p.resolution_s, "resolution");
    return out;
}

/// The SLA inputs of derived row `i`.
inline sla_inputs sla_inputs_of(const derived_table& t, std::size_t i, const timeline_options& o) {
    sla_inputs in;
    if (t.policy[i] >= 0) in.policy = &o.policies[static_cast<std::size_t>(t.policy[i])];
    in.cal = t.cal[i];
    in.first_response = &t.sla_fr[i];
    in.resolution = &t.sla_res[i];
    in.next_reply = std::span(t.sla_nr).subspan(t.nr_begin[i], t.nr_begin[i + 1] - t.nr_begin[i]);
    in.pauses =
        std::span(t.pauses).subspan(t.pause_begin[i], t.pause_begin[i + 1] - t.pause_begin[i]);
    return in;
}

/// Settles the SLA states of derived row `i` at `as_of`.
inline sla_states settle_sla(const derived_table& t, std::size_t i, const timeline_options& o,
                             micros as_of, std::vector<std::string>* why = nullptr) {
    return settle_sla(sla_inputs_of(t, i, o), o, as_of, why);
}

/// The first policy (index into o.policies) whose `when` keys all equal the interaction's
/// values (its agent and carried columns); -1 when none does.
inline std::int32_t policy_for(const timeline_options& o, const std::optional<std::string>& agent,
                               const std::array<std::string, detail::n_carried>& carried) {
    for (std::size_t p = 0; p < o.policies.size(); ++p) {
        bool ok = true;
        for (const auto& [c, v] : o.policies[p].when) {
            if (c == column::agent)
                ok &= agent == v;
            else
                for (std::size_t x = 0; x < detail::n_carried; ++x)
                    if (detail::carried[x] == c) ok &= carried[x] == v;
        }
        if (ok) return static_cast<std::int32_t>(p);
    }
    return -1;
}

/// The spans of the statuses in `pause_on`, from a derived interaction's status spans.
inline std::vector<std::pair<micros, std::optional<micros>>> paused_spans(
    const derived_interaction& d, const sla_policy& p) {
    std::vector<std::pair<micros, std::optional<micros>>> out;
    for (std::size_t k = 0; k < d.status_spans.size(); ++k)
        if (std::find(p.pause_on.begin(), p.pause_on.end(), d.span_status[k]) != p.pause_on.end())
            out.push_back(d.status_spans[k]);
    return out;
}

/// Reads an event log and derives its interactions. Event rows with bad values go to `ledger`.
/// Throws input_error when an interaction's events are not contiguous (the file must be grouped
/// by interaction; sort it by interaction_id, at).
/// Streaming: `feed(columns, on_record)` hands over the records (see source_feed), and
/// `on_chunk(derived_table&)` receives the derived interactions every `chunk_rows` rows (and
/// once at the end), so memory holds one chunk, not the log. Returns the latest event's time.
/// With `capture` set, the events of interaction `capture->first` are copied to `capture->second`.
template <class Feed, class Sink>
micros derive_events(Feed&& feed, const std::string& path, const config& cfg,
                     const timeline_options& o, reject_ledger& ledger, Sink&& on_chunk,
                     std::size_t chunk_rows = 1u << 18,
                     std::pair<std::string, std::vector<event>>* capture = nullptr) {
    const std::vector<std::string>& cols =
        events_schema().columns;  // event columns, then the carried ones
    const time_zone tz(cfg.timezone);
    derived_table t;
    t.wait_begin.push_back(0);
    std::string current;
    bool have = false;
    std::vector<event> evs;
    std::array<std::string, detail::n_carried> carried{};
    std::uint64_t first_line = 0, rows = 0;
    id_registry done;  // interactions already derived (64-bit hashes): a reappearance is an error
    micros latest = INT64_MIN;
    const cskpi::detail::customer_hasher buyer_key(cfg.privacy_salt);
    auto reset = [&] {
        t = derived_table{};
        t.wait_begin.push_back(0);
        t.day_begin.push_back(0);
    };
    t.day_begin.push_back(0);

    auto flush = [&] {
        if (!have) return;
        std::stable_sort(evs.begin(), evs.end(),
                         [](const event& a, const event& b) { return a.at < b.at; });
        const auto& team = carried[1];
        const auto& channel = carried[0];
        const calendar* cal =
            o.calendar_for(team.empty() ? std::nullopt : std::optional(team),
                           channel.empty() ? std::nullopt : std::optional(channel));
        const derived_interaction d = derive(evs, o, tz, cal);
        if (capture && capture->first == current) capture->second = evs;
        auto& handle = carried[detail::carried_handle];
        if (handle.empty()) handle = detail::handle_from_assignment(evs, d.resolved_at);
        t.id.push_back(current);
        t.created_ns.push_back(d.created_at * 1000);
        // A rating logged before the interaction's first event keeps it on created_at.
        t.rated_ns.push_back(d.rated_at && *d.rated_at >= d.created_at ? *d.rated_at * 1000
                                                                       : INT64_MIN);
        t.carried.push_back(carried);
        t.agent.push_back(d.agent.value_or(""));
        if (o.agent_all) {
            if (t.part_begin.empty()) t.part_begin.push_back(0);
            t.parts.insert(t.parts.end(), d.participants.begin(), d.participants.end());
            t.part_begin.push_back(static_cast<std::uint32_t>(t.parts.size()));
        }
        t.csat_from_rating.push_back(d.csat.value_or(""));
        t.frt_s.push_back(d.frt_s >= 0 ? d.frt_s : stats::nan);
        t.resolution_s.push_back(d.resolution_s >= 0 ? d.resolution_s : stats::nan);
        t.resolved.push_back(d.resolved);
        t.transferred.push_back(d.transferred);
        t.bot.push_back(d.bot);
        t.reopened.push_back(d.reopened);
        t.replies.push_back(d.replies);
        t.first_line.push_back(first_line);
        t.event_rows.push_back(rows);
        t.waits.insert(t.waits.end(), d.waits.begin(), d.waits.end());
        t.wait_begin.push_back(static_cast<std::uint32_t>(t.waits.size()));
        t.rounds.push_back(d.rounds);
        t.rounds_in_window.push_back(d.rounds_in_window);
        t.rounds_within.push_back(d.rounds_in_window_within);
        t.sessions.push_back(d.sessions);
        t.presence_known.push_back(d.presence_known);
        t.left_message.push_back(d.left_message);
        t.requester_wait.push_back(d.requester_wait_s);
        t.agent_wait.push_back(d.agent_wait_s);
        t.on_hold.push_back(d.on_hold_s);
        const std::string& customer = carried[detail::carried_customer];
        t.buyer.push_back(customer.empty() ? buyer_key("interaction:" + current)
                                           : buyer_key(customer));
        for (const auto& [day, ok] : d.judged_days) {
            t.days.push_back(day);
            t.day_ok.push_back(ok);
        }
        t.day_begin.push_back(static_cast<std::uint32_t>(t.days.size()));
        const std::int32_t pol = policy_for(o, d.agent, carried);
        t.policy.push_back(pol);
        t.cal.push_back(cal);
        t.sla_fr.push_back(d.sla_first_response);
        t.sla_res.push_back(d.sla_resolution);
        if (t.nr_begin.empty()) t.nr_begin.push_back(0), t.pause_begin.push_back(0);
        t.sla_nr.insert(t.sla_nr.end(), d.sla_next_reply.begin(), d.sla_next_reply.end());
        t.nr_begin.push_back(static_cast<std::uint32_t>(t.sla_nr.size()));
        if (pol >= 0) {
            const auto spans = paused_spans(d, o.policies[static_cast<std::size_t>(pol)]);
            t.pauses.insert(t.pauses.end(), spans.begin(), spans.end());
        }
        t.pause_begin.push_back(static_cast<std::uint32_t>(t.pauses.size()));
        latest = std::max(latest, d.last_event);
        done.insert(current, first_line);
        evs.clear();
        carried = {};
        have = false;
        if (t.size() >= chunk_rows) {
            on_chunk(t);
            reset();
        }
    };

    feed(cols, [&](const text_record& r) {
        auto bad = [&](std::size_t c, std::string reason) {
            ledger.rejected({r.line, cols[c],
                             r.cells[c] ? cskpi::detail::clip(*r.cells[c]) : std::string(),
                             std::move(reason)});
        };
        event_problem why;
        // Only the interaction being explained keeps its messages' text (derivation needs none).
        const bool keep_text = capture && r.cells[0] && *r.cells[0] == capture->first;
        auto parsed = parse_event(r, tz, why, keep_text);
        if (!parsed) return bad(why.column, std::move(why.reason));
        event& e = *parsed;
        if (o.as_of && e.at > *o.as_of) {  // a snapshot as of `as_of`: later events are read and
                                           // counted, not used
            ledger.accepted();
            return;
        }
        const std::string& iid = *r.cells[0];
        if (!have || iid != current) {
            flush();
            if (const auto seen = done.insert(iid, r.line); seen)
                throw input_error(
                    path, r.line, "interaction_id", iid,
                    "events of this interaction are not contiguous: group the file by interaction "
                    "(sort by interaction_id, at)");
            current = iid;
            have = true;
            first_line = r.line;
            rows = 0;
        }
        ++rows;
        for (std::size_t c = 0; c < detail::n_carried; ++c)
            if (carried[c].empty() && r.cells[8 + c]) carried[c] = *r.cells[8 + c];
        evs.push_back(std::move(e));
        ledger.accepted();
    });
    flush();
    if (t.size()) on_chunk(t);
    return latest;
}

/// The feed of derive_events for an event table: a file (streamed in blocks) or columns in
/// memory. `imp`: how the table is read (config "events" import keys, config::events_input).
inline auto source_feed(const table_source& src, reject_ledger& ledger,
                        std::size_t block_bytes = 4u << 20, import_options imp = {}) {
    return
        [&src, &ledger, block_bytes, imp](const std::vector<std::string>& cols, auto&& on_record) {
            for_each_record(src, cols, {"interaction_id", "at", "from"}, ledger, on_record, imp,
                            block_bytes);
        };
}

/// The SLA outcome of each target of one interaction, valid for every as_of at or after its last
/// event: state_at(outcome, as_of) is the state settle_sla gives at that as_of. A running timer's
/// elapsed time only grows with as_of, so it is breached from the first microsecond at which it
/// exceeds the target on (found by doubling, then bisection; never when a pause holds it for good).
/// With `instants` (per-interaction facts), a timer stopped late gets its breach instant and its
/// seconds over the target too; reports leave them out, as they count states only.
inline std::array<sla_outcome, 3> sla_outcomes(const sla_inputs& in, const timeline_options& o,
                                               bool instants = false) {
    std::array<sla_outcome, 3> out{};
    if (!in.policy) return out;
    const sla_policy& p = *in.policy;
    const bool business = p.business.value_or(o.business_clock) && in.cal;
    auto span = [&](micros a, micros b) {
        if (b <= a) return 0.0;
        return business ? in.cal->business_seconds(a, b) : static_cast<double>(b - a) / 1e6;
    };
    auto elapsed = [&](micros a, micros b) {  // settle_sla's elapsed at as_of = b
        double e = span(a, b);
        for (const auto& [from, to] : in.pauses)
            e -= span(std::max(a, from), std::min(b, to.value_or(b)));
        return e;
    };
    // The first instant in (lo, hi] at which the timer exceeds the target, given
    // elapsed(lo) <= target < elapsed(hi).
    auto first_over = [&](micros start, micros lo, micros hi, double target) {
        while (hi - lo > 1) {
            const micros mid = lo + (hi - lo) / 2;
            (elapsed(start, mid) > target ? hi : lo) = mid;
        }
        return hi;
    };
    auto judge = [&](const derived_interaction::timer& tm, double target) -> sla_outcome {
        if (tm.stop) {
            const double e = elapsed(tm.start, *tm.stop);
            if (e <= target) return {sla_outcome::achieved};
            if (!instants) return {sla_outcome::breached};
            const bool at_start = elapsed(tm.start, tm.start) > target;
            return {sla_outcome::breached,
                    at_start ? tm.start : first_over(tm.start, tm.start, *tm.stop, target),
                    e - target};
        }
        if (elapsed(tm.start, tm.start) > target) return {sla_outcome::running, tm.start};
        constexpr micros horizon =
            micros{200} * 366 * 86400 * us_per_s;  // paused or closed for longer: never
        micros lo = tm.start, step = std::max<micros>(us_per_s, static_cast<micros>(target * 1e6));
        micros hi = tm.start + step;
        while (elapsed(tm.start, hi) <= target) {
            if (step > horizon) return {sla_outcome::running, sla_outcome::never};
            lo = hi;
            step *= 2;
            hi = tm.start + step;
        }
        return {sla_outcome::running, first_over(tm.start, lo, hi, target)};
    };
    if (p.first_response_s && in.first_response && *in.first_response)
        out[0] = judge(**in.first_response, *p.first_response_s);
    if (p.next_reply_s && !in.next_reply.empty()) {
        // Breached once any timer is; running while one runs (breached at the earliest of theirs).
        // With instants: the first late reply's breach instant and the worst reply's excess.
        sla_outcome all{sla_outcome::achieved};
        for (const auto& tm : in.next_reply) {
            const sla_outcome x = judge(tm, *p.next_reply_s);
            if (x.kind == sla_outcome::breached)
                all = all.kind == sla_outcome::breached
                          ? sla_outcome{sla_outcome::breached, std::min(all.breach, x.breach),
                                        std::fmax(all.over_s, x.over_s)}
                          : x;
            else if (x.kind == sla_outcome::running && all.kind != sla_outcome::breached)
                all = {sla_outcome::running, all.kind == sla_outcome::running
                                                 ? std::min(all.breach, x.breach)
                                                 : x.breach};
        }
        out[1] = all;
    }
    if (p.resolution_s && in.resolution && *in.resolution)
        out[2] = judge(**in.resolution, *p.resolution_s);
    return out;
}

namespace detail {
/// Derived rows as an engine frame: frame row j is derived row rows[j] with agent agents[j].
/// Owns the gathered columns.
struct derived_frame {
    frame f;
    std::vector<std::int64_t> created, rated, reopened, replies;
    std::vector<double> frt, resolution;
    std::vector<std::uint8_t> resolved, transferred, bot;

    derived_frame(const derived_table& t, const std::vector<std::uint32_t>& rows,
                  const std::vector<std::string_view>& agents) {
        const std::size_t m = rows.size();
        f.rows = m;
        auto text_col = [&](column c, auto get) {  // one view per row, into this object's tables
            auto& fc = f.columns[static_cast<std::size_t>(c)];
            fc.type = frame_column::kind::strings;
            fc.categories.reserve(m);
            for (std::size_t j = 0; j < m; ++j) fc.categories.push_back(get(j, rows[j]));
        };
        text_col(column::id, [&](std::size_t, std::size_t i) { return std::string_view(t.id[i]); });
        text_col(column::agent, [&](std::size_t j, std::size_t) { return agents[j]; });
        for (std::size_t c = 0; c < n_carried; ++c) {
            if (carried[c] == column::csat)  // a rating event beats a carried column
                text_col(column::csat, [&](std::size_t, std::size_t i) {
                    return std::string_view(t.csat_from_rating[i].empty() ? t.carried[i][c]
                                                                          : t.csat_from_rating[i]);
                });
            else
                text_col(carried[c], [&, c](std::size_t, std::size_t i) {
                    return std::string_view(t.carried[i][c]);
                });
        }
        auto gather = [&](auto& dst, const auto& src, column c, frame_column::kind k) {
            dst.resize(m);
            for (std::size_t j = 0; j < m; ++j) dst[j] = src[rows[j]];
            auto& fc = f.columns[static_cast<std::size_t>(c)];
            fc.type = k;
            fc.data = dst.data();
        };
        gather(created, t.created_ns, column::created_at, frame_column::kind::datetime_utc);
        gather(rated, t.rated_ns, column::rated_at, frame_column::kind::datetime_utc);
        gather(frt, t.frt_s, column::first_response_s, frame_column::kind::float64);
        gather(resolution, t.resolution_s, column::resolution_s, frame_column::kind::float64);
        gather(resolved, t.resolved, column::resolved, frame_column::kind::boolean);
        gather(transferred, t.transferred, column::transferred, frame_column::kind::boolean);
        gather(bot, t.bot, column::bot, frame_column::kind::boolean);
        gather(reopened, t.reopened, column::reopened, frame_column::kind::int64);
        gather(replies, t.replies, column::replies, frame_column::kind::int64);
    }
    derived_frame(const derived_frame&) = delete;  // the frame points into this object
};

/// One chunk of derived interactions as engine rows with their timeline facts: one row per
/// interaction; with `expand`, an interaction answered by agents also has a row per participant
/// (timeline::row_role says which states count which).
struct derived_rows {
    std::vector<std::uint32_t> row_of;
    std::vector<std::string_view> agent;
    std::vector<row_role> role;
    std::vector<timeline_row> facts;
    timeline_feed feed;

    derived_rows(const derived_table& t, const timeline_options& o, bool expand) {
        const std::size_t n = t.size();
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t np = expand ? t.part_begin[i + 1] - t.part_begin[i] : 0;
            add(i, t.agent[i], np ? row_role::interaction : row_role::every);
            for (std::size_t k = 0; k < np; ++k)
                add(i, t.parts[t.part_begin[i] + k], row_role::participant);
        }
        facts.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            timeline_row& r = facts[i];
            r.waits =
                std::span(t.waits).subspan(t.wait_begin[i], t.wait_begin[i + 1] - t.wait_begin[i]);
            r.rounds = t.rounds[i];
            r.rounds_in_window = t.rounds_in_window[i];
            r.rounds_within = t.rounds_within[i];
            r.sessions = t.sessions[i];
            r.presence_known = t.presence_known[i];
            r.left_message = t.left_message[i];
            r.requester_wait = t.requester_wait[i];
            r.agent_wait = t.agent_wait[i];
            r.on_hold = t.on_hold[i];
            r.buyer = t.buyer[i];
            const std::size_t b = t.day_begin[i], e = t.day_begin[i + 1];
            r.days = std::span(t.days).subspan(b, e - b);
            r.days_ok = std::span(t.day_ok).subspan(b, e - b);
            if (t.policy[i] >= 0) r.sla = sla_outcomes(sla_inputs_of(t, i, o), o);
        }
        if (!expand) role.clear();  // every row counts everywhere: the feed says so
        feed = {row_of, role, facts};
    }
    derived_rows(const derived_rows&) = delete;  // the feed points into this object

private:
    void add(std::size_t i, std::string_view a, row_role r) {
        row_of.push_back(static_cast<std::uint32_t>(i));
        agent.push_back(a);
        role.push_back(r);
    }
};
}  // namespace detail

/// Sees each engine batch beside the derived interactions it came from:
/// batch line j + 1 is derived row row_of[j] of the chunk (cskpi facts --events).
using derived_batch_sink = std::function<void(const interaction_batch&, const derived_table&,
                                              std::span<const std::uint32_t> row_of)>;

/// Reads an event log once into a partial state per grouping of `bys`, with the input
/// accounting (`report` without groups: rows_read counts event rows). The log streams: derived
/// interactions go through the metric engine chunk by chunk, their timeline facts into the same
/// states. The states' as_of is the log's (config as_of, else its latest event): Kaplan-Meier
/// censors and SLA timers still running settle there. Partial states of slices of one log merge
/// to the whole when each slice is given the same as_of.
inline std::pair<report, std::vector<report_state>> run_events_partial_multi(
    const table_source& src, const config& cfg, const std::vector<std::vector<group_key>>& bys,
    run_options opt = {}, const derived_batch_sink& on_batch = {}) {
    const std::string& path = src.name;
    timeline_options o = timeline_options::from_config(cfg);
    if (opt.presence) o.presence = &opt.presence->log;
    // Rejects of both kinds (bad event rows; interactions the engine refuses) leave in line
    // order: event-row rejects wait until the chunk they precede is judged, then both merge.
    reject_ledger events_ledger;
    events_ledger.show_values = cfg.rejects_show_values;
    std::vector<reject> pending, kept;  // kept: the first reject_ledger::keep, for the report
    events_ledger.sink = [&](const reject& r) {
        if (cfg.strict) throw strict_error(path, r, cfg.rejects_show_values);
        pending.push_back(r);
    };
    auto emit = [&](std::vector<reject>& rs) {
        std::stable_sort(rs.begin(), rs.end(),
                         [](const reject& a, const reject& b) { return a.line < b.line; });
        for (const auto& r : rs) {
            if (kept.size() < reject_ledger::keep) kept.push_back(r);
            if (opt.reject_sink) opt.reject_sink(r);
        }
        rs.clear();
    };
    // With agent = all, a grouping by agent counts an interaction in every participant's group.
    const bool expand = o.agent_all && std::any_of(bys.begin(), bys.end(), [](const auto& by) {
                            return std::find(by.begin(), by.end(), group_key::agent) != by.end();
                        });
    std::vector<report_state> total;
    for (const auto& by : bys) {
        total.emplace_back(cfg, by);
        const timeline_feed none;
        total.back().attach_timeline(&none);  // an event log's state, even with no interaction
        total.back().attach_timeline(nullptr);
    }
    std::uint64_t rows_rejected_with_interactions = 0, derived = 0;

    auto on_chunk = [&](derived_table& t) {
        const std::size_t n = t.size();
        const detail::derived_rows rows(t, o, expand);
        const detail::derived_frame df(t, rows.row_of, rows.agent);
        std::vector<std::uint8_t> rejected(n, 0);
        run_options inner = opt;
        inner.progress = nullptr;
        inner.timeline = &rows.feed;
        inner.reports_only = false;  // each chunk's states are merged into the totals below
        if (on_batch)
            inner.batch_sink = [&](const interaction_batch& b) {
                if (opt.batch_sink) opt.batch_sink(b);
                on_batch(b, t, rows.row_of);
            };
        // Engine rejects are per derived row: remember which, and name the events' lines instead.
        inner.reject_sink = [&](const reject& r) {
            const auto j = static_cast<std::size_t>(r.line - 1);
            const std::size_t i = rows.row_of[j];
            rejected[i] = 1;
            if (rows.feed.repeats_id(r.line)) return;  // the interaction's own row says it
            reject x = r;
            x.line = t.first_line[i];
            x.reason = "interaction '" + t.id[i] + "' (" + std::to_string(t.event_rows[i]) +
                       " event rows): " + r.reason;
            if (!cfg.rejects_show_values) x.value.clear();
            if (cfg.strict) throw strict_error(path, x, true);
            pending.push_back(std::move(x));
        };
        auto part = run_partial_multi(df.f, cfg, bys, inner, path);
        for (std::size_t k = 0; k < bys.size(); ++k)
            total[k].merge(std::move(part.second[k]), opt.threads);
        for (std::size_t i = 0; i < n; ++i)
            rows_rejected_with_interactions += rejected[i] ? t.event_rows[i] : 0;
        derived += n;
        emit(pending);
    };
    const micros latest =
        derive_events(source_feed(src, events_ledger, opt.block_bytes, cfg.events_input), path, cfg,
                      o, events_ledger, on_chunk, std::max<std::size_t>(1, opt.events_chunk_rows));
    emit(pending);
    const micros as_of = o.as_of.value_or(latest);
    for (auto& st : total) st.set_as_of(as_of);

    report head;
    head.input_path = path;
    head.cfg = cfg;
    head.by = bys.empty() ? std::vector<group_key>{} : bys.front();
    head.rejects = std::move(kept);
    head.rows_read = events_ledger.rows_read;
    head.rows_rejected = events_ledger.rows_rejected + rows_rejected_with_interactions;
    head.rows_accepted = head.rows_read - head.rows_rejected;
    head.interactions_derived = derived;
    if (opt.presence) head.presence_input = presence_json(*opt.presence);
    return {std::move(head), std::move(total)};
}

/// run_events_partial_multi for one grouping.
inline std::pair<report, report_state> run_events_partial(const table_source& src,
                                                          const config& cfg,
                                                          const std::vector<group_key>& by,
                                                          run_options opt = {}) {
    auto [head, states] = run_events_partial_multi(src, cfg, {by}, std::move(opt));
    return {std::move(head), std::move(states.front())};
}

/// One section 6 report per grouping of `bys` from one reading of an event log, with
/// `interactions_derived` and the timeline columns.
inline std::vector<report> run_events_reports(const table_source& src, const config& cfg,
                                              const std::vector<std::vector<group_key>>& bys,
                                              run_options opt = {}) {
    const unsigned threads = opt.threads;
    return cskpi::detail::finish_multi(run_events_partial_multi(src, cfg, bys, std::move(opt)), bys,
                                       threads);
}

/// The section 6 report of an event log, with `interactions_derived` and the timeline columns.
inline report run_events_report(const table_source& src, const config& cfg,
                                const std::vector<group_key>& by, run_options opt = {}) {
    const unsigned threads = opt.threads;
    return cskpi::detail::finish(run_events_partial(src, cfg, by, std::move(opt)), threads);
}

/// Appends the SLA parts of row `i` of `src` to `dst` (explain keeps one row past its chunk).
inline void append_sla(derived_table& dst, const derived_table& src, std::size_t i) {
    if (dst.nr_begin.empty()) dst.nr_begin.push_back(0), dst.pause_begin.push_back(0);
    dst.policy.push_back(src.policy[i]);
    dst.cal.push_back(src.cal[i]);
    dst.sla_fr.push_back(src.sla_fr[i]);
    dst.sla_res.push_back(src.sla_res[i]);
    dst.sla_nr.insert(dst.sla_nr.end(), src.sla_nr.begin() + src.nr_begin[i],
                      src.sla_nr.begin() + src.nr_begin[i + 1]);
    dst.nr_begin.push_back(static_cast<std::uint32_t>(dst.sla_nr.size()));
    dst.pauses.insert(dst.pauses.end(), src.pauses.begin() + src.pause_begin[i],
                      src.pauses.begin() + src.pause_begin[i + 1]);
    dst.pause_begin.push_back(static_cast<std::uint32_t>(dst.pauses.size()));
}

/// The evidence trail of one interaction (`cskpi explain ID --events FILE`): its events, and the
/// rule behind each derived value and SLA state. Throws std::invalid_argument when the log has
/// no interaction `id`.
inline std::string explain_interaction(const table_source& src, const config& cfg,
                                       const std::string& id,
                                       const presence_log* presence = nullptr) {
    const std::string& path = src.name;
    timeline_options o = timeline_options::from_config(cfg);
    o.presence = presence;
    reject_ledger ledger;
    std::pair<std::string, std::vector<event>> cap{id, {}};
    derived_table t;  // the one row of `id`
    const micros latest = derive_events(
        source_feed(src, ledger, 4u << 20, cfg.events_input), path, cfg, o, ledger,
        [&](derived_table& chunk) {
            for (std::size_t r = 0; r < chunk.size(); ++r)
                if (chunk.id[r] == id) {
                    t.id.push_back(id);
                    t.sessions.push_back(chunk.sessions[r]);
                    append_sla(t, chunk, r);
                }
        },
        1u << 16, &cap);
    if (t.id.empty()) throw std::invalid_argument("no interaction '" + id + "' in " + path);
    const std::size_t i = 0;
    const time_zone tz(cfg.timezone);
    std::ostringstream os;
    os << "interaction " << id << " (" << path << ", " << cap.second.size() << " events, times in "
       << cfg.timezone << ")\n\n";
    static const char* senders[] = {"customer", "agent", "bot", "system"};
    static const char* kinds[] = {"message", "note", "status", "assign", "handoff", "rating"};
    std::vector<std::vector<std::string>> rows = {
        {"line", "at", "from", "agent", "kind", "status", "text"}};
    for (const event& e : cap.second) {
        std::string at = format_utc(tz.to_local(e.at));
        at.pop_back();
        rows.push_back({std::to_string(e.line), at, senders[static_cast<int>(e.from)],
                        e.agent.value_or(""),
                        std::string(kinds[static_cast<int>(e.kind)]) +
                            (e.is_public || e.kind == event_kind::note ? "" : " (private)"),
                        e.status.value_or(""), cskpi::detail::clip(e.text.value_or(""))});
    }
    cskpi::detail::write_grid(os, rows);
    std::vector<std::string> why;
    derive(cap.second, o, tz, t.cal[i], &why);
    const micros as_of = o.as_of.value_or(latest);
    std::string as_of_text = format_utc(tz.to_local(as_of));
    as_of_text.pop_back();
    why.push_back("sessions = " + std::to_string(t.sessions[i]) + " (a gap over " +
                  cskpi::detail::number_text(o.session_gap_s) +
                  " s between messages starts a new one)");
    why.push_back("SLA as of " + as_of_text +
                  (o.as_of ? " (config as_of)" : " (the latest event of the log)"));
    settle_sla(t, i, o, as_of, &why);
    os << "\n";
    for (const auto& w : why) os << "- " << w << '\n';
    return os.str();
}

}  // namespace cskpi::timeline
