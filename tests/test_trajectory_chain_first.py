"""A true trajectory bound is proved by its lemma chain before the general solvers' sentence is asked (issue 20.6).

Pascanu's ‖∂h_t/∂h_0‖₂ ≤ (γ‖W‖₂)^t (proofs/examples/reach_trajectory.py) has a chain the finder reads off the
factored Jacobian (prove/chains.py), which the kernel accepts in about a second; the general solvers' sentence on the
same step (‖·‖₂ by its definition) runs out its 20 s budget at n = 2, twice with the retry. The engine now asks the
chain first for a step that bounds ‖∂h_j/∂h_i‖₂ of a one-state model from above, and the solvers only when the
kernel refuses it.

What is tested (on the engine's own prove phase, with the general solvers' entry point spied on):
- every shipped true trajectory bound, and siblings written another way (γ^t‖W‖^t on the right, the sides swapped
  with ≥, the bound on ∂h_2/∂h_1 inside a t = 2 trajectory), holds at n = 1–2 by the kernel's lemma-chain token,
  and the general solvers' sentence (prove.decide_step) is never asked about it;
- steps that are not such a bound are not taken first: a norm of a diagonal D_t, a lower bound on ‖∂h_t/∂h_0‖₂, an
  equality of norms, a bound on ‖W‖₂ itself, a claim without a model;
- a false strengthening gets no token from the chain asked first, and the engine still refutes it, certified.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import symderiv.prove as prove
from symderiv import avram2025_rnn, elman_rnn, matrices, norm2, vectors
from symderiv.claims import Claim, collect
from symderiv.engine import ProveBudget, prove_then_search
from symderiv.kernel import lemmas as kernel_lemmas
from symderiv.kernel.accept import STEP, Proved, genuine
from symderiv.kernel.smt import TRUST_KERNEL_GOAL
from symderiv.prove.chains import prove_trajectory_first
from symderiv.results import Verdict
from symderiv.sizes import sweep

ROOT = Path(__file__).resolve().parents[1]

TRUE = ["trajectory.tanh.t1", "trajectory.tanh.t2", "trajectory.logistic.t1", "trajectory.logistic.t2"]
FALSE = ["trajectory.tanh.t2-gamma-99/100", "trajectory.tanh.t1-power-2", "trajectory.logistic.t1-gamma-1/5",
         "trajectory.logistic.t2-gamma-1/5"]


@pytest.fixture(scope="module")
def shipped():
    col = collect([ROOT / "proofs"])
    return {c.id: c for c in col.claims()}


def _t(cid: str) -> int:
    return 2 if ".t2" in cid else 1


def _size(claim, n: int, t: int) -> dict:
    return {"n": n, "t": t, **({"m": 1} if claim.activation == "logistic" else {})}


@pytest.fixture
def spied(monkeypatch):
    """Records, in order, every general-solver sentence (prove.decide_step) and every token accept_chain makes."""
    events: list = []
    real_decide, real_accept = prove.decide_step, kernel_lemmas.accept_chain

    def decide_step(domain, hyps, step, **kw):
        events.append(("solvers", step.label))
        return real_decide(domain, hyps, step, **kw)

    def accept_chain(claim, size, label, chain, values, **kw):
        token, why = real_accept(claim, size, label, chain, values, **kw)
        events.append(("chain", label, token))
        return token, why

    monkeypatch.setattr(prove, "decide_step", decide_step)
    monkeypatch.setattr(kernel_lemmas, "accept_chain", accept_chain)
    return events


def _proved_by_the_chain_alone(claim, size, events):
    out = prove_then_search(claim, size, seed=0, phases={}, budget=ProveBudget(claim))
    assert set(out) == {"claim"}, out
    status, detail, found = out["claim"]
    assert status == Verdict.HOLDS, detail
    assert found is None
    token = out.tokens["claim"]
    assert isinstance(token, Proved) and genuine(token) and token.holds and token.kind == STEP
    assert token.claim == claim.id and dict(token.size) == size and token.label == "claim"
    assert set(token.trusts) <= {TRUST_KERNEL_GOAL}   # nothing, where the kernel checked a certificate (psatz)
    # the very token the kernel's accept_chain made, and no solver sentence asked at this size, before or after
    chain_tokens = [e[2] for e in events if e[0] == "chain" and e[2] is not None]
    assert any(token is t for t in chain_tokens)
    assert [e for e in events if e[0] == "solvers"] == []
    assert out.methods["claim"] == token.how


@pytest.mark.parametrize("cid", TRUE)
@pytest.mark.parametrize("n", [1, 2])
def test_a_shipped_true_trajectory_bound_is_proved_by_its_chain_without_the_solvers(shipped, spied, cid, n):
    claim = shipped[cid]
    assert claim.proves_at(_size(claim, n, _t(cid)))
    _proved_by_the_chain_alone(claim, _size(claim, n, _t(cid)), spied)


def _tanh_swapped(m, W, h0):
    """(γ‖W‖)^t written γ^t‖W‖^t, sides swapped (≥)."""
    J = m.value(m.d(("h", m.t), ("h", 0)), W=W, h0=h0)
    return 1 ** m.t * norm2(W) ** m.t >= norm2(J)


def _logistic_swapped(model, W, U, b, h0, x1, x2):
    J = model.value(model.d(("h", model.t), ("h", 0)), W=W, U=U, b=b, h0=h0, x1=x1, x2=x2)
    return norm2(W) ** model.t / 4 ** model.t >= norm2(J)


def _tanh_inner(m, W, h0):
    """One step inside the trajectory: ‖∂h_2/∂h_1‖₂ ≤ ‖W‖₂ at t = 2 (a product of one step Jacobian, not S_1)."""
    J = m.value(m.d(("h", 2), ("h", 1)), W=W, h0=h0)
    return norm2(J) < norm2(W) + 1


def _elman_given(t):
    return dict(W=matrices(), U=matrices("n", "m"), b=vectors(), h0=vectors(),
                **{f"x{k}": vectors("m") for k in range(1, t + 1)})


def _sibling(check, cell, act, given, size):
    return Claim(id=f"x.{act}.{check.__name__}", kind="inequality", where="test", statement="test", check=check,
                 model=cell, activation=act, given=given, prove=(1, 2),
                 sizes=sweep(**{k: (v,) for k, v in size.items()}, fixed=tuple(k for k in size if k != "n")))


SIBLINGS = [
    (_tanh_swapped, avram2025_rnn, "tanh", dict(W=matrices(), h0=vectors()), {"n": 2, "t": 2}),
    (_tanh_inner, avram2025_rnn, "tanh", dict(W=matrices(), h0=vectors()), {"n": 2, "t": 2}),
    (_logistic_swapped, elman_rnn, "logistic", _elman_given(2), {"n": 2, "t": 2, "m": 1}),
]


@pytest.mark.parametrize("check,cell,act,given,size", SIBLINGS, ids=lambda x: getattr(x, "__name__", None))
def test_a_sibling_written_another_way_is_proved_by_its_chain_without_the_solvers(spied, check, cell, act, given,
                                                                                  size):
    _proved_by_the_chain_alone(_sibling(check, cell, act, given, size), size, spied)


# ----- what is not such a bound is not taken first ---------------------------------------------------------------


def _lower(m, W, h0):
    """A lower bound on ‖∂h_t/∂h_0‖₂ (‖J‖ on the larger side)."""
    J = m.value(m.d(("h", m.t), ("h", 0)), W=W, h0=h0)
    return norm2(J) >= 0 * norm2(W)


def _upper_on_w(m, W, h0):
    """An upper bound on ‖W‖₂ (a given matrix, not a product of step Jacobians)."""
    J = m.value(m.d(("h", m.t), ("h", 0)), W=W, h0=h0)
    return norm2(W) <= norm2(J) + norm2(W)


@pytest.mark.parametrize("check", [_lower, _upper_on_w], ids=lambda f: f.__name__)
def test_a_step_that_bounds_no_trajectory_norm_from_above_is_not_chained_first(check):
    size = {"n": 2, "t": 2}
    c = _sibling(check, avram2025_rnn, "tanh", dict(W=matrices(), h0=vectors()), size)
    assert prove_trajectory_first(c, size, "claim", budget=5.0) == (False, None)


#: shipped steps on the same model that are no such bound: a norm of a diagonal D_t (from above and below), a lower
#: bound on ‖J_t‖, an equality of norms
SHIPPED_NOT_FIRST = [("avram2025.tanh-derivative-range.corrected", "0 < ‖D_t‖"),
                     ("avram2025.tanh-derivative-range.corrected", "‖D_t‖ ≤ 1"),
                     ("avram2025.norm-bounds.lower", "claim"),
                     ("avram2025.norm-product-equality.norm-of-product", "claim")]


@pytest.mark.parametrize("cid,label", SHIPPED_NOT_FIRST)
def test_a_shipped_step_that_is_no_trajectory_bound_is_not_chained_first(shipped, cid, label):
    assert prove_trajectory_first(shipped[cid], {"n": 2, "t": 2}, label, budget=5.0) == (False, None)


def test_a_claim_without_a_model_is_not_chained_first(shipped):
    c = shipped["norm-facts.frobenius-spectral"]
    assert c.model is None
    assert prove_trajectory_first(c, {"n": 2}, "claim", budget=5.0) == (False, None)


# ----- false strengthenings: the chain asked first makes no token; still refuted, certified -----------------------


@pytest.mark.parametrize("cid", FALSE)
def test_the_chain_asked_first_makes_a_false_strengthening_no_token(shipped, cid):
    claim = shipped[cid]
    for n in (1, 2):
        asked, got = prove_trajectory_first(claim, _size(claim, n, _t(cid)), "claim", budget=5.0)
        assert asked and got is None, (cid, n)


@pytest.mark.parametrize("cid", FALSE)
def test_a_false_strengthening_still_fails_certified_at_its_first_size(shipped, cid):
    claim = shipped[cid]
    size = _size(claim, 1, _t(cid))
    out = prove_then_search(claim, size, seed=0, phases={}, budget=ProveBudget(claim))
    status, _, found = out["claim"]
    assert status == Verdict.FAILS and found is not None and found[1].ok
