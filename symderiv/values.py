"""What an exact value is, for the exact path: SymPy numbers, expressions and matrices.

Python ints and fractions are exact and accepted. A float (``1/3``, ``1e-17``)
is an inexact binary fraction that SymPy keeps as a ``Float``, so an identity
could hold or fail by rounding: it is refused, naming the value. A string is
refused rather than parsed (``sympify("W*h")`` would make new symbols that
merely share names with the model's). Used where sides, relations and
side relations (``modulo``) are built.
"""
from __future__ import annotations

import numbers

import sympy as sp

from .errors import ProofFileError

#: why a float is refused, and what to write instead
FLOAT_HINT = ("a Python float (1/3, 1e-17, 0.5) is an inexact binary fraction, and symderiv decides exactly: "
              "write exact numbers, e.g. sp.Rational(1, 3), sp.Integer(10)**-17")


def float_error(value, where: str) -> ProofFileError:
    return ProofFileError(f"{where} contains the float {value}; {FLOAT_HINT}")


#: what SymPy writes for a value it has at no point (1/(x − x) and log(0) are zoo as they are built); ∞ itself is
#: not among them (the bound of a sum or a limit may be ∞)
NOT_A_NUMBER = {sp.zoo: "complex infinity", sp.nan: "not a number"}


def exact_value(x, where: str = "a value"):
    """``x`` as an exact SymPy value; a float, a string, a bool or None is a ProofFileError naming it.

    Strings are refused rather than parsed (``sympify("W*h")`` would make new
    symbols that merely share names with the model's).
    """
    if isinstance(x, str):
        raise ProofFileError(f"{where} is the string {x!r}; strings are not parsed: build values from SymPy "
                             "numbers, symbols and the model's matrices")
    if x is None or isinstance(x, bool):
        raise ProofFileError(f"{where} is {x!r}, not a number")
    if isinstance(x, numbers.Integral):
        return sp.Integer(int(x))
    if isinstance(x, numbers.Rational):
        return sp.Rational(int(x.numerator), int(x.denominator))
    if isinstance(x, numbers.Number):  # float, complex, numpy floats
        raise float_error(x, where)
    if isinstance(x, sp.MatrixBase):
        bad = next((e for e in x if not isinstance(e, sp.Expr)), None)
        if bad is not None:
            raise ProofFileError(f"{where} has the entry {bad!r}, which is not a number")
    elif not isinstance(x, sp.Expr):
        raise ProofFileError(f"{where} is a {type(x).__name__}, not a SymPy number, expression or matrix")
    f = first_float(x)
    if f is not None:
        raise float_error(f, where)
    return x


def nodes(*xs, seen: set | None = None):
    """Every distinct subexpression of expressions or matrices, each once (a DAG walk).

    ``Basic.has`` and ``free_symbols`` walk an expression as a tree, which is
    exponential in t for an unrolled model; every walk over sides uses this.
    A value that is not a SymPy object is yielded as it is, without children.
    """
    seen = set() if seen is None else seen
    stack = [e for x in xs for e in (list(x) if isinstance(x, sp.MatrixBase) else [x])]
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        yield e
        if isinstance(e, sp.Basic):
            stack.extend(e.args)


def first_float(x):
    """A Float in ``x`` (an expression or a matrix), or None."""
    return next((e for e in nodes(x) if isinstance(e, sp.Basic) and e.is_Float), None)


def exact_matrix(M, where: str) -> sp.Matrix:
    """A SymPy matrix of exact entries from a matrix, a nested list of exact values, or one exact value."""
    if isinstance(M, sp.MatrixBase):
        return sp.Matrix(exact_value(M, where))
    if isinstance(M, (list, tuple)):
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in M]
        return sp.Matrix([[exact_value(x, where) for x in r] for r in rows])
    return sp.Matrix([[exact_value(M, where)]])


def free_symbol(name: str, sign: int = 0) -> sp.Symbol:
    """The symbol of one entry of a free variable (``variables.FreeValues``, the every-n tracer): real, and
    positive or negative when the variable declares that sign. One definition, so both build the same objects."""
    if sign > 0:
        return sp.Symbol(name, positive=True)
    if sign < 0:
        return sp.Symbol(name, negative=True)
    return sp.Symbol(name, real=True)
