"""Issue 21.5: a right-hand side that is a recursion with shared sub-results is evaluated over F_p in linear time.

A BPTT recursion written as a user writes it, (G^h, G^c)_k = [[A, B], [C, D]] (G^h, G^c)_{k−1} (an LSTM's
(h, c) block recursion, benchmarks/user_lstm24.py), makes a DAG in which each G_{k−1} is reached from G_k by
several paths. Applied to a row vector from the left path by path, the work doubles with every step: the
24-claim LSTM's dy_t/dy_0 took 66 s at n = 8, t = 16 (0.5 s at t = 8). Each class below is written several ways
(a shared node reached through a sum, through a scaled term, through a coupled pair of recursions) at t = 40,
where path-by-path evaluation (≥ 2^40 applications) cannot finish; the true ones must hold, re-checked by the
kernel, and their false siblings must fail with a certified counterexample.
"""
from __future__ import annotations

from symderiv.kernel.random_check import PRIME_CONTENT
import signal

import pytest

from symderiv import diag, elman_rnn, eye, product, zeros
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.results import Verdict
from symderiv.sizes import sweep

N, T = 2, 40


def _claim(check):
    return Claim(id="shared.claim", where="test", statement="test", check=check, model=elman_rnn,
                 sizes=sweep(n=(N,), t=(T,), fixed=("n", "t")), conventions={"layout": "row-major"})


def J(m, k):
    return diag(m.dsigma(m.at("z", k))) * m.W


def cancel_sum(m, wrong=False):
    """g_k = J_k g_{k−1} + W g_{k−1} − W g_{k−1}: g_{k−1} reached by two products with different rows."""
    g = eye(m.n)
    for k in range(1, m.t + 1):
        f = m.W if wrong and k == m.t else J(m, k)
        g = f * g + m.W * g - m.W * g
    return g


def scaled(m, wrong=False):
    """g_k = 3 J_k g_{k−1} − 2 J_k g_{k−1} + 4 W g_{k−1} − 4 (W g_{k−1}): shared through scaled terms.

    (Integer scalings: a ½ at every step makes the F_p trial's bound on the values' denominators, which adds
    the denominators' bits at every sum, too weak at t = 40 to decide anything; that is a limit of the bound,
    not of the evaluation.)"""
    g = eye(m.n)
    for k in range(1, m.t + 1):
        f = m.W if wrong and k == m.t else J(m, k)
        g = 3 * (f * g) - 2 * (f * g) + 4 * (m.W * g) - 4 * (m.W * g)
    return g


def pair(m, wrong=False):
    """(g, e)_k = (J_k g + W e − W e, J_k g + W e): two coupled recursions, e ≠ g from step 2 on."""
    g, e = eye(m.n), zeros(m.n, m.n)
    for k in range(1, m.t + 1):
        f = m.W if wrong and k == m.t else J(m, k)
        g, e = f * g + m.W * e - m.W * e, f * g + m.W * e
    return g


def ascending(m, wrong=False):
    """g_k = g_{k−1} J_k + g_{k−1} W − g_{k−1} W: the shared node on the left of each product."""
    g = eye(m.n)
    for k in range(1, m.t + 1):
        f = m.W if wrong and k == m.t else J(m, k)
        g = g * f + g * m.W - g * m.W
    return g


FORMS = {"cancel-sum": cancel_sum, "scaled": scaled, "pair": pair, "ascending": ascending}


class _Slow(BaseException):  # not an Exception: the engine must not turn it into an error verdict
    pass


def _run(check, seconds=120):
    def alarm(*_):
        raise _Slow

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        return check_claim(_claim(check), backend="fp")
    except _Slow:
        pytest.fail(f"not decided in {seconds} s: the shared recursion is evaluated path by path")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_shared_recursion_holds_at_t40(form):
    rec = FORMS[form]
    if form == "ascending":
        check = lambda m: (product(lambda k: J(m, k), 1, m.t, order="ascending", size=m.n), rec(m))
    else:
        check = lambda m: (m.d(("h", m.t), ("h", 0)), rec(m))
    r = _run(check)
    assert r.verdict is Verdict.HOLDS, r.error
    kernel = r.sizes[0].kernel
    # re-checked over ℤ/p with its degree bounded; only the prime dividing every coefficient is not bounded
    assert kernel is not None and kernel.holds is True and kernel.trusts == () and kernel.degree


@pytest.mark.parametrize("form", sorted(FORMS))
def test_shared_recursion_slip_fails_at_t40(form):
    rec = FORMS[form]
    if form == "ascending":
        check = lambda m: (product(lambda k: J(m, k), 1, m.t, order="ascending", size=m.n), rec(m, wrong=True))
    else:
        check = lambda m: (m.d(("h", m.t), ("h", 0)), rec(m, wrong=True))
    r = _run(check)
    assert r.verdict is Verdict.FAILS, r.error
    assert r.counterexample is not None and r.certificate is not None
