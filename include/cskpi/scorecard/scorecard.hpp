#pragma once
// Weighted scorecards (spec section 9): each KPI of a finished report is normalized to 0-100
// points, weighted (manual, AHP, entropy or CRITIC weights) and summed to a score per group,
// with small-sample rules (min_den, shrink, min_interactions), ranks, tiers, and a TOPSIS
// ranking of the same KPI matrix for comparison. Eigen carries the matrix work.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "../config/config.hpp"
#include "../error.hpp"
#include "../engine/grouping_list.hpp"
#include "../metrics/metrics.hpp"
#include "../report/report.hpp"
#include "../timeline/columns.hpp"

namespace cskpi {

/// Columns other sources join onto a report (report_group::extra) that a scorecard may use as
/// KPIs besides the metrics of section 4: QA scores and the timeline columns of event logs.
/// A new source adds its names here.
inline const std::vector<std::string>& joinable_metrics() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n = {"qa_score", "qa_reviews"};
        for (const auto& t : timeline::timeline_metrics()) n.push_back(t);
        return n;
    }();
    return names;
}

/// How a KPI's value becomes 0-100 points.
struct normalization {
    enum class method { bands, linear, minmax, zscore, percentile };
    method how = method::minmax;
    std::vector<std::pair<double, double>> bands;  ///< (threshold, points) in order
    double else_points = 0;
    double floor = 0, target = 0;
};

struct kpi_spec {
    std::string metric;
    std::optional<double> weight;
    bool higher_better = true;
    normalization norm;
    std::optional<double> min_den;  ///< rates with a smaller denominator are insufficient
    std::optional<double> shrink;   ///< empirical-Bayes pseudo-count toward the pooled rate
    std::vector<group_key>
        case_mix;  ///< compare with the value expected for the group's mix of these cells
};

enum class weight_method { manual, ahp, entropy, critic };

/// How TOPSIS scales each KPI before weighting: `minmax` maps it to [0, 1] with 1 = best (the
/// ideal is then each KPI's weight); `vector` divides it by its Euclidean norm over the groups
/// (Hwang & Yoon's original; the ideal is the best weighted value in the KPI's direction).
enum class topsis_normalization { minmax, vector };

struct scorecard {
    std::string name;
    std::vector<group_key> by = {group_key::agent};
    double min_interactions = 0;
    std::vector<kpi_spec> kpis;
    weight_method weights = weight_method::manual;
    Eigen::MatrixXd ahp_matrix;
    bool allow_inconsistent = false;
    std::vector<std::pair<std::string, double>> tiers;  ///< (name, minimum score) in order
    topsis_normalization topsis = topsis_normalization::minmax;

    /// Parses section 9's object. Throws config_error naming the key path
    /// (e.g. "scorecard.kpis[2].normalize.method").
    static scorecard from_json(const json& j);
    /// The cell keys of case-mix adjustment (shared by every KPI that uses it; empty = none).
    std::vector<group_key> case_mix_keys() const {
        for (const auto& k : kpis)
            if (!k.case_mix.empty()) return k.case_mix;
        return {};
    }
};

/// The two reports case-mix adjustment needs: grouped by the scorecard's keys plus the cell
/// keys, and by the cell keys alone (the overall value of each cell).
struct case_mix_reports {
    report by_group_and_cells;
    report by_cells;
};

/// Where a scorecard's reports sit among the groupings of one reading: its own grouping, and
/// with case mix the grouping x cells and the cells alone.
struct scorecard_slots {
    std::size_t card = 0;
    std::optional<std::pair<std::size_t, std::size_t>> mix;  ///< (grouping x cells, cells)

    scorecard_slots(grouping_list& need, const scorecard& sc) : card(need.slot(sc.by)) {
        if (const auto cells = sc.case_mix_keys(); !cells.empty()) {
            auto both = sc.by;
            both.insert(both.end(), cells.begin(), cells.end());
            const std::size_t b = need.slot(both);
            mix = std::pair{b, need.slot(cells)};
        }
    }
    /// The case-mix reports among `reps` (one per slot), when the scorecard adjusts for case mix.
    std::optional<case_mix_reports> mix_of(const std::vector<report>& reps) const {
        if (!mix) return std::nullopt;
        return case_mix_reports{reps[mix->first], reps[mix->second]};
    }
};

/// Saaty's random consistency index RI for n = 1..15 (Saaty 1980, The Analytic Hierarchy Process).
inline double saaty_random_index(std::size_t n) {
    static const double ri[] = {0,    0,    0,    0.58, 0.90, 1.12, 1.24, 1.32,
                                1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59};
    if (n >= std::size(ri)) throw std::invalid_argument("AHP: random index known for n <= 15");
    return ri[n];
}

/// Result of the AHP eigenvector method.
struct ahp_result {
    Eigen::VectorXd weights;  ///< principal eigenvector, normalized to sum 1
    double lambda_max = 0, ci = 0, cr = 0;
};

/// Weights from a reciprocal pairwise-comparison matrix: principal eigenvector, lambda_max,
/// CI = (lambda_max - n)/(n - 1), CR = CI/RI. Throws std::invalid_argument for a matrix that is
/// not square, positive and reciprocal.
inline ahp_result ahp_weights(const Eigen::MatrixXd& a) {
    const auto n = static_cast<std::size_t>(a.rows());
    if (a.rows() != a.cols() || n == 0)
        throw std::invalid_argument("AHP: expected a square matrix");
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < a.cols(); ++j) {
            if (!(a(i, j) > 0)) throw std::invalid_argument("AHP: entries must be positive");
            if (std::fabs(a(i, j) * a(j, i) - 1.0) > 1e-6)
                throw std::invalid_argument("AHP: expected a reciprocal matrix (a[" +
                                            std::to_string(i) + "][" + std::to_string(j) +
                                            "] * a[" + std::to_string(j) + "][" +
                                            std::to_string(i) + "] != 1)");
        }
    Eigen::EigenSolver<Eigen::MatrixXd> es(a);
    Eigen::Index best = 0;
    for (Eigen::Index i = 1; i < es.eigenvalues().size(); ++i)
        if (es.eigenvalues()[i].real() > es.eigenvalues()[best].real()) best = i;
    ahp_result r;
    r.lambda_max = es.eigenvalues()[best].real();
    Eigen::VectorXd v = es.eigenvectors().col(best).real();
    r.weights = v / v.sum();
    r.ci = n > 1 ? (r.lambda_max - static_cast<double>(n)) / static_cast<double>(n - 1) : 0.0;
    const double ri = saaty_random_index(n);
    r.cr = ri > 0 ? r.ci / ri : 0.0;
    return r;
}

/// Entropy weight method on a matrix whose columns are criteria with values >= 0 (NaN = not
/// available, left out of that column): p = x / sum x, e = -sum p ln p / ln m, w ~ 1 - e.
inline Eigen::VectorXd entropy_weights(const Eigen::MatrixXd& x) {
    const Eigen::Index n = x.cols();
    Eigen::VectorXd d(n);
    for (Eigen::Index j = 0; j < n; ++j) {
        double sum = 0;
        Eigen::Index m = 0;
        for (Eigen::Index i = 0; i < x.rows(); ++i)
            if (!std::isnan(x(i, j))) {
                sum += x(i, j);
                ++m;
            }
        if (m < 2 || sum <= 0) {
            d[j] = 0;
            continue;
        }
        double e = 0;
        for (Eigen::Index i = 0; i < x.rows(); ++i) {
            if (std::isnan(x(i, j)) || x(i, j) <= 0) continue;
            const double p = x(i, j) / sum;
            e -= p * std::log(p);
        }
        d[j] = 1.0 - e / std::log(static_cast<double>(m));
    }
    if (d.sum() <= 0) return Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
    return d / d.sum();
}

/// CRITIC (Diakoulaki et al. 1995): C_j = sd_j * sum_k (1 - r_jk) over the rows complete in
/// every criterion; w ~ C. A criterion with sd 0 has r = 0 with the others (and C = 0).
inline Eigen::VectorXd critic_weights(const Eigen::MatrixXd& x) {
    const Eigen::Index n = x.cols();
    std::vector<Eigen::Index> rows;
    for (Eigen::Index i = 0; i < x.rows(); ++i)
        if (!x.row(i).array().isNaN().any()) rows.push_back(i);
    const auto m = static_cast<Eigen::Index>(rows.size());
    if (m < 2) return Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
    Eigen::MatrixXd c(m, n);
    for (Eigen::Index i = 0; i < m; ++i) c.row(i) = x.row(rows[static_cast<std::size_t>(i)]);
    const Eigen::RowVectorXd mean = c.colwise().mean();
    const Eigen::MatrixXd centered = c.rowwise() - mean;
    const Eigen::VectorXd sd =
        (centered.colwise().squaredNorm() / static_cast<double>(m - 1)).array().sqrt();
    Eigen::VectorXd info(n);
    for (Eigen::Index j = 0; j < n; ++j) {
        double conflict = 0;
        for (Eigen::Index k = 0; k < n; ++k) {
            double r = 0;
            if (j == k)
                r = 1;
            else if (sd[j] > 0 && sd[k] > 0)
                r = centered.col(j).dot(centered.col(k)) /
                    (static_cast<double>(m - 1) * sd[j] * sd[k]);
            conflict += 1 - r;
        }
        info[j] = sd[j] * conflict;
    }
    if (info.sum() <= 0) return Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
    return info / info.sum();
}

/// One KPI of one group in the scorecard output.
struct scored_kpi {
    double value = stats::nan, adjusted = stats::nan, points = stats::nan,
           contribution = stats::nan;
    double expected = stats::nan;  ///< case mix: the value expected for the group's mix of cells
    double weight = stats::nan;    ///< effective weight after redistribution
    bool insufficient = false;
};

struct scored_group {
    std::vector<std::optional<std::string>> keys;
    double interactions = 0;
    bool scored = false;
    double score = stats::nan;
    std::optional<int> rank;
    std::optional<std::string> tier;
    std::vector<std::string> flags;
    std::vector<scored_kpi> kpis;
    double topsis = stats::nan;
    std::optional<int> topsis_rank;
};

struct score_report {
    scorecard card;
    Eigen::VectorXd weights;
    std::optional<ahp_result> ahp;
    std::vector<scored_group> groups;
    /// TOPSIS's ideal and anti-ideal points, per KPI, in the weighted normalized space (empty
    /// when no group has every KPI sufficient).
    Eigen::VectorXd topsis_ideal, topsis_anti_ideal;

    json to_json() const;
    void write_csv(std::ostream& os) const;
    void write_table(std::ostream& os) const;
    /// How every point of a group's score came about, for a manager to check by hand.
    void explain(std::ostream& os, const std::string& key) const;
};

/// Scores the groups of `rep` (grouped by card.by). KPIs with case_mix need `mix`; their
/// adjusted value is value - expected, expected = sum over cells of the group's share of the
/// KPI's denominator (interactions for non-rates) x the cell's overall value.
score_report score(const report& rep, const scorecard& card, const case_mix_reports* mix = nullptr);

/// A team's score two ways: `from_agents` = the interaction-weighted mean of its scored agents'
/// scores (an agent who served several teams counts in each with those interactions), and
/// `pooled` = the scorecard applied to the team's own pooled KPIs (teams normalized among teams).
struct team_score {
    std::optional<std::string> team;
    double from_agents = stats::nan;
    std::size_t agents = 0;  ///< scored agents that served the team
    double pooled = stats::nan;
    std::optional<int> pooled_rank, from_agents_rank;
};

/// Team rollups of an agent scorecard. `by_team_agent` is the report grouped by [team, agent],
/// `by_team` by [team]. Throws std::invalid_argument when the reports are grouped otherwise.
std::vector<team_score> team_rollup(const score_report& agents, const report& by_team_agent,
                                    const report& by_team);
/// The "teams" array of `cskpi score --teams` JSON.
json teams_to_json(const std::vector<team_score>& teams);
void write_teams_table(std::ostream& os, const std::vector<team_score>& teams);

}  // namespace cskpi

#include "../detail/scorecard_impl.hpp"
