"""Status durations of event logs (issue 28): requester wait (new, open, hold), agent wait
(pending) and on-hold time between status events, as Zendesk defines them; hand-worked, and on
random logs against a pandas oracle."""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pandas as pd
import pytest

import cskpi

sys.path.insert(0, os.path.dirname(__file__))
from test_timeline import random_log  # noqa: E402


def test_hand_worked_requester_and_agent_wait(tmp_path):
    # t1 is the worked example of requester and agent wait (Klipfolio, "Agent vs Requester Wait
    # Time", 2023): new at 9:00, open at 9:10, the agent replies and sets pending at 10:00, the
    # requester answers at 12:00 (open), solved at 14:00. Requester wait 10 + 50 + 120 minutes =
    # 3 h; agent wait (pending) 2 h. t2 spends 2 h of 3 h in hold. t3 has one status event only.
    rows = [
        ("t1", "09:00:00", "customer", "", "", ""), ("t1", "09:00:00", "system", "", "status", "new"),
        ("t1", "09:10:00", "system", "", "status", "open"), ("t1", "10:00:00", "agent", "ann", "", ""),
        ("t1", "10:00:00", "agent", "ann", "status", "pending"), ("t1", "12:00:00", "customer", "", "", ""),
        ("t1", "12:00:00", "system", "", "status", "open"), ("t1", "14:00:00", "agent", "ann", "status", "solved"),
        ("t2", "09:00:00", "customer", "", "", ""), ("t2", "09:00:00", "system", "", "status", "open"),
        ("t2", "09:20:00", "agent", "bob", "", ""), ("t2", "09:30:00", "agent", "bob", "status", "hold"),
        ("t2", "11:30:00", "agent", "bob", "status", "open"), ("t2", "12:00:00", "agent", "bob", "status", "solved"),
        ("t3", "09:00:00", "customer", "", "", ""), ("t3", "09:05:00", "agent", "bob", "", ""),
        ("t3", "09:06:00", "agent", "bob", "status", "solved"),
    ]
    path = tmp_path / "e.csv"
    pd.DataFrame([{"interaction_id": i, "at": f"2026-03-02 {t}", "from": f, "agent": a, "kind": k, "status": s,
                   "channel": "email"} for i, t, f, a, k, s in rows]).to_csv(path, index=False)
    doc = cskpi.report_json(events=path, by=["agent"])
    overall, groups = doc["groups"][0]["metrics"], {g["by"]["agent"]: g["metrics"] for g in doc["groups"][1:]}
    assert overall["status_timed"] == 2
    assert overall["requester_wait_mean"] == 3 * 3600          # both 3 h
    assert overall["agent_wait_mean"] == 3600                   # (2 h + 0) / 2
    assert overall["agent_wait_median"] == 3600
    assert overall["on_hold_mean"] == 3600                      # (0 + 2 h) / 2
    assert groups["ann"]["agent_wait_mean"] == 7200 and groups["ann"]["on_hold_mean"] == 0
    assert groups["bob"]["status_timed"] == 1 and groups["bob"]["on_hold_mean"] == 7200
    why = cskpi.explain_interaction(path, "t1")
    assert "requester wait 10800 s" in why and "agent wait 7200 s" in why


def oracle(raw: pd.DataFrame) -> pd.DataFrame:
    """Per interaction with two or more status events: seconds in each kind of status."""
    ev = raw.copy()
    ev["at"] = pd.to_datetime(ev["at"])
    ev["pos"] = np.arange(len(ev))
    ev = ev.sort_values(["interaction_id", "at", "pos"], kind="stable")
    st = ev[ev["kind"] == "status"]
    out = []
    for iid, g in st.groupby("interaction_id", sort=False):
        if len(g) < 2:
            continue
        secs = (g["at"].shift(-1) - g["at"]).dt.total_seconds().iloc[:-1]
        kinds = g["status"].iloc[:-1]
        out.append({"interaction_id": iid,
                    "requester": secs[kinds.isin(["new", "open", "hold"]).to_numpy()].sum(),
                    "agent": secs[(kinds == "pending").to_numpy()].sum(),
                    "hold": secs[(kinds == "hold").to_numpy()].sum()})
    return pd.DataFrame(out)


def test_random_logs_match_the_oracle(tmp_path):
    path = tmp_path / "events.csv"
    raw = random_log(path, 600, seed=17)
    per = oracle(raw)
    assert len(per) > 20  # the log has interactions with several status events
    m = cskpi.report_json(events=path)["groups"][0]["metrics"]
    assert m["status_timed"] == len(per)
    assert m["requester_wait_mean"] == pytest.approx(per["requester"].mean(), rel=1e-12)
    assert m["requester_wait_median"] == pytest.approx(np.percentile(per["requester"], 50), rel=1e-12)
    assert m["agent_wait_mean"] == pytest.approx(per["agent"].mean(), rel=1e-12)
    assert m["agent_wait_median"] == pytest.approx(np.percentile(per["agent"], 50), rel=1e-12)
    assert m["on_hold_mean"] == pytest.approx(per["hold"].mean(), rel=1e-12, abs=0)


def test_states_saved_before_status_durations_still_load(tmp_path):
    path = tmp_path / "events.csv"
    random_log(path, 50, seed=3)
    state = cskpi.partial(events=path, by=["agent"])
    doc = state.to_dict()
    for g in doc["groups"]:
        for k in ("requester_waits", "agent_waits", "on_holds"):
            g["timeline"].pop(k)
    old = cskpi.ReportState.from_dict(doc)
    rep = cskpi.finalize(old)
    assert (rep["status_timed"] == 0).all() and rep["requester_wait_mean"].isna().all()
    doc["groups"][0]["timeline"]["requester_waits"] = [1.0]
    with pytest.raises(ValueError, match="differ in length"):
        cskpi.ReportState.from_dict(json.loads(json.dumps(doc)))


def test_handle_time_from_assignment_to_solve(tmp_path):
    # u1: assigned 09:05, solved 09:45, reopened, solved again 10:30 -> 85 min from the first
    # assignment to the last solve. u2 carries handle_s on a row: that value stands. u3 is never
    # assigned, u4 never solved: no handle time. AHT of the two with one: (5100 + 300) / 2.
    rows = [
        ("u1", "09:00:00", "customer", "", "", "", ""), ("u1", "09:05:00", "system", "ann", "assign", "", ""),
        ("u1", "09:10:00", "agent", "ann", "", "", ""), ("u1", "09:45:00", "agent", "ann", "status", "solved", ""),
        ("u1", "10:00:00", "customer", "", "", "", ""), ("u1", "10:00:00", "system", "", "status", "open", ""),
        ("u1", "10:30:00", "agent", "ann", "status", "solved", ""),
        ("u2", "09:00:00", "customer", "", "", "", ""), ("u2", "09:01:00", "system", "bob", "assign", "", "300"),
        ("u2", "09:50:00", "agent", "bob", "status", "solved", ""),
        ("u3", "09:00:00", "customer", "", "", "", ""), ("u3", "09:02:00", "agent", "bob", "status", "solved", ""),
        ("u4", "09:00:00", "customer", "", "", "", ""), ("u4", "09:03:00", "system", "bob", "assign", "", ""),
    ]
    path = tmp_path / "e.csv"
    pd.DataFrame([{"interaction_id": i, "at": f"2026-03-02 {t}", "from": f, "agent": a, "kind": k, "status": s,
                   "handle_s": h, "channel": "email"} for i, t, f, a, k, s, h in rows]).to_csv(path, index=False)
    facts = cskpi.facts(events=path).set_index("id")
    assert facts.loc["u1", "handle_s"] == 85 * 60
    assert facts.loc["u2", "handle_s"] == 300
    assert np.isnan(facts.loc["u3", "handle_s"]) and np.isnan(facts.loc["u4", "handle_s"])
    doc = cskpi.report_json(events=path)
    assert doc["groups"][0]["metrics"]["aht_mean"] == (85 * 60 + 300) / 2
