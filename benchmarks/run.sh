#!/usr/bin/env bash
# Runs the reference job (10 million interactions, KPIs by agent x channel x day, and by agent)
# in cskpi and the equal-work peers (benchmarks/EQUAL_WORK.md): DuckDB and Polars (each if `npm
# install` was run in benchmarks/duckdb, benchmarks/polars) and pandas, side by side in one run.
# Prints wall time and peak memory (max RSS) of each.
#   benchmarks/run.sh [ROWS]        (default 10000000; data cached in benchmarks/data/)
#   PEERS="duckdb polars" the npm peers to run (each when installed)
#   REPEAT=N      runs each cskpi, DuckDB and Polars job N times (default 3), alternating the engines so
#                 both see the same moments of a machine whose speed drifts; the table gives
#                 the median wall time, every run's time, and the largest peak memory
#   SKIP_PANDAS=1 leaves pandas out (one run of it takes over a minute; cskpi runs at 1 thread
#                 just before and after it, and the pandas ratio uses those runs)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
repeat=${REPEAT:-3}
[ -x build/cskpi ] && [ -x build/benchmarks/gen_interactions ] || scripts/build.sh >/dev/null
mkdir -p benchmarks/data
data=benchmarks/data/interactions_${rows}.csv
[ -f "$data" ] || build/benchmarks/gen_interactions "$rows" --seed 1 > "$data"
cfg=$(mktemp); echo '{"timezone": "Asia/Shanghai"}' > "$cfg"
source benchmarks/lib.sh
sample=$(mktemp --suffix=.csv); head -200001 "$data" > "$sample"
/usr/bin/python3 benchmarks/check_peers.py "$sample" --by agent,channel,day
rm -f "$sample"
echo "rows: $rows ($(du -hL "$data" | cut -f1) CSV), $(nproc) cores, $(date -u '+%F %H:%M') UTC, $repeat runs each"
echo "| job | median wall | runs (s) | peak RSS | per row |"
echo "|---|---|---|---|---|"
for by in agent,channel,day agent; do
  grouping_vs_peers "$by" "$data" "$cfg"
  [ "${SKIP_PANDAS:-0}" = 1 ] || pandas_beside_cskpi "$by" "$data" "$cfg"
done
echo
for by in agent,channel,day agent; do ratios "$by"; done
rm -f "$cfg"
