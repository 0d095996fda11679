#pragma once
// A snapshot as JSON, and in the Prometheus text exposition format (version 0.0.4):
// https://prometheus.io/docs/instrumenting/exposition_formats/
// Scopes are labels: the overall row has none, a channel row `channel`, a team row `team`.
#include <cmath>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../detail/text.hpp"
#include "../time.hpp"
#include "snapshot.hpp"

namespace cskpi::live {

namespace detail {
inline nlohmann::json num(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}
inline nlohmann::json opt(const std::optional<std::string>& s) {
    return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
}

/// A label value with \, " and newline escaped, as the exposition format requires.
inline std::string label_value(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '\\')
            o += "\\\\";
        else if (c == '"')
            o += "\\\"";
        else if (c == '\n')
            o += "\\n";
        else
            o += c;
    }
    return o;
}
/// A sample value: Go-style NaN, or the shortest text that reads back to the same double.
inline std::string sample(double v) {
    return std::isnan(v) ? "NaN" : cskpi::detail::number_text(v);
}
}  // namespace detail

/// The alert event as JSON (also what the Python list holds).
inline nlohmann::json to_json(const alert_event& e) {
    return {{"rule", e.rule},
            {"kind", e.kind},
            {"at", format_utc(e.at)},
            {"metric", e.metric},
            {"window", e.window},
            {"op", e.op},
            {"channel", detail::opt(e.channel)},
            {"team", detail::opt(e.team)},
            {"value", detail::num(e.value)},
            {"threshold", e.threshold},
            {"n", e.n}};
}

inline nlohmann::json to_json(const snapshot& s) {
    using nlohmann::json;
    json rows = json::array();
    for (const scope_row& r : s.rows) {
        json w = json::object();
        for (std::size_t i = 0; i < s.window_names.size(); ++i) {
            const window_values& v = r.windows[i];
            w[s.window_names[i]] = {{"from", format_utc(v.from)},
                                    {"interactions", v.interactions},
                                    {"answered", v.answered},
                                    {"abandoned", v.abandoned},
                                    {"answer_rate", detail::num(v.answer_rate)},
                                    {"abandonment_rate", detail::num(v.abandonment_rate)},
                                    {"frt_median", detail::num(v.frt_median)},
                                    {"frt_p90", detail::num(v.frt_p90)},
                                    {"frt_exact", v.exact},
                                    {"sla_first_response", detail::num(v.sla_first_response)},
                                    {"sla_first_response_num", v.sla_achieved},
                                    {"sla_first_response_den", v.sla_achieved + v.sla_breached},
                                    {"sla_first_response_active", v.sla_active},
                                    {"csat", detail::num(v.csat)},
                                    {"csat_mean", detail::num(v.csat_mean)},
                                    {"csat_responses", v.csat_responses}};
        }
        rows.push_back({{"channel", detail::opt(r.channel)},
                        {"team", detail::opt(r.team)},
                        {"now",
                         {{"queue_length", r.now.queue_length},
                          {"longest_wait_s", detail::num(r.now.longest_wait_s)},
                          {"open", r.now.open}}},
                        {"windows", w}});
    }
    json alerts = json::array(), active = json::array();
    for (const auto& e : s.alerts) alerts.push_back(to_json(e));
    for (const auto& a : s.active_alerts)
        active.push_back({{"rule", a.rule},
                          {"since", format_utc(a.since)},
                          {"value", detail::num(a.value)},
                          {"n", a.n}});
    const monitor_counts& c = s.counts;
    return {{"at", format_utc(s.at)},
            {"windows", s.window_names},
            {"counts",
             {{"events", c.events},
              {"rejected", c.rejected},
              {"late", c.late},
              {"early", c.early},
              {"unscoped", c.unscoped},
              {"live", c.live},
              {"released_idle", c.released_idle},
              {"released_capacity", c.released_capacity}}},
            {"scopes", rows},
            {"alert_events", alerts},
            {"active_alerts", active}};
}

/// The Prometheus text format: gauges per scope (and window), counters for the run's counts.
inline std::string to_prometheus(const snapshot& s) {
    std::ostringstream o;
    auto labels = [](const scope_row& r, const std::string& extra) {
        std::string l;
        auto add = [&](const std::string& kv) { l += (l.empty() ? "" : ",") + kv; };
        if (r.channel) add("channel=\"" + detail::label_value(*r.channel) + "\"");
        if (r.team) add("team=\"" + detail::label_value(*r.team) + "\"");
        if (!extra.empty()) add(extra);
        return l.empty() ? std::string() : "{" + l + "}";
    };
    auto family = [&](const char* name, const char* type, const char* help) {
        o << "# HELP cskpi_" << name << ' ' << help << "\n# TYPE cskpi_" << name << ' ' << type
          << '\n';
    };
    family("queue_length", "gauge", "Interactions waiting for an answer now.");
    for (const auto& r : s.rows)
        o << "cskpi_queue_length" << labels(r, "") << ' ' << r.now.queue_length << '\n';
    family("longest_wait_seconds", "gauge",
           "The longest current wait in seconds (NaN when nobody waits).");
    for (const auto& r : s.rows)
        o << "cskpi_longest_wait_seconds" << labels(r, "") << ' '
          << detail::sample(r.now.longest_wait_s) << '\n';
    family("open_interactions", "gauge", "Interactions neither resolved nor abandoned.");
    for (const auto& r : s.rows)
        o << "cskpi_open_interactions" << labels(r, "") << ' ' << r.now.open << '\n';
    struct per_window {
        const char* name;
        const char* help;
        double (*get)(const window_values&);
    };
    static const per_window gauges[] = {
        {"arrivals", "Interactions created in the window.",
         [](const window_values& v) { return double(v.interactions); }},
        {"answered", "Arrivals with a first response.",
         [](const window_values& v) { return double(v.answered); }},
        {"abandoned", "Arrivals abandoned.",
         [](const window_values& v) { return double(v.abandoned); }},
        {"abandonment_rate", "Abandoned / arrivals.",
         [](const window_values& v) { return v.abandonment_rate; }},
        {"sla_first_response_ratio", "First-response SLA achieved / (achieved + breached).",
         [](const window_values& v) { return v.sla_first_response; }},
        {"sla_first_response_active", "First-response SLA targets still running.",
         [](const window_values& v) { return double(v.sla_active); }},
        {"csat_ratio", "Ratings at or above csat.satisfied_min / ratings.",
         [](const window_values& v) { return v.csat; }},
        {"csat_responses", "Arrivals with a rating.",
         [](const window_values& v) { return double(v.csat_responses); }},
    };
    for (const auto& g : gauges) {
        family(g.name, "gauge", g.help);
        for (const auto& r : s.rows)
            for (std::size_t w = 0; w < s.window_names.size(); ++w)
                o << "cskpi_" << g.name << labels(r, "window=\"" + s.window_names[w] + "\"") << ' '
                  << detail::sample(g.get(r.windows[w])) << '\n';
    }
    family("frt_seconds", "gauge", "First-response time of answered arrivals: type-7 quantiles.");
    for (const auto& r : s.rows)
        for (std::size_t w = 0; w < s.window_names.size(); ++w) {
            const std::string win = "window=\"" + s.window_names[w] + "\"";
            o << "cskpi_frt_seconds" << labels(r, win + ",quantile=\"0.5\"") << ' '
              << detail::sample(r.windows[w].frt_median) << '\n';
            o << "cskpi_frt_seconds" << labels(r, win + ",quantile=\"0.9\"") << ' '
              << detail::sample(r.windows[w].frt_p90) << '\n';
        }
    family("events_total", "counter", "Events by what became of them.");
    const monitor_counts& c = s.counts;
    const std::pair<const char*, std::int64_t> outcomes[] = {
        {"applied", c.events}, {"rejected", c.rejected}, {"late", c.late}, {"early", c.early}};
    for (const auto& [k, v] : outcomes)
        o << "cskpi_events_total{outcome=\"" << k << "\"} " << v << '\n';
    family("live_interactions", "gauge", "Interactions the monitor holds.");
    o << "cskpi_live_interactions " << c.live << '\n';
    family("released_interactions_total", "counter", "Interactions let go, by reason.");
    o << "cskpi_released_interactions_total{reason=\"idle\"} " << c.released_idle << '\n';
    o << "cskpi_released_interactions_total{reason=\"capacity\"} " << c.released_capacity << '\n';
    family("alert_active", "gauge", "1 while an alert rule is raised.");
    for (const auto& a : s.active_alerts)
        o << "cskpi_alert_active{rule=\"" << detail::label_value(a.rule) << "\"} 1\n";
    return o.str();
}

}  // namespace cskpi::live
