"""Adversarial pass over the kernel's Positivstellensatz path to `holds` (kernel/psatz.py, checked on the kernel's own
sentence, kernel/smt.py) and the fixed-point limit lemma (kernel/lemmas.py, DECIDED).

Three kinds of attack, each kept as a guard:

* planted certificates handed to :func:`kernel.psatz.refutes` for sentences that *have* a real point: a Gram matrix
  that is not PSD, a negative product weight, an inequality used as an equality, a strict term built on a fact
  that is only ≥ 0 or on a non-constant square, a float, an irrational s, a split that misses a cell, a split on a
  disjunct's wrong side, cuts that are not implied, of the wrong kind, or with proofs of the wrong side, and two
  distinct symbols that share a name. Each is rejected;
* false claims (a strict relation at its touching point, an equality or '≠' read as halves, a division by a
  quantity that can be 0, √/|·|/max/exp/tanh/logistic atoms, hypotheses, matrices at n = 2) handed to the kernel
  with an oracle that *lies* ("unsat" from both solvers): the kernel's sentence has a real point, so no certificate
  may check and the token must still name the solvers as trusted (a certificate would make a wrong `holds` that
  trusts nothing);
* the fixed-point lemma on starts that are fixed only under a hypothesis or only up to a vanishing factor.

Findings (each fixed in symderiv/concrete.py, the guard, with its test below): the kernel's sentence — and so a
Positivstellensatz certificate of it, a `holds` trusting nothing — carried a premise the claim does not have when a
check called a SymPy routine whose formula on symbols divides by what its own zero test assumed nonzero (LUsolve and
inv/solve with method "LU"/"BLOCK": the pivot A[0,0]; normalized, QRdecomposition, orthogonalize: column norms), and
the search refuted claims at points the README says have no value (sp.Pow/pow/__pow__/root of a negative number;
asin 2, acosh 0, atanh 1). A malformed tree (Split(i, 5), Cut(fact, 5, rest)) made kernel/psatz.by_certificate raise instead of rejecting
it (a strict xfail until the kernel checked the branches and proofs are tuples).
"""
from __future__ import annotations

import pytest
import sympy as sp

import symderiv.prove  # noqa: F401  (registers the finder the kernel asks)
from symderiv import (absval, assume, det, diag, diagonals, fro, lam_min, limit, matrices, norm2, powers, rel, rho,
                      scalars, smin, vectors)
from symderiv.claims import Claim
from symderiv.functions import logistic
from symderiv.kernel import goal, psatz, smt
from symderiv.kernel.psatz import Cut, Refutation, Split, refutes
from symderiv.sizes import no_sizes, sweep

x, y, b = sp.symbols("x y b", real=True)
LIE = {"z3": "unsat", "cvc5": "unsat"}


def lying(text, budget):
    return dict(LIE)


# ----- planted certificates: each sentence below has a real point, so every certificate must be rejected ---------

#: x ≥ 0 ∧ 1 − x ≥ 0 ∧ x² − x + 1/1000 > 0: the point x = 0
NEAR = [("ge", x), ("ge", 1 - x), ("gt", x ** 2 - x + sp.Rational(1, 1000))]


def test_a_gram_matrix_that_is_not_psd_is_rejected():
    # 1 (the strict constant) + zᵀQz with z = (1), Q = (−1): the identity 1 − 1 = 0 holds, Q is not PSD
    cert = Refutation(products=((1, 1, ()),), gram=((sp.Integer(1),), ((-1,),)))
    ok, why = refutes(NEAR, cert)
    assert ok is False and "positive semidefinite" in why
    # a 2×2 Q with a positive diagonal but a negative eigenvalue (3 and −1), z = (1, x): 1 + 1 + 4x + x² is
    # cancelled by the equality-free identity only with a negative "square" (x + 2)² − 2·… : here Q alone, rejected
    z = (sp.Integer(1), x)
    cert2 = Refutation(products=((1, 1, ()),), gram=(z, ((1, 2), (2, 1))))
    assert refutes(NEAR, cert2)[0] is False
    # an identity that does hold with a non-PSD Q: 1 + (1·1 − 2·1·x·… ) — Q = [[-1, 0], [0, 0]] cancels the constant
    cert3 = Refutation(products=((1, 1, ()),), gram=(z, ((-1, 0), (0, 0))))
    ok, why = refutes(NEAR, cert3)
    assert ok is False and "positive semidefinite" in why


def test_an_asymmetric_gram_matrix_is_rejected():
    cert = Refutation(products=((1, 1, ()),), gram=((sp.Integer(1), x), ((0, 1), (-1, -1))))
    assert refutes(NEAR, cert)[0] is False


def test_a_negative_product_weight_is_rejected_even_when_the_identity_holds():
    # 1 (strict) − 1·1 = 0
    cert = Refutation(products=((1, 1, ()), (-1, 1, ())))
    ok, why = refutes(NEAR, cert)
    assert ok is False and "nonnegative" in why


def test_an_inequality_used_as_an_equality_is_rejected():
    # x ≥ 0 used with a free multiplier (as if x = 0): there are no equalities, the index names nothing
    cert = Refutation(products=((1, 1, (2,)),), multipliers=((-(x ** 2) + x - sp.Rational(1, 1000), 0),))
    ok, why = refutes(NEAR, cert)
    assert ok is False and "index" in why


def test_a_strict_term_on_a_non_strict_fact_or_a_nonconstant_square_is_rejected():
    s = [("ge", x), ("ge", -x)]   # x = 0
    assert refutes(s, Refutation(products=((1, 1, (0,)), (1, 1, (1,)))))[0] is False
    # c·s² with s a polynomial is not strict, even when s is a nonzero polynomial
    s2 = [("ge", -(x ** 2) - 1 + 1)]  # −x² ≥ 0: x = 0
    assert refutes(s2, Refutation(products=((1, x, ()), (1, 1, (0,)))))[0] is False
    # s an irrational constant: √2² = 2 reads fine to SymPy, but it is not a rational s (and not a polynomial over Q)
    s3 = [("ge", x), ("gt", 1 - x)]   # x = 0
    assert refutes(s3, Refutation(products=((1, sp.sqrt(2), ()), (1, 1, (0,)), (2, 1, (1,)))))[0] is False
    # zero weight or zero s on the only strict term
    assert refutes(s3, Refutation(products=((0, 1, (1,)), (1, 1, (0,)))))[0] is False
    assert refutes(s3, Refutation(products=((1, 0, (1,)), (1, 1, (0,)))))[0] is False


def test_a_float_multiplier_is_rejected():
    s = [("eq", 2 * x - 1), ("gt", x - sp.Rational(1, 2))]   # x = 1/2 ... has no point, but a float proves nothing
    good = Refutation(products=((1, 1, (0,)),), multipliers=((sp.Rational(-1, 2), 0),))
    assert refutes(s, good)[0] is True
    bad = Refutation(products=((1, 1, (0,)),), multipliers=((sp.Float(-0.5), 0),))
    ok, why = refutes(s, bad)
    assert ok is False and "float" in why


def test_two_symbols_sharing_a_name_are_two_indeterminates():
    x1, x2 = sp.Dummy("x", real=True), sp.Dummy("x", real=True)
    x_0 = sp.Symbol("x_0", real=True)
    s = [("ge", x1 - x_0), ("gt", x_0 - x2)]   # x1 = x_0 = 1, x2 = 0
    assert refutes(s, Refutation(products=((1, 1, (0,)), (1, 1, (1,)))))[0] is False


#: m = max(a, b) read as m ≥ a, m ≥ b, (m = a ∨ m = b ∨ m = b + 1): a real point with m = b + 1 (the third cell)
def _three_cells():
    a_, b_, m_ = sp.symbols("a_ b_ m_", real=True)
    s = [("ge", m_ - a_), ("ge", m_ - b_), ("or", [("eq", m_ - a_), ("eq", m_ - b_), ("eq", m_ - b_ - 1)]),
         ("ge", a_ - b_), ("gt", m_ - a_)]
    return s, (a_, b_, m_)


def test_a_split_that_misses_a_cell_is_rejected():
    s, (a_, b_, m_) = _three_cells()
    # branch m = a: m − a > 0 and m − a = 0; branch m = b: m − b = 0, a − b ≥ 0, m − a > 0
    br_a = Refutation(products=((1, 1, (3,)),), multipliers=((-1, 0),))                 # (m − a) − (m − a) = 0
    br_b = Refutation(products=((1, 1, (2,)), (1, 1, (3,))), multipliers=((-1, 0),))    # (a − b) + (m − a) − (m − b)
    assert refutes(s + [("eq", m_ - a_)], br_a)[0] is True
    assert refutes(s + [("eq", m_ - b_)], br_b)[0] is True
    two = Split(0, (br_a, br_b))
    ok, why = refutes(s, two)
    assert ok is False and "cover" in why
    # padding the missing cell with a copy of another branch: the third cell (m = b + 1) has a point, rejected
    assert refutes(s, Split(0, (br_a, br_b, br_b)))[0] is False
    assert refutes(s, Split(0, (br_a, br_b, br_a)))[0] is False


def test_cuts_that_are_not_implied_are_rejected():
    s = [("ge", x + 1), ("gt", 1 - x)]   # x = 0
    rest = Refutation(products=((1, 1, (2,)), (1, 1, (1,)), (1, 1, ())))   # (x − 2) + (1 − x) + 1 = 0 on x ≥ 2
    assert refutes(s + [("ge", x - 2)], rest)[0] is True
    # the cut x − 2 ≥ 0 with a "proof" of C ∧ 2 − x > 0 that is no proof
    bogus = Refutation(products=((1, 1, (2,)),))
    ok, why = refutes(s, Cut(("ge", x - 2), (bogus,), rest))
    assert ok is False and "not proved" in why
    # the proof of the wrong side (C ∧ x − 2 > 0, which has no point) does not prove x − 2 ≥ 0
    wrong_side = Refutation(products=((1, 1, (2,)), (1, 1, (1,)), (1, 1, ())))
    assert refutes(s + [("gt", x - 2)], wrong_side)[0] is True
    assert refutes(s, Cut(("ge", x - 2), (wrong_side,), rest))[0] is False
    # no proof at all, a strict cut, an equality cut with one side only, a cut of 0 = 0
    assert refutes(s, Cut(("ge", x - 2), (), rest))[0] is False
    assert refutes(s, Cut(("gt", x - 2), (wrong_side,), rest))[0] is False
    assert refutes(s, Cut(("eq", x - 2), (wrong_side,), rest))[0] is False
    assert refutes(s, Cut(("eq", sp.Integer(0)), (wrong_side, wrong_side), rest))[0] is False


def test_a_disjunction_inside_a_conjunction_is_split_like_any_other():
    # ("and", [ge, or]) flattened: a split over its "or" must still cover both cells
    s = [("and", [("ge", x), ("or", [("eq", x), ("eq", x - 1)])]), ("gt", x - sp.Rational(1, 2))]   # x = 1
    br0 = Refutation(products=((2, 1, (1,)), (1, 1, ())), multipliers=((-2, 0),))   # 2(x − 1/2) + 1 − 2x = 0
    assert refutes(s + [("eq", x)], br0)[0] is True
    assert refutes(s, Split(0, (br0,)))[0] is False
    assert refutes(s, Split(0, (br0, br0)))[0] is False


# ----- false claims, a lying oracle: the kernel's sentence has a point, so no certificate checks --------------------


def _claim(cid, check, given, sizes=None):
    return Claim(id=cid, kind="inequality", where="test", statement=cid, check=check, given=given,
                 sizes=sizes if sizes is not None else no_sizes())


X = dict(x=scalars(-2, 2))
XY = dict(x=scalars(-2, 2), y=scalars(-2, 2))
N2 = sweep(n=(2,), t=(1,), fixed=("t",))


def _hyp_strict(x, y):
    assume(rel(x, ">=", y))
    return rel(x, ">", y)


def _ne_hyp(x, y):
    assume(rel(x * y, "!=", 0))
    return rel(x * y, ">", 0)


def _div_hyp(x, y):
    assume(rel(x / (y - 1), ">=", 0))
    return rel(x, ">=", 0)


FALSE = {
    # strict at its touching point, with an atom's own facts
    "exp-strict": (lambda x: rel(sp.exp(x), ">", 1 + x), X),
    "tanh-strict": (lambda x: rel(sp.tanh(x) * x, ">", 0), X),
    "logistic-half": (lambda x: rel(1 / (1 + sp.exp(-x)), ">", sp.Rational(1, 2)), X),
    "logistic-def": (lambda x: rel(logistic(x) * (1 + sp.exp(-x)), "<", 1), X),
    "abs-triangle-strict": (lambda x, y: rel(sp.Abs(x + y), "<", sp.Abs(x) + sp.Abs(y)), XY),
    # √ and fractional powers: the claim's own domain is x ≥ 0, where it is still false
    "sqrt-abs": (lambda x: rel(sp.Abs(sp.sqrt(x)), ">=", sp.Abs(x)), X),
    "x-three-halves": (lambda x: rel(x ** sp.Rational(3, 2), "<=", x), X),
    "sqrt-product": (lambda x, y: rel(sp.sqrt(x * y), "<=", (x + y) / 2), XY),
    # hypotheses: strict from non-strict, '≠', a hypothesis with a denominator that can be 0
    "hypothesis-strict": (_hyp_strict, XY),
    "hypothesis-ne": (_ne_hyp, XY),
    "hypothesis-division": (_div_hyp, XY),
    # '≠' and '=' claims read as halves
    "ne-claim": (lambda x, y: rel(x ** 2 + y ** 2, "!=", 0), XY),
    "eq-claim": (lambda x, y: rel(sp.Abs(x * y), "=", x * y), XY),
    # a division by a quantity that can be 0, and a quotient that is equal, not smaller
    "reciprocal": (lambda x: rel(1 / x, "<=", x), X),
    "quotient-strict": (lambda x, y: rel((x ** 2 - y ** 2) / (x - y), "<", x + y), XY),
    "min-abs": (lambda x, y: rel(sp.Min(sp.Abs(x), sp.Abs(y)), "<=", sp.Abs(x + y)), XY),
    "e-bound": (lambda x: rel(sp.E, ">=", sp.Rational(272, 100)), X),
    # matrices at n = 2
    "rho-half-fro": (lambda A: rho(A) <= fro(A) / 2, dict(A=matrices())),
    "lammin-le-smin": (lambda A: lam_min(A) <= smin(A), dict(A=matrices())),
    "norm2-lt-fro": (lambda A: rel(norm2(A), "<", fro(A)), dict(A=matrices())),
    "norm2-ne-fro": (lambda A: rel(norm2(A), "!=", fro(A)), dict(A=matrices())),
    "rho-triangular-eq": (lambda A: rel(rho(A), "=", absval(A[0, 0])), dict(A=matrices(families=("triangular",)))),
    "norm2-diagonal": (lambda d: rel(norm2(diag(d)), "<=", sp.Abs(d[0])), dict(d=vectors())),
    # the kernel's domains: orthogonal (QᵀQ = QQᵀ = I), diagonals(0, 1), nonzero vectors, nilpotent
    "orthogonal-det": (lambda A: rel(det(A), "=", 1), dict(A=matrices(families=("orthogonal",)))),
    "orthogonal-entry-strict": (lambda A: rel(A[0, 0] ** 2, "<", 1), dict(A=matrices(families=("orthogonal",)))),
    "orthogonal-norm-strict": (lambda A: rel(norm2(A), "<", 1), dict(A=matrices(families=("orthogonal",)))),
    "diagonal-det-strict": (lambda A: rel(det(A), ">", 0), dict(A=diagonals(lo=0, hi=1))),
    "nonzero-vector-entry": (lambda d: rel(d[0], "!=", 0), dict(d=vectors(nonzero=True))),
    "nilpotent-fro": (lambda A: rel(fro(A), "<", 1), dict(A=matrices(families=("nilpotent",)))),
}


@pytest.mark.parametrize("name", sorted(FALSE))
def test_a_false_claim_gets_no_certificate_behind_a_lying_oracle(name):
    check, given = FALSE[name]
    n2 = any(k in given for k in ("A", "d"))
    c = _claim(f"adv.{name}", check, given, N2 if n2 else None)
    size = {"n": 2, "t": 1} if n2 else {}
    stmt = goal.Statement(c, size)
    (label,) = list(stmt.steps)
    negs = stmt.negations(label)
    tok, why = goal.accept_step(c, size, label, [("solvers", "unsat")] * len(negs), ask=lying)
    assert tok is not None, why                      # the lie is believed, and said
    assert smt.TRUST_KERNEL_GOAL in tok.trusts, (tok.trusts, tok.how)
    # a true half of an equality may be certified; a false claim has at least one half no certificate refutes
    assert any(not psatz.by_certificate(smt.writer(stmt, *neg).facts, 0.5)[0] for neg in negs)


def test_a_true_claim_behind_the_same_lying_oracle_trusts_nothing():
    # the control: 0 ≤ b ≤ 1 ⇒ b² ≤ b gets a certificate, so the lie is not needed and not trusted
    c = _claim("adv.unit", lambda b: rel(b ** 2, "<=", b), dict(b=scalars(0, 1)))
    tok, why = goal.accept_step(c, {}, "claim", [("solvers", "unsat")], ask=lying)
    assert tok is not None and tok.trusts == () and tok.how == psatz.HOW_PSATZ, why


# ----- the fixed-point limit lemma --------------------------------------------------------------------------------


def _limit_claim(cid, check):
    return Claim(id=cid, kind="limit", where="test", statement=cid, check=check,
                 given=dict(a=scalars(-2, 2)), sizes=sweep(n=(2,), t=(1,), fixed=("t",)))


def _fixed_under_hypothesis(a):     # M X₀ = X₀ only where a = 1 (assumed): not an identity, so not decided
    assume(rel(a, "=", 1))
    return limit(powers(sp.Matrix([[a, 0], [0, 1]]), sp.Matrix([1, 0])), "not0")


def _fixed_up_to_a_factor(a):       # M X₀ − X₀ = (a − 1)·X₀: a fixed point only at a = 1
    return limit(powers(sp.Matrix([[a, 0], [0, a]]), sp.Matrix([1, 1])), "bounded")


def _fixed_but_symbolic_start(a):   # a fixed point whose start a·e₁ vanishes at a = 0: "not0" not concluded
    return limit(powers(sp.Matrix([[1, 0], [0, 2]]), sp.Matrix([a, 0])), "not0")


@pytest.mark.parametrize("check", [_fixed_under_hypothesis, _fixed_up_to_a_factor, _fixed_but_symbolic_start],
                         ids=lambda f: f.__name__)
def test_the_fixed_point_lemma_decides_only_identities(check):
    from symderiv.kernel.lemmas import LemmaStatement, _Reject, limit_goal

    c = _limit_claim(f"adv.{check.__name__}", check)
    stmt = LemmaStatement(c, {"n": 2, "t": 1})
    (step,) = stmt.steps.values()
    with pytest.raises(_Reject):
        limit_goal(stmt, step, "fixed-point")


# ----- finding: SymPy's pivoting solvers put "pivot ≠ 0" into the kernel's sentence --------------------------------
#
# A.LUsolve(b) (and A.inv(method="LU"), A.solve(b, method="LU")) on the kernel's symbols picks A[0,0] as its pivot
# (SymPy's zero test: generic on symbols) and returns a formula with A[0,0] in a denominator; at a point with
# A[0,0] = 0 the check's own call pivots on another row and has a value. The kernel reads the symbolic formula, so its
# sentence states A[0,0] ≠ 0, a premise the claim does not have: the claim below is false at A = [[0, √2], [1, 0]]
# (both hypotheses hold there, A[0,0]² = 0), no rational point satisfies A₀₁² = 2 (the search finds none), and the
# kernel's sentence (A[0,0] ≠ 0 ∧ ¬(A[0,0]² > 0)) is refuted by a Positivstellensatz certificate: `holds`, trusting
# nothing, "where the sides are defined (A[0,0] ≠ 0 …; elsewhere the claim has no value)" — which is not so.


def _lusolve_pivot(A):
    x = A.LUsolve(sp.Matrix([1, 0]))                 # A⁻¹e₁, SymPy's generic pivot A[0,0]
    assume(rel(A[0, 1] ** 2, "=", 2), "A₀₁ = √2")
    assume(rel(x[0] ** 2 + 1, ">=", 1), "A⁻¹e₁ exists")
    return rel(A[0, 0] ** 2, ">", 0)


def _inv_lu_pivot(A):
    B = A.inv(method="LU")
    assume(rel(A[0, 1] ** 2, "=", 2), "A₀₁ = √2")
    assume(rel(B[0, 0] ** 2 + 1, ">=", 1), "A⁻¹ exists")
    return rel(A[0, 0] ** 2, ">", 0)


def _solve_lu_pivot(A):
    x = A.solve(sp.Matrix([1, 0]), method="LU")
    assume(rel(A[0, 1] ** 2, "=", 2), "A₀₁ = √2")
    assume(rel(x[0] ** 2 + 1, ">=", 1), "A⁻¹e₁ exists")
    return rel(A[0, 0] ** 2, ">", 0)


def test_the_pivot_claim_is_false_at_a_real_point_where_the_check_has_a_value():
    A = sp.Matrix([[0, sp.sqrt(2)], [1, 0]])
    x = A.LUsolve(sp.Matrix([1, 0]))
    assert A[0, 1] ** 2 == 2 and x[0] ** 2 + 1 >= 1 and not (A[0, 0] ** 2 > 0)
    assert A.inv(method="LU")[0, 0] == 0


@pytest.mark.parametrize("check", [_lusolve_pivot, _inv_lu_pivot, _solve_lu_pivot], ids=lambda f: f.__name__)
def test_a_pivoting_solver_is_not_read_as_a_premise_the_claim_does_not_state(check):
    from symderiv.engine import check_claim
    from symderiv.results import Verdict

    c = Claim(id=f"adv.{check.__name__}", kind="inequality", where="test", statement="false at [[0, √2], [1, 0]]",
              check=check, given=dict(A=matrices()), sizes=N2, prove=(2,))
    res = check_claim(c)
    assert res.verdict != Verdict.HOLDS, (res.verdict, res.scope, res.trusted)


# ----- finding: Gram–Schmidt's zero tests (v.normalized(), A.QRdecomposition()) ----------------------------------
#
# On symbols v.normalized() is v/√(Σvᵢ²) and Q of A.QRdecomposition() divides by column norms: the kernel's sentence
# states those norms ≠ 0. At v = 0 SymPy returns v unchanged (and skips a zero or dependent column of A), a value the
# formula does not have, so a claim false only there was `holds` "where the sides are defined (Σvᵢ² ≠ 0; elsewhere the
# claim has no value)". Now, as for √ of a negative number, the check has no value at such a point (UndefinedAtPoint):
# the scope's sentence is true and no point is a counterexample on one path and outside the claim on the other.


def _normalized_at_zero(v, y):
    u = v.normalized()
    assume(rel(y ** 2, "=", 2), "y = √2")
    assume(rel(u[0] ** 2, "<=", 1), "u is defined")
    return rel(v[0] ** 2 + v[1] ** 2, ">", 0)


def _qr_zero_column(A, y):
    Q, _ = A.QRdecomposition()
    assume(rel(y ** 2, "=", 2), "y = √2")
    assume(rel(Q[0, 0] ** 2, "<=", 1), "Q is defined")
    return rel(A[0, 0] ** 2 + A[1, 0] ** 2, ">", 0)


@pytest.mark.parametrize("check, given, point", [
    (_normalized_at_zero, dict(v=vectors(), y=scalars(-2, 2)), dict(v=sp.zeros(2, 1), y=sp.sqrt(2))),
    (_qr_zero_column, dict(A=matrices(), y=scalars(-2, 2)), dict(A=sp.Matrix([[0, 1], [0, 1]]), y=sp.sqrt(2))),
], ids=["normalized", "qr"])
def test_gram_schmidt_has_no_value_where_its_formula_has_none(check, given, point):
    from symderiv.concrete import UndefinedAtPoint
    from symderiv.relations import collect_assumptions

    c = Claim(id=f"adv.{check.__name__}", kind="inequality", where="test", statement="gram-schmidt at 0",
              check=check, given=given, sizes=N2, prove=(2,))
    with pytest.raises(UndefinedAtPoint):
        collect_assumptions(c.check, **point)
    # a generic point, and the symbols, still have a value
    generic = {k: (sp.Matrix([[1, 1], [2, 1]]) if k == "A" else sp.Matrix([3, 4]) if k == "v" else sp.sqrt(2))
               for k in point}
    collect_assumptions(c.check, **generic)
    stmt = goal.Statement(c, {"n": 2, "t": 1})
    assert stmt.steps


@pytest.mark.parametrize("call", ["pinv_solve", "solve_least_squares", "LUsolve", "inverse_LU", "inverse_BLOCK"])
def test_the_rank_or_pivot_dependent_solvers_are_refused(call, tmp_path):
    from symderiv.claims import collect
    from symderiv.concrete import ConcretizationError
    from symderiv.relations import collect_assumptions

    arg = "sp.Matrix([1, 0])" if "solve" in call else ""
    path = tmp_path / "adv_solver.py"
    path.write_text("from symderiv import claim, rel, matrices, sweep\nimport sympy as sp\n"
                    "@claim('advs.solver', kind='inequality', where='t', statement='s', prove=False, "
                    "given=dict(A=matrices()), sizes=sweep(n=(2,), t=(1,), fixed=('t',)))\n"
                    f"def check(A):\n    x = A.{call}({arg})\n    return rel(x[0] ** 2, '>=', 0)\n")
    col = collect([str(path)])
    items = col.items if hasattr(col, "items") else col
    (c,) = list(items.values()) if isinstance(items, dict) else list(items)
    with pytest.raises(ConcretizationError):
        collect_assumptions(c.check, A=sp.Matrix(2, 2, sp.symbols("a b c d", real=True)))


# ----- finding (kernel/psatz.py, left to the integrator): by_certificate "never raises", but a malformed tree does ----


@pytest.mark.parametrize("cert", [Split(0, 5), Split(0, None), Cut(("ge", x), 5, None)],
                         ids=["split-int", "split-none", "cut-int"])
def test_a_malformed_tree_is_rejected_not_raised(cert):
    s = [("ge", x - y), ("or", [("eq", x - y), ("eq", x - b)]), ("gt", y - x)]
    ok, why = psatz.by_certificate(s, 1.0, find=lambda f, t: cert)
    assert ok is False


def _orthogonalize_zero_first(v, w, y):
    u = sp.Matrix.orthogonalize(v, w, normalize=True)[0]   # at v = 0 SymPy drops v: u is w normalized
    assume(rel(y ** 2, "=", 2), "y = √2")
    assume(rel(u[0] ** 2, "<=", 1), "u is defined")
    return rel(v[0] ** 2 + v[1] ** 2, ">", 0)


def test_orthogonalize_has_no_value_where_it_drops_a_vector():
    from symderiv.concrete import UndefinedAtPoint
    from symderiv.relations import collect_assumptions

    c = Claim(id="adv.orthogonalize", kind="inequality", where="test", statement="x", check=_orthogonalize_zero_first,
              given=dict(v=vectors(), w=vectors(), y=scalars(-2, 2)), sizes=N2, prove=(2,))
    with pytest.raises(UndefinedAtPoint):
        collect_assumptions(c.check, v=sp.zeros(2, 1), w=sp.Matrix([2, 0]), y=sp.sqrt(2))
    collect_assumptions(c.check, v=sp.Matrix([1, 1]), w=sp.Matrix([2, 0]), y=sp.sqrt(2))


def _class_inv_lu_pivot(A):
    B = sp.Matrix.inv(A, "LU")          # the same call through the class, the method positional
    assume(rel(A[0, 1] ** 2, "=", 2), "A₀₁ = √2")
    assume(rel(B[0, 0] ** 2 + 1, ">=", 1), "A⁻¹ exists")
    return rel(A[0, 0] ** 2, ">", 0)


def _default_inverses(A):              # the adjugate over the determinant: read as before
    B, C = sp.Matrix.inv(A), A.inv(method="GE")
    return rel((B[0, 0] - C[0, 0]) ** 2, ">=", 0)


def test_the_pivoting_inverse_through_the_class_is_refused_and_the_default_is_not():
    from symderiv.concrete import ConcretizationError
    from symderiv.relations import collect_assumptions

    A = sp.Matrix(2, 2, sp.symbols("a b c d", real=True))
    c = Claim(id="adv.class-inv", kind="inequality", where="test", statement="x", check=_class_inv_lu_pivot,
              given=dict(A=matrices()), sizes=N2, prove=(2,))
    with pytest.raises(ConcretizationError):
        collect_assumptions(c.check, A=A)
    ok = Claim(id="adv.default-inv", kind="inequality", where="test", statement="x", check=_default_inverses,
               given=dict(A=matrices()), sizes=N2, prove=(2,))
    collect_assumptions(ok.check, A=A)


# ----- finding: the other spellings of x^(1/2) gave a value where `**` and sp.sqrt have none --------------------------
#
# x ** (1/2) and sp.sqrt(x) at x = −1 are UndefinedAtPoint (the README: such a point is never a counterexample), and
# the kernel reads √x with x ≥ 0. sp.Pow(x, 1/2), pow(x, 1/2), x.__pow__(1/2) and sp.root(x, 2) went through: at
# x = y = −1, √x·√y = i·i = −1 was a "certified counterexample" to √x·√y ≥ 0, which holds with `**` (a wrong `fails`
# by the tool's own semantics; the same claim had two verdicts by its spelling).

H = sp.Rational(1, 2)
SPELLINGS = {
    "operator": lambda x, y: rel(x ** H * y ** H, ">=", 0),
    "sqrt": lambda x, y: rel(sp.sqrt(x) * sp.sqrt(y), ">=", 0),
    "Pow": lambda x, y: rel(sp.Pow(x, H) * sp.Pow(y, H), ">=", 0),
    "Pow-unevaluated": lambda x, y: rel(sp.Pow(x, H, evaluate=False) * sp.Pow(y, H, evaluate=False), ">=", 0),
    "builtin-pow": lambda x, y: rel(pow(x, H) * pow(y, H), ">=", 0),
    "dunder": lambda x, y: rel(x.__pow__(H) * y.__pow__(H), ">=", 0),
    "rpow": lambda x, y: rel(H.__rpow__(x) * H.__rpow__(y), ">=", 0),
    "root": lambda x, y: rel(sp.root(x, 2) * sp.root(y, 2), ">=", 0),
}


@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_every_spelling_of_a_square_root_has_no_value_at_a_negative_number(name):
    from symderiv.concrete import UndefinedAtPoint
    from symderiv.relations import collect_assumptions

    c = Claim(id=f"adv.pow-{name}", kind="inequality", where="test", statement="√x·√y ≥ 0", check=SPELLINGS[name],
              given=XY, sizes=no_sizes(), prove=True)
    with pytest.raises(UndefinedAtPoint):
        collect_assumptions(c.check, x=sp.Integer(-1), y=sp.Integer(-1))
    collect_assumptions(c.check, x=sp.Integer(1), y=sp.Rational(1, 4))   # a value where both are ≥ 0


def test_an_odd_real_root_keeps_its_value_at_a_negative_number():
    from symderiv.relations import collect_assumptions

    c = Claim(id="adv.real-root", kind="inequality", where="test", statement="∛x ≤ 2",
              check=lambda x: rel(sp.real_root(x, 3), "<=", 2), given=X, sizes=no_sizes(), prove=True)
    collect_assumptions(c.check, x=sp.Integer(-8))


# ----- the same class for the inverse trigonometric and hyperbolic functions off their real domains ---------------


@pytest.mark.parametrize("fn, at, inside", [(sp.asin, 2, sp.Rational(1, 2)), (sp.acos, -2, 0), (sp.acosh, 0, 2),
                                             (sp.atanh, 1, sp.Rational(1, 2)), (sp.acoth, sp.Rational(1, 2), 2),
                                             (sp.asec, sp.Rational(1, 2), 2), (sp.acsc, 0, -2)],
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_an_inverse_function_off_its_real_domain_has_no_value(fn, at, inside):
    # sin(asin x) ≤ 1 was refuted at x = 2 (sin(asin 2) = 2), though asin 2 has no real value
    from symderiv.concrete import UndefinedAtPoint
    from symderiv.relations import collect_assumptions

    c = Claim(id=f"adv.inverse-{fn.__name__}", kind="inequality", where="test", statement="x",
              check=lambda x: rel(fn(x) ** 2, ">=", 0), given=X, sizes=no_sizes(), prove=True)
    with pytest.raises(UndefinedAtPoint):
        collect_assumptions(c.check, x=sp.Integer(at) if isinstance(at, int) else at)
    collect_assumptions(c.check, x=sp.Integer(inside) if isinstance(inside, int) else inside)
