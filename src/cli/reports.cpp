// The manager's outputs of the command line: `cskpi html` (the dashboard page) and the
// workbooks of --format xlsx (docs/REPORTS.md).
#include <fstream>
#include <iostream>

#include <cskpi/report/html.hpp>
#include <cskpi/report/xlsx.hpp>

#include "common.hpp"

namespace cskpi_cli {

void write_report_workbook(const std::string& path, const std::vector<cskpi::report>& reps) {
    cskpi::xlsx::write_reports(path, reps);
}

void write_score_workbook(const std::string& path, const cskpi::score_report& sr) {
    cskpi::xlsx::workbook wb(path);
    wb.add_scores(sr);
    wb.close();
}

void write_qa_workbook(const std::string& path, const cskpi::qa::qa_report& q) {
    cskpi::xlsx::workbook wb(path);
    wb.add_qa(q);
    wb.close();
}

void add_html_command(CLI::App& app, html_inputs& in) {
    auto* cmd = app.add_subcommand(
        "html", "Write a self-contained HTML dashboard of an interactions file (docs/REPORTS.md)");
    cmd->add_option("INPUT", in.input, "Interactions: .csv or .jsonl")->required();
    cmd->add_option("--config", in.config,
                    "Configuration JSON (keys: docs/CONFIG.md); its \"scorecard\" key adds the "
                    "scorecard, \"targets\" the target statuses");
    cmd->add_option("--scorecard", in.scorecard,
                    "Scorecard JSON: adds the ranked scorecard with each KPI's points");
    cmd->add_option("--reviews", in.qa.reviews,
                    "QA reviews (.csv/.jsonl): adds QA weak spots and reviewer calibration");
    cmd->add_option("--rubric", in.qa.rubric, "Rubric JSON of the reviews (docs/QA.md)");
    cmd->add_option("--events", in.qa.events,
                    "Message events (.csv/.jsonl) for the automatic QA checks");
    cmd->add_option("--checks", in.qa.checks,
                    "Automatic check rules JSON (default: the rubric file's \"auto_checks\")");
    cmd->add_option("--history", in.history,
                    "An earlier input for targets split by \"history\" (docs/TARGETS.md)");
    cmd->add_option("--period", in.period,
                    "Period of the tiles' change: the last complete one against the one before")
        ->check(CLI::IsMember({"day", "week", "month"}));
    cmd->add_option("--lang", in.lang, "Language of the page's labels (data stays as read)")
        ->check(CLI::IsMember({"en", "zh"}));
    cmd->add_option("--title", in.title, "Page title (default: Customer service report)");
    cmd->add_option("--output", in.output, "The HTML file to write")->required();
    cmd->add_option("--threads", in.threads, "Worker threads")->check(CLI::Range(1u, 256u));
}

namespace {
bool write_page(const std::string& path, const std::string& page) {
    std::ofstream out(path, std::ios::binary);
    out << page;
    out.close();
    if (!out) std::cerr << "cskpi: cannot write '" << path << "'\n";
    return static_cast<bool>(out);
}
}  // namespace

int run_html_command(const html_inputs& in) {
    cskpi::config cfg;
    std::optional<cskpi::scorecard> card;
    cskpi::group_key period{};
    std::optional<cskpi::analysis::targets_setup> targets;
    if (auto rc = failed([&] {
            const cskpi::json cj =
                in.config.empty() ? cskpi::json::object() : read_json_file(in.config);
            cfg = checked_config(cj);
            card = load_scorecard(in.scorecard, cj, false);
            if (cj.contains("targets")) {
                cskpi::analysis::targets_inputs ti;
                ti.history = in.history;
                targets = cskpi::analysis::targets_setup::from(ti, cj, cfg);
            }
            period = cskpi::parse_group_keys({in.period}).front();
            (void)cskpi::time_zone(cfg.timezone);
        }))
        return *rc;
    cskpi::html::page_options page;
    page.lang = in.lang;
    page.title = in.title;
    cskpi::dashboard::dashboard d;
    cskpi::run_options opt;
    opt.threads = in.threads;
    try {
        d = cskpi::dashboard::read(in.input, cfg, period, card ? &*card : nullptr, opt,
                                   targets ? &*targets : nullptr);
        if (in.qa.given()) {
            const auto set = load_reviews(in.qa, cfg, cfg.strict);
            d.qa = cskpi::qa::score_reviews(set);
            d.calibration = cskpi::qa::calibrate(set);
        }
    } catch (const cskpi::input_error& e) {
        // The page still says what went wrong: it is what a manager opens.
        std::cerr << "cskpi: " << e.what() << '\n';
        return write_page(in.output, cskpi::html::render_error(e.what(), page)) ? exit_input
                                                                                : exit_usage;
    } catch (const std::invalid_argument& e) {
        std::cerr << "cskpi: " << e.what() << '\n';
        return exit_usage;
    }
    if (!write_page(in.output, cskpi::html::render(d, page))) return exit_usage;
    return report_warnings(d.overall);
}

}  // namespace cskpi_cli
