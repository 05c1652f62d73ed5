"""Soundness of the randomized F_p backend: each test is a reproduction from issue 10 (items 1–5, "Also").

A verifier that says `holds` for a false formula is worse than none, so every
test here either builds a false claim and requires that the F_p backend does
not accept it, or builds a true one and requires that it is not refuted.
"""
import gc
import math

import pytest
import sympy as sp

from symderiv import diag, eye, kron, pal2019_rnn, product, total
from symderiv import fp
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.results import Verdict
from symderiv.sizes import sweep

ROW = {"layout": "row-major"}


def blk(v):
    return kron(eye(v.rows), v.T)


def blk_col(v):
    return kron(v.T, eye(v.rows))


def closed(m, s=1, a=1, block=blk):
    """Corrected Theorem 1 with knobs: s scales the k = t term, a scales σ's argument in it."""
    F = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
    T = (product(F, k + 1, m.t, order="descending", size=m.n) * block(m.sigma(m.h(k - 1))) for k in range(1, m.t))
    return total(T, (m.n, m.n * m.n)) + block(m.sigma(m.h(m.t - 1) * a) * s)


def make(check, *, n=(1, 2, 3), t=(1, 2, 3, 4), conventions=ROW, relation="=", model=pal2019_rnn, id="test.fp"):
    return Claim(id=id, where="test", statement="test", check=check, model=model, sizes=sweep(n=n, t=t),
                 conventions=dict(conventions), relation=relation)


def truth(m):
    return m.d(("h", m.t), "W_R")


# ----- 1. constants can never vanish ------------------------------------------------------------

#: a prime of the range the backend draws from: 1 + P0 is ≡ 1 modulo exactly one prime there
P0 = 4611686018427388039  # the least prime ≥ 2⁶²


@pytest.mark.parametrize("s", [2 ** 31, 1 + (2 ** 31 - 1), 1 + P0, sp.Rational(2 ** 31, 1)])
def test_a_constant_factor_is_never_reduced_away(s):
    claim = make(lambda m: (truth(m), closed(m, s=s)))
    for n, t in [(1, 1), (2, 3), (32, 64)]:
        out = fp.test_identity(claim, {"n": n, "t": t})
        assert not out.equal, (s, n, t)
    r = check_claim(claim, n=(32,), t=(64,), backend="fp")
    assert r.verdict == Verdict.FAILS and r.counterexample is not None  # certified by the exact engine
    assert check_claim(claim, backend="fp").verdict == Verdict.FAILS


@pytest.mark.parametrize("a", [2 ** 31, 1 + P0])
def test_a_constant_inside_sigma_is_a_different_atom(a):
    claim = make(lambda m: (truth(m), closed(m, a=a)))
    for n, t in [(1, 1), (2, 3), (32, 64)]:
        assert not fp.test_identity(claim, {"n": n, "t": t}).equal, (a, n, t)
    r = check_claim(claim, n=(32,), t=(64,), backend="fp")
    assert r.verdict == Verdict.FAILS and r.counterexample is not None


def test_each_trial_draws_a_fresh_large_prime():
    import numpy as np

    rng = np.random.default_rng(7)
    ps = [fp.random_prime(rng) for _ in range(20)]
    assert len(set(ps)) == 20
    from flint import fmpz

    assert all(2 ** 62 <= p < 2 ** 63 and fmpz(p).is_prime() for p in ps)


def test_rationals_are_mapped_honestly_and_floats_are_refused():
    third = sp.Rational(1, 3)
    ok = make(lambda m: (third * m.W_R * m.h(0), m.W_R * m.h(0) / 3), n=(2,), t=(2,))
    bad = make(lambda m: (third * m.W_R * m.h(0), m.W_R * m.h(0) * sp.Rational(1, 2)), n=(2,), t=(2,))
    flt = make(lambda m: (m.h(1) + 1e-17 * m.h(1), m.h(1)), n=(2,), t=(2,))
    text = make(lambda m: ("W*h", "h*W"), n=(2,), t=(2,))
    assert fp.test_identity(ok, {"n": 2, "t": 2}).equal
    assert not fp.test_identity(bad, {"n": 2, "t": 2}).equal
    for c in (flt, text):
        r = check_claim(c, backend="fp")
        assert r.verdict == Verdict.ERROR, r.verdict
    assert "1e-17" in check_claim(flt, backend="fp").error


def test_no_overflow_at_n_600_in_the_projection():
    # the inner dimension of the projection is n² = 360000: int64 sums of products overflow there
    claim = make(lambda m: (truth(m), closed(m)))
    out = fp.test_identity(claim, {"n": 600, "t": 2})
    assert out.equal and out.error_bits >= 64


# ----- 2. every σ argument of both sides is in the accounting -----------------------------------

def test_the_claims_own_sigma_sites_are_counted():
    same = fp.test_identity(make(lambda m: (truth(m), closed(m))), {"n": 4, "t": 5})
    extra = fp.test_identity(make(lambda m: (closed(m, a=3), closed(m, a=3))), {"n": 4, "t": 5})
    assert same.equal and extra.equal
    # the claim's σ(3 h_{t-1}) is a new argument: n more σ sites than the model's own
    assert extra.sites["sigma"] == same.sites["sigma"] + 4


def test_the_stated_bound_is_at_most_two_to_the_minus_64():
    out = fp.test_identity(make(lambda m: (truth(m), closed(m))), {"n": 8, "t": 16})
    assert out.equal and out.error_bits >= 64
    assert out.trials * out.bits_per_trial == pytest.approx(out.error_bits)
    assert 0 < out.bits_per_trial < 62  # one trial alone never reaches 2⁻⁶⁴ (p < 2⁶³)


# ----- 3. layout --------------------------------------------------------------------------------

def test_col_major_jacobian_against_a_row_major_closed_form_does_not_hold():
    claim = make(lambda m: (m.d(("h", m.t), "W_R", layout="col-major"), closed(m)))
    assert not fp.test_identity(claim, {"n": 16, "t": 32}).equal
    assert check_claim(claim, n=(16,), t=(32,), backend="fp").verdict != Verdict.HOLDS


def test_col_major_is_honoured_from_the_claims_conventions():
    col = {"layout": "col-major"}
    good = make(lambda m: (m.d(("h", m.t), "W_R"), closed(m, block=blk_col)), conventions=col)
    wrong = make(lambda m: (m.d(("h", m.t), "W_R"), closed(m)), conventions=col)
    assert check_claim(good, n=(16,), t=(32,), backend="fp").verdict == Verdict.HOLDS
    assert not fp.test_identity(wrong, {"n": 16, "t": 32}).equal
    for n, t in [(1, 2), (2, 2), (2, 3)]:  # and the exact engine agrees at small sizes
        for c in (good, wrong):
            a = check_claim(c, n=(n,), t=(t,), backend="fp").verdict
            b = check_claim(c, n=(n,), t=(t,), backend="symengine").verdict
            assert a == b, (n, t)


# ----- 4. eager semantics: a closure over a loop variable -----------------------------------------

def late_binding(m):
    """A false closed form that reads k inside the factor: right only if k is read after the loop."""
    terms = []
    for k in range(1, m.t):
        F = lambda r: (m.W_R if k == m.t - 1 else m.W_R.T) * diag(m.dsigma(m.h(r - 1)))
        terms.append(product(F, k + 1, m.t, order="descending", size=m.n) * blk(m.sigma(m.h(k - 1))))
    return truth(m), total(terms, (m.n, m.n * m.n)) + blk(m.sigma(m.h(m.t - 1)))


def test_a_closure_over_a_loop_variable_sees_the_same_value_as_in_the_exact_engine():
    claim = make(late_binding, n=(2, 3), t=(3, 4, 5))
    a = check_claim(claim, backend="fp")
    b = check_claim(claim, backend="symengine")
    assert [s.status for s in a.sizes] == [s.status for s in b.sizes]
    assert b.verdict == Verdict.FAILS and a.verdict == Verdict.FAILS


# ----- 5. no identity-keyed caches -----------------------------------------------------------------

def test_caches_cannot_be_fooled_by_what_ran_before():
    """Many true and false claims in one process, interleaved, with garbage churned between them."""
    from tests.test_quality import PLANTED, closed_form

    variants = [("true", {}, lambda n, t: False)] + [(k, kw, d) for k, (kw, d) in PLANTED.items()]
    runs = 0
    for rep in range(2):
        for n, t in [(2, 3), (4, 5)]:
            for name, kw, differs in variants[rep % 2::1] + variants[::-1]:
                claim = make(lambda m, kw=kw: (truth(m), closed_form(m, **kw)))
                out = fp.test_identity(claim, {"n": n, "t": t}, seed=rep)
                assert out.equal == (not differs(n, t)), (name, n, t, rep)
                junk = [fp.Val.constant(sp.Integer(i), [P0]) for i in range(50)]
                del junk
                runs += 1
            gc.collect()  # temporaries die between claims: a cache keyed by id() would now be fooled
    assert runs > 20


def test_a_prefix_cache_is_not_fooled_by_reused_ids():
    """W P + Wᵀ P against W P + W P: the old prefix cache, keyed by id() of the temporary row u W, handed
    the Wᵀ term the W term's prefix once the temporary was freed and its id reused (`holds` at n = 2, 3, 8)."""
    def check(m):
        F = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
        P = lambda: product(F, 1, m.t, order="descending", size=m.n)
        return m.W_R * P() + m.W_R.T * P(), m.W_R * P() + m.W_R * P()

    claim = make(check)
    for n, t in [(2, 2), (3, 4), (8, 8)]:
        for seed in range(3):
            assert not fp.test_identity(claim, {"n": n, "t": t}, seed=seed).equal, (n, t, seed)


def test_memo_keys_are_serial_numbers_never_reused():
    seen = set()
    for _ in range(2000):
        v = fp.Val.constant(sp.Integer(1), [P0])
        assert v.uid not in seen
        seen.add(v.uid)
        del v


# ----- relation "≠" ----------------------------------------------------------------------------

def test_an_fp_holds_never_makes_a_not_equal_claim_fail():
    same = make(lambda m: (truth(m), closed(m)), relation="≠")
    r = check_claim(same, n=(32,), t=(64,), backend="fp")
    assert r.verdict == Verdict.UNDECIDED and "F_p" in r.sizes[0].detail
    differ = make(lambda m: (truth(m), closed(m, s=2 ** 31)), relation="≠")
    r = check_claim(differ, n=(32,), t=(64,), backend="fp")
    assert r.verdict != Verdict.FAILS
    assert r.verdict == Verdict.HOLDS  # the exact engine certified a point where they differ


# ----- shapes as SymPy checks them --------------------------------------------------------------

@pytest.mark.parametrize("rhs", [
    lambda m: m.W_R * (m.h(0).T * m.h(0)),           # n×n times 1×1: SymPy raises
    lambda m: m.h(1) + m.h(0).T * m.h(0),             # n×1 + 1×1: never broadcast
    lambda m: m.W_R + m.h(1),                         # n×n + n×1
])
def test_shape_errors_are_errors_as_in_sympy(rhs):
    claim = make(lambda m: (rhs(m), rhs(m)), n=(2, 3), t=(2,))
    assert check_claim(claim, backend="symengine").verdict == Verdict.ERROR
    r = check_claim(claim, n=(8,), t=(9,), backend="fp")
    assert r.verdict == Verdict.ERROR, r.verdict


def test_numbers_times_matrices_are_fine():
    claim = make(lambda m: (2 * m.W_R * m.h(0) + m.h(1) * sp.Rational(3, 2), m.W_R * m.h(0) * 2 + 3 * m.h(1) / 2),
                 n=(3,), t=(2,))
    assert check_claim(claim, n=(8,), t=(9,), backend="fp").verdict == Verdict.HOLDS


# ----- certification after a disagreement -------------------------------------------------------

def test_a_closed_form_that_breaks_only_at_larger_t_is_certified():
    def check(m):  # wrong only from t = 6 on, at every n
        extra = blk(m.sigma(m.h(0))) if m.t >= 6 else kron(eye(m.n), sp.zeros(1, m.n))
        return truth(m), closed(m) + extra

    claim = make(check)  # its own sweep stops at t = 4
    r = check_claim(claim, n=(16,), t=(32,), backend="fp")
    assert r.verdict == Verdict.FAILS, r.sizes[0].detail
    assert r.counterexample.size["t"] >= 6 and r.counterexample.size["n"] <= 3


def test_the_requested_small_size_is_among_those_certified():
    def check(m):  # wrong only at n = 2, t = 5, outside the claim's own sweep
        extra = blk(m.sigma(m.h(0))) if (m.n, m.t) == (2, 5) else kron(eye(m.n), sp.zeros(1, m.n))
        return truth(m), closed(m) + extra

    r = check_claim(make(check), n=(2,), t=(5,), backend="fp")
    assert r.verdict == Verdict.FAILS and r.counterexample.size == {"n": 2, "t": 5}


# ----- forward mode along any direction: derivatives inside products, other parameters, both layouts ---

@pytest.mark.parametrize("layout", ["row-major", "col-major"])
def test_the_chain_rule_recursion_agrees_with_the_exact_engine(layout):
    """dh_t/dW = ∂ + W diag σ'(h_{t-1}) dh_{t-1}/dW (a derivative rightmost in a product), and dh_t/db."""
    part = blk if layout == "row-major" else blk_col

    def lemma(m, wrong=False):
        back = m.W_R * diag(m.dsigma(m.h(m.t - 1))) * m.d(("h", m.t - 1), "W_R")
        return m.d(("h", m.t), "W_R"), part(m.sigma(m.h(m.t - 1))) + (back * 2 if wrong else back)

    def bias(m, wrong=False):
        back = (m.W_R.T if wrong else m.W_R) * diag(m.dsigma(m.h(m.t - 1))) * m.d(("h", m.t - 1), "b_R")
        return m.d(("h", m.t), "b_R"), eye(m.n) + back

    conv = {"layout": layout}
    for check in (lemma, bias):
        good = make(lambda m, check=check: check(m), n=(1, 2, 3), t=(2, 3), conventions=conv)
        bad = make(lambda m, check=check: check(m, wrong=True), n=(1, 2, 3), t=(2, 3), conventions=conv)
        for c in (good, bad):
            a, b = check_claim(c, backend="fp"), check_claim(c, backend="symengine")
            assert [s.status for s in a.sizes] == [s.status for s in b.sizes], (check.__name__, layout)
        assert check_claim(good, n=(24,), t=(40,), backend="fp").verdict == Verdict.HOLDS
        assert not fp.test_identity(bad, {"n": 24, "t": 40}).equal


def test_concrete_activations_are_tested_by_their_derivative_relation_not_as_abstract():
    """tanh' = 1 − tanh² over F_p with a concrete σ; the same claim with an abstract σ is not an identity."""
    from symderiv import hadamard, ones

    def check(m):
        s = m.sigma(m.h(1))
        return m.dsigma(m.h(1)), ones(m.n) - hadamard(s, s)

    for act, equal in (("tanh", True), ("abstract", False), ("logistic", False)):
        c = Claim(id="t", where="t", statement="t", check=check, model=pal2019_rnn, activation=act,
                  sizes=sweep(n=(2,), t=(2,)), conventions=ROW)
        assert fp.test_identity(c, {"n": 6, "t": 5}).equal == equal, act


def test_sizes_where_the_claim_cannot_be_built_are_skipped_when_certifying():
    def check(m):  # needs t ≥ 3 (h_{t-3}); wrong everywhere it can be built
        return truth(m), closed(m) + blk(m.sigma(m.h(m.t - 3)))

    r = check_claim(make(check), n=(8,), t=(12,), backend="fp")
    assert r.verdict == Verdict.FAILS and r.counterexample.size["t"] >= 3


def test_a_prime_dividing_a_denominator_is_redrawn(monkeypatch):
    real, calls = fp.random_prime, []

    def rigged(rng):  # the first prime of each batch is P0, which divides the claim's denominator
        calls.append(1)
        return P0 if len(calls) == 1 else real(rng)

    monkeypatch.setattr(fp.trial, "random_prime", rigged)  # the driver draws the primes
    claim = make(lambda m: (sp.Rational(1, P0) * m.W_R * m.h(0) * P0, m.W_R * m.h(0)), n=(2,), t=(2,))
    out = fp.test_identity(claim, {"n": 2, "t": 2})
    assert out.equal and out.redraws == 1 and out.parts["excluded_primes"] == 1
    wrong = make(lambda m: (sp.Rational(1, P0) * m.W_R * m.h(0) * (P0 + 1), m.W_R * m.h(0)), n=(2,), t=(2,))
    calls.clear()
    assert not fp.test_identity(wrong, {"n": 2, "t": 2}).equal


def test_the_per_trial_bound_is_the_stated_formula():
    from fractions import Fraction

    # 3 sites of σ of degree 2, small height: 3 pairs × 2 = 6, plus D = 10: ε = 16 / 2⁶², no prime terms
    bits, parts = fp.trial_error(10, 10.0, {"sigma": [(3, 2, 1.0, 0.0)], "dsigma": []})
    assert parts["pairs_degree"] == 6 and parts["pair_primes"] == 0 and parts["content_primes"] == 0
    assert bits == pytest.approx(62 - 4, abs=1e-5)
    # two sites whose arguments carry 40 bits: their difference may have one prime ≥ 2⁶² in its content;
    # a 130-bit difference of the sides may have two
    bits, parts = fp.trial_error(5, 130.0, {"sigma": [(2, 1, 40.0, 0.0)]})
    assert parts["pair_primes"] == 1 and parts["content_primes"] == 2
    eps = Fraction(5 + 1, 2 ** 62) + Fraction(2 + 1, fp.N_PRIMES_LO)
    assert bits == pytest.approx(-math.log2(eps), abs=1e-5)
    # mixed degrees: pairs count the larger degree
    _, parts = fp.trial_error(1, 0.0, {"sigma": [(1, 1, 0.0, 0.0), (2, 3, 0.0, 0.0)]})
    assert parts["pairs_degree"] == 3 + 3 + 3
