"""One place folds parts into a verdict (issue 19, "the structure shows it").

Three things are tested: the rule itself (properties of :func:`symderiv.results.fold`); that a Result's verdict is
that fold of its own typed per-size outcomes, on every path the engine has (identity, F_p, '≠', relational with
and without a prove phase, a chain, groups, induction past the sweep); and that no module outside results.py
writes a fold of its own again (an AST scan: the eleven hand-written folds this replaced were of those forms).
"""
from __future__ import annotations

import ast
import pathlib

import pytest
import sympy as sp
from hypothesis import given, strategies as st

import symderiv
from symderiv.results import SizeOutcome, Verdict, fold

V = st.sampled_from(list(Verdict))
PARTS = st.lists(st.tuples(V, st.booleans()), max_size=8)


def _outs(parts):
    return [SizeOutcome({"n": k + 1}, v, in_scope=s) for k, (v, s) in enumerate(parts)]


@given(PARTS)
def test_a_certified_failure_anywhere_fails(parts):
    """fails as soon as one part fails, in the verdict's scope or not (a counterexample past the sweep)."""
    verdict = fold(_outs(parts))
    assert (verdict == Verdict.FAILS) == any(v == Verdict.FAILS for v, _ in parts)


@given(PARTS)
def test_holds_only_when_every_part_in_scope_holds(parts):
    verdict = fold(_outs(parts))
    scoped = [v for v, s in parts if s]
    if verdict == Verdict.HOLDS:
        assert scoped and all(v == Verdict.HOLDS for v in scoped)
        assert all(v in (Verdict.HOLDS, Verdict.UNDECIDED) for v, _ in parts)  # searched-only sizes: no errors
    elif scoped and all(v == Verdict.HOLDS for v in scoped) and all(v == Verdict.HOLDS or (v == Verdict.UNDECIDED
                                                                                      and not s) for v, s in parts):
        pytest.fail(f"{parts} should hold")


@given(PARTS, PARTS)
def test_the_fold_is_a_fold(a, b):
    """Folding the folds of two halves is folding the whole (groups of groups, sizes then steps agree)."""
    whole = fold(_outs(a + b))
    halves = fold([fold(_outs(a)), fold(_outs(b))]) if a and b else whole
    if not any(s for _, s in a) or not any(s for _, s in b):
        return  # a half with nothing in scope is undecided alone, and says nothing in the whole
    assert halves == whole


def test_nothing_is_undecided():
    assert fold([]) == Verdict.UNDECIDED
    assert fold(_outs([(Verdict.HOLDS, False)])) == Verdict.UNDECIDED


# ----- every path's Result is the fold of its typed outcomes -------------------------------------------------


def _claims():
    from symderiv import matrix, scalars, sweep, vector
    from symderiv.claims import Claim

    x = sp.Symbol("x", real=True)

    def ident(ok):
        return lambda m: (m.h(m.t), m.h(m.t) if ok else 2 * m.h(m.t))

    out = [
        Claim(id="f.ident.holds", where="t", statement="t", check=ident(True), model=symderiv.pal2019_rnn,
              sizes=sweep(n=(1, 2), t=(1, 2)), conventions={"layout": "row-major"}),
        Claim(id="f.ident.fails", where="t", statement="t", check=ident(False), model=symderiv.pal2019_rnn,
              sizes=sweep(n=(1, 2), t=(1, 2)), conventions={"layout": "row-major"}),
        Claim(id="f.ne", where="t", statement="t", check=ident(False), model=symderiv.pal2019_rnn, relation="≠",
              sizes=sweep(n=(1,), t=(1,)), conventions={"layout": "row-major"}),
        Claim(id="f.free", where="t", statement="t", check=lambda v: (v.A * v.B, (v.B.T * v.A.T).T),
              variables=dict(A=matrix("n"), B=matrix("n")), sizes=sweep(n=(1, 2)), conventions={}),
        Claim(id="f.free.fails", where="t", statement="t", check=lambda v: (v.A * v.B, v.B * v.A),
              variables=dict(A=matrix("n"), B=matrix("n")), sizes=sweep(n=(1, 2)), conventions={}),
    ]
    return out


@pytest.mark.parametrize("claim", _claims(), ids=lambda c: c.id)
def test_identity_results_are_the_fold_of_their_sizes(claim):
    from symderiv.engine import check_claim

    r = check_claim(claim)
    assert r.verdict != Verdict.ERROR, r.error
    assert r.sizes and r.verdict == fold(r.sizes)


def test_relational_results_are_the_fold_of_their_sizes(tmp_path, monkeypatch):
    """With and without the prove phase, a chain's steps, searched-only sizes outside the verdict's scope."""
    from symderiv.claims import collect
    from symderiv.engine import check_claim

    f = tmp_path / "rel.py"
    f.write_text(
        "from symderiv import claim, fro, matrices, sweep, scalars\n"
        "@claim('r.fro', kind='inequality', where='t', statement='t', sizes=sweep(n=(1, 2, 3)),"
        " given=dict(A=matrices()))\n"
        "def fro_(A):\n    return fro(A) >= 0\n"
        "@claim('r.false', kind='inequality', where='t', statement='t', expect='fails', sizes=sweep(n=(1, 2)),"
        " given=dict(A=matrices()))\n"
        "def false(A):\n    return fro(A) >= 1\n"
        "@claim('r.noprove', kind='inequality', where='t', statement='t', expect='undecided', sizes=sweep(n=(1,)),"
        " prove=False, given=dict(A=matrices()))\n"
        "def noprove(A):\n    return fro(A) >= 0\n")
    col = collect([f])
    assert not col.errors, col.errors
    for cid in ("r.fro", "r.false", "r.noprove"):
        r = check_claim(col.items[cid])
        assert r.sizes and r.verdict == fold(r.sizes), (cid, r.verdict, [(o.status, o.in_scope) for o in r.sizes])
        assert r.verdict == r.wanted, (cid, r.scope, r.error)
        if cid == "r.fro":
            assert [o.in_scope for o in r.sizes] == [o.size["n"] <= 2 for o in r.sizes]


def test_a_json_round_trip_keeps_the_scope_of_each_size():
    o = SizeOutcome({"n": 3}, Verdict.UNDECIDED, "searched", in_scope=False)
    assert SizeOutcome.from_json(o.to_json()) == o
    assert SizeOutcome.from_json(SizeOutcome({"n": 1}, Verdict.HOLDS).to_json()).in_scope


# ----- nobody folds by hand again -------------------------------------------------------------------------------

PKG = pathlib.Path(symderiv.__file__).parent


def _hand_folds(tree: ast.AST) -> list[int]:
    """Lines where verdicts are folded by hand: `Verdict.X in …`, or all()/any() over comparisons with a Verdict."""
    def is_verdict(node) -> bool:
        return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Verdict" \
            and node.attr in ("HOLDS", "FAILS", "ERROR", "UNDECIDED")

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and is_verdict(node.left) and any(isinstance(op, (ast.In, ast.NotIn))
                                                                           for op in node.ops):
            lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("all", "any") \
                and node.args and isinstance(node.args[0], ast.GeneratorExp):
            if any(is_verdict(n) for n in ast.walk(node.args[0].elt)):
                lines.append(node.lineno)
    return lines


def test_the_scan_sees_the_forms_it_forbids():
    src = ("a = Verdict.FAILS in xs\n"
           "b = all(s == Verdict.HOLDS for s in xs)\n"
           "c = any(r.verdict == Verdict.ERROR for r in rs)\n"
           "d = x == Verdict.HOLDS\n")
    assert _hand_folds(ast.parse(src)) == [1, 2, 3]


#: where a verdict may still be compared: the fold itself, the report (counts for display), the CLI's exit code and
#: the pytest plugin (each reads verdicts, none folds them into one)
READERS = {"results.py", "cli.py", "pytest_plugin.py"}


def test_no_module_folds_verdicts_by_hand():
    found = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        if path.name in READERS or rel.parts[0] == "report":
            continue
        lines = _hand_folds(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[str(rel)] = lines
    assert not found, f"verdicts folded outside results.fold: {found}"


# ----- the kernel's word, as typed evidence ---------------------------------------------------------------------


@pytest.mark.parametrize("claim", _claims(), ids=lambda c: c.id)
def test_every_holds_or_fails_size_carries_the_kernels_word(claim):
    """Each size that holds or fails records what the kernel's token said (kind, Proved/Refuted, what it trusted);
    it survives the JSON round trip, so the cache and the JSON report keep it."""
    from symderiv.engine import check_claim
    from symderiv.results import Result

    r = check_claim(claim)
    decided = [o for o in r.sizes if o.status in (Verdict.HOLDS, Verdict.FAILS)]
    assert decided
    for o in decided:
        assert o.kernel is not None, o
        negated = claim.relation == "≠"
        assert o.kernel.holds == ((o.status == Verdict.HOLDS) != negated)
        assert o.kernel.trusts or o.kernel.error_bits or o.kernel.how
    back = Result.from_json(r.to_json())
    assert [o.kernel for o in back.sizes] == [o.kernel for o in r.sizes]
    assert back.trusted == r.trusted


def test_a_verdict_that_rests_on_what_the_kernel_trusts_says_so_in_a_field():
    """The normal form of a claim with the constant e beyond the kernel's exact reach (n = 8: its ℤ/p check gives e
    no residue): holds, and ``trusted`` names the normal form (a field, not prose)."""
    from symderiv.claims import Claim
    from symderiv.engine import check_claim

    c = Claim(id="f.big", where="t", statement="t", check=lambda m: (m.h(m.t).applyfunc(lambda v: sp.exp(v + 1)),
                                                                    m.h(m.t).applyfunc(sp.exp) * sp.E),
              model=symderiv.pal2019_rnn, sizes=sweep_of(8), conventions={"layout": "row-major"})
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS, (r.error, r.scope)
    assert r.trusted and all(o.kernel.trusts for o in r.sizes if not o.kernel.rechecked)


def sweep_of(n):
    from symderiv import sweep

    return sweep(n=(n,), t=(1,))


def test_holds_for_every_t_names_what_the_kernel_did_not_recheck(make_claim):
    """The kernel re-checks the induction's step but not the reading of the check at a symbolic t: a `holds … for
    every t` names it in a field."""
    from symderiv.engine import check_claim
    from symderiv.kernel.step import UNIFORM
    from symderiv.results import Result

    c = make_claim(lambda m: (m.h(m.t), m.h(m.t)), n=(1,), t=(1, 2))
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_t
    assert UNIFORM in r.trusted  # the kernel read the finder's terms itself (kernel/peel.py): uniformity is left
    assert Result.from_json(r.to_json()).trusted == r.trusted


@pytest.mark.parametrize("kind", ["readings", "parts"])
def test_a_group_says_what_its_members_verdicts_rest_on(kind):
    """A group's Result (readings or parts) has no sizes of its own: its ``trusted`` is what the members that make
    its verdict rest on, never empty when one of them trusts something."""
    from symderiv.engine import aggregate
    from symderiv.claims import Group
    from symderiv.results import Result

    def member(mid, verdict, trusts):
        return Result(id=mid, verdict=verdict, expected=None, source="", where="t", statement="t", conventions={},
                      beyond_sizes_trusts=list(trusts))

    members = {"g.a": member("g.a", Verdict.HOLDS, ["the reading at a symbolic t"]),
               "g.b": member("g.b", Verdict.HOLDS, ["z3 and cvc5"])}
    group = Group(id="g", kind=kind, where="t", statement="t", defaults={}, members=["g.a", "g.b"],
                  intent="a" if kind == "readings" else None)
    r = aggregate(group, members)
    want = ["the reading at a symbolic t"] if kind == "readings" else ["the reading at a symbolic t", "z3 and cvc5"]
    assert r.verdict == Verdict.HOLDS and r.trusted == want


def test_explain_shows_the_kernels_word_for_each_size(make_claim):
    from symderiv.engine import check_claim
    from symderiv.report.explain import kernel_word

    r = check_claim(make_claim(lambda m: (m.h(m.t), m.h(m.t)), n=(1,), t=(1,)))
    (o,) = r.sizes
    assert kernel_word(o).startswith("Proved (identity)")
    f = check_claim(make_claim(lambda m: (m.h(m.t), 2 * m.h(m.t)), n=(1,), t=(1,)))
    assert kernel_word(f.sizes[0]).startswith("Refuted (identity)")


def test_a_randomized_acceptance_records_the_kernels_degree_bound(make_claim):
    from symderiv.engine import check_claim

    r = check_claim(make_claim(lambda m: (m.h(m.t), m.h(m.t)), n=(1, 2), t=(1, 2)))
    rand = [o.kernel for o in r.sizes if o.kernel.error_bits]
    assert rand and all(isinstance(k.degree, int) and k.degree >= 1 for k in rand)
