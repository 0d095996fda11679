#pragma once
// Calibration (spec section 10): where several reviewers scored the same interactions, how far
// they agree per item and on the review score, and which reviewers are lenient or severe.
// Units are interactions, raters are reviewers. A reviewer who reviewed the same interaction
// twice counts once, with the later review (by reviewed_at, then file order): a re-review
// supersedes the earlier one. Automatic ratings are left out: they would agree with themselves.
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "agreement.hpp"
#include "scores.hpp"

namespace cskpi::qa {

struct agreement_stats {
    std::size_t units = 0;      ///< units with at least two ratings
    std::size_t reviewers = 0;  ///< distinct raters over those units
    double alpha_nominal = stats::nan, alpha_ordinal = stats::nan, alpha_interval = stats::nan,
           alpha_ratio = stats::nan;
    double fleiss = stats::nan;
    std::optional<double> cohen_unweighted, cohen_linear,
        cohen_quadratic;  ///< only with exactly two raters
    double icc21 = stats::nan;
};

/// All statistics of one units x raters matrix. Rows with fewer than two ratings and raters
/// with no rating in the remaining rows are dropped first.
inline agreement_stats agreement(const rating_matrix& full) {
    agreement_stats s;
    std::vector<Eigen::Index> rows, cols;
    for (Eigen::Index u = 0; u < full.rows(); ++u)
        if ((!full.row(u).array().isNaN()).count() >= 2) rows.push_back(u);
    for (Eigen::Index r = 0; r < full.cols(); ++r) {
        bool any = false;
        for (auto u : rows) any |= !std::isnan(full(u, r));
        if (any) cols.push_back(r);
    }
    s.units = rows.size();
    s.reviewers = cols.size();
    if (rows.empty()) return s;
    rating_matrix m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols.size()));
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::size_t j = 0; j < cols.size(); ++j)
            m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = full(rows[i], cols[j]);
    s.alpha_nominal = krippendorff_alpha(m, alpha_level::nominal);
    s.alpha_ordinal = krippendorff_alpha(m, alpha_level::ordinal);
    s.alpha_interval = krippendorff_alpha(m, alpha_level::interval);
    s.alpha_ratio = krippendorff_alpha(m, alpha_level::ratio);
    s.fleiss = fleiss_kappa(m);
    if (cols.size() == 2) {
        s.cohen_unweighted = cohen_kappa(m, 0, 1, kappa_weights::unweighted);
        s.cohen_linear = cohen_kappa(m, 0, 1, kappa_weights::linear);
        s.cohen_quadratic = cohen_kappa(m, 0, 1, kappa_weights::quadratic);
    }
    s.icc21 = icc_2_1(m);
    return s;
}

inline json to_json(const agreement_stats& s) {
    using detail::num_or_null;
    auto opt = [](const std::optional<double>& v) { return v ? num_or_null(*v) : json(nullptr); };
    return {{"units", s.units},
            {"reviewers", s.reviewers},
            {"krippendorff_alpha",
             {{"nominal", num_or_null(s.alpha_nominal)},
              {"ordinal", num_or_null(s.alpha_ordinal)},
              {"interval", num_or_null(s.alpha_interval)},
              {"ratio", num_or_null(s.alpha_ratio)}}},
            {"fleiss_kappa", num_or_null(s.fleiss)},
            {"cohen_kappa",
             {{"unweighted", opt(s.cohen_unweighted)},
              {"linear", opt(s.cohen_linear)},
              {"quadratic", opt(s.cohen_quadratic)}}},
            {"icc_2_1", num_or_null(s.icc21)}};
}

struct reviewer_deviation {
    std::size_t units = 0;  ///< interactions this reviewer shared with at least one other reviewer
    double mean_deviation = stats::nan;  ///< mean of (own score - mean of the others' scores)
    bool flagged = false;
};

struct calibration_report {
    std::string source;
    double threshold = 10;
    std::vector<std::string> item_ids;
    std::vector<agreement_stats> items;
    agreement_stats overall;
    std::map<std::string, reviewer_deviation> reviewers;

    json to_json() const {
        json j;
        j["cskpi"] = {{"version", version}};
        j["input"] = {{"path", source}};
        json it = json::object();
        for (std::size_t i = 0; i < items.size(); ++i) it[item_ids[i]] = qa::to_json(items[i]);
        j["items"] = it;
        j["overall"] = qa::to_json(overall);
        json rv = json::object();
        for (const auto& [name, d] : reviewers)
            rv[name] = {{"units", d.units},
                        {"mean_deviation", detail::num_or_null(d.mean_deviation)},
                        {"flagged", d.flagged}};
        j["reviewers"] = rv;
        j["deviation_threshold"] = threshold;
        return j;
    }

    void write_table(std::ostream& os) const {
        os << "cskpi " << version << " calibration";
        if (!source.empty()) os << " of " << source;
        os << "\n\n";
        std::vector<std::vector<std::string>> rows = {{"item", "units", "raters", "alpha nom",
                                                       "alpha ord", "alpha int", "Fleiss", "Cohen",
                                                       "Cohen lin", "Cohen quad", "ICC(2,1)"}};
        auto add = [&](const std::string& name, const agreement_stats& s) {
            auto o = [](const std::optional<double>& v) {
                return v ? detail::fmt_fixed(*v, 3) : std::string("-");
            };
            rows.push_back({name, std::to_string(s.units), std::to_string(s.reviewers),
                            detail::fmt_fixed(s.alpha_nominal, 3),
                            detail::fmt_fixed(s.alpha_ordinal, 3),
                            detail::fmt_fixed(s.alpha_interval, 3), detail::fmt_fixed(s.fleiss, 3),
                            o(s.cohen_unweighted), o(s.cohen_linear), o(s.cohen_quadratic),
                            detail::fmt_fixed(s.icc21, 3)});
        };
        for (std::size_t i = 0; i < items.size(); ++i) add(item_ids[i], items[i]);
        add("(review score)", overall);
        detail::write_grid(os, rows, 1);
        os << "\n";
        std::vector<std::vector<std::string>> rv = {
            {"reviewer", "shared units", "mean deviation", "flag"}};
        for (const auto& [name, d] : reviewers)
            rv.push_back({name, std::to_string(d.units), detail::fmt_fixed(d.mean_deviation, 1),
                          d.flagged ? (d.mean_deviation > 0 ? "lenient" : "severe") : ""});
        detail::write_grid(os, rv, 1);
        os << "\nmean deviation = own review score minus the mean of the other reviewers of the "
              "same interaction;"
              " flagged beyond +/-"
           << detail::fmt_fixed(threshold, 1) << " points.\n";
    }
};

/// Calibration of the reviews in `set` that name an interaction and a reviewer.
inline calibration_report calibrate(const review_set& set,
                                    std::optional<double> threshold = std::nullopt) {
    const rubric& rb = set.rules();
    calibration_report out;
    out.source = set.source();
    out.threshold = threshold.value_or(rb.deviation_threshold);
    for (const auto& it : rb.items) out.item_ids.push_back(it.id);

    // unit x rater -> the review that counts (the latest)
    std::map<std::string, std::size_t> units, raters;
    std::map<std::pair<std::size_t, std::size_t>, std::size_t> cell;
    const auto& reviews = set.reviews();
    for (std::size_t i = 0; i < reviews.size(); ++i) {
        const review& r = reviews[i];
        if (!r.interaction_id || !r.reviewer || r.automatic) continue;
        const std::size_t u = units.try_emplace(*r.interaction_id, units.size()).first->second;
        const std::size_t v = raters.try_emplace(*r.reviewer, raters.size()).first->second;
        auto [pos, fresh] = cell.try_emplace({u, v}, i);
        if (!fresh) {
            const review& prev = reviews[pos->second];
            if (!(r.reviewed_at && prev.reviewed_at && *r.reviewed_at < *prev.reviewed_at))
                pos->second = i;
        }
    }
    const auto nu = static_cast<Eigen::Index>(units.size()),
               nr = static_cast<Eigen::Index>(raters.size());
    std::vector<rating_matrix> per_item(rb.items.size(),
                                        rating_matrix::Constant(nu, nr, stats::nan));
    rating_matrix scores = rating_matrix::Constant(nu, nr, stats::nan);
    for (const auto& [uv, i] : cell) {
        const auto u = static_cast<Eigen::Index>(uv.first),
                   v = static_cast<Eigen::Index>(uv.second);
        for (std::size_t k = 0; k < rb.items.size(); ++k)
            if (reviews[i].ratings[k].st == rating::state::rated &&
                !reviews[i].ratings[k].automatic)
                per_item[k](u, v) = reviews[i].ratings[k].score;
        review human = reviews[i];  // the reviewer's own score, without automatic fill-ins
        for (auto& rt : human.ratings)
            if (rt.automatic) rt = {};
        scores(u, v) = score_review(rb, human).score;
    }
    for (const auto& m : per_item) out.items.push_back(agreement(m));
    out.overall = agreement(scores);

    for (const auto& [name, v] : raters) {
        reviewer_deviation d;
        double sum = 0;
        const auto c = static_cast<Eigen::Index>(v);
        for (Eigen::Index u = 0; u < nu; ++u) {
            if (std::isnan(scores(u, c))) continue;
            double others = 0, n = 0;
            for (Eigen::Index r = 0; r < nr; ++r)
                if (r != c && !std::isnan(scores(u, r))) others += scores(u, r), n += 1;
            if (n == 0) continue;
            sum += scores(u, c) - others / n;
            ++d.units;
        }
        if (d.units) d.mean_deviation = sum / static_cast<double>(d.units);
        d.flagged = d.units && std::abs(d.mean_deviation) > out.threshold;
        out.reviewers[name] = d;
    }
    return out;
}

}  // namespace cskpi::qa
