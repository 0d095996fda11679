// Reports from paths and from in-memory columns (pandas DataFrames, numpy arrays).
// Arrays are borrowed, not copied; the GIL is released while C++ computes.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include <cskpi/analysis/event_facts.hpp>
#include <cskpi/analysis/facts.hpp>
#include <cskpi/analysis/loyalty.hpp>
#include <cskpi/analysis/presale.hpp>
#include <cskpi/analysis/reconcile.hpp>
#include <cskpi/cskpi.hpp>

#include "borrowed.hpp"
#include "py_text.hpp"

namespace py = pybind11;

namespace {

cskpi::config parse_config(const std::string& config_json, bool strict) {
    cskpi::config cfg = cskpi::config::from_json(
        config_json.empty() ? cskpi::json::object() : cskpi::json::parse(config_json));
    if (strict) cfg.strict = true;
    (void)cskpi::timeline::timeline_options::from_config(cfg);  // every section checked up front
    return cfg;
}

// Configuration, grouping and options of a run, parsed (and validated) while the GIL is held.
struct run_args {
    cskpi::config cfg;
    std::vector<cskpi::group_key> keys;
    cskpi::run_options opt;
    run_args(const std::string& config_json, const std::vector<std::string>& by, bool strict,
             unsigned threads)
        : cfg(parse_config(config_json, strict)), keys(cskpi::parse_group_keys(by)) {
        opt.threads = threads;
    }
};

// The presence log of a Python argument (None, a path, or a table_arg spec of a DataFrame), read
// under `a`'s configuration and attached to its run options.
struct presence_arg {
    std::optional<cskpi::timeline::presence_table> t;
    presence_arg(const py::object& p, run_args& a) {
        if (p.is_none()) return;
        const borrowed::table_arg in(p);
        t = cskpi::timeline::read_presence(in.src, a.cfg);
        a.opt.presence = &*t;
    }
    const cskpi::timeline::presence_log* log() const { return t ? &t->log : nullptr; }
};

// Runs `run(opt)` keeping every reject in the report (Python's Report.rejects lists them all;
// the JSON document still lists the first 1000).
template <class Run>
cskpi::report with_all_rejects(run_args& a, Run&& run) {
    std::vector<cskpi::reject> all;
    a.opt.reject_sink = [&all](const cskpi::reject& r) { all.push_back(r); };
    cskpi::report rep = run(a.opt);
    rep.rejects = std::move(all);
    return rep;
}

// Runs `run(opt, keys)` for several groupings (lists of key names), keeping every reject in
// each report, as with_all_rejects.
template <class Run>
std::vector<cskpi::report> with_all_rejects_many(run_args& a,
                                                 const std::vector<std::vector<std::string>>& bys,
                                                 Run&& run) {
    std::vector<std::vector<cskpi::group_key>> keys;
    for (const auto& b : bys) keys.push_back(cskpi::parse_group_keys(b));
    std::vector<cskpi::reject> all;
    a.opt.reject_sink = [&all](const cskpi::reject& r) { all.push_back(r); };
    auto reps = run(a.opt, keys);
    for (auto& r : reps) r.rejects = all;
    return reps;
}

// Per-interaction facts as columns (name -> numpy array or list) and each column's kind
// (fact_kind names: Python turns instants into datetimes, maybes into booleans, counts into Int64).
py::tuple fact_columns(const std::vector<cskpi::analysis::fact_row>& rows, const cskpi::config& cfg,
                       bool events, cskpi::micros as_of) {
    using K = cskpi::analysis::fact_kind;
    const std::size_t n = rows.size();
    const cskpi::analysis::fact_deriver derive(cfg);
    std::vector<cskpi::analysis::fact_values> v;
    v.reserve(n);
    for (const auto& f : rows) v.push_back(derive(f));
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    py::dict out, kinds;
    for (const auto& col : cskpi::analysis::fact_columns(events)) {
        auto cell = [&](std::size_t i) { return col.cell({rows[i], v[i], as_of}); };
        auto fill = [&](auto tag, auto get) {
            py::array_t<decltype(tag)> a(static_cast<py::ssize_t>(n));
            auto* d = a.mutable_data();
            for (std::size_t i = 0; i < n; ++i) d[i] = get(cell(i));
            out[col.name] = std::move(a);
        };
        using C = const cskpi::analysis::fact_cell&;
        switch (col.kind) {
            case K::text: {
                py::list l(n);
                for (std::size_t i = 0; i < n; ++i) {
                    const std::string_view t = cell(i).text;
                    l[i] = t.empty() ? py::object(py::none()) : py::object(py_text(t));
                }
                out[col.name] = std::move(l);
                break;
            }
            case K::integer:
                fill(std::int64_t{}, [](C c) { return c.whole; });
                break;
            case K::flag:
                fill(bool{}, [](C c) { return c.whole != 0; });
                break;
            case K::maybe:
                fill(double{},
                     [nan](C c) { return c.whole < 0 ? nan : static_cast<double>(c.whole); });
                break;
            case K::seconds:
                fill(double{}, [](C c) { return c.number; });
                break;
            case K::instant:
                fill(double{}, [nan](C c) {
                    return c.whole == cskpi::missing_us ? nan : static_cast<double>(c.whole);
                });
                break;
            case K::count:
                fill(double{}, [nan](C c) {
                    return c.whole == cskpi::missing_int ? nan : static_cast<double>(c.whole);
                });
                break;
        }
        kinds[col.name] = cskpi::analysis::name_of(col.kind);
    }
    return py::make_tuple(std::move(out), std::move(kinds));
}

// Calls go(read) without the GIL, where read(opt, by) runs a report over `data`: a path (str) or
// a frame's (columns, rows, ignored) tuple. `go` must not touch Python objects.
template <class Go>
cskpi::report over_data(const py::object& data, const cskpi::config& cfg, Go&& go) {
    using keys = std::vector<cskpi::group_key>;
    if (py::isinstance<py::str>(data)) {
        const std::string path = data.cast<std::string>();
        py::gil_scoped_release nogil;
        return go([&](const cskpi::run_options& o, const keys& by) {
            return cskpi::run_report(path, cfg, by, o);
        });
    }
    const py::tuple spec = data.cast<py::tuple>();
    const borrowed::frame bf =
        borrowed::make_frame(spec[0].cast<py::dict>(), spec[1].cast<std::size_t>(),
                             spec[2].cast<std::vector<std::string>>());
    py::gil_scoped_release nogil;  // released before bf (its Python objects) goes
    return go([&](const cskpi::run_options& o, const keys& by) {
        return cskpi::run_report(bf.f, cfg, by, o, "<DataFrame>");
    });
}

// One key column as (labels, codes): each distinct label becomes one Python str, and the
// column is a code per group (-1 = missing), so Python builds it with one numpy take.
py::tuple key_column(const cskpi::report& r, std::size_t k, std::size_t start) {
    std::unordered_map<std::string_view, std::int32_t> code_of;
    py::list labels;
    py::array_t<std::int32_t> codes(static_cast<py::ssize_t>(r.groups.size() - start));
    auto* c = codes.mutable_data();
    for (std::size_t i = start; i < r.groups.size(); ++i) {
        const auto& key = r.groups[i].keys;
        if (k >= key.size() || !key[k]) {
            *c++ = -1;
            continue;
        }
        auto [it, added] = code_of.emplace(*key[k], static_cast<std::int32_t>(code_of.size()));
        if (added) labels.append(py_text(*key[k]));
        *c++ = it->second;
    }
    return py::make_tuple(std::move(labels), std::move(codes));
}

// The groups from `start` on as DataFrame blocks, written column by column so pandas adopts
// them without a copy: (keys, names, float positions, float block, int positions, int block,
// nullable). Columns are the catalogue's metrics in spec order, each joined column replacing
// its namesake or appended. An integer column with a missing value (a suppressed group) goes
// to the float block and is named in `nullable` (Python makes it Int64).
py::tuple frame_columns(const cskpi::report& r, std::size_t start) {
    start = std::min(start, r.groups.size());
    const std::size_t rows = r.groups.size() - start;
    const auto& cat = cskpi::metric_catalogue();
    struct source {
        std::string name;
        bool extra, integer;
        std::size_t index;
    };
    std::vector<source> cols;
    for (std::size_t j = 0; j < cat.size(); ++j)
        cols.push_back({cat[j].name, false, cat[j].integer, j});
    if (!r.groups.empty())
        for (std::size_t e = 0; e < r.groups.front().extra.size(); ++e) {
            const std::string& name = r.groups.front().extra[e].first;
            auto same = std::find_if(cols.begin(), cols.end(),
                                     [&](const source& c) { return c.name == name; });
            if (same == cols.end())
                cols.push_back({name, true, false, e});
            else
                *same = {name, true, false, e};
        }
    auto value = [&](const source& c, std::size_t i) {
        const auto& g = r.groups[start + i];
        return c.extra ? g.extra[c.index].second : g.metrics[c.index];
    };
    std::vector<char> whole(cols.size());
    for (std::size_t p = 0; p < cols.size(); ++p) whole[p] = cols[p].integer;
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t p = 0; p < cols.size(); ++p)
            if (whole[p] && std::isnan(value(cols[p], i))) whole[p] = false;
    py::list names, nullable;
    std::vector<std::int64_t> float_pos, int_pos;
    for (std::size_t p = 0; p < cols.size(); ++p) {
        names.append(cols[p].name);
        if (cols[p].integer && !whole[p]) nullable.append(cols[p].name);
        (whole[p] ? int_pos : float_pos).push_back(static_cast<std::int64_t>(p));
    }
    // Tiles of groups: each group's values are read while in cache, each column written in runs.
    auto block = [&](auto tag, const std::vector<std::int64_t>& pos) {
        using T = decltype(tag);
        py::array_t<T> a({pos.size(), rows});
        T* out = a.mutable_data();
        constexpr std::size_t tile = 64;
        for (std::size_t i0 = 0; i0 < rows; i0 += tile) {
            const std::size_t i1 = std::min(rows, i0 + tile);
            for (std::size_t q = 0; q < pos.size(); ++q) {
                const source& c = cols[static_cast<std::size_t>(pos[q])];
                for (std::size_t i = i0; i < i1; ++i)
                    out[q * rows + i] = static_cast<T>(value(c, i));
            }
        }
        return a;
    };
    py::list keys;
    for (std::size_t k = 0; k < r.by.size(); ++k) keys.append(key_column(r, k, start));
    return py::make_tuple(std::move(keys), std::move(names), py::array(py::cast(float_pos)),
                          block(double{}, float_pos), py::array(py::cast(int_pos)),
                          block(std::int64_t{}, int_pos), std::move(nullable));
}

}  // namespace

void register_report(py::module_& m) {
    py::class_<cskpi::report>(m, "Report",
                              "A finished KPI report (groups of metrics: docs/METRICS.md).")
        .def_readonly("input_path", &cskpi::report::input_path)
        .def_readonly("rows_read", &cskpi::report::rows_read)
        .def_readonly("rows_accepted", &cskpi::report::rows_accepted)
        .def_readonly("rows_rejected", &cskpi::report::rows_rejected)
        .def_property_readonly("ignored_columns",
                               [](const cskpi::report& r) {
                                   py::list out;
                                   for (const auto& n : r.ignored_columns) out.append(py_text(n));
                                   return out;
                               })
        .def_readonly("warnings", &cskpi::report::warnings)
        .def(
            "to_json", [](const cskpi::report& r) { return cskpi::json_text(r.to_json()); },
            "The report as JSON text (input accounting, configuration, groups).")
        .def_property_readonly("by",
                               [](const cskpi::report& r) {
                                   std::vector<std::string> out;
                                   for (auto k : r.by) out.emplace_back(cskpi::name_of(k));
                                   return out;
                               })
        .def_property_readonly(
            "rejects",
            [](const cskpi::report& r) {
                py::list out;
                for (const auto& x : r.rejects)
                    out.append(py::make_tuple(
                        x.line,
                        x.column.empty() ? py::object(py::none()) : py::object(py_text(x.column)),
                        py_text(x.value), py_text(x.reason)));
                return out;
            })
        .def_property_readonly("_group_count",
                               [](const cskpi::report& r) { return r.groups.size(); })
        .def("_columns", &frame_columns,
             "The groups from `start` on as typed column blocks for a DataFrame (see "
             "frame_columns).");

    m.def(
        "metric_columns",
        [] {
            py::list out;
            for (const auto& c : cskpi::metric_catalogue())
                out.append(py::make_tuple(c.name, c.integer));
            return out;
        },
        "The report's metric columns in spec order, as (name, is_integer).");

    // Files and in-memory frames, finished or as a partial state: one entry point each.
    m.def("effective_config", [](const std::string& config_json) {
        // The configuration a DataFrame is read with: a preset's keys merged in, and which
        // mapped columns are the preset's (optional, unlike the user's).
        const cskpi::config cfg = parse_config(config_json, false);
        cskpi::json j = cfg.to_json();
        j["preset_columns"] = cfg.preset_columns;
        return cskpi::json_text(j);
    });
    m.def(
        "report_path",
        [](const std::string& path, const std::string& config_json,
           const std::vector<std::string>& by, bool strict, unsigned threads) {
            run_args a(config_json, by, strict, threads);
            py::gil_scoped_release nogil;
            return with_all_rejects(a, [&](const cskpi::run_options& o) {
                return cskpi::run_report(path, a.cfg, a.keys, o);
            });
        },
        py::arg("path"), py::arg("config_json"), py::arg("by"), py::arg("strict"),
        py::arg("threads"));
    // Several groupings from one reading (path or DataFrame): a list of reports, one per grouping.
    m.def(
        "reports_path",
        [](const std::string& path, const std::string& config_json,
           const std::vector<std::vector<std::string>>& bys, bool strict, unsigned threads) {
            run_args a(config_json, {}, strict, threads);
            py::gil_scoped_release nogil;
            return with_all_rejects_many(a, bys, [&](const auto& o, const auto& keys) {
                return cskpi::run_reports(path, a.cfg, keys, o);
            });
        },
        py::arg("path"), py::arg("config_json"), py::arg("bys"), py::arg("strict"),
        py::arg("threads"));
    m.def(
        "reports_frame",
        [](const py::dict& columns, std::size_t rows, const std::vector<std::string>& ignored,
           const std::string& config_json, const std::vector<std::vector<std::string>>& bys,
           bool strict, unsigned threads) {
            run_args a(config_json, {}, strict, threads);
            const borrowed::frame bf = borrowed::make_frame(columns, rows, ignored);
            py::gil_scoped_release nogil;
            return with_all_rejects_many(a, bys, [&](const auto& o, const auto& keys) {
                return cskpi::run_reports(bf.f, a.cfg, keys, o, "<DataFrame>");
            });
        },
        py::arg("columns"), py::arg("rows"), py::arg("ignored"), py::arg("config_json"),
        py::arg("bys"), py::arg("strict"), py::arg("threads"));
    m.def(
        "reports_events",
        [](const py::object& events, const std::string& config_json,
           const std::vector<std::vector<std::string>>& bys, bool strict, unsigned threads,
           const py::object& presence) {
            run_args a(config_json, {}, strict, threads);
            const presence_arg staffed(presence, a);
            const borrowed::table_arg in(events);
            py::gil_scoped_release nogil;
            return with_all_rejects_many(a, bys, [&](const auto& o, const auto& keys) {
                return cskpi::timeline::run_events_reports(in.src, a.cfg, keys, o);
            });
        },
        py::arg("events"), py::arg("config_json"), py::arg("bys"), py::arg("strict"),
        py::arg("threads"), py::arg("presence") = py::none());
    m.def(
        "report_events",
        [](const py::object& events, const std::string& config_json,
           const std::vector<std::string>& by, bool strict, unsigned threads,
           const py::object& presence) {
            run_args a(config_json, by, strict, threads);
            const presence_arg staffed(presence, a);
            const borrowed::table_arg in(events);
            py::gil_scoped_release nogil;
            return with_all_rejects(a, [&](const cskpi::run_options& o) {
                return cskpi::timeline::run_events_report(in.src, a.cfg, a.keys, o);
            });
        },
        py::arg("events"), py::arg("config_json"), py::arg("by"), py::arg("strict"),
        py::arg("threads"), py::arg("presence") = py::none());
    m.def(
        "partial_events",
        [](const py::object& events, const std::string& config_json,
           const std::vector<std::string>& by, bool strict, unsigned threads,
           const py::object& presence) {
            run_args a(config_json, by, strict, threads);
            const presence_arg staffed(presence, a);
            const borrowed::table_arg in(events);
            py::gil_scoped_release nogil;
            return cskpi::timeline::run_events_partial(in.src, a.cfg, a.keys, a.opt).second;
        },
        py::arg("events"), py::arg("config_json"), py::arg("by"), py::arg("strict"),
        py::arg("threads"), py::arg("presence") = py::none());
    m.def(
        "explain_interaction",
        [](const py::object& events, const std::string& config_json, const std::string& id,
           const py::object& presence) {
            run_args a(config_json, {}, false, 1);
            const presence_arg staffed(presence, a);
            const borrowed::table_arg in(events);
            return cskpi::timeline::explain_interaction(in.src, a.cfg, id, staffed.log());
        },
        py::arg("events"), py::arg("config_json"), py::arg("id"), py::arg("presence") = py::none());
    m.def(
        "business_seconds",
        [](const std::string& calendar_json, const py::array_t<std::int64_t>& start_us,
           const py::array_t<std::int64_t>& end_us) {
            const auto cal =
                cskpi::timeline::calendar::from_json(cskpi::json::parse(calendar_json), "calendar");
            if (start_us.size() != end_us.size())
                throw std::invalid_argument("business_seconds: start and end differ in length");
            py::array_t<double> out(start_us.size());
            auto s = start_us.unchecked<1>();
            auto e = end_us.unchecked<1>();
            auto o = out.mutable_unchecked<1>();
            for (py::ssize_t i = 0; i < s.shape(0); ++i) o(i) = cal.business_seconds(s(i), e(i));
            return out;
        },
        py::arg("calendar_json"), py::arg("start_us"), py::arg("end_us"));
    m.def(
        "partial_path",
        [](const std::string& path, const std::string& config_json,
           const std::vector<std::string>& by, bool strict, unsigned threads) {
            const run_args a(config_json, by, strict, threads);
            py::gil_scoped_release nogil;
            return cskpi::run_partial(path, a.cfg, a.keys, a.opt).second;
        },
        py::arg("path"), py::arg("config_json"), py::arg("by"), py::arg("strict"),
        py::arg("threads"));
    // A partition of a distributed run (cskpi.dask): its partial state, its accounting (a report
    // whose rows and rejects are this partition's) and the id hashes it accepted; `earlier` are
    // the hashes of ids accepted by earlier partitions that this one holds too.
    auto partition = [](run_args& a, const py::object& earlier_ids, auto&& run) {
        std::vector<std::uint64_t> earlier, accepted;
        if (!earlier_ids.is_none()) earlier = earlier_ids.cast<std::vector<std::uint64_t>>();
        if (!earlier.empty()) a.opt.earlier_ids = &earlier;
        a.opt.accepted_ids = &accepted;
        std::pair<cskpi::report, cskpi::report_state> out;
        {
            py::gil_scoped_release nogil;
            out.first = with_all_rejects(a, [&](const cskpi::run_options& o) {
                auto r = run(o);
                out.second = std::move(r.second);
                return std::move(r.first);
            });
        }
        py::array_t<std::uint64_t> ids(static_cast<py::ssize_t>(accepted.size()));
        std::copy(accepted.begin(), accepted.end(), ids.mutable_data());
        return py::make_tuple(std::move(out.second), std::move(out.first), std::move(ids));
    };
    m.def(
        "partition_path",
        // With begin and end: the records starting in those bytes of the file; the last item
        // is then the offset of the range's first record when its lines are numbered from 1.
        [partition](const std::string& path, const std::string& config_json,
                    const std::vector<std::string>& by, unsigned threads, const py::object& earlier,
                    std::optional<std::uint64_t> begin, std::optional<std::uint64_t> end) {
            run_args a(config_json, by, false, threads);
            std::optional<std::uint64_t> range_start;
            if (begin || end) {
                a.opt.byte_range.emplace(begin.value_or(0), end.value_or(UINT64_MAX));
                a.opt.range_start = &range_start;
            }
            py::tuple out = partition(a, earlier, [&](const cskpi::run_options& o) {
                return cskpi::run_partial(path, a.cfg, a.keys, o);
            });
            return py::make_tuple(out[0], out[1], out[2], py::cast(range_start));
        },
        py::arg("path"), py::arg("config_json"), py::arg("by"), py::arg("threads"),
        py::arg("earlier"), py::arg("begin") = py::none(), py::arg("end") = py::none());
    m.def(
        "partition_frame",
        [partition](const py::dict& columns, std::size_t rows,
                    const std::vector<std::string>& ignored, const std::string& config_json,
                    const std::vector<std::string>& by, unsigned threads,
                    const py::object& earlier) {
            run_args a(config_json, by, false, threads);
            const borrowed::frame bf = borrowed::make_frame(columns, rows, ignored);
            return partition(a, earlier, [&](const cskpi::run_options& o) {
                return cskpi::run_partial(bf.f, a.cfg, a.keys, o, "<DataFrame>");
            });
        },
        py::arg("columns"), py::arg("rows"), py::arg("ignored"), py::arg("config_json"),
        py::arg("by"), py::arg("threads"), py::arg("earlier"));
    // The satisfaction driver model (section 15): the report (input accounting) and the model's
    // JSON.
    m.def(
        "drivers_path",
        [](const std::string& path, const std::string& config_json, bool strict) {
            run_args a(config_json, {}, strict, 1);
            std::string model;
            cskpi::report rep;
            {
                py::gil_scoped_release nogil;
                rep = with_all_rejects(a, [&](const cskpi::run_options& o) {
                    auto r =
                        cskpi::analysis::run_drivers(a.cfg, o, [&](const cskpi::run_options& oo) {
                            return cskpi::run_report(path, a.cfg, {}, oo);
                        });
                    model = cskpi::json_text(cskpi::analysis::drivers_json(r.second));
                    return std::move(r.first);
                });
            }
            return py::make_tuple(std::move(rep), model);
        },
        py::arg("path"), py::arg("config_json"), py::arg("strict"));
    m.def(
        "drivers_frame",
        [](const py::dict& columns, std::size_t rows, const std::vector<std::string>& ignored,
           const std::string& config_json, bool strict) {
            run_args a(config_json, {}, strict, 1);
            const borrowed::frame bf = borrowed::make_frame(columns, rows, ignored);
            std::string model;
            cskpi::report rep;
            {
                py::gil_scoped_release nogil;
                rep = with_all_rejects(a, [&](const cskpi::run_options& o) {
                    auto r =
                        cskpi::analysis::run_drivers(a.cfg, o, [&](const cskpi::run_options& oo) {
                            return cskpi::run_report(bf.f, a.cfg, {}, oo, "<DataFrame>");
                        });
                    model = cskpi::json_text(cskpi::analysis::drivers_json(r.second));
                    return std::move(r.first);
                });
            }
            return py::make_tuple(std::move(rep), model);
        },
        py::arg("columns"), py::arg("rows"), py::arg("ignored"), py::arg("config_json"),
        py::arg("strict"));
    // Repurchase by satisfaction (section 15): the report (input accounting) and the result's JSON.
    m.def(
        "repurchase",
        [](const py::object& data, const std::string& orders, const std::string& config_json,
           bool strict) {
            run_args a(config_json, {}, strict, 1);
            std::string out;
            auto go = [&](auto&& run_one) {  // without the GIL: no Python objects in here
                cskpi::analysis::orders_table table;
                cskpi::report rep = with_all_rejects(a, [&](const cskpi::run_options& o) {
                    auto r = cskpi::analysis::run_repurchase(a.cfg, orders, o, run_one, &table);
                    out = cskpi::json_text(cskpi::analysis::repurchase_json(r.second, table));
                    return std::move(r.first);
                });
                return rep;
            };
            cskpi::report rep = over_data(data, a.cfg, [&](auto&& read) {
                return go([&](const cskpi::run_options& o) { return read(o, {}); });
            });
            return py::make_tuple(std::move(rep), out);
        },
        py::arg("data"), py::arg("orders"), py::arg("config_json"), py::arg("strict"));
    // Pre-sales attribution from orders: the report (input accounting) and the result's JSON.
    m.def(
        "presale",
        [](const py::object& data, const std::string& orders, const std::vector<std::string>& by,
           const std::string& config_json, bool strict) {
            run_args a(config_json, by, strict, 1);
            std::string out;
            auto go = [&](auto&& run_one) {  // without the GIL: no Python objects in here
                cskpi::analysis::orders_table table;
                cskpi::report rep = with_all_rejects(a, [&](const cskpi::run_options& o) {
                    auto r =
                        cskpi::analysis::run_presale(a.cfg, orders, a.keys, o, run_one, &table);
                    out = cskpi::json_text(cskpi::analysis::presale_json(r.second, table, a.cfg));
                    return std::move(r.first);
                });
                return rep;
            };
            cskpi::report rep = over_data(data, a.cfg, [&](auto&& read) {
                return go([&](const cskpi::run_options& o) { return read(o, {}); });
            });
            return py::make_tuple(std::move(rep), out);
        },
        py::arg("data"), py::arg("orders"), py::arg("by"), py::arg("config_json"),
        py::arg("strict"));
    // Reconciliation of facts with a vendor's export: the result's JSON.
    m.def(
        "reconcile",
        [](const std::string& facts, const std::string& vendor, const std::string& key,
           const std::string& map_json, const std::string& map_name,
           const std::string& config_json) {
            run_args a(config_json, {}, false, 1);
            py::gil_scoped_release nogil;
            auto map =
                cskpi::analysis::read_reconcile_map(cskpi::json::parse(map_json), key, map_name);
            return cskpi::json_text(cskpi::analysis::reconcile_json(
                cskpi::analysis::reconcile(facts, vendor, std::move(map), a.cfg)));
        },
        py::arg("facts"), py::arg("vendor"), py::arg("key"), py::arg("map_json"),
        py::arg("map_name"), py::arg("config_json"));
    // Per-interaction facts (section 3): the report (input accounting) and the columns.
    m.def(
        "facts",
        [](const py::object& data, const std::string& config_json, bool strict, unsigned threads) {
            run_args a(config_json, {}, strict, threads);
            std::vector<cskpi::analysis::fact_row> rows;
            cskpi::report rep = over_data(data, a.cfg, [&](auto&& read) {
                return with_all_rejects(a, [&](const cskpi::run_options& o) {
                    auto r = cskpi::analysis::run_facts(
                        a.cfg, o, [&](const cskpi::run_options& oo) { return read(oo, {}); });
                    rows = std::move(r.second);
                    return std::move(r.first);
                });
            });
            return py::make_tuple(std::move(rep), fact_columns(rows, a.cfg, false, 0));
        },
        py::arg("data"), py::arg("config_json"), py::arg("strict"), py::arg("threads"));
    m.def(
        "facts_events",
        [](const py::object& events, const std::string& config_json, bool strict, unsigned threads,
           const py::object& presence) {
            run_args a(config_json, {}, strict, threads);
            const presence_arg staffed(presence, a);
            const borrowed::table_arg in(events);
            cskpi::analysis::event_fact_table t;
            cskpi::report rep;
            {
                py::gil_scoped_release nogil;
                rep = with_all_rejects(a, [&](const cskpi::run_options& o) {
                    t = cskpi::analysis::run_event_facts(in.src, a.cfg, o);
                    return std::move(t.rep);
                });
            }
            return py::make_tuple(std::move(rep), fact_columns(t.rows, a.cfg, true, t.as_of));
        },
        py::arg("events"), py::arg("config_json"), py::arg("strict"), py::arg("threads"),
        py::arg("presence") = py::none());
    // Staffing (section 16): the report (input accounting) and history, forecast and plan as JSON.
    m.def(
        "staffing",
        [](const py::object& data, const std::string& config_json, std::optional<std::string> from,
           std::optional<std::string> to, bool strict, unsigned threads) {
            run_args a(config_json, {}, strict, threads);
            std::optional<std::pair<std::string, std::string>> range;
            if (from && to) range = std::pair{*from, *to};
            std::string out;
            cskpi::report rep = over_data(data, a.cfg, [&](auto&& read) {
                return with_all_rejects(a, [&](const cskpi::run_options& o) {
                    auto r = cskpi::staffing::run_staffing(a.cfg, o, read, range);
                    out = cskpi::json_text(cskpi::staffing::plan_json(r.second, a.cfg.staffing));
                    return std::move(r.first);
                });
            });
            return py::make_tuple(std::move(rep), out);
        },
        py::arg("data"), py::arg("config_json"), py::arg("from_date"), py::arg("to_date"),
        py::arg("strict"), py::arg("threads"));
    m.def(
        "report_frame",
        [](const py::dict& columns, std::size_t rows, const std::vector<std::string>& ignored,
           const std::string& config_json, const std::vector<std::string>& by, bool strict,
           unsigned threads) {
            run_args a(config_json, by, strict, threads);
            const borrowed::frame bf = borrowed::make_frame(columns, rows, ignored);
            py::gil_scoped_release nogil;
            return with_all_rejects(a, [&](const cskpi::run_options& o) {
                return cskpi::run_report(bf.f, a.cfg, a.keys, o, "<DataFrame>");
            });
        },
        py::arg("columns"), py::arg("rows"), py::arg("ignored"), py::arg("config_json"),
        py::arg("by"), py::arg("strict"), py::arg("threads"));
    m.def(
        "partial_frame",
        [](const py::dict& columns, std::size_t rows, const std::vector<std::string>& ignored,
           const std::string& config_json, const std::vector<std::string>& by, bool strict,
           unsigned threads) {
            const run_args a(config_json, by, strict, threads);
            const borrowed::frame bf = borrowed::make_frame(columns, rows, ignored);
            py::gil_scoped_release nogil;
            return cskpi::run_partial(bf.f, a.cfg, a.keys, a.opt, "<DataFrame>").second;
        },
        py::arg("columns"), py::arg("rows"), py::arg("ignored"), py::arg("config_json"),
        py::arg("by"), py::arg("strict"), py::arg("threads"));

    m.def(
        "scorecard_by",
        [](const std::string& card_json) {
            std::vector<std::string> out;
            for (auto k : cskpi::scorecard::from_json(cskpi::json::parse(card_json)).by)
                out.emplace_back(cskpi::name_of(k));
            return out;
        },
        "The grouping a scorecard scores (validates the scorecard).");
    // The scorecard pipeline (scorecard/pipeline.hpp), as `cskpi score` runs it: the groupings
    // to read once, then the scores from their reports.
    m.def(
        "score_groupings",
        [](const std::string& card_json, bool teams) {
            const auto card = cskpi::scorecard::from_json(cskpi::json::parse(card_json));
            const cskpi::score_plan plan(card, teams);
            std::vector<std::vector<std::string>> out;
            for (const auto& g : plan.groupings()) {
                auto& names = out.emplace_back();
                for (auto k : g) names.emplace_back(cskpi::name_of(k));
            }
            return out;
        },
        py::arg("card_json"), py::arg("teams"));
    m.def(
        "score_finish",
        [](const std::string& card_json, bool teams, const std::vector<cskpi::report>& reps,
           const std::string& explain, const cskpi::qa::qa_report* qa) {
            const auto card = cskpi::scorecard::from_json(cskpi::json::parse(card_json));
            const cskpi::score_plan plan(card, teams);
            const auto done = cskpi::finish_scores(plan, card, reps, qa);
            if (!explain.empty()) {
                std::ostringstream os;
                done.scores.explain(os, explain);
                return os.str();
            }
            return cskpi::json_text(cskpi::score_document(plan, done));
        },
        py::arg("card_json"), py::arg("teams"), py::arg("reports"), py::arg("explain") = "",
        py::arg("qa") = nullptr);
}
