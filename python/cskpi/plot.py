"""matplotlib charts of the dashboard's numbers (cskpi.dashboard) and of scorecards
(cskpi.score). Each function draws on `ax` (a new figure when None) and returns the axes."""
from __future__ import annotations

import math


def _axes(ax, size=(8, 3.5)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)[1]


def _edge(s: float) -> str:
    t = int(round(s))
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if t and t % n == 0:
            return f"{t // n}{unit}"
    return f"{t}s" if t else "0"


def frt_distribution(dash: dict, ax=None):
    """Bars of the FRT brackets (0-10s .. >=1d) of a dashboard."""
    ax = _axes(ax)
    bins = dash["frt_histogram"]
    labels = [f"\u2265{_edge(b['low'])}" if b["high"] is None else f"{_edge(b['low'])}\u2013{_edge(b['high'])}" for b in bins]
    ax.bar(range(len(bins)), [b["count"] for b in bins], color="#2f6fb0")
    ax.set_xticks(range(len(bins)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("interactions")
    ax.set_title("First response time")
    return ax


def sla_trend(dash: dict, ax=None):
    """FRT SLA attainment by day, in percent."""
    ax = _axes(ax)
    days = [r for r in dash["sla_by_day"] if r["sla_frt"] is not None]
    ax.plot([r["day"][5:] for r in days], [100 * r["sla_frt"] for r in days], marker="o", color="#2f6fb0")
    ax.set_ylabel("SLA met (%)")
    ax.set_ylim(0, 100)
    ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    ax.set_title("FRT SLA attainment by day")
    return ax


def heatmap(dash: dict, metric: str = "interactions", ax=None):
    """Weekday x hour of `metric` ("interactions" or "frt_median")."""
    ax = _axes(ax, (9, 3))
    grid = [[math.nan] * 24 for _ in range(7)]
    for c in dash["heatmap"]:
        if c["weekday"] and c["hour_of_day"] and c[metric] is not None:
            grid[int(c["weekday"][0]) - 1][int(c["hour_of_day"])] = c[metric]
    im = ax.imshow(grid, aspect="auto", cmap="Blues")
    ax.set_yticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    ax.set_xticks(range(24))
    ax.tick_params(axis="x", labelsize=7)
    ax.figure.colorbar(im, ax=ax)
    ax.set_title(f"{metric} by weekday and hour")
    return ax


def scorecard(scores, ax=None):
    """Stacked points of each KPI per group, best first, from a cskpi.score DataFrame."""
    ax = _axes(ax, (8, max(2.5, 0.3 * len(scores))))
    ranked = scores[scores["rank"].notna()].sort_values("rank")
    keys = [c for c in ranked.columns if not c.endswith(("_value", "_points", "_contribution", "_expected", "_adjusted"))
            and c not in ("interactions", "score", "rank", "tier", "flags", "topsis", "topsis_rank")]
    labels = [" / ".join(str(r[k]) for k in keys) for _, r in ranked.iterrows()]
    left = [0.0] * len(ranked)
    for col in [c for c in ranked.columns if c.endswith("_contribution")]:
        vals = ranked[col].fillna(0).tolist()
        ax.barh(labels, vals, left=left, label=col[: -len("_contribution")])
        left = [a + b for a, b in zip(left, vals)]
    ax.invert_yaxis()
    ax.set_xlabel("score points")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("Scorecard")
    return ax
