"""pal2019 Theorem 1 (corrected), for every n and every t: the induction's base and step as free-variable identities.

`pal2019.theorem1.corrected` claims, for h_t = W_R σ(h_{t-1}) + W_I x_t + b_R,

    C_t = Σ_{k=1}^{t-1} (Π_{r=k+1}^{t} F_r) B_k + B_t = dh_t/dW_R,
    F_r = W_R diag σ'(h_{r-1}),  B_k = I_n ⊗ σ(h_{k-1})ᵀ  (columns in row-major vec(W_R)).

The engine proves it for every t at n = 1–3 by induction (README, "Holds for
every t"): X_t = dh_t/dW_R obeys X_t = J_t X_{t-1} + P_t with J_t = ∂f/∂h_{t-1}
and P_t = ∂f/∂W_R, the explicit partials of one step f. Peeling the newest
factor and the last term (formal sums and products: no size enters) gives
C_t = F_t C_{t-1} + B_t, so the step C_t = J_t C_{t-1} + P_t holds for every
opaque C_{t-1} exactly when F_t = J_t and B_t = P_t; and the base t = 1 is
dh_1/dW_R = B_1 = P_1. Those two identities are free-variable identities of one
step at a free state h (= h_{t-1}) and input x, in the every-n fragment (an
abstract σ entrywise, its derivative by the chain rule on diagrams): the lift
decides each at its threshold size and reports it for every n. Together:
corrected Theorem 1 holds for every n and every t.

What is automatic and what is not: the engine now does this reduction itself
(`every_n.lift_induction`: `symderiv check pal2019.theorem1.corrected` holds for
every n and every t, the peeling and the step traced from the check); this file
keeps the base and the step as standalone free-variable identities, so a
reader can check each one and its threshold apart. HV(u) in place of I ⊗ uᵀ (the paper's form) fails, certified at n = 2.
"""
from symderiv import HV, claim, diag, eye, kron, matrix, sweep, vector
from symderiv.functions import dsigma, sigma

STEP = dict(W_R=matrix("n"), W_I=matrix("n", "m"), b_R=vector("n"), h=vector("n"), x=vector("m"))
ROW = {"vec": "row-major"}  # column a·n + b of ∂h/∂W_R is ∂/∂W_R[a, b], as in pal2019
SIZES = sweep(n=(1, 2), m=(1, 2))


def step(v):
    """f(h, x) = W_R σ(h) + W_I x + b_R: one step of pal2019's RNN at a free state h."""
    return v.W_R * v.h.applyfunc(sigma) + v.W_I * v.x + v.b_R


@claim("everyn.theorem1.step-J", where="pal2019 §3.3, Theorem 1: the induction step's J_t",
       statement="∂f/∂h = W_R diag σ'(h): the newest factor F_t of the product is the step's Jacobian",
       variables=STEP, conventions=ROW, sizes=SIZES)
def step_jacobian(v):
    return v.d(step(v), "h"), v.W_R * diag(v.h.applyfunc(dsigma))


@claim("everyn.theorem1.step-P", where="pal2019 §3.3, Theorem 1: the induction step's P_t and the base t = 1",
       statement="∂f/∂W_R = I_n ⊗ σ(h)ᵀ (row-major): the last term B_t is the step's explicit partial",
       variables=STEP, conventions=ROW, sizes=SIZES)
def step_partial(v):
    return v.d(step(v), "W_R"), kron(eye(v.n), v.h.applyfunc(sigma).T)


@claim("everyn.theorem1.partial-HV", where="pal2019 §3.3, Theorem 1 as printed", expect="fails",
       statement="∂(W_R u)/∂W_R = HV(u) = 1 1ᵀ ⊗ uᵀ for a vector u (u = σ(h_{t-1}) in Theorem 1)",
       variables=dict(W_R=matrix("n"), u=vector("n")), conventions=ROW, sizes=sweep(n=(1, 2)),
       why="(W_R u)[i] depends only on row i of W_R: the partial is I_n ⊗ uᵀ, block diagonal, not uᵀ in every block")
def partial_hv(v):
    return v.d(v.W_R * v.u, "W_R"), HV(v.u)
