"""Checks that the equal-work peers compute what cskpi computes (benchmarks/EQUAL_WORK.md): runs
cskpi and each available peer on DATA grouped by BY, then compares every column a peer writes
with cskpi's column of the same name, group by group (the overall row first).
Usage: /usr/bin/python3 benchmarks/check_peers.py DATA.csv [--by agent,channel,day]
           [--cskpi build/cskpi] [--peers duckdb,polars,pandas]
Exits 1 when a peer differs, naming the first differences."""
import argparse
import math
import os
import subprocess
import sys
import tempfile

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))


def peer_commands(name, data, by, out):
    if name == "duckdb":
        return ["node", os.path.join(HERE, "duckdb", "peer_duckdb_equal.mjs"), data, "2", by, out]
    if name == "polars":
        return ["node", os.path.join(HERE, "polars", "peer_polars.mjs"), data, by, out]
    return [sys.executable, os.path.join(HERE, "peer_pandas.py"), data, "--by", by, "--out", out]


def available(name):
    if name == "pandas":
        return True
    return os.path.isdir(os.path.join(HERE, name, "node_modules"))


def read(path, keys):
    """The overall row and the group rows keyed by their labels (missing = '')."""
    t = pd.read_csv(path, dtype={k: str for k in keys}, keep_default_na=False,
                    na_values=["", "null", "NaN"])
    t[keys] = t[keys].fillna("")
    return t.iloc[0], t.iloc[1:].set_index(keys)


def same(a, b):
    if pd.isna(a) or pd.isna(b):
        return pd.isna(a) and pd.isna(b)
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def compare(name, ours, theirs, keys):
    (o_all, o_groups), (t_all, t_groups) = ours, theirs
    problems = []
    if len(o_groups) != len(t_groups):
        problems.append(f"{len(t_groups)} groups, cskpi has {len(o_groups)}")
    cols = [c for c in t_groups.columns]
    missing = [c for c in cols if c not in o_groups.columns]
    if missing:
        problems.append(f"columns cskpi does not write: {missing}")
        cols = [c for c in cols if c in o_groups.columns]
    for c in cols:
        if not same(o_all[c], t_all[c]):
            problems.append(f"overall {c}: cskpi {o_all[c]}, {name} {t_all[c]}")
    joined = o_groups[cols].join(t_groups[cols], how="outer", rsuffix="_peer")
    for c in cols:
        a, b = joined[c], joined[c + "_peer"]
        bad = [i for i, (x, y) in enumerate(zip(a, b)) if not same(x, y)]
        if bad:
            i = bad[0]
            problems.append(f"{c}: {len(bad)} groups differ, e.g. {joined.index[i]}: "
                            f"cskpi {a.iloc[i]}, {name} {b.iloc[i]}")
    return cols, problems


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--by", default="agent,channel,day")
    p.add_argument("--cskpi", default="build/cskpi")
    p.add_argument("--peers", default="duckdb,polars,pandas")
    a = p.parse_args()
    keys = a.by.split(",")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "config.json")
        with open(cfg, "w") as f:
            f.write('{"timezone": "Asia/Shanghai"}')
        mine = os.path.join(tmp, "cskpi.csv")
        subprocess.run([a.cskpi, "report", a.data, "--config", cfg, "--by", a.by, "--format", "csv",
                        "--output", mine], check=True)
        ours = read(mine, keys)
        for name in a.peers.split(","):
            if not available(name):
                print(f"{name}: not installed (npm install in benchmarks/{name}), skipped")
                continue
            out = os.path.join(tmp, name + ".csv")
            subprocess.run(peer_commands(name, a.data, a.by, out), check=True,
                           stdout=subprocess.DEVNULL)
            cols, problems = compare(name, ours, read(out, keys), keys)
            if problems:
                failed = True
                print(f"{name}: DIFFERS from cskpi")
                for line in problems[:10]:
                    print("  " + line)
            else:
                print(f"{name}: equal to cskpi on {len(ours[1])} groups + overall, "
                      f"{len(cols)} columns")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
