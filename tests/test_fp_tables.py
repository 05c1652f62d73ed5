"""Issue 21.6: the F_p trial's random functions, read without per-entry Python where it can be, are still functions.

A random function is a table per trial: an independent uniform value in [0, p) per distinct argument residue,
drawn once (the first time the residue is an argument), then read back for every later argument with that residue.
The fast paths (a call whose residues are all new and distinct fills the table in one pass; draws are read from the
trial's stream in blocks; an entrywise product reads a random function's values as ints instead of its matrix) must
give the very values of the plain scalar reading below, for the same seed, whatever the arguments: repeated within
a call, repeated across calls and tables, equal residues held by different value objects, several trials at once.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from flint import nmod_mat

from symderiv import fp
from symderiv.fp.trial import _Draws
from symderiv.fp.values import _ents, _ints


def _primes(k, seed=7):
    return [fp.random_prime(np.random.default_rng(seed + i)) for i in range(k)]


def _val(rows, cols, residues_per_trial, primes):
    return fp.Val([nmod_mat(rows, cols, r, p) for r, p in zip(residues_per_trial, primes)], rows, cols, 1, 0.0, 0.0)


class ScalarTables:
    """The plain reading: per trial one stream of scalar draws rng.integers(0, p); per table, residue -> value,
    a residue's value drawn when the residue is first seen (entries read row by row)."""

    def __init__(self, seeds, primes):
        self.rngs = [np.random.default_rng(s) for s in seeds]
        self.primes = primes
        self.tables = [{} for _ in primes]

    def apply(self, name, residues_per_trial):
        out = []
        for rng, p, tables, args in zip(self.rngs, self.primes, self.tables, residues_per_trial):
            t = tables.setdefault(name, {})
            row = []
            for a in args:
                if a not in t:
                    t[a] = int(rng.integers(0, p))
                row.append(t[a])
            out.append(row)
        return out

    def random(self, k):
        return [[int(rng.integers(0, p)) for _ in range(k)] for rng, p in zip(self.rngs, self.primes)]


def _calls(primes, rng):
    """A sequence of calls (table, shape, residues per trial) with every kind of repetition."""
    fresh = lambda k: [[int(x) for x in rng.integers(0, p, size=k)] for p in primes]  # noqa: E731
    a = fresh(6)                                             # all new, all distinct: the one-pass path
    b = [r[:3] + r[:3] for r in fresh(3)]                    # repeated within one call
    c = [ra[2:5] + rf for ra, rf in zip(a, fresh(2))]        # residues of an earlier call, and new ones
    d = [list(r) for r in a]                                 # the same residues again, another value object
    e = [[r[0]] * 4 for r in a]                              # one residue four times
    z = [[0, 1, 0, 1] for _ in primes]                       # small residues, repeated
    return [("sigma", (6, 1), a), ("sigma", (3, 2), b), ("dsigma", (6, 1), a), ("sigma", (1, 5), c),
            ("dsigma", (2, 3), d), ("sigma", (2, 2), e), ("sigma", (4, 1), z), ("dsigma", (4, 1), z),
            ("sigma", (6, 1), d)]


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_the_tables_give_the_scalar_readings_values_for_the_same_seed(k, seed):
    primes = _primes(k, seed)
    seeds = [seed * 10 + i for i in range(k)]
    batch = fp._Batch([np.random.default_rng(s) for s in seeds], list(primes))
    ref = ScalarTables(seeds, primes)
    for name, (rows, cols), res in _calls(primes, np.random.default_rng(seed + 99)):
        got = batch.apply(name, _val(rows, cols, res, primes))
        want = ref.apply(name, res)
        assert [list(map(int, x.entries())) for x in got.a] == want, name
        assert got.shape == (rows, cols)
    # the point's variables come from the same stream, after the tables' draws, as the scalar reading draws them
    assert [list(map(int, x.entries())) for x in batch.random(3, 2).a] == ref.random(6)


@pytest.mark.parametrize("k", [1, 2])
def test_equal_residues_get_equal_values_across_calls_steps_and_objects(k):
    """The function property on values made different ways: the same residues as a column, a row, a matrix,
    a transpose, a sum with zero, a product with one, in later calls (later steps of a model)."""
    primes = _primes(k, 3)
    batch = fp._Batch([np.random.default_rng(i) for i in range(k)], list(primes))
    h = batch.random(4, 1)
    zero = fp.Val.zeros(4, 1, primes)
    first = batch.apply("sigma", h)
    table = {}
    for i in range(k):
        for a, y in zip(_ints(h)[i], map(int, first.a[i].entries())):
            table.setdefault((i, a), y)
    others = [batch.random(4, 1) for _ in range(3)]
    for v in [h.T, fp._add(h, zero), fp._scale(h, Fraction(1)),
              _val(2, 2, _ints(h), primes), _val(4, 1, [r[::-1] for r in _ints(h)], primes), *others, h]:
        out = batch.apply("sigma", v)
        for i in range(k):
            for a, y in zip(_ints(v)[i], map(int, out.a[i].entries())):
                assert table.setdefault((i, a), y) == y
    # σ' is another function: its own table, the same residues need not give σ's values, but give equal ones
    d1, d2 = batch.apply("dsigma", h), batch.apply("dsigma", _val(4, 1, _ints(h), primes))
    assert [list(map(int, x.entries())) for x in d1.a] == [list(map(int, x.entries())) for x in d2.a]


def test_a_model_reads_sigma_of_a_state_that_repeats_as_one_value_at_every_step():
    """h_k = h_{k−1} for every k: σ(h_k) and σ'(h_k) are the same residues at every step, so the same values."""
    from symderiv import cell

    @cell("test: h_t = h_{t-1} + 0 σ(h_{t-1})", params={"W": ("n", "n")})
    def still(s, prev, x, p, f):
        s.h = prev.h + 0 * f.sigma(prev.h)

    primes = _primes(2, 5)
    batch = fp._Batch([np.random.default_rng(i) for i in range(2)], list(primes))
    token = fp._ACTIVE.set(batch)
    try:
        m = fp.FpModel(still, n=3, t=5, m=1, batch=batch)
        sig = [m.sigma(m.h(k)) for k in range(6)]
        dsig = [m.dsigma(m.h(k)) for k in range(6)]
    finally:
        fp._ACTIVE.reset(token)
    for seq in (sig, dsig):
        ents = [[list(map(int, x.entries())) for x in v.a] for v in seq]
        assert all(e == ents[0] for e in ents)
    assert [list(map(int, x.entries())) for x in sig[0].a] != [list(map(int, x.entries())) for x in dsig[0].a]


@pytest.mark.parametrize("seed", range(4))
def test_blocks_of_draws_are_the_scalar_draws(seed):
    """_Draws reads the stream in blocks: k values taken are the next k scalar draws, for any sizes (also past a
    block, and an empty take), for primes in [2⁶², 2⁶³) where NumPy draws 64-bit words one at a time."""
    p = fp.random_prime(np.random.default_rng(seed))
    d, ref = _Draws(np.random.default_rng(seed), p), np.random.default_rng(seed)
    sizes = [1, 0, 64, 3, _Draws.BLOCK, 5, 2 * _Draws.BLOCK + 7, 1, 4096]
    for k in sizes:
        assert d.take(k) == [int(ref.integers(0, p)) for _ in range(k)]


def _mats(rng, primes, k):
    return [[int(x) for x in rng.integers(0, p, size=k)] for p in primes]


@pytest.mark.parametrize("shapes", [((6, 1), (6, 1), (6, 1)), ((6, 1), (1, 6), (1, 6)), ((1, 6), (6, 1), (6, 1)),
                                    ((6, 1), (6, 1), (2, 3)), ((2, 3), (6, 1), (6, 1)), ((2, 3), (3, 2), (1, 6))])
@pytest.mark.parametrize("kinds", [("ents", "ents"), ("ints", "ents"), ("ents", "ints"), ("ints", "ints"),
                                   ("none", "ints"), ("ints", "none"), ("none", "none")])
def test_entrywise_products_agree_however_their_operands_are_held(kinds, shapes):
    """⊙ of two values, each held as a matrix only, with its entries read, or as a random function's ints (then a
    vector times it is diag(ints) times the vector in FLINT), as columns, rows or matrices: the same residues as the
    entrywise product of the entries, row by row, with the entrywise product's bound."""
    primes = _primes(2, 11)
    rng = np.random.default_rng(5)
    ra, rb = _mats(rng, primes, 6), _mats(rng, primes, 6)
    (sa, sb, (rows, cols)) = shapes
    vals = []
    for kind, res, shape in zip(kinds, (ra, rb), (sa, sb)):
        v = fp.Val([nmod_mat(*shape, r, p) for r, p in zip(res, primes)], *shape, 2, 3.0, 1.0)
        if kind == "ents":
            _ents(v)
        elif kind == "ints":
            v.memo = {"ints": [list(r) for r in res]}
        vals.append(v)
    for _ in range(2):  # twice: a diagonal matrix memoised on its value gives the same product again
        out = fp._ew(vals[0], vals[1], rows, cols)
        want = [[x * y % p for x, y in zip(s, t)] for s, t, p in zip(ra, rb, primes)]
        assert [list(map(int, x.entries())) for x in out.a] == want
        assert out.shape == (rows, cols) and all((x.nrows(), x.ncols()) == (rows, cols) for x in out.a)
        assert _ints(out) == want
        assert [x.modulus() for x in out.a] == primes
        assert (out.deg, out.h, out.d) == (4, 6.0, 2.0)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("held", ["matrix", "ints", "drawn"])
def test_a_reshape_reads_the_same_entries_however_the_value_is_held(order, held):
    """vec⁻¹ of a column (the direction x a Jacobian is applied to): from the matrix, from ints at hand, from a
    drawn value whose matrices were never built, by rows or by columns: the same matrix."""
    primes = _primes(2, 13)
    batch = fp._Batch([np.random.default_rng(i) for i in range(2)], list(primes))
    x = batch.random(6, 1)
    res = [list(r) for r in x.memo["ints"]]
    v = {"matrix": _val(6, 1, res, primes), "ints": _val(6, 1, res, primes), "drawn": x}[held]
    if held == "ints":
        v.memo = {"ints": res}
    out = fp._reshape(v, 2, 3, order)
    want = [[r[j * 2 + i] for i in range(2) for j in range(3)] if order == "F" else r for r in res]
    assert [list(map(int, m.entries())) for m in out.a] == want
    assert out.shape == (2, 3) and (out.deg, out.h, out.d) == (v.deg, v.h, v.d)
