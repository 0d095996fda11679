// Interaction files (CSV, or JSON Lines when the input starts with '{'): never a crash; every
// row read is accepted or rejected; the report is the same for 1 and 2 threads and for tiny
// and large read blocks.
#include <cskpi/engine/run.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bool jsonl = size > 0 && data[0] == '{';
    const std::string path = fuzz::to_file(data, size, jsonl ? ".jsonl" : ".csv");
    const cskpi::config cfg;
    const std::vector<cskpi::group_key> by = {cskpi::group_key::agent, cskpi::group_key::day};
    cskpi::run_options big, tiny;
    tiny.threads = 2;
    tiny.block_bytes = 64;
    try {
        const auto a = cskpi::run_report(path, cfg, by, big);
        const auto b = cskpi::run_report(path, cfg, by, tiny);
        fuzz::require(a.rows_read == a.rows_accepted + a.rows_rejected,
                      "rows_read = accepted + rejected");
        fuzz::require(cskpi::json_text(a.to_json()) == cskpi::json_text(b.to_json()),
                      "same report for any threads and blocks");
    } catch (
        const std::invalid_argument&) {  // input_error / config_error: a clear message, exit 2 or 3
    }
    return 0;
}
