"""Mistakes that used to give silently wrong numbers or an empty report with exit 0: each now
gives a clear error, an exit code, or a warning (stderr, the report's `warnings`, Python
warnings)."""
from __future__ import annotations

import json
import os
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))


def run(*args):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)


def test_mapping_target_missing_from_header(tmp_path):
    data = tmp_path / "x.csv"
    data.write_text("id,created_at,channel,客服\nA,2026-03-01 10:00:00,chat,张伟\n", encoding="utf-8")
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"columns": {"agent": "客服名"}}, ensure_ascii=False), encoding="utf-8")
    out = run("report", data, "--config", cfg, "--format", "csv")
    assert out.returncode == 3 and out.stdout == ""
    assert "no column '客服名', which config columns.agent names (did you mean '客服'?)" in out.stderr
    with pytest.raises(ValueError, match="did you mean '客服'"):
        cskpi.report(pd.read_csv(data), config={"columns": {"agent": "客服名"}})


def test_unknown_mapping_key_names_the_columns(tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"columns": {"agnet": "客服"}}), encoding="utf-8")
    out = run("report", ROOT / "examples" / "data" / "shop_interactions.csv", "--config", cfg)
    assert out.returncode == 2
    assert "columns.agnet: unknown column (did you mean 'agent'?); the input columns are id, created_at" in out.stderr


def test_every_row_rejected_exits_3_with_the_reasons(tmp_path):
    data = tmp_path / "bad.csv"
    data.write_text("id,created_at,channel,nps\nA,bad,chat,1\nB,2026-03-01 10:00:00,chat,12\n"
                    "C,2026-03-01 10:00:00,chat,13\n", encoding="utf-8")
    out = run("report", data, "--format", "json")
    assert out.returncode == 3
    doc = json.loads(out.stdout)  # the report is still written: it lists the rejects
    assert (doc["input"]["rows_read"], doc["input"]["rows_rejected"]) == (3, 3)
    assert "every row was rejected (3); most common: 2 x column 'nps': out of range" in out.stderr
    assert "1 x column 'created_at'" in out.stderr
    assert any("every row was rejected" in w for w in doc["warnings"])
    score = run("score", data, "--scorecard", ROOT / "examples" / "data" / "shop_scorecard.json")
    assert score.returncode == 3 and "no row was accepted" in score.stderr


def test_sla_targets_matching_no_row_warn(tmp_path):
    data = tmp_path / "cn.csv"
    data.write_text("id,created_at,channel,first_response_s\nA,2026-03-01 10:00:00,在线,20\n", encoding="utf-8")
    out = run("report", data, "--format", "json")
    assert out.returncode == 0
    assert "warning: no row has an SLA target" in out.stderr
    doc = json.loads(out.stdout)
    assert doc["groups"][0]["metrics"]["sla_frt"] is None
    assert len(doc["warnings"]) == 1 and "chat, email, phone, social" in doc["warnings"][0]
    with pytest.warns(UserWarning, match="no row has an SLA target"):
        cskpi.report(data)
    # A configured target that rows have: no warning.
    ok = run("report", data, "--format", "json", "--config", write(tmp_path, {"sla": {"first_response_s": {"在线": 30}}}))
    assert ok.returncode == 0 and "warning" not in ok.stderr and "warnings" not in json.loads(ok.stdout)


def write(tmp_path, obj):
    p = tmp_path / "cfg.json"
    p.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return p


def test_header_only_input_warns(tmp_path):
    data = tmp_path / "empty.csv"
    data.write_text("id,created_at,channel\n", encoding="utf-8")
    out = run("report", data, "--format", "json")
    assert out.returncode == 0
    assert json.loads(out.stdout)["warnings"] == ["the input has no data rows"]


def test_python_warns_with_the_reject_count(tmp_path):
    df = pd.DataFrame({"id": ["A", "B", "C"], "created_at": ["2026-03-01 10:00:00"] * 3, "channel": ["chat"] * 3,
                       "nps": [1, 12, 5]})
    with pytest.warns(UserWarning, match=r"1 of 3 rows rejected"):
        out = cskpi.report(df)
    assert int(out["interactions"].iloc[0]) == 2


def test_timedelta_columns_are_durations_in_seconds():
    base = {"id": ["A", "B", "C"], "created_at": pd.to_datetime(["2026-03-01 10:00:00"] * 3), "channel": ["chat"] * 3}
    td = pd.DataFrame({**base, "first_response_s": pd.to_timedelta([60, 90, np.nan], unit="s"),
                       "handle_s": pd.to_timedelta([1.5, 2.5, 3.5], unit="min")})
    secs = pd.DataFrame({**base, "first_response_s": [60.0, 90.0, np.nan], "handle_s": [90.0, 150.0, 210.0]})
    a, b = cskpi.report(td), cskpi.report(secs)
    assert a["frt_median"].iloc[0] == 75.0  # numpy.median([60, 90]); NaT = not answered
    assert a["answered"].iloc[0] == 2
    assert a["aht_mean"].iloc[0] == 150.0
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError, match="column 'csat': a timedelta is a duration"):
        cskpi.report({**base, "csat": pd.to_timedelta([1, 2, 3], unit="s")})


@pytest.mark.parametrize("cfg,key,text", [
    ({"events": {"sesion_gap_s": 5}}, "events.sesion_gap_s", "unknown key"),
    ({"clock": "bogus"}, "clock", 'expected "calendar" or "business"'),
    ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone 'Mars/Olympus'"),
    ({"timezone": "Asia/Shanghia"}, "timezone", "did you mean 'Asia/Shanghai'?"),
    ({"timezon": "UTC"}, "timezon", "unknown key (did you mean 'timezone'?)"),
    ({"sla_policies": [{"targets": {"first_reply_s": 30}}]}, "sla_policies[0].targets.first_reply_s", "unknown key"),
    ({"events": {"rolling_days": 30}}, "events.rolling_days", "set as_of"),
    ({"events": {"excluded_dates": ["2026-01-28", ["2026-02-16", "2026-02-31"]]}}, "events.excluded_dates[1][1]",
     "expected a date YYYY-MM-DD"),
    ({"events": {"min_rounds": -1}}, "events.min_rounds", "expected a number of rounds >= 0"),
])
def test_bad_configuration_in_any_section_exits_2_naming_the_key(tmp_path, cfg, key, text):
    # A plain report reads no events, yet a mistyped section 11 key is still an error.
    out = run("report", ROOT / "examples" / "data" / "shop_interactions.csv", "--config", write(tmp_path, cfg))
    assert out.returncode == 2, out.stderr
    assert f"config: {key}: " in out.stderr and text in out.stderr
    score = run("score", ROOT / "examples" / "data" / "shop_interactions.csv", "--config", write(tmp_path, cfg),
                "--scorecard", ROOT / "examples" / "data" / "shop_scorecard.json")
    assert score.returncode == 2 and f"config: {key}: " in score.stderr
    with pytest.raises(ValueError, match=key.replace("[", r"\[").replace("]", r"\]")):
        cskpi.report(ROOT / "examples" / "data" / "shop_interactions.csv", config=cfg)


def test_an_empty_partial_merges_as_a_no_op():
    df = pd.read_csv(ROOT / "examples" / "data" / "shop_interactions.csv")
    full = cskpi.partial(df, by=["team"], config={"timezone": "Asia/Shanghai"})
    empty = cskpi.partial(df.iloc[:0], by=["agent"])  # no rows, another grouping and zone
    want = cskpi.finalize(full)
    for merged in (full + empty, empty + full):
        pd.testing.assert_frame_equal(cskpi.finalize(merged), want)


def test_errors_are_input_and_config_errors_with_their_location(tmp_path):
    assert issubclass(cskpi.InputError, ValueError) and issubclass(cskpi.ConfigError, ValueError)
    data = tmp_path / "x.csv"
    data.write_text("id,created_at,channel,nps\nA,2026-03-01 10:00:00,chat,1\nB,2026-03-01 10:00:00,chat,12\n",
                    encoding="utf-8")
    with pytest.raises(cskpi.InputError) as e:
        cskpi.report(data, strict=True)
    assert (e.value.file, e.value.line, e.value.column, e.value.value) == (str(data), 3, "nps", "12")
    assert e.value.reason == "out of range: expected 0..10"
    with pytest.raises(cskpi.ConfigError) as c:
        cskpi.report(data, config={"events": {"sesion_gap_s": 5}})
    assert c.value.key_path == "events.sesion_gap_s"
    with pytest.raises(cskpi.InputError) as f:
        cskpi.report(pd.read_csv(data), config={"columns": {"agent": "客服"}})
    assert f.value.column == "客服" and "columns.agent" in f.value.reason
    assert {"InputError", "ConfigError"} <= set(cskpi.__all__)


def test_fixed_offset_zone_and_spaces_in_by(tmp_path):
    sample = ROOT / "examples" / "data" / "shop_interactions.csv"
    fixed = run("report", sample, "--config", write(tmp_path, {"timezone": "+08:00"}), "--by", "agent, day", "--format", "csv")
    named = run("report", sample, "--config", write(tmp_path, {"timezone": "Asia/Shanghai"}), "--by", "agent,day",
                "--format", "csv")
    assert fixed.returncode == 0 and fixed.stdout == named.stdout  # China keeps UTC+8 all year
    a = cskpi.report(sample, by="agent, day", config={"timezone": "UTC+8"})
    b = cskpi.report(sample, by=["agent", "day"], config={"timezone": "Asia/Shanghai"})
    pd.testing.assert_frame_equal(a, b)


def test_mistyped_command_suggests_the_right_one():
    out = run("reprot", ROOT / "examples" / "data" / "shop_interactions.csv")
    assert out.returncode == 2
    assert "unknown command 'reprot' (did you mean 'report'?); the commands are report, qa, calibrate" in out.stderr


def test_report_with_the_overall_row():
    sample = ROOT / "examples" / "data" / "shop_interactions.csv"
    with_all = cskpi.report(sample, by=["team"], overall=True)
    groups = cskpi.report(sample, by=["team"])
    assert len(with_all) == len(groups) + 1
    assert with_all["interactions"].iloc[0] == groups["interactions"].sum()
    pd.testing.assert_frame_equal(with_all.iloc[1:].reset_index(drop=True), groups)


def test_report_rejects_lists_every_reject_with_the_dataframe_index(tmp_path):
    n = 2500  # more than the 1000 the JSON document lists
    df = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "created_at": ["2026-03-01 10:00:00"] * n,
                       "channel": ["chat"] * n, "nps": [11 if i % 2 else 5 for i in range(n)]},
                      index=[f"row{i}" for i in range(n)])
    with pytest.warns(UserWarning, match="1250 of 2500 rows rejected"):
        r = cskpi.run(df)
    rej = r.rejects
    assert len(rej) == 1250 == r.rows_rejected
    assert list(rej["index"][:2]) == ["row1", "row3"] and list(rej["line"][:2]) == [2, 4]
    assert (rej["column"] == "nps").all()
    assert len(r.to_json()["input"]["rejects"]) == 1000
    path = tmp_path / "x.csv"
    df.to_csv(path, index=False)
    with pytest.warns(UserWarning):
        assert len(cskpi.run(path).rejects) == 1250


def test_labels_that_look_like_typos_of_configured_ones_warn(tmp_path):
    data = tmp_path / "x.csv"
    data.write_text("id,created_at,channel,priority,first_response_s\n"
                    "A,2026-03-01 10:00:00,Chat,urgnet,5\nB,2026-03-01 11:00:00,chat,,50\n", encoding="utf-8")
    out = run("report", data, "--format", "json")
    assert out.returncode == 0
    doc = json.loads(out.stdout)
    assert "channel 'Chat' matches no sla.first_response_s channel (did you mean 'chat'?), so its rows miss that rule" in doc["warnings"]
    assert any("priority 'urgnet'" in w and "did you mean 'urgent'" in w for w in doc["warnings"])
    assert "channel 'Chat' matches no" in out.stderr
    # Only row B has a target: the warning explains why A is not in sla_frt.
    assert doc["groups"][0]["metrics"]["sla_frt_den"] == 1


def test_nested_unknown_keys_suggest_their_siblings(tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"sla": {"first_respons_s": {"chat": 30}}, "csat": {"scal": [1, 5]}}))
    out = run("check", "--config", cfg)
    assert out.returncode == 2
    assert "sla.first_respons_s: unknown key (did you mean 'first_response_s'?)" in out.stderr
    assert "csat.scal: unknown key (did you mean 'scale'?)" in out.stderr
