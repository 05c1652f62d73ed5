import sympy as sp
from hypothesis import given, settings, strategies as st

from symderiv import Model, elman_rnn, lstm_cell, pal2019_rnn
from symderiv.derivatives import jacobian
from symderiv.identity import nonzero_entries
from symderiv.functions import sigma, dsigma


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 3), t=st.integers(1, 3), which=st.sampled_from(["h", "o", "E"]),
       activation=st.sampled_from(["abstract", "tanh", "logistic", "identity"]))
def test_memoised_jacobian_matches_sympy(n, t, which, activation):
    m = Model(pal2019_rnn, n=n, t=t, activation=activation, loss="squared")
    expr = m.at(which, t)
    ours = jacobian(expr, list(m.W_R))
    ref = sp.Matrix(expr).jacobian(list(m.W_R))
    assert nonzero_entries(ours, ref, "sympy") == []


def test_derivative_wrt_state_is_taken_from_the_unrolled_expression():
    m = Model(pal2019_rnn, n=2, t=3)
    J = m.d(("h", 3), ("h", 1))
    # dh_3/dh_1 = W diag σ'(h_2) · W diag σ'(h_1): newest factor leftmost
    expected = m.W_R * sp.diag(*[dsigma(a) for a in m.h(2)]) * m.W_R * sp.diag(*[dsigma(a) for a in m.h(1)])
    assert nonzero_entries(J, expected) == []
    wrong = m.W_R * sp.diag(*[dsigma(a) for a in m.h(1)]) * m.W_R * sp.diag(*[dsigma(a) for a in m.h(2)])
    assert nonzero_entries(J, wrong) != []


def test_layout_changes_column_order():
    m = Model(pal2019_rnn, n=2, t=1)
    row = m.d(("h", 1), "W_R", layout="row-major")
    col = m.d(("h", 1), "W_R", layout="col-major")
    assert row[:, 1] == col[:, 2] and row[:, 2] == col[:, 1]
    assert row[0, 1] == sigma(m.h(0)[1])


def test_lstm_direct_partial_is_forget_gate_total_is_not():
    m = Model(lstm_cell, n=1, t=2)
    assert nonzero_entries(m.partial(("c", 2), ("c", 1)), sp.diag(*m.at("f", 2))) == []
    assert nonzero_entries(m.d(("c", 2), ("c", 1)), sp.diag(*m.at("f", 2))) != []


def test_elman_model_builds():
    m = Model(elman_rnn, n=2, t=2)
    assert m.h(2).shape == (2, 1)
    assert m.d(("h", 2), "W").shape == (2, 4)
