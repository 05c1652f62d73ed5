"""Dual numbers over exact SymPy numbers: forward-mode differentiation, the kernel's own.

A :class:`Dual` is v + d·ε with ε² = 0, where v and d are exact numbers
(rationals, or closed forms such as tanh(1/2) that the kernel encloses in arb
balls only when it decides a sign). A :class:`DualMatrix` is a pair of SymPy
matrices (values, tangents) with the product rule built into ``*``. Shapes are
checked the way SymPy checks them: a matrix product needs matching inner
dimensions, a sum equal shapes, and an n × n matrix times a 1 × 1 matrix is an
error, not a scaling.
"""
from __future__ import annotations

import re

import sympy as sp

from ..functions import logistic


class KernelError(Exception):
    """The kernel cannot replay this certificate (a value is missing, a shape is wrong, ...)."""


def _undefined_at_point():
    from ..concrete import UndefinedAtPoint
    return UndefinedAtPoint


class NoRealValue(KernelError, _undefined_at_point()):
    """A log of a number ≤ 0 or a non-integer power of one, met by the kernel's dual numbers (a derivative's run):
    the claim has no real value at the point (concrete.UndefinedAtPoint: another point is drawn, and where none has
    one the kernel confirms nothing), not a check the kernel cannot run (a KernelError to its other callers)."""


class ZeroDenominator(KernelError):
    """A division by a value that is 0 at the kernel's point: no value there (another point is drawn)."""

    def __init__(self, what: str = "division by zero"):
        super().__init__(what)


def domain_sign(value, what: str):
    """The sign of an entry function's divisor, log or root argument at the point, proved; where the kernel cannot
    prove it (a number that is 0 but not as written, sin² u + cos² u − 1, whose quotient SymPy folds away), the
    point shows no value: ZeroDenominator for a divisor, NoRealValue otherwise (another point is drawn, and where
    none shows a value the kernel confirms nothing: domain.NoValueShown)."""
    try:
        sign = exact_sign(value, "a divisor" if what == "a division" else f"the argument of a {what}")
    except KernelError as e:
        if what == "a division":
            raise ZeroDenominator(f"a divisor not shown nonzero at the point ({e})") from None
        raise NoRealValue(f"the entry function's {what}: {e}") from None
    if what == "a division" and sign == 0:
        raise ZeroDenominator()
    if what != "a division" and sign <= 0:
        raise NoRealValue(f"the entry function's {what} of {sp.sstr(value)[:60]}, which is not positive")


class Unsupported(KernelError):
    """An operation outside the kernel's reach, whatever the point: named in one line (see check.probe)."""


def missing_attribute(matrix, name: str, what: str, offers: str):
    """A kernel matrix's answer for an attribute it lacks: SymPy joining it to one of its own matrices
    (``sp.eye(n).col_join(M)`` reads ``_rep``) gets its entries as atoms, a probe (``_…``, ``is_…``) a plain
    AttributeError, anything else a one-line refusal naming what the kernel offers."""
    if name == "_rep":
        return sp.Matrix(matrix._sympy_())._rep
    if name.startswith("_") or name.startswith("is_"):
        raise AttributeError(name)
    raise Refused(f"{what} have no method {name!r}: {offers}")


class Refused(Unsupported, AttributeError):
    """A method the kernel's values do not have (an AttributeError to ``getattr(x, name, default)`` probes)."""


def two_sides(out) -> tuple:
    """What a check returned, as its two sides: a pair, or a KernelError naming what came back instead."""
    if not (isinstance(out, tuple) and len(out) == 2):
        raise KernelError(f"the check returned {type(out).__name__}, not (lhs, rhs)")
    return out


def same_shape(a, b) -> None:
    """Two sides compare entry by entry only at one shape (``a`` and ``b`` are the shapes)."""
    if a != b:
        raise KernelError(f"the sides have shapes {a} and {b}")


def number(x) -> sp.Expr:
    """An exact number, or a KernelError: floats, strings and symbols are refused."""
    if isinstance(x, bool):
        raise KernelError(f"a boolean {x!r} is not a number")
    if isinstance(x, int):
        return sp.Integer(x)
    if isinstance(x, sp.Basic) and not isinstance(x, sp.MatrixBase):
        if x.has(sp.Float):
            raise KernelError(f"the float {x} is not exact")
        if x.free_symbols:
            raise KernelError(f"{x} is not a number (free symbols {sorted(map(str, x.free_symbols))})")
        return x
    raise KernelError(f"a {type(x).__name__} ({x!r}) is not an exact number")


#: a recorded exact value: numbers, these names, + − * / ** and parentheses, nothing else
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z]+)|(\*\*|[-+*/()]))")
_NAMES = frozenset({"tanh", "exp", "log", "sqrt", "sin", "cos", "E", "pi"})


def recorded_number(text) -> sp.Expr:
    """A certificate's recorded value (``"-3/4"``, ``"1 - tanh(1/2)**2"``) as an exact number.

    The text is checked token by token before SymPy reads it, so nothing in a
    certificate is ever executed; anything else is a KernelError.
    """
    if not isinstance(text, str) or not text.strip():
        raise KernelError(f"recorded value {text!r} is not a number")
    pos = 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise KernelError(f"recorded value {text!r} is not an exact number")
        if m.group(2) and m.group(2) not in _NAMES:
            raise KernelError(f"recorded value {text!r} names {m.group(2)!r}")
        pos = m.end()
    try:
        value = sp.sympify(text, rational=True)
    except (sp.SympifyError, SyntaxError, TypeError, ValueError):
        raise KernelError(f"recorded value {text!r} is not an exact number") from None
    return number(value)


class DualAtom(sp.Dummy):
    """A :class:`Dual` standing inside a SymPy expression, read back by :func:`forward`."""


class Dual:
    """v + d·ε, ε² = 0."""

    __slots__ = ("v", "d")
    __symderiv_value__ = True  # a kernel value: user code may not compare, hash or truth-test it
    _op_priority = 30.0

    def __init__(self, v, d=0):
        self.v = number(v) if not isinstance(v, sp.Basic) else v
        self.d = number(d) if not isinstance(d, sp.Basic) else d

    @staticmethod
    def of(x) -> "Dual":
        if isinstance(x, Dual):
            return x
        if isinstance(x, DualMatrix):
            if x.shape != (1, 1):
                raise KernelError(f"a {x.rows}×{x.cols} matrix where a number was expected")
            return x[0, 0]
        if isinstance(x, sp.Basic) and x.has(DualAtom):
            return forward(x)
        return Dual(number(x), sp.Integer(0))

    def _sympy_(self):
        """The dual number inside a SymPy expression (sp.sqrt(d), sp.Matrix([[d]])): an atom forward mode reads."""
        atom = DualAtom("kernel_dual")
        atom.dual = self
        return atom

    def __add__(self, o):
        if isinstance(o, (DualMatrix, sp.MatrixBase)):
            raise KernelError("a number plus a matrix is undefined")
        o = Dual.of(o)
        return Dual(self.v + o.v, self.d + o.d)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.v, -self.d)

    def __sub__(self, o):
        return self + (-Dual.of(o))

    def __rsub__(self, o):
        return Dual.of(o) + (-self)

    def __mul__(self, o):
        if isinstance(o, (DualMatrix, sp.MatrixBase)):
            return DualMatrix.of(o) * self
        o = Dual.of(o)
        return Dual(self.v * o.v, self.d * o.v + self.v * o.d)

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = Dual.of(o)
        if o.v == 0:
            raise ZeroDenominator()
        return Dual(self.v / o.v, (self.d * o.v - self.v * o.d) / o.v ** 2)

    def __rtruediv__(self, o):
        return Dual.of(o) / self

    def __pow__(self, k):
        if isinstance(k, sp.Rational) and not k.is_Integer:
            if exact_sign(self.v, "a rational power's base") <= 0:
                raise NoRealValue(f"x**{k} at x = {sp.sstr(self.v)[:60]}: a rational power is replayed where x > 0 "
                                  "only")
            return Dual(self.v ** k, k * self.v ** (k - 1) * self.d)
        if not isinstance(k, (int, sp.Integer)) or isinstance(k, bool):
            raise Unsupported(f"only rational powers of a dual number are defined, not {k!r}")
        k = int(k)
        if k < 0:
            return Dual(1) / self ** (-k)
        return Dual(self.v ** k, k * self.v ** (k - 1) * self.d if k else sp.Integer(0))

    def __repr__(self):
        return f"Dual({self.v}, {self.d})"


def exact_sign(value, what: str) -> int:
    """The sign of an exact number, proved (exactly, or by arb balls); a KernelError if it cannot be."""
    from .decide import sign

    try:
        s = sign(value)
    except (ValueError, TypeError) as e:
        raise KernelError(f"the sign of {what} {sp.sstr(value)[:60]} has no rigorous enclosure ({e})") from None
    if s is None:
        raise KernelError(f"the sign of {what} {sp.sstr(value)[:60]} could not be proved")
    return s


def _formal(a: "Dual"):
    """The degree run's formal reading of |·| (free.FORMAL, a radicals.Formal that reads signs of a model's values:
    ``models``) when ``a`` holds the run's variables, else None (the sign is then proved at the point)."""
    from . import free

    F = free.FORMAL
    if F is None or not getattr(F, "models", False):
        return None
    return F if free._variable(a.v) else None


def lift(fn, dfn):
    """An elementwise function on duals from its value and derivative on exact numbers."""

    def apply(x):
        x = Dual.of(x)
        return Dual(fn(x.v), dfn(x.v) * x.d)

    return apply


def logistic_value(x):
    """The logistic function's exact value, as a closed form the kernel can enclose: 1/(1 + e^(−x))."""
    return 1 / (1 + sp.exp(-x))


#: value, first and second derivative of the elementary functions, on exact numbers (forward mode's rules): the
#: kernel's one table of them (the exact model's activations, functions and losses, and the jets of free.py read it)
RULES = {
    sp.exp: (sp.exp, sp.exp, sp.exp),
    sp.log: (sp.log, lambda v: 1 / v, lambda v: -1 / v ** 2),
    sp.tanh: (sp.tanh, lambda v: 1 - sp.tanh(v) ** 2, lambda v: -2 * sp.tanh(v) * (1 - sp.tanh(v) ** 2)),
    sp.sin: (sp.sin, sp.cos, lambda v: -sp.sin(v)),
    sp.cos: (sp.cos, lambda v: -sp.sin(v), lambda v: -sp.cos(v)),
    logistic: (logistic_value, lambda v: logistic_value(v) * (1 - logistic_value(v)),
               lambda v: logistic_value(v) * (1 - logistic_value(v)) * (1 - 2 * logistic_value(v))),
}


def forward(expr: sp.Expr, x: sp.Symbol | None = None, at: "Dual | None" = None) -> "Dual":
    """expr(x) at the dual number ``at`` (and each :class:`DualAtom` at its own dual number), node by node: sums,
    products, constant powers and the functions of :data:`RULES`, each by its own rule. Nothing is differentiated
    symbolically."""
    memo: dict = {}

    def variable(e):
        return e.has(DualAtom) or (x is not None and e.has(x))

    def run(e):
        got = memo.get(e)
        if got is not None:
            return got
        if isinstance(e, DualAtom):
            r = e.dual
        elif x is not None and e == x:
            r = at
        elif not variable(e):
            r = Dual(number(e))
        elif e.is_Add:
            r = Dual(0)
            for a in e.args:
                r = r + run(a)
        elif e.is_Mul:
            r = Dual(1)
            for a in e.args:
                r = r * run(a)
        elif e.is_Pow and not variable(e.exp):
            b, k = run(e.base), e.exp
            if k.is_Integer:
                r = b ** int(k)
            else:
                if not k.is_Rational:
                    raise KernelError(f"{sp.sstr(e)[:60]}: a non-integer power is replayed for a positive base "
                                      "and a rational exponent only")
                if exact_sign(b.v, "a rational power's base") <= 0:  # s^r has a value for s > 0 only (modular.py)
                    raise NoRealValue(f"{sp.sstr(e)[:60]}: a non-integer power of {sp.sstr(b.v)[:40]}, which is not "
                                      "positive")
                r = Dual(b.v ** k, k * b.v ** (k - 1) * b.d)
        elif e.func in RULES and len(e.args) == 1:
            a = run(e.args[0])
            if e.func is sp.log and exact_sign(a.v, "log's argument") <= 0:
                raise NoRealValue(f"log of {sp.sstr(a.v)[:60]}, which is not positive")
            fn, dfn = RULES[e.func][:2]
            r = Dual(fn(a.v), dfn(a.v) * a.d)
        elif e.func is sp.Abs:
            a = run(e.args[0])
            F = _formal(a)
            if F is not None:  # the degree run (random_check.degree_info): |u| = S·u, S a sign variable (radicals.py)
                S = F.sign(a.v)
                r = Dual(S * a.v, S * a.d)
                memo[e] = r
                return r
            s = exact_sign(a.v, "|·|'s argument") if a.v != 0 else 0
            if s == 0 and a.d != 0:
                raise KernelError("|·| at 0 has no derivative: the point is at its kink")
            r = a if s >= 0 else -a
        elif e.func in (sp.Max, sp.Min):
            what = "max" if e.func is sp.Max else "min"
            r = None
            for arg in e.args:
                a = run(arg)
                if r is None:
                    r = a
                    continue
                F = _formal(a) or _formal(r)
                if F is not None:
                    # the degree run: max(a, r) = (a + r + S·(a − r))/2, min with −S, S the sign of a − r (where the
                    # two differ; at a tie either S gives the same value, and the numeric run refuses a derivative)
                    S = F.sign(a.v - r.v) * (1 if e.func is sp.Max else -1)
                    r = Dual((a.v + r.v + S * (a.v - r.v)) / 2, (a.d + r.d + S * (a.d - r.d)) / 2)
                    continue
                s = exact_sign(a.v - r.v, f"the difference of {what}'s arguments") if a.v != r.v else 0
                if s == 0 and a.d != r.d:
                    raise KernelError(f"{what} at a tie of two different branches has no derivative")
                if (s > 0) == (e.func is sp.Max) and s != 0:
                    r = a
        else:
            raise Unsupported(f"cannot run {sp.sstr(e)[:60]} on dual numbers (functions the kernel knows: "
                              f"exp, log, tanh, sin, cos, the logistic function, rational powers, |·|, max, min)")
        memo[e] = r
        return r

    return run(sp.sympify(expr))


class DualMatrix:
    """A matrix of duals as (values, tangents), both SymPy matrices of exact numbers."""

    __symderiv_value__ = True  # a kernel value: user code may not compare, hash or truth-test it
    _op_priority = 30.0  # above SymPy matrices': sp.Matrix * DualMatrix calls DualMatrix.__rmul__

    def __init__(self, val: sp.MatrixBase, tan: sp.MatrixBase | None = None):
        # a mutable dense matrix is kept as it is (no copy: nothing here writes into a value or a tangent, and
        # SymPy's constructor re-reads every entry, a third of the kernel's time); anything else is converted
        self.val = val if type(val) is sp.MutableDenseMatrix else sp.Matrix(val)
        self.tan = sp.zeros(*self.val.shape) if tan is None else \
            tan if type(tan) is sp.MutableDenseMatrix else sp.Matrix(tan)
        if self.tan.shape != self.val.shape:
            raise KernelError("a tangent of another shape than its value")

    @staticmethod
    def of(x) -> "DualMatrix":
        if isinstance(x, DualMatrix):
            return x
        if isinstance(x, sp.MatrixBase):
            if x.has(DualAtom):  # a SymPy matrix built of dual numbers (sp.Matrix([[d]]), sp.eye(n).col_join(D))
                return DualMatrix.from_entries(x.rows, x.cols, list(x))
            return DualMatrix(x.applyfunc(number))
        if isinstance(x, (list, tuple)):
            return DualMatrix.of(sp.Matrix(x))
        raise KernelError(f"a {type(x).__name__} is not a matrix")

    @staticmethod
    def from_entries(rows: int, cols: int, entries) -> "DualMatrix":
        entries = [Dual.of(e) for e in entries]
        return DualMatrix(sp.Matrix(rows, cols, [e.v for e in entries]), sp.Matrix(rows, cols, [e.d for e in entries]))

    @property
    def shape(self):
        return self.val.shape

    @property
    def rows(self):
        return self.val.rows

    @property
    def cols(self):
        return self.val.cols

    def __len__(self):
        return self.rows * self.cols

    def __iter__(self):
        return iter([Dual(v, d) for v, d in zip(self.val, self.tan)])

    def __getitem__(self, key):
        v, d = self.val[key], self.tan[key]
        if isinstance(v, sp.MatrixBase):
            return DualMatrix(v, d)
        return Dual(v, d)

    def _same_shape(self, o: "DualMatrix", what: str):
        if o.shape != self.shape:
            raise KernelError(f"{what} of a {self.rows}×{self.cols} and a {o.rows}×{o.cols} matrix")

    def __add__(self, o):
        if not isinstance(o, (DualMatrix, sp.MatrixBase, list, tuple)):
            raise KernelError("a matrix plus a number is undefined (SymPy refuses it too)")
        o = DualMatrix.of(o)
        self._same_shape(o, "sum")
        return DualMatrix(self.val + o.val, self.tan + o.tan)

    __radd__ = __add__

    def __neg__(self):
        return DualMatrix(-self.val, -self.tan)

    def __sub__(self, o):
        return self + (-DualMatrix.of(o))

    def __rsub__(self, o):
        return DualMatrix.of(o) + (-self)

    def __mul__(self, o):
        if isinstance(o, (DualMatrix, sp.MatrixBase, list, tuple)):
            o = DualMatrix.of(o)
            if self.cols != o.rows:
                raise KernelError(f"product of a {self.rows}×{self.cols} and a {o.rows}×{o.cols} matrix")
            return DualMatrix(self.val * o.val, self.tan * o.val + self.val * o.tan)
        c = Dual.of(o)
        return DualMatrix(self.val * c.v, self.tan * c.v + self.val * c.d)

    def __rmul__(self, o):
        if isinstance(o, (sp.MatrixBase, list, tuple)):
            return DualMatrix.of(o) * self
        return self * o

    def __truediv__(self, o):
        return self * (Dual(1) / Dual.of(o))

    def __pow__(self, k):
        if not isinstance(k, (int, sp.Integer)) or isinstance(k, bool) or k < 0 or self.rows != self.cols:
            raise KernelError(f"only non-negative integer powers of a square matrix are defined, not {k!r}")
        out = DualMatrix(sp.eye(self.rows))
        for _ in range(int(k)):
            out = out * self
        return out

    @property
    def T(self):
        return DualMatrix(self.val.T, self.tan.T)

    def applyfunc(self, fn):
        """fn on each entry: fn itself when it runs on dual numbers, else (a lambda of SymPy functions,
        ``lambda v: 1/(1 + sp.exp(-v))``) its expression in one variable run by :func:`forward`. Each log, root and
        division fn writes must have a value at the entry (modular.entry_domain: also where SymPy's evaluation folds
        it away, exp(log s) = s), else the point has none (NoRealValue, ZeroDenominator)."""
        from .modular import entry_domain

        x = sp.Dummy("x")
        conditions = entry_domain(fn, x)
        for e in self:
            for what, arg in conditions:
                try:
                    v = forward(arg, x, e).v
                except (NoRealValue, ZeroDenominator):
                    raise
                except Exception:  # noqa: BLE001, S112 (a form not read here: that condition unchecked, as before)
                    continue
                domain_sign(v, what)  # proved, or no value shown at the point
        try:
            out = [fn(e) for e in self]
        except (sp.SympifyError, TypeError):
            expr = sp.sympify(fn(x))
            out = [forward(expr, x, e) for e in self]
        return DualMatrix.from_entries(self.rows, self.cols, out)

    def multiply_elementwise(self, o):
        o = DualMatrix.of(o)
        self._same_shape(o, "elementwise product")
        return DualMatrix.from_entries(self.rows, self.cols, [a * b for a, b in zip(self, o)])

    def col_join(self, o):
        o = DualMatrix.of(o)
        return DualMatrix(self.val.col_join(o.val), self.tan.col_join(o.tan))

    def row(self, i):
        return self[i, :]

    def col(self, j):
        return self[:, j]

    @classmethod
    def vstack(cls, *ms):
        out = DualMatrix.of(ms[0])
        for m in ms[1:]:
            out = out.col_join(m)
        return out

    @classmethod
    def hstack(cls, *ms):
        out = DualMatrix.of(ms[0])
        for m in ms[1:]:
            out = out.row_join(m)
        return out

    def _sympy_(self):
        return sp.ImmutableMatrix(self.rows, self.cols, [x._sympy_() for x in self])

    def __getattr__(self, name):
        return missing_attribute(self, name, "the kernel's dual matrices", "a cell's step may use sums, products, "
                                 "powers, transposes, indexing and slicing, row, col, row_join, col_join, vstack, "
                                 "hstack, applyfunc and multiply_elementwise")

    def row_join(self, o):
        o = DualMatrix.of(o)
        return DualMatrix(self.val.row_join(o.val), self.tan.row_join(o.tan))

    def __repr__(self):
        return f"DualMatrix({self.val.tolist()}, {self.tan.tolist()})"


class DualNotation:
    """The notation for dual matrices (registered with symderiv.notation by the kernel)."""

    @staticmethod
    def _col(v) -> DualMatrix:
        v = DualMatrix.of(v)
        if v.cols != 1 and v.rows != 1:
            raise KernelError(f"a vector was expected, not a {v.rows}×{v.cols} matrix")
        return v if v.cols == 1 else v.T

    def hadamard(self, a, b):
        return DualMatrix.of(a).multiply_elementwise(b)

    def T(self, a):
        return DualMatrix.of(a).T

    def diag(self, v):
        v = self._col(v)
        n = v.rows
        return DualMatrix(sp.diag(*list(v.val)), sp.diag(*list(v.tan))) if n else DualMatrix(sp.zeros(0, 0))

    def kron(self, a, b):
        a, b = DualMatrix.of(a), DualMatrix.of(b)
        kp = sp.kronecker_product
        return DualMatrix(kp(a.val, b.val), kp(a.tan, b.val) + kp(a.val, b.tan))

    def HV(self, v):
        v = self._col(v)
        n = v.rows
        return self.kron(DualMatrix(sp.ones(n, n)), v.T)

    def product(self, factors, size):
        out = DualMatrix(sp.eye(size))
        for f in factors:
            out = out * f
        return out

    def total(self, terms, shape):
        out = DualMatrix(sp.zeros(*shape))
        for t in terms:
            out = out + t
        return out

    def vec(self, a, layout):
        a = DualMatrix.of(a)
        if layout == "row-major":
            return DualMatrix(sp.Matrix(len(a), 1, list(a.val)), sp.Matrix(len(a), 1, list(a.tan)))
        if layout == "col-major":
            return self.vec(a.T, "row-major")
        raise KernelError(f"layout={layout!r} must be 'row-major' or 'col-major'")

    def softmax(self, z):
        z = DualMatrix.of(z)
        e = [lift(*RULES[sp.exp][:2])(x) for x in z]
        s = sum(e, Dual(0))
        return DualMatrix.from_entries(z.rows, z.cols, [x / s for x in e])


def _guard_text_of_values():
    from ..concrete import guard_value_text

    guard_value_text(Dual, DualMatrix)


_guard_text_of_values()
