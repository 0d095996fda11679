// The cskpi command line (spec section 7).
//   exit 0 success; 2 bad usage or configuration; 3 bad input in strict mode or unreadable file.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <malloc.h>
#include <unistd.h>

#include <cskpi/cskpi.hpp>

#include <cskpi/analysis/targets_run.hpp>

#include "common.hpp"

namespace {

using namespace cskpi_cli;

// `cskpi staffing`: history, forecast and plan per channel and interval (docs/STAFFING.md).
struct staffing_inputs {
    std::string input, config, interval, target, plan, format, output;
    unsigned threads = 1;
};

// "0.8/20s" or "80%/20" -> (share, seconds).
std::pair<double, double> parse_target(const std::string& t) {
    const auto slash = t.find('/');
    auto fail = [&] {
        return std::invalid_argument(
            "--target: expected SHARE/SECONDS such as 0.8/20s or 80%/20, got '" + t + "'");
    };
    if (slash == std::string::npos) throw fail();
    std::string a = t.substr(0, slash), b = t.substr(slash + 1);
    const bool percent = !a.empty() && a.back() == '%';
    if (percent) a.pop_back();
    if (!b.empty() && b.back() == 's') b.pop_back();
    try {
        std::size_t ia = 0, ib = 0;
        double share = std::stod(a, &ia), secs = std::stod(b, &ib);
        if (ia != a.size() || ib != b.size()) throw fail();
        if (percent) share /= 100;
        if (!(share > 0 && share < 1) || !(secs >= 0)) throw fail();
        return {share, secs};
    } catch (const std::logic_error&) {
        throw fail();
    }
}

void write_staffing_csv(std::ostream& os, const cskpi::json& rows, bool history) {
    std::vector<std::string> cols = {
        "channel",   "date",    "weekday", "time",      "arrivals",
        "aht_s",     "traffic", "agents",  "scheduled", "expected_service_level",
        "occupancy", "target",  "within_s"};
    if (history)
        for (const auto& v : cskpi::staffing::service_level_variants()) cols.push_back(v);
    for (std::size_t i = 0; i < cols.size(); ++i) os << (i ? "," : "") << cols[i];
    os << '\n';
    for (const auto& r : rows) {
        for (std::size_t i = 0; i < cols.size(); ++i) {
            if (i) os << ',';
            const auto it = r.find(cols[i]);
            if (it == r.end() || it->is_null()) continue;
            if (it->is_string())
                os << cskpi::detail::csv_field(it->get<std::string>(),
                                               cskpi::detail::is_for_people(os));
            else if (it->is_number_float())
                os << cskpi::detail::number_text(it->get<double>());
            else
                os << it->dump();
        }
        os << '\n';
    }
}

// Terminal view: the realised service level of the last week, then a heat map of scheduled
// agents (all channels) by interval x weekday from the forecast.
void write_staffing_table(std::ostream& os, const cskpi::json& j) {
    os << "Staffing from " << j["data"]["first_date"].get<std::string>() << " to "
       << j["data"]["last_date"].get<std::string>() << " (" << j["model"].get<std::string>()
       << ", target "
       << cskpi::detail::number_text(100 * j["staffing"]["service_level"].get<double>())
       << " % within " << cskpi::detail::number_text(j["staffing"]["within_s"].get<double>())
       << " s, shrinkage "
       << cskpi::detail::number_text(100 * j["staffing"]["shrinkage"].get<double>()) << " %)\n\n";
    std::vector<std::vector<std::string>> sl = {{"last 7 days", "offered", "of answered",
                                                 "excl. abandoned", "excl. short ab.",
                                                 "short ab. met"}};
    for (const auto& [ch, v] : j["last_week"].items()) {
        std::vector<std::string> row = {ch};
        for (const auto& name : cskpi::staffing::service_level_variants()) {
            const auto& x = v[name]["value"];
            char b[32];
            std::snprintf(b, sizeof b, "%.1f %%", x.is_null() ? 0.0 : 100 * x.get<double>());
            row.push_back(x.is_null() ? "-" : b);
        }
        sl.push_back(row);
    }
    cskpi::detail::write_grid(os, sl);
    os << "\nSettings per channel (staffing.channels over the defaults; AHT factor of concurrent "
          "channels)\n";
    std::vector<std::vector<std::string>> ch = {{"channel", "target", "within", "shrinkage",
                                                 "max occupancy", "model", "at once",
                                                 "AHT factor"}};
    auto pct = [](double v) { return cskpi::detail::number_text(100 * v) + " %"; };
    for (const auto& [name, c] : j["channels"].items()) {
        std::string at_once = "1", factor = "-";
        if (c.contains("concurrency")) {
            at_once = cskpi::detail::number_text(c["concurrency"]["concurrency"].get<double>());
            char b[64];
            std::snprintf(b, sizeof b, "%.3f (%s)", c["concurrency"]["factor"].get<double>(),
                          c["concurrency"]["source"].get<std::string>().c_str());
            factor = b;
        }
        ch.push_back({name, pct(c["service_level"].get<double>()),
                      cskpi::detail::number_text(c["within_s"].get<double>()) + " s",
                      pct(c["shrinkage"].get<double>()), pct(c["max_occupancy"].get<double>()),
                      c["model"].get<std::string>(), at_once, factor});
    }
    cskpi::detail::write_grid(os, ch);
    std::map<std::string, std::array<long long, 7>> heat;
    for (const auto& f : j["forecast"]) {
        auto& cells = heat[f["time"].get<std::string>()];
        if (!f["scheduled"].is_null())
            cells[f["weekday"].get<int>() - 1] += f["scheduled"].get<long long>();
    }
    os << "\nScheduled agents by interval and weekday (forecast: mean of the last "
       << j["staffing"]["weeks"].get<int>() << " weeks, all channels)\n";
    std::vector<std::vector<std::string>> grid = {
        {"time", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}};
    for (const auto& [t, cells] : heat) {
        std::vector<std::string> row = {t};
        for (long long n : cells) row.push_back(n ? std::to_string(n) : ".");
        grid.push_back(row);
    }
    cskpi::detail::write_grid(os, grid);
}

int run_staffing_command(const staffing_inputs& in) {
    cskpi::json out;
    const std::string format = resolved_format(in.format, in.output);
    if (auto rc = failed([&] {
            cskpi::config cfg = load_config(in.config);
            auto& s = cfg.staffing;
            if (!in.interval.empty()) {
                cskpi::detail::read_staffing(s, cskpi::json{{"interval", in.interval}});
            }
            if (!in.target.empty()) std::tie(s.service_level, s.within_s) = parse_target(in.target);
            std::optional<std::pair<std::string, std::string>> range;
            if (!in.plan.empty()) {
                const auto comma = in.plan.find(',');
                if (comma == std::string::npos)
                    throw std::invalid_argument(
                        "--plan: expected FROM,TO dates such as 2026-03-30,2026-04-05, got '" +
                        in.plan + "'");
                range = std::pair{in.plan.substr(0, comma), in.plan.substr(comma + 1)};
            }
            cskpi::run_options opt;
            opt.threads = in.threads;
            auto [rep, result] = cskpi::staffing::run_staffing(
                cfg, opt,
                [&](const cskpi::run_options& o, const std::vector<cskpi::group_key>& by) {
                    return cskpi::run_report(in.input, cfg, by, o);
                },
                range);
            if (report_warnings(rep) != 0)
                throw cskpi::input_error(in.input, 0, "", "", "no row accepted");
            out = cskpi::staffing::plan_json(result, s);
            out["input"] = {{"path", in.input},
                            {"rows_read", rep.rows_read},
                            {"rows_accepted", rep.rows_accepted},
                            {"rows_rejected", rep.rows_rejected}};
        }))
        return *rc;
    std::ofstream file;
    std::ostream* os = open_output(in.output, file);
    if (!os) return exit_usage;
    if (format == "json")
        *os << cskpi::json_text(out, 2) << '\n';
    else if (format == "csv")
        write_staffing_csv(*os, in.plan.empty() ? out["history"] : out["plan"], in.plan.empty());
    else
        write_staffing_table(*os, out);
    return 0;
}

// `cskpi erlang`: one Erlang C (or A, with --patience) evaluation, and with --target the
// smallest staff that meets it.
struct erlang_inputs {
    double traffic = 0, aht = 0, within = 20;
    std::optional<unsigned> agents;
    std::optional<double> patience, target;
    double max_occupancy = 1.0, shrinkage = 0.0;
    std::string format;
};

cskpi::json erlang_figures_json(const cskpi::staffing::queue_figures& f, bool abandon) {
    cskpi::json j = {{"p_wait", cskpi::detail::num_or_null(f.p_wait)},
                     {"service_level", cskpi::detail::num_or_null(f.service_level)},
                     {"asa_s", cskpi::detail::num_or_null(f.asa_s)},
                     {"occupancy", cskpi::detail::num_or_null(f.occupancy)}};
    if (abandon) j["p_abandon"] = cskpi::detail::num_or_null(f.p_abandon);
    return j;
}

int run_erlang_command(const erlang_inputs& in) {
    if (!in.agents && !in.target) {
        std::cerr << "cskpi: erlang needs --agents N (evaluate a staff) or --target SHARE (find "
                     "the staff)\n";
        return exit_usage;
    }
    cskpi::json out = {{"model", in.patience ? "erlang_a" : "erlang_c"},
                       {"traffic", in.traffic},
                       {"aht_s", in.aht},
                       {"within_s", in.within}};
    if (in.patience) out["patience_s"] = *in.patience;
    if (auto rc = failed([&] {
            if (in.agents) {
                const auto f =
                    in.patience
                        ? cskpi::staffing::erlang_a(in.traffic, *in.agents, in.aht, in.within,
                                                    *in.patience)
                        : cskpi::staffing::erlang_c(in.traffic, *in.agents, in.aht, in.within);
                out["agents"] = *in.agents;
                out["figures"] = erlang_figures_json(f, in.patience.has_value());
            }
            if (in.target) {
                const auto r =
                    cskpi::staffing::required_agents(in.traffic, in.aht, *in.target, in.within,
                                                     in.max_occupancy, in.shrinkage, in.patience);
                out["required"] = {
                    {"service_level_target", *in.target},
                    {"max_occupancy", in.max_occupancy},
                    {"shrinkage", in.shrinkage},
                    {"agents", r.agents},
                    {"scheduled", r.scheduled},
                    {"figures", erlang_figures_json(r.figures, in.patience.has_value())}};
            }
        }))
        return *rc;
    if (resolved_format(in.format, "") == "json") {
        std::cout << cskpi::json_text(out, 2) << '\n';
        return 0;
    }
    auto fixed1 = [](double x) {
        char b[64];
        std::snprintf(b, sizeof b, "%.1f", x);
        return std::string(b);
    };
    auto pct = [&](const cskpi::json& x) {
        return x.is_null() ? std::string("-") : fixed1(100 * x.get<double>()) + " %";
    };
    auto line = [&](const std::string& title, const cskpi::json& f) {
        std::cout << title << ": P(wait) " << pct(f["p_wait"]) << ", service level "
                  << pct(f["service_level"]) << " within " << cskpi::detail::number_text(in.within)
                  << " s, ASA "
                  << (f["asa_s"].is_null() ? std::string("inf") : fixed1(f["asa_s"].get<double>()))
                  << " s, occupancy " << pct(f["occupancy"]);
        if (f.contains("p_abandon")) std::cout << ", P(abandon) " << pct(f["p_abandon"]);
        std::cout << '\n';
    };
    std::cout << (in.patience ? "Erlang A" : "Erlang C") << ", "
              << cskpi::detail::number_text(in.traffic) << " erlangs, AHT "
              << cskpi::detail::number_text(in.aht) << " s\n";
    if (in.agents) line(std::to_string(*in.agents) + " agents", out["figures"]);
    if (in.target) {
        const auto& r = out["required"];
        line("required " + std::to_string(r["agents"].get<unsigned>()) + " agents, scheduled " +
                 std::to_string(r["scheduled"].get<unsigned>()),
             r["figures"]);
    }
    return 0;
}

}  // namespace

// Prints the report's warnings; returns exit 3 when no row was accepted (a run that read rows
// and kept none is a failure even in lenient mode), else 0.
int cskpi_cli::report_warnings(const cskpi::report& rep) {
    for (const auto& w : rep.warnings) std::cerr << "cskpi: warning: " << w << '\n';
    if (rep.rows_read > 0 && rep.rows_rejected > 0 && rep.rows_accepted > 0)
        std::cerr << "cskpi: " << rep.rows_rejected << " of " << rep.rows_read
                  << " rows rejected (listed in the report; all of them with --rejects FILE)\n";
    return rep.rows_read > 0 && rep.rows_accepted == 0 ? exit_input : 0;
}

namespace {

int run_qa_command(const qa_inputs& q, const std::string& config_path, const std::string& by,
                   std::string format, const std::string& output, bool strict,
                   const std::string& rejects_path, double confidence) {
    cskpi::qa::qa_report rep;
    if (auto rc = failed([&] {
            const cskpi::config cfg = load_config(config_path);
            std::ofstream rejects_file;
            std::function<void(const cskpi::reject&)> sink;
            if (!rejects_path.empty()) {  // every rejected row goes to the file as it is read
                open_for_people(rejects_file, rejects_path);
                if (!rejects_file)
                    throw cskpi::config_error("--rejects", "cannot write '" + rejects_path + "'");
                rejects_file << "line,column,value,reason\n";
                sink = [&rejects_file](const cskpi::reject& r) {
                    cskpi::write_rejects_csv_row(rejects_file, r);
                };
            }
            auto set = load_reviews(q, cfg, strict || cfg.strict, sink);
            rep = cskpi::qa::score_reviews(set, confidence);
            format = resolved_format(format, output);
            if (format != "json") (void)cskpi::detail::qa_rows(rep, by, false);  // validates --by
        }))
        return *rc;
    if (auto rc = workbook_needs_output(format, output)) return *rc;
    if (format == "xlsx") {
        if (auto rc = failed([&] { write_qa_workbook(output, rep); })) return *rc;
        return 0;
    }
    std::ofstream file;
    std::ostream* os = open_output(output, file);
    if (!os) return exit_usage;
    if (format == "json")
        *os << cskpi::json_text(rep.to_json(), 2) << '\n';
    else if (format == "csv")
        rep.write_csv(*os, by);
    else
        rep.write_table(*os, by);
    return 0;
}

int run_calibrate_command(const qa_inputs& q, const std::string& config_path, std::string format,
                          const std::string& output, bool strict, std::optional<double> threshold) {
    cskpi::qa::calibration_report rep;
    if (auto rc = failed([&] {
            const cskpi::config cfg = load_config(config_path);
            rep = cskpi::qa::calibrate(load_reviews(q, cfg, strict || cfg.strict), threshold);
        }))
        return *rc;
    format = resolved_format(format, output);
    std::ofstream file;
    std::ostream* os = open_output(output, file);
    if (!os) return exit_usage;
    if (format == "json")
        *os << cskpi::json_text(rep.to_json(), 2) << '\n';
    else
        rep.write_table(*os);
    return 0;
}

// Writes the reports of one reading: one grouping as before; several as a JSON list, one CSV
// with a `grouping` column, or one table after another. Returns exit_usage on a bad --columns.
int write_reports(std::ostream& os, const std::vector<cskpi::report>& reps,
                  const std::string& format, const std::vector<std::string>& table_columns) {
    if (format == "json") {
        if (reps.size() == 1) {
            os << cskpi::json_text(reps[0].to_json(), 2) << '\n';
        } else {
            cskpi::json all = cskpi::json::array();
            for (const auto& r : reps) all.push_back(r.to_json());
            os << cskpi::json_text(all, 2) << '\n';
        }
    } else if (format == "csv") {
        if (reps.size() == 1)
            reps[0].write_csv(os);
        else
            cskpi::write_csv(os, reps);
    } else {
        try {
            for (std::size_t i = 0; i < reps.size(); ++i) {
                if (i) os << '\n';
                reps[i].write_table(os, table_columns);
            }
        } catch (const std::invalid_argument& e) {
            std::cerr << "cskpi: " << e.what() << '\n';
            return exit_usage;
        }
    }
    return 0;
}

int run_report_command(const std::string& input, const std::string& config_path,
                       const std::vector<std::string>& bys, std::string format,
                       const std::string& output, bool strict, const std::string& rejects_path,
                       unsigned threads, const qa_inputs& qa, const std::string& events,
                       const std::string& presence, const std::vector<std::string>& table_columns) {
    cskpi::config cfg;
    std::vector<std::vector<cskpi::group_key>> groupings;
    try {
        cfg = load_config(config_path);
        if (strict) cfg.strict = true;
        for (const auto& by : bys) groupings.push_back(cskpi::parse_group_keys(split_keys(by)));
        if (groupings.empty()) groupings.emplace_back();
        (void)cskpi::time_zone(cfg.timezone);
    } catch (const cskpi::config_error& e) {
        std::cerr << "cskpi: " << e.what() << '\n';
        return exit_usage;
    } catch (const std::invalid_argument& e) {
        std::cerr << "cskpi: " << (config_path.empty() ? "" : config_path + ": ") << e.what()
                  << '\n';
        return exit_usage;
    }
    format = resolved_format(format, output);
    if (auto rc = workbook_needs_output(format, output)) return *rc;

    std::ofstream rejects_file;
    cskpi::run_options opt;
    opt.threads = threads;
    if (!rejects_path.empty()) {
        open_for_people(rejects_file, rejects_path);
        if (!rejects_file) {
            std::cerr << "cskpi: cannot write rejects file '" << rejects_path << "'\n";
            return exit_usage;
        }
        rejects_file << "line,column,value,reason\n";
        opt.reject_sink = [&](const cskpi::reject& r) {
            cskpi::write_rejects_csv_row(rejects_file, r);
        };
    }
    const bool show_progress = ::isatty(2);
    if (show_progress)
        opt.progress = [](std::uint64_t done, std::uint64_t total) {
            if (total)
                std::fprintf(stderr, "\rcskpi: read %.0f MB of %.0f MB (%.0f%%)", done / 1e6,
                             total / 1e6, 100.0 * done / total);
            else
                std::fprintf(stderr, "\rcskpi: read %.0f MB", done / 1e6);
        };
    // Runs the reading step `f` under failed(), ending the progress line before any message.
    auto reading = [&](auto&& f) {
        return failed([&] {
            try {
                f();
            } catch (...) {
                if (show_progress) std::fprintf(stderr, "\n");
                throw;
            }
            if (show_progress) std::fprintf(stderr, "\r%60s\r", "");
        });
    };
    // One grouping of a file to JSON or CSV: read, then stream the groups to the output as they
    // are finalized, so memory does not grow with the number of groups.
    if (events.empty() && !qa.given() && groupings.size() == 1 &&
        (format == "json" || format == "csv")) {
        std::pair<cskpi::report, cskpi::report_state> partial;
        if (auto rc = reading([&] { partial = cskpi::run_partial(input, cfg, groupings[0], opt); }))
            return *rc;
        std::ofstream file;
        std::ostream* os = open_output(output, file);
        if (!os) return exit_usage;
        return report_warnings(
            cskpi::stream_report(std::move(partial), threads, *os, format == "json"));
    }
    std::vector<cskpi::report> reps;
    cskpi::timeline::presence_table staffed;  // --presence: read before the events need it
    if (auto rc = reading([&] {
            if (!presence.empty()) {
                staffed = cskpi::timeline::read_presence(presence, cfg);
                opt.presence = &staffed;
            }
            if (events.empty()) {
                reps = cskpi::run_reports(input, cfg, groupings,
                                          opt);  // every grouping from one reading
            } else {
                reps = cskpi::timeline::run_events_reports(events, cfg, groupings, opt);
            }
            if (qa.given()) {
                const auto scores = cskpi::qa::score_reviews(load_reviews(qa, cfg, cfg.strict));
                for (auto& rep : reps) cskpi::qa::join_qa(rep, scores);
            }
        }))
        return *rc;
    if (format == "xlsx") {
        if (auto rc = failed([&] { write_report_workbook(output, reps); })) return *rc;
        return report_warnings(reps.front());
    }
    std::ofstream file;
    std::ostream* os = open_output(output, file);
    if (!os) return exit_usage;
    if (const int rc = write_reports(*os, reps, format, table_columns)) return rc;
    return report_warnings(reps.front());
}

int run_score_command(const std::string& input, const std::string& events,
                      const std::string& config_path, const std::string& card_path,
                      const std::string& by, std::string format, const std::string& output,
                      bool strict, unsigned threads, const std::string& explain, bool teams,
                      const qa_inputs& qa, const std::string& report_path,
                      const std::vector<std::string>& report_by) {
    cskpi::config cfg;
    cskpi::scorecard card;
    std::optional<cskpi::analysis::targets_setup> targets;  // the targets on the scorecard's KPIs
    try {
        const cskpi::json cj =
            config_path.empty() ? cskpi::json::object() : read_json_file(config_path);
        cfg = checked_config(cj);
        if (strict) cfg.strict = true;
        card = *load_scorecard(card_path, cj, true);
        if (!by.empty()) card.by = cskpi::parse_group_keys(split_keys(by));
        if (cj.contains("targets") && events.empty()) {
            targets = cskpi::analysis::targets_setup::from({}, cj, cfg);
            targets->card = card;
            auto& ts = targets->tc.targets;
            ts.erase(std::remove_if(ts.begin(), ts.end(),
                                    [&](const auto& t) {
                                        return std::none_of(
                                            card.kpis.begin(), card.kpis.end(),
                                            [&](const auto& k) { return k.metric == t.metric; });
                                    }),
                     ts.end());
            if (ts.empty()) targets.reset();
        }
        (void)cskpi::time_zone(cfg.timezone);
    } catch (const std::invalid_argument& e) {
        std::cerr << "cskpi: " << e.what() << '\n';
        return exit_usage;
    }
    format = resolved_format(format, output);
    if (auto rc = workbook_needs_output(format, output)) return *rc;
    cskpi::run_options opt;
    opt.threads = threads;
    std::vector<std::vector<cskpi::group_key>> report_bys;
    if (!report_path.empty()) {
        try {
            for (const auto& b : report_by)
                report_bys.push_back(cskpi::parse_group_keys(split_keys(b)));
        } catch (const std::invalid_argument& e) {
            std::cerr << "cskpi: --report-by: " << e.what() << '\n';
            return exit_usage;
        }
        if (report_bys.empty()) report_bys.push_back(card.by);  // the scorecard's grouping
    }
    // Every grouping the scorecard needs (its own, case-mix cells, team rollups), the asked
    // reports and the targets' groupings, from one reading of INPUT or of an event log.
    std::optional<cskpi::score_plan> plan;
    try {
        plan.emplace(card, teams, report_bys);
    } catch (const std::invalid_argument& e) {
        std::cerr << "cskpi: --teams: " << e.what() << '\n';
        return exit_usage;
    }
    if (targets)
        for (const auto& g : cskpi::analysis::target_groupings(targets->tc)) plan->need.slot(g);
    cskpi::score_outcome done;
    std::optional<cskpi::analysis::targets_result> paced;
    if (auto rc = failed([&] {
            const auto& need = plan->groupings();
            std::vector<cskpi::report> reps;
            if (events.empty()) {
                cskpi::run_options once = opt;
                once.reports_only = true;  // the states become reports here
                auto partial = cskpi::run_partial_multi(input, cfg, need, once);
                const auto latest = partial.second.front().latest_created();
                reps = cskpi::detail::finish_multi(std::move(partial), need, opt.threads);
                if (targets && (latest || targets->as_of))
                    paced = targets->pace_on(reps, latest, cfg, opt);
            } else
                reps = cskpi::timeline::run_events_reports(events, cfg, need, opt);
            std::optional<cskpi::qa::qa_report> qa_scores;
            if (qa.given()) qa_scores = cskpi::qa::score_reviews(load_reviews(qa, cfg, cfg.strict));
            if (report_warnings(reps[plan->card_at.card]))
                throw cskpi::input_error(events.empty() ? input : events, 0, "", "",
                                         "no row was accepted");
            done = cskpi::finish_scores(*plan, card, reps, qa_scores ? &*qa_scores : nullptr);
        }))
        return *rc;
    const cskpi::score_report& sr = done.scores;
    if (!report_path.empty()) {  // the report beside the scores: JSON, or CSV for a .csv path
        std::ofstream rf;
        open_for_people(rf, report_path);
        if (!rf) {
            std::cerr << "cskpi: cannot write '" << report_path << "'\n";
            return exit_usage;
        }
        const bool csv =
            report_path.size() > 4 && report_path.substr(report_path.size() - 4) == ".csv";
        write_reports(rf, done.reports, csv ? "csv" : "json", {});
    }
    if (format == "xlsx" && explain.empty()) {
        if (auto rc = failed([&] { write_score_workbook(output, sr); })) return *rc;
        return 0;
    }
    std::ofstream file;
    std::ostream* os = open_output(output, file);
    if (!os) return exit_usage;
    if (!explain.empty()) {
        try {
            sr.explain(*os, explain);
        } catch (const std::invalid_argument& e) {
            std::cerr << "cskpi: " << e.what() << '\n';
            return exit_usage;
        }
        return 0;
    }
    if (format == "json") {
        cskpi::json j = cskpi::score_document(*plan, done);
        if (paced) j["targets"] = paced->to_json();  // the targets set on the scorecard's KPIs
        *os << cskpi::json_text(j, 2) << '\n';
    } else if (format == "csv") {
        sr.write_csv(*os);
    } else {
        sr.write_table(*os);
        if (teams) cskpi::write_teams_table(*os, done.teams);
    }
    return 0;
}

// `cskpi check`: every problem of a configuration (each top-level key is parsed on its own, so
// one mistake does not hide the next), then a run over INPUT showing what was read.
int run_check_command(const std::string& config_path, const std::string& input,
                      const std::string& events) {
    cskpi::json j;
    if (auto rc = failed(
            [&] { j = config_path.empty() ? cskpi::json::object() : read_json_file(config_path); }))
        return *rc;
    if (!j.is_object()) {
        std::cerr << "cskpi: config: expected a JSON object\n";
        return exit_usage;
    }
    std::vector<std::string> problems;
    cskpi::json timeline = cskpi::json::object(), base = cskpi::json::object();
    for (const auto& k :
         {"preset", "timezone"})  // what other keys are read with, when they are right
        if (j.contains(k)) try {
                (void)checked_config(cskpi::json{{k, j[k]}});
                base[k] = j[k];
            } catch (const std::invalid_argument&) {
            }
    for (const auto& [k, v] : j.items()) {
        if (std::find(cskpi::timeline_keys().begin(), cskpi::timeline_keys().end(), k) !=
            cskpi::timeline_keys().end()) {
            timeline[k] = v;
            continue;
        }
        cskpi::json one = base;
        one[k] = v;
        try {
            (void)checked_config(one);
        } catch (const std::invalid_argument& e) {
            if (std::find(problems.begin(), problems.end(), e.what()) == problems.end())
                problems.push_back(e.what());
        }
    }
    if (!timeline.empty()) {
        try {
            (void)checked_config(cskpi::merge_config(base, timeline));
        } catch (const std::invalid_argument& e) {
            problems.push_back(e.what());
        }
    }
    cskpi::config cfg;
    if (problems.empty()) {
        try {
            cfg = checked_config(j);
        } catch (const std::invalid_argument& e) {
            problems.push_back(e.what());
        }
    }
    for (const auto& p : problems) std::cerr << "cskpi: " << p << '\n';
    if (!problems.empty()) {
        std::cerr << "cskpi: " << problems.size() << " problem" << (problems.size() > 1 ? "s" : "")
                  << " in the configuration (every key: docs/CONFIG.md, or cskpi keys)\n";
        return exit_usage;
    }
    std::cout << "configuration: ok" << (cfg.preset.empty() ? "" : " (preset " + cfg.preset + ")")
              << '\n';
    if (input.empty() && events.empty()) {
        std::cout << "effective configuration:\n" << cskpi::json_text(cfg.to_json(), 2) << '\n';
        return 0;
    }
    cskpi::report rep;
    if (auto rc = failed([&] {
            rep = events.empty() ? cskpi::run_report(input, cfg, {})
                                 : cskpi::timeline::run_events_report(events, cfg, {});
        }))
        return *rc;
    std::cout << (events.empty() ? input : events) << ": " << rep.rows_read << " rows read, "
              << rep.rows_accepted << " accepted, " << rep.rows_rejected << " rejected\n";
    for (const auto& t : cskpi::top_reject_reasons(rep.rejects, 5))
        std::cout << "  rejected: " << t << '\n';
    for (std::size_t i = 0; i < rep.rejects.size() && i < 5; ++i) {
        const auto& r = rep.rejects[i];
        std::cout << "  line " << r.line << (r.column.empty() ? "" : ", column '" + r.column + "'")
                  << (r.value.empty() ? "" : ", value '" + r.value + "'") << ": " << r.reason
                  << '\n';
    }
    if (!rep.ignored_columns.empty())
        std::cout << "  ignored columns: " << cskpi::detail::join_names(rep.ignored_columns)
                  << '\n';
    for (const auto& w : rep.warnings) std::cout << "  warning: " << w << '\n';
    return rep.rows_read > 0 && rep.rows_accepted == 0 ? exit_input : 0;
}

// A bash completion script made from the commands and options themselves, so it cannot drift:
// `source <(cskpi completion)`, or save it under /etc/bash_completion.d/.
std::string bash_completion(const CLI::App& app) {
    std::string subs, cases;
    for (const auto* c : app.get_subcommands([](const CLI::App*) { return true; })) {
        subs += c->get_name() + " ";
        std::string opts = "--help";
        for (const auto* o : c->get_options())
            for (const auto& l : o->get_lnames()) opts += " --" + l;
        cases += "        " + c->get_name() + ") opts=\"" + opts + "\" ;;\n";
    }
    std::string keys;
    for (auto k : cskpi::group_key_names) keys += std::string(k) + " ";
    return "# bash completion for cskpi (generated by `cskpi completion`)\n"
           "_cskpi() {\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} "
           "cmd=${COMP_WORDS[1]} opts=\"\"\n"
           "    if [ \"$COMP_CWORD\" -eq 1 ]; then COMPREPLY=($(compgen -W \"" +
           subs +
           "--help --version\" -- \"$cur\")); return; fi\n"
           "    case $prev in\n"
           "        --by) COMPREPLY=($(compgen -W \"" +
           keys +
           "\" -- \"$cur\")); return ;;\n"
           "        --format) COMPREPLY=($(compgen -W \"json csv table xlsx markdown\" -- "
           "\"$cur\")); return ;;\n"
           "    esac\n"
           "    case $cmd in\n" +
           cases +
           "    esac\n"
           "    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\")); else "
           "COMPREPLY=($(compgen -f -- \"$cur\")); fi\n"
           "}\n"
           "complete -o filenames -F _cskpi cskpi\n";
}

}  // namespace

int run(int argc, char** argv) {
    CLI::App app{"cskpi: customer-service KPIs from interaction records"};
    app.set_version_flag("--version", std::string("cskpi ") + cskpi::version);
    app.require_subcommand(1);
    bool keep_formulas = false;
    app.add_flag("--keep-formulas", keep_formulas,
                 "Write CSV files with text cells as they are; by default a file's cells that "
                 "start with = + - @ "
                 "get a leading apostrophe so a spreadsheet does not run them (standard output is "
                 "never changed)");
    app.fallthrough();  // the flag may also follow the command

    auto* report = app.add_subcommand("report", "Compute the KPI report of an interactions file");
    std::string input, config_path, format, output, rejects;
    std::vector<std::string> by;
    bool strict = false;
    unsigned threads = 1;
    std::string events;
    auto* input_opt =
        report->add_option("INPUT", input, "Interactions: .csv, .jsonl, or - (CSV on stdin)");
    auto* events_opt = report->add_option("--events", events,
                                          "Derive the interactions from an event log (.csv/.jsonl; "
                                          "columns: docs/INPUT.md) instead of INPUT");
    input_opt->excludes(events_opt);
    std::string presence;
    report
        ->add_option("--presence", presence,
                     "Agents' presence log (agent, at, status online/offline; docs/PRESENCE.md): "
                     "rounds opening while nobody is online are messages left (留言)")
        ->needs(events_opt);
    report->callback([&] {
        if (input.empty() && events.empty()) throw CLI::RequiredError("INPUT or --events");
    });
    report->add_option("--config", config_path,
                       "Configuration JSON (keys: docs/CONFIG.md or cskpi keys)");
    const std::string key_list =
        cskpi::detail::join_names({cskpi::group_key_names.begin(), cskpi::group_key_names.end()});
    report->add_option("--by", by,
                       "Grouping keys, comma-separated: " + key_list +
                           ". "
                           "Repeat it for several groupings from one reading (JSON: a list; CSV: a "
                           "grouping column)");
    report
        ->add_option("--format", format,
                     "Output format (default: table on a terminal, json otherwise; xlsx for an "
                     "--output FILE.xlsx)")
        ->check(CLI::IsMember({"json", "csv", "table", "xlsx"}));
    report->add_option("--output", output, "Write the report to FILE instead of stdout");
    report->add_flag("--strict", strict,
                     "Stop at the first bad row (exit 3) instead of recording it");
    report->add_option("--rejects", rejects,
                       "Write every rejected row to FILE (CSV: line,column,value,reason)");
    report->add_option("--threads", threads, "Worker threads (the report is identical for every N)")
        ->check(CLI::Range(1u, 256u));
    std::string r_columns;
    report->add_option("--columns", r_columns,
                       "Table columns, comma-separated metric columns (cskpi metrics); default: "
                       "the headline columns that fit 100 characters");
    qa_inputs r_qa;
    add_qa_options(report, r_qa, false);

    auto* qa = app.add_subcommand("qa", "Score QA reviews under a rubric (docs/QA.md)");
    qa_inputs q_in;
    std::string q_config, q_by = "agent", q_format, q_output, q_rejects;
    bool q_strict = false;
    double q_conf = 0.95;
    add_qa_options(qa, q_in, true);
    qa->add_option("--config", q_config,
                   "Configuration JSON (its timezone reads reviewed_at and event times)");
    qa->add_option("--by", q_by,
                   "Roll-up the table and CSV show: agent, reviewer, item, section or review")
        ->check(CLI::IsMember({"agent", "reviewer", "item", "section", "review"}));
    qa->add_option("--format", q_format,
                   "Output format (default: table on a terminal, json otherwise; xlsx for an "
                   "--output FILE.xlsx)")
        ->check(CLI::IsMember({"json", "csv", "table", "xlsx"}));
    qa->add_option("--output", q_output, "Write to FILE instead of stdout");
    qa->add_flag("--strict", q_strict, "Stop at the first bad row (exit 3)");
    qa->add_option("--rejects", q_rejects, "Write every rejected review row to FILE (CSV)");
    qa->add_option("--confidence", q_conf, "Confidence of the agents' t intervals")
        ->check(CLI::Range(0.5, 0.9999));

    auto* cal = app.add_subcommand(
        "calibrate", "Agreement between QA reviewers of the same interactions (docs/QA.md)");
    qa_inputs c_in;
    std::string c_config, c_format, c_output;
    bool c_strict = false;
    std::optional<double> c_threshold;
    add_qa_options(cal, c_in, true);
    cal->add_option("--config", c_config, "Configuration JSON (timezone)");
    cal->add_option("--format", c_format,
                    "Output format (default: table on a terminal, json otherwise)")
        ->check(CLI::IsMember({"json", "table"}));
    cal->add_option("--output", c_output, "Write to FILE instead of stdout");
    cal->add_flag("--strict", c_strict, "Stop at the first bad row (exit 3)");
    cal->add_option("--threshold", c_threshold,
                    "Flag reviewers whose mean deviation exceeds this many points (default: the "
                    "rubric's deviation_threshold, else 10)");

    auto* explain_cmd = app.add_subcommand(
        "explain",
        "Show an interaction's events and the rule behind each derived value and SLA state");
    std::string x_id, x_events, x_config, x_presence;
    explain_cmd->add_option("ID", x_id, "The interaction_id")->required();
    explain_cmd->add_option("--events", x_events, "The event log (.csv/.jsonl)")->required();
    explain_cmd->add_option("--presence", x_presence,
                            "Agents' presence log (docs/PRESENCE.md): says which rounds opened "
                            "while nobody was online");
    explain_cmd->add_option(
        "--config", x_config,
        "Configuration JSON (timezone, events, calendars, sla_policies, as_of)");

    auto* score = app.add_subcommand(
        "score", "Rank groups on a weighted scorecard (kpis, weights, targets, normalization)");
    std::string s_input, s_config, s_card, s_by, s_format, s_output, s_explain;
    bool s_strict = false;
    unsigned s_threads = 1;
    std::string s_events;
    auto* s_input_opt =
        score->add_option("INPUT", s_input, "Interactions: .csv, .jsonl, or - (CSV on stdin)");
    auto* s_events_opt =
        score->add_option("--events", s_events,
                          "Derive the interactions from an event log (.csv/.jsonl) instead of "
                          "INPUT; timeline columns "
                          "(round_response_rate, reply_time_median, sla_*) can then be KPIs");
    s_input_opt->excludes(s_events_opt);
    score->callback([&] {
        if (s_input.empty() && s_events.empty()) throw CLI::RequiredError("INPUT or --events");
    });
    score->add_option("--scorecard", s_card, "Scorecard JSON; or a \"scorecard\" key in --config");
    score->add_option("--config", s_config,
                      "Configuration JSON (keys: docs/CONFIG.md or cskpi keys)");
    score->add_option("--by", s_by,
                      "Grouping scored (default: the scorecard's \"by\", else agent)");
    score
        ->add_option("--format", s_format,
                     "Output format (default: table on a terminal, json otherwise; xlsx for an "
                     "--output FILE.xlsx)")
        ->check(CLI::IsMember({"json", "csv", "table", "xlsx"}));
    score->add_option("--output", s_output, "Write to FILE instead of stdout");
    score->add_option("--explain", s_explain,
                      "Show how one group's score came about (its key, e.g. an agent name; keys "
                      "joined by commas)");
    score->add_flag("--strict", s_strict, "Stop at the first bad row (exit 3)");
    bool s_teams = false;
    score->add_flag("--teams", s_teams,
                    "Add team rollups: from the agents' scores and from pooled team KPIs");
    score->add_option("--threads", s_threads, "Worker threads")->check(CLI::Range(1u, 256u));
    std::string s_report;
    std::vector<std::string> s_report_by;
    score->add_option(
        "--report", s_report,
        "Also write the KPI report to FILE (JSON, or CSV for .csv), from the same reading");
    score->add_option("--report-by", s_report_by,
                      "Grouping of that report (repeat for several; default: the scorecard's)");
    qa_inputs s_qa;
    add_qa_options(score, s_qa, false);

    auto* metrics_cmd = app.add_subcommand(
        "metrics", "List every metric: name, kind, unit, report columns, definition");
    std::string m_format = "markdown";
    metrics_cmd
        ->add_option("--format", m_format,
                     "markdown (default, the text of docs/METRICS.md) or json")
        ->check(CLI::IsMember({"markdown", "json"}));

    auto* columns_cmd = app.add_subcommand(
        "columns", "List the input columns, their accepted forms and reject rules (docs/INPUT.md)");
    auto* keys_cmd = app.add_subcommand(
        "keys",
        "List every configuration key with its default, meaning and example (docs/CONFIG.md)");
    auto* check_cmd = app.add_subcommand(
        "check",
        "Check a configuration (every problem, with its key path) and, given INPUT, what it reads");
    std::string k_config, k_input, k_events;
    check_cmd->add_option("--config", k_config, "Configuration JSON")->required();
    auto* k_input_opt =
        check_cmd->add_option("INPUT", k_input, "Interactions file to read with it (.csv, .jsonl)");
    check_cmd->add_option("--events", k_events, "Event log to read with it")->excludes(k_input_opt);

    auto* staffing_cmd =
        app.add_subcommand("staffing",
                           "Arrivals, AHT, required and scheduled agents per channel and interval; "
                           "forecast and plan (docs/STAFFING.md)");
    staffing_inputs st;
    staffing_cmd->add_option("INPUT", st.input, "Interactions: .csv, .jsonl")->required();
    staffing_cmd->add_option("--config", st.config,
                             "Configuration JSON (its \"staffing\" section: docs/CONFIG.md)");
    staffing_cmd->add_option("--interval", st.interval,
                             "Interval: 15m, 30m or 60m (default: staffing.interval, 30m)");
    staffing_cmd->add_option("--target", st.target,
                             "Service-level target SHARE/SECONDS, e.g. 0.8/20s (default: "
                             "staffing.service_level/within_s)");
    staffing_cmd->add_option("--plan", st.plan,
                             "Plan the dates FROM,TO (YYYY-MM-DD, inclusive) from the forecast");
    staffing_cmd
        ->add_option(
            "--format", st.format,
            "json (everything), csv (the plan, else the history) or table (default on a terminal)")
        ->check(CLI::IsMember({"json", "csv", "table"}));
    staffing_cmd->add_option("--output", st.output, "Write to FILE instead of stdout");
    staffing_cmd->add_option("--threads", st.threads, "Worker threads")
        ->check(CLI::Range(1u, 256u));

    auto* erlang_cmd =
        app.add_subcommand("erlang",
                           "Erlang C (or A with --patience): service level, ASA and occupancy of a "
                           "staff, or the staff a target needs (docs/STAFFING.md)");
    erlang_inputs e_in;
    erlang_cmd
        ->add_option("--traffic", e_in.traffic,
                     "Offered traffic in erlangs (arrivals per second x AHT)")
        ->required();
    erlang_cmd->add_option("--aht", e_in.aht, "Average handle time, seconds")->required();
    erlang_cmd->add_option("--agents", e_in.agents, "Agents to evaluate");
    erlang_cmd->add_option("--within", e_in.within,
                           "Answer-time target of the service level, seconds (default 20)");
    erlang_cmd->add_option("--patience", e_in.patience,
                           "Mean patience in seconds: Erlang A (callers hang up)");
    erlang_cmd->add_option("--target", e_in.target,
                           "Service-level target as a share (0.8): find the agents required");
    erlang_cmd->add_option("--max-occupancy", e_in.max_occupancy,
                           "Highest occupancy allowed with --target (default 1)");
    erlang_cmd->add_option("--shrinkage", e_in.shrinkage,
                           "Share of paid time off the phones, for scheduled agents (default 0)");
    erlang_cmd
        ->add_option("--format", e_in.format,
                     "Output format (default: table on a terminal, json otherwise)")
        ->check(CLI::IsMember({"json", "table"}));

    html_inputs h_in;
    add_html_command(app, h_in);
    targets_inputs t_in;
    add_targets_command(app, t_in);
    compare_inputs cmp_in;
    add_compare_command(app, cmp_in);
    survey_inputs sv_in;
    add_survey_size_command(app, sv_in);
    pareto_inputs pa_in;
    add_pareto_command(app, pa_in);
    drivers_inputs dr_in;
    add_drivers_command(app, dr_in);
    facts_inputs fa_in;
    add_facts_command(app, fa_in);
    repurchase_inputs rp_in;
    add_repurchase_command(app, rp_in);
    presale_inputs ps_in;
    add_presale_command(app, ps_in);
    reconcile_inputs rc_in;
    add_reconcile_command(app, rc_in);
    monitor_inputs mo_in;
    add_monitor_command(app, mo_in);

    auto* completion_cmd = app.add_subcommand(
        "completion", "Print a bash completion script: source <(cskpi completion)");

    // A mistyped command would otherwise read "A subcommand is required".
    if (argc > 1 && argv[1][0] != '-') {
        std::vector<std::string> names;
        for (const auto* c : app.get_subcommands([](const CLI::App*) { return true; }))
            names.push_back(c->get_name());
        if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
            std::cerr << "cskpi: unknown command '" << argv[1] << "'"
                      << cskpi::detail::did_you_mean(argv[1], names) << "; the commands are "
                      << cskpi::detail::join_names(names) << " (cskpi --help)\n";
            return exit_usage;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : exit_usage;
    }
    neutralize_csv_files = !keep_formulas;
    if (*report)
        return run_report_command(input, config_path, by, format, output, strict, rejects, threads,
                                  r_qa, events, presence, split_keys(r_columns));
    if (*qa)
        return run_qa_command(q_in, q_config, q_by, q_format, q_output, q_strict, q_rejects,
                              q_conf);
    if (*cal)
        return run_calibrate_command(c_in, c_config, c_format, c_output, c_strict, c_threshold);
    if (*explain_cmd) {
        std::string text;
        if (auto rc = failed([&] {
                const cskpi::config cfg = load_config(x_config);
                cskpi::timeline::presence_table staffed;
                if (!x_presence.empty()) staffed = cskpi::timeline::read_presence(x_presence, cfg);
                text = cskpi::timeline::explain_interaction(
                    x_events, cfg, x_id, x_presence.empty() ? nullptr : &staffed.log);
            }))
            return *rc;
        std::cout << text;
        return 0;
    }
    if (*metrics_cmd) {
        if (m_format == "json")
            std::cout << cskpi::json_text(cskpi::metric_reference_json(), 2) << '\n';
        else
            cskpi::write_metric_reference_markdown(std::cout);
        return 0;
    }
    if (*erlang_cmd) return run_erlang_command(e_in);
    if (*app.get_subcommand("html")) return run_html_command(h_in);
    if (*app.get_subcommand("targets")) return run_targets_command(t_in);
    if (*app.get_subcommand("compare")) return run_compare_command(cmp_in);
    if (*app.get_subcommand("survey-size")) return run_survey_size_command(sv_in);
    if (*app.get_subcommand("pareto")) return run_pareto_command(pa_in);
    if (*app.get_subcommand("drivers")) return run_drivers_command(dr_in);
    if (*app.get_subcommand("facts")) return run_facts_command(fa_in);
    if (*app.get_subcommand("repurchase")) return run_repurchase_command(rp_in);
    if (*app.get_subcommand("presale")) return run_presale_command(ps_in);
    if (*app.get_subcommand("reconcile")) return run_reconcile_command(rc_in);
    if (*app.get_subcommand("monitor")) return run_monitor_command(mo_in);
    if (*staffing_cmd) return run_staffing_command(st);
    if (*completion_cmd) {
        std::cout << bash_completion(app);
        return 0;
    }
    if (*columns_cmd) {
        std::cout << cskpi::input_reference_markdown();
        return 0;
    }
    if (*keys_cmd) {
        std::cout << cskpi::config_reference_markdown();
        return 0;
    }
    if (*check_cmd) return run_check_command(k_config, k_input, k_events);
    if (*score)
        return run_score_command(s_input, s_events, s_config, s_card, s_by, s_format, s_output,
                                 s_strict, s_threads, s_explain, s_teams, s_qa, s_report,
                                 s_report_by);
    return exit_usage;
}

// Last line of defence: whatever escapes a command is reported, never an abort.
int main(int argc, char** argv) {
    // Large arrays (a state's per-group columns, sample stores) from mmap, returned whole when
    // freed. glibc's default raises the threshold after such a free, and the arrays that grow
    // later then fragment the heap: 15-30 MB more at the peak of 10 M rows in 225,000 groups.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    try {
        return run(argc, argv);
    } catch (const std::bad_alloc&) {
        std::cerr << "cskpi: out of memory\n";
        return exit_internal;
    } catch (const std::exception& e) {
        std::cerr << "cskpi: internal error (please report it with the input that caused it): "
                  << e.what() << '\n';
        return exit_internal;
    }
}
