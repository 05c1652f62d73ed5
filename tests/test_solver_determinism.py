"""A solver's answer depends on the sentence alone, not on the machine's load (issue 19, item 4).

Each sentence's budget reaches its solver as a resource limit (z3's ``rlimit``, cvc5's ``rlimit-per``: units the
solver counts itself, :func:`symderiv.prove.solvers.units_for`), so a loaded machine no longer turns an ``unsat``
into ``unknown``. The extreme of a loaded machine is a child that gets no CPU at all for longer than its budget:
here the children are stopped (SIGSTOP) for that long and resumed, on the prove phase's path (``run``/``run_both``)
and on the kernel's own goal check (``kernel.smt.both_unsat`` through the registered oracle). The same limits give
the same answers, with the same resource counts, run after run; a sentence over its limit is ``unknown`` the same
way every time; and a child killed by the far wall-clock safety net says so in a typed field.
"""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import sympy as sp

from symderiv.prove import solvers

x, y, z = sp.symbols("x y z", real=True)
#: Vasc's inequality (x²+y²+z²)² ≥ 3(x³y+y³z+z³x), negated: unsat; ~0.5 s of cvc5, ~10⁵ z3 units
VASC = solvers.smtlib([x, y, z], [(x**2 + y**2 + z**2)**2 < 3 * (x**3 * y + y**3 * z + z**3 * x)])
#: AM-GM for three, negated: unsat (another sentence, another shape: a sibling)
AMGM = solvers.smtlib([x, y, z], [x > 0, y > 0, z > 0, (x + y + z)**3 < 27 * x * y * z])
EASY = "(set-logic QF_NRA)\n(declare-fun x () Real)\n(assert (< (* x x) 0.0))\n"


def _warm():
    for s in solvers.SOLVERS:
        assert solvers.run(s, EASY, 5.0).status == "unsat"


def _stopped(seconds: float, fn):
    """``fn()`` while every solver child is stopped (no CPU at all) for ``seconds``, then resumed."""
    _warm()
    pids = [c.proc.pid for c in solvers._CHILDREN.values()]
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    out = {}
    th = threading.Thread(target=lambda: out.setdefault("r", fn()))
    try:
        th.start()
        time.sleep(seconds)
    finally:
        for p in pids:
            try:
                os.kill(p, signal.SIGCONT)
            except ProcessLookupError:   # killed by the safety net meanwhile
                pass
    th.join(120)
    return out["r"]


def test_every_budget_reaches_both_solvers_as_a_resource_limit():
    for s in solvers.SOLVERS:
        for budget in (0.5, 2.0, 5.0, 20.0):
            assert isinstance(solvers.units_for(s, budget), int) and solvers.units_for(s, budget) > 0
    assert solvers.SAFETY >= 10 and solvers.NET_FLOOR >= 5


@pytest.mark.parametrize("text", [VASC, AMGM], ids=["vasc", "amgm"])
@pytest.mark.parametrize("solver", solvers.SOLVERS)
def test_an_answer_survives_a_child_that_gets_no_cpu_for_longer_than_its_budget(solver, text):
    budget = 1.0
    ref = solvers.run(solver, text, budget)
    assert ref.status == "unsat", ref.why
    got = _stopped(budget + solvers.SLACK + 0.5, lambda: solvers.run(solver, text, budget))
    assert (got.status, got.units, got.cut) == (ref.status, ref.units, "")


def test_both_solvers_at_once_and_the_kernels_own_check_survive_a_stalled_machine():
    from symderiv.kernel import smt

    budget = 1.0
    got = _stopped(budget + solvers.SLACK + 0.5, lambda: solvers.run_both(VASC, budget))
    assert {s: a.status for s, a in got.items()} == {"z3": "unsat", "cvc5": "unsat"}
    ok, said = _stopped(budget + solvers.SLACK + 0.5, lambda: smt.both_unsat(VASC, smt.oracle(), budget))
    assert ok is True, said


@pytest.mark.parametrize("solver", solvers.SOLVERS)
def test_the_same_limits_give_the_same_answers_run_after_run(solver):
    runs = [solvers.run(solver, t, 2.0) for t in (VASC, AMGM) for _ in range(3)]
    for i in (0, 3):
        assert len({(a.status, a.units) for a in runs[i:i + 3]}) == 1, [(a.status, a.units) for a in runs[i:i + 3]]
        assert runs[i].units is not None


@pytest.mark.parametrize("solver", solvers.SOLVERS)
def test_a_sentence_over_its_resource_limit_is_unknown_the_same_way_every_time(solver):
    # VASC needs ~10⁵ z3 units and ~600 cvc5 units: a budget of 0.001 s is 250 and 20 units
    runs = [solvers.run(solver, VASC, 0.001) for _ in range(3)]
    assert [(a.status, a.cut) for a in runs] == [("unknown", "units")] * 3
    assert len({a.units for a in runs}) == 1
    # and stalling the machine (well short of the safety net) does not change it
    got = _stopped(0.2, lambda: solvers.run(solver, VASC, 0.001))
    assert (got.status, got.units, got.cut) == ("unknown", runs[0].units, "units")


@pytest.mark.parametrize("solver", solvers.SOLVERS)
def test_the_wall_clock_safety_net_is_reported_as_such(solver, monkeypatch):
    monkeypatch.setattr(solvers, "SAFETY", 0.01)   # a net at 0.01 s (+ the slack): a stalled child reaches it
    monkeypatch.setattr(solvers, "NET_FLOOR", 0.0)
    got = _stopped(1.5, lambda: solvers.run(solver, VASC, 1.0))
    assert (got.status, got.cut) == ("unknown", "wall")
    assert got.why == solvers.SAFETY_NET.format(wall=0.01, safety=0.01, budget=1.0)
    assert solvers.run(solver, EASY, 1.0).status == "unsat"   # a fresh child answers the next sentence


@pytest.mark.parametrize("solver", solvers.SOLVERS)
def test_the_cpu_cap_counts_the_childs_cpu_time_not_the_wall(solver, monkeypatch):
    # with no resource limit to reach (a huge rate), a sentence is cut by its child's CPU time: a stalled child
    # spends none, so it is not cut while stalled, and answers
    monkeypatch.setitem(solvers.RATE, solver, 10**12)
    monkeypatch.setattr(solvers, "CPU_CAP", 2.0)
    got = _stopped(1.5 + solvers.SLACK, lambda: solvers.run(solver, AMGM, 0.75))
    assert (got.status, got.cut) == ("unsat", "")


# ----- a loaded machine (rlimit2): the sentences that went undecided under load, with the CPU hogged ----------------

from pathlib import Path  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

SENTENCES = Path(__file__).with_name("solver_sentences")
#: (file, the budget its caller gives it): the two of tests/test_kernel_readings.py that the first rlimit left
#: undecided (‖A‖₂² ≥ a₀₀² + a₁₀², the kernel's own sentence: ~13 M z3 units and ~3.5 s of cvc5's CPU, almost no
#: cvc5 units; ‖A‖₂ ≥ |a₀₁|, the prover's: ~18 M z3 units), and the dearest sentence of each shipped claim that came
#: out undecided at a load of 10–12 with wall-clock budgets (cs6180's: ~5 s of cvc5's CPU at 20 s)
LOADED = {
    "kernel_readings_norm2_sq_ge_a00_a10.smt2": 20.0,
    "kernel_readings_norm2_ge_a01.smt2": 20.0,
    "cs6180_orthogonal_properties_eigenvalue_modulus.smt2": 20.0,
    "avram2025_norm_bounds_upper.smt2": 5.0,
    "avram2025_norm_product_equality_corrected.smt2": 5.0,
}
#: busy processes started against the solvers (the machine has 2 cores)
HOGS = 3


def _hogged(fn):
    """``fn()`` while :data:`HOGS` busy processes compete for the CPU (ended by their own ids afterwards)."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(HOGS)]
    try:
        time.sleep(0.2)
        return fn()
    finally:
        for h in hogs:
            h.kill()
        for h in hogs:
            h.wait()


@pytest.mark.parametrize("name", list(LOADED))
def test_a_sentence_gets_the_same_answers_and_counts_with_the_cpu_hogged(name):
    text, budget = (SENTENCES / name).read_text(), LOADED[name]
    quiet = solvers.run_both(text, budget)
    assert {s: (a.status, a.cut) for s, a in quiet.items()} == {s: ("unsat", "") for s in solvers.SOLVERS}, \
        {s: a.why for s, a in quiet.items()}
    loaded = _hogged(lambda: solvers.run_both(text, budget))
    assert {s: (a.status, a.cut) for s, a in loaded.items()} == {s: ("unsat", "") for s in solvers.SOLVERS}, \
        {s: a.why for s, a in loaded.items()}
    # the work is counted by the solvers themselves, and a loaded machine changes the seconds only: cvc5's count is
    # the same; z3's count on a sentence of millions of units varies from run to run, load or not, even within one
    # process (20 M, 21 M and 31 M on ‖A‖₂ ≥ |a₀₁|'s: nlsat's order depends on its memory), so what keeps that off
    # the answer is the limit's margin: both counts within a third of the limit
    assert loaded["cvc5"].units == quiet["cvc5"].units
    for a in (quiet["z3"], loaded["z3"]):
        assert 3 * a.units <= solvers.units_for("z3", budget), a.units


@pytest.mark.parametrize("name", list(LOADED))
def test_every_limit_has_three_times_the_margin_over_a_sentence_the_solvers_decide(name):
    text, budget = (SENTENCES / name).read_text(), LOADED[name]
    for s in solvers.SOLVERS:
        a = solvers.run(s, text, budget)
        assert (a.status, a.cut) == ("unsat", ""), a.why
        assert a.units is not None and 3 * a.units <= solvers.units_for(s, budget), (s, a.units)


def test_the_cpu_safety_net_is_far_from_the_old_wall_budget():
    assert solvers.CPU_CAP >= 3.0
    # the wall net behind it is farther still: a loaded machine reaches the CPU net before the wall one
    assert solvers.SAFETY >= 10 * solvers.CPU_CAP


@pytest.mark.parametrize("solver", solvers.SOLVERS)
def test_over_its_limit_a_sentence_is_unknown_the_same_way_with_the_cpu_hogged(solver):
    quiet = solvers.run(solver, VASC, 0.001)
    loaded = _hogged(lambda: solvers.run(solver, VASC, 0.001))
    assert (quiet.status, quiet.cut) == (loaded.status, loaded.cut) == ("unknown", "units")
    assert quiet.units == loaded.units


@pytest.mark.parametrize("solver", solvers.SOLVERS)
def test_a_hit_of_the_cpu_safety_net_is_an_unknown_that_names_it(solver, monkeypatch):
    # no resource limit within reach (a huge rate) and a tiny budget: the CPU net ends the sentence, and says so
    monkeypatch.setitem(solvers.RATE, solver, 10**12)
    from test_solver_budget import HARD

    got = solvers.run(solver, HARD, 0.05)
    assert (got.status, got.cut) == ("unknown", "cpu")
    assert got.why == solvers.CPU_CUT.format(cpu=0.05 * solvers.CPU_CAP, cap=solvers.CPU_CAP)
    assert solvers.work_of(got, 0.05) == 0.05   # it costs the claim's totals its whole budget


def test_a_pairs_work_is_counted_in_units_not_seconds():
    # the prove phase's per-claim totals count work (budget-seconds from the solvers' own counts): the same pair
    # costs the same with the CPU hogged, and a sentence run out of units costs its whole budget
    text = (SENTENCES / "avram2025_norm_bounds_upper.smt2").read_text()
    w0 = solvers.spent()
    solvers.run_both(text, 5.0)
    quiet = solvers.spent() - w0
    w0 = solvers.spent()
    _hogged(lambda: solvers.run_both(text, 5.0))
    loaded = solvers.spent() - w0
    assert quiet == loaded and 0 < quiet < 5.0
    w0 = solvers.spent()
    solvers.run_both(VASC, 0.001)
    assert solvers.spent() - w0 == pytest.approx(0.001)
