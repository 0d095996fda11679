#pragma once
// Events -> interactions (spec section 11). One interaction's events in, one derived
// interaction out, with the reply-time, round and session facts the event log adds. The rules
// are the spec's defaults; each option is named in timeline_options.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../config/config.hpp"
#include "../detail/text.hpp"
#include "../input/records.hpp"
#include "../input/table_reader.hpp"
#include "calendar.hpp"
#include "presence.hpp"
#include "presets.hpp"

namespace cskpi::timeline {

enum class sender : std::uint8_t { customer, agent, bot, system };
enum class event_kind : std::uint8_t { message, note, status, assign, handoff, rating };

struct event {
    micros at = 0;
    sender from = sender::customer;
    event_kind kind = event_kind::message;
    bool is_public = true;
    std::optional<std::string> agent, status, text;
    std::uint64_t line = 0;

    /// What answers a customer: an agent's public message (notes, system messages and ratings never
    /// do).
    bool answers() const {
        return from == sender::agent && kind == event_kind::message && is_public;
    }
    bool customer_message() const {
        return from == sender::customer && kind == event_kind::message;
    }
};

/// One SLA policy (config "sla_policies"): applies when every `when` key equals the interaction's
/// value.
struct sla_policy {
    std::string name;
    std::vector<std::pair<column, std::string>> when;
    std::optional<double> first_response_s, next_reply_s, resolution_s;
    std::optional<bool> business;       ///< the policy's clock; unset = the top-level clock
    std::vector<std::string> pause_on;  ///< statuses whose time is subtracted from every target
};

/// The event-log columns every reader of events takes, in this order (section 11).
inline const std::vector<std::string>& event_columns() {
    static const std::vector<std::string> c(events_schema().columns.begin(),
                                            events_schema().columns.begin() + 8);
    return c;
}

/// Why an event row is bad: the column (index into event_columns()) and the reason.
struct event_problem {
    std::size_t column = 0;
    std::string reason;
};

/// Validates one event row whose first cells follow event_columns(): timestamp, sender, kind,
/// public flag, the status of a status event, the number of a rating. Empty kind = message,
/// empty public = true, a note is never public. Returns nullopt and fills `why` for a bad row.
/// Without `keep_text` only a rating keeps its text (derivation needs no other; QA checks do).
inline std::optional<event> parse_event(const text_record& r, const time_zone& tz,
                                        event_problem& why, bool keep_text = true) {
    auto bad = [&](std::size_t c, std::string reason) {
        why = {c, std::move(reason)};
        return std::optional<event>();
    };
    if (!r.cells[0]) return bad(0, "required");
    event e;
    e.line = r.line;
    if (!r.cells[1]) return bad(1, "required");
    const auto at = parse_timestamp(*r.cells[1], tz);
    if (!at) return bad(1, timestamp_error(*r.cells[1], tz));
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
        if (k == std::end(kinds))
            return bad(4, "expected message, note, status, assign, handoff or rating");
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
        if (!r.cells[6] ||
            std::find(std::begin(states), std::end(states), *r.cells[6]) == std::end(states))
            return bad(6, "expected new, open, pending, hold, solved or closed for a status event");
        e.status = r.cells[6];
    }
    if (keep_text || e.kind == event_kind::rating) e.text = r.cells[7];
    if (e.kind == event_kind::rating && (!e.text || !parse_number(*e.text)))
        return bad(7, "a rating event needs a number");
    return e;
}

/// Options of section 11 (config keys "events", "clock", "calendars", "calendar_by",
/// "sla_policies", "as_of").
struct timeline_options {
    double session_gap_s = 600;
    bool human_frt_from_handoff = true;
    bool frt_from_created = false;  ///< "first_response_from": "created" (FRT from the first event)
                                    ///< or "customer_message"
    std::string preset = "default";
    std::optional<std::pair<std::int32_t, std::int32_t>>
        service_window;  ///< [start, end) local seconds of day
    std::optional<time_zone>
        service_window_timezone;  ///< the window's zone; unset = the configuration's timezone
    double round_within_s = 180;
    double buyer_reply_within_s = -1;  ///< a buyer-day's rounds answered within; -1: round_within_s
    std::vector<std::pair<std::int64_t, std::int64_t>>
        excluded_days;  ///< local days [first, last] whose rounds are not judged
    std::optional<std::int32_t>
        rolling_days;  ///< judge only rounds of the N local days ending on as_of's day
    bool first_round_only = false;
    bool first_round_of_session = false;  ///< "round_response_of": "first_round_of_session" (JD:
                                          ///< each session's first question)
    bool agent_all = false;  ///< "agent": "all" (every answering agent owns the interaction) or
                             ///< "first_response"  ///< "round_response_of": "first_round" (only
                             ///< the interaction's first round is judged)
    bool business_clock = false;
    /// "exclude_unstaffed": rounds opening while no agent is online (presence) are not judged.
    bool exclude_unstaffed = false;
    /// The agents' presence log (--presence), when given; null = presence unknown.
    const presence_log* presence = nullptr;
    std::map<std::string, calendar> calendars;
    std::optional<column> calendar_by;               ///< team or channel
    std::map<std::string, std::string> calendar_of;  ///< key value -> calendar name
    std::vector<sla_policy> policies;
    std::optional<micros> as_of;  ///< unset = the latest event of the log

    static timeline_options from_config(const config& cfg) {
        timeline_options o;
        const json& t = cfg.timeline;
        if (t.contains("events")) o.read_events(t["events"]);
        if (t.contains("clock"))
            o.business_clock = one_of(t["clock"], "clock", {"calendar", "business"}) == "business";
        o.read_calendars(t);
        if (t.contains("as_of")) {
            const std::string a = detail::get_string(t["as_of"], "as_of");
            const auto at = parse_timestamp(a, time_zone(cfg.timezone));
            if (!at) throw config_error("as_of", "expected a timestamp, actual \"" + a + "\"");
            o.as_of = *at;
        }
        if (o.rolling_days && !o.as_of)
            throw config_error("events.rolling_days",
                               "a rolling window ends at as_of: set as_of (the instant it ends)");
        if (t.contains("sla_policies")) {
            const json& ps = t["sla_policies"];
            if (!ps.is_array()) throw config_error("sla_policies", "expected an array of policies");
            for (std::size_t i = 0; i < ps.size(); ++i)
                o.policies.push_back(
                    parse_policy(ps[i], "sla_policies[" + std::to_string(i) + "]"));
        }
        return o;
    }

    /// The text of `v` at key path `kp`, which must be one of `options`.
    static std::string one_of(const json& v, const std::string& kp,
                              std::initializer_list<const char*> options) {
        const std::string x = detail::get_string(v, kp);
        std::string expected;  // "a", "b" or "c"
        std::size_t i = 0;
        for (const char* opt : options) {
            if (x == opt) return x;
            expected += std::string(i == 0                    ? ""
                                    : i + 1 == options.size() ? " or "
                                                              : ", ") +
                        "\"" + opt + "\"";
            ++i;
        }
        throw config_error(kp, "expected " + expected + ", actual \"" + x + "\"");
    }

    /// The "events" section (a preset's options under the keys given). Its import keys were
    /// read with the configuration (config::events_input).
    void read_events(const json& section) {
        detail::expect_object(section, "events");
        const json e = with_event_preset(section);
        if (e.contains("preset")) preset = e["preset"].get<std::string>();
        static const std::vector<std::string> options = {"preset",
                                                         "first_response_from",
                                                         "session_gap_s",
                                                         "human_frt_from_handoff",
                                                         "round_within_s",
                                                         "service_window",
                                                         "service_window_timezone",
                                                         "agent",
                                                         "round_response_of",
                                                         "excluded_dates",
                                                         "rolling_days",
                                                         "min_rounds",
                                                         "buyer_reply_within_s",
                                                         "exclude_unstaffed"};
        for (const auto& [k, v] : e.items()) {
            const std::string kp = "events." + k;
            if (k == "first_response_from")
                frt_from_created = one_of(v, kp, {"created", "customer_message"}) == "created";
            else if (k == "session_gap_s")
                session_gap_s = detail::get_seconds(v, kp);
            else if (k == "human_frt_from_handoff")
                human_frt_from_handoff = detail::get_bool(v, kp);
            else if (k == "round_within_s")
                round_within_s = detail::get_seconds(v, kp);
            else if (k == "buyer_reply_within_s")
                buyer_reply_within_s = detail::get_seconds(v, kp);
            else if (k == "exclude_unstaffed")
                exclude_unstaffed = detail::get_bool(v, kp);
            else if (k == "service_window") {
                if (!v.is_array() || v.size() != 2)
                    throw config_error(kp, "expected [\"HH:MM\", \"HH:MM\"]");
                service_window = std::pair{calendar::parse_clock(v[0], kp + "[0]"),
                                           calendar::parse_clock(v[1], kp + "[1]")};
                if (service_window->first >= service_window->second)
                    throw config_error(kp, "expected start < end");
            } else if (k == "service_window_timezone") {
                try {
                    service_window_timezone = time_zone(detail::get_string(v, kp));
                } catch (const std::invalid_argument& x) {
                    throw config_error(kp, x.what());
                }
            } else if (k == "excluded_dates")
                excluded_days = read_date_ranges(v, kp);
            else if (k == "rolling_days") {
                const int n = detail::get_int(v, kp);
                if (n < 1) throw config_error(kp, "expected a number of days >= 1");
                rolling_days = n;
            } else if (k == "min_rounds")
                (void)detail::events_min_rounds(e);  // checked here; report_state applies it
            else if (k == "agent")
                agent_all = one_of(v, kp, {"first_response", "all"}) == "all";
            else if (k == "round_response_of") {
                const std::string r =
                    one_of(v, kp, {"every_round", "first_round", "first_round_of_session"});
                first_round_only = r == "first_round";
                first_round_of_session = r == "first_round_of_session";
            } else if (k != "preset" && std::find(import_keys().begin(), import_keys().end(), k) ==
                                            import_keys().end()) {
                std::vector<std::string> known = options;
                known.insert(known.end(), import_keys().begin(), import_keys().end());
                throw config_error(kp, "unknown key" + cskpi::detail::did_you_mean(k, known) +
                                           "; expected one of " + cskpi::detail::join_names(known));
            }
        }
    }

    /// A list of local dates "YYYY-MM-DD" and inclusive ranges ["YYYY-MM-DD", "YYYY-MM-DD"].
    static std::vector<std::pair<std::int64_t, std::int64_t>> read_date_ranges(
        const json& v, const std::string& kp) {
        if (!v.is_array())
            throw config_error(kp, "expected a list of dates and [first, last] date ranges");
        std::vector<std::pair<std::int64_t, std::int64_t>> out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::string ip = kp + "[" + std::to_string(i) + "]";
            if (v[i].is_array()) {
                if (v[i].size() != 2) throw config_error(ip, "expected [first, last]");
                out.emplace_back(
                    calendar::parse_date(detail::get_string(v[i][0], ip + "[0]"), ip + "[0]"),
                    calendar::parse_date(detail::get_string(v[i][1], ip + "[1]"), ip + "[1]"));
                if (out.back().first > out.back().second)
                    throw config_error(ip, "expected first <= last");
            } else {
                const auto d = calendar::parse_date(detail::get_string(v[i], ip), ip);
                out.emplace_back(d, d);
            }
        }
        return out;
    }

    /// "calendars" and "calendar_by" of the configuration object `t`; a business clock needs one.
    void read_calendars(const json& t) {
        if (t.contains("calendars")) {
            detail::expect_object(t["calendars"], "calendars");
            for (const auto& [name, c] : t["calendars"].items())
                calendars[name] = calendar::from_json(c, "calendars." + name);
        }
        if (t.contains("calendar_by")) {
            const json& cb = t["calendar_by"];
            detail::expect_object(cb, "calendar_by");
            if (cb.size() != 1)
                throw config_error("calendar_by", "expected one key: team or channel");
            const std::string k = cb.begin().key();
            const json& m = cb.begin().value();
            if (k != "team" && k != "channel")
                throw config_error("calendar_by." + k, "expected team or channel");
            calendar_by = k == "team" ? column::team : column::channel;
            detail::expect_object(m, "calendar_by." + k);
            for (const auto& [val, name] : m.items()) {
                const std::string n = detail::get_string(name, "calendar_by." + k + "." + val);
                if (!calendars.count(n))
                    throw config_error("calendar_by." + k + "." + val,
                                       "unknown calendar '" + n + "'");
                calendar_of[val] = n;
            }
        }
        if (business_clock && !calendars.count("default") && calendar_of.empty())
            throw config_error(
                "calendars.default",
                "clock \"business\" needs a calendar named default (or calendar_by)");
    }

    static sla_policy parse_policy(const json& p, const std::string& path) {
        detail::expect_object(p, path);
        sla_policy sp;
        for (const auto& [k, v] : p.items()) {
            const std::string kp = path + "." + k;
            if (k == "name")
                sp.name = detail::get_string(v, kp);
            else if (k == "when") {
                detail::expect_object(v, kp);
                for (const auto& [wk, wv] : v.items()) {
                    static const std::pair<const char*, column> keys[] = {
                        {"channel", column::channel},
                        {"team", column::team},
                        {"priority", column::priority},
                        {"category", column::category},
                        {"agent", column::agent}};
                    const std::string& key =
                        wk;  // clang 14 cannot capture a structured binding in a lambda
                    const auto it = std::find_if(std::begin(keys), std::end(keys),
                                                 [&](const auto& x) { return key == x.first; });
                    if (it == std::end(keys))
                        throw config_error(kp + "." + wk,
                                           "expected channel, team, priority, category or agent");
                    sp.when.emplace_back(it->second, detail::get_string(wv, kp + "." + wk));
                }
            } else if (k == "targets") {
                detail::expect_object(v, kp);
                for (const auto& [tk, tv] : v.items()) {
                    const double x = detail::get_seconds(tv, kp + "." + tk);
                    if (tk == "first_response_s")
                        sp.first_response_s = x;
                    else if (tk == "next_reply_s")
                        sp.next_reply_s = x;
                    else if (tk == "resolution_s")
                        sp.resolution_s = x;
                    else
                        detail::unknown_key(kp + "." + tk);
                }
            } else if (k == "clock") {
                const std::string c = detail::get_string(v, kp);
                if (c != "calendar" && c != "business")
                    throw config_error(
                        kp, "expected \"calendar\" or \"business\", actual \"" + c + "\"");
                sp.business = c == "business";
            } else if (k == "pause_on") {
                if (!v.is_array()) throw config_error(kp, "expected an array of statuses");
                for (std::size_t i = 0; i < v.size(); ++i) {
                    const std::string st =
                        detail::get_string(v[i], kp + "[" + std::to_string(i) + "]");
                    if (st != "pending" && st != "hold" && st != "new" && st != "open")
                        throw config_error(kp + "[" + std::to_string(i) + "]",
                                           "expected new, open, pending or hold");
                    sp.pause_on.push_back(st);
                }
            } else
                detail::unknown_key(kp);
        }
        return sp;
    }

    /// The calendar of an interaction (by its team or channel), or nullptr when none applies.
    const calendar* calendar_for(const std::optional<std::string>& team,
                                 const std::optional<std::string>& channel) const {
        if (calendar_by) {
            const auto& v = *calendar_by == column::team ? team : channel;
            if (v)
                if (auto it = calendar_of.find(*v); it != calendar_of.end())
                    return &calendars.at(it->second);
        }
        auto it = calendars.find("default");
        return it == calendars.end() ? nullptr : &it->second;
    }
};

/// What one interaction's events determine.
struct derived_interaction {
    micros created_at = 0;
    std::optional<micros> frt_start, first_response_at, resolved_at;
    std::optional<std::string> agent;
    std::vector<std::string>
        participants;  ///< with agent = all: every agent who answered, in order of first answer
    bool bot = false, transferred = false, resolved = false;
    std::int64_t reopened = 0;
    std::int64_t replies = 0;         ///< public agent messages (what answers a customer)
    std::optional<std::string> csat;  ///< text of the last rating event's number
    std::optional<micros> rated_at;   ///< the last rating event's instant (attribute_by: rated)
    std::vector<double> waits;        ///< completed waits, seconds (business seconds on that clock)
    std::optional<micros>
        open_wait_since;  ///< a wait still open after the last event: its oldest customer message
    std::uint32_t rounds = 0, rounds_in_window = 0, rounds_in_window_within = 0, sessions = 0;
    /// With a presence log: its first round opened while no agent was online (a message left).
    bool presence_known = false, left_message = false;
    /// Local days with a judged round, ascending, each with whether every judged round opened
    /// that day was answered within events.buyer_reply_within_s (the buyer-day reply rate).
    std::vector<std::pair<std::int32_t, bool>> judged_days;
    double frt_s = -1, resolution_s = -1;  ///< -1 = none; measured on the configured clock
    // SLA timers (states are settled once as_of is known): a timer runs from its start to its
    // stop, or to as_of when it has none.
    struct timer {
        micros start = 0;
        std::optional<micros> stop;
        std::uint64_t start_line = 0, stop_line = 0;
    };
    std::optional<timer> sla_first_response, sla_resolution;
    std::vector<timer> sla_next_reply;
    std::vector<std::pair<micros, std::optional<micros>>>
        status_spans;  ///< (enter, leave) per status event
    std::vector<std::string> span_status;
    /// Calendar seconds between status events, as Zendesk defines the waits: requester wait in
    /// new, open and hold; agent wait in pending; on-hold in hold. NaN without a closed span
    /// (fewer than two status events); time before the first status event is not attributed.
    double requester_wait_s = std::numeric_limits<double>::quiet_NaN(),
           agent_wait_s = std::numeric_limits<double>::quiet_NaN(),
           on_hold_s = std::numeric_limits<double>::quiet_NaN();
    micros last_event = 0;
};

namespace detail {

/// One interaction's derivation, rule by rule: derive() runs the steps in order, each filling
/// its part of `d` and saying the rule it applied (the evidence of `cskpi explain`).
struct deriver {
    const std::vector<event>& ev;
    const timeline_options& o;
    const time_zone& tz;
    const calendar* cal;
    std::vector<std::string>* why;
    derived_interaction d{};
    std::optional<std::size_t> first_customer{}, handoff{}, first_answer{};

    void say(const std::string& s) const {
        if (why) why->push_back(s);
    }
    static std::string line(const event& e) { return "line " + std::to_string(e.line); }
    double elapsed(micros a, micros b) const {
        return o.business_clock && cal ? cal->business_seconds(a, b)
                                       : static_cast<double>(b - a) / 1e6;
    }

    /// created_at, the first response, FRT and the agent (section 11).
    void first_response() {
        // First response: from the first customer message (or the hand-off, when a bot took part).
        for (std::size_t i = 0; i < ev.size(); ++i) {
            const event& e = ev[i];
            d.bot |= e.from == sender::bot;
            if (!first_customer && e.customer_message()) first_customer = i;
            if (first_customer && !first_answer && e.kind == event_kind::handoff && !handoff)
                handoff = i;
            if (first_customer && !first_answer && e.answers()) first_answer = i;
        }
        if (first_customer) {
            d.frt_start = ev[*first_customer].at;
            if (first_answer) {
                d.first_response_at = ev[*first_answer].at;
                d.agent = ev[*first_answer].agent;
                if (d.bot && handoff && o.human_frt_from_handoff && *handoff < *first_answer)
                    d.frt_start = ev[*handoff].at;
                else if (o.frt_from_created)
                    d.frt_start = d.created_at;
            } else if (d.bot && !handoff) {  // bot-only: the bot's first message after the
                                             // customer's answers
                for (std::size_t i = *first_customer + 1; i < ev.size(); ++i)
                    if (ev[i].from == sender::bot && ev[i].kind == event_kind::message) {
                        d.first_response_at = ev[i].at;
                        break;
                    }
            }
        }
        if (d.first_response_at) d.frt_s = elapsed(*d.frt_start, *d.first_response_at);
        say("created_at = the first event (" + line(ev.front()) + ")");
        if (!first_customer)
            say("first response: none (no customer message)");
        else if (first_answer) {
            const bool from_handoff =
                handoff && d.frt_start == ev[*handoff].at && d.frt_start != ev[*first_customer].at;
            const bool from_created = o.frt_from_created && !from_handoff;
            say("first response = the first public agent message after the first customer message "
                "(" +
                line(ev[*first_customer]) + "): " + line(ev[*first_answer]) +
                (from_handoff ? "; FRT runs from the hand-off (" + line(ev[*handoff]) +
                                    "), rule human_frt_from_handoff"
                              : "") +
                (from_created
                     ? "; FRT runs from creation (" + line(ev.front()) +
                           "), rule first_response_from = created (preset " + o.preset + ")"
                     : "") +
                "; FRT " + cskpi::detail::number_text(d.frt_s) + " s" +
                (o.business_clock && cal ? " (business clock)" : ""));
            say("agent = the sender of the first response: " + d.agent.value_or("(none)"));
        } else if (d.first_response_at) {
            say("first response = the bot's first message after the customer's (bot-only "
                "conversation); FRT " +
                cskpi::detail::number_text(d.frt_s) + " s");
        } else {
            say("first response: none (no public agent message after the first customer message)");
        }
    }

    /// Public agent replies; with agent = all, every participant.
    void replies_and_participants() {
        for (const event& e : ev) d.replies += e.answers();
        say("replies = " + std::to_string(d.replies) + " public agent message" +
            (d.replies == 1 ? "" : "s") + " (one-touch when resolved with at most one)");
        if (o.agent_all) {
            for (const event& e : ev)
                if (e.answers() && e.agent &&
                    std::find(d.participants.begin(), d.participants.end(), *e.agent) ==
                        d.participants.end())
                    d.participants.push_back(*e.agent);
            if (d.participants.size() > 1) {
                std::string names;
                for (const auto& p : d.participants)
                    names.append(names.empty() ? "" : ", ").append(p);
                say("agent = all participants (rule agent = all): " + names +
                    "; each of their rows counts the whole interaction");
            }
        }
    }

    /// Transfers, solves (resolved, reopened), ratings.
    void outcome() {
        // Transfers, solves, ratings.
        std::optional<std::string> last_status;
        std::uint32_t solves = 0;
        for (std::size_t i = 0; i < ev.size(); ++i) {
            const event& e = ev[i];
            if (e.kind == event_kind::assign && first_answer && i > *first_answer && e.agent &&
                e.agent != d.agent) {
                d.transferred = true;
                say("transferred: assigned to " + *e.agent + " after the first response (" +
                    line(e) + ")");
            }
            if (e.kind == event_kind::status && e.status) {
                if (*e.status == "solved" && last_status != "solved") {
                    ++solves;
                    d.resolved_at = e.at;
                    say("solve " + std::to_string(solves) + " (" + line(e) + ")");
                }
                last_status = e.status;
            }
            if (e.kind == event_kind::rating && e.text) {
                d.csat = e.text;
                d.rated_at = e.at;
                say("csat = " + *e.text + " from the rating event (" + line(e) +
                    "; the last rating wins)");
            }
        }
        d.reopened = solves > 1 ? solves - 1 : 0;
        d.resolved = solves >= 1 && (last_status == "solved" || last_status == "closed");
        if (d.resolved)
            d.resolution_s = elapsed(d.created_at, *d.resolved_at);
        else
            d.resolved_at.reset();
        say(std::string("resolved = ") +
            (d.resolved ? "yes (last status solved or closed), at the last solve" : "no") +
            "; reopened = solves - 1 = " + std::to_string(d.reopened));
    }

    /// Waits and rounds, within the service window and the round rule.
    void waits_and_rounds() {
        // Waits and rounds: open at the oldest unanswered customer message, close at the next
        // answer.
        micros open_at = 0;
        bool open = false;
        const time_zone& window_tz = o.service_window_timezone ? *o.service_window_timezone : tz;
        constexpr micros day_us = 86400 * us_per_s;
        const std::int64_t last_day =
            o.as_of ? time_zone::floor_div(window_tz.to_local(*o.as_of), day_us) : 0;
        // Why a round opening at t is not judged by its day or hour; nullptr when it is. `day` is
        // t's local day, kept for the buyer-day of the round.
        auto not_judged = [&](micros t, std::int64_t& day) -> const char* {
            const micros local = window_tz.to_local(t);
            day = time_zone::floor_div(local, day_us);
            for (const auto& [first, last] : o.excluded_days)
                if (day >= first && day <= last) return "on an excluded date";
            if (o.rolling_days && (day > last_day || day <= last_day - *o.rolling_days))
                return "outside the rolling days ending at as_of";
            const auto sod =
                static_cast<std::int32_t>(time_zone::floor_div(local, us_per_s) - day * 86400);
            if (o.service_window &&
                (sod < o.service_window->first || sod >= o.service_window->second))
                return "outside the service window";
            if (o.exclude_unstaffed && o.presence && !o.presence->staffed(t))
                return "no agent online, a message left (events.exclude_unstaffed)";
            return nullptr;
        };
        bool open_in_window = false;
        const double buyer_within_s =
            o.buyer_reply_within_s >= 0 ? o.buyer_reply_within_s : o.round_within_s;
        std::int64_t open_day = 0;
        auto judge_day = [&](bool ok) {  // rounds arrive in time order
            const auto day = static_cast<std::int32_t>(open_day);
            if (!d.judged_days.empty() && d.judged_days.back().first == day)
                d.judged_days.back().second = d.judged_days.back().second && ok;
            else
                d.judged_days.emplace_back(day, ok);
        };
        // Sessions as counted below (a message after more than session_gap_s starts one), for
        // round_response_of = first_round_of_session.
        std::optional<micros> prev_message;
        std::uint32_t session = 0, session_of_last_round = 0;
        for (const event& e : ev) {
            if (e.kind == event_kind::message) {
                if (!prev_message ||
                    static_cast<double>(e.at - *prev_message) > o.session_gap_s * 1e6)
                    ++session;
                prev_message = e.at;
            }
            if (e.customer_message() && !open) {
                const bool later_round = o.first_round_only ? d.rounds > 0
                                                            : o.first_round_of_session &&
                                                                  session == session_of_last_round;
                const char* why_not = not_judged(e.at, open_day);
                const bool unstaffed = o.presence && !o.presence->staffed(e.at);
                if (d.rounds == 0 && o.presence) {
                    d.presence_known = true;
                    d.left_message = unstaffed;
                }
                if (unstaffed && !o.exclude_unstaffed)
                    say("no agent online at " + line(e) + ": a message left (留言)");
                say("wait/round opens at " + line(e) +
                    (why_not ? std::string(" (") + why_not + ": not judged)"
                     : later_round
                         ? std::string(o.first_round_only
                                           ? " (not the first round: not judged, rule "
                                             "round_response_of = first_round)"
                                           : " (not the session's first round: not judged, rule "
                                             "round_response_of = first_round_of_session)")
                         : ""));
                open = true;
                open_at = e.at;
                ++d.rounds;
                session_of_last_round = session;
                open_in_window = !why_not && !later_round;
                d.rounds_in_window += open_in_window;
            } else if (e.answers() && open) {
                d.waits.push_back(elapsed(open_at, e.at));
                say("  answered at " + line(e) + ": wait " +
                    cskpi::detail::number_text(d.waits.back()) + " s" +
                    (static_cast<double>(e.at - open_at) <= o.round_within_s * 1e6
                         ? " (round within "
                         : " (round not within ") +
                    std::to_string(static_cast<long long>(o.round_within_s)) + " s)");
                if (open_in_window && static_cast<double>(e.at - open_at) <= o.round_within_s * 1e6)
                    ++d.rounds_in_window_within;
                if (open_in_window)
                    judge_day(static_cast<double>(e.at - open_at) <= buyer_within_s * 1e6);
                open = false;
            }
        }
        if (open) d.open_wait_since = open_at;
        if (open && open_in_window) judge_day(false);  // a message never answered
    }

    /// The SLA timers of the first response, each next reply and the resolution.
    void sla_timers() {
        // SLA timers. First response: from where FRT starts to the first response or the first
        // solve after it. Next reply: one cycle per wait opening after the first response, stopped
        // by the next answer or solve. Resolution: creation to the last solve (when resolved).
        if (d.frt_start) {
            derived_interaction::timer t{*d.frt_start, std::nullopt, 0, 0};
            for (const event& e : ev)
                if (e.at == *d.frt_start) {
                    t.start_line = e.line;
                    break;
                }
            for (const event& e : ev) {
                if (e.at < *d.frt_start) continue;
                const bool solve = e.kind == event_kind::status && e.status == "solved";
                const bool response = d.first_response_at && e.at == *d.first_response_at &&
                                      e.kind == event_kind::message &&
                                      (e.from == sender::agent || e.from == sender::bot);
                if (response || solve) {
                    t.stop = e.at;
                    t.stop_line = e.line;
                    break;
                }
            }
            d.sla_first_response = t;
        }
        if (first_answer) {
            std::optional<derived_interaction::timer> cycle;
            for (std::size_t i = *first_answer + 1; i < ev.size(); ++i) {
                const event& e = ev[i];
                const bool solve = e.kind == event_kind::status && e.status == "solved";
                if (e.customer_message() && !cycle)
                    cycle = derived_interaction::timer{e.at, std::nullopt, e.line, 0};
                else if (cycle && (e.answers() || solve)) {
                    cycle->stop = e.at;
                    cycle->stop_line = e.line;
                    d.sla_next_reply.push_back(*cycle);
                    cycle.reset();
                }
            }
            if (cycle) d.sla_next_reply.push_back(*cycle);
        }
        d.sla_resolution =
            derived_interaction::timer{d.created_at, d.resolved_at, ev.front().line, 0};
        if (d.resolved_at)
            for (const event& e : ev)
                if (e.at == *d.resolved_at && e.kind == event_kind::status)
                    d.sla_resolution->stop_line = e.line;
    }

    /// Time spans between status events (SLA pauses) and the time spent in each kind of status.
    void status_spans() {
        for (const event& e : ev) {
            if (e.kind != event_kind::status || !e.status) continue;
            if (!d.status_spans.empty() && !d.status_spans.back().second)
                d.status_spans.back().second = e.at;
            d.status_spans.emplace_back(e.at, std::nullopt);
            d.span_status.push_back(*e.status);
        }
        double requester = 0, agent = 0, hold = 0;
        bool closed = false;
        for (std::size_t k = 0; k < d.status_spans.size(); ++k) {
            const auto& [enter, leave] = d.status_spans[k];
            if (!leave) continue;
            closed = true;
            const double secs = static_cast<double>(*leave - enter) / 1e6;
            const std::string& st = d.span_status[k];
            if (st == "pending")
                agent += secs;
            else if (st == "new" || st == "open" || st == "hold")
                requester += secs;
            if (st == "hold") hold += secs;
        }
        if (!closed) return;
        d.requester_wait_s = requester;
        d.agent_wait_s = agent;
        d.on_hold_s = hold;
        say("status durations (between status events): requester wait " +
            cskpi::detail::number_text(requester) + " s (new, open, hold), agent wait " +
            cskpi::detail::number_text(agent) + " s (pending), on hold " +
            cskpi::detail::number_text(hold) + " s");
    }

    /// Sessions: a gap of more than session_gap_s between messages starts one.
    void sessions() {
        // Sessions: a gap of more than session_gap_s between consecutive messages starts a new one.
        std::optional<micros> prev;
        for (const event& e : ev) {
            if (e.kind != event_kind::message) continue;
            if (!prev || static_cast<double>(e.at - *prev) > o.session_gap_s * 1e6) ++d.sessions;
            prev = e.at;
        }
    }
};

}  // namespace detail

/// Applies the section 11 rules to one interaction's events (ordered by time, file order on ties).
/// `why`, when given, receives one line per rule applied (the evidence of `cskpi explain`).
inline derived_interaction derive(const std::vector<event>& ev, const timeline_options& o,
                                  const time_zone& tz, const calendar* cal,
                                  std::vector<std::string>* why = nullptr) {
    if (ev.empty()) return {};
    detail::deriver r{ev, o, tz, cal, why};
    r.d.created_at = ev.front().at;
    r.first_response();
    r.replies_and_participants();
    r.outcome();
    r.waits_and_rounds();
    r.sla_timers();
    r.status_spans();
    r.d.last_event = ev.back().at;
    r.sessions();
    return std::move(r.d);
}

}  // namespace cskpi::timeline
