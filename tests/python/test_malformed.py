"""The malformed-input corpus (tests/data/malformed/cases.json): each case runs the command line
and must end with its expected exit code and message, the accounting rows_read = accepted +
rejected with the expected numbers, and never a crash or sanitizer report. scripts/sanitize.sh
runs this file against the ASan/UBSan build (CSKPI_CLI)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CLI = str(Path(os.environ.get("CSKPI_CLI", ROOT / "build" / "cskpi")).resolve())  # the cases run in a copy of the corpus
CORPUS = ROOT / "tests" / "data" / "malformed"
CASES = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))


def generate(kind: str, path: Path) -> None:
    """Inputs too large to keep in the repository."""
    head = b"id,created_at,channel,agent"
    if kind == "big_field":  # one 10 MB field
        path.write_bytes(head + b"\nA,2026-03-01 10:00:00,chat," + b"x" * (10 << 20) + b"\nB,2026-03-01 10:00:00,chat,y\n")
    elif kind == "many_columns":  # 100,000 columns
        names = b",".join(b"c%d" % i for i in range(100_000))
        path.write_bytes(head + b"," + names + b"\nA,2026-03-01 10:00:00,chat,x" + b"," * 100_000 + b"\n")
    elif kind == "directory":
        path.mkdir()
    else:
        raise ValueError(kind)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case, tmp_path):
    work = tmp_path / "in"
    shutil.copytree(CORPUS, work)
    if "generate" in case:
        generate(case["generate"], work / case["generated"])
    out = subprocess.run([CLI, *[a.replace("{tmp}", str(tmp_path)).replace("{root}", str(ROOT)) for a in case["args"]]], capture_output=True, cwd=work)
    err = out.stderr.decode("utf-8", "replace")
    assert out.returncode >= 0, f"killed by signal {-out.returncode}: {err}"
    assert "Sanitizer" not in err and "runtime error" not in err, err
    assert out.returncode == case["exit"], err
    text = err
    if out.returncode == 0 and out.stdout.startswith(b"{"):
        doc = json.loads(out.stdout.decode("utf-8"))  # valid UTF-8 JSON whatever the input
        block = doc.get("input", {})
        if "rows" in case:
            assert {k: block[f"rows_{k}"] for k in ("read", "accepted", "rejected")} == case["rows"]
        if "rows_read" in block:
            assert block["rows_read"] == block["rows_accepted"] + block["rows_rejected"]
        text += json.dumps(doc, ensure_ascii=False)
    for m in case.get("messages", []):
        assert m in text, (m, text[:2000])
    for files, needle in case.get("files", {}).items():
        assert needle in (tmp_path / files).read_text(encoding="utf-8"), files
    for secret in case.get("absent", []):
        assert secret.encode() not in out.stdout and secret not in err
        for f in case.get("files", {}):
            assert secret not in (tmp_path / f).read_text(encoding="utf-8")
