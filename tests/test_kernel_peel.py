"""The kernel peels the finder's term itself and unrolls it at every t ≤ T (issue 19, item 2: "an induction's base and
step are re-checked by the kernel"; kernel/peel.py).

Before, the kernel took the finder's C_t and C_{t−1} (formal.py's two runs) and checked C_t = J C_{t−1} + P on them: a
finder whose reading of the formal sums and products was wrong, but wrong the same way in both runs, handed over a
step that checks out, and the `holds … for every t` rested on that reading. Each plant below is such a coherent
misreading, planted in formal.py's handler of sums and products over a symbolic range (so the finder's runs, its peel
and the term it records all read it the same way): the lower bound off by one (Σ and Π), a product's order reversed,
the body read at k + 1 or at k + 2 (a step past the horizon), a Σ read as a Π, a body that is not the check's at one
step k ≤ T. The claims are true, so the kernel's own reading of the claim at t ≤ T agrees, and before this change each
got `holds … for every t` from a finder who read another claim. Now the kernel unrolls the finder's term at every t ≤
T against the claim itself and refuses. The next test plants the finder's C_t itself (built to fit the step) on three
claims false from t = 6 only (past T = 5; a Σ, a Π, and a recursion that uses its own truth): before, `holds … for
every t` (a wrong verdict); now the kernel's own peel of the term refuses the step.
"""
from __future__ import annotations

import sys

import pytest
import sympy as sp

from symderiv import diag, eye, kron, product, total
from symderiv import formal, induction
from symderiv.engine import check_claim
from symderiv.induction import step_check
from symderiv.kernel import step as kernel_step
from symderiv.kernel.step import READING, UNIFORM
from symderiv.results import Verdict


def dw_i(m):
    """dh_t/dW_I = Σ_{k=1}^{t} Π_{r=k+1}^{t} W_R diag σ'(h_{r−1}) (I ⊗ x_kᵀ) (pal2019, row-major): true."""
    A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))  # noqa: E731
    term = lambda k: product(A, k + 1, m.t, order="descending", size=m.n) * kron(eye(m.n), m.x(k).T)  # noqa: E731
    return m.d(("h", m.t), "W_I"), total(term, (m.n, m.n * m.m), lo=1, hi=m.t)


def dh_dh0(m):
    """dh_t/dh_0 = Π_{k=1}^{t} W_R diag σ'(h_{k−1}) (descending): true."""
    return m.d(("h", m.t), ("h", 0)), product(lambda k: m.W_R * diag(m.dsigma(m.h(k - 1))), 1, m.t,
                                               order="descending", size=m.n)


def same_product(m):
    """Π_{k=1}^{t} A_k = Π_{k=1}^{t} A_k, the factor written twice: true, one expression at a symbolic t."""
    return (product(lambda k: m.W_R * diag(m.dsigma(m.h(k - 1))), 1, m.t, order="descending", size=m.n),
            product(lambda j: m.W_R * diag(m.dsigma(m.h(j - 1))), 1, m.t, order="descending", size=m.n))


def same_sum(m):
    """Σ_{k=1}^{t} A_k = Σ_{k=1}^{t} A_k, the summand written twice: true."""
    return (total(lambda k: m.W_R * diag(m.dsigma(m.h(k - 1))), (m.n, m.n), lo=1, hi=m.t),
            total(lambda j: m.W_R * diag(m.dsigma(m.h(j - 1))), (m.n, m.n), lo=1, hi=m.t))


def _handler(monkeypatch, product=None, total=None):
    """Plant formal.py's handler of sums and products over a symbolic range (every reading of the finder's)."""
    real_p, real_t = formal.Formal.product, formal.Formal.total
    if product is not None:
        monkeypatch.setattr(formal.Formal, "product", lambda self, f, lo, hi, order, size:
                            product(real_p, self, f, lo, hi, order, size))
    if total is not None:
        monkeypatch.setattr(formal.Formal, "total", lambda self, f, lo, hi, shape:
                            total(real_t, real_p, self, f, lo, hi, shape))


def _upshift(size: int) -> sp.Matrix:
    return sp.Matrix(size, size, lambda i, j: 1 if j == i + 1 else 0)


def _delta(k, at: int):
    """[k = at] as a 1×1 matrix, for a symbolic k too: e_1ᵀ (Π_{j=1}^{k} S) e_{at+1}, S the (at+1)×(at+1) upshift."""
    S = _upshift(at + 1)
    e1, e_last = sp.eye(at + 1)[:, 0], sp.eye(at + 1)[:, at]
    return e1.T * product(lambda _j: S, 1, k, order="descending", size=at + 1) * e_last


PLANTS = {
    # (plant, claim, its size)
    "Σ's lower bound off by one": (lambda mp: _handler(mp, total=lambda rt, rp, self, f, lo, hi, shape:
                                                       rt(self, f, lo + 1, hi, shape)), dw_i, 2),
    "Π's lower bound off by one": (lambda mp: _handler(mp, product=lambda rp, self, f, lo, hi, order, size:
                                                       rp(self, f, lo + 1, hi, order, size)), dh_dh0, 2),
    "Π's order reversed": (lambda mp: _handler(mp, product=lambda rp, self, f, lo, hi, order, size: rp(
        self, f, lo, hi, "ascending" if order == "descending" else "descending", size)), same_product, 2),
    "the body at k + 1": (lambda mp: _handler(mp, product=lambda rp, self, f, lo, hi, order, size:
                                              rp(self, lambda k: f(k + 1), lo, hi, order, size)), same_product, 2),
    "the body at k + 2 (a step past the horizon)": (
        lambda mp: _handler(mp, product=lambda rp, self, f, lo, hi, order, size:
                            rp(self, lambda k: f(k + 2), lo, hi, order, size)), same_product, 2),
    "a Σ read as a Π": (lambda mp: _handler(mp, total=lambda rt, rp, self, f, lo, hi, shape:
                                            rp(self, f, lo, hi, "descending", shape[0])), same_sum, 2),
    "a body that is not the check's at k = 3": (
        lambda mp: _handler(mp, product=lambda rp, self, f, lo, hi, order, size: rp(
            self, (lambda k: f(k) + _delta(k, 3)[0, 0] * sp.ones(size, size)) if size == 2 else f, lo, hi, order,
            size)), same_product, 2),
}


@pytest.mark.parametrize("how", list(PLANTS))
def test_a_finders_coherent_misreading_of_the_formal_objects_is_refused_by_the_kernels_own_unrolling(
        monkeypatch, make_claim, how):
    plant, check, n = PLANTS[how]
    c = make_claim(check, n=(n,), t=(1, 2))
    plant(monkeypatch)
    st = step_check(c, {"n": n}, 1, 2)
    assert st.proved, st.reason                               # the finder is fooled: its runs agree with each other
    assert kernel_step.read_horizons(c, {"n": n}, 1, 2).complete  # and the claim is true: its reading agrees
    un = kernel_step.read_terms(c, {"n": n}, st.statement, 1, 2)
    assert un.differs_at is not None and un.differs_at <= 5 and not un.unreadable, un
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": n}, st.statement, 1, 2)
    assert tok is None, why
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and not r.every_t, r.scope  # holds at the sweep, not for every t


@pytest.mark.parametrize("check, n", [(dw_i, 2), (dh_dh0, 2), (same_product, 2), (same_sum, 1)])
def test_unplanted_the_kernel_peels_and_unrolls_the_term_and_trusts_only_uniformity(make_claim, check, n):
    c = make_claim(check, n=(n,), t=(1, 2))
    st = step_check(c, {"n": n}, 1, 2)
    if not st.proved:  # Σ = Σ written twice is two opaque sums to the finder: not one expression (no verdict here)
        assert check is same_sum
        return
    assert st.statement.terms, "the finder hands the kernel its term"
    un = kernel_step.read_terms(c, {"n": n}, st.statement, 1, 2)
    assert un.differs_at is None and not un.unreadable and (un.t0, un.t_hi) == (1, 5) and un.degree, un
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": n}, st.statement, 1, 2)
    assert tok is not None and UNIFORM in tok.trusts and READING not in tok.trusts, why
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t and UNIFORM in r.trusted and READING not in r.trusted, r.scope


def late(m):
    """dh_t/dh_0 = Π_{k=1}^{t} A_k + [t = 6]·𝟙 (n = 1): true at t ≤ 5 = T, false at t = 6 (a check uniform in t)."""
    prod = product(lambda k: m.W_R * diag(m.dsigma(m.h(k - 1))), 1, m.t, order="descending", size=m.n)
    return m.d(("h", m.t), ("h", 0)), prod + _delta(m.t, 6)[0, 0] * sp.ones(m.n, m.n)


def late_sum(m):
    """dh_t/dW_I = Σ … + Σ_{k=1}^{t} [k = 6]·(I ⊗ x_kᵀ) (n = 1): false from t = 6 only."""
    lhs, rhs = dw_i(m)
    return lhs, rhs + total(lambda k: _delta(k, 6)[0, 0] * kron(eye(m.n), m.x(k).T), (m.n, m.n * m.m), lo=1,
                            hi=m.t)


def late_recursion(m):
    """pal2019's Lemma 1 (the claim uses its own truth at t − 1, the induction's hypothesis) + [t = 6]·𝟙 (n = 1)."""
    t = m.t
    rhs = m.partial(("h", t), "W_R") + m.partial(("h", t), ("h", t - 1)) * m.d(("h", t - 1), "W_R")
    return m.d(("h", t), "W_R"), rhs + _delta(t, 6)[0, 0] * sp.ones(*rhs.shape)


@pytest.mark.parametrize("check", [late, late_sum, late_recursion])
def test_a_finders_C_t_built_to_fit_the_step_does_not_make_a_claim_false_past_T_hold(monkeypatch, make_claim,
                                                                                      check):
    """The finder's normal form bent to pass and its C_t replaced by J C′ + P: the kernel took that C_t before (and
    the claim holds at every t ≤ T, so its reading agreed): `holds … for every t`, false at t = 6. The kernel now
    builds C_t from the term (the closed form at t − 1) by its own peel, and the step fails."""
    c = make_claim(check, n=(1,), t=(1, 2))
    real = induction.StepStatement
    real_nz = induction.nonzero_entries  # bent in the finder's step only (its other uses decide other things)
    monkeypatch.setattr(induction, "nonzero_entries", lambda a, b: [] if sys._getframe(1).f_code.co_name ==
                        "_induction" else real_nz(a, b))

    def fitted(kind, lhs, rhs, J=None, P=None, **kw):
        return real(kind, J * rhs + P if kind == "induction" else lhs, rhs, J, P, **kw)

    monkeypatch.setattr(induction, "StepStatement", fitted)
    st = step_check(c, {"n": 1}, 1, 2)
    assert st.proved, st.reason
    assert kernel_step.read_horizons(c, {"n": 1}, 1, 2).complete  # true at every t ≤ T = 5
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": 1}, st.statement, 1, 2)
    assert tok is None and "term" in why, why
    r = check_claim(c)
    assert not r.every_t, r.scope


def test_a_downward_family_is_peeled_by_the_kernel_too(make_claim):
    """A downward `every_step` family is handed over as a term too (its side at k + 1, the ∇L rows the finder's δG
    symbols): the kernel peels its bottom itself (tests/test_kernel_peel_down.py), and the result trusts UNIFORM only,
    not the older reading."""
    from symderiv import elman_rnn, every_step

    def check(m):
        def closed(k):
            def term(s):
                chain = product(lambda r: diag(m.h(r).applyfunc(lambda v: 1 - v ** 2)) * m.W, k + 1, s,
                                order="descending", size=m.n)
                return chain.T * m.V.T * m.d(("E", s), ("o", s)).T
            return total(term, (m.n, 1), lo=k, hi=m.t)
        return every_step(m, lambda k: (m.d(m.sum_of("E"), ("h", k)).T, closed(k)))

    r = check_claim(make_claim(check, model=elman_rnn, activation="tanh", loss="abstract", n=(2,), t=(2, 3)))
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope
    assert UNIFORM in r.trusted and READING not in r.trusted, r.trusted
