"""Pascanu, Mikolov & Bengio (2013), On the difficulty of training recurrent neural networks
(ICML 2013, arXiv:1211.5063): the Jacobian product of eq. (5).

Transcribed from the published paper (it is not among shared/papers). The model
of eq. (2): x_t = W_rec σ(x_{t-1}) + W_in u_t + b. Eq. (5):

    ∂x_t/∂x_k = Π_{t ≥ i > k} ∂x_i/∂x_{i-1} = Π_{t ≥ i > k} W_recᵀ diag(σ'(x_{i-1}))

Two things are left open: the layout of ∂x_i/∂x_{i-1} (the Jacobian, row a =
∂x_i[a], or its transpose, the "denominator" layout of gradients, which the Wᵀ
suggests) and the order of Π (i = t factor leftmost, "descending", or i = k+1
leftmost, "ascending"). Each of the four is a reading; the truth is the
Jacobian m.d(("h", t), ("h", k)) of the unrolled model (the paper's state x_t
is the cell's state h, its input u_t the model's x_t), transposed for the
gradient layout.
"""
from symderiv import cell, diag, parts, product, readings, sweep

SIZES = sweep(n=(1, 2), t=(2, 3))


@cell("Pascanu et al. eq. (2): x_t = W_rec σ(x_{t-1}) + W_in u_t + b (the state x_t is the model's h)",
      params={"W_rec": ("n", "n"), "W_in": ("n", "m"), "b": "n"})
def pascanu_rnn(s, prev, u, p, f):
    s.h = p.W_rec * f.sigma(prev.h) + p.W_in * u + p.b


def factor_as_written(m):
    return lambda i: m.W_rec.T * diag(m.dsigma(m.at("h", i - 1)))


def jacobian(m, k):
    return m.d(("h", m.t), ("h", k))


K = 1  # ∂x_t/∂x_1: t − 1 factors (t = 2, 3)

eq5 = readings(
    "pascanu2013.eq5", where="§2.1, eq. (5)", model=pascanu_rnn, sizes=SIZES,
    statement="∂x_t/∂x_k = Π_{t≥i>k} W_recᵀ diag(σ'(x_{i-1}))",
    intent="jacobian-desc",
    why="eq. (4) writes ∂E_t/∂θ = Σ_k ∂E_t/∂x_t · ∂x_t/∂x_k · ∂⁺x_k/∂θ, composing left to right as Jacobians "
        "do (numerator layout), where the chain rule's product has the newest factor leftmost; the Wᵀ then "
        "is the slip (the Jacobian's factor is W_rec diag(σ'(x_{i-1})))")


@eq5.reading("jacobian-desc", expect="fails",
    why="the Jacobian of x_i = W_rec σ(x_{i−1}) + W_in u_i + b is ∂x_i/∂x_{i−1} = W_rec diag(σ'(x_{i−1})); "
        "the order is right but W_recᵀ is not W_rec unless W_rec is symmetric",
             conventions={"layout": "row-major", "∂x_t/∂x_k": "the Jacobian (row a: ∂x_t[a])",
                          "product": "descending: i = t factor leftmost"})
def jacobian_desc(m):
    return jacobian(m, K), product(factor_as_written(m), K + 1, m.t, order="descending", size=m.n)


@eq5.reading("jacobian-asc", expect="fails",
    why="each Jacobian factor is W_rec diag(σ'(x_{i−1})), not W_recᵀ diag(σ'(x_{i−1})), and the ascending "
        "order also reverses the chain rule's product",
             conventions={"layout": "row-major", "∂x_t/∂x_k": "the Jacobian (row a: ∂x_t[a])",
                          "product": "ascending: i = k+1 factor leftmost"})
def jacobian_asc(m):
    return jacobian(m, K), product(factor_as_written(m), K + 1, m.t, order="ascending", size=m.n)


@eq5.reading("gradient-desc", expect="fails",
    why="the transpose of Π (descending) W_rec diag(σ') is Π (ascending) diag(σ'(x_{i−1})) W_recᵀ: both the "
        "order and the side of the diag are wrong",
             conventions={"∂x_t/∂x_k": "denominator layout: the Jacobian's transpose (row a: ∂/∂x_k[a])",
                          "product": "descending: i = t factor leftmost"})
def gradient_desc(m):
    return jacobian(m, K).T, product(factor_as_written(m), K + 1, m.t, order="descending", size=m.n)


@eq5.reading("gradient-asc", expect="fails",
    why="in the denominator layout each factor is (W_rec diag(σ'(x_{i−1})))ᵀ = diag(σ'(x_{i−1})) W_recᵀ: the "
        "diag belongs on the left of W_recᵀ",
             conventions={"∂x_t/∂x_k": "denominator layout: the Jacobian's transpose (row a: ∂/∂x_k[a])",
                          "product": "ascending: i = k+1 factor leftmost"})
def gradient_asc(m):
    return jacobian(m, K).T, product(factor_as_written(m), K + 1, m.t, order="ascending", size=m.n)


corrected = parts(
    "pascanu2013.eq5.corrected", where="§2.1, eq. (5), corrected", model=pascanu_rnn, sizes=SIZES,
    statement="∂x_t/∂x_k = Π_{i=t}^{k+1} W_rec diag(σ'(x_{i-1})) (Jacobian), and its transpose "
              "Π_{i=k+1}^{t} diag(σ'(x_{i-1})) W_recᵀ (denominator layout)")


@corrected.part("jacobian", conventions={"layout": "row-major", "product": "descending: i = t factor leftmost"})
def corrected_jacobian(m):
    return jacobian(m, K), product(lambda i: m.W_rec * diag(m.dsigma(m.at("h", i - 1))), K + 1, m.t,
                                   order="descending", size=m.n)


@corrected.part("gradient", conventions={"∂x_t/∂x_k": "denominator layout (the Jacobian's transpose)",
                                            "product": "ascending: i = k+1 factor leftmost"})
def corrected_gradient(m):
    return jacobian(m, K).T, product(lambda i: diag(m.dsigma(m.at("h", i - 1))) * m.W_rec.T, K + 1, m.t,
                                     order="ascending", size=m.n)
