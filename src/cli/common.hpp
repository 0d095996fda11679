#pragma once
// What the command line's source files share: exit codes, configuration and QA input loading,
// output files, and the error-to-exit-code mapping.
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cskpi/cskpi.hpp>
#include <cskpi/analysis/targets.hpp>
#include <cskpi/engine/grouping_list.hpp>
#include <cskpi/monitor/options.hpp>

namespace cskpi_cli {

constexpr int exit_usage = 2, exit_input = 3, exit_internal = 70;  // 70: EX_SOFTWARE

inline cskpi::json read_json_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw cskpi::config_error("", "cannot open '" + path + "'");
    try {
        return cskpi::json::parse(in);
    } catch (const cskpi::json::exception& e) {  // parse errors, and numbers out of range (1e400)
        throw cskpi::config_error("", "'" + path + "' is not valid JSON: " + e.what());
    }
}

// The configuration, every section checked now (section 11's keys too, even for a run that
// reads no events): a wrong key fails before any input is read.
inline cskpi::config checked_config(const cskpi::json& j) {
    cskpi::config cfg = cskpi::config::from_json(j);
    (void)cskpi::timeline::timeline_options::from_config(cfg);
    (void)cskpi::analysis::targets_config::from_json(j);
    (void)cskpi::live::monitor_options::from_config(cfg);
    return cfg;
}

// The scorecard of --scorecard FILE (the object, or its "scorecard" key), else the "scorecard"
// key of the configuration `cj`; nullopt when neither is given and `required` is false.
inline std::optional<cskpi::scorecard> load_scorecard(const std::string& card_path,
                                                      const cskpi::json& cj, bool required) {
    cskpi::json sj;
    if (!card_path.empty()) {
        sj = read_json_file(card_path);
        if (sj.is_object() && sj.contains("scorecard") && !sj.contains("kpis"))
            sj = sj["scorecard"];
    } else if (cj.is_object() && cj.contains("scorecard")) {
        sj = cj["scorecard"];
    } else if (required) {
        throw cskpi::config_error("scorecard",
                                  "required: --scorecard FILE or a \"scorecard\" key in --config");
    } else {
        return std::nullopt;
    }
    return cskpi::scorecard::from_json(sj);
}

inline cskpi::config load_config(const std::string& path) {
    return path.empty() ? cskpi::config{} : checked_config(read_json_file(path));
}

// CSV written to a file is for people (a spreadsheet opens it): formula-like text cells are
// neutralized unless the global --keep-formulas says otherwise. Standard output is for machines.
inline bool neutralize_csv_files = true;
inline bool open_for_people(std::ofstream& file, const std::string& path) {
    file.open(path);
    cskpi::detail::for_people(file, neutralize_csv_files);
    return static_cast<bool>(file);
}

// The report goes to --output FILE or stdout; nullptr (after a message) if FILE cannot be written.
inline std::ostream* open_output(const std::string& output, std::ofstream& file) {
    if (output.empty()) return &std::cout;
    open_for_people(file, output);
    if (!file) {
        std::cerr << "cskpi: cannot write '" << output << "'\n";
        return nullptr;
    }
    return &file;
}

// Without --format: a readable table on a terminal, JSON otherwise (spec section 7).
inline std::string resolved_format(const std::string& format, const std::string& output) {
    if (format.empty() && output.size() > 5 && output.substr(output.size() - 5) == ".xlsx")
        return "xlsx";
    if (!format.empty()) return format;
    return output.empty() && ::isatty(1) ? "table" : "json";
}

inline std::vector<std::string> split_keys(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string k; std::getline(ss, k, ',');) {
        const auto b = k.find_first_not_of(" \t"), e = k.find_last_not_of(" \t");  // "agent, day"
        if (b != std::string::npos) out.push_back(k.substr(b, e - b + 1));
    }
    return out;
}

// Runs `f`; after the message, bad input maps to exit 3 and bad usage or configuration to exit 2.
template <class F>
std::optional<int> failed(F&& f) {
    try {
        f();
        return std::nullopt;
    } catch (const cskpi::input_error& e) {
        std::cerr << "cskpi: " << e.what() << '\n';
        return exit_input;
    } catch (const std::invalid_argument& e) {
        std::cerr << "cskpi: " << e.what() << '\n';
        return exit_usage;
    }
}

// QA inputs shared by `qa`, `calibrate`, `report` and `score`: reviews scored under a rubric,
// optionally with automatic checks of message events.
struct qa_inputs {
    std::string reviews, rubric, events, checks;
    bool given() const { return !reviews.empty() || !events.empty(); }
};

inline void add_qa_options(CLI::App* cmd, qa_inputs& q, bool reviews_positional) {
    if (reviews_positional)
        cmd->add_option("REVIEWS", q.reviews, "QA reviews: .csv or .jsonl (columns: docs/INPUT.md)")
            ->required();
    else
        cmd->add_option(
            "--reviews", q.reviews,
            "QA reviews (.csv/.jsonl) to join as the columns qa_score, qa_reviews (by agent)");
    cmd->add_option("--rubric", q.rubric,
                    "Rubric JSON (docs/QA.md); or a \"rubric\" key in the file");
    cmd->add_option(reviews_positional ? "--events" : "--qa-events", q.events,
                    "Message events (.csv/.jsonl) for automatic transcript checks");
    cmd->add_option(
        "--checks", q.checks,
        "Automatic check rules JSON (default: the \"auto_checks\" key of the rubric file)");
}

// Throws config_error / input_error; the callers map them to exit codes.
inline cskpi::qa::review_set load_reviews(
    const qa_inputs& q, const cskpi::config& cfg, bool strict,
    std::function<void(const cskpi::reject&)> reject_sink = nullptr) {
    if (q.rubric.empty())
        throw cskpi::config_error("rubric", "--rubric FILE is required with QA reviews");
    using cskpi::table_source;
    return cskpi::qa::load_reviews(
        read_json_file(q.rubric),
        q.reviews.empty() ? std::nullopt : std::optional(table_source::file(q.reviews)),
        q.events.empty() ? std::nullopt : std::optional(table_source::file(q.events)),
        q.checks.empty() ? std::nullopt : std::optional(read_json_file(q.checks)), cfg.timezone,
        strict, &cfg.reviews_input, &cfg.events_input, std::move(reject_sink),
        cfg.rejects_show_values);
}

int report_warnings(const cskpi::report& rep);

// --format xlsx writes a file: nullopt when --output names one, else exit_usage after a message.
inline std::optional<int> workbook_needs_output(const std::string& format,
                                                const std::string& output) {
    if (format != "xlsx" || !output.empty()) return std::nullopt;
    std::cerr << "cskpi: --format xlsx needs --output FILE.xlsx\n";
    return exit_usage;
}

// Workbooks (reports.cpp): --format xlsx of report, score and qa. Throw input_error when the
// file cannot be written.
void write_report_workbook(const std::string& path, const std::vector<cskpi::report>& reps);
void write_score_workbook(const std::string& path, const cskpi::score_report& sr);
void write_qa_workbook(const std::string& path, const cskpi::qa::qa_report& q);

// `cskpi html` (reports.cpp).
struct html_inputs {
    std::string input, config, scorecard, period = "week", lang = "en", title, output, history;
    unsigned threads = 1;
    qa_inputs qa;
};
void add_html_command(CLI::App& app, html_inputs& in);
int run_html_command(const html_inputs& in);

// `cskpi targets` (analysis.cpp).
struct targets_inputs {
    std::string input, config, as_of, history, format, output;
    unsigned threads = 1;
};
void add_targets_command(CLI::App& app, targets_inputs& in);
int run_targets_command(const targets_inputs& in);

// `cskpi compare` (analysis.cpp).
struct compare_inputs {
    std::string input, config, by, periods, baseline, format, output;
    double alpha = 0.05, min_n = 30;
    unsigned threads = 1;
};
void add_compare_command(CLI::App& app, compare_inputs& in);
int run_compare_command(const compare_inputs& in);

// `cskpi survey-size` (analysis.cpp).
struct survey_inputs {
    double population = 0, margin = 0, confidence = 0.95, p = 0.5;
    std::string format;
};
void add_survey_size_command(CLI::App& app, survey_inputs& in);
int run_survey_size_command(const survey_inputs& in);

// `cskpi pareto` (analysis.cpp).
struct pareto_inputs {
    std::string input, config, by = "category", count = "complaint_rate_num", format, output;
};
void add_pareto_command(CLI::App& app, pareto_inputs& in);
int run_pareto_command(const pareto_inputs& in);

// `cskpi drivers` (analysis.cpp).
struct drivers_inputs {
    std::string input, config, format, output;
};
void add_drivers_command(CLI::App& app, drivers_inputs& in);
int run_drivers_command(const drivers_inputs& in);

// `cskpi facts` (analysis.cpp).
struct facts_inputs {
    std::string input, events, presence, config, output, rejects;
    bool strict = false, columns = false;
    unsigned threads = 1;
};
void add_facts_command(CLI::App& app, facts_inputs& in);
int run_facts_command(const facts_inputs& in);

// `cskpi repurchase` (analysis.cpp).
struct repurchase_inputs {
    std::string input, orders, config, format, output;
};
void add_repurchase_command(CLI::App& app, repurchase_inputs& in);
int run_repurchase_command(const repurchase_inputs& in);

// `cskpi reconcile` (analysis.cpp).
struct reconcile_inputs {
    std::string facts, vendor, key, map, config, format, output;
};
void add_reconcile_command(CLI::App& app, reconcile_inputs& in);
int run_reconcile_command(const reconcile_inputs& in);

// `cskpi presale` (analysis.cpp).
struct presale_inputs {
    std::string input, orders, by, config, format, output;
};
void add_presale_command(CLI::App& app, presale_inputs& in);
int run_presale_command(const presale_inputs& in);

struct monitor_inputs {
    std::string events, config, at, serve, format = "json", stdin_format = "jsonl";
    double replay = 0, duration = -1, tick = 60;
};
void add_monitor_command(CLI::App& app, monitor_inputs& in);
int run_monitor_command(const monitor_inputs& in);

}  // namespace cskpi_cli
