#!/usr/bin/env bash
# Load on the live monitor (issue 25; docs/MONITOR.md): 4 producer threads, 10 M events, in
# memory (no HTTP); then 1 M events written out as an event log and checked against
# `cskpi report --events` (interactions, answered, exact FRT median and p90).
#   benchmarks/run_monitor.sh [EVENTS]     (default 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000000}
[ -x build/benchmarks/monitor_load ] && [ -x build/cskpi ] || scripts/build.sh >/dev/null
echo "$(nproc) cores, $(date -u +%F)"
/usr/bin/time -f "wall %e s, max RSS %M KB" build/benchmarks/monitor_load --events "$n" --producers 4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$(build/benchmarks/monitor_load --events 1000000 --producers 4 --exact-limit 100000000 --dump "$dir/events.csv")
echo "$out"
as_of=$(sed -n 's/^as_of //p' <<<"$out")
echo "{\"as_of\": \"$as_of\", \"sla_policies\": [{\"name\": \"chat\", \"when\": {\"channel\": \"chat\"}, \"targets\": {\"first_response_s\": 30}}]}" > "$dir/cfg.json"
build/cskpi report --events "$dir/events.csv" --config "$dir/cfg.json" --format json |
  /usr/bin/python3 -c 'import json, sys; m = json.load(sys.stdin)["groups"][0]["metrics"]
print("batch report: interactions %d, answered %d, FRT p50 %.3f p90 %.3f, sla_first_response %d/%d" % (
    m["interactions"], m["answered"], m["frt_median"], m["frt_p90"], m["sla_first_response_num"], m["sla_first_response_den"]))'
