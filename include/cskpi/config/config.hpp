#pragma once
// Run configuration (spec section 2). Every key is optional; an unknown key or a wrong type is a
// config_error naming the key path. Maps keyed by the user's own labels (columns,
// sla.first_response_s, sla.by_priority) replace the default map when given; fixed-schema
// objects (csat, ces, sla, fcr, complaint) keep the defaults of the keys they leave out.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "attribution.hpp"
#include "../detail/customer_hash.hpp"
#include "../error.hpp"
#include "../input/import_options.hpp"
#include "../input/presets.hpp"
#include "../input/schemas.hpp"
#include "../time.hpp"
#include "../timeline/presets.hpp"

namespace cskpi {

using json = nlohmann::ordered_json;

/// JSON text of `j`. Text that is not UTF-8 (a label from a file in another encoding) is
/// written with U+FFFD instead of making the writer throw: output never aborts on input.
template <class Json>
std::string json_text(const Json& j, int indent = -1) {
    return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

/// What an abandoned row does to the SLA denominator.
enum class abandoned_rule { breach, exclude };

/// One channel's overrides of the staffing targets (staffing.channels.<channel>).
struct staffing_channel {
    std::optional<double> service_level, within_s, short_abandon_s, max_occupancy, shrinkage;
    std::optional<std::optional<double>> patience_s;  ///< set to none: Erlang C for this channel
    json to_json() const;
};

/// Section 16: staffing intervals, the service-level target and its variants, Erlang inputs.
struct staffing_config {
    double interval_s = 1800;    ///< 900, 1800 or 3600
    double service_level = 0.8;  ///< target share answered within within_s
    double within_s = 20;        ///< answer-time target of the service level
    double short_abandon_s =
        5;  ///< abandons this fast are "short" (realised service level variants)
    double max_occupancy = 1.0;
    double shrinkage = 0.0;
    int weeks = 4;  ///< forecast: mean of the same weekday x interval over this many weeks
    std::optional<double> patience_s;           ///< given: Erlang A
    std::map<std::string, double> concurrency;  ///< channel -> contacts one agent handles at once
    /// AHT factor of concurrent channels; none: measured from the records
    /// (staffing/concurrency.hpp).
    std::optional<double> concurrency_inflation;
    std::map<std::string, staffing_channel, std::less<>>
        channels;  ///< per-channel target overrides
    json to_json() const;

    /// The settings of one channel: its overrides over the defaults (`channels` left empty).
    staffing_config for_channel(std::string_view channel) const {
        staffing_config c = *this;
        c.channels.clear();
        const auto it = channels.find(channel);
        if (it == channels.end()) return c;
        const staffing_channel& o = it->second;
        c.service_level = o.service_level.value_or(service_level);
        c.within_s = o.within_s.value_or(within_s);
        c.short_abandon_s = o.short_abandon_s.value_or(short_abandon_s);
        c.max_occupancy = o.max_occupancy.value_or(max_occupancy);
        c.shrinkage = o.shrinkage.value_or(shrinkage);
        if (o.patience_s) c.patience_s = *o.patience_s;
        return c;
    }
};

struct config {
    std::string timezone = "UTC";
    std::map<std::string, std::string> columns;  ///< spec name -> the header in the user's file
    int csat_min = 1, csat_max = 5, csat_satisfied_min = 4;
    int ces_min = 1, ces_max = 7;
    std::map<std::string, double> sla_first_response_s = {
        {"chat", 30}, {"phone", 20}, {"social", 3600}, {"email", 86400}};
    std::map<std::string, double> sla_by_priority_first_response_s = {{"urgent", 60}};
    abandoned_rule sla_abandoned = abandoned_rule::breach;
    double fcr_window_s = 604800;
    bool fcr_same_category = true;
    double complaint_respond_s = 86400, complaint_resolve_s = 259200;
    std::string complaint_category = "complaint";
    std::string presale_category = "presale";
    /// Section 15: days after a rated interaction in which an order counts as a repurchase.
    double loyalty_window_days = 30;
    /// Pre-sales attribution from an orders table (analysis/presale.hpp).
    struct presale_rules {
        enum class window_kind { hours, same_day, next_day };
        static constexpr std::array<std::string_view, 3> window_names = {"hours", "same_day",
                                                                         "next_day"};
        static std::string_view name_of(window_kind k) {
            return window_names[static_cast<std::size_t>(k)];
        }
        double window_h = 72;
        window_kind window = window_kind::hours;
        bool all_interactions = false;  ///< inquiries: every interaction, not presale_category
        std::vector<std::string> refund_statuses = {"refunded", "退款成功"};
        bool operator==(const presale_rules&) const = default;
    } presale;
    /// attribute_by: the instant that buckets each metric family (config/attribution.hpp).
    attribution attribute_by;
    double confidence = 0.95;
    /// Duration quantiles: exact (false), or from a sketch of relative error
    /// quantile_relative_error (detail/duration_sketch.hpp).
    bool quantile_sketch = false;
    double quantile_relative_error = 0.01;
    bool strict = false;
    /// Section 11 keys (events, clock, calendars, calendar_by, sla_policies, as_of), kept as
    /// given and validated by the timeline module (timeline/options.hpp).
    json timeline = json::object();
    /// Vendor import preset the configuration starts from ("" = none; input/presets.hpp).
    std::string preset;
    /// Columns mapped by the preset and not by the user: optional (an export may lack them).
    std::set<std::string> preset_columns;
    /// How the interactions, events ("events" object) and reviews ("reviews" object) files are
    /// read: value maps, units, formats, encoding, delimiter (input/import_options.hpp).
    import_options input, events_input, reviews_input;
    staffing_config staffing;
    /// Section 17: the live monitor's windows, limits and alert rules, kept as given and
    /// validated by the monitor module (monitor/options.hpp).
    json monitor;
    /// Privacy (docs/PRIVACY.md): a salt makes customer keys a keyed hash; groups with fewer
    /// interactions than min_group_size have their metrics suppressed; rejects may hide values.
    std::string privacy_salt;
    std::string
        privacy_salt_id;  ///< the key id a state read back carries (the salt is never written)
    int privacy_min_group_size = 0;
    bool rejects_show_values = true;

    /// The key id of the customer hash: from the salt, or as read back; "" without a salt.
    std::string salt_id() const {
        return privacy_salt.empty() ? privacy_salt_id
                                    : detail::customer_hasher(privacy_salt).key_id();
    }

    /// Parses a configuration document. Throws config_error naming the offending key path.
    static config from_json(const json& j);
    /// The effective configuration, defaults included (echoed in the report).
    json to_json() const;
};

namespace detail {
inline std::string type_name(const json& v) {
    return v.type_name();
}

inline double get_number(const json& v, const std::string& path, bool non_negative = true) {
    if (!v.is_number()) throw config_error(path, "expected a number, actual " + type_name(v));
    const double d = v.get<double>();
    if (!std::isfinite(d) || (non_negative && d < 0))
        throw config_error(path, "expected a finite number >= 0, actual " + v.dump());
    return d;
}
/// A duration in seconds: finite, >= 0 and at most max_duration_s (100 years).
inline double get_seconds(const json& v, const std::string& path) {
    const double d = get_number(v, path);
    if (d > max_duration_s)
        throw config_error(path, "expected 0..3155760000 seconds (100 years), actual " + v.dump());
    return d;
}
/// An integer that fits `int` (a larger one is an error, never truncated).
inline int get_int(const json& v, const std::string& path) {
    if (!v.is_number_integer()) throw config_error(path, "expected an integer, actual " + v.dump());
    const bool fits =
        v.is_number_unsigned()
            ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT32_MAX)
            : v.get<std::int64_t>() >= INT32_MIN && v.get<std::int64_t>() <= INT32_MAX;
    if (!fits)
        throw config_error(
            path, "expected an integer from -2147483648 to 2147483647, actual " + v.dump());
    return static_cast<int>(v.get<std::int64_t>());
}
/// events.min_rounds of an "events" object (its preset merged): judged rounds below which a
/// group's round_response_rate is not assessed; 0 when unset.
inline double events_min_rounds(const json& events) {
    if (!events.is_object() || !events.contains("min_rounds")) return 0;
    const int n = get_int(events["min_rounds"], "events.min_rounds");
    if (n < 0) throw config_error("events.min_rounds", "expected a number of rounds >= 0");
    return n;
}
inline bool get_bool(const json& v, const std::string& path) {
    if (!v.is_boolean()) throw config_error(path, "expected true or false, actual " + v.dump());
    return v.get<bool>();
}
inline std::string get_string(const json& v, const std::string& path) {
    if (!v.is_string()) throw config_error(path, "expected a string, actual " + type_name(v));
    return v.get<std::string>();
}
inline void expect_object(const json& v, const std::string& path) {
    if (!v.is_object()) throw config_error(path, "expected an object, actual " + type_name(v));
}
/// Throws for an unknown key at `path`, suggesting the nearest of `known` (its siblings).
inline void unknown_key(const std::string& path, const std::vector<std::string>& known = {}) {
    if (known.empty()) throw config_error(path, "unknown key");
    const std::string key = path.substr(path.rfind('.') + 1);
    throw config_error(
        path, "unknown key" + did_you_mean(key, known) + "; expected one of " + join_names(known));
}
inline std::string join(const std::string& a, const std::string& b) {
    return a.empty() ? b : a + "." + b;
}
inline void get_scale(const json& v, const std::string& path, int& lo, int& hi) {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number_integer() || !v[1].is_number_integer())
        throw config_error(path, "expected [min, max] integers, actual " + v.dump());
    lo = get_int(v[0], path + "[0]");
    hi = get_int(v[1], path + "[1]");
    if (lo >= hi) throw config_error(path, "expected min < max, actual " + v.dump());
}
inline std::map<std::string, double> get_seconds_map(const json& v, const std::string& path) {
    expect_object(v, path);
    std::map<std::string, double> m;
    for (const auto& [k, x] : v.items()) m[k] = get_seconds(x, join(path, k));
    return m;
}

/// The "staffing" section (section 16); shares must lie in their ranges, the interval is one
/// of 15m, 30m, 60m.
inline double staffing_share(const json& x, const std::string& p, bool open_top) {
    const double d = get_number(x, p);
    if (!(d > 0 && (open_top ? d < 1 : d <= 1)))
        throw config_error(p, std::string("expected a share in (0, 1") + (open_top ? ")" : "]") +
                                  ", actual " + x.dump());
    return d;
}
inline double staffing_shrinkage(const json& x, const std::string& p) {
    const double d = get_number(x, p);
    if (d >= 1) throw config_error(p, "expected a share in [0, 1), actual " + x.dump());
    return d;
}
inline std::optional<double> staffing_patience(const json& x, const std::string& p) {
    if (x.is_null()) return std::nullopt;
    const double d = get_seconds(x, p);
    if (d <= 0) throw config_error(p, "expected a number > 0, actual " + x.dump());
    return d;
}

/// staffing.channels: per channel, overrides of the targets (the keys a channel may differ in).
inline void read_staffing_channels(staffing_config& s, const json& v, const std::string& path) {
    expect_object(v, path);
    static const std::vector<std::string> keys = {"service_level", "within_s",  "short_abandon_s",
                                                  "max_occupancy", "shrinkage", "patience_s"};
    for (const auto& [ch, o] : v.items()) {
        const std::string cp = join(path, ch);
        expect_object(o, cp);
        staffing_channel c;
        for (const auto& [k, x] : o.items()) {
            const std::string p = join(cp, k);
            if (k == "service_level")
                c.service_level = staffing_share(x, p, true);
            else if (k == "within_s")
                c.within_s = get_seconds(x, p);
            else if (k == "short_abandon_s")
                c.short_abandon_s = get_seconds(x, p);
            else if (k == "max_occupancy")
                c.max_occupancy = staffing_share(x, p, false);
            else if (k == "shrinkage")
                c.shrinkage = staffing_shrinkage(x, p);
            else if (k == "patience_s")
                c.patience_s = staffing_patience(x, p);
            else
                unknown_key(p, keys);
        }
        s.channels[ch] = c;
    }
}

/// The "staffing" section (section 16); shares must lie in their ranges, the interval is one
/// of 15m, 30m, 60m.
inline void read_staffing(staffing_config& s, const json& v) {
    expect_object(v, "staffing");
    static const std::vector<std::string> keys = {
        "interval",  "service_level", "within_s",   "short_abandon_s", "max_occupancy",
        "shrinkage", "weeks",         "patience_s", "concurrency",     "concurrency_inflation",
        "channels"};
    for (const auto& [k, x] : v.items()) {
        const std::string p = "staffing." + k;
        if (k == "interval") {
            const std::string t = x.is_string() ? x.get<std::string>() : "";
            if (t == "15m")
                s.interval_s = 900;
            else if (t == "30m")
                s.interval_s = 1800;
            else if (t == "60m" || t == "1h")
                s.interval_s = 3600;
            else
                throw config_error(p, "expected \"15m\", \"30m\" or \"60m\", actual " + x.dump());
        } else if (k == "service_level")
            s.service_level = staffing_share(x, p, true);
        else if (k == "within_s")
            s.within_s = get_seconds(x, p);
        else if (k == "short_abandon_s")
            s.short_abandon_s = get_seconds(x, p);
        else if (k == "max_occupancy")
            s.max_occupancy = staffing_share(x, p, false);
        else if (k == "shrinkage")
            s.shrinkage = staffing_shrinkage(x, p);
        else if (k == "weeks") {
            s.weeks = get_int(x, p);
            if (s.weeks < 1 || s.weeks > 520)
                throw config_error(p, "expected an integer from 1 to 520, actual " + x.dump());
        } else if (k == "patience_s") {
            s.patience_s = staffing_patience(x, p);
        } else if (k == "concurrency") {
            s.concurrency = get_seconds_map(x, p);
            for (const auto& [ch, n] : s.concurrency)
                if (n < 1)
                    throw config_error(
                        join(p, ch),
                        "expected a number >= 1 of contacts at once, actual " + std::to_string(n));
        } else if (k == "concurrency_inflation") {
            if (x.is_null()) {
                s.concurrency_inflation.reset();
            } else {
                const double d = get_number(x, p);
                if (!(d > 0 && d <= 100))
                    throw config_error(
                        p,
                        "expected a factor in (0, 100], or null to measure it, actual " + x.dump());
                s.concurrency_inflation = d;
            }
        } else if (k == "channels")
            read_staffing_channels(s, x, p);
        else
            unknown_key(p, keys);
    }
}

/// The "presale" section: how an orders table credits inquiries (analysis/presale.hpp).
inline void read_presale(config::presale_rules& r, const json& v) {
    expect_object(v, "presale");
    for (const auto& [k, x] : v.items()) {
        const std::string p = "presale." + k;
        if (k == "window_h") {
            r.window_h = get_number(x, p);
            if (!(r.window_h > 0 && r.window_h <= 8784))
                throw config_error(p, "expected hours in (0, 8784], actual " + x.dump());
        } else if (k == "window") {
            using rules = config::presale_rules;
            const std::string t = x.is_string() ? x.get<std::string>() : "";
            const auto at = std::find(rules::window_names.begin(), rules::window_names.end(), t);
            if (at == rules::window_names.end())
                throw config_error(
                    p, "expected \"hours\", \"same_day\" or \"next_day\", actual " + x.dump());
            r.window = static_cast<rules::window_kind>(at - rules::window_names.begin());
        } else if (k == "inquiries") {
            const std::string t = x.is_string() ? x.get<std::string>() : "";
            if (t != "presale_category" && t != "all")
                throw config_error(p,
                                   "expected \"presale_category\" or \"all\", actual " + x.dump());
            r.all_interactions = t == "all";
        } else if (k == "refund_statuses") {
            if (!x.is_array())
                throw config_error(p, "expected a list of strings, actual " + x.dump());
            r.refund_statuses.clear();
            for (std::size_t i = 0; i < x.size(); ++i)
                r.refund_statuses.push_back(get_string(x[i], p + "[" + std::to_string(i) + "]"));
        } else {
            unknown_key(p, {"window_h", "window", "inquiries", "refund_statuses"});
        }
    }
}
}  // namespace detail

/// The top-level keys of event logs (section 11), kept in config::timeline and read by the
/// timeline module.
inline const std::vector<std::string>& timeline_keys() {
    static const std::vector<std::string> k = {"events",      "clock",        "calendars",
                                               "calendar_by", "sla_policies", "as_of"};
    return k;
}

namespace detail {
inline void read_privacy(const json& v, config& c);
inline void read_attribution(const json& v, attribution& a);
}  // namespace detail

inline config config::from_json(const json& j) {
    using namespace detail;
    config c;
    if (j.is_null()) return c;
    expect_object(j, "");
    if (j.contains("preset")) {
        c.preset = get_string(j["preset"], "preset");
        const json* p = import_preset(c.preset);
        if (!p)
            throw config_error("preset", "unknown preset '" + c.preset + "'" +
                                             did_you_mean(c.preset, preset_names()) +
                                             "; expected one of " + join_names(preset_names()));
        json merged = merge_config(*p, j);
        merged.erase("preset");
        for (const auto& [k, v] : (*p)["columns"].items())
            if (!j.contains("columns") || !j["columns"].contains(k)) c.preset_columns.insert(k);
        config m = from_json(merged);
        m.preset = c.preset;
        m.preset_columns = std::move(c.preset_columns);
        return m;
    }
    for (const auto& [key, v] : j.items()) {
        if (read_import_key(c.input, key, v, interactions_schema(), "", /*with_columns=*/false))
            continue;
        if (key == "timezone") {
            c.timezone = get_string(v, key);
            try {
                (void)time_zone(c.timezone);  // checked where it is read, with a suggestion
            } catch (const std::invalid_argument& e) {
                throw config_error(key, e.what());
            }
        } else if (key == "columns") {
            expect_object(v, key);
            c.columns.clear();
            for (const auto& [k, x] : v.items()) c.columns[k] = get_string(x, join(key, k));
        } else if (key == "csat") {
            expect_object(v, key);
            for (const auto& [k, x] : v.items()) {
                if (k == "scale")
                    get_scale(x, "csat.scale", c.csat_min, c.csat_max);
                else if (k == "satisfied_min")
                    c.csat_satisfied_min = get_int(x, "csat.satisfied_min");
                else
                    unknown_key(join(key, k), {"scale", "satisfied_min"});
            }
        } else if (key == "ces") {
            expect_object(v, key);
            for (const auto& [k, x] : v.items()) {
                if (k == "scale")
                    get_scale(x, "ces.scale", c.ces_min, c.ces_max);
                else
                    unknown_key(join(key, k), {"scale"});
            }
        } else if (key == "sla") {
            expect_object(v, key);
            for (const auto& [k, x] : v.items()) {
                const std::string p = join(key, k);
                if (k == "first_response_s") {
                    c.sla_first_response_s = get_seconds_map(x, p);
                } else if (k == "by_priority") {
                    expect_object(x, p);
                    c.sla_by_priority_first_response_s.clear();
                    for (const auto& [prio, o] : x.items()) {
                        const std::string pp = join(p, prio);
                        expect_object(o, pp);
                        for (const auto& [t, s] : o.items()) {
                            if (t != "first_response_s")
                                unknown_key(join(pp, t), {"first_response_s"});
                            c.sla_by_priority_first_response_s[prio] = get_seconds(s, join(pp, t));
                        }
                    }
                } else if (k == "abandoned") {
                    const std::string r = get_string(x, p);
                    if (r == "breach")
                        c.sla_abandoned = abandoned_rule::breach;
                    else if (r == "exclude")
                        c.sla_abandoned = abandoned_rule::exclude;
                    else
                        throw config_error(
                            p, "expected \"breach\" or \"exclude\", actual \"" + r + "\"");
                } else {
                    unknown_key(p, {"first_response_s", "by_priority", "abandoned"});
                }
            }
        } else if (key == "fcr") {
            expect_object(v, key);
            for (const auto& [k, x] : v.items()) {
                if (k == "window_s")
                    c.fcr_window_s = get_seconds(x, "fcr.window_s");
                else if (k == "same_category")
                    c.fcr_same_category = get_bool(x, "fcr.same_category");
                else
                    unknown_key(join(key, k), {"window_s", "same_category"});
            }
        } else if (key == "complaint") {
            expect_object(v, key);
            for (const auto& [k, x] : v.items()) {
                if (k == "respond_s")
                    c.complaint_respond_s = get_seconds(x, "complaint.respond_s");
                else if (k == "resolve_s")
                    c.complaint_resolve_s = get_seconds(x, "complaint.resolve_s");
                else if (k == "category")
                    c.complaint_category = get_string(x, "complaint.category");
                else
                    unknown_key(join(key, k), {"respond_s", "resolve_s", "category"});
            }
        } else if (key == "staffing") {
            read_staffing(c.staffing, v);
        } else if (key == "monitor") {
            expect_object(v, key);
            c.monitor = v;
        } else if (key == "loyalty") {
            expect_object(v, key);
            for (const auto& [k, x] : v.items()) {
                if (k != "window_days") unknown_key(join(key, k), {"window_days"});
                c.loyalty_window_days = get_number(x, "loyalty.window_days");
                if (!(c.loyalty_window_days > 0 && c.loyalty_window_days <= 3660))
                    throw config_error("loyalty.window_days",
                                       "expected days in (0, 3660], actual " + x.dump());
            }
        } else if (key == "presale") {
            read_presale(c.presale, v);
        } else if (key == "presale_category") {
            c.presale_category = get_string(v, key);
        } else if (key == "attribute_by") {
            read_attribution(v, c.attribute_by);
        } else if (key == "confidence") {
            c.confidence = get_number(v, key);
            if (!(c.confidence > 0 && c.confidence < 1))
                throw config_error(key, "expected a number in (0, 1), actual " + v.dump());
        } else if (key == "quantiles") {
            const std::string m = get_string(v, key);
            if (m != "exact" && m != "sketch")
                throw config_error(key, "expected \"exact\" or \"sketch\", actual " + v.dump());
            c.quantile_sketch = m == "sketch";
        } else if (key == "quantile_relative_error") {
            c.quantile_relative_error = get_number(v, key);
            if (!(c.quantile_relative_error >= 1e-4 && c.quantile_relative_error < 0.5))
                throw config_error(key, "expected a number in [0.0001, 0.5), actual " + v.dump());
        } else if (key == "strict") {
            c.strict = get_bool(v, key);
        } else if (key == "privacy") {
            read_privacy(v, c);
        } else if (key == "rejects") {
            expect_object(v, key);
            for (const auto& [k, x] : v.items()) {
                if (k == "show_values")
                    c.rejects_show_values = get_bool(x, "rejects.show_values");
                else
                    unknown_key(join(key, k), {"show_values"});
            }
        } else if (key == "scorecard" || key == "rubric" || key == "targets" ||
                   key == "targets_tolerance") {
            // Sections 9, 10 and 12; read by their engines, accepted here so one file can hold all.
        } else if (std::find(timeline_keys().begin(), timeline_keys().end(), key) !=
                   timeline_keys().end()) {
            c.timeline[key] = v;
            if (key == "events") {
                expect_object(v, key);
                c.timeline[key] =
                    timeline::with_event_preset(v);  // the effective config shows what it sets
                if (v.contains("preset") &&
                    v["preset"] == "chatwoot")  // Chatwoot's own status names
                    c.events_input.values["status"] = {{"resolved", "solved"}, {"snoozed", "hold"}};
                for (const auto& [k, x] : v.items())
                    read_import_key(c.events_input, k, x, events_schema(), "events", true);
            }
        } else if (key == "reviews") {
            expect_object(v, key);
            for (const auto& [k, x] : v.items())
                if (!read_import_key(c.reviews_input, k, x, reviews_schema(), "reviews", true))
                    throw config_error("reviews." + k,
                                       "unknown key" + did_you_mean(k, import_keys()) +
                                           "; expected one of " + join_names(import_keys()));
        } else {
            static const std::vector<std::string> keys = {"timezone",
                                                          "columns",
                                                          "csat",
                                                          "ces",
                                                          "sla",
                                                          "fcr",
                                                          "complaint",
                                                          "presale_category",
                                                          "confidence",
                                                          "quantiles",
                                                          "quantile_relative_error",
                                                          "strict",
                                                          "scorecard",
                                                          "rubric",
                                                          "events",
                                                          "clock",
                                                          "calendars",
                                                          "calendar_by",
                                                          "sla_policies",
                                                          "as_of",
                                                          "preset",
                                                          "values",
                                                          "units",
                                                          "formats",
                                                          "encoding",
                                                          "delimiter",
                                                          "skip_lines",
                                                          "reviews",
                                                          "staffing",
                                                          "targets",
                                                          "targets_tolerance",
                                                          "privacy",
                                                          "rejects",
                                                          "monitor",
                                                          "loyalty",
                                                          "presale",
                                                          "attribute_by"};
            throw config_error(key, "unknown key" + did_you_mean(key, keys));
        }
    }
    if (c.csat_satisfied_min < c.csat_min || c.csat_satisfied_min > c.csat_max)
        throw config_error("csat.satisfied_min", "expected a value inside csat.scale, actual " +
                                                     std::to_string(c.csat_satisfied_min));
    return c;
}

namespace detail {
/// The "privacy" section. `salt_id` is what a report or state echoes instead of the salt; given
/// with a salt it must name the same key (a check that the right salt is in use).
inline void read_privacy(const json& v, config& c) {
    expect_object(v, "privacy");
    for (const auto& [k, x] : v.items()) {
        const std::string p = join("privacy", k);
        if (k == "salt") {
            c.privacy_salt = get_string(x, p);
            if (c.privacy_salt.empty()) throw config_error(p, "expected a non-empty string");
        } else if (k == "salt_id") {
            c.privacy_salt_id = get_string(x, p);
        } else if (k == "min_group_size") {
            c.privacy_min_group_size = get_int(x, p);
            if (c.privacy_min_group_size < 0)
                throw config_error(p, "expected an integer >= 0, actual " + x.dump());
        } else {
            unknown_key(p, {"salt", "min_group_size", "salt_id"});
        }
    }
    if (!c.privacy_salt.empty() && !c.privacy_salt_id.empty() &&
        customer_hasher(c.privacy_salt).key_id() != c.privacy_salt_id)
        throw config_error("privacy.salt_id", "does not match privacy.salt (another salt made it)");
}

/// "attribute_by": one instant for every family, or {family: instant}; families left out stay
/// on created.
inline void read_attribution(const json& v, attribution& a) {
    std::vector<std::string> instants(attribution::instant_names.begin(),
                                      attribution::instant_names.end());
    auto instant = [&](const json& x, const std::string& path) {
        const std::string name = get_string(x, path);
        const auto k = attribution::instant_of(name);
        if (!k)
            throw config_error(path, "unknown instant \"" + name + "\"" +
                                         did_you_mean(name, instants) + "; expected one of " +
                                         join_names(instants));
        return *k;
    };
    a = {};
    if (v.is_string()) {
        a.of.fill(instant(v, "attribute_by"));
        return;
    }
    if (!v.is_object())
        throw config_error(
            "attribute_by",
            "expected an instant name or an object of families, actual " + type_name(v));
    const std::vector<std::string> families(attribution::family_names.begin(),
                                            attribution::family_names.end());
    for (const auto& [k, x] : v.items()) {
        const auto f = attribution::family_of(k);
        if (!f) unknown_key(join("attribute_by", k), families);
        a.of[static_cast<std::size_t>(*f)] = instant(x, join("attribute_by", k));
    }
}
}  // namespace detail

inline json staffing_config::to_json() const {
    json j = {{"interval", std::to_string(static_cast<int>(interval_s / 60)) + "m"},
              {"service_level", service_level},
              {"within_s", within_s},
              {"short_abandon_s", short_abandon_s},
              {"max_occupancy", max_occupancy},
              {"shrinkage", shrinkage},
              {"weeks", weeks},
              {"concurrency", concurrency}};
    j["concurrency_inflation"] =
        concurrency_inflation ? json(*concurrency_inflation) : json(nullptr);
    j["patience_s"] = patience_s ? json(*patience_s) : json(nullptr);
    if (!channels.empty()) {
        json c = json::object();
        for (const auto& [ch, o] : channels) c[ch] = o.to_json();
        j["channels"] = std::move(c);
    }
    return j;
}

inline json staffing_channel::to_json() const {
    json j = json::object();
    for (auto [k, v] :
         {std::pair{"service_level", &service_level}, std::pair{"within_s", &within_s},
          std::pair{"short_abandon_s", &short_abandon_s},
          std::pair{"max_occupancy", &max_occupancy}, std::pair{"shrinkage", &shrinkage}})
        if (*v) j[k] = **v;
    if (patience_s) j["patience_s"] = *patience_s ? json(**patience_s) : json(nullptr);
    return j;
}

inline json config::to_json() const {
    json j;
    j["timezone"] = timezone;
    j["columns"] = json::object();
    for (const auto& [k, v] : columns) j["columns"][k] = v;
    j["csat"] = {{"scale", {csat_min, csat_max}}, {"satisfied_min", csat_satisfied_min}};
    j["ces"] = {{"scale", {ces_min, ces_max}}};
    json fr = json::object(), bp = json::object();
    for (const auto& [k, v] : sla_first_response_s) fr[k] = v;
    for (const auto& [k, v] : sla_by_priority_first_response_s) bp[k] = {{"first_response_s", v}};
    j["sla"] = {{"first_response_s", fr},
                {"by_priority", bp},
                {"abandoned", sla_abandoned == abandoned_rule::breach ? "breach" : "exclude"}};
    j["fcr"] = {{"window_s", fcr_window_s}, {"same_category", fcr_same_category}};
    j["complaint"] = {{"respond_s", complaint_respond_s},
                      {"resolve_s", complaint_resolve_s},
                      {"category", complaint_category}};
    j["staffing"] = staffing.to_json();
    j["presale_category"] = presale_category;
    if (loyalty_window_days != 30) j["loyalty"] = {{"window_days", loyalty_window_days}};
    if (presale != presale_rules{}) {
        j["presale"] = {{"window_h", presale.window_h},
                        {"window", std::string(presale_rules::name_of(presale.window))},
                        {"inquiries", presale.all_interactions ? "all" : "presale_category"},
                        {"refund_statuses", presale.refund_statuses}};
    }
    if (!attribute_by.by_created()) {
        json a = json::object();
        for (std::size_t f = 0; f < attribution::families; ++f)
            a[std::string(attribution::family_names[f])] =
                std::string(attribution::name_of(attribute_by.of[f]));
        j["attribute_by"] = std::move(a);
    }
    j["confidence"] = confidence;
    if (quantile_sketch) {  // absent in exact mode, as configurations before sketches were
        j["quantiles"] = "sketch";
        j["quantile_relative_error"] = quantile_relative_error;
    }
    j["strict"] = strict;
    if (const std::string id = salt_id(); !id.empty() || privacy_min_group_size > 0) {
        j["privacy"] = {{"min_group_size", privacy_min_group_size}};
        if (!id.empty()) j["privacy"]["salt_id"] = id;  // never the salt itself
    }
    if (!rejects_show_values) j["rejects"] = {{"show_values", false}};
    for (const auto& [k, v] : timeline.items()) j[k] = v;
    if (!monitor.is_null()) j["monitor"] = monitor;
    if (!preset.empty()) j["preset"] = preset;
    input.to_json(j, false);
    if (reviews_input.adapts_cells() || reviews_input.converts_bytes() ||
        !reviews_input.columns.empty()) {
        j["reviews"] = json::object();
        reviews_input.to_json(j["reviews"], true);
    }
    return j;
}

}  // namespace cskpi
