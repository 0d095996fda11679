// Section 3 facts and section 4 metrics on a small table worked by hand.
#include <doctest/doctest.h>

#include <cskpi/cskpi.hpp>

#include <sstream>

using namespace cskpi;

namespace {
// Parses CSV text through the same block parser the CLI uses.
interaction_batch load(const std::string& csv, const config& cfg, std::deque<std::string>& keep) {
    const auto nl = csv.find('\n');
    column_mapping map(cfg);
    std::vector<std::string> ignored;
    auto cols = read_csv_header(csv.substr(0, nl), map, "t", ignored);
    block_parser p(cfg, map, input_format::csv, cols);
    keep.push_back(csv.substr(nl + 1));
    auto b = input_block::of(keep.back(), 2);
    interaction_batch out;
    std::vector<reject> rej;
    p.parse(b, out, rej);
    REQUIRE(rej.empty());
    keep.push_back(std::move(b.bytes));  // views point into the block
    return out;
}
}  // namespace

// Ten interactions. SLA targets: chat 30 s, phone 20 s, urgent 60 s (defaults).
//  id channel prio   frt  resolved(s)  flags / notes
//  1  chat   normal  10   600          csat 5, nps 10, presale converted 100.50
//  2  chat   normal  40   -            csat 2, nps 6, transferred
//  3  chat   urgent  50   7200         (urgent target 60: met), csat 4, reopened 1
//  4  phone  normal  15   300          complaint category, ces 2
//  5  phone  normal  -    -            abandoned
//  6  email  normal  90000 -           complaint flag (answered after the 86400 s respond limit)
//  7  chat   normal  2    100          bot only (no agent), resolved
//  8  chat   normal  25   -            bot, escalated to agent
//  9  social normal  -    -            unanswered, presale not converted, nps 9
//  10 other  normal  5    -            no SLA target for channel "other", handle 100
TEST_CASE("hand-worked report of ten interactions") {
    const std::string csv =
        "id,created_at,channel,agent,category,priority,first_response_s,resolution_s,abandoned,"
        "transferred,bot,csat,nps,ces,complaint,converted,order_value,reopened,handle_s\n"
        "1,2026-03-01 09:00:00,chat,A,presale,normal,10,600,0,0,0,5,10,,0,1,100.50,0,300\n"
        "2,2026-03-01 09:00:00,chat,A,order,normal,40,,0,1,0,2,6,,0,0,,0,200\n"
        "3,2026-03-01 09:00:00,chat,B,order,urgent,50,7200,0,0,0,4,,,0,0,,1,\n"
        "4,2026-03-01 09:00:00,phone,B,complaint,normal,15,300,0,0,0,,,2,0,0,,0,\n"
        "5,2026-03-01 09:00:00,phone,,order,normal,,,1,0,0,,,,0,0,,0,\n"
        "6,2026-03-01 09:00:00,email,C,order,normal,90000,,0,0,0,,,,1,0,,0,\n"
        "7,2026-03-01 09:00:00,chat,,order,normal,2,100,0,0,1,,,,0,0,,0,\n"
        "8,2026-03-01 09:00:00,chat,C,order,normal,25,,0,0,1,,,,0,0,,0,\n"
        "9,2026-03-01 09:00:00,social,,presale,normal,,,0,0,0,,9,,0,0,,0,\n"
        "10,2026-03-01 09:00:00,other,C,other,normal,5,,0,0,0,,,,0,0,,0,100\n";
    config cfg;
    std::deque<std::string> keep;
    const auto batch = load(csv, cfg, keep);
    report_state st(cfg, {});
    st.update(batch);
    const auto groups = st.finalize();
    REQUIRE(groups.size() == 1);
    const auto& g = groups[0];
    CHECK(g.metric("interactions") == 10);
    CHECK(g.metric("answered") == 8);  // all but 5 and 9
    CHECK(g.metric("abandoned") == 1);
    CHECK(g.metric("resolved") == 4);  // rows with resolution_s: 1, 3, 4, 7
    // FRT over answered rows {10,40,50,15,90000,2,25,5}: 8 values.
    CHECK(g.metric("frt_mean") == doctest::Approx((10 + 40 + 50 + 15 + 90000 + 2 + 25 + 5) / 8.0));
    CHECK(g.metric("frt_median") == doctest::Approx(20.0));  // sorted 2,5,10,15,25,40,50,90000
    CHECK(g.metric("frt_p90") == doctest::Approx(50 + 0.3 * (90000 - 50)));  // h = 6.3
    CHECK(g.metric("frt_max") == 90000);
    // SLA: targets for rows 1-5,7,8 (chat/phone) + 6 (email 86400) + 9 (social 3600); 10 none.
    // met: 1 (10<=30), 3 (50<=60 urgent), 4 (15<=20), 7 (2<=30), 8 (25<=30) = 5;
    // missed: 2 (40), 6 (90000 > 86400), 9 (unanswered), 5 (abandoned, "breach") = 4.
    CHECK(g.metric("sla_frt_num") == 5);
    CHECK(g.metric("sla_frt_den") == 9);
    CHECK(g.metric("aht_mean") == doctest::Approx(200.0));
    CHECK(g.metric("resolution_time_median") == doctest::Approx(450.0));  // 100,300,600,7200
    CHECK(g.metric("resolution_rate_num") == 4);
    CHECK(g.metric("resolution_rate_den") == 9);
    CHECK(g.metric("reopen_rate") == doctest::Approx(0.25));  // row 3 of 4 resolved
    CHECK(g.metric("transfer_rate") == doctest::Approx(1.0 / 8));
    CHECK(g.metric("bot_containment_rate") == doctest::Approx(0.5));  // row 7 of bot rows 7, 8
    CHECK(g.metric("bot_escalation_rate") == doctest::Approx(0.5));
    CHECK(g.metric("csat") == doctest::Approx(2.0 / 3));  // 5 and 4 of {5, 2, 4}
    CHECK(g.metric("csat_mean") == doctest::Approx(11.0 / 3));
    CHECK(g.metric("csat_response_rate") == doctest::Approx(3.0 / 8));
    // NPS: 10 and 9 promoters, 6 detractor -> 100 (2/3 - 1/3) = 33.33
    CHECK(g.metric("nps") == doctest::Approx(100.0 / 3));
    const double pp = 2.0 / 3, pm = 1.0 / 3, z = stats::z_for(0.95);
    CHECK(g.metric("nps_ci_low") ==
          doctest::Approx(100.0 / 3 - z * 100 * std::sqrt((pp + pm - (pp - pm) * (pp - pm)) / 3)));
    CHECK(g.metric("ces_mean") == 2.0);
    CHECK(g.metric("complaint_rate") == doctest::Approx(0.1));  // the flag: row 6 only
    // Complaint rows: 4 (category) and 6 (flag). Responded within a day: 4. Resolved in 3 days: 4.
    CHECK(g.metric("complaint_response_rate") == doctest::Approx(0.5));
    CHECK(g.metric("complaint_resolution_rate") == doctest::Approx(0.5));
    CHECK(g.metric("conversion_rate") == doctest::Approx(0.5));  // row 1 of presale rows 1, 9
    CHECK(g.metric("sales_total") == doctest::Approx(100.5));
    CHECK(g.metric("avg_order_value") == doctest::Approx(100.5));
    // Without customer and contacts every row is a first contact; FCR = resolved, not reopened,
    // not abandoned: rows 1, 4, 7 of the 9 not abandoned.
    CHECK(g.metric("fcr_rate_num") == 3);
    CHECK(g.metric("fcr_rate_den") == 9);

    // "exclude" takes the abandoned row out of the SLA denominator.
    config ex = config::from_json(json::parse(R"({"sla": {"abandoned": "exclude"}})"));
    report_state st2(ex, {});
    st2.update(batch);
    CHECK(st2.finalize()[0].metric("sla_frt_den") == 8);
}
