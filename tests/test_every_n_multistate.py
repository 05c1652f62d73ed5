"""Every n and every t for cells with several states (issue 20): the induction step of an LSTM's (h, c) block recursion.

The truth of a cell whose state is (h, c) is the pair (dh_t/dθ, dc_t/dθ); its step is the block recursion
X_t = J_t X_{t−1} + P_t with J_t = [[∂h_t/∂h_{t−1}, ∂h_t/∂c_{t−1}], [∂c_t/∂h_{t−1}, ∂c_t/∂c_{t−1}]]. A claim about
one state is one block row, with the other state's truth at t − 1 free: true rows are lifted to every n and every t
(with n ≤ 3 first, the kernel re-checking both); wrong rows (blocks swapped or dropped, f_{t−1} for f_t, a block of
the other row) are never lifted and fail, certified, at a small size; rows true only at n = 1 hold there for every t
and are never lifted.
"""
import sys
from pathlib import Path

import pytest
import sympy as sp

from symderiv import diag, eye, hadamard, lstm_cell, ones
from symderiv import every_n, induction
from symderiv.claims import Claim, collect
from symderiv.engine import check_claim
from symderiv.identity import nonzero_entries
from symderiv.kernel import step as kernel_step
from symderiv.results import Verdict
from symderiv.sizes import sweep

ROOT = Path(__file__).resolve().parents[1]
TRUE = ("examples.lstm.step.dh-dh0", "examples.lstm.step.dc-dc0", "examples.lstm.step.dh-dWf")
FALSE = ("examples.lstm.step.blocks-swapped", "examples.lstm.step.dc-dh-dropped", "examples.lstm.step.forget-lag")


@pytest.fixture(scope="module")
def shipped():
    return collect([ROOT / "proofs" / "examples" / "lstm_gradient.py"]).items


def lstm(check, *, n=(1, 2), t=(1, 2, 3), cell=lstm_cell, cid="t.lstm"):
    return Claim(id=cid, where="test", statement="test", check=check, model=cell,
                 conventions={"layout": "row-major"}, sizes=sweep(n=n, t=t))


def X(m, s, wrt, back=1):
    return m.d((s, m.t - back), wrt)


def P(m, s, r):
    """∂s_t/∂r_{t−1}, the other state held: a block of the step's Jacobian."""
    return m.partial((s, m.t), (r, m.t - 1))


# ----- the shipped rows ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("cid", TRUE)
def test_the_shipped_block_rows_hold_for_every_n_and_every_t(shipped, cid):
    r = check_claim(shipped[cid])
    assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope
    assert "[[∂h_t/∂h_{t−1}, ∂h_t/∂c_{t−1}], [∂c_t/∂h_{t−1}, ∂c_t/∂c_{t−1}]]" in r.scope
    out = every_n.lift_induction(shipped[cid], 1)
    assert out.lifted and out.base.label == "base" and out.step.label == "step"
    for part in (out.base, out.step):  # decided at (at least) the recounted number of index classes
        assert all(part.size[d] >= max(1, part.classes[d]) for d in ("n", "m"))
    assert f"decided exactly at n = {out.step.size['n']}" in r.scope
    assert r.argument == out.argument == every_n.MULTI_STATE_ARGUMENT  # explain shows the block recursion's steps


@pytest.mark.parametrize("cid", FALSE)
def test_the_shipped_slips_fail_certified_at_a_small_size_and_are_never_lifted(shipped, cid):
    r = check_claim(shipped[cid])
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and not r.every_n and not r.every_t
    assert r.counterexample.size["n"] <= 2 and r.counterexample.size["t"] <= 3
    assert not every_n.lift_induction(shipped[cid], 2 if cid.endswith("forget-lag") else 1).lifted


# ----- wrong rows, written other ways: never lifted, fail certified at a small size -----------------------------

WRONG = {
    "the h row's blocks swapped": lambda m: (X(m, "h", ("h", 0), 0),
                                             P(m, "h", "c") * X(m, "h", ("h", 0)) + P(m, "h", "h") * X(m, "c", ("h", 0))),
    "∂h_t/∂c_{t−1} dropped": lambda m: (X(m, "h", ("h", 0), 0), P(m, "h", "h") * X(m, "h", ("h", 0))),
    "∂c_t/∂h_{t−1} dropped (dc_t/dh_0)": lambda m: (X(m, "c", ("h", 0), 0), P(m, "c", "c") * X(m, "c", ("h", 0))),
    "the c row's blocks in the h row": lambda m: (X(m, "h", ("c", 0), 0),
                                                 P(m, "c", "h") * X(m, "h", ("c", 0)) + P(m, "c", "c") * X(m, "c", ("c", 0))),
    "the two truths exchanged": lambda m: (X(m, "c", ("c", 0), 0),
                                           P(m, "c", "h") * X(m, "c", ("c", 0)) + P(m, "c", "c") * X(m, "h", ("c", 0))),
    "f_{t−1} for f_t": lambda m: (X(m, "c", ("c", 0), 0),
                                  P(m, "c", "h") * X(m, "h", ("c", 0)) + diag(m.at("f", m.t - 1)) * X(m, "c", ("c", 0))),
    "the explicit partial ∂h_t/∂W_f dropped": lambda m: (X(m, "h", "W_f", 0),
                                                        P(m, "h", "h") * X(m, "h", "W_f") + P(m, "h", "c") * X(m, "c", "W_f")),
}


@pytest.mark.parametrize("name", list(WRONG))
def test_a_wrong_block_row_fails_certified_and_is_never_lifted(name):
    c = lstm(WRONG[name], t=(2, 3))
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and not r.every_n and not r.every_t, r.scope
    assert r.counterexample.size["n"] <= 2
    assert not every_n.lift_induction(c, 2).lifted
    assert not induction.step_check(c, {"n": 2}, 2).proved


# ----- true only at n = 1: holds there for every t, never lifted ------------------------------------------------

def _outer_minus_inner(v):
    return v * v.T - (v.T * v)[0, 0] * eye(v.rows)


N1_ONLY = {
    "∂h_t/∂h_{t−1} transposed": lambda m: (X(m, "h", ("h", 0), 0),
                                           P(m, "h", "h").T * X(m, "h", ("h", 0)) + P(m, "h", "c") * X(m, "c", ("h", 0))),
    "diag(f_t) on the right of dc_{t−1}/dc_0": lambda m: (X(m, "c", ("c", 0), 0),
                                                         P(m, "c", "h") * X(m, "h", ("c", 0))
                                                         + X(m, "c", ("c", 0)) * diag(m.at("f", m.t))),
    "c cᵀ − (cᵀc) I added to the h row": lambda m: (X(m, "h", ("h", 0), 0),
                                                    P(m, "h", "h") * X(m, "h", ("h", 0)) + P(m, "h", "c") * X(m, "c", ("h", 0))
                                                    + _outer_minus_inner(m.at("c", m.t - 1)) * X(m, "c", ("h", 0))),
}


@pytest.mark.parametrize("name", list(N1_ONLY))
def test_a_two_state_row_true_only_at_n_1_holds_there_for_every_t_and_is_never_lifted(name):
    at1 = lstm(N1_ONLY[name], n=(1,))
    r = check_claim(at1)
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope
    out = every_n.lift_induction(at1, 1)
    assert not out.lifted and "not lifted to every n" in out.scope
    wide = check_claim(lstm(N1_ONLY[name], n=(1, 2), t=(1, 2)))
    assert wide.verdict == Verdict.FAILS and wide.counterexample.size["n"] == 2


# ----- a peephole LSTM, its blocks written from the equations (benchmarks/user_lstm24.py) ------------------------

sys.path.insert(0, str(ROOT / "benchmarks"))


def _greff():
    import user_lstm24 as u

    return u


def test_a_peephole_lstm_row_lifts_and_its_carousel_alone_fails_certified():
    u = _greff()

    def row(m):  # dc_t/dc_0 by the c row of the cell's own partials (peepholes: ∂c_t/∂c_{t−1} is not diag(f_t))
        return X(m, "c", ("c", 0), 0), P(m, "c", "h") * X(m, "h", ("c", 0)) + P(m, "c", "c") * X(m, "c", ("c", 0))

    def carousel(m):  # the peepholes' terms and the h path dropped
        return X(m, "c", ("c", 0), 0), u.dc_dcprev(m, m.t, peep=False) * X(m, "c", ("c", 0))

    good = lstm(row, cell=u.greff_lstm, cid="t.greff.row")
    r = check_claim(good)
    assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope
    bad = lstm(carousel, cell=u.greff_lstm, cid="t.greff.carousel")
    r = check_claim(bad)
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and not r.every_n and not r.every_t
    assert r.counterexample.size["n"] <= 2


def test_the_user_lstms_hand_written_blocks_hold_for_every_t_at_small_n():
    """The user's blocks write σ′ = σ(1 − σ) and tanh′ = 1 − tanh² from the gates' values (benchmarks/user_lstm24.py):
    proved for every t at n ≤ 2 by the exact induction, with both rows."""
    u = _greff()

    def row(m):
        return X(m, "c", ("c", 0), 0), u.dc_dhprev(m, m.t) * X(m, "h", ("c", 0)) + u.dc_dcprev(m, m.t) * X(m, "c", ("c", 0))

    r = check_claim(lstm(row, cell=u.greff_lstm, cid="t.greff.hand"))
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope


# ----- every combination of blocks: lifted exactly when true, and then true at a larger size --------------------

BLOCK = {"∂h/∂h": lambda m: P(m, "h", "h"), "∂h/∂c": lambda m: P(m, "h", "c"), "∂c/∂h": lambda m: P(m, "c", "h"),
         "∂c/∂c": lambda m: P(m, "c", "c"), "0": None}


@pytest.mark.parametrize("first", list(BLOCK))
@pytest.mark.parametrize("second", list(BLOCK))
def test_whenever_a_block_row_is_lifted_it_is_the_true_row_and_an_exact_check_at_n_3_agrees(first, second):
    def check(m):
        rhs = None
        for name, s in ((first, "h"), (second, "c")):
            if BLOCK[name] is None:
                continue
            term = BLOCK[name](m) * X(m, s, ("h", 0))
            rhs = term if rhs is None else rhs + term
        if rhs is None:  # both blocks 0: dh_t/dh_0 = 0 · X^h_{t−1}
            rhs = 0 * X(m, "h", ("h", 0))
        return X(m, "h", ("h", 0), 0), rhs

    c = lstm(check, cid=f"t.row.{first}.{second}")
    out = every_n.lift_induction(c, 1)
    assert out.lifted == ((first, second) == ("∂h/∂h", "∂h/∂c")), out.scope
    if out.lifted:
        lhs, rhs = c.sides({"n": 3, "t": 3})
        assert not nonzero_entries(lhs, rhs, "symengine")


# ----- the kernel: a multi-state step it re-checks by its own means ---------------------------------------------

def _proved_step(shipped, cid="examples.lstm.step.dh-dh0"):
    st = induction.step_check(shipped[cid], {"n": 2}, 1)
    assert st.proved and st.statement is not None and st.statement.states == ("h", "c")
    return shipped[cid], st.statement


def test_the_kernel_accepts_the_finders_block_row(shipped):
    c, stmt = _proved_step(shipped)
    tok, why = kernel_step.confirm_step(c, {"n": 2}, stmt)
    assert tok is not None and "block row" in why


def test_the_kernel_refuses_a_multi_state_step_handed_over_as_one_state(shipped):
    """A finder that hands over ∂h_t/∂h_{t−1} alone (the c path forgotten) is refused, never compared with a part."""
    from dataclasses import replace

    c, stmt = _proved_step(shipped)
    n = 2
    one = replace(stmt, J=stmt.J[:, :n], rhs=stmt.rhs[:n, :], prev=stmt.prev[:n, :], states=())
    assert kernel_step.confirm_step(c, {"n": n}, one)[0] is None


def test_the_kernel_refuses_swapped_blocks_in_the_finders_statement(shipped):
    from dataclasses import replace

    c, stmt = _proved_step(shipped)
    n = 2
    swapped = sp.Matrix.hstack(stmt.J[:, n:], stmt.J[:, :n])
    bad = replace(stmt, J=swapped, rhs=sp.Matrix.vstack(stmt.rhs[n:, :], stmt.rhs[:n, :]))
    tok, why = kernel_step.confirm_step(c, {"n": n}, bad)
    assert tok is None and "not 0" in why
