// The manager's analysis commands of the command line: `cskpi targets` (docs/TARGETS.md).
#include <fstream>
#include <iostream>

#include <cskpi/analysis/targets_run.hpp>
#include <cskpi/report/xlsx.hpp>

#include "common.hpp"

namespace cskpi_cli {

void add_targets_command(CLI::App& app, targets_inputs& in) {
    auto* cmd = app.add_subcommand("targets", "Targets and pacing: each target per quarter and month, attainment, forecast, rate needed, status (docs/TARGETS.md)");
    cmd->add_option("INPUT", in.input, "Interactions to date: .csv or .jsonl")->required();
    cmd->add_option("--config", in.config, "Configuration JSON with \"targets\" (and \"targets_tolerance\")")->required();
    cmd->add_option("--as-of", in.as_of, "The instant of the pacing (default: config \"as_of\", else the latest created_at)");
    cmd->add_option("--history", in.history, "An earlier input whose monthly shares split targets with \"split\": \"history\"");
    cmd->add_option("--format", in.format, "json, csv, table (default on a terminal) or xlsx (with --output FILE.xlsx)")
        ->check(CLI::IsMember({"json", "csv", "table", "xlsx"}));
    cmd->add_option("--output", in.output, "Write to FILE instead of stdout");
    cmd->add_option("--threads", in.threads, "Worker threads")->check(CLI::Range(1u, 256u));
}

namespace {
void write_targets_table(std::ostream& os, const cskpi::analysis::targets_result& r) {
    std::vector<std::vector<std::string>> cells = {
        {"metric", "scope", "period", "target", "actual", "attain", "elapsed", "forecast", "needed", "status"}};
    for (const auto& x : r.rows) {
        std::string scope;
        for (const auto& [k, v] : x.scope) scope += (scope.empty() ? "" : ",") + v;
        const auto kind = cskpi::present::kind_of(x.metric);
        auto val = [&](double v) { return cskpi::present::text(v, kind); };
        cells.push_back({x.metric, scope.empty() ? "(all)" : scope, x.period, val(x.target), val(x.actual),
                         cskpi::present::text(x.attainment, cskpi::present::value_kind::percent),
                         cskpi::present::text(x.elapsed, cskpi::present::value_kind::percent), val(x.forecast),
                         val(x.required_rest) + (x.unreachable ? " !" : ""), x.status});
    }
    os << "targets at " << r.as_of_text << " (tolerance " << cskpi::present::percent(r.tolerance) << ")\n";
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
    if (format == "json") *os << cskpi::json_text(res.to_json(), 2) << '\n';
    else if (format == "csv") res.write_csv(*os);
    else write_targets_table(*os, res);
    return 0;
}

}  // namespace cskpi_cli
