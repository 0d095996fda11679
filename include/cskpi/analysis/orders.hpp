#pragma once
// The orders table (docs/INPUT.md, "Orders"): read with the same file rules and reject ledger as
// every input, for repurchase by satisfaction (loyalty.hpp) and pre-sales attribution
// (presale.hpp).
#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "../config/config.hpp"
#include "../detail/customer_hash.hpp"
#include "../input/reference.hpp"
#include "../input/table_reader.hpp"
#include "../report/report.hpp"

namespace cskpi::analysis {

/// The orders table, validated: orders by (customer pseudonym, ordered_at).
struct orders_table {
    struct order {
        std::uint64_t customer;
        micros at;
        micros paid_at = missing_us;  ///< missing_us: not paid
        double value = 0;             ///< missing counts as 0
        std::int64_t quantity = 0;    ///< 0: not given
        bool refunded = false;        ///< status is one of presale.refund_statuses
        std::uint64_t line = 0;
        bool paid() const noexcept { return paid_at != missing_us; }
        friend bool operator<(const order& a, const order& b) {
            return a.customer != b.customer ? a.customer < b.customer
                   : a.at != b.at           ? a.at < b.at
                                            : a.line < b.line;
        }
    };
    std::vector<order> orders;
    reject_ledger ledger;
    std::string path;
    bool has_quantity = false;  ///< some accepted row gives a quantity
};

/// Reads `path` (CSV or JSONL). A row is rejected with its line, column and reason (strict:
/// thrown) when it lacks a customer or ordered_at, has a bad timestamp, a negative or
/// non-numeric order_value, a quantity below 1, paid_at before ordered_at, or repeats an
/// order_id.
inline orders_table read_orders(const std::string& path, const config& cfg) {
    orders_table t;
    t.path = path;
    t.ledger.show_values = cfg.rejects_show_values;
    const time_zone tz(cfg.timezone);
    const cskpi::detail::customer_hasher hash(cfg.privacy_salt);
    auto reject_row = [&](std::uint64_t line, const char* column, std::string_view value,
                          std::string reason) {
        const reject r{line, column, cskpi::detail::clip(value), std::move(reason)};
        if (cfg.strict) throw strict_error(path, r, cfg.rejects_show_values);
        t.ledger.rejected(r);
    };
    std::vector<std::string> columns;
    for (const auto& c : order_column_docs()) columns.emplace_back(c.name);
    std::unordered_map<std::string, std::uint64_t> id_line;
    stream_records(path, columns, {"customer", "ordered_at"}, t.ledger, [&](const text_record& r) {
        auto cell = [&](std::size_t i) {
            return r.cells[i] ? cskpi::detail::trim(*r.cells[i]) : std::string_view();
        };
        const std::string_view c = cell(0), a = cell(1), v = cell(2), id = cell(3), paid = cell(4),
                               status = cell(5), qty = cell(6);
        if (c.empty()) return reject_row(r.line, "customer", "", "missing required value");
        if (a.empty()) return reject_row(r.line, "ordered_at", "", "missing required value");
        orders_table::order o{hash(c), 0};
        o.line = r.line;
        const auto when = parse_timestamp(a, tz);
        if (!when)
            return reject_row(r.line, "ordered_at", a, timestamp_error(cskpi::detail::clip(a), tz));
        o.at = *when;
        if (!v.empty()) {
            const auto x = parse_number(v);
            if (!x) return reject_row(r.line, "order_value", v, "not a number");
            if (*x < 0) return reject_row(r.line, "order_value", v, "out of range: expected >= 0");
            o.value = *x;
        }
        if (!paid.empty()) {
            const auto p = parse_timestamp(paid, tz);
            if (!p)
                return reject_row(r.line, "paid_at", paid,
                                  timestamp_error(cskpi::detail::clip(paid), tz));
            if (*p < o.at)
                return reject_row(r.line, "paid_at", paid,
                                  "out of range: expected >= ordered_at (" + std::string(a) + ")");
            o.paid_at = *p;
        }
        if (!qty.empty()) {
            const auto q = parse_integer(qty);
            if (!q) return reject_row(r.line, "quantity", qty, "not an integer");
            if (*q < 1) return reject_row(r.line, "quantity", qty, "out of range: expected >= 1");
            o.quantity = *q;
        }
        const auto& refund = cfg.presale.refund_statuses;
        o.refunded =
            !status.empty() && std::find(refund.begin(), refund.end(), status) != refund.end();
        if (!id.empty()) {
            const auto [it, fresh] = id_line.try_emplace(std::string(id), r.line);
            if (!fresh)
                return reject_row(
                    r.line, "order_id", id,
                    "duplicate order_id (first at line " + std::to_string(it->second) + ")");
        }
        t.has_quantity = t.has_quantity || o.quantity > 0;
        t.orders.push_back(o);
        t.ledger.accepted();
    });
    std::sort(t.orders.begin(), t.orders.end());
    return t;
}

/// The orders table's input accounting: path, rows read, accepted, rejected, and the rejects.
inline json orders_json(const orders_table& t) {
    return ledger_json(t.path, t.ledger);
}

}  // namespace cskpi::analysis
