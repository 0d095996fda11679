"""Pre-sales attribution from an orders table (`cskpi presale`, docs/PRESALE.md): a hand-worked
case, a pandas reimplementation of the crediting rules on random logs and orders, the window
variants, and the orders' validation."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

cskpi = pytest.importorskip("cskpi")

ROOT = Path(__file__).parents[2]
CLI = os.environ.get("CSKPI_CLI", str(ROOT / "build" / "cskpi"))

# Three buyers ask about a product on 1 March; U3 only asks about an order.
HAND_INTERACTIONS = """id,created_at,channel,agent,customer,category
I1,2026-03-01 09:00:00,chat,amy,U1,presale
I2,2026-03-01 15:00:00,chat,bob,U1,presale
I3,2026-03-01 10:00:00,chat,amy,U2,presale
I4,2026-03-01 11:00:00,chat,bob,U3,order
I5,2026-03-02 09:00:00,chat,amy,U4,presale
"""
# U1 pays after asking bob (bob's last inquiry before paying wins), U2 orders but pays 4 days
# later (outside 72 h), U4 pays twice, one refunded, U9 never wrote.
HAND_ORDERS = """order_id,customer,ordered_at,paid_at,order_value,status,quantity
O1,U1,2026-03-01 16:00:00,2026-03-01 16:05:00,100,paid,2
O2,U2,2026-03-01 12:00:00,2026-03-05 12:00:00,50,paid,1
O3,U4,2026-03-02 10:00:00,2026-03-02 10:01:00,30,paid,1
O4,U4,2026-03-03 10:00:00,2026-03-03 10:01:00,20,refunded,3
O5,U9,2026-03-02 10:00:00,2026-03-02 10:00:00,70,paid,1
O6,U3,2026-03-01 12:00:00,2026-03-01 12:00:00,40,paid,1
"""


def run(args, **kw):
    r = subprocess.run([CLI, *args], capture_output=True, text=True, **kw)
    return r


def hand_files(tmp_path):
    ip, op = tmp_path / "i.csv", tmp_path / "o.csv"
    ip.write_text(HAND_INTERACTIONS, encoding="utf-8")
    op.write_text(HAND_ORDERS, encoding="utf-8")
    return ip, op


def test_hand_worked_by_agent(tmp_path):
    ip, op = hand_files(tmp_path)
    r = run(["presale", str(ip), "--orders", str(op), "--by", "agent", "--format", "json"])
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    g = {x["agent"]: x for x in doc["groups"]}
    # amy: inquiries of U1, U2, U4 -> 3 buyers; U2 ordered within 72 h (O2 at 12:00 after I3 at
    # 10:00) but paid too late; U4 paid O3 and O4 (O4 refunded).
    assert (g["amy"]["inquiry_buyers"], g["amy"]["ordering_buyers"], g["amy"]["paying_buyers"]) == (3, 2, 1)
    assert (g["amy"]["orders"], g["amy"]["paid_orders"], g["amy"]["sales_total"]) == (3, 2, 50)
    assert g["amy"]["avg_order_value"] == 50  # per paying buyer
    assert g["amy"]["items_per_order"] == 2  # (1 + 3) / 2
    assert (g["amy"]["refunded_orders"], g["amy"]["refund_value"], g["amy"]["refund_rate"]) == (1, 20, 0.5)
    lo, hi = proportion_confint(1, 3, alpha=0.05, method="wilson")
    assert g["amy"]["inquiry_conversion_rate"] == pytest.approx(1 / 3)
    assert (g["amy"]["ci_low"], g["amy"]["ci_high"]) == (pytest.approx(lo, abs=1e-12), pytest.approx(hi, abs=1e-12))
    # bob: U1's later inquiry gets O1; U1 also counts as amy's inquiry buyer, not her payer.
    assert (g["bob"]["inquiry_buyers"], g["bob"]["paying_buyers"], g["bob"]["sales_total"]) == (1, 1, 100)
    assert doc["overall"]["inquiry_buyers"] == 3  # U1, U2, U4: once each over the run
    assert doc["overall"]["paying_buyers"] == 2
    assert doc["overall"]["sales_total"] == 150
    o = doc["orders"]
    assert (o["rows_read"], o["rows_accepted"], o["paid"]) == (6, 6, 6)
    # O2 (too late), O5 (U9 never wrote), O6 (U3 asked about an order, not an inquiry)
    assert (o["paid_unattributed"], o["sales_unattributed"]) == (3, 160)
    assert o["buyers_without_interactions"] == 1
    assert doc["inquiry_rows"] == 4


def test_same_and_next_day_windows(tmp_path):
    ip, op = hand_files(tmp_path)
    cfg = tmp_path / "c.json"
    out = {}
    for rule in ("same_day", "next_day"):
        cfg.write_text(json.dumps({"presale": {"window": rule}}), encoding="utf-8")
        r = run(["presale", str(ip), "--orders", str(op), "--config", str(cfg), "--format", "json"])
        assert r.returncode == 0, r.stderr
        out[rule] = json.loads(r.stdout)
    # same day: O1 (U1), O3 (U4 on 2 March); O4 is the next day. next day adds O4.
    assert out["same_day"]["overall"]["paid_orders"] == 2
    assert out["next_day"]["overall"]["paid_orders"] == 3
    assert out["same_day"]["window"] == {"rule": "same_day"}


def test_all_interactions_are_inquiries_when_asked(tmp_path):
    ip, op = hand_files(tmp_path)
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"presale": {"inquiries": "all"}}), encoding="utf-8")
    doc = json.loads(run(["presale", str(ip), "--orders", str(op), "--config", str(cfg), "--format", "json"],
                         check=True).stdout)
    assert doc["overall"]["inquiry_buyers"] == 4
    assert doc["overall"]["paying_buyers"] == 3  # U3's O6 now counts


def random_data(seed, n=1500, m=1200):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-03-01")
    created = start + pd.to_timedelta(rng.integers(0, 20 * 86400, n), unit="s")
    customers = np.array([f"U{c:03d}" for c in rng.integers(0, 300, n)], dtype=object)
    customers[rng.random(n) < 0.03] = ""
    agents = np.array([f"A{a}" for a in rng.integers(0, 6, n)], dtype=object)
    agents[rng.random(n) < 0.02] = ""
    inter = pd.DataFrame({
        "id": [f"I{i:05d}" for i in range(n)], "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
        "channel": "chat", "agent": agents, "customer": customers,
        "category": rng.choice(["presale", "order", "logistics"], n, p=[0.6, 0.3, 0.1])})
    ordered = start + pd.to_timedelta(rng.integers(0, 24 * 86400, m), unit="s")
    delay = pd.to_timedelta(rng.integers(0, 6 * 3600, m), unit="s")
    paid = (ordered + delay).strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object)
    paid[rng.random(m) < 0.2] = ""
    orders = pd.DataFrame({
        "order_id": [f"O{i:05d}" for i in range(m)],
        "customer": [f"U{c:03d}" for c in rng.integers(0, 330, m)],
        "ordered_at": ordered.strftime("%Y-%m-%d %H:%M:%S"), "paid_at": paid,
        "order_value": rng.exponential(80, m).round(2),
        "status": rng.choice(["paid", "refunded"], m, p=[0.9, 0.1]),
        "quantity": rng.integers(1, 5, m)})
    return inter, orders


def credit(inq, customer, t, window):
    """The customer's last inquiry at or before t, if t is within `window` of it (pandas)."""
    c = inq[(inq["customer"] == customer) & (inq["t"] <= t)]
    if c.empty:
        return None
    last = c.iloc[-1]  # inq is sorted by (t, file order)
    return last if window(last["t"], t) else None


def expected(inter, orders, window):
    inq = inter[(inter["category"] == "presale") & (inter["customer"] != "")].copy()
    inq["t"] = pd.to_datetime(inq["created_at"])
    inq["day"] = inq["t"].dt.strftime("%Y-%m-%d")
    inq = inq.reset_index().sort_values(["t", "index"], kind="stable")
    groups = {}

    def cell(key):
        return groups.setdefault(key, {"ask": set(), "ord": set(), "pay": set(), "orders": 0, "paid": 0, "sales": 0.0,
                                       "items": 0, "refunded": 0, "refund_value": 0.0})

    for key, part in inq.groupby(["agent", "day"]):
        cell(key)["ask"] = set(part["customer"])
    pay_all, ask_all = set(), set(zip(inq["day"], inq["customer"]))
    for _, o in orders.iterrows():
        q = credit(inq, o["customer"], pd.Timestamp(o["ordered_at"]), window)
        if q is not None:
            c = cell((q["agent"], q["day"]))
            c["orders"] += 1
            c["ord"].add(o["customer"])
        if o["paid_at"] == "":
            continue
        q = credit(inq, o["customer"], pd.Timestamp(o["paid_at"]), window)
        if q is None:
            continue
        c = cell((q["agent"], q["day"]))
        c["paid"] += 1
        c["sales"] += o["order_value"]
        c["items"] += o["quantity"]
        c["refunded"] += o["status"] == "refunded"
        c["refund_value"] += o["order_value"] if o["status"] == "refunded" else 0
        c["pay"].add(o["customer"])
        pay_all.add((q["day"], o["customer"]))
    return groups, ask_all, pay_all


def hours(h):
    return lambda q, t: t - q <= pd.Timedelta(hours=h)


@pytest.mark.parametrize("seed", [3, 4])
def test_random_logs_match_pandas(tmp_path, seed):
    inter, orders = random_data(seed)
    ip, op, cp = tmp_path / "i.csv", tmp_path / "o.csv", tmp_path / "c.json"
    inter.to_csv(ip, index=False)
    orders.to_csv(op, index=False)
    cp.write_text(json.dumps({"presale": {"window_h": 24}}), encoding="utf-8")
    r = run(["presale", str(ip), "--orders", str(op), "--by", "agent,day", "--config", str(cp), "--format", "json"])
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    groups, ask_all, pay_all = expected(inter, orders, hours(24))
    got = {(g["agent"] or "", g["day"]): g for g in doc["groups"]}
    assert set(got) == set(groups)
    for key, c in groups.items():
        g = got[key]
        assert (g["inquiry_buyers"], g["ordering_buyers"], g["paying_buyers"]) == (len(c["ask"]), len(c["ord"]), len(c["pay"])), key
        assert (g["orders"], g["paid_orders"], g["refunded_orders"]) == (c["orders"], c["paid"], c["refunded"]), key
        assert g["sales_total"] == pytest.approx(c["sales"], abs=1e-6)
        assert g["refund_value"] == pytest.approx(c["refund_value"], abs=1e-6)
        if c["paid"]:
            assert g["items_per_order"] == pytest.approx(c["items"] / c["paid"])
            assert g["avg_order_value"] == pytest.approx(c["sales"] / len(c["pay"]))
        else:
            assert g["items_per_order"] is None and g["avg_order_value"] is None
    assert doc["overall"]["inquiry_buyers"] == len(ask_all)
    assert doc["overall"]["paying_buyers"] == len(pay_all)
    assert doc["overall"]["paid_orders"] == sum(c["paid"] for c in groups.values())
    seen = set(inter["customer"]) - {""}
    assert doc["orders"]["buyers_without_interactions"] == len(set(orders["customer"]) - seen)
    assert doc["inquiries_without_customer"] == int(((inter["category"] == "presale") & (inter["customer"] == "")).sum())
    # the same from Python, with the DataFrame in memory; missing agents are <NA>
    df = cskpi.presale(inter, op, by=["agent", "day"], config={"presale": {"window_h": 24}})
    assert len(df) == len(groups)
    assert int(df["paying_buyers"].sum()) == sum(len(c["pay"]) for c in groups.values())
    assert df.attrs["overall"]["inquiry_buyers"] == len(ask_all)
    # CSV carries the same rows
    r = run(["presale", str(ip), "--orders", str(op), "--by", "agent,day", "--config", str(cp), "--format", "csv"])
    csv = pd.read_csv(pd.io.common.StringIO(r.stdout), keep_default_na=False)
    assert list(csv.columns[:3]) == ["agent", "day", "inquiry_buyers"] and len(csv) == len(groups)


def test_bad_orders_are_listed(tmp_path):
    ip, _ = hand_files(tmp_path)
    op = tmp_path / "bad.csv"
    op.write_text("order_id,customer,ordered_at,paid_at,order_value,quantity\n"
                  "O1,U1,2026-03-01 16:00:00,2026-03-01 16:05:00,100,1\n"
                  "O1,U2,2026-03-01 16:00:00,2026-03-01 16:05:00,100,1\n"
                  "O2,U1,2026-03-01 16:00:00,2026-03-01 15:00:00,100,1\n"
                  "O3,U1,2026-03-01 16:00:00,soon,100,1\n"
                  "O4,U1,2026-03-01 16:00:00,,100,0\n", encoding="utf-8")
    r = run(["presale", str(ip), "--orders", str(op), "--format", "json"])
    assert r.returncode == 0, r.stderr
    assert "4 of 5 order rows of" in r.stderr
    rej = json.loads(r.stdout)["orders"]["rejects"]
    assert [(x["line"], x["column"]) for x in rej] == [(3, "order_id"), (4, "paid_at"), (5, "paid_at"), (6, "quantity")]
    assert "first at line 2" in rej[0]["reason"]
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"strict": True}), encoding="utf-8")
    r = run(["presale", str(ip), "--orders", str(op), "--config", str(cfg)])
    assert r.returncode == 3 and ":3" in r.stderr and "order_id" in r.stderr, r.stderr
    for bad, key in [({"presale": {"window_h": 0}}, "presale.window_h"), ({"presale": {"window": "week"}}, "presale.window"),
                     ({"presale": {"windows": 3}}, "presale.windows"), ({"presale": {"inquiries": "some"}}, "presale.inquiries")]:
        cfg.write_text(json.dumps(bad), encoding="utf-8")
        r = run(["presale", str(ip), "--orders", str(op), "--config", str(cfg)])
        assert r.returncode == 2 and key in r.stderr, (bad, r.stderr)
    r = run(["presale", str(ip), "--orders", str(op), "--by", "agnet"])
    assert r.returncode == 2 and "agent" in r.stderr
