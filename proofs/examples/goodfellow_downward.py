"""Goodfellow, Bengio & Courville, Deep Learning (2016), §10.2.2: the backward recursion, for every T.

The Elman RNN h_t = tanh(W h_{t-1} + U x_t + b), o_t = V h_t + c with L = Σ_{s=1}^{T} L_s, each L_s an
abstract differentiable per-step loss E(o_s, y_s). Gradients are columns (∇_x L = (dL/dx)ᵀ, the book's
convention); the row form dL/dh_k (numerator layout, as m.d gives it) is transcribed too. The truth
∇_{h_k}L is L differentiated through every path (m.d(m.sum_of("E"), ("h", k))), never the recursion under
test. Each claim is about every step k of a horizon T (``every_step``): at the sizes every k is checked;
for every T the engine proves it by downward induction from k = T (symderiv/induction.py).

Eq. (10.21): ∇_{h_k}L = Wᵀ diag(1 − h_{k+1}²) ∇_{h_{k+1}}L + Vᵀ ∇_{o_k}L, for k < T.
Its unrolled closed form: ∇_{h_k}L = Σ_{s=k}^{T} (Π_{r=k+1}^{s} diag(1 − h_r²) W)ᵀ Vᵀ ∇_{o_s}L, the product
descending (the factor r = s leftmost), for k ≤ T.
"""
from symderiv import claim, diag, elman_rnn, every_step, product, sweep, total

SIZES = sweep(n=(1, 2), t=(2, 3))
GRAD = {"∇": "gradients are columns, ∇_x L = (dL/dx)ᵀ",
        "loss": "abstract per-step L_s = E(o_s, y_s), L = Σ_s L_s"}
ROW = {"∇": "rows: dL/dh_k = (∇_{h_k}L)ᵀ (numerator layout)", "loss": GRAD["loss"]}


def grad_h(m, k):
    """∇_{h_k}L: the truth, from L = Σ_s L_s differentiated through every path."""
    return m.d(m.sum_of("E"), ("h", k)).T


def grad_o(m, k):
    """∇_{o_k}L = ∇_{o_k}L_k (L depends on o_k through L_k only), by differentiation."""
    return m.d(("E", k), ("o", k)).T


def dtanh(m, k):
    return diag(m.h(k).applyfunc(lambda v: 1 - v ** 2))


def closed_form(m, k, lo_s, first_r):
    def term(s):
        chain = product(lambda r: dtanh(m, r) * m.W, k + first_r, s, order="descending", size=m.n)
        return chain.T * m.V.T * grad_o(m, s)
    return total(term, (m.n, 1), lo=k + lo_s, hi=m.t)


@claim("goodfellow.down.eq10-21", where="Deep Learning §10.2.2, eq. (10.21), every k < T", model=elman_rnn,
       activation="tanh", loss="abstract", sizes=SIZES, conventions=GRAD,
       statement="∇_{h_k}L = Wᵀ diag(1 − h_{k+1}²) ∇_{h_{k+1}}L + Vᵀ ∇_{o_k}L for k = 1…T−1")
def eq10_21(m):
    return every_step(m, lambda k: (grad_h(m, k),
                                    m.W.T * dtanh(m, k + 1) * grad_h(m, k + 1) + m.V.T * grad_o(m, k)),
                      lo=1, hi=m.t - 1)


@claim("goodfellow.down.eq10-21-W", where="Deep Learning §10.2.2, eq. (10.21), W in place of Wᵀ", expect="fails",
    why="∂h_{k+1}/∂h_k = diag(1 − h_{k+1}²) W, and a gradient goes back through its transpose Wᵀ diag(1 − "
        "h_{k+1}²); W in place of Wᵀ differs unless W is symmetric",
       model=elman_rnn, activation="tanh", loss="abstract", sizes=SIZES, conventions=GRAD,
       statement="∇_{h_k}L = W diag(1 − h_{k+1}²) ∇_{h_{k+1}}L + Vᵀ ∇_{o_k}L for k = 1…T−1 "
                 "(the transpose dropped)")
def eq10_21_w(m):
    return every_step(m, lambda k: (grad_h(m, k),
                                    m.W * dtanh(m, k + 1) * grad_h(m, k + 1) + m.V.T * grad_o(m, k)),
                      lo=1, hi=m.t - 1)


@claim("goodfellow.down.eq10-21-rows", where="Deep Learning §10.2.2, eq. (10.21) transposed (numerator layout)",
       model=elman_rnn, activation="tanh", loss="abstract", sizes=SIZES, conventions=ROW,
       statement="dL/dh_k = dL/dh_{k+1} diag(1 − h_{k+1}²) W + dL_k/do_k V for k = 1…T−1")
def eq10_21_rows(m):
    L = m.sum_of("E")
    return every_step(m, lambda k: (m.d(L, ("h", k)),
                                    m.d(L, ("h", k + 1)) * dtanh(m, k + 1) * m.W + m.d(("E", k), ("o", k)) * m.V),
                      lo=1, hi=m.t - 1)


@claim("goodfellow.down.unrolled", where="Deep Learning §10.2.2, eq. (10.21) unrolled to k = T",
       model=elman_rnn, activation="tanh", loss="abstract", sizes=SIZES, conventions=GRAD,
       statement="∇_{h_k}L = Σ_{s=k}^{T} (Π_{r=k+1}^{s} diag(1 − h_r²) W)ᵀ Vᵀ ∇_{o_s}L for k = 1…T")
def unrolled(m):
    return every_step(m, lambda k: (grad_h(m, k), closed_form(m, k, 0, 1)))


@claim("goodfellow.down.unrolled-from-k+1", where="the unrolled form with its sum started one step late",
    why="the sum must start at s = k: the loss at step k reaches h_k directly through o_k (the term Vᵀ "
        "∇_{o_k}L), and starting at s = k + 1 drops it",
       expect="fails", model=elman_rnn, activation="tanh", loss="abstract", sizes=SIZES, conventions=GRAD,
       statement="∇_{h_k}L = Σ_{s=k+1}^{T} (Π_{r=k+1}^{s} diag(1 − h_r²) W)ᵀ Vᵀ ∇_{o_s}L "
                 "(the s = k term dropped)")
def unrolled_late(m):
    return every_step(m, lambda k: (grad_h(m, k), closed_form(m, k, 1, 1)))


@claim("goodfellow.down.unrolled-r-from-k", where="the unrolled form with its product started one step early",
    why="∂h_s/∂h_k has the factors r = k+1…s only; starting the product at r = k adds one Jacobian factor "
        "diag(1 − h_k²) W too many",
       expect="fails", model=elman_rnn, activation="tanh", loss="abstract", sizes=SIZES, conventions=GRAD,
       statement="∇_{h_k}L = Σ_{s=k}^{T} (Π_{r=k}^{s} diag(1 − h_r²) W)ᵀ Vᵀ ∇_{o_s}L (off by one in r)")
def unrolled_early(m):
    return every_step(m, lambda k: (grad_h(m, k), closed_form(m, k, 0, 0)))
