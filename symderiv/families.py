"""Strategies: where the counterexample search looks, simplest first.

As in Hypothesis, a strategy produces values and knows how to make one
simpler. A matrix strategy draws from the structured families where matrix
claims break: diagonal, triangular, nilpotent, Jordan blocks, rank one,
symmetric positive definite, orthogonal (exact rational ones, by the Cayley
transform), rotations, and general small-integer matrices. Every value is
exact (SymPy rationals), so whatever the search finds can be certified.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import sympy as sp

from .errors import ProofFileError

#: entries tried first, and the order a shrink moves toward
SIMPLE = [0, 1, -1, 2, -2, sp.Rational(1, 2), -sp.Rational(1, 2), 3, -3, sp.Rational(1, 3), 4, -4]
PYTHAGOREAN = [(3, 4, 5), (4, 3, 5), (5, 12, 13), (8, 15, 17)]


def _simplicity(x) -> tuple:
    x = sp.Rational(x)
    return (abs(x.p) + x.q, bool(x < 0))


def _in_order(values) -> list:
    """Simplest first, ties broken by value: an order that never depends on set or hash order."""
    return sorted(set(values), key=lambda v: (_simplicity(v), sp.Rational(v)))


def _small(rng: random.Random, lo=-3, hi=3, halves=True):
    v = sp.Integer(rng.randint(lo, hi))
    if halves and rng.random() < 0.25:
        v = v / 2
    return v


def _bounds(family: str, lo, hi) -> tuple:
    """(lo, hi) as exact rationals, or a one-line ProofFileError: a bound that is not a number, an empty range."""
    try:
        a, b = sp.Rational(lo), sp.Rational(hi)
    except (TypeError, ValueError, sp.SympifyError):
        raise ProofFileError(f"{family}(lo={lo!r}, hi={hi!r}): a bound is not a rational number") from None
    if a > b:
        raise ProofFileError(f"{family}(lo={a}, hi={b}): the range is empty (lo > hi)")
    return a, b


def _int_matrix(rng, r, c, **kw):
    return sp.Matrix(r, c, lambda i, j: _small(rng, **kw))


def _diagonal(rng, n):
    return sp.diag(*[_small(rng) for _ in range(n)])


def _upper(rng, n):
    return sp.Matrix(n, n, lambda i, j: _small(rng) if j >= i else 0)


def _nilpotent(rng, n):
    return sp.Matrix(n, n, lambda i, j: _small(rng, 1, 4, halves=False) * rng.choice([1, -1]) if j > i else 0)


def _jordan(rng, n):
    lam = rng.choice([1, -1, 2, sp.Rational(1, 2), -sp.Rational(1, 2), 0])
    return sp.Matrix(n, n, lambda i, j: lam if i == j else (1 if j == i + 1 else 0))


def _rank_one(rng, n):
    u = _int_matrix(rng, n, 1, halves=False)
    v = _int_matrix(rng, n, 1, halves=False)
    return u * v.T


def _spd(rng, n):
    B = _int_matrix(rng, n, n, halves=False)
    return B.T * B + sp.eye(n)


def cayley(S: sp.Matrix) -> sp.Matrix:
    """(I − S)(I + S)⁻¹: an exact rational orthogonal matrix for skew-symmetric S.

    A rational S is transformed over ℚ by python-flint (exact, and some ten times faster than SymPy's
    inverse); the value is the same exact matrix either way.
    """
    n = S.rows
    try:
        import flint

        q = [sp.Rational(x) for x in S]
        A = flint.fmpq_mat(n, n, [flint.fmpq(int(x.p), int(x.q)) for x in q])
        I = flint.fmpq_mat(n, n, [int(i == j) for i in range(n) for j in range(n)])
        C = (I - A) * (I + A).inv()
    except (TypeError, ValueError, ZeroDivisionError):  # not rational (a symbolic S), or I + S singular: SymPy says
        return (sp.eye(n) - S) * (sp.eye(n) + S).inv()
    return sp.Matrix(n, n, [sp.Rational(int(C[i, j].p), int(C[i, j].q)) for i in range(n) for j in range(n)])


def cayley_orthogonal(rng, n: int, entry) -> sp.Matrix:
    """An exact rational orthogonal n × n matrix: the Cayley transform of a skew-symmetric S whose
    entries above the diagonal are ``entry(rng)``, drawn row by row."""
    S = sp.zeros(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            S[i, j] = entry(rng)
            S[j, i] = -S[i, j]
    return cayley(S)


def reflect(Q: sp.Matrix) -> sp.Matrix:
    """diag(−1, 1, …, 1) Q: an orthogonal matrix of determinant −1, which Cayley never gives."""
    return sp.diag(-1, *([1] * (Q.rows - 1))) * Q


def _orthogonal(rng, n):
    Q = cayley_orthogonal(rng, n, lambda r: _small(r, -2, 2))
    return reflect(Q) if rng.random() < 0.5 else Q


def _rotation(rng, n):
    a, b, c = rng.choice(PYTHAGOREAN)
    R = sp.eye(n)
    if n >= 2:
        i, j = sorted(rng.sample(range(n), 2))
        R[i, i] = R[j, j] = sp.Rational(a, c)
        R[i, j], R[j, i] = -sp.Rational(b, c), sp.Rational(b, c)
    return R


FAMILIES = {
    "general": lambda rng, n: _int_matrix(rng, n, n),
    "diagonal": _diagonal,
    "triangular": _upper,
    "nilpotent": _nilpotent,
    "jordan": _jordan,
    "rank-one": _rank_one,
    "spd": _spd,
    "orthogonal": _orthogonal,
    "rotation": _rotation,
}


def _dim(d, size: dict) -> int:
    return size[d] if isinstance(d, str) else int(d)


class Strategy:
    """Values for one name of a claim: examples simplest first, and shrinks."""

    #: whether entries may be changed freely by shrinking (False for structured families)
    free = True

    def examples(self, size: dict, rng: random.Random):
        raise NotImplementedError

    def shrink(self, value):
        """Simpler variants of ``value``, simplest first."""
        if not self.free or not isinstance(value, sp.MatrixBase):
            return
        for i, j in itertools.product(range(value.rows), range(value.cols)):
            x = value[i, j]
            for s in SIMPLE:
                if _simplicity(s) < _simplicity(x):
                    v = sp.Matrix(value)
                    v[i, j] = s
                    yield self.constrain(v)

    def constrain(self, value):
        return value


@dataclass
class Matrices(Strategy):
    rows: object = "n"
    cols: object = None
    families: tuple = tuple(FAMILIES)

    def __post_init__(self):
        unknown = [f for f in self.families if f not in FAMILIES]
        if unknown:
            raise ValueError(f"unknown matrix families {unknown}; known: {list(FAMILIES)}")
        # any matrix at all: shrink entry by entry; a restricted family is a premise, kept by not shrinking
        self.free = set(self.families) == set(FAMILIES) or all(
            f in ("general", "diagonal", "triangular", "nilpotent") for f in self.families)

    def examples(self, size, rng):
        r = _dim(self.rows, size)
        c = r if self.cols is None else _dim(self.cols, size)
        square = r == c
        fams = [f for f in self.families if square or f == "general"]
        yield from (_jordan(random.Random(k), r) for k in range(2)) if square and "jordan" in fams else ()
        while True:
            fam = rng.choice(fams)
            yield FAMILIES[fam](rng, r) if square else _int_matrix(rng, r, c)

    def constrain(self, value):
        if self.families == ("diagonal",):
            return sp.diag(*[value[i, i] for i in range(value.rows)])
        if self.families == ("nilpotent",):
            return sp.Matrix(value.rows, value.cols, lambda i, j: value[i, j] if j > i else 0)
        if self.families == ("triangular",):
            return sp.Matrix(value.rows, value.cols, lambda i, j: value[i, j] if j >= i else 0)
        return value


@dataclass
class Vectors(Strategy):
    rows: object = "n"
    nonzero: bool = False

    def examples(self, size, rng):
        n = _dim(self.rows, size)
        yield sp.ones(n, 1)
        while True:
            v = _int_matrix(rng, n, 1)
            if not (self.nonzero and v.is_zero_matrix):
                yield v

    def shrink(self, value):
        for v in super().shrink(value):
            if not (self.nonzero and v.is_zero_matrix):
                yield v


@dataclass
class Diagonals(Strategy):
    """diag(d) with every d_i in [lo, hi] (for example σ' values bounded by γ)."""

    rows: object = "n"
    lo: object = 0
    hi: object = 1

    def _values(self):
        lo, hi = _bounds("diagonals", self.lo, self.hi)
        return _in_order(v for v in [lo, hi, (lo + hi) / 2, lo + (hi - lo) / 4, *SIMPLE] if lo <= v <= hi)

    def examples(self, size, rng):
        n = _dim(self.rows, size)
        vals = self._values()
        while True:
            yield sp.diag(*[rng.choice(vals) for _ in range(n)])

    def shrink(self, value):
        vals = self._values()
        for i in range(value.rows):
            for s in vals:
                if _simplicity(s) < _simplicity(value[i, i]):
                    v = sp.Matrix(value)
                    v[i, i] = s
                    yield v


@dataclass
class Scalars(Strategy):
    lo: object = -3
    hi: object = 3
    integer: bool = False

    def _values(self):
        lo, hi = _bounds("scalars", self.lo, self.hi)
        grid = [sp.Rational(k, q) for q in ((1,) if self.integer else (1, 2, 3, 4)) for k in range(-12, 13)]
        # the range's own points too, so a range the grid misses (scalars(100, 200)) is sampled where it lies
        mid = (lo + hi) / 2
        ends = ([sp.ceiling(lo), sp.floor(hi), sp.floor(mid)] if self.integer else
                [lo, hi, mid, lo + (hi - lo) / 4])
        vals = _in_order(v for v in [*grid, *ends] if lo <= v <= hi)
        if not vals:
            raise ProofFileError(f"scalars(lo={lo}, hi={hi}, integer=True): the range holds no integer")
        return vals

    def examples(self, size, rng):
        vals = self._values()
        yield from vals[:3]
        while True:
            yield rng.choice(vals)

    def shrink(self, value):
        for s in self._values():
            if _simplicity(s) < _simplicity(value):
                yield s


@dataclass
class Sampled(Strategy):
    """Values from a function of (size, rng): for families a proof file defines itself."""

    make: object = None
    free: bool = False
    domain: object = None  # (size, symbols) -> (symbolic value, constraints): every value, for the prove phase

    def examples(self, size, rng):
        while True:
            yield self.make(size, rng)


@dataclass
class Just(Strategy):
    """One value: a candidate witness named by the proof file."""

    value: object = None
    free: bool = False

    def examples(self, size, rng):
        while True:
            yield self.value


def matrices(rows="n", cols=None, families=None) -> Matrices:
    return Matrices(rows, cols, tuple(families or FAMILIES))


def vectors(rows="n", nonzero: bool = False) -> Vectors:
    return Vectors(rows, nonzero)


def diagonals(rows="n", lo=0, hi=1) -> Diagonals:
    return Diagonals(rows, lo, hi)


def scalars(lo=-3, hi=3, integer: bool = False) -> Scalars:
    return Scalars(lo, hi, integer)


def sampled(make, domain=None) -> Sampled:
    """Values from ``make(size, rng)``; ``domain`` states in real arithmetic every value ``make`` stands for
    (see symderiv.prove.domains), so that the claim can be proved, not only searched."""
    return Sampled(make, domain=domain)


def just(value) -> Just:
    return Just(value)
