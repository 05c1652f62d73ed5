"""The prove phase's faster paths (issue 11): each still finds only what the kernel accepts, and rejects the rest.

* the SOS search's SDP built directly for Clarabel (no cvxpy),
* the kernel's identity check in python-flint arithmetic (same checks, as strict),
* the solvers' sentence without the high-degree lemma instances (a consequence left out changes no answer),
* cvc5 by cylindrical algebraic coverings alone (still both answers).
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import sympy as sp

from symderiv.kernel.sos import Certificate, check
from symderiv.prove import for_solvers, solvers
from symderiv.prove.sos import _certify

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
NO_LEMMAS = SimpleNamespace(used=[], eq_index={})


# ----- the direct Clarabel builder ------------------------------------------------------

@pytest.mark.parametrize("P", [
    x ** 2 - 2 * x * y + 2 * y ** 2,           # (x − y)² + y²
    x ** 2 + x + 1,                            # (x + 1/2)² + 3/4
    4 * x ** 2 + 12 * x * y + 9 * y ** 2 + 1,  # (2x + 3y)² + 1: the rounded Gram matrix needs the residual folded
])
def test_the_direct_sdp_finds_a_gram_certificate_the_kernel_accepts(P):
    cert = _certify(sp.expand(P), (), (), NO_LEMMAS)
    assert cert is not None and cert.gram[0], "an SOS polynomial of degree 2 gets a Gram certificate"
    ok, why = check(cert)
    assert ok, why
    assert sp.expand(cert.goal - P) == 0


@pytest.mark.parametrize("P", [
    x ** 2 - 3 * x * y + y ** 2,                            # indefinite: negative at x = y = 1
    -x ** 2,
    x ** 4 * y ** 2 + x ** 2 * y ** 4 - 3 * x ** 2 * y ** 2 + 1,   # Motzkin: ≥ 0 everywhere, not a sum of squares
])
def test_the_direct_sdp_finds_nothing_for_a_polynomial_that_is_not_sos(P):
    assert _certify(sp.expand(P), (), (), NO_LEMMAS) is None


def test_the_direct_lp_uses_the_hypotheses_with_nonnegative_coefficients():
    # 2 − 2x ≥ 0 from 1 − x ≥ 0: 2·(1 − x); and 2x + 1 ≥ 0 from x ≥ 0: 2·x + 1
    for P, g in ((2 - 2 * x, 1 - x), (2 * x + 1, x)):
        cert = _certify(P, (g,), (), NO_LEMMAS)
        assert cert is not None and check(cert)[0]
        assert cert.products and all(c >= 0 for c, _, _ in cert.products)
    cert = _certify(2 - 2 * x, (1 - x,), (), NO_LEMMAS)
    assert cert is not None and check(cert)[0]
    assert all(c >= 0 for c, _, _ in cert.products)
    # x − 1 ≥ 0 does not follow from 1 − x ≥ 0: nothing found
    assert _certify(x - 1, (1 - x,), (), NO_LEMMAS) is None


def test_the_direct_lp_uses_the_equalities_with_any_sign():
    # x − 2 ≥ 0 from x − 2 = 0 (the multiplier is +1) and 2 − x ≥ 0 from it too (−1)
    for P in (x - 2, 2 - x):
        cert = _certify(P, (), (x - 2,), NO_LEMMAS)
        assert cert is not None and check(cert)[0]


# ----- the kernel's identity check in flint arithmetic ---------------------------------------

def test_the_kernel_keeps_two_symbols_of_one_name_apart():
    # x (real) and x (no assumptions) are different SymPy symbols: x_real² = x² is no identity
    plain = sp.Symbol("x")
    cert = Certificate(x ** 2, ">=", gram=((plain,), ((sp.Integer(1),),)))
    ok, why = check(cert)
    assert not ok and "identity" in why
    assert check(Certificate(x ** 2, ">=", gram=((x,), ((sp.Integer(1),),))))[0]


@pytest.mark.parametrize("bad, why", [
    # a float multiplier, even one equal to a rational
    (Certificate(x - 2, ">=", equalities=(x - 2,), multipliers=((sp.Float(1.0), 0),)), "float"),
    # a square root is not a polynomial over Q
    (Certificate(x, ">=", products=((sp.Integer(1), sp.sqrt(x), ()),)), "malformed"),
    # a negative power is not a polynomial
    (Certificate(x, ">=", equalities=(x ** 2,), multipliers=((x ** -1, 0),)), "malformed"),
    # an equality certified by a square
    (Certificate(x ** 2, "=", products=((sp.Integer(1), x, ()),)), "multipliers"),
    # a Gram matrix that is not symmetric
    (Certificate(x ** 2, ">=", gram=((sp.Integer(1), x), ((sp.Integer(0), sp.Integer(1)),
                                                          (sp.Integer(0), sp.Integer(1))))), "symmetric"),
    # a zero pivot with a nonzero entry below it: [[0, 1], [1, 1]] is not PSD
    (Certificate(2 * x + x ** 2, ">=", gram=((sp.Integer(1), x), ((sp.Integer(0), sp.Integer(1)),
                                                                  (sp.Integer(1), sp.Integer(1))))), "semidefinite"),
])
def test_the_kernel_still_rejects(bad, why):
    ok, reason = check(bad)
    assert not ok and why in reason


def test_a_scaled_equality_is_checked_as_an_identity():
    # q·y − x = 0 and y ≠ 0: y·(q·y − x) = y·(q·y − x), scaled by y
    q = sp.Symbol("q", real=True)
    h = q * y - x
    good = Certificate(h, "=", equalities=(h,), multipliers=((sp.Integer(1), 0),))
    assert check(good)[0]
    scaled = Certificate(h, "=", equalities=(sp.expand(y * h),), multipliers=((sp.Integer(1), 0),), nonzero=(y,),
                         scaled=(0,))
    assert check(scaled)[0]
    assert not check(Certificate(h, "=", equalities=(sp.expand(y * h),), multipliers=((sp.Integer(1), 0),)))[0]


# ----- the solvers' sentence --------------------------------------------------------------

def test_the_solvers_get_every_own_constraint_and_only_the_low_degree_instances():
    own = [sp.Eq(x ** 2 + y ** 2, 1), sp.Ge(x * y, 0), sp.Or(sp.Eq(x, 0), sp.Eq(y, 1))]
    low, high = sp.Ge(1 - x ** 2, 0), sp.Ge(1 - x ** 4 * y ** 2, 0)
    lib = SimpleNamespace(added=[low, high])
    out = for_solvers(own + [low, high], lib)
    assert out == own + [low]
    # without lemma instances, the sentence is handed over whole
    assert for_solvers(own + [high], SimpleNamespace(added=[])) == own + [high]


def test_cvc5_by_coverings_still_answers_both_ways():
    unsat = solvers.smtlib([x, y], [sp.Eq(x ** 2 + y ** 2, 1), sp.Gt(x ** 2, 1)])
    sat = solvers.smtlib([x], [sp.Eq(x ** 2, 2)])
    assert solvers.run("cvc5", unsat, 20).status == "unsat"
    assert solvers.run("cvc5", sat, 20).status == "sat"


def test_a_warm_solver_child_is_reused_and_killed_when_it_overruns(monkeypatch, tmp_path):
    text = solvers.smtlib([x], [sp.Lt(x ** 2, 0)])
    child = solvers._CHILDREN["z3"]
    assert solvers.run("z3", text, 20).status == "unsat"
    first = child.proc.pid
    assert solvers.run("z3", text, 20).status == "unsat"
    assert child.proc.pid == first, "the second sentence goes to the same (warm) child"
    # a child that never answers (and spends no CPU: the CPU cut cannot see it): killed by the wall-clock safety
    # net (here 5× the budget), an unknown that says so; the next sentence starts a fresh child
    slow = tmp_path / "slow.py"
    slow.write_text("import sys, time\nprint('{\"ready\": \"z3\"}', flush=True)\nfor line in sys.stdin:\n"
                    "    time.sleep(60)\n")
    child.close()
    monkeypatch.setattr(solvers, "WORKER", str(slow))
    monkeypatch.setattr(solvers, "SAFETY", 5.0)
    monkeypatch.setattr(solvers, "NET_FLOOR", 0.0)
    a = solvers.run("z3", text, 0.2)
    assert (a.status, a.cut) == ("unknown", "wall") and a.seconds < 10
    assert child.proc is None
    # a child that never says its solver is imported: an unknown once its start's own budget is spent
    mute = tmp_path / "mute.py"
    mute.write_text("import time\ntime.sleep(60)\n")
    monkeypatch.setattr(solvers, "WORKER", str(mute))
    monkeypatch.setattr(solvers, "START", 0.5)
    a = solvers.run("z3", text, 0.2)
    assert a.status == "unknown" and "did not start" in a.why and a.seconds < 10
    assert child.proc is None
    monkeypatch.undo()
    assert solvers.run("z3", text, 20).status == "unsat"
    assert child.proc.pid != first
