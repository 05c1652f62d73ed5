"""Issue 19.2: the kernel's ℤ/p re-check of a derivative w.r.t. a parameter, beyond the exact model's reach.

Column by column, dh_t/dW at n = 128 was n² forward runs and a closed form of it a dense n × n² sum (over 300 s at
t = 32), so random_check.MODULAR_REACH stopped at n = 64 and beyond it an F_p holds was trusted. Now such a
derivative is a linear map (kernel/modular.py's Operators) and the kernel compares uᵀ·lhs·x with uᵀ·rhs·x. Tested:

* a wrong holds at n = 80 (beyond the old reach) is refused by the kernel, for a false claim written many ways (the
  wrong block, a reversed product, a dropped term, the wrong step, through ``m.partial``, through a function of the
  model, through a loss); the true siblings are re-checked, not trusted; and through the engine, with the F_p
  finder planted to say holds;
* the projected Operators are the dense, column-by-column computation: uᵀ·S·x equal at one point with the same
  random functions, for random small cells and checks (hypothesis, including a cell that builds Operators inside
  its own step and checks that read entries), and for every shipped model claim.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest
import sympy as sp
from flint import nmod_mat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symderiv import HV, cell, diag, elman_rnn, eye, hadamard, kron, pal2019_rnn, product, total
from symderiv.claims import Claim, collect
from symderiv.engine import check_claim
from symderiv.kernel.accept import UNBOUNDED
from symderiv.kernel.random_check import PRIME_CONTENT
from symderiv.kernel import confirm_identity, modular
from symderiv.kernel.random_check import REACH
from symderiv.results import Verdict
from symderiv.sizes import sweep

ROOT = Path(__file__).resolve().parents[1]
P = (1 << 62) + 135  # a prime
FAR = {"n": 80, "t": 3}  # beyond the old MODULAR_REACH (n = 64)


def _claim(check, model=elman_rnn, size=FAR, cid="param.claim", **kw):
    return Claim(id=cid, where="test", statement="test", check=check, model=model,
                 sizes=sweep(n=(size["n"],), t=(size["t"],), fixed=("n", "t")), conventions={"layout": "row-major"},
                 **kw)


# ----- the closed forms (dh_t/dW, pal2019's Theorem 1, a loss gradient), true and wrong ---------------------------

def _elman_dW(m, block=lambda m, k: kron(eye(m.n), m.h(k - 1).T), order="descending", lo=1):
    """Elman: dh_t/dW = Σ_k Π_{r=k+1}^{t} D_r W · D_k (I ⊗ h_{k−1}ᵀ), D_r = diag σ'(z_r)."""
    J = lambda r: diag(m.dsigma(m.at("z", r))) * m.W  # noqa: E731
    D = lambda k: diag(m.dsigma(m.at("z", k)))  # noqa: E731
    terms = lambda k: product(J, k + 1, m.t, order=order, size=m.n) * D(k) * block(m, k)  # noqa: E731
    return m.d(("h", m.t), "W"), total(terms, (m.n, m.n * m.n), lo=lo, hi=m.t)


def _theorem1(m, block=lambda v: kron(eye(v.rows), v.T), order="descending", lo=1):
    """pal2019 Theorem 1, corrected: Σ_{k<t} Π_{r=k+1}^{t} W_R diag σ'(h_{r−1}) (I ⊗ σ(h_{k−1})ᵀ) + I ⊗ σ(h_{t−1})ᵀ."""
    factor = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))  # noqa: E731
    term = lambda k: product(factor, k + 1, m.t, order=order, size=m.n) * block(m.sigma(m.h(k - 1)))  # noqa: E731
    return m.d(("h", m.t), "W_R"), total(term, (m.n, m.n * m.n), lo=lo, hi=m.t - 1) + block(m.sigma(m.h(m.t - 1)))


def _lemma1(m, scale=1):
    t = m.t
    return (m.d(("h", t), "W_R"),
            scale * m.partial(("h", t), "W_R") + m.partial(("h", t), ("h", t - 1)) * m.d(("h", t - 1), "W_R"))


def _loss_sum(m, lo=1):
    """∂(Σ_k E_k)/∂W = Σ_k ∂E_k/∂W, the left side a function of the model."""
    whole = m.d(lambda q: sum(q.E(k) for k in range(1, q.t + 1)), "W")
    return whole, total([m.d(("E", k), "W") for k in range(lo, m.t + 1)], (1, m.n * m.n))


def _chain(m, k=None):
    """∂E_t/∂W = ∂E_t/∂h_t · dh_t/dW (a row times the linear map)."""
    k = m.t if k is None else k
    return m.d(("E", m.t), "W"), m.d(("E", m.t), ("h", k)) * m.d(("h", k), "W")


TRUE = {
    "elman dh/dW": (_elman_dW, elman_rnn),
    "theorem 1": (_theorem1, pal2019_rnn),
    "lemma 1 (m.partial)": (_lemma1, pal2019_rnn),
    "a loss sum (a function of the model)": (_loss_sum, elman_rnn),
    "a loss gradient by the chain rule": (_chain, elman_rnn),
}
FALSE = {
    "elman: h_k for h_{k−1} in the block": (lambda m: _elman_dW(m, block=lambda m, k: kron(eye(m.n), m.h(k).T)),
                                            elman_rnn),
    "elman: ascending product": (lambda m: _elman_dW(m, order="ascending"), elman_rnn),
    "elman: the first term dropped": (lambda m: _elman_dW(m, lo=2), elman_rnn),
    "theorem 1 as printed: HV for I ⊗ σᵀ": (lambda m: _theorem1(m, block=HV), pal2019_rnn),
    "theorem 1: σᵀ ⊗ I for I ⊗ σᵀ": (lambda m: _theorem1(m, block=lambda v: kron(v.T, eye(v.rows))), pal2019_rnn),
    "theorem 1: ascending product": (lambda m: _theorem1(m, order="ascending"), pal2019_rnn),
    "lemma 1: the explicit partial doubled": (lambda m: _lemma1(m, scale=2), pal2019_rnn),
    "a loss sum with its first term dropped": (lambda m: _loss_sum(m, lo=2), elman_rnn),
    "a chain rule through h_{t−1}": (lambda m: _chain(m, k=m.t - 1), elman_rnn),
}


def test_the_size_is_beyond_the_old_reach():
    assert FAR["n"] > 64 and FAR["n"] > REACH["n"]


@pytest.mark.parametrize("name", sorted(TRUE))
def test_a_true_derivative_wrt_a_parameter_at_n80_is_rechecked_by_the_kernel(name):
    check, model = TRUE[name]
    token, why = confirm_identity(_claim(check, model, cid=f"param.true.{name}"), FAR, trusts="the F_p trials")
    assert token is not None and token.trusts == () and token.degree is not None, why  # re-checked, degree bounded
    assert UNBOUNDED not in token.trusts
    bits, trials = token.error
    assert trials >= 1 and bits >= 30, token.error


@pytest.mark.parametrize("name", sorted(FALSE))
def test_a_false_derivative_wrt_a_parameter_at_n80_gets_no_token(name):
    check, model = FALSE[name]
    token, why = confirm_identity(_claim(check, model, cid=f"param.false.{name}"), FAR, trusts="the F_p trials")
    assert token is None, why


@pytest.mark.parametrize("name", ["theorem 1 as printed: HV for I ⊗ σᵀ", "elman: the first term dropped",
                                  "lemma 1: the explicit partial doubled"])
def test_a_planted_fp_holds_at_n80_is_not_a_holds(monkeypatch, name):
    """The F_p finder planted to say holds (every trial's projections compare equal) for a false claim at n = 80:
    the kernel refuses it, and the verdict is not holds (beyond n = 64 it trusted the F_p trials before)."""
    from symderiv.fp import trial

    original, seen = trial._batch, []

    def planted(*a, **k):
        equal, *rest = original(*a, **k)
        seen.append(equal)
        return (True, *rest)

    monkeypatch.setattr(trial, "_batch", planted)
    check, model = FALSE[name]
    r = check_claim(_claim(check, model, cid=f"param.planted.{name}"), backend="fp")
    assert seen and not all(seen)  # the honest comparison saw the difference; the plant said equal
    assert r.verdict != Verdict.HOLDS, r.scope
    said = " ".join([r.error or ""] + [o.detail for o in r.sizes])
    assert "the kernel's own check" in said, said


# ----- Operators are the dense computation -------------------------------------------------------------------------

class _Point(dict):
    """Every input a value fixed by its name (not by the order the run reads it in)."""

    def __contains__(self, key):
        return True

    def __missing__(self, key):
        v = self[key] = random.Random(f"point:{key}").randrange(P)
        return v


class _Keyed(modular.RandomFunctions):
    """Random functions whose values at an argument are fixed by the argument (not by the order of first use)."""

    def __init__(self):
        super().__init__(None, P)

    def at(self, name, x):
        if x not in self.tables.get(name, {}):
            r = random.Random(f"{name}:{x}")
            self.draw = lambda: r.randrange(P)
        return super().at(name, x)


def _projected(claim, size, *, operators: bool):
    """uᵀ·lhs·x and uᵀ·rhs·x (u, x fixed), with Operators (projected) or with every matrix dense (entries read)."""
    rng = random.Random(1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(modular, "OPERATORS", operators)
        try:
            lhs, rhs = modular.sides(claim, size, _Point(), None, None, P, random=_Keyed())
            vectors = {lhs.shape: (modular._mat(1, lhs.rows, [rng.randrange(P) for _ in range(lhs.rows)], P),
                                   modular._mat(lhs.cols, 1, [rng.randrange(P) for _ in range(lhs.cols)], P))}
            got = modular.project(lhs, rhs, None, vectors)
            lazy = got is not None
            if got is None:
                U, X = vectors[lhs.shape]
                got = tuple(int((U * side.val * X)[0, 0]) for side in (lhs, rhs))
        except Exception as e:  # the same refusal either way
            return (type(e).__name__, str(e)[:80]), False
    return (lhs.shape, got), lazy


@cell("test: h_t = diag(σ(h_{t−1})) W h_{t−1} + U x_t (diag inside the step)",
      params={"W": ("n", "n"), "U": ("n", "m")})
def diag_cell(s, prev, x, p, f):
    s.z = diag(f.sigma(prev.h)) * p.W * prev.h
    s.h = s.z + p.U * x


@cell("test: h_t = σ(W h_{t−1}) ⊙ h_{t−1} + kron(U, 1) x_t", params={"W": ("n", "n"), "U": ("n", "m")})
def hadamard_cell(s, prev, x, p, f):
    s.z = p.W * prev.h
    s.h = hadamard(f.sigma(s.z), prev.h) + kron(p.U, sp.ones(1, 1)) * x


CELLS = [(elman_rnn, "W"), (elman_rnn, "V"), (pal2019_rnn, "W_R"), (diag_cell, "W"), (hadamard_cell, "W")]


def _build(m, wrt, ops):
    """A random n × n² expression from dS/dwrt: products, sums, scalings, krons, diagonals, partials, transposes."""
    n = m.n
    W = getattr(m, wrt)
    S = m.d(("h", m.t), wrt)
    for op, k in ops:
        k = k % (m.t + 1)
        if op == 0:
            S = diag(m.sigma(m.h(k))) * S
        elif op == 1:
            S = W * S
        elif op == 2:
            S = S + kron(eye(n), m.h(k).T)
        elif op == 3:
            S = S - HV(m.sigma(m.h(k)))
        elif op == 4:
            S = 3 * S
        elif op == 5:
            S = -S
        elif op == 6:
            S = product(lambda r: W * diag(m.dsigma(m.h(r))), 0, k, order="descending", size=n) * S
        elif op == 7:
            S = S * kron(W, eye(n))
        elif op == 8:
            S = total([S, m.partial(("h", max(k, 1)), wrt)], (n, n * n))
        elif op == 9:
            S = S + m.d(("h", k), wrt)
        elif op == 10:
            S = S.T.T  # read every entry: the dense matrix
        elif op == 11:
            S = sp.Matrix(sp.eye(n)) * S
    return S


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(which=st.integers(0, len(CELLS) - 1), activation=st.sampled_from(["abstract", "tanh", "logistic", "identity"]),
       n=st.integers(1, 3), t=st.integers(1, 3), m=st.integers(1, 2),
       layout=st.sampled_from(["row-major", "col-major"]),
       left=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 3)), max_size=5),
       right=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 3)), max_size=5))
def test_projected_operators_are_the_dense_column_by_column_computation(which, activation, n, t, m, layout, left,
                                                                        right):
    model, wrt = CELLS[which]
    claim = Claim(id="param.random", where="test", statement="test", model=model, activation=activation,
                  sizes=sweep(n=(n,), t=(t,), m=(m,)), conventions={"layout": layout},
                  check=lambda q: (_build(q, wrt, left), _build(q, wrt, right)))
    size = {"n": n, "t": t, "m": m}
    lazy, was = _projected(claim, size, operators=True)
    dense, _ = _projected(claim, size, operators=False)
    assert lazy == dense
    if not any(op == 10 for op, _ in left + right) and lazy[0] != "KernelError":
        assert was  # the projection was taken, not only the dense fallback


@pytest.fixture(scope="module")
def model_claims():
    return [c for c in collect(sorted((ROOT / "proofs").rglob("*.py"))).claims() if c.model is not None]


@pytest.mark.parametrize("size", [{"n": 3, "t": 3}, {"n": 2, "t": 2, "m": 2}])
def test_every_shipped_model_claim_means_the_same_with_operators(model_claims, size):
    projected = 0
    for claim in model_claims:
        lazy, was = _projected(claim, size, operators=True)
        dense, _ = _projected(claim, size, operators=False)
        assert lazy == dense, claim.id
        projected += was
    assert projected >= 10  # the shipped derivatives w.r.t. a parameter are projected


def test_a_check_that_reads_the_entries_of_a_large_parameter_derivative_leaves_the_trials_trusted():
    """Reading dh_t/dW entry by entry is one forward run per column: beyond random_check.COLUMN_RUNS step runs the
    kernel does not grind through them (n = 80, t = 8: 6 400 runs of 8 steps) but leaves the F_p trials trusted, and
    says so; its sibling that only multiplies and adds the derivative is re-checked."""
    from symderiv.kernel.random_check import COLUMN_RUNS

    size = {"n": 80, "t": 8}
    assert size["n"] ** 2 * size["t"] > COLUMN_RUNS
    row = lambda m: tuple(side[0, :] for side in _elman_dW(m))  # noqa: E731  (entries read: the dense matrix)
    token, why = confirm_identity(_claim(row, size=size, cid="param.rows"), size, trusts="the F_p trials")
    assert token is not None and token.trusts and token.trusts[0].startswith("the F_p trials"), why
    token, why = confirm_identity(_claim(_elman_dW, size=size, cid="param.whole"), size, trusts="the F_p trials")
    assert token is not None and token.trusts == () and token.degree is not None, why  # re-checked, bounded


@cell("test: h_t = diag(b) h_{t−1} + U x_t (a linear state: Operators from the diagonal on)",
      params={"b": "n", "U": ("n", "m")})
def linear_cell(s, prev, x, p, f):
    s.h = diag(p.b) * prev.h + p.U * x


def _nested(m, wrong=False):
    """h_t = Σ_k diag(b)^{t−k} U x_k + diag(b)^t h_0, built by the loop S ← diag(b)·(S + U x_k): t levels deep."""
    S = m.h(0)
    for k in range(1, m.t + 1):
        S = diag(m.b) * S + m.U * m.x(k) if not (wrong and k == 3) else diag(m.b) * (S + m.U * m.x(k))
    return m.h(m.t), S


@pytest.mark.parametrize("wrong", [False, True])
def test_a_long_horizon_of_linear_maps_is_not_a_deep_recursion(wrong):
    """A state that is a linear map of the last, and a check that nests t products and sums: at t = 200 (beyond the
    exact reach) the kernel re-checks the true claim and refuses the false one, with no RecursionError."""
    size = {"n": 8, "t": 200}
    claim = _claim(lambda m: _nested(m, wrong), model=linear_cell, size=size, cid=f"param.nested.{wrong}")
    token, why = confirm_identity(claim, size, trusts="the F_p trials")
    assert (token is None) == wrong, why
    if not wrong:
        assert token.trusts == () and token.degree is not None, why  # re-checked; its degree bounded
