"""Both solvers answer each sentence; once the answers so far decide what the caller does with the pair, the one
still working is stopped (issue 20, item 6: the audit's CPU). The kernel accepts only two unsat answers, so after
one solver's sat or unknown the other's answer changes nothing: before this, a lemma chain the kernel refused still
waited for cvc5 to run out its budget after z3's sat in 0.01 s (avram2025.norm-bounds.lower: 1.2 s and 5.3 s of
cvc5 for nothing). A model is z3's alone, and a step's proof needs both: where the other answer could still change
the outcome (z3's sat, then cvc5's unsat: the solvers disagree, no candidate), it is waited for.

The solver that answers first is played here by a stand-in answering at once; the other is the real solver on a
sentence neither decides within 20 s (tests/test_solver_budget.py's HARD), so waiting for it would take the budget.
"""
from __future__ import annotations

import time

import pytest

from symderiv.kernel import smt
from symderiv.prove import _a_sat, _z3_unknown, solvers
from tests.test_solver_budget import EASY, HARD

BUDGET = 20.0
#: far below the budget: the stopped solver's child is killed, not waited for
QUICK = 5.0


def _first_answers(monkeypatch, fast: str, status: str):
    """solvers.run with ``fast`` answering ``status`` at once and the other solver the real one."""
    real = solvers.run

    def run(solver, text, budget, cancel=None):
        if solver == fast:
            return solvers.Answer(solver, status, 0.0, {"x": "1/1"} if status == "sat" else {})
        return real(solver, text, budget, cancel)

    monkeypatch.setattr(solvers, "run", run)


def _other(fast: str) -> str:
    return next(s for s in solvers.SOLVERS if s != fast)


@pytest.mark.parametrize("fast", solvers.SOLVERS)
@pytest.mark.parametrize("status", ["sat", "unknown"])
def test_the_kernels_question_stops_the_other_solver_after_an_answer_that_is_not_unsat(monkeypatch, fast, status):
    _first_answers(monkeypatch, fast, status)
    t0 = time.perf_counter()
    answers = solvers._kernel_oracle(HARD, BUDGET)   # what kernel/smt.py asks through its registered oracle
    took = time.perf_counter() - t0
    other = _other(fast)
    assert answers[fast].status == status
    assert answers[other].status == "unknown" and answers[other].why == solvers.STOPPED
    assert took < QUICK, f"waited {took:.1f} s for {other}"
    # the kernel's reading is the one it had: not both unsat
    ok, said = smt.both_unsat(HARD, solvers._kernel_oracle, BUDGET)
    assert ok is False
    monkeypatch.undo()
    # the stopped solver's next sentence is answered (by a fresh child)
    assert solvers.run(other, EASY, 5.0).status == "unsat"


@pytest.mark.parametrize("fast", solvers.SOLVERS)
def test_after_an_unsat_the_other_solver_is_waited_for(monkeypatch, fast):
    """One unsat decides nothing: the kernel needs the other's, which it gets (here unsat: the pair is accepted)."""
    _first_answers(monkeypatch, fast, "unsat")
    ok, said = smt.both_unsat(EASY, solvers._kernel_oracle, BUDGET)
    assert ok is True, said


def test_a_step_sentence_waits_for_cvc5_after_z3s_sat():
    """decide_step's rule: after z3's sat, cvc5's unsat would make the pair a disagreement (no candidate), so
    cvc5 is not stopped; after z3's unknown there is neither a proof nor a candidate, so it is."""
    sat = solvers.Answer("z3", "sat", 0.0, {"x": "1/1"})
    unknown = solvers.Answer("z3", "unknown", 0.0)
    cvc5_sat = solvers.Answer("cvc5", "sat", 0.0)
    assert _z3_unknown({"z3": sat}) is False
    assert _z3_unknown({"cvc5": cvc5_sat}) is False   # z3's model may still come
    assert _z3_unknown({"z3": unknown}) is True
    # premises: either solver's sat shows a value; an unknown or an unsat leaves the other's answer needed
    assert _a_sat({"cvc5": cvc5_sat}) is True
    assert _a_sat({"z3": unknown}) is False
    assert _a_sat({"z3": solvers.Answer("z3", "unsat", 0.0)}) is False
    # the kernel's question: anything but unsat settles it
    assert solvers.not_both_unsat({"z3": unknown}) is True
    assert solvers.not_both_unsat({"cvc5": solvers.Answer("cvc5", "unsat", 0.0)}) is False


def test_a_step_sentence_with_z3s_sat_keeps_cvc5s_own_answer(monkeypatch):
    _first_answers(monkeypatch, "z3", "sat")
    answers = solvers.run_both(EASY, BUDGET, _z3_unknown)
    assert answers["z3"].status == "sat" and answers["cvc5"].status == "unsat"   # cvc5's real answer
