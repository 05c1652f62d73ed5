"""The every-n lift's probe of the trace against the engine (every_n._agree) walks shared objects once (issue 20.6,
branch cpu6), and decides as SymPy's tree walks did.

_agree compares the traced value with the engine's own at a random integer point. The engine's values are DAGs
(h_t shared by every later step): SymPy's free_symbols, xreplace and expand walk them as trees (lstm.down.h-row:
≈ 3 s of the claim's 7 s). Now:
1. ``_free_symbols`` is ``free_symbols`` (a node with bound symbols, Lambda/Subs/Derivative/Integral, asked itself),
   so the point is the same point;
2. ``_xreplaced`` is ``xreplace`` (each node rebuilt as SymPy rebuilds it), on matrices and expressions;
3. ``_zero_polynomial`` says 0 only where the difference is 0: it sees through a sibling written another way (a
   function's argument distributed, a product reordered, a power multiplied out) and never calls a mutant 0 (an
   argument off by one, tanh for logistic, dE1 for dE2, a term dropped); where it says nothing SymPy's expand
   decides, as before;
4. on the shipped LSTM rows and planted errors, _agree answers as the old tree walks answer, call by call.
"""
import random

import pytest
import sympy as sp

from symderiv import every_n
from symderiv.functions import logistic
from symderiv.kernel import walk

a, b, c, d = sp.symbols("a b c d")
dE1, dE2 = sp.Function("dE1"), sp.Function("dE2")
FUNCS = (sp.tanh, logistic, dE1)


def _old_agree(traced, want, values, probe, seed=0):
    """every_n._agree as it was before cpu6: SymPy's tree walks."""
    rng = random.Random(seed)
    symbols = {x for M, _r, _c in values.values() for x in M.free_symbols if x.is_Symbol} | \
        {x for x in want.free_symbols if x.is_Symbol}
    point = {x: sp.Integer(rng.randint(-3, 3)) for x in sorted(symbols, key=lambda x: x.name)}
    got = every_n.evaluate(every_n._as(traced), {k: (M.xreplace(point), rd, cd) for k, (M, rd, cd) in values.items()},
                           probe)
    want = want.xreplace(point)
    return got.shape == want.shape and (got - want).applyfunc(sp.expand) == sp.zeros(*want.shape)


def _dag(rng: random.Random, depth: int = 4):
    """A random expression whose subexpressions are shared (each level built from the ones below, several times)."""
    level = [a, b, c, d, sp.Integer(rng.randint(-3, 3)) or sp.Integer(2)]
    for _ in range(depth):
        new = []
        for _ in range(4):
            x, y = rng.choice(level), rng.choice(level)
            op = rng.randrange(5)
            if op == 0:
                new.append(x + y)
            elif op == 1:
                new.append(x * y)
            elif op == 2:
                new.append(rng.choice(FUNCS)(x - y))
            elif op == 3:
                new.append(x ** 2 + 3 * y)
            else:
                new.append(dE2(x, y) * x)
        level = level + new
    return sp.Add(*level[-3:]) * level[-1]


SEEDS = range(25)


@pytest.mark.parametrize("seed", SEEDS)
def test_free_symbols_and_xreplace_are_sympys_on_shared_expressions(seed):
    rng = random.Random(seed)
    e = _dag(rng)
    assert every_n._free_symbols(e, {}) == e.free_symbols
    point = {s: sp.Integer(rng.randint(-3, 3)) for s in (a, b, c)}
    memo: dict = {}
    assert every_n._xreplaced(e, point, memo) == e.xreplace(point)
    M = sp.Matrix([[e, e + a], [sp.tanh(e), 0]])
    assert every_n._xreplaced(M, point, memo) == M.xreplace(point)   # the memo kept across calls


@pytest.mark.parametrize("e", [
    sp.Lambda(a, a + b)(c) + sp.Subs(dE1(a), a, b),
    sp.Derivative(dE1(a, c), a) * d,
    sp.Integral(a * b, (a, 0, c)) + sp.Sum(a * d, (a, 1, b)),
    sp.Lambda(a, a * b) ,
])
def test_free_symbols_of_nodes_with_bound_symbols_are_asked_of_the_node(e):
    assert every_n._free_symbols(e + d, {}) == (e + d).free_symbols
    assert every_n._free_symbols(e, {}) == e.free_symbols


def _at(e, seed):
    rng = random.Random(seed)
    return e.xreplace({s: sp.Integer(rng.randint(-3, 3)) for s in (a, b, c, d)})


SIBLINGS = {  # (one side, the same value written another way)
    "an argument distributed": (sp.tanh(2 * (a + 1)) * dE1(a * (b + c)), sp.tanh(2 * a + 2) * dE1(a * b + a * c)),
    "a product multiplied out": ((sp.tanh(a) + logistic(b)) ** 2, sp.tanh(a) ** 2 + 2 * sp.tanh(a) * logistic(b)
                                 + logistic(b) ** 2),
    "nested arguments": (sp.tanh(sp.tanh(a) * (logistic(b) - 1)), sp.tanh(sp.tanh(a) * logistic(b) - sp.tanh(a))),
    "a two-argument loss": (dE2(a + b, (c - 1) * 2) * 3, 3 * dE2(b + a, 2 * c - 2)),
}
MUTANTS = {  # (one side, a different value)
    "an argument off by one": (sp.tanh(2 * (a + 1)), sp.tanh(2 * a + 3)),
    "tanh for logistic": (sp.tanh(a + b), logistic(a + b)),
    "dE1 for dE2": (dE1(a, b), dE2(a, b)),
    "a term dropped": (sp.tanh(a) * (logistic(b) + 1), sp.tanh(a) * logistic(b)),
    "the arguments swapped": (dE2(a, b + 1), dE2(b + 1, a)),
}


@pytest.mark.parametrize("name", list(SIBLINGS))
@pytest.mark.parametrize("seed", range(4))
def test_the_zero_test_sees_a_sibling_written_another_way(name, seed):
    x, y = SIBLINGS[name]
    e = _at(x, seed) - _at(y, seed)
    assert every_n._zero_polynomial(e, {}, walk)
    assert sp.expand(e) == 0                                 # SymPy agrees: the same answer as before


@pytest.mark.parametrize("name", list(MUTANTS))
@pytest.mark.parametrize("seed", range(4))
def test_the_zero_test_never_calls_a_mutant_zero(name, seed):
    x, y = MUTANTS[name]
    e = _at(x, seed) - _at(y, seed)
    assert not every_n._zero_polynomial(e, {}, walk)
    assert sp.expand(e) != 0


@pytest.mark.parametrize("seed", SEEDS)
def test_on_generated_expressions_zero_only_where_sympy_expands_to_zero(seed):
    """A random shared expression against itself rebuilt by expansion (0), and against itself plus one more
    function value or with one argument shifted (not 0): the polynomial test is 0 only where expand is."""
    rng = random.Random(seed)
    e = _at(_dag(rng), seed)
    memo: dict = {}
    assert every_n._zero_polynomial(e - sp.expand(e), memo, walk)
    for other in (e + sp.tanh(sp.Integer(rng.randint(1, 9))), e.xreplace({sp.Integer(2): sp.Integer(5)})):
        diff = e - other
        if every_n._zero_polynomial(diff, memo, walk):       # the memo kept across entries, as _agree keeps it
            assert sp.expand(diff) == 0
        elif other is not e:
            assert sp.expand(diff) != 0 or diff == 0


@pytest.fixture
def both(monkeypatch):
    """_agree with the old tree walks run beside it: every call's two answers recorded."""
    calls = []
    new = every_n._agree

    def agree(*args, **kw):
        calls.append((new(*args, **kw), _old_agree(*args, **kw)))
        return calls[-1][0]

    monkeypatch.setattr(every_n, "_agree", agree)
    monkeypatch.setattr(every_n, "_DOWN_CLASS", [], raising=False)
    return calls


def test_the_shipped_lstm_row_is_probed_alike(both):
    from tests.test_downward_every_n import c_unrolled, mk

    out = every_n.lift_downward(mk(c_unrolled(), n=(1, 2)))
    assert out.lifted, out.scope
    assert both and all(new == old is True for new, old in both)


@pytest.mark.parametrize("claim_id", ["goodfellow.down.eq10-21", "goodfellow.down.unrolled"])
def test_a_planted_trace_error_is_refused_alike(both, monkeypatch, claim_id):
    """∂E_k/∂o_k misread (twice it) on the shipped downward claims: the probe against the engine refuses it, by
    the new walks and the old alike, call by call; unplanted, both accept every call."""
    from pathlib import Path

    from symderiv.claims import collect

    claim = {c.id: c for c in collect([Path(__file__).parent.parent / "proofs/examples/goodfellow_downward.py"])
             .claims()}[claim_id]
    out = every_n.lift_downward(claim)
    assert out.lifted and both and all(new == old is True for new, old in both), out.scope
    both.clear()
    original = every_n.TracedDownwardModel.g
    monkeypatch.setattr(every_n.TracedDownwardModel, "g", lambda self, k: original(self, k) * 2)
    monkeypatch.setattr(every_n, "_DOWN_CLASS", [])
    out = every_n.lift_downward(claim)
    assert not out.lifted and "differs from the check's" in out.scope, out.scope
    assert both and all(new == old for new, old in both) and both[-1] == (False, False)
