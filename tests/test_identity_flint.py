"""The sparse-polynomial normal form (identity._flint_is_zero): generators for function applications.

Issue 14 item 10: the LSTM claim at n = 3, t = 4 decided exactly. A zero polynomial in independent generators
proves the identity (specialising generators is a ring homomorphism); a non-zero one is only a suspicion, and
entries whose generators SymEngine knows relations of (exp, log, constants) go to SymEngine's expansion.
"""
import importlib.util
from pathlib import Path

import pytest
import sympy as sp

from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.functions import logistic, sigma
from symderiv.identity import _flint_is_zero, _flint_sides_is_zero, _symengine_expand_is_zero, nonzero_entries
from symderiv.kernel import verify_identity
from symderiv.results import Verdict

x, y, z = sp.symbols("x y z")
LSTM = Path(__file__).resolve().parent.parent / "proofs" / "examples" / "lstm_gradient.py"


@pytest.mark.parametrize("e, zero", [
    ((x + y) ** 3 - (x ** 3 + 3 * x ** 2 * y + 3 * x * y ** 2 + y ** 3), True),
    ((x + y) ** 3 - (x ** 3 + 3 * x ** 2 * y + 3 * x * y ** 2 + 2 * y ** 3), False),
    (sigma(x * (y + 1)) - sigma(x * y + x), True),                     # one generator: argument expanded
    (sp.tanh((x + y) ** 2) * z - z * sp.tanh(x ** 2 + 2 * x * y + y ** 2), True),
    (sp.tanh(x - y) + sp.tanh(y - x), True),                             # parity, made canonical
    (sp.cos(x - y) - sp.cos(y - x), True),
    (sigma(x - y) + sigma(y - x), False),                                # σ abstract: no parity
    (logistic(sigma(x + y) * 2) - logistic(2 * sigma(y + x)), True),    # nested generators
    (logistic(sigma(x + y)) - logistic(sigma(x - y)), False),
    (sp.Rational(1, 3) * x - x / 3, True),
])
def test_flint_normal_form_on_true_and_false_identities(e, zero):
    assert _flint_is_zero([e]) == [zero]
    assert _symengine_expand_is_zero([e]) == [zero]  # the reference agrees


@pytest.mark.parametrize("e", [
    sp.exp(x) * sp.exp(y) - sp.exp(x + y),          # related generators: exp(x)exp(y) = exp(x + y)
    sp.tanh(0) + x - x,                              # evaluates to 0 in SymPy already
    x / (x + 1) - 1 + 1 / (x + 1),                   # a denominator: SymEngine clears it
])
def test_related_generators_go_to_symengine_and_are_still_decided(e):
    """Related generators must not give a wrong verdict: the fast path may not say 'non-zero' for these."""
    assert _flint_is_zero([e]) == [True]


def test_related_generators_never_make_a_false_identity_hold():
    """tanh(2x) and tanh(x) are related (double angle); tanh(2x) = 2 tanh(x) is still false, never zero."""
    assert _flint_is_zero([sp.tanh(2 * x) - 2 * sp.tanh(x)]) == [False]
    assert _flint_is_zero([sp.exp(2 * x) - 2 * sp.exp(x)]) == [False]


def test_nonzero_entries_default_backend_uses_the_fast_path_on_matrices():
    a = sp.Matrix([[sp.tanh(x * (y + 1)), sigma(x)], [x * y, 0]])
    b = sp.Matrix([[sp.tanh(x * y + x), sigma(x)], [y * x, 1]])
    assert nonzero_entries(a, b) == [(1, 1)]
    assert nonzero_entries(a, b, "sympy") == [(1, 1)]


def _lstm_claims():
    col = collect([LSTM])
    return {c.id: c for c in col.claims()}


@pytest.mark.slow
def test_lstm_block_recursion_is_decided_exactly_at_n3_t4():
    """Issue 14.10: the true claim holds at n = 3, t = 4 through the engine; the slip's normal form is shown
    non-zero at every entry there, and the slip fails with a certificate the kernel re-verifies at n = 2, t = 2
    (at n = 3, t = 4: tests/test_search_exact.py).
    Its times are benchmarks/RESULTS.md's (section lstmspeed), not asserted here."""
    claims = _lstm_claims()
    true = check_claim(claims["examples.lstm.dh-dh0"], n=[3], t=[4], backend="symengine")
    assert true.verdict == Verdict.HOLDS, true
    slip = claims["examples.lstm.dh-dh0-h-path-only"]
    lhs, rhs = slip.sides({"n": 3, "t": 4})
    assert len(nonzero_entries(lhs, rhs)) == 9
    false = check_claim(slip, n=[2], t=[2], backend="symengine")
    assert false.verdict == Verdict.FAILS, false
    assert verify_identity(slip, false.counterexample).ok


def test_shared_sums_as_generators_never_decide_a_related_entry_wrongly():
    """(x + y) occurs in both sides, so the first attempt makes it a generator; entry 0 needs it expanded
    (x z + y z): non-zero with the generator, and the full normal form must then say zero."""
    s = x + y
    lhs, rhs = [s * z, s, sigma(x) * s], [x * z + y * z, s, sigma(x) * s + 1]
    assert _flint_sides_is_zero(lhs, rhs) == [True, True, False]
    assert nonzero_entries(sp.Matrix(lhs), sp.Matrix(rhs)) == [(2, 0)]


def test_shared_sums_prove_an_identity_without_expanding_them():
    s = sp.Add(*sp.symbols("a0:6"))
    lhs, rhs = [(s * z + x) * (s - z)], [s ** 2 * z - s * z ** 2 + x * s - x * z]
    assert _flint_sides_is_zero(lhs, rhs) == [True]
    assert _flint_sides_is_zero(lhs, [rhs[0] + x]) == [False]


def test_a_point_shows_a_nonzero_polynomial_but_never_a_related_one():
    from symderiv.identity import _nonzero_at_a_point

    assert _nonzero_at_a_point([sigma(x) * y - y * sigma(x) + x, sp.tanh(x - y) + sp.tanh(y - x)]) == [True, False]
    # exp(x) exp(y) − exp(x + y) is 0: exp is a function SymEngine knows relations of, never 'shown non-zero'
    assert _nonzero_at_a_point([sp.exp(x) * sp.exp(y) - sp.exp(x + y)]) == [False]
    assert _flint_sides_is_zero([sp.exp(x) * sp.exp(y)], [sp.exp(x + y)]) == [True]
