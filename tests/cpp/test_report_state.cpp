// report_state: first contact and FCR over the customer window (worked by hand), grouping
// order, merge = single pass on random splits, JSON round trip, corrupted JSON.
#include <doctest/doctest.h>

#include <cskpi/cskpi.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <random>
#include <set>

using namespace cskpi;

namespace {
struct table {
    std::deque<std::string> keep;
    interaction_batch batch;
};
table load(const std::string& csv, const config& cfg) {
    table t;
    const auto nl = csv.find('\n');
    column_mapping map(cfg);
    std::vector<std::string> ignored;
    auto cols = read_csv_header(csv.substr(0, nl), map, "t", ignored);
    block_parser p(cfg, map, input_format::csv, cols);
    t.keep.push_back(csv.substr(nl + 1));
    auto b = input_block::of(t.keep.back(), 2);
    std::vector<reject> rej;
    p.parse(b, t.batch, rej);
    for (const auto& r : rej) INFO(r.line, " ", r.column, " ", r.value, " ", r.reason);
    REQUIRE(rej.empty());
    t.keep.push_back(std::move(b.bytes));
    return t;
}
// The finished groups of a CSV text (the state copies the labels it keeps).
std::vector<report_group> finalized(const std::string& csv, const config& cfg,
                                    std::vector<group_key> by) {
    auto t = load(csv, cfg);
    report_state st(cfg, std::move(by));
    st.update(t.batch);
    return st.finalize();
}
const report_group& find(const std::vector<report_group>& gs, std::optional<std::string> key) {
    for (std::size_t i = 1; i < gs.size(); ++i)
        if (gs[i].keys[0] == key) return gs[i];
    FAIL("group not found");
    return gs[0];
}

// See the case analysis in the test below. Days are 2026-03-DD; window 7 days.
const std::string fcr_csv =
    "id,created_at,channel,agent,customer,category,resolved,reopened,abandoned,contacts\n"
    "a,2026-03-01 10:00:00,chat,A,U1,order,1,0,0,\n"
    "b,2026-03-03 10:00:00,chat,A,U1,order,1,0,0,\n"
    "c,2026-03-04 10:00:00,chat,A,U1,logistics,1,0,0,\n"
    "d,2026-03-21 10:00:00,chat,B,U1,order,1,0,0,\n"
    "e,2026-03-21 10:00:00,chat,B,U1,,1,0,0,\n"
    "f,2026-03-23 10:00:00,chat,B,U1,,0,0,0,\n"
    "g,2026-03-01 10:00:00,chat,C,U2,order,1,1,0,\n"
    "h,2026-03-09 10:00:00,chat,C,U2,order,1,0,0,\n"
    "i,2026-03-16 10:00:00,chat,C,U2,order,1,0,0,\n"
    "j,2026-03-31 10:00:00,chat,C,U2,order,1,0,1,\n"
    "k,2026-03-01 10:00:00,chat,,,order,1,0,0,2\n"
    "l,2026-03-01 10:00:00,chat,,,order,1,0,0,\n";
}  // namespace

TEST_CASE("FCR over the customer window, same category") {
    // a: first (nothing before), b follows within 7 d -> not FCR.      b: a is 2 d before -> not
    // first. c: first in logistics; the category-less rows e, f lie 17+ d later -> FCR. d: first (b
    // is 18 d before; e at the same instant comes after it: ties go by id); f (no
    //    category, matches any) follows 2 d later -> not FCR.   e: d, same instant, smaller id,
    //    comes before it (e has no category, so it matches d's) -> not first.
    // f: d and e are 2 d before -> not first.
    // g: first, reopened -> not FCR.   h: g is 8 d before (outside) -> first; i follows exactly
    //    7 d later (inside (t, t+w]) -> not FCR.   i: h exactly 7 d before (inside [t-w, t)) -> not
    //    first.
    // j: first but abandoned -> outside the denominator.
    // k: no customer, contacts = 2 -> not first.   l: no customer, first, resolved -> FCR.
    const config cfg;
    auto t = load(fcr_csv, cfg);
    report_state st(cfg, {group_key::agent});
    st.update(t.batch);
    const auto gs = st.finalize();
    CHECK(gs[0].metric("fcr_rate_den") == 6);  // a c d g h l
    CHECK(gs[0].metric("fcr_rate_num") == 2);  // c l
    CHECK(find(gs, "A").metric("fcr_rate_num") == 1);
    CHECK(find(gs, "A").metric("fcr_rate_den") == 2);
    CHECK(find(gs, "B").metric("fcr_rate_den") == 1);
    CHECK(find(gs, "B").metric("fcr_rate_num") == 0);
    CHECK(find(gs, "C").metric("fcr_rate_den") == 2);
    CHECK(find(gs, std::nullopt).metric("fcr_rate_num") == 1);
    CHECK(find(gs, std::nullopt).metric("fcr_rate_den") == 1);
    // finalize leaves the state as it was: a second call gives the same numbers
    const auto again = st.finalize()[0].metrics;
    REQUIRE(again.size() == gs[0].metrics.size());
    for (std::size_t i = 0; i < again.size(); ++i)
        CHECK(((std::isnan(again[i]) && std::isnan(gs[0].metrics[i])) ||
               again[i] == gs[0].metrics[i]));
}

TEST_CASE("FCR: the same counts with the ledger in its 32-byte form") {
    // Row m (a sub-second time) cannot be stored in 24 bytes, so the ledger widens; m is U9's
    // only contact, resolved -> first and FCR. Every other count is as in the case above.
    const config cfg;
    auto t = load(fcr_csv + "m,2026-03-05 10:00:00.5,chat,Z,U9,order,1,0,0,\n", cfg);
    report_state st(cfg, {group_key::agent});
    st.update(t.batch);
    CHECK(st.contacts().size() == 11);  // a..j and m
    const auto gs = st.finalize();
    CHECK(gs[0].metric("fcr_rate_den") == 7);
    CHECK(gs[0].metric("fcr_rate_num") == 3);
    CHECK(find(gs, "A").metric("fcr_rate_num") == 1);
    CHECK(find(gs, "A").metric("fcr_rate_den") == 2);
    CHECK(find(gs, "B").metric("fcr_rate_num") == 0);
    CHECK(find(gs, "C").metric("fcr_rate_den") == 2);
    CHECK(find(gs, "Z").metric("fcr_rate_num") == 1);
}

TEST_CASE("FCR: contacts of one customer at the same instant are ordered by id (section 3)") {
    // A and B: customer U1, category order, the same second, both resolved, not reopened.
    // By id, A comes first: A is a first contact, and B follows within the window, so A is not
    // FCR; B has A before it, so B is not a first contact. Agent X handled A, Y handled B.
    // Z: another customer's lone contact, first and FCR, so the counts are not all zero.
    const std::string head = "id,created_at,channel,agent,customer,category,resolved,reopened\n";
    const std::string a = "A,2026-03-01 10:00:00,chat,X,U1,order,1,0\n";
    const std::string b = "B,2026-03-01 10:00:00,chat,Y,U1,order,1,0\n";
    const std::string z = "Z,2026-03-01 10:00:00,chat,Y,U2,order,1,0\n";
    auto check = [](const std::vector<report_group>& gs) {
        CHECK(gs[0].metric("fcr_rate_den") == 2);  // A, Z
        CHECK(gs[0].metric("fcr_rate_num") == 1);  // Z
        CHECK(find(gs, "X").metric("fcr_rate_den") == 1);
        CHECK(find(gs, "X").metric("fcr_rate_num") == 0);
        CHECK(find(gs, "Y").metric("fcr_rate_den") == 1);  // Z only: B is not a first contact
        CHECK(find(gs, "Y").metric("fcr_rate_num") == 1);
    };
    const config cfg;
    for (const auto& body : {a + b + z, z + b + a}) {
        auto t = load(head + body, cfg);
        report_state st(cfg, {group_key::agent});
        st.update(t.batch);
        check(st.finalize());
        // Through JSON (the id order travels with each contact).
        check(report_state::from_json(st.to_json()).finalize());
    }
    // A and B in two partial states, merged either way.
    auto ta = load(head + a + z, cfg), tb = load(head + b, cfg);
    for (bool a_first : {true, false}) {
        report_state sa(cfg, {group_key::agent}), sb(cfg, {group_key::agent});
        sa.update(ta.batch);
        sb.update(tb.batch);
        if (a_first) {
            sa.merge(sb);
            check(sa.finalize());
        } else {
            sb.merge(sa);
            check(sb.finalize());
        }
    }
    // The order is by id, not by file or agent: rename so that B's row has the smaller id.
    auto t = load(head +
                      "B,2026-03-01 10:00:00,chat,X,U1,order,1,0\nA,2026-03-01 "
                      "10:00:00,chat,Y,U1,order,1,0\n",
                  cfg);
    report_state st(cfg, {group_key::agent});
    st.update(t.batch);
    const auto gs = st.finalize();
    CHECK(find(gs, "X").metric("fcr_rate_den") == 0);  // X's row (id B) follows A
    CHECK(find(gs, "Y").metric("fcr_rate_den") == 1);  // Y's row (id A) is the first contact
    CHECK(find(gs, "Y").metric("fcr_rate_num") == 0);
}

TEST_CASE("id_order: the first 8 bytes in byte order") {
    CHECK(detail::id_order("A") < detail::id_order("B"));
    CHECK(detail::id_order("A") < detail::id_order("AA"));
    CHECK(detail::id_order("T10") < detail::id_order("T9"));  // text order, as the ids compare
    CHECK(detail::id_order("\xe5\xbc\xa0") > detail::id_order("z"));  // UTF-8 bytes, unsigned
    CHECK(detail::id_order("ABCDEFGH1") == detail::id_order("ABCDEFGH2"));
}

// The index against a std::map: keys in small ranges (found through the direct map once it
// is built), missing values, values far apart (which the map cannot afford) and wide keys.
TEST_CASE("group_index: the same group numbers with and without its direct map") {
    auto run = [](std::int64_t spread_day, std::uint8_t width, std::uint32_t seed) {
        detail::group_index index;
        detail::group_keys ids(width);
        std::map<std::vector<std::int64_t>, std::uint32_t> want;
        std::mt19937 rng(seed);
        for (int r = 0; r < 60000; ++r) {
            group_id id;
            id.n = width;
            id.k[0] = rng() % 50 == 0 ? missing_key : static_cast<std::int64_t>(rng() % 300);
            if (width > 1) id.k[1] = static_cast<std::int64_t>(rng() % 5);
            if (width > 2) id.k[2] = 20500 + static_cast<std::int64_t>(rng() % 60) * spread_day;
            if (width > 3) id.k[3] = -static_cast<std::int64_t>(rng() % 3);  // not packable
            const std::vector<std::int64_t> key(id.k.begin(), id.k.begin() + width);
            const auto [g, added] = index.find_or_add(id, ids, 1u << 30);
            const auto it = want.find(key);
            if (it == want.end()) {
                REQUIRE(added);
                REQUIRE(g == want.size());
                want.emplace(key, g);
                ids.push_back(id);
            } else {
                REQUIRE(!added);
                REQUIRE(g == it->second);
            }
        }
        return index.mapped_cells();
    };
    CHECK(run(1, 3, 1) >= 300 * 5 * 60);  // agent × channel × day: every combination mapped
    CHECK(run(1, 1, 2) >= 300);           // agent
    // Days 30,000 apart would need 2.6 × 10^9 cells: the map stays as it was while small.
    CHECK(run(30000, 3, 3) <= 1u << 16);
    CHECK(run(1, 4, 4) == 0);  // four keys: hashed, never mapped
}

TEST_CASE("contact ledger: 24-byte records at their limits, widening, FCR order") {
    using detail::contact;
    using detail::contact_ledger;
    const micros max_s = micros{UINT32_MAX} * us_per_s;
    const std::vector<contact> fit = {
        {1, 0, 0, 0},
        {UINT64_MAX, max_s, 254, ((1u << 21) - 1) | 1u << 29 | 1u << 30 | 1u << 31},
        {7, 1'700'000'000 * us_per_s, detail::no_code, 5u | 1u << 31},
    };
    contact_ledger l;
    for (const auto& c : fit) l.push_back(c);
    CHECK_FALSE(l.wide());
    CHECK(l.values() == fit);
    // Each of these needs the wide form: a fraction of a second, before 1970, after 2106,
    // category code 255, group index 2^21.
    const std::vector<contact> wide = {{2, 1'500'000, 0, 0},
                                       {2, -us_per_s, 0, 0},
                                       {2, max_s + us_per_s, 0, 0},
                                       {2, 0, 255, 0},
                                       {2, 0, 0, 1u << 21}};
    for (const auto& w : wide) {
        contact_ledger m;
        for (const auto& c : fit) m.push_back(c);
        m.push_back(w);
        CHECK(m.wide());
        auto want = fit;
        want.push_back(w);
        CHECK(m.values() == want);
    }
    // Appending another state's ledger maps its category codes and group indexes; a mapped
    // value that no longer fits 16 bytes widens the ledger, and a wide source works alike.
    auto mapped = [](const std::vector<contact>& v, std::uint32_t cat_plus,
                     std::uint32_t group_plus) {
        std::vector<contact> out;
        for (auto c : v) {
            if (c.category != detail::no_code) c.category += cat_plus;
            c.group_bits = (c.group_bits & ~detail::contact::group_mask) | (c.group() + group_plus);
            out.push_back(c);
        }
        return out;
    };
    const std::vector<contact> src = {{3, 60 * us_per_s, 2, 4u | 1u << 30},
                                      {4, 0, detail::no_code, 1u << 31},
                                      {5, us_per_s, 0, 9}};
    for (const auto& [cat_plus, group_plus, widens] :
         std::vector<std::tuple<std::uint32_t, std::uint32_t, bool>>{
             {1, 10, false}, {253, 0, true}, {0, (1u << 21) - 9, true}}) {
        for (bool wide_source : {false, true}) {
            contact_ledger from, to;
            for (const auto& c : src) from.push_back(c);
            if (wide_source) from.push_back({6, 1, 0, 0});  // a fraction of a second: wide
            for (const auto& c : fit) to.push_back(c);
            // Copies: clang 14 cannot capture structured bindings.
            const std::uint32_t dc = cat_plus, dg = group_plus;
            to.append_mapped(
                from, [&](std::uint32_t c) { return c + dc; },
                [&](std::uint32_t g) { return g + dg; });
            auto want = fit;
            for (const auto& c : mapped(from.values(), cat_plus, group_plus)) want.push_back(c);
            CHECK(to.values() == want);
            CHECK(to.wide() == (widens || wide_source));
        }
    }
    // The compact order is the FCR order (customer, category with missing last, time).
    std::mt19937_64 rng(7);
    std::vector<contact> rs;
    for (int i = 0; i < 2000; ++i)
        rs.push_back({rng() % 20, static_cast<micros>(rng() % 50) * us_per_s,
                      rng() % 4 == 0 ? detail::no_code : static_cast<std::uint32_t>(rng() % 3),
                      static_cast<std::uint32_t>(rng() % 100)});
    std::vector<detail::compact_contact> packed;
    for (const auto& c : rs) packed.push_back(detail::compact_contact::pack(c));
    std::sort(packed.begin(), packed.end());
    std::sort(rs.begin(), rs.end());
    for (std::size_t i = 0; i < rs.size(); ++i) {
        const contact u = packed[i].unpack();
        CHECK(std::tie(u.customer, u.category, u.at) ==
              std::tie(rs[i].customer, rs[i].category, rs[i].at));
    }
}

TEST_CASE("contact sort: a counting pass then sorted runs give std::sort's order") {
    std::mt19937_64 rng(11);
    for (std::size_t n :
         {std::size_t{10}, std::size_t{100}, std::size_t{5000}, std::size_t{60000}}) {
        std::vector<detail::compact_contact> v;
        for (std::size_t i = 0; i < n; ++i) {
            // Keys spread over every top byte, with repeats (one customer, several contacts).
            const std::uint64_t key = rng() % 3   ? rng()
                                      : v.empty() ? 1
                                                  : v[rng() % v.size()].customer;
            v.push_back({key, rng() % 1000});
        }
        // A crowded top byte (half the records) makes long runs; one customer with many
        // contacts makes a run the key cannot split.
        for (std::size_t i = 0; i < n / 2; ++i)
            v[i].customer = (v[i].customer & ~(std::uint64_t{0xFF} << 56)) | std::uint64_t{7} << 56;
        for (std::size_t i = 0; i < n / 10; ++i) v[rng() % n].customer = 12345;
        auto want = v;
        std::sort(want.begin(), want.end());
        std::vector<detail::compact_contact> got(n);
        detail::sort_contacts(v.data(), v.data() + v.size(), got.data());
        bool same = true;
        for (std::size_t i = 0; i < n; ++i)
            same = same && got[i].customer == want[i].customer && got[i].rest == want[i].rest;
        CHECK(same);
        // Records sharing their top byte, as in one ledger bucket.
        for (auto& c : v)
            c.customer = (c.customer & ~(std::uint64_t{0xFF} << 56)) | std::uint64_t{0x42} << 56;
        want = v;
        std::sort(want.begin(), want.end());
        detail::sort_contacts(v.data(), v.data() + v.size(), got.data(), 8);
        same = true;
        for (std::size_t i = 0; i < n; ++i)
            same = same && got[i].customer == want[i].customer && got[i].rest == want[i].rest;
        CHECK(same);
    }
}

TEST_CASE("contact buckets: every record in the bucket of its key's top byte, none lost") {
    using detail::contact;
    std::mt19937_64 rng(5);
    std::vector<contact> in;
    for (int i = 0; i < 5000; ++i) {
        const std::uint64_t key =
            i % 7 == 0 && !in.empty() ? in[rng() % in.size()].customer : rng();
        // Every 97th a fraction of a second: its bucket alone turns wide.
        const micros at = static_cast<micros>(rng() % 100000) * us_per_s + (i % 97 == 0 ? 5 : 0);
        in.push_back({key, at, static_cast<std::uint32_t>(rng() % 3),
                      static_cast<std::uint32_t>(rng() % 50)});
    }
    detail::contact_buckets b;
    b.reserve(in.size());
    for (const auto& c : in) b.push_back(c);
    CHECK(b.size() == in.size());
    std::size_t wide = 0, nonempty = 0;
    bool placed = true;
    for (std::size_t i = 0; i < detail::contact_buckets::count; ++i) {
        wide += b.bucket(i).wide();
        nonempty += !b.bucket(i).empty();
        for (const auto& c : b.bucket(i).values()) placed = placed && (c.customer >> 56) == i;
    }
    CHECK(placed);
    CHECK(nonempty > 240);  // 5000 hashed keys leave almost no bucket empty
    CHECK(wide > 0);
    CHECK(wide < nonempty);
    auto got = b.values(), want = in;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    CHECK(got == want);
    // Appending maps categories and groups, bucket by bucket.
    detail::contact_buckets to;
    to.append_mapped(
        b, [](std::uint32_t c) { return c + 1; }, [](std::uint32_t g) { return g + 100; });
    auto mapped = to.values();
    std::sort(mapped.begin(), mapped.end());
    bool same = mapped.size() == want.size();
    for (std::size_t i = 0; same && i < want.size(); ++i)
        same = mapped[i].customer == want[i].customer && mapped[i].at == want[i].at &&
               mapped[i].category == want[i].category + 1 &&
               mapped[i].group() == want[i].group() + 100;
    CHECK(same);
    b.clear_and_free();
    CHECK(b.size() == 0);
}

namespace {
bool same_groups(const std::vector<report_group>& a, const std::vector<report_group>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].keys != b[i].keys || a[i].metrics.size() != b[i].metrics.size()) return false;
        for (std::size_t m = 0; m < a[i].metrics.size(); ++m) {
            const double x = a[i].metrics[m], y = b[i].metrics[m];
            if (!((std::isnan(x) && std::isnan(y)) || x == y)) return false;
        }
    }
    return true;
}
}  // namespace

TEST_CASE("project_for_report: the FCR of a copied ledger without copying it; then nothing else") {
    // U1's contacts fall on different days of agents A and B, so by agent x day the windows
    // cross groups: FCR by agent must come from the whole ledger, settled once.
    const config cfg;
    const auto t = load(fcr_csv, cfg);
    const std::vector<group_key> fine = {group_key::agent, group_key::day};
    report_state st(cfg, fine);
    st.update(t.batch);
    const auto fine_direct = report_state(st).finalize();
    for (const std::vector<group_key>& coarse :
         {std::vector<group_key>{group_key::agent}, std::vector<group_key>{}}) {
        report_state direct(cfg, coarse);
        direct.update(t.batch);
        const auto want = direct.finalize();
        report_state light = st.project_for_report(coarse, 2);
        const auto got = light.finalize();
        CHECK(same_groups(got, want));
        CHECK(got[0].metric("fcr_rate_num") == 2);  // worked by hand in the first FCR test
        CHECK(got[0].metric("fcr_rate_den") == 6);
        if (!coarse.empty()) CHECK(find(got, "A").metric("fcr_rate_num") == 1);
        CHECK(same_groups(st.project(coarse).finalize(), want));
        CHECK_THROWS_AS(light.merge(direct), std::logic_error);
        CHECK_THROWS_AS(direct.merge(light), std::logic_error);
        CHECK_THROWS_AS(light.to_json(), std::logic_error);
        CHECK_THROWS_AS(light.to_binary(), std::logic_error);
        CHECK_THROWS_AS(light.project({}), std::logic_error);
        CHECK_THROWS_AS(light.contacts(), std::logic_error);
        CHECK_THROWS_AS(light.update(t.batch), std::logic_error);
    }
    // The settlement kept for the finest state is its own: its report is unchanged...
    const auto fine_after = st.finalize();
    CHECK(same_groups(fine_after, fine_direct));
    // ...and rows added afterwards are settled again (U3: one resolved contact, FCR).
    const auto more = load(
        "id,created_at,channel,agent,customer,category,resolved,reopened,abandoned,contacts\n"
        "m,2026-03-05 10:00:00,chat,A,U3,order,1,0,0,\n",
        cfg);
    st.update(more.batch);
    report_state both(cfg, fine);
    both.update(t.batch);
    both.update(more.batch);
    const auto want_more = both.finalize();
    const auto got_more = st.finalize();
    CHECK(same_groups(got_more, want_more));
    CHECK(got_more[0].metric("fcr_rate_num") == 3);
    CHECK(fine_after[0].metric("fcr_rate_num") == 2);
}

TEST_CASE("FCR over the customer window, any category") {
    // U1 as one stream: a first (b follows); b, c not first (c: b 1 d before); d first (c 17 d
    // before), not FCR (e at the same instant follows it by id); e not first (d); f not first.
    // U2 as before. Den a d g h l = 5, num l.
    const auto gs = finalized(
        fcr_csv, config::from_json(json::parse(R"({"fcr": {"same_category": false}})")), {});
    CHECK(gs[0].metric("fcr_rate_den") == 5);
    CHECK(gs[0].metric("fcr_rate_num") == 1);
}

TEST_CASE("groups: overall first, keys sorted, missing last") {
    const config cfg = config::from_json(json::parse(R"({"timezone": "Asia/Shanghai"})"));
    auto t = load(
        "id,created_at,channel,agent\n"
        "1,2026-03-02 08:00:00,chat,王芳\n"
        "2,2026-03-01 23:30:00,chat,\n"
        "3,2026-03-01 10:00:00,phone,张伟\n"
        "4,2026-03-01 10:00:00,chat,王芳\n"
        "5,2026-03-01T16:30:00Z,chat,王芳\n",
        cfg);
    report_state st(cfg, {group_key::day, group_key::agent});
    st.update(t.batch);
    const auto gs = st.finalize();
    REQUIRE(gs.size() == 5);
    CHECK(gs[0].keys.empty());
    CHECK(gs[0].metric("interactions") == 5);
    using k = std::vector<std::optional<std::string>>;
    CHECK(gs[1].keys == k{"2026-03-01", "张伟"});  // UTF-8 byte order: 张 E5BCA0 < 王 E78E8B
    CHECK(gs[2].keys == k{"2026-03-01", "王芳"});
    CHECK(gs[3].keys == k{"2026-03-01", std::nullopt});
    CHECK(gs[4].keys == k{"2026-03-02", "王芳"});  // row 5 is 00:30 on 03-02 in Shanghai
    CHECK(gs[4].metric("interactions") == 2);
}

TEST_CASE("report_state: finalize gives the same bits on any number of threads, run after run") {
    // Regression: the overall row's durations were once counted while group tasks on other
    // threads reordered the same samples, so the overall median moved between runs.
    std::mt19937_64 g(99);
    static const std::vector<std::string> agents = [] {
        std::vector<std::string> a;
        for (int i = 0; i < 60; ++i) a.push_back("agent" + std::to_string(i));
        return a;
    }();
    const char* chans[] = {"chat", "phone", "email", "social"};
    interaction_batch b;
    for (int r = 0; r < 300000; ++r) {
        b.line.push_back(static_cast<std::uint64_t>(r + 2));
        b.id.push_back({});
        b.agent.push_back(agents[g() % agents.size()]);
        b.channel.push_back(chans[g() % 4]);
        for (auto* v : {&b.team, &b.customer, &b.category, &b.priority}) v->push_back({});
        b.created_at.push_back(static_cast<micros>(1'770'000'000 + g() % 2'000'000) * us_per_s);
        auto dur = [&] {
            return g() % 7 ? static_cast<micros>(g() % 5000) * us_per_s : missing_us;
        };
        b.frt.push_back(dur());
        b.resolution.push_back(dur());
        b.handle.push_back(dur());
        b.flags.push_back(0);
        b.reopened.push_back(0);
        for (auto* v : {&b.contacts, &b.csat, &b.nps, &b.ces}) v->push_back(missing_int);
        b.order_value.push_back(missing_us);
        b.replies.push_back(missing_int);
        b.rated.push_back(missing_us);
    }
    const config cfg;
    const std::vector<group_key> by = {group_key::agent, group_key::channel, group_key::day};
    report_state st(cfg, by);
    st.update(b);
    const auto one = st.finalize(1);
    bool same = true;
    for (unsigned trial = 0; trial < 16; ++trial) {
        const auto many = st.finalize(2 + trial % 3);
        same = same && many.size() == one.size();
        for (std::size_t i = 0; same && i < one.size(); ++i)
            for (std::size_t m = 0; m < one[i].metrics.size(); ++m) {
                const double x = one[i].metrics[m], y = many[i].metrics[m];
                same = same && ((std::isnan(x) && std::isnan(y)) || x == y);
            }
    }
    CHECK(same);
    CHECK(one.size() > 1000);
}

TEST_CASE("report_state: merge equals a single pass; JSON round trip; corrupted JSON") {
    // A generated table with repeat customers so FCR crosses partial boundaries.
    std::mt19937_64 g(2026);
    std::string csv =
        "id,created_at,channel,agent,team,customer,category,priority,first_response_s,resolution_s,"
        "handle_s,abandoned,csat,nps,ces,bot,converted,order_value,reopened\n";
    const char* chans[] = {"chat", "phone", "email", "social", "fax"};
    const char* cats[] = {"presale", "order", "complaint", ""};
    for (int i = 0; i < 3000; ++i) {
        const auto day = 1 + g() % 28;
        csv += std::to_string(i) + ",2026-03-" + (day < 10 ? "0" : "") + std::to_string(day) + " " +
               std::to_string(10 + g() % 10) + ":00:00,";
        csv += std::string(chans[g() % 5]) + "," +
               (g() % 6 ? std::string("ag").append(std::to_string(g() % 7)) : "") + ",t" +
               std::to_string(g() % 2) + ",";
        csv += (g() % 5 ? std::string("c").append(std::to_string(g() % 400)) : "") + "," +
               cats[g() % 4] + "," + (g() % 9 ? "normal" : "urgent") + ",";
        csv += (g() % 8 ? std::to_string(g() % 200) : "") + "," +
               (g() % 3 ? std::to_string(g() % 90000) : "") + ",";
        csv += (g() % 2 ? std::to_string(g() % 900) : "") + "," + (g() % 20 ? "0" : "1") + ",";
        csv += (g() % 3 ? "" : std::to_string(1 + g() % 5)) + "," +
               (g() % 4 ? "" : std::to_string(g() % 11)) + ",";
        csv += (g() % 6 ? "" : std::to_string(1 + g() % 7)) + "," + (g() % 4 ? "0" : "1") + "," +
               (g() % 3 ? "0" : "1") + ",";
        csv += (g() % 2 ? std::to_string(g() % 100000) + ".25" : "") + "," +
               (g() % 10 ? "0" : "1") + "\n";
    }
    const config cfg;
    auto t = load(csv, cfg);
    REQUIRE(t.batch.size() == 3000);
    const std::vector<group_key> by = {group_key::agent, group_key::channel, group_key::week};
    report_state whole(cfg, by);
    whole.update(t.batch);
    const auto expect = whole.finalize();

    for (int trial = 0; trial < 5; ++trial) {
        const std::size_t parts = 2 + g() % 4;
        std::vector<interaction_batch> slices(parts);
        std::vector<bool> keep(t.batch.size());
        std::vector<std::size_t> owner(t.batch.size());
        for (auto& o : owner) o = g() % parts;
        std::vector<report_state> states;
        for (std::size_t p = 0; p < parts; ++p) {
            interaction_batch b = t.batch;
            for (std::size_t r = 0; r < keep.size(); ++r) keep[r] = owner[r] == p;
            b.filter(keep);
            states.emplace_back(cfg, by);
            states.back().update(b);
        }
        std::shuffle(states.begin(), states.end(), g);
        // Ship each partial through JSON text or the binary form, as between machines.
        report_state merged(cfg, by);
        for (const auto& s : states) {
            if (trial % 2) {
                merged += report_state::from_json(json::parse(s.to_json().dump()));
            } else {
                const std::vector<std::uint8_t> bin = s.to_binary();
                merged += report_state::from_binary(bin.data(), bin.size());
            }
        }
        CHECK(merged == whole);
        const report_state nothing(cfg, by);  // an empty state first: the identity
        std::vector<const report_state*> inputs{&nothing};
        for (const auto& st : states) inputs.push_back(&st);
        CHECK(report_state::merged(inputs) == whole);
        const auto got = merged.finalize();
        REQUIRE(got.size() == expect.size());
        bool same = true;
        for (std::size_t i = 0; i < got.size(); ++i) {
            same = same && got[i].keys == expect[i].keys;
            for (std::size_t m = 0; m < got[i].metrics.size(); ++m) {
                const double a = got[i].metrics[m], b = expect[i].metrics[m];
                same = same && ((std::isnan(a) && std::isnan(b)) || a == b);  // bit-exact
            }
        }
        CHECK(same);
    }
    CHECK(whole.to_json().dump() == report_state::from_json(whole.to_json()).to_json().dump());
    const std::vector<std::uint8_t> bin = whole.to_binary();
    CHECK(report_state::from_binary(bin.data(), bin.size()).to_json().dump() ==
          whole.to_json().dump());
    CHECK(bin.size() < whole.to_json().dump().size());  // samples and contacts as raw bytes
    // A damaged binary state is an error, never a different state.
    CHECK_THROWS_AS(report_state::from_binary(bin.data(), bin.size() - 1), std::invalid_argument);
    const json jb = json::from_cbor(bin);
    REQUIRE(jb["contacts"]["customer"].is_binary());
    auto bad_bin = [&](auto&& edit) {
        json c = jb;
        edit(c);
        return c;
    };
    auto bytes = [](std::vector<std::uint8_t> v) { return json::binary(std::move(v)); };
    CHECK_THROWS_AS(report_state::from_json(bad_bin([&](json& c) {
                        c["contacts"]["flags"] = bytes({1, 2});  // a column of another length
                    })),
                    std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(bad_bin([&](json& c) {
                        c["contacts"]["customer"] = bytes({1, 2, 3});  // not whole 8-byte values
                    })),
                    std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(bad_bin([&](json& c) {
                        auto grp = c["contacts"]["group"].get_binary();
                        grp[0] = grp[1] = grp[2] = grp[3] = 0xFF;  // a group that does not exist
                        c["contacts"]["group"] = bytes(grp);
                    })),
                    std::invalid_argument);
    // Kaplan-Meier entries travel as columns too; an entry of an unknown kind is refused.
    REQUIRE(jb["censoring"]["kind"].is_binary());
    REQUIRE_FALSE(jb["censoring"]["kind"].get_binary().empty());
    CHECK_THROWS_AS(report_state::from_json(bad_bin([&](json& c) {
                        auto k = c["censoring"]["kind"].get_binary();
                        k[0] = 200;
                        c["censoring"]["kind"] = bytes(k);
                    })),
                    std::invalid_argument);
    // Arrays nested 100,000 deep are refused, not recursed into (the stack would overflow).
    std::vector<std::uint8_t> deep(100000, 0x81);
    deep.push_back(0x00);
    CHECK_THROWS_AS(report_state::from_binary(deep.data(), deep.size()), std::invalid_argument);
    // The groups travel as columns (group_columns.hpp): each column's length and content are
    // checked against the group count.
    REQUIRE(jb["groups"]["states"]["counts"]["answered"].is_binary());
    auto& frt = jb["groups"]["states"]["frt_us"];
    REQUIRE(frt["seconds"].get_binary().size() >= 4);
    CHECK(frt["micros"].get_binary().empty());  // whole seconds travel in 32 bits
    CHECK_THROWS_AS(report_state::from_json(bad_bin([&](json& c) {
                        auto& f = c["groups"]["states"]["frt_us"];
                        std::vector<std::uint8_t> v(8, 0);
                        v[7] = 0x80;  // a negative duration
                        f["micros"] = bytes(v);
                        auto l = f["lengths"].get_binary(), w = f["wide"].get_binary();
                        l[0] += 1;  // one more value, in the wide column
                        w[0] = 1;
                        f["lengths"] = bytes(l);
                        f["wide"] = bytes(w);
                    })),
                    std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(bad_bin([&](json& c) {
                        c["groups"]["n"] = c["groups"]["n"].get<std::size_t>() + 1;
                    })),
                    std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(bad_bin([&](json& c) {
                        auto v = c["groups"]["states"]["counts"]["answered"].get_binary();
                        v[0] ^= 1;  // answered no longer matches the frt samples
                        c["groups"]["states"]["counts"]["answered"] = bytes(v);
                    })),
                    std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(bad_bin([&](json& c) {
                        auto& f = c["groups"]["states"]["frt_us"]["seconds"];
                        auto v = f.get_binary();
                        v.erase(v.end() - 4, v.end());  // a value short
                        f = bytes(v);
                    })),
                    std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(bad_bin([&](json& c) {
                        auto& k = c["groups"]["keys"][0]["codes"];
                        auto v = k.get_binary();
                        v[0] = v[1] = 0xF0;  // a label that does not exist
                        k = bytes(v);
                    })),
                    std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(bad_bin([&](json& c) {
                        for (auto& k : c["groups"]["keys"]) {  // group 1 gets group 0's key
                            json& col = k.is_object() ? k["codes"] : k;
                            auto v = col.get_binary();
                            const std::size_t w = k.is_object() ? 4 : 8;
                            std::copy(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(w),
                                      v.begin() + static_cast<std::ptrdiff_t>(w));
                            col = bytes(v);
                        }
                    })),
                    std::invalid_argument);

    // States with rows and another configuration or grouping refuse to merge (an empty one is
    // the identity: see the test below).
    report_state other(config::from_json(json::parse(R"({"fcr": {"window_s": 60}})")), by);
    other.update(t.batch);
    CHECK_THROWS_AS(whole.merge(other), std::invalid_argument);
    report_state by_agent(cfg, {group_key::agent});
    by_agent.update(t.batch);
    CHECK_THROWS_AS(whole.merge(by_agent), std::invalid_argument);

    json j = whole.to_json();
    auto bad = [&](auto&& edit) {
        json c = j;
        edit(c);
        return c;
    };
    CHECK_THROWS_AS(report_state::from_json(bad([](json& c) { c["type"] = "cskpi.group_state"; })),
                    std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(bad([](json& c) { c["version"] = 2; })),
                    std::invalid_argument);
    CHECK_THROWS_AS(
        report_state::from_json(bad([](json& c) { c["by"] = json::array({"planet"}); })),
        std::invalid_argument);
    CHECK_THROWS_AS(
        report_state::from_json(bad([](json& c) { c["groups"][0]["key"] = json::array({1}); })),
        std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(
                        bad([](json& c) { c["groups"][1]["key"] = c["groups"][0]["key"]; })),
                    std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(bad([](json& c) { c["contacts"][0][3] = 999999; })),
                    std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(
                        bad([](json& c) { c["groups"][0]["state"]["counts"]["answered"] = 1e9; })),
                    std::invalid_argument);
    CHECK_THROWS_AS(report_state::from_json(bad([](json& c) { c["config"]["timezone"] = 5; })),
                    config_error);
}

TEST_CASE("report_state: logged samples reach the right groups, whatever path they took") {
    // Batches of fewer than 1024 rows add samples to the groups directly; larger ones go
    // through the sample log, which finalize() moves into the groups, unless their groups average
    // fewer than 4 rows (then directly again). The expected multisets
    // and medians are computed here from the input columns alone.
    std::mt19937_64 g(7);
    std::deque<std::string> labels;
    auto batch_of = [&](int rows, int agents, bool fractional) {
        interaction_batch b;
        const char* chans[] = {"chat", "phone", "email", "social", "fax"};
        for (int r = 0; r < rows; ++r) {
            labels.push_back("a" + std::to_string(g() % static_cast<unsigned>(agents)));
            b.line.push_back(static_cast<std::uint64_t>(r + 2));
            b.id.push_back({});
            b.agent.push_back(labels.back());
            b.channel.push_back(chans[g() % 5]);
            for (auto* v : {&b.team, &b.customer, &b.category, &b.priority}) v->push_back({});
            b.created_at.push_back(static_cast<micros>(1'770'000'000 + g() % 100'000) * us_per_s);
            auto dur = [&] {
                if (g() % 6 == 0) return missing_us;
                const micros s = static_cast<micros>(g() % 900) * us_per_s;
                // Fractional values only for agent a1: its arrays must switch to microseconds.
                return fractional && b.agent.back() == "a1" && g() % 3 == 0 ? s + 250'000 : s;
            };
            b.frt.push_back(dur());
            b.resolution.push_back(dur());
            b.handle.push_back(dur());
            b.flags.push_back(b.resolution.back() != missing_us ? f_resolved
                                                                : 0);  // as validation sets it
            b.reopened.push_back(0);
            for (auto* v : {&b.contacts, &b.csat, &b.nps, &b.ces}) v->push_back(missing_int);
            b.order_value.push_back(missing_us);
            b.replies.push_back(missing_int);
            b.rated.push_back(missing_us);
        }
        return b;
    };
    // 40 rows (direct), then 3000 and 2000 (logged; with and without fractions), then 3000 rows
    // over up to 10,000 groups (direct: about one row a group).
    std::vector<interaction_batch> batches = {batch_of(40, 3, false), batch_of(3000, 30, true),
                                              batch_of(2000, 30, false),
                                              batch_of(3000, 2000, true)};
    std::map<std::pair<std::string, std::string>, std::array<std::vector<micros>, 3>> expect;
    for (const auto& b : batches)
        for (std::size_t r = 0; r < b.size(); ++r) {
            auto& e = expect[{std::string(b.agent[r]), std::string(b.channel[r])}];
            const micros v[3] = {b.frt[r], b.handle[r], b.resolution[r]};
            for (int k = 0; k < 3; ++k)
                if (v[k] != missing_us) e[static_cast<std::size_t>(k)].push_back(v[k]);
        }
    const std::vector<group_key> by = {group_key::agent, group_key::channel};
    const config cfg;
    auto check_groups = [&](const report_state& s) {
        const auto gs = s.groups();
        REQUIRE(gs.size() == expect.size());
        bool same = true;
        for (std::size_t i = 0; i < gs.size(); ++i) {
            const auto l = s.labels(s.group_id_of(i));
            const auto& e = expect.at({*l[0], *l[1]});
            const detail::duration_samples* got[3] = {&gs[i].frt, &gs[i].handle, &gs[i].resolution};
            for (int k = 0; k < 3; ++k) {
                auto a = got[k]->values(), b = e[static_cast<std::size_t>(k)];
                std::sort(a.begin(), a.end());
                std::sort(b.begin(), b.end());
                same = same && a == b;
            }
        }
        CHECK(same);
    };
    auto check_medians = [&](std::vector<report_group> rows) {
        const auto& cat = metric_catalogue();
        const std::size_t med = static_cast<std::size_t>(
            std::find_if(cat.begin(), cat.end(),
                         [](const auto& c) { return c.name == "frt_median"; }) -
            cat.begin());
        REQUIRE(rows.size() == expect.size() + 1);
        bool same = true;
        for (std::size_t i = 1; i < rows.size(); ++i) {
            auto v = expect.at({*rows[i].keys[0], *rows[i].keys[1]})[0];
            if (v.empty()) {  // no first response in the group: no median
                same = same && std::isnan(rows[i].metrics[med]);
                continue;
            }
            std::sort(v.begin(), v.end());
            const double m = (static_cast<double>(v[(v.size() - 1) / 2]) +
                              static_cast<double>(v[v.size() / 2])) /
                             2 / 1e6;
            same = same && std::abs(rows[i].metrics[med] - m) < 1e-9;
        }
        CHECK(same);
    };

    report_state whole(cfg, by);
    for (const auto& b : batches) whole.update(b);
    check_groups(whole);  // before finalize: groups() adds the log
    report_state copy_merged(cfg, by), moved(cfg, by);
    for (const auto& b : batches) {
        report_state part(cfg, by);
        part.update(b);
        copy_merged += part;
        moved.merge(std::move(part), 2);
        CHECK(part.size() == 0);
    }
    CHECK(copy_merged == whole);
    CHECK(moved == whole);
    CHECK(report_state::from_json(whole.to_json()) == whole);
    check_medians(whole.finalize());
    check_groups(whole);  // after finalize: all in the groups' own arrays
    check_medians(moved.finalize(2));
    check_medians(copy_merged.finalize(3));
    // Only a1's arrays hold fractional seconds; other groups logged in the same batches keep
    // 32-bit seconds.
    for (report_state* s : {&whole, &moved}) {
        const auto gs = s->groups();
        std::size_t wide = 0, narrow = 0;
        for (std::size_t i = 0; i < gs.size(); ++i) {
            const bool a1 = *s->labels(s->group_id_of(i))[0] == "a1";
            wide += a1 && gs[i].frt.wide();
            narrow += !a1 && !gs[i].frt.wide() && !gs[i].handle.wide() && !gs[i].resolution.wide();
        }
        CHECK(wide == 5);  // a1 on each of the 5 channels
        CHECK(narrow == expect.size() - 5);
    }

    // hold_rows: rows kept back and added together give the same state. The first batch (40
    // rows, 15 groups) is held and added with the second, whose 150 groups are few enough to
    // add at once. The last batch's 3000 rows spread over ~2,700 new groups: held until settle()
    // with a hold of 100,000, added at once with 2500.
    std::uint64_t rows = 0;
    report_state at_once(cfg, by);  // `whole` is finalized by now
    for (const auto& b : batches) {
        rows += b.size();
        at_once.update(b);
    }
    for (std::size_t hold : {std::size_t{2500}, std::size_t{100'000}}) {
        CAPTURE(hold);
        report_state held(cfg, by);
        held.hold_rows(hold);
        for (const auto& b : batches) held.update(b);
        CHECK(held.interactions() == rows);  // held rows count
        if (hold > 3000) {
            CHECK_THROWS_AS(held.groups(), std::logic_error);
            CHECK_THROWS_AS(held.to_json(), std::logic_error);
            report_state other(cfg, by);
            CHECK_THROWS_AS(other.merge(held), std::logic_error);
        }
        held.settle();
        check_groups(held);
        CHECK(held == at_once);
        check_medians(held.finalize());
    }
}

TEST_CASE("a state without rows is the identity of merge, whatever its configuration") {
    const config cfg = config::from_json(json::parse(R"({"timezone": "Asia/Shanghai"})"));
    auto t = load(fcr_csv, cfg);
    report_state full(cfg, {group_key::agent});
    full.update(t.batch);
    const auto want = full.finalize();
    auto same = [&](const std::vector<report_group>& gs) {
        REQUIRE(gs.size() == want.size());
        for (std::size_t i = 0; i < gs.size(); ++i) {
            CHECK(gs[i].keys == want[i].keys);
            for (std::size_t m = 0; m < gs[i].metrics.size(); ++m)
                CHECK(((std::isnan(gs[i].metrics[m]) && std::isnan(want[i].metrics[m])) ||
                       gs[i].metrics[m] == want[i].metrics[m]));
        }
    };
    // Empty states: default-constructed (UTC, no grouping) and configured like `full`.
    for (const report_state& empty : {report_state(), report_state(cfg, {group_key::agent})}) {
        report_state a = full;
        a.merge(empty);
        same(a.finalize());
        report_state b = empty;
        b.merge(full);
        same(b.finalize());
        CHECK(b.by() == full.by());
        report_state c = empty;
        report_state moved = full;
        c.merge(std::move(moved), 2);
        same(c.finalize());
        same((empty + full).finalize());
        same(report_state::from_json((full + empty).to_json()).finalize());
    }
    // Two states with rows and different groupings still refuse to merge.
    report_state other(cfg, {group_key::team});
    other.update(t.batch);
    CHECK_THROWS_AS(full.merge(other), std::invalid_argument);
}

TEST_CASE(
    "bot_containment_verified_rate: contained, and the customer does not come back in the window") {
    // Window 7 days. Bot rows: b1 b3 b4 b5 b6 b7 (6).
    // b1: bot-only, resolved, U1; U1 comes back 2 days later (b2) -> contained, not verified.
    // b3: bot-only, resolved, U2; U2's next contact is 19 days later -> verified.
    // b4: bot-only, resolved, no customer -> counted as contained (nothing to verify against).
    // b5: bot-only, not resolved -> not contained.   b6: bot with an agent -> escalated.
    // b7: bot-only, resolved, U5; b8 (U5, same instant, larger id) follows it -> not verified.
    const std::string csv =
        "id,created_at,channel,agent,customer,bot,resolved\n"
        "b1,2026-03-01 10:00:00,bot,,U1,1,1\n"
        "b2,2026-03-03 10:00:00,chat,X,U1,0,1\n"
        "b3,2026-03-01 10:00:00,bot,,U2,1,1\n"
        "b9,2026-03-20 10:00:00,chat,X,U2,0,1\n"
        "b4,2026-03-01 10:00:00,bot,,,1,1\n"
        "b5,2026-03-01 10:00:00,bot,,U3,1,0\n"
        "b6,2026-03-01 10:00:00,bot,X,U4,1,1\n"
        "b7,2026-03-05 10:00:00,bot,,U5,1,1\n"
        "b8,2026-03-05 10:00:00,chat,X,U5,0,1\n";
    const config cfg;
    auto t = load(csv, cfg);
    report_state st(cfg, {group_key::channel});
    st.update(t.batch);
    auto check = [](const std::vector<report_group>& gs) {
        CHECK(gs[0].metric("bot_containment_verified_rate_num") == 2);  // b3, b4
        CHECK(gs[0].metric("bot_containment_verified_rate_den") == 6);
        CHECK(gs[0].metric("bot_containment_rate_num") == 4);  // b1 b3 b4 b7
        CHECK(gs[0].metric("bot_containment_verified_rate") == doctest::Approx(2.0 / 6));
        CHECK(find(gs, "bot").metric("bot_containment_verified_rate_num") == 2);
        CHECK(find(gs, "chat").metric("bot_containment_verified_rate_den") == 0);
        CHECK(std::isnan(find(gs, "chat").metric("bot_containment_verified_rate")));
    };
    check(st.finalize());
    check(report_state::from_json(st.to_json()).finalize());  // the contained flag travels in JSON
}

TEST_CASE(
    "one_touch_rate: resolved rows with at most one reply, among resolved rows with replies "
    "known") {
    // r1 0 replies, r2 1: one-touch; r3 2: not; r4 replies unknown and r5 unresolved: not counted.
    const std::string csv =
        "id,created_at,channel,resolved,replies\n"
        "r1,2026-03-01 10:00:00,chat,1,0\n"
        "r2,2026-03-01 10:00:00,chat,1,1\n"
        "r3,2026-03-01 10:00:00,chat,1,2\n"
        "r4,2026-03-01 10:00:00,chat,1,\n"
        "r5,2026-03-01 10:00:00,chat,0,1\n";
    const auto gs = finalized(csv, config{}, {});
    CHECK(gs[0].metric("one_touch_rate_num") == 2);
    CHECK(gs[0].metric("one_touch_rate_den") == 3);
    CHECK(gs[0].metric("one_touch_rate") == doctest::Approx(2.0 / 3));
    const auto [lo, hi] = stats::wilson(2, 3, stats::z_for(0.95));
    CHECK(gs[0].metric("one_touch_rate_ci_low") == lo);
    CHECK(gs[0].metric("one_touch_rate_ci_high") == hi);
}

namespace {
bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](double x, double y) {
        return x == y || (std::isnan(x) && std::isnan(y));
    });
}
}  // namespace

TEST_CASE(
    "privacy.salt: keyed customer keys, the same FCR, states of other salts refuse to merge") {
    config plain, salted, other;
    salted.privacy_salt = "a long secret";
    other.privacy_salt = "another secret";
    const auto a = finalized(fcr_csv, plain, {group_key::agent});
    const auto b = finalized(fcr_csv, salted, {group_key::agent});
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        CHECK(same_values(a[i].metrics, b[i].metrics));  // equality of ids is all FCR needs

    auto t = load(fcr_csv, salted);
    report_state s1(salted, {group_key::agent}), s2(other, {group_key::agent}),
        s0(plain, {group_key::agent});
    s1.update(t.batch);
    s2.update(load(fcr_csv, other).batch);
    s0.update(load(fcr_csv, plain).batch);
    // The keys differ from the public hash and between salts; the salt itself is never written.
    std::set<std::uint64_t> k0, k1, k2;
    for (const auto& c : s0.contacts()) k0.insert(c.customer);
    for (const auto& c : s1.contacts()) k1.insert(c.customer);
    for (const auto& c : s2.contacts()) k2.insert(c.customer);
    CHECK(k0.count(detail::customer_hasher::plain("U1")) == 1);
    CHECK(k1.count(detail::customer_hasher::plain("U1")) == 0);
    CHECK(k1.size() == k0.size());
    for (auto k : k1) CHECK(k2.count(k) == 0);
    const std::string text = s1.to_json().dump();
    CHECK(text.find("a long secret") == std::string::npos);
    CHECK(text.find(salted.salt_id()) != std::string::npos);
    CHECK_THROWS_AS(s1.merge(report_state(s2)), std::invalid_argument);
    // Read back, the state merges into a salted one but cannot take rows of its own.
    auto back = report_state::from_json(s1.to_json());
    CHECK_THROWS_AS(back.update(t.batch), std::invalid_argument);
    report_state s3(salted, {group_key::agent});
    s3.merge(std::move(back));
    CHECK(same_values(s3.finalize()[1].metrics, b[1].metrics));
    // A configuration naming both checks that they belong together.
    CHECK_THROWS_AS(
        config::from_json(json{{"privacy", {{"salt", "x"}, {"salt_id", salted.salt_id()}}}}),
        config_error);
    CHECK_NOTHROW(config::from_json(
        json{{"privacy", {{"salt", "a long secret"}, {"salt_id", salted.salt_id()}}}}));
}

TEST_CASE("privacy.min_group_size: small groups suppressed, the overall row still counts them") {
    config cfg;
    cfg.privacy_min_group_size = 4;
    const auto gs = finalized(fcr_csv, cfg, {group_key::agent});
    const auto all = finalized(fcr_csv, config{}, {group_key::agent});
    CHECK(same_values(gs[0].metrics, all[0].metrics));
    CHECK_FALSE(gs[0].suppressed);
    for (std::size_t i = 1; i < gs.size(); ++i) {
        const double n = all[i].metric("interactions");
        CAPTURE(i);
        CHECK(gs[i].suppressed == (n < 4));
        if (n < 4)
            CHECK(std::isnan(gs[i].metric("interactions")));
        else
            CHECK(same_values(gs[i].metrics, all[i].metrics));
    }
}

TEST_CASE("sales_total saturates instead of overflowing, and reads as null") {
    group_state s;
    row_facts f;
    f.bits = row_facts::presale_converted;
    f.order_value = INT64_MAX / 2 + 1;
    s.count(f, 4);
    CHECK(s.sales_total == INT64_MAX / 2 + 1);
    s.count(f, 4);
    CHECK(s.sales_total == INT64_MAX);
    CHECK(std::isnan(detail::sales(s)));
    group_state t;
    t.sales_total = 5;
    t.merge(s);
    CHECK(t.sales_total == INT64_MAX);
}

namespace {
// Type 7 by its definition (sorted x, h = (m - 1) q), independent of cskpi's selection code.
double type7_sorted(std::vector<double> x, double q) {
    std::sort(x.begin(), x.end());
    const double h = static_cast<double>(x.size() - 1) * q;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, x.size() - 1);
    return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}
bool within(double got, double exact, double alpha) {
    return std::abs(got - exact) <= alpha * std::abs(exact) * (1 + 1e-9) + 1e-6;
}
}  // namespace

TEST_CASE("duration_sketch: bins as DDSketch defines them; type-7 quantiles within alpha") {
    const double alpha = 0.01, gamma = (1 + alpha) / (1 - alpha);
    detail::duration_sketch s(alpha);
    CHECK(s.key_of(0) == 0);
    CHECK(s.representative(0) == 0);
    // A value x > 0 lies in (gamma^(k-2), gamma^(k-1)] of its bin k, and the representative
    // 2 gamma^(k-1) / (gamma + 1) within alpha of it.
    for (micros x : {micros{1}, micros{999'999}, micros{1'000'000}, micros{86'400'000'000},
                     micros{4'000'000'000'000'000'000}}) {
        const std::uint32_t k = s.key_of(x);
        CAPTURE(x);
        CHECK(static_cast<double>(x) <= std::pow(gamma, k - 1.0) * (1 + 1e-12));
        CHECK(static_cast<double>(x) > std::pow(gamma, k - 2.0) * (1 - 1e-12));
        CHECK(within(s.representative(k), static_cast<double>(x), alpha));
    }
    // Durations spread over seven decades, whole seconds and microseconds, with repeats.
    std::mt19937_64 g(11);
    std::lognormal_distribution<double> spread(std::log(120e6), 2.0);
    std::vector<micros> xs;
    for (int i = 0; i < 20000; ++i)
        xs.push_back(i % 7 == 0 ? micros{0}
                     : i % 2    ? static_cast<micros>(spread(g))
                                : static_cast<micros>(spread(g) / 1e6) * us_per_s);
    std::vector<detail::duration_sketch> parts(3, detail::duration_sketch(alpha));
    detail::duration_sketch::int128 sum = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        s.add(xs[i]);
        parts[g() % 3].add(xs[i]);
        sum += xs[i];
    }
    CHECK(s.count() == xs.size());
    CHECK(s.sum() == sum);
    CHECK(s.max() == *std::max_element(xs.begin(), xs.end()));
    const std::vector<double> qs = {0, 0.05, 0.25, 0.5, 0.9, 0.95, 0.99, 1};
    const std::vector<double> est = s.quantiles(qs);
    const std::vector<double> exact_x(xs.begin(), xs.end());
    for (std::size_t i = 0; i < qs.size(); ++i) {
        CAPTURE(qs[i]);
        CHECK(within(est[i], type7_sorted(exact_x, qs[i]), alpha));
    }
    // Merging is exact: any split, any order, gives the one sketch.
    detail::duration_sketch m(alpha);
    m.merge(parts[2]);
    m.merge(parts[0]);
    m.merge(parts[1]);
    CHECK(m == s);
    CHECK_THROWS_AS(m.merge(detail::duration_sketch(0.02)), std::invalid_argument);
    CHECK_THROWS_AS(detail::duration_sketch(0.5), std::invalid_argument);
    // Parts that contradict each other are refused.
    using D = detail::duration_sketch;
    const micros one_s = us_per_s;
    CHECK_NOTHROW(D::from_parts(alpha, {s.key_of(one_s)}, {2}, 2 * one_s, one_s));
    CHECK_THROWS_AS(D::from_parts(alpha, {5, 4}, {1, 1}, 0, 0), std::invalid_argument);
    CHECK_THROWS_AS(D::from_parts(alpha, {s.key_of(one_s)}, {0}, 0, one_s), std::invalid_argument);
    CHECK_THROWS_AS(D::from_parts(alpha, {s.key_of(one_s)}, {2}, 2 * one_s, 2 * one_s),
                    std::invalid_argument);  // the maximum is not in the last bin
    CHECK_THROWS_AS(D::from_parts(alpha, {s.key_of(one_s)}, {2}, 3 * one_s, one_s),
                    std::invalid_argument);  // a sum above count x maximum
}

TEST_CASE(
    "quantiles \"sketch\": quantile columns within alpha, every other column exact; "
    "partial states merge to the whole") {
    std::mt19937_64 g(5);
    std::lognormal_distribution<double> spread(std::log(90.0), 1.5);
    std::deque<std::string> labels;
    interaction_batch b;
    const char* agents[] = {"ann", "bo", "cy"};
    for (int r = 0; r < 6000; ++r) {
        b.line.push_back(static_cast<std::uint64_t>(r + 2));
        labels.push_back(std::string("i").append(std::to_string(r)));
        b.id.push_back(labels.back());
        b.agent.push_back(agents[g() % 3]);
        b.channel.push_back(g() % 2 ? "chat" : "email");
        for (auto* v : {&b.team, &b.customer, &b.category, &b.priority}) v->push_back({});
        b.created_at.push_back(static_cast<micros>(1'770'000'000 + g() % 1'000'000) * us_per_s);
        auto dur = [&](bool whole) {
            if (g() % 8 == 0) return missing_us;
            const double s = spread(g);
            return whole ? static_cast<micros>(s) * us_per_s : static_cast<micros>(s * 1e6);
        };
        b.frt.push_back(dur(true));
        b.handle.push_back(dur(r % 3 != 0));
        b.resolution.push_back(dur(true));
        b.flags.push_back(b.resolution.back() != missing_us ? f_resolved : 0);
        b.reopened.push_back(0);
        for (auto* v : {&b.contacts, &b.csat, &b.nps, &b.ces}) v->push_back(missing_int);
        b.order_value.push_back(missing_us);
        b.replies.push_back(missing_int);
        b.rated.push_back(missing_us);
    }
    const double alpha = 0.005;
    const config exact;
    const config sketch =
        config::from_json({{"quantiles", "sketch"}, {"quantile_relative_error", alpha}});
    const std::vector<group_key> by = {group_key::agent, group_key::channel};
    report_state e(exact, by), s(sketch, by);
    e.update(b);
    s.update(b);
    const auto re = e.finalize(), rs = s.finalize(2);
    // Which columns are estimates: duration quantiles and the Kaplan-Meier columns.
    std::set<std::string> approx;
    for (const auto& d : metric_table()) {
        if (d.kind == metric_kind::survival)
            for (const auto& c : detail::columns_of(d)) approx.insert(c.name);
        if (d.kind == metric_kind::duration)
            for (const auto& st : d.stats)
                if (st.what == duration_stat::quantile)
                    approx.insert(d.name + std::string(st.suffix));
    }
    REQUIRE(approx.count("frt_p90"));
    REQUIRE(approx.count("resolution_km_median"));
    REQUIRE(re.size() == rs.size());
    const auto& cat = metric_catalogue();
    std::size_t estimated = 0, differ = 0;
    for (std::size_t i = 0; i < re.size(); ++i)
        for (std::size_t c = 0; c < cat.size(); ++c) {
            const double x = re[i].metrics[c], y = rs[i].metrics[c];
            CAPTURE(cat[c].name);
            if (std::isnan(x)) {
                CHECK(std::isnan(y));
            } else if (approx.count(cat[c].name)) {
                ++estimated;
                differ += x != y;
                CHECK(within(y, x, alpha));
            } else {
                CHECK(x == y);  // counts, rates, means, maxima: to the bit
            }
        }
    CHECK(estimated > 40);
    CHECK(differ > 0);  // the sketch did estimate
    // Partial states, shipped as text or binary, merge to the whole sketch state exactly.
    report_state merged(sketch, by);
    for (int p = 0; p < 3; ++p) {
        interaction_batch part = b;
        std::vector<bool> keep(b.size());
        for (std::size_t r = 0; r < keep.size(); ++r)
            keep[r] = r % 3 == static_cast<std::size_t>(p);
        part.filter(keep);
        report_state st(sketch, by);
        st.update(part);
        const json doc = st.to_json();
        REQUIRE(doc["groups"][0]["state"]["frt_us"].is_object());  // bins, not values
        if (p == 1) {
            merged += report_state::from_json(doc);
        } else {
            const auto bin = st.to_binary();
            merged += report_state::from_binary(bin.data(), bin.size());
        }
    }
    CHECK(merged == s);
    const auto rm = merged.finalize();
    bool same = rm.size() == rs.size();
    for (std::size_t i = 0; same && i < rm.size(); ++i)
        for (std::size_t c = 0; c < cat.size(); ++c)
            same = same && ((std::isnan(rm[i].metrics[c]) && std::isnan(rs[i].metrics[c])) ||
                            rm[i].metrics[c] == rs[i].metrics[c]);
    CHECK(same);
    // The configuration says which was used; states of different modes or errors do not mix.
    CHECK(sketch.to_json()["quantiles"] == "sketch");
    CHECK(sketch.to_json()["quantile_relative_error"] == alpha);
    CHECK_FALSE(exact.to_json().contains("quantiles"));
    CHECK_THROWS_AS(e.merge(s), std::invalid_argument);
    json other = s.to_json();
    other["config"]["quantile_relative_error"] = 0.02;
    CHECK_THROWS_AS(report_state::from_json(other), std::invalid_argument);
    CHECK_THROWS_AS(config::from_json({{"quantiles", "approximate"}}), config_error);
    CHECK_THROWS_AS(config::from_json({{"quantile_relative_error", 0.5}}), config_error);
    // A sketch holds bins, not rows: one group of 6,000 rows takes far fewer bytes.
    report_state e1(exact, {}), s1(sketch, {});
    e1.update(b);
    s1.update(b);
    CHECK(s1.to_binary().size() * 3 < e1.to_binary().size());
}

TEST_CASE("cbor_reader reads what nlohmann's to_cbor writes and refuses what it does not read") {
    const json doc = {{"unsigned", {0, 23, 24, 255, 256, 65536, 4294967296ull, UINT64_MAX}},
                      {"negative", {-1, -24, -25, -256, -65537, INT64_MIN}},
                      {"double", {0.5, -1e300, 3.141592653589793}},
                      {"text", {"", "团队", std::string(300, 'x')}},
                      {"bytes", json::binary(std::vector<std::uint8_t>(70000, 7))},
                      {"flags", {true, false, nullptr}},
                      {"nested", {{"a", json::array()}, {"b", json::object()}}}};
    const std::vector<std::uint8_t> bin = json::to_cbor(doc);
    auto read = [](const std::vector<std::uint8_t>& b) {
        return detail::cbor_document<json>(b.data(), b.size(), 8, "test");
    };
    CHECK(read(bin) == doc);
    // Half and single floats (RFC 8949 appendix D: 0xF93C00 is 1.0, 0xF9C400 is -4.0, 0xF97C00
    // infinity, 0xF90001 the smallest subnormal 2^-24; 0xFA47C35000 is 100000.0).
    CHECK(read({0xF9, 0x3C, 0x00}) == json(1.0));
    CHECK(read({0xF9, 0xC4, 0x00}) == json(-4.0));
    CHECK(read({0xF9, 0x7C, 0x00}).get<double>() == HUGE_VAL);
    CHECK(read({0xF9, 0x00, 0x01}) == json(std::ldexp(1.0, -24)));
    CHECK(read({0xFA, 0x47, 0xC3, 0x50, 0x00}) == json(100000.0));
    // Refused: indefinite lengths, tags, a length past the end, a cut head, bytes after the
    // item, a map key that is not text, a simple value other than false/true/null.
    for (const std::vector<std::uint8_t>& bad : {std::vector<std::uint8_t>{0x9F, 0x01, 0xFF},
                                                 {0xC2, 0x41, 0x00},
                                                 {0x5A, 0xFF, 0xFF, 0xFF, 0xFF},
                                                 {0x19, 0x01},
                                                 {0x01, 0x02},
                                                 {0xA1, 0x01, 0x02},
                                                 {0xF0},
                                                 {}}) {
        CHECK_THROWS_WITH_AS(read(bad), doctest::Contains("test: "), std::invalid_argument);
    }
    // Large byte strings are borrowed: the document says where they are in the input, resolved
    // while a borrow_scope names that input, refused otherwise.
    const std::vector<std::uint8_t> big =
        json::to_cbor(json{{"b", json::binary(std::vector<std::uint8_t>(5000, 9))}});
    const json lent = detail::cbor_document<json>(big.data(), big.size(), 8, "test", 4096);
    CHECK(lent["b"].get_binary().size() == 16);
    CHECK_THROWS_AS(detail::binary_bytes(lent["b"]), std::invalid_argument);
    {
        const detail::borrow_scope in(big.data(), big.size());
        const auto bytes = detail::binary_bytes(lent["b"]);
        CHECK(bytes.size() == 5000);
        CHECK(std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t x) { return x == 9; }));
        const detail::borrow_scope cut(big.data(), 100);
        CHECK_THROWS_AS(detail::binary_bytes(lent["b"]), std::invalid_argument);
    }
    std::vector<std::uint8_t> deep(9, 0x81);  // nine arrays deep where eight are allowed
    deep.push_back(0x00);
    CHECK_THROWS_WITH_AS(read(deep), doctest::Contains("nested deeper than 8"),
                         std::invalid_argument);
    deep.erase(deep.begin());
    CHECK(read(deep).is_array());
}
