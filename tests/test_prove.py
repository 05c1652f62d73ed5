"""The prove phase (issue 13): true facts proved, false ones never, certificates checked by the kernel.

Every 'proved' here must come from a certificate the kernel accepted or from
z3 and cvc5 both answering unsat; the planted errors (wrong constants, flipped
relations) must never be proved, and a corrupted certificate is rejected.
"""
import pytest
import sympy as sp

from symderiv import LOGISTIC, diag, fro, matrices, norm2, rel, rho, scalars, vectors
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.kernel.sos import Certificate, check, check_step
from symderiv.prove import Mark, prove_size, solvers
from symderiv.prove.solvers import Answer
from symderiv.results import Verdict
from symderiv.sizes import no_sizes, sweep


def relational(check, given, *, n=(1, 2), prove=(1, 2), **kw):
    sizes = no_sizes() if n is None else sweep(n=n, t=1, fixed=("t",))
    return Claim(id=kw.pop("id", "test.prove"), where="test", statement="test", check=check, kind="inequality",
                 given=given, sizes=sizes, prove=prove, **kw)


x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)


# ----- the kernel's certificate checker -----------------------------------------------

def test_kernel_accepts_an_exact_sos_identity():
    # x² − x + 1/4 = (x − 1/2)², written as a Gram matrix over (1, x)
    cert = Certificate(x ** 2 - x + sp.Rational(1, 4), ">=", gram=((sp.Integer(1), x),
                       ((sp.Rational(1, 4), sp.Rational(-1, 2)), (sp.Rational(-1, 2), sp.Integer(1)))))
    assert check(cert)[0]


@pytest.mark.parametrize("bad, why", [
    # the identity is off by a constant
    (Certificate(x ** 2 - x + sp.Rational(1, 5), ">=", gram=((sp.Integer(1), x),
     ((sp.Rational(1, 4), sp.Rational(-1, 2)), (sp.Rational(-1, 2), sp.Integer(1))))), "identity"),
    # a Gram matrix that is not PSD (x² − 3x + 1 is negative at x = 1)
    (Certificate(x ** 2 - 3 * x + 1, ">=", gram=((sp.Integer(1), x),
     ((sp.Integer(1), sp.Rational(-3, 2)), (sp.Rational(-3, 2), sp.Integer(1))))), "semidefinite"),
    # a negative coefficient on a hypothesis: −(y) is not ≥ 0 from y ≥ 0
    (Certificate(-y, ">=", hypotheses=(y,), products=((sp.Integer(-1), 1, (0,)),)), "nonnegative"),
])
def test_kernel_rejects_a_corrupted_certificate(bad, why):
    ok, reason = check(bad)
    assert not ok and why in reason


def test_check_step_needs_the_certificates_to_prove_the_step():
    good = Certificate(1 - y, ">=", hypotheses=(1 - y,), products=((sp.Integer(1), 1, (0,)),))
    assert check_step(y, sp.Integer(1), [good], squared=False)[0]
    # the same certificate does not prove y ≤ 1/2
    assert not check_step(y, sp.Rational(1, 2), [good], squared=False)[0]


# ----- true facts are proved ------------------------------------------------------------

def test_logistic_derivative_is_proved_by_an_sos_certificate():
    c = relational(lambda x: rel(LOGISTIC.derivative(x), "<=", sp.Rational(1, 4)), dict(x=scalars()), n=None,
                   prove=True)
    proof = prove_size(c, {})
    step = next(iter(proof.steps.values()))
    assert step.mark == Mark.PROVED and "SOS certificate" in step.method


def test_frobenius_spectral_is_proved_at_n2_by_certificate():
    c = relational(lambda A, B: fro(A * B) <= norm2(A) * fro(B), dict(A=matrices(), B=matrices()))
    step = next(iter(prove_size(c, {"n": 2, "t": 1}).steps.values()))
    assert step.mark == Mark.PROVED and "checked exactly by the kernel" in step.method


def test_spectral_norm_of_a_diagonal_is_its_largest_modulus_at_n1():
    c = relational(lambda d: rel(norm2(diag(d)), "=", sp.Max(*[sp.Abs(v) for v in d])),
                   dict(d=vectors()))
    assert prove_size(c, {"n": 1, "t": 1}).all_proved


# ----- false facts are never proved -------------------------------------------------------

@pytest.mark.parametrize("check, given, size", [
    # a planted wrong constant: logistic' ≤ 1/5
    (lambda x: rel(LOGISTIC.derivative(x), "<=", sp.Rational(1, 5)), dict(x=scalars()), {}),
    # a flipped relation: ‖AB‖_F ≥ ‖A‖₂‖B‖_F (true at n = 1, where every norm is |·|; false at n = 2)
    (lambda A, B: fro(A * B) >= norm2(A) * fro(B), dict(A=matrices(), B=matrices()), {"n": 2, "t": 1}),
    # a wrong constant in the diagonal norm: ‖diag(d)‖₂ = max|dᵢ| / 2
    (lambda d: rel(norm2(diag(d)), "=", sp.Max(*[sp.Abs(v) for v in d]) / 2), dict(d=vectors()), {"n": 1, "t": 1}),
])
def test_a_false_fact_is_never_proved(check, given, size):
    c = relational(check, given, n=None if not size else (size["n"],), prove=True if not size else (size["n"],))
    proof = prove_size(c, size, budget=3)
    assert proof.steps and not proof.all_proved


def test_the_readme_inequality_still_fails_with_a_certified_counterexample():
    # true at n = 1 (|a + b| ≤ |a| + |b|), which the prove phase shows; false at n = 2, which the search certifies
    c = relational(lambda A, B: rho(A + B) <= rho(A) + rho(B), dict(A=matrices(), B=matrices()), n=(1, 2),
                   prove=(1,))
    res = check_claim(c)
    assert res.verdict == Verdict.FAILS and res.counterexample is not None
    assert res.sizes[0].status == Verdict.HOLDS and "proved" in res.sizes[0].detail


# ----- what counts: two solvers, a kernel-certified model ------------------------------------

def _fake(z3_status, cvc5_status, model=None):
    def run_both(text, budget, decided=None):
        return {"z3": Answer("z3", z3_status, 0.0, model or {}), "cvc5": Answer("cvc5", cvc5_status, 0.0)}
    return run_both


def test_one_solvers_unsat_is_not_a_proof(monkeypatch):
    monkeypatch.setattr(solvers, "run_both", _fake("unsat", "unknown"))
    c = relational(lambda A: rho(A) <= norm2(A) + 1, dict(A=matrices()), n=(2,), prove=(2,))
    step = next(iter(prove_size(c, {"n": 2, "t": 1}, use_sos=False).steps.values()))
    assert step.mark == Mark.UNDECIDED and "not confirmed" in step.detail


def test_a_solver_model_is_only_a_candidate(monkeypatch):
    # a true claim and a (bogus) model: the kernel must not certify it, so the verdict is not `fails`
    monkeypatch.setattr(solvers, "run_both", _fake("sat", "sat", {"A[0,0]": "1/1"}))
    c = relational(lambda A: rho(A) <= norm2(A), dict(A=matrices()), n=(1,), prove=(1,), budget=5)
    res = check_claim(c)
    assert res.verdict != Verdict.FAILS


def test_a_corrupted_lemma_instance_is_rejected_before_use():
    from symderiv.prove import encode_size, sentence
    from symderiv.prove.lemmas import Library

    c = relational(lambda A, B: fro(A * B) <= norm2(A) * fro(B), dict(A=matrices(), B=matrices()))
    _, syms, domain, steps, hyps = encode_size(c, {"n": 2, "t": 1})
    enc, _, lib = sentence(domain, hyps, steps[0][1], syms, [])
    before = len(enc.constraints)
    name, good = lib.used[0]
    bad = Certificate(good.goal + 1, good.kind, good.hypotheses, good.equalities, good.products, good.gram,
                      good.multipliers)
    Library.add(lib, "corrupted", bad)
    assert len(enc.constraints) == before and lib.rejected[-1][0] == "corrupted"


# ----- the seed claims -----------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("cid", ["avram2025.diag-norm", "avram2025.w-bounds", "avram2025.spectral-psd.psd",
                                 "cs6180.orthogonal-properties.eigenvalue-modulus", "cs6180.qr-orthogonal"])
def test_seed_claims_hold_with_the_method_in_the_scope(cid):
    from symderiv.claims import select

    col, ids = select([cid])
    res = check_claim(col.items[cid])
    assert res.verdict == Verdict.HOLDS and "proved for" in res.scope and ("SOS" in res.scope or "z3" in res.scope)
    if cid != "avram2025.w-bounds":   # w-bounds has no size ("proved for every value")
        assert "proved for n = 1–2" in res.scope or ("proved for n = 1 " in res.scope and
                                                     "proved for n = 2 " in res.scope), res.scope


def test_w_bounds_holds_with_its_method():
    from symderiv.claims import select

    col, _ = select(["avram2025.w-bounds"])
    res = check_claim(col.items["avram2025.w-bounds"])
    assert res.verdict == Verdict.HOLDS and "proved for every value" in res.scope
    assert [s[1] for s in res.steps] == ["holds"] * 3


# ----- orthogonal invariance (‖QMQᵀ‖₂ = ‖M‖₂): the lemma that proves avram2025.spectral-psd at n = 2 --------

def _invariance(op, factor=1):
    def check(Q, d):
        V = diag(d)
        return rel(norm2(Q * V * Q.T), op, factor * norm2(V))
    return relational(check, dict(Q=matrices(families=("orthogonal",)), d=vectors()), n=(2,), prove=(2,))


@pytest.mark.parametrize("op", ["<=", ">="])
def test_orthogonal_invariance_is_proved_by_a_kernel_checked_certificate(op):
    proof = prove_size(_invariance(op), {"n": 2, "t": 1}, budget=2)
    (step,) = proof.steps.values()
    assert step.mark == Mark.PROVED and "SOS certificate" in step.method, step


@pytest.mark.parametrize("op, factor", [("<=", sp.Rational(1, 2)), (">=", 2)])
def test_orthogonal_invariance_with_a_planted_wrong_constant_is_never_proved(op, factor):
    proof = prove_size(_invariance(op, factor), {"n": 2, "t": 1}, budget=2)
    assert proof.steps and not proof.why_not   # encoded (not vacuously unproved)
    assert all(s.mark != Mark.PROVED for s in proof.steps.values())


def test_a_corrupted_invariance_certificate_is_rejected():
    from symderiv.prove import encode_size, sentence

    claim = _invariance("<=")
    values, syms, domain, steps, hyps = encode_size(claim, {"n": 2, "t": 1})
    (label, step), = steps
    enc, _, lib = sentence(domain, hyps, step, syms, [])
    certs = [c for name, c in lib.used if name.startswith("‖QMQᵀ‖₂")]
    assert len(certs) == 2 and all(check(c)[0] for c in certs)
    c = certs[0]
    (m, j), *rest = c.multipliers
    bad = Certificate(c.goal, c.kind, c.hypotheses, c.equalities, products=c.products,
                      multipliers=((sp.expand(2 * m), j), *rest))
    ok, why = check(bad)
    assert not ok and "identity" in why


def test_ideal_multipliers_substitute_the_placeholders_back():
    from symderiv.prove.lemmas import _ideal

    e, f = sp.Dummy("e"), sp.Dummy("f")
    h1, h2 = x ** 2 - 1, y - x
    out = _ideal(3 * e * f + y * e, {e: h1, f: h2})
    assert sp.expand(sum(m * h for m, h in out) - (3 * h1 * h2 + y * h1)) == 0
    assert _ideal(e + 1, {e: h1}) is None   # a constant part is not in the ideal


# ----- Gram–Schmidt: QᵀQ = I from denominators cleared (cs6180.qr-orthogonal at n = 2) --------------------

def _gram_schmidt_claim(shift):
    def check(A):
        Q, _ = A.QRdecomposition()
        return rel(fro(Q.T * Q - shift * sp.eye(A.rows)), "=", 0)
    return relational(check, dict(A=matrices()), n=(2,), prove=(2,))


def test_gram_schmidt_orthogonality_is_proved_by_a_scaled_ideal_certificate():
    proof = prove_size(_gram_schmidt_claim(1), {"n": 2, "t": 1}, budget=2)
    (step,) = proof.steps.values()
    assert step.mark == Mark.PROVED and "SOS certificate" in step.method, step
    assert "≠ 0" in step.detail or "Σ mⱼhⱼ" in step.detail


def test_gram_schmidt_with_a_planted_wrong_identity_is_never_proved():
    proof = prove_size(_gram_schmidt_claim(2), {"n": 2, "t": 1}, budget=2)
    assert proof.steps and not proof.why_not
    assert all(s.mark != Mark.PROVED for s in proof.steps.values())


def test_a_scaled_certificate_needs_every_nonzero_factor():
    # (x − 1)·q − 1 = 0 with x − 1 ≠ 0: (x − 1)·(q·(x − 1) − 1) is in the ideal; without the scale it is not
    q = sp.Symbol("q", real=True)
    h = sp.expand(q * (x - 1) - 1)
    goal = q * (x - 1) - 1
    good = Certificate(goal, "=", equalities=(h,), multipliers=((sp.Integer(1), 0),))
    assert check(good)[0]
    scaled = Certificate(sp.expand(q * (x - 1) ** 2 - (x - 1)), "=", equalities=(h,), multipliers=((x - 1, 0),),
                         nonzero=(x - 1,), scaled=())
    assert check(scaled)[0]
    wrong = Certificate(q - 1, "=", equalities=(h,), multipliers=((sp.Integer(1), 0),), nonzero=(x - 1,), scaled=(0,))
    ok, why = check(wrong)
    assert not ok and "identity" in why
    ge_scaled = Certificate(q, ">=", equalities=(h,), nonzero=(x - 1,), scaled=(0,))
    assert not check(ge_scaled)[0]


# ----- per-step marks: a step refuted by a kernel-certified solver model, without the search ---------------

def test_a_step_is_refuted_by_a_certified_solver_model_while_another_is_proved(monkeypatch):
    import symderiv.engine as engine

    def no_search(claim, size, count=None, **kw):
        if count is not None:   # the brief search before the prove phase: let it find nothing
            return {}
        raise AssertionError("the full search must not be needed")

    monkeypatch.setattr(engine, "check_relations_at", no_search)
    c = relational(lambda x: [rel(x * x, ">=", 0, "x² ≥ 0"), rel(x, "<=", 1, "x ≤ 1")], dict(x=scalars()),
                   n=None, prove=True)
    res = check_claim(c)
    marks = {label: verdict for label, verdict, _ in res.steps}
    assert marks == {"x² ≥ 0": "holds", "x ≤ 1": "fails"}, res.steps
    assert res.verdict == Verdict.FAILS
    detail = dict((label, d) for label, _, d in res.steps)["x ≤ 1"]
    assert "solver's model, certified by the kernel" in detail
