"""Erlang C and A against an independent implementation (mpmath sums of the factorial
definition; scipy for the Erlang A Markov chain), and the CLI's `erlang` command."""
import json
import math
import os
import subprocess

import mpmath
import numpy as np
import pytest
import scipy.linalg

import cskpi

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
