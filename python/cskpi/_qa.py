"""QA reviews, calibration and agreement (docs/QA.md), over the C++ engine."""
from __future__ import annotations

import json as _json
import os as _os
from typing import Any, Mapping

from . import _core

_ROLLUPS = ("agent", "reviewer", "item", "section", "review")


def _source(x, name: str):
    """A reviews or events table for the C++ reader: a path (.csv/.jsonl), or a DataFrame or dict
    of columns read in memory (errors name `name` and the row's 1-based position)."""
    from ._frame import table_arg

    return table_arg(x, name)


def _doc(x) -> str:
    """JSON text of a rubric / rules document given as a dict or a path."""
    if x is None:
        return ""
    if isinstance(x, (str, _os.PathLike)):
        with open(x, encoding="utf-8") as f:
            return _json.dumps(_json.load(f), ensure_ascii=False)
    return _json.dumps(dict(x), ensure_ascii=False)


def _config_json(config) -> str:
    """The configuration (a dict, a path or JSON text) as JSON: its timezone reads times, its
    "reviews" and "events" keys say how those tables are read."""
    from . import _config_dict

    return _json.dumps(_config_dict(config), ensure_ascii=False)


def _qa_core(reviews, rubric, events=None, checks=None, config=None, strict=False, confidence=0.95):
    if rubric is None:
        raise ValueError("rubric is required with QA reviews")
    return _core.qa_report(_doc(rubric), _source(reviews, "<reviews DataFrame>"), _source(events, "<events DataFrame>"),
                           _doc(checks), _config_json(config), bool(strict), float(confidence))


def qa_json(reviews, rubric, *, events=None, checks=None, config: Mapping[str, Any] | None = None,
            strict: bool = False, confidence: float = 0.95) -> dict:
    """The QA document of `cskpi qa --format json`: every review's score and `failed`, agents
    (mean review score with a Student t interval, per-item mean percent), items, sections,
    reviewers, and the reject ledger. `reviews`: a path (.csv/.jsonl) or a DataFrame in long
    form; `rubric`: a dict or a path; `events` (optional): message events for the automatic
    checks of `checks` (or of the rubric's "auto_checks")."""
    return _json.loads(_qa_core(reviews, rubric, events, checks, config, strict, confidence).to_json())


def qa_scores(reviews, rubric, by: str = "agent", *, events=None, checks=None, config: Mapping[str, Any] | None = None,
              strict: bool = False, confidence: float = 0.95):
    """One QA roll-up as a DataFrame: `by` is agent (reviews, qa_score, ci_low, ci_high,
    <item>_percent), reviewer, item, section or review."""
    if by not in _ROLLUPS:
        raise ValueError(f"by: expected one of {', '.join(_ROLLUPS)}, actual {by!r}")
    doc = qa_json(reviews, rubric, events=events, checks=checks, config=config, strict=strict, confidence=confidence)
    df = _rollup(doc, by)
    df.attrs["rejects"] = doc["input"]["rejects"]
    return df


def _rollup(doc: dict, by: str):
    """The roll-up `by` (checked by the caller, before the work) of a QA document as a DataFrame."""
    import pandas as pd

    if by == "agent":
        rows = []
        for name, a in doc["agents"].items():
            row = {"agent": name, "reviews": a["reviews"], "qa_score": a["qa_score"], "ci_low": a["ci_low"],
                   "ci_high": a["ci_high"]}
            row.update({f"{item}_percent": v for item, v in a["items"].items()})
            rows.append(row)
        df = pd.DataFrame(rows)
    elif by == "reviewer":
        df = pd.DataFrame([{"reviewer": k, **v} for k, v in doc["reviewers"].items()])
    elif by == "item":
        df = pd.DataFrame([{"item": k, **v} for k, v in doc["items"].items()])
    elif by == "section":
        df = pd.DataFrame([{"section": k, **v} for k, v in doc["sections"].items()])
    else:
        df = pd.DataFrame(doc["reviews"])
    return df.fillna(value=float("nan")) if len(df) and by != "review" else df


def qa_rejects(reviews, rubric, *, config: Mapping[str, Any] | None = None):
    """The rejected review rows (first 1000): line, column, value, reason."""
    import pandas as pd

    doc = qa_json(reviews, rubric, config=config)
    return pd.DataFrame(doc["input"]["rejects"], columns=["line", "column", "value", "reason"])


def calibrate(reviews, rubric, *, events=None, checks=None, config: Mapping[str, Any] | None = None,
              strict: bool = False, threshold: float | None = None) -> dict:
    """The calibration document of `cskpi calibrate --format json`: per item and overall
    (review scores) Krippendorff's alpha, Fleiss' kappa, Cohen's kappa (two reviewers only),
    ICC(2,1); each reviewer's mean deviation from the others on shared interactions."""
    if rubric is None:
        raise ValueError("rubric is required")
    return _json.loads(_core.calibrate(_doc(rubric), _source(reviews, "<reviews DataFrame>"),
                                       _source(events, "<events DataFrame>"), _doc(checks), _config_json(config),
                                       bool(strict), threshold))


def agreement(ratings) -> dict:
    """Agreement statistics of a units x raters table of numeric ratings (NaN = not rated): a
    2-D numpy array or a DataFrame (rows = units, columns = raters). Returns units, reviewers,
    krippendorff_alpha (nominal/ordinal/interval/ratio), fleiss_kappa, cohen_kappa
    (unweighted/linear/quadratic; None unless exactly two raters) and icc_2_1."""
    import numpy as np

    return _json.loads(_core.agreement(np.asarray(ratings, dtype=np.float64)))
