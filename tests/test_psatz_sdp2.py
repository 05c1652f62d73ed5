"""Issue 19 (sdp2): the finder's second stage — upper-bound cuts of the maxima, a rich leaf — for the sentences the
first stage leaves to "z3 and cvc5 both unsat" (prove/psatz.py :func:`_second_stage`; the kernel is unchanged:
kernel/psatz.py checks every certificate, a tree of its leaves, splits and cuts, on its own sentence).

1. A bound cut c − v ≥ 0 of a maximum v, proved by a split over v's own disjunction: accepted on a true sentence;
   rejected with the bound one ε low, with a case missed, on a sentence whose argument is one ε looser, and on a
   sentence without the disjunction.
2. The rich leaf (two sign variables times a fact, a vertex of the LP where the interior point does not round, the
   degree-raising definitions kept): a chain y ≤ x·z, z ≤ p·w with p = s(1 − s) ≤ 1/4 is refuted; a sibling one ε
   off gets nothing and the true certificate is rejected on it; a planted multiplier of the definition or the
   definition shifted (a substitution the equalities do not imply) is rejected.
3. The kernel's own sentence of trajectory.logistic.t2 (the chain ‖h₂‖ ≤ ‖x‖²/16, σ(1 − σ) ≤ 1/4 twice): refuted by
   the second stage, not by the first; its sibling one ε off is not.
4. Determinism: the second stage decides by its own work budget (WORK2), the same certificate under a clock 20×
   fast or stalled; the first stage's certificates are unchanged (the second runs only where it found nothing).
5. The shipped claims it moves carry no trusted item at the moved sizes (typed field; slow).
"""
from __future__ import annotations

import time

import pytest
import sympy as sp

from symderiv.kernel import psatz
from symderiv.kernel.psatz import Cut, Refutation, Split, refutes
from symderiv.prove import psatz as finder

EPS = sp.Rational(1, 1000)
a, b, m, x, y, z, w, p, s = sp.symbols("a b m x y z w p s", real=True)

# ----- 1. a bound cut of a maximum --------------------------------------------------------------------------------

#: m = max(a, b) with 0 ≤ a, b ≤ 1/2 and y ≤ m·x, x ≥ 0 ⇒ y ≤ x/2
MAXB = [("ge", a), ("ge", b), ("ge", 1 - 2 * a), ("ge", 1 - 2 * b), ("ge", x), ("ge", m - a), ("ge", m - b),
        ("or", [("eq", m - a), ("eq", m - b)]), ("ge", m * x - y), ("gt", 2 * y - x)]
#: b ≤ 1/2 + ε: m reaches 1/2 + ε
MAXB_LOOSE = MAXB[:3] + [("ge", 1 + 2 * EPS - 2 * b)] + MAXB[4:]


def _bound(facts):
    _, _, _, ors = psatz.context(facts)
    v = finder._definitional_or(ors[0])
    assert v == m
    return finder._bound_cut(facts, 0, ors[0], v, finder._Budget(finder.WORK2, time.monotonic() + 300))


def test_a_bound_cut_of_a_maximum_is_proved_by_a_split_over_its_own_disjunction():
    fact, proof = _bound(MAXB)
    assert fact[0] == "ge" and sp.expand(fact[1] - (sp.Rational(1, 2) - m)) == 0 and isinstance(proof, Split) and len(proof.branches) == 2
    rest = finder._leaf(MAXB + [fact], finder._Budget(10 ** 6, time.monotonic() + 300), 4, wide=True, rich=True)
    cut = Cut(fact, (proof,), rest)
    assert refutes(MAXB, cut)[0]
    # planted: the bound one ε low (m ≤ 1/2 − ε is false at a = 1/2), the same proofs
    low = ("ge", sp.Rational(1, 2) - EPS - m)
    assert refutes(MAXB, Cut(low, (proof,), rest))[0] is False
    # a case missed; the cases swapped; a split over no disjunction
    assert refutes(MAXB, Cut(fact, (Split(0, proof.branches[:1]),), rest))[0] is False
    assert refutes(MAXB, Cut(fact, (Split(0, proof.branches[::-1]),), rest))[0] is False
    assert refutes(MAXB, Cut(fact, (Split(3, proof.branches),), rest))[0] is False
    # the same certificate on a sentence whose argument b is one ε looser, or without the disjunction
    assert refutes(MAXB_LOOSE, cut)[0] is False
    no_or = [f for f in MAXB if f[0] != "or"]
    assert refutes(no_or, cut)[0] is False
    # the finder bounds the looser maximum by its true bound, not by 1/2
    fact_loose, _ = _bound(MAXB_LOOSE)
    assert sp.expand(fact_loose[1] - (sp.Rational(1, 2) + EPS - m)) == 0


def test_which_disjunctions_define_a_variable():
    assert finder._definitional_or([("eq", m - a), ("eq", m - b)]) == m
    assert finder._definitional_or([("eq", a - m), ("eq", b - m)]) == m              # either sign
    assert finder._definitional_or([("eq", m ** 2 - a), ("eq", m ** 2 - b)]) is None   # ρ² = |λᵢ|²: not linear
    assert finder._definitional_or([("eq", m - a), ("ge", m - b)]) is None            # not every case an equality
    assert finder._definitional_or([("eq", m - a), ("eq", x - b)]) is None            # no common variable


# ----- 2. the rich leaf: a chain of products, a definition of degree 2 kept ---------------------------------------

#: y ≤ x·z, z ≤ p·w, p = s(1 − s) (a definition of degree 2: p ≥ 0, p − s + s² = 0), 0 ≤ w ≤ x ⇒ y ≤ x²/4:
#: x²/4 − y = (xz − y) + x·(pw − z) + x·p·(x − w) + x²·(1/4 − p), and 1/4 − p = (2s − 1)²/4 modulo the definition
CHAIN = [("ge", x), ("ge", y), ("ge", z), ("ge", w), ("ge", p), ("ge", s), ("ge", 1 - s), ("ge", x - w),
         ("ge", 4 * s ** 2 - 4 * s + 1), ("eq", p - s + s ** 2), ("ge", x * z - y), ("ge", p * w - z),
         ("gt", 4 * y - x ** 2)]
#: one ε off: y ≤ (1 − ε)·x²/4 fails at s = 1/2, w = x = 1, z = 1/4, y = 1/4
CHAIN_OFF = CHAIN[:-1] + [("gt", 4 * y - (1 - EPS) * x ** 2)]


def test_the_rich_leaf_refutes_a_chain_and_not_its_sibling_one_eps_off():
    cert = finder.find(CHAIN)
    assert cert is not None and refutes(CHAIN, cert)[0]
    assert refutes(CHAIN_OFF, cert)[0] is False
    assert finder.find(CHAIN_OFF) is None


def _leaves(cert):
    if isinstance(cert, Refutation):
        yield cert
    elif isinstance(cert, Split):
        for b_ in cert.branches:
            yield from _leaves(b_)
    elif isinstance(cert, Cut):
        for pr in cert.proofs:
            yield from _leaves(pr)
        yield from _leaves(cert.rest)


def test_a_planted_definition_or_multiplier_is_rejected():
    cert = finder.find(CHAIN)
    # the definition shifted (p = s(1 − s) + ε is not what the sentence says)
    k = 9   # ("eq", p − s + s²)
    shifted = CHAIN[:k] + [("eq", p - s + s ** 2 - EPS)] + CHAIN[k + 1:]
    assert refutes(shifted, cert)[0] is False
    # a multiplier of the definition changed, in the leaf that uses it
    leaf = next(lf for lf in _leaves(cert) if lf.multipliers)
    for delta in (1, s, -x ** 2, EPS):
        (mult, j), *more = leaf.multipliers
        planted = Refutation(products=leaf.products, gram=leaf.gram, multipliers=((mult + delta, j), *more))
        tree = planted if cert is leaf else None
        if tree is None:
            pytest.skip("the multiplier is in a nested leaf")   # pragma: no cover
        assert refutes(CHAIN, tree)[0] is False


# ----- 3. the kernel's own sentence of trajectory.logistic.t2 (n = 1, t = 2) -------------------------------------

S0, S1 = sp.symbols("_logistic0 _logistic1", real=True)
A2, A3, A4, A5, M6, A7, A8, M9 = sp.symbols("_abs2 _abs3 _abs4 _abs5 _max6 _abs7 _abs8 _max9", real=True)
LOGISTIC = [("ge", S0), ("ge", 1 - S0), ("ge", S1), ("ge", 1 - S1), ("ge", A2), ("ge", A3), ("ge", A4), ("ge", A5),
            ("ge", M6 - A4), ("ge", M6), ("ge", A7), ("ge", A8), ("ge", M9 - A7), ("ge", M9),
            ("eq", A4 ** 2 - S0 ** 2 * (1 - S0) ** 2), ("eq", A7 ** 2 - S1 ** 2 * (1 - S1) ** 2),
            ("ne", S0), ("ne", 1 - S0), ("ne", S1), ("ne", 1 - S1),
            ("or", [("eq", M6 - A4)]), ("or", [("eq", M9 - A7)]), ("ge", A3 * A4 - A5), ("eq", A4 - M6),
            ("and", [("ge", S0 * (1 - S0)), ("ge", 4 * S0 ** 2 - 4 * S0 + 1)]), ("ge", A3 * A7 - A8),
            ("eq", A7 - M9), ("and", [("ge", S1 * (1 - S1)), ("ge", 4 * S1 ** 2 - 4 * S1 + 1)]),
            ("ge", A5 * A8 - A2), ("gt", 256 * A2 - 16 * A3 ** 2), ("ne", sp.Integer(16))]
#: ‖h₂‖ ≤ (1 − ε)‖x‖²/16 is false (σ = 1/2 reaches σ(1 − σ) = 1/4)
LOGISTIC_OFF = LOGISTIC[:-2] + [("gt", 256 * A2 - 16 * (1 - EPS) * A3 ** 2)] + LOGISTIC[-1:]


def test_the_logistic_chain_is_refuted_by_the_second_stage_only(monkeypatch):
    cert = finder.find(LOGISTIC)
    assert cert is not None and refutes(LOGISTIC, cert)[0]
    assert refutes(LOGISTIC_OFF, cert)[0] is False
    assert finder.find(LOGISTIC_OFF) is None
    monkeypatch.setattr(finder, "_second_stage", lambda facts, deadline: None)
    assert finder.find(LOGISTIC) is None   # the first stage alone (main's finder) finds nothing


# ----- 4. determinism; the first stage unchanged -------------------------------------------------------------------


def _fast(monkeypatch, k=20.0):
    for name in ("monotonic", "perf_counter", "time", "process_time"):
        real = getattr(time, name)
        start = real()
        monkeypatch.setattr(time, name, lambda real=real, start=start: start + (real() - start) * k)


def test_the_second_stage_decides_by_work_not_the_clock(monkeypatch):
    calm = finder.find(CHAIN)
    work = finder.last_work()
    assert calm is not None and work > 0
    _fast(monkeypatch)
    assert finder.find(CHAIN, 1e-6) == calm and finder.last_work() == work


def test_the_second_stage_runs_only_where_the_first_found_nothing(monkeypatch):
    from tests.test_psatz_sdp import SENTENCES

    first = {k: finder.find(v) for k, v in SENTENCES.items()}

    def boom(facts, deadline):
        raise AssertionError("the second stage ran")

    monkeypatch.setattr(finder, "_second_stage", boom)
    for k, v in SENTENCES.items():
        assert first[k] is not None and finder.find(v) == first[k]


# ----- 5. the shipped claims moved off the solvers -----------------------------------------------------------------

MOVED = ["avram2025.norm-bounds.upper", "trajectory.logistic.t2"]


@pytest.fixture(scope="module")
def collection():
    from pathlib import Path

    from symderiv import claims as C

    col, _ = C.select([str(Path(__file__).resolve().parents[1] / "proofs")])
    return col


@pytest.mark.slow
@pytest.mark.parametrize("cid", MOVED)
def test_a_moved_claim_trusts_no_solver(collection, cid):
    from symderiv import claims as C
    from symderiv import engine
    from symderiv.kernel import smt
    from symderiv.results import Verdict

    res = engine.check_claim(collection.items[C.resolve_id(collection, cid)])
    assert res.verdict == Verdict.HOLDS
    assert smt.TRUST_KERNEL_GOAL not in res.trusted
    held = [o for o in res.sizes if o.status == Verdict.HOLDS and o.kernel is not None]
    assert held and all(smt.TRUST_KERNEL_GOAL not in o.kernel.trusts for o in held)
    # the sizes the first stage left to the solvers: n = 2, t = 2 (norm-bounds), n = 1 and 2 at t = 2 (logistic)
    assert {(o.size.get("n"), o.size.get("t")) for o in held} >= {(2, 2)}
