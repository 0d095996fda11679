#!/usr/bin/env bash
# Runs the reference job (10 million interactions, KPIs by agent x channel x day, and by agent)
# in cskpi, DuckDB (@duckdb/node-api, if `npm install` was run in benchmarks/duckdb) and pandas,
# side by side in one run. Prints wall time and peak memory (max RSS) of each.
#   benchmarks/run.sh [ROWS]        (default 10000000; data cached in benchmarks/data/)
#   REPEAT=N      runs each cskpi and DuckDB job N times (default 3), alternating the engines so
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
echo "rows: $rows ($(du -h "$data" | cut -f1) CSV), $(nproc) cores, $(date -u '+%F %H:%M') UTC, $repeat runs each"
echo "| job | median wall | runs (s) | peak RSS | per row |"
echo "|---|---|---|---|---|"
have_duckdb=0; [ -d benchmarks/duckdb/node_modules ] && have_duckdb=1
for by in agent,channel,day agent; do
  grouping_vs_duckdb "$by" "$data" "$cfg"
  if [ "${SKIP_PANDAS:-0}" != 1 ]; then
    # pandas runs once (over a minute); cskpi at 1 thread runs just before and after it, so the
    # pandas ratio compares moments of the same machine speed.
    cskpi1=(build/cskpi report "$data" --config "$cfg" --by "$by" --format csv --threads 1)
    measure "cskpi $by threads=1 beside pandas" "${cskpi1[@]}"
    measure "pandas $by" /usr/bin/python3 benchmarks/peer_pandas.py "$data" --by "$by"
    measure "cskpi $by threads=1 beside pandas" "${cskpi1[@]}"
    row "cskpi $by threads=1 beside pandas"
    row "pandas $by"
  fi
done
if [ $have_duckdb = 1 ]; then
  echo
  for by in agent,channel,day agent; do
    for t in 1 2; do
      c=$(row "cskpi $by threads=$t" | awk -F'|' '{print $3}' | tr -dc '0-9.')
      d=$(row "duckdb $by threads=$t" | awk -F'|' '{print $3}' | tr -dc '0-9.')
      printf "DuckDB / cskpi, %s, %s thread(s): %.2fx (medians)\n" "$by" "$t" "$(echo "$d / $c" | bc -l)"
    done
  done
fi
if [ "${SKIP_PANDAS:-0}" != 1 ]; then
  echo
  for by in agent,channel,day agent; do
    p=$(row "pandas $by" | awk -F'|' '{print $3}' | tr -dc '0-9.')
    c1=$(row "cskpi $by threads=1 beside pandas" | awk -F'|' '{print $3}' | tr -dc '0-9.')
    c2=$(row "cskpi $by threads=2" | awk -F'|' '{print $3}' | tr -dc '0-9.')
    printf "pandas / cskpi, %s: %.1fx (1 thread, runs beside pandas), %.1fx (2 threads)\n" "$by" \
        "$(echo "$p / $c1" | bc -l)" "$(echo "$p / $c2" | bc -l)"
  done
fi
rm -f "$cfg"
