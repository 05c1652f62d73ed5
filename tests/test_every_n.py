"""For every n (issue 20): the lift of free-variable identities by index relabelling, and what it never lifts.

A claim whose sides are contraction diagrams (products, transposes, traces,
kron, diag, Hadamard, vec, v.d) is decided exactly at its threshold size (the
most index classes of a diagram) and then holds for every n; identities that
hold only at small sizes must hold at their size and never get "every n".
"""
import json
import random
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, example, given, settings, strategies as st

from symderiv import diag, eye, hadamard, kron, matrix, tr, vec, vector
from symderiv import every_n
from symderiv.claims import Claim, collect
from symderiv.engine import check_claim
from symderiv.functions import dsigma, sigma
from symderiv.identity import nonzero_entries
from symderiv.kernel.lift import recount, verify_lift
from symderiv.results import Result, Verdict
from symderiv.sizes import sweep

ROOT = Path(__file__).resolve().parents[1]
HALF = sp.Rational(1, 2)


def free(check, variables, *, n=(1, 2, 3), m=None, fixed=(), cid="t.every-n", conventions=None):
    dims = dict(n=n) if m is None else dict(n=n, m=m)
    return Claim(id=cid, where="test", statement="test", check=check, variables=variables,
                 conventions=dict(conventions or {}), sizes=sweep(**dims, fixed=fixed))


A1 = dict(A=matrix("n"))
AB = dict(A=matrix("n"), B=matrix("n"))
ABC = dict(A=matrix("n"), B=matrix("n"), C=matrix("n"))
XY = dict(x=vector("n"), y=vector("n"))
X1 = dict(x=vector("n"))
s = sp.Function("s")


# ----- item 3: what holds only at small sizes holds there and is never lifted ----------------------------

SMALL_ONLY = {
    "Cayley–Hamilton at n = 2": (A1, (2,), lambda v: (
        v.A ** 2 - tr(v.A) * v.A + HALF * (tr(v.A) ** 2 - tr(v.A ** 2)) * eye(v.n), 0 * v.A)),
    "Hall's identity at n = 2": (ABC, (2,), lambda v: (
        (v.A * v.B - v.B * v.A) ** 2 * v.C, v.C * (v.A * v.B - v.B * v.A) ** 2)),
    "x xᵀ = (xᵀx) I at n = 1": (X1, (1,), lambda v: (v.x * v.x.T, (v.x.T * v.x)[0, 0] * eye(v.n))),
    "Newton's identity of diag(x) at n ≤ 2": (X1, (1, 2), lambda v: (
        diag(v.x) ** 2 - tr(diag(v.x)) * diag(v.x) + HALF * (tr(diag(v.x)) ** 2 - tr(diag(v.x) ** 2)) * eye(v.n),
        0 * diag(v.x))),
    "Newton's identity of elementwise σ at n ≤ 2": (X1, (1, 2), lambda v: (  # the abstract σ: the kernel replays it
        diag(v.x.applyfunc(sigma)) ** 2 - tr(diag(v.x.applyfunc(sigma))) * diag(v.x.applyfunc(sigma))
        + HALF * (tr(diag(v.x.applyfunc(sigma))) ** 2 - tr(diag(v.x.applyfunc(sigma)) ** 2)) * eye(v.n),
        0 * eye(v.n))),
}


@pytest.mark.parametrize("name", list(SMALL_ONLY))
def test_an_identity_true_only_at_small_n_holds_there_and_is_never_lifted(name):
    variables, n, check = SMALL_ONLY[name]
    r = check_claim(free(check, variables, n=n))
    assert r.verdict == Verdict.HOLDS, (r.scope, r.error)
    assert not r.every_n and "; for every n" not in r.scope, r.scope
    assert "; not lifted to every n: " in r.scope, r.scope


@pytest.mark.parametrize("name", list(SMALL_ONLY))
def test_the_small_identities_are_decided_false_above_their_size(name):
    """Not refused by a technicality: the lift reads them, and the exact decision above their size says no."""
    variables, n, check = SMALL_ONLY[name]
    out = every_n.lift(free(check, variables, n=n))
    assert not out.lifted and out.scope.startswith("not lifted to every n: at n = "), out.scope
    assert "no formal identity" in out.scope
    assert int(out.scope.split("at n = ")[1].split()[0]) > max(n)


def test_a_fixed_size_is_named_and_not_lifted():
    variables, n, check = SMALL_ONLY["Hall's identity at n = 2"]
    r = check_claim(free(check, variables, n=n, fixed=("n",)))
    assert r.verdict == Verdict.HOLDS and not r.every_n
    assert "the claim fixes n (a fixed size)" in r.scope


def test_pal2019_theorem1_at_n_1_holds_there_and_is_not_for_every_n():
    col = collect([ROOT / "proofs" / "pal2019.py"])
    r = check_claim(col.items["pal2019.theorem1.desc-product"], n=(1,), t=(1, 2))
    assert r.verdict == Verdict.HOLDS and not r.every_n and "for every n ≥" not in r.scope
    assert "not lifted to every n" in r.scope  # it says why not (the model lift reads HV as outside the fragment)


def test_pal2019_theorem1_still_fails_certified_at_n_2():
    col = collect([ROOT / "proofs" / "pal2019.py"])
    r = check_claim(col.items["pal2019.theorem1.desc-product"], n=(1, 2), t=(1,))
    assert r.verdict == Verdict.FAILS and r.counterexample.size["n"] == 2 and not r.every_n


# ----- item 4: what holds for every n ----------------------------------------------------------------------

def test_the_cookbook_polynomial_gradients_hold_for_every_n():
    col = collect([ROOT / "proofs" / "examples" / "matrix_cookbook.py"])
    for cid in ("cookbook.eq69", "cookbook.eq70", "cookbook.eq81", "cookbook.eq101", "cookbook.vec-AXB.col-major",
                "cookbook.scalar-chain"):
        r = check_claim(col.items[cid])
        assert r.verdict == Verdict.HOLDS and r.every_n, (cid, r.scope)
        assert "for every n" in r.scope and "decided exactly at n = " in r.scope and "by the kernel" in r.scope
    r = check_claim(col.items["cookbook.eq70"])
    assert "for every n, m ≥ 1" in r.scope  # X is n × m: both dimensions lifted


@pytest.mark.parametrize("cid, why", [("cookbook.eq57", "log-determinant"), ("cookbook.eq49", "determinant"),
                                      ("cookbook.eq61", "inverse")])
def test_cookbook_claims_outside_the_fragment_say_why(cid, why):
    col = collect([ROOT / "proofs" / "examples" / "matrix_cookbook.py"])
    r = check_claim(col.items[cid])
    assert r.verdict == Verdict.HOLDS and not r.every_n and f"not lifted to every n: a{'n' if why[0] in 'i' else ''} " \
        f"{why}" in r.scope, r.scope


TRUE = {
    "tr(AB − BA) = 0": (AB, lambda v: (tr(v.A * v.B - v.B * v.A), 0), 2),
    "(x yᵀ)² = (yᵀx) x yᵀ": (XY, lambda v: ((v.x * v.y.T) ** 2, (v.y.T * v.x)[0, 0] * v.x * v.y.T), 3),
    "(I ⊗ A)(I ⊗ B) = I ⊗ AB": (AB, lambda v: (kron(eye(v.n), v.A) * kron(eye(v.n), v.B),
                                             kron(eye(v.n), v.A * v.B)), 4),
    "diag(x) y = x ∘ y": (XY, lambda v: (diag(v.x) * v.y, hadamard(v.x, v.y)), 1),
    "I ⊗ xᵀ with eye(x.rows), the size passed on": (XY, lambda v: (
        kron(eye(v.x.rows), v.y.T) * kron(v.x, eye(v.n * 1)), v.x * v.y.T), 2),
    "tr(diag(x) A) = tr((A ∘ I) diag(x))": (dict(x=vector("n"), A=matrix("n")), lambda v: (
        tr(diag(v.x) * v.A), tr(hadamard(v.A, eye(v.n)) * diag(v.x))), 1),
}


@pytest.mark.parametrize("name", list(TRUE))
def test_true_identities_hold_for_every_n_at_their_threshold(name):
    variables, check, at = TRUE[name]
    r = check_claim(free(check, variables, n=(1, 2)))
    assert r.verdict == Verdict.HOLDS and r.every_n, r.scope
    assert f"decided exactly at n = {at} ≥ {at}" in r.scope, r.scope


# ----- elementwise σ: each atom node a variable of its own, when no two atoms coincide at the size decided ------

SIGMA = {
    "diag(σ(x)) y = σ(x) ∘ y": (XY, lambda v: (diag(v.x.applyfunc(sigma)) * v.y, hadamard(v.x.applyfunc(sigma), v.y))),
    "∂ yᵀσ(Ax)/∂x = Aᵀ diag(σ'(Ax)) y": (dict(A=matrix("n"), x=vector("n"), y=vector("n")), lambda v: (
        v.d(tr(v.y.T * (v.A * v.x).applyfunc(sigma)), "x"), v.A.T * diag((v.A * v.x).applyfunc(dsigma)) * v.y)),
    "∂σ(Wh)/∂W = diag(σ'(Wh)) (I ⊗ hᵀ), row-major (one step of an RNN)": (
        dict(W=matrix("n"), h=vector("n")), lambda v: (
            v.d((v.W * v.h).applyfunc(sigma), "W"), diag((v.W * v.h).applyfunc(dsigma)) * kron(eye(v.n), v.h.T))),
}


@pytest.mark.parametrize("name", list(SIGMA))
def test_identities_of_an_abstract_sigma_hold_for_every_n(name):
    variables, check = SIGMA[name]
    conventions = {"vec": "row-major"} if "row-major" in name else None
    r = check_claim(free(check, variables, n=(1, 2), conventions=conventions))
    assert r.verdict == Verdict.HOLDS and r.every_n, r.scope


def test_atoms_that_coincide_at_the_size_decided_are_not_lifted():
    """σ(x xᵀ) has σ(x₀x₁) twice: the lift reads atom entries as independent only when they are distinct."""
    r = check_claim(free(lambda v: ((v.x * v.x.T).applyfunc(sigma), (v.x * v.x.T).applyfunc(sigma).T), X1, n=(1, 2)))
    assert r.verdict == Verdict.HOLDS and not r.every_n and "have one argument" in r.scope, r.scope


def test_a_sigma_identity_the_engine_would_merge_is_not_lifted_by_a_lying_kernel_free_path():
    """The kernel rechecks the atoms' distinctness itself (its own polynomials of their arguments)."""
    c = free(lambda v: ((v.x * v.x.T).applyfunc(sigma), (v.x * v.x.T).applyfunc(sigma).T), X1, n=(1, 2))
    out = verify_lift(c, {"n": 2})
    assert not out.ok and "coincide" in out.reason


# ----- item 1: outside the fragment, the scope says why ------------------------------------------------------

OUTSIDE = {  # what the check does: (variables, check, what the scope says)
    "indexes an entry": (A1, lambda v: (v.A[0, 0] * v.A, v.A * v.A[0, 0]), "entry indexing"),
    "loops over range(v.n)": (X1, lambda v: (sum((v.x for _ in range(v.n)), 0 * v.x), v.x * v.n),
                              "a size used as a number (n)"),
    "multiplies by x.rows": (X1, lambda v: (v.x * v.x.rows, v.x * v.x.rows), "a size used as a number (n)"),
    "takes tr(I)": (X1, lambda v: (tr(eye(v.n)) * v.x, tr(eye(v.n)) * v.x), "tr(I) = n"),
    "applies a polynomial entrywise": (X1, lambda v: (v.x.applyfunc(lambda e: e ** 2), v.x.applyfunc(lambda e: e ** 2)),
                                       "an elementwise function that is not an abstract σ"),
}


def test_a_check_that_branches_on_a_value_is_refused_not_lifted():
    """Python branching on a value is refused on every path (concrete.py), a check made in this module too."""
    r = check_claim(free(lambda v: (v.x if v.x else v.x, v.x), X1, n=(1, 2)))
    assert r.verdict == Verdict.ERROR and not r.every_n and "truth test" in r.error, (r.verdict, r.error)


@pytest.mark.parametrize("what", list(OUTSIDE))
def test_outside_the_fragment_the_scope_names_the_reason(what):
    variables, check, why = OUTSIDE[what]
    r = check_claim(free(check, variables, n=(1, 2)))
    assert r.verdict == Verdict.HOLDS and not r.every_n, r.scope
    assert "not lifted to every n: " in r.scope and why in r.scope, r.scope


def test_a_derivative_through_an_undefined_function_is_refused():
    with pytest.raises(every_n.NotInFragment, match="no derivative rule"):
        every_n.trace(free(lambda v: (v.d(tr(v.x.T * v.x.applyfunc(s)), "x"), v.x), X1))


def test_traced_values_are_claim_values_for_the_concrete_guard():
    from symderiv.concrete import is_value

    v = every_n.TracedValues(AB, {})
    assert is_value(v.A) and is_value(v.n)


def test_shapes_that_agree_only_as_numbers_are_refused():
    with pytest.raises(every_n.NotInFragment, match="only as numbers"):
        every_n.trace(free(lambda v: (v.X + v.Y, v.X), dict(X=matrix("n", "m"), Y=matrix("m", "n")), m=(1,)))


# ----- item 2: the kernel recounts and re-decides ---------------------------------------------------------

def test_the_kernel_recounts_the_classes_and_refuses_a_size_below_them():
    c = free(TRUE["(x yᵀ)² = (yᵀx) x yᵀ"][1], XY)
    lhs, rhs = every_n.trace(c)
    degree, most, problem = recount(lhs.terms + rhs.terms)
    assert (degree, most, problem) == (4, {"n": 3}, "")
    assert verify_lift(c, {"n": 3}).ok
    below = verify_lift(c, {"n": 2})
    assert not below.ok and "below the threshold" in below.reason


def test_a_threshold_computed_too_low_is_caught_by_the_kernel(monkeypatch):
    """AB = BA holds at n = 1: were the threshold read as 1, the engine alone would lift it; the kernel recounts."""
    monkeypatch.setattr(every_n.Threshold, "size", lambda self, dims: {d: 1 for d in dims})
    out = every_n.lift(free(lambda v: (v.A * v.B, v.B * v.A), AB, n=(1,)))
    assert not out.lifted and "below the threshold" in out.scope, out.scope


def test_a_lying_decision_is_caught_by_the_kernel():
    """The engine's decision is replaced by one that says 'zero' everywhere: the kernel's own expansion refuses."""
    variables, n, check = SMALL_ONLY["x xᵀ = (xᵀx) I at n = 1"]
    out = every_n.lift(free(check, variables, n=n), decide=lambda size: True)
    assert not out.lifted and "the kernel did not confirm it" in out.scope, out.scope


def test_the_kernel_imports_no_engine_module():
    import ast

    tree = ast.parse((ROOT / "symderiv" / "kernel" / "lift.py").read_text())
    names = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names} | {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(bad in name for name in names for bad in ("identity", "engine", "search", "derivatives", "fp"))


# ----- item 5: reported apart --------------------------------------------------------------------------------

def test_reports_say_which_claims_hold_for_every_n():
    from symderiv.report.common import tally
    from symderiv.report.jsonfmt import to_json
    from symderiv.report.junit import to_junit
    from symderiv.report.markdown import to_markdown

    lifted = check_claim(free(TRUE["tr(AB − BA) = 0"][1], AB, cid="t.lifted"))
    shown = check_claim(free(SMALL_ONLY["x xᵀ = (xᵀx) I at n = 1"][2], X1, n=(1,), cid="t.shown"))
    both = Result.from_json({**lifted.to_json(), "id": "t.both", "every_t": True})
    results = [lifted, shown, both]
    text, off = tally(results)
    assert text == "3 holds (1 for every n and every t, 1 for every n, 1 at the sizes shown)" and not off
    doc = json.loads(to_json(results, [], {}))
    assert [c["every_n"] for c in doc["claims"]] == [True, False, True]
    assert doc["summary"]["holds_for_every_n"] == 2 and doc["summary"]["holds_for_every_t"] == 1
    assert Result.from_json(lifted.to_json()).every_n
    xml = to_junit(results, [], {})
    assert 'name="t.lifted.holds_for" value="every n"' in xml and 'value="every n and every t"' in xml
    assert 'name="t.shown.holds_for" value="the sizes shown"' in xml
    md = to_markdown(results, [], {})
    assert "**for every n** · " in md and "**for every n and every t** · " in md


def test_the_junit_report_with_properties_is_valid():
    xmlschema = pytest.importorskip("xmlschema")
    from symderiv.report.junit import to_junit

    r = check_claim(free(TRUE["tr(AB − BA) = 0"][1], AB, cid="t.lifted"))
    xmlschema.XMLSchema(str(ROOT / "tests" / "junit-10.xsd")).validate(to_junit([r], [], {}))


def test_explain_shows_the_argument_in_steps():
    from rich.console import Console

    from symderiv.report.explain import explain

    c = free(TRUE["tr(AB − BA) = 0"][1], AB, cid="t.lifted")
    r = check_claim(c)
    console = Console(width=120, record=True, color_system=None)
    console.print(explain(c, [r], {}))
    out = console.export_text()
    assert "holds for every n: the argument" in out and "Lemma (index relabelling)" in out


# ----- the property: whenever the lift says every n, an exact check at a larger n agrees -------------------

ATOMS = ("A", "B", "Dx", "Dy", "At", "Bt", "Sx", "SAx", "dSAx")


def _atom(v, a):
    if a.startswith("S") or a.startswith("dS"):  # diagonals of elementwise σ, σ'
        return diag((v.x if a == "Sx" else v.A * v.x).applyfunc(dsigma if a.startswith("d") else sigma))
    return {"A": v.A, "B": v.B, "At": v.A.T, "Bt": v.B.T, "Dx": diag(v.x), "Dy": diag(v.y)}[a]


def _prod(v, word):
    out = _atom(v, word[0])
    for a in word[1:]:
        out = out * _atom(v, a)
    return out


def _transposed(word):
    flip = {"A": "At", "At": "A", "B": "Bt", "Bt": "B", **{a: a for a in ATOMS if "D" in a or "S" in a}}
    return [flip[a] for a in reversed(word)]


@st.composite
def pairs(draw):
    """(kind, word, other word): sides as products of matrices and diagonals (of x, y, σ(x), σ(Ax), σ'(Ax)),
    equal by a rule (transpose, cyclic rotation in a trace, diagonals commute) or mutated."""
    word = draw(st.lists(st.sampled_from(ATOMS), min_size=1, max_size=4))
    kind = draw(st.sampled_from(["matrix", "trace", "vector", "hadamard"]))
    rule = draw(st.sampled_from(["transpose", "rotate", "commute-diag", "mutate-swap", "mutate-flip", "same"]))
    other = list(word)
    if rule == "transpose":
        other = _transposed(word)
    elif rule == "rotate" and len(word) > 1:
        k = draw(st.integers(1, len(word) - 1))
        other = word[k:] + word[:k]
    elif rule == "commute-diag":
        for i in range(len(word) - 1):
            if word[i] not in ("A", "B", "At", "Bt") and word[i + 1] not in ("A", "B", "At", "Bt"):
                other[i], other[i + 1] = other[i + 1], other[i]
                break
    elif rule == "mutate-swap" and len(word) > 1:
        i = draw(st.integers(0, len(word) - 2))
        other[i], other[i + 1] = other[i + 1], other[i]
    elif rule == "mutate-flip":
        i = draw(st.integers(0, len(word) - 1))
        other[i] = _transposed([other[i]])[0]
    return kind, word, other, rule


def _check_of(kind, word, other, rule):
    def check(v):
        P, Q = _prod(v, word), _prod(v, other)
        if rule == "transpose":
            Q = Q.T
        if kind == "trace":
            return tr(P), tr(Q)
        if kind == "vector":
            return P * v.x, Q * v.x
        if kind == "hadamard":
            return hadamard(P, v.x * v.y.T) + P, hadamard(Q, v.x * v.y.T) + Q
        return P, Q
    return check


def _grad_check(word, mutate):
    """∂ tr(Π word)/∂A from the claim (v.d) against the reference rule: Σ over the A in the word of (after · before)ᵀ,
    and over the Aᵀ of after · before; ``mutate``: the first term's transpose dropped."""
    def check(v):
        terms = []
        for i, a in enumerate(word):
            if a not in ("A", "At"):
                continue
            rest = word[i + 1:] + word[:i]
            M = _prod(v, rest) if rest else eye(v.n)
            terms.append(M.T if (a == "A") != (mutate and not terms) else M)
        rhs = terms[0]
        for t in terms[1:]:
            rhs = rhs + t
        return v.d(tr(_prod(v, word)), "A"), rhs
    return check


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(("A", "B", "At", "Bt", "Dx", "Sx")), min_size=1, max_size=4)
       .filter(lambda w: "A" in w or "At" in w), st.booleans(), st.sampled_from([(1,), (1, 2)]),
       st.integers(0, 10 ** 6))
def test_whenever_the_lift_says_every_n_a_gradient_agrees_at_a_larger_n(word, mutate, swept, seed):
    """The derivative on diagrams (derive) against the engine's own: a gradient of a trace of a product."""
    variables = dict(A=matrix("n"), B=matrix("n"), x=vector("n"), y=vector("n"))
    c = free(_grad_check(word, mutate), variables, n=swept)
    r = check_claim(c)
    if not mutate:
        assert r.verdict == Verdict.HOLDS and r.every_n, (word, r.scope)
    if not r.every_n:
        return
    n = random.Random(seed).randint(3, 5)
    lhs, rhs = c.sides({"n": n})
    assert not nonzero_entries(lhs, rhs, "symengine"), (word, mutate, n, r.scope)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs(), st.sampled_from([(1,), (1, 2)]), st.integers(0, 10 ** 6))
def test_whenever_the_lift_says_every_n_an_exact_check_at_a_larger_n_agrees(pair, swept, seed):
    """A sweep of n = 1 alone leaves the lift all the work (AB = BA holds at n = 1)."""
    variables = dict(A=matrix("n"), B=matrix("n"), x=vector("n"), y=vector("n"))
    c = free(_check_of(*pair), variables, n=swept)
    r = check_claim(c)
    if not r.every_n:
        return
    n = random.Random(seed).randint(3, 5)
    lhs, rhs = c.sides({"n": n})
    assert not nonzero_entries(lhs, rhs, "symengine"), (pair, n, r.scope)


def test_a_threshold_too_costly_is_reported_not_decided(monkeypatch):
    """The lift runs after the claim holds: it never spends the claim's budget on a huge size."""
    monkeypatch.setattr(every_n, "MAX_TERMS", 100)
    variables, n, check = SMALL_ONLY["Hall's identity at n = 2"]
    out = every_n.lift(free(check, variables, n=(1, 2)))
    assert not out.lifted and "beyond the lift's budget" in out.scope, out.scope


def test_a_fixed_numeric_dimension_stays_fixed_and_is_named():
    r = check_claim(free(lambda v: (v.A * v.x, (v.x.T * v.A.T).T), dict(A=matrix("n", 3), x=vector(3)), n=(1, 2)))
    assert r.verdict == Verdict.HOLDS and r.every_n and "the dimension 3 fixed" in r.scope, r.scope


def test_theorem1_corrected_base_and_step_hold_for_every_n_and_hv_still_fails():
    """The induction's J_t and P_t (and the base) of corrected Theorem 1 as free-variable identities: lifted."""
    col = collect([ROOT / "proofs" / "examples" / "theorem1_every_n.py"])
    for cid in ("everyn.theorem1.step-J", "everyn.theorem1.step-P"):
        r = check_claim(col.items[cid])
        assert r.verdict == Verdict.HOLDS and r.every_n, (cid, r.scope)
    r = check_claim(col.items["everyn.theorem1.partial-HV"])
    assert r.verdict == Verdict.FAILS and r.counterexample.size["n"] == 2 and not r.every_n


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(("A", "At", "Dx", "Sx")), min_size=1, max_size=2),
       st.lists(st.sampled_from(("B", "Bt", "Dy")), min_size=1, max_size=1),
       st.sampled_from(["col-major", "row-major"]), st.sampled_from(["Qᵀ ⊗ P", "P ⊗ Qᵀ", "Q ⊗ P"]),
       st.integers(0, 10 ** 6))
def test_whenever_the_lift_says_every_n_a_vec_jacobian_agrees_at_a_larger_n(p, q, layout, form, seed):
    """∂vec(P X Q)/∂vec(X) in either vec layout against the three Kronecker forms (Bᵀ ⊗ A is col-major's, A ⊗ Bᵀ
    row-major's, B ⊗ A neither): compound indices, kron and the Jacobian's layout on diagrams, at a larger n."""
    variables = dict(A=matrix("n"), B=matrix("n"), X=matrix("n"), x=vector("n"), y=vector("n"))

    def check(v):
        P, Q = _prod(v, p), _prod(v, q)
        rhs = {"Qᵀ ⊗ P": kron(Q.T, P), "P ⊗ Qᵀ": kron(P, Q.T), "Q ⊗ P": kron(Q, P)}[form]
        return v.d(P * v.X * Q, "X"), rhs

    c = free(check, variables, n=(1,), conventions={"vec": layout})
    r = check_claim(c)
    if (layout, form) in (("col-major", "Qᵀ ⊗ P"), ("row-major", "P ⊗ Qᵀ")):
        assert r.verdict == Verdict.HOLDS and r.every_n, r.scope
    if not r.every_n:
        return
    n = random.Random(seed).randint(2, 3)
    lhs, rhs = c.sides({"n": n})
    assert not nonzero_entries(lhs, rhs, "symengine"), (p, q, layout, form, n, r.scope)


def test_a_false_identity_is_found_false_at_the_cheap_size_even_when_its_threshold_is_beyond_the_limit(monkeypatch):
    monkeypatch.setattr(every_n, "MAX_SIZE", 3)
    variables, n, check = SMALL_ONLY["Hall's identity at n = 2"]
    out = every_n.lift(free(check, variables, n=n))
    assert not out.lifted and "at n = 3 the normal form of lhs − rhs is not 0" in out.scope, out.scope
    true = every_n.lift(free(lambda v: (tr(v.A * v.B * v.C * v.A), tr(v.A * v.A * v.B * v.C)), ABC, n=(1,)))
    assert not true.lifted and "beyond the lift's limit 3" in true.scope, true.scope



# ----- model claims at a fixed horizon (experimental: every_n.lift_model, not called by the engine) ----------

def _model_claim(check, cid="t.model", **kw):
    from symderiv import pal2019_rnn

    return Claim(id=cid, where="test", statement="test", check=check, model=pal2019_rnn, conventions={"layout":
                 "row-major"}, sizes=sweep(n=kw.pop("n", (1,)), t=kw.pop("t", (1, 2))), **kw)


def test_corrected_theorem1_is_lifted_to_every_n_at_a_fixed_horizon():
    col = collect([ROOT / "proofs" / "pal2019.py"])
    for t in (1, 2):
        out = every_n.lift(col.items["pal2019.theorem1.corrected"], t=t)
        assert out.lifted and f"for every n, m ≥ 1 at t = {t}" in out.scope, out.scope
        assert out.size == {"n": t + 1, "m": 1, "t": t}


def test_a_model_identity_true_only_at_n_1_is_not_lifted():
    """dh_1/dW_R = σ(h_0)ᵀ ⊗ I (the col-major block) agrees with I ⊗ σ(h_0)ᵀ at n = 1 only."""
    c = _model_claim(lambda m: (m.d(("h", 1), "W_R"), kron(m.sigma(m.h(0)).T, eye(m.n))), t=(1,))
    assert check_claim(c).verdict == Verdict.HOLDS
    out = every_n.lift(c, t=1)
    assert not out.lifted and "at n = 2, m = 1, t = 1 the normal form of lhs − rhs is not 0" in out.scope, out.scope


def test_pal2019_theorem1_as_printed_is_never_lifted():
    col = collect([ROOT / "proofs" / "pal2019.py"])
    out = every_n.lift(col.items["pal2019.theorem1.desc-product"], t=2)
    assert not out.lifted and "HV" in out.scope


def test_a_planted_product_order_is_not_lifted_at_a_fixed_horizon():
    from symderiv import product

    def asc(m):
        F = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))  # noqa: E731
        B = lambda k: kron(eye(m.n), m.sigma(m.h(k - 1)).T)  # noqa: E731
        return m.d(("h", 3), "W_R"), sum((product(F, k + 1, 3, order="ascending", size=m.n) * B(k)
                                         for k in (1, 2)), B(3))
    out = every_n.lift(_model_claim(asc, t=(3,)), t=3)
    assert not out.lifted and "is not 0" in out.scope, out.scope


def test_a_linear_rnn_jacobian_power_is_lifted_at_a_fixed_horizon():
    from symderiv import elman_rnn, power

    c = Claim(id="t.linear", where="test", statement="test", model=elman_rnn, activation="identity",
              check=lambda m: (m.d(("h", 2), ("h", 0)), power(m.W, 2, size=m.n)), conventions={},
              sizes=sweep(n=(1,), t=(2,)))
    out = every_n.lift(c, t=2)
    assert out.lifted, out.scope


VARIANTS = {  # dh_t/dh_0 of pal2019's RNN, h_k = W_R σ(h_{k-1}) + …: the true product and three slips
    "descending W_R diag σ'(h_{k-1})": (True, lambda m, k: m.W_R * diag(m.dsigma(m.h(k - 1))), "descending"),
    "ascending": (False, lambda m, k: m.W_R * diag(m.dsigma(m.h(k - 1))), "ascending"),
    "diag σ'(h_{k-1}) W_R (factors swapped)": (False, lambda m, k: diag(m.dsigma(m.h(k - 1))) * m.W_R, "descending"),
    "σ' dropped": (False, lambda m, k: m.W_R, "descending"),
}


@pytest.mark.parametrize("name", list(VARIANTS))
@pytest.mark.parametrize("t", [2, 3])
def test_a_model_closed_form_is_lifted_at_a_horizon_only_when_true_there_at_a_larger_n(name, t):
    from symderiv import product

    true, factor, order = VARIANTS[name]
    c = _model_claim(lambda m: (m.d(("h", m.t), "h"), product(lambda k: factor(m, k), 1, m.t, order=order,
                                                              size=m.n)), t=(t,))
    out = every_n.lift(c, t=t)
    assert out.lifted == true, out.scope
    if out.lifted:
        lhs, rhs = c.sides({"n": out.size["n"] + 1, "t": t})
        assert not nonzero_entries(lhs, rhs, "symengine")


# ----- every n and every t: a model claim's induction, base and step traced (issue 20, item 4) ------------------

from symderiv import HV, product, total  # noqa: E402
from symderiv.every_n import lift_induction  # noqa: E402


# Theorem 1's closed form and its planted errors, as tests/test_induction.py writes them (a copy: importing that
# module would make its helpers this module's user code for the guard)
def block(v):
    return kron(eye(v.rows), v.T)


def closed_form(m, *, order="descending", blk=block, W=None, lo=1, dshift=0, vshift=0, d=None, v=None,
                last=1, diag_d=True):
    n, t = m.n, m.t
    W = m.W_R if W is None else W(m)
    d = d or m.dsigma
    v = v or m.sigma
    factor = lambda r: W * diag(d(m.h(r - 1 + dshift))) if diag_d else W  # noqa: E731
    term = lambda k: product(factor, k + 1, t, order=order, size=n) * blk(v(m.h(k - 1 + vshift)))  # noqa: E731
    out = total(term, (n, n * n), lo=lo, hi=t - 1)
    for _ in range(last):
        out = out + blk(v(m.h(t - 1)))
    return out


MUTANTS = {
    "ascending product order": dict(order="ascending"),
    "transposed W_R": dict(W=lambda m: m.W_R.T),
    "dropped k = 1 term": dict(lo=2),
    "off-by-one index in σ'": dict(dshift=1),
    "off-by-one index in the block": dict(vshift=1),
    "σ where σ' belongs": dict(d=lambda v: v.applyfunc(sp.Function("sigma"))),
    "σ' where σ belongs": dict(v=lambda v: v),
    "HV in place of I ⊗ vᵀ": dict(blk=HV),
    "missing last term": dict(last=0),
    "extra term (last counted twice)": dict(last=2),
    "missing diag(σ')": dict(diag_d=False),
}


def _fix(kw, m):
    kw = dict(kw)
    if kw.get("d") is not None:
        kw["d"] = m.sigma
    if kw.get("v") is not None:
        kw["v"] = m.dsigma
    return kw

EVERY_NT = ["pal2019.theorem1.corrected", "pal2019.lemma2.corrected", "pal2019.lemma1",
            "cs6180.jacobian-powers.product", "cs6180.jacobian-powers.corrected",
            "avram2025.jacobian-product.desc-product"]


@pytest.fixture(scope="module")
def shipped_models():
    col = collect([ROOT / "proofs" / "pal2019.py", ROOT / "proofs" / "cs6180.py", ROOT / "proofs" / "avram2025.py"])
    return {c.id: c for c in col.claims()}


def test_tanh_and_its_derivative_are_two_atoms_so_the_wrong_product_order_is_not_lifted(shipped_models):
    """tanh and tanh' are read as two free atoms (sound: an identity with them free holds for tanh); the
    ascending product order of avram2025 is false for n ≥ 2 and its step is decided false at its threshold."""
    out = lift_induction(shipped_models["avram2025.jacobian-product.asc-product"], 1)
    assert not out.lifted and out.step is None
    assert lift_induction(shipped_models["avram2025.jacobian-product.desc-product"], 1).lifted


@pytest.mark.parametrize("cid", EVERY_NT)
def test_shipped_model_claims_hold_for_every_n_and_every_t(shipped_models, cid):
    r = check_claim(shipped_models[cid])
    assert r.verdict == Verdict.HOLDS and r.every_t and r.every_n, r.scope
    out = lift_induction(shipped_models[cid], 1)
    assert out.lifted and out.base.label == "base" and out.step.label == "step"
    for part in (out.base, out.step):  # decided at (at least) the recounted number of index classes
        assert all(part.size[d] >= max(1, part.classes[d]) for d in ("n", "m"))
    assert f"decided exactly at n = {out.step.size['n']}" in r.scope


def test_theorem1_corrected_step_is_peeled_and_decided_at_its_threshold(shipped_models):
    out = lift_induction(shipped_models["pal2019.theorem1.corrected"], 1)
    assert out.lifted and set(out.peeled) == {"Π newest factor (descending)", "Σ last term"}
    assert out.step.degree == 3 and out.step.classes["n"] == 4 and out.step.size["n"] == 4


def test_theorem1_as_printed_still_fails_certified_at_n_2_and_is_never_lifted(shipped_models):
    col = collect([ROOT / "proofs" / "pal2019.py"])
    for c in col.claims():
        if c.id.startswith("pal2019.theorem1.") and c.id != "pal2019.theorem1.corrected":
            r = check_claim(c)
            assert r.verdict == Verdict.FAILS and r.counterexample is not None and not r.every_n
            assert r.counterexample.size["n"] == 2
            assert not lift_induction(c, 1).lifted


# traps: a model identity that holds only at n = 1 (for every t there), written several ways; each is held to
# its sizes by the engine and never lifted (the base or the step fails at its threshold)
def _swapped_block(v):
    return kron(v.T, eye(v.rows))       # vᵀ ⊗ I = I ⊗ vᵀ only when n = 1


N1_ONLY = {
    "block vᵀ ⊗ I (the base and every term)": lambda m: closed_form(m, blk=_swapped_block),
    "diag(σ') W_R for W_R diag(σ') (the step)": lambda m: _recursion(m, lambda W, D: D * W),
    "W_Rᵀ in the recursion (the step)": lambda m: _recursion(m, lambda W, D: W.T * D),
}


def _recursion(m, factor):
    t = m.t
    D = diag(m.dsigma(m.h(t - 1)))
    return block(m.sigma(m.h(t - 1))) + factor(m.W_R, D) * m.d(("h", t - 1), "W_R")


@pytest.mark.parametrize("name", list(N1_ONLY))
def test_a_model_identity_true_only_at_n_1_is_never_lifted(make_claim, name):
    rhs = N1_ONLY[name]
    at1 = make_claim(lambda m: (m.d(("h", m.t), "W_R"), rhs(m)), n=(1,), t=(1, 2, 3))
    r = check_claim(at1)
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n, r.scope
    assert "not lifted to every n" in r.scope
    out = lift_induction(at1, 1)
    assert not out.lifted
    wide = make_claim(lambda m: (m.d(("h", m.t), "W_R"), rhs(m)), n=(1, 2), t=(1, 2))
    assert check_claim(wide).verdict == Verdict.FAILS


@pytest.mark.parametrize("name", list(MUTANTS))
def test_no_planted_theorem1_mutant_is_lifted(make_claim, name):
    c = make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m, **_fix(MUTANTS[name], m))), n=(1,), t=(1, 2))
    assert not lift_induction(c, 1).lifted


def test_the_model_argument_is_shown_in_steps(shipped_models):
    from symderiv.report.explain import argument

    r = check_claim(shipped_models["pal2019.theorem1.corrected"])
    text = argument(r).plain
    assert "1. Truth's recursion" in text and "Step:" in text and "Lemma (index relabelling" in text
    assert "Trusted, not re-checked by the kernel" in text


# property: random closed forms of the recursion and their mutations; whenever the lift says every n and t, an
# exact check at a larger n and t agrees
PIECES = {
    "first": [lambda m, h: block(m.sigma(h)), lambda m, h: _swapped_block(m.sigma(h)),
              lambda m, h: block(m.dsigma(h)), lambda m, h: 2 * block(m.sigma(h))],
    "factor": [lambda m, h: m.W_R * diag(m.dsigma(h)), lambda m, h: diag(m.dsigma(h)) * m.W_R,
               lambda m, h: m.W_R.T * diag(m.dsigma(h)), lambda m, h: m.W_R * diag(m.sigma(h)),
               lambda m, h: m.W_R * diag(m.dsigma(h)) * m.W_R * m.W_R.T * 0 + m.W_R * diag(m.dsigma(h))],
    "step": [1, 2],
}


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@example(0, 0, 1, 4, 4)
@example(0, 1, 1, 3, 3)
@given(st.integers(0, 3), st.integers(0, 4), st.sampled_from([1, 2]), st.integers(3, 4), st.integers(3, 4))
def test_whenever_the_model_lift_says_every_n_an_exact_check_at_larger_n_and_t_agrees(make_claim, first, factor,
                                                                                       back, n, t):
    def rhs(m):
        h = m.h(m.t - back)
        return PIECES["first"][first](m, m.h(m.t - 1)) + PIECES["factor"][factor](m, h) * m.d(("h", m.t - 1), "W_R")

    c = make_claim(lambda m: (m.d(("h", m.t), "W_R"), rhs(m)), n=(1,), t=(2, 3))
    out = lift_induction(c, 2)
    truth = (first, factor, back) in {(0, 0, 1), (0, 4, 1)}  # the true recursion (4: with a term 0 · …)
    if out.lifted:
        lhs, rhs_ = c.sides({"n": n, "m": 1, "t": t})
        assert not nonzero_entries(lhs, rhs_), (first, factor, back)
    assert out.lifted == truth or not truth, out.scope


def test_a_model_claim_outside_the_fragment_says_why_it_is_not_lifted(make_claim):
    """Entry indexing (true at n = 1 only) and a fixed size: holds for every t at its size, and the scope names why
    not every n."""
    def indexed(m):
        t = m.t
        D = diag(m.dsigma(m.h(t - 1)))
        return block(m.sigma(m.h(t - 1))) + m.W_R[0, 0] * D * m.d(("h", t - 1), "W_R")

    r = check_claim(make_claim(lambda m: (m.d(("h", m.t), "W_R"), indexed(m)), n=(1,), t=(1, 2, 3)))
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n
    assert "not lifted to every n: the induction's step: entry indexing" in r.scope
    fixed = Claim(id="t.fixed-n", where="t", statement="t", check=lambda m: (m.d(("h", m.t), "W_R"), closed_form(m)),
                  model=make_claim(lambda m: None).model, sizes=sweep(n=2, t=(1, 2, 3), fixed=("n",)),
                  conventions={"layout": "row-major"})
    r = check_claim(fixed)
    assert r.verdict == Verdict.HOLDS and r.every_t and not r.every_n
    assert "not lifted to every n: the claim fixes n (a fixed size)" in r.scope
