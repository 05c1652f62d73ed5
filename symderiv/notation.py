"""The papers' notation, as functions a proof file calls.

Every function takes and returns matrices (column vectors are n × 1). The
conventions that the papers leave implicit are explicit arguments here: the
order of an ordered product and the layout of vec.
"""
from __future__ import annotations

from typing import Callable, Iterable, Literal

import sympy as sp

Matrix = sp.MutableDenseMatrix
Order = Literal["descending", "ascending"]
Layout = Literal["row-major", "col-major"]


def _m(x) -> sp.Matrix:
    return x if isinstance(x, sp.MatrixBase) else sp.Matrix(x)


def _fp(*xs) -> bool:
    """Is any argument an F_p value or lazy operator? (the randomized backend's domain, see fp.py)"""
    from . import fp

    return any(isinstance(x, (fp.Val, fp.Node)) for x in xs)


def HV(v) -> sp.Matrix:
    """pal2019's HV(v): the n × n² block matrix whose n × n blocks are all vᵀ."""
    if _fp(v):
        from .fp import HVNode

        return HVNode(v.rows, v)
    v = _m(v)
    n = v.rows
    return sp.kronecker_product(sp.ones(n, n), v.T)


def kron(a, b) -> sp.Matrix:
    """Kronecker product a ⊗ b."""
    if _fp(a, b):
        from .fp import KronEyeRow, KronRowEye, Unsupported

        if isinstance(a, sp.MatrixBase) and a == sp.eye(a.rows) and b.shape[0] == 1:
            return KronEyeRow(a.rows, b.T)
        if isinstance(b, sp.MatrixBase) and b == sp.eye(b.rows) and a.shape[0] == 1:
            return KronRowEye(b.rows, a.T)
        raise Unsupported("over F_p, kron is implemented for I ⊗ vᵀ and vᵀ ⊗ I only")
    return sp.kronecker_product(_m(a), _m(b))


def diag(v) -> sp.Matrix:
    """diag(v): the diagonal matrix with the entries of the vector v."""
    if _fp(v):
        from .fp import Diag

        return Diag(v)
    v = _m(v)
    return sp.diag(*list(v))


def eye(n: int) -> sp.Matrix:
    return sp.eye(n)


def zeros(rows: int, cols: int = 1) -> sp.Matrix:
    return sp.zeros(rows, cols)


def ones(rows: int, cols: int = 1) -> sp.Matrix:
    return sp.ones(rows, cols)


def hadamard(a, b) -> sp.Matrix:
    """Elementwise product a ⊙ b."""
    return _m(a).multiply_elementwise(_m(b))


def T(a) -> sp.Matrix:
    """Transpose."""
    return _m(a).T


def product(factor: Callable[[int], sp.Matrix], lo: int, hi: int, *, order: Order, size: int) -> sp.Matrix:
    """The ordered product Π_{r=lo}^{hi} factor(r), with the order explicit.

    ``order="descending"``: the factor with r = hi stands leftmost
    (factor(hi) · … · factor(lo)), the order of a chain rule applied from the
    newest step back. ``order="ascending"``: factor(lo) · … · factor(hi).
    An empty range (lo > hi) is the identity of the given size.
    """
    if order not in ("descending", "ascending"):
        raise ValueError(f"order={order!r} must be 'descending' or 'ascending'")
    rs = range(hi, lo - 1, -1) if order == "descending" else range(lo, hi + 1)
    if len(rs) and _fp(factor(rs[0])):
        from .fp import OrderedProduct

        return OrderedProduct(factor, lo, hi, order, size)
    out = sp.eye(size)
    for r in rs:
        out = out * factor(r)
    return out


def total(terms: Iterable[sp.Matrix], shape: tuple[int, int]) -> sp.Matrix:
    """Σ of matrices of the given shape; the empty sum is zero."""
    terms = list(terms)
    if _fp(*terms):
        from .fp import Sum, Zero, lift

        return Sum([lift(t) for t in terms]) if terms else Zero(shape)
    out = sp.zeros(*shape)
    for term in terms:
        out = out + _m(term)
    return out


def vec(a, layout: Layout) -> sp.Matrix:
    """vec(A) as a column, by rows ("row-major") or by columns ("col-major")."""
    a = _m(a)
    if layout == "row-major":
        return sp.Matrix(a.rows * a.cols, 1, list(a))
    if layout == "col-major":
        return sp.Matrix(a.rows * a.cols, 1, list(a.T))
    raise ValueError(f"layout={layout!r} must be 'row-major' or 'col-major'")


def softmax(z) -> sp.Matrix:
    z = _m(z)
    e = z.applyfunc(sp.exp)
    s = sum(e)
    return e.applyfunc(lambda x: x / s)
