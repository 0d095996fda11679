"""An independent pandas implementation of KPIS.md sections 1-5, used as the oracle of the
differential tests. It shares no code with cskpi: it reads the CSV with pandas, parses
timestamps with pandas/zoneinfo, and computes every metric with plain pandas/numpy, brute force
where that is clearest (FCR windows)."""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd

COLUMNS = ["id", "created_at", "channel", "agent", "team", "customer", "category", "priority",
           "first_response_at", "resolved_at", "first_response_s", "resolution_s", "handle_s",
           "abandoned", "resolved", "reopened", "contacts", "transferred", "bot", "csat", "nps",
           "ces", "complaint", "dispute", "refund", "converted", "order_value", "replies", "abandoned_at", "wait_s"]
TRUE = {"1", "true", "yes", "y", "t", "是"}
FALSE = {"0", "false", "no", "n", "f", "否"}
EPOCH = re.compile(r"^[+-]?\d+(\.\d+)?$")
OFFSET = re.compile(r"(Z|z|[+-]\d\d(:?\d\d)?)$")

DEFAULT_CONFIG = {
    "timezone": "UTC", "csat": {"scale": [1, 5], "satisfied_min": 4}, "ces": {"scale": [1, 7]},
    "sla": {"first_response_s": {"chat": 30, "phone": 20, "social": 3600, "email": 86400},
            "by_priority": {"urgent": {"first_response_s": 60}}, "abandoned": "breach"},
    "fcr": {"window_s": 604800, "same_category": True},
    "complaint": {"respond_s": 86400, "resolve_s": 259200, "category": "complaint"},
    "presale_category": "presale", "confidence": 0.95,
    "staffing": {"within_s": 20, "short_abandon_s": 5},
}


def effective_config(user: dict) -> dict:
    cfg = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_CONFIG.items()}
    for k, v in user.items():
        if isinstance(v, dict) and k in ("csat", "ces", "sla", "fcr", "complaint", "staffing"):
            cfg[k] = {**cfg[k], **v}
        else:
            cfg[k] = v
    return cfg


def parse_ts(text: str, tz: str):
    """UTC microseconds, or None."""
    s = text.strip()
    if not s:
        return None
    if EPOCH.match(s):
        neg = s.startswith("-")
        s2 = s.lstrip("+-")
        whole, _, frac = s2.partition(".")
        us = int(whole) * 1_000_000 + int((frac + "000000")[:6] or 0)
        return -us if neg else us
    if not re.match(r"^\d{4}-\d\d-\d\d", s):
        return None
    try:
        if OFFSET.search(s[10:]) and len(s) > 10:
            ts = pd.Timestamp(s)
            if ts.tzinfo is None:
                return None
            return ts.tz_convert("UTC").value // 1000
        ts = pd.Timestamp(s)
        if ts.tzinfo is not None:
            return None
        loc = ts.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        return loc.tz_convert("UTC").value // 1000
    except (ValueError, OverflowError):
        return None


def parse_bool(s: str):
    v = s.strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise ValueError


def parse_int(s: str):
    v = float(s.strip())  # "4.0" is accepted as 4
    if not math.isfinite(v) or v != math.floor(v):
        raise ValueError
    return int(v)


def parse_num(s: str):
    v = float(s.strip())
    if not math.isfinite(v):
        raise ValueError
    return v


def validate(df: pd.DataFrame, cfg: dict):
    """Returns (accepted rows as dicts, list of (line, column))."""
    tz = cfg["timezone"]
    rows, rejects, seen = [], [], set()
    cs_lo, cs_hi = cfg["csat"]["scale"]
    ce_lo, ce_hi = cfg["ces"]["scale"]
    for i, rec in enumerate(df.to_dict("records")):
        line = i + 2
        g = {c: ("" if c not in rec or pd.isna(rec[c]) else str(rec[c])) for c in COLUMNS}
        try:
            for c in ("id", "created_at", "channel"):
                if not g[c].strip():
                    raise _Reject(c)
            created = parse_ts(g["created_at"], tz)
            if created is None:
                raise _Reject("created_at")
            r = {"id": g["id"].strip(), "created": created}
            for c in ("channel", "agent", "team", "customer", "category", "priority"):
                r[c] = g[c].strip() or None
            frt = _since(g, "first_response_at", created, tz)
            res = _since(g, "resolved_at", created, tz)
            wait = _since(g, "abandoned_at", created, tz)  # the short-abandon rule
            secs = {}
            for c in ("first_response_s", "resolution_s", "handle_s", "wait_s"):
                v = _non_negative(g, c)
                secs[c] = None if v is None else round(v * 1e6)
            if frt is None:
                frt = secs["first_response_s"]
            for c in ("abandoned", "transferred", "bot", "complaint", "dispute", "refund", "converted"):
                r[c] = False
                if g[c].strip():
                    try:
                        r[c] = parse_bool(g[c])
                    except ValueError:
                        raise _Reject(c)
            if wait is None:
                wait = secs["wait_s"]
            r["short_abandoned"] = bool(r["abandoned"] and wait is not None
                                        and wait <= round(cfg["staffing"]["short_abandon_s"] * 1e6))
            resolved = res is not None or secs["resolution_s"] is not None
            if g["resolved"].strip():
                try:
                    resolved = parse_bool(g["resolved"])
                except ValueError:
                    raise _Reject("resolved")
            ints = {}
            for c, lo, hi in (("reopened", 0, 2**31 - 1), ("replies", 0, 2**31 - 1), ("contacts", 1, 2**31 - 1),
                              ("csat", cs_lo, cs_hi),
                              ("nps", 0, 10), ("ces", ce_lo, ce_hi)):
                ints[c] = None
                if g[c].strip():
                    try:
                        v = parse_int(g[c])
                    except ValueError:
                        raise _Reject(c)
                    if v < lo or v > hi:
                        raise _Reject(c)
                    ints[c] = v
            ov = _non_negative(g, "order_value")
        except _Reject as e:
            rejects.append((line, e.column))
            continue
        if r["id"] in seen:
            rejects.append((line, "id"))
            continue
        seen.add(r["id"])
        r.update(frt=frt, resolved=resolved, handle=secs["handle_s"], order_value=ov,
                 resolution=(res if res is not None else secs["resolution_s"]) if resolved else None,
                 reopened=ints["reopened"] or 0, contacts=ints["contacts"], csat=ints["csat"], nps=ints["nps"],
                 ces=ints["ces"], replies=ints["replies"])
        rows.append(r)
    return rows, rejects


def _since(g: dict, c: str, created: int, tz: str):
    """Microseconds from created to the timestamp in cell c, None when empty; rejects the row
    when c is not a timestamp or lies before created."""
    if not g[c].strip():
        return None
    t = parse_ts(g[c], tz)
    if t is None or t < created:
        raise _Reject(c)
    return t - created


def _non_negative(g: dict, c: str):
    """The number >= 0 in cell c, None when empty; rejects the row otherwise."""
    if not g[c].strip():
        return None
    try:
        v = parse_num(g[c])
    except ValueError:
        raise _Reject(c)
    if v < 0:
        raise _Reject(c)
    return v


class _Reject(Exception):
    def __init__(self, column):
        super().__init__(column)
        self.column = column


def facts(rows: list[dict], cfg: dict) -> pd.DataFrame:
    d = pd.DataFrame(rows)
    us = lambda s: round(s * 1e6)
    d["answered"] = d["frt"].notna()
    tgt = []
    for ch, pr in zip(d["channel"], d["priority"]):
        t = None
        if pr is not None and pr in cfg["sla"]["by_priority"]:
            t = cfg["sla"]["by_priority"][pr]["first_response_s"]
        if t is None:
            t = cfg["sla"]["first_response_s"].get(ch)
        tgt.append(None if t is None else us(t))
    d["target"] = tgt
    has_t = d["target"].notna()
    excl = cfg["sla"]["abandoned"] == "exclude"
    d["sla_counted"] = has_t & ~(d["abandoned"] & excl)
    d["sla_met"] = has_t & ~d["abandoned"] & d["answered"] & (d["frt"].fillna(np.inf) <= d["target"].fillna(-1))
    d["complaint_row"] = d["complaint"] | (d["category"] == cfg["complaint"]["category"])
    d["complaint_responded"] = d["complaint_row"] & d["answered"] & (d["frt"].fillna(np.inf) <= us(cfg["complaint"]["respond_s"]))
    d["complaint_resolved"] = d["complaint_row"] & d["resolved"] & (d["resolution"].fillna(np.inf) <= us(cfg["complaint"]["resolve_s"]))
    d["presale"] = d["category"] == cfg["presale_category"]
    d["bot_only"] = d["bot"] & d["agent"].isna()
    d["bot_escalated"] = d["bot"] & d["agent"].notna()
    # First contact and FCR, brute force over each customer's rows.
    w = us(cfg["fcr"]["window_s"])
    same_cat = cfg["fcr"]["same_category"]
    first, fcr, verified = [], [], []
    recs = d.to_dict("records")
    by_cust: dict = {}
    for i, r in enumerate(recs):
        if r["customer"] is not None and not pd.isna(r["customer"]):
            by_cust.setdefault(r["customer"], []).append(i)
    for i, r in enumerate(recs):
        eligible = r["resolved"] and r["reopened"] == 0 and not r["abandoned"]
        contained = bool(r["bot_only"] and r["resolved"])
        if r["customer"] is None or pd.isna(r["customer"]):
            c = r["contacts"]
            f = c is None or pd.isna(c) or c == 1
            first.append(f)
            fcr.append(f and eligible)
            verified.append(contained)  # section 4: without customer, as bot_containment_rate
            continue
        before = after = False
        for j in by_cust[r["customer"]]:
            if j == i:
                continue
            o = recs[j]
            if same_cat and not pd.isna(r["category"]) and not pd.isna(o["category"]) and o["category"] != r["category"]:
                continue
            # Section 3: ties in created_at are ordered by id.
            earlier = (o["created"], str(o["id"]).encode()) < (r["created"], str(r["id"]).encode())
            if earlier and o["created"] >= r["created"] - w:
                before = True
            if not earlier and o["created"] <= r["created"] + w:
                after = True
        first.append(not before)
        fcr.append((not before) and eligible and not after)
        verified.append(contained and not after)
    d["first"] = first
    d["fcr"] = fcr
    d["bot_verified"] = verified
    return d


def _q(v: np.ndarray, q: float):
    return float(np.quantile(v, q)) if len(v) else math.nan


def _wilson(num, den, z):
    if den == 0:
        return math.nan, math.nan
    p = num / den
    c = (p + z * z / (2 * den)) / (1 + z * z / den)
    h = z * math.sqrt(p * (1 - p) / den + z * z / (4 * den * den)) / (1 + z * z / den)
    return max(0.0, c - h), min(1.0, c + h)


def metrics(d: pd.DataFrame, cfg: dict) -> dict:
    from scipy.stats import norm
    z = norm.ppf(1 - (1 - cfg["confidence"]) / 2)
    m: dict = {}

    def rate(name, num, den):
        m[name] = num / den if den else math.nan
        m[name + "_num"], m[name + "_den"] = num, den
        m[name + "_ci_low"], m[name + "_ci_high"] = _wilson(num, den, z)

    n = len(d)
    ab = d["abandoned"]
    m["interactions"] = n
    m["answered"] = int(d["answered"].sum())
    m["abandoned"] = int(ab.sum())
    m["resolved"] = int(d["resolved"].sum())
    rate("answer_rate", m["answered"], n)
    rate("abandonment_rate", m["abandoned"], n)
    frt = d["frt"].dropna().to_numpy(dtype=float) / 1e6
    m["frt_mean"] = float(frt.mean()) if len(frt) else math.nan
    for k, q in (("median", .5), ("p90", .9), ("p95", .95)):
        m["frt_" + k] = _q(frt, q)
    m["frt_max"] = float(frt.max()) if len(frt) else math.nan
    rate("sla_frt", int(d["sla_met"].sum()), int(d["sla_counted"].sum()))
    h = d["handle"].dropna().to_numpy(dtype=float) / 1e6
    m["aht_mean"] = float(h.mean()) if len(h) else math.nan
    m["aht_median"] = _q(h, .5)
    rs = d["resolution"].dropna().to_numpy(dtype=float) / 1e6
    m["resolution_time_mean"] = float(rs.mean()) if len(rs) else math.nan
    m["resolution_time_median"] = _q(rs, .5)
    m["resolution_time_p90"] = _q(rs, .9)
    rate("resolution_rate", int((d["resolved"] & ~ab).sum()), int((~ab).sum()))
    rate("fcr_rate", int(d["fcr"].sum()), int((d["first"] & ~ab).sum()))
    rate("reopen_rate", int((d["resolved"] & (d["reopened"] > 0)).sum()), m["resolved"])
    rate("transfer_rate", int((d["answered"] & d["transferred"]).sum()), m["answered"])
    known = d["resolved"] & d["replies"].notna()
    rate("one_touch_rate", int((known & (d["replies"].fillna(99) <= 1)).sum()), int(known.sum()))
    rate("bot_containment_rate", int((d["bot_only"] & d["resolved"]).sum()), int(d["bot"].sum()))
    rate("bot_escalation_rate", int(d["bot_escalated"].sum()), int(d["bot"].sum()))
    rate("bot_containment_verified_rate", int(d["bot_verified"].sum()), int(d["bot"].sum()))
    cs = d["csat"].dropna()
    rate("csat", int((cs >= cfg["csat"]["satisfied_min"]).sum()), len(cs))
    m["csat_mean"] = float(cs.mean()) if len(cs) else math.nan
    m["csat_responses"] = len(cs)
    rate("csat_response_rate", int((d["csat"].notna() & d["answered"]).sum()), m["answered"])
    nps = d["nps"].dropna()
    if len(nps):
        pp, pm = (nps >= 9).mean(), (nps <= 6).mean()
        v = 100 * (pp - pm)
        half = z * 100 * math.sqrt((pp + pm - (pp - pm) ** 2) / len(nps))
        m["nps"], m["nps_ci_low"], m["nps_ci_high"] = v, v - half, v + half
    else:
        m["nps"] = m["nps_ci_low"] = m["nps_ci_high"] = math.nan
    m["nps_responses"] = len(nps)
    ces = d["ces"].dropna()
    m["ces_mean"] = float(ces.mean()) if len(ces) else math.nan
    m["ces_responses"] = len(ces)
    for f in ("complaint", "dispute", "refund"):
        rate(f + "_rate", int(d[f].sum()), n)
    cr = int(d["complaint_row"].sum())
    rate("complaint_response_rate", int(d["complaint_responded"].sum()), cr)
    rate("complaint_resolution_rate", int(d["complaint_resolved"].sum()), cr)
    conv = d["presale"] & d["converted"]
    rate("conversion_rate", int(conv.sum()), int(d["presale"].sum()))
    sales = float(d.loc[conv, "order_value"].fillna(0).sum()) if conv.any() else 0.0
    m["sales_total"] = sales
    m["avg_order_value"] = sales / int(conv.sum()) if conv.any() else math.nan
    within = int((d["answered"] & (d["frt"].fillna(np.inf) <= round(cfg["staffing"]["within_s"] * 1e6))).sum())
    short = int(d["short_abandoned"].sum())
    rate("service_level", within, n)
    rate("service_level_of_answered", within, m["answered"])
    rate("service_level_excl_abandoned", within, n - m["abandoned"])
    rate("service_level_excl_short_abandoned", within, n - short)
    rate("service_level_short_abandoned_met", within + short, n)
    # Section 15: the csat share's margin with the finite-population correction (N = answered).
    rated, population = len(cs), m["answered"]
    if rated >= 1 and population >= 2:
        share = m["csat_num"] / rated
        fpc = 0.0 if rated >= population else (population - rated) / (population - 1)
        m["csat_margin"] = z * math.sqrt(share * (1 - share) / rated) * math.sqrt(fpc)
    else:
        m["csat_margin"] = math.nan
    return m


def accepted_facts(path: str, config_path: str):
    """(effective config, facts of the rows the file keeps) for a CSV and a config JSON file."""
    with open(config_path) as f:
        cfg = effective_config(json.load(f))
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])
    rows, _ = validate(raw, cfg)
    return cfg, facts(rows, cfg)


def bucket_labels(created_us: pd.Series, tz: str, key: str) -> pd.Series:
    t = pd.to_datetime(created_us * 1000, utc=True).dt.tz_convert(tz)
    if key == "hour":
        return t.dt.strftime("%Y-%m-%dT%H")
    if key == "day":
        return t.dt.strftime("%Y-%m-%d")
    if key == "week":
        iso = t.dt.isocalendar()
        return iso["year"].astype(str) + "-W" + iso["week"].astype(int).map("{:02d}".format)
    if key == "month":
        return t.dt.strftime("%Y-%m")
    if key == "quarter":
        return t.dt.year.astype(str) + "-Q" + t.dt.quarter.astype(str)
    if key == "year":
        return t.dt.year.map("{:04d}".format)
    raise ValueError(key)


def report(path: str, user_cfg: dict, by: list[str]):
    """(rows_read, rejects [(line, column)], groups [(key dict, metrics)])."""
    cfg = effective_config(user_cfg)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8-sig",
                      skip_blank_lines=True)
    rows, rejects = validate(raw, cfg)
    d = facts(rows, cfg)
    groups = [({}, metrics(d, cfg))]
    if by:
        keys = pd.DataFrame(index=d.index)
        for k in by:
            keys[k] = bucket_labels(d["created"], cfg["timezone"], k) if k in ("hour", "day", "week", "month", "quarter", "year") else d[k]
        combos = keys.drop_duplicates().to_dict("records")
        combos.sort(key=lambda c: [(c[k] is None, c[k] or "") for k in by])
        for c in combos:
            mask = np.ones(len(d), dtype=bool)
            for k in by:
                mask &= (keys[k].isna() if c[k] is None else (keys[k] == c[k])).to_numpy()
            groups.append((c, metrics(d[mask], cfg)))
    return len(raw), rejects, groups
