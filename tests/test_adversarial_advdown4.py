"""Adversarial pass on the kernel's own peel of the DOWNWARD families (branch down4: kernel/peel.py's downward Reader,
kernel/step.py's _down_sides_of and _Unroll._down). Threat model as tests/test_kernel_peel_down.py: a finder bent to
say "proved" (its C_k fitted to the step), or one whose handed term (C_{k+1}) is misread, so that only the kernel's
own bottom peel, its base at k = T and its unrolling at T ≤ 5 stand between a claim false only past the sweep (from
T = 6 or 7) and `holds … for every t`. Each attack below is refused (no every t, never a certified `fails` of a true
claim); the true families keep UNIFORM.
"""
from __future__ import annotations

import dataclasses
import sys

import pytest
import sympy as sp

from symderiv import diag, elman_rnn, every_step, induction, product, total
from symderiv.engine import check_claim
from symderiv.induction import step_check
from symderiv.kernel import step as kernel_step
from symderiv.kernel.step import READING, UNIFORM
from symderiv.results import Verdict

N = 2
TS = (2, 3)


def _delta(k, at: int):
    """[k = at] as a 1×1 matrix, for a symbolic k too: e_1ᵀ (Π_{j=1}^{k} S) e_{at+1}, S the upshift."""
    S = sp.Matrix(at + 1, at + 1, lambda i, j: 1 if j == i + 1 else 0)
    e1, e_last = sp.eye(at + 1)[:, 0], sp.eye(at + 1)[:, at]
    return e1.T * product(lambda _j: S, 1, k, order="descending", size=at + 1) * e_last


def grad_h(m, k):
    return m.d(m.sum_of("E"), ("h", k)).T


def grad_o(m, k):
    return m.d(("E", k), ("o", k)).T


def A(m, r):
    return diag(m.h(r).applyfunc(lambda v: 1 - v ** 2)) * m.W


def unrolled(m, extra=None, lo_s=0, first_r=1, order="descending"):
    """∇_{h_k}L = Σ_{s=k}^{T} (Π_{r=k+1}^{s} A_r)ᵀ Vᵀ ∇_{o_s}L, k ≤ T (+ ``extra(k)``)."""
    def closed(k):
        def term(s):
            chain = product(lambda r: A(m, r), k + first_r, s, order=order, size=m.n)
            return chain.T * m.V.T * grad_o(m, s)
        rhs = total(term, (m.n, 1), lo=k + lo_s, hi=m.t)
        return rhs if extra is None else rhs + extra(k)
    return every_step(m, lambda k: (grad_h(m, k), closed(k)))


def row(m, extra=None):
    def family(k):
        rhs = m.W.T * diag(m.h(k + 1).applyfunc(lambda v: 1 - v ** 2)) * grad_h(m, k + 1) + m.V.T * grad_o(m, k)
        return grad_h(m, k), rhs if extra is None else rhs + extra(k)
    return every_step(m, family, lo=1, hi=m.t - 1)


def closed_form(m):
    return unrolled(m)


def eq10_21(m):
    return row(m)


def _claim(make_claim, check, n=N, ts=TS, **kw):
    return make_claim(check, model=elman_rnn, activation="tanh", loss=kw.pop("loss", "abstract"), n=(n,), t=ts, **kw)


def _fit(monkeypatch):
    """The finder's downward base and step bent to pass and its C_k fitted to the step (lhs := rhs)."""
    real, real_nz = induction.StepStatement, induction.nonzero_entries
    monkeypatch.setattr(induction, "nonzero_entries", lambda a, b: [] if sys._getframe(1).f_code.co_name in (
        "_downward", "_downward_blocks") else real_nz(a, b))

    def fitted(kind, lhs, rhs, J=None, P=None, **kw):
        return real(kind, rhs if kind == "downward" else lhs, rhs, J, P, **kw)

    monkeypatch.setattr(induction, "StepStatement", fitted)


def _no_every_t(c, n=N, ts=TS):
    st = step_check(c, {"n": n}, ts[0], ts[-1])
    if st.proved:
        tok, why, _ = kernel_step.confirm_every_t(c, {"n": n}, st.statement, ts[0], ts[-1])
        assert tok is None, why
    r = check_claim(c)
    assert not r.every_t, r.scope
    return st, r


# ----- claims false only past the sweep, in shapes the builder's tests do not take ------------------------------

def _len_is(lo, hi, length: int, m_size: int = 8):
    """[hi − lo + 1 = length] as a 1×1 matrix (lo, hi step indices): e_1ᵀ (Π_{j=lo}^{hi} S) e_{length+1}."""
    S = sp.Matrix(m_size, m_size, lambda i, j: 1 if j == i + 1 else 0)
    e1, e = sp.eye(m_size)[:, 0], sp.eye(m_size)[:, length]
    return e1.T * product(lambda _j: S, lo, hi, order="descending", size=m_size) * e


def terminal_late(m):
    """The unrolled form + [k = T]·[T = 6]·𝟙: false at the terminal step only, at T = 6 (the base; the step at
    k = T − 1 then breaks too): a finder that handles k = T as an ordinary step sees nothing."""
    return unrolled(m, extra=lambda k: (_len_is(k + 1, m.t, 0) * _delta(m.t, 6))[0, 0] * sp.ones(m.n, 1))


def distance_late(m):
    """The unrolled form + [T − k = 5]·𝟙: false at k = 1 for T = 6 (every k ≤ T − 5), a range whose length reads
    both k and T."""
    return unrolled(m, extra=lambda k: _len_is(k + 1, m.t, 5)[0, 0] * sp.ones(m.n, 1))


def head_plus_sum_late(m):
    """Vᵀ∇_{o_k}L + Σ_{s=k+1}^{T} (Π_{r=k+1}^{s} A_r)ᵀ Vᵀ ∇_{o_s}L with the summand at s = 6 doubled: false from
    T = 6 (a sum whose bottom is k + 1, beside its head term)."""
    def closed(k):
        def term(s):
            chain = product(lambda r: A(m, r), k + 1, s, order="descending", size=m.n)
            return (1 + _delta(s, 6)[0, 0]) * chain.T * m.V.T * grad_o(m, s)
        return m.V.T * grad_o(m, k) + total(term, (m.n, 1), lo=k + 1, hi=m.t)
    return every_step(m, lambda k: (grad_h(m, k), closed(k)))


def factor_late(m):
    """The unrolled form with the product's factor at r = 6 doubled: false from T = 6 (a product's factor that is
    the check's only away from the sweep)."""
    def closed(k):
        def term(s):
            chain = product(lambda r: (1 + _delta(r, 6)[0, 0]) * A(m, r), k + 1, s, order="descending", size=m.n)
            return chain.T * m.V.T * grad_o(m, s)
        return total(term, (m.n, 1), lo=k, hi=m.t)
    return every_step(m, lambda k: (grad_h(m, k), closed(k)))


def row_late_k_plus_1(m):
    """(10.21) with ∇_{h_{k+1}}L's weight [k + 1 = 6]-bumped: false at k = 5 (T ≥ 6)."""
    return row(m, extra=lambda k: _delta(k + 1, 6)[0, 0] * m.W.T * grad_h(m, k + 1))


def head_plus_sum(m):
    """True: Vᵀ∇_{o_k}L + Σ_{s=k+1}^{T} (Π_{r=k+1}^{s} A_r)ᵀ Vᵀ ∇_{o_s}L."""
    def closed(k):
        def term(s):
            return product(lambda r: A(m, r), k + 1, s, order="descending", size=m.n).T * m.V.T * grad_o(m, s)
        return m.V.T * grad_o(m, k) + total(term, (m.n, 1), lo=k + 1, hi=m.t)
    return every_step(m, lambda k: (grad_h(m, k), closed(k)))


def ascending_transposed(m):
    """True: Σ_{s=k}^{T} (Π_{r=k+1}^{s} A_rᵀ, ascending) Vᵀ ∇_{o_s}L (the transposes inside, order reversed)."""
    def closed(k):
        def term(s):
            return product(lambda r: A(m, r).T, k + 1, s, order="ascending", size=m.n) * m.V.T * grad_o(m, s)
        return total(term, (m.n, 1), lo=k, hi=m.t)
    return every_step(m, lambda k: (grad_h(m, k), closed(k)))


LATE = {  # claim, the first T where it is false
    "[k = T]·[T = 6] (the terminal step)": (terminal_late, 6),
    "[T − k = 5] (a range reading k and T)": (distance_late, 6),
    "head + Σ from k + 1, summand doubled at 6": (head_plus_sum_late, 6),
    "a product's factor doubled at r = 6": (factor_late, 6),
    "(10.21), the hypothesis' weight bumped at k + 1 = 6": (row_late_k_plus_1, 6),
}


class TestLateClaims:
    @pytest.mark.parametrize("how", list(LATE))
    def test_false_where_said(self, make_claim, how):
        check, bad = LATE[how]
        assert check_claim(_claim(make_claim, check, ts=(bad,))).verdict == Verdict.FAILS

    @pytest.mark.parametrize("how", list(LATE))
    def test_unbent_no_every_t(self, make_claim, how):
        _no_every_t(_claim(make_claim, LATE[how][0]))

    @pytest.mark.parametrize("how", list(LATE))
    def test_a_fitted_finder_gets_no_every_t(self, monkeypatch, make_claim, how):
        c = _claim(make_claim, LATE[how][0])
        _fit(monkeypatch)
        _no_every_t(c)


TRUE = {"head + Σ from k + 1": head_plus_sum, "ascending, transposes inside": ascending_transposed}


class TestTrueShapes:
    @pytest.mark.parametrize("how", list(TRUE))
    def test_holds_for_every_t_trusting_uniformity(self, make_claim, how):
        r = check_claim(_claim(make_claim, TRUE[how]))
        assert r.verdict == Verdict.HOLDS and r.every_t and UNIFORM in r.trusted and READING not in r.trusted, \
            (r.scope, r.trusted)
