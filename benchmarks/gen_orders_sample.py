#!/usr/bin/env python3
"""Deterministic generator of the sample shop's orders (examples/data/shop_orders.csv), for
repurchase by satisfaction (`cskpi repurchase`, spec section 15) and pre-sales attribution
(`cskpi presale`): customers of shop_interactions.csv order now and then, satisfied ones a little
more often after a rated contact; about a third of pre-sales inquiries end in an order within two
days, most of them paid; a few customers only order (never contact the shop); three defective
rows must land in the orders' reject ledger.

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

    def order(customer, when):
        paid = when + dt.timedelta(seconds=rng.randint(30, 1800)) if rng.random() < 0.88 else None
        status = "refunded" if paid and rng.random() < 0.06 else ("paid" if paid else "unpaid")
        out.append([customer, when.strftime(FMT), paid.strftime(FMT) if paid else "",
                    f"{rng.lognormvariate(4.5, 0.6):.2f}", status, rng.choice([1, 1, 1, 2, 3])])

    for r in rows:
        try:
            t = dt.datetime.strptime(r["created_at"], FMT)
        except ValueError:  # the interactions' own defective rows
            continue
        if r["category"] == "presale" and rng.random() < 0.35:
            order(r["customer"], t + dt.timedelta(seconds=rng.randint(120, 48 * 3600)))
        if not r["csat"]:
            continue
        chance = 0.45 if int(r["csat"]) >= 4 else 0.25
        if rng.random() < chance:
            order(r["customer"], t + dt.timedelta(seconds=rng.randint(3600, 45 * 86400)))
    for k in range(40):  # buyers who never contacted customer service
        order(f"U9{k:04d}", dt.datetime(2026, 3, 1) + dt.timedelta(seconds=rng.randint(0, 60 * 86400)))
    out.sort(key=lambda x: x[1])
    out = [[f"SO{i + 1:06d}", *o] for i, o in enumerate(out)]
    out.insert(len(out) // 3, ["SO900001", "", out[0][2], "", "88.00", "unpaid", 1])  # no customer
    out.insert(2 * len(out) // 3, ["SO900002", out[5][1], "2026-02-30 10:00:00", "", "12.50", "unpaid", 1])  # no such date
    out.insert(len(out) - 10, [out[7][0], *out[8][1:]])  # an order id given twice
    with open(DATA / "shop_orders.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["order_id", "customer", "ordered_at", "paid_at", "order_value", "status", "quantity"])
        w.writerows(out)


if __name__ == "__main__":
    main()
