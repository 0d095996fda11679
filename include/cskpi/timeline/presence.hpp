#pragma once
// Agent presence (docs/PRESENCE.md): when at least one agent was online, from a log of agents'
// status changes. A customer's round that opens while nobody is online is a message left (留言):
// JD does not judge such consultations in its response rates, and reports their share (留言率).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../config/config.hpp"
#include "../detail/text.hpp"
#include "../input/ingest.hpp"
#include "../input/reference.hpp"
#include "../input/table_reader.hpp"
#include "../report/report.hpp"

namespace cskpi::timeline {

/// The staffed spans of a presence log. Each agent is offline before their first change and
/// stays in the state of their last change; changes at one instant apply in line order. The
/// spans are built at the first query after an add(): query once before sharing a log between
/// threads (read_presence returns it built).
class presence_log {
public:
    /// Records that `agent` went online (true) or offline at `at`.
    void add(std::string_view agent, micros at, bool online, std::uint64_t line) {
        const auto [it, fresh] =
            agents_.try_emplace(std::string(agent), static_cast<std::uint32_t>(agents_.size()));
        changes_.push_back({it->second, at, line, online});
        sealed_ = false;
    }

    /// Whether some agent was online at `t`.
    bool staffed(micros t) const {
        seal();
        // The last span starting at or before t.
        auto it = std::upper_bound(spans_.begin(), spans_.end(), t,
                                   [](micros x, const auto& s) { return x < s.first; });
        return it != spans_.begin() && t < std::prev(it)->second;
    }

    /// [from, to) spans with an agent online, ascending and disjoint; `to` is the largest micros
    /// when agents were still online at the log's end.
    const std::vector<std::pair<micros, micros>>& spans() const {
        seal();
        return spans_;
    }
    std::size_t changes() const noexcept { return changes_.size(); }
    std::size_t agents() const noexcept { return agents_.size(); }

private:
    struct change {
        std::uint32_t agent;
        micros at;
        std::uint64_t line;
        bool online;
    };

    // Sweeps the changes in time order, counting agents online; a span opens when the count
    // leaves 0 and closes when it returns to 0 after every change of an instant.
    void seal() const {
        if (sealed_) return;
        std::vector<change> c = changes_;
        std::sort(c.begin(), c.end(), [](const change& a, const change& b) {
            return a.at != b.at ? a.at < b.at : a.line < b.line;
        });
        std::vector<bool> on(agents_.size(), false);
        std::size_t online = 0;
        spans_.clear();
        for (std::size_t i = 0; i < c.size();) {
            const micros t = c[i].at;
            const bool was = online > 0;
            for (; i < c.size() && c[i].at == t; ++i) {
                if (on[c[i].agent] == c[i].online) continue;
                on[c[i].agent] = c[i].online;
                online += c[i].online ? 1 : std::size_t(-1);
            }
            if (!was && online > 0) spans_.push_back({t, std::numeric_limits<micros>::max()});
            if (was && online == 0) spans_.back().second = t;
        }
        sealed_ = true;
    }

    std::unordered_map<std::string, std::uint32_t> agents_;
    std::vector<change> changes_;
    mutable std::vector<std::pair<micros, micros>> spans_;
    mutable bool sealed_ = true;
};

/// The presence columns, from their reference (docs/INPUT.md, "Agent presence").
inline const std::vector<std::string>& presence_columns() {
    static const std::vector<std::string> c = [] {
        std::vector<std::string> v;
        for (const auto& d : presence_column_docs()) v.emplace_back(d.name);
        return v;
    }();
    return c;
}

/// What a presence status cell means: online, offline, or neither (nullopt).
inline std::optional<bool> presence_status(std::string_view s) {
    static const std::pair<const char*, bool> words[] = {
        {"online", true}, {"offline", false}, {"在线", true}, {"离线", false}, {"available", true},
        {"away", false},  {"busy", true},     {"忙碌", true}, {"挂起", false}};
    for (const auto& [w, v] : words)
        if (cskpi::detail::iequals(s, w)) return v;
    return std::nullopt;
}

/// A presence log read with the same file rules and reject ledger as every input: a row lacking
/// agent, at or status, with a bad timestamp, or with a status that is neither online nor
/// offline is rejected with its line and column (strict: thrown).
struct presence_table {
    presence_log log;
    reject_ledger ledger;
    std::string path;
};

inline presence_table read_presence(const table_source& src, const config& cfg) {
    presence_table t;
    t.path = src.name;
    t.ledger.show_values = cfg.rejects_show_values;
    const time_zone tz(cfg.timezone);
    auto reject_row = [&](std::uint64_t line, const char* column, std::string_view value,
                          std::string reason) {
        const reject r{line, column, cskpi::detail::clip(value), std::move(reason)};
        if (cfg.strict) throw strict_error(src.name, r, cfg.rejects_show_values);
        t.ledger.rejected(r);
    };
    for_each_record(
        src, presence_columns(), presence_columns(), t.ledger, [&](const text_record& r) {
            auto cell = [&](std::size_t i) {
                return r.cells[i] ? cskpi::detail::trim(*r.cells[i]) : std::string_view();
            };
            const std::string_view agent = cell(0), at = cell(1), status = cell(2);
            if (agent.empty()) return reject_row(r.line, "agent", "", "missing required value");
            const auto when = parse_timestamp(at, tz);
            if (!when)
                return reject_row(r.line, "at", at, timestamp_error(cskpi::detail::clip(at), tz));
            const auto online = presence_status(status);
            if (!online)
                return reject_row(r.line, "status", status,
                                  "expected online or offline (also 在线, 离线, "
                                  "available, away, busy, 忙碌, 挂起)");
            t.log.add(agent, *when, *online, r.line);
            t.ledger.accepted();
        });
    (void)t.log.spans();  // built here, so the derivation only reads it
    return t;
}

/// The presence log's input accounting, as the report's "presence" entry.
inline json presence_json(const presence_table& t) {
    json j = ledger_json(t.path, t.ledger);
    j["agents"] = t.log.agents();
    return j;
}

}  // namespace cskpi::timeline
