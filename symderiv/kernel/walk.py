"""Walks of a SymPy expression that visit each shared subexpression once.

The kernel's degree run (:func:`.random_check.degree_info`) evaluates the check with every random value a fresh
variable; the sides it gets are DAGs whose subexpressions are shared many times (h_t appears in h_{t+1} three
times in a GRU step). SymPy's ``free_symbols``, ``has`` and ``replace`` walk them as trees, so their cost grows
exponentially with t (a GRU at n = 2, t = 6: 67 s in ``free_symbols`` and ``has``). These walks memoize on the
object's identity and so cost the number of distinct objects. They read structure only; nothing here decides.
"""
from __future__ import annotations

import sympy as sp


def nodes(*exprs):
    """Every distinct object in the expressions' trees (each once, by identity), the roots included."""
    seen: set = set()
    stack = [e for e in exprs if isinstance(e, sp.Basic)]
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        stack.extend(a for a in e.args if isinstance(a, sp.Basic) and id(a) not in seen)


def symbols(*exprs) -> set:
    """Every Symbol in the trees: free_symbols, or a superset of it (a symbol a Lambda or Subs binds is included,
    which only makes the callers' bounds larger)."""
    return {e for e in nodes(*exprs) if e.is_Symbol}


def symbols_memo(e, memo: dict) -> frozenset:
    """symbols(e) for many expressions that share subexpressions: ``memo`` (id → (object, set)) is kept across
    the calls."""
    stack = [(e, False)]
    while stack:
        x, ready = stack.pop()
        if id(x) in memo:
            continue
        if not ready:
            stack.append((x, True))
            stack.extend((a, False) for a in x.args if isinstance(a, sp.Basic) and id(a) not in memo)
            continue
        got = frozenset((x,)) if x.is_Symbol else frozenset().union(
            *(memo[id(a)][1] for a in x.args if isinstance(a, sp.Basic)))
        memo[id(x)] = (x, got)   # the object is kept alive, so its id is not reused while the memo lives
    return memo[id(e)][1]


def contains(*exprs, test) -> bool:
    """Whether some subexpression satisfies ``test`` (``has`` for a predicate, each shared object tested once)."""
    return any(test(x) for x in nodes(*exprs))


def replaced(e, test, make):
    """``e`` with each subexpression that satisfies ``test`` replaced by ``make(it)`` (innermost first, as
    ``replace`` does: ``make`` gets the subexpression with its own arguments already replaced); a shared
    object is rebuilt once."""
    memo: dict = {}
    stack = [(e, False)]
    while stack:
        x, ready = stack.pop()
        if id(x) in memo:
            continue
        if not ready:
            stack.append((x, True))
            stack.extend((a, False) for a in x.args if isinstance(a, sp.Basic) and id(a) not in memo)
            continue
        args = tuple(memo[id(a)][1] if isinstance(a, sp.Basic) else a for a in x.args)
        y = x.func(*args) if any(a is not b for a, b in zip(args, x.args)) else x
        memo[id(x)] = (x, make(y) if test(y) else y)
    return memo[id(e)][1]
