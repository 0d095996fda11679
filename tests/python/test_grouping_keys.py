"""The cyclic grouping keys hour_of_day and weekday bucket by local time in the configured zone,
checked against pandas' own datetime accessors on the bundled sample."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "examples" / "data" / "shop_interactions.csv"
CONFIG = json.loads((ROOT / "examples" / "data" / "shop_config.json").read_text(encoding="utf-8"))


def accepted_rows():
    rep = cskpi.run(SAMPLE, config=CONFIG)
    bad = set(rep.rejects["line"]) if len(rep.rejects) else set()
    df = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    df = df[[i + 2 not in bad for i in range(len(df))]]
    local = pd.to_datetime(df["created_at"], format="mixed" if pd.__version__ >= "2" else None, utc=False)
    if local.dt.tz is not None:
        local = local.dt.tz_convert(CONFIG.get("timezone", "UTC"))
    return df, local


def test_hour_of_day_and_weekday_match_pandas():
    df, local = accepted_rows()
    want_hour = local.dt.hour.value_counts().sort_index()
    got = cskpi.report(SAMPLE, by="hour_of_day", config=CONFIG)
    assert list(got["hour_of_day"]) == [f"{h:02d}" for h in want_hour.index]
    assert list(got["interactions"]) == list(want_hour.values)
    names = ["1-Mon", "2-Tue", "3-Wed", "4-Thu", "5-Fri", "6-Sat", "7-Sun"]
    want_day = local.dt.dayofweek.value_counts().sort_index()
    got = cskpi.report(SAMPLE, by=["weekday", "channel"], config=CONFIG)
    per_day = got.groupby("weekday", sort=False)["interactions"].sum()
    assert list(per_day.index) == [names[d] for d in want_day.index]
    assert list(per_day.values) == list(want_day.values)


def test_unknown_key_suggests_the_name():
    with pytest.raises(ValueError, match="did you mean 'weekday'"):
        cskpi.report(SAMPLE, by="weekdya")
