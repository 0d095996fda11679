// cskpi._core: the compiled module. Only wires the areas together; each area registers itself.
#include <pybind11/pybind11.h>

#include <cskpi/error.hpp>

#include "py_text.hpp"

namespace py = pybind11;

void register_report(py::module_& m);
void register_accumulators(py::module_& m);
void register_qa(py::module_& m);
void register_staffing(py::module_& m);
void register_outputs(py::module_& m);
void register_analysis(py::module_& m);
void register_monitor(py::module_& m);

namespace {
// cskpi's two exception types as Python ValueError subclasses carrying what they name.
void register_errors(py::module_& m) {
    static py::exception<cskpi::input_error> input_exc(m, "InputError", PyExc_ValueError);
    static py::exception<cskpi::config_error> config_exc(m, "ConfigError", PyExc_ValueError);
    input_exc.doc() = "Bad input data: .file, .line (0 = none), .column, .value, .reason";
    config_exc.doc() = "Bad configuration: .key_path (e.g. 'events.session_gap_s')";
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const cskpi::input_error& e) {
            py::object x =
                py::handle(input_exc.ptr())(py_text(e.what()));  // an instance, to carry attributes
            x.attr("file") = py_text(e.file());
            x.attr("line") = e.line();
            x.attr("column") = py_text(e.column());
            x.attr("value") = py_text(e.value());
            x.attr("reason") = py_text(e.reason());
            PyErr_SetObject(input_exc.ptr(), x.ptr());
        } catch (const cskpi::config_error& e) {
            py::object x = py::handle(config_exc.ptr())(py_text(e.what()));
            x.attr("key_path") = e.path();
            PyErr_SetObject(config_exc.ptr(), x.ptr());
        } catch (const std::invalid_argument&
                     e) {  // other bad arguments: ValueError, message kept readable
            PyErr_SetObject(PyExc_ValueError, py_text(e.what()).ptr());
        }
    });
}
}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "cskpi compiled core (use the cskpi package)";
    register_errors(m);
    register_report(m);
    register_accumulators(m);
    register_qa(m);
    register_staffing(m);
    register_outputs(m);
    register_analysis(m);
    register_monitor(m);
}
