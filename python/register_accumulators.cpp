// Partial states with one protocol (boost-histogram style): merge, +, +=, ==, repr, copy,
// pickling through the versioned JSON state, to_dict/from_dict (via JSON text).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cskpi/cskpi.hpp>

namespace py = pybind11;

namespace {

// The shared protocol for every accumulator type T with merge, ==, and JSON text in/out.
// Pickles hold what `pickled(a)` returns (JSON text unless the type has a binary form) and are
// read back by `unpickled(object)`.
template <class T, class ToJson, class FromJson, class Pickled, class Unpickled>
void accumulator_protocol(py::class_<T>& c, ToJson to_json, FromJson from_json, Pickled pickled,
                          Unpickled unpickled) {
    c.def(
         "merge", [](T& a, const T& b) -> T& { return a.merge(b); },
         py::return_value_policy::reference_internal,
         "Adds another partial state into this one (associative).")
        .def(
            "__iadd__", [](T& a, const T& b) -> T& { return a.merge(b); },
            py::return_value_policy::reference_internal)
        .def("__add__",
             [](const T& a, const T& b) {
                 if constexpr (requires { T::merged({&a, &b}); }) {
                     return T::merged({&a, &b});  // sized once for both
                 } else {
                     T c2 = a;
                     c2.merge(b);
                     return c2;
                 }
             })
        .def("__eq__", [](const T& a, const T& b) { return a == b; })
        .def("__ne__", [](const T& a, const T& b) { return !(a == b); })
        .def("__copy__", [](const T& a) { return T(a); })
        .def(
            "__deepcopy__", [](const T& a, py::dict) { return T(a); }, py::arg("memo"))
        .def("_to_json", [to_json](const T& a) { return to_json(a); })
        .def_static("_from_json", [from_json](const std::string& s) { return from_json(s); })
        .def(py::pickle([pickled](const T& a) { return py::make_tuple(pickled(a)); },
                        [unpickled](const py::tuple& t) {
                            if (t.size() != 1)
                                throw std::invalid_argument("expected a 1-tuple pickle state");
                            return unpickled(t[0]);
                        }));
}
template <class T, class ToJson, class FromJson>
void accumulator_protocol(py::class_<T>& c, ToJson to_json, FromJson from_json) {
    accumulator_protocol(c, to_json, from_json, to_json, [from_json](const py::object& o) {
        return from_json(o.cast<std::string>());
    });
}

std::string group_state_json(const cskpi::group_state& s) {
    return cskpi::json_text(nlohmann::json(s));
}
cskpi::group_state group_state_from(const std::string& s) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(s);
    } catch (const nlohmann::json::parse_error& e) {
        throw std::invalid_argument(e.what());
    }
    return j.get<cskpi::group_state>();
}

}  // namespace

void register_accumulators(py::module_& m) {
    py::class_<cskpi::group_state> gs(m, "GroupState", "Partial state of one group's metrics.");
    gs.def(py::init<>())
        .def_readonly("interactions", &cskpi::group_state::interactions)
        .def_readonly("answered", &cskpi::group_state::answered)
        .def_readonly("resolved", &cskpi::group_state::resolved)
        .def("__repr__", [](const cskpi::group_state& s) {
            return "GroupState(interactions=" + std::to_string(s.interactions) +
                   ", answered=" + std::to_string(s.answered) +
                   ", resolved=" + std::to_string(s.resolved) + ")";
        });
    accumulator_protocol(gs, group_state_json, group_state_from);

    py::class_<cskpi::report_state> rs(
        m, "ReportState",
        "Mergeable partial state of a whole report (all groups and the FCR ledger).");
    rs.def(py::init<>())
        .def_property_readonly("groups", [](const cskpi::report_state& s) { return s.groups(); })
        .def("__len__", &cskpi::report_state::size)
        .def_property_readonly("by",
                               [](const cskpi::report_state& s) {
                                   std::vector<std::string> out;
                                   for (auto k : s.by()) out.emplace_back(cskpi::name_of(k));
                                   return out;
                               })
        .def_property_readonly(
            "_config_json",
            [](const cskpi::report_state& s) { return cskpi::json_text(s.cfg().to_json()); })
        .def("__repr__",
             [](const cskpi::report_state& s) {
                 std::string by;
                 for (auto k : s.by())
                     by += (by.empty() ? "" : ",") + std::string(cskpi::name_of(k));
                 return "ReportState(by=[" + by + "], groups=" + std::to_string(s.size()) +
                        ", interactions=" + std::to_string(s.interactions()) + ")";
             })
        .def(
            "project",
            [](const cskpi::report_state& s, const std::vector<std::string>& by) {
                return s.project(cskpi::parse_group_keys(by));
            },
            py::arg("by"),
            "The state of a coarser grouping (some of this state's keys), exact: FCR, quantiles "
            "and "
            "timeline statistics as if grouped so from the start.")
        .def("_finalize",
             [](const cskpi::report_state& s) {
                 cskpi::report rep;
                 cskpi::report_state copy = s;
                 rep.cfg = s.cfg();
                 rep.by = s.by();
                 rep.groups = copy.finalize();
                 rep.rows_read = rep.rows_accepted = s.interactions();
                 return rep;
             })
        .def(
            "_km_curve",
            [](const cskpi::report_state& s, std::size_t which) {
                cskpi::report_state copy = s;
                const cskpi::survival::curve c = copy.overall_curve(which);
                py::dict d;
                d["time_s"] = c.time;
                d["survival"] = c.surv;
                d["se"] = c.se;
                d["at_risk"] = c.at_risk;
                d["events"] = c.events;
                d["n"] = c.n;
                d["censored"] = c.censored;
                return d;
            },
            py::arg("which"));
    auto state_from_text = [](const std::string& text) {
        cskpi::json j;
        try {
            j = cskpi::json::parse(text);
        } catch (const cskpi::json::parse_error& e) {
            throw std::invalid_argument(e.what());
        }
        return cskpi::report_state::from_json(j);
    };
    // Pickles (and so Dask's transfers) carry the binary form; JSON text pickled by earlier
    // versions still reads. cskpi/__init__.py's __reduce_ex__ hands the form to pickle protocol
    // 5 as an out-of-band buffer (_binary_buffer), which Dask sends without copying it.
    auto state_from = [state_from_text](const py::object& o) {
        if (py::isinstance<py::str>(o)) return state_from_text(o.cast<std::string>());
        const py::buffer_info b = py::buffer(o).request();
        const auto* p = static_cast<const std::uint8_t*>(b.ptr);
        const auto size = static_cast<std::size_t>(b.size * b.itemsize);
        py::gil_scoped_release nogil;
        return cskpi::report_state::from_binary(p, size);
    };
    accumulator_protocol(
        rs, [](const cskpi::report_state& s) { return cskpi::json_text(s.to_json()); },
        state_from_text,
        [](const cskpi::report_state& s) {
            const std::vector<std::uint8_t> b = s.to_binary();
            return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
        },
        state_from);
    rs.def("_binary_buffer", [](const cskpi::report_state& s) {
        std::vector<std::uint8_t>* v = nullptr;
        {
            py::gil_scoped_release nogil;
            v = new std::vector<std::uint8_t>(s.to_binary());
        }
        py::capsule owner(v, [](void* p) { delete static_cast<std::vector<std::uint8_t>*>(p); });
        return py::array_t<std::uint8_t>({static_cast<py::ssize_t>(v->size())}, {1}, v->data(),
                                         owner);
    });
    rs.def_static("_from_binary", state_from);
    rs.def_static(
        "_merged",
        [](const std::vector<const cskpi::report_state*>& parts) {
            py::gil_scoped_release nogil;
            return cskpi::report_state::merged(parts);
        },
        "The merge of the states, in order, as a new state (cskpi.dask's tree of merges).");
}
