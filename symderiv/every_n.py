"""For every n: lift an identity of free variables decided at one size to every size (issue 20).

The fragment
------------
A check whose sides are built from free vectors, matrices and scalars of
symbolic size (``vector("n")``, ``matrix("n", "m")``, ``scalar()``) by

    +, −, a rational constant times a value, matrix products, ``.T``,
    ``tr``, ``kron`` (of any two values, so ``kron(eye(v.n), A)`` too),
    ``diag`` of a vector, ``hadamard``, ``vec`` (either layout), ``eye(v.n)``,
    powers by a Python integer, and ``v.d`` (the gradient of a scalar, the
    Jacobian of vec(F) by vec(X)),

computes, at every size, one fixed linear combination D = Σ_k c_k G_k of
*contraction diagrams* (tensor networks). A diagram G has variable nodes (one
per factor: an entry X[a, b] of a variable), index classes H (every leg of a
node and every open leg is in exactly one class; contractions, traces, ``eye``,
``diag`` and ``hadamard`` are copy tensors and only merge classes), each class
with a dimension (``n``, ``m`` or a fixed number), and an ordered tuple of open
legs (the row and column indices of the side, major first). Its entry o is

    G^(s)[o] = Σ_{α : H → indices, α(open legs) = o} Π_{nodes v} X_v[α(legs of v)].

The fragment also requires (C): every class holds a leg of a variable node or
an open leg. A class with neither is a free index loop, a factor n (tr(I) = n):
that is a size used as a number, and the lift refuses it.

The lift (the theorem it rests on)
----------------------------------
**Lemma (index relabelling).** Let E_d be the largest number of index classes of
dimension d in any diagram of D = lhs − rhs (both sides with the same open legs
and dimensions). If D ≡ 0 as a polynomial in the entries at one size N with
N_d ≥ E_d for every symbolic d, then D ≡ 0 at every size s (every n ≥ 1, every
m ≥ 1), fixed dimensions fixed.

*Proof.* Fix s and an entry o. The coefficient of a monomial μ in D^(s)[o] is
Σ_k c_k · #{α : G_k's assignment with α(open) = o and monomial μ}. Let α be one
such assignment. By (C), each class's value is an index of an entry of μ or a
component of o, so the index values any such assignment uses (of any k) form
the set V = α(H_k) ∪ o = the indices of μ and o, and |V_d| ≤ |H_k,d| ≤ E_d ≤ N_d.
Take injections π_d : V_d → {1, …, N_d} (the identity on fixed dimensions).
α' ↦ π∘α' is a bijection from the assignments (of each G_k) giving (μ, o) at
size s onto those giving (πμ, πo) at size N (its inverse exists because, by (C)
again, those use only values in π(V)). So the coefficient of μ in D^(s)[o] is
that of πμ in D^(N)[πo], which is 0. ∎

This is the elementary core of the invariant-theory bounds the issue cites
(no trace identities below the degree, Procesi–Razmyslov; the partition
algebra's n ≥ 2·degree once copy tensors appear, Halverson–Ram, "Partition
algebras", Europ. J. Combin. 26 (2005), Thm 3.6: the diagrams of the partition
algebra P_k(n) act independently on (ℂⁿ)^⊗k when n ≥ 2k). It needs no
representation theory: the threshold is the number of index classes, which
for a diagram of degree d with o open legs is at most 2d + o (each class holds
a leg), so it is never above the partition-algebra bound plus the open legs,
and it is computed exactly from the trace rather than bounded. Identities that
hold only at small sizes (Cayley–Hamilton at n = 2, Hall's identity, x xᵀ =
(xᵀx) I at n = 1) have more index classes than the size they hold at, so they
are decided at a size where they fail and are never lifted.

How membership is established
-----------------------------
Not assumed: the check is run once on :class:`Traced` values with symbolic
dimensions (:class:`Size`), which carry the linear combination of diagrams and
refuse everything else with the reason, which the scope then names: entry
indexing or iteration (``A[0, 1]``, ``list(x)``), a size used as a number
(``range(v.n)``, ``v.rows``, ``sp.eye(v.n)``, tr(I)), Python branching on a
value (``__bool__``, comparisons; the class says ``__symderiv_value__ = True``
so :mod:`symderiv.concrete` refuses it too), inverses, determinants, logs,
``applyfunc`` and elementwise functions, floats, and shapes that agree only as
numbers (an n×m matrix added to an m×n one, sides whose layouts differ). A
claim whose sweep fixes n (``sweep(..., fixed=("n",))``) is about that size and
is not lifted. The trace is checked against the check itself at a probe size
(exact values at a random integer point). The identity is then decided at the
threshold size by the exact engine's normal form, and the kernel
(:mod:`symderiv.kernel.lift`) recounts the degree and the index classes from
the diagrams and re-decides lhs − rhs = 0 at that size by SymPy's ``expand``.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from fractions import Fraction
from itertools import product as _cartesian

import sympy as sp

from .errors import SymderivError

#: the largest threshold size the lift decides at (a larger one is reported, not decided)
MAX_SIZE = 9
#: the dimensions a free variable may have by name
SYMBOLIC = ("n", "m")


class NotInFragment(SymderivError):
    """The check does something the every-n lift cannot read; the message says what."""


class NoSuchAttribute(NotInFragment, AttributeError):
    """An attribute a traced value does not have (``getattr(x, name, default)`` still gets its default)."""


# ----- diagrams -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Diagram:
    """c · G: variable nodes (name, legs), open row and column legs, a dimension per index class.

    Index classes are 0 … len(dims) − 1; legs name classes. A class on several
    legs is a contraction or a copy tensor.
    """

    coef: sp.Rational
    nodes: tuple        # ((name, (class, …)), …)
    rows: tuple         # classes of the open row legs, major first
    cols: tuple         # classes of the open column legs, major first
    dims: tuple         # dims[class]: "n", "m" or a fixed int > 1

    @property
    def degree(self) -> int:
        return len(self.nodes)

    def classes(self, dim) -> int:
        return sum(d == dim for d in self.dims)

    def key(self) -> tuple:
        return (self.nodes, self.rows, self.cols, self.dims)


def _normalize(coef, nodes, rows, cols, dims, merges=()) -> Diagram:
    """Merge the classes in ``merges`` (pairs), renumber by first appearance, refuse a free index loop."""
    parent = list(range(len(dims)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in merges:
        ra, rb = find(a), find(b)
        if ra != rb:
            if dims[ra] != dims[rb]:
                raise NotInFragment(f"an index of size {dims[ra]} meets one of size {dims[rb]}: shapes agree "
                                    "only as numbers")
            parent[rb] = ra
    order: dict = {}

    def num(a):
        r = find(a)
        if r not in order:
            order[r] = len(order)
        return order[r]

    rows2 = tuple(num(a) for a in rows)
    cols2 = tuple(num(a) for a in cols)
    nodes2 = tuple((name, tuple(num(a) for a in legs)) for name, legs in nodes)
    roots = {find(a) for a in range(len(dims))}
    if len(roots) != len(order):
        raise NotInFragment("a size used as a number: an index loop with no variable on it (tr(I) = n, 1ᵀ1 = n)")
    dims2 = [None] * len(order)
    for r, i in order.items():
        dims2[i] = dims[r]
    return Diagram(sp.Rational(coef), nodes2, rows2, cols2, tuple(dims2))


def _join(a: Diagram, b: Diagram):
    """The disjoint union of two diagrams' classes: (nodes, dims, shift of b's classes)."""
    k = len(a.dims)
    nodes = a.nodes + tuple((name, tuple(x + k for x in legs)) for name, legs in b.nodes)
    return nodes, a.dims + b.dims, k


def _collect(diagrams) -> tuple:
    out: dict = {}
    for g in diagrams:
        out[g.key()] = out.get(g.key(), 0) + g.coef
    return tuple(Diagram(c, *k) for k, c in out.items() if c != 0)


# ----- the tracer ---------------------------------------------------------------------------------------

class Size:
    """A symbolic dimension (``v.n``): a size the check may pass on (``eye(v.n)``) but never use as a number."""

    __symderiv_value__ = True

    def __init__(self, name: str):
        self.name = name

    def _refuse(self, *_a, **_k):
        raise NotInFragment(f"a size used as a number (v.{self.name})")

    __index__ = __int__ = __float__ = __bool__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __pow__ = _refuse

    def __eq__(self, other):
        self._refuse()

    __ne__ = __eq__

    def __hash__(self):
        return hash(("Size", self.name))

    def __repr__(self):
        return self.name


def _dim_of(spec):
    """A declared dimension ("n", "m", a number) as a leg dimension; None for 1 (no leg)."""
    if isinstance(spec, Size):
        return spec.name
    if isinstance(spec, str):
        if spec not in SYMBOLIC:
            raise NotInFragment(f"a dimension {spec!r}")
        return spec
    if isinstance(spec, int) and not isinstance(spec, bool) and spec >= 1:
        return None if spec == 1 else spec
    raise NotInFragment(f"a size used as a number ({spec!r})")


def _number(x):
    """A rational constant, or None when x is not one (a float is refused)."""
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, Fraction)):
        return sp.Rational(x)
    if isinstance(x, float):
        raise NotInFragment(f"a float ({x!r})")
    if isinstance(x, sp.Basic) and x.is_Rational:
        return x
    if isinstance(x, sp.Basic) and x.is_number:
        raise NotInFragment(f"a constant that is not rational ({x})")
    return None


class Traced:
    """A value of the fragment: a linear combination of diagrams with its row/column leg dimensions.

    ``scalar``: a SymPy scalar (``tr(M)``, a scalar variable) rather than a matrix (a 1×1 matrix is a
    matrix, as in SymPy: it does not multiply an n×n one).
    """

    __symderiv_value__ = True
    __array_priority__ = 1000  # NumPy, if ever involved, defers to these operators

    def __init__(self, terms, rowdims: tuple, coldims: tuple, scalar: bool = False, name: str | None = None):
        self.terms = _collect(terms)
        self.rowdims, self.coldims, self.scalar, self.name = tuple(rowdims), tuple(coldims), scalar, name

    # --- construction
    @classmethod
    def variable(cls, name: str, rows, cols, scalar: bool = False) -> "Traced":
        r, c = _dim_of(rows), _dim_of(cols)
        rd, cd = (() if r is None else (r,)), (() if c is None else (c,))
        dims = rd + cd
        legs = tuple(range(len(dims)))
        g = Diagram(sp.Integer(1), ((name, legs),), legs[:len(rd)], legs[len(rd):], dims)
        return cls((g,), rd, cd, scalar=scalar, name=name)

    @classmethod
    def constant(cls, c) -> "Traced":
        return cls((Diagram(sp.Rational(c), (), (), (), ()),), (), (), scalar=True)

    @classmethod
    def identity(cls, dims: tuple) -> "Traced":
        k = len(dims)
        g = Diagram(sp.Integer(1), (), tuple(range(k)), tuple(range(k)), tuple(dims))
        return cls((g,), dims, dims)

    # --- refusals
    def _refuse(self, what: str):
        raise NotInFragment(what)

    def __getitem__(self, key):
        if not self.rowdims and not self.coldims and not self.scalar and key in ((0, 0), 0, (-1, -1), -1):
            return Traced(self.terms, (), (), scalar=True)  # the one entry of a 1×1 matrix: structural
        self._refuse("entry indexing (a value's entries are read one by one)")

    def __iter__(self):
        self._refuse("entry indexing (iterating over a value's entries)")

    def __len__(self):
        self._refuse("a size used as a number (len of a value)")

    def __bool__(self):
        self._refuse("Python branching on a value")

    def __eq__(self, other):
        self._refuse("Python branching on a value (==)")

    __ne__ = __eq__

    def _cmp(self, other):
        self._refuse("a comparison of values (not an identity of the fragment)")

    __lt__ = __le__ = __gt__ = __ge__ = _cmp

    def __hash__(self):
        from .concrete import asked_from_user

        if asked_from_user():
            self._refuse("a value used as a key (hash)")
        return id(self)

    def __index__(self):  # no __float__/__int__: SymPy would coerce through them (sympify tries float(x))
        self._refuse("a value used as a number")

    @property
    def rows(self):
        raise NoSuchAttribute("a size used as a number (.rows)")

    @property
    def cols(self):
        raise NoSuchAttribute("a size used as a number (.cols)")

    @property
    def shape(self):
        raise NoSuchAttribute("a size used as a number (.shape)")

    def inv(self, *a, **k):
        self._refuse("an inverse (a rational function: the fragment is polynomial)")

    def det(self, *a, **k):
        self._refuse("a determinant (not a contraction of bounded degree)")

    def logdet(self, *a, **k):
        self._refuse("a log-determinant")

    def applyfunc(self, *a, **k):
        self._refuse("an elementwise function (applyfunc)")

    def subs(self, *a, **k):
        self._refuse("substitution into a value")

    xreplace = subs

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        raise NoSuchAttribute(f"the matrix method .{name}")

    # --- arithmetic
    def _lift(self, other) -> "Traced | None":
        if isinstance(other, Traced):
            return other
        c = _number(other)
        return None if c is None else Traced.constant(c)

    def _scaled(self, c) -> "Traced":
        return Traced([Diagram(g.coef * c, g.nodes, g.rows, g.cols, g.dims) for g in self.terms],
                      self.rowdims, self.coldims, self.scalar)

    def __neg__(self):
        return self._scaled(-1)

    def __pos__(self):
        return self

    def __add__(self, other):
        o = self._lift(other)
        if o is None:
            return NotImplemented
        if isinstance(other, Traced) or not self.scalar:
            if o.scalar != self.scalar:
                self._refuse("a scalar added to a matrix")
            if (o.rowdims, o.coldims) != (self.rowdims, self.coldims):
                self._refuse(f"a sum of values of shapes {_shape(self)} and {_shape(o)}: shapes agree only as numbers")
        return Traced(self.terms + o.terms, self.rowdims, self.coldims, self.scalar)

    __radd__ = __add__

    def __sub__(self, other):
        o = self._lift(other)
        return NotImplemented if o is None else self + (-o)

    def __rsub__(self, other):
        o = self._lift(other)
        return NotImplemented if o is None else o + (-self)

    def __mul__(self, other):
        c = _number(other) if not isinstance(other, Traced) else None
        if c is not None:
            return self._scaled(c)
        if not isinstance(other, Traced):
            return NotImplemented
        if self.scalar or other.scalar:
            return _outer(self, other)
        return _matmul(self, other)

    def __rmul__(self, other):
        c = _number(other)
        if c is None:
            return NotImplemented
        return self._scaled(c)

    def __matmul__(self, other):
        return _matmul(self, _as_traced(other))

    def __truediv__(self, other):
        c = _number(other) if not isinstance(other, Traced) else None
        if c is None or c == 0:
            self._refuse("a quotient (the fragment is polynomial)")
        return self._scaled(1 / c)

    def __rtruediv__(self, other):
        self._refuse("a quotient (the fragment is polynomial)")

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, sp.Integer)) or int(k) < 0:
            self._refuse(f"a power by {k!r} (only by a Python integer ≥ 0)")
        k = int(k)
        if not self.scalar and self.rowdims != self.coldims:
            self._refuse(f"a power of a non-square value ({_shape(self)})")
        out = Traced.constant(1) if self.scalar else Traced.identity(self.rowdims)
        for _ in range(k):
            out = out * self
        return out

    @property
    def T(self) -> "Traced":
        return Traced([Diagram(g.coef, g.nodes, g.cols, g.rows, g.dims) for g in self.terms],
                      self.coldims, self.rowdims, self.scalar)

    def transpose(self):
        return self.T

    def trace(self) -> "Traced":
        if self.rowdims != self.coldims:
            self._refuse(f"the trace of a non-square value ({_shape(self)})")
        out = [_normalize(g.coef, g.nodes, (), (), g.dims, zip(g.rows, g.cols)) for g in self.terms]
        return Traced(out, (), (), scalar=True)

    def __repr__(self):
        return f"Traced({_shape(self)}, {len(self.terms)} diagrams)"


def _shape(x: Traced) -> str:
    if x.scalar:
        return "scalar"
    side = lambda ds: "·".join(map(str, ds)) or "1"  # noqa: E731
    return f"{side(x.rowdims)}×{side(x.coldims)}"


def _outer(a: Traced, b: Traced) -> Traced:
    """A scalar times a value (or two scalars): no contraction."""
    big = b if a.scalar else a
    out = []
    for g in a.terms:
        for h in b.terms:
            nodes, dims, k = _join(g, h)
            rows = g.rows + tuple(x + k for x in h.rows)
            cols = g.cols + tuple(x + k for x in h.cols)
            out.append(_normalize(g.coef * h.coef, nodes, rows, cols, dims))
    return Traced(out, big.rowdims, big.coldims, a.scalar and b.scalar)


def _matmul(a: Traced, b: Traced) -> Traced:
    if a.coldims != b.rowdims:
        raise NotInFragment(f"a product of values of shapes {_shape(a)} and {_shape(b)}")
    out = []
    for g in a.terms:
        for h in b.terms:
            nodes, dims, k = _join(g, h)
            merges = [(x, y + k) for x, y in zip(g.cols, h.rows)]
            out.append(_normalize(g.coef * h.coef, nodes, g.rows, tuple(y + k for y in h.cols), dims, merges))
    return Traced(out, a.rowdims, b.coldims)


def _kron(a: Traced, b: Traced) -> Traced:
    out = []
    for g in a.terms:
        for h in b.terms:
            nodes, dims, k = _join(g, h)
            out.append(_normalize(g.coef * h.coef, nodes, g.rows + tuple(y + k for y in h.rows),
                                  g.cols + tuple(y + k for y in h.cols), dims))
    return Traced(out, a.rowdims + b.rowdims, a.coldims + b.coldims)


def _as_traced(x) -> Traced:
    if isinstance(x, Traced):
        return x
    c = _number(x)
    if c is None:
        raise NotInFragment(f"a value that is not of the claim's variables ({type(x).__name__})")
    return Traced.constant(c)


class Notation:
    """The notation (symderiv.notation) on traced values; registered for :class:`Traced` and :class:`Size`."""

    def kron(self, a, b):
        return _kron(_as_traced(a), _as_traced(b))

    def diag(self, v):
        v = _as_traced(v)
        if v.rowdims and v.coldims:
            raise NotInFragment(f"diag of a {_shape(v)} matrix, not a vector")
        legs = v.rowdims or v.coldims
        out = [Diagram(g.coef, g.nodes, g.rows or g.cols, g.rows or g.cols, g.dims) for g in v.terms]
        return Traced(out, legs, legs)

    def hadamard(self, a, b):
        a, b = _as_traced(a), _as_traced(b)
        if (a.rowdims, a.coldims) != (b.rowdims, b.coldims):
            raise NotInFragment(f"a Hadamard product of shapes {_shape(a)} and {_shape(b)}")
        out = []
        for g in a.terms:
            for h in b.terms:
                nodes, dims, k = _join(g, h)
                merges = [(x, y + k) for x, y in zip(g.rows + g.cols, h.rows + h.cols)]
                out.append(_normalize(g.coef * h.coef, nodes, g.rows, g.cols, dims, merges))
        return Traced(out, a.rowdims, a.coldims)

    def T(self, a):
        return _as_traced(a).T

    def vec(self, a, layout):
        a = _as_traced(a)
        if layout not in ("row-major", "col-major"):
            raise ValueError(f"layout={layout!r} must be 'row-major' or 'col-major'")
        first = layout == "row-major"
        out = [Diagram(g.coef, g.nodes, (g.rows + g.cols) if first else (g.cols + g.rows), (), g.dims)
               for g in a.terms]
        return Traced(out, (a.rowdims + a.coldims) if first else (a.coldims + a.rowdims), ())

    def eye(self, n):
        d = _dim_of(n)
        return Traced.identity(() if d is None else (d,))

    def product(self, factors, size):
        out = self.eye(size)
        for f in factors:
            out = out * _as_traced(f)
        return out

    def total(self, terms, shape):
        terms = [_as_traced(t) for t in terms]
        if not terms:
            raise NotInFragment("an empty sum of a size given as numbers")
        out = terms[0]
        for t in terms[1:]:
            out = out + t
        return out

    def HV(self, v):
        raise NotInFragment("HV (a block matrix of ones)")

    def softmax(self, z):
        raise NotInFragment("softmax (an elementwise function)")


def _register() -> None:
    from .notation import register_backend

    register_backend((Traced, Size), Notation())


_register()


class TracedValues:
    """What a free-variable check receives (``v``) when it is traced: variables of symbolic size, and ``d``."""

    def __init__(self, variables: dict, conventions: dict):
        self.variables, self.conventions = variables, conventions
        self.n, self.m = Size("n"), Size("m")
        self.size = {"n": self.n, "m": self.m}
        self._names: dict = {}
        for name, var in variables.items():
            value = Traced.variable(name, var.rows, var.cols, scalar=var.kind == "scalar")
            setattr(self, name, value)
            self._names[id(value)] = name

    def __getattr__(self, name):
        if name in ("t",):
            raise NotInFragment("a free-variable claim has no horizon t")
        raise AttributeError(name)

    def symbols(self):
        raise NotInFragment("the variables' symbols (entries read one by one)")

    def d(self, of, wrt) -> Traced:
        """∂of/∂wrt as FreeValues.d takes it: the gradient of a scalar shaped like X, else ∂vec(F)/∂vec(X)."""
        if isinstance(wrt, str):
            if wrt not in self.variables:
                raise NotInFragment(f"v.d(..., {wrt!r}): no such variable")
            name = wrt
        else:
            name = self._names.get(id(wrt))
            if name is None:
                raise NotInFragment("v.d(f, wrt): wrt is not a variable")
        X = getattr(self, name)
        F = _as_traced(of)
        scalar = F.scalar or (not F.rowdims and not F.coldims)
        layout = self.conventions.get("vec", "col-major")
        out = []
        for g in F.terms:
            for i, (node, legs) in enumerate(g.nodes):
                if node != name:
                    continue
                rest = g.nodes[:i] + g.nodes[i + 1:]
                xr, xc = legs[:len(X.rowdims)], legs[len(X.rowdims):]
                if scalar:
                    rows, cols = xr, xc
                else:
                    fv = (g.rows + g.cols) if layout == "row-major" else (g.cols + g.rows)
                    xv = (xr + xc) if layout == "row-major" else (xc + xr)
                    rows, cols = (fv, xv) if self.conventions.get("jacobian", "numerator") == "numerator" \
                        else (xv, fv)
                out.append(_normalize(g.coef, rest, rows, cols, g.dims))
        if scalar:
            return Traced(out, X.rowdims, X.coldims)
        fv = (F.rowdims + F.coldims) if layout == "row-major" else (F.coldims + F.rowdims)
        xv = (X.rowdims + X.coldims) if layout == "row-major" else (X.coldims + X.rowdims)
        r, c = (fv, xv) if self.conventions.get("jacobian", "numerator") == "numerator" else (xv, fv)
        return Traced(out, r, c)


def trace(claim) -> tuple[Traced, Traced]:
    """Run the claim's check once on traced values: its two sides as diagrams, or NotInFragment saying why."""
    v = TracedValues(claim.variables, claim.conventions)
    try:
        out = claim.check(v)
    except NotInFragment:
        raise
    except SymderivError as e:
        raise NotInFragment(str(e).splitlines()[0] if str(e) else type(e).__name__) from e
    except Exception as e:  # SymPy (sp.eye(v.n), sp.kronecker_product) on traced values, a TypeError, …
        raise NotInFragment(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}".rstrip(": ")) from e
    if not (isinstance(out, tuple) and len(out) == 2):
        raise NotInFragment("the check did not return (lhs, rhs)")
    lhs, rhs = (_as_traced(x) for x in out)
    if (lhs.rowdims, lhs.coldims) != (rhs.rowdims, rhs.coldims):
        raise NotInFragment(f"the sides' shapes {_shape(lhs)} and {_shape(rhs)} agree only as numbers")
    return lhs, rhs


# ----- the threshold ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Threshold:
    degree: int            # the most variable nodes in a diagram of lhs − rhs
    classes: dict          # dim -> the most index classes of that dim in a diagram
    fixed: tuple           # fixed dimensions (numbers > 1) that occur

    def size(self, dims) -> dict:
        """The size to decide at: each symbolic dimension at its number of classes (at least 1)."""
        return {d: max(1, self.classes.get(d, 0)) for d in dims}


def threshold(lhs: Traced, rhs: Traced) -> Threshold:
    diagrams = lhs.terms + rhs.terms
    classes = {d: max((g.classes(d) for g in diagrams), default=0) for d in SYMBOLIC}
    fixed = sorted({x for g in diagrams for x in g.dims if isinstance(x, int)})
    return Threshold(max((g.degree for g in diagrams), default=0), classes, tuple(fixed))


# ----- evaluation of a trace (the consistency check at a probe size) --------------------------------------

def evaluate(x: Traced, values: dict, size: dict) -> sp.Matrix:
    """The traced value at ``size`` with the variables' entries given (name -> SymPy matrix or number)."""
    def extent(d):
        return d if isinstance(d, int) else size[d]

    def index(legs, alpha, dims):
        i = 0
        for leg in legs:
            i = i * extent(dims[leg]) + alpha[leg]
        return i

    R = 1
    for d in x.rowdims:
        R *= extent(d)
    C = 1
    for d in x.coldims:
        C *= extent(d)
    out = sp.zeros(R, C)
    for g in x.terms:
        ranges = [range(extent(d)) for d in g.dims]
        for alpha in _cartesian(*ranges):
            term = g.coef
            for name, legs in g.nodes:
                v = values[name]
                if isinstance(v, sp.MatrixBase):
                    ix = [alpha[leg] for leg in legs]
                    term *= v[ix[0], 0] if v.cols == 1 and len(ix) == 1 else v[ix[0], ix[1]] if len(ix) == 2 \
                        else v[0, ix[0]] if len(ix) == 1 else v[0, 0]
                else:
                    term *= v
                if term == 0:
                    break
            if term != 0:
                out[index(g.rows, alpha, g.dims), index(g.cols, alpha, g.dims)] += term
    return out


def consistent(claim, lhs: Traced, rhs: Traced, probe: dict, seed: int = 0) -> str:
    """'' when the trace gives the check's own sides at ``probe`` (exactly, at a random integer point)."""
    from .variables import FreeValues

    values = FreeValues(claim.variables, probe, claim.conventions)
    rng = random.Random(seed)
    point = {s: sp.Integer(rng.randint(-3, 3)) for s in values.symbols()}
    sides = claim._raw_sides(probe)
    named = {name: (getattr(values, name).xreplace(point) if isinstance(getattr(values, name), sp.MatrixBase)
                    else point[getattr(values, name)]) for name in claim.variables}
    for which, traced, side in (("lhs", lhs, sides[0]), ("rhs", rhs, sides[1])):
        want = side.xreplace(point).applyfunc(sp.expand)
        got = evaluate(traced, named, probe)
        if got.shape != want.shape or (got - want).applyfunc(sp.expand) != sp.zeros(*want.shape):
            return f"the trace's {which} differs from the check's at {probe} (the check computes differently " \
                   "on traced values)"
    return ""


# ----- the lift -----------------------------------------------------------------------------------------

@dataclass
class Lift:
    lifted: bool
    scope: str                 # what the scope says (appended after '; ')
    size: dict | None = None   # where it was decided
    degree: int = 0
    classes: dict | None = None
    seconds: float = 0.0


def _sizes_words(size: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in size.items())


def lift(claim, *, decide=None) -> Lift:
    """Try the every-n lift of a free-variable identity that holds at its sweep (see the module docstring).

    ``decide(size) -> bool``: is lhs − rhs 0 at ``size`` (the exact engine's normal form; the engine passes
    its own). Returns what the scope says either way.
    """
    t0 = time.perf_counter()
    dims_used = [d for d in SYMBOLIC if any(d in (var.rows, var.cols) for var in claim.variables.values())]
    fixed_by_claim = [d for d in dims_used if d in claim.sizes.fixed]
    if fixed_by_claim:
        return Lift(False, f"not lifted to every {', '.join(fixed_by_claim)}: the claim fixes "
                    f"{', '.join(fixed_by_claim)} (a fixed size)")
    if not dims_used:
        return Lift(False, "")  # nothing has a symbolic size: nothing to lift
    try:
        lhs, rhs = trace(claim)
    except NotInFragment as e:
        return Lift(False, f"not lifted to every {_every(dims_used)}: {e}")
    th = threshold(lhs, rhs)
    size = th.size(dims_used)
    if any(v > MAX_SIZE for v in size.values()):
        return Lift(False, f"not lifted to every {_every(dims_used)}: the threshold size {_sizes_words(size)} "
                    f"(index classes of contraction diagrams of degree {th.degree}) is beyond the lift's "
                    f"limit {MAX_SIZE}")
    probe = {d: {"n": 2, "m": 3}[d] for d in dims_used}
    bad = consistent(claim, lhs, rhs, probe)
    if bad:
        return Lift(False, f"not lifted to every {_every(dims_used)}: {bad}")
    if decide is None:
        decide = _decide_by_engine(claim)
    swept = max((s.get("n", 1) for s in claim.sizes.sizes()), default=1)
    tries = []
    if "n" in size and swept + 1 < size["n"]:  # a cheap size first: what holds only at small n fails there
        tries.append({**size, "n": swept + 1})
    tries.append(size)
    for s in tries:
        if not decide(s):
            return Lift(False, f"not for every {_every(dims_used)}: at {_sizes_words(s)} the normal form of "
                        "lhs − rhs is not 0 (it holds at the sizes shown only)", s, th.degree, th.classes)
    from .kernel.lift import verify_lift

    check = verify_lift(claim, size)
    if not check.ok:
        return Lift(False, f"not lifted to every {_every(dims_used)}: the kernel did not confirm it "
                    f"({check.reason})", size, th.degree, th.classes)
    classes = ", ".join(f"{th.classes[d]} index class{'es' if th.classes[d] != 1 else ''} of {d}"
                        for d in dims_used)
    at = ", ".join(f"{d} = {size[d]} ≥ {th.classes[d]}" for d in dims_used)
    fixed = f"; the dimension{'s' if len(th.fixed) > 1 else ''} {', '.join(map(str, th.fixed))} fixed" \
        if th.fixed else ""
    scope = (f"for every {_every(dims_used)} ≥ 1: a formal identity of contraction diagrams of degree {th.degree} "
             f"with at most {classes}, decided exactly at {at} and re-decided there by the kernel "
             f"(every-n lift by index relabelling{fixed})")
    return Lift(True, scope, size, th.degree, th.classes, time.perf_counter() - t0)


def _every(dims) -> str:
    return ", ".join(dims)


def _decide_by_engine(claim):
    from .identity import nonzero_entries

    def decide(size: dict) -> bool:
        lhs, rhs = claim.sides(size)
        return not nonzero_entries(lhs, rhs, "symengine")

    return decide


def extend(claim) -> tuple[bool, str]:
    """For the engine: (lifted, what the scope adds: '; for every n ≥ 1: …' or '; not lifted …: why')."""
    try:
        out = lift(claim)
    except Exception as e:  # noqa: BLE001 (the lift never turns a verdict into a crash: it says why it did not lift)
        return False, f"; not lifted to every n: the lift could not read the claim ({type(e).__name__}: {e})"
    return out.lifted, (f"; {out.scope}" if out.scope else "")
