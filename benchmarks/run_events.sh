#!/usr/bin/env bash
# The event-log job of issue 6 side by side: cskpi (`report --events`, by agent x day) and DuckDB
# (peer_duckdb_events.mjs: the core derivation rules in SQL, if `npm install` was run in
# benchmarks/duckdb). Prints wall time and peak memory (max RSS) of each.
#   benchmarks/run_events.sh [INTERACTIONS]     (default 1000000, about 9.5 events each)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
[ -x build/cskpi ] && [ -x build/benchmarks/gen_events ] || scripts/build.sh >/dev/null
mkdir -p benchmarks/data
data=benchmarks/data/events_${n}.csv
[ -f "$data" ] || build/benchmarks/gen_events "$n" > "$data"
events=$(($(wc -l < "$data") - 1))
measure() {  # name, command...
    local name=$1; shift
    /usr/bin/time -f "%e %M" "$@" >/tmp/cskpi_bench_out 2>/tmp/cskpi_bench_err
    read -r secs kb <<<"$(tail -1 /tmp/cskpi_bench_err)"
    printf "| %-22s | %8.2f s | %5.2f M events/s | %6.0f MB |\n" "$name" "$secs" "$(echo "$events / $secs / 1000000" | bc -l)" "$((kb / 1024))"
}
echo "events: $events ($n interactions, $(du -hL "$data" | cut -f1) CSV), $(nproc) cores, $(date -u +%F)"
echo "| job | wall | throughput | peak RSS |"
echo "|---|---|---|---|"
measure "cskpi" build/cskpi report --events "$data" --by agent,day --format csv
if [ -d benchmarks/duckdb/node_modules ]; then
    for t in 1 2; do measure "duckdb threads=$t" node benchmarks/duckdb/peer_duckdb_events.mjs "$data" "$t"; done
fi
