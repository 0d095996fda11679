#!/usr/bin/env bash
# The contact centre's shape (issue "Fast at every grouping"): 500 agents in 25 teams, 5
# channels, 90 days, customers drawn so FCR matters; grouped by agent x channel x day (~220,000
# groups of ~45 rows at 10 M rows) and by agent. First the peers' outputs are checked against
# cskpi's on the first 200,000 rows (benchmarks/check_peers.py); then cskpi and the equal-work
# peers (benchmarks/EQUAL_WORK.md: DuckDB and Polars if `npm install` was run in their folders,
# pandas unless SKIP_PANDAS=1) side by side, alternating, medians of REPEAT runs; then cskpi's
# phase trace (per-group cost) and the reference job (report + agent scorecard) in one reading
# versus two.
#   benchmarks/run_highcard.sh [ROWS] [DAYS]     (default 10000000 90; data cached in benchmarks/data/)
#   REPEAT, PEERS and SKIP_PANDAS as in run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
days=${2:-90}
repeat=${REPEAT:-3}
[ -x build/cskpi ] && [ -x build/benchmarks/gen_interactions ] || scripts/build.sh >/dev/null
mkdir -p benchmarks/data
data=benchmarks/data/highcard_${rows}_${days}d.csv
[ -f "$data" ] || build/benchmarks/gen_interactions "$rows" --seed 1 --days "$days" --agents 500 --teams 25 --channels 5 > "$data"
cfg=$(mktemp); echo '{"timezone": "Asia/Shanghai"}' > "$cfg"
source benchmarks/lib.sh
sample=$(mktemp --suffix=.csv); head -200001 "$data" > "$sample"
/usr/bin/python3 benchmarks/check_peers.py "$sample" --by agent,channel,day
rm -f "$sample"
echo "rows: $rows, $days days, 500 agents, 25 teams, 5 channels ($(du -hL "$data" | cut -f1) CSV), $(nproc) cores, $(date -u '+%F %H:%M') UTC, $repeat runs each"
echo "| job | median wall | runs (s) | peak RSS | per row |"
echo "|---|---|---|---|---|"
for by in agent,channel,day agent; do
  grouping_vs_peers "$by" "$data" "$cfg"
  [ "${SKIP_PANDAS:-0}" = 1 ] || pandas_beside_cskpi "$by" "$data" "$cfg"
done
card=examples/data/shop_scorecard.json
for t in 1 2; do
  measure "reference job, two readings threads=$t" sh -c "build/cskpi report $data --config $cfg --by agent,channel,day --format csv --threads $t >/dev/null && build/cskpi score $data --config $cfg --scorecard $card --format csv --threads $t"
  measure "reference job, one reading threads=$t" build/cskpi score "$data" --config "$cfg" --scorecard "$card" --format csv --threads "$t" --report /tmp/cskpi_ref_report.csv --report-by agent,channel,day
  row "reference job, two readings threads=$t"; row "reference job, one reading threads=$t"
done
echo
for by in agent,channel,day agent; do ratios "$by"; done
echo
echo "Phase trace, threads=1 (per group = finalize-and-write time, and the peak above the agent"
echo "grouping's, divided by the groups):"
for by in agent,channel,day agent; do
  groups=$(build/cskpi report "$data" --config "$cfg" --by "$by" --format csv --threads 1 | wc -l)
  echo "by $by: $((groups - 2)) groups"
  CSKPI_TRACE=1 /usr/bin/time -f "wall %e s, peak %M KB" build/cskpi report "$data" --config "$cfg" --by "$by" --format csv --threads 1 2>&1 >/dev/null | grep -E "trace|wall"
done
