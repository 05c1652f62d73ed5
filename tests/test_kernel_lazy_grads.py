"""The downward unrolling computes ∂E_j/∂o_j only where a term reads it (issue 20.6, branch cpu10).

`_Unroll._fresh` (kernel/step.py) gives the finder's loss atoms ∂E/∂o_i, applied at the kernel's own (o_j, y_j), the
kernel's own ∂E_j/∂o_j entry i. It computed ∂E_j/∂o_j for every j ≤ τ in advance (n forward runs seeded at o_j each),
in every degree run and trial of every horizon, also where the term reads none of them (the LSTM's c rows) or only
j < τ (its h row). Now each is computed when an atom first names its (o_j, y_j). The tests: over every key a term can
name (each atom at each step's (o_j, y_j), an atom the finder did not name, a point that is no step's, two steps with
one (o_j, y_j)) the lazy lookup gives the eager one's value and computes ∂E_j/∂o_j only for the j named, once; on the
downward families (Elman, the LSTM's three rows) the unrolling computes only the j its term reads, and every bound
(each horizon's Degree, the unrolling's and the claim's alone), the unrolling's outcome and the token are the eager
computation's.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import sympy as sp

from symderiv import elman_rnn
from symderiv.claims import collect
from symderiv.induction import step_check
from symderiv.kernel import step as kernel_step
from symderiv.kernel.model import Draws as _Draws
from symderiv.kernel.random_check import degree_infos

from test_kernel_shared_reading import down_row  # the Elman downward row, shared

ROOT = Path(__file__).resolve().parent.parent


def _eager_fresh(self, mk):
    """`_Unroll._fresh` before cpu10 (the reference): ∂E_j/∂o_j for every j ≤ τ, in advance."""
    draws = mk._draws
    own = {}
    if self.st.grads and self.model.output is not None:
        for j in range(1, self.tau + 1):
            at_o = tuple(sp.Matrix(mk.o(j))) + tuple(sp.Matrix(mk.y(j)))
            for f, v in zip(self.st.grads, sp.Matrix(mk.d(("E", j), ("o", j)))):
                own[(f, at_o)] = v

    def fresh(key):
        if isinstance(key, tuple) and key and key[0] == "undefined":
            got = own.get((key[1], tuple(key[2])))
            if got is not None:
                return got
        return draws[("unroll", key)]
    return fresh


class _Stub:
    """A model with outputs o_j = (j,), targets y_j = (0,) except step 3, whose (o_3, y_3) is step 2's, and
    ∂E_j/∂o_j = [10j, 10j + 1] (two entries: the finder names three atoms, the third past o's entries)."""

    def __init__(self):
        self.computed: list = []
        count = iter(range(1000, 10 ** 6))
        self._draws = _Draws(lambda: sp.Integer(next(count)))

    def o(self, j):
        return sp.Matrix([2 if j == 3 else j, 7])

    def y(self, j):
        return sp.Matrix([0])

    def d(self, of, wrt):
        assert of == ("E", of[1]) and wrt == ("o", of[1])
        self.computed.append(of[1])
        return sp.Matrix([[10 * of[1], 10 * of[1] + 1]])


def _stub_unroll(grads, tau=4):
    claim = SimpleNamespace(id="stub", model=SimpleNamespace(output=object()), activation="tanh", loss="abstract",
                            conventions={})
    st = SimpleNamespace(grads=grads)
    return kernel_step._Unroll(claim, st, tau)


def test_each_key_gives_the_eager_value_and_only_the_steps_named_are_computed():
    f1, f2, f3, other = sp.Function("dE1"), sp.Function("dE2"), sp.Function("dE3"), sp.Function("dF")
    un = _stub_unroll((f1, f2, f3))
    points = {j: (j if j != 3 else 2, 7, 0) for j in range(1, 5)}
    keys = [("undefined", f, points[j]) for f in (f1, f2, f3, other) for j in points]
    keys += [("undefined", f1, (9, 7, 0)), ("undefined", f1, (1, 7)), ("peel", "h", ("num", 2), 0), "x"]
    eager_mk, lazy_mk = _Stub(), _Stub()
    eager, lazy = _eager_fresh(un, eager_mk), un._fresh(lazy_mk)
    assert eager_mk.computed == [1, 2, 3, 4] and lazy_mk.computed == []
    for key in keys:  # a draw is told apart by its key only: the same key, the same entry of each model's draws
        want, got = eager(key), lazy(key)
        if want >= 1000:
            assert got >= 1000 and got == lazy_mk._draws[("unroll", key)], key
        else:
            assert got == want, key
    assert lazy(keys[0]) == 10  # f1 at step 1
    assert lazy(("undefined", f2, points[2])) == 31  # (o_2, y_2) is (o_3, y_3): the later step's, as before
    assert lazy(("undefined", f3, points[4])) >= 1000  # the third atom names no entry of o: a draw of its own
    assert sorted(lazy_mk.computed) == [1, 3, 4]  # once each, and never step 2 (its point is step 3's)


def test_no_atom_read_computes_nothing():
    mk = _Stub()
    fresh = _stub_unroll((sp.Function("dE1"),))._fresh(mk)
    fresh(("peel", "h", ("num", 2), 0))
    fresh(("undefined", sp.Function("dF"), (1, 7, 0)))
    assert mk.computed == []


# ----- the downward families ------------------------------------------------------------------------------------


def _lstm(cid):
    return {c.id: c for c in collect([ROOT / "proofs/examples/lstm_downward.py"]).claims()}[cid]


#: name → (the claim, n, the steps j < τ whose ∂E_j/∂o_j its term reads at τ: "none", "below τ", "all")
CASES = {
    "elman ∇_h L unrolled": (None, 1, "all"),
    "lstm.down.c-row": ("lstm.down.c-row", 1, "none"),
    "lstm.down.h-row": ("lstm.down.h-row", 1, "below τ"),
    "lstm.down.c-unrolled": ("lstm.down.c-unrolled", 1, "none"),
}


def _case(make_claim, name):
    cid, n, reads = CASES[name]
    c = make_claim(down_row, model=elman_rnn, activation="tanh", loss="abstract", n=(n,), t=(2, 3)) \
        if cid is None else _lstm(cid)
    t0, t1 = 2, 3
    st = step_check(c, {"n": n}, t0, t1)
    assert st.proved and st.statement.terms and st.statement.kind == "downward", st.reason
    return c, n, st.statement, t0, t1, reads


def _counting(monkeypatch, real):
    """`_Unroll._fresh` as ``real``, each ∂E_j/∂o_j it (or its lookup) computes recorded as (τ, base, j, its run)."""
    made: list = []
    runs = iter(range(10 ** 6))

    def fresh(self, mk):
        d, run = mk.d, next(runs)

        def counted(of, wrt, **kw):
            if type(of) is tuple and of[0] == "E" and type(wrt) is tuple and wrt[0] == "o":
                made.append((self.tau, self.base, of[1], run))
            return d(of, wrt, **kw)
        mk.d = counted
        return real(self, mk)
    monkeypatch.setattr(kernel_step._Unroll, "_fresh", fresh)
    return made


@pytest.mark.parametrize("name", list(CASES))
def test_the_unrolling_computes_only_the_steps_its_term_reads(monkeypatch, make_claim, name):
    c, n, st, t0, t1, reads = _case(make_claim, name)
    made = _counting(monkeypatch, kernel_step._Unroll._fresh)
    un = kernel_step.read_terms(c, {"n": n}, st, t0, t1)
    assert un.degree and un.differs_at is None and not un.unreadable, un
    hi = kernel_step.read_horizon_limit(t1)
    steps = {(tau, j) for tau, base, j, _ in made if not base}
    if reads == "none":
        assert made == []
    elif reads == "below τ":
        assert steps == {(tau, j) for tau in range(t0, hi + 1) for j in range(1, tau)}
    else:
        assert steps == {(tau, j) for tau in range(t0, hi + 1) for j in range(1, tau + 1)}
    assert len(made) == len(set(made)), made  # each once per run of the unrolling (its degree run, its trial)
    eager = _counting(monkeypatch, _eager_fresh)
    kernel_step.read_terms(c, {"n": n}, st, t0, t1)
    assert {(tau, j) for tau, base, j, _ in eager if not base} == \
        {(tau, j) for tau in range(t0, hi + 1) for j in range(1, tau + 1)}  # before: every j ≤ τ


def _token_fields(tok):
    return tok.kind, tok.how, tuple(tok.trusts), tok.error, tok.degree


@pytest.mark.parametrize("name", list(CASES))
def test_the_bounds_the_outcome_and_the_token_are_the_eager_ones(monkeypatch, make_claim, name):
    c, n, st, t0, t1, _ = _case(make_claim, name)
    hi = kernel_step.read_horizon_limit(t1)

    def run():
        degrees = []
        for t in range(t0, hi + 1):
            pseudo = kernel_step._Unroll(c, st, t)
            degrees.append(degree_infos(pseudo, {"n": n, "t": t}, part=pseudo.part))  # both Degrees, every field
        base = kernel_step._Unroll(c, st, 1 - st.terms[0].family[1], base=True)
        degrees.append(degree_infos(base, {"n": n, "t": base.tau}))
        un = kernel_step.read_terms(c, {"n": n}, st, t0, t1)
        tok, why, _ = kernel_step.confirm_every_t(c, {"n": n}, st, t0, t1)
        assert tok is not None, why
        return degrees, un, _token_fields(tok)

    lazy = run()
    monkeypatch.setattr(kernel_step._Unroll, "_fresh", _eager_fresh)
    assert run() == lazy
    assert all(whole.E for whole, _ in lazy[0])
