"""The buyer-day reply rate (issue 28, per-buyer-per-day counting; Pinduoduo's effective reply
rate, docs/PRESETS.md): each buyer once per local day, replied when every judged round of that
day was answered within events.buyer_reply_within_s. By hand, against a pandas oracle on random
logs, and through partial states whose slices split a buyer's day."""
from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
import pytest

import cskpi

sys.path.insert(0, os.path.dirname(__file__))
from test_timeline import random_log  # noqa: E402


def _row(i, t, frm, agent="", customer=""):
    return {"interaction_id": i, "at": pd.Timestamp(t), "from": frm, "agent": agent, "customer": customer,
            "channel": "chat"}


def test_buyer_days_by_hand():
    # u1 on 03-02: i1 answered in 30 s (ann), i2 in 2 h (bob): the day fails. u2 on 03-02: i3
    # answered in 50 min: replied. u2 on 03-03: i4 never answered: fails. i5 has no customer
    # (its own buyer), answered in 10 s. i6 opens at 23:30, outside the service window: no day.
    rows = [_row("i1", "2026-03-02 09:00:00", "customer", customer="u1"),
            _row("i1", "2026-03-02 09:00:30", "agent", "ann"),
            _row("i2", "2026-03-02 14:00:00", "customer", customer="u1"),
            _row("i2", "2026-03-02 16:00:00", "agent", "bob"),
            _row("i3", "2026-03-02 10:00:00", "customer", customer="u2"),
            _row("i3", "2026-03-02 10:50:00", "agent", "ann"),
            _row("i4", "2026-03-03 10:00:00", "customer", customer="u2"),
            _row("i5", "2026-03-02 11:00:00", "customer"),
            _row("i5", "2026-03-02 11:00:10", "agent", "bob"),
            _row("i6", "2026-03-02 23:30:00", "customer", customer="u3"),
            _row("i6", "2026-03-02 23:59:00", "agent", "bob")]
    cfg = {"events": {"round_within_s": 180, "buyer_reply_within_s": 3600, "service_window": ["08:00", "23:00"]}}
    doc = cskpi.report_json(events=pd.DataFrame(rows), by=["agent"], config=cfg)
    m = doc["groups"][0]["metrics"]
    assert (m["buyer_day_reply_rate_num"], m["buyer_day_reply_rate_den"]) == (2, 4)
    by = {g["by"].get("agent"): g["metrics"] for g in doc["groups"][1:]}
    # ann: u1 (i1, in time) and u2 (i3) on 03-02; bob: u1 (i2, late) and i5's buyer.
    assert (by["ann"]["buyer_day_reply_rate_num"], by["ann"]["buyer_day_reply_rate_den"]) == (2, 2)
    assert (by["bob"]["buyer_day_reply_rate_num"], by["bob"]["buyer_day_reply_rate_den"]) == (1, 2)
    # Without buyer_reply_within_s the round target (180 s) decides: u2's 50 minutes fail too.
    plain = {"events": {"round_within_s": 180, "service_window": ["08:00", "23:00"]}}
    m = cskpi.report_json(events=pd.DataFrame(rows), config=plain)["groups"][0]["metrics"]
    assert (m["buyer_day_reply_rate_num"], m["buyer_day_reply_rate_den"]) == (1, 4)


def _customers(raw: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = raw["interaction_id"].unique()
    who = dict(zip(ids, rng.choice([f"u{k}" for k in range(40)], size=len(ids))))
    out = raw.copy()
    out["customer"] = out["interaction_id"].map(who)
    return out


def oracle(raw: pd.DataFrame, within: float) -> tuple[int, int]:
    """(replied buyer-days, buyer-days): every round judged, days in UTC."""
    ev = raw.copy()
    ev["at"] = pd.to_datetime(ev["at"])
    ev["pos"] = np.arange(len(ev))
    days: dict[tuple[str, object], bool] = {}
    for _, g in ev.sort_values(["interaction_id", "at", "pos"], kind="stable").groupby("interaction_id", sort=False):
        kind = g["kind"].replace("", "message")
        public = ~g["public"].astype(str).str.lower().isin(["false", "0"])
        answers = ((g["from"] == "agent") & (kind == "message") & public).tolist()
        customer = ((g["from"] == "customer") & (kind == "message")).tolist()
        t, cust = g["at"].tolist(), g["customer"].iloc[0]
        open_at = None
        for i in range(len(g)):
            if customer[i] and open_at is None:
                open_at = t[i]
            elif answers[i] and open_at is not None:
                key = (cust, open_at.date())
                days[key] = days.get(key, True) and (t[i] - open_at).total_seconds() <= within
                open_at = None
        if open_at is not None:
            days[(cust, open_at.date())] = False
    return sum(days.values()), len(days)


def test_random_logs_match_the_oracle_and_slices_merge(tmp_path):
    whole = tmp_path / "events.csv"
    raw = _customers(random_log(whole, 500, seed=53), seed=53)
    raw.to_csv(whole, index=False)
    cfg = {"events": {"round_within_s": 120, "buyer_reply_within_s": 300}}
    num, den = oracle(raw, 300)
    assert 0 < num < den
    m = cskpi.report_json(events=whole, config=cfg)["groups"][0]["metrics"]
    assert (m["buyer_day_reply_rate_num"], m["buyer_day_reply_rate_den"]) == (num, den)
    assert m["buyer_day_reply_rate"] == pytest.approx(num / den, rel=1e-12)
    # Slices of whole interactions: a buyer's day is split between them and joins on merge.
    ids = raw["interaction_id"].unique()
    states = []
    for k, chunk in enumerate(np.array_split(ids, 3)):
        p = tmp_path / f"slice{k}.csv"
        raw[raw["interaction_id"].isin(chunk)].to_csv(p, index=False)
        states.append(cskpi.partial(events=p, by=["day"], config=cfg))
    expected = cskpi.report(events=whole, by=["day"], config=cfg)
    pd.testing.assert_frame_equal(cskpi.finalize(states[2] + states[0] + states[1]), expected, check_exact=True)
    # The same buyers hashed under a salt give the same counts.
    salted = cskpi.report_json(events=whole, config={**cfg, "privacy": {"salt": "s3cret"}})["groups"][0]["metrics"]
    assert salted["buyer_day_reply_rate_den"] == den


def test_facts_show_each_interactions_judged_days():
    rows = [_row("a", "2026-03-02 09:00:00", "customer", customer="u1"),
            _row("a", "2026-03-02 09:00:30", "agent", "ann"),
            _row("a", "2026-03-03 09:00:00", "customer", customer="u1"),  # the next day, never answered
            _row("b", "2026-03-02 10:00:00", "customer", customer="u2"),
            _row("b", "2026-03-02 10:01:00", "agent", "ann")]
    got = cskpi.facts(events=pd.DataFrame(rows), config={"events": {"round_within_s": 180}}).set_index("id")
    assert got["judged_days"].to_dict() == {"a": 2, "b": 1}
    assert got["judged_days_replied"].to_dict() == {"a": 1, "b": 1}


def test_pdd_2019_preset_follows_its_rule():
    # Pinduoduo 有效回复率 (source of 2019-01-10, docs/PRESETS.md): each buyer once per day,
    # effective when every message is answered within one hour, 08:00-23:00 Beijing time.
    # Times below are Beijing time (UTC+8): b1 answered after 59 min (effective), b2 after 61 min
    # (not), b3 writes at 07:30 (not judged), b4 twice on one day, the second answered late.
    bj = "+08:00"
    rows = [_row("x1", f"2026-03-02T09:00:00{bj}", "customer", customer="b1"),
            _row("x1", f"2026-03-02T09:59:00{bj}", "agent", "ann"),
            _row("x2", f"2026-03-02T10:00:00{bj}", "customer", customer="b2"),
            _row("x2", f"2026-03-02T11:01:00{bj}", "agent", "ann"),
            _row("x3", f"2026-03-02T07:30:00{bj}", "customer", customer="b3"),
            _row("x3", f"2026-03-02T09:30:00{bj}", "agent", "ann"),
            _row("x4", f"2026-03-02T12:00:00{bj}", "customer", customer="b4"),
            _row("x4", f"2026-03-02T12:01:00{bj}", "agent", "ann"),
            _row("x5", f"2026-03-02T20:00:00{bj}", "customer", customer="b4"),
            _row("x5", f"2026-03-02T22:00:00{bj}", "agent", "ann")]
    for r in rows:
        r["at"] = r["at"].tz_convert("UTC")
    m = cskpi.report_json(events=pd.DataFrame(rows), config={"events": {"preset": "pdd@2019"}})["groups"][0]["metrics"]
    assert (m["buyer_day_reply_rate_num"], m["buyer_day_reply_rate_den"]) == (1, 3)
