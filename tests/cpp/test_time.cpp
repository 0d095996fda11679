// Expected instants computed with Python's datetime/zoneinfo and pandas tz_localize
// (ambiguous=True, nonexistent="shift_forward"); ISO weeks with pandas' isocalendar().
#include <doctest/doctest.h>

#include <cskpi/cskpi.hpp>

using namespace cskpi;

TEST_CASE("timestamps: every form of section 1") {
    const time_zone utc;
    const time_zone sh("Asia/Shanghai");
    const micros t = 1772327700LL * us_per_s;  // 2026-03-01T01:15:00Z
    CHECK(parse_timestamp("2026-03-01T09:15:00+08:00", utc) == t);
    CHECK(parse_timestamp("2026-03-01T09:15:00+0800", utc) == t);
    CHECK(parse_timestamp("2026-03-01T09:15+08:00", utc) == t);
    CHECK(parse_timestamp("2026-03-01T01:15:00Z", sh) == t);
    CHECK(parse_timestamp("2026-03-01T01:15:00.250Z", utc) == t + 250000);
    CHECK(parse_timestamp("2026-03-01T01:15:00.1234567Z", utc) == t + 123456);  // truncated to µs
    CHECK(parse_timestamp("2026-03-01 09:15:00", sh) == t);  // naive: configured zone
    CHECK(parse_timestamp("2026-03-01T09:15:00", sh) == t);
    CHECK(parse_timestamp("2026-03-01 01:15:00", utc) == t);
    CHECK(parse_timestamp("1772327700", sh) == t);  // epoch seconds ignore the zone
    CHECK(parse_timestamp("1772327700.5", utc) == t + 500000);
    CHECK(parse_timestamp("  1772327700 ", utc) == t);
    CHECK(parse_timestamp("2026-03-01", sh) == t - (9 * 3600 + 15 * 60) * us_per_s);
}

TEST_CASE("timestamps: rejected text") {
    const time_zone utc;
    for (const char* bad : {"", "abc", "2026-02-30 10:00:00", "2026-13-01", "2026-03-01T25:00:00",
                            "2026-03-01T10:61:00", "2026-03-01 10:00:00+25:00", "2026/13/01 10:00",
                            "2026/02/30", "2026/03/01 10", "01/03/2026 10:00", "2026年3月",
                            "2026/3-1", "2026-03-01T10:00:00Q", "12.", "1e9"})
        CHECK_MESSAGE(!parse_timestamp(bad, utc).has_value(), std::string(bad));
}

TEST_CASE("timestamps: year-first forms exports write") {
    // Expected instants from `TZ=Asia/Shanghai date -d '2026-03-01 09:05:00' +%s` = 1772327100
    // and `date -u -d '2026-03-01 09:05:30' +%s` = 1772355930 (GNU coreutils).
    const time_zone sh("Asia/Shanghai");
    const micros t = 1772327100LL * us_per_s;
    for (const char* s :
         {"2026/3/1 9:05", "2026/03/01 09:05:00", "2026.03.01 09:05", "2026年3月1日 9:05",
          "2026年03月01日 09:05:00", "2026-03-01 09:05:00 +0800", "2026/3/1 1:05 Z"})
        CHECK_MESSAGE(parse_timestamp(s, sh) == t, std::string(s));
    CHECK(parse_timestamp("2026/3/1", sh) == t - (9 * 3600 + 5 * 60) * us_per_s);  // local midnight
    CHECK(parse_timestamp("2026-03-01 09:05:30 +00:00", sh) == 1772355930LL * us_per_s);
}

TEST_CASE("timestamps: the fixed-position form and its remembered date") {
    // Expected instants from `date -u -d '<text>' +%s` (GNU coreutils).
    time_zone utc;  // one zone object in sequence, as a reading thread uses it
    CHECK(parse_timestamp("2024-02-29 23:59:59", utc) == 1709251199LL * us_per_s);  // leap day
    CHECK(parse_timestamp("2024-02-29 00:00:00", utc) ==
          1709164800LL * us_per_s);  // same date again
    CHECK(parse_timestamp("2000-02-29T12:00:00", utc) == 951825600LL * us_per_s);  // 400-year leap
    CHECK(parse_timestamp("1999-12-31 23:59:59", utc) == 946684799LL * us_per_s);
    // Rejected after a valid parse of the same or a near date: nothing carries over wrongly.
    for (const char* bad : {"2023-02-29 10:00:00", "1900-02-29 10:00:00", "2024-04-31 10:00:00",
                            "2024-00-10 10:00:00", "2024-02-00 10:00:00", "2024-02-29 24:00:00",
                            "2024-02-29 23:60:00", "2024-02-29 23:59:60", "2024-02-29 2a:00:00",
                            "2024-02-29 23:59:5/", "2024-02-2: 10:00:00", "2024-02-29x10:00:00",
                            "202/-02-29 10:00:00", "2024-0/-29 10:00:00"}) {
        CHECK(parse_timestamp("2024-02-29 01:00:00", utc) == 1709168400LL * us_per_s);
        CHECK_MESSAGE(!parse_timestamp(bad, utc).has_value(), std::string(bad));
    }
    // The remembered date belongs to its zone object: the same text in another zone differs.
    const time_zone sh("Asia/Shanghai");
    CHECK(parse_timestamp("2024-02-29 08:00:00", sh) == 1709164800LL * us_per_s);
    CHECK(parse_timestamp("2024-02-29 08:00:00", utc) == 1709193600LL * us_per_s);
}

TEST_CASE("timestamps: the 8-byte fixed-position reader agrees with the general parser") {
    // Every byte value at every position of valid 19-character texts, through both readers:
    // where the fixed reader accepts, the general parser gives the same instant; where it
    // declines, parse_timestamp still gives the general parser's answer.
    const time_zone sh("Asia/Shanghai");
    std::size_t accepted = 0, declined = 0;
    for (const char* base : {"2026-03-01 13:54:40", "2024-02-29T23:59:59", "1999-12-31t00:00:09",
                             "2026-11-09 09:09:09"}) {
        for (std::size_t pos = 0; pos < 19; ++pos) {
            for (int c = 0; c < 256; ++c) {
                std::string t = base;
                t[pos] = static_cast<char>(c);
                if (pos == 0 || pos == 18) {
                    if (c == ' ' || c == '\t') continue;  // trimmed away: no longer 19 characters
                }
                const auto general = detail::parse_timestamp_general(t, sh);
                const auto fixed = detail::parse_fixed_timestamp(t, sh);
                if (fixed) {
                    ++accepted;
                    CHECK_MESSAGE(general == fixed, t);
                } else {
                    ++declined;
                }
                auto either = general ? general : detail::parse_timestamp_loose(t, sh);
                if (either && !supported_time(*either))
                    either.reset();  // years before 1900 or from 2200 on
                CHECK_MESSAGE(parse_timestamp(t, sh) == either, t);
            }
        }
    }
    CHECK(accepted > 4 * 14 * 5);  // most digit variants of the 14 digit positions
    // A fresh zone's remembered date is a real one: ten zero bytes are no date, 1970-01-01 is.
    CHECK(!parse_timestamp(std::string(10, '\0') + " 12:00:00", time_zone()).has_value());
    CHECK(parse_timestamp("1970-01-01 00:00:01", time_zone()) == us_per_s);
    CHECK(declined > 4 * 19 * 200);
}

TEST_CASE("timestamps: DST gaps and overlaps (America/New_York)") {
    const time_zone ny("America/New_York");
    // 02:30 does not exist on 2026-03-08: moved to the transition, 03:00 EDT = 07:00Z.
    CHECK(parse_timestamp("2026-03-08 02:30:00", ny) == 1772953200LL * us_per_s);
    // 01:30 happens twice on 2026-11-01: the earlier (EDT) instant, 05:30Z.
    CHECK(parse_timestamp("2026-11-01 01:30:00", ny) == 1793511000LL * us_per_s);
    CHECK(ny.to_local(1793511000LL * us_per_s) == (1793511000LL - 4 * 3600) * us_per_s);
    CHECK(ny.to_local(1793514600LL * us_per_s) ==
          (1793514600LL - 5 * 3600) * us_per_s);  // 01:30 EST
    // Far from a transition the cached offset answers; crossing one refreshes it.
    CHECK(ny.to_utc(*parse_timestamp("2026-07-01", time_zone())) ==
          *parse_timestamp("2026-07-01T00:00:00-04:00", time_zone()));
    CHECK(ny.to_utc(*parse_timestamp("2026-01-15", time_zone())) ==
          *parse_timestamp("2026-01-15T00:00:00-05:00", time_zone()));
    CHECK_THROWS_AS(time_zone("Mars/Olympus"), std::invalid_argument);
}

TEST_CASE("time buckets and labels") {
    const time_zone utc;
    auto label = [&](group_key k, const char* ts) {
        return time_label(k, time_bucket(k, *parse_timestamp(ts, utc)));
    };
    CHECK(label(group_key::hour, "2026-03-01 09:59:59") == "2026-03-01T09");
    CHECK(label(group_key::day, "2026-03-01 23:59:59") == "2026-03-01");
    CHECK(label(group_key::week, "2026-03-01 12:00:00") == "2026-W09");  // a Sunday
    CHECK(label(group_key::week, "2027-01-01 00:00:00") == "2026-W53");
    CHECK(label(group_key::week, "2026-12-28 00:00:00") == "2026-W53");
    CHECK(label(group_key::week, "2021-01-03 00:00:00") == "2020-W53");
    CHECK(label(group_key::month, "2026-12-31 23:00:00") == "2026-12");
    CHECK(label(group_key::quarter, "2026-04-01 00:00:00") == "2026-Q2");
    CHECK(label(group_key::year, "2026-04-01 00:00:00") == "2026");
    CHECK(label(group_key::day, "1969-12-31 23:00:00") == "1969-12-31");  // before the epoch
    CHECK(label(group_key::hour, "1969-12-31 23:00:00") == "1969-12-31T23");
    // Buckets follow the configured zone: 2026-03-01T20:00Z is already 03-02 in Shanghai.
    const time_zone sh("Asia/Shanghai");
    const micros t = *parse_timestamp("2026-03-01T20:00:00Z", utc);
    CHECK(time_label(group_key::day, time_bucket(group_key::day, sh.to_local(t))) == "2026-03-02");
}

TEST_CASE("fixed-offset time zones: +08:00, +0800, +8, UTC+8, GMT-05:30") {
    CHECK(detail::fixed_offset_seconds("+08:00") == 8 * 3600);
    CHECK(detail::fixed_offset_seconds("+0800") == 8 * 3600);
    CHECK(detail::fixed_offset_seconds("+8") == 8 * 3600);
    CHECK(detail::fixed_offset_seconds("UTC+8") == 8 * 3600);
    CHECK(detail::fixed_offset_seconds("GMT-05:30") == -(5 * 3600 + 30 * 60));
    CHECK(detail::fixed_offset_seconds("-00:00") == 0);
    for (const char* bad : {"+25:00", "+8:7", "+08:60", "08:00", "+", "UTC", "+08:00:00", "UTC+x"})
        CHECK_FALSE(detail::fixed_offset_seconds(bad).has_value());
    // China has kept UTC+8 since 1991: the fixed offset and the IANA zone agree on every instant.
    const time_zone fixed("+08:00"), shanghai("Asia/Shanghai");
    CHECK_FALSE(fixed.is_utc());
    for (micros t :
         {micros{0}, micros{1'772'359'200} * us_per_s, micros{1'772'359'200} * us_per_s + 123456}) {
        CHECK(fixed.to_local(t) == shanghai.to_local(t));
        CHECK(fixed.to_utc(t) == shanghai.to_utc(t));
    }
    CHECK(parse_timestamp("2026-03-01 09:00:00", fixed) ==
          parse_timestamp("2026-03-01T01:00:00Z", time_zone()));
    CHECK_THROWS_WITH_AS(time_zone("+25:00"), doctest::Contains("or a fixed offset such as +08:00"),
                         std::invalid_argument);
}

TEST_CASE("timestamps: instants outside 1900-01-01 .. 2199-12-31 are refused, with the reason") {
    const time_zone utc, ny("America/New_York");
    CHECK(parse_timestamp("1900-01-01 00:00:00", utc) ==
          -2208988800LL * us_per_s);  // python: datetime(1900,1,1) - epoch
    CHECK(parse_timestamp("2199-12-31 23:59:59", utc) == 7258118399LL * us_per_s);
    CHECK_FALSE(parse_timestamp("1899-12-31 23:59:59", utc));
    CHECK_FALSE(parse_timestamp("2200-01-01 00:00:00", utc));
    CHECK_FALSE(parse_timestamp("9999-12-31", utc));
    CHECK_FALSE(parse_timestamp("40000000000", utc));  // epoch seconds in the year 3237
    CHECK_FALSE(parse_timestamp("2199-12-31T23:00:00-05:00", utc));  // 2200-01-01T04:00Z
    CHECK(parse_timestamp("2199-12-31 18:59:59", ny));               // 23:59:59Z
    CHECK(timestamp_error("9999-12-31", utc) ==
          "out of range: supported times are 1900-01-01 to 2199-12-31 (UTC)");
    CHECK(timestamp_error("31/12/2026", utc) == "not a timestamp");
}

TEST_CASE("configuration numbers: integers never truncated, durations at most 100 years") {
    CHECK_THROWS_WITH_AS(
        config::from_json(json::parse(R"({"csat": {"satisfied_min": 4294967300}})")),
        "config: csat.satisfied_min: expected an integer from -2147483648 to 2147483647, actual "
        "4294967300",
        config_error);
    CHECK_THROWS_AS(config::from_json(json::parse(R"({"csat": {"scale": [1, 4294967301]}})")),
                    config_error);
    CHECK_THROWS_WITH_AS(
        config::from_json(json::parse(R"({"fcr": {"window_s": 1e300}})")),
        "config: fcr.window_s: expected 0..3155760000 seconds (100 years), actual 1e+300",
        config_error);
    CHECK(config::from_json(json::parse(R"({"fcr": {"window_s": 3155760000}})")).fcr_window_s ==
          3155760000.0);
    CHECK_THROWS_AS(config::from_json(json::parse(R"({"complaint": {"resolve_s": 3155760001}})")),
                    config_error);
    CHECK_THROWS_AS(config::from_json(json::parse(R"({"staffing": {"patience_s": 1e20}})")),
                    config_error);
}
