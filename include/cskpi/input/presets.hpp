#pragma once
// Vendor import presets (config key "preset"): the columns, value maps, units and settings that
// read a helpdesk's export as it comes. A preset is configuration like any other: keys the user
// gives beside it are merged over it (maps key by key), and `cskpi check --config` prints the
// result. Columns a preset maps are optional: an export without one simply lacks that column.
//
// Field names follow each vendor's documentation:
//   zendesk      Zendesk Support ticket export (CSV), with the ticket metrics columns
//                (support.zendesk.com, "Exporting data to a JSON, CSV, or XML file").
//   zendesk_api  Zendesk Support API tickets with the metric_sets sideload, one ticket object per
//                line (developer.zendesk.com, "Incremental Exports" and "Ticket Metrics");
//                `jq -c '.tickets[]'` turns an export page into such lines.
//   freshdesk    Freshdesk ticket export (CSV, Tickets > Export), hours as decimals or H:MM:SS.
//   chatwoot     Chatwoot conversations with the fields of its conversation API object (CSV),
//                and messages (events) with its message fields; a messages file without a
//                channel column counts its conversations as chat.
//   cn_helpdesk  A Chinese helpdesk export with Chinese headers, GBK or UTF-8, Beijing time.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cskpi {

inline const std::vector<std::string>& preset_names() {
    static const std::vector<std::string> n = {"zendesk", "zendesk_api", "freshdesk", "chatwoot",
                                               "cn_helpdesk"};
    return n;
}

/// The configuration a preset stands for; nullptr for an unknown name.
inline const nlohmann::ordered_json* import_preset(std::string_view name) {
    static const nlohmann::ordered_json presets = nlohmann::ordered_json::parse(R"json({
"zendesk": {
  "columns": {"id": "Id", "created_at": "Created at", "channel": "Via", "agent": "Assignee", "team": "Group",
              "customer": "Requester id", "category": "Ticket type", "priority": "Priority", "resolved": "Status",
              "first_response_s": "First reply time in minutes", "resolution_s": "Full resolution time in minutes",
              "reopened": "Reopens", "replies": "Replies", "csat": "Satisfaction Score"},
  "units": {"first_response_s": "min", "resolution_s": "min"},
  "values": {
    "resolved": {"new": false, "open": false, "pending": false, "hold": false, "on-hold": false, "solved": true, "closed": true},
    "csat": {"good": 1, "bad": 0, "offered": null, "unoffered": null, "not offered": null},
    "priority": {"low": "low", "normal": "normal", "high": "high", "urgent": "urgent", "-": null},
    "channel": {"Web form": "web", "Email": "email", "Mail": "email", "Chat": "chat", "Messaging": "chat",
                "Web Widget": "chat", "Phone call (incoming)": "phone", "Phone call (outgoing)": "phone",
                "Voicemail": "phone", "Facebook Post": "social", "Facebook Private Message": "social",
                "Twitter": "social", "Twitter DM": "social", "Instagram Direct": "social", "WhatsApp": "social",
                "API": "api", "Web service": "api", "Mobile": "mobile"}
  },
  "csat": {"scale": [0, 1], "satisfied_min": 1},
  "events": {"preset": "zendesk"}
},
"zendesk_api": {
  "columns": {"id": "id", "created_at": "created_at", "channel": "via.channel", "agent": "assignee_id",
              "team": "group_id", "customer": "requester_id", "category": "type", "priority": "priority",
              "resolved": "status", "first_response_s": "metric_set.reply_time_in_minutes.calendar",
              "resolution_s": "metric_set.full_resolution_time_in_minutes.calendar",
              "reopened": "metric_set.reopens", "replies": "metric_set.replies", "csat": "satisfaction_rating.score"},
  "units": {"first_response_s": "min", "resolution_s": "min"},
  "values": {
    "resolved": {"new": false, "open": false, "pending": false, "hold": false, "solved": true, "closed": true},
    "csat": {"good": 1, "bad": 0, "offered": null, "unoffered": null},
    "channel": {"web": "web", "email": "email", "chat": "chat", "native_messaging": "chat", "voice": "phone",
                "twitter": "social", "facebook": "social", "instagram_dm": "social", "whatsapp": "social",
                "api": "api", "mobile_sdk": "mobile"}
  },
  "csat": {"scale": [0, 1], "satisfied_min": 1},
  "events": {"preset": "zendesk"}
},
"freshdesk": {
  "columns": {"id": "Ticket ID", "created_at": "Created time", "channel": "Source", "agent": "Agent", "team": "Group",
              "customer": "Contact ID", "category": "Type", "priority": "Priority", "resolved": "Status",
              "resolved_at": "Resolved time", "first_response_s": "First response time (in hrs)",
              "replies": "Agent interactions", "csat": "Survey results"},
  "units": {"first_response_s": "h"},
  "values": {
    "resolved": {"Open": false, "Pending": false, "Waiting on Customer": false, "Waiting on Third Party": false,
                 "Resolved": true, "Closed": true},
    "priority": {"Low": "low", "Medium": "medium", "High": "high", "Urgent": "urgent"},
    "channel": {"Email": "email", "Outbound Email": "email", "Portal": "web", "Feedback Widget": "web", "Forum": "web",
                "Phone": "phone", "Chat": "chat", "Twitter": "social", "Facebook": "social", "WhatsApp": "social",
                "Instagram": "social"},
    "csat": {"Extremely happy": 5, "Happy": 4, "Neutral": 3, "Unhappy": 2, "Extremely unhappy": 1,
             "Awesome": 5, "Just Okay": 3, "Not Good": 1}
  }
},
"chatwoot": {
  "columns": {"id": "id", "created_at": "created_at", "first_response_at": "first_reply_created_at",
              "channel": "channel", "agent": "assignee", "team": "team", "customer": "contact_id",
              "priority": "priority", "resolved": "status", "csat": "csat_rating"},
  "values": {
    "resolved": {"open": false, "pending": false, "snoozed": false, "resolved": true},
    "first_response_at": {"0": null},
    "channel": {"Channel::WebWidget": "chat", "Channel::Email": "email", "Channel::Api": "api",
                "Channel::Whatsapp": "social", "Channel::FacebookPage": "social", "Channel::Instagram": "social",
                "Channel::TwitterProfile": "social", "Channel::Telegram": "social", "Channel::Line": "social",
                "Channel::Sms": "sms", "Channel::TwilioSms": "sms", "Channel::Voice": "phone"}
  },
  "events": {
    "preset": "chatwoot",
    "columns": {"interaction_id": "conversation_id", "at": "created_at", "from": "sender_type",
                "agent": "sender_name", "kind": "message_type", "public": "private", "text": "content",
                "channel": "channel"},
    "values": {
      "channel": {"": "chat"},
      "from": {"Contact": "customer", "User": "agent", "AgentBot": "bot", "Captain::Assistant": "bot", "": "system"},
      "kind": {"incoming": "message", "outgoing": "message", "template": "message", "activity": "note",
               "0": "message", "1": "message", "2": "note", "3": "message"},
      "public": {"true": false, "false": true, "": true}
    }
  }
},
"cn_helpdesk": {
  "encoding": "auto",
  "timezone": "Asia/Shanghai",
  "columns": {"id": "会话ID", "created_at": "开始时间", "channel": "渠道", "agent": "客服", "team": "客服组",
              "customer": "客户ID", "category": "咨询类型", "priority": "优先级", "resolved": "是否解决",
              "first_response_s": "首次响应时长(分钟)", "resolution_s": "解决时长(分钟)",
              "handle_s": "处理时长(分钟)", "transferred": "是否转接", "complaint": "是否投诉",
              "reopened": "重开次数", "csat": "满意度", "converted": "是否下单", "order_value": "订单金额"},
  "units": {"first_response_s": "min", "resolution_s": "min", "handle_s": "min"},
  "values": {
    "csat": {"非常满意": 5, "满意": 4, "一般": 3, "不满意": 2, "非常不满意": 1, "未评价": null},
    "resolved": {"已解决": true, "未解决": false, "处理中": false},
    "channel": {"在线咨询": "chat", "在线": "chat", "电话": "phone", "热线": "phone", "邮件": "email",
                "微信": "social", "微博": "social", "抖音": "social"},
    "priority": {"紧急": "urgent", "高": "high", "中": "medium", "普通": "normal", "低": "low"}
  }
}
})json");
    const auto it = presets.find(std::string(name));
    return it == presets.end() ? nullptr : &*it;
}

/// `over` merged onto `base`: objects key by key (recursively), anything else replaced.
inline nlohmann::ordered_json merge_config(nlohmann::ordered_json base,
                                           const nlohmann::ordered_json& over) {
    if (!base.is_object() || !over.is_object()) return over;
    for (const auto& [k, v] : over.items())
        base[k] = base.contains(k) ? merge_config(base[k], v) : v;
    return base;
}

}  // namespace cskpi
