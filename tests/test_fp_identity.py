"""Issue 19 item 5: F_p recognises a function by identity, never by its name.

Reproduction: a proof file's own ``sp.Function("tanh")`` (or a class named ``logistic``) used in a cell's
``applyfunc`` was read as the real tanh (its atom and its derivative rule 1 − T²), so a claim that rests on
that rule was ``holds`` (error ≤ 2⁻¹¹²), also under ``auto`` at n = 4, t = 2, while the exact engine refuses
it: an undefined function has no derivative rule. The class: every way of writing a function that is not
SymPy's own tanh, exp, log, sin, cos or symderiv's logistic but carries one of their names — an undefined
function, a user class subclassing ``sp.Function`` or the real class, a lambda named like them. Each must be
refused over F_p (``Unsupported``: ``auto`` falls back to the exact engine), never read as the real function;
the real functions keep their reading (the controls).
"""
from __future__ import annotations

import pytest
import sympy as sp

from symderiv import cell, diag, fp, kron
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.functions import logistic as real_logistic
from symderiv.results import Verdict
from symderiv.sizes import sweep


class tanh(sp.Function):  # noqa: N801  a user's own class named like the real function
    nargs = 1


class logistic(sp.Function):  # noqa: N801
    nargs = 1


class tanh_sub(sp.tanh):  # noqa: N801  a subclass of the real class, with a name of its own...
    pass


tanh_sub.__name__ = "tanh"  # ...renamed: still not sp.tanh itself


def _named(name, inner):
    fn = lambda v: inner(v)  # noqa: E731  a lambda named like the real function
    fn.__name__ = fn.__qualname__ = name
    return fn


#: (case, the function a cell applies, the derivative a claim writes with it (the real rule for the name))
IMPOSTORS = [
    ("Function-tanh", sp.Function("tanh"), lambda F: lambda v: 1 - F(v) ** 2),
    ("Function-exp", sp.Function("exp"), lambda F: lambda v: F(v)),
    ("Function-sin", sp.Function("sin"), lambda F: lambda v: sp.cos(v)),
    ("Function-cos", sp.Function("cos"), lambda F: lambda v: -sp.sin(v)),
    ("Function-log", sp.Function("log"), lambda F: lambda v: 1 / v),
    ("Function-logistic", sp.Function("logistic"), lambda F: lambda v: F(v) * (1 - F(v))),
    ("class-tanh", tanh, lambda F: lambda v: 1 - F(v) ** 2),
    ("class-logistic", logistic, lambda F: lambda v: F(v) * (1 - F(v))),
    ("subclass-of-sp.tanh", tanh_sub, lambda F: lambda v: 1 - F(v) ** 2),
    ("lambda-tanh", _named("tanh", sp.Function("tanh")), lambda F: lambda v: 1 - F(v) ** 2),
    ("lambda-exp", _named("exp", sp.Function("exp")), lambda F: lambda v: F(v)),
]

#: the real functions: read as atoms with their derivative rules (the same claims hold)
REAL = [
    ("sp.tanh", sp.tanh, lambda F: lambda v: 1 - F(v) ** 2),
    ("sp.exp", sp.exp, lambda F: lambda v: F(v)),
    ("sp.sin", sp.sin, lambda F: lambda v: sp.cos(v)),
    ("symderiv-logistic", real_logistic, lambda F: lambda v: F(v) * (1 - F(v))),
]


def make(F, dF):
    @cell("h_t = F(W h_{t−1} + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})
    def step(s, prev, x, p, f):
        s.z = p.W * prev.h + p.U * x
        s.h = s.z.applyfunc(F)

    return Claim(id="fpid.claim", where="test", statement="test", model=step,
                 check=lambda m: (m.d(("h", m.t), ("h", m.t - 1)), diag(m.at("z", m.t).applyfunc(dF(F))) * m.W),
                 sizes=sweep(n=(4,), t=(2,)), conventions={"layout": "row-major"})


@pytest.mark.parametrize("name,F,dF", IMPOSTORS, ids=[c[0] for c in IMPOSTORS])
def test_a_function_named_like_a_real_one_is_refused_over_fp(name, F, dF):
    claim = make(F, dF)
    with pytest.raises(fp.Unsupported):
        fp.test_identity(claim, {"n": 4, "t": 2})


@pytest.mark.parametrize("backend", ["fp", "auto"])
@pytest.mark.parametrize("name,F,dF", IMPOSTORS[:2] + IMPOSTORS[6:8],
                         ids=[c[0] for c in IMPOSTORS[:2] + IMPOSTORS[6:8]])
def test_no_verdict_holds_for_an_impostor(name, F, dF, backend):
    r = check_claim(make(F, dF), backend=backend)
    assert r.verdict != Verdict.HOLDS, r.scope


@pytest.mark.parametrize("name,F,dF", REAL, ids=[c[0] for c in REAL])
def test_the_real_functions_keep_their_reading(name, F, dF):
    assert fp.test_identity(make(F, dF), {"n": 4, "t": 2}).equal


def test_an_activation_of_ones_own_named_tanh_is_not_tanh():
    from symderiv import elman_rnn
    from symderiv.functions import Activation

    fake = Activation("tanh", sp.Function("tanh"), lambda z: 1 - sp.Function("tanh")(z) ** 2)
    with pytest.raises(fp.Unsupported, match="activation"):
        fp.FpModel(elman_rnn, n=2, t=1, m=1, batch=None, activation=fake)


def test_a_class_claiming_to_be_a_polynomial_is_not_read_as_one():
    class poly(sp.Function):  # noqa: N801  answers is_polynomial as it likes
        nargs = 1

        def _eval_is_polynomial(self, syms):
            return True

    claim = make(poly, lambda F: lambda v: 2 * v)
    with pytest.raises(fp.Unsupported):
        fp.test_identity(claim, {"n": 4, "t": 2})


class half(sp.Function):  # noqa: N801  says of itself that it is the rational 1/2
    nargs = 1
    is_rational = True

    def _eval_evalf(self, prec):
        return sp.Float(0.5)


@pytest.mark.parametrize("backend", ["fp", "auto"])
def test_a_class_claiming_to_be_a_rational_is_not_read_as_one(backend):
    """A constant is read from SymPy's own number classes, never from what an expression says of itself."""
    claim = make(sp.tanh, lambda F: lambda v: 1 - F(v) ** 2)
    claim = Claim(id="fpid.half", where="test", statement="test", model=claim.model,
                  check=lambda m: (half(1) * m.W, m.W / 2), sizes=sweep(n=(4,), t=(2,)),
                  conventions={"layout": "row-major"})
    with pytest.raises(fp.Unsupported):
        fp.test_identity(claim, {"n": 4, "t": 2})
    assert check_claim(claim, backend=backend).verdict != Verdict.HOLDS


def test_unevaluated_rationals_are_still_read():
    assert fp._rational(sp.Mul(2, sp.Rational(1, 3), evaluate=False)) == sp.Rational(2, 3)
    assert fp._rational(sp.Add(1, sp.Pow(2, -1, evaluate=False), evaluate=False)) == sp.Rational(3, 2)


class zero(sp.Function):  # noqa: N801  says of itself that it is 0
    nargs = 1
    is_zero = True


class one(sp.Function):  # noqa: N801  says it equals 1
    nargs = 1

    def __eq__(self, o):
        return o == 1 or super().__eq__(o)

    __hash__ = sp.Function.__hash__


def _jac(m):
    return m.d(("h", m.t), ("h", m.t - 1))


SELF_DESCRIBED = [  # (case, check): each holds only if the class's word about itself is taken
    ("is_zero", lambda m: (_jac(m) + sp.Matrix(m.n, m.n, lambda i, j: zero(1)), _jac(m))),
    ("equal-to-1", lambda m: (kron(sp.Matrix(m.n, m.n, lambda i, j: one(1) if i == j else 0), m.h(1).T),
                              kron(sp.eye(m.n), m.h(1).T))),
]


@pytest.mark.parametrize("name,check", SELF_DESCRIBED, ids=[c[0] for c in SELF_DESCRIBED])
def test_a_matrix_of_a_class_of_ones_own_is_not_read_as_zero_or_identity(name, check):
    from symderiv import elman_rnn

    claim = Claim(id="fpid.self", where="test", statement="test", model=elman_rnn, check=check,
                  sizes=sweep(n=(4,), t=(2,)), conventions={"layout": "row-major"})
    with pytest.raises(fp.Unsupported):
        fp.test_identity(claim, {"n": 4, "t": 2})
    assert check_claim(claim, backend="fp").verdict != Verdict.HOLDS
    # auto falls back to the exact engine, whatever it says (it takes one(1) == 1 at its word: not F_p's to fix)
    r = check_claim(claim)
    assert r.verdict == check_claim(claim, backend="symengine").verdict
