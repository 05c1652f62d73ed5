"""cs6180: CS 6180 Lecture 6 (2025), RNN Gradient Problems – Advanced Perspectives.
(shared/papers/002_54711ee4201386f2.txt)

Identities and worked examples are decided exactly; the eigenvalue table is
transcribed as limits of ‖W^q‖ (one part per row), searched over structured
matrix families; the orthogonal-matrix claims as identities modulo c² + s² = 1,
which cover every 2×2 orthogonal matrix.
"""
import sympy as sp

from symderiv import (claim, diag, elman_rnn, eye, lstm_cell, no_sizes, parts, power, product, readings, sweep,
                      total)

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
    why="h_{t−1} = o_{t−1} ⊙ tanh(C_{t−1}) depends on C_{t−1} too, and every gate of step t depends on "
        "h_{t−1}: the total derivative adds those paths, so only the direct partial (h_{t−1} held fixed) is "
        "diag(f_t)",
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
    why="the factors diag(σ'(ã^(i))) and W_h do not commute, so they cannot be collected as (Π diag "
        "σ')(W_h)^{t−1}; only for σ = Id do the powers factor out (jacobian-powers.corrected)",
             statement="Π_{i=2}^{t} diag(σ'(ã^(i))) W_h = (Π_i diag(σ'(ã^(i)))) (W_h)^{t−1}: the powers factor out")
def powers_factor(m):
    f = lambda i: diag(m.dsigma(m.at("z", i))) * m.W
    ds = product(lambda i: diag(m.dsigma(m.at("z", i))), 2, m.t, order="descending", size=m.n)
    return product(f, 2, m.t, order="descending", size=m.n), ds * m.W ** (m.t - 1)


@claim("cs6180.jacobian-powers.corrected", where="§1, 'Connection to RNN gradient flow'", model=elman_rnn,
       activation="identity", statement="for a linear RNN (σ = Id), ∂h^(t)/∂h^(1) = (W_h)^{t−1} exactly; "
       "otherwise the diag(σ') factors sit between the powers")
def powers_corrected(m):
    return m.d(("h", m.t), ("h", 1)), power(m.W, m.t - 1, size=m.n)  # (W_h)^{t−1} = Π_{i=2}^{t} W_h


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


# ----- eigenvalues, orthogonal matrices --------------------------------------------

from symderiv import assume, eq, fro, lam_min, limit, matrices, powers, rel, rho, sampled, steps  # noqa: E402
from symderiv.families import cayley_orthogonal, reflect  # noqa: E402
from symderiv.prove.domains import invertible_matrix, orthogonal_matrix  # noqa: E402

POWERS = {"quantity": "‖W_h^q‖ (repeated multiplication by W_h), q → ∞", "|λ|": "every eigenvalue's modulus "
          "compared with 1, i.e. ρ(W_h)"}
table = parts("cs6180.eigen-table", kind="limit", where="§1 table", given=dict(W=matrices()), conventions=POWERS,
              sizes=sweep(n=(1, 2, 3), t=1, fixed=("t",)),
              statement="|λ| > 1 → exploding, |λ| = 1 → stable, |λ| < 1 → vanishing, λ < −1 → oscillating growth")


# the table's true rows hold at n = 1–2 by the kernel's lemma chains (kernel/lemmas.py): ρ > 1 ⇒ ‖W^q‖ → ∞
# (ρ(W)^q ≤ ‖W^q‖), ρ < 1 ⇒ W^q → 0 (Horn & Johnson 5.6.12); n = 3 is searched only
@table.part("exploding", expect="holds", statement="ρ(W_h) > 1 ⇒ ‖W_h^q‖ → ∞")
def table_exploding(W):
    assume(rho(W) > 1, "|λ| > 1")
    return limit(powers(W, eye(W.rows), label="W_h^q"), "inf")


@table.part("stable", expect="fails",
    why="ρ(W_h) = 1 with an eigenvalue of modulus 1 in a Jordan block (e.g. [[1, 1], [0, 1]]) makes ‖W_h^q‖ "
        "grow linearly: |λ| = 1 is stable only when those eigenvalues are semisimple",
    statement="ρ(W_h) = 1 ⇒ ‖W_h^q‖ neither grows nor decays")
def table_stable(W):
    assume(eq(rho(W), 1), "|λ| = 1")
    return limit(powers(W, eye(W.rows), label="W_h^q"), "bounded")


@table.part("vanishing", expect="holds", statement="ρ(W_h) < 1 ⇒ ‖W_h^q‖ → 0")
def table_vanishing(W):
    assume(rho(W) < 1, "|λ| < 1")
    return limit(powers(W, eye(W.rows), label="W_h^q"), "0")


@table.part("oscillating", expect="holds", given=dict(W=matrices(families=("triangular", "diagonal"))),
            statement="an eigenvalue λ < −1 ⇒ ‖W_h^q‖ → ∞ (with the sign of that mode alternating)")
def table_oscillating(W):
    assume(rel(sp.Min(*[W[i, i] for i in range(W.rows)]), "<", -1), "λ < −1 (W_h triangular: λ on its diagonal)")
    return limit(powers(W, eye(W.rows), label="W_h^q"), "inf")


@claim("cs6180.eigen-table.corrected", kind="limit", where="§1 table", given=dict(W=matrices()), conventions=POWERS,
       sizes=sweep(n=(1, 2, 3), t=1, fixed=("t",)), expect="holds",
       statement="|λ| = 1 is stable only for semisimple eigenvalues: ρ(W_h) = 1 with W_h orthogonal "
                 "(normal) ⇒ ‖W_h^q‖ stays bounded")
def table_corrected(W):
    assume(eq(rho(W), 1), "|λ| = 1")
    assume(eq(fro(W.T * W - eye(W.rows)), 0), "W_h orthogonal")
    return limit(powers(W, eye(W.rows), label="W_h^q"), "bounded")


c, s = sp.symbols("c s", real=True)
UNIT = (c ** 2 + s ** 2 - 1,)
O2 = {"Q": "every 2×2 orthogonal matrix: [[c, −s], [s, c]] (rotation) or [[c, s], [s, −c]] (reflection), "
           "c² + s² = 1 (exactly the orthogonal 2×2 matrices)"}
FAMILY = (sp.Matrix([[c, -s], [s, c]]), sp.Matrix([[c, s], [s, -c]]))
ortho = parts("cs6180.orthogonal-properties", where="§2", conventions=O2, modulo=UNIT, sizes=no_sizes(),
              statement="for orthogonal Q: QᵀQ = I, det Q = ±1, every eigenvalue has modulus 1")


@ortho.part("transpose-inverse", statement="QᵀQ = I")
def ortho_tt():
    return sp.Matrix.hstack(*(Q.T * Q for Q in FAMILY)), sp.Matrix.hstack(eye(2), eye(2))


@ortho.part("determinant", statement="det Q = ±1: det Q = 1 for rotations, −1 for reflections")
def ortho_det():
    return sp.Matrix([[FAMILY[0].det(), FAMILY[1].det()]]), sp.Matrix([[1, -1]])


@ortho.part("eigenvalue-modulus", kind="inequality", expect="holds", modulo=(),
            given=dict(Q=sampled(lambda size, rng: _orthogonal(size["n"], rng), domain=orthogonal_matrix)),
            sizes=sweep(n=(1, 2, 3), t=1, fixed=("t",)), prove=(1, 2),
            statement="every eigenvalue of an orthogonal Q has modulus 1 (exact rational Q by the Cayley transform)")
def ortho_eigen(Q):
    return steps(1, "=", rho(Q), "=", lam_min(Q), labels=("ρ(Q) = 1", "λ*(Q) = ρ(Q)"))


def _orthogonal(n, rng):
    Q = cayley_orthogonal(rng, n, lambda r: r.randint(-2, 2))
    return Q if rng.random() < 0.5 else reflect(Q)


th = sp.Symbol("θ", real=True)


@claim("cs6180.rotation", where="§2 example", modulo=UNIT, sizes=no_sizes(),
       conventions={"R": "[[cos θ, sin θ], [−sin θ, cos θ]] written with c = cos θ, s = sin θ, c² + s² = 1"},
       statement="R = [[cos θ, sin θ], [−sin θ, cos θ]] is orthogonal: RᵀR = RRᵀ = I")
def rotation():
    R = sp.Matrix([[c, s], [-s, c]])
    return sp.Matrix.hstack(R.T * R, R * R.T), sp.Matrix.hstack(eye(2), eye(2))


def gram_schmidt(A):
    """Q of the QR decomposition (what np.linalg.qr returns, up to column signs), in exact arithmetic."""
    Q, _ = A.QRdecomposition()
    return Q


def gaussian_like(size, rng):
    """A square matrix of small random integers; redrawn until invertible (a Gaussian matrix is, almost surely)."""
    n = size["n"]
    while True:
        A = sp.Matrix(n, n, lambda i, j: rng.randint(-3, 3))
        if A.det() != 0:
            return A


@claim("cs6180.qr-orthogonal", kind="inequality", where="§2 code", expect="holds",
       given=dict(A=sampled(gaussian_like, domain=invertible_matrix)), sizes=sweep(n=(1, 2, 3), t=1, fixed=("t",)),
       prove=(1, 2),
       conventions={"QR": "exact Gram–Schmidt (SymPy QRdecomposition); numpy's Householder QR differs only in "
                          "column signs", "A": "random square integer matrices, invertible like a Gaussian one"},
       statement="Q from the QR decomposition of a square Gaussian matrix is orthogonal: ‖QᵀQ − I‖_F = 0")
def qr_orthogonal(A):
    Q = gram_schmidt(A)
    return eq(fro(Q.T * Q - eye(A.rows)), 0)
