"""Real exports in: the bundled synthetic vendor exports (examples/data/exports, written by
make_exports.py with each vendor's documented columns) give the right report with only a
preset, checked against pandas reading the raw export on its own; and the import keys
(values, units, formats, encoding, delimiter, skip_lines, columns for events and reviews)
each do what docs/CONFIG.md says."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
EXPORTS = ROOT / "examples" / "data" / "exports"
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))


def run(*args):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)


def cli_report(path, config: dict, by="agent", tmp=None, events=False):
    cfg = tmp / "cfg.json"
    cfg.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    args = ["report", "--events", path] if events else ["report", path]
    out = run(*args, "--config", cfg, "--by", by, "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def groups(doc, key="agent"):
    return {g["by"].get(key): g["metrics"] for g in doc["groups"] if g["by"]}


def check(doc, ref: pd.DataFrame, key="agent"):
    """`ref`: one row per group (index = the key) with columns named as cskpi's metrics."""
    got = groups(doc, key)
    assert set(got) == set(ref.index)
    for k, row in ref.iterrows():
        for metric, want in row.items():
            have = got[k][metric]
            if pd.isna(want):
                assert have is None, (k, metric, have)
            else:
                assert have == pytest.approx(want, rel=1e-12), (k, metric, have, want)


def per_agent(df, agent, frt_s, resolved, csat, satisfied):
    agent = pd.Series(agent, dtype=object)
    d = pd.DataFrame({"agent": agent.mask(agent.eq("") | agent.isna()), "frt": frt_s, "resolved": resolved,
                      "csat": csat})
    g = d.groupby(d["agent"].fillna("<none>"), dropna=False)
    ref = pd.DataFrame({
        "interactions": g.size(),
        "frt_median": g["frt"].median(),
        "frt_mean": g["frt"].mean(),
        "resolution_rate": g["resolved"].mean(),
        "csat_mean": g["csat"].mean(),
        "csat": g["csat"].apply(lambda x: (x.dropna() >= satisfied).mean() if x.notna().any() else np.nan),
        "csat_responses": g["csat"].count(),
    })
    ref.index = [None if i == "<none>" else i for i in ref.index]
    return ref


def test_zendesk_ticket_export_csv(tmp_path):
    raw = pd.read_csv(EXPORTS / "zendesk_tickets.csv", dtype=str, keep_default_na=False)
    frt = pd.to_numeric(raw["First reply time in minutes"], errors="coerce") * 60
    resolved = raw["Status"].str.lower().isin(["solved", "closed"]).astype(float)
    csat = raw["Satisfaction Score"].str.lower().map({"good": 1.0, "bad": 0.0})
    ref = per_agent(raw, raw["Assignee"], frt, resolved, csat, satisfied=1)
    doc = cli_report(EXPORTS / "zendesk_tickets.csv", {"preset": "zendesk"}, tmp=tmp_path)
    assert doc["input"]["rows_rejected"] == 0
    check(doc, ref)
    # The Via column maps to cskpi's channels, so SLA targets and channel groups apply.
    by_channel = groups(cli_report(EXPORTS / "zendesk_tickets.csv", {"preset": "zendesk"}, by="channel", tmp=tmp_path), "channel")
    want = raw["Via"].map({"Email": "email", "Chat": "chat", "Web form": "web", "Phone call (incoming)": "phone",
                           "Facebook Private Message": "social"}).value_counts()
    assert {k: v["interactions"] for k, v in by_channel.items()} == want.to_dict()


def test_zendesk_api_jsonl_reads_nested_fields_and_agrees_with_the_csv(tmp_path):
    rows = [json.loads(line) for line in (EXPORTS / "zendesk_tickets.jsonl").read_text().splitlines()]
    frt = pd.Series([r["metric_set"]["reply_time_in_minutes"]["calendar"] for r in rows], dtype=float) * 60
    resolved = pd.Series([r["status"] in ("solved", "closed") for r in rows], dtype=float)
    csat = pd.Series([{"good": 1.0, "bad": 0.0}.get(r["satisfaction_rating"]["score"], np.nan) for r in rows])
    agent = pd.Series([r["assignee_id"] for r in rows], dtype=object)
    ref = per_agent(None, agent, frt, resolved, csat, satisfied=1)
    doc = cli_report(EXPORTS / "zendesk_tickets.jsonl", {"preset": "zendesk_api"}, tmp=tmp_path)
    assert doc["input"]["rows_rejected"] == 0 and doc["input"]["ignored_columns"] == []
    check(doc, ref)
    csv_doc = cli_report(EXPORTS / "zendesk_tickets.csv", {"preset": "zendesk"}, tmp=tmp_path)
    same = lambda g: {a: {k: v for k, v in m.items() if "sla" not in k} for a, m in g.items()}  # noqa: E731
    assert same(groups(doc)) == same(groups(csv_doc))  # the CSV has priorities (urgent tickets' SLA), the API file none


def test_freshdesk_ticket_export_hours_as_decimals_or_clock(tmp_path):
    raw = pd.read_csv(EXPORTS / "freshdesk_tickets.csv", dtype=str, keep_default_na=False)

    def hours(v):
        if ":" in v:
            h, m, s = v.split(":")
            return int(h) * 3600 + int(m) * 60 + float(s)
        return float(v) * 3600

    frt = raw["First response time (in hrs)"].map(hours)
    resolved = raw["Status"].isin(["Resolved", "Closed"]).astype(float)
    csat = raw["Survey results"].map({"Extremely happy": 5, "Happy": 4, "Neutral": 3, "Unhappy": 2,
                                      "Extremely unhappy": 1}).astype(float)
    ref = per_agent(raw, raw["Agent"], frt, resolved, csat, satisfied=4)
    doc = cli_report(EXPORTS / "freshdesk_tickets.csv", {"preset": "freshdesk"}, tmp=tmp_path)
    assert doc["input"]["rows_rejected"] == 0
    check(doc, ref)


def test_chatwoot_conversations_and_messages(tmp_path):
    raw = pd.read_csv(EXPORTS / "chatwoot_conversations.csv", dtype=str, keep_default_na=False)
    first = pd.to_numeric(raw["first_reply_created_at"])
    frt = (first - pd.to_numeric(raw["created_at"])).where(first > 0)
    resolved = (raw["status"] == "resolved").astype(float)
    csat = pd.to_numeric(raw["csat_rating"], errors="coerce")
    ref = per_agent(raw, raw["assignee"], frt, resolved, csat, satisfied=4)
    doc = cli_report(EXPORTS / "chatwoot_conversations.csv", {"preset": "chatwoot"}, tmp=tmp_path)
    assert doc["input"]["rows_rejected"] == 0
    check(doc, ref)
    # Messages: sender types, message types and the private flag map to the event columns;
    # private notes never answer, so the first public agent reply gives the FRT.
    msgs = pd.read_csv(EXPORTS / "chatwoot_messages.csv", dtype=str, keep_default_na=False)
    msgs["t"] = pd.to_numeric(msgs["created_at"])
    start = msgs[msgs["message_type"] == "incoming"].groupby("conversation_id")["t"].min()
    reply = msgs[(msgs["sender_type"] == "User") & (msgs["private"] == "false")].groupby("conversation_id")["t"].min()
    want = (reply - start).dropna()
    ev = cli_report(EXPORTS / "chatwoot_messages.csv", {"preset": "chatwoot"}, by="channel", tmp=tmp_path, events=True)
    assert ev["input"]["rows_rejected"] == 0
    m = groups(ev, "channel")["chat"]
    assert m["interactions"] == msgs["conversation_id"].nunique()
    assert m["frt_median"] == pytest.approx(want.median()) and m["frt_mean"] == pytest.approx(want.mean())


def test_chinese_helpdesk_export_in_gbk_with_a_title_line(tmp_path):
    raw = pd.read_csv(EXPORTS / "cn_helpdesk_gbk.csv", encoding="gbk", skiprows=1, dtype=str, keep_default_na=False)
    frt = pd.to_numeric(raw["首次响应时长(分钟)"]) * 60
    resolved = (raw["是否解决"] == "已解决").astype(float)
    csat = raw["满意度"].map({"非常满意": 5, "满意": 4, "一般": 3, "不满意": 2, "非常不满意": 1}).astype(float)
    ref = per_agent(raw, raw["客服"], frt, resolved, csat, satisfied=4)
    ref["transfer_rate"] = (raw["是否转接"] == "是").groupby(raw["客服"]).mean()
    doc = cli_report(EXPORTS / "cn_helpdesk_gbk.csv", {"preset": "cn_helpdesk", "skip_lines": 1}, tmp=tmp_path)
    assert doc["input"]["rows_rejected"] == 0
    check(doc, ref)
    # Days in Beijing time from `/`-dated, unpadded timestamps.
    days = groups(cli_report(EXPORTS / "cn_helpdesk_gbk.csv", {"preset": "cn_helpdesk", "skip_lines": 1}, by="day",
                             tmp=tmp_path), "day")
    stamps = raw["开始时间"].map(lambda t: pd.Timestamp(t.replace("/", "-")))
    assert {k: v["interactions"] for k, v in days.items()} == stamps.dt.strftime("%Y-%m-%d").value_counts().to_dict()


def test_preset_columns_are_optional_and_user_keys_merge_over_them(tmp_path):
    data = tmp_path / "z.csv"
    data.write_text("Id,Created at,Via,Assignee,Satisfaction Score\n1,2026-03-01 10:00:00,Chat,ann,Good\n"
                    "2,2026-03-01 11:00:00,Chat,ann,great\n", encoding="utf-8")
    doc = cli_report(data, {"preset": "zendesk", "values": {"csat": {"great": 1}}}, tmp=tmp_path)
    m = groups(doc)["ann"]
    assert m["csat_responses"] == 2 and m["csat"] == 1.0  # the user's label joins the preset's map
    out = run("report", data, "--config", tmp_path / "cfg.json", "--format", "json")
    assert out.returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"preset": "zendsk"}))
    out = run("report", data, "--config", bad)
    assert out.returncode == 2 and "did you mean 'zendesk'" in out.stderr


def test_values_units_formats_and_a_semicolon_file(tmp_path):
    data = tmp_path / "t.csv"
    data.write_text("Ticket;Created;Channel;Agent;FRT min;Rating;Status;Handle\n"
                    "T1;2026/3/1 9:05;Chat;ann;1.5;good;solved;00:01:05\n"
                    "T2;02/03/2026 10:00;Chat;bob;2;bad;open;0:02:00\n"
                    "T3;03/03/2026 11:00;Email;ann;0.25;n/a;closed;65\n", encoding="utf-8")
    cfg = {"delimiter": "auto",
           "columns": {"id": "Ticket", "created_at": "Created", "channel": "Channel", "agent": "Agent",
                       "first_response_s": "FRT min", "csat": "Rating", "resolved": "Status", "handle_s": "Handle"},
           "units": {"first_response_s": "min"},
           "values": {"csat": {"good": 5, "bad": 1, "n/a": None}, "resolved": {"solved": True, "closed": True, "open": False},
                      "channel": {"Chat": "chat", "Email": "email"}},
           "formats": {"created_at": ["%d/%m/%Y %H:%M"]}}
    doc = cli_report(data, cfg, by="agent,day", tmp=tmp_path)
    assert doc["input"]["rows_rejected"] == 0
    got = {(g["by"]["agent"], g["by"]["day"]): g["metrics"] for g in doc["groups"] if g["by"]}
    # By hand: T1 90 s FRT, 65 s handled, CSAT 5; T2 120 s, 120 s, CSAT 1; T3 15 s, 65 s, no CSAT.
    assert set(got) == {("ann", "2026-03-01"), ("bob", "2026-03-02"), ("ann", "2026-03-03")}
    assert got[("ann", "2026-03-01")]["frt_mean"] == 90 and got[("ann", "2026-03-01")]["aht_mean"] == 65
    assert got[("bob", "2026-03-02")]["frt_mean"] == 120 and got[("bob", "2026-03-02")]["csat_mean"] == 1
    assert got[("ann", "2026-03-03")]["frt_mean"] == 15 and got[("ann", "2026-03-03")]["csat_responses"] == 0
    assert got[("ann", "2026-03-03")]["resolution_rate"] == 1 and got[("bob", "2026-03-02")]["resolution_rate"] == 0
    # The same through a DataFrame: value maps and units apply to DataFrame columns too.
    df = pd.read_csv(data, sep=";")
    df["Created"] = ["2026-03-01 09:05", "2026-03-02 10:00", "2026-03-03 11:00"]
    rep = cskpi.run(df, by=["agent", "day"], config={k: v for k, v in cfg.items() if k not in ("delimiter", "formats")})
    assert rep.to_json()["groups"] == doc["groups"]


def test_encoding_hints_and_conversions(tmp_path):
    text = "id,created_at,channel,客服\nA,2026-03-01 10:00:00,chat,张伟\nB,2026-03-01 11:00:00,chat,李娜\n"
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(text.replace("id,", "编号,").encode("gbk"))
    out = run("report", gbk, "--format", "csv")
    assert out.returncode == 3 and 'set "encoding": "gbk"' in out.stderr
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes(text.encode("utf-16"))  # with a byte-order mark: read without any key
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"columns": {"agent": "客服"}}, ensure_ascii=False), encoding="utf-8")
    doc = json.loads(run("report", utf16, "--config", cfg, "--by", "agent", "--format", "json").stdout)
    assert sorted(g["by"]["agent"] for g in doc["groups"] if g["by"]) == ["张伟", "李娜"]
    plain = tmp_path / "gbk_ok.csv"
    plain.write_bytes(text.encode("gbk"))
    cfg.write_text(json.dumps({"columns": {"agent": "客服"}, "encoding": "gbk"}, ensure_ascii=False), encoding="utf-8")
    doc2 = json.loads(run("report", plain, "--config", cfg, "--by", "agent", "--format", "json").stdout)
    assert doc2["groups"] == doc["groups"]
    tabs = tmp_path / "tabs.csv"
    tabs.write_text(text.replace(",", "\t"), encoding="utf-8")
    out = run("report", tabs)
    assert out.returncode == 3 and 'tab-separated: set "delimiter": "\\t"' in out.stderr


def test_bad_import_keys_name_the_key_path(tmp_path):
    data = EXPORTS / "zendesk_tickets.csv"
    for cfg, says in [({"units": {"first_response_s": "minutes"}}, "units.first_response_s: expected one of s, ms, min, h"),
                      ({"units": {"csat": "min"}}, "units.csat: not a duration column"),
                      ({"values": {"csta": {"good": 5}}}, "values.csta: not a known column of the interactions table (did you mean 'csat'?)"),
                      ({"formats": {"created_at": ["%d/%m/%Y"], "agent": ["%Y"]}}, "formats.agent: not a timestamp column"),
                      ({"delimiter": "::"}, "delimiter: expected"),
                      ({"encoding": "klingon"}, "unknown encoding 'klingon'"),
                      ({"events": {"values": {"form": {}}}}, "events.values.form: not a known column of the events table (did you mean 'from'?)")]:
        p = tmp_path / "c.json"
        p.write_text(json.dumps(cfg))
        out = run("report", data, "--config", p)
        assert out.returncode == 2 and says in out.stderr, (cfg, out.stderr)


def test_reviews_and_events_take_their_own_columns(tmp_path):
    rubric = {"name": "t", "items": [{"id": "greeting", "section": "etiquette", "scale": [0, 1], "weight": 1}]}
    (tmp_path / "rubric.json").write_text(json.dumps(rubric))
    reviews = tmp_path / "r.csv"
    reviews.write_text("评审ID;会话;客服;项目;得分\nR1;C1;ann;greeting;是\nR2;C2;bob;greeting;否\n", encoding="utf-8")
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"reviews": {"delimiter": ";", "columns": {"review_id": "评审ID", "interaction_id": "会话",
                                                                        "agent": "客服", "item": "项目", "score": "得分"},
                                           "values": {"score": {"是": 1, "否": 0}}}}, ensure_ascii=False), encoding="utf-8")
    out = run("qa", reviews, "--rubric", tmp_path / "rubric.json", "--config", cfg, "--by", "agent", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["input"]["rows_rejected"] == 0
    assert {a: v["qa_score"] for a, v in doc["agents"].items()} == {"ann": 100, "bob": 0}  # 是 = 1 of 1, 否 = 0

    # Python reads the reviews with the same configuration (a dict, a path or JSON text).
    agents = cskpi.qa_scores(str(reviews), str(tmp_path / "rubric.json"), config=str(cfg))
    assert dict(zip(agents["agent"], agents["qa_score"])) == {"ann": 100, "bob": 0}
