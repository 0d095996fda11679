"""The satisfaction driver model (spec section 15) against statsmodels' Logit on generated data,
with the regressors built independently here in pandas, and its bad-input errors."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))
WINDOW_S = 7 * 86400  # fcr.window_s default


def generate(seed, n=1500):
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s")
    frt = rng.exponential(300, n).round() + 1
    answered = rng.random(n) < 0.93
    resolved = rng.random(n) < 0.8
    reopened = np.where(rng.random(n) < 0.1, rng.integers(1, 3, n), 0)
    transferred = rng.random(n) < 0.15
    channel = rng.choice(["chat", "chat", "chat", "phone", "email"], n)
    category = rng.choice(["order", "order", "logistics", "return", "complaint", ""], n)
    # satisfaction falls with FRT, rises with resolution: a logistic truth to recover
    eta = 1.2 - 0.5 * np.log1p(frt / 60) + 1.0 * resolved - 0.8 * (reopened > 0) - 0.4 * transferred
    p = 1 / (1 + np.exp(-eta))
    csat = np.where(rng.random(n) < p, rng.integers(4, 6, n), rng.integers(1, 4, n))
    rated = rng.random(n) < 0.6
    return pd.DataFrame({
        "id": [f"T{i:05d}" for i in range(n)],
        "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
        "channel": channel,
        "customer": [f"C{c:04d}" for c in rng.integers(0, 500, n)],
        "category": category,
        "first_response_s": np.where(answered, frt, np.nan),
        "resolved": resolved.astype(int),
        "reopened": reopened,
        "transferred": transferred.astype(int),
        "csat": np.where(rated, csat, np.nan),
    })


def repeat_contact(df):
    """Section 3's first contact, by a different route: pairwise within each customer."""
    t = pd.to_datetime(df["created_at"])
    out = pd.Series(False, index=df.index)
    for _, g in df.groupby("customer"):
        for i in g.index:
            for j in g.index:
                if j == i:
                    continue
                same_cat = df.at[i, "category"] == "" or df.at[j, "category"] == "" or df.at[i, "category"] == df.at[j, "category"]
                earlier = (t[j], df.at[j, "id"]) < (t[i], df.at[i, "id"])
                if same_cat and earlier and (t[i] - t[j]).total_seconds() <= WINDOW_S:
                    out[i] = True
    return out


def statsmodels_fit(df):
    df = df.copy()
    df["repeat_contact"] = repeat_contact(df).astype(float)
    fit = df[df["csat"].notna() & df["first_response_s"].notna() & (df["category"] != "")].copy()
    X = pd.DataFrame({"const": 1.0, "log1p_frt_min": np.log1p(fit["first_response_s"] / 60),
                      "resolved": fit["resolved"].astype(float), "reopened": (fit["reopened"] > 0).astype(float),
                      "transferred": fit["transferred"].astype(float), "repeat_contact": fit["repeat_contact"]})
    for col in ("channel", "category"):
        counts = fit[col].value_counts()
        ref = sorted(counts[counts == counts.max()].index)[0]
        for level in sorted(fit[col].unique()):
            if level != ref:
                X[f"{col}[{level}]"] = (fit[col] == level).astype(float)
    y = (fit["csat"] >= 4).astype(float)
    return sm.Logit(y, X).fit(disp=0, tol=1e-12), X, y


@pytest.mark.parametrize("seed", [3, 4])
def test_drivers_match_statsmodels_logit(tmp_path, seed):
    df = generate(seed)
    path = tmp_path / "i.csv"
    df.to_csv(path, index=False)
    res, X, y = statsmodels_fit(df)
    r = subprocess.run([CLI, "drivers", str(path), "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [t["term"] for t in doc["terms"]] == list(X.columns)
    assert doc["n"] == len(y) and doc["satisfied"] == int(y.sum())
    assert doc["rated"] == int(df["csat"].notna().sum())
    assert doc["left_out"]["no first response"] == int((df["csat"].notna() & df["first_response_s"].isna()).sum())
    assert doc["left_out"]["no category"] == int((df["csat"].notna() & df["first_response_s"].notna() & (df["category"] == "")).sum())
    assert doc["converged"]
    ci = np.exp(res.conf_int(alpha=0.05))
    for t in doc["terms"]:
        name = t["term"]
        assert t["coef"] == pytest.approx(res.params[name], rel=1e-7, abs=1e-9)
        assert t["se"] == pytest.approx(res.bse[name], rel=1e-7)
        assert t["z"] == pytest.approx(res.tvalues[name], rel=1e-7)
        assert t["p"] == pytest.approx(res.pvalues[name], rel=1e-6, abs=1e-14)
        assert t["odds_ratio"] == pytest.approx(np.exp(res.params[name]), rel=1e-7)
        assert t["or_ci_low"] == pytest.approx(ci.loc[name, 0], rel=1e-7)
        assert t["or_ci_high"] == pytest.approx(ci.loc[name, 1], rel=1e-7)
    assert doc["log_likelihood"] == pytest.approx(res.llf, rel=1e-9)
    assert doc["log_likelihood_null"] == pytest.approx(res.llnull, rel=1e-9)
    assert doc["pseudo_r2"] == pytest.approx(res.prsquared, rel=1e-7)
    # the same model from a DataFrame
    frame = cskpi.drivers(df)
    np.testing.assert_allclose(frame.set_index("term")["coef"].loc[list(X.columns)], res.params[list(X.columns)], rtol=1e-7)
    assert frame.attrs["n"] == len(y)


def test_a_regressor_without_variation_is_listed_not_fitted(tmp_path):
    df = generate(5, 600)
    df["transferred"] = 0
    path = tmp_path / "i.csv"
    df.to_csv(path, index=False)
    doc = json.loads(subprocess.run([CLI, "drivers", str(path), "--format", "json"], capture_output=True, text=True,
                                    check=True).stdout)
    assert doc["constant_terms"] == ["transferred"]
    assert "transferred" not in [t["term"] for t in doc["terms"]]


def test_table_names_the_reference_levels(tmp_path):
    df = generate(6, 600)
    path = tmp_path / "i.csv"
    df.to_csv(path, index=False)
    out = subprocess.run([CLI, "drivers", str(path), "--format", "table"], capture_output=True, text=True, check=True).stdout
    assert "reference levels: channel chat, category order" in out
    assert "log1p_frt_min" in out


def test_too_few_rated_rows_is_an_error(tmp_path):
    path = tmp_path / "i.csv"
    path.write_text("id,created_at,channel,first_response_s,csat\nA,2026-03-01 10:00:00,chat,30,5\n", encoding="utf-8")
    r = subprocess.run([CLI, "drivers", str(path)], capture_output=True, text=True)
    assert r.returncode != 0
    assert "too few to fit" in r.stderr
