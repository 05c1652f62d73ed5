"""Adversarial tests of the multi-state induction (a cell with two or three states, one block row of the block
recursion X_t = J_t X_{t−1} + P_t proved for every n and every t).

Findings (each a test that failed on main):

* a cell whose step reads its index k (or the horizon t) in a way the symbolic index cannot refuse
  (``str(k)``, ``isinstance(k, int) and k >= 6``) and changes only past the steps ``_step_breaks`` compares
  (k ≤ t_max + 3) had a false row proved for every n and every t. Fixed: such a cell is never induced on.
* a parameter named c1 and the state c at step 1 were one key (``c1``) of the induction's truths: a claim reading
  dh_{t−1}/dc1 (the parameter, unused by the cell: 0) for dh_{t−1}/dc_1 (the state) had its false row (the h → h
  path dropped, it fails at t = 3) proved for every t. Fixed: a state at step j is keyed ``c[j]``.
* a state named x: in the induction its value at step t − 1 and the input x_{t−1} were the same symbols
  x[t-1][i], so a row plus (x_{t−1} − x^{in}_{t−1})[0] · dx_{t−1}/dW (zero at t ≤ 3 since dx_k/dW = 0 for k ≤ 2,
  false at t = 4) was proved for every t ≥ 2. Fixed: a state may not be named x or y (cells.check_names).
* a true row by a state at a fixed step j = 1 (dh_t/dc_1, meaningful from t = 2), swept at n = 4, t = 2 where F_p
  decides it, with a term that is zero only through tanh(−b) = −tanh(b) (an F_p relaxation): the F_p trial
  disagrees, and the certification looks at t = 1, below the sweep, where the row is false (dh_1/dc_1 is the
  same step's derivative): a certified ``fails``, right by the convention that a dimension the claim does not fix
  means every value of it (the test says so).
* a true one-step identity that reads the new state c_t (∂h_t/∂c_{t−1} = diag(o_t ⊙ tanh′(c_t)) diag(f_t)) was not
  proved for every t: the induction read m.at("c", t) as a free symbol. Fixed: a state at the symbolic step t is
  the cell's step (both induction models); widened to a class of cells and states, with wrong siblings.
* the every-n lift's base for a derivative by a state at step j ≥ 1 set the other states' truths at j to 0
  (dh_1/dc_1 = 0), the model's m.d does not (h_1 = tanh(c_1) reads c_1): a true row was never lifted. Fixed: the
  base starts from the cell's own step j, and the kernel compares the base's truth with its own forward mode;
  widened to a class (cells, states, j, the base's t), with traps (the row from t = j, wrong rows, a planted base).

The rest are attacks the code resists (wrong rows fail certified, never lifted; true rows hold).
"""
import pytest
import sympy as sp

from symderiv import cell, diag, eye, hadamard, lstm_cell, ones
from symderiv import every_n
from symderiv.cells import Cell
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.errors import ProofFileError
from symderiv.results import Verdict
from symderiv.sizes import sweep


def mk(check, model, *, n=(1, 2), t=(1, 2), cid="t.advms"):
    return Claim(id=cid, where="test", statement="test", check=check, model=model,
                 conventions={"layout": "row-major"}, sizes=sweep(n=n, t=t))


def X(m, s, wrt, back=1):
    return m.d((s, m.t - back), wrt)


def P(m, s, r):
    return m.partial((s, m.t), (r, m.t - 1))


def row(s, wrt, states=("h", "c"), drop=(), explicit=False):
    """s's block row of the step times the previous truths (blocks named in ``drop`` left out)."""
    def check(m):
        rhs = None
        for r in states:
            if r in drop:
                continue
            term = P(m, s, r) * X(m, r, wrt)
            rhs = term if rhs is None else rhs + term
        if explicit:
            rhs = rhs + m.partial((s, m.t), wrt)
        return X(m, s, wrt, 0), rhs
    return check


def _one(m):
    return ones(m.n, 1)


# ----- cells ----------------------------------------------------------------------------------------------------

@cell("c then h = tanh(c)", params={"W": ("n", "n"), "U": ("n", "n"), "b": "n"}, state=("h", "c"))
def tanhc(s, prev, x, p, f):
    s.f = f.logistic(p.U * prev.h + p.b)
    s.c = p.W * prev.h + hadamard(s.f, prev.c)
    s.h = f.tanh(s.c)


@cell("three states", params={"W": ("n", "n"), "U": ("n", "n"), "V": ("n", "n"), "b": "n"}, state=("h", "c", "d"))
def three(s, prev, x, p, f):
    s.d = f.tanh(p.V * prev.c + p.b)
    s.c = hadamard(f.logistic(p.U * prev.h), prev.c) + prev.d
    s.h = f.tanh(p.W * prev.h + prev.c + hadamard(prev.d, prev.h))


@cell("c does not feed back", params={"W": ("n", "n"), "U": ("n", "n"), "b": "n"}, state=("h", "c"))
def nofeed(s, prev, x, p, f):
    s.c = f.tanh(p.U * prev.h + p.b)
    s.h = f.tanh(p.W * prev.h)


@cell("c is a parameter", params={"W": ("n", "n"), "b": "n"}, state=("h", "c"))
def paramstate(s, prev, x, p, f):
    s.c = p.b
    s.h = f.tanh(p.W * prev.h + hadamard(prev.c, prev.h))


@cell("forget gate with a peephole", params={"W": ("n", "n"), "U": ("n", "n"), "p": "n"}, state=("h", "c"))
def peep(s, prev, x, p, f):
    s.f = f.logistic(p.U * prev.h + hadamard(p.p, prev.c))
    s.c = hadamard(s.f, prev.c) + f.tanh(p.W * prev.h)
    s.h = f.tanh(s.c)


@cell("c feeds h from step 6 (str(k))", params={"W": ("n", "n"), "U": ("n", "n")}, state=("h", "c"))
def late_str(s, prev, x, p, f, *, k):
    s.c = f.tanh(p.U * prev.h)
    on = str(k).isdigit() and int(str(k)) >= 6
    s.h = f.tanh(p.W * prev.h + (prev.c if on else 0 * prev.c))


@cell("c feeds h from step 6 (isinstance)", params={"W": ("n", "n"), "U": ("n", "n")}, state=("h", "c"))
def late_isint(s, prev, x, p, f, *, k):
    s.c = f.tanh(p.U * prev.h)
    on = isinstance(k, int) and k >= 6
    s.h = f.tanh(p.W * prev.h + (prev.c if on else 0 * prev.c))


@cell("c feeds h when the horizon is 6 or more", params={"W": ("n", "n"), "U": ("n", "n")}, state=("h", "c"))
def late_horizon(s, prev, x, p, f, *, t):
    s.c = f.tanh(p.U * prev.h)
    on = isinstance(t, int) and t >= 6
    s.h = f.tanh(p.W * prev.h + (prev.c if on else 0 * prev.c))


@cell("c feeds h from step 5 (a comparison)", params={"W": ("n", "n"), "U": ("n", "n")}, state=("h", "c"))
def late_cmp(s, prev, x, p, f, *, k):
    s.c = f.tanh(p.U * prev.h)
    s.h = f.tanh(p.W * prev.h + (prev.c if k >= 5 else 0 * prev.c))


@cell("the c block doubled for n > 3", params={"W": ("n", "n"), "U": ("n", "n")}, state=("h", "c"))
def bign(s, prev, x, p, f, *, n):
    s.c = hadamard(f.logistic(p.U * prev.h), prev.c)
    s.z = p.W * prev.h + (2 * prev.c if isinstance(n, int) and n > 3 else prev.c)
    s.h = f.tanh(s.z)


@cell("a parameter named c1 (unused) beside the state c", params={"W": ("n", "n"), "U": ("n", "n"), "c1": "n"},
      state=("h", "c"))
def clash(s, prev, x, p, f):
    s.c = f.tanh(p.U * prev.h) + prev.c
    s.h = f.tanh(p.W * prev.h + prev.c)


lstm_ch = Cell("the LSTM with its state listed (c, h)", lstm_cell.step, lstm_cell.params, ("c", "h"))


# ----- finding 1 (fixed): a step that reads k past the steps compared --------------------------------------------

def _no_c_block(m):  # dh_t/dW without the c block: true while c does not feed h (k < 6), false from t = 6
    return X(m, "h", "W", 0), P(m, "h", "h") * X(m, "h", "W") + m.partial(("h", m.t), "W")


@pytest.mark.parametrize("model", [late_str, late_isint, late_horizon], ids=["str", "isinstance", "horizon"])
def test_a_cell_that_reads_its_step_index_is_not_proved_for_every_t(model):
    r = check_claim(mk(_no_c_block, model))
    assert r.verdict == Verdict.HOLDS and not r.every_t and not r.every_n, r.scope


def test_the_row_without_the_c_block_is_false_at_t_6():
    r = check_claim(mk(_no_c_block, late_str, n=(1,), t=(6,)))
    assert r.verdict == Verdict.FAILS and r.counterexample is not None


def test_a_step_index_compared_is_refused_as_before():
    r = check_claim(mk(_no_c_block, late_cmp))
    assert r.verdict == Verdict.HOLDS and not r.every_t and not r.every_n


# ----- finding 2 (fixed): a parameter c1 and the state c at step 1 ---------------------------------------------

def _through_the_parameter(m):
    """dh_t/dc_1 = ∂h_t/∂h_{t−1} dh_{t−1}/d(parameter c1) + ∂h_t/∂c_{t−1} dc_{t−1}/dc_1: the first truth is 0 (the
    cell does not read c1), so the h → h path is dropped; right at t = 2 (dh_1/dc_1 = 0), false at t = 3."""
    t = m.t
    return m.d(("h", t), ("c", 1)), (P(m, "h", "h") * m.d(("h", t - 1), "c1")
                                     + P(m, "h", "c") * m.d(("c", t - 1), ("c", 1)))


def test_a_parameter_named_like_a_state_at_a_step_is_not_its_truth():
    r = check_claim(mk(_through_the_parameter, clash, t=(2,)))
    assert not r.every_t and not r.every_n, r.scope
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and r.counterexample.size["t"] == 3


def test_the_row_by_the_state_c_1_beside_a_parameter_c1_holds_for_every_t():
    r = check_claim(mk(row("h", ("c", 1)), clash, t=(2, 3)))
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope


# ----- finding 3 (fixed): a state named like the input ---------------------------------------------------------

def _delayed(name):
    def step(s, prev, x, p, f):  # the third state reads W from step 3 on: h → d → (name) → h
        s.d = prev.h
        setattr(s, name, f.tanh(p.U * prev.d))
        s.h = f.tanh(p.W * prev.h + getattr(prev, name))
    return step


def _row_plus_input_difference(name):
    def check(m):
        t = m.t
        rowh = (P(m, "h", "h") * X(m, "h", "W") + P(m, "h", "d") * X(m, "d", "W") + P(m, "h", name) * X(m, name, "W")
                + m.partial(("h", t), "W"))
        return X(m, "h", "W", 0), rowh + (m.at(name, t - 1)[0, 0] - m.x(t - 1)[0, 0]) * X(m, name, "W")
    return check


@pytest.mark.parametrize("name", ["x", "y"])
def test_a_state_named_like_the_input_or_the_target_is_refused(name):
    with pytest.raises(ProofFileError, match="is a state"):
        cell("delayed", params={"W": ("n", "n"), "U": ("n", "n")}, state=("h", "d", name))(_delayed(name))


def test_the_state_renamed_the_wrong_row_is_not_proved_for_every_t_and_fails_at_t_4():
    u = cell("delayed", params={"W": ("n", "n"), "U": ("n", "n")}, state=("h", "d", "u"))(_delayed("u"))
    r = check_claim(mk(_row_plus_input_difference("u"), u, n=(1,), t=(2, 3)))
    assert not r.every_t and not r.every_n, r.scope
    r = check_claim(mk(_row_plus_input_difference("u"), u, n=(1,), t=(4,)))
    assert r.verdict == Verdict.FAILS and r.counterexample is not None


# ----- finding 4 (xfail): certified below the sweep's smallest t --------------------------------------------------

def _c1_row_plus_zero(m):
    """dh_t/dc_1 by its block row, plus diag(tanh(−b) + tanh(b)) dc_{t−1}/dc_1 = 0: true for every t ≥ 2."""
    zero = diag(m.f.tanh(-m.b) + m.f.tanh(m.b))
    return X(m, "h", ("c", 1), 0), (P(m, "h", "h") * X(m, "h", ("c", 1)) + P(m, "h", "c") * X(m, "c", ("c", 1))
                                    + zero * X(m, "c", ("c", 1)))


def test_the_row_by_c_1_plus_a_zero_term_holds_for_every_t_at_n_2():
    r = check_claim(mk(_c1_row_plus_zero, tanhc, n=(2,), t=(2, 3)))
    assert r.verdict == Verdict.HOLDS and r.every_t


def test_a_row_true_from_t_2_only_fails_certified_at_t_1():
    """advms read this as a wrong fails; it is the convention: a dimension the claim does not fix means every
    value of it (the sweep says where to check, not where the claim stops; F_p's certification looks at small sizes
    of every claim alike, and a claim swept at n = 32, t = 64 is certified at n ≤ 3, t ≤ 6 the same way). The row
    is false at t = 1 (dh_1/dc_1 is the same step's derivative), so the claim fails there, certified. A claim about
    t ≥ 2 only says so with fixed=("t",) or a t-domain in its check."""
    r = check_claim(mk(_c1_row_plus_zero, tanhc, n=(4,), t=(2,)))
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and r.counterexample.size["t"] == 1, r.scope



# ----- finding 5 (fixed): the lift's base by a state at step j ≥ 1 -----------------------------------------------
# The truths at step j of every state by (w, j) come from the cell's own step j (w_j overridden, every state computed
# after it in the step reading it): dw_j/dw_j = I, and dr_j/dw_j the step's own derivative (h_1 = tanh(c_1): dh_1/dc_1
# = diag(1 − h_1²)), never I and 0. Before the fix the base started at X^w_j = I, X^r_j = 0 and a true row was never
# lifted. A class: several cells (two and three states, state order (c, h), an LSTM, a peephole, a GRU-like cell whose
# second state is its update gate), by several states, at j = 1 and j = 2, the base at t = j + 1 and t = j + 2.

@cell("three states, each step's d read by its c, its c by its h", params={"W": ("n", "n"), "U": ("n", "n"),
      "V": ("n", "n"), "b": "n"}, state=("h", "c", "d"))
def chain3(s, prev, x, p, f):
    s.d = f.tanh(p.V * prev.h + p.b)
    s.c = hadamard(f.logistic(p.U * prev.h), prev.c) + s.d
    s.h = f.tanh(p.W * prev.h + s.c)


@cell("GRU-like: the update gate z a state the new h reads", params={"W": ("n", "n"), "U": ("n", "n"), "b": "n"},
      state=("h", "z"))
def gru2(s, prev, x, p, f):
    s.z = f.logistic(p.U * prev.h + p.b)
    s.u = f.tanh(p.W * prev.h)
    s.h = prev.h - hadamard(s.z, prev.h) + hadamard(s.z, s.u)


lstm_peep = Cell("the peephole cell with its state listed (c, h)", peep.step, peep.params, ("c", "h"))

#: (cell, the row's state, the state differentiated by, j, the sweep's t, n): every row is true for t ≥ j + 1
BY_STATE_AT_J = {
    "h by c_1": (tanhc, "h", "c", 1, (2, 3), (1, 2)),
    "c by c_1 (reads dh_1/dc_1 at the base)": (tanhc, "c", "c", 1, (2, 3), (1, 2)),
    "h by c_2, the base at t = 3": (tanhc, "h", "c", 2, (3, 4), (1, 2)),
    "h by c_1, the base at t = 3": (tanhc, "h", "c", 1, (3, 4), (1, 2)),
    "h by h_1 (c does not read the new h)": (tanhc, "h", "h", 1, (2, 3), (1, 2)),
    "peephole: h by c_1": (peep, "h", "c", 1, (2, 3), (1, 2)),
    "peephole (c, h): c by c_1": (lstm_peep, "c", "c", 1, (2, 3), (1, 2)),
    "three states: h by d_1 (through c_1)": (chain3, "h", "d", 1, (2, 3), (1, 2)),
    "three states: c by d_2": (chain3, "c", "d", 2, (3, 4), (1, 2)),
    "GRU-like: h by z_1": (gru2, "h", "z", 1, (2, 3), (1, 2)),
    "LSTM: h by c_1": (lstm_cell, "h", "c", 1, (2, 3), (1,)),
    "LSTM (c, h): h by c_1": (lstm_ch, "h", "c", 1, (2, 3), (1,)),
}


def _row_at_j(name):
    model, s, w, j, ts, ns = BY_STATE_AT_J[name]
    return row(s, (w, j), tuple(model.state)), model, j, ts, ns


@pytest.mark.parametrize("name", list(BY_STATE_AT_J))
def test_the_true_row_by_a_state_at_step_j_is_lifted_to_every_n(name):
    check, model, j, ts, ns = _row_at_j(name)
    r = check_claim(mk(check, model, n=ns, t=ts))
    assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope
    out = every_n.lift_induction(mk(check, model, n=ns, t=ts), ts[0])
    assert out.lifted and out.base is not None and out.base.label == "base"


def test_the_true_row_by_c_1_is_lifted_to_every_n():
    r = check_claim(mk(row("h", ("c", 1)), tanhc, n=(1, 2), t=(2, 3)))
    assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope


@pytest.mark.parametrize("name", [k for k in BY_STATE_AT_J if "h by h_1" not in k and "LSTM" not in k])
def test_the_row_swept_from_t_j_fails_certified_at_j_and_is_never_lifted(name):
    """At t = j the row reads the truths at j − 1 (0: an earlier state does not depend on a later one) while the
    truth is the step's own derivative dr_j/dw_j ≠ 0: false there. A base that started at I and 0 would have made
    both sides 0 (or I) and lifted it; the kernel decides the base false at its threshold."""
    check, model, j, _ts, ns = _row_at_j(name)
    claim = mk(check, model, n=ns, t=(j, j + 1))
    r = check_claim(claim)
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and r.counterexample.size["t"] == j, r.scope
    assert not r.every_t and not r.every_n
    out = every_n.lift_induction(claim, j)
    assert not out.lifted and "base" in out.scope, out.scope


def _old_base(m, wrt, t0, states, zero):
    """The base as it was (the planted bug): X^w_j = I and X^r_j = 0 for every other state r."""
    from symderiv.diagrams import Traced  # noqa: F401 (the traced values' type)
    from symderiv.every_n import _NOTATION
    from symderiv.formal import Ix

    w, j0 = wrt
    X = {k: {r: zero for r in states} for k in range(0, j0)}
    X[j0] = {r: (_NOTATION.eye(m.n) if r == w else zero) for r in states}
    for j in range(j0 + 1, t0 + 1):
        X[j] = every_n._advance(m, X[j - 1], Ix(None, j), states, lambda r: zero)
    return X


@pytest.mark.parametrize("name", ["h by c_1", "three states: h by d_1 (through c_1)", "GRU-like: h by z_1"])
def test_a_planted_wrong_base_is_refused_by_the_kernel(name, monkeypatch):
    """The base's truth (I and 0 at step j, the old bug) planted, and the finder's own probe against the check's sides
    planted off: the kernel compares the traced truth with its own forward-mode derivative at t0 and refuses."""
    check, model, j, ts, ns = _row_at_j(name)
    monkeypatch.setattr(every_n, "_state_base", _old_base)
    monkeypatch.setattr(every_n, "_against_sides", lambda *a, **k: None)
    out = every_n.lift_induction(mk(check, model, n=ns, t=ts), ts[0])
    assert not out.lifted and "kernel" in out.scope, out.scope


WRONG_BY_C1 = {
    "blocks swapped": (lambda m: (X(m, "h", ("c", 1), 0), P(m, "h", "c") * X(m, "h", ("c", 1))
                                  + P(m, "h", "h") * X(m, "c", ("c", 1))), tanhc),
    "the h block dropped": (row("h", ("c", 1), drop=("h",)), tanhc),
    "the c block dropped": (row("h", ("c", 1), drop=("c",)), tanhc),
    "three states: the c block dropped": (row("h", ("d", 1), ("h", "c", "d"), drop=("c",)), chain3),
    "GRU-like: the h block dropped": (row("h", ("z", 1), ("h", "z"), drop=("h",)), gru2),
}


@pytest.mark.parametrize("name", list(WRONG_BY_C1))
def test_a_wrong_row_by_a_state_at_step_1_fails_certified_and_is_never_lifted(name):
    check, model = WRONG_BY_C1[name]
    claim = mk(check, model, n=(1, 2), t=(2, 3))
    r = check_claim(claim)
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and not r.every_t and not r.every_n, r.scope
    assert not every_n.lift_induction(claim, 2).lifted


# ----- attacks resisted: true rows hold for every n and t, wrong rows fail certified ------------------------------

TRUE_ROWS = {
    "three states: h by d_0": (row("h", ("d", 0), ("h", "c", "d")), three),
    "three states: d by h_0": (row("d", ("h", 0), ("h", "c", "d")), three),
    "no feedback: c by W": (lambda m: (X(m, "c", "W", 0), P(m, "c", "h") * X(m, "h", "W")), nofeed),
    "c a parameter: h by b": (row("h", "b", explicit=True), paramstate),
    "c a parameter: c by b": (lambda m: (X(m, "c", "b", 0), eye(m.n) + 0 * X(m, "c", "b")), paramstate),
    "peephole: c by c_0": (row("c", ("c", 0)), peep),
    "peephole: the forget gate held, its path added": (
        lambda m: (X(m, "c", ("c", 0), 0), P(m, "c", "h") * X(m, "h", ("c", 0))
                   + (m.partial(("c", m.t), ("c", m.t - 1), hold=("f",))
                      + diag(m.at("c", m.t - 1)) * m.partial(("f", m.t), ("c", m.t - 1))) * X(m, "c", ("c", 0))),
        peep),
    "state order (c, h): h by h_0": (row("h", ("h", 0), ("c", "h")), lstm_ch),
}


@pytest.mark.parametrize("name", list(TRUE_ROWS))
def test_a_true_row_holds_for_every_n_and_every_t(name):
    check, model = TRUE_ROWS[name]
    r = check_claim(mk(check, model, n=(1,) if "(c, h)" in name else (1, 2)))
    assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope


WRONG_ROWS = {
    "three states: the d block dropped": (row("h", ("d", 0), ("h", "c", "d"), drop=("d",)), three, (1, 2)),
    "three states: c by U, the d block dropped": (row("c", "U", ("h", "c", "d"), drop=("d",), explicit=True),
                                                  three, (1, 2, 3)),
    "no feedback: c's own truth for h's": (lambda m: (X(m, "c", "W", 0), P(m, "c", "h") * X(m, "c", "W")), nofeed,
                                           (1, 2)),
    "c a parameter: the c block dropped": (row("h", "b", drop=("c",), explicit=True), paramstate, (1, 2)),
    "c a parameter: c's truth at t − 1 for t": (lambda m: (X(m, "c", "b", 0), X(m, "c", "b")), paramstate, (1, 2)),
    "peephole: diag(f_t) for ∂c_t/∂c_{t−1}": (lambda m: (X(m, "c", ("c", 0), 0), P(m, "c", "h") * X(m, "h", ("c", 0))
                                                         + diag(m.at("f", m.t)) * X(m, "c", ("c", 0))), peep, (1, 2)),
    "peephole: the forget gate held, its path dropped": (
        lambda m: (X(m, "c", ("c", 0), 0), P(m, "c", "h") * X(m, "h", ("c", 0))
                   + m.partial(("c", m.t), ("c", m.t - 1), hold=("f",)) * X(m, "c", ("c", 0))), peep, (1, 2)),
    "state order (c, h): blocks swapped": (
        lambda m: (X(m, "h", ("h", 0), 0), P(m, "h", "c") * X(m, "h", ("h", 0)) + P(m, "h", "h") * X(m, "c", ("h", 0))),
        lstm_ch, (1, 2)),
    "the other state's truth by the wrong initial state": (
        lambda m: (X(m, "h", ("h", 0), 0), P(m, "h", "h") * X(m, "h", ("h", 0)) + P(m, "h", "c") * X(m, "c", ("c", 0))),
        lstm_cell, (1, 2)),
}


@pytest.mark.parametrize("name", list(WRONG_ROWS))
def test_a_wrong_row_fails_certified_and_is_never_lifted(name):
    check, model, ts = WRONG_ROWS[name]
    r = check_claim(mk(check, model, n=(1,) if model is lstm_cell or model is lstm_ch else (1, 2), t=ts))
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and not r.every_t and not r.every_n, r.scope


def test_a_true_claim_through_the_other_states_truth_at_t_is_never_refuted():
    """dh_t/dc_0 = diag(1 − h_t²) dc_t/dc_0 (h_t = tanh(c_t)): not a block row, so not induced on; never fails."""
    def check(m):
        h = m.at("h", m.t)
        return X(m, "h", ("c", 0), 0), diag(_one(m) - hadamard(h, h)) * X(m, "c", ("c", 0), 0)

    r = check_claim(mk(check, tanhc))
    assert r.verdict == Verdict.HOLDS and not r.every_t


def test_a_cell_that_differs_for_n_above_3_is_not_lifted():
    """The c block written as the cell has it at n ≤ 3 (the cell doubles it when n > 3, read by isinstance)."""
    def check(m):
        th = m.f.tanh(m.at("z", m.t))
        return X(m, "h", ("c", 0), 0), (P(m, "h", "h") * X(m, "h", ("c", 0))
                                        + diag(_one(m) - hadamard(th, th)) * X(m, "c", ("c", 0)))

    r = check_claim(mk(check, bign))
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope
    assert not every_n.lift_induction(mk(check, bign), 1).lifted


# ----- finding 6 (fixed): a state at the current step t is the cell's step, not a free symbol ---------------------
# In the induction model m.at(s, t) was a free symbol s[t], while the step's own quantities (h_t = o_t ⊙ tanh(c_t))
# read the step's c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t: one object split in two, and a true one-step identity reading the
# new state held at the sizes only. Now a state at step t is the cell's step at the free states of t − 1 (the object
# every other read of step t sees), for every state, in both models (n ≤ 3 and the every-n trace). A class: the LSTM
# in both state orders, tanh(c) with h read, a peephole, three states, a GRU-like cell whose update gate is a state.

def _dt(m, v):
    return m.f.dtanh(v) if hasattr(m.f, "dtanh") else _one(m) - hadamard(m.f.tanh(v), m.f.tanh(v))


def _lstm_dh_dc(m):
    t = m.t
    th = m.f.tanh(m.at("c", t))
    return m.partial(("h", t), ("c", t - 1)), (diag(hadamard(m.at("og", t), _one(m) - hadamard(th, th)))
                                               * diag(m.at("f", t)))


def _tanhc_dh_dc(m):  # h_t = tanh(c_t): ∂h_t/∂c_{t−1} = diag(1 − h_t²) diag(f_t), h_t the state read
    t = m.t
    h = m.at("h", t)
    return m.partial(("h", t), ("c", t - 1)), diag(_one(m) - hadamard(h, h)) * diag(m.at("f", t))


def _peep_dh_dc(m):  # ∂h_t/∂c_{t−1} = diag(1 − h_t²)(diag(f_t) + diag(c_{t−1} ⊙ f_t ⊙ (1 − f_t) ⊙ p))
    t = m.t
    h, f, c0 = m.at("h", t), m.at("f", t), m.at("c", t - 1)
    return m.partial(("h", t), ("c", t - 1)), diag(_one(m) - hadamard(h, h)) * (
        diag(f) + diag(hadamard(hadamard(c0, hadamard(f, _one(m) - f)), m.p)))


def _chain3_dh_dd(m):  # ∂h_t/∂d_{t−1} = diag(1 − h_t²) diag(σ(U h_{t−1})): h reads c_t, c_t reads d_{t−1}
    t = m.t
    h = m.at("h", t)
    return m.partial(("h", t), ("c", t - 1)), diag(_one(m) - hadamard(h, h)) * diag(m.f.logistic(m.U * m.at("h", t - 1)))


def _gru2_dh_dh(m):  # ∂h_t/∂h_{t−1} = diag(1 − z_t) + diag(u_t − h_{t−1}) diag(z_t ⊙ (1 − z_t)) U + diag(z_t ⊙ (1 − u_t²)) W
    t = m.t
    z, u, h0 = m.at("z", t), m.at("u", t), m.at("h", t - 1)
    return m.partial(("h", t), ("h", t - 1)), (diag(_one(m) - z) + diag(hadamard(u - h0, hadamard(z, _one(m) - z))) * m.U
                                               + diag(hadamard(z, _one(m) - hadamard(u, u))) * m.W)


NEW_STATE = {
    "LSTM: ∂h_t/∂c_{t−1} through c_t": (_lstm_dh_dc, lstm_cell, (1,)),
    "LSTM (c, h): ∂h_t/∂c_{t−1} through c_t": (_lstm_dh_dc, lstm_ch, (1,)),
    "tanh(c): ∂h_t/∂c_{t−1} through h_t": (_tanhc_dh_dc, tanhc, (1, 2)),
    "peephole: ∂h_t/∂c_{t−1} through h_t": (_peep_dh_dc, peep, (1, 2)),
    "three states: ∂h_t/∂c_{t−1} through h_t": (_chain3_dh_dd, chain3, (1, 2)),
    "GRU-like: ∂h_t/∂h_{t−1} through the state z_t": (_gru2_dh_dh, gru2, (1, 2)),
}


@pytest.mark.parametrize("name", list(NEW_STATE))
def test_a_one_step_identity_through_the_new_state_holds_for_every_t(name):
    check, model, ns = NEW_STATE[name]
    r = check_claim(mk(check, model, n=ns))
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope


def test_the_lstm_block_through_the_new_cell_state_holds_for_every_t():
    r = check_claim(mk(_lstm_dh_dc, lstm_cell, n=(1,)))
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope


def test_the_new_state_is_the_steps_own_object_in_both_induction_models():
    """m.at(s, t) is the very value the step computes (for every state), in the n ≤ 3 model and in the every-n trace;
    m.at(s, t − 1) stays the free state the step reads."""
    from symderiv.diagrams import Traced  # noqa: F401
    from symderiv.every_n import TracedInductionModel, _structure
    from symderiv.formal import HORIZON, Context, Ix, active
    from symderiv.induction import InductionModel
    from symderiv.models import Model

    for model in (lstm_cell, lstm_ch, chain3, gru2):
        claim = mk(lambda m: (m.at("h", m.t), m.at("h", m.t)), model)
        with active(Context(n=2, t_min=1)) as ctx:
            im = InductionModel(Model(model, n=2, m=1, t=1), Ix(HORIZON, 0), ctx)
            T = Ix(HORIZON, 0)
            for s in model.state:
                assert im.at(s, T) == im.step(T)[s]
                assert im.at(s, T - 1) == im.state(s, T - 1)
            tm = TracedInductionModel(claim, Ix(HORIZON, 0), ctx)
            for s in model.state:
                assert _structure(tm.at(s, T)) == _structure(tm.step(T)[s])
                assert _structure(tm.at(s, T - 1)) == _structure(tm.state(s, T - 1))


def test_a_state_past_the_horizon_is_refused_in_the_induction():
    from symderiv.formal import HORIZON, Context, Ix, Unsupported, active
    from symderiv.induction import InductionModel
    from symderiv.models import Model

    with pytest.raises(Unsupported, match="past the horizon"):  # a refusal the context keeps, even caught
        with active(Context(n=1, t_min=1)) as ctx:
            im = InductionModel(Model(tanhc, n=1, m=1, t=1), Ix(HORIZON, -1), ctx)
            im.at("c", Ix(HORIZON, 0))


def _lstm_dh_dc_lagged(m):  # tanh′(c_{t−1}) for tanh′(c_t): false
    t = m.t
    th = m.f.tanh(m.at("c", t - 1))
    return m.partial(("h", t), ("c", t - 1)), (diag(hadamard(m.at("og", t), _one(m) - hadamard(th, th)))
                                               * diag(m.at("f", t)))


def _tanhc_lagged(m):  # diag(1 − h_{t−1}²) for diag(1 − h_t²): false
    t = m.t
    h = m.at("h", t - 1)
    return m.partial(("h", t), ("c", t - 1)), diag(_one(m) - hadamard(h, h)) * diag(m.at("f", t))


def _same_state_two_steps(m):  # c_t = c_{t−1}: the new state is not the old one
    return m.at("c", m.t), m.at("c", m.t - 1)


def _gru2_z_for_1_minus_z(m):  # diag(z_t) for diag(1 − z_t) in the direct term: false
    t = m.t
    z, u, h0 = m.at("z", t), m.at("u", t), m.at("h", t - 1)
    return m.partial(("h", t), ("h", t - 1)), (diag(z) + diag(hadamard(u - h0, hadamard(z, _one(m) - z))) * m.U
                                               + diag(hadamard(z, _one(m) - hadamard(u, u))) * m.W)


NEW_STATE_WRONG = {
    "LSTM: tanh′(c_{t−1}) for tanh′(c_t)": (_lstm_dh_dc_lagged, lstm_cell, (1,)),
    "tanh(c): h_{t−1} for h_t": (_tanhc_lagged, tanhc, (1, 2)),
    "LSTM: c_t = c_{t−1}": (_same_state_two_steps, lstm_cell, (1,)),
    "three states: c_t = c_{t−1}": (_same_state_two_steps, chain3, (1, 2)),
    "GRU-like: z_t for 1 − z_t": (_gru2_z_for_1_minus_z, gru2, (1, 2)),
}


@pytest.mark.parametrize("name", list(NEW_STATE_WRONG))
def test_a_wrong_identity_through_the_new_state_fails_certified(name):
    check, model, ns = NEW_STATE_WRONG[name]
    r = check_claim(mk(check, model, n=ns))
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and not r.every_t and not r.every_n, r.scope


def test_an_identity_of_the_new_state_true_only_at_n_1_is_never_lifted():
    """c_t c_tᵀ = (c_tᵀ c_t) I, c_t the step's: holds for every t at n = 1, never lifted to every n."""
    def check(m):
        c = m.at("c", m.t)
        return c * c.T, (c.T * c)[0, 0] * eye(m.n)

    r = check_claim(mk(check, tanhc, n=(1,)))
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope


# the same object for the output and the loss of step t (a one-state cell with an output, o_t = V h_t + c): m.o(t),
# m.d(("E", t), ("h", t)) and m.d(("E", t), ("o", t)) all read the step's own h_t, as m.at("h", t) does

def _elman(check):
    from symderiv.cells import elman_rnn

    return Claim(id="t.advms.loss", where="test", statement="test", check=check, model=elman_rnn,
                 conventions={"layout": "row-major"}, sizes=sweep(n=(1, 2), t=(1, 2)), loss="squared",
                 activation="tanh")


LOSS_TRUE = {
    "through o_t": lambda m: (m.d(("E", m.t), ("h", m.t)), (m.o(m.t) - m.y(m.t)).T * m.V),
    "through h_t": lambda m: (m.d(("E", m.t), ("h", m.t)), (m.V * m.h(m.t) + m.c - m.y(m.t)).T * m.V),
    "through σ(z_t)": lambda m: (m.d(("E", m.t), ("h", m.t)),
                                 (m.V * m.f.sigma(m.at("z", m.t)) + m.c - m.y(m.t)).T * m.V),
    "∂E_t/∂o_t through σ(z_t)": lambda m: (m.d(("E", m.t), ("o", m.t)),
                                           (m.V * m.f.sigma(m.at("z", m.t)) + m.c - m.y(m.t)).T),
}


@pytest.mark.parametrize("name", list(LOSS_TRUE))
def test_the_loss_of_step_t_reads_the_steps_own_state(name):
    r = check_claim(_elman(LOSS_TRUE[name]))
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope


def test_the_loss_through_the_previous_state_fails_certified():
    r = check_claim(_elman(lambda m: (m.d(("E", m.t), ("h", m.t)),
                                      (m.V * m.h(m.t - 1) + m.c - m.y(m.t)).T * m.V)))
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and not r.every_t, r.scope


# the path finding 6 opens: a one-step identity through the new state, with tanh′ written as the atom m.f.dtanh (the
# every-n lemma reads tanh and tanh′ as two free atoms), is lifted to every n on the one-expression road; its wrong
# siblings fail certified and are never lifted; one true only at n = 1 holds for every t there and is never lifted

def _lstm_atom(lag=0, outer=False):
    def check(m):
        t = m.t
        a = hadamard(m.at("og", t), m.f.dtanh(m.at("c", t - lag)))
        rhs = a * m.at("f", t).T if outer else diag(a) * diag(m.at("f", t))
        return m.partial(("h", t), ("c", t - 1)), rhs
    return check


def _tanhc_atom(lag=0):
    def check(m):
        t = m.t
        return m.partial(("h", t), ("c", t - 1)), diag(m.f.dtanh(m.at("c", t - lag))) * diag(m.at("f", t))
    return check


@pytest.mark.parametrize("model,check,ns", [(lstm_cell, _lstm_atom(), (1,)), (lstm_ch, _lstm_atom(), (1,)),
                                            (tanhc, _tanhc_atom(), (1, 2))], ids=["LSTM", "LSTM (c, h)", "tanh(c)"])
def test_a_one_step_identity_through_the_new_state_is_lifted_to_every_n(model, check, ns):
    r = check_claim(mk(check, model, n=ns))
    assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope


@pytest.mark.parametrize("model,check,ns", [(lstm_cell, _lstm_atom(lag=1), (1,)), (lstm_ch, _lstm_atom(lag=1), (1,)),
                                            (tanhc, _tanhc_atom(lag=1), (1, 2))], ids=["LSTM", "LSTM (c, h)", "tanh(c)"])
def test_the_new_state_lagged_under_the_atom_fails_certified_and_is_never_lifted(model, check, ns):
    r = check_claim(mk(check, model, n=ns))
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and not r.every_t and not r.every_n, r.scope


@pytest.mark.parametrize("model", [lstm_cell, lstm_ch], ids=["LSTM", "LSTM (c, h)"])
def test_the_new_state_identity_as_an_outer_product_holds_at_n_1_only_and_is_never_lifted(model):
    """diag(a) diag(f_t) written as a f_tᵀ: equal at n = 1, not at n = 2."""
    r = check_claim(mk(_lstm_atom(outer=True), model, n=(1,)))
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope
    r = check_claim(mk(_lstm_atom(outer=True), model, n=(2,), t=(1,)))
    assert r.verdict == Verdict.FAILS and r.counterexample is not None


# ----- identities of one size only: proved for every t there, never lifted ---------------------------------------

def _c0_row_plus(K, reversed_sides=False):
    def check(m):
        rhs = (P(m, "h", "h") * X(m, "h", ("c", 0)) + P(m, "h", "c") * X(m, "c", ("c", 0))
               + K(m) * X(m, "c", ("c", 0)))
        lhs = X(m, "h", ("c", 0), 0)
        return (rhs, lhs) if reversed_sides else (lhs, rhs)
    return check


N1_ONLY = {
    "1 1ᵀ − (1ᵀ1) I": lambda m: ones(m.n, 1) * ones(m.n, 1).T - (ones(m.n, 1).T * ones(m.n, 1))[0, 0] * eye(m.n),
    "diag(1) − 1 1ᵀ": lambda m: diag(ones(m.n, 1)) - ones(m.n, 1) * ones(m.n, 1).T,
}


@pytest.mark.parametrize("name", list(N1_ONLY))
@pytest.mark.parametrize("reversed_sides", [False, True], ids=["truth left", "truth right"])
def test_a_row_true_only_at_n_1_through_ones_is_never_lifted(name, reversed_sides):
    r = check_claim(mk(_c0_row_plus(N1_ONLY[name], reversed_sides), tanhc, n=(1,)))
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope


def test_a_kronecker_order_right_only_at_m_1_is_never_lifted():
    """∂c_t/∂vec(U_f) written with x_tᵀ ⊗ I for I ⊗ x_tᵀ: equal at m = 1 (the sweep's m), not at m = 2."""
    from symderiv import kron

    def check(m):
        t = m.t
        f = m.at("f", t)
        wrong = diag(hadamard(m.at("c", t - 1), hadamard(f, _one(m) - f))) * kron(m.x(t).T, eye(m.n))
        return X(m, "c", "U_f", 0), P(m, "c", "h") * X(m, "h", "U_f") + P(m, "c", "c") * X(m, "c", "U_f") + wrong

    r = check_claim(mk(check, lstm_cell))
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope
