"""Issue 21.6 (item 5 of issue 21): residues copied to and from FLINT's words (symderiv/fp/raw.py) are python-flint's.

fp/raw.py reads an ``nmod_mat``'s entries as Python ints and writes a matrix or a diagonal from ints in one copy of
FLINT's array of words, instead of one ``nmod`` object per entry. Every way a residue crosses that boundary is
checked here against python-flint's own path, on the inputs where a shortcut would differ:

1. reading: any shape (empty, a row, a column, square, n = 64 and beyond), any modulus (primes of the trials'
   size, 2⁶³ − 25 near the word's top, small ones), entries 0 and p − 1, and matrices FLINT made itself
   (products, transposes, sums, negations, scalings);
2. writing: the same shapes and moduli; and ints that are not residues (≥ p, negative, ≥ 2⁶⁴, not ints) are never
   written as words (FLINT would read a word ≥ p as another number): the result is python-flint's reduced matrix
   or its own error, exactly as without raw;
3. a diagonal overwritten in place, several times in a row: it is diag(d) each time, zero off its diagonal;
4. a whole trial: both projected sides of claims of every kind (products of diag σ', I ⊗ σᵀ blocks, HV, losses,
   gates, softmax) give the same residues with raw and with python-flint's path (raw.disable()).

Hypothesis is derandomized with no example database: the same examples on every machine.
"""
from __future__ import annotations

import functools
import random

import numpy as np
import pytest
from flint import fmpz_mat, nmod_mat
from hypothesis import given, settings
from hypothesis import strategies as st

from symderiv import fp
from symderiv.claims import collect, shipped_proofs
from symderiv.fp import raw
from symderiv.fp import trial as fptrial
from symderiv.fp import values as fpvalues

FIXED = settings(derandomize=True, database=None, deadline=None)

#: moduli: the trials' size (drawn primes in [2⁶², 2⁶³)), the top of a word, and small ones
MODULI = st.one_of(st.sampled_from([2 ** 62 + 57, 2 ** 63 - 25, 2 ** 62 + 135, 65537, 3, 2]),
                   st.integers(0, 2 ** 32 - 1).map(lambda s: fp.random_prime(np.random.default_rng(s))))


def _flint_ints(x) -> list:
    return [int(e) for e in x.entries()]


def _residues(draw, p: int, k: int) -> list:
    """k residues mod p, the boundary values 0 and p − 1 among them."""
    out = draw(st.lists(st.one_of(st.sampled_from([0, p - 1, p // 2]), st.integers(0, p - 1)), min_size=k,
                        max_size=k))
    return out


@st.composite
def matrices(draw, max_side=70):
    p = draw(MODULI)
    r, c = draw(st.integers(0, max_side)), draw(st.integers(0, max_side))
    if r * c > 1200:  # keep examples quick: a square or a long vector
        r, c = draw(st.sampled_from([(64, 1), (1, 64), (64, 64), (70, 3), (9, 9)]))
    return p, r, c, _residues(draw, p, r * c)


def test_raw_is_enabled_here():
    """The probe finds FLINT's struct in this python-flint (0.9, FLINT 3.6): otherwise every test below compares
    python-flint's path with itself, and the trial is a third slower (benchmarks/RESULTS.md, fpfloor)."""
    assert raw.enabled() is True and raw.ENABLED is True
    assert raw._probe() == raw._OFF


@settings(FIXED, max_examples=300)
@given(matrices())
def test_reading_gives_python_flints_residues(m):
    p, r, c, vals = m
    A = nmod_mat(r, c, vals, p) if r * c else nmod_mat(r, c, p)
    assert raw.ints(A) == _flint_ints(A) == vals
    for x in (A.transpose(), A + A, -A, A * 3):  # matrices FLINT made (a transpose's stride is its own)
        assert raw.ints(x) == _flint_ints(x)
    if r and c:
        B = nmod_mat(c, 2, [random.Random(r * c).randrange(p) for _ in range(2 * c)], p)
        assert raw.ints(A * B) == _flint_ints(A * B)


@settings(FIXED, max_examples=300)
@given(matrices())
def test_writing_gives_python_flints_matrix(m):
    p, r, c, vals = m
    got = raw.from_ints(r, c, vals, p)
    want = nmod_mat(r, c, vals, p) if r * c else nmod_mat(r, c, p)
    assert type(got) is nmod_mat and got.nrows() == r and got.ncols() == c and got.modulus() == p
    assert got == want and _flint_ints(got) == vals and raw.ints(got) == vals
    if r * c:  # FLINT's arithmetic on it is the arithmetic on python-flint's (a word ≥ p would differ here)
        assert got * got.transpose() == want * want.transpose() and got + got == want + want
        assert fpvalues._from_ints(r, c, vals, p) == want


@settings(FIXED, max_examples=300)
@given(st.data())
def test_ints_that_are_not_residues_are_never_written_as_words(data):
    """≥ p, negative, ≥ 2⁶⁴ or not an int: python-flint's constructor decides (it reduces, or raises), never a raw
    word. A word ≥ p written into FLINT's array would be read by FLINT's arithmetic as another number."""
    p = data.draw(MODULI)
    k = data.draw(st.integers(1, 80))
    vals = _residues(data.draw, p, k)
    i = data.draw(st.integers(0, k - 1))
    vals[i] = data.draw(st.sampled_from([p, p + 1, 2 * p - 1, 2 ** 64 - 1, -1, -p, 2 ** 64, 2 ** 70 + 5,
                                         2 ** 63, p + 2 ** 63]))
    r, c = (k, 1) if data.draw(st.booleans()) else (1, k)

    def build(f):
        try:
            return f()
        except Exception as e:  # noqa: BLE001  (python-flint's own refusal, whichever it is)
            return type(e)
    got = build(lambda: raw.from_ints(r, c, vals, p))
    want = build(lambda: nmod_mat(r, c, vals, p))
    if not isinstance(want, nmod_mat):  # python-flint refuses it: raw refuses it the same way
        assert got is want
    else:
        assert got == want and raw.ints(got) == [v % p for v in vals]


@pytest.mark.parametrize("rows, vals", [(3, [1, 2, 1.0]), (3, [1, 2, "3"]), (3, [1, 2, None]), (3, [1, 2]),
                                        (2, [1, 2, 3]), (2, [])])
def test_entries_python_flint_refuses_are_refused_the_same_way(rows, vals):
    """Not ints, or a list of the wrong length: python-flint's own error."""
    p = 2 ** 62 + 57
    with pytest.raises(Exception) as want:
        nmod_mat(rows, 1, vals, p)
    with pytest.raises(want.type):
        raw.from_ints(rows, 1, vals, p)


@settings(FIXED, max_examples=120)
@given(st.data())
def test_a_diagonal_overwritten_in_place_is_the_diagonal(data):
    """diag(d) for several d in a row in one scratch matrix, 0 and p − 1 included, and values that are not residues
    (reduced, as python-flint's M[i, i] = e reduces them): off the diagonal it stays 0."""
    p = data.draw(MODULI)
    n = data.draw(st.integers(1, 70))
    D = raw.Diagonal(n, p)
    for _ in range(data.draw(st.integers(1, 4))):
        d = _residues(data.draw, p, n)
        if data.draw(st.booleans()):
            d[data.draw(st.integers(0, n - 1))] = data.draw(st.sampled_from([p, 2 * p + 3, 2 ** 64 - 1, -1]))
        want = nmod_mat(n, n, p)
        for i, e in enumerate(d):
            want[i, i] = e
        M = D.set(d)
        assert M is D.M and M == want
        assert raw.ints(M) == [d[i] % p if i == j else 0 for i in range(n) for j in range(n)]


def test_a_diagonal_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError):
        raw.Diagonal(3, 7).set([1, 2])


def test_the_fallbacks_are_python_flints_path():
    """With raw disabled (another python-flint), the same functions give the same matrices and ints."""
    p, vals = 2 ** 63 - 25, [0, 2 ** 63 - 26, 5, 2 ** 62]
    fast = (raw.ints(nmod_mat(2, 2, vals, p)), raw.from_ints(2, 2, vals, p), raw.Diagonal(4, p).set(vals))
    with raw.off():
        assert raw.ENABLED is False
        slow = (raw.ints(nmod_mat(2, 2, vals, p)), raw.from_ints(2, 2, vals, p), raw.Diagonal(4, p).set(vals))
        assert fpvalues._from_ints(2, 2, vals, p) == nmod_mat(fmpz_mat(2, 2, vals), p)
    assert fast == slow and raw.ENABLED is True


def test_the_environment_turns_it_off(monkeypatch):
    """SYMDERIV_FP_RAW=0: the probe never runs, python-flint's path throughout."""
    monkeypatch.setattr(raw, "_PROBED", False)
    monkeypatch.setenv("SYMDERIV_FP_RAW", "0")
    try:
        assert raw.enabled() is False and raw._OFF is None
        assert raw.ints(nmod_mat(1, 2, [3, 4], 7)) == [3, 4]
    finally:
        monkeypatch.delenv("SYMDERIV_FP_RAW")
        raw._enable()
    assert raw.ENABLED is True


# ----- a whole trial: the same residues with raw and without ---------------------------------------------------

@functools.lru_cache(maxsize=1)
def _shipped():
    return collect(sorted(shipped_proofs().rglob("*.py"))).items


#: cells, losses and notations of several kinds (tests/test_fp_fast.py's)
_CLAIMS = ("pal2019.theorem1.corrected", "pal2019.theorem1.desc-product", "pal2019.eq3.corrected", "pal2019.lemma2",
           "gru.total", "examples.lstm.dh-dh0", "goodfellow.eq10-18.corrected", "goodfellow.eq10-21-W",
           "cs6180.tbptt.short-window", "pascanu2013.eq5.corrected.gradient", "avram2025.lstm-equations")


def _sides(claim, size, seed):
    seq = np.random.SeedSequence([seed, size["n"], size["t"], 1])
    rngs = [np.random.default_rng(s) for s in seq.spawn(2)]
    try:
        equal, a, b, batch, _ = fptrial._batch(claim, size, rngs)
    except Exception as e:  # noqa: BLE001  (a size a claim does not read: alike both ways)
        return type(e).__name__, str(e)
    return equal, [int(x[0, 0]) for x in a.a], [int(x[0, 0]) for x in b.a], batch.primes


@settings(FIXED, max_examples=40)
@given(which=st.sampled_from(_CLAIMS), n=st.integers(1, 9), t=st.integers(1, 6), seed=st.integers(0, 2 ** 32 - 1))
def test_a_trial_gives_the_same_residues_with_raw_and_without(which, n, t, seed):
    claim = _shipped()[which]
    fast = _sides(claim, {"n": n, "t": t}, seed)
    with raw.off():
        slow = _sides(claim, {"n": n, "t": t}, seed)
    assert fast == slow
    if which == "pal2019.theorem1.corrected":  # true at every size: its sides agree
        assert fast[0] is True


def test_theorem1_at_a_size_with_every_state_read_raw():
    """The benchmark's claim at n = 64 (the diagonal at its largest, DIAG_MAX = 128) and a false reading of it: the
    true one agrees, the false one disagrees, the same with and without raw."""
    for cid, want in (("pal2019.theorem1.corrected", True), ("pal2019.theorem1.desc-product", False)):
        claim = _shipped()[cid]
        fast = _sides(claim, {"n": 64, "t": 4}, 7)
        with raw.off():
            slow = _sides(claim, {"n": 64, "t": 4}, 7)
        assert fast == slow and fast[0] is want
