"""Adversarial pass over the kernel's ℤ/p check of free-variable claims (kernel/free_modular.py, task advfvzp).

False claims at n = 7..16 outside the every-n fragment that the kernel's ℤ/p run might call equal, the hook
free.VALUES after an exception, constants with a large height, entry indexing and SymPy's matrix API, derivatives,
pivots, user functions' names, the witness path and the planted finder. Attacks the code resists stay as guards.
"""
from __future__ import annotations

import random

import pytest
import sympy as sp

from symderiv import eye, matrix, tr, vector
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.functions import dsigma, logistic, sigma
from symderiv.kernel import dual, free, free_modular
from symderiv.kernel.random_check import confirm_identity
from symderiv.results import Verdict
from symderiv.sizes import sweep

X = dict(x=vector("n"))
A = dict(A=matrix("n"))
XA = dict(x=vector("n"), A=matrix("n"))
AB = dict(A=matrix("n"), B=matrix("n"))


def free_claim(check, variables, n, cid="t.advfvzp"):
    return Claim(id=cid, where="test", statement="test", check=check, variables=variables, sizes=sweep(n=(n,)))


def confirmed(check, variables=X, n=8):
    """The kernel's own ℤ/p token (trusting nothing) at n, or None."""
    tok, how = confirm_identity(free_claim(check, variables, n), {"n": n})
    return tok if tok is not None and not tok.trusts else None, how


def verdict(check, variables=X, n=8, planted=False, monkeypatch=None):
    if planted:
        from symderiv import engine

        monkeypatch.setattr(engine, "nonzero_entries", lambda *a, **k: [])
    return check_claim(free_claim(check, variables, n))


def _sq(v):
    return sum(v.x[i] ** 2 for i in range(v.n))


# ----- the hook free.VALUES after an exception ----------------------------------------------------------------------

def _raise(v):
    _ = v.x[0] * v.x[1]
    raise ValueError("the user's own error")


FAILING = {
    "a ValueError in the check": (X, _raise),
    "|·| refused": (X, lambda v: (sp.Abs(v.x[0]), v.x[0])),
    "a divisor 0 at every draw": (X, lambda v: (1 / (v.x[0] - v.x[0]), 0)),
    "shapes differ": (X, lambda v: (v.x, v.x[0])),
    "not a pair": (X, lambda v: v.x),
    "a third derivative": (X, lambda v: (v.d(v.d(v.d(v.x[0] ** 3, "x"), "x")[0, 0], "x"), v.x)),
    "max refused": (X, lambda v: (sp.Max(v.x[0], v.x[1]), v.x[0])),
}


class TestTheHookIsRestored:
    @pytest.mark.parametrize("name", list(FAILING))
    def test_after_a_failing_claim_the_exact_path_and_the_next_zp_claim_read_their_own_numbers(self, name):
        variables, check = FAILING[name]
        confirm_identity(free_claim(check, variables, 8), {"n": 8})  # whatever it says: never a Python exception
        assert free.VALUES is None and free.number is dual.number
        # the exact path at n = 4 (rationals, not residues): a false claim refuted, a true one confirmed
        tok, how = confirm_identity(free_claim(lambda v: (v.x[0] * v.x[1], v.x[0] + v.x[1]), X, 4), {"n": 4})
        assert tok is None, how
        tok, how = confirm_identity(free_claim(lambda v: ((v.x.T * v.x)[0, 0], _sq(v)), X, 4), {"n": 4})
        assert tok is not None and "ℤ/p" not in how, how
        # the next ℤ/p claim: false refused, true confirmed
        assert confirmed(lambda v: (v.x[0] * v.x[1], v.x[0] + v.x[1]))[0] is None
        assert confirmed(lambda v: ((v.x.T * v.x)[0, 0], _sq(v)))[0] is not None

    def test_an_exception_inside_the_witness_leaves_no_hook(self):
        calls = []

        def check(v):
            calls.append(1)
            if len(calls) > 1:  # the ℤ/p run passes; the witness's ball run raises
                raise RuntimeError("boom in balls")
            return sp.log(1 + _sq(v)), sp.log(1 + _sq(v))

        tok, how = confirm_identity(free_claim(check, X, 8), {"n": 8})
        assert tok is None or tok.trusts, how
        assert free.VALUES is None and free.number is dual.number


# ----- constants: a residue read as 0 only when its value is 0 -------------------------------------------------------

_BIG = 1
for _q in sp.primerange(2 ** 62, 2 ** 62 + 20000):
    _BIG *= int(_q)

CONSTANTS_FALSE = {
    "2**70·x₀ = 2**70·x₀ + 1": lambda v: (2 ** 70 * v.x[0], 2 ** 70 * v.x[0] + 1),
    "x₀/3 = (N + 1)·x₀/3, N a product of primes ≥ 2^62": lambda v: (v.x[0] / 3, sp.Rational(_BIG + 1, 3) * v.x[0]),
    "x₀ = x₀ + N": lambda v: (v.x[0], v.x[0] + _BIG),
    "x₀ + 1/N = x₀": lambda v: (v.x[0] + sp.Rational(1, _BIG), v.x[0]),
    "2**5000 entries": lambda v: (sp.Matrix(v.n, 1, lambda i, j: 2 ** 5000 * v.x[i]),
                                   sp.Matrix(v.n, 1, lambda i, j: (2 ** 5000 + 1) * v.x[i])),
    "x₀·(x₀ − x₀ + N) = 0": lambda v: (v.x[0] * (v.x[0] - v.x[0] + _BIG), 0),
    "a big power: x₀^(2^64) = x₀": lambda v: (v.x[0] ** (2 ** 64), v.x[0]),
    "x₀^(2^64 + 1)/x₀^(2^64) = 1": lambda v: (v.x[0] ** (2 ** 64 + 1) / v.x[0] ** (2 ** 64), 1),
}


class TestConstants:
    @pytest.mark.parametrize("name", list(CONSTANTS_FALSE))
    def test_a_false_claim_with_large_constants_is_not_confirmed(self, name):
        tok, how = confirmed(CONSTANTS_FALSE[name])
        assert tok is None, how

    @pytest.mark.parametrize("check", [
        lambda v: (sp.Rational(2 ** 70 + 1, 3) * v.x[0] * 3, (2 ** 70 + 1) * v.x[0]),
        lambda v: (v.x[0] * _BIG / _BIG, v.x[0]),
        lambda v: (sp.Rational(1, 3) * v.x[0] + sp.Rational(2, 3) * v.x[0], v.x[0]),
    ])
    def test_a_true_claim_with_large_constants_is_confirmed_or_keeps_todays_token(self, check):
        tok, how = confirm_identity(free_claim(check, X, 8), {"n": 8})
        assert tok is not None, how

    def test_the_bound_counts_the_height(self):
        # the content term grows with the constant's height (a prime dividing N): 44·⌊H/62⌋ ≥ 44·320
        tok, how = confirmed(lambda v: (v.x[0] * _BIG, v.x[0] * _BIG))
        assert tok is not None and tok.degree >= 44 * (_BIG.bit_length() // 62), how


# ----- entry indexing, slicing, SymPy's matrix API -----------------------------------------------------------------

def _helper(s):
    return 2 * s + 1


INDEXING_FALSE = {
    "slice [0:2, 0:2] of A = of Aᵀ": (A, lambda v: (v.A[0:2, 0:2], v.A.T[0:2, 0:2])),
    "row_join(A, B) = row_join(B, A)": (AB, lambda v: (v.A.row_join(v.B), v.B.row_join(v.A))),
    "col_join(A, B)ᵀ = row_join(A, B)": (AB, lambda v: (v.A.col_join(v.B).T, v.A.row_join(v.B))),
    "applyfunc(helper) = 2A + 1·(ones) off by one entry": (A, lambda v: (
        v.A.applyfunc(_helper), sp.Matrix(v.n, v.n, lambda i, j: 2 * v.A[i, j] + (1 if (i, j) != (7, 7) else 0)))),
    "applyfunc(lambda: σ) = σ' by entries": (A, lambda v: (v.A.applyfunc(sigma),
                                                           sp.Matrix(v.n, v.n, lambda i, j: dsigma(v.A[i, j])))),
    "sp.Matrix of jets: [[Σ A_ii]] = [[Σ A_i0]]": (A, lambda v: (sp.Matrix([[sum(v.A[i, i] for i in range(v.n))]]),
                                                                sp.Matrix([[sum(v.A[i, 0] for i in range(v.n))]]))),
    "A.row(7) = A.col(7)ᵀ": (A, lambda v: (v.A.row(7), v.A.col(7).T)),
    "reshape(A) = vec(Aᵀ)": (A, lambda v: (v.A.reshape(v.n * v.n, 1), v.A.T.reshape(v.n * v.n, 1))),
    "negative index: A[-1, -1] = A[0, 0]": (A, lambda v: (v.A[-1, -1], v.A[0, 0])),
    "tr by a sum of the last n − 1": (A, lambda v: (tr(v.A), sum(v.A[i, i] for i in range(1, v.n)))),
    "dot(x, x) = Σ_{i<n−1} x_i²": (X, lambda v: (v.x.dot(v.x), sum(v.x[i] ** 2 for i in range(v.n - 1)))),
    "multiply_elementwise(A, A) = A·A": (A, lambda v: (v.A.multiply_elementwise(v.A), v.A * v.A)),
    "hstack = vstack of the transposes": (AB, lambda v: (sp.Matrix.hstack(v.A, v.B),
                                                         sp.Matrix.vstack(v.A.T, v.B.T).T[:, ::-1])),
    "Σ over a generator with a start of sp.zeros": (X, lambda v: (sum((v.x[i] * v.x.T for i in range(v.n)),
                                                                      sp.zeros(1, v.n)), v.x.T * (v.x[0] * v.n))),
    "A[i, j] at a 0 of eye read as its own transpose's": (A, lambda v: (v.A * eye(v.n)[:, ::-1], v.A)),
}

INDEXING_TRUE = {
    "slice of a product = product of slices": (AB, lambda v: ((v.A * v.B)[0:2, :], v.A[0:2, :] * v.B)),
    "row_join then col slice": (AB, lambda v: (v.A.row_join(v.B)[:, v.n:], v.B)),
    "applyfunc(helper) by entries": (A, lambda v: (v.A.applyfunc(_helper),
                                                   sp.Matrix(v.n, v.n, lambda i, j: 2 * v.A[i, j] + 1))),
    "sp.Matrix([[Σ]]) = xᵀx": (X, lambda v: (sp.Matrix([[_sq(v)]]), v.x.T * v.x)),
    "reshape twice": (A, lambda v: (v.A.reshape(v.n * v.n, 1).reshape(v.n, v.n), v.A)),
}


class TestIndexing:
    @pytest.mark.parametrize("name", list(INDEXING_FALSE))
    def test_false_is_not_confirmed(self, name):
        variables, check = INDEXING_FALSE[name]
        tok, how = confirm_identity(free_claim(check, variables, 8), {"n": 8})
        assert tok is None or tok.trusts, how  # never the kernel's own ℤ/p token for a false claim

    @pytest.mark.parametrize("name", list(INDEXING_FALSE))
    def test_false_with_a_planted_finder_is_not_holds(self, name, monkeypatch):
        variables, check = INDEXING_FALSE[name]
        r = verdict(check, variables, planted=True, monkeypatch=monkeypatch)
        assert r.verdict != Verdict.HOLDS, r.scope

    @pytest.mark.parametrize("name", list(INDEXING_TRUE))
    def test_true_is_confirmed(self, name):
        variables, check = INDEXING_TRUE[name]
        assert confirmed(check, variables)[0] is not None


# ----- derivatives: w.r.t. an expression, second, mixed -------------------------------------------------------------

DERIVATIVES_FALSE = {
    "∂(xᵀAx)/∂A = x xᵀ + I": (XA, lambda v: (v.d((v.x.T * v.A * v.x)[0, 0], "A"), v.x * v.x.T + eye(v.n))),
    "∂(xᵀAx)/∂A = Aᵀ": (XA, lambda v: (v.d((v.x.T * v.A * v.x)[0, 0], "A"), v.A.T)),
    "mixed ∂²(xᵀAx)/∂A∂x[0,0] = 1": (XA, lambda v: (v.d(v.d((v.x.T * v.A * v.x)[0, 0], "x")[0, 0], "A")[0, 0], 1)),
    "∂²(xᵀx)²/∂x² = 8 x xᵀ": (X, lambda v: (v.d(v.d(((v.x.T * v.x)[0, 0]) ** 2, "x"), "x"), 8 * v.x * v.x.T)),
    "∂ tr(A²)/∂A = 2A": (A, lambda v: (v.d(tr(v.A * v.A), "A"), 2 * v.A)),
    "∂ tr(A⁻¹)/∂A = −A⁻²": (A, lambda v: (v.d(tr(v.A.inv()), "A"), -(v.A.inv() * v.A.inv()))),
    "∂ σ(x₀)/∂x = σ'(x₀)·1": (X, lambda v: (v.d(sigma(v.x[0]), "x"), sp.Matrix(v.n, 1, lambda i, j: dsigma(v.x[0])))),
    "∂² σ(x₀)/∂x² [0,0] = σ'(x₀)": (X, lambda v: (v.d(v.d(sigma(v.x[0]), "x"), "x")[0, 0], dsigma(v.x[0]))),
    "∂ by the object x, value w.r.t. A": (XA, lambda v: (v.d((v.x.T * v.A * v.x)[0, 0], v.x), v.A * v.x * 2)),
}


#: over 100 s on the merged main (21:40, not attributed: the engine's own run of A⁻¹ at n = 8 is the suspect, fvzp's
#: note): a slow sweep, out of the default run
SLOW_DERIVATIVES = {"∂ tr(A⁻¹)/∂A = −A⁻²"}


class TestDerivatives:
    @pytest.mark.parametrize("name", [pytest.param(k, marks=pytest.mark.slow) if k in SLOW_DERIVATIVES else k
                                      for k in DERIVATIVES_FALSE])
    def test_false_is_not_confirmed_and_not_holds_with_a_planted_finder(self, name, monkeypatch):
        variables, check = DERIVATIVES_FALSE[name]
        tok, how = confirm_identity(free_claim(check, variables, 8), {"n": 8})
        assert tok is None or tok.trusts, how
        r = verdict(check, variables, planted=True, monkeypatch=monkeypatch)
        assert r.verdict != Verdict.HOLDS, r.scope

    @pytest.mark.parametrize("wrt", [lambda v: 2 * v.x, lambda v: v.x + 0, lambda v: v.x[0], lambda v: "y"])
    def test_a_derivative_with_respect_to_an_expression_is_no_token_and_no_exception(self, wrt):
        tok, how = confirm_identity(free_claim(lambda v: (v.d((v.x.T * v.x)[0, 0], wrt(v)), 2 * v.x), X, 8),
                                    {"n": 8})
        assert tok is None or tok.trusts, how

    def test_true_mixed_second_derivative_is_confirmed(self):
        # ∂/∂A_{ij} of ∂(xᵀAx)/∂x_0 = δ_{i0} x_j + δ_{j0} x_i
        def check(v):
            lhs = v.d(v.d((v.x.T * v.A * v.x)[0, 0], "x")[0, 0], "A")
            return lhs, sp.Matrix(v.n, v.n, lambda i, j: (v.x[j] if i == 0 else 0) + (v.x[i] if j == 0 else 0))

        assert confirmed(check, XA)[0] is not None


# ----- pivots 0 only at special points --------------------------------------------------------------------------------

class TestPivots:
    def test_a_pivot_zero_at_a_special_point_still_confirms_a_true_inverse(self):
        # M = A with M[0,0] = x₀ − x₁: 0 only where x₀ = x₁ (a draw there: another draw)
        def check(v):
            M = sp.Matrix(v.A)
            M = v.A + sp.Matrix(v.n, v.n, lambda i, j: (v.x[0] - v.x[1] - v.A[0, 0]) if (i, j) == (0, 0) else 0)
            return M * M.inv(), eye(v.n)

        assert confirmed(check, XA)[0] is not None

    def test_a_false_inverse_with_a_special_pivot_is_not_confirmed(self):
        def check(v):
            M = v.A + sp.Matrix(v.n, v.n, lambda i, j: (v.x[0] - v.x[1] - v.A[0, 0]) if (i, j) == (0, 0) else 0)
            return M.inv(), M.T.inv()

        assert confirmed(check, XA)[0] is None

    def test_a_pivot_that_is_zero_for_the_true_functions_only_is_not_holds(self):
        # (√s)² − s is 0 for the true root, a nonzero residue for the random one: used as a divisor it makes the
        # ℤ/p sides equal (1 = 1) while the true sides have no value anywhere; the witness must see that
        def check(v):
            z = sp.sqrt(1 + v.x[0] ** 2) ** 2 - (1 + v.x[0] ** 2)
            return z / z, 1

        tok, how = confirmed(check)
        assert tok is None, how

    @pytest.mark.xfail(strict=True, reason="on the merged main (advfvzp + adv34 + the entry-domain check in "
                       "free.JetMatrix.applyfunc) the kernel confirms (M⁻¹M)[0,0]·x₁ = x₁ with M = [[z, 1], [1, 0]], "
                       "z = sin² + cos² − 1: true for every real z (det M = −1), but the check's elimination pivots "
                       "on z, 0 for the true functions; on the advfvzp branch the witness found no point. Not "
                       "attributed before the stop")
    def test_a_sin_cos_pivot_zero_for_the_true_functions(self):
        def check(v):
            z = sp.sin(v.x[0]) ** 2 + sp.cos(v.x[0]) ** 2 - 1
            M = sp.Matrix([[z, 1], [1, 0]])
            return (M.inv() * M)[0, 0] * v.x[1], v.x[1]

        tok, how = confirmed(check)
        assert tok is None, how


# ----- a user's own functions: their names -------------------------------------------------------------------------

USER = {
    "σ(x₀) = σ_user(x₀), the user's function named σ": lambda v: (sigma(v.x[0]), sp.Function("σ")(v.x[0])),
    "σ'(x₀) = ∂σ_user(x₀)/∂x₀": lambda v: (dsigma(v.x[0]), v.d(sp.Function("σ")(v.x[0]), "x")[0, 0]),
    "exp(x₀) = exp_user(x₀)": lambda v: (sp.exp(v.x[0]), sp.Function("exp")(v.x[0])),
    "tanh(x₀) = tanh_user(x₀)": lambda v: (sp.tanh(v.x[0]), sp.Function("tanh")(v.x[0])),
    "logistic(x₀) = logistic_user(x₀)": lambda v: (logistic(v.x[0]), sp.Function("logistic")(v.x[0])),
    "sin(x₀) = sin_user(x₀)": lambda v: (sp.sin(v.x[0]), sp.Function("sin")(v.x[0])),
    "f(x₀) = g(x₀)": lambda v: (sp.Function("f")(v.x[0]), sp.Function("g")(v.x[0])),
    "root1/2_user(x₀) = √x₀": lambda v: (sp.Function("root1/2")(1 + v.x[0] ** 2), sp.sqrt(1 + v.x[0] ** 2)),
    "sigma_user(x₀) = σ(x₀)": lambda v: (sp.Function("sigma")(v.x[0]), sigma(v.x[0])),
}


class TestUserFunctionNames:
    @pytest.mark.parametrize("name", list(USER))
    def test_not_confirmed(self, name):
        tok, how = confirmed(USER[name])
        assert tok is None, how

    @pytest.mark.parametrize("name", list(USER))
    def test_planted_finder_not_holds(self, name, monkeypatch):
        r = verdict(USER[name], planted=True, monkeypatch=monkeypatch)
        assert r.verdict != Verdict.HOLDS, r.scope

    def test_the_same_user_function_twice_is_confirmed(self):
        f = sp.Function("σ")
        assert confirmed(lambda v: (f(v.x[0]) * v.x[1], v.x[1] * f(v.x[0])))[0] is not None


# ----- the planted finder with the random functions -----------------------------------------------------------------

PLANTED_NAMED = {
    "exp(x₀) = exp(x₁)": lambda v: (sp.exp(v.x[0]), sp.exp(v.x[1])),
    "tanh(x₀) = −tanh(x₀)": lambda v: (sp.tanh(v.x[0]), -sp.tanh(v.x[0])),
    "√(1 + x₀²) = 1 + x₀²": lambda v: (sp.sqrt(1 + v.x[0] ** 2), 1 + v.x[0] ** 2),
    "log(1 + xᵀx) = xᵀx": lambda v: (sp.log(1 + _sq(v)), _sq(v)),
    "sin(x₀) = cos(x₀)": lambda v: (sp.sin(v.x[0]), sp.cos(v.x[0])),
    "σ(x₀) = logistic(x₀)": lambda v: (sigma(v.x[0]), logistic(v.x[0])),
    "e^x₀·e^x₁ = e^(x₀ + x₁) + 1": lambda v: (sp.exp(v.x[0]) * sp.exp(v.x[1]), sp.exp(v.x[0] + v.x[1]) + 1),
    "∂ Σ tanh(x_i)/∂x = 1 − tanh (not squared)": lambda v: (v.d(sum(sp.tanh(v.x[i]) for i in range(v.n)), "x"),
                                                           sp.Matrix(v.n, 1, lambda i, j: 1 - sp.tanh(v.x[i]))),
    "∂ log(1 + xᵀx)/∂x = x/(1 + xᵀx)": lambda v: (v.d(sp.log(1 + _sq(v)), "x"), v.x / (1 + _sq(v))),
    "softmax-like: e^x/Σe^x summed = 2": lambda v: (sum(sp.exp(v.x[i]) for i in range(v.n)) /
                                                    sum(sp.exp(v.x[i]) for i in range(v.n)) * 2, 1),
}


class TestPlantedFinderWithRandomFunctions:
    @pytest.mark.parametrize("name", list(PLANTED_NAMED))
    def test_not_holds(self, name, monkeypatch):
        r = verdict(PLANTED_NAMED[name], planted=True, monkeypatch=monkeypatch)
        assert r.verdict != Verdict.HOLDS, r.scope

    @pytest.mark.parametrize("check", [
        lambda v: (sp.sqrt(1 + _sq(v)) ** 2, 1 + _sq(v)),
        lambda v: (sp.sin(v.x[0]) ** 2 + sp.cos(v.x[0]) ** 2, 1),
        lambda v: (sp.exp(v.x[0]) * sp.exp(v.x[1]), sp.exp(v.x[0] + v.x[1])),
    ])
    def test_a_true_claim_needing_a_forgotten_law_keeps_todays_token(self, check):
        tok, how = confirm_identity(free_claim(check, X, 8), {"n": 8})
        assert tok is not None and tok.trusts, how

    @pytest.mark.xfail(strict=True, reason="a difference below the balls' 128 bits after a random function: "
                       "sin² + cos² = 1 + 10⁻⁵⁰ differs over ℤ/p (the random sin/cos forget sin² + cos² = 1, so the "
                       "difference decides nothing), the balls overlap, and the size keeps the normal form's token: "
                       "a planted finder's holds stands (trusted: the normal form)")
    def test_a_difference_below_the_balls_precision(self, monkeypatch):
        r = verdict(lambda v: (sp.sin(v.x[0]) ** 2 + sp.cos(v.x[0]) ** 2, 1 + sp.Rational(1, 10 ** 50)),
                    planted=True, monkeypatch=monkeypatch)
        assert r.verdict != Verdict.HOLDS, r.scope


# ----- the witness ----------------------------------------------------------------------------------------------------

class TestWitness:
    def test_log_positive_on_a_small_set_only_is_not_holds_and_not_fails(self):
        # log(1/10⁴ − xᵀx) has a value near 0 only; the witness's points (entries ≥ 1/64 in size) miss it
        def check(v):
            return sp.log(sp.Rational(1, 10 ** 4) - _sq(v)), sp.log(sp.Rational(1, 10 ** 4) - (v.x.T * v.x)[0, 0])

        tok, how = confirmed(check)
        assert tok is None, how
        r = check_claim(free_claim(check, X, 8))
        assert r.verdict not in (Verdict.HOLDS, Verdict.FAILS), r.scope

    def test_a_side_defined_nowhere_with_a_random_log_is_not_holds(self):
        # log(−1 − x₀²)·0 + x₀ vs x₀: the ℤ/p sides agree; the true lhs has no value anywhere
        tok, how = confirmed(lambda v: (sp.log(-1 - v.x[0] ** 2) * 0 + v.x[0], v.x[0]))
        assert tok is None or "no value" not in str(how) or True  # SymPy folds ·0 away: no log left
        tok, how = confirmed(lambda v: (sp.log(-1 - v.x[0] ** 2) * (v.x[1] - v.x[1]) + v.x[0], v.x[0]))
        assert tok is None, how

    def test_a_divisor_zero_only_for_negative_entries(self):
        # 1/(x₀ + |x₀|) is refused (|·|); 1/(x₀² + x₀·x₀ − 2x₀²) is 0 as a function: every draw fails
        tok, how = confirmed(lambda v: (1 / (v.x[0] ** 2 + v.x[0] * v.x[0] - 2 * v.x[0] ** 2) * 0 + v.x[1], v.x[1]))
        assert tok is None, how

    def test_sigma_abstract_in_a_log_has_a_value_with_the_logistic_sigma(self):
        tok, how = confirmed(lambda v: (sp.log(sigma(v.x[0])), sp.log(sigma(v.x[0]))))
        assert tok is not None, how


# ----- the verdict depends on the claim only -----------------------------------------------------------------------

def test_the_token_does_not_depend_on_a_preceding_claim():
    check = lambda v: (sp.log(1 + _sq(v)) * v.x, v.x * sp.log(1 + (v.x.T * v.x)[0, 0]))  # noqa: E731
    first = confirm_identity(free_claim(check, X, 9), {"n": 9})
    confirm_identity(free_claim(lambda v: (sp.exp(v.x[0]), sp.exp(v.x[1])), X, 9), {"n": 9})
    confirm_identity(free_claim(_raise, X, 9), {"n": 9})
    again = confirm_identity(free_claim(check, X, 9), {"n": 9})
    assert str(first[1]) == str(again[1]) and (first[0] is None) == (again[0] is None)


@pytest.mark.parametrize("n", [7, 11, 16])
def test_a_false_claim_at_sizes_7_to_16(n):
    # equal at n ≤ 6 (an entry beyond index 6 only differs)
    check = lambda v: (v.x[v.n - 1] * v.x[0], v.x[0] * v.x[v.n - 1] + (1 if v.n > 6 else 0) * v.x[6] ** 2)  # noqa
    tok, how = confirmed(check, X, n)
    assert tok is None, how
