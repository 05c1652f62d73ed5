"""Issue 14 item 6 for the newer model API: what the exact engine's model has, over F_p too.

``m.sum_of("E")`` and ``m.d`` of a function of the model w.r.t. (h, k) (the
function re-run on the tape, every path from h_k to it replayed),
``m.partial(of, wrt, hold=...)`` (held quantities have a zero tangent), the
step extras of :meth:`Cell.call` (y, k, n, m, t), ``applyfunc`` of a
polynomial on values, and E_k as the scalar the exact engine returns. Each
shape holds over F_p at n = 32, t = 64 in its true form and never holds for a
false variant; what F_p cannot evaluate stays Unsupported, so ``auto`` falls
back to the exact engine and says so.
"""
from __future__ import annotations

import pytest
import sympy as sp

from symderiv import cell, diag, elman_rnn, gru_cell, hadamard, ones, sweep
from symderiv import fp
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.results import Verdict

BIG = {"n": 32, "t": 64}


def make(check, model=elman_rnn, **kw):
    return Claim(id=kw.pop("id", "fpapi.claim"), where="test", statement="test", check=check, model=model,
                 sizes=sweep(n=(2,), t=(3,)), conventions={"layout": "row-major"}, **kw)


def fp_equal(claim, size=BIG):
    return fp.test_identity(claim, size, seed=3).equal


def holds_and_false_never_holds(true, false, **kw):
    assert fp_equal(make(true, **kw))
    assert not fp_equal(make(false, **kw))


# ----- m.sum_of("E") and m.d of a function of the model ----------------------------------------------

def grad_h(m, k):
    return m.d(m.sum_of("E"), ("h", k)).T


def bptt(m, W):
    """Goodfellow eq. (10.21) for any loss: ∇_{h_k}L = Wᵀ diag(σ'(z_{k+1})) ∇_{h_{k+1}}L + Vᵀ ∇_{o_k}L."""
    k = m.t - 1
    back = W * diag(m.dsigma(m.at("z", k + 1))) * grad_h(m, k + 1)
    return grad_h(m, k), back + m.V.T * m.d(("E", k), ("o", k)).T


def test_sum_of_gradient_recursion_abstract_loss():
    holds_and_false_never_holds(lambda m: bptt(m, m.W.T), lambda m: bptt(m, m.W))


def test_sum_of_gradient_at_the_last_step():
    def check(m, wrong=False):
        V = m.V if wrong else m.V.T
        return grad_h(m, m.t), V * m.d(("E", m.t), ("o", m.t)).T

    holds_and_false_never_holds(check, lambda m: check(m, wrong=True))


def test_sum_of_squared_loss_gradient_wrt_a_parameter():
    def check(m, wrong=False):  # dL/dc = Σ_k (o_k − y_k)ᵀ for the output bias c
        terms = [(m.o(k) - m.y(k)).T for k in range(1, m.t + (0 if wrong else 1))]
        out = terms[0]
        for r in terms[1:]:
            out = out + r
        return m.d(m.sum_of("E"), "c"), out

    holds_and_false_never_holds(check, lambda m: check(m, wrong=True), loss="squared")


def test_a_lambda_of_the_model_wrt_a_state():
    def check(m, wrong=False):  # d(E_t + E_{t−1})/dh_{t−1} = dE_{t−1}/dh_{t−1} + dE_t/dh_{t−1}
        t = m.t
        f = (lambda q: 2 * q.E(t) + q.E(t - 1) + 1) if not wrong else (lambda q: 2 * q.E(t) + 1)
        return m.d(f, ("h", t - 1)), m.d(("E", t - 1), ("h", t - 1)) + 2 * m.d(("E", t), ("h", t - 1))

    holds_and_false_never_holds(check, lambda m: check(m, wrong=True))


def test_sum_of_value_and_e_as_a_scalar():
    def check(m, wrong=False):
        total = 0
        for k in range(1, m.t + (0 if wrong else 1)):
            total = total + m.E(k)
        return m.sum_of("E")(m), total

    holds_and_false_never_holds(check, lambda m: check(m, wrong=True))


def test_a_one_by_one_matrix_is_still_not_a_scalar():
    from symderiv.errors import ShapeError

    for check in (lambda m: (m.W * (m.h(0).T * m.h(0)), m.W), lambda m: (m.h(0).T * m.h(0) + 1, m.E(1))):
        with pytest.raises(ShapeError):
            fp_equal(make(check), {"n": 2, "t": 2})


def test_e_is_a_scalar_plus_a_number_and_times_a_matrix():
    holds_and_false_never_holds(lambda m: (m.E(m.t) * m.W + m.W, (m.E(m.t) + 1) * m.W),
                                lambda m: (m.E(m.t) * m.W + m.W, m.E(m.t) * m.W))


# ----- m.partial(hold=...) -----------------------------------------------------------------------------

def test_gru_direct_partial_holds_the_gates():
    def direct(m, hold=("z", "htilde"), wrong=False):
        z = m.at("z", m.t)
        d = z if wrong else z.applyfunc(lambda a: 1 - a)
        return m.partial(("h", m.t), ("h", m.t - 1), hold=hold), diag(d)

    holds_and_false_never_holds(direct, lambda m: direct(m, wrong=True), model=gru_cell)
    assert not fp_equal(make(lambda m: direct(m, hold=()), model=gru_cell))
    assert not fp_equal(make(lambda m: direct(m, hold="z"), model=gru_cell))  # h̃'s path still there


def test_hold_errors_as_the_exact_engine():
    from symderiv.errors import ProofFileError

    for hold in (("nope",), ("h",)):
        with pytest.raises(ProofFileError):
            fp_equal(make(lambda m: (m.partial(("h", m.t), ("h", m.t - 1), hold=hold), m.W), model=gru_cell),
                     {"n": 2, "t": 2})


# ----- Cell.call extras ---------------------------------------------------------------------------------

@cell("step-indexed Elman with a teacher-forced target", params={"W": ("n", "n"), "U": ("n", "m"), "V": ("n", "n")},
      output=lambda q, p, f: p.V * q.h)
def indexed(s, prev, x, p, f, *, y, k, n, t):
    s.z = k * (p.W * prev.h) + p.U * x + y + (t - n) * ones(n)
    s.h = f.sigma(s.z)


def test_step_extras_k_y_n_t():
    def jac(m, wrong=False):
        c = 1 if wrong else m.t
        return m.d(("h", m.t), ("h", m.t - 1)), c * diag(m.dsigma(m.at("z", m.t))) * m.W

    holds_and_false_never_holds(jac, lambda m: jac(m, wrong=True), model=indexed)

    def value(m, wrong=False):
        rest = m.t * (m.W * m.h(m.t - 1)) + m.U * m.x(m.t) + (m.t - m.n) * ones(m.n)
        return m.at("z", m.t), rest if wrong else rest + m.y(m.t)

    holds_and_false_never_holds(value, lambda m: value(m, wrong=True), model=indexed)


# ----- applyfunc -----------------------------------------------------------------------------------------

@cell("a polynomial of σ in the step", params={"W": ("n", "n"), "U": ("n", "m")})
def poly_step(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = f.sigma(s.z).applyfunc(lambda a: 1 - a ** 2)


def test_applyfunc_of_a_polynomial_in_a_step_and_in_a_check():
    def jac(m, c=-2):
        z = m.at("z", m.t)
        return m.d(("h", m.t), ("h", m.t - 1)), c * diag(hadamard(m.sigma(z), m.dsigma(z))) * m.W

    holds_and_false_never_holds(jac, lambda m: jac(m, c=-1), model=poly_step)
    holds_and_false_never_holds(lambda m: (m.h(m.t).applyfunc(lambda a: (a - 1) ** 2),
                                           m.h(m.t).applyfunc(lambda a: a ** 2 - 2 * a + sp.Integer(1))),
                                lambda m: (m.h(m.t).applyfunc(lambda a: (a - 1) ** 2),
                                           m.h(m.t).applyfunc(lambda a: a ** 2 - 1)))


def test_applyfunc_of_exp_and_log_evaluates_over_fp():
    """exp, log and quotients of an entry are read by the relaxation (issue 14.6): no fallback any more."""
    logistic = lambda a: 1 / (1 + sp.exp(-a))  # noqa: E731
    holds_and_false_never_holds(lambda m: (m.h(m.t).applyfunc(lambda a: sp.log(sp.exp(a) + 1)),
                                           m.h(m.t).applyfunc(lambda a: sp.log(1 + sp.exp(a)))),
                                lambda m: (m.h(m.t).applyfunc(lambda a: sp.log(sp.exp(a) + 1)),
                                           m.h(m.t).applyfunc(lambda a: sp.log(2 + sp.exp(a)))))
    holds_and_false_never_holds(lambda m: (hadamard(m.h(m.t).applyfunc(logistic),
                                                    m.h(m.t).applyfunc(lambda a: 1 + sp.exp(-a))), ones(m.n, 1)),
                                lambda m: (hadamard(m.h(m.t).applyfunc(logistic),
                                                    m.h(m.t).applyfunc(lambda a: 1 + sp.exp(a))), ones(m.n, 1)))


def test_a_disagreement_only_under_the_relaxation_is_never_fails():
    """exp(a) exp(−a) = 1 is true, but the relaxation reads exp(a) and exp(−a) as independent atoms: F_p
    disagrees, and the claim must end ``holds`` (exact, small) or ``undecided`` with the reason, never ``fails``."""
    claim = make(lambda m: (hadamard(m.h(m.t).applyfunc(sp.exp), m.h(m.t).applyfunc(lambda a: sp.exp(-a))),
                            ones(m.n, 1)))
    assert not fp_equal(claim)
    r = check_claim(claim, n=(8,), t=(9,), backend="fp")
    assert r.verdict == Verdict.UNDECIDED, r.error or r.scope
    assert "relaxation" in r.scope


def test_applyfunc_of_a_non_polynomial_is_unsupported_and_auto_falls_back():
    claim = make(lambda m: (m.h(m.t).applyfunc(sp.atan), m.h(m.t).applyfunc(sp.atan)))  # sin is read now (test_fp_trig)
    with pytest.raises(fp.Unsupported):
        fp_equal(claim, {"n": 2, "t": 2})
    r = check_claim(claim, n=(4,), t=(7,))
    assert r.verdict == Verdict.HOLDS, r.error or r.scope
    assert "randomized backend" in r.scope and "exact" in r.scope


# ----- the shipped examples at n = 32, t = 64 ---------------------------------------------------------

@pytest.mark.parametrize("cid,verdict", [("gru.direct", Verdict.HOLDS), ("gru.total", Verdict.HOLDS),
                                         ("gru.total-is-direct", Verdict.FAILS),
                                         ("goodfellow.eq10-21-any-loss", Verdict.HOLDS),
                                         ("goodfellow.eq10-21-any-loss-W", Verdict.FAILS)])
def test_shipped_examples_check_randomized_at_n32_t64(cid, verdict):
    from pathlib import Path

    from symderiv.claims import collect

    root = Path(__file__).resolve().parent.parent / "proofs" / "examples"
    claims = {c.id: c for c in collect([root / "gru.py", root / "goodfellow_bptt.py"]).claims()}
    r = check_claim(claims[cid], n=(32,), t=(64,), backend="fp")
    assert r.verdict == verdict, r.error or r.scope
    if verdict == Verdict.HOLDS:
        assert "F_p" in r.scope and "n = 32" in r.scope


def test_a_function_of_the_model_reads_parameters_inputs_and_targets():
    def check(m, wrong=False):  # d/dh_t of (o_t − y_t)ᵀ(V h_t + x-free terms) = (o_t − y_t)ᵀ V + (V h_t)ᵀ V
        t = m.t
        f = lambda q: (q.o(t) - q.y(t)).T * (q.V * q.h(t))
        rhs = (m.o(t) - m.y(t)).T * m.V + (m.V * m.h(t)).T * (m.V if not wrong else m.V.T)
        return m.d(f, ("h", t)), rhs

    holds_and_false_never_holds(check, lambda m: check(m, wrong=True))


def test_hold_in_reverse_mode(monkeypatch):
    """A transposed partial (reverse mode) is swept back over the tape: a held entry passes no adjoint there either."""
    calls = []
    adjoint = fp.FpModel.adjoint
    monkeypatch.setattr(fp.FpModel, "adjoint", lambda self, *a: calls.append(1) or adjoint(self, *a))

    def check(m, hold=("z", "htilde")):
        z = m.at("z", m.t)
        P = m.partial(("h", m.t), ("h", m.t - 1), hold=hold)
        return P.T * m.h(m.t), diag(z.applyfunc(lambda a: 1 - a)) * m.h(m.t)

    holds_and_false_never_holds(check, lambda m: check(m, hold=("z",)), model=gru_cell)
    assert calls  # reverse mode was exercised
