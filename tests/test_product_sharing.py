"""Within one ``total(family, …)`` the products of one factor function share their factors and suffixes
(notation._shared_product): the same value as the products taken one by one, each factor(r) built once."""
from __future__ import annotations

import sympy as sp
from hypothesis import given, settings, strategies as st

from symderiv import product, total


def _factors(seed: int, size: int, hi: int) -> dict:
    import random

    rng = random.Random(seed)
    return {r: sp.Matrix(size, size, lambda i, j: rng.randint(-3, 3)) for r in range(0, hi + 2)}


def _plain(F, lo, hi, order, size):
    rs = range(hi, lo - 1, -1) if order == "descending" else range(lo, hi + 1)
    out = sp.eye(size)
    for r in rs:
        out = out * F[r]
    return out


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10 ** 6), size=st.integers(1, 3), t=st.integers(1, 7),
       order=st.sampled_from(["descending", "ascending"]), lo=st.integers(0, 2), shift=st.integers(0, 2))
def test_shared_products_equal_the_products_taken_one_by_one(seed, size, t, order, lo, shift):
    F = _factors(seed, size, t + 3)
    calls: list = []

    def factor(r):
        calls.append(r)
        return F[r]

    # terms k = lo … t: Π_{r=k+shift}^{t} factor(r) · (a term of its own), empty products included
    got = total(lambda k: product(factor, k + shift, t, order=order, size=size) * F[k], (size, size), lo=lo, hi=t)
    want = sp.zeros(size, size)
    for k in range(lo, t + 1):
        want += _plain(F, k + shift, t, order, size) * F[k]
    assert got == want
    assert len(calls) == len(set(calls))  # each factor(r) once within the total


def test_two_factor_functions_in_one_total_are_not_merged():
    A = {r: sp.Matrix([[r]]) for r in range(6)}
    B = {r: sp.Matrix([[10 * r]]) for r in range(6)}
    got = total(lambda k: product(lambda r: A[r], k, 5, order="descending", size=1)
                + product(lambda r: B[r], k, 5, order="descending", size=1), (1, 1), lo=1, hi=5)
    want = sum((sp.Matrix([[sp.prod(range(k, 6))]]) + sp.Matrix([[sp.prod(10 * r for r in range(k, 6))]])
                for k in range(1, 6)), sp.zeros(1, 1))
    assert got == want


def test_the_sharing_ends_with_its_total():
    """Outside a total (and in the next one) nothing is remembered: a factor function whose values changed in
    between gives its new values."""
    F = {r: sp.Matrix([[r]]) for r in range(5)}
    factor = lambda r: F[r]  # noqa: E731
    first = total(lambda k: product(factor, k, 4, order="descending", size=1), (1, 1), lo=1, hi=4)
    F.update({r: sp.Matrix([[2 * r]]) for r in range(5)})
    second = total(lambda k: product(factor, k, 4, order="descending", size=1), (1, 1), lo=1, hi=4)
    assert second != first and product(factor, 1, 4, order="descending", size=1) == sp.Matrix([[2 ** 4 * 24]])


def _stateful_claim(as_family: bool):
    """Σ_k Π_{r=k+1}^{t} (k D_r W) = Σ_k Π_{r=k+1}^{t} D_r W, the factor reading a scale its term sets: false
    from t = 3 as Python reads it (each term's product has its own scale), whatever way the sum is written."""
    from symderiv import avram2025_rnn, diag, sweep
    from symderiv.claims import Claim

    def check(m):
        scale = [1]
        F = lambda r: scale[0] * diag(m.f.dtanh(m.at("z", r))) * m.W  # noqa: E731
        G = lambda r: diag(m.f.dtanh(m.at("z", r))) * m.W  # noqa: E731

        def term(k):
            scale[0] = k
            return product(F, k + 1, m.t, order="descending", size=m.n)
        lhs = total(term, (m.n, m.n), lo=1, hi=m.t - 1) if as_family else \
            total([term(k) for k in range(1, m.t)], (m.n, m.n))
        return lhs, total(lambda k: product(G, k + 1, m.t, order="descending", size=m.n), (m.n, m.n), lo=1,
                          hi=m.t - 1)

    return Claim(id=f"sharing.state.{as_family}", where="t", statement="t", check=check, model=avram2025_rnn,
                 activation="tanh", sizes=sweep(n=(1, 2), t=(2, 3)), conventions={"layout": "row-major"})


def test_a_factor_that_reads_more_than_r_gets_pythons_verdict_however_the_sum_is_written():
    """The engine shares products within a total; the kernel reads the check as Python does and does not confirm
    the shared normal form, so the engine decides again without sharing: a certified fails, as for the list form."""
    from symderiv.engine import check_claim
    from symderiv.results import Verdict

    for as_family in (True, False):
        r = check_claim(_stateful_claim(as_family))
        assert r.verdict == Verdict.FAILS and r.counterexample is not None and r.counterexample.size["t"] == 3, \
            (as_family, r.verdict, r.scope)


def test_two_products_changed_in_place_inside_a_total_do_not_change_each_other():
    F = {r: sp.Matrix([[r, 1], [0, r]]) for r in range(6)}
    f = lambda r: F[r]  # noqa: E731 (one function: its two products are shared within the total)

    def term(k):
        A = product(f, k, 5, order="descending", size=2)
        B = product(f, k, 5, order="descending", size=2)
        A[0, 0] = A[0, 0] + 1
        return A - B

    assert total(term, (2, 2), lo=1, hi=5) == sp.Matrix([[5, 0], [0, 0]])
