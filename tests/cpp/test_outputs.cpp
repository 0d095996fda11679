// The dashboard's pieces worked by hand: how values are shown, the FRT brackets, which periods
// are complete, and HTML escaping. The page and the workbook as a whole are checked in a browser
// and with openpyxl (tests/python/test_dashboard.py, test_workbook.py).
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <cskpi/report/html.hpp>

using namespace cskpi;

TEST_CASE("values are shown as people read them") {
    CHECK(present::clock(28) == "0:28");
    CHECK(present::clock(59.6) == "1:00");
    CHECK(present::clock(725) == "12:05");
    CHECK(present::clock(3723) == "1:02:03");
    CHECK(present::clock(2 * 86400 + 3 * 3600 + 4 * 60 + 5) == "2d 03:04:05");
    CHECK(present::clock(-65) == "-1:05");
    CHECK(present::percent(0.63604) == "63.6%");
    CHECK(present::grouped(1234567) == "1,234,567");
    CHECK(present::grouped(-1000) == "-1,000");
    CHECK(present::grouped(999) == "999");
    CHECK(present::text(std::nan(""), "csat") == "\u2013");
    CHECK(present::text(4995, "interactions") == "4,995");
    CHECK(present::text(0.784, "csat") == "78.4%");
    CHECK(present::text(28, "frt_median") == "0:28");
    CHECK(present::text(1234.5, "sales_total") == "1,234.50");
    CHECK(present::text(-0.005, "sales_total") == "-0.01");
    CHECK(present::kind_of("sla_frt_ci_low") == present::value_kind::percent);
    CHECK(present::kind_of("frt_p90") == present::value_kind::duration);
    CHECK(present::kind_of("avg_order_value") == present::value_kind::money);
}

TEST_CASE("FRT brackets count each value once, the last one open") {
    // 0 and 9.9 in [0,10); 10 in [10,20); 45 in [30,60); 86400 and 1e6 in the open bin.
    const auto bins = dashboard::duration_histogram({0, 9.9, 10, 45, 86400, 1e6});
    REQUIRE(bins.size() == 14);
    CHECK(bins[0].count == 2);
    CHECK(bins[1].count == 1);
    CHECK(bins[2].count == 0);
    CHECK(bins[3].count == 1);
    CHECK(bins.back().low == 86400);
    CHECK(std::isinf(bins.back().high));
    CHECK(bins.back().count == 2);
    std::uint64_t n = 0;
    for (const auto& b : bins) n += b.count;
    CHECK(n == 6);
    CHECK(dashboard::duration_histogram({}).empty());
}

TEST_CASE("period labels give their first and last day") {
    using date::sys_days;
    using namespace date::literals;
    // ISO week 10 of 2026 runs Monday 2 March to Sunday 8 March.
    auto w = dashboard::period_days(group_key::week, "2026-W10");
    CHECK(w.first == sys_days{2026_y / 3 / 2});
    CHECK(w.second == sys_days{2026_y / 3 / 8});
    // ISO week 1 of 2026 starts on Monday 29 December 2025.
    CHECK(dashboard::period_days(group_key::week, "2026-W01").first == sys_days{2025_y / 12 / 29});
    auto m = dashboard::period_days(group_key::month, "2024-02");
    CHECK(m.second == sys_days{2024_y / 2 / 29});
    CHECK_THROWS_AS(dashboard::period_days(group_key::week, "March"), std::invalid_argument);
    CHECK_THROWS_AS(dashboard::period_days(group_key::year, "2026"), std::invalid_argument);
}

TEST_CASE("text from the data cannot become markup") {
    CHECK(html::escape("<img src=x onerror=\"a('1')\">&") ==
          "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;");
    CHECK(html::escape("售前组") == "售前组");
    const std::string page = html::render_error("data.csv:3: column 'x': <b>", {});
    CHECK(page.find("&lt;b&gt;") != std::string::npos);
    CHECK(page.find("<script") == std::string::npos);
}

TEST_CASE("CSV for people: formula-like text neutralized, missing and literal null apart") {
    using cskpi::detail::csv_field;
    using cskpi::detail::csv_key;
    CHECK(csv_field("=HYPERLINK(\"x\")") ==
          "\"=HYPERLINK(\"\"x\"\")\"");  // machine output: RFC 4180 only
    CHECK(csv_field("=HYPERLINK(\"x\")", true) == "\"'=HYPERLINK(\"\"x\"\")\"");
    for (const char* s : {"+1", "-1", "@SUM(A1)", "\tx", "\rx"})
        CHECK(csv_field(s, true) == std::string("\"'") + s + "\"");
    CHECK(csv_field("a-b", true) == "a-b");
    CHECK(csv_field("", true) == "");
    CHECK(csv_key(std::optional<std::string>()) == "null");
    CHECK(csv_key(std::optional<std::string>("null")) == "\"null\"");
    CHECK(csv_key(std::optional<std::string>("NULL")) == "NULL");
    std::ostringstream people, machine;
    cskpi::detail::for_people(people);
    CHECK(cskpi::detail::is_for_people(people));
    CHECK_FALSE(cskpi::detail::is_for_people(machine));
    cskpi::write_rejects_csv_row(people, {3, "agent", "=1+1", "reason"});
    cskpi::write_rejects_csv_row(machine, {3, "agent", "=1+1", "reason"});
    CHECK(people.str() == "3,agent,\"'=1+1\",reason\n");
    CHECK(machine.str() == "3,agent,=1+1,reason\n");
}

TEST_CASE("numbers are written in std::to_chars' shortest form, whole values included") {
    // number_text takes a shortcut for whole values; the standard's shortest form is the oracle.
    auto shortest = [](double v) {
        char buf[64];
        return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    };
    for (double v = -100001; v <= 100001; v += 1) REQUIRE(detail::number_text(v) == shortest(v));
    for (double v : {0.0, -0.0, 1e5, 1e6, 123456789.0, 1e15, 1e16, 0.5, -2.25, 1e-7, 99999.5,
                     std::numeric_limits<double>::infinity(), 4503599627370496.0})
        CHECK(detail::number_text(v) == shortest(v));
    CHECK(detail::number_text(100000) == "1e+05");  // shortest: the exponent form
    CHECK(detail::number_text(-0.0) == "-0");
    CHECK(detail::number_text(std::nan("")) == "null");
}
