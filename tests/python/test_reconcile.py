"""`cskpi reconcile` (docs/RECONCILE.md): our facts against a vendor-style export with planted
differences; every planted difference is found, nothing else is, and each carries its reason."""
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
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))
SAMPLE = ROOT / "examples" / "data" / "shop_interactions.csv"
CONFIG = ROOT / "examples" / "data" / "shop_config.json"

MAP = {"key": "Ticket ID",
       "columns": {"frt_s": {"vendor": "First reply time (min)", "scale": 60, "tolerance": 1},
                   "resolved": {"vendor": "Status", "true": ["Solved", "Closed"], "false": ["Open", "Pending"]},
                   "sla_state": {"vendor": "SLA", "values": {"Achieved": "met", "Violated": "breached"}},
                   "csat": "Satisfaction"}}


def facts_file(tmp_path):
    path = tmp_path / "facts.csv"
    r = subprocess.run([CLI, "facts", str(SAMPLE), "--config", str(CONFIG), "--output", str(path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return path, pd.read_csv(path, keep_default_na=False, dtype=str)


def vendor_export(facts, seed=7):
    """The export a helpdesk would give for the same tickets, in its own words and units, with
    differences planted on known rows."""
    rng = np.random.default_rng(seed)
    frt = pd.to_numeric(facts["frt_s"], errors="coerce")
    v = pd.DataFrame({
        "Ticket ID": facts["id"],
        "First reply time (min)": (frt / 60).round(4),
        "Status": np.where(facts["resolved"] == "1", "Solved", "Open"),
        "SLA": facts["sla_state"].map({"met": "Achieved", "breached": "Violated"}).fillna(facts["sla_state"]),
        "Satisfaction": facts["csat"],
    })
    rows = rng.choice(np.flatnonzero(frt.notna().to_numpy()), 30, replace=False)
    plant = {"frt_s": set(), "resolved": set(), "sla_state": set(), "csat": set()}
    for i in rows[:10]:  # two minutes more: over the one-second tolerance
        v.loc[i, "First reply time (min)"] += 2
        plant["frt_s"].add(v.loc[i, "Ticket ID"])
    for i in rows[10:13]:  # within the tolerance: not a difference
        v.loc[i, "First reply time (min)"] += 0.5 / 60
    for i in rows[13:20]:
        v.loc[i, "Status"] = "Open" if v.loc[i, "Status"] == "Solved" else "Closed"
        plant["resolved"].add(v.loc[i, "Ticket ID"])
    for i in rows[20:25]:
        v.loc[i, "SLA"] = "Violated" if v.loc[i, "SLA"] != "Violated" else "Achieved"
        plant["sla_state"].add(v.loc[i, "Ticket ID"])
    rated = np.flatnonzero((facts["csat"] != "").to_numpy())
    for i in rng.choice(rated, 4, replace=False):
        v.loc[i, "Satisfaction"] = ""
        plant["csat"].add(v.loc[i, "Ticket ID"])
    dropped = v["Ticket ID"].iloc[[3, 4]].tolist()
    for key in plant.values():
        key.difference_update(dropped)
    v = v.drop(index=[3, 4])
    extra = pd.DataFrame({"Ticket ID": ["ZD-1"], "First reply time (min)": [1.0], "Status": ["Solved"], "SLA": ["Achieved"],
                          "Satisfaction": ["5"]})
    return pd.concat([v, extra], ignore_index=True), plant, dropped


def test_planted_differences_are_found_and_explained(tmp_path):
    fp, facts = facts_file(tmp_path)
    vendor, plant, dropped = vendor_export(facts)
    vp, mp = tmp_path / "vendor.csv", tmp_path / "map.json"
    vendor.to_csv(vp, index=False)
    mp.write_text(json.dumps(MAP), encoding="utf-8")
    r = subprocess.run([CLI, "reconcile", "--facts", str(fp), "--vendor", str(vp), "--key", "id", "--map", str(mp),
                        "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    found = {m: {d["key"] for d in doc["differences"] if d["metric"] == m} for m in MAP["columns"]}
    assert found == plant
    assert doc["only_ours"] == dropped and doc["only_vendor"] == ["ZD-1"]
    both = len(facts) - len(dropped)
    s = {x["metric"]: x for x in doc["summary"]}
    for m in MAP["columns"]:
        assert s[m]["compared"] == both and s[m]["differ"] == len(plant[m]) and s[m]["equal"] == both - len(plant[m])
    assert s["csat"]["empty_vendor"] == len(plant["csat"])
    d = {(x["metric"], x["key"]): x for x in doc["differences"]}
    k = next(iter(plant["frt_s"]))
    assert d[("frt_s", k)]["difference"] == pytest.approx(120, abs=0.01)  # minutes written to 4 places
    assert d[("frt_s", k)]["explain"].startswith("vendor higher by 1")
    assert "s (tolerance 1 s)" in d[("frt_s", k)]["explain"]
    k = next(iter(plant["resolved"]))
    assert d[("resolved", k)]["explain"] in ("ours yes, vendor no", "ours no, vendor yes")
    k = next(iter(plant["csat"]))
    assert d[("csat", k)]["explain"].startswith("empty in the vendor's export")
    # CSV: the differences, one per row
    r = subprocess.run([CLI, "reconcile", "--facts", str(fp), "--vendor", str(vp), "--key", "id", "--map", str(mp),
                        "--format", "csv"], capture_output=True, text=True, check=True)
    csv = pd.read_csv(pd.io.common.StringIO(r.stdout), keep_default_na=False, dtype=str)
    assert list(csv.columns) == ["key", "metric", "ours", "vendor", "difference", "explain"]
    assert len(csv) == sum(len(p) for p in plant.values())
    # Python
    df = cskpi.reconcile(fp, vp, "id", MAP)
    assert len(df) == len(csv) and df.attrs["only_vendor"] == ["ZD-1"]


def test_minutes_without_scale_are_pointed_out(tmp_path):
    fp = tmp_path / "f.csv"
    fp.write_text("id,frt_s\nA,120\nB,30\n", encoding="utf-8")
    vp = tmp_path / "v.csv"
    vp.write_text("id,frt\nA,2\nB,30\n", encoding="utf-8")
    mp = tmp_path / "m.json"
    mp.write_text(json.dumps({"columns": {"frt_s": "frt"}}), encoding="utf-8")
    doc = json.loads(subprocess.run([CLI, "reconcile", "--facts", str(fp), "--vendor", str(vp), "--key", "id", "--map",
                                     str(mp), "--format", "json"], capture_output=True, text=True, check=True).stdout)
    assert [x["key"] for x in doc["differences"]] == ["A"]
    assert "minutes" in doc["differences"][0]["explain"]
    # two of our columns against one vendor column
    fp.write_text("id,frt_s,handle_s\nA,120,2\nB,30,30\n", encoding="utf-8")
    mp.write_text(json.dumps({"columns": {"frt_s": "frt", "handle_s": "frt"}}), encoding="utf-8")
    doc = json.loads(subprocess.run([CLI, "reconcile", "--facts", str(fp), "--vendor", str(vp), "--key", "id", "--map",
                                     str(mp), "--format", "json"], capture_output=True, text=True, check=True).stdout)
    assert [(x["key"], x["metric"]) for x in doc["differences"]] == [("A", "frt_s")]


def test_bad_map_and_bad_rows(tmp_path):
    fp = tmp_path / "f.csv"
    fp.write_text("id,frt_s\nA,1\nA,2\n,3\n", encoding="utf-8")
    vp = tmp_path / "v.csv"
    vp.write_text("id,frt\nA,1\n", encoding="utf-8")
    mp = tmp_path / "m.json"
    for bad, where in [({"columns": {"frt": "frt"}}, "columns.frt"), ({"columns": {"frt_s": {"scale": -1}}}, "columns.frt_s.scale"),
                       ({"columns": {"frt_s": {"vendr": "x"}}}, "columns.frt_s.vendr"), ({"colums": {}}, "colums")]:
        mp.write_text(json.dumps(bad), encoding="utf-8")
        r = subprocess.run([CLI, "reconcile", "--facts", str(fp), "--vendor", str(vp), "--key", "id", "--map", str(mp)],
                           capture_output=True, text=True)
        assert r.returncode == 2 and str(mp) in r.stderr and where in r.stderr, (bad, r.stderr)
    mp.write_text(json.dumps({"columns": {"frt_s": "frt"}}), encoding="utf-8")
    r = subprocess.run([CLI, "reconcile", "--facts", str(fp), "--vendor", str(vp), "--key", "id", "--map", str(mp),
                        "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "2 of 3 rows of" in r.stderr and "rejected" in r.stderr
    rej = json.loads(r.stdout)["ours"]["rejects"]
    assert [(x["line"], x["column"]) for x in rej] == [(3, "id"), (4, "id")]
    assert "first at line 2" in rej[0]["reason"]
    vp.write_text("ident,frt\nA,1\n", encoding="utf-8")
    r = subprocess.run([CLI, "reconcile", "--facts", str(fp), "--vendor", str(vp), "--key", "id", "--map", str(mp)],
                       capture_output=True, text=True)
    assert r.returncode == 3 and "id" in r.stderr
