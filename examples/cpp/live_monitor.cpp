// A service with a live monitor (docs/MONITOR.md): events arrive as JSON lines (a file read line
// by line, or standard input: `tail -f events.jsonl | example_live_monitor -`), a reader hands
// them to four worker threads, and /metrics, /snapshot and /alerts are served on loopback.
// When the input ends, the service scrapes its own /metrics once, prints a few lines and stops.
//   example_live_monitor examples/data/shop_events_stream.jsonl examples/data/shop_monitor.json
// The clock is the events' own time (a recorded stream), moved on in steps of 30 s of log time
// once every event before the step was applied, so no worker sees its events as late or early.
// A live service keeps the default system clock instead.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <cskpi/monitor.hpp>
#include <cskpi/monitor/http.hpp>

namespace {
// A worker's inbox.
struct inbox {
    std::mutex m;
    std::condition_variable cv;
    std::deque<cskpi::text_record> q;
    bool closed = false;
};
}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: example_live_monitor EVENTS.jsonl|- [CONFIG.json]\n";
        return 2;
    }
    cskpi::config cfg;
    if (argc > 2) cfg = cskpi::config::from_json(cskpi::json::parse(std::ifstream(argv[2])));
    const cskpi::time_zone tz(cfg.timezone);

    std::vector<inbox> inboxes(4);
    std::atomic<cskpi::micros> clock{0};
    std::mutex done_m;
    std::condition_variable done_cv;
    std::int64_t pending = 0;  // events handed to workers, not yet applied (under done_m)
    cskpi::micros latest = 0;  // the latest event time read
    auto log_time = [&] { return clock.load(); };
    cskpi::monitor monitor(cfg, log_time);
    cskpi::live::http_endpoint http(monitor);
    http.on_alert([](const cskpi::live::alert_event& e) {
        std::cerr << "alert " << e.kind << ": " << e.rule << " (" << e.metric << " = " << e.value
                  << ")\n";
    });
    const int port = http.bind("127.0.0.1", 0);
    if (port < 0) return 1;
    std::thread server([&] { http.listen(); });

    // Four workers; an interaction always goes to the same one, so its events stay in order.
    std::vector<std::thread> workers;
    for (auto& box : inboxes)
        workers.emplace_back([&, b = &box] {
            for (;;) {
                std::unique_lock lock(b->m);
                b->cv.wait(lock, [&] { return b->closed || !b->q.empty(); });
                if (b->q.empty()) return;
                const cskpi::text_record r = std::move(b->q.front());
                b->q.pop_front();
                lock.unlock();
                monitor.update_record(r);
                std::lock_guard done(done_m);
                if (--pending == 0) done_cv.notify_one();
            }
        });

    // The reader: one JSON object per line, in the event columns' order.
    std::ifstream file;
    if (std::string(argv[1]) != "-") file.open(argv[1]);
    std::istream& in = std::string(argv[1]) == "-" ? std::cin : file;
    cskpi::reject_ledger ledger;
    cskpi::record_parser parser(cskpi::input_format::jsonl, argv[1], cskpi::events_schema().columns,
                                {"interaction_id", "at", "from"});
    std::string line;
    for (std::uint64_t n = 1; std::getline(in, line); ++n)
        parser.body(line, n, ledger, [&](const cskpi::text_record& r) {
            if (!r.cells[0] || !r.cells[1]) return;
            const cskpi::micros t = cskpi::parse_timestamp(*r.cells[1], tz).value_or(clock.load());
            latest = std::max(latest, t);
            if (t > clock.load() +
                        30 * cskpi::us_per_s) {  // the next step: wait until the workers are done
                std::unique_lock done(done_m);
                done_cv.wait(done, [&] { return pending == 0; });
                clock = t;
            }
            {
                std::lock_guard done(done_m);
                ++pending;
            }
            inbox& box = inboxes[std::hash<std::string>{}(*r.cells[0]) % inboxes.size()];
            {
                std::lock_guard lock(box.m);
                box.q.push_back(r);
            }
            box.cv.notify_one();
        });
    {  // the input has ended: every event applied, the clock at the last one
        std::unique_lock done(done_m);
        done_cv.wait(done, [&] { return pending == 0; });
        clock = latest;
    }
    for (auto& box : inboxes) {
        std::lock_guard lock(box.m);
        box.closed = true;
        box.cv.notify_one();
    }
    for (auto& w : workers) w.join();
    monitor.add_rejected(static_cast<std::int64_t>(ledger.rows_rejected));

    // What a Prometheus scrape sees now.
    httplib::Client client("127.0.0.1", port);
    const auto res = client.Get("/metrics");
    if (!res || res->status != 200) return 1;
    std::istringstream text(res->body);
    while (std::getline(text, line))
        if (line.rfind("cskpi_queue_length ", 0) == 0 ||
            line.rfind("cskpi_frt_seconds{window=\"15m\"", 0) == 0 ||
            line.rfind("cskpi_sla_first_response_ratio{window=\"15m\"}", 0) == 0 ||
            line.rfind("cskpi_arrivals{window=\"15m\"}", 0) == 0 ||
            line.rfind("cskpi_events_total", 0) == 0)
            std::cout << line << '\n';
    http.stop();
    server.join();
    return 0;
}
