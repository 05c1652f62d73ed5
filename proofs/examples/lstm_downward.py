"""LSTM backpropagation through time, downward, for every T: the adjoints of both states (h, c).

The cell: logistic gates f, i, og, candidate g = tanh(·), c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t, h_t = og_t ⊙ tanh(c_t),
and an output o_t = V h_t + b_V with L = Σ_{s=1}^{T} E_s, each E_s an abstract per-step loss E(o_s, y_s).
Gradients are columns (∇_x L = (dL/dx)ᵀ). The truths are L differentiated through every path:
δh_k = ∇_{h_k}L = m.d(m.sum_of("E"), ("h", k)).T, and δc_k = ∇_{c_k}L with c_k moved and the rest of step k
recomputed from it (so the path c_k → h_k = og_k ⊙ tanh(c_k) counts), never the recursion under test.

The textbook recursions (e.g. Graves, Supervised Sequence Labelling with RNNs, 2012, §4.6.2; Greff et al.,
"LSTM: A Search Space Odyssey", 2017, appendix), for k < T:

    δc_k = f_{k+1} ⊙ δc_{k+1} + og_k ⊙ (1 − tanh²(c_k)) ⊙ δh_k                       (the constant error carousel)
    δh_k = W_fᵀ (δc_{k+1} ⊙ c_k ⊙ f′_{k+1}) + W_iᵀ (δc_{k+1} ⊙ g_{k+1} ⊙ i′_{k+1})
         + W_gᵀ (δc_{k+1} ⊙ i_{k+1} ⊙ g′_{k+1}) + W_oᵀ (δh_{k+1} ⊙ tanh(c_{k+1}) ⊙ og′_{k+1}) + Vᵀ ∇_{o_k}L

(σ′ = σ(1 − σ), tanh′ = 1 − tanh²), and the carousel unrolled, for k ≤ T:
δc_k = Σ_{s=k}^{T} (Π_{r=k+1}^{s} diag(f_r)) diag(og_s ⊙ (1 − tanh²(c_s))) δh_s.

Each is proved for every T by downward induction on the block recursion of the adjoints (README, "Downward:
several states"): the stacked state (h, c), J_{k+1} the step's block Jacobian, the claimed state's row the step,
the other state's adjoint at k + 1 free; base and step re-checked by the kernel. The three true rows are lifted to
every n as well (README, "Downward: every n and every T", several states: the block recursion traced on diagrams
of symbolic size, base and step decided by the kernel at their thresholds). Five slips fail, each with a
certified counterexample: the forget gate one step early (f_k), the carousel's c path dropped, the h row's c path
dropped (only the output gate's term kept), W_f for W_fᵀ, and the unrolled sum started at s = k + 1.
"""
from symderiv import cell, claim, diag, every_step, hadamard, product, sweep, total

SIZES = sweep(n=(1, 2), t=(2,))
GRAD = {"∇": "gradients are columns, ∇_x L = (dL/dx)ᵀ",
        "δc_k": "∇_{c_k}L with c_k moved and the rest of step k recomputed from it (h_k = og_k ⊙ tanh(c_k) too)",
        "loss": "abstract per-step E_s = E(o_s, y_s), L = Σ_s E_s"}


@cell("LSTM with an output: gates f, i, og (logistic), g = tanh(·); c_t = f⊙c_{t-1} + i⊙g; h_t = og⊙tanh(c_t); "
      "o_t = V h_t + b_V",
      params={k: ("n", "n") for k in ("W_f", "W_i", "W_o", "W_g", "V")}
      | {k: ("n", "m") for k in ("U_f", "U_i", "U_o", "U_g")}
      | {k: "n" for k in ("b_f", "b_i", "b_o", "b_g", "b_V")},
      state=("h", "c"), output=lambda q, p, f: p.V * q.h + p.b_V)
def lstm_out(s, prev, x, p, f):
    s.f = f.logistic(p.W_f * prev.h + p.U_f * x + p.b_f)
    s.i = f.logistic(p.W_i * prev.h + p.U_i * x + p.b_i)
    s.og = f.logistic(p.W_o * prev.h + p.U_o * x + p.b_o)
    s.g = f.tanh(p.W_g * prev.h + p.U_g * x + p.b_g)
    s.c = hadamard(s.f, prev.c) + hadamard(s.i, s.g)
    s.tc = f.tanh(s.c)
    s.h = hadamard(s.og, s.tc)


def dh(m, k):
    return m.d(m.sum_of("E"), ("h", k)).T


def dc(m, k):
    return m.d(m.sum_of("E"), ("c", k)).T


def do(m, k):
    return m.d(("E", k), ("o", k)).T


def dlogistic(v):
    return hadamard(v, v.applyfunc(lambda e: 1 - e))


def into_c(m, k):
    """∂h_k/∂c_k = diag(og_k ⊙ (1 − tanh²(c_k)))."""
    return diag(hadamard(m.at("og", k), m.at("tc", k).applyfunc(lambda e: 1 - e ** 2)))


def c_row(m, *, forget_at=1, c_path=True):
    def family(k):
        rhs = into_c(m, k) * dh(m, k)
        if c_path:
            rhs = diag(m.at("f", k + forget_at)) * dc(m, k + 1) + rhs
        return dc(m, k), rhs
    return every_step(m, family, lo=1, hi=m.t - 1)


def h_row(m, *, W_f=lambda W: W.T, c_path=True):
    def family(k):
        j = k + 1
        a_f = hadamard(dc(m, j), hadamard(m.at("c", k), dlogistic(m.at("f", j))))
        a_i = hadamard(dc(m, j), hadamard(m.at("g", j), dlogistic(m.at("i", j))))
        a_g = hadamard(dc(m, j), hadamard(m.at("i", j), m.at("g", j).applyfunc(lambda e: 1 - e ** 2)))
        a_o = hadamard(dh(m, j), hadamard(m.at("tc", j), dlogistic(m.at("og", j))))
        rhs = m.W_o.T * a_o + m.V.T * do(m, k)
        if c_path:
            rhs = W_f(m.W_f) * a_f + m.W_i.T * a_i + m.W_g.T * a_g + rhs
        return dh(m, k), rhs
    return every_step(m, family, lo=1, hi=m.t - 1)


def c_unrolled(m, *, lo_s=0):
    def closed(k):
        def term(s):
            # ascending: the oldest factor diag(f_{k+1}) leftmost (diagonal factors commute, so either order is
            # the same matrix; ascending is the one whose summand at k is diag(f_{k+1}) times the one at k + 1)
            return product(lambda r: diag(m.at("f", r)), k + 1, s, order="ascending", size=m.n) \
                * into_c(m, s) * dh(m, s)
        return total(term, (m.n, 1), lo=k + lo_s, hi=m.t)
    return every_step(m, lambda k: (dc(m, k), closed(k)))


COMMON = dict(model=lstm_out, activation="tanh", loss="abstract", sizes=SIZES, conventions=GRAD)


@claim("lstm.down.c-row", where="LSTM BPTT: the memory cell's adjoint (the constant error carousel), every k < T",
       statement="δc_k = f_{k+1} ⊙ δc_{k+1} + og_k ⊙ (1 − tanh²(c_k)) ⊙ δh_k for k = 1…T−1", **COMMON)
def lstm_c_row(m):
    return c_row(m)


@claim("lstm.down.h-row", where="LSTM BPTT: the hidden state's adjoint through the four gates, every k < T",
       statement="δh_k = W_fᵀ(δc_{k+1} ⊙ c_k ⊙ f′_{k+1}) + W_iᵀ(δc_{k+1} ⊙ g_{k+1} ⊙ i′_{k+1}) + "
                 "W_gᵀ(δc_{k+1} ⊙ i_{k+1} ⊙ g′_{k+1}) + W_oᵀ(δh_{k+1} ⊙ tanh(c_{k+1}) ⊙ og′_{k+1}) + Vᵀ∇_{o_k}L "
                 "for k = 1…T−1", **COMMON)
def lstm_h_row(m):
    return h_row(m)


@claim("lstm.down.c-unrolled", where="LSTM BPTT: the carousel unrolled to k = T",
       statement="δc_k = Σ_{s=k}^{T} (Π_{r=k+1}^{s} diag(f_r)) diag(og_s ⊙ (1 − tanh²(c_s))) δh_s for k = 1…T",
       **COMMON)
def lstm_c_unrolled(m):
    return c_unrolled(m)


@claim("lstm.down.c-row-f-k", where="LSTM BPTT, a slip: the forget gate of step k in place of step k + 1",
       expect="fails",
       why="c_{k+1} = f_{k+1} ⊙ c_k + i_{k+1} ⊙ g_{k+1}: c_k reaches c_{k+1} through the forget gate of step k + 1",
       statement="δc_k = f_k ⊙ δc_{k+1} + og_k ⊙ (1 − tanh²(c_k)) ⊙ δh_k", **COMMON)
def lstm_c_row_f_k(m):
    return c_row(m, forget_at=0)


@claim("lstm.down.c-row-no-carousel", where="LSTM BPTT, a slip: the memory cell's own path dropped",
       expect="fails",
       why="c_k reaches the losses after step k through c_{k+1} too (the term f_{k+1} ⊙ δc_{k+1}), not only "
           "through h_k",
       statement="δc_k = og_k ⊙ (1 − tanh²(c_k)) ⊙ δh_k", **COMMON)
def lstm_c_row_no_carousel(m):
    return c_row(m, c_path=False)


@claim("lstm.down.h-row-c-path-dropped", where="LSTM BPTT, a slip: the h row through the output gate only",
       expect="fails",
       why="h_k reaches c_{k+1} through the gates f, i, g of step k + 1; dropping those three terms keeps only the "
           "h → h path of the output gate",
       statement="δh_k = W_oᵀ(δh_{k+1} ⊙ tanh(c_{k+1}) ⊙ og′_{k+1}) + Vᵀ∇_{o_k}L", **COMMON)
def lstm_h_row_c_dropped(m):
    return h_row(m, c_path=False)


@claim("lstm.down.h-row-W_f", where="LSTM BPTT, a slip: W_f in place of W_fᵀ", expect="fails",
       why="the forget gate's pre-activation is W_f h_k + …, so its delta goes back to h_k through W_fᵀ; W_f differs "
           "unless W_f is symmetric (it agrees at n = 1)",
       statement="δh_k = W_f(δc_{k+1} ⊙ c_k ⊙ f′_{k+1}) + … (the transpose dropped)", **COMMON)
def lstm_h_row_w_f(m):
    return h_row(m, W_f=lambda W: W)


@claim("lstm.down.c-unrolled-from-k+1", where="LSTM BPTT, a slip: the unrolled carousel started at s = k + 1",
       expect="fails",
       why="the term s = k, ∂h_k/∂c_k δh_k, is the path from c_k to the losses through h_k itself",
       statement="δc_k = Σ_{s=k+1}^{T} (Π_{r=k+1}^{s} diag(f_r)) diag(og_s ⊙ (1 − tanh²(c_s))) δh_s", **COMMON)
def lstm_c_unrolled_late(m):
    return c_unrolled(m, lo_s=1)
