// End to end: file -> report. Accounting of every row, strict mode, thread-count invariance,
// CSV and JSON Lines agreement, header and file errors.
#include <doctest/doctest.h>

#include <cskpi/cskpi.hpp>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <thread>

using namespace cskpi;

namespace {
std::string temp_file(const std::string& name, const std::string& content) {
    const std::string path =
        std::string("/tmp/cskpi_test_") + std::to_string(::getpid()) + "_" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
}
}  // namespace

TEST_CASE("every row is accepted or rejected with its line; BOM and CRLF") {
    const std::string csv =
        "\xEF\xBB\xBFid,created_at,channel,csat,备注\r\n"
        "1,2026-03-01 10:00:00,chat,5,x\r\n"                      // line 2
        "2,2026-03-01 10:00:00,chat,7,\r\n"                       // line 3: csat out of range
        "1,2026-03-01 11:00:00,chat,4,\r\n"                       // line 4: duplicate id
        "3,\"2026-03-01 10:00:00\",\"ch\"\"at\",,\"a\r\nb\"\r\n"  // lines 5-6, quoted CRLF
        "\r\n"                                                    // line 7: blank, not a row
        "4,2026-03-01 12:00:00,phone\r\n"                         // line 8: too few fields
        "5,2026-03-01 12:00:00,phone,3,\r\n";                     // line 9 (no final newline issue)
    const auto path = temp_file("bom.csv", csv);
    std::vector<reject> all;
    run_options opt;
    opt.reject_sink = [&](const reject& r) { all.push_back(r); };
    const report rep = run_report(path, config{}, {}, opt);
    CHECK(rep.rows_read == 6);
    CHECK(rep.rows_accepted == 3);
    CHECK(rep.rows_rejected == 3);
    CHECK(rep.rows_read == rep.rows_accepted + rep.rows_rejected);
    REQUIRE(rep.rejects.size() == 3);
    CHECK(rep.rejects[0].line == 3);
    CHECK(rep.rejects[0].column == "csat");
    CHECK(rep.rejects[1].line == 4);
    CHECK(rep.rejects[1].reason == "duplicate id (first seen on line 2)");
    CHECK(rep.rejects[2].line == 8);
    CHECK(all == rep.rejects);
    CHECK(rep.ignored_columns == std::vector<std::string>{"备注"});
    CHECK(rep.groups[0].metric("interactions") == 3);
    CHECK(rep.groups[0].metric("csat_mean") == 4.0);
    const json j = rep.to_json();
    CHECK(j["input"]["rows_read"] == 6);
    CHECK(j["groups"][0]["by"] == json::object());
    CHECK(j["groups"][0]["metrics"]["frt_mean"].is_null());  // nobody answered: undefined
    std::remove(path.c_str());
}

TEST_CASE("strict mode stops at the first bad row, naming file, line and column") {
    const auto path = temp_file(
        "strict.csv", "id,created_at,channel,nps\n1,2026-03-01,chat,3\n2,2026-03-01,chat,12\n");
    config cfg;
    cfg.strict = true;
    try {
        run_report(path, cfg, {});
        FAIL("expected input_error");
    } catch (const input_error& e) {
        CHECK(e.line() == 3);
        CHECK(e.column() == "nps");
        CHECK(std::string(e.what()) ==
              path + ":3: column 'nps': value '12': out of range: expected 0..10");
    }
    std::remove(path.c_str());
    CHECK_THROWS_AS(run_report("/nonexistent/x.csv", config{}, {}), input_error);
    const auto empty = temp_file("empty.csv", "");
    CHECK_THROWS_AS(run_report(empty, config{}, {}), input_error);
    std::remove(empty.c_str());
}

TEST_CASE("threads, block sizes and rows held do not change a byte of the report") {
    std::mt19937_64 g(99);
    std::string csv =
        "id,created_at,channel,agent,customer,category,first_response_s,resolution_s,csat,order_"
        "value,converted\n";
    for (int i = 0; i < 20000; ++i) {
        const auto day = 10 + g() % 19;
        csv += (g() % 50 ? std::to_string(i) : std::to_string(i / 2)) + ",2026-03-" +
               std::to_string(day) + "T0" + std::to_string(g() % 10) + ":00:00+08:00,chat,a" +
               std::to_string(g() % 9) + ",c" + std::to_string(g() % 3000) +
               (g() % 2 ? ",presale," : ",order,") +
               (g() % 7 ? std::to_string(g() % 300) + "." + std::to_string(g() % 10) : "") + "," +
               (g() % 2 ? std::to_string(g() % 99999) : "") + "," +
               (g() % 30 ? std::to_string(1 + g() % 5) : "x") + "," + std::to_string(g() % 1000) +
               ".1,1\n";
    }
    const auto path = temp_file("threads.csv", csv);
    const auto by = parse_group_keys({"agent", "day"});
    const std::string one = run_report(path, config{}, by).to_json().dump();
    for (unsigned t : {2u, 3u, 4u}) {
        run_options o;
        o.threads = t;
        o.block_bytes = 4096 + 977 * t;  // many blocks, cut at odd places
        CHECK(run_report(path, config{}, by, o).to_json().dump() == one);
    }
    // By hour, about 1,700 groups: rows are held while there are more groups than a quarter of
    // them (the default), or 1500 at a time, or not at all.
    const auto by_hour = parse_group_keys({"agent", "hour"});
    const std::string held = run_report(path, config{}, by_hour).to_json().dump();
    for (std::size_t hold : {std::size_t{0}, std::size_t{1500}}) {
        run_options o;
        o.block_bytes = 8192;
        o.hold_rows = hold;
        CHECK(run_report(path, config{}, by_hour, o).to_json().dump() == held);
    }
    std::remove(path.c_str());
}

TEST_CASE("CSV and JSON Lines of the same rows give the same report") {
    const auto csv = temp_file("same.csv",
                               "id,created_at,channel,agent,csat,bot,first_response_at\n"
                               "1,2026-03-01T10:00:00Z,chat,A,5,true,2026-03-01T10:00:30Z\n"
                               "2,1772359200,phone,,,0,\n");
    const auto jl = temp_file("same.jsonl",
                              "{\"id\": \"1\", \"created_at\": \"2026-03-01T10:00:00Z\", "
                              "\"channel\": \"chat\", \"agent\": \"A\", \"csat\": 5, \"bot\": "
                              "true, \"first_response_at\": \"2026-03-01T10:00:30Z\"}\n"
                              "{\"id\": \"2\", \"created_at\": 1772359200, \"channel\": \"phone\", "
                              "\"agent\": null, \"bot\": false}\n");
    auto a = run_report(csv, config{}, parse_group_keys({"agent"}));
    auto b = run_report(jl, config{}, parse_group_keys({"agent"}));
    a.input_path = b.input_path = "";
    CHECK(a.to_json().dump() == b.to_json().dump());
    CHECK(a.groups.size() == 3);
    std::remove(csv.c_str());
    std::remove(jl.c_str());
}

TEST_CASE("CSV output: key columns then every metric in spec order") {
    const auto path = temp_file(
        "csvout.csv",
        "id,created_at,channel,agent\n1,2026-03-01,chat,\"Li, Na\"\n2,2026-03-01,chat,\n");
    const auto rep = run_report(path, config{}, parse_group_keys({"agent"}));
    std::ostringstream os;
    rep.write_csv(os);
    const std::string out = os.str();
    CHECK(out.rfind("agent,interactions,answered,abandoned,resolved,answer_rate,answer_rate_num,",
                    0) == 0);
    CHECK(out.find("\n\"Li, Na\",1,0,0,0,0,0,1,0,") != std::string::npos);
    CHECK(out.find("\nnull,1,") != std::string::npos);
    CHECK(out.find("\n,2,0,0,0,0,0,2,0,") !=
          std::string::npos);  // the overall row has no key value
    std::remove(path.c_str());
}

TEST_CASE("a record longer than a block, mapped and read from a pipe alike") {
    std::string csv = "id,created_at,channel,agent\n1,2026-03-01,chat,\"" +
                      std::string(20000, 'x') + "\nmore\"\n";
    for (int i = 2; i < 200; ++i) csv += std::to_string(i) + ",2026-03-01,chat,a\n";
    const auto path = temp_file("long.csv", csv);
    run_options o;
    o.block_bytes = 4096;
    o.threads = 2;
    const auto rep = run_report(path, config{}, parse_group_keys({"agent"}), o);
    CHECK(rep.rows_read == 199);
    CHECK(rep.rows_accepted == 199);
    REQUIRE(rep.groups.size() == 3);
    CHECK(rep.groups[1].keys[0] == "a");
    CHECK(rep.groups[2].metric("interactions") == 1);  // the 20 kB agent name
    std::remove(path.c_str());
}

TEST_CASE("line numbers across many blocks: a two-line header, quoted newlines, duplicates") {
    // Built so that every line number is known: the header takes lines 1-2; row i (0-based)
    // starts on line 3 + i + (number of earlier rows with a quoted newline).
    std::string csv = "id,created_at,channel,csat,\"note\nsecond line\"\n";
    std::uint64_t line = 3;
    std::vector<std::uint64_t> bad_lines, dup_lines;
    std::uint64_t first_of_7 = 0;
    for (int i = 0; i < 600; ++i) {
        const bool bad = i % 10 == 3, multi = i % 17 == 5, dup = i > 100 && i % 50 == 0;
        const std::string id = dup ? "7" : std::to_string(i);
        if (i == 7) first_of_7 = line;
        csv += id + ",2026-03-01 10:00:00,chat," + (bad ? "x" : "4") + "," +
               (multi ? "\"a\nb\"" : "n") + "\n";
        if (bad)
            bad_lines.push_back(line);
        else if (dup)
            dup_lines.push_back(line);
        line += multi ? 2 : 1;
    }
    const auto path = temp_file("lines.csv", csv);
    for (unsigned t : {1u, 2u}) {
        run_options o;
        o.threads = t;
        o.block_bytes = 256;
        std::vector<reject> all;
        o.reject_sink = [&](const reject& r) { all.push_back(r); };
        const auto rep = run_report(path, config{}, {}, o);
        REQUIRE(all.size() == bad_lines.size() + dup_lines.size());
        std::size_t bi = 0, di = 0;
        for (const auto& r : all) {
            if (r.column == "csat")
                CHECK(r.line == bad_lines[bi++]);
            else {
                CHECK(r.line == dup_lines[di++]);
                CHECK(r.reason ==
                      "duplicate id (first seen on line " + std::to_string(first_of_7) + ")");
            }
        }
        CHECK(rep.rows_read == 600);
    }
    std::remove(path.c_str());
}

TEST_CASE("records are where the parser finds them, wherever blocks are cut") {
    // Quoted line breaks (LF and CRLF), doubled quotes, a stray quote inside an unquoted field
    // (literal for the parser, but it flips a quote count), text after a closing quote, bad
    // values, duplicates, and an unterminated quote in the last record. The generator knows the
    // line of every row and every reject; every block size and thread count must agree with it.
    std::mt19937_64 g(7);
    std::string csv = "id,created_at,channel,agent,csat,note\n";
    std::uint64_t line = 2, accepted = 0;
    std::vector<std::pair<std::uint64_t, std::string>> expected;  // (line, reason) of each reject
    for (int i = 0; i < 3000; ++i) {
        const auto kind = g() % 40;
        std::string note = "n";
        std::uint64_t breaks = 0;
        if (kind < 3) {
            note = "\"multi\nline " + std::to_string(i) + "\"";
            breaks = 1;
        } else if (kind == 3) {
            note = "\"say \"\"hi\"\"\r\nand\nbye\"";
            breaks = 2;
        } else if (kind == 4)
            note = "5\" screen";
        std::string id = std::to_string(i), csat = std::to_string(1 + g() % 5);
        std::string reason;
        if (kind == 5) {
            csat = "9";
            reason = "csat";
        } else if (kind == 6 && i > 10) {
            id = "3";
            reason = "duplicate id";
        } else if (kind == 7) {
            note = "\"closed\"x";
            reason = "unexpected text after a closing quote";
        }
        csv += id + ",2026-03-01 10:00:00,chat,a" + std::to_string(i % 5) + "," + csat + "," +
               note + "\n";
        if (reason.empty())
            ++accepted;
        else
            expected.emplace_back(line, reason);
        line += 1 + breaks;
    }
    csv += "3001,2026-03-01 10:00:00,chat,a1,5,\"open\nto the end\n";
    expected.emplace_back(line, "unterminated quoted field");
    const auto path = temp_file("splits.csv", csv);

    const auto by = parse_group_keys({"agent"});
    std::string reference;
    for (std::size_t bytes : {std::size_t{1} << 30, std::size_t{64}, std::size_t{97},
                              std::size_t{256}, std::size_t{1000}, std::size_t{4093}}) {
        for (unsigned t : {1u, 2u, 3u}) {
            run_options o;
            o.threads = t;
            o.block_bytes = bytes;
            std::vector<reject> all;
            o.reject_sink = [&](const reject& r) { all.push_back(r); };
            const auto rep = run_report(path, config{}, by, o);
            CAPTURE(bytes);
            CAPTURE(t);
            CHECK(rep.rows_read == 3001);
            CHECK(rep.rows_accepted == accepted);
            REQUIRE(all.size() == expected.size());
            for (std::size_t k = 0; k < all.size(); ++k) {
                CHECK(all[k].line == expected[k].first);
                const std::string& want = expected[k].second;
                CHECK((all[k].column == want || all[k].reason.rfind(want, 0) == 0));
            }
            const std::string json = rep.to_json().dump();
            if (reference.empty()) reference = json;
            CHECK(json == reference);
        }
    }
    // Read from a pipe, blocks are owned buffers cut by tracking quotes.
    const std::string fifo = path + ".fifo.csv";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    for (std::size_t bytes : {std::size_t{97}, std::size_t{4093}}) {
        std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << csv; });
        run_options o;
        o.threads = 2;
        o.block_bytes = bytes;
        auto rep = run_report(fifo, config{}, by, o);
        writer.join();
        CAPTURE(bytes);
        CHECK(rep.rows_read == 3001);
        CHECK(rep.rows_rejected == expected.size());
        rep.input_path = path;
        CHECK(rep.to_json().dump() == reference);
    }
    std::remove(fifo.c_str());
    std::remove(path.c_str());
}

TEST_CASE("a quote inside a header name is a character, as in any other field") {
    // The header's end is found by the parser's rule (a quote opens a field only at its start):
    // counting quotes instead would read the line break after `size"inch` as quoted.
    const std::string csv =
        "id,created_at,channel,size\"inch,csat\n"
        "1,2026-03-01 10:00:00,chat,5\" screen,4\n"
        "2,2026-03-01 10:00:00,chat,7,2\n"
        "3,2026-03-01 10:00:00,chat,,5\n";
    const auto path = temp_file("header_quote.csv", csv);
    const std::string fifo = path + ".fifo.csv";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    for (bool piped : {false, true}) {
        std::thread writer;
        if (piped) writer = std::thread([&] { std::ofstream(fifo, std::ios::binary) << csv; });
        const auto rep = run_report(piped ? fifo : path, config{}, {});
        if (piped) writer.join();
        CAPTURE(piped);
        CHECK(rep.rows_read == 3);
        CHECK(rep.rows_accepted == 3);
        CHECK(rep.ignored_columns == std::vector<std::string>{"size\"inch"});
        CHECK(rep.groups[0].metric("csat_mean") == doctest::Approx((4 + 2 + 5) / 3.0));
    }
    std::remove(fifo.c_str());
    std::remove(path.c_str());
}

TEST_CASE("an unterminated quote mid-file makes the rest one rejected record, for any cut") {
    std::string csv = "id,created_at,channel\n";
    for (int i = 0; i < 50; ++i) csv += std::to_string(i) + ",2026-03-01 10:00:00,chat\n";
    csv += "50,2026-03-01 10:00:00,\"chat\n";  // line 52: the quote never closes
    for (int i = 51; i < 400; ++i) csv += std::to_string(i) + ",2026-03-01 10:00:00,chat\n";
    const auto path = temp_file("unterminated.csv", csv);
    for (std::size_t bytes : {std::size_t{1} << 30, std::size_t{100}, std::size_t{512}}) {
        for (unsigned t : {1u, 2u}) {
            run_options o;
            o.threads = t;
            o.block_bytes = bytes;
            const auto rep = run_report(path, config{}, {}, o);
            CAPTURE(bytes);
            CHECK(rep.rows_read == 51);
            CHECK(rep.rows_accepted == 50);
            REQUIRE(rep.rejects.size() == 1);
            CHECK(rep.rejects[0].line == 52);
            CHECK(rep.rejects[0].reason == "unterminated quoted field");
        }
    }
    std::remove(path.c_str());
}

TEST_CASE(
    "builder: rows added one by one give the file's report, and their buffers may be reused at "
    "once") {
    // The same rows through the file reader and through two builders fed from one reused
    // buffer each; then the buffers are scribbled over before the report is built.
    std::string csv =
        "id,created_at,channel,agent,customer,category,first_response_s,resolved,csat\n";
    std::mt19937_64 g(11);
    for (int i = 0; i < 5000; ++i) {
        csv += "T" + std::to_string(i) + ",2026-03-0" + std::to_string(1 + i % 9) + " 1" +
               std::to_string(i % 10) + ":00:00," + (i % 3 ? "chat" : "email") + ",agent" +
               std::to_string(g() % 7) + ",C" + std::to_string(g() % 300) + ",order," +
               std::to_string(g() % 500) + "," + (g() % 2 ? "yes" : "no") + "," +
               (i % 97 == 0 ? "9" : std::to_string(1 + g() % 5)) + "\n";
    }
    csv += "T17,2026-03-01 10:00:00,chat,agent1,C1,order,5,yes,4\n";  // a duplicate id: rejected by
                                                                      // both
    const auto path = temp_file("builder.csv", csv);
    const auto by = parse_group_keys({"agent", "day"});
    config cfg;
    cfg.timezone = "Asia/Shanghai";
    const report from_file = run_report(path, cfg, by);

    std::vector<std::string> names;
    std::vector<std::vector<std::string>> rows;
    {
        std::stringstream ss(csv);
        std::string line, cell;
        std::getline(ss, line);
        for (std::stringstream h(line); std::getline(h, cell, ',');) names.push_back(cell);
        while (std::getline(ss, line)) {
            rows.emplace_back();
            for (std::stringstream c(line); std::getline(c, cell, ',');)
                rows.back().push_back(cell);
        }
    }
    interactions_builder a(cfg, by, 256), b(cfg, by, 256);
    std::vector<std::pair<std::string, std::string>> buffer;  // reused: every add overwrites it
    for (std::size_t r = 0; r < rows.size(); ++r) {
        buffer.clear();
        for (std::size_t c = 0; c < names.size(); ++c) buffer.emplace_back(names[c], rows[r][c]);
        // Rows of the same customer stay in one builder (FCR looks at a customer's contacts).
        // The repeated T17 goes where T17 went, so that builder sees the duplicate.
        const std::size_t key_row = r + 1 == rows.size() ? 17 : r;
        (std::hash<std::string>{}(rows[key_row][4]) % 2 == 0 ? a : b).add(buffer);
        for (auto& [k, v] : buffer)
            std::fill(v.begin(), v.end(), '#');  // the caller reuses its memory
    }
    const std::string last_reason =
        (std::hash<std::string>{}(rows[17][4]) % 2 == 0 ? a : b).last_reject().reason;
    a.merge(std::move(b));
    const report built = a.build();
    CHECK(built.rows_read == from_file.rows_read);
    CHECK(built.rows_accepted == from_file.rows_accepted);
    CHECK(built.rows_rejected == from_file.rows_rejected);
    CHECK(built.to_json()["groups"] == from_file.to_json()["groups"]);
    CHECK(last_reason.rfind("duplicate id", 0) == 0);
    std::remove(path.c_str());
}

TEST_CASE("stream_report writes what the finished report writes, for any chunk of groups") {
    std::string csv = "id,created_at,channel,agent,customer,first_response_s,csat\n";
    for (int i = 0; i < 3000; ++i)
        csv += "S" + std::to_string(i) + ",2026-03-" + std::to_string(10 + i % 9) + " 10:00:00," +
               (i % 4 ? "chat" : "email") + ",a" + std::to_string(i % 397) + ",C" +
               std::to_string(i % 500) + "," + std::to_string(i % 311) + "," +
               (i % 5 ? std::to_string(1 + i % 5) : "") + "\n";
    csv +=
        "S5,2026-03-10 10:00:00,chat,a1,C1,5,4\n";  // a duplicate: the rejects travel with the head
    const auto path = temp_file("stream.csv", csv);
    config cfg;
    cfg.timezone = "Asia/Shanghai";
    for (const auto& by : {std::vector<std::string>{}, {"agent"}, {"agent", "channel", "day"}}) {
        const auto keys = parse_group_keys(by);
        const report whole = run_report(path, cfg, keys);
        std::ostringstream want_json, want_csv;
        want_json << json_text(whole.to_json(), 2) << '\n';
        whole.write_csv(want_csv);
        for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{1} << 14}) {
            for (unsigned threads : {1u, 2u, 3u}) {  // rows are rendered in slices per thread
                run_options o;
                o.threads = threads;
                std::ostringstream js, cs;
                const report head =
                    stream_report(run_partial(path, cfg, keys, o), threads, js, true, chunk);
                stream_report(run_partial(path, cfg, keys, o), threads, cs, false, chunk);
                CAPTURE(chunk);
                CHECK(js.str() == want_json.str());
                CHECK(cs.str() == want_csv.str());
                CHECK(head.rows_rejected == 1);
                CHECK(head.groups.empty());
            }
        }
    }
    std::remove(path.c_str());
}
