"""The randomized confirmation's error bound states a number the kernel computed (issue 19, item 2).

Schwartz–Zippel needs a bound on the degree of lhs − rhs in the random values; the kernel computes one by running
the same evaluation with every random value a fresh variable and reading the degree off the expression tree
(kernel/random_check.py: degree_of, degree_bound).
"""
import random

import pytest
import sympy as sp

from symderiv import kernel
from symderiv.kernel.random_check import DRAW_BITS, Unbounded, degree_bound, degree_of

X = sp.symbols("x0:4")


def _random_expr(rng: random.Random, depth: int):
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(list(X) + [sp.Integer(rng.randint(-3, 3)), sp.Rational(1, rng.randint(1, 4))])
    op = rng.choice(["+", "-", "*", "/", "^"])
    a = _random_expr(rng, depth - 1)
    if op == "^":
        return a ** rng.choice([2, 3, -1, -2])
    b = _random_expr(rng, depth - 1)
    if op == "/" and b == 0:
        b = X[0]
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op]


def _degree(p) -> int:
    p = sp.expand(p)
    return sp.Poly(p, *X).total_degree() if p != 0 else 0


@pytest.mark.parametrize("seed", range(40))
def test_the_structural_degree_bound_bounds_the_true_numerator_and_denominator(seed):
    """Whatever cancels, the numerator and denominator of e in lowest terms have degrees within the bound."""
    rng = random.Random(seed)
    e = _random_expr(rng, 5)
    if e.has(sp.zoo, sp.nan):
        return
    dn, dd = degree_bound(e)
    num, den = sp.fraction(sp.cancel(sp.together(e)))
    assert _degree(num) <= dn and _degree(den) <= dd, (e, dn, dd)


def test_a_function_is_not_bounded():
    with pytest.raises(Unbounded):
        degree_bound(sp.exp(X[0]) + X[1])
    with pytest.raises(Unbounded):
        degree_bound(sp.pi * X[0])  # not an algebraic constant
    with pytest.raises(Unbounded):
        degree_bound(sp.sqrt(X[0]) * X[1])  # a radical of a variable


def test_an_algebraic_constant_adds_no_degree():
    # Schwartz–Zippel holds over any field: a polynomial over ℚ(√2, ∛3) of degree D vanishes at a uniform point of
    # [0, 2^k)^n with probability ≤ D/2^k, so √2 counts as a coefficient (kernel/random_check.py: degree_bound)
    assert degree_bound(sp.sqrt(2) * X[0] ** 2 + sp.cbrt(3) * X[1]) == degree_bound(2 * X[0] ** 2 + 3 * X[1])
    assert degree_bound(X[0] / (sp.sqrt(2) * X[1] + 1)) == (1, 1)


def test_a_models_identity_gets_a_numeric_error_bound_that_grows_with_t(make_claim):
    from symderiv import eye, kron, total, product, diag

    def check(m):
        F = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))  # noqa: E731
        T = (product(F, k + 1, m.t, order="descending", size=m.n) * kron(eye(m.n), m.sigma(m.h(k - 1)).T)
             for k in range(1, m.t))
        return m.d(("h", m.t), "W_R"), total(T, (m.n, m.n * m.n)) + kron(eye(m.n), m.sigma(m.h(m.t - 1)).T)

    claim = make_claim(check, n=(2,), t=(1, 3))
    bounds = []
    for t in (1, 3):
        token, how = kernel.confirm_identity(claim, {"n": 2, "t": t})
        assert token is not None and isinstance(token.degree, int) and token.degree > 0, how
        assert f"{token.degree}·2^−{DRAW_BITS}" in how and "bounded by the kernel" in how
        assert token.error == (DRAW_BITS, 1)
        bounds.append(token.degree)
    assert bounds[0] < bounds[1]


def test_the_verdicts_scope_states_the_number(make_claim):
    from symderiv.engine import check_claim
    from symderiv.results import Verdict

    claim = make_claim(lambda m: (m.d(("h", 1), ("h", 0)), m.W_R * sp.diag(*m.dsigma(m.h(0)))), n=(1, 2), t=(1,))
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS
    import re

    got = re.search(rf"error ≤ (\d+)·2\^−{DRAW_BITS} ≤ 2\^−(\d+) per size, the degree bounded by the kernel",
                    res.scope)
    assert got, res.scope
    worst, exp = int(got.group(1)), int(got.group(2))
    assert worst * 2.0 ** -DRAW_BITS <= 2.0 ** -exp


@pytest.mark.parametrize("f", [sp.sign, sp.Heaviside], ids=["sign", "Heaviside"])
def test_a_side_the_degree_run_cannot_bound_says_so(make_claim, f):
    """sign(h₁) on the model's values: a rational at the random point, but sign(…) of the degree run's variables has
    no polynomial degree, and the kernel's sign split does not read it (|·|, max and min it reads: absdec; sign and
    Heaviside jump at 0, where S² = 1 fails): the token says the degree is not bounded, and the scope says at how many
    sizes."""
    from symderiv.kernel.accept import scope_note
    from symderiv.results import SizeOutcome, Verdict

    claim = make_claim(lambda m: (m.h(1).applyfunc(f), m.h(1).applyfunc(f)), n=(1,), t=(1,))
    E, why = degree_of(claim, {"n": 1, "t": 1})
    assert E is None and why
    token, how = kernel.confirm_identity(claim, {"n": 1, "t": 1})
    assert token is not None and token.degree is None and "not bounded here" in how
    note = scope_note([SizeOutcome({"n": 1, "t": 1}, Verdict.HOLDS, "", tokens=(token,))])
    assert "not bounded by the kernel at 1 of 1 sizes" in note


@pytest.mark.parametrize("form", ["tr(ABC) = tr(CAB)", "d tr(yᵀσ(Ax))/dx"])
def test_a_free_variable_identity_gets_a_numeric_error_bound(form):
    """The free variables' jets hold the degree run's variables too: tr(ABC) = tr(CAB) has degree 3 in the entries,
    the chain rule through σ adds σ's values at each argument."""
    from symderiv import diag, matrix, tr, vector
    from symderiv.claims import Claim
    from symderiv.functions import dsigma, sigma
    from symderiv.sizes import sweep

    check = {"tr(ABC) = tr(CAB)": lambda v: (sp.Matrix([[tr(v.A * v.B * v.C)]]), sp.Matrix([[tr(v.C * v.A * v.B)]])),
             "d tr(yᵀσ(Ax))/dx": lambda v: (v.d(tr(v.y.T * (v.A * v.x).applyfunc(sigma)), "x"),
                                           v.A.T * diag((v.A * v.x).applyfunc(dsigma)) * v.y)}[form]
    claim = Claim(id="test.free-degree", where="test", statement="test", check=check,
                  variables=dict(A=matrix("n"), B=matrix("n"), C=matrix("n"), x=vector("n"), y=vector("n")),
                  conventions={"jacobian": "numerator", "vec": "row-major"}, sizes=sweep(n=(2,)))
    token, how = kernel.confirm_identity(claim, {"n": 2})
    assert token is not None and not token.trusts and isinstance(token.degree, int), how
    if form == "tr(ABC) = tr(CAB)":
        assert token.degree == 3  # no random function: E = D, the degree of a trace of three matrices
    else:
        assert token.degree > 3 and "arguments of random functions" in how
