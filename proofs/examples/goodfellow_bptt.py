"""Goodfellow, Bengio & Courville, Deep Learning (2016), §10.2.2: the BPTT gradient recursion.

The RNN of eqs. (10.8)–(10.11): a_t = b + W h_{t-1} + U x_t, h_t = tanh(a_t),
o_t = c + V h_t, ŷ_t = softmax(o_t), with the loss L = Σ_t L_t of eq. (10.13)
where L_t is the cross-entropy of ŷ_t against the target y_t. Gradients are
columns (∇_x L = (dL/dx)ᵀ, the book's convention). The truth ∇_{h_t}L comes
from differentiating L = Σ_k L_k itself (``m.d(m.sum_of("E"), ("h", t))``),
never from the recursion under test.

Eq. (10.19): ∇_{h_τ}L = Vᵀ ∇_{o_τ}L at the last step τ.
Eq. (10.21): ∇_{h_t}L = Wᵀ diag(1 − h_{t+1}²) ∇_{h_{t+1}}L + Vᵀ ∇_{o_t}L (t < τ).
"""
from symderiv import cell, claim, diag, elman_rnn, sweep

SIZES = sweep(n=(1, 2), t=(2, 3))


def cross_entropy(o, y, f):
    """L_t = −Σ_i y_i log softmax(o_t)_i: a per-step loss of the cell's own (eq. 10.13).

    Written as −Σ_i y_i (o_i − log Σ_j exp(o_j)), the same function (log softmax(o)_i =
    o_i − log Σ_j exp o_j), whose derivatives are polynomials in exp(o_j) and 1/Σ_j exp(o_j):
    the normal form decides those, while the quotient e_i / Σ e of the softmax itself leaves
    rational functions it does not cancel (issue 14, item 9).
    """
    lse = f.log(sum(f.exp(o)))
    return -sum(b * (a - lse) for a, b in zip(o, y))


@cell("Goodfellow RNN (10.8)–(10.11): h_t = tanh(b + W h_{t-1} + U x_t), o_t = c + V h_t, "
      "L_t = cross-entropy(softmax(o_t), y_t)",
      params={"W": ("n", "n"), "U": ("n", "m"), "b": "n", "V": ("n", "n"), "c": "n"},
      output=lambda q, p, f: p.V * q.h + p.c, loss=cross_entropy)
def goodfellow_rnn(s, prev, x, p, f):
    s.a = p.b + p.W * prev.h + p.U * x
    s.h = f.tanh(s.a)


def grad_h(m, k):
    """∇_{h_k}L: the truth, from L = Σ_t L_t differentiated through every path."""
    return m.d(m.sum_of("E"), ("h", k)).T


def grad_o(m, k):
    """∇_{o_k}L = ∇_{o_k}L_k (L depends on o_k through L_k only): the truth, by differentiation."""
    return m.d(("E", k), ("o", k)).T


def recursion(m, k, W):
    one_minus_h2 = diag(m.h(k + 1).applyfunc(lambda v: 1 - v ** 2))
    return W * one_minus_h2 * grad_h(m, k + 1) + m.V.T * grad_o(m, k)


@claim("goodfellow.eq10-19", where="Deep Learning §10.2.2, eq. (10.19)", model=goodfellow_rnn,
       activation="tanh", sizes=sweep(n=(1, 2), t=(1, 2)),
       conventions={"∇": "gradients are columns, ∇_x L = (dL/dx)ᵀ"},
       statement="∇_{h_τ}L = Vᵀ ∇_{o_τ}L at the last step τ (h_τ has o_τ as its only descendant)")
def eq10_19(m):
    return grad_h(m, m.t), m.V.T * grad_o(m, m.t)


@claim("goodfellow.eq10-21", where="Deep Learning §10.2.2, eq. (10.21)", model=goodfellow_rnn,
       activation="tanh", sizes=SIZES, conventions={"∇": "gradients are columns, ∇_x L = (dL/dx)ᵀ"},
       statement="∇_{h_t}L = Wᵀ diag(1 − h_{t+1}²) ∇_{h_{t+1}}L + Vᵀ ∇_{o_t}L, L = Σ_t cross-entropy(ŷ_t, y_t)")
def eq10_21(m):
    k = m.t - 1
    return grad_h(m, k), recursion(m, k, m.W.T)


@claim("goodfellow.eq10-21-W", where="Deep Learning §10.2.2, eq. (10.21), W in place of Wᵀ", expect="fails",
    why="∂h_{t+1}/∂h_t = diag(1 − h_{t+1}²) W, and a gradient (a column) goes back through its transpose Wᵀ "
        "diag(1 − h_{t+1}²); W in place of Wᵀ differs unless W is symmetric",
       model=goodfellow_rnn, activation="tanh", sizes=SIZES,
       conventions={"∇": "gradients are columns, ∇_x L = (dL/dx)ᵀ"},
       statement="∇_{h_t}L = W diag(1 − h_{t+1}²) ∇_{h_{t+1}}L + Vᵀ ∇_{o_t}L (the transpose dropped)")
def eq10_21_w(m):
    k = m.t - 1
    return grad_h(m, k), recursion(m, k, m.W)


@claim("goodfellow.eq10-21-any-loss", where="Deep Learning §10.2.2, eq. (10.21) for any per-step loss",
       model=elman_rnn, activation="tanh", loss="abstract", sizes=SIZES,
       conventions={"∇": "gradients are columns, ∇_x L = (dL/dx)ᵀ", "loss": "abstract L_t(o_t, y_t)"},
       statement="∇_{h_t}L = Wᵀ diag(1 − h_{t+1}²) ∇_{h_{t+1}}L + Vᵀ ∇_{o_t}L for every differentiable L_t(o_t, y_t)")
def eq10_21_any(m):
    k = m.t - 1
    return grad_h(m, k), recursion(m, k, m.W.T)


@claim("goodfellow.eq10-21-any-loss-W", where="Deep Learning §10.2.2, eq. (10.21), W in place of Wᵀ",
    why="∂h_{t+1}/∂h_t = diag(1 − h_{t+1}²) W, and a gradient (a column) goes back through its transpose Wᵀ "
        "diag(1 − h_{t+1}²), whatever the loss; W in place of Wᵀ differs unless W is symmetric",
       expect="fails", model=elman_rnn, activation="tanh", loss="abstract", sizes=SIZES,
       conventions={"∇": "gradients are columns, ∇_x L = (dL/dx)ᵀ", "loss": "abstract L_t(o_t, y_t)"},
       statement="∇_{h_t}L = W diag(1 − h_{t+1}²) ∇_{h_{t+1}}L + Vᵀ ∇_{o_t}L for every L_t (the transpose dropped)")
def eq10_21_any_w(m):
    k = m.t - 1
    return grad_h(m, k), recursion(m, k, m.W)


# ----- eq. (10.21) for any loss at a realistic size, randomized (issue 14 item 6) --------------------------
# At n = 32, t = 64 ``auto`` checks over F_p, the loss an abstract function (random values and partials, one
# site per argument: any differentiable L_t). The cross-entropy claims are checked there too: exp and log are
# read by their derivative rules and quotients as field inverses (a relaxation, sound for holds; symderiv/fp/__init__.py).
BIG = sweep(n=(32,), t=(64,))
ANY = {"∇": "gradients are columns, ∇_x L = (dL/dx)ᵀ", "loss": "abstract L_t(o_t, y_t)"}

claim("goodfellow.eq10-21-any-loss-n32", where="Deep Learning §10.2.2, eq. (10.21), n = 32, t = 64 (randomized)",
      model=elman_rnn, activation="tanh", loss="abstract", sizes=BIG, conventions=ANY,
      statement="∇_{h_t}L = Wᵀ diag(1 − h_{t+1}²) ∇_{h_{t+1}}L + Vᵀ ∇_{o_t}L for every differentiable L_t(o_t, y_t)"
      )(eq10_21_any)
claim("goodfellow.eq10-21-any-loss-W-n32", where="Deep Learning §10.2.2, eq. (10.21), W in place of Wᵀ, n = 32, t = 64",
      expect="fails", model=elman_rnn, activation="tanh", loss="abstract", sizes=BIG, conventions=ANY,
      why="a gradient goes back through Wᵀ diag(1 − h_{t+1}²), whatever the loss; W in place of Wᵀ differs unless W "
          "is symmetric (F_p disagrees at n = 32; the counterexample is certified by the exact engine at a small size)",
      statement="∇_{h_t}L = W diag(1 − h_{t+1}²) ∇_{h_{t+1}}L + Vᵀ ∇_{o_t}L for every L_t (the transpose dropped)"
      )(eq10_21_any_w)
claim("goodfellow.eq10-21-n32", where="Deep Learning §10.2.2, eq. (10.21), n = 32, t = 64 (randomized)",
      model=goodfellow_rnn, activation="tanh", sizes=BIG, conventions={"∇": "gradients are columns, ∇_x L = (dL/dx)ᵀ"},
      statement="∇_{h_t}L = Wᵀ diag(1 − h_{t+1}²) ∇_{h_{t+1}}L + Vᵀ ∇_{o_t}L, L = Σ_t cross-entropy(ŷ_t, y_t)"
      )(eq10_21)
claim("goodfellow.eq10-21-W-n32", where="Deep Learning §10.2.2, eq. (10.21), W in place of Wᵀ, n = 32, t = 64",
      expect="fails", model=goodfellow_rnn, activation="tanh", sizes=BIG,
      conventions={"∇": "gradients are columns, ∇_x L = (dL/dx)ᵀ"},
      why="a gradient goes back through Wᵀ diag(1 − h_{t+1}²); W in place of Wᵀ differs unless W is symmetric (F_p "
          "disagrees at n = 32; the counterexample is certified by the exact engine at a small size)",
      statement="∇_{h_t}L = W diag(1 − h_{t+1}²) ∇_{h_{t+1}}L + Vᵀ ∇_{o_t}L, cross-entropy loss (the transpose dropped)"
      )(eq10_21_w)
