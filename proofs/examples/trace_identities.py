"""Identities of matrix products, traces, Kronecker products, diagonals and an abstract σ: for every n, or at small n.

Each true identity here is a formal identity of contraction diagrams: the
every-n lift (symderiv/every_n.py, README "For every n") decides it exactly at
its threshold size (the most index classes of a diagram) and reports it for
every n ≥ 1. The last four hold only at the size they state (Cayley–Hamilton
and Hall's identity at n = 2, a rank-one identity at n = 1, Newton's identity
for diagonal matrices at n ≤ 2): they hold there, and are never lifted.
"""
import sympy as sp

from symderiv import claim, diag, eye, hadamard, kron, matrix, sweep, tr, vec, vector
from symderiv.functions import dsigma, sigma

AB = dict(A=matrix("n"), B=matrix("n"))
ABC = dict(A=matrix("n"), B=matrix("n"), C=matrix("n"))
XY = dict(x=vector("n"), y=vector("n"))


@claim("trace.commutator", where="trace of a commutator", statement="tr(AB − BA) = 0", variables=AB)
def commutator(v):
    return tr(v.A * v.B - v.B * v.A), 0


@claim("trace.cyclic", where="cyclic invariance of the trace", statement="tr(ABC) = tr(CAB)", variables=ABC)
def cyclic(v):
    return tr(v.A * v.B * v.C), tr(v.C * v.A * v.B)


@claim("trace.rank-one-square", where="rank-one matrices", statement="(x yᵀ)² = (yᵀx) x yᵀ", variables=XY)
def rank_one_square(v):
    return (v.x * v.y.T) ** 2, (v.y.T * v.x)[0, 0] * v.x * v.y.T


@claim("trace.vec-inner-product", where="Cookbook §10.2.2", statement="tr(AᵀB) = vec(A)ᵀ vec(B)",
       variables=dict(A=matrix("n", "m"), B=matrix("n", "m")), sizes=sweep(n=(1, 2), m=(1, 2)))
def vec_inner_product(v):
    return tr(v.A.T * v.B), (vec(v.A, "col-major").T * vec(v.B, "col-major"))[0, 0]


@claim("trace.kron-mixed-product", where="Cookbook §10.2.1", statement="(I ⊗ A)(I ⊗ B) = I ⊗ AB",
       variables=AB, sizes=sweep(n=(1, 2)))
def kron_mixed_product(v):
    return kron(eye(v.n), v.A) * kron(eye(v.n), v.B), kron(eye(v.n), v.A * v.B)


@claim("trace.diag-hadamard", where="diagonal matrices", statement="diag(x) y = x ∘ y and diag(x)diag(y) = diag(x ∘ y)",
       variables=XY)
def diag_hadamard(v):
    return (diag(v.x) * v.y) * v.y.T + diag(v.x) * diag(v.y), hadamard(v.x, v.y) * v.y.T + diag(hadamard(v.x, v.y))


@claim("trace.gradient-AXBXt", where="Cookbook §2.5 (a second-order trace)",
       statement="∂ tr(AXBXᵀ)/∂X = AXB + AᵀXBᵀ", variables=dict(A=matrix("n"), X=matrix("n"), B=matrix("n")))
def gradient_axbxt(v):
    return v.d(tr(v.A * v.X * v.B * v.X.T), "X"), v.A * v.X * v.B + v.A.T * v.X * v.B.T


@claim("trace.rnn-step-jacobian", where="one step of an RNN (pal2019 Theorem 1's corrected block)",
       statement="∂σ(W h)/∂W = diag(σ'(W h)) (I ⊗ hᵀ), columns in row-major vec(W), for every σ",
       variables=dict(W=matrix("n"), h=vector("n")), conventions={"vec": "row-major"}, sizes=sweep(n=(1, 2)))
def rnn_step_jacobian(v):
    return v.d((v.W * v.h).applyfunc(sigma), "W"), diag((v.W * v.h).applyfunc(dsigma)) * kron(eye(v.h.rows), v.h.T)


@claim("trace.chain-rule-sigma", where="the chain rule through an elementwise σ",
       statement="∂ yᵀσ(Ax)/∂x = Aᵀ diag(σ'(Ax)) y, for every σ",
       variables=dict(A=matrix("n"), x=vector("n"), y=vector("n")), sizes=sweep(n=(1, 2)))
def chain_rule_sigma(v):
    return v.d(tr(v.y.T * (v.A * v.x).applyfunc(sigma)), "x"), v.A.T * diag((v.A * v.x).applyfunc(dsigma)) * v.y


# ----- true only at the size they state: they hold there, and the lift never extends them -----

@claim("trace.cayley-hamilton-2", where="Cayley–Hamilton at n = 2",
       statement="A² − tr(A)A + ½(tr(A)² − tr(A²))I = 0 for 2×2 A",
       variables=dict(A=matrix("n")), sizes=sweep(n=(2,), fixed=("n",)))
def cayley_hamilton_2(v):
    half = sp.Rational(1, 2)
    return v.A ** 2 - tr(v.A) * v.A + half * (tr(v.A) ** 2 - tr(v.A ** 2)) * eye(v.n), 0 * v.A


@claim("trace.hall-2", where="Hall's identity at n = 2", statement="(AB − BA)² commutes with every C (2×2)",
       variables=ABC, sizes=sweep(n=(2,), fixed=("n",)))
def hall_2(v):
    K = v.A * v.B - v.B * v.A
    return K * K * v.C, v.C * K * K


@claim("trace.rank-one-n1", where="n = 1", statement="x xᵀ = (xᵀx) I for a vector of one entry",
       variables=dict(x=vector("n")), sizes=sweep(n=(1,), fixed=("n",)))
def rank_one_n1(v):
    return v.x * v.x.T, (v.x.T * v.x)[0, 0] * eye(v.n)


@claim("trace.newton-diag-2", where="Newton's identity for diagonal matrices, n ≤ 2",
       statement="D² − tr(D)D + ½(tr(D)² − tr(D²))I = 0 for D = diag(x), x of n ≤ 2 entries",
       variables=dict(x=vector("n")), sizes=sweep(n=(1, 2), fixed=("n",)))
def newton_diag_2(v):
    D, half = diag(v.x), sp.Rational(1, 2)
    return D * D - tr(D) * D + half * (tr(D) ** 2 - tr(D * D)) * eye(v.n), 0 * D
