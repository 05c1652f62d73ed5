"""The kernel's replay of free-variable claims: forward mode with a tangent per entry, over exact numbers.

A claim of free vectors and matrices (``variables=``, no model) is replayed
here at a certificate's point. Every entry of every variable is a :class:`Jet`
v + Σ_k d_k ε_k (ε_i ε_j = 0), seeded with its own ε; the proof's check runs
on these values unchanged (sums, products, transposes, ``tr``, ``inv``,
``logdet``, ``kron``, ``vec``), and ``v.d(f, "X")`` reads the tangents of f
on X's seeds. Nothing here differentiates an expression: inverses and
determinants are computed by Gaussian elimination over jets, so their
derivatives come out of the arithmetic (the rule for one division of numbers),
never from a matrix-calculus formula such as Jacobi's.

Premises checked: every entry has an exact value, and an invertible variable's
determinant is not 0 (exactly). The layouts come from the claim's stated
conventions (``jacobian``, ``vec``), which must be present. This module imports
nothing of symderiv but the notation's registration and the kernel's own
number rules.
"""
from __future__ import annotations

import sympy as sp

from .. import notation
from ..cells import dimension
from .dual import KernelError, number

_ZERO = sp.Integer(0)


class Jet:
    """v + Σ d[k] ε_k with ε_i ε_j = 0: a value and its sparse tangents (seed -> exact number)."""

    __slots__ = ("v", "d")
    _op_priority = 31.0

    def __init__(self, v, d: dict | None = None):
        self.v = v if isinstance(v, sp.Basic) else number(v)
        self.d = d or {}

    @staticmethod
    def of(x) -> "Jet":
        if isinstance(x, Jet):
            return x
        if isinstance(x, JetMatrix):
            if x.shape != (1, 1):
                raise KernelError(f"a {x.rows}×{x.cols} matrix where a number was expected")
            return x.e[0]
        if isinstance(x, sp.MatrixBase):
            if x.shape != (1, 1):
                raise KernelError(f"a {x.rows}×{x.cols} matrix where a number was expected")
            x = x[0, 0]
        return Jet(number(x))

    def _lin(self, a, o: "Jet", b) -> "Jet":
        d = {k: a * t for k, t in self.d.items()}
        for k, t in o.d.items():
            d[k] = d.get(k, _ZERO) + b * t
        return Jet(_ZERO, d)

    def __add__(self, o):
        if isinstance(o, (JetMatrix, sp.MatrixBase)):
            return JetMatrix.of(o) + self  # only 1 × 1 (checked there)
        o = Jet.of(o)
        r = self._lin(1, o, 1)
        r.v = self.v + o.v
        return r

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.v, {k: -t for k, t in self.d.items()})

    def __sub__(self, o):
        return self + (-Jet.of(o) if not isinstance(o, (JetMatrix, sp.MatrixBase)) else -JetMatrix.of(o))

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if isinstance(o, (JetMatrix, sp.MatrixBase)):
            return JetMatrix.of(o) * self
        o = Jet.of(o)
        r = self._lin(o.v, o, self.v)
        r.v = self.v * o.v
        return r

    __rmul__ = __mul__

    def reciprocal(self) -> "Jet":
        if self.v == 0:
            raise KernelError("division by zero")
        inv = 1 / self.v
        return Jet(inv, {k: -t * inv ** 2 for k, t in self.d.items()})

    def __truediv__(self, o):
        return self * Jet.of(o).reciprocal()

    def __rtruediv__(self, o):
        return Jet.of(o) * self.reciprocal()

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, sp.Integer)):
            raise KernelError(f"only integer powers of a number are defined here, not {k!r}")
        k = int(k)
        if k < 0:
            return (self ** (-k)).reciprocal()
        out = Jet(sp.Integer(1))
        for _ in range(k):
            out = out * self
        return out

    def log(self) -> "Jet":
        if not (self.v.is_number and sp.sympify(self.v).is_positive):
            raise KernelError(f"log of {self.v}, which is not positive")
        return Jet(sp.log(self.v), {k: t / self.v for k, t in self.d.items()})

    def __repr__(self):
        return f"Jet({self.v}, {self.d})"


class JetMatrix:
    """A matrix of jets, row-major; shapes checked as SymPy checks them."""

    _op_priority = 31.0  # above SymPy's: sp.Matrix * JetMatrix calls JetMatrix.__rmul__

    def __init__(self, rows: int, cols: int, entries):
        self.rows, self.cols = rows, cols
        self.e = [Jet.of(x) for x in entries]
        if len(self.e) != rows * cols:
            raise KernelError("a matrix with the wrong number of entries")

    @staticmethod
    def of(x) -> "JetMatrix":
        if isinstance(x, JetMatrix):
            return x
        if isinstance(x, sp.MatrixBase):
            return JetMatrix(x.rows, x.cols, list(x))
        if isinstance(x, Jet):
            return JetMatrix(1, 1, [x])
        raise KernelError(f"a {type(x).__name__} is not a matrix")

    @property
    def shape(self):
        return (self.rows, self.cols)

    def __len__(self):
        return self.rows * self.cols

    def __iter__(self):
        return iter(list(self.e))

    def _at(self, i, j) -> Jet:
        return self.e[i * self.cols + j]

    def __getitem__(self, key):
        if isinstance(key, tuple):
            i, j = key
            if isinstance(i, slice) or isinstance(j, slice):
                ri = range(self.rows)[i] if isinstance(i, slice) else [i]
                cj = range(self.cols)[j] if isinstance(j, slice) else [j]
                return JetMatrix(len(ri), len(cj), [self._at(a, b) for a in ri for b in cj])
            if not (-self.rows <= i < self.rows and -self.cols <= j < self.cols):
                raise KernelError(f"index {key} outside a {self.rows}×{self.cols} matrix")
            return self._at(i % self.rows, j % self.cols)
        return self.e[key]

    def values(self) -> sp.Matrix:
        return sp.Matrix(self.rows, self.cols, [x.v for x in self.e])

    def __add__(self, o):
        if isinstance(o, (int, Jet, sp.Expr)) and not isinstance(o, sp.MatrixBase):
            if self.shape != (1, 1):
                raise KernelError("a matrix plus a number is undefined (SymPy refuses it too)")
            o = JetMatrix.of(Jet.of(o))
        o = JetMatrix.of(o)
        if o.shape != self.shape:
            raise KernelError(f"sum of a {self.rows}×{self.cols} and a {o.rows}×{o.cols} matrix")
        return JetMatrix(self.rows, self.cols, [a + b for a, b in zip(self.e, o.e)])

    __radd__ = __add__

    def __neg__(self):
        return JetMatrix(self.rows, self.cols, [-a for a in self.e])

    def __sub__(self, o):
        return self + (-JetMatrix.of(o) if isinstance(o, (JetMatrix, sp.MatrixBase)) else -Jet.of(o))

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if isinstance(o, (JetMatrix, sp.MatrixBase)):
            o = JetMatrix.of(o)
            if self.cols != o.rows:
                raise KernelError(f"product of a {self.rows}×{self.cols} and a {o.rows}×{o.cols} matrix")
            out = []
            for i in range(self.rows):
                for j in range(o.cols):
                    acc = Jet(_ZERO)
                    for k in range(self.cols):
                        acc = acc + self._at(i, k) * o._at(k, j)
                    out.append(acc)
            return JetMatrix(self.rows, o.cols, out)
        c = Jet.of(o)
        return JetMatrix(self.rows, self.cols, [a * c for a in self.e])

    def __rmul__(self, o):
        if isinstance(o, sp.MatrixBase):
            return JetMatrix.of(o) * self
        return self * o

    def __truediv__(self, o):
        return self * Jet.of(o).reciprocal()

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, sp.Integer)) or self.rows != self.cols:
            raise KernelError(f"only integer powers of a square matrix are defined, not {k!r}")
        k = int(k)
        base = self.inv() if k < 0 else self
        out = JetMatrix.eye(self.rows)
        for _ in range(abs(k)):
            out = out * base
        return out

    @staticmethod
    def eye(n: int) -> "JetMatrix":
        return JetMatrix(n, n, [sp.Integer(int(i == j)) for i in range(n) for j in range(n)])

    @property
    def T(self):
        return JetMatrix(self.cols, self.rows, [self._at(i, j) for j in range(self.cols) for i in range(self.rows)])

    def transpose(self):
        return self.T

    def trace(self) -> Jet:
        if self.rows != self.cols:
            raise KernelError(f"trace of a {self.rows}×{self.cols} matrix")
        acc = Jet(_ZERO)
        for i in range(self.rows):
            acc = acc + self._at(i, i)
        return acc

    def _eliminate(self, rhs: "JetMatrix | None"):
        """Gaussian elimination over jets, pivoting on an exactly nonzero value: (det, solution of self·Y = rhs)."""
        if self.rows != self.cols:
            raise KernelError(f"elimination of a {self.rows}×{self.cols} matrix")
        n = self.rows
        a = [[self._at(i, j) for j in range(n)] for i in range(n)]
        b = [[rhs._at(i, j) for j in range(rhs.cols)] for i in range(n)] if rhs is not None else None
        det = Jet(sp.Integer(1))
        for c in range(n):
            p = next((r for r in range(c, n) if a[r][c].v != 0), None)
            if p is None:
                return Jet(_ZERO), None  # singular (the value); its tangent is not needed by anything that runs
            if p != c:
                a[c], a[p] = a[p], a[c]
                if b is not None:
                    b[c], b[p] = b[p], b[c]
                det = -det
            det = det * a[c][c]
            piv = a[c][c].reciprocal()
            for r in range(n):
                if r == c:
                    continue
                f = a[r][c] * piv
                if f.v == 0 and not f.d:
                    continue
                a[r] = [x - f * y for x, y in zip(a[r], a[c])]
                if b is not None:
                    b[r] = [x - f * y for x, y in zip(b[r], b[c])]
        if b is None:
            return det, None
        sol = [[b[r][j] * a[r][r].reciprocal() for j in range(rhs.cols)] for r in range(n)]
        return det, JetMatrix(n, rhs.cols, [x for row in sol for x in row])

    def det(self) -> Jet:
        if self.rows != self.cols:
            raise KernelError(f"det of a {self.rows}×{self.cols} matrix")
        det, _ = self._eliminate(None)
        if det.v == 0:
            raise KernelError("det of a singular matrix: its derivative is not replayed by elimination")
        return det

    def inv(self) -> "JetMatrix":
        det, sol = self._eliminate(JetMatrix.eye(self.rows))
        if sol is None:
            raise KernelError("the inverse of a singular matrix")
        return sol

    def logdet(self) -> Jet:
        return self.det().log()

    def applyfunc(self, fn):
        return JetMatrix(self.rows, self.cols, [fn(x) for x in self.e])

    def __repr__(self):
        return f"JetMatrix({self.rows}×{self.cols})"


class JetNotation:
    """The notation for jet matrices (registered with symderiv.notation by the kernel)."""

    @staticmethod
    def _col(v) -> JetMatrix:
        v = JetMatrix.of(v)
        if v.cols != 1 and v.rows != 1:
            raise KernelError(f"a vector was expected, not a {v.rows}×{v.cols} matrix")
        return v if v.cols == 1 else v.T

    def T(self, a):
        return JetMatrix.of(a).T

    def hadamard(self, a, b):
        a, b = JetMatrix.of(a), JetMatrix.of(b)
        if a.shape != b.shape:
            raise KernelError("elementwise product of matrices of different shapes")
        return JetMatrix(a.rows, a.cols, [x * y for x, y in zip(a.e, b.e)])

    def diag(self, v):
        v = self._col(v)
        n = v.rows
        return JetMatrix(n, n, [v.e[i] if i == j else Jet(_ZERO) for i in range(n) for j in range(n)])

    def kron(self, a, b):
        a, b = JetMatrix.of(a), JetMatrix.of(b)
        rows, cols = a.rows * b.rows, a.cols * b.cols
        return JetMatrix(rows, cols, [a._at(i // b.rows, j // b.cols) * b._at(i % b.rows, j % b.cols)
                                      for i in range(rows) for j in range(cols)])

    def vec(self, a, layout):
        a = JetMatrix.of(a)
        if layout == "row-major":
            return JetMatrix(len(a), 1, list(a.e))
        if layout == "col-major":
            return self.vec(a.T, "row-major")
        raise KernelError(f"layout={layout!r} must be 'row-major' or 'col-major'")

    def HV(self, v):
        v = self._col(v)
        n = v.rows
        return self.kron(JetMatrix.of(sp.ones(n, n)), v.T)

    def product(self, factors, size):
        out = JetMatrix.eye(size)
        for f in factors:
            out = out * f
        return out

    def total(self, terms, shape):
        out = JetMatrix.of(sp.zeros(*shape))
        for t in terms:
            out = out + t
        return out


def _entry_name(name: str, kind: str, i: int, j: int) -> str:
    if kind == "scalar":
        return name
    return f"{name}[{i}]" if kind == "vector" else f"{name}[{i},{j}]"


class ExactVariables:
    """The claim's variables at a point, as jets seeded one ε per entry; ``d`` reads the tangents."""

    def __init__(self, variables: dict, size: dict, values: dict, conventions: dict):
        try:
            self._jac, self._vec = conventions["jacobian"], conventions["vec"]
        except KeyError as e:
            raise KernelError(f"the claim states no {e.args[0]!r} convention") from None
        if self._jac not in ("numerator", "denominator") or self._vec not in ("row-major", "col-major"):
            raise KernelError(f"unknown layout conventions {self._jac!r}, {self._vec!r}")
        self._seeds: dict = {}  # name -> its seeds' matrix of seed keys
        self._by_id: dict = {}
        self._derivatives: dict = {}  # id -> a matrix d returned (a second d of it is refused)
        self.premises: list[str] = []
        for k, v in size.items():
            setattr(self, k, v)
        for name, var in variables.items():
            kind = var.kind
            r = dimension(var.rows, n=size.get("n", 1), m=size.get("m", 1))
            c = dimension(var.cols, n=size.get("n", 1), m=size.get("m", 1))
            if kind == "scalar":
                r = c = 1
            keys, entries = [], []
            for i in range(r):
                for j in range(c):
                    key = _entry_name(name, kind, i, j)
                    if key not in values:
                        raise KernelError(f"the point gives no value for {key}")
                    keys.append(key)
                    entries.append(Jet(number(values[key]), {key: sp.Integer(1)}))
            self._seeds[name] = (r, c, keys)
            value = entries[0] if kind == "scalar" else JetMatrix(r, c, entries)
            if getattr(var, "invertible", False):
                if JetMatrix(r, c, [e.v for e in entries]).values().det() == 0:
                    raise KernelError(f"{name} is declared invertible, but det {name} = 0 at the point")
                self.premises.append(f"det {name} ≠ 0")
            setattr(self, name, value)
            self._by_id[id(value)] = name

    def d(self, of, wrt) -> sp.Matrix:
        if isinstance(wrt, str):
            name = wrt if wrt in self._seeds else None
        else:
            name = self._by_id.get(id(wrt))
        if name is None:
            raise KernelError(f"d(..., {wrt!r}): not a variable of the claim")
        if id(of) in self._derivatives:
            raise KernelError("a derivative of a derivative (v.d of v.d): the kernel's jets are first order, so it "
                              "cannot replay a second derivative")
        r, c, keys = self._seeds[name]
        F = JetMatrix.of(of) if isinstance(of, (JetMatrix, sp.MatrixBase)) else JetMatrix(1, 1, [Jet.of(of)])
        if F.shape == (1, 1):
            f = F.e[0]
            return self._keep(sp.Matrix(r, c, [f.d.get(k, _ZERO) for k in keys]))
        cols = keys if self._vec == "row-major" else [keys[i * c + j] for j in range(c) for i in range(r)]
        vf = list(F.e) if self._vec == "row-major" else list(F.T.e)
        J = sp.Matrix(len(vf), len(cols), lambda a, b: vf[a].d.get(cols[b], _ZERO))
        return self._keep(J if self._jac == "numerator" else J.T)

    def _keep(self, D: sp.Matrix) -> sp.Matrix:
        self._derivatives[id(D)] = D  # kept alive, so its id is not reused
        return D


def value_of(x):
    """A side as exact numbers: the values of jets (their tangents are not part of a side)."""
    if isinstance(x, JetMatrix):
        return x.values()
    if isinstance(x, Jet):
        return x.v
    return x


def run_check(claim, size: dict, values: dict):
    """The proof's check on the claim's variables at the point: (lhs, rhs, premises that were checked)."""
    ns = ExactVariables(claim.variables, size, values, claim.conventions)
    out = claim.check(ns)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise KernelError(f"the check returned {type(out).__name__}, not (lhs, rhs)")
    return value_of(out[0]), value_of(out[1]), ns.premises


def register() -> None:
    notation.register_backend((JetMatrix, Jet), JetNotation())
