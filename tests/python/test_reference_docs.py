"""The reference in docs/ is generated from the code's own tables and cannot drift:
docs/METRICS.md is `cskpi metrics --format markdown`, and the metric table lists exactly the
metric columns a report has, in the same order."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))
SAMPLE = ROOT / "examples" / "data" / "shop_interactions.csv"


def cli(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, check=True).stdout


def test_metrics_doc_is_the_generated_reference():
    assert (ROOT / "docs" / "METRICS.md").read_text(encoding="utf-8") == cli("metrics"), \
        "docs/METRICS.md is stale: regenerate it with `build/cskpi metrics > docs/METRICS.md`"


def test_metric_table_columns_are_the_report_columns():
    table = json.loads(cli("metrics", "--format", "json"))
    columns = [c for m in table for c in m["columns"]]
    header = cli("report", str(SAMPLE), "--format", "csv").splitlines()[0].split(",")
    assert header == columns  # no grouping keys: every column is a metric
    kinds = {m["name"]: m["kind"] for m in table}
    assert kinds["fcr_rate"] == "rate" and kinds["interactions"] == "count" and kinds["frt"] == "duration"
    rates = [m for m in table if m["kind"] == "rate"]
    for m in rates:
        assert m["columns"] == [m["name"] + s for s in ("", "_num", "_den", "_ci_low", "_ci_high")]
    assert all(m["definition"] and m["unit"] for m in table)
