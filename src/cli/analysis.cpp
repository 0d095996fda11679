// The manager's analysis commands of the command line: `cskpi targets` (docs/TARGETS.md),
// `cskpi compare` (docs/COMPARE.md), `cskpi survey-size`, `cskpi pareto`, `cskpi drivers` and
// `cskpi repurchase` (docs/SURVEYS.md), `cskpi presale` (docs/PRESALE.md), `cskpi facts`
// (docs/FACTS.md), `cskpi reconcile` (docs/RECONCILE.md).
#include <fstream>
#include <iostream>

#include <cskpi/analysis/compare.hpp>
#include <cskpi/analysis/drivers.hpp>
#include <cskpi/analysis/event_facts.hpp>
#include <cskpi/analysis/facts.hpp>
#include <cskpi/analysis/loyalty.hpp>
#include <cskpi/analysis/presale.hpp>
#include <cskpi/analysis/reconcile.hpp>
#include <cskpi/analysis/pareto.hpp>
#include <cskpi/analysis/survey.hpp>
#include <cskpi/analysis/targets_run.hpp>
#include <cskpi/report/xlsx.hpp>

#include "common.hpp"

namespace cskpi_cli {

namespace {
// The analysis commands' tables: CSV (cells as given), or an aligned grid whose first `keys`
// columns are labels.
void write_cells(std::ostream& os, const std::vector<std::vector<std::string>>& cells, bool csv,
                 std::size_t keys) {
    if (!csv) return cskpi::detail::write_grid(os, cells, keys);
    for (const auto& line : cells) {
        for (std::size_t i = 0; i < line.size(); ++i)
            os << (i ? "," : "") << cskpi::detail::csv_field(line[i]);
        os << '\n';
    }
}

// A second table's reject accounting on stderr (orders, a vendor's export); exit 3 when it had
// rows and every one was rejected.
std::optional<int> check_side_rows(const cskpi::reject_ledger& l, const std::string& noun,
                                   const std::string& path) {
    if (l.rows_rejected)
        std::cerr << "cskpi: " << l.rows_rejected << " of " << l.rows_read << ' ' << noun << "s of "
                  << path << " rejected (listed in the JSON output)\n";
    if (l.rows_read > 0 && l.rows_accepted == 0) {
        std::cerr << "cskpi: every " << noun << " of " << path << " was rejected\n";
        return exit_input;
    }
    return std::nullopt;
}

// INPUT, --config, --format json|csv|table and --output, as every analysis of one input has them.
CLI::App* add_input_command(CLI::App& app, const char* name, const char* about, std::string& input,
                            std::string& config, const char* config_about, std::string& format,
                            std::string& output) {
    auto* cmd = app.add_subcommand(name, about);
    cmd->add_option("INPUT", input, "Interactions: .csv or .jsonl")->required();
    cmd->add_option("--config", config, config_about);
    cmd->add_option("--format", format, "json, csv or table (default on a terminal)")
        ->check(CLI::IsMember({"json", "csv", "table"}));
    cmd->add_option("--output", output, "Write to FILE instead of stdout");
    return cmd;
}
}  // namespace

void add_targets_command(CLI::App& app, targets_inputs& in) {
    auto* cmd = app.add_subcommand("targets",
                                   "Targets and pacing: each target per quarter and month, "
                                   "attainment, forecast, rate needed, status (docs/TARGETS.md)");
    cmd->add_option("INPUT", in.input, "Interactions to date: .csv or .jsonl")->required();
    cmd->add_option("--config", in.config,
                    "Configuration JSON with \"targets\" (and \"targets_tolerance\")")
        ->required();
    cmd->add_option(
        "--as-of", in.as_of,
        "The instant of the pacing (default: config \"as_of\", else the latest created_at)");
    cmd->add_option(
        "--history", in.history,
        "An earlier input whose monthly shares split targets with \"split\": \"history\"");
    cmd->add_option("--format", in.format,
                    "json, csv, table (default on a terminal) or xlsx (with --output FILE.xlsx)")
        ->check(CLI::IsMember({"json", "csv", "table", "xlsx"}));
    cmd->add_option("--output", in.output, "Write to FILE instead of stdout");
    cmd->add_option("--threads", in.threads, "Worker threads")->check(CLI::Range(1u, 256u));
}

namespace {
void write_targets_table(std::ostream& os, const cskpi::analysis::targets_result& r) {
    std::vector<std::vector<std::string>> cells = {{"metric", "scope", "period", "target", "actual",
                                                    "attain", "elapsed", "forecast", "needed",
                                                    "status"}};
    for (const auto& x : r.rows) {
        std::string scope;
        for (const auto& [k, v] : x.scope) scope += (scope.empty() ? "" : ",") + v;
        const auto kind = cskpi::present::kind_of(x.metric);
        auto val = [&](double v) { return cskpi::present::text(v, kind); };
        cells.push_back(
            {x.metric, scope.empty() ? "(all)" : scope, x.period, val(x.target), val(x.actual),
             cskpi::present::text(x.attainment, cskpi::present::value_kind::percent),
             cskpi::present::text(x.elapsed, cskpi::present::value_kind::percent), val(x.forecast),
             val(x.required_rest) + (x.unreachable ? " !" : ""), x.status});
    }
    os << "targets at " << r.as_of_text << " (tolerance " << cskpi::present::percent(r.tolerance)
       << ")\n";
    cskpi::detail::write_grid(os, cells, 3);
}
}  // namespace

int run_targets_command(const targets_inputs& in) {
    const std::string format = resolved_format(in.format, in.output);
    if (auto rc = workbook_needs_output(format, in.output)) return *rc;
    cskpi::analysis::targets_result res;
    if (auto rc = failed([&] {
            const cskpi::json root = read_json_file(in.config);
            const cskpi::config cfg = checked_config(root);
            cskpi::analysis::targets_inputs ti;
            ti.path = in.input;
            ti.history = in.history;
            if (!in.as_of.empty()) ti.as_of = in.as_of;
            cskpi::run_options opt;
            opt.threads = in.threads;
            res = cskpi::analysis::run_targets(ti, root, cfg, opt);
            if (format == "xlsx") {
                cskpi::xlsx::workbook wb(in.output);
                wb.add_targets(res);
                wb.close();
            }
        }))
        return *rc;
    if (format == "xlsx") return 0;
    std::ofstream file;
    std::ostream* os = open_output(in.output, file);
    if (!os) return exit_usage;
    if (format == "json")
        *os << cskpi::json_text(res.to_json(), 2) << '\n';
    else if (format == "csv")
        res.write_csv(*os);
    else
        write_targets_table(*os, res);
    return 0;
}

void add_compare_command(CLI::App& app, compare_inputs& in) {
    auto* cmd =
        app.add_subcommand("compare",
                           "Compare two periods of an input, or an input with a baseline: every "
                           "metric, B - A, interval, test, q-value (docs/COMPARE.md)");
    cmd->add_option("INPUT", in.input,
                    "Interactions (.csv or .jsonl): both periods, or B when --baseline gives A")
        ->required();
    cmd->add_option("--config", in.config, "Configuration JSON");
    cmd->add_option("--by", in.by,
                    "Grouping keys, comma-separated; with --periods one of them is the time key of "
                    "the periods (e.g. team,month)");
    cmd->add_option("--periods", in.periods,
                    "A,B: two labels of the time key in --by (e.g. 2026-02,2026-03)");
    cmd->add_option("--baseline", in.baseline, "A second input as A (instead of --periods)");
    cmd->add_option("--alpha", in.alpha,
                    "False discovery rate of the Benjamini-Hochberg q-values (default 0.05)")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--min-n", in.min_n,
                    "Fewer observations on either side: p null, flag too_few (default 30)")
        ->check(CLI::Range(0.0, 1e12));
    cmd->add_option("--format", in.format, "json, csv or table (default on a terminal)")
        ->check(CLI::IsMember({"json", "csv", "table"}));
    cmd->add_option("--output", in.output, "Write to FILE instead of stdout");
    cmd->add_option("--threads", in.threads, "Worker threads")->check(CLI::Range(1u, 256u));
}

int run_compare_command(const compare_inputs& in) {
    cskpi::analysis::compare_options o;
    cskpi::config cfg;
    if (auto rc = failed([&] {
            cfg = load_config(in.config);
            o = cskpi::analysis::make_compare_options(cskpi::parse_group_keys(split_keys(in.by)),
                                                      in.periods, in.baseline, in.alpha, in.min_n);
        }))
        return *rc;
    cskpi::analysis::compare_result res;
    cskpi::run_options opt;
    opt.threads = in.threads;
    if (auto rc = failed([&] { res = cskpi::analysis::compare(in.input, cfg, o, opt); }))
        return *rc;
    const std::string format = resolved_format(in.format, in.output);
    std::ofstream file;
    std::ostream* os = open_output(in.output, file);
    if (!os) return exit_usage;
    if (format == "json")
        *os << cskpi::json_text(res.to_json(), 2) << '\n';
    else if (format == "csv")
        res.write_csv(*os);
    else {
        std::vector<std::vector<std::string>> cells = {
            {"group", "metric", "A", "B", "B - A", "interval", "q", ""}};
        for (const auto& r : res.rows) {
            std::string key;
            for (const auto& k : r.keys) key += (key.empty() ? "" : ",") + k.value_or("(none)");
            const auto kind = cskpi::present::kind_of(r.metric);
            auto v = [&](double x) {
                if (kind == cskpi::present::value_kind::percent && !std::isnan(x))
                    return cskpi::present::percent(x);
                return cskpi::present::text(x, kind == cskpi::present::value_kind::duration
                                                   ? kind
                                                   : cskpi::present::value_kind::number);
            };
            cells.push_back({key.empty() ? "(all)" : key, r.metric, v(r.a), v(r.b),
                             v(r.diff.estimate), v(r.diff.ci_low) + " .. " + v(r.diff.ci_high),
                             r.too_few
                                 ? "too few"
                                 : cskpi::present::text(r.q, cskpi::present::value_kind::number),
                             r.significant ? "*" : ""});
        }
        *os << "B = " << res.label_b << " vs A = " << res.label_a << "; * = q <= " << o.alpha
            << '\n';
        cskpi::detail::write_grid(*os, cells, 2);
    }
    return 0;
}

void add_survey_size_command(CLI::App& app, survey_inputs& in) {
    auto* cmd = app.add_subcommand(
        "survey-size",
        "Ratings a satisfaction survey needs for a margin of error (docs/SURVEYS.md)");
    cmd->add_option("--population", in.population, "Interactions the survey samples from (N)")
        ->required();
    cmd->add_option("--margin", in.margin, "Margin of error as a share, e.g. 0.05")->required();
    cmd->add_option("--confidence", in.confidence, "Confidence (default 0.95)");
    cmd->add_option("--p", in.p, "Expected satisfied share (default 0.5, the largest size)");
    cmd->add_option("--format", in.format, "json or table (default on a terminal)")
        ->check(CLI::IsMember({"json", "table"}));
}

int run_survey_size_command(const survey_inputs& in) {
    cskpi::analysis::survey_size_result r;
    if (auto rc = failed([&] {
            r = cskpi::analysis::survey_size(in.population, in.margin, in.confidence, in.p);
        }))
        return *rc;
    if (resolved_format(in.format, "") == "json") {
        std::cout << cskpi::json_text(cskpi::json{{"population", in.population},
                                                  {"margin", in.margin},
                                                  {"confidence", in.confidence},
                                                  {"p", in.p},
                                                  {"n0", r.n0},
                                                  {"n", r.n}},
                                      2)
                  << '\n';
    } else {
        std::cout << "survey of " << cskpi::present::grouped(static_cast<long long>(in.population))
                  << " interactions, margin " << cskpi::present::percent(in.margin) << " at "
                  << cskpi::present::percent(in.confidence, 0) << " confidence (p = " << in.p
                  << "): " << r.n << " ratings (" << std::ceil(r.n0)
                  << " for an unlimited population)\n";
    }
    return 0;
}

void add_pareto_command(CLI::App& app, pareto_inputs& in) {
    auto* cmd = add_input_command(app, "pareto",
                                  "Pareto of issues: groups by complaints (or another count), "
                                  "share and cumulative share (docs/SURVEYS.md)",
                                  in.input, in.config, "Configuration JSON", in.format, in.output);
    cmd->add_option("--by", in.by, "Grouping keys, comma-separated (default: category)");
    cmd->add_option("--count", in.count,
                    "The count column (default complaint_rate_num: complaints)");
}

int run_pareto_command(const pareto_inputs& in) {
    cskpi::report rep;
    std::vector<cskpi::analysis::pareto_row> rows;
    if (auto rc = failed([&] {
            const cskpi::config cfg = load_config(in.config);
            const auto keys = cskpi::parse_group_keys(split_keys(in.by));
            if (!cskpi::analysis::is_total(in.count))  // before reading the input
                throw std::invalid_argument(
                    "--count: '" + in.count +
                    "' is not a count (a count column, sales_total or a _num column)");
            rep = cskpi::run_report(in.input, cfg, keys);
            rows = cskpi::analysis::pareto(rep, in.count);
        }))
        return *rc;
    if (const int rc = report_warnings(rep)) return rc;
    const std::string format = resolved_format(in.format, in.output);
    std::ofstream file;
    std::ostream* os = open_output(in.output, file);
    if (!os) return exit_usage;
    if (format == "json") {
        *os << cskpi::json_text(cskpi::analysis::pareto_json(rep, rows, in.count), 2) << '\n';
        return 0;
    }
    std::vector<std::vector<std::string>> cells = {{}};
    for (auto k : rep.by) cells[0].emplace_back(cskpi::name_of(k));
    for (const char* h : {"count", "share", "cumulative"}) cells[0].emplace_back(h);
    for (const auto& r : rows) {
        std::vector<std::string> line;
        for (const auto& k : r.keys)
            line.push_back(format == "csv"
                               ? cskpi::detail::csv_key(k, cskpi::detail::is_for_people(*os))
                               : k.value_or("(none)"));
        if (format == "csv") {
            for (double v : {r.count, r.share, r.cumulative})
                line.push_back(cskpi::detail::number_text(v));
        } else {
            line.push_back(cskpi::present::text(r.count, cskpi::present::kind_of(in.count)));
            line.push_back(cskpi::present::percent(r.share));
            line.push_back(cskpi::present::percent(r.cumulative));
        }
        cells.push_back(std::move(line));
    }
    write_cells(*os, cells, format == "csv", rep.by.size());
    return 0;
}

void add_drivers_command(CLI::App& app, drivers_inputs& in) {
    add_input_command(
        app, "drivers",
        "Drivers of satisfaction: logistic regression of satisfied ratings on FRT, resolution, "
        "reopen, transfer, repeat contact, channel, category (docs/SURVEYS.md)",
        in.input, in.config, "Configuration JSON (csat.satisfied_min, fcr.window_s, confidence)",
        in.format, in.output);
}

int run_drivers_command(const drivers_inputs& in) {
    std::pair<cskpi::report, cskpi::analysis::driver_model> r;
    if (auto rc = failed([&] {
            const cskpi::config cfg = load_config(in.config);
            r = cskpi::analysis::run_drivers(cfg, {}, [&](const cskpi::run_options& o) {
                return cskpi::run_report(in.input, cfg, {}, o);
            });
        }))
        return *rc;
    if (const int rc = report_warnings(r.first)) return rc;
    const auto& m = r.second;
    const std::string format = resolved_format(in.format, in.output);
    std::ofstream file;
    std::ostream* os = open_output(in.output, file);
    if (!os) return exit_usage;
    if (format == "json") {
        *os << cskpi::json_text(cskpi::analysis::drivers_json(m), 2) << '\n';
        return 0;
    }
    std::vector<std::vector<std::string>> cells = {
        {"term", "coef", "se", "z", "p", "odds_ratio", "or_ci_low", "or_ci_high"}};
    for (const auto& t : m.terms) {
        std::vector<std::string> line = {t.term};
        for (double v : {t.coef, t.se, t.z, t.p, t.odds_ratio, t.or_ci_low, t.or_ci_high})
            line.push_back(format == "csv" ? cskpi::detail::number_text(v)
                                           : cskpi::detail::fmt_fixed(v, 3));
        cells.push_back(std::move(line));
    }
    if (format == "csv") {
        write_cells(*os, cells, true, 1);
        return 0;
    }
    *os << "satisfied (csat >= satisfied_min) ~ drivers: " << m.n << " of " << m.rated
        << " rated interactions, " << m.satisfied << " satisfied";
    for (const auto& [why, k] : m.left_out) *os << "; " << k << " left out (" << why << ")";
    *os << "\nreference levels: channel " << m.reference_channel
        << (m.reference_category.empty() ? std::string() : ", category " + m.reference_category);
    if (!m.constant_terms.empty()) {
        *os << "; without variation, not fitted:";
        for (const auto& t : m.constant_terms) *os << ' ' << t;
    }
    *os << (m.converged ? ""
                        : "\nwarning: the fit did not converge (separation?): coefficients are not "
                          "reliable")
        << "\n\n";
    write_cells(*os, cells, false, 1);
    *os << "\nodds ratio > 1: more likely satisfied; p below 0.05: unlikely to be chance alone\n";
    return 0;
}

void add_repurchase_command(CLI::App& app, repurchase_inputs& in) {
    auto* cmd = add_input_command(
        app, "repurchase",
        "Satisfaction and loyalty: repurchase rate of rated interactions by rating and satisfied "
        "vs not, from an orders table (docs/SURVEYS.md)",
        in.input, in.config, "Configuration JSON (loyalty.window_days, csat, confidence)",
        in.format, in.output);
    cmd->add_option("--orders", in.orders,
                    "Orders: .csv or .jsonl with customer, ordered_at, order_value")
        ->required();
}

int run_repurchase_command(const repurchase_inputs& in) {
    std::pair<cskpi::report, cskpi::analysis::repurchase_result> r;
    cskpi::analysis::orders_table orders;
    if (auto rc = failed([&] {
            const cskpi::config cfg = load_config(in.config);
            r = cskpi::analysis::run_repurchase(
                cfg, in.orders, {},
                [&](const cskpi::run_options& o) {
                    return cskpi::run_report(in.input, cfg, {}, o);
                },
                &orders);
        }))
        return *rc;
    if (const int rc = report_warnings(r.first)) return rc;
    const auto& ol = orders.ledger;
    if (auto rc = check_side_rows(ol, "order row", in.orders)) return *rc;
    const auto& m = r.second;
    const std::string format = resolved_format(in.format, in.output);
    std::ofstream file;
    std::ostream* os = open_output(in.output, file);
    if (!os) return exit_usage;
    if (format == "json") {
        *os << cskpi::json_text(cskpi::analysis::repurchase_json(m, orders), 2) << '\n';
        return 0;
    }
    std::vector<std::vector<std::string>> cells = {
        {"rating", "rated", "repurchased", "rate", "ci_low", "ci_high"}};
    auto row = [&](const std::string& label, const cskpi::analysis::repurchase_cell& c) {
        std::vector<std::string> line = {label, std::to_string(c.rated),
                                         std::to_string(c.repurchased)};
        for (double v : {c.rate, c.ci_low, c.ci_high})
            line.push_back(format == "csv" ? cskpi::detail::number_text(v)
                                           : cskpi::present::percent(v));
        cells.push_back(std::move(line));
    };
    for (const auto& [v, c] : m.by_rating) row(std::to_string(v), c);
    row("satisfied", m.satisfied);
    row("not_satisfied", m.not_satisfied);
    if (format == "csv") {
        write_cells(*os, cells, true, 1);
        return 0;
    }
    *os << "repurchase within " << m.window_days << " days of a rated interaction (" << m.rated
        << " rated";
    if (m.rated_without_customer)
        *os << ", " << m.rated_without_customer << " without a customer left out";
    *os << "; " << ol.rows_accepted << " orders)\n\n";
    write_cells(*os, cells, false, 1);
    *os << "\nsatisfied - not satisfied: " << cskpi::present::percent(m.diff.estimate)
        << " points [" << cskpi::present::percent(m.diff.ci_low) << ", "
        << cskpi::present::percent(m.diff.ci_high)
        << "], p = " << cskpi::detail::fmt_fixed(m.diff.p, 4) << " (" << m.diff.test << ")\n";
    return 0;
}

void add_presale_command(CLI::App& app, presale_inputs& in) {
    auto* cmd = add_input_command(
        app, "presale",
        "Pre-sales attribution: inquiry buyers, paying buyers, inquiry conversion rate "
        "(询单转化率), sales and refunds credited to the last inquiry before paying, from an "
        "orders table (docs/PRESALE.md)",
        in.input, in.config, "Configuration JSON (presale, presale_category, timezone)", in.format,
        in.output);
    cmd->add_option("--orders", in.orders,
                    "Orders: .csv or .jsonl with customer, ordered_at, paid_at, order_value, "
                    "order_id, status, quantity")
        ->required();
    cmd->add_option("--by", in.by, "Grouping of the inquiries, e.g. agent,day (default: none)");
}

int run_presale_command(const presale_inputs& in) {
    std::pair<cskpi::report, cskpi::analysis::presale_result> r;
    cskpi::analysis::orders_table orders;
    cskpi::config cfg;
    if (auto rc = failed([&] {
            cfg = load_config(in.config);
            const auto by = in.by.empty() ? std::vector<cskpi::group_key>{}
                                          : cskpi::parse_group_keys(split_keys(in.by));
            r = cskpi::analysis::run_presale(
                cfg, in.orders, by, {},
                [&](const cskpi::run_options& o) {
                    return cskpi::run_report(in.input, cfg, {}, o);
                },
                &orders);
        }))
        return *rc;
    if (const int rc = report_warnings(r.first)) return rc;
    const auto& ol = orders.ledger;
    if (auto rc = check_side_rows(ol, "order row", in.orders)) return *rc;
    const auto& m = r.second;
    const std::string format = resolved_format(in.format, in.output);
    std::ofstream file;
    std::ostream* os = open_output(in.output, file);
    if (!os) return exit_usage;
    if (format == "json") {
        *os << cskpi::json_text(cskpi::analysis::presale_json(m, orders, cfg), 2) << '\n';
        return 0;
    }
    const auto& names = cskpi::analysis::presale_columns();
    std::vector<std::vector<std::string>> cells(1);
    for (auto k : m.by) cells[0].emplace_back(cskpi::name_of(k));
    cells[0].insert(cells[0].end(), names.begin(), names.end());
    auto row = [&](std::vector<std::string> line, const cskpi::analysis::presale_cell& c) {
        const auto v = cskpi::analysis::presale_values(c);
        for (std::size_t i = 0; i < v.size(); ++i) {
            const bool share = names[i] == "inquiry_conversion_rate" || names[i] == "ci_low" ||
                               names[i] == "ci_high" || names[i] == "refund_rate";
            const bool count = names[i].ends_with("buyers") || names[i].ends_with("orders");
            line.push_back(format == "csv" || count ? cskpi::detail::number_text(v[i])
                           : std::isnan(v[i])       ? std::string("-")
                           : share                  ? cskpi::present::percent(v[i])
                                                    : cskpi::detail::fmt_fixed(v[i], 2));
        }
        cells.push_back(std::move(line));
    };
    for (std::size_t g = 0; g < m.groups.size(); ++g) {
        std::vector<std::string> keys;
        for (const auto& l : m.labels[g]) keys.push_back(l ? *l : format == "csv" ? "" : "(none)");
        row(std::move(keys), m.groups[g]);
    }
    if (format == "csv") {
        write_cells(*os, cells, true, m.by.size());
        return 0;
    }
    if (!m.by.empty()) row(std::vector<std::string>(m.by.size(), "(overall)"), m.overall);
    *os << "pre-sales attribution: " << m.inquiry_rows << " inquiries";
    if (m.inquiries_without_customer)
        *os << " (" << m.inquiries_without_customer << " without a customer left out)";
    *os << "; " << ol.rows_accepted << " orders, " << m.orders_paid << " paid, "
        << m.paid_unattributed << " paid without an inquiry in the window; "
        << m.buyers_without_interactions << " buyers in orders never in the interactions\n\n";
    write_cells(*os, cells, false, m.by.size());
    return 0;
}

void add_reconcile_command(CLI::App& app, reconcile_inputs& in) {
    auto* cmd = app.add_subcommand(
        "reconcile",
        "Compare cskpi's per-interaction facts with a vendor's export: per metric, the "
        "interactions whose values differ, each with an explanation (docs/RECONCILE.md)");
    cmd->add_option("--facts", in.facts, "Our facts: the CSV of `cskpi facts`")->required();
    cmd->add_option("--vendor", in.vendor, "The vendor's export: .csv or .jsonl")->required();
    cmd->add_option("--key", in.key, "The facts' key column (e.g. id)")->required();
    cmd->add_option("--map", in.map,
                    "JSON: {\"key\": VENDOR_KEY, \"columns\": {FACT: VENDOR_COLUMN or {\"vendor\", "
                    "\"scale\", \"tolerance\", \"true\", \"false\", \"values\"}}}")
        ->required();
    cmd->add_option("--config", in.config, "Configuration JSON (timezone of the vendor's times)");
    cmd->add_option("--format", in.format, "json, csv (the differences) or table");
    cmd->add_option("--output", in.output, "Write to this file instead of stdout");
}

int run_reconcile_command(const reconcile_inputs& in) {
    cskpi::analysis::reconcile_result r;
    if (auto rc = failed([&] {
            const cskpi::config cfg = load_config(in.config);
            auto map = cskpi::analysis::read_reconcile_map(read_json_file(in.map), in.key, in.map);
            r = cskpi::analysis::reconcile(in.facts, in.vendor, std::move(map), cfg);
        }))
        return *rc;
    for (const auto* t : {&r.ours, &r.vendor})
        if (auto rc = check_side_rows(t->ledger, "row", t->path)) return *rc;
    const std::string format = resolved_format(in.format, in.output);
    std::ofstream file;
    std::ostream* os = open_output(in.output, file);
    if (!os) return exit_usage;
    if (format == "json") {
        *os << cskpi::json_text(cskpi::analysis::reconcile_json(r), 2) << '\n';
        return 0;
    }
    std::vector<std::vector<std::string>> diffs = {
        {"key", "metric", "ours", "vendor", "difference", "explain"}};
    for (const auto& d : r.differences)
        diffs.push_back({d.key, r.map.columns[d.column].ours, d.ours, d.vendor,
                         std::isnan(d.difference) ? "" : cskpi::detail::number_text(d.difference),
                         d.explain});
    if (format == "csv") {
        write_cells(*os, diffs, true, 2);
        return 0;
    }
    std::vector<std::vector<std::string>> summary = {
        {"metric", "vendor column", "compared", "equal", "differ", "empty ours", "empty vendor"}};
    for (std::size_t i = 0; i < r.summary.size(); ++i) {
        const auto& s = r.summary[i];
        summary.push_back({r.map.columns[i].ours, r.map.columns[i].vendor,
                           std::to_string(s.compared), std::to_string(s.equal),
                           std::to_string(s.differ), std::to_string(s.empty_ours),
                           std::to_string(s.empty_vendor)});
    }
    *os << "reconciliation of " << r.ours.path << " with " << r.vendor.path << " by " << r.map.key
        << ": " << r.ours.rows.size() - r.only_ours.size() << " interactions in both, "
        << r.only_ours.size() << " only in ours, " << r.only_vendor.size()
        << " only in the vendor's\n\n";
    write_cells(*os, summary, false, 2);
    if (diffs.size() > 1) {
        *os << '\n';
        write_cells(*os, diffs, false, 6);
    }
    return 0;
}

void add_facts_command(CLI::App& app, facts_inputs& in) {
    auto* cmd = app.add_subcommand("facts",
                                   "One CSV row per interaction with every derived fact: FRT, SLA "
                                   "state and breach, first contact, FCR, ... (docs/FACTS.md)");
    cmd->add_option("INPUT", in.input, "Interactions: .csv or .jsonl");
    cmd->add_option("--events", in.events,
                    "An event log (.csv or .jsonl) instead of INPUT: one row per derived "
                    "interaction, with rounds, waits, sessions, status durations and SLA timers");
    cmd->add_option("--presence", in.presence,
                    "With --events: the agents' presence log (docs/PRESENCE.md), for the "
                    "left_message fact");
    cmd->add_flag("--columns", in.columns, "Print the columns it writes (docs/FACTS.md) and exit");
    cmd->add_option("--config", in.config,
                    "Configuration JSON (sla, fcr, staffing.within_s, csat, privacy)");
    cmd->add_option("--output", in.output, "Write to FILE instead of stdout");
    cmd->add_option("--rejects", in.rejects,
                    "Write every rejected row (line, column, value, reason) to FILE");
    cmd->add_flag("--strict", in.strict, "Stop at the first bad row (exit 3)");
    cmd->add_option("--threads", in.threads, "Worker threads (the rows keep their input order)")
        ->check(CLI::Range(1u, 256u));
}

int run_facts_command(const facts_inputs& in) {
    if (in.columns) {
        std::cout << cskpi::analysis::facts_reference_markdown();
        return 0;
    }
    if (in.input.empty() == in.events.empty()) {
        std::cerr << "cskpi facts: give INPUT (interactions) or --events FILE (an event log)\n";
        return exit_usage;
    }
    cskpi::analysis::event_fact_table r;
    cskpi::config cfg;
    if (auto rc = failed([&] {
            cfg = load_config(in.config);
            if (in.strict) cfg.strict = true;
            cskpi::run_options opt;
            opt.threads = in.threads;
            std::ofstream rejects_file;
            if (!in.rejects.empty()) {
                open_for_people(rejects_file, in.rejects);
                if (!rejects_file)
                    throw cskpi::config_error("--rejects", "cannot write '" + in.rejects + "'");
                rejects_file << "line,column,value,reason\n";
                opt.reject_sink = [&rejects_file](const cskpi::reject& x) {
                    cskpi::write_rejects_csv_row(rejects_file, x);
                };
            }
            if (!in.events.empty()) {
                cskpi::timeline::presence_table staffed;
                if (!in.presence.empty()) {
                    staffed = cskpi::timeline::read_presence(in.presence, cfg);
                    opt.presence = &staffed;
                }
                r = cskpi::analysis::run_event_facts(in.events, cfg, opt);
                return;
            }
            auto f = cskpi::analysis::run_facts(cfg, opt, [&](const cskpi::run_options& o) {
                return cskpi::run_report(in.input, cfg, {}, o);
            });
            r.rep = std::move(f.first);
            r.rows = std::move(f.second);
        }))
        return *rc;
    if (const int rc = report_warnings(r.rep)) return rc;
    std::ofstream file;
    std::ostream* os = open_output(in.output, file);
    if (!os) return exit_usage;
    cskpi::analysis::write_facts_csv(*os, r.rows, cfg, !in.events.empty(), r.as_of);
    return 0;
}

}  // namespace cskpi_cli
