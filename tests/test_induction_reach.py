"""The induction phase's cost does not grow with the sweep's t (the slow suite's OOM, 22 GB at a GRU case).

The step is decided at a symbolic t; the one place the phase asks the exact engine for an unrolled truth is
the cross-check of the recursion X_t = J_t X_{t−1} + P_t of the generic step (induction._recursion_matches).
It was built at t₀ + 1, the sweep's smallest t plus one, so its cost grew with the sweep: for the GRU's
dh_t/dh_0 at n = 2 swept at t = 3, the truth at t = 4 is a 445-node DAG whose polynomial normal form no
longer fits in memory (the concrete engine cannot decide that claim at t = 4 either). The recursion is a
property of one step (time-invariance itself is _step_breaks' check at every k), so it is checked at the
smallest horizon that exercises both J and P: t = 2 for a parameter, t = j + 1 for a state h_j.

The tests below watch what the phase unrolls (models.Model.trajectory, every unrolled truth goes through it)
instead of timing it: a probe refuses any horizon past the bound, so a regression fails at once, before any
expansion, and never eats the machine's memory.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from symderiv import diag, elman_rnn, eye, gru_cell, kron, product, total
from symderiv.claims import Claim
from symderiv.induction import step_check
from symderiv.models import Model
from symderiv.sizes import sweep
from tests.test_fp_coverage import gru as concrete_gru  # logistic and tanh: the slow suite's GRU


def _make(check, model, n, t):
    return Claim(id="reach.claim", where="test", statement="test", check=check, model=model,
                 sizes=sweep(n=(n,), t=(t,)), conventions={"layout": "row-major"})


def gru_dh_dh0(m):  # tests/test_differential.py's "gru" shape (the case the slow suite was killed at)
    return m.d(("h", m.t), ("h", 0)), product(lambda k: m.partial(("h", k), ("h", k - 1)), 1, m.t,
                                               order="descending", size=m.n)


def gru_dh_dh1(m):  # a later state h_j, j = 1: the recursion holds from t = j + 1
    return m.d(("h", m.t), ("h", 1)), product(lambda k: m.partial(("h", k), ("h", k - 1)), 2, m.t,
                                               order="descending", size=m.n)


def elman_dW(m):  # a parameter: X_t = J_t X_{t−1} + P_t with P_t ≠ 0
    J = lambda r: diag(m.dsigma(m.at("z", r))) * m.W
    P = lambda k: diag(m.dsigma(m.at("z", k))) * kron(eye(m.n), m.h(k - 1).T)
    return m.d(("h", m.t), "W"), total(lambda k: product(J, k + 1, m.t, order="descending", size=m.n) * P(k),
                                       (m.n, m.n * m.n), lo=1, hi=m.t)


def gru_dW_h(m):  # a parameter of a GRU: the truth's recursion has a non-zero P_t
    J = lambda r: m.partial(("h", r), ("h", r - 1))
    P = lambda k: m.partial(("h", k), "W_h")
    return m.d(("h", m.t), "W_h"), total(lambda k: product(J, k + 1, m.t, order="descending", size=m.n) * P(k),
                                         (m.n, m.n * m.n), lo=1, hi=m.t)


#: (check, model, the horizon the recursion is checked at: 2 for a parameter, j + 1 for a state h_j)
CASES = {
    "gru dh/dh0": (gru_dh_dh0, concrete_gru, 1),
    "gru dh/dh1": (gru_dh_dh1, concrete_gru, 2),
    "gru (σ) dh/dh0": (gru_dh_dh0, gru_cell, 1),
    "elman dh/dW": (elman_dW, elman_rnn, 2),
    "gru dh/dW_h": (gru_dW_h, concrete_gru, 2),
}


class _TooFar(Exception):
    pass


@pytest.fixture
def unrolled(monkeypatch):
    """The horizons the exact model is unrolled at; past ``limit[0]`` the probe refuses (nothing is expanded)."""
    seen, limit = [], [None]
    real = Model.trajectory

    def probe(self, *a, **kw):
        seen.append(self.t)
        if limit[0] is not None and self.t > limit[0]:
            raise _TooFar(f"the induction phase unrolled the model at t = {self.t}")
        return real(self, *a, **kw)

    monkeypatch.setattr(Model, "trajectory", probe)
    return seen, limit


@pytest.mark.parametrize("t0", [3, 5])
@pytest.mark.parametrize("case", list(CASES))
def test_the_recursion_check_unrolls_no_further_than_its_smallest_horizon_whatever_the_sweep(unrolled, case, t0):
    """The step is proved, and the exact truth it is cross-checked against is built at t = 2 (a parameter) or
    j + 1 (a state h_j), not at the sweep's t₀ + 1: the same at t₀ = 3 as at t₀ = 5."""
    check, model, horizon = CASES[case]
    seen, limit = unrolled
    limit[0] = horizon
    n = 2
    st = step_check(_make(check, model, n, t0), {"n": n}, t0)
    assert st.proved, st.reason
    assert seen and max(seen) == horizon


@pytest.mark.parametrize("case", list(CASES))
def test_a_refused_unrolling_refuses_the_step_never_proves_it(unrolled, case):
    """If the recursion's truth cannot be built (here: the probe refuses every horizon), the step is not
    proved and it says why: a check that could not run is never a proof."""
    check, model, _ = CASES[case]
    seen, limit = unrolled
    limit[0] = 0
    st = step_check(_make(check, model, 2, 3), {"n": 2}, 3)
    assert not st.proved and not st.search
    assert seen


def test_the_slow_suites_gru_case_runs_within_a_memory_cap():
    """The case the slow suite was OOM-killed at (22 GB): tests/test_differential.py's GRU dh_t/dh_0 at n = 2,
    t = 3, its induction step decided under a 3 GB address-space cap, in a child process (a regression aborts
    the child, never this run)."""
    code = textwrap.dedent("""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2 ** 30, 3 * 2 ** 30))
        from symderiv import product
        from symderiv.claims import Claim
        from symderiv.induction import step_check
        from symderiv.sizes import sweep
        from tests.test_fp_coverage import gru

        def check(m):
            return m.d(("h", m.t), ("h", 0)), product(lambda k: m.partial(("h", k), ("h", k - 1)), 1, m.t,
                                                       order="descending", size=m.n)

        claim = Claim(id="reach.gru", where="test", statement="test", check=check, model=gru,
                      sizes=sweep(n=(2,), t=(3,)), conventions={"layout": "row-major"})
        st = step_check(claim, {"n": 2}, 3)
        print("PROVED" if st.proved else "NOT PROVED: " + st.reason)
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (os.path.dirname(os.path.dirname(__file__)),
                                                                 os.environ.get("PYTHONPATH")) if p))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "PROVED", out.stdout


def test_the_search_past_the_sweep_runs_within_a_memory_cap():
    """Where the step is not proved, the search past the sweep used to ask the exact engine at t_max + 1, whose
    normal form of a true claim has no size bound (a time-varying GRU at n = 2, t = 4 aborted at 3 GB). It now asks
    F_p first (engine.check_past_sweep): no break, within the cap."""
    code = textwrap.dedent("""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2 ** 30, 3 * 2 ** 30))
        from symderiv import cell, hadamard, ones, product
        from symderiv import induction
        from symderiv.claims import Claim
        from symderiv.engine import check_past_sweep
        from symderiv.sizes import sweep
        from tests.test_fp_coverage import GRU_PARAMS

        @cell("GRU, doubled from step 5", params=GRU_PARAMS)
        def gru5(s, prev, x, p, f, k):
            s.z = f.logistic(p.W_z * prev.h + p.U_z * x)
            s.r = f.logistic(p.W_r * prev.h + p.U_r * x)
            s.htilde = f.tanh(p.W_h * hadamard(s.r, prev.h) + p.U_h * x)
            s.h = (hadamard(ones(s.z.rows) - s.z, prev.h) + hadamard(s.z, s.htilde)) * (
                2 if isinstance(k, int) and k >= 5 else 1)

        def check(m):  # the chain rule: true for every cell, at every t
            return m.d(("h", m.t), ("h", 0)), product(lambda k: m.partial(("h", k), ("h", k - 1)), 1, m.t,
                                                       order="descending", size=m.n)

        claim = Claim(id="reach.gru5", where="test", statement="test", check=check, model=gru5,
                      sizes=sweep(n=(2,), t=(3,)), conventions={"layout": "row-major"})
        st = induction.step_check(claim, {"n": 2}, 3)
        assert not st.proved and st.search, st.reason
        text, broken = induction._first_break({"n": 2, "t": 3}, lambda size: check_past_sweep(claim, size, seed=0))
        print("NO BREAK" if broken is None else "BREAK")
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (os.path.dirname(os.path.dirname(__file__)),
                                                                 os.environ.get("PYTHONPATH")) if p))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, (out.stdout + out.stderr)[-2000:]
    assert out.stdout.strip().endswith("NO BREAK"), out.stdout


@pytest.mark.parametrize("where", ["auto past AUTO_SYMBOLIC", "past the sweep"])
def test_what_F_p_cannot_evaluate_goes_to_the_exact_engine_not_to_an_error(make_claim, where):
    """F_p raises its own Unsupported and the claim language's (``every_step`` of sides that are not exact
    matrices); both mean "the exact engine decides", at a size ``auto`` gives to F_p and past the sweep alike."""
    from symderiv import every_step
    from symderiv.engine import check_identity_at, check_past_sweep, Phases
    from symderiv.results import Verdict
    from tests.test_induction_downward import elman_rnn, grad_h, unrolled

    c = make_claim(unrolled(extra=True), model=elman_rnn, activation="tanh", loss="abstract", n=(1,), t=(2, 3))
    size = {"n": 1, "t": 7}
    o, found = check_identity_at(c, size, backend="auto", seed=0, phases=Phases()) if where.startswith("auto") \
        else check_past_sweep(c, size, seed=0)
    assert o.status == Verdict.FAILS and found is not None   # the extra term exists from T = k + 3: false at 7
    right = make_claim(lambda m: every_step(m, lambda k: (grad_h(m, k), grad_h(m, k))), model=elman_rnn,
                       activation="tanh", loss="abstract", n=(1,), t=(2,))
    o, _ = check_identity_at(right, size, backend="auto", seed=0, phases=Phases()) if where.startswith("auto") \
        else check_past_sweep(right, size, seed=0)
    assert o.status == Verdict.HOLDS
