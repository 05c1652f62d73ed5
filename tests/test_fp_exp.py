"""Issue 14 (item 6, the rest): exp, log, softmax and quotients over F_p, as a sound relaxation.

Reproduction: Goodfellow's eq. (10.18) ∇_{o_t}L = ŷ_t − y_t (softmax outputs, cross-entropy loss written as
the cell's own loss) at n = 32, t = 64 was ``undecided`` under ``--backend auto`` (F_p refused log/exp and the
exact engine cannot build that size) and ``error`` under ``--backend fp``. The true claim must hold over F_p
with a stated bound; the false variants must never hold (``fails`` only once the exact engine certifies a
counterexample at a small size).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.results import Verdict

EXAMPLE = Path(__file__).resolve().parent.parent / "proofs" / "examples" / "goodfellow_softmax.py"


def shipped(cid):
    return {c.id: c for c in collect([EXAMPLE]).claims()}[cid]


@pytest.mark.parametrize("backend", ["auto", "fp"])
def test_eq10_18_holds_at_n32_t64_over_fp(backend):
    r = check_claim(shipped("goodfellow.eq10-18-n32"), backend=backend)
    assert r.verdict == Verdict.HOLDS, r.error or r.scope
    assert "F_p" in r.scope and "n = 32" in r.scope and "error ≤ 2^−" in r.scope
    assert "exp" in r.scope and "log" in r.scope  # the relaxation is stated in the scope


def test_eq10_18_sign_slip_fails_at_n32_t64_certified_small():
    r = check_claim(shipped("goodfellow.eq10-18-sign-n32"), backend="fp")
    assert r.verdict == Verdict.FAILS, r.error or r.scope
    assert r.counterexample.size["n"] <= 3


# ----- where the exact engine decides (n, t ≤ 2), the F_p verdict is the exact one ---------------------------

import sympy as sp  # noqa: E402

from symderiv import cell, diag, fp, hadamard, ones, pal2019_rnn, softmax  # noqa: E402
from symderiv.claims import Claim  # noqa: E402
from symderiv.sizes import sweep  # noqa: E402


def make(check, model, **kw):
    return Claim(id="fpexp.claim", where="test", statement="test", check=check, model=model,
                 sizes=sweep(n=(1, 2), t=(1, 2)), conventions={"layout": "row-major"}, **kw)


@cell("logistic written with exp: h_t = 1/(1 + exp(−(W h_{t−1} + U x_t)))", params={"W": ("n", "n"), "U": ("n", "m")})
def exp_logistic(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x
    s.h = s.z.applyfunc(lambda v: 1 / (1 + sp.exp(-v)))


def logistic_jacobian(m, slip=False):
    h = m.h(m.t)
    d = h if slip else hadamard(h, ones(m.n, 1) - h)
    return m.d(("h", m.t), ("h", m.t - 1)), diag(d) * m.W


def softmax_jacobian(m, slip=False):
    """pal2019's o_t = softmax(W_O h_t + b_O): do_t/dh_t = (diag(ŷ) − ŷŷᵀ) W_O (the slip drops −ŷŷᵀ)."""
    y = m.o(m.t)
    J = diag(y) if slip else diag(y) - y * y.T
    return m.d(("o", m.t), ("h", m.t)), J * m.W_O


def builtin_cross_entropy(m, slip=False):
    """loss='cross-entropy' (−Σ y_i log o_i of the softmax outputs): ∂E_t/∂o_t = −(y_i/o_i)_i as a row."""
    o, y = m.o(m.t), m.y(m.t)
    inv = o.applyfunc(lambda v: 1 / v)
    return m.d(("E", m.t), ("o", m.t)), (-1 if not slip else 1) * hadamard(y, inv).T


def builtin_cross_entropy_through_softmax(m, slip=False):
    """dE_t/dz_t for z_t = W_O h_t + b_O: (1ᵀy) ŷ − y, as a row (the slip: ŷ − y)."""
    o, y = m.o(m.t), m.y(m.t)
    lhs = m.d(("E", m.t), ("h", m.t))
    s = (sp.ones(1, m.n) * y)[0, 0]
    g = (o - y) if slip else (o * s - y)
    return lhs, g.T * m.W_O


EXAMPLE_IDS = ["goodfellow.eq10-18.probability", "goodfellow.eq10-18.any-target", "goodfellow.eq10-18.corrected",
               "goodfellow.eq10-18-sign", "goodfellow.eq10-18-no-softmax", "goodfellow.eq10-18-first-step"]
CASES = [(lambda m, s=s, f=f: f(m, slip=s), model, kw, f"{f.__name__}{'-slip' if s else ''}")
         for f, model, kw in [(logistic_jacobian, exp_logistic, {}),
                              (softmax_jacobian, pal2019_rnn, {}),
                              (builtin_cross_entropy, pal2019_rnn, {"loss": "cross-entropy"}),
                              (builtin_cross_entropy_through_softmax, pal2019_rnn, {"loss": "cross-entropy"})]
         for s in (False, True)]


def _agree(claim, n, t):
    from symderiv.engine import check_identity_at

    exact, _ = check_identity_at(claim, {"n": n, "t": t}, backend="symengine", seed=0, phases={})
    over_fp = fp.test_identity(claim, {"n": n, "t": t}, seed=3).equal
    if exact.status in (Verdict.HOLDS, Verdict.FAILS):  # the exact verdict, where it has one, is F_p's
        assert over_fp == (exact.status == Verdict.HOLDS), (n, t, exact.detail)
    return exact.status, over_fp


@pytest.mark.parametrize("n,t", [(1, 1), (1, 2), (2, 1), (2, 2)])
@pytest.mark.parametrize("cid", EXAMPLE_IDS)
def test_fp_agrees_with_the_exact_engine_on_the_example(cid, n, t):
    status, _ = _agree(shipped(cid), n, t)
    assert status in (Verdict.HOLDS, Verdict.FAILS)  # the exact engine decides every one of them


@pytest.mark.parametrize("n,t", [(1, 2), (2, 2)])
@pytest.mark.parametrize("check,model,kw,name", CASES, ids=[c[3] for c in CASES])
def test_fp_agrees_with_the_exact_engine(check, model, kw, name, n, t):
    status, over_fp = _agree(make(check, model, **kw), n, t)
    if n == 2:  # each slip is false at n = 2 and each true form true, decided exactly or not
        assert over_fp != name.endswith("-slip"), status
        assert status != (Verdict.HOLDS if name.endswith("-slip") else Verdict.FAILS)


@pytest.mark.parametrize("check,model,kw,name", CASES, ids=[c[3] for c in CASES])
def test_the_same_cases_at_n32_t64(check, model, kw, name):
    out = fp.test_identity(make(check, model, **kw), {"n": 32, "t": 64}, seed=5)
    assert out.equal != name.endswith("-slip")
    if out.equal:
        assert out.error_bits >= 64


# ----- the bound and the redraw -------------------------------------------------------------------------------

def test_the_bound_with_reciprocals_is_the_stated_formula():
    """ε = (D(1 + Σc) + pairs)/2⁶² + (⌊(H + DΣg)/62⌋ + …)/N, divided by 1 − ε − δ, δ = Σ (c/2⁶² + ⌊g/62⌋/N)."""
    from fractions import Fraction
    import math

    D, H, recips = 7, 100.0, {1: (3, 4, 70.0), 2: (1, 2, 10.0)}
    bits, parts = fp.trial_error(D, H, {}, (), recips)
    c_all, g_all = 3 * 4 + 2, 3 * 70.0 + 10.0
    eps = Fraction(D * (1 + c_all), fp.PRIME_LO) + Fraction(math.floor((H + D * g_all) / 62), fp.N_PRIMES_LO)
    delta = 3 * (Fraction(4, fp.PRIME_LO) + Fraction(1, fp.N_PRIMES_LO)) + Fraction(2, fp.PRIME_LO)
    want = eps / (1 - eps - delta)
    assert parts["numerator_degree"] == D * (1 + c_all) and parts["reciprocals"] == 4
    assert bits == math.floor(-math.log2(want) * 1e6) / 1e6
    assert fp.trial_error(D, H, {}, ())[0] > bits  # no quotient: the plain bound, strictly better


def test_rational_arguments_widen_the_pair_bound():
    plain = fp._pair_terms([(10, 2, 3.0, 0.0)])
    rational = fp._pair_terms([(10, 2, 3.0, 0.0, 5, 8.0)])
    assert rational[0] == plain[0] + (10 - 2) * 10 * 2 * 5 + (10 * 2) * (10 * 5)


def test_a_vanishing_denominator_draws_the_point_again(monkeypatch):
    real, calls = fp._Batch.reciprocal, []

    def flaky(self, v):
        calls.append(1)
        if len(calls) == 1:
            raise fp._ZeroDenominator(0)
        return real(self, v)

    monkeypatch.setattr(fp._Batch, "reciprocal", flaky)
    out = fp.test_identity(shipped("goodfellow.eq10-18.probability"), {"n": 2, "t": 2}, seed=0)
    assert out.equal and len(calls) > 2 and out.error_bits >= 64


def test_a_denominator_that_is_always_zero_is_unsupported_not_a_verdict():
    from symderiv import elman_rnn

    claim = make(lambda m: (m.h(m.t) / (m.E(1) - m.E(1)), m.h(m.t)), elman_rnn, loss="squared")
    with pytest.raises(fp.Unsupported):
        fp.test_identity(claim, {"n": 2, "t": 2})


@pytest.mark.parametrize("cid,verdict", [("goodfellow.eq10-21-n32", Verdict.HOLDS),
                                         ("goodfellow.eq10-21-W-n32", Verdict.FAILS)])
def test_eq10_21_with_the_cross_entropy_loss_at_n32_t64(cid, verdict):
    """The BPTT recursion with the cell's own cross-entropy loss (log Σ exp) is checked over F_p at n = 32."""
    claims = {c.id: c for c in collect([EXAMPLE.parent / "goodfellow_bptt.py"]).claims()}
    r = check_claim(claims[cid], backend="fp")
    assert r.verdict == verdict, r.error or r.scope
    if verdict == Verdict.HOLDS:
        assert "F_p" in r.scope and "n = 32" in r.scope and "log" in r.scope


def test_the_exp_written_logistic_slip_fails_at_n32_t64_certified_at_a_small_size():
    """F_p's disagreement alone is not `fails`: the exact engine certifies the slip at a small size (the kernel
    runs the cell's sp.exp lambda by forward mode), so the verdict at n = 32, t = 64 is fails, not undecided."""
    from symderiv.engine import check_claim

    c = make(lambda m: logistic_jacobian(m, slip=True), exp_logistic)
    c.sizes = sweep(n=(32,), t=(64,))
    r = check_claim(c, backend="auto")
    assert r.verdict == Verdict.FAILS and "certified at n = 1" in r.scope
    assert r.counterexample is not None
