#pragma once
// Satisfaction and loyalty (spec section 15): do satisfied customers order again? A rated
// interaction "repurchases" when its customer orders (orders.hpp) within loyalty.window_days
// after it. Rates per rating value and satisfied vs not, with Wilson intervals and the section
// 13 difference test.
#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "../config/config.hpp"
#include "../detail/customer_hash.hpp"
#include "../report/report.hpp"
#include "../engine/run.hpp"
#include "orders.hpp"
#include "significance.hpp"

namespace cskpi::analysis {

/// Rated interactions' customers and instants, from batches (run_options::batch_sink), and
/// every customer seen.
class rated_collector {
public:
    explicit rated_collector(const config& cfg) : hash_(cfg.privacy_salt) {}
    void add(const interaction_batch& b) {
        std::lock_guard lk(m_);
        for (std::size_t r = 0; r < b.size(); ++r) {
            if (b.customer[r].empty()) {
                no_customer_ += b.csat[r] != missing_int;
                continue;
            }
            const std::uint64_t c = hash_(b.customer[r]);
            customers_.insert(c);
            if (b.csat[r] != missing_int)
                rated_.push_back({b.line[r], c, b.created_at[r], b.csat[r]});
        }
    }
    struct rated {
        std::uint64_t line, customer;
        micros at;
        std::int32_t csat;
    };
    std::vector<rated> rows() {
        std::sort(rated_.begin(), rated_.end(),
                  [](const rated& a, const rated& b) { return a.line < b.line; });
        return rated_;
    }
    std::uint64_t no_customer() const { return no_customer_; }
    const std::unordered_set<std::uint64_t>& customers() const { return customers_; }

private:
    cskpi::detail::customer_hasher hash_;
    std::mutex m_;
    std::vector<rated> rated_;
    std::uint64_t no_customer_ = 0;
    std::unordered_set<std::uint64_t> customers_;
};

struct repurchase_cell {
    std::uint64_t rated = 0, repurchased = 0;
    double rate = stats::nan, ci_low = stats::nan, ci_high = stats::nan;
};

struct repurchase_result {
    double window_days = 30;
    std::map<std::int32_t, repurchase_cell> by_rating;  ///< every value of csat.scale
    repurchase_cell satisfied, not_satisfied;
    difference diff;  ///< satisfied - not satisfied (section 13)
    std::uint64_t rated = 0, rated_without_customer = 0;
    std::uint64_t order_customers_without_interactions =
        0;  ///< customers in orders never in interactions
};

/// Matches rated interactions to orders: an order at t with created_at < t <= created_at + window.
inline repurchase_result repurchase(const std::vector<rated_collector::rated>& rated,
                                    std::uint64_t rated_without_customer,
                                    const std::unordered_set<std::uint64_t>& customers,
                                    const orders_table& orders, const config& cfg) {
    repurchase_result out;
    out.window_days = cfg.loyalty_window_days;
    out.rated = rated.size() + rated_without_customer;
    out.rated_without_customer = rated_without_customer;
    const micros window = seconds_to_us(cfg.loyalty_window_days * 86400);
    for (std::int32_t v = cfg.csat_min; v <= cfg.csat_max; ++v) out.by_rating[v];
    for (const auto& r : rated) {
        const auto it = std::upper_bound(
            orders.orders.begin(), orders.orders.end(), std::pair{r.customer, r.at},
            [](const std::pair<std::uint64_t, micros>& k, const orders_table::order& o) {
                return k.first != o.customer ? k.first < o.customer : k.second < o.at;
            });
        const bool again =
            it != orders.orders.end() && it->customer == r.customer && it->at <= r.at + window;
        for (repurchase_cell* c :
             {&out.by_rating[r.csat],
              r.csat >= cfg.csat_satisfied_min ? &out.satisfied : &out.not_satisfied}) {
            ++c->rated;
            c->repurchased += again;
        }
    }
    const double z = stats::z_for(cfg.confidence);
    auto finish = [&](repurchase_cell& c) {
        const auto v =
            stats::rate_values(static_cast<double>(c.repurchased), static_cast<double>(c.rated), z);
        c.rate = v[0], c.ci_low = v[3], c.ci_high = v[4];
    };
    for (auto& [v, c] : out.by_rating) finish(c);
    finish(out.satisfied);
    finish(out.not_satisfied);
    out.diff = two_proportions(static_cast<double>(out.not_satisfied.repurchased),
                               static_cast<double>(out.not_satisfied.rated),
                               static_cast<double>(out.satisfied.repurchased),
                               static_cast<double>(out.satisfied.rated), cfg.confidence);
    std::uint64_t prev = 0;
    bool first = true;
    for (const auto& o : orders.orders) {
        if (first || o.customer != prev)
            out.order_customers_without_interactions += !customers.count(o.customer);
        prev = o.customer, first = false;
    }
    return out;
}

/// Reads interactions with `run(opt)` (run_report over a file or frame) and the orders file,
/// and computes repurchase by satisfaction. The orders are read first, so a bad orders file
/// fails before the interactions are read.
template <class Run>
std::pair<report, repurchase_result> run_repurchase(const config& cfg,
                                                    const std::string& orders_path, run_options opt,
                                                    Run&& run, orders_table* orders_out = nullptr) {
    orders_table orders = read_orders(orders_path, cfg);
    rated_collector rows(cfg);
    opt.batch_sink = [&](const interaction_batch& b) { rows.add(b); };
    report rep = run(opt);
    repurchase_result r =
        repurchase(rows.rows(), rows.no_customer(), rows.customers(), orders, cfg);
    if (orders_out) *orders_out = std::move(orders);
    return {std::move(rep), std::move(r)};
}

inline json repurchase_json(const repurchase_result& r, const orders_table& orders) {
    auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    auto cell = [&](const repurchase_cell& c) {
        return json{{"rated", c.rated},
                    {"repurchased", c.repurchased},
                    {"rate", num(c.rate)},
                    {"ci_low", num(c.ci_low)},
                    {"ci_high", num(c.ci_high)}};
    };
    json by = json::array();
    for (const auto& [v, c] : r.by_rating) {
        json x = cell(c);
        x["rating"] = v;
        by.push_back(x);
    }
    json o = orders_json(orders);
    o["customers_without_interactions"] = r.order_customers_without_interactions;
    return {{"window_days", r.window_days},
            {"orders", o},
            {"rated", r.rated},
            {"rated_without_customer", r.rated_without_customer},
            {"by_rating", by},
            {"satisfied", cell(r.satisfied)},
            {"not_satisfied", cell(r.not_satisfied)},
            {"difference",
             {{"estimate", num(r.diff.estimate)},
              {"ci_low", num(r.diff.ci_low)},
              {"ci_high", num(r.diff.ci_high)},
              {"p", num(r.diff.p)},
              {"test", r.diff.test}}}};
}

}  // namespace cskpi::analysis
