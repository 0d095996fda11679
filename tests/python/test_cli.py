"""The cskpi command line: formats, output files, rejects file, stdin, exit codes (0 success,
2 bad usage or configuration, 3 bad input in strict mode or unreadable file) and messages
naming file, line and column."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

CLI = os.environ.get("CSKPI_CLI", str(Path(__file__).parents[2] / "build" / "cskpi"))
DATA = "id,created_at,channel,agent,csat,nps\n1,2026-03-01 10:00:00,chat,张伟,5,9\n2,2026-03-01 11:00:00,phone,,2,12\n3,2026-03-02 09:00:00,chat,王芳,4,\n"


def run(*args, stdin: str | None = None):
    return subprocess.run([CLI, *args], input=stdin, capture_output=True, text=True)


def write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def test_json_is_the_default_off_a_terminal(tmp_path):
    r = run("report", str(write(tmp_path, "d.csv", DATA)), "--by", "agent")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["cskpi"]["version"] == "0.1.0"
    assert doc["input"]["rows_read"] == 3 and doc["input"]["rows_rejected"] == 1
    assert doc["input"]["rejects"] == [{"line": 3, "column": "nps", "value": "12", "reason": "out of range: expected 0..10"}]
    assert doc["by"] == ["agent"]
    assert [g["by"] for g in doc["groups"]] == [{}, {"agent": "张伟"}, {"agent": "王芳"}]
    assert doc["groups"][0]["metrics"]["csat"] == 1.0  # 5 and 4 of the two accepted rows


def test_csv_table_output_file_and_rejects_file(tmp_path):
    data = write(tmp_path, "d.csv", DATA)
    out, rej = tmp_path / "out.csv", tmp_path / "rej.csv"
    r = run("report", str(data), "--format", "csv", "--output", str(out), "--rejects", str(rej), "--by", "day")
    assert r.returncode == 0 and r.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [x["day"] for x in rows] == ["", "2026-03-01", "2026-03-02"]
    assert rows[1]["interactions"] == "1" and rows[0]["frt_mean"] == "null"
    assert rej.read_text(encoding="utf-8") == "line,column,value,reason\n3,nps,12,out of range: expected 0..10\n"
    t = run("report", str(data), "--format", "table")
    assert t.returncode == 0 and "rows read 3, accepted 2, rejected 1" in t.stdout
    assert "line 3, column nps, value '12': out of range: expected 0..10" in t.stdout


def test_stdin_and_jsonl(tmp_path):
    r = run("report", "-", stdin=DATA)
    assert r.returncode == 0 and json.loads(r.stdout)["input"]["rows_accepted"] == 2
    tiny = run("report", "-", stdin="id,created_at,channel\n1,1,c\n")  # a block of a few bytes
    assert json.loads(tiny.stdout)["input"]["rows_accepted"] == 1
    jl = write(tmp_path, "d.jsonl", '{"id": "a", "created_at": "2026-03-01T10:00:00+08:00", "channel": "chat", "csat": 5}\n')
    assert json.loads(run("report", str(jl)).stdout)["groups"][0]["metrics"]["csat_responses"] == 1


def test_strict_mode_exit_3_names_file_line_column(tmp_path):
    data = write(tmp_path, "d.csv", DATA)
    r = run("report", str(data), "--strict")
    assert r.returncode == 3
    assert r.stderr.strip() == f"cskpi: {data}:3: column 'nps': value '12': out of range: expected 0..10"
    assert r.stdout == ""
    cfg = write(tmp_path, "strict.json", '{"strict": true}')
    assert run("report", str(data), "--config", str(cfg)).returncode == 3


def test_unreadable_input_exit_3(tmp_path):
    r = run("report", str(tmp_path / "nope.csv"))
    assert r.returncode == 3 and "cannot open" in r.stderr
    bad = write(tmp_path, "h.csv", "id,when,channel\n1,2026-03-01,chat\n")
    r = run("report", str(bad))
    assert r.returncode == 3 and f"{bad}:1: column 'created_at': header: required column missing" in r.stderr


def test_bad_usage_and_configuration_exit_2(tmp_path):
    data = write(tmp_path, "d.csv", DATA)
    assert run().returncode == 2
    assert run("report").returncode == 2
    assert run("report", str(data), "--format", "xml").returncode == 2
    assert run("report", str(data), "--threads", "0").returncode == 2
    r = run("report", str(data), "--by", "agent,planet")
    assert r.returncode == 2 and "unknown grouping key 'planet'" in r.stderr
    cfg = write(tmp_path, "c.json", '{"sla": {"first_response_s": {"chat": "fast"}}}')
    r = run("report", str(data), "--config", str(cfg))
    assert r.returncode == 2 and "config: sla.first_response_s.chat: expected a number, actual string" in r.stderr
    cfg = write(tmp_path, "tz.json", '{"timezone": "Mars/Olympus"}')
    r = run("report", str(data), "--config", str(cfg))
    assert r.returncode == 2 and "unknown time zone 'Mars/Olympus'" in r.stderr
    broken = write(tmp_path, "b.json", "{not json")
    assert run("report", str(data), "--config", str(broken)).returncode == 2


def test_help_and_version():
    h = run("report", "--help")
    assert h.returncode == 0 and "--by" in h.stdout and "--rejects" in h.stdout
    v = run("--version")
    assert v.returncode == 0 and "0.1.0" in v.stdout


def test_bash_completion_is_generated_from_the_commands(tmp_path):
    script = tmp_path / "cskpi.bash"
    script.write_text(subprocess.run([CLI, "completion"], capture_output=True, text=True, check=True).stdout)
    probe = (f"source {script}; COMP_WORDS=(cskpi repo); COMP_CWORD=1; _cskpi; echo ${{COMPREPLY[@]}}; "
             "COMP_WORDS=(cskpi report --by we); COMP_CWORD=3; _cskpi; echo ${COMPREPLY[@]}; "
             "COMP_WORDS=(cskpi check --con); COMP_CWORD=2; _cskpi; echo ${COMPREPLY[@]}")
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["report", "week weekday", "--config"]
