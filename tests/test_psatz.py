"""Issue 19 (psatz): the kernel accepts a Positivstellensatz certificate on its own sentence instead of trusting
"z3 and cvc5 both unsat on the kernel's own goal" (kernel/psatz.py; the finder is prove/psatz.py).

Each certificate form — a leaf (products of the sentence's facts, multipliers of its equalities, a strict term)
and a case split over one of the sentence's disjunctions — has a true sentence accepted and planted false
certificates rejected: a wrong multiplier, a sentence one ε off, no strict term, a fact claimed strict that is
not, an index naming no fact, a split that misses a case or names no disjunction. The structured sentence is
the text the solvers read, assert for assert. Claims moved off the solvers carry no trusted item (typed field).
"""
from __future__ import annotations

import re

import pytest
import sympy as sp

from symderiv.kernel import psatz, smt
from symderiv.kernel.psatz import Refutation, Split, refutes
from symderiv.prove.psatz import find

a, b, c, m, x = sp.symbols("a b c m x", real=True)
EPS = sp.Rational(1, 1000)

# ----- sentences (facts ∧ ¬goal), each true (no real point) with a sibling one ε off (a real point) ---------------

#: 0 ≤ b ≤ 1 ⇒ b² ≤ b (a product of two facts)
UNIT = [("ge", b), ("ge", 1 - b), ("gt", b ** 2 - b)]
UNIT_OFF = [("ge", b), ("ge", 1 - b), ("gt", b ** 2 - b + EPS)]          # b = 0
#: a, b ≥ 0 and b² = a² ⇒ b ≤ a (an equality's multiplier, a strict square)
ROOTS = [("ge", a), ("ge", b), ("eq", b ** 2 - a ** 2), ("gt", b - a)]
ROOTS_OFF = [("ge", a), ("ge", b), ("eq", b ** 2 - a ** 2 - EPS), ("gt", b - a)]   # a = 0, b = √ε
#: m = max(a, b), c = max(a, b) ⇒ m ≤ c: each maximum equals one of its arguments (a disjunction: a split)
MAXES = [("ge", m - a), ("ge", m - b), ("ge", c - a), ("ge", c - b), ("or", [("eq", m - a), ("eq", m - b)]),
         ("or", [("eq", c - a), ("eq", c - b)]), ("gt", m - c)]
MAXES_OFF = [("ge", m - a), ("ge", m - b), ("ge", c - a + EPS), ("ge", c - b),
             ("or", [("eq", m - a), ("eq", m - b)]), ("or", [("eq", c - a + EPS), ("eq", c - b)]), ("gt", m - c)]
#: x ≠ 0 ⇒ x² > 0 (a '≠' fact is a strict square)
NONZERO = [("ne", x), ("ge", -x ** 2)]
NONZERO_OFF = [("ge", x), ("ge", -x ** 2)]                                 # x = 0

TRUE = {"unit": UNIT, "roots": ROOTS, "maxes": MAXES, "nonzero": NONZERO}
OFF = {"unit": UNIT_OFF, "roots": ROOTS_OFF, "maxes": MAXES_OFF, "nonzero": NONZERO_OFF}


@pytest.mark.parametrize("name", sorted(TRUE))
def test_a_true_sentence_gets_a_certificate_the_kernel_accepts(name):
    cert = find(TRUE[name], 5.0)
    assert isinstance(cert, (Refutation, Split))
    ok, why = refutes(TRUE[name], cert)
    assert ok, why


@pytest.mark.parametrize("name", sorted(TRUE))
def test_a_sentence_one_eps_off_is_rejected_with_the_true_ones_certificate_and_gets_none(name):
    cert = find(TRUE[name], 5.0)
    assert refutes(OFF[name], cert)[0] is False
    assert find(OFF[name], 5.0) is None


def test_hand_written_leaf_and_its_planted_siblings():
    # b(1 − b) + (b² − b) = 0, the strict term (b² − b > 0) with weight 1
    good = Refutation(products=((1, 1, (0, 1)), (1, 1, (2,))))
    assert refutes(UNIT, good) == (True, "the polynomial identity holds over Q")
    wrong_weight = Refutation(products=((2, 1, (0, 1)), (1, 1, (2,))))
    assert refutes(UNIT, wrong_weight)[0] is False
    negative = Refutation(products=((-1, 1, (0, 1)), (-1, 1, (2,))))
    assert refutes(UNIT, negative)[0] is False
    no_strict = Refutation(products=((1, 1, (0, 1)),), multipliers=())   # identity fails too, and no strict term
    assert refutes(UNIT, no_strict)[0] is False
    empty = Refutation()   # 0 = 0 holds, but nothing is > 0
    ok, why = refutes(UNIT, empty)
    assert ok is False and "strictly positive" in why
    beyond = Refutation(products=((1, 1, (0, 7)), (1, 1, (2,))))
    assert refutes(UNIT, beyond)[0] is False
    assert refutes(UNIT, "unsat")[0] is False


def test_a_wrong_multiplier_is_rejected():
    cert = find(ROOTS, 5.0)
    assert isinstance(cert, Refutation) and cert.multipliers
    for delta in (1, b, -a, EPS):
        (mult, j), *rest = cert.multipliers
        planted = Refutation(products=cert.products, gram=cert.gram, multipliers=((mult + delta, j), *rest))
        assert refutes(ROOTS, planted)[0] is False


def test_a_fact_claimed_strict_that_is_not():
    # x ≥ 0 ∧ −x ≥ 0 has the point x = 0; x + (−x) = 0 is an identity but no term is strict
    s = [("ge", x), ("ge", -x)]
    assert refutes(s, Refutation(products=((1, 1, (0,)), (1, 1, (1,)))))[0] is False
    # a square is ≥ 0, not > 0: x² + (−x²) = 0 with s = x is no strict term
    s2 = [("ge", -x ** 2)]
    assert refutes(s2, Refutation(products=((1, x, ()), (1, 1, (0,)))))[0] is False
    assert find(s, 5.0) is None and find(s2, 5.0) is None


def test_opaque_facts_are_never_used():
    s = [("opaque",), ("gt", -b)]
    pos, strict, eqs, ors = psatz.context(s)
    assert pos == [-b] and strict == [True] and not eqs and not ors


def test_a_split_that_misses_a_case_or_names_no_disjunction():
    cert = find(MAXES, 5.0)
    assert isinstance(cert, Split) and len(cert.branches) == 2
    assert refutes(MAXES, cert)[0]
    assert refutes(MAXES, Split(cert.index, cert.branches[:1]))[0] is False              # a case missed
    assert refutes(MAXES, Split(cert.index, cert.branches[::-1]))[0] is False            # cases swapped
    assert refutes(MAXES, Split(7, cert.branches))[0] is False                           # no such disjunction
    no_or = [f for f in MAXES if f[0] != "or"]   # without the disjunctions the maxima are only upper bounds
    assert refutes(no_or, cert)[0] is False and find(no_or, 5.0) is None
    # a disjunction the sentence does not have cannot be split on: a branch's equality is the sentence's own
    other = [f if f[0] != "or" or f[1][0][1] != m - a else ("or", [("eq", m - a), ("eq", m - b - 1)])
             for f in MAXES]
    assert refutes(other, cert)[0] is False


def test_a_split_deeper_than_the_kernel_follows_is_rejected():
    deep = Refutation(products=((1, 1, (0, 1)), (1, 1, (2,))))
    s = UNIT + [("or", [("eq", x), ("eq", x - 1)])]
    cert = deep
    for _ in range(psatz.MAX_DEPTH + 2):
        cert = Split(0, (cert, cert))
    assert refutes(s, cert)[0] is False


def test_a_failing_or_lying_finder_proves_nothing():
    assert psatz.by_certificate(UNIT, 1.0, find=lambda f, t: None)[0] is False
    assert psatz.by_certificate(UNIT, 1.0, find=lambda f, t: 1 / 0)[0] is False
    lie = Refutation(products=((1, 1, (2,)),))
    assert psatz.by_certificate(UNIT, 1.0, find=lambda f, t: lie)[0] is False
    assert psatz.by_certificate(UNIT, 1.0, find=find) == (True, psatz.HOW_PSATZ)


# ----- the structured sentence is the text the solvers read ------------------------------------------------------


def _printed(w, fact) -> str:
    kind = fact[0]
    if kind == "or":
        return "(or " + " ".join(_printed(w, f) for f in fact[1]) + ")"
    if kind == "and":
        return "(and " + " ".join(_printed(w, f) for f in fact[1]) + ")"
    if kind == "ne":
        return f"(not (= {w.term(fact[1])} 0.0))"
    op = {"ge": ">=", "gt": ">", "eq": "="}[kind]
    return f"({op} {w.term(fact[1])} 0.0)"


def _same_sentence(w):
    assert len(w.facts) == len(w.asserts)
    used = 0
    for fact, text in zip(w.facts, w.asserts):
        if fact[0] == "opaque":
            continue
        assert text == f"(assert {_printed(w, fact)})"
        used += 1
    return used


CLAIMS = ["avram2025.w-bounds", "avram2025.spectral-psd.psd", "cs6180.orthogonal-properties.eigenvalue-modulus"]


@pytest.fixture(scope="module")
def shipped():
    from pathlib import Path

    from symderiv import claims as C

    col, _ = C.select([str(Path(__file__).resolve().parents[1] / "proofs")])
    return {cid: col.items[C.resolve_id(col, cid)] for cid in CLAIMS}


@pytest.mark.parametrize("cid", CLAIMS)
def test_every_structured_fact_is_the_assert_the_solvers_read(shipped, cid):
    from symderiv.kernel.goal import Statement

    claim = shipped[cid]
    sizes = claim.sizes.sizes() if claim.sizes is not None else [{}]
    size = sizes[min(1, len(sizes) - 1)] if sizes else {}
    stmt = Statement(claim, size)
    seen = 0
    for label in stmt.steps:
        try:
            negs = stmt.negations(label)
        except Exception:
            continue
        for neg in negs:
            w = smt.writer(stmt, *neg)
            assert w.text() == smt.sentence(stmt, *neg)
            seen += _same_sentence(w)
    assert seen > 0


def test_the_lemma_chains_sentence_is_structured_alike():
    from symderiv.kernel import lemmas

    src = open(lemmas.__file__).read()
    # every assert the chain's writer makes carries its structured fact (none is left opaque by omission)
    assert re.search(r"w\.assert_\(body, fact\)", src)


# ----- cuts: a definitional atom pinned (|p| = p where p ≥ 0 follows), then used ---------------------------------

t, u, v = sp.symbols("t u v", real=True)
#: u = |1 − t²| (u ≥ 0, u² = (1 − t²)²) with −1 ≤ t ≤ 1 ⇒ u ≤ 1 (tanh' ≤ 1, as the kernel states it)
ATOM = [("ge", t + 1), ("ge", 1 - t), ("ge", u), ("eq", u ** 2 - (1 - t ** 2) ** 2), ("gt", u - 1)]
#: one ε off: −1 ≤ t ≤ 1 and u ≤ 1 − ε fail at t = 0 … the atom u = |1 − t²| reaches 1
ATOM_OFF = [("ge", t + 1), ("ge", 1 - t), ("ge", u), ("eq", u ** 2 - (1 - t ** 2) ** 2), ("gt", u - 1 + EPS)]


def test_a_cut_pins_a_definitional_atom_and_the_kernel_checks_each_part():
    cut = psatz.Cut(("eq", u - (1 - t ** 2)), (), None)
    proofs = []
    for side in (u - (1 - t ** 2), (1 - t ** 2) - u):
        got = find(ATOM + [("gt", side)], 5.0)
        assert got is not None
        proofs.append(got)
    rest = find(ATOM + [("eq", u - (1 - t ** 2))], 5.0)
    assert rest is not None
    cut = psatz.Cut(("eq", u - (1 - t ** 2)), tuple(proofs), rest)
    assert refutes(ATOM, cut)[0]
    # planted: the cut's fact one ε off (u = 1 − t² + ε is false at every point), the same proofs
    off = psatz.Cut(("eq", u - (1 - t ** 2) - EPS), tuple(proofs), rest)
    assert refutes(ATOM, off)[0] is False
    # planted: only one side of an equality proved; a proof of the other side swapped in; a cut stating nothing
    assert refutes(ATOM, psatz.Cut(cut.fact, tuple(proofs[:1]), rest))[0] is False
    assert refutes(ATOM, psatz.Cut(cut.fact, (proofs[1], proofs[0]), rest))[0] is False
    assert refutes(ATOM, psatz.Cut(("eq", sp.Integer(0)), (), rest))[0] is False
    assert refutes(ATOM, psatz.Cut(("gt", u), (), rest))[0] is False
    # a cut of a true fact does not make a false sentence refutable: the rest is checked on the sentence itself
    assert refutes(ATOM_OFF, cut)[0] is False and find(ATOM_OFF, 5.0) is None


def test_the_finder_cuts_on_its_own():
    cert = find(ATOM, 5.0)
    assert refutes(ATOM, cert)[0]


def test_a_ge_cut():
    # 0 ≤ t ≤ 1 ⇒ t² ≤ t, as a cut, then t³ ≤ t from t·(t − t²) ≥ 0 … here: the cut alone, its rest trivial
    s = [("ge", t), ("ge", 1 - t), ("gt", t ** 2 - t)]
    proof = find([("ge", t), ("ge", 1 - t), ("gt", t ** 2 - t)], 5.0)
    rest = Refutation(products=((1, 1, (2,)), (1, 1, (3,))))   # (t² − t) + (t − t²) = 0, the first strict
    good = psatz.Cut(("ge", t - t ** 2), (proof,), rest)
    assert refutes(s, good)[0]
    bad = psatz.Cut(("ge", t - t ** 2 + EPS), (proof,), Refutation(products=((1, 1, (2,)), (1, 1, (3,)))))
    assert refutes(s, bad)[0] is False


# ----- shipped claims moved off the solvers: no trusted item at any size (typed field) ----------------------------

MOVED = ["avram2025.w-bounds", "pal2019.theorem2.corrected", "pal2019.proof3.eta-to-zero", "cs6180.eigen-table.oscillating",
         "pal2019.lemma3.corrected"]


@pytest.fixture(scope="module")
def collection():
    from pathlib import Path

    from symderiv import claims as C

    col, _ = C.select([str(Path(__file__).resolve().parents[1] / "proofs")])
    return col


@pytest.mark.parametrize("cid", MOVED)
def test_a_moved_claim_trusts_no_solver(collection, cid):
    from symderiv import claims as C
    from symderiv import engine
    from symderiv.results import Verdict

    res = engine.check_claim(collection.items[C.resolve_id(collection, cid)])
    assert res.verdict == Verdict.HOLDS
    assert smt.TRUST_KERNEL_GOAL not in res.trusted
    held = [o for o in res.sizes if o.status == Verdict.HOLDS and o.kernel is not None]
    assert held and all(smt.TRUST_KERNEL_GOAL not in o.kernel.trusts for o in held)


def test_without_a_finder_the_same_claim_trusts_the_solvers_again(collection, monkeypatch):
    """The sibling: the certificate is what removed the trusted item (not a change of path or of reading)."""
    from symderiv import claims as C
    from symderiv import engine
    from symderiv.results import Verdict

    monkeypatch.setattr(psatz, "_FINDER", None)
    res = engine.check_claim(collection.items[C.resolve_id(collection, "avram2025.w-bounds")])
    assert res.verdict == Verdict.HOLDS and smt.TRUST_KERNEL_GOAL in res.trusted
