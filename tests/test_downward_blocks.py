"""Downward BPTT for a cell with two states (issue 20): ∇_{c_k}L and ∇_{h_k}L of an LSTM for every T.

The LSTM's adjoints obey a block recursion: with S_k = (h_k, c_k) the stacked state, the adjoint of the free
stacked state Λ_k = Λ_{k+1} J_{k+1} + ∂E_k/∂S_k (J_{k+1} the step's block Jacobian), and the engine's truths
dL/ds_k (s_k overridden, the rest of step k recomputed from it: h_k = o_k ⊙ tanh(c_k) reads c_k) are
Λ_k D_k, D_k the step's own in-step Jacobian. A claim about one state's adjoint is proved by its row, the
other state's adjoint at k + 1 free. The textbook recursions hold for every T; the classic slips fail,
certified, and are never proved downward; the true rows are lifted to every n (tests/test_downward_every_n.py).
"""
import pytest
import sympy as sp

from symderiv import cell, diag, hadamard, product, total, zeros
from symderiv.engine import check_claim
from symderiv.induction import every_step, step_check
from symderiv.results import Verdict


@cell("LSTM with an output: gates f, i, og (logistic), g = tanh(·); c = f⊙c' + i⊙g; h = og⊙tanh(c); o = V h + b_V",
      params={k: ("n", "n") for k in ("W_f", "W_i", "W_o", "W_g", "V")}
      | {k: ("n", "m") for k in ("U_f", "U_i", "U_o", "U_g")}
      | {k: "n" for k in ("b_f", "b_i", "b_o", "b_g", "b_V")},
      state=("h", "c"), output=lambda q, p, f: p.V * q.h + p.b_V)
def lstm_out(s, prev, x, p, f):
    s.f = f.logistic(p.W_f * prev.h + p.U_f * x + p.b_f)
    s.i = f.logistic(p.W_i * prev.h + p.U_i * x + p.b_i)
    s.og = f.logistic(p.W_o * prev.h + p.U_o * x + p.b_o)
    s.g = f.tanh(p.W_g * prev.h + p.U_g * x + p.b_g)
    s.c = hadamard(s.f, prev.c) + hadamard(s.i, s.g)
    s.tc = f.tanh(s.c)
    s.h = hadamard(s.og, s.tc)


def dh(m, k):
    return m.d(m.sum_of("E"), ("h", k)).T


def dc(m, k):
    return m.d(m.sum_of("E"), ("c", k)).T


def do(m, k):
    return m.d(("E", k), ("o", k)).T


def dlog(v):
    return hadamard(v, v.applyfunc(lambda e: 1 - e))


def into_c(m, k):
    """∂h_k/∂c_k = diag(og_k ⊙ (1 − tanh²(c_k))), the in-step path from c_k to h_k."""
    return diag(hadamard(m.at("og", k), m.at("tc", k).applyfunc(lambda e: 1 - e ** 2)))


def c_row(*, forget_at=1, c_path=True, h_path=True):
    def family(m, k):
        rhs = zeros(m.n, 1)  # notation.zeros: read at a symbolic size too (sp.zeros(m.n) is a size used as a number)
        if c_path:
            rhs += diag(m.at("f", k + forget_at)) * dc(m, k + 1)
        if h_path:
            rhs += into_c(m, k) * dh(m, k)
        return dc(m, k), rhs
    return lambda m: every_step(m, lambda k: family(m, k), lo=1, hi=m.t - 1)


def h_row(*, T=lambda M: M.T, c_path=True, shift=1):
    def family(m, k):
        j = k + shift
        a_f = hadamard(dc(m, j), hadamard(m.at("c", k), dlog(m.at("f", j))))
        a_i = hadamard(dc(m, j), hadamard(m.at("g", j), dlog(m.at("i", j))))
        a_g = hadamard(dc(m, j), hadamard(m.at("i", j), m.at("g", j).applyfunc(lambda e: 1 - e ** 2)))
        a_o = hadamard(dh(m, j), hadamard(m.at("tc", j), dlog(m.at("og", j))))
        rhs = T(m.W_o) * a_o + m.V.T * do(m, k)
        if c_path:
            rhs += T(m.W_f) * a_f + T(m.W_i) * a_i + T(m.W_g) * a_g
        return dh(m, k), rhs
    return lambda m: every_step(m, lambda k: family(m, k), lo=1, hi=m.t - 1)


def c_unrolled(*, lo_s=0):
    """∇_{c_k}L = Σ_{s=k}^{T} (Π_{r=k+1}^{s} diag(f_r)) ∂h_s/∂c_s ∇_{h_s}L: the constant error carousel."""
    def closed(m, k):
        def term(s):
            # ascending: the oldest factor diag(f_{k+1}) leftmost, so the summand at k is it times the one at k + 1
            return product(lambda r: diag(m.at("f", r)), k + 1, s, order="ascending", size=m.n) \
                * into_c(m, s) * dh(m, s)
        return total(term, (m.n, 1), lo=k + lo_s, hi=m.t)
    return lambda m: every_step(m, lambda k: (dc(m, k), closed(m, k)))


@pytest.fixture
def lstm(make_claim):
    def make(check, n=(1, 2), t=(2, 3), **kw):
        return make_claim(check, model=lstm_out, activation="tanh", loss="abstract", n=n, t=t, **kw)
    return make


TRUE = {"c row (δc_k = f_{k+1} ⊙ δc_{k+1} + ∂h_k/∂c_k δh_k)": c_row(),
        "h row (the gates' deltas, Wᵀ)": h_row(),
        "c unrolled (Σ_{s=k}^{T})": c_unrolled()}


@pytest.mark.parametrize("name", list(TRUE))
def test_the_true_lstm_bptt_rows_hold_for_every_T_with_the_block_layout_named(lstm, name):
    c = lstm(TRUE[name])
    st = step_check(c, 2, 2)
    assert st.proved and st.kind == "downward", st.reason
    assert "block" in st.reason and "(h, c)" in st.reason
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope
    assert "downward induction" in r.scope and "re-checked by the kernel" in r.scope
    assert r.every_n                                         # down3: the block recursion lifted to every n


SLIPS = {
    "f_k for f_{k+1}": c_row(forget_at=0),
    "the c path dropped (c row)": c_row(c_path=False),
    "the h path dropped (c row)": c_row(h_path=False),
    "the c path dropped (h row)": h_row(c_path=False),
    "W for Wᵀ (h row)": h_row(T=lambda M: M),
    "the gates read one step off (h row)": h_row(shift=0),
    "sum started at s = k + 1": c_unrolled(lo_s=1),
}


@pytest.mark.parametrize("name", list(SLIPS))
def test_a_classic_slip_fails_certified_and_is_never_proved_downward(lstm, name):
    c = lstm(SLIPS[name])
    assert not step_check(c, 2, 2).proved
    assert not step_check(c, 1, 2).proved or name == "W for Wᵀ (h row)"  # Wᵀ = W at n = 1
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and r.certificate
    assert not r.every_t and not r.every_n


def test_a_row_true_only_at_n_1_holds_for_every_T_there_and_is_never_lifted(lstm):
    """W_f for W_fᵀ (and the others) is true at n = 1: proved downward for every T at n = 1, never every n."""
    r = check_claim(lstm(h_row(T=lambda M: M), n=(1,)))
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope


def test_the_finder_hands_the_kernel_the_whole_block_recursion(lstm):
    """The statement names both states, the in-step Jacobians D_k, D_{k+1} and the step's block J."""
    st = step_check(lstm(c_row()), 2, 2)
    s = st.statement
    assert s.kind == "downward" and tuple(s.states) == ("h", "c") and s.state == "c"
    assert s.J.shape == (4, 4) and s.P.shape == (1, 4) and len(s.D) == 2 and all(D.shape == (4, 4) for D in s.D)


@pytest.mark.parametrize("part", ["J", "P", "D0", "D1", "lhs"])
def test_the_kernel_refuses_a_planted_error_in_any_part_of_the_block_step(lstm, part):
    import dataclasses

    from symderiv.kernel.step import confirm_step

    c = lstm(c_row())
    st = step_check(c, 2, 2).statement
    tok, why = confirm_step(c, {"n": 2}, st)
    assert tok is not None, why
    if part == "J":
        J = sp.Matrix(st.J)
        J[0, 3], J[0, 1] = J[0, 1], J[0, 3]                  # two blocks' columns mixed
        bad = dataclasses.replace(st, J=J)
    elif part == "P":
        bad = dataclasses.replace(st, P=2 * st.P)
    elif part in ("D0", "D1"):
        i = int(part[1])
        D = list(st.D)
        D[i] = sp.eye(D[i].rows)                             # the in-step path c_k → h_k forgotten
        bad = dataclasses.replace(st, D=tuple(D))
    else:
        bad = dataclasses.replace(st, lhs=st.lhs + sp.ones(*st.lhs.shape) * sp.Symbol("x[k][0]"))
    tok, why = confirm_step(c, {"n": 2}, bad)
    assert tok is None, part


def test_a_multi_state_downward_step_handed_over_as_one_state_is_refused_by_the_kernel(lstm):
    """The c path forgotten by the finder: a statement without the cell's states is refused, never compared with a
    part of the recursion."""
    import dataclasses

    from symderiv.kernel.step import confirm_step

    c = lstm(h_row())
    st = step_check(c, 2, 2).statement
    for bad in (dataclasses.replace(st, states=()), dataclasses.replace(st, states=("h",)),
                dataclasses.replace(st, D=())):
        tok, _ = confirm_step(c, {"n": 2}, bad)
        assert tok is None


@pytest.mark.parametrize("family", ["c row", "h row"])
def test_the_block_layout_follows_the_cells_state_order_not_a_fixed_h_first(make_claim, family):
    """The same LSTM with its state declared (c, h): the blocks are stacked c first, and the rows still hold for
    every T, while a slip still fails."""
    import dataclasses

    swapped = dataclasses.replace(lstm_out, state=("c", "h"))
    good = c_row() if family == "c row" else h_row()
    slip = c_row(forget_at=0) if family == "c row" else h_row(c_path=False)
    mk = lambda check: make_claim(check, model=swapped, activation="tanh", loss="abstract", n=(1, 2), t=(2,))  # noqa
    st = step_check(mk(good), 2, 2)
    assert st.proved and "(c, h)" in st.reason and tuple(st.statement.states) == ("c", "h"), st.reason
    assert not step_check(mk(slip), 2, 2).proved


def test_a_closed_form_of_the_c_adjoint_right_only_up_to_T_3_fails_at_T_4(lstm):
    """The carousel unrolled plus a term that exists only from T = k + 3 on (absent at every size shown): never
    proved downward (the range may be empty at the bottom), and the engine finds the certified break at T = 4."""
    def extra(m):
        def closed(k):
            def term(s):
                return product(lambda r: diag(m.at("f", r)), k + 1, s, order="ascending", size=m.n) \
                    * into_c(m, s) * dh(m, s)
            return total(term, (m.n, 1), lo=k, hi=m.t) + total(lambda s: dh(m, s), (m.n, 1), lo=k + 3, hi=m.t)
        return every_step(m, lambda k: (dc(m, k), closed(k)))
    c = lstm(extra, n=(1,), t=(2, 3))
    assert not step_check(c, 1, 2).proved
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS and not r.every_t and r.counterexample.size["t"] == 4 and r.certificate


def test_explain_gives_the_downward_argument_not_the_upward_recursion(lstm):
    from symderiv.report.explain import argument

    r = check_claim(lstm(c_row(), n=(1,), t=(2,)))
    text = argument(r).plain
    assert r.every_t and "downward induction on k" in text and "X_t = J_t X_{t−1}" not in text
