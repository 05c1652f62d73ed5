"""√ and |·| decided soundly (issue 21 item 3; issue 19's |x| of a free variable).

Free variables are real; a scalar may declare a sign (``scalar(positive=True)``). The normal form rewrites √,
|·| and sign exactly (factorisation, the declared signs), the kernel re-checks a holds at its own random point
(algebraic sides compared by minimal polynomial) and refutes at an exact point inside the domain. Each class is
tested with siblings written another way: ``s**Rational(1, 2)`` beside ``sp.sqrt``, ``abs`` beside ``sp.Abs``,
|·| of a product, a sign from the domain against no sign at all.
"""
from symderiv.kernel.accept import UNBOUNDED
import pytest
import sympy as sp

from symderiv import inv, matrix, scalar, sweep, vector
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.identity import canonical_radicals, nonzero_entries
from symderiv.kernel import verify_identity
from symderiv.kernel.dual import KernelError
from symderiv.kernel.free import ExactVariables
from symderiv.results import Verdict
from symderiv.variables import FreeValues

HALF = sp.Rational(1, 2)


def free_claim(check, variables, n=(1, 2), cid="t.sqrtabs"):
    return Claim(id=cid, where="test", statement="test", check=check, variables=variables, conventions={},
                 sizes=sweep(n=n))


def assert_holds_kernel_checked(c):
    res = check_claim(c)
    assert res.verdict == Verdict.HOLDS, (res.verdict, res.error, [o.detail for o in res.sizes])
    # the kernel re-checked every size itself; where it bounds no degree (|·|, √ of the random values) its
    # agreement is named as trusted (accept.UNBOUNDED), and nothing else is
    assert set(res.trusted) <= {UNBOUNDED}, res.trusted
    return res


def assert_certified_fails(c):
    res = check_claim(c)
    assert res.verdict == Verdict.FAILS, (res.verdict, res.error, [o.detail for o in res.sizes])
    assert verify_identity(c, res.counterexample).ok
    return res


def sqrt_fn(s):
    return sp.sqrt(s)


def half_power(s):
    return s ** HALF


ROOTS = {"sp.sqrt": sqrt_fn, "**Rational(1, 2)": half_power}
ABSES = {"sp.Abs": sp.Abs, "abs": abs}


def layer_norm(x, root):
    n = x.rows
    c = x - (sum(x) / n) * sp.ones(n, 1)
    return c / root(sum(e ** 2 for e in c) / n)


# ----- |·| of a free variable: no engine error, decided both ways ----------------------------------

@pytest.mark.parametrize("absf", list(ABSES))
def test_abs_of_a_free_scalar_vector_entry_and_product(absf):
    A = ABSES[absf]
    V = dict(a=scalar(), b=scalar(), x=vector("n"))
    true = {
        "|a|² = a²": lambda v: (A(v.a) ** 2, v.a ** 2),
        "|ab| = |a||b|": lambda v: (A(v.a * v.b), A(v.a) * A(v.b)),
        "|x₀|·|x₀| = x₀²": lambda v: (A(v.x[0]) * A(v.x[0]), v.x[0] ** 2),
        "d|a|/da · |a| = a": lambda v: (v.d(A(v.a), "a") * A(v.a), sp.Matrix([[v.a]])),
    }
    false = {
        "|ab| = a|b|": lambda v: (A(v.a * v.b), v.a * A(v.b)),
        "|a| = a": lambda v: (A(v.a), v.a),
        "|x₀ − b| = x₀ − b": lambda v: (A(v.x[0] - v.b), v.x[0] - v.b),
    }
    for name, check in true.items():
        assert_holds_kernel_checked(free_claim(check, V, cid=f"t.true.{name}"))
    for name, check in false.items():
        assert_certified_fails(free_claim(check, V, cid=f"t.false.{name}"))


# ----- a declared sign is a domain: the normal form uses it, points respect it, the kernel checks it -----

@pytest.mark.parametrize("root", list(ROOTS))
def test_sqrt_of_a_square_under_a_stated_sign(root):
    r = ROOTS[root]
    pos = dict(l=scalar(positive=True), w=scalar())
    neg = dict(l=scalar(negative=True), w=scalar())
    free = dict(l=scalar(), w=scalar())
    assert_holds_kernel_checked(free_claim(lambda v: (r(v.l ** 2 * v.w), v.l * r(v.w)), pos, n=(1,)))
    assert_holds_kernel_checked(free_claim(lambda v: (r(v.l ** 2 * v.w), -v.l * r(v.w)), neg, n=(1,)))
    assert_holds_kernel_checked(free_claim(lambda v: (r(v.l ** 2 * v.w), sp.Abs(v.l) * r(v.w)), free, n=(1,)))
    res = assert_certified_fails(free_claim(lambda v: (r(v.l ** 2 * v.w), v.l * r(v.w)), free, n=(1,)))
    assert sp.Rational(res.counterexample.point["l"]) < 0
    res = assert_certified_fails(free_claim(lambda v: (r(v.l ** 2 * v.w), v.l * r(v.w)), neg, n=(1,)))
    assert sp.Rational(res.counterexample.point["l"]) < 0  # inside the declared domain


@pytest.mark.parametrize("root", list(ROOTS))
def test_layer_norm_rescale_invariance_holds_for_positive_and_fails_for_negative(root):
    r = ROOTS[root]
    check = lambda v: (layer_norm(v.lam * v.x, r), layer_norm(v.x, r))  # noqa: E731
    res = assert_holds_kernel_checked(free_claim(check, dict(x=vector("n"), lam=scalar(positive=True)), n=(2, 3)))
    assert "lam > 0" in res.scope
    for lam in (scalar(negative=True), scalar()):
        res = assert_certified_fails(free_claim(check, dict(x=vector("n"), lam=lam), n=(2, 3)))
        assert sp.Rational(res.counterexample.point["lam"]) < 0


def test_the_kernel_refuses_a_point_outside_a_declared_sign():
    conv = {"jacobian": "numerator", "vec": "col-major"}
    with pytest.raises(KernelError, match="declared negative"):
        ExactVariables(dict(lam=scalar(negative=True)), {"n": 1}, {"lam": 1}, conv)
    with pytest.raises(KernelError, match="declared positive"):
        ExactVariables(dict(lam=scalar(positive=True)), {"n": 1}, {"lam": 0}, conv)
    ok = ExactVariables(dict(lam=scalar(positive=True)), {"n": 1}, {"lam": sp.Rational(1, 3)}, conv)
    assert ok.premises == ["lam > 0"]


def test_the_search_domain_and_symbols():
    fv = FreeValues(dict(lam=scalar(negative=True), x=vector("n")), {"n": 2}, {})
    assert fv.lam.is_negative and fv.x[0].is_real
    from fractions import Fraction
    assert not fv.admissible({fv.lam: Fraction(1), fv.x[0]: Fraction(0), fv.x[1]: Fraction(0)})
    assert fv.admissible({fv.lam: Fraction(-1), fv.x[0]: Fraction(0), fv.x[1]: Fraction(0)})
    with pytest.raises(Exception, match="positive or negative"):
        scalar(positive=True, negative=True)


# ----- ln|det X| is accepted, and means the Cookbook's eq. (51) --------------------------------------

@pytest.mark.parametrize("absf", list(ABSES))
def test_log_abs_det(absf):
    A = ABSES[absf]
    X = dict(X=matrix("n", invertible=True))
    assert_holds_kernel_checked(free_claim(lambda v: (v.d(sp.log(A(v.X.det())), "X"), inv(v.X).T), X, n=(1, 2, 3)))
    res = assert_certified_fails(free_claim(lambda v: (v.d(sp.log(A(v.X.det())), "X"), inv(v.X)), X, n=(1, 2, 3)))
    assert res.counterexample.size == {"n": 2}


# ----- the normal form's rewrites are identities of real functions (never a sign assumed) ----------------

def test_canonical_radicals_never_assume_a_sign():
    x, y = sp.symbols("x y", real=True)
    p = sp.Symbol("p", positive=True)
    z = sp.zeros(1, 1)
    one = lambda e: sp.Matrix([[e]])  # noqa: E731
    # true: rewrites that hold for every real value
    for lhs, rhs in [(sp.sqrt(x ** 2 * y), sp.Abs(x) * sp.sqrt(y)), (sp.sqrt(p ** 2 * y), p * sp.sqrt(y)),
                     (sp.sqrt(4 * x ** 2), 2 * sp.Abs(x)), (sp.Abs(x * y), sp.Abs(x) * sp.Abs(y)),
                     (sp.sign(x) * sp.Abs(x), x), ((x ** 2 * y) ** sp.Rational(3, 2), sp.Abs(x) ** 3 * y * sp.sqrt(y)),
                     (sp.sqrt(y / x ** 2), sp.sqrt(y) / sp.Abs(x)), (sp.sqrt(-y), sp.sqrt(-y))]:
        assert nonzero_entries(one(lhs), one(rhs)) == [], (lhs, rhs)
        assert nonzero_entries(one(lhs), one(rhs), backend="sympy") == [], (lhs, rhs)
    # false: each is wrong at some real value, so the normal form must not call it zero
    for lhs, rhs in [(sp.sqrt(x ** 2 * y), x * sp.sqrt(y)), (sp.Abs(x * y), x * sp.Abs(y)),
                     (sp.sqrt(x * y), sp.sqrt(x) * sp.sqrt(y)), (sp.sqrt(-y), sp.sqrt(y)),
                     (sp.Abs(x + y), sp.Abs(x) + sp.Abs(y))]:
        assert nonzero_entries(one(lhs), one(rhs)) != [], (lhs, rhs)
    assert canonical_radicals([x + 1]) == [x + 1] and z == sp.zeros(1, 1)


# ----- an inequality with √ proved only where it is defined says where (issue 19's √x ≥ 0 on [−1, 1]) -------

def _ineq(check, lo, hi, cid="t.sqrt-ineq"):
    from symderiv import no_sizes, scalars
    return Claim(id=cid, where="test", statement="test", kind="inequality", check=check,
                 given=dict(x=scalars(lo, hi)), sizes=no_sizes())


@pytest.mark.parametrize("root", list(ROOTS))
def test_an_inequality_proved_where_it_is_defined_names_the_undefined_part(root):
    from symderiv import rel
    from symderiv.prove import encode_size, undefined_part

    r = ROOTS[root]
    for (lo, hi), want in {(-1, 1): "x ≥ 0", (0, 1): "", (-2, -1): "x ≥ 0"}.items():
        c = _ineq(lambda x: rel(r(x), ">=", 0), lo, hi)
        _, syms, domain, steps, _ = encode_size(c, {})
        assert undefined_part(domain, steps[0][1], syms=syms) == want, (lo, hi)
    # the denominator's sibling: 1/x² > 0 is defined where x ≠ 0
    c = _ineq(lambda x: rel(1 / x ** 2, ">", 0), -1, 1)
    _, syms, domain, steps, _ = encode_size(c, {})
    assert undefined_part(domain, steps[0][1], syms=syms) == "x**2 ≠ 0"
    res = check_claim(_ineq(lambda x: rel(r(x), ">=", 0), -1, 1))
    assert res.verdict == Verdict.HOLDS
    assert all("x ≥ 0" in o.method for o in res.sizes), [o.method for o in res.sizes]


def test_a_hypothesis_that_implies_the_definition_is_not_restated():
    from symderiv import assume, rel
    from symderiv.prove import encode_size, undefined_part

    def check(x):
        assume(rel(x, ">", 0))
        return rel(sp.sqrt(x) + 1 / x, ">", 0)

    _, syms, domain, steps, hyps = encode_size(_ineq(check, -1, 1), {})
    assert undefined_part(domain, steps[0][1], hyps=hyps, syms=syms) == ""
    assert undefined_part(domain, steps[0][1], syms=syms) == "x ≥ 0, x ≠ 0"  # without it, both are stated


def test_a_sign_by_assume_in_a_free_identity_never_gives_a_wrong_verdict():
    """assume(λ > 0) inside a free-variable identity is not (yet) a sign for the normal form: the verdict may be
    undecided, but a true claim under it never fails and a false one never holds (the domain sibling decides)."""
    from symderiv import assume, rel

    V = dict(l=scalar(), w=scalar())

    def true(v):
        assume(rel(v.l, ">", 0))
        return sp.sqrt(v.l ** 2 * v.w), v.l * sp.sqrt(v.w)

    def false(v):
        assume(rel(v.l, "<", 0))
        return sp.sqrt(v.l ** 2 * v.w), v.l * sp.sqrt(v.w)

    assert check_claim(free_claim(true, V, n=(1,))).verdict != Verdict.FAILS
    assert check_claim(free_claim(false, V, n=(1,))).verdict != Verdict.HOLDS
