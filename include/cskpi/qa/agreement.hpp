#pragma once
// Inter-rater agreement on a units x raters matrix of numeric ratings (NaN = not rated):
// Cohen's kappa (unweighted, linear, quadratic), Fleiss' kappa, Krippendorff's alpha (nominal,
// ordinal, interval, ratio) and ICC(2,1). Ratings compare as numbers; the categorical
// statistics treat each distinct value as a category. Each returns NaN when it is undefined
// (too few units, or no variation to measure agreement against).
#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include <Eigen/Dense>

#include "../metrics/stats.hpp"

namespace cskpi::qa {

using rating_matrix = Eigen::MatrixXd;

}  // namespace cskpi::qa

namespace cskpi::detail {
/// Sorted distinct non-NaN values of `m`.
inline std::vector<double> categories(const Eigen::MatrixXd& m) {
    std::vector<double> c;
    for (Eigen::Index i = 0; i < m.size(); ++i)
        if (!std::isnan(m.data()[i])) c.push_back(m.data()[i]);
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
    return c;
}
inline std::size_t category_of(const std::vector<double>& cats, double v) {
    return static_cast<std::size_t>(std::lower_bound(cats.begin(), cats.end(), v) - cats.begin());
}
}  // namespace cskpi::detail

namespace cskpi::qa {

enum class kappa_weights { unweighted, linear, quadratic };

/// Cohen's kappa of raters (columns) `a` and `b` over the units both rated. Weighted forms use
/// disagreement |x - y| (linear) or (x - y)^2 (quadratic) between the rated values, as in Cohen
/// (1968): kappa_w = 1 - sum(w * observed) / sum(w * expected).
inline double cohen_kappa(const rating_matrix& m, Eigen::Index a, Eigen::Index b,
                          kappa_weights w = kappa_weights::unweighted) {
    std::vector<std::pair<double, double>> pairs;
    for (Eigen::Index u = 0; u < m.rows(); ++u)
        if (!std::isnan(m(u, a)) && !std::isnan(m(u, b))) pairs.emplace_back(m(u, a), m(u, b));
    if (pairs.empty()) return stats::nan;
    std::vector<double> cats;
    for (auto [x, y] : pairs) cats.push_back(x), cats.push_back(y);
    std::sort(cats.begin(), cats.end());
    cats.erase(std::unique(cats.begin(), cats.end()), cats.end());
    const std::size_t k = cats.size();
    Eigen::MatrixXd obs =
        Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k));
    for (auto [x, y] : pairs)
        obs(static_cast<Eigen::Index>(detail::category_of(cats, x)),
            static_cast<Eigen::Index>(detail::category_of(cats, y))) += 1;
    obs /= static_cast<double>(pairs.size());
    const Eigen::VectorXd ra = obs.rowwise().sum(), rb = obs.colwise().sum().transpose();
    double o = 0, e = 0;
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            const double d = cats[i] - cats[j];
            const double wt = w == kappa_weights::unweighted ? (i != j)
                              : w == kappa_weights::linear   ? std::abs(d)
                                                             : d * d;
            const auto ii = static_cast<Eigen::Index>(i), jj = static_cast<Eigen::Index>(j);
            o += wt * obs(ii, jj);
            e += wt * ra(ii) * rb(jj);
        }
    return e > 0 ? 1.0 - o / e : stats::nan;
}

/// Fleiss' kappa (Fleiss 1971) over the units with at least two ratings. Units may have
/// different numbers of ratings: each unit's agreement is P_i = sum_j n_ij (n_ij - 1) /
/// (n_i (n_i - 1)) and category shares pool all ratings, which equals Fleiss' formula when
/// every unit has the same number of ratings.
inline double fleiss_kappa(const rating_matrix& m) {
    const auto cats = detail::categories(m);
    std::vector<double> share(cats.size(), 0);
    double p_bar = 0, total = 0;
    std::size_t units = 0;
    std::vector<double> counts(cats.size());
    for (Eigen::Index u = 0; u < m.rows(); ++u) {
        std::fill(counts.begin(), counts.end(), 0.0);
        double n = 0;
        for (Eigen::Index r = 0; r < m.cols(); ++r)
            if (!std::isnan(m(u, r))) counts[detail::category_of(cats, m(u, r))] += 1, n += 1;
        if (n < 2) continue;
        double agree = 0;
        for (std::size_t j = 0; j < cats.size(); ++j)
            agree += counts[j] * (counts[j] - 1), share[j] += counts[j];
        p_bar += agree / (n * (n - 1));
        total += n;
        ++units;
    }
    if (!units) return stats::nan;
    p_bar /= static_cast<double>(units);
    double pe = 0;
    for (double s : share) pe += (s / total) * (s / total);
    return pe < 1 ? (p_bar - pe) / (1 - pe) : stats::nan;
}

enum class alpha_level { nominal, ordinal, interval, ratio };

/// Krippendorff's alpha with missing ratings, by the coincidence-matrix method of Krippendorff
/// (2011), "Computing Krippendorff's Alpha-Reliability": units with fewer than two ratings are
/// not pairable and drop out; alpha = 1 - D_o / D_e.
inline double krippendorff_alpha(const rating_matrix& m, alpha_level level) {
    const auto cats = detail::categories(m);
    const std::size_t k = cats.size();
    if (k == 0) return stats::nan;
    Eigen::MatrixXd o =
        Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k));
    std::vector<std::size_t> idx;
    for (Eigen::Index u = 0; u < m.rows(); ++u) {
        idx.clear();
        for (Eigen::Index r = 0; r < m.cols(); ++r)
            if (!std::isnan(m(u, r))) idx.push_back(detail::category_of(cats, m(u, r)));
        if (idx.size() < 2) continue;
        const double inv = 1.0 / static_cast<double>(idx.size() - 1);
        for (std::size_t x = 0; x < idx.size(); ++x)
            for (std::size_t y = 0; y < idx.size(); ++y)
                if (x != y)
                    o(static_cast<Eigen::Index>(idx[x]), static_cast<Eigen::Index>(idx[y])) += inv;
    }
    const Eigen::VectorXd nc = o.rowwise().sum();
    const double n = nc.sum();
    if (n < 2) return stats::nan;
    auto delta2 = [&](std::size_t c, std::size_t e) -> double {
        if (c == e) return 0;
        switch (level) {
            case alpha_level::nominal:
                return 1;
            case alpha_level::interval:
                return (cats[c] - cats[e]) * (cats[c] - cats[e]);
            case alpha_level::ratio: {
                const double s = cats[c] + cats[e];
                return s == 0 ? 0 : ((cats[c] - cats[e]) / s) * ((cats[c] - cats[e]) / s);
            }
            case alpha_level::ordinal: {
                const std::size_t lo = std::min(c, e), hi = std::max(c, e);
                double g = 0;
                for (std::size_t i = lo; i <= hi; ++i) g += nc(static_cast<Eigen::Index>(i));
                g -= (nc(static_cast<Eigen::Index>(c)) + nc(static_cast<Eigen::Index>(e))) / 2;
                return g * g;
            }
        }
        return 0;
    };
    double d_o = 0, d_e = 0;
    for (std::size_t c = 0; c < k; ++c)
        for (std::size_t e = 0; e < k; ++e) {
            const double d = delta2(c, e);
            if (d == 0) continue;
            const auto cc = static_cast<Eigen::Index>(c), ee = static_cast<Eigen::Index>(e);
            d_o += o(cc, ee) * d;
            d_e += nc(cc) * nc(ee) * d;
        }
    d_o /= n;
    d_e /= n * (n - 1);
    return d_e > 0 ? 1.0 - d_o / d_e : stats::nan;
}

/// ICC(2,1) of Shrout & Fleiss (1979): two-way random effects, absolute agreement, single
/// rater, over the units every rater rated (complete rows).
inline double icc_2_1(const rating_matrix& m) {
    std::vector<Eigen::Index> rows;
    for (Eigen::Index u = 0; u < m.rows(); ++u)
        if (!m.row(u).array().isNaN().any()) rows.push_back(u);
    const auto n = static_cast<double>(rows.size()), k = static_cast<double>(m.cols());
    if (rows.size() < 2 || m.cols() < 2) return stats::nan;
    Eigen::MatrixXd x(static_cast<Eigen::Index>(rows.size()), m.cols());
    for (std::size_t i = 0; i < rows.size(); ++i)
        x.row(static_cast<Eigen::Index>(i)) = m.row(rows[i]);
    const double grand = x.mean();
    const double ssr = k * (x.rowwise().mean().array() - grand).square().sum();
    const double ssc = n * (x.colwise().mean().array() - grand).square().sum();
    const double sst = (x.array() - grand).square().sum();
    const double msr = ssr / (n - 1), msc = ssc / (k - 1),
                 mse = (sst - ssr - ssc) / ((n - 1) * (k - 1));
    const double den = msr + (k - 1) * mse + k * (msc - mse) / n;
    return den != 0 ? (msr - mse) / den : stats::nan;
}

}  // namespace cskpi::qa
