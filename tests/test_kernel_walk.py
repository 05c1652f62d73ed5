"""kernel.walk visits each shared subexpression once, and means what SymPy's tree walks mean.

The kernel's degree run builds DAG-shaped sides (a GRU's h_t is used three times in h_{t+1}); SymPy's
free_symbols, has and replace walk them as trees, exponentially in t. The memoized walks must agree with SymPy's
on every expression: these are properties over random expressions, shared subtrees included."""
from __future__ import annotations

import sympy as sp
from hypothesis import given, settings, strategies as st

from symderiv.kernel import walk

X = sp.symbols("x0:4")


@st.composite
def dags(draw, depth=4):
    """A random expression of symbols, integers, exp, a user function, +, ×, integer powers, its subtrees reused."""
    pool = list(X[: draw(st.integers(1, 4))]) + [sp.Integer(draw(st.integers(-3, 3)))]
    for _ in range(draw(st.integers(1, 12))):
        a, b = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
        op = draw(st.sampled_from(["+", "*", "pow", "exp", "f", "E"]))
        pool.append(a + b if op == "+" else a * b if op == "*" else a ** draw(st.integers(-2, 3)) if op == "pow"
                    else sp.exp(a) if op == "exp" else sp.Function("f")(a, b) if op == "f" else a * sp.E)
    return pool[-1]


@settings(max_examples=200, deadline=None)
@given(dags(), dags())
def test_symbols_contains_and_replaced_agree_with_sympy(e, g):
    assert walk.symbols(e, g) == (e.free_symbols | g.free_symbols)
    memo: dict = {}
    assert walk.symbols_memo(e, memo) == e.free_symbols and walk.symbols_memo(g, memo) == g.free_symbols
    is_exp = lambda x: isinstance(x, sp.exp) or x is sp.E
    assert walk.contains(e, test=is_exp) == e.has(sp.exp, sp.E)
    made: dict = {}

    def formal(x):  # one symbol per distinct closed form, as SymPy's replace with a mapping would give
        return made.setdefault(x, sp.Symbol(f"Y{len(made)}"))

    assert walk.replaced(e, is_exp, formal) == e.replace(is_exp, formal)


def test_a_shared_chain_is_walked_in_linear_time():
    """h_{k+1} = h_k·h_k + h_k, 60 times: 2^60 paths as a tree, 120 distinct objects."""
    h = X[0]
    for _ in range(60):
        h = h * h + h
    assert len(list(walk.nodes(h))) <= 3 * 61
    assert walk.symbols(h) == {X[0]} and not walk.contains(h, test=lambda x: isinstance(x, sp.exp))
    assert walk.symbols(walk.replaced(h, lambda x: x == X[0], lambda x: X[1])) == {X[1]}
