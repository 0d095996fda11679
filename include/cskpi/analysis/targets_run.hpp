#pragma once
// Targets from files: one reading of the input for every target's groupings, a history input
// for split "history", as_of from the caller, the configuration or the latest row.
#include <optional>
#include <string>

#include "../engine/run.hpp"
#include "../timeline/derive.hpp"
#include "targets.hpp"

namespace cskpi::analysis {

struct targets_inputs {
    std::string path;     ///< the interactions to date
    std::string history;  ///< split "history": an earlier input ("" = none)
    std::optional<std::string>
        as_of;  ///< a timestamp; unset = config "as_of", else the latest created_at
};

/// What pacing needs besides the reports: the targets, as_of when fixed, the business calendar
/// and the scorecard's directions. Built before the input is read, so a bad target fails first.
struct targets_setup {
    targets_config tc;
    std::optional<micros> as_of;
    std::optional<timeline::calendar> calendar;
    std::optional<scorecard> card;
    std::string history;

    /// Throws config_error (a bad target, a missing history or calendar, a bad as_of).
    static targets_setup from(const targets_inputs& in, const json& root, const config& cfg) {
        targets_setup s;
        s.tc = targets_config::from_json(root);
        s.history = in.history;
        const auto tl = timeline::timeline_options::from_config(cfg);
        s.as_of = tl.as_of;
        if (in.as_of) {
            s.as_of = parse_timestamp(*in.as_of, time_zone(cfg.timezone));
            if (!s.as_of)
                throw config_error("--as-of", "expected a timestamp, actual \"" + *in.as_of + "\"");
        }
        for (const auto& t : s.tc.targets) {
            if (t.split == split_kind::history && in.history.empty())
                throw config_error("--history",
                                   "split \"history\" needs a history input (--history FILE)");
            if (t.split == split_kind::business_days && !s.calendar) {
                const auto it = tl.calendars.find("default");
                if (it == tl.calendars.end())
                    throw config_error("calendars.default",
                                       "split \"business_days\" needs a calendar named default");
                s.calendar = it->second;
            }
        }
        if (root.is_object() && root.contains("scorecard"))
            s.card = scorecard::from_json(root["scorecard"]);
        return s;
    }

    /// Paces the targets on `reps` (holding target_groupings(tc)); `latest` is the latest
    /// created_at read. Reads the history input when a target needs it.
    targets_result pace_on(const std::vector<report>& reps, std::optional<micros> latest,
                           const config& cfg, const run_options& opt = {}) const {
        const time_zone tz(cfg.timezone);
        if (as_of && latest && *as_of < *latest)
            throw config_error("as_of",
                               "as_of precedes rows of the input (the latest created_at is " +
                                   format_utc(*latest) + "): actuals would count them");
        const std::optional<micros> at = as_of ? as_of : latest;
        if (!at) throw config_error("as_of", "no row was accepted and no as_of was given");
        std::vector<report> hist;
        if (!history.empty())
            hist = run_reports(history, cfg, target_groupings(tc, {group_key::month}), opt);
        targets_result out =
            pace(tc, reps, hist, *at, tz, calendar ? &*calendar : nullptr, card ? &*card : nullptr);
        out.as_of_text = format_utc(*at);
        return out;
    }
};

/// Reads and paces. Throws config_error (a bad target, a missing history or calendar, an
/// as_of before rows of the input) and input_error as run_report.
inline targets_result run_targets(const targets_inputs& in, const json& root, const config& cfg,
                                  const run_options& opt = {}) {
    const targets_setup setup = targets_setup::from(in, root, cfg);
    if (setup.tc.targets.empty()) throw config_error("targets", "the configuration has no targets");
    const auto bys = target_groupings(setup.tc);
    run_options once = opt;
    once.reports_only = true;  // the states become reports below
    auto partial = run_partial_multi(in.path, cfg, bys, once);
    const auto latest = partial.second.front().latest_created();
    const std::vector<report> reps =
        cskpi::detail::finish_multi(std::move(partial), bys, opt.threads);
    return setup.pace_on(reps, latest, cfg, opt);
}

}  // namespace cskpi::analysis
