"""Issue 21.6: what made one F_p trial cheaper must not change what a trial computes, nor leave work for others.

1. A trial leaves no cyclic garbage. The cyclic collector is paused while trials run (trial.test_identity); a memo
   that closes a cycle (a value and its transpose, a value and its operator, an operator and the products that
   hold it, a quantity and its model) kept every value of a trial alive until the next collection, which then
   ran in whatever code came next (the float64 floor of bench_fixed_size.py --floor paid ~6 ms of it per run) and
   kept the trial's matrices from being reused. The batch now empties the memos it was told of; every shipped
   claim the F_p backend runs leaves nothing for the collector, whichever cell, loss or notation it uses.
2. The residues are the same: a trial's two projected sides, residue for residue, with the batch's release, the
   scratch diagonal matrices and the identity's fast copy, equal the ones computed the old way (no release; a fresh
   diag(d) per value, memoised on it; SymPy's own copy of the identity), on random cells of several kinds, sizes
   and seeds (hypothesis).
"""
from __future__ import annotations

import functools
import gc

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from flint import nmod_mat

from symderiv import fp, notation
from symderiv.claims import collect, shipped_proofs
from symderiv.fp import trial as fptrial
from symderiv.fp import values as fpvalues


@functools.lru_cache(maxsize=1)
def _shipped():
    return collect(sorted(shipped_proofs().rglob("*.py"))).items


def _runs(claim, size) -> bool:
    try:
        fp.test_identity(claim, size, target_bits=1, max_trials=1)
    except (fp.Unsupported, Exception):  # noqa: B014  (a claim F_p does not run is not this test's subject)
        return False
    return True


def test_a_trial_leaves_no_cyclic_garbage():
    """Every shipped claim F_p runs, at n = 2, t = 3: the collector finds nothing after its trial."""
    ran, left = 0, {}
    was = gc.isenabled()
    try:
        for cid, claim in _shipped().items():
            if getattr(claim, "model", None) is None:
                continue
            gc.collect()
            gc.disable()
            if not _runs(claim, {"n": 2, "t": 3}):
                continue
            ran += 1
            n = gc.collect()
            if n:
                left[cid] = n
    finally:
        if was:
            gc.enable()
    assert ran >= 40, ran  # the shipped claims F_p runs (58 when this was written)
    assert left == {}, left


def test_a_trial_at_a_larger_size_leaves_no_cyclic_garbage():
    """The corrected Theorem 1 (the benchmark's claim: products, diagonals, the I ⊗ σᵀ blocks) at n = 8, t = 16."""
    claim = _shipped()["pal2019.theorem1.corrected"]
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        out = fp.test_identity(claim, {"n": 8, "t": 16}, target_bits=1, max_trials=1)
        n = gc.collect()
    finally:
        if was:
            gc.enable()
    assert out.equal is True
    assert n == 0


# ----- the same residues -----------------------------------------------------------------------------

def _old_diag_of(d, like):
    """values._diag_of as it was: diag(d) per trial, entry by entry, memoised on d."""
    memo = d.memo
    D = memo.get("diag_mat")
    if D is None:
        n = d.rows * d.cols
        D = []
        for ints, p in zip(memo["ints"], like.primes):
            M = nmod_mat(n, n, p)
            for i, e in enumerate(ints):
                M[i, i] = e
            D.append(M)
        memo["diag_mat"] = D
    return D


def _old_eye(n):
    return sp.eye(n) if not isinstance(n, int) or isinstance(n, bool) else sp.eye(n).copy()


def _sides(claim, size, seed, old: bool, monkeypatch):
    """Each trial's residues of the two projected sides (ints), the old way or the new one."""
    with monkeypatch.context() as mp:
        if old:
            mp.setattr(fptrial._Batch, "release", lambda self, model=None: None)
            mp.setattr(fpvalues, "_diag_of", _old_diag_of)
            mp.setattr(notation, "eye", _old_eye)
        seq = np.random.SeedSequence([seed, size["n"], size["t"], 1])
        rngs = [np.random.default_rng(s) for s in seq.spawn(2)]
        equal, a, b, batch, _ = fptrial._batch(claim, size, rngs)
        return equal, [int(x[0, 0]) for x in a.a], [int(x[0, 0]) for x in b.a], batch.primes


#: cells, losses and notations of several kinds: products of diag(σ'), I ⊗ σᵀ blocks, HV, losses, gates, softmax
_CLAIMS = ("pal2019.theorem1.corrected", "pal2019.theorem1.desc-product", "pal2019.eq3.corrected", "pal2019.lemma2",
           "gru.total", "examples.lstm.dh-dh0", "goodfellow.eq10-18.corrected", "goodfellow.eq10-21-W",
           "cs6180.tbptt.short-window", "pascanu2013.eq5.corrected.gradient", "avram2025.lstm-equations")


@settings(max_examples=30, deadline=None)
@given(which=st.sampled_from(_CLAIMS), n=st.integers(1, 4), t=st.integers(1, 5), seed=st.integers(0, 2 ** 32 - 1))
def test_the_same_residues_as_before(which, n, t, seed):
    claim = _shipped()[which]
    mp = pytest.MonkeyPatch()

    def outcome(old):
        try:
            return _sides(claim, {"n": n, "t": t}, seed, old, mp)
        except Exception as e:  # noqa: BLE001 (a size the claim does not read, t = 1 for a loss at t − 1: alike)
            return type(e).__name__, str(e)
    try:
        new, old = outcome(False), outcome(True)
    finally:
        mp.undo()
    assert new == old


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 70), seed=st.integers(0, 2 ** 32 - 1))
def test_the_scratch_diagonal_is_the_diagonal(n, seed):
    """diag(d) as values._ew reads it now (a batch's scratch matrix, its diagonal overwritten for each d, and a fresh
    matrix outside a trial) equals diag(d) built entry by entry, for any residues (0 and p − 1 included), for
    several d in a row and for two trials with the same prime."""
    rng = np.random.default_rng(seed)
    p = fp.random_prime(rng)
    primes = [p, p, fp.random_prime(rng)]
    like = fpvalues.Val([nmod_mat(n, 1, q) for q in primes], n, 1, 0, 0.0, 0.0)
    batch = fptrial._Batch([np.random.default_rng(seed + i) for i in range(3)], list(primes))
    for k in range(3):
        ints = [[int(x) for x in rng.integers(0, q, size=n)] for q in primes]
        ints[0][0] = 0
        ints[-1][-1] = primes[-1] - 1
        d = fpvalues.Drawn([list(r) for r in ints], list(primes), n, 1)
        want = [M.entries() for M in _old_diag_of(fpvalues.Drawn([list(r) for r in ints], list(primes), n, 1), like)]
        assert [M.entries() for M in fpvalues._diag_of(d, like)] == want  # outside a trial
        token = fptrial._ACTIVE.set(batch)
        try:
            assert [M.entries() for M in fpvalues._diag_of(d, like)] == want
        finally:
            fptrial._ACTIVE.reset(token)


@pytest.mark.parametrize("n", [1, 2, 3, 64])
def test_eye_is_a_fresh_mutable_identity(n):
    """notation.eye(n) is SymPy's identity, mutable, and never shares its entries with another call's."""
    a, b = notation.eye(n), notation.eye(n)
    assert isinstance(a, sp.MutableDenseMatrix)
    assert a == sp.eye(n) and a is not b
    a[n - 1, 0] = 7
    assert b == sp.eye(n) and notation.eye(n) == sp.eye(n)
    assert a[n - 1, 0] == 7 and (n == 1 or a[0, 0] == 1)


# ----- the reciprocal groups a value carries are the union of its operands' ----------------------------

class _K:
    def __init__(self, k):
        self.k = k


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.frozensets(st.integers(0, 6))), min_size=1, max_size=4))
def test_reciprocal_groups_are_the_union(groups):
    """values._ku, which every value built from others carries into the bound of its reciprocal sites (the degree
    of 1/q counts every earlier reciprocal q may contain): the union of the operands' groups, in any order, whichever
    holds the other. It returned the smaller one when a later operand's groups were a subset of the earlier ones'
    ({1, 2} then {1} gave {1}), so a quotient of such a value had its degree bound understated."""
    got = fpvalues._ku(*[_K(g) for g in groups])
    union = frozenset().union(*[g for g in groups if g])
    assert (got or frozenset()) == union
    assert got is None or got
    if len(groups) == 2:  # the two-operand form every binary operation uses
        got2 = fpvalues._ku2(*[_K(g) for g in groups])
        assert (got2 or frozenset()) == union
        assert got2 is None or got2
