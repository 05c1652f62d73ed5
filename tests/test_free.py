"""Functions of free vectors and matrices (issue 14, items 8 and 9): declaration, truth, kernel, domain.

Matrix Cookbook identities written with ``variables=`` (no model): the true
ones hold, planted errors fail with counterexamples the kernel re-derives by
forward mode over exact numbers; identities of rational functions (a matrix
inverse) are decided by clearing denominators; every variable of both sides
gets a value in the point, inside the declared domain.
"""
from pathlib import Path

import pytest
import sympy as sp

from symderiv import claim as declare_claim, inv, kron, logdet, matrix, scalar, sweep, tr, vector
from symderiv.certificates import Counterexample
from symderiv.claims import Claim, collect
from symderiv.engine import check_claim
from symderiv.errors import ProofFileError
from symderiv.identity import nonzero_entries
from symderiv.kernel import verify_identity
from symderiv.kernel.free import ExactVariables, Jet, JetMatrix
from symderiv.results import Verdict
from symderiv.variables import FreeValues

COOKBOOK = Path(__file__).resolve().parents[1] / "proofs" / "examples" / "matrix_cookbook.py"


def free_claim(check, variables, *, n=(1, 2, 3), conventions=None, cid="t.free"):
    c = Claim(id=cid, where="test", statement="test", check=check, variables=variables,
              conventions=dict(conventions or {}), sizes=sweep(n=n))
    return c


INV = dict(a=vector("n"), b=vector("n"), X=matrix("n", invertible=True))
QUAD = dict(x=vector("n"), A=matrix("n"))


# ----- the Cookbook: true identities hold, planted errors fail ------------------------------

TRUE = {
    "∂(xᵀAx)/∂x = (A + Aᵀ)x": (QUAD, lambda v: (v.d(v.x.T * v.A * v.x, "x"), (v.A + v.A.T) * v.x)),
    "∂ tr(AXB)/∂X = AᵀBᵀ": (dict(A=matrix("n"), X=matrix("n"), B=matrix("n")),
                           lambda v: (v.d(tr(v.A * v.X * v.B), "X"), v.A.T * v.B.T)),
    "∂ log det X/∂X = X⁻ᵀ": (dict(X=matrix("n", invertible=True)), lambda v: (v.d(logdet(v.X), "X"), inv(v.X).T)),
    "∂ det X/∂X = det(X) X⁻ᵀ": (dict(X=matrix("n", invertible=True)),
                               lambda v: (v.d(v.X.det(), "X"), v.X.det() * inv(v.X).T)),
    "∂ aᵀX⁻¹b/∂X = −X⁻ᵀabᵀX⁻ᵀ": (INV, lambda v: (v.d(v.a.T * inv(v.X) * v.b, "X"),
                                                -inv(v.X).T * v.a * v.b.T * inv(v.X).T)),
    "∂ aᵀXb/∂X = abᵀ (X is n×m)": (dict(a=vector("n"), X=matrix("n", "m"), b=vector("m")),
                                  lambda v: (v.d(v.a.T * v.X * v.b, "X"), v.a * v.b.T)),
    "∂vec(AXB)/∂vec(X) = Bᵀ ⊗ A": (dict(A=matrix("n"), X=matrix("n"), B=matrix("n")),
                                  lambda v: (v.d(v.A * v.X * v.B, "X"), kron(v.B.T, v.A))),
}


@pytest.mark.parametrize("name", list(TRUE))
def test_cookbook_identities_hold(name):
    variables, check = TRUE[name]
    res = check_claim(free_claim(check, variables, n=(1, 2, 3)))
    assert res.verdict == Verdict.HOLDS, (res.scope, res.error)
    assert "exact normal form" in res.scope


FALSE = {
    "2Ax (drops a transpose)": (QUAD, lambda v: (v.d(v.x.T * v.A * v.x, "x"), 2 * v.A * v.x)),
    "−X⁻¹abᵀX⁻¹ (drops transposes)": (INV, lambda v: (v.d(v.a.T * inv(v.X) * v.b, "X"),
                                                     -inv(v.X) * v.a * v.b.T * inv(v.X))),
    "BᵀAᵀ for ∂ tr(AXB)/∂X": (dict(A=matrix("n"), X=matrix("n"), B=matrix("n")),
                             lambda v: (v.d(tr(v.A * v.X * v.B), "X"), v.B.T * v.A.T)),
    "X⁻¹ for ∂ log det X/∂X": (dict(X=matrix("n", invertible=True)),
                               lambda v: (v.d(logdet(v.X), "X"), inv(v.X))),
    "det(X) X⁻¹ for ∂ det X/∂X": (dict(X=matrix("n", invertible=True)),
                                  lambda v: (v.d(v.X.det(), "X"), v.X.det() * inv(v.X))),
}


@pytest.mark.parametrize("name", list(FALSE))
def test_planted_errors_fail_with_a_certificate_in_the_domain(name):
    variables, check = FALSE[name]
    c = free_claim(check, variables, n=(1, 2, 3))
    res = check_claim(c)
    assert res.verdict == Verdict.FAILS, (res.scope, res.error)
    cx = res.counterexample
    assert cx.size == {"n": 2}  # smallest size where it breaks (at n = 1 every one of them holds)
    assert verify_identity(c, cx).ok
    for name_, var in variables.items():  # every variable has a value, and an invertible one is invertible
        entries = FreeValues(variables, cx.size, c.conventions)
        value = getattr(entries, name_)
        named = [s.name for s in (value if isinstance(value, sp.MatrixBase) else [value])]
        assert set(named) <= set(cx.point), (name_, cx.point)
        if var.invertible:
            assert sp.Matrix(2, 2, [sp.Rational(cx.point[k]) for k in named]).det() != 0
        if name == "X⁻¹ for ∂ log det X/∂X":
            assert sp.Matrix(2, 2, [sp.Rational(cx.point[k]) for k in named]).det() > 0  # log det is real


# ----- item 9(a): a variable that cancels from the difference still gets a value ----------------

def test_a_variable_that_cancels_from_the_difference_gets_a_value_in_the_domain():
    """lhs = a + X⁻¹c, rhs = X⁻¹c: X and c cancel from lhs − rhs, but each side needs them (det X ≠ 0).
    Before, the point left them unassigned or 0 (1/det X at X = 0): never a certified `fails`."""
    c = free_claim(lambda v: (v.a + inv(v.X) * v.c, inv(v.X) * v.c),
                   dict(a=vector("n"), c=vector("n"), X=matrix("n", invertible=True)), n=(1, 2))
    res = check_claim(c)
    assert res.verdict == Verdict.FAILS, (res.scope, res.error, [o.detail for o in res.sizes])
    pt = res.counterexample.point
    assert {"a[0]", "c[0]", "X[0,0]"} <= set(pt)
    assert sp.Rational(pt["X[0,0]"]) != 0


def test_a_model_free_check_with_its_own_symbols_assigns_every_symbol_of_both_sides():
    """The same without variables=: a plain check(n) of the user's own symbols (X cancels)."""
    def check(n, t):
        X = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"X[{i},{j}]"))
        a = sp.Matrix(n, 1, lambda i, j: sp.Symbol(f"a[{i}]"))
        return a + X.adjugate() / X.det() * a, X.adjugate() / X.det() * a

    c = Claim(id="t.own", where="", statement="", check=check, sizes=sweep(n=(1, 2), t=1, fixed=("t",)))
    res = check_claim(c)
    assert res.verdict == Verdict.FAILS, (res.scope, res.error, [o.detail for o in res.sizes])
    assert "X[0,0]" in res.counterexample.point


# ----- item 9(b): rational normal form ------------------------------------------------------------

@pytest.mark.parametrize("backend", ["symengine", "sympy"])
def test_a_true_rational_identity_is_zero_after_clearing_denominators(backend):
    v = FreeValues(INV, {"n": 2}, {"vec": "col-major", "jacobian": "numerator"})
    Xi = inv(v.X)
    lhs = v.d(v.a.T * Xi * v.b, "X")
    cleared: list = []
    assert nonzero_entries(lhs, -Xi.T * v.a * v.b.T * Xi.T, backend, cleared=cleared) == []
    assert cleared  # it did have denominators to clear (det X)
    # the false variant stays nonzero, and a difference that is 1/det is never called zero
    assert nonzero_entries(lhs, -Xi * v.a * v.b.T * Xi, backend) != []
    assert nonzero_entries(sp.Matrix([[1 / v.X.det()]]), sp.zeros(1, 1), backend) == [(0, 0)]


@pytest.mark.parametrize("backend", ["symengine", "sympy"])
def test_nested_and_squared_denominators(backend):
    x, y = sp.symbols("x y")
    true = 1 / (1 + 1 / x) - x / (x + 1)           # a fraction inside a denominator
    squared = 1 / (x + y) ** 2 - 1 / (x ** 2 + 2 * x * y + y ** 2)  # (x+y)^-2 against its expansion
    assert nonzero_entries(sp.Matrix([[true, squared]]), sp.zeros(1, 2), backend) == []
    assert nonzero_entries(sp.Matrix([[true + 1 / (x + y) ** 2]]), sp.zeros(1, 1), backend) == [(0, 0)]


def test_the_scope_states_the_domain():
    res = check_claim(free_claim(TRUE["∂ aᵀX⁻¹b/∂X = −X⁻ᵀabᵀX⁻ᵀ"][1], INV, n=(2,)))
    assert res.verdict == Verdict.HOLDS
    assert "X invertible" in res.scope and "rational" in res.scope, res.scope
    assert "≠ 0" in res.sizes[0].detail


# ----- layouts: explicit conventions, shown in the report ----------------------------------------

def test_the_vec_layout_is_a_convention_that_changes_the_verdict():
    AXB = TRUE["∂vec(AXB)/∂vec(X) = Bᵀ ⊗ A"]
    col = check_claim(free_claim(AXB[1], AXB[0], n=(2,)))
    row = check_claim(free_claim(AXB[1], AXB[0], n=(2,), conventions={"vec": "row-major"}))
    assert col.verdict == Verdict.HOLDS and row.verdict == Verdict.FAILS
    assert col.conventions["vec"] == "col-major" and row.conventions["vec"] == "row-major"
    assert "denominator" in col.conventions["gradient"]
    # in row-major vec the same derivative is A ⊗ Bᵀ; a denominator-layout Jacobian is the transpose
    assert check_claim(free_claim(lambda v: (v.d(v.A * v.X * v.B, "X"), kron(v.A, v.B.T)), AXB[0], n=(2,),
                                  conventions={"vec": "row-major"})).verdict == Verdict.HOLDS
    assert check_claim(free_claim(lambda v: (v.d(v.A * v.X * v.B, "X"), kron(v.B, v.A.T)), AXB[0], n=(2,),
                                  conventions={"jacobian": "denominator"})).verdict == Verdict.HOLDS


def test_a_gradient_is_shaped_like_its_variable():
    v = FreeValues(dict(X=matrix("n", "m"), c=scalar()), {"n": 2, "m": 3}, {"vec": "col-major",
                                                                          "jacobian": "numerator"})
    assert v.d(tr(v.X.T * v.X), "X").shape == (2, 3)
    assert v.d(v.c ** 3, "c") == sp.Matrix([[3 * v.c ** 2]])


# ----- the kernel: its own algorithm --------------------------------------------------------------

def test_forward_mode_through_elimination_matches_the_symbolic_derivative():
    """The kernel's d (jets through Gaussian elimination) and the engine's (SymPy's diff of the adjugate
    formula) agree at a point: two algorithms for one truth."""
    size = {"n": 3}
    conv = {"vec": "col-major", "jacobian": "numerator"}
    point = {"X[0,0]": 2, "X[0,1]": 1, "X[0,2]": 0, "X[1,0]": -1, "X[1,1]": 3, "X[1,2]": 1, "X[2,0]": 0,
             "X[2,1]": 1, "X[2,2]": 1, "a[0]": 1, "a[1]": -2, "a[2]": 3, "b[0]": 0, "b[1]": 1, "b[2]": 5}
    point = {k: sp.Integer(x) for k, x in point.items()}
    ex = ExactVariables(INV, size, point, conv)
    sym = FreeValues(INV, size, conv)
    sub = {s: point[s.name] for s in sym.symbols()}
    for f in (lambda v: v.a.T * inv(v.X) * v.b, lambda v: logdet(v.X), lambda v: inv(v.X) * v.a):
        K = ex.d(f(ex), "X").values()  # the derivative's values (a matrix of jets: its tangents are 2nd order)
        S = sym.d(f(sym), "X").xreplace(sub)
        assert (K - S).applyfunc(sp.nsimplify) == sp.zeros(*K.shape)


def test_a_planted_bug_in_the_symbolic_derivative_is_not_confirmed(monkeypatch):
    """The engine's d returns the transpose (the planted bug): a true identity's normal form is no longer 0,
    the search proposes points, and the kernel, differentiating on its own, certifies none."""
    c = free_claim(TRUE["∂ tr(AXB)/∂X = AᵀBᵀ"][1], TRUE["∂ tr(AXB)/∂X = AᵀBᵀ"][0], n=(2,))
    assert check_claim(c).verdict == Verdict.HOLDS
    right = FreeValues.d
    monkeypatch.setattr(FreeValues, "d", lambda self, of, wrt: right(self, of, wrt).T)
    res = check_claim(c)
    assert res.verdict == Verdict.UNDECIDED, res.certificate
    assert "not the recomputed" in res.sizes[0].detail


def test_the_kernel_refuses_a_point_outside_the_domain():
    c = free_claim(FALSE["−X⁻¹abᵀX⁻¹ (drops transposes)"][1], INV, n=(2,))
    res = check_claim(c)
    assert res.verdict == Verdict.FAILS
    cx = res.counterexample.to_json()
    cx["point"] = {**cx["point"], "X[0,0]": "0", "X[0,1]": "0"}  # a singular X
    check = verify_identity(c, Counterexample.from_json(cx))
    assert not check.ok and "invertible" in check.reason


def test_jets_refuse_what_has_no_exact_meaning():
    X = JetMatrix.of(sp.Matrix([[1, 2], [2, 4]]))
    with pytest.raises(Exception, match="singular"):
        X.inv()
    with pytest.raises(Exception, match="not positive"):
        Jet(sp.Integer(-1)).log()
    with pytest.raises(Exception, match="product of a 2×2 and a 3×1"):
        X * JetMatrix.of(sp.ones(3, 1))


# ----- declaration ----------------------------------------------------------------------------

def test_bad_declarations_are_one_line_errors():
    from symderiv import elman_rnn

    with pytest.raises(ProofFileError, match="either model= or variables="):
        Claim(id="x", where="", statement="", check=lambda v: v, model=elman_rnn, variables=QUAD)
    with pytest.raises(ProofFileError, match="must be one of"):
        Claim(id="x", where="", statement="", check=lambda v: v, variables=QUAD, conventions={"vec": "rows"})
    with pytest.raises(ProofFileError, match="taken by v.d"):
        Claim(id="x", where="", statement="", check=lambda v: v, variables=dict(d=vector()))
    with pytest.raises(ProofFileError, match="declare it with"):
        Claim(id="x", where="", statement="", check=lambda v: v, variables=dict(x=(2, 1)))
    with pytest.raises(ProofFileError, match="square"):
        matrix("n", "m", invertible=True)


def test_an_unknown_variable_in_d_is_that_claims_error():
    res = check_claim(free_claim(lambda v: (v.d(v.x.T * v.x, "y"), v.x), QUAD, n=(1,)))
    assert res.verdict == Verdict.ERROR and "no variable 'y'" in res.error


def test_the_sweep_has_no_horizon():
    c = free_claim(TRUE["∂(xᵀAx)/∂x = (A + Aᵀ)x"][1], QUAD)
    assert [s for s in c.sizes.sizes()] == [{"n": 1}, {"n": 2}, {"n": 3}]


# ----- the shipped example --------------------------------------------------------------------

def test_the_shipped_cookbook_page_is_collected_by_the_audit_and_as_expected():
    col = collect([COOKBOOK.parents[1]])  # proofs/: the audit's own target reaches proofs/examples/
    ids = [c.id for c in col.claims() if c.id.startswith("cookbook.")]
    assert len(ids) >= 9
    results = {cid: check_claim(col.items[cid]) for cid in ids}
    bad = {cid: (r.verdict, r.scope) for cid, r in results.items() if not r.as_expected}
    assert not bad
    fails = [r for r in results.values() if r.verdict == Verdict.FAILS]
    assert len(fails) >= 2 and all(verify_identity(col.items[r.id], r.counterexample).ok for r in fails)
    assert sum(r.verdict == Verdict.HOLDS for r in results.values()) >= 5


def test_a_proof_file_needs_one_import_line(tmp_path):
    f = tmp_path / "mine.py"
    f.write_text("from symderiv import claim, matrix, vector, inv\n\n"
                 "@claim('mine.inv', where='', statement='∂(aᵀX⁻¹a)/∂a', "
                 "variables=dict(a=vector('n'), X=matrix('n', invertible=True)))\n"
                 "def c(v):\n"
                 "    return v.d(v.a.T * inv(v.X) * v.a, 'a'), (inv(v.X) + inv(v.X).T) * v.a\n")
    col = collect([f])
    assert not col.errors
    assert check_claim(col.items["mine.inv"]).verdict == Verdict.HOLDS


_ = declare_claim  # the public decorator is the one the proof files use (imported above)


def test_the_readme_example_holds(tmp_path):
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Functions of free variables", 1)[1]
    [code] = re.findall(r"```py\n(.*?)```", section.split("\n## ", 1)[0], flags=re.S)
    (tmp_path / "mynotes.py").write_text(code)
    col = collect([tmp_path / "mynotes.py"])
    res = check_claim(col.items["mynotes.inverse"])
    assert res.verdict == Verdict.HOLDS and "X invertible" in res.scope


def test_second_derivatives_hold_exactly_and_a_false_one_fails_certified():
    """v.d of v.d: the engine decides a true Hessian identity; a false one fails, and the kernel certifies it by
    jets of order 2 (issue 19.3; its jets were first order, and such a claim was undecided)."""
    hess = lambda rhs: lambda v: (v.d(v.d(v.x.T * v.A * v.x, "x"), "x"), rhs(v))  # noqa: E731
    assert check_claim(free_claim(hess(lambda v: v.A + v.A.T), QUAD, n=(1, 2))).verdict == Verdict.HOLDS
    c = free_claim(hess(lambda v: 2 * v.A), QUAD, n=(2,))
    res = check_claim(c)
    assert res.verdict == Verdict.FAILS and verify_identity(c, res.counterexample).ok
    third = free_claim(lambda v: (v.d(v.d(v.d(v.c ** 4, "c"), "c"), "c"), sp.Matrix([[v.c]])),
                       dict(c=scalar()), n=(1,))
    res = check_claim(third)  # a third derivative: beyond the kernel's jets, refused before any verdict in one line
    assert res.verdict == Verdict.ERROR and "order 3" in res.error and "\n" not in res.error


def test_the_kernel_refuses_a_point_where_a_denominator_is_zero():
    def check(n, t):
        x, y = sp.Symbol("x"), sp.Symbol("y")
        return sp.Matrix([[1 / x + y]]), sp.Matrix([[y]])

    c = Claim(id="t.z", where="", statement="", check=check, sizes=sweep(n=(1,), t=1, fixed=("t",)))
    forged = Counterexample("t.z", {"n": 1, "t": 1}, None, {"x": "0", "y": "1"}, (0, 0), "1", "1")
    check_ = verify_identity(c, forged)
    assert not check_.ok and "denominator is 0" in check_.reason
    res = check_claim(c)  # the engine's own point avoids x = 0
    assert res.verdict == Verdict.FAILS and res.counterexample.point["x"] != "0"


def test_a_false_lstm_bptt_variant_fails_rather_than_error():
    """Issue 14.9's third case: a false LSTM BPTT claim (the h path dropped from dc_t/dc_0) is `fails`, certified,
    with a value for every input of the point."""
    from symderiv import diag, lstm_cell

    c = Claim(id="t.lstm", where="", statement="dc_2/dc_0 = diag(f_2) diag(f_1)", model=lstm_cell,
              check=lambda m: (m.d(("c", 2), ("c", 0)), diag(m.at("f", 2)) * diag(m.at("f", 1))),
              sizes=sweep(n=(1,), t=(2,), fixed=("t",)))
    res = check_claim(c)
    assert res.verdict == Verdict.FAILS, (res.scope, res.error)
    assert {"W_f[0]", "U_g[0]", "b_o[0]", "c0[0]", "h0[0]", "x1[0]", "x2[0]"} <= set(res.counterexample.point)
