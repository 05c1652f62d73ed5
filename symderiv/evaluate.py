"""Fast evaluation of an expression DAG at a point, for the counterexample search.

The search uses this to try many points quickly; it never decides a verdict.
Values are exact ``Fraction``s while every atom is rational (a polynomial σ;
tanh, the logistic, exp at 0), else mpmath floats that only guide the search (certificates.py decides).
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

from .functions import SIGMA_ORDER, PolynomialSigma, logistic


class NotRational(Exception):
    pass


class Kink(ArithmeticError):
    """|·|, sign, max or min (or max's derivative, Heaviside) at its kink, an argument exactly 0 or a tie: the
    kernel's forward mode has no derivative there, so the search takes no candidate there (a guide only)."""


#: the concrete functions whose value at a rational argument is rational, and where: each is 0 or 1 at 0 and
#: irrational at every other rational (Lindemann–Weierstrass), so this is the whole of their rational part
RATIONAL_AT_ZERO = {sp.tanh: Fraction(0), sp.exp: Fraction(1), sp.sin: Fraction(0), sp.cos: Fraction(1),
                     logistic: Fraction(1, 2)}


def _float_fn(e):
    """A one-argument function in floats (to guide a search only): the logistic function, else mpmath's
    function of SymPy's name (tanh, exp, log, sin, cos, atan, sinh, …)."""
    if e.func is logistic:
        return lambda x: 1 / (1 + mpmath.exp(-x))
    f = getattr(mpmath, e.func.__name__, None) if len(e.args) == 1 else None
    if not callable(f):
        raise NotImplementedError(f"cannot evaluate {e.func.__name__}")
    return f


def evaluate(exprs, env: dict, sig: PolynomialSigma | None, *, exact: bool = True):
    """Evaluate expressions at ``env`` (symbol → Fraction) with σ := ``sig``.

    With ``exact=True`` the result is a list of Fractions, or NotRational is
    raised when a transcendental atom appears; with ``exact=False`` mpmath
    numbers at 50 digits.
    """
    out = list(values(exprs, env, sig, exact=exact))
    return [Fraction(int(v.p), int(v.q)) for v in out] if exact else out


def values(exprs, env: dict, sig: PolynomialSigma | None, *, exact: bool = True):
    """Each expression's value in turn, lazily, with one memo over their DAG (what :func:`evaluate` lists).

    Exact values are python-flint ``fmpq`` (C rationals: the search evaluates
    millions of nodes, and ``Fraction`` arithmetic was most of its time); a
    caller that stops at the first value it needs evaluates no more.
    """
    import flint

    memo: dict = {}
    fmpq = flint.fmpq
    at_zero = {f: fmpq(v.numerator, v.denominator) for f, v in RATIONAL_AT_ZERO.items()}
    one, zero = (fmpq(1), fmpq(0)) if exact else (mpmath.mpf(1), mpmath.mpf(0))

    def ev(e):
        r = memo.get(e)
        if r is not None:
            return r
        if e.is_Symbol:
            v = env[e]
            r = fmpq(v.numerator, v.denominator) if exact else mpmath.mpf(v.numerator) / v.denominator
        elif e.is_Rational:
            r = fmpq(int(e.p), int(e.q)) if exact else mpmath.mpf(int(e.p)) / int(e.q)
        elif e.is_Add:
            r = zero
            for a in e.args:
                r = r + ev(a)
        elif e.is_Mul:
            r = one
            for a in e.args:
                r = r * ev(a)
        elif e.is_Pow:
            if e.exp.is_Integer:
                r = ev(e.base) ** int(e.exp)
            elif exact and e.exp.is_Rational and e.exp.q == 2 and ev(e.base) >= 0:
                b = ev(e.base)  # √ of a square rational stays exact (a search point), else not rational
                p, q = sp.integer_nthroot(int(b.p), 2), sp.integer_nthroot(int(b.q), 2)
                if not (p[1] and q[1]):
                    raise NotRational(str(e))
                r = fmpq(p[0], q[0]) ** int(e.exp.p)
            elif exact:
                raise NotRational(str(e))
            else:
                r = ev(e.base) ** ev(e.exp)
        elif e.func is sp.Abs:
            a = ev(e.args[0])
            if exact and a == 0:  # the kink: the kernel's forward mode has no derivative there (no candidate)
                raise Kink("|·| at 0")
            r = abs(a)
        elif e.func is sp.sign:
            a = ev(e.args[0])
            if exact and a == 0:  # d|u| = sign(u) du at u = 0: the kink
                raise Kink("sign at 0")
            r = one if a > 0 else -one if a < 0 else zero
        elif e.func in (sp.Max, sp.Min):  # a guide only: the kernel decides every sign of a candidate itself
            vs = sorted(ev(a) for a in e.args)
            if exact and len(vs) > 1 and (vs[-1] == vs[-2] if e.func is sp.Max else vs[0] == vs[1]):
                raise Kink("a tie of max or min")  # its kink: no candidate there
            r = vs[-1] if e.func is sp.Max else vs[0]
        elif e.func is sp.Heaviside:  # max's derivative: no value at the kink (the point is no candidate there)
            a = ev(e.args[0])
            if a == 0:
                raise Kink("Heaviside at 0: the kink of max or min")
            r = one if a > 0 else zero
        elif e.func in SIGMA_ORDER:
            if sig is None:
                raise ValueError("an abstract σ needs a witness σ to be evaluated")
            order = SIGMA_ORDER[e.func]
            a = ev(e.args[0])
            r = sig.value(a) if order == 0 else sig.derivative(a, order)
        elif e.is_Function:
            if exact:
                if e.func in at_zero and len(e.args) == 1 and ev(e.args[0]) == 0:
                    r = at_zero[e.func]  # an activation at 0: the point stays exact (tanh(0) = 0)
                else:
                    raise NotRational(str(e.func))
            else:
                r = _float_fn(e)(ev(e.args[0]))
        elif e.is_Number:
            if exact:
                raise NotRational(str(e))
            r = mpmath.mpf(sp.N(e, 60))
        else:
            raise NotImplementedError(f"cannot evaluate {type(e).__name__}")
        memo[e] = r
        return r

    for x in exprs:
        if exact:
            yield ev(sp.sympify(x))
        else:
            with mpmath.workdps(50):
                yield ev(sp.sympify(x))
