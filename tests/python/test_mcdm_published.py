"""Published MCDA worked examples (tests/data/mcdm, each with its citation) through the
scorecard: every alternative becomes an agent with one interaction whose metrics equal the
example's row, every criterion a KPI, and `cskpi score` (CLI and Python) must reproduce the
published entropy and CRITIC weights to the published decimals, the independent full-precision
values to 1e-9, and the published TOPSIS closeness coefficients and ideal points."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))
MCDM = ROOT / "tests" / "data" / "mcdm"

# Which interaction column carries a criterion, and the metric that then equals it for an agent
# with a single interaction. csat and ces take integers on a scale set in the config.
CARRIERS = [
    ("first_response_s", "frt_mean"),
    ("handle_s", "aht_mean"),
    ("resolution_s", "resolution_time_mean"),
    ("order_value", "sales_total"),
    ("csat", "csat_mean"),
    ("ces", "ces_mean"),
]
CONFIG = {"csat": {"scale": [0, 1000000], "satisfied_min": 50}, "ces": {"scale": [0, 1000000]}}


def load(name: str):
    matrix = pd.read_csv(MCDM / f"{name}.csv")
    expected = json.loads((MCDM / f"{name}.expected.json").read_text(encoding="utf-8"))
    return matrix, expected


def carriers_for(matrix: pd.DataFrame, integer_columns=()):
    """Assigns each criterion a carrier: integer criteria may use csat/ces, the rest durations
    and order value."""
    free = list(CARRIERS)
    picked = {}
    cols = list(matrix.columns[1:])
    for col in sorted(cols, key=lambda c: c in integer_columns):  # non-integer criteria first
        whole = col in integer_columns
        pick = next(c for c in free if whole or c[0] not in ("csat", "ces"))
        free.remove(pick)
        picked[col] = pick
    return {col: picked[col] for col in cols}


def interactions(matrix: pd.DataFrame, carriers: dict, path: Path):
    rows = []
    for i, r in matrix.iterrows():
        row = {"id": f"x{i}", "created_at": "2026-03-01 10:00:00", "channel": "chat", "agent": r["alternative"],
               "resolved": 1, "category": "other"}
        for col, (column, _) in carriers.items():
            row[column] = int(r[col]) if column in ("csat", "ces") else r[col]
            if column == "order_value":
                row.update(category="presale", converted=1)
        rows.append(row)
    pd.DataFrame(rows).to_csv(path, index=False)


def run_score(tmp_path: Path, matrix, carriers, kpis, weights, extra=None):
    data = tmp_path / "matrix.csv"
    interactions(matrix, carriers, data)
    card = {"name": "published", "by": ["agent"], "kpis": kpis, "weights": weights, **(extra or {})}
    card_path = tmp_path / "card.json"
    card_path.write_text(json.dumps(card), encoding="utf-8")
    cfg_path = tmp_path / "config.json"
    cfg_path.write_text(json.dumps(CONFIG), encoding="utf-8")
    out = subprocess.run([CLI, "score", str(data), "--config", str(cfg_path), "--scorecard", str(card_path),
                          "--format", "json"], capture_output=True, text=True, check=True).stdout
    doc = json.loads(out)
    assert len(doc["groups"]) == len(matrix)  # every alternative read and scored
    assert doc == cskpi.score_json(data, card, config=CONFIG)
    df = cskpi.score(data, card, config=CONFIG)
    assert df.attrs["weights"] == doc["weights"]
    # The KPI values are the example's own numbers.
    for g in doc["groups"]:
        row = matrix[matrix["alternative"] == g["by"]["agent"]].iloc[0]
        for col, (_, metric) in carriers.items():
            assert g["kpis"][metric]["value"] == pytest.approx(row[col], rel=1e-12)
    return doc


def check_weights(doc, carriers, published, decimals, computed):
    got = [doc["weights"][metric] for _, metric in carriers.values()]
    assert [round(w, decimals) for w in got] == pytest.approx(published, abs=10 ** -(decimals + 3))
    assert got == pytest.approx(computed, abs=1e-9)


@pytest.mark.parametrize("name", ["entropy_xu2004", "entropy_zavadskas_podvezko2016", "entropy_elsayed2017"])
def test_entropy_weights(tmp_path, name):
    # Convention of the papers: p_ij = x_ij / sum_i x_ij on the raw values. Through the
    # scorecard: `linear` points with floor 0 and a target at the column's maximum keep every
    # value proportional (points / 100 = x / max), and p is scale-free.
    matrix, expected = load(name)
    whole = [c for c in matrix.columns[1:] if (matrix[c] == matrix[c].round()).all()]
    carriers = carriers_for(matrix, whole)
    kpis = [{"metric": metric, "normalize": {"method": "linear", "floor": 0, "target": float(matrix[col].max())}}
            for col, (_, metric) in carriers.items()]
    doc = run_score(tmp_path, matrix, carriers, kpis, {"method": "entropy"})
    assert doc["weight_method"] == "entropy"
    check_weights(doc, carriers, expected["published_weights"], expected["published_decimals"],
                  expected["computed_weights"])


@pytest.mark.parametrize("price_better,key", [("higher", "computed_weights"),
                                              ("lower", "computed_weights_price_reversed")])
def test_critic_weights(tmp_path, price_better, key):
    # Published convention: every column min-max normalized as a benefit column, price included
    # (`better: higher` on the price KPI). cskpi's points reverse a lower-better KPI, so a price
    # declared `better: lower` gives the example's cost-reversed weights instead.
    matrix, expected = load("critic_tus_adali2019")
    carriers = carriers_for(matrix, [c for c in matrix.columns[2:]])
    kpis = [{"metric": metric, "better": price_better if col == "C1_price" else "higher",
             "normalize": {"method": "minmax"}} for col, (_, metric) in carriers.items()]
    doc = run_score(tmp_path, matrix, carriers, kpis, {"method": "critic"})
    if key == "computed_weights":
        check_weights(doc, carriers, expected["published_weights"], expected["published_decimals"], expected[key])
    else:
        assert [doc["weights"][m] for _, m in carriers.values()] == pytest.approx(expected[key], abs=1e-9)


def test_topsis_opricovic_tzeng_minmax(tmp_path):
    # Min-max normalization (cskpi's default TOPSIS), f1 a cost and f2 a benefit, weights 0.5/0.5.
    matrix, expected = load("topsis_opricovic_tzeng2004")
    carriers = carriers_for(matrix)
    pub = expected["published"]
    kpis = [{"metric": metric, "weight": w, "better": "higher" if t > 0 else "lower"}
            for (col, (_, metric)), w, t in zip(carriers.items(), pub["weights"], pub["types"])]
    doc = run_score(tmp_path, matrix, carriers, kpis, {"method": "manual"})
    assert doc["topsis"]["normalization"] == "minmax"
    closeness = [next(g["topsis"] for g in doc["groups"] if g["by"]["agent"] == a) for a in matrix["alternative"]]
    assert [round(c, 3) for c in closeness] == pub["closeness_3dp"]
    assert closeness == pytest.approx(expected["computed_crosscheck"]["closeness_minmax"], abs=1e-9)
    # Min-max turns every KPI so that more is better: the ideal is each weight, the anti-ideal 0.
    assert list(doc["topsis"]["ideal"].values()) == pytest.approx([0.5, 0.5])
    assert list(doc["topsis"]["anti_ideal"].values()) == pytest.approx([0.0, 0.0])


@pytest.mark.parametrize("name,key", [("topsis_opricovic_tzeng2004", "closeness_vector"),
                                      ("topsis_R_MCDA_cars", "closeness_vector")])
def test_topsis_vector_normalization(tmp_path, name, key):
    # Vector normalization (`"topsis": {"normalization": "vector"}`), as the R package MCDA.
    matrix, expected = load(name)
    carriers = carriers_for(matrix)
    cross = expected["computed_crosscheck"]
    kpis = [{"metric": metric, "weight": w, "better": "higher" if t > 0 else "lower"}
            for (col, (_, metric)), w, t in zip(carriers.items(), cross["weights"], cross["types"])]
    doc = run_score(tmp_path, matrix, carriers, kpis, {"method": "manual"}, {"topsis": {"normalization": "vector"}})
    assert doc["topsis"]["normalization"] == "vector"
    closeness = [next(g["topsis"] for g in doc["groups"] if g["by"]["agent"] == a) for a in matrix["alternative"]]
    assert closeness == pytest.approx(cross[key], abs=1e-9)
    metrics = [m for _, m in carriers.values()]
    if "published" in expected and "pis" in expected["published"]:
        pis = [doc["topsis"]["ideal"][m] for m in metrics]
        nis = [doc["topsis"]["anti_ideal"][m] for m in metrics]
        assert [round(x, 9) for x in pis] == pytest.approx(expected["published"]["pis"], abs=1e-12)
        assert [round(x, 9) for x in nis] == pytest.approx(expected["published"]["nis"], abs=1e-12)
        assert pis == pytest.approx(cross["pis"], abs=1e-12)
        assert nis == pytest.approx(cross["nis"], abs=1e-12)


def test_topsis_normalization_is_validated(tmp_path):
    card = {"kpis": [{"metric": "csat", "weight": 1}], "topsis": {"normalization": "l2"}}
    path = tmp_path / "card.json"
    path.write_text(json.dumps(card), encoding="utf-8")
    out = subprocess.run([CLI, "score", str(ROOT / "examples" / "data" / "shop_interactions.csv"),
                          "--scorecard", str(path)], capture_output=True, text=True)
    assert out.returncode == 2
    assert "scorecard.topsis.normalization" in out.stderr and "vector" in out.stderr
