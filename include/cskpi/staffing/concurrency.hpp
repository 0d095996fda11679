#pragma once
// Chat concurrency (spec section 16): an agent of a channel with concurrency k counts as k
// servers whose AHT is the slot's AHT times the handle-time inflation measured in the records.
// A row is handled in parallel when its handling span [first response, + handle_s] (created_at
// without a first response) overlaps another span of the same agent in the same channel. The
// measured factor is AHT(parallel rows) / AHT(all rows): a slot's AHT mixes rows handled alone
// and in parallel, and the factor turns it into the AHT of a contact handled beside others.
#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "../config/config.hpp"
#include "../detail/dictionary.hpp"
#include "../input/records.hpp"
#include "../metrics/stats.hpp"

namespace cskpi::staffing {

/// The handle-time inflation of one concurrent channel, and where it comes from.
struct inflation {
    double concurrency = 1;      ///< k, contacts one agent handles at once (configured)
    std::uint64_t rows = 0;      ///< rows with an agent and handle_s
    std::uint64_t parallel = 0;  ///< of them, handled beside another of the agent's rows
    double aht_s = stats::nan, aht_parallel_s = stats::nan, aht_alone_s = stats::nan;
    double factor = 1;   ///< what multiplies a slot's AHT
    std::string source;  ///< "measured", "configured" or "default"

    json to_json() const {
        auto num = [](double v) { return v == v ? json(v) : json(nullptr); };
        return {{"concurrency", concurrency},
                {"factor", factor},
                {"source", source},
                {"rows", rows},
                {"rows_parallel", parallel},
                {"aht_s", num(aht_s)},
                {"aht_parallel_s", num(aht_parallel_s)},
                {"aht_alone_s", num(aht_alone_s)},
                {"parallel_over_alone",
                 num(aht_alone_s > 0 ? aht_parallel_s / aht_alone_s : stats::nan)}};
    }
};

/// A channel's inflation before (or without) measuring: the configured factor, else 1.
inline inflation unmeasured(const staffing_config& c, double k) {
    inflation f;
    f.concurrency = k;
    f.factor = c.concurrency_inflation.value_or(1.0);
    f.source = c.concurrency_inflation ? "configured" : "default";
    return f;
}

/// Collects the handling spans of concurrent channels from batches (run_options::batch_sink;
/// safe from several threads) when the inflation is to be measured.
class concurrency_collector {
public:
    explicit concurrency_collector(const staffing_config& c) : cfg_(c) {
        if (c.concurrency_inflation) return;  // configured: nothing to measure
        for (const auto& [ch, k] : c.concurrency)
            if (k > 1) channels_.emplace(ch, channel_spans{});
    }
    /// Whether any channel's inflation is measured (else no sink is needed).
    bool measuring() const { return !channels_.empty(); }

    void add(const interaction_batch& b) {
        std::lock_guard lk(m_);
        for (std::size_t r = 0; r < b.size(); ++r) {
            if (b.handle[r] == missing_us || b.agent[r].empty()) continue;
            const auto it = channels_.find(b.channel[r]);
            if (it == channels_.end()) continue;
            const micros start = b.created_at[r] + (b.frt[r] == missing_us ? 0 : b.frt[r]);
            it->second.spans.push_back(
                {start, start + b.handle[r], it->second.agents.code(b.agent[r])});
        }
    }

    /// The inflation of every channel with concurrency > 1: measured where a row was handled in
    /// parallel, else the configured factor (or 1, "default").
    std::map<std::string, inflation> finish() {
        std::map<std::string, inflation> out;
        for (const auto& [ch, k] : cfg_.concurrency) {
            if (k <= 1) continue;
            inflation& f = out[ch] = unmeasured(cfg_, k);
            const auto it = channels_.find(ch);
            if (it != channels_.end()) measure(it->second.spans, f);
        }
        return out;
    }

private:
    struct span {
        micros start, end;
        std::uint32_t agent;
    };
    struct channel_spans {
        cskpi::detail::dictionary agents;
        std::vector<span> spans;
    };

    // Sorted by agent and start: a span overlaps an earlier one when it starts before the
    // latest end so far, and a later one when it ends after the next start.
    static void measure(std::vector<span>& v, inflation& f) {
        std::sort(v.begin(), v.end(), [](const span& a, const span& b) {
            return a.agent != b.agent ? a.agent < b.agent : a.start < b.start;
        });
        double all = 0, par = 0;
        micros latest_end = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            const bool first_of_agent = i == 0 || v[i].agent != v[i - 1].agent;
            const bool next_same = i + 1 < v.size() && v[i + 1].agent == v[i].agent;
            const bool parallel = (!first_of_agent && v[i].start < latest_end) ||
                                  (next_same && v[i].end > v[i + 1].start);
            latest_end = first_of_agent ? v[i].end : std::max(latest_end, v[i].end);
            const double h = static_cast<double>(v[i].end - v[i].start) / 1e6;
            all += h;
            if (parallel) par += h, ++f.parallel;
        }
        f.rows = v.size();
        if (f.rows == 0) return;
        f.aht_s = all / static_cast<double>(f.rows);
        if (f.parallel) f.aht_parallel_s = par / static_cast<double>(f.parallel);
        if (f.parallel < f.rows)
            f.aht_alone_s = (all - par) / static_cast<double>(f.rows - f.parallel);
        if (f.parallel && f.aht_s > 0) {
            f.factor = f.aht_parallel_s / f.aht_s;
            f.source = "measured";
        }
    }

    staffing_config cfg_;
    std::mutex m_;
    std::map<std::string, channel_spans, std::less<>> channels_;
};

}  // namespace cskpi::staffing
