"""The Python package against the CLI (value for value), DataFrame inputs (text, typed,
datetime64 naive and tz-aware, dict of numpy arrays), errors, and the partial-state protocol
(merge of random slices equals the whole; pickle, copy, dict round trips)."""
from __future__ import annotations

import copy
import json
import math
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import test_differential as td  # noqa: E402  (the edge-case data generator and the CLI runner)

cskpi = pytest.importorskip("cskpi")

CFG = {"timezone": "Asia/Shanghai"}
SAMPLE = Path(__file__).parents[2] / "examples" / "data" / "shop_interactions.csv"


@pytest.fixture(scope="module")
def edge_data(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("data") / "edge.csv"
    td.generate(p, seed=4242, n=2000, tz="Asia/Shanghai", base_us=1_772_323_200_000_000)
    return p


def assert_frames_equal_to_cli(df: pd.DataFrame, cli: dict, by: list[str]) -> None:
    groups = cli["groups"][1:] if by else cli["groups"]
    assert len(df) == len(groups)
    for (_, row), g in zip(df.iterrows(), groups):
        for k in by:
            want = g["by"][k]
            assert (row[k] is None and want is None) or row[k] == want
        for name, want in g["metrics"].items():
            got = row[name]
            if want is None:
                assert isinstance(got, float) and math.isnan(got), (name, got)
            else:
                assert got == want, (name, got, want)  # value for value: same doubles


@pytest.mark.parametrize("by", [[], ["agent"], ["agent", "channel", "day"]])
def test_path_and_text_dataframe_equal_cli(edge_data, tmp_path, by):
    cli = td.run_cli(edge_data, CFG, by, tmp_path)
    assert_frames_equal_to_cli(cskpi.report(edge_data, by=by, config=CFG), cli, by)
    raw = pd.read_csv(edge_data, dtype=str, keep_default_na=False)
    assert_frames_equal_to_cli(cskpi.report(raw, by=by, config=CFG), cli, by)
    doc = cskpi.report_json(edge_data, by=by, config=CFG)
    assert doc["groups"] == cli["groups"]
    assert doc["input"]["rejects"] == cli["input"]["rejects"]


def test_typed_dataframe_equals_cli_on_the_sample_shop(tmp_path):
    cli = td.run_cli(SAMPLE, CFG, ["team", "week"], tmp_path)
    raw = pd.read_csv(SAMPLE)  # pandas' own dtypes: floats with NaN, ints, strings
    good = raw.drop(index=[i for i in range(len(raw)) if (i + 1) % 997 == 0])  # the 5 defective rows
    typed = good.copy()
    for c in ("created_at", "first_response_at", "resolved_at"):
        typed[c] = pd.to_datetime(typed[c])                        # naive: Asia/Shanghai wall time
    aware = good.copy()
    for c in ("created_at", "first_response_at", "resolved_at"):
        aware[c] = pd.to_datetime(aware[c]).dt.tz_localize("Asia/Shanghai").dt.tz_convert("America/New_York")
    for frame in (typed, aware):
        for c in ("agent", "team", "channel", "category", "priority"):
            frame[c] = frame[c].astype("category")
        df = cskpi.report(frame, by=["team", "week"], config=CFG)
        # The defective rows were dropped by hand: duplicates aside, the CLI rejected exactly those.
        assert_frames_equal_to_cli(df, cli, ["team", "week"])


@pytest.mark.parametrize("salt,unused,width", [(None, 1, 2), ("s3cret", 1, 2), (None, 40_000, 4)])
def test_categorical_customers_give_the_files_fcr(edge_data, tmp_path, salt, unused, width):
    """A Categorical customer column is keyed once per category (frame.hpp customer_keys): blanks
    around a label, empty labels and unused categories must give the FCR of the file, salted or
    not, whatever the width of the codes pandas chose (C++ reads them in place; the agents' 8-bit
    codes beside the customers' 16- or 32-bit ones)."""
    cfg = dict(CFG, **({"privacy": {"salt": salt}} if salt else {}))
    cli = td.run_cli(edge_data, cfg, ["agent"], tmp_path)
    raw = pd.read_csv(edge_data, dtype=str, keep_default_na=False)
    padded = (" " + raw["customer"] + "\t").where(raw.index % 3 == 0, raw["customer"])
    assert (padded.str.strip() == "").sum() > 10 and (padded != raw["customer"]).sum() > 100
    cats = pd.Categorical(padded, categories=[f"U-unused{i}" for i in range(unused)] + sorted(set(padded)))
    assert cats.codes.dtype.itemsize == width
    for frame in (raw.assign(customer=cats), raw.assign(customer=cats).assign(agent=lambda d: d["agent"].astype("category"))):
        df = cskpi.report(frame, by=["agent"], config=cfg)
        assert_frames_equal_to_cli(df, cli, ["agent"])
        assert df["fcr_rate_den"].sum() > 0
    assert raw.assign(agent=lambda d: d["agent"].astype("category"))["agent"].cat.codes.dtype.itemsize == 1


def test_dict_of_numpy_arrays():
    t0 = np.datetime64("2026-03-01T09:00:00", "ns")
    data = {
        "id": np.array(["a", "b", "c"], dtype=object),
        "created_at": np.array([t0, t0, t0]),
        "channel": np.array(["chat", "chat", "phone"], dtype=object),
        "first_response_s": np.array([10.0, np.nan, 30.0]),
        "csat": np.array([5.0, 3.0, np.nan]),
        "bot": np.array([True, False, False]),
    }
    df = cskpi.report(data)
    assert df.loc[0, "interactions"] == 3
    assert df.loc[0, "answered"] == 2
    assert df.loc[0, "frt_mean"] == 20.0
    assert df.loc[0, "csat"] == 0.5
    assert df.loc[0, "bot_containment_rate_den"] == 1


def test_errors_are_value_errors_with_line_and_column(tmp_path):
    bad = pd.DataFrame({"id": ["1", "2"], "created_at": ["2026-03-01 10:00:00", "2026-03-01 10:00:00"],
                        "channel": ["chat", "chat"], "nps": [3, 12]})
    with pytest.raises(ValueError, match=r"<DataFrame>:2: column 'nps': value '12': out of range: expected 0..10"):
        cskpi.report(bad, strict=True)
    r = cskpi.run(bad)
    assert r.rows_read == 2 and r.rows_rejected == 1
    assert r.rejects.to_dict("records") == [{"index": 1, "line": 2, "column": "nps", "value": "12",
                                             "reason": "out of range: expected 0..10"}]
    with pytest.raises(ValueError, match=r"config: sla.abandoned: expected \"breach\" or \"exclude\""):
        cskpi.report(bad, config={"sla": {"abandoned": "maybe"}})
    with pytest.raises(ValueError, match="unknown grouping key 'planet'"):
        cskpi.report(bad, by=["planet"])
    with pytest.raises(ValueError, match="required column missing"):
        cskpi.report(bad.drop(columns=["channel"]))
    with pytest.raises(ValueError, match="cannot open"):
        cskpi.report(tmp_path / "missing.csv")


def test_partials_of_random_slices_merge_to_the_whole():
    # Ids are not part of a partial state: a duplicate split across slices is seen by neither,
    # so the slices here are of data without repeated ids (docs/DECISIONS.md).
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False).drop_duplicates("id")
    by = ["agent", "day"]
    whole = cskpi.partial(raw, by=by, config=CFG)
    expect = cskpi.report(raw, by=by, config=CFG)
    rng = np.random.default_rng(5)
    for parts in (2, 3, 5):
        owner = rng.integers(0, parts, len(raw))
        states = [cskpi.partial(raw[owner == p], by=by, config=CFG) for p in range(parts)]
        # Ship each partial through pickle, as between processes or machines.
        states = [pickle.loads(pickle.dumps(s)) for s in states]
        merged = states[0]
        for s in states[1:]:
            merged = merged + s
        assert merged == whole
        pd.testing.assert_frame_equal(cskpi.finalize(merged), expect)
    # Pickles carry the binary form (raw sample and ledger arrays); the JSON text that earlier
    # versions pickled still loads, and damaged bytes are an error.
    text = whole._to_json()
    assert len(pickle.dumps(whole)) < len(text.encode())
    old = cskpi.ReportState.__new__(cskpi.ReportState)
    old.__setstate__((text,))
    assert old == whole
    with pytest.raises(ValueError, match="not a binary state"):
        cskpi.ReportState.__new__(cskpi.ReportState).__setstate__((b"\x00\x01garbage",))
    acc = copy.deepcopy(states[0])
    acc += states[1]
    assert acc == states[0] + states[1]
    assert copy.copy(whole) == whole
    assert cskpi.ReportState.from_dict(whole.to_dict()) == whole
    assert "ReportState(by=[agent,day]" in repr(whole)
    g = whole.groups[0]
    assert pickle.loads(pickle.dumps(g)) == g
    assert cskpi.GroupState.from_dict(g.to_dict()) == g
    assert (g + cskpi.GroupState()) == g
    with pytest.raises(ValueError):
        whole.merge(cskpi.partial(raw, by=["agent"], config=CFG))
    with pytest.raises(ValueError):
        cskpi.ReportState.from_dict({"type": "cskpi.report_state", "version": 99})


def test_metric_columns_follow_the_spec_order():
    cols = cskpi.metric_columns()
    assert cols[:5] == ["interactions", "answered", "abandoned", "resolved", "answer_rate"]
    i = cols.index("avg_order_value")
    assert cols[i - 1:i + 1] == ["sales_total", "avg_order_value"]
    # section 16's realised service levels follow section 4's metrics: 5 rates of 5 columns
    assert cols[i + 1:] == [f"{n}{s}" for n in ("service_level", "service_level_of_answered", "service_level_excl_abandoned",
                                                "service_level_excl_short_abandoned", "service_level_short_abandoned_met")
                            for s in ("", "_num", "_den", "_ci_low", "_ci_high")] + ["csat_margin"] + [
        f"{m}_km{s}" if s else f"{m}_censored"
        for m in ("frt", "resolution") for s in ("_median", "_median_ci_low", "_median_ci_high", "_p90", "")]
    i = cols.index("csat_response_rate_ci_high")
    assert cols[i + 1] == "csat_unsolicited"  # section 15, beside the response rate it complements
    assert len(cols) == 119 + 25 + 1 + 1 + 10  # docs/METRICS.md lists them


def test_frame_from_blocks_equals_the_public_constructor(monkeypatch):
    # to_pandas hands cskpi's column blocks to pandas; without pandas' block API it builds the
    # frame from a dict. Both give the same frame, dtypes included, with or without joined columns.
    import pandas.core.internals.api as api

    data = Path(__file__).parents[2] / "examples" / "data"
    events, cfg = data / "shop_messages.csv", json.loads((data / "shop_config.json").read_text())
    jobs = [lambda: cskpi.run(str(SAMPLE), by=["agent", "channel"]).to_pandas(overall=True),
            lambda: cskpi.run(str(SAMPLE)).to_pandas(),
            lambda: cskpi.run(events=str(events), by=["agent"], config=cfg).to_pandas()]
    fast = [job() for job in jobs]

    def unavailable(*args, **kwargs):
        raise TypeError("no block API")

    monkeypatch.setattr(api, "make_block", unavailable)
    for job, frame in zip(jobs, fast):
        slow = job()
        pd.testing.assert_frame_equal(frame, slow, check_exact=True)
        assert frame["interactions"].dtype == np.int64 and frame["frt_median"].dtype == np.float64
        assert frame.columns.is_unique
    assert "round_response_rate_ci_low" in fast[2].columns  # a joined timeline column
    assert fast[0]["agent"].iloc[0] is None and fast[0]["agent"].iloc[1:].notna().any()


def test_update_adds_rows_with_the_states_configuration():
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False).drop_duplicates("id")
    by = ["team"]
    state = cskpi.partial(raw.iloc[:1000], by=by, config=CFG)
    state.update(raw.iloc[1000:3000]).update(raw.iloc[3000:])
    assert state == cskpi.partial(raw, by=by, config=CFG)
    assert state.by == ["team"]
    g = cskpi.GroupState()
    g.update(raw.iloc[:10], config=CFG)
    assert g.interactions == 10
    g.update(raw.iloc[10:25], config=CFG)
    assert g == cskpi.partial(raw.iloc[:25], config=CFG).groups[0]
    assert repr(g).startswith("GroupState(interactions=25")
