// Event logs (CSV, or JSON Lines when the input starts with '{'): never a crash; the report is
// the same for one chunk and for tiny chunks and blocks.
#include <cskpi/engine/run.hpp>
#include <cskpi/timeline.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bool jsonl = size > 0 && data[0] == '{';
    const std::string path = fuzz::to_file(data, size, jsonl ? ".jsonl" : ".csv");
    const cskpi::config cfg;
    const std::vector<cskpi::group_key> by = {cskpi::group_key::team};
    cskpi::run_options big, tiny;
    tiny.block_bytes = 64;
    tiny.events_chunk_rows = 2;
    try {
        const auto a = cskpi::timeline::run_events_report(path, cfg, by, big);
        const auto b = cskpi::timeline::run_events_report(path, cfg, by, tiny);
        fuzz::require(a.rows_read == a.rows_accepted + a.rows_rejected,
                      "rows_read = accepted + rejected");
        fuzz::require(cskpi::json_text(a.to_json()) == cskpi::json_text(b.to_json()),
                      "same report for any chunking");
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
