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


def test_input_and_config_docs_are_the_generated_references():
    assert (ROOT / "docs" / "INPUT.md").read_text(encoding="utf-8") == cli("columns"), \
        "docs/INPUT.md is stale: regenerate it with `build/cskpi columns > docs/INPUT.md`"
    assert (ROOT / "docs" / "CONFIG.md").read_text(encoding="utf-8") == cli("keys"), \
        "docs/CONFIG.md is stale: regenerate it with `build/cskpi keys > docs/CONFIG.md`"


def test_every_documented_key_parses_and_every_input_column_is_documented(tmp_path):
    import re

    rows = [re.match(r"\| `([^`]+)` \| .* \| `(\{.*\})` \|$", line)
            for line in (ROOT / "docs" / "CONFIG.md").read_text(encoding="utf-8").splitlines()]
    examples = {m.group(1): m.group(2).replace("\\|", "|") for m in rows if m}
    for key, example in examples.items():
        doc = json.loads(example)
        assert key.split(".")[0] in doc, key  # the example uses the key it documents
        p = tmp_path / "c.json"
        p.write_text(example, encoding="utf-8")
        out = subprocess.run([CLI, "check", "--config", str(p)], capture_output=True, text=True)
        assert out.returncode == 0, (key, out.stderr)
    # Every top-level key the parser accepts is documented (the parser lists them on a typo).
    (tmp_path / "typo.json").write_text('{"timezon": "UTC"}')
    err = subprocess.run([CLI, "check", "--config", str(tmp_path / "typo.json")], capture_output=True, text=True).stderr
    assert "did you mean 'timezone'" in err
    top = {k.split(".")[0] for k in examples}
    text = (ROOT / "docs" / "INPUT.md").read_text(encoding="utf-8")
    header = cli("report", str(SAMPLE), "--format", "json")
    for col in ["id", "created_at", "channel", "first_response_s", "replies", "order_value", "interaction_id", "review_id"]:
        assert f"| `{col}` |" in text
    assert {"preset", "values", "units", "formats", "encoding", "delimiter", "skip_lines", "reviews"} <= top
    assert header  # the CLI runs on the sample


def test_facts_doc_is_the_generated_reference():
    assert (ROOT / "docs" / "FACTS.md").read_text(encoding="utf-8") == cli("facts", "--columns"), \
        "docs/FACTS.md is stale: regenerate it with `build/cskpi facts --columns > docs/FACTS.md`"
    header = cli("facts", str(SAMPLE)).splitlines()[0].split(",")
    events = cli("facts", "--events", str(ROOT / "examples" / "data" / "shop_messages.csv")).splitlines()[0].split(",")
    doc = [line.split("`")[1] for line in (ROOT / "docs" / "FACTS.md").read_text(encoding="utf-8").splitlines()
           if line.startswith("| `")]
    assert events[:len(header)] == header and doc == events  # the event log's columns follow
