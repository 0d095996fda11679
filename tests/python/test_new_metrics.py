"""Two section 4 metrics added through the metric table: one_touch_rate (from a `replies`
column and from event logs) and bot_containment_verified_rate, on hand-worked rows through the
CLI and Python; the Wilson interval from statsmodels."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))

EVENTS = """interaction_id,at,from,agent,kind,public,status,channel
A,2026-03-01 10:00:00,customer,,message,,,chat
A,2026-03-01 10:00:20,agent,X,message,,,
A,2026-03-01 10:05:00,agent,X,status,,solved,
B,2026-03-01 11:00:00,customer,,message,,,chat
B,2026-03-01 11:00:30,agent,X,message,,,
B,2026-03-01 11:01:00,customer,,message,,,
B,2026-03-01 11:01:30,agent,Y,message,,,
B,2026-03-01 11:05:00,agent,Y,status,,solved,
C,2026-03-01 12:00:00,customer,,message,,,chat
C,2026-03-01 12:00:10,agent,Y,note,,,
C,2026-03-01 12:00:40,agent,Y,message,false,,
C,2026-03-01 12:01:00,agent,Y,message,,,
C,2026-03-01 12:02:00,agent,Y,status,,solved,
D,2026-03-01 13:00:00,customer,,message,,,chat
D,2026-03-01 13:00:20,agent,X,message,,,
"""
# A: 1 public reply, solved -> one-touch. B: 2 replies -> not. C: a note and a private message
# do not reply; 1 public reply -> one-touch. D: not solved -> not counted. 2 of 3.


def metrics(doc, key=None):
    g = doc["groups"][0] if key is None else next(x for x in doc["groups"] if x["by"].get("agent") == key)
    return g["metrics"]


def test_one_touch_from_events(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(EVENTS, encoding="utf-8")
    doc = json.loads(subprocess.run([CLI, "report", "--events", str(path), "--by", "agent", "--format", "json"],
                                    capture_output=True, text=True, check=True).stdout)
    m = metrics(doc)
    assert (m["one_touch_rate_num"], m["one_touch_rate_den"]) == (2, 3)
    lo, hi = proportion_confint(2, 3, alpha=0.05, method="wilson")
    assert m["one_touch_rate_ci_low"] == pytest.approx(lo, abs=1e-12)
    assert m["one_touch_rate_ci_high"] == pytest.approx(hi, abs=1e-12)
    assert (metrics(doc, "X")["one_touch_rate_num"], metrics(doc, "X")["one_touch_rate_den"]) == (1, 2)  # A, B
    df = cskpi.report(events=path, by=["agent"])
    assert df.set_index("agent").loc["Y", "one_touch_rate"] == 1.0  # C
    explained = subprocess.run([CLI, "explain", "C", "--events", str(path)], capture_output=True, text=True,
                               check=True).stdout
    assert "replies = 1 public agent message" in explained


def test_one_touch_and_verified_containment_from_columns(tmp_path):
    rows = pd.DataFrame({
        "id": ["b1", "b2", "b3", "b4", "b5"],
        "created_at": ["2026-03-01 10:00:00", "2026-03-02 10:00:00", "2026-03-01 11:00:00", "2026-03-01 12:00:00",
                       "2026-03-01 13:00:00"],
        "channel": ["bot", "chat", "bot", "bot", "chat"],
        "agent": [None, "X", None, None, "X"],
        "customer": ["U1", "U1", "U2", None, "U3"],
        "bot": [1, 0, 1, 1, 0],
        "resolved": [1, 1, 1, 1, 1],
        "replies": [0, 1, 0, 0, 3],
    })
    # Bot rows b1 b3 b4; contained b1 b3 b4; U1 comes back the next day, so b1 is not verified.
    path = tmp_path / "rows.csv"
    rows.to_csv(path, index=False)
    doc = json.loads(subprocess.run([CLI, "report", str(path), "--format", "json"], capture_output=True, text=True,
                                    check=True).stdout)
    m = metrics(doc)
    assert (m["bot_containment_rate_num"], m["bot_containment_verified_rate_num"], m["bot_containment_verified_rate_den"]) \
        == (3, 2, 3)
    assert (m["one_touch_rate_num"], m["one_touch_rate_den"]) == (4, 5)  # replies 0 0 1 0 <= 1; b5 has 3
    py = cskpi.report(rows).iloc[0]
    assert py["bot_containment_verified_rate"] == pytest.approx(2 / 3)
    assert py["one_touch_rate"] == pytest.approx(4 / 5)
    # Columns in section 4's order: one_touch after transfer, verified containment after escalation.
    cols = cskpi.metric_columns()
    assert cols.index("one_touch_rate") == cols.index("transfer_rate_ci_high") + 1
    assert cols.index("bot_containment_verified_rate") == cols.index("bot_escalation_rate_ci_high") + 1
