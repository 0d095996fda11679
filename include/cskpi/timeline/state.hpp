#pragma once
// What an event log adds to a group's mergeable state (section 11): the waits between a
// customer's message and the answer, rounds, sessions and each SLA target's outcome. A timer
// still running when the log ends is kept as the instant it would breach, so a state settles at
// whichever as_of finalizes it, and the states of several slices of a log merge exactly.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "../time.hpp"
#include "columns.hpp"

namespace cskpi::timeline {

/// One SLA target of one interaction, for any as_of at or after its last event.
struct sla_outcome {
    static constexpr micros never = std::numeric_limits<micros>::max();
    enum kind_t : std::uint8_t { none, achieved, breached, running } kind = none;
    micros breach =
        never;  ///< running: the first instant it counts as breached (never: paused for good);
                ///< breached, with sla_outcomes' `instants`: the instant it was breached
    /// Breached, with `instants`: seconds beyond the target when the timer stopped (NaN else).
    double over_s = std::numeric_limits<double>::quiet_NaN();
};

/// SLA state of one target of one interaction.
enum class sla_state : std::uint8_t { none, achieved, breached, active };
inline const char* name_of(sla_state s) {
    static const char* n[] = {"none", "achieved", "breached", "active"};
    return n[static_cast<int>(s)];
}

/// The state of one SLA outcome at `as_of`.
inline sla_state state_at(const sla_outcome& x, micros as_of) {
    switch (x.kind) {
        case sla_outcome::achieved:
            return sla_state::achieved;
        case sla_outcome::breached:
            return sla_state::breached;
        case sla_outcome::running:
            return as_of >= x.breach ? sla_state::breached : sla_state::active;
        default:
            return sla_state::none;
    }
}

/// What one derived interaction adds to each group it counts in.
struct timeline_row {
    std::span<const double> waits;  ///< seconds (business seconds on that clock)
    std::uint32_t rounds = 0, rounds_in_window = 0, rounds_within = 0, sessions = 0;
    /// With a presence log: counted, and its first round opened while no agent was online.
    bool presence_known = false, left_message = false;
    std::array<sla_outcome, 3> sla{};  ///< in sla_targets order
    /// Seconds in new/open/hold, pending, hold between status events; NaN: no such span.
    double requester_wait = stats::nan, agent_wait = stats::nan, on_hold = stats::nan;
    std::uint64_t buyer = 0;                ///< hashed customer (else interaction id)
    std::span<const std::int32_t> days;     ///< local days with a judged round
    std::span<const std::uint8_t> days_ok;  ///< every judged round that day answered in time
};

/// One buyer on one local day: whether every judged round was answered in time.
struct buyer_day {
    std::uint64_t buyer = 0;
    std::int32_t day = 0;
    std::uint8_t ok = 1;
    bool operator==(const buyer_day&) const = default;
};

/// Which states count an engine row when an interaction stands for several agents
/// (events.agent = "all"): each participant's row counts in groupings by agent, the
/// interaction's own row (its first responder as agent) in every other state and the overall row.
enum class row_role : std::uint8_t { every, participant, interaction };

/// The engine rows of an in-memory frame of derived interactions (report_state::update reads
/// it): frame row j (line j + 1) is derived row row_of[j], in role role[j].
struct timeline_feed {
    std::span<const std::uint32_t> row_of;
    std::span<const row_role> role;  ///< empty when every row counts everywhere
    std::span<const timeline_row> rows;
    const timeline_row& of_line(std::uint64_t line) const { return rows[row_of[line - 1]]; }
    bool has_roles() const { return !role.empty(); }
    /// Whether a state grouped by agent (or not) counts the row on `line`.
    bool counts(std::uint64_t line, bool by_agent) const {
        if (role.empty()) return true;
        const row_role r = role[line - 1];
        return r == row_role::every || (r == row_role::participant) == by_agent;
    }
    /// A participant's row repeats its interaction's id.
    bool repeats_id(std::uint64_t line) const {
        return !role.empty() && role[line - 1] == row_role::participant;
    }
};

/// The timeline statistics of one group. `merge` is associative and commutative, and merging an
/// empty state changes nothing.
struct timeline_state {
    std::uint64_t rounds = 0, rounds_in_window = 0, rounds_within = 0, sessions = 0;
    /// Interactions with a round seen with a presence log, and those of them left as messages.
    std::uint64_t presence_known = 0, left_messages = 0;
    std::array<std::uint64_t, 3> achieved{}, breached{};
    std::array<std::vector<micros>, 3>
        running;                ///< breach instants of timers running when the log ended
    std::vector<double> waits;  ///< every completed wait, seconds
    std::vector<double> interaction_means;  ///< each interaction's mean wait (those with waits)
    /// Per interaction with status spans: requester wait, agent wait, on-hold time (seconds).
    std::vector<double> requester_waits, agent_waits, on_holds;
    /// Buyer-days seen (a buyer's day may come from several interactions: canonicalize joins them).
    std::vector<buyer_day> buyer_days;

    void add(const timeline_row& r) {
        for (std::size_t k = 0; k < r.days.size(); ++k)
            buyer_days.push_back({r.buyer, r.days[k], r.days_ok[k]});
        if (!r.waits.empty()) {
            double sum = 0;
            for (double w : r.waits) sum += w;
            waits.insert(waits.end(), r.waits.begin(), r.waits.end());
            interaction_means.push_back(sum / static_cast<double>(r.waits.size()));
        }
        rounds += r.rounds;
        presence_known += r.presence_known;
        left_messages += r.left_message;
        rounds_in_window += r.rounds_in_window;
        rounds_within += r.rounds_within;
        sessions += r.sessions;
        if (!std::isnan(r.requester_wait)) {
            requester_waits.push_back(r.requester_wait);
            agent_waits.push_back(r.agent_wait);
            on_holds.push_back(r.on_hold);
        }
        for (std::size_t k = 0; k < r.sla.size(); ++k) {
            switch (r.sla[k].kind) {
                case sla_outcome::achieved:
                    ++achieved[k];
                    break;
                case sla_outcome::breached:
                    ++breached[k];
                    break;
                case sla_outcome::running:
                    running[k].push_back(r.sla[k].breach);
                    break;
                case sla_outcome::none:
                    break;
            }
        }
    }

    timeline_state& merge(const timeline_state& o) {
        rounds += o.rounds;
        presence_known += o.presence_known;
        left_messages += o.left_messages;
        rounds_in_window += o.rounds_in_window;
        rounds_within += o.rounds_within;
        sessions += o.sessions;
        for (std::size_t k = 0; k < 3; ++k) {
            achieved[k] += o.achieved[k];
            breached[k] += o.breached[k];
            running[k].insert(running[k].end(), o.running[k].begin(), o.running[k].end());
        }
        waits.insert(waits.end(), o.waits.begin(), o.waits.end());
        interaction_means.insert(interaction_means.end(), o.interaction_means.begin(),
                                 o.interaction_means.end());
        for (auto [dst, src] : {std::pair{&requester_waits, &o.requester_waits},
                                {&agent_waits, &o.agent_waits},
                                {&on_holds, &o.on_holds}})
            dst->insert(dst->end(), src->begin(), src->end());
        buyer_days.insert(buyer_days.end(), o.buyer_days.begin(), o.buyer_days.end());
        return *this;
    }

    /// Sorts the samples: equal states then hold equal vectors, and figures() sums in one order
    /// whatever order rows arrived in (sums of doubles depend on it).
    void canonicalize() {
        std::sort(waits.begin(), waits.end());
        std::sort(interaction_means.begin(), interaction_means.end());
        for (auto* v : {&requester_waits, &agent_waits, &on_holds}) std::sort(v->begin(), v->end());
        for (auto& r : running) std::sort(r.begin(), r.end());
        // One entry per buyer and day, replied only when every part of it was.
        std::sort(buyer_days.begin(), buyer_days.end(), [](const buyer_day& a, const buyer_day& b) {
            return std::tie(a.buyer, a.day) < std::tie(b.buyer, b.day);
        });
        std::size_t n = 0;
        for (const buyer_day& x : buyer_days) {
            if (n && buyer_days[n - 1].buyer == x.buyer && buyer_days[n - 1].day == x.day)
                buyer_days[n - 1].ok &= x.ok;
            else
                buyer_days[n++] = x;
        }
        buyer_days.resize(n);
    }

    /// The figures at `as_of`: a running timer is breached from its breach instant on.
    timeline_figures figures(micros as_of) {
        canonicalize();
        timeline_figures f;
        f.waits = static_cast<double>(waits.size());
        // Samples are ascending after canonicalize: one order, so one sum for every thread count.
        auto mean = [](const std::vector<double>& v) {
            return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
        };
        if (!waits.empty()) {
            f.mean = mean(waits);
            f.max = waits.back();
            f.median = stats::quantile_type7(waits, 0.5);
            f.p90 = stats::quantile_type7(waits, 0.9);
        }
        if (!interaction_means.empty()) f.interaction_mean = mean(interaction_means);
        f.status_timed = static_cast<double>(requester_waits.size());
        if (!requester_waits.empty()) {
            f.requester_wait_mean = mean(requester_waits);
            f.requester_wait_median = stats::quantile_type7(requester_waits, 0.5);
            f.agent_wait_mean = mean(agent_waits);
            f.agent_wait_median = stats::quantile_type7(agent_waits, 0.5);
            f.on_hold_mean = mean(on_holds);
        }
        f.rounds = static_cast<double>(rounds);
        f.in_window = static_cast<double>(rounds_in_window);
        f.within = static_cast<double>(rounds_within);
        f.sessions = static_cast<double>(sessions);
        f.presence_known = static_cast<double>(presence_known);
        f.left_messages = static_cast<double>(left_messages);
        f.buyer_days = static_cast<double>(buyer_days.size());
        for (const buyer_day& x : buyer_days) f.buyer_days_replied += x.ok;
        for (std::size_t k = 0; k < 3; ++k) {
            const auto late = static_cast<std::size_t>(
                std::upper_bound(running[k].begin(), running[k].end(), as_of) - running[k].begin());
            f.achieved[k] = static_cast<double>(achieved[k]);
            f.breached[k] = static_cast<double>(breached[k] + late);
            f.active[k] = static_cast<double>(running[k].size() - late);
        }
        return f;
    }

    bool operator==(const timeline_state& o) const {
        timeline_state a = *this, b = o;
        a.canonicalize();
        b.canonicalize();
        return a.rounds == b.rounds && a.rounds_in_window == b.rounds_in_window &&
               a.rounds_within == b.rounds_within && a.sessions == b.sessions &&
               a.presence_known == b.presence_known && a.left_messages == b.left_messages &&
               a.achieved == b.achieved && a.breached == b.breached && a.running == b.running &&
               a.waits == b.waits && a.interaction_means == b.interaction_means &&
               a.requester_waits == b.requester_waits && a.agent_waits == b.agent_waits &&
               a.on_holds == b.on_holds && a.buyer_days == b.buyer_days;
    }
};

/// {"rounds", "rounds_in_window", "rounds_within", "sessions", "achieved": [3], "breached": [3],
///  "running": [[...] x3], "waits": [...], "interaction_means": [...], "requester_waits",
///  "agent_waits", "on_holds": [...]}, samples sorted.
inline void to_json(nlohmann::json& j, const timeline_state& s) {
    timeline_state c = s;
    c.canonicalize();
    j = {{"rounds", c.rounds},
         {"rounds_in_window", c.rounds_in_window},
         {"rounds_within", c.rounds_within},
         {"sessions", c.sessions},
         {"achieved", c.achieved},
         {"breached", c.breached},
         {"running", c.running},
         {"waits", c.waits},
         {"interaction_means", c.interaction_means},
         {"requester_waits", c.requester_waits},
         {"agent_waits", c.agent_waits},
         {"on_holds", c.on_holds}};
    nlohmann::json days = nlohmann::json::array();
    for (const buyer_day& x : c.buyer_days) days.push_back({x.buyer, x.day, x.ok});
    j["buyer_days"] = std::move(days);
    if (c.presence_known) {  // states of logs read without presence stay as they were
        j["presence_known"] = c.presence_known;
        j["left_messages"] = c.left_messages;
    }
}

/// Reads a state written by to_json; throws std::invalid_argument naming the faulty field.
inline void from_json(const nlohmann::json& j, timeline_state& s) {
    auto fail = [](const std::string& what) {
        throw std::invalid_argument("cskpi.report_state: timeline: " + what);
    };
    if (!j.is_object()) fail("expected an object");
    timeline_state out;
    for (auto [key, dst] : {std::pair{"rounds", &out.rounds},
                            {"rounds_in_window", &out.rounds_in_window},
                            {"rounds_within", &out.rounds_within},
                            {"sessions", &out.sessions}}) {
        if (!j.contains(key) || !j[key].is_number_unsigned())
            fail(std::string("expected an integer >= 0 \"") + key + "\"");
        *dst = j[key].get<std::uint64_t>();
    }
    for (auto [key, dst] : {std::pair{"achieved", &out.achieved}, {"breached", &out.breached}}) {
        if (!j.contains(key) || !j[key].is_array() || j[key].size() != 3)
            fail(std::string("expected 3 counts \"") + key + "\"");
        for (std::size_t k = 0; k < 3; ++k) {
            if (!j[key][k].is_number_unsigned())
                fail(std::string("expected integers >= 0 in \"") + key + "\"");
            (*dst)[k] = j[key][k].get<std::uint64_t>();
        }
    }
    if (!j.contains("running") || !j["running"].is_array() || j["running"].size() != 3)
        fail("expected 3 lists \"running\"");
    for (std::size_t k = 0; k < 3; ++k) {
        if (!j["running"][k].is_array()) fail("expected lists of instants in \"running\"");
        for (const auto& v : j["running"][k]) {
            if (!v.is_number_integer()) fail("expected integer instants in \"running\"");
            out.running[k].push_back(v.get<micros>());
        }
    }
    // Samples of seconds; the status durations are absent from states saved before they
    // existed (read as none).
    struct sample_key {
        const char* key;
        std::vector<double>* dst;
        bool required;
    };
    for (const sample_key& x : {sample_key{"waits", &out.waits, true},
                                {"interaction_means", &out.interaction_means, true},
                                {"requester_waits", &out.requester_waits, false},
                                {"agent_waits", &out.agent_waits, false},
                                {"on_holds", &out.on_holds, false}}) {
        if (!j.contains(x.key) && !x.required) continue;
        if (!j.contains(x.key) || !j[x.key].is_array())
            fail(std::string("expected an array \"") + x.key + "\"");
        for (const auto& v : j[x.key]) {
            if (!v.is_number() || v.get<double>() < 0)
                fail(std::string("expected seconds >= 0 in \"") + x.key + "\"");
            x.dst->push_back(v.get<double>());
        }
    }
    // Buyer-days: [buyer, day, ok] triples; absent from states saved before them.
    if (j.contains("buyer_days")) {
        if (!j["buyer_days"].is_array()) fail("expected an array \"buyer_days\"");
        for (const auto& v : j["buyer_days"]) {
            if (!v.is_array() || v.size() != 3 || !v[0].is_number_unsigned() ||
                !v[1].is_number_integer() || !v[2].is_number_unsigned() || v[2].get<int>() > 1)
                fail("expected [buyer, day, 0 or 1] in \"buyer_days\"");
            out.buyer_days.push_back(
                {v[0].get<std::uint64_t>(), v[1].get<std::int32_t>(), v[2].get<std::uint8_t>()});
        }
    }
    for (auto [key, dst] : {std::pair{"presence_known", &out.presence_known},
                            {"left_messages", &out.left_messages}}) {
        if (!j.contains(key)) continue;  // states saved without a presence log
        if (!j[key].is_number_unsigned())
            fail(std::string("expected an integer >= 0 \"") + key + "\"");
        *dst = j[key].get<std::uint64_t>();
    }
    if (out.left_messages > out.presence_known) fail("left_messages exceeds presence_known");
    if (out.agent_waits.size() != out.requester_waits.size() ||
        out.on_holds.size() != out.requester_waits.size())
        fail("requester_waits, agent_waits and on_holds differ in length");
    if (out.rounds_within > out.rounds_in_window || out.rounds_in_window > out.rounds ||
        out.interaction_means.size() > out.waits.size())
        fail(
            "counts contradict each other (rounds_within <= rounds_in_window <= rounds; "
            "interactions with waits <= waits)");
    s = std::move(out);
}

}  // namespace cskpi::timeline
