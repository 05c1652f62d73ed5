"""Issue 14 (item 6): √, sin and cos over F_p, as a sound relaxation (fp.py, "Square roots, sines and cosines").

Reproduction: a cell h_t = sin(W h_{t−1} + U x_t) or h_t = √(1 + z_t²) was refused by the randomized backend
(``applyfunc of sin(a)``: Unsupported), so ``--backend fp`` was an error and ``auto`` fell back to the exact
engine, which cannot build n = 32, t = 64 (undecided). The true Jacobian must hold over F_p with a stated bound
and agree with the exact engine where it decides; a slip must never hold; a relation the relaxation forgets
(sin² + cos² = 1, (√s)² = s) must leave a true claim undecided, never fails.
"""
from __future__ import annotations

import pytest
import sympy as sp

from symderiv import cell, diag, fp, hadamard, ones
from symderiv.claims import Claim
from symderiv.engine import check_claim, check_identity_at
from symderiv.results import Verdict
from symderiv.sizes import sweep


@cell("sine cell: h_t = sin(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def sin_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(sp.sin)


@cell("square-root cell: h_t = √(1 + z_t²), z_t = W h_{t−1} + U x_t", params={"W": ("n", "n"), "U": ("n", "m")})
def sqrt_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: sp.sqrt(1 + v ** 2))


@cell("power cell: h_t = (1 + z_t²)^(3/2)", params={"W": ("n", "n"), "U": ("n", "m")})
def pow_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: (1 + v ** 2) ** sp.Rational(3, 2))


def jacobian(d):
    """dh_t/dh_{t−1} = diag(d(z_t)) W, d written as a SymPy function of one entry."""
    return lambda m: (m.d(("h", m.t), ("h", m.t - 1)), diag(m.at("z", m.t).applyfunc(d)) * m.W)


CASES = [  # (name, model, derivative written in the claim, true?)
    ("sin", sin_cell, sp.cos, True),
    ("sin-slip", sin_cell, sp.sin, False),
    ("sqrt", sqrt_cell, lambda v: v / sp.sqrt(1 + v ** 2), True),
    ("sqrt-slip", sqrt_cell, lambda v: 1 / sp.sqrt(1 + v ** 2), False),
    ("pow", pow_cell, lambda v: 3 * v * sp.sqrt(1 + v ** 2), True),
    ("pow-slip", pow_cell, lambda v: 3 * v * (1 + v ** 2) ** sp.Rational(3, 2), False),
]
IDS = [c[0] for c in CASES]


def make(check, model, sizes=None):
    return Claim(id="fptrig.claim", where="test", statement="test", check=check, model=model,
                 sizes=sizes or sweep(n=(1, 2), t=(1, 2)), conventions={"layout": "row-major"})


@pytest.mark.parametrize("name,model,d,true", CASES, ids=IDS)
def test_at_n32_t64_over_fp(name, model, d, true):
    # the power cell's h_t = s·s^(1/2) doubles its degree each step (a polynomial cell would too): t = 8 there
    t = 8 if name.startswith("pow") else 64
    out = fp.test_identity(make(jacobian(d), model), {"n": 32, "t": t}, seed=5)
    assert out.equal == true
    if true:
        assert out.error_bits >= 64
        assert out.relaxation()  # the relaxation is named


@pytest.mark.parametrize("n,t", [(1, 1), (1, 2), (2, 1), (2, 2)])
@pytest.mark.parametrize("name,model,d,true", CASES, ids=IDS)
def test_fp_agrees_with_the_exact_engine(name, model, d, true, n, t):
    claim = make(jacobian(d), model)
    exact, _ = check_identity_at(claim, {"n": n, "t": t}, backend="symengine", seed=0, phases={})
    over_fp = fp.test_identity(claim, {"n": n, "t": t}, seed=3).equal
    if exact.status in (Verdict.HOLDS, Verdict.FAILS):
        assert over_fp == (exact.status == Verdict.HOLDS), (n, t, exact.detail)
    if true:
        assert over_fp and exact.status != Verdict.FAILS


@pytest.mark.parametrize("name,model,d,true", [c for c in CASES if c[0] in ("sin", "sqrt")], ids=["sin", "sqrt"])
def test_the_true_jacobian_holds_at_n32_t64_through_the_engine(name, model, d, true):
    for backend in ("fp", "auto"):
        r = check_claim(make(jacobian(d), model, sweep(n=(32,), t=(64,))), backend=backend)
        assert r.verdict == Verdict.HOLDS, r.error or r.scope
        assert "F_p" in r.scope and "error ≤ 2^−" in r.scope
        words = ("sin", "cos") if name == "sin" else ("√",)
        assert all(w in r.scope for w in words), r.scope


@pytest.mark.parametrize("name,model,d,true", [c for c in CASES if c[0] in ("sin-slip", "sqrt-slip")],
                         ids=["sin-slip", "sqrt-slip"])
def test_a_slip_at_n32_t64_fails_certified_small_or_is_undecided_never_holds(name, model, d, true):
    r = check_claim(make(jacobian(d), model, sweep(n=(32,), t=(64,))), backend="auto")
    assert r.verdict in (Verdict.FAILS, Verdict.UNDECIDED), r.error or r.scope
    if r.verdict == Verdict.FAILS:
        assert "certified at n = " in r.scope and r.counterexample is not None


@cell("nested: h_t = sin(z_t) √(1 + cos²(z_t))", params={"W": ("n", "n"), "U": ("n", "m")})
def nested_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: sp.sin(v) * sp.sqrt(1 + sp.cos(v) ** 2))


def test_nested_sin_cos_sqrt_holds_over_fp_and_its_slip_never_holds():
    """sin, cos and √ composed: the true derivative (SymPy's, of the entry function) holds at n = 32, t = 64
    and agrees with the exact engine at n = t = 1; a slip (the second term's sign) never holds."""
    v = sp.Symbol("v")
    g = sp.sin(v) * sp.sqrt(1 + sp.cos(v) ** 2)
    true = sp.Lambda(v, sp.diff(g, v))
    slip = sp.Lambda(v, sp.sqrt(1 + sp.cos(v) ** 2) * sp.cos(v) + sp.sin(v) ** 2 * sp.cos(v) / sp.sqrt(1 + sp.cos(v) ** 2))
    r = check_claim(make(jacobian(true), nested_cell, sweep(n=(32,), t=(64,))), backend="fp")
    assert r.verdict == Verdict.HOLDS, r.error or r.scope
    assert "√, sin and cos" in r.scope and "sin² + cos² = 1" in r.scope and "(√s)² = s" in r.scope
    exact, _ = check_identity_at(make(jacobian(true), nested_cell), {"n": 1, "t": 1}, backend="symengine", seed=0,
                                 phases={})
    assert exact.status == Verdict.HOLDS
    assert not fp.test_identity(make(jacobian(slip), nested_cell), {"n": 2, "t": 2}, seed=4).equal


def test_nested_slip_through_the_engine_fails_certified_at_a_small_size():
    """The exact engine's search evaluates sin, cos and √ in floats to guide it (it gave up on cos before), and the
    kernel certifies the slip at a small size."""
    v = sp.Symbol("v")
    slip = sp.Lambda(v, sp.sqrt(1 + sp.cos(v) ** 2) * sp.cos(v) + sp.sin(v) ** 2 * sp.cos(v) / sp.sqrt(1 + sp.cos(v) ** 2))
    r = check_claim(make(jacobian(slip), nested_cell, sweep(n=(32,), t=(64,))), backend="auto")
    assert r.verdict == Verdict.FAILS and r.counterexample is not None, r.error or r.scope


def _identity(f, g):
    """Σ f(h)⊙g(h) written entrywise against 1: a relation between atoms at the same argument."""
    return lambda m: (hadamard(m.h(m.t).applyfunc(f), m.h(m.t).applyfunc(f))
                      + hadamard(m.h(m.t).applyfunc(g), m.h(m.t).applyfunc(g)), ones(m.n, 1))


@pytest.mark.parametrize("check", [
    _identity(sp.sin, sp.cos),  # sin² + cos² = 1
    lambda m: (hadamard(m.h(m.t).applyfunc(lambda a: sp.sqrt(1 + a ** 2)),
                        m.h(m.t).applyfunc(lambda a: sp.sqrt(1 + a ** 2))),
               ones(m.n, 1) + hadamard(m.h(m.t), m.h(m.t))),  # (√(1 + h²))² = 1 + h²
], ids=["sin2-plus-cos2", "sqrt-squared"])
def test_a_relation_the_relaxation_forgets_is_undecided_never_fails(check):
    claim = make(check, sin_cell)
    assert not fp.test_identity(claim, {"n": 2, "t": 2}, seed=1).equal
    r = check_claim(claim, n=(8,), t=(9,), backend="fp")
    assert r.verdict == Verdict.UNDECIDED, r.error or r.scope
    assert "relaxation" in r.scope


def test_sin_cos_derivatives_of_higher_order_cycle():
    """sin'''' = sin: the atom machinery's higher derivatives over F_p (the tape's fn entries use order + 1)."""
    batch = fp._Batch([__import__("numpy").random.default_rng(0)], [fp.random_prime(__import__("numpy").random.default_rng(1))])
    v = batch.random(3, 1)
    S, C = fp._fvalue(batch, "sin", 0, v), fp._fvalue(batch, "cos", 0, v)
    assert fp._fvalue(batch, "sin", 1, v).a[0] == C.a[0]
    assert fp._fvalue(batch, "cos", 1, v).a[0] == (-S.a[0])
    assert fp._fvalue(batch, "sin", 4, v).a[0] == S.a[0]
    assert fp._fvalue(batch, "cos", 3, v).a[0] == S.a[0]


def test_an_unsupported_function_is_still_a_one_line_refusal():
    claim = make(lambda m: (m.h(m.t).applyfunc(sp.atan), m.h(m.t).applyfunc(sp.atan)), sin_cell)
    with pytest.raises(fp.Unsupported, match="atan"):
        fp.test_identity(claim, {"n": 2, "t": 2})
