// Staffing (spec section 16): Erlang C and A, and required agents, as plain dicts.
#include <optional>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cskpi/staffing/erlang.hpp>

namespace py = pybind11;

namespace {
py::dict figures(const cskpi::staffing::queue_figures& f, bool with_abandon) {
    py::dict d;
    d["p_wait"] = f.p_wait;
    d["service_level"] = f.service_level;
    d["asa_s"] = f.asa_s;
    d["occupancy"] = f.occupancy;
    if (with_abandon) d["p_abandon"] = f.p_abandon;
    return d;
}
unsigned agent_count(long long n) {
    if (n < 0 || n > 100'000'000)
        throw py::value_error("agents must be an integer from 0 to 100000000, got " +
                              std::to_string(n));
    return static_cast<unsigned>(n);
}
}  // namespace

void register_staffing(py::module_& m) {
    // std::invalid_argument arrives in Python as ValueError (pybind11's standard translation).
    m.def(
        "erlang_c",
        [](double traffic, long long agents, double aht_s, double within_s) {
            return figures(cskpi::staffing::erlang_c(traffic, agent_count(agents), aht_s, within_s),
                           false);
        },
        py::arg("traffic"), py::arg("agents"), py::arg("aht_s"), py::arg("within_s"));
    m.def(
        "erlang_a",
        [](double traffic, long long agents, double aht_s, double within_s, double patience_s) {
            return figures(cskpi::staffing::erlang_a(traffic, agent_count(agents), aht_s, within_s,
                                                     patience_s),
                           true);
        },
        py::arg("traffic"), py::arg("agents"), py::arg("aht_s"), py::arg("within_s"),
        py::arg("patience_s"));
    m.def(
        "required_agents",
        [](double traffic, double aht_s, double service_level, double within_s,
           double max_occupancy, double shrinkage, std::optional<double> patience_s) {
            const auto r = cskpi::staffing::required_agents(traffic, aht_s, service_level, within_s,
                                                            max_occupancy, shrinkage, patience_s);
            py::dict d = figures(r.figures, patience_s.has_value());
            d["agents"] = r.agents;
            d["scheduled"] = r.scheduled;
            return d;
        },
        py::arg("traffic"), py::arg("aht_s"), py::arg("service_level"), py::arg("within_s"),
        py::arg("max_occupancy") = 1.0, py::arg("shrinkage") = 0.0,
        py::arg("patience_s") = py::none());
}
