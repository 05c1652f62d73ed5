"""Deciding lhs == rhs for all σ and all values, by a canonical normal form.

The normal form treats σ(·), σ'(·), tanh(·), exp(·), ... as atoms over
canonicalised (expanded) arguments, and expands the difference into a
polynomial in symbols and atoms. A zero normal form proves the identity for
every σ and every value at that size. A non-zero normal form is only a
suspicion: the engine then looks for a concrete counterexample.

Backends are chosen by name and imported lazily: ``symengine`` (the SymPy
project's C++ core, the default) and ``sympy`` (the reference the tests
compare it against).
"""
from __future__ import annotations

from typing import Callable

import sympy as sp

from .errors import ProofFileError
from .values import FLOAT_HINT, exact_value, float_error


def _sympy_is_zero(exprs: list[sp.Expr]) -> list[bool]:
    return [sp.expand(e) == 0 for e in exprs]


def _symengine_converter() -> Callable[[sp.Expr], object]:
    """A memoised SymPy → SymEngine converter that canonicalises function arguments.

    Memoisation matters: unrolled models share subexpressions, and a
    converter that walks them as a tree is exponential in t.

    SymEngine identifies symbols and undefined functions by name only, so each
    distinct SymPy symbol (a name with its assumptions, or a Dummy) and each
    distinct function class gets its own SymEngine name: a user's
    ``Symbol("b[0]", real=True)`` is never the model's ``b[0]``, nor a user's
    ``Function("sigma")`` the model's σ. Anything else that is not a number is
    refused (``se.sympify`` of an unevaluated ``Derivative`` crashed SymEngine).
    """
    import symengine as se

    memo: dict = {}
    symbols: dict = {}    # SymPy symbol -> SymEngine symbol
    functions: dict = {}  # SymPy function class -> SymEngine function
    used: dict = {"symbol": set(), "function": set()}
    named = {sp.exp: se.exp, sp.tanh: se.tanh, sp.log: se.log, sp.sin: se.sin, sp.cos: se.cos}

    def unique(kind: str, name: str) -> str:
        taken, out, k = used[kind], name, 0
        while out in taken:
            k += 1
            out = f"{name}#{k}"
        taken.add(out)
        return out

    def conv(e):
        r = memo.get(e)
        if r is not None:
            return r
        if e.is_Symbol:
            r = symbols.get(e)
            if r is None:
                r = symbols[e] = se.Symbol(unique("symbol", e.name))
        elif e.is_Integer:
            r = se.Integer(int(e))
        elif e.is_Rational:
            r = se.Rational(int(e.p), int(e.q))
        elif e.is_Float:
            raise float_error(e, "an identity's side")
        elif e.is_Add:
            r = se.Add(*[conv(a) for a in e.args])
        elif e.is_Mul:
            r = se.Mul(*[conv(a) for a in e.args])
        elif e.is_Pow:
            base = conv(e.base)
            r = se.Pow(se.expand(base) if e.exp.is_negative else base, conv(e.exp))
        elif isinstance(e, sp.Function):
            args = [se.expand(conv(a)) for a in e.args]
            f = named.get(e.func)
            if f is None:
                f = functions.get(e.func)
                if f is None:
                    f = functions[e.func] = se.Function(unique("function", e.func.__name__))
            r = f(*args)
        elif e.is_number and not e.free_symbols and not e.atoms(sp.Derivative, sp.Subs):
            r = se.sympify(e)  # π, E, I, …
        else:
            raise ProofFileError(f"{type(e).__name__} ({sp.sstr(e)[:80]}) cannot be decided by a normal form")
        memo[e] = r
        return r

    return conv


def _symengine_is_zero(exprs: list[sp.Expr]) -> list[bool]:
    import symengine as se

    conv = _symengine_converter()
    return [se.expand(conv(e)) == 0 for e in exprs]


BACKENDS: dict[str, Callable[[list[sp.Expr]], list[bool]]] = {
    "symengine": _symengine_is_zero,
    "sympy": _sympy_is_zero,
}


def nonzero_entries(lhs: sp.Matrix, rhs: sp.Matrix, backend: str = "symengine") -> list[tuple[int, int]]:
    """The entries (i, j) where lhs − rhs has a non-zero normal form."""
    try:
        decide = BACKENDS[backend]
    except KeyError:
        raise ValueError(f"backend={backend!r} must be one of {sorted(BACKENDS)}") from None
    diff = lhs - rhs
    idx = [(i, j) for i in range(diff.rows) for j in range(diff.cols)]
    zero = decide([diff[i, j] for i, j in idx])
    return [ij for ij, z in zip(idx, zero) if not z]


def nonzero_modulo(lhs: sp.Matrix, rhs: sp.Matrix, relations) -> list[tuple[int, int]]:
    """The entries where lhs − rhs is not in the ideal of ``relations`` (e.g. c² + s² − 1).

    Exact: each entry's numerator is reduced by a Gröbner basis of the relations
    (SymPy's ``groebner``/``reduced``), so cos²θ + sin²θ = 1 written as
    polynomials in c, s is used and nothing else.
    """
    rels = [sp.expand(r) for r in relations]
    gens = sorted(set().union(*(r.free_symbols for r in rels)), key=lambda s: s.name)
    diff = lhs - rhs
    out = []
    for i in range(diff.rows):
        for j in range(diff.cols):
            num, _ = sp.fraction(sp.together(sp.expand(diff[i, j])))
            num = sp.expand(num)
            if num == 0:
                continue
            syms = sorted(num.free_symbols | set(gens), key=lambda s: s.name)
            G = sp.groebner(rels, *syms, order="grevlex")
            _, rem = G.reduce(num)
            if sp.expand(rem) != 0:
                out.append((i, j))
    return out
