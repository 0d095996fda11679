// CSV tokenizing (RFC 4180), header mapping and block splitting; JSON Lines rows.
#include <doctest/doctest.h>

#include <cskpi/cskpi.hpp>

using namespace cskpi;

namespace {
std::vector<std::string> split(std::string_view data, std::string* error = nullptr,
                               std::uint64_t* lines = nullptr) {
    std::vector<std::string_view> f;
    std::deque<std::string> arena;
    std::string err;
    std::uint64_t spanned = 0;
    detail::split_csv_record(data, 0, f, arena, err, spanned);
    if (error) *error = err;
    if (lines) *lines = spanned;
    return {f.begin(), f.end()};
}
}  // namespace

TEST_CASE("CSV records: quoting, escapes, line breaks") {
    CHECK(split("a,b,c\n") == std::vector<std::string>{"a", "b", "c"});
    CHECK(split("a,,c\r\n") == std::vector<std::string>{"a", "", "c"});
    CHECK(split("a,b,") == std::vector<std::string>{"a", "b", ""});
    CHECK(split("\"x, y\",\"say \"\"hi\"\"\",z\n") ==
          std::vector<std::string>{"x, y", "say \"hi\"", "z"});
    std::uint64_t lines = 0;
    CHECK(split("\"line1\nline2\",b\n", nullptr, &lines) ==
          std::vector<std::string>{"line1\nline2", "b"});
    CHECK(lines == 2);
    CHECK(split("\"\",x\n") == std::vector<std::string>{"", "x"});
    std::string err;
    split("\"open,b\n", &err);
    CHECK(err == "unterminated quoted field");
    split("\"a\"b,c\n", &err);
    CHECK(err == "unexpected text after a closing quote");
}

TEST_CASE("plain records: the 16-byte scanner splits as the general splitter, or declines") {
    // Fields of the plain record at p as strings, the end it returns, and its field count.
    auto plain = [](std::string_view data, std::size_t p, std::size_t max,
                    std::size_t* end = nullptr) {
        std::vector<std::size_t> ends(max);
        std::size_t count = 0;
        const std::size_t e = detail::split_plain_record(data, p, ends.data(), max, count);
        if (end) *end = e;
        std::vector<std::string> out;
        if (e == detail::not_plain) return out;
        for (std::size_t i = 0, start = p; i < count; start = ends[i++] + 1)
            out.emplace_back(data.substr(start, ends[i] - start));
        return out;
    };
    std::size_t end = 0;
    // Hand-worked: 40 bytes, separators on both sides of the 16- and 32-byte boundaries.
    const std::string rec = "CS000000001,2026-03-01 13:54:40,chat,,x\nnext,row\n";
    CHECK(plain(rec, 0, 8, &end) ==
          std::vector<std::string>{"CS000000001", "2026-03-01 13:54:40", "chat", "", "x"});
    CHECK(end == 40);
    CHECK(plain(rec, 40, 8, &end) == std::vector<std::string>{"next", "row"});
    CHECK(end == rec.size());
    // The last record without a line break ends at the data's end, as in split_csv_record.
    CHECK(plain("a,b", 0, 4, &end) == std::vector<std::string>{"a", "b"});
    CHECK(end == 4);
    // A '\r' stays on the last field here; the caller drops it as for the general path.
    CHECK(plain("a,b\r\n", 0, 4) == std::vector<std::string>{"a", "b\r"});
    // Declines: a quote anywhere in the record, or more fields than expected.
    CHECK(plain("abcdefghijklmnopqrstuvwxyz,\"q\"\n", 0, 8, &end).empty());
    CHECK(end == detail::not_plain);
    CHECK(plain("a,b,c,d\n", 0, 3, &end).empty());
    CHECK(end == detail::not_plain);
    // A quote in the next record does not make this one unplain (within the same 16 bytes).
    CHECK(plain("a,b\n\"c\",d\n", 0, 4) == std::vector<std::string>{"a", "b"});
    // Every length and offset around the 16-byte steps, against the general splitter.
    for (std::size_t len = 1; len < 50; ++len) {
        std::string line;
        for (std::size_t i = 0; i < len; ++i)
            line += (i % 7 == 3) ? ',' : static_cast<char>('a' + i % 26);
        const std::string data = "xx\n" + line + "\nzz";
        CHECK(plain(data, 3, 64, &end) == split(line + "\n"));
        CHECK(end == 3 + len + 1);
    }
}

TEST_CASE("block boundaries never cut a quoted field") {
    CHECK(last_record_end("a,b\nc,d\ne,f", input_format::csv) == 8);
    CHECK(last_record_end("a,\"x\ny\"\nc,\"open\n", input_format::csv) == 8);
    CHECK(last_record_end("no newline", input_format::csv) == 0);
    CHECK(last_record_end("{\"a\":1}\n{\"a\"", input_format::jsonl) == 8);
    // Quotes as the parser reads them: a quote inside an unquoted field is a character (a
    // count of quotes would see the last line break as quoted and find no record end) ...
    CHECK(last_record_end("a,5\" x\nb,c\n", input_format::csv) == 11);
    CHECK(last_record_end("a,5\" x\nb,\"c\nd\"\n", input_format::csv) == 15);
    CHECK(last_record_end("a,5\" x\nb,\"c\nd", input_format::csv) == 7);
    // ... doubled quotes stay inside the field, text after a closing quote runs to the line's
    // end (its quotes are characters too), and a quote after a line break opens a field.
    CHECK(last_record_end("\"x\"\"\n\"\ny\n", input_format::csv) == 9);
    CHECK(last_record_end("\"x\"y\"z\nq\n", input_format::csv) == 9);
    CHECK(last_record_end("\"x\"y,\"\n\"z\nq", input_format::csv) == 7);
    CHECK(last_record_end("a\r\n\"b\r\nc\"\r\nd", input_format::csv) == 11);
}

TEST_CASE("header mapping: renamed, ignored, missing and repeated columns") {
    config cfg =
        config::from_json(json::parse(R"({"columns": {"id": "会话ID", "agent": "客服"}})"));
    column_mapping map(cfg);
    std::vector<std::string> ignored;
    auto cols = read_csv_header("会话ID,created_at,channel,客服,备注", map, "f.csv", ignored);
    REQUIRE(cols.size() == 5);
    CHECK(cols[0] == column::id);
    CHECK(cols[3] == column::agent);
    CHECK(!cols[4]);
    CHECK(ignored == std::vector<std::string>{"备注"});
    try {
        read_csv_header("id,created_at,channel", map, "f.csv", ignored);  // id is renamed: missing
        FAIL("expected input_error");
    } catch (const input_error& e) {
        CHECK(e.line() == 1);
        CHECK(e.column() == "会话ID");
        CHECK(std::string(e.what()).rfind(
                  "f.csv:1: column '会话ID': header: required column missing", 0) == 0);
    }
    CHECK_THROWS_AS(read_csv_header("会话ID,created_at,channel,channel", map, "f.csv", ignored),
                    input_error);
    CHECK_THROWS_AS(column_mapping(config::from_json(json::parse(R"({"columns": {"nope": "x"}})"))),
                    config_error);
}

// A CSV block parser for `header` under the default configuration.
struct csv_fixture {
    config cfg;
    column_mapping map{cfg};
    std::vector<std::string> ignored;
    block_parser csv;
    explicit csv_fixture(const char* header)
        : csv(cfg, map, input_format::csv, read_csv_header(header, map, "x", ignored)) {}
};

TEST_CASE("block parser: blanks around fields are trimmed alike on the plain and the quoted path") {
    // Rows 1 and 3 (CRLF) take the 16-byte splitter, row 2 (a quote) the general one; the
    // same values are expected from all three.
    csv_fixture fx("id,created_at,channel,agent,csat");
    auto& csv = fx.csv;
    auto b = input_block::of(
        " r1 ,\t2026-03-01 10:00:00 , chat\t, 张伟 ,\t5 \n"
        "r2,2026-03-01 10:00:00 ,\"chat\", 张伟 ,5\t\n"
        "r3 , 2026-03-01 10:00:00,chat , 张伟,  5 \r\n",
        2);
    interaction_batch out;
    std::vector<reject> rejects;
    csv.parse(b, out, rejects);
    REQUIRE(rejects.empty());
    REQUIRE(out.size() == 3);
    CHECK(out.id[0] == "r1");
    CHECK(out.id[2] == "r3");
    for (std::size_t r = 0; r < 3; ++r) {
        CHECK(out.channel[r] == "chat");
        CHECK(out.agent[r] == "张伟");
        CHECK(out.csat[r] == 5);
        CHECK(out.created_at[r] ==
              1772359200LL * us_per_s);  // date -u -d '2026-03-01 10:00:00' +%s
    }
}

TEST_CASE("block parser: CSV and JSON Lines give the same rows") {
    csv_fixture fx("id,created_at,channel,csat,extra");
    auto& csv = fx.csv;
    const config& cfg = fx.cfg;
    const column_mapping& map = fx.map;
    auto b = input_block::of(
        "r1,2026-03-01 10:00:00,chat,5,x\n\nr2,2026-03-01 "
        "11:00:00,\"ph,one\",,\"multi\nline\"\nr3,bad,chat,,\nr4,2026-03-01 11:00:00,chat\n",
        2);
    interaction_batch out;
    std::vector<reject> rejects;
    csv.parse(b, out, rejects);
    REQUIRE(out.size() == 2);
    CHECK(out.line == std::vector<std::uint64_t>{2, 4});
    CHECK(out.channel[1] == "ph,one");
    REQUIRE(rejects.size() == 2);
    CHECK(rejects[0].line == 6);  // the quoted line break moved r3 down a line
    CHECK(rejects[0].column == "created_at");
    CHECK(rejects[1].line == 7);
    CHECK(rejects[1].reason == "expected 5 fields, found 3");

    block_parser jl(cfg, map, input_format::jsonl, {});
    auto j = input_block::of(
        "{\"id\": \"r1\", \"created_at\": \"2026-03-01 10:00:00\", \"channel\": \"chat\", "
        "\"csat\": 5, \"note\": 1}\n"
        "{\"id\": \"r2\", \"created_at\": 1772359200, \"channel\": \"chat\", \"csat\": null, "
        "\"bot\": true}\n"
        "[1,2]\n{\"id\": \"r3\", \"created_at\": {\"t\": 1}, \"channel\": \"chat\"}\n{oops\n",
        1);
    std::vector<std::string> jign;
    jl.parse(j, out, rejects, &jign);
    REQUIRE(out.size() == 2);
    CHECK(out.csat[0] == 5);
    CHECK(out.csat[1] == missing_int);
    CHECK(out.created_at[0] == out.created_at[1]);  // 1772359200 = 2026-03-01T10:00:00Z
    CHECK((out.flags[1] & f_bot));
    REQUIRE(rejects.size() == 3);
    CHECK(rejects[0].reason ==
          "expected a JSON object (a record of 5 bytes)");  // the record is not repeated
    CHECK(rejects[0].value.empty());
    CHECK(rejects[1].column == "created_at");
    CHECK(rejects[2].line == 5);
    CHECK(rejects[2].reason.rfind("not valid JSON", 0) == 0);
    CHECK(std::find(jign.begin(), jign.end(), "note") != jign.end());

    // The long-form table reader (reviews, events) gives the same reasons for the same faults.
    reject_ledger ledger;
    read_records("[1,2]\n{oops\n{\"a\": 1}\n", input_format::jsonl, "t.jsonl", {"a"}, {}, ledger,
                 [&](const text_record&) { ledger.accepted(); });
    REQUIRE(ledger.rejects.size() == 2);
    CHECK(ledger.rejects[0].reason == rejects[0].reason);
    CHECK(ledger.rejects[1].reason == rejects[2].reason);
    CHECK(ledger.rows_accepted == 1);
}

TEST_CASE("did you mean: edit distance over code points, swaps count once") {
    CHECK(detail::edit_distance("kitten", "sitting") == 3);  // the textbook pair
    CHECK(detail::edit_distance("agnet", "agent") == 1);     // a swap of neighbours
    CHECK(detail::edit_distance("Agent", "agent") == 0);     // ASCII case folded
    CHECK(detail::edit_distance("客服名", "客服") == 1);     // one code point, three bytes
    CHECK(detail::edit_distance("", "abc") == 3);
    const std::vector<std::string> names = {"id", "agent", "channel", "客服"};
    CHECK(detail::did_you_mean("agnet", names) == " (did you mean 'agent'?)");
    CHECK(detail::did_you_mean("客服名", names) == " (did you mean '客服'?)");
    CHECK(detail::did_you_mean("priority", names).empty());  // nothing close
    CHECK(detail::did_you_mean("agent", names).empty());     // the name itself is no suggestion
}

TEST_CASE("a renamed column the header lacks is an error naming it") {
    const config cfg = config::from_json(json::parse(R"({"columns": {"agent": "客服名"}})"));
    column_mapping map(cfg);
    std::vector<std::string> ignored;
    try {
        (void)read_csv_header("id,created_at,channel,客服", map, "x.csv", ignored);
        FAIL("no error");
    } catch (const input_error& e) {
        CHECK(std::string(e.what()) ==
              "x.csv:1: column '客服名': header: no column '客服名', which config columns.agent "
              "names (did you mean '客服'?)");
    }
    CHECK_THROWS_WITH_AS(
        column_mapping(config::from_json(json::parse(R"({"columns": {"agnet": "x"}})"))),
        doctest::Contains("columns.agnet: unknown column (did you mean 'agent'?); the input "
                          "columns are id, created_at"),
        config_error);
}
