// Conversation timelines: business-hours calendars (hand-worked cases; a brute-force
// minute-by-minute comparison on random spans is in tests/python/test_timeline.py).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <random>

#include <cskpi/timeline.hpp>

using namespace cskpi;
using cskpi::timeline::calendar;

namespace {
micros at(const char* s, const char* zone = "UTC") {
    return *parse_timestamp(s, time_zone(zone));
}
// Metric vectors equal value for value, NaN (undefined) equal to NaN.
bool same(const std::vector<double>& a, const std::vector<double>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](double x, double y) {
        return x == y || (std::isnan(x) && std::isnan(y));
    });
}
calendar shop() {
    return calendar::from_json(json::parse(R"({"timezone": "Asia/Shanghai",
        "week": {"mon": [["09:00", "12:00"], ["13:00", "18:00"]], "tue": [["09:00", "12:00"], ["13:00", "18:00"]],
                 "wed": [["09:00", "12:00"], ["13:00", "18:00"]], "thu": [["09:00", "12:00"], ["13:00", "18:00"]],
                 "fri": [["09:00", "12:00"], ["13:00", "18:00"]]},
        "holidays": ["2026-10-01"], "workdays": ["2026-10-10"]})"),
                               "calendars.default");
}
}  // namespace

TEST_CASE("business seconds: weekends, midnight, lunch, holidays and make-up days (by hand)") {
    const calendar c = shop();
    // Fri 17:00 -> Mon 10:00: Fri 17-18 + Mon 9-10
    CHECK(c.business_seconds(at("2026-03-06T17:00:00+08:00"), at("2026-03-09T10:00:00+08:00")) ==
          7200);
    // Tue 17:30 -> Wed 09:30 across midnight
    CHECK(c.business_seconds(at("2026-03-10T17:30:00+08:00"), at("2026-03-11T09:30:00+08:00")) ==
          3600);
    // 11:30 -> 13:30 over the lunch break
    CHECK(c.business_seconds(at("2026-03-10T11:30:00+08:00"), at("2026-03-10T13:30:00+08:00")) ==
          3600);
    // Wed 30 Sep 17:00 -> Fri 2 Oct 10:00, Thursday 1 Oct a holiday
    CHECK(c.business_seconds(at("2026-09-30T17:00:00+08:00"), at("2026-10-02T10:00:00+08:00")) ==
          7200);
    // Saturday 10 Oct is a make-up day with Monday's schedule: 10-12 + 13-14
    CHECK(c.business_seconds(at("2026-10-10T10:00:00+08:00"), at("2026-10-10T14:00:00+08:00")) ==
          10800);
    // A whole month: March 2026 has 22 weekdays x 8 h
    CHECK(c.business_seconds(at("2026-03-01T00:00:00+08:00"), at("2026-04-01T00:00:00+08:00")) ==
          22 * 8 * 3600);
    // Empty and reversed spans, fractions of a second
    CHECK(c.business_seconds(at("2026-03-10T10:00:00+08:00"), at("2026-03-10T10:00:00+08:00")) ==
          0);
    CHECK(c.business_seconds(at("2026-03-10T11:00:00+08:00"), at("2026-03-10T10:00:00+08:00")) ==
          0);
    CHECK(c.business_seconds(at("2026-03-10T09:59:59.75+08:00"),
                             at("2026-03-10T10:00:00.5+08:00")) == doctest::Approx(0.75));
    CHECK(c.is_open(at("2026-03-10T09:00:00+08:00")));
    CHECK_FALSE(c.is_open(at("2026-03-10T12:00:00+08:00")));
}

TEST_CASE("business seconds: DST days in New York last 23 and 25 hours") {
    const calendar c = calendar::from_json(json::parse(R"({"timezone": "America/New_York",
        "week": {"sun": [["00:00", "24:00"]], "mon": [["00:00", "24:00"]]}})"),
                                           "c");
    CHECK(c.business_seconds(at("2026-03-08 00:00", "America/New_York"),
                             at("2026-03-09 00:00", "America/New_York")) == 23 * 3600);
    CHECK(c.business_seconds(at("2026-11-01 00:00", "America/New_York"),
                             at("2026-11-02 00:00", "America/New_York")) == 25 * 3600);
    // Sunday + Monday open, Saturday closed: Sat 12:00 -> Tue 00:00 on the spring-forward weekend
    CHECK(c.business_seconds(at("2026-03-07 12:00", "America/New_York"),
                             at("2026-03-10 00:00", "America/New_York")) == 47 * 3600);
}

TEST_CASE("calendar JSON errors name the key path") {
    auto err = [](const char* j) {
        try {
            calendar::from_json(json::parse(j), "calendars.default");
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(err(R"({"week": {"mon": [["18:00", "09:00"]]}})") ==
          "config: calendars.default.week.mon[0]: expected start < end (split overnight windows at "
          "24:00)");
    CHECK(err(R"({"week": {"mon": [["9:00", "18:00"]]}})") ==
          "config: calendars.default.week.mon[0][0]: expected HH:MM (00:00 to 24:00), actual "
          "\"9:00\"");
    CHECK(err(R"({"week": {"monday": []}})") ==
          "config: calendars.default.week.monday: expected mon, tue, wed, thu, fri, sat or sun");
    CHECK(
        err(R"({"holidays": ["2026-02-30"]})") ==
        "config: calendars.default.holidays[0]: expected a date YYYY-MM-DD, actual \"2026-02-30\"");
    CHECK(err(R"({"timezone": "Mars/Olympus"})") ==
          "config: calendars.default.timezone: unknown time zone 'Mars/Olympus' (IANA names such "
          "as Asia/Shanghai, UTC, or a fixed offset such as +08:00)");
    CHECK(err(R"({"holidays": ["2026-10-10"], "workdays": ["2026-10-10"]})") ==
          "config: calendars.default.workdays: a date is both a holiday and a workday");
    CHECK(err(R"({"week": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}})") ==
          "config: calendars.default.week.mon: windows overlap");
}

TEST_CASE("events to interactions: a hand-worked log") {
    const std::string path = "test_timeline_events.csv";
    std::ofstream(path)
        << "interaction_id,at,from,agent,kind,public,status,text,channel,team\n"
           "t1,2026-03-02 09:00:00,customer,,,,,在吗,chat,售后组\n"  // round 1 opens
           "t1,2026-03-02 09:00:20,customer,,,,,我的快递呢,,\n"      // same wait
           "t1,2026-03-02 09:00:50,agent,张伟,,,,您好,,\n"           // FRT 50, wait 50
           "t1,2026-03-02 09:01:00,agent,张伟,note,,,备注,,\n"       // a note never answers
           "t1,2026-03-02 09:05:00,customer,,,,,好的,,\n"            // round 2
           "t1,2026-03-02 09:09:00,agent,张伟,,,,已处理,,\n"         // wait 240 (> 180)
           "t1,2026-03-02 09:10:00,system,,status,,solved,,,\n"      // solve 1
           "t1,2026-03-02 09:30:00,customer,,,,,还是没到,,\n"  // gap 21 min: session 2, round 3
           "t1,2026-03-02 09:30:30,system,,status,,open,,,\n"
           "t1,2026-03-02 09:31:00,agent,李娜,,,,我再查,,\n"     // wait 60
           "t1,2026-03-02 09:40:00,system,,status,,solved,,,\n"  // solve 2: reopened 1
           "t1,2026-03-02 09:41:00,customer,,rating,,,5,,\n"     // csat 5
           "t2,2026-03-02 10:00:00,customer,,,,,hi,phone,\n"
           "t2,2026-03-02 10:00:05,bot,,,,,我是机器人,,\n"
           "t2,2026-03-02 10:01:00,system,,handoff,,,,,\n"  // FRT from the hand-off
           "t2,2026-03-02 10:01:30,agent,王芳,,,,您好,,\n"  // FRT 30, wait 90
           "t3,2026-03-02 11:00:00,customer,,,,,hello,,\n"  // no channel: rejected
           "t4,2026-03-02 12:00:00,customer,,,,,x,chat,\n"  // unanswered round
           "t4,2026-03-02 12:00:00,robot,,,,,x,,\n";        // bad sender
    const report r = timeline::run_events_report(path, config{}, {group_key::agent});
    CHECK(r.rows_read == 19);
    CHECK(r.rows_rejected == 2);
    CHECK(r.rows_accepted == 17);
    CHECK(r.interactions_derived == 4);
    REQUIRE(r.rejects.size() == 2);
    CHECK(r.rejects[0].line == 18);
    CHECK(r.rejects[0].column == "channel");
    CHECK(r.rejects[1].line == 20);
    const auto& all = r.groups[0];
    CHECK(all.metric("interactions") == 3);
    CHECK(all.metric("frt_mean") == doctest::Approx(40));  // (50 + 30) / 2
    CHECK(all.metric("waits") == 4);                       // 50, 240, 60, 90
    CHECK(all.metric("reply_time_mean") == doctest::Approx(110));
    CHECK(all.metric("reply_time_max") == 240);
    CHECK(all.metric("reply_time_median") == doctest::Approx(75));
    CHECK(all.metric("reply_time_interaction_mean") == doctest::Approx((350.0 / 3 + 90) / 2));
    CHECK(all.metric("rounds") == 5);  // 3 + 1 + 1
    CHECK(all.metric("round_response_rate") == doctest::Approx(3.0 / 5));
    CHECK(all.metric("sessions") == 4);  // 2 + 1 + 1
    REQUIRE(r.groups.size() == 4);
    const auto& zw = r.groups[1];
    CHECK(*zw.keys[0] == "张伟");
    CHECK(zw.metric("resolved") == 1);
    CHECK(zw.metric("reopen_rate") == 1);  // resolved once more after a reopen
    CHECK(zw.metric("csat_mean") == 5);
    CHECK(zw.metric("frt_mean") == 50);
    CHECK(r.groups[2].metric("frt_mean") == 30);  // 王芳, from the hand-off
    CHECK(r.groups[2].metric("bot_escalation_rate") == 1);
    CHECK_FALSE(r.groups[3].keys[0].has_value());  // t4: nobody answered
    CHECK(r.groups[3].metric("round_response_rate") == 0);

    // agent = all: t1 belongs to 张伟 and 李娜 (both answered), each row counting the whole
    // interaction; the overall row still counts every interaction once.
    config all_cfg;
    all_cfg.timeline = json::parse(R"({"events": {"agent": "all"}})");
    const report a = timeline::run_events_report(path, all_cfg, {group_key::agent});
    REQUIRE(a.groups.size() == 5);
    CHECK(same(a.groups[0].metrics, r.groups[0].metrics));
    CHECK(a.groups[0].metric("waits") == 4);
    CHECK(a.rows_rejected == 2);
    REQUIRE(a.rejects.size() == 2);  // t3 listed once
    CHECK(*a.groups[1].keys[0] == "张伟");
    CHECK(*a.groups[2].keys[0] == "李娜");
    CHECK(*a.groups[3].keys[0] == "王芳");
    CHECK_FALSE(a.groups[4].keys[0].has_value());
    for (int g : {1, 2}) {
        CHECK(a.groups[g].metric("interactions") == 1);
        CHECK(a.groups[g].metric("frt_mean") == 50);  // t1's first response, by 张伟
        CHECK(a.groups[g].metric("waits") == 3);
        CHECK(a.groups[g].metric("csat_mean") == 5);
        CHECK(a.groups[g].metric("reopen_rate") == 1);
    }
    CHECK(same(a.groups[3].metrics, r.groups[2].metrics));
    CHECK(same(a.groups[4].metrics, r.groups[3].metrics));
    // Without an agent grouping the option changes nothing.
    CHECK(
        same(timeline::run_events_report(path, all_cfg, {group_key::channel}).groups[1].metrics,
             timeline::run_events_report(path, config{}, {group_key::channel}).groups[1].metrics));
    std::remove(path.c_str());
}

TEST_CASE("presets taobao and jd: round rules worked from their definitions (by hand)") {
    // Taobao 3分钟人工响应率: every question round, a person's reply within 180 s, rounds opened
    // 09:00-23:00 Beijing time. JD 30秒应答率: the first question only, within 30 s, night
    // (00:00-08:00 Beijing time) excluded. The configuration's zone stays UTC: the presets'
    // windows are Beijing time whatever it is.
    const std::string path = "test_timeline_presets.csv";
    std::ofstream(path)
        << "interaction_id,at,from,agent,kind,channel\n"
           "a1,2026-03-02T08:59:30+08:00,customer,,,chat\n"  // r1 before 09:00: Taobao skips; JD
                                                             // judges it
           "a1,2026-03-02T09:00:10+08:00,agent,张伟,,\n"     // 40 s
           "a1,2026-03-02T09:10:00+08:00,customer,,,\n"      // r2
           "a1,2026-03-02T09:10:10+08:00,bot,,,\n"           // a bot does not answer
           "a1,2026-03-02T09:12:30+08:00,agent,张伟,,\n"     // 150 s
           "a1,2026-03-02T09:20:00+08:00,customer,,,\n"      // r3
           "a1,2026-03-02T09:20:01+08:00,system,,,\n"        // an auto-reply does not answer
           "a1,2026-03-02T09:23:01+08:00,agent,张伟,,\n"     // 181 s
           "a2,2026-03-02T22:59:59+08:00,customer,,,chat\n"  // r1 opens in the window
           "a2,2026-03-02T23:02:59+08:00,agent,李娜,,\n"     // 180 s: within (<=)
           "a2,2026-03-02T23:05:00+08:00,customer,,,\n"      // r2 after 23:00, unanswered
           "a3,2026-03-02T10:00:00+08:00,customer,,,chat\n"  // unanswered: a miss
           "a4,2026-03-03T07:59:00+08:00,customer,,,chat\n"  // night
           "a4,2026-03-03T07:59:20+08:00,agent,李娜,,\n"     // 20 s
           "a5,2026-03-03T12:00:00+08:00,customer,,,chat\n"
           "a5,2026-03-03T12:00:30+08:00,agent,王芳,,\n"  // 30 s: within both
           "a5,2026-03-03T12:05:00+08:00,customer,,,\n"
           "a5,2026-03-03T12:10:00+08:00,agent,王芳,,\n";  // 300 s
    auto rate = [&](const char* events) {
        config cfg;
        cfg.timeline = json::parse(std::string(R"({"events": )") + events + "}");
        const report r = timeline::run_events_report(path, cfg, {});
        return std::array<double, 3>{r.groups[0].metric("round_response_rate_num"),
                                     r.groups[0].metric("round_response_rate_den"),
                                     r.groups[0].metric("rounds")};
    };
    // default: every round, 180 s, no window: a1 ✓✓✗, a2 ✓✗, a3 ✗, a4 ✓, a5 ✓✗
    CHECK(rate(R"({})") == std::array<double, 3>{5, 9, 9});
    // taobao: judged a1 r2 ✓, a1 r3 ✗, a2 r1 ✓, a3 ✗, a5 r1 ✓, a5 r2 ✗
    CHECK(rate(R"({"preset": "taobao"})") == std::array<double, 3>{3, 6, 9});
    // jd: first rounds of a1 ✗ (40 s), a2 ✗ (180 s), a3 ✗, a5 ✓; a4 at night not judged
    CHECK(rate(R"({"preset": "jd"})") == std::array<double, 3>{1, 4, 9});
    // keys beside a preset override it
    CHECK(rate(R"({"preset": "taobao", "service_window": ["00:00", "24:00"]})") ==
          std::array<double, 3>{5, 9, 9});
    CHECK(rate(R"({"preset": "jd", "round_within_s": 180})") ==
          std::array<double, 3>{3, 4, 9});  // a1, a2, a5
    CHECK(
        rate(
            R"({"preset": "jd", "round_response_of": "every_round", "service_window_timezone": "UTC",
                   "service_window": ["00:00", "24:00"]})") == std::array<double, 3>{2, 9, 9});
    CHECK_THROWS_WITH_AS(rate(R"({"service_window_timezone": "Mars/Olympus"})"),
                         doctest::Contains("events.service_window_timezone"), config_error);
    CHECK_THROWS_WITH_AS(rate(R"({"round_response_of": "last"})"),
                         doctest::Contains("events.round_response_of"), config_error);
    std::remove(path.c_str());
}

TEST_CASE("SLA policies: pauses, as_of, business clock, states (by hand)") {
    const std::string path = "test_timeline_sla.csv";
    std::ofstream(path)
        << "interaction_id,at,from,agent,kind,status,channel\n"
           "s1,2026-03-02T09:00:00Z,customer,,,,chat\n"         // FR and resolution start
           "s1,2026-03-02T09:00:20Z,agent,A,,,\n"               // FR 20 s <= 30: achieved
           "s1,2026-03-02T09:01:00Z,system,,status,pending,\n"  // pause from 09:01 ...
           "s1,2026-03-02T09:02:00Z,customer,,,,\n"             // next-reply cycle opens
           "s1,2026-03-02T09:05:00Z,system,,status,open,\n"     // ... to 09:05
           "s1,2026-03-02T09:05:30Z,agent,A,,,\n"  // cycle: 210 s - 180 s paused = 30 <= 60
           "s1,2026-03-02T09:20:00Z,system,,status,solved,\n"  // resolution: 1200 - 240 = 960 <=
                                                               // 1800
           "s2,2026-03-02T10:00:00Z,customer,,,,chat\n"        // unanswered at as_of 10:00:40
           "s3,2026-03-02T10:05:00Z,customer,,,,chat\n"        // after as_of: read, not used
           "s4,2026-02-27T17:59:50Z,customer,,,,email\n"       // Friday 17:59:50
           "s4,2026-03-02T09:00:10Z,agent,B,,,\n";             // Monday 09:00:10: 20 business s
    config cfg = config::from_json(json::parse(R"({
        "as_of": "2026-03-02T10:00:40Z",
        "calendars": {"default": {"timezone": "UTC", "week": {"mon": [["09:00", "18:00"]], "fri": [["09:00", "18:00"]]}}},
        "sla_policies": [
          {"name": "chat", "when": {"channel": "chat"}, "pause_on": ["pending"],
           "targets": {"first_response_s": 30, "next_reply_s": 60, "resolution_s": 1800}},
          {"name": "email", "when": {"channel": "email"}, "clock": "business", "targets": {"first_response_s": 30}}]})"));
    const report r = timeline::run_events_report(path, cfg, {group_key::channel});
    const std::string why = timeline::explain_interaction(path, cfg, "s1");
    std::remove(path.c_str());
    CHECK(r.rows_read == 11);
    CHECK(r.rows_rejected == 0);
    CHECK(r.interactions_derived == 3);  // s3 lies after as_of
    const auto& all = r.groups[0];
    CHECK(all.metric("sla_first_response_num") == 2);  // s1, s4
    CHECK(all.metric("sla_first_response_den") == 3);  // + s2 breached (40 s > 30 at as_of)
    CHECK(all.metric("sla_first_response_active") == 0);
    CHECK(all.metric("sla_next_reply") == 1.0);
    CHECK(all.metric("sla_next_reply_den") == 1);
    CHECK(all.metric("sla_resolution") == 1.0);       // s1 achieved
    CHECK(all.metric("sla_resolution_active") == 1);  // s2 still running, 40 s of 1800
    CHECK(why.find("SLA next reply (policy 'chat', calendar clock): from line 5 to line 7, elapsed "
                   "30 s of 60 s -> achieved") != std::string::npos);
    CHECK(why.find("SLA resolution (policy 'chat', calendar clock): from line 2 to line 8, elapsed "
                   "960 s of 1800 s -> achieved") != std::string::npos);
}

TEST_CASE("event logs stream in chunks and small blocks: the report does not depend on either") {
    const std::string path = "test_timeline_chunks.csv";
    {
        std::ofstream f(path);
        f << "interaction_id,at,from,agent,kind,status,channel,team,customer\n";
        std::uint64_t x = 42;
        auto rnd = [&](std::uint64_t n) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            return (x >> 33) % n;
        };
        const char* froms[] = {"customer", "agent", "bot", "system"};
        for (int i = 0; i < 300; ++i) {
            micros t = at("2026-03-01T00:00:00Z") + static_cast<micros>(i) * 1800 * us_per_s;
            for (int k = 0, n = 1 + static_cast<int>(rnd(8)); k < n; ++k) {
                t += static_cast<micros>(rnd(400)) * us_per_s;
                const char* from = froms[rnd(4)];
                const bool status = std::string(from) == "system" && rnd(2);
                f << "i" << i << ',' << format_utc(t) << ',' << from << ',';
                if (std::string(from) == "agent") f << 'a' << rnd(3);
                f << ',' << (status ? "status" : "") << ','
                  << (status ? (rnd(2) ? "solved" : "pending") : "") << ','
                  << (k == 0 ? (rnd(2) ? "chat" : "email") : "") << ',';
                if (k == 0) f << 't' << rnd(2);
                f << ",c" << rnd(40) << '\n';
            }
        }
    }
    config cfg = config::from_json(json::parse(R"({"sla_policies": [{"name": "all", "when": {},
        "targets": {"first_response_s": 120, "next_reply_s": 200, "resolution_s": 3000}, "pause_on": ["pending"]}]})"));
    run_options whole;
    run_options pieces;
    pieces.events_chunk_rows = 7;
    pieces.block_bytes = 512;
    pieces.threads = 2;
    for (auto by :
         {std::vector<group_key>{}, std::vector<group_key>{group_key::agent, group_key::day},
          std::vector<group_key>{group_key::team}}) {
        const json a = timeline::run_events_report(path, cfg, by, whole).to_json();
        const json b = timeline::run_events_report(path, cfg, by, pieces).to_json();
        CHECK(a["input"]["interactions_derived"] == 300);
        CHECK(a == b);
    }
    std::remove(path.c_str());
}

TEST_CASE(
    "event logs: every reject reaches the sink in line order, the report keeps the first 1000") {
    const std::string path = "test_timeline_rejects.csv";
    {
        std::ofstream f(path);
        f << "interaction_id,at,from,channel\n";
        for (int i = 0; i < 900; ++i) {
            f << "i" << i << ",2026-03-01T10:00:00Z,customer," << (i % 3 ? "chat" : "")
              << '\n';                                          // every third: no channel
            f << "i" << i << ",2026-03-01T10:00:30Z,robot,\n";  // bad sender
        }
    }
    std::vector<reject> all;
    run_options opt;
    opt.events_chunk_rows = 50;
    opt.reject_sink = [&](const reject& r) { all.push_back(r); };
    const report r = timeline::run_events_report(path, config{}, {}, opt);
    std::remove(path.c_str());
    CHECK(r.rows_read == 1800);
    CHECK(all.size() == 900 + 300);
    CHECK(r.rows_rejected ==
          900 + 300);  // the bad rows, and the one row left of each channel-less interaction
    CHECK(std::is_sorted(all.begin(), all.end(),
                         [](const reject& a, const reject& b) { return a.line < b.line; }));
    REQUIRE(r.rejects.size() == 1000);
    CHECK(r.rejects.front().line == all.front().line);
    CHECK(r.rejects.back().line == all[999].line);
    CHECK(r.groups[0].metric("interactions") == 600);
}

namespace {
// The day-by-day sum the calendar used before whole weeks were counted at once: the reference.
double business_seconds_by_day(const calendar& c, micros a, micros b) {
    if (b <= a) return 0;
    const time_zone tz(c.timezone_name());
    constexpr micros day = 86400 * us_per_s;
    micros total = 0;
    for (std::int64_t d = time_zone::floor_div(tz.to_local(a), day) - 1;
         d <= time_zone::floor_div(tz.to_local(b), day) + 1; ++d)
        for (const auto& [s, e] : c.windows_of(d)) {
            const micros lo = std::max(tz.to_utc(d * day + s * us_per_s), a),
                         hi = std::min(tz.to_utc(d * day + e * us_per_s), b);
            if (hi > lo) total += hi - lo;
        }
    return static_cast<double>(total) / 1e6;
}
}  // namespace

TEST_CASE(
    "business seconds: whole weeks at once equal the day-by-day sum (random spans, DST, "
    "holidays)") {
    const calendar shanghai = shop();
    const calendar york = calendar::from_json(json::parse(R"({"timezone": "America/New_York",
        "week": {"sun": [["00:00", "24:00"]], "mon": [["01:30", "03:30"], ["09:00", "17:00"]], "sat": [["10:00", "16:00"]]},
        "holidays": ["2026-03-08", "2026-11-01", "2030-07-04"], "workdays": ["2026-11-07"]})"),
                                              "calendars.ny");
    std::mt19937_64 rng(7);
    const micros lo = at("2024-01-01T00:00:00Z"), span = at("2034-01-01T00:00:00Z") - lo;
    for (const calendar* c : {&shanghai, &york})
        for (int i = 0; i < 400; ++i) {
            const micros a = lo + static_cast<micros>(rng() % static_cast<std::uint64_t>(span));
            const micros len =
                i % 4 == 0
                    ? static_cast<micros>(rng() % (86400ULL * 3 * us_per_s))  // within days
                    : static_cast<micros>(rng() % static_cast<std::uint64_t>(span / 4));  // years
            CAPTURE(a);
            CAPTURE(len);
            CHECK(c->business_seconds(a, a + len) == business_seconds_by_day(*c, a, a + len));
        }
    // Decades in one call: the case that took seconds day by day.
    const micros a = at("2001-01-01T00:00:00Z"), b = at("2099-12-31T00:00:00Z");
    CHECK(york.business_seconds(a, b) == business_seconds_by_day(york, a, b));
}

TEST_CASE(
    "SLA outcomes kept past the log settle as settle_sla does at every later as_of (random timers, "
    "pauses, both clocks)") {
    using namespace cskpi::timeline;
    const calendar cal = shop();
    std::mt19937_64 rng(17);
    auto pick = [&](micros lo, micros hi) {
        return std::uniform_int_distribution<micros>(lo, hi)(rng);
    };
    const micros t0 = at("2026-03-06T16:00:00+08:00");  // a Friday afternoon: a weekend ahead
    std::size_t running = 0, checked = 0;
    for (int trial = 0; trial < 400; ++trial) {
        sla_policy p;
        p.first_response_s = static_cast<double>(pick(1, 7200));
        p.next_reply_s = static_cast<double>(pick(1, 3600));
        p.resolution_s = static_cast<double>(pick(60, 4 * 86400));
        p.business = trial % 2 == 0;
        timeline_options o;
        using timer = derived_interaction::timer;
        auto some_timer = [&](micros start) {
            timer t;
            t.start = start;
            if (pick(0, 2) > 0)
                t.stop = start + pick(0, 3 * 86400) * us_per_s;  // else still running
            return t;
        };
        const std::optional<timer> fr = some_timer(t0 + pick(0, 86400) * us_per_s),
                                   res = some_timer(t0);
        std::vector<timer> nr;
        for (int k = pick(0, 3); k > 0; --k)
            nr.push_back(some_timer(t0 + pick(0, 2 * 86400) * us_per_s));
        // Pauses as status spans make them: one after another, only the last one open.
        std::vector<std::pair<micros, std::optional<micros>>> pauses;
        micros next = t0;
        for (int k = pick(0, 2); k > 0; --k) {
            next += pick(0, 86400) * us_per_s;
            const bool open = k == 1 && pick(0, 3) == 0;
            pauses.emplace_back(
                next,
                open ? std::nullopt : std::optional<micros>(next + pick(1, 86400) * us_per_s));
            if (!open) next = *pauses.back().second;
        }
        sla_inputs in;
        in.policy = &p;
        in.cal = &cal;
        in.first_response = &fr;
        in.resolution = &res;
        in.next_reply = nr;
        in.pauses = pauses;
        micros last = t0;  // the log's last event: every start, stop and pause bound
        for (const auto* t : {&*fr, &*res}) last = std::max(last, t->stop.value_or(t->start));
        for (const auto& t : nr) last = std::max(last, t.stop.value_or(t.start));
        for (const auto& [from, to] : pauses) last = std::max(last, to.value_or(from));
        const auto kept = sla_outcomes(in, o);
        for (const auto& x : kept) running += x.kind == sla_outcome::running;
        for (micros as_of : {last, last + 1, last + pick(1, 3600) * us_per_s,
                             last + pick(1, 30 * 86400) * us_per_s}) {
            const sla_states direct = settle_sla(in, o, as_of);
            CHECK(state_at(kept[0], as_of) == direct.first_response);
            CHECK(state_at(kept[1], as_of) == direct.next_reply);
            CHECK(state_at(kept[2], as_of) == direct.resolution);
            ++checked;
        }
        // At its breach instant a running timer is breached, a microsecond before it is not.
        for (std::size_t k = 0; k < 3; ++k)
            if (kept[k].kind == sla_outcome::running && kept[k].breach != sla_outcome::never &&
                kept[k].breach - 1 >= last) {
                const sla_states before = settle_sla(in, o, kept[k].breach - 1),
                                 after = settle_sla(in, o, kept[k].breach);
                const sla_state b[3] = {before.first_response, before.next_reply,
                                        before.resolution};
                const sla_state a[3] = {after.first_response, after.next_reply, after.resolution};
                CHECK(b[k] == sla_state::active);
                CHECK(a[k] == sla_state::breached);
            }
    }
    CHECK(checked == 1600);
    CHECK(running > 100);  // the case that needs the breach instant is well covered
}

TEST_CASE("presence_log: staffed spans from agents' status changes") {
    using cskpi::timeline::presence_log;
    const auto at = [](int h, int m = 0) { return cskpi::micros{(h * 60 + m) * 60} * 1'000'000; };
    presence_log p;
    CHECK_FALSE(p.staffed(at(9)));  // nobody has come online yet
    p.add("X", at(9), true, 2);
    p.add("X", at(12), false, 3);
    p.add("Y", at(11), true, 4);
    p.add("Y", at(11), true, 5);  // already online: changes nothing
    p.add("Y", at(13), false, 6);
    p.add("Z", at(13), true, 7);  // Z comes online as Y leaves: still staffed
    p.add("Z", at(14), false, 8);
    p.add("X", at(18), true, 9);
    p.add("W", at(15), false, 10);  // offline before ever online: nothing
    using span = std::pair<cskpi::micros, cskpi::micros>;
    CHECK(p.spans() ==
          std::vector<span>{{at(9), at(14)}, {at(18), std::numeric_limits<cskpi::micros>::max()}});
    CHECK_FALSE(p.staffed(at(8, 59)));
    CHECK(p.staffed(at(9)));
    CHECK(p.staffed(at(13)));
    CHECK_FALSE(p.staffed(at(14)));  // [from, to): Z left at 14:00
    CHECK(p.staffed(at(23)));        // X still online when the log ends
    // Changes at one instant apply in line order: off then on leaves the agent online.
    presence_log q;
    q.add("A", at(10), true, 1);
    q.add("A", at(12), true, 3);
    q.add("A", at(12), false, 2);
    CHECK(q.staffed(at(12, 30)));
    CHECK(q.spans().size() == 1);
}
