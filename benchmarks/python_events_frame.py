"""An event log already in a pandas DataFrame: cskpi.report(events=df) reads its columns in
memory; before session 19 the DataFrame was written to a temporary CSV and that file read
back. Both are timed here on the same DataFrame, alternating, with the same report checked
equal, and the command line on the CSV file for reference (which parses text instead).
Usage: PYTHONPATH=build/python /usr/bin/python3 benchmarks/python_events_frame.py EVENTS.csv [REPEAT]"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import pandas as pd

import cskpi

path = sys.argv[1]
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
cli = os.environ.get("CSKPI_CLI", "build/cskpi")
t = time.time()
df = pd.read_csv(path, dtype={"from": "category", "agent": "category", "kind": "category",
                              "channel": "category", "team": "category", "status": "category"},
                 keep_default_na=False, na_values={"agent": [""], "status": [""], "channel": [""],
                                                   "team": [""]})
df["at"] = pd.to_datetime(df["at"], format="%Y-%m-%d %H:%M:%S")
print(f"load: {len(df)} events, {df['interaction_id'].nunique()} interactions, "
      f"{time.time() - t:.1f} s (not timed below)")
by = ["agent", "day"]


def in_memory():
    return cskpi.report_json(events=df, by=by, threads=2)


def through_csv():  # what cskpi.report(events=df) did before: to_csv, then read the file
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "events.csv")
        df.to_csv(p, index=False)
        return cskpi.report_json(events=p, by=by, threads=2)


def cli_file():
    subprocess.run([cli, "report", "--events", path, "--by", "agent,day", "--format", "csv",
                    "--output", os.devnull], check=True)


times = {"in memory": [], "through a temporary CSV": [], "CLI on the CSV file": []}
docs = {}
for _ in range(repeat):
    for name, fn in (("in memory", in_memory), ("through a temporary CSV", through_csv),
                     ("CLI on the CSV file", cli_file)):
        t = time.time()
        docs[name] = fn()
        times[name].append(time.time() - t)
assert docs["in memory"]["groups"] == docs["through a temporary CSV"]["groups"]
print("| job | median wall | runs (s) |")
print("|---|---|---|")
for name, ts in times.items():
    print(f"| {name} | {statistics.median(ts):.2f} s | {' '.join(f'{x:.2f}' for x in ts)} |")
