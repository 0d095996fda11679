#!/usr/bin/env python3
"""Deterministic generator of the sample shop's QA data (examples/data/):

  shop_reviews.csv   human QA reviews of interactions in shop_interactions.csv (long form),
                     a quarter of them scored twice for calibration, one lenient reviewer,
                     and four defective rows that must land in the reject ledger
  shop_messages.csv  message events of chat interactions, for automatic checks (and, with
                     channel and team on each first row, a small section 11 event log)

Usage: gen_qa_sample.py [--seed N] (writes next to shop_interactions.csv). Standard library only.
"""
import argparse
import csv
import datetime as dt
import pathlib
import random

DATA = pathlib.Path(__file__).resolve().parent.parent / "examples" / "data"
REVIEWERS = ["钱芳", "沈雪", "韩梅", "冯涛"]
LENIENT = "冯涛"  # scores a little higher than the others, for the calibration report
ITEMS = [("greeting", 0, 1), ("accuracy", 1, 5), ("empathy", 1, 5), ("process", 1, 5), ("privacy", 0, 1), ("upsell", 0, 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20260310)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with open(DATA / "shop_interactions.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["agent"] and r["id"]]
    # Each agent has a latent quality; reviewers see it with noise.
    agents = sorted({r["agent"] for r in rows})
    skill = {a: rng.uniform(0.55, 0.95) for a in agents}
    sample = rng.sample(rows, 400)
    out = []
    review_no = 0

    def review(r, reviewer, when):
        nonlocal review_no
        review_no += 1
        rid = f"QA{review_no:05d}"
        q = skill[r["agent"]] + rng.gauss(0, 0.08) + (0.15 if reviewer == LENIENT else 0)
        for item, lo, hi in ITEMS:
            if item == "upsell" and r["category"] != "presale":
                score = "na"
            elif hi == 1:
                score = str(int(rng.random() < min(0.99, q + 0.05)))
            else:
                x = lo + (hi - lo) * min(1.0, max(0.0, q + rng.gauss(0, 0.12)))
                score = str(round(x))
            out.append([rid, r["id"], r["agent"], reviewer, when, item, score])

    for i, r in enumerate(sample):
        when = (dt.datetime(2026, 4, 1, 9) + dt.timedelta(minutes=7 * i)).strftime("%Y-%m-%d %H:%M")
        first = REVIEWERS[i % len(REVIEWERS)]
        review(r, first, when)
        if i % 4 == 0:  # calibration sample: a second reviewer scores the same interaction
            review(r, REVIEWERS[(REVIEWERS.index(first) + 1 + (i // 4) % 3) % len(REVIEWERS)], when)
    # Defects, each for the ledger: unknown item, off the scale, repeated item, not a number.
    last = out[-1]
    out.insert(30, [out[29][0], out[29][1], out[29][2], out[29][3], out[29][4], "tone", "3"])
    out.insert(60, out[58][:6] + ["7"])
    out.append(list(last))
    out.append(last[:6] + ["good"])
    with open(DATA / "shop_reviews.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["review_id", "interaction_id", "agent", "reviewer", "reviewed_at", "item", "score"])
        w.writerows(out)

    # Message events for chat interactions of the sample (some reviewed, some not).
    chats = [r for r in rows if r["channel"] == "chat" and r["first_response_at"]][:300]
    greet = ["亲，您好，很高兴为您服务", "您好，请问有什么可以帮您", "在的亲"]
    close = ["还有其他可以帮您的吗？祝您生活愉快", "感谢您的耐心，祝您生活愉快", "好的"]
    ev = []
    team_of = {r["id"]: r["team"] for r in chats}
    for r in chats:
        t = dt.datetime.strptime(r["created_at"], "%Y-%m-%d %H:%M:%S")
        first = dt.datetime.strptime(r["first_response_at"], "%Y-%m-%d %H:%M:%S")
        iid, agent = r["id"], r["agent"]
        ev.append([iid, t, "customer", "", "message", "", rng.choice(["在吗", "我的快递到哪了", "怎么退货", "这个有优惠吗"])])
        ev.append([iid, first, "agent", agent, "message", "", rng.choices(greet, [5, 4, 1])[0]])
        t2 = first + dt.timedelta(seconds=rng.randint(10, 120))
        ev.append([iid, t2, "customer", "", "message", "", rng.choice(["好的", "订单号发你了", "手机13812345678"])])
        t3 = t2 + dt.timedelta(seconds=rng.choice([20, 40, 55, 90, 150]))
        body = rng.choices(["已经为您处理好了", "已登记，您的手机138****5678会收到短信", "这个我也不知道", "请提供手机号13912345678"],
                           [12, 4, 1, 1])[0]
        ev.append([iid, t3, "agent", agent, "message", "", body])
        ev.append([iid, t3 + dt.timedelta(seconds=5), "agent", agent, "note", "false", "内部备注：客户电话 13800000000"])
        ev.append([iid, t3 + dt.timedelta(seconds=30), "agent", agent, "message", "", rng.choices(close, [5, 4, 1])[0]])
    with open(DATA / "shop_messages.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        # channel and team on each interaction's first row: the file is also a section 11 event log
        w.writerow(["interaction_id", "at", "from", "agent", "kind", "public", "text", "channel", "team"])
        seen = set()
        for e in ev:
            first = e[0] not in seen
            seen.add(e[0])
            w.writerow([e[0], e[1].strftime("%Y-%m-%d %H:%M:%S")] + e[2:] + (["chat", team_of[e[0]]] if first else ["", ""]))


if __name__ == "__main__":
    main()
