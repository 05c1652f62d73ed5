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
"""
from symderiv import claim, lstm_cell, sweep, eye, zeros

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
