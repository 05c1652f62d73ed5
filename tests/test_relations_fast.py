"""The relation search's shortcuts (issue 11) change nothing they are not allowed to change.

* the float guide (SymEngine, memoised per scalar) gives the floats SymPy's evalf gave;
* ``decide(r, want)`` (a tie-break skipped when it could only answer the other way) answers
  "is it ``want``?" exactly as ``decide(r)`` does;
* the engine asks the step first, then the hypotheses: a hypothesis that holds only by an
  exact tie is still certified, one that fails still binds;
* the kernel, which still decides in full, rejects certificates that a skipped tie-break would
  have had to refute.
"""
import dataclasses

import pytest
import sympy as sp

from symderiv import assume, eq, matrices, norm2, rel, rho, sampled, vectors
from symderiv.certificates import issue_relation
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.families import cayley_orthogonal
from symderiv.functions import logistic
from symderiv.kernel import verify_relation
from symderiv.kernel.decide import decide
from symderiv.relations import Num, Spectral, float_value, lift
from symderiv.results import Verdict
from symderiv.sizes import sweep

h = sp.Rational(1, 2)
VALUES = [
    sp.Rational(-7, 3), sp.Integer(0),
    1 - sp.tanh(h) ** 2,
    1 - sp.tanh(sp.Rational(3, 2) * sp.tanh(h) + 2 * sp.tanh(sp.Rational(-1, 3) + h * sp.tanh(1)) - 1) ** 2,
    sp.exp(h) / (1 + sp.E), sp.sqrt(2) + sp.tanh(h), sp.Abs(sp.tanh(-h)), sp.pi * sp.cos(h),
    1 - sp.tanh(20) ** 2,            # cancellation 256 bits resolve
    1 - sp.tanh(80) ** 2,            # one they do not: SymPy's adaptive evalf takes over
    1 / (1 + sp.exp(-h)),            # the logistic function in closed form, as lift() writes it
    sp.Max(h, sp.tanh(h)),
]


@pytest.mark.parametrize("value", VALUES, ids=[sp.sstr(v)[:30] for v in VALUES])
def test_the_float_guide_gives_the_floats_evalf_gave(value):
    assert float_value(value) == float(value.evalf(30))


def test_the_float_guide_refuses_what_evalf_refuses():
    with pytest.raises(TypeError):
        float_value(1 + sp.sqrt(-2))
    with pytest.raises(TypeError):
        float(sp.Symbol("x").evalf(30))  # the reference behaviour the guide keeps
    with pytest.raises(TypeError):
        float_value(sp.Symbol("x") + sp.tanh(1))
    with pytest.raises(TypeError):  # logistic has no evalf of its own: SymPy must not decide a comparison of it
        float(logistic(h).evalf(30))
    # the guide reads it through its exp form (a function SymEngine does not know goes to SymPy, never to SymEngine)
    import math
    assert float_value(logistic(h) + sp.tanh(1)) == pytest.approx(1 / (1 + math.exp(-0.5)) + math.tanh(1))
    assert (logistic(h) * (1 - logistic(h)) <= sp.Rational(1, 5)) not in (sp.true, sp.false)


def test_a_scalar_is_evaluated_once_and_its_float_is_the_unmemoised_one():
    M = sp.Matrix([[1 - sp.tanh(h) ** 2, 2], [sp.Rational(1, 3), sp.tanh(sp.tanh(h) + 1)]])
    s = norm2(M) * lift(3) + rho(M)
    first = s.approx()
    assert s.approx() == first
    fresh = Spectral("norm2", M)
    import numpy as np

    A = np.array(M.evalf(30).tolist(), dtype=float)
    assert fresh.approx() == float(np.linalg.norm(A, 2))


def test_a_rational_matrix_is_copied_not_shared():
    M = sp.Matrix([[1, h], [0, 2]])
    s = norm2(M)
    M[0, 0] = 100  # the proof file changes its matrix afterwards: the quantity keeps the value it was given
    assert s.M[0, 0] == 1 and s.M is not M
    with pytest.raises(Exception, match="float"):
        norm2(sp.Matrix([[0.5, 1], [0, 1]]))


R2 = sp.Matrix([[3, 0], [0, 4]])
RELATIONS = [
    rel(1 - sp.tanh(0) ** 2, "<", 1),                          # exact tie, strict: false
    rel(1 - sp.tanh(0) ** 2, "<=", 1),                         # exact tie, not strict: true
    eq(norm2(R2), 4), rel(norm2(R2), "!=", 4), rel(norm2(R2), ">", 4), rel(norm2(R2), ">=", 4),
    eq(norm2(sp.Matrix([[1, 1], [0, 1]])), Num((1 + sp.sqrt(5)) / 2)),
    rel(norm2(sp.Matrix([[1, 1], [0, 1]])), "<", Num((1 + sp.sqrt(5)) / 2)),
    rel(1 - sp.tanh(h) ** 2, "<", 1), rel(1 - sp.tanh(h) ** 2, ">", 1),
    rel(norm2(sp.Matrix([[1 - sp.tanh(h) ** 2, 0], [0, 1]])), "<=", norm2(sp.Matrix([[1 - sp.tanh(h) ** 2, 0],
                                                                                   [0, 1]]))),  # tie, no closed form
]


@pytest.mark.parametrize("want", [True, False])
@pytest.mark.parametrize("r", RELATIONS, ids=[str(r)[:40] for r in RELATIONS])
def test_deciding_for_one_answer_gives_that_answer_exactly_when_a_full_decision_does(r, want):
    assert (decide(r, want).value is want) == (decide(r).value is want)


def _claim(check, given, n=(1, 2), **kw):
    return Claim(id=kw.pop("id", "test.fast"), where="test", statement="test", check=check, kind="inequality",
                 given=given, sizes=sweep(n=n, t=(1,)), **kw)


def test_a_hypothesis_that_holds_only_by_an_exact_tie_is_still_certified():
    # ‖Q x‖ = ‖x‖ for orthogonal Q is a tie of algebraic numbers (balls overlap at every precision): the
    # hypothesis needs the exact tie-break; the step ‖A‖ ≤ ρ(A) is false for a nilpotent A
    def check(A, Q, x):
        assume(eq(norm2(Q * x), norm2(x)), "Q is an isometry")
        return norm2(A) <= rho(A)

    orth = sampled(lambda size, rng: cayley_orthogonal(rng, size["n"], lambda r: r.randint(-3, 3)))
    claim = _claim(check, dict(A=matrices(), Q=orth, x=vectors(nonzero=True)))
    res = check_claim(claim)
    assert res.verdict == Verdict.FAILS, res.scope
    cert = res.counterexample
    assert verify_relation(claim, cert).ok
    assert any("Q is an isometry: holds (exact" in note for note in cert.notes), cert.notes


def test_a_failing_hypothesis_still_binds_when_the_step_is_decided_first():
    def check(A):
        assume(rel(norm2(A), "<", rho(A)), "‖A‖ < ρ(A), never true")
        return norm2(A) <= rho(A)

    assert check_claim(_claim(check, dict(A=matrices()))).verdict == Verdict.UNDECIDED


def test_the_kernel_refuses_a_certificate_whose_step_holds_by_a_tie():
    # eq(‖Q x‖, ‖x‖) holds at every orthogonal Q (a tie): a certificate issued at such a point must not pass,
    # though the search's refutation check skips that tie-break
    def check(Q, x):
        return eq(norm2(Q * x), norm2(x))

    orth = sampled(lambda size, rng: cayley_orthogonal(rng, size["n"], lambda r: r.randint(-3, 3)))
    claim = _claim(check, dict(Q=orth, x=vectors()), n=(2,))
    Q = sp.Matrix([[sp.Rational(3, 5), sp.Rational(-4, 5)], [sp.Rational(4, 5), sp.Rational(3, 5)]])
    x = sp.Matrix([1, 1])
    size = {"n": 2, "t": 1}
    cert = issue_relation(claim.id, size, {"Q": Q, "x": x}, "claim", claim.evaluator(size))
    check_ = verify_relation(claim, cert)
    assert not check_.ok and "not refuted" in check_.reason
    assert check_claim(claim).verdict == Verdict.UNDECIDED


def test_the_kernel_still_refutes_a_strict_relation_at_an_exact_tie_and_rejects_a_forged_side():
    def check(x):
        return rel(1 - sp.tanh(x) ** 2, "<", 1, "tanh' < 1")

    from symderiv import scalars

    claim = _claim(check, dict(x=scalars()), n=(1,))
    res = check_claim(claim)
    assert res.verdict == Verdict.FAILS and res.counterexample.point == {"x": "0"}
    cert = res.counterexample
    assert verify_relation(claim, cert).ok
    assert not verify_relation(claim, dataclasses.replace(cert, point={"x": "1/2"})).ok
    assert not verify_relation(claim, dataclasses.replace(cert, lhs="2")).ok


def _reference_minimal_polynomial(seq):
    """The kernel's earlier algorithm (SymPy's gauss_jordan_solve), kept here as the reference."""
    x = sp.Symbol("x")
    M, X = sp.Matrix(seq.M), sp.Matrix(seq.X0)
    N = M.rows
    lo, hi = seq.view or (0, M.rows)
    ys, Z = [], X
    for _ in range(2 * N + 1):
        ys.append(Z[lo:hi, :])
        Z = M * Z
    for d in range(0, N + 1):
        rows, rhs = [], []
        for q in range(N):
            for idx in range(ys[0].rows * ys[0].cols):
                rows.append([ys[q + i][idx] for i in range(d)])
                rhs.append(-ys[q + d][idx])
        if d == 0:
            if all(v == 0 for v in rhs):
                return sp.Poly(1, x)
            continue
        try:
            sol, params = sp.Matrix(rows).gauss_jordan_solve(sp.Matrix(rhs))
        except ValueError:
            continue
        sol = sol.subs({p: 0 for p in params})
        return sp.Poly(x ** d + sum(sol[i] * x ** i for i in range(d)), x)


def _sequences():
    import random

    from symderiv import affine, powers

    rng = random.Random(7)
    out = [powers(sp.Matrix([[1, 1], [0, 1]]), sp.Matrix([0, 1])), powers(sp.Matrix([[0, 7], [0, 0]]), sp.eye(2)),
           powers(sp.zeros(2, 2), sp.Matrix([1, 2])), powers(sp.eye(3), sp.Matrix([1, 0, 0])),
           powers(sp.diag(2, 2, sp.Rational(1, 2)), sp.Matrix([1, 1, 0]))]
    for n in (1, 2, 3):
        for _ in range(6):
            M = sp.Matrix(n, n, lambda i, j: sp.Rational(rng.randint(-3, 3), rng.choice([1, 2, 3])))
            X = sp.Matrix(n, rng.choice([1, 2]), lambda i, j: rng.randint(-2, 2))
            out.append(powers(M, X))
            out.append(affine(M, sp.Matrix(n, 1, lambda i, j: rng.randint(-1, 1)), X[:, 0]))
    return out


@pytest.mark.parametrize("seq", _sequences())
def test_the_minimal_polynomial_over_flint_is_sympys(seq):
    from symderiv.kernel.decide import minimal_polynomial

    mine, ref = minimal_polynomial(seq), _reference_minimal_polynomial(seq)
    assert sp.sstr(mine.as_expr()) == sp.sstr(ref.as_expr())
    # and it annihilates the observed sequence
    lo, hi = seq.view or (0, seq.M.rows)
    c = list(reversed(mine.all_coeffs()))
    Z = [seq.M ** q * seq.X0 for q in range(len(c) + 2)]
    for q in range(2):
        assert sum((c[i] * Z[q + i][lo:hi, :] for i in range(len(c))), sp.zeros(hi - lo, seq.X0.cols)).is_zero_matrix


def test_cayley_over_flint_is_sympys_exact_transform():
    import random

    from symderiv.families import cayley

    rng = random.Random(3)
    for n in (1, 2, 3):
        for _ in range(10):
            S = sp.zeros(n, n)
            for i in range(n):
                for j in range(i + 1, n):
                    S[i, j] = sp.Rational(rng.randint(-3, 3), rng.choice([1, 2, 3]))
                    S[j, i] = -S[i, j]
            Q = cayley(S)
            assert Q == (sp.eye(n) - S) * (sp.eye(n) + S).inv() and Q.T * Q == sp.eye(n)
    c = sp.Symbol("c")
    assert sp.cancel(cayley(sp.Matrix([[0, c], [-c, 0]]))[0, 1] + 2 * c / (c ** 2 + 1)) == 0  # symbolic: SymPy


@pytest.mark.parametrize("M", [sp.Matrix([[1, 2], [3, -4]]), sp.Matrix([[h, -sp.Rational(10 ** 20, 3)], [0, 7]]),
                               sp.Matrix([[1 - sp.tanh(h) ** 2, 2]]), sp.Matrix([[sp.sqrt(2), h]])])
def test_a_matrix_read_from_its_representation_has_the_floats_and_rationals_of_its_entries(M):
    import numpy as np

    from symderiv.kernel.decide import _entries
    from symderiv.relations import _float_matrix

    assert (_float_matrix(M) == np.array([[float(x.evalf(30)) for x in M.row(i)] for i in range(M.rows)])).all()
    entries = _entries(M)
    if all(x.is_Rational for x in M):
        assert [sp.Rational(int(q.p), int(q.q)) for q in entries] == list(M)
    else:
        assert entries is None
