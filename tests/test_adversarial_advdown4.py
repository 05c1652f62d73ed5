"""Adversarial pass on the kernel's own peel of the DOWNWARD families (branch down4: kernel/peel.py's downward Reader,
kernel/step.py's _down_sides_of and _Unroll._down). Threat model as tests/test_kernel_peel_down.py: a finder bent to
say "proved" (its C_k fitted to the step), or one whose handed term (C_{k+1}) is misread, so that only the kernel's
own bottom peel, its base at k = T and its unrolling at T ≤ 5 stand between a claim false only past the sweep (from
T = 6 or 7) and `holds … for every t`. Each attack below is refused (no every t, never a certified `fails` of a true
claim); the true families keep UNIFORM.
"""
from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from symderiv import diag, every_step, induction, product, total
from symderiv.engine import check_claim
from symderiv.induction import step_check
from symderiv.kernel import step as kernel_step
from symderiv.kernel.step import READING, UNIFORM
from symderiv.results import Verdict

from test_kernel_peel_down import (  # the builder's claims, plants and refusal, shared
    N, TS, A, _claim, _delta, _fit, _formal_plant, closed_form, eq10_21, grad_h, grad_o,
)
from test_kernel_peel_down import _refused as _no_every_t


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


# ----- misreadings planted in the handed term that the builder's tests do not plant ------------------------------


def _body_at_index(F, var: str):
    """The body's symbols at the formal's own index read at ``var`` (Σ_{s} f(s) misread as Σ_{s} f(k))."""
    subs = {}
    for s in F.body.free_symbols:
        if f"[{F.var}" in s.name:
            subs[s] = sp.Symbol(s.name.replace(f"[{F.var}", f"[{var}"))
    return F.body.xreplace(subs)


MORE_TERM_PLANTS = {
    "a formal's top one too high": _formal_plant(lambda F: dataclasses.replace(F, hi=(F.hi[0], F.hi[1] + 1))),
    "a formal's bounds swapped": _formal_plant(lambda F: dataclasses.replace(F, lo=F.hi, hi=F.lo)),
    "the Σ read as a Π": _formal_plant(lambda F: dataclasses.replace(F, op="Π", order="descending")
                                       if F.op == "Σ" else F),
    "the Σ's top read on k": lambda term: dataclasses.replace(term, formals=tuple(
        dataclasses.replace(F, hi=(term.index, F.hi[1])) if F.op == "Σ" else F for F in term.formals)),
    "the product's top read as T": lambda term: dataclasses.replace(term, formals=tuple(
        dataclasses.replace(F, hi=("t", 0)) if F.op == "Π" else F for F in term.formals)),
    "the term read at k + 2": lambda term: dataclasses.replace(term, horizon=2),
    "the family's range one long": lambda term: dataclasses.replace(term, family=(term.family[0],
                                                                                   term.family[1] + 1)),
    "the family's range from 2": lambda term: dataclasses.replace(term, family=(2, term.family[1])),
    "the formals dropped (their symbols unknown)": lambda term: dataclasses.replace(term, formals=()),
    "a column family's term read as a row": lambda term: dataclasses.replace(term, transposed=not term.transposed),
    "a stray symbol in the term": lambda term: dataclasses.replace(
        term, expr=sp.ImmutableMatrix(term.expr + sp.Symbol("stray") * sp.ones(*term.expr.shape))),
}


def _plant_term(monkeypatch, plant):
    real = induction._down_term
    monkeypatch.setattr(induction, "_down_term", lambda *a, **kw: tuple(plant(t) for t in real(*a, **kw)))


class TestMisreadTerms:
    @pytest.mark.parametrize("how", list(MORE_TERM_PLANTS))
    def test_on_the_true_closed_form(self, monkeypatch, make_claim, how):
        _plant_term(monkeypatch, MORE_TERM_PLANTS[how])
        c = _claim(make_claim, closed_form)
        st = step_check(c, {"n": N}, TS[0], TS[-1])
        assert st.proved and st.statement.terms, st.reason
        tok, why, _ = kernel_step.confirm_every_t(c, {"n": N}, st.statement, TS[0], TS[-1])
        assert tok is None, why
        r = check_claim(c)
        assert r.verdict == Verdict.HOLDS and not r.every_t, r.scope

    @pytest.mark.parametrize("how", ["the family's range one long", "the term read at k + 2",
                                     "the formals dropped (their symbols unknown)"])
    def test_on_the_true_row_family(self, monkeypatch, make_claim, how):
        _plant_term(monkeypatch, MORE_TERM_PLANTS[how])
        c = _claim(make_claim, eq10_21)
        st = step_check(c, {"n": N}, TS[0], TS[-1])
        assert st.proved and st.statement.terms, st.reason
        tok, why, _ = kernel_step.confirm_every_t(c, {"n": N}, st.statement, TS[0], TS[-1])
        # the row family's term has no formal (C_{k+1} is ∇L's own rows): dropping none changes nothing
        assert (tok is None) != (how == "the formals dropped (their symbols unknown)"), why

    def test_a_body_read_at_k_in_place_of_its_own_index(self, monkeypatch, make_claim):
        _plant_term(monkeypatch, lambda term: dataclasses.replace(term, formals=tuple(
            dataclasses.replace(F, body=sp.ImmutableMatrix(_body_at_index(F, term.index))) if F.op == "Σ" else F
            for F in term.formals)))
        c = _claim(make_claim, closed_form)
        st = step_check(c, {"n": N}, TS[0], TS[-1])
        tok, why, _ = kernel_step.confirm_every_t(c, {"n": N}, st.statement, TS[0], TS[-1])
        assert tok is None, why

    @pytest.mark.parametrize("how", ["a product's order reversed", "the family's range one long"])
    def test_on_the_true_ascending_form(self, monkeypatch, make_claim, how):
        plant = MORE_TERM_PLANTS.get(how) or _formal_plant(lambda F: dataclasses.replace(
            F, order="ascending" if F.order == "descending" else "descending") if F.op == "Π" else F)
        _plant_term(monkeypatch, plant)
        c = _claim(make_claim, ascending_transposed)
        st = step_check(c, {"n": N}, TS[0], TS[-1])
        assert st.proved and st.statement.terms, st.reason
        tok, why, _ = kernel_step.confirm_every_t(c, {"n": N}, st.statement, TS[0], TS[-1])
        assert tok is None, why


# ----- a check whose source cannot be read (built by exec): only the step index's own refusals stand --------------

_EXEC_SRC = '''
def check(m):
    def closed(k):
        def term(s):
            chain = product(lambda r: A(m, r), k + 1, s, order="descending", size=m.n)
            return chain.T * m.V.T * grad_o(m, s)
        special = 1 if {how} else 0
        return total(term, (m.n, 1), lo=k, hi=m.t) + special * sp.ones(m.n, 1)
    return every_step(m, lambda k: (grad_h(m, k), closed(k)))
'''

EXEC_ASKS = {  # each is 1 at k = 6 on the sweep's int k, 0 at the finder's symbolic k (and no Ix method refuses)
    "'{}'.format(k)": '"{}".format(k) == "6"',
    "'%s' % (k,)": '"%s" % (k,) == "6"',
    "k.__str__()": 'k.__str__() == "6"',
    "k is 6": "k is 6",
    "id(k)": "id(k) == id(6)",
    "not hasattr(k, 'off')": 'not hasattr(k, "off") and k == 6',
}


def _exec_check(how: str):
    env = dict(sp=sp, product=product, total=total, every_step=every_step, A=A, grad_o=grad_o, grad_h=grad_h)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        exec(compile(_EXEC_SRC.replace("{how}", EXEC_ASKS[how]), "<built by exec>", "exec"), env)
    return env["check"]


class TestExecBuiltChecks:
    """The guard's documented miss (README: "only code whose source cannot be read (built by `exec`) runs as
    written"; tests/test_kernel_reading.py's step 50), met on the downward path: a check built by exec is not
    rewritten, and the step index's own refusals (formal.Ix: ==, <, hash, bool, int) do not cover its text
    (__str__/__format__), its identity (``is``, id) or its attributes (hasattr). At the finder's symbolic k the
    ordinary branch is taken silently; the kernel's reading (T ≤ 5) cannot see step 6; the downward induction gives
    `holds … for every T`, trusting UNIFORM only, for a claim false at T = 6 (`--t 6` certifies `fails`). As
    test_kernel_reading accepts for the upward path, the verdict names what it rests on (UNIFORM: past T, the
    check's Python uniform in t), and that is what these guard. Not changed here (a policy for issue 19: refuse a
    function the guard could not read when it is handed a symbolic index)."""

    @pytest.mark.parametrize("how", list(EXEC_ASKS))
    def test_false_at_T_6(self, make_claim, how):
        assert check_claim(_claim(make_claim, _exec_check(how), ts=(6,))).verdict == Verdict.FAILS

    @pytest.mark.parametrize("how", list(EXEC_ASKS))
    def test_every_t_names_the_uniformity_it_rests_on(self, make_claim, how):
        r = check_claim(_claim(make_claim, _exec_check(how)))
        assert r.verdict == Verdict.HOLDS, r.scope  # true at the sweep's sizes (T ≤ 3)
        assert not r.every_t or (UNIFORM in r.trusted and READING not in r.trusted), (r.scope, r.trusted)


# ----- a loss read at T only (L = E_T), not at every step: the kernel's recursion is L = Σ_s E_s ------------------

def last_only(m, extra=None):
    """True: ∇_{h_k}E_T = Wᵀ diag(1 − h_{k+1}²) ∇_{h_{k+1}}E_T, k < T (no ∂ℓ_k term: the loss is read at T only)."""
    def g(k):
        return m.d(("E", m.t), ("h", k)).T

    def family(k):
        rhs = m.W.T * diag(m.h(k + 1).applyfunc(lambda v: 1 - v ** 2)) * g(k + 1)
        return g(k), rhs if extra is None else rhs + extra(k)
    return every_step(m, family, lo=1, hi=m.t - 1)


def last_only_late(m):
    return last_only(m, extra=lambda k: _delta(k, 6)[0, 0] * sp.ones(m.n, 1))


class TestLossAtTOnly:
    def test_true_holds_at_the_sizes_never_a_wrong_fails(self, make_claim):
        r = check_claim(_claim(make_claim, last_only))
        assert r.verdict == Verdict.HOLDS, r.scope

    def test_late_with_a_fitted_finder_no_every_t(self, monkeypatch, make_claim):
        c = _claim(make_claim, last_only_late)
        _fit(monkeypatch)
        _no_every_t(c)


# ----- several states: the LSTM's h row (four gates) false past the sweep, a fitted finder ----------------------

def _lstm():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "proofs" / "examples" / "lstm_downward.py"
    spec = importlib.util.spec_from_file_location("_advdown4_lstm", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_lstm_h_row_false_at_k_6_with_a_fitted_finder_gets_no_every_t(monkeypatch, make_claim):
    """δh_k by the four gates + [k = 6]·𝟙 (false at k = 6, T ≥ 7): the block recursion's other block (δc) is the
    kernel's own, the fitted C_k is not read."""
    L = _lstm()

    def late(m):
        def family(k):
            j = k + 1
            a_f = L.hadamard(L.dc(m, j), L.hadamard(m.at("c", k), L.dlogistic(m.at("f", j))))
            a_i = L.hadamard(L.dc(m, j), L.hadamard(m.at("g", j), L.dlogistic(m.at("i", j))))
            a_g = L.hadamard(L.dc(m, j), L.hadamard(m.at("i", j), m.at("g", j).applyfunc(lambda e: 1 - e ** 2)))
            a_o = L.hadamard(L.dh(m, j), L.hadamard(m.at("tc", j), L.dlogistic(m.at("og", j))))
            rhs = m.W_f.T * a_f + m.W_i.T * a_i + m.W_g.T * a_g + m.W_o.T * a_o + m.V.T * L.do(m, k)
            return L.dh(m, k), rhs + _delta(k, 6)[0, 0] * sp.ones(m.n, 1)
        return every_step(m, family, lo=1, hi=m.t - 1)

    c = make_claim(late, model=L.lstm_out, activation="tanh", loss="abstract", n=(1,), t=(2,))
    _fit(monkeypatch)
    st, _ = _no_every_t(c, n=1, ts=(2,))
    assert st.proved and st.statement.terms, st.reason  # the bent finder hands its term over


def helper_late(m):
    """The unrolled form + special(k)·𝟙, ``special`` built by exec: 1 at k = 6 on the sweep's int k."""
    from _advdown4_generated import special

    return unrolled(m, extra=lambda k: special(k) * sp.ones(m.n, 1))


class TestExecBuiltHelper:
    """The same documented miss through a helper: a proof-style check (rewritten) calling a function a module built
    by exec (its code's file "<generated helper>": concrete._foreign is False, so the guard neither rewrites nor
    refuses it). `holds … for every T` for a claim false at T = 6, trusting UNIFORM, which is named."""

    def test_false_at_T_6(self, make_claim):
        assert check_claim(_claim(make_claim, helper_late, ts=(6,))).verdict == Verdict.FAILS

    def test_every_t_names_the_uniformity_it_rests_on(self, make_claim):
        r = check_claim(_claim(make_claim, helper_late))
        assert r.verdict == Verdict.HOLDS, r.scope
        assert not r.every_t or (UNIFORM in r.trusted and READING not in r.trusted), (r.scope, r.trusted)


# ----- family shapes: sides swapped, a range from 2, a range to T − 2 ---------------------------------------------

def swapped(m, extra=None):
    """The unrolled form with the truth on the right (family(k) = (closed form, ∇_{h_k}L))."""
    def closed(k):
        def term(s):
            return product(lambda r: A(m, r), k + 1, s, order="descending", size=m.n).T * m.V.T * grad_o(m, s)
        rhs = total(term, (m.n, 1), lo=k, hi=m.t)
        return rhs if extra is None else rhs + extra(k)
    return every_step(m, lambda k: (closed(k), grad_h(m, k)))


def swapped_late(m):
    return swapped(m, extra=lambda k: _delta(k, 6)[0, 0] * sp.ones(m.n, 1))


def row_from_2(m, extra=None):
    def family(k):
        rhs = m.W.T * diag(m.h(k + 1).applyfunc(lambda v: 1 - v ** 2)) * grad_h(m, k + 1) + m.V.T * grad_o(m, k)
        return grad_h(m, k), rhs if extra is None else rhs + extra(k)
    return every_step(m, family, lo=2, hi=m.t - 1)


def row_from_2_late(m):
    return row_from_2(m, extra=lambda k: _delta(k, 6)[0, 0] * sp.ones(m.n, 1))


def row_to_T_minus_2(m, extra=None):
    def family(k):
        rhs = m.W.T * diag(m.h(k + 1).applyfunc(lambda v: 1 - v ** 2)) * grad_h(m, k + 1) + m.V.T * grad_o(m, k)
        return grad_h(m, k), rhs if extra is None else rhs + extra(k)
    return every_step(m, family, lo=1, hi=m.t - 2)


def row_to_T_minus_2_late(m):
    return row_to_T_minus_2(m, extra=lambda k: _delta(k, 6)[0, 0] * sp.ones(m.n, 1))


SHAPES = {  # true, false from T (k = 6 in each, T ≥ 7 or 8)
    "sides swapped": (swapped, swapped_late, 6),
    "a range from k = 2": (row_from_2, row_from_2_late, 7),
    "a range to T − 2": (row_to_T_minus_2, row_to_T_minus_2_late, 8),
}


class TestFamilyShapes:
    @pytest.mark.parametrize("how", list(SHAPES))
    def test_true_holds_and_any_every_t_trusts_uniformity(self, make_claim, how):
        r = check_claim(_claim(make_claim, SHAPES[how][0], ts=(3, 4)))
        assert r.verdict == Verdict.HOLDS, r.scope
        assert not r.every_t or (UNIFORM in r.trusted and READING not in r.trusted), (r.scope, r.trusted)

    @pytest.mark.parametrize("how", list(SHAPES))
    def test_late_with_a_fitted_finder_no_every_t(self, monkeypatch, make_claim, how):
        c = _claim(make_claim, SHAPES[how][1], ts=(3, 4))
        _fit(monkeypatch)
        _no_every_t(c, ts=(3, 4))


# ----- the block recursion: a finder naming another state than its term's ------------------------------------------

@pytest.mark.parametrize("check", ["lstm_c_unrolled", "lstm_c_row"])
def test_lstm_a_finder_naming_the_other_state_is_refused(monkeypatch, make_claim, check):
    """The statement's state swapped (c ↔ h) on a true carousel family: the kernel puts the term in the named
    state's block of G_{k+1} and compares its own ∇L of that state at the base; neither is the claim's."""
    L = _lstm()
    real = induction.StepStatement

    def swapped_state(kind, lhs, rhs, J=None, P=None, **kw):
        if kind == "downward" and kw.get("state") in ("c", "h"):
            kw["state"] = "h" if kw["state"] == "c" else "c"
        return real(kind, lhs, rhs, J, P, **kw)

    c = make_claim(getattr(L, check), model=L.lstm_out, activation="tanh", loss="abstract", n=(1,), t=(2,))
    st0 = step_check(c, {"n": 1}, 2, 2)
    assert st0.proved and st0.statement.state == "c", st0.reason
    monkeypatch.setattr(induction, "StepStatement", swapped_state)
    st = step_check(c, {"n": 1}, 2, 2)
    assert st.proved and st.statement.state == "h", st.reason
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": 1}, st.statement, 2, 2)
    assert tok is None, why


# ----- a user's check reading k or T in ways only the guard sees, inside a downward family ----------------------

def _try_eq(k):
    try:
        return 1 if k == 6 else 0
    except Exception:  # noqa: BLE001
        return 0


def _suppress_eq(k):
    import contextlib

    s = 0
    with contextlib.suppress(Exception):
        s = 1 if k == 6 else 0
    return s


def _range_len(k, t):
    try:
        return 1 if len(range(k, t)) == 0 and t == 6 else 0
    except BaseException:  # noqa: BLE001
        return 0


SPECIAL = {6}
ASKS = {  # each: 1 at k = 6 (or T = 6) on the sweep's ints, so the claim is false from T = 6
    "k in {6}": lambda m, k: 1 if k in SPECIAL else 0,
    "{6: 1}.get(k, 0)": lambda m, k: {6: 1}.get(k, 0),
    "a list indexed by k": lambda m, k: ([0] * 6 + [1] + [0] * 10)[k],
    "str(k)": lambda m, k: 1 if str(k) == "6" else 0,
    "f-string": lambda m, k: 1 if f"{k}" == "6" else 0,
    "'{}'.format(k)": lambda m, k: 1 if "{}".format(k) == "6" else 0,
    "'%s' % (k,)": lambda m, k: 1 if "%s" % (k,) == "6" else 0,
    "k.__str__()": lambda m, k: 1 if k.__str__() == "6" else 0,
    "repr(k)": lambda m, k: 1 if repr(k) == "6" else 0,
    "isinstance(k, int)": lambda m, k: 1 if isinstance(k, int) and k == 6 else 0,
    "type(k) is int": lambda m, k: 1 if type(k) is int and k == 6 else 0,
    "id(k)": lambda m, k: 1 if id(k) == id(6) else 0,
    "hasattr(k, 'off')": lambda m, k: 1 if not hasattr(k, "off") and k == 6 else 0,
    "object.__eq__(k, 6)": lambda m, k: 1 if object.__eq__(k, 6) is True else 0,
    "str(T)": lambda m, k: 1 if str(m.t) == "6" else 0,
    "isinstance(T, int)": lambda m, k: 1 if isinstance(m.t, int) and m.t == 6 else 0,
    "try: k == 6 except": lambda m, k: _try_eq(k),
    "contextlib.suppress": lambda m, k: _suppress_eq(k),
    "len(range(k, T)) in a try": lambda m, k: _range_len(k, m.t),
}
HELPER_ASKS = ("bump_in", "bump_str", "bump_isinstance", "bump_list")


def _asking(ask):
    return lambda m: unrolled(m, extra=lambda k: ask(m, k) * sp.ones(m.n, 1))


def _helper_asking(name):
    import _advdown4_helpers as H

    return lambda m: unrolled(m, extra=lambda k: getattr(H, name)(k, m.n))


class TestUserChecksReadingTheIndex:
    @pytest.mark.parametrize("how", list(ASKS))
    def test_no_every_t(self, make_claim, how):
        r = check_claim(_claim(make_claim, _asking(ASKS[how])))
        assert not r.every_t, r.scope
        assert r.verdict in (Verdict.HOLDS, Verdict.ERROR), r.scope  # true at T ≤ 3; a caught question is an error

    @pytest.mark.parametrize("name", HELPER_ASKS)
    def test_in_a_helper_module_no_every_t(self, make_claim, name):
        r = check_claim(_claim(make_claim, _helper_asking(name)))
        assert not r.every_t, r.scope

    @pytest.mark.parametrize("how", ["k in {6}", "str(k)", "isinstance(k, int)", "str(T)"])
    def test_false_at_T_6(self, make_claim, how):
        assert check_claim(_claim(make_claim, _asking(ASKS[how]), ts=(6,))).verdict == Verdict.FAILS


# ----- a fitted finder whose handed term is also mislabelled, on the claims false from T = 6 ---------------------

def _index_as_sigma_var(term):
    sig = [F for F in term.formals if F.op == "Σ"]
    return dataclasses.replace(term, index=sig[0].var) if sig else term


LABEL_PLANTS = {
    "k named as the Σ's own index": _index_as_sigma_var,
    "no index (read as an upward term)": lambda term: dataclasses.replace(term, index=""),
    "read at k (horizon 0)": lambda term: dataclasses.replace(term, horizon=0),
    "transposed flipped": lambda term: dataclasses.replace(term, transposed=not term.transposed),
}


class TestFittedAndMislabelled:
    @pytest.mark.parametrize("plant", list(LABEL_PLANTS))
    @pytest.mark.parametrize("how", ["[k = T]·[T = 6] (the terminal step)", "a product's factor doubled at r = 6",
                                     "(10.21), the hypothesis' weight bumped at k + 1 = 6"])
    def test_no_every_t(self, monkeypatch, make_claim, how, plant):
        c = _claim(make_claim, LATE[how][0])
        _fit(monkeypatch)
        _plant_term(monkeypatch, LABEL_PLANTS[plant])
        _no_every_t(c)
