// QA review files under the bundled rubric: never a crash; every row accepted or rejected.
#include <cskpi/qa.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const cskpi::json rubric =
        cskpi::json::parse(std::ifstream(CSKPI_SOURCE_DIR "/examples/data/shop_rubric.json"));
    const bool jsonl = size > 0 && data[0] == '{';
    const std::string path = fuzz::to_file(data, size, jsonl ? ".jsonl" : ".csv");
    try {
        const auto set = cskpi::qa::load_reviews(rubric, cskpi::table_source::file(path),
                                                 std::nullopt, std::nullopt);
        const auto& l = set.ledger();
        fuzz::require(l.rows_read == l.rows_accepted + l.rows_rejected,
                      "rows_read = accepted + rejected");
        const auto rep = cskpi::qa::score_reviews(set);
        (void)cskpi::json_text(rep.to_json());
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
