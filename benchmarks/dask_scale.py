"""cskpi.dask on a LocalCluster against one process, same rows (benchmarks/run_dask.sh):
wall time, peak memory per worker, state sizes, and whether the reports are equal, for exact
quantiles and for the sketch (MODES=exact,sketch; BY=team; SPLIT_EVERY=8: states per merge; MEMORY_LIMIT=10GiB per worker)."""
from __future__ import annotations

import os
import pickle
import resource
import sys
import time

import pandas as pd
import distributed

import cskpi
import cskpi.dask


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pickled_bytes(state) -> int:
    """What a pickle of the state moves (protocol 5: the binary form out of band, as Dask sends
    it, without a second copy in the pickle)."""
    buffers = []
    small = pickle.dumps(state, protocol=5, buffer_callback=buffers.append)
    return len(small) + sum(memoryview(b).nbytes for b in buffers)


def finished(state):
    """On the worker that holds the merged state: the report and the state's pickled size."""
    return cskpi.finalize(state), pickled_bytes(state)


def run(whole: str, parts: list[str], by: list[str], config: dict, label: str) -> None:
    t = time.perf_counter()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  memory_limit=MEMORY_LIMIT) as cluster, distributed.Client(cluster) as client:
        # What cskpi.dask.report does, with the merged state's size measured where it is.
        top, acct = cskpi.dask._planned(parts, by, config, False, SPLIT_EVERY, finished)
        many, merged_bytes = top.compute()
        dask_s = time.perf_counter() - t
        workers = client.run(peak_mb)
    one_part = cskpi.partial(parts[0], by=by, config=config)
    part_bytes = pickled_bytes(one_part)
    del one_part
    t = time.perf_counter()
    one = cskpi.report(whole, by=by, config=config, threads=2)
    one_s = time.perf_counter() - t
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    print(f"[{label}] rows {acct['rows_read']:,} in {len(parts)} files; by {by}; split_every {SPLIT_EVERY}")
    print(f"[{label}] dask (2 worker processes x 1 thread, {MEMORY_LIMIT} each): {dask_s:.1f} s to the report; "
          f"peak RSS per worker {', '.join(f'{v:,.0f} MB' for v in workers.values())}")
    print(f"[{label}] one process (2 threads): {one_s:.1f} s, peak RSS {peak_mb():,.0f} MB; "
          "the reports are equal (assert_frame_equal, exact)")
    print(f"[{label}] state sizes (pickled): one partition {part_bytes / 2**20:,.1f} MB, "
          f"merged {merged_bytes / 2**20:,.1f} MB", flush=True)


def main(whole: str, parts: list[str], by: list[str], modes: list[str]) -> None:
    """Each mode in turn: exact quantiles, then the sketch (docs/SKETCH.md)."""
    for mode in modes:
        run(whole, parts, by, {"quantiles": mode}, mode)


SPLIT_EVERY = int(os.environ.get("SPLIT_EVERY", "8"))
MEMORY_LIMIT = os.environ.get("MEMORY_LIMIT", "10GiB")

if __name__ == "__main__":
    modes = os.environ.get("MODES", "exact,sketch").split(",")
    by = [k for k in os.environ.get("BY", "team").split(",") if k]
    main(sys.argv[1], sys.argv[2:], by, modes)
