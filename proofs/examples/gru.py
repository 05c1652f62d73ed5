"""A GRU's state Jacobian: the direct partial (gates held fixed) and the total one.

The cell (``gru_cell``, shipped): z_t = σ(a_z), r_t = σ(a_r), h̃_t = tanh(a_h)
with a_h = W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h, and h_t = (1 − z_t) ⊙ h_{t-1} +
z_t ⊙ h̃_t (σ abstract: the gates' nonlinearity is any σ). Texts on gated
units often write "∂h_t/∂h_{t-1} = diag(1 − z_t)" for the direct path: that is
the partial with z_t and h̃_t held fixed (``m.partial(..., hold=("z", "htilde"))``),
not the total Jacobian, which adds the paths through both gates and the candidate.
"""
from symderiv import claim, diag, gru_cell, sweep

SIZES = sweep(n=(1, 2), t=(1, 2))


def d(v):
    return diag(v)


def ones_minus(v):
    return v.applyfunc(lambda a: 1 - a)


def total_jacobian(m, t):
    """∂h_t/∂h_{t-1} by the chain rule through z_t, r_t and h̃_t (the closed form under test)."""
    h, z, r, ht = m.h(t - 1), m.at("z", t), m.at("r", t), m.at("htilde", t)
    dz = d(m.dsigma(m.at("a_z", t))) * m.W_z
    dr = d(m.dsigma(m.at("a_r", t))) * m.W_r
    dht = d(ht.applyfunc(lambda a: 1 - a ** 2)) * m.W_h * (d(r) + d(h) * dr)
    return d(ones_minus(z)) + d(ht - h) * dz + d(z) * dht


@claim("gru.direct", where="GRU update h_t = (1 − z_t)⊙h_{t-1} + z_t⊙h̃_t, direct path", model=gru_cell,
       sizes=SIZES, conventions={"∂": "partial with z_t and h̃_t held fixed (hold=('z', 'htilde'))"},
       statement="∂h_t/∂h_{t-1} |_{z_t, h̃_t fixed} = diag(1 − z_t)")
def direct(m):
    t = m.t
    return m.partial(("h", t), ("h", t - 1), hold=("z", "htilde")), d(ones_minus(m.at("z", t)))


@claim("gru.total", where="GRU update, total Jacobian", model=gru_cell, sizes=SIZES,
       conventions={"layout": "row-major", "d": "total derivative through z_t, r_t and h̃_t"},
       statement="dh_t/dh_{t-1} = diag(1 − z_t) + diag(h̃_t − h_{t-1}) diag(σ'(a_z)) W_z "
                 "+ diag(z_t) diag(1 − h̃_t²) W_h (diag(r_t) + diag(h_{t-1}) diag(σ'(a_r)) W_r)")
def total(m):
    t = m.t
    return m.d(("h", t), ("h", t - 1)), total_jacobian(m, t)


@claim("gru.total-is-direct", where="GRU update, the direct path read as the whole Jacobian", model=gru_cell,
    why="the gates z_t, r_t and the candidate h̃_t all depend on h_{t−1}, so dh_t/dh_{t−1} is diag(1 − z_t) "
        "plus those paths; diag(1 − z_t) is only the direct one",
       sizes=SIZES, expect="fails",
       statement="dh_t/dh_{t-1} = diag(1 − z_t) (the gates' and the candidate's paths dropped)")
def total_is_direct(m):
    t = m.t
    return m.d(("h", t), ("h", t - 1)), d(ones_minus(m.at("z", t)))


@claim("gru.partial-is-total", where="one-state cell: the step's partial is the total one-step Jacobian",
       model=gru_cell, sizes=SIZES,
       statement="∂h_t/∂h_{t-1} (nothing held) = dh_t/dh_{t-1}")
def partial_is_total(m):
    t = m.t
    return m.partial(("h", t), ("h", t - 1)), m.d(("h", t), ("h", t - 1))


# ----- the same claims at a realistic size, randomized (issue 14 item 6) --------------------------------------
# At n = 32, t = 64 ``auto`` checks over F_p (randomized exact identity testing, error ≤ 2^−64 stated in the
# scope; a disagreement goes to the exact engine at small sizes for a certified counterexample).
BIG = sweep(n=(32,), t=(64,))

claim("gru.direct-n32", where="GRU direct path, n = 32, t = 64 (randomized)", model=gru_cell, sizes=BIG,
      conventions={"∂": "partial with z_t and h̃_t held fixed (hold=('z', 'htilde'))"},
      statement="∂h_t/∂h_{t-1} |_{z_t, h̃_t fixed} = diag(1 − z_t)")(direct)
claim("gru.total-n32", where="GRU total Jacobian, n = 32, t = 64 (randomized)", model=gru_cell, sizes=BIG,
      conventions={"layout": "row-major", "d": "total derivative through z_t, r_t and h̃_t"},
      statement="dh_t/dh_{t-1} = diag(1 − z_t) + diag(h̃_t − h_{t-1}) diag(σ'(a_z)) W_z "
                "+ diag(z_t) diag(1 − h̃_t²) W_h (diag(r_t) + diag(h_{t-1}) diag(σ'(a_r)) W_r)")(total)
claim("gru.total-is-direct-n32", where="GRU, the direct path read as the whole Jacobian, n = 32, t = 64",
      model=gru_cell, sizes=BIG, expect="fails",
      why="the gates z_t, r_t and the candidate h̃_t all depend on h_{t−1}; diag(1 − z_t) is only the direct path "
          "(F_p disagrees at n = 32; the counterexample is certified by the exact engine at a small size)",
      statement="dh_t/dh_{t-1} = diag(1 − z_t) (the gates' and the candidate's paths dropped)")(total_is_direct)
