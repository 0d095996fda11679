"""Staffing with Erlang models (spec section 16; docs/STAFFING.md)."""
from __future__ import annotations

import json as _json

from . import _core


def erlang_c(traffic: float, agents: int, aht_s: float, within_s: float) -> dict:
    """Erlang C (M/M/N) for `traffic` erlangs on `agents` agents with mean handle time `aht_s`.

    Returns {"p_wait", "service_level" (answered within `within_s`), "asa_s", "occupancy"}.
    Traffic at or above the agents is an unstable queue: p_wait 1, service level 0, ASA inf.
    """
    return _core.erlang_c(float(traffic), int(agents), float(aht_s), float(within_s))


def erlang_a(traffic: float, agents: int, aht_s: float, within_s: float, patience_s: float) -> dict:
    """Erlang A (M/M/N+M): Erlang C with callers who hang up after a mean patience `patience_s`.

    Returns erlang_c's keys and "p_abandon"; "service_level" counts calls answered within
    `within_s` among all offered calls, "asa_s" is the mean wait of answered calls.
    """
    return _core.erlang_a(float(traffic), int(agents), float(aht_s), float(within_s), float(patience_s))


def required_agents(traffic: float, aht_s: float, service_level: float, within_s: float,
                    max_occupancy: float = 1.0, shrinkage: float = 0.0, patience_s: float | None = None) -> dict:
    """The smallest staff with service level >= `service_level` within `within_s` and occupancy
    <= `max_occupancy` (Erlang C, or Erlang A with `patience_s`).

    Returns {"agents" (raw N), "scheduled" (ceil(N / (1 - shrinkage))), and the figures at N}.
    """
    return _core.required_agents(float(traffic), float(aht_s), float(service_level), float(within_s),
                                 float(max_occupancy), float(shrinkage), None if patience_s is None else float(patience_s))


def _staffing_config(config, interval, target):
    from . import _config_dict

    cfg = dict(_config_dict(config))
    st = dict(cfg.get("staffing", {}))
    if interval is not None:
        st["interval"] = interval
    if target is not None:
        st["service_level"], st["within_s"] = float(target[0]), float(target[1])
    cfg["staffing"] = st
    return cfg


def staffing_json(data, config=None, *, interval: str | None = None, target: tuple[float, float] | None = None,
                  plan: tuple[str, str] | None = None, strict: bool = False, threads: int | None = None) -> dict:
    """Everything `cskpi staffing --format json` prints: the settings, `history` (per channel and
    interval: arrivals, AHT, traffic, required and scheduled agents, the five realised service
    levels), `forecast` (per weekday and interval), `plan` (for the dates `plan` = (FROM, TO)),
    `last_week` (realised service levels of the data's last 7 days per channel), `channels` (each
    channel's settings and, for concurrent channels, the measured handle-time inflation)."""
    from . import _prepare, _threads, _warn
    from ._outputs import _data_arg

    _, _, cfg_json = _prepare(_staffing_config(config, interval, target), None)
    arg = _data_arg(data, cfg_json)
    frm, to = (plan if plan is not None else (None, None))
    rep, text = _core.staffing(arg, cfg_json, frm, to, bool(strict), _threads(threads))
    _warn(rep)
    out = _json.loads(text)
    out["input"] = {"rows_read": rep.rows_read, "rows_accepted": rep.rows_accepted, "rows_rejected": rep.rows_rejected}
    return out


def staffing(data, config=None, *, interval: str | None = None, target: tuple[float, float] | None = None,
             plan: tuple[str, str] | None = None, strict: bool = False, threads: int | None = None):
    """Staffing per channel and interval as a pandas DataFrame: the plan for the dates
    `plan` = ("YYYY-MM-DD", "YYYY-MM-DD") when given, else the history of `data`. `target` =
    (share, seconds) overrides config staffing.service_level and within_s; `interval` is 15m,
    30m or 60m. The forecast, settings and last week's service level: staffing_json()."""
    import pandas as pd

    out = staffing_json(data, config, interval=interval, target=target, plan=plan, strict=strict, threads=threads)
    return pd.DataFrame(out["plan"] if plan is not None else out["history"])
