"""Scorecards from the CLI and from Python: the same numbers, recomputed here independently
with pandas from the report's own metric values (normalization and weighting by hand)."""
from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))
DATA = ROOT / "examples" / "data" / "shop_interactions.csv"
CARD = ROOT / "examples" / "data" / "shop_scorecard.json"
CFG = {"timezone": "Asia/Shanghai"}


def cli_score(*extra):
    out = subprocess.run([CLI, "score", str(DATA), "--scorecard", str(CARD), "--config",
                          str(ROOT / "examples" / "data" / "shop_config.json"), *extra],
                         capture_output=True, text=True, check=True)
    return out.stdout


def test_cli_and_python_agree_and_match_a_pandas_recomputation():
    doc = json.loads(cli_score("--format", "json"))
    assert doc == cskpi.score_json(DATA, CARD, config=CFG)
    card = json.loads(CARD.read_text(encoding="utf-8"))
    rep = cskpi.report(DATA, by=["agent"], config=CFG)
    scored = rep[rep["agent"].notna() & (rep["interactions"] >= card["min_interactions"])].copy()
    # csat: min_den 20, shrink 20 toward the pooled rate of the scored agents whose csat is
    # sufficient (section 9).
    enough = scored[(scored["csat_den"] >= 20) & scored["csat"].notna()]
    pooled = enough["csat_num"].sum() / enough["csat_den"].sum()
    scored["csat_adj"] = (scored["csat_den"] * scored["csat"] + 20 * pooled) / (scored["csat_den"] + 20)
    pts = pd.DataFrame(index=scored.index)
    f = scored["frt_median"]
    pts["frt_median"] = np.select([f <= 35, f <= 45, f <= 55], [100, 80, 60], 0)
    pts["resolution_rate"] = (100 * (scored["resolution_rate"] - 0.6) / 0.35).clip(0, 100)
    ok = scored["csat_den"] >= 20
    c = scored.loc[ok, "csat_adj"]
    pts["csat"] = 100 * (scored["csat_adj"] - c.min()) / (c.max() - c.min())
    pts.loc[~ok, "csat"] = np.nan
    fcr = scored["fcr_rate"]
    pts["fcr_rate"] = [100 * ((fcr < x).sum() + 0.5 * ((fcr == x).sum() - 1)) / (len(fcr) - 1) for x in fcr]
    cr = scored["complaint_rate"]
    pts["complaint_rate"] = (50 - 10 * (cr - cr.mean()) / cr.std(ddof=1)).clip(0, 100)
    w = pd.Series({k["metric"]: k["weight"] for k in card["kpis"]})
    w = w / w.sum()
    expected = (pts * w).sum(axis=1, skipna=True) / pts.notna().mul(w).sum(axis=1)
    got = {g["by"]["agent"]: g for g in doc["groups"]}
    for i, row in scored.iterrows():
        g = got[row["agent"]]
        assert math.isclose(g["score"], expected[i], rel_tol=1e-9), (row["agent"], g["score"], expected[i])
        assert math.isclose(g["kpis"]["csat"]["adjusted"], row["csat_adj"], rel_tol=1e-12)
    ranks = expected.rank(ascending=False, method="min").astype(int)
    for i, row in scored.iterrows():
        assert got[row["agent"]]["rank"] == ranks[i]
    assert doc["weights"] == pytest.approx(w.to_dict())


def test_score_dataframe_explain_and_table():
    df = cskpi.score(pd.read_csv(DATA), CARD, config=CFG)
    assert list(df.columns[:8]) == ["agent", "interactions", "score", "rank", "tier", "flags", "topsis", "topsis_rank"]
    assert df.attrs["weight_method"] == "manual"
    top = df.sort_values("rank").iloc[0]
    text = cskpi.explain(DATA, CARD, top["agent"], config=CFG)
    assert text.startswith(f"{top['agent']}: score {top['score']:.2f}, rank 1")
    assert text == cli_score("--explain", top["agent"])
    table = cli_score("--format", "table")
    assert "scorecard agent monthly" in table and top["agent"] in table
    none_row = df[df["agent"].isna()].iloc[0]
    assert none_row["flags"] == ["missing_key"] and pd.isna(none_row["rank"])


def test_scorecard_errors(tmp_path):
    with pytest.raises(ValueError, match=r"scorecard.kpis\[0\].metric: unknown metric 'speed'"):
        cskpi.score(DATA, {"kpis": [{"metric": "speed", "weight": 1}]})
    bad = tmp_path / "card.json"
    bad.write_text('{"kpis": [{"metric": "csat"}]}', encoding="utf-8")
    r = subprocess.run([CLI, "score", str(DATA), "--scorecard", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and "scorecard.kpis[0].weight: required by manual weights" in r.stderr
    r = subprocess.run([CLI, "score", str(DATA)], capture_output=True, text=True)
    assert r.returncode == 2 and "scorecard" in r.stderr


def test_team_rollups_from_agents_and_pooled():
    teams = cskpi.team_scores(DATA, CARD, config=CFG)
    agents = {g["by"]["agent"]: g["score"] for g in cskpi.score_json(DATA, CARD, config=CFG)["groups"] if g["score"] is not None}
    ta = cskpi.report(DATA, by=["team", "agent"], config=CFG)
    for _, t in teams.dropna(subset=["team"]).iterrows():
        rows = ta[(ta["team"] == t["team"]) & ta["agent"].isin(agents)]
        want = (rows["interactions"] * rows["agent"].map(agents)).sum() / rows["interactions"].sum()
        assert math.isclose(t["from_agents"], want, rel_tol=1e-12)
        assert t["agents"] == len(rows)
    card = json.loads(CARD.read_text(encoding="utf-8"))
    pooled = cskpi.score_json(DATA, {**card, "by": ["team"], "min_interactions": 0}, config=CFG)
    want = {g["by"]["team"]: g["score"] for g in pooled["groups"]}
    for _, t in teams.iterrows():
        assert (t["pooled"] is None or (isinstance(t["pooled"], float) and math.isnan(t["pooled"]))) if want[t["team"]] is None \
            else math.isclose(t["pooled"], want[t["team"]], rel_tol=1e-12)
    cli = json.loads(cli_score("--format", "json", "--teams"))["teams"]
    assert [x["team"] for x in cli] == list(teams["team"])


def test_case_mix_expected_value_from_the_agents_cells():
    """expected = sum over (channel, category) cells of the agent's share of the KPI's
    denominator x the cell's overall rate; adjusted = value - expected (pandas below)."""
    card = {"kpis": [{"metric": "resolution_rate", "weight": 1, "normalize": {"method": "minmax"},
                      "case_mix": ["channel", "category"]},
                     {"metric": "frt_mean", "weight": 1, "better": "lower", "case_mix": ["channel", "category"]}]}
    doc = cskpi.score_json(DATA, card, config=CFG)
    cells = cskpi.report(DATA, by=["channel", "category"], config=CFG).set_index(["channel", "category"])
    mix = cskpi.report(DATA, by=["agent", "channel", "category"], config=CFG)
    for g in doc["groups"]:
        agent = g["by"]["agent"]
        rows = mix[mix["agent"] == agent] if agent is not None else mix[mix["agent"].isna()]
        for metric, weight in (("resolution_rate", "resolution_rate_den"), ("frt_mean", "interactions")):
            cell_values = cells.loc[list(zip(rows["channel"], rows["category"])), metric].to_numpy()
            w = rows[weight].to_numpy(dtype=float)
            ok = (w > 0) & ~np.isnan(cell_values)
            expected = (w[ok] * cell_values[ok]).sum() / w[ok].sum()
            k = g["kpis"][metric]
            assert math.isclose(k["expected"], expected, rel_tol=1e-12), (agent, metric)
            assert math.isclose(k["adjusted"], k["value"] - expected, rel_tol=1e-9, abs_tol=1e-12)
    text = cskpi.explain(DATA, card, doc["groups"][0]["by"]["agent"], config=CFG)
    assert "for its case mix" in text
    with pytest.raises(ValueError, match=r"scorecard.kpis\[1\].case_mix: every KPI must use the same case-mix keys"):
        cskpi.score_json(DATA, {"kpis": [{"metric": "csat", "weight": 1, "case_mix": ["channel"]},
                                         {"metric": "nps", "weight": 1, "case_mix": ["category"]}]})


def test_score_frame_is_sorted_by_integer_rank():
    df = cskpi.score(str(DATA), str(CARD), config=CFG)
    assert str(df["rank"].dtype) == "Int64" and str(df["topsis_rank"].dtype) == "Int64"
    ranked = df["rank"].dropna().tolist()
    assert ranked == sorted(ranked) and ranked[0] == 1
    assert df["rank"].isna().sum() == 0 or df["rank"].isna().iloc[-1]  # unranked groups last


def test_public_namespace_is_the_api():
    assert dir(cskpi) == sorted(cskpi.__all__)
    assert all(not n.startswith("_") for n in dir(cskpi))
