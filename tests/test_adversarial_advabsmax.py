"""Adversarial pass on branch absmax (|·|, max, min of a model's values; the sign split; the kink-free search; the
kernel's ball reading). Findings (both fixed in identity.nonzero_entries: before the sign split, an entry with sign(u) or Heaviside(u) is
also asked to be 0 with them and |u| at their values at u = 0, for every set of the u at once (a first version
that asked each u on its own let (1 − sign(z)²)(1 − sign(σ(z))²) = 0 hold, false at z = σ(z) = 0); all are now
``undecided``; the check is asked also of entries the plain normal form calls zero, where
Heaviside(z, 0) + Heaviside(−z, 0) = 1 held):

* sign(u)² = 1 on a model's value (u = z_t, or u = σ(z_t) for abstract σ) was ``holds``: canonical_radicals reads
  sign(u) as u/|u| and the sign split reads |u| as ±u, so (u/(±u))² = 1 in every case, though sign(0)² = 0 and
  u = 0 is a point of the claim (W = U = 0, or σ(z) = 0). On main the search found u = 0 and the kernel certified
  ``fails``; the branch's search skips sign at 0 as a kink, so nothing refuted it.
* a user-written SymPy Heaviside(z)² = Heaviside(z) on a model's value (Heaviside(0) = 1/2, so false at z = 0) was
  ``holds`` through the reading Heaviside(u) = (1 + u/|u|)/2 (on main an error: Heaviside not evaluated).

The rest are attacks the code resists (kept as guards).
"""
from __future__ import annotations

import pytest
import sympy as sp

from symderiv import hadamard
from symderiv.engine import check_claim
from symderiv.kernel import verify_identity
from symderiv.results import Verdict
from symderiv.sizes import sweep
from symderiv.variables import scalar, vector
from tests.test_abs_cases import (A, FIXED_LARGE, H, Z, ew, free, logistic_cell, make, relu_cell, sig_cell)

S2 = sweep(n=(1, 2), t=(1, 2))
ONE = lambda m: ew(Z(m), lambda v: 1)  # noqa: E731


# ----- findings ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,check", [
    ("sign(z)² = 1", lambda m: (ew(Z(m), lambda v: sp.sign(v) ** 2), ONE(m))),
    ("(1 − sign(z)²)(1 − sign(σ(z))²) = 0 (false only where both are 0)",
     lambda m: (hadamard(ew(Z(m), lambda v: 1 - sp.sign(v) ** 2), ew(H(m), lambda v: 1 - sp.sign(v) ** 2)),
                ew(Z(m), lambda v: 0))),
    ("sign(σ(z))² = 1 (abstract σ may be 0)", lambda m: (ew(H(m), lambda v: sp.sign(v) ** 2), ONE(m))),
])
def test_sign_squared_is_one_is_not_holds(name, check):
    claim = make(check, sig_cell, sizes=S2, cid="advabsmax.sign")
    r = check_claim(claim, backend="auto")
    assert r.verdict != Verdict.HOLDS, (name, r.scope)
    if r.verdict == Verdict.FAILS:  # it is undecided now: the search takes no candidate where sign's argument is 0
        assert verify_identity(claim, r.counterexample).ok


@pytest.mark.parametrize("name,check", [
    ("Heaviside(z, 0) + Heaviside(−z, 0) = 1 (0 at z = 0; its reading is 1 with no split)",
     lambda m: (ew(Z(m), lambda v: sp.Heaviside(v, 0) + sp.Heaviside(-v, 0)), ONE(m))),
])
def test_a_step_reading_zero_without_a_split_is_asked_at_zero_too(name, check):
    r = check_claim(make(check, sig_cell, sizes=S2, cid="advabsmax.heav0"), backend="auto")
    assert r.verdict != Verdict.HOLDS, (name, r.scope)


@pytest.mark.parametrize("name,check", [
    ("sign(z)·z = |z|", lambda m: (ew(Z(m), lambda v: sp.sign(v) * v), ew(Z(m), A))),
    ("sign(σ(z))³ = sign(σ(z))", lambda m: (ew(H(m), lambda v: sp.sign(v) ** 3), ew(H(m), sp.sign))),
    ("Heaviside(z, 0)² = Heaviside(z, 0)", lambda m: (ew(Z(m), lambda v: sp.Heaviside(v, 0) ** 2),
                                                      ew(Z(m), lambda v: sp.Heaviside(v, 0)))),
])
def test_true_sign_and_step_claims_still_hold(name, check):
    r = check_claim(make(check, sig_cell, sizes=S2, cid="advabsmax.signtrue"), backend="auto")
    assert r.verdict == Verdict.HOLDS, (name, r.verdict, r.scope)


def test_user_heaviside_squared_is_not_holds():
    claim = make(lambda m: (ew(Z(m), lambda v: sp.Heaviside(v) ** 2), ew(Z(m), sp.Heaviside)), sig_cell, sizes=S2,
                 cid="advabsmax.heav")
    assert check_claim(claim, backend="auto").verdict != Verdict.HOLDS


# ----- resisted: false claims never hold, true claims never fail ---------------------------------------------------

MODEL = {  # name -> (cell, check, truth)
    "|σ(z)| = σ(z), abstract σ": (sig_cell, lambda m: (ew(H(m), A), H(m)), False),
    "|σ'(z)| = σ'(z), abstract σ": (
        sig_cell, lambda m: (ew(m.d(("h", m.t), ("z", m.t)), A), m.d(("h", m.t), ("z", m.t))), False),
    "|σ(z)|·σ(z) = σ(z)²": (sig_cell, lambda m: (ew(H(m), lambda v: A(v) * v), ew(H(m), lambda v: v ** 2)), False),
    "min(z, −z) = −|z|": (sig_cell, lambda m: (ew(Z(m), lambda v: sp.Min(v, -v)), ew(Z(m), lambda v: -A(v))), True),
    "min(z, −z) = |z|": (sig_cell, lambda m: (ew(Z(m), lambda v: sp.Min(v, -v)), ew(Z(m), A)), False),
    "|2z| − 2|−z| = 2z − 2|z|": (
        sig_cell, lambda m: (ew(Z(m), lambda v: A(2 * v) - 2 * A(-v)), ew(Z(m), lambda v: 2 * v - 2 * A(v))), False),
    "max(z, h, 0) = max(z, h)": (
        sig_cell, lambda m: (sp.Matrix(Z(m).rows, 1, lambda i, j: sp.Max(Z(m)[i, 0], H(m)[i, 0], 0)),
                             sp.Matrix(Z(m).rows, 1, lambda i, j: sp.Max(Z(m)[i, 0], H(m)[i, 0]))), False),
    "max(1, e^z) = e^z": (sig_cell, lambda m: (ew(Z(m), lambda v: sp.Max(1, sp.exp(v))), ew(Z(m), sp.exp)), False),
    "|2 logistic − 1| = 2 logistic − 1": (
        logistic_cell, lambda m: (ew(H(m), lambda v: A(2 * v - 1)), ew(H(m), lambda v: 2 * v - 1)), False),
    "|e^(iz)| = e^(iz)": (sig_cell, lambda m: (ew(Z(m), lambda v: A(sp.exp(sp.I * v))),
                                               ew(Z(m), lambda v: sp.exp(sp.I * v))), False),
    "|√z|² = z": (sig_cell, lambda m: (ew(Z(m), lambda v: A(sp.sqrt(v)) ** 2), Z(m)), False),
    "|z + |h|| = z + |h|": (sig_cell, lambda m: ((Z(m) + ew(H(m), A)).applyfunc(A), Z(m) + ew(H(m), A)), False),
    "|tanh z| = tanh|z|": (sig_cell, lambda m: (ew(Z(m), lambda v: A(sp.tanh(v))), ew(Z(m), lambda v: sp.tanh(A(v)))),
                           True),
    "ReLU: (dh/dz)² = dh/dz (a.e.; the derivative has no value at 0)": (
        relu_cell, lambda m: (hadamard(m.d(("h", m.t), ("z", m.t)), m.d(("h", m.t), ("z", m.t))),
                              m.d(("h", m.t), ("z", m.t))), True),
}


@pytest.mark.parametrize("name", list(MODEL))
def test_model_claims_never_a_wrong_verdict(name):
    model, check, truth = MODEL[name]
    claim = make(check, model, sizes=S2, cid="advabsmax.model")
    r = check_claim(claim, backend="auto")
    assert r.verdict != (Verdict.FAILS if truth else Verdict.HOLDS), (name, r.verdict, r.scope)
    if r.verdict == Verdict.FAILS:
        assert verify_identity(claim, r.counterexample).ok


@pytest.mark.parametrize("name", ["|σ(z)| = σ(z), abstract σ", "min(z, −z) = −|z|", "max(1, e^z) = e^z"])
def test_model_claims_at_fixed_large_size_never_a_wrong_verdict(name):
    model, check, truth = MODEL[name]
    r = check_claim(make(check, model, sizes=FIXED_LARGE, cid="advabsmax.big"), backend="auto")
    assert r.verdict != (Verdict.FAILS if truth else Verdict.HOLDS), (name, r.verdict, r.scope)


def _sq(m):
    return hadamard(Z(m) + H(m), Z(m) + H(m))


def _ex(m):
    return hadamard(Z(m), Z(m)) + 2 * hadamard(Z(m), H(m)) + hadamard(H(m), H(m))


def test_a_tie_computed_two_ways_at_a_fixed_large_size_is_not_fails():
    """|a − b| with a = b computed two ways (balls that contain 0 decide nothing)."""
    r = check_claim(make(lambda m: ((_sq(m) + _ex(m) + (_sq(m) - _ex(m)).applyfunc(A)) / 2, _ex(m)), sig_cell,
                         sizes=FIXED_LARGE, cid="advabsmax.tie"), backend="auto")
    assert r.verdict != Verdict.FAILS


FREE = {
    "||a| − |b|| = max(|a|, |b|) − min(|a|, |b|)": (
        dict(a=scalar(), b=scalar()),
        lambda v: (A(A(v.a) - A(v.b)), sp.Max(A(v.a), A(v.b)) - sp.Min(A(v.a), A(v.b))), True),
    "|a + |b|| = a + |b|": (dict(a=scalar(), b=scalar()), lambda v: (A(v.a + A(v.b)), v.a + A(v.b)), False),
    "||a| − |b|| = |a − b|": (dict(a=scalar(), b=scalar()), lambda v: (A(A(v.a) - A(v.b)), A(v.a - v.b)), False),
    "|x| = −x, x < 0": (dict(x=scalar(negative=True)), lambda v: (A(v.x), -v.x), True),
    "|x| = x, x < 0": (dict(x=scalar(negative=True)), lambda v: (A(v.x), v.x), False),
    "max(x, 0) = x, x < 0": (dict(x=scalar(negative=True)), lambda v: (sp.Max(v.x, 0), v.x), False),
    "max(1, e^x) = e^x": (dict(x=scalar()), lambda v: (sp.Max(1, sp.exp(v.x)), sp.exp(v.x)), False),
    "|x² − y²| = |x − y||x + y|": (dict(x=scalar(), y=scalar()),
                                    lambda v: (A(v.x ** 2 - v.y ** 2), A(v.x - v.y) * A(v.x + v.y)), True),
    "Σ max(0, x_i) x_i = Σ max(0, x_i)², 8 atoms": (
        dict(x=vector(8)), lambda v: (sum(sp.Max(0, v.x[i]) * v.x[i] for i in range(8)),
                                      sum(sp.Max(0, v.x[i]) ** 2 for i in range(8))), True),
    "Σ max(0, x_i) x_i = Σ max(0, x_i)², 9 atoms (beyond the split)": (
        dict(x=vector(9)), lambda v: (sum(sp.Max(0, v.x[i]) * v.x[i] for i in range(9)),
                                      sum(sp.Max(0, v.x[i]) ** 2 for i in range(9))), True),
    "Σ max(0, x_i) x_i = Σ x_i², 9 atoms": (
        dict(x=vector(9)), lambda v: (sum(sp.Max(0, v.x[i]) * v.x[i] for i in range(9)),
                                      sum(v.x[i] ** 2 for i in range(9))), False),
    "|√x|² = x": (dict(x=scalar()), lambda v: (A(sp.sqrt(v.x)) ** 2, v.x), False),
    "|e^(ix) + x| = e^(ix) + x": (dict(x=scalar()), lambda v: (A(sp.exp(sp.I * v.x) + v.x), sp.exp(sp.I * v.x) + v.x),
                                   False),
}


@pytest.mark.parametrize("name", list(FREE))
def test_free_variable_claims_never_a_wrong_verdict(name):
    variables, check, truth = FREE[name]
    claim = free(check, variables, n=(1,), cid="advabsmax.free")
    r = check_claim(claim, backend="auto")
    assert r.verdict != (Verdict.FAILS if truth else Verdict.HOLDS), (name, r.verdict, r.scope)
    if r.verdict == Verdict.FAILS:
        assert verify_identity(claim, r.counterexample).ok
