// The C++ snippet of README.md, compiled and run by the tests (tests/python/test_readme.py
// checks the README still shows exactly these lines). Run from the repository root.
// The README shows these lines as written here:
// clang-format off
#include <iostream>

#include <cskpi/cskpi.hpp>

int main() {
cskpi::config cfg = cskpi::config::from_json(cskpi::json::parse(R"({"timezone": "Asia/Shanghai"})"));
cskpi::report rep = cskpi::run_report("examples/data/shop_interactions.csv", cfg, cskpi::parse_group_keys({"team"}));
double frt_median = rep.groups.front().metric("frt_median");   // overall row first
std::string json = rep.to_json().dump(2);
cskpi::interactions_builder b(cfg, cskpi::parse_group_keys({"agent"}));
b.add({{"id", "T1"}, {"created_at", "2026-03-01 09:00:00"}, {"channel", "chat"}, {"agent", "ann"}});
bool ok = b.add({{"id", "T2"}, {"created_at", "soon"}, {"channel", "chat"}});  // false: rejected, counted
std::string why = b.last_reject().reason;                                      // "not a timestamp"
cskpi::report from_rows = b.build();                                           // b.merge(std::move(other)) first
    std::cout << "frt_median " << frt_median << ", " << json.size() << " bytes of JSON\n";
    std::cout << "builder: " << from_rows.rows_accepted << " accepted, " << from_rows.rows_rejected << " rejected (" << why << ")\n";
    return frt_median > 0 && !ok && why == "not a timestamp" && from_rows.rows_accepted == 1 ? 0 : 1;
}
// clang-format on
