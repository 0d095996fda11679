#pragma once
// The mergeable partial state of a whole report: string dictionaries, one group_state per group
// present (durations partly in a sample log until finalize), and the first-contact ledger that
// FCR needs (a customer's other contacts may sit in another partial, so FCR is settled only
// when the report is finalized). Threads and machines each fill their own report_state over a
// slice of the rows and merge them; the result does not depend on how the rows were split.
#include <algorithm>
#include <atomic>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

#include "../metrics/accumulators.hpp"
#include "../metrics/group_columns.hpp"
#include "../config/config.hpp"
#include "../detail/byte_columns.hpp"
#include "../detail/cbor.hpp"
#include "../detail/censoring.hpp"
#include "../detail/contacts.hpp"
#include "../detail/dictionary.hpp"
#include "../detail/group_index.hpp"
#include "../detail/group_keys.hpp"
#include "../detail/group_table.hpp"
#include "../detail/pooled_samples.hpp"
#include "../detail/sample_log.hpp"
#include "../detail/utf8.hpp"
#include "group.hpp"
#include "../metrics/metrics.hpp"
#include "../input/records.hpp"
#include "../report/report.hpp"
#include "../timeline/state.hpp"

namespace cskpi {

class report_state {
public:
    /// One row with a customer, kept until finalization to decide first contact and FCR.
    /// Customers are kept as a 64-bit pseudonym (detail::customer_hasher: keyed by
    /// privacy.salt when set), so partial states merge without shipping customer ids.
    using contact = detail::contact;

    report_state() : report_state(config{}, {}) {}
    report_state(config cfg, std::vector<group_key> by)
        : report_state(std::move(cfg), std::move(by), metric_family::volume) {}

private:
    // A state bucketing rows by `family`'s instant (attribute_by). The volume family's state is
    // the report's own; it keeps one state per other family whose instant differs, which counts
    // every row in full but lends the report only that family's columns.
    report_state(config cfg, std::vector<group_key> by, metric_family family)
        : cfg_(std::move(cfg)),
          by_(std::move(by)),
          tz_(cfg_.timezone),
          z_(stats::z_for(cfg_.confidence)),
          window_(seconds_to_us(cfg_.fcr_window_s)),
          respond_(seconds_to_us(cfg_.complaint_respond_s)),
          within_(seconds_to_us(cfg_.staffing.within_s)),
          resolve_(seconds_to_us(cfg_.complaint_resolve_s)),
          customer_key_(cfg_.privacy_salt),
          ids_(by_.size()) {
        if (by_.size() > max_group_keys) throw std::invalid_argument("too many grouping keys");
        for (auto k : by_) uses_time_ = uses_time_ || is_time_key(k);
        for (auto k : by_) needs_team_ = needs_team_ || k == group_key::team;
        if (cfg_.timeline.contains("as_of") && cfg_.timeline["as_of"].is_string()) {
            const std::string a = cfg_.timeline["as_of"].get<std::string>();
            as_of_ = parse_timestamp(a, tz_);
            if (!as_of_) throw config_error("as_of", "expected a timestamp, actual \"" + a + "\"");
        }
        if (cfg_.timeline.contains("events"))
            min_rounds_ =
                detail::events_min_rounds(timeline::with_event_preset(cfg_.timeline["events"]));
        family_ = family;
        instant_ = cfg_.attribute_by[family];
        if (family != metric_family::volume || !uses_time_) return;
        for (metric_family f :
             {metric_family::response, metric_family::resolution, metric_family::satisfaction})
            if (cfg_.attribute_by[f] != instant_) attributed_.push_back(report_state(cfg_, by_, f));
    }

public:
    const config& cfg() const noexcept { return cfg_; }
    const std::vector<group_key>& by() const noexcept { return by_; }
    /// Every group's state (a copy: samples still in the arrival log are added to it, and
    /// binned in sketch mode).
    std::vector<group_state> groups() const {
        expect_settled();
        std::vector<group_state> out;
        out.reserve(groups_.size());
        for (std::uint32_t g = 0; g < groups_.size(); ++g) out.push_back(groups_.state(g));
        log_.for_each_run([&](std::uint32_t g, std::size_t kind, const detail::duration_samples& v,
                              std::size_t n, std::size_t first) {
            v.visit([&](const auto& x, micros) {
                (out[g].*sample_field[kind]).append(x.data() + first, n);
            });
        });
        for (auto& g : out) sketch_samples(g);
        return out;
    }
    /// Interactions counted, over all groups (rows held by hold_rows() included).
    std::uint64_t interactions() const noexcept {
        std::uint64_t n = pending_.size();
        for (std::uint32_t g = 0; g < groups_.size(); ++g) n += groups_.interactions(g);
        return n;
    }
    /// Every group's keys, in group order (a copy: the state stores them flat).
    std::vector<group_id> group_ids() const { return ids_.ids(); }
    /// Group `g`'s keys.
    group_id group_id_of(std::size_t g) const { return ids_[g]; }
    /// The first-contact ledger (a copy in readable form, in storage order).
    std::vector<contact> contacts() const {
        expect_ledger("contacts");
        return contacts_.values();
    }
    std::size_t size() const noexcept { return groups_.size(); }

    /// The latest created_at of the rows added (targets' default as_of); nullopt before any row,
    /// and for a state read back by from_json (to_json does not carry it).
    std::optional<micros> latest_created() const noexcept {
        return latest_created_ != std::numeric_limits<micros>::min()
                   ? std::optional<micros>(latest_created_)
                   : std::nullopt;
    }
    /// The instant Kaplan-Meier censors open rows at (section 14): the config's `as_of` or the one
    /// set_as_of gave, else the latest instant of the rows added (created_at, first response,
    /// resolution); nullopt before any row.
    std::optional<micros> km_as_of() const noexcept {
        if (as_of_) return as_of_;
        return latest_instant_ != std::numeric_limits<micros>::min()
                   ? std::optional<micros>(latest_instant_)
                   : std::nullopt;
    }
    /// Fixes as_of for rows already added whose instants are all at or before it (an event log's
    /// as_of: its derived rows never pass the latest event).
    void set_as_of(micros t) {
        as_of_ = t;
        for (auto& o : once_) o.set_as_of(t);
    }
    /// Event logs: the timeline facts of the frame rows that the next update() calls add
    /// (report_state keeps no pointer past the run: attach nullptr after it). Makes this an event
    /// log's state, whose report has the timeline columns. When an interaction stands for several
    /// agents (events.agent = "all"), a state grouped by agent counts each participant's row and
    /// keeps its overall row, over each interaction once, in a second state; other states count
    /// the interaction's own row (timeline::row_role).
    void attach_timeline(const timeline::timeline_feed* feed) {
        feed_ = feed;
        if (feed) timeline_on_ = true;
        if (feed && feed->has_roles() && grouped_by_agent() && once_.empty())
            once_.emplace_back(cfg_, std::vector<group_key>{});
        for (auto& o : once_) o.attach_timeline(feed);
    }
    /// Whether this is an event log's state (its report has the timeline columns).
    bool has_timeline() const noexcept { return timeline_on_; }

    /// The state of a coarser grouping, exactly: `keys` are some of this state's keys (in any
    /// order); groups that differ only in the others merge, and FCR, quantiles, Kaplan-Meier and
    /// timeline statistics come out as a state grouped by `keys` from the same rows would give.
    /// Throws std::invalid_argument for a key this state is not grouped by, and for a state whose
    /// rows stand for several agents (events.agent = "all") projected onto a grouping without
    /// agent other than the overall one: its rows are the participants', not the interactions'.
    report_state project(const std::vector<group_key>& keys) const {
        return projected(keys, nullptr, true);
    }
    /// project() for a state that will only be finalized (the states of one reading that a run
    /// turns straight into reports): its groups' FCR is this state's ledger settled here, once,
    /// and added up by group (the settlement is kept for this state's own finalize), where
    /// project() copies the ledger, a record per contact. The result holds no ledger: adding rows
    /// to it, merging, projecting or serializing it throws std::logic_error.
    report_state project_for_report(const std::vector<group_key>& keys, unsigned threads) {
        if (!once_.empty()) return project(keys);  // rows stand for participants: see project()
        settle_contacts(threads);
        std::vector<std::uint32_t> gmap;
        report_state out = projected(keys, &gmap, false);
        // Settled in out's own terms: its finalize finds the settlement current (no ledger, no
        // group added) and keeps it.
        out.fcr_group_.assign(out.groups_.size(), {});
        for (std::size_t g = 0; g < gmap.size(); ++g) out.fcr_group_[gmap[g]] += fcr_group_[g];
        out.fcr_total_ = fcr_total_;
        out.settled_contacts_ = out.contacts_.size();
        out.ledgerless_ = true;
        return out;
    }

private:
    report_state projected(const std::vector<group_key>& keys, std::vector<std::uint32_t>* gmap_out,
                           bool with_ledger) const {
        expect_ledger("project");
        expect_settled();
        std::vector<std::size_t> pos;
        for (group_key k : keys) {
            const auto it = std::find(by_.begin(), by_.end(), k);
            if (it == by_.end())
                throw std::invalid_argument(std::string("report_state::project: not grouped by ") +
                                            std::string(name_of(k)));
            pos.push_back(static_cast<std::size_t>(it - by_.begin()));
        }
        const bool to_agent = std::find(keys.begin(), keys.end(), group_key::agent) != keys.end();
        if (!once_.empty() && !to_agent) {
            if (!keys.empty())
                throw std::invalid_argument(
                    "report_state::project: rows repeat for each participant (events.agent = "
                    "\"all\"); "
                    "only groupings by agent, or none, can be projected");
            report_state whole = once_[0];
            return whole;
        }
        report_state out(cfg_, keys, family_);
        for (std::size_t i = 0; i < out.attributed_.size(); ++i)
            out.attributed_[i] = attributed_[i].project(keys);
        out.dict_ = dict_;
        if (!out.needs_team_)
            out.dict_[1] = {};  // team labels are coded only for a grouping by team
        out.latest_created_ = latest_created_;
        out.latest_instant_ = latest_instant_;
        out.as_of_ = as_of_;
        out.timeline_on_ = timeline_on_;
        if (to_agent) out.once_ = once_;
        // Without logged samples a group is complete in the table: copied one at a time, not
        // every group at once (a transient copy of every counter and sample).
        std::vector<group_state> complete;
        if (!log_.empty()) complete = groups();
        std::vector<std::uint32_t> gmap(groups_.size());
        for (std::uint32_t g = 0; g < groups_.size(); ++g) {
            group_id id;
            id.n = static_cast<std::uint8_t>(keys.size());
            for (std::size_t i = 0; i < pos.size(); ++i) id.k[i] = ids_.key(g, pos[i]);
            gmap[g] = out.group_of(id);
            if (!complete.empty()) {
                out.groups_.add(gmap[g], std::move(complete[g]));
                continue;
            }
            group_state one = groups_.state(g);
            sketch_samples(one);
            out.groups_.add(gmap[g], std::move(one));
        }
        const auto to = [&](std::uint32_t g) { return gmap[g]; };
        if (with_ledger)
            out.contacts_.append_mapped(
                contacts_, [](std::uint32_t c) { return c; }, to);
        out.km_.append_mapped(km_, to);
        if (!timeline_.empty()) out.timeline_.resize(out.groups_.size());
        for (std::size_t g = 0; g < timeline_.size(); ++g)
            out.timeline_[gmap[g]].merge(timeline_[g]);
        if (gmap_out) *gmap_out = std::move(gmap);
        return out;
    }

public:
    /// Expects about `rows` rows in all: reserves the first-contact ledger once.
    void reserve(std::size_t rows) { contacts_.reserve(rows); }

    /// From now on, holds up to `rows` rows' facts and adds them to their groups together
    /// (settle() adds what is held). With many small groups each batch reaches a group only a
    /// few times; held rows reach it more often per pass over the counters. Rows are held only
    /// while the groups outnumber them fourfold. Reading the state before settle() throws
    /// std::logic_error. 0 (the default) adds every batch at once.
    void hold_rows(std::size_t rows) {
        hold_ = rows;
        for (auto& a : attributed_) a.hold_rows(rows);
        for (auto& o : once_) o.hold_rows(rows);
    }
    /// Adds the rows hold_rows() kept back.
    void settle() {
        apply_pending();
        for (auto& a : attributed_) a.settle();
        for (auto& o : once_) o.settle();
    }

    /// Adds every row of a validated batch.
    void update(const interaction_batch& b) {
        expect_ledger("update");
        if (!b.consistent())
            throw std::invalid_argument(
                "report_state::update: the batch's columns differ in length");
        if (feed_ && feed_->has_roles()) {
            for (auto& o : once_) o.update(b);
            return update_rows(counted_rows(b));
        }
        update_rows(b);
    }

private:
    void update_rows(const interaction_batch& b) {
        // Facts of every row first, then the group updates ordered by group: with thousands of
        // groups (agent x channel x day), runs of one group's updates replace scattered writes
        // into every group's counters, and the durations go to the sample log in those runs.
        // Accumulation is order-free.
        // The scratch vectors are members so that batch after batch reuses their memory: fresh
        // megabyte-sized buffers per batch fragment the heap and raise the peak (~10 MB at 10 M
        // rows).
        if (!cfg_.privacy_salt_id.empty() && !customer_key_.keyed())
            throw std::invalid_argument(
                "report_state::update: this state was read back without its privacy.salt; "
                "merge it into a state configured with the salt instead");
        for (auto& a : attributed_) a.update_rows(b);
        const std::size_t held = pending_.size();
        pending_.resize(held + b.size());
        for (std::size_t r = 0; r < b.size(); ++r) pending_[held + r] = facts_of(b, r);
        if (feed_) {
            if (timeline_.size() < groups_.size()) timeline_.resize(groups_.size());
            for (std::size_t r = 0; r < b.size(); ++r)
                timeline_[pending_[held + r].first].add(feed_->of_line(b.line[r]));
        }
        for (micros t : b.created_at) latest_created_ = std::max(latest_created_, t);
        // Holding pays only when the rows are spread thin: once every group could get a few of
        // them (few groups, as by agent), adding now keeps the held facts in the cache.
        if (pending_.size() >= hold_ || groups_.size() * short_runs <= pending_.size())
            apply_pending();
    }

    // A projection for its report only has no ledger to merge, project or write.
    void expect_ledger(const char* what) const {
        if (ledgerless_)
            throw std::logic_error(std::string("report_state::") + what +
                                   ": this state was projected for its report only "
                                   "(project_for_report) and holds no first-contact ledger");
    }

    // Reading a state while hold_rows() keeps rows back would miss them.
    void expect_settled() const {
        if (!pending_.empty())
            throw std::logic_error("report_state: " + std::to_string(pending_.size()) +
                                   " rows held by hold_rows() are not added yet; call settle()");
        for (const auto& a : attributed_) a.expect_settled();
        for (const auto& o : once_) o.expect_settled();
    }

    // Adds the held rows' facts to their groups and empties the hold.
    void apply_pending() {
        if (pending_.empty()) return;
        add_pending();
        pending_.clear();
    }
    void add_pending() {
        const int sat = cfg_.csat_satisfied_min;
        const std::size_t rows = pending_.size();
        // Small batches (live updates, a few rows at a time) skip the log, whose per-batch
        // arrays would outweigh their rows.
        if (rows < log_min_rows) {
            for (const auto& [g, f] : pending_) groups_.update(g, f, sat);
            return;
        }
        start_.assign(groups_.size() + 1, 0);
        for (const auto& p : pending_) ++start_[p.first + 1];
        std::size_t runs = 0;  // groups this batch touches
        for (std::size_t g = 1; g < start_.size(); ++g) {
            runs += start_[g] != 0;
            start_[g] += start_[g - 1];
        }
        order_.resize(rows);
        for (std::uint32_t i = 0; i < rows; ++i) order_[start_[pending_[i].first]++] = i;
        if (runs * short_runs > rows) return update_in_group_order(sat);
        std::array<std::size_t, detail::sample_log::kinds> total{};
        for (const auto& p : pending_)
            for (std::size_t i = 0; i < total.size(); ++i)
                total[i] += p.second.*fact_field[i] != missing_us;
        auto& lb = log_.open(total);
        // pending_ is read in group order, i.e. at random: fetch a few rows ahead.
        constexpr std::size_t ahead = 8;
        const std::size_t n = order_.size();
        for (std::size_t k = 0; k < n;) {
            const std::uint32_t g = pending_[order_[k]].first;
            std::array<std::size_t, detail::sample_log::kinds> was;
            for (std::size_t i = 0; i < was.size(); ++i) was[i] = lb.values[i].size();
            for (; k < n && pending_[order_[k]].first == g; ++k) {
                if (k + ahead < n) __builtin_prefetch(&pending_[order_[k + ahead]]);
                const row_facts& f = pending_[order_[k]].second;
                groups_.count(g, f, sat);
                for (std::size_t i = 0; i < fact_field.size(); ++i)
                    if (f.*fact_field[i] != missing_us) lb.values[i].push_back(f.*fact_field[i]);
            }
            detail::sample_log::run r{g, {}};
            for (std::size_t i = 0; i < was.size(); ++i)
                r.n[i] = static_cast<std::uint32_t>(lb.values[i].size() - was[i]);
            lb.runs.push_back(r);
        }
    }

    // Many small groups: a batch touches nearly as many groups as it has rows, so the log would
    // hold a run for almost every row (16 bytes each, then a pass moving one value at a time) to
    // save nothing. The rows' durations go straight to their groups' arrays instead.
    void update_in_group_order(int sat) {
        constexpr std::size_t ahead = 8;
        const std::size_t n = order_.size();
        for (std::size_t k = 0; k < n; ++k) {
            if (k + ahead < n) __builtin_prefetch(&pending_[order_[k + ahead]]);
            const auto& [g, f] = pending_[order_[k]];
            groups_.update(g, f, sat);
        }
    }

    bool grouped_by_agent() const {
        return std::find(by_.begin(), by_.end(), group_key::agent) != by_.end();
    }
    interaction_batch counted_rows(const interaction_batch& b) const {
        interaction_batch kept = b;
        std::vector<bool> keep(b.size());
        const bool by_agent = grouped_by_agent();
        for (std::size_t r = 0; r < b.size(); ++r) keep[r] = feed_->counts(b.line[r], by_agent);
        kept.filter(keep);
        return kept;
    }

public:
    /// Adds `o` into this state. A state without rows is the identity whatever its
    /// configuration: merging one changes nothing, and merging into one gives `o`. Otherwise
    /// throws std::invalid_argument when the configurations or groupings differ (their numbers
    /// would not mean the same thing).
    report_state& merge(const report_state& o) { return merge_from(o, nullptr); }
    /// merge() that frees `o`'s samples and ledger as they are added, so the two states do not
    /// both hold every sample at the peak. `o` is left empty.
    /// With `threads` > 1 the groups and the first-contact ledger's buckets are added on
    /// several threads (the result is the same).
    report_state& merge(report_state&& o, unsigned threads = 1) {
        config cfg = o.cfg_;
        std::vector<group_key> by = o.by_;
        merge_from(o, &o, threads);
        o = report_state(std::move(cfg), std::move(by));
        return *this;
    }
    report_state& operator+=(const report_state& o) { return merge(o); }
    friend report_state operator+(const report_state& a, const report_state& b) {
        return merged({&a, &b});
    }
    /// The merge of `parts`, in order, as a new state whose ledger is sized once for all of
    /// them: the merge holds its inputs and its output, not also a copy of the first input that
    /// is then outgrown.
    static report_state merged(const std::vector<const report_state*>& parts) {
        for (const report_state* p : parts) p->expect_ledger("merge");
        if (parts.empty()) return report_state();
        const auto first = std::find_if(parts.begin(), parts.end(), [](const report_state* p) {
            return p->interactions() > 0;
        });
        if (first == parts.end()) return *parts.front();
        report_state out((*first)->cfg_, (*first)->by_);
        for (std::size_t b = 0; b < detail::contact_buckets::count; ++b) {
            std::size_t n = 0;
            for (const report_state* p : parts) n += p->contacts_.bucket(b).size();
            out.contacts_.bucket(b).reserve(n);  // kept when the first part is copied in
        }
        for (const report_state* p : parts) out.merge(*p);
        return out;
    }

private:
    report_state& merge_from(const report_state& o, report_state* consume,
                             unsigned threads = 1) {  // consume = &o or nullptr
        expect_ledger("merge");
        o.expect_ledger("merge");
        expect_settled();
        o.expect_settled();
        if (&o == this) {  // s.merge(s): add a copy (appending a vector to itself is undefined)
            const report_state copy = o;
            return merge_from(copy, nullptr);
        }
        if (o.interactions() == 0) {
            timeline_on_ = timeline_on_ || o.timeline_on_;
            return *this;
        }
        if (interactions() == 0) {
            const bool on = timeline_on_ || o.timeline_on_;
            if (consume)
                *this = std::move(*consume);
            else
                *this = o;
            timeline_on_ = on;
            return *this;
        }
        if (o.by_ != by_ || o.cfg_.to_json() != cfg_.to_json())
            throw std::invalid_argument(
                "report_state::merge: expected the same configuration and grouping");
        latest_created_ = std::max(latest_created_, o.latest_created_);
        latest_instant_ = std::max(latest_instant_, o.latest_instant_);
        // Slices of one event log each fix as_of at their latest event: the whole log's is the
        // latest.
        if (!as_of_ || (o.as_of_ && *o.as_of_ > *as_of_)) as_of_ = o.as_of_;
        const auto adopted = adopt_groups(o);
        const auto& remap = adopted.first;  // o's dictionary codes -> this state's
        const auto& gmap = adopted.second;  // o's groups -> this state's
        // Part 0 adds the groups; the ledger's buckets are shared out among all parts (the
        // groups' share is left smaller). Parts touch disjoint data.
        constexpr std::size_t nb = detail::contact_buckets::count;
        threads = std::max(1u, threads);
        auto bucket_from = [&](unsigned t) {
            return t == 0 ? 0 : nb * (2 * t - 1) / (2 * threads);
        };
        parallel(threads, [&](unsigned t) {
            if (t == 0) {
                if (consume)
                    groups_.merge_and_free(consume->groups_, gmap);
                else
                    groups_.merge(o.groups_, gmap);
                // Logged samples are not copied into groups: their batches join this log.
                for (std::size_t b = 0; b < o.log_.batches().size(); ++b) {
                    auto& mine = log_.batches().emplace_back(
                        consume ? std::move(consume->log_.batches()[b]) : o.log_.batches()[b]);
                    for (auto& r : mine.runs) r.group = gmap[r.group];
                }
                if (consume) consume->log_.clear_and_free();
                km_.append_mapped(o.km_, [&](std::uint32_t g) { return gmap[g]; });
                if (consume) consume->km_.clear_and_free();
                merge_timeline(o, consume, gmap);
            }
            for (std::size_t b = bucket_from(t); b < (t + 1 == threads ? nb : bucket_from(t + 1));
                 ++b) {
                contacts_.bucket(b).append_mapped(
                    o.contacts_.bucket(b), [&](std::uint32_t c) { return remap[category_dim][c]; },
                    [&](std::uint32_t g) { return gmap[g]; });
                if (consume) consume->contacts_.bucket(b).clear_and_free();
            }
        });
        for (std::size_t i = 0; i < attributed_.size(); ++i)
            attributed_[i].merge_from(o.attributed_[i],
                                      consume ? &consume->attributed_[i] : nullptr, threads);
        return *this;
    }

public:
    /// Same configuration and the same groups with equal states, and the same contact ledger
    /// (as sets: neither depends on the order rows arrived in).
    bool operator==(const report_state& o) const {
        if (by_ != o.by_ || cfg_.to_json() != o.cfg_.to_json()) return false;
        return canonical_json() == o.canonical_json();
    }

    /// Finalizes into report rows: FCR settled, overall row first, groups sorted by key
    /// (dimension labels byte-wise, time buckets in time order, missing last). Consumes the
    /// samples' order, not their values; the state stays usable.
    std::vector<report_group> finalize(unsigned threads = 1) {
        std::vector<report_group> all;
        finalize_chunks(threads, SIZE_MAX, [&](std::vector<report_group>&& part) {
            if (all.empty())
                all = std::move(part);
            else
                for (auto& g : part) all.push_back(std::move(g));
        });
        return all;
    }

    /// finalize() handing the rows to `sink(std::vector<report_group>&&)` in chunks of `chunk`
    /// groups (the overall row first, in the first chunk), so a writer can stream a report of
    /// any number of groups without holding every row.
    template <class Sink>
    void finalize_chunks(unsigned threads, std::size_t chunk, Sink&& sink) {
        threads = std::max(1u, threads);
        chunk = std::max<std::size_t>(chunk, 1);
        settle();
        flush_log(threads);
        const auto attributed = attach_attributed(threads);  // before groups are counted below
        settle_contacts(threads);
        km_.sort(groups_.size());
        const micros as_of = km_as_of().value_or(0);
        std::vector<double> empty;  // an attributed family's columns where it has no rows
        if (!attributed_.empty()) {
            group_state none;
            empty = compute_metrics(none, z_);
        }
        std::vector<std::uint32_t> order;
        if (!by_.empty()) order = report_order();
        report_group overall = overall_row(threads, as_of);
        std::atomic<std::size_t> next{0};
        for (std::size_t begin = 0;; begin += chunk) {
            const std::size_t end =
                order.size() - begin <= chunk ? order.size() : begin + chunk;  // begin <= size
            std::vector<report_group> out;
            if (begin == 0) out.push_back(std::move(overall));
            const std::size_t base = out.size();
            out.resize(base + (end - begin));
            next = begin;
            parallel(end - begin > 256 ? threads : 1u, [&](unsigned) {
                for (std::size_t k; (k = next++) < end;) {
                    // The samples are lent to the metrics (quantiles reorder them); the FCR the
                    // ledger settled goes to the metrics only, not to the state's counts.
                    group_state s = groups_.take(order[k]);
                    add_fcr(s, fcr_group_[order[k]]);
                    const km_inputs km = km_of(order[k], as_of);
                    out[base + k - begin] = {
                        labels(ids_[order[k]]), compute_metrics(s, z_, &km), {}};
                    std::uint64_t fewest = s.interactions;
                    for (std::size_t i = 0; i < attributed_.size(); ++i)
                        fewest = std::min(fewest, lend_family(i, attributed[i][order[k]], empty,
                                                              out[base + k - begin].metrics));
                    if (timeline_on_) {
                        timeline::timeline_state none;
                        out[base + k - begin].extra = timeline_columns(
                            order[k] < timeline_.size() ? timeline_[order[k]] : none, as_of);
                    }
                    if (fewest < static_cast<std::uint64_t>(cfg_.privacy_min_group_size))
                        out[base + k - begin].suppress();
                    groups_.give_back(order[k], std::move(s));
                }
            });
            sink(std::move(out));
            if (end >= order.size()) break;
        }
    }

    /// JSON envelope {"type": "cskpi.report_state", "version": 1, "config", "by",
    /// "dictionaries", "groups": [{"key", "state"}], "contacts"}.
    json to_json() const { return canonical_json(false); }
    /// Reads a state written by to_json or to_binary's document. Throws std::invalid_argument on
    /// anything malformed.
    static report_state from_json(const json& j);
    /// The compact form that pickling and Dask move between processes: CBOR (RFC 8949) of the
    /// to_json document with its large arrays (duration samples, the FCR contact ledger) as
    /// byte strings of little-endian integers, in storage order rather than canonical order.
    /// The ledger is written straight into the output, never copied into a document first:
    /// writing a state costs about its own size once more.
    std::vector<std::uint8_t> to_binary() const;
    /// Large byte strings (the ledger's and samples' columns) are read where they are in
    /// `data`, not copied into the document first.
    static report_state from_binary(const std::uint8_t* data, std::size_t size) {
        const detail::borrow_scope in(data, size);
        return from_json(detail::cbor_document<json>(
            data, size, max_binary_depth, "cskpi.report_state: not a binary state", borrow_at));
    }
    /// Byte strings this long or longer are borrowed from the input by from_binary.
    static constexpr std::size_t borrow_at = 4096;
    /// Nesting a binary state may have (a state document nests about a dozen levels).
    static constexpr std::size_t max_binary_depth = 64;

private:
    static report_state read_json(const json& j, metric_family family);
    static void read_attributed(const json& j, report_state& s);
    json contacts_canonical(const std::vector<std::uint32_t>& rank) const;
    json timeline_json(std::uint32_t g) const;
    json groups_binary(const std::vector<std::uint32_t>& order,
                       const std::vector<group_state>* complete) const;
    static void read_groups_binary(const json& j, report_state& s,
                                   std::vector<std::uint32_t>& gidx);
    json contacts_binary(const std::vector<std::uint32_t>& rank) const;
    void write_contacts_binary(std::vector<std::uint8_t>& out,
                               const std::vector<std::uint32_t>& rank) const;
    void fill_contact_column(std::size_t col, const std::vector<std::uint32_t>& rank,
                             std::uint8_t* out) const;
    json category_names() const;
    static void read_contacts_binary(const json& c, report_state& s,
                                     const std::vector<std::uint32_t>& gidx);

public:
    /// Labels of a group's keys (nullopt = missing value).
    std::vector<std::optional<std::string>> labels(const group_id& id) const {
        std::vector<std::optional<std::string>> l;
        for (std::uint8_t i = 0; i < id.n; ++i) {
            if (id.k[i] == missing_key)
                l.emplace_back(std::nullopt);
            else if (is_time_key(by_[i]))
                l.emplace_back(time_label(by_[i], id.k[i]));
            else
                l.emplace_back(
                    std::string(dict_[dim_of(by_[i])].value(static_cast<std::uint32_t>(id.k[i]))));
        }
        return l;
    }

    /// Every label seen of a dimension (0 agent, 1 team, 2 channel, 3 category, 4 priority),
    /// sorted: dictionary codes follow which thread saw a label first.
    std::vector<std::string> seen_labels(std::size_t dim) const {
        std::vector<std::string> out;
        for (std::uint32_t c = 0; c < dict_[dim].size(); ++c) out.emplace_back(dict_[dim].value(c));
        std::sort(out.begin(), out.end());
        return out;
    }

private:
    static constexpr std::size_t dims = 5, category_dim = 3;
    static std::size_t dim_of(group_key k) {
        return static_cast<std::size_t>(k);
    }  // agent..priority = 0..4

    /// The overall row: every group pooled, or, when rows repeat for several participants
    /// (events.agent = "all"), the row of the state that counts each interaction once.
    report_group overall_row(unsigned threads, micros as_of) {
        if (!once_.empty()) return std::move(once_[0].finalize(threads).front());
        report_group overall;
        overall.metrics = overall_counts();
        if (timeline_on_) overall.extra = overall_timeline_columns(as_of);
        // Two rounds of independent tasks, taken in turn by the threads: first the overall row's
        // three durations, which read every group's samples, then the groups, whose quantiles
        // reorder their samples. The rounds must not overlap: a selection moving values while
        // they are counted would change the overall quantiles from run to run.
        // The Kaplan-Meier columns (first response, resolution) are two more tasks of the round:
        // they copy the samples they sort.
        constexpr std::size_t tasks = overall_durations + 2;
        std::array<std::vector<std::pair<std::size_t, double>>, tasks> durations;
        std::atomic<std::size_t> next{0};
        parallel(std::min<unsigned>(threads, tasks), [&](unsigned) {
            for (std::size_t i; (i = next++) < tasks;)
                durations[i] = i < overall_durations
                                   ? overall_duration(i)
                                   : overall_survival(i == overall_durations ? 0 : 2, as_of);
        });
        for (const auto& d : durations)
            for (const auto& [i, v] : d) overall.metrics[i] = v;
        return overall;
    }

    // o's dictionary codes in this state's dictionaries (labels it lacks are added), and o's
    // groups found here by key (a key it lacks gets a new, empty group).
    std::pair<std::array<std::vector<std::uint32_t>, dims>, std::vector<std::uint32_t>>
    adopt_groups(const report_state& o) {
        std::array<std::vector<std::uint32_t>, dims> code;
        for (std::size_t d = 0; d < dims; ++d)
            for (std::uint32_t c = 0; c < o.dict_[d].size(); ++c)
                code[d].push_back(dict_[d].code(o.dict_[d].value(c)));
        std::vector<std::uint32_t> group(o.groups_.size());
        for (std::size_t g = 0; g < o.groups_.size(); ++g) {
            group_id id = o.ids_[g];
            for (std::uint8_t i = 0; i < id.n; ++i)
                if (!is_time_key(by_[i]) && id.k[i] != missing_key)
                    id.k[i] = code[dim_of(by_[i])][static_cast<std::size_t>(id.k[i])];
            group[g] = group_of(id);
        }
        return {std::move(code), std::move(group)};
    }

    static constexpr std::uint32_t no_group = UINT32_MAX;
    // Finalize, attribute_by: each attributed state's groups found (or added, empty) among this
    // state's by their keys; per attributed state, this state's group -> its group or no_group.
    std::vector<std::vector<std::uint32_t>> attach_attributed(unsigned threads) {
        std::vector<std::vector<std::uint32_t>> of(attributed_.size());
        for (std::size_t i = 0; i < attributed_.size(); ++i) {
            report_state& a = attributed_[i];
            a.flush_log(threads);
            const std::vector<std::uint32_t> mine = adopt_groups(a).second;
            of[i].assign(groups_.size(), no_group);
            for (std::uint32_t g = 0; g < mine.size(); ++g) of[i][mine[g]] = g;
        }
        for (auto& m : of) m.resize(groups_.size(), no_group);  // groups a later family added
        return of;
    }
    // Writes attributed state i's family columns of its group g (or `empty`'s) into `metrics`;
    // returns that group's interactions.
    std::uint64_t lend_family(std::size_t i, std::uint32_t g, const std::vector<double>& empty,
                              std::vector<double>& metrics) {
        report_state& a = attributed_[i];
        std::vector<double> own;
        if (g != no_group) {
            group_state s = a.groups_.take(g);
            own = compute_metrics(s, z_);
            a.groups_.give_back(g, std::move(s));
        }
        const std::vector<double>& from = g == no_group ? empty : own;
        const auto& fam = catalogue_families();
        for (std::size_t c = 0; c < fam.size(); ++c)
            if (fam[c] == a.family_) metrics[c] = from[c];
        return g == no_group ? 0 : a.groups_.interactions(g);
    }

    void merge_timeline(const report_state& o, report_state* consume,
                        const std::vector<std::uint32_t>& gmap) {
        timeline_on_ = timeline_on_ || o.timeline_on_;
        if (!o.timeline_.empty() && timeline_.size() < groups_.size())
            timeline_.resize(groups_.size());
        for (std::size_t g = 0; g < o.timeline_.size(); ++g) {
            timeline_[gmap[g]].merge(o.timeline_[g]);
            if (consume) consume->timeline_[g] = {};
        }
        if (o.once_.empty()) return;
        if (once_.empty())
            once_.push_back(o.once_[0]);
        else
            once_[0].merge(o.once_[0]);
    }

    /// The timeline columns of one group's statistics at `as_of` (report_group::extra).
    std::vector<std::pair<std::string, double>> timeline_columns(timeline::timeline_state& s,
                                                                 micros as_of) const {
        const std::vector<double> v = timeline::timeline_values(s.figures(as_of), z_, min_rounds_);
        std::vector<std::pair<std::string, double>> out;
        out.reserve(v.size());
        for (std::size_t i = 0; i < v.size(); ++i)
            out.emplace_back(timeline::timeline_metrics()[i], v[i]);
        return out;
    }
    /// The overall row's timeline columns: every group's statistics pooled.
    std::vector<std::pair<std::string, double>> overall_timeline_columns(micros as_of) const {
        timeline::timeline_state all;
        for (const auto& t : timeline_) all.merge(t);
        return timeline_columns(all, as_of);
    }

    // What the ledger settles per group: FCR, and bot containment not followed by a contact.
    struct fcr_counts {
        std::uint64_t num = 0, den = 0, verified = 0;
        fcr_counts& operator+=(const fcr_counts& o) {
            num += o.num;
            den += o.den;
            verified += o.verified;
            return *this;
        }
    };
    static void add_fcr(group_state& s, const fcr_counts& f) {
        s.fcr_num += f.num;
        s.fcr_den += f.den;
        s.bot_verified += f.verified;
    }

    // The group number of `id`; a new id gets a new, empty group.
    std::uint32_t group_of(const group_id& id) {
        const auto [g, added] = index_.find_or_add(id, ids_, detail::contact::group_mask);
        if (added) {
            groups_.add_group();
            ids_.push_back(id);
        }
        return g;
    }

    micros target_for(std::uint32_t channel, std::uint32_t priority) {
        if (priority != detail::no_code) {
            if (priority >= prio_target_.size())
                prio_target_.resize(dict_[4].size(), unknown_target);
            micros& t = prio_target_[priority];
            if (t == unknown_target) {
                auto it = cfg_.sla_by_priority_first_response_s.find(
                    std::string(dict_[4].value(priority)));
                t = it == cfg_.sla_by_priority_first_response_s.end() ? missing_us
                                                                      : seconds_to_us(it->second);
            }
            if (t != missing_us) return t;
        }
        if (channel >= chan_target_.size()) chan_target_.resize(dict_[2].size(), unknown_target);
        micros& t = chan_target_[channel];
        if (t == unknown_target) {
            auto it = cfg_.sla_first_response_s.find(std::string(dict_[2].value(channel)));
            t = it == cfg_.sla_first_response_s.end() ? missing_us : seconds_to_us(it->second);
        }
        return t;
    }

    // The answer-time target of the service level metrics: staffing.within_s, or the channel's.
    micros within_for(std::uint32_t channel) {
        if (cfg_.staffing.channels.empty()) return within_;
        if (channel >= chan_within_.size()) chan_within_.resize(dict_[2].size(), unknown_target);
        micros& t = chan_within_[channel];
        if (t == unknown_target)
            t = seconds_to_us(cfg_.staffing.for_channel(dict_[2].value(channel)).within_s);
        return t;
    }

    // The group of row r and its facts; records the row in the first-contact ledger.
    std::pair<std::uint32_t, row_facts> facts_of(const interaction_batch& b, std::size_t r) {
        const std::uint16_t fl = b.flags[r];
        const std::uint32_t agent = dict_[0].code(b.agent[r]);
        const std::uint32_t team = needs_team_ ? dict_[1].code(b.team[r]) : detail::no_code;
        const std::uint32_t channel = dict_[2].code(b.channel[r]);
        const std::uint32_t category = dict_[3].code(b.category[r]);
        const std::uint32_t priority = dict_[4].code(b.priority[r]);
        const std::array<std::uint32_t, 5> codes = {agent, team, channel, category, priority};

        group_id id;
        id.n = static_cast<std::uint8_t>(by_.size());
        const micros local = uses_time_ ? tz_.to_local(bucket_instant(b, r)) : 0;
        for (std::size_t i = 0; i < by_.size(); ++i) {
            const group_key k = by_[i];
            if (is_time_key(k)) {
                id.k[i] = time_bucket(k, local);
            } else {
                const std::uint32_t c = codes[dim_of(k)];
                id.k[i] = c == detail::no_code ? missing_key : c;
            }
        }
        const std::uint32_t g = group_of(id);

        row_facts f;
        const bool answered = b.frt[r] != missing_us;
        const bool abandoned = fl & f_abandoned, resolved = fl & f_resolved;
        auto set = [&](bool cond, std::uint32_t bit) {
            if (cond) f.bits |= bit;
        };
        set(answered, row_facts::answered);
        set(abandoned, row_facts::abandoned);
        set(resolved, row_facts::resolved);
        set(fl & f_transferred, row_facts::transferred);
        const bool bot = fl & f_bot;
        set(bot, row_facts::bot);
        set(bot && agent == detail::no_code, row_facts::bot_only);
        set(bot && agent != detail::no_code, row_facts::bot_escalated);
        set(fl & f_complaint, row_facts::complaint_flag);
        set(fl & f_dispute, row_facts::dispute);
        set(fl & f_refund, row_facts::refund);
        set(b.reopened[r] > 0, row_facts::reopened);
        const micros target = target_for(channel, priority);
        if (target != missing_us) {
            if (!abandoned) {
                set(true, row_facts::sla_counted);
                set(answered && b.frt[r] <= target, row_facts::sla_met);
            } else if (cfg_.sla_abandoned == abandoned_rule::breach) {
                set(true, row_facts::sla_counted);
            }
        }
        const bool complaint_row =
            (fl & f_complaint) || detail::same_text(b.category[r], cfg_.complaint_category);
        if (complaint_row) {
            set(true, row_facts::complaint_row);
            set(answered && b.frt[r] <= respond_, row_facts::complaint_responded);
            set(resolved && b.resolution[r] != missing_us && b.resolution[r] <= resolve_,
                row_facts::complaint_resolved);
        }
        if (detail::same_text(b.category[r], cfg_.presale_category)) {
            set(true, row_facts::presale);
            if (fl & f_converted) {
                set(true, row_facts::presale_converted);
                f.order_value = b.order_value[r] == missing_us ? 0 : b.order_value[r];
            }
        }
        set(answered && b.frt[r] <= within_for(channel), row_facts::answered_within);
        set(fl & f_short_abandoned, row_facts::short_abandoned);
        set(fl & f_survey_known, row_facts::survey_known);
        set(fl & f_survey_sent, row_facts::survey_sent);
        set(b.replies[r] != missing_int, row_facts::replies_known);
        set(b.replies[r] != missing_int && b.replies[r] <= 1, row_facts::one_touch);
        const bool eligible = resolved && b.reopened[r] == 0 && !abandoned;
        const bool contained = bot && agent == detail::no_code && resolved;
        if (b.customer[r].empty()) {
            const bool first = b.contacts[r] == missing_int || b.contacts[r] == 1;
            set(first, row_facts::fcr_first);
            set(first && eligible, row_facts::fcr);
            set(contained,
                row_facts::bot_contained_verified);     // no customer: nothing to verify against
        } else if (family_ == metric_family::volume) {  // FCR is read from this state only
            using C = detail::contact;
            const std::uint64_t key =
                b.customer_key.empty() ? customer_key_(b.customer[r]) : b.customer_key[r];
            contacts_.push_back(
                {key, b.created_at[r], cfg_.fcr_same_category ? category : detail::no_code,
                 g | (contained ? C::contained_bit : 0u) | (eligible ? C::eligible_bit : 0u) |
                     (abandoned ? C::abandoned_bit : 0u),
                 detail::id_order(b.id[r])});
        }
        if (family_ == metric_family::volume) km_facts(b, r, g, abandoned, resolved, f);
        f.frt = b.frt[r];
        f.handle = b.handle[r];
        f.resolution = b.resolution[r];
        f.csat = b.csat[r];
        f.nps = b.nps[r];
        f.ces = b.ces[r];
        return {g, f};
    }

    // The instant that puts row r into its time bucket: this state's attribute_by instant, or
    // created_at when the row has none.
    micros bucket_instant(const interaction_batch& b, std::size_t r) const {
        const micros c = b.created_at[r];
        switch (instant_) {
            case instant_kind::created:
                return c;
            case instant_kind::first_response:
                return b.frt[r] == missing_us ? c : c + b.frt[r];
            case instant_kind::resolved:
                return (b.flags[r] & f_resolved) && b.resolution[r] != missing_us
                           ? c + b.resolution[r]
                           : c;
            case instant_kind::rated:
                return b.rated[r] == missing_us ? c : c + b.rated[r];
        }
        return c;
    }

    // Section 14: whether the row is censored for FRT and resolution at as_of, or its sampled
    // durations are not Kaplan-Meier events; the instants go to the censoring ledger.
    void km_facts(const interaction_batch& b, std::size_t r, std::uint32_t g, bool abandoned,
                  bool resolved, row_facts& f) {
        using L = detail::censoring_ledger;
        const micros created = b.created_at[r], frt = b.frt[r], res = b.resolution[r];
        for (micros d : {created, frt == missing_us ? missing_us : created + frt,
                         res == missing_us ? missing_us : created + res})
            if (d != missing_us) latest_instant_ = std::max(latest_instant_, d);
        const bool left_out = abandoned || (as_of_ && created > *as_of_);
        auto drop = [&](micros v, std::uint32_t bit, L::kind k) {
            f.bits |= bit;
            km_.push_back(g, k, v);
        };
        auto censor = [&](std::uint32_t bit, L::kind k) {
            f.bits |= bit;
            km_.push_back(g, k, created);
        };
        // First response: an event when it came by as_of, else censored.
        if (frt != missing_us && (left_out || (as_of_ && created + frt > *as_of_)))
            drop(frt, row_facts::frt_km_dropped, L::frt_drop);
        if (!left_out && (frt == missing_us || (as_of_ && created + frt > *as_of_)))
            censor(row_facts::frt_censored, L::frt_open);
        // Resolution: an event when resolved with a time by as_of; resolved without a time is
        // neither.
        const bool res_event =
            resolved && res != missing_us && !left_out && !(as_of_ && created + res > *as_of_);
        if (res != missing_us && !res_event)
            drop(res, row_facts::resolution_km_dropped, L::resolution_drop);
        if (!left_out && (!resolved || (res != missing_us && as_of_ && created + res > *as_of_)))
            censor(row_facts::resolution_censored, L::resolution_open);
    }

    // A group's Kaplan-Meier inputs from the (sorted) censoring ledger.
    km_inputs km_of(std::uint32_t g, micros as_of) const {
        using L = detail::censoring_ledger;
        km_inputs k;
        k.as_of = as_of;
        if (km_.size() == 0) return k;
        k.open_created = {km_.of(g, L::frt_open), km_.of(g, L::resolution_open)};
        k.dropped = {km_.of(g, L::frt_drop), km_.of(g, L::resolution_drop)};
        return k;
    }

    // The overall row's Kaplan-Meier columns, over every group's samples and ledger entries.
    // As (catalogue index, value), for the survival entry of sample `which`.
    std::vector<std::pair<std::size_t, double>> overall_survival(std::size_t which,
                                                                 micros as_of) const {
        std::vector<std::pair<std::size_t, double>> out;
        for (const auto& d : metric_table()) {
            if (d.kind != metric_kind::survival || d.sample != which) continue;
            auto [all, k] = overall_km(d.sample, as_of);
            std::vector<double> v;
            detail::put_survival(d, all, &k, true, z_, v);
            for (std::size_t j = 0; j < v.size(); ++j)
                out.emplace_back(metric_index(std::string(d.name) + survival_suffixes[j]), v[j]);
        }
        return out;
    }
    // Every group's sample `which` and the ledger's entries for it, with as_of.
    std::pair<detail::duration_samples, km_inputs> overall_km(std::size_t which,
                                                              micros as_of) const {
        using L = detail::censoring_ledger;
        km_inputs k;
        k.as_of = as_of;
        const std::size_t m = which == 0 ? 0 : 1;  // only this measure's entries
        k.open_created[m] = km_.all(m == 0 ? L::frt_open : L::resolution_open);
        k.dropped[m] = km_.all(m == 0 ? L::frt_drop : L::resolution_drop);
        return {pooled_samples(which), std::move(k)};
    }

public:
    /// The Kaplan-Meier curve of all rows (the overall row's), in seconds: `which` 0 = first
    /// response, 2 = resolution.
    survival::curve overall_curve(std::size_t which) {
        if (which != 0 && which != 2)
            throw std::invalid_argument(
                "overall_curve: expected 0 (first response) or 2 (resolution)");
        settle();
        flush_log(1);
        auto [all, k] = overall_km(which, km_as_of().value_or(0));
        const auto [events, censored] = detail::km_times(all, &k, which == 0 ? 0 : 1);
        survival::curve c = survival::kaplan_meier_counted(events, censored);
        for (double& t : c.time) t /= 1e6;
        return c;
    }

private:
    static constexpr std::size_t log_min_rows = 1024;
    // A batch whose groups average fewer rows than this skips the log (update_in_group_order).
    static constexpr std::size_t short_runs = 4;
    // The durations of a row and the group arrays they go to, in sample_log's kind order.
    static constexpr const auto& fact_field = detail::group_table::fact_field;
    static constexpr const auto& sample_field = duration_samples_of;  // the metric table's order
    static_assert(duration_samples_of.size() == detail::sample_log::kinds);

    // In sketch mode, bins a group's exact samples (those added since the last flush).
    void sketch_samples(group_state& g) const {
        if (!cfg_.quantile_sketch) return;
        for (const auto f : sample_field) (g.*f).to_sketch(cfg_.quantile_relative_error);
    }
    // In sketch mode, bins group g's exact samples.
    void sketch_group(std::uint32_t g) {
        if (!cfg_.quantile_sketch) return;
        for (std::size_t k = 0; k < detail::group_table::kinds; ++k)
            if (groups_.has_samples(k))
                groups_.samples_of(k)[g].to_sketch(cfg_.quantile_relative_error);
    }
    // Moves the logged samples into their groups' arrays, then bins them in sketch mode.
    void flush_log(unsigned threads) {
        move_log(threads);
        if (cfg_.quantile_sketch)
            parallel(threads, [&](unsigned t) {
                for (std::size_t g = t; g < groups_.size(); g += threads)
                    sketch_group(static_cast<std::uint32_t>(g));
            });
    }
    // Moves the logged samples into their groups' arrays, each grown once to its exact size.
    // Every thread reads the whole log and appends the runs of its own groups.
    void move_log(unsigned threads) {
        if (log_.empty()) return;
        struct room {
            std::size_t n = 0;
            bool wide = false;
        };
        std::vector<std::array<room, detail::sample_log::kinds>> to(groups_.size());
        // A group switches to microseconds only for a value of its own that is not whole
        // seconds (as with push_back), not because its batch held one of another group.
        log_.for_each_run([&](std::uint32_t g, std::size_t kind, const detail::duration_samples& v,
                              std::size_t n, std::size_t first) {
            to[g][kind].n += n;
            if (v.wide() && !to[g][kind].wide)
                v.visit([&](const auto& x, micros) {
                    to[g][kind].wide = std::any_of(
                        x.begin() + static_cast<std::ptrdiff_t>(first),
                        x.begin() + static_cast<std::ptrdiff_t>(first + n), [](auto y) {
                            return !detail::whole_seconds_codec::fits(static_cast<micros>(y));
                        });
                });
        });
        // Allocates each kind's array here, before the threads append to it.
        for (std::uint32_t g = 0; g < groups_.size(); ++g)
            for (std::size_t i = 0; i < detail::sample_log::kinds; ++i)
                if (to[g][i].n) groups_.samples(i, g).reserve_more(to[g][i].n, to[g][i].wide);
        parallel(threads, [&](unsigned t) {
            log_.for_each_run([&](std::uint32_t g, std::size_t kind,
                                  const detail::duration_samples& v, std::size_t n,
                                  std::size_t first) {
                if (g % threads == t)
                    v.visit([&](const auto& x, micros) {
                        groups_.samples_of(kind)[g].append(x.data() + first, n);
                    });
            });
        });
        log_.clear_and_free();
    }

    /// Decides first contact and FCR for every ledger row. Per customer, rows are split by
    /// category; a row without a category matches every category of its customer (spec: "same
    /// category, when both have one"). Rows at the same instant are ordered by id (spec section
    /// 3), compared on the ids' first 8 bytes; ids equal there fall in neither window.
    void settle_contacts(unsigned threads) {
        // Settled already (project_for_report) and the ledger and groups unchanged since: the
        // ledger only grows, and a group added since would be missing from fcr_group_.
        if (settled_contacts_ == contacts_.size() && fcr_group_.size() == groups_.size()) return;
        settled_contacts_ = contacts_.size();
        fcr_group_.assign(groups_.size(), {});
        fcr_total_ = {};
        // Customers are independent and each sits in one bucket of the ledger: every thread
        // sorts and settles its share of the buckets, then the counts are added.
        std::vector<std::vector<fcr_counts>> per(threads, std::vector<fcr_counts>(groups_.size()));
        constexpr std::size_t nb = detail::contact_buckets::count;
        parallel(threads, [&](unsigned t) {
            // The ledger stays as it is: each bucket is sorted into this thread's scratch array.
            std::tuple<std::vector<detail::compact_contact>, std::vector<detail::contact>> scratch;
            for (std::size_t b = nb * t / threads; b < nb * (t + 1) / threads; ++b)
                contacts_.bucket(b).visit([&](const auto& c) {
                    using Record = typename std::decay_t<decltype(c)>::value_type;
                    auto& sorted = std::get<std::vector<Record>>(scratch);
                    sorted.resize(c.size());
                    // The bucket's records share the key's top byte.
                    detail::sort_contacts(c.data(), c.data() + c.size(), sorted.data(),
                                          detail::contact_buckets::bucket_bits);
                    settle_bucket(sorted, per[t]);
                });
        });
        for (const auto& p : per)
            for (std::size_t g = 0; g < p.size(); ++g) {
                fcr_group_[g] += p[g];
                fcr_total_ += p[g];
            }
    }

    // Counts FCR per group over one ledger bucket sorted by customer, category (missing last),
    // time.
    template <class Record>
    void settle_bucket(const std::vector<Record>& c, std::vector<fcr_counts>& counts) const {
        const std::size_t to = c.size();
        std::vector<std::pair<std::size_t, std::size_t>> ranges;  // per category of one customer
        for (std::size_t i = 0; i < to;) {
            std::size_t j = i;
            while (j < to && c[j].key() == c[i].key()) ++j;
            ranges.clear();
            for (std::size_t k = i; k < j;) {
                std::size_t e = k;
                while (e < j && c[e].cat() == c[k].cat()) ++e;
                ranges.emplace_back(k, e);
                k = e;
            }
            const bool has_missing = c[j - 1].cat() == detail::no_code;
            for (std::size_t ri = 0; ri < ranges.size(); ++ri) {
                for (std::size_t k = ranges[ri].first; k < ranges[ri].second; ++k) {
                    const micros t = c[k].time();
                    const std::pair<micros, std::uint64_t> at{t, c[k].id_key()};
                    bool before = false, after = false;
                    // A range is sorted by (time, id): the nearest rows strictly before and
                    // after (t, id) decide both windows.
                    auto probe = [&](std::size_t lo, std::size_t hi) {
                        auto first = c.begin() + static_cast<std::ptrdiff_t>(lo);
                        auto last = c.begin() + static_cast<std::ptrdiff_t>(hi);
                        auto lb =
                            std::lower_bound(first, last, at, [](const Record& x, const auto& v) {
                                return std::pair{x.time(), x.id_key()} < v;
                            });
                        if (lb != first && std::prev(lb)->time() >= t - window_) before = true;
                        auto ub =
                            std::upper_bound(first, last, at, [](const auto& v, const Record& x) {
                                return v < std::pair{x.time(), x.id_key()};
                            });
                        if (ub != last && ub->time() <= t + window_) after = true;
                    };
                    if (c[k].cat() == detail::no_code) {
                        for (const auto& rg : ranges) probe(rg.first, rg.second);
                    } else {
                        probe(ranges[ri].first, ranges[ri].second);
                        if (has_missing) probe(ranges.back().first, ranges.back().second);
                    }
                    const bool first_contact = !before;
                    const bool abandoned = c[k].abandoned();
                    const bool fcr = first_contact && c[k].eligible() && !after;
                    auto& fg = counts[c[k].group()];
                    fg.den += first_contact && !abandoned;
                    fg.num += fcr;
                    fg.verified += c[k].contained() && !after;
                }
            }
            i = j;
        }
    }

    /// Runs f(0..n-1) on n threads (the calling thread takes part 0).
    template <class F>
    static void parallel(unsigned n, F&& f) {
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < n; ++t) pool.emplace_back([&f, t] { f(t); });
        f(0);
        for (auto& th : pool) th.join();
    }

    // Each dimension's codes ranked in label order, so sorting groups compares integers.
    using label_ranks = std::array<std::vector<std::uint32_t>, dims>;
    label_ranks ranks_of_labels() const {  // of the dimensions the report groups by
        label_ranks ranks;
        for (std::size_t d = 0; d < dims; ++d) {
            if (std::none_of(by_.begin(), by_.end(),
                             [&](group_key k) { return !is_time_key(k) && dim_of(k) == d; }))
                continue;
            std::vector<std::uint32_t> codes(dict_[d].size());
            for (std::uint32_t c = 0; c < codes.size(); ++c) codes[c] = c;
            std::sort(codes.begin(), codes.end(), [&](std::uint32_t a, std::uint32_t b) {
                return dict_[d].value(a) < dict_[d].value(b);
            });
            ranks[d].resize(codes.size());
            for (std::uint32_t r = 0; r < codes.size(); ++r) ranks[d][codes[r]] = r;
        }
        return ranks;
    }
    // Groups in report order: by each key's label (time keys by bucket), missing values last.
    bool key_less(const std::int64_t* a, const std::int64_t* b, const label_ranks& ranks) const {
        for (std::size_t i = 0; i < by_.size(); ++i) {
            if (a[i] == b[i]) continue;
            if (a[i] == missing_key) return false;
            if (b[i] == missing_key) return true;
            if (is_time_key(by_[i])) return a[i] < b[i];
            const auto& r = ranks[dim_of(by_[i])];
            return r[static_cast<std::size_t>(a[i])] < r[static_cast<std::size_t>(b[i])];
        }
        return false;
    }
    // Every group's number, in report order.
    std::vector<std::uint32_t> report_order() const {
        std::vector<std::uint32_t> order(groups_.size());
        for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
        const label_ranks ranks = ranks_of_labels();
        std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
            return key_less(ids_.data(a), ids_.data(b), ranks);
        });
        return order;
    }

    json canonical_json(bool binary = false, bool with_contacts = true) const;

    // The overall row's counts (summed over groups) and FCR; its durations come from
    // overall_duration, one kind at a time, so the peak is one extra sample array per thread.
    std::vector<double> overall_counts() const {
        group_state all = groups_.total_counts();
        add_fcr(all, fcr_total_);
        return compute_metrics(all, z_);  // durations are NaN here: no samples
    }
    static constexpr std::size_t overall_durations = detail::sample_log::kinds;
    // Duration metrics of the overall row as (catalogue index, value), for the metric table's
    // duration entry of sample `which` (0 = first response, 1 = handle, 2 = resolution).
    std::vector<std::pair<std::size_t, double>> overall_duration(std::size_t which) const {
        const auto& table = metric_table();
        const auto def = std::find_if(table.begin(), table.end(), [&](const metric_def& d) {
            return d.kind == metric_kind::duration && d.sample == which;
        });
        if (def == table.end()) return {};
        std::vector<double> m;  // the values of def's stats, in order
        // Whole-second samples (the usual case) are pooled by counting; otherwise every group's
        // samples are copied into one array and go through put_durations.
        std::vector<const std::vector<std::uint32_t>*> parts;
        bool narrow = true;
        for (const auto& d : groups_.samples_of(which)) {
            narrow = narrow && !d.wide() && !d.sketched();
            if (!narrow) break;
            d.visit([&](const auto& v, micros) {
                if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::vector<std::uint32_t>>)
                    parts.push_back(&v);
            });
        }
        if (narrow) {
            // put_durations' formulas on counted order statistics.
            const detail::pooled_u32 p(std::move(parts));
            const micros unit = us_per_s;
            if (p.size() == 0) {
                m.assign(def->stats.size(), stats::nan);
            } else {
                const auto qv = stats::quantiles_type7_counted(p, detail::quantile_levels(*def),
                                                               static_cast<double>(unit));
                __extension__ auto sum = [&] { return static_cast<__int128>(p.sum()); };
                detail::put_duration_stats(
                    *def, p.size(), unit, qv, sum, [&] { return p.max(); }, m);
            }
        } else {
            detail::duration_samples all = pooled_samples(which);
            detail::put_durations(*def, all, m);
        }
        std::vector<std::pair<std::size_t, double>> out;
        for (std::size_t j = 0; j < def->stats.size(); ++j)
            out.emplace_back(metric_index(std::string(def->name) + def->stats[j].suffix), m[j]);
        return out;
    }
    // Every group's sample `which` in one store (one sketch in sketch mode).
    detail::duration_samples pooled_samples(std::size_t which) const {
        detail::duration_samples all;
        if (!cfg_.quantile_sketch) {
            std::size_t n = 0;
            for (const auto& d : groups_.samples_of(which)) n += d.size();
            all.reserve(n);
        }
        for (const auto& d : groups_.samples_of(which)) all.append(d);
        return all;
    }
    static std::size_t metric_index(std::string_view name) {
        const auto& cat = metric_catalogue();
        const auto it =
            std::find_if(cat.begin(), cat.end(), [&](const auto& c) { return c.name == name; });
        if (it == cat.end())
            throw std::logic_error("overall_duration: no metric " + std::string(name));
        return static_cast<std::size_t>(it - cat.begin());
    }

    static constexpr micros unknown_target = missing_us + 1;
    config cfg_;
    std::vector<group_key> by_;
    micros latest_created_ = std::numeric_limits<micros>::min();
    micros latest_instant_ = std::numeric_limits<micros>::min();  // KM's default as_of
    std::optional<micros> as_of_;                                 // KM's as_of when fixed
    detail::censoring_ledger km_;
    time_zone tz_;
    double z_;
    double min_rounds_ = 0;  ///< events.min_rounds: round_response_rate not assessed below
    micros window_, respond_, within_, resolve_;
    detail::customer_hasher customer_key_;
    bool uses_time_ = false;
    bool needs_team_ = false;
    std::array<detail::dictionary, dims> dict_;
    detail::group_index index_;
    detail::group_table groups_;
    detail::sample_log log_;  // durations not yet moved into groups_ (see update, flush_log)
    detail::group_keys ids_;
    detail::contact_buckets contacts_;
    std::vector<std::pair<std::uint32_t, row_facts>> pending_;  // rows not yet added (hold_)
    std::size_t hold_ = 0;                                      // see hold_rows
    std::vector<std::uint32_t> start_, order_;
    std::vector<micros> chan_target_, prio_target_, chan_within_;
    std::vector<fcr_counts> fcr_group_;
    fcr_counts fcr_total_;
    std::size_t settled_contacts_ = SIZE_MAX;  // ledger records when fcr_group_ was settled
    // A projection for its report only (project_for_report): fcr_group_ was settled by the
    // state it came from, and it holds no ledger.
    bool ledgerless_ = false;
    // Event logs: timeline statistics per group (empty for a summary export's state), the feed
    // of the rows being added, and the overall row's state when rows repeat (attach_timeline).
    bool timeline_on_ = false;
    std::vector<timeline::timeline_state> timeline_;
    const timeline::timeline_feed* feed_ = nullptr;
    std::vector<report_state> once_;  // zero or one
    // attribute_by: the family this state buckets, by which instant, and (the volume family's
    // state only) the states of the other families whose instant differs, in family order.
    metric_family family_ = metric_family::volume;
    instant_kind instant_ = instant_kind::created;
    std::vector<report_state> attributed_;
};

// Canonical JSON: groups by key label order and contacts sorted by content, with strings instead
// of dictionary codes, so equal states serialize identically whatever order rows arrived in.
// `binary`: the document of to_binary (samples and contacts as byte strings, in storage order).
// `with_contacts` false: to_binary writes the top state's contacts itself; the states nested in
// it (the event log's overall state, attributed states) carry theirs in the document.
inline json report_state::canonical_json(bool binary, bool with_contacts) const {
    expect_ledger("serialize");
    expect_settled();
    json j;
    j["type"] = "cskpi.report_state";
    j["version"] = state_version;
    j["config"] = cfg_.to_json();
    json by = json::array();
    for (auto k : by_) by.push_back(std::string(name_of(k)));
    j["by"] = by;
    const std::vector<std::uint32_t> order = report_order();
    std::vector<std::uint32_t> rank(groups_.size());
    // Every group's samples complete (the log's runs joined, binned in sketch mode): a copy only
    // when something must change, so that writing a merged exact state holds no second copy of
    // its samples.
    const bool as_is = log_.empty() && !cfg_.quantile_sketch;
    std::vector<group_state> copied;
    if (!as_is) copied = groups();
    for (std::uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
    json groups = binary ? groups_binary(order, as_is ? nullptr : &copied) : json::array();
    for (std::uint32_t i = 0; i < order.size() && !binary; ++i) {
        const group_id id = ids_[order[i]];
        json key = json::array();
        for (std::uint8_t k = 0; k < id.n; ++k) {
            if (id.k[k] == missing_key)
                key.push_back(nullptr);
            else if (is_time_key(by_[k]))
                key.push_back(id.k[k]);
            else
                key.push_back(
                    std::string(dict_[dim_of(by_[k])].value(static_cast<std::uint32_t>(id.k[k]))));
        }
        nlohmann::json st = as_is ? groups_.state(order[i]) : copied[order[i]];
        groups.push_back({{"key", key}, {"state", json::parse(st.dump())}});
        if (timeline_on_) groups.back()["timeline"] = timeline_json(order[i]);
    }
    j["groups"] = groups;
    if (with_contacts) j["contacts"] = binary ? contacts_binary(rank) : contacts_canonical(rank);
    // Kaplan-Meier: [group rank, kind, value] sorted (in the binary form, columns in storage
    // order: about one row in ten has an entry); the instants that set as_of.
    if (binary) {
        const auto& es = km_.entries();
        std::vector<std::uint32_t> g(es.size());
        std::vector<std::uint8_t> w(es.size());
        std::vector<micros> v(es.size());
        for (std::size_t i = 0; i < es.size(); ++i) {
            g[i] = rank[es[i].group];
            w[i] = static_cast<std::uint8_t>(es[i].what);
            v[i] = es[i].value;
        }
        j["censoring"] = {{"group", detail::bytes_of<json>(g)},
                          {"kind", detail::bytes_of<json>(w)},
                          {"value", detail::bytes_of<json>(v)}};
    } else {
        std::vector<std::tuple<std::uint32_t, int, micros>> ks;
        for (const auto& e : km_.entries())
            ks.emplace_back(rank[e.group], static_cast<int>(e.what), e.value);
        std::sort(ks.begin(), ks.end());
        json censoring = json::array();
        for (const auto& [g, w, v] : ks) censoring.push_back({g, w, v});
        j["censoring"] = censoring;
    }
    j["latest_instant"] = latest_instant_ == std::numeric_limits<micros>::min()
                              ? json(nullptr)
                              : json(latest_instant_);
    j["as_of"] = as_of_ ? json(*as_of_) : json(nullptr);
    if (timeline_on_) {  // an event log's state: its groups carry "timeline"
        j["timeline"] = true;
        if (!once_.empty()) j["once"] = once_[0].canonical_json(binary);
    }
    if (!attributed_.empty()) {
        json a = json::array();
        for (const auto& s : attributed_)
            a.push_back({{"family", std::string(attribution::name_of(s.family_))},
                         {"state", s.canonical_json(binary)}});
        j["attributed"] = a;
    }
    return j;
}

inline report_state report_state::from_json(const json& j) {
    try {
        return read_json(j, metric_family::volume);
    } catch (const json::exception& e) {
        // A document built in memory or decoded from CBOR may hold strings that are not UTF-8:
        // the error messages that quote them cannot be written as JSON.
        throw std::invalid_argument(std::string("cskpi.report_state: malformed state: ") +
                                    e.what());
    }
}

inline report_state report_state::read_json(const json& j, metric_family family) {
    detail::check_envelope(j, "cskpi.report_state");
    auto need = [&](const char* k, bool ok) {
        if (!j.contains(k) || !ok)
            throw std::invalid_argument(std::string("cskpi.report_state: missing or mistyped \"") +
                                        k + "\"");
    };
    need("config", j.contains("config") && j["config"].is_object());
    need("by", j.contains("by") && j["by"].is_array());
    need("groups", j.contains("groups") && (j["groups"].is_array() || j["groups"].is_object()));
    need("contacts",
         j.contains("contacts") && (j["contacts"].is_array() || j["contacts"].is_object()));
    std::vector<std::string> names;
    for (const auto& b : j["by"]) {
        if (!b.is_string())
            throw std::invalid_argument("cskpi.report_state: \"by\" expects strings");
        names.push_back(b.get<std::string>());
    }
    report_state s(config::from_json(j["config"]), parse_group_keys(names), family);
    std::vector<std::uint32_t> gidx;
    if (j["groups"].is_object()) read_groups_binary(j["groups"], s, gidx);
    static const json no_groups = json::array();  // the binary form's groups are read above
    for (const auto& g : j["groups"].is_array() ? j["groups"] : no_groups) {
        if (!g.is_object() || !g.contains("key") || !g["key"].is_array() ||
            g["key"].size() != s.by_.size() || !g.contains("state"))
            throw std::invalid_argument("cskpi.report_state: malformed group entry " +
                                        g.dump().substr(0, 80));
        group_id id;
        id.n = static_cast<std::uint8_t>(s.by_.size());
        for (std::size_t k = 0; k < s.by_.size(); ++k) {
            const auto& v = g["key"][k];
            if (v.is_null())
                id.k[k] = missing_key;
            else if (is_time_key(s.by_[k]) && v.is_number_integer())
                id.k[k] = v.get<std::int64_t>();
            else if (!is_time_key(s.by_[k]) && v.is_string())
                id.k[k] = s.dict_[dim_of(s.by_[k])].code(v.get<std::string>());
            else
                throw std::invalid_argument("cskpi.report_state: mistyped key " + v.dump());
        }
        const std::uint32_t gi = s.group_of(id);
        if (gi != gidx.size())
            throw std::invalid_argument("cskpi.report_state: duplicate group key " +
                                        g["key"].dump());
        group_state st = group_state_from_json(g["state"]);
        for (const auto f : sample_field) {
            const detail::duration_samples& d = st.*f;
            if (d.sketched() && (!s.cfg_.quantile_sketch ||
                                 d.sketch().relative_error() != s.cfg_.quantile_relative_error))
                throw std::invalid_argument(
                    "cskpi.report_state: a group's sketch does not match the configuration's "
                    "quantiles and quantile_relative_error");
        }
        s.sketch_samples(st);
        s.groups_.add(gi, std::move(st));
        gidx.push_back(gi);
        if (g.contains("timeline")) {
            s.timeline_.resize(s.groups_.size());
            s.timeline_[gi] =
                nlohmann::json::parse(g["timeline"].dump()).get<timeline::timeline_state>();
        }
    }
    if (j["contacts"].is_object())
        read_contacts_binary(j["contacts"], s, gidx);
    else
        for (const auto& c : j["contacts"]) {
            // [customer, category, at, group, flags, id order]; states written before the id order
            // existed have 5 entries (their same-instant contacts fall in neither window).
            if (!c.is_array() || (c.size() != 5 && c.size() != 6) || !c[0].is_number_unsigned() ||
                !(c[1].is_string() || c[1].is_null()) || !c[2].is_number_integer() ||
                !c[3].is_number_integer() || !c[4].is_number_integer() ||
                (c.size() == 6 && !c[5].is_number_unsigned()) || c[3].get<std::int64_t>() < 0 ||
                c[3].get<std::size_t>() >= gidx.size())
                throw std::invalid_argument("cskpi.report_state: malformed contact " +
                                            c.dump().substr(0, 80));
            s.contacts_.push_back(
                {c[0].get<std::uint64_t>(), c[2].get<micros>(),
                 c[1].is_null() ? detail::no_code
                                : s.dict_[category_dim].code(c[1].get<std::string>()),
                 gidx[c[3].get<std::size_t>()] |
                     (static_cast<std::uint32_t>(c[4].get<int>() & 3) << 30) |
                     ((c[4].get<int>() & 4) ? detail::contact::contained_bit : 0u),
                 c.size() == 6 ? c[5].get<std::uint64_t>() : 0});
        }
    // Kaplan-Meier entries (states written before section 14 have none: their groups show no
    // censoring counts either). Instants stay within ±2^62 µs (±146,000 years) so that
    // as_of - created_at cannot overflow.
    constexpr micros instant_limit = micros{1} << 62;
    auto instant_ok = [&](micros v) { return v >= -instant_limit && v <= instant_limit; };
    auto censored = [&](std::uint64_t g, std::int64_t w, micros v) {
        if (g >= gidx.size() || w < 0 || w >= detail::censoring_ledger::kinds || !instant_ok(v) ||
            (w >= detail::censoring_ledger::frt_drop && v < 0))
            return false;
        s.km_.push_back(gidx[g], static_cast<detail::censoring_ledger::kind>(w), v);
        return true;
    };
    if (j.contains("censoring") && j["censoring"].is_object()) {  // the binary form's columns
        const json& c = j["censoring"];
        const std::string where = "cskpi.report_state: censoring.";
        for (const char* k : {"group", "kind", "value"})
            if (!c.contains(k)) throw std::invalid_argument(where + k + ": missing");
        const detail::byte_view<std::uint32_t> g(c["group"], where + "group");
        const detail::byte_view<std::uint8_t> w(c["kind"], where + "kind");
        const detail::byte_view<micros> v(c["value"], where + "value");
        if (w.size() != g.size() || v.size() != g.size())
            throw std::invalid_argument(where + "*: columns of different lengths");
        for (std::size_t i = 0; i < g.size(); ++i)
            if (!censored(g[i], w[i], v[i]))
                throw std::invalid_argument(where + "*: malformed entry " + std::to_string(i));
    } else if (j.contains("censoring")) {
        if (!j["censoring"].is_array())
            throw std::invalid_argument("cskpi.report_state: \"censoring\" expects an array");
        for (const auto& c : j["censoring"]) {
            if (!c.is_array() || c.size() != 3 || !c[0].is_number_unsigned() ||
                !c[1].is_number_integer() || !c[2].is_number_integer() ||
                !censored(c[0].get<std::uint64_t>(), c[1].get<std::int64_t>(), c[2].get<micros>()))
                throw std::invalid_argument("cskpi.report_state: malformed censoring entry " +
                                            c.dump().substr(0, 80));
        }
    }
    for (const char* k : {"latest_instant", "as_of"}) {
        if (!j.contains(k) || j[k].is_null()) continue;
        if (!j[k].is_number_integer() || !instant_ok(j[k].get<micros>()))
            throw std::invalid_argument(std::string("cskpi.report_state: \"") + k +
                                        "\" expects an integer instant");
        if (std::string(k) == "as_of")
            s.as_of_ = j[k].get<micros>();
        else
            s.latest_instant_ = j[k].get<micros>();
    }
    if (j.contains("timeline")) {
        if (!j["timeline"].is_boolean())
            throw std::invalid_argument("cskpi.report_state: \"timeline\" expects true or false");
        s.timeline_on_ = j["timeline"].get<bool>();
    }
    if (j.contains("once")) {
        if (!s.timeline_on_ || !s.grouped_by_agent())
            throw std::invalid_argument(
                "cskpi.report_state: \"once\" belongs to an event log's state grouped by agent");
        s.once_.push_back(from_json(j["once"]));
        if (!s.once_[0].by_.empty())
            throw std::invalid_argument(
                "cskpi.report_state: \"once\" expects a state without grouping");
    }
    if (!s.timeline_on_ && !s.timeline_.empty())
        throw std::invalid_argument(
            "cskpi.report_state: groups carry \"timeline\" but the state is not an event log's");
    read_attributed(j, s);
    return s;
}

// The attributed states that the configuration and grouping call for, each of its family.
inline void report_state::read_attributed(const json& j, report_state& s) {
    const std::size_t n = s.attributed_.size();
    if (!j.contains("attributed")) {
        if (n)
            throw std::invalid_argument(
                "cskpi.report_state: attribute_by needs \"attributed\" states");
        return;
    }
    const json& a = j["attributed"];
    if (!a.is_array() || a.size() != n)
        throw std::invalid_argument("cskpi.report_state: expected " + std::to_string(n) +
                                    " \"attributed\" states for this attribute_by and grouping");
    for (std::size_t i = 0; i < n; ++i) {
        const metric_family f = s.attributed_[i].family_;
        if (!a[i].is_object() || !a[i].contains("family") || !a[i].contains("state") ||
            a[i]["family"] != std::string(attribution::name_of(f)))
            throw std::invalid_argument("cskpi.report_state: expected attributed state of family " +
                                        std::string(attribution::name_of(f)));
        report_state t = read_json(a[i]["state"], f);
        if (t.by_ != s.by_ || t.cfg_.to_json() != s.cfg_.to_json())
            throw std::invalid_argument(
                "cskpi.report_state: an attributed state's configuration or grouping differs");
        s.attributed_[i] = std::move(t);
    }
}

// A group's timeline statistics as JSON (empty statistics for a group the event log lacks).
inline json report_state::timeline_json(std::uint32_t g) const {
    const nlohmann::json tl = g < timeline_.size() ? timeline_[g] : timeline::timeline_state{};
    return json::parse(tl.dump());
}

// The binary form's groups, in report order, column by column: {"n", "keys": per grouping key,
// 64-bit instants (time keys) or {"labels", "codes": 32-bit, UINT32_MAX = missing}, "states":
// group_states_binary, "timeline": per group, for event logs}. Missing time keys keep their
// sentinel (missing_key).
// `complete`: every group's state when the table's are not complete (see canonical_json).
inline json report_state::groups_binary(const std::vector<std::uint32_t>& order,
                                        const std::vector<group_state>* complete) const {
    json out = json::object();
    out["n"] = order.size();
    json keys = json::array();
    for (std::size_t k = 0; k < by_.size(); ++k) {
        if (is_time_key(by_[k])) {
            std::vector<std::int64_t> v;
            v.reserve(order.size());
            for (const std::uint32_t g : order) v.push_back(ids_.key(g, k));
            keys.push_back(detail::bytes_of<json>(v));
            continue;
        }
        const detail::dictionary& d = dict_[dim_of(by_[k])];
        json labels = json::array();
        for (std::uint32_t c = 0; c < d.size(); ++c) labels.push_back(std::string(d.value(c)));
        std::vector<std::uint32_t> codes;
        codes.reserve(order.size());
        for (const std::uint32_t g : order)
            codes.push_back(ids_.key(g, k) == missing_key
                                ? UINT32_MAX
                                : static_cast<std::uint32_t>(ids_.key(g, k)));
        keys.push_back({{"labels", std::move(labels)}, {"codes", detail::bytes_of<json>(codes)}});
    }
    out["keys"] = std::move(keys);
    static const detail::duration_samples none;
    group_state counts;  // the table's group being written
    out["states"] = group_states_binary<json>(
        order.size(),
        [&](std::size_t i) -> const group_state& {
            if (complete) return (*complete)[order[i]];
            counts = groups_.counts(order[i]);
            return counts;
        },
        [&](std::size_t i, std::size_t k) -> const detail::duration_samples& {
            if (complete) return (*complete)[order[i]].*sample_field[k];
            return groups_.has_samples(k) ? groups_.samples_of(k)[order[i]] : none;
        });
    if (timeline_on_) {
        json tl = json::array();
        for (const std::uint32_t g : order) tl.push_back(timeline_json(g));
        out["timeline"] = std::move(tl);
    }
    return out;
}

// Reads groups_binary's columns into `s`; gidx gets each group's index, in report order.
inline void report_state::read_groups_binary(const json& j, report_state& s,
                                             std::vector<std::uint32_t>& gidx) {
    auto bad = [](const std::string& why) {
        return std::invalid_argument("cskpi.report_state: groups: " + why);
    };
    if (!j.contains("n") || !j["n"].is_number_unsigned() || !j.contains("keys") ||
        !j["keys"].is_array() || j["keys"].size() != s.by_.size() || !j.contains("states"))
        throw bad("expected \"n\", one key column per grouping key, and \"states\"");
    const std::size_t n = j["n"].get<std::size_t>();
    // The states first: their columns bound n by their byte lengths.
    std::vector<group_state> states = group_states_from_binary(
        j["states"], n, s.cfg_.quantile_sketch ? s.cfg_.quantile_relative_error : 0.0);
    std::vector<group_id> ids(n);
    for (auto& id : ids) id.n = static_cast<std::uint8_t>(s.by_.size());
    for (std::size_t k = 0; k < s.by_.size(); ++k) {
        const json& c = j["keys"][k];
        const std::string what = "cskpi.report_state: groups.keys[" + std::to_string(k) + "]";
        if (is_time_key(s.by_[k])) {
            const auto v = detail::values_of_width<std::int64_t>(c, n, what);
            for (std::size_t g = 0; g < n; ++g) ids[g].k[k] = v[g];
            continue;
        }
        if (!c.is_object() || !c.contains("labels") || !c["labels"].is_array() ||
            !c.contains("codes"))
            throw bad("expected {\"labels\", \"codes\"} for " + std::string(name_of(s.by_[k])));
        std::vector<std::int64_t> code;  // label index -> this state's dictionary code
        for (const auto& l : c["labels"]) {
            if (!l.is_string()) throw bad("labels must be strings");
            code.push_back(s.dict_[dim_of(s.by_[k])].code(l.get<std::string>()));
        }
        const auto v = detail::values_of_width<std::uint32_t>(c["codes"], n, what + ".codes");
        for (std::size_t g = 0; g < n; ++g) {
            if (v[g] != UINT32_MAX && v[g] >= code.size())
                throw bad("a code without a label in " + what);
            ids[g].k[k] = v[g] == UINT32_MAX ? missing_key : code[v[g]];
        }
    }
    if (j.contains("timeline") && (!j["timeline"].is_array() || j["timeline"].size() != n))
        throw bad("expected one timeline entry per group");
    for (std::size_t g = 0; g < n; ++g) {
        const std::uint32_t gi = s.group_of(ids[g]);
        if (gi != gidx.size()) throw bad("duplicate group key");
        s.sketch_samples(states[g]);
        s.groups_.add(gi, std::move(states[g]));
        gidx.push_back(gi);
        if (j.contains("timeline")) {
            s.timeline_.resize(s.groups_.size());
            s.timeline_[gi] =
                nlohmann::json::parse(j["timeline"][g].dump()).get<timeline::timeline_state>();
        }
    }
}

// The contact ledger as sorted rows [customer, category, at, group rank, flags, id order], with
// category strings: the same text whatever order rows arrived in.
inline json report_state::contacts_canonical(const std::vector<std::uint32_t>& rank) const {
    std::vector<std::tuple<std::uint64_t, std::string, micros, std::uint32_t, int, std::uint64_t>>
        cs;
    cs.reserve(contacts_.size());
    for (const auto& c : contacts_.values())
        cs.emplace_back(c.customer,
                        c.category == detail::no_code
                            ? std::string()
                            : std::string(dict_[category_dim].value(c.category)),
                        c.at, rank[c.group()],
                        static_cast<int>(c.group_bits >> 30 | (c.contained() ? 4u : 0u)), c.id);
    std::sort(cs.begin(), cs.end());
    json contacts = json::array();
    for (const auto& [cust, cat, at, g, bits, id] : cs)
        contacts.push_back({cust, cat.empty() ? json(nullptr) : json(cat), at, g, bits, id});
    return contacts;
}

// The contact ledger column by column: {"customer", "at", "id": byte strings of 64-bit values;
// "group": report-order ranks and "category": codes into "categories" (UINT32_MAX: none), 32-bit;
// "flags": one byte each, eligible | abandoned << 1 | contained << 2}, bucket after bucket.
namespace detail {
inline constexpr std::array<std::pair<const char*, std::size_t>, 6> contact_columns{
    {{"customer", 8}, {"at", 8}, {"id", 8}, {"group", 4}, {"category", 4}, {"flags", 1}}};
}

// Writes column `col` of detail::contact_columns for every contact to `out`.
inline void report_state::fill_contact_column(std::size_t col,
                                              const std::vector<std::uint32_t>& rank,
                                              std::uint8_t* out) const {
    auto put = [&](auto value_of) {
        using T = decltype(value_of(detail::contact{}));
        std::size_t i = 0;
        for (std::size_t b = 0; b < detail::contact_buckets::count; ++b)
            contacts_.bucket(b).visit([&](const auto& v) {
                for (const auto& r : v) {
                    const T x = value_of(r);
                    std::memcpy(out + i++ * sizeof(T), &x, sizeof(T));
                }
            });
    };
    switch (col) {
        case 0:
            return put([](const auto& r) { return std::uint64_t{r.key()}; });
        case 1:
            return put([](const auto& r) { return micros{r.time()}; });
        case 2:
            return put([](const auto& r) { return std::uint64_t{r.id_key()}; });
        case 3:
            return put([&](const auto& r) { return std::uint32_t{rank[r.group()]}; });
        case 4:
            return put([](const auto& r) { return std::uint32_t{r.cat()}; });
        default:
            return put([](const auto& r) {
                return static_cast<std::uint8_t>(unsigned{r.eligible()} |
                                                 unsigned{r.abandoned()} << 1 |
                                                 unsigned{r.contained()} << 2);
            });
    }
}

inline json report_state::category_names() const {
    json categories = json::array();
    const auto& d = dict_[category_dim];
    for (std::uint32_t k = 0; k < d.size(); ++k) categories.push_back(std::string(d.value(k)));
    return categories;
}

inline json report_state::contacts_binary(const std::vector<std::uint32_t>& rank) const {
    const std::size_t n = contacts_.size();
    json out = {{"categories", category_names()}};
    for (std::size_t col = 0; col < detail::contact_columns.size(); ++col) {
        json::binary_t b(std::vector<std::uint8_t>(n * detail::contact_columns[col].second));
        fill_contact_column(col, rank, b.data());
        out[detail::contact_columns[col].first] = json::binary(std::move(b));
    }
    return out;
}

// contacts_binary's map, written to the end of `out`.
inline void report_state::write_contacts_binary(std::vector<std::uint8_t>& out,
                                                const std::vector<std::uint32_t>& rank) const {
    const std::size_t n = contacts_.size();
    detail::cbor_head(out, 5, detail::contact_columns.size() + 1);
    detail::cbor_text(out, "categories");
    json::to_cbor(category_names(), out);
    for (std::size_t col = 0; col < detail::contact_columns.size(); ++col) {
        detail::cbor_text(out, detail::contact_columns[col].first);
        fill_contact_column(col, rank,
                            detail::cbor_bytes(out, n * detail::contact_columns[col].second));
    }
}

inline std::vector<std::uint8_t> report_state::to_binary() const {
    const json doc = canonical_json(true, false);
    const std::vector<std::uint32_t> order = report_order();
    std::vector<std::uint32_t> rank(groups_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
    std::size_t contact_bytes = 0;
    for (const auto& [name, size] : detail::contact_columns) contact_bytes += size;
    std::vector<std::uint8_t> out;
    out.reserve(detail::cbor_size_bound(doc) + detail::cbor_size_bound(category_names()) + 256 +
                contact_bytes * contacts_.size());
    detail::cbor_head(out, 5, doc.size() + 1);
    for (const auto& [k, v] : doc.items()) {
        detail::cbor_text(out, k);
        json::to_cbor(v, out);
    }
    detail::cbor_text(out, "contacts");
    write_contacts_binary(out, rank);
    return out;
}

inline void report_state::read_contacts_binary(const json& c, report_state& s,
                                               const std::vector<std::uint32_t>& gidx) {
    auto column = [&](const char* k) -> const json& {
        if (!c.contains(k))
            throw std::invalid_argument(std::string("cskpi.report_state: contacts: missing \"") +
                                        k + "\"");
        return c[k];
    };
    const std::string where = "cskpi.report_state: contacts.";
    const detail::byte_view<std::uint64_t> customer(column("customer"), where + "customer");
    const detail::byte_view<micros> at(column("at"), where + "at");
    const detail::byte_view<std::uint64_t> id(column("id"), where + "id");
    const detail::byte_view<std::uint32_t> group(column("group"), where + "group");
    const detail::byte_view<std::uint32_t> category(column("category"), where + "category");
    const detail::byte_view<std::uint8_t> flags(column("flags"), where + "flags");
    const std::size_t n = customer.size();
    if (at.size() != n || id.size() != n || group.size() != n || category.size() != n ||
        flags.size() != n)
        throw std::invalid_argument(where + "*: columns of different lengths");
    const json& names = column("categories");
    if (!names.is_array()) throw std::invalid_argument(where + "categories: expected an array");
    std::vector<std::uint32_t> code;
    for (const auto& v : names) {
        if (!v.is_string()) throw std::invalid_argument(where + "categories: expected strings");
        code.push_back(s.dict_[category_dim].code(v.get<std::string>()));
    }
    s.contacts_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t g = group[i], cat = category[i];
        const std::uint8_t f = flags[i];
        if (g >= gidx.size() || f > 7 || (cat != detail::no_code && cat >= code.size()))
            throw std::invalid_argument(where + "*: contact " + std::to_string(i) +
                                        " names a group, category or flag that does not exist");
        s.contacts_.push_back({customer[i], at[i],
                               cat == detail::no_code ? detail::no_code : code[cat],
                               gidx[g] | (static_cast<std::uint32_t>(f & 3) << 30) |
                                   ((f & 4) ? detail::contact::contained_bit : 0u),
                               id[i]});
    }
}

namespace detail {

/// Labels in the input that look like typos of configured ones ("Chat" beside an SLA target for
/// "chat"): they silently miss the rule keyed by the configured label.
inline std::vector<std::string> label_warnings(const config& cfg, const report_state& st) {
    std::vector<std::string> w;
    auto check = [&](std::size_t dim, const char* column, const char* key,
                     std::vector<std::string> configured) {
        if (configured.empty()) return;
        for (const auto& l : st.seen_labels(dim)) {
            if (l.empty() || std::find(configured.begin(), configured.end(), l) != configured.end())
                continue;
            const std::string hint = did_you_mean(l, configured);
            if (!hint.empty())
                w.push_back(std::string(column) + " '" + l + "' matches no " + key + hint +
                            ", so its rows miss that rule");
        }
    };
    std::vector<std::string> ch, pr;
    for (const auto& [k, v] : cfg.sla_first_response_s) ch.push_back(k);
    for (const auto& [k, v] : cfg.sla_by_priority_first_response_s) pr.push_back(k);
    check(2, "channel", "sla.first_response_s channel", ch);
    check(4, "priority", "sla.by_priority priority", pr);
    check(3, "category", "complaint.category or presale_category",
          {cfg.complaint_category, cfg.presale_category});
    static const char* columns[] = {"agent", "team", "channel", "category", "priority"};
    for (std::size_t dim = 0; dim < 5; ++dim) {
        std::size_t bad = 0;
        for (const auto& l : st.seen_labels(dim)) bad += !well_formed_utf8(l);
        if (bad)
            w.push_back(std::to_string(bad) + " " + columns[dim] +
                        " label(s) are not valid UTF-8 (JSON shows U+FFFD in "
                        "their place; set \"encoding\" if the file is not UTF-8)");
    }
    return w;
}

/// Every warning of a finished report (`rep` holds at least the overall row): the input's
/// (input_warnings) and the labels that look like typos of configured ones.
inline std::vector<std::string> warnings_of(report& rep, const report_state& st) {
    note_survey_input(rep);
    std::vector<std::string> w = input_warnings(rep);
    for (auto& x : label_warnings(rep.cfg, st)) w.push_back(std::move(x));
    return w;
}

}  // namespace detail

}  // namespace cskpi
