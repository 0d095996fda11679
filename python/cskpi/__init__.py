"""cskpi: customer-service KPIs from interaction records.

    import cskpi
    df = cskpi.report("interactions.csv", by=["agent"], config={"timezone": "Asia/Shanghai"})

The same names as the C++ library and the CLI (spec: KPIS.md sections 4-8)."""
from __future__ import annotations

import json as _json
import os as _os
from typing import Any, Mapping, Sequence

from . import _core
from ._core import ConfigError, GroupState, InputError, ReportState  # noqa: F401  (errors; the partial-state protocol)
from ._qa import agreement, calibrate, qa_json, qa_rejects, qa_scores, _qa_core
from ._staffing import erlang_a, erlang_c, required_agents, staffing, staffing_json
from ._outputs import compare, compare_json, dashboard, drivers, facts, html, pareto, presale, reconcile, repurchase, targets, targets_json, to_excel
from ._monitor import Monitor
from . import plot  # noqa: F401
from ._core import survey_size  # noqa: F401

__version__ = "0.1.0"
__all__ = ["InputError", "ConfigError", "report", "report_json", "run", "Report", "partial", "finalize", "score", "score_json", "explain", "team_scores",
           "GroupState", "ReportState", "metric_columns", "qa_scores", "qa_json", "qa_rejects", "calibrate", "agreement", "business_seconds", "explain_interaction",
           "erlang_c", "erlang_a", "required_agents", "staffing", "staffing_json", "dashboard", "html", "to_excel", "plot", "targets", "targets_json", "compare", "compare_json", "survey_size", "pareto", "km_curve", "drivers", "facts", "repurchase", "presale", "reconcile", "Monitor"]

_TIME_KEYS = {"hour", "day", "week", "month", "quarter", "year"}


def metric_columns() -> list[str]:
    """Every metric column of a report, in spec order."""
    return [name for name, _ in _core.metric_columns()]


def _config_dict(config) -> dict:
    """A configuration given as a dict, a path to a JSON file, or JSON text."""
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return dict(config)
    if isinstance(config, (str, _os.PathLike)):
        text = _os.fspath(config)
        if not text.lstrip().startswith("{"):
            try:
                with open(text, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                raise ConfigError(f"config: cannot read '{_os.fspath(config)}': {e.strerror}") from None
        try:
            return dict(_json.loads(text))
        except ValueError as e:
            raise ConfigError(f"config: not valid JSON: {e}") from None
    raise TypeError(f"config: expected a dict, a path or JSON text, got {type(config).__name__}")


def _keys(by) -> list[str]:
    if isinstance(by, str):
        return [k.strip() for k in by.split(",") if k.strip()]
    return list(by or [])


def _groupings(by) -> list[list[str]] | None:
    """Several groupings (by=[["agent", "day"], ["team"]] or ["agent,day", "team"]), else None."""
    if isinstance(by, (list, tuple)) and by and all(isinstance(b, (list, tuple)) for b in by):
        return [_keys(b) for b in by]
    if isinstance(by, (list, tuple)) and len(by) > 1 and any(isinstance(b, str) and "," in b for b in by):
        return [_keys(b) for b in by]
    return None


def _prepare(config, by: Sequence[str] | str | None):
    cfg = _config_dict(config)
    return cfg, _keys(by), _json.dumps(cfg, ensure_ascii=False)


def _threads(threads: int | None) -> int:
    return max(1, threads if threads is not None else min(4, _os.cpu_count() or 1))


def _frame_of_blocks(by, labels, names, float_block, int_block, rows):
    """A DataFrame adopting cskpi's column blocks without copying them: keys first, then the
    metric columns at their positions. pandas copies and regroups columns built from a dict
    (seconds and a gigabyte at 100,000 groups); the public constructor is the fallback."""
    import numpy as np
    import pandas as pd

    nkeys = len(by)
    columns = pd.Index(list(by) + list(names))
    index = pd.RangeIndex(rows)
    try:
        from pandas.core.internals import BlockManager
        from pandas.core.internals.api import make_block

        blocks = [make_block(values, placement=np.asarray(pos, dtype=np.intp) + nkeys, ndim=2)
                  for pos, values in (float_block, int_block) if len(pos)]
        if nkeys:
            keys = np.empty((nkeys, rows), dtype=object)
            for i, col in enumerate(labels):
                keys[i] = col
            blocks.insert(0, make_block(keys, placement=np.arange(nkeys), ndim=2))
        mgr = BlockManager(blocks, [columns, index])
        if hasattr(pd.DataFrame, "_from_mgr"):
            return pd.DataFrame._from_mgr(mgr, axes=mgr.axes)
        return pd.DataFrame(mgr)
    except (ImportError, AttributeError, TypeError):
        data = dict(zip(by, labels))
        for pos, values in (float_block, int_block):
            for p, col in zip(pos, values):
                data[names[p]] = col
        return pd.DataFrame({c: data[c] for c in columns}, index=index)


class Report:
    """A finished report: `.to_pandas()`, `.to_json()`, `.rejects` (a DataFrame), and the input
    accounting (`rows_read`, `rows_accepted`, `rows_rejected`)."""

    def __init__(self, core: "_core.Report", index=None):
        self._core = core
        self._index = index  # a DataFrame input's index: rejects name their rows by it

    rows_read = property(lambda self: self._core.rows_read)
    rows_accepted = property(lambda self: self._core.rows_accepted)
    rows_rejected = property(lambda self: self._core.rows_rejected)
    by = property(lambda self: list(self._core.by))
    ignored_columns = property(lambda self: list(self._core.ignored_columns))

    def to_json(self) -> dict:
        """The report as a dict: input accounting, effective configuration, groups of metrics."""
        return _json.loads(self._core.to_json())

    def to_pandas(self, overall: bool | None = None):
        """One row per group: key columns first, then every metric in spec order (NaN =
        undefined). With no grouping the single overall row; with grouping the overall row is
        left out unless `overall=True`."""
        import numpy as np
        import pandas as pd

        by = self.by
        start = 0 if (not by or overall) else 1
        keys, names, float_pos, floats, int_pos, ints, nullable = self._core._columns(start)
        rows = floats.shape[1]
        # Key columns: each label made once, then taken by code (-1, the last entry, is None).
        labels = [np.array(list(lab) + [None], dtype=object)[codes] for lab, codes in keys]
        frame = _frame_of_blocks(by, labels, names, (float_pos, floats), (int_pos, ints), rows)
        for name in nullable:  # an integer column with a suppressed group (privacy.min_group_size)
            frame[name] = frame[name].astype("Int64")
        return frame

    @property
    def rejects(self):
        """Every rejected row: line, column, value, reason. For a DataFrame input `line` is the
        1-based row position and `index` the row's label in the DataFrame's index."""
        import pandas as pd

        df = pd.DataFrame(self._core.rejects, columns=["line", "column", "value", "reason"])
        if self._index is not None:
            df.insert(0, "index", [self._index[i - 1] for i in df["line"]])
        return df

    def to_excel(self, path) -> None:
        """Writes the report to an Excel workbook (the writer of `cskpi report --format xlsx`)."""
        to_excel(self, path)

    def __repr__(self) -> str:
        return (f"Report(by={self.by}, groups={self._core._group_count}, rows_read={self.rows_read}, "
                f"rows_rejected={self.rows_rejected})")


def _run_many(data, groupings, config, strict, threads):
    cfg, _, cfg_json = _prepare(config, None)
    if isinstance(data, (str, _os.PathLike)):
        return _core.reports_path(_os.fspath(data), cfg_json, groupings, bool(strict), _threads(threads))
    from ._frame import columns_of

    specs, rows, ignored = columns_of(data, _json.loads(_core.effective_config(cfg_json)))
    return _core.reports_frame(specs, rows, ignored, cfg_json, groupings, bool(strict), _threads(threads))


def _run(data, by, config, strict, threads, partial: bool):
    cfg, keys, cfg_json = _prepare(config, by)
    if isinstance(data, (str, _os.PathLike)):
        fn = _core.partial_path if partial else _core.report_path
        return fn(_os.fspath(data), cfg_json, keys, bool(strict), _threads(threads))
    from ._frame import columns_of

    specs, rows, ignored = columns_of(data, _json.loads(_core.effective_config(cfg_json)))
    fn = _core.partial_frame if partial else _core.report_frame
    return fn(specs, rows, ignored, cfg_json, keys, bool(strict), _threads(threads))


def _warn(rep):
    """Report warnings and rejected rows reach the caller as Python warnings, never silently."""
    import warnings

    for w in rep.warnings:
        warnings.warn(f"cskpi: {w}", stacklevel=4)
    if rep.rows_rejected and rep.rows_accepted:
        warnings.warn(f"cskpi: {rep.rows_rejected} of {rep.rows_read} rows rejected (Report.rejects lists them)",
                      stacklevel=4)
    return rep


def _events(events):
    """An event log for the C++ reader: a path, or a DataFrame (or dict of columns) in file order,
    read in memory (errors name "<DataFrame>" and the row's 1-based position)."""
    from ._frame import table_arg

    return table_arg(events, "<DataFrame>")


def _presence(presence, events):
    """The agents' presence log (docs/PRESENCE.md) for the C++ reader: None, a path, or a
    DataFrame (or dict of columns) with agent, at, status. It qualifies an event log only."""
    if presence is None:
        return None
    if events is None:
        raise ValueError("presence qualifies an event log: give events as well")
    from ._frame import table_arg

    return table_arg(presence, "<presence DataFrame>")


def _joined(data, by, config, strict, threads, reviews, rubric, qa_events, events=None, presence=None):
    staffed = _presence(presence, events)
    if events is not None:  # an event log (spec section 11) instead of the interactions table
        if data is not None:
            raise ValueError("give either data (interactions) or events (an event log), not both")
        _, keys, cfg_json = _prepare(config, by)
        rep = _core.report_events(_events(events), cfg_json, keys, bool(strict), _threads(threads), staffed)
    else:
        rep = _run(data, by, config, strict, threads, partial=False)
    _warn(rep)
    if reviews is not None or qa_events is not None:
        _core.join_qa(rep, _qa_core(reviews, rubric, qa_events, None, config, strict))
    return rep


def _joined_many(data, groupings, config, strict, threads, reviews, rubric, qa_events, events=None, presence=None):
    """One core report per grouping from one reading of the interactions or the event log; QA
    scores, when given, computed once and joined onto each."""
    reps = _reports(data, groupings, config, strict, threads, events, presence)
    _warn(reps[0])
    if reviews is not None or qa_events is not None:
        q = _qa_core(reviews, rubric, qa_events, None, config, strict)
        for rep in reps:
            _core.join_qa(rep, q)
    return reps


def report(data=None, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None,
           *, strict: bool = False, threads: int | None = None, reviews=None, rubric=None, qa_events=None, events=None,
           overall: bool | None = None, presence=None):
    """KPI report as a pandas DataFrame. `data`: a path (.csv/.jsonl), a pandas DataFrame, or a
    dict of numpy arrays. Raises ValueError for bad configuration or, with strict=True, the
    first bad row (the message names line and column). With `reviews` and `rubric` (QA,
    docs/QA.md) and by=["agent"], the columns qa_score and qa_reviews are joined on. With
    `events` (an event log, columns in docs/INPUT.md: a path, or a DataFrame in file order) the interactions
    are derived from the events and the reply-time, round, session and SLA columns are added.
    With grouping, `overall=True` puts the overall row first (its key columns empty). `presence`
    (with `events`: a path or DataFrame of agent, at, status) gives the agents' presence, for
    messages left while nobody is online (left_message_rate, events.exclude_unstaffed).
    Several groupings, `by=[["agent", "day"], ["team"]]`, give a list of DataFrames from one
    reading of the input."""
    many = _groupings(by)
    if many is not None:
        return [Report(r).to_pandas(overall=overall)
                for r in _joined_many(data, many, config, strict, threads, reviews, rubric, qa_events, events,
                                      presence)]
    return Report(_joined(data, by, config, strict, threads, reviews, rubric, qa_events, events,
                          presence)).to_pandas(overall=overall)


def report_json(data=None, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None,
                *, strict: bool = False, threads: int | None = None, reviews=None, rubric=None, qa_events=None,
                events=None, presence=None) -> dict:
    """The report as a dict: input accounting, effective configuration, groups of metrics (a
    list of them for several groupings, as `report`)."""
    many = _groupings(by)
    if many is not None:
        return [Report(r).to_json() for r in _joined_many(data, many, config, strict, threads, reviews, rubric, qa_events,
                                                          events, presence)]
    return Report(_joined(data, by, config, strict, threads, reviews, rubric, qa_events, events, presence)).to_json()


def run(data=None, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None,
        *, strict: bool = False, threads: int | None = None, events=None, presence=None) -> Report:
    """The Report object (DataFrame, JSON and rejects); `events` reads an event log instead
    (`presence`: the agents' presence log beside it)."""
    import sys

    pd = sys.modules.get("pandas")
    index = data.index if pd is not None and isinstance(data, pd.DataFrame) and events is None else None
    many = _groupings(by)
    if many is not None:  # a list of Reports, one per grouping, from one reading
        return [Report(r, index) for r in _joined_many(data, many, config, strict, threads, None, None, None, events,
                                                       presence)]
    return Report(_joined(data, by, config, strict, threads, None, None, None, events, presence), index)


def explain_interaction(events, interaction_id: str, config: Mapping[str, Any] | None = None, *,
                        presence=None) -> str:
    """The evidence trail of one interaction of an event log (the CLI's `cskpi explain`): its
    events and the rule behind each derived value and SLA state. `events`: a path or a DataFrame."""
    _, _, cfg_json = _prepare(config, None)
    return _core.explain_interaction(_events(events), cfg_json, str(interaction_id), _presence(presence, events))


def business_seconds(calendar: Mapping[str, Any], start, end):
    """Business seconds between instants under a calendar (config "calendars": timezone, week,
    holidays, workdays). `start`/`end`: datetime-likes or arrays of them (naive = UTC)."""
    import numpy as np
    import pandas as pd

    def us(x):
        t = pd.to_datetime(pd.Series(np.atleast_1d(x)))
        if t.dt.tz is not None:
            t = t.dt.tz_convert("UTC").dt.tz_localize(None)
        return t.to_numpy(dtype="datetime64[us]").astype(np.int64)

    out = _core.business_seconds(_json.dumps(dict(calendar), ensure_ascii=False), us(start), us(end))
    return out if np.ndim(start) else float(out[0])


def partial(data=None, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None,
            *, events=None, strict: bool = False, threads: int | None = None, presence=None) -> ReportState:
    """The mergeable partial state of a slice of data, or of an event log (`events`: a path or a
    DataFrame; its timeline statistics travel in the state); merge slices with `+` and finish
    with `finalize(state)`. Pickles through its versioned JSON state."""
    staffed = _presence(presence, events)
    if events is None:
        return _run(data, by, config, strict, threads, partial=True)
    if data is not None:
        raise ValueError("give either data (interactions) or events (an event log), not both")
    _, keys, cfg_json = _prepare(config, by)
    return _core.partial_events(_events(events), cfg_json, keys, bool(strict), _threads(threads), staffed)


def km_curve(data, measure: str = "frt", config: Mapping[str, Any] | None = None, *, strict: bool = False,
             threads: int | None = None):
    """The Kaplan-Meier curve of all rows (spec section 14) as a DataFrame: time_s, survival, se
    (Greenwood), at_risk, events, one row per distinct event time; open interactions are censored
    at as_of. `measure`: "frt" or "resolution". `data` as for report(), or a partial state."""
    import pandas as pd

    which = {"frt": 0, "resolution": 2}.get(measure)
    if which is None:
        raise ValueError(f'measure: expected "frt" or "resolution", actual {measure!r}')
    state = data if isinstance(data, ReportState) else partial(data, None, config, strict=strict, threads=threads)
    d = state._km_curve(which)
    out = pd.DataFrame({k: d[k] for k in ("time_s", "survival", "se", "at_risk", "events")})
    out.attrs.update(n=d["n"], censored=d["censored"])
    return out


def finalize(state: ReportState, overall: bool | None = None):
    """The DataFrame of a (merged) partial state."""
    return Report(state._finalize()).to_pandas(overall=overall)


def _scorecard_of(scorecard, by):
    if isinstance(scorecard, (str, _os.PathLike)):  # a path or JSON text, as config
        scorecard = _config_dict(scorecard)
    card = dict(scorecard.get("scorecard", scorecard) if "kpis" not in scorecard else scorecard)
    if by is not None:
        card["by"] = [k for k in by.split(",") if k] if isinstance(by, str) else list(by)
    card_json = _json.dumps(card, ensure_ascii=False)
    return card_json, list(_core.scorecard_by(card_json))


def score_json(data=None, scorecard=None, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None,
               *, strict: bool = False, threads: int | None = None, reviews=None, rubric=None, qa_events=None,
               events=None) -> dict:
    """The scorecard document (weights used, per group raw values, points,
    contributions, score, rank, tier, flags, TOPSIS) as a dict. `scorecard` is the
    object or a path to its JSON file. With `events` (an event log) instead of `data`, the
    timeline columns (round_response_rate, reply_time_median, sla_*) can be KPIs."""
    if scorecard is None:
        raise ValueError("scorecard is required")
    card_json, _ = _scorecard_of(scorecard, by)
    return _json.loads(_score(data, card_json, config, strict, threads, "", (reviews, rubric, qa_events), events))


def _reports(data, groupings, config, strict, threads, events=None, presence=None):
    """One core report per grouping, from one reading of the interactions or of an event log."""
    staffed = _presence(presence, events)
    if events is None:
        return _run_many(data, groupings, config, strict, threads)
    if data is not None:
        raise ValueError("give either data (interactions) or events (an event log), not both")
    _, _, cfg_json = _prepare(config, None)
    return _core.reports_events(_events(events), cfg_json, groupings, bool(strict), _threads(threads), staffed)


def _score(data, card_json, config, strict, threads, explain_key, qa=(None, None, None), events=None, teams=False):
    """The scorecard pipeline `cskpi score` runs (scorecard/pipeline.hpp): every grouping the card
    needs (its own, case-mix cells, team roll-ups) from one reading, then the scores."""
    reps = _reports(data, [list(g) for g in _core.score_groupings(card_json, teams)], config, strict, threads,
                    events)
    _warn(reps[0])
    reviews, rubric, qa_events = qa
    q = _qa_core(reviews, rubric, qa_events, None, config, strict) if reviews is not None or qa_events is not None else None
    return _core.score_finish(card_json, teams, reps, explain_key, q)


def score(data=None, scorecard=None, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None,
          *, strict: bool = False, threads: int | None = None, reviews=None, rubric=None, qa_events=None, events=None):
    """Scorecard as a DataFrame: key columns, interactions, score, rank, tier, flags, TOPSIS,
    then <metric>_value, <metric>_points, <metric>_contribution for every KPI. A KPI on
    qa_score needs `reviews` and `rubric` (QA reviews joined by agent); a KPI on a timeline
    column (round_response_rate, ...) needs `events` (an event log) in place of `data`."""
    doc = score_json(data, scorecard, by, config, strict=strict, threads=threads, reviews=reviews, rubric=rubric,
                     qa_events=qa_events, events=events)
    return _score_frame(doc)


def _score_frame(doc: dict):
    """The scorecard document as score()'s DataFrame."""
    import pandas as pd

    rows = []
    for g in doc["groups"]:
        row = dict(g["by"])
        row.update(interactions=g["interactions"], score=g["score"], rank=g["rank"], tier=g["tier"],
                   flags=list(g["flags"]), topsis=g["topsis"], topsis_rank=g["topsis_rank"])
        for metric, k in g["kpis"].items():
            for part in ("value", "expected", "adjusted", "points", "contribution"):
                if part in k:
                    row[f"{metric}_{part}"] = k[part]
        rows.append(row)
    df = pd.DataFrame(rows)
    if len(df):
        df = df.fillna(value=float("nan"))
        # Best first; ranks are whole numbers, missing (unranked) groups last as <NA>.
        for col in ("rank", "topsis_rank"):
            df[col] = pd.array([None if v is None or v != v else int(v) for v in df[col]], dtype="Int64")
        df = df.sort_values("rank", na_position="last", kind="stable").reset_index(drop=True)
    df.attrs["weights"] = doc["weights"]
    df.attrs["weight_method"] = doc["weight_method"]
    if "ahp" in doc:
        df.attrs["ahp"] = doc["ahp"]
    return df


def team_scores(data, scorecard, config: Mapping[str, Any] | None = None, *, strict: bool = False,
                threads: int | None = None, reviews=None, rubric=None, qa_events=None):
    """Team rollups of an agent scorecard: `from_agents` (interaction-weighted mean of the
    agents' scores) and `pooled` (the scorecard on the team's own KPIs), with ranks."""
    import pandas as pd

    card_json, _ = _scorecard_of(scorecard, ["agent"])
    doc = _json.loads(_score(data, card_json, config, strict, threads, "", (reviews, rubric, qa_events), teams=True))
    return pd.DataFrame(doc["teams"])


def explain(data, scorecard, key: str, by: Sequence[str] | str | None = None,
            config: Mapping[str, Any] | None = None, *, strict: bool = False, threads: int | None = None,
            reviews=None, rubric=None, qa_events=None) -> str:
    """How one group's score came about (the CLI's --explain)."""
    card_json, _ = _scorecard_of(scorecard, by)
    return _score(data, card_json, config, strict, threads, key, (reviews, rubric, qa_events))


def _to_dict(self) -> dict:
    return _json.loads(self._to_json())


def _from_dict(cls, d: Mapping[str, Any]):
    return cls._from_json(_json.dumps(d))


def _report_state_update(self, data, *, strict: bool = False, threads: int | None = None):
    """Adds the rows of `data` (path, DataFrame or dict of arrays) with this state's
    configuration and grouping. Ids are checked for duplicates within `data` only."""
    self.merge(partial(data, by=self.by, config=_json.loads(self._config_json), strict=strict, threads=threads))
    return self


def _group_state_update(self, data, config: Mapping[str, Any] | None = None, *, strict: bool = False,
                        threads: int | None = None):
    """Adds every row of `data` to this one group."""
    state = partial(data, by=[], config=config, strict=strict, threads=threads)
    if len(state):
        self.merge(state.groups[0])
    return self


for _cls in (GroupState, ReportState):
    _cls.to_dict = _to_dict
    _cls.from_dict = classmethod(_from_dict)
ReportState.update = _report_state_update
GroupState.update = _group_state_update


def _report_state_from(data) -> ReportState:
    """Unpickles a ReportState from its binary form (bytes, or any buffer)."""
    return ReportState._from_binary(data)


def _report_state_reduce(self, protocol: int):
    # Protocol 5 takes the binary form as an out-of-band buffer: Dask (and anything passing a
    # buffer_callback) moves it without a copy; a plain pickle.dumps copies it in once.
    import pickle

    data = self._binary_buffer()
    return _report_state_from, (pickle.PickleBuffer(data) if protocol >= 5 else data.tobytes(),)


ReportState.__reduce_ex__ = _report_state_reduce


def __dir__():
    """Only the API: the names of __all__ (helpers and imports stay private)."""
    return sorted(__all__)
