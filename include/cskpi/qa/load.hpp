#pragma once
// One entry point for the QA inputs, shared by the CLI and Python: reviews scored under a
// rubric, plus automatic checks of message events when given.
#include <functional>
#include <optional>
#include <string>

#include "auto_checks.hpp"
#include "reviews.hpp"

namespace cskpi::qa {

/// Reads `reviews` (may be absent when only automatic checks are wanted) under the rubric of
/// `rubric_doc`, then runs the automatic checks on `events`: rules from `checks`, else from
/// the rubric document's "auto_checks" key. `reviews_imp` and `events_imp` say how the files are
/// read (config "reviews" and "events" import keys). Throws config_error / input_error.
inline review_set load_reviews(const json& rubric_doc, const std::optional<table_source>& reviews,
                               const std::optional<table_source>& events,
                               const std::optional<json>& checks, const std::string& zone = "UTC",
                               bool strict = false, const import_options* reviews_imp = nullptr,
                               const import_options* events_imp = nullptr,
                               std::function<void(const reject&)> reject_sink = nullptr,
                               bool show_values = true) {
    review_set set(rubric::from_json(rubric_doc), zone);
    set.ledger().show_values = set.events_ledger().show_values =
        show_values;  // rejects.show_values
    set.ledger().sink =
        std::move(reject_sink);  // every rejected review row, not only the first 1000 kept
    if (reviews) set.read(*reviews, strict, reviews_imp);
    if (events) {
        const json* rules_doc = checks ? &*checks : nullptr;
        if (!rules_doc && rubric_doc.is_object() && rubric_doc.contains("auto_checks"))
            rules_doc = &rubric_doc;
        if (!rules_doc)
            throw config_error(
                "auto_checks",
                "message events need check rules (checks, or \"auto_checks\" in the rubric)");
        const auto rules = check_rules::from_json(*rules_doc, set.rules());
        auto msgs = read_message_events(*events, zone, set.events_ledger(), strict, events_imp);
        set.merge_automatic(run_checks(std::move(msgs), rules, set.rules()), events->name);
    }
    return set;
}

}  // namespace cskpi::qa
