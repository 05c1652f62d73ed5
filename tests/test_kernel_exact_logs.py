"""The kernel decides tanh(q), the logistic function and log values at its random point exactly (issue 19, items 2
and 3).

tanh(q) = (e^(2q) − 1)/(e^(2q) + 1) and logistic(q) = 1/(1 + e^(−q)) are numbers of ℚ(e^ℚ) (their denominators are
> 0): the kernel reads them there and decides as for e^q (Lindemann–Weierstrass). A log of a positive number
c·e^q·Π p^(k/L) is q + a ℚ-linear form in log b over a coprime base b of the integers involved; by Baker's theorem
1, log b₁, …, log b_k are linearly independent over ℚ̄, so a linear form in log values with algebraic coefficients
is 0 only when every coefficient is. A product of log values, or log values beside e^q (q ≠ 0), is decided only
when it is 0 formally (or, when it is not 0, by arb balls); else it stays outside, with the reason, as a token that
trusts the normal form. Each class is written several ways: on a check's own symbols, on free variables and on a
model.
"""
from __future__ import annotations

import pytest
import sympy as sp

from symderiv import kernel, scalar, sweep, vector
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.functions import logistic
from symderiv.kernel.random_check import DRAW_BITS, Cannot, _exact_decide, exact_zero
from symderiv.results import Verdict
from symderiv.sizes import no_sizes

A, B = sp.symbols("a b")
APOS = sp.Symbol("ap", positive=True)
TINY = sp.Rational(1, 2 ** 300)
L = sp.log


def _symbols(lhs, rhs, cid):
    return Claim(id=cid, where="test", statement="test", check=lambda: (lhs, rhs), sizes=no_sizes())


def _free(check, variables, cid, n=(1,)):
    return Claim(id=cid, where="test", statement="test", check=check, variables=variables, conventions={},
                 sizes=sweep(n=n))


def _model(check, cid, *, n=(2,), t=(1,)):
    from symderiv import pal2019_rnn

    return Claim(id=cid, where="test", statement="test", check=check, model=pal2019_rnn, sizes=sweep(n=n, t=t),
                 conventions={"layout": "row-major"})


AB = dict(a=scalar(), b=scalar())
P = dict(p=scalar(positive=True), q=scalar(positive=True))
Z = dict(z=vector("n"))


def _tanh_v(v):
    return v.applyfunc(sp.tanh)


def _logistic_v(v, k=1):
    return v.applyfunc(lambda u: logistic(k * u))


def _rlog(v):  # log(e^a (b² + 1)): a log of a random value times a closed form of e
    return sp.log(sp.exp(v.a) * (v.b ** 2 + 1))


# true identities whose sides at the kernel's point hold log values, tanh(q) or logistic(q)
TRUE = {
    # constant logs: a linear form over the primes (Baker), each written another way
    "log 6 = log 2 + log 3": lambda: _symbols(L(6) * A, (L(2) + L(3)) * A, "logs.6"),
    "2 log 2 = log 4": lambda: _symbols(2 * L(2) * A ** 2, L(4) * A ** 2, "logs.4"),
    "log(3/4) + log(4/9) = −log 3": lambda: _symbols(L(sp.Rational(3, 4)) + L(sp.Rational(4, 9)) + A,
                                                    A - L(3), "logs.quotients"),
    "log(8)/3 = (4/3) log √2 + log(2)/3, a radical's log": lambda: _symbols(
        L(8) * A / 3, (L(sp.sqrt(2)) * sp.Rational(4, 3) + L(2) / 3) * A, "logs.radical"),
    "log 6 · log 2 = (log 2 + log 3) log 2 (formally equal products)": lambda: _symbols(
        L(6) * L(2) * B, (L(2) + L(3)) * L(2) * B, "logs.product"),
    "log(e³·5) = 3 + log 5": lambda: _symbols(L(sp.exp(3) * 5) * A, (3 + L(5)) * A, "logs.exp-arg"),
    # log values of the random values (one atom on both sides)
    "log(e^a (b² + 1)) = a + log(b² + 1), symbols": lambda: _symbols(
        sp.log(sp.exp(A) * (B ** 2 + 1)), A + sp.log(B ** 2 + 1), "logs.random-symbols"),
    "log(e^a (b² + 1)) = a + log(b² + 1), free": lambda: _free(
        lambda v: (_rlog(v), v.a + sp.log(v.b ** 2 + 1)), AB, "logs.random-free"),
    "2 log p = log p + log p, free p > 0": lambda: _free(
        lambda v: (2 * sp.log(v.p) * v.q, (sp.log(v.p) + sp.log(v.p)) * v.q), P, "logs.positive-free"),
    # derivatives on free variables, which the engine's normal form proves
    "d(p log p)/dp = log p + 1, free p > 0": lambda: _free(
        lambda v: (v.d(v.p * sp.log(v.p), "p"), sp.log(v.p) + 1), P, "logs.dplogp"),
    "d tanh(a)/da = 1 − tanh(a)², free": lambda: _free(
        lambda v: (v.d(sp.tanh(v.a), "a"), 1 - sp.tanh(v.a) ** 2), AB, "logs.dtanh"),
    "d logistic(a)/da = logistic(a) logistic(−a), free": lambda: _free(
        lambda v: (v.d(logistic(v.a), "a"), logistic(v.a) * (1 - logistic(v.a))), AB, "logs.dlogistic"),
    # tanh(q) and logistic(q): in ℚ(e^ℚ)
    "tanh(1) = (e² − 1)/(e² + 1)": lambda: _symbols(sp.tanh(1) * A, (sp.exp(2) - 1) / (sp.exp(2) + 1) * A,
                                                    "logs.tanh1"),
    "tanh(a) = (e^2a − 1)/(e^2a + 1), symbols": lambda: _symbols(
        sp.tanh(A), (sp.exp(2 * A) - 1) / (sp.exp(2 * A) + 1), "logs.tanh-symbols"),
    "tanh(a) = 2 logistic(2a) − 1, free": lambda: _free(
        lambda v: (sp.tanh(v.a), 2 * logistic(2 * v.a) - 1), AB, "logs.tanh-logistic-free"),
    "tanh(z) = 2 logistic(2z) − 1, free vector": lambda: _free(
        lambda v: (_tanh_v(v.z), 2 * _logistic_v(v.z, 2) - sp.ones(v.z.rows, 1)), Z, "logs.tanh-vector", n=(2,)),
    "logistic(a) + logistic(−a) = 1, symbols": lambda: _symbols(logistic(A) + logistic(-A), sp.Integer(1),
                                                                "logs.logistic-symmetry"),
    "logistic(1/3) = 1/(1 + e^(−1/3))": lambda: _symbols(logistic(sp.Rational(1, 3)) * B,
                                                         B / (1 + sp.exp(-sp.Rational(1, 3))), "logs.logistic-q"),
    "tanh(h₁) = 2 logistic(2h₁) − 1, model": lambda: _model(
        lambda m: (_tanh_v(m.h(1)), 2 * _logistic_v(m.h(1), 2) - sp.ones(m.n, 1)), "logs.tanh-model"),
}

# false identities of the same kinds, each as a normal form a bug could say is 0
FALSE = {
    "log 6 = log 2 · log 3": lambda: _symbols(L(6) * A, L(2) * L(3) * A, "logs.6-product"),
    "log 6 = log 2 + log 3 + 2^−300": lambda: _symbols(L(6) * A, (L(2) + L(3) + TINY) * A, "logs.6-tiny"),
    "3 log 2 = log 9": lambda: _symbols(3 * L(2) * A, L(9) * A, "logs.9"),
    "log 6 = log 2 + √2 log 3": lambda: _symbols(L(6) * A, (L(2) + sp.sqrt(2) * L(3)) * A, "logs.algebraic-coeff"),
    "log(e³·5) = 3 + log 5 + 2^−300": lambda: _symbols(L(sp.exp(3) * 5) * A, (3 + L(5) + TINY) * A,
                                                      "logs.exp-arg-tiny"),
    "log(e^a (b² + 1)) = a + log(b² + 1) + 2^−200, free": lambda: _free(
        lambda v: (_rlog(v), v.a + sp.log(v.b ** 2 + 1) + sp.Rational(1, 2 ** 200)), AB, "logs.random-free-tiny"),
    "log(e^a (b² + 1)) = a + log(b² + 2), free": lambda: _free(
        lambda v: (_rlog(v), v.a + sp.log(v.b ** 2 + 2)), AB, "logs.random-free-shift"),
    "2 log p = 3 log p, free p > 0": lambda: _free(
        lambda v: (2 * sp.log(v.p) * v.q, 3 * sp.log(v.p) * v.q), P, "logs.positive-free-3"),
    "d(p log p)/dp = log p, free p > 0": lambda: _free(
        lambda v: (v.d(v.p * sp.log(v.p), "p"), sp.log(v.p)), P, "logs.dplogp-wrong"),
    "d tanh(a)/da = 1 + tanh(a)², free": lambda: _free(
        lambda v: (v.d(sp.tanh(v.a), "a"), 1 + sp.tanh(v.a) ** 2), AB, "logs.dtanh-wrong"),
    "tanh(1) = (e − 1)/(e + 1)": lambda: _symbols(sp.tanh(1) * A, (sp.E - 1) / (sp.E + 1) * A, "logs.tanh1-wrong"),
    "tanh(a) = (e^a − 1)/(e^a + 1), symbols": lambda: _symbols(
        sp.tanh(A), (sp.exp(A) - 1) / (sp.exp(A) + 1), "logs.tanh-symbols-wrong"),
    "tanh(a) = 2 logistic(a) − 1, free": lambda: _free(
        lambda v: (sp.tanh(v.a), 2 * logistic(v.a) - 1), AB, "logs.tanh-logistic-wrong"),
    "logistic(a) = 1/(1 + e^a), symbols": lambda: _symbols(logistic(A), 1 / (1 + sp.exp(A)), "logs.logistic-wrong"),
    "tanh(h₁) = 2 logistic(h₁) − 1, model": lambda: _model(
        lambda m: (_tanh_v(m.h(1)), 2 * _logistic_v(m.h(1)) - sp.ones(m.n, 1)), "logs.tanh-model-wrong"),
    "e·log 2 = log 2 + 1 (e beside a log)": lambda: _symbols(sp.E * L(2) * A, (L(2) + 1) * A, "logs.mixed"),
}

# true, but the kernel decides the zero only through a relation it does not cover: trusted, with the reason
OUTSIDE = {
    # log(pq) and log p + log q are distinct atoms at the point, equal only through pq = p·q: the error bound
    # reads them as independent, so the zero is not claimed
    "log(pq) = log p + log q, free p, q > 0": lambda: _free(
        lambda v: (sp.log(v.p * v.q), sp.log(v.p) + sp.log(v.q)), P, "logs.pq"),
    "log(p²) = 2 log p, free p > 0": lambda: _free(
        lambda v: (sp.log(v.p ** 2) * v.q, 2 * sp.log(v.p) * v.q), P, "logs.p2"),
}


def _size(claim):
    return claim.sizes.sizes()[0]


@pytest.mark.parametrize("case", sorted(TRUE))
def test_a_true_closed_form_at_the_point_is_confirmed_with_nothing_trusted(case):
    claim = TRUE[case]()
    token, how = kernel.confirm_identity(claim, _size(claim))
    assert token is not None, how
    assert token.trusts == (), how
    assert token.zero_test in ("log", "exp", "rational", "algebraic"), how
    assert isinstance(token.degree, int) and 0 < token.degree < 2 ** 96, how
    assert token.error == (DRAW_BITS, 1)


@pytest.mark.parametrize("case", [c for c in sorted(TRUE) if "log" in c.split("=")[0] and "logistic" not in c
                                  and not c.startswith("2 log p")])
def test_a_log_zero_is_decided_by_baker(case):
    claim = TRUE[case]()
    token, how = kernel.confirm_identity(claim, _size(claim))
    assert token is not None and token.zero_test == "log", how


@pytest.mark.parametrize("case", [c for c in sorted(TRUE) if c.startswith(("tanh", "logistic"))])
def test_a_tanh_or_logistic_zero_is_decided_in_the_group_ring(case):
    claim = TRUE[case]()
    token, how = kernel.confirm_identity(claim, _size(claim))
    assert token is not None and token.zero_test == "exp", how


@pytest.mark.parametrize("case", sorted(FALSE))
def test_a_false_closed_form_is_refused_by_the_kernel(case):
    claim = FALSE[case]()
    token, why = kernel.confirm_identity(claim, _size(claim))
    assert token is None, (token and token.how, why)


@pytest.mark.parametrize("case", sorted(OUTSIDE))
def test_a_zero_through_a_relation_of_the_log_arguments_stays_trusted_with_the_reason(case):
    claim = OUTSIDE[case]()
    token, how = kernel.confirm_identity(claim, _size(claim))
    assert token is not None and len(token.trusts) == 1 and token.zero_test is None, how
    assert "multiplicative relation" in token.trusts[0]


# ----- through the engine: a planted normal form is not a holds; a true one holds with nothing trusted ------------

@pytest.mark.parametrize("case", sorted(FALSE))
def test_a_planted_normal_form_on_a_false_closed_form_is_not_a_holds(monkeypatch, case):
    from symderiv import engine

    claim = FALSE[case]()
    monkeypatch.setattr(engine, "nonzero_entries", lambda lhs, rhs, backend="symengine", cleared=None, **kw: [])
    res = check_claim(claim, backend="symengine")
    assert res.verdict != Verdict.HOLDS, (res.verdict, res.scope)


@pytest.mark.parametrize("case", ["d(p log p)/dp = log p + 1, free p > 0", "d tanh(a)/da = 1 − tanh(a)², free",
                                  "d logistic(a)/da = logistic(a) logistic(−a), free"])
def test_a_true_closed_form_holds_and_trusts_nothing(case):
    """Claims the engine's normal form proves (it reads log 6 and log 2 + log 3 as distinct atoms: undecided)."""
    claim = TRUE[case]()
    res = check_claim(claim, backend="symengine")
    assert res.verdict == Verdict.HOLDS, (res.verdict, res.scope)
    assert res.trusted == [], res.trusted


# ----- the exact zero test itself -------------------------------------------------------------------------------

ZERO = [L(6) - L(2) - L(3), 2 * L(2) - L(4), L(sp.Rational(9, 4)) - 2 * L(3) + 2 * L(2),
        L(sp.sqrt(6)) - (L(2) + L(3)) / 2, L(10 ** 40) - 40 * L(2) - 40 * L(5),
        L(2 ** 64 * 3 ** 5 + 0) - L(2 ** 64) - L(243), L(sp.exp(sp.Rational(1, 3)) * 7) - sp.Rational(1, 3) - L(7),
        (L(6) - L(2)) * L(3) - L(3) ** 2, sp.tanh(sp.Rational(1, 2)) - (sp.E - 1) / (sp.E + 1),
        sp.tanh(-3) + sp.tanh(3), logistic(sp.Rational(2, 5)) + logistic(sp.Rational(-2, 5)) - 1,
        sp.tanh(2) - (2 * logistic(4) - 1), 1 / (1 + L(2)) - 1 / (1 + L(6) - L(3))]
NONZERO = [L(6) - L(2) * L(3), L(6) - L(2) - L(3) - TINY, 3 * L(2) - L(9), L(2) - L(3),
           L(6) - L(2) - sp.sqrt(2) * L(3), L(2 ** 64 + 1) - 64 * L(2),
           sp.tanh(1) - (sp.E - 1) / (sp.E + 1), sp.tanh(1) - sp.tanh(2) / 2, logistic(1) - sp.Rational(1, 2) - TINY,
           sp.E * L(2) - L(2) - 1, L(2) ** 2 - L(4)]


@pytest.mark.parametrize("k", range(len(ZERO)))
def test_the_zero_test_decides_a_log_or_tanh_zero(k):
    assert exact_zero(ZERO[k]) is True, ZERO[k]


@pytest.mark.parametrize("k", range(len(NONZERO)))
def test_the_zero_test_decides_a_log_or_tanh_nonzero(k):
    assert exact_zero(NONZERO[k]) is False, NONZERO[k]


def test_the_field_of_a_zero_is_named():
    assert _exact_decide(L(6) - L(2) - L(3))[1] == "log"
    assert _exact_decide(sp.tanh(1) - (sp.exp(2) - 1) / (sp.exp(2) + 1))[1] == "exp"


@pytest.mark.parametrize("outside", [L(1 + sp.E), L(L(2)), L(-2), sp.log(sp.pi), sp.tanh(sp.sqrt(2)),
                                     L(1 + sp.sqrt(2))])
def test_the_zero_test_refuses_a_log_it_does_not_decide(outside):
    for d in (outside - 1, outside * sp.sqrt(2) - sp.log(3)):
        with pytest.raises(Cannot):
            exact_zero(d)


def test_exp_against_its_taylor_polynomial_is_refused_within_the_exact_reach():
    """adv4's 'exp = Taylor₄' at a size the exact model reaches: e^q ≠ P₄(q) for rational q ≠ 0 (Lindemann)."""
    from symderiv import elman_rnn, hadamard

    def hp(v, k):
        out = v
        for _ in range(k - 1):
            out = hadamard(out, v)
        return out

    def check(m):
        o = m.o(m.t)
        return m.f.exp(o), sp.ones(m.n, 1) + o + hp(o, 2) / 2 + hp(o, 3) / 6 + hp(o, 4) / 24

    claim = Claim(id="logs.taylor4", where="test", statement="test", check=check, model=elman_rnn,
                  activation="tanh", sizes=sweep(n=(2,), t=(2,)), conventions={"layout": "row-major"})
    token, why = kernel.confirm_identity(claim, {"n": 2, "t": 2})
    assert token is None, (token and token.how, why)


# ----- the pieces: the coprime base, and the error bound's log terms ---------------------------------------------

@pytest.mark.parametrize("seed", range(8))
def test_the_coprime_base_is_pairwise_coprime_and_generates_every_input(seed):
    import math
    import random

    from symderiv.kernel.random_check import _split, coprime_base

    rng = random.Random(seed)
    primes = [2, 3, 5, 7, 11, 13, 2 ** 61 - 1, 2 ** 89 - 1]
    numbers = [math.prod(rng.choice(primes) ** rng.randint(0, 3) for _ in range(4)) for _ in range(6)]
    numbers += [rng.getrandbits(128) | 1 for _ in range(3)]
    base = coprime_base(numbers)
    assert all(b > 1 for b in base)
    assert all(math.gcd(a, b) == 1 for i, a in enumerate(base) for b in base[i + 1:])
    for n in numbers:
        if n > 1:
            assert math.prod(base[i] ** e for i, e in _split(n, base).items()) == n


def test_the_error_bound_counts_each_log_of_the_random_values():
    """Each argument u of a log of the random values adds its collision terms (u_i = u_j, u_i·u_j = 1, = c, = 1)."""
    degrees = []
    for k in (1, 2, 3):
        xs = sp.symbols(f"w0:{k}")
        lhs = sum(sp.log(x ** 2 + 1) for x in xs)
        claim = _symbols(lhs, lhs + 0 * xs[0], f"logs.args{k}")
        token, how = kernel.confirm_identity(claim, {})
        assert token is not None and not token.trusts, how
        degrees.append(token.degree)
    assert degrees[0] < degrees[1] < degrees[2], degrees
    from symderiv.kernel.random_check import degree_info

    info = degree_info(_symbols(sp.log(A ** 2 + 1) + L(6), L(2) + L(3) + sp.log(A ** 2 + 1), "logs.fixed"), {})
    assert info.logs == frozenset({sp.Integer(6), sp.Integer(2), sp.Integer(3)})
    assert isinstance(info.E, int) and "1 log values of the random values" in info.why
