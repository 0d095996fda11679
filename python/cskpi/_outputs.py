"""Manager outputs: the Excel workbook of reports and the dashboard of a file (docs/REPORTS.md)."""
from __future__ import annotations

import json as _json
import os as _os
from typing import Any, Mapping

from . import _core


def to_excel(reports, path) -> None:
    """Writes reports (a Report or a list of them) to one workbook: a sheet per report, named
    after its grouping, and the input sheet of the first. The same writer as `--format xlsx`."""
    reps = reports if isinstance(reports, (list, tuple)) else [reports]
    _core.write_excel([r._core for r in reps], _os.fspath(path))


def _card_json(scorecard) -> str:
    if scorecard is None:
        return ""
    if isinstance(scorecard, (str, _os.PathLike)):
        with open(scorecard, encoding="utf-8") as f:
            doc = _json.load(f)
    else:
        doc = dict(scorecard)
    if "scorecard" in doc and "kpis" not in doc:
        doc = doc["scorecard"]
    return _json.dumps(doc, ensure_ascii=False)


def _rubric_json(rubric) -> str:
    if rubric is None:
        return ""
    if isinstance(rubric, (str, _os.PathLike)):
        with open(rubric, encoding="utf-8") as f:
            return f.read()
    return _json.dumps(dict(rubric), ensure_ascii=False)


def _args(data, config, scorecard, period, reviews, rubric):
    from . import _config_dict

    if not isinstance(data, (str, _os.PathLike)):
        raise TypeError("dashboard: data must be a path to a .csv or .jsonl file")
    if reviews is not None and rubric is None:
        raise ValueError("dashboard: reviews need a rubric")
    return (_os.fspath(data), _json.dumps(_config_dict(config), ensure_ascii=False), _card_json(scorecard), period,
            "" if reviews is None else _os.fspath(reviews), _rubric_json(rubric))


def dashboard(data, config: Mapping[str, Any] | None = None, *, scorecard=None, period: str = "week",
              reviews=None, rubric=None) -> dict:
    """The numbers of the HTML dashboard of a file, as a dict: tiles per team (value over the
    input, last and previous complete period), frt_histogram, sla_by_day, heatmap,
    complaint_pareto, scorecard and QA when given. cskpi.plot draws from it."""
    return _json.loads(_core.dashboard_json(*_args(data, config, scorecard, period, reviews, rubric)))


def html(data, path, config: Mapping[str, Any] | None = None, *, scorecard=None, period: str = "week",
         reviews=None, rubric=None, lang: str = "en", title: str = "") -> None:
    """Writes the self-contained HTML dashboard of `cskpi html` to `path`."""
    page = _core.dashboard_html(*_args(data, config, scorecard, period, reviews, rubric), lang, title)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)


def targets_json(data, config, *, as_of: str | None = None, history=None) -> dict:
    """Targets and pacing (docs/TARGETS.md) as the document of `cskpi targets --format json`."""
    from . import _config_dict

    return _json.loads(_core.targets_json(_os.fspath(data), _json.dumps(_config_dict(config), ensure_ascii=False),
                                          as_of or "", "" if history is None else _os.fspath(history)))


def targets(data, config, *, as_of: str | None = None, history=None):
    """Targets and pacing as a DataFrame: one row per target and (sub-)period with target,
    actual, attainment, elapsed, expected_to_date, forecast, required_rest, unreachable, status;
    scope keys as columns. `as_of` defaults to the config's, else the latest created_at."""
    import pandas as pd

    doc = targets_json(data, config, as_of=as_of, history=history)
    rows = []
    for r in doc["targets"]:
        row = {k: v for k, v in r.items() if k != "scope"}
        row.update(r["scope"])
        rows.append(row)
    df = pd.DataFrame(rows)
    if len(df):
        df = df.fillna(value=float("nan"))
    df.attrs["as_of"] = doc["as_of"]
    df.attrs["tolerance"] = doc["tolerance"]
    return df


def compare_json(data, by, config=None, *, periods=None, baseline=None, alpha: float = 0.05, min_n: float = 30) -> dict:
    """The document of `cskpi compare --format json` (docs/COMPARE.md)."""
    from . import _config_dict, _keys

    if isinstance(periods, (list, tuple)):
        periods = ",".join(periods)
    return _json.loads(_core.compare_json(_os.fspath(data), _json.dumps(_config_dict(config), ensure_ascii=False),
                                          _keys(by), periods or "", "" if baseline is None else _os.fspath(baseline),
                                          alpha, min_n))


def compare(data, by, config=None, *, periods=None, baseline=None, alpha: float = 0.05, min_n: float = 30):
    """Every metric of every group in period A and B of `data` (periods=("2026-02", "2026-03"),
    with their time key in `by`), or in `baseline` (A) and `data` (B): a DataFrame with the key
    columns, metric, test, a, b, n_a, n_b, difference, ci_low, ci_high, p, q, significant,
    too_few. The overall row has no key values."""
    import pandas as pd

    doc = compare_json(data, by, config, periods=periods, baseline=baseline, alpha=alpha, min_n=min_n)
    keys = doc["by"]
    rows = []
    for r in doc["comparisons"]:
        row = {k: r["by"].get(k) for k in keys}
        row.update({k: v for k, v in r.items() if k != "by"})
        rows.append(row)
    df = pd.DataFrame(rows)
    if len(df):
        df = df.fillna(value=float("nan"))
    df.attrs.update(a=doc["a"], b=doc["b"], alpha=doc["alpha"], min_n=doc["min_n"])
    return df


def pareto(data, by="category", config=None, *, count: str = "complaint_rate_num", strict: bool = False):
    """The Pareto of issues: groups by `count` (complaints by default), largest first, with
    share and cumulative share, as a DataFrame (the rows of `cskpi pareto`)."""
    import pandas as pd

    from . import run

    rep = run(data, by=by, config=config, strict=strict)
    doc = _json.loads(_core.pareto_json(rep._core, count))
    rows = [{**r["by"], "count": r["count"], "share": r["share"], "cumulative": r["cumulative"]} for r in doc["rows"]]
    return pd.DataFrame(rows, columns=list(rep.by) + ["count", "share", "cumulative"])


def drivers(data, config=None, *, strict: bool = False):
    """The drivers of satisfaction (spec section 15, `cskpi drivers`): a logistic regression of
    satisfied ratings on FRT, resolution, reopen, transfer, repeat contact, channel and category.
    A DataFrame of terms (coef, se, z, p, odds_ratio, or_ci_low, or_ci_high); the rest of the
    model (n, rows left out, reference levels, convergence, log-likelihoods) in `.attrs`."""
    import pandas as pd

    from . import _prepare, _warn

    _, _, cfg_json = _prepare(config, None)
    if isinstance(data, (str, _os.PathLike)):
        rep, model = _core.drivers_path(_os.fspath(data), cfg_json, bool(strict))
    else:
        from ._frame import columns_of

        specs, rows, ignored = columns_of(data, _json.loads(_core.effective_config(cfg_json)))
        rep, model = _core.drivers_frame(specs, rows, ignored, cfg_json, bool(strict))
    _warn(rep)
    doc = _json.loads(model)
    cols = ["term", "coef", "se", "z", "p", "odds_ratio", "or_ci_low", "or_ci_high"]
    out = pd.DataFrame(doc.pop("terms"), columns=cols).astype({c: float for c in cols[1:]})
    out.attrs.update(doc, rows_read=rep.rows_read, rows_rejected=rep.rows_rejected)
    return out


def facts(data=None, config=None, *, events=None, strict: bool = False, threads: int | None = None,
          presence=None):
    """One row per accepted interaction with every derived fact (spec section 3, `cskpi facts`;
    columns: docs/FACTS.md): FRT, SLA target and state, breach instant and time over target,
    first contact, FCR, one-touch, service level within target, satisfied. With `events` (an
    event log: a path or a DataFrame) instead of `data`, one row per derived interaction with
    rounds, waits, sessions, status durations and SLA timer states added (`presence`: the agents'
    presence log, for left_message). Instants are UTC;
    unknown values are NaN / <NA>. Input accounting and rejects in `.attrs`."""
    import pandas as pd

    from . import _events, _prepare, _presence, _threads, _warn

    _, _, cfg_json = _prepare(config, None)
    if (data is None) == (events is None):
        raise ValueError("give either data (interactions) or events (an event log)")
    staffed = _presence(presence, events)
    if events is not None:
        rep, (cols, kinds) = _core.facts_events(_events(events), cfg_json, bool(strict), _threads(threads), staffed)
    else:
        rep, (cols, kinds) = _core.facts(_data_arg(data, cfg_json), cfg_json, bool(strict), _threads(threads))
    _warn(rep)
    out = pd.DataFrame(cols)
    for c, kind in kinds.items():
        if kind == "instant":
            out[c] = pd.to_datetime(out[c], unit="us", utc=True)
        elif kind == "maybe":
            out[c] = out[c].astype("boolean")
        elif kind == "count":
            out[c] = out[c].astype("Int64")
    out.attrs.update(rows_read=rep.rows_read, rows_accepted=rep.rows_accepted, rows_rejected=rep.rows_rejected,
                     rejects=list(rep.rejects))
    return out


def repurchase(data, orders, config=None, *, strict: bool = False):
    """Repurchase by satisfaction (spec section 15, `cskpi repurchase`): the share of rated
    interactions whose customer orders within loyalty.window_days after, per rating value and
    satisfied vs not, with Wilson intervals. A DataFrame (rating, rated, repurchased, rate,
    ci_low, ci_high; the last two rows "satisfied" and "not_satisfied"); the difference test and
    the orders' input accounting (rows read, rejected, rejects) in `.attrs`."""
    import pandas as pd

    from . import _prepare, _warn

    _, _, cfg_json = _prepare(config, None)
    rep, text = _core.repurchase(_data_arg(data, cfg_json), _os.fspath(orders), cfg_json, bool(strict))
    _warn(rep)
    doc = _json.loads(text)
    rows = [{"rating": str(r["rating"]), **{k: r[k] for k in ("rated", "repurchased", "rate", "ci_low", "ci_high")}}
            for r in doc["by_rating"]]
    rows += [{"rating": k, **{c: doc[k][c] for c in ("rated", "repurchased", "rate", "ci_low", "ci_high")}}
             for k in ("satisfied", "not_satisfied")]
    out = pd.DataFrame(rows).astype({"rate": float, "ci_low": float, "ci_high": float})
    out.attrs.update(difference=doc["difference"], orders=doc["orders"], window_days=doc["window_days"],
                     rated_without_customer=doc["rated_without_customer"])
    _warn_orders(doc["orders"])
    return out


def presale(data, orders, by=None, config=None, *, strict: bool = False):
    """Pre-sales attribution from an orders table (`cskpi presale`, docs/PRESALE.md): per group of
    inquiries (`by`, e.g. ["agent", "day"]), the inquiry, ordering and paying buyers, the inquiry
    conversion rate (paying / inquiry buyers, Wilson interval), orders, sales, avg_order_value
    (sales per paying buyer), items_per_order and refunds. An order is credited to the buyer's
    last inquiry before paying when it is paid within presale.window. A DataFrame, one row per
    group; the overall figures, the window and the orders' input accounting in `.attrs`."""
    import pandas as pd

    from . import _prepare, _warn

    keys = [by] if isinstance(by, str) else list(by or [])
    _, _, cfg_json = _prepare(config, None)
    rep, text = _core.presale(_data_arg(data, cfg_json), _os.fspath(orders), keys, cfg_json, bool(strict))
    _warn(rep)
    doc = _json.loads(text)
    out = pd.DataFrame(doc["groups"], columns=[*doc["by"], *doc["overall"].keys()])
    for c in doc["overall"]:
        kind = "Int64" if c in _PRESALE_COUNTS else float
        out[c] = out[c].astype(kind)
    out.attrs.update(overall=doc["overall"], orders=doc["orders"], window=doc["window"], inquiries=doc["inquiries"],
                     inquiry_rows=doc["inquiry_rows"], inquiries_without_customer=doc["inquiries_without_customer"])
    _warn_orders(doc["orders"])
    return out


def reconcile(facts, vendor, key: str, map, config=None):
    """Compares cskpi's facts (the CSV of `cskpi facts`) with a vendor's export (docs/RECONCILE.md):
    `map` (a dict, or a JSON file) names the vendor's key and, per fact column, the vendor's
    column and how to read it. A DataFrame of the differences (key, metric, ours, vendor,
    difference, explain); `.attrs` holds the per-metric summary, the keys on one side only and
    both files' input accounting."""
    import pandas as pd

    from . import _prepare

    if isinstance(map, (str, _os.PathLike)):
        name = _os.fspath(map)
        with open(name, encoding="utf-8") as f:
            text = f.read()
    else:
        name, text = "map", _json.dumps(map)
    _, _, cfg_json = _prepare(config, None)
    doc = _json.loads(_core.reconcile(_os.fspath(facts), _os.fspath(vendor), key, text, name, cfg_json))
    out = pd.DataFrame(doc["differences"], columns=["key", "metric", "ours", "vendor", "difference", "explain"])
    out["difference"] = out["difference"].astype(float)
    out.attrs.update({k: doc[k] for k in ("summary", "only_ours", "only_vendor", "ours", "vendor")})
    return out


_PRESALE_COUNTS = {"inquiry_buyers", "ordering_buyers", "paying_buyers", "orders", "paid_orders", "refunded_orders"}


def _data_arg(data, cfg_json):
    """A path as text, or a DataFrame's columns as the engine reads them."""
    if isinstance(data, (str, _os.PathLike)):
        return _os.fspath(data)
    from ._frame import columns_of

    return tuple(columns_of(data, _json.loads(_core.effective_config(cfg_json))))


def _warn_orders(orders):
    if orders["rows_rejected"]:
        import warnings

        warnings.warn(f"cskpi: {orders['rows_rejected']} of {orders['rows_read']} order rows rejected "
                      "(.attrs['orders']['rejects'] lists them)", stacklevel=3)
