// Serialized partial states (what Python pickles and distributed runs ship): malformed ones
// (JSON text or the binary form) throw std::invalid_argument; a state that reads back writes
// back the same.
#include <cskpi/engine/report_state.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {  // the binary form (pickles): a damaged one is an error, a good one writes back the same
        auto s = cskpi::report_state::from_binary(data, size);
        const std::vector<std::uint8_t> again = s.to_binary();
        fuzz::require(cskpi::report_state::from_binary(again.data(), again.size()) == s,
                      "binary state round trip");
    } catch (const std::invalid_argument&) {
    }
    const cskpi::json j = cskpi::json::parse(data, data + size, nullptr, false);
    if (j.is_discarded()) return 0;
    try {
        auto s = cskpi::report_state::from_json(j);
        const cskpi::json again = s.to_json();
        fuzz::require(cskpi::report_state::from_json(again).to_json() == again, "state round trip");
        (void)s.finalize(1);
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
