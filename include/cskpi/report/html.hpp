#pragma once
// The dashboard as one self-contained HTML page: inline CSS and inline SVG, no script, nothing
// fetched, so it opens offline and survives e-mail. Every chart has its numbers in a table
// beside it (inside <details>) for screen readers and for copying. Labels in English or Chinese.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dashboard.hpp"
#include "format.hpp"

namespace cskpi::html {

struct page_options {
    std::string lang = "en";  ///< "en" or "zh": the page's own labels; data labels stay as read
    std::string title;        ///< default: the localized "Customer service report"
};

/// Text safe inside HTML elements and attribute values.
inline std::string escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

namespace detail {

/// The page's own words, English and Chinese.
inline std::string word(const std::string& lang, std::string_view key) {
    static const std::map<std::string_view, std::pair<const char*, const char*>> words = {
        {"title", {"Customer service report", "客服数据报告"}},
        {"input", {"Input", "输入"}},
        {"rows_read", {"rows read", "读取行数"}},
        {"rows_accepted", {"accepted", "有效"}},
        {"rows_rejected", {"rejected", "拒收"}},
        {"period", {"Change: last complete", "环比：最近完整"}},
        {"vs", {"vs", "对比"}},
        {"no_change", {"fewer than two complete periods", "完整周期不足两个"}},
        {"headline", {"Headline by team", "各组核心指标"}},
        {"all_teams", {"All teams", "全部"}},
        {"no_team", {"(no team)", "（无组别）"}},
        {"none", {"(none)", "（空）"}},
        {"interactions", {"Interactions", "会话量"}},
        {"frt_median", {"FRT median", "首响中位数"}},
        {"sla_frt", {"FRT SLA met", "首响达标率"}},
        {"resolution_rate", {"Resolved", "解决率"}},
        {"fcr_rate", {"First-contact resolution", "一次解决率"}},
        {"csat", {"CSAT", "满意度"}},
        {"complaint_rate", {"Complaint rate", "投诉率"}},
        {"frt_dist", {"First response time", "首次响应时长分布"}},
        {"frt_bin", {"FRT", "首响时长"}},
        {"count", {"interactions", "会话数"}},
        {"percentiles", {"Percentiles", "分位数"}},
        {"sla_trend", {"FRT SLA attainment by day", "每日首响达标率"}},
        {"day", {"Day", "日期"}},
        {"met", {"met", "达标"}},
        {"targets", {"with a target", "有目标"}},
        {"heat", {"Weekday \u00d7 hour", "星期 \u00d7 小时"}},
        {"heat_arrivals", {"Arrivals by weekday and hour", "按星期与小时的进线量"}},
        {"heat_frt", {"FRT median by weekday and hour", "按星期与小时的首响中位数"}},
        {"weekday", {"Weekday", "星期"}},
        {"hour", {"Hour", "小时"}},
        {"pareto", {"Complaints by category", "投诉类别帕累托"}},
        {"category", {"Category", "类别"}},
        {"complaints", {"complaints", "投诉数"}},
        {"cumulative", {"cumulative", "累计占比"}},
        {"scorecard", {"Scorecard", "绩效评分"}},
        {"rank", {"Rank", "排名"}},
        {"score", {"Score", "得分"}},
        {"tier", {"Tier", "等级"}},
        {"contribution", {"Points from each KPI", "各指标贡献"}},
        {"not_scored", {"not scored", "未评分"}},
        {"qa", {"QA weak spots", "质检薄弱项"}},
        {"item", {"Item", "质检项"}},
        {"mean_percent", {"mean", "平均得分率"}},
        {"rated", {"rated", "评分次数"}},
        {"calibration", {"Reviewer calibration", "质检员校准"}},
        {"reviewer", {"Reviewer", "质检员"}},
        {"deviation", {"mean deviation (points)", "平均偏差（分）"}},
        {"flagged", {"flagged", "需校准"}},
        {"no_flags", {"No reviewer beyond the threshold", "没有超出阈值的质检员"}},
        {"rejects", {"What the input rejected", "拒收的数据"}},
        {"no_rejects", {"Every row was accepted.", "所有行均有效。"}},
        {"reason", {"reason", "原因"}},
        {"line", {"line", "行"}},
        {"column", {"column", "列"}},
        {"ignored", {"Columns not used", "未使用的列"}},
        {"warnings", {"Warnings", "提示"}},
        {"data", {"Numbers", "数据表"}},
        {"error", {"The input could not be read", "无法读取输入"}},
        {"no_data", {"No accepted rows: nothing to chart.", "没有有效数据，无法绘图。"}},
        {"generated", {"Made by cskpi", "由 cskpi 生成"}},
        {"targets_h", {"Targets in progress", "目标进度"}},
        {"period_col", {"period", "周期"}},
        {"unreachable", {"unreachable", "无法达成"}},
        {"target", {"target", "目标"}},
        {"actual", {"actual", "实际"}},
        {"forecast", {"forecast", "预测"}},
        {"needed", {"needed on the rest", "剩余期间需达到"}},
        {"status", {"status", "状态"}},
        {"metric", {"metric", "指标"}},
        {"scope", {"scope", "范围"}},
        {"met", {"met", "达成"}},
        {"missed", {"missed", "未达成"}},
        {"on_track", {"on track", "进度正常"}},
        {"at_risk", {"at risk", "有风险"}},
        {"off_track", {"off track", "落后"}},
        {"not_started", {"not started", "未开始"}},
        {"no_data", {"no data", "无数据"}},
    };
    const auto it = words.find(key);
    if (it == words.end()) return std::string(key);
    return lang == "zh" ? it->second.second : it->second.first;
}

inline std::string num(double v, int decimals = 1) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

/// A colour between pale and deep blue for t in [0, 1]; grey for NaN.
inline std::string heat_colour(double t) {
    if (std::isnan(t)) return "#f2f2f2";
    t = std::clamp(t, 0.0, 1.0);
    auto mix = [&](int a, int b) { return static_cast<int>(std::lround(a + (b - a) * t)); };
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", mix(0xee, 0x08), mix(0xf4, 0x45),
                  mix(0xfb, 0x94));
    return buf;
}

/// A bar chart: one bar per (label, value), values formatted by `fmt` in tooltips; optional
/// vertical markers (x position in bar units, text). `line` adds a polyline of shares 0..1.
template <class Fmt>
std::string bars(const std::string& aria, const std::vector<std::pair<std::string, double>>& data,
                 Fmt fmt, const std::vector<std::pair<double, std::string>>& markers = {},
                 const std::vector<double>& line = {}) {
    const double w = 760, h = 240, left = 56, bottom = 48, top = 12, right = 12;
    const double plot_w = w - left - right, plot_h = h - top - bottom;
    double max = 0;
    for (const auto& [l, v] : data)
        if (!std::isnan(v)) max = std::max(max, v);
    if (max <= 0) max = 1;
    const double bw = data.empty() ? plot_w : plot_w / static_cast<double>(data.size());
    std::string s = "<svg class=\"chart\" viewBox=\"0 0 " + num(w, 0) + " " + num(h, 0) +
                    "\" role=\"img\" aria-label=\"" + escape(aria) +
                    "\" xmlns=\"http://www.w3.org/2000/svg\">";
    for (int i = 0; i <= 4; ++i) {  // grid and y labels
        const double y = top + plot_h * (1 - i / 4.0);
        s += "<line x1=\"" + num(left, 0) + "\" x2=\"" + num(w - right, 0) + "\" y1=\"" + num(y) +
             "\" y2=\"" + num(y) + "\" class=\"grid\"/><text x=\"" + num(left - 6, 0) + "\" y=\"" +
             num(y + 4) + "\" class=\"ylab\">" + escape(fmt(max * i / 4.0)) + "</text>";
    }
    const std::size_t every = std::max<std::size_t>(1, (data.size() + 15) / 16);
    for (std::size_t i = 0; i < data.size(); ++i) {
        const auto& [label, v] = data[i];
        const double x = left + bw * static_cast<double>(i);
        if (!std::isnan(v)) {
            const double bh = plot_h * v / max;
            s += "<rect x=\"" + num(x + bw * 0.1) + "\" y=\"" + num(top + plot_h - bh) +
                 "\" width=\"" + num(bw * 0.8) + "\" height=\"" + num(bh) +
                 "\" class=\"bar\"><title>" + escape(label) + ": " + escape(fmt(v)) +
                 "</title></rect>";
        }
        if (i % every == 0)
            s += "<text x=\"" + num(x + bw / 2) + "\" y=\"" + num(h - bottom + 16) +
                 "\" class=\"xlab\">" + escape(label) + "</text>";
    }
    if (!line.empty()) {
        std::string pts;
        for (std::size_t i = 0; i < line.size(); ++i)
            pts += num(left + bw * (static_cast<double>(i) + 0.5)) + "," +
                   num(top + plot_h * (1 - line[i])) + " ";
        s += "<polyline points=\"" + pts + "\" class=\"cum\"/>";
    }
    for (const auto& [at, text] : markers) {
        const double x = left + bw * at;
        s += "<line x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(top, 0) + "\" y2=\"" +
             num(top + plot_h) + "\" class=\"marker\"/><text x=\"" + num(x + 3) + "\" y=\"" +
             num(top + 12) + "\" class=\"mlab\">" + escape(text) + "</text>";
    }
    return s + "</svg>";
}

/// A table inside <details>: the chart's numbers.
inline std::string data_table(const std::string& lang, const std::vector<std::string>& head,
                              const std::vector<std::vector<std::string>>& rows) {
    std::string s = "<details><summary>" + word(lang, "data") + "</summary><table><thead><tr>";
    for (const auto& h : head) s += "<th scope=\"col\">" + escape(h) + "</th>";
    s += "</tr></thead><tbody>";
    for (const auto& r : rows) {
        s += "<tr>";
        for (const auto& c : r) s += "<td>" + escape(c) + "</td>";
        s += "</tr>";
    }
    return s + "</tbody></table></details>";
}

inline const char* css() {
    return "body{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei','PingFang "
           "SC',"
           "'Helvetica Neue',Arial,sans-serif;margin:24px "
           "auto;max-width:1100px;color:#1f2933;background:#fff;padding:0 16px}"
           "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px "
           "solid #d9e2ec;padding-bottom:4px}"
           "h3{font-size:14px;margin:12px 0 6px;color:#486581}.meta{color:#627d98;font-size:13px}"
           ".tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px}"
           ".tile{border:1px solid #d9e2ec;border-radius:6px;padding:8px 10px;background:#f8fafc}"
           ".tile .label{font-size:12px;color:#627d98}.tile "
           ".value{font-size:22px;font-weight:600;display:block}"
           ".change{font-size:12px}.good{color:#1e7b34}.bad{color:#b42318}.neutral{color:#627d98}"
           "svg.chart{width:100%;height:auto;max-width:760px}.bar{fill:#2f6fb0}.grid{stroke:#"
           "e4e7eb}"
           ".xlab{font-size:10px;text-anchor:middle;fill:#52606d}.ylab{font-size:10px;text-anchor:"
           "end;fill:#52606d}"
           ".marker{stroke:#d64545;stroke-dasharray:4 3}.mlab{font-size:11px;fill:#d64545}"
           ".cum{fill:none;stroke:#e8871e;stroke-width:2}"
           "table{border-collapse:collapse;font-size:12px;margin:6px 0}th,td{border:1px solid "
           "#d9e2ec;padding:3px 6px;text-align:right}"
           "th:first-child,td:first-child{text-align:left}details{margin:4px 0 "
           "12px}summary{cursor:pointer;color:#486581;font-size:12px}"
           ".tier-gold{background:#fff3c4}.tier-silver{background:#eef2f6}.tier-bronze{background:#"
           "f6e0d0}"
           ".miss{color:#b42318;font-weight:600}.target{display:block;font-size:11px;margin-top:"
           "2px}"
           ".st-met,.st-on_track{color:#1e7b34}.st-at_risk{color:#b54708}.st-off_track,.st-missed{"
           "color:#b42318}.heat text{font-size:9px;fill:#52606d}.heat rect{stroke:#fff}";
}

/// The change line of a tile: signed difference (rates in points, durations on the clock,
/// volumes in percent), coloured by whether it is better.
inline std::string change_html(const dashboard::tile& t, int better, const std::string& lang,
                               const std::string& current, const std::string& previous) {
    if (std::isnan(t.current) || std::isnan(t.previous))
        return "<span class=\"change neutral\">\u2013</span>";
    const double d = t.current - t.previous;
    const auto kind = present::kind_of(t.column);
    std::string text;
    if (kind == present::value_kind::percent)
        text = (d >= 0 ? "+" : "") + num(d * 100) + " pt";
    else if (kind == present::value_kind::duration)
        text = (d >= 0 ? "+" : "-") + present::clock(std::fabs(d));
    else if (t.previous > 0)
        text = (d >= 0 ? "+" : "") + num(d / t.previous * 100, 0) + "%";
    else
        text = (d >= 0 ? "+" : "") + num(d, 0);
    const int sign = d > 0 ? 1 : d < 0 ? -1 : 0;
    const char* cls = sign * better > 0 ? "good" : sign * better < 0 ? "bad" : "neutral";
    const char* arrow = sign > 0 ? "\u25b2 " : sign < 0 ? "\u25bc " : "";
    return std::string("<span class=\"change ") + cls + "\" title=\"" + escape(current) + " " +
           word(lang, "vs") + " " + escape(previous) + "\">" + arrow + escape(text) + "</span>";
}

/// A tile's target line: the month's target and its status.
inline std::string target_html(const analysis::target_row* r, const std::string& lang) {
    if (!r) return {};
    return "<span class=\"target st-" + r->status + "\" data-status=\"" + r->status +
           "\" title=\"" + escape(r->period) + "\">" + word(lang, "target") + " " +
           escape(present::text(r->target, r->metric)) + " \u00b7 " + word(lang, r->status) +
           "</span>";
}

inline std::string targets_section(const dashboard::dashboard& d, const std::string& lang) {
    const auto rows = d.current_targets();
    if (rows.empty()) return {};
    std::string s = "<section id=\"targets\"><h2>" + word(lang, "targets_h") +
                    "</h2><p class=\"meta\">as_of " + escape(d.targets->as_of_text) +
                    "</p><table><thead><tr>";
    for (const char* h :
         {"metric", "scope", "period_col", "target", "actual", "forecast", "needed", "status"})
        s += "<th scope=\"col\">" + word(lang, h) + "</th>";
    s += "</tr></thead><tbody>";
    for (const auto* r : rows) {
        std::string scope;
        for (const auto& [k, v] : r->scope)
            scope += (scope.empty() ? "" : ", ") + std::string(name_of(k)) + "=" + v;
        const auto kind = present::kind_of(r->metric);
        s += "<tr><td>" + escape(r->metric) + "</td><td>" + escape(scope) + "</td><td>" +
             escape(r->period) + "</td><td>" + escape(present::text(r->target, kind)) +
             "</td><td>" + escape(present::text(r->actual, kind)) + "</td><td>" +
             escape(present::text(r->forecast, kind)) + "</td><td>" +
             (r->unreachable ? word(lang, "unreachable")
                             : escape(present::text(r->required_rest, kind))) +
             "</td><td class=\"st-" + r->status + "\">" + word(lang, r->status) + "</td></tr>";
    }
    return s + "</tbody></table></section>";
}

inline std::string tiles_section(const dashboard::dashboard& d, const std::string& lang) {
    std::string s =
        "<section id=\"tiles\"><h2>" + word(lang, "headline") + "</h2><p class=\"meta\">";
    if (d.current_period && d.previous_period)
        s += word(lang, "period") + " " + std::string(name_of(d.period)) + ": " +
             escape(*d.current_period) + " " + word(lang, "vs") + " " + escape(*d.previous_period);
    else
        s += word(lang, "no_change");
    s += "</p>";
    for (const auto& row : d.tiles) {
        const std::string team = row.overall ? word(lang, "all_teams")
                                 : row.team  ? *row.team
                                             : word(lang, "no_team");
        s += "<h3>" + escape(team) + "</h3><div class=\"tiles\" data-team=\"" +
             (row.overall ? std::string() : escape(row.team ? *row.team : std::string("null"))) +
             "\"" + (row.overall ? " data-overall=\"1\"" : "") + ">";
        for (std::size_t i = 0; i < row.tiles.size(); ++i) {
            const auto& t = row.tiles[i];
            s += "<div class=\"tile\" data-metric=\"" + t.column + "\"><span class=\"label\">" +
                 word(lang, t.column) + "</span><span class=\"value\">" +
                 escape(present::text(t.value, t.column)) + "</span>" +
                 change_html(t, dashboard::tile_metrics()[i].better, lang,
                             d.current_period.value_or(""), d.previous_period.value_or("")) +
                 target_html(d.target_of(t.column, row.team, row.overall), lang) + "</div>";
        }
        s += "</div>";
    }
    return s + "</section>";
}

/// A bracket edge in short words: 30s, 2m, 4h, 1d.
inline std::string edge_text(double s) {
    const long long t = std::llround(s);
    if (t == 0) return "0";
    if (t % 86400 == 0) return std::to_string(t / 86400) + "d";
    if (t % 3600 == 0) return std::to_string(t / 3600) + "h";
    if (t % 60 == 0) return std::to_string(t / 60) + "m";
    return std::to_string(t) + "s";
}

inline std::string bin_label(const dashboard::bin& b) {
    return std::isinf(b.high) ? "\u2265" + edge_text(b.low)
                              : edge_text(b.low) + "\u2013" + edge_text(b.high);
}

inline std::string frt_section(const dashboard::dashboard& d, const std::string& lang) {
    std::string s = "<section id=\"frt\"><h2>" + word(lang, "frt_dist") + "</h2>";
    if (d.frt_bins.empty()) return s + "<p>" + word(lang, "no_data") + "</p></section>";
    std::vector<std::pair<std::string, double>> data;
    std::vector<std::vector<std::string>> rows;
    for (const auto& b : d.frt_bins) {
        data.emplace_back(bin_label(b), static_cast<double>(b.count));
        rows.push_back({bin_label(b), present::grouped(static_cast<long long>(b.count))});
    }
    // Percentile markers at their place on the bin axis: bin index plus the share of the bin.
    auto at = [&](double v) {
        for (std::size_t i = 0; i < d.frt_bins.size(); ++i) {
            const auto& b = d.frt_bins[i];
            if (v < b.high)
                return static_cast<double>(i) +
                       (std::isinf(b.high) ? 0.5 : (v - b.low) / (b.high - b.low));
        }
        return static_cast<double>(d.frt_bins.size());
    };
    std::vector<std::pair<double, std::string>> markers;
    std::string pct = "<p class=\"meta\">" + word(lang, "percentiles") + ":";
    for (const char* c : {"frt_median", "frt_p90", "frt_p95"}) {
        const double v = d.overall.groups.front().metric(c);
        const std::string name = std::string(c) == "frt_median" ? "p50" : std::string(c).substr(4);
        pct += " " + name + " <b data-metric=\"" + c + "\">" + present::clock(v) + "</b>";
        if (!std::isnan(v)) markers.emplace_back(at(v), name);
    }
    s += pct + "</p>";
    s += bars(
        word(lang, "frt_dist"), data, [](double v) { return present::grouped(std::llround(v)); },
        markers);
    return s + data_table(lang, {word(lang, "frt_bin"), word(lang, "count")}, rows) + "</section>";
}

inline std::string sla_section(const dashboard::dashboard& d, const std::string& lang) {
    std::string s = "<section id=\"sla\"><h2>" + word(lang, "sla_trend") + "</h2>";
    std::vector<std::pair<std::string, double>> data;
    std::vector<std::vector<std::string>> rows;
    const double overall =
        d.overall.groups.empty() ? stats::nan : d.overall.groups.front().metric("sla_frt");
    for (std::size_t i = 1; i < d.by_day.groups.size(); ++i) {
        const auto& g = d.by_day.groups[i];
        const std::string day = g.keys[0].value_or(word(lang, "none"));
        const double v = g.metric("sla_frt");
        data.emplace_back(day.size() == 10 ? day.substr(5) : day, v);
        rows.push_back({day, present::text(v, "sla_frt"),
                        present::text(g.metric("sla_frt_num"), "sla_frt_num"),
                        present::text(g.metric("sla_frt_den"), "sla_frt_den")});
    }
    if (data.empty()) return s + "<p>" + word(lang, "no_data") + "</p></section>";
    s += "<p class=\"meta\">" + word(lang, "all_teams") + ": <b data-metric=\"sla_frt\">" +
         present::text(overall, "sla_frt") + "</b></p>";
    s += bars(word(lang, "sla_trend"), data, [](double v) { return present::percent(v, 0); });
    return s +
           data_table(
               lang,
               {word(lang, "day"), word(lang, "sla_frt"), word(lang, "met"), word(lang, "targets")},
               rows) +
           "</section>";
}

/// Weekday x hour grid of one metric, coloured from 0 to the largest cell.
inline std::string heat_grid(const dashboard::dashboard& d, const std::string& lang,
                             const char* metric, const char* title) {
    double cell[7][24];
    for (auto& r : cell) std::fill(std::begin(r), std::end(r), stats::nan);
    double max = 0;
    for (std::size_t i = 1; i < d.by_heat.groups.size(); ++i) {
        const auto& g = d.by_heat.groups[i];
        if (!g.keys[0] || !g.keys[1]) continue;
        const int wd = (*g.keys[0])[0] - '1', hr = std::stoi(*g.keys[1]);
        if (wd < 0 || wd > 6 || hr < 0 || hr > 23) continue;
        cell[wd][hr] = g.metric(metric);
    }
    // Colours run up to the 90th percentile of the cells: one slow night hour would otherwise
    // leave every other cell pale.
    std::vector<double> present_cells;
    for (const auto& r : cell)
        for (double v : r)
            if (!std::isnan(v)) present_cells.push_back(v);
    if (!present_cells.empty()) max = stats::quantile_type7(present_cells, 0.9);
    static constexpr const char* days_en[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static constexpr const char* days_zh[] = {"周一", "周二", "周三", "周四",
                                              "周五", "周六", "周日"};
    const auto& days = lang == "zh" ? days_zh : days_en;
    const bool is_duration = present::kind_of(metric) == present::value_kind::duration;
    auto fmt = [&](double v) { return is_duration ? present::clock(v) : present::text(v, metric); };
    std::string s =
        "<h3>" + word(lang, title) +
        "</h3><svg class=\"chart heat\" viewBox=\"0 0 760 200\" role=\"img\" aria-label=\"" +
        word(lang, title) + "\" xmlns=\"http://www.w3.org/2000/svg\">";
    const double cw = 28, ch = 22, left = 48, top = 18;
    for (int h = 0; h < 24; ++h)
        s += "<text x=\"" + num(left + h * cw + cw / 2) + "\" y=\"12\" text-anchor=\"middle\">" +
             std::to_string(h) + "</text>";
    std::vector<std::vector<std::string>> rows;
    for (int wd = 0; wd < 7; ++wd) {
        s += "<text x=\"4\" y=\"" + num(top + wd * ch + 15) + "\">" + days[wd] + "</text>";
        std::vector<std::string> row = {days[wd]};
        for (int h = 0; h < 24; ++h) {
            const double v = cell[wd][h];
            s += "<rect x=\"" + num(left + h * cw) + "\" y=\"" + num(top + wd * ch) +
                 "\" width=\"" + num(cw) + "\" height=\"" + num(ch) + "\" fill=\"" +
                 heat_colour(max > 0 ? v / max : stats::nan) + "\"><title>" + days[wd] + " " +
                 std::to_string(h) + ":00 " +
                 escape(std::isnan(v) ? std::string("\u2013") : fmt(v)) + "</title></rect>";
            row.push_back(std::isnan(v) ? "" : fmt(v));
        }
        rows.push_back(std::move(row));
    }
    std::vector<std::string> head = {word(lang, "weekday")};
    for (int h = 0; h < 24; ++h) head.push_back(std::to_string(h));
    return s + "</svg>" + data_table(lang, head, rows);
}

inline std::string heat_section(const dashboard::dashboard& d, const std::string& lang) {
    return "<section id=\"heatmap\"><h2>" + word(lang, "heat") + "</h2>" +
           heat_grid(d, lang, "interactions", "heat_arrivals") +
           heat_grid(d, lang, "frt_median", "heat_frt") + "</section>";
}

inline std::string pareto_section(const dashboard::dashboard& d, const std::string& lang) {
    std::string s = "<section id=\"pareto\"><h2>" + word(lang, "pareto") + "</h2>";
    const auto p = d.complaint_pareto();
    if (p.empty()) return s + "<p>" + word(lang, "no_data") + "</p></section>";
    std::vector<std::pair<std::string, double>> data;
    std::vector<double> cum;
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : p) {
        const std::string cat = r.keys[0].value_or(word(lang, "none"));
        data.emplace_back(cat, r.count);
        cum.push_back(r.cumulative);
        rows.push_back(
            {cat, present::grouped(std::llround(r.count)), present::percent(r.cumulative)});
    }
    s += bars(
        word(lang, "pareto"), data, [](double v) { return present::grouped(std::llround(v)); }, {},
        cum);
    return s +
           data_table(lang,
                      {word(lang, "category"), word(lang, "complaints"), word(lang, "cumulative")},
                      rows) +
           "</section>";
}

inline std::string scorecard_section(const dashboard::dashboard& d, const std::string& lang) {
    if (!d.scores) return {};
    const auto& sr = *d.scores;
    static constexpr const char* palette[] = {"#2f6fb0", "#e8871e", "#3f9b5a", "#b1457b",
                                              "#7a5cc2", "#c2a23b", "#4aa6b5", "#8c6d4f"};
    std::string s = "<section id=\"scorecard\"><h2>" + word(lang, "scorecard") + ": " +
                    escape(sr.card.name) + "</h2><table><thead><tr><th scope=\"col\">" +
                    word(lang, "rank") + "</th>";
    for (auto k : sr.card.by) s += "<th scope=\"col\">" + std::string(name_of(k)) + "</th>";
    s += "<th scope=\"col\">" + word(lang, "score") + "</th><th scope=\"col\">" +
         word(lang, "tier") + "</th><th scope=\"col\">" + word(lang, "contribution") + "</th>";
    for (std::size_t i = 0; i < sr.card.kpis.size(); ++i)
        s += "<th scope=\"col\"><span style=\"color:" + std::string(palette[i % 8]) +
             "\">\u25a0</span> " + escape(sr.card.kpis[i].metric) + "</th>";
    s += "</tr></thead><tbody>";
    auto groups = sr.groups;
    std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
        return a.rank.value_or(1 << 30) < b.rank.value_or(1 << 30);
    });
    for (const auto& g : groups) {
        s += std::string("<tr") + (g.tier ? " class=\"tier-" + escape(*g.tier) + "\"" : "") +
             "><td>" + (g.rank ? std::to_string(*g.rank) : "") + "</td>";
        for (const auto& k : g.keys) s += "<td>" + escape(k.value_or(word(lang, "none"))) + "</td>";
        s += "<td>" + (g.scored ? num(g.score) : word(lang, "not_scored")) + "</td><td>" +
             escape(g.tier.value_or("")) + "</td><td>";
        // Contributions as one stacked bar on the 0..100 score scale.
        s += "<svg width=\"200\" height=\"14\" viewBox=\"0 0 100 14\" role=\"img\" aria-label=\"" +
             word(lang, "contribution") + "\" xmlns=\"http://www.w3.org/2000/svg\">";
        double x = 0;
        for (std::size_t i = 0; i < g.kpis.size(); ++i) {
            const double c = g.kpis[i].contribution;
            if (std::isnan(c) || c <= 0) continue;
            s += "<rect x=\"" + num(x, 2) + "\" y=\"1\" width=\"" + num(c, 2) +
                 "\" height=\"12\" fill=\"" + palette[i % 8] + "\"><title>" +
                 escape(sr.card.kpis[i].metric) + ": " + num(c) + "</title></rect>";
            x += c;
        }
        s += "</svg></td>";
        for (const auto& k : g.kpis)
            s += "<td>" +
                 (std::isnan(k.contribution) ? std::string("\u2013") : num(k.contribution)) +
                 "</td>";
        s += "</tr>";
    }
    return s + "</tbody></table></section>";
}

inline std::string qa_section(const dashboard::dashboard& d, const std::string& lang) {
    std::string s;
    if (d.qa) {
        s += "<section id=\"qa\"><h2>" + word(lang, "qa") + "</h2>";
        std::vector<std::pair<std::string, double>> data;
        std::vector<std::vector<std::string>> rows;
        for (const auto& [id, st] : d.weak_items()) {
            if (data.size() < 8) data.emplace_back(id, st.mean());
            rows.push_back({id, present::text(st.mean(), present::value_kind::percent),
                            present::grouped(static_cast<long long>(st.rated))});
        }
        s += bars(word(lang, "qa"), data, [](double v) { return present::percent(v, 0); });
        s += data_table(lang, {word(lang, "item"), word(lang, "mean_percent"), word(lang, "rated")},
                        rows) +
             "</section>";
    }
    if (d.calibration) {
        s += "<section id=\"calibration\"><h2>" + word(lang, "calibration") + "</h2>";
        std::string rows;
        for (const auto& [name, dev] : d.calibration->reviewers)
            rows +=
                std::string("<tr") + (dev.flagged ? " class=\"miss\"" : "") + "><td>" +
                escape(name) + "</td><td>" +
                (std::isnan(dev.mean_deviation) ? std::string("\u2013") : num(dev.mean_deviation)) +
                "</td><td>" + (dev.flagged ? "\u26a0 " + word(lang, "flagged") : std::string()) +
                "</td></tr>";
        bool any = false;
        for (const auto& [n, dev] : d.calibration->reviewers) any = any || dev.flagged;
        if (!any)
            s += "<p>" + word(lang, "no_flags") + " (" + num(d.calibration->threshold) + ")</p>";
        s += "<table><thead><tr><th scope=\"col\">" + word(lang, "reviewer") +
             "</th><th scope=\"col\">" + word(lang, "deviation") + "</th><th scope=\"col\">" +
             word(lang, "flagged") + "</th></tr></thead><tbody>" + rows +
             "</tbody></table></section>";
    }
    return s;
}

inline std::string rejects_section(const report& rep, const std::string& lang) {
    std::string s = "<section id=\"rejects\"><h2>" + word(lang, "rejects") + "</h2>";
    for (const auto& w : rep.warnings) s += "<p class=\"miss\">" + escape(w) + "</p>";
    if (rep.rows_rejected == 0)
        s += "<p>" + word(lang, "no_rejects") + "</p>";
    else {
        s += "<table class=\"reasons\"><thead><tr><th scope=\"col\">" + word(lang, "reason") +
             "</th></tr></thead><tbody>";
        for (const auto& r : top_reject_reasons(rep.rejects, 10))
            s += "<tr><td>" + escape(r) + "</td></tr>";
        s += "</tbody></table>";
        // Line, column and reason only: a page is forwarded, and cell values may be personal data.
        std::vector<std::vector<std::string>> rows;
        for (std::size_t i = 0; i < rep.rejects.size() && i < 50; ++i)
            rows.push_back({std::to_string(rep.rejects[i].line), rep.rejects[i].column,
                            rep.rejects[i].reason});
        s += data_table(lang, {word(lang, "line"), word(lang, "column"), word(lang, "reason")},
                        rows);
    }
    if (!rep.ignored_columns.empty()) {
        s += "<p class=\"meta\">" + word(lang, "ignored") + ":";
        for (const auto& c : rep.ignored_columns) s += " " + escape(c);
        s += "</p>";
    }
    return s + "</section>";
}

inline std::string head(const page_options& o) {
    const std::string lang = o.lang == "zh" ? "zh" : "en";
    const std::string title = o.title.empty() ? word(lang, "title") : o.title;
    return "<!DOCTYPE html><html lang=\"" + std::string(lang == "zh" ? "zh-CN" : "en") +
           "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
           "content=\"width=device-width,initial-scale=1\">"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
           "'unsafe-inline'; img-src data:\">"
           "<title>" +
           escape(title) + "</title><style>" + css() + "</style></head><body><h1>" + escape(title) +
           "</h1>";
}

inline std::string input_line(const report& rep, const std::string& lang) {
    return "<p class=\"meta\" id=\"input\">" + word(lang, "input") + ": " + escape(rep.input_path) +
           " \u00b7 " + word(lang, "rows_read") + " <b data-count=\"rows_read\">" +
           present::grouped(static_cast<long long>(rep.rows_read)) + "</b> \u00b7 " +
           word(lang, "rows_accepted") + " <b data-count=\"rows_accepted\">" +
           present::grouped(static_cast<long long>(rep.rows_accepted)) + "</b> \u00b7 " +
           word(lang, "rows_rejected") + " <b data-count=\"rows_rejected\">" +
           present::grouped(static_cast<long long>(rep.rows_rejected)) + "</b></p>";
}

inline std::string foot(const std::string& lang) {
    return "<p class=\"meta\">" + word(lang, "generated") + " " + version + "</p></body></html>\n";
}

}  // namespace detail

/// The page of a dashboard.
inline std::string render(const dashboard::dashboard& d, const page_options& o = {}) {
    const std::string lang = o.lang == "zh" ? "zh" : "en";
    std::string s = detail::head(o) + detail::input_line(d.overall, lang);
    if (d.overall.rows_accepted > 0) {
        s += detail::tiles_section(d, lang) + detail::targets_section(d, lang) +
             detail::frt_section(d, lang) + detail::sla_section(d, lang) +
             detail::heat_section(d, lang) + detail::pareto_section(d, lang) +
             detail::scorecard_section(d, lang);
    } else {
        s += "<p class=\"miss\">" + detail::word(lang, "no_data") + "</p>";
    }
    s += detail::qa_section(d, lang) + detail::rejects_section(d.overall, lang);
    return s + detail::foot(lang);
}

/// The page written when the input could not be read at all (missing column, unreadable file):
/// the error as the reader gave it, so that a forwarded page still says what went wrong.
inline std::string render_error(const std::string& message, const page_options& o = {}) {
    const std::string lang = o.lang == "zh" ? "zh" : "en";
    return detail::head(o) + "<section id=\"rejects\"><h2>" + detail::word(lang, "error") +
           "</h2><p class=\"miss\">" + escape(message) + "</p></section>" + detail::foot(lang);
}

}  // namespace cskpi::html
