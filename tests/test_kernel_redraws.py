"""The kernel's stated error accounts for its redraws (advlog's note).

A trial keeps the first of up to REDRAWS draws where the sides have a value (no denominator 0, every √'s and log's
argument > 0). The point kept is not a uniform draw from the box: conditioned on the domain, a zero of a nonzero
difference could be kept more often than E·2^−BITS, by as much as 1/(the domain's share of the box), which nobody
bounds. It is one of at most REDRAWS uniform draws, though, so the union bound gives REDRAWS·E·2^−BITS: every token
of a trial that may redraw states 2^−DRAW_BITS per unit of degree, DRAW_BITS = BITS − log₂ REDRAWS."""
import math

import sympy as sp

from symderiv import kernel, scalar
from symderiv.claims import Claim
from symderiv.kernel.random_check import BITS, DRAW_BITS, REDRAWS
from symderiv.sizes import no_sizes


def test_the_draw_bits_are_the_union_bound_over_the_redraws():
    assert 2 ** BITS == REDRAWS * 2 ** DRAW_BITS
    assert math.log2(REDRAWS).is_integer()


def _claim(lhs, rhs):
    a, b = sp.symbols("a b")
    return Claim(id="redraw", where="t", statement="t", sizes=no_sizes(), variables=dict(a=scalar(), b=scalar()),
                 check=lambda v: (lhs(v.a, v.b), rhs(v.a, v.b)))


def test_a_holds_whose_points_are_redrawn_states_the_union_bound():
    """log(a − b) has a value on half the box: the kernel redraws; its token's bits are DRAW_BITS, never BITS."""
    c = _claim(lambda a, b: sp.log((a - b) ** 2) - 2 * sp.log(a - b) + a, lambda a, b: a)
    token, how = kernel.confirm_identity(c, {}, seed=0)
    assert token is not None and token.holds, how
    if token.error:  # a bounded token: its bits are the union bound's
        assert token.error[0] <= DRAW_BITS, (token.error, how)
