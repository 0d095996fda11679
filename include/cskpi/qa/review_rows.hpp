#pragma once
// Review rows read apart, as one partition of a distributed run reads them (cskpi.dask): each
// row checked alone and kept in input order, with the rejects of its partition. Gathering the
// partitions' rows in partition order into one review_set gives what one reading of all the
// rows gives, the rejects of rows that repeat or contradict a review included.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../config/config.hpp"
#include "../detail/cbor.hpp"
#include "reviews.hpp"

namespace cskpi::qa {

struct review_rows {
    std::vector<review_row> rows;  ///< rows that passed the checks a row can pass alone
    reject_ledger ledger;          ///< every row read; the rejects of those checks

    /// Reads `src` with `parser`'s rubric and time zone (its own ledger is not touched).
    static review_rows read(const review_set& parser, const table_source& src,
                            const import_options& imp, bool show_values) {
        review_rows out;
        out.ledger.show_values = show_values;
        for_each_record(
            src, review_columns(), {"review_id", "item", "score"}, out.ledger,
            [&](const text_record& r) {
                reject why;
                why.line = r.line;
                if (auto row = parser.parse(r.line, r.cells, why)) {
                    out.rows.push_back(std::move(*row));
                    out.ledger.accepted();
                } else {
                    out.ledger.rejected(std::move(why));
                }
            },
            imp);
        return out;
    }

    /// CBOR (RFC 8949) of the rows column by column, the counts and the kept rejects.
    std::vector<std::uint8_t> to_binary() const {
        json cols = json::object();
        for (const char* k :
             {"line", "review_id", "interaction_id", "agent", "reviewer", "reviewed_at", "item",
              "state", "score", "automatic", "automatic_cell"})
            cols[k] = json::array();
        auto opt = [](const auto& o) { return o ? json(*o) : json(nullptr); };
        for (const auto& r : rows) {
            cols["line"].push_back(r.line);
            cols["review_id"].push_back(r.review_id);
            cols["interaction_id"].push_back(opt(r.interaction_id));
            cols["agent"].push_back(opt(r.agent));
            cols["reviewer"].push_back(opt(r.reviewer));
            cols["reviewed_at"].push_back(opt(r.reviewed_at));
            cols["item"].push_back(r.item);
            cols["state"].push_back(static_cast<int>(r.rt.st));
            cols["score"].push_back(r.rt.score);
            cols["automatic"].push_back(r.automatic);
            cols["automatic_cell"].push_back(opt(r.automatic_cell));
        }
        json rej = json::array();
        for (const auto& x : ledger.rejects) rej.push_back({x.line, x.column, x.value, x.reason});
        const json doc = {{"review_rows", 1},
                          {"rows", std::move(cols)},
                          {"rows_read", ledger.rows_read},
                          {"rows_rejected", ledger.rows_rejected},
                          {"rejects", std::move(rej)}};
        return json::to_cbor(doc);
    }

    /// The rows `to_binary` wrote, checked against `rules` (item indexes, states). Throws
    /// std::invalid_argument naming what is wrong.
    static review_rows from_binary(const std::uint8_t* data, std::size_t size,
                                   const rubric& rules) {
        try {
            return decode(cskpi::detail::cbor_document<json>(data, size, 8, "review rows"), rules);
        } catch (const json::exception& e) {
            throw bad(e.what());
        }
    }

private:
    static std::invalid_argument bad(const std::string& what) {
        return std::invalid_argument("review rows: " + what);
    }

    static review_rows decode(const json& doc, const rubric& rules) {
        if (!doc.is_object() || doc.value("review_rows", 0) != 1)
            throw bad("not review rows of version 1");
        const json& cols = doc.at("rows");
        const std::size_t n = cols.at("line").size();
        for (const auto& [k, v] : cols.items())
            if (!v.is_array() || v.size() != n)
                throw bad("column " + k + " is not " + std::to_string(n) + " values");
        auto opt_text = [](const json& v) {
            return v.is_null() ? std::nullopt : std::optional<std::string>(v.get<std::string>());
        };
        review_rows out;
        out.rows.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            review_row& r = out.rows[i];
            r.line = cols.at("line")[i].get<std::uint64_t>();
            r.review_id = cols.at("review_id")[i].get<std::string>();
            r.interaction_id = opt_text(cols.at("interaction_id")[i]);
            r.agent = opt_text(cols.at("agent")[i]);
            r.reviewer = opt_text(cols.at("reviewer")[i]);
            if (!cols.at("reviewed_at")[i].is_null())
                r.reviewed_at = cols.at("reviewed_at")[i].get<micros>();
            r.item = cols.at("item")[i].get<std::uint32_t>();
            if (r.item >= rules.items.size()) throw bad("item index out of the rubric");
            const int st = cols.at("state")[i].get<int>();
            if (st < 1 || st > 2) throw bad("rating state " + std::to_string(st));
            r.rt.st = static_cast<rating::state>(st);
            r.rt.score = cols.at("score")[i].get<double>();
            r.automatic = cols.at("automatic")[i].get<bool>();
            r.automatic_cell = opt_text(cols.at("automatic_cell")[i]);
        }
        out.ledger.rows_read = doc.at("rows_read").get<std::uint64_t>();
        out.ledger.rows_rejected = doc.at("rows_rejected").get<std::uint64_t>();
        if (out.ledger.rows_read != out.ledger.rows_rejected + n)
            throw bad("rows_read is not rows kept + rows_rejected");
        out.ledger.rows_accepted = n;
        for (const auto& x : doc.at("rejects"))
            out.ledger.rejects.push_back({x.at(0).get<std::uint64_t>(), x.at(1).get<std::string>(),
                                          x.at(2).get<std::string>(), x.at(3).get<std::string>()});
        return out;
    }
};

/// Gathers each part's rows, parts in order, into `set`. `on_reject(part, reject)` receives the
/// rows that repeat or contradict an earlier row of their review, with their line in the part.
/// `numbered_through`: parts are slices of one table whose rows are numbered from 1 (DataFrame
/// partitions), so the lines a reason names count through every part, as one reading of the
/// whole would; otherwise (files) each part numbers its own lines.
template <class OnReject>
void gather_rows(review_set& set, const std::vector<review_rows>& parts, bool numbered_through,
                 OnReject&& on_reject) {
    std::uint64_t offset = 0;
    for (std::size_t p = 0; p < parts.size(); ++p) {
        for (const auto& row : parts[p].rows) {
            reject why;
            if (set.gather(row, why, offset)) {
                set.ledger().accepted();
            } else {
                why.line -= offset;
                on_reject(p, why);
            }
        }
        if (numbered_through) offset += parts[p].ledger.rows_read;
    }
}

}  // namespace cskpi::qa
