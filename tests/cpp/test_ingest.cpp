// Field parsing and row validation (spec section 1), expected values worked by hand.
#include <doctest/doctest.h>

#include <cskpi/cskpi.hpp>
#include <algorithm>
#include <map>
#include <random>

using namespace cskpi;

TEST_CASE("booleans, integers, numbers") {
    for (const char* t : {"1", "true", "TRUE", "Yes", "y", "T", "是"}) CHECK(parse_bool(t) == true);
    for (const char* f : {"0", "false", "No", "N", "f", "否"}) CHECK(parse_bool(f) == false);
    for (const char* b : {"2", "ja", "", "truee"}) CHECK(!parse_bool(b));
    CHECK(parse_integer("4") == 4);
    CHECK(parse_integer("4.0") == 4);  // pandas writes integer columns with gaps as floats
    CHECK(!parse_integer("4.5"));
    CHECK(!parse_integer("four"));
    CHECK(parse_number("12.5") == 12.5);
    CHECK(parse_number(" 3 ") == 3.0);
    CHECK(!parse_number("nan"));
    CHECK(!parse_number("1,5"));
    CHECK(seconds_to_us(0.1) == 100000);
}

namespace {
struct row {
    row_validator::fields f{};
    row& set(column c, std::string_view v) {
        f[static_cast<std::size_t>(c)] = v;
        return *this;
    }
};
row base() {
    return row{}
        .set(column::id, "a1")
        .set(column::created_at, "2026-03-01 09:00:00")
        .set(column::channel, "chat");
}
}  // namespace

TEST_CASE("validation derives durations and flags") {
    config cfg;
    row_validator v(cfg);
    interaction_batch b;
    reject why;
    auto r = base()
                 .set(column::first_response_at, "2026-03-01 09:00:20")
                 .set(column::resolved_at, "2026-03-01 10:00:00")
                 .set(column::csat, "5")
                 .set(column::transferred, "yes");
    REQUIRE(v.validate(r.f, 2, b, why));
    CHECK(b.frt[0] == 20 * us_per_s);
    CHECK(b.resolution[0] == 3600 * us_per_s);
    CHECK((b.flags[0] & f_resolved));
    CHECK((b.flags[0] & f_transferred));
    CHECK(b.csat[0] == 5);
    // Duration columns are used when the timestamps are absent.
    auto d = base()
                 .set(column::id, "a2")
                 .set(column::first_response_s, "12.5")
                 .set(column::resolution_s, "600");
    REQUIRE(v.validate(d.f, 3, b, why));
    CHECK(b.frt[1] == 12500000);
    CHECK(b.resolution[1] == 600 * us_per_s);
    CHECK((b.flags[1] & f_resolved));
    // An explicit resolved=false wins over a resolution time.
    auto n =
        base().set(column::id, "a3").set(column::resolution_s, "600").set(column::resolved, "0");
    REQUIRE(v.validate(n.f, 4, b, why));
    CHECK(!(b.flags[2] & f_resolved));
    CHECK(b.resolution[2] == missing_us);
}

TEST_CASE("validation rejects with line, column, value and reason") {
    config cfg;
    row_validator v(cfg);
    interaction_batch b;
    reject why;
    auto check = [&](row r, const char* col, const char* value, const char* reason) {
        CHECK_FALSE(v.validate(r.f, 7, b, why));
        CHECK(why.line == 7);
        CHECK(why.column == col);
        CHECK(why.value == value);
        CHECK(why.reason.find(reason) != std::string::npos);
    };
    check(base().set(column::id, ""), "id", "", "missing required");
    check(base().set(column::channel, " "), "channel", "", "missing required");
    check(base().set(column::created_at, "yesterday"), "created_at", "yesterday",
          "not a timestamp");
    check(base().set(column::first_response_at, "2026-03-01 08:59:59"), "first_response_at",
          "2026-03-01 08:59:59", "before created_at");
    check(base().set(column::resolved_at, "2026-02-28"), "resolved_at", "2026-02-28",
          "before created_at");
    check(base().set(column::csat, "9"), "csat", "9", "out of range: expected 1..5");
    check(base().set(column::csat, "4.5"), "csat", "4.5", "not an integer");
    check(base().set(column::nps, "11"), "nps", "11", "0..10");
    check(base().set(column::ces, "0"), "ces", "0", "1..7");
    check(base().set(column::contacts, "0"), "contacts", "0", ">= 1");
    check(base().set(column::reopened, "-1"), "reopened", "-1", ">= 0");
    check(base().set(column::handle_s, "-3"), "handle_s", "-3",
          "out of range: expected 0..3155760000 seconds");
    check(base().set(column::handle_s, "3155760001"), "handle_s", "3155760001",
          "out of range: expected 0..3155760000 seconds");
    check(base().set(column::order_value, "1000000000001"), "order_value", "1000000000001",
          "out of range: expected 0..1e12");
    check(base().set(column::created_at, "2200-01-01 00:00:00"), "created_at",
          "2200-01-01 00:00:00",
          "out of range: supported times are 1900-01-01 to 2199-12-31 (UTC)");
    check(base().set(column::order_value, "¥12"), "order_value", "¥12", "not a number");
    check(base().set(column::bot, "maybe"), "bot", "maybe", "not a boolean");
    CHECK(b.size() == 0);
    // A configured scale moves the csat range.
    config c10 =
        config::from_json(json::parse(R"({"csat": {"scale": [1, 10], "satisfied_min": 8}})"));
    row_validator v10(c10);
    CHECK(v10.validate(base().set(column::csat, "9").f, 1, b, why));
}

TEST_CASE("id registry keeps the first occurrence") {
    id_registry ids;
    CHECK(ids.insert("x", 2) == 0);
    CHECK(ids.insert("y", 3) == 0);
    CHECK(ids.insert("x", 9) == 2);
    for (int i = 0; i < 5000; ++i)
        CHECK(ids.insert("id" + std::to_string(i), 10 + i) == 0);  // grows
    CHECK(ids.insert("id4321", 99999) == 4331);
    CHECK(ids.size() == 5002);
}

TEST_CASE("id registry: ids that differ in length and one byte are different ids") {
    // Regression: the length was XORed into the last 8 bytes' word, so "c1228" and "c12228"
    // (and 9,770 pairs among "c0".."c1999999") hashed alike and the second was rejected as a
    // duplicate.
    id_registry ids;
    CHECK(ids.insert("c1228", 2) == 0);
    CHECK(ids.insert("c12228", 3) == 0);
    CHECK(ids.insert("c30000001", 4) == 0);
    CHECK(ids.insert("c300000001", 5) == 0);
    std::size_t false_repeats = 0;
    for (int i = 0; i < 300000; ++i)
        false_repeats +=
            ids.insert(std::string("c").append(std::to_string(i)).append("x"), 10 + i) != 0;
    for (int i = 0; i < 300000; ++i)
        false_repeats += ids.insert(std::string("c").append(std::to_string(i)), 10 + i) != 0;
    CHECK(false_repeats == 2);  // "c1228" and "c12228" themselves, inserted above
}

TEST_CASE("id registry sized up front (any table size) still finds every repeat") {
    for (std::size_t expect :
         {std::size_t{0}, std::size_t{1}, std::size_t{777}, std::size_t{20000}}) {
        id_registry ids;
        ids.reserve(expect);  // 777 -> 971 slots: not a power of two; then it doubles from there
        for (int i = 0; i < 20000; ++i)
            REQUIRE(ids.insert(std::string("c").append(std::to_string(i * 7919 % 20011)), 2 + i) ==
                    0);
        for (int i = 0; i < 20000; i += 97)
            CHECK(ids.insert(std::string("c").append(std::to_string(i * 7919 % 20011)), 1) ==
                  2 + i);
        CHECK(ids.size() == 20000);
    }
}

TEST_CASE("dictionary: codes in order of first sight, small and large, near-identical strings") {
    // Oracle: a std::map from string to first-sight index. Strings of every length 1..20 that
    // differ in one byte at the start, middle or end (the bytes short_words reads), looked up
    // in shuffled order while the dictionary is small (compared in place) and after it grows.
    std::vector<std::string> words;
    for (std::size_t n = 1; n <= 20; ++n)
        for (std::size_t at : {std::size_t{0}, n / 2, n - 1}) {
            std::string w(n, 'a');
            words.push_back(w);
            w[at] = 'b';
            words.push_back(w);
        }
    words.push_back("售前组");
    words.push_back("售后组");
    std::mt19937_64 rng(17);
    for (std::size_t start : {std::size_t{0}, std::size_t{3}}) {
        detail::dictionary d;
        std::map<std::string, std::uint32_t> oracle;
        auto order = words;
        std::shuffle(order.begin(), order.end(), rng);
        order.resize(start == 0 ? 6 : order.size());  // 6 distinct-or-repeated: stays small
        for (int round = 0; round < 3; ++round)
            for (const auto& w : order) {
                const auto it = oracle.emplace(w, static_cast<std::uint32_t>(oracle.size())).first;
                CHECK_MESSAGE(d.code(w) == it->second, w);
                CHECK(d.value(it->second) == w);
            }
        CHECK(d.size() == oracle.size());
        CHECK(d.code("") == detail::no_code);
    }
}

TEST_CASE("config: defaults, overrides and key-path errors") {
    const config d = config::from_json(json::object());
    CHECK(d.timezone == "UTC");
    CHECK(d.sla_first_response_s.at("chat") == 30);
    CHECK(d.columns.empty());
    const config c = config::from_json(json::parse(
        R"({"sla": {"first_response_s": {"chat": 60}, "abandoned": "exclude"}, "fcr": {"window_s": 3600}})"));
    CHECK(c.sla_first_response_s.size() == 1);  // a user-keyed map replaces the default
    CHECK(c.sla_by_priority_first_response_s.at("urgent") == 60);  // untouched keys keep defaults
    CHECK(c.sla_abandoned == abandoned_rule::exclude);
    CHECK(c.fcr_same_category);
    auto err = [](const char* text) {
        try {
            config::from_json(json::parse(text));
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(err(R"({"timezon": "UTC"})") ==
          "config: timezon: unknown key (did you mean 'timezone'?)");
    CHECK(err(R"({"sla": {"first_response_s": {"chat": "30"}}})") ==
          "config: sla.first_response_s.chat: expected a number, actual string");
    CHECK(err(R"({"csat": {"scale": [5, 1]}})") ==
          "config: csat.scale: expected min < max, actual [5,1]");
    CHECK(err(R"({"sla": {"abandoned": "ignore"}})") ==
          "config: sla.abandoned: expected \"breach\" or \"exclude\", actual \"ignore\"");
    CHECK(err(R"({"confidence": 1.5})") ==
          "config: confidence: expected a number in (0, 1), actual 1.5");
    CHECK(err(R"({"fcr": {"same_category": 1}})") ==
          "config: fcr.same_category: expected true or false, actual 1");
    CHECK(err(R"([1])") == "config: (root): expected an object, actual array");
}
