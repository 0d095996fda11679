"""cskpi on Dask: partitions as partial states merged in a tree equal one run on the same rows,
to the bit (FCR across partitions, duplicates across partitions, rejects with their location),
on the local scheduler and on a distributed.LocalCluster of two worker processes."""
from __future__ import annotations

import json
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
        qa = cskpi.dask.qa_scores(dd.from_pandas(pd.read_csv(REVIEWS), npartitions=3), RUBRIC)
    one = cskpi.report(shop, by=["agent", "week"], config=CONFIG)
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    pd.testing.assert_frame_equal(cskpi.qa_scores(pd.read_csv(REVIEWS), RUBRIC), qa, check_exact=True)


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


def test_report_state_pickles_out_of_band_with_protocol_5(shop):
    state = cskpi.partial(shop, by=["team"], config=CONFIG)
    buffers = []
    small = pickle.dumps(state, protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == 1 and len(small) < 200  # the binary form travels beside the pickle
    assert pickle.loads(small, buffers=buffers) == state
    for protocol in (2, 4, 5):  # in-band, as a plain pickle.dumps writes it
        assert pickle.loads(pickle.dumps(state, protocol=protocol)) == state


RUBRIC = ROOT / "examples" / "data" / "shop_rubric.json"
REVIEWS = ROOT / "examples" / "data" / "shop_reviews.csv"


@pytest.fixture(scope="module")
def reviews():
    """The sample reviews with faults a row shows alone (unknown item, off the scale) and faults
    only its review shows (an item repeated, and an agent contradicted, in a later partition
    than the review's first row), under index labels that are not positions."""
    df = pd.read_csv(REVIEWS, dtype=str, keep_default_na=False)
    first = df.iloc[0].copy()  # QA00001 greeting, again at the end: a repeat
    other = df[df["review_id"] == "QA00002"].iloc[-1].copy()
    items = [i["id"] for i in json.loads(RUBRIC.read_text(encoding="utf-8"))["items"]]
    other["item"] = [i for i in items if i not in set(df[df["review_id"] == "QA00002"]["item"])][0]
    other["agent"] = "nobody"  # an item QA00002 lacks, but under another agent: contradicts
    df = pd.concat([df, first.to_frame().T, other.to_frame().T], ignore_index=True)
    df.loc[1500, "score"] = "99"  # off the scale
    df.loc[2200, "item"] = "no_such_item"
    df.index = np.arange(len(df)) + 100_000
    return df


def _positions_of(rejects):
    return [int(x["line"]) for x in rejects]


# 1-based rows of `reviews` a reading rejects: the sample's own four (file lines 32, 62, 3004,
# 3005: an unknown item, a score off the scale, a repeated item, a score that is no number) and
# the four planted ones.
def _expected_rejects(n):
    return [31, 61, 1501, 2201, 3003, 3004, n - 1, n]


@pytest.mark.parametrize("by", ["agent", "reviewer", "item", "section", "review"])
def test_qa_scores_on_dask_equal_one_reading(reviews, by):
    one = cskpi.qa_scores(reviews, RUBRIC, by=by)
    many = cskpi.dask.qa_scores(dd.from_pandas(reviews, npartitions=7, sort=False), RUBRIC, by=by)
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    n = len(reviews)
    # The four planted faults, found by hand: 1-based positions in the one reading.
    assert _positions_of(one.attrs["rejects"]) == _expected_rejects(n)
    rej = many.attrs["rejects"]
    assert list(rej["line"]) == [100_000 + p - 1 for p in _positions_of(one.attrs["rejects"])]
    assert list(rej["reason"]) == [x["reason"] for x in one.attrs["rejects"]]
    assert list(rej["value"]) == [x["value"] for x in one.attrs["rejects"]]
    assert rej["reason"].iloc[6].startswith("repeats item 'greeting' of review 'QA00001'")
    assert rej["reason"].iloc[7].startswith("contradicts") and tuple(rej[["column", "value"]].iloc[7]) == ("agent", "nobody")
    assert rej["partition"].iloc[6] == "partition 6" and rej["partition"].iloc[0] == "partition 0"
    assert many.attrs["rows_read"] == n and many.attrs["rows_rejected"] == 8
    assert many.attrs["rows_accepted"] == n - 8


def test_qa_scores_on_dask_from_files_name_file_and_line(reviews, tmp_path):
    whole, paths = tmp_path / "all.csv", []
    reviews.to_csv(whole, index=False)
    for i, (a, b) in enumerate([(0, 1001), (1001, 2003), (2003, len(reviews))]):  # cuts inside reviews
        paths.append(tmp_path / f"part{i}.csv")
        reviews.iloc[a:b].to_csv(paths[-1], index=False)
    one = cskpi.qa_scores(whole, RUBRIC, by="agent")
    many = cskpi.dask.qa_scores(paths, RUBRIC, by="agent")
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    rej = many.attrs["rejects"]
    # File lines: a header, then rows; a part holding rows a+1.. of the whole has row p on line
    # p - a + 1.
    starts = [0, 1001, 2003]
    want = []
    for p in _expected_rejects(len(reviews)):
        k = max(i for i, a in enumerate(starts) if a < p)
        want.append((str(paths[k]), p - starts[k] + 1))
    assert list(zip(rej["partition"], rej["line"])) == want


def test_qa_scores_on_dask_strict_stops_at_the_first_bad_row(reviews):
    with pytest.raises(cskpi.InputError) as e:
        cskpi.dask.qa_scores(dd.from_pandas(reviews, npartitions=7, sort=False), RUBRIC, strict=True)
    assert (e.value.file, e.value.column, e.value.reason) == ("partition 0", "item", "unknown item (not in the rubric)")
    with pytest.raises(ValueError, match="review rows"):
        cskpi._core.qa_gather(RUBRIC.read_text(encoding="utf-8"), "", [b"\x00junk"], True, 0.95)


@pytest.mark.parametrize("blocksize", [4096, 65537, "200kB"])
def test_byte_ranges_of_one_file_equal_one_run(blocksize):
    one = cskpi.run(str(SAMPLE), by=["team"], config=CONFIG)
    many = cskpi.dask.report(str(SAMPLE), by=["team"], config=CONFIG, blocksize=blocksize)
    pd.testing.assert_frame_equal(one.to_pandas(), many, check_exact=True)
    assert many.attrs["rows_read"] == one.rows_read == 5000
    # Every reject at its file line, as the one run numbers them, though ranges number their own.
    rej = many.attrs["rejects"]
    assert list(rej["line"]) == list(one.rejects["line"]) and len(rej) == 5
    assert set(rej["partition"]) == {str(SAMPLE)}


def test_byte_ranges_cut_anywhere_read_each_record_once(tmp_path):
    # Seven rows; ranges of 1, 7 and 13 bytes start inside rows, on line breaks and right after
    # them, and inside the header. A bad row (line 5) keeps its file line.
    rows = ["id,created_at,channel,agent,team,customer",
            "a1,2026-03-01 10:00:00,chat,A,T1,c1", "a2,2026-03-01 11:00:00,chat,B,T1,c2",
            "a3,2026-03-02 10:00:00,phone,A,T2,c1", "a4,not a time,chat,B,T2,c3",
            "a5,2026-03-03 10:00:00,chat,A,T1,c4", "", "a6,2026-03-04 10:00:00,mail,C,T2,c1",
            "a7,2026-03-05 10:00:00,chat,C,T2,c5"]
    path = tmp_path / "tiny.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    one = cskpi.run(str(path), by=["team"])
    for blocksize in (1, 7, 13, 10**6):
        many = cskpi.dask.report([str(path)], by=["team"], blocksize=blocksize)
        pd.testing.assert_frame_equal(one.to_pandas(), many, check_exact=True)
        assert (many.attrs["rows_read"], many.attrs["rows_rejected"]) == (7, 1)
        assert list(many.attrs["rejects"]["line"]) == [5]


def test_byte_ranges_of_json_lines_and_what_they_refuse(shop, tmp_path):
    jl = tmp_path / "shop.jsonl"
    shop.head(800).to_json(jl, orient="records", lines=True, force_ascii=False)
    one = cskpi.report(str(jl), by=["channel"], config=CONFIG)
    pd.testing.assert_frame_equal(one, cskpi.dask.report(str(jl), by=["channel"], config=CONFIG, blocksize=5000),
                                  check_exact=True)
    # A quoted line break: a range could start inside that record, so the file is refused.
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('id,created_at,channel,agent\nq1,2026-03-01 10:00:00,chat,"two\nlines"\n'
                      + "".join(f"q{i},2026-03-01 10:00:00,chat,A\n" for i in range(2, 200)), encoding="utf-8")
    assert cskpi.dask.report(str(quoted), by=["channel"]).attrs["rows_read"] == 199  # whole: fine
    with pytest.raises(cskpi.InputError, match="quoted field holds a line break"):
        cskpi.dask.report(str(quoted), by=["channel"], blocksize=1000)
    with pytest.raises(ValueError, match="blocksize"):
        cskpi.dask.report(str(quoted), blocksize=0)
