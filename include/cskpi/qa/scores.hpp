#pragma once
// QA scores (spec section 10): the score of each review under the rubric's rules, and roll-ups
// per agent (mean with a t interval), per item and section (mean percent), per reviewer.
#include <cmath>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/math/distributions/students_t.hpp>

#include "../detail/text.hpp"
#include "../report/report.hpp"
#include "../metrics/stats.hpp"
#include "../version.hpp"
#include "reviews.hpp"

namespace cskpi::qa {

/// Score of one review: 100 x sum(weight x percent) / sum(weight) over rated non-bonus items,
/// plus bonus points on the same denominator; 0 when a critical item fails. NaN when every
/// non-bonus item is N/A (nothing to score). `failed` is "critical:<item>", "section:<name>"
/// or empty.
struct review_outcome {
    double score = stats::nan;
    std::string failed;
};

inline review_outcome score_review(const rubric& rb, const review& r) {
    review_outcome out;
    const std::size_t n = rb.items.size();
    std::vector<double> pct(n, stats::nan);
    for (std::size_t i = 0; i < n; ++i)
        if (r.ratings[i].st == rating::state::rated)
            pct[i] = rb.items[i].percent(r.ratings[i].score);
    // Critical items first: in rubric order, the first that fails names the outcome.
    for (std::size_t i = 0; i < n; ++i)
        if (rb.items[i].critical && !std::isnan(pct[i]) && pct[i] < rb.critical_below) {
            out.failed = "critical:" + rb.items[i].id;
            break;
        }
    for (std::size_t i = 0; i < n; ++i) {
        if (!rb.items[i].fail_section || std::isnan(pct[i]) || pct[i] >= rb.critical_below)
            continue;
        if (out.failed.empty()) out.failed = "section:" + rb.items[i].section;
        for (std::size_t k = 0; k < n; ++k)
            if (rb.items[k].section == rb.items[i].section && !std::isnan(pct[k])) pct[k] = 0;
    }
    double num = 0, den = 0, bonus = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isnan(pct[i])) continue;
        if (rb.items[i].bonus)
            bonus += rb.items[i].weight * pct[i];
        else
            num += rb.items[i].weight * pct[i], den += rb.items[i].weight;
    }
    if (den > 0) out.score = 100.0 * (num + bonus) / den;
    if (out.failed.rfind("critical:", 0) == 0) out.score = 0;
    return out;
}

/// Mean of a sample with its two-sided Student t interval (NaN bounds below two values).
struct mean_interval {
    std::uint64_t n = 0;
    double mean = stats::nan, ci_low = stats::nan, ci_high = stats::nan;
};

inline mean_interval t_interval(const std::vector<double>& xs, double confidence = 0.95) {
    mean_interval m;
    m.n = xs.size();
    if (xs.empty()) return m;
    double s = 0;
    for (double x : xs) s += x;
    m.mean = s / static_cast<double>(xs.size());
    if (xs.size() < 2) return m;
    double ss = 0;
    for (double x : xs) ss += (x - m.mean) * (x - m.mean);
    const double n = static_cast<double>(xs.size());
    const double se = std::sqrt(ss / (n - 1) / n);
    const boost::math::students_t dist(n - 1);
    const double t = boost::math::quantile(dist, 1 - (1 - confidence) / 2);
    m.ci_low = m.mean - t * se;
    m.ci_high = m.mean + t * se;
    return m;
}

/// Mean percent of one item (or section): ratings given, N/A given, mean of the given percents.
struct percent_stats {
    std::uint64_t rated = 0, na = 0;
    double sum = 0;
    double mean() const { return rated ? sum / static_cast<double>(rated) : stats::nan; }
};

struct scored_review {
    std::string review_id;
    std::optional<std::string> interaction_id, agent, reviewer;
    bool automatic = false;
    double score = stats::nan;
    std::string failed;
    std::vector<std::string> automatic_items;  ///< items an automatic check filled in
};

struct agent_scores {
    mean_interval qa;                  ///< over the agent's reviews that have a score
    std::vector<percent_stats> items;  ///< per rubric item
};

struct reviewer_scores {
    std::uint64_t reviews = 0;  ///< reviews with a score
    double sum = 0;
    double mean() const { return reviews ? sum / static_cast<double>(reviews) : stats::nan; }
};

/// Everything `cskpi qa` reports. Item and section percents are the percents the reviewers
/// gave (before a fail-section item zeroes its section), so weak spots stay visible.
struct qa_report {
    std::string source;
    std::uint64_t rows_read = 0, rows_accepted = 0, rows_rejected = 0;
    std::vector<reject> rejects;
    std::optional<json> events_input;  ///< message events read for automatic checks
    rubric rb;
    double confidence = 0.95;
    std::vector<scored_review> reviews;  ///< in input order
    std::map<std::string, agent_scores>
        agents;                        ///< reviews without an agent are not rolled up here
    std::vector<percent_stats> items;  ///< per rubric item
    std::map<std::string, percent_stats>
        sections;  ///< per section: mean of each review's section percent
    std::map<std::string, reviewer_scores> reviewers;

    json to_json() const;
    /// CSV of one roll-up: `by` is agent, reviewer, item, section or review.
    void write_csv(std::ostream& os, const std::string& by) const;
    void write_table(std::ostream& os, const std::string& by) const;
};

/// Scores every review of `set` and rolls them up.
inline qa_report score_reviews(const review_set& set, double confidence = 0.95) {
    qa_report out;
    const rubric& rb = set.rules();
    out.source = set.source();
    out.rows_read = set.ledger().rows_read;
    out.rows_accepted = set.ledger().rows_accepted;
    out.rows_rejected = set.ledger().rows_rejected;
    out.rejects = set.ledger().rejects;
    if (!set.events_source().empty()) {
        const auto& ev = set.events_ledger();
        out.events_input = json{{"path", set.events_source()},
                                {"rows_read", ev.rows_read},
                                {"rows_accepted", ev.rows_accepted},
                                {"rows_rejected", ev.rows_rejected},
                                {"rejects", rejects_to_json(ev.rejects)}};
    }
    out.rb = rb;
    out.confidence = confidence;
    out.items.resize(rb.items.size());
    std::map<std::string, std::vector<double>> agent_values;
    for (const review& r : set.reviews()) {
        const review_outcome o = score_review(rb, r);
        out.reviews.push_back(
            {r.id, r.interaction_id, r.agent, r.reviewer, r.automatic, o.score, o.failed, {}});
        for (std::size_t i = 0; i < rb.items.size(); ++i)
            if (r.ratings[i].automatic)
                out.reviews.back().automatic_items.push_back(rb.items[i].id);
        std::map<std::string, std::pair<double, double>>
            section_parts;  // section -> (sum w*p, sum w)
        agent_scores* a = nullptr;
        if (r.agent) {
            a = &out.agents[*r.agent];
            if (a->items.empty()) a->items.resize(rb.items.size());
            if (!std::isnan(o.score)) agent_values[*r.agent].push_back(o.score);
        }
        for (std::size_t i = 0; i < rb.items.size(); ++i) {
            const rating& rt = r.ratings[i];
            if (rt.st == rating::state::na) {
                ++out.items[i].na;
                if (a) ++a->items[i].na;
            } else if (rt.st == rating::state::rated) {
                const double p = rb.items[i].percent(rt.score);
                ++out.items[i].rated, out.items[i].sum += p;
                if (a) ++a->items[i].rated, a->items[i].sum += p;
                auto& sp = section_parts[rb.items[i].section];
                sp.first += rb.items[i].weight * p;
                sp.second += rb.items[i].weight;
            }
        }
        for (const auto& [sec, part] : section_parts) {
            auto& s = out.sections[sec];
            ++s.rated;
            s.sum += part.first / part.second;
        }
        if (r.reviewer && !std::isnan(o.score)) {
            auto& rv = out.reviewers[*r.reviewer];
            ++rv.reviews;
            rv.sum += o.score;
        } else if (r.reviewer) {
            out.reviewers[*r.reviewer];
        }
    }
    for (auto& [name, a] : out.agents) a.qa = t_interval(agent_values[name], confidence);
    return out;
}

}  // namespace cskpi::qa

namespace cskpi::qa {

inline json qa_report::to_json() const {
    using detail::num_or_null;
    json j;
    j["cskpi"] = {{"version", version}};
    j["input"] = {{"path", source},
                  {"rows_read", rows_read},
                  {"rows_accepted", rows_accepted},
                  {"rows_rejected", rows_rejected},
                  {"rejects", rejects_to_json(rejects)}};
    if (events_input) j["input"]["events"] = *events_input;
    j["rubric"] = rb.to_json();
    json rv = json::array();
    for (const auto& r : reviews)
        rv.push_back({{"review_id", r.review_id},
                      {"interaction_id", detail::opt_json(r.interaction_id)},
                      {"agent", detail::opt_json(r.agent)},
                      {"reviewer", detail::opt_json(r.reviewer)},
                      {"automatic", r.automatic},
                      {"score", num_or_null(r.score)},
                      {"failed", r.failed.empty() ? json(nullptr) : json(r.failed)},
                      {"automatic_items", r.automatic_items}});
    j["reviews"] = rv;
    json ag = json::object();
    for (const auto& [name, a] : agents) {
        json items_j = json::object();
        for (std::size_t i = 0; i < rb.items.size(); ++i)
            items_j[rb.items[i].id] = num_or_null(a.items[i].mean());
        ag[name] = {{"reviews", a.qa.n},
                    {"qa_score", num_or_null(a.qa.mean)},
                    {"ci_low", num_or_null(a.qa.ci_low)},
                    {"ci_high", num_or_null(a.qa.ci_high)},
                    {"items", items_j}};
    }
    j["agents"] = ag;
    json it = json::object();
    for (std::size_t i = 0; i < rb.items.size(); ++i)
        it[rb.items[i].id] = {{"section", rb.items[i].section},
                              {"rated", items[i].rated},
                              {"na", items[i].na},
                              {"mean_percent", num_or_null(items[i].mean())}};
    j["items"] = it;
    json sj = json::object();
    for (const auto& [name, s] : sections)
        sj[name] = {{"reviews", s.rated}, {"mean_percent", num_or_null(s.mean())}};
    j["sections"] = sj;
    json rw = json::object();
    for (const auto& [name, r] : reviewers)
        rw[name] = {{"reviews", r.reviews}, {"mean_score", num_or_null(r.mean())}};
    j["reviewers"] = rw;
    return j;
}

}  // namespace cskpi::qa

namespace cskpi::detail {
/// Header and rows of one roll-up, shared by the CSV and table writers.
inline std::vector<std::vector<std::string>> qa_rows(const qa::qa_report& q, const std::string& by,
                                                     bool table) {
    auto num = [&](double v, int decimals) {
        return table ? fmt_fixed(v, decimals) : number_text(v);
    };
    auto opt = [&](const std::optional<std::string>& s) {
        return s ? *s : std::string(table ? "(none)" : "");
    };
    std::vector<std::vector<std::string>> rows;
    if (by == "agent") {
        std::vector<std::string> h = {"agent", "reviews", "qa_score", "ci_low", "ci_high"};
        for (const auto& it : q.rb.items) h.push_back(it.id + (table ? "%" : "_percent"));
        rows.push_back(h);
        for (const auto& [name, a] : q.agents) {
            std::vector<std::string> r = {name, std::to_string(a.qa.n), num(a.qa.mean, 1),
                                          num(a.qa.ci_low, 1), num(a.qa.ci_high, 1)};
            for (const auto& s : a.items)
                r.push_back(table ? fmt_fixed(100 * s.mean(), 0) : number_text(s.mean()));
            rows.push_back(std::move(r));
        }
    } else if (by == "reviewer") {
        rows.push_back({"reviewer", "reviews", "mean_score"});
        for (const auto& [name, r] : q.reviewers)
            rows.push_back({name, std::to_string(r.reviews), num(r.mean(), 1)});
    } else if (by == "item") {
        rows.push_back({"item", "section", "rated", "na", table ? "mean%" : "mean_percent"});
        for (std::size_t i = 0; i < q.rb.items.size(); ++i)
            rows.push_back(
                {q.rb.items[i].id, q.rb.items[i].section, std::to_string(q.items[i].rated),
                 std::to_string(q.items[i].na),
                 table ? fmt_fixed(100 * q.items[i].mean(), 1) : number_text(q.items[i].mean())});
    } else if (by == "section") {
        rows.push_back({"section", "reviews", table ? "mean%" : "mean_percent"});
        for (const auto& [name, s] : q.sections)
            rows.push_back({name, std::to_string(s.rated),
                            table ? fmt_fixed(100 * s.mean(), 1) : number_text(s.mean())});
    } else if (by == "review") {
        rows.push_back(
            {"review_id", "interaction_id", "agent", "reviewer", "automatic", "score", "failed"});
        for (const auto& r : q.reviews)
            rows.push_back({r.review_id, opt(r.interaction_id), opt(r.agent), opt(r.reviewer),
                            r.automatic ? "true" : "false", num(r.score, 1), r.failed});
    } else {
        throw config_error(
            "by", "expected agent, reviewer, item, section or review, actual \"" + by + "\"");
    }
    return rows;
}
}  // namespace cskpi::detail

namespace cskpi::qa {

inline void qa_report::write_csv(std::ostream& os, const std::string& by) const {
    const bool people = cskpi::detail::is_for_people(os);
    for (const auto& row : detail::qa_rows(*this, by, false)) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (i) line += ',';
            line += cskpi::detail::csv_field(row[i], people);
        }
        os << line << '\n';
    }
}

inline void qa_report::write_table(std::ostream& os, const std::string& by) const {
    os << "cskpi " << version << " QA by " << by;
    if (!source.empty()) os << " of " << source;
    os << "\nrows read " << rows_read << ", accepted " << rows_accepted << ", rejected "
       << rows_rejected << "; " << reviews.size() << " reviews\n";
    if (events_input)
        os << "automatic checks on " << (*events_input)["path"].get<std::string>()
           << ": events read " << (*events_input)["rows_read"] << ", rejected "
           << (*events_input)["rows_rejected"] << "\n";
    os << '\n';
    detail::write_grid(os, detail::qa_rows(*this, by, true),
                       by == "item"     ? 2
                       : by == "review" ? 5
                                        : 1);
    if (by == "agent")
        os << "\nqa_score = mean review score; interval = "
           << detail::fmt_fixed(100 * confidence, 0)
           << "% Student t; item columns = mean percent of the scale.\n";
}

}  // namespace cskpi::qa
