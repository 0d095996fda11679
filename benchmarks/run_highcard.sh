#!/usr/bin/env bash
# The contact centre's shape (issue "Fast at every grouping"): 500 agents in 25 teams, 5
# channels, 90 days, customers drawn so FCR matters; grouped by agent x channel x day (~220,000
# groups of ~45 rows at 10 M rows) and by agent. cskpi and DuckDB (if `npm install` was run in
# benchmarks/duckdb) side by side, alternating, medians of REPEAT runs; then cskpi's phase
# trace (per-group cost) and the reference job (report + agent scorecard) in one reading
# versus two.
#   benchmarks/run_highcard.sh [ROWS] [DAYS]     (default 10000000 90; data cached in benchmarks/data/)
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
echo "rows: $rows, $days days, 500 agents, 25 teams, 5 channels ($(du -h "$data" | cut -f1) CSV), $(nproc) cores, $(date -u '+%F %H:%M') UTC, $repeat runs each"
echo "| job | median wall | runs (s) | peak RSS | per row |"
echo "|---|---|---|---|---|"
have_duckdb=0; [ -d benchmarks/duckdb/node_modules ] && have_duckdb=1
for by in agent,channel,day agent; do
  grouping_vs_duckdb "$by" "$data" "$cfg"
done
card=examples/data/shop_scorecard.json
for t in 1 2; do
  measure "reference job, two readings threads=$t" sh -c "build/cskpi report $data --config $cfg --by agent,channel,day --format csv --threads $t >/dev/null && build/cskpi score $data --config $cfg --scorecard $card --format csv --threads $t"
  measure "reference job, one reading threads=$t" build/cskpi score "$data" --config "$cfg" --scorecard "$card" --format csv --threads "$t" --report /tmp/cskpi_ref_report.csv --report-by agent,channel,day
  row "reference job, two readings threads=$t"; row "reference job, one reading threads=$t"
done
echo
echo "Phase trace, threads=1 (finalize per group = finalize time and memory / groups):"
for by in agent,channel,day agent; do
  groups=$(build/cskpi report "$data" --config "$cfg" --by "$by" --format csv --threads 1 | wc -l)
  echo "by $by: $((groups - 2)) groups"
  CSKPI_TRACE=1 build/cskpi report "$data" --config "$cfg" --by "$by" --format csv --threads 1 2>&1 >/dev/null | grep trace
done
