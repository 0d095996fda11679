#pragma once
// The report columns an event log adds (section 11), in report order. Their own header so the
// scorecard can accept them as KPIs without depending on the event engine.
#include <string>
#include <vector>

#include "../stats.hpp"

namespace cskpi::timeline {

/// Names of the timeline columns. Rates carry five numbers as every rate of section 4 (value,
/// _num, _den, Wilson _ci_low/_ci_high); an SLA rate also _active.
inline const std::vector<std::string>& timeline_metrics() {
    static const std::vector<std::string> n = [] {
        std::vector<std::string> v = {"waits", "reply_time_mean", "reply_time_median", "reply_time_p90", "reply_time_max",
                                      "reply_time_interaction_mean", "rounds"};
        auto rate = [&](const std::string& name) {
            for (const char* s : stats::rate_suffixes) v.push_back(name + s);
        };
        rate("round_response_rate");
        v.emplace_back("sessions");
        for (const char* sla : {"sla_first_response", "sla_next_reply", "sla_resolution"}) {
            rate(sla);
            v.push_back(std::string(sla) + "_active");
        }
        return v;
    }();
    return n;
}

}  // namespace cskpi::timeline
