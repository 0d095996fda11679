#pragma once
// Drivers of satisfaction (spec section 15): a logistic regression of "satisfied" (csat >=
// csat.satisfied_min) on what happened to the interaction, fitted by iteratively reweighted
// least squares with Eigen; the numbers statsmodels' Logit gives.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <Eigen/Dense>
#include <boost/math/distributions/normal.hpp>

#include "../config/config.hpp"
#include "../detail/contact_neighbours.hpp"
#include "../input/records.hpp"
#include "../report/report.hpp"
#include "../engine/run.hpp"
#include "../metrics/stats.hpp"

namespace cskpi::analysis {

/// One rated interaction, with what the model needs of it.
struct driver_row {
    std::uint64_t line = 0;
    bool satisfied = false;
    micros frt = missing_us;
    bool resolved = false, reopened = false, transferred = false;
    std::int8_t repeat = -1;  ///< not first contact: 1/0; -1 = settled from the customer's rows
    std::string channel, category;
};

/// Collects rated rows from batches (run_options::batch_sink) and the contacts that decide
/// first contact (section 3: the customer's earlier rows within fcr.window_s, same category
/// when both have one, same-instant rows ordered by id).
class driver_collector {
public:
    explicit driver_collector(const config& cfg) : cfg_(cfg), neighbours_(cfg) {}

    void add(const interaction_batch& b) {
        std::lock_guard lk(m_);
        for (std::size_t r = 0; r < b.size(); ++r) {
            const bool rated = b.csat[r] != missing_int;
            if (!b.customer[r].empty())
                neighbours_.add(b.customer[r], b.created_at[r], b.id[r], b.category[r],
                                rated ? static_cast<std::int64_t>(rows_.size()) : -1);
            if (!rated) continue;
            driver_row d;
            d.line = b.line[r];
            d.satisfied = b.csat[r] >= cfg_.csat_satisfied_min;
            d.frt = b.frt[r];
            d.resolved = b.flags[r] & f_resolved;
            d.reopened = b.reopened[r] > 0;
            d.transferred = b.flags[r] & f_transferred;
            if (b.customer[r].empty())
                d.repeat = !(b.contacts[r] == missing_int || b.contacts[r] == 1);
            d.channel = std::string(b.channel[r]);
            d.category = std::string(b.category[r]);
            rows_.push_back(std::move(d));
        }
    }

    /// The rated rows in input order, first contact settled.
    std::vector<driver_row> finish() {
        neighbours_.settle(
            [&](std::size_t row, bool earlier, bool) { rows_[row].repeat = earlier; });
        std::sort(rows_.begin(), rows_.end(),
                  [](const driver_row& a, const driver_row& b) { return a.line < b.line; });
        return std::move(rows_);
    }

private:
    config cfg_;
    cskpi::detail::contact_neighbours neighbours_;
    std::mutex m_;
    std::vector<driver_row> rows_;
};

/// One term of the fitted model.
struct driver_term {
    std::string term;
    double coef = 0, se = 0, z = 0, p = 0, odds_ratio = 0, or_ci_low = 0, or_ci_high = 0;
};

struct driver_model {
    std::vector<driver_term> terms;
    std::uint64_t rated = 0, n = 0, satisfied = 0;
    std::map<std::string, std::uint64_t> left_out;  ///< reason -> rated rows out of the fit
    std::vector<std::string> constant_terms;        ///< regressors without variation, not fitted
    std::string reference_channel, reference_category;
    bool converged = false;
    int iterations = 0;
    double log_likelihood = stats::nan, log_likelihood_null = stats::nan, pseudo_r2 = stats::nan;
};

namespace detail {
/// The most frequent level; ties go to the first in byte order.
inline std::string reference_level(const std::vector<const driver_row*>& rows,
                                   std::string driver_row::*field) {
    std::map<std::string, std::uint64_t> n;
    for (const auto* r : rows) ++n[r->*field];
    std::string best;
    std::uint64_t most = 0;
    for (const auto& [level, k] : n)
        if (k > most) best = level, most = k;
    return best;
}
}  // namespace detail

/// Fits the section 15 model to rated rows. Regressors: log1p(frt minutes), resolved,
/// reopened > 0, transferred, repeat contact (not first contact), one indicator per channel and
/// category other than the most frequent. Rows without a first response or a category leave the
/// fit (counted); a regressor without variation in the fitted rows is listed, not fitted (its
/// coefficient is not identified). `confidence` sets the odds ratios' intervals.
inline driver_model fit_drivers(const std::vector<driver_row>& all, double confidence,
                                int max_iterations = 100) {
    driver_model m;
    m.rated = all.size();
    // Without a category column at all, the model has no category terms (rather than no rows).
    const bool categories = std::any_of(all.begin(), all.end(),
                                        [](const driver_row& r) { return !r.category.empty(); });
    std::vector<const driver_row*> rows;
    for (const auto& r : all) {
        if (r.frt == missing_us)
            ++m.left_out["no first response"];
        else if (categories && r.category.empty())
            ++m.left_out["no category"];
        else
            rows.push_back(&r);
    }
    m.n = rows.size();
    m.reference_channel = detail::reference_level(rows, &driver_row::channel);
    if (categories) m.reference_category = detail::reference_level(rows, &driver_row::category);

    // Candidate columns, then those with variation.
    std::vector<std::pair<std::string, std::vector<double>>> cols;
    auto add = [&](std::string name, auto&& f) {
        std::vector<double> v;
        v.reserve(rows.size());
        for (const auto* r : rows) v.push_back(f(*r));
        cols.emplace_back(std::move(name), std::move(v));
    };
    add("log1p_frt_min",
        [](const driver_row& r) { return std::log1p(static_cast<double>(r.frt) / 60e6); });
    add("resolved", [](const driver_row& r) { return r.resolved ? 1.0 : 0.0; });
    add("reopened", [](const driver_row& r) { return r.reopened ? 1.0 : 0.0; });
    add("transferred", [](const driver_row& r) { return r.transferred ? 1.0 : 0.0; });
    add("repeat_contact", [](const driver_row& r) { return r.repeat == 1 ? 1.0 : 0.0; });
    for (auto [field, prefix, ref] :
         {std::tuple{&driver_row::channel, "channel", &m.reference_channel},
          std::tuple{&driver_row::category, "category", &m.reference_category}}) {
        if (field == &driver_row::category && !categories) continue;
        std::set<std::string> levels;
        for (const auto* r : rows) levels.insert(r->*field);
        for (const std::string& level : levels)
            if (level != *ref)
                add(std::string(prefix) + "[" + level + "]",
                    [&level, f = field](const driver_row& r) { return r.*f == level ? 1.0 : 0.0; });
    }
    std::vector<std::string> names = {"const"};
    std::vector<const std::vector<double>*> use;
    for (const auto& col : cols) {
        const std::vector<double>& v = col.second;
        if (std::all_of(v.begin(), v.end(), [&v](double x) { return x == v.front(); }))
            m.constant_terms.push_back(col.first);
        else
            names.push_back(col.first), use.push_back(&v);
    }
    const auto n = static_cast<Eigen::Index>(rows.size()),
               k = static_cast<Eigen::Index>(names.size());
    if (n <= k)
        throw std::invalid_argument("drivers: " + std::to_string(n) +
                                    " rated interactions with every regressor, too few to fit " +
                                    std::to_string(k) + " terms");
    Eigen::MatrixXd x(n, k);
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        x(i, 0) = 1;
        for (Eigen::Index j = 1; j < k; ++j)
            x(i, j) = (*use[static_cast<std::size_t>(j - 1)])[static_cast<std::size_t>(i)];
        y(i) = rows[static_cast<std::size_t>(i)]->satisfied ? 1 : 0;
    }
    m.satisfied = static_cast<std::uint64_t>(y.sum());

    // Newton-Raphson on the log-likelihood (= IRLS for the canonical link).
    Eigen::VectorXd beta = Eigen::VectorXd::Zero(k);
    Eigen::MatrixXd info;
    auto loglik = [&](const Eigen::VectorXd& b) {
        const Eigen::VectorXd eta = x * b;
        double ll = 0;
        for (Eigen::Index i = 0; i < n; ++i)
            ll += y(i) * eta(i) - (eta(i) > 0 ? eta(i) + std::log1p(std::exp(-eta(i)))
                                              : std::log1p(std::exp(eta(i))));
        return ll;
    };
    for (m.iterations = 1; m.iterations <= max_iterations; ++m.iterations) {
        const Eigen::VectorXd p =
            (x * beta).unaryExpr([](double e) { return 1 / (1 + std::exp(-e)); });
        const Eigen::VectorXd w = p.array() * (1 - p.array());
        info = x.transpose() * w.asDiagonal() * x;
        const Eigen::VectorXd step = info.ldlt().solve(x.transpose() * (y - p));
        beta += step;
        if (!step.allFinite()) break;
        if (step.cwiseAbs().maxCoeff() < 1e-10) {
            m.converged = true;
            break;
        }
    }
    m.iterations = std::min(m.iterations, max_iterations);
    {
        const Eigen::VectorXd p =
            (x * beta).unaryExpr([](double e) { return 1 / (1 + std::exp(-e)); });
        info = x.transpose() * (p.array() * (1 - p.array())).matrix().asDiagonal() * x;
    }
    const Eigen::MatrixXd cov = info.inverse();
    m.log_likelihood = loglik(beta);
    const double ybar = y.mean();
    m.log_likelihood_null =
        static_cast<double>(n) *
        (ybar > 0 && ybar < 1 ? ybar * std::log(ybar) + (1 - ybar) * std::log(1 - ybar) : 0.0);
    m.pseudo_r2 = 1 - m.log_likelihood / m.log_likelihood_null;
    static const boost::math::normal_distribution<double> normal;
    const double zc = stats::z_for(confidence);
    for (Eigen::Index j = 0; j < k; ++j) {
        driver_term t;
        t.term = names[static_cast<std::size_t>(j)];
        t.coef = beta(j);
        t.se = std::sqrt(cov(j, j));
        t.z = t.coef / t.se;
        t.p = std::isfinite(t.z)
                  ? 2 * boost::math::cdf(boost::math::complement(normal, std::abs(t.z)))
                  : stats::nan;
        t.odds_ratio = std::exp(t.coef);
        t.or_ci_low = std::exp(t.coef - zc * t.se);
        t.or_ci_high = std::exp(t.coef + zc * t.se);
        m.terms.push_back(t);
    }
    return m;
}

/// Reads rows with `run(opt)` (a run_report over a file or frame with `opt`, which gains a batch
/// sink) and fits the model to them: the report (input accounting, rejects) and the model.
template <class Run>
std::pair<report, driver_model> run_drivers(const config& cfg, run_options opt, Run&& run) {
    driver_collector rows(cfg);
    opt.batch_sink = [&](const interaction_batch& b) { rows.add(b); };
    report rep = run(opt);
    return {std::move(rep), fit_drivers(rows.finish(), cfg.confidence)};
}

/// The model as JSON (`cskpi drivers --format json`).
inline json drivers_json(const driver_model& m) {
    json terms = json::array();
    auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    for (const auto& t : m.terms)
        terms.push_back({{"term", t.term},
                         {"coef", num(t.coef)},
                         {"se", num(t.se)},
                         {"z", num(t.z)},
                         {"p", num(t.p)},
                         {"odds_ratio", num(t.odds_ratio)},
                         {"or_ci_low", num(t.or_ci_low)},
                         {"or_ci_high", num(t.or_ci_high)}});
    json left = json::object();
    for (const auto& [why, k] : m.left_out) left[why] = k;
    return {{"rated", m.rated},
            {"n", m.n},
            {"satisfied", m.satisfied},
            {"left_out", left},
            {"constant_terms", m.constant_terms},
            {"reference", {{"channel", m.reference_channel}, {"category", m.reference_category}}},
            {"converged", m.converged},
            {"iterations", m.iterations},
            {"log_likelihood", num(m.log_likelihood)},
            {"log_likelihood_null", num(m.log_likelihood_null)},
            {"pseudo_r2", num(m.pseudo_r2)},
            {"terms", terms}};
}

}  // namespace cskpi::analysis
