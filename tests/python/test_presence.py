"""Agent presence and messages left while nobody is online (留言, docs/PRESENCE.md), on a
hand-worked log: which instants are staffed, left_message_rate, and rounds left out of the
response rates under events.exclude_unstaffed; the Wilson interval from statsmodels."""
from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))

PRESENCE = """agent,at,status
X,2026-03-02 09:00:00,online
X,2026-03-02 12:00:00,offline
Y,2026-03-02 11:00:00,Online
Y,2026-03-02 13:00:00,离线
Y,2026-03-02 18:00:00,在线
"""
# Staffed: [09:00, 13:00) and from 18:00 on. 13:00 itself is not staffed (Y's offline applies).

EVENTS = """interaction_id,at,from,agent,kind,public,status,text,channel
A,2026-03-02 08:30:00,customer,,message,,,,chat
A,2026-03-02 09:00:10,agent,X,message,,,,
B,2026-03-02 10:00:00,customer,,message,,,,chat
B,2026-03-02 10:00:20,agent,X,message,,,,
B,2026-03-02 13:30:00,customer,,message,,,,
B,2026-03-02 18:01:00,agent,Y,message,,,,
C,2026-03-02 12:30:00,customer,,message,,,,chat
C,2026-03-02 12:31:00,agent,Y,message,,,,
D,2026-03-02 14:00:00,customer,,message,,,,chat
D,2026-03-02 18:05:00,agent,Y,message,,,,
E,2026-03-02 13:00:00,customer,,message,,,,chat
E,2026-03-02 18:00:30,agent,Y,message,,,,
"""
# First rounds opening unstaffed: A (08:30), D (14:00), E (13:00) -> 3 of 5 interactions.
# Rounds (round_within_s 180): A 610 s, B1 20 s, B2 (13:30, unstaffed) 16,260 s, C 60 s,
# D 14,700 s, E 18,030 s: 2 of 6 within; with unstaffed rounds left out, 2 of 2 (B1, C).


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "presence.csv").write_text(PRESENCE, encoding="utf-8")
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    return tmp_path


def report(files, cfg=None, presence=True, extra=()):
    args = [CLI, "report", "--events", str(files / "events.csv"), "--format", "json", *extra]
    if presence:
        args += ["--presence", str(files / "presence.csv")]
    if cfg is not None:
        (files / "cfg.json").write_text(json.dumps(cfg), encoding="utf-8")
        args += ["--config", str(files / "cfg.json")]
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def assert_rate(m, name, num, den):
    assert (m[f"{name}_num"], m[f"{name}_den"]) == (num, den)
    lo, hi = proportion_confint(num, den, alpha=0.05, method="wilson")
    assert m[name] == pytest.approx(num / den, abs=1e-12)
    assert (m[f"{name}_ci_low"], m[f"{name}_ci_high"]) == (pytest.approx(lo, abs=1e-12), pytest.approx(hi, abs=1e-12))


def test_left_message_rate_and_rounds_judged(files):
    doc = report(files)
    m = doc["groups"][0]["metrics"]
    assert_rate(m, "left_message_rate", 3, 5)
    assert_rate(m, "round_response_rate", 2, 6)  # nothing left out without the option
    assert doc["input"]["presence"]["rows_accepted"] == 5
    assert doc["input"]["presence"]["agents"] == 2
    out = report(files, {"events": {"exclude_unstaffed": True}})["groups"][0]["metrics"]
    assert_rate(out, "round_response_rate", 2, 2)
    assert_rate(out, "left_message_rate", 3, 5)


def test_without_presence_nothing_is_guessed(files):
    doc = report(files, {"events": {"exclude_unstaffed": True}}, presence=False)
    m = doc["groups"][0]["metrics"]
    assert (m["left_message_rate_num"], m["left_message_rate_den"], m["left_message_rate"]) == (0, 0, None)
    assert_rate(m, "round_response_rate", 2, 6)
    assert any("exclude_unstaffed" in w for w in doc["warnings"])


def test_jd_preset_leaves_out_unstaffed_consultations(files):
    doc = report(files, {"events": {"preset": "jd@2021-12"}})
    assert doc["config"]["events"]["exclude_unstaffed"] is True


def test_explain_names_the_unstaffed_round(files):
    out = subprocess.run([CLI, "explain", "D", "--events", str(files / "events.csv"), "--presence",
                          str(files / "presence.csv")], capture_output=True, text=True, check=True).stdout
    assert "no agent online" in out


def test_bad_presence_rows_are_rejected_with_line_and_column(files):
    (files / "presence.csv").write_text(PRESENCE + "Z,2026-03-02 20:00:00,lunch\n,2026-03-02 20:00:00,online\n"
                                        "Z,yesterday,online\n", encoding="utf-8")
    doc = report(files)
    p = doc["input"]["presence"]
    assert (p["rows_read"], p["rows_accepted"], p["rows_rejected"]) == (8, 5, 3)
    assert [(r["line"], r["column"]) for r in p["rejects"]] == [(7, "status"), (8, "agent"), (9, "at")]
    r = subprocess.run([CLI, "report", "--events", str(files / "events.csv"), "--presence", str(files / "presence.csv"),
                        "--strict"], capture_output=True, text=True)
    assert r.returncode == 3
    assert "presence.csv:7: column 'status'" in r.stderr


def test_python_takes_a_presence_frame(files):
    presence = pd.read_csv(files / "presence.csv")
    events = pd.read_csv(files / "events.csv", dtype=str, keep_default_na=False)
    df = cskpi.report(events=events, presence=presence, config={"events": {"exclude_unstaffed": True}})
    row = df.iloc[0]
    assert (row["left_message_rate_num"], row["left_message_rate_den"]) == (3, 5)
    assert (row["round_response_rate_num"], row["round_response_rate_den"]) == (2, 2)
    by_path = cskpi.report(events=files / "events.csv", presence=files / "presence.csv",
                           config={"events": {"exclude_unstaffed": True}})
    pd.testing.assert_frame_equal(df, by_path, check_exact=True)
    assert "no agent online" in cskpi.explain_interaction(events, "E", presence=presence)


def test_facts_carry_left_message(files):
    out = subprocess.run([CLI, "facts", "--events", str(files / "events.csv"), "--presence", str(files / "presence.csv")],
                         capture_output=True, text=True, check=True).stdout
    rows = pd.read_csv(io.StringIO(out), dtype={"id": str})
    assert dict(zip(rows["id"], rows["left_message"])) == {"A": 1, "B": 0, "C": 0, "D": 1, "E": 1}
    plain = pd.read_csv(io.StringIO(subprocess.run([CLI, "facts", "--events", str(files / "events.csv")],
                                                   capture_output=True, text=True, check=True).stdout))
    assert plain["left_message"].isna().all()  # without presence: unknown, not 0
    df = cskpi.facts(events=files / "events.csv", presence=pd.read_csv(files / "presence.csv"))
    assert df.set_index("id")["left_message"].astype(int).to_dict() == {"A": 1, "B": 0, "C": 0, "D": 1, "E": 1}


def test_presence_without_an_event_log_is_an_error(files):
    rows = pd.DataFrame({"id": ["a"], "created_at": ["2026-03-02 10:00:00"], "channel": ["chat"]})
    for call in (cskpi.report, cskpi.partial, cskpi.facts):
        with pytest.raises(ValueError, match="presence qualifies an event log"):
            call(rows, presence=files / "presence.csv")
