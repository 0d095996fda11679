#pragma once
// Rewrites the cells of an exported row into the forms the validator reads, before it reads
// them: value maps ("good" -> 5, "solved" -> true), units of durations (minutes -> seconds) and
// timestamp formats ("01/03/2026 09:05"). Cells nothing applies to pass through untouched, so a
// standard value stays accepted beside mapped ones and an unknown label is rejected by the
// validator with its usual reason.
#include <charconv>
#include <chrono>
#include <deque>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "ingest.hpp"
#include "../time.hpp"
#include "import_options.hpp"

namespace cskpi {

class field_adapter {
public:
    field_adapter() = default;
    /// `columns`: the table's columns in the order cells are given to rewrite().
    field_adapter(const import_options& o, const std::vector<std::string>& columns) {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            rule r;
            r.column = i;
            if (auto v = o.values.find(columns[i]); v != o.values.end()) r.values = v->second;
            if (auto u = o.units.find(columns[i]); u != o.units.end())
                r.factor = seconds_per_unit(u->second);
            if (auto f = o.formats.find(columns[i]); f != o.formats.end()) r.formats = f->second;
            if (!r.values.empty() || r.factor != 0 || !r.formats.empty())
                rules_.push_back(std::move(r));
        }
    }
    bool active() const { return !rules_.empty(); }

    /// Calls `f(column index, rewrite)` for each column a rule applies to, where rewrite(text,
    /// arena) returns the cell's new text (a view into the rule or `arena`).
    template <class F>
    void each(F&& f) const {
        for (const rule& r : rules_)
            f(r.column, [&r](std::string_view text, std::deque<std::string>& arena) {
                return r.apply(text, arena);
            });
    }

    /// Rewrites cells held as text views (the interactions reader).
    template <class Cells>
    void rewrite(Cells& cells, std::deque<std::string>& arena) const {
        for (const rule& r : rules_) cells[r.column] = r.apply(cells[r.column], arena);
    }
    /// Rewrites cells held as optional strings (events, reviews); empty results become missing.
    void rewrite(std::vector<std::optional<std::string>>& cells) const {
        std::deque<std::string> arena;
        for (const rule& r : rules_) {
            auto& c = cells[r.column];
            const std::string_view out =
                r.apply(c ? std::string_view(*c) : std::string_view(), arena);
            if (out.empty())
                c.reset();
            else if (!c || out.data() != c->data() || out.size() != c->size())
                c = std::string(out);
        }
    }

private:
    struct rule {
        std::size_t column = 0;
        std::vector<std::pair<std::string, std::string>> values;
        double factor = 0;
        std::vector<std::string> formats;

        std::string_view apply(std::string_view text, std::deque<std::string>& arena) const {
            const std::string_view t = detail::trim(text);
            if (!values.empty()) {
                for (const auto& [label, to] : values)
                    if (label == t) return to;
                for (const auto& [label, to] : values)
                    if (detail::iequals(label, t)) return to;
            }
            if (t.empty()) return t;
            if (factor != 0 && factor != 1) {
                if (const auto v = parse_number(t))
                    return arena.emplace_back(shortest(*v * factor));
            }
            if (!formats.empty() && !detail::parse_any_timestamp(t, utc_)) {
                if (auto v = with_formats(t)) return arena.emplace_back(std::move(*v));
            }
            return text;
        }
        static std::string shortest(double v) {
            char buf[64];
            const auto r = std::to_chars(buf, buf + sizeof buf, v);
            return std::string(buf, r.ptr);
        }
        // The first format that reads the whole text: local wall time (read in the configured
        // zone) unless the format has an offset (%z), then an instant written with Z.
        std::optional<std::string> with_formats(std::string_view t) const {
            using namespace std::chrono;
            for (const auto& f : formats) {
                std::istringstream in{std::string(t)};
                const bool offset =
                    f.find("%z") != std::string::npos || f.find("%Ez") != std::string::npos;
                if (offset) {
                    date::sys_time<microseconds> tp;
                    in >> date::parse(f, tp);
                    if (in.fail() || !at_end(in)) continue;
                    return date::format("%FT%TZ", tp);
                }
                date::local_time<microseconds> tp;
                in >> date::parse(f, tp);
                if (in.fail() || !at_end(in)) continue;
                return date::format("%F %T", tp);
            }
            return std::nullopt;
        }
        static bool at_end(std::istringstream& in) {
            in >> std::ws;
            return in.peek() == std::char_traits<char>::eof();
        }
        time_zone utc_;  // probes the standard forms (one per adapter: its caches are not shared)
    };
    std::vector<rule> rules_;
};

}  // namespace cskpi
