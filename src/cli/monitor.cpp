// `cskpi monitor`: feed an event log (or standard input) to a live monitor; print its snapshot,
// replay the log at N x speed, and serve /metrics, /snapshot and /alerts over HTTP.
#include <csignal>
#include <condition_variable>
#include <pthread.h>
#include <thread>

#include <cskpi/monitor.hpp>
#include <cskpi/monitor/http.hpp>

#include "common.hpp"

namespace cskpi_cli {

namespace {
using cskpi::micros;
using cskpi::live::event_input;

// Events of a file, validated, in time order (file order on ties).
std::vector<event_input> load_events(const std::string& path, const cskpi::config& cfg,
                                     cskpi::reject_ledger& ledger) {
    const cskpi::time_zone tz(cfg.timezone);
    std::vector<event_input> out;
    cskpi::stream_records(
        path, cskpi::events_schema().columns, {"interaction_id", "at", "from"}, ledger,
        [&](const cskpi::text_record& r) {
            cskpi::timeline::event_problem why;
            auto e = cskpi::timeline::parse_event(r, tz, why, false);
            if (!e || !r.cells[0]) {
                const std::size_t c = e ? 0 : why.column;
                ledger.rejected({r.line, cskpi::events_schema().columns[c],
                                 r.cells[c] ? cskpi::detail::clip(*r.cells[c]) : std::string(),
                                 e ? "required" : why.reason});
                return;
            }
            out.push_back(event_input::of_record(r, std::move(*e)));
            ledger.accepted();
        },
        4u << 20, cfg.events_input);
    std::stable_sort(out.begin(), out.end(),
                     [](const event_input& a, const event_input& b) { return a.e.at < b.e.at; });
    return out;
}

// host:port (port 0 = any free port).
std::pair<std::string, int> parse_address(const std::string& s) {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw std::invalid_argument("--serve: expected HOST:PORT, e.g. 127.0.0.1:9108, actual '" +
                                    s + "'");
    int port = -1;
    try {
        port = std::stoi(s.substr(colon + 1));
    } catch (const std::exception&) {
    }
    if (port < 0 || port > 65535)
        throw std::invalid_argument("--serve: the port must be 0..65535, actual '" +
                                    s.substr(colon + 1) + "'");
    return {s.substr(0, colon), port};
}

// Stops `stop` when SIGINT or SIGTERM arrives (signals are blocked in every thread and waited for
// here).
std::thread signal_watcher(std::function<void()> stop) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return std::thread([set, stop = std::move(stop)] {
        int sig = 0;
        sigwait(&set, &sig);
        stop();
    });
}

// The snapshot, with every alert event of the run and the rows read (JSON), or the Prometheus text.
void print_snapshot(const cskpi::live::snapshot& s, const cskpi::reject_ledger& ledger,
                    const std::vector<cskpi::json>& alerts, const std::string& format) {
    if (format == "prometheus") {
        std::cout << cskpi::live::to_prometheus(s);
        return;
    }
    cskpi::json j = cskpi::live::to_json(s);
    j["alert_events"] = alerts;
    j["rows_read"] = ledger.rows_read;
    j["rows_rejected"] = ledger.rows_rejected;
    j["rejects"] = cskpi::json::array();
    for (std::size_t i = 0; i < ledger.rejects.size() && i < 20; ++i) {
        const auto& r = ledger.rejects[i];
        j["rejects"].push_back(
            {{"line", r.line}, {"column", r.column}, {"value", r.value}, {"reason", r.reason}});
    }
    std::cout << j.dump(2) << '\n';
}
}  // namespace

void add_monitor_command(CLI::App& app, monitor_inputs& in) {
    auto* cmd = app.add_subcommand("monitor",
                                   "Live monitor of an event log or stream: queue now, windows, "
                                   "alerts; JSON, Prometheus, HTTP (docs/MONITOR.md)");
    cmd->add_option("EVENTS", in.events,
                    "Events (.csv/.jsonl; - = standard input, one record per line, live clock)")
        ->required();
    cmd->add_option(
        "--config", in.config,
        "Configuration JSON (its \"monitor\" section, SLA policies, csat scale: docs/CONFIG.md)");
    cmd->add_option("--at", in.at, "Print the snapshot as of this time (default: the last event)");
    cmd->add_option("--format", in.format, "json (default) or prometheus")
        ->check(CLI::IsMember({"json", "prometheus"}));
    cmd->add_option("--replay", in.replay,
                    "Replay the log at SPEED x real time (1 = as it happened)")
        ->check(CLI::PositiveNumber);
    cmd->add_option(
        "--serve", in.serve,
        "Serve /metrics, /snapshot and /alerts on HOST:PORT (e.g. 127.0.0.1:9108; port 0 = any)");
    cmd->add_option("--duration", in.duration,
                    "With --serve: stop after this many seconds (default: at SIGINT/SIGTERM)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option(
           "--tick", in.tick,
           "Judge alerts every TICK seconds of log time when feeding at full speed (default 60)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--stdin-format", in.stdin_format,
                    "Records on standard input: jsonl (default) or csv (header first)")
        ->check(CLI::IsMember({"jsonl", "csv"}));
}

int run_monitor_command(const monitor_inputs& in) {
    cskpi::config cfg;
    std::optional<std::pair<std::string, int>> address;
    std::optional<micros> at;
    if (auto rc = failed([&] {
            cfg = load_config(in.config);
            (void)cskpi::live::monitor_options::from_config(cfg);
            if (!in.serve.empty()) address = parse_address(in.serve);
            if (!in.at.empty()) {
                at = cskpi::parse_timestamp(in.at, cskpi::time_zone(cfg.timezone));
                if (!at) throw std::invalid_argument("--at: not a timestamp: '" + in.at + "'");
            }
        }))
        return *rc;
    const bool live_input = in.events == "-";
    if (live_input && in.replay > 0) {
        std::cerr << "cskpi: --replay needs a file (standard input is live)\n";
        return exit_usage;
    }
    // The clock: the system's for live input; otherwise log time (replayed, or jumping event to
    // event). A replay's clock runs at SPEED from the first event but never passes the next event
    // not yet fed, so a feeder that lags behind never makes its own events late.
    auto sim = std::make_shared<std::atomic<micros>>(0);
    using steady = std::chrono::steady_clock;
    std::atomic<steady::rep> wall0{steady::now().time_since_epoch().count()};
    std::atomic<micros> log0{0}, next_at{INT64_MAX};
    cskpi::monitor::clock_fn clock = cskpi::monitor::system_now;
    if (!live_input) {
        if (in.replay > 0)
            clock = [&, speed = in.replay] {
                const auto wall =
                    std::chrono::duration_cast<std::chrono::microseconds>(
                        steady::now().time_since_epoch() - steady::duration(wall0.load()))
                        .count();
                return std::min(
                    next_at.load(),
                    log0.load() + static_cast<micros>(static_cast<double>(wall) * speed));
            };
        else
            clock = [sim] { return sim->load(); };
    }
    cskpi::monitor m(cfg, clock);
    std::vector<cskpi::json> alerts;
    std::mutex alerts_m;
    auto log_alert = [&](const cskpi::live::alert_event& e) {
        std::lock_guard lock(alerts_m);
        alerts.push_back(cskpi::live::to_json(e));
        if (!in.serve.empty() || in.replay > 0) std::cerr << alerts.back().dump() << '\n';
    };
    std::unique_ptr<cskpi::live::http_endpoint> http;
    if (address) {
        http = std::make_unique<cskpi::live::http_endpoint>(m);
        http->on_alert(log_alert);
        const int port = http->bind(address->first, address->second);
        if (port < 0) {
            std::cerr << "cskpi: cannot listen on " << in.serve << '\n';
            return exit_usage;
        }
    } else {
        m.on_alert(log_alert);
    }

    cskpi::reject_ledger ledger;
    std::uint64_t counted_by_monitor = 0;  // rejects update_record counted itself (standard input)
    std::atomic<bool> stop{false};
    std::condition_variable stop_cv;
    std::mutex stop_m;
    auto request_stop = [&] {
        {
            std::lock_guard lock(stop_m);
            stop = true;
        }
        stop_cv.notify_all();
        if (http) http->stop();
    };
    std::thread watcher;
    if (http || live_input || in.replay > 0) {
        watcher = signal_watcher(request_stop);
        watcher.detach();
    }
    // The feeder: the whole file at once (log time), a replay in real time, or stdin line by line.
    std::thread feeder([&] {
        if (auto rc = failed([&] {
                if (live_input) {
                    cskpi::record_parser parser(
                        in.stdin_format == "csv" ? cskpi::input_format::csv
                                                 : cskpi::input_format::jsonl,
                        "-", cskpi::events_schema().columns, {"interaction_id", "at", "from"},
                        &cfg.events_input);
                    std::string line;
                    std::uint64_t n = 0;
                    while (!stop && std::getline(std::cin, line)) {
                        ++n;
                        if (n == 1 && in.stdin_format == "csv") {
                            parser.header(line);
                            continue;
                        }
                        line += '\n';
                        parser.body(line, n, ledger, [&](const cskpi::text_record& r) {
                            std::string why;
                            if (m.update_record(r, &why) || why.empty()) {
                                ledger.accepted();  // applied, or late or early (the monitor counts
                                                    // those)
                                return;
                            }
                            const auto colon =
                                why.find(": ");  // "column: reason"; the monitor counted it already
                            ledger.rejected(
                                {r.line, why.substr(0, colon), "",
                                 colon == std::string::npos ? why : why.substr(colon + 2)});
                            ++counted_by_monitor;
                        });
                    }
                    return;
                }
                std::vector<event_input> events = load_events(in.events, cfg, ledger);
                if (events.empty()) return;
                const micros last = events.back().e.at;
                if (in.replay > 0) {
                    next_at = events.front().e.at;
                    log0 = events.front().e.at;
                    const auto start = steady::now();
                    wall0 = start.time_since_epoch().count();
                    for (auto& e : events) {
                        next_at = e.e.at;
                        std::unique_lock lock(stop_m);
                        const auto due =
                            start + std::chrono::microseconds(static_cast<micros>(
                                        static_cast<double>(e.e.at - log0) / in.replay));
                        if (stop_cv.wait_until(lock, due, [&] { return stop.load(); })) return;
                        lock.unlock();
                        m.update(std::move(e));
                    }
                    next_at = INT64_MAX;
                    return;
                }
                const auto tick = static_cast<micros>(in.tick * 1e6);
                micros next_tick = events.front().e.at + tick;
                for (auto& e : events) {
                    if (at && e.e.at > *at)
                        break;  // a snapshot as of --at: later events are read, not applied
                    while (e.e.at >= next_tick) {  // judge alerts as the log's time passes
                        sim->store(next_tick);
                        m.take_snapshot();
                        next_tick += tick;
                    }
                    sim->store(e.e.at);
                    m.update(std::move(e));
                }
                sim->store(at.value_or(last));
            }))
            std::exit(*rc);
    });
    const bool instant = !live_input && in.replay <= 0;
    if (instant) feeder.join();  // serve the whole log's state, not a part of it
    if (http) {
        std::cerr << "cskpi monitor: serving http://" << address->first << ':' << http->port()
                  << "/metrics, /snapshot, /alerts" << std::endl;
        std::thread timer;
        if (in.duration >= 0)
            timer = std::thread([&] {
                std::unique_lock lock(stop_m);
                stop_cv.wait_for(lock, std::chrono::duration<double>(in.duration),
                                 [&] { return stop.load(); });
                lock.unlock();
                request_stop();
            });
        http->listen();
        if (timer.joinable()) timer.join();
        request_stop();
    }
    if (!instant) feeder.join();
    m.add_rejected(static_cast<std::int64_t>(ledger.rows_rejected - counted_by_monitor));
    if (instant && at) sim->store(*at);
    const cskpi::live::snapshot s = m.take_snapshot();
    if (cfg.strict && ledger.rows_rejected) {
        std::cerr
            << "cskpi: "
            << cskpi::strict_error(in.events, ledger.rejects.front(), ledger.show_values).what()
            << '\n';
        return exit_input;
    }
    print_snapshot(s, ledger, alerts, in.format);
    if (!ledger.rejects.empty())
        std::cerr << "cskpi monitor: " << ledger.rows_rejected
                  << " event row(s) rejected; first: line " << ledger.rejects.front().line << ", "
                  << ledger.rejects.front().column << ": " << ledger.rejects.front().reason << '\n';
    return 0;
}

}  // namespace cskpi_cli
