#pragma once
// Targets from files: one reading of the input for every target's groupings, a history input
// for split "history", as_of from the caller, the configuration or the latest row.
#include <optional>
#include <string>

#include "../run.hpp"
#include "../timeline/derive.hpp"
#include "targets.hpp"

namespace cskpi::analysis {

struct targets_inputs {
    std::string path;              ///< the interactions to date
    std::string history;           ///< split "history": an earlier input ("" = none)
    std::optional<std::string> as_of;  ///< a timestamp; unset = config "as_of", else the latest created_at
};

/// Reads and paces. Throws config_error (a bad target, a missing history or calendar, an
/// as_of before rows of the input) and input_error as run_report.
inline targets_result run_targets(const targets_inputs& in, const json& root, const config& cfg, const run_options& opt = {}) {
    const targets_config tc = targets_config::from_json(root);
    if (tc.targets.empty()) throw config_error("targets", "the configuration has no targets");
    const time_zone tz(cfg.timezone);
    const auto tl = timeline::timeline_options::from_config(cfg);
    std::optional<micros> as_of = tl.as_of;
    if (in.as_of) {
        as_of = parse_timestamp(*in.as_of, tz);
        if (!as_of) throw config_error("--as-of", "expected a timestamp, actual \"" + *in.as_of + "\"");
    }
    bool history = false, business = false;
    for (const auto& t : tc.targets) {
        history = history || t.split == split_kind::history;
        business = business || t.split == split_kind::business_days;
    }
    if (history && in.history.empty()) throw config_error("--history", "split \"history\" needs a history input (--history FILE)");
    const timeline::calendar* cal = nullptr;
    if (business) {
        const auto it = tl.calendars.find("default");
        if (it == tl.calendars.end()) throw config_error("calendars.default", "split \"business_days\" needs a calendar named default");
        cal = &it->second;
    }
    const auto bys = target_groupings(tc);
    auto partial = run_partial_multi(in.path, cfg, bys, opt);
    const auto latest = partial.second.front().latest_created();
    std::vector<report> reps = cskpi::detail::finish_multi(std::move(partial), bys, opt.threads);
    if (as_of && latest && *as_of < *latest)
        throw config_error(in.as_of ? "--as-of" : "as_of", "as_of precedes rows of the input (the latest created_at is " +
                                                              format_utc(*latest) + "): actuals would count them");
    if (!as_of && !latest) throw config_error("as_of", "no row was accepted and no as_of was given");
    if (!as_of) as_of = latest;
    std::vector<report> hist;
    if (history) {
        std::vector<std::vector<group_key>> months;
        for (const auto& t : tc.targets) {
            std::vector<group_key> g;
            for (const auto& [k, v] : t.scope) g.push_back(k);
            g.push_back(group_key::month);
            if (std::find(months.begin(), months.end(), g) == months.end()) months.push_back(g);
        }
        hist = run_reports(in.history, cfg, months, opt);
    }
    std::optional<scorecard> card;
    if (root.is_object() && root.contains("scorecard")) card = scorecard::from_json(root["scorecard"]);
    targets_result out = pace(tc, reps, hist, *as_of, tz, cal, card ? &*card : nullptr);
    out.as_of_text = format_utc(*as_of);
    return out;
}

}  // namespace cskpi::analysis
