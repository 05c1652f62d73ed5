"""Goodfellow, Bengio & Courville, Deep Learning (2016), §10.2.2, eq. (10.18): the softmax/cross-entropy gradient.

The RNN of eqs. (10.8)–(10.11): a_t = b + W h_{t-1} + U x_t, h_t = tanh(a_t),
o_t = c + V h_t, ŷ_t = softmax(o_t), L = Σ_t L_t with L_t the cross-entropy of
ŷ_t against the target (eq. 10.13). Eq. (10.18) reads

    (∇_{o_t} L)_i = ∂L/∂o_{t,i} = ŷ_{t,i} − 1_{i = y_t}:   ∇_{o_t}L = ŷ_t − y_t

with y_t the one-hot target of the class y_t. The truth ∇_{o_t}L comes from
differentiating L = Σ_k L_k itself (``m.d(m.sum_of("E"), ("o", t))``: L depends
on o_t through L_t only, and that is not assumed), never from the formula.

Two readings of "the target y_t" in the vector form:

- ``probability`` (the book's): y_t is a probability vector (Σ_i y_{t,i} = 1), a
  one-hot class being one; it is transcribed with its last entry 1 − Σ_{i<n} y_{t,i}
  (the other entries free), in the loss and in ŷ_t − y_t alike. Holds.
- ``any-target``: y_t any real vector in L_t = −Σ_i y_{t,i} log ŷ_{t,i}; then
  ∇_{o_t}L = (Σ_i y_{t,i}) ŷ_t − y_t, so ŷ_t − y_t fails (at y_t = 0 the gradient
  is 0, not ŷ_t). ``.corrected`` checks (1ᵀy_t) ŷ_t − y_t.

Two slips fail in every reading: the sign flipped (y_t − ŷ_t) and the softmax
missing (o_t − y_t).

Sizes: n, t ∈ {1, 2} exactly (normal form; counterexamples certified by the
kernel), and n = 32, t = 64 by the randomized backend over F_p, where exp and
log are read as atoms with their derivative rules (d exp z = exp z dz,
d log s = ds/s: a field inverse) — a relaxation, sound for ``holds``; a
disagreement there is only sent to the exact engine for certification
(symderiv/fp/__init__.py, "Exponentials, logarithms and quotients").
"""
import sympy as sp

from symderiv import cell, claim, readings, softmax, sweep

SMALL = sweep(n=(1, 2), t=(1, 2))
BIG = sweep(n=(32,), t=(64,))
GRAD = {"∇": "gradients are columns, ∇_x L = (dL/dx)ᵀ"}


def probability(y):
    """y with its last entry replaced by 1 − Σ_{i<n} y_i: a probability vector's free coordinates (Σ = 1)."""
    n = y.rows
    e = sp.Matrix(n, 1, lambda i, j: 1 if i == n - 1 else 0)
    return y - e * (sp.ones(1, n) * y - sp.Matrix([[1]]))  # y_n − (Σ_i y_i − 1) = 1 − Σ_{i<n} y_i


def _cross_entropy(o, y, f):
    """L_t = −Σ_i y_i log softmax(o)_i = −Σ_i y_i (o_i − log Σ_j exp o_j) (log softmax(o)_i = o_i − log Σ_j e^{o_j})."""
    lse = f.log(sum(f.exp(o)))
    return -sum(b * (a - lse) for a, b in zip(o, y))


def _rnn(s, prev, x, p, f):
    s.a = p.b + p.W * prev.h + p.U * x
    s.h = f.tanh(s.a)


PARAMS = {"W": ("n", "n"), "U": ("n", "m"), "b": "n", "V": ("n", "n"), "c": "n"}
OUT = lambda q, p, f: p.V * q.h + p.c  # noqa: E731

onehot_rnn = cell("Goodfellow RNN (10.8)–(10.11), L_t = cross-entropy(softmax(o_t), y_t) with y_t a probability "
                  "vector (last entry 1 − Σ of the others)", params=PARAMS, output=OUT,
                  loss=lambda o, y, f: _cross_entropy(o, probability(y), f))(_rnn)
anytarget_rnn = cell("Goodfellow RNN (10.8)–(10.11), L_t = −Σ_i y_{t,i} log softmax(o_t)_i for any target vector y_t",
                     params=PARAMS, output=OUT, loss=_cross_entropy)(_rnn)


def grad_o(m, k):
    """∇_{o_k}L: the truth, from L = Σ_t L_t differentiated through every path."""
    return m.d(m.sum_of("E"), ("o", k)).T


def yhat(m, k):
    return softmax(m.o(k))


eq10_18 = readings(
    "goodfellow.eq10-18", where="Deep Learning §10.2.2, eq. (10.18)", activation="tanh", sizes=SMALL,
    conventions=GRAD, statement="∇_{o_t}L = ŷ_t − y_t, ŷ_t = softmax(o_t), L = Σ_t cross-entropy(ŷ_t, y_t)",
    intent="probability",
    why="the book's y_t is a class: the target vector is one-hot (eq. 10.18 writes 1_{i = y_t}), a probability "
        "vector; the any-target reading is checked beside it")


@eq10_18.reading("probability", model=onehot_rnn,
                 conventions={"y_t": "a probability vector: last entry 1 − Σ_{i<n} y_{t,i}"})
def eq10_18_probability(m):
    return grad_o(m, m.t), yhat(m, m.t) - probability(m.y(m.t))


@eq10_18.reading("any-target", model=anytarget_rnn, expect="fails",
                 why="for L_t = −Σ_i y_i log ŷ_i, ∂L_t/∂o_j = (Σ_i y_i) ŷ_j − y_j: ŷ_t − y_t only when Σ_i y_i = 1 "
                     "(at y_t = 0 the gradient is 0, not ŷ_t)",
                 conventions={"y_t": "any real vector"})
def eq10_18_any(m):
    return grad_o(m, m.t), yhat(m, m.t) - m.y(m.t)


def _corrected(m):
    y = m.y(m.t)
    return grad_o(m, m.t), yhat(m, m.t) * (sp.ones(1, m.n) * y)[0, 0] - y


def _sign(m):
    return grad_o(m, m.t), probability(m.y(m.t)) - yhat(m, m.t)


def _no_softmax(m):
    return grad_o(m, m.t), m.o(m.t) - probability(m.y(m.t))


def _first_step(m):
    """∇_{o_1}L at the first step of the horizon: the loss of later steps does not reach o_1."""
    return grad_o(m, 1), yhat(m, 1) - probability(m.y(1))


CORRECTED = dict(where="Deep Learning §10.2.2, eq. (10.18) for any target vector", model=anytarget_rnn,
                 activation="tanh", conventions=GRAD | {"y_t": "any real vector"},
                 statement="∇_{o_t}L = (1ᵀy_t) ŷ_t − y_t for L_t = −Σ_i y_{t,i} log softmax(o_t)_i")
SIGN = dict(where="Deep Learning §10.2.2, eq. (10.18), the sign flipped", model=onehot_rnn, activation="tanh",
            expect="fails", conventions=GRAD | {"y_t": "a probability vector"},
            why="∂(−log ŷ_c)/∂o_j = ŷ_j − 1_{j = c}: the gradient points from the target to the prediction; "
                "y_t − ŷ_t is its negative, equal only where the gradient is 0",
            statement="∇_{o_t}L = y_t − ŷ_t (the sign flipped)")

claim("goodfellow.eq10-18.corrected", sizes=SMALL, **CORRECTED)(_corrected)
claim("goodfellow.eq10-18-sign", sizes=SMALL, **SIGN)(_sign)
claim("goodfellow.eq10-18-no-softmax", where="Deep Learning §10.2.2, eq. (10.18), the softmax left out",
      model=onehot_rnn, activation="tanh", expect="fails", sizes=SMALL, conventions=GRAD | {"y_t": "a probability vector"},
      why="L_t is the cross-entropy of softmax(o_t), whose gradient in o_t is softmax(o_t) − y_t; o_t − y_t is the "
          "gradient of the squared error ½‖o_t − y_t‖², another loss",
      statement="∇_{o_t}L = o_t − y_t (the softmax left out)")(_no_softmax)
claim("goodfellow.eq10-18-first-step", where="Deep Learning §10.2.2, eq. (10.18) at t = 1 < τ", model=onehot_rnn,
      activation="tanh", sizes=SMALL, conventions=GRAD | {"y_t": "a probability vector"},
      statement="∇_{o_1}L = ŷ_1 − y_1 with L = Σ_{t=1}^{τ} L_t (o_1 reaches L through L_1 only)")(_first_step)

# ----- eq. (10.18) at a realistic size, randomized (issue 14, item 6: exp and log over F_p) -------------------
claim("goodfellow.eq10-18-n32", where="Deep Learning §10.2.2, eq. (10.18), n = 32, t = 64 (randomized)",
      model=onehot_rnn, activation="tanh", sizes=BIG, conventions=GRAD | {"y_t": "a probability vector"},
      statement="∇_{o_t}L = ŷ_t − y_t, ŷ_t = softmax(o_t), y_t a probability vector")(eq10_18_probability)
claim("goodfellow.eq10-18-first-step-n32", where="Deep Learning §10.2.2, eq. (10.18) at t = 1, n = 32, τ = 64",
      model=onehot_rnn, activation="tanh", sizes=BIG, conventions=GRAD | {"y_t": "a probability vector"},
      statement="∇_{o_1}L = ŷ_1 − y_1 with L = Σ_{t=1}^{τ} L_t")(_first_step)
claim("goodfellow.eq10-18.corrected-n32", sizes=BIG, **CORRECTED)(_corrected)
claim("goodfellow.eq10-18-sign-n32", sizes=BIG, **SIGN)(_sign)
