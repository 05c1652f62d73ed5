"""The kernel's ℤ/p reading of free-variable claims, beyond its exact model's reach (issue 19, item 2).

A claim of free vectors and matrices (``variables=``, no model) at a size beyond random_check.REACH was `holds` on
the engine's normal form alone: the kernel's exact replay (free.py: jets over ℚ) costs minutes there (A·A⁻¹ at
n = 8). Here the same replay runs with another number type under the jets (free.VALUES): each entry of each
variable is a residue drawn uniformly modulo a fresh prime p ∈ [2⁶², 2⁶³), the proof's check runs unchanged on
free.py's :class:`~.free.Jet` and :class:`~.free.JetMatrix` (sums, products, kron, indexing, inverses by
elimination, ``v.d`` by forward mode, second derivatives by jets of order 2), and every value carries the bound of
modular.py's "Degrees" and "Heights" (its rules, ``_dadd``/``_dmul``/``_dinv``/``_dpow``/``_cdeg``, not copies).

What a residue means. Every operation is +, −, × or a division by a residue that is a unit (a divisor ≡ 0 makes
the draw useless: another prime and point are drawn, up to random_check.REDRAWS), so the residue computed is the
image of the sides' rational value at the point, as in modular.py. exp, log, tanh, the logistic function, sin, cos,
roots s ↦ s^r and σ are modular.RandomFunctions (their tables and degree bounds, reused), fresh values per residue
of the argument that keep their differential equations; |·|, max, min and a declared sign have no reading here
(their degree is not bounded): refused, and the caller keeps what it said before.

The structural zero. A residue compares equal to 0 only when its bound says it is the zero polynomial (a constant
0, an absent term), never because its residue happens to be 0: a branch of free.py on ``v == 0`` (a pivot, a term
skipped) is then the same at every point, so the run is one straight-line program and its bound is the bound of
the rational function it computes (a residue 0 met as a pivot is a divisor that is not a unit: another draw).

The error. A trial keeps the first of up to REDRAWS independent draws (prime and point) at which every divisor is
a unit; a false claim passes only if one of those draws is bad, so with E the kernel's bound of one draw (modular:
D + (2S − 1)·Σw, plus CONTENT_UNITS·⌊H/62⌋ for a prime dividing a content), a trial's error is ≤ E·2^−(62 − 5)
(REDRAWS = 32 draws, a union bound). Where the run met a log, a root or a division (a value that exists on part of
the domain only), a point where the sides have a value is shown by :func:`witness`: the same check on jets of arb
balls (the true functions, σ the logistic function) at exact dyadic points, every divisor's ball excluding 0 and
every log's and root's argument's ball > 0 (domain.py's argument, for free variables).
"""
from __future__ import annotations

import math
import random

import sympy as sp
from flint import arb, fmpz

from ..notation import literal
from . import free, modular
from .dual import KernelError, Unsupported, same_shape, two_sides
from .model import Draws
from .modular import VAR, RandomFunctions, _cdeg, _dadd, _dinv, _dmax, _dmul, _dpow, _partial, residue


class ZeroResidue(KernelError):
    """A divisor whose residue is 0 (not structurally 0): the draw is not one the modular check can use."""


class Residue:
    """A value over ℤ/p with its bound (dn, dd, hn, hd, c) (modular.py, "Degrees" and "Heights"; None: the zero
    polynomial)."""

    __slots__ = ("deg", "p", "v")
    _op_priority = 32.0

    def __init__(self, v: int, p: int, deg):
        self.v, self.p, self.deg = v % p, p, deg

    @staticmethod
    def const(x, p: int) -> Residue:
        if isinstance(x, Residue):
            return x
        return Residue(residue(x, p), p, _cdeg(x))

    def _of(self, o) -> Residue:
        if isinstance(o, Residue):
            if o.p != self.p:
                raise KernelError("values of two moduli are mixed")
            return o
        if isinstance(o, (int, sp.Rational)) and not isinstance(o, bool):
            return Residue.const(o, self.p)
        if isinstance(o, sp.Basic) and o.is_number and o.is_Rational:
            return Residue.const(o, self.p)
        raise Unsupported(f"{sp.sstr(o)[:60] if isinstance(o, sp.Basic) else type(o).__name__} has no value in "
                          "ℤ/p here")

    def __add__(self, o):
        if isinstance(o, free.Jet):
            return NotImplemented
        o = self._of(o)
        return Residue(self.v + o.v, self.p, _dadd(self.deg, o.deg))

    __radd__ = __add__

    def __neg__(self):
        return Residue(-self.v, self.p, self.deg)

    def __sub__(self, o):
        if isinstance(o, free.Jet):
            return NotImplemented
        return self + (-self._of(o))

    def __rsub__(self, o):
        return self._of(o) + (-self)

    def __mul__(self, o):
        if isinstance(o, free.Jet):
            return NotImplemented
        o = self._of(o)
        return Residue(self.v * o.v, self.p, _dmul(self.deg, o.deg))

    __rmul__ = __mul__

    def inverse(self) -> Residue:
        _partial("a division")
        if self.deg is None:
            raise free.ZeroDenominator()
        if self.v == 0:
            raise ZeroResidue("a divisor ≡ 0 modulo p")
        return Residue(pow(self.v, -1, self.p), self.p, _dinv(self.deg))

    def __truediv__(self, o):
        if isinstance(o, free.Jet):
            return NotImplemented
        if isinstance(o, (int, sp.Rational)) and not isinstance(o, bool) and o != 0:
            return self * Residue.const(1 / sp.Rational(o), self.p)
        return self * self._of(o).inverse()

    def __rtruediv__(self, o):
        return self._of(o) * self.inverse()

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, sp.Integer)):
            raise Unsupported(f"only integer powers of a residue, not {k!r}")
        k = int(k)
        if k < 0:
            return (self ** -k).inverse()
        return Residue(pow(self.v, k, self.p), self.p, _dpow(self.deg, k))

    def __eq__(self, o):
        """Equal to 0 only when structurally 0 (the module docstring); no other comparison is answered."""
        if isinstance(o, (int, sp.Integer)) and not isinstance(o, bool) and o == 0:
            return self.deg is None
        if isinstance(o, Residue):
            return self.deg is None and o.deg is None
        return False

    def __ne__(self, o):
        return not self.__eq__(o)

    __hash__ = object.__hash__

    def _sympy_(self):
        raise sp.SympifyError("a residue is no SymPy number")

    def __repr__(self):
        return f"Residue({self.v} mod {self.p})"


_NAMES = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.sin: "sin", sp.cos: "cos"}


class ModularValues:
    """free.VALUES for residues: the random functions of modular.RandomFunctions, with their degree bounds; each
    application is a site (an upper bound on the distinct arguments: modular.py, "Degrees")."""

    def __init__(self, rf: RandomFunctions, p: int):
        self.rf, self.p = rf, p
        #: the named functions applied (exp, log, a root, sin, …): each forgets a law of the true one (e^(a+b),
        #: (√s)² = s, sin² + cos² = 1), so a difference where one was applied decides nothing (σ is any σ)
        self.named: set = set()

    def number(self, x):
        return x if isinstance(x, Residue) else Residue.const(x, self.p)

    def _value(self, x: free.Jet) -> Residue:
        return self.number(x.v)

    def _compose(self, x: free.Jet, name: str, vals: tuple, degs: tuple) -> free.Jet:
        f0, f1, f2 = (Residue(v, self.p, d) for v, d in zip(vals, degs))
        return x._compose(f0, f1, f2 / 2)

    def _function(self, name: str, x: free.Jet) -> free.Jet:
        a = self._value(x)
        if name == "log" or name.startswith("root"):
            _partial(name)
        self.named.add(name)
        self.rf._site(a.deg, 1)
        return self._compose(x, name, self.rf.at(name, a.v), self.rf.degrees(name, a.deg))

    def apply(self, func, x: free.Jet) -> free.Jet:
        from ..functions import logistic

        name = _NAMES.get(func) or ("logistic" if func is logistic else None)
        if name is None:
            raise Unsupported(f"{getattr(func, '__name__', func)} has no reading over ℤ/p here")
        return self._function(name, x)

    def sigma(self, k, x: free.Jet) -> free.Jet:
        a = self._value(x)
        # the abstract σ's tables are "σ^(j)"; a function of the user's own has its own, by its name, in a namespace
        # no σ table shares (a user's sp.Function("σ") is not symderiv's σ: the exact trial draws them apart too)
        base, j = ((f"fn:{k[0]}", k[1]) if isinstance(k, tuple) else ("σ", k))
        vals, degs = [], []
        for i in range(3):  # σ^(j), σ^(j+1), σ^(j+2): each order its own random function (a table, a site)
            self.rf._site(a.deg, 1)
            vals.append(self.rf.at(f"{base}^({j + i})", a.v)[0])
            degs.append(VAR)
        return self._compose(x, base, tuple(vals), tuple(degs))

    def power(self, x: free.Jet, k) -> free.Jet:
        k = sp.Rational(k)
        whole = math.floor(k)
        r = k - whole
        out = self._function(modular.root_name(r), x)
        return out * x ** int(whole) if whole else out

    def refuse(self, what: str):
        raise Unsupported(f"{what} has no reading over ℤ/p here (its degree is not bounded)")

    def nonzero(self, v) -> bool:
        return self.number(v).v != 0


class _using:
    """``with _using(values):`` free.py's jets hold ``values``'s numbers (free.VALUES and free.number)."""

    def __init__(self, values):
        self.values = values

    def __enter__(self):
        self.saved = free.VALUES, free.number
        free.VALUES, free.number = self.values, self.values.number
        return self

    def __exit__(self, *exc):
        free.VALUES, free.number = self.saved
        return False


def _entries(side, number) -> tuple[tuple, list]:
    """A side as (shape, its entries' values), read back from jets, kernel matrices or SymPy of kernel values."""
    if isinstance(side, sp.MatrixBase):
        side = free.JetMatrix.of(side) if any(isinstance(x, sp.Basic) and x.has(free.Carried) for x in side) \
            else side
    elif isinstance(side, sp.Basic) and side.has(free.Carried):
        side = free.Jet.of(side)
    if isinstance(side, free.JetMatrix):
        return side.shape, [number(x.v) for x in side.e]
    if isinstance(side, free.Jet):
        return (1, 1), [number(side.v)]
    if isinstance(side, sp.MatrixBase):
        return side.shape, [number(x) for x in side]
    return (1, 1), [number(side)]


def run(claim, size: dict, values, point: dict):
    """The check on the claim's variables at ``point`` in ``values``'s numbers: (lhs, rhs) as lists of numbers,
    jets of order 0 first (no derivative), then 1, then 2 (free.NeedsOrder)."""
    for order in range(free.MAX_ORDER + 1):
        with _using(values):
            ns = free.ExactVariables(claim.variables, size, point, claim.conventions, order)
            try:
                with literal():
                    out = claim.check(ns)
            except free.NeedsOrder:
                if order == free.MAX_ORDER:
                    raise Unsupported(f"a derivative of order {free.MAX_ORDER + 1} or more") from None
                continue
            out = two_sides(out)
            (s1, a), (s2, b) = _entries(out[0], values.number), _entries(out[1], values.number)
        same_shape(s1, s2)
        return a, b
    raise AssertionError("unreachable")


def trial(claim, size: dict, rng: random.Random, draws: int):
    """One trial: up to ``draws`` independent (prime, point) draws, the first where every divisor is a unit kept.
    Returns (p, bad entry or None, lhs degree, rhs degree, the RandomFunctions, the named functions applied), or None when every draw met a
    divisor 0 (structurally or by residue)."""
    for _ in range(draws):
        while True:
            p = rng.randrange(2 ** 62, 2 ** 63)
            if fmpz(p).is_prime():
                break
        draw = lambda p=p: rng.randrange(p)
        rf = RandomFunctions(draw, p)
        point = Draws(lambda p=p, draw=draw: Residue(draw(), p, VAR))
        values = ModularValues(rf, p)
        try:
            a, b = run(claim, size, values, point)
        except (ZeroResidue, free.ZeroDenominator):
            continue
        bad = next((k for k, (x, y) in enumerate(zip(a, b)) if x.v != y.v), None)
        return p, bad, _dmax([x.deg for x in a]), _dmax([y.deg for y in b]), rf, sorted(values.named)
    return None


# ----- a point where the sides have a value: jets of arb balls, the true functions --------------------------------

class NoValue(free.OutsideDomain):
    """A ball that does not show the operation has a value (a divisor's ball holds 0, a log's argument's is not > 0)."""


class Ball:
    """A real number as an arb ball (a value of the witness run)."""

    __slots__ = ("v",)
    _op_priority = 32.0

    def __init__(self, v):
        self.v = v if isinstance(v, arb) else _ball(v)

    def _of(self, o):
        if isinstance(o, Ball):
            return o
        if isinstance(o, (int, sp.Rational)) and not isinstance(o, bool):
            return Ball(_ball(o))
        raise Unsupported(f"{type(o).__name__} has no ball here")

    def __add__(self, o):
        if isinstance(o, free.Jet):
            return NotImplemented
        return Ball(self.v + self._of(o).v)

    __radd__ = __add__

    def __neg__(self):
        return Ball(-self.v)

    def __sub__(self, o):
        if isinstance(o, free.Jet):
            return NotImplemented
        return Ball(self.v - self._of(o).v)

    def __rsub__(self, o):
        return Ball(self._of(o).v - self.v)

    def __mul__(self, o):
        if isinstance(o, free.Jet):
            return NotImplemented
        return Ball(self.v * self._of(o).v)

    __rmul__ = __mul__

    def inverse(self):
        if self.v.contains(0):
            if self.v.is_zero():
                raise free.ZeroDenominator()
            raise NoValue("a divisor's ball holds 0")
        return Ball(1 / self.v)

    def __truediv__(self, o):
        if isinstance(o, free.Jet):
            return NotImplemented
        return self * self._of(o).inverse()

    def __rtruediv__(self, o):
        return self._of(o) * self.inverse()

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, sp.Integer)):
            raise Unsupported(f"only integer powers of a ball, not {k!r}")
        k = int(k)
        if k < 0:
            return (self ** -k).inverse()
        return Ball(self.v ** k) if k else Ball(arb(1))

    def __eq__(self, o):
        if isinstance(o, (int, sp.Integer)) and not isinstance(o, bool) and o == 0:
            return self.v.is_zero()
        return False

    def __ne__(self, o):
        return not self.__eq__(o)

    __hash__ = object.__hash__

    def _sympy_(self):
        raise sp.SympifyError("a ball is no SymPy number")


def _ball(x) -> arb:
    if isinstance(x, Ball):
        return x.v
    if isinstance(x, bool):
        raise Unsupported("a boolean is not a number")
    if isinstance(x, int):
        return arb(x)
    if isinstance(x, sp.Basic) and x.is_Rational:
        return arb(int(x.p)) / int(x.q)
    raise Unsupported(f"{sp.sstr(x)[:60] if isinstance(x, sp.Basic) else type(x).__name__} has no ball here")


def _logistic_orders(k: int, tanh: bool = False) -> list:
    """The polynomials P_j(s) with logistic^(j) = P_j(logistic), j ≤ k (P₀ = s, P_{j+1} = P_j′(s)·s(1 − s)); with
    ``tanh``, those of tanh (P_{j+1} = P_j′(s)·(1 − s²))."""
    s = sp.Symbol("s")
    out = [s]
    for _ in range(k):
        out.append(sp.expand(sp.diff(out[-1], s) * ((1 - s * s) if tanh else s * (1 - s))))
    return [sp.Poly(q, s).all_coeffs() for q in out]


_LOGISTIC = _logistic_orders(4)
_TANH = _logistic_orders(4, tanh=True)


def _horner(cs, x: arb) -> arb:
    acc = arb(0)
    for c in cs:
        acc = acc * x + _ball(c)
    return acc


class BallValues:
    """free.VALUES for arb balls: the true functions (σ and a function of the user's own: the logistic function, one
    real σ of the every σ the claim is about), each domain shown by a ball."""

    def __init__(self, sigma: str = "logistic"):
        #: the σ (and function of the user's own) the balls run: the logistic function (the witness), or tanh (a
        #: second σ for :func:`refute`: a claim about every σ is refuted by any one)
        self.sigma_is = sigma

    def number(self, x):
        return x if isinstance(x, Ball) else Ball(_ball(x))

    def _at(self, name: str, a: arb, r=None) -> tuple:
        if name == "exp":
            e = a.exp()
            return e, e, e
        if name in ("log", "root"):
            if not a > 0:
                raise NoValue(f"a {name}'s argument's ball is not > 0")
            if name == "log":
                return a.log(), 1 / a, -1 / (a * a)
            q = _ball(r)
            v = (q * a.log()).exp()
            return v, q * v / a, q * (q - 1) * v / (a * a)
        if name == "tanh":
            t = a.tanh()
            return t, 1 - t * t, -2 * t * (1 - t * t)
        if name == "sin":
            return a.sin(), a.cos(), -a.sin()
        if name == "cos":
            return a.cos(), -a.sin(), -a.cos()
        s = 1 / (1 + (-a).exp())  # logistic
        return tuple(_horner(_LOGISTIC[j], s) for j in range(3))

    def _compose(self, x, vals):
        f0, f1, f2 = (Ball(v) for v in vals)
        return x._compose(f0, f1, f2 / 2)

    def apply(self, func, x):
        from ..functions import logistic

        name = _NAMES.get(func) or ("logistic" if func is logistic else None)
        if name is None:
            raise Unsupported(f"{getattr(func, '__name__', func)} has no ball reading here")
        return self._compose(x, self._at(name, self.number(x.v).v))

    def sigma(self, k, x):
        j = k[1] if isinstance(k, tuple) else k
        a = self.number(x.v).v
        s, polys = (a.tanh(), _TANH) if self.sigma_is == "tanh" else (1 / (1 + (-a).exp()), _LOGISTIC)
        if j + 2 >= len(polys):
            raise Unsupported("a derivative of σ beyond the witness's")
        return self._compose(x, tuple(_horner(polys[j + i], s) for i in range(3)))

    def power(self, x, k):
        k = sp.Rational(k)
        whole = math.floor(k)
        out = self._compose(x, self._at("root", self.number(x.v).v, k - whole))
        return out * x ** int(whole) if whole else out

    def refuse(self, what: str):
        raise Unsupported(f"{what} has no ball reading here")

    def nonzero(self, v) -> bool:
        return not self.number(v).v.contains(0)


#: the witness's draws: positive entries first, then signed, then negative (domain.SIGNS), each k/2^6, 1 ≤ k < 2^7
SIGNS = ("positive", "signed", "negative")


def witness(claim, size: dict, rng: random.Random) -> tuple[bool | None, str]:
    """(True, how): the sides have a value at an exact dyadic point of this size (every divisor's ball excludes 0,
    every log's and root's argument's ball > 0, each side's ball finite); (False, why): none of the tries shows one;
    (None, why): the balls do not run the check."""
    from .decide import precision

    said = ""
    for k, signs in enumerate(SIGNS):
        def make(signs=signs):
            v = sp.Rational(rng.randrange(1, 2 ** 7), 2 ** 6)
            return Ball(_ball(-v if signs == "negative" or (signs == "signed" and rng.random() < 0.5) else v))
        try:
            with precision(128):
                a, b = run(claim, size, BallValues(), Draws(make))
        except (NoValue, free.ZeroDenominator, free.OutsideDomain) as e:
            said = str(e) or type(e).__name__
            continue
        except Exception as e:  # noqa: BLE001 (the balls do not run the check: nothing shown, never a verdict)
            return None, f"its check does not run in balls: {type(e).__name__}: {str(e)[:120]}"
        if not all(x.v.is_finite() for x in (*a, *b)):
            said = "a side's ball is not finite"
            continue
        return True, (f"the sides have a value at a point of this size: its check ran in arb balls at 128 bits at an "
                      f"exact dyadic point ({signs} entries), every divisor's ball excluding 0 and every log's and "
                      f"root's argument's ball > 0 (try {k + 1} of {len(SIGNS)})")
    return False, f"no value of the sides shown at any of the {len(SIGNS)} points the kernel tried in arb balls: {said}"


def refute(claim, size: dict, rng: random.Random) -> str | None:
    """Where the ℤ/p run differs after a random exp, log, root, sin, cos, tanh or logistic (a law it forgets may
    explain the difference, so the difference decides nothing): a point of this size where both sides have a value
    in arb balls (the true functions; σ and a function of the user's own the logistic function, then tanh: one
    instance of the every σ the claim is about) and an entry's two balls are disjoint: the claim is false there, a
    sentence saying so. None where no such point is shown (the caller keeps what it said before)."""
    from .decide import precision

    for sigma in ("logistic", "tanh"):
        for signs in SIGNS:
            def make(signs=signs):
                v = sp.Rational(rng.randrange(1, 2 ** 7), 2 ** 6)
                return Ball(_ball(-v if signs == "negative" or (signs == "signed" and rng.random() < 0.5) else v))
            try:
                with precision(128):
                    a, b = run(claim, size, BallValues(sigma), Draws(make))
            except Exception:  # noqa: BLE001 (no value there, or the balls do not run the check: nothing shown)
                continue
            for k, (x, y) in enumerate(zip(a, b)):
                if x.v.is_finite() and y.v.is_finite() and not x.v.overlaps(y.v):
                    return (f"entry {k} of the sides differs at an exact dyadic point of this size ({signs} entries): "
                            f"its check ran in arb balls at 128 bits with the true functions (σ and a function of the "
                            f"user's own read as {sigma}), every divisor's ball excluding 0 and every log's and root's "
                            f"argument's ball > 0, and the two sides' balls are disjoint")
    return None
