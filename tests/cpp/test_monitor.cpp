// Live monitor (spec section 17): hand-worked queues, windows, SLA states, day boundaries, late
// events, alerts with hysteresis, the sketch's error bound, and many producer threads. The
// equality with `cskpi report --events` on a whole log is in tests/python/test_monitor.py.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <thread>

#include <cskpi/monitor.hpp>

using namespace cskpi;
using namespace cskpi::live;

namespace {
micros at(const char* s) {
    return *parse_timestamp(s, time_zone("UTC"));
}

struct manual_clock {
    std::shared_ptr<std::atomic<micros>> t = std::make_shared<std::atomic<micros>>(0);
    void set(const char* s) { t->store(at(s)); }
    monitor::clock_fn fn() const {
        return [p = t] { return p->load(); };
    }
};

event_input ev(const char* id, const char* when, timeline::sender from,
               const char* channel = "chat",
               timeline::event_kind kind = timeline::event_kind::message) {
    event_input in;
    in.interaction_id = id;
    in.e.at = at(when);
    in.e.from = from;
    in.e.kind = kind;
    if (from == timeline::sender::agent) in.e.agent = "ann";
    in.set("channel", channel);
    return in;
}
event_input status(const char* id, const char* when, const char* st) {
    event_input in = ev(id, when, timeline::sender::agent, "chat", timeline::event_kind::status);
    in.e.status = st;
    return in;
}

const scope_row& row(const snapshot& s, std::optional<std::string> channel = std::nullopt,
                     std::optional<std::string> team = std::nullopt) {
    for (const auto& r : s.rows)
        if (r.channel == channel && r.team == team) return r;
    FAIL("no such scope row");
    return s.rows.front();
}
std::size_t window(const snapshot& s, const std::string& name) {
    return static_cast<std::size_t>(std::find(s.window_names.begin(), s.window_names.end(), name) -
                                    s.window_names.begin());
}

config cfg_with(const char* extra = "") {
    return config::from_json(
        json::parse(std::string(R"({"sla_policies": [{"name": "chat", "when": {"channel": "chat"},
        "targets": {"first_response_s": 60}}])") +
                    extra + "}"));
}
}  // namespace

TEST_CASE("queue, windows and first-response SLA of two chats (by hand)") {
    manual_clock clock;
    cskpi::monitor m(cfg_with(), clock.fn());
    using timeline::sender;
    clock.set("2026-03-10T10:00:00Z");
    m.update(ev("a", "2026-03-10T10:00:00Z", sender::customer));
    clock.set("2026-03-10T10:00:30Z");
    m.update(ev("a", "2026-03-10T10:00:30Z", sender::agent));
    clock.set("2026-03-10T10:01:00Z");
    m.update(ev("b", "2026-03-10T10:01:00Z", sender::customer, "email"));
    m.update(ev("c", "2026-03-10T10:01:00Z", sender::customer));

    // At 10:01:50: b and c wait (50 s each); c's 60-second target still runs.
    clock.set("2026-03-10T10:01:50Z");
    snapshot s = m.take_snapshot();
    const auto w15 = window(s, "15m");
    CHECK(row(s).now.queue_length == 2);
    CHECK(row(s).now.longest_wait_s == 50);
    CHECK(row(s, "chat").now.queue_length == 1);
    CHECK(row(s).windows[w15].interactions == 3);
    CHECK(row(s).windows[w15].answered == 1);
    CHECK(row(s).windows[w15].frt_median == 30);
    CHECK(row(s, "chat").windows[w15].sla_achieved == 1);
    CHECK(row(s, "chat").windows[w15].sla_active == 1);
    CHECK(row(s, "chat").windows[w15].sla_first_response == 1.0);
    CHECK(row(s, "email").windows[w15].sla_active == 0);  // no policy for e-mail

    // At 10:03: c has waited 120 s > 60 s: breached without any new event.
    clock.set("2026-03-10T10:03:00Z");
    s = m.take_snapshot();
    CHECK(row(s, "chat").windows[w15].sla_breached == 1);
    CHECK(row(s, "chat").windows[w15].sla_active == 0);
    CHECK(row(s, "chat").windows[w15].sla_first_response == 0.5);
    CHECK(row(s).now.longest_wait_s == 120);

    // c is answered at 10:03:30 (FRT 150 s) and solved; the queue empties.
    clock.set("2026-03-10T10:03:30Z");
    m.update(ev("c", "2026-03-10T10:03:30Z", sender::agent));
    m.update(status("c", "2026-03-10T10:03:30Z", "solved"));
    s = m.take_snapshot();
    CHECK(row(s, "chat").now.queue_length == 0);
    CHECK(row(s, "chat").now.open == 1);  // a: answered, not solved
    // type 7 of {30, 150}: median 90, p90 30 + 0.9 * 120 = 138
    CHECK(row(s, "chat").windows[w15].frt_median == 90);
    CHECK(row(s, "chat").windows[w15].frt_p90 == doctest::Approx(138));
    CHECK(row(s, "chat").windows[w15].sla_breached == 1);

    // At 10:16 the 15-minute window (10:02 .. 10:16:59) has none of them; the hour and today do.
    clock.set("2026-03-10T10:16:00Z");
    s = m.take_snapshot();
    CHECK(row(s).windows[w15].interactions == 0);
    CHECK(std::isnan(row(s).windows[w15].frt_median));
    CHECK(row(s).windows[window(s, "60m")].interactions == 3);
    CHECK(row(s).windows[window(s, "today")].interactions == 3);
    CHECK(s.counts.events == 6);
}

TEST_CASE("today follows the configured time zone; the window starts at local midnight") {
    manual_clock clock;
    cskpi::monitor m(config::from_json(json::parse(R"({"timezone": "Asia/Shanghai"})")),
                     clock.fn());
    clock.set("2026-03-10T15:59:00Z");  // 23:59 in Shanghai
    m.update(ev("late-night", "2026-03-10T15:59:00Z", timeline::sender::customer));
    snapshot s = m.take_snapshot();
    CHECK(row(s).windows[window(s, "today")].interactions == 1);
    clock.set("2026-03-10T16:01:00Z");  // 00:01 the next day
    m.update(ev("morning", "2026-03-10T16:01:00Z", timeline::sender::customer));
    s = m.take_snapshot();
    const auto& today = row(s).windows[window(s, "today")];
    CHECK(today.interactions == 1);
    CHECK(today.from == at("2026-03-10T16:00:00Z"));
    CHECK(row(s).windows[window(s, "60m")].interactions == 2);
    CHECK(row(s).now.queue_length == 2);  // waiting crosses midnight
}

TEST_CASE("out-of-order events within the tolerance are placed; older ones are counted as late") {
    manual_clock clock;
    cskpi::monitor m(config::from_json(json::parse(R"({"monitor": {"late_tolerance_s": 60}})")),
                     clock.fn());
    using timeline::sender;
    clock.set("2026-03-10T10:01:00Z");
    // The answer arrives before the customer's message it answers (30 s earlier in time).
    CHECK(m.update(ev("x", "2026-03-10T10:00:40Z", sender::agent)));
    CHECK(m.update(ev("x", "2026-03-10T10:00:10Z", sender::customer)));
    clock.set("2026-03-10T10:05:00Z");
    CHECK_FALSE(m.update(ev("y", "2026-03-10T10:03:59Z", sender::customer)));  // 61 s old
    CHECK_FALSE(m.update(ev("z", "2026-03-10T10:06:01Z", sender::customer)));  // 61 s ahead
    const snapshot s = m.take_snapshot();
    CHECK(row(s).windows[0].interactions == 1);
    CHECK(row(s).windows[0].frt_median == 30);
    CHECK(s.counts.late == 1);
    CHECK(s.counts.early == 1);
    CHECK(s.counts.events == 2);
}

TEST_CASE("alerts raise after for_s, clear after for_s, and report their values") {
    manual_clock clock;
    cskpi::monitor m(config::from_json(json::parse(R"({"monitor": {"alerts": [
        {"name": "queue", "metric": "queue_length", "op": ">=", "threshold": 2, "for_s": 60},
        {"name": "slow", "metric": "frt_p90", "window": "15m", "op": ">", "threshold": 100, "min_n": 3}]}})")),
                     clock.fn());
    std::vector<alert_event> seen;
    m.on_alert([&](const alert_event& e) { seen.push_back(e); });
    using timeline::sender;
    clock.set("2026-03-10T10:00:00Z");
    m.update(ev("a", "2026-03-10T10:00:00Z", sender::customer));
    m.update(ev("b", "2026-03-10T10:00:00Z", sender::customer));
    CHECK(m.take_snapshot().alerts.empty());  // holds, not yet for 60 s
    clock.set("2026-03-10T10:00:59Z");
    CHECK(m.take_snapshot().alerts.empty());
    m.update(ev("c", "2026-03-10T10:00:59Z", sender::customer));
    clock.set("2026-03-10T10:01:00Z");
    snapshot s = m.take_snapshot();
    REQUIRE(s.alerts.size() == 1);
    CHECK(s.alerts[0].kind == "raise");
    CHECK(s.alerts[0].value == 3);  // a, b and c wait
    CHECK(s.active_alerts.size() == 1);
    // a and b answered at 10:03 (FRT 180 s > 100, but only 2 values: below min_n = 3); c still
    // waits.
    clock.set("2026-03-10T10:03:00Z");
    m.update(ev("a", "2026-03-10T10:03:00Z", sender::agent));
    m.update(ev("b", "2026-03-10T10:03:00Z", sender::agent));
    CHECK(
        m.take_snapshot().alerts.empty());  // the queue alert waits for 60 s without its condition
    clock.set("2026-03-10T10:04:00Z");
    s = m.take_snapshot();
    REQUIRE(s.alerts.size() == 1);
    CHECK(s.alerts[0].kind == "clear");
    CHECK(s.alerts[0].value == 1);
    CHECK(s.active_alerts.empty());
    // A third slow answer (181 s) reaches min_n: "slow" has no for_s, so it is raised at once.
    m.update(ev("c", "2026-03-10T10:04:00Z", sender::agent));
    s = m.take_snapshot();
    REQUIRE(s.alerts.size() == 1);
    CHECK(s.alerts[0].rule == "slow");
    CHECK(s.alerts[0].n == 3);
    CHECK(s.alerts[0].value ==
          doctest::Approx(180.8));  // type 7 of {180, 180, 181} at 0.9: 180 + 0.8 x 1
    CHECK(seen.size() == 3);
}

TEST_CASE("sketch: type-7 quantiles within the stated relative error; merge and remove") {
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> d(3.0, 1.2);
    for (double alpha : {0.01, 0.02, 0.05}) {
        quantile_sketch a(alpha), b(alpha);
        std::vector<double> all;
        for (int i = 0; i < 20000; ++i) {
            const double v = d(rng);
            all.push_back(v);
            (i % 2 ? a : b).add(v);
        }
        a.merge(b);
        std::sort(all.begin(), all.end());
        for (double q : {0.01, 0.25, 0.5, 0.9, 0.99}) {
            // Type 7 by hand on the sorted values.
            const double h = (static_cast<double>(all.size()) - 1) * q;
            const auto lo = static_cast<std::size_t>(std::floor(h));
            const double exact = all[lo] + (h - static_cast<double>(lo)) * (all[lo + 1] - all[lo]);
            CHECK(std::fabs(a.quantile(q) - exact) <= alpha * exact * (1 + 1e-9));
        }
    }
    quantile_sketch s(0.01);
    s.add(10);
    s.add(1000);
    s.remove(1000);
    CHECK(s.count() == 1);
    CHECK(std::fabs(s.quantile(0.5) - 10) <= 0.1);
    s.add(0);  // below the smallest bin: reported as 0
    CHECK(s.quantile(0) == 0);
}

TEST_CASE("a window past exact_limit switches to the sketch and says so") {
    manual_clock clock;
    cskpi::monitor m(
        config::from_json(json::parse(
            R"({"monitor": {"exact_limit": 50, "relative_error": 0.02, "late_tolerance_s": 600}})")),
        clock.fn());
    std::vector<double> frt;
    clock.set("2026-03-10T10:10:00Z");
    for (int i = 0; i < 200; ++i) {
        std::string id = "i";
        id += std::to_string(i);
        event_input c = ev("", "2026-03-10T10:05:00Z", timeline::sender::customer);
        c.interaction_id = id;
        event_input a = ev("", "2026-03-10T10:05:00Z", timeline::sender::agent);
        a.interaction_id = id;
        a.e.at += (i * 7919 % 240 + 1) * us_per_s;  // 1..240 s
        frt.push_back(static_cast<double>(a.e.at - c.e.at) / 1e6);
        m.update(c);
        m.update(a);
    }
    const snapshot s = m.take_snapshot();
    const window_values& w = row(s).windows[0];
    CHECK_FALSE(w.exact);
    std::sort(frt.begin(), frt.end());
    const double h = 199 * 0.9;
    const double p90 = frt[179] + (h - 179) * (frt[180] - frt[179]);
    CHECK(std::fabs(w.frt_p90 - p90) <= 0.02 * p90 * (1 + 1e-9));
    CHECK(std::fabs(w.frt_median - (frt[99] + frt[100]) / 2) <=
          0.02 * (frt[99] + frt[100]) / 2 * (1 + 1e-9));
}

TEST_CASE("four producer threads and a reader: every event is counted once") {
    manual_clock clock;
    clock.set("2026-03-10T10:30:00Z");
    cskpi::monitor m(config::from_json(json::parse(R"({"monitor": {"exact_limit": 20000}})")),
                     clock.fn());
    std::vector<std::thread> producers;
    for (int p = 0; p < 4; ++p)
        producers.emplace_back([&, p] {
            for (int i = 0; i < 5000; ++i) {
                event_input c = ev("", "2026-03-10T10:29:00Z", timeline::sender::customer,
                                   p % 2 ? "chat" : "phone");
                c.interaction_id = std::to_string(p) + "-" + std::to_string(i);
                event_input a = c;
                a.e.from = timeline::sender::agent;
                a.e.at += 20 * us_per_s;
                m.update(std::move(c));
                if (i % 5) m.update(std::move(a));
            }
        });
    std::atomic<bool> done{false};
    std::int64_t seen = 0;
    std::thread reader([&] {  // snapshots while the producers write
        while (!done) seen = std::max(seen, m.take_snapshot().counts.events);
    });
    for (auto& t : producers) t.join();
    done = true;
    reader.join();
    CHECK(seen <= 4 * 9000);
    const snapshot s = m.take_snapshot();
    CHECK(s.counts.events == 4 * 5000 + 4 * 4000);
    CHECK(row(s).windows[0].interactions == 20000);
    CHECK(row(s).windows[0].answered == 16000);
    CHECK(row(s, "chat").windows[0].interactions == 10000);
    CHECK(row(s).now.queue_length == 4000);
    CHECK(row(s).windows[0].frt_median == 20);
}

TEST_CASE("JSON and Prometheus text carry the same numbers; labels are escaped") {
    manual_clock clock;
    clock.set("2026-03-10T10:00:10Z");
    cskpi::monitor m(config{}, clock.fn());
    event_input e = ev("q", "2026-03-10T10:00:00Z", timeline::sender::customer, "we\"b\\chat");
    m.update(e);
    const snapshot s = m.take_snapshot();
    const json j = to_json(s);
    CHECK(j["scopes"][0]["now"]["queue_length"] == 1);
    CHECK(j["scopes"][0]["now"]["longest_wait_s"] == 10);
    const std::string text = to_prometheus(s);
    CHECK(text.find("cskpi_queue_length 1\n") != std::string::npos);
    CHECK(text.find(R"(cskpi_queue_length{channel="we\"b\\chat"} 1)") != std::string::npos);
    CHECK(text.find("cskpi_frt_seconds{window=\"15m\",quantile=\"0.9\"} NaN") != std::string::npos);
    CHECK(text.find("cskpi_events_total{outcome=\"applied\"} 1") != std::string::npos);
}

TEST_CASE("monitor configuration errors name the key") {
    auto err = [](const char* j) {
        try {
            monitor_options::from_config(config::from_json(json::parse(j)));
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(err(R"({"monitor": {"windows_s": [90]}})").find("monitor.windows_s[0]") !=
          std::string::npos);
    CHECK(
        err(R"({"monitor": {"alerts": [{"metric": "frt_p99", "op": ">", "threshold": 1, "window": "15m"}]}})")
            .find("monitor.alerts[0].metric") != std::string::npos);
    CHECK(
        err(R"({"monitor": {"alerts": [{"metric": "frt_p90", "op": ">", "threshold": 1, "window": "5m"}]}})")
            .find("unknown window '5m'") != std::string::npos);
    CHECK(
        err(R"({"monitor": {"alerts": [{"metric": "frt_p90", "op": "=", "threshold": 1, "window": "15m"}]}})")
            .find(".op") != std::string::npos);
    CHECK(err(R"({"monitor": {"bucket": 60}})").find("monitor.bucket") != std::string::npos);
}
