#pragma once
// Comparisons (spec section 13): every metric of every group in two periods of one input, or
// in a baseline input and the input, side by side with B - A, its interval, a two-sided test,
// and Benjamini-Hochberg q-values over all tests of the run (docs/COMPARE.md).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../engine/run.hpp"
#include "significance.hpp"

namespace cskpi::analysis {

struct compare_options {
    std::vector<group_key> by;            ///< the groups compared (without the period key)
    std::optional<group_key> period_key;  ///< periods mode: the time key of A and B
    std::string period_a, period_b;       ///< periods mode: its two labels
    std::string baseline;                 ///< baseline mode: A's input (B is the input)
    double alpha = 0.05;
    double min_n = 30;
};

/// Options from the command line's words: `keys` of --by; `periods` "A,B" (then one of `keys`
/// is the time key of A and B) or `baseline` a second input. Throws std::invalid_argument.
inline compare_options make_compare_options(const std::vector<group_key>& keys,
                                            const std::string& periods, const std::string& baseline,
                                            double alpha = 0.05, double min_n = 30) {
    compare_options o;
    o.alpha = alpha;
    o.min_n = min_n;
    if (periods.empty() == baseline.empty())
        throw std::invalid_argument(
            "compare needs --periods A,B (two labels of a time key in --by) or --baseline FILE");
    if (baseline.empty()) {
        const auto comma = periods.find(',');
        if (comma == std::string::npos || periods.find(',', comma + 1) != std::string::npos)
            throw std::invalid_argument("--periods: expected A,B, actual '" + periods + "'");
        o.period_a = periods.substr(0, comma), o.period_b = periods.substr(comma + 1);
        for (auto k : keys) {
            if (!is_time_key(k))
                o.by.push_back(k);
            else if (o.period_key)
                throw std::invalid_argument("--by: one time key for --periods, actual two");
            else
                o.period_key = k;
        }
        if (!o.period_key)
            throw std::invalid_argument(
                "--by: --periods needs a time key in --by (e.g. team,month)");
    } else {
        o.by = keys;
        o.baseline = baseline;
    }
    return o;
}

struct compare_row {
    std::vector<std::optional<std::string>> keys;  ///< empty: every group (the overall row)
    std::string metric, test;
    double a = stats::nan, b = stats::nan, n_a = 0, n_b = 0;
    difference diff;
    double q = stats::nan;
    bool too_few = false, significant = false;
};

struct compare_result {
    compare_options opt;
    std::string label_a, label_b;
    std::vector<compare_row> rows;

    json to_json() const {
        json rs = json::array();
        for (const auto& r : rows) {
            rs.push_back({{"by", keys_json(opt.by, r.keys)},
                          {"metric", r.metric},
                          {"test", r.test},
                          {"a", cskpi::detail::num_or_null(r.a)},
                          {"b", cskpi::detail::num_or_null(r.b)},
                          {"n_a", r.n_a},
                          {"n_b", r.n_b},
                          {"difference", cskpi::detail::num_or_null(r.diff.estimate)},
                          {"ci_low", cskpi::detail::num_or_null(r.diff.ci_low)},
                          {"ci_high", cskpi::detail::num_or_null(r.diff.ci_high)},
                          {"p", cskpi::detail::num_or_null(r.diff.p)},
                          {"q", cskpi::detail::num_or_null(r.q)},
                          {"significant", r.significant},
                          {"too_few", r.too_few}});
        }
        json by = json::array();
        for (auto k : opt.by) by.push_back(std::string(name_of(k)));
        return {{"cskpi", {{"version", version}}},
                {"a", label_a},
                {"b", label_b},
                {"by", by},
                {"alpha", opt.alpha},
                {"min_n", opt.min_n},
                {"comparisons", rs}};
    }

    void write_csv(std::ostream& os) const {
        std::string head;
        for (auto k : opt.by) head += std::string(name_of(k)) + ",";
        os << head << "metric,test,a,b,n_a,n_b,difference,ci_low,ci_high,p,q,significant,too_few\n";
        using cskpi::detail::number_text;
        for (const auto& r : rows) {
            std::string line;
            if (r.keys.empty()) line.append(opt.by.size(), ',');
            for (const auto& k : r.keys)
                line += cskpi::detail::csv_key(k, cskpi::detail::is_for_people(os)) + ",";
            os << line << r.metric << ',' << r.test << ',' << number_text(r.a) << ','
               << number_text(r.b) << ',' << number_text(r.n_a, true) << ','
               << number_text(r.n_b, true) << ',' << number_text(r.diff.estimate) << ','
               << number_text(r.diff.ci_low) << ',' << number_text(r.diff.ci_high) << ','
               << number_text(r.diff.p) << ',' << number_text(r.q) << ','
               << (r.significant ? "true" : "false") << ',' << (r.too_few ? "true" : "false")
               << '\n';
        }
    }
};

namespace detail {

/// One side of a comparison: per group (labels of the compared keys), its report row and state.
struct side {
    std::map<std::vector<std::optional<std::string>>,
             std::pair<const report_group*, const group_state*>>
        groups;
};

/// Reads a file into reports and states of `bys`; keeps both (states for samples and NPS parts).
struct reading {
    std::vector<report> reps;
    std::vector<std::vector<group_state>> states;
    std::vector<std::vector<std::vector<std::optional<std::string>>>>
        labels;  ///< per grouping, per state group
};

inline reading read_all(const std::string& path, const config& cfg,
                        const std::vector<std::vector<group_key>>& bys, const run_options& opt) {
    auto partial = run_partial_multi(path, cfg, bys, opt);
    reading r;
    for (const auto& st : partial.second) {
        r.states.push_back(st.groups());
        std::vector<std::vector<std::optional<std::string>>> ls;
        for (const auto& id : st.group_ids()) ls.push_back(st.labels(id));
        r.labels.push_back(std::move(ls));
    }
    r.reps = cskpi::detail::finish_multi(std::move(partial), bys, opt.threads);
    return r;
}

/// The groups of grouping `k` of `r` whose label at `time_at` (if any) is `label`, keyed by the
/// other labels; `overall`: grouping k has only the time key (or none) and gives the empty key.
inline void add_side(side& s, const reading& r, std::size_t k, std::optional<std::size_t> time_at,
                     const std::string& label) {
    std::map<std::vector<std::optional<std::string>>, const group_state*> states;
    for (std::size_t g = 0; g < r.labels[k].size(); ++g) states[r.labels[k][g]] = &r.states[k][g];
    const auto& rep = r.reps[k];
    for (std::size_t i = 1; i < rep.groups.size(); ++i) {
        const auto& keys = rep.groups[i].keys;
        std::vector<std::optional<std::string>> base;
        for (std::size_t j = 0; j < keys.size(); ++j) {
            if (time_at && j == *time_at) continue;
            base.push_back(keys[j]);
        }
        if (time_at && keys[*time_at] != label) continue;
        const auto it = states.find(keys);
        if (it != states.end()) s.groups[base] = {&rep.groups[i], it->second};
    }
    if (rep.by.empty() && !rep.groups.empty() && !r.states[k].empty())
        s.groups[{}] = {&rep.groups[0], &r.states[k][0]};
}

/// Every comparison of one group present on both sides.
inline void compare_group(std::vector<compare_row>& out,
                          const std::vector<std::optional<std::string>>& keys,
                          const report_group& ra, const group_state& sa, const report_group& rb,
                          const group_state& sb, const compare_options& o, double confidence) {
    for (const auto& m : metric_table()) {
        if (m.kind == metric_kind::rate) {
            compare_row r;
            r.keys = keys;
            r.metric = m.name;
            const double xa = ra.metric(std::string(m.name) + "_num"),
                         na = ra.metric(std::string(m.name) + "_den");
            const double xb = rb.metric(std::string(m.name) + "_num"),
                         nb = rb.metric(std::string(m.name) + "_den");
            r.a = ra.metric(m.name), r.b = rb.metric(m.name), r.n_a = na, r.n_b = nb;
            r.diff = two_proportions(xa, na, xb, nb, confidence);
            r.test = r.diff.test;
            out.push_back(r);
        } else if (m.kind == metric_kind::duration) {
            const std::vector<double> a = (sa.*duration_samples_of[m.sample]).seconds();
            const std::vector<double> b = (sb.*duration_samples_of[m.sample]).seconds();
            for (const auto& st : m.stats) {
                const std::string col = std::string(m.name) + st.suffix;
                const bool mean = st.what == duration_stat::mean,
                           median = st.what == duration_stat::quantile && st.q == 0.5;
                if (!mean && !median) continue;
                compare_row r;
                r.keys = keys;
                r.metric = col;
                r.a = ra.metric(col), r.b = rb.metric(col);
                r.n_a = static_cast<double>(a.size()), r.n_b = static_cast<double>(b.size());
                r.diff = mean ? welch(a, b, confidence) : mann_whitney(a, b);
                r.test = r.diff.test;
                out.push_back(r);
            }
        } else if (std::string(m.name) == "nps") {
            compare_row r;
            r.keys = keys;
            r.metric = "nps";
            r.a = ra.metric("nps"), r.b = rb.metric("nps");
            r.n_a = static_cast<double>(sa.nps_responses),
            r.n_b = static_cast<double>(sb.nps_responses);
            r.diff = nps_difference(static_cast<double>(sa.nps_promoters),
                                    static_cast<double>(sa.nps_detractors), r.n_a,
                                    static_cast<double>(sb.nps_promoters),
                                    static_cast<double>(sb.nps_detractors), r.n_b, confidence);
            r.test = r.diff.test;
            out.push_back(r);
        }
    }
    (void)o;
}

}  // namespace detail

/// Compares B with A (see compare_options). Throws std::invalid_argument for a period or key
/// absent from the data, config_error / input_error as run_report.
inline compare_result compare(const std::string& path, const config& cfg, const compare_options& o,
                              const run_options& ropt = {}) {
    compare_result res;
    res.opt = o;
    detail::side A, B;
    detail::reading first, second;  // the sides point into these readings
    if (o.period_key) {
        auto keys = o.by;
        keys.push_back(*o.period_key);
        const std::vector<std::vector<group_key>> bys = {keys, {*o.period_key}};
        first = detail::read_all(path, cfg, bys, ropt);
        const auto& r = first;
        std::vector<std::string> present;
        for (std::size_t i = 1; i < r.reps[1].groups.size(); ++i)
            if (r.reps[1].groups[i].keys[0]) present.push_back(*r.reps[1].groups[i].keys[0]);
        for (const auto& p : {o.period_a, o.period_b})
            if (std::find(present.begin(), present.end(), p) == present.end())
                throw std::invalid_argument("--periods: " + std::string(name_of(*o.period_key)) +
                                            " '" + p + "' has no rows; the input has " +
                                            cskpi::detail::join_names(present));
        for (auto [side, label] : {std::pair{&A, o.period_a}, std::pair{&B, o.period_b}}) {
            detail::add_side(*side, r, 0, o.by.size(), label);
            // The overall row: grouping [period] with its label.
            for (std::size_t i = 1; i < r.reps[1].groups.size(); ++i)
                if (r.reps[1].groups[i].keys[0] == label)
                    for (std::size_t g = 0; g < r.labels[1].size(); ++g)
                        if (r.labels[1][g] == r.reps[1].groups[i].keys)
                            side->groups[{}] = {&r.reps[1].groups[i], &r.states[1][g]};
        }
        res.label_a = o.period_a, res.label_b = o.period_b;
    } else {
        const std::vector<std::vector<group_key>> bys = {o.by, {}};
        first = detail::read_all(o.baseline, cfg, bys, ropt);
        second = detail::read_all(path, cfg, bys, ropt);
        for (std::size_t k = 0; k < 2; ++k) {
            detail::add_side(A, first, k, std::nullopt, "");
            detail::add_side(B, second, k, std::nullopt, "");
        }
        res.label_a = o.baseline, res.label_b = path;
    }
    for (const auto& [keys, b] : B.groups) {
        const auto it = A.groups.find(keys);
        if (it == A.groups.end()) continue;
        detail::compare_group(res.rows, keys, *it->second.first, *it->second.second, *b.first,
                              *b.second, o, cfg.confidence);
    }
    // The overall row first, then the groups in key order (the map's order).
    std::stable_sort(res.rows.begin(), res.rows.end(),
                     [](const auto& x, const auto& y) { return x.keys.size() < y.keys.size(); });
    std::vector<double> p;
    for (auto& r : res.rows) {
        r.too_few = r.n_a < o.min_n || r.n_b < o.min_n;
        if (r.too_few) r.diff.p = stats::nan;
        p.push_back(r.diff.p);
    }
    const auto q = bh_qvalues(p);
    for (std::size_t i = 0; i < res.rows.size(); ++i) {
        res.rows[i].q = q[i];
        res.rows[i].significant = !std::isnan(q[i]) && q[i] <= o.alpha;
    }
    return res;
}

}  // namespace cskpi::analysis
