"""Adversarial pass on the kernel's own peel of the finder's term (branch kread: kernel/peel.py, step.py's read_terms,
UNIFORM). The threat model of tests/test_kernel_peel.py: the finder's step is bent to say "proved" with its C_t
built to fit (C_t := J_t C′ + P_t), so that only the kernel's own peel of the term and its unrolling at t ≤ T stand
between a claim false past T = 5 and `holds … for every t`. Each claim below is false from t = 6 or 7 only
(a check uniform in t: [k = 6] is e_1ᵀ (Π_{j=1}^{k} S) e_7 with S the upshift), or true.

Resisted (kept as guards): a sum from k = 2 with its head, a product inside a sum reading t through its top with a
late δ (from 6 and from 7), a sum to t − 1 beside its top term, a window Π_{k=t−2}^{t} beside Π_{k=1}^{t−3} (false
at 7), a Σ inside a Π's factor (the finder refuses it), a recursion that reads the truth at t − 2; true claims (a sum
from k = 2 plus its head, an ascending product) keep `holds … for every t` with UNIFORM; two layouts of one truth
(the finder's truth symbols are named without the layout) are refused by the concrete model; a proof's own SymPy
symbol named like the finder's state `h[t][0]` gives no `for every t`.

Finding (fixed, below): for a cell with several states the kernel took the other states' blocks of C′ from the finder;
handed as 0, a claim that forgets the d path of a delay-line cell (false from t = 6) got `holds … for every t`.

Finding (was a strict xfail, fixed in kernel/step.py's confirm_every_t): where the kernel could not read the term (a
product whose factor reads t), it fell back to the finder's C and C′ and the older trust (READING), so the same
fitted finder got `holds … for every t` for a claim false at t = 6. A term handed over is now read by the kernel or
the every t is refused; the older reading stands only where no term is handed (downward families).
"""
from __future__ import annotations

import sys

import pytest
import sympy as sp

from symderiv import diag, eye, induction, kron, product, total
from symderiv.engine import check_claim
from symderiv.induction import step_check
from symderiv.kernel import step as kernel_step
from symderiv.kernel.step import READING, UNIFORM
from symderiv.results import Verdict


def _delta(k, at: int):
    """[k = at] as a 1×1 matrix, for a symbolic k too: e_1ᵀ (Π_{j=1}^{k} S) e_{at+1}, S the upshift."""
    S = sp.Matrix(at + 1, at + 1, lambda i, j: 1 if j == i + 1 else 0)
    e1, e_last = sp.eye(at + 1)[:, 0], sp.eye(at + 1)[:, at]
    return e1.T * product(lambda _j: S, 1, k, order="descending", size=at + 1) * e_last


def _A(m, r):
    return m.W_R * diag(m.dsigma(m.h(r - 1)))


def _B(m, k):
    return kron(eye(m.n), m.x(k).T)


def _dw(m, lo=1):
    term = lambda k: product(lambda r: _A(m, r), k + 1, m.t, order="descending", size=m.n) * _B(m, k)  # noqa: E731
    return total(term, (m.n, m.n * m.m), lo=lo, hi=m.t)


def _head(m):
    return product(lambda r: _A(m, r), 2, m.t, order="descending", size=m.n) * _B(m, 1)


def from2(m):
    """dh_t/dW_I = Σ_{k=2}^{t} Π_{r=k+1}^{t} A_r B_k + Π_{r=2}^{t} A_r B_1: true (empty sum at t = 1)."""
    return m.d(("h", m.t), "W_I"), _dw(m, lo=2) + _head(m)


def from2_late(m):
    """The same with the head doubled at t = 6 only: false at t = 6."""
    return m.d(("h", m.t), "W_I"), _dw(m, lo=2) + _head(m) + _delta(m.t, 6)[0, 0] * _head(m)


def pi_in_sigma_late(m, at=6):
    """dh_t/dW_I = Σ_k Π_{r=k+1}^{t} A_r B_k + Σ_k [k = at] Π_{r=k+1}^{t} A_r B_k: false from t = at."""
    term = lambda k: _delta(k, at)[0, 0] * product(lambda r: _A(m, r), k + 1, m.t, order="descending",  # noqa: E731
                                                   size=m.n) * _B(m, k)
    return m.d(("h", m.t), "W_I"), _dw(m) + total(term, (m.n, m.n * m.m), lo=1, hi=m.t)


def pi_in_sigma_late7(m):
    return pi_in_sigma_late(m, 7)


def sigma_in_pi_late(m):
    """dh_t/dh_0 = Π_{k=1}^{t} (A_k + [k = 6] Σ_{j=1}^{k} A_j): false from t = 6."""
    f = lambda k: _A(m, k) + _delta(k, 6)[0, 0] * total(lambda j: _A(m, j), (m.n, m.n), lo=1, hi=k)  # noqa: E731
    return m.d(("h", m.t), ("h", 0)), product(f, 1, m.t, order="descending", size=m.n)


def truth_at_t2_late(m):
    """X_t = P_t + J_t (P_{t−1} + J_{t−1} X_{t−2}) + [t = 6]·𝟙: reads the truth at t − 2; false at t = 6."""
    t = m.t
    inner = m.partial(("h", t - 1), "W_R") + m.partial(("h", t - 1), ("h", t - 2)) * m.d(("h", t - 2), "W_R")
    rhs = m.partial(("h", t), "W_R") + m.partial(("h", t), ("h", t - 1)) * inner
    return m.d(("h", t), "W_R"), rhs + _delta(t, 6)[0, 0] * sp.ones(*rhs.shape)


def ascending(m):
    """dh_t/dh_0 = Π_{k=1}^{t} A_k in ascending order: true at n = 1."""
    return m.d(("h", m.t), ("h", 0)), product(lambda k: _A(m, k), 1, m.t, order="ascending", size=m.n)


def factor_reads_t_late(m):
    """dh_t/dh_0 = Π_{k=1}^{t} (A_k + [k = 6]·x_t·𝟙) (n = m = 1): false at t = 6; the factor reads t."""
    f = lambda k: _A(m, k) + _delta(k, 6)[0, 0] * m.x(m.t)[0] * sp.ones(m.n, m.n)  # noqa: E731
    return m.d(("h", m.t), ("h", 0)), product(f, 1, m.t, order="descending", size=m.n)


def _fit(monkeypatch):
    """The finder's step bent to pass with C_t := J_t C′ + P_t (as tests/test_kernel_peel.py plants it)."""
    real = induction.StepStatement
    real_nz = induction.nonzero_entries
    monkeypatch.setattr(induction, "nonzero_entries", lambda a, b: [] if sys._getframe(1).f_code.co_name ==
                        "_induction" else real_nz(a, b))

    def fitted(kind, lhs, rhs, J=None, P=None, **kw):
        return real(kind, J * rhs + P if kind == "induction" else lhs, rhs, J, P, **kw)

    monkeypatch.setattr(induction, "StepStatement", fitted)


def to_t_minus_1_late(m):
    """dh_t/dW_I = Σ_{k=1}^{t−1} Π_{r=k+1}^{t} A_r B_k + B_t + [t = 6]·B_t: false at t = 6."""
    term = lambda k: product(lambda r: _A(m, r), k + 1, m.t, order="descending", size=m.n) * _B(m, k)  # noqa: E731
    s = total(term, (m.n, m.n * m.m), lo=1, hi=m.t - 1)
    return m.d(("h", m.t), "W_I"), s + _B(m, m.t) + _delta(m.t, 6)[0, 0] * _B(m, m.t)


def window_late(m):
    """dh_t/dh_0 = (Π_{k=t−2}^{t} A_k)(Π_{k=1}^{t−3} A_k) + [t = 7]·𝟙 (a window of known length beside a product of
    symbolic length): false at t = 7; swept from t = 3."""
    win = product(lambda k: _A(m, k), m.t - 2, m.t, order="descending", size=m.n)
    rest = product(lambda k: _A(m, k), 1, m.t - 3, order="descending", size=m.n)
    return m.d(("h", m.t), ("h", 0)), win * rest + _delta(m.t, 7)[0, 0] * sp.ones(m.n, m.n)


FALSE_LATE = {  # claim, sweep's t, the first t where it is false
    "a sum from k = 2, its head doubled at t = 6": (from2_late, (1, 2), 6),
    "Π inside Σ reading t through its top, [k = 6]": (pi_in_sigma_late, (1, 2), 6),
    "Π inside Σ reading t through its top, [k = 7]": (pi_in_sigma_late7, (1, 2), 7),
    "a recursion through the truth at t − 2": (truth_at_t2_late, (2, 3), 6),
    "a sum to t − 1 beside its top term": (to_t_minus_1_late, (1, 2), 6),
    "a window Π_{k=t−2}^{t} beside Π_{k=1}^{t−3}": (window_late, (3, 4), 7),
}


@pytest.mark.parametrize("how", list(FALSE_LATE))
def test_a_fitted_finder_on_a_claim_false_past_T_is_refused_by_the_kernels_peel(monkeypatch, make_claim, how):
    check, ts, bad = FALSE_LATE[how]
    c = make_claim(check, n=(1,), t=ts)
    _fit(monkeypatch)
    st = step_check(c, {"n": 1}, ts[0], ts[-1])
    assert st.proved and st.statement.terms, st.reason  # the finder is bent; the kernel reads its term
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": 1}, st.statement, ts[0], ts[-1])
    assert tok is None and "term" in why, why
    assert not check_claim(c).every_t


def test_the_late_claims_are_false_where_said(make_claim):
    for check, _ts, bad in FALSE_LATE.values():
        assert check_claim(make_claim(check, n=(1,), t=(bad,))).verdict == Verdict.FAILS, check.__name__


def test_a_sigma_in_a_products_factor_is_not_induced_on(make_claim):
    r = check_claim(make_claim(sigma_in_pi_late, n=(1,), t=(1, 2)))
    assert r.verdict == Verdict.HOLDS and not r.every_t, r.scope


@pytest.mark.parametrize("check", [from2, ascending])
def test_true_claims_hold_for_every_t_trusting_only_uniformity(make_claim, check):
    r = check_claim(make_claim(check, n=(1,), t=(1, 2)))
    assert r.verdict == Verdict.HOLDS and r.every_t and UNIFORM in r.trusted and READING not in r.trusted, r.scope


def test_two_layouts_of_one_truth_are_refused(make_claim):
    """The finder names a truth X[t−1][i,j]⟨W_R⟩ without its layout, and so does peel.py's _TRUTH: X_row − X_col
    would be 0 to both. The concrete model refuses a second layout in one claim, so no such claim gets that far."""
    def layouts(m):
        t = m.t
        row = m.d(("h", t - 1), "W_R", layout="row-major")
        col = m.d(("h", t - 1), "W_R", layout="col-major")
        rhs = m.partial(("h", t), "W_R") + m.partial(("h", t), ("h", t - 1)) * row
        return m.d(("h", t), "W_R"), rhs + _delta(t, 6)[0, 0] * (row - col)

    r = check_claim(make_claim(layouts, n=(2,), t=(1, 2)))
    assert r.verdict == Verdict.ERROR and not r.every_t


@pytest.mark.parametrize("name", ["h[t][0]", "h[t-1][0]"])
def test_a_proofs_own_symbol_named_like_the_finders_state_gets_no_every_t(make_claim, name):
    def check(m):
        s = sp.Symbol(name)
        state = m.h(m.t)[0] if name == "h[t][0]" else m.h(m.t - 1)[0]
        prod = product(lambda k: _A(m, k), 1, m.t, order="descending", size=m.n)
        return m.d(("h", m.t), ("h", 0)), prod + _delta(m.t, 6)[0, 0] * sp.ones(m.n, m.n) * (state - s)

    r = check_claim(make_claim(check, n=(1,), t=(1, 2)))
    assert not r.every_t, r.scope


# was a strict xfail (advkread's finding): where the kernel could not read the finder's term it fell back to the
# finder's C and C′ (READING); a term handed over is now read by the kernel or the every t refused
def test_a_fitted_finder_with_an_unreadable_term_gets_no_every_t(monkeypatch, make_claim):
    c = make_claim(factor_reads_t_late, n=(1,), t=(1, 2))
    assert check_claim(make_claim(factor_reads_t_late, n=(1,), t=(6,))).verdict == Verdict.FAILS
    _fit(monkeypatch)
    r = check_claim(c)
    assert READING in r.trusted or not r.every_t   # what trust it names, if it says every t
    assert not r.every_t, r.scope


# ----- finding (fixed): the other states' blocks of C′ were the finder's --------------------------------------------
# For a cell with several states the kernel built its step C_t = Σ_r J^{h r}_t Y^r + P_t with Y^h its own C_{t−1} but
# every other Y^r the finder's block of C′ (ev(st.rhs)): a finder handing those blocks as 0 made the kernel prove the
# recursion without the other states' paths. A delay line d_t = h_{t−4} (through a, b, c) feeding h_t = W σ(h_{t−1}) +
# U x_t + V d_{t−1} makes Lemma 1 without the d path true at every t ≤ 5 = T and false from t = 6 (d_5 = h_1 reads W):
# `holds … for every t` trusting UNIFORM, and, with the term withheld, READING. Now the kernel draws the other states'
# truths at t − 1 itself (peel.py's names), and the older reading requires the finder's blocks to be free truths.

from symderiv import cell  # noqa: E402


@cell("delay line: h_t = W σ(h_{t−1}) + U x_t + V d_{t−1}, d_t = h_{t−4} through a, b, c",
      params={"W": ("n", "n"), "U": ("n", "m"), "V": ("n", "n")}, state=("h", "a", "b", "c", "d"))
def delay_line(s, prev, x, p, f):
    s.a = prev.h
    s.b = prev.a
    s.c = prev.b
    s.d = prev.c
    s.h = p.W * f.sigma(prev.h) + p.U * x + p.V * prev.d


def lemma1_h_path_only(m):
    """dh_t/dW = ∂h_t/∂W + ∂h_t/∂h_{t−1} dh_{t−1}/dW, the d path forgotten: true at t ≤ 5, false from t = 6."""
    t = m.t
    return m.d(("h", t), "W"), m.partial(("h", t), "W") + m.partial(("h", t), ("h", t - 1)) * m.d(("h", t - 1), "W")


def chain_all_states(m):
    """dh_t/dW = ∂h_t/∂W + Σ_r ∂h_t/∂r_{t−1} dr_{t−1}/dW over every state r: true."""
    t = m.t
    rhs = m.partial(("h", t), "W")
    for r in delay_line.state:
        rhs = rhs + m.partial(("h", t), (r, t - 1)) * m.d((r, t - 1), "W")
    return m.d(("h", t), "W"), rhs


def _zero_other_blocks(monkeypatch, withhold_term: bool):
    """The finder's step bent to pass with the other states' blocks of C′ handed as 0 (C := J C′ + P)."""
    real = induction.StepStatement
    real_nz = induction.nonzero_entries
    monkeypatch.setattr(induction, "nonzero_entries", lambda a, b: [] if sys._getframe(1).f_code.co_name ==
                        "_induction" else real_nz(a, b))

    def zeroed(kind, lhs, rhs, J=None, P=None, **kw):
        if kind == "induction":
            k, n, rhs = kw["states"].index(kw["state"]), J.rows, sp.Matrix(rhs)
            for r in range(len(kw["states"])):
                if r != k:
                    rhs[r * n:(r + 1) * n, :] = sp.zeros(n, rhs.cols)
            lhs = J * rhs + P
            if withhold_term:
                kw["terms"] = ()
        return real(kind, lhs, rhs, J, P, **kw)

    monkeypatch.setattr(induction, "StepStatement", zeroed)


def test_the_delay_line_claim_is_false_at_t_6(make_claim):
    r5 = check_claim(make_claim(lemma1_h_path_only, model=delay_line, n=(1,), t=(5,)))
    assert [o.status for o in r5.sizes if o.size.get("t") == 5] == [Verdict.HOLDS]  # true at t = 5 (the engine
    assert r5.verdict == Verdict.FAILS  # then looks past the sweep and certifies the break at t = 6)
    assert check_claim(make_claim(lemma1_h_path_only, model=delay_line, n=(1,), t=(6,))).verdict == Verdict.FAILS


@pytest.mark.parametrize("withhold_term", [False, True])
def test_a_finder_dropping_the_other_states_blocks_gets_no_every_t(monkeypatch, make_claim, withhold_term):
    c = make_claim(lemma1_h_path_only, model=delay_line, n=(1,), t=(1, 2))
    _zero_other_blocks(monkeypatch, withhold_term)
    r = check_claim(c)
    assert not r.every_t, r.scope


def test_the_chain_rule_through_every_state_holds_for_every_t_trusting_only_uniformity(make_claim):
    r = check_claim(make_claim(chain_all_states, model=delay_line, n=(1,), t=(1, 2)))
    assert r.verdict == Verdict.HOLDS and r.every_t and UNIFORM in r.trusted and READING not in r.trusted, r.scope
