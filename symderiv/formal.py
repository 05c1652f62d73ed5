"""Sums and ordered products over a symbolic range: the formal objects of an induction over the horizon.

notation.product / notation.total hand a range whose bounds are not integers
(the horizon t of :class:`symderiv.induction.InductionModel`, ± an integer, or
a generic index k) to :class:`Formal`, which reads it in the active
:class:`Context`:

* a range of known length (both bounds on the same base) is the sum or product
  itself, built term by term;
* in ``opaque`` mode (the claim at horizon t − 1) a range of symbolic length
  is an opaque matrix: fresh symbols, the same symbols for the same product
  (same order, range and factor at a generic index ρ);
* in ``peel`` mode (the claim at horizon t) what reaches the top index is
  peeled: the newest factor of a product (leftmost when ``descending``,
  rightmost when ``ascending``), the last term of a sum. A product's remainder
  is then the opaque product of the t − 1 reading; a sum's remainder is L · S
  (or S · R), S the t − 1 reading's opaque sum over the same range and L found
  exactly from the summands at one generic index (summand_t(κ) = L ·
  summand_{t−1}(κ) identically in what varies with κ), then verified by the
  normal form. A top that may not exist for some t (an empty range) is refused.

Only index ± integer is an index (:class:`Ix`): a comparison, a hash, a truth
value or arithmetic whose answer depends on t is refused, never guessed.
"""
from __future__ import annotations

import itertools
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import sympy as sp

from . import notation
from .errors import SymderivError
from .identity import nonzero_entries
from .variables import entry

HORIZON = "t"


class Unsupported(SymderivError):
    """A claim the induction cannot handle: it keeps its concrete verdict.

    A refusal is for good: made while a :class:`Context` is active, it is kept
    there and raised again as the context ends (:func:`active`), so a check
    that catches it and takes another path (``try: k in S except: …``) is
    still refused.
    """

    def __init__(self, *args):
        super().__init__(*args)
        if _ACTIVE and _ACTIVE[-1].refused is None:
            _ACTIVE[-1].refused = self


class EmptyRange(Unsupported):
    """A sum or product whose top cannot be peeled for some t of the step: its range may be empty."""


@dataclass(frozen=True, eq=False)
class Ix:
    """A step index base + off: base None (a number), "t" (the horizon) or a generic index ("k1").

    Only index ± integer is defined. A comparison whose answer depends on the
    value of t or of a generic index (``r == m.t``, ``k < 3``, ``min(r, t)``) is
    refused: a check that branches on it would mean one thing at a generic index
    and another at some concrete one. So are the ways to tell it apart without
    comparing: hashing (``k in {5}``, ``{5: 2}.get(k, 1)``, a dict keyed by it)
    and its truth value (``if k - 5``). An index on a symbolic base is
    unhashable, like a tracer; symderiv keys its own tables on (base, off).
    """

    base: str | None
    off: int

    @property
    def __symderiv_value__(self) -> bool:
        """A claim value for :mod:`symderiv.concrete` (Python may not ask about it) unless it is a number."""
        return self.base is not None

    __symderiv_index__ = True  # decides ``==`` itself where the answer is the same at every t (k == k)

    @property
    def __symderiv_what__(self) -> str:
        """What the guard says this value is when Python asks about it (concrete.refuse)."""
        return "the step index, which depends on t" if self.base == "t" else "a step index at a generic step"

    def _cmp(self, other, op):
        o = other if isinstance(other, Ix) else (Ix(None, other) if isinstance(other, int) else None)
        if o is None or o.base != self.base:
            raise Unsupported(f"the check compares the step index {self} with {other!r}, which depends on t")
        return op(self.off, o.off)

    def __eq__(self, other):
        return self._cmp(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self._cmp(other, lambda a, b: a != b)

    def __lt__(self, other):
        return self._cmp(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._cmp(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._cmp(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._cmp(other, lambda a, b: a >= b)

    def __hash__(self):
        if self.base is None:
            return hash(self.off)  # a number hashes as its integer, as it compares
        raise Unsupported(f"the check hashes the step index {self} (a set, a dict key, `in` a set): that tells "
                          "it apart at a symbolic t without comparing, so it is refused")

    def __bool__(self):
        if self.base is None:
            return bool(self.off)
        raise Unsupported(f"the check takes the truth value of the step index {self}, which depends on t")

    def _sympy_(self):  # sp.sympify(k) would otherwise parse str(k), "t-1", into a symbol t
        if self.base is None:
            return sp.Integer(self.off)
        raise Unsupported(f"the step index {self} is made a SymPy expression: as a symbol it would compare "
                          "(t == 5 is False) where the index refuses to")

    def __add__(self, c):
        if isinstance(c, bool) or not isinstance(c, int):
            raise Unsupported(f"the index {self} is used with {c!r}: only index ± integer is an index")
        return Ix(self.base, self.off + c)

    __radd__ = __add__

    def __sub__(self, c):
        if isinstance(c, bool) or not isinstance(c, int):
            raise Unsupported(f"the index {self} is used with {c!r}: only index ± integer is an index")
        return Ix(self.base, self.off - c)

    def __str__(self):
        if self.base is None:
            return str(self.off)
        return self.base + (f"{self.off:+d}" if self.off else "")


def _as_number(name: str):
    def op(self, *args):
        if self.base is None:
            return getattr(self.off, name)(*args)
        raise Unsupported(f"the step index {self} is used as a number ({name.strip('_')}): write a sum over steps "
                          "as a family, total(term, shape, lo=…, hi=…), and a power as power(W, k, size=…)")
    return op


# only index ± integer is an index: the rest is refused (for good), never a TypeError a check could catch
for _op in ("__index__", "__int__", "__float__", "__neg__", "__abs__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
            "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__", "__divmod__",
            "__rdivmod__"):
    setattr(Ix, _op, _as_number(_op))


def ix(k) -> Ix:
    if isinstance(k, Ix):
        return Ix(None, k.off) if k.base is None else k
    if isinstance(k, int) and not isinstance(k, bool):
        return Ix(None, k)
    raise Unsupported(f"{_show(k)} is not a step index (an integer or the horizon ± an integer)")


def _plain(k: Ix):
    return k.off if k.base is None else k


@dataclass
class Context:
    """One step check: the runs' shared opaque objects."""

    n: int
    t_min: int                      # the step is claimed for t ≥ t_min
    mode: str = "opaque"            # "opaque" (run B) or "peel" (run A)
    products: dict = field(default_factory=dict)  # key -> opaque matrix
    sums_b: list = field(default_factory=list)    # run B's opaque sums: (family, lo, hi, shape, matrix)
    upper: dict = field(default_factory=dict)     # generic base -> its upper bound's offset from t
    deps: dict = field(default_factory=dict)      # opaque symbol -> generic bases it depends on
    counter: itertools.count = field(default_factory=itertools.count)
    refused: Exception | None = None              # the first refusal made within (see Unsupported)
    peeled: list = field(default_factory=list)    # what was peeled, for the scope line

    within: list = field(default_factory=list)    # the generic indices whose summand is being evaluated
    lowest: int = 0                               # the smallest offset o of a step t + o the claim reads
    # a downward induction (∇_{h_k}L from k = T down): the index peeled is the generic k at the bottom of a range
    var: str = HORIZON                            # the induction's index: t (upward) or the generic k (downward)
    top: int = 0                                  # downward: k ≤ t + top wherever the step is claimed
    lower: dict = field(default_factory=dict)     # generic base -> its lower bound's offset from k (downward)
    factors: list = field(default_factory=list)   # the oldest factors peeled off products (downward)
    # the term handed to the kernel (kernel/peel.py): while ``record``, every formal object made opaque is recorded
    # with its body at a generic index of its own; ``unrecorded`` says why one could not be (the kernel then keeps
    # the older trust)
    record: bool = False
    terms: list = field(default_factory=list)
    unrecorded: str | None = None

    def fresh(self, label: str, rows: int, cols: int, depends: set) -> sp.Matrix:
        """An opaque matrix; it depends on the generic indices named and on every one being evaluated."""
        k = next(self.counter)
        M = sp.Matrix(rows, cols, lambda i, j: sp.Symbol(entry(f"{label}{k}", i, j)))
        for s in M:
            self.deps[s] = set(depends) | set(self.within)
        return M

    def depends_on(self, expr) -> set:
        """The generic indices the symbols of ``expr`` vary with (by their names, and opaque ones by record)."""
        out = set()
        for s in sp.sympify(expr).free_symbols:
            out |= self.deps.get(s, set()) | set(_INDEX.findall(s.name))
        return out

    def generic(self) -> Ix:
        return Ix(f"k{next(self.counter)}", 0)


_ACTIVE: list[Context] = []
#: a generic index (k1, k2, …, and ρ for a factor's key) inside a symbol's name: h[k3-1][0]
_INDEX = re.compile(r"\[(k\d+|ρ)(?:[+-]\d+)?\]")


@contextmanager
def active(ctx: Context):
    """Within: notation's sums and products over a symbolic range are read in ``ctx`` (its mode, its opaques);
    a refusal made within is raised as it ends, even if the check caught it."""
    _ACTIVE.append(ctx)
    try:
        yield ctx
    finally:
        _ACTIVE.pop()
    if ctx.refused is not None:  # refused within, and the check went on: still refused
        raise ctx.refused


def _ctx() -> Context:
    if not _ACTIVE:
        raise SymderivError("a sum or product over a symbolic range needs the induction mode")
    return _ACTIVE[-1]


def _bases(*ks: Ix) -> set:
    return {k.base for k in ks if k.base is not None}


def _same_base(lo: Ix, hi: Ix) -> bool:
    return lo.base == hi.base


def _check_nonempty(ctx: Context, lo: Ix, hi: Ix, what: str) -> None:
    """Peeling Σ/Π_{lo}^{hi} needs hi ≥ lo wherever the step is claimed (t ≥ t_min, every generic index)."""
    assert hi.base == HORIZON
    if lo.base is None:
        ok = ctx.t_min + hi.off >= lo.off
    elif lo.base == HORIZON:
        ok = hi.off >= lo.off
    elif lo.base in ctx.upper:  # lo = κ + a with κ ≤ t + c
        ok = hi.off >= ctx.upper[lo.base] + lo.off
    else:
        ok = False
    if not ok:
        raise EmptyRange(f"{what} from {lo} to {hi} may be empty for some t ≥ {ctx.t_min}, so its top "
                          "cannot be peeled")


#: the handler on traced values while the every-n induction reads a claim (symderiv.every_n), innermost last
TRACED: list = []


class Formal:
    """notation's handler for sums and products over a symbolic range (see the module docstring)."""

    def product(self, factor, lo, hi, order, size):
        if TRACED:
            return TRACED[-1].product(factor, lo, hi, order, size)
        ctx = _ctx()
        factor = _pure("the factor", factor)
        lo, hi = ix(lo), ix(hi)
        if _same_base(lo, hi):  # a range of known length: the product itself
            rs = [lo + d for d in range(hi.off - lo.off + 1)]
            out = sp.eye(size)
            for r in (reversed(rs) if order == "descending" else rs):
                out = out * sp.Matrix(factor(_plain(r)))
            return out
        if ctx.mode == "peel" and ctx.var == HORIZON and hi.base == HORIZON:
            _check_nonempty(ctx, lo, hi, "the product")
            top = sp.Matrix(factor(hi))
            rest = self._opaque_product(ctx, factor, lo, hi - 1, order, size)
            ctx.peeled.append(f"Π newest factor ({order})")
            return top * rest if order == "descending" else rest * top
        if ctx.mode == "peel" and ctx.var != HORIZON and lo.base == ctx.var:  # downward: the oldest factor
            _check_nonempty_down(ctx, lo, hi, "the product")
            bottom = sp.Matrix(factor(lo))
            rest = self._opaque_product(ctx, factor, lo + 1, hi, order, size)
            ctx.peeled.append(f"Π oldest factor ({order})")
            ctx.factors.append(bottom)
            return rest * bottom if order == "descending" else bottom * rest
        return self._opaque_product(ctx, factor, lo, hi, order, size)

    def _opaque_product(self, ctx, factor, lo, hi, order, size):
        rho = Ix("ρ", 0)  # the factor at a generic index, read the same way in both runs: the product's identity
        saved, ctx.mode = ctx.mode, "opaque"
        try:
            at = sp.ImmutableMatrix(factor(rho))
        finally:
            ctx.mode = saved
        key = ("Π", order, str(lo), str(hi), size, at)
        if key not in ctx.products:
            ctx.products[key] = ctx.fresh("Π", size, size, _bases(lo, hi) | (ctx.depends_on(at) - {"ρ"}))
            _record(ctx, "Π", order, factor, lo, hi, ctx.products[key])
        return ctx.products[key]

    def total(self, term, lo, hi, shape):
        if TRACED:
            return TRACED[-1].total(term, lo, hi, shape)
        ctx = _ctx()
        term = _pure("the term", term)
        lo, hi = ix(lo), ix(hi)
        rows, cols = shape
        if _same_base(lo, hi):
            out = sp.zeros(rows, cols)
            for d in range(hi.off - lo.off + 1):
                out = out + sp.Matrix(term(_plain(lo + d)))
            return out
        if ctx.mode == "peel" and ctx.var == HORIZON and hi.base == HORIZON:
            _check_nonempty(ctx, lo, hi, "the sum")
            top = sp.Matrix(term(hi))
            rest = self._remainder(ctx, term, lo, hi - 1, shape)
            ctx.peeled.append("Σ last term")
            return top + rest
        if ctx.mode == "peel" and ctx.var != HORIZON and lo.base == ctx.var:  # downward: the first term
            _check_nonempty_down(ctx, lo, hi, "the sum")
            first = sp.Matrix(term(lo))
            rest = self._remainder(ctx, term, lo + 1, hi, shape)
            ctx.peeled.append("Σ first term")
            return first + rest
        S = ctx.fresh("Σ", rows, cols, _bases(lo, hi))
        if ctx.mode == "opaque":
            ctx.sums_b.append((term, lo, hi, shape, S))
            _record(ctx, "Σ", "", term, lo, hi, S)
        return S

    def _remainder(self, ctx, term, lo, hi, shape):
        """Σ_{k=lo}^{hi} term_A(k) as L · S_B or S_B · R, with S_B run B's Σ_{k=lo}^{hi} term_B(k)."""
        k = ctx.generic()
        if ctx.var == HORIZON:
            ctx.upper[k.base] = hi.off
        else:
            ctx.lower[k.base] = lo.off  # κ ≥ k + lo.off
        ctx.within.append(k.base)
        try:
            return self._remainder_at(ctx, term, lo, hi, shape, k)
        finally:
            ctx.within.pop()

    def _remainder_at(self, ctx, term, lo, hi, shape, k):
        mark = len(ctx.factors)
        a = sp.Matrix(term(k))                        # run A's summand at a generic index, peeled
        peeled = ctx.factors[mark:]
        why = "no sum over the same range in the claim at horizon t − 1" if ctx.var == HORIZON else \
            "no sum over the same range in the claim at step k + 1"
        for term_b, lo_b, hi_b, shape_b, S in ctx.sums_b:
            if (str(lo_b), str(hi_b), tuple(shape_b)) != (str(lo), str(hi), tuple(shape)):
                continue
            saved, ctx.mode = ctx.mode, "opaque"
            try:
                b = sp.Matrix(term_b(k))              # run B's summand at the same index, opaque
            finally:
                ctx.mode = saved
            local = _local_symbols(ctx, k.base, a, b)
            for L, side in _candidates(peeled, a, b):  # the oldest factors peeled off (downward), verified
                if not (L.free_symbols & local) and not nonzero_entries(a, L * b if side == "left" else b * L):
                    return L * S if side == "left" else S * L
            L = _solve_left(a, b, local)
            if L is not None and not (L.free_symbols & local):
                return L * S
            R = _solve_left(a.T, b.T, local)
            if R is not None and not (R.free_symbols & local):
                return S * R.T
            why = "its summand at horizon t is not a fixed matrix times the summand at horizon t − 1" \
                if ctx.var == HORIZON else "its summand at step k is not a fixed matrix times the summand at k + 1"
        if ctx.var != HORIZON:
            raise Unsupported(f"the sum from {lo - 1} to {hi} cannot be peeled at its bottom: {why}")
        raise Unsupported(f"the sum from {lo} to {hi + 1} cannot be peeled: {why}")


notation.register_formal(Formal())


def _record(ctx: Context, op: str, order: str, fn, lo: Ix, hi: Ix, M: sp.Matrix) -> None:
    """While ``ctx.record``: the formal object ``M`` stands for, with its body read at a generic index of its own
    (opaque mode: the formal objects inside it recorded too), for the term the kernel reads (kernel/peel.py)."""
    if not ctx.record or ctx.unrecorded is not None:
        return
    from .kernel.peel import Formal as Recorded

    g = ctx.generic()
    mode, refused = ctx.mode, ctx.refused
    ctx.mode = "opaque"
    ctx.within.append(g.base)
    try:
        body = sp.ImmutableMatrix(fn(g))
    except Exception as e:  # noqa: BLE001 (a body not read at a generic index: the kernel keeps the older trust)
        ctx.refused = refused  # not a refusal of the claim: the finder's own runs decide that
        ctx.unrecorded = f"the body of a {op} at a generic index: {str(e).splitlines()[0][:120] if str(e) else type(e).__name__}"
        return
    finally:
        ctx.mode = mode
        ctx.within.pop()
    ctx.terms.append(Recorded(op, order, (lo.base, lo.off), (hi.base, hi.off), g.base, body, sp.ImmutableMatrix(M)))


def _pure(what: str, fn):
    """``fn`` called through :func:`symderiv.purity.call`: a term or factor that keeps state between its calls is
    refused (its calls at a symbolic index are not its calls at each step)."""
    from .purity import checked

    return checked(what, fn)


def _check_nonempty_down(ctx: Context, lo: Ix, hi: Ix, what: str) -> None:
    """Peeling the bottom of Σ/Π_{lo}^{hi}, lo = k + a, needs hi ≥ lo for every k of the step (k ≤ t + top)."""
    if hi.base == HORIZON:
        ok = hi.off - ctx.top >= lo.off
    elif hi.base in ctx.lower:  # hi = κ + b with κ ≥ k + lower
        ok = ctx.lower[hi.base] + hi.off >= lo.off
    else:
        ok = False
    if not ok:
        raise EmptyRange(f"{what} from {lo} to {hi} may be empty for some k ≤ t{ctx.top:+d}, so its first "
                         "term cannot be peeled")


def _candidates(factors, a: sp.Matrix, b: sp.Matrix):
    """(L, side) to try for a = L · b (left) or a = b · L (right): the peeled factors, transposed or not."""
    for F in factors:
        for M in (F, F.T):
            if M.cols == b.rows and M.rows == a.rows:
                yield M, "left"
            if b.cols == M.rows and M.cols == a.cols:
                yield M, "right"


def _local_symbols(ctx: Context, base: str, *mats) -> set:
    """The symbols that vary with the generic index ``base``: its states and inputs, its opaque objects."""
    return {s for M in mats for s in M.free_symbols if base in ctx.depends_on(s)}


def _solve_left(a: sp.Matrix, b: sp.Matrix, local: set) -> sp.Matrix | None:
    """L with a = L · b identically in the ``local`` symbols (and the atoms over them), or None.

    Coefficients of each monomial in the local symbols give a linear system for
    each row of L; a solution is verified by the normal form before it is used.
    """
    if a.cols != b.cols:
        return None
    atoms = {f for M in (a, b) for e in M for f in e.atoms(sp.Function) if f.free_symbols & local}
    as_gen = {f: sp.Dummy(f"g{i}") for i, f in enumerate(sorted(atoms, key=sp.default_sort_key))}
    gens = sorted(local, key=sp.default_sort_key) + list(as_gen.values())
    if not gens:
        return None

    def coeffs(e):
        e = sp.expand(e.xreplace(as_gen))
        return sp.Poly(e, *gens).as_dict() if e != 0 else {}

    cb = [[coeffs(b[r, j]) for j in range(b.cols)] for r in range(b.rows)]
    ca = [[coeffs(a[i, j]) for j in range(a.cols)] for i in range(a.rows)]
    eqs = sorted({(j, mono) for row in cb + ca for j, c in enumerate(row) for mono in c},
                 key=lambda x: (x[0], x[1]))
    M = sp.Matrix(len(eqs), b.rows, lambda q, r: cb[r][eqs[q][0]].get(eqs[q][1], 0))
    if not all(e.is_Rational for e in M):
        return None  # coefficients that are not numbers: not solved for (the step is then not proved)
    # a basis of the equations, and the unknowns they pin down; the others are 0; the result is verified
    _, rows = M.T.rref(simplify=False)
    sub = M.extract(list(rows), list(range(M.cols)))
    _, cols = sub.rref(simplify=False)
    inv = sub.extract(list(range(sub.rows)), list(cols)).inv()
    L = sp.zeros(a.rows, b.rows)
    for i in range(a.rows):
        rhs = sp.Matrix(len(rows), 1, lambda q, _: ca[i][eqs[rows[q]][0]].get(eqs[rows[q]][1], 0))
        x = inv * rhs
        for c, v in zip(cols, x):
            L[i, c] = v
    if nonzero_entries(a, L * b):
        return None
    return L


def _show(x) -> str:
    """A quantity or index as the claim wrote it: ("E", t-1), not Ix(base='t', off=-1)."""
    if isinstance(x, tuple):
        return "(" + ", ".join(_show(v) for v in x) + ")"
    return str(x) if isinstance(x, Ix) else repr(x)


def _guard_text_of_values():
    from .concrete import guard_value_text

    guard_value_text(Ix)


_guard_text_of_values()
