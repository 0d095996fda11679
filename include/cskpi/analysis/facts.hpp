#pragma once
// Per-interaction facts (spec section 3; `cskpi facts`): one row per accepted interaction with
// every fact the metrics count, so that analysts can join them to their own data and reconcile
// a vendor's export row by row. Rows reach the collector through run_options::batch_sink.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "../config/config.hpp"
#include "../detail/contact_neighbours.hpp"
#include "../input/records.hpp"
#include "../report/report.hpp"
#include "../engine/run.hpp"
#include "../detail/text.hpp"
#include "../time.hpp"
#include "../timeline/state.hpp"

namespace cskpi::analysis {

/// What an event log adds to an interaction's facts (`cskpi facts --events`, section 11).
struct event_facts {
    std::uint64_t event_rows = 0;
    std::uint32_t rounds = 0, rounds_in_window = 0, rounds_within = 0, sessions = 0, waits = 0;
    std::uint32_t judged_days = 0, judged_days_replied = 0;
    double wait_mean_s = stats::nan, wait_max_s = stats::nan;  ///< NaN without a completed wait
    double requester_wait_s = stats::nan, agent_wait_s = stats::nan, on_hold_s = stats::nan;
    std::int8_t left_message = -1;  ///< first round opened with nobody online; -1: no presence log
    std::string sla_policy;         ///< empty: no policy applies
    std::array<timeline::sla_outcome, 3> sla{};  ///< in timeline::sla_targets order
};

/// One interaction as read, with its section 3 neighbours settled.
struct fact_row {
    std::uint64_t line = 0;
    std::string id, channel, agent, team, customer, category, priority;
    micros created_at = 0, frt = missing_us, resolution = missing_us, handle = missing_us;
    std::uint16_t flags = 0;
    std::int32_t reopened = 0, contacts = missing_int, csat = missing_int, nps = missing_int,
                 ces = missing_int, replies = missing_int;
    bool earlier = false, later = false;  ///< another contact of the customer within the window
    /// Read from an event log only: behind a pointer, so that the rows of an interactions
    /// table stay about 300 bytes (docs/FACTS.md).
    std::unique_ptr<const event_facts> events;
};

/// What section 3 derives from one row under the configuration.
struct fact_values {
    bool answered = false, resolved = false, abandoned = false, transferred = false,
         bot_only = false, bot_escalated = false;
    micros sla_target = missing_us;
    const char* sla_state = "";       ///< met, breached, excluded, or "" without a target
    micros breach_at = missing_us;    ///< created_at + target when breached
    micros over_target = missing_us;  ///< frt - target of answered breaches
    bool first_contact = false, fcr = false, within_service_level = false, short_abandoned = false;
    std::int8_t one_touch = -1, satisfied = -1;  ///< -1: unknown (no replies, no rating)
};

/// How a facts column holds its values: CSV and Python write each kind one way.
enum class fact_kind : std::uint8_t {
    text,     ///< empty = unknown
    integer,  ///< always known
    flag,     ///< 1/0
    maybe,    ///< 1/0, or unknown (-1)
    seconds,  ///< NaN = unknown
    instant,  ///< UTC microseconds; missing_us = unknown
    count,    ///< missing_int = unknown
};
inline const char* name_of(fact_kind k) {
    static const char* n[] = {"text", "integer", "flag", "maybe", "seconds", "instant", "count"};
    return n[static_cast<int>(k)];
}

/// One cell: `text` for text columns, `number` for seconds, `whole` for the rest.
struct fact_cell {
    std::string_view text;
    double number = stats::nan;
    std::int64_t whole = 0;
};

/// What a column's cell is computed from: the row, its derived values, and the instant event
/// SLA timers still running are judged at.
struct fact_context {
    const fact_row& f;
    const fact_values& v;
    micros as_of = 0;
};

struct fact_column {
    const char* name;
    const char* what;
    fact_kind kind;
    fact_cell (*cell)(const fact_context&);
};

namespace detail {
inline fact_cell text_cell(std::string_view s) {
    return {s};
}
inline fact_cell whole_cell(std::int64_t x) {
    return {{}, stats::nan, x};
}
inline fact_cell seconds_cell(micros x) {
    return {{}, x == missing_us ? stats::nan : static_cast<double>(x) / 1e6};
}
inline fact_cell real_cell(double x) {
    return {{}, x};
}
inline fact_cell sla_event_cell(const fact_context& c, std::size_t k) {
    const auto s = timeline::state_at(c.f.events->sla[k], c.as_of);
    return {s == timeline::sla_state::none ? std::string_view{} : timeline::name_of(s)};
}
/// The instant an event SLA timer's target ran out (it is breached from the next microsecond),
/// when breached at as_of; missing_us else. On the calendar clock: start + target.
inline fact_cell sla_event_breach_cell(const fact_context& c, std::size_t k) {
    const auto& x = c.f.events->sla[k];
    const bool breached = timeline::state_at(x, c.as_of) == timeline::sla_state::breached;
    return whole_cell(breached ? x.breach - 1 : missing_us);
}
}  // namespace detail

/// The facts table's columns, in order, with what each holds (docs/FACTS.md is generated from
/// it); with `events`, the columns an event log adds follow.
inline std::vector<fact_column> fact_columns(bool events = false) {
    using K = fact_kind;
    using C = const fact_context&;
    using namespace detail;
    std::vector<fact_column> c = {
        {"id", "interaction id", K::text, [](C x) { return text_cell(x.f.id); }},
        {"line",
         "line of the input file (row of a DataFrame, from 1; with --events: the interaction's "
         "first event row)",
         K::integer, [](C x) { return whole_cell(static_cast<std::int64_t>(x.f.line)); }},
        {"created_at", "creation instant, UTC (ISO 8601, Z)", K::instant,
         [](C x) { return whole_cell(x.f.created_at); }},
        {"channel", "channel", K::text, [](C x) { return text_cell(x.f.channel); }},
        {"agent", "agent (empty: none)", K::text, [](C x) { return text_cell(x.f.agent); }},
        {"team", "team", K::text, [](C x) { return text_cell(x.f.team); }},
        {"customer", "customer (a keyed hash when privacy.salt is set)", K::text,
         [](C x) { return text_cell(x.f.customer); }},
        {"category", "category", K::text, [](C x) { return text_cell(x.f.category); }},
        {"priority", "priority", K::text, [](C x) { return text_cell(x.f.priority); }},
        {"answered", "1 when a first response exists", K::flag,
         [](C x) { return whole_cell(x.v.answered); }},
        {"frt_s", "first response time, seconds", K::seconds,
         [](C x) { return seconds_cell(x.f.frt); }},
        {"resolved", "1 when resolved", K::flag, [](C x) { return whole_cell(x.v.resolved); }},
        {"resolution_s", "resolution time, seconds", K::seconds,
         [](C x) { return seconds_cell(x.f.resolution); }},
        {"handle_s", "handle time, seconds", K::seconds,
         [](C x) { return seconds_cell(x.f.handle); }},
        {"abandoned", "1 when abandoned", K::flag, [](C x) { return whole_cell(x.v.abandoned); }},
        {"reopened", "times reopened", K::integer, [](C x) { return whole_cell(x.f.reopened); }},
        {"transferred", "1 when transferred", K::flag,
         [](C x) { return whole_cell(x.v.transferred); }},
        {"bot_only", "bot and no agent", K::flag, [](C x) { return whole_cell(x.v.bot_only); }},
        {"bot_escalated", "bot and an agent", K::flag,
         [](C x) { return whole_cell(x.v.bot_escalated); }},
        {"sla_target_s",
         "first-response target: sla.by_priority, else sla.first_response_s of the channel (empty: "
         "none)",
         K::seconds, [](C x) { return seconds_cell(x.v.sla_target); }},
        {"sla_state",
         "met, breached, excluded (abandoned under sla.abandoned = exclude) or empty (no target)",
         K::text, [](C x) { return text_cell(x.v.sla_state); }},
        {"sla_breach_at",
         "instant the target was missed (created_at + target), UTC; empty unless breached",
         K::instant, [](C x) { return whole_cell(x.v.breach_at); }},
        {"sla_over_s", "seconds of first response beyond the target (answered breaches)",
         K::seconds, [](C x) { return seconds_cell(x.v.over_target); }},
        {"first_contact",
         "1 when no other contact of the customer (same category) in the window before", K::flag,
         [](C x) { return whole_cell(x.v.first_contact); }},
        {"fcr",
         "1 when first contact, resolved, not reopened, not abandoned and no contact in the window "
         "after",
         K::flag, [](C x) { return whole_cell(x.v.fcr); }},
        {"one_touch", "1 when replies <= 1 (empty without replies)", K::maybe,
         [](C x) { return whole_cell(x.v.one_touch); }},
        {"within_service_level",
         "1 when answered within staffing.within_s (the channel's own if set)", K::flag,
         [](C x) { return whole_cell(x.v.within_service_level); }},
        {"short_abandoned", "1 when abandoned within staffing.short_abandon_s", K::flag,
         [](C x) { return whole_cell(x.v.short_abandoned); }},
        {"csat", "rating", K::count, [](C x) { return whole_cell(x.f.csat); }},
        {"satisfied", "1 when csat >= csat.satisfied_min (empty without a rating)", K::maybe,
         [](C x) { return whole_cell(x.v.satisfied); }},
        {"nps", "0-10 score", K::count, [](C x) { return whole_cell(x.f.nps); }},
        {"ces", "effort score", K::count, [](C x) { return whole_cell(x.f.ces); }},
    };
    if (!events) return c;
    const std::vector<fact_column> e = {
        {"event_rows", "event rows of the interaction", K::integer,
         [](C x) { return whole_cell(static_cast<std::int64_t>(x.f.events->event_rows)); }},
        {"rounds",
         "customer rounds (a customer message opens one; a public agent answer closes it)",
         K::integer, [](C x) { return whole_cell(x.f.events->rounds); }},
        {"rounds_judged",
         "rounds the round response rate judges (inside the service window; the first round of "
         "the interaction or session under round_response_of)",
         K::integer, [](C x) { return whole_cell(x.f.events->rounds_in_window); }},
        {"rounds_within", "judged rounds answered within events.round_within_s", K::integer,
         [](C x) { return whole_cell(x.f.events->rounds_within); }},
        {"judged_days",
         "local days with a judged round (the interaction's part of the buyer-day reply rate)",
         K::integer, [](C x) { return whole_cell(x.f.events->judged_days); }},
        {"judged_days_replied",
         "of them, days whose judged rounds were all answered within "
         "events.buyer_reply_within_s",
         K::integer, [](C x) { return whole_cell(x.f.events->judged_days_replied); }},
        {"sessions", "sessions (a message after more than events.session_gap_s starts one)",
         K::integer, [](C x) { return whole_cell(x.f.events->sessions); }},
        {"left_message",
         "1 when the first round opened while no agent was online (留言; empty without a "
         "presence log)",
         K::maybe, [](C x) { return whole_cell(x.f.events->left_message); }},
        {"waits", "completed waits (customer round to the answer)", K::integer,
         [](C x) { return whole_cell(x.f.events->waits); }},
        {"wait_mean_s", "mean wait, seconds (business seconds on the business clock)", K::seconds,
         [](C x) { return real_cell(x.f.events->wait_mean_s); }},
        {"wait_max_s", "longest wait, seconds", K::seconds,
         [](C x) { return real_cell(x.f.events->wait_max_s); }},
        {"requester_wait_s",
         "seconds in new, open and hold between status events (empty: fewer than two)", K::seconds,
         [](C x) { return real_cell(x.f.events->requester_wait_s); }},
        {"agent_wait_s", "seconds in pending between status events", K::seconds,
         [](C x) { return real_cell(x.f.events->agent_wait_s); }},
        {"on_hold_s", "seconds in hold between status events", K::seconds,
         [](C x) { return real_cell(x.f.events->on_hold_s); }},
        {"sla_policy", "the first of sla_policies whose `when` matches (empty: none)", K::text,
         [](C x) { return text_cell(x.f.events->sla_policy); }},
        {"sla_first_response", "achieved, breached or active at as_of (empty: no such target)",
         K::text, [](C x) { return sla_event_cell(x, 0); }},
        {"sla_first_response_breach_at",
         "instant the first-response target ran out, UTC (start + target on the calendar clock); "
         "empty unless breached at as_of",
         K::instant, [](C x) { return sla_event_breach_cell(x, 0); }},
        {"sla_first_response_over_s",
         "seconds beyond the target when the timer stopped late, on the policy's clock (empty "
         "while it still runs at as_of)",
         K::seconds, [](C x) { return real_cell(x.f.events->sla[0].over_s); }},
        {"sla_next_reply", "achieved, breached (any reply late) or active at as_of", K::text,
         [](C x) { return sla_event_cell(x, 1); }},
        {"sla_next_reply_breach_at", "instant the target of the first late reply ran out, UTC",
         K::instant, [](C x) { return sla_event_breach_cell(x, 1); }},
        {"sla_next_reply_over_s", "the most seconds a reply stopped late went beyond the target",
         K::seconds, [](C x) { return real_cell(x.f.events->sla[1].over_s); }},
        {"sla_resolution", "achieved, breached or active at as_of", K::text,
         [](C x) { return sla_event_cell(x, 2); }},
        {"sla_resolution_breach_at", "instant the resolution target ran out, UTC", K::instant,
         [](C x) { return sla_event_breach_cell(x, 2); }},
        {"sla_resolution_over_s", "seconds beyond the target at the solve", K::seconds,
         [](C x) { return real_cell(x.f.events->sla[2].over_s); }},
    };
    c.insert(c.end(), e.begin(), e.end());
    return c;
}

/// docs/FACTS.md: what `cskpi facts` writes, generated from fact_columns().
inline std::string facts_reference_markdown() {
    std::string md =
        "# Per-interaction facts: `cskpi facts`, `cskpi.facts`\n\n"
        "<!-- generated by `cskpi facts --columns`; do not edit -->\n\n"
        "One row per accepted interaction, in input order, with the facts of spec section 3 that "
        "the\n"
        "metrics count (the sums of `fcr`, `sla_state = met`, ... are the report's numerators). "
        "Join it to\n"
        "your own data, or reconcile a vendor's export row by row (`cskpi reconcile`,\n"
        "docs/RECONCILE.md). Rejected rows are not in it: they are counted on stderr and listed "
        "with\n"
        "`--rejects FILE` (Python: `.attrs[\"rejects\"]`).\n\n"
        "CSV: flags are 1/0, durations seconds, instants UTC in ISO 8601 with `Z`, unknown values "
        "empty.\n"
        "Python: a DataFrame with booleans, floats (NaN), UTC datetimes and nullable "
        "`boolean`/`Int64`.\n\n"
        "First contact and FCR look at the customer's later rows, so every row is held until the "
        "input is read\n"
        "(about 300 bytes per row; a 10 M-row file needs some 3 GB).\n\n"
        "```sh\ncskpi facts examples/data/shop_interactions.csv --config "
        "examples/data/shop_config.json --output facts.csv\n```\n\n";
    auto table = [&md](const std::vector<fact_column>& cols, std::size_t from) {
        md += "| column | kind | meaning |\n|---|---|---|\n";
        for (std::size_t i = from; i < cols.size(); ++i)
            md += std::string("| `") + cols[i].name + "` | " + name_of(cols[i].kind) + " | " +
                  cols[i].what + " |\n";
    };
    table(fact_columns(), 0);
    md +=
        "\n## From an event log: `cskpi facts --events FILE`\n\n"
        "The interactions derived from an event log (spec section 11; docs/INPUT.md) get the "
        "columns\nabove and these. SLA states are judged at as_of: the config's `as_of`, else the "
        "log's latest\nevent, as in the report.\n\n"
        "```sh\ncskpi facts --events examples/data/shop_messages.csv --config "
        "examples/data/shop_config.json --output facts.csv\n```\n\n"
        "Python: `cskpi.facts(events=path_or_dataframe, config=...)`.\n\n";
    table(fact_columns(true), fact_columns().size());
    return md;
}

/// Collects every accepted row from batches (safe from several threads) and settles first
/// contact and FCR per row once all are in.
class fact_collector {
public:
    explicit fact_collector(const config& cfg)
        : cfg_(cfg), neighbours_(cfg), hasher_(cfg.privacy_salt) {}

    void add(const interaction_batch& b) {
        add(b, [](std::size_t, fact_row&) {});
    }

    /// Adds every row of `b` after `edit(r, row)` completes row r (an event log's part).
    template <class Edit>
    void add(const interaction_batch& b, Edit&& edit) {
        std::lock_guard lk(m_);
        for (std::size_t r = 0; r < b.size(); ++r) {
            fact_row f;
            f.line = b.line[r];
            f.id = b.id[r];
            f.channel = b.channel[r];
            f.agent = b.agent[r];
            f.team = b.team[r];
            f.customer = b.customer[r];
            f.category = b.category[r];
            f.priority = b.priority[r];
            f.created_at = b.created_at[r];
            f.frt = b.frt[r];
            f.resolution = (b.flags[r] & f_resolved) ? b.resolution[r]
                                                     : missing_us;  // as the engine counts it
            f.handle = b.handle[r];
            f.flags = b.flags[r];
            f.reopened = b.reopened[r];
            f.contacts = b.contacts[r];
            f.csat = b.csat[r];
            f.nps = b.nps[r];
            f.ces = b.ces[r];
            f.replies = b.replies[r];
            edit(r, f);
            if (!f.customer.empty()) {
                neighbours_.add(f.customer, f.created_at, f.id, f.category,
                                static_cast<std::int64_t>(rows_.size()));
                if (!cfg_.privacy_salt.empty()) f.customer = hashed(f.customer);
            }
            rows_.push_back(std::move(f));
        }
    }

    /// The rows in input order, neighbours settled.
    std::vector<fact_row> finish() {
        neighbours_.settle([&](std::size_t row, bool earlier, bool later) {
            rows_[row].earlier = earlier;
            rows_[row].later = later;
        });
        std::sort(rows_.begin(), rows_.end(),
                  [](const fact_row& a, const fact_row& b) { return a.line < b.line; });
        return std::move(rows_);
    }

private:
    std::string hashed(std::string_view customer) const {
        char b[17];
        std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(hasher_(customer)));
        return b;
    }

    config cfg_;
    cskpi::detail::contact_neighbours neighbours_;
    cskpi::detail::customer_hasher hasher_;
    std::mutex m_;
    std::vector<fact_row> rows_;
};

/// Derives fact_values with the rules the engine counts by (report_state::facts_of).
class fact_deriver {
public:
    explicit fact_deriver(const config& cfg) : cfg_(cfg) {}

    fact_values operator()(const fact_row& f) const {
        fact_values v;
        v.answered = f.frt != missing_us;
        v.abandoned = f.flags & f_abandoned;
        v.resolved = f.flags & f_resolved;
        v.transferred = f.flags & f_transferred;
        const bool bot = f.flags & f_bot;
        v.bot_only = bot && f.agent.empty();
        v.bot_escalated = bot && !f.agent.empty();
        v.sla_target = sla_target(f);
        if (v.sla_target != missing_us) {
            if (v.abandoned)
                v.sla_state =
                    cfg_.sla_abandoned == abandoned_rule::breach ? "breached" : "excluded";
            else
                v.sla_state = v.answered && f.frt <= v.sla_target ? "met" : "breached";
            if (v.sla_state[0] == 'b') {
                v.breach_at = f.created_at + v.sla_target;
                if (v.answered) v.over_target = f.frt - v.sla_target;
            }
        }
        v.first_contact =
            f.customer.empty() ? (f.contacts == missing_int || f.contacts == 1) : !f.earlier;
        v.fcr = v.first_contact && v.resolved && f.reopened == 0 && !v.abandoned &&
                (f.customer.empty() || !f.later);
        if (f.replies != missing_int) v.one_touch = f.replies <= 1;
        v.within_service_level = v.answered && f.frt <= within(f.channel);
        v.short_abandoned = f.flags & f_short_abandoned;
        if (f.csat != missing_int) v.satisfied = f.csat >= cfg_.csat_satisfied_min;
        return v;
    }

private:
    micros sla_target(const fact_row& f) const {
        if (!f.priority.empty())
            if (const auto it = cfg_.sla_by_priority_first_response_s.find(f.priority);
                it != cfg_.sla_by_priority_first_response_s.end())
                return seconds_to_us(it->second);
        const auto it = cfg_.sla_first_response_s.find(f.channel);
        return it == cfg_.sla_first_response_s.end() ? missing_us : seconds_to_us(it->second);
    }
    micros within(const std::string& channel) const {
        auto it = within_.find(channel);
        if (it == within_.end())
            it =
                within_.emplace(channel, seconds_to_us(cfg_.staffing.for_channel(channel).within_s))
                    .first;
        return it->second;
    }
    config cfg_;
    mutable std::map<std::string, micros, std::less<>> within_;  // staffing.within_s per channel
};

/// Writes the facts as CSV in fact_columns(events) order: flags 1/0, durations in seconds,
/// instants in UTC, empty cells for unknown values. `as_of` judges event SLA timers.
inline void write_facts_csv(std::ostream& os, const std::vector<fact_row>& rows, const config& cfg,
                            bool events = false, micros as_of = 0) {
    const bool people = cskpi::detail::is_for_people(os);
    const std::vector<fact_column> cols = fact_columns(events);
    for (std::size_t i = 0; i < cols.size(); ++i) os << (i ? "," : "") << cols[i].name;
    os << '\n';
    const fact_deriver derive(cfg);
    for (const fact_row& f : rows) {
        const fact_values v = derive(f);
        const fact_context ctx{f, v, as_of};
        for (std::size_t i = 0; i < cols.size(); ++i) {
            if (i) os << ',';
            const fact_cell c = cols[i].cell(ctx);
            switch (cols[i].kind) {
                case fact_kind::text:
                    os << cskpi::detail::csv_field(std::string(c.text), people);
                    break;
                case fact_kind::integer:
                case fact_kind::flag:
                    os << c.whole;
                    break;
                case fact_kind::maybe:
                    if (c.whole >= 0) os << c.whole;
                    break;
                case fact_kind::seconds:
                    if (!std::isnan(c.number)) os << cskpi::detail::number_text(c.number);
                    break;
                case fact_kind::instant:
                    if (c.whole != missing_us) os << format_utc(c.whole);
                    break;
                case fact_kind::count:
                    if (c.whole != missing_int) os << c.whole;
                    break;
            }
        }
        os << '\n';
    }
}

/// Reads the rows with `run(opt)` (a run_report over a file or frame) and collects their facts:
/// the report (input accounting, rejects) and the rows in input order.
template <class Run>
std::pair<report, std::vector<fact_row>> run_facts(const config& cfg, run_options opt, Run&& run) {
    fact_collector rows(cfg);
    opt.batch_sink = [&](const interaction_batch& b) { rows.add(b); };
    report rep = run(opt);
    return {std::move(rep), rows.finish()};
}

}  // namespace cskpi::analysis
