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
