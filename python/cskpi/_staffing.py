"""Staffing with Erlang models (spec section 16; docs/STAFFING.md)."""
from __future__ import annotations

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
