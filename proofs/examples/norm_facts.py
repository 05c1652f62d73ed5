"""Standard facts a reviewer checks every day, proved at fixed sizes (issue 13).

Each is an inequality over real matrices or numbers; ``prove=`` lists the sizes
where symderiv decides it as a sentence of real arithmetic (a sums-of-squares
certificate checked exactly, or two independent solvers agreeing), before the
counterexample search runs at every size of the sweep.
"""
from symderiv import LOGISTIC, claim, diag, fro, matrices, no_sizes, norm2, rel, rho, scalars, sweep, vectors  # noqa: I001
import sympy as sp



@claim("norm-facts.frobenius-spectral", kind="inequality", where="textbook", prove=(1, 2),
       given=dict(A=matrices(), B=matrices()), sizes=sweep(n=(1, 2, 3), t=1, fixed=("t",)),
       statement="‖AB‖_F ≤ ‖A‖₂ ‖B‖_F for real square A, B")
def frobenius_spectral(A, B):
    return fro(A * B) <= norm2(A) * fro(B)


@claim("norm-facts.diagonal-scaling", kind="inequality", where="textbook", prove=(1,),  # n = 2: unknown after 10 s
       given=dict(W=matrices(), d=vectors()), sizes=sweep(n=(1, 2, 3), t=1, fixed=("t",)),
       statement="‖W diag(d)‖₂ ≤ ‖W‖₂ maxᵢ |dᵢ|")
def diagonal_scaling(W, d):
    return norm2(W * diag(d)) <= norm2(W) * sp.Max(*[sp.Abs(x) for x in d])


@claim("norm-facts.radius-norm", kind="inequality", where="textbook", prove=(1,),  # n = 2: unknown after 10 s
       given=dict(A=matrices()), sizes=sweep(n=(1, 2, 3), t=1, fixed=("t",)),
       statement="ρ(A) ≤ ‖A‖₂")
def radius_norm(A):
    return rho(A) <= norm2(A)


@claim("norm-facts.logistic-derivative", kind="inequality", where="textbook", prove=True,
       given=dict(x=scalars(lo=-3, hi=3)), sizes=no_sizes(),
       statement="logistic'(x) = s(x)(1 − s(x)) ≤ 1/4 for x ∈ [−3, 3] (the relaxation 0 < s < 1 proves it for every x)")
def logistic_derivative(x):
    return rel(LOGISTIC.derivative(x), "<=", sp.Rational(1, 4))
