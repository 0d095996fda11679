"""cskpi on Dask (docs/DASK.md): each partition of a dask DataFrame, or each file of a list,
becomes a partial state in a task; the states merge in a tree and the report is finished once.

The result equals `cskpi.report` on the same rows (partitions in order, files in order), FCR
across partitions included: the customer ledger travels in the states. Duplicate ids across
partitions are found from the id hashes each partition returns (the same 64-bit hashes a single
run uses), and a partition that holds an id an earlier one accepted is run again with those ids
known, so its later rows are rejected as a single run would reject them.
"""
from __future__ import annotations

import functools as _functools
import json as _json
import operator
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


def _partition_path(part, cfg_json: str, keys: list, earlier):
    """A file, or (path, begin, end): the records starting in those bytes of it."""
    path, begin, end = (part, None, None) if isinstance(part, str) else part
    state, acct, ids, start = _core.partition_path(path, cfg_json, keys, 1, earlier, begin, end)
    out = _accounting(acct, None)
    out["range_start"] = start  # lines numbered from 1 at this byte of the file (else None)
    return state, out, ids


def _count_newlines(path: str, begin: int, end: int) -> int:
    n = 0
    with open(path, "rb") as f:
        f.seek(begin)
        left = end - begin
        while left > 0:
            chunk = f.read(min(left, 64 << 20))
            if not chunk:
                break
            n += chunk.count(b"\n")
            left -= len(chunk)
    return n


def _file_lines(parts, accounts) -> None:
    """Rejects of byte ranges whose lines are numbered from the range's first record get their
    file line: the line breaks before that record are counted, between consecutive ranges in
    parallel, in files that have such rejects only."""
    import dask

    wanted = [i for i, a in enumerate(accounts) if a["rejects"] and a.get("range_start") is not None]
    if not wanted:
        return
    upto = {}  # path -> the last range start whose lines are needed
    for i in wanted:
        upto[parts[i][0]] = max(upto.get(parts[i][0], 0), accounts[i]["range_start"])
    segments = []
    for path, last in upto.items():
        starts = sorted({a["range_start"] for p, a in zip(parts, accounts)
                         if not isinstance(p, str) and p[0] == path and a.get("range_start") is not None
                         and a["range_start"] <= last})
        segments += [(path, a, b) for a, b in zip([0] + starts, starts)]
    counts = dask.compute(*[dask.delayed(_count_newlines)(*seg) for seg in segments])
    before = {}
    for (path, a, b), n in zip(segments, counts):  # a file's segments in order
        before[(path, b)] = before.get((path, a), 0) + n
    for i in wanted:
        lines = before[(parts[i][0], accounts[i]["range_start"])]
        accounts[i]["rejects"] = [(line + lines, *rest) for line, *rest in accounts[i]["rejects"]]


def _accounting(acct, index) -> dict:
    """Rows read and the rejects (line or DataFrame index label, column, value, reason)."""
    rejects = [(index[i] if index is not None else line, col, value, reason)
               for i, (line, col, value, reason) in enumerate(acct.rejects)]
    return {"rows_read": acct.rows_read, "rows_accepted": acct.rows_accepted,
            "rows_rejected": acct.rows_rejected, "rejects": rejects}


def _merge(*states):
    # A new state sized once for all inputs (a task must not change its inputs).
    return states[0] if len(states) == 1 else _core.ReportState._merged(list(states))


def _ranges(path: str, blocksize: int) -> list:
    size = _os.path.getsize(path)
    return [(path, b, min(b + blocksize, size)) for b in range(0, max(size, 1), blocksize)]


def _sources(data, blocksize=None):
    """(kind, list of delayed partitions, paths or (path, begin, end) byte ranges, labels)."""
    import dask.dataframe as dd

    if isinstance(data, dd.DataFrame):
        if blocksize is not None:
            raise ValueError("blocksize: cuts files; a dask DataFrame is already in partitions")
        parts = data.to_delayed()
        return "frame", parts, [f"partition {i}" for i in range(len(parts))]
    if isinstance(data, (str, _os.PathLike)):
        data = [data]
    if isinstance(data, Sequence) and all(isinstance(p, (str, _os.PathLike)) for p in data):
        paths = [_os.fspath(p) for p in data]
        if blocksize is None:
            return "paths", paths, paths
        from dask.utils import parse_bytes

        size = parse_bytes(blocksize) if isinstance(blocksize, str) else int(blocksize)
        if size < 1:
            raise ValueError(f"blocksize: expected a positive size, actual {blocksize!r}")
        parts = [r for p in paths for r in _ranges(p, size)]
        return "paths", parts, [p for p, _, _ in parts]
    raise TypeError("cskpi.dask: expected a dask DataFrame or a list of file paths")


def _strict_error(where, line, line_number: int, column, value, reason):
    """strict mode's error for the first bad row: `line` as shown (a file line or a DataFrame's
    index label), `line_number` the attribute (0 when the row has no file line)."""
    err = _core.InputError(f"{where}: line {line}: column '{column or ''}': {reason}")
    err.file, err.line, err.column, err.value, err.reason = where, line_number, column or "", value, reason
    return err


def _planned(data, by, config, strict: bool, split_every: int, finish=None, blocksize=None):
    """(the merged state, or `finish(state)`, as a persisted dask.Delayed; the accounting)."""
    import dask

    from . import _prepare

    if split_every < 2:
        raise ValueError(f"split_every: expected 2 or more, actual {split_every}")
    cfg, keys, cfg_json = _prepare(config, by)
    eff_cfg = _json.loads(_core.effective_config(cfg_json))
    kind, parts, labels = _sources(data, blocksize)

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
    del ids
    _, first = np.unique(all_ids, return_index=True)
    later = np.ones(len(all_ids), bool)
    later[first] = False
    again = {int(p): all_ids[(owner == p) & later] for p in np.unique(owner[later])}
    del all_ids, owner, first, later
    if again:
        redone = dask.persist(*[task(p, again[p]) for p in again])
        for p, r in zip(again, redone):
            results[p] = r
    accounts = list(dask.compute(*[dask.delayed(itemgetter(1))(r) for r in results]))
    if kind == "paths":
        _file_lines(parts, accounts)
    # The accounting, in partition order; strict stops at the first bad row.
    acct = {"rows_read": 0, "rows_accepted": 0, "rows_rejected": 0, "rejects": []}
    for label, a in zip(labels, accounts):
        for k in ("rows_read", "rows_accepted", "rows_rejected"):
            acct[k] += a[k]
        acct["rejects"] += [(label, *r) for r in a["rejects"]]
    if strict and acct["rejects"]:
        where, line, column, value, reason = acct["rejects"][0]
        raise _strict_error(where, line, line if isinstance(line, int) else 0, column, value, reason)
    # A tree of merges, split_every states at a time. Submitted here, so that once this
    # function returns nothing on the client holds the partitions' results: each is released
    # as soon as its merge has run (with 100 M rows they would pin gigabytes on the workers).
    states = [dask.delayed(itemgetter(0))(r) for r in results]
    while len(states) > 1:
        states = [dask.delayed(_merge)(*states[i:i + split_every]) for i in range(0, len(states), split_every)]
    if not states:
        return None, acct
    top = dask.delayed(finish)(states[0]) if finish else states[0]
    (top,) = dask.persist(top)
    return top, acct


def partial(data, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None, *,
            strict: bool = False, split_every: int = 8, blocksize: int | str | None = None):
    """The merged partial state of every partition and the run's accounting:
    (ReportState, {"rows_read", "rows_accepted", "rows_rejected", "rejects"}). Rejects name
    their partition (file path, or "partition i") and line (or DataFrame index label).
    `blocksize` (bytes, or "256MB"): each file is read as byte ranges of that size, a task each
    (a file whose quoted fields hold line breaks cannot be cut so, and is refused)."""
    top, acct = _planned(data, by, config, strict, split_every, blocksize=blocksize)
    return (top.compute() if top is not None else None), acct


def _attach(df, acct):
    import pandas as pd

    for k in ("rows_read", "rows_accepted", "rows_rejected"):
        df.attrs[k] = acct[k]
    df.attrs["rejects"] = pd.DataFrame(acct["rejects"], columns=["partition", "line", "column", "value", "reason"])
    return df


def _top(data, by, config, strict, split_every, finish, blocksize):
    top, acct = _planned(data, by, config, strict, split_every, finish, blocksize)
    if top is None:
        raise ValueError("cskpi.dask: no partitions (an empty list of files?)")
    return top.compute(), acct


def report(data, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None, *,
           strict: bool = False, split_every: int = 8, overall: bool | None = None,
           blocksize: int | str | None = None):
    """The report of a dask DataFrame or a list of files as a DataFrame, equal to
    `cskpi.report` on the same rows. `.attrs` holds rows_read, rows_accepted, rows_rejected and
    the rejects (a DataFrame: partition, line or index label, column, value, reason).
    `blocksize`: read each file as byte ranges of that size (see `partial`)."""
    from . import finalize

    # Finished where the merged state is: only the report travels to the client.
    df, acct = _top(data, by, config, strict, split_every, _functools.partial(finalize, overall=overall), blocksize)
    return _attach(df, acct)


def _scores(state, card_json: str, groupings: list) -> str:
    reports = [state.project(g)._finalize() for g in groupings]
    return _core.score_finish(card_json, False, reports)


def score(data, scorecard, by: Sequence[str] | str | None = None, config: Mapping[str, Any] | None = None, *,
          strict: bool = False, split_every: int = 8, blocksize: int | str | None = None):
    """The scorecard of a dask DataFrame or a list of files, as `cskpi.score` gives it on the
    same rows: one state grouped by every key the scorecard needs (its own and its case-mix
    cells), merged on Dask, projected onto each grouping and scored once, on the worker."""
    from . import _score_frame, _scorecard_of

    card_json, _ = _scorecard_of(scorecard, by)
    groupings = [list(g) for g in _core.score_groupings(card_json, False)]
    finest = list(dict.fromkeys(k for g in groupings for k in g))  # projects exactly onto each
    finish = _functools.partial(_scores, card_json=card_json, groupings=groupings)
    doc, acct = _top(data, finest, config, strict, split_every, finish, blocksize)
    df = _score_frame(_json.loads(doc))
    for k in ("rows_read", "rows_accepted", "rows_rejected"):
        df.attrs[k] = acct[k]
    return df


def _qa_partition_frame(pdf, rubric_doc: str, cfg_json: str):
    from ._frame import table_arg

    return _qa_partition_result(_core.qa_partition(rubric_doc, table_arg(pdf, "<reviews DataFrame>"), cfg_json))


def _qa_partition_path(path: str, rubric_doc: str, cfg_json: str):
    return _qa_partition_result(_core.qa_partition(rubric_doc, path, cfg_json))


def _qa_partition_result(res):
    """(the rows that passed the checks a row can pass alone, the partition's accounting)."""
    rows, read, rejected, rejects = res
    return rows, {"rows_read": read, "rows_rejected": rejected, "rejects": rejects}


def _qa_gather(parts, rubric_doc: str, cfg_json: str, numbered_through: bool, confidence: float):
    report, rejects = _core.qa_gather(rubric_doc, cfg_json, list(parts), numbered_through, confidence)
    return report.to_json(), rejects


def _index_labels(pdf, lines):
    return [pdf.index[line - 1] for line in lines]


def qa_scores(reviews, rubric, by: str = "agent", *, config: Mapping[str, Any] | None = None, strict: bool = False,
              confidence: float = 0.95):
    """`cskpi.qa_scores` of reviews in a dask DataFrame or a list of files (long form, one row per
    review x item): each partition checks its rows alone, then the rows of every partition are
    gathered into reviews in partition order and scored once, so a review whose rows sit in
    several partitions is scored, and its repeated or contradicting rows rejected, as one
    reading of all the rows would. `.attrs["rejects"]`: partition, line (file line, or the
    DataFrame's index label), column, value, reason; rows_read = rows_accepted + rows_rejected."""
    import dask
    import pandas as pd

    from ._qa import _ROLLUPS, _config_json, _doc, _rollup

    if by not in _ROLLUPS:
        raise ValueError(f"by: expected one of {', '.join(_ROLLUPS)}, actual {by!r}")
    if rubric is None:
        raise ValueError("rubric is required with QA reviews")
    rubric_doc, cfg_json = _doc(rubric), _config_json(config)
    kind, parts, labels = _sources(reviews)
    if not parts:
        raise ValueError("cskpi.dask: no partitions (an empty list of files?)")
    one = _qa_partition_frame if kind == "frame" else _qa_partition_path
    results = [dask.delayed(one)(p, rubric_doc, cfg_json) for p in parts]
    rows = [dask.delayed(operator.itemgetter(0))(r) for r in results]
    accounts = [dask.delayed(operator.itemgetter(1))(r) for r in results]
    (doc_text, late), accounts = dask.compute(dask.delayed(_qa_gather)(rows, rubric_doc, cfg_json, kind == "frame", float(confidence)),
                                              accounts)
    # Every reject as (partition, line in it, ...) in reading order: the rows each partition
    # refused alone, and the rows the gathering refused (repeats, contradictions).
    rejects = sorted([(p, *r) for p, a in enumerate(accounts) for r in a["rejects"]] + [tuple(r) for r in late],
                     key=lambda r: (r[0], r[1]))
    read = sum(a["rows_read"] for a in accounts)
    rejected = sum(a["rows_rejected"] for a in accounts) + len(late)
    if kind == "frame" and rejects:  # a DataFrame's rows are named by their index labels
        wanted = {}
        for p, line, *_ in rejects:
            wanted.setdefault(p, []).append(line)
        found = dask.compute(*[dask.delayed(_index_labels)(parts[p], lines) for p, lines in wanted.items()])
        names = {(p, line): lab for (p, lines), labs in zip(wanted.items(), found) for line, lab in zip(lines, labs)}
        rejects = [(p, names[(p, line)], *rest) for p, line, *rest in rejects]
    if strict and rejects:
        p, line, column, value, reason = rejects[0]
        raise _strict_error(labels[p], line, line if kind == "paths" else 0, column, value, reason)
    df = _rollup(_json.loads(doc_text), by)
    df.attrs["rows_read"], df.attrs["rows_rejected"] = read, rejected
    df.attrs["rows_accepted"] = read - rejected
    df.attrs["rejects"] = pd.DataFrame([(labels[p], *r) for p, *r in rejects],
                                       columns=["partition", "line", "column", "value", "reason"])
    return df
