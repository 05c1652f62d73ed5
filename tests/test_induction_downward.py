"""Holds for every T, downward (issue 12 item 5): ∇_{h_k}L from k = T down, L = Σ_s E_s.

The bottom peeling of sums and products over s = k..T, Goodfellow's eq. (10.21)
and its unrolled form proved for every T in both layouts, and the W/Wᵀ mutant,
off-by-one variants and a closed form right only up to T = 3 never proved.
"""
import pytest
import sympy as sp

from symderiv import diag, elman_rnn, product, total
from symderiv.engine import check_claim
from symderiv.induction import Context, EmptyRange, Ix, active, every_step, step_check
from symderiv.results import Verdict

T = Ix("t", 0)
N = 2


def A(r):
    return sp.Matrix(N, N, lambda i, j: sp.Symbol(f"a[{r}][{i},{j}]"))


def B(k):
    return sp.Matrix(N, 1, lambda i, _: sp.Symbol(f"b[{k}][{i}]"))


def down(top=-1):
    ctx = Context(n=N, t_min=2)
    K = ctx.generic()
    ctx.var, ctx.top = K.base, top
    return ctx, K


# ----- the bottom peeling ---------------------------------------------------------------

def test_a_sum_over_k_to_T_peels_its_first_term_and_its_remainder_is_the_sum_at_k_plus_1():
    ctx, K = down()
    with active(ctx):
        ctx.mode = "opaque"
        s_b = total(B, (N, 1), lo=K + 1, hi=T)
        ctx.mode = "peel"
        s_a = total(B, (N, 1), lo=K, hi=T)
    assert s_a == B(K) + s_b
    assert s_a != B(T) + s_b                                  # the bottom, not the top


@pytest.mark.parametrize("order", ["descending", "ascending"])
def test_a_product_peels_its_oldest_factor_on_the_side_its_order_puts_it(order):
    ctx, K = down()
    with active(ctx):
        ctx.mode = "opaque"
        rest = product(A, K + 1, T, order=order, size=N)
        ctx.mode = "peel"
        full = product(A, K, T, order=order, size=N)
    assert all(s.name.startswith("Π") for s in rest.free_symbols)
    want = rest * A(K) if order == "descending" else A(K) * rest
    other = A(K) * rest if order == "descending" else rest * A(K)
    assert full == want and full != other


def test_a_backward_sum_of_products_pulls_the_oldest_factor_out_of_the_remainder():
    """Σ_{s=k}^{T} (Π_{r=k+1}^{s} A_r)ᵀ B_s (descending) = B_k + A_{k+1}ᵀ · (the sum at k + 1)."""
    ctx, K = down()

    def closed(k):
        return total(lambda s: product(A, k + 1, s, order="descending", size=N).T * B(s), (N, 1), lo=k, hi=T)

    with active(ctx):
        ctx.mode = "opaque"
        s_b = closed(K + 1)
        ctx.mode = "peel"
        s_a = closed(K)
    assert s_a == B(K) + A(K + 1).T * s_b


def test_a_backward_sum_that_may_be_empty_is_not_peeled():
    ctx, K = down(top=-1)                                     # k ≤ T − 1: Σ_{s=k+3}^{T} may be empty
    with pytest.raises(EmptyRange), active(ctx):
        ctx.mode = "peel"
        total(B, (N, 1), lo=K + 3, hi=T)


# ----- claims -------------------------------------------------------------------------------

def grad_h(m, k):
    return m.d(m.sum_of("E"), ("h", k)).T


def grad_o(m, k):
    return m.d(("E", k), ("o", k)).T


def dtanh(m, k):
    return diag(m.h(k).applyfunc(lambda v: 1 - v ** 2))


def recursion(W=lambda m: m.W.T):
    return lambda m: every_step(
        m, lambda k: (grad_h(m, k), W(m) * dtanh(m, k + 1) * grad_h(m, k + 1) + m.V.T * grad_o(m, k)),
        lo=1, hi=m.t - 1)


def unrolled(*, lo_s=0, first_r=1, shift=0, order="descending", extra=False):
    def closed(m, k):
        def term(s):
            chain = product(lambda r: dtanh(m, r + shift) * m.W, k + first_r, s, order=order, size=m.n)
            return chain.T * m.V.T * grad_o(m, s)
        out = total(term, (m.n, 1), lo=k + lo_s, hi=m.t)
        if extra:  # a term that exists only from T = k + 3 on: absent at every size shown (T ≤ 3)
            out = out + total(lambda s: m.V.T * grad_o(m, s), (m.n, 1), lo=k + 3, hi=m.t)
        return out
    return lambda m: every_step(m, lambda k: (grad_h(m, k), closed(m, k)))


@pytest.fixture
def rnn(make_claim):
    def make(check, loss="abstract", **kw):
        return make_claim(check, model=elman_rnn, activation="tanh", loss=loss, n=(1, 2), t=(2, 3), **kw)
    return make


def test_the_backward_recursion_holds_for_every_T(rnn):
    r = check_claim(rnn(recursion()))
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope
    assert "for every T ≥ 2 and k = 1…T−1 at n = 1–2 (downward induction: base exact at k = T−1" in r.scope


@pytest.mark.parametrize("loss", ["squared", "cross-entropy"])
def test_the_backward_recursion_and_its_unrolled_form_hold_for_every_T_for_a_concrete_per_step_loss(rnn, loss):
    for check in (recursion(), unrolled()):
        r = check_claim(rnn(check, loss=loss))
        assert r.verdict == Verdict.HOLDS and r.every_t, r.scope
    wrong = check_claim(rnn(recursion(W=lambda m: m.W), loss=loss))
    assert wrong.verdict == Verdict.FAILS and not wrong.every_t


def test_the_row_form_numerator_layout_holds_for_every_T(rnn):
    def rows(m):
        L = m.sum_of("E")
        return every_step(m, lambda k: (m.d(L, ("h", k)), m.d(L, ("h", k + 1)) * dtanh(m, k + 1) * m.W
                                        + m.d(("E", k), ("o", k)) * m.V), lo=1, hi=m.t - 1)
    r = check_claim(rnn(rows))
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope


def test_the_unrolled_closed_form_holds_for_every_T_by_peeling(rnn):
    c = rnn(unrolled())
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope
    assert "for every T ≥ 1 and k = 1…T at n = 1–2" in r.scope
    st = step_check(c, 2, 2)
    assert st.proved and "Σ first term" in st.reason and "Π oldest factor (descending)" in st.reason


MUTANTS = {
    "W in place of Wᵀ": recursion(W=lambda m: m.W),
    "sum from s = k + 1 (first term dropped)": unrolled(lo_s=1),
    "product from r = k (off by one)": unrolled(first_r=0),
    "diag(1 − h_{r−1}²) (off by one inside the factor)": unrolled(shift=-1),
    "ascending product": unrolled(order="ascending"),
}


@pytest.mark.parametrize("name", list(MUTANTS))
def test_a_false_variant_never_holds_for_every_T_and_still_fails_certified(rnn, name):
    c = rnn(MUTANTS[name])
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and r.certificate
    assert not r.every_t and "for every" not in r.scope
    assert not step_check(c, 2, 2).proved


def test_an_off_by_one_that_passes_the_base_is_caught_by_the_step(rnn):
    st = step_check(rnn(unrolled(shift=-1)), 2, 2)
    assert not st.proved and "downward step" in st.reason


def test_a_closed_form_right_only_up_to_T_3_fails_at_T_4(rnn):
    r = check_claim(rnn(unrolled(extra=True)))
    assert r.verdict == Verdict.FAILS and not r.every_t and r.counterexample.size["t"] == 4
    assert "may be empty" in r.scope and "breaks at t = 4" in r.scope


def test_every_step_stacks_the_sides_of_every_k_at_a_size():
    from symderiv.models import Model

    m = Model(elman_rnn, n=1, t=3, activation="tanh", loss="abstract")
    lhs, _ = every_step(m, lambda k: (m.h(k), m.h(k)), lo=1)
    assert lhs.shape == (3, 1) and list(lhs) == [m.h(1)[0], m.h(2)[0], m.h(3)[0]]


def test_a_gradient_claim_at_one_step_only_is_refused_with_the_way_to_state_it(rnn):
    """eq. (10.21) at k = T − 1 alone: not a claim about every k, so not induced on; the concrete verdict stays."""
    c = rnn(lambda m: (grad_h(m, m.t - 1), m.W.T * dtanh(m, m.t) * grad_h(m, m.t) + m.V.T * grad_o(m, m.t - 1)))
    st = step_check(c, 2, 2)
    assert not st.proved and "every_step" in st.reason
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and not r.every_t and "shown only at the sizes checked" in r.scope
