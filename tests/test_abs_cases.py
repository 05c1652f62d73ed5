"""|·|, max and min of a model's values (issue 19 items 3 and 5): false ones certified fast, true ones that need
S² = 1 (|u|·|u| = u², S(u)·u = |u|) or a positivity the claim's functions have decided, never a wrong verdict.

Findings this file turns into tests (each class with siblings written another way: ``sp.Abs`` beside Python's
``abs``, ``sp.Max`` beside ``sp.Min`` of the negated arguments and beside (a + b + |a − b|)/2 written out, in a
cell beside on the check's values, on free variables):

* (b) a false claim with max/min of a model's values at a small size was an ``error`` ("Max … cannot be decided by
  a normal form"), or a Python exception ("NotImplementedError: cannot evaluate Heaviside", a ReLU cell's
  derivative at n = 1): now a certified ``fails`` (the kernel's forward mode decides every sign exactly or by arb
  balls);
* (b) a false claim at a size the exact engine does not reach (fixed n = 16, t = 8) was ``undecided`` ("no small
  size where the exact engine can certify it"): now certified at that size in arb balls, each sign of |·|, max
  and min proved by a ball that excludes 0, the kernel recomputing it;
* (a) a true claim that needs S² = 1 (max(0, z)·z = max(0, z)², a ReLU cell's h ⊙ z = h ⊙ h) was an ``error``; one
  that needs the logistic function's positivity was ``undecided``: now ``holds`` where the normal form reduces the
  sign atoms soundly, and every such ``holds`` has a false sibling here that is not ``holds``.
"""
from __future__ import annotations

import time

import pytest
import sympy as sp

from symderiv import cell, hadamard, diag
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.kernel import balls, verify_identity
from symderiv.results import Verdict
from symderiv.sizes import sweep
from symderiv.variables import scalar, vector

A = sp.Abs
HALF = sp.Rational(1, 2)


@cell("σ cell (abscases): h_t = σ(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def sig_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.sigma(s.z)


@cell("tanh cell (abscases)", params={"W": ("n", "n"), "U": ("n", "m")})
def tanh_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.tanh(s.z)


@cell("logistic cell (abscases)", params={"W": ("n", "n"), "U": ("n", "m")})
def logistic_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.logistic(s.z)


@cell("ReLU cell (abscases): h_t = max(0, z_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def relu_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: sp.Max(0, v))


@cell("ReLU cell through min (abscases): h_t = −min(0, −z_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def relu_min_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: -sp.Min(0, -v))


@cell("ReLU cell through |·| (abscases): h_t = (z_t + |z_t|)/2", params={"W": ("n", "n"), "U": ("n", "m")})
def relu_abs_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: (v + abs(v)) / 2)


def H(m):
    return m.at("h", m.t)


def Z(m):
    return m.at("z", m.t)


def ew(q, fn):
    return q.applyfunc(fn)


SMALL = sweep(n=(1, 2), t=(1, 2))
FIXED_LARGE = sweep(n=(16,), t=(8,), fixed=("n", "t"))


def make(check, model, sizes=SMALL, cid="abscases.claim"):
    return Claim(id=cid, where="test", statement="test", check=check, model=model, sizes=sizes,
                 conventions={"layout": "row-major"})


def free(check, variables, n=(1, 2, 3), cid="abscases.free"):
    return Claim(id=cid, where="test", statement="test", check=check, variables=variables, sizes=sweep(n=n))


RELU_CELLS = {"Max": relu_cell, "−Min(−)": relu_min_cell, "(z + |z|)/2": relu_abs_cell}

# ----- (b) false: a certified fails at small sizes, by the kernel's forward mode (never an error, never a crash) ---

FALSE_SMALL = {
    "max(0, z) = z (sp.Max)": (sig_cell, lambda m: (ew(Z(m), lambda v: sp.Max(0, v)), Z(m))),
    "max(0, z) = z (−sp.Min(0, −z))": (sig_cell, lambda m: (ew(Z(m), lambda v: -sp.Min(0, -v)), Z(m))),
    "min(1/2, logistic) = logistic": (logistic_cell, lambda m: (ew(H(m), lambda v: sp.Min(v, HALF)), H(m))),
    "max(z, 0) + max(−z, 0) = z": (sig_cell, lambda m: (ew(Z(m), lambda v: sp.Max(v, 0) + sp.Max(-v, 0)), Z(m))),
    "max(h, z) = h (two quantities)": (
        sig_cell, lambda m: ((H(m) + Z(m) + (H(m) - Z(m)).applyfunc(A)) / 2, H(m))),
    "|tanh| = tanh (abs)": (tanh_cell, lambda m: (ew(H(m), abs), H(m))),
    "|z + h| = |z| + |h|": (sig_cell, lambda m: (ew(Z(m) + H(m), A), ew(Z(m), A) + ew(H(m), A))),
    "max(0, z)·z = z² (false sibling of max(0, z)·z = max(0, z)²)": (
        sig_cell, lambda m: (ew(Z(m), lambda v: sp.Max(0, v) * v), ew(Z(m), lambda v: v ** 2))),
    "|σ(z)| ⊙ σ(z) = σ(z) ⊙ σ(z) (false sibling)": (
        sig_cell, lambda m: (hadamard(ew(H(m), A), H(m)), hadamard(H(m), H(m)))),
    "|logistic − 1/2| = logistic − 1/2 (false sibling of |logistic| = logistic)": (
        logistic_cell, lambda m: (ew(H(m), lambda v: A(v - HALF)), ew(H(m), lambda v: v - HALF))),
    **{f"ReLU ({k}) h_t ⊙ z_t = z_t ⊙ z_t (false sibling)": (
        c, lambda m: (hadamard(H(m), Z(m)), hadamard(Z(m), Z(m)))) for k, c in RELU_CELLS.items()},
    **{f"ReLU ({k}) dh_t/dh_(t−1) = W, the gate dropped": (
        c, lambda m: (m.d(("h", m.t), ("h", m.t - 1)), m.W)) for k, c in RELU_CELLS.items()},
    **{f"ReLU ({k}) dh_t/dh_(t−1) with the gate flipped": (
        c, lambda m: (m.d(("h", m.t), ("h", m.t - 1)),
                      diag(ew(Z(m), lambda v: (1 - A(v) / v) / 2)) * m.W)) for k, c in RELU_CELLS.items()},
}


@pytest.mark.parametrize("name", list(FALSE_SMALL))
def test_a_false_claim_with_abs_max_min_fails_certified_at_small_sizes(name):
    model, check = FALSE_SMALL[name]
    claim = make(check, model)
    t0 = time.perf_counter()
    r = check_claim(claim, backend="auto")
    assert r.verdict == Verdict.FAILS, (name, r.verdict, r.error or r.scope)
    assert verify_identity(claim, r.counterexample).ok
    assert time.perf_counter() - t0 < 60


# ----- (b) false at a size the exact engine does not reach: certified there, in arb balls --------------------------

FALSE_LARGE = {k: FALSE_SMALL[k] for k in (
    "max(0, z) = z (sp.Max)", "max(0, z) = z (−sp.Min(0, −z))", "min(1/2, logistic) = logistic",
    "|tanh| = tanh (abs)", "|z + h| = |z| + |h|", "max(h, z) = h (two quantities)",
    "ReLU (Max) dh_t/dh_(t−1) = W, the gate dropped", "ReLU (−Min(−)) dh_t/dh_(t−1) = W, the gate dropped",
    "ReLU ((z + |z|)/2) h_t ⊙ z_t = z_t ⊙ z_t (false sibling)",
    "ReLU (Max) dh_t/dh_(t−1) with the gate flipped")}


@pytest.mark.parametrize("name", list(FALSE_LARGE))
def test_a_false_claim_at_a_fixed_large_size_fails_certified_there_in_balls(name):
    model, check = FALSE_LARGE[name]
    claim = make(check, model, sizes=FIXED_LARGE)
    t0 = time.perf_counter()
    r = check_claim(claim, backend="auto")
    assert r.verdict == Verdict.FAILS, (name, r.verdict, r.error or r.scope)
    assert r.counterexample.precision is not None  # a ball certificate: every sign proved by a ball excluding 0
    assert r.counterexample.size == {"n": 16, "t": 8}
    assert balls.verify_balls(claim, r.counterexample).ok  # the kernel recomputes it from the claim
    assert time.perf_counter() - t0 < 60


SWEEP_LARGE = sweep(n=(16,), t=(8,))  # not fixed: F_p at n = 16, a disagreement certified at small sizes first


@pytest.mark.parametrize("name", ["max(0, z) = z (sp.Max)", "min(1/2, logistic) = logistic",
                                  "max(z, 0) + max(−z, 0) = z", "ReLU (Max) dh_t/dh_(t−1) = W, the gate dropped",
                                  "ReLU (−Min(−)) dh_t/dh_(t−1) with the gate flipped"])
def test_a_false_claim_swept_at_a_large_size_fails_certified_fast(name):
    """Was undecided after minutes (up to 353 s: every small size an error, "Max cannot be decided")."""
    model, check = FALSE_SMALL[name]
    claim = make(check, model, sizes=SWEEP_LARGE)
    t0 = time.perf_counter()
    r = check_claim(claim, backend="auto")
    assert r.verdict == Verdict.FAILS, (name, r.verdict, r.error or r.scope)
    cert = r.counterexample
    assert (balls.verify_balls(claim, cert) if cert.precision is not None else verify_identity(claim, cert)).ok
    assert time.perf_counter() - t0 < 60


def test_a_planted_ball_sign_is_refused_by_the_kernels_recomputation():
    """The certificate is data: a ball certificate of a true claim (its sides swapped for a false claim's) is not
    accepted, whatever its recorded balls say."""
    from dataclasses import replace

    model, check = FALSE_LARGE["max(0, z) = z (sp.Max)"]
    r = check_claim(make(check, model, sizes=FIXED_LARGE), backend="auto")
    true = make(lambda m: (ew(Z(m), lambda v: sp.Max(0, v)), ew(Z(m), lambda v: (v + A(v)) / 2)), model,
                sizes=FIXED_LARGE)
    forged = replace(r.counterexample, claim_id=true.id)
    assert balls.verify_balls(make(check, model, sizes=FIXED_LARGE), r.counterexample).ok
    assert not balls.verify_balls(true, forged).ok


# ----- (a) true through S² = 1 or a decided positivity: holds, each with a false sibling above --------------------

TRUE_SMALL = {
    "|σ(z)| ⊙ |σ(z)| = σ(z) ⊙ σ(z)": (sig_cell, lambda m: (hadamard(ew(H(m), A), ew(H(m), A)), hadamard(H(m), H(m)))),
    "|tanh| ⊙ |tanh| = tanh ⊙ tanh (abs)": (
        tanh_cell, lambda m: (hadamard(ew(H(m), abs), ew(H(m), abs)), hadamard(H(m), H(m)))),
    "|z ⊙ h| = |z| ⊙ |h|": (sig_cell, lambda m: (ew(hadamard(Z(m), H(m)), A), hadamard(ew(Z(m), A), ew(H(m), A)))),
    "max(0, z)·z = max(0, z)²": (
        sig_cell, lambda m: (ew(Z(m), lambda v: sp.Max(0, v) * v), ew(Z(m), lambda v: sp.Max(0, v) ** 2))),
    "−min(0, −z)·z = min(0, −z)²": (
        sig_cell, lambda m: (ew(Z(m), lambda v: -sp.Min(0, -v) * v), ew(Z(m), lambda v: sp.Min(0, -v) ** 2))),
    "max(0, z)·z = max(0, z)·|z|": (
        sig_cell, lambda m: (ew(Z(m), lambda v: sp.Max(0, v) * v), ew(Z(m), lambda v: sp.Max(0, v) * A(v)))),
    "|logistic| = logistic": (logistic_cell, lambda m: (ew(H(m), A), H(m))),
    "|logistic| = logistic (abs)": (logistic_cell, lambda m: (ew(H(m), abs), H(m))),
    "max(0, logistic) = logistic": (logistic_cell, lambda m: (ew(H(m), lambda v: sp.Max(0, v)), H(m))),
    **{f"ReLU ({k}) h_t ⊙ z_t = h_t ⊙ h_t": (c, lambda m: (hadamard(H(m), Z(m)), hadamard(H(m), H(m))))
       for k, c in RELU_CELLS.items()},
    **{f"ReLU ({k}) dh_t/dh_(t−1) = diag((1 + |z|/z)/2) W": (
        c, lambda m: (m.d(("h", m.t), ("h", m.t - 1)), diag(ew(Z(m), lambda v: (1 + A(v) / v) / 2)) * m.W))
       for k, c in RELU_CELLS.items()},
}


@pytest.mark.parametrize("name", list(TRUE_SMALL))
def test_a_true_claim_needing_sign_squares_or_positivity_holds_at_small_sizes(name):
    model, check = TRUE_SMALL[name]
    r = check_claim(make(check, model), backend="auto")
    assert r.verdict == Verdict.HOLDS, (name, r.verdict, r.error or r.scope)
    assert all(o.kernel is not None and o.kernel.holds for o in r.sizes)  # each size's holds: the kernel's word
    # branch absdec: the kernel bounds its own check (the sign split of |·|, max and min of a model's values, every
    # pattern, radicals.py "A model's values"; or, for a value the claim's function keeps positive, the rational
    # bound): an error bound with its degree, and nothing trusted (was accept.UNBOUNDED)
    assert r.trusted == [], (name, r.trusted)
    assert all(isinstance(o.kernel.degree, int) and o.kernel.error_bits and o.kernel.trusts == () for o in r.sizes), name


def test_a_holds_by_the_sign_split_says_so_in_its_size_detail():
    model, check = TRUE_SMALL["max(0, z)·z = max(0, z)²"]
    r = check_claim(make(check, model), backend="auto")
    assert r.verdict == Verdict.HOLDS
    assert all("every case of the signs" in o.detail for o in r.sizes), [o.detail for o in r.sizes]


# ----- the same classes on free variables ---------------------------------------------------------------------

FREE_TRUE = {
    "max(0, a)·a = max(0, a)²": (dict(a=scalar()), lambda v: (sp.Max(0, v.a) * v.a, sp.Max(0, v.a) ** 2)),
    "|a b| = |a| |b|": (dict(a=scalar(), b=scalar()), lambda v: (A(v.a * v.b), A(v.a) * A(v.b))),
    "max(x, 0) + min(x, 0) = x (entrywise)": (
        dict(x=vector("n")), lambda v: (v.x.applyfunc(lambda e: sp.Max(e, 0) + sp.Min(e, 0)), v.x)),
}
FREE_FALSE = {
    "max(0, a)·a = a²": (dict(a=scalar()), lambda v: (sp.Max(0, v.a) * v.a, v.a ** 2)),
    "|a + b| = |a| + |b|": (dict(a=scalar(), b=scalar()), lambda v: (A(v.a + v.b), A(v.a) + A(v.b))),
    "max(x, 0) = x (entrywise)": (dict(x=vector("n")), lambda v: (v.x.applyfunc(lambda e: sp.Max(e, 0)), v.x)),
}


@pytest.mark.parametrize("name", list(FREE_TRUE))
def test_free_variables_true_holds(name):
    variables, check = FREE_TRUE[name]
    r = check_claim(free(check, variables), backend="auto")
    assert r.verdict == Verdict.HOLDS, (name, r.verdict, r.error or r.scope)


@pytest.mark.parametrize("name", list(FREE_FALSE))
def test_free_variables_false_fails_certified(name):
    variables, check = FREE_FALSE[name]
    claim = free(check, variables)
    r = check_claim(claim, backend="auto")
    assert r.verdict == Verdict.FAILS, (name, r.verdict, r.error or r.scope)
    assert verify_identity(claim, r.counterexample).ok


# ----- at a size the exact engine does not reach, a true one is never a wrong verdict -------------------------------

@pytest.mark.parametrize("name", ["|σ(z)| ⊙ |σ(z)| = σ(z) ⊙ σ(z)", "max(0, z)·z = max(0, z)²", "|logistic| = logistic",
                                  "ReLU (Max) h_t ⊙ z_t = h_t ⊙ h_t"])
def test_a_true_claim_at_a_fixed_large_size_is_never_fails(name):
    model, check = TRUE_SMALL[name]
    r = check_claim(make(check, model, sizes=FIXED_LARGE), backend="auto")
    assert r.verdict in (Verdict.HOLDS, Verdict.UNDECIDED), (name, r.verdict, r.scope)
    if r.verdict == Verdict.UNDECIDED:
        assert "S(u)² = 1" in r.scope or "sign" in r.scope  # the scope says why: the sign reading forgets S² = 1


# ----- the case split itself: sound for real values only, and bounded ----------------------------------------------

def test_the_sign_split_reads_real_values_only_and_splits_at_most_max_sign_atoms():
    from symderiv import identity

    x = sp.Symbol("x")
    # |x|·|x| = x² needs S² = 1: zero in every case
    assert identity.nonzero_entries(sp.Matrix([[A(x) * A(x)]]), sp.Matrix([[x ** 2]])) == []
    assert identity.nonzero_entries(sp.Matrix([[sp.Max(0, x) * x]]), sp.Matrix([[sp.Max(0, x) ** 2]])) == []
    # its false siblings stay not zero: a case where they differ (x < 0) is one the split decides
    assert identity.nonzero_entries(sp.Matrix([[sp.Max(0, x) * x]]), sp.Matrix([[x ** 2]])) == [(0, 0)]
    assert identity.nonzero_entries(sp.Matrix([[A(x) * x]]), sp.Matrix([[x ** 2]])) == [(0, 0)]
    # a complex constant inside |·|: |x + i|² is x² + 1, never (±(x + i))² (no split)
    assert identity.nonzero_entries(sp.Matrix([[A(x + sp.I) * A(x + sp.I)]]), sp.Matrix([[(x + sp.I) ** 2]])) \
        == [(0, 0)]
    # beyond MAX_SIGN_ATOMS atoms the entry is not split (it stays not zero: a search, never a holds)
    k = identity.MAX_SIGN_ATOMS + 1
    xs = sp.symbols(f"u0:{k}")
    # (u + |u|)² = 2u(u + |u|) in each factor, true through |u|² = u² (the split's work), for k atoms at once
    lhs = sp.Mul(*[(u + A(u)) ** 2 for u in xs])
    rhs = sp.Mul(*[2 * u * (u + A(u)) for u in xs])
    assert identity.nonzero_entries(sp.Matrix([[lhs]]), sp.Matrix([[rhs]])) == [(0, 0)]
    few = xs[:identity.MAX_SIGN_ATOMS]
    assert identity.nonzero_entries(sp.Matrix([[sp.Mul(*[(u + A(u)) ** 2 for u in few])]]),
                                    sp.Matrix([[sp.Mul(*[2 * u * (u + A(u)) for u in few])]])) == []


# ----- finding: at n = 1, t = 1 the sides read z_1 only, but the kernel runs the whole cell (h_1 = σ(z_1)) --------

@pytest.mark.parametrize("name,check", [
    ("max(0, z_1) = z_1", lambda m: (ew(Z(m), lambda v: sp.Max(0, v)), Z(m))),
    ("|z_1| = z_1 (abs)", lambda m: (ew(Z(m), abs), Z(m))),
    ("z_1 + 1 = z_1 (no |·|: the same class)", lambda m: (ew(Z(m), lambda v: v + 1), Z(m)))])
def test_a_false_claim_on_values_before_sigma_gets_a_witness_the_kernel_can_run(name, check):
    """Was undecided: the search gave no witness σ (the sides never meet σ) and the kernel, which runs the cell's
    step h_1 = σ(z_1), refused every candidate ("an abstract σ needs a witness polynomial")."""
    claim = make(check, sig_cell, sizes=sweep(n=(1,), t=(1,), fixed=("n", "t")))
    r = check_claim(claim, backend="auto")
    assert r.verdict == Verdict.FAILS, (name, r.verdict, r.scope)
    assert verify_identity(claim, r.counterexample).ok
