"""The kernel's own reading of ‖M‖_F, exp, tanh, the logistic function and ‖M‖₂ (issue 19, item 2).

A step whose sides use one of these quantities used to be checked against the
prover's encoding of it (and its token trusted that encoding). The kernel now
states their facts itself (symderiv/kernel/goal.py, FUNCTIONS), so:

* a planted encoder bug for each quantity (two siblings, written another way)
  that makes the prover prove a false step — by a certificate or by the two
  solvers — is rejected by the kernel, and the verdict is not ``holds``;
* a true step with each quantity still holds, and every size's kernel word
  (typed: ``Result.sizes[i].kernel.trusts``) names no prover's encoding.
"""
from __future__ import annotations

import pytest
import sympy as sp

from symderiv import LOGISTIC, TANH, fro, matrices, norm2, rel, rho, scalars, vectors
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.functions import logistic
from symderiv.results import Verdict
from symderiv.sizes import no_sizes, sweep

import symderiv.prove  # noqa: F401,E402  (registers the solvers the kernel re-asks: these tests call the kernel alone)


@pytest.fixture(autouse=True)
def _solvers_path(monkeypatch):
    """These tests are about the kernel's sentence and the two solvers it asks: the kernel's Positivstellensatz
    certificate, asked first (kernel/psatz.py), is off here; its own tests are tests/test_psatz.py."""
    from symderiv.kernel import psatz

    monkeypatch.setattr(psatz, "_FINDER", None)


def _inequality(check, given, cid, n=None):
    sizes = no_sizes() if n is None else sweep(n=(n,), t=1, fixed=("t",))
    return Claim(id=cid, where="test", statement="test", check=check, kind="inequality", given=given,
                 sizes=sizes, prove=True if n is None else (n,), budget=20)


def _size(claim):
    sizes = claim.sizes.sizes()
    return dict(sizes[0]) if sizes else {}


def _blind_search(monkeypatch):
    from symderiv import engine

    monkeypatch.setattr(engine, "check_relations_at", lambda claim, size, **kw: {
        "claim": (Verdict.UNDECIDED, "no counterexample (a blind search)", None)})


def _no_interval(monkeypatch):
    """The interval branch and bound proves nothing: a scalar step with exp/tanh goes to the encoder."""
    from symderiv.prove import interval

    monkeypatch.setattr(interval, "try_interval", lambda claim, size, label: None)


def _no_solvers(monkeypatch):
    from symderiv.prove import solvers
    from symderiv.prove.solvers import Answer

    monkeypatch.setattr(solvers, "run_both", lambda text, budget, decided=None: {
        "z3": Answer("z3", "unknown", 0.0), "cvc5": Answer("cvc5", "unknown", 0.0)})


def _no_certificates(monkeypatch):
    from symderiv.prove import sos

    monkeypatch.setattr(sos, "try_certificate", lambda enc, goal, lib: None)


# ----- planted encoder bugs: each quantity's definition made wrong, and a false step it then "proves" ----------------

def _plant(monkeypatch, where):
    """Plant a wrong encoding of one quantity in prove/encode.py; return a false claim it makes provable."""
    from symderiv.prove import encode

    x1 = dict(x=scalars(lo=-1, hi=1))
    if where == "fro drops an entry":
        def q_fro(self, M):
            f = self.fresh("fro")
            self.add(sp.Ge(f, 0), sp.Eq(f ** 2, sp.Add(*[x ** 2 for x in list(M)[:-1]])))
            return f

        monkeypatch.setattr(encode.Encoder, "_q_fro", q_fro)
        return _inequality(lambda v: rel(fro(v), "<=", sp.Abs(v[0])), dict(v=vectors(rows=2)), "planted.fro")
    if where == "fro's sign flipped":
        def q_fro(self, M):
            f = self.fresh("fro")
            self.add(sp.Le(f, 0), sp.Eq(f ** 2, sp.Add(*[x ** 2 for x in M])))
            return f

        monkeypatch.setattr(encode.Encoder, "_q_fro", q_fro)
        return _inequality(lambda A: rel(fro(A), "<=", 0), dict(A=matrices(rows=2, cols=2)), "planted.fro-sign")
    if where in ("exp's tangent too steep", "exp below 1"):
        original = encode.Encoder._expr

        def expr(self, e):
            if isinstance(e, sp.exp):
                x, v = self.expr(e.args[0]), self.fresh("exp")
                wrong = sp.Ge(v, 1 + 2 * x) if where == "exp's tangent too steep" else sp.Le(v, 1)
                self.add(sp.Gt(v, 0), sp.Ge(v, 1 + x), wrong)
                return v
            return original(self, e)

        monkeypatch.setattr(encode.Encoder, "_expr", expr)
        check = (lambda x: rel(sp.exp(x), ">=", 1 + 2 * x)) if where == "exp's tangent too steep" else \
            (lambda x: rel(sp.exp(x), "<=", 1))
        return _inequality(check, dict(x=scalars(lo=0, hi=1)), "planted.exp")
    if where in ("tanh's range halved", "tanh's sign flipped", "logistic's range halved"):
        original = encode.Encoder._sigmoid_like

        def sigmoid_like(self, x, lo, hi, name):
            if where == "tanh's sign flipped" and name == "tanh":
                v = self.fresh(name)
                self.add(sp.Gt(v, -1), sp.Lt(v, 1), sp.Equivalent(sp.Gt(x, 0), sp.Lt(v, 0)),
                         sp.Equivalent(sp.Lt(x, 0), sp.Gt(v, 0)))
                return v
            if where == "tanh's range halved" and name == "tanh":
                return original(self, x, lo, sp.Rational(1, 2), name)
            if where == "logistic's range halved" and name == "logistic":
                return original(self, x, lo, sp.Rational(1, 2), name)
            return original(self, x, lo, hi, name)

        monkeypatch.setattr(encode.Encoder, "_sigmoid_like", sigmoid_like)
        check = {"tanh's range halved": lambda x: rel(sp.tanh(x), "<=", sp.Rational(1, 2)),
                 "tanh's sign flipped": lambda x: rel(x * sp.tanh(x), "<=", 0),
                 "logistic's range halved": lambda x: rel(logistic(x), "<=", sp.Rational(1, 2))}[where]
        return _inequality(check, x1, "planted.sigmoid")
    if where in ("norm2 read as the Frobenius norm", "norm2 read as the largest entry"):
        def q_norm2(self, M):
            s = self.fresh("norm")
            if where == "norm2 read as the Frobenius norm":
                self.add(sp.Ge(s, 0), sp.Eq(s ** 2, sp.Add(*[x ** 2 for x in M])))
            else:
                self.add(sp.Ge(s, 0), sp.Eq(s ** 2, M[0, 0] ** 2))
            return s

        monkeypatch.setattr(encode.Encoder, "_q_norm2", q_norm2)
        check = (lambda A: rel(fro(A), "<=", norm2(A))) if where == "norm2 read as the Frobenius norm" else \
            (lambda A: rel(norm2(A), "<=", sp.Abs(A[0, 0])))
        return _inequality(check, dict(A=matrices(rows=2, cols=2)), "planted.norm2")
    raise ValueError(where)


PLANTS = ["fro drops an entry", "fro's sign flipped", "exp's tangent too steep", "exp below 1",
          "tanh's range halved", "tanh's sign flipped", "logistic's range halved",
          "norm2 read as the Frobenius norm", "norm2 read as the largest entry"]


def _evidence(claim, size):
    from symderiv.prove import prove_size

    proof = prove_size(claim, size)
    return proof, [(lab, st) for lab, st in proof.steps.items() if st.evidence]


@pytest.mark.parametrize("where", PLANTS)
def test_a_planted_encoding_proved_by_the_solvers_is_rejected_by_the_kernel(monkeypatch, where):
    """The planted encoding makes z3 and cvc5 refute the prover's sentence; the kernel asks them again on its own
    sentence (its own facts for the quantity), which they do not refute: no token, and the verdict is not holds."""
    from symderiv import kernel

    claim = _plant(monkeypatch, where)
    _no_interval(monkeypatch)
    _no_certificates(monkeypatch)
    size = _size(claim)
    proof, proved = _evidence(claim, size)
    assert proved, f"the plant did not fool the prover: {proof}"   # the test would be vacuous
    for lab, st in proved:
        token, why = kernel.accept_step(claim, size, lab, st.evidence, proof.values)
        assert token is None, (where, why)
    _blind_search(monkeypatch)
    assert check_claim(claim).verdict != Verdict.HOLDS


# the certificate path: the SOS finder can use the planted definitions (a polynomial one: fro, exp)
CERTIFIED_PLANTS = ["fro drops an entry", "fro's sign flipped", "exp's tangent too steep", "exp below 1"]


@pytest.mark.parametrize("where", CERTIFIED_PLANTS)
def test_a_planted_encoding_proved_by_a_certificate_is_rejected_by_the_kernel(monkeypatch, where):
    from symderiv import kernel

    claim = _plant(monkeypatch, where)
    _no_interval(monkeypatch)
    _no_solvers(monkeypatch)
    size = _size(claim)
    proof, proved = _evidence(claim, size)
    assert proved and all(e[0] == "sos" for _, st in proved for e in st.evidence), proof
    for lab, st in proved:
        token, why = kernel.accept_step(claim, size, lab, st.evidence, proof.values)
        assert token is None, (where, why)
    _blind_search(monkeypatch)
    assert check_claim(claim).verdict != Verdict.HOLDS


# ----- true steps: holds, and the kernel's word trusts no prover's encoding ------------------------------------

TRUE = {
    "‖v‖_F ≥ |v₀|": (lambda v: rel(fro(v), ">=", sp.Abs(v[0])), dict(v=vectors(rows=2)), None),
    "‖A‖_F² = Σ a²": (lambda A: rel(fro(A) ** 2, "=", sum(x ** 2 for x in A)), dict(A=matrices()), 2),
    "eˣ ≥ 1 + x": (lambda x: rel(sp.exp(x), ">=", 1 + x), dict(x=scalars(lo=-1, hi=1)), None),
    "tanh′(x) ≤ 1": (lambda x: rel(TANH.derivative(x), "<=", 1), dict(x=scalars(lo=-1, hi=1)), None),
    "x·tanh(x) ≥ 0": (lambda x: rel(x * sp.tanh(x), ">=", 0), dict(x=scalars(lo=-1, hi=1)), None),
    "logistic′(x) ≤ 1/4": (lambda x: rel(LOGISTIC.derivative(x), "<=", sp.Rational(1, 4)),
                           dict(x=scalars(lo=-3, hi=3)), None),
    "‖A‖₂ ≥ |a₀₁|": (lambda A: rel(norm2(A), ">=", sp.Abs(A[0, 1])), dict(A=matrices()), 2),
}


@pytest.mark.parametrize("case", list(TRUE))
def test_a_true_step_holds_and_its_token_trusts_no_provers_encoding(monkeypatch, case):
    from symderiv.kernel import smt

    _no_interval(monkeypatch)
    check, given, n = TRUE[case]
    claim = _inequality(check, given, "readings.true", n)
    _blind_search(monkeypatch)
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS, res.scope
    held = [o for o in res.sizes if o.status == Verdict.HOLDS]
    assert held and all(o.kernel is not None and o.kernel.kind == "step" and o.kernel.holds for o in held)
    for o in held:
        assert set(o.kernel.trusts) <= {smt.TRUST_KERNEL_GOAL}, o.kernel.trusts
        assert not any("prover's encoding" in t for t in o.kernel.trusts)


@pytest.mark.parametrize("case", ["‖A‖₂ ≥ |a₀₀|", "‖A‖₂ ≥ |a₁₀|", "‖A‖₂² ≥ a₀₀² + a₁₀²"])
def test_the_kernels_own_sentence_for_a_spectral_norm_is_refuted_by_the_solvers(case):
    """‖A‖₂ of a general 2×2 A as the kernel states it (s ≥ 0, p(s²) = 0, p′(s²) ≥ 0 for p the characteristic
    polynomial of AᵀA): the real solvers refute the kernel's own sentence for each true step (the prover's own
    encoding of these is often undecided within its budget), and the token trusts the solvers on the kernel's goal."""
    from symderiv import kernel
    from symderiv.kernel import smt

    check = {"‖A‖₂ ≥ |a₀₀|": lambda A: rel(norm2(A), ">=", sp.Abs(A[0, 0])),
             "‖A‖₂ ≥ |a₁₀|": lambda A: rel(norm2(A), ">=", sp.Abs(A[1, 0])),
             "‖A‖₂² ≥ a₀₀² + a₁₀²": lambda A: rel(norm2(A) ** 2, ">=", A[0, 0] ** 2 + A[1, 0] ** 2)}
    claim = _inequality(check[case], dict(A=matrices()), "readings.norm2", 2)
    token, why = kernel.accept_step(claim, {"n": 2, "t": 1}, "claim", [("solvers", "", 20.0)], None)
    assert token is not None and token.trusts == (smt.TRUST_KERNEL_GOAL,), why


def test_the_kernels_sentence_states_its_own_facts_for_tanh():
    """The oracle is asked the kernel's text: tanh as its own variable with −1 < t < 1 and the sign of x."""
    from symderiv import kernel

    claim = _inequality(lambda x: rel(sp.tanh(x), "<=", 1), dict(x=scalars(lo=-1, hi=1)), "readings.text")
    asked = []

    def ask(text, budget):
        asked.append(text)
        return {"z3": "unsat", "cvc5": "unsat"}

    token, _ = kernel.accept_step(claim, {}, "claim", [("solvers", "")], None, ask=ask)
    assert token is not None and len(asked) == 1
    body = asked[0].removeprefix("(set-logic QF_NRA)\n")
    assert "tanh" not in body and "_" not in body and "(declare-fun k1 () Real)" in body
    assert "(= (> " in body   # the sign equivalence z > 0 ⇔ t > 0


def test_what_stays_outside_is_named_as_the_provers_encoding():
    """λ_max of a general matrix (it may have no real eigenvalue) has no reading of the kernel's own: a solvers
    proof asks no solver and its token trusts the prover's encoding, by that name (typed). ρ and λ* are inside
    now (tests/test_kernel_witness.py)."""
    from symderiv import kernel, lam_max
    from symderiv.kernel import smt

    claim = _inequality(lambda A: rel(lam_max(A), "<=", norm2(A)), dict(A=matrices()), "readings.outside", 2)
    asked = []
    token, _ = kernel.accept_step(claim, {"n": 2, "t": 1}, "claim", [("solvers", "")], None,
                                  ask=lambda text, budget: asked.append(text))
    assert token is not None and token.trusts == (smt.TRUST_PROVER_ENCODING,) and not asked


@pytest.mark.parametrize("where", ["norm2 read as the Frobenius norm", "norm2 read as the largest entry"])
def test_a_planted_spectral_norm_proved_by_a_certificate_names_the_provers_encoding(monkeypatch, where):
    """A certificate for ‖A‖₂ at n ≥ 2 rests on the prover's own variables (its PSD factor, its unit vector), which
    the kernel pairs with its own witnesses and checks against its own template: a planted ‖·‖₂ encoding proves
    no holds (it was one trusting the prover's encoding before)."""
    claim = _plant(monkeypatch, where)
    _no_solvers(monkeypatch)
    _blind_search(monkeypatch)
    res = check_claim(claim)
    # the kernel pairs the prover's variables with its own witnesses (kernel/goal.py, WITNESSES) and never falls
    # back to the prover's goal: a planted ‖·‖₂ proves nothing
    assert res.verdict != Verdict.HOLDS, res.scope
