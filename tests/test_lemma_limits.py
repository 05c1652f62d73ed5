"""Limits and norm steps proved by a chain of classical lemmas (issue 21, item 2; symderiv/kernel/lemmas.py).

The finder (symderiv/prove/chains.py) proposes a chain: a limit lemma (‖M‖₂ < 1 ⇒ Mᵠ X₀ → 0, …) and instances
of scalar lemmas (‖AB‖₂ ≤ ‖A‖₂‖B‖₂, …) at matrices in its own symbols. Only the kernel makes the token: it runs
the claim on its own symbols, derives the lemma's side condition on its own sequence (or reads the step itself),
states every instance from its own table, and needs the goal to be a hypothesis of the claim as it reads it or
z3 and cvc5 both unsat on its own sentence.

What is tested here:
- the true shipped limits and norm steps that were `undecided` now hold, at the sizes proved, each by the
  kernel's lemma token (typed: Result.proved_at, SizeOutcome.kernel);
- their false siblings (the papers' readings) still fail, certified, and no chain the finder or a planted finder
  offers makes them hold at the size where they are false;
- planted wrong chains are refused: a lemma the table does not have (‖M‖₂ ≤ ρ(M)), a limit lemma whose
  behaviour is not the claim's, an instance at a matrix that is not the claim's, a chain for another claim, size
  or step, a relation chain for a limit and a limit chain for a relation, an instance whose premise is false;
- written another way (strict and non-strict hypotheses, a positive multiple, < for >), a true claim holds and a
  false one never does.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

import symderiv.prove  # noqa: F401  (registers the solvers the kernel asks)
from symderiv import absval, assume, diagonals, eye, fro, limit, matrices, norm2, powers, rel, rho, vectors
from symderiv.claims import Claim, collect
from symderiv.engine import check_claim
from symderiv.kernel.accept import STEP, genuine
from symderiv.kernel.lemmas import LEMMAS, LIMIT_BEHAVIOURS, SCALAR_LEMMAS, Instance, LemmaChain, accept_chain
from symderiv.prove.chains import chains, prove_by_lemmas, witness
from symderiv.prove.domains import Symbols, symbolic
from symderiv.results import Verdict
from symderiv.sizes import sweep

ROOT = Path(__file__).resolve().parents[1]

#: the shipped claims a lemma chain proves at n = 1–2 (those marked None: n = 1 is proved by the solvers already)
TRUE_LIMITS = ["pal2019.theorem2.corrected", "pal2019.proof3.eta-to-zero", "cs6180.eigen-table.exploding",
               "cs6180.eigen-table.vanishing", "cs6180.eigen-table.oscillating", "cs6180.eigen-table.corrected"]
TRUE_STEPS = ["pal2019.lemma3.corrected", "pal2019.proof4.epsilon"]
#: model claims (tanh along the trajectory): the chain of ‖·‖₂ submultiplicativity along J_t = D_t W ⋯ D_1 W
TRUE_MODEL_STEPS = ["avram2025.norm-product-equality.corrected", "avram2025.norm-bounds.upper"]
#: the papers' false readings beside them: (id, the size where it is false)
FALSE = [("pal2019.theorem2.modulus", 2), ("pal2019.theorem2.signed", 1), ("pal2019.theorem2.signed", 2),
         ("cs6180.eigen-table.stable", 2), ("pal2019.theorem4", 2), ("pal2019.lemma3", 2),
         ("pal2019.proof4.lemma3-repeated", 2), ("pal2019.proof4.norm-is-eigenvalue", 2)]
FALSE_MODEL = [("avram2025.norm-product-equality.norm-of-product", 2, 1),
               ("avram2025.norm-product-equality.norm-of-product", 2, 2), ("avram2025.norm-bounds.lower", 2, 2)]


@pytest.fixture(scope="module")
def shipped():
    col = collect([ROOT / "proofs"])
    return {c.id: c for c in col.claims()}


def _values(claim, size):
    syms = Symbols(claim.given)
    return {k: symbolic(s, k, size, syms)[0] for k, s in claim.given.items()}


def _size(n, t=1):
    return {"n": n, "t": t}


_WITNESS: dict = {}


def _accept(claim, size, label, chain, values, **kw):
    """accept_chain with the finder's witness of the claim's premises (a point where its hypotheses hold), so that a
    refusal below is the goal's, not the premises'."""
    key = (claim.id, tuple(sorted(size.items())))
    if key not in _WITNESS:
        _WITNESS[key] = witness(claim, size)
    return accept_chain(claim, size, label, chain, values, witness=_WITNESS[key], **kw)


# ----- the true claims hold, by the kernel's lemma token -------------------------------------------------------


@pytest.mark.parametrize("cid", TRUE_LIMITS + TRUE_STEPS)
@pytest.mark.parametrize("n", [2])
def test_a_true_claim_is_proved_by_a_chain_the_kernel_accepts(shipped, cid, n):
    got = prove_by_lemmas(shipped[cid], _size(n), "claim")
    assert got is not None, cid
    token = got[0]
    assert genuine(token) and token.holds and token.kind == STEP
    assert token.claim == cid and dict(token.size) == _size(n) and token.label == "claim"
    assert token.steps == ("claim",)


@pytest.mark.parametrize("cid", ["pal2019.theorem2.corrected", "cs6180.eigen-table.vanishing"])
def test_the_engine_says_holds_at_the_sizes_proved(shipped, cid):
    res = check_claim(shipped[cid])
    assert res.verdict == Verdict.HOLDS, (res.scope, res.error)
    assert [s["n"] for s in res.proved_at] == [1, 2]
    proved = [o for o in res.sizes if o.status == Verdict.HOLDS]
    assert proved and all(o.kernel is not None and o.kernel.holds and o.kernel.kind == STEP for o in proved)


@pytest.mark.parametrize("cid", TRUE_MODEL_STEPS)
@pytest.mark.parametrize("n,t", [(1, 2), (2, 1), (2, 2)])
def test_a_norm_bound_along_a_trajectory_is_proved_by_submultiplicativity(shipped, cid, n, t):
    got = prove_by_lemmas(shipped[cid], _size(n, t), "claim")
    assert got is not None, (cid, n, t)
    assert genuine(got[0]) and got[0].holds and dict(got[0].size) == _size(n, t)


@pytest.mark.parametrize("cid,n,t", FALSE_MODEL)
def test_a_false_norm_reading_along_a_trajectory_gets_no_chain(shipped, cid, n, t):
    c = shipped[cid]
    v = _values(c, _size(n, t))
    _, offered = chains(c, _size(n, t), "claim", budget=5.0)
    planted = (Instance("spectral-radius-le-norm", (v["W"],)), Instance("orthogonal-norm", (v["W"],)),
               Instance("submultiplicative", (v["W"], v["W"])), Instance("smallest-singular-value", (v["W"], v["W"])))
    offered = list(offered) + [LemmaChain(None, tuple(ch.instances) + planted, 5.0) for ch in offered] + [
        LemmaChain(None, planted, 5.0)]
    for chain in offered:
        assert _accept(c, _size(n, t), "claim", chain, v)[0] is None


def test_a_hypothesis_the_goal_is_needs_no_solver(shipped):
    """ρ(W) > 1 ⇒ ‖Wᵠ‖ → ∞: the side condition of spectral-growth on the kernel's own M = W is the hypothesis as
    the kernel reads it; an oracle that never answers does not matter, and nothing is trusted."""
    c = shipped["cs6180.eigen-table.exploding"]
    for n in (1, 2, 3):
        v = _values(c, _size(n))
        tok, why = _accept(c, _size(n), "claim", LemmaChain("spectral-growth"), v,
                                ask=lambda text, budget: {"z3": "unknown", "cvc5": "unknown"})
        assert tok is not None, why
        assert tok.trusts == ()


# ----- false siblings: never a chain ------------------------------------------------------------------------


def _every_chain(claim, size):
    """Every chain a finder could offer: each conclusion lemma of the table (and none), with the finder's own
    instances and with every scalar lemma at every pair of the claim's matrices."""
    v, found = chains(claim, size, "claim", budget=5.0)
    v = v or _values(claim, size)   # the finder's own symbols: its chains are paired through them
    mats = [x for x in v.values() if isinstance(x, sp.MatrixBase) and x.shape != (1, 1)]
    extra = []
    for A in mats:
        extra += [Instance("spectral-radius-le-norm", (A,)), Instance("orthogonal-norm", (A,)),
                  Instance("frobenius-zero", (A,))]
        for B in mats:
            if A.cols == B.rows:
                extra += [Instance("submultiplicative", (A, B)), Instance("smallest-singular-value", (A, B))]
    out = list(found)
    for concl in list(LIMIT_BEHAVIOURS) + [None]:
        out.append(LemmaChain(concl, tuple(extra), 5.0))
    return v, out


@pytest.mark.parametrize("cid,n", FALSE)
def test_no_chain_makes_a_false_reading_hold(shipped, cid, n):
    c = shipped[cid]
    assert witness(c, _size(n)) is not None   # the premises have a value: a refusal below is the goal's
    v, offered = _every_chain(c, _size(n))
    assert offered
    for chain in offered:
        tok, why = _accept(c, _size(n), "claim", chain, v)
        assert tok is None, (cid, chain.conclusion, why)


@pytest.mark.parametrize("cid", ["pal2019.theorem2.modulus", "cs6180.eigen-table.stable"])
def test_a_false_reading_still_fails_certified(shipped, cid):
    res = check_claim(shipped[cid])
    assert res.verdict == Verdict.FAILS
    assert res.counterexample is not None and res.counterexample.kind == "limit"
    failing = [o for o in res.sizes if o.status == Verdict.FAILS]
    assert failing and failing[0].kernel is not None and not failing[0].kernel.holds


# ----- planted wrong chains ----------------------------------------------------------------------------------


def test_a_lemma_the_table_does_not_have_is_refused(shipped):
    """‖M‖₂ ≤ ρ(M) is false (a nilpotent M): a finder that plants it gets nothing; neither does an unknown limit
    lemma."""
    c = shipped["pal2019.theorem2.modulus"]
    v = _values(c, _size(2))
    W, D = v["W"], v["D"]
    for chain in (LemmaChain("contraction", (Instance("norm-le-spectral-radius", (W * D,)),)),
                  LemmaChain("contraction", (Instance("norm-le-spectral-radius", (W,)),
                                             Instance("submultiplicative", (W, D))), 5.0),
                  LemmaChain("gelfand-for-norms", ()), LemmaChain("spectral-decay-of-factors", ())):
        tok, why = _accept(c, _size(2), "claim", chain, v,
                                ask=lambda text, budget: {"z3": "unsat", "cvc5": "unsat"})
        assert tok is None
        assert "table" in why


@pytest.mark.parametrize("cid,concl", [("cs6180.eigen-table.exploding", "spectral-decay"),
                                       ("cs6180.eigen-table.exploding", "contraction"),
                                       ("cs6180.eigen-table.vanishing", "spectral-growth"),
                                       ("cs6180.eigen-table.corrected", "spectral-growth"),
                                       ("pal2019.proof3.eta-to-zero", "nonexpansive")])
def test_a_limit_lemma_of_another_behaviour_is_refused(shipped, cid, concl):
    """Even with solvers that say unsat to everything, a conclusion that is not the claim's behaviour is no proof."""
    c = shipped[cid]
    v = _values(c, _size(2))
    tok, why = _accept(c, _size(2), "claim", LemmaChain(concl), v,
                            ask=lambda text, budget: {"z3": "unsat", "cvc5": "unsat"})
    assert tok is None, why


def test_an_instance_at_a_matrix_that_is_not_the_claims_is_refused(shipped):
    c = shipped["pal2019.theorem2.corrected"]
    v = _values(c, _size(2))
    stranger = sp.Matrix(2, 2, sp.symbols("a b c d", real=True))
    for inst in (Instance("submultiplicative", (v["W"], stranger)), Instance("orthogonal-norm", (stranger,)),
                 Instance("submultiplicative", (v["W"], v["D"] + stranger))):
        tok, why = _accept(c, _size(2), "claim", LemmaChain("contraction", (inst,)), v)
        assert tok is None and "no value of the claim" in why


def test_a_chain_for_another_statement_is_refused(shipped):
    """theorem2.corrected's chain proves its own claim; handed to the modulus reading (another hypothesis), to
    another size, another step, or with the values of another size, it proves nothing."""
    good, bad = shipped["pal2019.theorem2.corrected"], shipped["pal2019.theorem2.modulus"]
    v2 = _values(good, _size(2))
    chain = LemmaChain("contraction", (Instance("submultiplicative", (v2["W"], v2["D"])),), 5.0)
    assert _accept(good, _size(2), "claim", chain, v2)[0] is not None
    assert _accept(bad, _size(2), "claim", chain, _values(bad, _size(2)))[0] is None
    assert _accept(bad, _size(2), "claim", chain, v2)[0] is None
    assert _accept(good, _size(3), "claim", chain, v2)[0] is None       # the values of another size
    assert _accept(good, _size(2), "step 2", chain, v2)[0] is None      # a step the claim does not have
    swapped = dict(v2, W=v2["D"], D=v2["W"])
    assert _accept(good, _size(2), "claim", chain, swapped)[0] is None  # values paired by position


def test_a_relation_chain_for_a_limit_and_a_limit_chain_for_a_relation_are_refused(shipped):
    lim, step = shipped["cs6180.eigen-table.vanishing"], shipped["pal2019.lemma3.corrected"]
    unsat = lambda text, budget: {"z3": "unsat", "cvc5": "unsat"}  # noqa: E731
    assert _accept(lim, _size(2), "claim", LemmaChain(None), _values(lim, _size(2)), ask=unsat)[0] is None
    for concl in LIMIT_BEHAVIOURS:
        assert _accept(step, _size(2), "claim", LemmaChain(concl), _values(step, _size(2)), ask=unsat)[0] is None


def test_an_instance_whose_premise_is_false_proves_nothing(shipped):
    """MᵀM = I ⇒ ‖M‖₂ = 1 at a W that is not orthogonal (ρ(W) = 1 is all the stable reading assumes): the
    implication is a theorem, so the kernel states it, but its premise does not hold, and the stable reading
    stays unproved at n = 2 (it is false: a Jordan block)."""
    c = shipped["cs6180.eigen-table.stable"]
    v = _values(c, _size(2))
    for concl in ("nonexpansive", "contraction", "spectral-decay"):
        tok, why = _accept(c, _size(2), "claim", LemmaChain(concl, (Instance("orthogonal-norm", (v["W"],)),),
                                                                 5.0), v)
        assert tok is None, why


def test_the_table_is_stated_and_cited():
    for name in SCALAR_LEMMAS + tuple(LIMIT_BEHAVIOURS):
        lem = LEMMAS[name]
        assert lem.statement and lem.reference
    assert set(LEMMAS) == set(SCALAR_LEMMAS) | set(LIMIT_BEHAVIOURS)
    assert LIMIT_BEHAVIOURS["contraction"] == ("0", "bounded")   # never 'not0' nor 'inf' from a decay lemma
    assert set(LIMIT_BEHAVIOURS["spectral-growth"]) == {"inf", "not0"}


def test_the_kernel_module_is_on_the_allow_list():
    from tests.test_kernel import PACKAGE, _not_allowed

    path = PACKAGE / "kernel" / "lemmas.py"
    assert path.is_file() and not _not_allowed(path)


# ----- written another way -----------------------------------------------------------------------------------


def _limit_claim(cid, check, given=None):
    return Claim(id=cid, kind="limit", where="test", statement="test", check=check,
                 given=given or dict(W=matrices()), sizes=sweep(n=(1, 2), t=(1,), fixed=("t",)))


def growth_strict(W):
    assume(rho(W) > 1)
    return limit(powers(W, eye(W.rows)), "inf")


def growth_flipped(W):
    assume(rel(1, "<", rho(W)))
    return limit(powers(W, eye(W.rows)), "not0")


def growth_scaled(W):
    assume(rho(W) * 2 > 2)
    return limit(powers(W, eye(W.rows)), "inf")


def contraction_squared(W):
    assume(norm2(W) * norm2(W) < 1)
    return limit(powers(W, eye(W.rows)), "0")


def contraction_product(W, D):
    assume(norm2(W) < 1)
    assume(norm2(D) <= 1)
    return limit(powers(W * D, eye(W.rows)), "bounded")


def growth_not_strict(W):      # false: W = I
    assume(rho(W) >= 1)
    return limit(powers(W, eye(W.rows)), "inf")


def growth_said_to_vanish(W):  # false: W = 2I
    assume(rho(W) > 1)
    return limit(powers(W, eye(W.rows)), "0")


def norm_said_to_explode(W):   # false at n = 2: a nilpotent W has ‖W‖₂ > 1 and Wᵠ = 0
    assume(norm2(W) > 1)
    return limit(powers(W, eye(W.rows)), "inf")


def nonexpansive_said_to_vanish(W):  # false: W = I
    assume(norm2(W) <= 1)
    return limit(powers(W, eye(W.rows)), "0")


def orthogonal_said_to_vanish(W):  # false: W = I
    assume(rel(fro(W.T * W - eye(W.rows)), "=", 0))
    return limit(powers(W, eye(W.rows)), "0")


def vacuous_norm_below_rho(W):   # no W has ‖W‖₂ < ρ(W): the step follows from the hypothesis, but of nothing
    assume(norm2(W) < rho(W))
    return norm2(W) <= rho(W)


def vacuous_limit(W):            # ρ(W) > 1 and ρ(W) < 1 at once: no value; the limit "follows" vacuously
    assume(rho(W) > 1)
    assume(rho(W) < 1)
    return limit(powers(W, eye(W.rows)), "0")


def vacuous_norm(W):             # ‖W‖₂ < 0: no value
    assume(norm2(W) < 0)
    return limit(powers(W, eye(W.rows)), "inf")


@pytest.mark.parametrize("check", [vacuous_norm_below_rho, vacuous_limit, vacuous_norm], ids=lambda f: f.__name__)
def test_a_chain_over_premises_no_value_satisfies_is_no_proof(check):
    """As for the solvers' proofs (a proof over no value says nothing): the kernel accepts a chain only with a
    witness, a point of the claim's domain where it decides every hypothesis true exactly."""
    kind = "inequality" if check is vacuous_norm_below_rho else "limit"
    c = Claim(id=f"vac.{check.__name__}", kind=kind, where="test", statement="test", check=check,
              given=dict(W=matrices()), sizes=sweep(n=(1, 2), t=(1,), fixed=("t",)))
    for n in (1, 2):
        assert prove_by_lemmas(c, _size(n), "claim") is None
        v, offered = _every_chain(c, _size(n))
        for chain in offered:   # even the chains the finder would not offer, and solvers that say unsat to all
            assert accept_chain(c, _size(n), "claim", chain, v, witness=None,
                                ask=lambda text, budget: {"z3": "unsat", "cvc5": "unsat"})[0] is None
            for W in (sp.eye(n) * 2, sp.zeros(n, n), sp.eye(n) / 2):
                assert accept_chain(c, _size(n), "claim", chain, v, witness={"W": W},
                                    ask=lambda text, budget: {"z3": "unsat", "cvc5": "unsat"})[0] is None
    assert check_claim(c).verdict != Verdict.HOLDS


def test_a_witness_outside_the_domain_or_the_hypotheses_is_refused(shipped):
    c = shipped["pal2019.theorem2.corrected"]
    v = _values(c, _size(2))
    chain = LemmaChain("contraction", (Instance("submultiplicative", (v["W"], v["D"])),), 5.0)
    good = {"W": sp.zeros(2, 2), "s": sp.Matrix([1, 0]), "D": sp.eye(2), "gamma": sp.Integer(1)}
    assert accept_chain(c, _size(2), "claim", chain, v, witness=good)[0] is not None
    for bad in (dict(good, D=sp.eye(2) * 2),            # outside diagonals(0, 1)
                dict(good, W=sp.eye(2)),                # ‖W‖γ < 1 fails
                dict(good, s=sp.zeros(2, 1)),           # a zero vector where the domain says nonzero
                dict(good, W=sp.zeros(3, 3)),           # another size
                {"W": sp.zeros(2, 2)}):                 # not every value
        assert accept_chain(c, _size(2), "claim", chain, v, witness=bad)[0] is None


SIBLINGS_TRUE = [growth_strict, growth_flipped, growth_scaled, contraction_squared]
SIBLINGS_FALSE = [growth_not_strict, growth_said_to_vanish, norm_said_to_explode, nonexpansive_said_to_vanish,
                  orthogonal_said_to_vanish]


@pytest.mark.parametrize("check", SIBLINGS_TRUE, ids=lambda f: f.__name__)
def test_a_true_limit_written_another_way_is_proved(check):
    c = _limit_claim(f"sib.{check.__name__}", check)
    assert prove_by_lemmas(c, _size(2), "claim") is not None


def test_a_product_bounded_by_submultiplicativity_is_proved():
    c = _limit_claim("sib.product", contraction_product, dict(W=matrices(), D=diagonals(lo=-1, hi=1)))
    for n in (1, 2):
        got = prove_by_lemmas(c, _size(n), "claim")
        assert got is not None


@pytest.mark.parametrize("check", SIBLINGS_FALSE, ids=lambda f: f.__name__)
def test_a_false_limit_written_another_way_is_never_proved(check):
    c = _limit_claim(f"sib.{check.__name__}", check)
    v, offered = _every_chain(c, _size(2))
    for chain in offered:
        assert _accept(c, _size(2), "claim", chain, v)[0] is None, chain.conclusion
    res = check_claim(c)
    assert res.verdict == Verdict.FAILS, (res.verdict, res.scope)
    assert res.counterexample is not None


# ----- a planted finder, end to end ---------------------------------------------------------------------------


def _planted_chains(claim, size, label, *, budget):
    """A finder that offers everything: every limit lemma and none, a lemma the table lacks, every instance."""
    v, offered = _every_chain(claim, size)   # paired through the finder's own symbols
    bogus = tuple(Instance("norm-le-spectral-radius", (M,)) for M in v.values()
                  if isinstance(M, sp.MatrixBase) and M.is_square)
    return v, offered + [LemmaChain(c, bogus, 5.0) for c in list(LIMIT_BEHAVIOURS) + [None]]


def _no_search(claim, size, count=None, **kw):
    """The search finds nothing (as if every counterexample were out of its reach): only a proof decides."""
    from symderiv.kernel.decide import relations_of

    out, _ = claim.evaluator(size)(_values(claim, size))
    return {lab: (Verdict.UNDECIDED, "search stubbed", None) for lab, _ in relations_of(out)}


PLANTED_FALSE = [growth_said_to_vanish, growth_not_strict, norm_said_to_explode, nonexpansive_said_to_vanish,
                 orthogonal_said_to_vanish, vacuous_limit, vacuous_norm, vacuous_norm_below_rho]


@pytest.mark.parametrize("check", PLANTED_FALSE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("witnesses", ["finder's", "planted"])
def test_a_planted_finder_never_makes_a_false_claim_hold(monkeypatch, check, witnesses):
    """The engine with the search stubbed out (nothing refutes), a finder that proposes every chain (a lemma the
    table lacks included) and no float filter, and either the finder's witness or a planted one (the zero matrix,
    outside most hypotheses): the kernel's refusals stand, and no size is proved where the claim is false."""
    import symderiv.engine as engine
    import symderiv.prove.chains as finder

    monkeypatch.setattr(engine, "check_relations_at", _no_search)
    monkeypatch.setattr(finder, "chains", _planted_chains)
    monkeypatch.setattr(finder, "_plausible", lambda *a, **k: True)
    if witnesses == "planted":
        monkeypatch.setattr(finder, "witness", lambda claim, size, seed=0: {"W": sp.zeros(size["n"], size["n"])})
    kind = "inequality" if check is vacuous_norm_below_rho else "limit"
    c = Claim(id=f"planted.{check.__name__}", kind=kind, where="test", statement="test", check=check,
              given=dict(W=matrices()), sizes=sweep(n=(2,), t=(1,), fixed=("t",)))
    res = check_claim(c)
    assert res.verdict != Verdict.HOLDS, res.scope
    assert not res.proved_at


def test_the_stubbed_search_leaves_a_true_limit_to_the_chain(monkeypatch):
    """The same harness proves the true siblings: the test above exercises the lemma path, not only the search."""
    import symderiv.engine as engine

    monkeypatch.setattr(engine, "check_relations_at", _no_search)
    for check in SIBLINGS_TRUE:
        c = Claim(id=f"stubbed.{check.__name__}", kind="limit", where="test", statement="test", check=check,
                  given=dict(W=matrices()), sizes=sweep(n=(2,), t=(1,), fixed=("t",)))
        res = check_claim(c)
        assert res.verdict == Verdict.HOLDS, (check.__name__, res.scope)


# ----- fixed-point: M X₀ = X₀ decided by the kernel itself -----------------------------------------------------


def fixed_eigvec(W):          # true: W upper triangular at n = 2, q its eigenvector for λ = W₁₁: W q = λ q
    lam = W[1, 1]
    assume(rel(W[0, 0] - lam, ">", 0))
    q = sp.Matrix([-W[0, 1] / (W[0, 0] - lam), 1])
    return [limit(powers(W / lam, q), "bounded", label="b"), limit(powers(W / lam, q), "not0", label="n")]


def fixed_transposed(W):      # false: q is W's eigenvector, not Wᵀ's (pal2019.theorem3's backprop slip)
    lam = W[1, 1]
    assume(rel(absval(W[0, 0]), ">", absval(lam)))
    q = sp.Matrix([-W[0, 1] / (W[0, 0] - lam), 1])
    return limit(powers(W.T / lam, q), "bounded")


def fixed_zero_start(W):      # a fixed point, but 0: it does → 0, so "not0" is false
    lam = W[1, 1]
    return limit(powers(W / lam, sp.zeros(2, 1)), "not0")


def fixed_symbolic_start(W):  # a fixed point whose entries may all be 0 (W₀₁ = 0 at q·W₀₁): not0 not concluded
    lam = W[1, 1]
    assume(rel(W[0, 0] - lam, ">", 0))
    q = sp.Matrix([-W[0, 1] / (W[0, 0] - lam), 1]) * W[0, 1]
    return limit(powers(W / lam, q), "not0")


def _tri(cid, check):
    return Claim(id=cid, kind="limit", where="test", statement="test", check=check,
                 given=dict(W=matrices(families=("triangular",))), sizes=sweep(n=(2,), t=(1,), fixed=("t",)))


def test_a_fixed_point_is_bounded_and_away_from_zero_decided_by_the_kernel():
    c = _tri("fp.true", fixed_eigvec)
    v = _values(c, _size(2))
    for label in ("b", "n"):
        tok, why = _accept(c, _size(2), label, LemmaChain("fixed-point"), v,
                           ask=lambda text, budget: pytest.fail("no solver is asked: the kernel decides it"))
        assert tok is not None and genuine(tok) and tok.holds and tok.trusts == (), why
    res = check_claim(c)
    assert res.verdict == Verdict.HOLDS and res.trusted == [], (res.scope, res.trusted)


@pytest.mark.parametrize("check", [fixed_transposed, fixed_zero_start, fixed_symbolic_start],
                         ids=lambda f: f.__name__)
def test_a_start_that_is_not_fixed_or_may_vanish_gets_no_fixed_point_token(check):
    c = _tri(f"fp.{check.__name__}", check)
    v = _values(c, _size(2))
    tok, why = _accept(c, _size(2), "claim", LemmaChain("fixed-point"), v,
                       ask=lambda text, budget: {"z3": "unsat", "cvc5": "unsat"})
    assert tok is None, why


def test_the_transposed_eigenvector_still_fails_certified():
    res = check_claim(_tri("fp.transposed", fixed_transposed))
    assert res.verdict == Verdict.FAILS, (res.verdict, res.scope)
