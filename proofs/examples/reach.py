"""Inequalities a reviewer writes without ``prove=`` (issue 21): proved by default at the small sizes.

Without ``prove=``, a relational claim is searched briefly, proved at every size with n ≤ 2 (and a claim
without sizes) within a small budget, then searched at every size of its sweep; the verdict line says which
sizes were proved and which only searched. The scalar inequalities with exp, log and tanh are proved by
branch and bound in arb interval arithmetic, a certificate the kernel re-checks against the claim itself
(symderiv/kernel/interval.py); each comes with a false sibling (a constant off by 10⁻⁹, a strict inequality
at the point where the sides touch, the wrong side), which fails with a certified counterexample.

Domains are the boxes the values are drawn from: ``scalars(lo, hi)`` is every real in [lo, hi], so
"for x ≥ 0" is proved on [0, 10] and "p > 0" on [1/1000, 10]; the scope says so.
"""
import sympy as sp

from symderiv import LOGISTIC, TANH, claim, diag, fro, matrices, no_sizes, norm2, rel, rho, scalars, sweep, vectors

NS = sweep(n=(1, 2, 3), t=1, fixed=("t",))


# --- matrix inequalities: proved at n = 1–2 by default, searched at n = 3 ----------------------------------

@claim("reach.frobenius-spectral", kind="inequality", where="textbook", given=dict(A=matrices(), B=matrices()),
       sizes=NS, statement="‖AB‖_F ≤ ‖A‖₂ ‖B‖_F")
def frobenius_spectral(A, B):
    return fro(A * B) <= norm2(A) * fro(B)


# n = 1 proved by the solvers; n = 2 by an SOS certificate over two lemma instances the kernel checks exactly
# (the PSD form of ‖W‖₂ at y = diag(d)x, x the witness of ‖W diag(d)‖₂, and ‖W D‖₂² ≤ ‖W‖₂² max(d)² for d ≥ 0:
# symderiv/prove/lemmas.py, diagonal_scaling); n = 3 only searched. The norms' encoding is trusted (the scope
# says so), as for every spectral-norm step
@claim("reach.pascanu-sufficient", kind="inequality", where="Pascanu et al. (2013), §3.1",
       given=dict(W=matrices(), h=vectors()), sizes=NS,
       statement="‖W diag(σ′(h))‖₂ ≤ ‖W‖₂ · maxᵢ σ′(hᵢ) for σ = tanh")
def pascanu_sufficient(W, h):
    d = [TANH.derivative(v) for v in h]
    return norm2(W * diag(d)) <= norm2(W) * sp.Max(*d)


@claim("reach.frobenius-le-spectral", kind="inequality", where="false sibling", expect="fails",
       why="‖I‖_F = √n > 1 = ‖I‖₂ for n ≥ 2",
       given=dict(A=matrices()), sizes=NS, statement="‖A‖_F ≤ ‖A‖₂ (false for n ≥ 2: A = I)")
def frobenius_le_spectral(A):
    return fro(A) <= norm2(A)


@claim("reach.spectral-le-radius", kind="inequality", where="false sibling", expect="fails",
       why="a nilpotent A has ρ(A) = 0 and ‖A‖₂ > 0",
       given=dict(A=matrices()), sizes=NS, statement="‖A‖₂ ≤ ρ(A) (false for n ≥ 2: a nilpotent A)")
def spectral_le_radius(A):
    return norm2(A) <= rho(A)


# --- scalar inequalities with exp, log, tanh: interval branch and bound, checked by the kernel --------------

@claim("reach.logistic-derivative", kind="inequality", where="textbook", given=dict(x=scalars(-10, 10)),
       sizes=no_sizes(), statement="logistic′(x) ≤ 1/4 on [−10, 10]")
def logistic_derivative(x):
    return rel(LOGISTIC.derivative(x), "<=", sp.Rational(1, 4))


@claim("reach.logistic-derivative-tight", kind="inequality", where="false sibling", expect="fails",
       why="logistic′(0) = 1/4 exactly",
       given=dict(x=scalars(-10, 10)), sizes=no_sizes(), statement="logistic′(x) ≤ 1/4 − 10⁻⁹ (false at x = 0)")
def logistic_derivative_tight(x):
    return rel(LOGISTIC.derivative(x), "<=", sp.Rational(1, 4) - sp.Rational(1, 10 ** 9))


@claim("reach.exp-tangent", kind="inequality", where="textbook", given=dict(x=scalars(-10, 10)),
       sizes=no_sizes(), statement="eˣ ≥ 1 + x on [−10, 10]")
def exp_tangent(x):
    return rel(sp.exp(x), ">=", 1 + x)


@claim("reach.exp-tangent-strict", kind="inequality", where="false sibling", expect="fails",
       why="at x = 0 both sides are 1: the tangent touches",
       given=dict(x=scalars(-10, 10)), sizes=no_sizes(), statement="eˣ > 1 + x (false at x = 0)")
def exp_tangent_strict(x):
    return rel(sp.exp(x), ">", 1 + x)


@claim("reach.neg-log", kind="inequality", where="textbook", given=dict(p=scalars(sp.Rational(1, 1000), 10)),
       sizes=no_sizes(), statement="−log p ≥ 1 − p for p ∈ [1/1000, 10]")
def neg_log(p):
    return rel(-sp.log(p), ">=", 1 - p)


@claim("reach.neg-log-shifted", kind="inequality", where="false sibling", expect="fails",
       why="at p = 1 both −log p and 1 − p are 0",
       given=dict(p=scalars(sp.Rational(1, 1000), 10)), sizes=no_sizes(),
       statement="−log p ≥ 1 − p + 10⁻⁹ (false at p = 1)")
def neg_log_shifted(p):
    return rel(-sp.log(p), ">=", 1 - p + sp.Rational(1, 10 ** 9))


@claim("reach.tanh-le-x", kind="inequality", where="textbook", given=dict(x=scalars(0, 10)), sizes=no_sizes(),
       statement="tanh x ≤ x for x ∈ [0, 10]")
def tanh_le_x(x):
    return rel(sp.tanh(x), "<=", x)


@claim("reach.tanh-cubic", kind="inequality", where="textbook", given=dict(x=scalars(0, 10)), sizes=no_sizes(),
       statement="x − x³/3 ≤ tanh x for x ∈ [0, 10]")
def tanh_cubic(x):
    return rel(x - x ** 3 / 3, "<=", sp.tanh(x))


@claim("reach.tanh-ge-x", kind="inequality", where="false sibling (the wrong side)", expect="fails",
       why="tanh x < x for x > 0 (tanh 1 ≈ 0.76)",
       given=dict(x=scalars(0, 10)), sizes=no_sizes(), statement="tanh x ≥ x for x ∈ [0, 10] (false at x = 1)")
def tanh_ge_x(x):
    return rel(sp.tanh(x), ">=", x)


# the mean value theorem: |tanh a − tanh b| = |tanh′(ξ)|·|a − b| with ξ between a and b, and 1 ∓ tanh′ ≥ 0 on
# the hull of the two intervals (the kernel checks that the left side is |F(a) − F(b)|: antisymmetric,
# ∂²/∂a∂b = 0)
@claim("reach.tanh-lipschitz", kind="inequality", where="textbook", given=dict(a=scalars(), b=scalars()),
       sizes=no_sizes(), statement="|tanh a − tanh b| ≤ |a − b| for a, b ∈ [−3, 3]")
def tanh_lipschitz(a, b):
    return rel(sp.Abs(sp.tanh(a) - sp.tanh(b)), "<=", sp.Abs(a - b))


@claim("reach.tanh-lipschitz-9-10", kind="inequality", where="false sibling", expect="fails",
       why="tanh′(0) = 1: near 0 tanh is a slope-1 line, steeper than 9/10",
       given=dict(a=scalars(), b=scalars()), sizes=no_sizes(),
       statement="|tanh a − tanh b| ≤ (9/10)|a − b| (false near a = b = 0)")
def tanh_lipschitz_tight(a, b):
    return rel(sp.Abs(sp.tanh(a) - sp.tanh(b)), "<=", sp.Rational(9, 10) * sp.Abs(a - b))
