"""A user's own LSTM, written as an @cell: Greff et al. (2017), "LSTM: A Search Space Odyssey", the vanilla LSTM with
peephole connections, and its one-step partials as BPTT uses them (issue 21.5's speed measurement).

    z̄ = W_z x + R_z y_{t−1} + b_z,               z = tanh(z̄)
    ī = W_i x + R_i y_{t−1} + p_i ⊙ c_{t−1} + b_i,  i = logistic(ī)
    f̄ = W_f x + R_f y_{t−1} + p_f ⊙ c_{t−1} + b_f,  f = logistic(f̄)
    c = z ⊙ i + c_{t−1} ⊙ f
    ō = W_o x + R_o y_{t−1} + p_o ⊙ c + b_o,       o = logistic(ō)
    y = tanh(c) ⊙ o

(y is named h: the model's state is (h, c).) Each true partial has a slip beside it: the peephole terms dropped,
or a transposed recurrent matrix. Not a shipped proof file: ``symderiv check benchmarks/user_lstm.py --n 8 --t 16``
(benchmarks/bench_fixed_size.py measures it).
"""
from symderiv import cell, claim, diag, eye, hadamard, ones, sweep, zeros

GATES = ("z", "i", "f", "o")


@cell("Greff et al.'s vanilla LSTM with peepholes (a user's own cell)", state=("h", "c"),
      params={**{f"W_{g}": ("n", "m") for g in GATES}, **{f"R_{g}": ("n", "n") for g in GATES},
              **{f"b_{g}": "n" for g in GATES}, **{f"p_{g}": "n" for g in ("i", "f", "o")}})
def greff_lstm(s, prev, x, p, f):
    s.zbar = p.W_z * x + p.R_z * prev.h + p.b_z
    s.z = f.tanh(s.zbar)
    s.ibar = p.W_i * x + p.R_i * prev.h + hadamard(p.p_i, prev.c) + p.b_i
    s.i = f.logistic(s.ibar)
    s.fbar = p.W_f * x + p.R_f * prev.h + hadamard(p.p_f, prev.c) + p.b_f
    s.f = f.logistic(s.fbar)
    s.c = hadamard(s.z, s.i) + hadamard(prev.c, s.f)
    s.obar = p.W_o * x + p.R_o * prev.h + hadamard(p.p_o, s.c) + p.b_o
    s.o = f.logistic(s.obar)
    s.tc = f.tanh(s.c)
    s.h = hadamard(s.tc, s.o)


SIZES = sweep(n=(1, 2), t=(1, 2, 3))


def _one(m):
    return ones(m.n, 1)


def dlog(m, g, k):  # logistic' at the gate's pre-activation, by its derivative relation
    v = m.at(g, k)
    return hadamard(v, _one(m) - v)


def dtanh(m, name, k):
    v = m.at(name, k)
    return _one(m) - hadamard(v, v)


def dc_dcprev(m, k, peep=True):
    out = diag(m.at("f", k))
    if peep:
        out = out + diag(hadamard(hadamard(m.at("c", k - 1), dlog(m, "f", k)), m.p_f)) \
            + diag(hadamard(hadamard(m.at("z", k), dlog(m, "i", k)), m.p_i))
    return out


def dc_dhprev(m, k, transpose=False):
    R = (lambda g: getattr(m, f"R_{g}").T) if transpose else (lambda g: getattr(m, f"R_{g}"))
    return diag(hadamard(m.at("z", k), dlog(m, "i", k))) * R("i") \
        + diag(hadamard(m.at("c", k - 1), dlog(m, "f", k))) * R("f") \
        + diag(hadamard(m.at("i", k), dtanh(m, "z", k))) * R("z")


def dh_dc(m, k, peep=True):
    out = diag(hadamard(m.at("o", k), dtanh(m, "tc", k)))
    if peep:
        out = out + diag(hadamard(hadamard(m.at("tc", k), dlog(m, "o", k)), m.p_o))
    return out


def dh_dhprev(m, k, peep=True):
    """∂h_k/∂h_{k−1}, c_{k−1} held: through o's recurrent input and through c_k (which o's peephole reads)."""
    do = diag(hadamard(m.at("tc", k), dlog(m, "o", k)))
    return do * m.R_o + dh_dc(m, k, peep) * dc_dhprev(m, k)


@claim("user.greff.dc-dcprev", where="Greff et al. (2017), the cell state's partial", model=greff_lstm, sizes=SIZES,
       statement="∂c_t/∂c_{t−1} = diag(f) + diag(c_{t−1} ⊙ σ'(f̄) ⊙ p_f) + diag(z ⊙ σ'(ī) ⊙ p_i)")
def c_c(m):
    return m.partial(("c", m.t), ("c", m.t - 1)), dc_dcprev(m, m.t)


@claim("user.greff.dc-dcprev-no-peephole", where="a slip: the peepholes dropped", model=greff_lstm, sizes=SIZES,
       expect="fails", statement="∂c_t/∂c_{t−1} = diag(f)")
def c_c_slip(m):
    return m.partial(("c", m.t), ("c", m.t - 1)), dc_dcprev(m, m.t, peep=False)


@claim("user.greff.dc-dhprev", where="Greff et al. (2017), the cell state's recurrent partial", model=greff_lstm,
       sizes=SIZES, statement="∂c_t/∂y_{t−1} = diag(z ⊙ σ'(ī)) R_i + diag(c_{t−1} ⊙ σ'(f̄)) R_f + diag(i ⊙ g'(z̄)) R_z")
def c_h(m):
    return m.partial(("c", m.t), ("h", m.t - 1)), dc_dhprev(m, m.t)


@claim("user.greff.dc-dhprev-transposed", where="a slip: Rᵀ for R", model=greff_lstm, sizes=SIZES, expect="fails",
       statement="∂c_t/∂y_{t−1} with every R transposed")
def c_h_slip(m):
    return m.partial(("c", m.t), ("h", m.t - 1)), dc_dhprev(m, m.t, transpose=True)


@claim("user.greff.dh-dc", where="Greff et al. (2017), the output's partial by the cell state", model=greff_lstm,
       sizes=SIZES, statement="∂y_t/∂c_t = diag(o ⊙ h'(c)) + diag(h(c) ⊙ σ'(ō) ⊙ p_o)")
def h_c(m):
    return m.d(("h", m.t), ("c", m.t)), dh_dc(m, m.t)


@claim("user.greff.dh-dc-no-peephole", where="a slip: the output peephole dropped", model=greff_lstm, sizes=SIZES,
       expect="fails", statement="∂y_t/∂c_t = diag(o ⊙ h'(c))")
def h_c_slip(m):
    return m.d(("h", m.t), ("c", m.t)), dh_dc(m, m.t, peep=False)


@claim("user.greff.dh-dhprev", where="Greff et al. (2017), the output's recurrent partial", model=greff_lstm,
       sizes=SIZES, statement="∂y_t/∂y_{t−1} (c_{t−1} held) = diag(h(c) ⊙ σ'(ō)) R_o + ∂y_t/∂c_t ∂c_t/∂y_{t−1}")
def h_h(m):
    return m.partial(("h", m.t), ("h", m.t - 1)), dh_dhprev(m, m.t)


@claim("user.greff.dh-dhprev-no-peephole", where="a slip: the output peephole dropped", model=greff_lstm,
       sizes=SIZES, expect="fails", statement="∂y_t/∂y_{t−1} without the output peephole's path")
def h_h_slip(m):
    return m.partial(("h", m.t), ("h", m.t - 1)), dh_dhprev(m, m.t, peep=False)


def _recursion(m, through_c=True):
    gh, gc = eye(m.n), zeros(m.n, m.n)
    for k in range(1, m.t + 1):
        A, B = m.partial(("h", k), ("h", k - 1)), m.partial(("h", k), ("c", k - 1))
        C, D = m.partial(("c", k), ("h", k - 1)), m.partial(("c", k), ("c", k - 1))
        gh, gc = (A * gh + B * gc, C * gh + D * gc) if through_c else (A * gh, gc)
    return gh


@claim("user.greff.dh-dh0", where="BPTT through (y, c): the block recursion", model=greff_lstm, sizes=SIZES,
       statement="dy_t/dy_0 = G^y_t by the (y, c) block recursion of one-step partials")
def h_h0(m):
    return m.d(("h", m.t), ("h", 0)), _recursion(m)


@claim("user.greff.dh-dh0-y-path-only", where="a slip: the cell state's path dropped", model=greff_lstm,
       sizes=SIZES, expect="fails", statement="dy_t/dy_0 = Π ∂y_k/∂y_{k−1}")
def h_h0_slip(m):
    return m.d(("h", m.t), ("h", 0)), _recursion(m, through_c=False)
