"""The field side of the F_p backend: the primes drawn, exact constants, the errors a trial raises."""
from __future__ import annotations

import contextvars
import itertools
import math
import sys
from fractions import Fraction

import numpy as np
import sympy as sp
from flint import fmpz

from ..errors import SymderivError


#: primes are drawn uniformly from [PRIME_LO, PRIME_HI)
PRIME_LO, PRIME_HI = 2 ** 62, 2 ** 63
#: a lower bound on the number of primes in [2⁶², 2⁶³) (Dusart 1999, see the module docstring)
N_PRIMES_LO = 106_297_190_014_990_579
TARGET_BITS = 64
#: a trial's error bound is stated as at most 2^−MAX_BITS even where it is 0 (a constant difference)
MAX_BITS = 1000
#: trials per batch (one trial alone never reaches 2⁻⁶⁴: D/p ≥ 2⁻⁶²)
BATCH = 2
_NEG_INF = float("-inf")


class Unsupported(SymderivError):
    """The claim uses something the randomized backend cannot evaluate."""


#: the SymPy Matrix API that F_p's values have (values, operators and a cell's quantities alike)
MATRIX_API = ("row", "col", "row_join", "col_join", "hstack", "vstack", "applyfunc", "T", "transpose", "shape",
              "indexing and slicing")


class UnsupportedOperation(Unsupported):
    """A SymPy Matrix attribute F_p's values do not have: refused naming it, before any verdict.

    Not an AttributeError when a proof's own code asks: ``hasattr(v, "is_symmetric")`` or ``getattr(v, name,
    default)`` then raise it too, so that a check or a step cannot silently take another branch over F_p than
    over the exact engine's SymPy matrices (which have the attribute). ``auto`` answers it by falling back to
    the exact engine.
    """


class _SympyProbe(UnsupportedOperation, AttributeError):
    """The same refusal when SymPy's own code asks (``getattr(v, "is_Matrix", False)``, ``v.tolist()`` in
    ``sp.diag``): its probes still see a missing attribute, what it calls outright is refused by name."""


def _sympy_frame(f) -> bool:
    return f is not None and str(f.f_globals.get("__name__", "")).startswith("sympy.")


def _sympy_operation() -> str | None:
    """The SymPy matrix operation (``row_join``, ``col_join``, …) that is reaching into an F_p value, if any."""
    f = sys._getframe(3)
    for _ in range(4):
        if f is None:
            return None
        name = f.f_code.co_name
        if name.startswith("_eval_") and _sympy_frame(f):
            return name[len("_eval_"):]
        f = f.f_back
    return None


def refuse_attribute(obj, name: str):
    """``__getattr__`` of an F_p value: a private name is plainly missing, a public one refused by name.

    SymPy's own matrix, first in a join (``sp.Matrix.hstack(C, v)`` is ``C.row_join(v)``), reads the other
    operand's internals (``_rep``; ``_class_priority`` in older SymPy), which an F_p value cannot have: that is
    refused naming the operation (not an AttributeError, which SymPy's ``getattr`` probes would swallow).
    """
    if name in ("_rep", "_class_priority") and (op := _sympy_operation()) is not None:
        raise Unsupported(f"SymPy's {op} of a SymPy matrix and an F_p value, the SymPy matrix first "
                          f"(sp.Matrix.hstack(C, v) is C.row_join(v)), is not available over F_p: put an F_p "
                          "value first (the symbolic backends take either)")
    if name.startswith("_"):
        raise AttributeError(name)
    kind = {"Val": "a value", "ScalarVal": "a scalar", "Dual": "a cell's quantity"}.get(type(obj).__name__,
                                                                                      "an operator")
    error = _SympyProbe if _sympy_frame(sys._getframe(2)) else UnsupportedOperation
    raise error(f".{name} of a matrix ({kind}) is not available over F_p, whose matrices have "
                f"+, −, ×, {', '.join(MATRIX_API)} (use the symbolic backends)")


def refuse_sympify(obj):
    """``_sympy_`` of an F_p value: SymPy turning it into an expression (``sp.Matrix(v)``, ``sp.Matrix([[v[0, 0],
    1]])``, ``sp.diag(v)``, ``sp.exp(v[0, 0])``, ``sp.simplify(v)``) is refused naming it, before SymPy walks
    into the value (which recursed until Python gave up)."""
    raise Unsupported("SymPy cannot take an F_p value into its own functions or constructors (sympify: "
                      "sp.Matrix(v), sp.Matrix([[v[0, 0], …]]), sp.diag, sp.exp of an entry, sp.simplify, …): "
                      "over F_p use the notation (diag, kron, hadamard, …), the matrix's own methods and applyfunc "
                      "(or the symbolic backends)")


class _Redraw(BaseException):  # not an Exception: a claim's own `except Exception` cannot swallow it
    """The prime of trial ``i`` divides a denominator of the claim: draw another."""

    def __init__(self, i: int):
        self.i = i


class _ZeroDenominator(BaseException):  # as _Redraw: never swallowed by a claim's own `except Exception`
    """A quotient's denominator is 0 at trial ``i``'s point: the batch is drawn again (see "Quotients")."""

    def __init__(self, i: int):
        self.i = i


_UID = itertools.count(1)
_ACTIVE: contextvars.ContextVar["_Batch | None"] = contextvars.ContextVar("symderiv_fp_batch", default=None)


def random_prime(rng: np.random.Generator) -> int:
    """A prime drawn uniformly from [2⁶², 2⁶³) (rejection sampling, FLINT's proven primality test)."""
    while True:
        x = PRIME_LO + int(rng.integers(0, PRIME_HI - PRIME_LO))
        if fmpz(x).is_prime():
            return x


# ----- bounds: (degree, log₂ L1 of the cleared numerator, log₂ denominator) -----------------------

def _lse(x: float, y: float) -> float:
    """log₂(2^x + 2^y)."""
    if x < y:
        x, y = y, x
    if y == _NEG_INF:
        return x
    return x + math.log2(1.0 + 2.0 ** (y - x))


def _bits(k: int) -> float:
    return math.log2(k) if k > 0 else _NEG_INF


# ----- exact constants -------------------------------------------------------------------------

def _rational(x) -> Fraction:
    """An exact rational constant of a claim, or a clear error."""
    if isinstance(x, bool):
        raise Unsupported(f"a bool ({x!r}) cannot enter an exact computation")
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (float, np.floating, sp.Float)):
        raise Unsupported(f"a float ({x!r}) cannot enter an exact computation: write it as an exact "
                          "rational, sympy.Rational(p, q)")
    if isinstance(x, sp.Rational):  # Integer too
        return Fraction(int(x.p), int(x.q))
    if isinstance(x, str):
        raise Unsupported(f"a string ({x!r}) is not a mathematical value")
    if isinstance(x, sp.Basic) and (v := _unevaluated_rational(x)) is not None:
        return v
    raise Unsupported(f"a {type(x).__name__} ({x!r}) cannot enter an F_p computation: only matrices of the "
                      "model, exact rationals and SymPy matrices of rationals can")


def _unevaluated_rational(x) -> Fraction | None:
    """An unevaluated sum, product or integer power of SymPy's own rationals (``Mul(2, 1/3, evaluate=False)``),
    evaluated; None for anything else. Read from the classes themselves, never from what an expression says of
    itself (a proof file's class with ``is_rational = True`` is not a number over F_p)."""
    for node in sp.preorder_traversal(x):
        cls = type(node)
        if not (cls is sp.Add or cls is sp.Mul or isinstance(node, sp.Rational)
                or cls is sp.Pow and isinstance(node.exp, sp.Integer)):
            return None
    v = x.doit()
    return Fraction(int(v.p), int(v.q)) if isinstance(v, sp.Rational) else None


def _is_scalar(x) -> bool:
    if getattr(type(x), "_fp_face", False):  # an F_p value, operator or quantity (values.MatrixFace): asked on every
        return False                         # operation, answered before isinstance(x, Fraction) runs ABCMeta's check
    return isinstance(x, (int, float, Fraction, np.number, str)) or (isinstance(x, sp.Basic)
                                                                      and not isinstance(x, sp.MatrixBase))


def _residue(c: Fraction, p: int, i: int) -> int:
    if c.denominator % p == 0:
        raise _Redraw(i)
    return c.numerator * pow(c.denominator, -1, p) % p


def _note_denominator(den: int) -> None:
    batch = _ACTIVE.get()
    if batch is not None and den >= PRIME_LO:
        batch.dens.add(den)


def _primes() -> list[int]:
    batch = _ACTIVE.get()
    if batch is None:
        raise Unsupported("an F_p constant outside a trial")
    return batch.primes


def _batch_now() -> "_Batch":
    batch = _ACTIVE.get()
    if batch is None:
        raise Unsupported("an F_p function outside a trial")
    return batch
