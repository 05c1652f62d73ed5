"""Issue 21.4: a claim about one size is refuted at that size, without a symbolic build.

A false claim declared at ``sweep(n=(16,), t=(32,), fixed=("n", "t"))`` must be
``fails`` with a counterexample at n = 16, t = 32 that the kernel re-verifies
(forward mode over ℤ/p, kernel/modular.py); its true sibling must not be
``fails``. Each false claim is one of a class written several ways (a reversed
product, a wrong partial in a sum over k, a dropped step, a loss gradient), so
the path is not fitted to one transcription. n = 32, t = 64 is in
benchmarks/bench_fixed_size.py.
"""
from __future__ import annotations

from dataclasses import replace

import pytest
from flint import fmpz

from symderiv import diag, elman_rnn, eye, kron, product, total
from symderiv.certificates import Counterexample
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.kernel import modular
from symderiv.results import Phase, Verdict
from symderiv.sizes import sweep

SIZE = {"n": 16, "t": 32}


def _claim(check, size=SIZE, **kw):
    return Claim(id=kw.pop("id", "fixed.claim"), where="test", statement="test", check=check,
                 model=kw.pop("model", elman_rnn), sizes=sweep(n=(size["n"],), t=(size["t"],), fixed=("n", "t")),
                 conventions={"layout": "row-major"}, **kw)


def jac(m, order="descending", lo=1):
    factor = lambda k: diag(m.dsigma(m.at("z", k))) * m.W
    return m.d(("h", m.t), ("h", 0)), product(factor, lo, m.t, order=order, size=m.n)


def dW(m, wrong=False):
    J = lambda r: diag(m.dsigma(m.at("z", r))) * m.W
    P = lambda k: diag(m.dsigma(m.at("z", k))) * kron(eye(m.n), (m.h(k) if wrong else m.h(k - 1)).T)
    terms = [product(J, k + 1, m.t, order="descending", size=m.n) * P(k) for k in range(1, m.t + 1)]
    return m.d(("h", m.t), "W"), total(terms, (m.n, m.n * m.n))


def dE_dh(m, wrong=False):
    """dE_t/dh_{t−1} of the witness loss: a row times the recurrent factor (transposed when wrong)."""
    g = m.d(("E", m.t), ("o", m.t))
    W = m.W.T if wrong else m.W
    return m.d(("E", m.t), ("h", m.t - 1)), g * m.V * diag(m.dsigma(m.at("z", m.t))) * W


FALSE = {
    "reversed product": (lambda m: jac(m, "ascending"), SIZE),
    "a step dropped": (lambda m: jac(m, lo=2), SIZE),
    "h_k for h_{k-1} in dh/dW": (lambda m: dW(m, wrong=True), {"n": 4, "t": 24}),
    "W for Wᵀ in a loss gradient": (lambda m: dE_dh(m, wrong=True), SIZE),
}
TRUE = {
    "reversed product": (jac, SIZE),
    "a step dropped": (jac, SIZE),
    "h_k for h_{k-1} in dh/dW": (dW, {"n": 4, "t": 24}),
    "W for Wᵀ in a loss gradient": (dE_dh, SIZE),
}


@pytest.mark.parametrize("name", list(FALSE))
def test_a_false_claim_fixed_at_a_large_size_fails_certified_there(name):
    check, size = FALSE[name]
    r = check_claim(_claim(check, size))
    assert r.verdict == Verdict.FAILS, r.scope
    c = r.counterexample
    assert c.size == size  # at the size the claim is about, not a smaller one
    assert c.modulus is not None and fmpz(c.modulus).is_prime()
    assert Phase.BUILD not in r.phases  # no symbolic expression was built
    if "loss" not in name:  # the point gives what the claim reads: no targets y_k for a claim about h alone
        assert not any(k.startswith("y") for k in c.point), sorted(c.point)[-3:]


@pytest.mark.parametrize("name", list(TRUE))
def test_its_true_sibling_at_that_size_is_not_fails(name):
    check, size = TRUE[name]
    r = check_claim(_claim(check, size))
    assert r.verdict == Verdict.HOLDS, r.error or r.scope


def _certificate(check=lambda m: jac(m, "ascending"), size=SIZE):
    claim = _claim(check, size)
    r = check_claim(claim)
    assert r.verdict == Verdict.FAILS
    return claim, r.counterexample


def test_the_kernel_re_verifies_the_counterexample_and_refuses_a_tampered_one():
    claim, cert = _certificate()
    assert modular.verify_modular(claim, cert).ok
    cert = Counterexample.from_json(cert.to_json())  # through the JSON report and back: the prime kept
    assert modular.verify_modular(claim, cert).ok
    key = next(k for k in cert.point if k.startswith("W["))
    moved = dict(cert.point, **{key: str(int(cert.point[key]) + 1)})
    tampered = [
        replace(cert, modulus=cert.modulus + 2 if not fmpz(cert.modulus + 2).is_prime() else cert.modulus + 1),
        replace(cert, modulus=7),                        # a prime too small to be accepted
        replace(cert, size={"n": 2, "t": 3}),            # not the size the claim fixes
        replace(cert, point={k: v for k, v in cert.point.items() if k != key}),  # an input without a value
        replace(cert, point=dict(cert.point, **{key: "w"})),                     # not an exact number
        replace(cert, lhs=f"≡ {1 + int(cert.lhs.split()[1])} (mod {cert.modulus})"),  # a residue not recomputed
        replace(cert, entry=(99, 0)),
    ]
    for bad in tampered:
        assert not modular.verify_modular(claim, bad).ok, bad
    # a true claim at any point: both sides agree modulo the prime, never a refutation
    true_claim = _claim(jac, SIZE, id="fixed.true")
    assert not modular.verify_modular(true_claim, replace(cert, claim_id="fixed.true")).ok
    # a different point is still a point: whatever it says, the kernel decides it from the point, not the record
    assert isinstance(modular.verify_modular(claim, replace(cert, point=moved)).ok, bool)


def test_a_residue_refutes_only_what_is_polynomial():
    """tanh has no value in ℤ/p: a false tanh claim fixed at a large size is never fails from the modular path, and
    the kernel refuses a modular certificate for it."""
    claim = _claim(lambda m: jac(m, "ascending"), {"n": 6, "t": 12}, activation="tanh")
    r = check_claim(claim)
    assert r.verdict != Verdict.HOLDS
    assert r.counterexample is None or r.counterexample.modulus is None
    cert = Counterexample(claim.id, {"n": 6, "t": 12}, None, {}, (0, 0), "", "", modulus=4611686018427388039)
    v = modular.verify_modular(claim, cert)
    assert not v.ok


def test_residues_are_the_image_of_the_rationals():
    p = 4611686018427388039
    assert modular.residue(3, p) == 3
    half = modular.residue(__import__("sympy").Rational(1, 2), p)
    assert 2 * half % p == 1
    with pytest.raises(modular.Unsupported):
        modular.residue(__import__("sympy").sqrt(2), p)


# ----- holds beyond the exact model's reach: re-checked by the kernel over ℤ/p ------------------------------------

def test_holds_beyond_the_exact_models_reach_is_rechecked_by_the_kernel_over_residues():
    """At n = 16, t = 32 (beyond random_check.REACH) a true claim's holds is the kernel's own check over ℤ/p, its
    error bound a field; so at any size beyond (the F_p trials are never trusted for want of a reach)."""
    from symderiv.kernel.accept import UNBOUNDED
    from symderiv.kernel.random_check import PRIME_CONTENT
    from symderiv.kernel.random_check import REACH

    assert SIZE["n"] > REACH["n"] and SIZE["t"] > REACH["t"]
    for check in (jac, dE_dh):
        r = check_claim(_claim(check, SIZE))
        assert r.verdict == Verdict.HOLDS
        (o,) = r.sizes
        assert o.kernel.trusts == () and o.kernel.error_bits and o.kernel.trials >= 1, o.kernel
        # the ℤ/p forward mode bounds its own degree (E, in the error bound): nothing trusted, UNBOUNDED not added
        assert o.kernel.degree is not None and r.trusted == [] and UNBOUNDED not in r.trusted
    # the kernel's ℤ/p check has no reach of its own: at t = 257 (n = 2) and at n = 129 (t = 1), beyond the old
    # MODULAR_REACH (n ≤ 128, t ≤ 256, past which the F_p trials were trusted), it re-checks the F_p holds
    for far in ({"n": 2, "t": 257}, {"n": 129, "t": 1}):
        r = check_claim(_claim(lambda m: (m.h(m.t) * 2, m.h(m.t) + m.h(m.t)), far, id="fixed.far"), backend="fp")
        assert r.verdict == Verdict.HOLDS and r.trusted == [] and r.sizes[0].kernel.rechecked, (far, r.trusted)


def test_the_kernels_residue_check_is_not_fooled_by_a_false_claim_the_engine_calls_holds(monkeypatch):
    """A planted engine bug that says holds at n = 16, t = 32 for a false claim: the kernel's own check over ℤ/p
    disagrees, so the verdict is not holds (three false siblings)."""
    from symderiv import engine
    from symderiv.results import SizeOutcome, StopReason

    def planted(claim, size, **kw):
        from symderiv import kernel

        token, why = kernel.confirm_identity(claim, size, trusts="planted")
        if token is None:
            return SizeOutcome(size, Verdict.UNDECIDED, why, stop=StopReason.SEARCH_EXHAUSTED), None
        return SizeOutcome(size, Verdict.HOLDS, "planted", tokens=(token,)), None

    monkeypatch.setattr(engine, "check_identity_at", planted)
    for name in ("reversed product", "a step dropped", "W for Wᵀ in a loss gradient"):
        check, size = FALSE[name]
        r = check_claim(_claim(check, size))
        assert r.verdict != Verdict.HOLDS, name


def test_concrete_functions_beyond_reach_are_rechecked_or_said_trusted():
    """tanh and the logistic function keep their differential equations (and SymPy's symmetries) over ℤ/p: a true
    tanh claim at n = 8, t = 16 is re-checked; a cell written with exp in an entry function (1/(1 + e^−v)) is
    re-checked too since the kernel reads applyfunc's expression itself (kernel/modular.py ``_entry_reading``: a
    random e with e' = e; its identity needs no eᵃeᵇ = eᵃ⁺ᵇ), where it trusted its F_p trials before — never an
    error."""
    from tests.test_fp_exp import exp_logistic, logistic_jacobian

    r = check_claim(_claim(jac, {"n": 8, "t": 16}, activation="tanh", id="fixed.tanh"))
    assert r.verdict == Verdict.HOLDS and r.sizes[0].kernel.trusts == (), r.scope
    assert r.sizes[0].kernel.degree is not None
    r = check_claim(_claim(logistic_jacobian, {"n": 8, "t": 16}, model=exp_logistic, id="fixed.exp"))
    assert r.verdict == Verdict.HOLDS, r.error or r.scope
    assert r.trusted == [] and r.sizes[0].kernel.rechecked and r.sizes[0].kernel.degree is not None, r.trusted
