// QA reviews, calibration and agreement statistics (spec section 10).
// Reviews and message events arrive as a path, or as columns in memory (borrowed.hpp) read by
// the same reader and reject ledger as files.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cskpi/cskpi.hpp>

#include "borrowed.hpp"

namespace py = pybind11;

namespace {

// The configuration of `config_json` (empty: the defaults).
cskpi::config config_of(const std::string& config_json) {
    return cskpi::config::from_json(config_json.empty() ? cskpi::json::object()
                                                        : cskpi::json::parse(config_json));
}

// `config_json`: the configuration (its timezone, and the "reviews" and "events" import keys).
// `reviews`, `events`: None, a path or columns in memory (borrowed::table_arg).
cskpi::qa::review_set load(const std::string& rubric_json, const py::object& reviews,
                           const py::object& events, const std::string& checks_json,
                           const std::string& config_json, bool strict) {
    const cskpi::config cfg = config_of(config_json);
    std::optional<borrowed::table_arg> r, e;
    if (!reviews.is_none()) r.emplace(reviews);
    if (!events.is_none()) e.emplace(events);
    return cskpi::qa::load_reviews(
        cskpi::json::parse(rubric_json), r ? std::optional(r->src) : std::nullopt,
        e ? std::optional(e->src) : std::nullopt,
        checks_json.empty() ? std::nullopt : std::optional(cskpi::json::parse(checks_json)),
        cfg.timezone, strict, &cfg.reviews_input, &cfg.events_input, nullptr,
        cfg.rejects_show_values);
}

}  // namespace

void register_qa(py::module_& m) {
    py::class_<cskpi::qa::qa_report>(m, "QaReport")
        .def("to_json",
             [](const cskpi::qa::qa_report& q) { return cskpi::json_text(q.to_json()); });

    m.def(
        "qa_report",
        [](const std::string& rubric_json, const py::object& reviews, const py::object& events,
           const std::string& checks_json, const std::string& config_json, bool strict,
           double confidence) {
            const auto set = load(rubric_json, reviews, events, checks_json, config_json, strict);
            py::gil_scoped_release nogil;
            return cskpi::qa::score_reviews(set, confidence);
        },
        py::arg("rubric_json"), py::arg("reviews"), py::arg("events"), py::arg("checks_json"),
        py::arg("config_json"), py::arg("strict"), py::arg("confidence"));

    m.def(
        "calibrate",
        [](const std::string& rubric_json, const py::object& reviews, const py::object& events,
           const std::string& checks_json, const std::string& config_json, bool strict,
           std::optional<double> threshold) {
            const auto set = load(rubric_json, reviews, events, checks_json, config_json, strict);
            py::gil_scoped_release nogil;
            return cskpi::json_text(cskpi::qa::calibrate(set, threshold).to_json());
        },
        py::arg("rubric_json"), py::arg("reviews"), py::arg("events"), py::arg("checks_json"),
        py::arg("config_json"), py::arg("strict"), py::arg("threshold"));

    // cskpi.dask.qa_scores: each partition's rows checked alone, then every partition's rows
    // gathered in order and scored once (qa/review_rows.hpp).
    m.def(
        "qa_partition",
        [](const std::string& rubric_json, const py::object& reviews,
           const std::string& config_json) {
            const cskpi::config cfg = config_of(config_json);
            const cskpi::qa::review_set parser(
                cskpi::qa::rubric::from_json(cskpi::json::parse(rubric_json)), cfg.timezone);
            const borrowed::table_arg src(reviews);
            const auto rows = cskpi::qa::review_rows::read(parser, src.src, cfg.reviews_input,
                                                           cfg.rejects_show_values);
            const std::vector<std::uint8_t> b = rows.to_binary();
            py::list rejects;
            for (const auto& x : rows.ledger.rejects)
                rejects.append(py::make_tuple(x.line, x.column, x.value, x.reason));
            return py::make_tuple(py::bytes(reinterpret_cast<const char*>(b.data()), b.size()),
                                  rows.ledger.rows_read, rows.ledger.rows_rejected, rejects);
        },
        py::arg("rubric_json"), py::arg("reviews"), py::arg("config_json"));
    m.def(
        "qa_gather",
        [](const std::string& rubric_json, const std::string& config_json,
           const std::vector<py::bytes>& parts, bool numbered_through, double confidence) {
            const cskpi::config cfg = config_of(config_json);
            cskpi::qa::review_set set(cskpi::qa::rubric::from_json(cskpi::json::parse(rubric_json)),
                                      cfg.timezone);
            std::vector<cskpi::qa::review_rows> rows;
            for (const auto& p : parts) {
                const std::string_view b = p;
                rows.push_back(cskpi::qa::review_rows::from_binary(
                    reinterpret_cast<const std::uint8_t*>(b.data()), b.size(), set.rules()));
            }
            py::list rejects;
            cskpi::qa::gather_rows(
                set, rows, numbered_through, [&](std::size_t part, cskpi::reject why) {
                    if (!cfg.rejects_show_values) why.value.clear();
                    rejects.append(
                        py::make_tuple(part, why.line, why.column, why.value, why.reason));
                });
            return py::make_tuple(cskpi::qa::score_reviews(set, confidence), rejects);
        },
        py::arg("rubric_json"), py::arg("config_json"), py::arg("parts"),
        py::arg("numbered_through"), py::arg("confidence"));

    m.def(
        "agreement",
        [](const py::array_t<double, py::array::c_style | py::array::forcecast>& a) {
            if (a.ndim() != 2)
                throw std::invalid_argument(
                    "agreement: ratings must be 2-dimensional (units x raters)");
            const auto r = a.unchecked<2>();
            cskpi::qa::rating_matrix mtx(r.shape(0), r.shape(1));
            for (py::ssize_t i = 0; i < r.shape(0); ++i)
                for (py::ssize_t j = 0; j < r.shape(1); ++j) mtx(i, j) = r(i, j);
            return cskpi::json_text(cskpi::qa::to_json(cskpi::qa::agreement(mtx)));
        },
        py::arg("ratings"),
        "Agreement statistics of a units x raters matrix (NaN = not rated), as JSON.");

    m.def("join_qa",
          [](cskpi::report& rep, const cskpi::qa::qa_report& q) { cskpi::qa::join_qa(rep, q); });
    m.def("join_qa_teams", [](cskpi::report& by_team, const cskpi::report& by_team_agent,
                              const cskpi::qa::qa_report& q) {
        cskpi::qa::join_qa_teams(by_team, by_team_agent, q);
    });
}
