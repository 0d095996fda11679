// The C++ snippet of README.md, compiled and run by the tests (tests/python/test_readme.py
// checks the README still shows exactly these lines). Run from the repository root.
#include <iostream>

#include <cskpi/cskpi.hpp>

int main() {
cskpi::config cfg = cskpi::config::from_json(cskpi::json::parse(R"({"timezone": "Asia/Shanghai"})"));
cskpi::report rep = cskpi::run_report("examples/data/shop_interactions.csv", cfg, cskpi::parse_group_keys({"team"}));
double frt_median = rep.groups.front().metric("frt_median");   // overall row first
std::string json = rep.to_json().dump(2);
    std::cout << "frt_median " << frt_median << ", " << json.size() << " bytes of JSON\n";
    return frt_median > 0 ? 0 : 1;
}
