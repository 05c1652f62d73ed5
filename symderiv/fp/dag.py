"""Lazy operators: the notation over F_p as a DAG applied to a row from the left or a column from the right."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp
from flint import nmod_mat

from ..errors import ShapeError
from .field import _UID, Unsupported, _is_scalar, _note_denominator, _primes, _rational
from .values import (MatrixFace, ScalarVal, Val, _add, _as_scalar, _entry_sum, _ew, _index, _is_rational_matrix, _join,
                     _ku, _matmul, _matmul_shared, _repeat, _reshape, _scale, _slice)


class Node(MatrixFace):
    """A lazy matrix: applied to a row vector from the left, or to a column from the right."""

    __slots__ = ("rows", "cols", "uid", "jac", "products", "rowmemo")
    __symderiv_value__ = True  # a value a check sees (the lead's guard refuses comparisons, hashing, truth tests)
    _op_priority = 20.0
    __array_ufunc__ = None

    def _init(self, rows: int, cols: int, jac: bool = False):
        self.rows, self.cols, self.jac = rows, cols, jac
        self.uid = next(_UID)
        self.products = None  # value uid -> the product value · self (built once: W diag(σ'(h_r)) per r)
        self.rowmemo = None  # row index -> that row of the operator (eᵢᵀ · self), for indexing

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def left(self, g: Val, ev: "Evaluator") -> Val:
        raise Unsupported(f"{type(self).__name__} cannot be applied from the left")

    def right(self, x: Val, ev: "Evaluator") -> Val:
        raise Unsupported(f"{type(self).__name__} cannot be applied from the right")

    def __mul__(self, o):
        if _is_scalar(o):
            return Scaled(_rational(o), self)
        if isinstance(o, ScalarVal) and self.cols != 1:  # times a scalar (an entry), as in SymPy
            return Prod([self, Diag(_repeat(o, self.cols))])
        return Prod([self, lift(o)])

    def __rmul__(self, o):
        if _is_scalar(o):
            return Scaled(_rational(o), self)
        return Prod([lift(o), self])

    def __add__(self, o):
        if _is_scalar(o):
            _rational(o)
            raise ShapeError(f"cannot add a number and a {self.rows}×{self.cols} matrix (SymPy raises too)")
        return Sum([self, lift(o)])

    __radd__ = __add__

    def __sub__(self, o):
        return self + Scaled(Fraction(-1), lift(o))

    def __rsub__(self, o):
        return lift(o) + Scaled(Fraction(-1), self)

    def __neg__(self):
        return Scaled(Fraction(-1), self)

    def __truediv__(self, o):
        if not _is_scalar(o):
            raise Unsupported("only division by a number is available over F_p")
        return Scaled(1 / _rational(o), self)

    @property
    def T(self):
        return dense(self).T


    def __iter__(self):
        """The entries, row by row (the operator built explicitly: small operators only)."""
        return iter(dense(self))

    def __len__(self):
        return self.rows * self.cols

    def _row(self, i: int) -> Val:
        """eᵢᵀ · self (reverse mode for a Jacobian), memoised on the operator."""
        memo = self.rowmemo
        if memo is None:
            memo = self.rowmemo = {}
        r = memo.get(i)
        if r is None:
            e = Val.constant(sp.Matrix(1, self.rows, lambda _, j: int(j == i)), _primes())
            r = memo[i] = Evaluator().left(self, e)
        return r

    def _col(self, j: int) -> Val:
        """self · eⱼ (forward mode for a Jacobian)."""
        e = Val.constant(sp.Matrix(self.cols, 1, lambda i, _: int(i == j)), _primes())
        return Evaluator().right(self, e)

    def __getitem__(self, key):
        """SymPy's indexing, by rows (eᵢᵀ · self) or by columns (self · eⱼ), whichever are fewer."""
        sel = _index(key, self.rows, self.cols)
        if isinstance(sel, list):
            return [self[k // self.cols, k % self.cols] for k in sel]
        rows, cols, scalar = sel
        if len(rows) <= len(cols):
            out = _join([self._row(i) for i in rows], 0) if rows else Val.zeros(0, self.cols, _primes())
            if cols != list(range(self.cols)):
                out = _slice(out, range(out.rows), cols)
        else:
            out = _join([self._col(j) for j in cols], 1)
            if rows != list(range(self.rows)):
                out = _slice(out, rows, range(out.cols))
        return _as_scalar(out) if scalar else out

    def row(self, i):
        return self[i, :]

    def col(self, j):
        return self[:, j]

    def row_join(self, o):
        """[self o] (SymPy's row_join, which ``sp.Matrix.hstack`` calls): a lazy block operator."""
        return HJoin([self, lift(o)])

    def col_join(self, o):
        """[self; o] (SymPy's col_join, which ``sp.Matrix.vstack`` calls): a lazy block operator."""
        return VJoin([self, lift(o)])


    def applyfunc(self, fn):
        """fn of each entry (the operator built explicitly, then read as a value's applyfunc reads fn)."""
        return dense(self).applyfunc(fn)



def lift(x) -> Node:
    """A value, a SymPy matrix of rationals or an operator, as an operator."""
    if isinstance(x, Node):
        return x
    if isinstance(x, Val):
        return x.node()
    if isinstance(x, sp.MatrixBase):
        if _is_rational_matrix(x):  # the shortcuts only for SymPy's own numbers (never a class's own word)
            if x.rows == x.cols and x == sp.eye(x.rows):
                return Identity(x.rows)
            if x.is_zero_matrix:
                return Zero(x.rows, x.cols)
        return Val.constant(x, _primes()).node()
    if isinstance(x, Dual):
        raise Unsupported("a cell's state mixed with a claim's value")
    if _is_scalar(x):
        _rational(x)
        raise ShapeError("a number is not a matrix here (SymPy raises too)")
    raise Unsupported(f"a {type(x).__name__} cannot enter an F_p computation")


class Dense(Node):
    __slots__ = ("v",)

    def __init__(self, v: Val):
        self.v = v
        self._init(v.rows, v.cols)

    def left(self, g, ev):
        return _matmul(g, self.v)

    def right(self, x, ev):
        return _matmul(self.v, x)

    @property
    def T(self):
        return self.v.T.node()


class Identity(Node):
    __slots__ = ()

    def __init__(self, n: int):
        self._init(n, n)

    def left(self, g, ev):
        return g

    def right(self, x, ev):
        return x

    @property
    def T(self):
        return self


class Zero(Node):
    __slots__ = ()

    def __init__(self, rows: int, cols: int):
        self._init(rows, cols)

    def left(self, g, ev):
        return Val.zeros(1, self.cols, g.primes)

    def right(self, x, ev):
        return Val.zeros(self.rows, 1, x.primes)

    @property
    def T(self):
        return Zero(self.cols, self.rows)


class Diag(Node):
    """diag(v) for a column v."""

    __slots__ = ("v",)

    def __init__(self, v: Val):
        self.v = v
        self._init(v.rows, v.rows)

    def left(self, g, ev):
        return _ew(g, self.v, 1, self.cols)

    def right(self, x, ev):
        return _ew(self.v, x, self.rows, 1)

    @property
    def T(self):
        return self


class KronEyeRow(Node):
    """I_n ⊗ s for a row s (1 × k): n × n·k, the row-major explicit partial ∂(W v)/∂W with s = vᵀ."""

    __slots__ = ("n", "s")

    def __init__(self, n: int, s: Val):
        self.n, self.s = n, s
        self._init(n, n * s.cols)

    def left(self, g, ev):  # g ⊗ s, flattened by rows
        k = self.s.cols
        out = [nmod_mat(1, self.n * k, [a * b for a in x.entries() for b in y.entries()], x.modulus())
               for x, y in zip(g.a, self.s.a)]
        return Val(out, 1, self.n * k, g.deg + self.s.deg, g.h + self.s.h, g.d + self.s.d, _ku(g, self.s))

    def right(self, x, ev):  # X sᵀ, X the n × k matrix read by rows from x
        return _matmul_shared(ev.reshape(x, self.n, self.s.cols, "C"), self.s.T)


class KronRowEye(Node):
    """s ⊗ I_n for a row s (1 × k): n × k·n, the column-major explicit partial."""

    __slots__ = ("n", "s")

    def __init__(self, s: Val, n: int):
        self.n, self.s = n, s
        self._init(n, s.cols * n)

    def left(self, g, ev):
        k = self.s.cols
        out = [nmod_mat(1, k * self.n, [b * a for b in y.entries() for a in x.entries()], x.modulus())
               for x, y in zip(g.a, self.s.a)]
        return Val(out, 1, k * self.n, g.deg + self.s.deg, g.h + self.s.h, g.d + self.s.d, _ku(g, self.s))

    def right(self, x, ev):  # Y sᵀ with Y[i, j] = x[j n + i]
        return _matmul(ev.reshape(x, self.n, self.s.cols, "F"), self.s.T)


class HVNode(Node):
    """pal2019's HV(v) = 1 1ᵀ ⊗ vᵀ (n × n·k for v of n = k entries)."""

    __slots__ = ("n", "v")

    def __init__(self, v: Val):
        self.n, self.v = v.rows, v
        self._init(v.rows, v.rows * v.rows)

    def left(self, g, ev):
        tot = _entry_sum(g)
        row = _matmul(tot, self.v.T)  # (Σg) vᵀ
        out = [nmod_mat(1, self.cols, list(r.entries()) * self.n, r.modulus()) for r in row.a]
        return Val(out, 1, self.cols, row.deg, row.h, row.d, row.k)

    def right(self, x, ev):
        s = _entry_sum(_matmul(ev.reshape(x, self.n, self.v.rows, "C"), self.v))
        return _matmul(Val.constant(sp.ones(self.n, 1), s.primes), s)


class Scaled(Node):
    __slots__ = ("c", "x")

    def __init__(self, c: Fraction, x: Node):
        _note_denominator(c.denominator)
        self.c, self.x = c, x
        self._init(x.rows, x.cols, x.jac)

    def left(self, g, ev):
        return _scale(ev.left(self.x, g), self.c)

    def right(self, x, ev):
        return _scale(ev.right(self.x, x), self.c)

    @property
    def T(self):
        return Scaled(self.c, self.x.T)


@dataclass(frozen=True)
class Seed:
    """Where a derivative's direction enters the tape: entry ``tid`` (rows × cols), ops from ``lo`` on replayed.

    One kind of derivative is one way of choosing a seed (see ``FpModel.d`` and
    ``FpModel.partial``): a parameter, an initial state or an input is a leaf of
    the tape, an intermediate quantity the entry its step assigned (the
    symbolic engine's override by fresh symbols), and an explicit partial
    replays only the ops of its own step (``lo``: what came before is held
    fixed).
    """

    tid: int
    rows: int
    cols: int
    lo: int
    #: entries held fixed (``m.partial(..., hold=...)``): their tangent is zero, no adjoint passes them
    cut: frozenset = frozenset()


class Jacobian(Node):
    """d(quantity)/d(seed) of the F_p model in a layout: forward mode from the right, reverse mode from the left."""

    __slots__ = ("model", "quantity", "seed", "order")

    def __init__(self, model: "FpModel", quantity: "Dual", seed: Seed, layout: str):
        self.model, self.quantity, self.seed = model, quantity, seed
        self.order = "C" if layout == "row-major" else "F"
        self._init(quantity.v.rows, seed.rows * seed.cols, True)

    def right(self, x, ev):
        V = ev.reshape(x, self.seed.rows, self.seed.cols, self.order)
        return self.model.tangent(self.quantity, self.seed, V)

    def left(self, g, ev):
        A = self.model.adjoint(self.quantity, self.seed, g)
        A = A if self.order == "C" else A.T  # vec(A) in the layout, as a row
        return _reshape(A, 1, A.rows * A.cols, "C")

    @property
    def T(self):
        return Transposed(self)


class Transposed(Node):
    """Xᵀ of an operator known along directions: (Xᵀ y) = (yᵀ X)ᵀ, so a transposed Jacobian is reverse mode."""

    __slots__ = ("x",)

    def __init__(self, x: Node):
        self.x = x
        self._init(x.cols, x.rows, True)

    def right(self, y, ev):
        return ev.left(self.x, y.T).T

    def left(self, g, ev):
        return ev.right(self.x, g.T).T

    @property
    def T(self):
        return self.x


class HJoin(Node):
    """[A B …] of operators with the same rows: A x₁ + B x₂ + … from the right, [gA gB …] from the left."""

    __slots__ = ("parts",)

    def __init__(self, parts: list):
        parts = [q for q in parts if q.cols] or parts[:1]  # a null matrix can always be joined (SymPy #10770)
        if any(q.rows != parts[0].rows for q in parts):
            raise ShapeError(f"The matrices have incompatible number of rows "
                             f"({', '.join(str(q.rows) for q in parts)})")
        self.parts = [f for q in parts for f in (q.parts if type(q) is HJoin else [q])]
        self._init(parts[0].rows, sum(q.cols for q in self.parts), any(q.jac for q in self.parts))

    def right(self, x, ev):
        out, off = None, 0
        for q in self.parts:
            r = ev.right(q, _slice(x, range(off, off + q.cols), range(x.cols)))
            out, off = r if out is None else _add(out, r), off + q.cols
        return out

    def left(self, g, ev):
        return _join([ev.left(q, g) for q in self.parts], 1)

    @property
    def T(self):
        return VJoin([q.T for q in self.parts])


class VJoin(Node):
    """[A; B; …] of operators with the same columns: [A x; B x; …] from the right, g₁A + g₂B + … from the
    left."""

    __slots__ = ("parts",)

    def __init__(self, parts: list):
        parts = [q for q in parts if q.rows] or parts[:1]
        if any(q.cols != parts[0].cols for q in parts):
            raise ShapeError(f"The matrices have incompatible number of columns "
                             f"({', '.join(str(q.cols) for q in parts)})")
        self.parts = [f for q in parts for f in (q.parts if type(q) is VJoin else [q])]
        self._init(sum(q.rows for q in self.parts), parts[0].cols, any(q.jac for q in self.parts))

    def right(self, x, ev):
        return _join([ev.right(q, x) for q in self.parts], 0)

    def left(self, g, ev):
        out, off = None, 0
        for q in self.parts:
            r = ev.left(q, _slice(g, range(g.rows), range(off, off + q.rows)))
            out, off = r if out is None else _add(out, r), off + q.rows
        return out

    @property
    def T(self):
        return HJoin([q.T for q in self.parts])


#: a product nested in a product is spliced in when it has at most this many factors; a longer one stays one factor
#: (its projections memoized once: Π_{r=k+1}^{t} built as Π_{r=k+2}^{t} · F_{k+1} for every k shares them, where
#: splicing made t(t − 1)/2 factors to walk)
FLATTEN = 4


class Prod(Node):
    __slots__ = ("factors",)

    def __init__(self, factors: list):
        flat, prev, jac = [], None, False
        for f in factors:
            if prev is not None and prev.cols != f.rows:
                raise ShapeError(f"Matrix size mismatch: {prev.shape} * {f.shape}")
            prev = f
            jac = jac or f.jac
            if type(f) is Prod and len(f.factors) <= FLATTEN:
                flat += f.factors
            elif type(f) is not Identity:
                flat.append(f)
        self.factors = flat or [Identity(factors[0].rows)]
        self.rows, self.cols, self.jac = factors[0].rows, prev.cols, jac
        self.uid = next(_UID)
        self.products = None
        self.rowmemo = None

    def left(self, g, ev):
        for f in self.factors:
            g = ev.left(f, g)
        return g

    def right(self, x, ev):
        for f in reversed(self.factors):
            x = ev.right(f, x)
        return x

    @property
    def T(self):
        return Prod([f.T if isinstance(f, Node) else lift(f).T for f in reversed(self.factors)])


class Sum(Node):
    __slots__ = ("terms",)

    def __init__(self, terms: list):
        flat = []
        for t in terms:
            if t.shape != terms[0].shape:
                raise ShapeError(f"Matrix size mismatch: {terms[0].shape} + {t.shape}")
            flat.extend(t.terms if type(t) is Sum else [t])
        self.terms = flat
        self._init(terms[0].rows, terms[0].cols, any(t.jac for t in flat))

    def left(self, g, ev):
        out = None
        for t in self.terms:
            r = ev.left(t, g)
            out = r if out is None else _add(out, r)
        return out

    def right(self, x, ev):
        out = None
        for t in self.terms:
            r = ev.right(t, x)
            out = r if out is None else _add(out, r)
        return out

    @property
    def T(self):
        return Sum([t.T for t in self.terms])


def dense(node) -> Val:
    """An operator as an explicit matrix (column by column; small operators only)."""
    if isinstance(node, Val):
        return node
    if isinstance(node, Dense):
        return node.v
    if node.cols > 4096:
        raise Unsupported(f"a {node.rows}×{node.cols} operator is too large to build explicitly over F_p")
    ev, primes, cols = Evaluator(), _primes(), []
    for j in range(node.cols):
        e = Val.constant(sp.eye(node.cols)[:, j], primes)
        cols.append(ev.right(node, e))
    out = [nmod_mat(node.rows, node.cols, [c.a[i][r, 0] for r in range(node.rows) for c in cols], p)
           for i, p in enumerate(primes)]
    return Val(out, node.rows, node.cols, max(c.deg for c in cols), max(c.h for c in cols),
               max(c.d for c in cols), _ku(*cols))


def _materialize(x) -> Val:
    if isinstance(x, Val):
        return x
    if isinstance(x, Node):
        return dense(x)
    if isinstance(x, sp.MatrixBase):
        return Val.constant(x, _primes())
    if _is_scalar(x):
        return Val.constant(x, _primes())
    if isinstance(x, Dual):
        return x.v
    raise Unsupported(f"a {type(x).__name__} cannot enter an F_p computation")


from .evaluate import Evaluator  # noqa: E402  (a cycle: dense() applies an operator)
from .model import Dual  # noqa: E402


def _guard_text_of_values():
    from ..concrete import guard_value_text

    guard_value_text(Node)


_guard_text_of_values()
