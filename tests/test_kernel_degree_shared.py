"""The degree run's variables are one object per index for the whole process (issue 20.6, branch cpu8).

kernel/random_check.py's degree run (:func:`degree_info`) evaluates the claim with every random value a variable and
reads E off the sides' trees. Since cpu8 the k-th variable a run makes is the same object r_k in every run
(``_VARIABLES``), so runs that repeat operations (the claim at t and t + 1, the unrolled term beside the claim's own
check, the same size twice) hit SymPy's cache. The property: every Degree (E, why, the exact run's E, the log
arguments, the refusal, the formal reading) and the sides themselves (their DAG shape, leaf by leaf) are what fresh
Dummies give (``SHARED_VARIABLES = False``, the computation before cpu8), whatever runs came before in the process.
The comparison runs inside the audit's own path (engine.check_claim), so the step's and the unrolling's degree runs
(kernel/step.py's _Check, _Unroll) are compared too.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import sympy as sp

from symderiv.kernel import random_check as rc

PROOFS = Path(__file__).resolve().parent.parent / "proofs"


def _shape(exprs) -> tuple:
    """The DAG of the expressions, canonically numbered: two expressions with equal shapes are the same tree with
    the same leaves (a symbol by its class and name, a number by its value). Each shared object is visited once."""
    table: dict = {}
    ids: dict = {}

    def number(e):
        stack = [(e, False)]
        while stack:
            x, ready = stack.pop()
            if id(x) in ids:
                continue
            if not ready:
                stack.append((x, True))
                stack.extend((a, False) for a in x.args if isinstance(a, sp.Basic) and id(a) not in ids)
                continue
            if x.is_Symbol:
                key = ("symbol", type(x).__name__, x.name)
            elif not x.args:
                key = ("atom", type(x).__name__, sp.srepr(x))
            else:
                key = (type(x).__name__, tuple(ids[id(a)] if isinstance(a, sp.Basic) else repr(a) for a in x.args))
            ids[id(x)] = table.setdefault(key, len(table))
        return ids[id(e)]

    roots = tuple(number(sp.sympify(e)) for e in exprs)
    return roots, tuple(table)


class _Compared:
    """degree_info run twice at every call, with fresh Dummies and with the shared variables: the two must agree."""

    def __init__(self, monkeypatch):
        self.calls, self.kinds, self.mismatches = 0, set(), []
        self.sides: list = []
        original, trial = rc.degree_info, rc._trial

        def recording_trial(claim, size, rng, *a, draw=None, **k):
            out = trial(claim, size, rng, *a, draw=draw, **k)
            if isinstance(draw, rc._Fresh):
                from symderiv.kernel.check import _sides

                lhs, rhs = _sides(out[0])
                self.sides.append(_shape(list(lhs) + list(rhs)))
            return out

        def both(claim, size):
            self.sides = []
            monkeypatch.setattr(rc, "SHARED_VARIABLES", False)
            old = original(claim, size)
            old_sides = self.sides
            self.sides = []
            monkeypatch.setattr(rc, "SHARED_VARIABLES", True)
            new = original(claim, size)
            # recorded, not raised: a caller may catch an exception (read_terms reads one as "unreadable")
            if _fields(new) != _fields(old) or self.sides != old_sides:
                self.mismatches.append((getattr(claim, "id", "?"), type(claim).__name__, dict(size)))
            self.calls += 1
            self.kinds.add(type(claim).__name__)
            return new

        monkeypatch.setattr(rc, "_trial", recording_trial)
        monkeypatch.setattr(rc, "degree_info", both)


def _fields(d: rc.Degree) -> tuple:
    formal = None if d.formal is None else (sorted(map(str, d.formal[0].symbols)) if hasattr(d.formal[0], "symbols")
                                            else None, _shape(list(d.formal[1]) + list(d.formal[2])))
    return d.E, d.why, d.exact, d.why_exact, d.logs, d.refuse, formal


def _random_check(seed: int):
    """A random claim about the paper's RNN: sides built from h_k, σ(h_k), σ'(h_k), W_R, diag and d(h_t)/d(W_R)."""
    from symderiv import diag

    def check(m):
        rng = random.Random(seed)

        def vec(depth):
            k = rng.randint(0, m.t)
            op = rng.choice(["h", "sigma", "dsigma", "W", "diag", "+"] if depth else ["h", "sigma"])
            if op == "h":
                return m.h(k)
            if op == "sigma":
                return m.sigma(m.h(k))
            if op == "dsigma":
                return m.dsigma(m.h(k))
            if op == "W":
                return m.W_R * vec(depth - 1)
            if op == "diag":
                return diag(vec(depth - 1)) * vec(depth - 1)
            return vec(depth - 1) + vec(depth - 1)

        if rng.random() < 0.3:
            return m.d(("h", m.t), "W_R"), m.d(("h", m.t), "W_R") + vec(2) * sp.ones(1, m.n * m.n)
        return vec(3), vec(3)

    return check


@pytest.mark.parametrize("seed", range(12))
def test_generated_claims_get_the_same_degree_and_sides_with_shared_variables(monkeypatch, make_claim, seed):
    compared = _Compared(monkeypatch)
    claim = make_claim(_random_check(seed), n=(1, 2), t=(1, 2, 3))
    # the sizes in the sweep's order, then again: the shared variables' runs see SymPy's cache warm from the earlier
    for size in [{"n": n, "t": t} for n in (1, 2) for t in (1, 2, 3)] * 2:
        rc.degree_info(claim, size)
    assert compared.calls == 12 and not compared.mismatches, compared.mismatches


def _shipped(ids=None):
    from symderiv.claims import Group, collect

    col = collect([PROOFS])
    return [it for cid, it in col.items.items() if not isinstance(it, Group) and (ids is None or cid in ids)]


#: a few shipped claims of each kind the degree run meets: an every-t induction with the kernel's own peel and
#: unrolling (kernel/step.py's _Check and _Unroll), a GRU, closed forms of exp (softmax), free variables with √ (the
#: formal reading) and with an algebraic constant, a plain identity
SAMPLE = ("cs6180.jacobian-powers.corrected", "gru.direct", "goodfellow.eq10-18-first-step",
          "layernorm.rescale-positive", "cs6180.reflection-example.expansion", "avram2025.base-case")


def test_shipped_claims_get_the_same_degree_in_the_audits_path(monkeypatch):
    from symderiv.engine import check_claim

    compared = _Compared(monkeypatch)
    claims = _shipped(SAMPLE)
    assert len(claims) == len(SAMPLE)
    for claim in claims:
        check_claim(claim)
    assert compared.calls > 20 and not compared.mismatches, compared.mismatches
    assert {"_Check", "_Unroll"} <= compared.kinds, compared.kinds


@pytest.mark.slow
def test_every_shipped_claim_gets_the_same_degree_in_the_audits_path(monkeypatch):
    from symderiv.engine import check_claim

    compared = _Compared(monkeypatch)
    for claim in _shipped():
        check_claim(claim)
    assert compared.calls > 200 and not compared.mismatches, compared.mismatches
