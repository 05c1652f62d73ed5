"""Symbols of one name are ordered by what they are, never by their address (issue 19: a verdict depends on nothing
but the claim). The kernel's SMT writer names symbols k0, k1, … in sorted order, and the finder's Positivstellensatz
search orders its generators and cuts the same way; with ``id`` breaking ties between two symbols of one name, the
sentence's text (and so a solver's work count against its budget) followed the allocator."""
from __future__ import annotations

import gc
import itertools

import sympy as sp

from symderiv.kernel import smt
from symderiv.kernel.walk import symbol_key

#: symbols that print alike and are distinct objects to SymPy (each built fresh by its maker)
MAKERS = {
    "real": lambda: sp.Symbol("x", real=True),
    "positive": lambda: sp.Symbol("x", positive=True),
    "nonnegative": lambda: sp.Symbol("x", nonnegative=True),
    "negative": lambda: sp.Symbol("x", negative=True),
}


def _names(order, pad):
    """The writer's name of each kind when the symbols are made in ``order``, with ``pad`` objects allocated between
    them (so their addresses fall in another order)."""
    from sympy.core.cache import clear_cache

    clear_cache()  # SymPy interns symbols: made again, each is a new object at a new address
    made, keep = {}, []
    for kind in order:
        made[kind] = MAKERS[kind]()
        keep.append([object() for _ in range(pad)])
    w = smt._Writer()
    w.term(sum(made.values()))
    return {kind: w.names[s] for kind, s in made.items()}


def test_the_smt_writers_names_follow_the_symbols_not_their_addresses():
    seen = set()
    for order in itertools.permutations(MAKERS):
        for pad in (0, 1, 37):
            gc.collect()
            seen.add(tuple(sorted(_names(order, pad).items())))
    assert len(seen) == 1, seen


def test_symbol_key_tells_every_distinct_symbol_of_one_name_apart():
    made = [m() for m in MAKERS.values()] + [sp.Dummy("x", real=True), sp.Dummy("x", real=True)]
    keys = [symbol_key(s) for s in made]
    assert len(set(keys)) == len(made)
    # and it is a function of the symbol: an equal symbol made again has the same key
    assert all(symbol_key(m()) == symbol_key(m()) for m in MAKERS.values())
