"""cskpi on Dask: partitions as partial states merged in a tree equal one run on the same rows,
to the bit (FCR across partitions, duplicates across partitions, rejects with their location),
on the local scheduler and on a distributed.LocalCluster of two worker processes."""
from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cskpi
import cskpi.dask

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "examples" / "data" / "shop_interactions.csv"
CONFIG = str(ROOT / "examples" / "data" / "shop_config.json")


@pytest.fixture(scope="module")
def shop():
    return pd.read_csv(SAMPLE)


@pytest.mark.parametrize("by", [["team"], ["agent", "day"], []])
def test_dask_frame_equals_one_run(shop, by):
    one = cskpi.report(shop, by=by, config=CONFIG)
    for n in (1, 3, 8):
        many = cskpi.dask.report(dd.from_pandas(shop, npartitions=n), by=by, config=CONFIG)
        pd.testing.assert_frame_equal(one, many, check_exact=True)
        assert many.attrs["rows_read"] == len(shop)
        assert many.attrs["rows_accepted"] + many.attrs["rows_rejected"] == len(shop)


def test_files_equal_one_run_and_rejects_name_file_and_line(shop, tmp_path):
    paths = []
    for i, part in enumerate(np.array_split(np.arange(len(shop)), 4)):
        p = tmp_path / f"part{i}.csv"
        shop.iloc[part].to_csv(p, index=False)
        paths.append(p)
    one = cskpi.run(str(SAMPLE), by=["team"], config=CONFIG)
    many = cskpi.dask.report(paths, by=["team"], config=CONFIG)
    pd.testing.assert_frame_equal(one.to_pandas(), many, check_exact=True)
    rej = many.attrs["rejects"]
    assert len(rej) == one.rows_rejected
    # The rows named by (file, line) are the rows one run names by line (headers are line 1).
    def row_at(path, line):
        return Path(path).read_text(encoding="utf-8").splitlines()[line - 1].split(",")[:2]

    assert sorted(row_at(r["partition"], r["line"]) for _, r in rej.iterrows()) == \
        sorted(row_at(SAMPLE, line) for line in one.rejects["line"])


def test_duplicate_ids_across_partitions_are_rejected_as_in_one_run(shop):
    df = shop.copy()
    df.loc[4000, "id"] = df.loc[10, "id"]  # partition 0 first, a later partition again
    df.loc[4001, "id"] = df.loc[4000, "id"]
    df.index = np.arange(len(df)) + 100_000  # labels, not positions
    one = cskpi.run(df, by=["team"], config=CONFIG)
    many = cskpi.dask.report(dd.from_pandas(df, npartitions=4), by=["team"], config=CONFIG)
    pd.testing.assert_frame_equal(one.to_pandas(), many, check_exact=True)
    rej = many.attrs["rejects"]
    dup = rej[rej["reason"].str.startswith("duplicate id")]
    one_dup = one.rejects[one.rejects["reason"].str.startswith("duplicate id")]
    assert sorted(dup["line"]) == sorted(100_000 + one_dup["line"] - 1)  # one run numbers rows from 1
    assert {104_000, 104_001} <= set(dup["line"])
    assert many.attrs["rows_rejected"] == one.rows_rejected


def test_strict_stops_at_the_first_bad_row(shop):
    df = shop.copy()
    df.loc[2500, "csat"] = 9
    with pytest.raises(cskpi.InputError) as e:
        cskpi.dask.report(dd.from_pandas(df, npartitions=4), config={**cskpi._config_dict(CONFIG)}, strict=True)
    first = cskpi.dask.report(dd.from_pandas(df, npartitions=4), config=CONFIG).attrs["rejects"].iloc[0]
    assert e.value.file == first["partition"] and e.value.column == first["column"]


def test_local_cluster_of_two_worker_processes(shop):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        many = cskpi.dask.report(dd.from_pandas(shop, npartitions=6), by=["agent", "week"], config=CONFIG, split_every=2)
    one = cskpi.report(shop, by=["agent", "week"], config=CONFIG)
    pd.testing.assert_frame_equal(one, many, check_exact=True)


def test_score_on_dask_equals_score(shop):
    card = str(ROOT / "examples" / "data" / "shop_scorecard.json")
    one = cskpi.score(shop, card, config=CONFIG)
    many = cskpi.dask.score(dd.from_pandas(shop, npartitions=5), card, config=CONFIG)
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    assert many.attrs["weights"] == one.attrs["weights"]


def test_case_mix_score_on_dask_equals_score(shop):
    # One state by agent x channel x category, projected onto the scorecard's grouping and its
    # case-mix cells, scores as cskpi.score reading the three groupings does.
    card = {"by": ["agent"], "kpis": [
        {"metric": "csat", "weight": 2, "better": "higher", "case_mix": ["channel", "category"]},
        {"metric": "frt_mean", "weight": 1, "better": "lower", "case_mix": ["channel", "category"]}]}
    one = cskpi.score(shop, card, config=CONFIG)
    many = cskpi.dask.score(dd.from_pandas(shop, npartitions=4), card, config=CONFIG)
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    assert "csat_expected" in many.columns


def test_sketch_mode_merges_to_one_run_and_stays_within_its_error(shop):
    alpha = 0.01
    cfg = {**cskpi._config_dict(CONFIG), "quantiles": "sketch", "quantile_relative_error": alpha}
    one = cskpi.report(shop, by=["team"], config=cfg)
    many = cskpi.dask.report(dd.from_pandas(shop, npartitions=5), by=["team"], config=cfg)
    pd.testing.assert_frame_equal(one, many, check_exact=True)  # bins add up exactly
    exact = cskpi.report(shop, by=["team"], config=CONFIG)
    quantiles = [c for c in exact.columns
                 if re.fullmatch(r"(frt|aht|resolution_time)_(median|p90|p95)", c)]
    assert len(quantiles) == 6
    for c in exact.columns:
        if c in quantiles:
            x, y = exact[c].to_numpy(float), one[c].to_numpy(float)
            assert np.array_equal(np.isnan(x), np.isnan(y)), c
            ok = ~np.isnan(x)
            assert np.all(np.abs(y[ok] - x[ok]) <= alpha * np.abs(x[ok]) * (1 + 1e-9) + 1e-6), c
            assert ok.sum() >= 3, c
        elif "_km_" not in c:  # Kaplan-Meier: approximate under censoring (docs/SKETCH.md)
            pd.testing.assert_series_equal(exact[c], one[c], check_exact=True)
    # The state of the whole sample holds bins, not its 5,000 rows' durations.
    sk = pickle.dumps(cskpi.partial(shop, by=[], config=cfg))
    ex = pickle.dumps(cskpi.partial(shop, by=[], config=CONFIG))
    assert len(sk) < len(ex)
    with pytest.raises(ValueError):
        cskpi.partial(shop, config=cfg).merge(cskpi.partial(shop, config=CONFIG))
