#pragma once
// Event-log presets (events.preset): each a named, dated bundle of section 11 options that
// follows one platform's published rule. The bundle is merged under the user's own keys when
// the configuration is read, so the effective configuration shows every option a preset sets.
// The rules, their sources and dates: docs/PRESETS.md.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../error.hpp"

namespace cskpi::timeline {

struct event_preset {
    std::string name;
    std::string rule;  ///< the platform's metric it reproduces, and the source's date
    nlohmann::json options;
};

inline const std::vector<event_preset>& event_presets() {
    using nlohmann::json;
    static const std::vector<event_preset> p = {
        {"default", "the spec's section 11 rules", json::object()},
        {"zendesk",
         "Zendesk Support first reply time (creation to first public agent comment), no hand-off "
         "rule",
         {{"first_response_from", "created"}, {"human_frt_from_handoff", false}}},
        {"chatwoot",
         "Chatwoot first response time (first customer message, or the bot hand-off)",
         {{"first_response_from", "customer_message"}, {"human_frt_from_handoff", true}}},
        {"taobao",
         "Taobao 3-minute human response rate as the spec's section 11 example (09:00-23:00)",
         {{"round_within_s", 180},
          {"round_response_of", "every_round"},
          {"service_window", {"09:00", "23:00"}},
          {"service_window_timezone", "Asia/Shanghai"}}},
        {"taobao@2023",
         "Taobao 3分钟人工响应率, every round, 08:00-24:00 (source of 2023-04-02)",
         {{"round_within_s", 180},
          {"round_response_of", "every_round"},
          {"service_window", {"08:00", "24:00"}},
          {"service_window_timezone", "Asia/Shanghai"}}},
        {"taobao@2025",
         "Taobao 3分钟人工响应率, every round, 08:00-23:00 (source of 2025-06-02)",
         {{"round_within_s", 180},
          {"round_response_of", "every_round"},
          {"service_window", {"08:00", "23:00"}},
          {"service_window_timezone", "Asia/Shanghai"}}},
        {"jd",
         "JD 30-second response rate, first question only, night 00:00-08:00 excluded (cskpi's "
         "first reading)",
         {{"round_within_s", 30},
          {"round_response_of", "first_round"},
          {"service_window", {"08:00", "24:00"}},
          {"service_window_timezone", "Asia/Shanghai"}}},
        {"jd@2021-12",
         "JD 30秒应答率 as re-defined in December 2021: each session's first question, a new "
         "session after 10 minutes, 09:00-23:00, consultations while no agent is online (留言) "
         "not judged",
         {{"round_within_s", 30},
          {"round_response_of", "first_round_of_session"},
          {"session_gap_s", 600},
          {"service_window", {"09:00", "23:00"}},
          {"service_window_timezone", "Asia/Shanghai"},
          {"exclude_unstaffed", true}}},
        {"pdd@2019",
         "Pinduoduo 有效回复率, each buyer once per day, every message answered within one "
         "hour, 08:00-23:00 (source of 2019-01-10): read buyer_day_reply_rate",
         {{"buyer_reply_within_s", 3600},
          {"round_response_of", "every_round"},
          {"service_window", {"08:00", "23:00"}},
          {"service_window_timezone", "Asia/Shanghai"}}},
        {"douyin@2025",
         "Douyin 飞鸽 3分钟人工回复率, every round, 08:00-23:00 (source of 2025-12-17)",
         {{"round_within_s", 180},
          {"round_response_of", "every_round"},
          {"service_window", {"08:00", "23:00"}},
          {"service_window_timezone", "Asia/Shanghai"}}},
    };
    return p;
}

/// The events object with its preset's options merged under the keys given beside it; throws
/// config_error for an unknown preset.
inline nlohmann::json with_event_preset(const nlohmann::json& events) {
    if (!events.is_object() || !events.contains("preset")) return events;
    const auto& name = events["preset"];
    std::string names;
    for (const auto& p : event_presets()) {
        if (name.is_string() && name.get<std::string>() == p.name) {
            nlohmann::json merged = p.options;
            for (const auto& [k, v] : events.items()) merged[k] = v;
            return merged;
        }
        names += (names.empty() ? "" : ", ") + p.name;
    }
    throw config_error("events.preset", "expected one of " + names + ", actual " + name.dump());
}

}  // namespace cskpi::timeline
