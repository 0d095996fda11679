"""DataFrame / dict-of-arrays -> the borrowed column specs cskpi._core.report_frame reads.

Numbers, booleans and datetimes are handed over as numpy arrays without copying where the
dtype already fits; a Categorical hands over its codes and categories; other text is read by
C++ straight from each str object's UTF-8 buffer (then dictionary-encoded once, in C++). Naive datetimes are wall-clock times in the configured time zone; tz-aware ones are
instants."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

SPEC_COLUMNS = (
    "id", "created_at", "channel", "agent", "team", "customer", "category", "priority",
    "first_response_at", "resolved_at", "first_response_s", "resolution_s", "handle_s",
    "abandoned", "resolved", "reopened", "contacts", "transferred", "bot", "csat", "nps", "ces",
    "complaint", "dispute", "refund", "converted", "order_value", "replies", "abandoned_at", "wait_s",
    "survey_sent", "rated_at",
)
TEXT_ONLY = {"id", "channel", "agent", "team", "customer", "category", "priority"}
DURATIONS = {"first_response_s", "resolution_s", "handle_s", "wait_s"}


def _input_error(column: str, reason: str):
    """cskpi.InputError as the C++ side raises it, for faults found while reading a frame."""
    from ._core import InputError

    e = InputError(f"<frame>: column '{column}': {reason}")
    e.file, e.line, e.column, e.value, e.reason = "<frame>", 0, column, "", reason
    return e


def _text(values) -> tuple[str, np.ndarray, list[str]]:
    import pandas as pd

    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = np.ascontiguousarray(s.cat.codes.to_numpy())  # int8..int64 as pandas chose
        cats = [str(c) for c in s.cat.categories]
        return ("text", codes, cats)
    # Strings: C++ views each row's str buffer (no factorize pass, no copy for ASCII text).
    arr = s.to_numpy(dtype=object, na_value=None) if s.dtype != object else s.to_numpy()
    return ("object", arr, None)


def _seconds(values) -> tuple:
    """A timedelta column as float seconds (NaT = NaN), never as raw nanoseconds."""
    td = np.asarray(values, dtype="timedelta64[ns]")
    secs = td.view(np.int64).astype(np.float64) / 1e9
    secs[np.isnat(td)] = np.nan
    return ("float64", secs, None)


def _column(name: str, values) -> tuple:
    import pandas as pd

    if name in TEXT_ONLY:
        return _text(values)
    dtype = getattr(values, "dtype", None)
    if dtype is None:
        values = np.asarray(values)
        dtype = values.dtype
    if not isinstance(dtype, pd.api.extensions.ExtensionDtype) and np.issubdtype(np.dtype(dtype), np.timedelta64):
        # pandas Timedelta: a duration, read in seconds (NaT = missing), never as raw nanoseconds.
        if name not in DURATIONS:
            raise _input_error(name, f"a timedelta is a duration; only {', '.join(sorted(DURATIONS))} take durations")
        return _seconds(values)
    if isinstance(dtype, pd.DatetimeTZDtype):
        ns = pd.Series(values).dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
        return ("datetime_utc", ns.view(np.int64), None)
    if np.issubdtype(np.dtype(dtype) if not isinstance(dtype, pd.api.extensions.ExtensionDtype) else np.dtype("O"), np.datetime64):
        ns = np.asarray(values, dtype="datetime64[ns]")
        return ("datetime_local", np.ascontiguousarray(ns).view(np.int64), None)
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not isinstance(dtype, pd.CategoricalDtype):
        # Nullable Int64/boolean/Float64/string: floats carry NaN for missing; strings go to text.
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            return ("float64", pd.Series(values).astype("float64").to_numpy(), None)
        return _text(values)
    arr = np.asarray(values)
    if arr.dtype == np.bool_:
        return ("bool", np.ascontiguousarray(arr).view(np.uint8), None)
    if np.issubdtype(arr.dtype, np.floating):
        return ("float64", np.ascontiguousarray(arr, dtype=np.float64), None)
    if np.issubdtype(arr.dtype, np.integer):
        return ("int64", np.ascontiguousarray(arr, dtype=np.int64), None)
    return _text(values)


_UNIT_SECONDS = {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0, "hh:mm:ss": 1.0}


def _cell_text(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    return str(v)


def _adapted(values, value_map: Mapping[str, Any] | None, unit: str | None):
    """A column with the configuration's value map and unit applied, vectorized (the same rules
    as files: labels match exactly, else ignoring ASCII case; unmatched cells pass through;
    numbers in a unit become seconds)."""
    import pandas as pd

    s = pd.Series(values)
    if value_map:
        text = s.astype("string").str.strip()
        exact = {str(k): v for k, v in value_map.items()}
        folded = {str(k).lower(): v for k, v in value_map.items()}
        hit = text.isin(exact.keys())
        hit_folded = ~hit & text.str.lower().isin(folded.keys())
        if "" in exact:  # a map for empty cells covers missing ones too
            hit = hit | s.isna()
        if hit.any() or hit_folded.any():
            out = s.astype(object).copy()
            out[hit] = text[hit].fillna("").map(exact)
            out[hit_folded] = text[hit_folded].str.lower().map(folded)
            s = out.map(_cell_text)
    factor = _UNIT_SECONDS[unit] if unit else 1.0
    if factor != 1.0 and not pd.api.types.is_timedelta64_dtype(s.dtype):  # a Timedelta is already a duration
        num = pd.to_numeric(s, errors="coerce")
        if num.notna().sum() == s.notna().sum():
            return num * factor
        # Numbers beside clock text ("1:05:00"): numbers scaled, the rest left for the reader.
        return s.astype(object).where(num.isna(), (num * factor).map(repr))
    return s


def _table(data):
    """(column names, column getter, row count) of a DataFrame or a dict of equal-length arrays."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return list(data.columns), (lambda k: data[k]), len(data)
    if isinstance(data, Mapping):
        lens = {len(v) for v in data.values()}
        if len(lens) > 1:
            raise ValueError(f"columns have different lengths: {sorted(lens)}")
        return list(data.keys()), (lambda k: data[k]), (lens.pop() if lens else 0)
    raise TypeError(f"expected a path, a pandas DataFrame or a dict of arrays, got {type(data).__name__}")


def table_arg(data, name: str):
    """A long-form table (reviews, message events) for C++: a path as str, or (name, column specs,
    rows) of a DataFrame or dict of arrays, every column handed over typed as for interactions
    (no CSV text). C++ reads each cell as the text a file would hold, then applies the same
    column mapping, value maps and checks as to files; its rows are numbered from 1."""
    import os

    import pandas as pd

    if data is None:
        return None
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    names, get, rows = _table(data)
    keys = [str(n) for n in names]
    for key in keys:
        if keys.count(key) > 1:
            raise _input_error(key, "column given twice")
    specs = {}
    for n, key in zip(names, keys):
        values = get(n)
        dtype = getattr(values, "dtype", None)
        if dtype is not None and not isinstance(dtype, pd.api.extensions.ExtensionDtype) and np.issubdtype(dtype, np.timedelta64):
            specs[key] = _seconds(values)  # a duration in seconds, as files give it
        else:
            specs[key] = _column("", values)
    return (name, specs, rows)


def columns_of(data, cfg: Mapping[str, Any]) -> tuple[dict, int, list[str]]:
    """(column specs by spec name, row count, ignored column names). `cfg` is the effective
    configuration (preset merged in), whose columns, values and units apply as to files."""
    mapping = cfg.get("columns", {})
    optional = set(cfg.get("preset_columns", []))
    values, units = cfg.get("values", {}), cfg.get("units", {})

    names, get, rows = _table(data)
    rename = {v: k for k, v in mapping.items()}
    present = {str(n) for n in names}
    for spec, user in mapping.items():
        if user not in present and spec not in optional:  # a renamed column the data lacks would leave every row without it
            import difflib

            near = difflib.get_close_matches(user, sorted(present), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise _input_error(user, f"no column '{user}', which config columns.{spec} names{hint}")
    specs, ignored = {}, []
    for n in names:
        spec = rename.get(str(n), str(n))
        if spec in SPEC_COLUMNS:
            col = get(n)
            if spec in values or spec in units:
                col = _adapted(col, values.get(spec), units.get(spec))
            specs[spec] = _column(spec, col)
        else:
            ignored.append(str(n))
    return specs, rows, ignored
