#pragma once
// A manager's dashboard as numbers: per-team headline tiles with the change between the last two
// complete periods, the FRT distribution, SLA attainment by day, arrivals and FRT by weekday x
// hour, the complaint Pareto, a scorecard, QA weak spots and calibration flags, and what the
// input rejected. Built from reports of one reading of the file; the HTML page and the workbook
// only render it (docs/REPORTS.md).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/histogram.hpp>
#include <date/date.h>
#include <date/iso_week.h>

#include "../analysis/pareto.hpp"
#include "../analysis/targets_run.hpp"
#include "../qa/calibration.hpp"
#include "../qa/scores.hpp"
#include "../engine/run.hpp"
#include "../scorecard/scorecard.hpp"
#include "../engine/grouping_list.hpp"

namespace cskpi::dashboard {

/// A headline metric of the tiles and which way is better (0: neither, for volumes).
struct tile_metric {
    const char* column;
    int better;  ///< +1 higher is better, -1 lower is better, 0 neutral
};
inline const std::vector<tile_metric>& tile_metrics() {
    static const std::vector<tile_metric> m = {
        {"interactions", 0}, {"frt_median", -1}, {"sla_frt", +1},       {"resolution_rate", +1},
        {"fcr_rate", +1},    {"csat", +1},       {"complaint_rate", -1}};
    return m;
}

struct tile {
    std::string column;
    double value = stats::nan;     ///< over the whole input (the report's value)
    double current = stats::nan;   ///< in the last complete period
    double previous = stats::nan;  ///< in the complete period before it
};
struct tile_row {
    std::optional<std::string> team;  ///< nullopt: every team (the overall row); "" never
    bool overall = false;
    std::vector<tile> tiles;
};

/// One bin of a duration histogram, [low, high) in seconds; high = +inf for the last open bin.
struct bin {
    double low = 0, high = 0;
    std::uint64_t count = 0;
};

/// The FRT brackets (seconds): chat answers in seconds and e-mails in hours share one chart
/// because the brackets widen as a manager reads waits (10 s steps, then minutes, then hours).
inline const std::vector<double>& frt_brackets() {
    static const std::vector<double> edges = {0,   10,   20,   30,   60,    120,   300,
                                              600, 1800, 3600, 7200, 14400, 28800, 86400};
    return edges;
}

/// Counts of `seconds` in the brackets [edges[i], edges[i+1]) and one open bin from the last edge.
inline std::vector<bin> duration_histogram(const std::vector<double>& seconds,
                                           const std::vector<double>& edges = frt_brackets()) {
    if (seconds.empty()) return {};
    auto h = boost::histogram::make_histogram(boost::histogram::axis::variable<>(edges));
    h.fill(seconds);
    std::vector<bin> out;
    const int n = static_cast<int>(edges.size()) - 1;
    for (int i = 0; i < n; ++i)
        out.push_back({edges[i], edges[i + 1], static_cast<std::uint64_t>(h.at(i))});
    out.push_back({edges.back(), std::numeric_limits<double>::infinity(),
                   static_cast<std::uint64_t>(h.at(n))});
    return out;
}

/// First and last day of a period label (day 2026-03-01, week 2026-W10, month 2026-03).
inline std::pair<date::sys_days, date::sys_days> period_days(group_key period,
                                                             const std::string& label) {
    if (period != group_key::day && period != group_key::week && period != group_key::month)
        throw std::invalid_argument("dashboard period: expected day, week or month");
    if (const auto p = period_of_label(period, label)) return *p;
    throw std::invalid_argument("dashboard period: label '" + label + "' does not parse");
}

struct dashboard {
    group_key period = group_key::week;
    std::optional<std::string> current_period, previous_period;  ///< the last two complete periods
    std::string first_day, last_day;                             ///< days with data
    report overall;  ///< the whole input: accounting, rejects, the overall row
    std::vector<tile_row> tiles;
    std::vector<bin> frt_bins;
    report by_day, by_heat, by_category;  ///< SLA trend; weekday x hour_of_day; complaint Pareto
    std::optional<score_report> scores;
    std::optional<qa::qa_report> qa;
    std::optional<qa::calibration_report> calibration;
    std::optional<analysis::targets_result> targets;  ///< when the configuration has targets

    /// The target row of `metric` for a tile row (overall: no scope; a team: scope team = it)
    /// in the month containing as_of, else the last month begun; nullptr when none.
    const analysis::target_row* target_of(const std::string& metric,
                                          const std::optional<std::string>& team,
                                          bool all_teams) const {
        if (!targets) return nullptr;
        const analysis::target_row* best = nullptr;
        for (const auto& r : targets->rows) {
            if (r.metric != metric || r.level != "month" || !(r.elapsed > 0)) continue;
            const bool fits = all_teams
                                  ? r.scope.empty()
                                  : r.scope.size() == 1 && r.scope[0].first == group_key::team &&
                                        team && r.scope[0].second == *team;
            if (fits && (!best || r.period >= best->period)) best = &r;
        }
        return best;
    }
    /// Target rows of the sub-periods in progress at as_of; else, per target and level, the last
    /// closed.
    std::vector<const analysis::target_row*> current_targets() const {
        std::vector<const analysis::target_row*> out;
        if (!targets) return out;
        std::map<std::pair<std::size_t, std::string>, const analysis::target_row*> last_closed;
        bool open = false;
        for (const auto& r : targets->rows) {
            if (r.elapsed > 0 && r.elapsed < 1) out.push_back(&r), open = true;
            if (r.elapsed >= 1) last_closed[{r.index, r.level}] = &r;
        }
        if (!open)
            for (const auto& [k, r] : last_closed) out.push_back(r);
        return out;
    }

    /// Complaints per category, most first (categories without complaints left out).
    std::vector<analysis::pareto_row> complaint_pareto() const {
        return analysis::pareto(by_category);
    }
    /// QA rubric items (id, stats) by mean percent, lowest first; items never rated last.
    std::vector<std::pair<std::string, qa::percent_stats>> weak_items() const {
        std::vector<std::pair<std::string, qa::percent_stats>> out;
        if (!qa) return out;
        for (std::size_t i = 0; i < qa->items.size() && i < qa->rb.items.size(); ++i)
            out.emplace_back(qa->rb.items[i].id, qa->items[i]);
        auto mean = [](const qa::percent_stats& s) { return s.rated ? s.mean() : 1e300; };
        std::stable_sort(out.begin(), out.end(), [&](const auto& x, const auto& y) {
            return mean(x.second) < mean(y.second);
        });
        return out;
    }

    json to_json() const;
};

/// The groupings a dashboard reads, in the order make() expects them: overall, team,
/// team x period, period, day, weekday x hour_of_day, category.
inline std::vector<std::vector<group_key>> groupings(group_key period) {
    using K = group_key;
    return {{},           {K::team}, {K::team, period},
            {period},     {K::day},  {K::weekday, K::hour_of_day},
            {K::category}};
}

namespace detail {
/// The tiles of one row: `whole` is the row of the report over the whole input; `periods` the
/// rows of this team per period (key = period label, last key).
inline std::vector<tile> tiles_of(const report_group& whole,
                                  const std::map<std::string, const report_group*>& periods,
                                  const std::optional<std::string>& current,
                                  const std::optional<std::string>& previous) {
    std::vector<tile> out;
    for (const auto& m : tile_metrics()) {
        tile t;
        t.column = m.column;
        t.value = whole.metric(m.column);
        auto at = [&](const std::optional<std::string>& p) {
            if (!p) return stats::nan;
            const auto it = periods.find(*p);
            return it == periods.end() ? stats::nan : it->second->metric(m.column);
        };
        t.current = at(current);
        t.previous = at(previous);
        out.push_back(t);
    }
    return out;
}

/// Seconds of the FRT samples of a one-group state (the overall grouping).
inline std::vector<double> frt_seconds(const report_state& overall) {
    std::vector<double> out;
    for (const auto& g : overall.groups()) {
        const auto x = g.frt.seconds();
        out.insert(out.end(), x.begin(), x.end());
    }
    return out;
}
}  // namespace detail

/// The dashboard from the reports of groupings(period) (same order) and the FRT samples.
inline dashboard make(std::vector<report> reps, group_key period, std::vector<double> frt_seconds) {
    if (reps.size() != groupings(period).size())
        throw std::invalid_argument("dashboard::make: expected the reports of groupings()");
    dashboard d;
    d.period = period;
    d.overall = std::move(reps[0]);
    d.by_day = std::move(reps[4]);
    d.by_heat = std::move(reps[5]);
    d.by_category = std::move(reps[6]);
    d.frt_bins = duration_histogram(frt_seconds);
    // Days with data, and the periods lying wholly inside them (a part week would compare
    // volumes unfairly).
    std::vector<std::string> days;
    for (std::size_t i = 1; i < d.by_day.groups.size(); ++i)
        if (d.by_day.groups[i].keys[0]) days.push_back(*d.by_day.groups[i].keys[0]);
    std::vector<std::string> complete;
    if (!days.empty()) {
        d.first_day = days.front(), d.last_day = days.back();
        const auto first = period_days(group_key::day, days.front()).first;
        const auto last = period_days(group_key::day, days.back()).first;
        for (std::size_t i = 1; i < reps[3].groups.size(); ++i) {
            const auto& k = reps[3].groups[i].keys[0];
            if (!k) continue;
            const auto [from, to] = period_days(period, *k);
            if (from >= first && to <= last) complete.push_back(*k);
        }
    }
    if (!complete.empty()) d.current_period = complete.back();
    if (complete.size() >= 2) d.previous_period = complete[complete.size() - 2];
    // Tiles: every team, then each team.
    std::map<std::string, const report_group*> all_periods;
    for (std::size_t i = 1; i < reps[3].groups.size(); ++i)
        if (reps[3].groups[i].keys[0]) all_periods[*reps[3].groups[i].keys[0]] = &reps[3].groups[i];
    if (!d.overall.groups.empty())
        d.tiles.push_back({std::nullopt, true,
                           detail::tiles_of(d.overall.groups[0], all_periods, d.current_period,
                                            d.previous_period)});
    std::map<std::optional<std::string>, std::map<std::string, const report_group*>> team_periods;
    for (std::size_t i = 1; i < reps[2].groups.size(); ++i) {
        const auto& g = reps[2].groups[i];
        if (g.keys[1]) team_periods[g.keys[0]][*g.keys[1]] = &g;
    }
    for (std::size_t i = 1; i < reps[1].groups.size(); ++i) {
        const auto& g = reps[1].groups[i];
        d.tiles.push_back(
            {g.keys[0], false,
             detail::tiles_of(g, team_periods[g.keys[0]], d.current_period, d.previous_period)});
    }
    return d;
}

/// Reads `path` once for the dashboard and, given `card`, the scorecard's groupings too, and
/// given `targets`, theirs; scores and paces.
inline dashboard read(const std::string& path, const config& cfg, group_key period,
                      const scorecard* card = nullptr, const run_options& opt = {},
                      const analysis::targets_setup* targets = nullptr) {
    grouping_list need;
    std::vector<std::size_t>
        at;  // slot of each of groupings(period): with period day, two are the same
    for (const auto& g : groupings(period)) at.push_back(need.slot(g));
    if (targets)
        for (const auto& g : analysis::target_groupings(targets->tc)) need.slot(g);
    std::optional<scorecard_slots> card_at;
    if (card) card_at.emplace(need, *card);
    run_options once = opt;
    once.reports_only = true;  // the states become reports below
    auto partial = run_partial_multi(path, cfg, need.list(), once);
    std::vector<double> frt = detail::frt_seconds(partial.second[0]);
    const auto latest = partial.second[0].latest_created();
    std::vector<report> reps =
        cskpi::detail::finish_multi(std::move(partial), need.list(), opt.threads);
    std::optional<analysis::targets_result> paced;
    if (targets && !targets->tc.targets.empty() && (latest || targets->as_of))
        paced = targets->pace_on(reps, latest, cfg, opt);
    std::optional<score_report> scores;
    if (card && reps[0].rows_accepted > 0) {
        const auto mix = card_at->mix_of(reps);
        scores = score(reps[card_at->card], *card, mix ? &*mix : nullptr);
    }
    std::vector<report> mine;
    for (auto i : at) mine.push_back(reps[i]);
    dashboard d = make(std::move(mine), period, std::move(frt));
    d.scores = std::move(scores);
    d.targets = std::move(paced);
    return d;
}

inline json dashboard::to_json() const {
    auto key = [](const std::optional<std::string>& k) { return k ? json(*k) : json(nullptr); };
    json j;
    j["cskpi"] = {{"version", version}};
    j["input"] = overall.to_json()["input"];
    j["period"] = {{"key", std::string(name_of(period))},
                   {"current", current_period ? json(*current_period) : json(nullptr)},
                   {"previous", previous_period ? json(*previous_period) : json(nullptr)},
                   {"first_day", first_day},
                   {"last_day", last_day}};
    json tj = json::array();
    for (const auto& r : tiles) {
        json row = {{"team", key(r.team)}, {"overall", r.overall}};
        for (const auto& t : r.tiles)
            row["tiles"][t.column] = {{"value", cskpi::detail::num_or_null(t.value)},
                                      {"current", cskpi::detail::num_or_null(t.current)},
                                      {"previous", cskpi::detail::num_or_null(t.previous)}};
        tj.push_back(row);
    }
    j["tiles"] = tj;
    json hb = json::array();
    for (const auto& b : frt_bins)
        hb.push_back({{"low", b.low},
                      {"high", std::isinf(b.high) ? json(nullptr) : json(b.high)},
                      {"count", b.count}});
    j["frt_histogram"] = hb;
    json sla = json::array();
    for (std::size_t i = 1; i < by_day.groups.size(); ++i) {
        const auto& g = by_day.groups[i];
        sla.push_back({{"day", key(g.keys[0])},
                       {"sla_frt", cskpi::detail::num_or_null(g.metric("sla_frt"))},
                       {"met", cskpi::detail::num_or_null(g.metric("sla_frt_num"))},
                       {"targets", cskpi::detail::num_or_null(g.metric("sla_frt_den"))}});
    }
    j["sla_by_day"] = sla;
    json heat = json::array();
    for (std::size_t i = 1; i < by_heat.groups.size(); ++i) {
        const auto& g = by_heat.groups[i];
        heat.push_back({{"weekday", key(g.keys[0])},
                        {"hour_of_day", key(g.keys[1])},
                        {"interactions", cskpi::detail::num_or_null(g.metric("interactions"))},
                        {"frt_median", cskpi::detail::num_or_null(g.metric("frt_median"))}});
    }
    j["heatmap"] = heat;
    json pareto = json::array();
    for (const auto& r : complaint_pareto())
        pareto.push_back(
            {{"category", key(r.keys[0])}, {"complaints", static_cast<std::uint64_t>(r.count)}});
    j["complaint_pareto"] = pareto;
    if (scores) j["scorecard"] = scores->to_json();
    if (qa) {
        json items = json::array();
        for (const auto& [id, st] : weak_items())
            items.push_back({{"item", id},
                             {"mean_percent", cskpi::detail::num_or_null(st.mean())},
                             {"rated", st.rated}});
        j["qa_weak_items"] = items;
    }
    if (calibration) j["calibration"] = calibration->to_json();
    if (targets) j["targets"] = targets->to_json();
    return j;
}

}  // namespace cskpi::dashboard
