"""Issue 19 items 2–3: the kernel's ℤ/p re-check reads √, rational powers, sin and cos itself (kernel/modular.py,
"√, rational powers, sin and cos"), so an F_p ``holds`` of such a claim beyond the kernel's exact reach (n > 6 or
t > 12) trusts nothing.

Reproduction (main 9e010a7): at n = 16, t = 8 the sine cell's true Jacobian dh_t/dh_{t−1} = diag(cos z_t) W was
``holds`` with ``trusted`` = ["the F_p trials, not re-checked by the kernel (its check over ℤ/p does not run: a value
over ℤ/p inside a SymPy expression …)"]; the power cell (1 + z²)^(3/2) likewise ("only integer powers have a value
in ℤ/p, not 3/2"). Each function is tested in a cell and in the check, √ written as ``sp.sqrt`` and as
``**Rational(1, 2)``, s^(3/2) and s^(−1/2); every true claim must hold with ``trusted`` empty; every false sibling (a
wrong derivative, a sign slip, a wrong power) must have no kernel token and never be ``holds``; an F_p with a
planted bug in its reading of each function must be caught by the kernel; a truth the relaxation forgets
(sin² + cos² = 1, (√s)² = s) is never ``fails``.

Free variables: F_p does not accept them (the exact normal form decides a free-variable claim at every size), so
there is no F_p ``holds`` of one to confirm; the test says so.
"""
from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
import sympy as sp

from symderiv import cell, diag, fp, hadamard, kernel, ones, vector
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.kernel import Refuted
from symderiv.results import Method, Verdict
from symderiv.sizes import sweep

LARGE = {"n": 16, "t": 8}
R = sp.Rational


@cell("sine cell: h_t = sin(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def sin_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(sp.sin)


@cell("cosine cell: h_t = cos(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def cos_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: sp.cos(v))


@cell("√ cell (sp.sqrt): h_t = √(1 + z_t²)", params={"W": ("n", "n"), "U": ("n", "m")})
def sqrt_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: sp.sqrt(1 + v ** 2))


@cell("√ cell (**Rational(1, 2)): h_t = (1 + z_t²)^(1/2)", params={"W": ("n", "n"), "U": ("n", "m")})
def half_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: (1 + v ** 2) ** R(1, 2))


@cell("power cell: h_t = (1 + z_t²)^(3/2)", params={"W": ("n", "n"), "U": ("n", "m")})
def pow_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: (1 + v ** 2) ** R(3, 2))


@cell("σ cell: h_t = σ(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def sigma_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.sigma(s.z)


@cell("tanh cell through applyfunc: h_t = tanh(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def tanh_apply_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(sp.tanh)


@cell("damped sine cell: h_t = sin(z_t)·exp(−z_t²)", params={"W": ("n", "n"), "U": ("n", "m")})
def damped_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: sp.sin(v) * sp.exp(-v ** 2))


def make(check, model, sizes=None, cid="kmodfn.claim"):
    return Claim(id=cid, where="test", statement="test", check=check, model=model,
                 sizes=sizes or sweep(n=(LARGE["n"],), t=(LARGE["t"],)), conventions={"layout": "row-major"})


def Z(m):
    return m.at("z", m.t)


def jacobian(d):
    """dh_t/dh_{t−1} = diag(d(z_t)) W, d written as a SymPy function of one entry (the check's own reading)."""
    return lambda m: (m.d(("h", m.t), ("h", m.t - 1)), diag(Z(m).applyfunc(d)) * m.W)


def ew(fn):
    return lambda q: q.applyfunc(fn)


def S(m):
    """1 + z², a value that is not 0 at a random point."""
    return Z(m).applyfunc(lambda v: 1 + v ** 2)


# (model, check): true for the real functions and under the reading (every function a random atom with its
# derivative rule): the kernel must confirm each with a bounded degree, trusting nothing
TRUE = {
    # in a cell: the Jacobian of the step
    "sin cell: diag(cos z) W": (sin_cell, jacobian(sp.cos)),
    "cos cell: diag(−sin z) W": (cos_cell, jacobian(lambda v: -sp.sin(v))),
    "√ cell (sp.sqrt): diag(z/√(1 + z²)) W": (sqrt_cell, jacobian(lambda v: v / sp.sqrt(1 + v ** 2))),
    "√ cell (sp.sqrt): diag(z (1 + z²)^(−1/2)) W": (sqrt_cell, jacobian(lambda v: v * (1 + v ** 2) ** R(-1, 2))),
    "√ cell (**1/2): diag(z/√(1 + z²)) W": (half_cell, jacobian(lambda v: v / sp.sqrt(1 + v ** 2))),
    "(·)^(3/2) cell: diag(3z √(1 + z²)) W": (pow_cell, jacobian(lambda v: 3 * v * sp.sqrt(1 + v ** 2))),
    "(·)^(3/2) cell: diag(3z (1 + z²)^(1/2)) W": (pow_cell, jacobian(lambda v: 3 * v * (1 + v ** 2) ** R(1, 2))),
    "tanh through applyfunc: diag(1 − tanh² z) W": (tanh_apply_cell, jacobian(lambda v: 1 - sp.tanh(v) ** 2)),
    "sin·exp cell: diag((cos z − 2z sin z) e^(−z²)) W": (
        damped_cell, jacobian(lambda v: (sp.cos(v) - 2 * v * sp.sin(v)) * sp.exp(-v ** 2))),
    # in the check, on a polynomial cell's values
    "s^(3/2) = s·√s": (sigma_cell, lambda m: (S(m).applyfunc(lambda v: v ** R(3, 2)),
                                              hadamard(S(m), S(m).applyfunc(sp.sqrt)))),
    "s^(−1/2) ⊙ s = √s": (sigma_cell, lambda m: (hadamard(S(m).applyfunc(lambda v: v ** R(-1, 2)), S(m)),
                                                 S(m).applyfunc(lambda v: v ** R(1, 2)))),
    "sin(z)·cos(z) in one function = sin(z) ⊙ cos(z)": (
        sigma_cell, lambda m: (Z(m).applyfunc(lambda v: sp.sin(v) * sp.cos(v)),
                               hadamard(Z(m).applyfunc(sp.sin), Z(m).applyfunc(sp.cos)))),
    "s^(1/2)·s^(1/2) in one function = s (SymPy folds it to s before any reading)": (
        sigma_cell, lambda m: (S(m).applyfunc(lambda v: v ** R(1, 2) * v ** R(1, 2)), S(m))),
    # a derivative in the check through the check's own function of a model value
    "d sin(σ cell's h_t)/dh_{t−1} = diag(cos h_t) dh_t/dh_{t−1}": (
        sigma_cell, lambda m: (m.d(lambda q: q.h(q.t).applyfunc(sp.sin), ("h", m.t - 1)),
                               diag(m.h(m.t).applyfunc(sp.cos)) * m.d(("h", m.t), ("h", m.t - 1)))),
}

# true for the real functions, and under the kernel's reading (its sin and cos tables are mirrored: S(−u) = −S(u),
# C(−u) = C(u), as SymPy applies them by itself), but not under F_p's (independent atoms at u and −u): F_p disagrees,
# so the claim is undecided (never fails), and the kernel alone confirms it
KERNEL_ONLY = {
    "sin(−z) = −sin(z), cos(−z) = cos(z)": (
        sigma_cell, lambda m: ((-Z(m)).applyfunc(sp.sin) + (-Z(m)).applyfunc(sp.cos),
                               -Z(m).applyfunc(sp.sin) + Z(m).applyfunc(sp.cos))),
}

# false siblings: a wrong derivative, a sign slip, a wrong power
FALSE = {
    "sin cell: diag(sin z) W": (sin_cell, jacobian(sp.sin)),
    "sin cell: diag(−cos z) W": (sin_cell, jacobian(lambda v: -sp.cos(v))),
    "cos cell: diag(sin z) W (sign slip)": (cos_cell, jacobian(sp.sin)),
    "√ cell (sp.sqrt): diag(1/√(1 + z²)) W": (sqrt_cell, jacobian(lambda v: 1 / sp.sqrt(1 + v ** 2))),
    "√ cell (**1/2): diag(2z (1 + z²)^(−1/2)) W": (half_cell, jacobian(lambda v: 2 * v * (1 + v ** 2) ** R(-1, 2))),
    "(·)^(3/2) cell: diag(3z (1 + z²)^(3/2)) W": (pow_cell, jacobian(lambda v: 3 * v * (1 + v ** 2) ** R(3, 2))),
    "(·)^(3/2) cell: diag((3/2) z √(1 + z²)) W": (pow_cell, jacobian(lambda v: R(3, 2) * v * sp.sqrt(1 + v ** 2))),
    "(·)^(3/2) cell: diag(4z √(1 + z²)) W": (pow_cell, jacobian(lambda v: 4 * v * sp.sqrt(1 + v ** 2))),
    "s^(3/2) = s^(1/2)·s^(1/2)·… written s ⊙ s^(−1/2)": (
        sigma_cell, lambda m: (S(m).applyfunc(lambda v: v ** R(3, 2)),
                               hadamard(S(m), S(m).applyfunc(lambda v: v ** R(-1, 2))))),
    "sin·exp cell: diag((cos z + 2z sin z) e^(−z²)) W (sign slip)": (
        damped_cell, jacobian(lambda v: (sp.cos(v) + 2 * v * sp.sin(v)) * sp.exp(-v ** 2))),
    "sin(−z) = sin(z)": (sigma_cell, lambda m: ((-Z(m)).applyfunc(sp.sin), Z(m).applyfunc(sp.sin))),
}

F_P_TRIALS = "the F_p trials"


def _untrusted(r):
    return list(r.trusted) == []


# ----- the kernel confirms each true claim itself: holds with trusted empty ------------------------------------

@pytest.mark.parametrize("name", list(TRUE))
def test_a_true_claim_holds_beyond_reach_with_nothing_trusted(name):
    model, check = TRUE[name]
    r = check_claim(make(check, model), backend="fp")
    assert r.verdict == Verdict.HOLDS, (name, r.error or r.scope)
    assert all(o.method == Method.FP for o in r.sizes)
    assert _untrusted(r), (name, r.trusted)  # the kernel's own reading: no "the F_p trials, not re-checked"


@pytest.mark.parametrize("name", list(TRUE) + list(KERNEL_ONLY))
def test_the_kernels_token_has_a_bounded_degree_and_trusts_nothing(name):
    model, check = {**TRUE, **KERNEL_ONLY}[name]
    token, why = kernel.confirm_identity(make(check, model), LARGE, seed=3, trusts=F_P_TRIALS)
    assert token is not None, why
    assert token.trusts == (), why
    assert isinstance(token.degree, int) and 0 < token.degree < 2 ** 62, why


@pytest.mark.parametrize("name", list(KERNEL_ONLY))
def test_a_truth_fp_does_not_see_is_never_fails(name):
    model, check = KERNEL_ONLY[name]
    r = check_claim(make(check, model), backend="fp")
    assert r.verdict == Verdict.UNDECIDED, (name, r.verdict, r.scope)


# ----- false siblings: never a kernel token, never holds -------------------------------------------------------

@pytest.mark.parametrize("name", list(FALSE))
def test_a_false_sibling_gets_no_kernel_token_and_is_never_holds(name):
    model, check = FALSE[name]
    claim = make(check, model)
    token, why = kernel.confirm_identity(claim, LARGE, seed=1, trusts=F_P_TRIALS)
    assert token is None, why
    assert not isinstance(token, Refuted)
    r = check_claim(claim, backend="fp")
    assert r.verdict != Verdict.HOLDS, (name, r.scope)


# ----- a planted bug in F_p's reading of each function: the kernel refuses the token -----------------------------

def _plant_derivative(monkeypatch, family, factor):
    """F_p's derivative rule of ``family`` multiplied by ``factor`` (sin' = factor·cos, (s^r)' = factor·r s^r/s, …),
    planted in every module that reads it."""
    from symderiv.fp import elementwise, model as fp_model, values

    real = elementwise._fvalue

    def planted(batch, fam, order, v):
        out = real(batch, fam, order, v)
        if fam == family and order == 1:
            out = values._scale(out, Fraction(factor))
        return out

    for mod in (elementwise, fp_model):
        monkeypatch.setattr(mod, "_fvalue", planted)


PLANTS = [  # (family whose derivative is planted, factor, the false claim the planted F_p then says holds)
    ("sin", -1, "sin cell: diag(−cos z) W"),
    ("cos", -1, "cos cell: diag(sin z) W (sign slip)"),
    ("pow1/2", 2, "√ cell (**1/2): diag(2z (1 + z²)^(−1/2)) W"),
    ("pow1/2", 0, "√ cell (sp.sqrt): diag(1/√(1 + z²)) W"),
    ("pow1/2", 2, "(·)^(3/2) cell: diag(4z √(1 + z²)) W"),  # d(s·√s) = (1 + 2·½)·√s ds = 4z√s under the plant
]


@pytest.mark.parametrize("family,factor,name", PLANTS, ids=[f"{f}×{k}" for f, k, _ in PLANTS])
def test_a_planted_derivative_rule_in_fp_is_caught_by_the_kernel(monkeypatch, family, factor, name):
    model, check = FALSE[name]
    claim = make(check, model)
    if factor == 0:  # √'s derivative dropped: the cell's h_t = √(1 + z²) then reads as a constant in z, and the
        model, check = sqrt_cell, lambda m: (m.d(("h", m.t), ("h", m.t - 1)), 0 * m.W)  # false claim dh/dh = 0
        claim = make(check, model)
    _plant_derivative(monkeypatch, family, factor)
    assert fp.test_identity(claim, LARGE, seed=1).equal  # the planted F_p says holds
    r = check_claim(claim, backend="fp")
    assert r.verdict != Verdict.HOLDS, r.scope  # the kernel's own derivative rule disagrees


def _plant_walk(monkeypatch, swap):
    """F_p's reading of an entry function with one function read as another (sin as cos, s^(3/2) as s·s^(1/2)
    with the power's integer part dropped), planted in every module that calls the walker."""
    from symderiv.fp import elementwise, model as fp_model, values

    walk = elementwise._walk

    def planted(fn, x, ops):
        def bent(a):  # the reading on a symbol bent, the function's values at numbers not (a plant in F_p's reading)
            return swap(sp.sympify(fn(a))) if isinstance(a, sp.Symbol) else fn(a)
        return walk(bent, x, ops)

    for mod in (elementwise, fp_model, values):
        monkeypatch.setattr(mod, "_walk", planted)


WALK_PLANTS = [
    ("cos read as sin", lambda e: e.replace(lambda t: type(t) is sp.cos, lambda t: sp.sin(t.args[0])),
     sigma_cell, lambda m: (Z(m).applyfunc(sp.cos), Z(m).applyfunc(sp.sin))),
    ("s^(3/2) read as s^(1/2)", lambda e: e.replace(lambda t: type(t) is sp.Pow and t.exp == R(3, 2),
                                                     lambda t: sp.sqrt(t.base)),
     sigma_cell, lambda m: (S(m).applyfunc(lambda v: v ** R(3, 2)), S(m).applyfunc(sp.sqrt))),
    ("√ read as its argument", lambda e: e.replace(lambda t: type(t) is sp.Pow and t.exp == R(1, 2),
                                                   lambda t: t.base),
     sigma_cell, lambda m: (S(m).applyfunc(sp.sqrt), S(m))),
]


@pytest.mark.parametrize("what,swap,model,check", WALK_PLANTS, ids=[w[0] for w in WALK_PLANTS])
def test_a_planted_reading_in_fp_is_caught_by_the_kernel(monkeypatch, what, swap, model, check):
    claim = make(check, model)
    _plant_walk(monkeypatch, swap)
    assert fp.test_identity(claim, LARGE, seed=1).equal  # the planted F_p says holds
    r = check_claim(claim, backend="fp")
    assert r.verdict != Verdict.HOLDS, r.scope


# ----- a truth the reading forgets: the kernel's disagreement is never fails ------------------------------------

FORGOTTEN = {
    "sin² + cos² = 1": lambda m: (hadamard(Z(m).applyfunc(sp.sin), Z(m).applyfunc(sp.sin))
                                  + hadamard(Z(m).applyfunc(sp.cos), Z(m).applyfunc(sp.cos)), ones(m.n, 1)),
    "(√s)² = s": lambda m: (hadamard(S(m).applyfunc(sp.sqrt), S(m).applyfunc(sp.sqrt)), S(m)),
}


@pytest.mark.parametrize("name", list(FORGOTTEN))
def test_a_truth_the_reading_forgets_is_never_fails(monkeypatch, name):
    claim = make(FORGOTTEN[name], sigma_cell)
    token, why = kernel.confirm_identity(claim, LARGE, seed=2, trusts=F_P_TRIALS)
    assert token is None and not isinstance(token, Refuted), why  # a disagreement, never a refutation
    r = check_claim(claim, backend="fp")
    assert r.verdict == Verdict.UNDECIDED, (name, r.verdict, r.scope)
    # even when F_p (planted) says holds, the kernel's disagreement makes no fails
    real = fp.test_identity
    monkeypatch.setattr(fp, "test_identity", lambda *a, **k: dataclasses.replace(real(*a, **k), equal=True))
    r = check_claim(claim, backend="fp")
    assert r.verdict == Verdict.UNDECIDED, (name, r.verdict, r.scope)


# ----- the refutation over ℤ/p has no value for these functions: it refuses, it does not guess -----------------

def test_the_modular_refutation_refuses_the_functions():
    """A refutation must be the image of ℚ's values: √, sin and cos have none in ℤ/p, so it refuses (Unsupported)."""
    from symderiv.kernel import modular
    from symderiv.kernel.dual import Unsupported

    for name in ("sin cell: diag(cos z) W", "cos cell: diag(−sin z) W", "(·)^(3/2) cell: diag(3z √(1 + z²)) W",
                 "s^(−1/2) ⊙ s = √s"):
        model, check = TRUE[name]
        with pytest.raises(Unsupported):
            modular.sides(make(check, model), {"n": 2, "t": 2}, _Threes(), [0, 1], None, 2 ** 61 - 1)


class _Threes(dict):
    """Every input of the point is 3."""

    def __contains__(self, key):
        return True

    def __missing__(self, key):
        return 3


# ----- free variables: F_p does not accept them, so there is no F_p holds to confirm --------------------------

def test_fp_does_not_take_free_variables():
    claim = Claim(id="kmodfn.free", where="test", statement="test", variables=dict(x=vector("n")),
                  check=lambda v: (v.d(v.x.applyfunc(sp.sin), "x"), diag(v.x.applyfunc(sp.cos))), model=None,
                  sizes=sweep(n=(16,)), conventions={})
    with pytest.raises(fp.Unsupported):
        fp.test_identity(claim, {"n": 16}, seed=1)


# ----- generated: entry functions from a small grammar, in a cell and in the check --------------------------------

def _grammar(rng, depth):
    a = sp.Symbol("a")
    leaves = [a, a + 1, 2 * a - 1, a ** 2 + 1]
    if depth == 0:
        return rng.choice(leaves)
    x = _grammar(rng, depth - 1)
    op = rng.choice(["sqrt", "half", "threehalves", "invsqrt", "sin", "cos", "add", "mul"])
    if op == "sqrt":
        return sp.sqrt(1 + x ** 2)
    if op == "half":
        return (x ** 2 + 2) ** R(1, 2)
    if op == "threehalves":
        return (x ** 2 + 1) ** R(3, 2)
    if op == "invsqrt":
        return (x ** 2 + 3) ** R(-1, 2)
    if op == "sin":
        return sp.sin(x)
    if op == "cos":
        return sp.cos(x)
    if op == "add":
        return x + _grammar(rng, depth - 1)
    return x * rng.choice(leaves)


def _generated(count=8, seed=19):
    import random

    rng = random.Random(seed)
    a = sp.Symbol("a")
    out = []
    while len(out) < count:
        e = _grammar(rng, 2)
        if e.is_polynomial(a):
            continue
        out.append(sp.Lambda(a, e))
    return out


def _cell_of(g):
    @cell(f"generated cell: h_t = g(z_t), g(a) = {g.expr}", params={"W": ("n", "n"), "U": ("n", "m")})
    def generated(s, prev, x, p, f):
        s.z = p.W * prev.h + p.U * x
        s.h = s.z.applyfunc(g)

    return generated


@pytest.mark.parametrize("k", range(8))
def test_generated_entry_functions_in_a_cell_and_in_the_check(k):
    """A cell h_t = g(z_t), g from the grammar: its Jacobian diag(g'(z_t)) W (g' SymPy's derivative of g) and a
    linear combination of g and another function in the check; each true claim holds, confirmed by the kernel with
    nothing trusted, each false sibling (g' + 1; a term dropped) is never holds and gets no kernel token."""
    a = sp.Symbol("a")
    g, h2 = _generated()[k], _generated(seed=23)[k]
    dg = sp.Lambda(a, sp.diff(g.expr, a))
    model = _cell_of(g)
    true = {"jacobian": jacobian(dg),
            "linear": lambda m: (Z(m).applyfunc(sp.Lambda(a, 3 * g.expr - h2.expr / 2)),
                                 3 * Z(m).applyfunc(g) - Z(m).applyfunc(h2) / 2)}
    false = {"jacobian + I": jacobian(sp.Lambda(a, dg.expr + 1)),
             "linear, a term off": lambda m: (Z(m).applyfunc(sp.Lambda(a, 3 * g.expr - h2.expr / 2 + a)),
                                              3 * Z(m).applyfunc(g) - Z(m).applyfunc(h2) / 2)}
    # t = 4: a cell through a reciprocal site at every step (g = (z² + 5)^(−1/2)) nests its sites, and F_p's own
    # bound passes 2^62 by t = 8 (an error there, F_p's limit, not the reading's); n = 16 > REACH["n"] still
    sizes, size = sweep(n=(16,), t=(4,)), {"n": 16, "t": 4}
    for name, check in true.items():  # (all 16 of this seeded grammar hold under both readings)
        r = check_claim(make(check, model, sizes), backend="fp")
        assert r.verdict == Verdict.HOLDS, (g, name, r.verdict, r.error or r.scope)
        assert _untrusted(r), (g, name, r.trusted)
    for name, check in false.items():
        claim = make(check, model, sizes)
        token, why = kernel.confirm_identity(claim, size, seed=5, trusts=F_P_TRIALS)
        assert token is None, (g, name, why)
        assert check_claim(claim, backend="fp").verdict != Verdict.HOLDS, (g, name)
