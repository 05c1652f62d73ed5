"""What the prove phase's symbols mean (issue 19, findings 3 and 4).

Finding 4: a name never identifies two distinct objects. The prove phase named a
vector's entries ``v_0, v_1, …`` and a matrix's ``A_0_1``, so a scalar given as
``v_0`` (or a vector ``A_0``, or two ``sampled`` values with one domain
function, or a given value named like one of the encoder's own variables) was
the same real variable as another value's entry, and a false claim was proved.
Every sibling here must never be ``holds``; where the search can reach the
counterexample, it is a certified ``fails``.

Finding 3: at a ``prove=`` size the check runs once on symbols, where Python's
``==`` (``if x == 1``, ``x in {0}``, a dict lookup) is silently False. The
guard that refuses such a check (symderiv/concrete.py) is another change: these
tests say what it must give (``error``), and that the verdict is never ``holds``.

Also: a proof over premises no value satisfies (hypotheses the domain never
meets, √ of a negative, a denominator 0 everywhere) is not ``holds``; a given
value named like a size is refused; the proof records which value and position
each variable is, so another checker pairs them without names.
"""
import pytest
import sympy as sp

from symderiv import diag, fro, just, matrices, rel, sampled, scalars, vectors
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.prove import Mark, prove_size, solvers
from symderiv.prove.domains import invertible_matrix, orthogonal_and_nonneg_diagonal, orthogonal_matrix
from symderiv.results import Verdict
from symderiv.sizes import no_sizes, sweep


def relational(check, given, *, n=(1,), prove=(1,), budget=60):
    sizes = no_sizes() if n is None else sweep(n=n, t=1, fixed=("t",))
    return Claim(id="test.meaning", where="test", statement="test", check=check, kind="inequality",
                 given=given, sizes=sizes, prove=prove, budget=budget)


def _orth(size, rng):
    n = size["n"]
    return sp.diag(*[rng.choice((-1, 1)) for _ in range(n)])


def _inv(size, rng):
    n = size["n"]
    return sp.diag(*[rng.choice((-2, -1, 1, 2)) for _ in range(n)])


def _cv(size, rng):
    n = size["n"]
    return _orth(size, rng), sp.diag(*[rng.choice((0, 1, 2)) for _ in range(n)])


def _own_var(x, _q0):
    # x/(x² + 1) is encoded as a fresh variable with (x² + 1)·q = x: a given value named like it was that variable,
    # and q ≤ |q| holds (false: x = 1, _q0 = 0)
    return rel(x / (x * x + 1), "<=", sp.Abs(_q0))


# each: a false claim whose values share a name with another value's entries (in the naming before the fix,
# or in any naming: two sampled values read by one domain function), at the size it is proved at
NAME_CLASHES = {
    "vector entry and a scalar": (lambda v, v_0: rel(v[0], "=", v_0), dict(v=vectors(), v_0=scalars()), 1),
    "matrix entry and a vector entry": (lambda A, A_0: rel(A[0, 1], "=", A_0[1]), dict(A=matrices(), A_0=vectors()),
                                        2),
    "matrix entry and a scalar": (lambda A, A_1_0: rel(A[1, 0], "=", A_1_0), dict(A=matrices(), A_1_0=scalars()), 2),
    "diagonal entry and a scalar": (lambda d, d_0: rel(diag(d)[0, 0], "=", d_0), dict(d=vectors(), d_0=scalars()), 1),
    "two orthogonal sampled values": (lambda P, Q: rel(fro(P - Q), "=", 0),
                                      dict(P=sampled(_orth, domain=orthogonal_matrix),
                                           Q=sampled(_orth, domain=orthogonal_matrix)), 1),
    "two invertible sampled values": (lambda A, B: rel(A[0, 0], "=", B[0, 0]),
                                      dict(A=sampled(_inv, domain=invertible_matrix),
                                           B=sampled(_inv, domain=invertible_matrix)), 1),
    "a sampled pair and a vector": (lambda CV, v: rel(CV[1][0, 0], "=", v[0]),
                                    dict(CV=sampled(_cv, domain=orthogonal_and_nonneg_diagonal), v=vectors()), 1),
    "a sampled pair and a matrix": (lambda CV, C: rel(CV[0][0, 0], "=", C[0, 0]),
                                    dict(CV=sampled(_cv, domain=orthogonal_and_nonneg_diagonal), C=matrices()), 1),
    "a value named like an encoder variable": (_own_var, dict(x=scalars(-1, 1), _q0=scalars(-1, 1)), 1),
}


@pytest.mark.parametrize("case", list(NAME_CLASHES))
def test_values_sharing_a_name_are_never_one_variable(case):
    check, given, n = NAME_CLASHES[case]
    c = relational(check, given, n=(n,), prove=(n,))
    proof = prove_size(c, {"n": n, "t": 1}, budget=5)
    assert not proof.all_proved, (case, proof)
    res = check_claim(c)
    assert res.verdict == Verdict.FAILS, (case, res.verdict, res.scope, res.error)


@pytest.mark.parametrize("name", ["v_0", "v[0]", "v"])
@pytest.mark.parametrize("assumptions", [dict(real=True), {}])
def test_a_symbol_the_check_makes_is_not_a_value(name, assumptions):
    """The check's own SymPy symbol named like a value or one of its entries is not that value: the prove phase
    has no domain for it (not proved), whatever its name and assumptions."""
    own = sp.Symbol(name, **assumptions)
    c = relational(lambda v: rel(v[0], "=", own), dict(v=vectors()))
    proof = prove_size(c, {"n": 1, "t": 1}, budget=5)
    assert not proof.all_proved, proof
    assert check_claim(c).verdict != Verdict.HOLDS


def test_the_solvers_tell_symbols_apart_by_object_not_by_name():
    """Two distinct real variables with one name: x = 1 ∧ x' = 2 is satisfiable; one name would make it unsat."""
    a, b = sp.Dummy("x", real=True), sp.Dummy("x", real=True)
    names = solvers.names_for([a, b])
    assert len(set(names.values())) == 2
    answers = solvers.run_both(solvers.smtlib([a, b], [sp.Eq(a, 1), sp.Eq(b, 2)], names), 10)
    assert answers["z3"].status == "sat" and answers["cvc5"].status == "sat"
    back = {v: k for k, v in names.items()}
    model = {back[k]: v for k, v in answers["z3"].model.items()}
    assert model == {a: "1/1", b: "2/1"}


def test_a_solver_model_is_read_back_onto_the_values_it_names():
    """z3's model of A[0,1] ≠ A_0[1] is the claim's values at a point where they differ (read back by object)."""
    check, given, n = NAME_CLASHES["matrix entry and a vector entry"]
    proof = prove_size(relational(check, given, n=(n,), prove=(n,)), {"n": n, "t": 1}, budget=5)
    (step,) = proof.steps.values()
    assert step.mark == Mark.UNDECIDED and step.candidate is not None, step
    A, A_0 = step.candidate["A"], step.candidate["A_0"]
    assert A[0, 1] != A_0[1] and all(x.is_Rational for x in list(A) + list(A_0)), step.candidate


def test_a_constraint_over_an_undeclared_symbol_is_refused():
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    with pytest.raises(ValueError):
        solvers.smtlib([a], [sp.Eq(a, b)])


def test_the_entries_of_distinct_values_have_distinct_names_in_the_report():
    """Each value's entries are shown by the value's own name (v[0], A[0,1]); a sampled value's too."""
    from symderiv.prove import encode_size

    c = relational(lambda P, Q, v: rel(fro(P - Q) + v[0], "=", 0),
                   dict(P=sampled(_orth, domain=orthogonal_matrix), Q=sampled(_orth, domain=orthogonal_matrix),
                        v=vectors()), n=(2,), prove=(2,))
    values, syms, *_ = encode_size(c, {"n": 2, "t": 1})
    shown = [str(s) for s in syms.made]
    assert len(set(shown)) == len(shown) == len(set(syms.made)), shown
    assert str(values["v"][0]) == "v[0]" and "P[0,1]" in shown and "Q[0,1]" in shown, shown


def test_a_true_claim_over_values_with_clashing_old_names_is_still_proved():
    c = relational(lambda v, v_0: rel(v[0] * v[0] + v_0 * v_0, ">=", 2 * v[0] * v_0),
                   dict(v=vectors(), v_0=scalars()))
    proof = prove_size(c, {"n": 1, "t": 1}, budget=5)
    assert proof.all_proved, proof


# ----- finding 3: Python's == on the symbols of a prove= size -------------------------------------------------
# Written as proof files: the guard (symderiv/concrete.py) rewrites proof files and the helpers beside them, not
# this module. Each body is a check of its given values, false at its special point.

CONCRETE = {
    # a removable singularity written with a branch: (x² − 1)/(x − 1), and 3 at x = 1
    "if x == 1": ("dict(x=scalars(-1, 1))", """
        def check(x):
            v = 3 if x == 1 else (x * x - 1) / (x - 1)
            return rel(v, "<=", 2)
    """),
    # the pseudo-inverse of a diagonal: d⁺ = 0 where d = 0, so d·d⁺ = 1 fails there
    "if d == 0": ("dict(d=vectors())", """
        def check(d):
            p = [0 if di == 0 else 1 / di for di in d]
            return rel(d[0] * p[0], "=", 1)
    """),
    # x != 0 and …: True on a symbol (x <= 1 would raise: SymPy's own guard)
    "x != 0 and …": ("dict(x=scalars(-1, 1))", """
        def check(x):
            v = 1 / x if (x != 0 and x * x != 4) else 5
            return rel(x * v, "=", 1)
    """),
    "1 if x == 0 else 1/x": ("dict(x=scalars(-1, 1))", """
        def check(x):
            v = 1 if x == 0 else 1 / x
            return rel(x * v, "=", 1)
    """),
    # x in {0}: hashed, never equal to a symbol
    "x in {0}": ("dict(x=scalars(-1, 1))", """
        def check(x):
            v = 0 if x in {0} else x / x
            return rel(v, "=", 1)
    """),
    # a dict lookup on x: the default on a symbol
    "dict lookup on x": ("dict(x=scalars(0, 1))", """
        def check(x):
            return rel({0: 0, 1: 1}.get(x, 1), "=", 1)
    """),
}


def _proof_file(tmp_path, case: str, prove: str):
    import textwrap

    given, body = CONCRETE[case]
    path = tmp_path / "branch.py"
    path.write_text("from symderiv import claim, rel, scalars, sweep, vectors\n\n"
                    f"@claim('test.branch', kind='inequality', where='test', statement='test', given={given},\n"
                    f"       sizes=sweep(n=(1,), t=1, fixed=('t',)), prove={prove})\n"
                    + textwrap.dedent(body).lstrip())
    return path


def _check_file(path):
    from symderiv.claims import collect

    col = collect([path])
    assert not col.errors, col.errors
    (c,) = col.claims()
    return check_claim(c)


@pytest.mark.parametrize("case", list(CONCRETE))
def test_the_special_point_is_never_holds_without_prove(case, tmp_path):
    """Without prove= the check is refused as with it (symderiv/concrete.py): one meaning on every path."""
    res = _check_file(_proof_file(tmp_path, case, "()"))
    assert res.verdict == Verdict.ERROR, (case, res.verdict, res.scope, res.error)


@pytest.mark.parametrize("case", list(CONCRETE))
def test_python_equality_on_a_symbol_is_refused_at_a_prove_size(case, tmp_path):
    res = _check_file(_proof_file(tmp_path, case, "(1,)"))
    assert res.verdict != Verdict.HOLDS, (case, res.scope)
    assert res.verdict == Verdict.ERROR, (case, res.verdict, res.scope)


# ----- a proof over no value says nothing: the premises must have a real solution -----------------------------

def _inconsistent_hypothesis(x):
    from symderiv.relations import assume

    assume(rel(x, ">", 2))          # never, for x in [−1, 1]
    return rel(x, "<=", -5)


def _zero_denominator(x):           # 1/0 written as a polynomial that is identically 0
    return rel(1 / ((x + 1) ** 2 - x ** 2 - 2 * x - 1), "<=", 0)


def _root_of_a_negative(x):         # √(−1 − x²) is not real anywhere
    return rel(sp.sqrt(-1 - x * x), ">=", 5)


def _zero_on_the_domain(Q):         # Q[0,0]² = 1 for every orthogonal 1 × 1 Q: the denominator is 0 on the domain
    return rel(1 / (Q[0, 0] ** 2 - 1), ">=", 5)


def _no_real_eigenvalue(R):         # a rotation by 90° has no real eigenvalue: lam_max is undefined
    from symderiv import lam_max

    return rel(lam_max(R), ">=", 100)


VACUOUS = {
    "inconsistent hypothesis": (_inconsistent_hypothesis, dict(x=scalars(-1, 1))),
    "identically zero denominator": (_zero_denominator, dict(x=scalars(-1, 1))),
    "square root of a negative": (_root_of_a_negative, dict(x=scalars(-1, 1))),
    "denominator zero on the domain": (_zero_on_the_domain, dict(Q=sampled(_orth, domain=orthogonal_matrix))),
    "lam_max with no real eigenvalue": (_no_real_eigenvalue, dict(R=just(sp.Matrix([[0, -1], [1, 0]])))),
}


@pytest.mark.parametrize("case", list(VACUOUS))
def test_a_proof_whose_premises_no_value_satisfies_is_not_holds(case):
    """Each sentence is unsat because its premises are (the domain, the hypotheses, where the sides are defined):
    without prove= the search finds no value to evaluate (undecided or error); with it, never holds."""
    check, given = VACUOUS[case]
    proof = prove_size(relational(check, given), {"n": 1, "t": 1}, budget=5)
    assert not proof.all_proved, (case, proof)
    assert "no value" in " ".join(s.detail for s in proof.steps.values()) or proof.why_not, (case, proof)
    assert check_claim(relational(check, given)).verdict != Verdict.HOLDS


def test_the_proof_files_own_error_at_a_prove_size_is_raised_not_left_to_the_search():
    """An error symderiv raises on purpose (a float in a relation; the guard's refusal) is the claim's error on
    every path: the prove phase does not read it as 'the check cannot run on symbols' and fall back."""
    from symderiv.errors import ProofFileError

    c = relational(lambda x: rel(x, "<=", 0.5), dict(x=scalars(-1, 1)))
    with pytest.raises(ProofFileError):
        prove_size(c, {"n": 1, "t": 1}, budget=5)
    assert check_claim(c).verdict == Verdict.ERROR


def test_a_given_value_named_like_a_size_is_refused_at_declaration():
    """given=dict(n=…) beside the sweep's n: the check would get two values under one name."""
    from symderiv.errors import ProofFileError

    with pytest.raises(ProofFileError, match="names a size"):
        relational(lambda n, x: rel(x, "<=", n), dict(n=scalars(0, 1), x=scalars(0, 1)))
    relational(lambda n: rel(n, "<=", 1), dict(n=scalars(0, 1)), n=None, prove=True)   # no sizes: no clash


def test_the_proof_says_which_value_and_position_each_variable_is():
    """What a checker (the kernel's own goal) needs to pair the proof's variables with its own without names."""
    c = relational(lambda v, v_0: rel(v[0] * v[0] + v_0 * v_0, ">=", 2 * v[0] * v_0), dict(v=vectors(), v_0=scalars()))
    proof = prove_size(c, {"n": 1, "t": 1}, budget=5)
    assert set(proof.values) == {"v", "v_0"}
    assert proof.values["v"][0] != proof.values["v_0"] and str(proof.values["v"][0]) == "v[0]"


def test_the_built_in_domains_ask_only_scalar_and_matrix_of_their_symbols():
    """A domain= function is given (size, symbols): another reader's symbols (the kernel's own goal) offer scalar,
    matrix and the list of orthogonal matrices only, and the built-in domains need nothing more."""
    class Plain:
        orthogonal: list = []

        def scalar(self, name):
            return sp.Symbol(name, real=True)

        def matrix(self, name, rows, cols):
            return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}{i}{j}", real=True))

    for domain in (orthogonal_matrix, invertible_matrix, orthogonal_and_nonneg_diagonal):
        value, constraints = domain({"n": 2}, Plain())
        assert constraints
