"""Two rules the contract states explicitly, on hand-worked rows through the CLI and Python:
ties in created_at are ordered by id for first contact and FCR (section 3), and the pooled rate
of `shrink` uses the scored groups' sufficient rates only (section 9)."""
from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
from pathlib import Path

import pandas as pd
import pytest

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))

HEAD = "id,created_at,channel,agent,customer,category,resolved,reopened\n"
# A and B: one customer and category at the same second. By id A comes first: A is a first
# contact, not FCR (B follows within the window); B is not a first contact. Z: another
# customer's lone contact, first and FCR.
ROW_A = "A,2026-03-01 10:00:00,chat,X,U1,order,1,0\n"
ROW_B = "B,2026-03-01 10:00:00,chat,Y,U1,order,1,0\n"
ROW_Z = "Z,2026-03-01 10:00:00,chat,Y,U2,order,1,0\n"
# (fcr_rate_num, fcr_rate_den) per agent, worked out above.
WANT = {"X": (0, 1), "Y": (1, 1)}


def counts(df: pd.DataFrame) -> dict:
    return {r["agent"]: (int(r["fcr_rate_num"]), int(r["fcr_rate_den"])) for _, r in df.iterrows()}


@pytest.mark.parametrize("body", [ROW_A + ROW_B + ROW_Z, ROW_Z + ROW_B + ROW_A], ids=["A first", "B first"])
def test_fcr_ties_by_id_cli_and_python(tmp_path, body):
    path = tmp_path / "ties.csv"
    path.write_text(HEAD + body, encoding="utf-8")
    out = subprocess.run([CLI, "report", str(path), "--by", "agent", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    doc = json.loads(out)
    overall = doc["groups"][0]["metrics"]
    assert (overall["fcr_rate_num"], overall["fcr_rate_den"]) == (1, 2)
    got = {g["by"]["agent"]: (g["metrics"]["fcr_rate_num"], g["metrics"]["fcr_rate_den"]) for g in doc["groups"][1:]}
    assert got == WANT
    assert counts(cskpi.report(path, by=["agent"])) == WANT
    assert counts(cskpi.report(pd.read_csv(io.StringIO(HEAD + body)), by=["agent"])) == WANT


def test_fcr_ties_by_id_across_merged_partial_states():
    df = pd.read_csv(io.StringIO(HEAD + ROW_A + ROW_Z + ROW_B))
    a = cskpi.partial(df.iloc[:2], by=["agent"])   # A, Z
    b = cskpi.partial(df.iloc[2:], by=["agent"])   # B
    for whole in (a + b, b + a, pickle.loads(pickle.dumps(a)) + pickle.loads(pickle.dumps(b))):
        assert counts(cskpi.finalize(whole)) == WANT


def write_csat_rows(path: Path):
    # csat ratings (scale 1-5, satisfied >= 4): A 9 of 10 satisfied, B 0 of 2, C 5 of 10.
    rows = [HEAD.strip() + ",csat"]
    n = 0
    for agent, good, total in (("A", 9, 10), ("B", 0, 2), ("C", 5, 10)):
        for i in range(total):
            n += 1
            rows.append(f"r{n},2026-03-01 10:{n:02d}:00,chat,{agent},,,1,0,{5 if i < good else 2}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_shrink_pools_sufficient_rates_only(tmp_path):
    data = tmp_path / "csat.csv"
    write_csat_rows(data)
    card = {"name": "shrink", "by": ["agent"], "kpis": [
        {"metric": "csat", "weight": 1, "normalize": {"method": "linear", "floor": 0, "target": 1},
         "min_den": 5, "shrink": 4}]}
    card_path = tmp_path / "card.json"
    card_path.write_text(json.dumps(card), encoding="utf-8")
    # B (2 ratings) is insufficient: p-bar = (9 + 5) / (10 + 10) = 0.7, not 14/22.
    pooled = 14 / 20
    want_adjusted = {"A": (9 + 4 * pooled) / 14, "B": (0 + 4 * pooled) / 6, "C": (5 + 4 * pooled) / 14}
    doc = json.loads(subprocess.run([CLI, "score", str(data), "--scorecard", str(card_path), "--format", "json"],
                                    capture_output=True, text=True, check=True).stdout)
    assert doc == cskpi.score_json(data, card)
    groups = {g["by"]["agent"]: g for g in doc["groups"]}
    for agent, adj in want_adjusted.items():
        assert groups[agent]["kpis"]["csat"]["adjusted"] == pytest.approx(adj, rel=1e-12)
    assert groups["A"]["score"] == pytest.approx(100 * want_adjusted["A"], rel=1e-12)
    assert groups["C"]["score"] == pytest.approx(100 * want_adjusted["C"], rel=1e-12)
    assert groups["B"]["kpis"]["csat"]["points"] is None
    assert "insufficient:csat" in groups["B"]["flags"]
    df = cskpi.score(data, card)
    assert df.set_index("agent").loc["A", "csat_adjusted"] == pytest.approx(want_adjusted["A"], rel=1e-12)
    # The insufficient group's counts do not move anyone else: B with 0 of 4 instead of 0 of 2.
    rows = data.read_text(encoding="utf-8").splitlines()
    extra = [f"r9{i},2026-03-02 10:0{i}:00,chat,B,,,1,0,1" for i in range(2)]
    data.write_text("\n".join(rows + extra) + "\n", encoding="utf-8")
    again = {g["by"]["agent"]: g for g in cskpi.score_json(data, card)["groups"]}
    assert again["A"]["score"] == groups["A"]["score"]
    assert again["C"]["score"] == groups["C"]["score"]
