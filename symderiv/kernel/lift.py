"""The kernel's re-check of an every-n lift (:mod:`symderiv.every_n`, issue 20).

The engine lifts an identity of free variables to every size when it holds at
one size N at or above its threshold: the most index classes, per symbolic
dimension, of any contraction diagram of lhs − rhs (the lemma in
:mod:`symderiv.every_n`). Before the lift is reported, this module re-derives
both halves by its own code:

* **the threshold**: it reads the diagrams of the check's trace (it trusts the
  tracer as it trusts :mod:`symderiv.notation`: the meaning of the operations)
  and recounts, diagram by diagram, the variable nodes (the degree) and the
  distinct index classes per dimension from the legs themselves, checks that
  every class lies on a variable leg or an open leg (no free index loop), that
  both sides have the same open legs, and that N is at least the count;
* **the decision**: it rebuilds the sides at N from the check (SymPy matrices
  of symbols) and expands every entry of lhs − rhs into an exact polynomial
  over ℚ by its own bottom-up walk (python-flint ``fmpq_mpoly``; not the
  engine's normal form), which must be 0.

It imports none of symderiv's identity, engine, search, derivatives or fp.
"""
from __future__ import annotations

from ..notation import literal

import flint
from sympy.core.function import UndefinedFunction

from ..functions import _SigmaDerivative
from dataclasses import dataclass

from .accept import EVERY_N, Proved, _issue


@dataclass(frozen=True)
class Lifted:
    """The kernel's answer on a lift: ``ok`` carries the :class:`~.accept.Proved` token it made (kind every n)."""

    ok: bool
    reason: str
    token: object = None


def recount(diagrams) -> tuple[int, dict, str]:
    """(degree, {dim: most index classes}, problem) from the diagrams' legs; problem '' when none."""
    degree, most = 0, {}
    for g in diagrams:
        degree = max(degree, len(g.nodes))
        on_nodes = {leg for _name, legs in g.nodes for leg in legs}
        used = on_nodes | set(g.rows) | set(g.cols)
        if used != set(range(len(g.dims))):
            return 0, {}, "an index class lies on no variable leg and no open leg (a free loop)"
        per: dict = {}
        for c in used:
            per[g.dims[c]] = per.get(g.dims[c], 0) + 1
        for d, k in per.items():
            if not isinstance(d, int):
                most[d] = max(most.get(d, 0), k)
    return degree, most, ""


def verify_lift(claim, size: dict, t: int | None = None) -> Lifted:
    """Accept the lift of ``claim`` decided at ``size`` only if the threshold and the decision re-derive
    (a model claim: traced at the horizon ``t``)."""
    from ..diagrams import ATOMS, NotInFragment, atoms_in, symbol_values, trace

    try:
        lhs, rhs = trace(claim, t)
    except NotInFragment as e:
        return Lifted(False, f"the check is not in the fragment: {e}")
    if (lhs.rowdims, lhs.coldims) != (rhs.rowdims, rhs.coldims):
        return Lifted(False, "the sides have different open legs")
    names = atoms_in(lhs.terms + rhs.terms)
    degree, most, problem = recount(lhs.terms + rhs.terms)  # atom nodes count as variables (the lemma's D_s)
    if problem:
        return Lifted(False, problem)
    short = [d for d, k in most.items() if size.get(d, 1) < k]
    if short:
        return Lifted(False, f"the size {size} is below the threshold {most}")
    try:
        with literal():  # the kernel reads the check as Python does (notation.literal)
            L, R = claim.sides(size)
    except Exception as e:  # noqa: BLE001 (the check's own failure is a refusal, not a crash)
        return Lifted(False, f"the sides cannot be built at {size}: {e}")
    if L.shape != R.shape:
        return Lifted(False, "the sides have different shapes")
    symbols = sorted({x for e in (L, R) for x in e.free_symbols}, key=lambda x: x.name)
    seen: set = set()
    calls = _atoms([e for side in (L, R) for e in side], seen)
    atoms_args = []
    if names:  # the atoms' arguments, from the diagrams, to recheck that no two atom entries coincide
        from ..diagrams import evaluate

        values = symbol_values(claim, size)
        for name in names:
            f, arg = ATOMS[name]
            atoms_args.append((name, f.__name__, evaluate(arg, values, size)))
            symbols_more = {x for e in atoms_args[-1][2] for x in e.free_symbols} - set(symbols)
            symbols += sorted(symbols_more, key=lambda x: x.name)
            calls |= _atoms(list(atoms_args[-1][2]), seen)
    ctx = flint.fmpq_mpoly_ctx.get(("v", max(1, len(symbols) + len(calls) + sum(len(a[2]) for a in atoms_args))),
                                   "lex")
    gens = dict(zip(symbols, ctx.gens()))
    keys: dict = {}  # (function, its argument's polynomial) -> a generator of its own
    spare = iter(ctx.gens()[len(symbols):])
    walk = {}
    seen: dict = {}
    for name, fname, M in atoms_args:
        for k, e in enumerate(M):
            key = (fname, str(_poly(e, ctx, gens, walk, keys, spare)))
            if seen.setdefault(key, (name, k)) != (name, k):
                return Lifted(False, f"two atom entries of {fname} coincide at {size}")
    for i in range(L.rows):
        for j in range(L.cols):
            try:
                zero = _poly(L[i, j], ctx, gens, walk, keys, spare) - _poly(R[i, j], ctx, gens, walk, keys, spare) == 0
            except _NotPolynomial as e:
                return Lifted(False, f"entry ({i}, {j}) is not a polynomial in the entries and atoms ({e})")
            if not zero:
                return Lifted(False, f"entry ({i}, {j}) of lhs − rhs is not 0 at {size}")
    where = ", ".join(f"{d} = {size[d]} ≥ {k}" for d, k in sorted(most.items()))
    how = (f"degree {degree}, index classes re-counted ({where})"
           + (f", {len(names)} elementwise atoms distinct" if names else "") + "; lhs − rhs expanded to 0")
    return Lifted(True, how, _issue(Proved, claim.id, size, EVERY_N, how))


def _atoms(exprs, seen: set) -> set:
    """The abstract-function applications in ``exprs``, each distinct subexpression visited once (a DAG walk)."""
    out, stack = set(), list(exprs)
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        if _is_atom(e):
            out.add(e)
        stack.extend(e.args)
    return out


def _is_atom(e) -> bool:
    """An application of an abstract function: symderiv's σ^(k), or an undefined SymPy function."""
    if not getattr(e, "is_Function", False):
        return False
    f = e.func
    return isinstance(f, UndefinedFunction) or (isinstance(f, type) and issubclass(f, _SigmaDerivative))


class _NotPolynomial(Exception):
    pass


def _poly(e, ctx, gens, memo, keys, spare):
    """A SymPy expression of the entries and atoms as an exact polynomial over ℚ (python-flint), bottom up; an
    atom f(a) is a generator of its own per (f, the polynomial of a)."""
    key = id(e)
    if key in memo:
        return memo[key][1]
    if e.is_Symbol:
        out = gens[e]
    elif e.is_Rational:
        out = ctx.from_dict({}) + flint.fmpq(int(e.p), int(e.q))
    elif e.is_Add:
        out = ctx.from_dict({})
        for a in e.args:
            out = out + _poly(a, ctx, gens, memo, keys, spare)
    elif e.is_Mul:
        out = ctx.from_dict({}) + 1
        for a in e.args:
            out = out * _poly(a, ctx, gens, memo, keys, spare)
    elif e.is_Pow and e.exp.is_Integer and int(e.exp) >= 0:
        out = _poly(e.base, ctx, gens, memo, keys, spare) ** int(e.exp)
    elif _is_atom(e) and len(e.args) == 1:
        k = (e.func.__name__, str(_poly(e.args[0], ctx, gens, memo, keys, spare)))
        if k not in keys:
            keys[k] = next(spare)
        out = keys[k]
    else:
        raise _NotPolynomial(type(e).__name__)
    memo[key] = (e, out)  # the expression is kept so that its id is not reused
    return out



def verify_identity(claim_id: str, label: str, lhs, rhs, size: dict, kinds: dict) -> Lifted:
    """Accept a diagram identity lhs = rhs (the base or the step of an induction read on traced values, see
    :func:`symderiv.every_n.lift_induction`) decided at ``size`` only if the threshold and the decision
    re-derive by the kernel's own code: it recounts the degree and the index classes from the legs, checks
    ``size`` is at least the count per dimension, and evaluates lhs − rhs at ``size`` by its own walk of every
    diagram's index assignments into exact polynomials over ℚ (python-flint): each variable (``kinds``: name ->
    its legs' dimensions) a generator per entry, each elementwise atom a generator per entry keyed by its own
    polynomial argument (two atom entries with one argument refused: the lemma reads them as distinct
    variables). Every entry must be 0. It trusts the diagrams as the reading of what they stand for."""
    from itertools import product as cartesian

    from ..diagrams import ATOMS, atoms_in

    if (lhs.rowdims, lhs.coldims) != (rhs.rowdims, rhs.coldims):
        return Lifted(False, f"{label}: the sides have different open legs")
    diagrams = lhs.terms + rhs.terms
    names = atoms_in(diagrams)
    degree, most, problem = recount(diagrams)
    if problem:
        return Lifted(False, f"{label}: {problem}")
    short = [d for d, k in most.items() if size.get(d, 1) < k]
    if short:
        return Lifted(False, f"{label}: the size {size} is below the threshold {most}")

    def extent(d):
        return d if isinstance(d, int) else size[d]

    def count(dims):
        k = 1
        for d in dims:
            k *= extent(d)
        return k

    shapes = dict(kinds)
    for name in names:
        arg = ATOMS[name][1]
        shapes[name] = (tuple(arg.rowdims), tuple(arg.coldims))
    total = sum(count(rd) * count(cd) for rd, cd in shapes.values())
    ctx = flint.fmpq_mpoly_ctx.get(("v", max(1, total)), "lex")
    gens = iter(ctx.gens())
    zero = ctx.from_dict({})
    values = {name: [[next(gens) for _j in range(count(cd))] for _i in range(count(rd))]
              for name, (rd, cd) in kinds.items()}

    def strides(legs, dims):
        """(leg, stride) pairs: a node's row (or column) index at an assignment alpha is Σ alpha[leg]·stride, the
        mixed radix of its legs' extents with the last leg fastest; computed once per diagram, not per assignment."""
        out, k = [], 1
        for leg in reversed(legs):
            out.append((leg, k))
            k *= extent(dims[leg])
        return tuple(out)

    def walk(x):
        R, C = count(x.rowdims), count(x.coldims)
        out = [[zero for _j in range(C)] for _i in range(R)]
        for g in x.terms:
            c = flint.fmpq(int(g.coef.p), int(g.coef.q))
            nodes, missing = [], None
            for name, legs in g.nodes:
                if name not in values:
                    missing = name
                    break
                rd = shapes[name][0]
                nodes.append((values[name], strides(legs[:len(rd)], g.dims), strides(legs[len(rd):], g.dims)))
            rows, cols = strides(g.rows, g.dims), strides(g.cols, g.dims)
            for alpha in cartesian(*[range(extent(d)) for d in g.dims]):
                if missing is not None:  # as before: at the first index assignment, not for a diagram that has none
                    raise KeyError(missing)
                term = None
                for table, rs, cs in nodes:
                    a = b = 0
                    for leg, k in rs:
                        a += alpha[leg] * k
                    for leg, k in cs:
                        b += alpha[leg] * k
                    e = table[a][b]
                    term = e if term is None else term * e
                    if term == 0:
                        break
                if term is None:
                    term = zero + 1
                if term != 0:
                    i = j = 0
                    for leg, k in rows:
                        i += alpha[leg] * k
                    for leg, k in cols:
                        j += alpha[leg] * k
                    out[i][j] = out[i][j] + term * c
        return out

    seen: dict = {}
    try:
        for name in names:  # innermost first: an atom's argument reads only variables and earlier atoms
            f, arg = ATOMS[name]
            M = walk(arg)
            values[name] = []
            for i, row in enumerate(M):
                values[name].append([])
                for j, e in enumerate(row):
                    key = (f.__name__, str(e))
                    if seen.setdefault(key, (name, i, j)) != (name, i, j):
                        return Lifted(False, f"{label}: two atom entries of {f.__name__} coincide at {size}")
                    values[name][-1].append(next(gens))
        L, R = walk(lhs), walk(rhs)
    except KeyError as e:
        return Lifted(False, f"{label}: a node of no declared variable ({e})")
    for i, (a, b) in enumerate(zip(L, R)):
        for j, (x, y) in enumerate(zip(a, b)):
            if x - y != 0:
                return Lifted(False, f"{label}: entry ({i}, {j}) of lhs − rhs is not 0 at {size}")
    where = ", ".join(f"{d} = {size[d]} ≥ {k}" for d, k in sorted(most.items()))
    how = (f"{label}: degree {degree}, index classes re-counted ({where})"
           + (f", {len(names)} elementwise atoms distinct" if names else "") + "; lhs − rhs expanded to 0")
    return Lifted(True, how, _issue(Proved, claim_id, size, EVERY_N, how, label=label))
