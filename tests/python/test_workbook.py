"""--format xlsx and Report.to_excel read back with openpyxl: every cell equals the JSON report,
number formats follow the metric kinds, headers are frozen and filtered, SLA misses and tiers
carry conditional formats."""
import datetime
import io
import json
import math
import os
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

sys.path.insert(0, os.path.dirname(__file__))

import cskpi  # noqa: E402

CLI = os.environ.get("CSKPI_CLI", "cskpi")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EX = os.path.join(ROOT, "examples", "data")
DATA = os.path.join(EX, "shop_interactions.csv")
CONFIG = os.path.join(EX, "shop_config.json")


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True)


class Seconds(float):
    """A duration cell in seconds; openpyxl rounds [h]:mm:ss cells to the millisecond."""


def cell_value(v):
    """A cell as the JSON report writes it: durations back to seconds, blanks to None."""
    if isinstance(v, datetime.timedelta):
        return Seconds(v.total_seconds())
    if isinstance(v, (datetime.datetime, datetime.time)):
        raise AssertionError(f"a duration read as a date: {v!r}")
    return v


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-3 if isinstance(a, Seconds) else 1e-9)


def check_sheet(ws, doc):
    rows = list(ws.iter_rows(values_only=True))
    keys = doc["by"]
    metrics = list(doc["groups"][0]["metrics"])
    assert list(rows[0]) == keys + metrics
    assert len(rows) == len(doc["groups"]) + 1
    for row, g in zip(rows[1:], doc["groups"]):
        for i, k in enumerate(keys):
            want = "(all)" if g is doc["groups"][0] else g["by"][k]
            assert row[i] == want
        for j, m in enumerate(metrics):
            assert same(cell_value(row[len(keys) + j]), g["metrics"][m]), (ws.title, m, row[len(keys) + j], g["metrics"][m])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{get_column_letter(len(rows[0]))}{len(rows)}"
    fmt = {name: ws.cell(row=2, column=i + 1).number_format for i, name in enumerate(rows[0])}
    assert fmt["interactions"] == "#,##0"
    assert fmt["csat"] == "0.0%"
    assert fmt["frt_median"] == "[h]:mm:ss"
    assert fmt["sales_total"] == "#,##0.00"
    # SLA attainment below the service-level goal (staffing.service_level, 0.8) is red.
    col = get_column_letter(rows[0].index("sla_frt") + 1)
    rules = [(str(r.sqref), rule.formula) for r in ws.conditional_formatting for rule in r.rules]
    assert (f"{col}2:{col}{len(rows)}", [f"AND(ISNUMBER({col}2),{col}2<0.8)"]) in rules


def test_report_workbook_equals_the_json_report(tmp_path):
    out = tmp_path / "report.xlsx"
    groupings = ["--by", "team", "--by", "agent,day"]
    r = run("report", DATA, "--config", CONFIG, *groupings, "--output", str(out))  # .xlsx picks the format
    assert r.returncode == 0, r.stderr
    docs = json.loads(run("report", DATA, "--config", CONFIG, *groupings, "--format", "json").stdout)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["team", "agent,day", "input"]
    check_sheet(wb["team"], docs[0])
    check_sheet(wb["agent,day"], docs[1])
    inp = wb["input"]
    assert [inp.cell(row=i, column=6).value for i in (1, 2, 3)] == [
        docs[0]["input"]["rows_read"], docs[0]["input"]["rows_accepted"], docs[0]["input"]["rows_rejected"]]
    rej = [r for r in inp.iter_rows(min_row=2, max_col=3, values_only=True) if r[0] is not None]
    assert rej == [(x["line"], x["column"], x["reason"]) for x in docs[0]["input"]["rejects"]]


def test_python_to_excel_writes_the_same_sheet(tmp_path):
    with pytest.warns(UserWarning, match="5 of 5000 rows rejected"):
        rep = cskpi.run(DATA, by=["team"], config=CONFIG)
    path = tmp_path / "py.xlsx"
    rep.to_excel(path)
    doc = rep.to_json()
    check_sheet(openpyxl.load_workbook(path)["team"], doc)


def test_score_workbook_ranks_and_colours_tiers(tmp_path):
    out = tmp_path / "score.xlsx"
    card = os.path.join(EX, "shop_scorecard.json")
    r = run("score", DATA, "--config", CONFIG, "--scorecard", card, "--format", "xlsx", "--output", str(out))
    assert r.returncode == 0, r.stderr
    want = pd.read_csv(io.StringIO(run("score", DATA, "--config", CONFIG, "--scorecard", card, "--format", "csv").stdout),
                       keep_default_na=False, na_values=["null"])
    want = want.sort_values("rank", na_position="last", kind="stable").reset_index(drop=True)
    wb = openpyxl.load_workbook(out)
    got = pd.DataFrame([[cell_value(v) for v in row] for row in wb["scorecard"].iter_rows(min_row=2, values_only=True)],
                       columns=[c.value for c in wb["scorecard"][1]])
    assert list(got.columns) == list(want.columns)
    assert got["agent"].fillna("-").tolist() == want["agent"].fillna("-").tolist()
    for c in ("score", "rank", "csat_points", "frt_median_value", "csat_contribution"):
        a, b = got[c].astype(float).fillna(-1).tolist(), want[c].astype(float).fillna(-1).tolist()
        assert all(math.isclose(x, y, abs_tol=1e-3 if c == "frt_median_value" else 1e-9) for x, y in zip(a, b)), c
    assert got["tier"].fillna("").tolist() == want["tier"].fillna("").tolist()
    # frt_median_value is a duration: seconds in the CSV, a [h]:mm:ss cell of days here.
    ws = wb["scorecard"]
    rules = [rule.formula for r in ws.conditional_formatting for rule in r.rules]
    assert ['"gold"'] in rules and ['"silver"'] in rules and ['"bronze"'] in rules
    weights = dict(wb["weights"].iter_rows(min_row=2, values_only=True))
    assert weights == pytest.approx({"frt_median": 0.2, "resolution_rate": 0.25, "csat": 0.3, "fcr_rate": 0.15,
                                     "complaint_rate": 0.1})


def test_qa_workbook_has_every_rollup(tmp_path):
    out = tmp_path / "qa.xlsx"
    args = [os.path.join(EX, "shop_reviews.csv"), "--rubric", os.path.join(EX, "shop_rubric.json")]
    r = run("qa", *args, "--output", str(out))
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["qa by agent", "qa by reviewer", "qa by item", "qa by section", "qa by review"]
    for by in ("agent", "item", "review"):
        want = pd.read_csv(io.StringIO(run("qa", *args, "--by", by, "--format", "csv").stdout), keep_default_na=False,
                           na_values=["null", ""], dtype=object)
        ws = wb[f"qa by {by}"]
        got = list(ws.iter_rows(values_only=True))
        assert list(got[0]) == list(want.columns)
        assert len(got) - 1 == len(want)
        for row, (_, w) in zip(got[1:], want.iterrows()):
            for v, x in zip(row, w):
                if pd.isna(x):
                    assert v is None
                elif isinstance(v, (int, float)):
                    assert math.isclose(v, float(x), rel_tol=1e-12)
                else:
                    assert v == x


def test_workbook_errors(tmp_path):
    r = run("report", DATA, "--config", CONFIG, "--format", "xlsx")
    assert r.returncode == 2 and "--output" in r.stderr
    r = run("report", DATA, "--config", CONFIG, "--output", str(tmp_path / "no" / "such" / "dir.xlsx"))
    assert r.returncode == 2 and "cannot write" in r.stderr
