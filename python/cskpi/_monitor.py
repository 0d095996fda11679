"""The live monitor (spec section 17; docs/MONITOR.md)."""
from __future__ import annotations

import json as _json

from . import _core


def _text(v) -> str | None:
    """A cell as the event readers see it: None/NaN/NaT are empty, timestamps in ISO 8601."""
    if v is None:
        return None
    try:
        import pandas as pd
        if v is pd.NaT or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, pd.Timestamp):
            return v.isoformat()
    except ImportError:  # pragma: no cover - pandas is a dependency of the DataFrame paths only
        pass
    if isinstance(v, bool):
        return "true" if v else "false"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


class Monitor:
    """A live monitor: feed events with `update`, read `snapshot()` (a DataFrame, one row per
    scope and window), `snapshot_json()`, `prometheus()` and `alerts()`.

    `clock="system"` judges late events and windows by the machine's clock; `clock="manual"`
    starts at the epoch and moves only with `advance_to(at)` (replays, tests, notebooks).
    Thread-safe: several Python threads may call `update` (the GIL is released inside).
    """

    def __init__(self, config=None, clock: str = "system"):
        from . import _config_dict
        if clock not in ("system", "manual"):
            raise ValueError(f"clock must be 'system' or 'manual', got {clock!r}")
        self._columns = list(_core.event_columns())
        self._core = _core.Monitor(_json.dumps(_config_dict(config), ensure_ascii=False), clock == "manual")
        self._manual = clock == "manual"

    def update(self, interaction_id, at, from_: str = "customer", **fields) -> bool:
        """Feeds one event. `fields` are the other event columns (agent, kind, public, status,
        text) and interaction columns (channel, team, csat, abandoned, ...). Returns False when
        the event was late or early (counted, not applied); raises InputError for a bad row."""
        row = {"interaction_id": interaction_id, "at": at, "from": from_, **fields}
        unknown = sorted(set(row) - set(self._columns))
        if unknown:
            raise ValueError(f"unknown event column(s) {unknown}; expected some of {self._columns}")
        ok, why = self._core.update([_text(row.get(c)) for c in self._columns])
        if why:
            column, _, reason = why.partition(": ")
            err = _core.InputError(f"event of interaction {interaction_id!r}: {why}")
            err.file, err.line, err.column, err.value, err.reason = "", 0, column, _text(row.get(column)) or "", reason
            raise err
        return ok

    def update_frame(self, events, advance: bool = False) -> int:
        """Feeds the rows of an events DataFrame in time order (file order on ties). With
        `advance` (manual clock), the clock follows each event's time. Returns events applied."""
        import pandas as pd
        df = events.copy()
        df["__at"] = pd.to_datetime(df["at"], utc=True)  # ordering only: naive times keep their order
        df = df.sort_values("__at", kind="stable")
        applied = 0
        for rec, t in zip(df.drop(columns="__at").to_dict("records"), df["__at"]):
            if advance:
                self.advance_to(t)
            rec = {k: v for k, v in rec.items() if k in self._columns}
            iid, at, frm = rec.pop("interaction_id"), rec.pop("at"), rec.pop("from", "customer")
            applied += self.update(iid, at, frm, **rec)
        return applied

    def advance_to(self, at) -> None:
        """Sets the manual clock."""
        if not self._manual:
            raise ValueError("advance_to needs Monitor(clock='manual')")
        self._core.set_time(_text(at))

    def snapshot_json(self) -> dict:
        """The snapshot as a dict: per scope the queue now and each window's values; counts; alerts."""
        return _json.loads(self._core.snapshot_json())

    def snapshot(self):
        """The snapshot as a DataFrame: one row per scope (channel, team; None = all) and window,
        with the queue-now columns repeated on each window's row."""
        import pandas as pd
        s = self.snapshot_json()
        rows = []
        for sc in s["scopes"]:
            for name in s["windows"]:
                rows.append({"channel": sc["channel"], "team": sc["team"], "window": name,
                             **sc["now"], **sc["windows"][name]})
        df = pd.DataFrame(rows)
        if not df.empty:
            df["from"] = pd.to_datetime(df["from"], utc=True)
        df.attrs["at"] = s["at"]
        df.attrs["counts"] = s["counts"]
        return df

    def prometheus(self) -> str:
        """The snapshot in the Prometheus text exposition format."""
        return self._core.prometheus()

    def alerts(self) -> list[dict]:
        """Every alert event so far (raise and clear), oldest first."""
        return [_json.loads(a) for a in self._core.alerts()]
