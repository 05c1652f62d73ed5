"""Elementwise functions over F_p: σ and its derivatives, tanh, the logistic, exp, log, rational powers,
sin, cos and reciprocals as random atoms with their derivative rules; ``applyfunc``'s reading of an
expression (see the package docstring, "Concrete functions" and after)."""
from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from ..functions import logistic
from .field import Unsupported, _batch_now
from .values import ScalarVal, Val, _add, _as_scalar, _column, _entry_sum, _ew, _filled, _matmul, _scale


def _recip_scalar(o: Val) -> "ScalarVal":
    """1/o for a scalar value (its field inverse: a reciprocal site, see "Quotients")."""
    if o.shape != (1, 1):
        raise Unsupported(f"over F_p, a value is divided by a scalar, not by a {o.rows}×{o.cols} matrix")
    return _as_scalar(_fvalue(_batch_now(), "recip", 0, o))


def _softmax_val(z: Val) -> Val:
    batch = _batch_now()
    e = _fvalue(batch, "exp", 0, _column(z))
    return _matmul(e, _fvalue(batch, "recip", 0, _entry_sum(e)))


#: the functions an expression read by _walk may apply to an entry: the very classes (SymPy's own, symderiv's
#: logistic) and their families. A function is recognised by identity, never by its name: a proof file's own
#: ``sp.Function("tanh")``, a class named ``logistic`` or a subclass of ``sp.tanh`` has no derivative rule the
#: exact engine knows, so it is refused here as there (issue 19 item 5).
_WALK_FUNCTIONS = ((sp.exp, "exp"), (sp.log, "log"), (sp.tanh, "tanh"), (logistic, "logistic"), (sp.sin, "sin"),
                   (sp.cos, "cos"))
#: the families by name (what the report and the tests name), not a way of recognising a function
_WALK_FAMILIES = {name: name for _, name in _WALK_FUNCTIONS}


def _walk_family(e) -> str | None:
    """The family of a function application e when its class is one of _WALK_FUNCTIONS itself, else None."""
    cls = type(e)
    for fn, family in _WALK_FUNCTIONS:
        if cls is fn:
            return family
    return None


def root_family(r: Fraction) -> str:
    """The family of the atom s^r for a rational 0 < r < 1 (``"pow1/2"``: √s), see "Square roots"."""
    return f"pow{r.numerator}/{r.denominator}"


def reads_alike(fn) -> None:
    """Unsupported when fn is not the expression it gives on a symbol: every reading (F_p's, the kernel's) reads
    that expression, while the claim means fn itself, so a function that asks what its argument is (a Dummy or a
    number, its assumptions, whether it is 0) is refused. fn is probed at a few numbers; a probe where fn raises, or
    where it or the expression has a pole (0/0 that SymPy's symbol folds), is skipped. The test is the kernel's own
    (kernel.modular.reads_alike: decided exactly, never by floats), so F_p and the kernel read fn alike."""
    from ..kernel import modular
    from ..kernel.dual import Unsupported as KernelUnsupported

    a = sp.Dummy("a")
    try:
        e = sp.sympify(fn(a))
    except Exception:
        return
    if not isinstance(e, sp.Expr):
        return
    try:
        modular.reads_alike(fn, e, a)
    except KernelUnsupported as err:
        raise Unsupported(str(err)) from None


def _walk(fn, x, ops):
    """fn of each entry of x, read from fn's SymPy expression on a symbol: +, ×, rational powers (a negative
    integer part through a reciprocal, a fractional part r as the atom s^r), exp, log, sin, cos, tanh, the
    logistic, |·|, max and min (through a sign atom: module docstring, "|·|, max and min"), rational constants.
    Each operation is the
    backend's own (so a Dual records its tape and every bound is carried)."""
    a = sp.Dummy("a")
    e = sp.sympify(fn(a))
    seen: dict = {}

    def go(e):
        if e in seen:
            return seen[e]
        if e == a:
            out = x
        elif isinstance(e, sp.Rational):
            out = ops.const(Fraction(int(e.p), int(e.q)))
        elif type(e) is sp.Add:
            out = None
            for t in e.args:
                r = go(t)
                out = r if out is None else ops.add(out, r)
        elif type(e) is sp.Mul:
            c, rest = e.as_coeff_Mul()
            if c != 1 and isinstance(c, sp.Rational):
                out = ops.scale(go(rest), Fraction(int(c.p), int(c.q)))
            else:
                out = None
                for t in e.args:
                    r = go(t)
                    out = r if out is None else ops.mul(out, r)
        elif type(e) is sp.Pow and type(e.base) is sp.Abs and isinstance(e.exp, sp.Integer) and e.exp % 2 == 0:
            # |u|^(2k) = u^(2k): an identity of the real numbers, read exactly (not through the sign atom)
            out = go(e.base.args[0] ** e.exp)
        elif type(e) is sp.Abs:  # |u| = S(u) · u, S a sign atom of u's value (module docstring, "|·|, max, min")
            out = ops.fn("abs", go(e.args[0]))
        elif type(e) in (sp.Max, sp.Min):  # max(a, b) = (a + b + |a − b|)/2, min(a, b) = (a + b − |a − b|)/2, folded
            args = [go(t) for t in e.args]
            out = args[0]
            sign = Fraction(1 if type(e) is sp.Max else -1)
            for b in args[1:]:
                spread = ops.fn("abs", ops.add(out, ops.scale(b, Fraction(-1))))
                out = ops.scale(ops.add(ops.add(out, b), ops.scale(spread, sign)), Fraction(1, 2))
        elif type(e) is sp.Pow and isinstance(e.exp, sp.Rational):
            # s^(k + r), 0 ≤ r < 1: s^k (a reciprocal if k < 0) times the atom s^r
            q = Fraction(int(e.exp.p), int(e.exp.q))
            k, r = math.floor(q), q - math.floor(q)
            b = go(e.base)
            root = ops.fn(root_family(r), b) if r else None
            if k < 0:
                b, k = ops.fn("recip", b), -k
            out = None
            for _ in range(k):
                out = b if out is None else ops.mul(out, b)
            out = root if out is None else out if root is None else ops.mul(out, root)
            if out is None:
                out = ops.const(Fraction(1))
        elif len(e.args) == 1 and (family := _walk_family(e)) is not None:
            out = ops.fn(family, go(e.args[0]))
        elif getattr(e.func, "__name__", None) in _WALK_FAMILIES:  # the name only words the refusal
            raise Unsupported(f"applyfunc of {e}: this {e.func.__name__} is a function of the proof's own, not "
                              f"SymPy's or symderiv's {e.func.__name__}: F_p knows a function by identity, never by "
                              "name (use the symbolic backends)")
        else:
            raise Unsupported(f"applyfunc of {e}: over F_p an entry's function is built from +, ×, rational powers, "
                              "exp, log, sin, cos, tanh, the logistic, |·|, max and min (use the symbolic backends)")
        seen[e] = out
        return out

    return go(e)


class _ValOps:
    def __init__(self, like: Val):
        self.like = like

    def const(self, c):
        return _filled(c, self.like.rows, self.like.cols, self.like.primes)

    def add(self, p, q):
        return _add(p, q)

    def mul(self, p, q):
        return _ew(p, q, p.rows, p.cols)

    def scale(self, p, c):
        return _scale(p, c)

    def fn(self, family, p):
        return _fvalue(_batch_now(), family, 0, p)


# ----- elementwise functions: σ and its derivatives, tanh, logistic ----------------------------------------
#
# A function is a family and a derivative order. The abstract σ's orders are
# independent random functions (σ, σ', σ'', σ''' … each a table of its own). A
# concrete function is a polynomial in ONE random atom Y per distinct argument:
# tanh: Y = tanh(a), Y' = 1 − Y²; logistic: Y = s(a), Y' = Y(1 − Y); its k-th
# derivative is P_k(Y) with P_0 = Y, P_{k+1} = P_k'(Y) · Y'(Y). This is the
# symbolic engine's reading (tanh(a) an atom, its derivative 1 − tanh(a)²), and
# why it is sound: see the module docstring, "Concrete functions".

#: family -> the atom's derivative as a polynomial in the atom (coefficients c0, c1, c2, …)
CONCRETE = {"tanh": (1, 0, -1), "logistic": (0, 1, -1), "exp": (0, 1)}
#: families whose relations between atoms the relaxation forgets and the report names (exp(a)exp(b) = exp(a + b))
RELAXED = ("exp",)
#: the name a step or a check calls -> (family, order); "sigma" is the claim's activation's family
FUNCTIONS = {"sigma": ("sigma", 0), "dsigma": ("sigma", 1), "ddsigma": ("sigma", 2),
             "tanh": ("tanh", 0), "dtanh": ("tanh", 1), "logistic": ("logistic", 0),
             "exp": ("exp", 0), "log": ("log", 0)}


def _poly_derivative(p: tuple, rel: tuple) -> tuple:
    """(P'(Y) · R(Y)) for P, R given by coefficients."""
    dp = [i * c for i, c in enumerate(p)][1:] or [0]
    out = [0] * (len(dp) + len(rel) - 1)
    for i, a in enumerate(dp):
        for j, b in enumerate(rel):
            out[i + j] += a * b
    while len(out) > 1 and out[-1] == 0:
        out.pop()
    return tuple(out)


def concrete_polynomial(family: str, order: int) -> tuple:
    """P_order of a concrete family: its order-th derivative as a polynomial in the atom."""
    p = (0, 1)
    for _ in range(order):
        p = _poly_derivative(p, CONCRETE[family])
    return p


def _abstract_table(order: int) -> str:
    return ("sigma", "dsigma", "ddsigma")[order] if order < 3 else f"d{order}sigma"


def _fvalue(batch: "_Batch", family: str, order: int, v: Val) -> Val:
    """The order-th derivative of a family at a value (memoised on the value: one site per value object).

    sigma: independent random tables per order; identity; tanh, logistic, exp: one random atom Y per
    argument and every derivative a polynomial in it (CONCRETE); log: a random atom at order 0, and
    log^(k) = (−1)^(k−1) (k−1)! R^k with R the reciprocal of the argument; recip (1/a): R, and
    recip^(k) = (−1)^k k! R^(k+1). A reciprocal is the field inverse of the argument (``_Batch.reciprocal``).
    sin, cos: atoms S, C (two tables), the k-th derivative ±S or ±C; pow r/q (0 < r/q < 1): an atom A and
    A^(k) = (r/q)(r/q − 1)…(r/q − k + 1) A R^k (module docstring, "Square roots").
    """
    memo = v._memo()
    key = ("fn", family, order)
    out = memo.get(key)
    if out is None:
        if family == "sigma":
            out = batch.apply(_abstract_table(order), v)
        elif family == "identity":
            out = v if order == 0 else _filled(Fraction(int(order == 1)), v.rows, v.cols, v.primes)
        elif family == "abs":  # |v| = S ⊙ v, S = sign(v) a mirrored sign atom; |v|' = S, |v|^(k) = 0 for k ≥ 2
            if order == 0:
                batch.relaxed.add("abs")
                out = _ew(_fvalue(batch, "abs", 1, v), v, v.rows, v.cols)
            elif order == 1:
                out = batch.apply_sign(v)
            else:
                out = _filled(Fraction(0), v.rows, v.cols, v.primes)
        elif family in ("sin", "cos"):  # two atoms S, C per argument: sin^(k) = S, C, −S, −C, … (module docstring)
            if order == 0:
                batch.relaxed.add("sin/cos")
                out = batch.apply(family, v)
            else:
                k = order % 4 if family == "sin" else (order + 1) % 4
                out = _fvalue(batch, ("sin", "cos")[k % 2], 0, v)
                if k >= 2:
                    out = _scale(out, Fraction(-1))
        elif family.startswith("pow"):  # s^r, 0 < r < 1: one atom A; A^(k) = r(r − 1)…(r − k + 1) A (1/s)^k
            r = Fraction(family[3:])
            if order == 0:
                batch.relaxed.add(family)
                out = batch.apply(family, v)
            else:
                out = _fvalue(batch, family, 0, v)
                rec = _fvalue(batch, "recip", 0, v)
                coeff = Fraction(1)
                for i in range(order):
                    coeff *= r - i
                    out = _ew(out, rec, v.rows, v.cols)
                out = _scale(out, coeff)
        elif family in ("log", "recip"):
            if family == "log" and order == 0:
                batch.relaxed.add("log")
                out = batch.apply("log", v)
            else:
                r = memo.get("recip")
                if r is None:
                    r = memo["recip"] = batch.reciprocal(v)
                power = order if family == "log" else order + 1
                coeff = (-1) ** (order - 1) * math.factorial(order - 1) if family == "log" else \
                    (-1) ** order * math.factorial(order)
                out = r
                for _ in range(power - 1):
                    out = _ew(out, r, v.rows, v.cols)
                if coeff != 1:
                    out = _scale(out, Fraction(coeff))
        else:
            if family in RELAXED:
                batch.relaxed.add(family)
            Y = _fvalue(batch, family, 0, v) if order else batch.apply(family, v)
            if order:
                coeffs = concrete_polynomial(family, order)
                out = _filled(Fraction(coeffs[-1]), v.rows, v.cols, v.primes)
                for c in reversed(coeffs[:-1]):  # Horner, entrywise
                    out = _add(_ew(out, Y, v.rows, v.cols), _filled(Fraction(c), v.rows, v.cols, v.primes))
            else:
                out = Y
        if isinstance(v, ScalarVal):  # a function of a scalar (E_k, an entry, Σ exp) is a scalar, as in SymPy
            out = _as_scalar(out)
        memo[key] = out
    return out
