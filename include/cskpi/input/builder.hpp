#pragma once
// Rows handed over one at a time, as a service sees them: the builder copies what it keeps, so
// the caller may free or reuse its buffers as soon as add() returns. Text rows go through the
// same validator, value maps, units and formats as file rows; every row is accepted or listed as
// rejected. One builder per thread; merge them, then report().
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapter.hpp"
#include "io.hpp"
#include "../report/report.hpp"
#include "../engine/report_state.hpp"

namespace cskpi {

class interactions_builder {
public:
    /// `flush_rows`: rows kept before they are aggregated (and their copies freed).
    interactions_builder(config cfg, std::vector<group_key> by, std::size_t flush_rows = 4096)
        : cfg_(std::make_shared<const config>(std::move(cfg))),
          by_(std::move(by)),
          state_(*cfg_, by_),
          validator_(*cfg_),
          map_(*cfg_),
          adapter_(cfg_->input, interactions_schema().columns),
          flush_rows_(flush_rows) {
        ledger_.show_values = cfg_->rejects_show_values;
    }
    interactions_builder(const interactions_builder&) = delete;
    interactions_builder& operator=(const interactions_builder&) = delete;
    interactions_builder(interactions_builder&&) noexcept = default;

    /// A row as text cells by column name: the input columns of docs/INPUT.md, or the headers
    /// config.columns maps to them. Unknown names are ignored (and listed in ignored_columns).
    /// Returns whether the row was accepted; last_reject() says why not.
    bool add(std::initializer_list<std::pair<std::string_view, std::string_view>> cells) {
        return add_cells(cells.begin(), cells.end());
    }
    template <class Map>
    bool add(const Map& cells) {
        return add_cells(cells.begin(), cells.end());
    }

    /// A typed row (for services that hold their own fields). Its text only needs to live
    /// during the call. Checked as a file row is: id, channel and created_at given, scales.
    bool add(const interaction_row& row) {
        ++row_;
        reject why{row_, "", "", ""};
        const auto bad = [&](const char* column, std::string reason) {
            why.column = column;
            why.reason = std::move(reason);
            return rejected(why);
        };
        if (row.id.empty()) return bad("id", "missing required value");
        if (row.channel.empty()) return bad("channel", "missing required value");
        if (row.csat != missing_int && (row.csat < cfg_->csat_min || row.csat > cfg_->csat_max))
            return bad("csat", "out of range");
        if (row.ces != missing_int && (row.ces < cfg_->ces_min || row.ces > cfg_->ces_max))
            return bad("ces", "out of range");
        if (row.nps != missing_int && (row.nps < 0 || row.nps > 10))
            return bad("nps", "out of range: expected 0..10");
        interaction_row r = row;
        r.line = row_;
        return keep(r);
    }

    /// Why the last rejected row was rejected (line = its 1-based position in this builder).
    const reject& last_reject() const { return last_; }
    const reject_ledger& ledger() const { return ledger_; }

    /// Adds the rows of `other` (another thread's builder). Ids are checked within each builder.
    void merge(interactions_builder&& other) {
        flush();
        other.flush();
        state_.merge(std::move(other.state_));
        ledger_.rows_read += other.ledger_.rows_read;
        ledger_.rows_accepted += other.ledger_.rows_accepted;
        ledger_.rows_rejected += other.ledger_.rows_rejected;
        for (auto& r : other.ledger_.rejects)
            if (ledger_.rejects.size() < reject_ledger::keep)
                ledger_.rejects.push_back(std::move(r));
        for (auto& n : other.ignored_) note_ignored(n);
    }

    /// The report of every row added (the builder keeps its rows: more may be added after).
    report build(unsigned threads = 1) {
        flush();
        report rep;
        rep.input_path = "(rows added)";
        rep.rows_read = ledger_.rows_read;
        rep.rows_accepted = ledger_.rows_accepted;
        rep.rows_rejected = ledger_.rows_rejected;
        rep.rejects = ledger_.rejects;
        rep.ignored_columns = ignored_;
        rep.cfg = *cfg_;
        rep.by = by_;
        report_state copy = state_;
        rep.groups = copy.finalize(threads);
        rep.warnings = detail::warnings_of(rep, copy);
        return rep;
    }
    /// The partial state (mergeable across processes, see report_state).
    report_state state() {
        flush();
        return state_;
    }

private:
    template <class It>
    bool add_cells(It first, It last) {
        ++row_;
        row_validator::fields f{};
        for (It it = first; it != last; ++it) {
            const std::string_view name = it->first;
            const auto c = map_.find(name);
            if (!c) {
                note_ignored(std::string(name));
                continue;
            }
            f[static_cast<std::size_t>(*c)] = it->second;
        }
        std::deque<std::string> scratch;  // rewritten cells live until validation is done
        if (adapter_.active()) adapter_.rewrite(f, scratch);
        interaction_batch one;
        reject why;
        if (!validator_.validate(f, row_, one, why)) return rejected(why);
        return keep(row_at(one, 0));
    }
    static interaction_row row_at(const interaction_batch& b, std::size_t i) {
        return {b.line[i],       b.id[i],       b.channel[i],  b.agent[i],       b.team[i],
                b.customer[i],   b.category[i], b.priority[i], b.created_at[i],  b.frt[i],
                b.resolution[i], b.handle[i],   b.flags[i],    b.reopened[i],    b.contacts[i],
                b.csat[i],       b.nps[i],      b.ces[i],      b.order_value[i], b.replies[i],
                b.rated[i]};
    }
    // Copies the row's text into the builder and queues it; aggregates every flush_rows rows.
    bool keep(interaction_row r) {
        if (const std::uint64_t first = ids_.insert(r.id, r.line)) {
            return rejected({r.line, "id", std::string(r.id),
                             "duplicate id (first seen at row " +
                                 (first == UINT64_MAX ? std::string("?") : std::to_string(first)) +
                                 ")"});
        }
        for (std::string_view* s :
             {&r.id, &r.channel, &r.agent, &r.team, &r.customer, &r.category, &r.priority})
            if (!s->empty()) *s = text_.emplace_back(*s);
        batch_.push_back(r);
        ledger_.accepted();
        if (batch_.size() >= flush_rows_) flush();
        return true;
    }
    bool rejected(const reject& why) {
        last_ = why;
        if (cfg_->strict) throw strict_error("(rows added)", why, cfg_->rejects_show_values);
        ledger_.rejected(why);
        return false;
    }
    void flush() {
        if (batch_.size()) state_.update(batch_);  // the state copies what it keeps
        batch_.clear();
        text_.clear();
    }
    void note_ignored(std::string n) {
        for (const auto& x : ignored_)
            if (x == n) return;
        ignored_.push_back(std::move(n));
    }

    std::shared_ptr<const config>
        cfg_;  // on the heap: the validator keeps a reference that moves must not break
    std::vector<group_key> by_;
    report_state state_;
    row_validator validator_;
    column_mapping map_;
    field_adapter adapter_;
    std::size_t flush_rows_;
    interaction_batch batch_;
    std::deque<std::string> text_;  // the queued rows' text
    id_registry ids_;
    reject_ledger ledger_;
    reject last_;
    std::vector<std::string> ignored_;
    std::uint64_t row_ = 0;
};

}  // namespace cskpi
