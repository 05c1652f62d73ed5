"""cs6180: CS 6180 Lecture 6 (2025), RNN Gradient Problems – Advanced Perspectives.
(shared/papers/002_54711ee4201386f2.txt)

Transcribed so far: the identity and worked-example claims. eigen-table,
orthogonal-properties, rotation and qr-orthogonal need the inequality, limit
and orthogonal-family machinery and are not transcribed yet.
"""
import sympy as sp

from symderiv import cell, claim, diag, elman_rnn, eye, lstm_cell, no_sizes, parts, product, readings, sweep, total

LSTM_SIZES = sweep(n=(1, 2), t=(1, 2, 3))

cell_grad = readings(
    "cs6180.lstm-cell-gradient", where="§5", model=lstm_cell, activation="logistic", sizes=LSTM_SIZES,
    conventions={"σ": "logistic gates, tanh candidate and output", "f_t": "read as diag(f_t), a Jacobian"},
    statement="∂C_t/∂C_{t−1} = f_t", intent="direct-partial",
    why="the lecture contrasts it with 'chained multiplication': the derivative along the cell-state path, "
        "h_{t-1} held fixed")


@cell_grad.reading("direct-partial", statement="∂C_t/∂C_{t−1} = diag(f_t), h_{t−1} held fixed")
def cell_grad_partial(m):
    return m.partial(("c", m.t), ("c", m.t - 1)), diag(m.at("f", m.t))


@cell_grad.reading("total", expect="fails",
                   statement="dC_t/dC_{t−1} = diag(f_t), the total derivative (h_{t−1} = o ⊙ tanh(C_{t−1}) varies too)")
def cell_grad_total(m):
    return m.d(("c", m.t), ("c", m.t - 1)), diag(m.at("f", m.t))


def bptt_sum(m, first):
    """Σ_{j=first}^{t} ∂L^(t)/∂h^(j) · ∂h^(j)/∂W_h (explicit partial of step j)."""
    t = m.t
    terms = (m.d(("E", t), ("h", j)) * m.partial(("h", j), "W") for j in range(first, t + 1))
    return total(terms, (1, m.n ** 2))


tbptt = parts("cs6180.tbptt", where="§4", model=elman_rnn, loss="squared", activation="abstract",
              conventions={"layout": "row-major", "∂h^(j)/∂W_h": "explicit partial of step j (standard BPTT)"},
              statement="Σ_{j=max(1,t−k)}^{t} ∂L^(t)/∂h^(j) ∂h^(j)/∂W_h equals the full gradient when the window covers "
                        "every step, and differs from it otherwise")


@tbptt.part("full-window", statement="window k ≥ t − 1: the truncated sum is the full gradient ∂L^(t)/∂W_h")
def tbptt_full(m):
    return m.d(("E", m.t), "W"), bptt_sum(m, first=1)


@tbptt.part("short-window", relation="≠", sizes=sweep(t=(3, 4), fixed=("t",)),
            statement="window k = t − 2 (start at j = 2): the truncated sum differs from the full gradient")
def tbptt_short(m):
    return m.d(("E", m.t), "W"), bptt_sum(m, first=2)


powers = parts("cs6180.jacobian-powers", where="§1, 'Connection to RNN gradient flow'", model=elman_rnn,
               statement="∂h^(t)/∂h^(1) ∝ Π_{i=2}^{t} diag(σ'(ã^(i))) W_h, so powers (W_h)^{t−1} appear",
               conventions={"product": "descending: i = t factor leftmost", "ã^(i)": "pre-activation z_i"})


@powers.part("product", statement="∂h^(t)/∂h^(1) = Π_{i=2}^{t} diag(σ'(ã^(i))) W_h")
def powers_product(m):
    f = lambda i: diag(m.dsigma(m.at("z", i))) * m.W
    return m.d(("h", m.t), ("h", 1)), product(f, 2, m.t, order="descending", size=m.n)


@powers.part("powers", expect="fails",
             statement="Π_{i=2}^{t} diag(σ'(ã^(i))) W_h = (Π_i diag(σ'(ã^(i)))) (W_h)^{t−1}: the powers factor out")
def powers_factor(m):
    f = lambda i: diag(m.dsigma(m.at("z", i))) * m.W
    ds = product(lambda i: diag(m.dsigma(m.at("z", i))), 2, m.t, order="descending", size=m.n)
    return product(f, 2, m.t, order="descending", size=m.n), ds * m.W ** (m.t - 1)


@claim("cs6180.jacobian-powers.corrected", where="§1, 'Connection to RNN gradient flow'", model=elman_rnn,
       activation="identity", statement="for a linear RNN (σ = Id), ∂h^(t)/∂h^(1) = (W_h)^{t−1} exactly; "
       "otherwise the diag(σ') factors sit between the powers")
def powers_corrected(m):
    return m.d(("h", m.t), ("h", 1)), m.W ** (m.t - 1)


lam = sp.Symbol("λ")

eigen = parts("cs6180.eigen-example", where="§1 example", sizes=no_sizes(),
              statement="A = [[1,1],[1,1]]: det(A − λI) = (1−λ)² − 1 = λ² − 2λ, so λ = 0 or λ = 2")


@eigen.part("characteristic", statement="det(A − λI) = (1 − λ)² − 1 = λ² − 2λ")
def eigen_char():
    A = sp.Matrix([[1, 1], [1, 1]])
    return (A - lam * eye(2)).det(), lam ** 2 - 2 * lam


@eigen.part("roots", statement="the eigenvalues are 0 and 2: det(A − λI) = (λ − 0)(λ − 2)")
def eigen_roots():
    A = sp.Matrix([[1, 1], [1, 1]])
    return (A - lam * eye(2)).det(), (lam - 0) * (lam - 2)


reflection = parts("cs6180.reflection-example", where="§2 example", sizes=no_sizes(),
                   statement="Q = [[1/√2, −1/√2], [−1/√2, −1/√2]]: the determinant expansion shown, and λ = ±1")
Q = sp.Matrix([[1, -1], [-1, -1]]) / sp.sqrt(2)


@reflection.part("expansion", statement="(1/√2 − λ)(−1/√2 − λ) − 1/2 = −1/2 − λ/√2 + λ/√2 + λ² − 1/2")
def reflection_expansion():
    r = 1 / sp.sqrt(2)
    return (r - lam) * (-r - lam) - sp.Rational(1, 2), -sp.Rational(1, 2) - lam * r + lam * r + lam ** 2 - sp.Rational(1, 2)


@reflection.part("eigenvalues", statement="det(Q − λI) = λ² − 1 = (λ − 1)(λ + 1)")
def reflection_eigen():
    return (Q - lam * eye(2)).det(), (lam - 1) * (lam + 1)


def clip(g, threshold):
    norm = sp.sqrt(sum(x ** 2 for x in g))
    return g / norm * threshold if norm > threshold else g


clipping = parts("cs6180.clipping-example", where="§3", sizes=no_sizes(),
                 statement="clipping (8, 6) at threshold 10 leaves it unchanged; clipping (80, 60) gives (8, 6)")


@clipping.part("unchanged", statement="‖(8, 6)‖ = 10 is not above the threshold 10: unchanged")
def clip_unchanged():
    g = sp.Matrix([8, 6])
    return clip(g, 10), g


@clipping.part("clipped", statement="(80, 60)/100 × 10 = (8, 6)")
def clip_clipped():
    return clip(sp.Matrix([80, 60]), 10), sp.Matrix([8, 6])
