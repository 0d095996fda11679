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


def test_coarser_groupings_projected_from_the_finest_equal_separate_runs():
    """Every grouping below is inside `agent,channel,day`: one state is fed while reading and
    the others are projected from it; the reports are byte-identical to separate runs."""
    nested = ["agent,channel,day", "agent", "channel", "day,agent", ""]
    separate = [json.loads(cli("report", SAMPLE, "--config", CONFIG, "--by", b, "--format", "json")) for b in nested]
    for threads in (1, 2):
        args = ["report", SAMPLE, "--config", CONFIG, "--format", "json", "--threads", threads]
        for b in nested:
            args += ["--by", b]
        assert json.loads(cli(*args)) == separate


@pytest.mark.parametrize("coarse", [["agent"], ["channel"], ["day", "agent"], []])
def test_project_gives_the_state_of_a_coarser_grouping(coarse):
    """ReportState.project: FCR (customers spread over groups), quantiles and Kaplan-Meier
    exactly as a state grouped that way from the start; merging projections is projecting a merge."""
    fine = cskpi.partial(SAMPLE, by=["agent", "channel", "day"], config=CONFIG)
    direct = cskpi.finalize(cskpi.partial(SAMPLE, by=coarse, config=CONFIG))
    pd.testing.assert_frame_equal(cskpi.finalize(fine.project(coarse)), direct, check_exact=True)
    df = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    a = cskpi.partial(df.iloc[:2000], by=["agent", "channel", "day"], config=CONFIG)
    b = cskpi.partial(df.iloc[2000:], by=["agent", "channel", "day"], config=CONFIG)
    pd.testing.assert_frame_equal(cskpi.finalize(a.project(coarse) + b.project(coarse)),
                                  cskpi.finalize((a + b).project(coarse)), check_exact=True)
    with pytest.raises(ValueError, match="not grouped by team"):
        fine.project(["team"])


def test_project_of_a_few_large_groups():
    """With few groups the rows' durations wait in the state's sample log (report_state.hpp
    add_pending) rather than in the groups: a projection must take them from there too."""
    fine = cskpi.partial(SAMPLE, by=["channel"], config=CONFIG)
    for coarse in ([], ["channel"]):
        direct = cskpi.finalize(cskpi.partial(SAMPLE, by=coarse, config=CONFIG))
        pd.testing.assert_frame_equal(cskpi.finalize(fine.project(coarse)), direct, check_exact=True)
