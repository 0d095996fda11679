#pragma once
// cskpi::monitor::monitor (spec section 17): a thread-safe live view of an event stream.
//
// Design. Interactions are sharded by a hash of their id; each shard has a mutex, its live
// interactions (their events, so that the section 11 rules in derive.hpp apply unchanged) and
// per-scope slots of `bucket_s` seconds plus a cell for today. An update re-derives its
// interaction and moves the interaction's contribution (arrival, answer, FRT, abandonment,
// first-response SLA state, rating) between what it counted before and what it counts now, in
// the slot of the interaction's creation. A window is the sum of its slots, so a monitor and a
// batch report over the interactions created in that window agree (values by arrival time).
// Memory is bounded: slots older than the longest window are dropped, durations turn into a
// sketch past exact_limit per slot, and interactions are let go once idle (idle_s) or when
// max_live is exceeded; those counts are reported, never silent.
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "../input/ingest.hpp"
#include "../timeline/events.hpp"
#include "alerts.hpp"
#include "options.hpp"
#include "snapshot.hpp"
#include "window.hpp"

namespace cskpi::live {

/// One event as a service hands it over: the interaction, the event (section 11) and the
/// interaction columns its row carries (empty = not given), in timeline::detail::carried order.
struct event_input {
    std::string interaction_id;
    timeline::event e;
    std::array<std::string, timeline::detail::n_carried> columns{};

    /// The event of row `r` (cells in events_schema() order) once `e` was parsed from it.
    static event_input of_record(const text_record& r, timeline::event e) {
        event_input in;
        if (r.cells[0]) in.interaction_id = *r.cells[0];
        in.e = std::move(e);
        for (std::size_t c = 0; c < timeline::detail::n_carried; ++c)
            if (8 + c < r.cells.size() && r.cells[8 + c]) in.columns[c] = *r.cells[8 + c];
        return in;
    }

    /// Sets a carried column by name (channel, team, csat, abandoned, ...); false when `name` is
    /// not one.
    bool set(std::string_view name, std::string value) {
        for (std::size_t c = 0; c < timeline::detail::n_carried; ++c)
            if (column_names[static_cast<std::size_t>(timeline::detail::carried[c])] == name) {
                columns[c] = std::move(value);
                return true;
            }
        return false;
    }
};

class monitor {
public:
    using clock_fn = std::function<micros()>;
    /// The system clock, in microseconds since the epoch.
    static micros system_now() {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    explicit monitor(const config& cfg, clock_fn clock = system_now)
        : cfg_(cfg),
          opt_(monitor_options::from_config(cfg)),
          tl_(timeline::timeline_options::from_config(cfg)),
          clock_(std::move(clock)),
          alerts_(opt_.alerts) {
        shards_.reserve(opt_.shards);
        for (std::size_t i = 0; i < opt_.shards; ++i)
            shards_.push_back(std::make_unique<shard>(cfg.timezone));
    }

    const monitor_options& options() const { return opt_; }
    micros now() const { return clock_(); }

    /// Feeds one event; safe from many threads. Returns false when the event was counted as
    /// late or early instead of applied.
    bool update(event_input in) {
        const micros t = clock_();
        shard& s = shard_of(in.interaction_id);
        std::lock_guard lock(s.m);
        return apply_event(s, std::move(in), t);
    }

    /// Feeds one event row in events_schema() column order (CSV/JSONL readers, Python). A bad
    /// row is counted as rejected and `why` says which column and why.
    bool update_record(const text_record& r, std::string* why = nullptr) {
        if (r.cells.empty() || !r.cells[0] || r.cells[0]->empty()) {
            rejected_.fetch_add(1, std::memory_order_relaxed);
            if (why) *why = "interaction_id: required";
            return false;
        }
        const micros t = clock_();
        shard& s = shard_of(*r.cells[0]);
        std::lock_guard lock(s.m);
        timeline::event_problem problem;
        auto e = timeline::parse_event(r, s.tz, problem, false);
        if (!e) {
            rejected_.fetch_add(1, std::memory_order_relaxed);
            if (why) *why = events_schema().columns[problem.column] + ": " + problem.reason;
            return false;
        }
        return apply_event(s, event_input::of_record(r, std::move(*e)), t);
    }

    /// Counts rows refused before they reached the monitor (a reader's rejects).
    void add_rejected(std::int64_t n) { rejected_.fetch_add(n, std::memory_order_relaxed); }

    /// The values now, and the alerts raised or cleared since the last snapshot.
    snapshot take_snapshot() {
        const micros t = clock_();
        snapshot out;
        out.at = t;
        out.window_names = opt_.window_names();
        std::map<scope_key, scope_acc> by_scope;  // channel x team
        for (auto& sp : shards_) collect(*sp, t, by_scope, out.counts);
        out.counts.rejected = rejected_.load();
        auto rolled = roll_up(by_scope);
        if (rolled.empty()) rolled.try_emplace({std::nullopt, std::nullopt}, fresh_acc());
        // Rows: all, then channels, teams, channel x team (each level sorted by its labels).
        auto level = [](const auto& k) { return (k.first ? 1 : 0) + (k.second ? 2 : 0); };
        std::vector<std::pair<const level_key*, const scope_acc*>> order;
        for (const auto& [k, acc] : rolled) order.emplace_back(&k, &acc);
        std::stable_sort(order.begin(), order.end(), [&](const auto& x, const auto& y) {
            return level(*x.first) < level(*y.first);
        });
        const micros today_from = local_midnight(t);
        for (const auto& [k, acc] : order) out.rows.push_back(row_of(*k, *acc, t, today_from));
        alerts_.evaluate(out);
        out.alerts = alerts_.take_events();
        out.active_alerts = alerts_.active();
        return out;
    }

    /// Called with each alert event as it is raised or cleared (from take_snapshot's thread).
    void on_alert(std::function<void(const alert_event&)> f) { alerts_.on_event(std::move(f)); }

    /// Bytes held by slots and live interactions (an estimate: vectors' capacities).
    std::size_t memory_bytes() {
        std::size_t b = 0;
        for (auto& sp : shards_) {
            std::lock_guard lock(sp->m);
            for (const auto& [id, l] : sp->live)
                b += sizeof(live_interaction) + id.capacity() +
                     l.ev.capacity() * sizeof(timeline::event) + 64;
            for (const auto& [k, sc] : sp->scopes) {
                for (const cell& c : sc.slots) b += sizeof(cell) + c.frt.bytes();
                if (sc.today) b += sizeof(cell) + sc.today->frt.bytes();
            }
        }
        return b;
    }

private:
    /// What one interaction counts now.
    struct contribution {
        bool scoped = false;  ///< has a channel
        bool in_windows =
            false;  ///< counted in windows (scoped, and not seen again after being let go)
        std::pair<std::string, std::string> scope;
        micros created = 0;
        bool answered = false, abandoned = false, open = true;
        double frt = -1;
        timeline::sla_state sla = timeline::sla_state::none;
        int csat = -1;
        std::optional<micros> waiting_since;
    };
    struct live_interaction {
        std::vector<timeline::event> ev;
        std::vector<std::pair<std::uint8_t, std::string>>
            given;  ///< carried columns given so far (index, value): most are never given
        contribution c;
        micros last_seen = 0;
        bool retired =
            false;  ///< seen again after being let go: counts in the queue, not in windows
    };
    struct scope_slots {
        std::int64_t first_slot = INT64_MIN / 2;  ///< roll() moves it to the oldest slot kept
        std::deque<cell> slots;
        std::int64_t day = INT64_MIN;  ///< local day of `today`
        std::optional<cell> today;
    };
    struct shard {
        explicit shard(const std::string& zone) : tz(zone) {}
        std::mutex m;
        time_zone tz;
        std::unordered_map<std::string, live_interaction> live;
        std::map<std::pair<std::string, std::string>, scope_slots> scopes;
        std::unordered_map<std::uint64_t, micros> tombstones;  ///< ids let go -> when
        std::int64_t events = 0, late = 0, early = 0, released_idle = 0, released_capacity = 0;
        micros last_sweep = 0;
        bool over_capacity = false;
        std::int64_t unscoped_now() const {
            std::int64_t n = 0;
            for (const auto& [id, l] : live) n += !l.c.scoped;
            return n;
        }
    };

    bool apply_event(shard& s, event_input in, micros t) {
        const auto tol = static_cast<micros>(opt_.late_tolerance_s * 1e6);
        if (in.e.at < t - tol) return ++s.late, false;
        if (in.e.at > t + tol) return ++s.early, false;
        auto [it, fresh] = s.live.try_emplace(std::move(in.interaction_id));
        live_interaction& l = it->second;
        if (fresh) {
            if (s.tombstones.count(hash_of(it->first))) l.retired = true;
            if (s.live.size() > opt_.max_live / opt_.shards + 1) s.over_capacity = true;
        }
        // Placed in time order; same-instant events keep arrival order.
        const auto pos =
            std::upper_bound(l.ev.begin(), l.ev.end(), in.e.at,
                             [](micros a, const timeline::event& b) { return a < b.at; });
        l.ev.insert(pos, std::move(in.e));
        for (std::size_t c = 0; c < timeline::detail::n_carried; ++c) {
            if (in.columns[c].empty()) continue;
            const bool known = std::any_of(l.given.begin(), l.given.end(),
                                           [&](const auto& g) { return g.first == c; });
            if (!known)
                l.given.emplace_back(static_cast<std::uint8_t>(c),
                                     std::move(in.columns[c]));  // the first value wins
        }
        l.last_seen = t;
        ++s.events;
        refresh(s, l, t);
        if (s.over_capacity || t - s.last_sweep >= opt_.bucket_s * us_per_s)
            sweep(s, t);  // once a slot, or when full
        return true;
    }

    static std::uint64_t hash_of(std::string_view id) { return std::hash<std::string_view>{}(id); }
    shard& shard_of(std::string_view id) { return *shards_[hash_of(id) % shards_.size()]; }
    /// Slots the longest window spans (older slots are dropped).
    std::int64_t slots_kept() const {
        std::int64_t keep = 1;
        for (auto w : opt_.windows_s) keep = std::max(keep, w / opt_.bucket_s);
        return keep;
    }
    std::int64_t slot_of(micros t) const {
        return time_zone::floor_div(t, opt_.bucket_s * us_per_s);
    }
    std::int64_t day_of(const shard& s, micros t) const {
        return time_zone::floor_div(s.tz.to_local(t), 86400 * us_per_s);
    }
    micros local_midnight(micros t) const {
        std::lock_guard lock(tz_m_);
        return midnight(tz_, t);
    }
    static micros midnight(const time_zone& tz, micros t) {
        return tz.to_utc(time_zone::floor_div(tz.to_local(t), 86400 * us_per_s) * 86400 * us_per_s);
    }

    /// Re-derives an interaction at `t` and moves its contribution.
    void refresh(shard& s, live_interaction& l, micros t) {
        contribution next = derive_contribution(s, l, t);
        const contribution& old = l.c;
        const bool same_cell = old.in_windows == next.in_windows && old.created == next.created &&
                               old.scope == next.scope;
        const bool same_counts = old.answered == next.answered && old.abandoned == next.abandoned &&
                                 old.sla == next.sla && old.csat == next.csat;
        const bool same_frt = old.answered == next.answered && old.frt == next.frt;
        if (!(same_cell && same_counts && same_frt)) {
            // Taking an exact duration back is a search: skip it when the FRT stays where it was.
            const bool frt_too = !(same_cell && same_frt);
            apply(s, old, -1, t, frt_too);
            apply(s, next, +1, t, frt_too);
        }
        l.c = std::move(next);
    }

    contribution derive_contribution(shard& s, const live_interaction& l, micros t) const {
        using timeline::detail::carried;
        contribution c;
        std::array<std::string, timeline::detail::n_carried> cols{};
        for (const auto& [i, v] : l.given) cols[i] = v;
        const std::string& channel = cols[0];
        const std::string& team = cols[1];
        const timeline::calendar* cal =
            tl_.calendar_for(team.empty() ? std::nullopt : std::optional(team),
                             channel.empty() ? std::nullopt : std::optional(channel));
        const timeline::derived_interaction d = timeline::derive(l.ev, tl_, s.tz, cal);
        c.created = d.created_at;
        c.scoped = !channel.empty();
        c.in_windows = c.scoped && !l.retired;
        c.scope = {channel, team};
        c.answered = d.first_response_at.has_value();
        c.frt = d.frt_s;
        const auto flag = [&](column col) {
            for (std::size_t i = 0; i < timeline::detail::n_carried; ++i)
                if (carried[i] == col) return parse_bool(cols[i]).value_or(false);
            return false;
        };
        c.abandoned = flag(column::abandoned);
        c.open = !d.resolved && !c.abandoned;
        if (c.open && d.open_wait_since) c.waiting_since = d.open_wait_since;
        // A rating event beats a carried csat column, as in the batch report.
        const std::string& csat_text = d.csat ? *d.csat : cols[8];
        if (const auto v = parse_integer(csat_text);
            v && *v >= cfg_.csat_min && *v <= cfg_.csat_max)
            c.csat = static_cast<int>(*v);
        const std::int32_t pol = timeline::policy_for(tl_, d.agent, cols);
        if (pol >= 0) {
            const auto& policy = tl_.policies[static_cast<std::size_t>(pol)];
            const auto pauses = timeline::paused_spans(d, policy);
            timeline::sla_inputs in;
            in.policy = &policy;
            in.cal = cal;
            in.first_response = &d.sla_first_response;
            in.pauses = pauses;
            c.sla = timeline::settle_sla(in, tl_, t).first_response;
        }
        return c;
    }

    /// Adds (sign +1) or takes back (-1) a contribution in its slot and today's cell.
    void apply(shard& s, const contribution& c, int sign, micros t, bool frt = true) {
        if (!c.in_windows) return;
        auto it = s.scopes.find(c.scope);
        if (it == s.scopes.end()) {
            if (sign < 0) return;
            it = s.scopes.emplace(c.scope, scope_slots{}).first;
        }
        scope_slots& sc = it->second;
        roll(s, sc, t);
        const std::int64_t idx = slot_of(c.created);
        if (idx >= sc.first_slot) {
            while (sc.first_slot + static_cast<std::int64_t>(sc.slots.size()) <= idx)
                sc.slots.emplace_back(opt_.exact_limit, opt_.relative_error);
            add(sc.slots[static_cast<std::size_t>(idx - sc.first_slot)], c, sign, frt);
        }
        if (day_of(s, c.created) == sc.day) add(*sc.today, c, sign, frt);
    }

    void add(cell& x, const contribution& c, int sign, bool frt) const {
        x.arrivals += sign;
        x.answered += sign * c.answered;
        x.abandoned += sign * c.abandoned;
        if (frt && c.answered && c.frt >= 0) sign > 0 ? x.frt.add(c.frt) : x.frt.remove(c.frt);
        x.sla_achieved += sign * (c.sla == timeline::sla_state::achieved);
        x.sla_breached += sign * (c.sla == timeline::sla_state::breached);
        x.sla_active += sign * (c.sla == timeline::sla_state::active);
        if (c.csat >= 0) {
            x.csat_responses += sign;
            x.csat_satisfied += sign * (c.csat >= satisfied_min_);
            x.csat_sum += sign * c.csat;
        }
    }

    /// Drops slots older than the longest window and starts a new today at local midnight.
    void roll(shard& s, scope_slots& sc, micros t) const {
        const std::int64_t first = slot_of(t) - slots_kept() + 1;
        while (!sc.slots.empty() && sc.first_slot < first) {
            sc.slots.pop_front();
            ++sc.first_slot;
        }
        if (sc.slots.empty()) sc.first_slot = std::max(sc.first_slot, first);
        const std::int64_t day = day_of(s, t);
        if (sc.day != day) {
            sc.day = day;
            sc.today.emplace(opt_.exact_limit, opt_.relative_error);
        }
    }

    /// Lets go of interactions that no window counts and that are idle or settled, and of the
    /// oldest idle ones when max_live is exceeded.
    void sweep(shard& s, micros t) {
        const bool purge = t - s.last_sweep >= opt_.bucket_s * us_per_s;
        s.last_sweep = t;
        const micros horizon =
            std::min(midnight(s.tz, t), (slot_of(t) - slots_kept() + 1) * opt_.bucket_s * us_per_s);
        const auto idle = static_cast<micros>(opt_.idle_s * 1e6);
        for (auto it = s.live.begin(); it != s.live.end();) {
            const live_interaction& l = it->second;
            const bool outside = l.c.created < horizon || l.retired;
            if ((outside && !l.c.open) || t - l.last_seen > idle) {
                s.tombstones[hash_of(it->first)] = t;
                ++s.released_idle;
                it = s.live.erase(it);
            } else
                ++it;
        }
        const std::size_t cap = opt_.max_live / opt_.shards + 1;
        if (s.live.size() > cap) {
            using entry = std::pair<micros, decltype(s.live)::iterator>;
            std::vector<entry> by_age;
            by_age.reserve(s.live.size());
            for (auto it = s.live.begin(); it != s.live.end(); ++it)
                by_age.emplace_back(it->second.last_seen, it);
            const std::size_t drop =
                s.live.size() - cap + cap / 10;  // a tenth below the cap: sweeps stay rare
            std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop),
                             by_age.end(),
                             [](const entry& a, const entry& b) { return a.first < b.first; });
            for (std::size_t i = 0; i < drop; ++i) {
                // What it counted so far stays counted; later changes are not followed.
                s.tombstones[hash_of(by_age[i].second->first)] = t;
                s.live.erase(by_age[i].second);
                ++s.released_capacity;
            }
        }
        s.over_capacity = false;
        if (purge)  // an id idle twice as long is new again
            for (auto it = s.tombstones.begin(); it != s.tombstones.end();)
                it = t - it->second > 2 * idle ? s.tombstones.erase(it) : std::next(it);
    }
    using scope_key = std::pair<std::string, std::string>;  ///< (channel, team)
    using level_key =
        std::pair<std::optional<std::string>, std::optional<std::string>>;  ///< unset = all
    /// A scope's cells of every window (in window_names order) and its queue now.
    struct scope_acc {
        std::vector<cell> w;
        now_values now;
        micros oldest_wait = INT64_MAX;
    };
    scope_acc fresh_acc() const {
        scope_acc a;
        for (std::size_t i = 0; i < opt_.windows_s.size() + 1; ++i)
            a.w.emplace_back(opt_.exact_limit, opt_.relative_error);
        return a;
    }
    scope_acc& acc_of(std::map<scope_key, scope_acc>& m, const scope_key& k) const {
        auto [it, fresh] = m.try_emplace(k);
        if (fresh) it->second = fresh_acc();
        return it->second;
    }

    /// One shard's part of a snapshot at `t`, under its lock: running SLA targets judged again,
    /// the queue, the window cells, the counts.
    void collect(shard& s, micros t, std::map<scope_key, scope_acc>& by_scope,
                 monitor_counts& counts) {
        std::lock_guard lock(s.m);
        sweep(s, t);
        for (auto& [id, l] : s.live) {
            if (l.c.sla == timeline::sla_state::active)
                refresh(s, l, t);  // a running target may have breached
            if (!l.c.scoped) continue;
            scope_acc& a = acc_of(by_scope, l.c.scope);
            a.now.open += l.c.open;
            if (l.c.waiting_since) {
                ++a.now.queue_length;
                a.oldest_wait = std::min(a.oldest_wait, *l.c.waiting_since);
            }
        }
        const std::int64_t cur = slot_of(t);
        const std::size_t sliding = opt_.windows_s.size();
        for (auto& [key, sc] : s.scopes) {
            roll(s, sc, t);
            scope_acc& a = acc_of(by_scope, key);
            for (std::size_t w = 0; w < sliding; ++w) {
                const std::int64_t first = cur - opt_.windows_s[w] / opt_.bucket_s + 1;
                for (std::size_t k = 0; k < sc.slots.size(); ++k) {
                    const std::int64_t idx = sc.first_slot + static_cast<std::int64_t>(k);
                    if (idx >= first && idx <= cur) a.w[w].merge(sc.slots[k]);
                }
            }
            if (sc.today) a.w[sliding].merge(*sc.today);
        }
        counts.events += s.events;
        counts.late += s.late;
        counts.early += s.early;
        counts.unscoped += s.unscoped_now();
        counts.live += static_cast<std::int64_t>(s.live.size());
        counts.released_idle += s.released_idle;
        counts.released_capacity += s.released_capacity;
    }

    /// Channel x team rolled up to every level: all, channel, team, channel x team.
    std::map<level_key, scope_acc> roll_up(const std::map<scope_key, scope_acc>& by_scope) const {
        std::map<level_key, scope_acc> rolled;
        for (const auto& [key, a] : by_scope) {
            const level_key levels[] = {{std::nullopt, std::nullopt},
                                        {key.first, std::nullopt},
                                        {std::nullopt, key.second},
                                        {key.first, key.second}};
            for (const auto& lv : levels) {
                auto [it, fresh] = rolled.try_emplace(lv);
                if (fresh) it->second = fresh_acc();
                scope_acc& r = it->second;
                for (std::size_t w = 0; w < a.w.size(); ++w) r.w[w].merge(a.w[w]);
                r.now.queue_length += a.now.queue_length;
                r.now.open += a.now.open;
                r.oldest_wait = std::min(r.oldest_wait, a.oldest_wait);
            }
        }
        return rolled;
    }

    scope_row row_of(const level_key& k, const scope_acc& a, micros t, micros today_from) const {
        scope_row row;
        row.channel = k.first;
        row.team = k.second;
        row.now = a.now;
        if (a.oldest_wait != INT64_MAX)
            row.now.longest_wait_s = static_cast<double>(t - a.oldest_wait) / 1e6;
        const std::int64_t cur = slot_of(t);
        for (std::size_t w = 0; w < a.w.size(); ++w) {
            const micros from =
                w < opt_.windows_s.size()
                    ? (cur - opt_.windows_s[w] / opt_.bucket_s + 1) * opt_.bucket_s * us_per_s
                    : today_from;
            row.windows.push_back(values_of(a.w[w], from, t));
        }
        return row;
    }

    window_values values_of(const cell& c, micros from, micros to) const {
        window_values v;
        v.from = from;
        v.to = to;
        v.interactions = c.arrivals;
        v.answered = c.answered;
        v.abandoned = c.abandoned;
        v.sla_achieved = c.sla_achieved;
        v.sla_breached = c.sla_breached;
        v.sla_active = c.sla_active;
        v.csat_responses = c.csat_responses;
        v.csat_satisfied = c.csat_satisfied;
        auto ratio = [](double n, double d) { return d > 0 ? n / d : stats::nan; };
        v.answer_rate = ratio(static_cast<double>(c.answered), static_cast<double>(c.arrivals));
        v.abandonment_rate =
            ratio(static_cast<double>(c.abandoned), static_cast<double>(c.arrivals));
        v.sla_first_response = ratio(static_cast<double>(c.sla_achieved),
                                     static_cast<double>(c.sla_achieved + c.sla_breached));
        v.csat =
            ratio(static_cast<double>(c.csat_satisfied), static_cast<double>(c.csat_responses));
        v.csat_mean = ratio(c.csat_sum, static_cast<double>(c.csat_responses));
        const auto q = c.frt.quantiles(std::array<double, 2>{0.5, 0.9});
        v.frt_median = q[0];
        v.frt_p90 = q[1];
        v.exact = c.frt.exact();
        return v;
    }

    config cfg_;
    monitor_options opt_;
    timeline::timeline_options tl_;
    clock_fn clock_;
    int satisfied_min_ = cfg_.csat_satisfied_min;
    mutable std::mutex tz_m_;
    time_zone tz_{cfg_.timezone};  ///< for snapshots (a zone caches offsets: one per lock)
    std::vector<std::unique_ptr<shard>> shards_;
    std::atomic<std::int64_t> rejected_{0};
    alert_engine alerts_;
};

}  // namespace cskpi::live

namespace cskpi {
/// The live monitor: cskpi::monitor.
using live::monitor;
}  // namespace cskpi
