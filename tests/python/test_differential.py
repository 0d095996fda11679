"""Differential test: the cskpi CLI against an independent pandas implementation of the spec
(spec_reference.py) on generated data full of edge cases: every timestamp form, DST-free and DST
time zones, ties, missing values, duplicates and bad rows, CSV quoting, Chinese labels."""
from __future__ import annotations

import csv
import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import spec_reference as ref  # noqa: E402

CLI = os.environ.get("CSKPI_CLI", str(Path(__file__).parents[2] / "build" / "cskpi"))

AGENTS = ["张伟", "王芳", "李娜", 'O"Brien, Pat', "agent-5", ""]
CHANNELS = ["chat", "phone", "email", "social", "bot", "wechat"]
CATEGORIES = ["presale", "order", "logistics", "return", "complaint", "other", ""]
PRIORITIES = ["urgent", "high", "normal", "low", ""]


def fmt_time(rng: random.Random, us: int, tz: str) -> str:
    """One of the section 1 forms for the instant `us` (UTC microseconds)."""
    import pandas as pd
    ts = pd.Timestamp(us * 1000, tz="UTC")
    form = rng.randrange(7)
    if form == 0:
        return str(us // 1_000_000)                       # epoch integer
    if form == 1:
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"  # epoch decimal
    if form == 2:
        return ts.strftime("%Y-%m-%dT%H:%M:%SZ") if us % 1_000_000 == 0 else ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if form == 3:
        return ts.tz_convert("Asia/Kolkata").strftime("%Y-%m-%dT%H:%M:%S") + "+05:30"
    local = ts.tz_convert(tz)
    if form == 4:
        return local.strftime("%Y-%m-%d %H:%M:%S")
    if form == 5:
        return local.strftime("%Y-%m-%dT%H:%M:%S")
    return local.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def generate(path: Path, seed: int, n: int, tz: str, base_us: int, whole_seconds: bool = False) -> None:
    rng = random.Random(seed)
    header = ref.COLUMNS + ["note"]
    rows = []
    customers = [f"U{i}" for i in range(max(3, n // 6))]
    for i in range(n):
        created = base_us + rng.randrange(0, 20 * 86400) * 1_000_000 + rng.choice([0, 0, 0, 250_000]) * (not whole_seconds)
        if rng.random() < 0.05 and rows:  # ties: same instant as an earlier row, same customer
            created = rows[-1]["_created"]
        r = {c: "" for c in header}
        r["_created"] = created
        r["id"] = f"r{i}" if rng.random() > 0.02 else f"r{rng.randrange(max(1, i))}"
        r["created_at"] = fmt_time(rng, created, tz)
        r["channel"] = rng.choice(CHANNELS)
        r["agent"] = rng.choice(AGENTS)
        r["team"] = rng.choice(["售前", "售后", ""])
        r["customer"] = rows[-1]["customer"] if rows and rng.random() < 0.1 else (rng.choice(customers) if rng.random() < 0.85 else "")
        r["category"] = rng.choice(CATEGORIES)
        r["priority"] = rng.choice(PRIORITIES)
        answered = rng.random() < 0.85
        if answered:
            frt = rng.choice([0, 1, 5, 20, 30, 31, 60, 61, 3600, 90000]) * 1_000_000 + rng.choice([0, 500_000])
            if rng.random() < 0.7:
                r["first_response_at"] = fmt_time(rng, created + frt, tz)
            else:
                r["first_response_s"] = f"{frt / 1e6:g}"
        if rng.random() < 0.6:
            res = rng.randrange(0, 400000) * 1_000_000
            if rng.random() < 0.7:
                r["resolved_at"] = fmt_time(rng, created + res, tz)
            else:
                r["resolution_s"] = str(res // 1_000_000)
        if rng.random() < 0.1:
            r["resolved"] = rng.choice(["1", "0", "yes", "否", "TRUE"])
        r["handle_s"] = rng.choice(["", "", "120", "33.5", "0"])
        r["abandoned"] = "1" if not answered and rng.random() < 0.6 else rng.choice(["", "0", "false", "n"])
        if rng.random() < 0.3:  # the short-abandon rule: 5 s is the edge
            r["wait_s"] = rng.choice(["3", "5", "5.5", "12", "0", "-1"])
        if rng.random() < 0.15:
            r["abandoned_at"] = fmt_time(rng, created + rng.choice([2, 5, 6, 40]) * 1_000_000, tz)
        r["reopened"] = rng.choice(["", "0", "0", "1", "2"])
        r["contacts"] = rng.choice(["", "1", "2"])
        r["transferred"] = rng.choice(["", "0", "1", "是"])
        r["replies"] = rng.choice(["", "", "0", "1", "1", "2", "5", "-1", "x"])
        r["bot"] = rng.choice(["", "0", "0", "1", "T"])
        r["csat"] = rng.choice(["", "", "1", "2", "3", "4", "5", "4.0"])
        r["nps"] = rng.choice(["", "", "0", "6", "7", "8", "9", "10"])
        r["ces"] = rng.choice(["", "", "", "1", "4", "7"])
        for f in ("complaint", "dispute", "refund"):
            r[f] = rng.choice(["", "0", "0", "0", "1"])
        r["converted"] = rng.choice(["", "0", "1"])
        r["order_value"] = rng.choice(["", "99.9", "0", "1234.56"])
        r["note"] = rng.choice(["", "备注, with comma", 'quote "x"', "line\nbreak"])
        # Bad rows, one defect each.
        bad = rng.random()
        if bad < 0.012:
            r["csat"] = "9"
        elif bad < 0.024:
            r["created_at"] = "2026-02-30 10:00:00"
        elif bad < 0.036:
            r["first_response_at"] = fmt_time(rng, created - 1_000_000, tz)
            r["first_response_s"] = ""
        elif bad < 0.048:
            r["bot"] = "maybe"
        elif bad < 0.06:
            r["handle_s"] = "-5"
        elif bad < 0.066:
            r["channel"] = ""
        elif bad < 0.072:
            r["nps"] = "11"
        rows.append(r)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header, extrasaction="ignore", lineterminator=rng.choice(["\n", "\r\n"]))
        w.writeheader()
        w.writerows(rows)


def run_cli(path: Path, cfg: dict, by: list[str], tmp: Path, threads: int = 1) -> dict:
    cfg_path = tmp / "config.json"
    cfg_path.write_text(json.dumps(cfg, ensure_ascii=False), encoding="utf-8")
    args = [CLI, "report", str(path), "--config", str(cfg_path), "--format", "json", "--threads", str(threads)]
    if by:
        args += ["--by", ",".join(by)]
    out = subprocess.run(args, capture_output=True, check=True)
    return json.loads(out.stdout)


def close(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return False
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def physical_lines(path: Path) -> dict[int, int]:
    """Maps pandas' record number (0-based) to the physical line the record starts on."""
    import io
    text = path.read_text(encoding="utf-8")
    starts, line = [], 1
    reader = csv.reader(io.StringIO(text, newline=""))
    pos_line = 1
    for k, _ in enumerate(reader):
        starts.append(pos_line)
        pos_line = reader.line_num + 1
    return {i: starts[i + 1] for i in range(len(starts) - 1)}


CASES = [
    ("UTC", {}, ["agent"], 1_772_323_200_000_000),
    ("Asia/Shanghai", {"timezone": "Asia/Shanghai"}, ["agent", "channel", "day"], 1_772_323_200_000_000),
    # New York across the spring-forward gap (2026-03-08) and the fall-back overlap (2026-11-01).
    ("America/New_York", {"timezone": "America/New_York", "sla": {"abandoned": "exclude"}, "fcr": {"same_category": False}},
     ["team", "week", "priority"], 1_772_323_200_000_000),
    ("America/New_York", {"timezone": "America/New_York", "csat": {"satisfied_min": 5}, "confidence": 0.9,
                          "fcr": {"window_s": 172800}}, ["category", "hour"], 1_793_232_000_000_000),
    ("Asia/Shanghai", {"timezone": "Asia/Shanghai", "sla": {"first_response_s": {"wechat": 45}, "by_priority": {"high": {"first_response_s": 10}}},
                       "complaint": {"respond_s": 60, "category": "return"}, "presale_category": "order"},
     ["month", "quarter", "year"], 1_772_323_200_000_000),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_cli_matches_pandas_reference(case, tmp_path):
    check_against_reference(CASES[case], 1000 + case, False, tmp_path)


@pytest.mark.parametrize("case", [0, 1])
def test_cli_matches_pandas_whole_second_creation_times(case, tmp_path):
    """Creation times in whole seconds keep the first-contact ledger in its 16-byte records
    (the other cases have sub-second times, which switch it to 24-byte records)."""
    check_against_reference(CASES[case], 2000 + case, True, tmp_path)


def check_against_reference(case, seed, whole_seconds, tmp_path):
    tz, cfg, by, base = case
    data = tmp_path / "interactions.csv"
    generate(data, seed=seed, n=1500, tz=tz, base_us=base, whole_seconds=whole_seconds)
    got = run_cli(data, cfg, by, tmp_path)
    rows_read, rejects, groups = ref.report(str(data), cfg, by)

    assert got["input"]["rows_read"] == rows_read
    assert got["input"]["rows_accepted"] + got["input"]["rows_rejected"] == rows_read
    lines = physical_lines(data)
    expected_rejects = [(lines[line - 2], col) for line, col in rejects]
    assert [(r["line"], r["column"]) for r in got["input"]["rejects"]] == expected_rejects
    assert got["input"]["ignored_columns"] == ["note"]

    assert len(got["groups"]) == len(groups)
    for g, (key, m) in zip(got["groups"], groups):
        assert g["by"] == key
        for name, want in m.items():
            assert close(g["metrics"][name], want), (key, name, g["metrics"][name], want)


def test_threads_give_identical_bytes(tmp_path):
    data = tmp_path / "interactions.csv"
    generate(data, seed=7, n=3000, tz="Asia/Shanghai", base_us=1_772_323_200_000_000)
    cfg = {"timezone": "Asia/Shanghai"}
    one = run_cli(data, cfg, ["agent", "day"], tmp_path, threads=1)
    for t in (2, 4):
        assert run_cli(data, cfg, ["agent", "day"], tmp_path, threads=t) == one
