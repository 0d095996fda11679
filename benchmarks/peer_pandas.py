"""The equal-work peer in pandas: the same metrics as the DuckDB and Polars peers
(benchmarks/EQUAL_WORK.md) from the interactions CSV, written as CSV with the overall row
first. Days are bucketed with vectorized datetime operations; quantiles are pandas' linear
(type 7); first contact and FCR follow the customer window of spec section 3, ties by id.
Usage: /usr/bin/python3 peer_pandas.py DATA.csv [--by agent,channel,day] [--out FILE.csv]"""
import argparse
import time

import numpy as np
import pandas as pd

Z = 1.959963984540054  # confidence 0.95
WINDOW = pd.Timedelta(seconds=604800)  # fcr.window_s
MISSING = "\x00missing"
TARGETS = {"chat": 30.0, "phone": 20.0, "social": 3600.0, "email": 86400.0}


def prepare(df):
    """Per-row facts: durations, flags, SLA target, first contact and no return in the window."""
    fmt = "%Y-%m-%d %H:%M:%S"
    created = pd.to_datetime(df["created_at"], format=fmt)
    first = pd.to_datetime(df["first_response_at"], format=fmt)
    resolved_at = pd.to_datetime(df["resolved_at"], format=fmt)
    t = pd.DataFrame({"frt": (first - created).dt.total_seconds(),
                      "res": (resolved_at - created).dt.total_seconds(),
                      "handle_s": df["handle_s"], "csat": df["csat"]})
    t["answered"] = t["frt"].notna()
    t["ab"] = df["abandoned"] == 1
    t["rs"] = resolved_at.notna()
    t["ro"] = df["reopened"] > 0
    target = df["channel"].map(TARGETS).astype(float)
    target = target.where(df["priority"] != "urgent", 60.0)
    t["sla_den"] = target.notna()
    t["sla_num"] = t["frt"] <= target
    t["tr"] = t["answered"] & (df["transferred"] == 1)
    t["co"] = df["complaint"] == 1
    t["rf"] = df["refund"] == 1
    t["sat"] = t["csat"] >= 4
    t["rated"] = t["csat"].notna()
    # Neighbours of the same customer and category in (created_at, id) order.
    cust, cat, at = (df["customer"].cat.codes.to_numpy(), df["category"].cat.codes.to_numpy(),
                     created.to_numpy())
    order = np.lexsort((df["id"].to_numpy(), at, cat, cust))
    cust, cat, at = cust[order], cat[order], at[order]
    same_prev = np.r_[False, (cust[1:] == cust[:-1]) & (cat[1:] == cat[:-1])]
    near_prev = np.r_[False, (at[1:] - at[:-1]) <= WINDOW.to_timedelta64()] & same_prev
    near_next = np.r_[near_prev[1:], False]
    first_contact = np.empty(len(df), bool)
    no_return = np.empty(len(df), bool)
    first_contact[order] = ~near_prev | (cust < 0)
    no_return[order] = ~near_next | (cust < 0)
    fc = pd.Series(first_contact, index=df.index) & ~t["ab"]
    t["fcr_den"] = fc
    t["fcr_num"] = fc & t["rs"] & ~t["ro"] & pd.Series(no_return, index=df.index)
    t["res_den"] = ~t["ab"]
    t["res_num"] = t["rs"] & ~t["ab"]
    t["reopen_num"] = t["rs"] & t["ro"]
    return t, created


def wilson(n, d, s):
    n, d = n.astype(float), d.astype(float).where(d > 0)
    p = n / d
    return (p + Z * Z / (2 * d) + s * Z * np.sqrt(p * (1 - p) / d + Z * Z / (4 * d * d))) / (1 + Z * Z / d)


def aggregate(t, keys):
    g = t.groupby(keys, observed=True, sort=True, dropna=False)
    out = pd.DataFrame({"interactions": g.size(), "answered": g["answered"].sum(),
                        "abandoned": g["ab"].sum(), "resolved": g["rs"].sum()})
    cols = {}

    def rate(name, num, den):
        n = g[num].sum()
        d = g[den].sum() if den else out["interactions"]
        cols.update({f"{name}_num": n, f"{name}_den": d, name: n / d.where(d > 0),
                     f"{name}_ci_low": wilson(n, d, -1), f"{name}_ci_high": wilson(n, d, 1)})

    rate("answer_rate", "answered", None)
    rate("abandonment_rate", "ab", None)
    cols.update({"frt_mean": g["frt"].mean(), "frt_median": g["frt"].median(),
                 "frt_p90": g["frt"].quantile(0.9), "frt_p95": g["frt"].quantile(0.95),
                 "frt_max": g["frt"].max()})
    rate("sla_frt", "sla_num", "sla_den")
    cols.update({"aht_mean": g["handle_s"].mean(), "aht_median": g["handle_s"].median(),
                 "resolution_time_mean": g["res"].mean(), "resolution_time_median": g["res"].median(),
                 "resolution_time_p90": g["res"].quantile(0.9)})
    rate("resolution_rate", "res_num", "res_den")
    rate("fcr_rate", "fcr_num", "fcr_den")
    rate("reopen_rate", "reopen_num", "rs")
    rate("transfer_rate", "tr", "answered")
    rate("csat", "sat", "rated")
    cols.update({"csat_mean": g["csat"].mean(), "csat_responses": g["rated"].sum()})
    rate("complaint_rate", "co", None)
    rate("refund_rate", "rf", None)
    return pd.concat([out, pd.DataFrame(cols)], axis=1)


def equal_work(df, by):
    """The job on a DataFrame as read below (timestamps as text or datetime64, labels as
    categoricals): the groups of `by` with the overall row first, keys as columns."""
    t, created = prepare(df)
    for k in by:  # pandas 1.5 drops a categorical's missing group: it gets a label of its own
        t[k] = created.dt.normalize() if k == "day" else \
            df[k].cat.add_categories([MISSING]).fillna(MISSING)
    groups = aggregate(t, by)
    overall = aggregate(t.assign(_all=0), ["_all"])
    if "day" in by:  # labels of the groups only, not of every row
        groups.index = groups.index.set_levels(
            groups.index.levels[by.index("day")].strftime("%Y-%m-%d"), level=by.index("day")) \
            if len(by) > 1 else groups.index.strftime("%Y-%m-%d")
    overall.index = pd.MultiIndex.from_tuples([(None,) * len(by)], names=by) if len(by) > 1 \
        else pd.Index([None], name=by[0])
    out = pd.concat([overall, groups]).reset_index()
    out[by] = out[by].replace(MISSING, None)
    return out


DTYPES = {"agent": "category", "channel": "category", "team": "category", "category": "category",
          "priority": "category", "customer": "category", "id": str}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--by", default="agent,channel,day")
    p.add_argument("--out", default="/dev/null")
    a = p.parse_args()
    by = a.by.split(",")
    t0 = time.time()
    df = pd.read_csv(a.data, dtype=DTYPES)
    out = equal_work(df, by)
    out.to_csv(a.out, index=False)
    print(f"pandas equal work: {len(df)} rows, {len(out) - 1} groups, {time.time() - t0:.2f} s")


if __name__ == "__main__":
    main()
