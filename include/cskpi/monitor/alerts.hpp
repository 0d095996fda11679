#pragma once
// Alert rules with hysteresis (spec section 17): a rule is raised when its condition has held
// for for_s and cleared when it has not held for for_s. Conditions are judged on snapshots, so
// a service takes one every few seconds (the example service does, each second).
#include <functional>
#include <mutex>
#include <vector>

#include "options.hpp"
#include "snapshot.hpp"

namespace cskpi::live {

class alert_engine {
public:
    explicit alert_engine(std::vector<alert_rule> rules)
        : rules_(std::move(rules)), track_(rules_.size()) {}

    void on_event(std::function<void(const alert_event&)> f) {
        std::lock_guard lock(m_);
        callback_ = std::move(f);
    }

    /// Judges every rule on `s` (its values and instant) and records raise/clear events.
    void evaluate(const snapshot& s) {
        std::lock_guard lock(m_);
        for (std::size_t i = 0; i < rules_.size(); ++i) {
            const alert_rule& r = rules_[i];
            track& t = track_[i];
            const auto [value, n] = read(r, s);
            t.value = value;
            t.n = n;
            const bool holds = n >= r.min_n && r.holds(value);
            const auto for_us = static_cast<micros>(r.for_s * 1e6);
            if (holds) {
                t.failing_since.reset();
                if (!t.holding_since) t.holding_since = s.at;
                if (!t.raised && s.at - *t.holding_since >= for_us) {
                    t.raised = true;
                    t.since = s.at;
                    emit(r, "raise", s.at, value, n);
                }
            } else {
                t.holding_since.reset();
                if (!t.failing_since) t.failing_since = s.at;
                if (t.raised && s.at - *t.failing_since >= for_us) {
                    t.raised = false;
                    emit(r, "clear", s.at, value, n);
                }
            }
        }
    }

    /// Events since the last call.
    std::vector<alert_event> take_events() {
        std::lock_guard lock(m_);
        return std::exchange(pending_, {});
    }

    std::vector<alert_state> active() const {
        std::lock_guard lock(m_);
        std::vector<alert_state> out;
        for (std::size_t i = 0; i < rules_.size(); ++i)
            if (track_[i].raised)
                out.push_back(
                    {rules_[i].name, true, track_[i].since, track_[i].value, track_[i].n});
        return out;
    }

private:
    struct track {
        bool raised = false;
        micros since = 0;
        std::optional<micros> holding_since, failing_since;
        double value = stats::nan;
        std::int64_t n = 0;
    };

    /// The rule's value and count in `s` (NaN and 0 when its scope has no row yet).
    static std::pair<double, std::int64_t> read(const alert_rule& r, const snapshot& s) {
        for (const scope_row& row : s.rows) {
            if (row.channel != r.channel || row.team != r.team) continue;
            if (r.window == "now") return {row.now.value(r.metric), row.now.queue_length};
            for (std::size_t w = 0; w < s.window_names.size(); ++w)
                if (s.window_names[w] == r.window)
                    return {row.windows[w].value(r.metric), row.windows[w].n_of(r.metric)};
        }
        return {stats::nan, 0};
    }

    void emit(const alert_rule& r, const char* kind, micros at, double value, std::int64_t n) {
        alert_event e{r.name,    kind,   at,    r.metric,    r.window, r.op,
                      r.channel, r.team, value, r.threshold, n};
        if (callback_) callback_(e);
        pending_.push_back(std::move(e));
    }

    std::vector<alert_rule> rules_;
    std::vector<track> track_;
    std::vector<alert_event> pending_;
    std::function<void(const alert_event&)> callback_;
    mutable std::mutex m_;
};

}  // namespace cskpi::live
