"""The kernel reads the claim itself at every horizon up to T before a `holds … for every t` (issue 19, finding 1).

The induction's finder reads the check at a symbolic t; a check whose Python does something else at one step k
(a special step 5, a reset, a sum from k = 2, a truncated BPTT) is refused by the guard when it asks Python about
the symbolic index. Where the guard misses the way it is written (a string key, an f-string, repr, the index's
attribute, a type test: refused in a proof file, whose check symderiv.concrete rewrites, but live misses in a
check built in Python outside one, as here; or a hash, a list index, a modulo, a comparison with the guard
planted off), the finder proves a step the check does not take at k = 5. The kernel (kernel/step.py:
:func:`read_horizons`) runs the claim on its own model at every t = t0 … T, T = max(4, the sweep's largest t) + 1,
and refuses the `for every t` at the first t that differs; the engine then certifies the counterexample there.
A special step past T is not seen by the kernel: what catches it is only the guard, and the trusted text
(:data:`READING`) names exactly that (the strict xfail at the end is such a miss today).
"""
from __future__ import annotations

import sys

import pytest
import sympy as sp

from symderiv import cell, diag, elman_rnn, eye, kron, product, total
from symderiv import formal, induction
from symderiv.engine import check_claim
from symderiv.induction import Ix, every_step, step_check
from symderiv.kernel import step as kernel_step
from symderiv.kernel.step import READING, READING_UNREAD, UNIFORM, read_horizon_limit, read_horizons
from symderiv.results import Verdict

def unread(fn):
    """``fn`` with no source for the guard to read (as one built by exec), so it runs as written: the guard's one
    documented miss, and the way a check the guard misses reaches the kernel's reading, which must catch it."""
    import types

    return types.FunctionType(fn.__code__.replace(co_filename="<unread>"), fn.__globals__, fn.__name__,
                              fn.__defaults__, fn.__closure__)


#: ways to tell step 5 apart that the guard misses when it cannot read them (stripped of their source here; written in a proof
#: file or in a test module's helper, each is refused: str(), an f-string, repr(), getattr(), type())
MISSED = {
    "a string key": unread(lambda k: {"5": 2}.get(str(k), 1)),
    "an f-string": unread(lambda k: 2 if f"{k}" == "5" else 1),
    "repr": unread(lambda k: 2 if repr(k) in ("5", "Ix(base=None, off=5)") else 1),
    "the index's attribute": unread(lambda k: 2 if getattr(k, "off", k) == 5 and getattr(k, "base", None) is None
                                    else 1),
    "a type test": unread(lambda k: 2 if type(k) is int and k == 5 else 1),
}

#: ways the guard refuses today; planted off (``guard_missed``) they take the ordinary branch at a symbolic index
PLANTED = {  # unread too: the rewrite's own refusal of `in`, .get and == is the guard planted off here
    "k in {5}": unread(lambda k: 2 if k in {5} else 1),
    "a dict lookup": unread(lambda k: {5: 2}.get(k, 1)),
    "a list indexed by k": unread(lambda k: ([1] * 5 + [2] + [1] * 10)[k]),
    "a modulo": unread(lambda k: 2 if k % 5 == 0 and k < 10 else 1),
    "a comparison": unread(lambda k: 2 if k == 5 else 1),
}

WAYS = {**MISSED, **PLANTED}


@pytest.fixture
def guard_missed(monkeypatch):
    """The guard planted off: a symbolic index hashes, indexes, takes a modulo and compares as an ordinary step."""
    def symbolic(k):
        return isinstance(k, Ix) and k.base is not None

    real_eq, real_hash, real_index = Ix.__eq__, Ix.__hash__, Ix.__index__
    real_mod, real_lt = Ix.__mod__, Ix.__lt__
    monkeypatch.setattr(Ix, "__hash__", lambda k: hash((k.base, k.off)) if symbolic(k) else real_hash(k))
    monkeypatch.setattr(Ix, "__eq__", lambda k, o: False if symbolic(k) and not (isinstance(o, Ix) and o.base == k.base)
                        else real_eq(k, o))
    monkeypatch.setattr(Ix, "__index__", lambda k: 0 if symbolic(k) else real_index(k))
    monkeypatch.setattr(Ix, "__mod__", lambda k, c: 1 if symbolic(k) else real_mod(k, c))
    monkeypatch.setattr(Ix, "__lt__", lambda k, o: True if symbolic(k) and not isinstance(o, Ix) else real_lt(k, o))


def _plant(request, how):
    if how in PLANTED:
        request.getfixturevalue("guard_missed")


# ----- the shapes: a closed form, a downward family, a cell that resets ---------------------------------------------

def dw_i(m, c=lambda k: 1):
    """dh_t/dW_I = Σ_{k=1}^{t} Π_{r=k+1}^{t} W_R diag σ'(h_{r−1}) · c(k) (I ⊗ x_kᵀ) (pal2019, row-major)."""
    A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))  # noqa: E731
    term = lambda k: product(A, k + 1, m.t, order="descending", size=m.n) * kron(eye(m.n), m.x(k).T) * c(k)  # noqa
    return m.d(("h", m.t), "W_I"), total(term, (m.n, m.n * m.m), lo=1, hi=m.t)


def grad_h(m, k):
    return m.d(m.sum_of("E"), ("h", k)).T


def unrolled(special):
    """Goodfellow's ∇_{h_k}L = Σ_{s=k}^{T} (Π_{r=k+1}^{s} diag(1 − h_r²) W)ᵀ Vᵀ ∇_{o_s}L, times special(k)."""
    def check(m):
        def closed(k):
            def term(s):
                chain = product(lambda r: diag(m.h(r).applyfunc(lambda v: 1 - v ** 2)) * m.W, k + 1, s,
                                order="descending", size=m.n)
                return chain.T * m.V.T * m.d(("E", s), ("o", s)).T
            return total(term, (m.n, 1), lo=k, hi=m.t) * special(k)
        return every_step(m, lambda k: (grad_h(m, k), closed(k)))
    return check


SHAPES = {
    # (check, model kwargs, the sweep's t, the size the step is checked at)
    "closed form": (lambda way: (lambda m: dw_i(m, way)), {}, (1, 2, 3)),
    "downward": (unrolled, dict(model=elman_rnn, activation="tanh", loss="abstract"), (2, 3)),
}


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("how", list(WAYS))
def test_a_special_step_the_guard_misses_is_refused_by_the_kernels_own_reading(request, make_claim, shape, how):
    _plant(request, how)
    way = WAYS[how]
    assert [way(k) for k in (4, 5, 6)] == [1, 2, 1]
    make, kw, ts = SHAPES[shape]
    c = make_claim(make(way), n=(1, 2), t=ts, **kw)
    st = step_check(c, {"n": 2}, ts[0], ts[-1])
    assert st.proved, st.reason                       # the finder is fooled: the guard missed the special step
    assert kernel_step.confirm_step(c, {"n": 2}, st.statement)[0] is not None  # and its step alone checks out
    reading = read_horizons(c, {"n": 2}, ts[0], ts[-1])
    assert reading.t_hi == 5 and reading.differs_at == 5, reading
    tok, why, again = kernel_step.confirm_every_t(c, {"n": 2}, st.statement, ts[0], ts[-1])
    assert tok is None and again.differs_at == 5, why
    r = check_claim(c)
    assert not r.every_t and r.verdict == Verdict.FAILS, r.scope
    assert r.counterexample is not None and r.counterexample.size["t"] == 5


def resetting(special):
    @cell("resets at step 5", params={"W": ("n", "n")})
    def step(q, prev, x, p, f, k):
        q.h = p.W * f.sigma(prev.h * (2 - special(k)))   # h_5 = W σ(0): it forgets h_4
    return step


def jacobian_product(m):
    return m.d(("h", m.t), ("h", 0)), product(lambda k: m.W * diag(m.dsigma(m.h(k - 1))), 1, m.t,
                                               order="descending", size=m.n)


@pytest.mark.parametrize("how", list(WAYS))
def test_a_cell_that_resets_at_step_5_is_refused_by_the_kernel_when_both_finder_guards_miss(request, monkeypatch,
                                                                                            make_claim, how):
    """A cell that reads k is never induced on, and each step is compared with the unrolled model up to three past
    the sweep: both planted off, the kernel's reading still refuses it (t = 5 is within T)."""
    _plant(request, how)
    c = make_claim(jacobian_product, model=resetting(WAYS[how]), n=(1, 2), t=(1, 2))
    real = type(c.model).extras

    def extras(self):  # planted: step_check's guard does not see that the step reads k (the cell still gets it)
        caller = sys._getframe(1)  # (a list comprehension's frame, then step_check's)
        return () if "step_check" in (caller.f_code.co_name, caller.f_back.f_code.co_name) else real(self)

    monkeypatch.setattr(type(c.model), "extras", extras)
    monkeypatch.setattr(induction, "_step_breaks", lambda *a, **k: None)
    st = step_check(c, {"n": 2}, 1, 2)
    assert st.proved, st.reason
    reading = read_horizons(c, {"n": 2}, 1, 2)
    assert reading.differs_at == 5, reading
    r = check_claim(c)
    assert not r.every_t and r.verdict == Verdict.FAILS, r.scope
    assert r.counterexample is not None and r.counterexample.size["t"] == 5


# ----- what finding 8 found: a sum from k = 2, a truncated BPTT ------------------------------------------------------

def truncated(m):
    """Truncated BPTT, two terms: I ⊗ x_tᵀ + W_R diag σ'(h_{t−1}) (I ⊗ x_{t−1}ᵀ); right at t ≤ 2 only."""
    t = m.t
    blk = lambda k: kron(eye(m.n), m.x(k).T)  # noqa: E731
    return m.d(("h", t), "W_I"), blk(t) + m.W_R * diag(m.dsigma(m.h(t - 1))) * blk(t - 1)


def from_k2(m):
    """Σ_{k=2}^{t} … + I ⊗ x_1ᵀ: the k = 1 term without its product, right at t = 1 only."""
    blk = lambda k: kron(eye(m.n), m.x(k).T)  # noqa: E731
    A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))  # noqa: E731
    term = lambda k: product(A, k + 1, m.t, order="descending", size=m.n) * blk(k)  # noqa: E731
    return m.d(("h", m.t), "W_I"), total(term, (m.n, m.n * m.m), lo=2, hi=m.t) + blk(1)


@pytest.mark.parametrize("check, t0, breaks", [(truncated, 2, 3), (from_k2, 1, 2)])
def test_the_kernels_reading_finds_where_a_closed_form_right_only_at_the_sweep_breaks(make_claim, check, t0, breaks):
    c = make_claim(check, n=(1, 2), t=(t0,))
    reading = read_horizons(c, {"n": 2}, t0, t0)
    assert reading.differs_at == breaks and not reading.complete, reading
    assert reading.checked == tuple(range(t0, breaks)) and reading.t_hi == 5


# ----- a true claim: read at every t ≤ T, and the trusted text says only what is left -------------------------------

def test_a_true_closed_form_is_read_by_the_kernel_at_every_t_up_to_T_and_trusts_only_the_horizons_past_it(
        make_claim):
    c = make_claim(dw_i, n=(1, 2), t=(1, 2, 3))
    reading = read_horizons(c, {"n": 2}, 1, 3)
    assert reading.complete and reading.checked == (1, 2, 3, 4, 5) and reading.degree is not None, reading
    assert read_horizon_limit(3) == 5 and read_horizon_limit(7) == 8
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t, r.scope
    # the kernel also peeled the finder's term and unrolled it at every t ≤ T (kernel/peel.py): only uniformity left
    assert UNIFORM in r.beyond_sizes_trusts and READING_UNREAD not in r.beyond_sizes_trusts, r.beyond_sizes_trusts
    assert UNIFORM in r.trusted and READING not in r.trusted


def test_the_sweeps_own_kernel_tokens_cover_their_horizons_and_no_other_claims_do(make_claim):
    """The horizons of the sweep that the kernel confirmed (its genuine tokens, nothing trusted) are not read again;
    a token of another claim, or at another n, covers nothing."""
    from symderiv.kernel import confirm_identity

    c = make_claim(dw_i, n=(1, 2), t=(1, 2, 3))
    other = make_claim(dw_i, n=(1, 2), t=(1, 2, 3), id="test.other")
    mine = [confirm_identity(c, {"n": 2, "t": t})[0] for t in (1, 2)]
    theirs = [confirm_identity(other, {"n": 2, "t": 3})[0], confirm_identity(c, {"n": 1, "t": 3})[0]]
    reading = read_horizons(c, {"n": 2}, 1, 3, tokens=mine + theirs)
    assert reading.by_tokens == (1, 2) and reading.checked == (3, 4, 5) and reading.complete, reading


def test_a_step_confirmed_without_a_reading_trusts_the_whole_reading(make_claim):
    """confirm_step alone (the every-n lift's comparison of J and P) reads no horizon: its token says so."""
    c = make_claim(dw_i, n=(2,), t=(1,))
    st = step_check(c, {"n": 2}, 1)
    tok, _ = kernel_step.confirm_step(c, {"n": 2}, st.statement)
    assert tok is not None and READING_UNREAD in tok.trusts and READING not in tok.trusts
    tok, _, reading = kernel_step.confirm_every_t(c, {"n": 2}, st.statement, 1, 1)
    assert tok is not None and reading.complete and UNIFORM in tok.trusts and READING_UNREAD not in tok.trusts


# ----- past T: what the kernel cannot see --------------------------------------------------------------------------

def at_step(j):
    return lambda k: {str(j): 2}.get(str(k), 1)


def unread_at_step(j):
    return unread(at_step(j))


def test_a_special_step_past_T_is_not_seen_by_the_kernel_and_the_verdict_names_what_it_rests_on(make_claim):
    """Step 50, written so the guard misses it: the kernel reads t ≤ 5 and finds nothing; the `for every t` then
    rests on the guard alone, and the trusted text says exactly that (past t = T, the check's Python the same)."""
    c = make_claim(lambda m: dw_i(m, unread_at_step(50)), n=(1, 2), t=(1, 2, 3))
    reading = read_horizons(c, {"n": 2}, 1, 3)
    assert reading.complete and reading.t_hi == 5
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS, r.scope          # true at every size of the sweep (t ≤ 3)
    assert not r.every_t or UNIFORM in r.trusted, r.trusted
    assert READING.startswith("past t = max(4, the sweep's largest t) + 1")
    assert UNIFORM.startswith("past t = max(4, the sweep's largest t) + 1")


HELPERS = {  # a test module's helpers, called by a check made here: rewritten when the guard first sees the call
    "a string key": at_step,
    "an f-string": lambda j: (lambda k: 2 if f"{k}" == str(j) else 1),
    "repr": lambda j: (lambda k: 2 if repr(k) == str(j) else 1),
    "a type test": lambda j: (lambda k: 2 if type(k) is int and k == j else 1),
}


@pytest.mark.parametrize("how", list(HELPERS))
def test_a_special_step_past_T_in_a_test_modules_helper_is_refused(make_claim, how):
    """Was a strict xfail: outside a proof file only the check itself was rewritten, so str(k) in a helper it
    calls was missed and a special step past the kernel's reading (T = 5) was proved for every t. A helper of
    user code is now rewritten when the guard first sees it called: refused at the symbolic index (naming this
    file's line), so not induced on; the claim holds at the sweep's sizes, where it is true."""
    r = check_claim(make_claim(lambda m: dw_i(m, HELPERS[how](50)), n=(1, 2), t=(1, 2, 3)))
    assert r.verdict == Verdict.HOLDS and not r.every_t, (r.verdict, r.scope)
    assert "test_kernel_reading.py:" in r.scope, r.scope


PROOF_FILE = '''
from symderiv import claim, diag, eye, kron, pal2019_rnn, product, sweep, total


def dw_i(m, c):
    A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
    term = lambda k: product(A, k + 1, m.t, order="descending", size=m.n) * kron(eye(m.n), m.x(k).T) * c(k)
    return m.d(("h", m.t), "W_I"), total(term, (m.n, m.n * m.m), lo=1, hi=m.t)


@claim("reading.special", where="test", statement="test", model=pal2019_rnn, conventions={{"layout": "row-major"}},
       sizes=sweep(n=(1, 2), t=(1, 2, 3)))
def special(m):
    return dw_i(m, lambda k: {way})
'''

IN_A_PROOF_FILE = {  # the MISSED ways at step j, as a proof file writes them
    "a string key": '{{"{j}": 2}}.get(str(k), 1)',
    "an f-string": '2 if f"{{k}}" == "{j}" else 1',
    "repr": '2 if repr(k) == "{j}" else 1',
    "the index's attribute": '2 if getattr(k, "off", k) == {j} and getattr(k, "base", None) is None else 1',
    "a type test": "2 if type(k) is int and k == {j} else 1",
}


@pytest.mark.parametrize("how", list(IN_A_PROOF_FILE))
@pytest.mark.parametrize("j", [5, 50])
def test_in_a_proof_file_a_special_step_past_T_is_refused_by_the_rewritten_check(tmp_path, how, j):
    """Past T the kernel sees nothing; in a proof file the guard that stands there is symderiv.concrete's rewriting
    of the check (str(), an f-string, repr(), getattr(), type() of a claim value refused): no `for every t`, at
    step 5 or step 50 alike."""
    from symderiv.claims import collect

    path = tmp_path / f"reading_{abs(hash((how, j)))}.py"
    path.write_text(PROOF_FILE.format(way=IN_A_PROOF_FILE[how].format(j=j)))
    c = {c.id: c for c in collect([path]).claims()}["reading.special"]
    r = check_claim(c)
    assert not r.every_t and r.verdict == Verdict.HOLDS, r.scope     # true at the sweep's sizes (t ≤ 3)
