#pragma once
// One scorecard pipeline for `cskpi score` and Python's score() / team_scores(): the groupings
// a scorecard needs (its own, the case-mix cells, team roll-ups, reports asked beside it) are
// planned together so that one reading of the input gives them all; scores, team roll-ups and
// QA joins are then made from those reports here, whatever the input was.
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "../engine/grouping_list.hpp"
#include "../qa/join.hpp"
#include "scorecard.hpp"

namespace cskpi {

/// The groupings to read for a scorecard, and where each use finds its report.
struct score_plan {
    grouping_list need;
    scorecard_slots card_at;  ///< slot 0 is the scorecard's own grouping
    std::optional<std::pair<std::size_t, std::size_t>> teams_at;  ///< (team x agent, team)
    std::vector<std::size_t> report_at;  ///< the reports asked beside the scores

    /// `teams`: roll up an agent scorecard to teams (std::invalid_argument for another one).
    score_plan(const scorecard& card, bool teams,
               const std::vector<std::vector<group_key>>& report_bys = {})
        : card_at(need, card) {
        if (teams) {
            if (card.by != std::vector<group_key>{group_key::agent})
                throw std::invalid_argument(
                    "team roll-ups need an agent scorecard (by: [\"agent\"])");
            teams_at = std::pair{need.slot({group_key::team, group_key::agent}),
                                 need.slot({group_key::team})};
        }
        for (const auto& b : report_bys) report_at.push_back(need.slot(b));
    }

    /// What to read: one report per grouping, in this order.
    const std::vector<std::vector<group_key>>& groupings() const noexcept { return need.list(); }
};

/// Scores, team roll-ups and the reports asked beside them.
struct score_outcome {
    score_report scores;
    std::vector<team_score> teams;  ///< when the plan rolls up to teams
    std::vector<report> reports;    ///< plan.report_at's reports, in the order asked
};

/// Scores `card` on `reps` (the reports of plan.groupings(), from one reading), joining QA
/// scores onto the scored and team reports when given.
inline score_outcome finish_scores(const score_plan& plan, const scorecard& card,
                                   const std::vector<report>& reps,
                                   const qa::qa_report* qa = nullptr) {
    if (reps.size() != plan.groupings().size())
        throw std::invalid_argument("finish_scores: one report per planned grouping expected");
    score_outcome out;
    const auto mix = plan.card_at.mix_of(reps);
    report rep = reps[plan.card_at.card];
    if (qa) qa::join_qa(rep, *qa);
    out.scores = score(rep, card, mix ? &*mix : nullptr);
    if (plan.teams_at) {
        report by_team = reps[plan.teams_at->second];
        const report& by_team_agent = reps[plan.teams_at->first];
        if (qa) qa::join_qa_teams(by_team, by_team_agent, *qa);
        out.teams = team_rollup(out.scores, by_team_agent, by_team);
    }
    for (const std::size_t i : plan.report_at) out.reports.push_back(reps[i]);
    return out;
}

/// The scorecard document, with the team roll-ups (key "teams") when the plan makes them.
inline json score_document(const score_plan& plan, const score_outcome& o) {
    json j = o.scores.to_json();
    if (plan.teams_at) j["teams"] = teams_to_json(o.teams);
    return j;
}

}  // namespace cskpi
