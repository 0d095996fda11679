"""Kaplan-Meier first-response and resolution times with open interactions censored at as_of
(spec section 14), against statsmodels' SurvfuncRight on random data and by hand."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))


def run(path, *args):
    r = subprocess.run([CLI, "report", str(path), "--format", "json", *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def km_expected(times, observed, q):
    """The spec's quantile (smallest event time with S <= 1 - q) read off statsmodels' curve, and
    its Brookmeyer-Crowley cloglog interval as statsmodels computes it."""
    sf = SurvfuncRight(np.asarray(times, float), np.asarray(observed, int))
    hit = np.flatnonzero(sf.surv_prob <= 1 - q + 1e-12)
    value = sf.surv_times[hit[0]] if len(hit) else np.nan
    lo, hi = sf.quantile_ci(q, alpha=0.05, method="cloglog") if q == 0.5 else (np.nan, np.nan)
    return value, lo, (np.nan if np.isinf(hi) else hi)


def same(a, b):
    if b is None or (isinstance(b, float) and np.isnan(b)):
        return a is None
    return a == pytest.approx(b, abs=1e-6)


def random_interactions(rng, n, answer_share=0.8):
    created = pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 5 * 86400, n), unit="s")
    frt = rng.exponential(600, n).round()
    answered = rng.random(n) < answer_share
    abandoned = ~answered & (rng.random(n) < 0.3)
    res = frt + rng.exponential(4 * 3600, n).round()
    resolved = answered & (rng.random(n) < 0.7)
    df = pd.DataFrame({
        "id": [f"I{i:05d}" for i in range(n)],
        "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
        "channel": rng.choice(["chat", "email", "phone"], n),
        "first_response_at": np.where(answered, (created + pd.to_timedelta(frt, unit="s")).strftime("%Y-%m-%d %H:%M:%S"), ""),
        "resolved_at": np.where(resolved, (created + pd.to_timedelta(res, unit="s")).strftime("%Y-%m-%d %H:%M:%S"), ""),
        "abandoned": abandoned.astype(int),
    })
    return df


def expected_by_hand(df, as_of):
    """Section 14 from the columns: events, censoring times, left-out rows."""
    created = pd.to_datetime(df["created_at"])
    out = {}
    for measure, col in (("frt", "first_response_at"), ("resolution", "resolved_at")):
        at = pd.to_datetime(df[col].replace("", None))
        keep = (df["abandoned"] == 0) & (created <= as_of)
        event = keep & at.notna() & (at <= as_of)
        censored = keep & ~event
        t = np.where(event, (at - created).dt.total_seconds(), (as_of - created).dt.total_seconds())
        out[measure] = (t[keep.to_numpy()], event[keep].to_numpy().astype(int), int(censored.sum()))
    return out


@pytest.mark.parametrize("seed,answer_share", [(1, 0.8), (2, 0.97), (3, 0.995)])
def test_kaplan_meier_matches_statsmodels(tmp_path, seed, answer_share):
    rng = np.random.default_rng(seed)
    df = random_interactions(rng, 400, answer_share)
    path = tmp_path / "i.csv"
    df.to_csv(path, index=False)
    doc = run(path, "--by", "channel")
    # as_of = the latest instant of the input (created, first response, resolution)
    instants = pd.concat([pd.to_datetime(df[c].replace("", None)) for c in ("created_at", "first_response_at", "resolved_at")])
    as_of = instants.max()
    groups = {None: df}
    groups.update({ch: part for ch, part in df.groupby("channel")})
    checked = defined = 0
    for g in doc["groups"]:
        key = g["by"].get("channel") if g["by"] else None
        part = groups[key].reset_index(drop=True)
        exp = expected_by_hand(part, as_of)
        m = g["metrics"]
        for measure in ("frt", "resolution"):
            t, observed, n_cens = exp[measure]
            assert m[f"{measure}_censored"] == n_cens
            med, lo, hi = km_expected(t, observed, 0.5)
            p90, _, _ = km_expected(t, observed, 0.9)
            assert same(m[f"{measure}_km_median"], med), (key, measure)
            assert same(m[f"{measure}_km_median_ci_low"], lo), (key, measure)
            assert same(m[f"{measure}_km_median_ci_high"], hi), (key, measure)
            assert same(m[f"{measure}_km_p90"], p90), (key, measure)
            checked += 1
            defined += m[f"{measure}_km_p90"] is not None and m[f"{measure}_km_median_ci_high"] is not None
    assert checked == 8  # overall + 3 channels, two measures
    if answer_share > 0.99:
        assert defined >= 2  # the rarely censored first responses reach p90 and a bounded interval


def test_kaplan_meier_by_hand(tmp_path):
    # FRT: A 60 s, B 120 s, C open (censored at as_of - created = 300 s), D abandoned (left out),
    # E 180 s. Times 60, 120, 180 events; 300 censored: S = 3/4, 2/4, 1/4 -> median = 120 s (S <= 0.5
    # exactly: the spec's "<=", where statsmodels' own quantile uses "<" and would say 180 s).
    path = tmp_path / "h.csv"
    path.write_text(
        "id,created_at,channel,first_response_at,resolved_at,abandoned\n"
        "A,2026-03-01 10:00:00,chat,2026-03-01 10:01:00,2026-03-01 10:03:00,0\n"
        "B,2026-03-01 10:00:00,chat,2026-03-01 10:02:00,,0\n"
        "C,2026-03-01 10:00:00,chat,,,0\n"
        "D,2026-03-01 10:00:00,chat,,,1\n"
        "E,2026-03-01 10:02:00,chat,2026-03-01 10:05:00,,0\n", encoding="utf-8")
    m = run(path)["groups"][0]["metrics"]
    assert m["frt_censored"] == 1
    assert m["frt_km_median"] == 120
    assert m["frt_km_p90"] is None  # S never gets to 0.1
    # resolution: A resolved at 180 s; B, C open at as_of 10:05 (300 s); E open (180 s): events 180,
    # censored 180 (E: at risk at 180), 300, 300 -> S(180) = 1 - 1/4 = 0.75, no median.
    assert m["resolution_censored"] == 3
    assert m["resolution_km_median"] is None
    # naive medians count only the answered / resolved rows
    assert m["frt_median"] == 120
    assert m["resolution_time_median"] == 180


def test_explicit_as_of_censors_later_instants(tmp_path):
    # as_of 10:01:30: A answered at 60 s (event), B answers at 120 s (after as_of: censored at 90 s),
    # E created after as_of (left out).
    path = tmp_path / "h.csv"
    path.write_text(
        "id,created_at,channel,first_response_at,abandoned\n"
        "A,2026-03-01 10:00:00,chat,2026-03-01 10:01:00,0\n"
        "B,2026-03-01 10:00:00,chat,2026-03-01 10:02:00,0\n"
        "E,2026-03-01 10:02:00,chat,2026-03-01 10:05:00,0\n", encoding="utf-8")
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"as_of": "2026-03-01T10:01:30"}), encoding="utf-8")
    m = run(path, "--config", str(cfg))["groups"][0]["metrics"]
    assert m["frt_censored"] == 1
    med, lo, hi = km_expected([60, 90], [1, 0], 0.5)
    assert m["frt_km_median"] == med == 60
    assert m["frt_median"] == 120  # the naive median still sees every answered row


def test_event_log_censors_at_the_latest_event(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "interaction_id,at,from,agent,kind,status,channel\n"
        "A,2026-03-01 10:00:00,customer,,message,,chat\n"
        "A,2026-03-01 10:00:40,agent,X,message,,\n"
        "B,2026-03-01 10:00:00,customer,,message,,chat\n"
        "C,2026-03-01 10:01:00,customer,,message,,chat\n"
        "C,2026-03-01 10:03:00,agent,X,message,,\n", encoding="utf-8")
    r = subprocess.run([CLI, "report", "--events", str(path), "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)["groups"][0]["metrics"]
    # events 40 s (A), 120 s (C); B open since 10:00 at the latest event 10:03 -> censored at 180 s
    med, lo, hi = km_expected([40, 120, 180], [1, 1, 0], 0.5)
    assert m["frt_censored"] == 1
    assert m["frt_km_median"] == med == 120


def test_partial_states_merge_to_the_whole(tmp_path):
    cskpi = pytest.importorskip("cskpi")
    rng = np.random.default_rng(7)
    df = random_interactions(rng, 300)
    whole = tmp_path / "w.csv"
    df.to_csv(whole, index=False)
    back = pd.read_csv(whole, dtype=str, keep_default_na=False)
    a = pickle.loads(pickle.dumps(cskpi.partial(back.iloc[:150], by=["channel"])))
    merged = cskpi.finalize(a + cskpi.partial(back.iloc[150:], by=["channel"]))
    direct = cskpi.report(whole, by=["channel"])
    cols = [c for c in direct.columns if "_km_" in c or c.endswith("_censored")]
    assert len(cols) == 10
    pd.testing.assert_frame_equal(merged[["channel", *cols]].reset_index(drop=True),
                                  direct[["channel", *cols]].reset_index(drop=True))
    assert direct["frt_censored"].sum() > 0


def test_km_curve_matches_statsmodels(tmp_path):
    cskpi = pytest.importorskip("cskpi")
    rng = np.random.default_rng(11)
    df = random_interactions(rng, 250, 0.9)
    path = tmp_path / "c.csv"
    df.to_csv(path, index=False)
    curve = cskpi.km_curve(path, "frt")
    instants = pd.concat([pd.to_datetime(df[c].replace("", None)) for c in ("created_at", "first_response_at", "resolved_at")])
    t, observed, n_cens = expected_by_hand(df, instants.max())["frt"]
    sf = SurvfuncRight(np.asarray(t, float), np.asarray(observed, int))
    np.testing.assert_allclose(curve["time_s"], sf.surv_times)
    np.testing.assert_allclose(curve["survival"], sf.surv_prob, rtol=1e-12, atol=1e-15)
    finite = np.isfinite(sf.surv_prob_se)
    np.testing.assert_allclose(curve["se"][finite], sf.surv_prob_se[finite], rtol=1e-9)
    np.testing.assert_array_equal(curve["at_risk"], sf.n_risk)
    assert curve.attrs["censored"] == n_cens
    with pytest.raises(ValueError, match="measure"):
        cskpi.km_curve(path, "aht")


def test_a_state_with_a_malformed_censoring_entry_is_refused(tmp_path):
    cskpi = pytest.importorskip("cskpi")
    df = random_interactions(np.random.default_rng(5), 50)
    state = cskpi.partial(df.astype(str).replace("nan", ""), by=["channel"]).to_dict()
    assert state["censoring"], "the sample has open interactions"
    for bad in ([0, 0, 2 ** 63 - 1], [0, 2, -5], [0, 9, 1], [99, 0, 1]):
        d = dict(state, censoring=state["censoring"] + [bad])
        with pytest.raises(ValueError, match="censoring"):
            cskpi.ReportState.from_dict(d)
    with pytest.raises(ValueError, match="latest_instant"):
        cskpi.ReportState.from_dict(dict(state, latest_instant=-(2 ** 63)))
