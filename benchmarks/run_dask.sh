#!/usr/bin/env bash
# cskpi.dask on a local cluster (2 worker processes) against one process on the same rows:
# the high-cardinality file (benchmarks/run_highcard.sh makes it) cut into 10 files of 1 M rows.
#   benchmarks/run_dask.sh
set -euo pipefail
cd "$(dirname "$0")/.."
whole=benchmarks/data/highcard_10000000_90d.csv
[ -f "$whole" ] || { echo "run benchmarks/run_highcard.sh first (it generates $whole)" >&2; exit 2; }
dir=benchmarks/data/split10
if [ ! -f "$dir/part09.csv" ]; then
  mkdir -p "$dir"
  tail -n +2 "$whole" | split -l 1000000 -d - "$dir/part"
  for f in "$dir"/part??; do { head -1 "$whole"; cat "$f"; } > "$f.csv" && rm "$f"; done
fi
PYTHONPATH=build/python /usr/bin/python3 benchmarks/dask_scale.py "$whole" "$dir"/part??.csv
