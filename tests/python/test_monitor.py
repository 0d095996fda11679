"""Live monitor (spec section 17) against the batch report: a monitor fed a whole event log gives,
for each closed window, the values of `cskpi report --events` over the interactions created in
that window (as_of = the monitor's instant); FRT quantiles are also checked with numpy. Sketch
mode stays within its stated relative error. The CLI's snapshot, replay and HTTP endpoints agree."""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cskpi

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))
T0 = pd.Timestamp("2026-03-10T13:00:00Z")  # 21:00 in Shanghai: "today" starts at 16:00Z
CONFIG = {"timezone": "Asia/Shanghai",
          "sla_policies": [{"name": "chat", "when": {"channel": "chat"}, "targets": {"first_response_s": 60}},
                           {"name": "mail", "when": {"channel": "email"}, "targets": {"first_response_s": 600}}],
          "monitor": {"late_tolerance_s": 0}}


def event_log(n: int = 500, seed: int = 3) -> pd.DataFrame:
    """Random chats and e-mails over 4 hours: answered or not, replies, solves, ratings, abandons."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        iid = f"I{i:04d}"
        t = T0 + pd.Timedelta(seconds=int(rng.integers(0, 4 * 3600)))
        channel = "chat" if rng.random() < 0.6 else "email"
        team = ["A", "B"][int(rng.integers(0, 2))]
        abandoned = "true" if rng.random() < 0.1 else ""
        rows.append(dict(interaction_id=iid, at=t, **{"from": "customer"}, channel=channel, team=team, abandoned=abandoned))
        if abandoned:
            continue
        if rng.random() < 0.85:
            t = t + pd.Timedelta(seconds=int(rng.lognormal(3.5 if channel == "chat" else 5.5, 1.0)) + 1)
            rows.append(dict(interaction_id=iid, at=t, **{"from": "agent"}, agent=f"ag{int(rng.integers(0, 8))}"))
            if rng.random() < 0.5:
                t = t + pd.Timedelta(seconds=int(rng.integers(5, 300)))
                rows.append(dict(interaction_id=iid, at=t, **{"from": "customer"}))
            if rng.random() < 0.6:
                t = t + pd.Timedelta(seconds=int(rng.integers(5, 600)))
                rows.append(dict(interaction_id=iid, at=t, **{"from": "agent"}, kind="status", status="solved"))
            if rng.random() < 0.4:
                t = t + pd.Timedelta(seconds=int(rng.integers(5, 600)))
                rows.append(dict(interaction_id=iid, at=t, **{"from": "customer"}, kind="rating", text=str(int(rng.integers(1, 6)))))
    df = pd.DataFrame(rows)
    df["at"] = df["at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return df


def fed_monitor(df: pd.DataFrame, config: dict, now: pd.Timestamp) -> cskpi.Monitor:
    m = cskpi.Monitor(config, clock="manual")
    m.update_frame(df[pd.to_datetime(df["at"]) <= now], advance=True)
    m.advance_to(now)
    return m


def batch(df: pd.DataFrame, tmp_path: Path, start: pd.Timestamp, now: pd.Timestamp, by: str | None = None) -> dict:
    """`cskpi report --events` over the interactions created in [start, now], as of now."""
    created = pd.to_datetime(df["at"]).groupby(df["interaction_id"]).transform("min")
    part = df[(created >= start) & (created <= now) & (pd.to_datetime(df["at"]) <= now)]
    path = tmp_path / f"w{start.value}.csv"
    part.to_csv(path, index=False)
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({**CONFIG, "as_of": now.isoformat()}))
    args = [CLI, "report", "--events", str(path), "--config", str(cfg), "--format", "json"] + (["--by", by] if by else [])
    out = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    return out


def close(a, b, rel=0.0):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= rel * abs(b) + 1e-9


@pytest.mark.parametrize("now", [T0 + pd.Timedelta(minutes=95, seconds=30), T0 + pd.Timedelta(hours=4, minutes=20)])
def test_windows_equal_the_batch_report(tmp_path, now):
    df = event_log()
    snap = fed_monitor(df, CONFIG, now).snapshot_json()
    assert snap["counts"]["events"] == int((pd.to_datetime(df["at"]) <= now).sum())
    assert snap["counts"]["late"] == 0
    scopes = {(s["channel"], s["team"]): s for s in snap["scopes"]}
    for name in snap["windows"]:
        start = pd.Timestamp(scopes[(None, None)]["windows"][name]["from"])
        if name == "today":
            assert start == now.tz_convert("Asia/Shanghai").normalize()  # local midnight in Shanghai
        rep = batch(df, tmp_path, start, now, by="channel")
        groups = {g["by"].get("channel"): g["metrics"] for g in rep["groups"]}  # the overall row's "by" is {}
        for channel, metrics in groups.items():
            w = scopes[(channel, None)]["windows"][name]
            assert w["interactions"] == metrics["interactions"], (name, channel)
            assert w["answered"] == metrics["answered"]
            assert w["abandoned"] == metrics["abandoned"]
            assert close(w["frt_median"], metrics["frt_median"]) and close(w["frt_p90"], metrics["frt_p90"]), (name, channel)
            assert w["sla_first_response_num"] == metrics["sla_first_response_num"]
            assert w["sla_first_response_den"] == metrics["sla_first_response_den"]
            assert w["sla_first_response_active"] == metrics["sla_first_response_active"]
            assert w["csat_responses"] == metrics["csat_responses"]
            assert close(w["csat"], metrics["csat"])


def test_frt_quantiles_with_numpy_and_the_sketch_within_its_error(tmp_path):
    df = event_log(800, seed=11)
    now = T0 + pd.Timedelta(hours=5)
    at = pd.to_datetime(df["at"])
    first = df.assign(at=at).groupby("interaction_id").agg(created=("at", "min"))
    agent = df.assign(at=at)[df["from"].eq("agent") & df["kind"].isna()].groupby("interaction_id")["at"].min()
    cust = df.assign(at=at)[df["from"].eq("customer")].groupby("interaction_id")["at"].min()
    frt = (agent - cust.reindex(agent.index)).dt.total_seconds()
    exact = cskpi.Monitor(CONFIG, clock="manual")
    exact.update_frame(df, advance=True)
    exact.advance_to(now)
    s = exact.snapshot_json()["scopes"][0]["windows"]["today"]
    in_today = first.index[first["created"] >= pd.Timestamp("2026-03-10T16:00:00Z")]
    values = frt.reindex(frt.index.intersection(in_today)).to_numpy()
    assert s["frt_exact"] is True
    assert s["frt_median"] == pytest.approx(np.percentile(values, 50), rel=1e-12)
    assert s["frt_p90"] == pytest.approx(np.percentile(values, 90), rel=1e-12)
    for alpha in (0.01, 0.05):
        sk = cskpi.Monitor({**CONFIG, "monitor": {"late_tolerance_s": 0, "exact_limit": 5, "relative_error": alpha}}, clock="manual")
        sk.update_frame(df, advance=True)
        sk.advance_to(now)
        w = sk.snapshot_json()["scopes"][0]["windows"]["today"]
        assert w["frt_exact"] is False
        assert abs(w["frt_median"] - np.percentile(values, 50)) <= alpha * np.percentile(values, 50) + 1e-9
        assert abs(w["frt_p90"] - np.percentile(values, 90)) <= alpha * np.percentile(values, 90) + 1e-9


def test_queue_now_by_hand_and_dataframe_shape():
    m = cskpi.Monitor({"monitor": {"late_tolerance_s": 30}}, clock="manual")
    m.advance_to("2026-03-10T10:00:00Z")
    m.update("a", "2026-03-10T10:00:00Z", channel="chat", team="A")
    m.update("b", "2026-03-10T09:59:40Z", channel="phone", team="A")
    assert m.update("c", "2026-03-10T09:59:00Z", channel="chat") is False  # 60 s old: late
    m.advance_to("2026-03-10T10:01:00Z")
    df = m.snapshot()
    overall = df[df["channel"].isna() & df["team"].isna() & (df["window"] == "15m")].iloc[0]
    assert overall["queue_length"] == 2
    assert overall["longest_wait_s"] == 80
    assert set(df["window"]) == {"15m", "60m", "today"}
    assert df.attrs["counts"]["late"] == 1
    with pytest.raises(cskpi.InputError) as e:
        m.update("d", "yesterday-ish", channel="chat")
    assert e.value.column == "at"


def test_alerts_in_python():
    cfg = {"monitor": {"alerts": [{"name": "queue", "metric": "queue_length", "op": ">", "threshold": 0, "for_s": 30}]}}
    m = cskpi.Monitor(cfg, clock="manual")
    m.advance_to("2026-03-10T10:00:00Z")
    m.update("a", "2026-03-10T10:00:00Z", channel="chat")
    m.snapshot_json()
    m.advance_to("2026-03-10T10:00:30Z")
    m.snapshot_json()
    m.update("a", "2026-03-10T10:00:40Z", "agent", agent="ann")
    m.advance_to("2026-03-10T10:00:45Z")
    m.snapshot_json()  # the queue is empty from here
    m.advance_to("2026-03-10T10:01:14Z")
    m.snapshot_json()  # 29 s: still raised
    m.advance_to("2026-03-10T10:01:15Z")
    m.snapshot_json()
    kinds = [(a["kind"], a["at"], a["value"]) for a in m.alerts()]
    assert kinds == [("raise", "2026-03-10T10:00:30Z", 1), ("clear", "2026-03-10T10:01:15Z", 0)]


def test_cli_snapshot_replay_and_http_agree(tmp_path):
    df = event_log(200, seed=5)
    log = tmp_path / "events.csv"
    df.sort_values(["interaction_id", "at"], kind="stable").to_csv(log, index=False)
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(CONFIG))
    now = "2026-03-10T16:30:00Z"
    snap = json.loads(subprocess.run([CLI, "monitor", str(log), "--config", str(cfg), "--at", now],
                                     capture_output=True, text=True, check=True).stdout)
    py = fed_monitor(df, CONFIG, pd.Timestamp(now)).snapshot_json()
    assert snap["scopes"] == py["scopes"]
    assert snap["rows_read"] == len(df) and snap["rows_rejected"] == 0
    # Serve the same state and scrape it.
    p = subprocess.Popen([CLI, "monitor", str(log), "--config", str(cfg), "--at", now, "--serve", "127.0.0.1:0", "--duration", "20"],
                         stderr=subprocess.PIPE, text=True)
    try:
        line = p.stderr.readline()
        port = int(re.search(r":(\d+)/metrics", line).group(1))
        deadline = time.time() + 10
        while True:
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        served = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/snapshot", timeout=5).read())
    finally:
        p.terminate()
        p.wait(10)
    assert served["scopes"] == snap["scopes"]
    overall = snap["scopes"][0]
    assert f"cskpi_queue_length {overall['now']['queue_length']}\n" in text
    p90 = overall["windows"]["15m"]["frt_p90"]
    m = re.search(r'^cskpi_frt_seconds\{window="15m",quantile="0.9"\} (\S+)$', text, re.M)
    assert (m.group(1) == "NaN") if p90 is None else float(m.group(1)) == pytest.approx(p90, rel=1e-15)
    m = re.search(r'^cskpi_sla_first_response_ratio\{channel="chat",window="60m"\} (\S+)$', text, re.M)
    chat = next(s for s in snap["scopes"] if s["channel"] == "chat" and s["team"] is None)["windows"]["60m"]["sla_first_response"]
    assert (m.group(1) == "NaN") if chat is None else float(m.group(1)) == pytest.approx(chat, rel=1e-15)
    # A replay at high speed ends in the same windows as feeding the log at once.
    rep = json.loads(subprocess.run([CLI, "monitor", str(log), "--config", str(cfg), "--replay", "1000000"],
                                    capture_output=True, text=True, check=True, timeout=120).stdout)
    at_once = json.loads(subprocess.run([CLI, "monitor", str(log), "--config", str(cfg)], capture_output=True, text=True, check=True).stdout)
    assert rep["counts"]["events"] == at_once["counts"]["events"] == len(df)
    assert rep["scopes"][0]["windows"]["today"]["interactions"] == at_once["scopes"][0]["windows"]["today"]["interactions"]


def test_cli_bad_rows_are_counted_and_strict_stops(tmp_path):
    log = tmp_path / "bad.csv"
    log.write_text("interaction_id,at,from,channel\nx,2026-03-10 10:00:00,customer,chat\ny,not a time,customer,chat\n")
    r = subprocess.run([CLI, "monitor", str(log)], capture_output=True, text=True)
    assert r.returncode == 0
    out = json.loads(r.stdout)
    assert out["rows_read"] == 2 and out["rows_rejected"] == 1 and out["counts"]["rejected"] == 1
    assert out["rejects"][0]["line"] == 3 and out["rejects"][0]["column"] == "at"
    cfg = tmp_path / "strict.json"
    cfg.write_text('{"strict": true}')
    r = subprocess.run([CLI, "monitor", str(log), "--config", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 3 and "bad.csv:3: column 'at'" in r.stderr
    cfg.write_text('{"monitor": {"alerts": [{"metric": "frt_p90", "op": ">", "threshold": 1}]}}')
    r = subprocess.run([CLI, "monitor", str(log), "--config", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 2 and "monitor.alerts[0].window" in r.stderr


def test_example_service_scrape_matches_the_batch_report(tmp_path):
    """examples/cpp/live_monitor.cpp (four workers, HTTP on loopback) scrapes its own /metrics:
    the queue, FRT median/p90 and SLA of the last 15 minutes equal the batch report's."""
    exe = Path(CLI).parent / "examples" / "example_live_monitor"
    if not exe.exists():
        pytest.skip("examples not built")
    df = event_log(seed=8)
    df = df[pd.to_datetime(df["at"]) <= T0 + pd.Timedelta(hours=3, minutes=30)]  # the stream so far
    stream = tmp_path / "stream.jsonl"
    order = pd.to_datetime(df["at"]).argsort(kind="stable")
    with open(stream, "w") as f:
        for rec in df.iloc[order].to_dict("records"):
            f.write(json.dumps({k: v for k, v in rec.items() if isinstance(v, str) and v}) + "\n")
    cfg = tmp_path / "service.json"
    config = {k: v for k, v in CONFIG.items() if k != "monitor"}
    cfg.write_text(json.dumps(config))
    out = subprocess.run([str(exe), str(stream), str(cfg)], capture_output=True, text=True, check=True, timeout=60).stdout
    scraped = dict(line.rsplit(" ", 1) for line in out.splitlines())
    now = pd.to_datetime(df["at"]).max()
    start = now.floor("min") - pd.Timedelta(minutes=14)
    rep = batch(df, tmp_path, start, now)["groups"][0]["metrics"]
    assert int(scraped['cskpi_events_total{outcome="applied"}']) == len(df)
    assert int(scraped['cskpi_arrivals{window="15m"}']) == rep["interactions"] > 0
    for q, name in (("0.5", "frt_median"), ("0.9", "frt_p90")):
        v = scraped[f'cskpi_frt_seconds{{window="15m",quantile="{q}"}}']
        assert (v == "NaN") if rep[name] is None else float(v) == pytest.approx(rep[name], rel=1e-12)
    sla = scraped['cskpi_sla_first_response_ratio{window="15m"}']
    assert (sla == "NaN") if rep["sla_first_response"] is None else float(sla) == pytest.approx(rep["sla_first_response"], rel=1e-12)
    waiting = fed_monitor(df, config, now).snapshot_json()["scopes"][0]["now"]["queue_length"]
    assert int(scraped["cskpi_queue_length"]) == waiting


def test_cli_standard_input_counts_each_bad_row_once():
    rows = ['{"interaction_id": "a", "at": "2026-03-10T10:00:00Z", "from": "customer", "channel": "chat"}',
            '{"interaction_id": "b", "at": "not a time", "from": "customer", "channel": "chat"}',
            'not json at all']
    r = subprocess.run([CLI, "monitor", "-"], input="\n".join(rows) + "\n", capture_output=True, text=True, timeout=60)
    out = json.loads(r.stdout)
    assert (out["rows_read"], out["rows_rejected"], out["counts"]["rejected"]) == (3, 2, 2)
    assert [x["line"] for x in out["rejects"]] == [2, 3] and out["rejects"][0]["column"] == "at"
