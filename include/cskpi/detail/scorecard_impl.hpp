#pragma once
// Implementation of scorecard.hpp: parsing, normalization, weights, ranks, outputs.
#include <iomanip>
#include <ostream>
#include <sstream>

namespace cskpi {

namespace detail {

inline bool is_metric(const std::string& name) {
    for (const auto& c : metric_catalogue())
        if (c.name == name) return true;
    return false;
}
inline bool is_joinable(const std::string& name) {
    const auto& j = joinable_metrics();
    return std::find(j.begin(), j.end(), name) != j.end();
}

inline normalization parse_normalization(const json& j, const std::string& path) {
    expect_object(j, path);
    normalization n;
    if (!j.contains("method")) throw config_error(path + ".method", "required");
    const std::string m = get_string(j["method"], path + ".method");
    if (m == "bands")
        n.how = normalization::method::bands;
    else if (m == "linear")
        n.how = normalization::method::linear;
    else if (m == "minmax")
        n.how = normalization::method::minmax;
    else if (m == "zscore")
        n.how = normalization::method::zscore;
    else if (m == "percentile")
        n.how = normalization::method::percentile;
    else
        throw config_error(
            path + ".method",
            "expected bands, linear, minmax, zscore or percentile, actual \"" + m + "\"");
    for (const auto& [k, v] : j.items()) {
        const std::string p = path + "." + k;
        if (k == "method") continue;
        if (k == "bands" && n.how == normalization::method::bands) {
            if (!v.is_array() || v.empty())
                throw config_error(p, "expected a non-empty array of [threshold, points]");
            for (std::size_t i = 0; i < v.size(); ++i) {
                const auto& b = v[i];
                const std::string bp = p + "[" + std::to_string(i) + "]";
                if (!b.is_array() || b.size() != 2 || !b[0].is_number() || !b[1].is_number())
                    throw config_error(bp, "expected [threshold, points], actual " + b.dump());
                n.bands.emplace_back(b[0].get<double>(), b[1].get<double>());
            }
        } else if (k == "else" && n.how == normalization::method::bands) {
            n.else_points = get_number(v, p, false);
        } else if ((k == "floor" || k == "target") && n.how == normalization::method::linear) {
            (k == "floor" ? n.floor : n.target) = get_number(v, p, false);
        } else {
            unknown_key(p);
        }
    }
    if (n.how == normalization::method::bands && n.bands.empty())
        throw config_error(path + ".bands", "required for method bands");
    if (n.how == normalization::method::linear) {
        if (!j.contains("floor") || !j.contains("target"))
            throw config_error(path, "method linear needs floor and target");
        if (n.floor == n.target) throw config_error(path + ".target", "expected target != floor");
    }
    return n;
}

}  // namespace detail

inline scorecard scorecard::from_json(const json& j) {
    using namespace detail;
    const std::string root = "scorecard";
    expect_object(j, root);
    scorecard s;
    std::optional<std::string> method;
    for (const auto& [k, v] : j.items()) {
        const std::string p = root + "." + k;
        if (k == "name")
            s.name = get_string(v, p);
        else if (k == "by") {
            if (!v.is_array()) throw config_error(p, "expected an array of grouping keys");
            std::vector<std::string> names;
            for (const auto& x : v) names.push_back(get_string(x, p));
            try {
                s.by = parse_group_keys(names);
            } catch (const std::invalid_argument& e) {
                throw config_error(p, e.what());
            }
        } else if (k == "min_interactions")
            s.min_interactions = get_number(v, p);
        else if (k == "kpis") {
            if (!v.is_array() || v.empty()) throw config_error(p, "expected a non-empty array");
            for (std::size_t i = 0; i < v.size(); ++i) {
                const std::string kp = p + "[" + std::to_string(i) + "]";
                const auto& o = v[i];
                expect_object(o, kp);
                kpi_spec ks;
                if (!o.contains("metric")) throw config_error(kp + ".metric", "required");
                bool has_norm = false;
                for (const auto& [kk, vv] : o.items()) {
                    const std::string kpp = kp + "." + kk;
                    if (kk == "metric") {
                        ks.metric = get_string(vv, kpp);
                        if (!is_metric(ks.metric) && !is_joinable(ks.metric))
                            throw config_error(kpp, "unknown metric '" + ks.metric + "'");
                    } else if (kk == "weight")
                        ks.weight = get_number(vv, kpp);
                    else if (kk == "better") {
                        const auto b = get_string(vv, kpp);
                        if (b != "higher" && b != "lower")
                            throw config_error(
                                kpp, "expected \"higher\" or \"lower\", actual \"" + b + "\"");
                        ks.higher_better = b == "higher";
                    } else if (kk == "normalize") {
                        ks.norm = parse_normalization(vv, kpp);
                        has_norm = true;
                    } else if (kk == "min_den")
                        ks.min_den = get_number(vv, kpp);
                    else if (kk == "shrink")
                        ks.shrink = get_number(vv, kpp);
                    else if (kk == "case_mix") {
                        if (!vv.is_array() || vv.empty())
                            throw config_error(
                                kpp, "expected an array of keys, e.g. [\"channel\", \"category\"]");
                        std::vector<std::string> names;
                        for (const auto& x : vv) names.push_back(get_string(x, kpp));
                        try {
                            ks.case_mix = parse_group_keys(names);
                        } catch (const std::invalid_argument& e) {
                            throw config_error(kpp, e.what());
                        }
                        for (auto key : ks.case_mix)
                            if (is_time_key(key) || key == group_key::agent)
                                throw config_error(kpp,
                                                   "case-mix cells are channel, category, priority "
                                                   "or team, not '" +
                                                       std::string(name_of(key)) + "'");
                    } else
                        unknown_key(kpp);
                }
                if (!has_norm) ks.norm.how = normalization::method::minmax;
                if ((ks.min_den || ks.shrink) && !is_metric(ks.metric + "_den") &&
                    !is_joinable(ks.metric + "_den"))
                    throw config_error(
                        kp, "min_den and shrink apply to rates; '" + ks.metric + "' is not a rate");
                for (const auto& e : s.kpis)
                    if (e.metric == ks.metric)
                        throw config_error(kp + ".metric",
                                           "metric '" + ks.metric + "' given twice");
                s.kpis.push_back(ks);
            }
        } else if (k == "weights") {
            expect_object(v, p);
            for (const auto& [kk, vv] : v.items()) {
                const std::string wp = p + "." + kk;
                if (kk == "method")
                    method = get_string(vv, wp);
                else if (kk == "matrix") {
                    if (!vv.is_array() || vv.empty())
                        throw config_error(wp, "expected a square array of arrays");
                    const auto n = static_cast<Eigen::Index>(vv.size());
                    s.ahp_matrix.resize(n, n);
                    for (Eigen::Index r = 0; r < n; ++r) {
                        const auto& row = vv[static_cast<std::size_t>(r)];
                        if (!row.is_array() || static_cast<Eigen::Index>(row.size()) != n)
                            throw config_error(wp + "[" + std::to_string(r) + "]",
                                               "expected " + std::to_string(n) + " numbers");
                        for (Eigen::Index c = 0; c < n; ++c)
                            s.ahp_matrix(r, c) = get_number(
                                row[static_cast<std::size_t>(c)],
                                wp + "[" + std::to_string(r) + "][" + std::to_string(c) + "]");
                    }
                } else if (kk == "allow_inconsistent")
                    s.allow_inconsistent = get_bool(vv, wp);
                else
                    unknown_key(wp);
            }
        } else if (k == "topsis") {
            expect_object(v, p);
            for (const auto& [kk, vv] : v.items()) {
                const std::string tp = p + "." + kk;
                if (kk != "normalization") unknown_key(tp);
                const auto n = get_string(vv, tp);
                if (n == "minmax")
                    s.topsis = topsis_normalization::minmax;
                else if (n == "vector")
                    s.topsis = topsis_normalization::vector;
                else
                    throw config_error(tp,
                                       "expected \"minmax\" or \"vector\", actual \"" + n + "\"");
            }
        } else if (k == "tiers") {
            if (!v.is_array()) throw config_error(p, "expected an array of [name, minimum]");
            for (std::size_t i = 0; i < v.size(); ++i) {
                const auto& t = v[i];
                if (!t.is_array() || t.size() != 2 || !t[0].is_string() || !t[1].is_number())
                    throw config_error(p + "[" + std::to_string(i) + "]",
                                       "expected [name, minimum], actual " + t.dump());
                s.tiers.emplace_back(t[0].get<std::string>(), t[1].get<double>());
            }
        } else
            unknown_key(p);
    }
    if (s.kpis.empty()) throw config_error(root + ".kpis", "required");
    for (std::size_t i = 0; i < s.kpis.size(); ++i) {
        const auto& mix = s.kpis[i].case_mix;
        if (mix.empty()) continue;
        if (mix != s.case_mix_keys())
            throw config_error(root + ".kpis[" + std::to_string(i) + "].case_mix",
                               "every KPI must use the same case-mix keys");
        for (auto key : mix)
            if (std::find(s.by.begin(), s.by.end(), key) != s.by.end())
                throw config_error(root + ".kpis[" + std::to_string(i) + "].case_mix",
                                   "'" + std::string(name_of(key)) + "' is already a scored key");
    }
    const std::string m = method.value_or("manual");
    if (m == "manual") {
        s.weights = weight_method::manual;
        double sum = 0;
        for (std::size_t i = 0; i < s.kpis.size(); ++i) {
            if (!s.kpis[i].weight)
                throw config_error(root + ".kpis[" + std::to_string(i) + "].weight",
                                   "required by manual weights");
            sum += *s.kpis[i].weight;
        }
        if (!(sum > 0))
            throw config_error(root + ".kpis", "manual weights must sum to more than 0");
    } else if (m == "ahp") {
        s.weights = weight_method::ahp;
        if (s.ahp_matrix.size() == 0)
            throw config_error(root + ".weights.matrix", "required by ahp");
        if (static_cast<std::size_t>(s.ahp_matrix.rows()) != s.kpis.size())
            throw config_error(root + ".weights.matrix", "expected " +
                                                             std::to_string(s.kpis.size()) +
                                                             " rows (one per KPI), actual " +
                                                             std::to_string(s.ahp_matrix.rows()));
        try {
            const auto r = ahp_weights(s.ahp_matrix);
            if (r.cr > 0.1 && !s.allow_inconsistent)
                throw config_error(root + ".weights.matrix",
                                   "inconsistent: CR = " + std::to_string(r.cr) +
                                       " > 0.1 (set allow_inconsistent to use it anyway)");
        } catch (const config_error&) {
            throw;
        } catch (const std::invalid_argument& e) {
            throw config_error(root + ".weights.matrix", e.what());
        }
    } else if (m == "entropy")
        s.weights = weight_method::entropy;
    else if (m == "critic")
        s.weights = weight_method::critic;
    else
        throw config_error(root + ".weights.method",
                           "expected manual, ahp, entropy or critic, actual \"" + m + "\"");
    return s;
}

namespace detail {

inline double clip100(double x) {
    return std::min(100.0, std::max(0.0, x));
}

/// Points of every value in `xs` (NaN stays NaN) under one normalization.
inline std::vector<double> normalize(const std::vector<double>& xs, const kpi_spec& k) {
    std::vector<double> out(xs.size(), stats::nan);
    std::vector<double> avail;
    for (double x : xs)
        if (!std::isnan(x)) avail.push_back(x);
    const auto& n = k.norm;
    const double sign = k.higher_better ? 1.0 : -1.0;
    double lo = 0, hi = 0, mean = 0, sd = 0;
    if (!avail.empty()) {
        lo = *std::min_element(avail.begin(), avail.end());
        hi = *std::max_element(avail.begin(), avail.end());
        for (double x : avail) mean += x;
        mean /= static_cast<double>(avail.size());
        if (avail.size() >= 2) {
            for (double x : avail) sd += (x - mean) * (x - mean);
            sd = std::sqrt(sd / static_cast<double>(avail.size() - 1));
        }
    }
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const double x = xs[i];
        if (std::isnan(x)) continue;
        switch (n.how) {
            case normalization::method::bands: {
                double pts = n.else_points;
                for (const auto& [thr, p] : n.bands)
                    if (k.higher_better ? x >= thr : x <= thr) {
                        pts = p;
                        break;
                    }
                out[i] = pts;
                break;
            }
            case normalization::method::linear:
                out[i] = clip100(100.0 * (x - n.floor) / (n.target - n.floor));
                break;
            case normalization::method::minmax:
                out[i] =
                    hi == lo ? 100.0 : 100.0 * (k.higher_better ? (x - lo) : (hi - x)) / (hi - lo);
                break;
            case normalization::method::zscore:
                out[i] = (avail.size() < 2 || sd == 0)
                             ? 50.0
                             : clip100(50.0 + 10.0 * sign * (x - mean) / sd);
                break;
            case normalization::method::percentile: {
                if (avail.size() == 1) {
                    out[i] = 100.0;
                    break;
                }
                double worse = 0, same = 0;
                for (double y : avail) {
                    if (y == x)
                        ++same;
                    else if (k.higher_better ? y < x : y > x)
                        ++worse;
                }
                out[i] = 100.0 * (worse + 0.5 * (same - 1)) / static_cast<double>(avail.size() - 1);
                break;
            }
        }
    }
    return out;
}

/// Competition ranking, 1 = highest; equal values share the best rank.
inline std::vector<std::optional<int>> rank_desc(const std::vector<double>& v) {
    std::vector<std::optional<int>> r(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (std::isnan(v[i])) continue;
        int better = 0;
        for (double y : v) better += !std::isnan(y) && y > v[i];
        r[i] = better + 1;
    }
    return r;
}

}  // namespace detail

namespace detail {

/// Throws when `rep` (and `mix`) do not fit `card`: another grouping, missing case-mix
/// reports, a KPI on a joined column that was not joined.
inline void check_score_inputs(const report& rep, const scorecard& card,
                               const case_mix_reports* mix) {
    if (rep.by != card.by)
        throw std::invalid_argument("score: the report is grouped differently from the scorecard");
    const auto mix_keys = card.case_mix_keys();
    if (!mix_keys.empty()) {
        std::vector<group_key> both = card.by;
        both.insert(both.end(), mix_keys.begin(), mix_keys.end());
        if (!mix || mix->by_group_and_cells.by != both || mix->by_cells.by != mix_keys)
            throw std::invalid_argument(
                "score: case_mix needs reports by the scored keys + cells and by the cells");
    }
    for (std::size_t k = 0; k < card.kpis.size(); ++k) {
        const std::string& m = card.kpis[k].metric;
        if (is_metric(m)) continue;
        bool joined = false;
        for (const auto& e : rep.groups.front().extra) joined |= e.first == m;
        if (!joined)
            throw config_error("scorecard.kpis[" + std::to_string(k) + "].metric",
                               "'" + m +
                                   "' is a joined column: join its source onto the report first "
                                   "(QA: --reviews and --rubric; "
                                   "timeline columns: --events)");
    }
}

/// One scored_group per group of `rep` (the overall row alone when `rep` is ungrouped), with
/// its KPI values and whether it is scored (a key present, enough interactions).
inline std::vector<scored_group> groups_to_score(const report& rep, const scorecard& card) {
    const std::size_t nk = card.kpis.size();
    std::vector<scored_group> out;
    auto add = [&](const report_group& g, bool no_key, bool flag) {
        scored_group s;
        s.keys = g.keys;
        s.interactions = g.metric("interactions");
        if (flag && no_key) s.flags.push_back("missing_key");
        if (flag && s.interactions < card.min_interactions) s.flags.push_back("min_interactions");
        s.scored = !no_key && s.interactions >= card.min_interactions;
        s.kpis.resize(nk);
        for (std::size_t k = 0; k < nk; ++k)
            s.kpis[k].value = s.kpis[k].adjusted = g.metric(card.kpis[k].metric);
        out.push_back(std::move(s));
    };
    for (std::size_t gi = 1; gi < rep.groups.size(); ++gi) {  // every row but the overall one
        const auto& keys = rep.groups[gi].keys;
        add(rep.groups[gi], std::any_of(keys.begin(), keys.end(), [](const auto& k) { return !k; }),
            true);
    }
    if (rep.by.empty()) add(rep.groups[0], false, false);  // the overall row alone: no flags
    return out;
}

/// Case mix: the expected value of each group = its cells' overall values weighted by the
/// group's share of the KPI's denominator in each cell (interactions for non-rates).
inline void set_expected(std::vector<scored_group>& groups, const scorecard& card,
                         const case_mix_reports& mix) {
    const std::size_t nb = card.by.size();
    std::map<std::vector<std::optional<std::string>>, const report_group*> cell;
    for (std::size_t i = 1; i < mix.by_cells.groups.size(); ++i)
        cell[mix.by_cells.groups[i].keys] = &mix.by_cells.groups[i];
    for (std::size_t k = 0; k < card.kpis.size(); ++k) {
        const auto& ks = card.kpis[k];
        if (ks.case_mix.empty()) continue;
        const bool rate = is_metric(ks.metric + "_den") || is_joinable(ks.metric + "_den");
        const std::string weight_col = rate ? ks.metric + "_den" : "interactions";
        for (auto& g : groups) {
            double num = 0, den = 0;
            for (std::size_t i = 1; i < mix.by_group_and_cells.groups.size(); ++i) {
                const auto& row = mix.by_group_and_cells.groups[i];
                if (!std::equal(g.keys.begin(), g.keys.end(), row.keys.begin())) continue;
                const std::vector<std::optional<std::string>> ck(
                    row.keys.begin() + static_cast<std::ptrdiff_t>(nb), row.keys.end());
                auto it = cell.find(ck);
                if (it == cell.end()) continue;
                const double w = row.metric(weight_col), v = it->second->metric(ks.metric);
                if (w > 0 && !std::isnan(v)) {
                    num += w * v;
                    den += w;
                }
            }
            g.kpis[k].expected = den > 0 ? num / den : stats::nan;
        }
    }
}

/// Each KPI's adjusted value (shrinkage toward the pooled rate of the scored groups, then case
/// mix) and whether it is sufficient. `group_report(i)` is group i's row of the report.
template <class GroupReport>
void adjust_and_judge(std::vector<scored_group>& groups, const scorecard& card,
                      GroupReport&& group_report) {
    for (std::size_t k = 0; k < card.kpis.size(); ++k) {
        const auto& ks = card.kpis[k];
        auto thin = [&](std::size_t i) {
            return ks.min_den && group_report(i).metric(ks.metric + "_den") < *ks.min_den;
        };
        if (ks.shrink) {
            // Section 9: p-bar pools the scored groups' sufficient, non-null rates only.
            double num = 0, den = 0;
            for (std::size_t i = 0; i < groups.size(); ++i) {
                if (!groups[i].scored || thin(i) || std::isnan(groups[i].kpis[k].value)) continue;
                num += group_report(i).metric(ks.metric + "_num");
                den += group_report(i).metric(ks.metric + "_den");
            }
            const double pooled = den > 0 ? num / den : stats::nan;
            for (std::size_t i = 0; i < groups.size(); ++i) {
                const double n = group_report(i).metric(ks.metric + "_den");
                auto& kp = groups[i].kpis[k];
                if (!std::isnan(kp.value) && !std::isnan(pooled))
                    kp.adjusted = (n * kp.value + *ks.shrink * pooled) / (n + *ks.shrink);
            }
        }
        if (!ks.case_mix.empty())
            for (auto& g : groups) g.kpis[k].adjusted -= g.kpis[k].expected;
        for (std::size_t i = 0; i < groups.size(); ++i) {
            auto& kp = groups[i].kpis[k];
            if (std::isnan(kp.adjusted) || thin(i)) {
                kp.insufficient = true;
                if (groups[i].scored) groups[i].flags.push_back("insufficient:" + ks.metric);
            }
        }
    }
}

/// Points of the `scored` groups' sufficient values (NaN elsewhere), set on the groups and
/// returned as a scored x KPI matrix.
inline Eigen::MatrixXd set_points(std::vector<scored_group>& groups, const scorecard& card,
                                  const std::vector<std::size_t>& scored) {
    const std::size_t nk = card.kpis.size();
    Eigen::MatrixXd points = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(scored.size()),
                                                       static_cast<Eigen::Index>(nk), stats::nan);
    for (std::size_t k = 0; k < nk; ++k) {
        std::vector<double> xs;
        for (auto i : scored)
            xs.push_back(groups[i].kpis[k].insufficient ? stats::nan : groups[i].kpis[k].adjusted);
        const auto pts = normalize(xs, card.kpis[k]);
        for (std::size_t r = 0; r < scored.size(); ++r) {
            groups[scored[r]].kpis[k].points = pts[r];
            points(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(k)) = pts[r];
        }
    }
    return points;
}

/// The KPI weights of `card.weights` (entropy and CRITIC read the points matrix).
inline void set_weights(score_report& out, const Eigen::MatrixXd& points) {
    const scorecard& card = out.card;
    const std::size_t nk = card.kpis.size();
    out.weights.resize(static_cast<Eigen::Index>(nk));
    switch (card.weights) {
        case weight_method::manual: {
            double sum = 0;
            for (const auto& k : card.kpis) sum += *k.weight;
            for (std::size_t k = 0; k < nk; ++k)
                out.weights[static_cast<Eigen::Index>(k)] = *card.kpis[k].weight / sum;
            break;
        }
        case weight_method::ahp:
            out.ahp = ahp_weights(card.ahp_matrix);
            out.weights = out.ahp->weights;
            break;
        case weight_method::entropy:
            out.weights = entropy_weights(points / 100.0);
            break;
        case weight_method::critic:
            out.weights = critic_weights(points / 100.0);
            break;
    }
}

/// Scores, ranks and tiers of the `scored` groups: an insufficient KPI's weight is spread over
/// the group's other KPIs.
inline void set_scores(score_report& out, const std::vector<std::size_t>& scored) {
    const std::size_t nk = out.card.kpis.size();
    std::vector<double> scores(out.groups.size(), stats::nan);
    for (auto i : scored) {
        auto& g = out.groups[i];
        double wsum = 0;
        for (std::size_t k = 0; k < nk; ++k)
            if (!g.kpis[k].insufficient) wsum += out.weights[static_cast<Eigen::Index>(k)];
        if (wsum <= 0) {
            g.flags.push_back("no_sufficient_kpi");
            continue;
        }
        double total = 0;
        for (std::size_t k = 0; k < nk; ++k) {
            auto& kp = g.kpis[k];
            if (kp.insufficient) continue;
            kp.weight = out.weights[static_cast<Eigen::Index>(k)] / wsum;
            kp.contribution = kp.points * kp.weight;
            total += kp.contribution;
        }
        g.score = total;
        scores[i] = total;
    }
    const auto ranks = rank_desc(scores);
    for (std::size_t i = 0; i < out.groups.size(); ++i) {
        auto& g = out.groups[i];
        g.rank = ranks[i];
        if (std::isnan(g.score)) continue;
        for (const auto& [name, min] : out.card.tiers)
            if (g.score >= min) {
                g.tier = name;
                break;
            }
    }
}

/// TOPSIS closeness and rank of the scored groups whose every KPI is sufficient.
inline void set_topsis(score_report& out, const std::vector<std::size_t>& scored) {
    const scorecard& card = out.card;
    const std::size_t nk = card.kpis.size();
    std::vector<std::size_t> rows;
    for (auto i : scored)
        if (std::none_of(out.groups[i].kpis.begin(), out.groups[i].kpis.end(),
                         [](const auto& kp) { return kp.insufficient; }))
            rows.push_back(i);
    if (rows.empty()) return;
    const auto nr = static_cast<Eigen::Index>(rows.size());
    Eigen::MatrixXd v(nr, static_cast<Eigen::Index>(nk));
    Eigen::RowVectorXd best(v.cols()), worst(v.cols());
    for (std::size_t k = 0; k < nk; ++k) {
        const auto kc = static_cast<Eigen::Index>(k);
        const bool up = card.kpis[k].higher_better;
        double lo = INFINITY, hi = -INFINITY, norm = 0;
        for (auto i : rows) {
            const double x = out.groups[i].kpis[k].adjusted;
            lo = std::min(lo, x);
            hi = std::max(hi, x);
            norm += x * x;
        }
        norm = std::sqrt(norm);
        for (Eigen::Index r = 0; r < nr; ++r) {
            const double x = out.groups[rows[static_cast<std::size_t>(r)]].kpis[k].adjusted;
            const double z = card.topsis == topsis_normalization::vector
                                 ? (norm > 0 ? x / norm : 0.0)
                             : hi == lo ? 1.0
                                        : (up ? (x - lo) : (hi - x)) / (hi - lo);
            v(r, kc) = z * out.weights[kc];
        }
        // minmax has already turned every KPI so that more is better.
        const bool more = up || card.topsis == topsis_normalization::minmax;
        best[kc] = more ? v.col(kc).maxCoeff() : v.col(kc).minCoeff();
        worst[kc] = more ? v.col(kc).minCoeff() : v.col(kc).maxCoeff();
    }
    out.topsis_ideal = best.transpose();
    out.topsis_anti_ideal = worst.transpose();
    std::vector<double> closeness(out.groups.size(), stats::nan);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const double dp = (v.row(static_cast<Eigen::Index>(r)) - best).norm();
        const double dm = (v.row(static_cast<Eigen::Index>(r)) - worst).norm();
        closeness[rows[r]] = dp + dm > 0 ? dm / (dp + dm) : 1.0;
    }
    const auto tr = rank_desc(closeness);
    for (std::size_t i = 0; i < out.groups.size(); ++i) {
        out.groups[i].topsis = closeness[i];
        out.groups[i].topsis_rank = tr[i];
    }
}

}  // namespace detail

inline score_report score(const report& rep, const scorecard& card, const case_mix_reports* mix) {
    detail::check_score_inputs(rep, card, mix);
    score_report out;
    out.card = card;
    out.groups = detail::groups_to_score(rep, card);
    if (!card.case_mix_keys().empty()) detail::set_expected(out.groups, card, *mix);
    detail::adjust_and_judge(out.groups, card, [&](std::size_t i) -> const report_group& {
        return rep.by.empty() ? rep.groups[0] : rep.groups[i + 1];
    });
    std::vector<std::size_t> scored;
    for (std::size_t i = 0; i < out.groups.size(); ++i)
        if (out.groups[i].scored) scored.push_back(i);
    detail::set_weights(out, detail::set_points(out.groups, card, scored));
    detail::set_scores(out, scored);
    detail::set_topsis(out, scored);
    return out;
}

inline std::vector<team_score> team_rollup(const score_report& agents, const report& by_team_agent,
                                           const report& by_team) {
    if (agents.card.by != std::vector<group_key>{group_key::agent} ||
        by_team_agent.by != std::vector<group_key>{group_key::team, group_key::agent} ||
        by_team.by != std::vector<group_key>{group_key::team})
        throw std::invalid_argument(
            "team_rollup: expected an agent scorecard and reports by [team, agent] and [team]");
    std::map<std::string, double> agent_score;
    for (const auto& g : agents.groups)
        if (g.keys[0] && !std::isnan(g.score)) agent_score[*g.keys[0]] = g.score;
    scorecard team_card = agents.card;
    team_card.by = {group_key::team};
    if (team_card.weights == weight_method::entropy || team_card.weights == weight_method::critic) {
        // Keep the agents' data-driven weights so the two team scores weigh KPIs alike.
        team_card.weights = weight_method::manual;
        for (std::size_t k = 0; k < team_card.kpis.size(); ++k)
            team_card.kpis[k].weight = agents.weights[static_cast<Eigen::Index>(k)];
    }
    team_card.min_interactions = 0;
    const score_report pooled = score(by_team, team_card);
    std::vector<team_score> out;
    for (const auto& p : pooled.groups) {
        team_score t;
        t.team = p.keys[0];
        t.pooled = p.score;
        t.pooled_rank = p.rank;
        double num = 0, den = 0;
        for (std::size_t i = 1; i < by_team_agent.groups.size(); ++i) {
            const auto& g = by_team_agent.groups[i];
            if (g.keys[0] != t.team || !g.keys[1]) continue;
            auto it = agent_score.find(*g.keys[1]);
            if (it == agent_score.end()) continue;
            const double n = g.metric("interactions");
            num += n * it->second;
            den += n;
            ++t.agents;
        }
        if (den > 0) t.from_agents = num / den;
        out.push_back(std::move(t));
    }
    std::vector<double> fa;
    for (const auto& t : out) fa.push_back(t.team ? t.from_agents : stats::nan);
    const auto r = detail::rank_desc(fa);
    for (std::size_t i = 0; i < out.size(); ++i) out[i].from_agents_rank = r[i];
    return out;
}

inline json score_report::to_json() const {
    json j;
    j["cskpi"] = {{"version", version}};
    j["scorecard"] = card.name;
    json by = json::array();
    for (auto k : card.by) by.push_back(std::string(name_of(k)));
    j["by"] = by;
    json w = json::object();
    for (std::size_t k = 0; k < card.kpis.size(); ++k)
        w[card.kpis[k].metric] = weights[static_cast<Eigen::Index>(k)];
    j["weights"] = w;
    const char* methods[] = {"manual", "ahp", "entropy", "critic"};
    j["weight_method"] = methods[static_cast<int>(card.weights)];
    if (ahp) j["ahp"] = {{"lambda_max", ahp->lambda_max}, {"ci", ahp->ci}, {"cr", ahp->cr}};
    json topsis = {
        {"normalization", card.topsis == topsis_normalization::vector ? "vector" : "minmax"},
        {"weights", "the scorecard's"}};
    if (topsis_ideal.size()) {
        json ideal = json::object(), anti = json::object();
        for (std::size_t k = 0; k < card.kpis.size(); ++k) {
            ideal[card.kpis[k].metric] = topsis_ideal[static_cast<Eigen::Index>(k)];
            anti[card.kpis[k].metric] = topsis_anti_ideal[static_cast<Eigen::Index>(k)];
        }
        topsis["ideal"] = ideal;
        topsis["anti_ideal"] = anti;
    }
    j["topsis"] = topsis;
    json gs = json::array();
    for (const auto& g : groups) {
        json key = json::object();
        for (std::size_t i = 0; i < g.keys.size(); ++i)
            key[std::string(name_of(card.by[i]))] = g.keys[i] ? json(*g.keys[i]) : json(nullptr);
        json kp = json::object();
        for (std::size_t k = 0; k < card.kpis.size(); ++k) {
            const auto& x = g.kpis[k];
            json o = {{"value", cskpi::detail::num_or_null(x.value)}};
            if (card.kpis[k].shrink || !card.kpis[k].case_mix.empty())
                o["adjusted"] = cskpi::detail::num_or_null(x.adjusted);
            if (!card.kpis[k].case_mix.empty())
                o["expected"] = cskpi::detail::num_or_null(x.expected);
            o["points"] = cskpi::detail::num_or_null(x.points);
            o["contribution"] = cskpi::detail::num_or_null(x.contribution);
            o["weight"] = cskpi::detail::num_or_null(x.weight);
            kp[card.kpis[k].metric] = o;
        }
        gs.push_back({{"by", key},
                      {"interactions", static_cast<std::int64_t>(g.interactions)},
                      {"score", cskpi::detail::num_or_null(g.score)},
                      {"rank", g.rank ? json(*g.rank) : json(nullptr)},
                      {"tier", g.tier ? json(*g.tier) : json(nullptr)},
                      {"flags", g.flags},
                      {"kpis", kp},
                      {"topsis", cskpi::detail::num_or_null(g.topsis)},
                      {"topsis_rank", g.topsis_rank ? json(*g.topsis_rank) : json(nullptr)}});
    }
    j["groups"] = gs;
    return j;
}

inline void score_report::write_csv(std::ostream& os) const {
    std::string line;
    for (auto k : card.by) line += std::string(name_of(k)) + ",";
    line += "interactions,score,rank,tier,flags,topsis,topsis_rank";
    for (const auto& k : card.kpis)
        line += "," + k.metric + "_value," + k.metric + "_points," + k.metric + "_contribution";
    os << line << '\n';
    const bool people = detail::is_for_people(os);
    for (const auto& g : groups) {
        line.clear();
        for (const auto& k : g.keys) line += detail::csv_key(k, people) + ",";
        std::string flags;
        for (const auto& f : g.flags) flags += (flags.empty() ? "" : ";") + f;
        line += detail::number_text(g.interactions, true) + "," + detail::number_text(g.score) +
                "," + (g.rank ? std::to_string(*g.rank) : "null") + "," +
                (g.tier ? detail::csv_field(*g.tier, people) : "null") + "," +
                detail::csv_field(flags, people) + "," + detail::number_text(g.topsis) + "," +
                (g.topsis_rank ? std::to_string(*g.topsis_rank) : "null");
        for (const auto& x : g.kpis)
            line += "," + detail::number_text(x.value) + "," + detail::number_text(x.points) + "," +
                    detail::number_text(x.contribution);
        os << line << '\n';
    }
}

inline void score_report::write_table(std::ostream& os) const {
    std::vector<const scored_group*> order;
    for (const auto& g : groups) order.push_back(&g);
    std::stable_sort(order.begin(), order.end(), [](auto a, auto b) {
        return a->rank.value_or(INT32_MAX) < b->rank.value_or(INT32_MAX);
    });
    os << "scorecard " << (card.name.empty() ? "(unnamed)" : card.name) << " — weights:";
    for (std::size_t k = 0; k < card.kpis.size(); ++k)
        os << ' ' << card.kpis[k].metric << ' '
           << detail::fmt_fixed(100 * weights[static_cast<Eigen::Index>(k)], 1) << '%';
    if (ahp) os << "  (AHP CR " << detail::fmt_fixed(ahp->cr, 3) << ")";
    os << "\n\n";
    std::vector<std::vector<std::string>> cells;
    std::vector<std::string> head = {"rank"};
    for (auto k : card.by) head.emplace_back(name_of(k));
    for (const char* h : {"score", "tier", "n", "TOPSIS"}) head.emplace_back(h);
    for (const auto& k : card.kpis) head.push_back(k.metric);
    head.emplace_back("flags");
    cells.push_back(head);
    for (const auto* g : order) {
        std::vector<std::string> row = {g->rank ? std::to_string(*g->rank) : "-"};
        for (const auto& k : g->keys) row.push_back(k ? *k : "(none)");
        row.push_back(detail::fmt_fixed(g->score, 1));
        row.push_back(g->tier.value_or("-"));
        row.push_back(detail::fmt_fixed(g->interactions, 0));
        row.push_back(detail::fmt_fixed(g->topsis, 3));
        for (const auto& x : g->kpis) row.push_back(detail::fmt_fixed(x.points, 0));
        std::string flags;
        for (const auto& f : g->flags) flags += (flags.empty() ? "" : " ") + f;
        row.push_back(flags);
        cells.push_back(std::move(row));
    }
    detail::write_grid(os, cells);
    os << "\nKPI columns show points (0-100); '-' = not scored. --explain KEY shows how a score "
          "came about.\n";
}

inline json teams_to_json(const std::vector<team_score>& teams) {
    auto rank = [](const std::optional<int>& r) { return r ? json(*r) : json(nullptr); };
    json out = json::array();
    for (const auto& t : teams)
        out.push_back({{"team", t.team ? json(*t.team) : json(nullptr)},
                       {"from_agents", cskpi::detail::num_or_null(t.from_agents)},
                       {"from_agents_rank", rank(t.from_agents_rank)},
                       {"agents", t.agents},
                       {"pooled", cskpi::detail::num_or_null(t.pooled)},
                       {"pooled_rank", rank(t.pooled_rank)}});
    return out;
}

inline void write_teams_table(std::ostream& os, const std::vector<team_score>& teams) {
    os << "\nteams: from_agents = interaction-weighted mean of the agents' scores; pooled = the "
          "team's own KPIs\n";
    for (const auto& t : teams)
        os << "  " << detail::pad(t.team.value_or("(none)"), 12, false) << "  from_agents "
           << detail::pad(detail::fmt_fixed(t.from_agents, 1), 6, true) << " (" << t.agents
           << " agents)  pooled " << detail::pad(detail::fmt_fixed(t.pooled, 1), 6, true) << '\n';
}

inline void score_report::explain(std::ostream& os, const std::string& key) const {
    for (const auto& g : groups) {
        std::string label;
        for (const auto& k : g.keys) label += (label.empty() ? "" : ",") + k.value_or("(none)");
        if (label != key) continue;
        os << key << ": "
           << (g.scored ? "score " + detail::fmt_fixed(g.score, 2) : std::string("not scored"));
        if (g.rank) os << ", rank " << *g.rank;
        if (g.tier) os << ", tier " << *g.tier;
        os << " (" << detail::fmt_fixed(g.interactions, 0) << " interactions)\n";
        for (std::size_t k = 0; k < card.kpis.size(); ++k) {
            const auto& ks = card.kpis[k];
            const auto& x = g.kpis[k];
            const char* how[] = {"bands", "linear", "minmax", "zscore", "percentile"};
            os << "  " << ks.metric << " = " << detail::number_text(x.value);
            if (ks.shrink) os << " (shrunk)";
            if (!ks.case_mix.empty())
                os << ", expected " << detail::number_text(x.expected) << " for its case mix";
            if (ks.shrink || !ks.case_mix.empty())
                os << " -> adjusted " << detail::number_text(x.adjusted);
            os << ", " << (ks.higher_better ? "higher" : "lower") << " is better, "
               << how[static_cast<int>(ks.norm.how)];
            if (x.insufficient) {
                os << ": insufficient, its weight goes to the other KPIs\n";
                continue;
            }
            os << " -> " << detail::fmt_fixed(x.points, 2) << " points x weight "
               << detail::fmt_fixed(x.weight, 4) << " = " << detail::fmt_fixed(x.contribution, 2)
               << '\n';
        }
        if (!g.flags.empty()) {
            os << "  flags:";
            for (const auto& f : g.flags) os << ' ' << f;
            os << '\n';
        }
        return;
    }
    throw std::invalid_argument("explain: no group '" + key + "'");
}

}  // namespace cskpi
