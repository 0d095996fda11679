"""Inputs that used to abort the command (exit 134) or lose data silently now give a report or a
clear error: invalid UTF-8 reaching JSON output, numbers that overflow a double, CR-only line ends."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))


def run(*args, cwd=None):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, cwd=cwd)


def test_invalid_utf8_in_a_label_is_written_as_replacement_characters(tmp_path):
    data = tmp_path / "x.csv"
    data.write_bytes(b"id,created_at,channel,agent\nA,2026-03-01 10:00:00,chat,\xff\xfeann\nB,2026-03-01 10:00:00,chat,bob\n")
    out = run("report", data, "--by", "agent", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout.decode("utf-8"))  # valid UTF-8 JSON
    assert sorted(g["by"]["agent"] for g in doc["groups"] if g["by"]) == ["bob", "\ufffd\ufffdann"]


def test_numbers_that_overflow_a_double_are_errors_or_rejects(tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text('{"fcr": {"window_s": 1e400}}')
    data = tmp_path / "x.jsonl"
    data.write_text('{"id": "A", "created_at": "2026-03-01 10:00:00", "channel": "chat", "csat": 1e400}\n'
                    '{"id": "B", "created_at": "2026-03-01 10:00:00", "channel": "chat", "csat": 4}\n')
    out = run("report", data, "--config", cfg)
    assert out.returncode == 2 and b"number overflow" in out.stderr
    out = run("report", data, "--format", "json")
    assert out.returncode == 0
    doc = json.loads(out.stdout)
    assert doc["input"]["rows_accepted"] == 1 and doc["input"]["rejects"][0]["line"] == 1
    assert "number overflow" in doc["input"]["rejects"][0]["reason"]


def test_cr_only_line_ends_are_line_ends(tmp_path):
    data = tmp_path / "mac.csv"
    data.write_bytes(b"id,created_at,channel\rA,2026-03-01 10:00:00,chat\rB,2026-03-02 10:00:00,email\r")
    out = run("report", data, "--by", "channel", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["input"]["rows_read"] == 2 and doc["input"]["ignored_columns"] == []


def test_a_malformed_record_is_not_copied_into_the_report(tmp_path):
    data = tmp_path / "x.jsonl"
    data.write_text('{"id": "A", "created_at": "2026-03-01 10:00:00", "channel": "chat", "customer": "13800138000"\n'
                    '{"id": "B", "created_at": "2026-03-01 10:00:00", "channel": "chat"}\n')
    events = tmp_path / "e.csv"
    events.write_text('interaction_id,at,from,text\nA,2026-03-01 10:00:00,customer,"my phone is 13800138000\n')
    for args in (["report", data], ["report", "--events", events]):
        out = run(*args, "--format", "json")
        assert b"13800138000" not in out.stdout, args
        doc = json.loads(out.stdout)
        assert "a record of" in doc["input"]["rejects"][0]["reason"]


def test_qa_rejects_file_lists_every_rejected_row(tmp_path):
    rubric = tmp_path / "r.json"
    rubric.write_text(json.dumps({"name": "t", "items": [{"id": "greeting", "section": "s", "scale": [0, 1], "weight": 1}]}))
    reviews = tmp_path / "q.csv"
    rows = ["review_id,agent,item,score"] + [f"R{i},ann,greeting,{7 if i % 2 else 1}" for i in range(2600)]
    reviews.write_text("\n".join(rows) + "\n")
    out = run("qa", reviews, "--rubric", rubric, "--rejects", tmp_path / "rej.csv", "--format", "json")
    assert out.returncode == 0, out.stderr
    lines = (tmp_path / "rej.csv").read_text().splitlines()
    assert lines[0] == "line,column,value,reason" and len(lines) - 1 == 1300  # all of them, past the 1000 kept
