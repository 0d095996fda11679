"""Which rounds the round response rate judges, by date (issue 28 item 1): excluded date ranges
(Spring Festival, closed-shop days), a rolling N-day window ending at as_of, and a minimum
number of judged rounds below which a group's rate is not assessed. Against the pandas oracle of
test_timeline on random logs, and by hand."""
from __future__ import annotations

import datetime as dt
import os
import sys

import numpy as np
import pandas as pd
import pytest

import cskpi

sys.path.insert(0, os.path.dirname(__file__))
from test_timeline import oracle, random_log  # noqa: E402


def test_excluded_dates_and_rolling_days_match_the_oracle(tmp_path):
    path = tmp_path / "events.csv"
    raw = random_log(path, 400, seed=29)  # about ten days from 2026-03-02 01:00 UTC
    events = raw.replace("", np.nan)
    events["at"] = pd.to_datetime(events["at"])
    # as_of 2026-03-12 23:00 UTC (after the last event) is 07:00 on 2026-03-13 in Shanghai: the 5
    # days are 03-09..03-13, of which 03-10 and 03-11 are excluded; 03-03 is excluded too
    # (outside the rolling days anyway).
    excluded = {dt.date(2026, 3, 3), dt.date(2026, 3, 10), dt.date(2026, 3, 11)}
    last = dt.date(2026, 3, 13)

    def day_ok(d):
        return d not in excluded and last - dt.timedelta(days=4) <= d <= last

    cfg = {"as_of": "2026-03-12 23:00:00",
           "events": {"round_within_s": 120, "session_gap_s": 600, "service_window_timezone": "Asia/Shanghai",
                      "excluded_dates": ["2026-03-03", ["2026-03-10", "2026-03-11"]], "rolling_days": 5}}
    per = oracle(events, within=120, gap=600, window_tz="Asia/Shanghai", day_ok=day_ok).set_index("interaction_id")
    assert events["at"].max() < pd.Timestamp("2026-03-12 23:00:00", tz="UTC")
    assert 0 < per["judged"].sum() < per["rounds"].sum()  # the dates leave some rounds out
    m = cskpi.report_json(events=path, config=cfg)["groups"][0]["metrics"]
    assert m["round_response_rate_den"] == per["judged"].sum()
    assert m["round_response_rate_num"] == per["ok"].sum()
    assert m["rounds"] == per["rounds"].sum()  # every round still counts as a round
    facts = cskpi.facts(events=path, config=cfg).set_index("id")
    assert facts["rounds_judged"].to_dict() == per["judged"].to_dict()
    # Without the date rules every round of the log is judged again.
    plain = {"events": {k: v for k, v in cfg["events"].items() if k not in ("excluded_dates", "rolling_days")}}
    assert cskpi.report_json(events=path, config=plain)["groups"][0]["metrics"]["round_response_rate_den"] == \
        per["rounds"].sum()


def test_excluded_date_is_named_by_explain(tmp_path):
    path = tmp_path / "e.csv"
    pd.DataFrame([{"interaction_id": "x", "at": "2026-02-17 10:00:00", "from": "customer"},
                  {"interaction_id": "x", "at": "2026-02-17 10:05:00", "from": "agent", "agent": "ann"}]).to_csv(
        path, index=False)
    why = cskpi.explain_interaction(path, "x", {"events": {"excluded_dates": [["2026-02-16", "2026-02-22"]]}})
    assert "on an excluded date: not judged" in why


def test_min_rounds_leaves_small_groups_not_assessed(tmp_path):
    # ann has three rounds (two within 180 s), bob one (within): with min_rounds 2, bob's rate is
    # not assessed (empty) while its numerator and denominator stay; ann's and the overall are.
    rows = []
    for k, (agent, wait) in enumerate([("ann", 60), ("ann", 400), ("ann", 100), ("bob", 30)]):
        t = pd.Timestamp("2026-03-02 09:00:00") + pd.Timedelta(hours=k)
        rows += [{"interaction_id": f"i{k}", "at": t, "from": "customer", "agent": "", "channel": "chat"},
                 {"interaction_id": f"i{k}", "at": t + pd.Timedelta(seconds=wait), "from": "agent", "agent": agent}]
    df = pd.DataFrame(rows)
    cfg = {"events": {"round_within_s": 180, "min_rounds": 2}}
    rep = cskpi.report(events=df, by=["agent"], config=cfg).set_index("agent")
    assert np.isnan(rep.loc["bob", "round_response_rate"])
    assert np.isnan(rep.loc["bob", "round_response_rate_ci_low"])
    assert rep.loc["bob", "round_response_rate_num"] == 1 and rep.loc["bob", "round_response_rate_den"] == 1
    assert rep.loc["ann", "round_response_rate"] == pytest.approx(2 / 3)
    doc = cskpi.report_json(events=df, by=["agent"], config=cfg)
    assert doc["groups"][0]["metrics"]["round_response_rate"] == pytest.approx(3 / 4)
    bob = next(g for g in doc["groups"] if g["by"].get("agent") == "bob")["metrics"]
    assert bob["round_response_rate"] is None
    # min_rounds 0 (the default) assesses every group with rounds.
    plain = cskpi.report(events=df, by=["agent"], config={"events": {"round_within_s": 180}}).set_index("agent")
    assert plain.loc["bob", "round_response_rate"] == 1.0
