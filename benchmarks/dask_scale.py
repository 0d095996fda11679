"""cskpi.dask on a LocalCluster against one process, same rows (benchmarks/run_dask.sh):
wall time, peak memory per worker, state sizes, and whether the reports are equal, for exact
quantiles and for the sketch (MODES=exact,sketch; BY=team; SPLIT_EVERY=8: states per merge)."""
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


def run(whole: str, parts: list[str], by: list[str], config: dict, label: str) -> None:
    t = time.perf_counter()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  memory_limit="10GiB") as cluster, distributed.Client(cluster) as client:
        state, acct = cskpi.dask.partial(parts, by=by, config=config, split_every=SPLIT_EVERY)
        dask_s = time.perf_counter() - t
        workers = client.run(peak_mb)
    t = time.perf_counter()
    many = cskpi.finalize(state)
    finalize_s = time.perf_counter() - t
    one_part = cskpi.partial(parts[0], by=by, config=config)
    t = time.perf_counter()
    one = cskpi.report(whole, by=by, config=config, threads=2)
    one_s = time.perf_counter() - t
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    print(f"[{label}] rows {acct['rows_read']:,} in {len(parts)} files; by {by}")
    print(f"[{label}] dask (2 worker processes x 1 thread): {dask_s:.1f} s to the merged state + {finalize_s:.1f} s "
          f"finalize; peak RSS per worker {', '.join(f'{v:,.0f} MB' for v in workers.values())}")
    print(f"[{label}] one process (2 threads): {one_s:.1f} s; the reports are equal (assert_frame_equal, exact)")
    print(f"[{label}] state sizes (pickled): one partition {len(pickle.dumps(one_part)) / 2**20:,.1f} MB, "
          f"merged {len(pickle.dumps(state)) / 2**20:,.1f} MB", flush=True)


def main(whole: str, parts: list[str], by: list[str], modes: list[str]) -> None:
    """Each mode in turn: exact quantiles, then the sketch (docs/SKETCH.md)."""
    for mode in modes:
        run(whole, parts, by, {"quantiles": mode}, mode)


SPLIT_EVERY = int(os.environ.get("SPLIT_EVERY", "8"))

if __name__ == "__main__":
    modes = os.environ.get("MODES", "exact,sketch").split(",")
    by = [k for k in os.environ.get("BY", "team").split(",") if k]
    main(sys.argv[1], sys.argv[2:], by, modes)
