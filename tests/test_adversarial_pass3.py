"""Adversarial pass 3 (adv3): the new paths to `holds` (every n downward, the kernel's SMT and SOS acceptance of a
relational step, the kernel's re-check of an induction's step, the notation's shared products).

A real finding is a strict xfail whose reason names the module; an attack that is defeated is a passing test (it
guards the class). Claims that must go through the proof-file guard (symderiv/concrete.py rewrites only proof files
and the helpers beside them) are written to a temporary proof file and collected, as `symderiv check` would.
"""
import itertools
import textwrap
from types import SimpleNamespace

import pytest
import sympy as sp

from symderiv import norm2, rel, rho, scalars
from symderiv.claims import Claim, collect
from symderiv.engine import check_claim
from symderiv.results import Verdict
from symderiv.sizes import no_sizes

_COUNTER = itertools.count()


def _proof_file(tmp_path, body: str) -> dict:
    """The claims of a proof file with ``body`` (compiled through the guard, as `symderiv check` would)."""
    path = tmp_path / f"adv3_case_{next(_COUNTER)}.py"
    path.write_text(textwrap.dedent(body))
    return {c.id: c for c in collect([path]).claims()}


# ----- 1. telling the symbolic step index apart without being refused --------------------------------------------
#
# X_t = dh_t/dh_0 for h_t = tanh(W h_{t−1}) is Π_{k=1}^{t} D_k W. The claim's right side is that product where a
# Python test on the horizon says "t is 1" and twice it elsewhere: true at t = 1, false at t = 2 (certified below).
# With the sweep at t = 1 only, the concrete sizes read the true branch and the induction at a symbolic t reads the
# other one (2Π satisfies the same recursion C_t = J_t C_{t−1}), so the base and the step both pass on two different
# claims. A test the guard refuses costs the claim its "every t"; one it does not see gives a wrong one.

UP = """
import operator
from symderiv import avram2025_rnn, claim, diag, product, sweep

ONE = 1


def D(m, k):
    return diag(m.f.dtanh(m.at("z", k)))


@claim("adv3.tell", where="t", model=avram2025_rnn, activation="tanh", sizes=sweep(n=(1,), t={ts}),
       statement="Π_k D_k W where the test says t = 1, 2 Π_k D_k W elsewhere: false at t = 2")
def tell(m):
    P = product(lambda k: D(m, k) * m.W, 1, m.t, order="descending", size=m.n)
    t = m.t
    return m.d(("h", m.t), ("h", 0)), (P if ({cond}) else 2 * P)
"""

#: tests on the value of t (or, with `or m.t < 3`, on its type: a number at the sizes, an index at a symbolic t) that
#: the guard does not refuse, each a different Python route to the answer: (test, the sweep it holds on, the first
#: t where it is false)
UNSEEN = {
    "'%s' % (t,)": ("'%s' % (t,) == '1'", "(1,)", 2),
    "'{}'.format(t)": ("'{}'.format(t) == '1'", "(1,)", 2),
    "''.join(['%s' % t])": ("''.join(['%s' % t]) == '1'", "(1,)", 2),
    "t is ONE": ("t is ONE", "(1,)", 2),
    "int.__eq__(1, t)": ("int.__eq__(1, t) is True", "(1,)", 2),
    "t.__class__": ("t.__class__ is not int or m.t < 3", "(1, 2)", 3),
    "t.__class__.__name__": ("t.__class__.__name__ != 'int' or m.t < 3", "(1, 2)", 3),
    "dir(t)": ("'off' in dir(t) or m.t < 3", "(1, 2)", 3),
    "callable(…)": ("not callable(t.__class__.__dict__.get('bit_length')) or m.t < 3", "(1, 2)", 3),
}
#: tests the guard refuses (or that read the same at every t): the induction is not claimed
REFUSED = {
    "str(t)": "str(t) == '1'",
    "f-string": "f'{t}' == '1'",
    "format(t)": "format(t) == '1'",
    "repr(t)": "repr(t) == '1'",
    "t.__str__()": "t.__str__() == '1'",
    "(t,) == (1,)": "(t,) == (1,)",
    "[1].count(t)": "[1].count(t) == 1",
    "t.__eq__(1)": "t.__eq__(1) is True",
    "hash(t)": "hash(t) == hash(1)",
    "max(t, 1)": "max(t, 1) == 1",
    "t in {1: 0}": "t in {1: 0}",
    "-t == -1": "-t == -1",
    "operator.is_(t, 1)": "operator.is_(t, 1)",
}


@pytest.mark.parametrize("cond", list(UNSEEN))
def test_each_telling_claim_fails_certified_past_its_sweep(tmp_path, cond):
    test, ts, t_false = UNSEEN[cond]
    c = _proof_file(tmp_path, UP.format(ts=ts[:-1].rstrip(",") + f", {t_false})", cond=test))["adv3.tell"]
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and r.counterexample.size["t"] == t_false


@pytest.mark.parametrize("cond", list(UNSEEN))
def test_a_test_on_the_horizon_the_guard_does_not_see_gives_no_every_t(tmp_path, cond):
    test, ts, _ = UNSEEN[cond]
    c = _proof_file(tmp_path, UP.format(ts=ts, cond=test))["adv3.tell"]
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS   # on its sweep it is true
    assert not r.every_t and not r.every_n, r.scope


@pytest.mark.parametrize("cond", list(REFUSED))
def test_a_test_on_the_horizon_the_guard_refuses_gives_no_every_t(tmp_path, cond):
    c = _proof_file(tmp_path, UP.format(ts="(1,)", cond=REFUSED[cond]))["adv3.tell"]
    r = check_claim(c)
    assert not r.every_t and not r.every_n, r.scope


# the same in a downward claim (every_step): the unrolled ∇_{h_k}L at k = T − 1 (where the test says k + 1 = T),
# and below it the unrolled form with the s = T term counted twice, which satisfies the same backward recursion

DOWN = """
from symderiv import claim, diag, elman_rnn, every_step, product, sweep, total


def grad_h(m, k):
    return m.d(m.sum_of("E"), ("h", k)).T


def grad_o(m, k):
    return m.d(("E", k), ("o", k)).T


def dtanh(m, k):
    return diag(m.h(k).applyfunc(lambda v: 1 - v ** 2))


def chain(m, k, s):
    return product(lambda r: dtanh(m, r) * m.W, k + 1, s, order="descending", size=m.n)


def unrolled(m, k):
    return total(lambda s: chain(m, k, s).T * m.V.T * grad_o(m, s), (m.n, 1), lo=k, hi=m.t)


def twice(m, k):
    return unrolled(m, k) + chain(m, k, m.t).T * m.V.T * grad_o(m, m.t)


@claim("adv3.down", where="t", model=elman_rnn, activation="tanh", loss="abstract", sizes=sweep(n=(1, 2), t={ts}),
       statement="the unrolled ∇_{{h_k}}L where the test says k = T − 1, the s = T term twice below: false at T = 3")
def down(m):
    return every_step(m, lambda k: (grad_h(m, k), unrolled(m, k) if ({cond}) else twice(m, k)), lo=1, hi=m.t - 1)
"""
DOWN_UNSEEN = {"'%s' % (k + 1,)": "'%s' % (k + 1,) == '%s' % (m.t,)",
               "'{}'.format(k + 1)": "'{}'.format(k + 1) == '{}'.format(m.t)"}


@pytest.mark.parametrize("cond", list(DOWN_UNSEEN))
def test_each_telling_downward_claim_is_false_at_T_3_certified(tmp_path, cond):
    c = _proof_file(tmp_path, DOWN.format(ts="(2, 3)", cond=DOWN_UNSEEN[cond]))["adv3.down"]
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and r.counterexample.size["t"] == 3


@pytest.mark.parametrize("cond", list(DOWN_UNSEEN))
def test_a_downward_test_on_the_step_index_the_guard_does_not_see_gives_no_every_T(tmp_path, cond):
    c = _proof_file(tmp_path, DOWN.format(ts="(2,)", cond=DOWN_UNSEEN[cond]))["adv3.down"]
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS
    assert not r.every_t and not r.every_n, r.scope


def test_a_downward_test_the_guard_refuses_gives_no_every_T(tmp_path):
    c = _proof_file(tmp_path, DOWN.format(ts="(2,)", cond="str(k + 1) == str(m.t)"))["adv3.down"]
    r = check_claim(c)
    assert not r.every_t and not r.every_n, r.scope


# ----- 2. the kernel's acceptance of a relational step (kernel/goal.py accept_step, kernel/smt.py) -----------------

def _inequality(check, given, cid="adv3.step"):
    return Claim(id=cid, where="test", statement="test", check=check, kind="inequality", given=given,
                 sizes=no_sizes(), prove=True, budget=20)


def _forged_sos():
    """An SOS 'proof' of 0 ≤ 1 (a valid certificate of 1 ≥ 0), unrelated to any step."""
    from symderiv.kernel.sos import Certificate

    one = Certificate(goal=sp.Integer(1), kind=">=", products=((sp.Integer(1), sp.Integer(1), ()),))
    return SimpleNamespace(small=sp.Integer(0), big=sp.Integer(1), certs=[one], squared=False)


_X = dict(x=scalars(lo=-1, hi=1))
#: false steps the kernel reads itself (negations: a strict and a '≠' step; ρ of a 1×1, ‖diag‖₂ by its own theorem)
FORGED_ACCEPTED = {
    "x < x²": lambda x: rel(x, "<", x ** 2),
    "x² > 0": lambda x: rel(x ** 2, ">", 0),
    "x² ≠ x": lambda x: rel(x ** 2, "!=", x),
    "ρ([[x]]) ≤ x − 1": lambda x: rel(rho(sp.Matrix([[x]])), "<=", x - 1),
    "‖diag(x, x)‖₂ ≤ x − 1": lambda x: rel(norm2(sp.diag(x, x)), "<=", x - 1),
}


@pytest.mark.parametrize("case", list(FORGED_ACCEPTED))
def test_a_certificate_of_an_unrelated_goal_proves_no_step(case):
    """Strict and '≠' steps go to the solvers on the kernel's own sentence; a structurally read step whose own
    sentence the solvers find false (sat) is refused before the prover's goal is consulted. (Registered by the
    prove phase, as in every run; without solvers the structural fallback still trusts the prover's goal, and its
    token says so.)"""
    import symderiv.prove.solvers  # noqa: F401 (registers the kernel's oracle)
    from symderiv import kernel

    token, why = kernel.accept_step(_inequality(FORGED_ACCEPTED[case], _X), {}, "claim", [("sos", _forged_sos())], {})
    assert token is None, why


def test_a_certificate_of_an_unrelated_goal_is_refused_for_a_plain_step():
    from symderiv import kernel

    token, why = kernel.accept_step(_inequality(lambda x: rel(x, "<=", x - 1), _X), {}, "claim",
                                    [("sos", _forged_sos())], {})
    assert token is None, why


def test_a_strict_step_read_as_non_strict_by_the_prover_is_not_a_holds(monkeypatch):
    from symderiv import engine
    from symderiv.prove import sos as prover_sos

    original = prover_sos._sides

    def non_strict(goal):
        got = original(goal)
        return None if got is None else (got[0], got[1], False)

    monkeypatch.setattr(prover_sos, "_sides", non_strict)
    monkeypatch.setattr(engine, "check_relations_at",   # the search finds nothing: only the prover decides
                        lambda claim, size, **kw: {"claim": (Verdict.UNDECIDED, "a blind search", None)})
    r = check_claim(_inequality(lambda x: rel(x ** 2, ">", 0), _X, "adv3.strict-planted"))
    assert r.verdict != Verdict.HOLDS, r.scope


def test_without_the_planted_bug_the_strict_claim_fails_certified():
    r = check_claim(_inequality(lambda x: rel(x ** 2, ">", 0), _X, "adv3.strict"))
    assert r.verdict == Verdict.FAILS and r.counterexample is not None


#: false steps the kernel's own SMT sentence must not refute (the real z3 and cvc5 answer on its text)
SMT_FALSE = {
    "x ≤ 1 − 10⁻⁴⁰ on [0, 1]": (lambda x: rel(x, "<=", 1 - sp.Rational(1, 10 ** 40)), dict(x=scalars(lo=0, hi=1))),
    "10⁴⁰ x ≤ 10⁴⁰ − 1 on [0, 1]": (lambda x: rel(10 ** 40 * x, "<=", 10 ** 40 - 1), dict(x=scalars(lo=0, hi=1))),
    "x < 1 on [0, 1]": (lambda x: rel(x, "<", 1), dict(x=scalars(lo=0, hi=1))),
    "3x ≠ 1": (lambda x: rel(3 * x, "!=", 1), _X),
    "x/(x − 2) ≤ 0 on [−1, 1]": (lambda x: rel(x / (x - 2), "<=", 0), _X),
    "1/(x² + 1/3) ≤ 2": (lambda x: rel(1 / (x ** 2 + sp.Rational(1, 3)), "<=", 2), _X),
    "max(x, y) − min(x, y) < |x − y|": (lambda x, y: rel(sp.Max(x, y) - sp.Min(x, y), "<", sp.Abs(x - y)),
                                        dict(x=scalars(lo=-1, hi=1), y=scalars(lo=-1, hi=1))),
    "√x ≤ x + 1/5 on [0, 1]": (lambda x: rel(sp.sqrt(x), "<=", x + sp.Rational(1, 5)), dict(x=scalars(lo=0, hi=1))),
    "|x| ≤ x given x ≠ 0": (lambda x: (__import__("symderiv").assume(rel(x, "!=", 0)), rel(sp.Abs(x), "<=", x))[1],
                            _X),
    "x ≤ y given x ≤ y + 10⁻³⁰": (
        lambda x, y: (__import__("symderiv").assume(rel(x, "<=", y + sp.Rational(1, 10 ** 30))), rel(x, "<=", y))[1],
        dict(x=scalars(lo=-1, hi=1), y=scalars(lo=-1, hi=1))),
    "k0 ≤ k1 (names like the kernel's)": (lambda k0, k1: rel(k0, "<=", k1),
                                          dict(k0=scalars(lo=-1, hi=1), k1=scalars(lo=-1, hi=1))),
}


@pytest.mark.parametrize("case", list(SMT_FALSE))
def test_the_kernels_own_sentence_is_not_refuted_for_a_false_step(case):
    """Forged evidence ('both unsat') for a false step: the kernel writes its own sentence and the real solvers do
    not both refute it: no token (large rationals, strict, '≠', quotients, max/min/|x|/√, hypotheses, names)."""
    from symderiv import kernel
    from symderiv.kernel import smt
    from symderiv.kernel.goal import Statement
    from symderiv.prove import solvers  # noqa: F401  (registers the oracle)

    check, given = SMT_FALSE[case]
    claim = _inequality(check, given)
    halves = len(Statement(claim, {}).negations("claim"))
    token, why = kernel.accept_step(claim, {}, "claim", [("solvers", "z3: unsat; cvc5: unsat", 5.0)] * halves, None,
                                    ask=smt.oracle())
    assert token is None, why


def test_a_root_of_a_negative_value_has_no_value_on_every_path(tmp_path):
    """√x·√y ≥ 0 on [−1, 1]²: holds only where x, y ≥ 0 and the scope says so; at x = y = −1 (where i·i = −1 would be
    a real value) the engine refuses the point (no real value), so no path reads it as a counterexample."""
    claims = _proof_file(tmp_path, """
        import sympy as sp
        from symderiv import claim, no_sizes, scalars, steps

        @claim("adv3.roots", kind="inequality", where="t", given=dict(x=scalars(lo=-1, hi=1), y=scalars(lo=-1, hi=1)),
               sizes=no_sizes(), prove=True, statement="√x √y ≥ 0")
        def roots(x, y):
            return steps(0, "<=", sp.sqrt(x) * sp.sqrt(y), labels=("s",))

        @claim("adv3.roots-neg", kind="inequality", where="t",
               given=dict(x=scalars(lo=-1, hi=-1), y=scalars(lo=-1, hi=-1)), sizes=no_sizes(), prove=True,
               statement="√x √y ≥ 0 at x = y = −1")
        def roots_neg(x, y):
            return steps(0, "<=", sp.sqrt(x) * sp.sqrt(y), labels=("s",))
    """)
    r = check_claim(claims["adv3.roots"])
    assert r.verdict == Verdict.HOLDS and "x ≥ 0" in r.scope and "y ≥ 0" in r.scope
    neg = check_claim(claims["adv3.roots-neg"])
    assert neg.verdict == Verdict.ERROR and neg.counterexample is None


# ----- 3. the kernel's re-check of an induction's step (kernel/step.py) ----------------------------------------------

STEP = """
from symderiv import avram2025_rnn, claim, diag, product, sweep, zeros


def D(m, k):
    return diag(m.f.dtanh(m.at("z", k)))


def P(m, lo, hi):
    return product(lambda k: D(m, k) * m.W, lo, hi, order="descending", size=m.n)


@claim("adv3.circular", where="t", model=avram2025_rnn, activation="tanh", sizes=sweep(n=(1, 2), t=(1, 2, 3)),
       statement="X_t = 2 X_t − Π D_k W (the truth on both sides)")
def circular(m):
    X = m.d(("h", m.t), ("h", 0))
    return X, 2 * X - P(m, 1, m.t)


@claim("adv3.t-2", where="t", model=avram2025_rnn, activation="tanh", sizes=sweep(n=(1,), t=(2, 3, 4)),
       statement="X_t = W D_t D_{t−1} W X_{t−2}: true at n = 1 only")
def t_minus_2(m):
    return m.d(("h", m.t), ("h", 0)), m.W * D(m, m.t) * D(m, m.t - 1) * m.W * m.d(("h", m.t - 2), ("h", 0))


@claim("adv3.wrt-h1-products", where="t", model=avram2025_rnn, activation="tanh", sizes=sweep(n=(1,), t=(1, 2, 3)),
       statement="dh_t/dh_1 · D_1 W = dh_t/dh_0 (true, two truths)")
def two_truths(m):
    return m.d(("h", m.t), ("h", 1)) * (D(m, 1) * m.W), m.d(("h", m.t), ("h", 0))


@claim("adv3.wrt-t-2", where="t", model=avram2025_rnn, activation="tanh", sizes=sweep(n=(1,), t=(2, 3)),
       statement="dh_t/dh_{t−2} = W D_t D_{t−1} W (wrt a state at a moving step; true at n = 1 only)")
def wrt_moving(m):
    return m.d(("h", m.t), ("h", m.t - 2)), m.W * D(m, m.t) * D(m, m.t - 1) * m.W


@claim("adv3.wrt-h2-zero", where="t", model=avram2025_rnn, activation="tanh", sizes=sweep(n=(1, 2), t=(1,)),
       statement="dh_t/dh_2 = 0 (h_2 is past the horizon at t = 1)")
def past(m):
    return m.d(("h", m.t), ("h", 2)), zeros(m.n, m.n)
"""


def test_closed_forms_that_use_the_truth_unusually_are_not_claimed_for_every_t_when_unproved(tmp_path):
    claims = _proof_file(tmp_path, STEP)
    circ = check_claim(claims["adv3.circular"])          # true, but the step is not an identity: not claimed
    assert circ.verdict == Verdict.HOLDS and not circ.every_t
    t2 = check_claim(claims["adv3.t-2"])                 # the truth at t − 2 is not the hypothesis
    assert t2.verdict == Verdict.HOLDS and not t2.every_t and not t2.every_n
    assert check_claim(claims["adv3.wrt-h2-zero"]).verdict == Verdict.ERROR   # a state past the horizon
    moving = check_claim(claims["adv3.wrt-t-2"])
    assert moving.verdict == Verdict.HOLDS and not moving.every_t and not moving.every_n
    two = check_claim(claims["adv3.wrt-h1-products"])
    assert not two.every_n


# ----- 4. the notation's shared products (notation._shared_product) -----------------------------------------------

SHARED = """
from symderiv import avram2025_rnn, claim, diag, product, sweep, total, zeros


def D(m, k):
    return diag(m.f.dtanh(m.at("z", k)))


def mutate_{name}(A):
    {mutation}
    return A


@claim("adv3.alias", where="t", model=avram2025_rnn, activation="tanh", sizes=sweep(n=(1, 2), t=(2, 3)),
       statement="Σ_{{k=1}}^{{t−1}} (A_k′ − B_k) = 0, A_k and B_k the one product Π_{{r=k+1}}^{{t}} D_r W, A_k′ "
                 "A_k changed in place: false (each term is the change)")
def alias(m):
    F = lambda r: D(m, r) * m.W

    def term(k):
        A = product(F, k + 1, m.t, order="descending", size=m.n)
        B = product(F, k + 1, m.t, order="descending", size=m.n)
        return mutate_{name}(A) - B
    return total(term, (m.n, m.n), lo=1, hi=m.t - 1), zeros(m.n, m.n)


@claim("adv3.alias-alone", where="t", model=avram2025_rnn, activation="tanh", sizes=sweep(n=(1, 2), t=(2, 3)),
       statement="the same product twice outside a total, one changed in place: A′ − B = 0 is false")
def alias_alone(m):
    F = lambda r: D(m, r) * m.W
    A = product(F, 2, m.t, order="descending", size=m.n)
    B = product(F, 2, m.t, order="descending", size=m.n)
    return mutate_{name}(A) - B, zeros(m.n, m.n)
"""
MUTATIONS = {"setitem": "A[0, 0] = A[0, 0] + 1",
             "row_op": "A.row_op(0, lambda v, j: v + 1)",
             "fill": "A.fill(7)"}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_a_product_changed_in_place_outside_a_total_fails(tmp_path, name):
    c = _proof_file(tmp_path, SHARED.format(name=name, mutation=MUTATIONS[name]))["adv3.alias-alone"]
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS and r.counterexample is not None


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_a_product_changed_in_place_inside_a_total_is_not_shared(tmp_path, name):
    c = _proof_file(tmp_path, SHARED.format(name=name, mutation=MUTATIONS[name]))["adv3.alias"]
    r = check_claim(c)
    assert r.verdict != Verdict.HOLDS, r.scope


def test_products_of_two_factor_functions_or_orders_in_one_total_do_not_share():
    """Within one total: the same code as two function objects, one function in both orders, and one function at
    two sizes give the values of the products taken one by one (never one memo entry for two of them)."""
    from symderiv.notation import product, total

    W = sp.Matrix([[1, 2], [3, 4]])
    Ds = {r: sp.diag(r, r + 1) for r in range(1, 6)}
    f = [lambda r: Ds[r] * W for _ in range(2)]          # one code, two objects
    g = lambda r: W * Ds[r]                               # noqa: E731

    def one_by_one(fn, lo, hi, order):
        out = sp.eye(2)
        for r in (range(hi, lo - 1, -1) if order == "descending" else range(lo, hi + 1)):
            out = out * fn(r)
        return out

    def term(k):
        return (product(f[0], k + 1, 5, order="descending", size=2) + 2 * product(f[1], k + 1, 5, order="ascending",
                                                                                   size=2)
                + 3 * product(g, k + 1, 5, order="descending", size=2) + 5 * product(g, k + 1, 5, order="ascending",
                                                                                     size=2))

    want = sp.zeros(2, 2)
    for k in range(1, 5):
        want += (one_by_one(f[0], k + 1, 5, "descending") + 2 * one_by_one(f[1], k + 1, 5, "ascending")
                 + 3 * one_by_one(g, k + 1, 5, "descending") + 5 * one_by_one(g, k + 1, 5, "ascending"))
    assert total(term, (2, 2), lo=1, hi=4) == want


# ----- 1b. the same class in the free-variable every-n lift (every_n.lift) ----------------------------------------
#
# aᵀb = aᵀb + (a₄ when n ≥ 4): true at n ≤ 3, false at n = 4. The trace (symbolic size) reads the first branch,
# the concrete sizes (and the lift's cheap size n = 3) the second; the probe at n = 2 cannot tell them apart.

FREE = """
from symderiv import claim, matrix, sweep, tr, vector


@claim("adv3.free", where="t", statement="aᵀb = aᵀb + a₄ (a₄ only at n ≥ 4): false at n = 4",
       variables=dict(a=vector("n"), b=vector("n")), sizes=sweep(n=(1, 2)))
def free(v):
    lhs = (v.a.T * v.b)[0, 0]
    return lhs, (lhs if ({cond}) else lhs + (v.a[3, 0] if v.a.rows > 3 else 0))


@claim("adv3.cayley-hamilton", where="t", statement="A² = tr(A) A − det(A) I where the test says a number",
       variables=dict(A=matrix("n")), sizes=sweep(n=(2,)))
def ch(v):
    import sympy as sp
    return v.A * v.A, (v.A * v.A if ({cond}) else tr(v.A) * v.A - v.A.det() * sp.eye(v.A.rows))
"""
FREE_UNSEEN = {"'%s' % (v.a.rows,)": "'%s' % (v.a.rows,) == 'n'",
               "'{}'.format(v.a.rows)": "'{}'.format(v.a.rows) == 'n'"}


def _false_at_4(c) -> bool:
    lhs, rhs = c.sides({"n": 4})
    return sp.expand(sp.Matrix(lhs)[0, 0] - sp.Matrix(rhs)[0, 0]) != 0


@pytest.mark.parametrize("cond", list(FREE_UNSEEN))
def test_a_test_on_a_symbolic_size_the_guard_does_not_see_gives_no_every_n(tmp_path, cond):
    c = _proof_file(tmp_path, FREE.format(cond=FREE_UNSEEN[cond]))["adv3.free"]
    assert _false_at_4(c)
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS
    assert not r.every_n, r.scope


def test_a_test_on_a_symbolic_size_the_guard_refuses_gives_no_every_n(tmp_path):
    c = _proof_file(tmp_path, FREE.format(cond="str(v.a.rows) == 'n'"))["adv3.free"]
    assert _false_at_4(c)
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and not r.every_n, r.scope


@pytest.mark.parametrize("cond", list(FREE_UNSEEN))
def test_a_size_trick_true_only_at_the_swept_n_is_caught_at_the_cheap_size(tmp_path, cond):
    """Cayley–Hamilton at n = 2 behind the same test: the lift's cheap size (n = 3) runs the concrete check."""
    c = _proof_file(tmp_path, FREE.format(cond=FREE_UNSEEN[cond].replace("v.a.rows", "v.A.rows")))
    r = check_claim(c["adv3.cayley-hamilton"])
    assert r.verdict == Verdict.HOLDS and not r.every_n, r.scope


# ----- 1c. downward traps of the kinds the brief names (each true at n = 1 only, or refused) ------------------------

DOWN_TRAPS = """
from symderiv import claim, diag, elman_rnn, every_step, sweep

N1 = sweep(n=(1,), t=(2, 3))


def grad_h(m, k):
    return m.d(m.sum_of("E"), ("h", k)).T


def grad_o(m, k):
    return m.d(("E", k), ("o", k)).T


def dtanh(m, k):
    return diag(m.h(k).applyfunc(lambda v: 1 - v ** 2))


def dlogistic(m, k):
    return diag(m.h(k).applyfunc(lambda v: v * (1 - v)))


@claim("V-for-VT", where="t", model=elman_rnn, activation="tanh", loss="abstract", sizes=N1, statement="V for Vᵀ")
def v_not_t(m):
    return every_step(m, lambda k: (grad_h(m, k), m.W.T * dtanh(m, k + 1) * grad_h(m, k + 1) + m.V * grad_o(m, k)),
                      lo=1, hi=m.t - 1)


@claim("logistic-W", where="t", model=elman_rnn, activation="logistic", loss="abstract", sizes=N1,
       statement="logistic, σ' = σ(1 − σ) as a polynomial applyfunc, W for Wᵀ")
def logistic_w(m):
    return every_step(m, lambda k: (grad_h(m, k), m.W * dlogistic(m, k + 1) * grad_h(m, k + 1) + m.V.T * grad_o(m, k)),
                      lo=1, hi=m.t - 1)


@claim("abstract-W", where="t", model=elman_rnn, activation="abstract", loss="abstract", sizes=N1,
       statement="abstract σ, W for Wᵀ")
def abstract_w(m):
    return every_step(m, lambda k: (grad_h(m, k), m.W * diag(m.dsigma(m.at("z", k + 1))) * grad_h(m, k + 1)
                                    + m.V.T * grad_o(m, k)), lo=1, hi=m.t - 1)


@claim("rows-transposed-once", where="t", model=elman_rnn, activation="tanh", loss="abstract", sizes=N1,
       statement="rows: dL/dh_{k+1} (Wᵀ diag(1 − h²)) (the transpose in one place only)")
def rows_once(m):
    L = m.sum_of("E")
    return every_step(m, lambda k: (m.d(L, ("h", k)), m.d(L, ("h", k + 1)) * (m.W.T * dtanh(m, k + 1))
                                    + m.d(("E", k), ("o", k)) * m.V), lo=1, hi=m.t - 1)


@claim("two-steps-W-once", where="t", model=elman_rnn, activation="tanh", loss="abstract",
       sizes=sweep(n=(1,), t=(3, 4)), statement="two steps down, hi = T − 2, W for Wᵀ in the inner step")
def two_steps(m):
    return every_step(m, lambda k: (grad_h(m, k), m.W.T * dtanh(m, k + 1) * (
        m.W * dtanh(m, k + 2) * grad_h(m, k + 2) + m.V.T * grad_o(m, k + 1)) + m.V.T * grad_o(m, k)), lo=1, hi=m.t - 2)


@claim("lo-n", where="t", model=elman_rnn, activation="tanh", loss="abstract", sizes=sweep(n=(1, 2), t=(3,)),
       statement="the family from k = n")
def lo_n(m):
    return every_step(m, lambda k: (grad_h(m, k), m.W.T * dtanh(m, k + 1) * grad_h(m, k + 1) + m.V.T * grad_o(m, k)),
                      lo=m.n, hi=m.t - 1)
"""


@pytest.fixture(scope="module")
def down_traps(tmp_path_factory):
    return _proof_file(tmp_path_factory.mktemp("down"), DOWN_TRAPS)


@pytest.mark.parametrize("cid", ["V-for-VT", "logistic-W", "abstract-W", "rows-transposed-once", "two-steps-W-once",
                                 "lo-n"])
def test_a_downward_trap_is_never_lifted_to_every_n(down_traps, cid):
    r = check_claim(down_traps[cid])
    assert r.verdict == Verdict.HOLDS and not r.every_n, r.scope


# ----- 3b. a cell using exp: the kernel's step re-check refuses what it cannot bound ---------------------------------

EXP = """
import sympy as sp
from symderiv import cell, claim, diag, hadamard, product, sweep


@cell("h_t = exp(W h_{t−1}) ∘ h_{t−1}", params={"W": ("n", "n")})
def expcell(s, prev, x, p, f):
    s.z = p.W * prev.h
    s.u = s.z.applyfunc(sp.exp)
    s.h = hadamard(s.u, prev.h)


@claim("adv3.exp-asc", where="t", model=expcell, sizes=sweep(n=(1,), t=(1, 2, 3)),
       statement="dh_t/dh_0 = Π ascending (true at n = 1 only)")
def exp_asc(m):
    J = lambda k: diag(m.at("u", k)) + diag(hadamard(m.at("u", k), m.h(k - 1))) * m.W
    return m.d(("h", m.t), ("h", 0)), product(J, 1, m.t, order="ascending", size=m.n)
"""


def test_an_exp_cell_is_not_claimed_for_every_t_when_the_kernel_cannot_bound_its_step(tmp_path):
    r = check_claim(_proof_file(tmp_path, EXP)["adv3.exp-asc"])
    assert r.verdict == Verdict.HOLDS and not r.every_t and not r.every_n, r.scope


# ----- 4b. a factor that reads something other than r (notation._shared_product) -------------------------------------
#
# term(k) sets a scale k that F reads, then takes Π_{r=k+1}^{t} F(r): in Python each term is k^{t−k} Π D_r W, so
# Σ_k term(k) = Σ_k Π D_r W is false at t = 3. Within total(family) the memo builds F(r) once (at the first term's
# scale) and every term shares it; written as a list of the same terms, nothing is shared.

STATE = """
from symderiv import avram2025_rnn, claim, diag, product, sweep, total


def D(m, k):
    return diag(m.f.dtanh(m.at("z", k)))


def sides(m, as_family):
    scale = [1]
    F = lambda r: scale[0] * D(m, r) * m.W
    G = lambda r: D(m, r) * m.W

    def term(k):
        scale[0] = k
        return product(F, k + 1, m.t, order="descending", size=m.n)
    lhs = total(term, (m.n, m.n), lo=1, hi=m.t - 1) if as_family else total([term(k) for k in range(1, m.t)],
                                                                            (m.n, m.n))
    return lhs, total(lambda k: product(G, k + 1, m.t, order="descending", size=m.n), (m.n, m.n), lo=1, hi=m.t - 1)


@claim("adv3.state-family", where="t", model=avram2025_rnn, activation="tanh", sizes=sweep(n=(1, 2), t=(2, 3, 4)),
       statement="Σ_k Π_{r=k+1}^{t} (k D_r W) = Σ_k Π_{r=k+1}^{t} D_r W, the left a total(family): false at t = 3")
def state_family(m):
    return sides(m, True)


@claim("adv3.state-list", where="t", model=avram2025_rnn, activation="tanh", sizes=sweep(n=(1, 2), t=(2, 3, 4)),
       statement="the same, the left a list of the same terms")
def state_list(m):
    return sides(m, False)
"""


def test_a_factor_reading_other_state_fails_certified_when_the_terms_are_a_list(tmp_path):
    r = check_claim(_proof_file(tmp_path, STATE)["adv3.state-list"])
    assert r.verdict == Verdict.FAILS and r.counterexample is not None and r.counterexample.size["t"] == 3


def test_a_factor_reading_other_state_gets_the_same_verdict_as_a_family(tmp_path):
    r = check_claim(_proof_file(tmp_path, STATE)["adv3.state-family"])
    assert r.verdict != Verdict.HOLDS, r.scope


# ----- 2b. the same class on the relational path: the kernel's Statement and the prover run the check on symbols --
#
# (17x − 5)² > 0 where the check's value is a number, (17x − 5)² + 1 > 0 where it is a symbol: at x = 5/17 the
# claim's side is 0 (false); the prover and the kernel (kernel/goal.py Statement, kernel/smt.py sentence) read the
# symbol branch and prove it, the search's floats read it too.

TELL_REL = """
from symderiv import claim, no_sizes, rel, scalars


@claim("adv3.rel", kind="inequality", where="t", given=dict(x=scalars(lo=-1, hi=1)), sizes=no_sizes(), prove=True,
       statement="(17x − 5)² > 0 on [−1, 1]: false at x = 5/17")
def tell_rel(x):
    number = ({cond}).lstrip("-").replace("/", "").isdigit()
    return rel((17 * x - 5) ** 2 if number else (17 * x - 5) ** 2 + 1, ">", 0)
"""
REL_UNSEEN = {"'%s' % (x,)": "'%s' % (x,)", "'{}'.format(x)": "'{}'.format(x)"}


@pytest.mark.parametrize("cond", list(REL_UNSEEN))
def test_the_telling_relation_is_false_at_5_17(tmp_path, cond):
    c = _proof_file(tmp_path, TELL_REL.format(cond=REL_UNSEEN[cond]))["adv3.rel"]
    at = c.check(sp.Rational(5, 17))
    assert at.op == ">" and sp.sympify(at.lhs.value) == 0 and sp.sympify(at.rhs.value) == 0


@pytest.mark.parametrize("cond", list(REL_UNSEEN))
def test_a_test_on_a_claim_value_the_guard_does_not_see_gives_no_holds(tmp_path, cond):
    c = _proof_file(tmp_path, TELL_REL.format(cond=REL_UNSEEN[cond]))["adv3.rel"]
    r = check_claim(c)
    assert r.verdict != Verdict.HOLDS, r.scope


def test_a_test_on_a_claim_value_the_guard_refuses_gives_no_holds(tmp_path):
    c = _proof_file(tmp_path, TELL_REL.format(cond="str(x)"))["adv3.rel"]
    assert check_claim(c).verdict != Verdict.HOLDS
