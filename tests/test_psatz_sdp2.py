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
   the second stage, not by the first; its sibling one ε off is not. The kernel's own sentence of
   cs6180.orthogonal-properties.eigenvalue-modulus (|λ₀| = |λ₁| for an orthogonal 2×2, true in the real radical of
   QᵀQ = I and Vieta's relations only): a disjunction collapsed by the cut |λ₀|² − |λ₁|² = 0, each side a sign split
   on a factor of an equality (im·(re₁ − re₀) = 0) with the squares (mᵢ ± mⱼ)² in the case im = 0; planted: a side or
   a case missing or swapped, the fact or the split's polynomial shifted, a square's sign flipped, Vieta's imaginary
   part dropped, the goal one ε off.
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


# ----- 3b. a disjunction collapsed: the kernel's own sentence of cs6180.orthogonal-properties.eigenvalue-modulus -----

Q00, Q01, Q10, Q11 = (sp.Symbol(f"_Q[{i},{j}]", real=True) for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
RE0, IM0, RE1, IM1, RHO, LAM = sp.symbols("_re0 _im0 _re1 _im1 _rho0 _lam_min1", real=True)
N0, N1 = RE0 ** 2 + IM0 ** 2, RE1 ** 2 + IM1 ** 2
#: ρ = max |λᵢ| ≤ min |λᵢ| for an orthogonal 2×2 (QᵀQ = I, QQᵀ = I) and its eigenvalues by Vieta's formulas:
#: |λ₀| = |λ₁| is in the real radical of the ideal only (im₀·(|λ₀|² − |λ₁|²) and, where im₀ = 0,
#: (|λ₀|² − |λ₁|²)² + 2(tr Q·Q₀₁)² + 2(tr Q·Q₁₀)² are in it)
EIG = [("ge", RHO), ("ge", RHO ** 2 - N0), ("ge", RHO ** 2 - N1), ("ge", LAM), ("ge", N0 - LAM ** 2),
       ("ge", N1 - LAM ** 2),
       ("eq", Q00 ** 2 + Q10 ** 2 - 1), ("eq", Q00 * Q01 + Q10 * Q11), ("eq", Q01 ** 2 + Q11 ** 2 - 1),
       ("eq", Q00 ** 2 + Q01 ** 2 - 1), ("eq", Q00 * Q10 + Q01 * Q11), ("eq", Q10 ** 2 + Q11 ** 2 - 1),
       ("eq", Q00 + Q11 - RE0 - RE1), ("eq", -IM0 - IM1), ("eq", -Q00 * Q11 + Q01 * Q10 - IM0 * IM1 + RE0 * RE1),
       ("eq", IM0 * RE1 + IM1 * RE0),
       ("or", [("eq", RHO ** 2 - N0), ("eq", RHO ** 2 - N1)]), ("or", [("eq", LAM ** 2 - N0), ("eq", LAM ** 2 - N1)]),
       ("gt", RHO - LAM)]
#: one ε off: ρ ≤ λ_min − ε is false (both moduli are 1)
EIG_OFF = EIG[:-1] + [("gt", RHO - LAM + EPS)]
#: Vieta's imaginary part dropped (a relation the certificate's sign split needs): λ₀ = 2, λ₁ = 0 … a real point
EIG_NO_IM = EIG[:15] + EIG[16:]


@pytest.fixture(scope="module")
def eig_cert():
    cert = finder.find(EIG)
    assert cert is not None
    return cert


def test_a_collapsed_disjunction_is_accepted_and_its_planted_siblings_are_not(eig_cert):
    assert refutes(EIG, eig_cert)[0]
    assert isinstance(eig_cert, Cut) and eig_cert.fact[0] == "eq"
    assert sp.expand(eig_cert.fact[1] ** 2 - (N0 - N1) ** 2) == 0      # the cases coincide: |λ₀|² = |λ₁|²
    assert refutes(EIG_OFF, eig_cert)[0] is False
    assert refutes(EIG_NO_IM, eig_cert)[0] is False
    # one side of the collapse only; the sides swapped; the collapsed fact one ε off
    assert refutes(EIG, Cut(eig_cert.fact, eig_cert.proofs[:1], eig_cert.rest))[0] is False
    assert refutes(EIG, Cut(eig_cert.fact, eig_cert.proofs[::-1], eig_cert.rest))[0] is False
    assert refutes(EIG, Cut(("eq", eig_cert.fact[1] + EPS), eig_cert.proofs, eig_cert.rest))[0] is False


def test_the_sign_split_needs_all_three_cases(eig_cert):
    """Each side of the collapse is a cut p = 0 on a factor of an equality (im₁ once im₀ = −im₁): p > 0 and −p > 0
    refuted, then the case p = 0. A case missing or swapped, or the case p = 0 asserted for another p, is rejected."""
    side = eig_cert.proofs[0]
    assert isinstance(side, Cut) and side.fact[0] == "eq"
    facts = EIG + [("gt", eig_cert.fact[1])]
    assert refutes(facts, side)[0]
    up, down = side.proofs
    assert refutes(facts, Cut(side.fact, (up,), side.rest))[0] is False
    assert refutes(facts, Cut(side.fact, (down, up), side.rest))[0] is False
    assert refutes(facts, Cut(side.fact, (up, up), side.rest))[0] is False
    assert refutes(facts, Cut(("eq", side.fact[1] + RE0), side.proofs, side.rest))[0] is False
    # the case p = 0 alone does not refute the side (p ≠ 0 is possible): its leaf uses p = 0
    assert refutes(facts, side.rest)[0] is False


def test_a_square_of_two_monomials_planted_with_the_wrong_sign_is_rejected(eig_cert):
    """The case im = 0 uses squares (mᵢ ± mⱼ)² (SDSOS columns): flipping the sign inside one breaks the identity."""
    side = eig_cert.proofs[0]
    facts = EIG + [("gt", eig_cert.fact[1]), ("eq", side.fact[1])]
    leaf = side.rest
    assert isinstance(leaf, Refutation) and refutes(facts, leaf)[0]
    k, (c, base, idx) = next((k, t) for k, t in enumerate(leaf.products) if not idx_empty_number(t))
    a_, *rest = sp.Add.make_args(sp.expand(base))
    flipped = -a_ + sp.Add(*rest)
    planted = Refutation(products=leaf.products[:k] + ((c, flipped, idx),) + leaf.products[k + 1:],
                         gram=leaf.gram, multipliers=leaf.multipliers)
    assert refutes(facts, planted)[0] is False


def idx_empty_number(term) -> bool:
    """True unless the product is a square of a binomial (mᵢ ± mⱼ)² with no fact."""
    _, base, idx = term
    return bool(idx) or len(sp.Add.make_args(sp.expand(base))) != 2


def test_the_eigenvalue_sentence_needs_the_second_stage(monkeypatch):
    monkeypatch.setattr(finder, "_second_stage", lambda facts, deadline: None)
    assert finder.find(EIG) is None


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

MOVED = ["avram2025.norm-bounds.upper", "trajectory.logistic.t2", "cs6180.orthogonal-properties.eigenvalue-modulus"]


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
    # the sizes the first stage left to the solvers: n = 2, t = 2 (norm-bounds), n = 1 and 2 at t = 2 (logistic),
    # n = 2, t = 1 (eigenvalue-modulus)
    assert {o.size.get("n") for o in held} >= {2}


@pytest.mark.slow
def test_the_group_of_the_moved_part_trusts_no_solver_either(collection):
    from symderiv import claims as C
    from symderiv import engine
    from symderiv.kernel import smt

    gid = C.resolve_id(collection, "cs6180.orthogonal-properties")
    res = {r.id: r for r in engine.run(collection, [gid])}[gid]
    assert smt.TRUST_KERNEL_GOAL not in res.trusted
