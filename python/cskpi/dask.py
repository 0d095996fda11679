"""cskpi on Dask (docs/DASK.md): each partition of a dask DataFrame, or each file of a list,
becomes a partial state in a task; the states merge in a tree and the report is finished once.

The result equals `cskpi.report` on the same rows (partitions in order, files in order), FCR
across partitions included: the customer ledger travels in the states. Duplicate ids across
partitions are found from the id hashes each partition returns (the same 64-bit hashes a single
run uses), and a partition that holds an id an earlier one accepted is run again with those ids
known, so its later rows are rejected as a single run would reject them.
"""
from __future__ import annotations

import json as _json
import os as _os
from typing import Any, Mapping, Sequence

import numpy as np

from . import _core


def _partition_frame(pdf, cfg_json: str, eff_cfg: dict, keys: list, earlier):
    from ._frame import columns_of

    specs, rows, ignored = columns_of(pdf, eff_cfg)
    state, acct, ids = _core.partition_frame(specs, rows, ignored, cfg_json, keys, 1, earlier)
    index = list(pdf.index[[r - 1 for r, *_ in acct.rejects]]) if acct.rejects else []
    return state, _accounting(acct, index), ids


def _partition_path(path: str, cfg_json: str, keys: list, earlier):
    state, acct, ids = _core.partition_path(path, cfg_json, keys, 1, earlier)
    return state, _accounting(acct, None), ids


def _accounting(acct, index) -> dict:
    """Rows read and the rejects (line or DataFrame index label, column, value, reason)."""
    rejects = [(index[i] if index is not None else line, col, value, reason)
               for i, (line, col, value, reason) in enumerate(acct.rejects)]
    return {"rows_read": acct.rows_read, "rows_accepted": acct.rows_accepted,
            "rows_rejected": acct.rows_rejected, "rejects": rejects}


def _merge(*states):
    # One copy (a task must not change its inputs), then the others merged into it in place:
    # `out = out + s` copied the growing state once per input.
    if len(states) == 1:
        return states[0]
    out = states[0] + states[1]
    for s in states[2:]:
        out += s
    return out


def _sources(data):
    """(kind, list of delayed partitions or paths, labels)."""
    import dask.dataframe as dd

    if isinstance(data, dd.DataFrame):
        parts = data.to_delayed()
        return "frame", parts, [f"partition {i}" for i in range(len(parts))]
    if isinstance(data, (str, _os.PathLike)):
        data = [data]
    if isinstance(data, Sequence) and all(isinstance(p, (str, _os.PathLike)) for p in data):
        paths = [_os.fspath(p) for p in data]
        return "paths", paths, paths
    raise TypeError("cskpi.dask: expected a dask DataFrame or a list of file paths")


def partial(data, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None, *,
            strict: bool = False, split_every: int = 8):
    """The merged partial state of every partition and the run's accounting:
    (ReportState, {"rows_read", "rows_accepted", "rows_rejected", "rejects"}). Rejects name
    their partition (file path, or "partition i") and line (or DataFrame index label)."""
    import dask

    from . import _prepare

    cfg, keys, cfg_json = _prepare(config, by)
    eff_cfg = _json.loads(_core.effective_config(cfg_json))
    kind, parts, labels = _sources(data)

    def task(i, earlier=None):
        if kind == "frame":
            return dask.delayed(_partition_frame)(parts[i], cfg_json, eff_cfg, keys, earlier)
        return dask.delayed(_partition_path)(parts[i], cfg_json, keys, earlier)

    # The partitions' results stay where they were computed (workers, with distributed); only
    # their id hashes and accounting come to the client.
    from operator import itemgetter

    results = list(dask.persist(*[task(i) for i in range(len(parts))]))
    ids = dask.compute(*[dask.delayed(itemgetter(2))(r) for r in results])
    # Later duplicates: ids a partition accepted that an earlier partition accepted first.
    all_ids = np.concatenate(ids) if ids else np.empty(0, np.uint64)
    owner = np.repeat(np.arange(len(ids)), [len(x) for x in ids])
    _, first = np.unique(all_ids, return_index=True)
    later = np.ones(len(all_ids), bool)
    later[first] = False
    again = {int(p): all_ids[(owner == p) & later] for p in np.unique(owner[later])}
    if again:
        redone = dask.persist(*[task(p, again[p]) for p in again])
        for p, r in zip(again, redone):
            results[p] = r
    accounts = dask.compute(*[dask.delayed(itemgetter(1))(r) for r in results])
    # The accounting, in partition order; strict stops at the first bad row.
    acct = {"rows_read": 0, "rows_accepted": 0, "rows_rejected": 0, "rejects": []}
    for label, a in zip(labels, accounts):
        for k in ("rows_read", "rows_accepted", "rows_rejected"):
            acct[k] += a[k]
        acct["rejects"] += [(label, *r) for r in a["rejects"]]
    if strict and acct["rejects"]:
        where, line, column, value, reason = acct["rejects"][0]
        err = _core.InputError(f"{where}: line {line}: column '{column or ''}': {reason}")
        err.file, err.line, err.column, err.value, err.reason = where, line if isinstance(line, int) else 0, column or "", value, reason
        raise err
    # A tree of merges, split_every states at a time, then one state on the client.
    states = [dask.delayed(itemgetter(0))(r) for r in results]
    while len(states) > 1:
        states = [dask.delayed(_merge)(*states[i:i + split_every]) for i in range(0, len(states), split_every)]
    state = states[0].compute() if states else None
    return state, acct


def report(data, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None, *,
           strict: bool = False, split_every: int = 8, overall: bool | None = None):
    """The report of a dask DataFrame or a list of files as a DataFrame, equal to
    `cskpi.report` on the same rows. `.attrs` holds rows_read, rows_accepted, rows_rejected and
    the rejects (a DataFrame: partition, line or index label, column, value, reason)."""
    import pandas as pd

    from . import finalize

    state, acct = partial(data, by, config, strict=strict, split_every=split_every)
    df = finalize(state, overall=overall)
    for k in ("rows_read", "rows_accepted", "rows_rejected"):
        df.attrs[k] = acct[k]
    df.attrs["rejects"] = pd.DataFrame(acct["rejects"], columns=["partition", "line", "column", "value", "reason"])
    return df


def score(data, scorecard, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None, *,
          strict: bool = False, split_every: int = 8):
    """The scorecard of a dask DataFrame or a list of files, as `cskpi.score` gives it on the
    same rows: one state grouped by every key the scorecard needs (its own and its case-mix
    cells), merged on Dask, projected onto each grouping and scored once."""
    from . import _score_frame, _scorecard_of

    card_json, _ = _scorecard_of(scorecard, by)
    groupings = [list(g) for g in _core.score_groupings(card_json, False)]
    finest = list(dict.fromkeys(k for g in groupings for k in g))  # projects exactly onto each
    state, acct = partial(data, finest, config, strict=strict, split_every=split_every)
    reports = [state.project(g)._finalize() for g in groupings]
    df = _score_frame(_json.loads(_core.score_finish(card_json, False, reports)))
    for k in ("rows_read", "rows_accepted", "rows_rejected"):
        df.attrs[k] = acct[k]
    return df
