#pragma once
// Pre-sales attribution from an orders table (docs/PRESALE.md): an inquiry converts when its
// buyer pays within presale.window after it; the order is credited to the buyer's last inquiry
// before paying (its agent, channel, day, ...). Buyers count once per group, and once per period
// (the time keys of the grouping) in the overall figures.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../config/config.hpp"
#include "../detail/customer_hash.hpp"
#include "../engine/group.hpp"
#include "../engine/run.hpp"
#include "../metrics/stats.hpp"
#include "../report/report.hpp"
#include "orders.hpp"

namespace cskpi::analysis {

/// A group's labels in `by` order; nullopt = the key's value is missing.
using presale_labels = std::vector<std::optional<std::string>>;

/// Inquiries (interactions of presale_category, or all) with their group, from batches
/// (run_options::batch_sink); and every customer seen in the interactions.
class inquiry_collector {
public:
    struct inquiry {
        std::uint64_t customer;
        micros at;
        std::uint64_t line;
        std::uint32_t group, period;
        friend bool operator<(const inquiry& a, const inquiry& b) {
            return a.customer != b.customer ? a.customer < b.customer
                   : a.at != b.at           ? a.at < b.at
                                            : a.line < b.line;
        }
    };

    inquiry_collector(const config& cfg, std::vector<group_key> by)
        : by_(std::move(by)),
          tz_(cfg.timezone),
          hash_(cfg.privacy_salt),
          category_(cfg.presale_category),
          all_(cfg.presale.all_interactions) {}

    void add(const interaction_batch& b) {
        std::lock_guard lk(m_);
        presale_labels labels(by_.size());
        std::vector<std::string> period;
        for (std::size_t r = 0; r < b.size(); ++r) {
            const std::uint64_t c = b.customer[r].empty() ? 0 : hash_(b.customer[r]);
            if (c) customers_.insert(c);
            if (!all_ && b.category[r] != category_) continue;
            ++inquiry_rows_;
            if (!c) {
                ++without_customer_;
                continue;
            }
            period.clear();
            const micros local = tz_.to_local(b.created_at[r]);
            for (std::size_t i = 0; i < by_.size(); ++i) {
                if (is_time_key(by_[i])) {
                    labels[i] = time_label(by_[i], time_bucket(by_[i], local));
                    period.push_back(*labels[i]);
                } else {
                    const std::string_view v = dimension(b, by_[i], r);
                    labels[i] = v.empty() ? std::nullopt : std::optional<std::string>(v);
                }
            }
            inquiries_.push_back(
                {c, b.created_at[r], b.line[r], intern(groups_, labels), intern(periods_, period)});
        }
    }

    /// Inquiries sorted by (customer, at, line), so the result is the same for every thread
    /// count.
    const std::vector<inquiry>& sorted() {
        std::sort(inquiries_.begin(), inquiries_.end());
        return inquiries_;
    }
    /// Labels of each group index.
    std::vector<presale_labels> labels() const {
        std::vector<presale_labels> out(groups_.size());
        for (const auto& [l, i] : groups_) out[i] = l;
        return out;
    }
    const std::vector<group_key>& by() const { return by_; }
    const std::unordered_set<std::uint64_t>& customers() const { return customers_; }
    std::uint64_t inquiry_rows() const { return inquiry_rows_; }
    std::uint64_t without_customer() const { return without_customer_; }

private:
    static std::string_view dimension(const interaction_batch& b, group_key k, std::size_t r) {
        switch (k) {
            case group_key::agent:
                return b.agent[r];
            case group_key::team:
                return b.team[r];
            case group_key::channel:
                return b.channel[r];
            case group_key::category:
                return b.category[r];
            default:
                return b.priority[r];
        }
    }
    template <class Key>
    static std::uint32_t intern(std::map<Key, std::uint32_t>& m, const Key& k) {
        return m.try_emplace(k, static_cast<std::uint32_t>(m.size())).first->second;
    }

    std::vector<group_key> by_;
    time_zone tz_;
    cskpi::detail::customer_hasher hash_;
    std::string category_;
    bool all_;
    std::mutex m_;
    std::vector<inquiry> inquiries_;
    std::map<presale_labels, std::uint32_t> groups_;
    std::map<std::vector<std::string>, std::uint32_t> periods_;
    std::unordered_set<std::uint64_t> customers_;
    std::uint64_t inquiry_rows_ = 0, without_customer_ = 0;
};

/// The figures of one group, or of the whole run.
struct presale_cell {
    std::uint64_t inquiry_buyers = 0, ordering_buyers = 0, paying_buyers = 0;
    std::uint64_t orders = 0, paid_orders = 0, refunded_orders = 0;
    double sales_total = 0, refund_value = 0;
    std::int64_t items = 0;
    double conversion = stats::nan, ci_low = stats::nan, ci_high = stats::nan;
    double avg_order_value = stats::nan, items_per_order = stats::nan, refund_rate = stats::nan;
};

struct presale_result {
    std::vector<group_key> by;
    std::vector<presale_labels> labels;  ///< sorted, missing values last
    std::vector<presale_cell> groups;
    presale_cell overall;
    std::uint64_t inquiry_rows = 0, inquiries_without_customer = 0;
    std::uint64_t orders_paid = 0, paid_unattributed = 0;
    double sales_unattributed = 0;
    std::uint64_t buyers_without_interactions = 0;  ///< customers in orders, never in interactions
    bool has_quantity = false;
};

namespace detail {

/// Whether an order at `t` falls in the window of an inquiry at `inq` (t >= inq).
inline bool in_presale_window(micros inq, micros t, const config& cfg, const time_zone& tz) {
    using kind = config::presale_rules::window_kind;
    if (cfg.presale.window == kind::hours)
        return static_cast<double>(t - inq) <= cfg.presale.window_h * 3600e6;
    constexpr micros day_us = 86400 * us_per_s;
    const std::int64_t di = time_zone::floor_div(tz.to_local(inq), day_us),
                       dt = time_zone::floor_div(tz.to_local(t), day_us);
    return dt <= di + (cfg.presale.window == kind::next_day ? 1 : 0);
}

/// The buyer's last inquiry at or before `t` within [lo, hi) (one customer's, by time), if the
/// window holds.
inline const inquiry_collector::inquiry* credited(const inquiry_collector::inquiry* lo,
                                                  const inquiry_collector::inquiry* hi, micros t,
                                                  const config& cfg, const time_zone& tz) {
    const auto* it = std::upper_bound(
        lo, hi, t, [](micros x, const inquiry_collector::inquiry& q) { return x < q.at; });
    if (it == lo) return nullptr;
    --it;
    return in_presale_window(it->at, t, cfg, tz) ? it : nullptr;
}

using key_buyers = std::vector<std::pair<std::uint32_t, std::uint64_t>>;  ///< (key, customer)

/// Distinct (key, customer) pairs; `per_key` (when given) counts them per key.
inline std::size_t count_distinct(key_buyers& pairs, std::vector<std::uint64_t>* per_key) {
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    if (per_key)
        for (const auto& p : pairs) ++(*per_key)[p.first];
    return pairs.size();
}

/// Group indices in label order, a missing value after every present one.
inline std::vector<std::size_t> label_order(const std::vector<presale_labels>& labels) {
    std::vector<std::size_t> order(labels.size());
    for (std::size_t g = 0; g < order.size(); ++g) order[g] = g;
    auto less = [](const presale_labels& a, const presale_labels& b) {
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a[i] == b[i]) continue;
            if (!a[i] || !b[i]) return b[i] == std::nullopt;
            return *a[i] < *b[i];
        }
        return false;
    };
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return less(labels[a], labels[b]); });
    return order;
}

inline void finish(presale_cell& c, double z, bool has_quantity) {
    const auto v = stats::rate_values(static_cast<double>(c.paying_buyers),
                                      static_cast<double>(c.inquiry_buyers), z);
    c.conversion = v[0], c.ci_low = v[3], c.ci_high = v[4];
    auto ratio = [](double a, double b) { return b > 0 ? a / b : stats::nan; };
    c.avg_order_value = ratio(c.sales_total, static_cast<double>(c.paying_buyers));
    c.refund_rate =
        ratio(static_cast<double>(c.refunded_orders), static_cast<double>(c.paid_orders));
    if (has_quantity)
        c.items_per_order = ratio(static_cast<double>(c.items), static_cast<double>(c.paid_orders));
}

}  // namespace detail

/// Credits orders to inquiries (see the header comment) and counts per group and overall.
inline presale_result presale(inquiry_collector& inquiries, const orders_table& orders,
                              const config& cfg) {
    presale_result out;
    out.by = inquiries.by();
    out.inquiry_rows = inquiries.inquiry_rows();
    out.inquiries_without_customer = inquiries.without_customer();
    out.has_quantity = orders.has_quantity;
    const auto& inq = inquiries.sorted();
    const auto labels = inquiries.labels();
    const time_zone tz(cfg.timezone);
    const std::size_t n = labels.size();
    std::vector<presale_cell> cells(n);
    detail::key_buyers asked, ordering, paying, asked_all, ordering_all, paying_all;
    for (const auto& q : inq) {
        asked.emplace_back(q.group, q.customer);
        asked_all.emplace_back(q.period, q.customer);
    }
    const auto& customers = inquiries.customers();
    const auto* const end = inq.data() + inq.size();
    for (std::size_t i = 0; i < orders.orders.size(); ++i) {
        const auto& o = orders.orders[i];
        if ((i == 0 || o.customer != orders.orders[i - 1].customer) && !customers.count(o.customer))
            ++out.buyers_without_interactions;
        const auto* lo = std::lower_bound(
            inq.data(), end, o.customer,
            [](const inquiry_collector::inquiry& q, std::uint64_t c) { return q.customer < c; });
        const auto* hi = std::upper_bound(
            lo, end, o.customer,
            [](std::uint64_t c, const inquiry_collector::inquiry& q) { return c < q.customer; });
        if (const auto* q = detail::credited(lo, hi, o.at, cfg, tz)) {
            ++cells[q->group].orders;
            ordering.emplace_back(q->group, o.customer);
            ordering_all.emplace_back(q->period, o.customer);
        }
        if (!o.paid()) continue;
        ++out.orders_paid;
        const auto* q = detail::credited(lo, hi, o.paid_at, cfg, tz);
        if (!q) {
            ++out.paid_unattributed;
            out.sales_unattributed += o.value;
            continue;
        }
        presale_cell& c = cells[q->group];
        ++c.paid_orders;
        c.sales_total += o.value;
        c.items += o.quantity;
        c.refunded_orders += o.refunded;
        c.refund_value += o.refunded ? o.value : 0;
        paying.emplace_back(q->group, o.customer);
        paying_all.emplace_back(q->period, o.customer);
    }
    std::vector<std::uint64_t> ask(n), ord(n), pay(n);
    detail::count_distinct(asked, &ask);
    detail::count_distinct(ordering, &ord);
    detail::count_distinct(paying, &pay);
    // Groups in label order, and the overall sums in that order: the same figures for every
    // thread count (group indices follow the order batches arrive in).
    for (std::size_t g : detail::label_order(labels)) {
        presale_cell c = cells[g];
        c.inquiry_buyers = ask[g], c.ordering_buyers = ord[g], c.paying_buyers = pay[g];
        out.labels.push_back(labels[g]);
        out.groups.push_back(c);
    }
    presale_cell& all = out.overall;
    all.inquiry_buyers = detail::count_distinct(asked_all, nullptr);
    all.ordering_buyers = detail::count_distinct(ordering_all, nullptr);
    all.paying_buyers = detail::count_distinct(paying_all, nullptr);
    for (const presale_cell& c : out.groups) {
        all.orders += c.orders, all.paid_orders += c.paid_orders;
        all.refunded_orders += c.refunded_orders, all.items += c.items;
        all.sales_total += c.sales_total, all.refund_value += c.refund_value;
    }
    const double z = stats::z_for(cfg.confidence);
    for (presale_cell& c : out.groups) detail::finish(c, z, out.has_quantity);
    detail::finish(all, z, out.has_quantity);
    return out;
}

/// Reads the orders file, then the interactions with `run(opt)` (run_report over a file or a
/// frame), and attributes. The orders come first, so a bad orders file fails before the
/// interactions are read.
template <class Run>
std::pair<report, presale_result> run_presale(const config& cfg, const std::string& orders_path,
                                              const std::vector<group_key>& by, run_options opt,
                                              Run&& run, orders_table* orders_out = nullptr) {
    orders_table orders = read_orders(orders_path, cfg);
    inquiry_collector inquiries(cfg, by);
    opt.batch_sink = [&](const interaction_batch& b) { inquiries.add(b); };
    report rep = run(opt);
    presale_result r = presale(inquiries, orders, cfg);
    if (orders_out) *orders_out = std::move(orders);
    return {std::move(rep), std::move(r)};
}

/// The metric columns of a presale table, in order.
inline const std::vector<std::string>& presale_columns() {
    static const std::vector<std::string> c = {
        "inquiry_buyers", "ordering_buyers", "paying_buyers",   "inquiry_conversion_rate",
        "ci_low",         "ci_high",         "orders",          "paid_orders",
        "sales_total",    "avg_order_value", "items_per_order", "refunded_orders",
        "refund_value",   "refund_rate"};
    return c;
}

/// A cell's values in presale_columns() order (NaN where not defined).
inline std::vector<double> presale_values(const presale_cell& c) {
    auto d = [](auto v) { return static_cast<double>(v); };
    return {d(c.inquiry_buyers),
            d(c.ordering_buyers),
            d(c.paying_buyers),
            c.conversion,
            c.ci_low,
            c.ci_high,
            d(c.orders),
            d(c.paid_orders),
            c.sales_total,
            c.avg_order_value,
            c.items_per_order,
            d(c.refunded_orders),
            c.refund_value,
            c.refund_rate};
}

inline json presale_json(const presale_result& r, const orders_table& orders, const config& cfg) {
    auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    auto cell = [&](const presale_cell& c) {
        json j = json::object();
        const auto v = presale_values(c);
        for (std::size_t i = 0; i < v.size(); ++i) j[presale_columns()[i]] = num(v[i]);
        return j;
    };
    json by = json::array(), groups = json::array();
    for (auto k : r.by) by.push_back(std::string(name_of(k)));
    for (std::size_t g = 0; g < r.groups.size(); ++g) {
        json j = json::object();
        for (std::size_t i = 0; i < r.by.size(); ++i)
            j[std::string(name_of(r.by[i]))] = r.labels[g][i] ? json(*r.labels[g][i]) : json();
        j.update(cell(r.groups[g]));
        groups.push_back(std::move(j));
    }
    json o = orders_json(orders);
    o.update({{"paid", r.orders_paid},
              {"paid_unattributed", r.paid_unattributed},
              {"sales_unattributed", r.sales_unattributed},
              {"buyers_without_interactions", r.buyers_without_interactions}});
    json window = {{"rule", std::string(config::presale_rules::name_of(cfg.presale.window))}};
    if (cfg.presale.window == config::presale_rules::window_kind::hours)
        window["hours"] = cfg.presale.window_h;
    return {
        {"by", by},
        {"window", window},
        {"inquiries",
         cfg.presale.all_interactions ? json("all") : json({{"category", cfg.presale_category}})},
        {"inquiry_rows", r.inquiry_rows},
        {"inquiries_without_customer", r.inquiries_without_customer},
        {"groups", groups},
        {"overall", cell(r.overall)},
        {"orders", o}};
}

}  // namespace cskpi::analysis
