"""attribute_by (docs/ATTRIBUTION.md): which instant puts an interaction into a time bucket, per
metric family. Random rows through the CLI and Python, against pandas bucketing each family by its
own instant (first response, resolution, rating; created when the row has none), numpy's type-7
quantiles and statsmodels' Wilson interval."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))
TZ = "Asia/Shanghai"
FAMILIES = {"response": "first_response", "resolution": "resolved", "satisfaction": "rated"}
SLA = {"chat": 30, "email": 86400}  # the default first-response targets of these channels


def make_rows(n=500, seed=11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2026-03-01 00:00:00") + pd.to_timedelta(rng.integers(0, 6 * 86400, n), unit="s")
    frt = pd.to_timedelta(np.where(rng.random(n) < 0.5, rng.integers(5, 60, n), rng.integers(60, 3 * 86400, n)),
                          unit="s")
    answered = rng.random(n) < 0.85
    resolved = answered & (rng.random(n) < 0.7)
    res = frt + pd.to_timedelta(rng.integers(60, 4 * 86400, n), unit="s")
    rated = resolved & (rng.random(n) < 0.6)
    rated_at = created + res + pd.to_timedelta(rng.integers(60, 2 * 86400, n), unit="s")
    no_rated_at = rated & (rng.random(n) < 0.15)  # rated, but the instant is unknown: created's day
    fmt = "%Y-%m-%d %H:%M:%S"
    return pd.DataFrame({
        "id": [f"r{i:04d}" for i in range(n)],
        "created_at": created.strftime(fmt),
        "channel": rng.choice(["chat", "email"], n),
        "agent": rng.choice(["A", "B", "C"], n),
        "first_response_at": np.where(answered, (created + frt).strftime(fmt), ""),
        "resolved": resolved.astype(int),
        "resolved_at": np.where(resolved, (created + res).strftime(fmt), ""),
        "reopened": np.where(resolved & (rng.random(n) < 0.2), 1, 0),
        "csat": np.where(rated, rng.integers(1, 6, n), -1),
        "rated_at": np.where(rated & ~no_rated_at, rated_at.strftime(fmt), ""),
    })


def write(rows: pd.DataFrame, path: Path) -> Path:
    out = rows.copy()
    out["csat"] = out["csat"].map(lambda v: "" if v < 0 else str(v))
    out.to_csv(path, index=False)
    return path


def oracle(rows: pd.DataFrame, instants: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Per family, the rows with the local day of the family's instant (created when missing)."""
    created = pd.to_datetime(rows["created_at"])
    at = {
        "created": created,
        "first_response": pd.to_datetime(rows["first_response_at"].replace("", None)),
        "resolved": pd.to_datetime(rows["resolved_at"].replace("", None)),
        "rated": pd.to_datetime(rows["rated_at"].replace("", None)),
    }
    out = {}
    for family in ("volume", "response", "resolution", "satisfaction"):
        t = at[instants.get(family, "created")].fillna(created)
        # Naive times are Asia/Shanghai wall clock: the local day is the written date.
        out[family] = rows.assign(day=t.dt.strftime("%Y-%m-%d"), created=created,
                                  frt=(at["first_response"] - created).dt.total_seconds(),
                                  res=(at["resolved"] - created).dt.total_seconds())
    return out


def by_day(doc) -> dict[str, dict]:
    return {g["by"]["day"]: g["metrics"] for g in doc["groups"] if g["by"].get("day") is not None}


def cli_report(path: Path, cfg: dict, by: str = "day", fmt: str = "json", tmp: Path | None = None):
    cfg_path = (tmp or path.parent) / "cfg.json"
    cfg_path.write_text(json.dumps(cfg), encoding="utf-8")
    r = subprocess.run([CLI, "report", str(path), "--by", by, "--config", str(cfg_path), "--format", fmt],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout) if fmt == "json" else r.stdout


def assert_rate(m, name, num, den):
    assert (m[f"{name}_num"], m[f"{name}_den"]) == (num, den), name
    if den == 0:
        assert m[name] is None
        return
    assert m[name] == pytest.approx(num / den, abs=1e-12)
    lo, hi = proportion_confint(num, den, alpha=0.05, method="wilson")
    assert m[f"{name}_ci_low"] == pytest.approx(lo, abs=1e-12)
    assert m[f"{name}_ci_high"] == pytest.approx(hi, abs=1e-12)


def assert_quantiles(m, prefix, values, stats):
    if len(values) == 0:
        assert all(m[f"{prefix}_{s}"] is None for s in stats)
        return
    want = {"mean": np.mean(values), "median": np.quantile(values, 0.5), "p90": np.quantile(values, 0.9),
            "p95": np.quantile(values, 0.95), "max": np.max(values)}
    for s in stats:
        assert m[f"{prefix}_{s}"] == pytest.approx(want[s], rel=1e-12), f"{prefix}_{s}"


def check_against_oracle(doc, rows, instants):
    fam = oracle(rows, instants)
    got = by_day(doc)
    days = set()
    for f in fam.values():
        days |= set(f["day"])
    assert set(got) == days  # a day with only resolutions (or ratings) still has its row
    for day in sorted(days):
        m = got[day]
        v = fam["volume"][fam["volume"]["day"] == day]
        assert m["interactions"] == len(v)
        assert_rate(m, "answer_rate", int(v["first_response_at"].ne("").sum()), len(v))
        r = fam["response"][fam["response"]["day"] == day]
        answered = r[r["first_response_at"] != ""]
        assert_quantiles(m, "frt", answered["frt"].to_numpy(), ["mean", "median", "p90", "p95", "max"])
        met = (answered["frt"] <= answered["channel"].map(SLA)).sum()
        assert_rate(m, "sla_frt", int(met), len(r))
        s = fam["resolution"][fam["resolution"]["day"] == day]
        solved = s[s["resolved"] == 1]
        assert m["resolved"] == len(solved)
        assert_rate(m, "resolution_rate", len(solved), len(s))
        assert_rate(m, "reopen_rate", int((solved["reopened"] > 0).sum()), len(solved))
        assert_quantiles(m, "resolution_time", solved["res"].to_numpy(), ["mean", "median", "p90"])
        c = fam["satisfaction"][fam["satisfaction"]["day"] == day]
        c = c[c["csat"] >= 0]
        assert m["csat_responses"] == len(c)
        assert_rate(m, "csat", int((c["csat"] >= 4).sum()), len(c))
        if len(c):
            assert m["csat_mean"] == pytest.approx(c["csat"].mean(), rel=1e-12)


@pytest.fixture(scope="module")
def rows():
    return make_rows()


def test_each_family_bucketed_by_its_own_instant(tmp_path, rows):
    cfg = {"timezone": TZ, "attribute_by": FAMILIES}
    doc = cli_report(write(rows, tmp_path / "rows.csv"), cfg)
    assert doc["config"]["attribute_by"] == {"volume": "created", **FAMILIES}
    check_against_oracle(doc, rows, FAMILIES)
    # The overall row counts every interaction once, whatever the buckets.
    whole = cli_report(tmp_path / "rows.csv", {"timezone": TZ}, by="agent")
    assert doc["groups"][0]["metrics"] == whole["groups"][0]["metrics"]


def test_one_instant_for_every_family(tmp_path, rows):
    doc = cli_report(write(rows, tmp_path / "rows.csv"), {"timezone": TZ, "attribute_by": "resolved"})
    check_against_oracle(doc, rows, {f: "resolved" for f in ("volume", "response", "resolution", "satisfaction")})


def test_created_is_the_default_and_changes_nothing(tmp_path, rows):
    path = write(rows, tmp_path / "rows.csv")
    plain = cli_report(path, {"timezone": TZ}, by="agent,day", fmt="csv")
    assert cli_report(path, {"timezone": TZ, "attribute_by": "created"}, by="agent,day", fmt="csv") == plain
    assert cli_report(path, {"timezone": TZ, "attribute_by": {"resolution": "created"}}, by="agent,day",
                      fmt="csv") == plain
    check_against_oracle(cli_report(path, {"timezone": TZ}), rows, {})


def test_without_a_time_key_the_groups_are_the_same(tmp_path, rows):
    path = write(rows, tmp_path / "rows.csv")
    a = cli_report(path, {"timezone": TZ}, by="agent")
    b = cli_report(path, {"timezone": TZ, "attribute_by": FAMILIES}, by="agent")
    assert a["groups"] == b["groups"]


def test_python_partials_merge_and_pickle_to_the_whole(rows):
    cfg = {"timezone": TZ, "attribute_by": FAMILIES}
    frame = rows.replace("", None).assign(csat=rows["csat"].where(rows["csat"] >= 0))
    whole = cskpi.report(frame, by=["agent", "day"], config=cfg)
    parts = [cskpi.partial(frame.iloc[i::3], by=["agent", "day"], config=cfg) for i in range(3)]
    merged = pickle.loads(pickle.dumps(parts[0])) + pickle.loads(pickle.dumps(parts[1])) + parts[2]
    pd.testing.assert_frame_equal(cskpi.finalize(merged), whole, check_exact=True)
    # And the per-day frame agrees with the CLI's oracle.
    doc = cskpi.report_json(frame, by=["day"], config=cfg)
    check_against_oracle(doc, rows, FAMILIES)


@pytest.mark.parametrize("value, path", [
    ({"resolution": "solved"}, "attribute_by.resolution"),
    ({"resolutoin": "resolved"}, "attribute_by.resolutoin"),
    ("yesterday", "attribute_by"),
    ({"volume": 3}, "attribute_by.volume"),
])
def test_bad_attribute_by_exits_2_naming_the_key(tmp_path, rows, value, path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"attribute_by": value}), encoding="utf-8")
    r = subprocess.run([CLI, "report", str(write(rows, tmp_path / "rows.csv")), "--config", str(cfg)],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert path in r.stderr


def test_rated_at_before_created_at_is_rejected(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("id,created_at,channel,csat,rated_at\n"
                    "a,2026-03-01 10:00:00,chat,5,2026-03-01 09:00:00\n"
                    "b,2026-03-01 10:00:00,chat,5,2026-03-02 09:00:00\n", encoding="utf-8")
    doc = cli_report(path, {"attribute_by": {"satisfaction": "rated"}})
    assert doc["input"]["rows_accepted"] == 1
    assert doc["input"]["rejects"][0]["column"] == "rated_at"
    assert doc["input"]["rejects"][0]["reason"] == "before created_at"
    days = by_day(cli_report(path, {"attribute_by": {"satisfaction": "rated"}}, by="day"))
    assert sorted(days) == ["2026-03-01", "2026-03-02"]
    assert (days["2026-03-01"]["interactions"], days["2026-03-01"]["csat_responses"]) == (1, 0)
    assert (days["2026-03-02"]["interactions"], days["2026-03-02"]["csat_responses"]) == (0, 1)


def test_event_logs_rate_on_the_day_of_the_rating_event(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("interaction_id,at,from,agent,kind,public,status,text,channel\n"
                    "A,2026-03-01 10:00:00,customer,,message,,,,chat\n"
                    "A,2026-03-01 10:00:20,agent,X,message,,,,\n"
                    "A,2026-03-02 09:00:00,agent,X,status,,solved,,\n"
                    "A,2026-03-03 08:00:00,customer,,rating,,,5,\n"
                    "B,2026-03-02 11:00:00,customer,,message,,,,chat\n"
                    "B,2026-03-02 11:00:30,agent,X,message,,,,\n"
                    "B,2026-03-02 11:05:00,customer,,rating,,,2,\n", encoding="utf-8")
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"attribute_by": {"satisfaction": "rated", "resolution": "resolved"}}))
    doc = json.loads(subprocess.run([CLI, "report", "--events", str(path), "--by", "day", "--config", str(cfg),
                                     "--format", "json"], capture_output=True, text=True, check=True).stdout)
    days = by_day(doc)
    assert sorted(days) == ["2026-03-01", "2026-03-02", "2026-03-03"]
    # A: created 03-01, solved 03-02, rated 03-03 (5). B: created, rated 03-02 (2), not solved.
    assert [days[d]["interactions"] for d in sorted(days)] == [1, 1, 0]
    assert [days[d]["csat_responses"] for d in sorted(days)] == [0, 1, 1]
    assert [days[d]["csat_mean"] for d in sorted(days)] == [None, 2.0, 5.0]
    assert [days[d]["resolved"] for d in sorted(days)] == [0, 1, 0]
    assert (days["2026-03-02"]["resolution_rate_num"], days["2026-03-02"]["resolution_rate_den"]) == (1, 2)
    # The event-log columns stay on created_at.
    assert days["2026-03-03"]["rounds"] in (0, None)
