"""DataFrames at engine speed (issue 21 item 4): cskpi.report(df) on a DataFrame already in memory,
against the equal-work pandas job (peer_pandas.equal_work, benchmarks/EQUAL_WORK.md) on the same
DataFrame, alternating, in one process. The two results are compared column by column first.
Usage: PYTHONPATH=build/python /usr/bin/python3 benchmarks/python_frame.py DATA.csv|DATA.pkl [THREADS] [BY] [RUNS]
(a .pkl is a DataFrame pickled after the loading below, which saves minutes at 10 M rows)."""
import json
import os
import statistics
import sys
import time

import pandas as pd

import cskpi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_peers  # noqa: E402
import peer_pandas  # noqa: E402

path = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
by = (sys.argv[3] if len(sys.argv) > 3 else "agent,channel,day").split(",")
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
t = time.time()
if path.endswith(".pkl"):
    df = pd.read_pickle(path)
else:
    df = pd.read_csv(path, dtype=peer_pandas.DTYPES)
    for c in ("created_at", "first_response_at", "resolved_at"):
        df[c] = pd.to_datetime(df[c], format="%Y-%m-%d %H:%M:%S")
print(f"load: {len(df)} rows in {time.time() - t:.1f} s (not timed below)")
cfg = {"timezone": "Asia/Shanghai"}


def run_cskpi():
    return cskpi.report(df, by=by, config=cfg, threads=threads, overall=True)


def run_pandas():
    return peer_pandas.equal_work(df, by)


# The same numbers first: every pandas column against cskpi's, group by group (overall first).
frames = []
for frame in (run_cskpi(), run_pandas()):
    frame = frame.reset_index() if by[0] not in frame.columns else frame.reset_index(drop=True)
    frame[by] = frame[by].astype(object).where(frame[by].notna(), "").astype(str)
    frames.append((frame.iloc[0], frame.iloc[1:].set_index(by)))
cols, problems = check_peers.compare("pandas", *frames, by)
assert not problems, problems[:5]
print(f"equal: {len(frames[1][1])} groups + overall, {len(cols)} columns")

times = {"cskpi": [], "pandas": []}
for _ in range(runs):
    for name, job in (("cskpi", run_cskpi), ("pandas", run_pandas)):
        t = time.time()
        job()
        times[name].append(time.time() - t)
for name, ts in times.items():
    print(f"{name}: median {statistics.median(ts):.2f} s, runs " +
          " ".join(f"{x:.2f}" for x in ts))
print(f"ratio pandas / cskpi: {statistics.median(times['pandas']) / statistics.median(times['cskpi']):.1f}x"
      f" (cskpi at {threads} threads, pandas at 1)")

# Where cskpi's time goes: reading the frame's columns in Python, the C++ run, building the frame.
from cskpi import _core, _frame  # noqa: E402

cfg_json = json.dumps(cfg)
for _ in range(runs):
    t0 = time.time()
    specs, rows, ignored = _frame.columns_of(df, json.loads(_core.effective_config(cfg_json)))
    t1 = time.time()
    rep = _core.report_frame(specs, rows, ignored, cfg_json, by, False, threads)
    t2 = time.time()
    cskpi.Report(rep).to_pandas(overall=True)
    t3 = time.time()
    print(f"cskpi phases: columns {t1 - t0:.2f} s, C++ run {t2 - t1:.2f} s, DataFrame {t3 - t2:.2f} s")
