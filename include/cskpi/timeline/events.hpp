#pragma once
// The KPI report of an event log (spec section 11): read events grouped by interaction,
// derive one interaction per group (derive.hpp), put the derived rows through the same
// validator and metric engine as a summary export (as an in-memory frame), and join the
// metrics only events can give: waits and reply times, rounds, sessions.
//
// Accounting: rows_read counts event rows. An event row is rejected on its own (bad value), or
// with its whole interaction when the derived interaction is invalid (e.g. no channel); the
// interaction's reject names its first line and how many rows it had.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <span>
#include <sstream>

#include "../frame.hpp"
#include "../stats.hpp"
#include "../table_reader.hpp"
#include "columns.hpp"
#include "derive.hpp"

namespace cskpi::timeline {

namespace detail {
// Interaction columns an event row may carry (the interaction takes its first non-empty value).
inline constexpr column carried[] = {column::channel, column::team,     column::customer, column::category,
                                     column::priority, column::handle_s, column::abandoned, column::contacts,
                                     column::csat,    column::nps,      column::ces,      column::complaint,
                                     column::dispute, column::refund,   column::converted, column::order_value};
inline constexpr std::size_t n_carried = std::size(carried);
}  // namespace detail

/// The derived interactions table, columnar, owning its text.
struct derived_table {
    std::vector<std::string> id;
    std::vector<std::int64_t> created_ns;
    std::vector<std::array<std::string, detail::n_carried>> carried;
    std::vector<std::string> agent, csat_from_rating;
    std::vector<std::uint32_t> part_begin;  ///< agent = all: participants of row i: parts[part_begin[i] .. part_begin[i + 1])
    std::vector<std::string> parts;
    std::vector<double> frt_s, resolution_s;
    std::vector<std::uint8_t> resolved, transferred, bot;
    std::vector<std::int64_t> reopened, replies;
    std::vector<std::uint64_t> first_line, event_rows;
    // Timeline facts
    std::vector<std::uint32_t> wait_begin;  ///< waits of row i: waits[wait_begin[i] .. wait_begin[i + 1])
    std::vector<double> waits;
    std::vector<std::uint32_t> rounds, rounds_in_window, rounds_within, sessions;
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

/// SLA state of one target of one interaction.
enum class sla_state : std::uint8_t { none, achieved, breached, active };
inline const char* name_of(sla_state s) {
    static const char* n[] = {"none", "achieved", "breached", "active"};
    return n[static_cast<int>(s)];
}

/// The SLA states of one interaction's targets.
struct sla_states {
    sla_state first_response = sla_state::none, next_reply = sla_state::none, resolution = sla_state::none;
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
inline sla_states settle_sla(const sla_inputs& in, const timeline_options& o, micros as_of, std::vector<std::string>* why = nullptr) {
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
        for (const auto& [from, to] : in.pauses) e -= span(std::max(a, from), std::min(b, to.value_or(as_of)));
        return e;
    };
    auto judge = [&](const derived_interaction::timer& tm, double target, const char* what) {
        const bool stopped = tm.stop.has_value();
        const double e = elapsed(tm.start, stopped ? *tm.stop : as_of);
        const sla_state st = e > target ? sla_state::breached : stopped ? sla_state::achieved : sla_state::active;
        if (why) {
            char buf[320];
            std::snprintf(buf, sizeof buf, "SLA %s (policy '%s', %s clock): from line %llu %s, elapsed %.0f s of %.0f s -> %s",
                          what, p.name.c_str(), business ? "business" : "calendar", static_cast<unsigned long long>(tm.start_line),
                          stopped ? ("to line " + std::to_string(tm.stop_line)).c_str() : "to as_of (still running)", e, target,
                          name_of(st));
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
        out.next_reply = breached ? sla_state::breached : active ? sla_state::active : sla_state::achieved;
    }
    if (p.resolution_s && in.resolution && *in.resolution) out.resolution = judge(**in.resolution, *p.resolution_s, "resolution");
    return out;
}

/// Settles the SLA states of derived row `i` at `as_of`.
inline sla_states settle_sla(const derived_table& t, std::size_t i, const timeline_options& o, micros as_of,
                             std::vector<std::string>* why = nullptr) {
    sla_inputs in;
    if (t.policy[i] >= 0) in.policy = &o.policies[static_cast<std::size_t>(t.policy[i])];
    in.cal = t.cal[i];
    in.first_response = &t.sla_fr[i];
    in.resolution = &t.sla_res[i];
    in.next_reply = std::span(t.sla_nr).subspan(t.nr_begin[i], t.nr_begin[i + 1] - t.nr_begin[i]);
    in.pauses = std::span(t.pauses).subspan(t.pause_begin[i], t.pause_begin[i + 1] - t.pause_begin[i]);
    return settle_sla(in, o, as_of, why);
}

/// The first policy (index into o.policies) whose `when` keys all equal the interaction's
/// values (its agent and carried columns); -1 when none does.
inline std::int32_t policy_for(const timeline_options& o, const std::optional<std::string>& agent,
                               const std::array<std::string, detail::n_carried>& carried) {
    for (std::size_t p = 0; p < o.policies.size(); ++p) {
        bool ok = true;
        for (const auto& [c, v] : o.policies[p].when) {
            if (c == column::agent) ok &= agent == v;
            else
                for (std::size_t x = 0; x < detail::n_carried; ++x)
                    if (detail::carried[x] == c) ok &= carried[x] == v;
        }
        if (ok) return static_cast<std::int32_t>(p);
    }
    return -1;
}

/// The spans of the statuses in `pause_on`, from a derived interaction's status spans.
inline std::vector<std::pair<micros, std::optional<micros>>> paused_spans(const derived_interaction& d, const sla_policy& p) {
    std::vector<std::pair<micros, std::optional<micros>>> out;
    for (std::size_t k = 0; k < d.status_spans.size(); ++k)
        if (std::find(p.pause_on.begin(), p.pause_on.end(), d.span_status[k]) != p.pause_on.end()) out.push_back(d.status_spans[k]);
    return out;
}

/// Reads an event log and derives its interactions. Event rows with bad values go to `ledger`.
/// Throws input_error when an interaction's events are not contiguous (the file must be grouped
/// by interaction; sort it by interaction_id, at).
/// Streaming: `feed(columns, on_record)` hands over the records (see file_feed), and
/// `on_chunk(derived_table&)` receives the derived interactions every `chunk_rows` rows (and
/// once at the end), so memory holds one chunk, not the log. Returns the latest event's time.
/// With `capture` set, the events of interaction `capture->first` are copied to `capture->second`.
template <class Feed, class Sink>
micros derive_events(Feed&& feed, const std::string& path, const config& cfg, const timeline_options& o,
                     reject_ledger& ledger, Sink&& on_chunk, std::size_t chunk_rows = 1u << 18,
                     std::pair<std::string, std::vector<event>>* capture = nullptr) {
    const std::vector<std::string>& cols = events_schema().columns;  // event columns, then the carried ones
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
    auto reset = [&] {
        t = derived_table{};
        t.wait_begin.push_back(0);
    };

    auto flush = [&] {
        if (!have) return;
        std::stable_sort(evs.begin(), evs.end(), [](const event& a, const event& b) { return a.at < b.at; });
        const auto& team = carried[1];
        const auto& channel = carried[0];
        const calendar* cal = o.calendar_for(team.empty() ? std::nullopt : std::optional(team),
                                             channel.empty() ? std::nullopt : std::optional(channel));
        const derived_interaction d = derive(evs, o, tz, cal);
        if (capture && capture->first == current) capture->second = evs;
        t.id.push_back(current);
        t.created_ns.push_back(d.created_at * 1000);
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
            ledger.rejected({r.line, cols[c], r.cells[c] ? cskpi::detail::clip(*r.cells[c]) : std::string(), std::move(reason)});
        };
        event_problem why;
        // Only the interaction being explained keeps its messages' text (derivation needs none).
        const bool keep_text = capture && r.cells[0] && *r.cells[0] == capture->first;
        auto parsed = parse_event(r, tz, why, keep_text);
        if (!parsed) return bad(why.column, std::move(why.reason));
        event& e = *parsed;
        if (o.as_of && e.at > *o.as_of) {  // a snapshot as of `as_of`: later events are read and counted, not used
            ledger.accepted();
            return;
        }
        const std::string& iid = *r.cells[0];
        if (!have || iid != current) {
            flush();
            if (const auto seen = done.insert(iid, r.line); seen)
                throw input_error(path, r.line, "interaction_id", iid,
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

/// The feed of derive_events for a file, streamed in blocks.
/// `imp`: how the file is read (config "events" import keys, config::events_input).
inline auto file_feed(const std::string& path, reject_ledger& ledger, std::size_t block_bytes = 4u << 20,
                      import_options imp = {}) {
    return [=, &ledger](const std::vector<std::string>& cols, auto&& on_record) {
        stream_records(path, cols, {"interaction_id", "at", "from"}, ledger, on_record, block_bytes, imp);
    };
}

/// Appends the SLA parts of row `i` of `src` to `dst` (rows kept until as_of is known).
inline void append_sla(derived_table& dst, const derived_table& src, std::size_t i) {
    if (dst.nr_begin.empty()) dst.nr_begin.push_back(0), dst.pause_begin.push_back(0);
    dst.policy.push_back(src.policy[i]);
    dst.cal.push_back(src.cal[i]);
    dst.sla_fr.push_back(src.sla_fr[i]);
    dst.sla_res.push_back(src.sla_res[i]);
    dst.sla_nr.insert(dst.sla_nr.end(), src.sla_nr.begin() + src.nr_begin[i], src.sla_nr.begin() + src.nr_begin[i + 1]);
    dst.nr_begin.push_back(static_cast<std::uint32_t>(dst.sla_nr.size()));
    dst.pauses.insert(dst.pauses.end(), src.pauses.begin() + src.pause_begin[i], src.pauses.begin() + src.pause_begin[i + 1]);
    dst.pause_begin.push_back(static_cast<std::uint32_t>(dst.pauses.size()));
}

namespace detail {
/// Derived rows as an engine frame: frame row j is derived row rows[j] with agent agents[j];
/// rows marked `copy` take their ids, in order, from copy_ids. Owns the gathered columns.
struct derived_frame {
    frame f;
    std::vector<std::int64_t> created, reopened, replies;
    std::vector<double> frt, resolution;
    std::vector<std::uint8_t> resolved, transferred, bot;

    derived_frame(const derived_table& t, const std::vector<std::uint32_t>& rows, const std::vector<std::string_view>& agents,
                  const std::vector<std::uint8_t>& copy, const std::vector<std::string>& copy_ids) {
        const std::size_t m = rows.size();
        f.rows = m;
        auto text_col = [&](column c, auto get) {  // one view per row, into this object's tables
            auto& fc = f.columns[static_cast<std::size_t>(c)];
            fc.type = frame_column::kind::strings;
            fc.categories.reserve(m);
            for (std::size_t j = 0; j < m; ++j) fc.categories.push_back(get(j, rows[j]));
        };
        std::size_t next_copy = 0;
        text_col(column::id, [&](std::size_t j, std::size_t i) {
            return copy[j] ? std::string_view(copy_ids[next_copy++]) : std::string_view(t.id[i]);
        });
        text_col(column::agent, [&](std::size_t j, std::size_t) { return agents[j]; });
        for (std::size_t c = 0; c < n_carried; ++c) {
            if (carried[c] == column::csat)  // a rating event beats a carried column
                text_col(column::csat, [&](std::size_t, std::size_t i) {
                    return std::string_view(t.csat_from_rating[i].empty() ? t.carried[i][c] : t.csat_from_rating[i]);
                });
            else
                text_col(carried[c], [&, c](std::size_t, std::size_t i) { return std::string_view(t.carried[i][c]); });
        }
        auto gather = [&](auto& dst, const auto& src, column c, frame_column::kind k) {
            dst.resize(m);
            for (std::size_t j = 0; j < m; ++j) dst[j] = src[rows[j]];
            auto& fc = f.columns[static_cast<std::size_t>(c)];
            fc.type = k;
            fc.data = dst.data();
        };
        gather(created, t.created_ns, column::created_at, frame_column::kind::datetime_utc);
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
}  // namespace detail

/// The section 6 report of an event log, with `interactions_derived` and the timeline columns.
/// The log is streamed: derived interactions go through the metric engine chunk by chunk as
/// partial states that merge (interaction ids are unique by construction, so chunks cannot
/// hold duplicates of one another).
inline report run_events_report(const std::string& path, const config& cfg, const std::vector<group_key>& by,
                                run_options opt = {}) {
    const timeline_options o = timeline_options::from_config(cfg);
    const time_zone tz(cfg.timezone);
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
        std::stable_sort(rs.begin(), rs.end(), [](const reject& a, const reject& b) { return a.line < b.line; });
        for (const auto& r : rs) {
            if (kept.size() < reject_ledger::keep) kept.push_back(r);
            if (opt.reject_sink) opt.reject_sink(r);
        }
        rs.clear();
    };

    struct acc {
        std::vector<double> waits;
        double interaction_mean_sum = 0, interactions_with_waits = 0, rounds = 0, in_window = 0, within = 0, sessions = 0;
        double sla[3][3] = {};  ///< target x (achieved, breached, active)
        void add(const sla_states& st) {
            const sla_state s3[3] = {st.first_response, st.next_reply, st.resolution};
            for (int k = 0; k < 3; ++k)
                if (s3[k] != sla_state::none) sla[k][static_cast<int>(s3[k]) - 1] += 1;
        }
    };
    std::map<std::vector<std::optional<std::string>>, std::size_t> acc_index;
    std::vector<acc> accs(1);  // [0] = overall
    derived_table sla_store;   // SLA timers of accepted rows, settled once as_of is known
    std::vector<std::pair<std::size_t, std::size_t>> sla_group;  // (sla_store row, group)
    std::optional<std::pair<report, report_state>> total;
    std::uint64_t rows_rejected_with_interactions = 0, derived = 0;

    // With agent = all and an agent grouping, an interaction has one engine row per participant
    // (copies get a private id suffix so the duplicate-id rule leaves them alone); the overall
    // row then comes from a second pass over one row per interaction, so it counts each once.
    const bool expand = o.agent_all && std::find(by.begin(), by.end(), group_key::agent) != by.end();
    std::optional<std::pair<report, report_state>> total_overall;
    // The overall row's waits are gathered from the groups at the end (one copy in memory, not
    // two), unless a wait can sit in several groups (agent = all) or there are no groups.
    const bool overall_keeps_waits = by.empty() || expand;

    auto on_chunk = [&](derived_table& t) {
        const std::size_t n = t.size();
        std::vector<std::uint32_t> row_of;  // engine row -> derived row
        std::vector<std::string_view> agent_of;
        std::vector<std::string> copy_id;   // ids of participant copies after the first
        std::vector<std::uint8_t> is_copy;
        row_of.reserve(n);
        agent_of.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t np = expand ? t.part_begin[i + 1] - t.part_begin[i] : 0;
            if (np == 0) {
                row_of.push_back(static_cast<std::uint32_t>(i));
                agent_of.emplace_back(t.agent[i]);
                is_copy.push_back(0);
            }
            for (std::size_t k = 0; k < np; ++k) {
                row_of.push_back(static_cast<std::uint32_t>(i));
                agent_of.emplace_back(t.parts[t.part_begin[i] + k]);
                is_copy.push_back(k > 0);
                if (k > 0) copy_id.push_back(t.id[i] + cskpi::detail::copy_id_mark + std::to_string(k));
            }
        }
        std::vector<std::uint8_t> rejected(n, 0);
        run_options inner = opt;
        inner.progress = nullptr;
        {
            // Engine rejects are per derived row: remember which, and name the events' lines instead.
            const detail::derived_frame df(t, row_of, agent_of, is_copy, copy_id);
            inner.reject_sink = [&](const reject& r) {
                const auto j = static_cast<std::size_t>(r.line - 1);
                const std::size_t i = row_of[j];
                rejected[i] = 1;
                if (is_copy[j]) return;  // the interaction's first row says it
                reject x = r;
                x.line = t.first_line[i];
                x.reason = "interaction '" + t.id[i] + "' (" + std::to_string(t.event_rows[i]) + " event rows): " + r.reason;
                if (!cfg.rejects_show_values) x.value.clear();
                if (cfg.strict) throw strict_error(path, x, true);
                pending.push_back(std::move(x));
            };
            auto part = run_partial(df.f, cfg, by, inner, path);
            if (!total) total = std::move(part);
            else total->second.merge(part.second);
        }
        if (expand) {
            std::vector<std::uint32_t> rows(n);
            std::vector<std::string_view> agents(n);
            for (std::size_t i = 0; i < n; ++i) rows[i] = static_cast<std::uint32_t>(i), agents[i] = t.agent[i];
            const detail::derived_frame df(t, rows, agents, std::vector<std::uint8_t>(n, 0), std::vector<std::string>{});
            inner.reject_sink = [](const reject&) {};  // already listed by the pass above
            auto part = run_partial(df.f, cfg, {}, inner, path);
            if (!total_overall) total_overall = std::move(part);
            else total_overall->second.merge(part.second);
        }
        derived += n;
        emit(pending);

        // Timeline columns: each accepted row adds to the overall row and to its group, found by labels.
        auto label_of = [&](std::size_t i, group_key k) -> std::optional<std::string> {
            auto txt = [&](const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); };
            auto carried_of = [&](column c) {
                for (std::size_t x = 0; x < detail::n_carried; ++x)
                    if (detail::carried[x] == c) return txt(t.carried[i][x]);
                return std::optional<std::string>();
            };
            switch (k) {
            case group_key::agent: return txt(t.agent[i]);
            case group_key::team: return carried_of(column::team);
            case group_key::channel: return carried_of(column::channel);
            case group_key::category: return carried_of(column::category);
            case group_key::priority: return carried_of(column::priority);
            default: return time_label(k, time_bucket(k, tz.to_local(t.created_ns[i] / 1000)));
            }
        };
        std::vector<std::optional<std::string>> key(by.size());
        std::vector<std::size_t> gs;  // the groups of one interaction (several with agent = all)
        for (std::size_t i = 0; i < n; ++i) {
            if (rejected[i]) {
                rows_rejected_with_interactions += t.event_rows[i];
                continue;
            }
            gs.clear();
            if (!by.empty()) {
                const std::size_t np = expand ? t.part_begin[i + 1] - t.part_begin[i] : 0;
                for (std::size_t c = 0; c < std::max<std::size_t>(np, 1); ++c) {
                    for (std::size_t k = 0; k < by.size(); ++k)
                        key[k] = by[k] == group_key::agent && np ? std::optional(t.parts[t.part_begin[i] + c]) : label_of(i, by[k]);
                    auto [it, fresh] = acc_index.try_emplace(key, accs.size());
                    if (fresh) accs.emplace_back();
                    gs.push_back(it->second);
                }
            }
            auto add = [&](acc& a, bool keep_waits) {
                const auto b = t.wait_begin[i], e = t.wait_begin[i + 1];
                if (e > b) {
                    double sum = 0;
                    for (auto w = b; w < e; ++w) sum += t.waits[w];
                    if (keep_waits) a.waits.insert(a.waits.end(), t.waits.begin() + b, t.waits.begin() + e);
                    a.interaction_mean_sum += sum / (e - b);
                    a.interactions_with_waits += 1;
                }
                a.rounds += t.rounds[i];
                a.in_window += t.rounds_in_window[i];
                a.within += t.rounds_within[i];
                a.sessions += t.sessions[i];
            };
            add(accs[0], overall_keeps_waits);
            for (std::size_t g : gs) add(accs[g], true);
            if (t.policy[i] < 0) continue;  // no SLA policy applies: nothing to settle
            if (o.as_of) {
                const sla_states st = settle_sla(t, i, o, *o.as_of);
                accs[0].add(st);
                for (std::size_t g : gs) accs[g].add(st);
            } else {
                append_sla(sla_store, t, i);
                for (std::size_t g : gs) sla_group.emplace_back(sla_store.policy.size() - 1, g);
            }
        }
    };
    const micros latest = derive_events(file_feed(path, events_ledger, opt.block_bytes, cfg.events_input), path, cfg, o, events_ledger, on_chunk,
                                        std::max<std::size_t>(1, opt.events_chunk_rows));
    if (!total) {  // no interaction at all: the empty report of the same shape
        derived_table none;
        none.wait_begin.push_back(0);
        on_chunk(none);
    }
    const micros as_of = o.as_of.value_or(latest);
    for (std::size_t r = 0, k = 0; r < sla_store.policy.size(); ++r) {
        const sla_states st = settle_sla(sla_store, r, o, as_of);
        accs[0].add(st);
        for (; k < sla_group.size() && sla_group[k].first == r; ++k) accs[sla_group[k].second].add(st);
    }

    total->second.set_as_of(as_of);  // Kaplan-Meier censors open interactions at the log's as_of
    if (total_overall) total_overall->second.set_as_of(as_of);
    report rep = cskpi::detail::finish(std::move(*total), opt.threads);
    if (expand) rep.groups[0].metrics = cskpi::detail::finish(std::move(*total_overall), opt.threads).groups[0].metrics;
    emit(pending);
    rep.rejects = std::move(kept);
    rep.rows_read = events_ledger.rows_read;
    rep.rows_rejected = events_ledger.rows_rejected + rows_rejected_with_interactions;
    rep.rows_accepted = rep.rows_read - rep.rows_rejected;
    rep.interactions_derived = derived;
    rep.input_path = path;
    cskpi::detail::note_survey_input(rep);
    rep.warnings = cskpi::detail::input_warnings(rep);

    const double z = stats::z_for(cfg.confidence);
    auto values_of = [&](acc& a) {
        std::vector<double> v;
        v.reserve(timeline_metrics().size());
        auto rate = [&](double num, double den) {
            const auto r = stats::rate_values(num, den, z);
            v.insert(v.end(), r.begin(), r.end());
        };
        const double nw = static_cast<double>(a.waits.size());
        double sum = 0, mx = stats::nan;
        for (double w : a.waits) sum += w, mx = std::isnan(mx) ? w : std::max(mx, w);
        const double mean = nw ? sum / nw : stats::nan;
        const double med = stats::quantile_type7(a.waits, 0.5), p90 = stats::quantile_type7(a.waits, 0.9);
        v.insert(v.end(), {nw, mean, med, p90, mx,
                           a.interactions_with_waits ? a.interaction_mean_sum / a.interactions_with_waits : stats::nan,
                           a.rounds});
        rate(a.within, a.in_window);
        v.push_back(a.sessions);
        for (const auto& sla : a.sla) {  // achieved / (achieved + breached); active ones wait
            rate(sla[0], sla[0] + sla[1]);
            v.push_back(sla[2]);
        }
        if (v.size() != timeline_metrics().size()) throw std::logic_error("events: timeline columns and values differ");
        return v;
    };
    std::vector<std::vector<double>> values(accs.size());
    for (std::size_t ai = 1; ai < accs.size(); ++ai) values[ai] = values_of(accs[ai]);
    if (!overall_keeps_waits) {  // the overall waits are the groups' (each wait in one group): gather, freeing as we go
        std::size_t total_waits = 0;
        for (std::size_t ai = 1; ai < accs.size(); ++ai) total_waits += accs[ai].waits.size();
        accs[0].waits.reserve(total_waits);
        for (std::size_t ai = 1; ai < accs.size(); ++ai) {
            accs[0].waits.insert(accs[0].waits.end(), accs[ai].waits.begin(), accs[ai].waits.end());
            std::vector<double>().swap(accs[ai].waits);
        }
    }
    values[0] = values_of(accs[0]);
    for (std::size_t gi = 0; gi < rep.groups.size(); ++gi) {
        std::size_t ai = 0;
        if (gi > 0) {
            auto it = acc_index.find(rep.groups[gi].keys);
            if (it == acc_index.end()) throw std::logic_error("events: report group without timeline facts");
            ai = it->second;
        }
        auto& extra = rep.groups[gi].extra;
        for (std::size_t m = 0; m < timeline_metrics().size(); ++m) extra.emplace_back(timeline_metrics()[m], values[ai][m]);
        if (rep.groups[gi].suppressed) rep.groups[gi].suppress();  // privacy.min_group_size covers these too
    }
    return rep;
}

}  // namespace cskpi::timeline
namespace cskpi::timeline {

/// The evidence trail of one interaction (`cskpi explain ID --events FILE`): its events, and the
/// rule behind each derived value and SLA state. Throws std::invalid_argument when the log has
/// no interaction `id`.
inline std::string explain_interaction(const std::string& path, const config& cfg, const std::string& id) {
    const timeline_options o = timeline_options::from_config(cfg);
    reject_ledger ledger;
    std::pair<std::string, std::vector<event>> cap{id, {}};
    derived_table t;  // the one row of `id`
    const micros latest = derive_events(file_feed(path, ledger, 4u << 20, cfg.events_input), path, cfg, o, ledger, [&](derived_table& chunk) {
        for (std::size_t r = 0; r < chunk.size(); ++r)
            if (chunk.id[r] == id) {
                t.id.push_back(id);
                t.sessions.push_back(chunk.sessions[r]);
                append_sla(t, chunk, r);
            }
    }, 1u << 16, &cap);
    if (t.id.empty()) throw std::invalid_argument("no interaction '" + id + "' in " + path);
    const std::size_t i = 0;
    const time_zone tz(cfg.timezone);
    std::ostringstream os;
    os << "interaction " << id << " (" << path << ", " << cap.second.size() << " events, times in " << cfg.timezone << ")\n\n";
    static const char* senders[] = {"customer", "agent", "bot", "system"};
    static const char* kinds[] = {"message", "note", "status", "assign", "handoff", "rating"};
    std::vector<std::vector<std::string>> rows = {{"line", "at", "from", "agent", "kind", "status", "text"}};
    for (const event& e : cap.second) {
        std::string at = format_utc(tz.to_local(e.at));
        at.pop_back();
        rows.push_back({std::to_string(e.line), at, senders[static_cast<int>(e.from)], e.agent.value_or(""),
                        std::string(kinds[static_cast<int>(e.kind)]) + (e.is_public || e.kind == event_kind::note ? "" : " (private)"),
                        e.status.value_or(""), cskpi::detail::clip(e.text.value_or(""))});
    }
    cskpi::detail::write_grid(os, rows);
    std::vector<std::string> why;
    derive(cap.second, o, tz, t.cal[i], &why);
    const micros as_of = o.as_of.value_or(latest);
    std::string as_of_text = format_utc(tz.to_local(as_of));
    as_of_text.pop_back();
    why.push_back("sessions = " + std::to_string(t.sessions[i]) + " (a gap over " + cskpi::detail::number_text(o.session_gap_s) +
                  " s between messages starts a new one)");
    why.push_back("SLA as of " + as_of_text + (o.as_of ? " (config as_of)" : " (the latest event of the log)"));
    settle_sla(t, i, o, as_of, &why);
    os << "\n";
    for (const auto& w : why) os << "- " << w << '\n';
    return os.str();
}

}  // namespace cskpi::timeline
