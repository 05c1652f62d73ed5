"""Issue 14 items 6 and 10: the randomized backend covers every model and derivative the exact engine does.

Each reproduction of the issue is a claim checked at a realistic size over F_p
(and by ``auto``, which must pick a backend that can check it): the README's
Elman example, derivatives with respect to any parameter name, to a state
(h, k), to the initial state by name, of outputs, ``m.partial``, LSTM and GRU
cells, concrete σ (tanh, logistic) with their derivative relations, and
named losses. Each has a FALSE variant that must never be ``holds`` under
F_p (a disagreement is ``fails`` only once the exact engine certifies it at a
small size, else ``undecided``).
"""
from __future__ import annotations

import pytest

from symderiv import cell, diag, elman_rnn, eye, hadamard, kron, lstm_cell, ones, product, total, zeros
from symderiv import fp
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.results import Verdict
from symderiv.sizes import sweep

BIG = {"n": 12, "t": 16}


def make(check, model=elman_rnn, n=(2,), t=(3,), **kw):
    return Claim(id=kw.pop("id", "cover.claim"), where="test", statement="test", check=check, model=model,
                 sizes=sweep(n=n, t=t), conventions={"layout": "row-major", **kw.pop("conventions", {})}, **kw)


def fp_equal(claim, size=None):
    return fp.test_identity(claim, size or BIG, seed=1).equal


# ----- the README's Elman example: dh_t/dh_0 = Π diag(σ'(z_k)) W ------------------------------------

def readme_jacobian(m, order="descending"):
    factor = lambda k: diag(m.dsigma(m.at("z", k))) * m.W
    return m.d(("h", m.t), ("h", 0)), product(factor, 1, m.t, order=order, size=m.n)


@pytest.mark.parametrize("backend", ["auto", "fp"])
def test_the_readme_elman_example_holds_at_n32_t64(backend):
    r = check_claim(make(readme_jacobian), n=(32,), t=(64,), backend=backend)
    assert r.verdict == Verdict.HOLDS, r.error or r.scope
    assert "F_p" in r.scope and "error ≤ 2^−" in r.scope


def test_the_readme_elman_example_false_variant_never_holds():
    claim = make(lambda m: readme_jacobian(m, order="ascending"))
    assert not fp_equal(claim)
    r = check_claim(claim, n=(12,), t=(16,), backend="fp")
    assert r.verdict == Verdict.FAILS, r.scope  # certified by the exact engine at a small size
    assert r.counterexample.size["n"] <= 3


# ----- derivatives with respect to any parameter name (Elman's W, b, U, V) ---------------------------

def elman_dW(m, wrong=False):
    J = lambda r: diag(m.dsigma(m.at("z", r))) * m.W
    P = lambda k: diag(m.dsigma(m.at("z", k))) * kron(eye(m.n), (m.h(k - 1) if not wrong else m.h(k)).T)
    terms = [product(J, k + 1, m.t, order="descending", size=m.n) * P(k) for k in range(1, m.t + 1)]
    return m.d(("h", m.t), "W"), total(terms, (m.n, m.n * m.n))


def test_wrt_W_of_the_elman_model():
    assert fp_equal(make(elman_dW))
    assert not fp_equal(make(lambda m: elman_dW(m, wrong=True)))
    r = check_claim(make(elman_dW), n=(12,), t=(16,))  # auto
    assert r.verdict == Verdict.HOLDS and "F_p" in r.scope, r.error or r.scope


def test_wrt_W_named_by_the_wrt_convention():
    r = check_claim(make(elman_dW, conventions={"wrt": "W"}), n=(12,), t=(16,))
    assert r.verdict == Verdict.HOLDS and "F_p" in r.scope, r.error or r.scope


def test_wrt_a_bias_and_an_input_matrix():
    def bias(m, wrong=False):
        back = diag(m.dsigma(m.at("z", m.t))) * (m.W.T if wrong else m.W) * m.d(("h", m.t - 1), "b")
        return m.d(("h", m.t), "b"), diag(m.dsigma(m.at("z", m.t))) + back

    def inputs(m, wrong=False):
        x = m.x(m.t - 1 if wrong else m.t)
        back = diag(m.dsigma(m.at("z", m.t))) * m.W * m.d(("h", m.t - 1), "U")
        return m.d(("h", m.t), "U"), diag(m.dsigma(m.at("z", m.t))) * kron(eye(m.n), x.T) + back

    for check in (bias, inputs):
        assert fp_equal(make(check)), check.__name__
        assert not fp_equal(make(lambda m, check=check: check(m, wrong=True))), check.__name__


# ----- derivatives with respect to a state (h, k), the initial state by name, of outputs ------------

def state_k(m, k, order="descending"):
    factor = lambda r: diag(m.dsigma(m.at("z", r))) * m.W
    return m.d(("h", m.t), ("h", k)), product(factor, k + 1, m.t, order=order, size=m.n)


def test_wrt_a_state_h_k():
    assert fp_equal(make(lambda m: state_k(m, m.t // 2)))
    assert not fp_equal(make(lambda m: state_k(m, m.t // 2, order="ascending")))


def test_wrt_the_initial_state_by_name():
    def check(m, wrong=False):
        lhs, rhs = readme_jacobian(m, order="ascending" if wrong else "descending")
        return m.d(("h", m.t), "h"), rhs

    assert fp_equal(make(check))
    assert not fp_equal(make(lambda m: check(m, wrong=True)))


def test_outputs_wrt_states_and_parameters():
    def out_state(m, wrong=False):
        return m.d(("o", m.t), ("h", m.t)), (m.V.T if wrong else m.V)

    def out_param(m, wrong=False):
        return m.d(("o", m.t), "W"), (m.V.T if wrong else m.V) * m.d(("h", m.t), "W")

    for check in (out_state, out_param):
        assert fp_equal(make(check)), check.__name__
        assert not fp_equal(make(lambda m, check=check: check(m, wrong=True))), check.__name__


def test_a_gradient_row_and_its_transpose():
    """Reverse mode: a derivative not rightmost in a product, and a transposed derivative."""
    def row(m, wrong=False):  # (dh_t/dh_0)ᵀ = Π ascending (W ᵀ diag σ'(z_k))
        factor = lambda k: (m.W if wrong else m.W.T) * diag(m.dsigma(m.at("z", k)))
        return m.d(("h", m.t), ("h", 0)).T, product(factor, 1, m.t, order="ascending", size=m.n)

    def left(m, wrong=False):  # W · dh_t/dW, the derivative not rightmost... but a factor on the right
        J = m.d(("h", m.t), ("h", m.t - 1))
        return m.W * J * m.W, m.W * diag(m.dsigma(m.at("z", m.t))) * (m.W.T if wrong else m.W) * m.W

    for check in (row, left):
        assert fp_equal(make(check)), check.__name__
        assert not fp_equal(make(lambda m, check=check: check(m, wrong=True))), check.__name__


# ----- m.partial --------------------------------------------------------------------------------------

def test_partial_wrt_the_previous_state_and_a_parameter():
    def prev_state(m, wrong=False):
        k = m.t - 1
        return m.partial(("h", k), ("h", k - 1)), diag(m.dsigma(m.at("z", k))) * (m.W.T if wrong else m.W)

    def param(m, wrong=False):
        k = m.t
        v = m.h(k - 2) if wrong else m.h(k - 1)
        return m.partial(("h", k), "W"), diag(m.dsigma(m.at("z", k))) * kron(eye(m.n), v.T)

    for check in (prev_state, param):
        assert fp_equal(make(check)), check.__name__
        assert not fp_equal(make(lambda m, check=check: check(m, wrong=True))), check.__name__


def test_the_old_partial_refusal_is_gone():
    claim = make(lambda m: (m.partial(("h", m.t), "W"), m.partial(("h", m.t), "W")), n=(8,), t=(9,))
    r = check_claim(claim, backend="fp")
    assert r.verdict == Verdict.HOLDS, r.error or r.scope


# ----- LSTM and GRU ----------------------------------------------------------------------------------

def lstm_recursion(m, through_c=True):
    gh, gc = eye(m.n), zeros(m.n, m.n)
    for k in range(1, m.t + 1):
        A, B = m.partial(("h", k), ("h", k - 1)), m.partial(("h", k), ("c", k - 1))
        C, D = m.partial(("c", k), ("h", k - 1)), m.partial(("c", k), ("c", k - 1))
        gh, gc = (A * gh + B * gc, C * gh + D * gc) if through_c else (A * gh, gc)
    return m.d(("h", m.t), ("h", 0)), gh


def test_lstm_block_recursion():
    assert fp_equal(make(lstm_recursion, model=lstm_cell))
    assert not fp_equal(make(lambda m: lstm_recursion(m, through_c=False), model=lstm_cell))


def test_lstm_cell_state_partial_is_the_forget_gate():
    def check(m, wrong=False):
        k = m.t
        return m.partial(("c", k), ("c", k - 1)), diag(m.at("i" if wrong else "f", k))

    assert fp_equal(make(check, model=lstm_cell))
    assert not fp_equal(make(lambda m: check(m, wrong=True), model=lstm_cell))


GRU_PARAMS = {k: ("n", "n") for k in ("W_z", "W_r", "W_h")} | {k: ("n", "m") for k in ("U_z", "U_r", "U_h")}


@cell("GRU", params=GRU_PARAMS)
def gru(s, prev, x, p, f):
    s.z = f.logistic(p.W_z * prev.h + p.U_z * x)
    s.r = f.logistic(p.W_r * prev.h + p.U_r * x)
    s.htilde = f.tanh(p.W_h * hadamard(s.r, prev.h) + p.U_h * x)
    s.h = hadamard(ones(s.z.rows) - s.z, prev.h) + hadamard(s.z, s.htilde)


def test_gru_chain_of_partials():
    def check(m, order="descending"):
        return m.d(("h", m.t), ("h", 0)), product(lambda k: m.partial(("h", k), ("h", k - 1)), 1, m.t,
                                                  order=order, size=m.n)

    assert fp_equal(make(check, model=gru))
    assert not fp_equal(make(lambda m: check(m, order="ascending"), model=gru))


def test_gru_update_gate_derivative_uses_the_logistic_relation():
    def check(m, wrong=False):  # ∂z_k/∂(W_z h_{k−1}) = diag(z ⊙ (1 − z)); dz_k/dh_{k-1} = that · W_z
        z = m.at("z", m.t)
        d = hadamard(z, ones(m.n) - z) if not wrong else hadamard(z, z)
        return m.partial(("z", m.t), ("h", m.t - 1)), diag(d) * m.W_z

    assert fp_equal(make(check, model=gru))
    assert not fp_equal(make(lambda m: check(m, wrong=True), model=gru))


# ----- concrete σ ------------------------------------------------------------------------------------

@pytest.mark.parametrize("act", ["tanh", "logistic"])
def test_concrete_sigma_with_its_derivative_relation(act):
    def check(m, wrong=False):
        def deriv(k):
            h = m.h(k)
            if act == "tanh":
                return ones(m.n) - (hadamard(h, h) if not wrong else h)
            return hadamard(h, ones(m.n) - h) if not wrong else h

        factor = lambda k: diag(deriv(k)) * m.W
        return m.d(("h", m.t), ("h", 0)), product(factor, 1, m.t, order="descending", size=m.n)

    assert fp_equal(make(check, activation=act))
    claim = make(lambda m: check(m, wrong=True), activation=act)
    assert not fp_equal(claim)
    r = check_claim(claim, n=(6,), t=(8,), backend="fp")
    assert r.verdict != Verdict.HOLDS


def test_concrete_sigma_dsigma_is_the_derivative_relation():
    def check(m):
        z = m.at("z", m.t)
        return m.dsigma(z), ones(m.n) - hadamard(m.sigma(z), m.sigma(z))

    r = check_claim(make(check, activation="tanh"), n=(12,), t=(16,))
    assert r.verdict == Verdict.HOLDS and "F_p" in r.scope, r.error or r.scope


# ----- losses ----------------------------------------------------------------------------------------

def test_squared_loss_gradient():
    def check(m, wrong=False):
        e = m.o(m.t) - m.y(m.t)
        return m.d(("E", m.t), ("o", m.t)), (e.T if not wrong else 2 * e.T)

    assert fp_equal(make(check, loss="squared"))
    assert not fp_equal(make(lambda m: check(m, wrong=True), loss="squared"))


def test_abstract_loss_chain_rule():
    def check(m, wrong=False):
        dEdo = m.d(("E", m.t), ("o", m.t))
        return m.d(("E", m.t), ("h", m.t)), dEdo * (m.V.T if wrong else m.V)

    assert fp_equal(make(check))
    assert not fp_equal(make(lambda m: check(m, wrong=True)))


# ----- auto never turns a claim F_p cannot evaluate into an error ------------------------------------

def test_auto_falls_back_to_the_exact_engine_with_a_note():
    import sympy as sp

    def check(m):  # atan has no reading over F_p (exp, log, sin, √ and quotients do): exact engine, said so
        z = m.W * m.h(0)
        return z.applyfunc(sp.atan), z.applyfunc(sp.atan)

    r = check_claim(make(check), n=(4,), t=(7,))
    assert r.verdict == Verdict.HOLDS, r.error or r.scope
    assert "randomized backend" in r.scope and "exact" in r.scope
