"""The benchmark job in pandas: read the interactions CSV, parse timestamps in the configured
time zone, and compute the headline KPIs by agent x channel x day (exact quantiles).
Usage: /usr/bin/python3 peer_pandas.py DATA.csv [--by agent,channel,day] [--out FILE.csv]"""
import argparse
import time

import numpy as np
import pandas as pd

p = argparse.ArgumentParser()
p.add_argument("data")
p.add_argument("--by", default="agent,channel,day")
p.add_argument("--out", default="/dev/null")
a = p.parse_args()
by = a.by.split(",")
t0 = time.time()
df = pd.read_csv(a.data, dtype={"agent": "category", "channel": "category", "team": "category",
                                "category": "category", "priority": "category", "customer": "string"})
tz = "Asia/Shanghai"
created = pd.to_datetime(df["created_at"], format="%Y-%m-%d %H:%M:%S")
first = pd.to_datetime(df["first_response_at"], format="%Y-%m-%d %H:%M:%S")
resolved_at = pd.to_datetime(df["resolved_at"], format="%Y-%m-%d %H:%M:%S")
df["day"] = created.dt.strftime("%Y-%m-%d") if "day" in by else None
df["frt"] = (first - created).dt.total_seconds()
df["res"] = (resolved_at - created).dt.total_seconds()
df["answered"] = df["frt"].notna()
target = df["channel"].map({"chat": 30, "phone": 20, "social": 3600, "email": 86400}).astype(float)
target = target.where(df["priority"] != "urgent", 60.0)
df["sla_den"] = target.notna()
df["sla_met"] = df["answered"] & (df["frt"] <= target) & (df["abandoned"] == 0)
df["resolved"] = df["res"].notna()
df["res_ok"] = df["resolved"] & (df["abandoned"] == 0)
df["not_ab"] = df["abandoned"] == 0
df["sat"] = df["csat"] >= 4
df["has_csat"] = df["csat"].notna()
g = df.groupby(by, observed=True, sort=True)
out = pd.DataFrame({
    "interactions": g.size(),
    "answered": g["answered"].sum(),
    "abandoned": g["abandoned"].sum(),
    "frt_mean": g["frt"].mean(),
    "frt_median": g["frt"].median(),
    "frt_p90": g["frt"].quantile(0.9),
    "frt_p95": g["frt"].quantile(0.95),
    "frt_max": g["frt"].max(),
    "sla_num": g["sla_met"].sum(), "sla_den": g["sla_den"].sum(),
    "aht_mean": g["handle_s"].mean(), "aht_median": g["handle_s"].median(),
    "res_mean": g["res"].mean(), "res_median": g["res"].median(), "res_p90": g["res"].quantile(0.9),
    "resolution_num": g["res_ok"].sum(), "resolution_den": g["not_ab"].sum(),
    "csat_num": g["sat"].sum(), "csat_den": g["has_csat"].sum(), "csat_mean": g["csat"].mean(),
    "complaint": g["complaint"].sum(), "refund": g["refund"].sum(),
})
out.to_csv(a.out)
print(f"pandas: {len(df)} rows, {len(out)} groups, {time.time() - t0:.2f} s")
