"""The kernel's replay of free-variable claims: forward mode by jets, over exact numbers.

A claim of free vectors and matrices (``variables=``, no model) is replayed
here at a certificate's point. Every entry of every variable is a :class:`Jet`,
a Taylor polynomial in one ε per entry truncated at order 1 (v + Σ d_k ε_k),
or at order 2 when the check differentiates a derivative (the check is then
run again with jets of order 2; a third derivative is refused). The proof's
check runs on these values unchanged (sums, products, transposes, ``tr``,
``inv``, ``logdet``, ``kron``, ``vec``, softmax, the SymPy Matrix methods of
:class:`JetMatrix`), and ``v.d(f, "X")`` reads the tangents of f on X's seeds,
as jets one order lower. SymPy functions of kernel values (``sp.sqrt``,
``sp.Abs``, ``sp.exp``, ``sp.Max``, ``sp.Matrix([[...]])``) hold them as
:class:`Carried` atoms, which :func:`from_sympy` reads back node by node by the
rules of ``dual.RULES`` (exp, log, tanh, the logistic function, sin, cos),
rational powers of a positive base, |·| away from 0 and max/min away from a tie
between different branches, every sign proved exactly or by arb balls; any
other function is refused in one line naming it. Nothing here differentiates an
expression: inverses and determinants are computed by Gaussian elimination
over jets (a singular determinant by cofactor expansion), so their derivatives
come out of the arithmetic, never from a matrix-calculus formula such as Jacobi's.

Premises checked: every entry has an exact value, and an invertible variable's
determinant is not 0 (exactly). The layouts come from the claim's stated
conventions (``jacobian``, ``vec``), which must be present. This module imports
nothing of symderiv but the notation's registration and the kernel's own
number rules.
"""
from __future__ import annotations

from ..notation import literal

import sympy as sp
from sympy.core.function import AppliedUndef

from .. import notation
from ..functions import SIGMA_ORDER
from ..cells import dimension
from . import walk
from .dual import (RULES, KernelError, NoRealValue, Unsupported, ZeroDenominator, domain_sign, exact_sign,
                   missing_attribute, number, two_sides)

_ZERO = sp.Integer(0)


#: the order of an exact constant (or of a variable's own entry): every derivative of it is known
EXACT = 1 << 30
#: the highest derivative order the kernel runs (jets truncated at total degree 2)
MAX_ORDER = 2


class AlgebraicDisagreement(KernelError):
    """At the kernel's random point, an entry whose sides are algebraic numbers that differ (their difference's
    minimal polynomial is not x): a disagreement, decided exactly (the random check gives no token)."""


class OutsideDomain(KernelError):
    """A root or a log of a value that is not positive at the point: the side has no (real) value there, so the
    kernel's own random check draws another point (a counterexample point there is refused as before)."""


class NeedsOrder(KernelError):
    """A derivative of a derivative at the jets' order: the check is run again with jets one order higher."""


def _pair(k, l):
    return (k, l) if k <= l else (l, k)


class Jet:
    """A truncated Taylor polynomial v + Σ d[k] ε_k + Σ_{k≤l} h[k, l] ε_k ε_l in the entries' seeds ε.

    ``order`` is how many of its terms are known: 1 (value and tangents), 2 (and the second-order
    terms), 0 (a derivative read off at the run's top order: its value only), or :data:`EXACT` (a
    constant). Arithmetic keeps the smaller order of its operands and drops the terms beyond it, so a
    derivative of a derivative is either right or refused (:class:`NeedsOrder`), never a truncation.
    """

    @property
    def __symderiv_point__(self):
        """Its value at the kernel's point, for the guard's domain check (concrete.UndefinedAtPoint)."""
        return self.v if getattr(self.v, "is_Rational", False) else None

    __slots__ = ("v", "d", "h", "order", "_atom")
    __symderiv_value__ = True  # a kernel value: user code may not compare, hash or truth-test it
    _op_priority = 31.0

    def __init__(self, v, d: dict | None = None, h: dict | None = None, order: int = EXACT):
        self.v = v if isinstance(v, sp.Basic) else number(v)
        self.d = (d or {}) if order >= 1 else {}
        self.h = (h or {}) if order >= 2 else {}
        self.order = order
        self._atom = None

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
        if isinstance(x, sp.Basic) and x.has(Carried):
            return from_sympy(x)
        return Jet(number(x))

    def _sympy_(self):
        """The jet inside a SymPy expression (sp.sqrt(j), sp.Matrix([[j]])): an atom the kernel reads back."""
        if self._atom is None:
            self._atom = Carried("kernel_value")
            self._atom.jet = self
        return self._atom

    def _compose(self, f0, f1, f2h) -> "Jet":
        """g(self) for g with g(v) = f0, g'(v) = f1, g''(v)/2 = f2h: the chain rule to the jet's order."""
        o = self.order
        d = {k: f1 * t for k, t in self.d.items()} if o >= 1 else {}
        h = {}
        if o >= 2:
            h = {p: f1 * t for p, t in self.h.items()}
            if f2h != 0:
                items = list(self.d.items())
                for k, t in items:
                    for l, u in items:
                        p = _pair(k, l)
                        h[p] = h.get(p, _ZERO) + f2h * t * u
        return Jet(f0, d, h, o)

    def __add__(self, o):
        if isinstance(o, (JetMatrix, sp.MatrixBase)):
            return JetMatrix.of(o) + self  # only 1 × 1 (checked there)
        o = Jet.of(o)
        order = min(self.order, o.order)
        d = dict(self.d) if order >= 1 else {}
        if order >= 1:
            for k, t in o.d.items():
                d[k] = d.get(k, _ZERO) + t
        h = dict(self.h) if order >= 2 else {}
        if order >= 2:
            for k, t in o.h.items():
                h[k] = h.get(k, _ZERO) + t
        return Jet(self.v + o.v, d, h, order)

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.v, {k: -t for k, t in self.d.items()}, {k: -t for k, t in self.h.items()}, self.order)

    def __sub__(self, o):
        return self + (-Jet.of(o) if not isinstance(o, (JetMatrix, sp.MatrixBase)) else -JetMatrix.of(o))

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if isinstance(o, (JetMatrix, sp.MatrixBase)):
            return JetMatrix.of(o) * self
        o = Jet.of(o)
        order = min(self.order, o.order)
        a, b = self.v, o.v
        d, h = {}, {}
        if order >= 1:
            d = {k: b * t for k, t in self.d.items()}
            for k, t in o.d.items():
                d[k] = d.get(k, _ZERO) + a * t
        if order >= 2:
            h = {k: b * t for k, t in self.h.items()}
            for k, t in o.h.items():
                h[k] = h.get(k, _ZERO) + a * t
            for k, t in self.d.items():
                for l, u in o.d.items():
                    p = _pair(k, l)
                    h[p] = h.get(p, _ZERO) + t * u
        return Jet(a * b, d, h, order)

    __rmul__ = __mul__

    def reciprocal(self) -> "Jet":
        if self.v == 0:
            raise ZeroDenominator()
        inv = 1 / self.v
        return self._compose(inv, -inv ** 2, inv ** 3)

    def __truediv__(self, o):
        return self * Jet.of(o).reciprocal()

    def __rtruediv__(self, o):
        return Jet.of(o) * self.reciprocal()

    def __pow__(self, k):
        if isinstance(k, Jet) or (isinstance(k, sp.Basic) and k.has(Carried)):
            k = Jet.of(k)
            if k.d or k.h or k.order < EXACT:
                raise Unsupported("a power with a variable exponent (x**y): write exp(y·log x)")
            k = k.v
        if isinstance(k, bool) or not isinstance(k, (int, sp.Rational)):
            raise Unsupported(f"only rational powers of a number are defined here, not {k!r}")
        k = sp.Rational(k)
        if k.is_Integer:
            k = int(k)
            if k < 0:
                return (self ** (-k)).reciprocal()
            out, base = Jet(sp.Integer(1)), self
            while k:  # by squaring: x**k in O(log k) products
                if k & 1:
                    out = out * base
                k >>= 1
                if k:
                    base = base * base
            return out
        if VALUES is not None:  # another number type (free_modular.py): its own reading of x**r
            return VALUES.power(self, k)
        if FORMAL is not None and _variable(self.v):  # the degree run: √ read formally (radicals.py)
            a, F = self.v, FORMAL
            return self._compose(F.power(a, k), k * F.power(a, k - 1), k * (k - 1) * F.power(a, k - 2) / 2)
        s = exact_sign(self.v, "a rational power's base")
        if s <= 0:
            raise (OutsideDomain if s < 0 else KernelError)(
                f"x**{k} at x = {sp.sstr(self.v)}: a rational power is replayed where x > 0 only")
        a = self.v
        return self._compose(a ** k, k * a ** (k - 1), k * (k - 1) * a ** (k - 2) / 2)

    def __abs__(self):
        return absolute(self)

    def __rpow__(self, base):
        return Jet(number(base)) ** self

    def log(self) -> "Jet":
        if VALUES is not None:  # another number type (free_modular.py): its own log
            return VALUES.apply(sp.log, self)
        # the degree run (random_check.degree_info) holds variables: log of them is a value there, whatever its sign
        if not _variable(self.v) and exact_sign(self.v, "log's argument") <= 0:
            raise OutsideDomain(f"log of {self.v}, which is not positive")
        return apply(sp.log, self)

    def __repr__(self):
        return f"Jet({self.v}, {self.d}, order={self.order})"


class Carried(sp.Dummy):
    """A kernel value (a :class:`Jet`) standing inside a SymPy expression, read back by :func:`from_sympy`."""

    @property
    def __symderiv_point__(self):
        """Its value at the kernel's point, for the guard's domain check (concrete.UndefinedAtPoint); None for a
        residue or a ball (free_modular.py: the domain is shown there by its own witness)."""
        v = self.jet.v
        return v if isinstance(v, sp.Basic) else None

    def _eval_power(self, e):
        """A rational power of a kernel value (sp.sqrt(j)) is the jet's own power, taken now: otherwise SymPy
        would combine √j·√j into j before the kernel sees the root, and a point where j < 0 (√j undefined) would
        read as a value (√a·√a = |a| refuted at a = −1, while a**Rational(1, 2) twice is refused there)."""
        if isinstance(e, sp.Rational) and not e.is_Integer:
            return (self.jet ** e)._sympy_()
        return None


#: |c| above which e^(c·log b) (which SymPy evaluates to b^c) is refused: at the kernel's random point c is a 128-bit
#: integer and b^c an integer of about 2^128 digits, which SymPy would try to compute (hours and all the memory)
HUGE_LOG_COEFFICIENT = 2 ** 16


def huge_power(a) -> bool:
    """Whether e^a at the number a would make SymPy build b^c with |c| ≥ HUGE_LOG_COEFFICIENT (a = c·log b + …)."""
    if not isinstance(a, sp.Basic) or not a.is_number or not a.has(sp.log):
        return False
    return any(t.has(sp.log) and abs(t.as_coeff_Mul()[0]) >= HUGE_LOG_COEFFICIENT for t in sp.Add.make_args(a))


def apply(func, x: Jet) -> Jet:
    """An elementary function of :data:`RULES` on a jet, by its value and derivative rules."""
    if VALUES is not None:  # another number type (free_modular.py): its own reading of the function
        return VALUES.apply(func, x)
    fn, dfn, ddfn = RULES[func]
    a = x.v
    if func is sp.exp and huge_power(a):
        raise KernelError(f"e^({sp.sstr(a)[:60]}): a power b^c with |c| ≥ 2^16 at the point, too large to evaluate "
                          "exactly")
    if not x.d and not x.h:
        return Jet(fn(a), order=x.order)
    return x._compose(fn(a), dfn(a) if x.order >= 1 else _ZERO, ddfn(a) / 2 if x.order >= 2 else _ZERO)


#: the abstract σ while the kernel's randomized check runs (:func:`abstract_sigma`): a function (k, a) -> σ^(k)(a)
#: for an exact a (random_check draws σ as a random function, every order independent at each distinct argument);
#: None elsewhere, where σ(…) is refused (a point without a witness σ has no value for it)
ABSTRACT_SIGMA = None


class abstract_sigma:
    """``with abstract_sigma(fn):`` the kernel's jets read σ^(k)(a) as ``fn(k, a)`` (one trial at a time)."""

    def __init__(self, fn):
        self.fn, self.saved = fn, None

    def __enter__(self):
        global ABSTRACT_SIGMA
        self.saved, ABSTRACT_SIGMA = ABSTRACT_SIGMA, self.fn
        return self

    def __exit__(self, *exc):
        global ABSTRACT_SIGMA
        ABSTRACT_SIGMA = self.saved
        return False


def sigma_of(k, x: Jet) -> Jet:
    """σ^(k)(x) on a jet by the abstract σ in force: value σ^(k), derivative σ^(k+1), second σ^(k+2). ``k`` is
    an order, or (name, order) for an undefined function of the user's own (drawn apart from σ, by its name)."""
    if VALUES is not None:  # another number type (free_modular.py): its own σ
        return VALUES.sigma(k, x)
    s = ABSTRACT_SIGMA
    if s is None:
        raise Unsupported("the kernel has no value for the abstract σ(…) at a point (it draws σ only in its "
                          "randomized check)")

    def order(j):
        return (k[0], k[1] + j) if isinstance(k, tuple) else k + j

    a = x.v
    if not x.d and not x.h:
        return Jet(s(order(0), a), order=x.order)
    return x._compose(s(order(0), a), s(order(1), a) if x.order >= 1 else _ZERO,
                      s(order(2), a) / 2 if x.order >= 2 else _ZERO)


#: the free variables' values in another number type than ℚ while kernel/free_modular.py runs the check (residues
#: modulo a prime, arb balls for a point with a value): an object with ``apply(func, jet)``, ``sigma(k, jet)``,
#: ``power(jet, r)``, ``refuse(what)`` and ``nonzero(value)``; None elsewhere (the exact rationals above)
VALUES = None

#: the degree run's formal reading of √ and |·| of its variables (radicals.Formal), set by random_check.degree_info
#: while it runs; None elsewhere (a value's sign is then proved at the point, or refused)
FORMAL = None


def absolute(x: Jet) -> Jet:
    """|x| = sign(x)·x where x ≠ 0 (the sign proved exactly); refused at 0 unless x is constant there."""
    if VALUES is not None:
        VALUES.refuse("|·|")
    if FORMAL is not None and _variable(x.v):  # the degree run: sign(x) from the domain or a sign variable
        return x * Jet(FORMAL.sign(x.v))
    s = exact_sign(x.v, "|·|'s argument") if x.v != 0 else 0
    if s == 0:
        if x.d or x.h or x.order < EXACT:
            raise KernelError("|·| at 0 has no derivative: the point is at its kink")
        return Jet(_ZERO)
    return x if s > 0 else -x


def extremum(xs: list, largest: bool) -> Jet:
    """max or min of jets: the branch whose value is larger (smaller), proved; a tie between branches whose
    jets differ has no derivative and is refused."""
    what = "max" if largest else "min"
    if VALUES is not None:
        VALUES.refuse(what)
    best = xs[0]
    for x in xs[1:]:
        s = exact_sign(x.v - best.v, f"the difference of {what}'s arguments") if x.v != best.v else 0
        if s == 0:
            if x.d != best.d or x.h != best.h or x.order != best.order:
                raise KernelError(f"{what} at a tie of two different branches has no derivative")
        elif (s > 0) == largest:
            best = x
    return best


def _variable(v) -> bool:
    """A value of the degree run (random_check.degree_info): an expression of its variables, not a number."""
    return isinstance(v, sp.Basic) and bool(v.free_symbols)


def from_sympy(e) -> Jet:
    """A SymPy expression over kernel values (:class:`Carried` atoms) as a jet, node by node."""
    memo: dict = {}

    def run(e):
        got = memo.get(e)
        if got is not None:
            return got
        if isinstance(e, Carried):
            r = e.jet
        elif not e.has(Carried):
            r = Jet(number(e))
        elif e.is_Add or e.is_Mul:
            r = Jet(sp.Integer(int(e.is_Mul)))
            for a in e.args:
                r = r + run(a) if e.is_Add else r * run(a)
        elif e.is_Pow:
            if e.exp.has(Carried):
                raise Unsupported("a power with a variable exponent (x**y): write exp(y·log x)")
            r = run(e.base) ** (e.exp if VALUES is not None else number(e.exp))  # an exponent: a SymPy number
        elif e.func in RULES and len(e.args) == 1:
            a = run(e.args[0])
            if e.func is sp.log and VALUES is None and not _variable(a.v) and exact_sign(a.v, "log's argument") <= 0:
                raise OutsideDomain(f"log of {sp.sstr(a.v)}, which is not positive")
            r = apply(e.func, a)
        elif e.func in SIGMA_ORDER and len(e.args) == 1:
            r = sigma_of(SIGMA_ORDER[e.func], run(e.args[0]))
        elif isinstance(e, AppliedUndef) and len(e.args) == 1:  # a function of the user's own: for every such
            r = sigma_of((e.func.__name__, 0), run(e.args[0]))  # function, as σ: a random one, by its name
        elif e.func is sp.Abs:
            r = absolute(run(e.args[0]))
        elif e.func in (sp.Max, sp.Min):
            r = extremum([run(a) for a in e.args], e.func is sp.Max)
        else:
            raise Unsupported(f"the kernel does not replay {e.func.__name__}(…) (it runs +, ·, rational powers, "
                              "exp, log, tanh, the logistic function, sin, cos, |·|, max and min)")
        memo[e] = r
        return r

    return run(sp.sympify(e))


class JetMatrix:
    """A matrix of jets, row-major; shapes checked as SymPy checks them.

    It offers the SymPy Matrix methods a check calls on its values (indexing and slicing, ``row``, ``col``,
    ``row_join``, ``col_join``, ``vstack``, ``hstack``, ``applyfunc``, ``T``, ``trace``, ``det``, ``inv``,
    ``multiply_elementwise``, ``reshape``, ``dot``, ``norm``); any other attribute is refused with one line
    naming it. A SymPy matrix built of its entries (``sp.Matrix([[sum(...)]])``) holds them as
    :class:`Carried` atoms and is read back entry by entry.
    """

    __symderiv_value__ = True
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

    def __getattr__(self, name):
        return missing_attribute(self, name, "the kernel's matrices", "it replays sums, products, powers, "
                                 "transposes, indexing and slicing, row, col, row_join, col_join, vstack, hstack, "
                                 "applyfunc, trace, det, inv, adjugate, multiply_elementwise, reshape, dot and norm")

    def _sympy_(self):
        return sp.ImmutableMatrix(self.rows, self.cols, [x._sympy_() for x in self.e])

    def row(self, i) -> "JetMatrix":
        return self[i, :]

    def col(self, j) -> "JetMatrix":
        return self[:, j]

    def row_join(self, o) -> "JetMatrix":
        o = JetMatrix.of(o)
        if self.rows != o.rows and len(self) and len(o):
            raise KernelError(f"row_join of a {self.rows}×{self.cols} and a {o.rows}×{o.cols} matrix")
        rows = self.rows if len(self) else o.rows
        return JetMatrix(rows, self.cols + o.cols,
                         [x for i in range(rows) for x in (self.e[i * self.cols:(i + 1) * self.cols]
                                                           + o.e[i * o.cols:(i + 1) * o.cols])])

    def col_join(self, o) -> "JetMatrix":
        return self.T.row_join(JetMatrix.of(o).T).T

    @classmethod
    def vstack(cls, *ms) -> "JetMatrix":
        out = JetMatrix.of(ms[0])
        for m in ms[1:]:
            out = out.col_join(m)
        return out

    @classmethod
    def hstack(cls, *ms) -> "JetMatrix":
        out = JetMatrix.of(ms[0])
        for m in ms[1:]:
            out = out.row_join(m)
        return out

    def reshape(self, rows: int, cols: int) -> "JetMatrix":
        if rows * cols != len(self):
            raise KernelError(f"reshape of a {self.rows}×{self.cols} matrix to {rows}×{cols}")
        return JetMatrix(rows, cols, self.e)

    def multiply_elementwise(self, o) -> "JetMatrix":
        o = JetMatrix.of(o)
        if o.shape != self.shape:
            raise KernelError("elementwise product of matrices of different shapes")
        return JetMatrix(self.rows, self.cols, [x * y for x, y in zip(self.e, o.e)])

    def dot(self, o) -> Jet:
        o = JetMatrix.of(o)
        if len(o) != len(self) or 1 not in self.shape or 1 not in o.shape:
            raise KernelError(f"dot of a {self.rows}×{self.cols} and a {o.rows}×{o.cols} matrix")
        return sum((x * y for x, y in zip(self.e, o.e)), Jet(_ZERO))

    def norm(self, ord=None) -> Jet:
        if ord not in (None, 2, "fro") or (ord == 2 and 1 not in self.shape):
            raise Unsupported(f"norm(ord={ord!r}) of a matrix: the kernel replays the Euclidean/Frobenius norm")
        return sum((x * x for x in self.e), Jet(_ZERO)) ** sp.Rational(1, 2)

    def copy(self) -> "JetMatrix":
        return JetMatrix(self.rows, self.cols, self.e)

    def tolist(self) -> list:
        return [self.e[i * self.cols:(i + 1) * self.cols] for i in range(self.rows)]

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
        if isinstance(key, slice):
            return self.e[key]
        if not -len(self) <= key < len(self):
            raise KernelError(f"index {key} outside a {self.rows}×{self.cols} matrix")
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
            raise Unsupported(f"only integer powers of a square matrix are defined, not {k!r}")
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
        """The determinant: by elimination where it is not 0, by cofactor expansion (a polynomial in the entries,
        so its jet is exact at a singular point too) where it is, for up to 6 × 6."""
        if self.rows != self.cols:
            raise KernelError(f"det of a {self.rows}×{self.cols} matrix")
        det, _ = self._eliminate(None)
        if det.v == 0:
            if self.rows > 6:
                raise KernelError("det of a singular matrix larger than 6 × 6: its derivative is not replayed")
            return self._laplace(list(range(self.rows)), list(range(self.cols)))
        return det

    def _laplace(self, rows: list, cols: list) -> Jet:
        if not rows:
            return Jet(sp.Integer(1))
        acc = Jet(_ZERO)
        for k, c in enumerate(cols):
            term = self._at(rows[0], c) * self._laplace(rows[1:], cols[:k] + cols[k + 1:])
            acc = acc + term if k % 2 == 0 else acc - term
        return acc

    def adjugate(self) -> "JetMatrix":
        """adj(M)[i, j] = (−1)^(i+j) det M with row j and column i removed (cofactor expansion, up to 6 × 6)."""
        if self.rows != self.cols or self.rows > 6:
            raise KernelError(f"adjugate of a {self.rows}×{self.cols} matrix (square, up to 6 × 6)")
        n = self.rows
        every = list(range(n))
        return JetMatrix(n, n, [(1 if (i + j) % 2 == 0 else -1) *
                                self._laplace([r for r in every if r != j], [c for c in every if c != i])
                                for i in range(n) for j in range(n)])

    def inv(self) -> "JetMatrix":
        det, sol = self._eliminate(JetMatrix.eye(self.rows))
        if sol is None:
            raise KernelError("the inverse of a singular matrix")
        return sol

    def logdet(self) -> Jet:
        return self.det().log()

    def applyfunc(self, fn):
        """fn on each entry: kernel arithmetic, or SymPy functions (``sp.exp``, ``lambda s: sp.sqrt(1 + s**2)``)
        whose result holds the entry as a Carried atom and is read back by the functions' own rules. Each log, root
        and division fn writes is taken at the entry first, also where SymPy's evaluation folds it away on the
        Carried atom (exp(log s) is s, s/s is 1: modular.entry_domain), so the entry has a value only where each has
        one, on every number type: exact (OutsideDomain, ZeroDenominator), ℤ/p (the operation recorded as partial:
        a point with a value is then asked for) and balls (proved at the witness)."""
        from .modular import entry_domain

        x = sp.Dummy("x")
        conditions = entry_domain(fn, x) if not isinstance(fn, (Jet, JetMatrix)) else []
        for e in self.e if conditions else ():
            for what, arg in conditions:
                try:
                    j = Jet.of(arg.xreplace({x: Jet.of(e)._sympy_()}))
                    if VALUES is None and isinstance(j.v, sp.Basic) and not _variable(j.v):
                        # an exact number: its sign proved, or no value shown at the point, so a divisor, log or
                        # root of a number that is 0 but not as written (sin² u + cos² u − 1) never passes
                        try:
                            domain_sign(j.v, what)
                        except NoRealValue as e:
                            raise OutsideDomain(str(e)) from None
                    elif what == "log":  # another number type (ℤ/p records it, balls prove it) or the degree run
                        j.log()
                    elif what == "root":
                        j ** sp.Rational(1, 2)
                    else:
                        j.reciprocal()
                except (OutsideDomain, ZeroDenominator):
                    raise
                except Exception:  # noqa: BLE001, S112 (a form not read here: that condition unchecked, as before)
                    continue
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

    def softmax(self, z):
        z = JetMatrix.of(z)
        e = [apply(sp.exp, x) for x in z.e]
        s = sum(e, Jet(_ZERO))
        return JetMatrix(z.rows, z.cols, [x / s for x in e])


def _entry_name(name: str, kind: str, i: int, j: int) -> str:
    if kind == "scalar":
        return name
    return f"{name}[{i}]" if kind == "vector" else f"{name}[{i},{j}]"


def derivative(f: Jet, keys: list) -> list:
    """∂f/∂ε_k for each seed k, as jets one order lower (their tangents from f's second-order terms)."""
    if f.order < 1:
        raise NeedsOrder("a derivative of a derivative at the jets' order")
    lower = f.order - 1 if f.order < EXACT else EXACT
    seconds: dict = {}
    if lower >= 1:
        for (k, l), c in f.h.items():
            seconds.setdefault(k, {})[l] = seconds.get(k, {}).get(l, _ZERO) + (2 * c if k == l else c)
            if k != l:
                seconds.setdefault(l, {})[k] = seconds.get(l, {}).get(k, _ZERO) + c
    return [Jet(f.d.get(k, _ZERO), seconds.get(k), None, lower) for k in keys]


class ExactVariables:
    """The claim's variables at a point, as jets seeded one ε per entry; ``d`` reads the tangents.

    ``order``: 1 (first derivatives), 2 (a derivative of a derivative: the jets carry second-order terms).
    """

    def __init__(self, variables: dict, size: dict, values: dict, conventions: dict, order: int = 1):
        try:
            self._jac, self._vec = conventions["jacobian"], conventions["vec"]
        except KeyError as e:
            raise KernelError(f"the claim states no {e.args[0]!r} convention") from None
        if self._jac not in ("numerator", "denominator") or self._vec not in ("row-major", "col-major"):
            raise KernelError(f"unknown layout conventions {self._jac!r}, {self._vec!r}")
        self._seeds: dict = {}  # name -> its seeds' matrix of seed keys
        self._by_id: dict = {}
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
                    entries.append(Jet(number(values[key]), {key: sp.Integer(1)}, None, order))
            sgn = getattr(var, "sign", 0)
            if sgn and VALUES is not None:
                VALUES.refuse(f"{name}'s declared sign")
            if sgn and kind == "scalar":
                x = entries[0].v
                if hasattr(values, "draw") and x.is_Rational and x != 0 and (x > 0) != (sgn > 0):
                    # the kernel's own random draws take both signs: a variable declared > 0 (< 0) takes their
                    # modulus (its negative), no point of probability above 2^−k in its domain (Schwartz–Zippel)
                    x = -x
                    entries[0] = Jet(x, {keys[0]: sp.Integer(1)}, None, order)
                if not _variable(x) and not (x.is_Rational and (x > 0 if sgn > 0 else x < 0)):
                    raise KernelError(f"{name} is declared {'positive' if sgn > 0 else 'negative'}, but {name} = "
                                      f"{sp.sstr(x)} at the point")
                if FORMAL is not None and _variable(x):  # the degree run: the declared sign, for |·| and √
                    FORMAL.declare(x, sgn)
                self.premises.append(f"{name} {'>' if sgn > 0 else '<'} 0")
            self._seeds[name] = (r, c, keys)
            value = entries[0] if kind == "scalar" else JetMatrix(r, c, entries)
            if getattr(var, "invertible", False):
                if VALUES is not None:
                    if r != c:
                        raise KernelError(f"{name} is declared invertible, but it is {r}×{c}")
                    if not VALUES.nonzero(JetMatrix(r, c, [e.v for e in entries]).det().v):  # another point
                        raise ZeroDenominator(f"det {name} is not shown ≠ 0 at the point")
                elif JetMatrix(r, c, [e.v for e in entries]).values().det() == 0:
                    raise KernelError(f"{name} is declared invertible, but det {name} = 0 at the point")
                self.premises.append(f"det {name} ≠ 0")
            setattr(self, name, value)
            self._by_id[id(value)] = name

    def d(self, of, wrt) -> JetMatrix:
        if isinstance(wrt, str):
            name = wrt if wrt in self._seeds else None
        else:
            name = self._by_id.get(id(wrt))
        if name is None:
            raise KernelError(f"d(..., {wrt!r}): not a variable of the claim")
        r, c, keys = self._seeds[name]
        F = JetMatrix.of(of) if isinstance(of, (JetMatrix, sp.MatrixBase)) else JetMatrix(1, 1, [Jet.of(of)])
        if F.shape == (1, 1):
            return JetMatrix(r, c, derivative(F.e[0], keys))
        cols = keys if self._vec == "row-major" else [keys[i * c + j] for j in range(c) for i in range(r)]
        vf = list(F.e) if self._vec == "row-major" else list(F.T.e)
        J = JetMatrix(len(vf), len(cols), [x for f in vf for x in derivative(f, cols)])
        return J if self._jac == "numerator" else J.T


def value_of(x):
    """A side as exact numbers: the values of jets (their tangents are not part of a side)."""
    if isinstance(x, (sp.Basic, sp.MatrixBase)) and walk.contains(
            *(x if isinstance(x, sp.MatrixBase) else (x,)), test=lambda e: isinstance(e, Carried)):
        x = JetMatrix.of(x) if isinstance(x, sp.MatrixBase) else Jet.of(x)
    if isinstance(x, JetMatrix):
        return x.values()
    if isinstance(x, Jet):
        return x.v
    return x


def run_check(claim, size: dict, values: dict):
    """The proof's check on the claim's variables at the point: (lhs, rhs, premises that were checked).

    Jets of order 1 first; a check that differentiates a derivative runs again with jets of order 2."""
    for order in range(1, MAX_ORDER + 1):
        ns = ExactVariables(claim.variables, size, values, claim.conventions, order)
        try:
            with literal():  # the kernel reads the check as Python does (notation.literal)
                out = claim.check(ns)
        except NeedsOrder:
            if order == MAX_ORDER:
                raise Unsupported(f"a derivative of order {MAX_ORDER + 1} or more: the kernel's jets stop at "
                                  f"order {MAX_ORDER}") from None
            continue
        out = two_sides(out)
        lhs, rhs = value_of(out[0]), value_of(out[1])
        if hasattr(values, "draw"):  # the kernel's own random point: algebraic sides compared exactly
            lhs, rhs = _algebraic_ties(lhs, rhs)
        return lhs, rhs, ns.premises
    raise AssertionError("unreachable")


#: at most this many distinct radicals in one entry's difference are compared by minimal polynomial (its degree
#: doubles with each); with more, the entry is left as it is (the kernel then names what it trusts)
MAX_RADICALS = 6


def _algebraic(x) -> bool:
    x = sp.sympify(x)
    return x.is_number and not x.is_Rational and not x.atoms(sp.Function) and not x.has(sp.E, sp.pi)


def _algebraic_ties(lhs, rhs):
    """At the kernel's random point, an entry whose sides are algebraic numbers (√ of a rational that is not a
    square) and exactly equal (their difference's minimal polynomial is x, SymPy's exact algorithm) is the
    rational 0 on both sides; an entry whose algebraic sides differ (minimal polynomial not x) raises
    :class:`AlgebraicDisagreement`; every other entry is left as it is (rational, or not decided here)."""
    from .decide import _is_zero

    if not isinstance(lhs, sp.MatrixBase) and not isinstance(rhs, sp.MatrixBase):
        try:
            a, b = sp.sympify(lhs), sp.sympify(rhs)
        except (sp.SympifyError, TypeError):
            return lhs, rhs
        if isinstance(a, sp.Expr) and isinstance(b, sp.Expr):
            L, R = _algebraic_ties(sp.Matrix([[a]]), sp.Matrix([[b]]))
            return L[0, 0], R[0, 0]
        return lhs, rhs
    if not (isinstance(lhs, sp.MatrixBase) and isinstance(rhs, sp.MatrixBase)) or lhs.shape != rhs.shape:
        return lhs, rhs
    if not any(_algebraic(a) or _algebraic(b) for a, b in zip(lhs, rhs)):
        return lhs, rhs
    L, R = sp.Matrix(lhs), sp.Matrix(rhs)
    for k, (a, b) in enumerate(zip(lhs, rhs)):
        a, b = sp.sympify(a), sp.sympify(b)
        if (_algebraic(a) or _algebraic(b)) and (a.is_Rational or _algebraic(a)) and (b.is_Rational or _algebraic(b)):
            d = a - b
            if len({p for p in d.atoms(sp.Pow) if not p.exp.is_Integer}) <= MAX_RADICALS:
                zero = _is_zero(d)
                if zero is True:
                    L[k] = R[k] = sp.Integer(0)
                elif zero is False:  # the sides differ here: no rational reading decides it later (the radicands
                    # are too large to factor), so it would have left the normal form trusted, the difference seen
                    raise AlgebraicDisagreement(f"entry {k} of lhs − rhs is {sp.sstr(d)[:60]} ≠ 0 (its minimal "
                                                "polynomial is not x)")
    return L, R


def register() -> None:
    notation.register_backend((JetMatrix, Jet), JetNotation())


def _guard_text_of_values():
    from ..concrete import guard_value_text

    guard_value_text(Jet, JetMatrix)


_guard_text_of_values()
