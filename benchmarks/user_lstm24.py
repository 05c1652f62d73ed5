"""A user's own LSTM at moderate size: 24 claims of Greff et al.'s BPTT (issue 21.5's 24-claim file).

Greff, Srivastava, Koutník, Steunebrink, Schmidhuber (2017), "LSTM: A Search Space Odyssey", IEEE TNNLS, the
vanilla LSTM with peepholes (Section II) and its backpropagation-through-time deltas (Appendix). The cell is
benchmarks/user_lstm.py's ``greff_lstm`` (imported; y is named h, the state is (h, c)):

    z̄ = W_z x + R_z y_{t−1} + b_z,                  z = g(z̄) = tanh(z̄)
    ī = W_i x + R_i y_{t−1} + p_i ⊙ c_{t−1} + b_i,  i = σ(ī)
    f̄ = W_f x + R_f y_{t−1} + p_f ⊙ c_{t−1} + b_f,  f = σ(f̄)
    c = z ⊙ i + c_{t−1} ⊙ f
    ō = W_o x + R_o y_{t−1} + p_o ⊙ c + b_o,        o = σ(ō)
    y = h(c) ⊙ o = tanh(c) ⊙ o

Every right-hand side is written from these formulas and the Appendix's deltas (σ′ = σ(1 − σ), g′ = h′ = 1 − tanh²,
read off the gates' own values), never from symderiv's differentiation; the left-hand sides are symderiv's. The
Appendix's deltas are the transposes of these Jacobians: δō_t = δy_t ⊙ h(c_t) ⊙ σ′(ō_t) is ∂y_t/∂ō_t = diag(h(c_t) ⊙
σ′(ō_t)); δc_t's terms p_o ⊙ δō_t, p_i ⊙ δī_{t+1}, p_f ⊙ δf̄_{t+1}, δc_{t+1} ⊙ f_{t+1} are the peephole and forget
entries of ∂c_{t+1}/∂c_t and ∂y_t/∂c_t below; δW_⋆ = Σ_t ⟨δ⋆_t, x_t⟩ is ∂⋆̄_t/∂W_⋆ = I ⊗ x_tᵀ (row-major vec(W),
column a·m + b is ∂/∂W[a, b]); δR_⋆ = Σ_t ⟨δ⋆_{t+1}, y_t⟩ is I ⊗ y_{t−1}ᵀ; δb_⋆ = Σ_t δ⋆_t; δp_i = Σ_t c_t ⊙ δī_{t+1},
δp_f = Σ_t c_t ⊙ δf̄_{t+1}, δp_o = Σ_t c_t ⊙ δō_t (the output peephole reads the new cell state c_t, the other two
the old one).

Sixteen claims are true; eight carry a realistic slip (a dropped peephole, a transposed R, a missing σ′ factor, the
wrong gate, the wrong step's cell state, the Kronecker factors of ∂(R y)/∂vec(R) swapped, the
constant error carousel alone for dc_t/dc_0, BPTT truncated to the last step) and are expected to fail. Not covered: the partials by
the input x_t (m.d differentiates by parameters, initial states and quantities; the cell reads x directly, so x_t is
neither), hence no claim of the Appendix's δx_t.

Not a shipped proof file: ``symderiv check benchmarks/user_lstm24.py --n 8 --t 16 --no-cache -j 2``
(benchmarks/bench_fixed_size.py measures it).
"""
from symderiv import claim, diag, eye, hadamard, kron, ones, sweep, zeros

from user_lstm import greff_lstm

SIZES = sweep(n=(1, 2), t=(1, 2, 3))
M = greff_lstm


def _one(m):
    return ones(m.n, 1)


def dsig(m, gate, k):
    """σ′ at gate's pre-activation, σ(1 − σ), from the gate's value."""
    v = m.at(gate, k)
    return hadamard(v, _one(m) - v)


def dtanh(m, name, k):
    """tanh′ at the pre-activation of a tanh quantity, 1 − tanh², from its value."""
    v = m.at(name, k)
    return _one(m) - hadamard(v, v)


def h3(a, b, c):
    return hadamard(hadamard(a, b), c)


def inputs(m, k):
    """∂(W v)/∂vec(W) = I ⊗ vᵀ for a row-major vec(W) of an n × m matrix."""
    return kron(eye(m.n), m.x(k).T)


def recurrent(m, k):
    return kron(eye(m.n), m.at("h", k - 1).T)


# ----- one-step blocks, from the cell's equations ---------------------------------------------------------------
def dc_dcprev(m, k, peep=True):
    """∂c_k/∂c_{k−1} = diag(f) + diag(c_{k−1} ⊙ σ′(f̄) ⊙ p_f) + diag(z ⊙ σ′(ī) ⊙ p_i)."""
    out = diag(m.at("f", k))
    if peep:
        out = out + diag(h3(m.at("c", k - 1), dsig(m, "f", k), m.p_f)) + diag(h3(m.at("z", k), dsig(m, "i", k), m.p_i))
    return out


def dc_dhprev(m, k, swap=False):
    """∂c_k/∂y_{k−1} = diag(z ⊙ σ′(ī)) R_i + diag(c_{k−1} ⊙ σ′(f̄)) R_f + diag(i ⊙ g′(z̄)) R_z."""
    Ri, Rf = (m.R_f, m.R_i) if swap else (m.R_i, m.R_f)
    return diag(hadamard(m.at("z", k), dsig(m, "i", k))) * Ri \
        + diag(hadamard(m.at("c", k - 1), dsig(m, "f", k))) * Rf \
        + diag(hadamard(m.at("i", k), dtanh(m, "z", k))) * m.R_z


def dh_dc(m, k):
    """∂y_k/∂c_k = diag(o ⊙ h′(c)) + diag(h(c) ⊙ σ′(ō) ⊙ p_o) (the output peephole reads c_k)."""
    return diag(hadamard(m.at("o", k), dtanh(m, "tc", k))) + diag(h3(m.at("tc", k), dsig(m, "o", k), m.p_o))


def dy_dobar(m, k):
    """∂y_k/∂ō_k = diag(h(c_k) ⊙ σ′(ō_k)): the Appendix's δō_t = δy_t ⊙ h(c_t) ⊙ σ′(ō_t)."""
    return diag(hadamard(m.at("tc", k), dsig(m, "o", k)))


def dh_dhprev(m, k):
    return dy_dobar(m, k) * m.R_o + dh_dc(m, k) * dc_dhprev(m, k)


def dh_dcprev(m, k):
    return dh_dc(m, k) * dc_dcprev(m, k)


def dc_dWz(m, k):
    """∂c_k/∂vec(W_z) = diag(i ⊙ g′(z̄)) (I ⊗ x_kᵀ)."""
    return diag(hadamard(m.at("i", k), dtanh(m, "z", k))) * inputs(m, k)


def blocks(m, k):
    return dh_dhprev(m, k), dh_dcprev(m, k), dc_dhprev(m, k), dc_dcprev(m, k)


def through_time(m, forget_only=False):
    """(G^y_t, G^c_t) = d(y_t, c_t)/dc_0 by the (y, c) block recursion of the one-step blocks, G_0 = (0, I)."""
    gh, gc = zeros(m.n, m.n), eye(m.n)
    for k in range(1, m.t + 1):
        if forget_only:  # the "constant error carousel" alone: c_k = f_k ⊙ c_{k−1}
            gc = diag(m.at("f", k)) * gc
            continue
        A, B, C, D = blocks(m, k)
        gh, gc = A * gh + B * gc, C * gh + D * gc
    return gh, gc


def h_from_h0(m):
    gh, gc = eye(m.n), zeros(m.n, m.n)
    for k in range(1, m.t + 1):
        A, B, C, D = blocks(m, k)
        gh, gc = A * gh + B * gc, C * gh + D * gc
    return gh


def h_by_Wz(m):
    """dy_t/dvec(W_z) = Σ_k (dy_t/dc_k) ∂c_k/∂W_z, by the forward recursion J_k = blocks_k J_{k−1} + local_k."""
    cols = m.n * m.m
    jh, jc = zeros(m.n, cols), zeros(m.n, cols)
    for k in range(1, m.t + 1):
        A, B, C, D = blocks(m, k)
        lc = dc_dWz(m, k)
        jh, jc = A * jh + B * jc + dh_dc(m, k) * lc, C * jh + D * jc + lc
    return jh


def _c(id_, where, statement, expect=None, why=None):
    kw = {"expect": expect, "why": why} if expect else {}
    return claim(f"user.greff24.{id_}", where=where, model=M, sizes=SIZES, statement=statement, **kw)


# ----- one step: pre-activations ----------------------------------------------------------------------------------
@_c("dzbar-dhprev", "Greff et al. (2017), eq. z̄: its recurrent input", "∂z̄_t/∂y_{t−1} = R_z")
def zbar_h(m):
    return m.partial(("zbar", m.t), ("h", m.t - 1)), m.R_z


@_c("dobar-dhprev", "Greff et al. (2017), eq. ō: the output gate reads y_{t−1} and, by its peephole, c_t",
    "∂ō_t/∂y_{t−1} = R_o + diag(p_o) ∂c_t/∂y_{t−1}")
def obar_h(m):
    return m.partial(("obar", m.t), ("h", m.t - 1)), m.R_o + diag(m.p_o) * dc_dhprev(m, m.t)


@_c("dobar-dhprev-no-peephole", "a slip: the output peephole's path through c_t dropped",
    "∂ō_t/∂y_{t−1} = R_o", expect="fails",
    why="ō_t reads p_o ⊙ c_t and c_t depends on y_{t−1} through all three of z, i, f; the term "
        "diag(p_o) ∂c_t/∂y_{t−1} is missing")
def obar_h_slip(m):
    return m.partial(("obar", m.t), ("h", m.t - 1)), m.R_o


# ----- one step: gates --------------------------------------------------------------------------------------------
@_c("di-dhprev", "Greff et al. (2017), Appendix: δī_t = δi_t ⊙ σ′(ī_t)", "∂i_t/∂y_{t−1} = diag(σ′(ī)) R_i")
def i_h(m):
    return m.partial(("i", m.t), ("h", m.t - 1)), diag(dsig(m, "i", m.t)) * m.R_i


@_c("di-dhprev-transposed", "a slip: R_iᵀ for R_i (the backward pass's matrix in the forward Jacobian)",
    "∂i_t/∂y_{t−1} = diag(σ′(ī)) R_iᵀ", expect="fails",
    why="ī_t = … + R_i y_{t−1}, so its Jacobian by y_{t−1} is R_i; R_iᵀ appears only in the transposed delta "
        "R_iᵀ δī_t")
def i_h_slip(m):
    return m.partial(("i", m.t), ("h", m.t - 1)), diag(dsig(m, "i", m.t)) * m.R_i.T


@_c("df-dcprev", "Greff et al. (2017), the forget gate's peephole", "∂f_t/∂c_{t−1} = diag(σ′(f̄) ⊙ p_f)")
def f_c(m):
    return m.partial(("f", m.t), ("c", m.t - 1)), diag(hadamard(dsig(m, "f", m.t), m.p_f))


@_c("df-dcprev-no-dsigma", "a slip: the σ′ factor missing", "∂f_t/∂c_{t−1} = diag(p_f)", expect="fails",
    why="f = σ(f̄): the chain rule multiplies ∂f̄/∂c_{t−1} = diag(p_f) by σ′(f̄), which is not 1")
def f_c_slip(m):
    return m.partial(("f", m.t), ("c", m.t - 1)), diag(m.p_f)


# ----- one step: states -------------------------------------------------------------------------------------------
@_c("dc-dcprev", "Greff et al. (2017), Appendix: δc_{t−1}'s terms δc_t ⊙ f_t, p_i ⊙ δī_t, p_f ⊙ δf̄_t",
    "∂c_t/∂c_{t−1} = diag(f) + diag(c_{t−1} ⊙ σ′(f̄) ⊙ p_f) + diag(z ⊙ σ′(ī) ⊙ p_i)")
def c_c(m):
    return m.partial(("c", m.t), ("c", m.t - 1)), dc_dcprev(m, m.t)


@_c("dc-dhprev", "Greff et al. (2017), Appendix: R_zᵀδz̄ + R_iᵀδī + R_fᵀδf̄ transposed, through c_t",
    "∂c_t/∂y_{t−1} = diag(z ⊙ σ′(ī)) R_i + diag(c_{t−1} ⊙ σ′(f̄)) R_f + diag(i ⊙ g′(z̄)) R_z")
def c_h(m):
    return m.partial(("c", m.t), ("h", m.t - 1)), dc_dhprev(m, m.t)


@_c("dc-dhprev-wrong-gate", "a slip: the input and forget gates' recurrent matrices exchanged",
    "∂c_t/∂y_{t−1} = diag(z ⊙ σ′(ī)) R_f + diag(c_{t−1} ⊙ σ′(f̄)) R_i + diag(i ⊙ g′(z̄)) R_z", expect="fails",
    why="the input gate's pre-activation reads R_i y_{t−1} and the forget gate's R_f y_{t−1}; each σ′ factor goes "
        "with its own gate's matrix")
def c_h_slip(m):
    return m.partial(("c", m.t), ("h", m.t - 1)), dc_dhprev(m, m.t, swap=True)


@_c("dh-dhprev", "Greff et al. (2017), Appendix: δy_{t−1}'s recurrent terms, transposed",
    "∂y_t/∂y_{t−1} = diag(h(c) ⊙ σ′(ō)) R_o + ∂y_t/∂c_t ∂c_t/∂y_{t−1}")
def h_h(m):
    return m.partial(("h", m.t), ("h", m.t - 1)), dh_dhprev(m, m.t)


# ----- one step: weights, biases, peepholes ---------------------------------------------------------------------
@_c("dh-dbo", "Greff et al. (2017), Appendix: δb_o = Σ_t δō_t", "∂y_t/∂b_o = diag(h(c_t) ⊙ σ′(ō_t))")
def h_bo(m):
    return m.partial(("h", m.t), "b_o"), dy_dobar(m, m.t)


@_c("dc-dbf", "Greff et al. (2017), Appendix: δb_f = Σ_t δf̄_t, δf̄_t = δc_t ⊙ c_{t−1} ⊙ σ′(f̄_t)",
    "∂c_t/∂b_f = diag(c_{t−1} ⊙ σ′(f̄_t))")
def c_bf(m):
    return m.partial(("c", m.t), "b_f"), diag(hadamard(m.at("c", m.t - 1), dsig(m, "f", m.t)))


@_c("dc-dpi", "Greff et al. (2017), Appendix: δp_i = Σ_t c_t ⊙ δī_{t+1}",
    "∂c_t/∂p_i = diag(z_t ⊙ σ′(ī_t) ⊙ c_{t−1})")
def c_pi(m):
    return m.partial(("c", m.t), "p_i"), diag(h3(m.at("z", m.t), dsig(m, "i", m.t), m.at("c", m.t - 1)))


@_c("dh-dpo", "Greff et al. (2017), Appendix: δp_o = Σ_t c_t ⊙ δō_t", "∂y_t/∂p_o = diag(h(c_t) ⊙ σ′(ō_t) ⊙ c_t)")
def h_po(m):
    return m.partial(("h", m.t), "p_o"), dy_dobar(m, m.t) * diag(m.at("c", m.t))


@_c("dh-dpo-old-cell", "a slip: the output peephole read as c_{t−1}, like the input and forget peepholes",
    "∂y_t/∂p_o = diag(h(c_t) ⊙ σ′(ō_t) ⊙ c_{t−1})", expect="fails",
    why="the output gate's peephole reads the new cell state c_t (δp_o = Σ_t c_t ⊙ δō_t, with the same t), the "
        "input and forget gates' the old one c_{t−1}")
def h_po_slip(m):
    return m.partial(("h", m.t), "p_o"), dy_dobar(m, m.t) * diag(m.at("c", m.t - 1))


@_c("dc-dWz", "Greff et al. (2017), Appendix: δW_z = Σ_t ⟨δz̄_t, x_t⟩, δz̄_t = δc_t ⊙ i_t ⊙ g′(z̄_t)",
    "∂c_t/∂vec(W_z) = diag(i_t ⊙ g′(z̄_t)) (I ⊗ x_tᵀ) (row-major vec)")
def c_Wz(m):
    return m.partial(("c", m.t), "W_z"), dc_dWz(m, m.t)


@_c("dc-dRf", "Greff et al. (2017), Appendix: δR_f = Σ_t ⟨δf̄_{t+1}, y_t⟩",
    "∂c_t/∂vec(R_f) = diag(c_{t−1} ⊙ σ′(f̄_t)) (I ⊗ y_{t−1}ᵀ) (row-major vec)")
def c_Rf(m):
    return m.partial(("c", m.t), "R_f"), diag(hadamard(m.at("c", m.t - 1), dsig(m, "f", m.t))) * recurrent(m, m.t)


@_c("dc-dRf-transposed-layout", "a slip: the Kronecker factors swapped (∂(R y)/∂vec(R) as y ⊗ I)",
    "∂c_t/∂vec(R_f) = diag(c_{t−1} ⊙ σ′(f̄_t)) (y_{t−1}ᵀ ⊗ I) (row-major vec)", expect="fails",
    why="with row-major vec(R), column a·n + b is ∂/∂R[a, b] and ∂(R y)[a]/∂R[a, b] = y[b]: the factor is I ⊗ yᵀ; "
        "yᵀ ⊗ I is the column-major layout's (a transposed R)")
def c_Rf_slip(m):
    return m.partial(("c", m.t), "R_f"), \
        diag(hadamard(m.at("c", m.t - 1), dsig(m, "f", m.t))) * kron(m.at("h", m.t - 1).T, eye(m.n))


# ----- through time -----------------------------------------------------------------------------------------------
@_c("dh-dh0", "BPTT through (y, c): the block recursion of the one-step partials above",
    "dy_t/dy_0 = G^y_t, (G^y, G^c)_k = [[∂y_k/∂y_{k−1}, ∂y_k/∂c_{k−1}], [∂c_k/∂y_{k−1}, ∂c_k/∂c_{k−1}]] (G^y, G^c)_{k−1}, "
    "(G^y, G^c)_0 = (I, 0)")
def h_h0(m):
    return m.d(("h", m.t), ("h", 0)), h_from_h0(m)


@_c("dc-dc0", "BPTT through (y, c): the cell state's error flow", "dc_t/dc_0 = G^c_t, (G^y, G^c)_0 = (0, I)")
def c_c0(m):
    return m.d(("c", m.t), ("c", 0)), through_time(m)[1]


@_c("dc-dc0-carousel-only", "a slip: only the constant error carousel, dc_t/dc_0 = Π_k diag(f_k)",
    "dc_t/dc_0 = diag(f_t) ⋯ diag(f_1)", expect="fails",
    why="c_k depends on c_{k−1} also through the input and forget gates' peepholes and through y_{k−1} (every gate "
        "reads it); with peepholes even one step has the terms diag(c_{k−1} ⊙ σ′(f̄) ⊙ p_f) + diag(z ⊙ σ′(ī) ⊙ p_i)")
def c_c0_slip(m):
    return m.d(("c", m.t), ("c", 0)), through_time(m, forget_only=True)[1]


@_c("dh-dWz", "Greff et al. (2017), Appendix: δW_z = Σ_t ⟨δz̄_t, x_t⟩, as the forward Jacobian of y_t",
    "dy_t/dvec(W_z) = Σ_k (dy_t/dc_k) diag(i_k ⊙ g′(z̄_k)) (I ⊗ x_kᵀ), accumulated by the block recursion")
def h_Wz(m):
    return m.d(("h", m.t), "W_z"), h_by_Wz(m)


@_c("dh-dWz-last-step", "a slip: BPTT truncated to the last step (δW_z = ⟨δz̄_t, x_t⟩ for the current t only)",
    "dy_t/dvec(W_z) = ∂y_t/∂c_t diag(i_t ⊙ g′(z̄_t)) (I ⊗ x_tᵀ)", expect="fails",
    why="W_z acts at every step: y_t depends on it through c_1, …, c_{t−1} too (δW_z sums over every step), so "
        "the terms k < t are missing; at t = 1 the two agree")
def h_Wz_slip(m):
    return m.d(("h", m.t), "W_z"), dh_dc(m, m.t) * dc_dWz(m, m.t)
