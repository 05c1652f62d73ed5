"""Issue 19, item 2: the kernel's ℤ/p check bounds its own degree, so its error bound is derived, not trusted.

The ℤ/p forward mode (kernel/modular.py) carries beside each value (one per matrix) and each tangent a bound (dn, dd)
on its degree as a rational function of the run's random values, and each random-function site the weight of its
argument, so random_check._modular states E = D (+ 2 when projected) + (2S − 1)·Σw and its token trusts nothing.

* (1) a hypothesis property: on random small cells and checks (derivatives w.r.t. a parameter and w.r.t. a state,
  products, elementwise products, a cell's softmax and cross-entropy, whose log puts denominators in), the ℤ/p run's
  bound of lhs − rhs is ≥ its exact degree, computed by SymPy (deg N + deg M of the reduced fraction) from the
  kernel's exact model run on fresh variables;
* (2) the shipped claims past the exact model's reach state a finite E, below 2^62, and their tokens trust nothing;
* (3) a planted rule bug (× adding max instead of sum; + ignoring denominators; a random function's derivative
  of degree 1 for log's 1/x) makes property (1) fail on a fixed set of examples.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symderiv import diag, eye, hadamard, pal2019_generic_rnn
from symderiv.claims import Claim, collect
from symderiv.engine import check_claim
from symderiv.kernel import modular
from symderiv.kernel.accept import UNBOUNDED
from symderiv.kernel.random_check import PRIME_CONTENT
from symderiv.results import Verdict
from symderiv.sizes import sweep
from tests.test_modular_param import CELLS, _build

ROOT = Path(__file__).resolve().parents[1]
P = (1 << 62) + 135  # a prime


# ----- the ℤ/p run's bound, and the exact degree ------------------------------------------------------------------

def _modular_bound(claim, size) -> tuple[int | None, int | None]:
    """(D, E) of one ℤ/p run at a random point: D the bound of lhs − rhs, E the trial's error degree."""
    from symderiv.kernel.model import Draws as _Draws

    rng = random.Random(0)
    draw = lambda: rng.randrange(P)  # noqa: E731
    rf = modular.RandomFunctions(draw, P)
    lhs, rhs = modular.sides(claim, size, _Draws(draw), None, None, P, random=rf)
    vectors: dict = {}
    modular.project(lhs, rhs, draw, vectors)
    D = modular._dtotal(modular._dadd(lhs.deg, rhs.deg))
    E, _ = modular.error_degree(lhs.deg, rhs.deg, rf, bool(vectors))
    return D, E


def fresh_sides(claim, size) -> tuple:
    """(lhs, rhs, symbols) of the kernel's exact model with every random value a fresh variable (the run
    random_check.degree_info makes), for the tests that compare a bound with the exact polynomial."""
    from symderiv.kernel import dual, free
    from symderiv.kernel.check import _sides
    from symderiv.kernel.random_check import _Fresh, _trial

    fresh = _Fresh()
    exact = dual.number
    dual.number = free.number = fresh.number(exact)
    try:
        out, _ = _trial(claim, size, random.Random(0), draw=fresh)
        lhs, rhs = _sides(out)
    finally:
        dual.number = free.number = exact
    syms = sorted(fresh.symbols, key=str)
    return lhs, rhs, syms


def _exact_degree(claim, size) -> int | None:
    """max over entries of deg N + deg M of lhs − rhs = N/M reduced, on the kernel's exact model with every random
    value a fresh variable (random_check.degree_info's run); None where the entries are not rational functions."""
    lhs, rhs, syms = fresh_sides(claim, size)
    worst = 0
    for a, b in zip(lhs, rhs):
        e = sp.sympify(a) - sp.sympify(b)
        if e.atoms(sp.Function) or not e.free_symbols <= set(syms):
            return None
        num, den = sp.fraction(sp.together(e))
        if den.free_symbols:  # a reduced fraction (a polynomial's Poly is canonical already)
            num, den = sp.fraction(sp.cancel(num / den))
        num = sp.Poly(num, *syms)
        if num.is_zero:
            continue
        worst = max(worst, num.total_degree() + sp.Poly(den, *syms).total_degree())
    return worst


# ----- random checks ----------------------------------------------------------------------------------------------

def _state_side(m, wrt, ops):
    """An n × n expression from dh_t/dh_0: products by parameters and diagonals, elementwise products, sums."""
    W = getattr(m, wrt)
    S = m.d(("h", m.t), ("h", 0))
    for op, k in ops:
        k = k % (m.t + 1)
        if op == 0:
            S = diag(m.sigma(m.h(k))) * S
        elif op == 1:
            S = W * S
        elif op == 2:
            S = S + m.d(("h", k), ("h", 0))
        elif op == 3:
            S = hadamard(S, S)
        elif op == 4:
            S = S * S
        elif op == 5:
            S = 3 * S - eye(m.n)
        elif op == 6:
            S = S * diag(m.dsigma(m.h(k)))
    return S


def _loss_side(m, ops):
    """A 1 × n or n × 1 expression from a cell's softmax output and its cross-entropy (log: denominators)."""
    S = m.d(("E", m.t), ("h", m.t))
    for op, k in ops:
        k = max(1, k % (m.t + 1))
        if op == 0:
            S = S * diag(m.o(k))
        elif op == 1:
            S = S + m.d(("E", k), ("h", k))
        elif op == 2:
            S = hadamard(S, m.o(k).T)
        elif op == 3:
            S = S * m.W_R
        elif op == 4:
            S = (m.o(k).T * m.o(k))[0, 0] * S
        elif op == 5:
            S = S - m.o(k).T
        elif op == 6:
            S = S * m.d(("h", k), ("h", 0))
    return S


def _log_side(m, wrt, ops):
    """An n × n expression from d log(h_t)/dh_0 = diag(1/h_t)·dh_t/dh_0 (log's derivative: denominators), and sums
    and products of such, whose denominators differ."""
    W = getattr(m, wrt)
    S = m.d(lambda q: q.f.log(q.h(q.t)), ("h", 0))
    for op, k in ops:
        k = k % (m.t + 1)
        if op == 0:
            S = S * S
        elif op == 1:
            S = S + m.d(lambda q, k=k: q.f.log(q.h(k)), ("h", 0))
        elif op == 2:
            S = hadamard(S, S)
        elif op == 3:
            S = W * S
        elif op == 4:
            S = S * m.d(("h", m.t), ("h", 0))
        elif op == 5:
            S = S - eye(m.n)
        elif op == 6:
            S = diag(m.sigma(m.h(k))) * S
    return S


OPS = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), max_size=3)


def _claim(kind, which, activation, n, t, m, left, right):
    size = {"n": n, "t": t, "m": m}
    sizes = sweep(n=(n,), t=(t,), m=(m,))
    if kind == "param":
        model, wrt = CELLS[which]
        check = lambda q: (_build(q, wrt, left), _build(q, wrt, right))  # noqa: E731
        kw = {}
    elif kind in ("state", "log"):
        model, wrt = CELLS[which]
        side = _state_side if kind == "state" else _log_side
        check = lambda q: (side(q, wrt, left), side(q, wrt, right))  # noqa: E731
        kw = {}
    else:
        model = pal2019_generic_rnn
        check = lambda q: (_loss_side(q, left), _loss_side(q, right))  # noqa: E731
        kw = {"loss": "cross-entropy"}
    claim = Claim(id=f"degree.{kind}", where="test", statement="test", model=model, activation=activation,
                  sizes=sizes, conventions={"layout": "row-major"}, check=check, **kw)
    return claim, size


def _violation(claim, size) -> str | None:
    """Why the ℤ/p bound is below the exact degree (None when it is not, or the check does not run)."""
    try:
        D, E = _modular_bound(claim, size)
    except (modular.KernelError, modular.Unsupported, modular._Unbatchable):
        return None  # the check does not run over ℤ/p (a refusal, the same on both paths)
    exact = _exact_degree(claim, size)
    if exact is None or D is None:
        return None
    if D < exact or E < exact:
        return f"bound D = {D}, E = {E} below the exact degree {exact}"
    return None


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(kind=st.sampled_from(["param", "state", "loss", "log"]), which=st.integers(0, len(CELLS) - 1),
       activation=st.sampled_from(["abstract", "tanh", "logistic"]), n=st.integers(1, 2), t=st.integers(1, 2),
       m=st.integers(1, 2), left=OPS, right=OPS)
def test_the_modular_degree_bound_is_at_least_the_exact_degree(kind, which, activation, n, t, m, left, right):
    claim, size = _claim(kind, which, activation, n, t, m, left, right)
    why = _violation(claim, size)
    assert why is None, why


#: fixed examples (each a nonzero difference whose degree the rules must reach): (kind, which, activation, n, t, m,
#: left, right)
EXAMPLES = [
    ("param", 0, "abstract", 2, 2, 1, [(1, 0)], [(0, 1)]),
    ("param", 2, "tanh", 2, 2, 1, [(6, 2)], []),
    ("state", 0, "abstract", 2, 2, 1, [(4, 0)], [(3, 1)]),
    ("state", 2, "logistic", 2, 2, 1, [(1, 0), (4, 0)], [(0, 2)]),
    ("loss", 0, "abstract", 2, 2, 1, [(0, 1)], [(5, 1)]),
    ("log", 0, "abstract", 2, 1, 1, [(0, 0)], []),
    ("log", 0, "abstract", 2, 2, 1, [(1, 1)], [(2, 0)]),
    ("log", 2, "tanh", 2, 2, 1, [(4, 0)], []),
    ("log", 0, "abstract", 2, 1, 1, [(0, 0), (1, 0)], [(3, 0)]),
]


def _violations() -> list[str]:
    out = []
    for ex in EXAMPLES:
        why = _violation(*_claim(*ex))
        if why is not None:
            out.append(f"{ex}: {why}")
    return out


def test_the_fixed_examples_are_bounded_and_informative():
    assert _violations() == []
    # each example is a nonzero difference (so a bound below its degree would be seen), and most reach degree ≥ 3
    degrees = [_exact_degree(*_claim(*ex)) for ex in EXAMPLES]
    assert all(d for d in degrees) and sum(d >= 5 for d in degrees) >= 7, degrees


_ORIG_DMUL, _ORIG_DADD = modular._dmul, modular._dadd


def _max_mul(a, b):
    if a is None or b is None:
        return None
    if a == modular.UNB or b == modular.UNB:
        return modular.UNB
    return (max(a[0], b[0]), max(a[1], b[1])) + _ORIG_DMUL(a, b)[2:]  # heights kept: only degrees bent


def _add_no_denominators(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a == modular.UNB or b == modular.UNB:
        return modular.UNB
    return (max(a[0], b[0]), max(a[1], b[1])) + _ORIG_DADD(a, b)[2:]  # heights kept: only degrees bent


def _log_inverse_one(name, xdeg):
    return (modular.VAR, modular.VAR, modular.VAR) if name == "log" else PLAIN_DEGREES(name, xdeg)


PLAIN_DEGREES = modular.RandomFunctions.degrees


@pytest.mark.parametrize("plant", ["× adds max instead of sum", "+ ignores denominators",
                                   "log's derivative 1/x of degree 1"])
def test_a_planted_rule_bug_breaks_the_property(monkeypatch, plant):
    if plant.startswith("×"):
        monkeypatch.setattr(modular, "_dmul", _max_mul)
    elif plant.startswith("+"):
        monkeypatch.setattr(modular, "_dadd", _add_no_denominators)
    else:
        monkeypatch.setattr(modular.RandomFunctions, "degrees", staticmethod(_log_inverse_one))
    assert _violations(), f"the planted bug ({plant}) went unseen"


# ----- the shipped claims past the exact model's reach: E finite, nothing trusted ---------------------------------

#: the shipped claims whose sizes go past the exact model's reach (n > 6 or t > 12), which trusted accept.UNBOUNDED
SHIPPED = ["goodfellow.eq10-18-n32", "goodfellow.eq10-18-first-step-n32", "goodfellow.eq10-18.corrected-n32",
           "goodfellow.eq10-21-any-loss-n32", "goodfellow.eq10-21-n32", "gru.direct-n32", "gru.total-n32",
           "examples.lstm.dh-dh0"]


@pytest.fixture(scope="module")
def shipped():
    return {c.id: c for c in collect(sorted((ROOT / "proofs").rglob("*.py"))).claims()}


@pytest.mark.parametrize("cid", SHIPPED)
def test_a_shipped_claim_past_the_exact_reach_states_a_finite_error_and_trusts_nothing(shipped, cid):
    r = check_claim(shipped[cid])
    assert r.verdict == Verdict.HOLDS, r.scope
    assert r.trusted == [], r.trusted
    past = [o for o in r.sizes if o.size.get("n", 1) > 6 or o.size.get("t", 1) > 12]
    assert past
    for o in past:
        k = o.kernel
        assert k is not None and k.holds and k.trusts == () and UNBOUNDED not in k.trusts, k
        assert k.degree is not None and 0 < k.degree < 2 ** 40 and k.error_bits == 62, k


# ----- every site counted: a function of the model and a deferred output read only along seeds -------------------

def _sites(check, model, n=3, t=2, **kw):
    from symderiv.kernel.model import Draws as _Draws

    rng = random.Random(0)
    draw = lambda: rng.randrange(P)  # noqa: E731
    rf = modular.RandomFunctions(draw, P)
    claim = Claim(id="degree.sites", where="test", statement="test", model=model, check=check,
                  sizes=sweep(n=(n,), t=(t,)), conventions={"layout": "row-major"}, **kw)
    modular.sides(claim, {"n": n, "t": t}, _Draws(draw), None, None, P, random=rf)
    return rf.sites


@pytest.mark.parametrize("name", ["σ inside a function of the model", "log inside a function of the model",
                                  "a softmax output read only along seeds", "a loss read only along seeds"])
def test_a_site_met_only_in_seeded_runs_is_counted(name):
    """The collision term counts the sites met without a tangent (a site with one repeats the plain run's). A check
    whose random functions are met only along seeds (a function of the model differentiated w.r.t. a state, a
    deferred output or loss read only by m.d) must still have them counted: n·t for the cell's σ and n more."""
    from symderiv import elman_rnn

    n, t = 3, 2
    zeros = lambda m, r, c: sp.zeros(r, c)  # noqa: E731
    checks = {
        "σ inside a function of the model": (lambda m: (m.d(lambda q: q.sigma(q.h(q.t)), ("h", 0)),
                                                       zeros(m, m.n, m.n)), elman_rnn, {}),
        "log inside a function of the model": (lambda m: (m.d(lambda q: q.f.log(q.h(q.t)), ("h", 0)),
                                                         zeros(m, m.n, m.n)), elman_rnn, {}),
        "a softmax output read only along seeds": (lambda m: (m.d(("o", m.t), ("h", 0)), zeros(m, m.n, m.n)),
                                                   pal2019_generic_rnn, {}),
        "a loss read only along seeds": (lambda m: (m.d(("E", m.t), ("h", 0)), zeros(m, 1, m.n)),
                                         pal2019_generic_rnn, {"loss": "cross-entropy"}),
    }
    check, model, kw = checks[name]
    assert _sites(check, model, n, t, **kw) >= n * t + n
