// JSON documents users write: configurations (every section), scorecards, rubrics, check
// rules, targets. Bad ones must throw std::invalid_argument (config_error), nothing else.
#include <cskpi/analysis/targets.hpp>
#include <cskpi/qa.hpp>
#include <cskpi/scorecard/scorecard.hpp>
#include <cskpi/timeline.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const cskpi::json j = cskpi::json::parse(data, data + size, nullptr, false);
    if (j.is_discarded()) return 0;
    auto attempt = [](auto&& f) {
        try {
            f();
        } catch (const std::invalid_argument&) {
        }
    };
    attempt([&] {
        const auto cfg = cskpi::config::from_json(j);
        (void)cskpi::timeline::timeline_options::from_config(cfg);
        const auto again = cskpi::config::from_json(cfg.to_json());  // the echo reads back
        fuzz::require(again.to_json() == cfg.to_json(), "config echo round trip");
    });
    attempt([&] { (void)cskpi::scorecard::from_json(j); });
    attempt([&] {
        const auto rb = cskpi::qa::rubric::from_json(j);
        (void)cskpi::qa::check_rules::from_json(j, rb);
    });
    attempt([&] { (void)cskpi::analysis::targets_config::from_json(j); });
    return 0;
}
