"""The kernel accepts every verdict: only it makes the tokens a `holds` or `fails` needs (issue 19, item 2).

A planted bug in whatever finds evidence (the engine, the prover's encoding,
the normal form) must not become a verdict: the kernel re-checks, from the
claim itself, and the engine's verdict needs the kernel's token.
"""
import ast
import copy
import pickle
from pathlib import Path

import pytest
import sympy as sp

from symderiv import engine, kernel, rel, scalars
from symderiv.engine import check_claim
from symderiv.kernel import KernelError, Proved, Refuted, Verification
from symderiv.kernel.accept import genuine
from symderiv.kernel.random_check import DRAW_BITS
from symderiv.results import SizeOutcome, StopReason, Verdict

PACKAGE = Path(__file__).resolve().parents[1] / "symderiv"


# ----- tokens: only the kernel makes them -----------------------------------------------------------------------

@pytest.mark.parametrize("cls", [Proved, Refuted])
def test_a_token_cannot_be_made_outside_the_kernel(cls):
    with pytest.raises(KernelError, match="only the kernel"):
        cls("test.claim", {"n": 1}, "identity", "I say so")
    forged = object.__new__(cls)  # around __init__: still not a token the kernel made
    assert not genuine(forged)
    with pytest.raises(AttributeError):
        forged.claim = "test.claim"


def test_an_accepted_verification_cannot_be_made_outside_the_kernel():
    with pytest.raises(KernelError, match="only the kernel"):
        Verification(True, "trust me")
    with pytest.raises(KernelError):
        Verification(True, "trust me", token=object.__new__(Refuted))
    assert not Verification(False, "rejected").ok  # a rejection needs no token


def _a_genuine_token(make_claim):
    claim = make_claim(lambda m: (m.h(1), m.h(1)), n=(1,), t=(1,))
    token, _ = kernel.confirm_identity(claim, {"n": 1, "t": 1})
    return claim, token


def test_a_token_is_immutable_and_does_not_leave_its_process(make_claim):
    _, tok = _a_genuine_token(make_claim)
    assert genuine(tok)
    with pytest.raises(AttributeError):
        tok.claim = "other.claim"
    with pytest.raises(TypeError):
        pickle.dumps(tok)
    assert copy.deepcopy(tok) is tok


def test_no_module_outside_the_kernel_names_the_token_maker():
    """`_issue` is the kernel's: nothing else may call it, or reach the registry of issued tokens."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "kernel":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else \
                None
            if isinstance(node, ast.alias):
                name = node.name
            if name in ("_issue", "_ISSUED"):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}" if hasattr(node, "lineno")
                                 else str(path))
    assert not offenders, offenders


# ----- the engine's verdict needs a token --------------------------------------------------------------------------

def test_a_planted_engine_bug_that_marks_holds_without_a_token_is_an_error(make_claim, monkeypatch):
    # h_1 ≠ 2·h_1: a false identity; the bug says `holds` without asking the kernel
    claim = make_claim(lambda m: (m.h(1), 2 * m.h(1)), n=(1,), t=(1,))
    assert check_claim(claim).verdict == Verdict.FAILS

    def planted(claim, size, **kw):
        return SizeOutcome(size, Verdict.HOLDS, "normal form of lhs − rhs is 0 (planted)",
                           stop=StopReason.NORMAL_FORM_ZERO), None

    monkeypatch.setattr(engine, "check_identity_at", planted)
    res = check_claim(claim)
    assert res.verdict == Verdict.ERROR
    assert "kernel does not back 'holds'" in res.error


def test_a_token_for_another_claim_or_size_does_not_back_a_verdict(make_claim, monkeypatch):
    other, tok = _a_genuine_token(make_claim)
    claim = make_claim(lambda m: (m.h(1), 2 * m.h(1)), n=(2,), t=(1,), id="test.other")

    def planted(claim, size, **kw):
        return SizeOutcome(size, Verdict.HOLDS, "planted", tokens=(tok,)), None

    monkeypatch.setattr(engine, "check_identity_at", planted)
    res = check_claim(claim)
    assert res.verdict == Verdict.ERROR and "is not about test.other" in res.error


def test_a_fails_without_the_kernels_refutation_is_an_error(make_claim, monkeypatch):
    claim = make_claim(lambda m: (m.h(1), m.h(1)), n=(1,), t=(1,))

    def planted(claim, size, **kw):
        return SizeOutcome(size, Verdict.FAILS, "planted", stop=StopReason.CERTIFIED), None

    monkeypatch.setattr(engine, "check_identity_at", planted)
    assert check_claim(claim).verdict == Verdict.ERROR


def test_the_shipped_verdicts_carry_no_token_out_of_the_engine(make_claim):
    res = check_claim(make_claim(lambda m: (m.h(1), m.h(1)), n=(1,), t=(1,)))
    assert res.verdict == Verdict.HOLDS
    assert all(o.tokens == () for o in res.sizes)
    pickle.dumps(res)  # results cross process pipes


# ----- a relational step's holds: the kernel's own goal ------------------------------------------------------------

def _inequality(check, given, **kw):
    from symderiv.claims import Claim
    from symderiv.sizes import no_sizes

    return Claim(id=kw.pop("id", "test.sos"), where="test", statement="test", check=check, kind="inequality",
                 given=given, sizes=no_sizes(), prove=True, **kw)


def _am_gm(c=0):
    from symderiv import rel, scalars

    return _inequality(lambda x, y: rel(2 * x * y, "<=", x ** 2 + y ** 2 - c),
                       dict(x=scalars(lo=-1, hi=1), y=scalars(lo=-1, hi=1)), budget=20)


def test_a_polynomial_step_is_proved_on_the_kernels_own_goal():
    res = check_claim(_am_gm())
    assert res.verdict == Verdict.HOLDS, res.scope
    assert "SOS certificate" in res.sizes[0].method


def test_the_kernel_reads_the_goal_from_the_claim_not_from_the_encoder():
    from symderiv.kernel.goal import Statement

    stmt = Statement(_am_gm(sp.Rational(1, 10)), {})
    ((small, big),) = stmt.halves("claim")
    x, y = stmt.values["x"], stmt.values["y"]   # the kernel's own objects (a name never identifies a variable)
    assert sp.expand(big - small - (x - y) ** 2 + sp.Rational(1, 10)) == 0
    assert sp.expand(stmt.facts.ge[0] - (x + 1)) == 0  # x ≥ −1 from scalars(lo=-1)


@pytest.mark.parametrize("plant", ["drop a term", "flip a sign"])
def test_a_planted_bug_in_the_encoder_is_caught_by_the_kernels_goal(monkeypatch, plant):
    """2xy ≤ x² + y² − 1/10 is false (x = y); an encoder that drops the −1/10 (or flips the step) lets SOS
    prove another statement, which the kernel refuses: the verdict is not holds."""
    from symderiv.prove import encode, solvers
    from symderiv.prove.solvers import Answer

    original = encode.Encoder.relation

    def planted(self, r):
        out = original(self, r)
        # x² + y² − 1/10 read as x² + y² (the term dropped) or as x² + y² + 1/10 (its sign flipped)
        return type(out)(out.lhs, out.rhs + sp.Rational(1 if plant == "drop a term" else 2, 10))

    monkeypatch.setattr(encode.Encoder, "relation", planted)
    # no solver either: only the certificate could make this step hold
    monkeypatch.setattr(solvers, "run_both", lambda text, budget, decided=None: {
        "z3": Answer("z3", "unknown", 0.0), "cvc5": Answer("cvc5", "unknown", 0.0)})
    claim = _am_gm(sp.Rational(1, 10))
    from symderiv.prove import prove_size

    proof = prove_size(claim, {})
    assert proof.all_proved  # the prover is fooled: a certificate for its (wrong) goal
    token, why = kernel.accept_step(claim, {}, "claim", proof.steps["claim"].evidence, proof.values)
    assert token is None and "the kernel rejects the certificate" in why and "not the claim's" in why
    res = check_claim(claim)
    assert res.verdict != Verdict.HOLDS  # the search then refutes it at x = y


# ----- an identity's holds: the kernel's own randomized check -----------------------------------------------------

def _theorem1(block):
    from symderiv import diag, eye, kron, product, total

    def check(m):
        F = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))  # noqa: E731
        T = (product(F, k + 1, m.t, order="descending", size=m.n) * block(m.sigma(m.h(k - 1)))
             for k in range(1, m.t))
        return m.d(("h", m.t), "W_R"), total(T, (m.n, m.n * m.n)) + block(m.sigma(m.h(m.t - 1)))

    return check


def test_the_kernel_confirms_a_true_identity_with_sigma_a_random_function(make_claim):
    from symderiv import eye, kron

    claim = make_claim(_theorem1(lambda v: kron(eye(v.rows), v.T)), n=(2,), t=(3,))
    token, how = kernel.confirm_identity(claim, {"n": 2, "t": 3})
    assert token is not None and not token.trusts and "random" in how and token.error == (DRAW_BITS, 1)
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS


def test_a_planted_bug_in_the_normal_form_is_caught_by_the_kernels_own_check(make_claim, monkeypatch):
    """Theorem 1 with HV (false for n ≥ 2); the normal form is made to say 'zero' everywhere: the kernel's random
    evaluation disagrees, so the verdict is not holds."""
    from symderiv import HV

    claim = make_claim(_theorem1(HV), n=(2,), t=(2,))
    monkeypatch.setattr(engine, "nonzero_entries", lambda lhs, rhs, backend, cleared=None, **kw: [])
    res = check_claim(claim, backend="symengine")
    assert res.verdict != Verdict.HOLDS
    assert "the kernel's own check at a random point" in res.sizes[0].detail


def test_a_planted_bug_in_the_fp_trials_is_caught_by_the_kernels_own_check(make_claim, monkeypatch):
    from types import SimpleNamespace

    from symderiv import HV, fp

    claim = make_claim(_theorem1(HV), n=(2,), t=(2,))
    monkeypatch.setattr(fp, "test_identity", lambda *a, **k: SimpleNamespace(
        equal=True, trials=3, degree=4, sites={"σ": 1}, error_bits=100.0, relaxation=lambda: ""))
    res = check_claim(claim, backend="fp")
    assert res.verdict != Verdict.HOLDS
    assert "every F_p trial agreed, but the kernel's own check" in res.sizes[0].detail


# exp, √2, tanh(q), logistic(q) and log of a positive c·e^q·Π p^(k/L) it decides exactly now
# (tests/test_kernel_exact_logs.py); a log of a sum with e (softplus) and sin(q) it does not
@pytest.mark.parametrize("f", [lambda u: sp.log(sp.exp(u) + 1), sp.sin])
def test_what_the_kernel_cannot_evaluate_is_named_as_trusted(make_claim, f):
    claim = make_claim(lambda m: (m.h(1).applyfunc(f), m.h(1).applyfunc(f)), n=(1,), t=(1,))
    token, how = kernel.confirm_identity(claim, {"n": 1, "t": 1})
    assert token is not None and token.trusts and "not re-checked by the kernel" in how


@pytest.mark.parametrize("f", [lambda u: sp.log(u ** 2 + 1), sp.tanh])
def test_what_was_trusted_before_is_now_checked_by_the_kernel(make_claim, f):
    claim = make_claim(lambda m: (m.h(1).applyfunc(f), m.h(1).applyfunc(f)), n=(1,), t=(1,))
    token, how = kernel.confirm_identity(claim, {"n": 1, "t": 1})
    assert token is not None and token.trusts == () and isinstance(token.degree, int), how


def test_a_planted_bug_in_the_groebner_reduction_is_caught(monkeypatch):
    from symderiv.claims import Claim
    from symderiv.sizes import no_sizes

    c, s = sp.symbols("c s", real=True)
    false = Claim(id="test.modulo", where="test", statement="test", sizes=no_sizes(), modulo=(c ** 2 + s ** 2 - 1,),
                  check=lambda: (sp.Matrix([[c ** 2 + s ** 2]]), sp.Matrix([[2]])))
    monkeypatch.setattr(engine, "nonzero_modulo", lambda lhs, rhs, relations: [])
    res = check_claim(false)
    assert res.verdict != Verdict.HOLDS and "the kernel's Gröbner reduction leaves" in res.sizes[0].detail


def test_the_kernel_knows_a_search_domain_by_its_class_not_its_name():
    from symderiv.kernel.check import premise

    class Matrices:  # a look-alike: same name and fields, not the declaration language's class
        rows, cols, families = "n", None, ("general",)

    with pytest.raises(KernelError, match="unknown to the kernel"):
        premise(Matrices(), sp.eye(2), {"n": 2})
    from symderiv import matrices

    assert premise(matrices(), sp.eye(2), {"n": 2}) == "any matrix"


def test_a_models_softmax_is_evaluated_with_a_random_exp(make_claim):
    # the outputs o = softmax(W_O h + b_O) sum to 1: with e a random function the sides are rational and agree
    true = make_claim(lambda m: (sp.ones(1, 2) * m.o(1), sp.Matrix([[1]])), n=(2,), t=(1,))
    token, how = kernel.confirm_identity(true, {"n": 2, "t": 1})
    assert token is not None and not token.trusts, how
    # a wrong claim: the difference found with a random e is confirmed with the true exp (arb balls)
    false = make_claim(lambda m: (m.o(1), 2 * m.o(1)), n=(2,), t=(1,), id="test.false")
    token, why = kernel.confirm_identity(false, {"n": 2, "t": 1})
    assert token is None and "exp the true one" in why


def test_a_planted_engine_bug_that_marks_a_step_proved_without_the_kernel_is_an_error(monkeypatch):
    claim = _am_gm(sp.Rational(1, 10))  # false at x = y

    def planted(claim, size, **kw):
        out = engine.StepOutcomes()
        out["claim"] = (Verdict.HOLDS, "proved (planted)", None)
        return out

    monkeypatch.setattr(engine, "prove_then_search", planted)
    res = check_claim(claim)
    assert res.verdict == Verdict.ERROR and "no kernel Proved for its steps" in res.error


def test_a_chain_needs_the_kernels_proved_for_every_step(monkeypatch):
    """One step proved by the kernel does not back a chain whose other step the engine marked proved itself."""
    from symderiv import scalars, steps

    claim = _inequality(lambda x: steps(0, "<=", x ** 2, "<=", x ** 2 + 1, labels=("a", "b")),
                        dict(x=scalars(lo=-1, hi=1)), id="test.chain")
    original = engine.prove_then_search

    def planted(claim, size, **kw):
        out = original(claim, size, **kw)
        out.tokens.pop("b", None)  # step b: holds in the engine's eyes, no kernel token
        return out

    monkeypatch.setattr(engine, "prove_then_search", planted)
    res = check_claim(claim)
    assert res.verdict == Verdict.ERROR and "no kernel Proved for step 'b'" in res.error


@pytest.mark.parametrize("check", [lambda x: rel(sp.Abs(x), "<=", (x ** 2 + 1) / 2),
                                   lambda x: rel(x, "<=", sp.Max(x, 1 - x))], ids=["abs", "max"])
def test_a_modulus_or_a_max_is_read_by_the_kernel_as_its_own_atom(check):
    """|x| ≤ (x² + 1)/2, x ≤ max(x, 1 − x): the prover's variable for |x| (max) is interpreted as the kernel's atom
    a with the facts the kernel derived (a ≥ 0 and a² = x²; a − x ≥ 0 and a − (1 − x) ≥ 0)."""
    from symderiv.prove import prove_size

    claim = _inequality(check, dict(x=scalars(lo=-1, hi=1)), id="test.atom")
    proof = prove_size(claim, {})
    assert proof.all_proved
    token, how = kernel.accept_step(claim, {}, "claim", proof.steps["claim"].evidence, proof.values)
    assert token is not None and not token.trusts and "kernel's own goal" in how


# ----- a planted bug in the SOS finder's certificate (issue 19, item 2: for each decider, a planted bug) -----------

def _forged(kind: str, P):
    """A certificate for P ≥ 0 (the false 2xy ≤ x² + y² − 1/10, so P = (x − y)² − 1/10) as a buggy finder could
    make it: resting on a hypothesis the claim does not have, with a Gram matrix that is not PSD, with a negative
    coefficient, or for another goal (the −1/10 dropped)."""
    from symderiv.kernel.sos import Certificate

    P = sp.expand(P)
    xs = sorted(P.free_symbols, key=str)
    if kind == "assumed hypothesis":
        return Certificate(P, ">=", hypotheses=(P,), products=((sp.Integer(1), sp.Integer(1), (0,)),))
    if kind == "gram not psd":
        poly = sp.Poly(P, *xs)
        z = [sp.Integer(1)] + xs
        Q = [[sp.Integer(0)] * len(z) for _ in z]
        for (mono, c) in poly.terms():
            where = [i + 1 for i, e in enumerate(mono) for _ in range(e)] + [0, 0]
            a, b = where[0], where[1]
            if a == b:
                Q[a][a] += c
            else:
                Q[a][b] += c / 2
                Q[b][a] += c / 2
        return Certificate(P, ">=", gram=(tuple(z), tuple(tuple(r) for r in Q)))
    if kind == "negative coefficient":
        return Certificate(P, ">=", products=((sp.Integer(1), xs[0] - xs[1], ()),
                                              (P.as_coefficients_dict()[1], sp.Integer(1), ())))
    assert kind == "another goal"
    const = P.as_coefficients_dict()[1]
    return Certificate(P - const, ">=", products=((sp.Integer(1), xs[0] - xs[1], ()),))


@pytest.mark.parametrize("kind", ["assumed hypothesis", "gram not psd", "negative coefficient", "another goal"])
def test_a_planted_bug_in_the_sos_finders_certificate_is_rejected_by_the_kernel(monkeypatch, kind):
    """The SOS finder (prove/sos.py) returns a wrong certificate for the false 2xy ≤ x² + y² − 1/10, and its own
    pre-check (kernel.sos.check_step, as prove/ imports it) is fooled too: the kernel's goal.py, checking with its
    own binding of the exact check against its own goal, rejects it, and the verdict is not holds."""
    from symderiv.kernel import sos as ksos
    from symderiv.prove import prove_size, solvers
    from symderiv.prove import sos as psos
    from symderiv.prove.solvers import Answer

    def planted(enc, goal, lib):
        small, big, _ = psos._sides(goal)
        return psos.Proof(small, big, [_forged(kind, big - small)], False)

    monkeypatch.setattr(psos, "try_certificate", planted)
    monkeypatch.setattr(ksos, "check_step", lambda *a, **k: (True, ""))  # the finder's self-check, bugged as well
    monkeypatch.setattr(solvers, "run_both", lambda text, budget, decided=None: {
        "z3": Answer("z3", "unknown", 0.0), "cvc5": Answer("cvc5", "unknown", 0.0)})
    claim = _am_gm(sp.Rational(1, 10))
    proof = prove_size(claim, {})
    assert proof.all_proved  # the prover is fooled
    token, why = kernel.accept_step(claim, {}, "claim", proof.steps["claim"].evidence, proof.values)
    assert token is None and why.startswith("the kernel rejects the certificate")
    assert check_claim(claim).verdict != Verdict.HOLDS


# ----- free variables with the abstract σ: the kernel's own random σ (issue 19, item 2) -----------------------------

def _free_sigma(lhs, rhs):
    from symderiv import matrix, vector
    from symderiv.claims import Claim
    from symderiv.sizes import sweep

    return Claim(id="test.free-sigma", where="test", statement="test", check=lambda v: (lhs(v), rhs(v)),
                 variables=dict(A=matrix("n"), x=vector("n"), y=vector("n")),
                 conventions={"jacobian": "numerator", "vec": "row-major"}, sizes=sweep(n=(1, 2)))


def _chain(f):
    from symderiv import diag, tr

    return lambda v: v.d(tr(v.y.T * (v.A * v.x).applyfunc(f)), "x")


def test_a_free_variable_claim_with_sigma_is_confirmed_by_the_kernels_random_sigma():
    from symderiv import diag
    from symderiv.functions import dsigma, sigma

    true = _free_sigma(_chain(sigma), lambda v: v.A.T * diag((v.A * v.x).applyfunc(dsigma)) * v.y)
    for size in ({"n": 1}, {"n": 2}):
        token, how = kernel.confirm_identity(true, size)
        assert token is not None and not token.trusts and token.error == (DRAW_BITS, 1), how
    # σ'' through a second derivative: d/dx of the first derivative's entry
    second = _free_sigma(lambda v: v.d(v.d(sigma(v.x[0]) * v.y[0], "x")[0, 0], "x")[0, 0],
                         lambda v: sp.Matrix([[__import__("symderiv.functions", fromlist=["x"]).ddsigma(v.x[0])
                                               * v.y[0]]])[0, 0])
    token, how = kernel.confirm_identity(second, {"n": 1})
    assert token is not None and not token.trusts, how


@pytest.mark.parametrize("slip", ["sigma for dsigma", "transposed", "ddsigma for dsigma"])
def test_a_planted_bug_in_the_normal_form_of_a_free_sigma_claim_is_caught(monkeypatch, slip):
    """Each slip is false; the normal form is made to say 'zero': the kernel's random σ disagrees, not holds."""
    from symderiv import diag
    from symderiv.functions import ddsigma, dsigma, sigma

    wrong = {"sigma for dsigma": lambda v: v.A.T * diag((v.A * v.x).applyfunc(sigma)) * v.y,
             "transposed": lambda v: v.A * diag((v.A * v.x).applyfunc(dsigma)) * v.y,
             "ddsigma for dsigma": lambda v: v.A.T * diag((v.A * v.x).applyfunc(ddsigma)) * v.y}[slip]
    claim = _free_sigma(_chain(sigma), wrong)
    n = 1 if slip != "transposed" else 2
    token, why = kernel.confirm_identity(claim, {"n": n})
    assert token is None and "the kernel's own check at a random point" in why
    monkeypatch.setattr(engine, "nonzero_entries", lambda lhs, rhs, backend, cleared=None, **kw: [])
    assert check_claim(claim, backend="symengine").verdict != Verdict.HOLDS


# ----- a model's relational claim: the kernel reads it on its own exact model (issue 19, item 2) --------------------

def _model_inequality(c=0, **kw):
    """2·h₁ ≤ h₁² + 1 − c along the linear model h₁ = W h₀ at n = 1, h₀ = 1 (true for c = 0: (h₁ − 1)² ≥ 0; false
    for c = 1/10 at h₁ = 1)."""
    from symderiv import cell, matrices
    from symderiv.families import just
    from symderiv.claims import Claim
    from symderiv.sizes import sweep

    @cell("linear: h_t = W h_{t-1}", params={"W": ("n", "n")})
    def linear(s, prev, x, p, f):
        s.h = p.W * prev.h

    def check(m, W, h0):
        h1 = m.value(m.h(1), W=W, h0=h0)[0, 0]
        return rel(2 * h1, "<=", h1 ** 2 + 1 - c)

    return Claim(id="test.model-inequality", where="test", statement="test", check=check, kind="inequality",
                 model=linear, activation="identity", given=dict(W=matrices(), h0=just(sp.Matrix([[1]]))),
                 sizes=sweep(n=(1,), t=(1,), fixed=("n", "t")), prove=True, conventions={"layout": "row-major"},
                 **kw)


def test_a_models_relational_step_is_proved_on_the_kernels_own_goal():
    """The kernel runs the check on its own exact model with its own symbols for W and h₀, reads the step, and
    checks the SOS certificate against that goal: a token that trusts nothing."""
    from symderiv.kernel.goal import Statement
    from symderiv.prove import prove_size

    claim = _model_inequality()
    stmt = Statement(claim, {"n": 1, "t": 1})
    ((small, big),) = stmt.halves("claim")
    w = stmt.values["W"][0, 0]
    assert sp.expand(big - small - (w - 1) ** 2) == 0   # the kernel's own h₁ = W h₀, not the engine's
    proof = prove_size(claim, {"n": 1, "t": 1})
    token, how = kernel.accept_step(claim, {"n": 1, "t": 1}, "claim", proof.steps["claim"].evidence, proof.values)
    assert token is not None and not token.trusts and "kernel's own goal" in how
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS and not res.trusted


@pytest.mark.parametrize("plant", ["drop a term", "flip a sign"])
def test_a_planted_bug_in_the_encoding_of_a_models_claim_is_caught(monkeypatch, plant):
    from symderiv.prove import encode, prove_size, solvers
    from symderiv.prove.solvers import Answer

    original = encode.Encoder.relation

    def planted(self, r):
        out = original(self, r)
        return type(out)(out.lhs, out.rhs + sp.Rational(1 if plant == "drop a term" else 2, 10))

    monkeypatch.setattr(encode.Encoder, "relation", planted)
    monkeypatch.setattr(solvers, "run_both", lambda text, budget, decided=None: {
        "z3": Answer("z3", "unknown", 0.0), "cvc5": Answer("cvc5", "unknown", 0.0)})
    claim = _model_inequality(sp.Rational(1, 10))
    proof = prove_size(claim, {"n": 1, "t": 1})
    assert proof.all_proved  # the prover is fooled
    token, why = kernel.accept_step(claim, {"n": 1, "t": 1}, "claim", proof.steps["claim"].evidence, proof.values)
    assert token is None and "not the claim's" in why
    assert check_claim(claim).verdict != Verdict.HOLDS


def test_a_models_relational_step_proved_by_the_solvers_names_them_as_trusted(monkeypatch):
    """avram2025.tanh-derivative-range.corrected: the kernel reads its steps on its own model (tanh of its own
    symbols), and its token says the step rests on the solvers' unsat. With the Positivstellensatz finder on, every
    step of this claim has a certificate (tests/test_psatz_sdp.py), so the solvers' path is tested with it off."""
    from symderiv.claims import collect
    from symderiv.kernel import psatz

    monkeypatch.setattr(psatz, "_FINDER", None)

    col = collect([PACKAGE.parent / "proofs" / "avram2025.py"])
    claim = {c.id: c for c in col.claims()}["avram2025.tanh-derivative-range.corrected"]
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS
    assert res.trusted and all("z3 and cvc5" in t for t in res.trusted)


# ----- kernel.probe: no holds rests on an operation the kernel never replays ----------------------------------------

@pytest.mark.parametrize("what", ["atan", "matrix exp", "order 3"])
def test_a_holds_never_rests_on_an_operation_the_kernel_never_replays(what):
    """A true identity whose check uses an operation outside the kernel's reach (at any point): the kernel's
    confirmation names it in one line (kernel.probe) and backs no holds; the verdict is not holds."""
    from symderiv import matrix, vector
    from symderiv.claims import Claim
    from symderiv.engine import check_claim
    from symderiv.sizes import sweep

    check = {"atan": lambda v: (v.d(sp.atan(v.c), "c"), sp.Matrix([[1 / (1 + v.c ** 2)]])),
             "matrix exp": lambda v: (v.A.exp(), v.A.exp()),
             "order 3": lambda v: (v.d(v.d(v.d(v.c ** 4, "c"), "c"), "c"), sp.Matrix([[24 * v.c]]))}[what]
    from symderiv import scalar

    claim = Claim(id="test.reach", where="test", statement="test", check=check,
                  variables=dict(c=scalar(), A=matrix("n"), x=vector("n")),
                  conventions={"jacobian": "numerator", "vec": "row-major"}, sizes=sweep(n=(1,)))
    token, why = kernel.confirm_identity(claim, {"n": 1})
    assert token is None and why.startswith("the kernel never replays an operation of the check") and "\n" not in why
    assert check_claim(claim).verdict != Verdict.HOLDS


# ----- norms the kernel derives itself (issue 19, item 2: the kernel builds the spectral goal) ---------------------

def _sized(check, given, n=(1, 2), **kw):
    from symderiv.claims import Claim
    from symderiv.sizes import sweep

    return Claim(id=kw.pop("id", "test.norm"), where="test", statement="test", check=check, kind="inequality",
                 given=given, sizes=sweep(n=n, t=1, fixed=("t",)), prove=True, **kw)


def _solvers_say(monkeypatch, status):
    from symderiv.prove import solvers
    from symderiv.prove.solvers import Answer

    monkeypatch.setattr(solvers, "run_both", lambda text, budget, decided=None: {
        "z3": Answer("z3", status, 0.0), "cvc5": Answer("cvc5", status, 0.0)})


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("form", ["norm2 = max|d|", "rho(triangular) = max|t_ii|", "lam_max(triangular) <= max"])
def test_a_norm_of_a_structured_matrix_is_the_kernels_own_reading(monkeypatch, n, form):
    """‖diag(d)‖₂ = maxᵢ|dᵢ|, ρ(T) = maxᵢ|tᵢᵢ| and λ_max(T) = maxᵢ tᵢᵢ for triangular T: the kernel reads each side
    from the matrix's own entries, both sides are one atom, and the step holds with no trust, even when the
    evidence it is given is only the solvers' unsat."""
    from symderiv import diag, eq, lam_max, matrices, norm2, rho, vectors

    check, given = {
        "norm2 = max|d|": (lambda d: eq(norm2(diag(d)), sp.Max(*[sp.Abs(x) for x in d])), dict(d=vectors())),
        "rho(triangular) = max|t_ii|": (lambda T: eq(rho(T), sp.Max(*[sp.Abs(T[i, i]) for i in range(T.rows)])),
                                        dict(T=matrices(families=("triangular",)))),
        "lam_max(triangular) <= max": (lambda T: rel(lam_max(T), "<=", sp.Max(*[T[i, i] for i in range(T.rows)])),
                                       dict(T=matrices(families=("triangular",)))),
    }[form]
    claim = _sized(check, given, n=(n,))
    _solvers_say(monkeypatch, "unsat")
    halves = 2 if form != "lam_max(triangular) <= max" else 1
    evidence = [("solvers", "z3 nlsat: unsat; cvc5: unsat")] * halves
    token, how = kernel.accept_step(claim, {"n": n, "t": 1}, "claim", evidence, None)
    assert token is not None and not token.trusts and "the kernel's own reading" in how, how


@pytest.mark.parametrize("wrong", ["max d (no modulus)", "sum |d|", "min |d|"])
def test_a_false_reading_of_a_structured_norm_proved_by_planted_solvers_is_rejected(monkeypatch, wrong):
    """A false ‖diag(d)‖₂ = … with forged evidence that the solvers proved it: the kernel's own reading does not
    make it evident, so the kernel asks the solvers on its own sentence (‖diag(d)‖₂ read as maxᵢ|dᵢ|), which they
    do not refute: no token. Only an oracle that lies gets a token, and it names the solvers as trusted (never a
    holds that says it was re-checked)."""
    from symderiv import diag, eq, norm2, vectors
    from symderiv.kernel import smt

    rhs = {"max d (no modulus)": lambda d: sp.Max(*d), "sum |d|": lambda d: sum(sp.Abs(x) for x in d),
           "min |d|": lambda d: sp.Min(*[sp.Abs(x) for x in d])}[wrong]
    claim = _sized(lambda d: eq(norm2(diag(d)), rhs(d)), dict(d=vectors()), n=(2,))
    forged = [("solvers", "planted"), ("solvers", "planted")]
    token, why = kernel.accept_step(claim, {"n": 2, "t": 1}, "claim", forged, None)
    assert token is None, why
    token, how = kernel.accept_step(claim, {"n": 2, "t": 1}, "claim", forged, None,
                                    ask=lambda text, budget: {"z3": "unsat", "cvc5": "unsat"})
    assert token is not None and token.trusts == (smt.TRUST_KERNEL_GOAL,)


@pytest.mark.parametrize("plant", ["s² = 2·mᵀm", "s² = mᵀm + 1"])
def test_a_planted_bug_in_the_provers_spectral_norm_at_n1_is_caught(monkeypatch, plant):
    """The prover defines ‖m‖₂ at n = 1 by s ≥ 0, s² = m²; the kernel reads it as its own |m|. A planted wrong
    definition lets SOS prove the false ‖a‖₂ ≥ (6/5)|a| (or ‖a‖₂ ≥ 1/2): the kernel rejects the certificate."""
    from symderiv import matrices, norm2
    from symderiv.prove import encode, prove_size

    def planted(self, M, prefix, largest):
        G = (self._gram(M) if largest else M.T * M).applyfunc(sp.expand)
        s = self.fresh(prefix)
        wrong = 2 * G[0, 0] if plant == "s² = 2·mᵀm" else G[0, 0] + 1
        self.add(sp.Ge(s, 0), sp.Eq(s ** 2, wrong))
        return s

    monkeypatch.setattr(encode.Encoder, "_extreme_singular", planted)
    _solvers_say(monkeypatch, "unknown")
    small = (lambda A: sp.Rational(6, 5) * sp.Abs(A[0, 0])) if plant == "s² = 2·mᵀm" else (lambda A: sp.Rational(1, 2))
    claim = _sized(lambda A: rel(small(A), "<=", norm2(A)), dict(A=matrices()), n=(1,))
    proof = prove_size(claim, {"n": 1, "t": 1})
    assert proof.all_proved  # the prover is fooled
    token, why = kernel.accept_step(claim, {"n": 1, "t": 1}, "claim", proof.steps["claim"].evidence, proof.values)
    assert token is None and why.startswith("the kernel rejects the certificate")
    assert check_claim(claim).verdict != Verdict.HOLDS


@pytest.mark.parametrize("what", ["atan", "matrix exp", "order 3"])
def test_an_operation_the_kernel_never_replays_is_refused_before_any_verdict(what, monkeypatch):
    """Issue 19 item 3: refused before any verdict, on every path alike, with one line naming the operation: the
    engine asks the kernel's probe first, so neither the normal form nor F_p runs (a planted normal form that
    would say holds is never reached)."""
    from symderiv import matrix, scalar, vector
    from symderiv import identity
    from symderiv.claims import Claim
    from symderiv.engine import check_claim
    from symderiv.sizes import sweep

    check = {"atan": lambda v: (v.d(sp.atan(v.c), "c"), sp.Matrix([[1 / (1 + v.c ** 2)]])),
             "matrix exp": lambda v: (v.A.exp(), v.A.exp()),
             "order 3": lambda v: (v.d(v.d(v.d(v.c ** 4, "c"), "c"), "c"), sp.Matrix([[24 * v.c]]))}[what]
    claim = Claim(id="test.reach", where="test", statement="test", check=check,
                  variables=dict(c=scalar(), A=matrix("n"), x=vector("n")),
                  conventions={"jacobian": "numerator", "vec": "row-major"}, sizes=sweep(n=(1, 2)))
    for backend in ("auto", "symengine", "fp"):
        r = check_claim(claim, backend=backend)
        assert r.verdict == Verdict.ERROR and not r.sizes, (backend, r.verdict, r.scope)
        assert "never replays" in r.error and "\n" not in r.error


def test_an_undefined_function_of_free_variables_is_a_random_function_for_the_kernel():
    """sp.Function("s") applied entrywise means 'for every function s', as the abstract σ does: the kernel draws it
    as a random function (independent of σ and of another undefined function), so a true identity holds re-checked
    and a false one is refused, never a holds that trusts the normal form."""
    from symderiv import vector
    from symderiv.claims import Claim
    from symderiv.engine import check_claim
    from symderiv.functions import sigma
    from symderiv.sizes import sweep

    s, u = sp.Function("s"), sp.Function("u")

    def claim(check, cid):
        return Claim(id=cid, where="test", statement="test", check=check, variables=dict(x=vector("n")),
                     conventions={"jacobian": "numerator"}, sizes=sweep(n=(1, 2)))

    ok = check_claim(claim(lambda v: (v.x.applyfunc(s).T * v.x.applyfunc(s), sp.Matrix([[sum(
        s(e) ** 2 for e in v.x)]])), "undef.ok"))
    assert ok.verdict == Verdict.HOLDS and not ok.trusted, (ok.verdict, ok.error, ok.trusted)
    for cid, check in {"undef.other": lambda v: (v.x.applyfunc(s), v.x.applyfunc(u)),
                       "undef.sigma": lambda v: (v.x.applyfunc(s), v.x.applyfunc(sigma))}.items():
        r = check_claim(claim(check, cid))
        assert r.verdict == Verdict.FAILS or (r.verdict != Verdict.HOLDS), (cid, r.verdict, r.scope)
