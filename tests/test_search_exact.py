"""Issue 14.10: counterexamples on sides with tanh and the logistic stay exact where they can, and are cheap to
record. Activations are evaluated exactly where their value is rational (at 0); the search tries the sparse
points first (0, then one coordinate ±1) when the sides apply them; certificates.substitute walks a side's DAG
once (a tree walk of an unrolled side is exponential in t)."""
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp

from symderiv.certificates import substitute
from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.evaluate import NotRational, evaluate
from symderiv.functions import PolynomialSigma, logistic, sigma
from symderiv.kernel import verify_identity
from symderiv.results import Verdict
from symderiv.search import search_identity

a, b, c = sp.symbols("a b c")
LSTM = Path(__file__).resolve().parent.parent / "proofs" / "examples" / "lstm_gradient.py"


def test_activations_at_zero_are_exact_and_elsewhere_not():
    exprs = [sp.tanh(a), logistic(a), sp.exp(a), sp.tanh(a) * b + logistic(a - b)]
    assert evaluate(exprs, {a: Fraction(0), b: Fraction(0)}, None) == [0, Fraction(1, 2), 1, Fraction(1, 2)]
    with pytest.raises(NotRational):
        evaluate([sp.tanh(a)], {a: Fraction(1)}, None)
    with pytest.raises(NotRational):  # the logistic of a non-zero argument, even inside a zero product
        evaluate([logistic(a) * b], {a: Fraction(1), b: Fraction(0)}, None)


def test_the_search_tries_sparse_points_first_on_sides_with_tanh():
    """tanh(a)·c + b differs from tanh(a)·c wherever b ≠ 0; the first witness is the sparse point b = 1, exact
    (tanh(0) = 0), whatever the seed. (tanh(a + b)·c + b has no exact sparse witness: tanh(1)·0 is not evaluated
    exactly, and the witness is then float-guided.)"""
    lhs, rhs = sp.Matrix([[sp.tanh(a) * c + b]]), sp.Matrix([[sp.tanh(a) * c]])
    for seed in range(5):
        w = next(search_identity(lhs, rhs, [(0, 0)], abstract_sigma=False, seed=seed))
        assert w.exact and w.point == {a: 0, b: 1, c: 0}
    lhs, rhs = sp.Matrix([[sp.tanh(a + b) * c + b]]), sp.Matrix([[sp.tanh(a + b) * c]])
    assert not next(search_identity(lhs, rhs, [(0, 0)], abstract_sigma=False, seed=0)).exact


def test_certificate_values_walk_a_shared_dag_once():
    """e_{k+1} = e_k·y + e_k·z, 40 deep: 2⁴⁰ paths, 120 distinct nodes; at y = z = 1/2 every e_k = x."""
    x, y, z = sp.symbols("x y z")
    e = x
    for _ in range(40):
        e = e * y + e * z
    assert substitute(sigma(e) + e, {"x": "3", "y": "1/2", "z": "1/2"}, PolynomialSigma((0, 0, 1))) == 12
    with pytest.raises(ValueError, match="unassigned"):
        substitute(e, {"x": "3", "y": "1/2"}, None)


def _slip():
    return next(c for c in collect([LSTM]).claims() if c.id == "examples.lstm.dh-dh0-h-path-only")


def test_the_lstm_slip_at_n2_t2_has_an_exact_rational_certificate():
    """Before: a float-guided point, every value a closed form in tanh and exp, certified by arb balls."""
    slip = _slip()
    r = check_claim(slip, n=[2], t=[2], backend="symengine")
    assert r.verdict == Verdict.FAILS, r
    assert "exact rational arithmetic" in r.certificate, r.certificate
    assert verify_identity(slip, r.counterexample).ok


@pytest.mark.slow
def test_the_lstm_slip_fails_certified_at_n3_t4():
    """Issue 14.10: the slip at n = 3, t = 4 ran out of a 300 s budget in certify; it fails, kernel-certified."""
    slip = _slip()
    r = check_claim(slip, n=[3], t=[4], backend="symengine")
    assert r.verdict == Verdict.FAILS, r
    assert r.counterexample.size == {"n": 3, "t": 4}
    assert verify_identity(slip, r.counterexample).ok
