#pragma once
// Automatic transcript checks (自动质检, spec section 10): rules over a conversation's message
// events give rubric items a score without a reviewer. Text is UTF-8 and matched by RE2 in
// UTF-8 mode, so `.` and character counts are code points (Chinese is not split into bytes).
// A passing rule gives the item its scale maximum, a failing one its minimum; a rule with
// nothing to judge (no agent message) leaves the item unrated.
//
// Automatic ratings merge into the human reviews of the same interaction, filling only items
// the reviewer left out (a person's rating always wins); an interaction nobody reviewed gets a
// review of its own, id "auto:<interaction_id>", reviewer "auto". Every automatic rating is
// marked, and calibration ignores them (they would agree with themselves).
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "../input/table_reader.hpp"
#include "../timeline/derive.hpp"
#include "reviews.hpp"

namespace cskpi::qa {

/// One message of a transcript that a rule judges: a customer's, or an agent's public one.
struct message_event {
    std::string interaction_id;
    micros at = 0;
    std::optional<std::string> agent;
    bool answers = false;  ///< an agent's public message (not a note)
    std::string text;
    std::uint64_t line = 0;
};

/// A rule and the rubric item it scores.
struct check_rule {
    enum class kind { greeting, closing, forbidden, response_within, masked_pii };
    kind what = kind::greeting;
    std::string item;
    std::size_t item_index = 0;
    std::shared_ptr<RE2>
        pattern;  ///< greeting/closing: must match; forbidden: must not; masked_pii: must not
    std::optional<std::size_t>
        within_chars;    ///< greeting/closing: only the first/last N code points count
    double seconds = 0;  ///< response_within
};

/// Number of code points of UTF-8 text (continuation bytes are 10xxxxxx).
inline std::size_t code_points(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

/// The first (or last) `n` code points of UTF-8 text.
inline std::string_view first_code_points(std::string_view s, std::size_t n) {
    std::size_t i = 0, seen = 0;
    for (; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == n) break;
    return s.substr(0, i);
}
inline std::string_view last_code_points(std::string_view s, std::size_t n) {
    std::size_t i = s.size(), seen = 0;
    while (i > 0 && seen < n) {
        --i;
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++seen;
    }
    return s.substr(i);
}

/// Rules for automatic checks, parsed from JSON:
/// {"case_insensitive": false, "checks": [
///   {"item": "greeting", "rule": "greeting", "phrases": ["您好"], "patterns": ["..."],
///   "within_chars": 20},
///   {"item": "closing", "rule": "closing", "phrases": ["祝您生活愉快"]},
///   {"item": "no_forbidden", "rule": "forbidden", "phrases": ["不知道"]},
///   {"item": "speed", "rule": "response_within", "seconds": 60},
///   {"item": "privacy", "rule": "masked_pii", "kinds": ["phone", "id_number"]}]}
class check_rules {
public:
    static check_rules from_json(const json& j, const rubric& rb) {
        const json& r = j.is_object() && j.contains("auto_checks") ? j["auto_checks"] : j;
        const std::string root = "auto_checks";
        detail::expect_object(r, root);
        check_rules out;
        bool ci = false;
        if (r.contains("case_insensitive"))
            ci = detail::get_bool(r["case_insensitive"], root + ".case_insensitive");
        if (!r.contains("checks")) throw config_error(root + ".checks", "required");
        for (const auto& [k, v] : r.items())
            if (k != "checks" && k != "case_insensitive") detail::unknown_key(root + "." + k);
        const json& cs = r["checks"];
        if (!cs.is_array() || cs.empty())
            throw config_error(root + ".checks", "expected a non-empty array");
        for (std::size_t i = 0; i < cs.size(); ++i)
            out.rules_.push_back(
                parse_rule(cs[i], root + ".checks[" + std::to_string(i) + "]", rb, ci));
        return out;
    }
    const std::vector<check_rule>& rules() const noexcept { return rules_; }

private:
    static std::shared_ptr<RE2> compile(const std::vector<std::string>& alternatives, bool ci,
                                        const std::string& path) {
        std::string p;
        for (const auto& a : alternatives) {
            if (!p.empty()) p += '|';
            p.append("(?:").append(a).append(")");
        }
        RE2::Options o;
        o.set_case_sensitive(!ci);
        o.set_log_errors(false);
        auto re = std::make_shared<RE2>(p, o);
        if (!re->ok()) throw config_error(path, "bad regular expression: " + re->error());
        return re;
    }

    static check_rule parse_rule(const json& v, const std::string& path, const rubric& rb,
                                 bool ci) {
        detail::expect_object(v, path);
        check_rule c;
        if (!v.contains("item")) throw config_error(path + ".item", "required");
        if (!v.contains("rule")) throw config_error(path + ".rule", "required");
        c.item = detail::get_string(v["item"], path + ".item");
        const auto idx = rb.find(c.item);
        if (!idx)
            throw config_error(path + ".item", "unknown item '" + c.item + "' (not in the rubric)");
        c.item_index = *idx;
        const std::string rule = detail::get_string(v["rule"], path + ".rule");
        if (rule == "greeting")
            c.what = check_rule::kind::greeting;
        else if (rule == "closing")
            c.what = check_rule::kind::closing;
        else if (rule == "forbidden")
            c.what = check_rule::kind::forbidden;
        else if (rule == "response_within")
            c.what = check_rule::kind::response_within;
        else if (rule == "masked_pii")
            c.what = check_rule::kind::masked_pii;
        else
            throw config_error(
                path + ".rule",
                "expected greeting, closing, forbidden, response_within or masked_pii, actual \"" +
                    rule + "\"");
        std::vector<std::string> alts;
        bool has_kinds = false;
        for (const auto& [k, x] : v.items()) {
            const std::string kp = path + "." + k;
            if (k == "item" || k == "rule") continue;
            if (k == "phrases" || k == "patterns") {
                if (c.what == check_rule::kind::response_within ||
                    c.what == check_rule::kind::masked_pii)
                    throw config_error(kp, "not used by rule '" + rule + "'");
                if (!x.is_array()) throw config_error(kp, "expected an array of strings");
                for (std::size_t i = 0; i < x.size(); ++i) {
                    const std::string s =
                        detail::get_string(x[i], kp + "[" + std::to_string(i) + "]");
                    if (s.empty())
                        throw config_error(kp + "[" + std::to_string(i) + "]", "must not be empty");
                    alts.push_back(k == "phrases" ? RE2::QuoteMeta(s) : s);
                    if (k == "patterns") compile({s}, ci, kp + "[" + std::to_string(i) + "]");
                }
            } else if (k == "within_chars") {
                if (c.what != check_rule::kind::greeting && c.what != check_rule::kind::closing)
                    throw config_error(kp, "only greeting and closing rules take within_chars");
                const int n = detail::get_int(x, kp);
                if (n < 0) throw config_error(kp, "expected an integer >= 0, actual " + x.dump());
                c.within_chars = static_cast<std::size_t>(n);
            } else if (k == "seconds") {
                if (c.what != check_rule::kind::response_within)
                    throw config_error(kp, "only response_within takes seconds");
                c.seconds = detail::get_seconds(x, kp);
            } else if (k == "kinds") {
                if (c.what != check_rule::kind::masked_pii)
                    throw config_error(kp, "only masked_pii takes kinds");
                if (!x.is_array() || x.empty())
                    throw config_error(kp, "expected a non-empty array");
                has_kinds = true;
                for (std::size_t i = 0; i < x.size(); ++i) {
                    const std::string s =
                        detail::get_string(x[i], kp + "[" + std::to_string(i) + "]");
                    // Mainland mobile numbers and 18-character resident ID numbers, not part of
                    // a longer digit run; masked forms (138****8000) do not match.
                    if (s == "phone")
                        alts.push_back(R"((?:^|\D)1[3-9]\d{9}(?:\D|$))");
                    else if (s == "id_number")
                        alts.push_back(R"((?:^|\D)\d{17}[\dXx](?:\D|$))");
                    else if (s == "email")
                        alts.push_back(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})");
                    else
                        throw config_error(
                            kp + "[" + std::to_string(i) + "]",
                            "expected phone, id_number or email, actual \"" + s + "\"");
                }
            } else {
                detail::unknown_key(kp);
            }
        }
        if (c.what == check_rule::kind::masked_pii && !has_kinds) {
            alts.push_back(R"((?:^|\D)1[3-9]\d{9}(?:\D|$))");
            alts.push_back(R"((?:^|\D)\d{17}[\dXx](?:\D|$))");
        }
        if (c.what == check_rule::kind::response_within && !v.contains("seconds"))
            throw config_error(path + ".seconds", "required");
        if (c.what != check_rule::kind::response_within) {
            if (alts.empty())
                throw config_error(path + ".phrases", "required (phrases or patterns)");
            c.pattern = compile(alts, ci, path);
        }
        return c;
    }

    std::vector<check_rule> rules_;
};

/// Reads message events (spec section 11 columns, validated as an event log is; see
/// timeline::parse_event) and keeps the messages rules judge. Bad rows go to `ledger`.
inline std::vector<message_event> read_message_events(const table_source& src,
                                                      const std::string& zone,
                                                      reject_ledger& ledger, bool strict = false,
                                                      const import_options* imp = nullptr) {
    const auto& cols = timeline::event_columns();
    const time_zone tz(zone);
    std::vector<message_event> out;
    const std::string& path = src.name;
    for_each_record(
        src, cols, {"interaction_id", "at", "from"}, ledger,
        [&](const text_record& r) {
            timeline::event_problem why;
            const auto e = timeline::parse_event(r, tz, why);
            if (!e) {
                const std::size_t c = why.column;
                reject bad{r.line, cols[c], r.cells[c] ? detail::clip(*r.cells[c]) : std::string(),
                           std::move(why.reason)};
                if (strict) throw strict_error(path, bad, ledger.show_values);
                ledger.rejected(bad);
                return;
            }
            ledger.accepted();  // only messages are judged; other events are read and counted
            if (e->customer_message() || e->answers())
                out.push_back(
                    {*r.cells[0], e->at, e->agent, e->answers(), e->text.value_or(""), e->line});
        },
        imp ? *imp : import_options{});
    return out;
}

/// Automatic ratings of one interaction.
struct automatic_review {
    std::string interaction_id;
    std::optional<std::string> agent;  ///< sender of the first agent message
    std::vector<rating> ratings;       ///< per rubric item; absent where no rule applies
};

/// Applies `rules` to each interaction's messages (grouped by interaction_id, ordered by time,
/// file order on ties).
inline std::vector<automatic_review> run_checks(std::vector<message_event> events,
                                                const check_rules& rules, const rubric& rb) {
    std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
        return a.interaction_id != b.interaction_id ? a.interaction_id < b.interaction_id
                                                    : a.at < b.at;
    });
    std::vector<automatic_review> out;
    for (std::size_t b = 0; b < events.size();) {
        std::size_t e = b;
        while (e < events.size() && events[e].interaction_id == events[b].interaction_id) ++e;
        automatic_review ar;
        ar.interaction_id = events[b].interaction_id;
        ar.ratings.resize(rb.items.size());
        const message_event *first = nullptr, *last = nullptr;
        for (std::size_t i = b; i < e; ++i)
            if (events[i].answers) {
                if (!first) first = &events[i];
                last = &events[i];
            }
        if (first) ar.agent = first->agent;
        for (const auto& rule : rules.rules()) {
            std::optional<bool> pass;
            switch (rule.what) {
                case check_rule::kind::greeting:
                case check_rule::kind::closing: {
                    const message_event* m = rule.what == check_rule::kind::greeting ? first : last;
                    if (!m) break;
                    std::string_view t = m->text;
                    if (rule.within_chars)
                        t = rule.what == check_rule::kind::greeting
                                ? first_code_points(t, *rule.within_chars)
                                : last_code_points(t, *rule.within_chars);
                    pass = RE2::PartialMatch(t, *rule.pattern);
                    break;
                }
                case check_rule::kind::forbidden:
                case check_rule::kind::masked_pii: {
                    if (!first) break;
                    bool hit = false;
                    for (std::size_t i = b; i < e && !hit; ++i)
                        hit = events[i].answers && RE2::PartialMatch(events[i].text, *rule.pattern);
                    pass = !hit;
                    break;
                }
                case check_rule::kind::response_within: {
                    // Waiting-since: a wait runs from the oldest unanswered customer message to the
                    // next agent message; waits never answered are not judged.
                    std::optional<micros> since;
                    bool any = false, ok = true;
                    for (std::size_t i = b; i < e; ++i) {
                        if (!events[i].answers) {
                            if (!since) since = events[i].at;
                        } else if (since) {
                            any = true;
                            ok &= static_cast<double>(events[i].at - *since) <= rule.seconds * 1e6;
                            since.reset();
                        }
                    }
                    if (any) pass = ok;
                    break;
                }
            }
            if (!pass) continue;
            const rubric_item& it = rb.items[rule.item_index];
            rating& rt = ar.ratings[rule.item_index];
            // Two rules on one item: it passes only when both pass.
            const bool prior_fail = rt.st == rating::state::rated && rt.score == it.lo;
            rt = {rating::state::rated, (*pass && !prior_fail) ? it.hi : it.lo, true};
        }
        out.push_back(std::move(ar));
        b = e;
    }
    return out;
}

}  // namespace cskpi::qa
