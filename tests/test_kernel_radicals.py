"""√, |·| and a sign the domain fixes: the kernel bounds the error of its own check (kernel/radicals.py).

Issue 19, item 2: a `holds` rests on the kernel's own randomized check *with its error bounded*. Where the check
takes √ or |·| of the random values the degree run used to stop, and the token trusted accept.UNBOUNDED (four
shipped holds: layernorm's three rescalings and cookbook eq. 51). The kernel now reads √a as a radical s with
s² = C and |u| by the sign the claim's domain fixes (a declared sign, a sum of squares) or a sign variable whose
every value it checks; lhs − rhs's coordinates in ℚ(x)[s]/(s² − C) vanish at a random point for every sign
pattern, error ≤ E·2^−128 with E bounded by the kernel.

Each class is tested with siblings written another way: a true identity gets a bounded token (typed: degree an
int, error (128, 1), zero_test "radical", nothing trusted); a false sibling that differs only where a sign
matters is never accepted with a bound; planted bugs in the check (a dropped conjugate coordinate, a sign taken
from the point, a sign the domain does not fix read as fixed) make those tests fail.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import sympy as sp

from symderiv import inv, matrix, scalar, sweep, vector
from symderiv.claims import Claim, collect
from symderiv.engine import check_claim
from symderiv.kernel import confirm_identity, radicals
from symderiv.kernel import random_check as rc
from symderiv.kernel.accept import UNBOUNDED
from symderiv.results import Verdict

ROOT = Path(__file__).resolve().parent.parent


def _claim(cid, check, variables, n=(2, 3)):
    return Claim(id=cid, where="test", statement="test", check=check, variables=variables, sizes=sweep(n=n))


def _std(x):
    n = x.rows
    return sp.sqrt(sum((e - sum(x) / n) ** 2 for e in x) / n)


def _ln(x):
    n = x.rows
    c = x - (sum(x) / n) * sp.ones(n, 1)
    return c / sp.sqrt(sum(e ** 2 for e in c) / n)


def _ln_pow(x):  # the same, the root written as a power and the centring entry by entry
    n = x.rows
    mu = sp.Rational(1, n) * sum(x)
    c = sp.Matrix([e - mu for e in x])
    return c * (sum(e * e for e in c) * sp.Rational(1, n)) ** sp.Rational(-1, 2)


def _formal(claim, size, seed=0):
    """The kernel's formal check alone: (E, how) or (None, why)."""
    info = rc.degree_info(claim, size)
    if info.formal is None:
        return None, f"no formal reading: {info.why}"
    return radicals.check(*info.formal, random.Random(seed))


def _bounded(token) -> bool:
    return (token is not None and token.holds and isinstance(token.degree, int) and token.trusts == ()
            and UNBOUNDED not in token.trusts and token.error in ((128, 1), (rc.DRAW_BITS, 1)))


# ----- true identities: a bounded token ---------------------------------------------------------------------------

TRUE = {
    "|λ|·std(x) = std(λx)": (lambda v: (_std(v.lam * v.x), sp.Abs(v.lam) * _std(v.x)), dict(x=vector("n"), lam=scalar())),
    "√(λ²)·std(x), power form": (lambda v: ((v.lam ** 2) ** sp.Rational(1, 2) * _std(v.x), _std(v.lam * v.x)),
                                 dict(x=vector("n"), lam=scalar())),
    "LN(λx) = LN(x), λ > 0, power form": (lambda v: (_ln_pow(v.lam * v.x), _ln_pow(v.x)),
                                          dict(x=vector("n"), lam=scalar(positive=True))),
    "LN(λx) = −LN(x), λ < 0": (lambda v: (_ln(v.lam * v.x), -_ln(v.x)), dict(x=vector("n"), lam=scalar(negative=True))),
    "|ab| = |a|·|b|": (lambda v: (sp.Abs(v.a * v.b), sp.Abs(v.a) * sp.Abs(v.b)), dict(a=scalar(), b=scalar())),
    "|a/b| = |a|/|b|": (lambda v: (sp.Abs(v.a / v.b), sp.Abs(v.a) / sp.Abs(v.b)), dict(a=scalar(), b=scalar())),
    "√(ab) = √a·√b, a, b > 0": (lambda v: (sp.sqrt(v.a * v.b), sp.sqrt(v.a) * sp.sqrt(v.b)),
                                dict(a=scalar(positive=True), b=scalar(positive=True))),
    "d|a³|/da = 3a²·a/|a|": (lambda v: (v.d(sp.Abs(v.a ** 3), "a"), 3 * v.a ** 2 * v.a / sp.Abs(v.a)),
                             dict(a=scalar())),
    "d‖x‖/dx = x/‖x‖": (lambda v: (v.d(sp.sqrt((v.x.T * v.x)[0, 0]), "x"), v.x / sp.sqrt((v.x.T * v.x)[0, 0])),
                        dict(x=vector("n"))),
    "d log|det X|/dX = X⁻ᵀ": (lambda v: (v.d(sp.log(sp.Abs(v.X.det())), "X"), inv(v.X).T),
                              dict(X=matrix("n", invertible=True))),
}


@pytest.mark.parametrize("name", sorted(TRUE))
def test_a_true_identity_with_roots_and_moduli_gets_a_bounded_token(name):
    check, variables = TRUE[name]
    claim = _claim(f"rad.true.{name}", check, variables)
    for n in (2, 3):
        E, how = _formal(claim, {"n": n})
        assert isinstance(E, int) and E >= 0, how
        token, how = confirm_identity(claim, {"n": n})
        assert _bounded(token) and token.zero_test == rc.RADICAL and token.degree == E, how


SHIPPED = ("layernorm.rescale-positive", "layernorm.rescale-negative-flips", "layernorm.std-rescale", "cookbook.eq51")


@pytest.fixture(scope="module")
def shipped():
    col = collect([ROOT / "proofs" / "examples" / "layernorm.py", ROOT / "proofs" / "examples" / "matrix_cookbook.py"])
    return {c.id: c for c in col.claims()}


@pytest.mark.parametrize("cid", SHIPPED)
def test_the_shipped_holds_that_trusted_unbounded_agreement_now_trust_nothing(shipped, cid):
    """The four shipped holds whose token trusted accept.UNBOUNDED: each size's token is bounded now, and the
    result's trusted list is empty."""
    r = check_claim(shipped[cid])
    assert r.verdict == Verdict.HOLDS and r.trusted == [], (r.verdict, r.trusted)
    for o in r.sizes:
        k = o.kernel
        assert k is not None and k.holds and k.trusts == () and isinstance(k.degree, int) and k.error_bits == 128, k


# ----- false siblings: never a bounded token ------------------------------------------------------------------------

FALSE = {
    "|λ| = λ, λ of either sign": (lambda v: (sp.Abs(v.lam) * v.x, v.lam * v.x), dict(x=vector("n"), lam=scalar())),
    "√(λ²) = λ, λ of either sign": (lambda v: (sp.sqrt(v.lam ** 2) * v.x, v.lam * v.x), dict(x=vector("n"), lam=scalar())),
    "(λ²)^(1/2) = λ": (lambda v: ((v.lam ** 2) ** sp.Rational(1, 2), v.lam), dict(lam=scalar())),
    "std(λx) = λ·std(x)": (lambda v: (_std(v.lam * v.x), v.lam * _std(v.x)), dict(x=vector("n"), lam=scalar())),
    "LN(λx) = LN(x), λ of either sign": (lambda v: (_ln(v.lam * v.x), _ln(v.x)), dict(x=vector("n"), lam=scalar())),
    "LN(λx) = LN(x), λ < 0, power form": (lambda v: (_ln_pow(v.lam * v.x), _ln_pow(v.x)),
                                          dict(x=vector("n"), lam=scalar(negative=True))),
    "|a − b| = a − b": (lambda v: (sp.Abs(v.a - v.b), v.a - v.b), dict(a=scalar(), b=scalar())),
    "|ab| = a·|b|": (lambda v: (sp.Abs(v.a * v.b), v.a * sp.Abs(v.b)), dict(a=scalar(), b=scalar())),
    "d|a³|/da = 3a²": (lambda v: (v.d(sp.Abs(v.a ** 3), "a"), 3 * v.a ** 2), dict(a=scalar())),
    "d log|det X|/dX = X⁻¹": (lambda v: (v.d(sp.log(sp.Abs(v.X.det())), "X"), inv(v.X)),
                              dict(X=matrix("n", invertible=True))),
    "‖x‖·x₀ = ‖x‖·x₁ (the root's coordinate only)": (
        lambda v: (sp.sqrt((v.x.T * v.x)[0, 0]) * v.x[0], sp.sqrt((v.x.T * v.x)[0, 0]) * v.x[1]), dict(x=vector("n"))),
}


@pytest.mark.parametrize("name", sorted(FALSE))
def test_a_false_sibling_is_never_accepted_with_a_bound(name):
    check, variables = FALSE[name]
    claim = _claim(f"rad.false.{name}", check, variables)
    for n in (2, 3):
        for seed in range(4):
            E, why = _formal(claim, {"n": n}, seed)
            assert E is None, (n, seed, why)
            token, why = confirm_identity(claim, {"n": n}, seed=seed)
            assert not _bounded(token), why


def test_a_normal_form_that_drops_the_sign_is_not_rescued_by_the_bound(monkeypatch):
    """The engine planted to drop every |·| (|λ| → λ) says holds for |λ|·x = λ·x; the kernel gives no verdict-making
    bound: its formal check fails the pattern λ < 0, and its points with random signs disagree."""
    from symderiv import identity

    orig = identity.canonical_radicals
    monkeypatch.setattr(identity, "canonical_radicals", lambda exprs: orig(
        [sp.sympify(e).replace(lambda t: isinstance(t, sp.Abs), lambda t: t.args[0]) for e in exprs]))
    check, variables = FALSE["|λ| = λ, λ of either sign"]
    r = check_claim(_claim("rad.planted-drop", check, variables))
    assert r.verdict != Verdict.HOLDS


# ----- planted bugs in the kernel's check: the tests above catch them -----------------------------------------------


def _accepted_somewhere(name, n=2, seeds=8) -> bool:
    """Does the kernel accept the false sibling with a bound at some seed (its formal check, or its whole
    confirmation: where the reading leaves no radical and no sign variable the sides are rational and the kernel's
    rational bound applies)?"""
    check, variables = FALSE[name]
    claim = _claim(f"rad.planted.{name}", check, variables)
    return any(_formal(claim, {"n": n}, seed)[0] is not None or _bounded(confirm_identity(claim, {"n": n},
                                                                                          seed=seed)[0])
               for seed in range(seeds))


def test_a_dropped_conjugate_coordinate_is_caught(monkeypatch):
    """Planted: the check compares only the rational coordinate of lhs − rhs (A_∅), not the coordinates of the
    radicals. ‖x‖·x₀ = ‖x‖·x₁ differs only in the coordinate of √(xᵀx): accepted, so the false-sibling test fails."""
    name = "‖x‖·x₀ = ‖x‖·x₁ (the root's coordinate only)"
    assert not _accepted_somewhere(name)
    orig = radicals.numerator
    monkeypatch.setattr(radicals, "numerator", lambda *a: {S: c for S, c in orig(*a).items() if not S})
    assert _accepted_somewhere(name)


def test_a_sign_taken_from_the_point_is_caught(monkeypatch):
    """Planted: each sign variable takes the sign of its factor at a random point (one pattern) instead of every
    pattern the domain leaves open. |λ| = λ is then accepted whenever that point has λ > 0."""
    name = "|λ| = λ, λ of either sign"
    assert not _accepted_somewhere(name)

    rng = random.Random(0)  # the planted check's own point, a fresh one at each call (deterministic)

    def at_the_point(formal):
        point = {x: rng.getrandbits(64) * (-1 if rng.getrandbits(1) else 1) for x in formal.variables}
        yield {eps: (1 if f.xreplace(point) > 0 else -1) for f, eps in formal.signs.items()}

    monkeypatch.setattr(radicals, "patterns", at_the_point)
    assert _accepted_somewhere(name, seeds=16)


def test_a_sign_the_domain_does_not_fix_read_as_fixed_is_caught(monkeypatch):
    """Planted: every factor read as positive on the domain (as a declared λ > 0 is). √(λ²) = λ for λ of either
    sign is then accepted."""
    name = "√(λ²) = λ, λ of either sign"
    assert not _accepted_somewhere(name)
    monkeypatch.setattr(radicals.Formal, "fixed_sign", lambda self, f: 1)
    assert _accepted_somewhere(name)


def test_a_factorization_is_checked_before_it_is_used(monkeypatch):
    """Planted: the factoring returns a wrong factorization (λ² read as λ·1): the kernel's expansion check
    refuses it, so the reading is refused (no bound), never used."""
    check, variables = TRUE["|λ|·std(x) = std(λx)"]
    claim = _claim("rad.planted-factor", check, variables)
    orig = radicals._factor_list  # the kernel's factoring (python-flint's, SymPy's where flint does not take it)

    def wrong(e, gens):
        c, facs = orig(e, gens)
        return c, [(f, max(1, k - 1)) for f, k in facs]

    monkeypatch.setattr(radicals, "_factor_list", wrong)
    E, why = _formal(claim, {"n": 3})
    assert E is None and "factorization" in why


def test_the_bound_is_the_weighted_degree():
    """E is ⌊n/2⌋ of the weighted degree of lhs − rhs's numerator (x weight 2, s_C weight deg C): the radical of a
    degree-2 radicand counts as degree 1."""
    x, y, s = sp.symbols("x y s")
    w = {x: 2, y: 2, s: 2}
    assert radicals.weighted_degree(x * s - y * s, w)[0] // 2 == 2
    assert radicals.weighted_degree(x / s - y, w) == (4, 2)


def test_a_pattern_that_does_not_vanish_is_no_refutation():
    """(|a−b| + a − b)(|b−c| + b − c)(|c−a| + c − a) = 0 is true (a > b > c > a is impossible), but the sign pattern
    with all three factors positive, which no point has, does not vanish: the kernel bounds nothing (UNBOUNDED is
    trusted, as before), and refutes nothing."""
    claim = _claim("rad.unrealizable", lambda v: (
        (sp.Abs(v.a - v.b) + v.a - v.b) * (sp.Abs(v.b - v.c) + v.b - v.c) * (sp.Abs(v.c - v.a) + v.c - v.a),
        sp.Integer(0)), dict(a=scalar(), b=scalar(), c=scalar()), n=(1,))
    E, why = _formal(claim, {"n": 1})
    assert E is None and "sign pattern" in why
    token, how = confirm_identity(claim, {"n": 1})
    assert token is not None and token.holds and token.degree is None and UNBOUNDED in token.trusts, how
    r = check_claim(claim)  # the engine's normal form does not decide it either: never a fails, never a bound
    assert r.verdict != Verdict.FAILS and (r.verdict != Verdict.HOLDS or UNBOUNDED in r.trusted), r.verdict


def test_a_value_too_large_to_factor_is_refused_not_factored(monkeypatch):
    """Past MAX_NODES the reading is refused (no bound, no time spent factoring); the claim's verdict stands."""
    monkeypatch.setattr(radicals, "MAX_NODES", 3)
    check, variables = TRUE["|λ|·std(x) = std(λx)"]
    claim = _claim("rad.too-large", check, variables)
    info = rc.degree_info(claim, {"n": 3})
    assert info.E is None and info.formal is None and "nodes" in info.why
    token, how = confirm_identity(claim, {"n": 3})
    assert token is not None and token.degree is None and UNBOUNDED in token.trusts, how


@pytest.mark.parametrize("name", sorted(FALSE))
def test_the_bound_covers_the_true_degree_of_every_coordinate(name):
    """Soundness of E: the tree's numerator reduced modulo s² − C, computed with the variables themselves as
    values (expanded), has no coordinate of degree above the E the kernel states, for every sign pattern."""
    check, variables = FALSE[name]
    claim = _claim(f"rad.degree.{name}", check, variables)
    info = rc.degree_info(claim, {"n": 2})
    formal, lhs, rhs = info.formal
    xs = sorted(formal.variables, key=sp.default_sort_key)
    stated, worst = radicals.bound(formal, list(zip(lhs, rhs))), -1
    for pattern in radicals.patterns(formal):
        values = {x: x for x in xs}
        values.update(pattern)
        ring = radicals.Ring(dict(formal.radicand))
        for a, b in zip(lhs, rhs):
            d = sp.sympify(a) - sp.sympify(b)
            for c in radicals.numerator(d, values, ring, {}, value=lambda v: v).values():
                c = sp.expand(c)
                if c != 0:
                    worst = max(worst, sp.Poly(c, *xs).total_degree())
    assert worst >= 0, "a false sibling whose every coordinate is 0 (it would be accepted)"
    assert worst <= stated, (worst, stated)


def test_a_check_that_catches_the_kernels_refusal_gets_no_bound():
    """The formal reading refuses a cube root; a check that catches the exception and goes on computes something
    else in the degree run than at the kernel's points (there, |a| against a). The refusal is recorded: no formal
    reading, no bound, whatever the check did next."""
    def check(v):
        try:
            sp.Abs(v.a) * (v.b ** 2 + 1) ** sp.Rational(1, 3)
            lhs = sp.Abs(v.a)
        except Exception:
            lhs = v.a
        return lhs, v.a

    claim = _claim("rad.caught", check, dict(a=scalar(), b=scalar()), n=(1,))
    info = rc.degree_info(claim, {"n": 1})
    assert info.E is None and info.formal is None and "rational power 1/3" in info.why, info
