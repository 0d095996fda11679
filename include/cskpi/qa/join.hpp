#pragma once
// Joins QA scores onto a KPI report grouped by agent, as the columns qa_score (mean review
// score) and qa_reviews, so a scorecard can weigh QA next to speed and satisfaction. The join
// is on the review's agent column; team figures come from the team rollup of agent scores.
#include <cmath>
#include <map>
#include <tuple>

#include "../report/report.hpp"
#include "scores.hpp"

namespace cskpi::qa {

namespace detail {
/// (mean, count) of every scored review: the overall row's QA columns.
inline std::pair<double, double> all_reviews(const qa_report& q) {
    double sum = 0, n = 0;
    for (const auto& r : q.reviews)
        if (!std::isnan(r.score)) sum += r.score, n += 1;
    return {n ? sum / n : stats::nan, n};
}
}  // namespace detail

inline void join_qa(report& rep, const qa_report& q) {
    if (rep.by != std::vector<group_key>{group_key::agent})
        throw config_error("by",
                           "QA scores join on the agent: group the report by agent alone (teams "
                           "roll up from agents)");
    for (auto& g : rep.groups) {
        double mean = stats::nan, n = 0;
        if (g.keys.empty()) {
            std::tie(mean, n) = detail::all_reviews(q);
        } else if (g.keys[0]) {
            if (auto it = q.agents.find(*g.keys[0]); it != q.agents.end()) {
                mean = it->second.qa.mean;
                n = static_cast<double>(it->second.qa.n);
            }
        }
        g.extra.emplace_back("qa_score", mean);
        g.extra.emplace_back("qa_reviews", n);
        if (g.suppressed) g.suppress();
    }
}

/// Joins QA onto a report grouped by team (for pooled team scorecards): a team's qa_score is
/// the mean of its agents' review scores, pooled (each review weighs the same). `by_team_agent`
/// (grouped by team, agent) says which agents belong to which team; an agent who served two
/// teams counts in both.
inline void join_qa_teams(report& by_team, const report& by_team_agent, const qa_report& q) {
    if (by_team.by != std::vector<group_key>{group_key::team} ||
        by_team_agent.by != std::vector<group_key>{group_key::team, group_key::agent})
        throw std::invalid_argument("join_qa_teams: needs reports by team and by team, agent");
    std::map<std::optional<std::string>, std::pair<double, double>>
        team;  // team -> (sum of scores, reviews)
    for (std::size_t i = 1; i < by_team_agent.groups.size(); ++i) {
        const auto& g = by_team_agent.groups[i];
        if (!g.keys[1]) continue;
        auto it = q.agents.find(*g.keys[1]);
        if (it == q.agents.end() || !it->second.qa.n) continue;
        auto& t = team[g.keys[0]];
        t.first += it->second.qa.mean * static_cast<double>(it->second.qa.n);
        t.second += static_cast<double>(it->second.qa.n);
    }
    for (auto& g : by_team.groups) {
        double mean = stats::nan, n = 0;
        if (g.keys.empty()) {
            std::tie(mean, n) = detail::all_reviews(q);
        } else if (auto it = team.find(g.keys[0]); it != team.end()) {
            mean = it->second.first / it->second.second;
            n = it->second.second;
        }
        g.extra.emplace_back("qa_score", mean);
        g.extra.emplace_back("qa_reviews", n);
        if (g.suppressed) g.suppress();
    }
}

}  // namespace cskpi::qa
