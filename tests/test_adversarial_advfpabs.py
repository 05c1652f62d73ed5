"""Adversarial pass over F_p's |·|, max and min and the kernel's ℤ/p re-check of them (branch fpabs).

Findings:
- The kernel's re-check did not run for a derivative that replays a cell with |·|, max or min (the ReLU cell's
  dh_t/dW, the BPTT case) nor for m.d of a function of the model that applies them: the replay runs when the side
  is projected, after modular.sides() had popped _ACTIVE, so the sign reading raised Unsupported and the holds rested
  on the F_p trials alone (named in Result.trusted). Fixed: ModularModel runs a cell step and a derivative's
  function with its own functions active.
- A wrong holds at n = 16, t = 8 (backend fp, kernel token trusting nothing): h = max(a, b) with b a twin of a
  (written (a + b + |a − b|)/2), and the partial ∂h_t/∂h_{t−1} with a held. Then a − b is identically 0 while its
  tangent is not: the real h has no derivative there (one-sided W and 0; the exact kernel says "|·| at 0 has no
  derivative"), but F_p and the kernel read d|u| = S(0)·du = 0 and confirmed ∂h_t/∂h_{t−1} = W/2. The soundness
  argument ("d|u| = sign(u) du wherever u ≠ 0") misses an argument that is 0 everywhere. Fixed: F_p's tape refuses
  a derivative through |·| at an argument with a residue 0 (Unsupported), the kernel's sign reading one whose
  value is 0 and tangent is not.

Attacks resisted (kept as guards): identities true on every sign pattern hold (mirror, max/min folds, 3-argument
max, numbers beside model values, relu as (z + |z|)/2, d|u| = S du), and false ones (sign-dependent |z| = z,
max(z, 0) + max(−z, 0) = z, a flipped ReLU gate) are never holds; true identities that need S² = 1 or positivity
(|z| ⊙ |z|, |logistic| = logistic, |z|³ = |z| z²) are undecided, never fails.
"""
from __future__ import annotations

import pytest
import sympy as sp

from symderiv import cell, diag, fp, hadamard, kernel
from symderiv.engine import check_claim
from symderiv.results import Verdict

from symderiv.claims import Claim
from symderiv.sizes import sweep

A = sp.Abs
LARGE = {"n": 16, "t": 8}


@cell("σ cell (adv): h_t = σ(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def sigma_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.sigma(s.z)


@cell("ReLU cell (adv): h_t = max(z_t, 0)", params={"W": ("n", "n"), "U": ("n", "m")})
def relu_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: sp.Max(v, 0))


@cell("logistic cell (adv): h_t = logistic(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def logistic_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.logistic(s.z)


def make(check, model=sigma_cell, cid="advfpabs.claim"):
    return Claim(id=cid, where="test", statement="test", check=check, model=model,
                 sizes=sweep(n=(LARGE["n"],), t=(LARGE["t"],)), conventions={"layout": "row-major"})


def H(m):
    return m.at("h", m.t)


def Z(m):
    return m.at("z", m.t)


def ew(fn):
    return lambda q: q.applyfunc(fn)


# ----- finding (fixed): the kernel re-checks derivatives through |·|, max, min replayed after sides() ----------------

DERIVATIVES = {
    "ReLU cell dh_t/dW = itself": (relu_cell, lambda m: (m.d(("h", m.t), "W"), 1 * m.d(("h", m.t), "W"))),
    "ReLU cell dh_t/dW = diag((1 + |z|/z)/2) dz_t/dW": (
        relu_cell, lambda m: (m.d(("h", m.t), "W"), diag(ew(lambda v: (1 + A(v) / v) / 2)(Z(m))) * m.d(("z", m.t), "W"))),
    "d|z|/dW of a function of the model = diag(|z|/z) dz/dW": (
        sigma_cell, lambda m: (m.d(lambda q: q.at("z", q.t).applyfunc(A), "W"),
                               diag(ew(lambda v: A(v) / v)(Z(m))) * m.d(("z", m.t), "W"))),
}


@pytest.mark.parametrize("name", list(DERIVATIVES))
def test_a_derivative_through_abs_is_rechecked_by_the_kernel(name):
    model, check = DERIVATIVES[name]
    token, why = kernel.confirm_identity(make(check, model), LARGE, seed=1, trusts="the F_p trials")
    assert token is not None and token.trusts == (), why
    r = check_claim(make(check, model), backend="fp")
    assert r.verdict == Verdict.HOLDS and not r.trusted, (r.verdict, r.trusted)


FALSE_DERIVATIVES = {
    "ReLU cell dh_t/dW = dz_t/dW": (relu_cell, lambda m: (m.d(("h", m.t), "W"), m.d(("z", m.t), "W"))),
    "ReLU cell dh_t/dW with the gate flipped": (
        relu_cell, lambda m: (m.d(("h", m.t), "W"), diag(ew(lambda v: (1 - A(v) / v) / 2)(Z(m))) * m.d(("z", m.t), "W"))),
    "d|z|/dW = dz/dW": (sigma_cell, lambda m: (m.d(lambda q: q.at("z", q.t).applyfunc(A), "W"), m.d(("z", m.t), "W"))),
}


@pytest.mark.parametrize("name", list(FALSE_DERIVATIVES))
def test_a_false_derivative_through_abs_is_refused_by_fp_and_the_kernel(name):
    model, check = FALSE_DERIVATIVES[name]
    claim = make(check, model)
    assert not fp.test_identity(claim, LARGE, seed=1).equal
    token, _ = kernel.confirm_identity(claim, LARGE, seed=1, trusts="the F_p trials")
    assert token is None


# ----- resisted: true on every sign pattern -> holds (F_p at n = 16, t = 8, the kernel's token) ---------------------

TRUE = {
    "max(z, 0) = −min(−z, 0)": (sigma_cell, lambda m: (ew(lambda v: sp.Max(v, 0))(Z(m)), -ew(lambda v: sp.Min(-v, 0))(Z(m)))),
    "max(z, 0) + max(−z, 0) = |z|": (sigma_cell, lambda m: (ew(lambda v: sp.Max(v, 0) + sp.Max(-v, 0))(Z(m)), ew(A)(Z(m)))),
    "max(a, b) − min(a, b) = |b − a| (two quantities)": (
        sigma_cell, lambda m: ((Z(m) + H(m) + (Z(m) - H(m)).applyfunc(A)) / 2 - (Z(m) + H(m) - (Z(m) - H(m)).applyfunc(A)) / 2,
                               (H(m) - Z(m)).applyfunc(A))),
    "max(z, 0, 1) = max(max(z, 0), 1)": (
        sigma_cell, lambda m: (ew(lambda v: sp.Max(v, 0, 1))(Z(m)), ew(lambda v: sp.Max(sp.Max(v, 0), 1))(Z(m)))),
    "|z|^(−2) = 1/z²": (sigma_cell, lambda m: (ew(lambda v: A(v) ** -2)(Z(m)), ew(lambda v: 1 / v ** 2)(Z(m)))),
    "d|z|²/dW = 2 diag(z) dz/dW": (
        sigma_cell, lambda m: (m.d(lambda q: q.at("z", q.t).applyfunc(lambda v: A(v) ** 2), "W"),
                               2 * diag(Z(m)) * m.d(("z", m.t), "W"))),
    "ReLU dh_t/dh_{t−1} gate written max(z, 0)/z": (
        relu_cell, lambda m: (m.d(("h", m.t), ("h", m.t - 1)), diag(ew(lambda v: sp.Max(v, 0) / v)(Z(m))) * m.W)),
}


@pytest.mark.parametrize("name", list(TRUE))
def test_true_on_every_sign_pattern_holds(name):
    model, check = TRUE[name]
    r = check_claim(make(check, model), backend="fp")
    assert r.verdict == Verdict.HOLDS, (name, r.verdict)


# ----- resisted: false, or true only through S² = 1 / positivity: never a wrong holds or a wrong fails -------------

FALSE = {
    "max(z, 0) + max(−z, 0) = z": (sigma_cell, lambda m: (ew(lambda v: sp.Max(v, 0) + sp.Max(-v, 0))(Z(m)), Z(m))),
    "|h| = h for an abstract σ": (sigma_cell, lambda m: (ew(A)(H(m)), H(m))),
    "|z| = −|−z|": (sigma_cell, lambda m: (ew(A)(Z(m)), -ew(lambda v: A(-v))(Z(m)))),
}


@pytest.mark.parametrize("name", list(FALSE))
def test_a_false_sign_identity_is_not_equal_over_fp_nor_confirmed(name):
    model, check = FALSE[name]
    claim = make(check, model)
    assert not fp.test_identity(claim, LARGE, seed=3).equal
    token, _ = kernel.confirm_identity(claim, LARGE, seed=3, trusts="the F_p trials")
    assert token is None


RELAXED_TRUE = {
    "|z| ⊙ |z| = z ⊙ z": (sigma_cell, lambda m: (hadamard(ew(A)(Z(m)), ew(A)(Z(m))), hadamard(Z(m), Z(m)))),
    "|z|³ = |z| z²": (sigma_cell, lambda m: (ew(lambda v: A(v) ** 3)(Z(m)), ew(lambda v: A(v) * v ** 2)(Z(m)))),
    "|logistic(z)| = logistic(z)": (logistic_cell, lambda m: (ew(A)(H(m)), H(m))),
    "|z² + 1| = z² + 1": (sigma_cell, lambda m: (ew(lambda v: A(v ** 2 + 1))(Z(m)), ew(lambda v: v ** 2 + 1)(Z(m)))),
}


@pytest.mark.parametrize("name", list(RELAXED_TRUE))
def test_a_true_identity_the_sign_reading_cannot_see_is_never_fails(name):
    model, check = RELAXED_TRUE[name]
    r = check_claim(make(check, model), backend="fp")
    # F_p's sign atom forgets S² = 1, so F_p alone never decides it; since absdec the kernel's own sign split
    # (random_check.decide_signs) may: then `holds` with a bound it derived and nothing trusted, never `fails`
    assert r.verdict in (Verdict.UNDECIDED, Verdict.HOLDS), (name, r.verdict)
    if r.verdict == Verdict.HOLDS:
        assert r.trusted == [] and all(o.kernel is not None and o.kernel.error_bits for o in r.sizes
                                       if o.status == Verdict.HOLDS), (name, r.trusted, r.scope)


# ----- finding (fixed): a derivative through |·| at an argument identically 0 (a held twin) ------------------------

@cell("tie cell: h_t = max(a_t, b_t), b_t a twin of a_t", params={"W": ("n", "n"), "U": ("n", "m")})
def tie_cell(s, prev, x, p, f):
    s.a = p.W * prev.h + p.U * x
    s.b = p.W * prev.h + p.U * x
    s.h = (s.a + s.b + (s.a - s.b).applyfunc(sp.Abs)) / 2


def _held_tie(m):
    return m.partial(("h", m.t), ("h", m.t - 1), hold=("a",)), m.W / 2


def test_a_derivative_at_the_kink_of_abs_is_not_holds_over_fp():
    r = check_claim(make(_held_tie, tie_cell), backend="fp")
    assert r.verdict != Verdict.HOLDS, r.verdict


def test_the_kernel_does_not_confirm_a_derivative_at_the_kink():
    token, why = kernel.confirm_identity(make(_held_tie, tie_cell), LARGE, seed=1, trusts="the F_p trials")
    assert token is None or token.trusts != (), why
