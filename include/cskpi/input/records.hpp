#pragma once
// The interactions table (spec section 1) as typed columns. A reader produces it in batches of
// validated rows; the accumulators consume it. String columns are views into memory the
// producer keeps alive for the batch's lifetime; an empty view means "missing".
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "../time.hpp"

namespace cskpi {

/// Input columns in spec order.
enum class column : std::uint8_t {
    id,
    created_at,
    channel,
    agent,
    team,
    customer,
    category,
    priority,
    first_response_at,
    resolved_at,
    first_response_s,
    resolution_s,
    handle_s,
    abandoned,
    resolved,
    reopened,
    contacts,
    transferred,
    bot,
    csat,
    nps,
    ces,
    complaint,
    dispute,
    refund,
    converted,
    order_value,
    replies,
    abandoned_at,
    wait_s,
    survey_sent,
    rated_at,
    count_
};
inline constexpr std::size_t column_count = static_cast<std::size_t>(column::count_);

inline constexpr std::array<std::string_view, column_count> column_names = {"id",
                                                                            "created_at",
                                                                            "channel",
                                                                            "agent",
                                                                            "team",
                                                                            "customer",
                                                                            "category",
                                                                            "priority",
                                                                            "first_response_at",
                                                                            "resolved_at",
                                                                            "first_response_s",
                                                                            "resolution_s",
                                                                            "handle_s",
                                                                            "abandoned",
                                                                            "resolved",
                                                                            "reopened",
                                                                            "contacts",
                                                                            "transferred",
                                                                            "bot",
                                                                            "csat",
                                                                            "nps",
                                                                            "ces",
                                                                            "complaint",
                                                                            "dispute",
                                                                            "refund",
                                                                            "converted",
                                                                            "order_value",
                                                                            "replies",
                                                                            "abandoned_at",
                                                                            "wait_s",
                                                                            "survey_sent",
                                                                            "rated_at"};

inline constexpr std::string_view name_of(column c) {
    return column_names[static_cast<std::size_t>(c)];
}
inline std::optional<column> column_from_name(std::string_view n) {
    for (std::size_t i = 0; i < column_count; ++i)
        if (column_names[i] == n) return static_cast<column>(i);
    return std::nullopt;
}

/// Per-row boolean facts, one bit each.
enum row_flag : std::uint16_t {
    f_abandoned = 1u << 0,
    f_resolved = 1u << 1,
    f_transferred = 1u << 2,
    f_bot = 1u << 3,
    f_complaint = 1u << 4,
    f_dispute = 1u << 5,
    f_refund = 1u << 6,
    f_converted = 1u << 7,
    f_short_abandoned =
        1u << 8,  ///< abandoned within staffing.short_abandon_s (abandoned_at or wait_s)
    f_survey_known = 1u << 9,  ///< the row has a survey_sent value (true or false)
    f_survey_sent = 1u << 10,  ///< a satisfaction survey was sent
};

inline constexpr std::int32_t missing_int = std::numeric_limits<std::int32_t>::min();

/// Money is kept in millionths so sums are exact integers.
inline constexpr std::int64_t money_scale = 1'000'000;
/// Largest order value a row may carry, in currency units (it stays exact in money_scale).
inline constexpr double max_order_value = 1e12;

/// One validated interaction: a row of interaction_batch.
struct interaction_row {
    std::uint64_t line = 0;
    std::string_view id, channel, agent, team, customer, category, priority;
    micros created_at = 0, frt = missing_us, resolution = missing_us, handle = missing_us;
    std::uint16_t flags = 0;
    std::int32_t reopened = 0, contacts = missing_int;
    std::int32_t csat = missing_int, nps = missing_int, ces = missing_int;
    std::int64_t order_value = missing_us;
    std::int32_t replies = missing_int;
    micros rated = missing_us;  ///< rated_at - created_at (attribute_by: rated)
};

/// A batch of validated interactions, one vector per column. Durations are already derived
/// (section 3): `frt` is first_response_at - created_at or the first_response_s column,
/// `resolution` likewise for resolved rows; missing is `missing_us`.
struct interaction_batch {
    std::vector<std::uint64_t> line;  ///< source line of each row (1-based; 0 = unknown)
    std::vector<std::string_view> id, channel, agent, team, customer, category, priority;
    std::vector<micros> created_at, frt, resolution, handle;
    std::vector<std::uint16_t> flags;
    std::vector<std::int32_t> reopened, contacts;  ///< contacts: missing_int when absent
    std::vector<std::int32_t> csat, nps, ces;      ///< missing_int when absent
    std::vector<std::int64_t> order_value;         ///< millionths; missing_us when absent
    std::vector<std::int32_t> replies;             ///< missing_int when absent
    std::vector<micros> rated;  ///< rated_at - created_at; missing_us when absent
    /// The FCR ledger's key of each row's customer, from sources that know it per category (a
    /// DataFrame's Categorical: one hash per category, not one per row); empty otherwise, and
    /// the engine hashes `customer`. Rows without a customer hold 0.
    std::vector<std::uint64_t> customer_key;

    std::size_t size() const noexcept { return created_at.size(); }
    /// Every column holds size() values (a batch filled column by column may not).
    bool consistent() const noexcept {
        const std::size_t n = size();
        for (const auto* v : {&id, &channel, &agent, &team, &customer, &category, &priority})
            if (v->size() != n) return false;
        return line.size() == n && frt.size() == n && resolution.size() == n &&
               handle.size() == n && flags.size() == n && reopened.size() == n &&
               contacts.size() == n && csat.size() == n && nps.size() == n && ces.size() == n &&
               order_value.size() == n && replies.size() == n && rated.size() == n &&
               (customer_key.empty() || customer_key.size() == n);
    }
    /// Appends a row. Flattened so that each column's append is a few inlined instructions
    /// (left to the inliner, most were calls: ~6 % of a run's time).
    [[gnu::flatten]] void push_back(const interaction_row& r) {
        line.push_back(r.line);
        id.push_back(r.id);
        channel.push_back(r.channel);
        agent.push_back(r.agent);
        team.push_back(r.team);
        customer.push_back(r.customer);
        category.push_back(r.category);
        priority.push_back(r.priority);
        created_at.push_back(r.created_at);
        frt.push_back(r.frt);
        resolution.push_back(r.resolution);
        handle.push_back(r.handle);
        flags.push_back(r.flags);
        reopened.push_back(r.reopened);
        contacts.push_back(r.contacts);
        csat.push_back(r.csat);
        nps.push_back(r.nps);
        ces.push_back(r.ces);
        order_value.push_back(r.order_value);
        replies.push_back(r.replies);
        rated.push_back(r.rated);
    }
    void clear() {
        for (auto* v : string_columns()) v->clear();
        line.clear();
        created_at.clear();
        frt.clear();
        resolution.clear();
        handle.clear();
        flags.clear();
        reopened.clear();
        contacts.clear();
        csat.clear();
        nps.clear();
        ces.clear();
        order_value.clear();
        replies.clear();
        rated.clear();
        customer_key.clear();
    }
    void reserve(std::size_t n) {
        for (auto* v : string_columns()) v->reserve(n);
        line.reserve(n);
        created_at.reserve(n);
        frt.reserve(n);
        resolution.reserve(n);
        handle.reserve(n);
        flags.reserve(n);
        reopened.reserve(n);
        contacts.reserve(n);
        csat.reserve(n);
        nps.reserve(n);
        ces.reserve(n);
        order_value.reserve(n);
        replies.reserve(n);
        rated.reserve(n);
    }
    /// Drops the rows whose `keep` entry is false, preserving order.
    void filter(const std::vector<bool>& keep) {
        std::size_t w = 0;
        for (std::size_t r = 0; r < size(); ++r) {
            if (!keep[r]) continue;
            if (w != r) {
                for (auto* v : string_columns()) (*v)[w] = (*v)[r];
                line[w] = line[r];
                created_at[w] = created_at[r];
                frt[w] = frt[r];
                resolution[w] = resolution[r];
                handle[w] = handle[r];
                flags[w] = flags[r];
                reopened[w] = reopened[r];
                contacts[w] = contacts[r];
                csat[w] = csat[r];
                nps[w] = nps[r];
                ces[w] = ces[r];
                order_value[w] = order_value[r];
                replies[w] = replies[r];
                rated[w] = rated[r];
                if (!customer_key.empty()) customer_key[w] = customer_key[r];
            }
            ++w;
        }
        for (auto* v : string_columns()) v->resize(w);
        line.resize(w);
        created_at.resize(w);
        frt.resize(w);
        resolution.resize(w);
        handle.resize(w);
        flags.resize(w);
        reopened.resize(w);
        contacts.resize(w);
        csat.resize(w);
        nps.resize(w);
        ces.resize(w);
        order_value.resize(w);
        replies.resize(w);
        rated.resize(w);
        if (!customer_key.empty()) customer_key.resize(w);
    }

private:
    std::array<std::vector<std::string_view>*, 7> string_columns() {
        return {&id, &channel, &agent, &team, &customer, &category, &priority};
    }
};

}  // namespace cskpi
