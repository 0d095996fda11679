#pragma once
// The input tables' columns by role, the one list the readers, the configuration checks and
// docs/INPUT.md take them from.
#include <string>
#include <vector>

#include "records.hpp"
#include "import_options.hpp"

namespace cskpi {

/// The interactions table (docs/INPUT.md), in spec order.
inline const table_schema& interactions_schema() {
    static const table_schema s = [] {
        table_schema t{
            "interactions",
            {},
            {"first_response_s", "resolution_s", "handle_s", "wait_s"},
            {"created_at", "first_response_at", "resolved_at", "abandoned_at", "rated_at"}};
        for (auto n : column_names) t.columns.emplace_back(n);
        return t;
    }();
    return s;
}

/// The message-events table: its own columns, then the interaction columns a row may carry.
inline const table_schema& events_schema() {
    static const table_schema s{
        "events",
        {"interaction_id", "at",       "from",      "agent",      "kind",
         "public",         "status",   "text",      "channel",    "team",
         "customer",       "category", "priority",  "handle_s",   "abandoned",
         "contacts",       "csat",     "nps",       "ces",        "complaint",
         "dispute",        "refund",   "converted", "order_value"},
        {"handle_s"},
        {"at"}};
    return s;
}

/// The QA reviews table.
inline const table_schema& reviews_schema() {
    static const table_schema s{"reviews",
                                {"review_id", "interaction_id", "agent", "reviewer", "reviewed_at",
                                 "item", "score", "automatic"},
                                {},
                                {"reviewed_at"}};
    return s;
}

}  // namespace cskpi
