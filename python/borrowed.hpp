#pragma once
// Columns of a pandas DataFrame or a dict of numpy arrays, borrowed by C++ without copying:
// the spec's columns of an interactions table (cskpi::frame) or any named columns of a
// long-form table (cskpi::column_table: reviews, message events). cskpi/_frame.py prepares each
// column as (kind, array, categories or None).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <string>
#include <vector>

#include <cskpi/input/frame.hpp>
#include <cskpi/input/table_reader.hpp>

namespace borrowed {

namespace py = pybind11;

/// Fills `col` from the prepared column `spec` of `rows` values; `keep` holds the Python
/// objects whose memory the column borrows.
inline void column(const std::string& name, const py::tuple& spec, std::size_t rows,
                   cskpi::frame_column& col, std::vector<py::object>& keep) {
    const auto kind = spec[0].cast<std::string>();
    auto require = [&](py::array arr) {
        if (static_cast<std::size_t>(arr.size()) != rows || arr.ndim() != 1 ||
            !(arr.flags() & py::array::c_style))
            throw std::invalid_argument("column '" + name +
                                        "': expected a contiguous 1-d array of " +
                                        std::to_string(rows) + " values");
        keep.push_back(arr);
        return arr.data();
    };
    using k = cskpi::frame_column::kind;
    // A str with lone surrogates has no UTF-8 form: an input error naming the cell.
    auto not_utf8 = [&](std::size_t row) {
        PyErr_Clear();
        return cskpi::input_error("<DataFrame>", row, name, "",
                                  "text with lone surrogates has no UTF-8 form");
    };
    if (kind == "text") {
        // Codes as pandas keeps them: signed integers of 1, 2, 4 or 8 bytes, read in place.
        auto arr = py::array::ensure(spec[1]);
        const auto width = arr ? arr.itemsize() : 0;
        if (!arr || arr.dtype().kind() != 'i' ||
            (width != 1 && width != 2 && width != 4 && width != 8))
            throw std::invalid_argument("column '" + name + "': expected signed integer codes");
        col.type = k::text;
        col.code_bytes = static_cast<std::uint8_t>(width);
        col.data = require(arr);
        auto cats = spec[2].cast<py::list>();
        keep.push_back(cats);
        for (auto s : cats) {
            Py_ssize_t n = 0;
            const char* p = PyUnicode_AsUTF8AndSize(s.ptr(), &n);  // cached in the str object
            if (!p) throw not_utf8(0);  // a category: no single row to name
            col.categories.emplace_back(p, static_cast<std::size_t>(n));
        }
    } else if (kind == "object") {
        // One view per row into the str objects' UTF-8 buffers (no copy for ASCII);
        // None and NaN are missing; other objects are shown with str().
        auto arr = py::array::ensure(spec[1]);
        if (!arr || arr.dtype().kind() != 'O' || static_cast<std::size_t>(arr.size()) != rows ||
            arr.ndim() != 1)
            throw std::invalid_argument("column '" + name + "': expected a 1-d object array of " +
                                        std::to_string(rows) + " values");
        keep.push_back(arr);
        col.type = k::strings;
        col.categories.resize(rows);
        auto* items = static_cast<PyObject* const*>(arr.data());
        const auto stride = arr.strides(0) / static_cast<py::ssize_t>(sizeof(PyObject*));
        for (std::size_t r = 0; r < rows; ++r) {
            PyObject* o = items[static_cast<py::ssize_t>(r) * stride];
            if (PyUnicode_Check(o)) {
                Py_ssize_t n = 0;
                const char* p = PyUnicode_AsUTF8AndSize(o, &n);
                if (!p) throw not_utf8(r + 1);
                col.categories[r] = std::string_view(p, static_cast<std::size_t>(n));
            } else if (o != Py_None && !(PyFloat_Check(o) && std::isnan(PyFloat_AsDouble(o)))) {
                py::str text = PyBool_Check(o) ? py::str(o == Py_True ? "true" : "false")
                                               : py::str(py::handle(o));
                keep.push_back(text);
                Py_ssize_t n = 0;
                const char* p = PyUnicode_AsUTF8AndSize(text.ptr(), &n);
                if (!p) throw not_utf8(r + 1);
                col.categories[r] = std::string_view(p, static_cast<std::size_t>(n));
            }
        }
    } else if (kind == "float64") {
        auto arr = py::array_t<double, py::array::c_style>::ensure(spec[1]);
        col.type = k::float64;
        col.data = require(arr);
    } else if (kind == "int64" || kind == "datetime_utc" || kind == "datetime_local") {
        auto arr = py::array_t<std::int64_t, py::array::c_style>::ensure(spec[1]);
        col.type = kind == "int64"          ? k::int64
                   : kind == "datetime_utc" ? k::datetime_utc
                                            : k::datetime_local;
        col.data = require(arr);
    } else if (kind == "bool") {
        auto arr = py::array_t<std::uint8_t, py::array::c_style>::ensure(spec[1]);
        col.type = k::boolean;
        col.data = require(arr);
    } else {
        throw std::invalid_argument("column '" + name + "': unknown kind '" + kind + "'");
    }
}

/// An interactions table: columns by spec name.
struct frame {
    cskpi::frame f;
    std::vector<py::object> keep;
};

inline frame make_frame(const py::dict& columns, std::size_t rows,
                        const std::vector<std::string>& ignored) {
    frame bf;
    bf.f.rows = rows;
    bf.f.ignored_columns = ignored;
    for (auto item : columns) {
        const auto name = item.first.cast<std::string>();
        const auto c = cskpi::column_from_name(name);
        if (!c) throw std::invalid_argument("unknown column '" + name + "'");
        column(name, item.second.cast<py::tuple>(), rows,
               bf.f.columns[static_cast<std::size_t>(*c)], bf.keep);
    }
    cskpi::trim_categories(bf.f);
    return bf;
}

/// A long-form table: every column by its own name.
struct table {
    cskpi::column_table t;
    std::vector<py::object> keep;
};

inline table make_table(const py::dict& columns, std::size_t rows) {
    table bt;
    bt.t.rows = rows;
    for (auto item : columns) {
        bt.t.names.push_back(item.first.cast<std::string>());
        column(bt.t.names.back(), item.second.cast<py::tuple>(), rows, bt.t.columns.emplace_back(),
               bt.keep);
    }
    return bt;
}

/// A long-form table argument: a path (str), or (name, columns, rows) of columns in memory as
/// cskpi/_frame.py's table_arg gives them. Not movable: `src` points into `bt`.
struct table_arg {
    table bt;
    cskpi::table_source src;

    explicit table_arg(const py::object& x) {
        if (py::isinstance<py::str>(x)) {
            src = cskpi::table_source(x.cast<std::string>());
            return;
        }
        const auto spec = x.cast<py::tuple>();
        bt = make_table(spec[1].cast<py::dict>(), spec[2].cast<std::size_t>());
        src = cskpi::table_source::memory(spec[0].cast<std::string>(), bt.t);
    }
    table_arg(const table_arg&) = delete;
    table_arg& operator=(const table_arg&) = delete;
};

}  // namespace borrowed
