"""A page of Matrix Cookbook gradients (Petersen & Pedersen, The Matrix Cookbook, 2012 edition).

Free vectors and matrices, no model: each claim declares its variables and
differentiates the expression itself (``v.d``); the conventions are the
Cookbook's: the gradient of a scalar is shaped like the variable (denominator
layout), and a matrix-valued function is differentiated as ∂vec(F)/∂vec(X)
with vec by columns. Two planted errors (a dropped symmetry, dropped
transposes) must fail with certified counterexamples; vec(AXB) read with vec by
rows is the other reading of §10.2.2 and fails too.
"""
import sympy as sp

from symderiv import claim, inv, kron, logdet, matrix, readings, scalar, sweep, tr, vector

QUADRATIC = dict(x=vector("n"), B=matrix("n"))


@claim("cookbook.eq69", where="§2.4.1, eq. (69)", statement="∂(xᵀa)/∂x = a",
       variables=dict(x=vector("n"), a=vector("n")))
def linear(v):
    return v.d(v.x.T * v.a, "x"), v.a


@claim("cookbook.eq70", where="§2.4.1, eq. (70)", statement="∂(aᵀXb)/∂X = abᵀ",
       variables=dict(a=vector("n"), X=matrix("n", "m"), b=vector("m")), sizes=sweep(n=(1, 2, 3), m=(1, 2)))
def bilinear(v):
    return v.d(v.a.T * v.X * v.b, "X"), v.a * v.b.T


@claim("cookbook.eq81", where="§2.4.2, eq. (81)", statement="∂(xᵀBx)/∂x = (B + Bᵀ)x", variables=QUADRATIC)
def quadratic(v):
    return v.d(v.x.T * v.B * v.x, "x"), (v.B + v.B.T) * v.x


@claim("cookbook.eq81-symmetric-only", where="§2.4.2, eq. (81), planted error",
       statement="∂(xᵀBx)/∂x = 2Bx (true only for symmetric B)", variables=QUADRATIC, expect="fails",
       why="∂(xᵀBx)/∂x = (B + Bᵀ)x (eq. 81), which is 2Bx only when B is symmetric; the claim is for every B")
def quadratic_wrong(v):
    return v.d(v.x.T * v.B * v.x, "x"), 2 * v.B * v.x


@claim("cookbook.hessian-quadratic", where="§2.4.2 (the second derivative of xᵀBx)",
       statement="∂²(xᵀBx)/∂x∂xᵀ = B + Bᵀ", variables=QUADRATIC)
def quadratic_hessian(v):
    return v.d(v.d(v.x.T * v.B * v.x, "x"), "x"), v.B + v.B.T


@claim("cookbook.hessian-quadratic-2B", where="§2.4.2, planted error",
       statement="∂²(xᵀBx)/∂x∂xᵀ = 2B (true only for symmetric B)", variables=QUADRATIC, expect="fails",
       why="the Hessian of xᵀBx is B + Bᵀ, which is 2B only when B is symmetric; the claim is for every B")
def quadratic_hessian_wrong(v):
    return v.d(v.d(v.x.T * v.B * v.x, "x"), "x"), 2 * v.B


@claim("cookbook.eq101", where="§2.5.1, eq. (101)", statement="∂ tr(AXB)/∂X = AᵀBᵀ",
       variables=dict(A=matrix("n"), X=matrix("n"), B=matrix("n")))
def trace_product(v):
    return v.d(tr(v.A * v.X * v.B), "X"), v.A.T * v.B.T


@claim("cookbook.eq57", where="§2.1.1, eq. (57)", statement="∂ log det X/∂X = X⁻ᵀ (det X > 0)",
       variables=dict(X=matrix("n", invertible=True)))
def log_determinant(v):
    return v.d(logdet(v.X), "X"), inv(v.X).T


@claim("cookbook.eq51", where="§2.1.1, eq. (51)", statement="∂ ln|det X|/∂X = X⁻ᵀ (every invertible X)",
       variables=dict(X=matrix("n", invertible=True)))
def log_abs_determinant(v):
    return v.d(sp.log(sp.Abs(v.X.det())), "X"), inv(v.X).T


@claim("cookbook.eq51-no-transpose", where="§2.1.1, eq. (51), planted error",
       statement="∂ ln|det X|/∂X = X⁻¹ (transpose dropped)", expect="fails",
       why="the gradient is X⁻ᵀ (eq. 51), which is X⁻¹ only when X is symmetric",
       variables=dict(X=matrix("n", invertible=True)))
def log_abs_determinant_wrong(v):
    return v.d(sp.log(sp.Abs(v.X.det())), "X"), inv(v.X)


@claim("cookbook.eq49", where="§2.1.1, eq. (49)", statement="∂ det X/∂X = det(X) X⁻ᵀ",
       variables=dict(X=matrix("n", invertible=True)))
def determinant(v):
    return v.d(v.X.det(), "X"), v.X.det() * inv(v.X).T


@claim("cookbook.eq61", where="§2.2, eq. (61)", statement="∂(aᵀX⁻¹b)/∂X = −X⁻ᵀabᵀX⁻ᵀ",
       variables=dict(a=vector("n"), b=vector("n"), X=matrix("n", invertible=True)))
def inverse_form(v):
    Xi = inv(v.X)
    return v.d(v.a.T * Xi * v.b, "X"), -Xi.T * v.a * v.b.T * Xi.T


@claim("cookbook.eq61-no-transposes", where="§2.2, eq. (61), planted error",
       statement="∂(aᵀX⁻¹b)/∂X = −X⁻¹abᵀX⁻¹ (transposes dropped)", expect="fails",
       why="the gradient is −X⁻ᵀabᵀX⁻ᵀ (eq. 61); without the transposes it is a different matrix unless X is "
           "symmetric",
       variables=dict(a=vector("n"), b=vector("n"), X=matrix("n", invertible=True)))
def inverse_form_wrong(v):
    Xi = inv(v.X)
    return v.d(v.a.T * Xi * v.b, "X"), -Xi * v.a * v.b.T * Xi


@claim("cookbook.scalar-chain", where="§2.4 (a scalar variable)", statement="∂(c²·xᵀx)/∂c = 2c·xᵀx",
       variables=dict(c=scalar(), x=vector("n")))
def scalar_chain(v):
    q = (v.x.T * v.x)[0, 0]
    return v.d(v.c ** 2 * q, "c"), 2 * v.c * q


VEC = readings("cookbook.vec-AXB", where="§10.2.2", statement="∂vec(AXB)/∂vec(X) = Bᵀ ⊗ A",
               intent="col-major", why="the Cookbook's vec stacks columns (vec(AXB) = (Bᵀ ⊗ A) vec X)",
               variables=dict(A=matrix("n"), X=matrix("n"), B=matrix("n")))


@VEC.reading("col-major", conventions={"vec": "col-major"})
def vec_columns(v):
    return v.d(v.A * v.X * v.B, "X"), kron(v.B.T, v.A)


@VEC.reading("row-major", conventions={"vec": "row-major"}, expect="fails",
             why="with vec stacking rows, vec(AXB) = (A ⊗ Bᵀ) vec(X); Bᵀ ⊗ A is the formula for vec by columns")
def vec_rows(v):
    return v.d(v.A * v.X * v.B, "X"), kron(v.B.T, v.A)
