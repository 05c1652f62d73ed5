"""A name never merges two objects (issue 19 item 1): a cell's state may not take a name the traced models give
their own objects. advms noticed that the downward trace names the loss's gradients g[k] (∂E_k/∂o_k) and G[k]
(dL/dh_k) beside the state's s[k]: a state named G or g was one symbol with them, and a true recursion over it
was not lifted ("G[k0+2] read with two shapes"). The traces now name their gradients δg[k], δG[k] (δ starts no
name a cell may declare), so the state is its own object whatever its name."""
import pytest

from symderiv import cell, diag, every_step
from symderiv import every_n
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.results import Verdict
from symderiv.sizes import sweep


def _cell(state: str):
    def step(s, prev, x, p, f):
        setattr(s, "a", p.b + p.W * getattr(prev, state) + p.U * x)
        setattr(s, state, f.tanh(s.a))

    return cell(f"an Elman cell whose state is named {state}",
                params={"W": ("n", "n"), "U": ("n", "m"), "b": "n", "V": ("n", "n"), "c": "n"},
                output=lambda q, p, f: p.V * getattr(q, state) + p.c,
                loss=lambda o, y, f: ((o - y).T * (o - y))[0, 0] / 2, state=(state,))(step)


def _recursion(state: str):
    """dL/ds_k = dL/ds_{k+1} diag(1 − s_{k+1}²) W + dE_k/do_k V (rows): true."""
    def check(m):
        L = m.sum_of("E")
        return every_step(m, lambda k: (
            m.d(L, (state, k)),
            m.d(L, (state, k + 1)) * diag(m.at(state, k + 1).applyfunc(lambda v: 1 - v ** 2)) * m.W
            + m.d(("E", k), ("o", k)) * m.V), lo=1, hi=m.t - 1)
    return check


def _wrong(state: str):
    """The recursion without diag(1 − s_{k+1}²): false."""
    def check(m):
        L = m.sum_of("E")
        return every_step(m, lambda k: (m.d(L, (state, k)), m.d(L, (state, k + 1)) * m.W
                                        + m.d(("E", k), ("o", k)) * m.V), lo=1, hi=m.t - 1)
    return check


def _claim(state, check):
    return Claim(id=f"t.state-{state}", where="t", statement="t", check=check(state), model=_cell(state),
                 activation="tanh", sizes=sweep(n=(1, 2), t=(2, 3)), conventions={"layout": "row-major"})


@pytest.mark.parametrize("state", ["G", "g", "h"])
def test_a_state_named_like_a_traced_gradient_is_its_own_object(state):
    """Before: 'δG[k0+2] read with two shapes' (the state and dL/dh_k one name), a true recursion not lifted."""
    got = every_n.lift_downward(_claim(state, _recursion))
    assert got.lifted, got.scope


@pytest.mark.parametrize("state", ["G", "g", "h"])
def test_a_false_recursion_over_such_a_state_is_never_lifted_and_fails(state):
    c = _claim(state, _wrong)
    assert not every_n.lift_downward(c).lifted
    assert check_claim(c).verdict == Verdict.FAILS
