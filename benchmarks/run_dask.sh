#!/usr/bin/env bash
# cskpi.dask on a local cluster (2 worker processes) against one process on the same rows: the
# high-cardinality shape (500 agents, 25 teams, 5 channels, 90 days) cut into PARTS files, with
# exact quantiles and with the sketch (dask_scale.py; MODES, BY pass through).
#   benchmarks/run_dask.sh [ROWS] [PARTS]      # defaults: 10000000 10
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
parts=${2:-10}
whole=benchmarks/data/highcard_${rows}_90d.csv
[ -x build/benchmarks/gen_interactions ] || scripts/build.sh >/dev/null
[ -f "$whole" ] || build/benchmarks/gen_interactions "$rows" --seed 1 --days 90 --agents 500 \
  --teams 25 --channels 5 > "$whole"
dir=benchmarks/data/split_${rows}_${parts}
if [ ! -f "$dir/done" ]; then
  mkdir -p "$dir"
  tail -n +2 "$whole" | split -l $(((rows + parts - 1) / parts)) -d -a 3 - "$dir/part"
  for f in "$dir"/part???; do { head -1 "$whole"; cat "$f"; } > "$f.csv" && rm "$f"; done
  touch "$dir/done"
fi
PYTHONPATH=build/python /usr/bin/python3 benchmarks/dask_scale.py "$whole" "$dir"/part???.csv
