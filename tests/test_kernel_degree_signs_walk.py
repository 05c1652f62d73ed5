"""The degree run asks whether its sides hold |·|, max or min by a walk of each shared object once (issue 20.6, cpu10).

kernel/random_check.py's degree run asked ``side.has(Abs, Max, Min)`` of every entry of its sides (and again of the
claim's own part). SymPy's ``has`` walks the sides' DAG as a tree, each shared subexpression once per path: a side
whose h_t reads h_{t−1} twice costs 2^t (18 % of lstm.down.h-row's degree runs). Now the walk visits each distinct
object once (random_check._signs_in, walk.nodes), and where an object binds variables (a Lambda, a Sum) ``has``
itself answers, so the answer is ``has``'s. The tests: the answer is ``has``'s on every expression of a generated family (|·|, max, min, each
at every depth, bound variables, none); a side of 2^40 paths is bounded without a walk of its paths (each traversal
SymPy makes is capped); neither call site in the degree run asks ``has`` of the sides.
"""
from __future__ import annotations

import inspect
import random

import pytest
import sympy as sp

from symderiv.kernel import random_check as rc


def _deep(v, a, b, depth):
    for _ in range(depth):
        v = (v + a) * (v + b)  # each level reads the one below twice
    return v


def _family(seed):
    rng = random.Random(seed)
    x, y, z, k = sp.symbols("x y z k")
    leaves = [x, y, z, sp.Integer(3), sp.Rational(1, 2)]
    wraps = [lambda e: sp.Abs(e), lambda e: sp.Max(e, y), lambda e: sp.Min(x, e), lambda e: sp.exp(e),
             lambda e: sp.tanh(e), lambda e: e ** 2, lambda e: 1 / (1 + e ** 2),
             lambda e: sp.Lambda(k, sp.Abs(k) + e)(z), lambda e: sp.Sum(sp.Abs(k) * e, (k, 1, 3)),
             lambda e: sp.Lambda(k, k + e)]
    out = []
    for _ in range(40):
        e = rng.choice(leaves)
        for _ in range(rng.randrange(1, 6)):
            w = rng.choice(wraps + [None] * 4)
            e = w(e) if w is not None else rng.choice([e + rng.choice(leaves), e * rng.choice(leaves)])
        out.append(_deep(e, x, y, rng.randrange(0, 4)))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_the_answer_is_sympys_has(seed):
    exprs = _family(seed)
    kinds = set()
    for i, e in enumerate(exprs):
        want = e.has(sp.Abs, sp.Max, sp.Min)
        kinds.add(want)
        assert rc._signs_in([e]) == want, e
        assert rc._signs_in([e, sp.Integer(0)]) == want
        assert rc._signs_in(exprs[:i + 1]) == any(x.has(sp.Abs, sp.Max, sp.Min) for x in exprs[:i + 1])
    assert kinds == {True, False}


def test_bound_variables_answer_as_has_does():
    k, x = sp.symbols("k x")
    # where an object binds variables, SymPy's has answers (whatever it reads of the bound parts)
    for e in (sp.Sum(sp.Abs(k), (k, 1, 3)), sp.Lambda(k, sp.Abs(k)), sp.Sum(sp.Abs(x) * k, (k, 1, 3)),
              sp.Lambda(k, sp.Max(k, x))):
        assert rc._signs_in([e]) == e.has(sp.Abs, sp.Max, sp.Min), e


def test_a_side_of_2_to_the_40_paths_is_read_without_walking_its_paths(monkeypatch, make_claim):
    import sympy.core.basic as basic

    def capped(real):
        def walk(expr, *a, **kw):  # every traversal SymPy's has makes, at most 20 000 objects
            for n, x in enumerate(real(expr, *a, **kw)):
                if n > 20_000:
                    raise RuntimeError("has() walked a DAG as a tree")
                yield x
        return walk
    for name in ("iterargs", "iterfreeargs"):
        monkeypatch.setattr(basic, name, capped(getattr(basic, name)))

    def check(m):
        a, b = m.h(1)[0], m.h(1)[1]
        v = _deep(a, a, b, 40)
        return sp.Matrix([[v]]), sp.Matrix([[v]])

    c = make_claim(check, n=(2,), t=(1,))
    d = rc.degree_info(c, {"n": 2, "t": 1})
    assert d.E is not None and d.E >= 2 ** 40, d


def test_the_degree_run_asks_has_of_no_side():
    src = inspect.getsource(rc.degree_infos)
    assert "_signs_in(" in src and ".has(sp.Abs" not in src
