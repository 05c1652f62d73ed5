"""The kernel's own witnesses for ‖·‖₂, σ_min, ρ and λ* at n ≥ 2 (issue 19, item 2; kernel/goal.py, WITNESSES).

The prover proves a step on its own variables for these quantities (a PSD factor R with s²I − G = RRᵀ, a unit
vector x, eigenvalues by Vieta's formulas). The kernel states its own defining constraints for such witnesses
from the claim's values and accepts a certificate only when every constraint it uses is one of them (up to a
constant factor), never the prover's text. So:

* a planted template (s² written s, R not tied to G, a Vieta relation with a sign flipped, a unit vector that
  is not unit, the eigenvectors of Aᵀ for those of A, a smallest singular value with the largest's sign) is not
  one of the kernel's facts, and a certificate resting on it is rejected: no token, never a holds;
* the shipped claims that trusted the prover's encoding now hold on the kernel's own goal (typed trusts);
* their false siblings still fail, certified.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

import symderiv.prove  # noqa: F401  (registers the solvers the kernel asks again)
from symderiv import kernel, lam_min, matrices, norm2, rel, rho, smin
from symderiv.claims import Claim, collect
from symderiv.kernel import goal
from symderiv.kernel.sos import Certificate
from symderiv.sizes import sweep

PROOFS = Path(__file__).resolve().parent.parent / "proofs"
N2 = {"n": 2, "t": 1}


def _claim(check, cid="witness.test"):
    return Claim(id=cid, where="test", statement="test", check=check, kind="inequality", given=dict(A=matrices()),
                 sizes=sweep(n=(2,), t=1, fixed=("t",)), prove=(2,), budget=20)


def _statement(kind):
    q = {"norm2": norm2, "smin": smin, "rho": rho, "lam_min": lam_min}[kind]
    stmt = goal.Statement(_claim(lambda A: rel(q(A), ">=", 0)), N2)
    stmt.halves("claim")   # reads the step: makes the atom and its witnesses
    return stmt


def _is_fact(stmt, h) -> bool:
    return goal._zero_mod(stmt, h) or goal._fact(h, stmt.facts.eq + stmt.facts.wit, False, stmt)


def _norm_parts(stmt, kind):
    (key, w), = [(k, w) for k, w in stmt.reading.witnesses.items() if k[0] == kind]
    G = goal._gram(key[1], kind)
    return w["s"], w["R"], w["x"], G


def _upper(D):
    return [sp.expand(D[i, j]) for i in range(D.rows) for j in range(i, D.cols)]


NORM_PLANTS = {
    "the template, as the kernel states it": lambda s, R, x, G, k: _upper(
        (s ** 2 * sp.eye(2) - G if k == "norm2" else G - s ** 2 * sp.eye(2)) - R * R.T),
    "s² written s": lambda s, R, x, G, k: _upper((s * sp.eye(2) - G if k == "norm2" else G - s * sp.eye(2)) - R * R.T),
    "R not tied to G": lambda s, R, x, G, k: _upper(s ** 2 * sp.eye(2) - R * R.T),
    "the other side's sign": lambda s, R, x, G, k: _upper(
        (G - s ** 2 * sp.eye(2) if k == "norm2" else s ** 2 * sp.eye(2) - G) - R * R.T),
    "a unit vector that is not unit": lambda s, R, x, G, k: [sp.expand((x.T * x)[0, 0] - 2)],
    "xᵀGx = s (not s²)": lambda s, R, x, G, k: [sp.expand((x.T * G * x)[0, 0] - s)],
}


@pytest.mark.parametrize("kind", ["norm2", "smin"])
@pytest.mark.parametrize("plant", list(NORM_PLANTS))
def test_a_planted_singular_value_template_is_not_a_kernel_fact(kind, plant):
    stmt = _statement(kind)
    s, R, x, G = _norm_parts(stmt, kind)
    got = [_is_fact(stmt, h) for h in NORM_PLANTS[plant](s, R, x, G, kind)]
    if plant.startswith("the template"):
        assert all(got)
    else:
        assert not all(got), plant   # at least one planted constraint is none of the kernel's facts


def _vieta_plants(stmt):
    (arg, e), = stmt.reading.eigen.items()
    M = sp.Matrix(2, 2, list(arg[2]))
    (p1, q1), (p2, q2) = e["roots"]
    (u, w), _ = e["vectors"]
    tr, det = M.trace(), sp.expand(M.det())
    return {
        "the template, as the kernel states it": [p1 + p2 - tr, q1 + q2, sp.expand(p1 * p2 - q1 * q2 - det),
                                                  sp.expand(p1 * q2 + p2 * q1)],
        "the trace with its sign flipped": [p1 + p2 + tr],
        "the product's imaginary part with a sign flipped": [sp.expand(p1 * q2 - p2 * q1)],
        "the determinant with its sign flipped": [sp.expand(p1 * p2 - q1 * q2 + det)],
        "an eigenvector of Aᵀ": [sp.expand(x) for x in list(M.T * u - p1 * u + q1 * w)],
        "an eigenvector that is not unit": [sp.expand((u.T * u + w.T * w)[0, 0] - 2)],
    }


@pytest.mark.parametrize("kind", ["rho", "lam_min"])
@pytest.mark.parametrize("plant", ["the template, as the kernel states it", "the trace with its sign flipped",
                                   "the product's imaginary part with a sign flipped",
                                   "the determinant with its sign flipped", "an eigenvector of Aᵀ",
                                   "an eigenvector that is not unit"])
def test_a_planted_eigenvalue_template_is_not_a_kernel_fact(kind, plant):
    stmt = _statement(kind)
    got = [_is_fact(stmt, h) for h in _vieta_plants(stmt)[plant]]
    assert all(got) if plant.startswith("the template") else not all(got), plant


def _square_false_certificate(s, R, x, G, D):
    """s − s² ≥ 0 from D = sI − G − RRᵀ = 0 (the template with s² written s), xᵀx = 1, xᵀGx = s²:
    s − s² = ‖Rᵀx‖² + xᵀDx − s(xᵀx − 1) + (xᵀGx − s²). A genuine identity over Q."""
    unit = sp.expand((x.T * x)[0, 0] - 1)
    wit = sp.expand((x.T * G * x)[0, 0] - s ** 2)
    eqs = _upper(D) + [unit, wit]
    mult = [(sp.expand(x[0] ** 2), 0), (sp.expand(2 * x[0] * x[1]), 1), (sp.expand(x[1] ** 2), 2),
            (-s, 3), (sp.Integer(1), 4)]
    rt = R.T * x
    return Certificate(sp.expand(s - s ** 2), ">=", (s,), tuple(eqs),
                       products=tuple((1, sp.expand(r), ()) for r in rt), multipliers=tuple(mult))


@pytest.mark.parametrize("plant", ["s² written s", "G with the other sign"])
def test_a_certificate_on_a_planted_norm_template_proves_no_false_step(plant):
    """‖A‖₂² ≤ ‖A‖₂ is false (A = 2I). With the template's s² written s (or G's sign flipped) it has an exact
    certificate on the prover's variables, named as ‖A‖₂'s own; the kernel pairs them with its witnesses and
    finds constraints it never derived: no token."""
    from symderiv.kernel.sos import check
    from symderiv.prove import encode_size
    from symderiv.prove.encode import Witness

    claim = _claim(lambda A: rel(norm2(A) ** 2, "<=", norm2(A)), "witness.planted-square")
    vals = encode_size(claim, N2)[0]
    A = vals["A"]
    G = (A.T * A).applyfunc(sp.expand)
    if plant == "G with the other sign":   # s I + G = RRᵀ and xᵀ(−G)x = s²
        G = -G
    s = Witness("_norm0", real=True)
    R = sp.Matrix(2, 2, lambda i, j: Witness(f"_L{i}{j}", real=True) if j <= i else 0)
    x = sp.Matrix(2, 1, lambda i, j: Witness(f"_x{i}", real=True))
    cert = _square_false_certificate(s, R, x, G, s * sp.eye(2) - G - R * R.T)
    assert check(cert)[0]   # the identity holds: only the template is wrong
    proof = type("P", (), {})()
    proof.small, proof.big, proof.certs, proof.squared = s ** 2, s, [cert], False
    proof.lemmas, proof.meanings = [], [("norm2", A, {"s": s, "R": R, "x": x})]
    token, why = kernel.accept_step(claim, N2, "claim", [("sos", proof)], vals,
                                    ask=lambda text, budget: {"z3": "unknown", "cvc5": "unknown"})
    assert token is None and "did not derive" in why, why


def _shipped(cid):
    return collect([PROOFS]).items[cid]


@pytest.mark.parametrize("cid,n", [("norm-facts.frobenius-spectral", 2), ("pal2019.lemma3.corrected", 1),
                                   ("pal2019.proof4.epsilon", 1),
                                   ("cs6180.orthogonal-properties.eigenvalue-modulus", 1),
                                   ("cs6180.orthogonal-properties.eigenvalue-modulus", 2),
                                   ("avram2025.spectral-psd.psd", 2)])
def test_shipped_steps_hold_on_the_kernels_own_goal(cid, n):
    """Each step the prover proves is accepted by the kernel with no prover's encoding among its trusts."""
    from symderiv.prove import Mark, prove_size

    claim, size = _shipped(cid), {"n": n, "t": 1}
    proof = prove_size(claim, size)
    assert proof.steps
    for lab, st in proof.steps.items():
        assert st.mark == Mark.PROVED, (lab, st.detail)
        token, why = kernel.accept_step(claim, size, lab, st.evidence, proof.values)
        assert token is not None, why
        assert not any("prover's encoding" in t for t in token.trusts), token.trusts


def test_the_shipped_claims_lose_the_provers_encoding_in_their_result():
    """End to end, typed: Result.trusted of a claim whose norm step needs the kernel's witnesses (n = 2)."""
    from symderiv.engine import check_claim
    from symderiv.results import Verdict

    res = check_claim(_shipped("norm-facts.frobenius-spectral"))
    assert res.verdict == Verdict.HOLDS
    assert not any("prover's encoding" in t for t in res.trusted), res.trusted


@pytest.mark.parametrize("cid", ["reach.frobenius-le-spectral", "reach.spectral-le-radius", "pal2019.lemma3"])
def test_the_false_siblings_still_fail_certified(cid):
    from symderiv.engine import check_claim
    from symderiv.results import Verdict

    res = check_claim(_shipped(cid))
    assert res.verdict == Verdict.FAILS and res.counterexample is not None


def test_a_lemma_instance_is_a_fact_only_when_it_checks_on_the_kernels_facts():
    """The prover's lemma instances (PSD form ‖My‖ ≤ ‖M‖₂‖y‖ on its R) become facts of the kernel's sentence only
    after each is checked on the kernel's own facts; an instance resting on a planted constraint (‖A‖₂ = 5, a
    genuine identity over its own equality) is not."""
    from symderiv.prove import prove_size

    claim, size = _shipped("norm-facts.frobenius-spectral"), N2
    proof = prove_size(claim, size)
    (sos,) = proof.steps["claim"].evidence
    assert sos[1].lemmas

    def derived(lemmas):
        stmt = goal.Statement(claim, size)
        stmt.halves("claim")
        before = len(stmt.facts.ge) + len(stmt.facts.eq)
        p = type("P", (), {})()
        p.lemmas, p.meanings = lemmas, sos[1].meanings
        goal._derive(stmt, goal._renamed(p, goal._pairing(proof.values, stmt.values)))
        return len(stmt.facts.ge) + len(stmt.facts.eq) - before

    assert derived(sos[1].lemmas) == len(sos[1].lemmas)
    (s,) = [m[2]["s"] for m in sos[1].meanings if m[0] == "norm2"]
    planted = Certificate(s - 5, ">=", (), (s - 5,), multipliers=((sp.Integer(1), 0),))
    assert derived([planted]) == 0
    assert derived([*sos[1].lemmas, planted]) == len(sos[1].lemmas)
