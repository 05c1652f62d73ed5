"""One meaning for every claim, in the induction over the horizon (issue 19).

* The symbolic step index cannot be told apart from a number it is not: comparisons, hashing
  (``k in {5}``, ``{5: 2}.get(k, 1)``, ``k not in SKIP``), its truth value, its use as a number or a SymPy
  expression are refused, and for good (a check that catches the refusal is still refused), in a closed
  form, in a cell's step and in a downward family; and every proof's cell step is checked against the
  unrolled model at every k up to three past the sweep, not only at t = 2. (A family that tells its step
  apart by type is the strict xfail at the end.)
* The step is decided at every size the sweep uses (n and m), and the scope names every dimension.
* A certified counterexample found past the sweep makes the verdict ``fails``, with that counterexample.
"""
import pytest
import sympy as sp

from symderiv import cell, diag, elman_rnn, eye, kron, product, total
from symderiv.engine import check_claim
from symderiv.induction import Context, Ix, Unsupported, active, every_step, step_check
from symderiv.results import Verdict
from symderiv.sizes import sweep

T = Ix("t", 0)


def swallowed(k):
    """The refusal caught, and the ordinary branch taken."""
    try:
        return 2 if k == 5 else 1
    except Exception:
        return 1


#: what a refusal names: the index itself, or a try entered on it (refused whether or not it raises)
REFUSALS = ("step index", "a try that catches")

#: the same special step 5, told apart without a comparison the index answers: at an integer k, 2 at k = 5
SPECIAL = {
    "k in {5}": lambda k: 2 if k in {5} else 1,
    "{5: 2}.get(k, 1)": lambda k: {5: 2}.get(k, 1),
    "k not in frozenset": lambda k: 1 if k not in frozenset({5}) else 2,
    "truth value of k − 5": lambda k: 1 if (k - 5) else 2,
    "as a SymPy number": lambda k: 2 if sp.sympify(k) == 5 else 1,
    "a list indexed by k": lambda k: ([1] * 5 + [2] + [1] * 100)[k],
    "the refusal caught": swallowed,
}


# ----- the index itself -------------------------------------------------------------------

@pytest.mark.parametrize("k", [T, T - 1, Ix("k1", 0), Ix("k1", 2)])
def test_a_symbolic_index_refuses_hashing_and_a_truth_value(k):
    for tell in (hash, bool, lambda k: k in {5}, lambda k: {5: 1}.get(k), lambda k: {k: 1},
                 lambda k: k in frozenset({T})):
        with pytest.raises(Unsupported, match="step index"):
            tell(k)


@pytest.mark.parametrize("how", list(SPECIAL))
def test_every_way_to_tell_the_special_step_apart_is_refused_at_a_symbolic_index(how):
    assert [SPECIAL[how](k) for k in (4, 5, 6)] == [1, 2, 1]
    with pytest.raises(Unsupported, match="step index"), active(Context(n=1, t_min=1)):
        SPECIAL[how](T - 1)


def test_a_numeric_index_hashes_as_its_integer():
    assert hash(Ix(None, 5)) == hash(5) and Ix(None, 5) in {5} and bool(Ix(None, 0)) is False


# ----- a closed form, a cell, a downward family with a special step 5 -------------------------

def dw_i(m, c=lambda k: 1, blk=lambda m, k: kron(eye(m.n), m.x(k).T)):
    """dh_t/dW_I = Σ_{k=1}^{t} Π_{r=k+1}^{t} W_R diag σ'(h_{r−1}) · c(k) (I ⊗ x_kᵀ) (pal2019, row-major)."""
    A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
    term = lambda k: product(A, k + 1, m.t, order="descending", size=m.n) * blk(m, k) * c(k)
    return m.d(("h", m.t), "W_I"), total(term, (m.n, m.n * m.m), lo=1, hi=m.t)


@pytest.mark.parametrize("how", list(SPECIAL))
def test_a_closed_form_with_a_special_step_is_not_proved_for_every_t(make_claim, how):
    c = make_claim(lambda m: dw_i(m, SPECIAL[how]), n=(1, 2), t=(1, 2, 3))
    st = step_check(c, 2, 1)
    assert not st.proved and any(r in st.reason for r in REFUSALS), st.reason
    assert not check_claim(c).every_t


def resetting(special):
    @cell("resets at step 5", params={"W": ("n", "n")})
    def step(q, prev, x, p, f, k):
        q.h = p.W * f.sigma(prev.h * (2 - special(k)))   # h_5 = W σ(0): it forgets h_4
    return step


def jacobian_product(m):
    return m.d(("h", m.t), ("h", 0)), product(lambda k: m.W * diag(m.dsigma(m.h(k - 1))), 1, m.t,
                                               order="descending", size=m.n)


@pytest.mark.parametrize("how", list(SPECIAL))
def test_a_cell_that_resets_at_a_special_step_is_not_proved_for_every_t(make_claim, how):
    c = make_claim(jacobian_product, model=resetting(SPECIAL[how]), n=(1, 2), t=(1, 2, 3))
    st = step_check(c, 2, 1)
    assert not st.proved and any(r in st.reason for r in REFUSALS), st.reason
    assert not check_claim(c).every_t
    assert check_claim(c, n=(1,), t=(5,)).verdict == Verdict.FAILS   # the claim is false from t = 5


def grad_h(m, k):
    return m.d(m.sum_of("E"), ("h", k)).T


def unrolled(special):
    """Goodfellow's ∇_{h_k}L = Σ_{s=k}^{T} (Π_{r=k+1}^{s} diag(1 − h_r²) W)ᵀ Vᵀ ∇_{o_s}L, twice that at k = 5."""
    def check(m):
        def closed(k):
            def term(s):
                chain = product(lambda r: diag(m.h(r).applyfunc(lambda v: 1 - v ** 2)) * m.W, k + 1, s,
                                order="descending", size=m.n)
                return chain.T * m.V.T * m.d(("E", s), ("o", s)).T
            return total(term, (m.n, 1), lo=k, hi=m.t) * special(k)
        return every_step(m, lambda k: (grad_h(m, k), closed(k)))
    return check


@pytest.mark.parametrize("how", list(SPECIAL))
def test_a_downward_family_with_a_special_step_is_not_proved_for_every_t(make_claim, how):
    c = make_claim(unrolled(SPECIAL[how]), model=elman_rnn, activation="tanh", loss="abstract", n=(1, 2),
                   t=(2, 3))
    st = step_check(c, 2, 2)
    assert not st.proved and any(r in st.reason for r in REFUSALS), st.reason
    assert not check_claim(c).every_t


@cell("doubles from step 3", params={"W": ("n", "n"), "U": ("n", "m"), "b": "n", "V": ("n", "n"), "c": "n"},
      output=lambda q, p, f: p.V * q.h + p.c)
def typed(q, prev, x, p, f, k):
    """Tells its step apart by type, which the index cannot refuse: at a symbolic k its ordinary branch."""
    q.z = p.W * prev.h + p.U * x + p.b
    q.h = f.sigma(q.z) * (2 if isinstance(k, int) and k >= 3 else 1)


TYPED = {  # (check, sweep's t): right at the sweep (t ≤ 2, or T = 2), false from step 3 on
    "upward": (lambda m: (m.d(("h", m.t), ("h", 0)), product(lambda k: diag(m.dsigma(m.at("z", k))) * m.W, 1, m.t,
                                                             order="descending", size=m.n)), (1, 2)),
    "one step": (lambda m: (m.partial(("h", m.t), ("h", m.t - 1)), diag(m.dsigma(m.at("z", m.t))) * m.W), (1, 2)),
    "downward": (lambda m: every_step(m, lambda k: (grad_h(m, k), m.W.T * diag(m.dsigma(m.at("z", k + 1)))
                                                    * grad_h(m, k + 1) + m.V.T * m.d(("E", k), ("o", k)).T),
                                      lo=1, hi=m.t - 1), (2,)),
}


@pytest.mark.parametrize("kind", list(TYPED))
def test_a_step_that_is_not_time_invariant_is_not_proved_and_fails_where_it_breaks(make_claim, kind):
    """The generic step matches the unrolled model at k ≤ 2, not at k = 3: every proof is checked against
    the cell's step at every k up to three past the sweep, so none is proved, and the engine certifies where
    the claim breaks (t = 3)."""
    check, ts = TYPED[kind]
    c = make_claim(check, model=typed, loss="abstract", n=(1,), t=ts)
    st = step_check(c, 1, ts[0], ts[-1])
    assert not st.proved and "time-invariant" in st.reason, st.reason
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS and not r.every_t, r.scope
    assert r.counterexample is not None and r.counterexample.size["t"] == 3


# ----- every dimension of the size --------------------------------------------------------------

def test_the_step_is_decided_at_the_input_size_of_the_sweep(make_claim):
    """x_kᵀ ⊗ I in place of I ⊗ x_kᵀ agrees with it when m = 1 (or n = 1): the step at m = 2, n = 2 is not."""
    def check(m):
        A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
        term = lambda k: product(A, k + 1, m.t, order="descending", size=m.n) * kron(m.x(k).T, eye(m.n))
        return m.d(("h", m.t), "W_I"), total(term, (m.n, m.n * m.m), lo=1, hi=m.t - 1) + kron(eye(m.n), m.x(m.t).T)

    wrong = make_claim(check, n=(1, 2), t=(1,))
    wrong.sizes = sweep(n=(1, 2), t=(1,), m=2)
    assert not step_check(wrong, {"n": 2, "m": 2}, 1).proved
    assert step_check(wrong, {"n": 2, "m": 1}, 1).proved
    r = check_claim(wrong)
    assert r.verdict == Verdict.FAILS and not r.every_t, r.scope
    assert r.counterexample is not None and r.counterexample.size == {"n": 2, "t": 2, "m": 2}


def test_the_scope_names_every_dimension_it_holds_for(make_claim):
    right = make_claim(dw_i)
    right.sizes = sweep(n=(1, 2), t=(1, 2), m=2)
    r = check_claim(right)
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope
    assert "for every t ≥ 1 at n = 1–2, m = 2 (induction" in r.scope


# ----- refuted past the sweep: fails ---------------------------------------------------------------

def truncated(m):
    """Truncated BPTT, two terms: I ⊗ x_tᵀ + W_R diag σ'(h_{t−1}) (I ⊗ x_{t−1}ᵀ); right at t = 2 only."""
    t = m.t
    blk = lambda k: kron(eye(m.n), m.x(k).T)
    return m.d(("h", t), "W_I"), blk(t) + m.W_R * diag(m.dsigma(m.h(t - 1))) * blk(t - 1)


def from_k2(m):
    """Σ_{k=2}^{t} … + I ⊗ x_1ᵀ: the k = 1 term without its product, right at t = 1 only."""
    blk = lambda k: kron(eye(m.n), m.x(k).T)
    A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
    term = lambda k: product(A, k + 1, m.t, order="descending", size=m.n) * blk(k)
    return m.d(("h", m.t), "W_I"), total(term, (m.n, m.n * m.m), lo=2, hi=m.t) + blk(1)


@pytest.mark.parametrize("check, ts, breaks", [(truncated, (2,), 3), (from_k2, (1,), 2)])
def test_a_counterexample_past_the_sweep_makes_the_verdict_fails(make_claim, check, ts, breaks):
    r = check_claim(make_claim(check, n=(1, 2), t=ts))
    assert r.verdict == Verdict.FAILS and not r.every_t, r.scope
    assert r.counterexample is not None and r.certificate
    assert r.counterexample.size["t"] == breaks and f"breaks at t = {breaks}" in r.scope
    assert any(o.status == Verdict.FAILS and o.size["t"] == breaks for o in r.sizes)


def test_a_closed_form_that_tells_its_step_apart_by_type_is_not_proved_for_every_t(make_claim):
    """isinstance(k, int) on the step index: refused at the symbolic index, a check made in a test module too."""
    c = make_claim(lambda m: dw_i(m, lambda k: 2 if isinstance(k, int) and k == 5 else 1), n=(1,), t=(1, 2, 3))
    assert check_claim(c, t=(5,)).verdict == Verdict.FAILS     # false from t = 5
    assert not check_claim(c).every_t


def test_a_tautology_holds_for_every_t_and_says_why(make_claim):
    """Both sides the same derivative (issue 22 item 8): the scope said 'step … fails at 27 of 27 entries'; the
    sides are one expression at a symbolic t, so it holds for every t, and the scope says that."""
    c = make_claim(lambda m: (m.d(("h", m.t), "W_R"), m.d(("h", m.t), "W_R")), n=(1, 2, 3), t=(1, 2))
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope
    assert "fails at" not in r.scope and "one expression at a symbolic t" in r.scope


def test_sides_that_differ_only_past_a_range_are_not_one_expression(make_claim):
    """The shortcut compares the sides as read at a symbolic t: a sum to t − 1 is not a sum to t."""
    A = lambda m: lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
    c = make_claim(lambda m: (product(A(m), 2, m.t, order="descending", size=m.n),
                              product(A(m), 2, m.t - 1, order="descending", size=m.n) * A(m)(m.t)),
                   n=(1, 2), t=(2, 3))
    assert not any("one expression" in o for o in [check_claim(c).scope])


@pytest.mark.parametrize("backend", ["symengine", "fp"])
def test_past_the_sweep_is_searched_whichever_backend_decided_the_sweep(backend):
    """Ascending for descending is true at t = 2 (one factor) and false from t = 3. Whether the sweep was decided
    exactly or over F_p, the step is not proved, the exact engine looks past the sweep, and the certified
    counterexample there makes the verdict fails (the two backends once disagreed: holds over F_p)."""
    from tests import test_fp_coverage as cov
    from tests.test_fp_coverage import state_k

    c = cov.make(lambda m: state_k(m, 1, order="ascending"), n=(2,), t=(2,))
    r = check_claim(c, backend=backend)
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and r.counterexample.size["t"] > 2, r.scope
