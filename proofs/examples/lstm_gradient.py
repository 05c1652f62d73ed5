"""An LSTM's BPTT Jacobian through both states, checked exactly at small sizes and over F_p at n = 32, t = 64.

The cell is the shipped ``lstm_cell`` (logistic gates f, i, o; tanh candidate g;
c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t)). Its state is the pair
(h, c), so the chain rule for dh_t/dh_0 runs through a 2 × 2 block recursion
of one-step partials (each step's partials with the previous state held fixed):

    G^h_k = ∂h_k/∂h_{k−1} G^h_{k−1} + ∂h_k/∂c_{k−1} G^c_{k−1},   G^h_0 = I
    G^c_k = ∂c_k/∂h_{k−1} G^h_{k−1} + ∂c_k/∂c_{k−1} G^c_{k−1},   G^c_0 = 0

and dh_t/dh_0 = G^h_t. A common slip keeps only the h → h path (the
"recurrent Jacobian" Π ∂h_k/∂h_{k−1}), dropping the memory cell's path: that
reading is transcribed too and fails.

Sizes: n ∈ {1, 3}, t ∈ {1, 2, 4} are decided exactly (symbolic normal form; certified
counterexamples), n = 32 or t = 64 by the randomized exact backend over F_p
(`auto` picks it beyond n = 3, t = 6), where tanh and the logistic are one
random atom per argument with their derivative relations (see symderiv/fp/__init__.py).
At n = 3, t = 4 the true reading holds by the exact normal form and the slip
fails with a counterexample the kernel certifies over ℚ (the search tries the
sparse points first, where the gates meet 0: tanh(0) = 0, logistic(0) = 1/2),
each in a few seconds (benchmarks/RESULTS.md, sections lstmspeed and speedid;
issue 14.10).

The same chain rule written as one step of the block recursion, the truths at
t − 1 being the model's own (``m.d(("h", t − 1), …)``, ``m.d(("c", t − 1), …)``),
reads at a symbolic t, so it is proved for every n and every t: the state
(h, c) is stacked, the step's Jacobian is the block matrix
[[∂h_t/∂h_{t−1}, ∂h_t/∂c_{t−1}], [∂c_t/∂h_{t−1}, ∂c_t/∂c_{t−1}]] (rows: the new
state, h first; columns: the previous state, h first) and each claim is one
block row of X_t = J_t X_{t−1} + P_t (README, "Model claims: every n and every
t"). Three slips of that step (two blocks swapped, the ∂c_t/∂h_{t−1} block
dropped, the forget gate read one step late) fail, certified at n = 1. The
loop-unrolled claims above are not read at a symbolic t (``range(1, m.t + 1)``)
and keep their sizes.
"""
from symderiv import claim, diag, lstm_cell, sweep, eye, zeros

SIZES = sweep(n=(1, 3, 32), t=(1, 2, 4, 64))


def _recursion(m, through_c: bool):
    gh, gc = eye(m.n), zeros(m.n, m.n)
    for k in range(1, m.t + 1):
        A = m.partial(("h", k), ("h", k - 1))
        B = m.partial(("h", k), ("c", k - 1))
        C = m.partial(("c", k), ("h", k - 1))
        D = m.partial(("c", k), ("c", k - 1))
        if through_c:
            gh, gc = A * gh + B * gc, C * gh + D * gc
        else:
            gh = A * gh
    return gh


@claim("examples.lstm.dh-dh0", where="LSTM BPTT, the (h, c) block recursion", model=lstm_cell,
       statement="dh_t/dh_0 = G^h_t, G^h_k = ∂h_k/∂h_{k−1} G^h_{k−1} + ∂h_k/∂c_{k−1} G^c_{k−1}, "
                 "G^c_k = ∂c_k/∂h_{k−1} G^h_{k−1} + ∂c_k/∂c_{k−1} G^c_{k−1}",
       sizes=SIZES)
def dh_dh0(m):
    return m.d(("h", m.t), ("h", 0)), _recursion(m, through_c=True)


@claim("examples.lstm.dh-dh0-h-path-only", where="LSTM BPTT, a slip: the memory cell's path dropped",
       model=lstm_cell, expect="fails",
       why="h_{k−1} also reaches h_k through the memory cell (the gates of c_k read h_{k−1}, and c_{k−1} reaches "
           "h_k through f_k ⊙ c_{k−1}), so dropping the c path drops the terms ∂h_k/∂c_{k−1} G^c_{k−1}",
       statement="dh_t/dh_0 = Π_k ∂h_k/∂h_{k−1} (the c path dropped)", sizes=SIZES)
def dh_dh0_h_only(m):
    return m.d(("h", m.t), ("h", 0)), _recursion(m, through_c=False)


# ----- one step of the block recursion, for every n and every t ----------------------------------------------
STEP_SIZES = sweep(n=(1, 2), t=(1, 2))
BLOCKS = {"J_t": "[[∂h_t/∂h_{t−1}, ∂h_t/∂c_{t−1}], [∂c_t/∂h_{t−1}, ∂c_t/∂c_{t−1}]]: rows the new state (h, c), "
                 "columns the previous state (h, c), each block an explicit partial (the other state held)",
          "∂c_t/∂c_{t−1}": "diag(f_t), h_{t−1} held (c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t)"}


def _row(m, s, wrt, first="h", second="c"):
    """s's block row of the step times the stacked truths at t − 1: ∂s_t/∂h_{t−1} X^h_{t−1} + ∂s_t/∂c_{t−1} X^c_{t−1}."""
    t = m.t
    return (m.partial((s, t), (first, t - 1)) * m.d(("h", t - 1), wrt)
            + m.partial((s, t), (second, t - 1)) * m.d(("c", t - 1), wrt))


@claim("examples.lstm.step.dh-dh0", where="LSTM BPTT, the h row of the (h, c) block recursion", model=lstm_cell,
       sizes=STEP_SIZES, conventions=BLOCKS,
       statement="dh_t/dh_0 = ∂h_t/∂h_{t−1} dh_{t−1}/dh_0 + ∂h_t/∂c_{t−1} dc_{t−1}/dh_0")
def step_dh_dh0(m):
    return m.d(("h", m.t), ("h", 0)), _row(m, "h", ("h", 0))


@claim("examples.lstm.step.dc-dc0", where="LSTM BPTT, the c row of the (h, c) block recursion (the memory cell's "
       "error flow)", model=lstm_cell, sizes=STEP_SIZES, conventions=BLOCKS,
       statement="dc_t/dc_0 = ∂c_t/∂h_{t−1} dh_{t−1}/dc_0 + diag(f_t) dc_{t−1}/dc_0")
def step_dc_dc0(m):
    t = m.t
    return m.d(("c", t), ("c", 0)), (m.partial(("c", t), ("h", t - 1)) * m.d(("h", t - 1), ("c", 0))
                                     + diag(m.at("f", t)) * m.d(("c", t - 1), ("c", 0)))


@claim("examples.lstm.step.dh-dWf", where="LSTM BPTT, a weight: the h row with its explicit partial",
       model=lstm_cell, sizes=STEP_SIZES, conventions=BLOCKS | {"layout": "row-major"},
       statement="dh_t/dvec(W_f) = ∂h_t/∂h_{t−1} dh_{t−1}/dW_f + ∂h_t/∂c_{t−1} dc_{t−1}/dW_f + ∂h_t/∂W_f")
def step_dh_dWf(m):
    return m.d(("h", m.t), "W_f"), _row(m, "h", "W_f") + m.partial(("h", m.t), "W_f")


@claim("examples.lstm.step.blocks-swapped", where="LSTM BPTT, a slip: the two blocks of the h row exchanged",
       model=lstm_cell, sizes=STEP_SIZES, conventions=BLOCKS, expect="fails",
       why="∂h_t/∂h_{t−1} multiplies dh_{t−1}/dh_0 and ∂h_t/∂c_{t−1} multiplies dc_{t−1}/dh_0 (block column j goes "
           "with state j); exchanged, the h path is weighted by the c block",
       statement="dh_t/dh_0 = ∂h_t/∂c_{t−1} dh_{t−1}/dh_0 + ∂h_t/∂h_{t−1} dc_{t−1}/dh_0")
def step_swapped(m):
    return m.d(("h", m.t), ("h", 0)), _row(m, "h", ("h", 0), first="c", second="h")


@claim("examples.lstm.step.dc-dh-dropped", where="LSTM BPTT, a slip: the ∂c_t/∂h_{t−1} block dropped (the "
       "constant error carousel alone)", model=lstm_cell, sizes=STEP_SIZES, conventions=BLOCKS, expect="fails",
       why="every gate of step t reads h_{t−1}, and h_{t−1} depends on c_0 (through c_{t−1} from t = 2, and through "
           "nothing at t = 1): dc_t/dc_0 has the term ∂c_t/∂h_{t−1} dh_{t−1}/dc_0",
       statement="dc_t/dc_0 = diag(f_t) dc_{t−1}/dc_0")
def step_dropped(m):
    return m.d(("c", m.t), ("c", 0)), diag(m.at("f", m.t)) * m.d(("c", m.t - 1), ("c", 0))


@claim("examples.lstm.step.forget-lag", where="LSTM BPTT, a slip: the forget gate read one step late",
       model=lstm_cell, sizes=sweep(n=(1, 2), t=(2,)), conventions=BLOCKS, expect="fails",
       why="c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t: the forget gate of the same step t scales c_{t−1}, not f_{t−1}",
       statement="dc_t/dc_0 = ∂c_t/∂h_{t−1} dh_{t−1}/dc_0 + diag(f_{t−1}) dc_{t−1}/dc_0")
def step_lag(m):
    t = m.t
    return m.d(("c", t), ("c", 0)), (m.partial(("c", t), ("h", t - 1)) * m.d(("h", t - 1), ("c", 0))
                                     + diag(m.at("f", t - 1)) * m.d(("c", t - 1), ("c", 0)))
