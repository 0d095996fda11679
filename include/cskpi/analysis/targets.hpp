#pragma once
// Targets and pacing (spec section 12): annual, quarterly or monthly targets split into quarters
// and months, each sub-period's actual to date, attainment, elapsed share, forecast, the rate
// needed on the rest of the period, and a status. Actuals come from reports grouped by the
// target's scope keys and the sub-period key, read once for every target (docs/TARGETS.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <date/date.h>

#include "../config/config.hpp"
#include "../detail/suggest.hpp"
#include "../report/report.hpp"
#include "../scorecard/scorecard.hpp"
#include "../time.hpp"
#include "../timeline/calendar.hpp"

namespace cskpi::analysis {

enum class split_kind { equal, days, business_days, history, constant, glide };

struct target_spec {
    std::string metric;
    std::vector<std::pair<group_key, std::string>> scope;  ///< key = value, all must hold
    std::string period;                                    ///< 2027, 2027-Q1 or 2027-03
    double value = 0;
    split_kind split = split_kind::equal;
    std::optional<double> start;  ///< glide: the level of the first sub-period
};

/// Is `metric` a total (split over sub-periods) rather than a level? Counts, sums and `_num`.
inline bool is_total(const std::string& metric) {
    if (metric == "sales_total") return true;
    if (metric.size() > 4 && metric.compare(metric.size() - 4, 4, "_num") == 0) return true;
    for (const auto& m : metric_table())
        if (metric == m.name) return m.kind == metric_kind::count;
    return false;
}

/// +1 when higher is better, -1 when lower is (section 12's list, durations), unless the
/// scorecard `card` names the metric with its own direction.
inline int direction_of(const std::string& metric, const scorecard* card = nullptr) {
    if (card)
        for (const auto& k : card->kpis)
            if (k.metric == metric) return k.higher_better ? 1 : -1;
    static const char* lower[] = {"abandonment_rate",   "reopen_rate",  "transfer_rate",
                                  "complaint_rate",     "dispute_rate", "refund_rate",
                                  "bot_escalation_rate"};
    for (const char* l : lower)
        if (metric == l) return -1;
    return cskpi::detail::table_kind(metric) == 2 ? -1 : 1;
}

struct targets_config {
    std::vector<target_spec> targets;
    double tolerance = 0.05;

    /// Reads "targets" and "targets_tolerance" of a configuration document. Throws config_error
    /// naming the key path (e.g. "targets[1].metric").
    static targets_config from_json(const json& root) {
        targets_config out;
        if (!root.is_object()) return out;
        if (root.contains("targets_tolerance")) {
            const json& t = root["targets_tolerance"];
            if (!t.is_number() || t.get<double>() < 0)
                throw config_error("targets_tolerance", "expected a number >= 0");
            out.tolerance = t.get<double>();
        }
        if (!root.contains("targets")) return out;
        const json& ts = root["targets"];
        if (!ts.is_array()) throw config_error("targets", "expected an array of targets");
        std::vector<std::string> columns;
        for (const auto& c : metric_catalogue()) columns.push_back(c.name);
        for (std::size_t i = 0; i < ts.size(); ++i) {
            const std::string p = "targets[" + std::to_string(i) + "]";
            const json& t = ts[i];
            if (!t.is_object()) throw config_error(p, "expected an object");
            for (const auto& [k, v] : t.items())
                if (k != "metric" && k != "scope" && k != "period" && k != "value" &&
                    k != "split" && k != "start")
                    throw config_error(
                        p + "." + k,
                        "unknown key; expected metric, scope, period, value, split, start");
            target_spec s;
            if (!t.contains("metric") || !t["metric"].is_string())
                throw config_error(p + ".metric", "required: a report column");
            s.metric = t["metric"].get<std::string>();
            if (std::find(columns.begin(), columns.end(), s.metric) == columns.end())
                throw config_error(p + ".metric",
                                   "unknown metric '" + s.metric + "'" +
                                       cskpi::detail::did_you_mean(s.metric, columns));
            if (!t.contains("period") || !t["period"].is_string())
                throw config_error(p + ".period", "required: 2027, 2027-Q1 or 2027-03");
            s.period = t["period"].get<std::string>();
            (void)period_bounds(s.period, p + ".period");
            if (!t.contains("value") || !t["value"].is_number())
                throw config_error(p + ".value", "required: a number");
            s.value = t["value"].get<double>();
            const bool total = is_total(s.metric);
            const std::string split = t.contains("split") && t["split"].is_string()
                                          ? t["split"].get<std::string>()
                                      : total ? "equal"
                                              : "constant";
            static const std::map<std::string, split_kind> kinds = {
                {"equal", split_kind::equal},
                {"days", split_kind::days},
                {"business_days", split_kind::business_days},
                {"history", split_kind::history},
                {"constant", split_kind::constant},
                {"glide", split_kind::glide}};
            const auto k = kinds.find(split);
            if (k == kinds.end()) throw config_error(p + ".split", "unknown split '" + split + "'");
            s.split = k->second;
            const bool level_split =
                s.split == split_kind::constant || s.split == split_kind::glide;
            if (total == level_split)
                throw config_error(
                    p + ".split",
                    "'" + split + "' does not apply to " + (total ? "a total" : "a level") + " (" +
                        s.metric + "): " +
                        (total ? "equal, days, business_days or history" : "constant or glide"));
            if (t.contains("start")) {
                if (!t["start"].is_number()) throw config_error(p + ".start", "expected a number");
                s.start = t["start"].get<double>();
            }
            if (s.split == split_kind::glide && !s.start)
                throw config_error(p + ".start", "required with split glide");
            if (t.contains("scope")) {
                const json& sc = t["scope"];
                if (!sc.is_object())
                    throw config_error(p + ".scope", "expected an object of key: value");
                for (const auto& [key, v] : sc.items()) {
                    const auto keys = parse_group_keys({key});
                    if (is_time_key(keys[0]))
                        throw config_error(
                            p + ".scope." + key,
                            "a scope names agent, team, channel, category or priority");
                    if (!v.is_string())
                        throw config_error(p + ".scope." + key, "expected a string");
                    s.scope.emplace_back(keys[0], v.get<std::string>());
                }
            }
            out.targets.push_back(std::move(s));
        }
        return out;
    }

    /// The period's key (year, quarter, month) and its first and last day.
    static std::pair<group_key, std::pair<date::sys_days, date::sys_days>> period_bounds(
        const std::string& label, const std::string& path) {
        for (group_key k : {group_key::year, group_key::quarter, group_key::month})
            if (const auto days = period_of_label(k, label)) return {k, *days};
        throw config_error(
            path, "period '" + label + "' does not parse: expected 2027, 2027-Q1 or 2027-03");
    }
};

/// One target in one (sub-)period.
struct target_row {
    std::size_t index = 0;              ///< of the target in the configuration's targets
    std::string metric, period, level;  ///< level: year, quarter or month
    std::vector<std::pair<group_key, std::string>> scope;
    bool total = false;
    int better = 1;
    double target = stats::nan, actual = stats::nan, attainment = stats::nan, elapsed = stats::nan;
    double expected_to_date = stats::nan, forecast = stats::nan, required_rest = stats::nan;
    bool unreachable = false;
    std::string status;
};

struct targets_result {
    micros as_of = 0;
    std::string as_of_text;
    double tolerance = 0.05;
    std::vector<target_row> rows;

    json to_json() const {
        json rs = json::array();
        for (const auto& r : rows) {
            json scope = json::object();
            for (const auto& [k, v] : r.scope) scope[std::string(name_of(k))] = v;
            rs.push_back({{"target_index", r.index},
                          {"metric", r.metric},
                          {"scope", scope},
                          {"period", r.period},
                          {"level", r.level},
                          {"kind", r.total ? "total" : "level"},
                          {"direction", r.better > 0 ? "higher" : "lower"},
                          {"target", cskpi::detail::num_or_null(r.target)},
                          {"actual", cskpi::detail::num_or_null(r.actual)},
                          {"attainment", cskpi::detail::num_or_null(r.attainment)},
                          {"elapsed", cskpi::detail::num_or_null(r.elapsed)},
                          {"expected_to_date", cskpi::detail::num_or_null(r.expected_to_date)},
                          {"forecast", cskpi::detail::num_or_null(r.forecast)},
                          {"required_rest", cskpi::detail::num_or_null(r.required_rest)},
                          {"unreachable", r.unreachable},
                          {"status", r.status}});
        }
        return {{"cskpi", {{"version", version}}},
                {"as_of", as_of_text},
                {"tolerance", tolerance},
                {"targets", rs}};
    }

    /// One line per row; scope as key=value joined by ';'.
    void write_csv(std::ostream& os) const {
        os << "metric,scope,period,level,kind,direction,target,actual,attainment,elapsed,expected_"
              "to_date,forecast,"
              "required_rest,unreachable,status\n";
        for (const auto& r : rows) {
            std::string scope;
            for (const auto& [k, v] : r.scope)
                scope += (scope.empty() ? "" : ";") + std::string(name_of(k)) + "=" + v;
            os << cskpi::detail::csv_field(r.metric) << ','
               << cskpi::detail::csv_field(scope, cskpi::detail::is_for_people(os)) << ','
               << r.period << ',' << r.level << ',' << (r.total ? "total" : "level") << ','
               << (r.better > 0 ? "higher" : "lower") << ',' << cskpi::detail::number_text(r.target)
               << ',' << cskpi::detail::number_text(r.actual) << ','
               << cskpi::detail::number_text(r.attainment) << ','
               << cskpi::detail::number_text(r.elapsed) << ','
               << cskpi::detail::number_text(r.expected_to_date) << ','
               << cskpi::detail::number_text(r.forecast) << ','
               << cskpi::detail::number_text(r.required_rest) << ','
               << (r.unreachable ? "true" : "false") << ',' << r.status << '\n';
        }
    }
};

namespace detail {

/// A sub-period: its label (as the report's time key writes it), key and days.
struct sub_period {
    std::string label;
    group_key key;
    date::sys_days first, last;
};

inline std::vector<sub_period> sub_periods(const target_spec& t) {
    using namespace date;
    const auto [key, days] = targets_config::period_bounds(t.period, "period");
    std::vector<sub_period> out;
    char buf[16];
    out.push_back({t.period, key, days.first, days.second});
    const year_month_day a{days.first};
    const int y = static_cast<int>(a.year());
    if (key == group_key::year)
        for (unsigned q = 1; q <= 4; ++q) {
            std::snprintf(buf, sizeof buf, "%04d-Q%u", y, q);
            out.push_back({buf, group_key::quarter, sys_days{year{y} / month{3 * q - 2} / 1},
                           sys_days{year{y} / month{3 * q} / last}});
        }
    if (key != group_key::month) {
        const unsigned m0 = static_cast<unsigned>(a.month()),
                       m1 = static_cast<unsigned>(year_month_day{days.second}.month());
        for (unsigned m = m0; m <= m1; ++m) {
            std::snprintf(buf, sizeof buf, "%04d-%02u", y, m);
            out.push_back({buf, group_key::month, sys_days{year{y} / month{m} / 1},
                           sys_days{year{y} / month{m} / last}});
        }
    }
    return out;
}

inline const char* level_name(group_key k) {
    return k == group_key::year ? "year" : k == group_key::quarter ? "quarter" : "month";
}

}  // namespace detail

/// Where the pacing of `targets` reads its actuals: for each target, its scope keys plus each
/// of `periods` (the history input of split "history" needs the month only).
inline std::vector<std::vector<group_key>> target_groupings(
    const targets_config& tc, std::initializer_list<group_key> periods = {
                                  group_key::year, group_key::quarter, group_key::month}) {
    std::vector<std::vector<group_key>> out;
    auto add = [&](std::vector<group_key> g) {
        if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(std::move(g));
    };
    for (const auto& t : tc.targets) {
        std::vector<group_key> keys;
        for (const auto& [k, v] : t.scope) keys.push_back(k);
        for (group_key p : periods) {
            auto g = keys;
            g.push_back(p);
            add(g);
        }
    }
    return out;
}

namespace detail {
/// The group of `rep` (grouped by scope keys + one time key) matching `scope` and `label`.
inline const report_group* find_group(const report& rep,
                                      const std::vector<std::pair<group_key, std::string>>& scope,
                                      const std::string& label) {
    for (std::size_t i = 1; i < rep.groups.size(); ++i) {
        const auto& g = rep.groups[i];
        bool ok = g.keys.back() && *g.keys.back() == label;
        for (std::size_t k = 0; ok && k < scope.size(); ++k)
            ok = g.keys[k] && *g.keys[k] == scope[k].second;
        if (ok) return &g;
    }
    return nullptr;
}

inline const report* find_report(const std::vector<report>& reps,
                                 const std::vector<std::pair<group_key, std::string>>& scope,
                                 group_key time_key) {
    std::vector<group_key> want;
    for (const auto& [k, v] : scope) want.push_back(k);
    want.push_back(time_key);
    for (const auto& r : reps)
        if (r.by == want) return &r;
    return nullptr;
}

/// The mean and its count for the means that have a count column (others: nullopt).
inline std::optional<std::pair<double, double>> mean_and_n(const report_group& g,
                                                           const std::string& metric) {
    static const std::map<std::string, std::string> n_of = {{"csat_mean", "csat_responses"},
                                                            {"ces_mean", "ces_responses"}};
    const auto it = n_of.find(metric);
    if (it == n_of.end()) return std::nullopt;
    return std::pair{g.metric(metric), g.metric(it->second)};
}
}  // namespace detail

/// Pacing of every target at `as_of`. `reps` holds the reports of target_groupings(tc) (any
/// order, more allowed); `history` those of a history input for split "history" (may be empty
/// when no target uses it); `cal` the calendar of split "business_days".
inline targets_result pace(const targets_config& tc, const std::vector<report>& reps,
                           const std::vector<report>& history, micros as_of, const time_zone& tz,
                           const timeline::calendar* cal = nullptr,
                           const scorecard* card = nullptr) {
    targets_result out;
    out.as_of = as_of;
    out.tolerance = tc.tolerance;
    auto local_midnight = [&](date::sys_days d) {
        return tz.to_utc(d.time_since_epoch().count() * 86400 * us_per_s);
    };
    for (std::size_t ti = 0; ti < tc.targets.size(); ++ti) {
        const target_spec& t = tc.targets[ti];
        const bool total = is_total(t.metric);
        const int better = direction_of(t.metric, card);
        const auto subs = detail::sub_periods(t);
        // Weights of the sub-periods of each level (totals), from their days, business days or
        // history.
        auto weight = [&](const detail::sub_period& s) -> double {
            switch (t.split) {
                case split_kind::equal:
                    return 1;
                case split_kind::days:
                    return static_cast<double>((s.last - s.first).count() + 1);
                case split_kind::business_days: {
                    double n = 0;
                    for (auto d = s.first; d <= s.last; d += date::days{1})
                        n += cal->business_seconds(local_midnight(d),
                                                   local_midnight(d + date::days{1})) > 0;
                    return n;
                }
                case split_kind::history: {
                    // The same months of any year in the history input (a quarter: its three
                    // months).
                    const report* h = detail::find_report(history, t.scope, group_key::month);
                    double v = 0;
                    const unsigned m0 =
                        static_cast<unsigned>(date::year_month_day{s.first}.month());
                    const unsigned m1 = static_cast<unsigned>(date::year_month_day{s.last}.month());
                    if (h)
                        for (std::size_t i = 1; i < h->groups.size(); ++i) {
                            const auto& g = h->groups[i];
                            bool ok = static_cast<bool>(g.keys.back());
                            for (std::size_t k = 0; ok && k < t.scope.size(); ++k)
                                ok = g.keys[k] && *g.keys[k] == t.scope[k].second;
                            if (!ok) continue;
                            const unsigned m =
                                static_cast<unsigned>(std::stoi(g.keys.back()->substr(5, 2)));
                            const double x = g.metric(t.metric);
                            if (m >= m0 && m <= m1 && !std::isnan(x)) v += x;
                        }
                    return v;
                }
                default:
                    return 1;
            }
        };
        std::map<group_key, double> level_total;
        std::map<group_key, int> level_count;
        for (const auto& s : subs) {
            level_total[s.key] += weight(s);
            ++level_count[s.key];
        }
        if (total)
            for (const auto& [k, w] : level_total)
                if (!(w > 0))
                    throw config_error(
                        "targets[" + std::to_string(ti) + "].split",
                        t.split == split_kind::history
                            ? "the history input has none of " + t.metric + " in " + t.period
                            : "no business day in " + t.period);
        std::map<group_key, int> index;
        for (const auto& s : subs) {
            target_row r;
            r.index = ti;
            r.metric = t.metric;
            r.period = s.label;
            r.level = detail::level_name(s.key);
            r.scope = t.scope;
            r.total = total;
            r.better = better;
            const int m = ++index[s.key], count = level_count[s.key];
            if (total)
                r.target = t.value * weight(s) / level_total[s.key];
            else if (t.split == split_kind::glide && count > 1)
                r.target = *t.start + (t.value - *t.start) * (m - 1) / (count - 1);
            else
                r.target = t.value;
            const report* rep = detail::find_report(reps, t.scope, s.key);
            const report_group* g = rep ? detail::find_group(*rep, t.scope, s.label) : nullptr;
            r.actual = g ? g->metric(t.metric) : (total ? 0.0 : stats::nan);
            // Elapsed share of the sub-period: business time for business_days, clock time else.
            const micros from = local_midnight(s.first),
                         to = local_midnight(s.last + date::days{1});
            if (as_of >= to)
                r.elapsed = 1;
            else if (as_of <= from)
                r.elapsed = 0;
            else if (t.split == split_kind::business_days) {
                const double all = cal->business_seconds(from, to);
                r.elapsed = all > 0 ? cal->business_seconds(from, as_of) / all : 0;
            } else {
                r.elapsed = static_cast<double>(as_of - from) / static_cast<double>(to - from);
            }
            const bool closed = r.elapsed >= 1;
            if (!std::isnan(r.actual) && !std::isnan(r.target))
                r.attainment = better > 0 ? (r.target != 0 ? r.actual / r.target : stats::nan)
                                          : (r.actual != 0 ? r.target / r.actual : stats::nan);
            if (total) {
                r.expected_to_date = r.target * r.elapsed;
                if (r.elapsed > 0) r.forecast = r.actual / r.elapsed;
                r.required_rest = r.target - r.actual;
            } else if (g && r.elapsed > 0 && !closed) {
                // The level needed on the rest of the sub-period, with its volume projected.
                double num = stats::nan, den = stats::nan;
                if (cskpi::detail::table_kind(t.metric) == 1) {
                    num = g->metric(t.metric + "_num"), den = g->metric(t.metric + "_den");
                } else if (const auto mn = detail::mean_and_n(*g, t.metric)) {
                    den = mn->second, num = mn->first * mn->second;
                }
                if (!std::isnan(den) && den > 0) {
                    const double projected = den / r.elapsed;
                    r.required_rest = (r.target * projected - num) / (projected - den);
                    if (cskpi::detail::table_kind(t.metric) == 1)
                        r.unreachable = r.required_rest < 0 || r.required_rest > 1;
                }
            }
            // Status: closed sub-periods are met or missed; open ones are judged on the
            // forecast (totals) or the level so far, with the tolerance as a relative miss.
            const double judged = total ? r.forecast : r.actual;
            if (r.elapsed <= 0)
                r.status = "not_started";
            else if (std::isnan(judged))
                r.status = "no_data";
            else {
                const bool attains = better > 0 ? judged >= r.target : judged <= r.target;
                const double miss = r.target != 0
                                        ? std::fabs(judged - r.target) / std::fabs(r.target)
                                        : std::numeric_limits<double>::infinity();
                if (closed)
                    r.status = attains ? "met" : "missed";
                else
                    r.status = attains                ? "on_track"
                               : miss <= tc.tolerance ? "at_risk"
                                                      : "off_track";
            }
            out.rows.push_back(std::move(r));
        }
    }
    return out;
}

}  // namespace cskpi::analysis
