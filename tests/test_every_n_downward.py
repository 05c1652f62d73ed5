"""For every n and every t, downward (issue 20, item 4): the Goodfellow backward recursion ∇_{h_k}L.

The downward induction's base (k = T + c) and step (C_k = C_{k+1} J_{k+1} + ∂E_k/∂h_k) are traced as contraction
diagrams of symbolic size, with g_k = ∂E_k/∂o_k a free vector per step, and each is decided at its threshold by
the kernel (every_n.lift_downward). The shipped claims hold for every n, m, T and k; the false variants fail;
identities that hold only at n = 1, written downward several ways, hold there for every T and are never lifted;
a planted threshold or decision is refused by the kernel.
"""
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from symderiv import diag, elman_rnn, every_step, product, total
from symderiv import every_n
from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.identity import nonzero_entries
from symderiv.kernel.lift import Lifted
from symderiv.results import Verdict

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "proofs" / "examples" / "goodfellow_downward.py"
HOLDS = ["goodfellow.down.eq10-21", "goodfellow.down.eq10-21-rows", "goodfellow.down.unrolled"]
FAILS = ["goodfellow.down.eq10-21-W", "goodfellow.down.unrolled-from-k+1", "goodfellow.down.unrolled-r-from-k"]


@pytest.fixture(scope="module")
def shipped():
    return {c.id: c for c in collect([FILE]).claims()}


# ----- the claims, as proofs/examples/goodfellow_downward.py writes them, and siblings ---------------------------

def grad_h(m, k):
    return m.d(m.sum_of("E"), ("h", k)).T


def grad_o(m, k):
    return m.d(("E", k), ("o", k)).T


def dtanh(m, k):
    return diag(m.h(k).applyfunc(lambda v: 1 - v ** 2))


def recursion(back=lambda m, k: m.W.T * dtanh(m, k + 1), extra=lambda m, k: 0 * grad_o(m, k)):
    """∇_{h_k}L = back(k) ∇_{h_{k+1}}L + Vᵀ ∇_{o_k}L + extra(k), k = 1…T−1 (true with the defaults)."""
    return lambda m: every_step(m, lambda k: (grad_h(m, k), back(m, k) * grad_h(m, k + 1) + m.V.T * grad_o(m, k)
                                              + extra(m, k)), lo=1, hi=m.t - 1)


def unrolled(*, order="descending", transpose=True, first_r=1, lo_s=0):
    """∇_{h_k}L = Σ_{s=k}^{T} (Π_{r=k+1}^{s} diag(1 − h_r²) W)ᵀ Vᵀ ∇_{o_s}L, k = 1…T (true with the defaults)."""
    def closed(m, k):
        def term(s):
            chain = product(lambda r: dtanh(m, r) * m.W, k + first_r, s, order=order, size=m.n)
            return (chain.T if transpose else chain) * m.V.T * grad_o(m, s)
        return total(term, (m.n, 1), lo=k + lo_s, hi=m.t)
    return lambda m: every_step(m, lambda k: (grad_h(m, k), closed(m, k)))


def rows(factor=lambda m, k: dtanh(m, k + 1) * m.W):
    """dL/dh_k = dL/dh_{k+1} factor(k) + dL_k/do_k V (the numerator layout; true with the default)."""
    def check(m):
        L = m.sum_of("E")
        return every_step(m, lambda k: (m.d(L, ("h", k)), m.d(L, ("h", k + 1)) * factor(m, k)
                                        + m.d(("E", k), ("o", k)) * m.V), lo=1, hi=m.t - 1)
    return check


def _outer_minus_inner(m, k):
    """h_k h_kᵀ v − (h_kᵀ h_k) v for v = Vᵀ ∇_{o_k}L: x xᵀ = (xᵀx) I, zero at n = 1 only."""
    h, v = m.h(k), m.V.T * grad_o(m, k)
    return h * h.T * v - (h.T * h)[0, 0] * v


@pytest.fixture
def rnn(make_claim):
    def make(check, n=(1, 2), t=(2, 3), loss="abstract", model=elman_rnn):
        return make_claim(check, model=model, activation="tanh", loss=loss, n=n, t=t)
    return make


# ----- the shipped claims ----------------------------------------------------------------------------------

@pytest.mark.parametrize("cid", HOLDS)
def test_the_goodfellow_recursion_holds_for_every_n_and_every_t(shipped, cid):
    r = check_claim(shipped[cid])
    assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope
    out = every_n.lift_downward(shipped[cid])
    assert out.lifted and out.base.label == "base" and out.step.label == "step"
    for part in (out.base, out.step):  # decided at (at least) the recounted number of index classes
        assert all(part.size[d] >= max(1, part.classes[d]) for d in ("n", "m"))
        assert "lhs − rhs expanded to 0" in part.how
    assert f"decided exactly at n = {out.step.size['n']}" in r.scope and out.every in r.scope


def test_the_unrolled_form_peels_its_first_term_and_oldest_factor_with_the_kernel_deciding_the_remainder(shipped):
    c = shipped["goodfellow.down.unrolled"]
    out = every_n.lift_downward(c)
    assert out.lifted and set(out.peeled) == {"Σ first term", "Π oldest factor (descending)"}
    assert out.every == "every T ≥ 1 and k = 1…T"
    *_, peels = every_n.down_step_identity(c)
    assert peels and peels[-1].ok and peels[-1].token is not None   # summand_A(κ) = Lᵀ summand_B(κ), by the kernel
    assert any(not p.ok for p in peels)                               # L itself (untransposed) was refused


@pytest.mark.parametrize("cid", FAILS)
def test_the_false_variants_fail_certified_and_are_never_lifted(shipped, cid):
    r = check_claim(shipped[cid])
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and not r.every_n and not r.every_t
    out = every_n.lift_downward(shipped[cid])
    assert not out.lifted and out.stage == "step" and out.by_kernel, out.scope


# ----- traps: true only at n = 1, written downward several ways -----------------------------------------------

N1_ONLY = {
    "W for Wᵀ (the shipped W variant)": recursion(back=lambda m, k: m.W * dtanh(m, k + 1)),
    "diag(1 − h²) W for Wᵀ diag(1 − h²)": recursion(back=lambda m, k: dtanh(m, k + 1) * m.W),
    "x xᵀ = (xᵀx) I added to the recursion": recursion(extra=_outer_minus_inner),
    "rows: dL/dh_{k+1} W diag(1 − h²)": rows(lambda m, k: m.W * dtanh(m, k + 1)),
    "rows: dL/dh_{k+1} diag(1 − h²) Wᵀ": rows(lambda m, k: dtanh(m, k + 1) * m.W.T),
    "unrolled, the product ascending": unrolled(order="ascending"),
    "unrolled, the chain not transposed": unrolled(transpose=False),
}


@pytest.mark.parametrize("name", list(N1_ONLY))
def test_an_identity_true_only_at_n_1_holds_there_for_every_T_and_is_never_lifted(rnn, name):
    at1 = rnn(N1_ONLY[name], n=(1,))
    r = check_claim(at1)
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope
    out = every_n.lift_downward(at1)  # decided false at its threshold, or (ascending) its remainder not peeled
    assert not out.lifted and out.stage in ("base", "step") and out.step is None, out.scope
    wide = check_claim(rnn(N1_ONLY[name], n=(1, 2)))
    assert wide.verdict == Verdict.FAILS and wide.counterexample.size["n"] == 2


MUTANTS = {
    "sum from s = k + 1": unrolled(lo_s=1),
    "product from r = k": unrolled(first_r=0),
    "Vᵀ ∇_o L counted twice": recursion(extra=lambda m, k: m.V.T * grad_o(m, k)),
    "the hypothesis at k + 2": lambda m: every_step(
        m, lambda k: (grad_h(m, k), m.W.T * dtanh(m, k + 1) * grad_h(m, k + 2) + m.V.T * grad_o(m, k)),
        lo=1, hi=m.t - 2),
}


@pytest.mark.parametrize("name", list(MUTANTS))
def test_a_planted_mutant_is_never_lifted(rnn, name):
    assert not every_n.lift_downward(rnn(MUTANTS[name], n=(1,))).lifted


def _sigma_recursion(shift=1, W=lambda m: m.W.T):
    """∇_{h_k}L = W diag(σ'(z_{k+shift})) ∇_{h_{k+1}}L + Vᵀ ∇_{o_k}L for an abstract σ (true with the defaults)."""
    return lambda m: every_step(m, lambda k: (grad_h(m, k), W(m) * diag(m.dsigma(m.at("z", k + shift)))
                                              * grad_h(m, k + 1) + m.V.T * grad_o(m, k)), lo=1, hi=m.t - 1)


@pytest.mark.parametrize("variant, true", [("true", True), ("σ' at z_k", False), ("W for Wᵀ", False)])
def test_an_abstract_sigma_recursion_is_lifted_only_when_true(make_claim, variant, true):
    check = {"true": _sigma_recursion(), "σ' at z_k": _sigma_recursion(shift=0),
             "W for Wᵀ": _sigma_recursion(W=lambda m: m.W)}[variant]
    c = make_claim(check, model=elman_rnn, activation="abstract", loss="abstract", n=(1, 2), t=(2, 3))
    r = check_claim(c)
    assert (r.verdict == Verdict.HOLDS) == true and r.every_n == true, r.scope
    assert every_n.lift_downward(c).lifted == true


# ----- the loss: read only through g_k = ∂E_k/∂o_k, a free vector ----------------------------------------------

@pytest.mark.parametrize("loss", ["squared", "cross-entropy"])
def test_a_concrete_per_step_loss_is_read_through_its_free_gradient(rnn, loss):
    for check in (recursion(), unrolled()):
        r = check_claim(rnn(check, loss=loss))
        assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope
    wrong = check_claim(rnn(recursion(back=lambda m, k: m.W * dtanh(m, k + 1)), loss=loss))
    assert wrong.verdict == Verdict.FAILS and not wrong.every_n


def test_a_loss_of_the_cells_own_is_read_through_its_free_gradient_too():
    """goodfellow_bptt's cell (softmax cross-entropy of its own): g_k free holds for every per-step loss, so the
    lift itself goes through (the trace checked against the engine's own ∂E_k/∂o_k at n = 2, m = 3)."""
    import sys

    sys.path.insert(0, str(ROOT / "proofs" / "examples"))
    try:
        from goodfellow_bptt import goodfellow_rnn
    finally:
        sys.path.pop(0)
    from symderiv.claims import Claim
    from symderiv.sizes import sweep

    for check in (recursion(), unrolled()):
        c = Claim(id="t.own-loss", where="t", statement="t", check=check, model=goodfellow_rnn, activation="tanh",
                  sizes=sweep(n=(1, 2), t=(2, 3)), conventions={"layout": "row-major"})
        assert every_n.lift_downward(c).lifted
    wrong = Claim(id="t.own-loss-W", where="t", statement="t", model=goodfellow_rnn, activation="tanh",
                  check=recursion(back=lambda m, k: m.W * dtanh(m, k + 1)), sizes=sweep(n=(1,), t=(2, 3)),
                  conventions={"layout": "row-major"})
    assert not every_n.lift_downward(wrong).lifted


def test_a_claim_that_reads_the_target_or_the_loss_value_says_why_it_is_not_lifted(rnn):
    def with_target(m):  # squared loss: ∇_o L = o − y, true, but it reads y
        return every_step(m, lambda k: (grad_h(m, k), m.W.T * dtanh(m, k + 1) * grad_h(m, k + 1)
                                        + m.V.T * (m.o(k) - m.y(k))), lo=1, hi=m.t - 1)

    r = check_claim(rnn(with_target, loss="squared"))
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope
    out = every_n.lift_downward(rnn(with_target, loss="squared"))
    assert not out.lifted and out.stage == "step" and not out.by_kernel and "a target y" in out.scope


def test_a_fixed_size_is_not_lifted(make_claim):
    from symderiv.claims import Claim
    from symderiv.sizes import sweep

    c = Claim(id="t.fixed", where="t", statement="t", check=recursion(), model=elman_rnn, activation="tanh",
              sizes=sweep(n=2, t=(2, 3), fixed=("n",)), conventions={"layout": "row-major"})
    out = every_n.lift_downward(c)
    assert not out.lifted and out.stage == "read" and "fixes n" in out.scope
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n


def test_a_cell_with_two_states_is_not_lifted(rnn):
    """With (h, c) the gradient flows back through c_k too: dL/dh_{k+1} ∂h_{k+1}/∂h_k alone is not the truth's
    recursion; the lift traces the block recursion (down3), where the one-state recursion, false for this cell, is
    decided false at its threshold (never lifted)."""
    from symderiv import cell

    @cell("two states", params={"W": ("n", "n"), "U": ("n", "m"), "b": "n", "V": ("n", "n"), "c": "n"},
          state=("h", "s"), output=lambda q, p, f: p.V * q.h + p.c)
    def two(q, prev, x, p, f):
        q.s = f.tanh(p.W * prev.s + prev.h + p.b)
        q.h = f.tanh(p.W * prev.h + p.U * x + prev.s)

    c = rnn(recursion(), n=(1,), model=two)
    assert check_claim(c).verdict == Verdict.FAILS  # the path h_k → s_{k+1} → h_{k+2} is missing
    out = every_n.lift_downward(c)
    assert not out.lifted and out.blocks == ("h", "s") and out.stage in ("step", "base"), out.scope


def test_a_fixed_output_dimension_stays_fixed_and_is_named(rnn):
    """o_k ∈ R³ (V: 3 × n): g_k has a leg of the fixed dimension 3; lifted for every n and m with 3 fixed."""
    from symderiv import cell

    @cell("three outputs", params={"W": ("n", "n"), "U": ("n", "m"), "b": "n", "V": (3, "n"), "c": 3},
          output=lambda q, p, f: p.V * q.h + p.c, outputs=3)
    def three(q, prev, x, p, f):
        q.z = p.W * prev.h + p.U * x + p.b
        q.h = f.sigma(q.z)

    c = rnn(recursion(extra=lambda m, k: 0 * grad_h(m, k)), model=three)
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope
    out = every_n.lift_downward(c)
    assert out.lifted and "the dimension 3 fixed" in out.scope
    assert any(3 in g.dims for g in every_n.down_step_identity(c)[0].terms)


def test_the_trace_is_checked_against_the_claims_own_sides(monkeypatch, shipped):
    """A tracer that misreads ∂E_k/∂o_k (here: twice it) gives a step that still holds (both sides doubled) and
    a base that still holds; only the comparison with the engine's sides at n = 2, m = 3 catches it."""
    original = every_n.TracedDownwardModel.g
    monkeypatch.setattr(every_n.TracedDownwardModel, "g", lambda self, k: original(self, k) * 2)
    monkeypatch.setattr(every_n, "_DOWN_CLASS", [])
    out = every_n.lift_downward(shipped["goodfellow.down.eq10-21"])
    assert not out.lifted and out.stage == "base" and "differs from the check's" in out.scope


def test_a_traced_backward_recursion_that_is_not_the_engines_truth_is_caught(monkeypatch, rnn):
    """A planted tracer bug: ∂E_k/∂h_k read as g_k (the factor ∂o_k/∂h_k = V dropped). The claim with Vᵀ dropped
    then passes base and step; the traced recursion compared with the engine's dL/dh_1 at T = 2 refuses it."""
    no_v = lambda m: every_step(m, lambda k: (grad_h(m, k), m.W.T * dtanh(m, k + 1) * grad_h(m, k + 1)  # noqa: E731
                                              + grad_o(m, k)), lo=1, hi=m.t - 1)
    c = rnn(no_v, n=(1,))
    assert check_claim(c).verdict == Verdict.FAILS and not every_n.lift_downward(c).lifted
    monkeypatch.setattr(every_n.TracedDownwardModel, "dloss", lambda self, k: self.g(k))
    monkeypatch.setattr(every_n, "_DOWN_CLASS", [])
    out = every_n.lift_downward(c)
    assert not out.lifted and out.stage == "base" and out.step is not None, out.scope  # the step passed
    assert "backward recursion traced" in out.scope


@pytest.mark.parametrize("mode", ["opaque", "peel"])
def test_two_different_opaque_sums_are_two_variables_in_either_run(rnn, mode):
    """Σ_{s=1}^{k} x_s and Σ_{s=1}^{k} 2 x_s over a range the run does not peel are opaque: never one variable
    (which would cancel S − S where the truth is −Σ x_s)."""
    from symderiv.formal import TRACED, Context, Ix, active

    c = rnn(recursion(), n=(1,))
    with active(Context(n=0, t_min=1)) as ctx:
        K = ctx.generic()
        ctx.var, ctx.mode = K.base, mode
        m = every_n._down_model(c, Ix("t", 0), ctx)
        TRACED.append(every_n._TracedDownFormal(m, c.id))
        try:
            a = total(lambda s: m.x(s), (m.m, 1), lo=1, hi=K)
            b = total(lambda s: 2 * m.x(s), (m.m, 1), lo=1, hi=K)
        finally:
            TRACED.pop()
    assert a.name != b.name and (a - b).terms


# ----- planted: the downward threshold or decision wrong: the kernel refuses the lift ------------------------------

def _plant(monkeypatch, where):
    if where == "the threshold is too low":  # one index class of n counted: the W-for-Wᵀ trap holds at n = 1
        original = every_n.threshold

        def low(lhs, rhs):
            th = original(lhs, rhs)
            return every_n.Threshold(th.degree, {d: min(k, 1) for d, k in th.classes.items()}, th.fixed)

        monkeypatch.setattr(every_n, "threshold", low)
    elif where == "the size decided is below the threshold":
        monkeypatch.setattr(every_n.Threshold, "size", lambda self, dims: {d: 1 for d in dims})
    else:  # the decision says zero without the kernel's token
        monkeypatch.setattr("symderiv.kernel.lift.verify_identity",
                            lambda *a, **k: Lifted(True, "planted: lhs − rhs is 0"))


PLANTS = ["the threshold is too low", "the size decided is below the threshold", "the decision says zero"]


@pytest.mark.parametrize("where", PLANTS)
def test_a_planted_downward_threshold_or_decision_is_refused_by_the_kernel(monkeypatch, rnn, where):
    trap = rnn(N1_ONLY["W for Wᵀ (the shipped W variant)"], n=(1,))
    assert not every_n.lift_downward(trap).lifted
    _plant(monkeypatch, where)
    out = every_n.lift_downward(trap)
    assert not out.lifted and out.by_kernel, out.scope
    r = check_claim(trap)
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope


@pytest.mark.parametrize("where", PLANTS)
def test_a_planted_bug_costs_a_true_claim_its_lift_never_a_wrong_one(monkeypatch, shipped, where):
    _plant(monkeypatch, where)
    out = every_n.lift_downward(shipped["goodfellow.down.eq10-21"])
    assert not out.lifted and out.by_kernel, out.scope


# ----- explain, and the property ----------------------------------------------------------------------------------

def test_explain_shows_the_downward_argument_in_steps(shipped):
    from symderiv.report.explain import argument

    text = argument(check_claim(shipped["goodfellow.down.unrolled"])).plain
    assert "Truth's backward recursion" in text and "free vector" in text and "Lemma (index relabelling" in text
    assert "by downward induction on k" in text and "Trusted, not re-checked by the kernel" in text
    assert "X_t = J_t X_{t−1} + P_t" not in text  # not the upward argument


BACK = [lambda m, k: m.W.T * dtanh(m, k + 1), lambda m, k: m.W * dtanh(m, k + 1),
        lambda m, k: dtanh(m, k + 1) * m.W, lambda m, k: (dtanh(m, k + 1) * m.W).T,
        lambda m, k: m.W.T * dtanh(m, k), lambda m, k: 2 * m.W.T * dtanh(m, k + 1)]
EXTRA = [lambda m, k: 0 * grad_o(m, k), _outer_minus_inner, lambda m, k: m.V * grad_o(m, k) - m.V.T * grad_o(m, k),
         lambda m, k: (m.V.T - m.V.T) * grad_o(m, k + 1)]


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@example(0, 0)
@example(3, 3)
@example(1, 1)
@given(st.integers(0, len(BACK) - 1), st.integers(0, len(EXTRA) - 1))
def test_whenever_the_downward_lift_says_every_n_an_exact_check_at_larger_n_and_t_agrees(rnn, back, extra):
    c = rnn(recursion(back=BACK[back], extra=EXTRA[extra]), n=(1,), t=(2, 3))
    out = every_n.lift_downward(c)
    truth = back in (0, 3) and extra in (0, 3)
    if out.lifted:
        lhs, rhs = c.sides({"n": 3, "m": 2, "t": 4})
        assert not nonzero_entries(lhs, rhs), (back, extra)
    assert out.lifted == truth, out.scope


@pytest.mark.parametrize("order", ["descending", "ascending"])
@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize("first_r", [1, 0])
@pytest.mark.parametrize("lo_s", [0, 1])
def test_every_variant_of_the_unrolled_form_is_lifted_exactly_when_true(rnn, order, transpose, first_r, lo_s):
    """The unrolled form and its 15 one-to-four-fold mutations (order, transpose, where the product and the sum
    start), at an n = 1 sweep where some hold: lifted exactly when true, and then right at n = 3, T = 4."""
    c = rnn(unrolled(order=order, transpose=transpose, first_r=first_r, lo_s=lo_s), n=(1,))
    out = every_n.lift_downward(c)
    truth = (order, transpose, first_r, lo_s) == ("descending", True, 1, 0)
    assert out.lifted == truth, out.scope
    if out.lifted:
        lhs, rhs = c.sides({"n": 3, "m": 2, "t": 4})
        assert not nonzero_entries(lhs, rhs)
