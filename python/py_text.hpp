#pragma once
// Text from input files as Python str: bytes that are not UTF-8 become U+FFFD (as in JSON
// output), instead of a UnicodeDecodeError escaping from a report.
#include <string_view>

#include <pybind11/pybind11.h>

inline pybind11::str py_text(std::string_view s) {
    PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
    if (!o) throw pybind11::error_already_set();
    return pybind11::reinterpret_steal<pybind11::str>(o);
}
