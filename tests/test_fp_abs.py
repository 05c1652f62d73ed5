"""Issue 19 item 3: F_p and the kernel's F_p re-check cover |·|, max and min (fp package docstring, "|·|, max and
min"; kernel/modular.py, "|·|, max and min").

Reproduction: a claim at n = 16, t = 8 whose sides apply |·|, max or min to a model's values was refused by F_p
(``applyfunc of Abs(a)``: Unsupported) and the kernel's ℤ/p re-check could not run it (``sp.Abs`` of a ModScalar),
so the claim was undecided (or its holds rested on F_p alone). Now F_p reads |u| = S(u)·u, max and min through
|a − b|, S a mirrored sign atom (S(−u) = −S(u)), and the kernel reads them itself with its own sign function.

Each class is tested with siblings written another way: ``sp.Abs`` beside ``abs``, max through ``sp.Max`` and
through ``sp.Min`` of the swapped arguments, a sign atom dropped as +1 and as −1 (planted), scalar constants and two
model quantities.
"""
from __future__ import annotations

import random

import pytest
import sympy as sp

from symderiv import cell, diag, fp, hadamard, kernel
from symderiv.claims import Claim
from symderiv.engine import check_claim, check_identity_at
from symderiv.kernel import verify_identity
from symderiv.results import Method, Verdict
from symderiv.sizes import sweep

LARGE = {"n": 16, "t": 8}


@cell("σ cell: h_t = σ(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def sigma_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.sigma(s.z)


@cell("ReLU cell: h_t = max(z_t, 0)", params={"W": ("n", "n"), "U": ("n", "m")})
def relu_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: sp.Max(v, 0))


@cell("logistic cell: h_t = logistic(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
def logistic_cell(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.logistic(s.z)


def make(check, model=sigma_cell, sizes=None, cid="fpabs.claim"):
    return Claim(id=cid, where="test", statement="test", check=check, model=model,
                 sizes=sizes or sweep(n=(LARGE["n"],), t=(LARGE["t"],)), conventions={"layout": "row-major"})


def H(m):
    return m.at("h", m.t)


def Z(m):
    return m.at("z", m.t)


def ew(fn):
    """A claim side: fn applied to each entry of a quantity."""
    return lambda q: q.applyfunc(fn)


ABSES = {"sp.Abs": sp.Abs, "abs": abs}

# (name, model, check): true for the real |·|, max, min, and true under the sign reading (every sign pattern)
TRUE = {
    "|z|² = z² (sp.Abs)": (sigma_cell, lambda m: (ew(lambda v: sp.Abs(v) ** 2)(Z(m)), ew(lambda v: v ** 2)(Z(m)))),
    "|z|·|z| = z² (abs)": (sigma_cell, lambda m: (ew(lambda v: abs(v) * abs(v))(Z(m)), ew(lambda v: v ** 2)(Z(m)))),
    "|σ(z)|·|σ(z)| = σ(z)²": (sigma_cell, lambda m: (ew(lambda v: sp.Abs(v) * sp.Abs(v))(H(m)), hadamard(H(m), H(m)))),
    "max(z, 0) + min(z, 0) = z": (sigma_cell, lambda m: (ew(lambda v: sp.Max(v, 0) + sp.Min(v, 0))(Z(m)), Z(m))),
    "max(z, 1) + min(1, z) = z + 1": (sigma_cell, lambda m: (ew(lambda v: sp.Max(v, 1))(Z(m)) + ew(lambda v: sp.Min(1, v))(Z(m)),
                                                             ew(lambda v: v + 1)(Z(m)))),
    "max(a, b) + min(a, b) = a + b (two quantities)": (
        sigma_cell, lambda m: ((Z(m) + H(m) + (Z(m) - H(m)).applyfunc(sp.Abs)) / 2
                               + (Z(m) + H(m) - (H(m) - Z(m)).applyfunc(sp.Abs)) / 2, Z(m) + H(m))),
    "|−z| = |z|": (sigma_cell, lambda m: (ew(lambda v: sp.Abs(-v))(Z(m)), ew(sp.Abs)(Z(m)))),
    "max(z, 0) = z − min(z, 0)": (sigma_cell, lambda m: (ew(lambda v: sp.Max(0, v))(Z(m)), Z(m) - ew(lambda v: sp.Min(v, 0))(Z(m)))),
    "ReLU: dh_t/dh_{t−1} = diag((1 + |z|/z)/2) W": (
        relu_cell, lambda m: (m.d(("h", m.t), ("h", m.t - 1)), diag(ew(lambda v: (1 + sp.Abs(v) / v) / 2)(Z(m))) * m.W)),
    "ReLU: max(0, z)·W-product, h_t = (z + |z|)/2": (
        relu_cell, lambda m: (m.W * H(m), m.W * ew(lambda v: (v + sp.Abs(v)) / 2)(Z(m)))),
}

FALSE = {
    "|a + 1| = |a| + 1": (sigma_cell, lambda m: (ew(lambda v: sp.Abs(v + 1))(Z(m)), ew(lambda v: sp.Abs(v) + 1)(Z(m)))),
    "|a + b| = |a| + |b| (two quantities)": (
        sigma_cell, lambda m: ((Z(m) + H(m)).applyfunc(sp.Abs), Z(m).applyfunc(sp.Abs) + H(m).applyfunc(sp.Abs))),
    "max(a, 0) = a": (sigma_cell, lambda m: (ew(lambda v: sp.Max(v, 0))(Z(m)), Z(m))),
    "min(0, a) = a": (sigma_cell, lambda m: (ew(lambda v: sp.Min(0, v))(Z(m)), Z(m))),
    "|z| = z (abs)": (sigma_cell, lambda m: (ew(abs)(Z(m)), Z(m))),
    "ReLU Jacobian with the sign flipped": (
        relu_cell, lambda m: (m.d(("h", m.t), ("h", m.t - 1)), diag(ew(lambda v: (1 - sp.Abs(v) / v) / 2)(Z(m))) * m.W)),
    "ReLU Jacobian without the gate": (relu_cell, lambda m: (m.d(("h", m.t), ("h", m.t - 1)), m.W)),
}


# ----- true identities hold at n = 16, t = 8 via F_p, confirmed by the kernel (its token trusts nothing) ----------

@pytest.mark.parametrize("name", list(TRUE))
def test_a_true_identity_holds_at_a_large_size_via_fp_with_the_kernels_token(name):
    model, check = TRUE[name]
    r = check_claim(make(check, model), backend="fp")
    assert r.verdict == Verdict.HOLDS, (name, r.error or r.scope)
    assert r.trusted == [] or r.trusted == (), r.trusted  # the kernel re-checked it by its own reading
    assert all(o.method == Method.FP for o in r.sizes)


def test_fp_names_the_sign_relaxation_and_its_bound():
    model, check = TRUE["max(z, 0) + min(z, 0) = z"]
    out = fp.test_identity(make(check, model), LARGE, seed=2)
    assert out.equal and out.error_bits >= 64
    assert "abs" in out.relaxed and "S(u)² = 1" in out.relaxation()
    # each application counts its entries as sites (max's |z − 0| and min's |0 − z| share values by the mirror, but are
    # counted apart: an upper bound), and the mirrored pairs count twice in the bound
    assert out.sites.get("sign") == 2 * LARGE["n"]
    assert out.parts["pairs_degree"] > 0


@pytest.mark.parametrize("name", list(TRUE))
def test_the_kernel_confirms_each_true_identity_by_its_own_reading(name):
    model, check = TRUE[name]
    token, why = kernel.confirm_identity(make(check, model), LARGE, seed=4, trusts="the F_p trials")
    assert token is not None, why
    assert token.trusts == (), why  # a bounded degree, not "the F_p trials, not re-checked"


# ----- false identities are never holds, and fail certified where the exact engine reaches ------------------------

@pytest.mark.parametrize("name", list(FALSE))
def test_a_false_identity_is_never_holds(name):
    model, check = FALSE[name]
    claim = make(check, model)
    assert not fp.test_identity(claim, LARGE, seed=1).equal
    token, _ = kernel.confirm_identity(claim, LARGE, seed=1, trusts="the F_p trials")
    assert token is None
    r = check_claim(claim, backend="auto")
    assert r.verdict in (Verdict.FAILS, Verdict.UNDECIDED), (name, r.verdict, r.scope)
    if r.verdict == Verdict.FAILS:
        assert verify_identity(claim, r.counterexample).ok


def test_abs_slips_fail_certified_where_the_exact_engine_reaches():
    for name in ("|a + 1| = |a| + 1", "|z| = z (abs)"):
        model, check = FALSE[name]
        r = check_claim(make(check, model), backend="auto")
        assert r.verdict == Verdict.FAILS, (name, r.scope)
        assert verify_identity(make(check, model), r.counterexample).ok


# ----- true only on feasible sign patterns, or needing S² = 1 across values: never a wrong verdict ---------------

FEASIBLE_ONLY = {
    "|logistic(z)| = logistic(z)": (logistic_cell, lambda m: (ew(sp.Abs)(H(m)), H(m))),
    "|z²| = z²": (sigma_cell, lambda m: (ew(lambda v: sp.Abs(v ** 2))(Z(m)), ew(lambda v: v ** 2)(Z(m)))),
    "|σ(z)| ⊙ |σ(z)| = σ(z)² (two values)": (
        sigma_cell, lambda m: (hadamard(ew(sp.Abs)(H(m)), ew(sp.Abs)(H(m))), hadamard(H(m), H(m)))),
    "max(0, z)·z = max(0, z)²": (sigma_cell, lambda m: (ew(lambda v: sp.Max(0, v) * v)(Z(m)),
                                                        ew(lambda v: sp.Max(0, v) ** 2)(Z(m)))),
}


@pytest.mark.parametrize("name", list(FEASIBLE_ONLY))
def test_a_truth_of_feasible_signs_only_is_never_a_wrong_verdict(name):
    model, check = FEASIBLE_ONLY[name]
    r = check_claim(make(check, model), backend="auto")
    assert r.verdict in (Verdict.HOLDS, Verdict.UNDECIDED), (name, r.verdict, r.scope)


# ----- planted bugs: an F_p that drops the sign atom is caught by the kernel's re-check ---------------------------

def _dropping(kind):
    """A planted F_p reading that drops the sign: |u| read as u, or max/min read as its non-constant argument (a ReLU
    that forgets its gate). Planted in every module that calls the walker."""
    from symderiv.fp import elementwise

    walk = elementwise._walk

    def planted(fn, x, ops):
        def dropped(a):
            e = sp.sympify(fn(a))
            if kind == "abs":
                return e.replace(lambda t: isinstance(t, sp.Abs), lambda t: t.args[0])
            return e.replace(lambda t: isinstance(t, (sp.Max, sp.Min)),
                             lambda t: next(u for u in t.args if not u.is_number))
        return walk(dropped, x, ops)

    return planted


@pytest.mark.parametrize("kind,name", [("abs", "|z| = z (abs)"), ("abs", "|a + 1| = |a| + 1"),
                                       ("max", "max(a, 0) = a"), ("max", "min(0, a) = a"),
                                       ("max", "ReLU Jacobian without the gate")])
def test_a_planted_fp_that_drops_the_sign_is_caught_by_the_kernel(monkeypatch, kind, name):
    from symderiv.fp import elementwise, model as fp_model, values

    model, check = FALSE[name]
    claim = make(check, model)
    for mod in (elementwise, fp_model, values):
        monkeypatch.setattr(mod, "_walk", _dropping(kind))
    assert fp.test_identity(claim, LARGE, seed=1).equal  # the planted F_p says holds
    r = check_claim(claim, backend="fp")
    assert r.verdict != Verdict.HOLDS, r.scope  # the kernel's own reading disagrees


# ----- refused before any verdict, one line naming the operation, on every path alike ----------------------------

def test_an_unread_function_beside_abs_is_refused_naming_it():
    claim = make(lambda m: (ew(lambda v: sp.Abs(sp.atan(v)))(Z(m)), ew(lambda v: sp.Abs(v))(Z(m))))
    with pytest.raises(fp.Unsupported, match="atan"):
        fp.test_identity(claim, LARGE, seed=1)
    r = check_claim(claim, backend="fp")
    assert r.verdict != Verdict.HOLDS
    assert "\n" not in (r.error or "")


# ----- differential: at small sizes F_p and the exact engine agree on a small grammar ----------------------------

def _grammar(rng: random.Random, depth: int):
    a = sp.Symbol("a")
    leaves = [a, a + 1, 2 * a - 1, -a]
    if depth == 0:
        return rng.choice(leaves)
    op = rng.choice(["abs", "max", "min", "add", "mul", "leaf"])
    x = _grammar(rng, depth - 1)
    c = rng.choice([0, 1, -1, sp.Rational(1, 2)])
    if op == "abs":
        return sp.Abs(x)
    if op == "max":
        return sp.Max(x, c)
    if op == "min":
        return sp.Min(c, x)
    if op == "add":
        return x + _grammar(rng, depth - 1)
    if op == "mul":
        return x * rng.choice(leaves)
    return x


def _claims():
    rng = random.Random(19)
    a = sp.Symbol("a")
    out = []
    for i in range(14):
        e1 = _grammar(rng, 2)
        e2 = e1 if i % 3 == 0 else _grammar(rng, 2)
        if i % 3 == 0:  # a true sibling written another way: max through min, |·| through max
            e2 = e1.replace(lambda t: isinstance(t, sp.Max), lambda t: -sp.Min(*[-u for u in t.args])) \
                if e1.has(sp.Max) else e1.replace(lambda t: isinstance(t, sp.Abs),
                                                  lambda t: sp.Max(t.args[0], -t.args[0]))
        out.append((e1, e2))
    return [(sp.Lambda(a, e1), sp.Lambda(a, e2)) for e1, e2 in out]


@pytest.mark.parametrize("k", range(14))
def test_fp_and_the_exact_engine_agree_at_small_sizes(k):
    f1, f2 = _claims()[k]
    claim = make(lambda m: (ew(f1)(Z(m)), ew(f2)(Z(m))), sizes=sweep(n=(1, 2), t=(1,)))
    for size in ({"n": 1, "t": 1}, {"n": 2, "t": 1}):
        over_fp = fp.test_identity(claim, size, seed=3).equal
        try:
            exact, _ = check_identity_at(claim, size, backend="symengine", seed=0, phases={})
        except Exception:  # the exact engine refuses max/min of model values (a normal form has none)
            continue
        if exact.status == Verdict.FAILS:
            assert not over_fp, (f1, f2, size, exact.detail)
        if over_fp:
            assert exact.status != Verdict.FAILS, (f1, f2, size, exact.detail)
