"""Event logs and QA reviews given as DataFrames are read in memory (typed columns, no CSV text):
the same rules as their files give the same results; rows are numbered from 1 in rejects."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cskpi

DATA = Path(__file__).parents[2] / "examples" / "data"
MESSAGES = DATA / "shop_messages.csv"
REVIEWS = DATA / "shop_reviews.csv"
RUBRIC = DATA / "shop_rubric.json"
CFG = {"timezone": "Asia/Shanghai"}


def typed_messages() -> pd.DataFrame:
    """The sample event log as a notebook holds it: datetimes, categoricals, booleans."""
    df = pd.read_csv(MESSAGES, dtype=str, keep_default_na=False)
    df["at"] = pd.to_datetime(df["at"])  # naive: wall time in the configured zone
    df["agent"] = df["agent"].replace("", None).astype("category")
    df["from"] = df["from"].astype("category")
    return df


def test_typed_event_dataframe_gives_the_file_report():
    by_file = cskpi.report_json(events=MESSAGES, by=["agent"], config=CFG)
    by_frame = cskpi.report_json(events=typed_messages(), by=["agent"], config=CFG)
    assert by_frame["groups"] == by_file["groups"]
    for k in ("rows_read", "rows_accepted", "rows_rejected", "interactions_derived"):
        assert by_frame["input"][k] == by_file["input"][k], k
    assert by_frame["input"]["path"] == "<DataFrame>"


def test_time_zone_aware_instants_are_read_as_instants():
    df = typed_messages()
    df["at"] = df["at"].dt.tz_localize("Asia/Shanghai").dt.tz_convert("America/New_York")
    by_file = cskpi.report_json(events=MESSAGES, by=["channel"], config=CFG)
    assert cskpi.report_json(events=df, by=["channel"], config=CFG)["groups"] == by_file["groups"]


def test_event_dataframe_states_merge_like_file_states():
    df = typed_messages()
    ids = df["interaction_id"].unique()
    cut = df["interaction_id"].isin(ids[: len(ids) // 2])
    as_of = {**CFG, "as_of": "2026-04-30 00:00:00"}
    whole = cskpi.partial(events=MESSAGES, by=["agent"], config=as_of)
    parts = cskpi.partial(events=df[cut], by=["agent"], config=as_of) + cskpi.partial(
        events=df[~cut], by=["agent"], config=as_of)
    pd.testing.assert_frame_equal(cskpi.finalize(parts), cskpi.finalize(whole),
                                  check_exact=True)


def test_rejects_of_a_dataframe_name_the_row_position():
    df = pd.read_csv(MESSAGES, dtype=str, keep_default_na=False).head(6)
    df.loc[2, "from"] = "robot"
    df.loc[4, "at"] = "yesterday"
    with pytest.warns(UserWarning):
        doc = cskpi.report_json(events=df, config=CFG)
    rejects = {(r["line"], r["column"]) for r in doc["input"]["rejects"]}
    # Rows 3 and 5 (1-based positions); the file would say lines 4 and 6 (after its header).
    assert rejects == {(3, "from"), (5, "at")}
    with pytest.raises(cskpi.InputError) as e:
        cskpi.report(events=df, config=CFG, strict=True)
    assert (e.value.file, e.value.line, e.value.column) == ("<DataFrame>", 3, "from")


def test_missing_required_column_names_it():
    df = pd.read_csv(MESSAGES, dtype=str, keep_default_na=False).drop(columns=["from"])
    with pytest.raises(cskpi.InputError) as e:
        cskpi.report(events=df, config=CFG)
    assert e.value.column == "from" and "required column missing" in str(e.value)


def test_event_column_mapping_applies_to_dataframes():
    df = typed_messages().rename(columns={"interaction_id": "conversation_id", "at": "sent"})
    cfg = {**CFG, "events": {"columns": {"interaction_id": "conversation_id", "at": "sent"}}}
    assert cskpi.report_json(events=df, config=cfg)["groups"] == cskpi.report_json(events=MESSAGES, config=CFG)["groups"]


def test_explain_reads_a_dataframe():
    import re

    iid = "CS000000001"
    by_file = cskpi.explain_interaction(MESSAGES, iid, config=CFG).splitlines()
    by_frame = cskpi.explain_interaction(typed_messages(), iid, config=CFG).splitlines()
    assert by_frame[0] == by_file[0].replace(str(MESSAGES), "<DataFrame>")

    def as_rows(text):  # file lines are row positions + 1 (the header is line 1)
        text = re.sub(r"^(\d+)(?=\s+\d{4}-)", lambda m: str(int(m.group(1)) - 1), text)
        return re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) - 1}", text)

    assert by_frame[1:] == [as_rows(x) for x in by_file[1:]]


def test_review_dataframe_with_numeric_scores_gives_the_file_document(tmp_path):
    # Scores as numbers (NaN where the reviewer wrote na) read as the file's text does.
    text = pd.read_csv(REVIEWS, dtype=str, keep_default_na=False)
    rated = text[text["score"].str.fullmatch(r"\d+")]
    path = tmp_path / "rated.csv"
    rated.to_csv(path, index=False)
    numeric = rated.assign(score=rated["score"].astype("int64"),
                           reviewed_at=pd.to_datetime(rated["reviewed_at"]))
    numeric.loc[numeric.index[:5], "score"] = np.nan  # float64 with NaN: those items not rated
    blank = rated.copy()
    blank.loc[blank.index[:5], "score"] = ""
    blank.to_csv(path, index=False)
    by_file = cskpi.qa_json(path, RUBRIC, config=CFG)
    by_frame = cskpi.qa_json(numeric, RUBRIC, config=CFG)
    for k in ("agents", "items", "reviews"):
        assert by_frame[k] == by_file[k], k


def test_qa_message_events_dataframe_gives_the_file_checks():
    by_file = cskpi.qa_json(REVIEWS, RUBRIC, events=MESSAGES, config=CFG)
    by_frame = cskpi.qa_json(pd.read_csv(REVIEWS, dtype=str, keep_default_na=False), RUBRIC,
                             events=typed_messages(), config=CFG)
    assert by_frame["agents"] == by_file["agents"]
    assert json.dumps(by_frame["reviews"], sort_keys=True) == json.dumps(by_file["reviews"], sort_keys=True)


def test_duplicate_dataframe_columns_are_an_input_error():
    df = pd.read_csv(MESSAGES, dtype=str, keep_default_na=False).head(3)
    df = pd.concat([df, df[["agent"]]], axis=1)
    with pytest.raises(cskpi.InputError) as e:
        cskpi.report(events=df, config=CFG)
    assert e.value.column == "agent"


def test_several_groupings_of_an_event_dataframe_equal_separate_runs():
    df = typed_messages()
    many = cskpi.report(events=df, by=[["agent"], ["channel"]], config=CFG)
    for got, by in zip(many, (["agent"], ["channel"])):
        pd.testing.assert_frame_equal(got, cskpi.report(events=df, by=by, config=CFG), check_exact=True)
