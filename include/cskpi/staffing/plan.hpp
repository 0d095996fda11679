#pragma once
// Staffing from the interaction records (spec section 16): per channel and interval, the
// arrivals, AHT, traffic, the agents Erlang C (or A) requires and the realised service level;
// a forecast per weekday x interval from the last `weeks` weeks; a plan for future dates.
// Input: a report grouped by channel and an interval key (half_hour, quarter_hour or hour).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../report/report.hpp"
#include "../engine/run.hpp"
#include "concurrency.hpp"
#include "erlang.hpp"

namespace cskpi::staffing {

/// The grouping key of an interval length in seconds (900, 1800, 3600).
inline group_key interval_key(double interval_s) {
    if (interval_s == 900) return group_key::quarter_hour;
    if (interval_s == 3600) return group_key::hour;
    return group_key::half_hour;
}

/// The realised service level variants of section 16, in the order of the metric table.
inline const std::vector<std::string>& service_level_variants() {
    static const std::vector<std::string> v = {
        "service_level", "service_level_of_answered", "service_level_excl_abandoned",
        "service_level_excl_short_abandoned", "service_level_short_abandoned_met"};
    return v;
}

/// Arrivals and AHT of one channel in one slot, and what they need.
struct slot_need {
    std::string channel;
    std::string date;      ///< YYYY-MM-DD (history, plan); empty in the forecast
    std::int64_t day = 0;  ///< days since 1970-01-01 of `date`
    int weekday = 0;       ///< 1 = Monday .. 7 = Sunday
    std::string time;      ///< HH:MM, start of the interval
    double arrivals = 0;   ///< a forecast's is a mean
    double aht_s = stats::nan;
    double traffic = 0;  ///< erlangs = arrivals x AHT (inflated for concurrent channels) / interval
    double target = 0, within_s = 0;    ///< the channel's service-level target
    std::optional<requirement> need;    ///< none when the AHT is unknown
    double weeks = 0;                   ///< forecast: weeks averaged
    std::vector<double> service_level;  ///< history: the five variants (NaN when undefined)
};

struct plan_result {
    std::vector<slot_need> history, forecast, plan;
    /// The settings of every channel in the data (staffing.channels over the defaults).
    std::map<std::string, staffing_config> channels;
    /// Concurrent channels' handle-time inflation (measured with run_staffing).
    std::map<std::string, inflation> concurrency;
    std::string first_date, last_date;
    /// The last 7 days of the data per channel: each variant's (numerator, denominator).
    std::map<std::string, std::vector<std::pair<double, double>>> last_week;
};

namespace detail {
/// Day number (days since 1970-01-01) of a YYYY-MM-DD date; std::invalid_argument otherwise.
inline std::int64_t day_number(const std::string& date) {
    int y = 0;
    unsigned m = 0, d = 0;
    char tail = 0;
    const bool shaped =
        date.size() == 10 && std::sscanf(date.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) == 3;
    const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
    if (!shaped || !ymd.ok())
        throw std::invalid_argument("not a date (YYYY-MM-DD): '" + date + "'");
    return date::sys_days{ymd}.time_since_epoch().count();
}
inline int iso_weekday(std::int64_t day) {  // 1 = Monday .. 7 = Sunday
    return static_cast<int>(date::weekday{date::sys_days{date::days{day}}}.iso_encoding());
}
inline std::string date_text(std::int64_t day) {
    return time_label(group_key::day, day);
}

/// Erlang figures of one slot under its channel's settings; a channel with concurrency k counts
/// each agent as k servers with the AHT times the channel's inflation factor.
inline void staff(slot_need& s, const plan_result& r, double interval_s) {
    const staffing_config& c = r.channels.at(s.channel);
    s.target = c.service_level;
    s.within_s = c.within_s;
    if (!(s.aht_s > 0)) return;
    const auto conc = r.concurrency.find(s.channel);
    const double k = conc == r.concurrency.end() ? 1.0 : conc->second.concurrency;
    const double aht = k > 1 ? s.aht_s * conc->second.factor : s.aht_s;
    s.traffic = s.arrivals * aht / interval_s;
    requirement need = required_agents(s.traffic, aht, c.service_level, c.within_s, c.max_occupancy,
                                       0.0, c.patience_s);
    if (k > 1) need.agents = static_cast<unsigned>(std::ceil(need.agents / k - 1e-9));
    need.scheduled = static_cast<unsigned>(std::ceil(need.agents / (1 - c.shrinkage) - 1e-9));
    s.need = need;
}
}  // namespace detail

/// History, forecast and (for dates [plan_from, plan_to], inclusive) a plan, from `rep`
/// grouped by [channel, interval key]. Forecast of a weekday x interval: the mean arrivals over
/// the last `weeks` dates of that weekday in the data (a date without contacts in the slot
/// counts 0), AHT weighted by arrivals.
/// `concurrency`: the inflation of concurrent channels (run_staffing measures it); without it a
/// concurrent channel uses staffing.concurrency_inflation, else 1.
inline plan_result plan(const report& rep, const staffing_config& c,
                        std::optional<std::pair<std::string, std::string>> range = {},
                        std::map<std::string, inflation> concurrency = {}) {
    const group_key ik = interval_key(c.interval_s);
    if (rep.by.size() != 2 || rep.by[0] != group_key::channel || rep.by[1] != ik)
        throw std::logic_error("staffing::plan needs a report grouped by channel and " +
                               std::string(name_of(ik)));
    plan_result out;
    out.concurrency = std::move(concurrency);
    for (const auto& [ch, k] : c.concurrency)
        if (k > 1 && !out.concurrency.count(ch)) out.concurrency[ch] = unmeasured(c, k);
    for (std::size_t g = 1; g < rep.groups.size(); ++g)
        if (const auto& ch = rep.groups[g].keys[0]; ch && !out.channels.count(*ch))
            out.channels.emplace(*ch, c.for_channel(*ch));
    std::vector<const report_group*> source;  // the report group of each history row
    std::int64_t first = INT64_MAX, last = INT64_MIN;
    for (std::size_t g = 1; g < rep.groups.size(); ++g) {
        const auto& grp = rep.groups[g];
        if (!grp.keys[0] || !grp.keys[1]) continue;
        slot_need s;
        s.channel = *grp.keys[0];
        const std::string& label = *grp.keys[1];  // 2026-03-01T09:30 or 2026-03-01T09
        s.date = label.substr(0, 10);
        s.day = detail::day_number(s.date);
        s.time = label.size() > 13 ? label.substr(11, 5) : label.substr(11, 2) + ":00";
        s.weekday = detail::iso_weekday(s.day);
        s.arrivals = grp.metric("interactions");
        s.aht_s = grp.metric("aht_mean");
        for (const auto& v : service_level_variants()) s.service_level.push_back(grp.metric(v));
        detail::staff(s, out, c.interval_s);
        first = std::min(first, s.day);
        last = std::max(last, s.day);
        out.history.push_back(std::move(s));
        source.push_back(&grp);
    }
    if (out.history.empty()) return out;
    out.first_date = detail::date_text(first);
    out.last_date = detail::date_text(last);
    for (std::size_t h = 0; h < out.history.size(); ++h) {
        if (out.history[h].day <= last - 7) continue;
        auto& v = out.last_week[out.history[h].channel];
        v.resize(service_level_variants().size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            v[i].first += source[h]->metric(service_level_variants()[i] + "_num");
            v[i].second += source[h]->metric(service_level_variants()[i] + "_den");
        }
    }

    // Forecast: per (channel, weekday, time), the weeks' dates and the sums over them.
    struct acc {
        double arrivals = 0, handle = 0, with_aht = 0;
    };
    std::map<std::tuple<std::string, int, std::string>, acc> sums;
    std::map<int, int> weeks_of;  // weekday -> dates averaged
    for (int wd = 1; wd <= 7; ++wd) {
        int n = 0;
        for (std::int64_t d = last; d >= first && n < c.weeks; --d)
            if (detail::iso_weekday(d) == wd) ++n;
        weeks_of[wd] = n;
    }
    for (const auto& s : out.history) {
        if (s.day <= last - 7 * c.weeks) continue;  // older than the last `weeks` of its weekday
        auto& a = sums[{s.channel, s.weekday, s.time}];
        a.arrivals += s.arrivals;
        if (s.aht_s == s.aht_s) a.handle += s.aht_s * s.arrivals, a.with_aht += s.arrivals;
    }
    for (const auto& [key, a] : sums) {
        slot_need f;
        std::tie(f.channel, f.weekday, f.time) = key;
        f.weeks = weeks_of[f.weekday];
        f.arrivals = a.arrivals / f.weeks;
        f.aht_s = a.with_aht > 0 ? a.handle / a.with_aht : stats::nan;
        detail::staff(f, out, c.interval_s);
        out.forecast.push_back(std::move(f));
    }
    if (range) {
        const std::int64_t from = detail::day_number(range->first),
                           to = detail::day_number(range->second);
        if (to < from)
            throw std::invalid_argument("plan range ends before it starts: " + range->first +
                                        " to " + range->second);
        if (to - from > 366)
            throw std::invalid_argument("plan range longer than a year: " + range->first + " to " +
                                        range->second);
        for (std::int64_t d = from; d <= to; ++d) {
            const std::string date = detail::date_text(d);
            const int wd = detail::iso_weekday(d);
            for (const auto& f : out.forecast) {
                if (f.weekday != wd) continue;
                slot_need p = f;
                p.date = date;
                p.day = d;
                out.plan.push_back(std::move(p));
            }
        }
        std::stable_sort(
            out.plan.begin(), out.plan.end(), [](const slot_need& a, const slot_need& b) {
                return std::tie(a.day, a.time, a.channel) < std::tie(b.day, b.time, b.channel);
            });
    }
    return out;
}

/// One slot as JSON (null for undefined numbers).
inline json slot_json(const slot_need& s, bool history) {
    json j;
    j["channel"] = s.channel;
    if (!s.date.empty()) j["date"] = s.date;
    j["weekday"] = s.weekday;
    j["time"] = s.time;
    j["arrivals"] = s.arrivals;
    j["aht_s"] = cskpi::detail::num_or_null(s.aht_s);
    j["traffic"] = cskpi::detail::num_or_null(s.need ? s.traffic : stats::nan);
    j["target"] = s.target;
    j["within_s"] = s.within_s;
    j["agents"] = s.need ? json(s.need->agents) : json(nullptr);
    j["scheduled"] = s.need ? json(s.need->scheduled) : json(nullptr);
    j["expected_service_level"] =
        s.need ? cskpi::detail::num_or_null(s.need->figures.service_level) : json(nullptr);
    j["occupancy"] = s.need ? cskpi::detail::num_or_null(s.need->figures.occupancy) : json(nullptr);
    if (history)
        for (std::size_t i = 0; i < s.service_level.size(); ++i)
            j[service_level_variants()[i]] = cskpi::detail::num_or_null(s.service_level[i]);
    else if (s.weeks > 0)
        j["weeks"] = s.weeks;
    return j;
}

/// The whole result as JSON: the settings used, history, forecast and plan.
inline json plan_json(const plan_result& r, const staffing_config& c) {
    json j;
    j["staffing"] = c.to_json();
    j["model"] = c.patience_s ? "erlang_a" : "erlang_c";
    j["data"] = {{"first_date", r.first_date}, {"last_date", r.last_date}};
    json channels = json::object();
    for (const auto& [ch, cc] : r.channels) {
        json x = {{"service_level", cc.service_level},
                  {"within_s", cc.within_s},
                  {"short_abandon_s", cc.short_abandon_s},
                  {"max_occupancy", cc.max_occupancy},
                  {"shrinkage", cc.shrinkage},
                  {"model", cc.patience_s ? "erlang_a" : "erlang_c"}};
        x["patience_s"] = cc.patience_s ? json(*cc.patience_s) : json(nullptr);
        if (const auto f = r.concurrency.find(ch); f != r.concurrency.end())
            x["concurrency"] = f->second.to_json();
        channels[ch] = std::move(x);
    }
    j["channels"] = std::move(channels);
    json lw = json::object();
    for (const auto& [ch, v] : r.last_week) {
        json x = json::object();
        for (std::size_t i = 0; i < v.size(); ++i)
            x[service_level_variants()[i]] = {
                {"value", v[i].second > 0 ? json(v[i].first / v[i].second) : json(nullptr)},
                {"num", v[i].first},
                {"den", v[i].second}};
        lw[ch] = std::move(x);
    }
    j["last_week"] = std::move(lw);
    for (auto [name, rows, hist] :
         {std::tuple{"history", &r.history, true}, std::tuple{"forecast", &r.forecast, false},
          std::tuple{"plan", &r.plan, false}}) {
        json a = json::array();
        for (const auto& s : *rows) a.push_back(slot_json(s, hist));
        j[name] = std::move(a);
    }
    return j;
}

/// Reads the interactions once with `run(opt, by)` (a run_report over a file or frame), grouped
/// by channel and the interval key, measuring the handle-time inflation of concurrent channels
/// on the way; the report (input accounting) and the plan.
template <class Run>
std::pair<report, plan_result> run_staffing(
    const config& cfg, run_options opt, Run&& run,
    std::optional<std::pair<std::string, std::string>> range = {}) {
    const staffing_config& c = cfg.staffing;
    if (range)
        (void)detail::day_number(range->first),
            (void)detail::day_number(range->second);  // before reading
    concurrency_collector spans(c);
    if (spans.measuring()) opt.batch_sink = [&](const interaction_batch& b) { spans.add(b); };
    report rep = run(opt, std::vector<group_key>{group_key::channel, interval_key(c.interval_s)});
    plan_result p = plan(rep, c, std::move(range), spans.finish());
    return {std::move(rep), std::move(p)};
}

}  // namespace cskpi::staffing
