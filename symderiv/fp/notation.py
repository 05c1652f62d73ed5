"""The notation over F_p values (registered with :mod:`symderiv.notation` by the package)."""
from __future__ import annotations

import sympy as sp

from ..errors import ShapeError
from .dag import Diag, HVNode, Identity, KronEyeRow, KronRowEye, Node, Prod, Sum, Zero, _materialize, lift
from .elementwise import _softmax_val
from .field import Unsupported
from .model import Dual, _softmax_dual
from .values import Drawn, Val, _add, _column, _ew, _is_rational_matrix, _kron_dense, _reshape, _same_shape


_EYES: dict = {}


def _is_eye(a) -> bool:
    """a is SymPy's identity matrix, read from its exact entries (a class of one's own equal to 1 is not 1)."""
    if not (isinstance(a, sp.MatrixBase) and a.rows == a.cols and _is_rational_matrix(a)):
        return False
    eye = _EYES.get(a.rows)
    if eye is None:  # compared with one immutable identity per size (building sp.eye(n) each time cost 30 µs at 64)
        eye = _EYES[a.rows] = sp.ImmutableMatrix(sp.eye(a.rows))
    return a == eye


class FpNotation:
    """The notation over F_p values (registered with :mod:`symderiv.notation`); eager like every backend."""

    def HV(self, v):
        v = _materialize(v)
        if v.cols != 1:
            raise ShapeError("HV takes a column vector")
        return HVNode(v)

    def kron(self, a, b):
        if _is_eye(a) and not isinstance(b, sp.MatrixBase):
            b = _materialize(b)
            if b.rows == 1:
                return KronEyeRow(a.rows, b)
        if _is_eye(b) and not isinstance(a, sp.MatrixBase):
            a = _materialize(a)
            if a.rows == 1:
                return KronRowEye(a, b.rows)
        return _kron_dense(_materialize(a), _materialize(b))

    def diag(self, v):
        if (type(v) is Val or type(v) is Drawn) and v.cols == 1 and v.memo is not None:  # the common case, kept fast
            d = v.memo.get("diag")
            if d is not None:
                return d
        if isinstance(v, Dual):
            raise Unsupported("diag of a cell's quantity inside a step is not available over F_p; use hadamard")
        v = _column(_materialize(v))
        memo = v._memo()
        d = memo.get("diag")
        if d is None:
            d = memo["diag"] = Diag(v)
        return d

    def hadamard(self, a, b):
        if isinstance(a, Dual) or isinstance(b, Dual):
            return Dual.lift(a).hadamard(Dual.lift(b))
        a, b = _materialize(a), _materialize(b)
        _same_shape(a, b, "⊙")
        return _ew(a, b, a.rows, a.cols)

    def T(self, a):
        return a.T

    def vec(self, a, layout):
        a = _materialize(a)
        if layout == "row-major":
            return _reshape(a, a.rows * a.cols, 1, "C")
        if layout == "col-major":
            return _reshape(a.T, a.rows * a.cols, 1, "C")
        raise ValueError(f"layout={layout!r} must be 'row-major' or 'col-major'")

    def softmax(self, z):
        """exp(z) / Σ exp(z): exp atoms and the field inverse of their sum (module docstring, "Quotients")."""
        if isinstance(z, Dual):
            return _softmax_dual(z)
        return _softmax_val(_materialize(z))

    def product(self, factors, size):
        if not factors:
            return Identity(size)
        nodes = [f if isinstance(f, Node) else lift(f) for f in factors]
        if nodes[0].rows != size:
            raise ShapeError(f"Matrix size mismatch: ({size}, {size}) * {nodes[0].shape}")
        return Prod(nodes)

    def total(self, terms, shape):
        shape = tuple(shape)
        for t in terms:
            if tuple(t.shape) != shape:
                raise ShapeError(f"Matrix size mismatch: {shape} + {tuple(t.shape)}")
        if not terms:
            return Zero(*shape)
        if all(isinstance(t, Val) for t in terms):
            out = terms[0]
            for t in terms[1:]:
                out = _add(out, t)
            return out
        return Sum([lift(t) for t in terms])
