// A C++ service computing a KPI report: the whole pipeline in one call, then one metric read
// back by name. Build against cskpi::cskpi (find_package(cskpi) or add_subdirectory).
#include <iostream>

#include <cskpi/cskpi.hpp>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: basic_report INTERACTIONS.csv\n";
        return 2;
    }
    cskpi::config cfg =
        cskpi::config::from_json(cskpi::json::parse(R"({"timezone": "Asia/Shanghai"})"));
    const auto by = cskpi::parse_group_keys({"team"});
    cskpi::run_options opt;
    opt.threads = 2;  // the report is identical for any thread count
    try {
        const cskpi::report rep = cskpi::run_report(argv[1], cfg, by, opt);
        const auto& all = rep.groups.front();  // the overall row comes first
        std::cout << "overall: " << all.metric("interactions") << " interactions, "
                  << "median first response " << all.metric("frt_median") << " s, "
                  << "CSAT " << 100 * all.metric("csat") << "%\n";
        for (std::size_t i = 1; i < rep.groups.size(); ++i)
            std::cout << "  team " << rep.groups[i].keys[0].value_or("(none)") << ": FCR "
                      << 100 * rep.groups[i].metric("fcr_rate") << "%\n";
        std::cout << rep.rows_rejected << " of " << rep.rows_read << " rows rejected\n";
    } catch (const cskpi::input_error& e) {  // names file, line and column
        std::cerr << e.what() << '\n';
        return 3;
    }
}
