"""Issue 21.2: scalar inequalities with exp, log, tanh proved by interval branch and bound, re-checked by the
kernel (symderiv/kernel/interval.py) against the claim itself; their false siblings never hold."""
from fractions import Fraction

import pytest
import sympy as sp

from symderiv import LOGISTIC, rel, scalars
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.kernel import interval as K
from symderiv.prove import Mark, prove_size
from symderiv.prove.interval import simplest_inside, try_interval
from symderiv.results import Verdict
from symderiv.sizes import no_sizes


def scalar_claim(check, **given):
    return Claim(id="t.interval", where="test", statement="test", check=check, kind="inequality", given=given,
                 sizes=no_sizes())


Q = sp.Rational
TRUE = {
    "exp ≥ 1 + x": scalar_claim(lambda x: rel(sp.exp(x), ">=", 1 + x), x=scalars(-10, 10)),
    "−log p ≥ 1 − p": scalar_claim(lambda p: rel(-sp.log(p), ">=", 1 - p), p=scalars(Q(1, 1000), 10)),
    "tanh x ≤ x": scalar_claim(lambda x: rel(sp.tanh(x), "<=", x), x=scalars(0, 10)),
    "x − x³/3 ≤ tanh x": scalar_claim(lambda x: rel(x - x ** 3 / 3, "<=", sp.tanh(x)), x=scalars(0, 10)),
    "logistic′ ≤ 1/4 (via [0, 3])": scalar_claim(lambda x: rel(LOGISTIC.derivative(x), "<=", Q(1, 4)),
                                                 x=scalars(0, 3)),
}
# near misses: a constant off by 10⁻⁹, a strict inequality where the sides touch, the wrong side, a wider box
FALSE = {
    "exp > 1 + x": scalar_claim(lambda x: rel(sp.exp(x), ">", 1 + x), x=scalars(-10, 10)),
    "exp ≥ 1 + x + 10⁻⁹": scalar_claim(lambda x: rel(sp.exp(x), ">=", 1 + x + Q(1, 10 ** 9)), x=scalars(-10, 10)),
    "−log p ≥ 1 − p + 10⁻⁹": scalar_claim(lambda p: rel(-sp.log(p), ">=", 1 - p + Q(1, 10 ** 9)),
                                         p=scalars(Q(1, 1000), 10)),
    "tanh x ≥ x": scalar_claim(lambda x: rel(sp.tanh(x), ">=", x), x=scalars(0, 10)),
    "tanh x < x": scalar_claim(lambda x: rel(sp.tanh(x), "<", x), x=scalars(0, 10)),
    "tanh x ≤ x on [−1, 10]": scalar_claim(lambda x: rel(sp.tanh(x), "<=", x), x=scalars(-1, 10)),
    "x − x³/3 + x⁵/5 ≤ tanh x": scalar_claim(lambda x: rel(x - x ** 3 / 3 + x ** 5 / 5, "<=", sp.tanh(x)),
                                            x=scalars(0, 10)),
    "logistic′ ≤ 1/4 − 10⁻⁹": scalar_claim(lambda x: rel(LOGISTIC.derivative(x), "<=", Q(1, 4) - Q(1, 10 ** 9)),
                                          x=scalars(-3, 3)),
}


@pytest.mark.parametrize("name", list(TRUE))
def test_a_true_scalar_inequality_is_proved_by_a_kernel_checked_tree(name):
    found = try_interval(TRUE[name], {}, "claim")
    assert found is not None, name
    ok, why = K.verify(TRUE[name], {}, "claim", found[0])
    assert ok, why


@pytest.mark.parametrize("name", list(FALSE))
def test_a_false_sibling_is_never_proved(name):
    assert try_interval(FALSE[name], {}, "claim") is None
    proof = prove_size(FALSE[name], {}, budget=2.0)
    assert all(st.mark != Mark.PROVED for st in proof.steps.values()), proof.steps


@pytest.mark.parametrize("name", ["exp > 1 + x", "exp ≥ 1 + x + 10⁻⁹", "tanh x ≥ x", "logistic′ ≤ 1/4 − 10⁻⁹",
                                  "−log p ≥ 1 − p + 10⁻⁹"])
def test_a_false_sibling_fails_with_a_certified_counterexample(name):
    r = check_claim(FALSE[name])
    assert r.verdict == Verdict.FAILS and r.counterexample is not None, r.scope


def test_the_kernel_rejects_a_tree_for_another_claim():
    """A tree is only moves: for exp ≥ 1 + x it proves nothing about exp > 1 + x or exp ≥ 1 + x + 10⁻⁹."""
    tree = try_interval(TRUE["exp ≥ 1 + x"], {}, "claim")[0]
    for name in ("exp > 1 + x", "exp ≥ 1 + x + 10⁻⁹"):
        ok, why = K.verify(FALSE[name], {}, "claim", tree)
        assert not ok, name


@pytest.mark.parametrize("tree, why", [
    (("eval",), "does not show"),                                          # the root box alone: dependency
    (("split", 0, Fraction(11), ("eval",), ("eval",)), "not inside"),       # a cut outside the box
    (("mono", 0, "lo", ("eval",), ("eval",)), "does not show"),            # e^x − 1 ≥ 0 is false on [−10, 10]
    (("mono", 0, "up", ("eval",), ("eval",)), "side"),
    (("magic",), "unknown move"),
])
def test_the_kernel_rejects_a_corrupted_tree(tree, why):
    ok, reason = K.verify(TRUE["exp ≥ 1 + x"], {}, "claim", tree)
    assert not ok and why in reason, reason


def test_the_kernel_refuses_a_monotonicity_move_on_a_non_smooth_goal():
    c = scalar_claim(lambda x: rel(sp.Abs(x), ">=", x * sp.tanh(x) / 2), x=scalars(0, 1))
    ok, reason = K.verify(c, {}, "claim", ("mono", 0, "lo", ("eval",), ("eval",)))
    assert not ok and "not smooth" in reason


def test_the_goal_comes_from_the_claim_not_the_finder():
    g = K.goal_of(TRUE["tanh x ≤ x"], {}, "claim")
    (s,) = g.symbols
    assert sp.simplify(g.g - (s - sp.tanh(s))) == 0 and not g.strict and g.box == ((0, 10),)


def test_floats_and_hypotheses_are_out_of_its_reach():
    assert try_interval(scalar_claim(lambda x: rel(sp.exp(x), ">=", 1 + sp.Float(0.5) * x), x=scalars()),
                        {}, "claim") is None


def test_the_enclosure_is_outward():
    x = sp.Dummy("x", real=True)
    lo, hi = K.enclose(sp.exp(x) - 1 - x, {x: (Fraction(0), Fraction(1))})
    assert lo <= 0 and hi >= sp.E.evalf(30) - 2


def test_simplest_inside():
    assert simplest_inside(Fraction(-3), Fraction(3)) == 0
    assert simplest_inside(Fraction(1, 1000), Fraction(10)) == 1
    assert simplest_inside(Fraction(0), Fraction(1)) == Fraction(1, 2)
    assert simplest_inside(Fraction(-10), Fraction(-2)) == -3


LIP = scalar_claim(lambda a, b: rel(sp.Abs(sp.tanh(a) - sp.tanh(b)), "<=", sp.Abs(a - b)), a=scalars(), b=scalars())


def test_tanh_is_1_lipschitz_by_the_mean_value_theorem():
    found = try_interval(LIP, {}, "claim")
    assert found is not None and found[0][0] == "lipschitz"
    assert K.verify(LIP, {}, "claim", found[0])[0]


@pytest.mark.parametrize("check", [
    lambda a, b: rel(sp.Abs(sp.tanh(a) - sp.tanh(b)), "<=", (1 - Q(1, 10 ** 9)) * sp.Abs(a - b)),   # 10⁻⁹ off
    lambda a, b: rel(sp.Abs(sp.tanh(a) - sp.tanh(b)), "<", sp.Abs(a - b)),         # strict: equal at a = b
    lambda a, b: rel(sp.Abs(sp.exp(a) - sp.exp(b)), "<=", 20 * sp.Abs(a - b)),     # e³ > 20 on [−3, 3]
    lambda a, b: rel(sp.Abs(sp.tanh(a) - sp.tanh(b)), ">=", sp.Abs(a - b)),        # the wrong side
])
def test_a_false_lipschitz_sibling_is_never_proved(check):
    c = scalar_claim(check, a=scalars(), b=scalars())
    assert try_interval(c, {}, "claim") is None
    # and the tree that proves tanh's bound proves nothing for it
    assert not K.verify(c, {}, "claim", try_interval(LIP, {}, "claim")[0])[0]


def test_the_kernel_refuses_the_mean_value_move_when_the_left_side_is_not_f_a_minus_f_b():
    # |tanh a − tanh b + ab/100| is not F(a) − F(b): the move would be unsound; it is refused
    c = scalar_claim(lambda a, b: rel(sp.Abs(sp.tanh(a) - sp.tanh(b) + a * b / 100), "<=", 2 * sp.Abs(a - b)),
                     a=scalars(), b=scalars())
    ok, why = K.verify(c, {}, "claim", ("lipschitz", 0, 1, ("eval",), ("eval",)))
    assert not ok and "F(a) − F(b)" in why
    # |tanh a − tanh b| ≤ |a − b| + ... : a right side that is not L·|a − b|
    c = scalar_claim(lambda a, b: rel(sp.Abs(sp.tanh(a) - sp.tanh(b)), "<=", sp.Abs(a - 2 * b)),
                     a=scalars(), b=scalars())
    assert not K.verify(c, {}, "claim", ("lipschitz", 0, 1, ("eval",), ("eval",)))[0]


def test_a_claim_with_hypotheses_is_left_to_the_other_methods():
    """The kernel's goal has no place for a hypothesis: such a claim gets no interval proof (the box would be
    wrong), and the relaxation alone does not prove tanh x ≤ x for x ≥ 0 either: it stays unproved."""
    from symderiv import assume

    def check(x):
        assume(rel(x, ">=", 0))
        return rel(sp.tanh(x), "<=", x)

    c = scalar_claim(check, x=scalars())
    assert try_interval(c, {}, "claim") is None
    proof = prove_size(c, {}, budget=2.0)
    assert all(st.mark != Mark.PROVED for st in proof.steps.values())
