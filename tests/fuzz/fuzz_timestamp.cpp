// Timestamps: the fixed-layout fast path and the general parser agree wherever both read the
// text; every accepted instant lies in the supported range and formats back.
#include <cskpi/time.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view s(reinterpret_cast<const char*>(data), size);
    static const cskpi::time_zone zones[] = {cskpi::time_zone("UTC"), cskpi::time_zone("+08:00"),
                                             cskpi::time_zone("America/New_York")};
    for (const auto& tz : zones) {
        const auto v = cskpi::parse_timestamp(s, tz);
        if (v) {
            fuzz::require(cskpi::supported_time(*v), "accepted instants are in range");
            (void)cskpi::format_utc(*v);
        }
        if (s.size() == 19) {
            const auto fixed = cskpi::detail::parse_fixed_timestamp(s, tz);
            const auto general = cskpi::detail::parse_timestamp_general(s, tz);
            if (fixed && general)
                fuzz::require(*fixed == *general, "fixed and general parsers agree");
        }
    }
    return 0;
}
