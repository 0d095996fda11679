#pragma once
// Events -> interactions (spec section 11). One interaction's events in, one derived
// interaction out, with the reply-time, round and session facts the event log adds. The rules
// are the spec's defaults; each option is named in timeline_options.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../config.hpp"
#include "../records.hpp"
#include "calendar.hpp"

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

    /// What answers a customer: an agent's public message (notes, system messages and ratings never do).
    bool answers() const { return from == sender::agent && kind == event_kind::message && is_public; }
    bool customer_message() const { return from == sender::customer && kind == event_kind::message; }
};

/// Options of section 11 (config keys "events", "clock", "calendars", "calendar_by").
struct timeline_options {
    double session_gap_s = 600;
    bool human_frt_from_handoff = true;
    std::optional<std::pair<std::int32_t, std::int32_t>> service_window;  ///< [start, end) local seconds of day
    double round_within_s = 180;
    bool business_clock = false;
    std::map<std::string, calendar> calendars;
    std::optional<column> calendar_by;                 ///< team or channel
    std::map<std::string, std::string> calendar_of;    ///< key value -> calendar name

    static timeline_options from_config(const config& cfg) {
        timeline_options o;
        const json& t = cfg.timeline;
        if (t.contains("events")) {
            const json& e = t["events"];
            detail::expect_object(e, "events");
            for (const auto& [k, v] : e.items()) {
                const std::string kp = "events." + k;
                if (k == "session_gap_s") o.session_gap_s = detail::get_number(v, kp);
                else if (k == "human_frt_from_handoff") o.human_frt_from_handoff = detail::get_bool(v, kp);
                else if (k == "round_within_s") o.round_within_s = detail::get_number(v, kp);
                else if (k == "service_window") {
                    if (!v.is_array() || v.size() != 2) throw config_error(kp, "expected [\"HH:MM\", \"HH:MM\"]");
                    o.service_window = std::pair{calendar::parse_clock(v[0], kp + "[0]"), calendar::parse_clock(v[1], kp + "[1]")};
                    if (o.service_window->first >= o.service_window->second) throw config_error(kp, "expected start < end");
                } else if (k == "preset") {
                    if (detail::get_string(v, kp) != "default")
                        throw config_error(kp, "only the \"default\" rules are available in this version");
                } else detail::unknown_key(kp);
            }
        }
        if (t.contains("clock")) {
            const std::string c = detail::get_string(t["clock"], "clock");
            if (c == "business") o.business_clock = true;
            else if (c != "calendar") throw config_error("clock", "expected \"calendar\" or \"business\", actual \"" + c + "\"");
        }
        if (t.contains("calendars")) {
            detail::expect_object(t["calendars"], "calendars");
            for (const auto& [name, c] : t["calendars"].items()) o.calendars[name] = calendar::from_json(c, "calendars." + name);
        }
        if (t.contains("calendar_by")) {
            const json& cb = t["calendar_by"];
            detail::expect_object(cb, "calendar_by");
            if (cb.size() != 1) throw config_error("calendar_by", "expected one key: team or channel");
            const std::string k = cb.begin().key();
            const json& m = cb.begin().value();
            if (k != "team" && k != "channel") throw config_error("calendar_by." + k, "expected team or channel");
            o.calendar_by = k == "team" ? column::team : column::channel;
            detail::expect_object(m, "calendar_by." + k);
            for (const auto& [val, name] : m.items()) {
                const std::string n = detail::get_string(name, "calendar_by." + k + "." + val);
                if (!o.calendars.count(n)) throw config_error("calendar_by." + k + "." + val, "unknown calendar '" + n + "'");
                o.calendar_of[val] = n;
            }
        }
        if (o.business_clock && !o.calendars.count("default") && o.calendar_of.empty())
            throw config_error("calendars.default", "clock \"business\" needs a calendar named default (or calendar_by)");
        for (const char* k : {"sla_policies", "as_of"})
            if (t.contains(k)) throw config_error(k, "SLA policies on event input are not available in this version");
        return o;
    }

    /// The calendar of an interaction (by its team or channel), or nullptr when none applies.
    const calendar* calendar_for(const std::optional<std::string>& team, const std::optional<std::string>& channel) const {
        if (calendar_by) {
            const auto& v = *calendar_by == column::team ? team : channel;
            if (v)
                if (auto it = calendar_of.find(*v); it != calendar_of.end()) return &calendars.at(it->second);
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
    bool bot = false, transferred = false, resolved = false;
    std::int64_t reopened = 0;
    std::optional<std::string> csat;  ///< text of the last rating event's number
    std::vector<double> waits;        ///< completed waits, seconds (business seconds on that clock)
    std::uint32_t rounds = 0, rounds_in_window = 0, rounds_in_window_within = 0, sessions = 0;
    double frt_s = -1, resolution_s = -1;  ///< -1 = none; measured on the configured clock
};

/// Applies the section 11 rules to one interaction's events (ordered by time, file order on ties).
inline derived_interaction derive(const std::vector<event>& ev, const timeline_options& o, const time_zone& tz,
                                  const calendar* cal) {
    derived_interaction d;
    if (ev.empty()) return d;
    d.created_at = ev.front().at;
    auto elapsed = [&](micros a, micros b) {
        return o.business_clock && cal ? cal->business_seconds(a, b) : static_cast<double>(b - a) / 1e6;
    };
    // First response: from the first customer message (or the hand-off, when a bot took part).
    std::optional<std::size_t> first_customer, handoff, first_answer;
    for (std::size_t i = 0; i < ev.size(); ++i) {
        const event& e = ev[i];
        d.bot |= e.from == sender::bot;
        if (!first_customer && e.customer_message()) first_customer = i;
        if (first_customer && !first_answer && e.kind == event_kind::handoff && !handoff) handoff = i;
        if (first_customer && !first_answer && e.answers()) first_answer = i;
    }
    if (first_customer) {
        d.frt_start = ev[*first_customer].at;
        if (first_answer) {
            d.first_response_at = ev[*first_answer].at;
            d.agent = ev[*first_answer].agent;
            if (d.bot && handoff && o.human_frt_from_handoff && *handoff < *first_answer) d.frt_start = ev[*handoff].at;
        } else if (d.bot && !handoff) {  // bot-only: the bot's first message after the customer's answers
            for (std::size_t i = *first_customer + 1; i < ev.size(); ++i)
                if (ev[i].from == sender::bot && ev[i].kind == event_kind::message) {
                    d.first_response_at = ev[i].at;
                    break;
                }
        }
    }
    if (d.first_response_at) d.frt_s = elapsed(*d.frt_start, *d.first_response_at);
    // Transfers, solves, ratings.
    std::optional<std::string> last_status;
    std::uint32_t solves = 0;
    for (std::size_t i = 0; i < ev.size(); ++i) {
        const event& e = ev[i];
        if (e.kind == event_kind::assign && first_answer && i > *first_answer && e.agent && e.agent != d.agent) d.transferred = true;
        if (e.kind == event_kind::status && e.status) {
            if (*e.status == "solved" && last_status != "solved") {
                ++solves;
                d.resolved_at = e.at;
            }
            last_status = e.status;
        }
        if (e.kind == event_kind::rating && e.text) d.csat = e.text;
    }
    d.reopened = solves > 1 ? solves - 1 : 0;
    d.resolved = solves >= 1 && (last_status == "solved" || last_status == "closed");
    if (d.resolved) d.resolution_s = elapsed(d.created_at, *d.resolved_at);
    else d.resolved_at.reset();
    // Waits and rounds: open at the oldest unanswered customer message, close at the next answer.
    micros open_at = 0;
    bool open = false;
    auto in_window = [&](micros t) {
        if (!o.service_window) return true;
        const micros local = tz.to_local(t);
        const auto sod = static_cast<std::int32_t>(time_zone::floor_div(local, us_per_s) - time_zone::floor_div(local, 86400 * us_per_s) * 86400);
        return sod >= o.service_window->first && sod < o.service_window->second;
    };
    bool open_in_window = false;
    for (const event& e : ev) {
        if (e.customer_message() && !open) {
            open = true;
            open_at = e.at;
            ++d.rounds;
            open_in_window = in_window(e.at);
            d.rounds_in_window += open_in_window;
        } else if (e.answers() && open) {
            d.waits.push_back(elapsed(open_at, e.at));
            if (open_in_window && static_cast<double>(e.at - open_at) <= o.round_within_s * 1e6) ++d.rounds_in_window_within;
            open = false;
        }
    }
    // Sessions: a gap of more than session_gap_s between consecutive messages starts a new one.
    std::optional<micros> prev;
    for (const event& e : ev) {
        if (e.kind != event_kind::message) continue;
        if (!prev || static_cast<double>(e.at - *prev) > o.session_gap_s * 1e6) ++d.sessions;
        prev = e.at;
    }
    return d;
}

}  // namespace cskpi::timeline
