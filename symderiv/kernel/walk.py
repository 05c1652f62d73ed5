"""Walks of a SymPy expression that visit each shared subexpression once.

The kernel's degree run (:func:`.random_check.degree_info`) evaluates the check with every random value a fresh
variable; the sides it gets are DAGs whose subexpressions are shared many times (h_t appears in h_{t+1} three
times in a GRU step). SymPy's ``free_symbols``, ``has`` and ``replace`` walk them as trees, so their cost grows
exponentially with t (a GRU at n = 2, t = 6: 67 s in ``free_symbols`` and ``has``). These walks memoize on the
object's identity and so cost the number of distinct objects. They read structure only; nothing here decides.
"""
from __future__ import annotations

import sympy as sp


def symbol_key(s):
    """An order of symbols that depends on what they are, never on where they live: the name, the class, the
    assumptions (and a Dummy's index, which is its creation order in the run). Two distinct symbols of one name
    (``Symbol("x", positive=True)`` and ``Symbol("x")``, a Dummy ``x``) sort the same way in every process, so a
    sentence the kernel or a finder writes from them is the same text; ``id`` (an address) did not promise that."""
    return (str(s), type(s).__name__, repr(s._hashable_content()))


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


def bottom_up(e, memo: dict, combine):
    """``combine(x, args)`` for ``e`` and each of its subexpressions, children first, each shared object once:
    ``args`` are x's arguments with each SymPy one replaced by what ``combine`` gave for it. ``memo`` (id → (object,
    result)) may be kept across calls on expressions that share subexpressions; it keeps each object alive, so an
    id is not reused while the memo lives."""
    stack = [(e, False)]
    while stack:
        x, ready = stack.pop()
        if id(x) in memo:
            continue
        if not ready:
            stack.append((x, True))
            stack.extend((a, False) for a in x.args if isinstance(a, sp.Basic) and id(a) not in memo)
            continue
        memo[id(x)] = (x, combine(x, tuple(memo[id(a)][1] if isinstance(a, sp.Basic) else a for a in x.args)))
    return memo[id(e)][1]


def symbols_memo(e, memo: dict) -> frozenset:
    """symbols(e) for many expressions that share subexpressions: ``memo`` is kept across the calls."""
    return bottom_up(e, memo, lambda x, args: frozenset((x,)) if x.is_Symbol else frozenset().union(
        *(a for a, b in zip(args, x.args) if isinstance(b, sp.Basic))))


def contains(*exprs, test) -> bool:
    """Whether some subexpression satisfies ``test`` (``has`` for a predicate, each shared object tested once)."""
    return any(test(x) for x in nodes(*exprs))


def replaced(e, test, make):
    """``e`` with each subexpression that satisfies ``test`` replaced by ``make(it)`` (innermost first, as
    ``replace`` does: ``make`` gets the subexpression with its own arguments already replaced); a shared
    object is rebuilt once."""
    def combine(x, args):
        y = x.func(*args) if any(a is not b for a, b in zip(args, x.args)) else x
        return make(y) if test(y) else y

    return bottom_up(e, {}, combine)
