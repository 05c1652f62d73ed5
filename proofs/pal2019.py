"""pal2019: S. Pal (2019), Mathematical derivation of BPTT for RNN, and gradient
vanishing and exploding problems. (shared/papers/000_25a0c1a874ab0263.txt)

Conventions used throughout unless a claim says otherwise:
- dh_t/dW_R is the n × n² matrix whose column (a, b) is ∂h_t/∂W_R[a, b], the
  columns in row-major order of W_R (column a·n + b), the paper's layout for HV
  (one block of n columns per row of W_R).
- Π_{r=k+1}^{t} is "descending" (the r = t factor leftmost) unless the reading
  says "ascending".
- σ is abstract: the identities must hold for every differentiable σ.
"""
from symderiv import (HV, cell, claim, diag, eye, kron, parts, pal2019_generic_rnn, pal2019_rnn, product,
                      readings, softmax, sweep, total)

ROW = {"layout": "row-major"}  # column a·n + b of dh/dW_R is ∂/∂W_R[a, b]


def block_diag_sigma(v):
    """The true explicit partial ∂(W_R u)/∂W_R = I_n ⊗ uᵀ in the row-major layout."""
    return kron(eye(v.rows), v.T)


def theorem1_rhs(m, order, block):
    """Σ_{k=1}^{t-1} (Π_{r=k+1}^{t} W_R diag σ'(h_{r-1})) · block(σ(h_{k-1})) + block(σ(h_{t-1}))."""
    n, t = m.n, m.t
    factor = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
    term = lambda k: product(factor, k + 1, t, order=order, size=n) * block(m.sigma(m.h(k - 1)))
    return total(term, (n, n * n), lo=1, hi=t - 1) + block(m.sigma(m.h(t - 1)))


# ---------------------------------------------------------------- §2 -----------

@claim("pal2019.model-equivalence", where="§2, (G1)(G2) vs (R1)(R2)",
       statement="with h̃_t = σ⁻¹(h_t), (G1)(G2) is (R1)(R2): σ(h̃_t) = h_t for every t and the outputs agree",
       model=pal2019_generic_rnn,
       conventions={"σ⁻¹": "h_0 = σ(g_0) is taken in σ's range, h̃_0 = g_0; no inverse is evaluated"})
def model_equivalence(m):
    g0 = m.vector("g0")
    G = m.like(pal2019_generic_rnn, init={"h": m.sigma(g0)})
    R = m.like(pal2019_rnn, init={"h": g0})
    r2 = softmax(R.W_O * R.sigma(R.h(R.t)) + R.b_O)  # (R2): o_t = softmax(W_O σ(h̃_t) + b_O)
    lhs = R.states().applyfunc(R.sigma).col_join(r2)
    return lhs, G.states().col_join(G.o(G.t))


simplified = parts("pal2019.simplified-model", where="§2, (1)(2)",
                   statement="(1)(2) are the same model as (G1)(G2)/(R1)(R2) with h_t in place of h̃_t",
                   model=pal2019_rnn)


@simplified.part("hidden", statement="(1) is (R1): h_t of (1) equals h̃_t = σ⁻¹(h_t^G) for every t")
def simplified_hidden(m):
    G = m.like(pal2019_generic_rnn, init={"h": m.sigma(m.vector("h0"))})
    return m.states(), G.states("z")  # z_t, G's pre-activation, is σ⁻¹(h_t^G)


@simplified.part("output", expect="fails",
    why="(1) makes h_t the pre-activation h̃_t of (R1), and (2) feeds it to the output where (R2) feeds "
        "σ(h̃_t): the simplified output drops σ, so the two agree only when σ is the identity",
                 statement="(2) is (R2): softmax(W_O h_t + b_O) = softmax(W_O σ(h̃_t) + b_O)")
def simplified_output(m):
    G = m.like(pal2019_generic_rnn, init={"h": m.sigma(m.vector("h0"))})
    return m.o(m.t), G.o(G.t)


@cell("pal2019 (1) with output (R2): o_t = softmax(W_O σ(h_t) + b_O)",
      params={"W_R": ("n", "n"), "W_I": ("n", "m"), "b_R": "n", "W_O": ("n", "n"), "b_O": "n"},
      output=lambda q, p, f: f.softmax(p.W_O * f.sigma(q.h) + p.b_O))
def pal2019_rnn_r2(s, prev, x, p, f):
    s.h = p.W_R * f.sigma(prev.h) + p.W_I * x + p.b_R


@claim("pal2019.simplified-model.corrected", where="§2, (1)(2)", model=pal2019_rnn_r2,
       statement="(1) with the output (R2) o_t = softmax(W_O σ(h_t) + b_O) is the model (G1)(G2)")
def simplified_corrected(m):
    G = m.like(pal2019_generic_rnn, init={"h": m.sigma(m.vector("h0"))})
    return m.states().col_join(m.o(m.t)), G.states("z").col_join(G.o(G.t))


# ---------------------------------------------------------------- §3 -----------

@claim("pal2019.loss-sum", where="§3.1", model=pal2019_rnn, conventions=ROW,
       statement="∂E/∂W_R = Σ_{t=1}^{T} ∂E_t/∂W_R with E = Σ_t E_t (E_t an abstract loss of o_t, y_t)")
def loss_sum(m):
    E = sum(m.E(k) for k in range(1, m.t + 1))
    return m.d(E, "W_R"), total((m.d(("E", k), "W_R") for k in range(1, m.t + 1)), (1, m.n ** 2))


eq3 = parts("pal2019.eq3", where="§3.2, eq. (3)", model=pal2019_rnn, loss="squared", conventions=ROW,
            statement="∂E_t/∂W_R = Σ_{k=1}^{t} ∂E_t/∂h_t ∂h_t/∂W_R = Σ_{k=1}^{t} ∂E_t/∂o_t ∂o_t/∂h_t ∂h_t/∂W_R")


@eq3.part("via-h", expect="fails",
    why="the summand does not depend on k, so the sum over k = 1…t is t copies of ∂E_t/∂h_t · dh_t/dW_R, "
        "which is the whole gradient by itself (eq3.corrected): wrong by a factor t from t = 2 on",
    statement="∂E_t/∂W_R = Σ_{k=1}^{t} ∂E_t/∂h_t · ∂h_t/∂W_R, as printed")
def eq3_via_h(m):
    t = m.t
    term = m.d(("E", t), ("h", t)) * m.d(("h", t), "W_R")
    return m.d(("E", t), "W_R"), total((term for k in range(1, t + 1)), (1, m.n ** 2))


@eq3.part("via-o", expect="fails",
    why="the summand does not depend on k, so the sum over k = 1…t is t copies of ∂E_t/∂o_t · ∂o_t/∂h_t · "
        "dh_t/dW_R, which is the whole gradient by itself (eq3.corrected): wrong by a factor t from t = 2 on",
    statement="∂E_t/∂W_R = Σ_{k=1}^{t} ∂E_t/∂o_t · ∂o_t/∂h_t · ∂h_t/∂W_R, as printed")
def eq3_via_o(m):
    t = m.t
    term = m.d(("E", t), ("o", t)) * m.d(("o", t), ("h", t)) * m.d(("h", t), "W_R")
    return m.d(("E", t), "W_R"), total((term for k in range(1, t + 1)), (1, m.n ** 2))


@claim("pal2019.eq3.corrected", where="§3.2, eq. (3)", model=pal2019_rnn, loss="squared", conventions=ROW,
       statement="∂E_t/∂W_R = ∂E_t/∂o_t · ∂o_t/∂h_t · dh_t/dW_R (no sum over k: the summand does not depend on k)")
def eq3_corrected(m):
    t = m.t
    return m.d(("E", t), "W_R"), m.d(("E", t), ("o", t)) * m.d(("o", t), ("h", t)) * m.d(("h", t), "W_R")


# ---------------------------------------------------------------- §3.3 ---------

theorem1 = readings(
    "pal2019.theorem1", where="§3.3, Theorem 1", model=pal2019_rnn, conventions=ROW,
    statement="∂h_t/∂W_R = Σ_{k=1}^{t-1} (Π_{r=k+1}^{t} W_R diag σ'(h_{r-1})) HV(σ(h_{k-1})) + HV(σ(h_{t-1}))",
    intent="desc-product",
    why="Lemma 2's recursion dh_t = HV + W_R σ'(h_{t-1}) dh_{t-1}, unrolled, puts the newest factor leftmost")


@theorem1.reading("desc-product", expect="fails",
    why="each explicit partial ∂(W_R σ(h_{k-1}))/∂W_R is written HV(σ(h_{k-1})) = 1 1ᵀ ⊗ σ(h_{k-1})ᵀ, which "
        "puts σ(h_{k-1})ᵀ in every block, but h_k[i] depends only on row i of W_R: the true partial is I_n ⊗ "
        "σ(h_{k-1})ᵀ, block diagonal, so the closed form is wrong for every n ≥ 2 (theorem1.corrected)",
    conventions={"product": "descending: r = t factor leftmost"})
def theorem1_desc(m):
    return m.d(("h", m.t), "W_R"), theorem1_rhs(m, "descending", HV)


@theorem1.reading("asc-product", expect="fails",
    why="as in the descending reading, HV(σ(h_{k-1})) = 1 1ᵀ ⊗ σ(h_{k-1})ᵀ puts σ(h_{k-1})ᵀ in every block "
        "where the true partial I_n ⊗ σ(h_{k-1})ᵀ is block diagonal; the ascending product also reverses the "
        "chain rule's order of the Jacobian factors",
    conventions={"product": "ascending: r = k+1 factor leftmost"})
def theorem1_asc(m):
    return m.d(("h", m.t), "W_R"), theorem1_rhs(m, "ascending", HV)


@claim("pal2019.theorem1.corrected", where="§3.3, Theorem 1", model=pal2019_rnn,
       conventions=ROW | {"product": "descending: r = t factor leftmost"},
       statement="dh_t/dW_R = Σ_{k=1}^{t-1} (Π_{r=k+1}^{t} W_R diag σ'(h_{r-1})) (I_n ⊗ σ(h_{k-1})ᵀ) + I_n ⊗ σ(h_{t-1})ᵀ",
       note="HV(v) = 1 1ᵀ ⊗ vᵀ puts vᵀ in every block; the explicit partial of W_R u is I_n ⊗ uᵀ (block diagonal)")
def theorem1_corrected(m):
    return m.d(("h", m.t), "W_R"), theorem1_rhs(m, "descending", block_diag_sigma)


@claim("pal2019.lemma1", where="§3.3, Lemma 1", model=pal2019_rnn, conventions=ROW,
       statement="dh_t/dW_R = ∂h_t/∂W_R + ∂h_t/∂h_{t-1} · dh_{t-1}/dW_R (∂: explicit partials of the step map)")
def lemma1(m):
    t = m.t
    return (m.d(("h", t), "W_R"),
            m.partial(("h", t), "W_R") + m.partial(("h", t), ("h", t - 1)) * m.d(("h", t - 1), "W_R"))


@cell("pal2019 Lemma 1 example: h_t = W_R σ(h_{t-1}) (no input, no bias)", params={"W_R": ("n", "n")})
def bare_rnn(s, prev, x, p, f):
    s.h = p.W_R * f.sigma(prev.h)


example = readings(
    "pal2019.lemma1-example", where="remark after Lemma 1", model=bare_rnn, activation="identity",
    statement="σ = Id: h_2 = W_R² h_0, dh_2/dW_R = 2 W_R h_0 and ∂h_2/∂W_R = h_1 = W_R h_0",
    intent="scalar",
    why="the example computes in scalar calculus: h_0 is 'a non-zero constant' and d(W_R² h_0)/dW_R = 2 W_R h_0 "
        "lets W_R commute with its own derivative, which only a scalar W_R does; its point (total ≠ partial: "
        "2 W_R h_0 against W_R h_0) is made in one dimension. 'From (1)' names the recurrence, the vector RNN, "
        "so the matrix reading is checked beside it")

STACKED = {"sides": "the example's three equalities stacked in one column: h_2, then dh_2/dW_R row by row, "
                    "then ∂h_2/∂W_R row by row"}


def _stacked(m, total_rhs, partial_rhs):
    from symderiv import vec

    lhs = [m.h(2), m.d(("h", 2), "W_R"), m.partial(("h", 2), "W_R")]
    rhs = [m.W_R ** 2 * m.h(0), total_rhs, partial_rhs]
    col = lambda parts: sp.Matrix.vstack(*[vec(p, "row-major") for p in parts])  # noqa: E731
    return col(lhs), col(rhs)


@example.reading("scalar", sizes=sweep(n=1, t=2, fixed=("n", "t")),
                 conventions=STACKED | {"h_t, W_R": "scalars (n = 1): the system of the example is one-dimensional"})
def example_scalar(m):
    return _stacked(m, 2 * m.W_R * m.h(0), m.W_R * m.h(0))


@example.reading("matrix", sizes=sweep(n=(1, 2, 3), t=2, fixed=("t",)), expect="fails",
    why="with σ = Id, dh_2/dW_R = I_n ⊗ h_1ᵀ + W_R (I_n ⊗ h_0ᵀ); the two terms coincide only for scalars (n ="
        " 1), so '2 W_R h_0', twice the partial, is the scalar case only",
                 conventions=ROW | STACKED | {
                     "h_t, W_R": "from (1): h_t an n-vector, W_R an n × n matrix; ∂/∂W_R in the paper's row-major "
                                 "layout, so ∂(W_R u)/∂W_R = I_n ⊗ uᵀ",
                     "2 W_R h_0": "read as 2 ∂h_2/∂W_R = 2 (I_n ⊗ h_1ᵀ), twice the partial h_1 = W_R h_0, as in "
                                  "the scalar case"})
def example_matrix(m):
    return _stacked(m, 2 * block_diag_sigma(m.h(1)), block_diag_sigma(m.h(1)))


@claim("pal2019.lemma2", where="§3.3, Lemma 2", model=pal2019_rnn, expect="fails",
    why="the first term, the explicit partial of W_R σ(h_{t-1}) with respect to W_R, is I_n ⊗ σ(h_{t-1})ᵀ "
        "(h_t[i] depends only on row i of W_R), block diagonal; HV(σ(h_{t-1})) puts σ(h_{t-1})ᵀ in every "
        "block (lemma2.corrected)",
       conventions=ROW | {"σ'(h_{t-1})": "read as diag(σ'(h_{t-1})), as Proof 2 writes it"},
       statement="dh_t/dW_R = HV(σ(h_{t-1})) + W_R σ'(h_{t-1}) dh_{t-1}/dW_R")
def lemma2(m):
    t = m.t
    return m.d(("h", t), "W_R"), HV(m.sigma(m.h(t - 1))) + m.W_R * diag(m.dsigma(m.h(t - 1))) * m.d(("h", t - 1), "W_R")


@claim("pal2019.lemma2.corrected", where="§3.3, Lemma 2", model=pal2019_rnn, conventions=ROW,
       statement="dh_t/dW_R = I_n ⊗ σ(h_{t-1})ᵀ + W_R diag(σ'(h_{t-1})) dh_{t-1}/dW_R")
def lemma2_corrected(m):
    t = m.t
    return (m.d(("h", t), "W_R"),
            block_diag_sigma(m.sigma(m.h(t - 1))) + m.W_R * diag(m.dsigma(m.h(t - 1))) * m.d(("h", t - 1), "W_R"))


small_t = parts("pal2019.theorem1-small-t", where="§3.3, proofs for t = 1, 2", model=pal2019_rnn, conventions=ROW,
                statement="dh_1/dW_R = σ(h_0) and dh_2/dW_R = W_R diag(σ'(h_1)) σ(h_0) + σ(h_1), "
                          "each 'matching the expression of Theorem 1' (σ(h) standing for HV(σ(h)))")


@small_t.part("t1", expect="fails",
    why="h_1[i] depends only on row i of W_R, so dh_1/dW_R = I_n ⊗ σ(h_0)ᵀ is block diagonal, while "
        "HV(σ(h_0)) puts σ(h_0)ᵀ in every block (they agree only at n = 1)",
    sizes=sweep(t=1, fixed=("t",)), statement="dh_1/dW_R = HV(σ(h_0))")
def small_t1(m):
    return m.d(("h", 1), "W_R"), HV(m.sigma(m.h(0)))


@small_t.part("t2", expect="fails",
    why="both HV terms stand for explicit partials I_n ⊗ σ(h)ᵀ, which are block diagonal; HV(σ(h)) puts σ(h)ᵀ"
        " in every block",
    sizes=sweep(t=2, fixed=("t",)),
              statement="dh_2/dW_R = W_R diag(σ'(h_1)) HV(σ(h_0)) + HV(σ(h_1))")
def small_t2(m):
    return m.d(("h", 2), "W_R"), m.W_R * diag(m.dsigma(m.h(1))) * HV(m.sigma(m.h(0))) + HV(m.sigma(m.h(1)))


@claim("pal2019.theorem1-small-t.corrected", where="§3.3, proofs for t = 1, 2", model=pal2019_rnn,
       conventions=ROW, sizes=sweep(t=(1, 2), fixed=("t",)),
       statement="dh_1/dW_R = I ⊗ σ(h_0)ᵀ; dh_2/dW_R = W_R diag(σ'(h_1)) (I ⊗ σ(h_0)ᵀ) + I ⊗ σ(h_1)ᵀ")
def small_t_corrected(m):
    return m.d(("h", m.t), "W_R"), theorem1_rhs(m, "descending", block_diag_sigma)


# ----- §4–5: vanishing and exploding gradients -------------------------------------
#
# These claims quantify over W_R and over σ. A counterexample is a trajectory of
# the model: with the constant input c = W_I x + b_R = h* − W_R σ(h*), the state
# stays at h_t = h* for every t, so each Jacobian factor W_R diag(σ'(h_{r−1})) is
# the same matrix W_R D and F(k₀, t) = (W_R D)^{t−k₀} HV(σ(h*)). σ is abstract:
# its values s = σ(h*) and slopes d = σ'(h*) are free, and a smooth σ with
# sup |σ'| ≤ γ through them exists once the points h*_i are spread apart
# (h*_i = i·K with K > 2 max|s|/γ), so every (W_R, s, d) with |d_i| ≤ γ is reached.

from symderiv import (absval, affine, assume, diagonals, just, lam_min, limit, matrices, norm2, powers, rel, rho,
                      scalars, smin, vectors)
import sympy as sp

LIMIT_SIZES = sweep(n=(1, 2), t=(1,), fixed=("t",))
FIXED_POINT = {"trajectory": "fixed point h_t = h* held by a constant input", "σ": "abstract (values and slopes free)",
               "‖·‖": "2-norm", "HV": "as the paper defines it, 11ᵀ ⊗ vᵀ"}


def top_eigenvalue(W):
    """λ₁ read literally: the eigenvalue of largest modulus, with its sign (W triangular: its diagonal); a tie
    in modulus goes to the positive one. Written as an expression (not Python's max with a key, which would
    branch on the values)."""
    d = [W[i, i] for i in range(W.rows)]
    top, bottom = sp.Max(*d), sp.Min(*d)
    return sp.Piecewise((top, top >= -bottom), (bottom, True))


theorem2 = readings(
    "pal2019.theorem2", kind="limit", where="§4.1, Theorem 2", sizes=LIMIT_SIZES, conventions=FIXED_POINT,
    statement="if ‖diag σ'(·)‖ ≤ γ and λ₁ < 1/γ (λ₁ the eigenvalue of W_R of largest modulus), "
              "then F(k₀, t) → 0 as t → ∞",
    intent="modulus", why="λ₁ is introduced as 'the eigenvalue with the largest absolute value' and Proof 3 uses "
                          "it as a bound on ‖W_R‖, i.e. as a magnitude")


@theorem2.reading("modulus", expect="fails",
    why="a bound on the eigenvalues of W_R does not bound those of W_R diag σ' (the spectral radius is not "
        "submultiplicative): with |λ₁| γ < 1, ρ(W_R D) can still reach 1 or more, so F(k₀, t) = (W_R "
        "D)^{t−k₀} HV(σ(h*)) need not vanish; ‖W_R‖ γ < 1 suffices (theorem2.corrected)",
    given=dict(W=matrices(), s=vectors(nonzero=True), D=diagonals(lo=0, hi=1),
                                                         gamma=just(sp.Integer(1))),
                  statement="|λ₁| γ < 1 and |σ'| ≤ γ ⇒ F(k₀, t) → 0")
def theorem2_modulus(W, s, D, gamma):
    assume(norm2(D) <= gamma, "‖diag σ'‖ ≤ γ")
    assume(rho(W) * gamma < 1, "|λ₁| < 1/γ")
    return limit(powers(W * D, HV(s), label="F(k₀, k₀+q)"), "0")


@theorem2.reading("signed", expect="fails",
    why="read with its sign, λ₁ < 1/γ also holds for a negative eigenvalue with |λ₁| ≥ 1/γ (λ₁ = −1 at γ = 1), "
        "whose powers do not vanish; and even a bound on |λ₁| would not bound the eigenvalues of W_R diag σ'",
                  given=dict(W=matrices(families=("triangular", "diagonal")), s=vectors(nonzero=True),
                             D=diagonals(lo=0, hi=1), gamma=just(sp.Integer(1))),
                  statement="λ₁ γ < 1 with λ₁ signed, as printed ⇒ F(k₀, t) → 0")
def theorem2_signed(W, s, D, gamma):
    assume(norm2(D) <= gamma, "‖diag σ'‖ ≤ γ")
    assume(rel(top_eigenvalue(W) * gamma, "<", 1), "λ₁ < 1/γ")
    return limit(powers(W * D, HV(s), label="F(k₀, k₀+q)"), "0")


# holds at n = 1–2 by a lemma chain the kernel checks (kernel/lemmas.py): ‖W_R D‖ ≤ ‖W_R‖‖D‖ ≤ ‖W_R‖γ < 1, so
# (W_R D)^q HV(s) → 0 (contraction); a search alone cannot prove a limit
@claim("pal2019.theorem2.corrected", kind="limit", where="§4.1, Theorem 2", sizes=LIMIT_SIZES, expect="holds",
       conventions=FIXED_POINT, given=dict(W=matrices(), s=vectors(nonzero=True), D=diagonals(lo=0, hi=1),
                                         gamma=just(sp.Integer(1))),
       statement="with the 2-norm in place of the eigenvalue: ‖W_R‖ γ < 1 and |σ'| ≤ γ ⇒ F(k₀, t) → 0 "
                 "(true by submultiplicativity: proved by the kernel's lemma chain)")
def theorem2_corrected(W, s, D, gamma):
    assume(norm2(D) <= gamma, "‖diag σ'‖ ≤ γ")
    assume(norm2(W) * gamma < 1, "‖W_R‖ < 1/γ")
    return limit(powers(W * D, HV(s), label="F(k₀, k₀+q)"), "0")


PROOF3_GIVEN = dict(W=matrices(), D1=diagonals(lo=-2, hi=2), D2=diagonals(lo=-2, hi=2), v=vectors(nonzero=True),
                    u=vectors(), gamma=scalars(lo=sp.Rational(1, 2), hi=2))
# prove=(1,) on the five inequality parts (not on the limit eta-to-zero): at n = 1 each step is proved
# or refuted by a solver model in ≤ 0.3 s; at n = 2 every step is
# unknown or a model after 6–14 s (measured, loaded machine), so n = 2–3 are left to the search
proof3 = parts("pal2019.proof3", kind="inequality", where="§4.1, Proof 3", sizes=sweep(n=(1, 2, 3), t=(1,),
                                                                                        fixed=("t",)),
               given=PROOF3_GIVEN, conventions={"t − k₀": "2 (two factors W_R D_r)", **FIXED_POINT},
               statement="‖F(k₀,t)‖ = ‖Π W_R diag σ'(h_{r−1}) σ(h_{k−1})‖ ≤ ‖W_R‖^{t−k₀} ‖diag σ'‖^{t−k₀} "
                         "‖σ(h_{t−1})‖^{t−k₀} ≤ (‖W_R‖ ‖σ(h_{t−1})‖)^{t−k₀} ≤ (λ₁ ‖σ(h_{t−1})‖)^{t−k₀} "
                         "≤ (λ₁γ)^{t−k₀} = η^{t−k₀} → 0")


def proof3_chain(W, D1, D2, v, u, gamma):
    """The quantities of Proof 3 with t − k₀ = 2: D_r = diag σ'(h_{r−1}), v = σ(h_{k₀−1}), u = σ(h_{t−1})."""
    assume(norm2(D1) <= gamma, "‖D_{k₀+1}‖ ≤ γ")
    assume(norm2(D2) <= gamma, "‖D_{k₀+2}‖ ≤ γ")
    assume(rho(W) * gamma < 1, "|λ₁| γ < 1")
    P = (W * D2) * (W * D1)
    lam1 = rho(W)
    return [norm2(P * HV(v)), norm2(P * v), norm2(W) ** 2 * norm2(D1) * norm2(D2) * norm2(u) ** 2,
            (norm2(W) * norm2(u)) ** 2, (lam1 * norm2(u)) ** 2, (lam1 * gamma) ** 2]


def _step(i, op):
    def check(W, D1, D2, v, u, gamma):
        q = proof3_chain(W, D1, D2, v, u, gamma)
        return rel(q[i], op, q[i + 1])
    return check


proof3.part("hv-dropped", expect="fails", prove=(1,),
    why="the HV cannot be dropped: P · HV(v) = (P 1)(1 ⊗ v)ᵀ has norm ‖P 1‖ √n ‖v‖, not ‖P v‖",
    statement="‖Π W_R D_r · HV(σ(h_{k−1}))‖ = ‖Π W_R D_r · σ(h_{k−1})‖ "
            "(the HV is silently dropped)")(_step(0, "="))
proof3.part("submultiplicative", expect="fails", prove=(1,),
    why="submultiplicativity gives ‖Π W_R D_r v‖ ≤ ‖W_R‖^{t−k₀} Π‖D_r‖ ‖v‖ with v = σ(h_{k−1}) once; the "
        "proof replaces ‖v‖ by ‖σ(h_{t−1})‖^{t−k₀}, a different vector raised to a power",
    statement="‖Π W_R D_r σ(h_{k−1})‖ ≤ ‖W_R‖^{t−k₀} Π‖D_r‖ "
            "‖σ(h_{t−1})‖^{t−k₀} (σ(h_{k−1}) becomes σ(h_{t−1}), raised to t − k₀)")(_step(1, "<="))
proof3.part("diag-dropped", expect="fails", prove=(1,),
    why="dropping Π‖D_r‖ needs ‖D_r‖ ≤ 1, but the hypothesis gives only ‖D_r‖ ≤ γ, and γ may exceed 1",
    budget=600, statement="‖W_R‖^{t−k₀} Π‖D_r‖ ‖σ(h_{t−1})‖^{t−k₀} ≤ "
            "(‖W_R‖ ‖σ(h_{t−1})‖)^{t−k₀} (needs ‖D_r‖ ≤ 1, not ≤ γ)")(_step(2, "<="))
proof3.part("norm-le-eigenvalue", expect="fails", prove=(1,),
    why="the norm bounds the eigenvalues from above (ρ(W) ≤ ‖W‖), not from below: a non-normal W_R (a "
        "nilpotent one, say) has ‖W_R‖ > λ₁",
    statement="(‖W_R‖ ‖σ(h_{t−1})‖)^{t−k₀} ≤ (λ₁ ‖σ(h_{t−1})‖)^{t−k₀}, "
            "i.e. ‖W_R‖ ≤ λ₁")(_step(3, "<="))
proof3.part("sigma-le-gamma", expect="fails", prove=(1,),
    why="γ bounds σ' (‖diag σ'‖ ≤ γ), not σ: nothing bounds ‖σ(h)‖ by γ",
    statement="(λ₁ ‖σ(h_{t−1})‖)^{t−k₀} ≤ (λ₁γ)^{t−k₀}, i.e. ‖σ(h)‖ ≤ γ "
            "(γ bounds σ', not σ)")(_step(4, "<="))


# holds: |η| < 1 ⇒ η^q → 0 (contraction, kernel/lemmas.py), proved at the default sizes n ≤ 2 (the check reads no n)
@proof3.part("eta-to-zero", kind="limit", expect="holds", given=dict(eta=scalars(lo=0, hi=sp.Rational(15, 16))),
             statement="η = λ₁γ < 1 ⇒ η^{t−k₀} → 0")
def proof3_eta(eta):
    assume(rel(eta, "<", 1), "η < 1")
    return limit(powers(sp.Matrix([[eta]]), sp.Matrix([[1]]), label="η^q"), "0")


PASCANU = {"σ": "identity (Theorem 3's hypothesis)", "eigenvalues": "W_R triangular: distinct rational eigenvalues",
           "δ": "∂E_t/∂h_t = q_j (c_j = 1, every other c_i = 0)", "direction": "the error sent back s steps, "
           "∂E_t/∂h_{t−s} = (W_Rᵀ)^s δ, scaled by λ_j^{−s}"}


def eigenvector(M, j, lam, upper: bool):
    """An eigenvector of the triangular M (``upper`` or lower) for its eigenvalue lam = M[j − 1, j − 1], by
    substitution in the claim language: entry j is 1, the entries past j (below it for an upper M, above it for a
    lower one) are 0, and the distinct eigenvalues make each divisor nonzero. SymPy's nullspace() would decide its
    pivots by its own zero tests: generic on symbols, another answer at a point."""
    n = M.rows
    q = [0] * n
    q[j - 1] = 1
    if upper:
        for i in reversed(range(j - 1)):
            q[i] = -sum(M[i, k] * q[k] for k in range(i + 1, j)) / (M[i, i] - lam)
    else:
        for i in range(j, n):
            q[i] = -sum(M[i, k] * q[k] for k in range(j - 1, i)) / (M[i, i] - lam)
    return sp.Matrix(q)


def pascanu_setup(W, j):
    """W_R upper triangular with its eigenvalues W_ii labelled along the diagonal in decreasing modulus (every
    triangularizable W_R has a Schur form with its eigenvalues in any chosen order on the diagonal: the order is a
    choice of basis), λ_j = W_jj, and q_j its eigenvector."""
    for i in range(W.rows - 1):
        assume(absval(W[i, i]) > absval(W[i + 1, i + 1]), "distinct eigenvalue moduli (labelled in decreasing order)")
    lam = W[j - 1, j - 1]
    assume(rel(lam, ">", 1), "λ_j > 1")
    return lam, eigenvector(W, j, lam, upper=True)


def like_lambda_s(scaled):
    """'grows exactly like λ_j^s': the sequence scaled by λ_j^{−s} stays bounded and does not → 0."""
    return [limit(scaled, "bounded", label="bounded"), limit(scaled, "not0", label="away from 0")]


theorem3 = readings(
    "pal2019.theorem3", kind="limit", where="§5, Theorem 3", conventions=PASCANU,
    sizes=sweep(n=(2, 3), t=(1,), fixed=("t",)), prove=(2, 3),
    given=dict(W=matrices(families=("triangular",))),
    statement="σ = Id, distinct eigenvalues, ∂E_t/∂h_t = Σ_{i≥j} c_i q_i with λ_j > 1: the gradient grows "
              "exponentially along q_j (like λ_j^t)",
    intent="backprop", why="the gradient ∂E_t/∂W_R carries ∂E_t/∂h_t back through (W_R^s)ᵀ, and the theorem "
                           "cites Pascanu et al. for exactly that product")


@theorem3.reading("backprop", expect="fails",
    why="q_j is an eigenvector of W_R, not of W_Rᵀ (W_R is not symmetric): expanded in W_Rᵀ's eigenvectors it"
        " has a component along the larger eigenvalue, so (W_Rᵀ)^s q_j grows faster than λ_j^s; the left "
        "eigenvectors are needed (theorem3.corrected)",
                  statement="(W_Rᵀ)^s q_j / λ_j^s stays bounded and away from 0: growth exactly like λ_j^s")
def theorem3_backprop(W):
    lam, q = pascanu_setup(W, 2)
    return like_lambda_s(powers(W.T / lam, q, label="(W_Rᵀ/λ_j)^q q_j"))


# holds for every triangular W_R at n = 2 and 3: q_j is fixed by W_R/λ_j (kernel/lemmas.py, fixed-point: the kernel
# decides W_R q_j = λ_j q_j exactly, as rational functions of W_R's entries), and q_j's j-th entry is 1
@theorem3.reading("forward", expect="holds",
                  statement="W_R^s q_j / λ_j^s stays bounded and away from 0: q_j is an eigenvector, so "
                            "W_R^s q_j = λ_j^s q_j")
def theorem3_forward(W):
    lam, q = pascanu_setup(W, 2)
    return like_lambda_s(powers(W / lam, q, label="(W_R/λ_j)^q q_j"))


@claim("pal2019.theorem3.corrected", kind="limit", where="§5, Theorem 3", conventions=PASCANU, expect="holds",
       sizes=sweep(n=(2, 3), t=(1,), fixed=("t",)), prove=(2, 3), given=dict(W=matrices(families=("triangular",))),
       statement="with q_i the left eigenvectors (eigenvectors of W_Rᵀ), the back-propagated error grows exactly "
                 "like λ_j^s along q_j")
def theorem3_corrected(W):
    lam, _ = pascanu_setup(W, 2)
    p = eigenvector(W.T, 2, lam, upper=False)
    return like_lambda_s(powers(W.T / lam, p, label="(W_Rᵀ/λ_j)^q p_j"))


@claim("pal2019.theorem4", kind="limit", where="§5, Theorem 4 (flagged by its author)", expect="fails",
    why="‖W_R‖ ≥ 1 + ε bounds the norm, not the eigenvalues: the recursion X_{t+1} = W_R X_t + I ⊗ h*ᵀ stays "
        "bounded when W_R's eigenvalues are small (a nilpotent or non-normal W_R) however large ‖W_R‖ is",
       sizes=LIMIT_SIZES, given=dict(W=matrices(), h=vectors(nonzero=True), eps=scalars(lo=sp.Rational(1, 4), hi=2)),
       conventions={"σ": "identity: λ*(diag σ') = 1", "trajectory": "fixed point h* held by a constant input",
                    "∂h_t/∂W_R": "row-major; X_{t+1} = W_R X_t + I ⊗ h*ᵀ (pal2019.lemma2.corrected at σ = Id)"},
       statement="‖W_R‖ ≥ (1+ε)/λ*(diag σ'(·)) ⇒ ‖∂E_t/∂W_R‖ → ∞ (shown through ∂h_t/∂W_R)")
def theorem4(W, h, eps):
    assume(rel(eps, ">", 0), "ε > 0")
    assume(norm2(W) >= 1 + eps, "‖W_R‖ ≥ (1+ε)/λ*")
    return limit(affine(W, kron(eye(W.rows), h.T), label="∂h_t/∂W_R"), "inf")


# prove=(1,): true at n = 1 (z3 + cvc5, 0.2 s); fails at n = 2 (the search's certified counterexample)
@claim("pal2019.lemma3", kind="inequality", where="§5, Lemma 3", expect="fails", prove=(1,),
    why="the smallest eigenvalue modulus λ*(A) does not bound ‖A x‖/‖x‖ from below; the smallest singular "
        "value does (lemma3.corrected), and for a non-normal A it is smaller than λ*(A)",
    given=dict(A=matrices(), B=matrices()),
       sizes=sweep(n=(1, 2, 3), t=(1,), fixed=("t",)), conventions={"‖·‖": "2-norm", "λ*(A)": "min |eigenvalue|"},
       statement="for square A, B: ‖AB‖ ≥ λ*(A) ‖B‖")
def lemma3(A, B):
    return norm2(A * B) >= lam_min(A) * norm2(B)


# n = 1 is proved by an SOS certificate; n = 2 (unknown to the solvers after 10 s on the plain encoding) by a lemma
# chain the kernel checks: σ_min(A)‖B‖ ≤ ‖AB‖ (Courant–Fischer; kernel/lemmas.py); n = 3 is searched only
@claim("pal2019.lemma3.corrected", kind="inequality", where="§5, Lemma 3", expect="holds",
       given=dict(A=matrices(), B=matrices()), sizes=sweep(n=(1, 2, 3), t=(1,), fixed=("t",)),
       statement="‖AB‖ ≥ σ_min(A) ‖B‖, the smallest singular value in place of the smallest eigenvalue modulus")
def lemma3_corrected(A, B):
    return norm2(A * B) >= smin(A) * norm2(B)


PROOF4_GIVEN = dict(W=matrices(), D1=diagonals(lo=-1, hi=1), D2=diagonals(lo=-1, hi=1),
                    eps=scalars(lo=sp.Rational(1, 4), hi=2))
proof4 = parts("pal2019.proof4", kind="inequality", where="§5, Proof 4", given=PROOF4_GIVEN,
               sizes=sweep(n=(1, 2, 3), t=(1,), fixed=("t",)),
               conventions={"t − k": "2 (two factors)", "D_r": "diag σ'(h_{r−1}), σ abstract", "‖·‖": "2-norm"},
               statement="‖Π W_R diag σ'‖ is the largest eigenvalue modulus; "
                         "‖Π W_R diag σ'‖ ≥ (Π λ*(diag σ')) ‖W_R‖^{t−k} ≥ (1+ε)^{t−k} → ∞")


# prove=(1,): true at n = 1 (z3 + cvc5, 1 s); n = 2 unknown after 10 s (17.6 s measured): left to the search
@proof4.part("norm-is-eigenvalue", expect="fails", prove=(1,),
    why="the 2-norm equals the largest eigenvalue modulus only for normal matrices; a non-normal product W_R "
        "D W_R D has ‖P‖ > ρ(P)",
             statement="the operator 2-norm of Π W_R D_r is the largest absolute value of its eigenvalues")
def proof4_norm(W, D1, D2, eps):
    P = (W * D2) * (W * D1)
    return rel(norm2(P), "=", rho(P))


# prove=(1,): true at n = 1 (z3 + cvc5, 0.8 s); at n = 2 z3's model comes after 17 s: left to the search
@proof4.part("lemma3-repeated", expect="fails", prove=(1,),
    why="it applies Lemma 3, which fails (pal2019.lemma3): the smallest eigenvalue modulus of a factor does "
        "not bound the norm of a product from below",
    statement="‖Π W_R D_r‖ ≥ (Π λ*(D_r)) ‖W_R‖^{t−k}")
def proof4_lemma3(W, D1, D2, eps):
    P = (W * D2) * (W * D1)
    return norm2(P) >= lam_min(D1) * lam_min(D2) * norm2(W) ** 2


# n = 1 is proved by z3 + cvc5 on the plain encoding; n = 2 (unknown after 10 s there) on the kernel's reading of
# λ*(D) = minᵢ|dᵢ| for a diagonal D and ‖W_R‖ an opaque number ≥ 0 (a lemma chain, kernel/lemmas.py)
@proof4.part("epsilon", expect="holds",
             statement="(Π λ*(D_r)) ‖W_R‖^{t−k} ≥ (1+ε)^{t−k} when ‖W_R‖ ≥ (1+ε)/λ*(diag σ'(·))")
def proof4_eps(W, D1, D2, eps):
    star = lam_min(D1)  # λ*(diag σ'(·)), the smallest over the trajectory: certified by the hypothesis below
    assume(lam_min(D1) <= lam_min(D2), "λ*(D_{k+1}) is the smaller")
    assume(rel(eps, ">", 0), "ε > 0")
    assume(star > 0, "λ*(diag σ') > 0")
    assume(norm2(W) * star >= 1 + eps, "‖W_R‖ ≥ (1+ε)/λ*")
    return lam_min(D1) * lam_min(D2) * norm2(W) ** 2 >= (1 + eps) ** 2
