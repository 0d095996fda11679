#pragma once
// QA reviews in long form (one row per review x item) validated against a rubric and gathered
// into one record per review. A row is rejected, with line and reason, when it names an
// unknown item, a score off the item's scale, repeats an earlier (review_id, item) pair, or
// contradicts the review's earlier rows (another agent, reviewer or interaction).
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "../detail/text.hpp"
#include "../input/ingest.hpp"
#include "../input/table_reader.hpp"
#include "../time.hpp"
#include "rubric.hpp"

namespace cskpi::qa {

/// One item's rating within a review.
struct rating {
    enum class state : std::uint8_t { absent, na, rated };
    state st = state::absent;
    double score = 0;
    bool automatic = false;  ///< given by an automatic transcript check
};

struct review {
    std::string id;
    std::optional<std::string> interaction_id, agent, reviewer;
    std::optional<micros> reviewed_at;
    bool automatic = false;       ///< produced by automatic transcript checks, not a person
    std::uint64_t line = 0;       ///< first line of the review in its file
    std::vector<rating> ratings;  ///< one per rubric item
};

/// One review row that passed the checks a row can pass alone (item in the rubric, score on its
/// scale, timestamp, flags). Rows of one review are gathered later, in input order: partitions
/// read apart (cskpi.dask) gather their rows in partition order, as one reading would.
struct review_row {
    std::uint64_t line = 0;
    std::string review_id;
    std::optional<std::string> interaction_id, agent, reviewer;
    std::optional<micros> reviewed_at;
    std::uint32_t item = 0;  ///< index in the rubric
    rating rt;
    bool automatic = false;
    std::optional<std::string> automatic_cell;  ///< as written, for the reject of a contradiction
};

/// The review table's columns, in the order `review_set::add` takes cells.
inline const std::vector<std::string>& review_columns() {
    return reviews_schema().columns;
}

/// Reviews gathered from one or more sources, with the ledger of every row read.
class review_set {
public:
    enum col : std::size_t {
        review_id,
        interaction_id,
        agent,
        reviewer,
        reviewed_at,
        item,
        score,
        automatic
    };

    review_set(qa::rubric r, const std::string& zone = "UTC") : rubric_(std::move(r)), tz_(zone) {}

    const qa::rubric& rules() const noexcept { return rubric_; }
    const std::vector<review>& reviews() const noexcept { return reviews_; }
    const reject_ledger& ledger() const noexcept { return ledger_; }
    reject_ledger& ledger() noexcept { return ledger_; }
    /// Rows of message events read for automatic checks (see auto_checks.hpp), when any.
    const reject_ledger& events_ledger() const noexcept { return events_; }
    reject_ledger& events_ledger() noexcept { return events_; }
    const std::string& events_source() const noexcept { return events_source_; }
    /// Where rows came from ("a.csv", "a.csv + events.jsonl"), for error messages and reports.
    const std::string& source() const noexcept { return source_; }

    /// Validates one row (cells in `review_columns()` order; nullopt = empty) and adds it, or
    /// records it in the ledger. In strict mode a bad row throws input_error instead.
    bool add(std::uint64_t line, const std::vector<std::optional<std::string>>& cells,
             bool strict = false) {
        reject why;
        why.line = line;
        if (auto row = parse(line, cells, why); row && gather(*row, why)) {
            ledger_.accepted();
            return true;
        }
        if (strict) throw strict_error(source_, why, ledger_.show_values);
        ledger_.rejected(why);
        return false;
    }

    /// The checks of one row alone: the row, or nullopt with `why` filled.
    std::optional<review_row> parse(std::uint64_t line,
                                    const std::vector<std::optional<std::string>>& c,
                                    reject& why) const;
    /// Adds a parsed row to its review: false, with `why` filled, when it repeats an item of the
    /// review or contradicts its earlier rows. `offset` is added to the row's line (rows of a
    /// partition numbered from 1 become rows of the whole).
    bool gather(const review_row& row, reject& why, std::uint64_t offset = 0);

    /// Reads reviews from a CSV or JSONL file (a path converts), text or columns in memory.
    /// `imp`: how the table is read (config "reviews" import keys, config::reviews_input).
    void read(const table_source& src, bool strict = false, const import_options* imp = nullptr) {
        source_ = source_.empty() ? src.name : source_ + " + " + src.name;
        for_each_record(
            src, review_columns(), {"review_id", "item", "score"}, ledger_,
            [&](const text_record& r) { add(r.line, r.cells, strict); },
            imp ? *imp : import_options{});
        if (strict && ledger_.rows_rejected) {
            const auto& r = ledger_.rejects.front();
            throw strict_error(src.name, r, ledger_.show_values);
        }
    }
    void read_text(std::string_view text, input_format fmt, const std::string& path,
                   bool strict = false, const import_options* imp = nullptr) {
        read(table_source::memory(path, std::string(text), fmt), strict, imp);
    }

    /// Merges automatic ratings (see auto_checks.hpp): into the human reviews of the same
    /// interaction where the reviewer left the item out, else as a review of their own.
    template <class AutomaticReviews>
    void merge_automatic(const AutomaticReviews& autos, const std::string& events_source) {
        events_source_ = events_source;
        std::unordered_map<std::string, std::vector<std::size_t>> human;
        for (std::size_t i = 0; i < reviews_.size(); ++i)
            if (!reviews_[i].automatic && reviews_[i].interaction_id)
                human[*reviews_[i].interaction_id].push_back(i);
        for (const auto& ar : autos) {
            bool any = false;
            for (const auto& rt : ar.ratings) any |= rt.st == rating::state::rated;
            if (!any) continue;
            if (auto it = human.find(ar.interaction_id); it != human.end()) {
                for (std::size_t i : it->second)
                    for (std::size_t k = 0; k < ar.ratings.size(); ++k)
                        if (reviews_[i].ratings[k].st == rating::state::absent)
                            reviews_[i].ratings[k] = ar.ratings[k];
                continue;
            }
            review r;
            r.id = "auto:" + ar.interaction_id;
            r.interaction_id = ar.interaction_id;
            r.agent = ar.agent;
            r.reviewer = "auto";
            r.automatic = true;
            r.ratings = ar.ratings;
            index_.emplace(r.id, reviews_.size());
            reviews_.push_back(std::move(r));
        }
    }

private:
    static bool fail(reject& why, const std::string& column,
                     const std::optional<std::string>& value, std::string reason) {
        why.column = column;
        why.value = value ? detail::clip(*value) : std::string();
        why.reason = std::move(reason);
        return false;
    }

    qa::rubric rubric_;
    time_zone tz_;
    std::vector<review> reviews_;
    std::unordered_map<std::string, std::size_t> index_;
    reject_ledger ledger_, events_;
    std::string source_, events_source_;
};

inline std::optional<review_row> review_set::parse(std::uint64_t line,
                                                   const std::vector<std::optional<std::string>>& c,
                                                   reject& why) const {
    const auto& names = review_columns();
    auto no = [&](col k, std::string reason) {
        fail(why, names[k], c[k], std::move(reason));
        return std::nullopt;
    };
    if (!c[review_id]) return no(review_id, "required");
    if (!c[item]) return no(item, "required");
    const auto idx = rubric_.find(*c[item]);
    if (!idx) return no(item, "unknown item (not in the rubric)");
    const rubric_item& it = rubric_.items[*idx];
    if (!c[score]) return no(score, "required (a number, or na when not applicable)");
    review_row row;
    row.line = line;
    row.item = static_cast<std::uint32_t>(*idx);
    if (detail::iequals(*c[score], "na") || detail::iequals(*c[score], "n/a")) {
        row.rt.st = rating::state::na;
    } else {
        const auto x = parse_number(*c[score]);
        if (!x) return no(score, "not a number or na");
        if (*x < it.lo || *x > it.hi)
            return no(score, "off the scale of item '" + it.id + "' [" +
                                 detail::number_text(it.lo) + ", " + detail::number_text(it.hi) +
                                 "]");
        row.rt.st = rating::state::rated;
        row.rt.score = *x;
    }
    if (c[reviewed_at]) {
        row.reviewed_at = parse_timestamp(*c[reviewed_at], tz_);
        if (!row.reviewed_at) return no(reviewed_at, timestamp_error(*c[reviewed_at], tz_));
    }
    if (c[automatic]) {
        const auto b = parse_bool(*c[automatic]);
        if (!b) return no(automatic, "expected true or false");
        row.automatic = *b;
        row.automatic_cell = c[automatic];
    }
    row.review_id = *c[review_id];
    row.interaction_id = c[interaction_id];
    row.agent = c[agent];
    row.reviewer = c[reviewer];
    return row;
}

inline bool review_set::gather(const review_row& row, reject& why, std::uint64_t offset) {
    const auto& names = review_columns();
    const std::uint64_t line = row.line + offset;
    why.line = line;
    const rubric_item& it = rubric_.items[row.item];
    auto [pos, fresh] = index_.try_emplace(row.review_id, reviews_.size());
    if (fresh) {
        review r;
        r.id = row.review_id;
        r.interaction_id = row.interaction_id;
        r.agent = row.agent;
        r.reviewer = row.reviewer;
        r.reviewed_at = row.reviewed_at;
        r.automatic = row.automatic;
        r.line = line;
        r.ratings.resize(rubric_.items.size());
        r.ratings[row.item] = row.rt;
        reviews_.push_back(std::move(r));
        return true;
    }
    review& r = reviews_[pos->second];
    if (r.ratings[row.item].st != rating::state::absent)
        return fail(why, names[item], it.id,
                    "repeats item '" + it.id + "' of review '" + r.id +
                        "' (first given in the review starting at line " + std::to_string(r.line) +
                        ")");
    // The review's header columns must agree across its rows; a blank cell inherits.
    for (auto [k, cell, field] :
         {std::tuple{interaction_id, &row.interaction_id, &r.interaction_id},
          std::tuple{agent, &row.agent, &r.agent},
          std::tuple{reviewer, &row.reviewer, &r.reviewer}}) {
        if (!*cell) continue;
        if (!*field)
            *field = *cell;
        else if (**field != **cell)
            return fail(why, names[k], *cell,
                        "contradicts '" + **field + "' given for review '" + r.id + "' at line " +
                            std::to_string(r.line));
    }
    if (row.reviewed_at && !r.reviewed_at) r.reviewed_at = row.reviewed_at;
    if (row.automatic != r.automatic)
        return fail(why, names[automatic], row.automatic_cell,
                    "contradicts the earlier rows of review '" + r.id + "'");
    r.ratings[row.item] = row.rt;
    return true;
}

}  // namespace cskpi::qa
