"""The randomized exact backend over F_p agrees with the exact symbolic reference, and states its bound."""
import json

import pytest
from click.testing import CliRunner

from symderiv import fp
from symderiv.cli import ExitCode, main
from symderiv.engine import check_claim
from symderiv.results import Verdict
from tests.test_quality import PLANTED, closed_form

SIZES = [(n, t) for n in (1, 2, 3) for t in (1, 2, 3, 4)]
VARIANTS = {"true closed form": ({}, lambda n, t: False), **PLANTED}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_fp_agrees_with_the_exact_engine_at_every_small_size(make_claim, name):
    kw, differs = VARIANTS[name]  # `differs` is where the exact engine (tests/test_quality.py) finds a difference
    claim = make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m, **kw)))
    for n, t in SIZES:
        out = fp.test_identity(claim, {"n": n, "t": t}, seed=n * 10 + t)
        assert out.equal == (not differs(n, t)), (name, n, t)
        if out.equal:
            assert out.error_bits >= 64 and out.degree <= 2 * t + 3


@pytest.mark.parametrize("name", ["true closed form", "ascending product order", "HV in place of I ⊗ vᵀ"])
def test_fp_and_sympy_reference_give_the_same_verdicts(make_claim, name):
    kw, _ = VARIANTS[name]
    claim = make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m, **kw)), n=(1, 2), t=(1, 2, 3))
    a, b = check_claim(claim, backend="fp"), check_claim(claim, backend="sympy")
    assert [s.status for s in a.sizes] == [s.status for s in b.sizes]
    if a.verdict == Verdict.FAILS:  # certified by the symbolic path at the smallest failing size
        assert a.counterexample is not None and a.counterexample.size == b.counterexample.size


def test_large_sizes_pick_the_randomized_backend_and_say_so(monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    r = CliRunner().invoke(main, ["check", "pal2019.theorem1.corrected", "pal2019.lemma2", "--n", "24", "--t", "40",
                                  "--format", "json"])
    assert r.exit_code == ExitCode.OK, r.output
    claims = {c["id"]: c for c in json.loads(r.output)["claims"]}
    assert claims["pal2019.theorem1.corrected"]["verdict"] == "holds"
    assert "F_p" in claims["pal2019.theorem1.corrected"]["scope"] and "error ≤ 2^−" in \
        claims["pal2019.theorem1.corrected"]["scope"]
    lemma2 = claims["pal2019.lemma2"]
    assert lemma2["verdict"] == "fails" and lemma2["counterexample"]["size"] == {"n": 2, "t": 1}


def test_unsupported_claims_are_a_clear_error(make_claim):
    """Forced F_p on what a field cannot evaluate (atan: not among +, ×, powers, exp, log, sin, cos, tanh) is an error naming it."""
    import sympy as sp

    claim = make_claim(lambda m: (m.h(m.t).applyfunc(sp.atan), m.h(m.t).applyfunc(sp.atan)), n=(8,), t=(9,))
    r = check_claim(claim, backend="fp")
    assert r.verdict == Verdict.ERROR and "atan" in r.error


def test_softmax_outputs_are_evaluated_over_fp_now(make_claim):
    """pal2019's softmax output o_t = softmax(W_O h_t + b_O) (exp atoms and a field inverse) holds against itself."""
    claim = make_claim(lambda m: (m.o(m.t), m.o(m.t)), n=(8,), t=(9,))
    r = check_claim(claim, backend="fp")
    assert r.verdict == Verdict.HOLDS and "exp" in r.scope, r.error or r.scope


def test_field_arithmetic_does_not_overflow():
    import numpy as np
    from flint import nmod_mat

    p = fp.random_prime(np.random.default_rng(0))  # ≥ 2⁶²: products of residues need 124 bits
    rng = np.random.default_rng(1)
    A = [[p - 1 - int(x) for x in row] for row in rng.integers(0, 1000, size=(300, 300))]
    B = [[p - 1 - int(x) for x in row] for row in rng.integers(0, 1000, size=(300, 2))]
    a = fp.Val([nmod_mat(300, 300, [x for r in A for x in r], p)], 300, 300, 1, 0.0, 0.0)
    b = fp.Val([nmod_mat(300, 2, [x for r in B for x in r], p)], 300, 2, 1, 0.0, 0.0)
    exact = [[sum(A[i][k] * B[k][j] for k in range(300)) % p for j in range(2)] for i in range(3)]
    got = (a * b).a[0].tolist()
    assert [[int(x) for x in row] for row in got[:3]] == exact


def test_numbers_in_a_cell_keep_the_forward_mode_tangent():
    from symderiv import cell, diag, eye, kron
    from symderiv.claims import Claim
    from symderiv.sizes import sweep

    @cell("doubled", params={"W_R": ("n", "n"), "b": "n"})
    def doubled(s, prev, x, p, f):
        s.h = 2 * (p.W_R * f.sigma(prev.h)) + p.b

    def check(m):
        blk = kron(eye(m.n), m.sigma(m.h(m.t - 1)).T)
        rhs = blk + blk
        if m.t == 2:
            back = m.W_R * diag(m.dsigma(m.h(1))) * m.d(("h", 1), "W_R")
            rhs = rhs + back + back
        return m.d(("h", m.t), "W_R"), rhs

    claim = Claim(id="test.doubled", where="t", statement="t", check=check, model=doubled,
                  sizes=sweep(n=(1, 2), t=(1, 2)), conventions={"layout": "row-major"})
    a, b = check_claim(claim, backend="fp"), check_claim(claim, backend="symengine")
    assert [s.status for s in a.sizes] == [s.status for s in b.sizes] == [Verdict.HOLDS] * 4
