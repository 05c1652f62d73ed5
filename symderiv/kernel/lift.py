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

import flint

from .check import Verification


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


def verify_lift(claim, size: dict) -> Verification:
    """Accept the lift of ``claim`` decided at ``size`` only if the threshold and the decision re-derive."""
    from ..diagrams import NotInFragment, trace

    try:
        lhs, rhs = trace(claim)
    except NotInFragment as e:
        return Verification(False, f"the check is not in the fragment: {e}")
    if (lhs.rowdims, lhs.coldims) != (rhs.rowdims, rhs.coldims):
        return Verification(False, "the sides have different open legs")
    degree, most, problem = recount(lhs.terms + rhs.terms)
    if problem:
        return Verification(False, problem)
    short = [d for d, k in most.items() if size.get(d, 1) < k]
    if short:
        return Verification(False, f"the size {size} is below the threshold {most}")
    try:
        L, R = claim.sides(size)
    except Exception as e:  # noqa: BLE001 (the check's own failure is a refusal, not a crash)
        return Verification(False, f"the sides cannot be built at {size}: {e}")
    if L.shape != R.shape:
        return Verification(False, "the sides have different shapes")
    symbols = sorted({x for e in (L, R) for x in e.free_symbols}, key=lambda x: x.name)
    ctx = flint.fmpq_mpoly_ctx.get(("v", max(1, len(symbols))), "lex")
    gens = dict(zip(symbols, ctx.gens()))
    for i in range(L.rows):
        for j in range(L.cols):
            try:
                zero = _poly(L[i, j], ctx, gens, {}) - _poly(R[i, j], ctx, gens, {}) == 0
            except _NotPolynomial as e:
                return Verification(False, f"entry ({i}, {j}) is not a polynomial ({e})")
            if not zero:
                return Verification(False, f"entry ({i}, {j}) of lhs − rhs is not 0 at {size}")
    where = ", ".join(f"{d} = {size[d]} ≥ {k}" for d, k in sorted(most.items()))
    return Verification(True, f"degree {degree}, index classes re-counted ({where}); lhs − rhs expanded to 0")


class _NotPolynomial(Exception):
    pass


def _poly(e, ctx, gens, memo):
    """A SymPy expression of the variables' entries as an exact polynomial over ℚ (python-flint), bottom up."""
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
            out = out + _poly(a, ctx, gens, memo)
    elif e.is_Mul:
        out = ctx.from_dict({}) + 1
        for a in e.args:
            out = out * _poly(a, ctx, gens, memo)
    elif e.is_Pow and e.exp.is_Integer and int(e.exp) >= 0:
        out = _poly(e.base, ctx, gens, memo) ** int(e.exp)
    else:
        raise _NotPolynomial(type(e).__name__)
    memo[key] = (e, out)  # the expression is kept so that its id is not reused
    return out
