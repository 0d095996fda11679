// Manager outputs in Python: the workbook of reports (Report.to_excel), the dashboard of a file
// as its JSON (the numbers cskpi.plot draws) and as the HTML page of `cskpi html`, and targets.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cskpi/analysis/compare.hpp>
#include <cskpi/analysis/pareto.hpp>
#include <cskpi/analysis/survey.hpp>
#include <cskpi/analysis/targets_run.hpp>
#include <cskpi/qa/load.hpp>
#include <cskpi/report/html.hpp>
#include <cskpi/report/xlsx.hpp>

namespace py = pybind11;

namespace {

// The dashboard of `path`; `card_json` empty for none, reviews with their rubric for QA.
cskpi::dashboard::dashboard read_dashboard(const std::string& path, const std::string& config_json,
                                           const std::string& card_json, const std::string& period,
                                           const std::string& reviews,
                                           const std::string& rubric_json) {
    const cskpi::json root = cskpi::json::parse(config_json);
    const cskpi::config cfg = cskpi::config::from_json(root);
    std::optional<cskpi::scorecard> card;
    if (!card_json.empty()) card = cskpi::scorecard::from_json(cskpi::json::parse(card_json));
    std::optional<cskpi::analysis::targets_setup> targets;
    if (root.contains("targets")) targets = cskpi::analysis::targets_setup::from({}, root, cfg);
    const auto key = cskpi::parse_group_keys({period}).front();
    cskpi::dashboard::dashboard d;
    {
        py::gil_scoped_release release;
        d = cskpi::dashboard::read(path, cfg, key, card ? &*card : nullptr, {},
                                   targets ? &*targets : nullptr);
    }
    if (!reviews.empty()) {
        using cskpi::table_source;
        const auto set = cskpi::qa::load_reviews(
            cskpi::json::parse(rubric_json), table_source::file(reviews), std::nullopt,
            std::nullopt, cfg.timezone, cfg.strict, &cfg.reviews_input, &cfg.events_input, nullptr,
            cfg.rejects_show_values);
        d.qa = cskpi::qa::score_reviews(set);
        d.calibration = cskpi::qa::calibrate(set);
    }
    return d;
}

}  // namespace

void register_outputs(py::module_& m) {
    m.def(
        "write_excel",
        [](const std::vector<const cskpi::report*>& reps, const std::string& path) {
            std::vector<cskpi::report> copies;
            for (const auto* r : reps) copies.push_back(*r);
            cskpi::xlsx::write_reports(path, copies);
        },
        py::arg("reports"), py::arg("path"),
        "One sheet per report and the input sheet of the first (docs/REPORTS.md).");
    m.def("dashboard_json", [](const std::string& path, const std::string& config_json,
                               const std::string& card_json, const std::string& period,
                               const std::string& reviews, const std::string& rubric_json) {
        return cskpi::json_text(
            read_dashboard(path, config_json, card_json, period, reviews, rubric_json).to_json());
    });
    m.def("dashboard_html",
          [](const std::string& path, const std::string& config_json, const std::string& card_json,
             const std::string& period, const std::string& reviews, const std::string& rubric_json,
             const std::string& lang, const std::string& title) {
              cskpi::html::page_options o;
              o.lang = lang;
              o.title = title;
              return cskpi::html::render(
                  read_dashboard(path, config_json, card_json, period, reviews, rubric_json), o);
          });
}

void register_analysis(py::module_& m) {
    m.def("pareto_json", [](const cskpi::report& rep, const std::string& column) {
        return cskpi::json_text(
            cskpi::analysis::pareto_json(rep, cskpi::analysis::pareto(rep, column), column));
    });
    m.def(
        "survey_size",
        [](double population, double margin, double confidence, double p) {
            const auto r = cskpi::analysis::survey_size(population, margin, confidence, p);
            py::dict d;
            d["n0"] = r.n0;
            d["n"] = r.n;
            return d;
        },
        py::arg("population"), py::arg("margin"), py::arg("confidence") = 0.95, py::arg("p") = 0.5,
        "Ratings a satisfaction survey needs: n0 = z^2 p (1 - p) / e^2 and n with the "
        "finite-population correction.");
    m.def("compare_json", [](const std::string& path, const std::string& config_json,
                             const std::vector<std::string>& by, const std::string& periods,
                             const std::string& baseline, double alpha, double min_n) {
        const cskpi::config cfg = cskpi::config::from_json(cskpi::json::parse(config_json));
        const auto o = cskpi::analysis::make_compare_options(cskpi::parse_group_keys(by), periods,
                                                             baseline, alpha, min_n);
        cskpi::analysis::compare_result r;
        {
            py::gil_scoped_release release;
            r = cskpi::analysis::compare(path, cfg, o);
        }
        return cskpi::json_text(r.to_json());
    });
    m.def("targets_json", [](const std::string& path, const std::string& config_json,
                             const std::string& as_of, const std::string& history) {
        const cskpi::json root = cskpi::json::parse(config_json);
        const cskpi::config cfg = cskpi::config::from_json(root);
        cskpi::analysis::targets_inputs in;
        in.path = path;
        in.history = history;
        if (!as_of.empty()) in.as_of = as_of;
        cskpi::analysis::targets_result r;
        {
            py::gil_scoped_release release;
            r = cskpi::analysis::run_targets(in, root, cfg);
        }
        return cskpi::json_text(r.to_json());
    });
}
