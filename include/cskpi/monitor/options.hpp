#pragma once
// The "monitor" configuration (spec section 17): windows, the exact limit and the sketch's
// relative error, late-event tolerance, memory bounds, and alert rules.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../config/config.hpp"
#include "../detail/text.hpp"

namespace cskpi::live {

/// The values a monitor reports: "now" values describe the queue at the instant, the others a
/// window.
struct metric_info {
    const char* name;
    bool now;             ///< a now-state value (no window)
    const char* n_of;     ///< the count min_n applies to
    const char* meaning;  ///< for docs and help
};
inline const std::vector<metric_info>& metric_infos() {
    static const std::vector<metric_info> m = {
        {"queue_length", true, "queue_length",
         "interactions waiting for an answer now (an open wait; not resolved, not abandoned)"},
        {"longest_wait_s", true, "queue_length",
         "the longest current wait, seconds (now - its oldest unanswered customer message)"},
        {"open", true, "queue_length", "interactions neither resolved nor abandoned"},
        {"interactions", false, "interactions", "arrivals: interactions created in the window"},
        {"answered", false, "interactions", "arrivals with a first response"},
        {"abandoned", false, "interactions", "arrivals with abandoned true"},
        {"answer_rate", false, "interactions", "answered / interactions"},
        {"abandonment_rate", false, "interactions", "abandoned / interactions"},
        {"frt_median", false, "answered",
         "first-response time of answered arrivals, type-7 median"},
        {"frt_p90", false, "answered",
         "first-response time of answered arrivals, type-7 90th percentile"},
        {"sla_first_response", false, "sla_first_response_den",
         "first-response SLA achieved / (achieved + breached)"},
        {"sla_first_response_active", false, "interactions",
         "first-response SLA targets still running"},
        {"csat", false, "csat_responses", "ratings >= csat.satisfied_min / ratings"},
        {"csat_mean", false, "csat_responses", "mean rating"},
        {"csat_responses", false, "interactions", "arrivals with a rating"},
    };
    return m;
}
inline const metric_info* find_metric(const std::string& name) {
    for (const auto& m : metric_infos())
        if (name == m.name) return &m;
    return nullptr;
}

/// An alert rule: raised when `metric op threshold` has held for for_s, cleared when it has
/// not held for for_s. Below min_n the condition does not hold.
struct alert_rule {
    std::string name, metric, window;  ///< window: a window name; "now" for now-state metrics
    std::optional<std::string> channel, team;  ///< the scope; unset = all
    std::string op;
    double threshold = 0, for_s = 0;
    std::int64_t min_n = 0;

    bool holds(double v) const {
        if (v != v) return false;  // undefined values never hold
        if (op == ">") return v > threshold;
        if (op == ">=") return v >= threshold;
        if (op == "<") return v < threshold;
        return v <= threshold;
    }
};

struct monitor_options {
    std::vector<std::int64_t> windows_s = {900,
                                           3600};  ///< sliding windows; "today" is always there
    std::int64_t bucket_s = 60;                    ///< slot length: windows move by whole slots
    std::size_t exact_limit = 10000;               ///< durations kept per slot before the sketch
    double relative_error = 0.01;                  ///< the sketch's α
    double late_tolerance_s = 60;                  ///< older events are counted as late
    double idle_s = 86400;                         ///< an open interaction idle this long is let go
    std::size_t max_live = 1000000;  ///< interactions held at most (oldest idle let go)
    std::size_t shards = 16;
    std::vector<alert_rule> alerts;

    /// Window names: "15m" for 900 s, "90s" for 90 s, "2h" for 7200 s; then "today".
    std::vector<std::string> window_names() const {
        std::vector<std::string> n;
        for (auto s : windows_s)
            n.push_back(s % 3600 == 0 && s > 3600 ? std::to_string(s / 3600) + "h"
                        : s % 60 == 0             ? std::to_string(s / 60) + "m"
                                                  : std::to_string(s) + "s");
        n.push_back("today");
        return n;
    }

    static monitor_options from_config(const config& cfg) {
        monitor_options o;
        if (cfg.monitor.is_null()) return o;
        using namespace cskpi::detail;
        const json& m = cfg.monitor;
        expect_object(m, "monitor");
        for (const auto& [k, v] : m.items()) {
            const std::string p = "monitor." + k;
            if (k == "windows_s") {
                if (!v.is_array() || v.empty())
                    throw config_error(p, "expected a non-empty list of seconds");
                o.windows_s.clear();
                for (std::size_t i = 0; i < v.size(); ++i)
                    o.windows_s.push_back(get_int(v[i], p + "[" + std::to_string(i) + "]"));
            } else if (k == "bucket_s")
                o.bucket_s = get_int(v, p);
            else if (k == "exact_limit")
                o.exact_limit = static_cast<std::size_t>(get_int(v, p));
            else if (k == "relative_error")
                o.relative_error = get_number(v, p);
            else if (k == "late_tolerance_s")
                o.late_tolerance_s = get_seconds(v, p);
            else if (k == "idle_s")
                o.idle_s = get_seconds(v, p);
            else if (k == "max_live")
                o.max_live = static_cast<std::size_t>(get_int(v, p));
            else if (k == "shards")
                o.shards = static_cast<std::size_t>(get_int(v, p));
            else if (k == "alerts") {
                if (!v.is_array()) throw config_error(p, "expected a list of alert rules");
                for (std::size_t i = 0; i < v.size(); ++i)
                    o.alerts.push_back(read_rule(v[i], p + "[" + std::to_string(i) + "]", o));
            } else
                unknown_key(p, {"windows_s", "bucket_s", "exact_limit", "relative_error",
                                "late_tolerance_s", "idle_s", "max_live", "shards", "alerts"});
        }
        if (o.bucket_s <= 0)
            throw config_error("monitor.bucket_s", "expected a positive number of seconds");
        for (std::size_t i = 0; i < o.windows_s.size(); ++i)
            if (o.windows_s[i] <= 0 || o.windows_s[i] % o.bucket_s != 0)
                throw config_error("monitor.windows_s[" + std::to_string(i) + "]",
                                   "expected a positive multiple of bucket_s (" +
                                       std::to_string(o.bucket_s) + ")");
        if (!(o.relative_error > 0 && o.relative_error < 0.5))
            throw config_error("monitor.relative_error", "expected a value in (0, 0.5)");
        if (o.shards == 0 || o.shards > 1024)
            throw config_error("monitor.shards", "expected 1..1024");
        for (const auto& r : o.alerts) {  // window names are known only now
            const auto names = o.window_names();
            if (!find_metric(r.metric)->now &&
                std::find(names.begin(), names.end(), r.window) == names.end())
                throw config_error(
                    "monitor.alerts (" + r.name + ").window",
                    "unknown window '" + r.window + "'; expected one of " + join_names(names));
        }
        return o;
    }

private:
    static alert_rule read_rule(const json& v, const std::string& p, const monitor_options&) {
        using namespace cskpi::detail;
        expect_object(v, p);
        alert_rule r;
        for (const auto& [k, x] : v.items()) {
            const std::string kp = p + "." + k;
            if (k == "name")
                r.name = get_string(x, kp);
            else if (k == "metric")
                r.metric = get_string(x, kp);
            else if (k == "window")
                r.window = get_string(x, kp);
            else if (k == "op")
                r.op = get_string(x, kp);
            else if (k == "threshold")
                r.threshold = get_number(x, kp, false);
            else if (k == "for_s")
                r.for_s = get_seconds(x, kp);
            else if (k == "min_n")
                r.min_n = get_int(x, kp);
            else if (k == "scope") {
                expect_object(x, kp);
                for (const auto& [sk, sv] : x.items()) {
                    if (sk == "channel")
                        r.channel = get_string(sv, kp + ".channel");
                    else if (sk == "team")
                        r.team = get_string(sv, kp + ".team");
                    else
                        unknown_key(kp + "." + sk, {"channel", "team"});
                }
            } else
                unknown_key(
                    kp, {"name", "metric", "scope", "window", "op", "threshold", "for_s", "min_n"});
        }
        const metric_info* m = find_metric(r.metric);
        if (!m) {
            std::vector<std::string> names;
            for (const auto& i : metric_infos()) names.push_back(i.name);
            throw config_error(p + ".metric",
                               "unknown metric '" + r.metric + "'" + did_you_mean(r.metric, names));
        }
        if (m->now)
            r.window = "now";
        else if (r.window.empty())
            throw config_error(p + ".window", "required for metric " + r.metric);
        if (r.op != ">" && r.op != ">=" && r.op != "<" && r.op != "<=")
            throw config_error(p + ".op", "expected one of >, >=, <, <=");
        if (!v.contains("threshold")) throw config_error(p + ".threshold", "required");
        if (r.name.empty())
            r.name = r.metric + " " + r.op + " " + cskpi::detail::number_text(r.threshold);
        return r;
    }
};

}  // namespace cskpi::live
