#!/usr/bin/env bash
# Runs the reference job (10 million interactions, KPIs by agent x channel x day, and by agent)
# in cskpi, DuckDB (@duckdb/node-api, if `npm install` was run in benchmarks/duckdb) and pandas,
# side by side in one run. Prints wall time and peak memory (max RSS) of each.
#   benchmarks/run.sh [ROWS]        (default 10000000; data cached in benchmarks/data/)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
[ -x build/cskpi ] && [ -x build/benchmarks/gen_interactions ] || scripts/build.sh >/dev/null
mkdir -p benchmarks/data
data=benchmarks/data/interactions_${rows}.csv
[ -f "$data" ] || build/benchmarks/gen_interactions "$rows" --seed 1 > "$data"
cfg=$(mktemp); echo '{"timezone": "Asia/Shanghai"}' > "$cfg"
measure() {  # name, command...
    local name=$1; shift
    local out; out=$( { /usr/bin/time -f "%e %M" "$@" >/dev/null 2>/tmp/cskpi_bench_err; } 2>&1; tail -1 /tmp/cskpi_bench_err)
    read -r secs kb <<<"$(tail -1 /tmp/cskpi_bench_err)"
    printf "| %-34s | %8.2f s | %6.0f MB | %5.1f B/row |\n" "$name" "$secs" "$((kb / 1024))" "$(echo "$kb * 1024 / $rows" | bc -l)"
}
echo "rows: $rows ($(du -h "$data" | cut -f1) CSV), $(nproc) cores, $(date -u +%F)"
echo "| job | wall | peak RSS | per row |"
echo "|---|---|---|---|"
for by in agent,channel,day agent; do
  for t in 1 2; do
    measure "cskpi $by threads=$t" build/cskpi report "$data" --config "$cfg" --by "$by" --format csv --threads "$t"
  done
  if [ -d benchmarks/duckdb/node_modules ]; then
    for t in 1 2; do measure "duckdb $by threads=$t" node benchmarks/duckdb/peer_duckdb.mjs "$data" "$t" "$by"; done
  fi
  [ "${SKIP_PANDAS:-0}" = 1 ] || measure "pandas $by" /usr/bin/python3 benchmarks/peer_pandas.py "$data" --by "$by"
done
rm -f "$cfg"
