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
#include <cmath>
#include <cstring>
#include <map>
#include <unordered_set>

#include "../frame.hpp"
#include "../stats.hpp"
#include "../table_reader.hpp"
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
    std::vector<double> frt_s, resolution_s;
    std::vector<std::uint8_t> resolved, transferred, bot;
    std::vector<std::int64_t> reopened;
    std::vector<std::uint64_t> first_line, event_rows;
    // Timeline facts
    std::vector<std::uint32_t> wait_begin;  ///< waits of row i: waits[wait_begin[i] .. wait_begin[i + 1])
    std::vector<double> waits;
    std::vector<std::uint32_t> rounds, rounds_in_window, rounds_within, sessions;

    std::size_t size() const { return id.size(); }
};

/// Reads an event log and derives its interactions. Event rows with bad values go to `ledger`.
/// Throws input_error when an interaction's events are not contiguous (the file must be grouped
/// by interaction; sort it by interaction_id, at).
inline derived_table derive_events(std::string_view text, input_format fmt, const std::string& path, const config& cfg,
                                   const timeline_options& o, reject_ledger& ledger) {
    static const std::vector<std::string> cols = [] {
        std::vector<std::string> c = {"interaction_id", "at", "from", "agent", "kind", "public", "status", "text"};
        for (column k : detail::carried) c.emplace_back(name_of(k));
        return c;
    }();
    const time_zone tz(cfg.timezone);
    derived_table t;
    t.wait_begin.push_back(0);
    std::string current;
    bool have = false;
    std::vector<event> evs;
    std::array<std::string, detail::n_carried> carried{};
    std::uint64_t first_line = 0, rows = 0;
    std::unordered_set<std::string> done;

    auto flush = [&] {
        if (!have) return;
        std::stable_sort(evs.begin(), evs.end(), [](const event& a, const event& b) { return a.at < b.at; });
        const auto& team = carried[1];
        const auto& channel = carried[0];
        const calendar* cal = o.calendar_for(team.empty() ? std::nullopt : std::optional(team),
                                             channel.empty() ? std::nullopt : std::optional(channel));
        const derived_interaction d = derive(evs, o, tz, cal);
        t.id.push_back(current);
        t.created_ns.push_back(d.created_at * 1000);
        t.carried.push_back(carried);
        t.agent.push_back(d.agent.value_or(""));
        t.csat_from_rating.push_back(d.csat.value_or(""));
        t.frt_s.push_back(d.frt_s >= 0 ? d.frt_s : stats::nan);
        t.resolution_s.push_back(d.resolution_s >= 0 ? d.resolution_s : stats::nan);
        t.resolved.push_back(d.resolved);
        t.transferred.push_back(d.transferred);
        t.bot.push_back(d.bot);
        t.reopened.push_back(d.reopened);
        t.first_line.push_back(first_line);
        t.event_rows.push_back(rows);
        t.waits.insert(t.waits.end(), d.waits.begin(), d.waits.end());
        t.wait_begin.push_back(static_cast<std::uint32_t>(t.waits.size()));
        t.rounds.push_back(d.rounds);
        t.rounds_in_window.push_back(d.rounds_in_window);
        t.rounds_within.push_back(d.rounds_in_window_within);
        t.sessions.push_back(d.sessions);
        done.insert(current);
        evs.clear();
        carried = {};
        have = false;
    };

    read_records(text, fmt, path, cols, {"interaction_id", "at", "from"}, ledger, [&](const text_record& r) {
        auto bad = [&](std::size_t c, std::string reason) {
            ledger.rejected({r.line, cols[c], r.cells[c] ? cskpi::detail::clip(*r.cells[c]) : std::string(), std::move(reason)});
        };
        if (!r.cells[0]) return bad(0, "required");
        event e;
        e.line = r.line;
        if (!r.cells[1]) return bad(1, "required");
        const auto at = parse_timestamp(*r.cells[1], tz);
        if (!at) return bad(1, "not a timestamp");
        e.at = *at;
        if (!r.cells[2]) return bad(2, "required");
        static const char* senders[] = {"customer", "agent", "bot", "system"};
        const auto s = std::find(std::begin(senders), std::end(senders), *r.cells[2]);
        if (s == std::end(senders)) return bad(2, "expected customer, agent, bot or system");
        e.from = static_cast<sender>(s - std::begin(senders));
        e.agent = r.cells[3];
        if (r.cells[4]) {
            static const char* kinds[] = {"message", "note", "status", "assign", "handoff", "rating"};
            const auto k = std::find(std::begin(kinds), std::end(kinds), *r.cells[4]);
            if (k == std::end(kinds)) return bad(4, "expected message, note, status, assign, handoff or rating");
            e.kind = static_cast<event_kind>(k - std::begin(kinds));
        }
        if (r.cells[5]) {
            const auto b = parse_bool(*r.cells[5]);
            if (!b) return bad(5, "expected true or false");
            e.is_public = *b;
        }
        if (e.kind == event_kind::note) e.is_public = false;
        if (e.kind == event_kind::status) {
            static const char* states[] = {"new", "open", "pending", "hold", "solved", "closed"};
            if (!r.cells[6] || std::find(std::begin(states), std::end(states), *r.cells[6]) == std::end(states))
                return bad(6, "expected new, open, pending, hold, solved or closed for a status event");
            e.status = r.cells[6];
        }
        e.text = r.cells[7];
        if (e.kind == event_kind::rating && (!e.text || !parse_number(*e.text))) return bad(7, "a rating event needs a number");
        const std::string& iid = *r.cells[0];
        if (!have || iid != current) {
            flush();
            if (done.count(iid))
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
    return t;
}

/// Names of the joined timeline columns, in report order.
inline const std::vector<std::string>& timeline_metrics() {
    static const std::vector<std::string> n = {
        "waits", "reply_time_mean", "reply_time_median", "reply_time_p90", "reply_time_max", "reply_time_interaction_mean",
        "rounds", "round_response_rate", "round_response_rate_num", "round_response_rate_den", "sessions"};
    return n;
}

/// The section 6 report of an event log, with `interactions_derived` and the timeline columns.
inline report run_events_report(const std::string& path, const config& cfg, const std::vector<group_key>& by,
                                run_options opt = {}) {
    const timeline_options o = timeline_options::from_config(cfg);
    reject_ledger events_ledger;
    const std::string text = read_file(path);
    derived_table t = derive_events(text, format_of(path), path, cfg, o, events_ledger);
    if (cfg.strict && events_ledger.rows_rejected) {
        const auto& r = events_ledger.rejects.front();
        throw input_error(path, r.line, r.column, r.value, r.reason);
    }
    const std::size_t n = t.size();

    // The derived rows as a frame: text columns as one view per row.
    frame f;
    f.rows = n;
    std::vector<std::vector<std::string_view>> views;
    auto text_col = [&](column c, auto get) {
        views.emplace_back();
        auto& v = views.back();
        v.reserve(n);
        for (std::size_t i = 0; i < n; ++i) v.push_back(get(i));
        auto& fc = f.columns[static_cast<std::size_t>(c)];
        fc.type = frame_column::kind::strings;
        fc.categories = v;
    };
    views.reserve(4 + detail::n_carried);
    text_col(column::id, [&](std::size_t i) { return std::string_view(t.id[i]); });
    text_col(column::agent, [&](std::size_t i) { return std::string_view(t.agent[i]); });
    for (std::size_t c = 0; c < detail::n_carried; ++c) {
        if (detail::carried[c] == column::csat)  // a rating event beats a carried column
            text_col(column::csat, [&](std::size_t i) {
                return std::string_view(t.csat_from_rating[i].empty() ? t.carried[i][c] : t.csat_from_rating[i]);
            });
        else
            text_col(detail::carried[c], [&, c](std::size_t i) { return std::string_view(t.carried[i][c]); });
    }
    auto set = [&](column c, frame_column::kind k, const void* data) {
        auto& fc = f.columns[static_cast<std::size_t>(c)];
        fc.type = k;
        fc.data = data;
    };
    set(column::created_at, frame_column::kind::datetime_utc, t.created_ns.data());
    set(column::first_response_s, frame_column::kind::float64, t.frt_s.data());
    set(column::resolution_s, frame_column::kind::float64, t.resolution_s.data());
    set(column::resolved, frame_column::kind::boolean, t.resolved.data());
    set(column::transferred, frame_column::kind::boolean, t.transferred.data());
    set(column::bot, frame_column::kind::boolean, t.bot.data());
    set(column::reopened, frame_column::kind::int64, t.reopened.data());

    // Engine rejects are per derived row: remember which, and name the events' lines instead.
    std::vector<std::uint8_t> rejected(n, 0);
    std::vector<reject> interaction_rejects;
    run_options inner = opt;
    inner.reject_sink = [&](const reject& r) {
        const std::size_t i = static_cast<std::size_t>(r.line - 1);
        rejected[i] = 1;
        reject x = r;
        x.line = t.first_line[i];
        x.reason = "interaction '" + t.id[i] + "' (" + std::to_string(t.event_rows[i]) + " event rows): " + r.reason;
        interaction_rejects.push_back(x);
    };
    report rep = run_report(f, cfg, by, inner, path);

    std::uint64_t rows_rejected_with_interactions = 0;
    for (std::size_t i = 0; i < n; ++i) rows_rejected_with_interactions += rejected[i] ? t.event_rows[i] : 0;
    std::vector<reject> merged = events_ledger.rejects;
    merged.insert(merged.end(), interaction_rejects.begin(), interaction_rejects.end());
    std::stable_sort(merged.begin(), merged.end(), [](const reject& a, const reject& b) { return a.line < b.line; });
    if (opt.reject_sink)
        for (const auto& r : merged) opt.reject_sink(r);
    if (merged.size() > reject_ledger::keep) merged.resize(reject_ledger::keep);
    rep.rejects = merged;
    rep.rows_read = events_ledger.rows_read;
    rep.rows_rejected = events_ledger.rows_rejected + rows_rejected_with_interactions;
    rep.rows_accepted = rep.rows_read - rep.rows_rejected;
    rep.interactions_derived = n;
    rep.input_path = path;

    // Timeline columns per group: the group of each accepted derived row, by its labels.
    const time_zone tz(cfg.timezone);
    std::map<std::vector<std::optional<std::string>>, std::size_t> index;
    for (std::size_t g = 1; g < rep.groups.size(); ++g) index[rep.groups[g].keys] = g;
    struct acc {
        std::vector<double> waits;
        double interaction_mean_sum = 0, interactions_with_waits = 0, rounds = 0, in_window = 0, within = 0, sessions = 0;
    };
    std::vector<acc> accs(rep.groups.size());
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
    for (std::size_t i = 0; i < n; ++i) {
        if (rejected[i]) continue;
        for (std::size_t k = 0; k < by.size(); ++k) key[k] = label_of(i, by[k]);
        std::vector<std::size_t> targets = {0};
        if (!by.empty()) {
            auto it = index.find(key);
            if (it == index.end()) throw std::logic_error("events: derived row without a report group");
            targets.push_back(it->second);
        }
        for (std::size_t g : targets) {
            acc& a = accs[g];
            const auto b = t.wait_begin[i], e = t.wait_begin[i + 1];
            if (e > b) {
                double s = 0;
                for (auto w = b; w < e; ++w) a.waits.push_back(t.waits[w]), s += t.waits[w];
                a.interaction_mean_sum += s / (e - b);
                a.interactions_with_waits += 1;
            }
            a.rounds += t.rounds[i];
            a.in_window += t.rounds_in_window[i];
            a.within += t.rounds_within[i];
            a.sessions += t.sessions[i];
        }
    }
    for (std::size_t g = 0; g < rep.groups.size(); ++g) {
        acc& a = accs[g];
        const double nw = static_cast<double>(a.waits.size());
        double sum = 0, mx = stats::nan;
        for (double w : a.waits) sum += w, mx = std::isnan(mx) ? w : std::max(mx, w);
        const double mean = nw ? sum / nw : stats::nan;
        const double med = stats::quantile_type7(a.waits, 0.5), p90 = stats::quantile_type7(a.waits, 0.9);
        const double values[] = {nw, mean, med, p90, mx,
                                 a.interactions_with_waits ? a.interaction_mean_sum / a.interactions_with_waits : stats::nan,
                                 a.rounds, a.in_window ? a.within / a.in_window : stats::nan, a.within, a.in_window, a.sessions};
        auto& extra = rep.groups[g].extra;
        for (std::size_t m = 0; m < timeline_metrics().size(); ++m) extra.emplace_back(timeline_metrics()[m], values[m]);
    }
    return rep;
}

}  // namespace cskpi::timeline
