"""Per-interaction facts (spec section 3, `cskpi facts`, cskpi.facts): every derived fact of every
accepted row, checked against the independent pandas reading of sections 1 and 3
(spec_reference) and against the report's own counts."""
import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import cskpi

sys.path.insert(0, os.path.dirname(__file__))
import spec_reference as ref  # noqa: E402

CLI = os.environ.get("CSKPI_CLI", "cskpi")
DATA = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "data")
SAMPLE = os.path.join(DATA, "shop_interactions.csv")
CONFIG = os.path.join(DATA, "shop_config.json")


@pytest.mark.filterwarnings("ignore:cskpi. 5 of 5000 rows rejected")
def test_facts_match_the_reference_on_the_sample():
    cfg, want = ref.accepted_facts(SAMPLE, CONFIG)
    got = cskpi.facts(SAMPLE, CONFIG)
    assert len(got) == len(want) and got.attrs["rows_read"] == got.attrs["rows_accepted"] + got.attrs["rows_rejected"]
    got = got.set_index("id")
    want = want.set_index("id").loc[got.index]
    assert (got["created_at"].astype("int64") // 1000).tolist() == want["created"].tolist()
    for col in ("answered", "resolved", "abandoned", "transferred", "bot_only", "bot_escalated", "short_abandoned"):
        assert got[col].tolist() == want[col].astype(bool).tolist(), col
    assert got["first_contact"].tolist() == want["first"].tolist()
    assert got["fcr"].tolist() == want["fcr"].tolist()
    np.testing.assert_array_equal(got["frt_s"].to_numpy(), want["frt"].astype(float).to_numpy() / 1e6)
    np.testing.assert_array_equal(got["resolution_s"].to_numpy(), want["resolution"].astype(float).to_numpy() / 1e6)
    np.testing.assert_array_equal(got["sla_target_s"].to_numpy(), want["target"].astype(float).to_numpy() / 1e6)
    has_t = want["target"].notna()
    state = np.where(~has_t, None, np.where(want["sla_met"], "met", np.where(want["sla_counted"], "breached", "excluded")))
    assert got["sla_state"].tolist() == state.tolist()
    breached = got["sla_state"] == "breached"
    assert ((got.loc[breached, "sla_breach_at"] - got.loc[breached, "created_at"]).dt.total_seconds()
            == got.loc[breached, "sla_target_s"]).all()
    assert got.loc[~breached, "sla_breach_at"].isna().all()
    late = breached & got["answered"]
    assert np.allclose(got.loc[late, "sla_over_s"], got.loc[late, "frt_s"] - got.loc[late, "sla_target_s"])
    assert (got.loc[late, "sla_over_s"] > 0).all() and got.loc[~late, "sla_over_s"].isna().all()
    within = want["frt"].notna() & (want["frt"].fillna(np.inf) <= cfg["staffing"]["within_s"] * 1e6)
    assert got["within_service_level"].tolist() == within.tolist()
    rep = cskpi.report(SAMPLE, config=CONFIG)  # the overall row counts the same facts
    overall = rep.iloc[-1] if rep.iloc[0]["interactions"] != len(got) else rep.iloc[0]
    assert overall["interactions"] == len(got)
    assert overall["fcr_rate_num"] == got["fcr"].sum()
    assert overall["sla_frt_num"] == (got["sla_state"] == "met").sum()
    assert overall["sla_frt_den"] == got["sla_state"].isin(["met", "breached"]).sum()


def test_facts_by_hand():
    """One customer, window 1 day, same category: a1 is followed by a2 within the day (not FCR);
    a2 is a repeat; a3 (another category) is a first contact and FCR; b1 has no customer but
    contacts = 2 (not first). Chat target 30 s: a1 answered at 45 s breaches by 15 s."""
    t0 = pd.Timestamp("2026-03-02 09:00:00")
    df = pd.DataFrame([
        dict(id="a1", created_at=t0, channel="chat", customer="c", category="order", first_response_s=45, resolved=True,
             replies=1, csat=5),
        dict(id="a2", created_at=t0 + pd.Timedelta(hours=3), channel="chat", customer="c", category="order",
             first_response_s=10, resolved=True, replies=3, csat=2),
        dict(id="a3", created_at=t0 + pd.Timedelta(hours=4), channel="chat", customer="c", category="refund",
             first_response_s=10, resolved=True),
        dict(id="b1", created_at=t0, channel="phone", contacts=2, resolved=True),
        dict(id="b2", created_at=t0, channel="phone", abandoned=True),
    ])
    cfg = {"fcr": {"window_s": 86400}, "sla": {"first_response_s": {"chat": 30, "phone": 20}}, "csat": {"satisfied_min": 4}}
    got = cskpi.facts(df, cfg).set_index("id")
    assert got["first_contact"].to_dict() == {"a1": True, "a2": False, "a3": True, "b1": False, "b2": True}
    assert got["fcr"].to_dict() == {"a1": False, "a2": False, "a3": True, "b1": False, "b2": False}
    assert got["sla_state"].to_dict() == {"a1": "breached", "a2": "met", "a3": "met", "b1": "breached", "b2": "breached"}
    assert got.loc["a1", "sla_over_s"] == 15 and np.isnan(got.loc["b1", "sla_over_s"])
    assert got.loc["a1", "sla_breach_at"] == pd.Timestamp("2026-03-02 09:00:30", tz="UTC")
    assert pd.isna(got.loc["a3", "one_touch"])
    assert bool(got.loc["a1", "one_touch"]) and not bool(got.loc["a2", "one_touch"])
    assert bool(got.loc["a1", "satisfied"]) and not bool(got.loc["a2", "satisfied"]) and pd.isna(got.loc["a3", "satisfied"])
    excl = cskpi.facts(df, {**cfg, "sla": {**cfg["sla"], "abandoned": "exclude"}}).set_index("id")
    assert excl.loc["b2", "sla_state"] == "excluded" and pd.isna(excl.loc["b2", "sla_breach_at"])


def test_cli_facts_csv_equals_python_and_lists_rejects(tmp_path):
    bad = tmp_path / "in.csv"
    bad.write_text("id,created_at,channel,first_response_s,csat\n"
                   "x1,2026-03-01 09:00:00,chat,12,5\n"
                   "x2,not a time,chat,3,4\n"
                   "x3,2026-03-01 10:00:00,chat,,9\n"
                   "x4,2026-03-01 11:00:00,email,,\n")
    rejects = tmp_path / "rejects.csv"
    out = subprocess.run([CLI, "facts", str(bad), "--rejects", str(rejects)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["id"] for r in rows] == ["x1", "x4"] and [r["line"] for r in rows] == ["2", "5"]
    assert rows[0]["frt_s"] == "12" and rows[0]["sla_state"] == "met" and rows[0]["satisfied"] == "1"
    assert rows[1]["answered"] == "0" and rows[1]["sla_state"] == "breached" and rows[1]["csat"] == ""
    assert rows[1]["sla_breach_at"] == "2026-03-02T11:00:00Z"  # email: 86400 s
    rej = list(csv.DictReader(open(rejects)))
    assert [(r["line"], r["column"]) for r in rej] == [("3", "created_at"), ("4", "csat")]
    assert "2 of 4 rows rejected" in out.stderr
    with pytest.warns(UserWarning, match="2 of 4 rows rejected"):
        py = cskpi.facts(str(bad))
    assert py["id"].tolist() == ["x1", "x4"] and py.attrs["rows_rejected"] == 2
    strict = subprocess.run([CLI, "facts", str(bad), "--strict"], capture_output=True, text=True)
    assert strict.returncode == 3 and "in.csv:3: column 'created_at'" in strict.stderr
    sample = subprocess.run([CLI, "facts", SAMPLE, "--config", CONFIG, "--threads", "2"], capture_output=True, text=True,
                            check=True).stdout
    one = subprocess.run([CLI, "facts", SAMPLE, "--config", CONFIG], capture_output=True, text=True, check=True).stdout
    assert sample == one  # input order for every thread count
    cli = pd.read_csv(io.StringIO(one))
    with pytest.warns(UserWarning):
        py = cskpi.facts(SAMPLE, CONFIG)
    assert cli["id"].tolist() == py["id"].tolist()
    assert cli["fcr"].astype(bool).tolist() == py["fcr"].tolist()
    np.testing.assert_array_equal(cli["frt_s"].to_numpy(), py["frt_s"].to_numpy())
    assert list(cli.columns) == list(py.columns)
