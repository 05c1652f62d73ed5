"""|·|, max and min of a model's values: the kernel decides a true claim itself, with an error bound (branch absdec,
issue 19 items 2–3), and an entry function is read as its expression only when that is decided exactly.

1. At the exact engine's sizes a true claim with |·|, max or min of a model's value was ``holds`` with the kernel's
   agreement at 16 random points trusted (accept.UNBOUNDED). The kernel now reads |u| = S·u, max(a, b) =
   (a + b + S·(a − b))/2, min with −S (S a sign variable, one per factor of u, or per value when u holds a sign
   variable itself: a ReLU cell's next step), and checks lhs − rhs reduced by S² = 1 at one random point for every
   sign pattern (kernel/radicals.py, "A model's values"): error ≤ E·2^−128, E the kernel's weighted degree, nothing
   trusted. A value of the logistic function or of exp is read positive (their true ranges).
2. F_p's and the kernel's test that an entry function is the expression it gives on a symbol compared the two at a
   few numbers by a float (|fn(c) − e(c)| < 10^−20): now structurally, or by the kernel's exact zero test, else
   refused with one line.

Each class has siblings written another way (sp.Abs, Python's abs, max through min, (z + |z|)/2, a ReLU cell three
ways, |z|² against z², min(a, b) = a + b − max(a, b)); planted bugs in the new check (a dropped pattern, S read as 1,
a wrong degree bound) and in the finder (a normal form that drops |·|) are caught.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_abs_cases import (FALSE_SMALL, HALF, TRUE_SMALL, H, Z, A, ew, make, relu_cell,  # noqa: E402
                            sig_cell, tanh_cell)

from symderiv.engine import check_claim  # noqa: E402
from symderiv.kernel import confirm_identity, modular, radicals  # noqa: E402
from symderiv.kernel import random_check as rc  # noqa: E402
from symderiv.kernel.accept import UNBOUNDED  # noqa: E402
from symderiv.kernel.dual import Unsupported as KernelUnsupported  # noqa: E402
from symderiv.results import Verdict  # noqa: E402
from symderiv.sizes import sweep  # noqa: E402

S11 = {"n": 1, "t": 1, "m": 1}
S22 = {"n": 2, "t": 2, "m": 1}

#: siblings of the true claims of test_abs_cases written another way
TRUE_MORE = {
    "|z|·|z| = z ⊙ z": (sig_cell, lambda m: (ew(Z(m), lambda v: A(v) * A(v)), ew(Z(m), lambda v: v ** 2))),
    "|z|² = z² (abs)": (tanh_cell, lambda m: (ew(Z(m), lambda v: abs(v) ** 2), ew(Z(m), lambda v: v ** 2))),
    "min(h, z) = h + z − max(h, z)": (
        sig_cell, lambda m: (_pair(m, sp.Min), H(m) + Z(m) - _pair(m, sp.Max))),
    "max(0, z) = (z + |z|)/2": (sig_cell, lambda m: (ew(Z(m), lambda v: sp.Max(0, v)), ew(Z(m), lambda v: (v + A(v)) / 2))),
    "max(z, 0) + min(z, 0) = z": (tanh_cell, lambda m: (ew(Z(m), lambda v: sp.Max(v, 0) + sp.Min(v, 0)), Z(m))),
    "ReLU h_t = max(0, z_t) read through |·|": (
        relu_cell, lambda m: (H(m), ew(Z(m), lambda v: (v + A(v)) / 2))),
}
FALSE_MORE = {
    "|z|·z = z ⊙ z": (sig_cell, lambda m: (ew(Z(m), lambda v: A(v) * v), ew(Z(m), lambda v: v ** 2))),
    "min(h, z) = h + z − min(h, z)": (
        sig_cell, lambda m: (_pair(m, sp.Min), H(m) + Z(m) - _pair(m, sp.Min))),
    "max(0, z) = (z − |z|)/2": (sig_cell, lambda m: (ew(Z(m), lambda v: sp.Max(0, v)), ew(Z(m), lambda v: (v - A(v)) / 2))),
    "ReLU h_t = |z_t|": (relu_cell, lambda m: (H(m), ew(Z(m), A))),
}


def _pair(m, f):
    h, z = H(m), Z(m)
    return sp.Matrix(h.rows, h.cols, [f(a, b) for a, b in zip(h, z)])


def _formal(claim, size, seed=0):
    """The kernel's formal check alone: (E, how) or (None, why)."""
    info = rc.degree_info(claim, size)
    if info.formal is None:
        return None, f"no formal reading: {info.why}"
    try:
        return radicals.check(*info.formal, random.Random(seed))
    except radicals.Refused as e:  # confirm_identity catches it too: no bound
        return None, str(e)


def _bounded(token) -> bool:
    return (token is not None and token.holds and isinstance(token.degree, int) and token.trusts == ()
            and UNBOUNDED not in token.trusts and token.error is not None)


SIGNED_TRUE = {k: v for k, v in {**TRUE_SMALL, **TRUE_MORE}.items() if "logistic" not in k}


@pytest.mark.parametrize("name", sorted(SIGNED_TRUE))
def test_a_true_claim_with_abs_max_min_of_a_models_values_is_bounded_by_the_kernel(name):
    model, check = SIGNED_TRUE[name]
    claim = make(check, model, cid=f"absdec.true.{len(name)}")
    for size in (S11, S22):
        E, how = _formal(claim, size)
        assert isinstance(E, int), (name, size, how)
        token, how = confirm_identity(claim, size)
        assert _bounded(token) and token.zero_test == rc.RADICAL, (name, size, how)


@pytest.mark.parametrize("name", ["|logistic| = logistic", "|logistic| = logistic (abs)",
                                  "max(0, logistic) = logistic"])
def test_a_value_of_the_logistic_function_is_read_positive_and_bounded(name):
    model, check = TRUE_SMALL[name]
    claim = make(check, model, cid="absdec.logistic")
    for size in (S11, S22):
        token, how = confirm_identity(claim, size)
        assert _bounded(token), (name, size, how)


ALL_FALSE = {**FALSE_SMALL, **FALSE_MORE}


@pytest.mark.parametrize("name", sorted(ALL_FALSE))
def test_a_false_claim_is_never_accepted_with_a_bound(name):
    model, check = ALL_FALSE[name]
    claim = make(check, model, cid=f"absdec.false.{len(name)}")
    for size in (S11, S22):
        for seed in range(2):
            E, why = _formal(claim, size, seed)
            assert E is None, (name, size, seed, why)
        token, why = confirm_identity(claim, size)
        assert token is None or not token.holds, (name, size, why)


@pytest.mark.parametrize("name", ["max(0, z) = (z − |z|)/2", "ReLU h_t = |z_t|"])
def test_a_false_sibling_still_fails_certified(name):
    from symderiv.kernel import verify_identity

    model, check = FALSE_MORE[name]
    claim = make(check, model, sizes=sweep(n=(1, 2), t=(1, 2)), cid="absdec.certified")
    r = check_claim(claim, backend="auto")
    assert r.verdict == Verdict.FAILS, (name, r.verdict, r.scope)
    assert verify_identity(claim, r.counterexample).ok


def test_heaviside_and_sign_are_not_read_by_the_split():
    """Heaviside(u) and sign(u) are not continuous at u = 0 (sign(0) = 0, Heaviside(0) = 1/2), so S² = 1 does not
    read them: a ReLU written z·H(z) is not bounded this way (its token, if any, names UNBOUNDED), and
    sign(z)² = 1 (false at z = 0) is never a bounded holds."""
    relu_h = make(lambda m: (ew(Z(m), lambda v: v * sp.Heaviside(v)), ew(Z(m), lambda v: sp.Max(0, v))), sig_cell,
                  cid="absdec.heaviside")
    sign2 = make(lambda m: (ew(Z(m), lambda v: sp.sign(v) ** 2), ew(Z(m), lambda v: sp.Integer(1))), sig_cell,
                 cid="absdec.sign2")
    for claim in (relu_h, sign2):
        assert _formal(claim, S11)[0] is None
        token, _ = confirm_identity(claim, S11)
        assert not _bounded(token)


# ----- planted bugs in the new check and in the finder: the tests above catch them -----------------------------------

def _accepted_somewhere(name, seeds=4) -> bool:
    """Does the kernel accept the false claim with a bound at some seed (its formal check, or its whole
    confirmation: where the reading leaves no sign variable the sides are rational and the rational bound applies)?"""
    model, check = ALL_FALSE[name]
    claim = make(check, model, cid="absdec.planted")
    return any(_formal(claim, size, seed)[0] is not None or _bounded(confirm_identity(claim, size, seed=seed)[0])
               for size in (S11, S22) for seed in range(seeds))


def test_a_dropped_sign_pattern_is_caught(monkeypatch):
    """Planted: the split checks only the pattern where every S = +1. max(0, z) = z is then accepted."""
    name = "max(0, z) = z (sp.Max)"
    assert not _accepted_somewhere(name)
    orig = radicals.patterns
    monkeypatch.setattr(radicals, "patterns", lambda formal, eps=None: list(orig(formal, eps))[:1])
    assert _accepted_somewhere(name)


def test_a_reading_that_sets_s_to_one_is_caught(monkeypatch):
    """Planted: |u| read as u (S = 1, the sign forgotten). |tanh| = tanh is then accepted."""
    name = "|tanh| = tanh (abs)"
    assert not _accepted_somewhere(name)
    monkeypatch.setattr(radicals.Formal, "_sign", lambda self, u: sp.Integer(1))
    assert _accepted_somewhere(name)


def test_a_nested_value_sharing_the_sign_of_another_is_caught(monkeypatch):
    """Planted: every value holding a sign variable reads the first sign variable (a name merging two objects).
    A ReLU cell's false h_t ⊙ z_t = z_t ⊙ z_t at t = 2 has then a pattern it does not check."""
    name = "ReLU (Max) h_t ⊙ z_t = z_t ⊙ z_t (false sibling)"
    assert not _accepted_somewhere(name)

    def merged(self, u):
        return next(iter(self.signs.values()))

    monkeypatch.setattr(radicals.Formal, "_nested", merged)
    monkeypatch.setattr(radicals, "patterns", lambda formal, eps=None: [{e: 1 for e in formal.signs.values()}])
    assert _accepted_somewhere(name)


def _true_degree(claim, size) -> int:
    """The largest total degree of a coordinate of lhs − rhs's numerator reduced by S² = 1, computed apart (SymPy
    expands it): the quantity E must bound."""
    info = rc.degree_info(claim, size)
    formal, lhs, rhs = info.formal
    eps = list(formal.signs.values())
    xs = sorted(formal.variables, key=sp.default_sort_key)
    worst = 0
    for a, b in zip(lhs, rhs):
        num = sp.fraction(sp.together(sp.sympify(a) - sp.sympify(b)))[0]
        p = sp.Poly(sp.expand(num), *eps, *xs)
        reduced: dict = {}
        for mon, c in p.terms():
            key = tuple(k % 2 for k in mon[:len(eps)]) + mon[len(eps):]
            reduced[key] = reduced.get(key, 0) + c
        worst = max([worst] + [sum(k[len(eps):]) for k, c in reduced.items() if c != 0])
    return worst


@pytest.mark.parametrize("name", ["max(0, z)·z = z² (false sibling of max(0, z)·z = max(0, z)²)",
                                  "|z|·z = z ⊙ z", "ReLU (Max) h_t ⊙ z_t = z_t ⊙ z_t (false sibling)"])
def test_the_degree_bound_bounds_the_reduced_coordinates(name, monkeypatch):
    """E ≥ the degree of every coordinate of the reduced numerator (what Schwartz–Zippel needs); planted: a bound of
    0 fails this test."""
    model, check = ALL_FALSE[name]
    claim = make(check, model, cid="absdec.degree")
    info = rc.degree_info(claim, S22)
    E = radicals.bound(info.formal[0], list(zip(info.formal[1], info.formal[2])))
    assert E >= _true_degree(claim, S22) > 0, (E, name)
    monkeypatch.setattr(radicals, "bound", lambda formal, pairs: 0)
    assert radicals.bound(info.formal[0], []) < _true_degree(claim, S22)


def test_a_normal_form_that_drops_abs_is_not_confirmed(monkeypatch):
    """Planted finder bug: the engine's normal form says every entry is 0. The kernel's confirmation rejects the
    false |tanh| = tanh (its split fails the pattern S = −1, and its points with random signs disagree)."""
    from symderiv import identity

    monkeypatch.setattr(identity, "nonzero_entries", lambda *a, **k: [])
    model, check = FALSE_SMALL["|tanh| = tanh (abs)"]
    claim = make(check, model, sizes=sweep(n=(1,), t=(1,), fixed=("n", "t")), cid="absdec.planted-finder")
    r = check_claim(claim, backend="auto")
    assert r.verdict != Verdict.HOLDS, r.scope


# ----- an entry function read as its expression only when decided exactly ------------------------------------------

TINY = sp.Rational(1, 10 ** 30)


def _bent(offset):
    """v on a symbol, v + offset(v) at a number (called directly, not through a proof file's guard)."""
    return lambda v: v if isinstance(v, sp.Dummy) else v + offset


BENT = {
    "+ 10^−30": _bent(TINY),
    "+ a float 10^−30": _bent(sp.Float("1e-30")),
    "+ √2·10^−30": _bent(sp.sqrt(2) * TINY),
    "+ e^−70": _bent(sp.exp(-70)),
    "√√v, + 10^−30·i at a number": lambda v: sp.sqrt(sp.sqrt(v)) if isinstance(v, sp.Dummy) else (
        sp.sqrt(sp.sqrt(v)) + sp.I * TINY),
    "+ sin(1/2) − its Taylor polynomial": _bent(sp.sin(HALF) - sum((-1) ** k * HALF ** (2 * k + 1) /
                                                                   sp.factorial(2 * k + 1) for k in range(12))),
}


@pytest.mark.parametrize("name", sorted(BENT))
def test_an_entry_function_off_its_expression_by_a_tiny_number_is_refused(name):
    from symderiv.fp.elementwise import reads_alike as fp_reads_alike
    from symderiv.fp.field import Unsupported as FpUnsupported

    fn = BENT[name]
    a = sp.Dummy("a")
    with pytest.raises(KernelUnsupported) as got:
        modular.reads_alike(fn, sp.sympify(fn(a)), a)
    assert "\n" not in str(got.value)
    with pytest.raises(FpUnsupported) as got:
        fp_reads_alike(fn)
    assert "\n" not in str(got.value)
    assert modular._reads_alike(fn, sp.sympify(fn(a)), a) is not None


EQUAL = {
    "sin": sp.sin,
    "(√2 + 1)² − 2√2 − 3 + v at a number": lambda v: v if isinstance(v, sp.Dummy) else (
        sp.sqrt(2) + 1) ** 2 - 2 * sp.sqrt(2) - 3 + v,
    "e^v·e^(−v)·v": lambda v: sp.exp(v) * sp.exp(-v) * v,
    "max(0, v)": lambda v: sp.Max(0, v),
    "√√v (complex at a negative probe: decided by its minimal polynomial)": lambda v: sp.sqrt(sp.sqrt(v)),
}


@pytest.mark.parametrize("name", sorted(EQUAL))
def test_an_entry_function_equal_to_its_expression_exactly_is_read(name):
    from symderiv.fp.elementwise import reads_alike as fp_reads_alike

    fn = EQUAL[name]
    a = sp.Dummy("a")
    modular.reads_alike(fn, sp.sympify(fn(a)), a)
    fp_reads_alike(fn)


# ----- at a size only F_p reaches (n = 16, t = 8): the kernel's sign split decides, entry by entry -----------------

FIXED_LARGE = sweep(n=(16,), t=(8,), fixed=("n", "t"))
S168 = {"n": 16, "t": 8, "m": 1}


@pytest.mark.parametrize("name", ["|σ(z)| ⊙ |σ(z)| = σ(z) ⊙ σ(z)", "|tanh| ⊙ |tanh| = tanh ⊙ tanh (abs)"])
def test_a_true_claim_at_n16_t8_holds_by_the_kernels_sign_split(name):
    """Was undecided (F_p's sign atoms forget S² = 1). Now holds, the token the kernel's (error bound, degree,
    nothing trusted)."""
    model, check = TRUE_SMALL[name]
    r = check_claim(make(check, model, sizes=FIXED_LARGE, cid="absdec.s168"), backend="auto")
    assert r.verdict == Verdict.HOLDS, (name, r.verdict, r.scope)
    assert r.trusted == [], r.trusted
    (o,) = r.sizes
    assert o.kernel is not None and o.kernel.holds and o.kernel.trusts == () and isinstance(o.kernel.degree, int)
    assert o.kernel.error_bits == rc.BITS


def test_the_sign_split_at_n16_t8_refuses_a_false_claim_and_a_dropped_pattern_is_caught(monkeypatch):
    """decide_signs never accepts |σ(z)| ⊙ σ(z) = σ(z) ⊙ σ(z) at n = 16, t = 8 (the pattern S = −1 of each entry
    differs); planted: only the first pattern of each entry checked, and it is accepted."""
    model, check = FALSE_SMALL["|σ(z)| ⊙ σ(z) = σ(z) ⊙ σ(z) (false sibling)"]
    claim = make(check, model, sizes=FIXED_LARGE, cid="absdec.s168-false")
    token, why = rc.decide_signs(claim, S168)
    assert token is None, why
    orig = radicals.patterns
    monkeypatch.setattr(radicals, "patterns", lambda formal, eps=None: list(orig(formal, eps))[:1])
    token, why = rc.decide_signs(claim, S168)
    assert token is not None and token.holds, why


def test_the_sign_split_beyond_its_reach_decides_nothing():
    model, check = TRUE_SMALL["|σ(z)| ⊙ |σ(z)| = σ(z) ⊙ σ(z)"]
    claim = make(check, model, cid="absdec.reach")
    token, why = rc.decide_signs(claim, {"n": rc.SIGN_REACH["n"] + 1, "t": 2, "m": 1})
    assert token is None and "reach" in why


def test_a_positive_value_at_n16_t8_holds_by_the_sign_split():
    """|logistic(z)| = logistic(z) at n = 16, t = 8: the logistic values are read positive, no sign variable is left,
    and the kernel's formal check (one pattern per entry) decides it."""
    model, check = TRUE_SMALL["|logistic| = logistic"]
    token, why = rc.decide_signs(make(check, model, sizes=FIXED_LARGE, cid="absdec.s168-logistic"), S168)
    assert token is not None and token.holds and token.trusts == () and isinstance(token.degree, int), why


def test_a_relu_cell_at_n16_t8_is_refused_fast_by_the_sign_split():
    """A ReLU cell's state holds every earlier sign: the split stops at the first value holding 8 sign variables
    (it ran into the 120 s timeout while the values grew), and the claim is never a wrong verdict."""
    import time

    model, check = TRUE_SMALL["ReLU (Max) h_t ⊙ z_t = h_t ⊙ h_t"]
    claim = make(check, model, sizes=FIXED_LARGE, cid="absdec.s168-relu")
    t0 = time.perf_counter()
    token, why = rc.decide_signs(claim, S168)
    assert token is None and "sign variables" in why, why
    r = check_claim(claim, backend="auto")
    assert r.verdict in (Verdict.HOLDS, Verdict.UNDECIDED), r.scope
    assert time.perf_counter() - t0 < 60
