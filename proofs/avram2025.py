"""avram2025: A. Avram (2025), Vanishing Gradients in Vanilla RNNs.
(shared/papers/001_479fa5fdf8c6a73b.txt)

Transcribed so far: the identity claims. The norm, eigenvalue and limit
claims (tanh-derivative-range, diag-norm, spectral-psd, norm-product-equality,
norm-bounds, w-bounds, power-spectral, polar-reduction) need the inequality and
limit engine and are not transcribed yet.
"""
from symderiv import avram2025_rnn, cell, claim, diag, hadamard, product, readings, sweep

TANH = {"σ": "tanh (the paper's choice)"}


def D(m, k):
    """D_k = diag(tanh'(z_k))."""
    return diag(m.f.dtanh(m.at("z", k)))


jac = readings(
    "avram2025.jacobian-product", where="'Vanishing Gradients', claim and induction", model=avram2025_rnn,
    activation="tanh", conventions=TANH,
    statement="for h_t = tanh(W h_{t-1}): J_t = ∂h_t/∂h_0 = Π_{k=1}^{t} D_k W, D_k = diag(tanh'(z_k))",
    intent="desc-product",
    why="the inductive step composes J(h_{t+1})(h_t) = D_{t+1} W onto J_t, so the newest factor is leftmost")


@jac.reading("desc-product", conventions={"product": "descending: k = t factor leftmost"})
def jacobian_desc(m):
    return m.d(("h", m.t), ("h", 0)), product(lambda k: D(m, k) * m.W, 1, m.t, order="descending", size=m.n)


@jac.reading("asc-product", expect="fails", conventions={"product": "ascending: k = 1 factor leftmost"})
def jacobian_asc(m):
    return m.d(("h", m.t), ("h", 0)), product(lambda k: D(m, k) * m.W, 1, m.t, order="ascending", size=m.n)


@claim("avram2025.base-case", where="base case of the induction", model=avram2025_rnn, activation="tanh",
       conventions=TANH, sizes=sweep(t=1, fixed=("t",)),
       statement="(J_1)_{ij} = tanh'(z_i) W_{ij}, so J_1 = D_1 W")
def base_case(m):
    return m.d(("h", 1), ("h", 0)), D(m, 1) * m.W


@cell("avram2025 LSTM, as printed (o uses W_g, U_g, b_g; c̃ has no squashing)",
      params={k: ("n", "n") for k in ("W_f", "W_g", "W")} | {k: ("n", "m") for k in ("U_f", "U_g", "U")}
      | {k: "n" for k in ("b_f", "b_g", "b")}, state=("h", "c"))
def avram2025_lstm(s, prev, x, p, f):
    s.f = f.sigma(p.W_f * prev.h + p.U_f * x + p.b_f)
    s.g = f.sigma(p.W_g * prev.h + p.U_g * x + p.b_g)
    s.o = f.sigma(p.W_g * prev.h + p.U_g * x + p.b_g)
    s.ctilde = p.W * prev.h + p.U * x + p.b
    s.c = hadamard(s.f, prev.c) + hadamard(s.g, s.ctilde)
    s.h = hadamard(f.tanh(s.c), s.o)


@claim("avram2025.lstm-equations", where="'A Solution: LSTM'", model=avram2025_lstm,
       sizes=sweep(n=(1, 2), t=(1, 2, 3)),  # SymPy builds the unsquashed c̃ trajectory slowly past t = 3
       conventions={"σ": "abstract 'generic sigmoidal function', as the paper says"},
       statement="what the printed system implies: the output gate o^(t) equals the input gate g^(t) at every step",
       note="this identity holding is the defect: the printed o^(t) repeats g^(t)'s weights W_g, U_g, b_g, so the "
            "'output gate' is the input gate; an LSTM's output gate has its own W_o, U_o, b_o")
def lstm_equations(m):
    return m.states("o"), m.states("g")
