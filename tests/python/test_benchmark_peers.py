"""The equal-work pandas peer of the benchmarks (benchmarks/peer_pandas.py, EQUAL_WORK.md)
computes what cskpi computes: 66 columns per group, FCR window included, on generated files of
both benchmark shapes. So the timings in benchmarks/RESULTS.md compare the same work, and cskpi's
numbers are checked by a second, independent implementation. The DuckDB and Polars peers need
npm packages and are checked by benchmarks/run_highcard.sh before it times them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import check_peers  # noqa: E402

CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))
BUILD = Path(os.environ.get("CSKPI_BUILD_DIR", str(ROOT / "build")))
SHAPES = {
    "contact_centre": ["--days", "90", "--agents", "60", "--teams", "6", "--channels", "5"],
    "shop": [],
}


@pytest.fixture(scope="module", params=sorted(SHAPES))
def data(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("peers") / f"{request.param}.csv"
    gen = BUILD / "benchmarks" / "gen_interactions"
    with open(path, "w") as out:
        subprocess.run([str(gen), "30000", "--seed", "7", *SHAPES[request.param]], stdout=out,
                       check=True)
    return path


@pytest.mark.parametrize("by", ["agent,channel,day", "agent"])
def test_pandas_peer_equals_cskpi(data, by):
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "check_peers.py"), str(data),
                        "--by", by, "--cskpi", CLI, "--peers", "pandas"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "pandas: equal to cskpi" in r.stdout and "66 columns" in r.stdout


def test_check_names_a_planted_difference(tmp_path):
    keys = ["agent"]
    ours = tmp_path / "ours.csv"
    ours.write_text("agent,interactions,fcr_rate_num,fcr_rate\n,5,2,0.4\nA1,3,1,0.5\nA2,2,1,\n")
    theirs = tmp_path / "theirs.csv"
    theirs.write_text("agent,interactions,fcr_rate_num,fcr_rate\n,5,2,0.4\nA1,3,2,0.5\nA2,2,1,\n")
    cols, problems = check_peers.compare("peer", check_peers.read(str(ours), keys),
                                         check_peers.read(str(theirs), keys), keys)
    assert cols == ["interactions", "fcr_rate_num", "fcr_rate"]
    assert problems == ["fcr_rate_num: 1 groups differ, e.g. A1: cskpi 1, peer 2"]
    # A null where cskpi has a number is a difference too.
    theirs.write_text("agent,interactions,fcr_rate_num,fcr_rate\n,5,2,0.4\nA1,3,1,\nA2,2,1,\n")
    _, problems = check_peers.compare("peer", check_peers.read(str(ours), keys),
                                      check_peers.read(str(theirs), keys), keys)
    assert len(problems) == 1 and problems[0].startswith("fcr_rate: 1 groups differ")
    assert pd.isna(check_peers.read(str(theirs), keys)[1].loc["A1", "fcr_rate"])
