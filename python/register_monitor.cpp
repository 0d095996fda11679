// The live monitor (spec section 17) for Python: cskpi.Monitor wraps this class. Events arrive
// as rows of strings in events_schema() order; snapshots leave as JSON text.
#include <atomic>
#include <memory>
#include <optional>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cskpi/monitor.hpp>

#include "py_text.hpp"

namespace py = pybind11;

namespace {
class py_monitor {
public:
    py_monitor(const std::string& config_json, bool manual)
        : cfg_(cskpi::config::from_json(cskpi::json::parse(config_json))),
          tz_(cfg_.timezone),
          m_(cfg_, manual ? cskpi::monitor::clock_fn([t = time_]() { return t->load(); })
                          : cskpi::monitor::clock_fn(cskpi::monitor::system_now)) {
        m_.on_alert([this](const cskpi::live::alert_event& e) {
            std::lock_guard lock(alerts_m_);
            alerts_.push_back(cskpi::live::to_json(e).dump());
        });
    }
    /// Feeds a row; returns (applied, why): why names the column of a rejected row.
    std::pair<bool, std::string> update(const std::vector<std::optional<std::string>>& cells) {
        cskpi::text_record r;
        r.line = ++rows_;
        r.cells = cells;
        r.cells.resize(cskpi::events_schema().columns.size());
        std::string why;
        py::gil_scoped_release nogil;
        const bool ok = m_.update_record(r, &why);
        return {ok, why};
    }
    void set_time(const std::string& at) {
        const auto t = cskpi::parse_timestamp(at, tz_);
        if (!t) throw std::invalid_argument("not a timestamp: '" + at + "'");
        time_->store(*t);
    }
    std::string snapshot_json() {
        py::gil_scoped_release nogil;
        return cskpi::live::to_json(m_.take_snapshot()).dump();
    }
    std::string prometheus() {
        py::gil_scoped_release nogil;
        return cskpi::live::to_prometheus(m_.take_snapshot());
    }
    std::vector<std::string> alerts() {
        std::lock_guard lock(alerts_m_);
        return alerts_;
    }

private:
    cskpi::config cfg_;
    cskpi::time_zone tz_;
    std::shared_ptr<std::atomic<cskpi::micros>> time_ =
        std::make_shared<std::atomic<cskpi::micros>>(0);
    cskpi::monitor m_;
    std::uint64_t rows_ = 0;
    std::mutex alerts_m_;
    std::vector<std::string> alerts_;
};
}  // namespace

void register_monitor(py::module_& m) {
    py::class_<py_monitor>(m, "Monitor")
        .def(py::init<const std::string&, bool>(), py::arg("config_json"), py::arg("manual_clock"))
        .def("update", &py_monitor::update, py::arg("cells"))
        .def("set_time", &py_monitor::set_time, py::arg("at"))
        .def("snapshot_json", &py_monitor::snapshot_json)
        .def("prometheus", &py_monitor::prometheus)
        .def("alerts", &py_monitor::alerts);
    m.def("event_columns", [] { return cskpi::events_schema().columns; });
}
