"""Erlang C and A against an independent implementation (mpmath sums of the factorial
definition; scipy for the Erlang A Markov chain), and the CLI's `erlang` command."""
import json
import math
import os
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import scipy.linalg

import cskpi

sys.path.insert(0, os.path.dirname(__file__))

CLI = os.environ.get("CSKPI_CLI", "cskpi")


def erlang_c_mp(a, n, aht, t):
    """The textbook formula with exact factorials at 60 digits."""
    mpmath.mp.dps = 60
    a = mpmath.mpf(a)
    top = a ** n / mpmath.factorial(n) * n / (n - a)
    c = top / (mpmath.fsum(a ** k / mpmath.factorial(k) for k in range(n)) + top)
    sl = 1 - c * mpmath.e ** (-(n - a) * t / aht)
    return float(c), float(sl), float(c * aht / (n - a))


@pytest.mark.parametrize("a,n", [(10, 11), (10, 14), (2.5, 3), (48, 55), (900, 1000), (4000, 4100)])
def test_erlang_c_matches_the_factorial_definition(a, n):
    c, sl, asa = erlang_c_mp(a, n, 240, 15)
    got = cskpi.erlang_c(a, n, 240, 15)
    assert got["p_wait"] == pytest.approx(c, rel=1e-10)
    assert got["service_level"] == pytest.approx(sl, rel=1e-10)
    assert got["asa_s"] == pytest.approx(asa, rel=1e-10)
    assert got["occupancy"] == pytest.approx(a / n)


def erlang_a_chain(a, n, aht, t, patience):
    """M/M/N+M by linear algebra: the stationary law of the truncated chain from its
    generator (numpy), the tagged caller's chain with absorbing 'answered' and 'hung up'
    states exponentiated at t (scipy)."""
    lam, mu, th = a / aht, 1 / aht, 1 / patience
    size = n + 400
    q = np.zeros((size, size))
    for k in range(size):
        if k + 1 < size:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, n) * mu + max(k - n, 0) * th
        q[k, k] = -q[k].sum()
    m = np.vstack([q.T, np.ones(size)])
    pi = np.linalg.lstsq(m, np.r_[np.zeros(size), 1.0], rcond=None)[0]
    waiting = pi[n:]
    j_max = len(waiting)
    # states 0..j_max-1 = callers ahead; j_max = answered; j_max+1 = hung up
    g = np.zeros((j_max + 2, j_max + 2))
    for i in range(j_max):
        up = n * mu + i * th
        g[i, i - 1 if i > 0 else j_max] = up
        g[i, j_max + 1] += th
        g[i, i] = -(up + th)
    p_t = scipy.linalg.expm(g * t)
    p_inf = scipy.linalg.expm(g * 1e6)
    answered_by_t = waiting @ p_t[:j_max, j_max]
    answered = waiting @ p_inf[:j_max, j_max]
    return {
        "p_wait": waiting.sum(),
        "p_abandon": waiting.sum() - answered,
        "service_level": pi[:n].sum() + answered_by_t,
    }


@pytest.mark.parametrize("a,n,patience", [(10, 11, 120), (12, 10, 120), (5, 4, 30), (20, 22, 600)])
def test_erlang_a_matches_the_markov_chain(a, n, patience):
    ref = erlang_a_chain(a, n, 180, 20, patience)
    got = cskpi.erlang_a(a, n, 180, 20, patience)
    for k in ("p_wait", "p_abandon", "service_level"):
        assert got[k] == pytest.approx(ref[k], rel=1e-6, abs=1e-9), k
    assert got["occupancy"] == pytest.approx(a * (1 - ref["p_abandon"]) / n, rel=1e-6)


def test_required_agents_and_errors():
    r = cskpi.required_agents(10, 180, 0.8, 20, max_occupancy=0.85, shrinkage=0.3)
    assert (r["agents"], r["scheduled"]) == (14, 20)
    # one fewer agent misses the target (independently: mpmath)
    assert erlang_c_mp(10, 13, 180, 20)[1] < 0.8 <= erlang_c_mp(10, 14, 180, 20)[1]
    with pytest.raises(ValueError, match="aht_s"):
        cskpi.erlang_c(10, 11, 0, 20)
    with pytest.raises(ValueError, match="service_level"):
        cskpi.required_agents(10, 180, 1.5, 20)
    with pytest.raises(ValueError, match="traffic"):
        cskpi.erlang_a(-2, 11, 180, 20, 60)


def test_cli_erlang_command():
    out = subprocess.run([CLI, "erlang", "--traffic", "10", "--aht", "180", "--agents", "14", "--within", "20",
                          "--target", "0.8", "--max-occupancy", "0.85", "--shrinkage", "0.3", "--format", "json"],
                         capture_output=True, text=True, check=True)
    j = json.loads(out.stdout)
    c, sl, asa = erlang_c_mp(10, 14, 180, 20)
    assert j["figures"]["service_level"] == pytest.approx(sl, rel=1e-10)
    assert j["figures"]["asa_s"] == pytest.approx(asa, rel=1e-10)
    assert (j["required"]["agents"], j["required"]["scheduled"]) == (14, 20)
    table = subprocess.run([CLI, "erlang", "--traffic", "10", "--aht", "180", "--agents", "11", "--format", "table"],
                           capture_output=True, text=True, check=True).stdout
    assert "11 agents" in table and "68.2" in table
    bad = subprocess.run([CLI, "erlang", "--traffic", "10", "--aht", "0", "--agents", "11"], capture_output=True, text=True)
    assert bad.returncode == 2 and "aht_s" in bad.stderr
    none = subprocess.run([CLI, "erlang", "--traffic", "10", "--aht", "180"], capture_output=True, text=True)
    assert none.returncode == 2 and "--agents" in none.stderr


# A hand-made log: one Monday half hour on the phone, 2026-03-02 09:00-09:30 (UTC). Target 20 s,
# short abandons within 5 s. Offered 6, answered 3 (2 within 20 s), abandoned 3 (1 short).
def _hand_log():
    import pandas as pd

    t0 = pd.Timestamp("2026-03-02 09:00:00")
    rows = [
        dict(id="a", created_at=t0, channel="phone", first_response_s=10, handle_s=200),
        dict(id="b", created_at=t0 + pd.Timedelta(minutes=5), channel="phone", first_response_s=30, handle_s=160),
        dict(id="c", created_at=t0 + pd.Timedelta(minutes=6), channel="phone", abandoned=True, wait_s=3),
        dict(id="d", created_at=t0 + pd.Timedelta(minutes=7), channel="phone", abandoned=True,
             abandoned_at=t0 + pd.Timedelta(minutes=8)),
        dict(id="e", created_at=t0 + pd.Timedelta(minutes=20), channel="phone", first_response_s=20, handle_s=180),
        dict(id="f", created_at=t0 + pd.Timedelta(minutes=29), channel="phone", abandoned=True),
        # the next Tuesday: the data span covers two Mondays, the second without phone contacts at 09:00
        dict(id="g", created_at=pd.Timestamp("2026-03-10 14:10:00"), channel="chat", first_response_s=5, handle_s=300),
    ]
    df = pd.DataFrame(rows)
    df["abandoned"] = df["abandoned"].fillna(False).astype(bool)
    return df


def test_realised_service_level_variants_by_hand():
    got = cskpi.report(_hand_log(), by=["channel"], config={"staffing": {"within_s": 20, "short_abandon_s": 5}})
    phone = got.set_index("channel").loc["phone"]
    want = {"service_level": (2, 6), "service_level_of_answered": (2, 3), "service_level_excl_abandoned": (2, 3),
            "service_level_excl_short_abandoned": (2, 5), "service_level_short_abandoned_met": (3, 6)}
    for name, (num, den) in want.items():
        assert (phone[name + "_num"], phone[name + "_den"]) == (num, den), name
        assert phone[name] == pytest.approx(num / den)


def test_staffing_history_forecast_and_plan():
    cfg = {"staffing": {"interval": "30m", "service_level": 0.8, "within_s": 20, "weeks": 2, "shrinkage": 0.3}}
    out = cskpi.staffing_json(_hand_log(), cfg, plan=("2026-03-16", "2026-03-17"))
    hist = {(r["channel"], r["date"], r["time"]): r for r in out["history"]}
    h = hist[("phone", "2026-03-02", "09:00")]
    assert h["arrivals"] == 6 and h["weekday"] == 1
    assert h["aht_s"] == pytest.approx((200 + 160 + 180) / 3)
    assert h["traffic"] == pytest.approx(6 * 180 / 1800)
    # required agents by an independent search over the mpmath Erlang C
    def required(a, aht):
        n = math.floor(a) + 1
        while erlang_c_mp(a, n, aht, 20)[1] < 0.8:
            n += 1
        return n
    assert h["agents"] == required(0.6, 180)
    assert h["scheduled"] == math.ceil(h["agents"] / 0.7)
    assert h["service_level"] == pytest.approx(2 / 6)
    # Forecast for Monday 09:00: two Mondays in the data (03-02 and 03-09), the second with none.
    fc = {(r["channel"], r["weekday"], r["time"]): r for r in out["forecast"]}
    f = fc[("phone", 1, "09:00")]
    assert f["weeks"] == 2 and f["arrivals"] == pytest.approx(3.0)
    assert f["agents"] == required(3 * 180 / 1800, 180)
    # The plan repeats the forecast on the planned dates' weekdays.
    plan = {(r["date"], r["channel"], r["time"]) for r in out["plan"]}
    assert ("2026-03-16", "phone", "09:00") in plan and ("2026-03-17", "chat", "14:00") in plan
    assert all(r["date"] in ("2026-03-16", "2026-03-17") for r in out["plan"])
    assert out["last_week"]["chat"]["service_level"]["value"] == 1.0  # 03-04..03-10: only the chat
    df = cskpi.staffing(_hand_log(), cfg, plan=("2026-03-16", "2026-03-22"))
    assert set(df["date"]) == {"2026-03-16", "2026-03-17"}


def test_staffing_cli_on_the_sample(tmp_path):
    sample = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "data", "shop_interactions.csv")
    config = os.path.join(os.path.dirname(sample), "shop_config.json")
    out = subprocess.run([CLI, "staffing", sample, "--config", config, "--target", "0.8/20s", "--format", "json"],
                         capture_output=True, text=True, check=True)
    j = json.loads(out.stdout)
    import pandas as pd
    import spec_reference as ref  # the independent reading of section 1 (pandas)

    cfg = ref.effective_config(json.load(open(config)))
    rows, _ = ref.validate(pd.read_csv(sample, dtype=str, keep_default_na=False), cfg)
    d = pd.DataFrame(rows)
    t = pd.to_datetime(d["created"] * 1000, utc=True).dt.tz_convert(cfg["timezone"])
    counts = d.groupby([d["channel"], t.dt.strftime("%Y-%m-%dT%H:") + (t.dt.minute // 30 * 30).map("{:02d}".format)]).size()
    got = {(r["channel"], r["date"] + "T" + r["time"]): r["arrivals"] for r in j["history"]}
    assert got == {k: v for k, v in counts.items()}
    bad = subprocess.run([CLI, "staffing", sample, "--target", "80"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--target" in bad.stderr
    bad = subprocess.run([CLI, "staffing", sample, "--plan", "2026-04-31,2026-05-02"], capture_output=True, text=True)
    assert bad.returncode == 2 and "not a date (YYYY-MM-DD): '2026-04-31'" in bad.stderr
    table = subprocess.run([CLI, "staffing", sample, "--config", config, "--format", "table"], capture_output=True, text=True, check=True).stdout
    assert "Scheduled agents by interval and weekday" in table


# Erlang A against the closed forms Mandelbaum and Zeltyn published with the model ("The
# Palm/Erlang-A Queue, with Applications to Call Centers", Technion, 2005, sections 4.4-4.5):
# with E = Erlang B(N, A) and the incomplete-gamma function
#   A(x, y) = x e^y / y^x * gamma(x, y),  gamma(x, y) = integral_0^y t^(x-1) e^-t dt,
#   P{W>0} = E A(Nmu/theta, lambda/theta) / (1 + (A(Nmu/theta, lambda/theta) - 1) E),
#   P{Ab | W>0} = 1 / (rho A(Nmu/theta, lambda/theta)) + 1 - 1/rho,  rho = lambda / (N mu).
# Evaluated in log space with scipy, independently of the birth-death chain cskpi walks.
def erlang_a_published(a, n, aht, patience):
    from scipy.special import gammainc, gammaln

    lam, mu, th = a / aht, 1 / aht, 1 / patience
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    x, y = n * mu / th, lam / th
    big_a = math.exp(math.log(x) + y - x * math.log(y) + gammaln(x)) * gammainc(x, y)
    p_wait = b * big_a / (1 + (big_a - 1) * b)
    rho = lam / (n * mu)
    return p_wait, (1 / (rho * big_a) + 1 - 1 / rho) * p_wait


@pytest.mark.parametrize("a,n,patience", [(10, 11, 120), (12, 10, 120), (5, 4, 30), (20, 22, 600), (48, 50, 90),
                                          (900, 1000, 180), (950, 900, 60)])
def test_erlang_a_matches_the_published_closed_forms(a, n, patience):
    p_wait, p_abandon = erlang_a_published(a, n, 180, patience)
    got = cskpi.erlang_a(a, n, 180, 20, patience)
    assert got["p_wait"] == pytest.approx(p_wait, rel=1e-8)
    assert got["p_abandon"] == pytest.approx(p_abandon, rel=1e-8)


def _two_channel_log():
    """Monday 2026-03-02 09:00-09:30 UTC: phone and e-mail with different answer times."""
    import pandas as pd

    t0 = pd.Timestamp("2026-03-02 09:00:00")
    rows = [dict(id=f"p{i}", created_at=t0 + pd.Timedelta(minutes=i), channel="phone", first_response_s=s, handle_s=240)
            for i, s in enumerate([5, 15, 25, 40])]
    rows += [dict(id="pa", created_at=t0 + pd.Timedelta(minutes=9), channel="phone", abandoned=True, wait_s=8)]
    rows += [dict(id=f"e{i}", created_at=t0 + pd.Timedelta(minutes=2 * i), channel="email", first_response_s=s, handle_s=600)
             for i, s in enumerate([600, 1800, 3500, 7200, 20])]
    rows += [dict(id="ea", created_at=t0 + pd.Timedelta(minutes=20), channel="email", abandoned=True, wait_s=8)]
    df = pd.DataFrame(rows)
    df["abandoned"] = df["abandoned"].fillna(False).astype(bool)
    return df


def test_per_channel_targets():
    cfg = {"staffing": {"service_level": 0.8, "within_s": 20, "short_abandon_s": 5, "shrinkage": 0.3,
                        "channels": {"email": {"service_level": 0.9, "within_s": 3600, "shrinkage": 0.4},
                                     "phone": {"short_abandon_s": 10}}}}
    got = cskpi.report(_two_channel_log(), by=["channel"], config=cfg).set_index("channel")
    # phone: within 20 s = 5, 15 (2 of 5 offered); the 8 s abandon is short under phone's 10 s
    assert (got.loc["phone", "service_level_num"], got.loc["phone", "service_level_den"]) == (2, 5)
    assert got.loc["phone", "service_level_short_abandoned_met_num"] == 3
    # email: within 3600 s = 600, 1800, 3500, 20 (4 of 6); its 8 s abandon is not short (5 s)
    assert (got.loc["email", "service_level_num"], got.loc["email", "service_level_den"]) == (4, 6)
    assert got.loc["email", "service_level_excl_short_abandoned_den"] == 6
    out = cskpi.staffing_json(_two_channel_log(), cfg)
    assert out["channels"]["email"]["within_s"] == 3600 and out["channels"]["email"]["service_level"] == 0.9
    assert out["channels"]["phone"]["within_s"] == 20 and out["channels"]["phone"]["shrinkage"] == 0.3
    hist = {r["channel"]: r for r in out["history"]}

    def required(a, aht, target, within):
        n = math.floor(a) + 1
        while erlang_c_mp(a, n, aht, within)[1] < target:
            n += 1
        return n

    e = hist["email"]
    assert (e["target"], e["within_s"]) == (0.9, 3600)
    assert e["agents"] == required(6 * 600 / 1800, 600, 0.9, 3600)  # the abandon counts as an arrival
    assert e["scheduled"] == math.ceil(e["agents"] / 0.6)
    p = hist["phone"]
    assert p["agents"] == required(5 * 240 / 1800, 240, 0.8, 20) and p["scheduled"] == math.ceil(p["agents"] / 0.7)
    with pytest.raises(ValueError, match=r"staffing\.channels\.email\.within"):
        cskpi.report(_two_channel_log(), config={"staffing": {"channels": {"email": {"within": 60}}}})
    with pytest.raises(ValueError, match=r"staffing\.channels\.email\.service_level"):
        cskpi.report(_two_channel_log(), config={"staffing": {"channels": {"email": {"service_level": 1.5}}}})


def _chat_log(seed=7, n=400, agents=6):
    import pandas as pd

    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2026-03-02 08:00:00")
    start = np.sort(rng.uniform(0, 10 * 3600, n))
    return pd.DataFrame({
        "id": [f"c{i}" for i in range(n)],
        "created_at": t0 + pd.to_timedelta(start, unit="s"),
        "channel": np.where(rng.random(n) < 0.8, "chat", "phone"),
        "agent": rng.choice([f"a{i}" for i in range(agents)], n),
        "first_response_s": rng.integers(1, 90, n),
        "handle_s": rng.integers(30, 900, n),
    })


def inflation_by_brute_force(df, channel):
    """Every pair of the agent's rows compared: a row is parallel when its span
    [created + first response, + handle] overlaps another's."""
    d = df[df["channel"] == channel]
    start = (d["created_at"] - d["created_at"].min()).dt.total_seconds().to_numpy() + d["first_response_s"].to_numpy()
    end = start + d["handle_s"].to_numpy()
    agent = d["agent"].to_numpy()
    parallel = np.zeros(len(d), bool)
    for i in range(len(d)):
        other = (agent == agent[i]) & (np.arange(len(d)) != i)
        parallel[i] = np.any(other & (start < end[i]) & (start[i] < end))
    h = d["handle_s"].to_numpy().astype(float)
    return h[parallel].mean() / h.mean(), parallel.sum(), h[parallel].mean(), h[~parallel].mean()


def test_measured_concurrency_inflation():
    df = _chat_log()
    factor, n_par, aht_par, aht_alone = inflation_by_brute_force(df, "chat")
    assert 0 < n_par < (df["channel"] == "chat").sum()  # the data has both kinds
    cfg = {"staffing": {"concurrency": {"chat": 3}, "service_level": 0.8, "within_s": 30}}
    out = cskpi.staffing_json(df, cfg)
    m = out["channels"]["chat"]["concurrency"]
    assert m["source"] == "measured" and m["rows_parallel"] == n_par and m["rows"] == (df["channel"] == "chat").sum()
    assert m["factor"] == pytest.approx(factor, rel=1e-12)
    assert m["aht_parallel_s"] == pytest.approx(aht_par) and m["aht_alone_s"] == pytest.approx(aht_alone)
    assert m["parallel_over_alone"] == pytest.approx(aht_par / aht_alone)
    assert "concurrency" not in out["channels"]["phone"]
    # a slot: k servers per agent, each at the slot's AHT times the factor
    s = next(r for r in out["history"] if r["channel"] == "chat" and r["arrivals"] >= 10)
    aht = s["aht_s"] * factor
    assert s["traffic"] == pytest.approx(s["arrivals"] * aht / 1800)
    n = math.floor(s["traffic"]) + 1
    while erlang_c_mp(s["traffic"], n, aht, 30)[1] < 0.8:
        n += 1
    assert s["agents"] == math.ceil(n / 3)
    # configured: no measuring; one agent never overlapping: nothing to measure, factor 1
    conf = cskpi.staffing_json(df, {"staffing": {"concurrency": {"chat": 3}, "concurrency_inflation": 1.25}})
    assert conf["channels"]["chat"]["concurrency"]["source"] == "configured"
    assert conf["channels"]["chat"]["concurrency"]["factor"] == 1.25 and conf["channels"]["chat"]["concurrency"]["rows"] == 0
    solo = df[df["channel"] == "chat"].head(3).copy()
    solo["agent"] = "a0"
    solo["created_at"] = solo["created_at"].iloc[0] + np.array([0, 2000, 4000], dtype="timedelta64[s]")
    d = cskpi.staffing_json(solo, cfg)["channels"]["chat"]["concurrency"]
    assert (d["source"], d["factor"], d["rows_parallel"]) == ("default", 1, 0)


def test_staffing_csv_and_table_agree_with_json(tmp_path):
    sample = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "data", "shop_interactions.csv")
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(json.dumps({"timezone": "Asia/Shanghai",
                                    "staffing": {"shrinkage": 0.3, "concurrency": {"chat": 2},
                                                 "channels": {"email": {"within_s": 14400, "service_level": 0.9}}}}))
    args = [CLI, "staffing", sample, "--config", str(cfg_path), "--plan", "2026-04-06,2026-04-12"]
    j = json.loads(subprocess.run(args + ["--format", "json"], capture_output=True, text=True, check=True).stdout)
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(subprocess.run(args + ["--format", "csv"], capture_output=True, text=True,
                                                          check=True).stdout)))
    assert len(rows) == len(j["plan"]) > 0
    for r, want in zip(rows, j["plan"]):
        assert (r["channel"], r["date"], r["time"]) == (want["channel"], want["date"], want["time"])
        assert float(r["arrivals"]) == pytest.approx(want["arrivals"])
        assert r["scheduled"] == ("" if want["scheduled"] is None else str(want["scheduled"]))
        assert float(r["within_s"]) == want["within_s"]
    assert {r["within_s"] for r in rows if r["channel"] == "email"} == {"14400"}
    table = subprocess.run(args + ["--format", "table"], capture_output=True, text=True, check=True).stdout
    # the heat map: per interval and weekday, the forecast's scheduled agents summed over channels
    heat = {}
    for f in j["forecast"]:
        if f["scheduled"] is not None:
            heat[(f["time"], f["weekday"])] = heat.get((f["time"], f["weekday"]), 0) + f["scheduled"]
    grid = table[table.index("Scheduled agents by interval and weekday"):].splitlines()[2:]
    cells = {}
    for line in grid:
        parts = [p.strip() for p in line.strip().strip("|").split("|")] if "|" in line else line.split()
        if len(parts) == 8 and parts[0][:2].isdigit():
            for wd, v in enumerate(parts[1:], start=1):
                if v not in (".", ""):
                    cells[(parts[0], wd)] = int(v)
    assert cells == heat and cells
    settings = table[table.index("Settings per channel"):table.index("Scheduled agents")]
    assert "14400 s" in next(line for line in settings.splitlines() if line.startswith("email"))
    assert "(measured)" in next(line for line in settings.splitlines() if line.startswith("chat"))
