"""Per-interaction facts of an event log (issue 28 item 2, `cskpi facts --events`,
cskpi.facts(events=...)): each derived interaction's rounds, waits, sessions, status durations
and SLA timer states, against the pandas oracles of test_timeline and test_status_durations, by
hand, and against the report's own sums."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import cskpi

sys.path.insert(0, os.path.dirname(__file__))
from test_status_durations import oracle as status_oracle  # noqa: E402
from test_timeline import oracle as timeline_oracle, random_log  # noqa: E402

CLI = os.environ.get("CSKPI_CLI", "cskpi")
CFG = {"events": {"round_within_s": 120, "session_gap_s": 600}}


def test_random_logs_match_the_oracles(tmp_path):
    path = tmp_path / "events.csv"
    raw = random_log(path, 400, seed=23)
    events = raw.replace("", np.nan)
    events["at"] = pd.to_datetime(events["at"])
    per = timeline_oracle(events, within=120, gap=600).set_index("interaction_id")
    got = cskpi.facts(events=path, config=CFG).set_index("id")
    assert got.attrs["rows_read"] == len(raw) and got.attrs["rows_rejected"] == 0
    assert sorted(got.index) == sorted(per.index)
    per = per.loc[got.index]
    # The line is the interaction's first event row (line 1 is the header).
    first_row = raw.reset_index().groupby("interaction_id")["index"].min() + 2
    assert got["line"].tolist() == first_row.loc[got.index].tolist()
    assert got["event_rows"].tolist() == raw.groupby("interaction_id").size().loc[got.index].tolist()
    np.testing.assert_array_equal(got["frt_s"].to_numpy(), per["frt"].to_numpy(dtype=float))
    assert got["agent"].tolist() == [a if isinstance(a, str) else None for a in per["agent"]]
    assert got["rounds"].tolist() == per["rounds"].tolist()
    assert got["rounds_judged"].tolist() == per["judged"].tolist()
    assert got["rounds_within"].tolist() == per["ok"].tolist()
    assert got["sessions"].tolist() == per["sessions"].tolist()
    assert got["waits"].tolist() == [len(w) for w in per["waits"]]
    np.testing.assert_allclose(got["wait_mean_s"], [np.mean(w) if w else np.nan for w in per["waits"]], rtol=1e-12)
    np.testing.assert_array_equal(got["wait_max_s"], [max(w) if w else np.nan for w in per["waits"]])
    st = status_oracle(raw).set_index("interaction_id")
    timed = got["requester_wait_s"].notna()
    assert sorted(got.index[timed]) == sorted(st.index)
    for col, want in (("requester_wait_s", "requester"), ("agent_wait_s", "agent"), ("on_hold_s", "hold")):
        np.testing.assert_allclose(got.loc[st.index, col], st[want], rtol=1e-12)
    # The report counts the same facts.
    m = cskpi.report_json(events=path, config=CFG)["groups"][0]["metrics"]
    assert m["rounds"] == got["rounds"].sum() and m["sessions"] == got["sessions"].sum()
    assert m["waits"] == got["waits"].sum() and m["interactions"] == len(got)
    assert m["round_response_rate"] == pytest.approx(got["rounds_within"].sum() / got["rounds_judged"].sum(), rel=1e-12)


def _sla_log(tmp_path):
    # Chat target 30 s for the first response and 3600 s for resolution, as_of 10:10.
    # c1 answered at 20 s (achieved); c2 at 45 s (breached); c3 never answered: 10 minutes by
    # as_of, breached; c4 opened 10:09:50, 10 s before as_of: active. e1 is e-mail: no policy.
    rows = [("c1", "09:00:00", "customer"), ("c1", "09:00:20", "agent"), ("c2", "09:00:00", "customer"),
            ("c2", "09:00:45", "agent"), ("c3", "10:00:00", "customer"), ("c4", "10:09:50", "customer"),
            ("e1", "09:00:00", "customer"), ("e1", "09:30:00", "agent")]
    df = pd.DataFrame([{"interaction_id": i, "at": f"2026-03-02 {t}", "from": f, "agent": "ann" if f == "agent" else "",
                        "channel": "email" if i == "e1" else "chat"} for i, t, f in rows])
    path = tmp_path / "sla.csv"
    df.to_csv(path, index=False)
    cfg = {"as_of": "2026-03-02 10:10:00",
           "sla_policies": [{"name": "chat", "when": {"channel": "chat"},
                             "targets": {"first_response_s": 30, "resolution_s": 3600}}]}
    return path, df, cfg


def test_sla_timer_states_by_hand(tmp_path):
    path, df, cfg = _sla_log(tmp_path)
    got = cskpi.facts(events=path, config=cfg).set_index("id")
    assert got["sla_first_response"].to_dict() == {"c1": "achieved", "c2": "breached", "c3": "breached",
                                                   "c4": "active", "e1": None}
    assert got["sla_policy"].to_dict() == {"c1": "chat", "c2": "chat", "c3": "chat", "c4": "chat", "e1": None}
    # No interaction is resolved: resolution timers run; c1 and c2 opened 70 minutes before as_of.
    assert got["sla_resolution"].to_dict() == {"c1": "breached", "c2": "breached", "c3": "active",
                                               "c4": "active", "e1": None}
    assert got["sla_next_reply"].isna().all()  # no next-reply target
    # Breach instants: c2 at 09:00:30 (created + 30 s), 15 s over when answered; c3 at 10:00:30,
    # still running (no excess yet); resolution of c1, c2 at 10:00:00, running.
    t = lambda hms: pd.Timestamp(f"2026-03-02 {hms}", tz="UTC")  # noqa: E731
    fr_at = got["sla_first_response_breach_at"]
    assert fr_at["c2"] == t("09:00:30") and fr_at["c3"] == t("10:00:30")
    assert fr_at[["c1", "c4", "e1"]].isna().all()
    assert got["sla_first_response_over_s"]["c2"] == 15
    assert got["sla_first_response_over_s"].drop("c2").isna().all()
    assert got["sla_resolution_breach_at"]["c1"] == t("10:00:00") and got["sla_resolution_breach_at"]["c2"] == t("10:00:00")
    assert got["sla_resolution_breach_at"][["c3", "c4", "e1"]].isna().all()
    assert got["line"].to_dict() == {"c1": 2, "c2": 4, "c3": 6, "c4": 7, "e1": 8}
    # The same DataFrame in memory gives the same facts.
    mem = cskpi.facts(events=df, config=cfg).set_index("id")
    pd.testing.assert_frame_equal(mem.drop(columns="line"), got.drop(columns="line"))
    assert mem["line"].to_dict() == {k: v - 1 for k, v in got["line"].to_dict().items()}  # rows from 1
    m = cskpi.report_json(events=path, config=cfg)["groups"][0]["metrics"]
    assert m["sla_first_response_active"] == 1
    assert m["sla_first_response"] == pytest.approx(1 / 3)  # achieved / (achieved + breached)


def test_cli_facts_events_equals_python(tmp_path):
    path, _, cfg = _sla_log(tmp_path)
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(json.dumps(cfg))
    out = subprocess.run([CLI, "facts", "--events", str(path), "--config", str(cfg_path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    cli = pd.read_csv(io.StringIO(out.stdout), dtype={"sla_policy": object})
    py = cskpi.facts(events=path, config=cfg)
    assert list(cli.columns) == list(py.columns)
    assert cli["id"].tolist() == py["id"].tolist()
    for col in ("line", "rounds", "waits", "event_rows"):
        assert cli[col].tolist() == py[col].tolist(), col
    for col in ("sla_first_response", "sla_resolution", "sla_policy"):
        assert cli[col].fillna("").tolist() == py[col].fillna("").tolist(), col
    np.testing.assert_array_equal(cli["frt_s"].to_numpy(), py["frt_s"].to_numpy())
    both = subprocess.run([CLI, "facts", str(path), "--events", str(path)], capture_output=True, text=True)
    assert both.returncode == 2 and "--events" in both.stderr
    with pytest.raises(ValueError, match="either data"):
        cskpi.facts(str(path), events=path)


def test_breach_instants_on_business_hours(tmp_path):
    # Business hours 09:00-18:00 UTC on weekdays (2026-03-02 is a Monday); next reply within 60 s.
    # b1: the customer writes at 17:59:30 and gets a reply at 09:01:00 the next day: 30 s that
    # evening + 60 s the next morning = 90 s of business time, 30 s over; the 60th second falls
    # at 09:00:30. Its second wait (09:02:00 -> 09:02:40) is in time. b2: two late replies
    # (100 s and 200 s): the first late one's breach instant, the worst one's excess.
    rows = [("b1", "2026-03-02 17:00:00", "customer"), ("b1", "2026-03-02 17:00:10", "agent"),
            ("b1", "2026-03-02 17:59:30", "customer"), ("b1", "2026-03-03 09:01:00", "agent"),
            ("b1", "2026-03-03 09:02:00", "customer"), ("b1", "2026-03-03 09:02:40", "agent"),
            ("b2", "2026-03-02 10:00:00", "customer"), ("b2", "2026-03-02 10:00:05", "agent"),
            ("b2", "2026-03-02 10:10:00", "customer"), ("b2", "2026-03-02 10:11:40", "agent"),
            ("b2", "2026-03-02 10:20:00", "customer"), ("b2", "2026-03-02 10:23:20", "agent")]
    path = tmp_path / "b.csv"
    pd.DataFrame([{"interaction_id": i, "at": t, "from": f, "agent": "ann" if f == "agent" else "", "channel": "chat"}
                  for i, t, f in rows]).to_csv(path, index=False)
    week = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    cfg = {"as_of": "2026-03-03 12:00:00", "clock": "business",
           "calendars": {"default": {"timezone": "UTC", "week": week}},
           "sla_policies": [{"name": "chat", "when": {"channel": "chat"}, "targets": {"next_reply_s": 60}}]}
    got = cskpi.facts(events=path, config=cfg).set_index("id")
    assert got["sla_next_reply"].to_dict() == {"b1": "breached", "b2": "breached"}
    assert got.loc["b1", "sla_next_reply_breach_at"] == pd.Timestamp("2026-03-03 09:00:30", tz="UTC")
    assert got.loc["b1", "sla_next_reply_over_s"] == 30
    assert got.loc["b2", "sla_next_reply_breach_at"] == pd.Timestamp("2026-03-02 10:11:00", tz="UTC")
    assert got.loc["b2", "sla_next_reply_over_s"] == 140
