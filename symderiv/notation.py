"""The papers' notation, as functions a proof file calls.

Every function takes and returns matrices (column vectors are n × 1). The
conventions that the papers leave implicit are explicit arguments here: the
order of an ordered product and the layout of vec.

One implementation of the notation, dispatched by value type. The default is
SymPy's (symbolic or exact-number matrices). A backend whose values are of
another type (the F_p backend's lazy operators, the kernel's dual numbers)
registers them with :func:`register_backend` together with an object that
implements the notation for them; this module imports no backend. Products are
eager everywhere: ``product`` calls its factor function for every index, in
order, before any backend sees the factors, so every backend reads a loop
variable at the same moment.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterable, Literal

import sympy as sp

from .errors import ShapeError, SymderivError

Matrix = sp.MutableDenseMatrix
Order = Literal["descending", "ascending"]
Layout = Literal["row-major", "col-major"]

#: (value types, implementation): a backend's types and the object implementing the notation for them
_BACKENDS: list[tuple[tuple[type, ...], object]] = []


def register_backend(types: tuple[type, ...], impl: object) -> None:
    """Route notation calls whose arguments include one of ``types`` to ``impl``.

    ``impl`` has a method per function it supports, with the function's name
    (``HV``, ``kron``, ``diag``, ``hadamard``, ``T``, ``vec``, ``softmax``)
    and ``product(factors, size)`` (factors already in left-to-right order),
    ``total(terms, shape)``. A function it lacks is a clear error.
    """
    for i, (ts, _) in enumerate(_BACKENDS):
        if ts == tuple(types):
            _BACKENDS[i] = (tuple(types), impl)
            return
    _BACKENDS.append((tuple(types), impl))


def backend_of(*xs) -> object | None:
    """The registered implementation for these values, or None for SymPy's."""
    found = None
    for x in xs:
        for types, impl in _BACKENDS:
            if isinstance(x, types):
                if found is not None and found is not impl:
                    raise SymderivError(f"values of two backends are mixed: {type(x).__name__} with another")
                found = impl
    return found


def _dispatch(name: str, *xs):
    impl = backend_of(*xs)
    if impl is None:
        return None
    fn = getattr(impl, name, None)
    if fn is None:
        raise SymderivError(f"{name} is not available for {type(impl).__name__} values")
    return fn


def _m(x) -> sp.Matrix:
    return x if isinstance(x, sp.MatrixBase) else sp.Matrix(x)


def HV(v) -> sp.Matrix:
    """pal2019's HV(v): the n × n² block matrix whose n × n blocks are all vᵀ."""
    if fn := _dispatch("HV", v):
        return fn(v)
    v = _m(v)
    n = v.rows
    return sp.kronecker_product(sp.ones(n, n), v.T)


def kron(a, b) -> sp.Matrix:
    """Kronecker product a ⊗ b."""
    if fn := _dispatch("kron", a, b):
        return fn(a, b)
    return sp.kronecker_product(_m(a), _m(b))


def diag(v) -> sp.Matrix:
    """diag(v): the diagonal matrix with the entries of the vector v."""
    if fn := _dispatch("diag", v):
        return fn(v)
    v = _m(v)
    if v.cols != 1 and v.rows != 1:
        raise ShapeError(f"diag takes a vector, not a {v.rows}×{v.cols} matrix")
    return sp.diag(*list(v))


_EYES: dict = {}


def eye(n: int) -> sp.Matrix:
    if fn := _dispatch("eye", n):  # a symbolic size (every_n.Size): the identity as a copy tensor
        return fn(n)
    if not isinstance(n, int) or isinstance(n, bool):
        return sp.eye(n)
    made = _EYES.get(n)
    if made is None:
        made = _EYES[n] = sp.eye(n)
    return _fresh_copy(made)  # a fresh mutable matrix each time (a third of sp.eye(n)'s cost at n = 64)


def _fresh_copy(made: sp.Matrix) -> sp.Matrix:
    """A fresh mutable copy of one of _EYES: its rows' dicts copied into a new sparse matrix of the same shape and
    domain, without SymPy's check that every row and column index is in range (they are: they are made's), which
    was half of ``made.copy()``'s 20 µs at n = 64 (the F_p trial of pal2019's Theorem 1 makes 256 per trial).
    Used only where it was checked once to give what ``made.copy()`` gives (_FAST_COPY); ``made.copy()`` otherwise."""
    if _FAST_COPY.get(made.rows) is None:
        _FAST_COPY[made.rows] = _fast_copy_agrees(made)
    if not _FAST_COPY[made.rows]:
        return made.copy()
    src = made._rep.rep
    rep = _SDM.__new__(_SDM)
    dict.update(rep, {i: row.copy() for i, row in src.items()})
    rep.shape = src.shape
    rep.rows, rep.cols = src.shape
    rep.domain = src.domain
    return sp.MutableDenseMatrix._fromrep(_DomainMatrix.from_rep(rep))


#: size -> whether _fresh_copy's fast path gives what SymPy's copy gives (checked once per size)
_FAST_COPY: dict = {}


def _fast_copy_agrees(made: sp.Matrix) -> bool:
    """The fast path's copy is a matrix of made's type, shape, domain and entries, its sparse rows and attributes as
    SymPy's own copy has them, and writing to it leaves made and a second copy alone."""
    global _SDM, _DomainMatrix
    try:
        from sympy.polys.matrices import DomainMatrix as _DomainMatrix
        from sympy.polys.matrices.sdm import SDM as _SDM

        if type(made._rep.rep) is not _SDM:
            return False
        ref = made.copy()
        _FAST_COPY[made.rows] = True
        a, b = _fresh_copy(made), _fresh_copy(made)
        if not (type(a) is type(ref) and a == ref and a._rep == ref._rep and dict(a._rep.rep) == dict(ref._rep.rep)
                and vars(a._rep.rep) == vars(ref._rep.rep) and a._rep.domain == ref._rep.domain
                and a._rep.rep.domain == ref._rep.rep.domain):
            return False
        a[made.rows - 1, 0] = 3
        return made == ref and b == ref and a[made.rows - 1, 0] == 3
    except Exception:  # noqa: BLE001 (another SymPy's internals: SymPy's own copy)
        return False
    finally:
        _FAST_COPY.pop(made.rows, None)


def zeros(rows: int, cols: int = 1) -> sp.Matrix:
    if fn := _dispatch("zeros", rows, cols):  # a symbolic size: the empty sum of diagrams of that shape
        return fn(rows, cols)
    return sp.zeros(rows, cols)


def ones(rows: int, cols: int = 1) -> sp.Matrix:
    if fn := _dispatch("ones", rows, cols):  # a symbolic size: a diagram of open legs only, no node
        return fn(rows, cols)
    return sp.ones(rows, cols)


def hadamard(a, b) -> sp.Matrix:
    """Elementwise product a ⊙ b."""
    if fn := _dispatch("hadamard", a, b):
        return fn(a, b)
    return _m(a).multiply_elementwise(_m(b))


def T(a) -> sp.Matrix:
    """Transpose."""
    if fn := _dispatch("T", a):
        return fn(a)
    return _m(a).T


#: the handler of sums and products over a symbolic range (induction.py registers it); None: refused
_FORMAL: list = []


def register_formal(handler) -> None:
    """Route ``product``/``total`` over a range whose bounds are not integers (the horizon ``t`` of an induction
    model) to ``handler.product(factor, lo, hi, order, size)`` / ``handler.total(term, lo, hi, shape)``."""
    _FORMAL[:] = [handler]


def _symbolic_range(lo, hi) -> bool:
    return not (isinstance(lo, int) and isinstance(hi, int))


def _formal():
    if not _FORMAL:
        raise SymderivError("a sum or product over a symbolic range needs the induction mode (symderiv.induction)")
    return _FORMAL[0]


def product(factor: Callable[[int], sp.Matrix], lo: int, hi: int, *, order: Order, size: int) -> sp.Matrix:
    """The ordered product Π_{r=lo}^{hi} factor(r), with the order explicit.

    ``order="descending"``: the factor with r = hi stands leftmost
    (factor(hi) · … · factor(lo)), the order of a chain rule applied from the
    newest step back. ``order="ascending"``: factor(lo) · … · factor(hi).
    An empty range (lo > hi) is the identity of the given size. The factors
    are built eagerly, leftmost first, whatever the backend; within the terms
    of one ``total(family, …)`` each factor(r) is built once and the products
    share their suffixes (:func:`_shared_product`), on every backend alike.
    """
    if order not in ("descending", "ascending"):
        raise ValueError(f"order={order!r} must be 'descending' or 'ascending'")
    if _symbolic_range(lo, hi):  # Π over a symbolic range (induction over the horizon): a formal product
        return _formal().product(factor, lo, hi, order, size)
    if _SHARED and lo <= hi:
        return _shared_product(_SHARED[-1], factor, lo, hi, order, size)
    rs = range(hi, lo - 1, -1) if order == "descending" else range(lo, hi + 1)
    return _multiply([factor(r) for r in rs], size)


def _multiply(factors: list, size: int):
    if fn := _dispatch("product", *factors):
        return fn(factors, size)
    out = sp.eye(size)
    for f in factors:
        out = out * _m(f)
    return out


#: while a family's terms are built (``total(family, …)`` over an integer range), the products its terms take of one
#: factor function share their factors and their suffixes: Π_{r=k+1}^{t} for k = 1 … t − 1 is t − 1 products, not
#: t(t − 1)/2 factors (the F_p trial at n = 64, t = 256 spent 80 % of its time calling the factor again). The engine's
#: paths share; the kernel reads every check literally (:func:`literal`), and where it does not confirm a shared
#: normal form the engine decides that size again literally (engine.check_identity_at): the meaning is Python's.
_SHARED: list[dict] = []
#: > 0 while the kernel runs a check (:func:`literal`): Python's own meaning, no sharing. A factor that reads
#: something other than r (a scale the family sets per term) is then read as Python reads it, so a holds the engine's
#: sharing got wrong is not confirmed (tests/test_adversarial_pass3.py)
_LITERAL = [0]


def literal_now() -> bool:
    """Is a check read literally here (no sharing)?"""
    return bool(_LITERAL[0])


@contextmanager
def literal():
    """Within this block every product calls its factor at each r, as Python would (the kernel's runs)."""
    _LITERAL[0] += 1
    try:
        yield
    finally:
        _LITERAL[0] -= 1


def _shared_product(frame: dict, factor, lo: int, hi: int, order: str, size: int):
    """Π_{r=lo}^{hi} factor(r) from the frame's memo: P(j) = P(j + 1) · factor(j) (descending) or factor(j) · P(j + 1)
    (ascending), built from j = hi down; each factor(r) made once in the frame."""
    frame["keep"][id(factor)] = factor  # the key is the function's id: it stays alive while the frame does
    made, prods = frame["factors"], frame["products"]

    def f(r):
        key = (id(factor), r)
        if key not in made:
            made[key] = factor(r)
        return made[key]

    def p(j):
        return prods.get((id(factor), order, size, j, hi))

    j = lo
    while j <= hi and p(j) is None:
        j += 1
    for i in range(j - 1, lo - 1, -1):  # the nearest product already made, extended one factor at a time
        prev = p(i + 1)
        here = _multiply([f(i)], size) if prev is None else \
            _multiply([prev, f(i)] if order == "descending" else [f(i), prev], size)
        prods[(id(factor), order, size, i, hi)] = here
    out = p(lo)
    # a SymPy matrix is mutable: each call gets its own (two calls changed in place must not change each other)
    return out.copy() if isinstance(out, sp.MatrixBase) else out


def power(a, k, *, size: int) -> sp.Matrix:
    """aᵏ for a square a, as the product Π_{i=1}^{k} a (so a symbolic k is a formal product; a⁰ = I)."""
    return product(lambda _i: a, 1, k, order="descending", size=size)


def total(terms: Iterable[sp.Matrix] | Callable[[int], sp.Matrix], shape: tuple[int, int], *,
          lo=None, hi=None) -> sp.Matrix:
    """Σ of matrices of the given shape; the empty sum is zero.

    ``terms`` is the terms themselves, or a family: a function of the index k
    with the range ``lo``..``hi`` (Σ_{k=lo}^{hi} terms(k)). The range may be
    symbolic (the horizon ``t`` of an induction model): then the sum is a
    formal object. With integer bounds the terms are built eagerly, k = lo first.
    """
    if callable(terms):
        if lo is None or hi is None:
            raise SymderivError("total(family, shape) needs the range: total(family, shape, lo=…, hi=…)")
        if _symbolic_range(lo, hi):
            return _formal().total(terms, lo, hi, shape)
        family = terms
        if _LITERAL[0]:  # the kernel reads the check literally: every factor(r) called, nothing shared
            terms = [family(k) for k in range(lo, hi + 1)]
        else:
            _SHARED.append({"factors": {}, "products": {}, "keep": {}})
            try:
                terms = [family(k) for k in range(lo, hi + 1)]
            finally:
                _SHARED.pop()
    elif lo is not None or hi is not None:
        raise SymderivError("total(..., lo=, hi=) takes a family (a function of the index), not the terms")
    terms = list(terms)
    if fn := _dispatch("total", *terms, *shape):  # a shape of symbolic sizes (every_n.Size): the empty sum too
        return fn(terms, shape)
    out = sp.zeros(*shape)
    for term in terms:
        out = out + _m(term)
    return out


def vec(a, layout: Layout) -> sp.Matrix:
    """vec(A) as a column, by rows ("row-major") or by columns ("col-major")."""
    if fn := _dispatch("vec", a):
        return fn(a, layout)
    a = _m(a)
    if layout == "row-major":
        return sp.Matrix(a.rows * a.cols, 1, list(a))
    if layout == "col-major":
        return sp.Matrix(a.rows * a.cols, 1, list(a.T))
    raise ValueError(f"layout={layout!r} must be 'row-major' or 'col-major'")


def softmax(z) -> sp.Matrix:
    if fn := _dispatch("softmax", z):
        return fn(z)
    z = _m(z)
    e = z.applyfunc(sp.exp)
    s = sum(e)
    return e.applyfunc(lambda x: x / s)
