"""Forward mode in arb ball arithmetic: the kernel's refutation of a tanh/logistic identity at any size.

A claim with σ = tanh or the logistic function (or a cell's tanh/logistic gates, exp, log, softmax) has no value
in ℤ/p, so :mod:`.modular` cannot refute it, and exact numbers at n = 32, t = 64 are closed forms nested t deep.
Here the same model runs on balls: every input of the point is an exact rational; every value met is an arb ball
(python-flint), a midpoint and a radius such that the exact real value lies in the ball. Each operation (+, −, ×,
÷ by a ball that excludes 0, a matrix product, tanh, exp, log, the logistic function 1/(1 + e^−x) and their
derivatives 1 − tanh², e^x, 1/x, s(1 − s)) returns a ball containing the exact result of the exact operands
(arb's rigorous enclosures; a division by a ball that contains 0 is refused). The kernel's forward mode (a dual
number's value and tangent are balls, one run per column of the Jacobian, as :class:`~.modular.ModularModel`
does over ℤ/p: the same model class, its number types swapped) then yields, for each entry of the check's two
sides, balls that contain their exact values at the point. If the ball of lhs − rhs at an entry excludes 0, the
exact value there is not 0: the identity fails at this point, for the claim's own functions, at this size.
Floats never decide: a ball is a certified enclosure, not an approximation, and an undecided sign (a ball that
contains 0) is never a refutation.

The certificate names the size, the rational point, the entry and the working precision (bits); the kernel
recomputes everything at that precision from the claim (:func:`verify_balls`) and trusts nothing recorded
(recorded balls that do not overlap its own are refused).

Reach: what :mod:`.modular` reaches, and besides tanh, the logistic function, exp, log and softmax through the
model's functions (``f.tanh``, an activation, a cell's gates and output), and the losses squared,
cross-entropy, a cell's own and an abstract one with a witness polynomial. SymPy's own functions applied to a
ball (``sp.exp(v)``), m.like, m.value and a derivative of an expression of the parameters are refused
(:class:`~.dual.Unsupported`), as over ℤ/p.

|·|, max and min in ``applyfunc`` (a ReLU cell's max(0, z), a check's |h|; issue 19 items 3, 5) are read by the
kernel itself (:func:`_sign_reading`): the entry function's expression on a symbol is walked (+, ×, integer powers,
rationals, |·|, max, min; anything else refused in one line), |u| = s·u and max(a, b) = a or b by the sign s of u
(of a − b), each sign **proved** by a ball that excludes 0 (or a ball exactly 0 with a tangent exactly 0, where
both branches agree to first order); a ball that contains 0 decides nothing (KernelError: the finder raises the
precision or draws another point). So each value is the exact function's value at the point, enclosed, and a
refutation stays a proof. A kink (an argument exactly 0 whose tangent is not) has no derivative: refused.
"""
from __future__ import annotations

import re
from fractions import Fraction
from types import SimpleNamespace

import sympy as sp
from flint import arb, arb_mat, fmpq

from ..notation import literal
from ..protocol import bind_parameters
from .accept import IDENTITY, Refuted, _issue
from .decide import arb_of, precision
from .dual import KernelError, Unsupported, same_shape, two_sides
from .modular import ModularModel, _Field, _Matrix, _get, _NoBatch, _Unbatchable, _View

class NoValue(KernelError):
    """A value the point does not show: a divisor whose ball contains 0, a log's or a root's argument whose ball is not
    > 0 (the exact value may lack a value there, or the precision may be too low to tell): never a verdict, the
    refutation and the search for a point with a value (kernel/domain.py) take another point or say nothing."""


#: the working precisions (bits) the kernel replays a ball certificate at: below the floor a ball says little,
#: above the ceiling a replay would be slow (a certificate found at higher precision is not accepted)
MIN_PRECISION = 64
MAX_PRECISION = 8192


def ball(x) -> arb:
    """An exact number as a ball containing it: an integer or a rational (exact dyadics exactly), a closed form
    SymPy writes (tanh(1/2), √2) rigorously enclosed; floats are refused."""
    if isinstance(x, BallScalar):
        if not x.d.is_zero():
            raise KernelError("a value with a tangent where a number was expected")
        return x.v
    if isinstance(x, arb):
        return x
    if isinstance(x, bool):
        raise KernelError(f"a boolean {x!r} is not a number")
    if isinstance(x, int):
        return arb(x)
    if isinstance(x, Fraction):
        return arb(fmpq(x.numerator, x.denominator))
    if isinstance(x, sp.Basic) and not isinstance(x, sp.MatrixBase):
        if x.is_Rational:
            return arb(fmpq(int(x.p), int(x.q)))
        if x.is_number and not x.has(sp.Float):
            try:
                return arb_of(x)
            except ValueError:
                pass
    raise Unsupported(f"{sp.sstr(x)[:60] if isinstance(x, sp.Basic) else type(x).__name__} has no ball "
                      "(the ball refutation covers exact numbers and the model's functions)")


class BallScalar(_Field):
    """v + d·ε, v and d arb balls."""

    __slots__ = ("v", "d")
    __symderiv_value__ = True
    _op_priority = 31.0

    def __init__(self, v: arb, d: arb | None = None, p=None):
        self.v, self.d = v, arb(0) if d is None else d

    def _of(self, o) -> "BallScalar":
        if isinstance(o, BallScalar):
            return o
        if isinstance(o, BallMat):
            if o.shape != (1, 1):
                raise KernelError(f"a {o.rows}×{o.cols} matrix where a number was expected")
            return o[0, 0]
        return BallScalar(ball(o))

    def __add__(self, o):
        if isinstance(o, (BallMat, sp.MatrixBase)) and getattr(o, "shape", None) != (1, 1):
            raise KernelError("a number plus a matrix is undefined")
        o = self._of(o)
        return BallScalar(self.v + o.v, self.d + o.d)

    __radd__ = __add__

    def __neg__(self):
        return BallScalar(-self.v, -self.d)

    def __mul__(self, o):
        if isinstance(o, (BallMat, sp.MatrixBase, list, tuple)):
            return BallMat.of(o) * self
        o = self._of(o)
        return BallScalar(self.v * o.v, self.d * o.v + self.v * o.d)

    __rmul__ = __mul__

    def inverse(self) -> "BallScalar":
        if self.v.contains(0):
            raise NoValue("division by a ball that contains 0 (the point or the precision is not one the ball "
                              "check can use)")
        inv = 1 / self.v
        return BallScalar(inv, -self.d * inv * inv)

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, sp.Integer)):
            raise Unsupported(f"only integer powers are replayed in balls, not {k!r}")
        k = int(k)
        if k < 0:
            return (self ** -k).inverse()
        if k == 0:
            return BallScalar(arb(1))
        return BallScalar(self.v ** k, k * self.v ** (k - 1) * self.d)

    def _sympy_(self):
        raise Unsupported("a ball inside a SymPy expression (the ball refutation runs the notation and the model's "
                          "values and functions only)")

    def __repr__(self):
        return f"BallScalar({self.v}, {self.d})"


def _zero_mat(rows: int, cols: int) -> arb_mat:
    return arb_mat(rows, cols)


def _rowscale(T: arb_mat, ds: list) -> arb_mat:
    """diag(ds)·T: row i of T times ds[i] (the zeros off the diagonal are exact, so each entry is d_i·T_ij)."""
    D = arb_mat(T.nrows(), T.nrows())
    for i, x in enumerate(ds):
        D[i, i] = x
    return D * T


class BallMat(_Matrix):
    """A matrix of dual numbers over balls: (values, tangents), each an ``arb_mat``; ``tan`` None is zero.

    A column vector may carry a batch of tangents (rows × D, D ≠ 1), as :class:`~.modular.ModMat` does: the
    operations that keep a batch carry it, the others raise ``_Unbatchable`` and the model runs column by column."""

    __slots__ = ("val", "tan", "rows", "cols")
    __symderiv_value__ = True
    _op_priority = 31.0
    #: the residues' degree bounds (ModularModel reads them): none here
    deg = tdeg = None

    def __init__(self, val: arb_mat, tan: arb_mat | None = None, p=None, deg=None, tdeg=None):
        # deg, tdeg: the residues' degree bounds (modular.ModMat), which balls do not need
        self.val, self.tan = val, tan
        self.rows, self.cols = val.nrows(), val.ncols()

    @staticmethod
    def of(x, p=None) -> "BallMat":
        if isinstance(x, BallMat):
            return x
        if isinstance(x, BallScalar):
            return BallMat(arb_mat(1, 1, [x.v]), None if x.d.is_zero() else arb_mat(1, 1, [x.d]))
        if isinstance(x, (list, tuple)):
            x = sp.Matrix(x)
        if isinstance(x, sp.MatrixBase):
            return BallMat(arb_mat(x.rows, x.cols, [ball(e) for e in x]) if x.rows and x.cols
                           else arb_mat(x.rows, x.cols))
        raise KernelError(f"a {type(x).__name__} is not a matrix")

    @staticmethod
    def entries(rows: int, cols: int, xs, p=None) -> "BallMat":
        xs = [x if isinstance(x, BallScalar) else BallScalar(ball(x)) for x in xs]
        tan = arb_mat(rows, cols, [x.d for x in xs]) if any(not x.d.is_zero() for x in xs) else None
        return BallMat(arb_mat(rows, cols, [x.v for x in xs]), tan)

    def tangent(self) -> arb_mat:
        return _zero_mat(self.rows, self.cols) if self.tan is None else self.tan

    def __iter__(self):
        self._unbatched("entries")
        vs = self.val.entries()
        ds = self.tan.entries() if self.tan is not None else [arb(0)] * len(vs)
        return iter([BallScalar(v, d) for v, d in zip(vs, ds)])

    def _index(self, key):
        if isinstance(key, tuple):
            return key
        if isinstance(key, int) and not isinstance(key, bool):
            if not -len(self) <= key < len(self):
                raise IndexError(key)
            return divmod(key % len(self), self.cols)
        raise KernelError(f"index {key!r}")

    def __getitem__(self, key):
        self._unbatched("indexing")
        i, j = self._index(key)
        if isinstance(i, slice) or isinstance(j, slice):
            rs = range(self.rows)[i] if isinstance(i, slice) else [i % self.rows]
            cs = range(self.cols)[j] if isinstance(j, slice) else [j % self.cols]
            pick = lambda M: arb_mat(len(rs), len(cs), [M[r, c] for r in rs for c in cs])  # noqa: E731
            return BallMat(pick(self.val), None if self.tan is None else pick(self.tan))
        i, j = i % self.rows, j % self.cols
        return BallScalar(self.val[i, j], self.tan[i, j] if self.tan is not None else arb(0))

    def __add__(self, o):
        if not isinstance(o, (BallMat, sp.MatrixBase, list, tuple)):
            raise KernelError("a matrix plus a number is undefined (SymPy refuses it too)")
        o = BallMat.of(o)
        self._same(o, "sum")
        if self.tan is not None and o.tan is not None and self.tan.ncols() != o.tan.ncols():
            raise _Unbatchable("a sum of a batch and one tangent")
        tan = self.tan if o.tan is None else o.tan if self.tan is None else self.tan + o.tan
        return BallMat(self.val + o.val, tan)

    __radd__ = __add__

    def __neg__(self):
        return BallMat(-self.val, None if self.tan is None else -self.tan)

    def __sub__(self, o):
        return self + (-BallMat.of(o))

    def __rsub__(self, o):
        return BallMat.of(o) + (-self)

    def __mul__(self, o):
        if isinstance(o, (BallMat, sp.MatrixBase, list, tuple)):
            o = BallMat.of(o)
            if self.cols != o.rows:
                raise KernelError(f"product of a {self.rows}×{self.cols} and a {o.rows}×{o.cols} matrix")
            if self.batched or (o.batched and self.tan is not None):
                raise _Unbatchable("a product whose tangent is not a matrix")
            parts = [x for x in (None if self.tan is None else self.tan * o.val,
                                 None if o.tan is None else self.val * o.tan) if x is not None]
            tan = None if not parts else parts[0] if len(parts) == 1 else parts[0] + parts[1]
            return BallMat(self.val * o.val, tan)
        c = o if isinstance(o, BallScalar) else BallScalar(ball(o))
        if not c.d.is_zero() and self.batched:
            raise _Unbatchable("a batch scaled by a number with a tangent")
        parts = [x for x in (None if self.tan is None else self.tan * c.v,
                             None if c.d.is_zero() else self.val * c.d) if x is not None]
        tan = None if not parts else parts[0] if len(parts) == 1 else parts[0] + parts[1]
        return BallMat(self.val * c.v, tan)

    def __rmul__(self, o):
        if isinstance(o, (sp.MatrixBase, list, tuple)):
            return BallMat.of(o) * self
        return self * o

    def __truediv__(self, o):
        c = o if isinstance(o, BallScalar) else BallScalar(ball(o))
        return self * c.inverse()

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, sp.Integer)) or k < 0 or self.rows != self.cols:
            raise KernelError(f"only non-negative integer powers of a square matrix are defined, not {k!r}")
        out = BallMat.of(sp.eye(self.rows))
        for _ in range(int(k)):
            out = out * self
        return out

    @property
    def T(self):
        self._unbatched("a transpose")
        return BallMat(self.val.transpose(), None if self.tan is None else self.tan.transpose())

    def applyfunc(self, fn):
        read = _whole_reading(fn) if WHOLE_READING else _sign_reading(fn)
        if read is not None:  # |·|, max, min (and while asked, every function): each partial step proved by a ball
            return BallMat.entries(self.rows, self.cols, [read(e) for e in self])
        return BallMat.entries(self.rows, self.cols, [fn(e) for e in self])

    def multiply_elementwise(self, o):
        o = BallMat.of(o)
        self._same(o, "elementwise product")
        r, c = self.rows, self.cols
        av, bv = self.val.entries(), o.val.entries()
        val = arb_mat(r, c, [x * y for x, y in zip(av, bv)])
        if self.batched or o.batched:  # d(a ⊙ b) = diag(b) da + diag(a) db, each a batch of columns
            parts = [x for x in (None if self.tan is None else _rowscale(self.tan, bv),
                                 None if o.tan is None else _rowscale(o.tan, av)) if x is not None]
            if len(parts) == 2 and parts[0].ncols() != parts[1].ncols():
                raise _Unbatchable("an elementwise product of a batch and one tangent")
            return BallMat(val, parts[0] if len(parts) == 1 else parts[0] + parts[1])
        parts = []
        if self.tan is not None:
            parts.append([x * y for x, y in zip(self.tan.entries(), bv)])
        if o.tan is not None:
            parts.append([x * y for x, y in zip(av, o.tan.entries())])
        tan = None if not parts else arb_mat(r, c, parts[0] if len(parts) == 1 else
                                             [x + y for x, y in zip(*parts)])
        return BallMat(val, tan)

    def _join(self, o, rows: bool):
        o = BallMat.of(o)
        if (self.cols if rows else self.rows) != (o.cols if rows else o.rows):
            raise KernelError("joined matrices do not fit")
        a, b = list(self), list(o)
        if rows:  # col_join: o below self
            return BallMat.entries(self.rows + o.rows, self.cols, a + b)
        out = []
        for i in range(self.rows):
            out += a[i * self.cols:(i + 1) * self.cols] + b[i * o.cols:(i + 1) * o.cols]
        return BallMat.entries(self.rows, self.cols + o.cols, out)

    def _sympy_(self):
        raise Unsupported("a matrix of balls inside a SymPy expression (the ball refutation runs the notation and "
                          "the model's values only)")

    def __getattr__(self, name):
        if name.startswith("_") or name.startswith("is_"):
            raise AttributeError(name)
        raise Unsupported(f"the kernel's matrices of balls have no method {name!r}")

    def __repr__(self):
        return f"BallMat({self.val.entries()})"


def _ball_sign(u: "BallScalar") -> int:
    """The sign of the exact value in u's ball, proved: 1 or −1 when the ball excludes 0, 0 when it is exactly 0
    with a tangent exactly 0 (both branches agree there to first order); else KernelError (more bits, or another
    point: never a guess)."""
    if u.v > 0:
        return 1
    if u.v < 0:
        return -1
    if u.v.is_exact() and u.v.is_zero():
        if u.d.is_exact() and u.d.is_zero():
            return 0
        raise KernelError("|·|, max or min at its kink (an argument exactly 0 whose tangent is not): no derivative")
    raise KernelError("a sign of |·|, max or min that the ball does not decide (it contains 0): more precision")


def _sign_reading(fn):
    """An entry function that uses |·|, max or min, read on BallScalars with every sign proved by a ball, or None
    when fn's expression has none of them (then fn runs on the entries as before). Functions are known by identity
    (type(e) is sp.Abs), never by name; anything else in such an expression is refused (Unsupported)."""
    a = sp.Dummy("a")
    try:
        e = sp.sympify(fn(a))
    except Exception:
        return None
    if not isinstance(e, sp.Basic) or not e.has(sp.Abs, sp.Max, sp.Min):
        return None

    def read(x):
        memo: dict = {}

        def go(e):
            if e in memo:
                return memo[e]
            if e == a:
                out = x
            elif isinstance(e, sp.Rational):
                out = BallScalar(ball(e))
            elif type(e) is sp.Add:
                out = BallScalar(arb(0))
                for t in e.args:
                    out = out + go(t)
            elif type(e) is sp.Mul:
                out = BallScalar(arb(1))
                for t in e.args:
                    out = out * go(t)
            elif type(e) is sp.Pow and isinstance(e.exp, sp.Integer):
                out = go(e.base) ** int(e.exp)
            elif type(e) is sp.Abs:
                u = go(e.args[0])
                out = u if _ball_sign(u) >= 0 else -u
            elif type(e) in (sp.Max, sp.Min):
                out = go(e.args[0])
                for t in e.args[1:]:
                    b = go(t)
                    s = _ball_sign(b - out)
                    if (s > 0) == (type(e) is sp.Max) and s != 0:
                        out = b
            else:
                raise Unsupported(f"{e} in an entry function with |·|, max or min: the kernel's reading in balls knows "
                                  "+, ×, integer powers, rationals, |·|, max and min")
            memo[e] = out
            return out

        return go(e)

    return read


#: non-empty while the kernel looks for a point where the sides have a value (kernel/domain.py): an entry function is
#: then read whole (:func:`_whole_reading`), not only where it uses |·|, max or min
WHOLE_READING: list = []


def _root(r: sp.Rational):
    """s ↦ s^r for a rational r that is not an integer, on a ball proved > 0 (else NoValue: the real power of a number
    ≤ 0 is not the claim's reading, whose domain is s > 0, modular.py), with its derivative r·s^r/s."""
    q = arb(fmpq(int(r.p), int(r.q)))

    def fn(x: arb):
        if not x > 0:
            raise NoValue(f"the argument of a power ^{r} is not proved > 0 (its ball: {x.str(5)})")
        v = (q * x.log()).exp()
        return v, q * v / x
    return fn


#: the functions an entry function may apply (modular._READ_FUNCTIONS, known by identity), true and enclosed
def _sin(x: arb):
    return x.sin(), x.cos()


def _cos(x: arb):
    return x.cos(), -x.sin()


def _whole_reading(fn):
    """An entry function read from its expression on a symbol, every function in it evaluated in balls (the
    expression the kernel's ℤ/p reading runs, :func:`.modular._entry_reading`: +, ×, integer powers, rational powers,
    |·|, max, min, sin, cos, exp, log, tanh and the logistic function, known by identity; anything else refused), each
    partial step proved: a divisor's ball excludes 0, a log's or a root's argument's ball is > 0 (else NoValue), a sign
    of |·|, max or min excludes 0 (as in :func:`_sign_reading`). None where fn has no expression on a symbol."""
    from .modular import _READ_FUNCTIONS, entry_domain, entry_expression

    got = entry_expression(fn, "in balls")
    if got is None:
        return None
    a, e = got
    conditions = entry_domain(fn, a)  # each log, root and division fn writes, also where SymPy folds it away
    table = {"sin": _sin, "cos": _cos, "exp": _exp, "log": _log, "tanh": _tanh, "logistic": _logistic}

    def lifted(f, u: BallScalar) -> BallScalar:
        v, dv = f(u.v)
        return BallScalar(v, dv * u.d)

    def read(x):
        memo: dict = {}

        def go(e):
            if e in memo:
                return memo[e]
            cls = type(e)
            if e == a:
                out = x
            elif isinstance(e, sp.Rational):
                out = BallScalar(ball(e))
            elif cls is sp.Add:
                out = BallScalar(arb(0))
                for t in e.args:
                    out = out + go(t)
            elif cls is sp.Mul:
                out = BallScalar(arb(1))
                for t in e.args:
                    out = out * go(t)
            elif cls is sp.Pow and isinstance(e.exp, sp.Integer):
                k = int(e.exp)  # |u|^(2k) = u^(2k), as the ℤ/p reading
                out = go(e.base.args[0] if type(e.base) is sp.Abs and k % 2 == 0 else e.base) ** k
            elif cls is sp.Pow:
                out = lifted(_root(e.exp), go(e.base))
            elif cls is sp.Abs:
                u = go(e.args[0])
                out = u if _ball_sign(u) >= 0 else -u
            elif cls in (sp.Max, sp.Min):
                out = go(e.args[0])
                for t in e.args[1:]:
                    b = go(t)
                    s = _ball_sign(b - out)
                    if (s > 0) == (cls is sp.Max) and s != 0:
                        out = b
            else:  # one of _READ_FUNCTIONS (_unreadable)
                out = lifted(table[next(nm for f, nm in _READ_FUNCTIONS if cls is f)], go(e.args[0]))
            memo[e] = out
            return out

        for what, arg in conditions:  # the value exists only where each of them has one (modular.entry_domain)
            try:
                u = go(arg).v
            except (KernelError, Unsupported):
                raise
            except Exception as err:  # an unevaluated form go does not read: nothing shown at this point
                raise Unsupported(f"the entry function's {what} of {sp.sstr(arg)[:40]} is not read in balls "
                                  f"({type(err).__name__})") from None
            if what == "a division" and u.contains(0):
                raise NoValue(f"a divisor the entry function writes ({sp.sstr(arg)[:40]}) has a ball that contains 0")
            if what != "a division" and not u > 0:
                raise NoValue(f"the argument of a {what} the entry function writes ({sp.sstr(arg)[:40]}) is not "
                              f"proved > 0 (its ball: {u.str(5)})")
        return go(e)

    return read


class BallNotation:
    """The notation for matrices of balls (registered with symderiv.notation by the kernel)."""

    def _col(self, v) -> BallMat:
        v = BallMat.of(v)
        if v.cols != 1 and v.rows != 1:
            raise KernelError(f"a vector was expected, not a {v.rows}×{v.cols} matrix")
        return v if v.cols == 1 else v.T

    def hadamard(self, a, b):
        return BallMat.of(a).multiply_elementwise(b)

    def T(self, a):
        return BallMat.of(a).T

    def diag(self, v):
        v = self._col(v)
        v._unbatched("diag")
        n = v.rows

        def spread(M):
            out = _zero_mat(n, n)
            for i in range(n):
                out[i, i] = M[i, 0]
            return out

        return BallMat(spread(v.val), None if v.tan is None else spread(v.tan))

    def kron(self, a, b):
        a, b = BallMat.of(a), BallMat.of(b)
        ea, eb = list(a), list(b)
        rows, cols = a.rows * b.rows, a.cols * b.cols
        out = []
        for r in range(rows):
            i, k = divmod(r, b.rows)
            for c in range(cols):
                j, l = divmod(c, b.cols)
                out.append(ea[i * a.cols + j] * eb[k * b.cols + l])
        return BallMat.entries(rows, cols, out)

    def HV(self, v):
        v = self._col(v)
        return self.kron(BallMat.of(sp.ones(v.rows, v.rows)), v.T)

    def product(self, factors, size):
        out = BallMat.of(sp.eye(size))
        for f in factors:
            out = out * f
        return out

    def total(self, terms, shape):
        out = BallMat.of(sp.zeros(*shape))
        for t in terms:
            out = out + t
        return out

    def vec(self, a, layout):
        a = BallMat.of(a)
        if layout == "row-major":
            return BallMat.entries(len(a), 1, list(a))
        if layout == "col-major":
            return self.vec(a.T, "row-major")
        raise KernelError(f"layout={layout!r} must be 'row-major' or 'col-major'")

    def softmax(self, z):
        return _softmax(z)


# ----- the functions, true and rigorously enclosed ---------------------------------------------------------------


def _tanh(x: arb):
    t = x.tanh()
    return t, 1 - t * t


def _dtanh(x: arb):
    t = x.tanh()
    s = 1 - t * t
    return s, -2 * t * s


def _logistic(x: arb):
    s = 1 / (1 + (-x).exp())
    return s, s * (1 - s)


def _dlogistic(x: arb):
    s = 1 / (1 + (-x).exp())
    d = s * (1 - s)
    return d, d * (1 - 2 * s)


def _exp(x: arb):
    e = x.exp()
    return e, e


def _log(x: arb):
    if not x > 0:
        raise NoValue("log of a ball that is not positive (the point is not one the ball check can use)")
    return x.log(), 1 / x


def _horner(cs, x: arb) -> arb:
    out = arb(0)
    for c in reversed(cs):
        out = out * x + c
    return out


def _polynomial(cs, dcs):
    return lambda x: (_horner(cs, x), _horner(dcs, x))


def _lift(fn):
    """An elementwise function on balls with its derivative, applied to dual values (forward mode)."""

    def one(x: BallScalar) -> BallScalar:
        v, dv = fn(x.v)
        return BallScalar(v, dv * x.d)

    def apply(v):
        if isinstance(v, BallMat):
            pairs = [fn(x) for x in v.val.entries()]
            val = arb_mat(v.rows, v.cols, [a for a, _ in pairs])
            if v.tan is None:
                return BallMat(val)
            if v.batched:
                return BallMat(val, _rowscale(v.tan, [b for _, b in pairs]))
            return BallMat(val, arb_mat(v.rows, v.cols, [b * d for (_, b), d in zip(pairs, v.tan.entries())]))
        if isinstance(v, BallScalar):
            return one(v)
        if isinstance(v, sp.MatrixBase):
            return apply(BallMat.of(v))
        return one(BallScalar(ball(v)))

    return apply


def _softmax(z):
    z = BallMat.of(z)
    if z.cols != 1 and z.rows != 1:
        raise KernelError(f"softmax of a vector, not of a {z.rows}×{z.cols} matrix")
    exp = _lift(_exp)
    e = [exp(x) for x in z]
    tot = sum(e[1:], e[0])
    return BallMat.entries(z.rows, z.cols, [x / tot for x in e])


def _needs_witness(*_):
    raise KernelError("an abstract σ needs a witness polynomial (the certificate gives none)")


def ball_functions(activation: str, witness) -> SimpleNamespace:
    """σ, σ′ (the activation's, or the witness polynomial's when σ is abstract), tanh, the logistic function, exp,
    log and softmax on dual balls. ``used`` records whether σ was evaluated (a witness then belongs to the point)."""
    out = SimpleNamespace(used=False)
    if activation == "abstract":
        if witness is None:
            s = ds = _needs_witness
        else:
            if not witness or not all(isinstance(c, int) and not isinstance(c, bool) for c in witness):
                raise KernelError(f"the witness σ {witness!r} is not a polynomial with integer coefficients")
            c0 = [int(c) for c in witness]
            c1 = [k * c for k, c in enumerate(c0)][1:]
            c2 = [k * c for k, c in enumerate(c1)][1:]
            s, ds = _polynomial(c0, c1), _polynomial(c1, c2)
    elif witness is not None:
        raise KernelError(f"the claim fixes σ = {activation}; a witness σ is not in its domain")
    elif activation == "tanh":
        s, ds = _tanh, _dtanh
    elif activation == "logistic":
        s, ds = _logistic, _dlogistic
    elif activation == "identity":
        s, ds = (lambda x: (x, arb(1))), (lambda x: (arb(1), arb(0)))
    else:
        raise Unsupported(f"activation {activation!r} is unknown to the kernel")

    def used(fn):
        lifted = _lift(fn)

        def apply(v):
            out.used = True
            return lifted(v)

        return apply

    out.sigma, out.dsigma = used(s), used(ds)
    out.tanh, out.dtanh, out.logistic = _lift(_tanh), _lift(_dtanh), _lift(_logistic)
    out.exp, out.log, out.softmax = _lift(_exp), _lift(_log), _softmax
    return out


# ----- losses ----------------------------------------------------------------------------------------------------


def _scalar(v) -> BallScalar:
    if isinstance(v, BallMat):
        if v.shape != (1, 1):
            raise KernelError(f"a loss is a scalar, not a {v.rows}×{v.cols} matrix")
        return v[0, 0]
    return v if isinstance(v, BallScalar) else BallScalar(ball(v))


def _loss_of(kind: str, cell, f, witness):
    """E(o, y) on dual balls: squared, cross-entropy, the cell's own, or Σ q(o_i − y_i) for a witness q."""
    if kind == "cell":
        return lambda o, y: _scalar(cell.loss(BallMat.entries(len(o), 1, o), BallMat.entries(len(y), 1, y), f))
    if kind == "abstract":
        if not witness or not all(isinstance(c, int) and not isinstance(c, bool) for c in witness):
            raise KernelError(f"the witness loss {witness!r} is not a polynomial with integer coefficients")

        def q(d: BallScalar) -> BallScalar:
            out = BallScalar(arb(0))
            for c in reversed(witness):
                out = out * d + c
            return out

        return lambda o, y: sum((q(a - b) for a, b in zip(o, y)), BallScalar(arb(0)))
    if kind == "squared":
        return lambda o, y: sum(((a - b) * (a - b) for a, b in zip(o, y)), BallScalar(arb(0))) / 2
    if kind == "cross-entropy":
        return lambda o, y: -sum((b * f.log(a) for a, b in zip(o, y)), BallScalar(arb(0)))
    raise Unsupported(f"loss={kind!r} is not replayed in balls")


class _LazyLoss:
    """A step's loss E_k, evaluated the first time it is read (the point then needs y_k)."""

    def __init__(self, make):
        self.make, self.got = make, None

    def value(self):
        if self.got is None:
            self.got = self.make()
        return self.got


def _force(v):
    return v.value() if isinstance(v, _LazyLoss) else v


# ----- the model -------------------------------------------------------------------------------------------------


class BallModel(ModularModel):
    """:class:`~.modular.ModularModel` with arb balls for residues: the cell at sizes n, t, m, every input an exact
    rational enclosed in a ball, σ the claim's own function (or the witness polynomial), the current arb
    precision (:func:`~.decide.precision`) the working precision."""

    Mat, Scalar = BallMat, BallScalar

    def __init__(self, cell, *, n: int, t: int, m: int = 1, activation: str = "abstract", loss: str = "abstract",
                 layout: str = "row-major", witness=None, loss_witness=None, values: dict,
                 conventions: dict | None = None):
        for k, v in (("n", n), ("t", t), ("m", m)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise KernelError(f"size {k}={v!r} is not a positive integer")
        self.cell, self.n, self.t, self.m, self.p = cell, n, t, m, None
        if cell.loss is not None and loss in (None, "abstract", "cell"):
            loss = "cell"  # the cell's own loss (as the symbolic model reads it)
        self.loss = "abstract" if loss is None else loss
        self.activation, self.layout, self.conventions = activation, layout, dict(conventions or {})
        self.values = values
        self.f = ball_functions(activation, witness)
        self._loss = None  # ModularModel's loss is over ℤ/p; this model's is _ball_loss (read in _step)
        self._ball_loss = None
        self.loss_used = False
        if cell.output is not None and (self.loss != "abstract" or loss_witness is not None):
            self._ball_loss = _loss_of(self.loss, cell, self.f, loss_witness)
        self._inputs: dict = {}
        self._runs: dict = {}
        self._partials: dict = {}
        self.params = SimpleNamespace(**{name: self.input(name, self.dim(r), self.dim(c))
                                         for name, (r, c) in cell.params.items()})
        bind_parameters(self, vars(self.params))

    def _number(self, x):
        return ball(x)

    def _matrix(self, rows: int, cols: int, entries):
        return arb_mat(rows, cols, list(entries)) if rows and cols else arb_mat(rows, cols)

    def _zeros(self, rows: int, cols: int):
        return _zero_mat(rows, cols)

    def _view(self, seed):
        return _BallView(self, seed)

    def _eye(self, n: int):
        M = arb_mat(n, n)
        for i in range(n):
            M[i, i] = 1
        return M

    def like(self, cell, **changes):
        raise Unsupported("m.like(...) is not replayed in balls")

    def value(self, expr, **values):
        raise Unsupported("m.value(...) is not replayed in balls")

    def _as(self, v):
        return super()._as(_force(v))

    def _step(self, k, prev: dict, params: dict, overrides: dict) -> dict:
        q = super()._step(k, prev, params, overrides)
        if self._ball_loss is not None and "o" in q and not isinstance(q["o"], _NoBatch):
            def make(o=q["o"], k=k):
                self.loss_used = True
                return BallMat.entries(1, 1, [self._ball_loss(list(o), list(self.y(k)))])
            q["E"] = _LazyLoss(make)
        return q

    def at(self, name: str, k: int):
        self._check_step(k)
        return _force(_get(self._run()[k], name, k))

    def _column(self, v) -> list:
        v = self._as(v)
        if v.cols != 1 and v.rows != 1:
            raise KernelError(f"can only differentiate a vector or a scalar, not a {v.rows}×{v.cols} matrix")
        return list(v.tangent().entries())

    def _hstack(self, cols: list) -> BallMat:
        rows = len(cols[0]) if cols else 0
        return BallMat(self._matrix(rows, len(cols), [cols[j][i] for i in range(rows) for j in range(len(cols))]))


class _BallView(_View):
    def at(self, name, k):
        return _force(super().at(name, k))


# ----- the refutation --------------------------------------------------------------------------------------------


def sides(claim, size: dict, values: dict, witness, loss_witness, bits: int, *, activation: str | None = None,
          whole: bool = False):
    """The claim's two sides at the point in balls at ``bits`` of precision (values only), and the model.
    ``activation``: σ for this run where it is not the claim's own (domain.witness: a real σ for a claim about every
    σ); ``whole``: each entry function read whole (:func:`_whole_reading`, the expression the ℤ/p reading runs), not
    by its signs."""
    if claim.model is None:
        raise Unsupported("the ball refutation covers claims about a model")
    with precision(bits):
        if whole:
            WHOLE_READING.append(True)
        try:
            model = BallModel(claim.model, n=size.get("n", 1), t=size.get("t", 1), m=size.get("m", 1),
                              activation=activation or claim.activation, loss=claim.loss,
                              layout=claim.conventions.get("layout", "row-major"), witness=witness,
                              loss_witness=loss_witness, values=values, conventions=claim.conventions)
            with literal():  # the kernel reads the check as Python does (notation.literal)
                out = two_sides(claim.check(model))
                lhs, rhs = (model._as(s) for s in out)
        finally:
            if whole:
                WHOLE_READING.pop()
    same_shape(lhs.shape, rhs.shape)
    return lhs, rhs, model


#: a recorded ball as arb prints it ("[0.3215 +/- 3.97e-16]", "[+/- 1.2e-5]") or a plain decimal: nothing else
_BALL = re.compile(r"^\s*\[?\s*-?(\d+(\.\d*)?(e[-+]?\d+)?)?\s*(\+/-\s*\d+(\.\d*)?(e[-+]?\d+)?)?\s*\]?\s*$")


def _recorded(text: str) -> arb:
    if not isinstance(text, str) or not text.strip() or not _BALL.match(text):
        raise KernelError(f"recorded value {text!r} is not a ball")
    try:
        return arb(text.strip())
    except (ValueError, TypeError):
        raise KernelError(f"recorded value {text!r} is not a ball") from None


def _replay(claim, cert):
    """The premises of a ball certificate, then the sides' balls at its entry recomputed at its precision."""
    from .check import _loss_witness, _rational, _size, _witness

    size = _size(claim, cert)
    bits = getattr(cert, "precision", None)
    if isinstance(bits, bool) or not isinstance(bits, int) or not MIN_PRECISION <= bits <= MAX_PRECISION:
        raise KernelError(f"the precision {bits!r} is not a number of bits in [{MIN_PRECISION}, {MAX_PRECISION}]")
    if getattr(cert, "modulus", None) is not None:
        raise KernelError("a refutation in balls names no modulus")
    witness = _witness(claim, cert.sigma)
    loss = _loss_witness(claim, getattr(cert, "loss", None))
    values = {name: _rational(name, v) for name, v in cert.point.items()}
    lhs, rhs, _ = sides(claim, size, values, witness, loss, bits)
    if cert.entry is None or len(cert.entry) != 2:
        raise KernelError("the certificate names no entry")
    i, j = cert.entry
    if not (isinstance(i, int) and isinstance(j, int) and 0 <= i < lhs.rows and 0 <= j < lhs.cols):
        raise KernelError(f"entry {tuple(cert.entry)} is outside the {lhs.rows}×{lhs.cols} sides")
    with precision(bits):
        a, b = lhs.val[i, j], rhs.val[i, j]
        for name, mine, recorded in (("lhs", a, cert.lhs), ("rhs", b, cert.rhs)):
            # the verdict rests on the balls recomputed here; a recorded ball that cannot hold the same value is
            # refused
            if recorded and not _recorded(recorded).overlaps(mine):
                raise KernelError(f"recorded {name} {recorded} is not the recomputed {mine.str(10)}")
        return size, bits, a - b


def difference_ball(claim, cert) -> arb:
    """The kernel's own ball of lhs − rhs at the certificate's point, entry and precision (KernelError if the
    premises fail)."""
    return _replay(claim, cert)[2]


def verify_balls(claim, cert):
    """Does the certificate refute the identity ``claim`` by a ball of lhs − rhs that excludes 0? (module
    docstring)"""
    from .check import Verification

    try:
        size, bits, d = _replay(claim, cert)
    except KernelError as e:
        return Verification(False, str(e))
    except Exception as e:  # the check itself raised at the point: not a refutation
        return Verification(False, f"the check does not run in balls at the point: {type(e).__name__}: {e}")
    if d.is_nan() or d.contains(0):
        return Verification(False, f"the ball of lhs − rhs at entry {tuple(cert.entry)} contains 0 at {bits} bits "
                                   f"({d.str(5)}): not a refutation")
    with precision(bits):
        said = d.str(6)
    reason = (f"lhs − rhs ∈ {said} ∌ 0 at entry {tuple(cert.entry)}, so the exact value there is not 0 (truth by "
              f"forward mode in arb ball arithmetic at {bits} bits, at an exact rational point; tanh, the logistic "
              "function, exp and log rigorously enclosed)")
    return Verification(True, reason, _issue(Refuted, claim.id, size, IDENTITY, reason))


def _guard_text_of_values():
    from ..concrete import guard_value_text

    guard_value_text(BallScalar, BallMat)


_guard_text_of_values()
