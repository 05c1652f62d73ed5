"""A step's sentence asks z3 first and cvc5 only when z3's answer leaves cvc5's able to matter (issue 20, item 6:
the audit's CPU, branch cpu7).

decide_step acts on a pair of answers in two ways only: both unsat is a proof, and z3's sat (a model is z3's) is a
candidate unless cvc5 says unsat. So once z3 answers neither sat nor unsat, cvc5's answer cannot change anything
(``_z3_unknown``). Asked at once, cvc5 still worked beside z3 for as long as z3 did: the audit's two step sentences
that z3 does not decide (avram2025.norm-bounds.lower at n = 2, t = 1: z3 cut by its CPU net after 6 s, cvc5 as
well; avram2025.polar-reduction.norm: z3 run out of its 10 M units) cost cvc5's CPU for nothing. The predicate
names its deciding solver (``first``) and run_both then asks in turn. Tested here: every kind of z3 unknown leaves
cvc5 unasked; z3's sat and unsat still ask it (its answer matters there); a predicate that reads the other
solver's answer is never marked; the answers are the same run after run; and a shipped claim the cut touches gets
the same verdict, scope, trusted and sizes as with the pair asked at once.
"""
from __future__ import annotations

import pytest
import sympy as sp

from symderiv import prove
from symderiv.prove import _a_sat, _z3_unknown, solvers

x, y = sp.symbols("x y", real=True)
EASY = "(set-logic QF_NRA)\n(declare-fun x () Real)\n(assert (< (* x x) 0.0))\n"        # unsat at once
SAT = "(set-logic QF_NRA)\n(declare-fun x () Real)\n(assert (> (* x x) 4.0))\n"         # sat at once
#: Vasc's inequality negated: unsat, but ~10⁵ z3 units: at a budget of 0.001 s (5 000 units) z3 runs out of them
VASC = solvers.smtlib([x, y, sp.Symbol("z", real=True)],
                      [(x**2 + y**2 + sp.Symbol("z", real=True)**2)**2
                       < 3 * (x**3 * y + y**3 * sp.Symbol("z", real=True) + sp.Symbol("z", real=True)**3 * x)])


def _spy(monkeypatch, fake: dict | None = None):
    """solvers.run recorded (solver per call); ``fake``: {solver: Answer} answered instead of running it."""
    asked = []
    real = solvers.run

    def run(solver, text, budget, cancel=None):
        asked.append(solver)
        if fake and solver in fake:
            return fake[solver]
        return real(solver, text, budget, cancel)

    monkeypatch.setattr(solvers, "run", run)
    return asked


Z3_UNKNOWNS = {
    "units": solvers.Answer("z3", "unknown", 2.0, why="out of units", units=10_000_001, cut="units"),
    "cpu": solvers.Answer("z3", "unknown", 6.0, why=solvers.CPU_CUT, cut="cpu"),
    "wall": solvers.Answer("z3", "unknown", 80.0, why=solvers.SAFETY_NET, cut="wall"),
    "own": solvers.Answer("z3", "unknown", 0.01, why="incomplete", units=300),   # z3's own unknown
    "error": solvers.Answer("z3", "unknown", 0.0, why="no answer (the z3 child did not start)"),
}


@pytest.mark.parametrize("kind", list(Z3_UNKNOWNS))
def test_every_kind_of_z3_unknown_leaves_cvc5_unasked(monkeypatch, kind):
    asked = _spy(monkeypatch, {"z3": Z3_UNKNOWNS[kind]})
    w0 = solvers.spent()
    got = solvers.run_both(EASY, 2.0, _z3_unknown)
    assert asked == ["z3"]
    assert (got["cvc5"].status, got["cvc5"].why, got["cvc5"].units) == ("unknown", solvers.NOT_ASKED, None)
    assert got["z3"] is Z3_UNKNOWNS[kind]
    # charged as before: z3's own cost (the unasked cvc5 costs nothing, as a stopped one did)
    assert solvers.spent() - w0 == pytest.approx(solvers.work_of(Z3_UNKNOWNS[kind], 2.0))
    assert solvers.work_of(got["cvc5"], 2.0) == 0.0


def test_z3_run_out_of_its_units_for_real_leaves_cvc5_unasked(monkeypatch):
    asked = _spy(monkeypatch)
    got = solvers.run_both(VASC, 0.001, _z3_unknown)
    assert (got["z3"].status, got["z3"].cut) == ("unknown", "units")
    assert asked == ["z3"] and got["cvc5"].why == solvers.NOT_ASKED


@pytest.mark.parametrize("text, z3_status", [(EASY, "unsat"), (SAT, "sat")], ids=["unsat", "sat"])
def test_after_z3s_sat_or_unsat_cvc5_is_asked_and_its_own_answer_kept(monkeypatch, text, z3_status):
    asked = _spy(monkeypatch)
    got = solvers.run_both(text, 5.0, _z3_unknown)
    assert asked == ["z3", "cvc5"]
    assert got["z3"].status == got["cvc5"].status == z3_status
    assert got["cvc5"].why != solvers.NOT_ASKED and got["cvc5"].units is not None


def test_a_disagreement_after_z3s_sat_is_still_seen(monkeypatch):
    """z3's sat then cvc5's unsat: no candidate (the solvers disagree), as with the pair at once."""
    model = {"x": "3/1"}
    _spy(monkeypatch, {"z3": solvers.Answer("z3", "sat", 0.0, model),
                       "cvc5": solvers.Answer("cvc5", "unsat", 0.0, units=10)})
    got = solvers.run_both(SAT, 5.0, _z3_unknown)
    assert (got["z3"].status, got["cvc5"].status) == ("sat", "unsat")


def _statuses():
    return [solvers.Answer(s, st, 0.0, why=w) for s in solvers.SOLVERS for st in ("sat", "unsat", "unknown")
            for w in ("", solvers.STOPPED)]


def _marked():
    """Every ``decided`` predicate of the prove phase and the solvers' module, marked or not."""
    import symderiv.prove as p

    out = {}
    for mod in (p, solvers):
        for name, f in vars(mod).items():
            if callable(f) and (getattr(f, "first", None) is not None or f in (_a_sat, solvers.not_both_unsat)):
                out[f"{mod.__name__}.{name}"] = f
    return out


def test_a_marked_predicate_is_made_true_by_its_first_solvers_answer_only():
    marked = {k: f for k, f in _marked().items() if getattr(f, "first", None)}
    assert "symderiv.prove._z3_unknown" in marked
    for name, f in marked.items():
        other = next(s for s in solvers.SOLVERS if s != f.first)
        for a in _statuses():
            if a.solver == other:   # the other's answer alone never decides: asking it first could not stop
                assert f({other: a}) is False, (name, a.status)


@pytest.mark.parametrize("predicate", [_a_sat, solvers.not_both_unsat], ids=["premises", "kernel"])
def test_a_predicate_that_either_answer_decides_is_not_asked_in_turn(predicate):
    # premises (either solver's sat) and the kernel's question (either's non-unsat): the pair stays at once
    assert getattr(predicate, "first", None) is None
    assert any(predicate({s: a}) for s in solvers.SOLVERS for a in _statuses() if a.solver == s and s == "cvc5")


def test_deciding_first_refuses_a_solver_it_does_not_know():
    with pytest.raises(ValueError):
        solvers.deciding_first("yices")


def test_in_turn_the_same_sentences_get_the_same_answers_run_after_run():
    runs = [{s: (a.status, a.units, a.why) for s, a in solvers.run_both(t, b, _z3_unknown).items()}
            for t, b in ((EASY, 2.0), (SAT, 2.0), (VASC, 0.001), (VASC, 2.0)) for _ in range(2)]
    assert runs[0::2] == runs[1::2]
    assert runs[4]["cvc5"][2] == solvers.NOT_ASKED and runs[6]["cvc5"][0] == "unsat"


# ----- a shipped claim the cut touches: the same outcome as with the pair asked at once ---------------------------

FIELDS = ("verdict", "scope", "trusted", "every_n", "every_t", "proved_at", "searched_at", "as_expected")


def _outcome(cid):
    from pathlib import Path

    from symderiv.claims import collect
    from symderiv.engine import check_claim

    col = collect([Path(__file__).resolve().parent.parent / "proofs"])
    r = check_claim(col.items[cid])
    d = r.to_json() | {"trusted": r.trusted, "as_expected": r.as_expected}
    return {f: d.get(f) for f in FIELDS} | {"sizes": [(s["size"], s["status"]) for s in d.get("sizes") or []]}


#: the shipped claims with a step sentence z3 does not decide, one per way z3 ends: out of its units (10 M at the
#: default 2 s; the step is then proved by a lemma chain), and cut by its CPU net (norm-bounds.lower at n = 2, t = 1:
#: the claim then fails at n = 2, t = 2 by a certified counterexample)
TOUCHED = ["avram2025.polar-reduction.norm", "avram2025.norm-bounds.lower"]


@pytest.mark.parametrize("cid", TOUCHED)
def test_a_shipped_claim_with_an_unknown_z3_keeps_its_outcome(monkeypatch, cid):
    asked = []
    real = solvers.run

    def run(solver, text, budget, cancel=None):
        a = real(solver, text, budget, cancel)
        asked.append((solver, a.status, a.why))
        return a

    monkeypatch.setattr(solvers, "run", run)
    in_turn = _outcome(cid)
    n = {s: sum(1 for a in asked if a[0] == s) for s in solvers.SOLVERS}
    assert n["cvc5"] < n["z3"], asked   # a step sentence z3 did not decide: cvc5 was not asked it
    assert in_turn["as_expected"], in_turn
    asked.clear()
    monkeypatch.setattr(_z3_unknown, "first", None)   # the pair at once, as before the cut
    assert _outcome(cid) == in_turn
    assert sum(1 for a in asked if a[0] == "cvc5") == n["z3"]   # ... where cvc5 was asked (and stopped) every time
