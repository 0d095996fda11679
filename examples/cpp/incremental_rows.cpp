// Rows one by one, as a service receives them: two threads each feed their own builder from
// buffers they reuse right away, then the builders merge into one report.
//   example_incremental_rows examples/data/shop_interactions.csv
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <cskpi/cskpi.hpp>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: example_incremental_rows INTERACTIONS.csv\n";
        return 2;
    }
    // The sample's rows as (header, cell) pairs; a real service would get them from a queue.
    std::ifstream in(argv[1]);
    std::string header_line, line;
    std::getline(in, header_line);
    std::vector<std::string> header, lines;
    for (std::stringstream h(header_line); std::getline(h, line, ',');) header.push_back(line);
    while (std::getline(in, line)) lines.push_back(line);

    cskpi::config cfg = cskpi::config::from_json({{"timezone", "Asia/Shanghai"}});
    const auto by = cskpi::parse_group_keys({"team"});
    std::vector<cskpi::interactions_builder> builders;
    for (int t = 0; t < 2; ++t) builders.emplace_back(cfg, by);
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
        threads.emplace_back([&, t] {
            std::vector<std::pair<std::string, std::string>> row;  // reused for every row
            for (std::size_t i = t; i < lines.size(); i += 2) {
                row.clear();
                std::stringstream cells(lines[i]);
                std::string cell;
                for (std::size_t c = 0; c < header.size() && std::getline(cells, cell, ','); ++c)
                    row.emplace_back(header[c], cell);
                builders[t].add(row);  // copies what it keeps: `row` is overwritten next
            }
        });
    for (auto& th : threads) th.join();
    builders[0].merge(std::move(builders[1]));
    const cskpi::report rep = builders[0].build();
    std::cout << "rows added " << rep.rows_read << ", accepted " << rep.rows_accepted
              << ", rejected " << rep.rows_rejected << '\n';
    for (const auto& g : rep.groups)
        std::cout << (g.keys.empty() || !g.keys[0] ? "overall" : *g.keys[0]) << ": "
                  << g.metric("interactions") << " interactions, FRT median "
                  << g.metric("frt_median") << " s\n";
    return 0;
}
