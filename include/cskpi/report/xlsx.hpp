#pragma once
// Excel workbooks of reports, scorecards and QA roll-ups, written with libxlsxwriter (link
// cskpi::xlsx). Each sheet is one table: a frozen header row, an autofilter, number formats
// from the metric table (percent, [h]:mm:ss durations, money, counts), SLA cells below the
// service-level goal in red and scorecard tiers in colour, as conditional formats that stay
// right when a manager sorts or filters. Cell values are the report's numbers (durations as
// Excel durations, seconds / 86400); strings are written as text, never as formulas.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <xlsxwriter.h>

#include "../analysis/targets.hpp"
#include "../qa/scores.hpp"
#include "report.hpp"
#include "../scorecard/scorecard.hpp"
#include "format.hpp"

namespace cskpi::xlsx {

/// Excel's name of a sheet: at most 31 characters, none of []:*?/\, unique in the workbook.
inline std::string sheet_name(std::string name, std::set<std::string>& taken) {
    for (char& c : name)
        if (std::string_view("[]:*?/\\").find(c) != std::string_view::npos) c = '_';
    if (name.empty()) name = "sheet";
    if (name.size() > 31) name.resize(31);
    std::string out = name;
    for (int i = 2; taken.count(out); ++i) {
        const std::string tail = " (" + std::to_string(i) + ")";
        out = name.substr(0, 31 - tail.size()) + tail;
    }
    taken.insert(out);
    return out;
}

class workbook {
public:
    /// Opens `path` for writing. Throws std::invalid_argument ("cannot write 'path': ...", the
    /// CLI's exit 2 for an output it cannot write) here or at close().
    explicit workbook(const std::string& path) : path_(path), wb_(workbook_new(path.c_str())) {
        if (!wb_) fail("cannot create the workbook");
        header_ = workbook_add_format(wb_);
        format_set_bold(header_);
        format_set_bg_color(header_, 0xDCE6F1);
        format_set_bottom(header_, LXW_BORDER_THIN);
        format_set_text_wrap(header_);
        auto num = [&](const char* f) {
            lxw_format* x = workbook_add_format(wb_);
            format_set_num_format(x, f);
            return x;
        };
        kinds_[present::value_kind::count] = num("#,##0");
        kinds_[present::value_kind::percent] = num("0.0%");
        kinds_[present::value_kind::duration] = num("[h]:mm:ss");
        kinds_[present::value_kind::money] = num("#,##0.00");
        kinds_[present::value_kind::number] = num("0.00");
        miss_ = workbook_add_format(wb_);
        format_set_bg_color(miss_, 0xF8D7D3);
        format_set_font_color(miss_, 0x9C0006);
        for (unsigned c : {0xFFF3C4u, 0xEEF2F6u, 0xF6E0D0u, 0xE4F1E4u, 0xF2F2F2u}) {
            lxw_format* f = workbook_add_format(wb_);
            format_set_bg_color(f, c);
            tier_.push_back(f);
        }
    }
    workbook(const workbook&) = delete;
    workbook& operator=(const workbook&) = delete;
    ~workbook() {
        if (wb_) workbook_close(wb_);
    }

    /// One sheet per report, named after its grouping ("overall" without one). The overall row
    /// comes first with "(all)" in its key cells; a missing key value is an empty cell.
    /// SLA rate columns (sla_*, service_level*) below `goal` are red.
    void add_report(const report& rep, double goal) {
        std::string name;
        for (auto k : rep.by) name += (name.empty() ? "" : ",") + std::string(name_of(k));
        lxw_worksheet* ws = sheet(name.empty() ? "overall" : name);
        std::vector<std::string> head;
        for (auto k : rep.by) head.emplace_back(name_of(k));
        const std::size_t nk = head.size();
        for (const auto& c : metric_catalogue()) head.push_back(c.name);
        if (!rep.groups.empty())
            for (const auto& e : rep.groups.front().extra) head.push_back(e.first);
        write_head(ws, head);
        for (std::size_t r = 0; r < rep.groups.size(); ++r) {
            const auto& g = rep.groups[r];
            const auto row = static_cast<lxw_row_t>(r + 1);
            for (std::size_t k = 0; k < nk; ++k) {
                if (g.keys.empty())
                    text(ws, row, k, "(all)");
                else if (g.keys[k])
                    text(ws, row, k, *g.keys[k]);
            }
            for (std::size_t i = 0; i < g.metrics.size(); ++i)
                value(ws, row, nk + i, head[nk + i], g.metrics[i]);
            for (std::size_t i = 0; i < g.extra.size(); ++i)
                value(ws, row, nk + g.metrics.size() + i, head[nk + g.metrics.size() + i],
                      g.extra[i].second);
        }
        finish_table(ws, head, rep.groups.size());
        for (std::size_t c = nk; c < head.size(); ++c)
            if (is_sla_column(head[c]) && !rep.groups.empty())
                below(ws, c, rep.groups.size(), goal);
    }

    /// The input accounting and the rejects (line, column, reason; not the values, which may be
    /// personal data in a file that gets forwarded).
    void add_input(const report& rep) {
        lxw_worksheet* ws = sheet("input");
        const std::vector<std::string> head = {"line", "column", "reason"};
        write_head(ws, head);
        const std::size_t n = rep.rejects.size();
        for (std::size_t i = 0; i < n; ++i) {
            const auto row = static_cast<lxw_row_t>(i + 1);
            worksheet_write_number(ws, row, 0, static_cast<double>(rep.rejects[i].line), nullptr);
            text(ws, row, 1, rep.rejects[i].column);
            text(ws, row, 2, rep.rejects[i].reason);
        }
        finish_table(ws, head, n);
        worksheet_set_column(ws, 2, 2, 60, nullptr);
        // The accounting beside the table, so that the filter does not take it in.
        const std::pair<const char*, std::uint64_t> counts[] = {
            {"rows_read", rep.rows_read},
            {"rows_accepted", rep.rows_accepted},
            {"rows_rejected", rep.rows_rejected}};
        for (std::size_t i = 0; i < 3; ++i) {
            text(ws, static_cast<lxw_row_t>(i), 4, counts[i].first);
            worksheet_write_number(ws, static_cast<lxw_row_t>(i), 5,
                                   static_cast<double>(counts[i].second),
                                   kinds_[present::value_kind::count]);
        }
        worksheet_set_column(ws, 4, 4, 16, nullptr);
    }

    /// The scorecard: the columns of `cskpi score --format csv`, ranked first, tiers in colour;
    /// and a sheet of the effective weights.
    void add_scores(const score_report& sr) {
        lxw_worksheet* ws = sheet("scorecard");
        std::vector<std::string> head;
        for (auto k : sr.card.by) head.emplace_back(name_of(k));
        const std::size_t nk = head.size();
        for (const char* c :
             {"interactions", "score", "rank", "tier", "flags", "topsis", "topsis_rank"})
            head.emplace_back(c);
        for (const auto& k : sr.card.kpis)
            for (const char* s : {"_value", "_points", "_contribution"})
                head.push_back(k.metric + s);
        write_head(ws, head);
        std::vector<const scored_group*> order;
        for (const auto& g : sr.groups) order.push_back(&g);
        std::stable_sort(order.begin(), order.end(), [](auto a, auto b) {
            return a->rank.value_or(INT32_MAX) < b->rank.value_or(INT32_MAX);
        });
        auto plain = [&](lxw_row_t row, std::size_t col, double v, present::value_kind k) {
            if (!std::isnan(v))
                worksheet_write_number(ws, row, static_cast<lxw_col_t>(col), v, kinds_[k]);
        };
        for (std::size_t r = 0; r < order.size(); ++r) {
            const scored_group& g = *order[r];
            const auto row = static_cast<lxw_row_t>(r + 1);
            for (std::size_t k = 0; k < nk; ++k)
                if (g.keys[k]) text(ws, row, k, *g.keys[k]);
            plain(row, nk, g.interactions, present::value_kind::count);
            plain(row, nk + 1, g.score, present::value_kind::number);
            if (g.rank)
                worksheet_write_number(ws, row, static_cast<lxw_col_t>(nk + 2), *g.rank, nullptr);
            if (g.tier) text(ws, row, nk + 3, *g.tier);
            std::string flags;
            for (const auto& f : g.flags) flags += (flags.empty() ? "" : ";") + f;
            if (!flags.empty()) text(ws, row, nk + 4, flags);
            plain(row, nk + 5, g.topsis, present::value_kind::number);
            if (g.topsis_rank)
                worksheet_write_number(ws, row, static_cast<lxw_col_t>(nk + 6), *g.topsis_rank,
                                       nullptr);
            for (std::size_t i = 0; i < g.kpis.size(); ++i) {
                const std::size_t c = nk + 7 + 3 * i;
                value(ws, row, c, sr.card.kpis[i].metric, g.kpis[i].value);
                plain(row, c + 1, g.kpis[i].points, present::value_kind::number);
                plain(row, c + 2, g.kpis[i].contribution, present::value_kind::number);
            }
        }
        finish_table(ws, head, order.size());
        for (std::size_t t = 0; t < sr.card.tiers.size() && !order.empty(); ++t) {
            const std::string quoted = "\"" + sr.card.tiers[t].first + "\"";
            lxw_conditional_format cf{};
            cf.type = LXW_CONDITIONAL_TYPE_CELL;
            cf.criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO;
            cf.value_string = const_cast<char*>(quoted.c_str());
            cf.format = tier_[std::min(t, tier_.size() - 1)];
            check(worksheet_conditional_format_range(ws, 1, static_cast<lxw_col_t>(nk + 3),
                                                     static_cast<lxw_row_t>(order.size()),
                                                     static_cast<lxw_col_t>(nk + 3), &cf));
        }
        lxw_worksheet* wsw = sheet("weights");
        write_head(wsw, {"kpi", "weight"});
        for (std::size_t k = 0; k < sr.card.kpis.size(); ++k) {
            text(wsw, static_cast<lxw_row_t>(k + 1), 0, sr.card.kpis[k].metric);
            if (static_cast<Eigen::Index>(k) < sr.weights.size())
                worksheet_write_number(wsw, static_cast<lxw_row_t>(k + 1), 1,
                                       sr.weights[static_cast<Eigen::Index>(k)],
                                       kinds_[present::value_kind::percent]);
        }
        finish_table(wsw, {"kpi", "weight"}, sr.card.kpis.size());
    }

    /// QA: one sheet per roll-up (agent, reviewer, item, section, review), the columns of
    /// `cskpi qa --format csv --by ...`.
    void add_qa(const qa::qa_report& q) {
        for (const char* by : {"agent", "reviewer", "item", "section", "review"}) {
            const auto rows = cskpi::detail::qa_rows(q, by, false);
            if (rows.empty()) continue;
            lxw_worksheet* ws = sheet(std::string("qa by ") + by);
            write_head(ws, rows[0]);
            for (std::size_t r = 1; r < rows.size(); ++r)
                for (std::size_t c = 0; c < rows[r].size(); ++c) {
                    const std::string& cell = rows[r][c];
                    if (cell == "null") continue;  // undefined: an empty cell
                    char* end = nullptr;
                    const double v = std::strtod(cell.c_str(), &end);
                    if (!cell.empty() && end && *end == '\0' && c > 0)
                        worksheet_write_number(ws, static_cast<lxw_row_t>(r),
                                               static_cast<lxw_col_t>(c), v,
                                               kinds_[present::value_kind::number]);
                    else if (!cell.empty())
                        text(ws, static_cast<lxw_row_t>(r), c, cell);
                }
            finish_table(ws, rows[0], rows.size() - 1);
        }
    }

    /// Targets and pacing: one row per target and (sub-)period, values in their metric's format,
    /// statuses coloured (met and on_track green, at_risk amber, off_track and missed red).
    void add_targets(const analysis::targets_result& r) {
        lxw_worksheet* ws = sheet("targets");
        const std::vector<std::string> head = {
            "metric",           "scope",    "period",        "level",       "kind",
            "direction",        "target",   "actual",        "attainment",  "elapsed",
            "expected_to_date", "forecast", "required_rest", "unreachable", "status"};
        write_head(ws, head);
        for (std::size_t i = 0; i < r.rows.size(); ++i) {
            const auto& x = r.rows[i];
            const auto row = static_cast<lxw_row_t>(i + 1);
            std::string scope;
            for (const auto& [k, v] : x.scope)
                scope += (scope.empty() ? "" : ";") + std::string(name_of(k)) + "=" + v;
            text(ws, row, 0, x.metric);
            if (!scope.empty()) text(ws, row, 1, scope);
            text(ws, row, 2, x.period);
            text(ws, row, 3, x.level);
            text(ws, row, 4, x.total ? "total" : "level");
            text(ws, row, 5, x.better > 0 ? "higher" : "lower");
            const double in_unit[] = {x.target, x.actual};
            for (std::size_t c = 0; c < 2; ++c) value(ws, row, 6 + c, x.metric, in_unit[c]);
            for (std::size_t c = 0; c < 2; ++c) {
                const double v = c ? x.elapsed : x.attainment;
                if (!std::isnan(v))
                    check(worksheet_write_number(ws, row, static_cast<lxw_col_t>(8 + c), v,
                                                 kinds_[present::value_kind::percent]));
            }
            const double rest[] = {x.expected_to_date, x.forecast, x.required_rest};
            for (std::size_t c = 0; c < 3; ++c) value(ws, row, 10 + c, x.metric, rest[c]);
            check(worksheet_write_boolean(ws, row, 13, x.unreachable, nullptr));
            text(ws, row, 14, x.status);
        }
        finish_table(ws, head, r.rows.size());
        if (r.rows.empty()) return;
        const std::pair<const char*, std::size_t> colours[] = {
            {"met", 3}, {"on_track", 3}, {"at_risk", 0}, {"off_track", 2}, {"missed", 2}};
        for (const auto& [status, colour] : colours) {
            const std::string quoted = std::string("\"") + status + "\"";
            lxw_conditional_format cf{};
            cf.type = LXW_CONDITIONAL_TYPE_CELL;
            cf.criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO;
            cf.value_string = const_cast<char*>(quoted.c_str());
            cf.format = std::string(status) == "off_track" || std::string(status) == "missed"
                            ? miss_
                            : tier_[colour];
            check(worksheet_conditional_format_range(
                ws, 1, 14, static_cast<lxw_row_t>(r.rows.size()), 14, &cf));
        }
    }

    /// Writes the file.
    void close() {
        lxw_workbook* wb = wb_;
        wb_ = nullptr;
        check(workbook_close(wb));
    }

private:
    std::string path_;
    lxw_workbook* wb_;
    lxw_format* header_ = nullptr;
    lxw_format* miss_ = nullptr;
    std::vector<lxw_format*> tier_;
    std::map<present::value_kind, lxw_format*> kinds_;
    std::set<std::string> names_;

    static bool is_sla_column(const std::string& c) {
        const bool sla = c.rfind("sla_", 0) == 0 || c.rfind("service_level", 0) == 0;
        return sla && present::kind_of(c) == present::value_kind::percent &&
               c.find("_ci_") == std::string::npos;
    }
    [[noreturn]] void fail(const std::string& why) const {
        throw std::invalid_argument("cannot write '" + path_ + "': " + why);
    }
    void check(lxw_error e) const {
        if (e != LXW_NO_ERROR) fail(lxw_strerror(e));
    }
    lxw_worksheet* sheet(const std::string& name) {
        lxw_worksheet* ws = workbook_add_worksheet(wb_, sheet_name(name, names_).c_str());
        if (!ws) fail("cannot add the sheet '" + name + "'");
        return ws;
    }
    void text(lxw_worksheet* ws, lxw_row_t row, std::size_t col, const std::string& s) {
        check(worksheet_write_string(ws, row, static_cast<lxw_col_t>(col), s.c_str(), nullptr));
    }
    /// A metric value in its column's format; durations as days (Excel's unit); NaN left empty.
    void value(lxw_worksheet* ws, lxw_row_t row, std::size_t col, const std::string& column,
               double v) {
        if (std::isnan(v)) return;
        const auto k = present::kind_of(column);
        check(worksheet_write_number(ws, row, static_cast<lxw_col_t>(col),
                                     k == present::value_kind::duration ? v / 86400 : v,
                                     kinds_[k]));
    }
    void write_head(lxw_worksheet* ws, const std::vector<std::string>& head) {
        for (std::size_t c = 0; c < head.size(); ++c)
            check(
                worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), head[c].c_str(), header_));
    }
    void finish_table(lxw_worksheet* ws, const std::vector<std::string>& head, std::size_t rows) {
        worksheet_freeze_panes(ws, 1, 0);
        if (!head.empty())
            check(worksheet_autofilter(ws, 0, 0, static_cast<lxw_row_t>(rows),
                                       static_cast<lxw_col_t>(head.size() - 1)));
        worksheet_set_column(ws, 0, static_cast<lxw_col_t>(head.size() ? head.size() - 1 : 0), 13,
                             nullptr);
    }
    /// Red when a number below `goal` (a formula rule, so that empty cells stay plain).
    void below(lxw_worksheet* ws, std::size_t col, std::size_t rows, double goal) {
        char cell[16];
        lxw_rowcol_to_cell(cell, 1, static_cast<lxw_col_t>(col));
        const std::string rule = std::string("=AND(ISNUMBER(") + cell + ")," + cell + "<" +
                                 cskpi::detail::number_text(goal) + ")";
        lxw_conditional_format cf{};
        cf.type = LXW_CONDITIONAL_TYPE_FORMULA;
        cf.value_string = const_cast<char*>(rule.c_str());
        cf.format = miss_;
        check(worksheet_conditional_format_range(ws, 1, static_cast<lxw_col_t>(col),
                                                 static_cast<lxw_row_t>(rows),
                                                 static_cast<lxw_col_t>(col), &cf));
    }
};

/// A workbook of reports (one sheet each) and the input sheet of the first.
inline void write_reports(const std::string& path, const std::vector<report>& reps) {
    workbook wb(path);
    for (const auto& r : reps) wb.add_report(r, r.cfg.staffing.service_level);
    if (!reps.empty()) wb.add_input(reps.front());
    wb.close();
}

}  // namespace cskpi::xlsx
