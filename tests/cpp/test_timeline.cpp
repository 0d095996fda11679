// Conversation timelines: business-hours calendars (hand-worked cases; a brute-force
// minute-by-minute comparison on random spans is in tests/python/test_timeline.py).
#include <doctest/doctest.h>

#include <cskpi/timeline/calendar.hpp>

using namespace cskpi;
using cskpi::timeline::calendar;

namespace {
micros at(const char* s, const char* zone = "UTC") { return *parse_timestamp(s, time_zone(zone)); }
calendar shop() {
    return calendar::from_json(json::parse(R"({"timezone": "Asia/Shanghai",
        "week": {"mon": [["09:00", "12:00"], ["13:00", "18:00"]], "tue": [["09:00", "12:00"], ["13:00", "18:00"]],
                 "wed": [["09:00", "12:00"], ["13:00", "18:00"]], "thu": [["09:00", "12:00"], ["13:00", "18:00"]],
                 "fri": [["09:00", "12:00"], ["13:00", "18:00"]]},
        "holidays": ["2026-10-01"], "workdays": ["2026-10-10"]})"), "calendars.default");
}
}  // namespace

TEST_CASE("business seconds: weekends, midnight, lunch, holidays and make-up days (by hand)") {
    const calendar c = shop();
    // Fri 17:00 -> Mon 10:00: Fri 17-18 + Mon 9-10
    CHECK(c.business_seconds(at("2026-03-06T17:00:00+08:00"), at("2026-03-09T10:00:00+08:00")) == 7200);
    // Tue 17:30 -> Wed 09:30 across midnight
    CHECK(c.business_seconds(at("2026-03-10T17:30:00+08:00"), at("2026-03-11T09:30:00+08:00")) == 3600);
    // 11:30 -> 13:30 over the lunch break
    CHECK(c.business_seconds(at("2026-03-10T11:30:00+08:00"), at("2026-03-10T13:30:00+08:00")) == 3600);
    // Wed 30 Sep 17:00 -> Fri 2 Oct 10:00, Thursday 1 Oct a holiday
    CHECK(c.business_seconds(at("2026-09-30T17:00:00+08:00"), at("2026-10-02T10:00:00+08:00")) == 7200);
    // Saturday 10 Oct is a make-up day with Monday's schedule: 10-12 + 13-14
    CHECK(c.business_seconds(at("2026-10-10T10:00:00+08:00"), at("2026-10-10T14:00:00+08:00")) == 10800);
    // A whole month: March 2026 has 22 weekdays x 8 h
    CHECK(c.business_seconds(at("2026-03-01T00:00:00+08:00"), at("2026-04-01T00:00:00+08:00")) == 22 * 8 * 3600);
    // Empty and reversed spans, fractions of a second
    CHECK(c.business_seconds(at("2026-03-10T10:00:00+08:00"), at("2026-03-10T10:00:00+08:00")) == 0);
    CHECK(c.business_seconds(at("2026-03-10T11:00:00+08:00"), at("2026-03-10T10:00:00+08:00")) == 0);
    CHECK(c.business_seconds(at("2026-03-10T09:59:59.75+08:00"), at("2026-03-10T10:00:00.5+08:00")) == doctest::Approx(0.75));
    CHECK(c.is_open(at("2026-03-10T09:00:00+08:00")));
    CHECK_FALSE(c.is_open(at("2026-03-10T12:00:00+08:00")));
}

TEST_CASE("business seconds: DST days in New York last 23 and 25 hours") {
    const calendar c = calendar::from_json(json::parse(R"({"timezone": "America/New_York",
        "week": {"sun": [["00:00", "24:00"]], "mon": [["00:00", "24:00"]]}})"), "c");
    CHECK(c.business_seconds(at("2026-03-08 00:00", "America/New_York"), at("2026-03-09 00:00", "America/New_York")) == 23 * 3600);
    CHECK(c.business_seconds(at("2026-11-01 00:00", "America/New_York"), at("2026-11-02 00:00", "America/New_York")) == 25 * 3600);
    // Sunday + Monday open, Saturday closed: Sat 12:00 -> Tue 00:00 on the spring-forward weekend
    CHECK(c.business_seconds(at("2026-03-07 12:00", "America/New_York"), at("2026-03-10 00:00", "America/New_York")) == 47 * 3600);
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
          "config: calendars.default.week.mon[0]: expected start < end (split overnight windows at 24:00)");
    CHECK(err(R"({"week": {"mon": [["9:00", "18:00"]]}})") ==
          "config: calendars.default.week.mon[0][0]: expected HH:MM (00:00 to 24:00), actual \"9:00\"");
    CHECK(err(R"({"week": {"monday": []}})") == "config: calendars.default.week.monday: expected mon, tue, wed, thu, fri, sat or sun");
    CHECK(err(R"({"holidays": ["2026-02-30"]})") == "config: calendars.default.holidays[0]: expected a date YYYY-MM-DD, actual \"2026-02-30\"");
    CHECK(err(R"({"timezone": "Mars/Olympus"})") == "config: calendars.default.timezone: unknown time zone 'Mars/Olympus'");
    CHECK(err(R"({"holidays": ["2026-10-10"], "workdays": ["2026-10-10"]})") ==
          "config: calendars.default.workdays: a date is both a holiday and a workday");
    CHECK(err(R"({"week": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}})") == "config: calendars.default.week.mon: windows overlap");
}
