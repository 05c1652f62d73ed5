"""Adversarial tests (advkernel) of the paths to `holds` merged on 2026-12-06:

1. the kernel's own structured reading of norms (kernel/goal.py: 1×1 norms, ‖diag(d)‖₂, ρ and λ_max of a
   triangular matrix, a step proved by that reading "whatever the evidence");
2. model relational claims read on the kernel's exact model;
3. the diagonal-scaling lemma (prove/lemmas.py);
4. the randomized confirmation's degree bound E (kernel/random_check.py degree_of).

Every attack in sections 1–4 is a claim a user could write; none got a wrong verdict. They are kept as guards of
the class: each asserts the typed verdict (Result.verdict), and the degree-bound ones the typed bound itself.

Finding (fixed; last section): the randomized confirmation drew every random value in [0, 2^128). Where a side
applies |·| (or √ of a square) to the random values, agreement there says nothing about negative values: with the
normal form planted to drop |·|, |x| = x (free scalar, plain SymPy symbol), |h₁| = h₁ and |W| = W (a model) all held,
the kernel 'agreeing' with 'error ≤ D·2^−128'. Draws now take a random sign (a declared sign kept), a point outside
where √ or log is real is drawn again, and where the degree is not bounded the kernel draws 16 points.
"""
import sympy as sp

from symderiv import assume, avram2025_rnn, diag, diagonals, lam_max, matrices, no_sizes, norm2, rel, rho, scalars
from symderiv import sweep, vectors
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.kernel.random_check import degree_of
from symderiv.results import Verdict

N12 = sweep(n=(1, 2), t=1, fixed=("t",))
N2 = sweep(n=(2,), t=1, fixed=("t",))
MODEL1 = sweep(n=(1,), t=(1,), fixed=("t",))


def _ineq(cid, check, given, sizes, prove, **kw):
    return Claim(id=cid, where="test", statement="adversarial", kind="inequality", check=check, given=given,
                 sizes=sizes, prove=prove, **kw)


def _verdict(c):
    return check_claim(c).verdict


# ----- 1. the kernel's structured reading ------------------------------------------------------------------------

def test_lam_max_of_a_lower_triangular_matrix_is_its_largest_diagonal_entry():
    """True: Tᵀ of an upper triangular T is lower triangular; the kernel's reading (λ_max = max tᵢᵢ for either
    orientation) proves it on its own statement."""
    def check(T):
        return lam_max(T.T) <= sp.Max(*[T[i, i] for i in range(T.rows)])
    assert _verdict(_ineq("adv.lammax-lower", check, dict(T=matrices(families=("triangular",))), N12,
                          (1, 2))) == Verdict.HOLDS


def test_strict_inequality_where_the_reading_gives_equality_fails():
    """‖diag(d)‖₂ < maxᵢ|dᵢ| is false everywhere: the reading's equality must not make a strict step hold."""
    def check(d):
        return norm2(diag(list(d))) < sp.Max(*[sp.Abs(v) for v in d])
    assert _verdict(_ineq("adv.strict-diag", check, dict(d=vectors()), N12, (1, 2))) == Verdict.FAILS


def test_one_by_one_norm_of_an_expression_that_can_be_negative():
    """‖[x − 1/1000]‖₂ ≤ x is false for x < 1/2000 (the norm is |x − 1/1000|, not x − 1/1000)."""
    def check(x):
        return rel(norm2(sp.Matrix([[x - sp.Rational(1, 1000)]])), "<=", x)
    assert _verdict(_ineq("adv.one-norm-neg", check, dict(x=scalars(-3, 3)), no_sizes(), True)) == Verdict.FAILS


def test_lam_max_of_one_by_one_under_a_hypothesis_the_reading_must_respect():
    """assume(x ≥ −1/1000) does not give λ_max([x]) = x ≥ 0."""
    def check(x):
        assume(rel(x, ">=", -sp.Rational(1, 1000)))
        return rel(lam_max(sp.Matrix([[x]])), ">=", 0)
    assert _verdict(_ineq("adv.lam1-hyp", check, dict(x=scalars(-3, 3)), no_sizes(), True)) == Verdict.FAILS


def test_rho_of_a_matrix_triangular_by_a_cancelling_entry():
    """[[a, c], [c − c, b]] is upper triangular (c − c is 0): ρ = max(|a|, |b|), so ρ ≤ a + 10⁻⁹ is false."""
    def check(a, b, c):
        return rho(sp.Matrix([[a, c], [c - c, b]])) <= a + sp.Rational(1, 10 ** 9)
    given = dict(a=scalars(0, 1), b=scalars(0, 1), c=scalars(-1, 1))
    assert _verdict(_ineq("adv.rho-tri", check, given, no_sizes(), True)) == Verdict.FAILS


def test_rho_of_a_matrix_that_is_not_triangular_is_not_read_as_its_diagonal():
    """[[a, c], [e, a]] has eigenvalues a ± √(ce): ρ ≤ |a| is false where ce > 0."""
    def check(a, c, e):
        return rho(sp.Matrix([[a, c], [e, a]])) <= sp.Abs(a)
    given = dict(a=scalars(0, 1), c=scalars(-1, 1), e=scalars(-1, 1))
    assert _verdict(_ineq("adv.rho-nontri", check, given, no_sizes(), True)) == Verdict.FAILS


def test_a_matrix_zero_only_at_n1_is_not_read_as_zero_beyond():
    """W − Wᵀ is [0] at n = 1 (‖·‖₂ = |0| = 0 by the 1×1 reading) but not at n = 2: ‖W − Wᵀ‖₂ ≤ 0 fails."""
    def check(W):
        return norm2(W - W.T) <= 0
    assert _verdict(_ineq("adv.skew-n1", check, dict(W=matrices()), N12, (1, 2))) == Verdict.FAILS


def test_rho_of_a_lower_triangular_matrix_is_not_its_first_entry():
    def check(T):
        return rho(T.T) <= sp.Abs(T[0, 0])
    assert _verdict(_ineq("adv.rho-lower", check, dict(T=matrices(families=("triangular",))), N12, (1, 2))) \
        == Verdict.FAILS


# ----- 2. model relational claims ----------------------------------------------------------------------------------

def _h1(m, W, h0):
    return m.value(m.at("h", m.t), W=W, h0=h0)


def test_model_tanh_derivative_bounded_below_fails():
    """tanh'(z) ≥ 10⁻⁶ is false for |z| large; the relaxation of tanh must not prove it."""
    def check(md, W, h0):
        z = md.value(md.at("z", md.t), W=W, h0=h0)
        return rel(1 - sp.tanh(z[0]) ** 2, ">=", sp.Rational(1, 10 ** 6))
    c = _ineq("adv.model-dtanh", check, dict(W=matrices(), h0=vectors()), MODEL1, (1,), model=avram2025_rnn,
              activation="tanh")
    assert _verdict(c) == Verdict.FAILS


def test_model_tanh_value_just_below_one_is_not_proved():
    """tanh(z)² ≤ 1 − 10⁻³⁰ is false only for |z| > 34: the range (−1, 1) must not prove it (undecided is
    right; the search's small integers never reach it)."""
    def check(md, W, h0):
        return rel(_h1(md, W, h0)[0] ** 2, "<=", 1 - sp.Rational(1, 10 ** 30))
    c = _ineq("adv.model-tanh-near1", check, dict(W=matrices(), h0=vectors()), MODEL1, (1,), model=avram2025_rnn,
              activation="tanh")
    assert _verdict(c) != Verdict.HOLDS


def test_model_sign_claim_without_its_hypothesis_fails():
    """h₁·h₀ = tanh(W h₀)·h₀ ≥ 0 needs W ≥ 0, which is not assumed."""
    def check(md, W, h0):
        return rel(_h1(md, W, h0)[0] * h0[0], ">=", 0)
    c = _ineq("adv.model-sign", check, dict(W=matrices(), h0=vectors()), MODEL1, (1,), model=avram2025_rnn,
              activation="tanh")
    assert _verdict(c) == Verdict.FAILS


# ----- 3. the diagonal-scaling lemma --------------------------------------------------------------------------------

def test_diagonal_scaling_with_mixed_sign_d_fails():
    def check(W, D):
        return norm2(W * D) <= norm2(W) * sp.Max(*[D[i, i] for i in range(D.rows)])
    assert _verdict(_ineq("adv.ds-mixed", check, dict(W=matrices(), D=diagonals(lo=-1, hi=1)), N2, (2,))) \
        == Verdict.FAILS


def test_diagonal_scaling_with_d_on_the_left_and_nonnegative_holds():
    def check(W, D):
        return norm2(D * W) <= norm2(W) * sp.Max(*[D[i, i] for i in range(D.rows)])
    assert _verdict(_ineq("adv.ds-left", check, dict(W=matrices(), D=diagonals(lo=0, hi=1)), N2, (2,))) \
        == Verdict.HOLDS


def test_diagonal_scaling_with_a_hypothesis_too_weak_for_d_nonnegative_fails():
    def check(W, d):
        assume(rel(d[0], ">=", -1))
        return norm2(W * diag(list(d))) <= norm2(W) * sp.Max(*list(d))
    assert _verdict(_ineq("adv.ds-hyp", check, dict(W=matrices(), d=vectors()), N2, (2,))) == Verdict.FAILS


def test_diagonal_scaling_with_a_triangular_not_diagonal_factor_fails():
    def check(W, D):
        return norm2(W * D) <= norm2(W) * sp.Max(*[sp.Abs(D[i, i]) for i in range(D.rows)])
    given = dict(W=matrices(), D=matrices(families=("triangular",)))
    assert _verdict(_ineq("adv.ds-full", check, given, N2, (2,))) == Verdict.FAILS


# ----- 4. the degree bound ------------------------------------------------------------------------------------------

X, Y = sp.symbols("x y")


def _identity(cid, lhs, rhs):
    return Claim(id=cid, where="test", statement="adversarial", check=lambda: (sp.Matrix([[lhs]]), sp.Matrix([[rhs]])),
                 sizes=no_sizes())


def test_degree_bound_covers_a_high_power():
    """(x + 1)⁴⁰·y against its expansion: each side has degree 41, so E ≥ 41."""
    E, _ = degree_of(_identity("adv.deg-pow", (X + 1) ** 40 * Y, sp.expand((X + 1) ** 40 * Y)), {})
    assert E is not None and E >= 41


def test_degree_bound_covers_denominators():
    """1/(x³⁰ + 1) + y against one fraction: over a common denominator N has degree ≤ 61 and M ≤ 60."""
    E, _ = degree_of(_identity("adv.deg-frac", 1 / (X ** 30 + 1) + Y, (1 + Y * (X ** 30 + 1)) / (X ** 30 + 1)), {})
    assert E is not None and E >= 91


def test_an_identity_true_only_at_integers_is_not_said_to_hold():
    """floor(x) = x for a real x: the kernel draws integers, where it is true; the verdict must not be holds."""
    x = sp.Symbol("x", real=True)
    c = Claim(id="adv.floor", where="test", statement="adversarial", check=lambda: (sp.floor(x), x),
              sizes=no_sizes())
    assert check_claim(c).verdict != Verdict.HOLDS


# ----- finding: the kernel's random re-check of a sign-dependent identity ------------------------------------------

def _planted_abs_drop(monkeypatch):
    """Plant an engine bug: the √/|·| normal form drops every modulus (|a| → a)."""
    from symderiv import identity

    orig = identity.canonical_radicals

    def planted(exprs):
        return orig([sp.sympify(e).replace(lambda t: isinstance(t, sp.Abs), lambda t: t.args[0]) for e in exprs])
    monkeypatch.setattr(identity, "canonical_radicals", planted)


def test_a_planted_modulus_drop_is_caught_by_the_kernels_random_check(monkeypatch):
    """|x| = x for an unsigned real x is false; with the normal form planted to drop |·| it says holds. The kernel
    drew every free entry in [0, 2^128), where |x| = x at every point: it agreed, and the claim held (with 'error ≤
    D·2^−128'). Entries now take a random sign, and where the degree is not bounded (|·| of the random values) the
    kernel draws 16 points: a sign-dependent rewrite agrees at all of them with probability 2^−16."""
    from symderiv import scalar

    _planted_abs_drop(monkeypatch)
    for k in range(4):
        c = Claim(id=f"adv.planted-abs-{k}", where="test", statement="adversarial",
                  check=lambda v: (sp.Abs(v.x), v.x), variables=dict(x=scalar()), sizes=sweep(n=(1, 2)))
        assert check_claim(c).verdict != Verdict.HOLDS


def test_a_planted_modulus_drop_under_a_norm_is_caught(monkeypatch):
    from symderiv import vector

    _planted_abs_drop(monkeypatch)
    c = Claim(id="adv.planted-abs-norm", where="test", statement="adversarial",
              check=lambda v: (sp.sqrt(sum(e ** 2 for e in v.x)) * sp.Abs(v.x[0]),
                               sp.sqrt(sum(e ** 2 for e in v.x)) * v.x[0]),
              variables=dict(x=vector("n")), sizes=sweep(n=(1, 2)))
    assert check_claim(c).verdict != Verdict.HOLDS


def test_a_declared_sign_is_kept_by_the_signed_draws():
    """|y − x| = x − y for x > 0, y < 0 is true; the signed draws must keep each declared sign (else the kernel
    would refuse a true claim, or raise on its premise)."""
    from symderiv import scalar

    c = Claim(id="adv.signed-draws", where="test", statement="adversarial",
              check=lambda v: (sp.Abs(v.y - v.x), v.x - v.y),
              variables=dict(x=scalar(positive=True), y=scalar(negative=True)), sizes=sweep(n=(1,)))
    assert check_claim(c).verdict == Verdict.HOLDS


def test_a_planted_modulus_drop_on_a_model_is_caught(monkeypatch):
    """The same on a model: |h₁| = h₁ (tanh) and |W| = W entrywise are false; with |·| dropped by the normal form
    they held, the kernel agreeing, since its inputs and tanh's random values were all ≥ 0. They now take random
    signs too."""
    from symderiv import avram2025_rnn

    _planted_abs_drop(monkeypatch)
    sizes = sweep(n=(1, 2), t=(1,), fixed=("t",))
    for cid, check in (("adv.planted-abs-h", lambda m: (m.h(1).applyfunc(sp.Abs), m.h(1))),
                       ("adv.planted-abs-W", lambda m: (m.W.applyfunc(sp.Abs), m.W))):
        c = Claim(id=cid, where="test", statement="adversarial", check=check, model=avram2025_rnn,
                  activation="tanh", sizes=sizes)
        assert check_claim(c).verdict != Verdict.HOLDS


def test_a_planted_modulus_drop_on_plain_symbols_is_caught(monkeypatch):
    """A claim of plain SymPy symbols: |x| = x for a real x held with the planted bug (the kernel drew x ≥ 0). A
    symbol's declared sign is kept by the draws (r.pos: |p|·x = p·x for p > 0 still holds)."""
    _planted_abs_drop(monkeypatch)
    x, p = sp.Symbol("x", real=True), sp.Symbol("p", positive=True)
    bad = Claim(id="adv.planted-abs-plain", where="test", statement="adversarial",
                check=lambda: (sp.Matrix([[sp.Abs(x)]]), sp.Matrix([[x]])), sizes=no_sizes())
    assert check_claim(bad).verdict != Verdict.HOLDS
    good = Claim(id="adv.signed-plain", where="test", statement="adversarial",
                 check=lambda: (sp.Matrix([[sp.Abs(p) * x]]), sp.Matrix([[p * x]])), sizes=no_sizes())
    assert check_claim(good).verdict == Verdict.HOLDS
