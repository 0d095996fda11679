"""Timeline columns as full rates and as scorecard KPIs: round_response_rate and the SLA rates
carry Wilson intervals like every section 4 rate (checked with statsmodels), and a scorecard
ranks agents on round_response_rate from an event log, through the CLI and Python."""
from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))
EVENTS = ROOT / "examples" / "data" / "shop_messages.csv"
CONFIG = ROOT / "examples" / "data" / "shop_config.json"


def report_doc(*extra):
    out = subprocess.run([CLI, "report", "--events", str(EVENTS), "--config", str(CONFIG), "--format", "json", *extra],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_timeline_rates_carry_wilson_intervals():
    conf = json.loads(CONFIG.read_text(encoding="utf-8")).get("confidence", 0.95)
    doc = report_doc("--by", "agent")
    checked = 0
    for g in doc["groups"]:
        m = g["metrics"]
        for rate in ("round_response_rate", "sla_first_response", "sla_next_reply", "sla_resolution"):
            num, den = m[rate + "_num"], m[rate + "_den"]
            if not den:
                assert m[rate] is None and m[rate + "_ci_low"] is None
                continue
            lo, hi = proportion_confint(num, den, alpha=1 - conf, method="wilson")
            assert m[rate] == pytest.approx(num / den, abs=1e-12)
            assert m[rate + "_ci_low"] == pytest.approx(lo, abs=1e-12)
            assert m[rate + "_ci_high"] == pytest.approx(hi, abs=1e-12)
            checked += 1
    assert checked > 10


def test_scorecard_ranks_agents_on_round_response_rate(tmp_path):
    card = {"name": "rounds", "by": ["agent"], "kpis": [
        {"metric": "round_response_rate", "weight": 1, "normalize": {"method": "linear", "floor": 0, "target": 1},
         "min_den": 5}]}
    card_path = tmp_path / "card.json"
    card_path.write_text(json.dumps(card), encoding="utf-8")
    out = subprocess.run([CLI, "score", "--events", str(EVENTS), "--config", str(CONFIG), "--scorecard",
                          str(card_path), "--format", "json"], capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    cfg = json.loads(CONFIG.read_text(encoding="utf-8"))
    assert doc == cskpi.score_json(events=EVENTS, scorecard=card, config=cfg)
    # Independently: each agent's rate from the report, points = 100 x rate, agents with fewer
    # than 5 judged rounds insufficient (no score), ranks by score, ties share the best rank.
    rep = pd.DataFrame([{"agent": g["by"]["agent"], **g["metrics"]} for g in report_doc("--by", "agent")["groups"][1:]])
    rep = rep[rep["agent"].notna()]
    enough = rep[rep["round_response_rate_den"] >= 5].copy()
    enough["score"] = 100 * enough["round_response_rate"]
    enough["rank"] = enough["score"].rank(ascending=False, method="min").astype(int)
    got = {g["by"]["agent"]: g for g in doc["groups"]}
    assert len(enough) >= 2
    for _, r in enough.iterrows():
        assert got[r["agent"]]["score"] == pytest.approx(r["score"], abs=1e-9)
        assert got[r["agent"]]["rank"] == r["rank"]
    for a in set(rep["agent"]) - set(enough["agent"]):
        assert got[a]["score"] is None and "insufficient:round_response_rate" in got[a]["flags"]
    df = cskpi.score(events=EVENTS, scorecard=card, config=cfg)
    assert df.set_index("agent").loc[enough.iloc[0]["agent"], "round_response_rate_value"] == \
        pytest.approx(enough.iloc[0]["round_response_rate"])


def test_timeline_kpi_without_events_says_how(tmp_path):
    card_path = tmp_path / "card.json"
    card_path.write_text(json.dumps({"kpis": [{"metric": "round_response_rate", "weight": 1}]}), encoding="utf-8")
    out = subprocess.run([CLI, "score", str(ROOT / "examples" / "data" / "shop_interactions.csv"), "--scorecard",
                          str(card_path)], capture_output=True, text=True)
    assert out.returncode == 2 and "--events" in out.stderr
