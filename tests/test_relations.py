"""Inequalities, limits and proof chains: the search finds what is false, never refutes what is true,
and every refutation is re-checked rigorously."""
import dataclasses

import pytest
import sympy as sp

from symderiv import (affine, assume, eq, eye, lam_min, limit, matrices, norm2, powers, rel, rho, sampled, smin,
                      steps, vectors)
from symderiv.kernel import verify_relation
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.families import cayley, cayley_orthogonal
from symderiv.results import Verdict
from symderiv.kernel.decide import decide, growth
from symderiv.relations import Num
from symderiv.sizes import sweep

SEEDS = (0, 1, 2)


def relational(check, given, *, n=(1, 2), kind="inequality", **kw):
    return Claim(id=kw.pop("id", "test.rel"), where="test", statement="test", check=check, kind=kind,
                 given=given, sizes=sweep(n=n, t=(1,)), **kw)


def orthogonal(size, rng):
    return cayley_orthogonal(rng, size["n"], lambda r: r.randint(-3, 3))


TRUE = {
    "submultiplicative": (lambda A, B: norm2(A * B) <= norm2(A) * norm2(B), dict(A=matrices(), B=matrices())),
    "orthogonal isometry": (lambda Q, x: eq(norm2(Q * x), norm2(x)), dict(Q=sampled(orthogonal), x=vectors())),
    "spectral radius ≤ norm": (lambda A: rho(A) <= norm2(A), dict(A=matrices())),
    "σ_min lower bound": (lambda A, B: norm2(A * B) >= smin(A) * norm2(B), dict(A=matrices(), B=matrices())),
}

FALSE = {
    "lemma 3 (λ* for σ_min)": (lambda A, B: norm2(A * B) >= lam_min(A) * norm2(B), dict(A=matrices(), B=matrices())),
    "norm ≤ spectral radius": (lambda A: norm2(A) <= rho(A), dict(A=matrices())),
    "norm is multiplicative": (lambda A, B: eq(norm2(A * B), norm2(A) * norm2(B)), dict(A=matrices(), B=matrices())),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(TRUE))
def test_known_true_inequalities_are_never_refuted(name, seed):
    check, given = TRUE[name]
    # the search alone (prove=False): it never refutes a true claim, and never says it proved one
    res = check_claim(relational(check, given, prove=False), seed=seed)
    assert res.verdict == Verdict.UNDECIDED, res.scope
    assert "not a proof" in res.sizes[0].detail


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(FALSE))
def test_known_false_inequalities_are_refuted_and_certified(name, seed):
    check, given = FALSE[name]
    claim = relational(check, given)
    res = check_claim(claim, seed=seed)
    assert res.verdict == Verdict.FAILS, res.scope
    cert = res.counterexample
    assert cert.size["n"] == 2  # n = 1 cannot fail: the search went smallest size first
    assert verify_relation(claim, cert).ok


def test_counterexample_is_shrunk_to_small_entries():
    check, given = FALSE["norm ≤ spectral radius"]
    res = check_claim(relational(check, given))
    assert res.verdict == Verdict.FAILS
    entries = {sp.Rational(v) for v in res.counterexample.point.values()}
    assert entries <= {0, 1, -1}, entries  # e.g. the nilpotent [[0, 1], [0, 0]]


def test_corrupting_a_relation_certificate_is_caught():
    check, given = FALSE["lemma 3 (λ* for σ_min)"]
    claim = relational(check, given)
    cert = check_claim(claim).counterexample
    assert verify_relation(claim, cert).ok
    for key in cert.point:  # any changed value: recomputed sides no longer match what was recorded
        bad = dataclasses.replace(cert, point={**cert.point, key: str(sp.Rational(cert.point[key]) + 7)})
        assert not verify_relation(claim, bad).ok, key
    assert not verify_relation(claim, dataclasses.replace(cert, lhs="[5.0 +/- 0.1]")).ok
    assert not verify_relation(claim, dataclasses.replace(cert, step="nope")).ok


def test_hypotheses_bind_the_counterexample():
    # ‖A‖ ≤ ρ(A) fails, but not for symmetric A: with that hypothesis no certificate may be issued
    def check(A):
        assume(eq(norm2(A - A.T), 0), "A symmetric")
        return norm2(A) <= rho(A)

    res = check_claim(relational(check, dict(A=matrices())))
    assert res.verdict == Verdict.UNDECIDED


def test_exact_tie_refutes_a_strict_inequality():
    # tanh'(0) = 1: "tanh' < 1" fails exactly at 0, which no float margin could certify
    d = decide(rel(1 - sp.tanh(0) ** 2, "<", 1))
    assert d.value is False and "exact" in d.how
    assert decide(rel(1 - sp.tanh(sp.Rational(1, 2)) ** 2, "<", 1)).value is True
    assert decide(eq(norm2(sp.Matrix([[3, 0], [0, 4]])), 4)).value is True
    assert decide(eq(norm2(sp.Matrix([[1, 1], [0, 1]])), Num((1 + sp.sqrt(5)) / 2))).value is True


@pytest.mark.parametrize("M, behaviour", [
    (sp.Matrix([[1, 1], [0, 1]]), "inf"),                       # Jordan block: |λ| = 1 but linear growth
    (cayley(sp.Matrix([[0, 1], [-1, 0]])), "bounded"),          # rotation by 90°
    (sp.Matrix([[sp.Rational(1, 2), 5], [0, sp.Rational(-1, 3)]]), "0"),
    (sp.Matrix([[0, 7], [0, 0]]), "0"),                         # nilpotent
    (sp.Matrix([[sp.Rational(3, 5), sp.Rational(-4, 5)], [sp.Rational(4, 5), sp.Rational(3, 5)]]), "bounded"),
    (sp.Matrix([[2, 0], [0, sp.Rational(1, 2)]]), "inf"),
])
def test_growth_is_decided_exactly(M, behaviour):
    assert growth(powers(M, eye(2))).behaviour == behaviour


def test_growth_reads_only_the_observed_block_of_an_affine_recurrence():
    W = sp.Matrix([[0, 3], [0, 0]])  # X_t = Σ_{j<t} W^j B: constant from t = 2 on
    g = growth(affine(W, sp.Matrix([[1], [1]])))
    assert g.behaviour == "bounded"
    g = growth(affine(sp.eye(2), sp.Matrix([[1], [0]])))  # X_t = t·B
    assert g.behaviour == "inf"


def test_limit_claim_refuted_with_growth_factor():
    def check(W):
        assume(eq(rho(W), 1), "|λ| = 1")
        return limit(powers(W, eye(W.rows)), "bounded")

    res = check_claim(relational(check, dict(W=matrices()), kind="limit"))
    assert res.verdict == Verdict.FAILS
    cert = res.counterexample
    assert cert.kind == "limit" and cert.lhs_approx == "1" and len(cert.curve) > 10


def test_chain_reports_each_step_and_names_the_failing_one():
    def check(A):
        return steps(rho(A), "<=", norm2(A), "<=", rho(A), labels=("ρ ≤ ‖·‖", "‖·‖ ≤ ρ"))

    res = check_claim(relational(check, dict(A=matrices())))
    assert res.verdict == Verdict.FAILS
    # ρ ≤ ‖·‖ is true: proved at n ≤ 2 (a lemma chain the kernel checks, kernel/lemmas.py), where ‖·‖ ≤ ρ fails
    assert [(s[0], s[1]) for s in res.steps] == [("ρ ≤ ‖·‖", "holds"), ("‖·‖ ≤ ρ", "fails")]
    assert res.counterexample.step == "‖·‖ ≤ ρ"


def test_relation_cannot_be_used_as_a_bool():
    with pytest.raises(TypeError, match="decided by the engine"):
        bool(norm2(sp.eye(2)) <= 1)


def test_a_named_witness_is_certified_or_the_report_says_why_not():
    from symderiv import just

    def check(A):
        assume(rho(A) < 1, "ρ(A) < 1")
        return norm2(A) <= rho(A)

    nilpotent = sp.Matrix([[0, 1], [0, 0]])
    res = check_claim(relational(check, dict(A=just(nilpotent)), n=(2,)))
    assert res.verdict == Verdict.FAILS
    # the search's report on a named witness (prove=False: at a named value the prove phase decides it instead)
    res = check_claim(relational(check, dict(A=just(sp.Matrix([[2, 0], [0, 1]]))), n=(2,), prove=False))
    assert res.verdict == Verdict.UNDECIDED
    assert "named witness does not refute it: hypothesis ρ(A) < 1 fails" in res.sizes[0].detail
    res = check_claim(relational(check, dict(A=just(sp.eye(2) / 2)), n=(2,), prove=False))
    assert "the step holds there" in res.sizes[0].detail
