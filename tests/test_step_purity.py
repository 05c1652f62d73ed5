"""Issue 19: a `holds … for every t` must not rest on a check keeping state between its calls (symderiv/purity.py).

The induction reads a check's step callables (a term of ``total``, a factor of ``product``, a cell's step, an
``every_step`` family, the check itself) at a symbolic index a few times each. A callable whose value depends on
how many times it was called never asks Python about the index, so no guard sees it, and its reading at the
symbolic t is not its value at t = 6. Each way below keeps state another way; each must get no `for every t`,
and where it is false at t = 6 the engine certifies `fails` there. Pure checks that read module constants,
build local lists or call pure helpers keep their `for every t` (no false refusal).
"""
from __future__ import annotations

import itertools
import textwrap

import pytest

from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.induction import step_check
from symderiv.purity import Impure, LIMIT, _Hidden, call, snapshot
from symderiv.results import Verdict

_ids = itertools.count()

PROOF = '''
import dataclasses
import itertools
import random

from symderiv import claim, diag, eye, kron, pal2019_rnn, product, sweep, total
{imports}

STATE = [0]
CALLS = 0
COUNTS = {{"k": 0}}
SCALE = 1
TABLE = (1, 1, 1)
RNG = random.Random(0)


class Counter:
    def __init__(self):
        self.n = 0

    def bump(self):
        self.n += 1
        return self.n


@dataclasses.dataclass
class Tally:
    n: int = 0


COUNTER = Counter()
TALLY = Tally()


def bump():
    STATE[0] += 1
    return STATE[0]


def one():
    return SCALE * TABLE[0]


def dw_i(m, c):
    A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
    term = lambda k: product(A, k + 1, m.t, order="descending", size=m.n) * kron(eye(m.n), m.x(k).T) * c(k)
    return m.d(("h", m.t), "W_I"), total(term, (m.n, m.n * m.m), lo=1, hi=m.t)


@claim("purity.special", where="test", statement="test", model=pal2019_rnn, conventions={{"layout": "row-major"}},
       sizes=sweep(n={n}, t={t}))
def special(m):
{body}
    return dw_i(m, c)
'''

#: a term that counts its calls, each a different way; the 6th call (t = 6 at a concrete size) is special
IMPURE = {
    "a closure counter": """
        cnt = [0]
        def c(k):
            cnt[0] += 1
            return 2 if cnt[0] == 6 else 1""",
    "a nonlocal int": """
        n = 0
        def c(k):
            nonlocal n
            n += 1
            return 2 if n == 6 else 1""",
    "a global int": """
        global CALLS
        CALLS = 0
        def c(k):
            global CALLS
            CALLS += 1
            return 2 if CALLS == 6 else 1""",
    "a dict counter": """
        COUNTS["k"] = 0
        def c(k):
            COUNTS["k"] = COUNTS["k"] + 1
            return 2 if COUNTS["k"] == 6 else 1""",
    "len() of a list built per step": """
        seen = []
        def c(k):
            seen.append(0)
            return 2 if len(seen) == 6 else 1""",
    "an attribute of a user object": """
        COUNTER.n = 0
        def c(k):
            return 2 if COUNTER.bump() == 6 else 1""",
    "an attribute of a dataclass instance": """
        tally = Tally()
        def c(k):
            tally.n += 1
            return 2 if tally.n == 6 else 1""",
    "a default-argument list": """
        def c(k, _seen=[]):
            _seen.append(1)
            return 2 if len(_seen) % 1000 == 6 else 1""",
    "itertools.count": """
        g = itertools.count(1)
        def c(k):
            return 2 if next(g) == 6 else 1""",
    "a generator's next": """
        def gen():
            i = 0
            while True:
                i += 1
                yield i
        g = gen()
        def c(k):
            return 2 if next(g) == 6 else 1""",
    "module state": """
        STATE[0] = 0
        def c(k):
            STATE[0] += 1
            return 2 if STATE[0] == 6 else 1""",
    "a counter in a helper function the term calls": """
        STATE[0] = 0
        def c(k):
            return 2 if bump() == 6 else 1""",
    "a counter in a helper module beside the proof file": """
        reset()
        def c(k):
            return 2 if tick() == 6 else 1""",
    "an attribute set on the model": """
        m.calls = 0
        def c(k):
            m.calls += 1
            return 2 if m.calls == 6 else 1""",
    "a counter in a helper module, through the module": """
        H._N[0] = 0
        def c(k):
            H._N[0] += 1
            return 2 if H._N[0] == 6 else 1""",
    "a class attribute": """
        Counter.total = 0
        def c(k):
            Counter.total += 1
            return 2 if Counter.total == 6 else 1""",
}

#: state the term reaches and keeps, with a value that is the same at every step (true, but not read past T)
IMPURE_TRUE = {
    "random.Random seeded in the module": """
        def c(k):
            return 1 + 0 * RNG.randrange(2)""",
    "random.random through the module": """
        def c(k):
            return 1 + 0 * random.randrange(2)""",
    "a counter whose value is not used": """
        def c(k):
            STATE[0] += 1
            return 1""",
}

#: pure terms: module constants, local lists, pure helpers, a frozen table, a closure's constants
PURE = {
    "a module constant": """
        def c(k):
            return SCALE""",
    "a local list": """
        def c(k):
            xs = [1, 1]
            xs.append(SCALE)
            return xs[0] * len(xs) // 3""",
    "a pure helper": """
        def c(k):
            return one()""",
    "a pure helper in a helper module": """
        def c(k):
            return unit()""",
    "a closure's constant list": """
        ws = [1, 2]
        def c(k):
            return ws[0]""",
}

HELPER = '''
_N = [0]


def reset():
    _N[0] = 0


def tick():
    _N[0] += 1
    return _N[0]


def unit():
    return 1
'''


def _claim(tmp_path, body, n=(1, 2), t=(1, 2, 3)):
    i = next(_ids)
    helper = f"_purity_helper_{i}_{abs(hash(str(tmp_path)))}"
    (tmp_path / f"{helper}.py").write_text(HELPER)
    path = tmp_path / f"purity_{i}.py"
    path.write_text(PROOF.format(n=n, t=t, imports=f"from {helper} import reset, tick, unit\nimport {helper} as H",
                                 body=textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")))
    return {c.id: c for c in collect([path]).claims()}["purity.special"]


@pytest.mark.parametrize("how", list(IMPURE) + list(IMPURE_TRUE))
def test_a_term_that_keeps_state_between_its_calls_is_not_proved_for_every_t(tmp_path, how):
    c = _claim(tmp_path, {**IMPURE, **IMPURE_TRUE}[how])
    st = step_check(c, {"n": 1}, 1, 3)
    assert not st.proved and st.search, st.reason
    # the term (or the check, where it resets the state the term keeps), named with its line in the proof file
    assert st.impure is not None and st.impure[0] in ("the term", "the check") and st.impure[1] > 0, st.reason
    r = check_claim(c)
    assert not r.every_t, r.scope
    if how in IMPURE_TRUE:
        assert r.verdict == Verdict.HOLDS, r.scope  # still holds at the sizes shown


@pytest.mark.parametrize("how", list(IMPURE))
def test_each_counting_term_is_false_at_t_6(tmp_path, how):
    r = check_claim(_claim(tmp_path, IMPURE[how], n=(1,), t=(6,)))
    assert r.verdict == Verdict.FAILS and r.counterexample.size["t"] == 6, (r.verdict, r.scope)


@pytest.mark.parametrize("how", list(PURE))
def test_a_pure_term_keeps_its_every_t(tmp_path, how):
    c = _claim(tmp_path, PURE[how])
    st = step_check(c, {"n": 1}, 1, 3)
    assert st.proved and st.impure is None, st.reason
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope


@pytest.mark.parametrize("how", ["k in cache", "cache.setdefault(k, …)", "cache.get(k)"])
def test_a_cache_keyed_by_the_symbolic_index_is_refused_by_the_guard(tmp_path, how):
    """Memoisation by the index hashes it, which the guard refuses at the symbolic index: no `for every t`."""
    body = {
        "k in cache": """
            cache = {}
            def c(k):
                if k not in cache:
                    cache[k] = 1
                return cache[k]""",
        "cache.setdefault(k, …)": """
            cache = {}
            def c(k):
                return cache.setdefault(k, 1)""",
        "cache.get(k)": """
            cache = {}
            def c(k):
                v = cache.get(k)
                return 1 if v is None else v""",
    }[how]
    r = check_claim(_claim(tmp_path, body))
    assert not r.every_t, r.scope


# ----- a cell's step, a downward every_step family -------------------------------------------------------------------

CELL = '''
from symderiv import cell, claim, diag, product, sweep

CALLS = [0]


@cell("counting", params={{"W": ("n", "n")}})
def step(q, prev, x, p, f):
{body}


@claim("purity.cell", where="test", statement="test", model=step, sizes=sweep(n=(1, 2), t=(1, 2)))
def jacobian_product(m):
    return m.d(("h", m.t), ("h", 0)), product(lambda k: m.W * diag(m.dsigma(m.h(k - 1))), 1, m.t,
                                               order="descending", size=m.n)
'''


@pytest.mark.parametrize("pure", [False, True])
def test_state_in_a_cells_step(tmp_path, pure):
    body = "q.h = p.W * f.sigma(prev.h)" if pure else "CALLS[0] += 1\nq.h = p.W * f.sigma(prev.h)"
    path = tmp_path / f"purity_cell_{next(_ids)}.py"
    path.write_text(CELL.format(body=textwrap.indent(body, "    ")))
    r = check_claim({c.id: c for c in collect([path]).claims()}["purity.cell"])
    assert r.verdict == Verdict.HOLDS, r.scope
    assert r.every_t == pure, r.scope
    c = {c.id: c for c in collect([path]).claims()}["purity.cell"]
    st = step_check(c, {"n": 1}, 1, 2)
    if pure:
        assert st.impure is None, st.reason
    else:
        assert st.impure[0] == "the cell's step" and st.impure[1] in (7, 8) and st.impure[2] == "CALLS[0]", st.reason


DOWN = '''
from symderiv import claim, diag, elman_rnn, product, sweep, total
from symderiv.induction import every_step


@claim("purity.down", where="test", statement="test", model=elman_rnn, activation="tanh", loss="abstract",
       sizes=sweep(n={n}, t={t}))
def down(m):
{body}
    def closed(k):
        def term(s):
            chain = product(lambda r: diag(m.h(r).applyfunc(lambda v: 1 - v ** 2)) * m.W, k + 1, s,
                            order="descending", size=m.n)
            return chain.T * m.V.T * m.d(("E", s), ("o", s)).T
        return total(term, (m.n, 1), lo=k, hi=m.t) * c(k)
    return every_step(m, lambda k: (m.d(m.sum_of("E"), ("h", k)).T, closed(k)))
'''

DOWN_BODIES = {
    "a counter in the family": """
    cnt = [0]
    def c(k):
        cnt[0] += 1
        return 2 if cnt[0] == 6 else 1""",
    "pure": """
    def c(k):
        return 1""",
}


def _down(tmp_path, how, n=(1, 2), t=(2, 3)):
    path = tmp_path / f"purity_down_{next(_ids)}.py"
    path.write_text(DOWN.format(n=n, t=t, body=DOWN_BODIES[how]))
    return {c.id: c for c in collect([path]).claims()}["purity.down"]


@pytest.mark.parametrize("how", list(DOWN_BODIES))
def test_a_downward_family(tmp_path, how):
    r = check_claim(_down(tmp_path, how))
    if how == "pure":
        assert r.verdict == Verdict.HOLDS and r.every_t, r.scope
    else:
        assert not r.every_t, r.scope
        st = step_check(_down(tmp_path, how), {"n": 1}, 2, 3)
        assert st.impure is not None and st.impure[0] == "the every_step family", st.reason
        r6 = check_claim(_down(tmp_path, how, n=(1,), t=(6,)))
        assert r6.verdict == Verdict.FAILS and r6.counterexample.size["t"] == 6, r6.scope


# ----- the snapshot itself -------------------------------------------------------------------------------------------

def test_hidden_state_counts_as_a_change_and_so_does_a_snapshot_past_the_cap():
    import random

    for hidden in (iter([1, 2]), (i for i in range(3)), itertools.count(), random.Random(0), open(__file__)):
        f = (lambda h: (lambda k: h))(hidden)
        with pytest.raises(Impure, match="keeps state between its calls"):
            call("the term", None, f, 1)
    big = [[0] * 10 for _ in range(LIMIT // 10 + 1)]
    f = (lambda b: (lambda k: b))(big)
    with pytest.raises(_Hidden):
        snapshot([f])


def test_a_cycle_is_followed_once_and_an_unchanged_cycle_is_no_change():
    a = {"self": None, "xs": [1, 2]}
    a["self"] = a
    f = (lambda a: (lambda k: a["xs"][0]))(a)
    assert call("the term", None, f, 1) == 1
    before = snapshot([f])[0]
    a["xs"].append(3)
    assert snapshot([f])[0] != before
