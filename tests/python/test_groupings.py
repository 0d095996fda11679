"""Several groupings from one reading give the same reports, byte for byte, as separate runs:
through the CLI (repeated --by; JSON list, CSV with a grouping column), for every thread count,
through Python (by=[[...], [...]] on a path and on a DataFrame), and `cskpi score --report`."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))
SAMPLE = ROOT / "examples" / "data" / "shop_interactions.csv"
CONFIG = ROOT / "examples" / "data" / "shop_config.json"
CARD = ROOT / "examples" / "data" / "shop_scorecard.json"
GROUPINGS = ["agent,channel,day", "agent", "team,week", ""]


def cli(*args):
    out = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_one_reading_equals_separate_runs_for_every_thread_count():
    separate = [json.loads(cli("report", SAMPLE, "--config", CONFIG, "--by", b, "--format", "json")) for b in GROUPINGS]
    for threads in (1, 2, 3):
        args = ["report", SAMPLE, "--config", CONFIG, "--format", "json", "--threads", threads]
        for b in GROUPINGS:
            args += ["--by", b]
        assert json.loads(cli(*args)) == separate


def test_csv_of_several_groupings_has_a_grouping_column():
    text = cli("report", SAMPLE, "--config", CONFIG, "--by", "agent", "--by", "team", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys())[:3] == ["grouping", "agent", "team"]
    by_agent = [r for r in rows if r["grouping"] == "agent"]
    alone = list(csv.DictReader(io.StringIO(cli("report", SAMPLE, "--config", CONFIG, "--by", "agent", "--format", "csv"))))
    assert [r["interactions"] for r in by_agent] == [r["interactions"] for r in alone]
    assert [r["agent"] for r in by_agent] == [r["agent"] for r in alone]
    assert all(r["team"] == "" for r in by_agent)


def test_python_groupings_on_a_path_and_a_dataframe():
    cfg = {"timezone": "Asia/Shanghai"}
    many = cskpi.report(SAMPLE, by=[["agent", "day"], ["team"]], config=cfg)
    assert isinstance(many, list) and len(many) == 2
    pd.testing.assert_frame_equal(many[0], cskpi.report(SAMPLE, by=["agent", "day"], config=cfg))
    pd.testing.assert_frame_equal(many[1], cskpi.report(SAMPLE, by=["team"], config=cfg))
    df = pd.read_csv(SAMPLE)
    docs = cskpi.report_json(df, by=["agent,day", "team"], config=cfg)
    assert [d["groups"] for d in docs] == [cskpi.report_json(df, by=b, config=cfg)["groups"] for b in ("agent,day", "team")]


def test_score_writes_its_report_from_the_same_reading(tmp_path):
    out = tmp_path / "report.json"
    cli("score", SAMPLE, "--config", CONFIG, "--scorecard", CARD, "--format", "json",
        "--report", out, "--report-by", "agent,channel,day", "--report-by", "agent")
    docs = json.loads(out.read_text())
    assert docs == [json.loads(cli("report", SAMPLE, "--config", CONFIG, "--by", b, "--format", "json"))
                    for b in ("agent,channel,day", "agent")]
