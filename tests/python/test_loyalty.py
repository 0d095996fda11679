"""Survey response rates with `survey_sent` and repurchase by satisfaction from an orders table
(spec section 15), by hand and against pandas + statsmodels."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))

SURVEYS = """id,created_at,channel,first_response_s,survey_sent,csat
A,2026-03-01 10:00:00,chat,10,1,5
B,2026-03-01 10:01:00,chat,10,1,
C,2026-03-01 10:02:00,chat,10,0,4
D,2026-03-01 10:03:00,chat,10,yes,2
E,2026-03-01 10:04:00,chat,,0,
"""


def test_survey_sent_response_rate_by_hand(tmp_path):
    # Sent to A, B, D; rated A, D -> 2 / 3. C rated without a survey: counted in csat, flagged.
    path = tmp_path / "s.csv"
    path.write_text(SURVEYS, encoding="utf-8")
    r = subprocess.run([CLI, "report", str(path), "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "1 rating(s) on rows not sent a survey" in r.stderr
    doc = json.loads(r.stdout)
    m = doc["groups"][0]["metrics"]
    assert (m["csat_response_rate_num"], m["csat_response_rate_den"]) == (2, 3)
    lo, hi = proportion_confint(2, 3, alpha=0.05, method="wilson")
    assert m["csat_response_rate_ci_low"] == pytest.approx(lo, abs=1e-12)
    assert m["csat_response_rate_ci_high"] == pytest.approx(hi, abs=1e-12)
    assert m["csat_unsolicited"] == 1
    assert (m["csat_num"], m["csat_den"]) == (2, 3)  # A 5, C 4 satisfied; D 2 not
    assert doc["input"]["ratings_without_survey_sent"] == 1
    # the DataFrame path reads the column too
    df = pd.read_csv(path, dtype={"survey_sent": str})
    assert cskpi.report(df)["csat_response_rate"].iloc[0] == pytest.approx(2 / 3)


def test_without_survey_sent_section_4_stands(tmp_path):
    path = tmp_path / "s.csv"
    text = "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != 4) for line in SURVEYS.strip().split("\n"))
    path.write_text(text + "\n", encoding="utf-8")
    m = json.loads(subprocess.run([CLI, "report", str(path), "--format", "json"], capture_output=True, text=True,
                                  check=True).stdout)["groups"][0]["metrics"]
    # answered A..D, rated A, C, D -> 3 / 4
    assert (m["csat_response_rate_num"], m["csat_response_rate_den"]) == (3, 4)
    assert m["csat_unsolicited"] == 0


def test_bad_survey_sent_is_rejected_with_its_line(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(SURVEYS.replace("C,2026-03-01 10:02:00,chat,10,0,4", "C,2026-03-01 10:02:00,chat,10,maybe,4"), encoding="utf-8")
    doc = json.loads(subprocess.run([CLI, "report", str(path), "--format", "json"], capture_output=True, text=True).stdout)
    rej = doc["input"]["rejects"]
    assert [(x["line"], x["column"]) for x in rej] == [(4, "survey_sent")]


def loyalty_data(seed, n=800):
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 60 * 86400, n), unit="s")
    csat = rng.integers(1, 6, n).astype(float)
    csat[rng.random(n) < 0.3] = np.nan
    customers = np.array([f"U{c:04d}" for c in rng.integers(0, 300, n)], dtype=object)
    customers[rng.random(n) < 0.05] = ""
    inter = pd.DataFrame({"id": [f"I{i:05d}" for i in range(n)], "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
                          "channel": "chat", "customer": customers, "csat": csat})
    m = 900
    orders = pd.DataFrame({
        "customer": [f"U{c:04d}" for c in rng.integers(0, 330, m)],
        "ordered_at": (pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 100 * 86400, m), unit="s")).strftime("%Y-%m-%d %H:%M:%S"),
        "order_value": rng.exponential(100, m).round(2),
    })
    return inter, orders


def expected_repurchase(inter, orders, window_days=30):
    o = orders.assign(t=pd.to_datetime(orders["ordered_at"]))
    rated = inter[inter["csat"].notna() & (inter["customer"] != "")].copy()
    rated["t"] = pd.to_datetime(rated["created_at"])
    w = pd.Timedelta(days=window_days)
    rated["again"] = [((o["customer"] == c) & (o["t"] > t) & (o["t"] <= t + w)).any() for c, t in zip(rated["customer"], rated["t"])]
    return rated


def test_repurchase_matches_pandas_and_statsmodels(tmp_path):
    inter, orders = loyalty_data(9)
    ip, op = tmp_path / "i.csv", tmp_path / "o.csv"
    inter.to_csv(ip, index=False)
    orders.to_csv(op, index=False)
    r = subprocess.run([CLI, "repurchase", str(ip), "--orders", str(op), "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    rated = expected_repurchase(inter, orders)
    assert doc["rated"] == int(inter["csat"].notna().sum())
    assert doc["rated_without_customer"] == int((inter["csat"].notna() & (inter["customer"] == "")).sum())
    for row in doc["by_rating"]:
        part = rated[rated["csat"] == row["rating"]]
        assert (row["rated"], row["repurchased"]) == (len(part), int(part["again"].sum()))
        lo, hi = proportion_confint(int(part["again"].sum()), len(part), alpha=0.05, method="wilson")
        assert row["ci_low"] == pytest.approx(lo, abs=1e-12) and row["ci_high"] == pytest.approx(hi, abs=1e-12)
    sat, unsat = rated[rated["csat"] >= 4], rated[rated["csat"] < 4]
    assert (doc["satisfied"]["rated"], doc["satisfied"]["repurchased"]) == (len(sat), int(sat["again"].sum()))
    assert (doc["not_satisfied"]["rated"], doc["not_satisfied"]["repurchased"]) == (len(unsat), int(unsat["again"].sum()))
    counts = np.array([sat["again"].sum(), unsat["again"].sum()])
    nobs = np.array([len(sat), len(unsat)])
    _, p = proportions_ztest(counts, nobs)
    lo, hi = confint_proportions_2indep(counts[0], nobs[0], counts[1], nobs[1], method="newcomb")
    d = doc["difference"]
    assert d["test"] == "z_pooled"
    assert d["estimate"] == pytest.approx(counts[0] / nobs[0] - counts[1] / nobs[1], abs=1e-12)
    assert d["p"] == pytest.approx(p, rel=1e-9)
    assert (d["ci_low"], d["ci_high"]) == (pytest.approx(lo, abs=1e-9), pytest.approx(hi, abs=1e-9))
    seen = set(inter["customer"]) - {""}
    assert doc["orders"]["customers_without_interactions"] == len(set(orders["customer"]) - seen)
    # the same from Python, DataFrame in
    df = cskpi.repurchase(inter, op)
    assert df.set_index("rating").loc["satisfied", "repurchased"] == int(sat["again"].sum())


def test_window_days_from_config(tmp_path):
    inter, orders = loyalty_data(10, 300)
    ip, op, cp = tmp_path / "i.csv", tmp_path / "o.csv", tmp_path / "c.json"
    inter.to_csv(ip, index=False)
    orders.to_csv(op, index=False)
    cp.write_text(json.dumps({"loyalty": {"window_days": 7}}), encoding="utf-8")
    doc = json.loads(subprocess.run([CLI, "repurchase", str(ip), "--orders", str(op), "--config", str(cp), "--format", "json"],
                                    capture_output=True, text=True, check=True).stdout)
    rated = expected_repurchase(inter, orders, 7)
    assert doc["window_days"] == 7
    assert doc["satisfied"]["repurchased"] + doc["not_satisfied"]["repurchased"] == int(rated["again"].sum())


def test_bad_orders_are_listed_with_line_and_column(tmp_path):
    ip, op = tmp_path / "i.csv", tmp_path / "o.csv"
    ip.write_text("id,created_at,channel,customer,csat\nA,2026-03-01 10:00:00,chat,U1,5\n", encoding="utf-8")
    op.write_text("customer,ordered_at,order_value\nU1,2026-03-02 10:00:00,10\n,2026-03-02 10:00:00,10\n"
                  "U1,yesterday,10\nU1,2026-03-03 10:00:00,-4\n", encoding="utf-8")
    r = subprocess.run([CLI, "repurchase", str(ip), "--orders", str(op), "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "3 of 4 order rows of" in r.stderr
    doc = json.loads(r.stdout)
    assert [(x["line"], x["column"]) for x in doc["orders"]["rejects"]] == [(3, "customer"), (4, "ordered_at"), (5, "order_value")]
    assert doc["satisfied"]["repurchased"] == 1
    op.write_text("customer,ordered_at\n,2026-03-02\n", encoding="utf-8")
    r = subprocess.run([CLI, "repurchase", str(ip), "--orders", str(op)], capture_output=True, text=True)
    assert r.returncode == 3 and "every order row" in r.stderr
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"loyalty": {"window_day": 7}}), encoding="utf-8")
    r = subprocess.run([CLI, "repurchase", str(ip), "--orders", str(op), "--config", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 2 and "loyalty.window_day" in r.stderr
