"""The kernel peels the DOWNWARD families itself (issue 19, item 2; kernel/peel.py, kernel/step.py's _down_sides_of
and read_terms).

Before, a downward `every_step` family's `holds … for every t` took the finder's C_k and C_{k+1} (formal.py's two
runs, its bottom peel) and trusted READING: a finder whose reading was wrong the same way in both runs, or whose C_k
was fitted to the step, handed over a step that checks out. Now the finder hands the family's side at k + 1 as a
term (formals Σ/Π with their bounds, order and body at a generic index); the kernel builds C_k by peeling the bottom
of each formal on k itself, decides C_k = block s of (G_{k+1} D_{k+1}^{-1} J_{k+1} + ∂E_k/∂S_k) D_k with its own
J, D, ∂E, reads the base (the term at k = t + c against its own ∇L, every index kept relative to t) and unrolls the
term at every (k, T ≤ 5) against the claim. Each case below is refused; the true families trust only UNIFORM.

On main (measured by hand, see the branch's report): the fitted finder gives `holds … for every t` (trusting READING)
for every FALSE_LATE claim, each false from T = 6 or 7 (a wrong verdict), and for the plants on true claims.
"""
from __future__ import annotations

import dataclasses
import sys

import pytest
import sympy as sp

from symderiv import diag, elman_rnn, every_step, formal, induction, product, total
from symderiv.engine import check_claim
from symderiv.induction import step_check
from symderiv.kernel import step as kernel_step
from symderiv.kernel.peel import Formal as Recorded
from symderiv.kernel.step import READING, UNIFORM
from symderiv.results import Verdict

from test_kernel_peel import _handler  # formal.py's handler planted, shared

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


def row(m, extra=None):
    """Goodfellow (10.21): ∇_{h_k}L = Wᵀ diag(1 − h_{k+1}²) ∇_{h_{k+1}}L + Vᵀ ∇_{o_k}L, k < T (+ ``extra(k)``)."""
    def family(k):
        rhs = m.W.T * diag(m.h(k + 1).applyfunc(lambda v: 1 - v ** 2)) * grad_h(m, k + 1) + m.V.T * grad_o(m, k)
        return grad_h(m, k), rhs if extra is None else rhs + extra(k)
    return every_step(m, family, lo=1, hi=m.t - 1)


def unrolled(m, summand_extra=None, extra=None):
    """∇_{h_k}L = Σ_{s=k}^{T} (Π_{r=k+1}^{s} A_r)ᵀ Vᵀ ∇_{o_s}L, k ≤ T (+ the extras)."""
    def closed(k):
        def term(s):
            chain = product(lambda r: A(m, r), k + 1, s, order="descending", size=m.n)
            out = chain.T * m.V.T * grad_o(m, s)
            return out if summand_extra is None else out + summand_extra(s) * out
        rhs = total(term, (m.n, 1), lo=k, hi=m.t)
        return rhs if extra is None else rhs + extra(k)
    return every_step(m, lambda k: (grad_h(m, k), closed(k)))


def eq10_21(m):
    return row(m)


def eq10_21_rows(m):
    """The row form dL/dh_k = dL/dh_{k+1} diag(1 − h_{k+1}²) W + dL_k/do_k V (the term is not transposed)."""
    L = m.sum_of("E")
    return every_step(m, lambda k: (m.d(L, ("h", k)), m.d(L, ("h", k + 1)) * diag(m.h(k + 1).applyfunc(
        lambda v: 1 - v ** 2)) * m.W + m.d(("E", k), ("o", k)) * m.V), lo=1, hi=m.t - 1)


def closed_form(m):
    return unrolled(m)


def row_late(m):
    """(10.21) + [k = 6]·𝟙: false at k = 6 (T ≥ 7)."""
    return row(m, lambda k: _delta(k, 6)[0, 0] * sp.ones(m.n, 1))


def unrolled_summand_late(m):
    """The unrolled form with its summand doubled at s = 6: false for T ≥ 6 (the step holds, the base does not)."""
    return unrolled(m, summand_extra=lambda s: _delta(s, 6)[0, 0])


def unrolled_base_late(m):
    """The unrolled form + [T = 6]·(Π_{r=k+1}^{T} A_r)ᵀ 𝟙: it obeys the homogeneous recursion (the step holds), and
    differs at the base k = T = 6 only: false at T = 6."""
    return unrolled(m, extra=lambda k: _delta(m.t, 6)[0, 0] * product(
        lambda r: A(m, r), k + 1, m.t, order="descending", size=m.n).T * sp.ones(m.n, 1))


def unrolled_k_late(m):
    """The unrolled form + [k = 6]·𝟙: false at k = 6 (T ≥ 6)."""
    return unrolled(m, extra=lambda k: _delta(k, 6)[0, 0] * sp.ones(m.n, 1))


def _claim(make_claim, check, n=N, ts=TS, **kw):
    return make_claim(check, model=elman_rnn, activation="tanh", loss=kw.pop("loss", "abstract"), n=(n,), t=ts, **kw)


def _fit(monkeypatch):
    """The finder's downward base and step bent to pass (its normal form says 0) and its statement's C_k fitted to
    the step (lhs := rhs): what a finder that fits C_k to the recursion hands over."""
    real, real_nz = induction.StepStatement, induction.nonzero_entries
    monkeypatch.setattr(induction, "nonzero_entries", lambda a, b: [] if sys._getframe(1).f_code.co_name in (
        "_downward", "_downward_blocks") else real_nz(a, b))

    def fitted(kind, lhs, rhs, J=None, P=None, **kw):
        return real(kind, rhs if kind == "downward" else lhs, rhs, J, P, **kw)

    monkeypatch.setattr(induction, "StepStatement", fitted)


def _refused(c, n=N, ts=TS):
    st = step_check(c, {"n": n}, ts[0], ts[-1])
    if st.proved:
        tok, why, _ = kernel_step.confirm_every_t(c, {"n": n}, st.statement, ts[0], ts[-1])
        assert tok is None, why
    r = check_claim(c)
    assert not r.every_t, r.scope
    return st, r


FALSE_LATE = {  # claim, the first T where it is false
    "(10.21) + [k = 6]": (row_late, 7),
    "unrolled, the summand doubled at s = 6": (unrolled_summand_late, 6),
    "unrolled + [T = 6] on the homogeneous solution (the base)": (unrolled_base_late, 6),
    "unrolled + [k = 6]": (unrolled_k_late, 6),
}


@pytest.mark.parametrize("how", list(FALSE_LATE))
def test_a_fitted_finder_on_a_downward_claim_false_past_T_is_refused(monkeypatch, make_claim, how):
    check, _bad = FALSE_LATE[how]
    c = _claim(make_claim, check)
    _fit(monkeypatch)
    st = step_check(c, {"n": N}, TS[0], TS[-1])
    assert st.proved and st.statement.terms, st.reason  # the finder is bent; it hands over its term
    assert kernel_step.read_horizons(c, {"n": N}, TS[0], TS[-1]).complete  # the claim agrees at every T ≤ 5
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": N}, st.statement, TS[0], TS[-1])
    assert tok is None, why
    r = check_claim(c)
    assert not r.every_t, r.scope


@pytest.mark.parametrize("how", list(FALSE_LATE))
def test_the_late_claims_are_false_where_said(make_claim, how):
    check, bad = FALSE_LATE[how]
    assert check_claim(_claim(make_claim, check, n=N, ts=(bad,))).verdict == Verdict.FAILS


def test_unbent_the_finder_refuses_the_late_claims(make_claim):
    """Without the bend the finder's own reading refuses them too (its base or its step fails): no every t."""
    for check, _bad in FALSE_LATE.values():
        st = step_check(_claim(make_claim, check), {"n": N}, TS[0], TS[-1])
        assert not st.proved, check.__name__


# ----- misreadings planted in formal.py's handler (every reading of the finder's: its runs and the term it records)

def _on_k(lo) -> bool:
    """A bound on the family's generic k (not t, not a number)."""
    return isinstance(lo, formal.Ix) and lo.base not in (None, formal.HORIZON)


HANDLER_PLANTS = {
    "Σ's lower bound off by one at the bottom": lambda mp: _handler(
        mp, total=lambda rt, rp, self, f, lo, hi, shape: rt(self, f, lo + 1 if _on_k(lo) else lo, hi, shape)),
    "Π's lower bound off by one at the bottom": lambda mp: _handler(
        mp, product=lambda rp, self, f, lo, hi, order, size: rp(self, f, lo + 1 if _on_k(lo) else lo, hi, order, size)),
    "Π's order reversed": lambda mp: _handler(mp, product=lambda rp, self, f, lo, hi, order, size: rp(
        self, f, lo, hi, "ascending" if order == "descending" else "descending", size)),
    "Π's factor at r + 1": lambda mp: _handler(mp, product=lambda rp, self, f, lo, hi, order, size:
                                               rp(self, lambda r: f(r + 1), lo, hi, order, size)),
    "Σ's summand at s + 1": lambda mp: _handler(mp, total=lambda rt, rp, self, f, lo, hi, shape:
                                                rt(self, lambda s: f(s + 1), lo, hi, shape)),
    "Π read as Σ": lambda mp: _handler(mp, product=lambda rp, self, f, lo, hi, order, size:
                                       formal.Formal.total(self, f, lo, hi, (size, size))),
    "Π's factor not the check's at r = 3": lambda mp: _handler(mp, product=lambda rp, self, f, lo, hi, order, size: rp(
        self, (lambda r: f(r) + _delta(r, 3)[0, 0] * sp.ones(size, size)) if size == N else f, lo, hi, order, size)),
}


#: the plants the bent finder goes through (the others it refuses by itself: a bottom it cannot peel, a step past t)
FOOLS = {"Σ's lower bound off by one at the bottom", "Π's factor at r + 1"}


@pytest.mark.parametrize("how", list(HANDLER_PLANTS))
def test_a_coherent_misreading_with_a_fitted_finder_is_refused_on_a_true_closed_form(monkeypatch, make_claim, how):
    c = _claim(make_claim, closed_form)
    _fit(monkeypatch)
    HANDLER_PLANTS[how](monkeypatch)
    st = step_check(c, {"n": N}, TS[0], TS[-1])
    assert st.proved == (how in FOOLS), st.reason  # the finder (bent) says proved
    if st.proved:
        tok, why, _ = kernel_step.confirm_every_t(c, {"n": N}, st.statement, TS[0], TS[-1])
        assert tok is None, why
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and not r.every_t, r.scope  # holds at the sweep, not for every t


# ----- the finder's C_k (its run at k, its bottom peel) is not what the kernel decides ---------------------------

@pytest.mark.parametrize("check", [closed_form, eq10_21])
def test_the_kernel_decides_its_own_C_k_not_the_finders(monkeypatch, make_claim, check):
    """The finder bent and its C_k replaced by C_{k+1} J + ∂ℓ (fitted): on a true family the kernel, which builds
    C_k from the term itself, still proves the step (UNIFORM); the statement's lhs and rhs are not what it reads."""
    _fit(monkeypatch)
    c = _claim(make_claim, check)
    st = step_check(c, {"n": N}, TS[0], TS[-1])
    bogus = dataclasses.replace(st.statement, lhs=st.statement.lhs * 0 + sp.ones(*st.statement.lhs.shape),
                                rhs=st.statement.rhs * 0)
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": N}, bogus, TS[0], TS[-1])
    assert tok is not None and UNIFORM in tok.trusts and READING not in tok.trusts, why


# ----- misreadings planted in the term the finder hands over (its own reading otherwise right) -------------------

def _rename_index(body, var: str, d: int):
    """The body's symbols at its own index ``var`` moved to var + d (h[k7][0] → h[k7+1][0])."""
    subs = {}
    for s in body.free_symbols:
        for tag in (f"[{var}]", f"[{var}+", f"[{var}-"):
            if tag in s.name:
                name = s.name
                i = name.index(f"[{var}") + 1 + len(var)
                j = name.index("]", i)
                off = int(name[i:j] or 0) + d
                subs[s] = sp.Symbol(name[:i - len(var)] + var + (f"{off:+d}" if off else "") + name[j:])
                break
    return body.xreplace(subs)


def _formal_plant(fn):
    def plant(term):
        return dataclasses.replace(term, formals=tuple(fn(F) for F in term.formals))
    return plant


TERM_PLANTS = {
    "a formal's bottom off by one": _formal_plant(
        lambda F: dataclasses.replace(F, lo=(F.lo[0], F.lo[1] + 1)) if F.lo[0] not in (None, "t") else F),
    "a formal's bottom one too low": _formal_plant(
        lambda F: dataclasses.replace(F, lo=(F.lo[0], F.lo[1] - 1)) if F.lo[0] not in (None, "t") else F),
    "a formal's top off by one": _formal_plant(lambda F: dataclasses.replace(F, hi=(F.hi[0], F.hi[1] - 1))),
    "a product's order reversed": _formal_plant(lambda F: dataclasses.replace(
        F, order="ascending" if F.order == "descending" else "descending") if F.op == "Π" else F),
    "a body at j + 1": _formal_plant(lambda F: dataclasses.replace(
        F, body=sp.ImmutableMatrix(_rename_index(F.body, F.var, 1)))),
    "a product read as a sum": _formal_plant(lambda F: dataclasses.replace(F, op="Σ") if F.op == "Π" else F),
    "the term read at k (not k + 1)": lambda term: dataclasses.replace(term, horizon=0),
    "the family's range one short": lambda term: dataclasses.replace(term, family=(term.family[0],
                                                                                   term.family[1] - 1)),
}


@pytest.mark.parametrize("how", list(TERM_PLANTS))
def test_a_misread_term_handed_over_is_refused(monkeypatch, make_claim, how):
    plant = TERM_PLANTS[how]
    real = induction._down_term
    monkeypatch.setattr(induction, "_down_term", lambda *a, **kw: tuple(plant(t) for t in real(*a, **kw)))
    c = _claim(make_claim, closed_form)
    st = step_check(c, {"n": N}, TS[0], TS[-1])
    assert st.proved and st.statement.terms, st.reason  # the finder's own reading is right; its term is not
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": N}, st.statement, TS[0], TS[-1])
    assert tok is None, why
    assert not check_claim(c).every_t


def test_a_term_transposed_on_a_row_family_is_refused(monkeypatch, make_claim):
    real = induction._down_term
    monkeypatch.setattr(induction, "_down_term", lambda *a, **kw: tuple(
        dataclasses.replace(t, transposed=not t.transposed) for t in real(*a, **kw)))
    c = _claim(make_claim, eq10_21)
    st = step_check(c, {"n": N}, TS[0], TS[-1])
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": N}, st.statement, TS[0], TS[-1])
    assert tok is None, why


def test_no_term_handed_keeps_the_older_reading_named(monkeypatch, make_claim):
    """A family whose term the finder could not record (a body not read at a generic index): the older trust."""
    monkeypatch.setattr(induction, "_down_term", lambda *a, **kw: ())
    r = check_claim(_claim(make_claim, closed_form))
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope
    assert READING in r.trusted and UNIFORM not in r.trusted, r.trusted


# ----- the true families --------------------------------------------------------------------------------------

@pytest.mark.parametrize("check", [eq10_21, eq10_21_rows, closed_form])
def test_true_downward_families_trust_only_uniformity(make_claim, check):
    c = _claim(make_claim, check)
    st = step_check(c, {"n": N}, TS[0], TS[-1])
    assert st.proved and st.statement.terms and st.statement.terms[0].index, st.reason
    un = kernel_step.read_terms(c, {"n": N}, st.statement, TS[0], TS[-1])
    assert un.differs_at is None and not un.unreadable and (un.t0, un.t_hi) == (2, 5) and un.degree, un
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t and UNIFORM in r.trusted and READING not in r.trusted, r.trusted
    assert kernel_step.DOWNWARD not in r.trusted


def test_the_recorded_term_is_formal_with_its_bottom_on_k(make_claim):
    c = _claim(make_claim, closed_form)
    st = step_check(c, {"n": N}, TS[0], TS[-1])
    term = st.statement.terms[0]
    assert term.horizon == 1 and term.transposed is True and term.family == (1, 0)  # the claim writes ∇L, a column
    ops = sorted((F.op, F.order) for F in term.formals)
    assert ops == [("Π", "descending"), ("Σ", "")], ops
    assert all(isinstance(F, Recorded) for F in term.formals)
    sigma = next(F for F in term.formals if F.op == "Σ")
    assert sigma.lo == (term.index, 1) and sigma.hi == ("t", 0)  # read at k + 1: Σ_{s=k+1}^{t}


# ----- several states: the LSTM's block recursion (proofs/examples/lstm_downward.py) ----------------------------

def _lstm():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "proofs" / "examples" / "lstm_downward.py"
    spec = importlib.util.spec_from_file_location("_down4_lstm", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _lstm_claim(make_claim, check, n=1, ts=(2,)):
    return make_claim(check, model=_lstm().lstm_out, activation="tanh", loss="abstract", n=(n,), t=ts)


def test_lstm_a_fitted_finder_on_a_carousel_false_past_T_is_refused(monkeypatch, make_claim):
    """δc_k = f_{k+1} ⊙ δc_{k+1} + og_k ⊙ (1 − tanh²(c_k)) ⊙ δh_k + [k = 6]·𝟙: false at k = 6 (T ≥ 7)."""
    L = _lstm()

    def late(m):
        dc, into_c, dh = L.dc, L.into_c, L.dh
        return every_step(m, lambda k: (dc(m, k), diag(m.at("f", k + 1)) * dc(m, k + 1) + into_c(m, k) * dh(m, k)
                                        + _delta(k, 6)[0, 0] * sp.ones(m.n, 1)), lo=1, hi=m.t - 1)

    c = _lstm_claim(make_claim, late)
    _fit(monkeypatch)
    st = step_check(c, {"n": 1}, 2, 2)
    assert st.proved and st.statement.terms, st.reason
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": 1}, st.statement, 2, 2)
    assert tok is None, why
    assert not check_claim(c).every_t


@pytest.mark.parametrize("how", ["a formal's bottom off by one", "a body at j + 1", "a formal's top off by one"])
def test_lstm_a_misread_carousel_term_is_refused(monkeypatch, make_claim, how):
    plant = TERM_PLANTS[how]
    real = induction._down_term
    monkeypatch.setattr(induction, "_down_term", lambda *a, **kw: tuple(plant(t) for t in real(*a, **kw)))
    c = _lstm_claim(make_claim, _lstm().c_unrolled)
    st = step_check(c, {"n": 1}, 2, 2)
    assert st.proved and st.statement.terms, st.reason
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": 1}, st.statement, 2, 2)
    assert tok is None, why


def test_lstm_the_true_carousel_unrolled_trusts_only_uniformity(make_claim):
    c = _lstm_claim(make_claim, _lstm().c_unrolled)
    st = step_check(c, {"n": 1}, 2, 2)
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": 1}, st.statement, 2, 2)
    assert tok is not None and UNIFORM in tok.trusts and READING not in tok.trusts, why
