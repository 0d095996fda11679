#pragma once
// The Pareto of issues (spec section 15): the groups of a report by a count column (complaints
// by default), largest first, with each one's share and the cumulative share.
#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../report/report.hpp"
#include "targets.hpp"

namespace cskpi::analysis {

struct pareto_row {
    std::vector<std::optional<std::string>> keys;
    double count = 0, share = 0, cumulative = 0;
};

/// Groups of `rep` with a positive `column` (a count, a sum or a `_num` column), most first
/// (ties keep the report's key order). Throws std::invalid_argument for another column.
inline std::vector<pareto_row> pareto(const report& rep,
                                      const std::string& column = "complaint_rate_num") {
    if (!is_total(column))
        throw std::invalid_argument(
            "pareto: '" + column +
            "' is not a count (a count column, sales_total or a _num column)");
    std::vector<pareto_row> out;
    double total = 0;
    for (std::size_t i = 1; i < rep.groups.size(); ++i) {
        const double n = rep.groups[i].metric(column);
        if (n > 0) out.push_back({rep.groups[i].keys, n, 0, 0}), total += n;
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.count > b.count; });
    double run = 0;
    for (auto& r : out) {
        run += r.count;
        r.share = r.count / total;
        r.cumulative = run / total;
    }
    return out;
}

inline json pareto_json(const report& rep, const std::vector<pareto_row>& rows,
                        const std::string& column) {
    json rs = json::array();
    for (const auto& r : rows) {
        rs.push_back({{"by", keys_json(rep.by, r.keys)},
                      {"count", r.count},
                      {"share", r.share},
                      {"cumulative", r.cumulative}});
    }
    return {{"cskpi", {{"version", version}}}, {"count", column}, {"rows", rs}};
}

}  // namespace cskpi::analysis
