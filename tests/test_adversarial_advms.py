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
* a true one-step identity that reads the new state c_t (∂h_t/∂c_{t−1} = diag(o_t ⊙ tanh′(c_t)) diag(f_t)) is not
  proved for every t: the induction reads m.at("c", t) as a free symbol. A refusal; xfail.
* the every-n lift's base for a derivative by a state at step j ≥ 1 sets the other states' truths at j to 0
  (dh_1/dc_1 = 0), the model's m.d does not (h_1 = tanh(c_1) reads c_1): a true row is never lifted. xfail.

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



# ----- finding 5 (xfail): the lift's base by a state at step j ≥ 1 ------------------------------------------------

@pytest.mark.xfail(strict=True, reason="every_n.base_identity starts the block recursion at X^c_1 = I, X^h_1 = 0 "
                   "for wrt = (c, 1); the model's truth dh_1/dc_1 = diag(1 − h_1²) (h_1 = tanh(c_1) reads c_1), so "
                   "the base's lhs differs from the check's and a true row is never lifted to every n")
def test_the_true_row_by_c_1_is_lifted_to_every_n():
    r = check_claim(mk(row("h", ("c", 1)), tanhc, n=(1, 2), t=(2, 3)))
    assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope


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


# ----- finding 6 (xfail): a true one-step identity that reads the state c_t is not proved for every t -------------

@pytest.mark.xfail(strict=True, reason="in the induction model m.at('c', t) is a free symbol c[t], not the step's c_t "
                   "= f_t ⊙ c_{t−1} + i_t ⊙ g_t, so ∂h_t/∂c_{t−1} = diag(o_t ⊙ (1 − tanh²(c_t))) diag(f_t) differs "
                   "'at a free state of step t' and holds at the sizes only (a refusal, never a fails)")
def test_the_lstm_block_through_the_new_cell_state_holds_for_every_t():
    def check(m):
        t = m.t
        th = m.f.tanh(m.at("c", t))
        return m.partial(("h", t), ("c", t - 1)), (diag(hadamard(m.at("og", t), _one(m) - hadamard(th, th)))
                                                   * diag(m.at("f", t)))

    r = check_claim(mk(check, lstm_cell, n=(1,)))
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope


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
