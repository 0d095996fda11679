#!/usr/bin/env bash
# README command 1: install what is missing, build, and print the KPI report, per-agent
# breakdown and agent scorecard of the bundled sample shop; write the manager's HTML dashboard
# and Excel workbook of it (demo/report.html, demo/report.xlsx).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --target cskpi_cli >/dev/null
data=examples/data/shop_interactions.csv
cfg=examples/data/shop_config.json
echo
echo "== Team report: sample shop, March 2026 (Beijing time) =="
build/cskpi report "$data" --config "$cfg" --by team --format table
echo
echo "== Agent report =="
build/cskpi report "$data" --config "$cfg" --by agent --format table
echo
echo "== Agent scorecard (examples/data/shop_scorecard.json) =="
build/cskpi score "$data" --config "$cfg" --scorecard examples/data/shop_scorecard.json --format table
echo
echo "== QA: agent scores from inspectors' reviews and automatic transcript checks =="
build/cskpi qa examples/data/shop_reviews.csv --rubric examples/data/shop_rubric.json \
    --events examples/data/shop_messages.csv --by agent --format table
echo
echo "== QA calibration: do the inspectors agree? =="
build/cskpi calibrate examples/data/shop_reviews.csv --rubric examples/data/shop_rubric.json --format table
echo
echo "== Event log: interactions derived from message events, with reply times and rounds =="
build/cskpi report --events examples/data/shop_messages.csv --config examples/data/shop_config.json --by team --format table
echo
echo "== Platform presets on the same log: round% = Taobao 3-minute human response rate, then JD 30-second first-reply rate =="
build/cskpi report --events examples/data/shop_messages.csv --config examples/data/shop_taobao.json --by team --format table | sed -n '4,9p'
build/cskpi report --events examples/data/shop_messages.csv --config examples/data/shop_jd.json --by team --format table | sed -n '4,9p'
echo
echo "== For the manager: an HTML dashboard and an Excel workbook =="
mkdir -p demo
build/cskpi html "$data" --config "$cfg" --scorecard examples/data/shop_scorecard.json \
    --reviews examples/data/shop_reviews.csv --rubric examples/data/shop_rubric.json --output demo/report.html 2>/dev/null
build/cskpi report "$data" --config "$cfg" --by team --by agent --by day --output demo/report.xlsx 2>/dev/null
echo "wrote $(pwd)/demo/report.html (open it in a browser; works offline)"
echo "wrote $(pwd)/demo/report.xlsx (sheets: team, agent, day, input)"
