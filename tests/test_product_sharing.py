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
