"""cskpi: customer-service KPIs from interaction records.

    import cskpi
    df = cskpi.report("interactions.csv", by=["agent"], config={"timezone": "Asia/Shanghai"})

The same names as the C++ library and the CLI (spec: KPIS.md sections 4-8)."""
from __future__ import annotations

import json as _json
import os as _os
from typing import Any, Mapping, Sequence

from . import _core
from ._core import GroupState, ReportState  # noqa: F401  (the partial-state protocol)

__version__ = "0.1.0"
__all__ = ["report", "report_json", "Report", "partial", "GroupState", "ReportState", "metric_columns"]

_TIME_KEYS = {"hour", "day", "week", "month", "quarter", "year"}


def metric_columns() -> list[str]:
    """Every metric column of a report, in spec order."""
    return [name for name, _ in _core.metric_columns()]


def _prepare(config: Mapping[str, Any] | None, by: Sequence[str] | str | None):
    cfg = dict(config or {})
    if isinstance(by, str):
        by = [k for k in by.split(",") if k]
    return cfg, list(by or []), _json.dumps(cfg, ensure_ascii=False)


def _threads(threads: int | None) -> int:
    return max(1, threads if threads is not None else min(4, _os.cpu_count() or 1))


class Report:
    """A finished report: `.to_pandas()`, `.to_json()`, `.rejects` (a DataFrame), and the input
    accounting (`rows_read`, `rows_accepted`, `rows_rejected`)."""

    def __init__(self, core: "_core.Report"):
        self._core = core

    rows_read = property(lambda self: self._core.rows_read)
    rows_accepted = property(lambda self: self._core.rows_accepted)
    rows_rejected = property(lambda self: self._core.rows_rejected)
    by = property(lambda self: list(self._core.by))

    def to_json(self) -> dict:
        """The spec section 6 document as a dict."""
        return _json.loads(self._core.to_json())

    def to_pandas(self, overall: bool | None = None):
        """One row per group: key columns first, then every metric in spec order (NaN =
        undefined). With no grouping the single overall row; with grouping the overall row is
        left out unless `overall=True`."""
        import pandas as pd

        cols = _core.metric_columns()
        keys = self._core._keys()
        values = self._core._values()
        by = self.by
        start = 0 if (not by or overall) else 1
        df = pd.DataFrame(values[start:], columns=[c for c, _ in cols])
        for name, is_int in cols:
            if is_int:
                df[name] = df[name].astype("int64")
        for i, k in enumerate(by):
            df.insert(i, k, [row[i] if len(row) > i else None for row in keys[start:]])
        return df

    @property
    def rejects(self):
        """The rejected rows (first 1000): line, column, value, reason. For a DataFrame input,
        `line` is the 1-based row position."""
        import pandas as pd

        return pd.DataFrame(self._core.rejects, columns=["line", "column", "value", "reason"])

    def __repr__(self) -> str:
        return (f"Report(by={self.by}, groups={len(self._core._keys())}, rows_read={self.rows_read}, "
                f"rows_rejected={self.rows_rejected})")


def _run(data, by, config, strict, threads, partial: bool):
    cfg, keys, cfg_json = _prepare(config, by)
    if isinstance(data, (str, _os.PathLike)):
        fn = _core.partial_path if partial else _core.report_path
        return fn(_os.fspath(data), cfg_json, keys, bool(strict), _threads(threads))
    from ._frame import columns_of

    specs, rows, ignored = columns_of(data, cfg.get("columns", {}))
    fn = _core.partial_frame if partial else _core.report_frame
    return fn(specs, rows, ignored, cfg_json, keys, bool(strict), _threads(threads))


def report(data, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None,
           *, strict: bool = False, threads: int | None = None):
    """KPI report as a pandas DataFrame. `data`: a path (.csv/.jsonl), a pandas DataFrame, or a
    dict of numpy arrays. Raises ValueError for bad configuration or, with strict=True, the
    first bad row (the message names line and column)."""
    return Report(_run(data, by, config, strict, threads, partial=False)).to_pandas()


def report_json(data, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None,
                *, strict: bool = False, threads: int | None = None) -> dict:
    """The spec section 6 JSON document as a dict."""
    return Report(_run(data, by, config, strict, threads, partial=False)).to_json()


def run(data, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None,
        *, strict: bool = False, threads: int | None = None) -> Report:
    """The Report object (DataFrame, JSON and rejects)."""
    return Report(_run(data, by, config, strict, threads, partial=False))


def partial(data, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None,
            *, strict: bool = False, threads: int | None = None) -> ReportState:
    """The mergeable partial state of a slice of data; merge slices with `+` and finish with
    `finalize(state)`. Pickles through its versioned JSON state."""
    return _run(data, by, config, strict, threads, partial=True)


def finalize(state: ReportState, overall: bool | None = None):
    """The DataFrame of a (merged) partial state."""
    return Report(state._finalize()).to_pandas(overall=overall)


def _to_dict(self) -> dict:
    return _json.loads(self._to_json())


def _from_dict(cls, d: Mapping[str, Any]):
    return cls._from_json(_json.dumps(d))


for _cls in (GroupState, ReportState):
    _cls.to_dict = _to_dict
    _cls.from_dict = classmethod(_from_dict)
