"""QA reviews (spec section 10) from Python and the CLI, against an independent pandas
reimplementation of the rubric rules, scipy's t quantiles, statsmodels' Fleiss kappa,
scikit-learn's Cohen kappa, and Krippendorff's published example."""
from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

import cskpi

ROOT = Path(__file__).parents[2]
DATA = ROOT / "examples" / "data"
REVIEWS = DATA / "shop_reviews.csv"
RUBRIC = DATA / "shop_rubric.json"
MESSAGES = DATA / "shop_messages.csv"
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))


def rubric_items() -> pd.DataFrame:
    doc = json.loads(RUBRIC.read_text(encoding="utf-8"))
    items = pd.DataFrame(doc["items"]).set_index("id")
    for flag in ("critical", "fail_section", "bonus"):
        items[flag] = items.get(flag, False)
        items[flag] = items[flag].fillna(False).astype(bool)
    items["lo"] = items["scale"].str[0].astype(float)
    items["hi"] = items["scale"].str[1].astype(float)
    return items, doc["critical_below"]


def valid_reviews() -> pd.DataFrame:
    """The sample's review rows minus the four defects, found here by their own rules."""
    items, _ = rubric_items()
    df = pd.read_csv(REVIEWS, dtype=str, keep_default_na=False)
    df["line"] = np.arange(len(df)) + 2
    known = df["item"].isin(items.index)
    num = pd.to_numeric(df["score"].where(df["score"] != "na"), errors="coerce")
    lo = df["item"].map(items["lo"])
    hi = df["item"].map(items["hi"])
    numeric_ok = (df["score"] == "na") | (num.notna() & (num >= lo) & (num <= hi))
    ok = known & numeric_ok
    ok &= ~df[ok].duplicated(["review_id", "item"]).reindex(df.index, fill_value=False)
    out = df[ok].copy()
    out["value"] = pd.to_numeric(out["score"].where(out["score"] != "na"), errors="coerce")
    return out, df[~ok]


def oracle_review_scores(df: pd.DataFrame) -> pd.Series:
    """Review score by the spec's rules, written with pandas group operations."""
    items, below = rubric_items()
    d = df.dropna(subset=["value"]).copy()
    d["pct"] = (d["value"] - d["item"].map(items["lo"])) / (d["item"].map(items["hi"]) - d["item"].map(items["lo"]))
    d["section"] = d["item"].map(items["section"])
    d["w"] = d["item"].map(items["weight"]).astype(float)
    d["bonus"] = d["item"].map(items["bonus"])
    fails = d[d["item"].map(items["fail_section"]) & (d["pct"] < below)][["review_id", "section"]].drop_duplicates()
    zero = d.set_index(["review_id", "section"]).index.isin(fails.set_index(["review_id", "section"]).index)
    d.loc[zero, "pct"] = 0.0
    base = d[~d["bonus"]]
    den = base.groupby("review_id")["w"].sum()
    num = (base["w"] * base["pct"]).groupby(base["review_id"]).sum()
    bonus = (d[d["bonus"]]["w"] * d[d["bonus"]]["pct"]).groupby(d[d["bonus"]]["review_id"]).sum()
    score = 100 * (num + bonus.reindex(num.index, fill_value=0)) / den
    crit = d[d["item"].map(items["critical"]) & (d["pct"] < below)]["review_id"].unique()
    score[score.index.isin(crit)] = 0.0
    return score


def test_rejects_are_the_four_defects():
    _, bad = valid_reviews()
    doc = cskpi.qa_json(REVIEWS, RUBRIC)
    assert doc["input"]["rows_read"] == 3004
    assert doc["input"]["rows_rejected"] == 4
    assert [r["line"] for r in doc["input"]["rejects"]] == list(bad["line"])


def test_review_and_agent_scores_match_a_pandas_oracle():
    df, _ = valid_reviews()
    expected = oracle_review_scores(df)
    doc = cskpi.qa_json(REVIEWS, RUBRIC)
    got = pd.Series({r["review_id"]: r["score"] for r in doc["reviews"]})
    assert len(got) == df["review_id"].nunique()
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, rtol=1e-12)

    per_review = df.drop_duplicates("review_id").set_index("review_id")["agent"]
    table = pd.DataFrame({"agent": per_review, "score": expected.reindex(per_review.index)})
    agents = cskpi.qa_scores(REVIEWS, RUBRIC).set_index("agent")
    for agent, g in table.groupby("agent"):
        n, mean, sd = len(g), g["score"].mean(), g["score"].std(ddof=1)
        half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
        assert agents.loc[agent, "reviews"] == n
        assert agents.loc[agent, "qa_score"] == pytest.approx(mean, rel=1e-12)
        assert agents.loc[agent, "ci_low"] == pytest.approx(mean - half, rel=1e-9)
        assert agents.loc[agent, "ci_high"] == pytest.approx(mean + half, rel=1e-9)


def test_item_percents_are_raw_means():
    items, _ = rubric_items()
    df, _ = valid_reviews()
    got = cskpi.qa_scores(REVIEWS, RUBRIC, by="item").set_index("item")
    for item, g in df.groupby("item"):
        pct = (g["value"].dropna() - items.loc[item, "lo"]) / (items.loc[item, "hi"] - items.loc[item, "lo"])
        assert got.loc[item, "rated"] == len(pct)
        assert got.loc[item, "na"] == g["value"].isna().sum()
        assert got.loc[item, "mean_percent"] == pytest.approx(pct.mean(), rel=1e-12)


def test_dataframe_input_equals_the_file_and_the_cli():
    from_file = cskpi.qa_json(REVIEWS, RUBRIC)
    frame = pd.read_csv(REVIEWS, dtype=str, keep_default_na=False)
    from_frame = cskpi.qa_json(frame, json.loads(RUBRIC.read_text(encoding="utf-8")))
    assert from_frame["reviews"] == from_file["reviews"]
    assert from_frame["agents"] == from_file["agents"]
    # A DataFrame's rows are numbered from 1; the file's line 1 is its header.
    assert [r["line"] for r in from_frame["input"]["rejects"]] == [r["line"] - 1 for r in from_file["input"]["rejects"]]
    r = subprocess.run([CLI, "qa", str(REVIEWS), "--rubric", str(RUBRIC), "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    assert cli["agents"] == from_file["agents"]
    assert cli["reviews"] == from_file["reviews"]


def calibration_pairs(item: str) -> pd.DataFrame:
    df, _ = valid_reviews()
    d = df[(df["item"] == item)].dropna(subset=["value"])
    wide = d.pivot_table(index="interaction_id", columns="reviewer", values="value", aggfunc="last")
    return wide[wide.notna().sum(axis=1) >= 2]


def test_calibration_fleiss_matches_statsmodels():
    cal = cskpi.calibrate(REVIEWS, RUBRIC)
    for item in ("greeting", "accuracy", "empathy", "privacy"):
        wide = calibration_pairs(item)
        # Every unit of the sample has exactly two ratings: statsmodels' constant-raters form.
        ratings = np.sort(wide.to_numpy(), axis=1)[:, :2]
        table, _ = aggregate_raters(ratings)
        assert cal["items"][item]["units"] == len(wide)
        assert cal["items"][item]["fleiss_kappa"] == pytest.approx(fleiss_kappa(table, method="fleiss"), rel=1e-9)
        assert cal["items"][item]["cohen_kappa"]["unweighted"] is None  # four reviewers


def test_cohen_kappa_matches_scikit_learn_for_two_reviewers():
    df, _ = valid_reviews()
    # Keep the interactions reviewed by 钱芳 and 冯涛 only: a two-reviewer calibration set.
    pair = df[df["reviewer"].isin(["钱芳", "冯涛"])]
    both = pair.groupby("interaction_id")["reviewer"].nunique()
    units = both[both == 2].index
    sub = pd.read_csv(REVIEWS, dtype=str, keep_default_na=False)
    sub = sub[sub["interaction_id"].isin(units) & sub["reviewer"].isin(["钱芳", "冯涛"])]
    cal = cskpi.calibrate(sub, RUBRIC)
    for item in ("accuracy", "empathy", "process"):
        d = pair[(pair["item"] == item) & pair["interaction_id"].isin(units)]
        wide = d.pivot_table(index="interaction_id", columns="reviewer", values="value").dropna()
        a, b = wide["钱芳"].astype(int), wide["冯涛"].astype(int)
        labels = sorted(set(a) | set(b))
        # scikit-learn weighs by label position; equal to value distance when the labels are
        # consecutive integers, which the test asserts first.
        assert labels == list(range(labels[0], labels[-1] + 1))
        c = cal["items"][item]["cohen_kappa"]
        assert c["unweighted"] == pytest.approx(cohen_kappa_score(a, b), rel=1e-9)
        assert c["linear"] == pytest.approx(cohen_kappa_score(a, b, weights="linear"), rel=1e-9)
        assert c["quadratic"] == pytest.approx(cohen_kappa_score(a, b, weights="quadratic"), rel=1e-9)


def test_reviewer_deviation_flags_the_lenient_reviewer():
    df, _ = valid_reviews()
    scores = oracle_review_scores(df)
    per_review = df.drop_duplicates("review_id").set_index("review_id")[["interaction_id", "reviewer"]]
    per_review["score"] = scores
    wide = per_review.pivot_table(index="interaction_id", columns="reviewer", values="score")
    wide = wide[wide.notna().sum(axis=1) >= 2]
    cal = cskpi.calibrate(REVIEWS, RUBRIC)
    for r in wide.columns:
        own = wide[r].dropna()
        others = wide.drop(columns=r).loc[own.index].mean(axis=1)
        dev = (own - others).mean()
        assert cal["reviewers"][r]["mean_deviation"] == pytest.approx(dev, rel=1e-9)
        assert cal["reviewers"][r]["flagged"] == (abs(dev) > 5)
    assert cal["reviewers"]["冯涛"]["flagged"]


def test_agreement_on_krippendorffs_published_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers x 12 units.
    n = np.nan
    units = [[1, 1, n, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4], [4, 4, 4, 4],
             [1, 1, 2, 1], [2, 2, 2, 2], [n, 5, 5, 5], [n, n, 1, 1], [n, 3, n, n]]
    a = cskpi.agreement(pd.DataFrame(units, columns=list("ABCD")))["krippendorff_alpha"]
    assert round(a["nominal"], 3) == 0.743
    assert round(a["ordinal"], 3) == 0.815
    assert round(a["interval"], 3) == 0.849
    assert round(a["ratio"], 3) == 0.797


def test_automatic_checks_fill_unrated_items_and_are_marked():
    doc = cskpi.qa_json(REVIEWS, RUBRIC, events=MESSAGES)
    assert doc["input"]["events"]["rows_read"] == 1800
    auto = [r for r in doc["reviews"] if r["automatic"]]
    assert auto and all(r["reviewer"] == "auto" and r["review_id"].startswith("auto:") for r in auto)
    ev = pd.read_csv(MESSAGES, dtype=str, keep_default_na=False)
    human_units = set(pd.read_csv(REVIEWS, dtype=str)["interaction_id"])
    assert {r["interaction_id"] for r in auto} == set(ev["interaction_id"]) - human_units
    # Privacy by hand: a public agent message with an unmasked mainland mobile number fails.
    pub = ev[(ev["from"] == "agent") & (ev["kind"] == "message")]
    leaks = set(pub[pub["text"].str.contains(r"(?:^|\D)1[3-9]\d{9}(?:\D|$)", regex=True)]["interaction_id"])
    items, _ = rubric_items()
    for r in auto:
        one = cskpi.qa_json(None, RUBRIC, events=ev[ev["interaction_id"] == r["interaction_id"]])
        assert one["reviews"][0]["score"] == r["score"]
    privacy_fail = {r["interaction_id"] for r in auto if r["failed"] == "section:compliance"}
    assert privacy_fail == leaks & {r["interaction_id"] for r in auto} - {
        r["interaction_id"] for r in auto if (r["failed"] or "").startswith("critical:")}


def test_qa_score_joins_the_report_and_feeds_a_scorecard():
    cfg = {"timezone": "Asia/Shanghai"}
    rep = cskpi.report(DATA / "shop_interactions.csv", by=["agent"], config=cfg, reviews=REVIEWS, rubric=RUBRIC)
    agents = cskpi.qa_scores(REVIEWS, RUBRIC).set_index("agent")
    joined = rep.dropna(subset=["agent"]).set_index("agent")
    for agent, row in joined.iterrows():
        if agent in agents.index:
            assert row["qa_score"] == pytest.approx(agents.loc[agent, "qa_score"], rel=1e-12)
            assert row["qa_reviews"] == agents.loc[agent, "reviews"]
        else:
            assert math.isnan(row["qa_score"]) and row["qa_reviews"] == 0
    card = {"by": ["agent"], "kpis": [{"metric": "qa_score", "weight": 1, "normalize": {"method": "minmax"}}],
            "weights": {"method": "manual"}}
    sc = cskpi.score(DATA / "shop_interactions.csv", card, config=cfg, reviews=REVIEWS, rubric=RUBRIC).set_index("agent")
    q = joined["qa_score"].dropna()
    expected = 100 * (q - q.min()) / (q.max() - q.min())
    for agent, pts in expected.items():
        assert sc.loc[agent, "qa_score_points"] == pytest.approx(pts, rel=1e-12)
    assert sc["rank"].min() == 1
    with pytest.raises(ValueError, match="qa_score.*joined column"):
        cskpi.score(DATA / "shop_interactions.csv", card, config=cfg)


def test_errors_are_value_errors_naming_line_and_key_path(tmp_path):
    with pytest.raises(ValueError, match=r"shop_reviews.csv:32: column 'item': value 'tone': unknown item"):
        cskpi.qa_json(REVIEWS, RUBRIC, strict=True)
    with pytest.raises(ValueError, match=r"rubric.items\[0\].scale: expected min < max"):
        cskpi.qa_json(REVIEWS, {"items": [{"id": "a", "scale": [3, 1]}]})
    r = subprocess.run([CLI, "qa", str(REVIEWS), "--rubric", str(RUBRIC), "--strict"], capture_output=True, text=True)
    assert r.returncode == 3 and "shop_reviews.csv:32" in r.stderr
    r = subprocess.run([CLI, "qa", str(REVIEWS)], capture_output=True, text=True)
    assert r.returncode == 2 and "--rubric" in r.stderr
    r = subprocess.run([CLI, "calibrate", str(tmp_path / "missing.csv"), "--rubric", str(RUBRIC)], capture_output=True, text=True)
    assert r.returncode == 3 and "cannot open" in r.stderr
