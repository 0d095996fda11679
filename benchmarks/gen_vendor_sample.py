#!/usr/bin/env python3
"""Deterministic generator of a helpdesk-style export of the sample shop's tickets
(examples/data/shop_vendor_export.csv) for `cskpi reconcile` (docs/RECONCILE.md): the vendor's own
column names, first reply time in minutes, statuses in words; a few rows differ on purpose (a
reply time counted from an earlier instant, a status the vendor never updated, a rating lost),
two tickets are missing and one is the vendor's only.

Usage: gen_vendor_sample.py [--seed N]. Standard library only.
"""
import argparse
import csv
import datetime as dt
import pathlib
import random

DATA = pathlib.Path(__file__).resolve().parent.parent / "examples" / "data"
FMT = "%Y-%m-%d %H:%M:%S"


def parse(s):
    try:
        return dt.datetime.strptime(s, FMT)
    except ValueError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20261203)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with open(DATA / "shop_interactions.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        created, first = parse(r["created_at"]), parse(r["first_response_at"])
        if not created:
            continue  # the sample's own defective rows
        frt = f"{(first - created).total_seconds() / 60:.2f}" if first and first >= created else ""
        status = "Solved" if r["resolved_at"] else "Open"
        csat = r["csat"]
        roll = rng.random()
        if frt and roll < 0.01:
            frt = f"{float(frt) + rng.randint(2, 9):.2f}"
        elif roll < 0.015:
            status = "Open" if status == "Solved" else "Solved"
        elif csat and roll < 0.02:
            csat = ""
        out.append([r["id"], frt, status, csat])
    del out[100], out[2000]
    out.append(["CS900000001", "1.00", "Solved", "5"])
    with open(DATA / "shop_vendor_export.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Ticket ID", "First reply time (min)", "Status", "Satisfaction"])
        w.writerows(out)


if __name__ == "__main__":
    main()
