"""Survey sample size and the csat margin (spec section 15) against the published table of
Krejcie & Morgan (1970) and by hand."""
import json
import math
import os
import subprocess

import pytest
from scipy.stats import norm

import cskpi

CLI = os.environ.get("CSKPI_CLI", "cskpi")


@pytest.mark.parametrize("population,size", [(100, 80), (1000, 278), (10000, 370), (1000000, 384)])
def test_survey_size_matches_the_published_table(population, size):
    # Krejcie, R. V. & Morgan, D. W. (1970), "Determining sample size for research activities",
    # Educational and Psychological Measurement 30, 607-610, Table 1 (p = 0.5, e = 0.05, 95 %).
    assert cskpi.survey_size(population, 0.05)["n"] == size
    r = subprocess.run([CLI, "survey-size", "--population", str(population), "--margin", "0.05", "--format", "json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    z = norm.ppf(0.975)
    assert doc["n0"] == pytest.approx(z * z * 0.25 / 0.0025)
    assert doc["n"] == size


def test_survey_size_other_confidence_and_p():
    z = norm.ppf(0.995)
    n0 = z * z * 0.2 * 0.8 / 0.03 ** 2
    assert cskpi.survey_size(5000, 0.03, confidence=0.99, p=0.2)["n"] == math.ceil(n0 / (1 + (n0 - 1) / 5000))


def test_survey_size_errors():
    for args, word in ((["--population", "0", "--margin", "0.05"], "--population"),
                       (["--population", "100", "--margin", "0"], "--margin"),
                       (["--population", "100", "--margin", "0.05", "--p", "2"], "--p")):
        r = subprocess.run([CLI, "survey-size", *args], capture_output=True, text=True)
        assert r.returncode == 2 and word in r.stderr
    with pytest.raises(ValueError):
        cskpi.survey_size(100, 1.5)


def test_csat_margin_by_hand(tmp_path):
    # Team A: 10 answered rows, 5 rated (4 satisfied): z sqrt(0.8 * 0.2 / 5) sqrt((10 - 5) / 9).
    # Team B: 3 answered, 3 rated: a census, margin 0. Team C: no rating: undefined.
    lines = ["id,created_at,channel,team,first_response_s,csat"]
    for i in range(10):
        lines.append(f"a{i},2026-03-02 10:00:00,chat,A,5,{[5, 5, 4, 4, 2][i] if i < 5 else ''}")
    for i in range(3):
        lines.append(f"b{i},2026-03-02 10:00:00,chat,B,5,5")
    lines.append("c0,2026-03-02 10:00:00,chat,C,5,")
    data = tmp_path / "x.csv"
    data.write_text("\n".join(lines) + "\n")
    df = cskpi.report(str(data), by=["team"]).set_index("team")
    z = norm.ppf(0.975)
    assert df.loc["A", "csat_margin"] == pytest.approx(z * math.sqrt(0.8 * 0.2 / 5) * math.sqrt(5 / 9))
    assert df.loc["B", "csat_margin"] == 0
    assert math.isnan(df.loc["C", "csat_margin"])


def test_pareto_of_complaints_matches_pandas():
    import pandas as pd

    sys_path = os.path.dirname(__file__)
    import sys

    sys.path.insert(0, sys_path)
    import spec_reference as ref

    root = os.path.abspath(os.path.join(sys_path, "..", ".."))
    data = os.path.join(root, "examples", "data", "shop_interactions.csv")
    config = os.path.join(root, "examples", "data", "shop_config.json")
    r = subprocess.run([CLI, "pareto", data, "--config", config, "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["rows"]
    _, d = ref.accepted_facts(data, config)
    comp = d[d["complaint_row"]].groupby("category").size().sort_values(ascending=False, kind="stable")
    assert [(x["by"]["category"], x["count"]) for x in rows] == list(zip(comp.index, comp.to_numpy().tolist()))
    share = comp / comp.sum()
    assert [x["share"] for x in rows] == pytest.approx(share.tolist())
    assert [x["cumulative"] for x in rows] == pytest.approx(share.cumsum().tolist())
    r = subprocess.run([CLI, "pareto", data, "--config", config, "--by", "team", "--count", "csat", "--format", "csv"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--count" in r.stderr and "csat" in r.stderr
    r = subprocess.run([CLI, "pareto", data, "--config", config, "--by", "team", "--count", "refund_rate_num", "--format", "csv"],
                       capture_output=True, text=True)
    assert r.returncode == 0
    got = pd.read_csv(pd.io.common.StringIO(r.stdout), keep_default_na=False, na_values=["null"])
    refunds = d[d["refund"]].groupby(d["team"].fillna("null")).size().sort_values(ascending=False, kind="stable")
    assert got["count"].tolist() == refunds.to_numpy().tolist()


def test_python_pareto_is_the_cli_rows():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    data = os.path.join(root, "examples", "data", "shop_interactions.csv")
    config = os.path.join(root, "examples", "data", "shop_config.json")
    with pytest.warns(UserWarning):
        df = cskpi.pareto(data, config=config)
    rows = json.loads(subprocess.run([CLI, "pareto", data, "--config", config, "--format", "json"],
                                     capture_output=True, text=True, check=True).stdout)["rows"]
    assert df["category"].tolist() == [r["by"]["category"] for r in rows]
    assert df["cumulative"].tolist() == pytest.approx([r["cumulative"] for r in rows])
