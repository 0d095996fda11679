#pragma once
// How a run reads its input: threads, block size, progress and reject callbacks, and the hooks
// of distributed runs and event logs. Shared by every input (files, frames, event logs).
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "../input/ingest.hpp"
#include "../input/records.hpp"
#include "../timeline/state.hpp"

namespace cskpi {

namespace timeline {
struct presence_table;
}

struct run_options {
    unsigned threads = 1;
    std::size_t block_bytes = 4u << 20;
    /// Rows a worker's state holds before adding them to their groups (report_state::hold_rows):
    /// with many small groups, more rows per pass over the groups' counters. The report is the
    /// same for every value.
    std::size_t hold_rows = 1u << 17;
    /// Called now and then with (bytes read, total bytes or 0 when unknown).
    std::function<void(std::uint64_t, std::uint64_t)> progress;
    /// Receives every reject in line order (for --rejects FILE).
    std::function<void(const reject&)> reject_sink;
    /// Event logs: interactions derived per chunk before they go through the engine (memory
    /// holds one chunk); the report is the same for every value.
    std::size_t events_chunk_rows = 1u << 16;
    /// Distributed runs (cskpi.dask): ids (id_registry hashes) accepted by earlier partitions. A
    /// row with one of them is rejected as a duplicate, as it would be in a single run.
    const std::vector<std::uint64_t>* earlier_ids = nullptr;
    /// When set, receives the hashes of the ids this run accepted, in input order.
    std::vector<std::uint64_t>* accepted_ids = nullptr;
    /// Distributed runs: read only the records starting in bytes [first, second) of the file
    /// (block_reader::restrict_to). A record that spans lines (a quoted line break) is then an
    /// error: a range of such a file could start inside a record.
    std::optional<std::pair<std::uint64_t, std::uint64_t>> byte_range;
    /// With byte_range: receives the offset of the range's first record when its lines are
    /// numbered from 1 there (see restrict_to).
    std::optional<std::uint64_t>* range_start = nullptr;
    /// When set, sees every batch of accepted rows before it is aggregated (analyses that need
    /// rows, such as the driver model). Called from the worker threads, possibly at the same
    /// time; the batch's text views live only during the call.
    std::function<void(const interaction_batch&)> batch_sink;
    /// Event logs: the timeline facts of the frame's rows (see report_state::attach_timeline);
    /// participants' rows share their interaction's id and skip the duplicate-id rule.
    const timeline::timeline_feed* timeline = nullptr;
    /// Event logs: the agents' presence log (--presence), for messages left while nobody is
    /// online (docs/PRESENCE.md); null = presence unknown.
    const timeline::presence_table* presence = nullptr;
    /// Set by runs that turn their states straight into reports (run_reports, `cskpi score`):
    /// several groupings read together are projected from the finest without copying its
    /// first-contact ledger (report_state::project_for_report), so those states cannot be
    /// merged or serialized. Leave it unset to keep the states of run_partial_multi.
    bool reports_only = false;
};

}  // namespace cskpi
