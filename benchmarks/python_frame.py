"""Issue-3 benchmark: cskpi.report(df, by=["agent","channel","day"]) on a DataFrame already in
memory, against the same KPIs with pandas groupby on the same DataFrame, in one run.
Usage: PYTHONPATH=build/python /usr/bin/python3 benchmarks/python_frame.py DATA.csv"""
import sys
import time

import pandas as pd

import cskpi

path = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
t = time.time()
df = pd.read_csv(path, dtype={"agent": "category", "channel": "category", "team": "category",
                              "category": "category", "priority": "category"})
for c in ("created_at", "first_response_at", "resolved_at"):
    df[c] = pd.to_datetime(df[c], format="%Y-%m-%d %H:%M:%S")
print(f"load: {len(df)} rows in {time.time() - t:.1f} s (not timed below)")
cfg = {"timezone": "Asia/Shanghai"}
by = ["agent", "channel", "day"]

t = time.time()
out = cskpi.report(df, by=by, config=cfg, threads=threads)
t_cskpi = time.time() - t
print(f"cskpi.report(df, by={by}, threads={threads}): {t_cskpi:.2f} s, {len(out)} groups")

t = time.time()
d = pd.DataFrame({"agent": df["agent"], "channel": df["channel"],
                  "day": df["created_at"].dt.strftime("%Y-%m-%d")})
frt = (df["first_response_at"] - df["created_at"]).dt.total_seconds()
res = (df["resolved_at"] - df["created_at"]).dt.total_seconds()
target = df["channel"].map({"chat": 30, "phone": 20, "social": 3600, "email": 86400}).astype(float)
target = target.where(df["priority"] != "urgent", 60.0)
d["frt"], d["res"], d["handle"], d["csat"] = frt, res, df["handle_s"], df["csat"]
d["answered"] = frt.notna()
d["abandoned"] = df["abandoned"]
d["sla_met"] = d["answered"] & (frt <= target) & (df["abandoned"] == 0)
d["sla_den"] = target.notna()
d["res_ok"] = res.notna() & (df["abandoned"] == 0)
d["not_ab"] = df["abandoned"] == 0
d["sat"] = df["csat"] >= 4
d["has_csat"] = df["csat"].notna()
g = d.groupby(by, observed=True, sort=True)
pd_out = pd.DataFrame({
    "interactions": g.size(), "answered": g["answered"].sum(), "abandoned": g["abandoned"].sum(),
    "frt_mean": g["frt"].mean(), "frt_median": g["frt"].median(), "frt_p90": g["frt"].quantile(0.9),
    "frt_p95": g["frt"].quantile(0.95), "frt_max": g["frt"].max(),
    "sla_num": g["sla_met"].sum(), "sla_den": g["sla_den"].sum(),
    "aht_mean": g["handle"].mean(), "aht_median": g["handle"].median(),
    "res_mean": g["res"].mean(), "res_median": g["res"].median(), "res_p90": g["res"].quantile(0.9),
    "resolution_num": g["res_ok"].sum(), "resolution_den": g["not_ab"].sum(),
    "csat_num": g["sat"].sum(), "csat_den": g["has_csat"].sum(), "csat_mean": g["csat"].mean(),
})
t_pandas = time.time() - t
print(f"pandas groupby (headline KPIs only): {t_pandas:.2f} s, {len(pd_out)} groups")
print(f"ratio pandas / cskpi: {t_pandas / t_cskpi:.1f}x")
