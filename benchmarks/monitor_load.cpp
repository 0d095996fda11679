// Load on a live monitor (docs/MONITOR.md): P producer threads feed N events as a live service
// would (system clock; each interaction = a customer message backdated by its FRT of 1-50 s, the
// agent's answer now, a solve), then one snapshot. Prints events per second, update latency
// percentiles, peak and current memory, and whether the counts equal what was fed. With --dump
// FILE the events are also written as an event log, for `cskpi report --events` to compare.
//   monitor_load [--events N] [--producers P] [--exact-limit L] [--dump FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <cskpi/monitor.hpp>

namespace {
long status_kb(const char* field) {  // VmHWM / VmRSS of this process, kB
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
    return -1;
}
}  // namespace

int main(int argc, char** argv) {
    long long n = 10'000'000;
    int producers = 4;
    long long exact_limit = 10000;
    std::string dump;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--events")
            n = std::stoll(argv[i + 1]);
        else if (a == "--producers")
            producers = std::stoi(argv[i + 1]);
        else if (a == "--exact-limit")
            exact_limit = std::stoll(argv[i + 1]);
        else if (a == "--dump")
            dump = argv[i + 1];
        else {
            std::cerr << "unknown option " << a << '\n';
            return 2;
        }
    }
    const cskpi::config cfg = cskpi::config::from_json(cskpi::json::parse(
        R"({"sla_policies": [{"name": "chat", "when": {"channel": "chat"}, "targets": {"first_response_s": 30}}],
            "monitor": {"exact_limit": )" +
        std::to_string(exact_limit) + "}}"));
    cskpi::monitor m(cfg);
    const long long per = n / 3 / producers;  // interactions per producer
    std::vector<std::vector<std::uint32_t>> latency_ns(static_cast<std::size_t>(producers));
    std::vector<std::string> logs(static_cast<std::size_t>(producers));
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p)
        threads.emplace_back([&, p] {
            std::mt19937_64 rng(static_cast<std::uint64_t>(p) + 1);
            auto& lat = latency_ns[static_cast<std::size_t>(p)];
            lat.reserve(static_cast<std::size_t>(per * 3));
            std::string& log = logs[static_cast<std::size_t>(p)];
            const char* channels[] = {"chat", "chat", "phone", "email", "social"};
            const char* teams[] = {"pre-sales", "orders", "returns", "complaints", "logistics"};
            auto feed = [&](cskpi::live::event_input e) {
                const auto a = std::chrono::steady_clock::now();
                m.update(std::move(e));
                lat.push_back(
                    static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                   std::chrono::steady_clock::now() - a)
                                                   .count()));
            };
            for (long long k = 0; k < per; ++k) {
                const std::string id = std::to_string(p) + "-" + std::to_string(k);
                const cskpi::micros now = cskpi::monitor::system_now();
                const cskpi::micros frt =
                    static_cast<cskpi::micros>(1 + rng() % 50) * cskpi::us_per_s +
                    static_cast<cskpi::micros>(rng() % 1000000);
                cskpi::live::event_input c;
                c.interaction_id = id;
                c.e.at = now - frt;
                c.e.from = cskpi::timeline::sender::customer;
                c.set("channel", channels[rng() % 5]);
                c.set("team", teams[rng() % 5]);
                cskpi::live::event_input a;
                a.interaction_id = id;
                a.e.at = now;
                a.e.from = cskpi::timeline::sender::agent;
                a.e.agent = "agent" + std::to_string(rng() % 500);
                cskpi::live::event_input s = a;
                s.e.kind = cskpi::timeline::event_kind::status;
                s.e.status = "solved";
                if (!dump.empty()) {
                    log += id + "," + cskpi::format_utc(c.e.at) + ",customer,,,," + c.columns[0] +
                           "," + c.columns[1] + '\n';
                    log += id + "," + cskpi::format_utc(a.e.at) + ",agent," + *a.e.agent + ",,,,\n";
                    log += id + "," + cskpi::format_utc(s.e.at) + ",agent," + *a.e.agent +
                           ",status,solved,,\n";
                }
                feed(std::move(c));
                feed(std::move(a));
                feed(std::move(s));
            }
        });
    for (auto& t : threads) t.join();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto snap = m.take_snapshot();
    std::vector<std::uint32_t> all;
    for (auto& l : latency_ns) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double q) {
        return all[static_cast<std::size_t>(q * static_cast<double>(all.size() - 1))] / 1000.0;
    };
    const long long fed = per * producers * 3;
    const auto& hour = snap.rows.front().windows[1];  // all, 60m
    std::printf(
        "events %lld, producers %d, %.2f s, %.2f M events/s; update latency p50 %.1f us, p99 %.1f "
        "us, p99.9 %.1f us, max %.0f us\n",
        fed, producers, secs, static_cast<double>(fed) / secs / 1e6, pct(0.5), pct(0.99),
        pct(0.999), all.back() / 1000.0);
    std::printf(
        "memory: peak RSS %ld MB, RSS now %ld MB (latency samples %zu MB of it); live %lld, "
        "released idle %lld, capacity %lld\n",
        status_kb("VmHWM:") / 1024, status_kb("VmRSS:") / 1024, all.size() * 4 * 2 / (1 << 20),
        static_cast<long long>(snap.counts.live), static_cast<long long>(snap.counts.released_idle),
        static_cast<long long>(snap.counts.released_capacity));
    const bool ok = snap.counts.events == fed && snap.counts.late == 0 && snap.counts.early == 0 &&
                    hour.interactions == fed / 3 && hour.answered == fed / 3;
    std::printf(
        "counts: applied %lld, late %lld, early %lld; 60m window: interactions %lld, answered "
        "%lld, FRT p50 %.3f p90 %.3f (%s), "
        "sla_first_response %lld/%lld; %s\n",
        static_cast<long long>(snap.counts.events), static_cast<long long>(snap.counts.late),
        static_cast<long long>(snap.counts.early), static_cast<long long>(hour.interactions),
        static_cast<long long>(hour.answered), hour.frt_median, hour.frt_p90,
        hour.exact ? "exact" : "sketch", static_cast<long long>(hour.sla_achieved),
        static_cast<long long>(hour.sla_achieved + hour.sla_breached),
        ok ? "nothing lost" : "MISMATCH");
    if (!dump.empty()) {
        std::ofstream out(dump);
        out << "interaction_id,at,from,agent,kind,status,channel,team\n";
        for (const auto& l : logs) out << l;
        std::printf("as_of %s\n", cskpi::format_utc(snap.at).c_str());
    }
    return ok ? 0 : 1;
}
