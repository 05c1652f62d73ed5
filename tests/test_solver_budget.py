"""A solver's budget, and what it costs (issue 20, item 6: the audit's cold time; issue 19, item 4: never the load).

Each solver runs in a warm child process. Its budget reaches it as a resource limit (units it counts itself, the
same on every machine: tests/test_solver_determinism.py); a solver step that counts no resources while it runs
(cvc5's coverings on HARD below) is cut by the child's own CPU time (:data:`symderiv.prove.solvers.CPU_CAP` × the
budget + :data:`~symderiv.prove.solvers.SLACK`), which a loaded machine does not stretch; the wall clock only
backs both as a far safety net. A new child's
start (the interpreter and the solver's import) is not counted in a sentence's budget. These hold for both
solvers, on a sentence neither decides quickly and on one either decides at once.
"""
from __future__ import annotations

import time

import pytest

from symderiv.prove import solvers

# the kernel's own sentence for one half of avram2025.spectral-psd.psd's ‖W‖ = ‖V‖ at n = 2 (‖·‖₂ read through the
# characteristic polynomial of the Gram matrix): z3 and cvc5 are both unknown on it after 20 s
HARD = """(set-logic QF_NRA)
(declare-fun k0 () Real)
(declare-fun k1 () Real)
(declare-fun k2 () Real)
(declare-fun k3 () Real)
(declare-fun k4 () Real)
(declare-fun k5 () Real)
(declare-fun k6 () Real)
(declare-fun k7 () Real)
(declare-fun k8 () Real)
(declare-fun k9 () Real)
(assert (>= k0 0.0))
(assert (>= k1 0.0))
(assert (>= k2 0.0))
(assert (>= (+ (* 2.0 (* k2 k2)) (* (- 1.0) (* k3 k3 k3 k3) (* k0 k0)) (* (- 1.0) (* k4 k4 k4 k4) (* k1 k1)) \
(* (- 1.0) (* k5 k5 k5 k5) (* k0 k0)) (* (- 1.0) (* k6 k6 k6 k6) (* k1 k1)) (* (- 2.0) (* k3 k3) (* k5 k5) (* k0 k0)) \
(* (- 2.0) (* k4 k4) (* k6 k6) (* k1 k1)) (* (- 2.0) (* k3 k3) (* k4 k4) k0 k1) (* (- 2.0) (* k5 k5) (* k6 k6) k0 k1) \
(* (- 4.0) k3 k4 k5 k6 k0 k1)) 0.0))
(assert (>= k7 0.0))
(assert (>= k8 0.0))
(assert (>= (+ (* (- 1.0) k7) k9) 0.0))
(assert (>= (+ (* (- 1.0) k8) k9) 0.0))
(assert (= (+ (- 1.0) (* k3 k3) (* k5 k5)) 0.0))
(assert (= (+ (* k3 k4) (* k5 k6)) 0.0))
(assert (= (+ (- 1.0) (* k4 k4) (* k6 k6)) 0.0))
(assert (= (+ (- 1.0) (* k3 k3) (* k4 k4)) 0.0))
(assert (= (+ (* k3 k5) (* k4 k6)) 0.0))
(assert (= (+ (- 1.0) (* k5 k5) (* k6 k6)) 0.0))
(assert (= (+ (* k2 k2 k2 k2) (* (- 1.0) (* k3 k3 k3 k3) (* k2 k2) (* k0 k0)) (* (- 1.0) (* k4 k4 k4 k4) (* k2 k2) \
(* k1 k1)) (* (- 1.0) (* k5 k5 k5 k5) (* k2 k2) (* k0 k0)) (* (- 1.0) (* k6 k6 k6 k6) (* k2 k2) (* k1 k1)) \
(* (* k3 k3 k3 k3) (* k6 k6 k6 k6) (* k0 k0) (* k1 k1)) (* (* k4 k4 k4 k4) (* k5 k5 k5 k5) (* k0 k0) (* k1 k1)) \
(* (- 2.0) (* k3 k3) (* k5 k5) (* k2 k2) (* k0 k0)) (* (- 2.0) (* k4 k4) (* k6 k6) (* k2 k2) (* k1 k1)) \
(* (- 2.0) (* k3 k3) (* k4 k4) (* k2 k2) k0 k1) (* (- 2.0) (* k5 k5) (* k6 k6) (* k2 k2) k0 k1) \
(* (- 4.0) (* k3 k3 k3) (* k6 k6 k6) (* k0 k0) (* k1 k1) k4 k5) (* (- 4.0) (* k4 k4 k4) (* k5 k5 k5) (* k0 k0) (* k1 k1) \
k3 k6) (* 6.0 (* k3 k3) (* k4 k4) (* k5 k5) (* k6 k6) (* k0 k0) (* k1 k1)) (* (- 4.0) (* k2 k2) k3 k4 k5 k6 k0 k1)) 0.0))
(assert (= (+ (* k7 k7) (* (- 1.0) (* k0 k0))) 0.0))
(assert (= (+ (* k8 k8) (* (- 1.0) (* k1 k1))) 0.0))
(assert (or (= (+ (* (- 1.0) k7) k9) 0.0) (= (+ (* (- 1.0) k8) k9) 0.0)))
(assert (> (+ (* (- 1.0) k9) k2) 0.0))
"""
EASY = "(set-logic QF_NRA)\n(declare-fun x () Real)\n(assert (< (* x x) 0.0))\n"


@pytest.mark.parametrize("solver", solvers.SOLVERS)
def test_a_solver_that_does_not_decide_is_stopped_by_its_resource_limit_or_its_cpu_time(solver):
    solvers.run(solver, EASY, 5.0)   # the child is warm: what follows is the sentence's time alone
    budget = 0.5
    t0 = time.perf_counter()
    a = solvers.run(solver, HARD, budget)
    took = time.perf_counter() - t0
    assert (a.status, a.cut in ("units", "cpu")) == ("unknown", True), (a.cut, a.why)
    # the wall time is the CPU time stretched by the machine's load: bounded by the safety net, never reaching it
    assert took < max(budget * solvers.SAFETY, solvers.NET_FLOOR), f"{solver} took {took:.2f} s"
    # the next sentence is answered (by a fresh child where this one was killed)
    assert solvers.run(solver, EASY, 5.0).status == "unsat"


def test_the_slack_is_small_beside_the_default_budget():
    from symderiv import prove

    assert 0 < solvers.SLACK <= prove.DEFAULT_BUDGET / 4


@pytest.mark.parametrize("solver", solvers.SOLVERS)
def test_a_new_childs_start_is_not_counted_in_the_budget(solver):
    solvers._CHILDREN[solver].close()   # the next sentence starts a fresh child (interpreter, solver import)
    a = solvers.run(solver, EASY, 0.01)
    assert a.status == "unsat", a.why
