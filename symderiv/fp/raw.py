"""Residues into and out of python-flint's ``nmod_mat`` without one Python object per entry.

python-flint reads a matrix's entries out one ``nmod`` object at a time (``entries()``, then ``int`` of each)
and builds a matrix from a list the same way; at n = 64 that is ~25 µs to read a state and ~7 µs to build one,
against ~4 µs for FLINT's product of a 64 × 64 matrix by it. A trial of Theorem 1 at (64, 256) reads every state
for its σ tables and builds every σ(h) and diag(σ'(h)) from drawn ints: a third of its time
(benchmarks/RESULTS.md, fpfloor). FLINT keeps an ``nmod_mat``'s entries as one array of machine words (row r at
``entries + r·stride``, each in [0, p)): this module copies that array to and from Python ints in one call.

Nothing is assumed about the object's layout: ``_probe`` finds FLINT's ``nmod_mat_struct`` (entries, r, c, stride,
modulus) inside python-flint's object by its values on matrices it builds, then checks reading and writing against
python-flint's own ``entries()`` and constructor on several shapes and moduli, products and transposes included
(once, on first use: ~1 ms). Anything unexpected (another layout, another word size, another version's struct)
leaves ``ENABLED`` False and every function here takes python-flint's own path: the same residues, only slower.
``SYMDERIV_FP_RAW=0`` in the environment takes that path without probing. Each read also checks the
matrix's own dimensions and stride, and each write checks that every int is a residue in [0, p) (FLINT's
invariant: a word ≥ p would be read by FLINT's arithmetic as another number), falling back otherwise.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import struct
import sys
from array import array

from flint import nmod_mat

_U64 = ctypes.c_uint64
_HEADER = struct.Struct("=QqqqQ")  # entries, r, c, stride, mod.n (FLINT 3.3+: nmod_mat_struct, then nmod_t)
_string_at = ctypes.string_at
_memmove = ctypes.memmove

#: byte offset of FLINT's nmod_mat_struct inside a python-flint ``nmod_mat`` (None: not found, python-flint's path)
_OFF: int | None = None
ENABLED = False
#: the probe has run (on first use: a process that runs no F_p trial does not pay for it)
_PROBED = False


def _slow_ints(x: nmod_mat) -> list:
    return [int(e) for e in x.entries()]


def ints(x: nmod_mat) -> list:
    """x's entries, row by row, as Python ints in [0, p) (what ``[int(e) for e in x.entries()]`` gives)."""
    if not _PROBED:
        _enable()
    if _OFF is None or type(x) is not nmod_mat:
        return _slow_ints(x)
    ptr, r, c, stride, _ = _HEADER.unpack(_string_at(id(x) + _OFF, _HEADER.size))
    k = r * c
    if k == 0:
        return []
    if stride != c and r > 1:  # rows apart in memory (FLINT's windows; python-flint makes none)
        return _slow_ints(x)
    return array("Q", _string_at(ptr, 8 * k)).tolist()


def from_ints(rows: int, cols: int, values: list, p: int) -> nmod_mat:
    """The rows × cols matrix mod p with these entries (row by row), each a residue in [0, p)."""
    if not _PROBED:
        _enable()
    k = rows * cols
    if _OFF is None or k == 0 or len(values) != k:  # python-flint's own answer (its error for a wrong length)
        return nmod_mat(rows, cols, values, p)
    try:
        buf = array("Q", values)  # an int < 0 or ≥ 2⁶⁴ (or not an int) raises
    except (OverflowError, TypeError):
        return nmod_mat(rows, cols, values, p)
    if max(buf) >= p:  # not a residue: python-flint reduces it
        return nmod_mat(rows, cols, values, p)
    out = nmod_mat(rows, cols, p)
    ptr, r, c, stride, n = _HEADER.unpack(_string_at(id(out) + _OFF, _HEADER.size))
    if (r, c, n) != (rows, cols, p) or (stride != c and r > 1):  # pragma: no cover  (the probe saw otherwise)
        return nmod_mat(rows, cols, values, p)
    _memmove(ptr, buf.buffer_info()[0], 8 * k)  # `out` and `buf` are held here: neither is freed meanwhile
    return out


#: k -> the ctypes type of k words, made once: ``c_uint64 * k`` makes a new type (a cycle of objects, left to the
#: cyclic collector) on every call
_WORDS: dict = {}


def _words_type(k: int):
    t = _WORDS.get(k)
    if t is None:
        t = _WORDS[k] = _U64 * k
    return t


class Diagonal:
    """An n × n matrix mod p, zero off its diagonal, whose diagonal is overwritten in place by ``set``.

    ``M`` is the matrix itself; ``set`` writes residues in [0, p) to its diagonal (one call of FLINT's memory
    when ``ENABLED``, else one ``M[i, i] = e`` per entry). Only ``set`` ever writes to ``M``, so off the diagonal
    it stays 0."""

    __slots__ = ("M", "n", "p", "_words")

    def __init__(self, n: int, p: int):
        if not _PROBED:
            _enable()
        self.M, self.n, self.p = nmod_mat(n, n, p), n, p
        self._words = None
        if _OFF is not None and n:
            ptr, r, c, stride, mod = _HEADER.unpack(_string_at(id(self.M) + _OFF, _HEADER.size))
            if (r, c, stride, mod) == (n, n, n, p):
                # a view of M's words (it does not own them: M, held here, does)
                self._words = _words_type(n * n).from_address(ptr)

    def set(self, values: list) -> nmod_mat:
        n, words = self.n, self._words
        if len(values) != n:
            raise ValueError(f"a diagonal of {n} entries, not {len(values)}")
        if words is not None and n and min(values) >= 0 and max(values) < self.p:
            words[::n + 1] = values
        else:
            M = self.M
            for i, e in enumerate(values):
                M[i, i] = e
        return self.M


def _probe() -> int | None:
    """The offset of FLINT's nmod_mat_struct in python-flint's object, checked; None if anything differs."""
    if ctypes.sizeof(ctypes.c_void_p) != 8 or array("Q").itemsize != 8 or sys.maxsize < 2 ** 63 - 1:
        return None
    p = 2 ** 62 + 57
    probe = nmod_mat(3, 2, [p - 1, p - 2, 7, 2 ** 61 + 3, 0, 5], p)
    size = type(probe).__basicsize__
    if size < 16 + _HEADER.size or size % 8:
        return None
    words = struct.unpack(f"={size // 8}Q", _string_at(id(probe), size))  # within the object itself
    # the struct's r, c, stride, mod.n (3, 2, 2, p) after the entries pointer; exactly one place
    found = [8 * i for i in range(2, len(words) - 4) if words[i + 1:i + 5] == (3, 2, 2, p) and words[i]]
    if len(found) != 1:
        return None
    off = found[0]
    # the same place in another shape and modulus (only then is the pointer read)
    q = 2 ** 63 - 25
    other = nmod_mat(5, 7, q)
    if _HEADER.unpack(_string_at(id(other) + off, _HEADER.size))[1:] != (5, 7, 7, q):
        return None
    return off


def _self_test(off: int) -> bool:
    """Reading and writing through ``off`` give python-flint's own entries, on shapes, moduli and results."""
    global _OFF
    import random

    rnd = random.Random(20261207)
    saved, _OFF = _OFF, off
    try:
        for p in (2 ** 62 + 57, 2 ** 63 - 25, 3):
            for r, c in ((1, 1), (3, 2), (2, 3), (64, 1), (1, 9), (5, 5)):
                vals = [rnd.randrange(p) for _ in range(r * c)]
                if r * c > 2:
                    vals[0], vals[1] = p - 1, 0
                A = nmod_mat(r, c, vals, p)
                B = from_ints(r, c, vals, p)
                if ints(A) != vals or _slow_ints(B) != vals or B != A or ints(B) != vals:
                    return False
                for x in (A.transpose(), A.transpose() * A, A + B, -A):
                    if ints(x) != _slow_ints(x):
                        return False
            for n in (1, 4):
                D = Diagonal(n, p)
                for _ in range(3):
                    d = [rnd.randrange(p) for _ in range(n)]
                    want = [d[i] if i == j else 0 for i in range(n) for j in range(n)]
                    if _slow_ints(D.set(d)) != want:
                        return False
        return True
    finally:
        _OFF = saved


def _enable() -> None:
    """Probe once (SYMDERIV_FP_RAW=0 in the environment: never, python-flint's own path throughout)."""
    global _OFF, ENABLED, _PROBED
    _PROBED = True
    _OFF, ENABLED = None, False
    if os.environ.get("SYMDERIV_FP_RAW", "1") == "0":
        return
    try:
        off = _probe()
        if off is not None and _self_test(off):
            _OFF, ENABLED = off, True
    except Exception:  # noqa: BLE001  (any surprise: python-flint's own path)
        _OFF, ENABLED = None, False


@contextlib.contextmanager
def off():
    """python-flint's own path inside the block, whatever the probe found (tests and the benchmark compare the two)."""
    global _OFF, ENABLED, _PROBED
    if not _PROBED:
        _enable()
    saved = _OFF, ENABLED
    _OFF, ENABLED = None, False
    try:
        yield
    finally:
        _OFF, ENABLED = saved


def enabled() -> bool:
    """Is the fast path on (probing first if it has not run)?"""
    if not _PROBED:
        _enable()
    return ENABLED
