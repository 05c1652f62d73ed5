"""Holds for every t (issue 12): induction over the horizon.

The peeling normal form on sums and products in both orders, the step check on
the seed identities, the planted errors of Theorem 1 (never 'for every t', each
still a certified 'fails'), a closed form right only up to t = 5, and the
refusals that keep a claim's concrete verdict.
"""
import pytest
import sympy as sp

from symderiv import HV, diag, eye, kron, product, total
from symderiv.engine import check_claim
from symderiv.errors import SymderivError
from symderiv.induction import Context, EmptyRange, Ix, Unsupported, active, step_check
from symderiv.report.common import tally
from symderiv.results import Verdict

T = Ix("t", 0)
N = 2


def A(r):
    """A time-varying family: its entries name the index, so a wrong peel shows."""
    return sp.Matrix(N, N, lambda i, j: sp.Symbol(f"a[{r}][{i},{j}]"))


def B(k):
    return sp.Matrix(N, 1, lambda i, _: sp.Symbol(f"b[{k}][{i}]"))


# ----- the peeling normal form -------------------------------------------------------

@pytest.mark.parametrize("order", ["descending", "ascending"])
def test_a_product_peels_its_newest_factor_on_the_side_its_order_puts_it(order):
    ctx = Context(n=N, t_min=2)
    with active(ctx):
        ctx.mode = "opaque"
        rest = product(A, 1, T - 1, order=order, size=N)      # run B: Π_{r=1}^{t-1}, opaque
        ctx.mode = "peel"
        full = product(A, 1, T, order=order, size=N)          # run A: Π_{r=1}^{t}, peeled
    assert all(s.name.startswith("Π") for s in rest.free_symbols)
    want = A(T) * rest if order == "descending" else rest * A(T)
    assert full == want
    other = A(T) * rest if order == "ascending" else rest * A(T)
    assert full != other                                      # the order is not a convention to guess


def test_a_product_of_known_length_is_the_product_itself():
    with active(Context(n=N, t_min=2)):
        got = product(A, T - 1, T, order="descending", size=N)
    assert got == A(T) * A(T - 1)


def test_a_sum_peels_its_last_term_and_its_remainder_is_the_sum_at_t_minus_1():
    ctx = Context(n=N, t_min=2)
    with active(ctx):
        ctx.mode = "opaque"
        s_b = total(B, (N, 1), lo=1, hi=T - 1)
        ctx.mode = "peel"
        s_a = total(B, (N, 1), lo=1, hi=T)
    assert s_a == B(T) + s_b


@pytest.mark.parametrize("order", ["descending", "ascending"])
def test_a_sum_of_products_pulls_the_newest_factor_out_of_the_remainder(order):
    """Σ_{k=1}^{t-1} Π_{r=k+1}^{t} A_r B_k: descending peels to A_t · S + A_t B_{t-1}; ascending cannot."""
    ctx = Context(n=N, t_min=2)

    def closed(m_t):
        return total(lambda k: product(A, k + 1, m_t, order=order, size=N) * B(k), (N, 1), lo=1, hi=m_t - 1)

    if order == "ascending":  # refused, and for good: the context raises it again as it ends, even if caught
        with pytest.raises(Unsupported, match="cannot be peeled"), active(ctx):
            ctx.mode = "opaque"
            closed(T - 1)
            ctx.mode = "peel"
            try:
                closed(T)
            except Unsupported:
                pass
        return
    with active(ctx):
        ctx.mode = "opaque"
        s_b = closed(T - 1)
        ctx.mode = "peel"
        s_a = closed(T)
    assert sp.expand(s_a - (A(T) * s_b + A(T) * B(T - 1))) == sp.zeros(N, 1)


def test_a_sum_that_may_be_empty_is_not_peeled():
    ctx = Context(n=N, t_min=2)
    with pytest.raises(EmptyRange), active(ctx):
        ctx.mode = "peel"
        total(B, (N, 1), lo=6, hi=T)


def test_a_symbolic_range_outside_the_induction_mode_is_an_error():
    with pytest.raises(SymderivError, match="induction"):
        total(B, (N, 1), lo=1, hi=T)


def test_an_index_compared_with_the_horizon_is_refused():
    with pytest.raises(Unsupported):
        T - 1 < 3
    with pytest.raises(Unsupported):
        Ix("k1", 0) == T
    with pytest.raises(Unsupported):
        T * 2 if False else T + 0.5
    assert (T - 1) + 1 == T


# ----- claims ---------------------------------------------------------------------------

def block(v):
    return kron(eye(v.rows), v.T)


def closed_form(m, *, order="descending", blk=block, W=None, lo=1, dshift=0, vshift=0, d=None, v=None,
                last=1, diag_d=True):
    n, t = m.n, m.t
    W = m.W_R if W is None else W(m)
    d = d or m.dsigma
    v = v or m.sigma
    factor = lambda r: W * diag(d(m.h(r - 1 + dshift))) if diag_d else W
    term = lambda k: product(factor, k + 1, t, order=order, size=n) * blk(v(m.h(k - 1 + vshift)))
    out = total(term, (n, n * n), lo=lo, hi=t - 1)
    for _ in range(last):
        out = out + blk(v(m.h(t - 1)))
    return out


#: the planted errors of Theorem 1's closed form (cf. tests/test_quality.py, benchmarks/bench_planted.py)
MUTANTS = {
    "ascending product order": dict(order="ascending"),
    "transposed W_R": dict(W=lambda m: m.W_R.T),
    "dropped k = 1 term": dict(lo=2),
    "off-by-one index in σ'": dict(dshift=1),
    "off-by-one index in the block": dict(vshift=1),
    "σ where σ' belongs": dict(d=lambda v: v.applyfunc(sp.Function("sigma"))),
    "σ' where σ belongs": dict(v=lambda v: v),
    "HV in place of I ⊗ vᵀ": dict(blk=HV),
    "missing last term": dict(last=0),
    "extra term (last counted twice)": dict(last=2),
    "missing diag(σ')": dict(diag_d=False),
}


def _fix(kw, m):
    kw = dict(kw)
    if kw.get("d") is not None:
        kw["d"] = m.sigma
    if kw.get("v") is not None:
        kw["v"] = m.dsigma
    return kw


def test_theorem1_corrected_holds_for_every_t(make_claim):
    r = check_claim(make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m))))
    assert r.verdict == Verdict.HOLDS and r.every_t
    assert "for every t ≥ 1 at n = 1–3 (induction: base exact, step proved; each step re-checked by the kernel" in r.scope
    assert r.every_n and "1 for every n and every t" in tally([r])[0]  # and for every n (issue 20: every_n.py)


@pytest.mark.parametrize("name", list(MUTANTS))
def test_a_planted_error_never_holds_for_every_t_and_still_fails_certified(make_claim, name):
    c = make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m, **_fix(MUTANTS[name], m))),
                   n=(1, 2), t=(1, 2, 3))
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and r.certificate
    assert not r.every_t and "for every t" not in r.scope
    assert not step_check(c, 2, 1).proved      # the step itself is not proved at n = 2


def test_the_true_closed_form_step_is_proved_at_each_n(make_claim):
    c = make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m)))
    for n in (1, 2, 3):
        st = step_check(c, n, 1)
        assert st.proved, st.reason
        assert "Π newest factor (descending)" in st.reason and "Σ last term" in st.reason


def test_a_closed_form_right_only_up_to_t_5_fails_at_t_6(make_claim):
    """An extra term that only appears from t = 6: right at every size shown, wrong at t = 6, where the engine
    looks past the sweep and certifies it (issue 19: a certified counterexample anywhere is ``fails``)."""
    def extra(m):
        return total(lambda k: block(m.sigma(m.h(k - 1))), (m.n, m.n ** 2), lo=6, hi=m.t)

    c = make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m) + extra(m)), n=(1,), t=(1, 2, 3, 4, 5))
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS and not r.every_t
    assert "not for every t at n = 1" in r.scope
    assert "breaks at t = 6 at n = 1" in r.scope and r.counterexample.size == {"n": 1, "t": 6}


def test_a_recursion_that_uses_the_truth_at_t_minus_1_is_proved(make_claim):
    """Lemma 2 corrected: C_t = I ⊗ σ(h_{t-1})ᵀ + W_R diag σ'(h_{t-1}) X_{t-1}; the hypothesis replaces X_{t-1}."""
    def lemma2(m, W=None):
        t = m.t
        W = m.W_R if W is None else W
        rhs = block(m.sigma(m.h(t - 1))) + W * diag(m.dsigma(m.h(t - 1))) * m.d(("h", t - 1), "W_R")
        return m.d(("h", t), "W_R"), rhs

    r = check_claim(make_claim(lemma2))
    assert r.every_t, r.scope
    wrong = make_claim(lambda m: lemma2(m, W=m.W_R.T))
    assert not step_check(wrong, 2, 1).proved


def test_the_horizon_used_as_a_number_is_refused_and_the_concrete_verdict_stays(make_claim):
    def check(m):
        ks = range(1, m.t)  # a Python range: not a formal sum, so the induction cannot read it
        terms = [product(lambda r: m.W_R * diag(m.dsigma(m.h(r - 1))), k + 1, m.t, order="descending", size=m.n)
                 * block(m.sigma(m.h(k - 1))) for k in ks]
        return m.d(("h", m.t), "W_R"), total(terms, (m.n, m.n ** 2)) + block(m.sigma(m.h(m.t - 1)))

    c = make_claim(check, n=(1, 2), t=(1, 2, 3))
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and not r.every_t
    assert "not for every t" in r.scope and "not induced on" in r.scope
    assert "shown only at the sizes checked" in r.scope


def test_jacobian_products_with_respect_to_a_state(make_claim):
    """dh_t/dh_0 = Π_{k=1}^{t} D_k W (avram2025, descending): P_t = 0, base at t = 1."""
    from symderiv import avram2025_rnn

    def check(m, order):
        D = lambda k: diag(m.f.dtanh(m.at("z", k)))
        return m.d(("h", m.t), ("h", 0)), product(lambda k: D(k) * m.W, 1, m.t, order=order, size=m.n)

    c = make_claim(lambda m: check(m, "descending"), model=avram2025_rnn, activation="tanh", n=(1, 2), t=(1, 2, 3))
    r = check_claim(c)
    assert r.every_t, r.scope
    asc = make_claim(lambda m: check(m, "ascending"), model=avram2025_rnn, activation="tanh")
    assert not step_check(asc, 2, 1).proved


def test_an_identity_of_one_step_holds_for_every_t_at_a_free_state(make_claim):
    """cs6180's LSTM: ∂c_t/∂c_{t−1} = diag(f_t) with h_{t−1} held fixed needs no induction: one generic step."""
    from symderiv import lstm_cell

    def partial(m, gate):
        return m.partial(("c", m.t), ("c", m.t - 1)), diag(m.at(gate, m.t))

    right = make_claim(lambda m: partial(m, "f"), model=lstm_cell, activation="logistic", n=(1, 2), t=(1, 2))
    st = step_check(right, 2, 1)
    assert st.proved and st.kind == "generic", st.reason
    wrong = make_claim(lambda m: partial(m, "i"), model=lstm_cell, activation="logistic", n=(1, 2), t=(1, 2))
    assert not step_check(wrong, 2, 1).proved
    total_ = make_claim(lambda m: (m.d(("c", m.t), ("c", m.t - 1)), diag(m.at("f", m.t))), model=lstm_cell,
                        activation="logistic")
    assert not step_check(total_, 1, 1).proved    # a total derivative of c: not read (only dh/dθ is)


def test_a_factor_that_branches_on_the_horizon_is_refused(make_claim):
    """A family that means one thing at a generic index and another at r = t cannot be an opaque product."""
    def check(m):
        t = m.t
        A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1))) if r != t else m.W_R * diag(m.dsigma(m.h(t - 1)))
        term = lambda k: product(A, k + 1, t, order="descending", size=m.n) * block(m.sigma(m.h(k - 1)))
        return m.d(("h", t), "W_R"), total(term, (m.n, m.n ** 2), lo=1, hi=t - 1) + block(m.sigma(m.h(t - 1)))

    st = step_check(make_claim(check), 2, 1)
    assert not st.proved and "depends on t" in st.reason


@pytest.mark.parametrize("which, proved", [("x_k", True), ("x_{k-1}", False), ("x_t", False)])
def test_a_time_varying_family_of_inputs_is_peeled_at_its_own_index(make_claim, which, proved):
    """dh_t/dW_I = Σ_{k=1}^{t} Π_{r=k+1}^{t} W_R diag σ'(h_{r−1}) (I ⊗ x_kᵀ): P_t = I ⊗ x_tᵀ varies with t."""
    def check(m):
        t = m.t
        x = {"x_k": lambda k: m.x(k), "x_{k-1}": lambda k: m.x(k - 1), "x_t": lambda k: m.x(t)}[which]
        A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
        term = lambda k: product(A, k + 1, t, order="descending", size=m.n) * kron(eye(m.n), x(k).T)
        return m.d(("h", t), "W_I"), total(term, (m.n, m.n * m.m), lo=1, hi=t)

    assert step_check(make_claim(check), 2, 1).proved is proved


def test_the_column_major_layout_is_honoured(make_claim):
    """In the col-major layout the block is σ(h_{k−1})ᵀ ⊗ I; the row-major block is then wrong at n ≥ 2."""
    def check(m, blk):
        t = m.t
        A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
        term = lambda k: product(A, k + 1, t, order="descending", size=m.n) * blk(m.sigma(m.h(k - 1)))
        return m.d(("h", t), "W_R"), total(term, (m.n, m.n ** 2), lo=1, hi=t - 1) + blk(m.sigma(m.h(t - 1)))

    col = lambda v: kron(v.T, eye(v.rows))
    right = make_claim(lambda m: check(m, col))
    right.conventions = {"layout": "col-major"}
    assert step_check(right, 2, 1).proved
    wrong = make_claim(lambda m: check(m, block))
    wrong.conventions = {"layout": "col-major"}
    assert not step_check(wrong, 2, 1).proved


def test_total_of_a_family_with_integer_bounds_is_the_eager_sum_and_misuse_is_one_line():
    v = [sp.Matrix([[k]]) for k in range(6)]
    assert total(lambda k: v[k], (1, 1), lo=2, hi=4) == total([v[2], v[3], v[4]], (1, 1)) == sp.Matrix([[9]])
    assert total(lambda k: v[k], (1, 1), lo=3, hi=2) == sp.zeros(1, 1)
    with pytest.raises(SymderivError, match="needs the range"):
        total(lambda k: v[k], (1, 1))
    with pytest.raises(SymderivError, match="takes a family"):
        total(v, (1, 1), lo=1, hi=2)
    from symderiv import power
    W = sp.Matrix([[1, 2], [3, 4]])
    assert power(W, 3, size=2) == W ** 3 and power(W, 0, size=2) == sp.eye(2)


def test_the_generic_step_recursion_is_checked_against_the_engines_truth(make_claim):
    """J_t, P_t of the generic step reproduce X_2 = J_2 X_1 + P_2 of the unrolled model; a wrong J does not."""
    from symderiv.induction import _recursion_matches
    from symderiv.models import Model

    c = make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m)))
    st = step_check(c, 2, 1)
    base = Model(c.model, n=2, t=1)
    assert st.proved and _recursion_matches(c, base, 1, st.wrt, st.layout, st.J, st.P)
    assert not _recursion_matches(c, base, 1, st.wrt, st.layout, st.J.T, st.P)
    assert not _recursion_matches(c, base, 1, st.wrt, "col-major", st.J, st.P)


def test_a_cell_whose_step_asks_for_extras_and_names_its_state_s_is_induced_on(make_claim):
    """The generic step runs the cell as every backend does (Cell.call: y, k, n, m, t passed when declared)."""
    from symderiv import cell

    @cell("scaled", params={"W": ("n", "n")}, state=("s",))
    def scaled(q, prev, x, p, f, n):
        q.s = p.W * f.sigma(prev.s) * (1 if n else 0)

    def check(m):
        D = lambda k: diag(m.dsigma(m.at("s", k - 1)))
        return m.d(("s", m.t), ("s", 0)), product(lambda k: m.W * D(k), 1, m.t, order="descending", size=m.n)

    r = check_claim(make_claim(check, model=scaled, n=(1, 2), t=(1, 2, 3)))
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope


@pytest.mark.parametrize("hold, every_t", [(("z", "htilde"), True), ((), False)])
def test_a_held_partial_is_read_at_a_free_state(make_claim, hold, every_t):
    """GRU: ∂h_t/∂h_{t-1} with z_t, h̃_t held is diag(1 − z_t) at every step; the whole step's Jacobian is not."""
    from symderiv import gru_cell

    def check(m):
        z = m.at("z", m.t)
        return m.partial(("h", m.t), ("h", m.t - 1), hold=hold), diag(sp.ones(m.n, 1) - z)

    r = check_claim(make_claim(check, model=gru_cell, n=(1, 2), t=(1, 2)))
    assert r.every_t == every_t, r.scope
    if every_t:
        assert r.verdict == Verdict.HOLDS
    else:
        assert r.verdict == Verdict.FAILS and "for every t" not in r.scope
