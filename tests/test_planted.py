"""Planted bugs, one decider at a time (issue 19, "How we will know").

For each decider — the exact normal form (identity.py), the F_p trials (fp/),
the induction (induction.py), the prove phase's encoding (prove/), the every-n
lift (every_n.py) and the verdict cache's key (cache.py) — a test plants one
bug with monkeypatch, in more than one place where the decider has more than
one (a sibling written another way), on a claim that is false, and asserts
that the resulting Result is not a wrong ``holds``: the kernel (or the
cache's own second fingerprint) rejects what the buggy finder says.

Where a planted bug does give a wrong verdict today, the test is a strict
xfail naming the module whose owner must fix it; the passing test beside it
checks that the verdict at least names what it trusted (Result.trusted).
"""
from __future__ import annotations

import json
import sys
import textwrap
from types import SimpleNamespace

import pytest
import sympy as sp

from symderiv import HV, assume, diag, eye, kron, matrix, product, rel, scalars, total, vector, vectors
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.results import Verdict
from symderiv.sizes import no_sizes, sweep


@pytest.fixture(autouse=True)
def _solvers_path(monkeypatch):
    """These tests are about the kernel's sentence and the two solvers it asks: the kernel's Positivstellensatz
    certificate, asked first (kernel/psatz.py), is off here; its own tests are tests/test_psatz.py."""
    from symderiv.kernel import psatz

    monkeypatch.setattr(psatz, "_FINDER", None)


def _model_claim(check, *, n=(2,), t=(2,), cid="planted.claim", **kw):
    from symderiv import pal2019_rnn

    return Claim(id=cid, where="test", statement="test", check=check, model=kw.pop("model", pal2019_rnn),
                 sizes=sweep(n=n, t=t), conventions={"layout": "row-major"}, **kw)


def _free_claim(check, variables, *, n=(2,), cid="planted.free", **kw):
    return Claim(id=cid, where="test", statement="test", check=check, variables=variables, sizes=sweep(n=n), **kw)


def _theorem1(block, terms=None):
    """pal2019's Theorem 1 closed form Σ_k (Π_{r>k} W diag σ'(h_{r−1})) B(σ(h_{k−1})) + B(σ(h_{t−1})); ``terms``
    sums only from k = t − terms + 1 (a truncated BPTT: right only while t ≤ terms)."""

    def check(m):
        F = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))  # noqa: E731
        term = lambda k: product(F, k + 1, m.t, order="descending", size=m.n) * block(m.sigma(m.h(k - 1)))  # noqa
        if terms is None:
            T = total([term(k) for k in range(1, m.t)], (m.n, m.n * m.n))
        else:
            T = total(term, (m.n, m.n * m.n), lo=m.t - terms + 1, hi=m.t - 1)
        return m.d(("h", m.t), "W_R"), T + block(m.sigma(m.h(m.t - 1)))

    return check


def _theorem1_formal(block):
    """Theorem 1 with its sum a formal one (``total`` over k = 1 … t − 1): read at a symbolic t by the induction."""

    def check(m):
        F = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))  # noqa: E731
        term = lambda k: product(F, k + 1, m.t, order="descending", size=m.n) * block(m.sigma(m.h(k - 1)))  # noqa
        return m.d(("h", m.t), "W_R"), total(term, (m.n, m.n * m.n), lo=1, hi=m.t - 1) + block(m.sigma(m.h(m.t - 1)))

    return check


def _row_block(v):
    return kron(eye(v.rows), v.T)


def _not_a_wrong_holds(res, *, kernel_words=None):
    """The verdict is not `holds`; if ``kernel_words``, some size's detail or the error says the kernel refused."""
    assert res.verdict != Verdict.HOLDS, (res.verdict, res.scope)
    if kernel_words:
        said = " ".join([res.error or ""] + [o.detail for o in res.sizes])
        assert kernel_words in said, said


# false identities the planted bugs are asked to decide, each written another way
FALSE_MODEL = {
    "HV for I⊗hᵀ (abstract σ)": lambda: _model_claim(_theorem1(HV), cid="planted.hv"),
    "W for Wᵀ in dh/dh0 (tanh)": lambda: _model_claim(
        lambda m: (m.d(("h", m.t), ("h", 0)), product(lambda k: m.W_R.T * diag(m.dsigma(m.h(k - 1))), 1, m.t,
                                                        order="descending", size=m.n)),
        cid="planted.transpose", activation="tanh"),
}
FALSE_FREE = {
    "∂xᵀAx/∂x = Ax": lambda: _free_claim(lambda v: (v.d(v.x.T * v.A * v.x, "x"), v.A * v.x),
                                        dict(x=vector("n"), A=matrix("n"))),
    "∂tr(AX)/∂X = A": lambda: _free_claim(lambda v: (v.d((v.A * v.X).trace(), "X"), v.A),
                                         dict(A=matrix("n"), X=matrix("n")), cid="planted.trace"),
}


# ----- the exact normal form (identity.py) ------------------------------------------------------------------------

def _plant_normal_form(monkeypatch, where):
    from symderiv import identity

    if where == "flint sides":  # the sparse-polynomial pass (symengine backend) says every entry is zero
        monkeypatch.setattr(identity, "_flint_sides_is_zero", lambda lhs, rhs, cleared=None: [True] * len(lhs))
    elif where == "full expansion":  # the sympy/symengine expansion says zero
        for name in list(identity.BACKENDS):
            monkeypatch.setitem(identity.BACKENDS, name, lambda exprs, cleared=None: [True] * len(exprs))
    else:  # the engine's entry point: no entry differs
        from symderiv import engine

        monkeypatch.setattr(engine, "nonzero_entries", lambda lhs, rhs, backend="symengine", cleared=None, **kw: [])


@pytest.mark.parametrize("where", ["flint sides", "full expansion", "entry point"])
@pytest.mark.parametrize("case", sorted(FALSE_MODEL) + sorted(FALSE_FREE))
def test_a_normal_form_that_says_zero_is_caught_by_the_kernel(monkeypatch, where, case):
    claim = {**FALSE_MODEL, **FALSE_FREE}[case]()
    assert check_claim(claim, backend="symengine").verdict == Verdict.FAILS  # honest: refuted
    _plant_normal_form(monkeypatch, where)
    backend = "sympy" if where == "full expansion" else "symengine"
    res = check_claim(claim, backend=backend)
    _not_a_wrong_holds(res, kernel_words="the kernel's own check")


# ----- the F_p trials (fp/) ---------------------------------------------------------------------------------------

def _plant_fp(monkeypatch, where):
    from symderiv import fp
    from symderiv.fp import trial

    if where == "one trial's comparison":  # every trial's projections compare equal
        original = trial._batch

        def planted(*a, **k):
            equal, *rest = original(*a, **k)
            return (True, *rest)

        monkeypatch.setattr(trial, "_batch", planted)
    else:  # the backend's answer: agreement, with a made-up bound
        monkeypatch.setattr(fp, "test_identity", lambda *a, **k: SimpleNamespace(
            equal=True, trials=3, degree=4, sites={"σ": 1}, error_bits=100.0, relaxation=lambda: ""))


@pytest.mark.parametrize("where", ["one trial's comparison", "the backend's answer"])
@pytest.mark.parametrize("case", sorted(FALSE_MODEL))
def test_an_fp_trial_that_reports_agreement_is_caught_by_the_kernel(monkeypatch, where, case):
    claim = FALSE_MODEL[case]()
    _plant_fp(monkeypatch, where)
    res = check_claim(claim, backend="fp")
    _not_a_wrong_holds(res, kernel_words="every F_p trial agreed, but the kernel's own check")


def _exp_claim():
    # exp(h) = 2 exp(h): false, with exp in the check (the kernel's random evaluation cannot make it rational)
    return _model_claim(lambda m: (m.h(1).applyfunc(sp.exp), 2 * m.h(1).applyfunc(sp.exp)), n=(1,), t=(1,),
                        cid="planted.exp")


@pytest.mark.parametrize("where", ["one trial's comparison", "the backend's answer"])
def test_an_fp_bug_on_a_claim_with_exp_is_caught_by_the_kernels_real_exp(monkeypatch, where):
    """exp drawn at random is lawless; the kernel decides the difference with its own exp (arb balls)."""
    _plant_fp(monkeypatch, where)
    _not_a_wrong_holds(check_claim(_exp_claim(), backend="fp"))


FP_TRUSTED = {
    "beyond the kernel's reach (n = 8)": lambda: _model_claim(_theorem1(HV), n=(8,), t=(2,), cid="planted.big"),
    "beyond the kernel's reach (t = 13)": lambda: _model_claim(_theorem1(HV), n=(2,), t=(13,), cid="planted.long"),
}


# beyond the exact model's reach (n = 6, t = 12) the kernel re-checks over Z/p (kernel/modular.py), at every
# size: a planted F_p bug there is caught (it trusted the F_p trials when this test was written)
@pytest.mark.parametrize("case", sorted(FP_TRUSTED))
def test_an_fp_bug_where_the_kernel_trusts_the_trials_is_not_a_holds(monkeypatch, case):
    claim = FP_TRUSTED[case]()
    _plant_fp(monkeypatch, "one trial's comparison")
    _not_a_wrong_holds(check_claim(claim, backend="fp"))


@pytest.mark.parametrize("case", sorted(FP_TRUSTED))
def test_an_fp_holds_the_kernel_did_not_recheck_names_what_it_trusted(monkeypatch, case):
    """Until the kernel re-checks these, the wrong holds at least says, as data, that it rests on the trials."""
    claim = FP_TRUSTED[case]()
    _plant_fp(monkeypatch, "one trial's comparison")
    res = check_claim(claim, backend="fp")
    if res.verdict == Verdict.HOLDS:
        assert any("F_p" in x for x in res.trusted), res.trusted
        assert all(o.kernel is not None and o.kernel.trusts for o in res.sizes)


# ----- the induction (induction.py) -------------------------------------------------------------------------------

def _truncated():
    """A truncated BPTT (the two newest terms): equal to the truth at t = 1, 2 (the sweep), false from t = 3."""
    return _model_claim(_theorem1(_row_block, terms=2), n=(1,), t=(2,), cid="planted.truncated")


PLANTS = ["step_check says proved", "the step's normal form says zero", "every normal form says zero",
          "the recursion's J is transposed", "the recursion's P is doubled"]


def _plant_induction(monkeypatch, where):
    """One bug in the finder of an induction (induction.py); the kernel (kernel/step.py) must not accept its step."""
    from symderiv import induction

    if where == "step_check says proved":
        monkeypatch.setattr(induction, "step_check", lambda claim, size, t_min, t_max=None: induction.Step(
            True, "step proved (planted)", kind="induction"))
    elif where == "the step's normal form says zero":  # and the finder hands over no statement
        monkeypatch.setattr(induction, "nonzero_entries", lambda *a, **k: [])
        monkeypatch.setattr(induction, "_decide", lambda claim, base, t_min, t0: induction.Step(
            True, "step proved (planted: C_t − (J_t C_{t−1} + P_t) read as 0)", kind="induction"))
    else:  # the finder runs as shipped, but its normal form says 0 everywhere: its statement reaches the kernel
        monkeypatch.setattr(induction, "nonzero_entries", lambda *a, **k: [])
        if where != "every normal form says zero":
            original = induction.recursion

            def wrong(m, wrt, layout, t_min):
                J, P = original(m, wrt, layout, t_min)
                return (J.T, P) if "transposed" in where else (J, 2 * P)

            monkeypatch.setattr(induction, "recursion", wrong)


def test_the_truncated_closed_form_is_refuted_past_the_sweep_without_a_plant():
    res = check_claim(_truncated(), backend="symengine")
    assert res.verdict == Verdict.FAILS and not res.every_t, res.scope


@pytest.mark.parametrize("where", PLANTS)
def test_an_induction_step_planted_proved_is_not_a_holds_for_every_t(monkeypatch, where):
    _plant_induction(monkeypatch, where)
    res = check_claim(_truncated(), backend="symengine")
    assert not (res.verdict == Verdict.HOLDS and res.every_t), res.scope
    assert res.verdict == Verdict.FAILS, res.scope  # the kernel's refusal sends the engine past the sweep, to t = 3


@pytest.mark.parametrize("where", PLANTS[2:])
def test_a_planted_step_is_refused_by_the_kernel_also_for_a_true_claim(monkeypatch, where):
    """The true Theorem 1 (a closed form with a formal sum): a wrong recursion or a normal form that says 0 to
    anything must not be the reason it holds for every t; the honest finder's step is accepted by the kernel."""
    from symderiv import induction
    from symderiv.kernel.step import confirm_step

    claim = _model_claim(_theorem1_formal(_row_block), n=(2,), t=(2,), cid="planted.formal")
    honest = induction.step_check(claim, {"n": 2}, 2)
    assert honest.proved and confirm_step(claim, {"n": 2}, honest.statement)[0] is not None, honest.reason
    _plant_induction(monkeypatch, where)
    st = induction.step_check(claim, {"n": 2}, 2)  # (a normal form that says 0 to all reads the sides as "same")
    assert st.proved and confirm_step(claim, {"n": 2}, st.statement)[0] is None, st.reason


def test_a_holds_for_every_t_names_what_the_kernel_did_not_recheck():
    from symderiv.kernel.step import READING, UNIFORM

    res = check_claim(_model_claim(_theorem1_formal(_row_block), n=(1, 2), t=(2,), cid="planted.formal"),
                      backend="symengine")
    assert res.verdict == Verdict.HOLDS and res.every_t, res.scope
    # the kernel peeled the finder's term itself and unrolled it at every t ≤ T (kernel/peel.py)
    assert UNIFORM in res.trusted and READING not in res.trusted, res.trusted


# ----- the prove phase's encoding (prove/) ------------------------------------------------------------------------

def _inequality(check, given, cid):
    return Claim(id=cid, where="test", statement="test", check=check, kind="inequality", given=given,
                 sizes=no_sizes(), prove=True, budget=20)


def _plant_encoding(monkeypatch, where):
    from symderiv.prove import domains, encode

    if where == "|x| read as x":
        monkeypatch.setattr(encode.Encoder, "_abs", lambda self, x: x)
        return _inequality(lambda x: rel(sp.Abs(x), "<=", x), dict(x=scalars(lo=-1, hi=1)), "planted.abs")
    if where == "a scalar's domain gains x ≥ 0":
        original = domains._symbolic

        def planted(strategy, name, size, syms):
            v, cs = original(strategy, name, size, syms)
            return v, cs + ([sp.Ge(v, 0)] if isinstance(strategy, domains.Scalars) else [])

        monkeypatch.setattr(domains, "_symbolic", planted)
        return _inequality(lambda x: rel(0, "<=", x), dict(x=scalars(lo=-1, hi=1)), "planted.domain")
    # the relation's right side loses its constant: 2xy ≤ x² + y² − 1/10 read as 2xy ≤ x² + y²
    original = encode.Encoder.relation

    def relation(self, r):
        out = original(self, r)
        return type(out)(out.lhs, out.rhs + sp.Rational(1, 10))

    monkeypatch.setattr(encode.Encoder, "relation", relation)
    return _inequality(lambda x, y: rel(2 * x * y, "<=", x ** 2 + y ** 2 - sp.Rational(1, 10)),
                       dict(x=scalars(lo=-1, hi=1), y=scalars(lo=-1, hi=1)), "planted.relation")


def _blind_search(monkeypatch):
    """The search finds nothing (as for a claim false only where it does not look): only the prover decides."""
    from symderiv import engine

    blind_search = lambda claim, size, **kw: {"claim": (Verdict.UNDECIDED, "no counterexample (a blind search)",  # noqa: E731
                                                        None)}
    monkeypatch.setattr(engine, "check_relations_at", blind_search)


def _no_solvers(monkeypatch):
    from symderiv.prove import solvers
    from symderiv.prove.solvers import Answer

    monkeypatch.setattr(solvers, "run_both", lambda text, budget, decided=None: {
        "z3": Answer("z3", "unknown", 0.0), "cvc5": Answer("cvc5", "unknown", 0.0)})


ENCODING = ["|x| read as x", "a scalar's domain gains x ≥ 0", "a constant dropped from the relation"]


@pytest.mark.parametrize("where", ENCODING)
def test_an_encoding_bug_proved_by_a_certificate_is_rejected_by_the_kernels_goal(monkeypatch, where):
    """Only the certificate path (no solvers) and a search that finds nothing: the kernel's own goal must refuse."""
    from symderiv import kernel
    from symderiv.prove import prove_size

    claim = _plant_encoding(monkeypatch, where)
    _no_solvers(monkeypatch)
    proof = prove_size(claim, {})
    for lab, st in proof.steps.items():
        if st.evidence:
            token, why = kernel.accept_step(claim, {}, lab, st.evidence, proof.values)
            assert token is None, (where, why)
    _blind_search(monkeypatch)
    _not_a_wrong_holds(check_claim(claim))


def _no_certificates(monkeypatch):
    """The SOS finder finds nothing, and neither does the kernel's Positivstellensatz finder (kernel/psatz.py): a
    step the prover proves, it proves by the two solvers alone, and the kernel asks them on its own sentence."""
    from symderiv.kernel import psatz
    from symderiv.prove import sos

    monkeypatch.setattr(sos, "try_certificate", lambda enc, goal, lib: None)
    monkeypatch.setattr(psatz, "_FINDER", None)


def _solvers_evidence(claim, size=None):
    """The prove phase's evidence per step, asserting that the prover proved every step by the solvers."""
    from symderiv.prove import Mark, prove_size

    size = {} if size is None else size
    proof = prove_size(claim, size)
    assert proof.steps and all(st.mark == Mark.PROVED for st in proof.steps.values()), proof
    assert all(e[0] == "solvers" for st in proof.steps.values() for e in st.evidence), proof
    return proof


@pytest.mark.parametrize("where", ENCODING)
def test_an_encoding_bug_proved_by_the_solvers_is_not_a_holds(monkeypatch, where):
    """The prover's sentence is wrong and z3 and cvc5 both refute it (the prover is fooled): the kernel asks them
    again on its own sentence, which they do not refute, so no token; the verdict is not holds."""
    from symderiv import kernel

    claim = _plant_encoding(monkeypatch, where)
    _no_certificates(monkeypatch)
    proof = _solvers_evidence(claim)
    for lab, st in proof.steps.items():
        token, why = kernel.accept_step(claim, {}, lab, st.evidence, proof.values)
        assert token is None, (where, why)
    _blind_search(monkeypatch)
    _not_a_wrong_holds(check_claim(claim))


def _lying_oracle(text, budget):
    return {"z3": "unsat", "cvc5": "unsat"}


# the kernel's own sentence for a false step, whatever the prover's evidence says: each sibling reaches another part
# of the kernel's reading (a modulus, a root, max/min, a quotient, a hypothesis, a strict and a '≠' step, a vector)
FALSE_STEPS = {
    "|x| <= x": (lambda x: rel(sp.Abs(x), "<=", x), dict(x=scalars(lo=-1, hi=1))),
    "sqrt(x) <= x": (lambda x: rel(sp.sqrt(x), "<=", x), dict(x=scalars(lo=0, hi=1))),
    "max(x, y) <= x": (lambda x, y: rel(sp.Max(x, y), "<=", x), dict(x=scalars(lo=-1, hi=1), y=scalars(lo=-1, hi=1))),
    "min(x, y) = x": (lambda x, y: rel(sp.Min(x, y), "=", x), dict(x=scalars(lo=-1, hi=1), y=scalars(lo=-1, hi=1))),
    "x/y <= 1 given y > 0": (lambda x, y: (assume(rel(y, ">", 0)), rel(x / y, "<=", 1))[1],
                             dict(x=scalars(lo=-1, hi=1), y=scalars(lo=-1, hi=1))),
    "x < x²": (lambda x: rel(x, "<", x ** 2), dict(x=scalars(lo=-1, hi=1))),
    "x² ≠ x": (lambda x: rel(x ** 2, "!=", x), dict(x=scalars(lo=-1, hi=1))),
    "|v|² >= 1": (lambda v: rel(sum(a ** 2 for a in v), ">=", 1), dict(v=vectors(rows=2))),
    "max(x/y, x) <= x": (lambda x, y: rel(sp.Max(x / y, x), "<=", x),
                         dict(x=scalars(lo=-1, hi=1), y=scalars(lo=1, hi=2))),
}


@pytest.mark.parametrize("case", list(FALSE_STEPS))
def test_the_kernel_asks_the_solvers_on_its_own_goal_not_on_the_evidence(case):
    """Forged evidence ("the solvers said unsat") for a false step: the kernel writes its own sentence, the real
    solvers find it satisfiable, and the kernel makes no token. With a lying oracle (both say unsat whatever the
    text) the token says exactly what it trusted: the solvers on the kernel's own goal."""
    from symderiv import kernel
    from symderiv.kernel import smt
    from symderiv.kernel.goal import Statement

    check, given = FALSE_STEPS[case]
    claim = _inequality(check, given, "planted.forged")
    halves = len(Statement(claim, {}).negations("claim"))
    forged = [("solvers", "z3 nlsat: unsat; cvc5: unsat", 5.0)] * halves
    token, why = kernel.accept_step(claim, {}, "claim", forged, None)
    assert token is None, why
    token, _ = kernel.accept_step(claim, {}, "claim", forged, None, ask=_lying_oracle)
    assert token is not None and token.trusts == (smt.TRUST_KERNEL_GOAL,)


TRUE_STEPS = {
    "x <= |x|": (lambda x: rel(x, "<=", sp.Abs(x)), dict(x=scalars(lo=-1, hi=1))),
    "sqrt(x) >= x on [0, 1]": (lambda x: rel(sp.sqrt(x), ">=", x), dict(x=scalars(lo=0, hi=1))),
    "max(x, y) = -min(-x, -y)": (lambda x, y: rel(sp.Max(x, y), "=", -sp.Min(-x, -y)),
                                 dict(x=scalars(lo=-1, hi=1), y=scalars(lo=-1, hi=1))),
    "x/y >= x given 0 < y <= 1, x >= 0": (
        lambda x, y: (assume(rel(y, ">", 0)), assume(rel(x, ">=", 0)), rel(x / y, ">=", x))[2],
        dict(x=scalars(lo=-1, hi=1), y=scalars(lo=-1, hi=1))),
    "max(x/y, x) <= |x| for y in [1, 2]": (lambda x, y: rel(sp.Max(x / y, x), "<=", sp.Abs(x)),
                                           dict(x=scalars(lo=-1, hi=1), y=scalars(lo=1, hi=2))),
    "x < x² + 1": (lambda x: rel(x, "<", x ** 2 + 1), dict(x=scalars(lo=-1, hi=1))),
    "x² + 1 ≠ x": (lambda x: rel(x ** 2 + 1, "!=", x), dict(x=scalars(lo=-1, hi=1))),
}


@pytest.mark.parametrize("case", list(TRUE_STEPS))
def test_a_true_step_proved_by_the_solvers_is_holds_trusting_the_solvers_on_the_kernels_goal(monkeypatch, case):
    """The prover proves the step by the solvers alone (no certificate): the kernel asks them again on its own
    sentence, both say unsat, and the verdict is holds; each size's kernel word (typed) trusts the solvers on the
    kernel's own goal and nothing else — never the prover's encoding."""
    from symderiv.kernel import smt

    _no_certificates(monkeypatch)
    check, given = TRUE_STEPS[case]
    claim = _inequality(check, given, "planted.true")
    _solvers_evidence(claim)
    _blind_search(monkeypatch)
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS, res.scope
    held = [o for o in res.sizes if o.status == Verdict.HOLDS]
    assert held and all(o.kernel is not None and o.kernel.kind == "step" and o.kernel.holds for o in held)
    assert all(o.kernel.trusts == (smt.TRUST_KERNEL_GOAL,) and smt.HOW_KERNEL_GOAL in o.kernel.how for o in held)
    assert res.trusted == [smt.TRUST_KERNEL_GOAL]


@pytest.mark.parametrize("said", [("unsat", "unknown"), ("unknown", "unsat"), ("unsat", "sat"), ("sat", "sat")])
def test_the_kernel_needs_both_solvers_unsat_on_its_sentence(said):
    """One solver's unsat is not enough, and neither is an oracle that does not answer: no token."""
    from symderiv import kernel

    check, given = TRUE_STEPS["x <= |x|"]
    claim = _inequality(check, given, "planted.one")
    evidence = [("solvers", "z3 nlsat: unsat; cvc5: unsat")]
    token, why = kernel.accept_step(claim, {}, "claim", evidence, None,
                                    ask=lambda text, budget: dict(zip(("z3", "cvc5"), said)))
    assert token is None, why

    def broken(text, budget):
        raise RuntimeError("no solver")

    assert kernel.accept_step(claim, {}, "claim", evidence, None, ask=broken)[0] is None


def test_the_kernels_sentence_is_its_own_text():
    """What the oracle is asked is the kernel's sentence (its own names k0, k1, …, no prover variable), with the
    facts of |x| (a ≥ 0, a² = x²), the domain (x ≥ −1, 1 − x ≥ 0) and the negated goal."""
    from symderiv import kernel

    check, given = TRUE_STEPS["x <= |x|"]
    claim = _inequality(check, given, "planted.text")
    asked = []

    def ask(text, budget):
        asked.append(text)
        return {"z3": "unsat", "cvc5": "unsat"}

    token, _ = kernel.accept_step(claim, {}, "claim", [("solvers", "")], None, ask=ask)
    assert token is not None and len(asked) == 1
    text = asked[0]
    assert text.startswith("(set-logic QF_NRA)") and "(declare-fun k0 () Real)" in text
    assert "(declare-fun k1 () Real)" in text and "(declare-fun k2 () Real)" not in text  # x and |x|
    body = text.removeprefix("(set-logic QF_NRA)\n")
    assert "_" not in body and "x" not in body and "|" not in body   # no prover's or claim's name


@pytest.mark.parametrize("case", ["rho(A) <= norm2(A)", "lam_min(A) <= rho(A)", "smin(A) <= lam_min(A)"])
def test_eigenvalues_of_a_general_matrix_are_the_kernels_own(case):
    """A step with an eigenvalue or a singular value of a general matrix (ρ, λ*, σ_min) is inside the kernel's
    reading (its own eigenvalues by Vieta's formulas, kernel/goal.py WITNESSES): a solvers proof is asked again
    on the kernel's own sentence, which states "the radius is one eigenvalue's modulus" itself, and the token
    trusts the solvers on the kernel's goal, never the prover's encoding (typed)."""
    from symderiv import kernel, lam_min, matrices, norm2, rho, smin
    from symderiv.kernel import smt

    check = {"rho(A) <= norm2(A)": lambda A: rel(rho(A), "<=", norm2(A)),
             "lam_min(A) <= rho(A)": lambda A: rel(lam_min(A), "<=", rho(A)),
             "smin(A) <= lam_min(A)": lambda A: rel(smin(A), "<=", lam_min(A))}[case]
    claim = Claim(id="planted.inside", where="test", statement="test", check=check, kind="inequality",
                  given=dict(A=matrices()), sizes=sweep(n=(2,), t=1, fixed=("t",)), prove=(2,), budget=20)
    asked = []

    def ask(text, budget):
        asked.append(text)
        return {"z3": "unsat", "cvc5": "unsat"}

    token, _ = kernel.accept_step(claim, {"n": 2, "t": 1}, "claim", [("solvers", "")], None, ask=ask)
    assert token is not None and token.trusts == (smt.TRUST_KERNEL_GOAL,) and len(asked) == 1
    assert ("(or " in asked[0]) == ("rho" in case or "lam_min" in case)


def test_a_holds_proved_by_the_solvers_names_them_as_trusted(monkeypatch):
    """The planted |x| ↦ x encoder with the certificate finder on: whatever the prover proves, a holds names what
    the kernel trusted."""
    claim = _plant_encoding(monkeypatch, "|x| read as x")
    _blind_search(monkeypatch)
    res = check_claim(claim)
    if res.verdict == Verdict.HOLDS:
        assert res.trusted and all(o.kernel is not None and o.kernel.trusts for o in res.sizes), res.trusted


# ----- the every-n lift (every_n.py) ------------------------------------------------------------------------------

def _only_at_n1():
    # x xᵀ = (xᵀx) I: true at n = 1 (the sweep), false from n = 2; its diagrams have 2 index classes of n
    return _free_claim(lambda v: (v.x * v.x.T, (v.x.T * v.x)[0, 0] * eye(v.x.rows)), dict(x=vector("n")), n=(1,),
                       cid="planted.outer")


def _plant_lift(monkeypatch, where):
    from symderiv import every_n

    if where == "the decision says zero":
        monkeypatch.setattr(every_n, "_decide_by_engine", lambda claim: (lambda size: True))
    else:  # the threshold counted one index class of n, and the decision at it is right (it holds at n = 1)
        original = every_n.threshold

        def low(lhs, rhs):
            th = original(lhs, rhs)
            return every_n.Threshold(th.degree, {d: min(k, 1) for d, k in th.classes.items()}, th.fixed)

        monkeypatch.setattr(every_n, "threshold", low)


@pytest.mark.parametrize("where", ["the decision says zero", "the threshold is too low"])
def test_a_planted_lift_bug_is_caught_by_the_kernels_lift(monkeypatch, where):
    claim = _only_at_n1()
    honest = check_claim(claim)
    assert honest.verdict == Verdict.HOLDS and not honest.every_n, honest.scope
    _plant_lift(monkeypatch, where)
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS and not res.every_n, res.scope
    assert "the kernel did not confirm it" in res.scope


# ----- the verdict cache's key (cache.py) -------------------------------------------------------------------------

PROOF = textwrap.dedent('''
    from symderiv import claim, sweep
    from _planted_consts import SCALE

    SHIFT = 0

    def offset():
        return SHIFT

    @claim("k.a", where="§1", statement="2 = 2", sizes=sweep(n=1, t=1))
    def a(**size):
        return 1 + 1 + offset(), 2

    @claim("k.b", where="§2", statement="2·SCALE = 6", sizes=sweep(n=1, t=1))
    def b(**size):
        return 2 * SCALE, 6
''')


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("SYMDERIV_NO_CACHE", raising=False)
    d = tmp_path / "proofs"
    d.mkdir()
    (d / "kplanted.py").write_text(PROOF)
    (d / "_planted_consts.py").write_text("SCALE = 3\n")
    monkeypatch.syspath_prepend(str(d))
    monkeypatch.chdir(tmp_path)
    yield d
    for name in ("_planted_consts", "kplanted"):
        sys.modules.pop(name, None)


def _run():
    from click.testing import CliRunner

    from symderiv.cli import main

    for name in ("_planted_consts", "kplanted"):
        sys.modules.pop(name, None)  # as in a fresh process
    res = CliRunner().invoke(main, ["check", "--format", "json"])
    return {c["id"]: c["verdict"] for c in json.loads(res.stdout)["claims"]}


def _plant_key(monkeypatch, where):
    from symderiv import cache

    if where == "the key ignores the check's body":
        monkeypatch.setattr(cache._Reach, "code", lambda self, code, globals_: None)
    elif where == "the key ignores globals' values":
        monkeypatch.setattr(cache._Reach, "global_value", lambda self, v: ["planted"])
        monkeypatch.setattr(cache._Reach, "module", lambda self, module: None)
    else:  # a key of the id alone
        import hashlib

        monkeypatch.setattr(cache, "claim_key", lambda claim, options: hashlib.sha256(claim.id.encode()).hexdigest())


EDITS = {  # an edit that makes a claim false, and the claim
    "the check's body": (lambda d: (d / "kplanted.py").write_text(PROOF.replace("1 + 1 + offset(), 2", "1 + 2 + offset(), 2")),
                         "k.a"),
    "a global the check uses": (lambda d: (d / "kplanted.py").write_text(PROOF.replace("SHIFT = 0", "SHIFT = 1")), "k.a"),
    "a constant imported from a helper": (lambda d: (d / "_planted_consts.py").write_text("SCALE = 4\n"), "k.b"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
@pytest.mark.parametrize("where", ["the key ignores the check's body", "the key ignores globals' values",
                                   "a key of the id alone"])
def test_a_planted_cache_key_bug_never_returns_a_stale_verdict(project, monkeypatch, where, edit):
    assert _run() == {"k.a": "holds", "k.b": "holds"}
    _plant_key(monkeypatch, where)
    assert _run() == {"k.a": "holds", "k.b": "holds"}  # stored under the planted key
    change, false = EDITS[edit]
    change(project)
    assert _run()[false] == "fails"


# ----- the every-n lift of an induction: the traced J_t, P_t (every_n.py, kernel/step.py) ---------------------------

@pytest.mark.parametrize("where", ["P doubled", "J transposed"])
def test_a_traced_partial_planted_wrong_is_refused_by_the_kernel(monkeypatch, where):
    """The step decision planted to say yes, and one traced partial wrong: the kernel's comparison of J_t, P_t with
    its own forward mode of the cell's step refuses the lift; without the plant the same claim is lifted."""
    from symderiv import every_n

    claim = _model_claim(_theorem1_formal(_row_block), n=(1, 2), t=(2,), cid="planted.traced")
    assert every_n.lift_induction(claim, 2).lifted
    original = every_n.jacobian

    def planted(F, name, kinds, cols, layout):
        out = original(F, name, kinds, cols, layout)
        if where == "P doubled" and name == "W_R":
            return out * 2
        if where == "J transposed" and name.startswith("h["):
            return out.T
        return out

    monkeypatch.setattr(every_n, "jacobian", planted)
    real_decide = every_n.decide_identity
    monkeypatch.setattr(every_n, "decide_identity", lambda cid, label, lhs, rhs, kinds, dims: (
        every_n.Decided(label, 1, {d: 1 for d in dims}, {d: 2 for d in dims}, "planted: decided")
        if label == "step" else real_decide(cid, label, lhs, rhs, kinds, dims)))
    out = every_n.lift_induction(claim, 2)
    assert not out.lifted and "J_t, P_t" in out.scope, out.scope


# ----- the downward induction's J_{k+1} and ∂ℓ_k/∂h_k (kernel/step.py compares them with its own) -----------------

DOWN_PLANTS = ["J transposed", "∂ℓ doubled", "∂ℓ dropped", "loss partials swapped", "loss partials named wrong"]


def _plant_down(monkeypatch, where):
    """The finder's backward recursion planted wrong, with its normal form saying 0 to all: the wrong J_{k+1} or
    ∂ℓ_k/∂h_k reaches the kernel in the statement."""
    from symderiv import induction

    monkeypatch.setattr(induction, "nonzero_entries", lambda *a, **k: [])
    monkeypatch.setattr(induction, "_down_matches", lambda *a, **k: True)
    original, atoms = induction._down_parts, induction._loss_atoms
    if where in ("J transposed", "∂ℓ doubled", "∂ℓ dropped"):
        def wrong(m, k):
            J, dl, up = original(m, k)
            return (J.T, dl, up) if where == "J transposed" else (J, 2 * dl if "doubled" in where else 0 * dl, up)
        monkeypatch.setattr(induction, "_down_parts", wrong)
    else:
        def wrong_atoms(m, dl):
            a = atoms(m, dl)
            return tuple(reversed(a)) if "swapped" in where else a[:-1] + (sp.Function("dE99"),)
        monkeypatch.setattr(induction, "_loss_atoms", wrong_atoms)


@pytest.mark.parametrize("where", DOWN_PLANTS)
def test_a_planted_backward_recursion_is_refused_by_the_kernel(monkeypatch, where):
    """goodfellow.down.eq10-21 (true): the honest finder's downward step is accepted, naming only the reading as
    trusted; with J_{k+1} or ∂ℓ_k/∂h_k planted wrong, or the loss partials paired wrong, the kernel refuses it."""
    from symderiv import induction
    from symderiv.claims import collect
    from symderiv.kernel.step import DOWNWARD, confirm_step

    from pathlib import Path

    claim = collect([Path(__file__).resolve().parents[1] / "proofs"]).items["goodfellow.down.eq10-21"]
    honest = induction.step_check(claim, {"n": 2}, 2)
    token, how = confirm_step(claim, {"n": 2}, honest.statement)
    assert honest.proved and token is not None and DOWNWARD not in token.trusts, how
    _plant_down(monkeypatch, where)
    st = induction.step_check(claim, {"n": 2}, 2)
    assert st.proved and confirm_step(claim, {"n": 2}, st.statement)[0] is None, st.reason


def test_a_false_claim_that_mirrors_a_planted_backward_recursion_is_refused_by_the_kernel(monkeypatch):
    """The claim doubles Vᵀ∇_{o_k}L (false) and the planted finder doubles ∂ℓ_k/∂h_k the same way: the step's two
    sides agree, so a kernel that checked only lhs = rhs accepted it; comparing ∂ℓ_k/∂h_k with its own refuses."""
    from pathlib import Path

    from symderiv import every_step, induction
    from symderiv.claims import collect
    from symderiv.kernel.step import confirm_step

    true = collect([Path(__file__).resolve().parents[1] / "proofs"]).items["goodfellow.down.eq10-21"]
    g = true.check.__globals__
    grad_h, grad_o, dtanh = g["grad_h"], g["grad_o"], g["dtanh"]

    def doubled(m):
        return every_step(m, lambda k: (grad_h(m, k), m.W.T * dtanh(m, k + 1) * grad_h(m, k + 1)
                                        + 2 * m.V.T * grad_o(m, k)), lo=1, hi=m.t - 1)

    claim = Claim(id="planted.down-doubled", where="test", statement="test", check=doubled, model=true.model,
                  activation=true.activation, loss=true.loss, sizes=true.sizes, conventions=dict(true.conventions))
    assert not induction.step_check(claim, {"n": 2}, 2).proved  # the honest finder: no step
    _plant_down(monkeypatch, "∂ℓ doubled")
    st = induction.step_check(claim, {"n": 2}, 2)
    assert st.proved and confirm_step(claim, {"n": 2}, st.statement)[0] is None, st.reason
