#pragma once
// The reference a user reads: every input column (type, accepted forms, reject rules) and
// every configuration key (default, meaning, example). `cskpi columns` and `cskpi keys` print
// these tables; docs/INPUT.md and docs/CONFIG.md are their output, and a test keeps them equal.
// A test also parses each key's example, so the table cannot name a key the parser refuses.
#include <string>
#include <vector>

#include "presets.hpp"
#include "schemas.hpp"

namespace cskpi {

struct column_doc {
    const char* name;
    const char* type;  ///< text, timestamp, seconds, boolean, integer, number
    const char* rule;  ///< required, range, precedence
    const char* meaning;
};

/// The interactions columns, in spec order.
inline const std::vector<column_doc>& interaction_column_docs() {
    static const std::vector<column_doc> d = {
        {"id", "text", "required; unique (a repeated id is rejected, the first occurrence kept)",
         "The interaction: a chat, call, e-mail thread or ticket."},
        {"created_at", "timestamp", "required",
         "When the customer reached out; every time bucket and window starts here."},
        {"channel", "text", "required",
         "chat, phone, email, social, ... (SLA targets are keyed by it)."},
        {"agent", "text", "", "Who handled it (missing: its own `null` group)."},
        {"team", "text", "", "The agent's team or queue."},
        {"customer", "text", "", "Who reached out; needed for first-contact resolution (FCR)."},
        {"category", "text", "",
         "Reason for contact; `complaint.category` and `presale_category` select by it."},
        {"priority", "text", "", "Priority; `sla.by_priority` targets are keyed by it."},
        {"first_response_at", "timestamp", "not before created_at; wins over first_response_s",
         "First reply by a person."},
        {"resolved_at", "timestamp",
         "not before created_at; wins over resolution_s; implies resolved",
         "When it was resolved."},
        {"first_response_s", "seconds", ">= 0", "Seconds from creation to the first reply."},
        {"resolution_s", "seconds", ">= 0; implies resolved",
         "Seconds from creation to resolution."},
        {"handle_s", "seconds", ">= 0", "Handling time (talk/chat plus wrap-up)."},
        {"abandoned", "boolean", "", "The customer left before being answered."},
        {"resolved", "boolean", "overrides what resolved_at / resolution_s imply",
         "Resolved (solved, closed)."},
        {"reopened", "integer", ">= 0; missing = 0", "Times it was reopened."},
        {"contacts", "integer", ">= 1",
         "Contacts the customer needed for this issue, when the source counts them."},
        {"transferred", "boolean", "", "Handed to another agent or queue."},
        {"bot", "boolean", "", "A bot handled it (bot containment)."},
        {"csat", "integer", "inside csat.scale", "Satisfaction rating."},
        {"nps", "integer", "0..10", "Likelihood to recommend."},
        {"ces", "integer", "inside ces.scale", "Customer effort score."},
        {"complaint", "boolean", "", "A complaint (also: category equal to complaint.category)."},
        {"dispute", "boolean", "", "A dispute or chargeback was opened."},
        {"refund", "boolean", "", "A refund was granted."},
        {"converted", "boolean", "", "A pre-sales contact that ended in an order."},
        {"order_value", "number", ">= 0", "Value of the order (sales_total, avg_order_value)."},
        {"replies", "integer", ">= 0", "Agent replies (one-touch rate counts 1)."},
        {"abandoned_at", "timestamp", "not before created_at; wins over wait_s",
         "When the customer hung up or left (short-abandon rule)."},
        {"wait_s", "seconds", ">= 0",
         "Seconds the customer waited before leaving (short-abandon rule, "
         "staffing.short_abandon_s)."},
        {"survey_sent", "boolean", "",
         "A satisfaction survey was sent (csat_response_rate = rated / sent when present)."},
        {"rated_at", "timestamp", "not before created_at",
         "When the customer gave the rating (attribute_by: rated buckets satisfaction by it)."},
    };
    return d;
}

/// The message-events columns (docs/INPUT.md, section "Event logs").
inline const std::vector<column_doc>& event_column_docs() {
    static const std::vector<column_doc> d = {
        {"interaction_id", "text", "required; a file is grouped by it",
         "The interaction the event belongs to."},
        {"at", "timestamp", "required", "When it happened."},
        {"from", "text", "required: customer, agent, bot or system", "Who sent it."},
        {"agent", "text", "", "The agent (for agent messages and assignments)."},
        {"kind", "text", "message (default), note, status, assign, handoff or rating",
         "What it is; notes are never public."},
        {"public", "boolean", "default true", "Whether the customer saw it."},
        {"status", "text", "status events: new, open, pending, hold, solved or closed",
         "The status set."},
        {"text", "text", "a rating event: its number", "Message text, or the rating."},
    };
    return d;
}

/// The QA review columns (docs/INPUT.md, section "QA reviews").
inline const std::vector<column_doc>& review_column_docs() {
    static const std::vector<column_doc> d = {
        {"review_id", "text", "required", "One review (its rows are its items)."},
        {"interaction_id", "text", "", "The interaction reviewed."},
        {"agent", "text", "", "The agent reviewed."},
        {"reviewer", "text", "", "Who reviewed (calibration compares reviewers)."},
        {"reviewed_at", "timestamp", "", "When."},
        {"item", "text", "required; an item of the rubric", "The rubric item scored."},
        {"score", "number", "required; on the item's scale, or na", "The score."},
        {"automatic", "boolean", "", "Scored by an automatic check."},
    };
    return d;
}

/// The orders columns (docs/INPUT.md, section "Orders"; analysis/orders.hpp reads them).
inline const std::vector<column_doc>& order_column_docs() {
    static const std::vector<column_doc> d = {
        {"customer", "text", "required",
         "The buyer, matched to the interactions' customer (pseudonymised alike)."},
        {"ordered_at", "timestamp", "required", "When the order was placed."},
        {"order_value", "number", ">= 0", "Value of the order."},
        {"order_id", "text", "unique",
         "The order's id; a repeated id rejects the later row (rows without an id are not "
         "checked)."},
        {"paid_at", "timestamp", ">= ordered_at",
         "When the order was paid; missing = not paid (cskpi presale)."},
        {"status", "text", "",
         "The order's status; one of presale.refund_statuses marks a refunded order."},
        {"quantity", "integer", ">= 1", "Items in the order (items_per_order)."},
    };
    return d;
}

/// The agents' presence log (timeline/presence.hpp).
inline const std::vector<column_doc>& presence_column_docs() {
    static const std::vector<column_doc> d = {
        {"agent", "text", "required", "The agent whose status changed."},
        {"at", "timestamp", "required", "When it changed."},
        {"status", "text", "required",
         "online or offline (also 在线, available, busy, 忙碌; 离线, away, 挂起; any ASCII case)."},
    };
    return d;
}

/// Accepted forms of each type.
inline const std::vector<std::pair<const char*, const char*>>& type_docs() {
    static const std::vector<std::pair<const char*, const char*>> d = {
        {"text", "Any UTF-8 text; blanks around it are trimmed; empty = missing."},
        {"timestamp",
         "ISO 8601 with or without an offset (`2026-03-01T09:15:00+08:00`, `2026-03-01 09:15:00`, "
         "`2026-03-01 09:15:00 +0800`, `...Z`, fractions), a date alone (local midnight), epoch "
         "seconds "
         "(`1772327100`, `1772327100.5`), and year-first exports' forms: `2026/3/1 9:05`, "
         "`2026.03.01`, "
         "`2026年3月1日 09:05`. Without an offset the time is read in `timezone`. Other forms "
         "(`01/03/2026 09:05`) need `formats`."},
        {"seconds",
         "A number of seconds (`95`, `95.5`) or a clock duration `H:MM:SS[.f]` (`0:01:35`); "
         "`units` reads "
         "minutes, hours or milliseconds; a pandas Timedelta is a duration."},
        {"boolean",
         "`1`/`0`, `true`/`false`, `yes`/`no`, `y`/`n`, `t`/`f` (any case), `是`/`否`; other words "
         "through `values`."},
        {"integer", "Digits; an integral decimal such as `4.0` (what pandas writes) is accepted."},
        {"number", "A decimal number with `.` as the decimal point."},
    };
    return d;
}

struct config_key_doc {
    const char* key;
    const char* default_value;
    const char* meaning;
    const char* example;  ///< a JSON document using the key (parsed by a test)
};

/// Every configuration key. Grouped as in docs/CONFIG.md.
inline const std::vector<config_key_doc>& config_key_docs() {
    static const std::vector<config_key_doc> d = {
        {"preset", "none",
         "Vendor import preset: zendesk, zendesk_api, freshdesk, chatwoot, cn_helpdesk. Its keys "
         "are merged under yours (see the presets section).",
         R"({"preset": "zendesk"})"},
        {"columns", "{}",
         "Your header (or a dotted JSON key path) for an input column: {\"agent\": \"Assignee\"}. "
         "A header it names must exist.",
         R"({"columns": {"id": "Ticket ID", "agent": "客服"}})"},
        {"values", "{}",
         "Per column, what exported labels stand for: numbers, booleans, text, or null (missing). "
         "Labels match exactly, else ignoring case; unmatched cells are read as they are.",
         R"({"values": {"csat": {"good": 5, "bad": 1}, "resolved": {"solved": true, "closed": true}}})"},
        {"units", "{}", "Unit of a duration column: s, ms, min, h, or hh:mm:ss.",
         R"({"units": {"first_response_s": "min"}})"},
        {"formats", "{}",
         "strftime-style timestamp formats tried in order after the standard forms; a list applies "
         "to every timestamp column, an object names columns. With %z the offset is read.",
         R"({"formats": {"created_at": ["%d/%m/%Y %H:%M", "%d/%m/%Y"]}})"},
        {"encoding", "utf-8",
         "Text encoding: utf-8, gbk, gb18030, utf-16 (a byte-order mark is detected without this "
         "key), any iconv name, or auto (UTF-8 when valid, else GB18030). Converted files are held "
         "in memory.",
         R"({"encoding": "gbk"})"},
        {"delimiter", ",",
         "Field separator: \",\", \";\", \"\\t\", \"|\", or \"auto\" (the most frequent in the "
         "header).",
         R"({"delimiter": ";"})"},
        {"skip_lines", "0", "Lines above the header to skip (a title or reporting period).",
         R"({"skip_lines": 1})"},
        {"timezone", "UTC",
         "IANA zone (Asia/Shanghai) or fixed offset (+08:00) for timestamps without an offset and "
         "for day/week/month buckets.",
         R"({"timezone": "Asia/Shanghai"})"},
        {"csat.scale", "[1, 5]", "Lowest and highest CSAT rating.",
         R"({"csat": {"scale": [1, 5]}})"},
        {"csat.satisfied_min", "4",
         "Lowest rating counted as satisfied (csat = share at or above it).",
         R"({"csat": {"satisfied_min": 4}})"},
        {"ces.scale", "[1, 7]", "Lowest and highest CES rating.", R"({"ces": {"scale": [1, 7]}})"},
        {"sla.first_response_s", "chat 30, phone 20, social 3600, email 86400",
         "First-response target in seconds per channel (replaces the defaults when given).",
         R"({"sla": {"first_response_s": {"chat": 60}}})"},
        {"sla.by_priority", "urgent: 60",
         "Targets per priority, which win over the channel's: {\"urgent\": {\"first_response_s\": "
         "60}}.",
         R"({"sla": {"by_priority": {"urgent": {"first_response_s": 30}}}})"},
        {"sla.abandoned", "breach",
         "An abandoned interaction counts as a breach, or is excluded from the SLA denominator "
         "(exclude).",
         R"({"sla": {"abandoned": "exclude"}})"},
        {"fcr.window_s", "604800",
         "A customer's next contact within this many seconds makes the contact not first-contact "
         "resolved.",
         R"({"fcr": {"window_s": 259200}})"},
        {"fcr.same_category", "true", "Only a next contact of the same category counts.",
         R"({"fcr": {"same_category": false}})"},
        {"complaint.respond_s", "86400", "Complaint response target (seconds).",
         R"({"complaint": {"respond_s": 43200}})"},
        {"complaint.resolve_s", "259200", "Complaint resolution target (seconds).",
         R"({"complaint": {"resolve_s": 172800}})"},
        {"complaint.category", "complaint", "Category that marks a complaint.",
         R"({"complaint": {"category": "投诉"}})"},
        {"staffing.interval", "30m", "Staffing interval: 15m, 30m or 60m (cskpi staffing).",
         R"({"staffing": {"interval": "15m"}})"},
        {"staffing.service_level", "0.8", "Service-level target share for required agents.",
         R"({"staffing": {"service_level": 0.9}})"},
        {"staffing.within_s", "20",
         "Answer-time target (seconds) of the service level and the service_level metrics.",
         R"({"staffing": {"within_s": 30}})"},
        {"staffing.short_abandon_s", "5",
         "Abandons within this many seconds are short (service_level variants).",
         R"({"staffing": {"short_abandon_s": 10}})"},
        {"staffing.max_occupancy", "1", "Highest occupancy a plan may ask of agents.",
         R"({"staffing": {"max_occupancy": 0.85}})"},
        {"staffing.shrinkage", "0",
         "Share of paid time off the phones: scheduled = ceil(agents / (1 - shrinkage)).",
         R"({"staffing": {"shrinkage": 0.3}})"},
        {"staffing.weeks", "4",
         "Forecast: mean of the same weekday and interval over this many weeks.",
         R"({"staffing": {"weeks": 6}})"},
        {"staffing.patience_s", "null", "Mean patience in seconds: Erlang A instead of Erlang C.",
         R"({"staffing": {"patience_s": 120}})"},
        {"staffing.concurrency", "{}", "Contacts one agent handles at once, per channel (chat).",
         R"({"staffing": {"concurrency": {"chat": 3}}})"},
        {"staffing.concurrency_inflation", "measured",
         "AHT factor of concurrent channels: null measures AHT(rows handled in parallel) / AHT(all "
         "rows) from the records (docs/STAFFING.md); a number overrides it.",
         R"({"staffing": {"concurrency_inflation": 1.4}})"},
        {"staffing.channels", "{}",
         "Per channel, its own service_level, within_s, short_abandon_s, max_occupancy, shrinkage "
         "or patience_s (null: Erlang C); the service_level metrics and the staffing plan use "
         "them.",
         R"({"staffing": {"channels": {"email": {"service_level": 0.9, "within_s": 14400}}}})"},
        {"loyalty.window_days", "30",
         "Repurchase by satisfaction (cskpi repurchase): an order within this many days after a "
         "rated interaction counts.",
         R"({"loyalty": {"window_days": 60}})"},
        {"presale.window_h", "72",
         "Pre-sales attribution (cskpi presale): an order paid within this many hours after the "
         "buyer's last inquiry before paying converts it (window = hours).",
         R"({"presale": {"window_h": 24}})"},
        {"presale.window", "hours",
         "hours (window_h after the inquiry), same_day (paid on the inquiry's local date) or "
         "next_day (paid by the end of the next local date).",
         R"({"presale": {"window": "same_day"}})"},
        {"presale.inquiries", "presale_category",
         "Which interactions are inquiries: rows whose category is presale_category, or all.",
         R"({"presale": {"inquiries": "all"}})"},
        {"presale.refund_statuses", "[\"refunded\", \"退款成功\"]",
         "Order statuses that mean the paid order was refunded (compared exactly, after trimming).",
         R"({"presale": {"refund_statuses": ["refunded", "退款成功", "售后完成"]}})"},
        {"presale_category", "presale", "Category of pre-sales contacts (conversion).",
         R"({"presale_category": "售前"})"},
        {"attribute_by", "created",
         "The instant that puts an interaction into a time bucket (hour, day, week, month): "
         "created, first_response, resolved or rated (rated_at), for every metric family; a row "
         "without that instant stays on created_at (docs/ATTRIBUTION.md).",
         R"({"attribute_by": "resolved"})"},
        {"attribute_by.response", "created",
         "Instant bucketing the response family: frt_* and sla_frt (first_response: by the first "
         "reply).",
         R"({"attribute_by": {"response": "first_response"}})"},
        {"attribute_by.resolution", "created",
         "Instant bucketing the resolution family: resolved, resolution_rate, resolution_time_*, "
         "reopen_rate, one_touch_rate (resolved: by the solve date).",
         R"({"attribute_by": {"resolution": "resolved"}})"},
        {"attribute_by.satisfaction", "created",
         "Instant bucketing the satisfaction family: csat*, nps*, ces* (rated: by rated_at).",
         R"({"attribute_by": {"satisfaction": "rated"}})"},
        {"attribute_by.volume", "created",
         "Instant bucketing every other metric (interactions, answer and abandonment rates, FCR, "
         "transfers, bots, complaints, conversion, service levels, Kaplan-Meier, event-log "
         "columns).",
         R"({"attribute_by": {"volume": "created"}})"},
        {"confidence", "0.95", "Level of the Wilson and other intervals, in (0, 1).",
         R"({"confidence": 0.9})"},
        {"quantiles", "\"exact\"",
         "\"sketch\": duration quantiles (frt, aht, resolution_time, their Kaplan-Meier columns) "
         "come from logarithmic bins, so a partial state grows with the spread of durations, not "
         "with rows; means, maxima and counts stay exact (docs/SKETCH.md).",
         R"({"quantiles": "sketch"})"},
        {"quantile_relative_error", "0.01",
         "With quantiles \"sketch\": the bound on a quantile's relative error, in [0.0001, 0.5).",
         R"({"quantile_relative_error": 0.005})"},
        {"strict", "false", "Stop at the first bad row instead of listing it as rejected.",
         R"({"strict": true})"},
        {"rejects.show_values", "true",
         "false: rejects (report, rejects file, strict-mode errors) keep line, column and reason "
         "but no value.",
         R"({"rejects": {"show_values": false}})"},
        {"privacy.salt", "none",
         "Secret text: customer keys in partial states become a keyed hash (SipHash-2-4), so "
         "states cannot be matched against known ids; echoed as salt_id, never itself "
         "(docs/PRIVACY.md).",
         R"({"privacy": {"salt": "a long secret"}})"},
        {"privacy.min_group_size", "0",
         "Groups with fewer interactions are listed as suppressed, every value null; the overall "
         "row still counts their rows.",
         R"({"privacy": {"min_group_size": 5}})"},
        {"events", "{}",
         "Event-log options (preset: see the event-log presets below; first_response_from, "
         "session_gap_s, human_frt_from_handoff, round_within_s, service_window, "
         "service_window_timezone, agent, round_response_of: every_round, first_round or "
         "first_round_of_session) and the events file's import keys (columns, values, units, "
         "formats, encoding, delimiter, skip_lines).",
         R"({"events": {"preset": "chatwoot", "session_gap_s": 900, "columns": {"interaction_id": "conversation_id"}}})"},
        {"events.excluded_dates", "[]",
         "Local dates (service_window_timezone, else timezone) whose rounds the round response "
         "rate does not judge: dates and inclusive [first, last] ranges (Spring Festival, "
         "closed-shop days).",
         R"({"events": {"excluded_dates": ["2026-05-01", ["2026-02-16", "2026-02-22"]]}})"},
        {"events.rolling_days", "none",
         "Judge only rounds opening on the N local days ending on as_of's day (a rolling 30 "
         "days); needs as_of.",
         R"({"as_of": "2026-03-31 23:59:59", "events": {"rolling_days": 30}})"},
        {"events.min_rounds", "0",
         "Judged rounds below which a group's round_response_rate is not assessed: value and "
         "interval empty, _num and _den still shown.",
         R"({"events": {"min_rounds": 100}})"},
        {"clock", "calendar", "SLA clock: calendar time, or business hours of the calendars.",
         R"({"clock": "business", "calendars": {"default": {"timezone": "Asia/Shanghai", "week": {"mon": [["09:00", "18:00"]]}}}})"},
        {"calendars", "{}",
         "Business calendars by name: timezone, opening windows per weekday (week), holidays, "
         "extra workdays.",
         R"({"calendars": {"cn": {"timezone": "Asia/Shanghai", "week": {"mon": [["09:00", "12:00"], ["13:00", "18:00"]], "sat": [["10:00", "16:00"]]}, "holidays": ["2026-05-01"], "workdays": ["2026-05-09"]}}})"},
        {"calendar_by", "none",
         "Which calendar an interaction uses: by team or channel, with a map of values to calendar "
         "names.",
         R"({"calendars": {"cn": {"timezone": "Asia/Shanghai", "week": {"mon": [["09:00", "18:00"]]}}}, "calendar_by": {"team": {"售后": "cn"}}})"},
        {"sla_policies", "[]",
         "SLA policies for event logs, the first whose when matches applies: name, when "
         "(channel/team/priority/category/agent values), targets (first_response_s, next_reply_s, "
         "resolution_s), clock, pause_on.",
         R"({"sla_policies": [{"name": "vip", "when": {"priority": "urgent"}, "targets": {"first_response_s": 60, "resolution_s": 14400}, "pause_on": ["pending"]}]})"},
        {"as_of", "latest event",
         "Snapshot instant for open SLA states of an event log, and of targets' pacing (default "
         "there: the latest created_at).",
         R"({"as_of": "2026-03-31 23:59:59"})"},
        {"monitor.windows_s", "[900, 3600]",
         "Live monitor (cskpi monitor, cskpi::monitor, cskpi.Monitor): sliding windows in seconds, "
         "each a multiple of bucket_s, named 15m, 60m, ...; today (from local midnight) is always "
         "there.",
         R"({"monitor": {"windows_s": [300, 900, 3600]}})"},
        {"monitor.bucket_s", "60",
         "Slot length: a window is its last whole slots, the current one included.",
         R"({"monitor": {"bucket_s": 30, "windows_s": [900]}})"},
        {"monitor.exact_limit", "10000",
         "Durations kept exactly per slot; beyond, the slot's FRT goes into a quantile sketch "
         "(frt_exact false).",
         R"({"monitor": {"exact_limit": 50000}})"},
        {"monitor.relative_error", "0.01", "The sketch's relative error bound alpha, in (0, 0.5).",
         R"({"monitor": {"relative_error": 0.02}})"},
        {"monitor.late_tolerance_s", "60",
         "Events this much older than the clock are placed in order; older ones (and ones this far "
         "ahead) are counted as late (early), not applied.",
         R"({"monitor": {"late_tolerance_s": 300}})"},
        {"monitor.idle_s", "86400",
         "An interaction without events this long is let go (counted as released).",
         R"({"monitor": {"idle_s": 7200}})"},
        {"monitor.max_live", "1000000",
         "Interactions held at most; past it the longest idle are let go (counted).",
         R"({"monitor": {"max_live": 200000}})"},
        {"monitor.shards", "16", "Lock shards (interactions hashed by id), 1..1024.",
         R"({"monitor": {"shards": 64}})"},
        {"monitor.alerts", "[]",
         "Alert rules: name, metric, scope {channel, team}, window (not for queue_length, "
         "longest_wait_s, open), op (> >= < <=), threshold, for_s (hysteresis), min_n.",
         R"({"monitor": {"alerts": [{"name": "chat slow", "metric": "frt_p90", "scope": {"channel": "chat"}, "window": "15m", "op": ">", "threshold": 60, "for_s": 120, "min_n": 20}]}})"},
        {"reviews", "{}",
         "Import keys of the QA reviews file (columns, values, formats, encoding, delimiter, "
         "skip_lines).",
         R"({"reviews": {"delimiter": ";", "columns": {"review_id": "评审ID"}}})"},
        {"scorecard", "none", "Scorecard definition (cskpi score); may live in the same file.",
         R"({"scorecard": {}})"},
        {"rubric", "none", "QA rubric (cskpi qa); may live in the same file.", R"({"rubric": {}})"},
        {"targets", "[]",
         "Targets (cskpi targets, docs/TARGETS.md): metric, scope (key: value), period (2027, "
         "2027-Q1, 2027-03), value, split (totals: equal, days, business_days, history; levels: "
         "constant, glide with start).",
         R"({"targets": [{"metric": "csat", "scope": {"team": "售后"}, "period": "2027", "value": 0.92}, {"metric": "frt_median", "period": "2027", "value": 30, "split": "glide", "start": 45}]})"},
        {"targets_tolerance", "0.05",
         "Relative miss of a forecast that is still at_risk rather than off_track.",
         R"({"targets_tolerance": 0.1})"},
    };
    return d;
}

namespace detail {
inline std::string md_escape(std::string s) {
    std::string out;
    for (char c : s) {
        if (c == '|')
            out += "\\|";
        else
            out += c;
    }
    return out;
}
inline void column_table(std::string& md, const std::vector<column_doc>& cols) {
    md += "| column | type | rules | meaning |\n|---|---|---|---|\n";
    for (const auto& c : cols)
        md += "| `" + std::string(c.name) + "` | " + c.type + " | " + md_escape(c.rule) + " | " +
              md_escape(c.meaning) + " |\n";
}
}  // namespace detail

/// docs/INPUT.md: the input tables, accepted forms and reject rules.
inline std::string input_reference_markdown() {
    std::string md =
        "# Input columns\n\n"
        "Generated by `cskpi columns` from the code's own tables "
        "(include/cskpi/input/reference.hpp); a test keeps "
        "this file equal to its output.\n\n"
        "A file is CSV (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes, LF or "
        "CRLF, UTF-8 with or "
        "without a byte-order mark) or JSON Lines (`.jsonl`, `.ndjson`, `.json`: one object per "
        "line; nested objects "
        "are reached with dotted `columns` paths such as `via.channel`). Headers are matched "
        "exactly after trimming "
        "blanks; other columns are ignored and listed in the report's `ignored_columns`. Every row "
        "read is either "
        "accepted or rejected with its line, column, value and reason: `rows_read = rows_accepted "
        "+ rows_rejected`.\n\n"
        "Other encodings, delimiters, labels, units and timestamp forms are read through the "
        "import keys of "
        "[CONFIG.md](CONFIG.md) (`encoding`, `delimiter`, `values`, `units`, `formats`, "
        "`skip_lines`) or a vendor "
        "`preset`.\n\n## Types and accepted forms\n\n| type | accepted |\n|---|---|\n";
    for (const auto& [t, forms] : type_docs())
        md += "| " + std::string(t) + " | " + detail::md_escape(forms) + " |\n";
    md +=
        "\nAn empty cell is missing. A cell that is present but not of its type rejects the row "
        "(`not a timestamp`, "
        "`not a boolean (...)`, `out of range: expected ...`).\n\n## Interactions (`cskpi "
        "report`)\n\n";
    detail::column_table(md, interaction_column_docs());
    md +=
        "\n## Event logs (`cskpi report --events`, `cskpi explain`)\n\nOne row per event, grouped "
        "by interaction "
        "(sorted by `interaction_id`, `at`). A row may also carry these interaction columns, which "
        "the derived "
        "interaction takes from its first non-empty value: ";
    const auto& ev = events_schema().columns;
    for (std::size_t i = 8; i < ev.size(); ++i)
        md += "`" + ev[i] + "`" + (i + 1 < ev.size() ? ", " : ".");
    md +=
        " When no row carries `handle_s`, it is the calendar time from the interaction's first "
        "`assign` event to its last solve (empty when never assigned or not resolved).\n\n";
    detail::column_table(md, event_column_docs());
    md +=
        "\n## QA reviews (`cskpi qa`, `cskpi calibrate`, `--reviews`)\n\nOne row per scored "
        "item.\n\n";
    detail::column_table(md, review_column_docs());
    md +=
        "\n## Orders (`cskpi repurchase --orders`, `cskpi presale --orders`)\n\nOne row per "
        "order.\n\n";
    detail::column_table(md, order_column_docs());
    md +=
        "\n## Agent presence (`cskpi report --events ... --presence`, `cskpi explain`)\n\nOne "
        "row per status change of an agent (docs/PRESENCE.md).\n\n";
    detail::column_table(md, presence_column_docs());
    return md;
}

/// docs/CONFIG.md: every configuration key, and what each preset sets.
inline std::string config_reference_markdown() {
    std::string md =
        "# Configuration keys\n\n"
        "Generated by `cskpi keys` from the code's own table (include/cskpi/input/reference.hpp); "
        "a test keeps this "
        "file equal to its output and parses every example.\n\n"
        "A configuration is one JSON object (`--config FILE`; in Python a dict, a path or JSON "
        "text). Every key is "
        "optional. An unknown key or a wrong type is an error naming the key path "
        "(`sla.first_response_s.chat: "
        "expected a number`), with a suggestion for a likely typo. `cskpi check --config FILE "
        "[INPUT]` explains every "
        "problem and shows the effective configuration.\n\n"
        "| key | default | meaning | example |\n|---|---|---|---|\n";
    for (const auto& k : config_key_docs())
        md += "| `" + std::string(k.key) + "` | " + detail::md_escape(k.default_value) + " | " +
              detail::md_escape(k.meaning) + " | `" + detail::md_escape(k.example) + "` |\n";
    md +=
        "\nThe import keys (`columns`, `values`, `units`, `formats`, `encoding`, `delimiter`, "
        "`skip_lines`) apply to "
        "the interactions file at the top level, to the event log inside `events`, and to the QA "
        "reviews inside "
        "`reviews`. For a pandas DataFrame, `columns`, `values` and `units` apply; the others "
        "concern files.\n\n"
        "## Presets\n\nA preset is configuration: the keys below are merged under the ones you "
        "give (objects key by "
        "key, so `{\"preset\": \"zendesk\", \"values\": {\"csat\": {\"great\": 1}}}` adds a "
        "label). The columns a "
        "preset maps are optional: an export without one of them simply lacks that column.\n\n";
    for (const auto& name : preset_names()) {
        md += "### `" + name + "`\n\n```json\n" + import_preset(name)->dump(1) + "\n```\n\n";
    }
    md +=
        "## Event-log presets (`events.preset`)\n\nEach sets the section 11 options below, merged "
        "under the ones given "
        "beside it, and the effective configuration shows them. The platforms' rules, their "
        "sources and dates: "
        "docs/PRESETS.md.\n\n";
    for (const auto& p : timeline::event_presets())
        md += "### `events.preset: " + p.name + "`\n\n" + p.rule + ".\n\n```json\n" +
              p.options.dump() + "\n```\n\n";
    return md;
}

}  // namespace cskpi
