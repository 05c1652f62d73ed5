"""The kernel's two readings of a `for every t` share one degree run per horizon (issue 20 item 6, branch cpu9).

Before, at every t ≤ T the kernel ran the claim's check on fresh variables for its own reading of the claim
(read_horizons → confirm_identity's degree run) and again, beside the finder's term, for its unrolling of the term
(read_terms → the degree run of _Unroll). Now the second run serves both (kernel/step.py `_Shared`,
random_check.degree_infos): the claim's check runs first there, and the bound of the claim alone is computed from its
sides and the arguments it met, the bound of the unrolling from the whole run. The trials (the points) stay each
reading's own. The tests: the two bounds are the ones each separate run gives (every field of the Degree), the token
is the same with and without the sharing (kind, how, trusts, error, degree), the claim's check runs on fresh variables
once per horizon instead of twice, and a check planted to differ at t = 5 only (from its term, or lhs from rhs) is
still refused, at t = 5.
"""
from __future__ import annotations

import dataclasses

import pytest
import sympy as sp
from test_kernel_peel import dh_dh0, dw_i, same_product  # the builder's claims, shared

from symderiv import diag, elman_rnn, every_step, product, total
from symderiv.induction import step_check
from symderiv.kernel import random_check
from symderiv.kernel import step as kernel_step
from symderiv.kernel.random_check import _Fresh, degree_info, degree_infos, degree_of

T_HI = 5  # read_horizon_limit(2)


def down_row(m):
    """∇_{h_k}L = Σ_{s=k}^{t} (Π_{r=k+1}^{s} diag(1 − h_r²) W)ᵀ Vᵀ ∇_{o_s}E_s (tanh, abstract loss): downward."""
    def closed(k):
        def term(s):
            chain = product(lambda r: diag(m.h(r).applyfunc(lambda v: 1 - v ** 2)) * m.W, k + 1, s,
                            order="descending", size=m.n)
            return chain.T * m.V.T * m.d(("E", s), ("o", s)).T
        return total(term, (m.n, 1), lo=k, hi=m.t)
    return every_step(m, lambda k: (m.d(m.sum_of("E"), ("h", k)).T, closed(k)))


CASES = {  # name: (check, claim's keywords, n)
    "induction Σ (dh_t/dW_I)": (dw_i, {}, 2),
    "induction Π (dh_t/dh_0)": (dh_dh0, {}, 2),
    "same": (same_product, {}, 2),
    "downward": (down_row, dict(model=elman_rnn, activation="tanh", loss="abstract"), 2),
}


def _claim(make_claim, name):
    f, kw, n = CASES[name]
    return make_claim(f, n=(n,), t=(2, 3) if name == "downward" else (1, 2), **kw), n


def _statement(c, n, name):
    t0, t1 = (2, 3) if name == "downward" else (1, 2)
    st = step_check(c, {"n": n}, t0, t1)
    assert st.proved and st.statement.terms, st.reason
    return st.statement, t0, t1


@pytest.mark.parametrize("name", list(CASES))
def test_the_shared_run_gives_each_reading_the_bound_of_its_own_run(make_claim, name):
    c, n = _claim(make_claim, name)
    st, t0, t1 = _statement(c, n, name)
    for t in range(t0, kernel_step.read_horizon_limit(t1) + 1):
        at = {"n": n, "t": t}
        pseudo = kernel_step._Unroll(c, st, t)
        whole, mine = degree_infos(pseudo, at, part=pseudo.part)
        assert mine == degree_info(c, at), t                                   # every field, the claim alone
        assert (whole.E, whole.why) == degree_of(kernel_step._Unroll(c, st, t), at), t  # the unrolling's own run
        assert mine.E and whole.E >= mine.E, (t, mine, whole)


def _token_fields(tok):
    return tok.kind, tok.how, tuple(tok.trusts), tok.error, tok.degree


@pytest.mark.parametrize("name", list(CASES))
def test_the_shared_path_gives_the_token_of_the_unshared_one(monkeypatch, make_claim, name):
    c, n = _claim(make_claim, name)
    st, t0, t1 = _statement(c, n, name)
    shared, why, _ = kernel_step.confirm_every_t(c, {"n": n}, st, t0, t1)
    assert shared is not None, why
    monkeypatch.setattr(kernel_step._Shared, "claim_at", lambda self, t: None)  # each reading its own degree run
    alone, why, _ = kernel_step.confirm_every_t(c, {"n": n}, st, t0, t1)
    assert alone is not None, why
    assert _token_fields(shared) == _token_fields(alone)
    assert kernel_step.UNIFORM in shared.trusts and shared.degree


@pytest.mark.parametrize("name", ["induction Π (dh_t/dh_0)", "downward"])
def test_the_claims_check_runs_on_fresh_variables_once_per_horizon(monkeypatch, make_claim, name):
    c, n = _claim(make_claim, name)
    st, t0, t1 = _statement(c, n, name)
    hi = kernel_step.read_horizon_limit(t1)
    runs: list = []
    real = random_check._trial

    def spy(claim, size, rng, **how):  # a degree run (fresh variables) that runs the claim's check: its t
        if isinstance(how.get("draw"), _Fresh) and (claim is c or isinstance(claim, kernel_step._Unroll)
                                                    and not claim.base):
            runs.append(size["t"])
        return real(claim, size, rng, **how)

    monkeypatch.setattr(random_check, "_trial", spy)

    def per_t():
        runs.clear()
        tok, why, _ = kernel_step.confirm_every_t(c, {"n": n}, st, t0, t1)
        assert tok is not None, why
        return {t: runs.count(t) for t in set(runs) | set(range(t0, hi + 1))}

    assert per_t() == {t: 1 for t in range(t0, hi + 1)}
    monkeypatch.setattr(kernel_step._Shared, "claim_at", lambda self, t: None)
    assert per_t() == {t: 2 for t in range(t0, hi + 1)}  # unshared: the reading's run and the unrolling's


def _at_5(c, both: bool):
    """The claim, its check planted at t = 5 only: both sides + 1 (still an identity there, no longer what the
    finder's term says), or the rhs alone + 1 (lhs ≠ rhs at t = 5). The finder read the plain check (the statement is
    its); the kernel reads the planted one at concrete horizons, as it would a special step the guard missed."""
    f = c.check

    def check(m):
        lhs, rhs = f(m)
        if m.t == 5:
            one = sp.ones(*rhs.shape)
            return (lhs + one if both else lhs), rhs + one
        return lhs, rhs
    return dataclasses.replace(c, check=check)


@pytest.mark.parametrize("name", list(CASES))
def test_a_check_that_differs_from_its_term_at_t_5_only_is_refused_there(make_claim, name):
    c, n = _claim(make_claim, name)
    st, t0, t1 = _statement(c, n, name)
    c = _at_5(c, both=True)
    reading = kernel_step.read_horizons(c, {"n": n}, t0, t1)
    assert reading.complete, reading                       # lhs = rhs at every t ≤ T: the claim's reading agrees
    tok, why, _ = kernel_step.confirm_every_t(c, {"n": n}, st, t0, t1)
    assert tok is None and "unrolling" in why and "t = 5" in why, why
    un = kernel_step.read_terms(c, {"n": n}, st, t0, t1)
    assert un.differs_at == 5, un


@pytest.mark.parametrize("name", ["induction Σ (dh_t/dW_I)", "downward"])
def test_a_check_whose_sides_differ_at_t_5_only_is_refused_there(make_claim, name):
    c, n = _claim(make_claim, name)
    st, t0, t1 = _statement(c, n, name)
    c = _at_5(c, both=False)
    tok, why, reading = kernel_step.confirm_every_t(c, {"n": n}, st, t0, t1)
    assert tok is None and reading.differs_at == 5, (why, reading)
