#!/usr/bin/env python3
"""Deterministic generator of the sample shop's orders (examples/data/shop_orders.csv), for
repurchase by satisfaction (`cskpi repurchase`, spec section 15): customers of
shop_interactions.csv order now and then, satisfied ones a little more often after a rated
contact; a few customers only order (never contact the shop); two defective rows must land in
the orders' reject ledger.

Usage: gen_orders_sample.py [--seed N]. Standard library only.
"""
import argparse
import csv
import datetime as dt
import pathlib
import random

DATA = pathlib.Path(__file__).resolve().parent.parent / "examples" / "data"
FMT = "%Y-%m-%d %H:%M:%S"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20260401)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with open(DATA / "shop_interactions.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["customer"]]
    out = []
    for r in rows:
        if not r["csat"]:
            continue
        t = dt.datetime.strptime(r["created_at"], FMT)
        chance = 0.45 if int(r["csat"]) >= 4 else 0.25
        if rng.random() < chance:
            when = t + dt.timedelta(seconds=rng.randint(3600, 45 * 86400))
            out.append([r["customer"], when.strftime(FMT), f"{rng.lognormvariate(4.5, 0.6):.2f}"])
    for k in range(40):  # buyers who never contacted customer service
        when = dt.datetime(2026, 3, 1) + dt.timedelta(seconds=rng.randint(0, 60 * 86400))
        out.append([f"U9{k:04d}", when.strftime(FMT), f"{rng.lognormvariate(4.5, 0.6):.2f}"])
    out.sort(key=lambda x: x[1])
    out.insert(len(out) // 3, ["", out[0][1], "88.00"])               # no customer
    out.insert(2 * len(out) // 3, [out[5][0], "2026-02-30 10:00:00", "12.50"])  # no such date
    with open(DATA / "shop_orders.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["customer", "ordered_at", "order_value"])
        w.writerows(out)


if __name__ == "__main__":
    main()
