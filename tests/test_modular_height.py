"""The kernel's ℤ/p confirmation bounds the height too, so its error bound is complete (no PRIME_CONTENT trusted).

Beside each degree (dn, dd) the ℤ/p forward mode (kernel/modular.py, "Heights") carries hn, hd and an exact constant
c: the value is N/(c·M), N and M integer polynomials with log₂‖N‖₁ ≤ hn, log₂‖M‖₁ ≤ hd. random_check._modular adds
the chance that the random prime divides every coefficient of the difference's (or a collision's) numerator to E:
E' = E + CONTENT_UNITS·⌊H/62⌋, and trusts nothing where H is bounded.

* (1) a hypothesis property: on random small cells and checks (test_modular_degree's, each side also scaled by a
  constant entered as a Python int, a SymPy rational, a SymPy integer matrix, or divided by one), the ℤ/p run's hn of
  lhs − rhs is ≥ log₂ of the L1 norm of the exact numerator (SymPy, the reduced fraction made an integer polynomial
  over its content) from the kernel's exact model run on fresh variables;
* (2) planted rule bugs (a product's heights maxed instead of summed; a constant's residue used for its height) make
  (1) fail on fixed examples;
* (3) the shipped n = 32 claims state a finite H and their tokens trust nothing.
"""
from __future__ import annotations

import random

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symderiv import eye
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.kernel import modular
from symderiv.kernel.accept import UNBOUNDED
from symderiv.kernel.random_check import PRIME_CONTENT
from symderiv.results import Verdict
from tests.test_modular_degree import OPS, P, SHIPPED, _claim, shipped  # noqa: F401 (a fixture)

#: constants whose residue modulo P is much shorter than they are (a residue-for-height bug under-counts them)
BIG = [3 * P + 1, 2 ** 100 + 7, -(5 * P + 2)]
#: how a constant enters a side: a Python int, a SymPy rational (numerator and denominator), a SymPy integer matrix,
#: a division by a SymPy integer
FORMS = ["int", "rational", "matrix", "divide"]


def _scaled(side, form: str, c: int):
    def out(m):
        S = side(m)
        if form == "int":
            return c * S
        if form == "rational":
            return sp.Rational(c, 2 ** 90 + 1) * S
        if form == "matrix":
            return (c * sp.eye(S.rows)) * S
        return S / sp.Integer(c)
    return out


def _with_constant(claim: Claim, form: str, c: int, where: str) -> Claim:
    check = claim.check

    def lhs(m):
        return check(m)[0]

    def rhs(m):
        return check(m)[1]

    if where == "lhs":
        new = lambda m: (_scaled(lhs, form, c)(m), rhs(m))  # noqa: E731
    else:
        new = lambda m: (lhs(m), _scaled(rhs, form, c)(m))  # noqa: E731
    return Claim(id=claim.id, where="test", statement="test", model=claim.model, activation=claim.activation,
                 sizes=claim.sizes, conventions=claim.conventions, check=new, loss=claim.loss)


def _modular_height(claim, size):
    """hn of lhs − rhs in one ℤ/p run, and the run's content height H (modular.content_height)."""
    from symderiv.kernel.model import Draws as _Draws

    rng = random.Random(0)
    draw = lambda: rng.randrange(P)  # noqa: E731
    rf = modular.RandomFunctions(draw, P)
    lhs, rhs = modular.sides(claim, size, _Draws(draw), None, None, P, random=rf)
    modular.project(lhs, rhs, draw, {})
    d = modular._dadd(lhs.deg, rhs.deg)
    if d == modular.UNB:
        return None, None
    return (0 if d is None else d[2]), modular.content_height(lhs.deg, rhs.deg, rf)


def _l1_height(expr, syms) -> int | None:
    """⌈log₂ ‖N‖₁⌉ of the integer numerator N of expr = N/M reduced (N, M integer polynomials, M's content positive
    and coprime to N's); None for 0."""
    num, den = sp.fraction(sp.cancel(sp.together(expr)))
    if num == 0:
        return None
    cn, pn = sp.Poly(num, *syms, domain="QQ").clear_denoms(convert=True)
    cd, pd = sp.Poly(den, *syms, domain="QQ").clear_denoms(convert=True)
    gn, pn = pn.primitive()
    gd, _ = pd.primitive()
    r = sp.Rational(gn * cd, cn * gd)  # expr = r·pn/pd, pn and pd primitive integer polynomials
    l1 = abs(int(r.p)) * sum(abs(int(x)) for x in pn.coeffs())
    return (l1 - 1).bit_length()


def _exact_height(claim, size) -> int | None:
    """max over entries of ⌈log₂ ‖N‖₁⌉ of lhs − rhs on the kernel's exact model with fresh variables."""
    from tests.test_modular_degree import fresh_sides

    lhs, rhs, syms = fresh_sides(claim, size)
    worst = None
    for a, b in zip(lhs, rhs):
        e = sp.sympify(a) - sp.sympify(b)
        if e.atoms(sp.Function) or not e.free_symbols <= set(syms):
            return None
        if not syms:
            syms = [sp.Symbol("_none")]
        h = _l1_height(e, syms)
        if h is not None:
            worst = h if worst is None else max(worst, h)
    return worst


def _violation(claim, size) -> str | None:
    try:
        hn, H = _modular_height(claim, size)
    except (modular.KernelError, modular.Unsupported, modular._Unbatchable):
        return None  # the check does not run over ℤ/p
    exact = _exact_height(claim, size)
    if exact is None or hn is None:
        return None
    if hn < exact or H is None or H < exact:
        return f"bound hn = {hn}, H = {H} below the exact height {exact}"
    return None


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(kind=st.sampled_from(["param", "state", "loss", "log"]), which=st.integers(0, 2),
       activation=st.sampled_from(["abstract", "tanh", "logistic"]), n=st.integers(1, 2), t=st.integers(1, 2),
       left=OPS, right=OPS, form=st.sampled_from(FORMS), c=st.sampled_from(BIG + [1, 3, -2]),
       where=st.sampled_from(["lhs", "rhs"]))
def test_the_modular_height_bound_is_at_least_the_exact_height(kind, which, activation, n, t, left, right, form, c,
                                                                where):
    claim, size = _claim(kind, which, activation, n, t, 1, left, right)
    why = _violation(_with_constant(claim, form, c, where), size)
    assert why is None, why


#: fixed examples: (kind, which, activation, n, t, left, right, form, constant, side)
EXAMPLES = [
    ("state", 0, "abstract", 2, 2, [(4, 0)], [(3, 1)], "int", BIG[0], "lhs"),
    ("state", 2, "logistic", 2, 2, [(1, 0)], [(0, 2)], "rational", BIG[1], "rhs"),
    ("param", 0, "abstract", 2, 1, [(1, 0)], [(0, 1)], "matrix", BIG[1], "lhs"),
    ("log", 0, "abstract", 2, 1, [(0, 0)], [], "divide", BIG[2], "rhs"),
    ("loss", 0, "abstract", 2, 1, [(0, 1)], [(5, 1)], "int", BIG[1], "lhs"),
    ("state", 0, "abstract", 2, 2, [(4, 0), (3, 0)], [(1, 1)], "int", 3, "lhs"),
    ("state", 1, "tanh", 2, 2, [(4, 0), (4, 0)], [], "int", -2, "rhs"),
]


def _violations() -> list[str]:
    out = []
    for kind, which, act, n, t, left, right, form, c, where in EXAMPLES:
        claim, size = _claim(kind, which, act, n, t, 1, left, right)
        why = _violation(_with_constant(claim, form, c, where), size)
        if why is not None:
            out.append(f"{kind} {form} {c}: {why}")
    return out


def test_the_fixed_examples_are_bounded_and_informative():
    assert _violations() == []
    heights = []
    for kind, which, act, n, t, left, right, form, c, where in EXAMPLES:
        claim, size = _claim(kind, which, act, n, t, 1, left, right)
        heights.append(_exact_height(_with_constant(claim, form, c, where), size))
    # each a nonzero difference; the big constants' examples reach ≥ 64 bits, past any residue
    assert all(h is not None for h in heights) and sum(h >= 64 for h in heights) >= 4, heights


_ORIG_MUL, _ORIG_CDEG = modular._dmul, modular._cdeg


def _max_heights_mul(a, b):
    out = _ORIG_MUL(a, b)
    if out is None or out == modular.UNB:
        return out
    return (out[0], out[1], max(a[2], b[2]), max(a[3], b[3]), out[4])


def _residue_cdeg(x):
    return _ORIG_CDEG(modular.residue(x, P)) if _ORIG_CDEG(x) is not None else None


@pytest.mark.parametrize("plant", ["a product's heights maxed", "a constant's residue for its height"])
def test_a_planted_height_bug_breaks_the_property(monkeypatch, plant):
    if plant.startswith("a product"):
        monkeypatch.setattr(modular, "_dmul", _max_heights_mul)
    else:
        monkeypatch.setattr(modular, "_cdeg", _residue_cdeg)
    assert _violations(), f"the planted bug ({plant}) went unseen"


def test_a_constant_s_height_is_its_own_not_its_residue_s():
    """Every way a constant enters: ModScalar.const of an int and of a SymPy rational, ModMat.of a SymPy integer matrix
    and of a rational one, a scalar times a matrix, a division."""
    c = 2 ** 100 + 7
    s = modular.ModScalar.const(c, P)
    assert s.deg[2] >= 100 and s.deg[4] == 1
    r = modular.ModScalar.const(sp.Rational(1, c), P)
    assert r.deg[2] == 0 and r.deg[4] == c
    M = modular.ModMat.of(c * sp.eye(2), P)
    assert M.deg[2] >= 100
    Q = modular.ModMat.of(sp.Matrix([[sp.Rational(c, 3), 1], [0, 2]]), P)
    assert Q.deg[2] >= 100 and Q.deg[4] % 3 == 0
    x = modular.ModMat(modular._mat(2, 1, [1, 2], P), None, P, modular.VAR)
    assert (x * c).deg[2] >= 100 and (c * x).deg[2] >= 100 and (x / sp.Integer(c)).deg[4] == c
    assert modular._htotal((x[0] / sp.Rational(c, 5)).deg) >= 100
    neg = -modular._Diag(x)
    assert neg.deg[2] == 0  # −1, not its residue p − 1


# ----- the shipped claims past the exact model's reach: H finite, nothing trusted ---------------------------------

@pytest.mark.parametrize("cid", SHIPPED)
def test_a_shipped_claim_past_the_exact_reach_bounds_its_height_and_trusts_nothing(shipped, cid):  # noqa: F811
    r = check_claim(shipped[cid])
    assert r.verdict == Verdict.HOLDS, r.scope
    assert r.trusted == [], r.trusted
    past = [o for o in r.sizes if o.size.get("n", 1) > 6 or o.size.get("t", 1) > 12]
    assert past
    for o in past:
        k = o.kernel
        assert k is not None and k.holds and k.trusts == () and PRIME_CONTENT not in k.trusts, k
        assert UNBOUNDED not in k.trusts and k.error_bits == 62
        assert k.degree is not None and 0 < k.degree < 2 ** 40, k


def test_an_unbounded_height_keeps_prime_content_trusted(monkeypatch, shipped):  # noqa: F811
    """A constant known only by its residue (no height): E stays bounded, the content is trusted, never guessed."""
    monkeypatch.setattr(modular, "_cdeg", lambda x: None if x == 0 else (0, 0, modular.HUNB, modular.HUNB, 1))
    r = check_claim(shipped["gru.direct-n32"])
    past = [o for o in r.sizes if o.size.get("n", 1) > 6]
    assert past and all(o.kernel.trusts == (PRIME_CONTENT,) and o.kernel.degree is not None for o in past)
