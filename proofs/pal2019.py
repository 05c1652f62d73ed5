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
    terms = (product(factor, k + 1, t, order=order, size=n) * block(m.sigma(m.h(k - 1))) for k in range(1, t))
    return total(terms, (n, n * n)) + block(m.sigma(m.h(t - 1)))


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


@eq3.part("via-h", expect="fails", statement="∂E_t/∂W_R = Σ_{k=1}^{t} ∂E_t/∂h_t · ∂h_t/∂W_R, as printed")
def eq3_via_h(m):
    t = m.t
    term = m.d(("E", t), ("h", t)) * m.d(("h", t), "W_R")
    return m.d(("E", t), "W_R"), total((term for k in range(1, t + 1)), (1, m.n ** 2))


@eq3.part("via-o", expect="fails", statement="∂E_t/∂W_R = Σ_{k=1}^{t} ∂E_t/∂o_t · ∂o_t/∂h_t · ∂h_t/∂W_R, as printed")
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


@theorem1.reading("desc-product", expect="fails", conventions={"product": "descending: r = t factor leftmost"})
def theorem1_desc(m):
    return m.d(("h", m.t), "W_R"), theorem1_rhs(m, "descending", HV)


@theorem1.reading("asc-product", expect="fails", conventions={"product": "ascending: r = k+1 factor leftmost"})
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


example = parts("pal2019.lemma1-example", where="remark after Lemma 1", model=bare_rnn, activation="identity",
                sizes=sweep(n=1, t=2, fixed=("n", "t")),
                conventions={"scope": "n = 1: the example is scalar (h_0 'a non-zero constant', 2 W_R h_0)"},
                statement="σ = Id: h_2 = W_R² h_0, dh_2/dW_R = 2 W_R h_0 and ∂h_2/∂W_R = h_1 = W_R h_0")


@example.part("h2", statement="h_2 = W_R² h_0", sizes=sweep(n=(1, 2, 3), t=2, fixed=("t",)))
def example_h2(m):
    return m.h(2), m.W_R ** 2 * m.h(0)


@example.part("total", statement="dh_2/dW_R = 2 W_R h_0")
def example_total(m):
    return m.d(("h", 2), "W_R"), 2 * m.W_R * m.h(0)


@example.part("partial", statement="∂h_2/∂W_R = h_1 = W_R h_0")
def example_partial(m):
    return m.partial(("h", 2), "W_R"), m.W_R * m.h(0)


@claim("pal2019.lemma2", where="§3.3, Lemma 2", model=pal2019_rnn, expect="fails",
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


@small_t.part("t1", expect="fails", sizes=sweep(t=1, fixed=("t",)), statement="dh_1/dW_R = HV(σ(h_0))")
def small_t1(m):
    return m.d(("h", 1), "W_R"), HV(m.sigma(m.h(0)))


@small_t.part("t2", expect="fails", sizes=sweep(t=2, fixed=("t",)),
              statement="dh_2/dW_R = W_R diag(σ'(h_1)) HV(σ(h_0)) + HV(σ(h_1))")
def small_t2(m):
    return m.d(("h", 2), "W_R"), m.W_R * diag(m.dsigma(m.h(1))) * HV(m.sigma(m.h(0))) + HV(m.sigma(m.h(1)))


@claim("pal2019.theorem1-small-t.corrected", where="§3.3, proofs for t = 1, 2", model=pal2019_rnn,
       conventions=ROW, sizes=sweep(t=(1, 2), fixed=("t",)),
       statement="dh_1/dW_R = I ⊗ σ(h_0)ᵀ; dh_2/dW_R = W_R diag(σ'(h_1)) (I ⊗ σ(h_0)ᵀ) + I ⊗ σ(h_1)ᵀ")
def small_t_corrected(m):
    return m.d(("h", m.t), "W_R"), theorem1_rhs(m, "descending", block_diag_sigma)
