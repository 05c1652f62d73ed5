"""Trajectory inequalities and orthogonal invariance by lemma chains the kernel checks (issue 21, item 2).

Pascanu et al.'s ‖∂h_t/∂h_0‖₂ ≤ (γ‖W‖₂)^t on a shipped cell's own trajectory (tanh: γ = 1, the logistic function:
γ = 1/4), and ‖UR‖₂ = ‖R‖₂ for an orthogonal U (avram2025.polar-reduction.norm). The finder (prove/chains.py)
factors ∂h_t/∂h_0 into the model's step Jacobians and each into diag(σ′(z_i))·W; the kernel (kernel/lemmas.py)
states every instance itself from its table (submultiplicative, diagonal-norm, tanh-derivative,
logistic-derivative, orthogonal-invariance) at the claim's own values, and reads the goal itself.

What is tested:
- the true bounds hold at n = 1–2, t = 1–2, by the kernel's lemma token, and so do siblings written another way
  (γ^t‖W‖^t on the right, the sides swapped with ≥);
- the false strengthenings (γ too small: 99/100 for tanh, 1/5 for the logistic function; the exponent t + 1) fail
  with a certified counterexample, and no chain — the finder's, or every lemma of the table at every matrix and
  every activation argument of the claim — makes them hold, nor a chain of the true claim handed to them;
- forged chains are refused: a lemma the table does not have (a "logistic derivative ≤ 1/5"), a submultiplicative
  instance at the wrong product (W·D instead of D·W), a diagonal at symbols that are no value of the claim, the
  orthogonal-invariance lemma at a Q that is not orthogonal;
- the kernel states the derivative bounds with its own constants (1 and 1/4), whatever the finder meant.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

import symderiv.prove  # noqa: F401  (registers the solvers the kernel asks)
from symderiv import avram2025_rnn, elman_rnn, matrices, norm2, vectors
from symderiv.claims import Claim, collect
from symderiv.engine import check_claim
from symderiv.functions import logistic
from symderiv.kernel.accept import STEP, genuine
from symderiv.kernel.lemmas import LEMMAS, SCALAR_LEMMAS, Instance, LemmaChain, LemmaStatement, accept_chain, state
from symderiv.kernel.goal import _pairing
from symderiv.prove.chains import _activation_args, chains, prove_by_lemmas, step_factors, witness
from symderiv.prove.domains import Symbols, symbolic
from symderiv.results import Verdict
from symderiv.sizes import sweep

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def shipped():
    col = collect([ROOT / "proofs"])
    return {c.id: c for c in col.claims()}


def _size(cid: str, n: int, t: int) -> dict:
    return {"n": n, "t": t, **({"m": 1} if ".logistic." in cid or cid.startswith("x.logistic") else {})}


def _values(claim, size):
    syms = Symbols(claim.given)
    return {k: symbolic(s, k, size, syms)[0] for k, s in claim.given.items()}


def _accept(claim, size, chain, values, **kw):
    return accept_chain(claim, size, "claim", chain, values, witness=witness(claim, size), **kw)


TRUE = [("trajectory.tanh.t1", 1), ("trajectory.tanh.t2", 2), ("trajectory.logistic.t1", 1),
        ("trajectory.logistic.t2", 2)]
FALSE = [("trajectory.tanh.t2-gamma-99/100", 2), ("trajectory.tanh.t1-power-2", 1),
         ("trajectory.logistic.t1-gamma-1/5", 1), ("trajectory.logistic.t2-gamma-1/5", 2)]


# ----- the true bounds hold, by the kernel's lemma token ---------------------------------------------------------


@pytest.mark.parametrize("cid,t", TRUE)
@pytest.mark.parametrize("n", [1, 2])
def test_the_trajectory_bound_is_proved_by_a_chain_the_kernel_accepts(shipped, cid, t, n):
    size = _size(cid, n, t)
    got = prove_by_lemmas(shipped[cid], size, "claim")
    assert got is not None, (cid, n)
    token = got[0]
    assert genuine(token) and token.holds and token.kind == STEP
    assert token.claim == cid and dict(token.size) == size and token.label == "claim"


@pytest.mark.parametrize("cid,t", [TRUE[1], TRUE[3]])
def test_the_engine_says_holds_proved_at_n_1_2(shipped, cid, t):
    res = check_claim(shipped[cid])
    assert res.verdict == Verdict.HOLDS, (res.scope, res.error)
    assert sorted(s["n"] for s in res.proved_at) == [1, 2]
    proved = [o for o in res.sizes if o.status == Verdict.HOLDS and o.kernel is not None]
    assert proved and all(o.kernel.holds and o.kernel.kind == STEP for o in proved)


def _tanh_other_way(m, W, h0):
    """(γ‖W‖)^t written γ^t‖W‖^t, sides swapped (≥)."""
    J = m.value(m.d(("h", m.t), ("h", 0)), W=W, h0=h0)
    return 1 ** m.t * norm2(W) ** m.t >= norm2(J)


def _logistic_other_way(model, W, U, b, h0, x1, x2):
    J = model.value(model.d(("h", model.t), ("h", 0)), W=W, U=U, b=b, h0=h0, x1=x1, x2=x2)
    return norm2(W) ** model.t / 4 ** model.t >= norm2(J)


def _sibling(check, cell, act, given, sizes):
    return Claim(id=f"x.{act}.{check.__name__}", kind="inequality", where="test", statement="test", check=check,
                 model=cell, activation=act, given=given, sizes=sizes)


def _elman_given(t):
    return dict(W=matrices(), U=matrices("n", "m"), b=vectors(), h0=vectors(),
                **{f"x{k}": vectors("m") for k in range(1, t + 1)})


SIBLINGS = [
    (_tanh_other_way, avram2025_rnn, "tanh", dict(W=matrices(), h0=vectors()), {"n": 2, "t": 2}),
    (_logistic_other_way, elman_rnn, "logistic", _elman_given(2), {"n": 2, "t": 2, "m": 1}),
]


@pytest.mark.parametrize("check,cell,act,given,size", SIBLINGS)
def test_a_sibling_written_another_way_is_proved_too(check, cell, act, given, size):
    c = _sibling(check, cell, act, given, sweep(**{k: (v,) for k, v in size.items()}, fixed=tuple(size)))
    got = prove_by_lemmas(c, size, "claim")
    assert got is not None and genuine(got[0]) and got[0].holds


# ----- false strengthenings: fail, certified; never a chain -------------------------------------------------------


@pytest.mark.parametrize("cid,t", FALSE)
def test_a_false_strengthening_fails_certified(shipped, cid, t):
    res = check_claim(shipped[cid])
    assert res.verdict == Verdict.FAILS, res.scope
    assert res.counterexample is not None
    failing = [o for o in res.sizes if o.status == Verdict.FAILS]
    assert failing and failing[0].kernel is not None and not failing[0].kernel.holds


def _every_instance(claim, size, v):
    """Every scalar lemma of the table at every matrix of the claim and of its trajectory (the step Jacobians and
    their diagonal factors), and both derivative lemmas at every activation argument there."""
    steps, split = step_factors(claim, size, v)
    mats = [x for x in v.values() if isinstance(x, sp.MatrixBase) and x.is_square and x.shape != (1, 1)]
    mats += list(steps) + [D for _, D, _, _ in split]
    out = []
    for A in mats:
        out += [Instance("spectral-radius-le-norm", (A,)), Instance("orthogonal-norm", (A,))]
        if A.is_diagonal():
            out.append(Instance("diagonal-norm", (A,)))
        for B in mats:
            if A.cols == B.rows:
                out += [Instance("submultiplicative", (A, B)), Instance("orthogonal-invariance", (A, B))]
    th, lg = _activation_args([x for _, D, _, _ in split for x in D.diagonal()])
    for z in th + lg:
        out += [Instance("tanh-derivative", (sp.Matrix([[z]]),)), Instance("logistic-derivative", (sp.Matrix([[z]]),))]
    return out


@pytest.mark.parametrize("cid,t", FALSE)
def test_no_chain_makes_a_false_strengthening_hold(shipped, cid, t):
    c = shipped[cid]
    for n in (1, 2):
        size = _size(cid, n, t)
        v, offered = chains(c, size, "claim", budget=5.0)
        assert offered, (cid, n)   # the finder offers its chain: the kernel refuses it for the goal
        everything = LemmaChain(None, tuple(_every_instance(c, size, v)), 5.0)
        for chain in list(offered) + [everything]:
            tok, why = _accept(c, size, chain, v)
            assert tok is None, (cid, n, why)


@pytest.mark.parametrize("true,false,t", [("trajectory.logistic.t1", "trajectory.logistic.t1-gamma-1/5", 1),
                                          ("trajectory.logistic.t2", "trajectory.logistic.t2-gamma-1/5", 2),
                                          ("trajectory.tanh.t2", "trajectory.tanh.t2-gamma-99/100", 2)])
def test_the_true_claims_chain_handed_to_a_wrong_gamma_is_refused(shipped, true, false, t):
    size = _size(true, 2, t)
    v, offered = chains(shipped[true], size, "claim", budget=5.0)
    assert offered and _accept(shipped[true], size, offered[0], v)[0] is not None
    tok, why = _accept(shipped[false], size, offered[0], v)
    assert tok is None, why


# ----- forged chains ---------------------------------------------------------------------------------------------


def test_a_derivative_lemma_the_table_does_not_have_is_refused(shipped):
    """A "logistic′ ≤ 1/5" (false: σ′(0) = 1/4) is no lemma of the table, even with solvers that say unsat."""
    cid = "trajectory.logistic.t1-gamma-1/5"
    c, size = shipped[cid], _size(cid, 1, 1)
    v, offered = chains(c, size, "claim", budget=5.0)
    z = _activation_args(step_factors(c, size, v)[1][0][1].diagonal())[1][0]
    for name in ("logistic-derivative-1/5", "derivative-bound", "tanh-derivative-99/100"):
        chain = LemmaChain(None, tuple(offered[0].instances) + (Instance(name, (sp.Matrix([[z]]),)),), 5.0)
        tok, why = _accept(c, size, chain, v, ask=lambda text, budget: {"z3": "unsat", "cvc5": "unsat"})
        assert tok is None and "table" in why


def test_the_kernel_states_the_derivative_bounds_with_its_own_constants(shipped):
    """The instance carries no γ: the kernel states 0 ≤ σ′ ≤ 1/4 and 0 ≤ tanh′ ≤ 1 itself (×4 for the former)."""
    cid = "trajectory.logistic.t1"
    c, size = shipped[cid], _size(cid, 1, 1)
    v = _values(c, size)
    stmt = LemmaStatement(c, size)
    pair = _pairing(v, stmt.values)
    z = v["W"][0, 0] * v["h0"][0] + v["b"][0]
    st = state(stmt, Instance("logistic-derivative", (sp.Matrix([[z]]),)), pair)
    s = stmt.reading.rational(logistic(z.xreplace(pair)))
    assert st.premises_eq == [] and st.eq == []
    assert [sp.expand(g) for g in st.ge] == [sp.expand(s * (1 - s)), sp.expand(1 - 4 * s * (1 - s))]
    st = state(stmt, Instance("tanh-derivative", (sp.Matrix([[z]]),)), pair)
    th = stmt.reading.rational(sp.tanh(z.xreplace(pair)))
    assert [sp.expand(g) for g in st.ge] == [sp.expand(1 - th ** 2), sp.expand(th ** 2)]


def test_a_submultiplicative_instance_at_the_wrong_product_is_refused(shipped):
    """S_i = D_i W; the instance ‖W D_i‖₂ ≤ ‖W‖₂‖D_i‖₂ is a theorem about another matrix (n = 2: W D ≠ D W), so
    the chain with it in place of ‖D_i W‖ proves nothing."""
    cid = "trajectory.tanh.t1"
    c, size = shipped[cid], _size(cid, 2, 1)
    v, offered = chains(c, size, "claim", budget=5.0)
    good = offered[0].instances
    swapped = tuple(Instance(i.lemma, tuple(reversed(i.args))) if i.lemma == "submultiplicative" else i for i in good)
    assert swapped != good
    assert _accept(c, size, offered[0], v)[0] is not None
    tok, why = _accept(c, size, LemmaChain(None, swapped, 5.0), v)
    assert tok is None, why


def test_a_diagonal_at_foreign_symbols_is_refused(shipped):
    cid = "trajectory.tanh.t1"
    c, size = shipped[cid], _size(cid, 2, 1)
    v = _values(c, size)
    D = sp.diag(*sp.symbols("d0 d1", real=True))
    for inst in (Instance("diagonal-norm", (D,)), Instance("submultiplicative", (D, v["W"])),
                 Instance("tanh-derivative", (sp.Matrix([[sp.Symbol("z", real=True)]]),))):
        tok, why = _accept(c, size, LemmaChain(None, (inst,), 5.0), v, ask=lambda text, budget: {"z3": "unsat",
                                                                                                 "cvc5": "unsat"})
        assert tok is None and "no value of the claim" in why
    for inst in (Instance("diagonal-norm", (v["W"],)), Instance("tanh-derivative", (v["W"],))):
        tok, why = _accept(c, size, LemmaChain(None, (inst,), 5.0), v)
        assert tok is None and "takes" in why


# ----- orthogonal invariance: avram2025.polar-reduction.norm -------------------------------------------------------


def test_polar_reduction_norm_holds_and_growth_still_fails(shipped):
    c = shipped["avram2025.polar-reduction.norm"]
    got = prove_by_lemmas(c, {"n": 2, "t": 1}, "claim")
    assert got is not None and genuine(got[0]) and got[0].holds
    res = check_claim(shipped["avram2025.polar-reduction.growth"])
    assert res.verdict == Verdict.FAILS and res.counterexample is not None


def _norm_of_product(W, R):
    return norm2(W * R) == norm2(R)


def test_orthogonal_invariance_at_a_q_that_is_not_orthogonal_proves_nothing(shipped):
    """‖WR‖₂ = ‖R‖₂ for any W (false: W = 2I) would follow from the lemma at (W, R) if its premise WᵀW = I were
    dropped; the kernel states the premise, the claim does not give it, and the chain proves nothing, even with
    solvers that say unsat to everything but the kernel's sentence refuted honestly. At the polar claim, the lemma
    at (R, U) or (Uᵀ, R) (true implications about other matrices) does not prove ‖UR‖₂ = ‖R‖₂ either."""
    from symderiv import eq

    def check(W, R):
        return eq(norm2(W * R), norm2(R))

    c = Claim(id="x.norm-of-product", kind="inequality", where="test", statement="test", check=check,
              given=dict(W=matrices(), R=matrices()), sizes=sweep(n=(2,), t=(1,), fixed=("n", "t")))
    size = {"n": 2, "t": 1}
    v = _values(c, size)
    tok, why = _accept(c, size, LemmaChain(None, (Instance("orthogonal-invariance", (v["W"], v["R"])),), 5.0), v)
    assert tok is None, why
    assert check_claim(c).verdict == Verdict.FAILS
    p = shipped["avram2025.polar-reduction.norm"]
    v = _values(p, size)
    U, R = v["UR"]
    for args in ((R, U), (U.T, R)):
        tok, why = _accept(p, size, LemmaChain(None, (Instance("orthogonal-invariance", args),), 5.0), v)
        assert tok is None, (args, why)
    assert _accept(p, size, LemmaChain(None, (Instance("orthogonal-invariance", (U, R)),), 5.0), v)[0] is not None


def _right(UR):
    U, R = UR
    from symderiv import eq

    return eq(norm2(R), norm2(R * U))


def _right_transposed(UR):
    U, R = UR
    from symderiv import eq

    return eq(norm2(R * U.T), norm2(R))


@pytest.mark.parametrize("check", [_right, _right_transposed])
def test_orthogonal_invariance_written_on_the_right_is_proved_too(shipped, check):
    """The same class written another way: ‖R U‖₂ = ‖R‖₂ (sides swapped), ‖R Uᵀ‖₂ = ‖R‖₂; and with U not
    orthogonal (the lemma at (U, R) in place of (R, U)) nothing is proved."""
    given = shipped["avram2025.polar-reduction.norm"].given
    c = Claim(id=f"x.{check.__name__}", kind="inequality", where="test", statement="test", check=check,
              given=given, sizes=sweep(n=(2,), t=(1,), fixed=("n", "t")))
    size = {"n": 2, "t": 1}
    got = prove_by_lemmas(c, size, "claim")
    assert got is not None and genuine(got[0]) and got[0].holds
    v = _values(c, size)
    U, R = v["UR"]
    tok, why = _accept(c, size, LemmaChain(None, (Instance("orthogonal-invariance", (U, R)),), 5.0), v)
    assert tok is None, why


def test_the_new_lemmas_are_stated_and_cited():
    for name in ("orthogonal-invariance", "orthogonal-invariance-right", "diagonal-norm", "tanh-derivative",
                 "logistic-derivative"):
        assert name in SCALAR_LEMMAS and LEMMAS[name].statement and LEMMAS[name].reference
