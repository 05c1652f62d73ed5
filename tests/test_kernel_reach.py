"""The kernel covers what the engine accepts (issue 19, item 3).

Every function the notation offers (softmax, exp, log, √ and rational powers,
|·|, tanh, the logistic function, sin, cos, max/min), the SymPy Matrix methods
a check calls on its values (row, col, row_join, col_join, vstack, hstack,
applyfunc with SymPy functions, sums, indexing, slicing), derivatives of
expressions as well as of quantities, and second derivatives: a false claim
written with them is a `fails` the kernel certifies, its true sibling never
fails. Values where √ is irrational are decided exactly (arb balls prove the
sign of lhs − rhs), never by floats; a planted bug in the kernel's own
derivative table is caught, not confirmed.
"""
from __future__ import annotations

import random

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symderiv import cell, diag, hadamard, kron, lstm_cell, matrix, scalar, softmax, sweep, vector
from symderiv.certificates import Counterexample
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.functions import logistic
from symderiv.kernel import KernelError, Verification, verify_identity
from symderiv.kernel.dual import RULES
from symderiv.kernel.free import ExactVariables, Jet, JetMatrix
from symderiv.results import Verdict

V = dict(c=scalar(), x=vector("n"), A=matrix("n"))
CONV = {"vec": "col-major", "jacobian": "numerator"}


def free_claim(check, variables=V, n=(1, 2), cid="reach.free"):
    return Claim(id=cid, where="test", statement="test", check=check, variables=variables, conventions={},
                 sizes=sweep(n=n))


def assert_certified_fails(c):
    res = check_claim(c)
    assert res.verdict == Verdict.FAILS, (res.verdict, res.error, [o.detail for o in res.sizes])
    check = verify_identity(c, res.counterexample)
    assert check.ok, check.reason
    return res


def assert_not_fails(c):
    res = check_claim(c)
    assert res.verdict != Verdict.FAILS, res.certificate
    assert res.verdict == Verdict.HOLDS, (res.verdict, res.error, [o.detail for o in res.sizes])


def q(v):
    """1 + xᵀx + c²: positive at every point, so log, √ and rational powers are real."""
    return 1 + (v.x.T * v.x)[0, 0] + v.c ** 2


# name -> (F, F' written by hand); each is applied to kernel numbers as the proof file writes it
FUNCTIONS = {
    "exp": (sp.exp, sp.exp),
    "log": (sp.log, lambda s: 1 / s),
    "sqrt": (sp.sqrt, lambda s: 1 / (2 * sp.sqrt(s))),
    "power 1/2": (lambda s: s ** sp.Rational(1, 2), lambda s: s ** sp.Rational(-1, 2) / 2),
    "power 3/2": (lambda s: s ** sp.Rational(3, 2), lambda s: sp.Rational(3, 2) * sp.sqrt(s)),
    "power -1/3": (lambda s: s ** sp.Rational(-1, 3), lambda s: -s ** sp.Rational(-4, 3) / 3),
    "tanh": (sp.tanh, lambda s: 1 - sp.tanh(s) ** 2),
    "logistic": (logistic, lambda s: logistic(s) * (1 - logistic(s))),
    "sin": (sp.sin, sp.cos),
    "cos": (sp.cos, lambda s: -sp.sin(s)),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_a_function_of_free_variables_false_gradient_fails_certified_true_one_holds(name):
    F, dF = FUNCTIONS[name]
    true = free_claim(lambda v: (v.d(F(q(v)), "x"), dF(q(v)) * 2 * v.x))
    false = free_claim(lambda v: (v.d(F(q(v)), "x"), dF(q(v)) * v.x))  # the chain rule's factor 2 dropped
    assert_not_fails(true)
    assert_certified_fails(false)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_a_function_applied_entrywise_false_jacobian_fails_certified(name):
    F, dF = FUNCTIONS[name]
    pos = lambda v: v.x.applyfunc(lambda s: 2 + s ** 2)  # noqa: E731  (positive entries)
    true = free_claim(lambda v: (v.d(pos(v).applyfunc(F), "x"),
                                 diag(pos(v).applyfunc(dF)) * 2 * diag(v.x)))
    false = free_claim(lambda v: (v.d(pos(v).applyfunc(F), "x"), diag(pos(v).applyfunc(dF)) * 2))
    assert_not_fails(true)
    assert_certified_fails(false)


# name -> (check of a true claim, check of a false sibling), Matrix methods on the kernel's values
METHODS = {
    "row": (lambda v: (v.d((v.A.row(0) * v.x)[0, 0], "x"), v.A.row(0).T),
            lambda v: (v.d((v.A.row(0) * v.x)[0, 0], "x"), v.A.col(0))),
    "col": (lambda v: (v.d((v.x.T * v.A.col(0))[0, 0], "x"), v.A.col(0)),
            lambda v: (v.d((v.x.T * v.A.col(0))[0, 0], "x"), v.A.row(0).T)),
    "slice": (lambda v: (v.d((v.A[:, 0].T * v.x)[0, 0], "x"), v.A[:, 0]),
              lambda v: (v.d((v.A[:, 0].T * v.x)[0, 0], "x"), v.A[0, :].T)),
    "index": (lambda v: (v.d(v.x[0] * v.A[0, 0] * v.c, "c"), sp.Matrix([[v.x[0] * v.A[0, 0]]])),
              lambda v: (v.d(v.x[0] * v.A[0, 0] * v.c, "c"), sp.Matrix([[v.x[0]]]))),
    "col_join": (lambda v: (v.d(v.x.col_join(v.A * v.x), "x"), sp.eye(v.n).col_join(v.A)),
                 lambda v: (v.d(v.x.col_join(v.A * v.x), "x"), sp.eye(v.n).col_join(v.A.T))),
    "row_join": (lambda v: (v.d((v.x.T.row_join(v.c * v.x.T) * v.x.col_join(v.x))[0, 0], "x"), 2 * (1 + v.c) * v.x),
                 lambda v: (v.d((v.x.T.row_join(v.c * v.x.T) * v.x.col_join(v.x))[0, 0], "x"), (1 + v.c) * v.x)),
    "vstack": (lambda v: (v.d(sp.Matrix.vstack(v.x, v.c * v.x), "x"), sp.Matrix.vstack(sp.eye(v.n), v.c * sp.eye(v.n))),
               lambda v: (v.d(sp.Matrix.vstack(v.x, v.c * v.x), "x"), sp.Matrix.vstack(sp.eye(v.n), sp.eye(v.n)))),
    "hstack": (lambda v: (v.d(sp.Matrix.hstack(v.A * v.x, v.x), "x"), sp.Matrix.vstack(v.A, sp.eye(v.n))),
               lambda v: (v.d(sp.Matrix.hstack(v.A * v.x, v.x), "x"), sp.Matrix.vstack(v.A.T, sp.eye(v.n)))),
    "sum": (lambda v: (v.d(sum(v.A * v.x), "x"), (sp.ones(1, v.n) * v.A).T),
            lambda v: (v.d(sum(v.A * v.x), "x"), v.A * sp.ones(v.n, 1))),
    "Matrix of a sum": (lambda v: (v.d(sp.Matrix([[sum(v.x[i] ** 2 for i in range(v.n))]]), "x"), 2 * v.x),
                        lambda v: (v.d(sp.Matrix([[sum(v.x[i] ** 2 for i in range(v.n))]]), "x"), v.x)),
    "applyfunc lambda": (lambda v: (v.d(v.x.applyfunc(lambda s: sp.sqrt(1 + s ** 2)), "x"),
                                    diag(v.x.applyfunc(lambda s: s / sp.sqrt(1 + s ** 2)))),
                         lambda v: (v.d(v.x.applyfunc(lambda s: sp.sqrt(1 + s ** 2)), "x"), diag(v.x))),
    "softmax": (lambda v: (v.d(softmax(v.x), "x"), diag(softmax(v.x)) - softmax(v.x) * softmax(v.x).T),
                lambda v: (v.d(softmax(v.x), "x"), diag(softmax(v.x)))),
    "second derivative": (lambda v: (v.d(v.d(v.x.T * v.A * v.x, "x"), "x"), v.A + v.A.T),
                          lambda v: (v.d(v.d(v.x.T * v.A * v.x, "x"), "x"), 2 * v.A)),
    "second derivative of exp": (lambda v: (v.d(v.d(sp.exp(v.c ** 2), "c"), "c"), (2 + 4 * v.c ** 2) * sp.exp(v.c ** 2)),
                                 lambda v: (v.d(v.d(sp.exp(v.c ** 2), "c"), "c"), 2 * sp.exp(v.c ** 2))),
    "mixed second derivative": (lambda v: (v.d(v.d(v.c * (v.x.T * v.x)[0, 0], "x"), "c"), 2 * v.x),
                                lambda v: (v.d(v.d(v.c * (v.x.T * v.x)[0, 0], "x"), "c"), v.x)),
    "derivative times a variable": (
        lambda v: (v.d(v.d(v.c ** 3, "c")[0, 0] * v.c, "c"), sp.Matrix([[9 * v.c ** 2]])),
        lambda v: (v.d(v.d(v.c ** 3, "c")[0, 0] * v.c, "c"), sp.Matrix([[3 * v.c ** 2]]))),
}


@pytest.mark.parametrize("name", list(METHODS))
def test_matrix_methods_on_free_variables(name):
    true, false = METHODS[name]
    assert_not_fails(free_claim(true))
    assert_certified_fails(free_claim(false))


# ----- a generated family: compositions of the notation's functions, each with a slip -------------------------

def _generated(seed: int):
    """A random composition F2(a·F1(q) + b) of two functions, its hand-written chain rule, and a slip in it."""
    rnd = random.Random(seed)
    (n1, (F1, d1)), (n2, (F2, d2)) = rnd.sample(sorted(FUNCTIONS.items()), 2)
    a, b = rnd.choice([1, 2, -1, sp.Rational(1, 2)]), rnd.choice([0, 1, 3])
    slip = rnd.choice(["drop inner", "drop 2", "wrong sign"])

    def inner(v):
        # √ and log need a positive argument: F1 of q, then squared and shifted
        return (a * F1(q(v)) + b) ** 2 + 1

    def dinner(v):
        return 2 * (a * F1(q(v)) + b) * a * d1(q(v))

    def true(v):
        return v.d(F2(inner(v)), "x"), d2(inner(v)) * dinner(v) * 2 * v.x

    def false(v):
        g = {"drop inner": d2(inner(v)) * 2 * v.x, "drop 2": d2(inner(v)) * dinner(v) * v.x,
             "wrong sign": -d2(inner(v)) * dinner(v) * 2 * v.x}[slip]
        return v.d(F2(inner(v)), "x"), g

    return f"{n2}∘{n1} ({slip})", true, false


@pytest.mark.parametrize("seed", range(8))
def test_generated_compositions(seed):
    name, true, false = _generated(seed)
    assert_not_fails(free_claim(true, n=(1,)))
    assert_certified_fails(free_claim(false, n=(1,)))


# ----- |·|, max and min: exact signs, refused where they have no derivative -------------------------------------

def _side(x):
    from symderiv.kernel.free import value_of

    x = value_of(x)
    return x if isinstance(x, sp.MatrixBase) else sp.Matrix([[x]])


def _replay(check, point, entry=(0, 0), variables=V, size=None):
    """The kernel's own verdict on a hand-made counterexample (the recorded sides are the kernel's values)."""
    size = size or {"n": 1}
    c = free_claim(check, variables, n=(size["n"],))
    ns = ExactVariables(variables, size, {k: sp.Rational(v) for k, v in point.items()}, CONV)
    try:
        lhs, rhs = (_side(x) for x in check(ns))
    except KernelError as e:
        return Verification(False, str(e))
    cx = Counterexample(c.id, size, None, {k: str(v) for k, v in point.items()}, entry,
                        sp.sstr(lhs[entry]), sp.sstr(rhs[entry]))
    return verify_identity(c, cx)


POINT = {"c": "-2/3", "x[0]": "1/2", "A[0,0]": "3"}


def test_abs_is_exact_where_it_is_differentiable_and_refused_at_its_kink():
    slip = lambda v: (v.d(sp.Abs(v.c) * v.x[0], "c"), sp.Matrix([[v.x[0]]]))  # noqa: E731  (sign dropped)
    right = lambda v: (v.d(sp.Abs(v.c) * v.x[0], "c"), sp.Matrix([[-v.x[0]]]))  # noqa: E731  (c < 0 here)
    assert _replay(slip, POINT).ok
    assert not _replay(right, POINT).ok
    at_kink = _replay(slip, {**POINT, "c": "0"})
    assert not at_kink.ok and "|·|" in at_kink.reason
    # an irrational argument: |1 − √2·c| at c = 1: the sign of 1 − √2 is proved by arb balls
    irr = lambda v: (v.d(sp.Abs(1 - sp.sqrt(2) * v.c), "c"), sp.Matrix([[-sp.sqrt(2)]]))  # noqa: E731
    assert _replay(irr, {**POINT, "c": "1"}).ok  # the truth is +√2


def test_max_and_min_pick_a_branch_exactly_and_refuse_a_tie_between_different_branches():
    mx = lambda v: (v.d(sp.Max(v.c, v.x[0] ** 2), "c"), sp.Matrix([[1]]))  # noqa: E731
    mn = lambda v: (v.d(sp.Min(v.c, v.x[0] ** 2), "c"), sp.Matrix([[0]]))  # noqa: E731
    assert _replay(mx, POINT).ok       # c < x², so d max/dc = 0 ≠ 1
    assert _replay(mn, POINT).ok       # d min/dc = 1 ≠ 0
    assert not _replay(mx, {**POINT, "c": "2"}).ok  # c > x²: d max/dc = 1, the claim holds there
    tie = _replay(mx, {**POINT, "c": "1/4"})
    assert not tie.ok and "max" in tie.reason


def test_an_unknown_function_is_refused_with_one_line_naming_it():
    got = _replay(lambda v: (v.d(sp.atan(v.c), "c"), sp.Matrix([[1]])), POINT)
    assert not got.ok and "atan" in got.reason and "\n" not in got.reason


def test_an_irrational_value_is_decided_by_exact_signs_not_floats():
    """√(1 + xᵀx) at x = 1: lhs = 1/√2, rhs = its 40-digit rational approximation: they differ by far less than
    a double can see, and the sign of the difference is proved by arb balls."""
    approx = sp.Rational(int(sp.floor(sp.sqrt(2) / 2 * 10 ** 40)), 10 ** 40)
    near = lambda v: (v.d(sp.sqrt(1 + (v.x.T * v.x)[0, 0]), "x"), v.x * approx)  # noqa: E731
    ok = _replay(near, {**POINT, "x[0]": "1"})
    assert ok.ok and "arb" in ok.reason
    same = lambda v: (v.d(sp.sqrt(1 + (v.x.T * v.x)[0, 0]), "x"), v.x / sp.sqrt(1 + (v.x.T * v.x)[0, 0]))  # noqa
    assert not _replay(same, {**POINT, "x[0]": "1"}).ok


# ----- one-step cells: derivatives of expressions of the parameters --------------------------------------------

@cell("a one-step cell holding the Cookbook's variables as parameters", params={"u": "n", "B": ("n", "n"),
                                                                                 "W": ("n", "n")})
def holder(s, prev, x, p, f):
    s.h = prev.h


def cell_claim(check, model=holder, n=(1, 2), cid="reach.cell", fixed=("t",)):
    return Claim(id=cid, where="test", statement="test", check=check, model=model,
                 sizes=sweep(n=n, t=(1,), fixed=fixed), conventions={"layout": "row-major"})


CELL = {
    "∂(uᵀBu)/∂u": (lambda m: (m.d(m.u.T * m.B * m.u, "u"), m.u.T * (m.B + m.B.T)),
                   lambda m: (m.d(m.u.T * m.B * m.u, "u"), 2 * m.u.T * m.B)),
    "∂(W²h)/∂W": (lambda m: (m.d(m.W * m.W * m.h(0), "W"),
                             m.W * kron(sp.eye(m.n), m.h(0).T) + kron(sp.eye(m.n), (m.W * m.h(0)).T)),
                  lambda m: (m.d(m.W * m.W * m.h(0), "W"), 2 * m.W * kron(sp.eye(m.n), m.h(0).T))),
    "∂ tanh(Bu)/∂u": (lambda m: (m.d((m.B * m.u).applyfunc(sp.tanh), "u"),
                                 diag((m.B * m.u).applyfunc(lambda s: 1 - sp.tanh(s) ** 2)) * m.B),
                      lambda m: (m.d((m.B * m.u).applyfunc(sp.tanh), "u"),
                                 diag((m.B * m.u).applyfunc(lambda s: 1 - sp.tanh(s) ** 2)))),
    "∂ √(1 + uᵀu)/∂u": (lambda m: (m.d(sp.sqrt(1 + (m.u.T * m.u)[0, 0]), "u"),
                                   m.u.T / sp.sqrt(1 + (m.u.T * m.u)[0, 0])),
                        lambda m: (m.d(sp.sqrt(1 + (m.u.T * m.u)[0, 0]), "u"), m.u.T)),
}


@pytest.mark.parametrize("name", list(CELL))
def test_derivatives_of_expressions_of_parameters_on_a_one_step_cell(name):
    true, false = CELL[name]
    assert_not_fails(cell_claim(true))
    assert_certified_fails(cell_claim(false))


def test_an_lstm_expression_derivative_agrees_with_the_quantity_derivative_and_its_slip_fails():
    """m.d(m.at("c", 1), "W_f") (an expression) against m.d(("c", 1), "W_f") (a quantity): the same truth; the
    BPTT slip that drops the forget gate's derivative fails, certified."""
    def true(m):
        return m.d(m.at("c", 1), "U_f"), m.d(("c", 1), "U_f")

    def slip(m):  # dc/dU_f = diag(c0 ⊙ f ⊙ (1 − f)) (I ⊗ xᵀ); the slip drops f(1 − f)
        return m.d(m.at("c", 1), "U_f"), diag(m.initial("c")) * kron(sp.eye(m.n), m.x(1).T)

    assert_not_fails(cell_claim(true, model=lstm_cell, n=(1,)))
    assert_certified_fails(cell_claim(slip, model=lstm_cell, n=(1,)))


# ----- a planted bug in the kernel's own derivative table is caught ---------------------------------------------

def test_a_planted_bug_in_the_kernels_tanh_rule_is_caught(monkeypatch):
    """The kernel's tanh rule gets 1 + tanh² (the planted bug): a false claim's counterexample, whose recorded
    sides are the engine's, no longer replays (the kernel's recomputed lhs differs), so the verdict is not a
    certified `fails` on the kernel's wrong word; and the kernel's jets disagree with SymPy's derivative."""
    F, dF = FUNCTIONS["tanh"]
    false = free_claim(lambda v: (v.d(F(q(v)), "x"), dF(q(v)) * v.x), n=(1,))
    res = assert_certified_fails(false)
    fn, dfn, ddfn = RULES[sp.tanh]
    monkeypatch.setitem(RULES, sp.tanh, (fn, lambda s: 1 + sp.tanh(s) ** 2, ddfn))
    replay = verify_identity(false, res.counterexample)
    assert not replay.ok and "not the recomputed" in replay.reason
    assert check_claim(false).verdict != Verdict.FAILS
    with pytest.raises(AssertionError):
        test_kernel_jets_agree_with_sympy_on_every_function()


def test_kernel_jets_agree_with_sympy_on_every_function():
    """Two algorithms for one truth: the kernel's jets (first and second order) against SymPy's diff."""
    s = sp.Symbol("s")
    for name, (F, _) in FUNCTIONS.items():
        for at in (sp.Rational(1, 3), sp.Integer(2)):
            j = F(Jet(at, {"s": sp.Integer(1)}, order=2))
            j = Jet.of(j)
            want = [F(s).subs(s, at), sp.diff(F(s), s).subs(s, at), sp.diff(F(s), s, 2).subs(s, at)]
            got = [j.v, j.d.get("s", 0), 2 * j.h.get(("s", "s"), 0)]
            for w, g in zip(want, got):
                w, g = (sp.sympify(e).replace(logistic, lambda a: 1 / (1 + sp.exp(-a))) for e in (w, g))
                assert abs(sp.N(w - g, 40)) < sp.Rational(1, 10 ** 30), (name, at, w, g)


def test_kernel_values_are_marked():
    from symderiv.kernel.dual import Dual, DualMatrix

    for cls in (Dual, DualMatrix, Jet, JetMatrix):
        assert cls.__symderiv_value__ is True


# ----- the Matrix Cookbook written on a one-step cell (before free variables existed) ---------------------------

@cell("a one-step cell holding a Cookbook page's variables as parameters",
      params={"a": "n", "b": "n", "u": "n", "X": ("n", "n"), "B": ("n", "n")})
def page(s, prev, x, p, f):
    s.h = prev.h


def _r(M):
    """vec by rows as a row: the layout of m.d(scalar, matrix parameter) under conventions layout='row-major'."""
    from symderiv import vec

    return vec(M, "row-major").T


def _inv(M):
    from symderiv import inv

    return inv(M)


# name -> (check of the Cookbook's formula, check of a slip in it); m.d of expressions of the parameters
COOKBOOK_CELL = {
    "eq69 ∂(uᵀa)/∂u": (lambda m: (m.d(m.u.T * m.a, "u"), m.a.T), lambda m: (m.d(m.u.T * m.a, "u"), m.u.T)),
    "eq70 ∂(aᵀXb)/∂X": (lambda m: (m.d(m.a.T * m.X * m.b, "X"), kron(m.a, m.b).T),
                        lambda m: (m.d(m.a.T * m.X * m.b, "X"), kron(m.b, m.a).T)),
    "eq81 ∂(uᵀBu)/∂u": (lambda m: (m.d(m.u.T * m.B * m.u, "u"), m.u.T * (m.B + m.B.T)),
                        lambda m: (m.d(m.u.T * m.B * m.u, "u"), 2 * m.u.T * m.B)),
    "eq101 ∂ tr(XB)/∂X": (lambda m: (m.d((m.X * m.B).trace(), "X"), _r(m.B.T)),
                          lambda m: (m.d((m.X * m.B).trace(), "X"), _r(m.B))),
    "eq49 ∂ det X/∂X": (lambda m: (m.d(m.X.det(), "X"), _r(m.X.det() * _inv(m.X).T)),
                        lambda m: (m.d(m.X.det(), "X"), _r(m.X.adjugate()))),  # det X·X⁻¹: no transpose
    "eq61 ∂(aᵀX⁻¹b)/∂X": (lambda m: (m.d(m.a.T * _inv(m.X) * m.b, "X"),
                                     -_r(_inv(m.X).T * m.a * m.b.T * _inv(m.X).T)),
                          lambda m: (m.d(m.a.T * _inv(m.X) * m.b, "X"), -_r(_inv(m.X) * m.a * m.b.T * _inv(m.X)))),
    "∂(Xu)/∂X": (lambda m: (m.d(m.X * m.u, "X"), kron(sp.eye(m.n), m.u.T)),
                 lambda m: (m.d(m.X * m.u, "X"), kron(m.u.T, sp.eye(m.n)))),
    "∂(Xu)/∂u": (lambda m: (m.d(m.X * m.u, "u"), m.X), lambda m: (m.d(m.X * m.u, "u"), m.X.T)),
    "∂ softmax(Xu)/∂u": (lambda m: (m.d(softmax(m.X * m.u), "u"),
                                    (diag(softmax(m.X * m.u)) - softmax(m.X * m.u) * softmax(m.X * m.u).T) * m.X),
                         lambda m: (m.d(softmax(m.X * m.u), "u"), diag(softmax(m.X * m.u)) * m.X)),
    "∂ exp(uᵀu)/∂u": (lambda m: (m.d(sp.exp((m.u.T * m.u)[0, 0]), "u"), 2 * sp.exp((m.u.T * m.u)[0, 0]) * m.u.T),
                      lambda m: (m.d(sp.exp((m.u.T * m.u)[0, 0]), "u"), sp.exp((m.u.T * m.u)[0, 0]) * m.u.T)),
    "∂ row(0)·u/∂u": (lambda m: (m.d(m.X.row(0) * m.u, "u"), m.X.row(0)),
                      lambda m: (m.d(m.X.row(0) * m.u, "u"), m.X.col(0).T)),
    "∂ vstack(u, Bu)/∂u": (lambda m: (m.d(sp.Matrix.vstack(m.u, m.B * m.u), "u"), sp.eye(m.n).col_join(m.B)),
                           lambda m: (m.d(sp.Matrix.vstack(m.u, m.B * m.u), "u"), sp.eye(m.n).col_join(m.B.T))),
    "∂²(uᵀBu)/∂u²": (lambda m: (m.d(m.d(m.u.T * m.B * m.u, "u").T, "u"), m.B + m.B.T),
                     lambda m: (m.d(m.d(m.u.T * m.B * m.u, "u").T, "u"), 2 * m.B)),
}


@pytest.mark.parametrize("name", list(COOKBOOK_CELL))
def test_the_cookbook_on_a_one_step_cell(name):
    true, false = COOKBOOK_CELL[name]
    assert_not_fails(cell_claim(true, model=page))
    assert_certified_fails(cell_claim(false, model=page))


LSTM_SLIPS = {  # BPTT through one LSTM step, by expression; each the true derivative with one factor dropped
    "dc/dU_f drops f(1 − f)": lambda m: diag(m.initial("c")) * kron(sp.eye(m.n), m.x(1).T),
    "dc/db_i drops g": lambda m: diag(m.at("i", 1).applyfunc(lambda s: s * (1 - s))),
    "dh/db_o drops tanh(c)": lambda m: diag(hadamard(m.at("og", 1), m.at("og", 1).applyfunc(lambda s: 1 - s))),
    "dh/dW_g drops og": lambda m: diag(m.at("c", 1).applyfunc(lambda s: 1 - sp.tanh(s) ** 2))
    * diag(m.at("i", 1)) * diag(m.at("g", 1).applyfunc(lambda s: 1 - s ** 2)) * kron(sp.eye(m.n), m.h(0).T),
    "dE/dU_f reads h, not c": lambda m: m.d(m.at("h", 1), "U_f"),
}
LSTM_OF = {"dc/dU_f drops f(1 − f)": ("c", "U_f"), "dc/db_i drops g": ("c", "b_i"),
           "dh/db_o drops tanh(c)": ("h", "b_o"), "dh/dW_g drops og": ("h", "W_g"),
           "dE/dU_f reads h, not c": ("c", "U_f")}


@pytest.mark.parametrize("name", list(LSTM_SLIPS))
def test_lstm_bptt_slips_written_by_expression_fail_certified(name):
    q, p = LSTM_OF[name]
    assert_not_fails(cell_claim(lambda m: (m.d(m.at(q, 1), p), m.d((q, 1), p)), model=lstm_cell, n=(1,)))
    assert_certified_fails(cell_claim(lambda m: (m.d(m.at(q, 1), p), LSTM_SLIPS[name](m)), model=lstm_cell, n=(1,)))


# ----- generated checks (hypothesis): a function of the notation on a block built with Matrix methods ------------

# name -> (B(x, A, c): a positive scalar built with Matrix methods, ∇_x B written by hand)
BLOCKS = {
    "xᵀx": (lambda x, A, c, n: 1 + (x.T * x)[0, 0] + c ** 2, lambda x, A, c, n: 2 * x),
    "row": (lambda x, A, c, n: 1 + (A.row(0) * x)[0, 0] ** 2, lambda x, A, c, n: 2 * (A.row(0) * x)[0, 0] * A.row(0).T),
    "slice": (lambda x, A, c, n: 2 + (A[:, 0].T * x)[0, 0] ** 2, lambda x, A, c, n: 2 * (A[:, 0].T * x)[0, 0] * A[:, 0]),
    "vstack": (lambda x, A, c, n: 1 + sum(sp.Matrix.vstack(x, c * x).applyfunc(lambda s: s ** 2)),
               lambda x, A, c, n: 2 * (1 + c ** 2) * x),
    "Matrix of a sum": (lambda x, A, c, n: sp.Matrix([[3 + sum(x[i] * x[i] for i in range(n))]])[0, 0],
                        lambda x, A, c, n: 2 * x),
    "softmax": (lambda x, A, c, n: 1 + softmax(x)[0, 0],
                lambda x, A, c, n: softmax(x)[0, 0] * (sp.eye(n)[:, 0] - softmax(x))),
    "hstack": (lambda x, A, c, n: 1 + (sp.Matrix.hstack(x, A * x).T * sp.Matrix.hstack(x, A * x))[0, 0] ** 2,
               lambda x, A, c, n: 4 * (x.T * x)[0, 0] * x),
}
SLIPS = ("drop F'", "half", "sign")


def _gen_check(F, dF, block, slip, on_cell):
    B, dB = BLOCKS[block]

    def parts(v):
        if on_cell:  # a one-step cell: u and X are parameters, a[0] a parameter the block treats as constant
            return v.u, v.X, v.a[0], v.n, lambda f: v.d(f, "u").T
        return v.x, v.A, v.c, v.n, lambda f: v.d(f, "x")

    def true(v):
        x, A, c, n, d = parts(v)
        return d(F(B(x, A, c, n))), dF(B(x, A, c, n)) * dB(x, A, c, n)

    def false(v):
        x, A, c, n, d = parts(v)
        g = {"drop F'": dB(x, A, c, n), "half": dF(B(x, A, c, n)) * dB(x, A, c, n) / 2,
             "sign": -dF(B(x, A, c, n)) * dB(x, A, c, n)}[slip]
        return d(F(B(x, A, c, n))), g

    return true, false


@settings(max_examples=40, deadline=None, derandomize=True)
@given(fn=st.sampled_from(sorted(FUNCTIONS)), block=st.sampled_from(sorted(BLOCKS)), slip=st.sampled_from(SLIPS),
       on_cell=st.booleans())
def test_generated_checks_over_functions_and_matrix_methods(fn, block, slip, on_cell):
    F, dF = FUNCTIONS[fn]
    true, false = _gen_check(F, dF, block, slip, on_cell)
    make = (lambda chk: cell_claim(chk, model=page, n=(2,))) if on_cell else (lambda chk: free_claim(chk, n=(2,)))
    assert_not_fails(make(true))
    assert_certified_fails(make(false))


# ----- a cell's step on dual numbers: the same functions by forward mode ------------------------------------------

def test_a_cell_step_runs_abs_max_and_rational_powers_on_dual_numbers():
    from symderiv.kernel.dual import DualMatrix, NoRealValue

    s = sp.Symbol("s", real=True)
    f = sp.Abs(s - 1) + sp.Max(s, sp.Rational(1, 2)) + sp.sqrt(s ** 2 + 1) + (s + 3) ** sp.Rational(2, 3)
    for at in (sp.Rational(-1, 3), sp.Integer(2)):
        out = DualMatrix(sp.Matrix([[at]]), sp.Matrix([[1]])).applyfunc(
            lambda v: sp.Abs(v - 1) + sp.Max(v, sp.Rational(1, 2)) + sp.sqrt(v ** 2 + 1) + (v + 3) ** sp.Rational(2, 3))
        want = sp.diff(f, s).subs(s, at)
        assert abs(sp.N(out.tan[0, 0] - want, 30)) < 1e-25 and abs(sp.N(out.val[0, 0] - f.subs(s, at), 30)) < 1e-25
    # Outside the real domain (a root, a rational power or a log of a value ≤ 0) the refusal is typed, whichever
    # check meets it first: the entry function's domain or the replay of the power.
    for at in (-2, 0, sp.Rational(-1, 3)):
        for fn in (sp.sqrt, lambda v: v ** sp.Rational(2, 3), sp.log, lambda v: 1 + 2 * sp.sqrt(v)):
            with pytest.raises(NoRealValue):
                DualMatrix(sp.Matrix([[at]]), sp.Matrix([[1]])).applyfunc(fn)
    with pytest.raises(KernelError, match="kink"):
        DualMatrix(sp.Matrix([[1]]), sp.Matrix([[1]])).applyfunc(lambda v: sp.Abs(v - 1))
    with pytest.raises(KernelError, match="tie"):
        DualMatrix(sp.Matrix([[1]]), sp.Matrix([[1]])).applyfunc(lambda v: sp.Max(v, 1))


def test_the_jet_model_and_the_dual_runs_agree():
    """Two kernel algorithms for one truth: dJ/dθ read off jets seeded on every parameter entry (the jet model)
    and forward mode with one dual run per direction (the plain model), for LSTM and an Elman RNN, both layouts."""
    from symderiv import Model, elman_rnn
    from symderiv.kernel import ExactModel

    for cell_, act, of, wrts in ((lstm_cell, "abstract", ("h", 2), ("W_f", "U_g", "b_o")),
                                 (elman_rnn, "tanh", ("h", 2), ("W", "b"))):
        sym = Model(cell_, n=2, t=2, activation=act if act != "abstract" else "abstract")
        vals = {s.name: sp.Rational((i % 5) - 2, 2 + i % 3) for i, s in enumerate(sym.symbols())}
        kw = dict(n=2, t=2, activation=act, values=vals, witness=(0, 1, 0, -1) if act == "abstract" else None)
        plain, jets = ExactModel(cell_, **kw), ExactModel(cell_, **kw, order=1, seeded=frozenset(wrts))
        for wrt in (w for w in wrts if w in cell_.params):
            for layout in ("row-major", "col-major"):
                got = jets.d(jets.at(*of), wrt, layout=layout).values()
                assert got == plain.d(of, wrt, layout=layout), (cell_.name, wrt, layout)


def test_a_planted_bug_in_rules_reaches_the_cells_forward_mode_and_is_caught(monkeypatch):
    """The same planted bug in RULES reaches the exact model's tanh (the one table): a tanh cell's false Jacobian
    (tanh' dropped) is certified without it, and its certificate does not replay with it."""
    from symderiv import elman_rnn

    slip = Claim(id="reach.tanh-cell", where="test", statement="test", model=elman_rnn, activation="tanh",
                 check=lambda m: (m.d(("h", 1), "b"), sp.eye(m.n)), sizes=sweep(n=(1,), t=(1,), fixed=("t",)))
    res = assert_certified_fails(slip)
    fn, dfn, ddfn = RULES[sp.tanh]
    monkeypatch.setitem(RULES, sp.tanh, (fn, lambda s: 1 + sp.tanh(s) ** 2, ddfn))
    replay = verify_identity(slip, res.counterexample)
    assert not replay.ok and "not the recomputed" in replay.reason


@cell("h_t = √(1 + (W h_{t−1})²) as a 1 × 1 matrix built of its entry (n = 1)", params={"W": ("n", "n")})
def root_cell(s, prev, x, p, f):
    s.h = sp.Matrix([[sp.sqrt(1 + (p.W * prev.h)[0, 0] ** 2)]])


def test_a_cell_building_a_sympy_matrix_of_dual_numbers_with_sqrt():
    """sp.Matrix([[sp.sqrt(...)]]) of the step's dual numbers (SympifyError before): dh₁/dh₀ = W²h₀/h₁, and the slip
    that drops the chain rule's W fails, certified (h₁ is irrational at most points: arb balls decide)."""
    true = lambda m: (m.d(("h", 1), ("h", 0)), m.W * m.W * m.h(0) / m.h(1)[0, 0])  # noqa: E731
    slip = lambda m: (m.d(("h", 1), ("h", 0)), m.W * m.h(0) / m.h(1)[0, 0])  # noqa: E731
    assert_not_fails(cell_claim(true, model=root_cell, n=(1,), fixed=("n", "t")))
    assert_certified_fails(cell_claim(slip, model=root_cell, n=(1,), fixed=("n", "t")))
    # a function of the model on its dual view: d √(1 + h₁²)/dh₀
    fn = lambda m: (m.d(lambda q: sp.sqrt(1 + q.h(1)[0, 0] ** 2), ("h", 0)),  # noqa: E731
                    m.h(1) * m.W * m.W * m.h(0) / (m.h(1)[0, 0] * sp.sqrt(1 + m.h(1)[0, 0] ** 2)))
    assert_not_fails(cell_claim(fn, model=root_cell, n=(1,), fixed=("n", "t")))
    assert_certified_fails(cell_claim(lambda m: (fn(m)[0], 2 * fn(m)[1]), model=root_cell, n=(1,), fixed=("n", "t")))


# ----- reach, before any verdict: kernel.probe names an operation the kernel never replays ------------------------

def test_probe_names_an_operation_outside_the_kernels_reach_in_one_line():
    from symderiv.kernel import probe

    outside = {
        "atan": lambda v: (v.d(sp.atan(v.c), "c"), sp.Matrix([[1]])),
        "'exp'": lambda v: (v.d(v.A.exp(), "A"), sp.eye(v.n ** 2)),  # the matrix exponential: not a kernel method
        "order 3": lambda v: (v.d(v.d(v.d(v.c ** 4, "c"), "c"), "c"), sp.Matrix([[v.c]])),
        "variable exponent": lambda v: (v.d(v.c ** v.x[0], "c"), sp.Matrix([[1]])),
    }
    for word, check in outside.items():
        got = probe(free_claim(check), {"n": 2})
        assert got is not None and word in got and "\n" not in got, (word, got)
    inside = [METHODS[k][1] for k in METHODS] + [lambda v: (v.d(sp.Abs(v.c) + sp.Max(v.c, 0), "c"), v.c)]
    for check in inside:
        assert probe(free_claim(check), {"n": 2}) is None
    assert probe(cell_claim(COOKBOOK_CELL["eq61 ∂(aᵀX⁻¹b)/∂X"][1], model=page), {"n": 2, "t": 1}) is None
    got = probe(cell_claim(lambda m: (m.d(m.u.norm(1), "u"), m.u.T), model=page), {"n": 2, "t": 1})
    assert got is not None and "norm(ord=1)" in got  # the 1-norm: SymPy has it, the kernel's jets do not


def test_probe_finds_every_shipped_cookbook_and_lstm_claim_inside_the_kernels_reach():
    from pathlib import Path

    from symderiv.claims import collect
    from symderiv.kernel import probe

    here = Path(__file__).resolve().parents[1] / "proofs" / "examples"
    col = collect([here / "matrix_cookbook.py", here / "lstm_gradient.py"])
    claims = [c for c in col.claims() if c.kind == "identity"]
    assert len(claims) >= 10
    assert all(probe(c, next(iter(c.sizes.sizes()))) is None for c in claims)


def test_a_check_differentiating_w_r_t_two_parameters_seeds_both():
    """The jet model seeds only the parameters a check differentiates by (one re-run per new one): two of them in
    one check, and a mixed second derivative across them."""
    f = lambda m: (m.u.T * m.X * m.a)[0, 0]  # noqa: E731
    true = lambda m: (m.d(f(m), "u").row_join(m.d(f(m), "a")), (m.X * m.a).T.row_join(m.u.T * m.X))  # noqa: E731
    slip = lambda m: (m.d(f(m), "u").row_join(m.d(f(m), "a")), (m.X * m.a).T.row_join(m.u.T * m.X.T))  # noqa: E731
    mixed = lambda m: (m.d(m.d(f(m), "u").T, "a"), m.X.T)  # noqa: E731  (∂²f/∂a∂u = X; the slip transposes)
    assert_not_fails(cell_claim(true, model=page))
    assert_certified_fails(cell_claim(slip, model=page))
    assert_certified_fails(cell_claim(mixed, model=page))
    assert_not_fails(cell_claim(lambda m: (mixed(m)[0], m.X), model=page))


@pytest.mark.parametrize("loss,witness", [("squared", None), ("cross-entropy", None), ("abstract", (0, 1, 1))])
def test_losses_on_the_jet_model_agree_with_the_dual_runs(loss, witness):
    """dE₂/dV and dE₂/dW read off jets (E₂ through the cell's output and the loss, on the jet model) against forward
    mode's dual runs of the quantity ("E", 2): the jet model's losses and outputs are the same functions."""
    from symderiv import Model, elman_rnn
    from symderiv.kernel import ExactModel

    sym = Model(elman_rnn, n=2, t=2, activation="tanh")
    vals = {s.name: sp.Rational(1 + i % 4, 3 + i % 5) for i, s in enumerate(sym.symbols())}
    kw = dict(n=2, t=2, activation="tanh", loss=loss, values=vals, loss_witness=witness)
    plain, jets = ExactModel(elman_rnn, **kw), ExactModel(elman_rnn, **kw, order=1, seeded=frozenset({"V", "W"}))
    for wrt in ("V", "W"):
        got, want = jets.d(jets.E(2), wrt).values(), plain.d(("E", 2), wrt)
        assert all(abs(sp.N(a - b, 40)) < 1e-30 for a, b in zip(got, want)), (loss, wrt)


# ----- the kernel's values under a guard that refuses comparisons, hashing and truth tests ---------------------

def test_the_kernel_runs_under_a_guard_on_its_values(monkeypatch):
    """Kernel values (``__symderiv_value__``) may be guarded against user code's ==, <, hash and bool. The kernel
    never uses them itself; SymPy's cache hashes a function's arguments before it sympifies them, and calls the
    function uncached only on a TypeError saying 'unhashable type: …', so a guard must raise that (checked here)."""
    from symderiv.kernel.dual import Dual, DualMatrix

    def refuse(self, *a):
        raise TypeError(f"unhashable type: {type(self).__name__!r} (a kernel value is not compared, hashed or "
                        "truth-tested)")

    for cls in (Dual, DualMatrix, Jet, JetMatrix):
        for name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__bool__"):
            monkeypatch.setattr(cls, name, refuse, raising=False)
    for name in ("sqrt", "power 3/2", "logistic"):
        F, dF = FUNCTIONS[name]
        assert_certified_fails(free_claim(lambda v: (v.d(F(q(v)), "x"), dF(q(v)) * v.x), n=(1,)))
    for name in ("Matrix of a sum", "vstack", "softmax", "second derivative of exp"):
        assert_certified_fails(free_claim(METHODS[name][1]))
    assert _replay(lambda v: (v.d(sp.Abs(v.c) * v.x[0], "c"), sp.Matrix([[v.x[0]]])), POINT).ok
    assert_certified_fails(cell_claim(CELL["∂ √(1 + uᵀu)/∂u"][1]))
    with pytest.raises(TypeError, match="unhashable"):
        hash(Jet(sp.Integer(1)))


def test_a_relation_claim_with_m_d_of_an_expression_is_refused_in_one_line():
    """Relations are replayed on exact numbers, not jets: m.d of an expression there is named, not a crash."""
    from symderiv import matrices, norm2
    from symderiv.kernel.check import _run_check

    c = Claim(id="reach.rel", where="test", statement="test", kind="inequality", model=holder,
              check=lambda m, W: norm2(m.d((m.W * m.W)[0, 0], "W")) <= norm2(W), given=dict(W=matrices()),
              sizes=sweep(n=(1,), t=(1,), fixed=("n", "t",)))
    values = {"W": sp.Matrix([[2]])}
    with pytest.raises(KernelError, match="relation claim") as e:
        _run_check(c, {"n": 1, "t": 1}, values)
    assert "\n" not in str(e.value)

