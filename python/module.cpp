// cskpi._core: the compiled module. Only wires the areas together; each area registers itself.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void register_report(py::module_& m);
void register_accumulators(py::module_& m);
void register_qa(py::module_& m);

PYBIND11_MODULE(_core, m) {
    m.doc() = "cskpi compiled core (use the cskpi package)";
    register_report(m);
    register_accumulators(m);
    register_qa(m);
}
