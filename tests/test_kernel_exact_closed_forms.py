"""The kernel decides exp and algebraic closed forms exactly at its random point (issue 19, item 2; log values,
tanh(q) and logistic(q): tests/test_kernel_exact_logs.py).

A normal form's ``holds`` stands on the kernel's own check (kernel/random_check.py). Where the sides at the
kernel's random point are not rational numbers (e^q for rational q, √2, …) the kernel used to trust the normal
form. It now decides lhs − rhs = 0 at the point exactly: in ℚ(ᴸ√p₁, …) by an explicit number-field reduction
(Besicovitch: the monomials in real roots of distinct primes are independent over ℚ), with e^q as W^(qL) for one
transcendental W = e^(1/L) (Hermite–Lindemann: e^(q₁), …, e^(q_r) are independent over ℚ̄ for distinct rational
q_i). The token then trusts nothing, states its error bound as a number (``degree``) and how the zero at the
point was decided (``zero_test``). Each test covers a class: the same fact written another way, on a model, on
free variables and on a check's own symbols.
"""
from __future__ import annotations

import random

import pytest
import sympy as sp

from symderiv import cell, kernel, scalar, softmax, sweep, vector
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.kernel.random_check import DRAW_BITS, Cannot, exact_zero
from symderiv.results import Verdict
from symderiv.sizes import no_sizes

A, B, C, LAM = sp.symbols("a b c lam")


# ----- claims -----------------------------------------------------------------------------------------------------

def _model(check, cid, *, n=(2,), t=(1,), model=None, **kw):
    from symderiv import pal2019_rnn

    return Claim(id=cid, where="test", statement="test", check=check, model=model or pal2019_rnn,
                 sizes=sweep(n=n, t=t), conventions={"layout": "row-major"}, **kw)


def _free(check, variables, cid, n=(2,)):
    return Claim(id=cid, where="test", statement="test", check=check, variables=variables, conventions={},
                 sizes=sweep(n=n))


def _symbols(lhs, rhs, cid):
    return Claim(id=cid, where="test", statement="test", check=lambda: (lhs, rhs), sizes=no_sizes())


def _probability(y):
    n = y.rows
    e = sp.Matrix(n, 1, lambda i, j: 1 if i == n - 1 else 0)
    return y - e * (sp.ones(1, n) * y - sp.Matrix([[1]]))


def _xent(o, y, f):  # −Σ_i y_i log softmax(o)_i, with the model's own exp and log
    lse = f.log(sum(f.exp(o)))
    return -sum(b * (a - lse) for a, b in zip(o, _probability(y)))


def _xent_closed(o, y):  # the same, with SymPy's exp and log on the values
    lse = sp.log(sum(sp.exp(a) for a in o))
    return -sum(b * (a - lse) for a, b in zip(o, _probability(y)))


def _rnn(s, prev, x, p, f):
    s.a = p.b + p.W * prev.h + p.U * x
    s.h = f.tanh(s.a)


XENT = cell("tanh RNN, o_t = V h_t + c, L_t = cross-entropy(softmax(o_t), y_t), y_t a probability vector",
            params={"W": ("n", "n"), "U": ("n", "m"), "b": "n", "V": ("n", "n"), "c": "n"},
            output=lambda q, p, f: p.V * q.h + p.c, loss=_xent)(_rnn)


def _grad_o(m, k):
    return m.d(m.sum_of("E"), ("o", k)).T


def _preact(m):  # the model's o_t is softmax(W_O h_t + b_O)
    return m.W_O * m.h(m.t) + m.b_O


def _exp_v(v):
    return v.applyfunc(sp.exp)


AB = dict(a=scalar(), b=scalar())
ABC = dict(a=scalar(), b=scalar(), c=scalar())
Z = dict(z=vector("n"), c=scalar())

# true identities with exp in the sides at the kernel's point; each is a class: two writings of one fact
TRUE_EXP = {
    # softmax shift invariance, on a model's outputs (the model's own softmax against SymPy's), both sides written
    "softmax(z + c) = softmax(z), model": lambda: _model(
        lambda m: (softmax(_preact(m) + m.h(m.t)[0] * sp.ones(m.n, 1)), m.o(m.t)), "exact.shift-model"),
    "softmax(z) = softmax(z − c), model": lambda: _model(
        lambda m: (m.o(m.t), softmax(_preact(m) - m.x(1)[0] * sp.ones(m.n, 1))), "exact.shift-model-2", n=(3,)),
    "softmax(z + c) = softmax(z), free": lambda: _free(
        lambda v: (softmax(v.z + v.c * sp.ones(v.z.rows, 1)), softmax(v.z)), Z, "exact.shift-free"),
    # ∂(−log softmax_y)/∂o = ŷ − y (the true gradient by the kernel's forward mode, exp and log the model's own)
    "∂L/∂o_t = ŷ_t − y_t": lambda: _model(
        lambda m: (_grad_o(m, m.t), softmax(m.o(m.t)) - _probability(m.y(m.t))), "exact.xent", model=XENT,
        activation="tanh"),
    "∂L/∂o_1 = ŷ_1 − y_1 at t = 2": lambda: _model(
        lambda m: (_grad_o(m, 1), softmax(m.o(1)) - _probability(m.y(1))), "exact.xent-first", model=XENT,
        activation="tanh", t=(2,)),
    # e^a e^b = e^(a+b), written both ways
    "e^a e^b = e^(a+b), free": lambda: _free(
        lambda v: (sp.exp(v.a) * sp.exp(v.b), sp.exp(v.a + v.b)), AB, "exact.ab-free", n=(1,)),
    "e^(a+b) = e^a e^b, free": lambda: _free(
        lambda v: (sp.exp(v.a + v.b), sp.exp(v.b) * sp.exp(v.a)), AB, "exact.ba-free", n=(1,)),
    "(e^a)² e^(−b) = e^(2a−b), model": lambda: _model(
        lambda m: (_exp_v(m.h(1)).applyfunc(lambda u: u ** 2) * sp.exp(-m.b_R[0]),
                   _exp_v(2 * m.h(1) - m.b_R[0] * sp.ones(m.n, 1))), "exact.ab-model"),
    "e^a e^b = e^(a+b), symbols": lambda: _symbols(sp.exp(A) * sp.exp(B), sp.exp(A + B), "exact.ab-symbols"),
    "e^(a+b+c) = e^a e^b e^c, symbols": lambda: _symbols(
        sp.exp(A + B + C), sp.exp(A) * sp.exp(B) * sp.exp(C), "exact.abc-symbols"),
}

# false identities with exp at the point, each as a normal form that a bug could say is zero
FALSE_EXP = {
    "softmax(−z) = softmax(z), model": lambda: _model(
        lambda m: (softmax(-_preact(m)), m.o(m.t)), "exact.sign-model"),
    "∂L/∂o_t = y_t − ŷ_t": lambda: _model(
        lambda m: (_grad_o(m, m.t), _probability(m.y(m.t)) - softmax(m.o(m.t))), "exact.xent-sign", model=XENT,
        activation="tanh"),
    "e^(a+b) = e^a + e^b, free": lambda: _free(
        lambda v: (sp.exp(v.a + v.b), sp.exp(v.a) + sp.exp(v.b)), AB, "exact.sum-free", n=(1,)),
    "e^a e^b = e^(ab), symbols": lambda: _symbols(sp.exp(A) * sp.exp(B), sp.exp(A * B), "exact.prod-symbols"),
    "e^a e^b = e^(a+b) + 2^−300, symbols": lambda: _symbols(
        sp.exp(A) * sp.exp(B), sp.exp(A + B) + sp.Rational(1, 2 ** 300), "exact.tiny-symbols"),
    "softmax(z + c) = softmax(z) + 2^−200, free": lambda: _free(
        lambda v: (softmax(v.z + v.c * sp.ones(v.z.rows, 1)), softmax(v.z) + sp.ones(v.z.rows, 1) / 2 ** 200),
        Z, "exact.shift-tiny"),
}

R2 = 1 / sp.sqrt(2)
Q = sp.Matrix([[1, -1], [-1, -1]]) / sp.sqrt(2)
TRUE_ALGEBRAIC = {
    "(1/√2 − λ)(−1/√2 − λ) − ½ = λ² − 1": lambda: _symbols(
        (R2 - LAM) * (-R2 - LAM) - sp.Rational(1, 2), LAM ** 2 - 1, "exact.reflection-expansion"),
    "Q(a, b)ᵀ has the norm of (a, b)": lambda: _symbols(
        ((Q * sp.Matrix([A, B])).T * (Q * sp.Matrix([A, B])))[0, 0], A ** 2 + B ** 2, "exact.reflection-norm"),
    "(a + √2 b)(a − √2 b) = a² − 2b², ∛2³ = 2": lambda: _symbols(
        (A + sp.sqrt(2) * B) * (A - sp.sqrt(2) * B) * sp.cbrt(2) ** 2, (A ** 2 - 2 * B ** 2) * sp.cbrt(4),
        "exact.conjugates"),
    "√6 a = √2 √3 a, free": lambda: _free(lambda v: (sp.sqrt(6) * v.a, sp.sqrt(2) * (sp.sqrt(3) * v.a)), AB,
                                          "exact.sqrt6", n=(1,)),
}
FALSE_ALGEBRAIC = {
    "√2 λ = √3 λ": lambda: _symbols(sp.sqrt(2) * LAM, sp.sqrt(3) * LAM, "exact.sqrt2-sqrt3"),
    "λ/√2 = (√2/2 + 2^−300) λ": lambda: _symbols(
        LAM / sp.sqrt(2), (sp.sqrt(2) / 2 + sp.Rational(1, 2 ** 300)) * LAM, "exact.tiny-sqrt"),
    "(1/√2 − λ)(−1/√2 − λ) = λ² − 1": lambda: _symbols(
        (R2 - LAM) * (-R2 - LAM), LAM ** 2 - 1, "exact.reflection-dropped"),
    "∛2 a = (√2 + 2^-100) a, free": lambda: _free(
        lambda v: (sp.cbrt(2) * v.a, (sp.sqrt(2) + sp.Rational(1, 2 ** 100)) * v.a), AB, "exact.cbrt", n=(1,)),
}

# a log of a sum of exponentials at the point (the loss value log Σ e^{o_i}): outside Baker's theorem as the kernel
# reads log values (tests/test_kernel_exact_logs.py has those it decides), so the normal form stays trusted
WITH_LOG = {
    "the loss value, model": lambda: _model(
        lambda m: (m.sum_of("E"), sp.Matrix([[_xent_closed(m.o(1), m.y(1))]])), "exact.loss", model=XENT,
        activation="tanh"),
}


# ----- the kernel, asked directly -------------------------------------------------------------------------------

def _size(claim):
    return claim.sizes.sizes()[0]


@pytest.mark.parametrize("case", sorted(TRUE_EXP))
def test_a_true_exp_identity_is_confirmed_exactly_with_nothing_trusted(case):
    claim = TRUE_EXP[case]()
    token, how = kernel.confirm_identity(claim, _size(claim))
    assert token is not None, how
    assert token.trusts == (), token.trusts
    assert token.zero_test in ("exp", "rational"), how  # a random exp may make the sides rational (n = 1)
    assert isinstance(token.degree, int) and token.degree > 0
    assert token.error == (DRAW_BITS, 1)
    assert token.degree < 2 ** 96  # the bound claimed is below 2^−32


@pytest.mark.parametrize("case", ["softmax(z + c) = softmax(z), free", "e^a e^b = e^(a+b), free",
                                  "e^a e^b = e^(a+b), symbols", "softmax(z + c) = softmax(z), model",
                                  "∂L/∂o_t = ŷ_t − y_t"])
def test_the_exp_zero_was_decided_in_the_group_ring(case):
    claim = TRUE_EXP[case]()
    token, how = kernel.confirm_identity(claim, _size(claim))
    assert token is not None and token.zero_test == "exp", how


@pytest.mark.parametrize("case", sorted(FALSE_EXP))
def test_a_false_exp_identity_is_refused_by_the_kernel(case):
    claim = FALSE_EXP[case]()
    token, why = kernel.confirm_identity(claim, _size(claim))
    assert token is None, (token and token.how, why)


@pytest.mark.parametrize("case", sorted(TRUE_ALGEBRAIC))
def test_a_true_algebraic_identity_is_confirmed_exactly(case):
    claim = TRUE_ALGEBRAIC[case]()
    token, how = kernel.confirm_identity(claim, _size(claim))
    assert token is not None and token.trusts == (), how
    assert token.zero_test in ("algebraic", "rational"), how
    assert isinstance(token.degree, int) and token.degree > 0


@pytest.mark.parametrize("case", sorted(FALSE_ALGEBRAIC))
def test_a_false_algebraic_identity_is_refused_by_the_kernel(case):
    claim = FALSE_ALGEBRAIC[case]()
    token, why = kernel.confirm_identity(claim, _size(claim))
    assert token is None, (token and token.how, why)


@pytest.mark.parametrize("case", sorted(WITH_LOG))
def test_with_log_at_the_point_the_normal_form_is_still_trusted_with_the_reason(case):
    claim = WITH_LOG[case]()
    token, how = kernel.confirm_identity(claim, _size(claim))
    assert token is not None and len(token.trusts) == 1, how
    assert token.zero_test is None


def test_the_error_bound_is_a_number_that_grows_with_the_exp_arguments():
    degrees = []
    for k in (2, 3, 4):
        xs = sp.symbols(f"u0:{k}")
        claim = _symbols(sp.Mul(*[sp.exp(x) for x in xs]), sp.exp(sp.Add(*xs)), f"exact.args{k}")
        token, how = kernel.confirm_identity(claim, {})
        assert token is not None and token.zero_test == "exp" and not token.trusts, how
        degrees.append(token.degree)
    assert degrees[0] < degrees[1] < degrees[2], degrees
    # on a model: softmax at n = 3 has more exp arguments than at n = 2
    by_n = []
    for n in (2, 3):
        claim = TRUE_EXP["softmax(z + c) = softmax(z), model"]()
        token, how = kernel.confirm_identity(claim, {"n": n, "t": 1})
        assert token is not None and token.zero_test == "exp", how
        by_n.append(token.degree)
    assert by_n[0] < by_n[1], by_n


def test_a_bound_above_the_cutoff_is_not_claimed(monkeypatch):
    from symderiv.kernel import random_check

    claim = TRUE_EXP["e^a e^b = e^(a+b), symbols"]()
    monkeypatch.setattr(random_check, "MIN_EXACT_BITS", 127)  # only a bound ≤ 2^−127 may be claimed
    token, how = kernel.confirm_identity(claim, {})
    assert token is not None and len(token.trusts) == 1 and token.zero_test is None, how


# ----- the exact zero test itself -------------------------------------------------------------------------------

ATOMS = [sp.sqrt(2), sp.sqrt(3), sp.sqrt(6), sp.cbrt(2), sp.Rational(3, 5) ** sp.Rational(1, 4), sp.E, sp.exp(2),
         sp.exp(sp.Rational(-1, 3)), sp.exp(sp.Rational(5, 2))]


def _random_poly(rng, atoms, terms=4):
    return sp.Add(*[sp.Rational(rng.randint(-9, 9), rng.randint(1, 5)) * sp.Mul(*rng.sample(atoms, rng.randint(0, 3)))
                    for _ in range(terms)])


@pytest.mark.parametrize("seed", range(12))
def test_the_zero_test_decides_an_element_written_two_ways(seed):
    rng = random.Random(seed)
    p, q = _random_poly(rng, ATOMS), _random_poly(rng, ATOMS)
    r = _random_poly(rng, ATOMS, 2)
    product = p * q / (r if r != 0 else 1)
    expanded = sp.expand(p * q) / (sp.expand(r) if r != 0 else 1)
    assert exact_zero(product - expanded) is True
    for tiny in (sp.Rational(1, 2 ** 200), sp.sqrt(2) / 10 ** 60, sp.exp(sp.Rational(1, 7)) / 10 ** 60):
        assert exact_zero(product - expanded + tiny) is False


@pytest.mark.parametrize("outside", [sp.log(1 + sp.E), sp.pi, sp.exp(sp.sqrt(2)), sp.tanh(sp.sqrt(2)), sp.I,
                                     sp.Float(0.5), (-2) ** sp.Rational(1, 3), sp.sqrt(1 + sp.sqrt(2))])
def test_the_zero_test_refuses_what_it_does_not_decide(outside):
    for d in (outside + 1, outside * sp.sqrt(2) - sp.exp(3)):
        with pytest.raises(Cannot):
            exact_zero(d)


# ----- through the engine: a planted normal form is not a holds ------------------------------------------------

@pytest.mark.parametrize("case", sorted(FALSE_EXP) + sorted(FALSE_ALGEBRAIC))
def test_a_planted_normal_form_on_a_false_closed_form_is_not_a_holds(monkeypatch, case):
    from symderiv import engine

    claim = {**FALSE_EXP, **FALSE_ALGEBRAIC}[case]()
    monkeypatch.setattr(engine, "nonzero_entries", lambda lhs, rhs, backend="symengine", cleared=None, **kw: [])
    res = check_claim(claim, backend="symengine")
    assert res.verdict != Verdict.HOLDS, (res.verdict, res.scope)


@pytest.mark.parametrize("case", ["softmax(z + c) = softmax(z), free", "e^(a+b) = e^a e^b, free",
                                  "(1/√2 − λ)(−1/√2 − λ) − ½ = λ² − 1", "e^a e^b = e^(a+b), symbols"])
def test_a_true_closed_form_holds_and_trusts_nothing(case):
    claim = {**TRUE_EXP, **TRUE_ALGEBRAIC}[case]()
    res = check_claim(claim, backend="symengine")
    assert res.verdict == Verdict.HOLDS, (res.verdict, res.scope)
    assert res.trusted == [], res.trusted


# ----- m.d of an expression of the parameters: the random check runs on jets (issue 19, item 2) -----------------

def _loss_sum(scale=1, upto=0):
    from symderiv import total

    def check(m):
        E = sum(m.E(k) for k in range(1, m.t + 1))
        return m.d(E, "W_R"), scale * total((m.d(("E", k), "W_R") for k in range(1, m.t + 1 - upto)),
                                            (1, m.n ** 2))
    return check


def _square_sum(m):  # d(Σ_i h_i²)/dW_R written by the chain rule: 2 h_tᵀ dh_t/dW_R
    h = m.h(m.t)
    return m.d((h.T * h)[0, 0], "W_R"), 2 * h.T * m.d(("h", m.t), "W_R")


def _square_sum_wrong(m):  # the factor 2 dropped
    h = m.h(m.t)
    return m.d((h.T * h)[0, 0], "W_R"), h.T * m.d(("h", m.t), "W_R")


JETS_TRUE = {
    "∂ΣE_t/∂W_R = Σ ∂E_t/∂W_R": lambda: _model(_loss_sum(), "jets.loss-sum", n=(2,), t=(2,)),
    "d‖h_t‖²/dW_R = 2h_tᵀ dh_t/dW_R": lambda: _model(_square_sum, "jets.square", n=(2,), t=(2,)),
}
JETS_FALSE = {
    "∂ΣE_t/∂W_R = 2 Σ ∂E_t/∂W_R": lambda: _model(_loss_sum(scale=2), "jets.loss-sum-2", n=(2,), t=(2,)),
    "∂ΣE_t/∂W_R = Σ_{t<T} ∂E_t/∂W_R": lambda: _model(_loss_sum(upto=1), "jets.loss-sum-short", n=(2,), t=(2,)),
    "d‖h_t‖²/dW_R = h_tᵀ dh_t/dW_R": lambda: _model(_square_sum_wrong, "jets.square-wrong", n=(2,), t=(2,)),
}


@pytest.mark.parametrize("case", sorted(JETS_TRUE))
def test_a_derivative_of_an_expression_is_confirmed_on_the_kernels_random_jets(case):
    claim = JETS_TRUE[case]()
    token, how = kernel.confirm_identity(claim, _size(claim))
    assert token is not None and token.trusts == (), how
    assert isinstance(token.degree, int) and token.degree > 0


@pytest.mark.parametrize("case", sorted(JETS_FALSE))
def test_a_false_derivative_of_an_expression_is_refused_on_the_kernels_random_jets(case):
    claim = JETS_FALSE[case]()
    token, why = kernel.confirm_identity(claim, _size(claim))
    assert token is None, (token and token.how, why)
