"""A claim's ``given`` domains as symbols and constraints: what "every value the search could draw" means.

Each strategy of :mod:`symderiv.families` has a real-arithmetic meaning at a
size: ``matrices()`` any real n × n matrix (every entry a real symbol),
``matrices(families=("orthogonal",))`` QᵀQ = I, ``("spd",)`` symmetric with
every leading principal minor > 0, ``("diagonal",)`` / ``("triangular",)``
zeros where the family has them, ``vectors(nonzero=True)`` ‖v‖² > 0,
``diagonals(lo, hi)`` lo ≤ dᵢ ≤ hi, ``scalars(lo, hi)`` lo ≤ x ≤ hi, ``just(v)``
the value itself. A proof over the domain covers *every* real value there,
not only the exact rationals the search draws (a superset: sound for `holds`).

A ``sampled(make)`` strategy is a Python function of a random generator, which
has no such meaning: the proof file states it with ``sampled(make, domain=…)``,
a function (size, symbols) → (value, constraints) (see :func:`orthogonal`,
:func:`nonneg_diagonal`, :func:`invertible` for the usual ones). Mixed
families (``matrices(families=("general", "spd"))``) are the general matrices.
"""
from __future__ import annotations

import sympy as sp

from ..families import Diagonals, Just, Matrices, Sampled, Scalars, Vectors, _dim
from ..variables import entry


class NoDomain(Exception):
    """A strategy whose values have no real-arithmetic description."""


class Value(sp.Dummy):
    """One real coordinate of a claim's value (``v[0]``, ``A[0,1]``, a scalar ``x``) in the prove phase.

    A distinct object by construction: two Values are one variable only if they are the same object, whatever
    their names, and no symbol the check makes itself (``sp.Symbol("v[0]", real=True)``) is one (the encoder
    refuses such a symbol: it has no domain). Shown by its name (a Dummy's would be ``_v[0]``).
    """

    def _sympystr(self, printer):
        return self.name


class Symbols:
    """The real symbols of a claim's values at one size, named after them (``W[0,1]``, ``d[0]``, ``x``), and
    which matrices are orthogonal.

    Every symbol is a fresh :class:`Value`, so names only show: a scalar given as ``v_0`` and a vector ``v``'s
    entry ``v[0]`` are distinct variables (and have distinct names). ``owner`` is the given value being built:
    a ``sampled(…, domain=…)`` matrix is named after it, and a name a domain function picks that is another
    given value's (``C`` of ``orthogonal_and_nonneg_diagonal`` beside a given ``C``) is shown as ``CV.C[0,0]``.
    """

    def __init__(self, given=()):
        self.made: list = []
        self.orthogonal: list = []
        self.owner: str = ""
        self.nonempty = True   # every value's domain has a point (False: a domain stated by the proof file, or lo > hi)
        self._given = set(given)
        self._shown: set = set()

    def _show(self, base: str, shown: str) -> str:
        if self.owner and base != self.owner and base in self._given:
            shown = f"{self.owner}.{shown}"
        while shown in self._shown:   # a domain function naming two matrices alike: still two names
            shown += "′"
        self._shown.add(shown)
        return shown

    def _make(self, base: str, shown: str) -> Value:
        s = Value(self._show(base, shown), real=True)
        self.made.append(s)
        return s

    def scalar(self, name: str) -> Value:
        return self._make(name, name)

    def matrix(self, name: str, rows: int, cols: int) -> sp.Matrix:
        """rows × cols fresh Values named ``name[i,j]`` (a column's ``name[i]``, as the symbolic model's)."""
        return sp.Matrix(rows, cols, lambda i, j: self._make(name, entry(name, i, None if cols == 1 else j)))


def orthogonal(M: sp.Matrix) -> list:
    """MᵀM = I and, for a square M, MMᵀ = I (equivalent for square matrices; both are stated)."""
    n = M.cols
    out = []
    for G in [M.T * M - sp.eye(n)] + ([M * M.T - sp.eye(M.rows)] if M.rows == n else []):
        G = G.applyfunc(sp.expand)
        out += [sp.Eq(G[i, j], 0) for i in range(G.rows) for j in range(i, G.cols)]
    return out


def symmetric(M: sp.Matrix) -> list:
    return [sp.Eq(M[i, j], M[j, i]) for i in range(M.rows) for j in range(i + 1, M.cols)]


def positive_definite(M: sp.Matrix) -> list:
    """Symmetric with every leading principal minor > 0 (Sylvester's criterion)."""
    return symmetric(M) + [sp.Gt(sp.expand(M[:k, :k].det(method="berkowitz")), 0) for k in range(1, M.rows + 1)]


def symbolic(strategy, name: str, size: dict, syms: Symbols):
    """(a symbolic value, its constraints) standing for every value of ``strategy`` at ``size``."""
    outer = getattr(syms, "owner", "")
    syms.owner = name
    try:
        return _symbolic(strategy, name, size, syms)
    finally:
        syms.owner = outer


def _symbolic(strategy, name: str, size: dict, syms: Symbols):
    if isinstance(strategy, Just):
        return strategy.value, []
    if isinstance(strategy, Sampled):
        if getattr(strategy, "domain", None) is None:
            raise NoDomain(f"{name}: sampled(...) without domain=: its values have no stated real-arithmetic domain")
        if strategy.domain not in NONEMPTY:
            syms.nonempty = False
        return strategy.domain(size, syms)
    if isinstance(strategy, (Scalars, Diagonals)):
        strategy._values()  # a bound that is not a number, an empty range: the family's own one-line error
    if isinstance(strategy, Scalars):
        if strategy.integer:
            raise NoDomain(f"{name}: integer scalars")
        x = syms.scalar(name)
        return x, [sp.Ge(x, sp.Rational(strategy.lo)), sp.Le(x, sp.Rational(strategy.hi))]
    if isinstance(strategy, Diagonals):
        n = _dim(strategy.rows, size)
        d = list(syms.matrix(name, n, 1))
        lo, hi = sp.Rational(strategy.lo), sp.Rational(strategy.hi)
        return sp.diag(*d), [c for x in d for c in (sp.Ge(x, lo), sp.Le(x, hi))]
    if isinstance(strategy, Vectors):
        v = syms.matrix(name, _dim(strategy.rows, size), 1)
        return v, ([sp.Gt(sum(x ** 2 for x in v), 0)] if strategy.nonzero else [])
    if isinstance(strategy, Matrices):
        r = _dim(strategy.rows, size)
        c = r if strategy.cols is None else _dim(strategy.cols, size)
        fams = set(strategy.families)
        M = syms.matrix(name, r, c)
        if r != c or "general" in fams:  # any real matrix (a superset of every family: sound for a proof)
            return M, []
        if fams == {"orthogonal"}:
            syms.orthogonal.append(M)
            return M, orthogonal(M)
        if fams == {"spd"}:
            return M, positive_definite(M)
        if fams <= {"diagonal"}:
            return sp.diag(*[M[i, i] for i in range(r)]), []
        if fams <= {"diagonal", "triangular"}:
            return sp.Matrix(r, c, lambda i, j: M[i, j] if j >= i else 0), []
        if fams <= {"nilpotent"}:
            return sp.Matrix(r, c, lambda i, j: M[i, j] if j > i else 0), []
        if fams <= {"diagonal", "triangular", "nilpotent"}:
            return sp.Matrix(r, c, lambda i, j: M[i, j] if j >= i else 0), []
        raise NoDomain(f"{name}: matrices of the families {sorted(fams)} have no real-arithmetic domain here")
    raise NoDomain(f"{name}: a {type(strategy).__name__} strategy has no real-arithmetic domain")


# ----- domains for sampled(make, domain=...) ---------------------------------------

def orthogonal_matrix(size: dict, syms: Symbols, name: str | None = None):
    """Every real orthogonal n × n matrix (named after the given value, else ``name`` or Q)."""
    n = size["n"]
    name = name or getattr(syms, "owner", "") or "Q"   # a checker's own Symbols may have no owner
    Q = syms.matrix(name, n, n)
    syms.orthogonal.append(Q)
    return Q, orthogonal(Q)


def invertible_matrix(size: dict, syms: Symbols, name: str | None = None):
    """Every real invertible n × n matrix (named after the given value, else ``name`` or A)."""
    n = size["n"]
    name = name or getattr(syms, "owner", "") or "A"
    A = syms.matrix(name, n, n)
    return A, [sp.Ne(sp.expand(A.det(method="berkowitz")), 0)]


def orthogonal_and_nonneg_diagonal(size: dict, syms: Symbols):
    """(C, V): C any real orthogonal matrix, V diagonal with every entry ≥ 0."""
    C, cs = orthogonal_matrix(size, syms, "C")
    v = list(syms.matrix("v", size["n"], 1))
    return (C, sp.diag(*v)), cs + [sp.Ge(x, 0) for x in v]


def orthogonal_and_spd(size: dict, syms: Symbols):
    """(U, R): U any real orthogonal matrix, R symmetric positive definite (Sylvester's criterion: every leading
    principal minor > 0), the two factors of a polar decomposition W = U R."""
    U, cs = orthogonal_matrix(size, syms, "U")
    n = size["n"]
    A = syms.matrix("R", n, n)
    R = sp.Matrix(n, n, lambda i, j: A[min(i, j), max(i, j)])
    return (U, R), cs + [sp.Gt(sp.expand(R[:k, :k].det(method="berkowitz")), 0) for k in range(1, n + 1)]


#: the domains above, each with a point at every size (I, I, (I, 0), (I, I)): a proof over them is over some value
NONEMPTY = (orthogonal_matrix, invertible_matrix, orthogonal_and_nonneg_diagonal, orthogonal_and_spd)
