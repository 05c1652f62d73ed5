"""The report, read by a reviewer who has not seen the code (issue 11, items 6 and 7).

Each test here reproduces a finding of the issue against the real engine and
failed before the report was rebuilt on one typed description of a witness
(symderiv/report/evidence.py).
"""
from __future__ import annotations

import io
import json
import re
import textwrap

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from symderiv import engine
from symderiv.certificates import Counterexample, substitute
from symderiv.claims import collect, select
from symderiv.report import counterexample_panel, explain, render, to_markdown
from symderiv.report.evidence import Kind, describe, plain_lines
from symderiv.results import Phase, Result, SizeOutcome, Step, StopReason, Verdict

META = {"symderiv": "test", "backend": "auto", "seed": 0}


def text_of(renderable, width: int = 200) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    console.print(renderable)
    return console.file.getvalue()


@pytest.fixture(scope="module")
def theorem1():
    col, ids = select(["pal2019.theorem1"])
    results = engine.run(col, ids)
    return col, results


@pytest.fixture(scope="module")
def lemma3():
    col, ids = select(["pal2019.lemma3"])
    return engine.run(col, ids)[0]


def _top(results, cid):
    return next(r for r in results if r.id == cid)


# ----- item 6: a report that teaches -------------------------------------------

def test_the_entry_is_named_as_the_derivative_it_is(theorem1):
    """entry (0, 2) of dh_1/dW_R (row-major, n = 2) is ∂h₁[0]/∂W_R[1,0]: column a·n + b is ∂/∂W_R[a, b]."""
    _, results = theorem1
    r = _top(results, "pal2019.theorem1")
    i, j = r.counterexample.entry
    n = r.counterexample.size["n"]
    panel = text_of(counterexample_panel(r, META))
    assert f"entry ({i}, {j}) = ∂h₁[{i}]/∂W_R[{j // n},{j % n}]" in panel
    assert "row-major" in panel


def test_a_col_major_entry_is_named_in_that_layout_and_its_value_is_that_derivative(tmp_path):
    """The name comes from the layout the derivative used, and the lhs value is that very partial derivative."""
    (tmp_path / "cm.py").write_text(textwrap.dedent('''
        from symderiv import HV, claim, pal2019_rnn, sweep

        @claim("cm.hv", where="§1", model=pal2019_rnn, conventions={"layout": "col-major"}, expect="fails",
               statement="dh_1/dW_R = HV(σ(h_0)), columns in col-major order", sizes=sweep(n=2, t=1))
        def hv(m):
            return m.d(("h", 1), "W_R"), HV(m.sigma(m.h(0)))
    '''))
    col = collect([tmp_path])
    r = engine.run(col, ["cm.hv"])[0]
    c = r.counterexample
    assert c is not None
    i, j = c.entry
    a, b = j % 2, j // 2  # col-major: column b·n + a is ∂/∂W_R[a, b]
    entry = describe(r).of(Kind.ENTRY)[0].text
    assert f"= ∂h₁[{i}]/∂W_R[{a},{b}]" in entry and "col-major" in entry
    # the value the report shows for lhs is ∂h_1[i]/∂W_R[a, b] at the point, by SymPy's own diff
    m = col.items["cm.hv"].build(c.size)
    truth = sp.diff(m.h(1)[i], m.W_R[a, b])  # SymPy's own derivative, not symderiv's
    value = substitute(truth, c.point, c.witness_sigma)
    assert sp.Rational(c.lhs) == value


def test_explain_theorem1_says_in_words_why_it_fails_and_which_blocks_differ(theorem1):
    col, results = theorem1
    out = text_of(explain(col.items["pal2019.theorem1"], results, META))
    worked = out[out.index("counterexample, worked out"):]
    assert "Why it fails:" in worked and "HV" in worked and "every block" in worked
    # the differing blocks come from the exact evaluation: HV puts σ(h_0)ᵀ in the off-diagonal blocks too
    assert "differ in 2 of 4 blocks" in worked
    assert "∂h₁[0]/∂W_R[1,·], ∂h₁[1]/∂W_R[0,·]" in worked
    assert "agree in ∂h₁[0]/∂W_R[0,·], ∂h₁[1]/∂W_R[1,·]" in worked


def test_every_failing_shipped_claim_says_why():
    col, _ = select([])
    failing = [c for c in col.claims() if c.expect == Verdict.FAILS]
    assert failing and [c.id for c in failing if not c.why] == []


def test_the_point_shows_every_variable_and_the_dot_legend_only_when_a_dot_is_shown(theorem1):
    _, results = theorem1
    r = _top(results, "pal2019.theorem1")
    panel = text_of(counterexample_panel(r, META))
    names = {re.sub(r"\[.*", "", k) for k in r.counterexample.point}
    for name in names:
        assert re.search(rf"^\│?\s*{re.escape(name)} = ", panel, re.M), name
    points = [ln for ln in describe(r).of(Kind.POINT)]
    assert len(points) == len(names) and not any("·" in ln.text for ln in points)
    assert "does not enter" not in panel
    # a point that leaves an entry out shows '·' and then, only then, says what it means
    c = Counterexample("x.y", {"n": 2}, None, {"A[0,0]": "1", "A[1,1]": "0"}, (0, 0), "1", "0")
    r2 = Result("x.y", Verdict.FAILS, Verdict.FAILS, "x.py:1", "§1", "A = 0", {}, counterexample=c, certificate="ok")
    panel2 = text_of(counterexample_panel(r2, META))
    assert "A = [1 ·; · 0]" in panel2 and "· = does not enter" in panel2


def test_exact_values_in_exact_form_with_a_decimal_beside(lemma3):
    """‖AB‖ ≥ λ*(A)‖B‖: rhs is √2 exactly, not only an arb ball; no float beside 'exact rational arithmetic'."""
    panel = text_of(counterexample_panel(lemma3, META))
    assert "rhs = √2 ≈ 1.41421356237" in panel
    assert "+/-" not in panel.split("certificate:")[0]
    assert "lhs = 1\n" in panel.replace(" │", "").replace("  \n", "\n") or re.search(r"lhs = 1\s", panel)


def test_no_float_beside_an_exact_difference(theorem1):
    _, results = theorem1
    panel = text_of(counterexample_panel(_top(results, "pal2019.theorem1"), META))
    assert "lhs − rhs = -1" in panel and "1.00000000000" not in panel


def test_a_closed_form_keeps_its_form_with_a_decimal():
    c = Counterexample("x.t", {"n": 1}, None, {"a": "1/2"}, (0, 0), "tanh(1/2)", "1/3")
    r = Result("x.t", Verdict.FAILS, Verdict.FAILS, "x.py:1", "§1", "tanh(a) = 1/3", {}, counterexample=c,
               certificate="ok")
    lines = plain_lines(describe(r))
    assert "  lhs = tanh(1/2) ≈ 0.46211715726" in lines and "  rhs = 1/3 ≈ 0.333333333333" in lines


def test_the_witness_sigma_is_written_once_and_as_latex_in_markdown():
    c = Counterexample("x.s", {"n": 1, "t": 1}, (0, 1, 1), {"W[0,0]": "1"}, (0, 0), "2", "3")
    r = Result("x.s", Verdict.FAILS, Verdict.FAILS, "x.py:1", "§1", "s", {}, counterexample=c, certificate="ok")
    panel = text_of(counterexample_panel(r, META))
    assert panel.count("σ(x) =") == 1 and "σ(x) = x^2 + x" in panel
    md = to_markdown([r], [], META)
    assert "\\sigma(x) = x^{2} + x" in md and "**2" not in md


def test_no_hypotheses_are_counted_for_a_claim_without_any(tmp_path):
    # search only (prove=False): the search's own wording is under test, not the prove phase that proves these
    (tmp_path / "h.py").write_text(textwrap.dedent('''
        from symderiv import assume, claim, matrices, norm2, rho, sweep

        @claim("h.free", kind="inequality", where="§1", statement="ρ(A) ≤ ‖A‖", given=dict(A=matrices()),
               sizes=sweep(n=1, t=1, fixed=("t",)), budget=10, expect="undecided", prove=False)
        def free(A):
            return rho(A) <= norm2(A)

        @claim("h.assumed", kind="inequality", where="§1", statement="ρ(A) ≤ 1 ⇒ ρ(A) ≤ ‖A‖",
               given=dict(A=matrices()), sizes=sweep(n=1, t=1, fixed=("t",)), budget=10, expect="undecided",
               prove=False)
        def assumed(A):
            assume(rho(A) <= 1)
            return rho(A) <= norm2(A)
    '''))
    col = collect([tmp_path])
    free, assumed = engine.run(col, ["h.free", "h.assumed"])
    assert free.verdict == Verdict.UNDECIDED and "hypothes" not in free.sizes[0].detail
    assert "satisfying the hypotheses" in assumed.sizes[0].detail


def test_claim_counts_read_as_english(theorem1):
    _, results = theorem1
    one = text_of(render(results[:1], [], META))
    assert "1 claim:" in one and "1 claims" not in one
    none = text_of(render([], [], META))
    assert "0 claims: ;" not in none and "no claims" in none
    assert "**1 claim**" in to_markdown(results[:1], [], META)


# ----- Markdown, as a Markdown renderer reads it -------------------------------

def _markdown_tokens(md: str):
    markdown_it = pytest.importorskip("markdown_it")
    dollarmath = pytest.importorskip("mdit_py_plugins.dollarmath")
    parser = markdown_it.MarkdownIt("commonmark").enable("table").use(dollarmath.dollarmath_plugin)
    return parser, parser.parse(md)


def _walk(tokens):
    for t in tokens:
        yield t
        yield from _walk(t.children or [])


def test_markdown_escapes_text_and_sets_math_as_math(theorem1):
    _, results = theorem1
    bad = Result("x.err", Verdict.ERROR, None, "x.py:1", "§1 <b>", "a_1 * b_2 | <script>alert(1)</script> $x$", {},
                 error="TypeError: <class 'list'> is not <Matrix>")
    md = to_markdown([*results, bad], [("x.py:3", "NameError: name '<lambda>' is not defined")], META)
    parser, tokens = _markdown_tokens(md)
    kinds = [t.type for t in _walk(tokens)]
    assert "html_inline" not in kinds and "html_block" not in kinds
    html = parser.render(md)
    assert "<script>" not in html and "&lt;class 'list'&gt;" in html and "&lt;lambda&gt;" in html
    assert "math_block" in kinds and "math_inline" in kinds
    maths = [t.content for t in _walk(tokens) if t.type.startswith("math")]
    assert any("\\frac{\\partial h_{1}[0]}{\\partial W_{R}[1,0]}" in m for m in maths)
    assert any(m.strip().startswith("W_{R} = \\begin{pmatrix}") for m in maths)
    # the error row is one table row (its '|' escaped), and its '$x$' is text, not math
    assert not any(m == "x" for m in maths)
    assert html.count("<tr>") == len(results) + 2


# ----- item 7: typed evidence underneath ----------------------------------------

def test_every_format_renders_the_one_description(theorem1, lemma3):
    """Terminal panel, explain, Markdown and the pytest failure all show each line of describe()."""
    col, results = theorem1
    from symderiv.pytest_plugin import ClaimItem

    for r in (_top(results, "pal2019.theorem1.desc-product"), lemma3):
        ev = describe(r)
        panel = text_of(counterexample_panel(r, META), width=400)
        worked = text_of(explain(col.items["pal2019.theorem1"], results, META), width=400) \
            if r.id.startswith("pal2019.theorem1") else panel
        md = to_markdown([r], [], META)

        class Fake:  # the plugin's repr_failure reads .result, the item's location and the seed option
            result = r
            config = type("Config", (), {"getoption": staticmethod(lambda name: 0)})()

            def _location(self):
                return "proof.py:1"
        from symderiv.pytest_plugin import ClaimFailed
        failure = ClaimItem.repr_failure(Fake(), type("E", (), {"value": ClaimFailed(r, Verdict.HOLDS)})())
        for ln in ev.lines:
            for shown in (panel, worked, failure):
                assert ln.text in shown, (ln.kind, ln.text)
            assert (ln.latex or ln.text.split("  ")[0][:20]) in md.replace("\\_", "_").replace("\\(", "(") \
                .replace("\\)", ")").replace("\\*", "*").replace("\\[", "[").replace("\\]", "]") \
                or ln.kind == Kind.CERTIFICATE, (ln.kind, ln.latex)


def test_results_carry_typed_steps_phases_and_stop_reasons(tmp_path, theorem1):
    _, results = theorem1
    r = _top(results, "pal2019.theorem1.desc-product")
    assert r.phases and all(isinstance(p, Phase) for p in r.phases)
    assert all(isinstance(o.stop, StopReason) for o in r.sizes)
    assert {o.stop for o in r.sizes} == {StopReason.NORMAL_FORM_ZERO, StopReason.CERTIFIED}
    col, ids = select(["avram2025.w-bounds"])
    chain = next(x for x in engine.run(col, ids) if x.steps)
    assert all(isinstance(s, Step) and isinstance(s.verdict, Verdict) for s in chain.steps)


def test_a_real_result_round_trips_through_json(theorem1, lemma3):
    _, results = theorem1
    for r in [*results, lemma3]:
        back = Result.from_json(json.loads(json.dumps(r.to_json())))
        assert back == r


_text = st.text(max_size=12)
_verdicts = st.sampled_from(list(Verdict))
_sizes = st.dictionaries(st.sampled_from(["n", "t", "m"]), st.integers(1, 9), max_size=3)
_values = st.one_of(st.integers(-9, 9).map(str), st.fractions(max_denominator=9).map(str), _text)
_counterexamples = st.builds(
    Counterexample, claim_id=_text, size=_sizes, sigma=st.none() | st.tuples(st.integers(-3, 3), st.integers(-3, 3)),
    loss=st.none() | st.tuples(st.integers(-3, 3), st.integers(-3, 3)),
    point=st.dictionaries(_text, _values, max_size=4), entry=st.none() | st.tuples(st.integers(0, 5), st.integers(0, 5)),
    lhs=_values, rhs=_values, lhs_approx=_text, rhs_approx=_text, notes=st.lists(_text, max_size=3).map(tuple),
    kind=st.sampled_from(["identity", "relation", "limit"]), step=_text,
    curve=st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=4).map(tuple),
    structure=st.fixed_dictionaries({}, optional={"shape": st.tuples(st.integers(1, 4), st.integers(1, 4)).map(list),
                                                  "complete": st.booleans()}),
    exact=st.tuples(_values, _values))
_outcomes = st.builds(SizeOutcome, size=_sizes, status=_verdicts, detail=_text,
                      seconds=st.floats(0, 100, allow_nan=False), stop=st.none() | st.sampled_from(list(StopReason)))
_results = st.builds(
    Result, id=_text, verdict=_verdicts, expected=st.none() | _verdicts, source=_text, where=_text, statement=_text,
    conventions=st.dictionaries(_text, _text, max_size=3), scope=_text, counterexample=st.none() | _counterexamples,
    certificate=_text, seconds=st.floats(0, 1e4, allow_nan=False), sizes=st.lists(_outcomes, max_size=3),
    error=st.none() | _text, phases=st.dictionaries(st.sampled_from(list(Phase)), st.floats(0, 10, allow_nan=False)),
    members=st.lists(_text, max_size=3), group=st.none() | _text, note=_text,
    steps=st.lists(st.builds(Step, _text, _verdicts, _text), max_size=3), why=_text, every_t=st.booleans())


@settings(max_examples=150, deadline=None)
@given(_results)
def test_result_round_trips_through_json(r):
    assert Result.from_json(json.loads(json.dumps(r.to_json()))) == r


def test_the_reproduce_line_finds_a_proof_file_outside_proofs(tmp_path, monkeypatch):
    """A proof file elsewhere (notes/mine.py): the reproduce line names it, and running that line finds it again."""
    import shlex

    from click.testing import CliRunner

    from symderiv.cli import main

    notes = tmp_path / "my notes"
    notes.mkdir()
    (notes / "mine.py").write_text(textwrap.dedent('''
        from symderiv import HV, claim, pal2019_rnn, sweep

        @claim("mine.hv", where="§1", model=pal2019_rnn, expect="fails", statement="dh_1/dW_R = HV(σ(h_0))",
               sizes=sweep(n=2, t=1), why="HV fills every block")
        def hv(m):
            return m.d(("h", 1), "W_R"), HV(m.sigma(m.h(0)))
    '''))
    work = tmp_path / "elsewhere"
    work.mkdir()
    monkeypatch.chdir(work)
    first = CliRunner().invoke(main, ["check", str(notes / "mine.py"), "--format", "markdown"])
    assert first.exit_code == 0, first.output
    line = next(ln for ln in first.output.splitlines() if ln.startswith("Reproduce:"))
    command = shlex.split(line.split("`")[1])
    assert command[:3] == ["symderiv", "check", str(notes / "mine.py")] and "mine.hv" in command
    again = CliRunner().invoke(main, command[1:])
    assert again.exit_code == 0, again.output
    assert "entry (0, 2) = ∂h₁[0]/∂W_R[1,0]" in again.output and "HV fills every block" in again.output


# ----- item 6: entries of free-variable derivatives and of functions of the model ----

def _entry_and_result(cid):
    col, ids = select([cid])
    r = engine.run(col, ids)[0]
    assert r.counterexample is not None, r
    return col, r, describe(r).of(Kind.ENTRY)[0].text


def test_a_free_gradient_entry_is_named_as_the_partial_of_f_and_its_value_is_that_partial():
    """∂(xᵀBx)/∂x = 2Bx: entry (i, 0) of the gradient (shaped like x) is ∂f/∂x[i], f = xᵀBx."""
    col, r, entry = _entry_and_result("cookbook.eq81-symmetric-only")
    c = r.counterexample
    i, j = c.entry
    assert j == 0 and f"= ∂f/∂x[{i}]" in entry and "gradient" in entry and "shaped like x" in entry
    v = col.items[r.id].build(c.size)
    f = (v.x.T * v.B * v.x)[0, 0]
    assert sp.Rational(c.lhs) == substitute(sp.diff(f, v.x[i]), c.point, c.witness_sigma)


def test_a_free_jacobian_entry_names_the_entries_of_vec_f_and_vec_x_in_the_stated_vec_layout():
    """∂vec(AXB)/∂vec(X) with vec by rows: entry (r, c) is ∂F[r // n, r % n]/∂X[c // n, c % n]."""
    col, r, entry = _entry_and_result("cookbook.vec-AXB.row-major")
    c = r.counterexample
    n = c.size["n"]
    row, cc = c.entry
    (a, b), (k, l) = divmod(row, n), divmod(cc, n)
    assert f"= ∂F[{a},{b}]/∂X[{k},{l}]" in entry and "row-major" in entry and "numerator" in entry
    v = col.items[r.id].build(c.size)
    F = v.A * v.X * v.B
    assert sp.Rational(c.lhs) == substitute(sp.diff(F[a, b], v.X[k, l]), c.point, c.witness_sigma)


def test_the_gradient_of_a_function_of_the_model_is_named_with_that_function_even_transposed():
    """Goodfellow's ∇_{h_k}L = (dL/dh_k)ᵀ with L = Σ E: entry (i, 0) is ∂L/∂h_k[i], L defined in words."""
    _, r, entry = _entry_and_result("goodfellow.eq10-21-W")
    c = r.counterexample
    i, j = c.entry
    k = c.size["t"] - 1
    assert j == 0 and f"= ∂L/∂h{'₀₁₂₃₄₅₆₇₈₉'[k]}[{i}]" in entry
    assert "L = Σ_{k=1}^{t} E_k" in entry and "transpose" in entry


def test_a_denominator_layout_jacobian_entry_puts_the_variable_in_the_row(tmp_path):
    """∂(Ax)/∂x in denominator layout is Aᵀ: entry (r, c) is ∂F[c]/∂x[r], and its value is that partial."""
    (tmp_path / "den.py").write_text(textwrap.dedent('''
        from symderiv import claim, matrix, vector

        @claim("den.ax", where="§", statement="∂(Ax)/∂x = A in denominator layout", expect="fails",
               variables=dict(A=matrix("n"), x=vector("n")), conventions={"jacobian": "denominator"})
        def ax(v):
            return v.d(v.A * v.x, "x"), v.A
    '''))
    col = collect([tmp_path])
    r = engine.run(col, ["den.ax"])[0]
    c = r.counterexample
    assert c is not None
    row, cc = c.entry
    text = describe(r).of(Kind.ENTRY)[0].text
    assert f"= ∂F[{cc}]/∂x[{row}]" in text and "denominator layout" in text
    v = col.items["den.ax"].build(c.size)
    assert sp.Rational(c.lhs) == substitute(sp.diff((v.A * v.x)[cc], v.x[row]), c.point, c.witness_sigma)
