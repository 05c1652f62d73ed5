"""Downward BPTT of a cell with several states for every n (issue 20, branch down3), and the kernel's block check.

1. The LSTM's downward rows (δc_k, δh_k, the carousel unrolled) are lifted to every n and every T: the adjoints'
   block recursion Λ_k = Λ_{k+1} J_{k+1} + ∂E_k/∂S_k, δS_k = Λ_k D_k, traced on diagrams of symbolic size (the
   logistic atom with σ' = σ − σ∘σ, tanh with tanh' = 1 − tanh²), base and step each decided by the kernel at its
   threshold; the traced J, D, ∂E/∂S compared with the kernel's own forward mode. Rows true only at n = 1, or only
   for elementwise σ at n ≤ 2, hold at their sizes and are never lifted.
2. The kernel's block check itself refuses a cell whose output reads a gate (a path S_k → E_{k+1} through a gate of
   step k + 1 that the block recursion does not have), with the finder's own refusal switched off.
"""
import dataclasses

import pytest

from symderiv import cell, diag, eye, hadamard, product, total, tr
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.induction import every_step, step_check
from symderiv.results import Verdict
from symderiv.sizes import sweep

P_LSTM = ({k: ("n", "n") for k in ("W_f", "W_i", "W_o", "W_g", "V")}
          | {k: ("n", "m") for k in ("U_f", "U_i", "U_o", "U_g")}
          | {k: "n" for k in ("b_f", "b_i", "b_o", "b_g", "b_V")})


def _lstm_step(s, prev, x, p, f):
    s.f = f.logistic(p.W_f * prev.h + p.U_f * x + p.b_f)
    s.i = f.logistic(p.W_i * prev.h + p.U_i * x + p.b_i)
    s.og = f.logistic(p.W_o * prev.h + p.U_o * x + p.b_o)
    s.g = f.tanh(p.W_g * prev.h + p.U_g * x + p.b_g)
    s.c = hadamard(s.f, prev.c) + hadamard(s.i, s.g)
    s.tc = f.tanh(s.c)
    s.h = hadamard(s.og, s.tc)


def _lstm(name, output, state=("h", "c")):
    return cell(name, params=P_LSTM, state=state, output=output)(_lstm_step)


lstm_out = _lstm("LSTM, o = V h", lambda q, p, f: p.V * q.h + p.b_V)
# outputs that read a gate of the step: E_{k+1} then reads S_k through that gate of step k + 1
lstm_og = _lstm("LSTM, o = V og", lambda q, p, f: p.V * q.og + p.b_V)
lstm_f = _lstm("LSTM, o = V f", lambda q, p, f: p.V * q.f + p.b_V)
lstm_ig = _lstm("LSTM, o = V (i ⊙ g)", lambda q, p, f: p.V * hadamard(q.i, q.g) + p.b_V)


def mk(check, model=lstm_out, *, n=(1,), t=(2,), id="t.down3"):
    return Claim(id=id, where="test", statement="test", check=check, model=model, activation="tanh",
                 loss="abstract", conventions={"layout": "row-major"}, sizes=sweep(n=n, t=t))


def dS(m, s, k):
    return m.d(m.sum_of("E"), (s, k)).T


def do(m, k):
    return m.d(("E", k), ("o", k)).T


def dlog(v):
    return hadamard(v, v.applyfunc(lambda e: 1 - e))


def sq(v):
    return v.applyfunc(lambda e: 1 - e ** 2)


def into_c(m, k):
    return diag(hadamard(m.at("og", k), sq(m.at("tc", k))))


def c_row(*, extra=None):
    def check(m):
        def fam(k):
            rhs = diag(m.at("f", k + 1)) * dS(m, "c", k + 1) + into_c(m, k) * dS(m, "h", k)
            if extra is not None:
                rhs = rhs + extra(m, k)
            return dS(m, "c", k), rhs
        return every_step(m, fam, lo=1, hi=m.t - 1)
    return check


def h_row(*, T=lambda M: M.T, To=lambda M: M.T, output=True):
    def check(m):
        def fam(k):
            j = k + 1
            a_f = hadamard(dS(m, "c", j), hadamard(m.at("c", k), dlog(m.at("f", j))))
            a_i = hadamard(dS(m, "c", j), hadamard(m.at("g", j), dlog(m.at("i", j))))
            a_g = hadamard(dS(m, "c", j), hadamard(m.at("i", j), sq(m.at("g", j))))
            a_o = hadamard(dS(m, "h", j), hadamard(m.at("tc", j), dlog(m.at("og", j))))
            rhs = To(m.W_o) * a_o + T(m.W_f) * a_f + m.W_i.T * a_i + m.W_g.T * a_g
            if output:
                rhs = rhs + m.V.T * do(m, k)
            return dS(m, "h", k), rhs
        return every_step(m, fam, lo=1, hi=m.t - 1)
    return check


def c_unrolled():
    def check(m):
        def closed(k):
            def term(s):
                return product(lambda r: diag(m.at("f", r)), k + 1, s, order="ascending", size=m.n) \
                    * into_c(m, s) * dS(m, "h", s)
            return total(term, (m.n, 1), lo=k, hi=m.t)
        return every_step(m, lambda k: (dS(m, "c", k), closed(k)))
    return check


# ----- 2. the kernel's block check: an output through a gate of step k + 1 ---------------------------------------

GATED = {"o = V og": lstm_og, "o = V f": lstm_f, "o = V (i ⊙ g)": lstm_ig}


@pytest.mark.parametrize("name", list(GATED))
def test_the_kernels_block_check_refuses_an_output_through_a_gate_with_the_finders_refusal_off(monkeypatch, name):
    """The h row the block recursion gives when E_k reads no state of step k (no Vᵀ∇_oL term) is what the finder's
    normal form proves for such a cell; its probe against the engine at T = 2 is what refused it. Switched off, the
    kernel itself must refuse: E_{k+1} reads S_k through the gate of step k + 1, a path the recursion lacks."""
    from symderiv import induction
    from symderiv.kernel.step import confirm_step

    c = mk(h_row(output=False), GATED[name])
    assert not step_check(c, 1, 2).proved                   # the finder's own refusal
    monkeypatch.setattr(induction, "_down_matches_blocks", lambda *a, **k: True)
    st = step_check(c, 1, 2)
    assert st.proved and st.kind == "downward", st.reason   # only that probe stood between it and a proof
    tok, why = confirm_step(c, {"n": 1}, st.statement)
    assert tok is None, why
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS and not r.every_t and not r.every_n and r.certificate, r.scope


def test_the_kernels_block_check_still_accepts_the_true_rows():
    from symderiv.kernel.step import confirm_step

    for check in (h_row(), c_row()):
        c = mk(check)
        st = step_check(c, 1, 2)
        assert st.proved, st.reason
        tok, why = confirm_step(c, {"n": 1}, st.statement)
        assert tok is not None, why


def test_a_planted_recursion_that_drops_the_gate_path_is_refused_for_the_true_cell_too():
    """With o = V h the path is absent and the kernel's recursion check agrees; with o = V og the same statement,
    built on lstm_out and handed over as lstm_og's, is refused (the kernel reads the claim's own cell)."""
    from symderiv.kernel.step import confirm_step

    st = step_check(mk(h_row(output=False), lstm_out), 1, 2)
    assert not st.proved
    good = step_check(mk(h_row(), lstm_out), 1, 2).statement
    tok, _ = confirm_step(mk(h_row(), lstm_og), {"n": 1}, good)
    assert tok is None


# ----- 1. the lift of the several-state downward rows --------------------------------------------------------------

TRUE = {"c row": c_row(), "h row": h_row(), "c unrolled": c_unrolled()}


@pytest.mark.parametrize("name", list(TRUE))
def test_the_lstm_downward_rows_are_lifted_to_every_n_by_the_kernel(name):
    from symderiv.every_n import lift_downward

    c = mk(TRUE[name], n=(1, 2))
    out = lift_downward(c)
    assert out.lifted, out.scope
    assert out.base is not None and out.step is not None
    for d in (out.base, out.step):                 # decided at its own threshold, by the kernel's recount
        assert d.size["n"] >= d.classes["n"] >= 1 and d.degree >= 2
        assert "lhs − rhs expanded to 0" in d.how
    assert out.blocks == ("h", "c")
    assert f"degree {out.step.degree}" in out.scope and f"n = {out.step.size['n']}" in out.scope
    assert "D_k" in out.scope and "σ' = σ − σ∘σ" in out.scope


def test_the_c_row_holds_for_every_n_and_every_T_end_to_end():
    r = check_claim(mk(c_row(), n=(1, 2)))
    assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope
    assert "for every n ≥ 1, every m ≥ 1, every T ≥ 2 and k = 1…T−1" in r.scope


def _e3(m, k):
    """e₃ of f_{k+1}'s entries (Newton: (p₁³ − 3p₁p₂ + 2p₃)/6, p_j = tr(diag(f)^j)): 0 at n ≤ 2 only."""
    D = diag(m.at("f", k + 1))
    p1, p2, p3 = tr(D), tr(D * D), tr(D * D * D)
    return (p1 ** 3 - 3 * p1 * p2 + 2 * p3) / 6


def _antisymmetric(m, k):
    """(W_f − W_fᵀ) δh_k: 0 at n = 1 only."""
    return (m.W_f - m.W_f.T) * dS(m, "h", k)


def _outer(m, k):
    """(x xᵀ − (xᵀx) I) δc_{k+1} with x the input gate's value: 0 at n = 1 only."""
    x = m.at("i", k + 1)
    return (x * x.T - (x.T * x)[0, 0] * eye(m.n)) * dS(m, "c", k + 1)


TRAPS_N1 = {
    "W_f for W_fᵀ (h row)": h_row(T=lambda M: M),
    "W_o for W_oᵀ (h row)": h_row(To=lambda M: M),
    "(W_f − W_fᵀ) δh_k added (c row)": c_row(extra=_antisymmetric),
    "(i iᵀ − (iᵀi) I) δc_{k+1} added (c row)": c_row(extra=_outer),
}


@pytest.mark.parametrize("name", list(TRAPS_N1))
def test_a_downward_row_true_only_at_n_1_holds_for_every_T_there_and_is_never_lifted(name):
    from symderiv.every_n import lift_downward

    c = mk(TRAPS_N1[name], n=(1,))
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope
    out = lift_downward(c)
    assert not out.lifted and out.stage in ("step", "base") and out.by_kernel, out.scope
    assert "lhs − rhs is not 0 at" in out.scope                  # decided false at its threshold, not refused


def test_a_downward_row_true_only_for_elementwise_sigma_at_n_up_to_2_is_never_lifted():
    """e₃(f_{k+1}) i_{k+1} added to the c row: an identity of the logistic gates' entries that holds at n ≤ 2 and
    not at n = 3 (the threshold is at least 3): it holds for every T at n = 1–2 and is never lifted."""
    from symderiv.every_n import lift_downward

    c = mk(c_row(extra=lambda m, k: _e3(m, k) * m.at("i", k + 1)), n=(1, 2))
    out = lift_downward(c)
    assert not out.lifted and out.by_kernel and "lhs − rhs is not 0 at" in out.scope, out.scope
    assert out.step is None or out.step.size["n"] >= 3
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope


@pytest.mark.parametrize("part", ["J", "D0", "D1", "dl"])
def test_the_kernel_refuses_a_planted_error_in_the_traced_block_parts(monkeypatch, part):
    """The lift hands the kernel its traced J_{k+1}, D_k, D_{k+1} and ∂E_k/∂S_k: a block mixed up, the in-step path
    c_k → h_k forgotten in either D, or ∂E_k/∂S_k doubled: refused."""
    from symderiv import every_n

    c = mk(c_row(), n=(1, 2))
    *_, parts = every_n.down_block_step_identity(c)
    ok, why = every_n.kernel_down_blocks(c, parts)
    assert ok, why
    if part == "J":
        J = [list(row) for row in parts.J]
        J[0][0], J[0][1] = J[0][1], J[0][0]
        bad = dataclasses.replace(parts, J=J)
    elif part in ("D0", "D1"):
        D = [list(row) for row in getattr(parts, part)]
        D[0][1] = D[0][1] - D[0][1]                  # ∂h_k/∂c_k dropped
        bad = dataclasses.replace(parts, **{part: D})
    else:
        bad = dataclasses.replace(parts, dl=[b + b for b in parts.dl])
    ok, why = every_n.kernel_down_blocks(c, bad)
    assert not ok, part


@pytest.mark.parametrize("name", list(TRUE))
def test_where_the_block_lift_says_every_n_the_kernel_agrees_at_a_larger_n_and_T(name):
    """Each lifted row, read by the kernel's own random check (its exact model, σ and E random functions) at
    n = 3, m = 2, T = 3: sizes the sweep never reached."""
    from symderiv.kernel.random_check import confirm_identity

    c = mk(TRUE[name], n=(1, 2))
    tok, why = confirm_identity(c, {"n": 3, "m": 2, "t": 3})
    assert tok is not None, why
