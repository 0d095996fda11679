"""cskpi compare (spec section 13) against scipy and statsmodels: proportions_ztest, fisher_exact,
confint_proportions_2indep(method="newcomb"), Welch's t (ttest_ind, CompareMeans), mannwhitneyu,
multipletests(method="fdr_bh"); counts and samples from the reference implementation."""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

sys.path.insert(0, os.path.dirname(__file__))
import spec_reference as ref  # noqa: E402

CLI = os.environ.get("CSKPI_CLI", "cskpi")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "examples", "data", "shop_interactions.csv")
CONFIG = os.path.join(ROOT, "examples", "data", "shop_config.json")
RATES = ["answer_rate", "abandonment_rate", "sla_frt", "resolution_rate", "fcr_rate", "reopen_rate", "transfer_rate",
         "csat", "csat_response_rate", "complaint_rate", "refund_rate", "conversion_rate"]
SAMPLES = {"frt": "frt", "aht": "handle", "resolution_time": "resolution"}


def compare(*args):
    r = subprocess.run([CLI, "compare", DATA, "--config", CONFIG, *args, "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def sides():
    cfg, d = ref.accepted_facts(DATA, CONFIG)
    d["week"] = ref.bucket_labels(d["created"], cfg["timezone"], "week")
    return cfg, d


def groups_of(d, team):
    return d if team is None else d[d["team"] == team] if team != "null" else d[d["team"].isna()]


def test_every_test_matches_scipy_and_statsmodels(sides):
    cfg, d = sides
    doc = compare("--by", "team,week", "--periods", "2026-W12,2026-W13")
    assert doc["a"] == "2026-W12" and doc["b"] == "2026-W13"
    seen = set()
    for row in doc["comparisons"]:
        team = row["by"].get("team", None) if row["by"] else None
        if row["by"] and team is None:
            team = "null"
        g = groups_of(d, team)
        a, b = g[g["week"] == "2026-W12"], g[g["week"] == "2026-W13"]
        m = row["metric"]
        if m in RATES:
            ma, mb = ref.metrics(a, cfg), ref.metrics(b, cfg)
            xa, na, xb, nb = ma[m + "_num"], ma[m + "_den"], mb[m + "_num"], mb[m + "_den"]
            assert (row["n_a"], row["n_b"]) == (na, nb), m
            if min(na, nb) < 30:
                assert row["too_few"] and row["p"] is None
                continue
            assert row["difference"] == pytest.approx(xb / nb - xa / na, abs=1e-12)
            table = np.array([[xa, na - xa], [xb, nb - xb]])
            expected = table.sum(1)[:, None] * table.sum(0)[None, :] / table.sum()
            if expected.min() < 5:
                assert row["test"] == "fisher_exact"
                assert row["p"] == pytest.approx(stats.fisher_exact(table)[1], rel=1e-9)
            else:
                assert row["test"] == "z_pooled"
                assert row["p"] == pytest.approx(proportions_ztest([xb, xa], [nb, na])[1], rel=1e-9)
            lo, hi = confint_proportions_2indep(xb, nb, xa, na, method="newcomb", compare="diff", alpha=0.05)
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), abs=1e-9)
            seen.add("rate")
        elif m.endswith("_mean") or m.endswith("_median"):
            base = m.rsplit("_", 1)[0]
            if base not in SAMPLES:
                continue
            sa = a[SAMPLES[base]].dropna().to_numpy(dtype=float) / 1e6
            sb = b[SAMPLES[base]].dropna().to_numpy(dtype=float) / 1e6
            assert (row["n_a"], row["n_b"]) == (len(sa), len(sb))
            if min(len(sa), len(sb)) < 30:
                assert row["too_few"]
                continue
            if m.endswith("_mean"):
                assert row["p"] == pytest.approx(stats.ttest_ind(sb, sa, equal_var=False).pvalue, rel=1e-9)
                lo, hi = CompareMeans(DescrStatsW(sb), DescrStatsW(sa)).tconfint_diff(usevar="unequal")
                assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-9)
                seen.add("mean")
            else:
                assert row["p"] == pytest.approx(stats.mannwhitneyu(sb, sa, method="asymptotic").pvalue, rel=1e-9)
                assert row["difference"] == pytest.approx(np.median(np.subtract.outer(sb, sa)), abs=1e-6)
                seen.add("median")
        elif m == "nps":
            va, vb = a["nps"].dropna().to_numpy(dtype=float), b["nps"].dropna().to_numpy(dtype=float)
            if min(len(va), len(vb)) < 30:
                assert row["too_few"]
                continue

            def parts(v):
                pp, pm = (v >= 9).mean(), (v <= 6).mean()
                return 100 * (pp - pm), 1e4 * (pp + pm - (pp - pm) ** 2) / len(v)

            (na_, var_a), (nb_, var_b) = parts(va), parts(vb)
            z = stats.norm.ppf(0.975)
            assert row["difference"] == pytest.approx(nb_ - na_, abs=1e-9)
            assert row["ci_high"] == pytest.approx(nb_ - na_ + z * math.sqrt(var_a + var_b), abs=1e-9)
            assert row["p"] == pytest.approx(2 * stats.norm.sf(abs(nb_ - na_) / math.sqrt(var_a + var_b)), rel=1e-9)
            seen.add("nps")
    assert seen == {"rate", "mean", "median", "nps"}
    # Benjamini-Hochberg over every test of the run.
    ps = [r["p"] for r in doc["comparisons"] if r["p"] is not None]
    reject, q, _, _ = multipletests(ps, alpha=0.05, method="fdr_bh")
    got = [r for r in doc["comparisons"] if r["p"] is not None]
    assert [r["q"] for r in got] == pytest.approx(list(q), rel=1e-12)
    assert [r["significant"] for r in got] == list(reject)


def test_fisher_on_small_groups_and_min_n(sides):
    doc = compare("--by", "team,week", "--periods", "2026-W12,2026-W13", "--min-n", "5")
    assert any(r["test"] == "fisher_exact" and r["p"] is not None for r in doc["comparisons"])
    assert doc["min_n"] == 5


def test_baseline_input_equals_the_same_periods(tmp_path, sides):
    cfg, d = sides
    raw = pd.read_csv(DATA, dtype=str, keep_default_na=False, na_values=[])
    _, rejects = ref.validate(raw, cfg)  # rows the whole file rejects (e.g. an id seen before) stay out
    raw = raw.drop(index=[line - 2 for line, _ in rejects])
    raw["_week"] = ref.bucket_labels(pd.Series([ref.parse_ts(t, cfg["timezone"]) or 0 for t in raw["created_at"]]),
                                     cfg["timezone"], "week").to_numpy()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    raw[raw["_week"] == "2026-W12"].drop(columns="_week").to_csv(a, index=False)
    raw[raw["_week"] == "2026-W13"].drop(columns="_week").to_csv(b, index=False)
    r = subprocess.run([CLI, "compare", str(b), "--config", CONFIG, "--by", "team", "--baseline", str(a), "--format", "json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    base = json.loads(r.stdout)["comparisons"]
    periods = compare("--by", "team,week", "--periods", "2026-W12,2026-W13")["comparisons"]
    # FCR and verified containment look at a customer's later contacts, which a split file does not
    # hold: every other metric is the same comparison.
    keep = lambda rows: [(r["by"], r["metric"], r["a"], r["b"], r["p"]) for r in rows
                         if r["metric"] not in ("fcr_rate", "bot_containment_verified_rate")]
    assert len(keep(base)) == len(keep(periods))
    for x, y in zip(keep(base), keep(periods)):
        assert x[:2] == y[:2]
        assert (x[2], x[3]) == pytest.approx((y[2], y[3]), nan_ok=True)


def test_bad_comparisons_are_usage_errors():
    def run(*args):
        return subprocess.run([CLI, "compare", DATA, "--config", CONFIG, *args], capture_output=True, text=True)

    r = run("--by", "team,week", "--periods", "2026-W12,2026-W40")
    assert r.returncode == 2 and "2026-W40" in r.stderr and "2026-W13" in r.stderr
    r = run("--by", "team", "--periods", "2026-W12,2026-W13")
    assert r.returncode == 2 and "time key" in r.stderr
    r = run("--by", "team,week", "--periods", "2026-W12")
    assert r.returncode == 2 and "A,B" in r.stderr
    r = run("--by", "team")
    assert r.returncode == 2 and "--baseline" in r.stderr
    r = run("--by", "teem,week", "--periods", "2026-W12,2026-W13")
    assert r.returncode == 2 and "teem" in r.stderr


def test_python_compare_is_the_cli_document():
    import cskpi

    df = cskpi.compare(DATA, ["team", "week"], CONFIG, periods=("2026-W12", "2026-W13"))
    doc = compare("--by", "team,week", "--periods", "2026-W12,2026-W13")
    assert len(df) == len(doc["comparisons"])
    assert list(df.columns[:1]) == ["team"] and df.attrs["b"] == "2026-W13"
    got = df[["metric", "p", "q"]].to_numpy().tolist()
    want = [[r["metric"], r["p"] if r["p"] is not None else float("nan"), r["q"] if r["q"] is not None else float("nan")]
            for r in doc["comparisons"]]
    for g, w in zip(got, want):
        assert g[0] == w[0] and (g[1] == pytest.approx(w[1], nan_ok=True)) and (g[2] == pytest.approx(w[2], nan_ok=True))
    with pytest.raises(ValueError, match="time key"):
        cskpi.compare(DATA, ["team"], CONFIG, periods=("2026-W12", "2026-W13"))
