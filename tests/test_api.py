"""Issue 14: the public API says what a reviewer needs (items 1–5, 7, 11), each gap a test that failed before."""
from __future__ import annotations

import textwrap

import pytest
import sympy as sp

from symderiv import engine
from symderiv.claims import Claim, collect
from symderiv.results import Verdict
from symderiv.sizes import sweep


def _write(folder, name, text):
    p = folder / name
    p.write_text(textwrap.dedent(text))
    return p


def _check(claim, **kw):
    return engine.check_claim(claim, seed=0, **kw)


# ----- 7: proof files, helpers, declarations -----------------------------------------

def test_a_proof_file_imports_a_sibling_helper(tmp_path):
    _write(tmp_path, "_shared.py", "from symderiv import diag\ndef D(m, k):\n    return diag(m.dsigma(m.at('z', k)))\n")
    _write(tmp_path, "mine.py", """\
        from symderiv import claim, elman_rnn, sweep
        from _shared import D

        @claim("mine.jac", where="-", statement="dh_1/dh_0 = D_1 W", model=elman_rnn, sizes=sweep(n=(1, 2), t=1))
        def jac(m):
            return m.d(("h", 1), ("h", 0)), D(m, 1) * m.W
        """)
    col = collect([tmp_path])
    assert col.errors == []
    assert list(col.items) == ["mine.jac"]
    assert _check(col.items["mine.jac"]).verdict == Verdict.HOLDS


def test_importing_one_proof_file_from_another_registers_its_claims_once(tmp_path):
    _write(tmp_path, "base.py", """\
        from symderiv import claim, elman_rnn, sweep

        def D(m, k):
            from symderiv import diag
            return diag(m.dsigma(m.at("z", k)))

        @claim("base.one", where="-", statement="h_1 = σ(z_1)", model=elman_rnn, sizes=sweep(n=1, t=1))
        def one(m):
            return m.h(1), m.sigma(m.at("z", 1))
        """)
    _write(tmp_path, "user.py", """\
        from symderiv import claim, elman_rnn, sweep
        from base import D

        @claim("user.two", where="-", statement="dh_1/dh_0 = D_1 W", model=elman_rnn, sizes=sweep(n=1, t=1))
        def two(m):
            return m.d(("h", 1), ("h", 0)), D(m, 1) * m.W
        """)
    col = collect([tmp_path])
    assert col.errors == []
    assert sorted(col.items) == ["base.one", "user.two"]


def test_proof_folders_are_collected_with_their_subfolders(tmp_path):
    sub = tmp_path / "examples"
    sub.mkdir()
    _write(sub, "ex.py", """\
        from symderiv import claim, elman_rnn, sweep

        @claim("ex.one", where="-", statement="h_1 = σ(z_1)", model=elman_rnn, sizes=sweep(n=1, t=1))
        def one(m):
            return m.h(1), m.sigma(m.at("z", 1))
        """)
    assert list(collect([tmp_path]).items) == ["ex.one"]


def test_an_identity_without_a_model_is_a_clear_error_not_a_type_error():
    c = Claim(id="t.nomodel", where="-", statement="-", check=lambda m: (m.h(1), m.h(1)), sizes=sweep(n=1, t=1))
    r = _check(c)
    assert r.verdict == Verdict.ERROR
    assert "TypeError" not in r.error and "model=" in r.error


# ----- 1: abstract losses get witnesses ----------------------------------------------

def _goodfellow(transpose: bool, **kw):
    from symderiv import diag, elman_rnn

    def check(m):
        k = m.t - 1
        gh = lambda j: m.d(m.sum_of("E"), ("h", j)).T  # noqa: E731
        W = m.W.T if transpose else m.W
        return gh(k), W * diag(m.dsigma(m.at("z", k + 1))) * gh(k + 1) + m.V.T * m.d(("E", k), ("o", k)).T

    return Claim(id="t.goodfellow", where="-", statement="eq. 10.21", check=check, model=elman_rnn,
                 loss="abstract", sizes=sweep(n=(2,), t=(2,)), **kw)


def test_a_false_claim_about_an_abstract_loss_fails_with_a_certified_witness_loss():
    from symderiv import kernel

    r = _check(_goodfellow(transpose=False))
    assert r.verdict == Verdict.FAILS, (r.scope, r.error)
    cert = r.counterexample
    assert cert.loss is not None and "q(d)" in cert.witness_loss
    assert kernel.verify_identity(_goodfellow(transpose=False), cert).ok
    # the kernel recomputes E from the witness loss by forward mode: another loss does not replay
    from dataclasses import replace

    assert not kernel.verify_identity(_goodfellow(transpose=False), replace(cert, loss=None)).ok
    other = (0, 1) if cert.loss != (0, 1) else (0, 0, 1)
    assert not kernel.verify_identity(_goodfellow(transpose=False), replace(cert, loss=other)).ok


def test_a_witness_loss_is_outside_the_domain_of_a_claim_with_a_fixed_loss():
    from dataclasses import replace

    from symderiv import kernel

    cert = _check(_goodfellow(transpose=False)).counterexample
    fixed = _goodfellow(transpose=False)
    fixed.loss = "squared"
    v = kernel.verify_identity(fixed, replace(cert, loss=(0, 0, 1)))
    assert not v.ok and "witness loss" in v.reason


def test_the_true_recursion_holds_for_every_loss():
    r = _check(_goodfellow(transpose=True))
    assert r.verdict == Verdict.HOLDS, (r.scope, r.error)


# ----- 2: partial derivatives with quantities held fixed ------------------------------

def test_partial_with_held_gates_is_the_direct_term_and_the_kernel_agrees():
    from symderiv import Model, gru_cell
    from symderiv.kernel.model import ExactModel

    m = Model(gru_cell, n=2, t=2)
    direct = m.partial(("h", 2), ("h", 1), hold=("z", "htilde"))
    z = m.at("z", 2)
    assert (direct - sp.diag(*[1 - v for v in z])).expand() == sp.zeros(2, 2)
    assert (m.partial(("h", 2), ("h", 1)) - direct).expand() != sp.zeros(2, 2)
    # the kernel's forward mode holds them the same way (at t = 1: exact numbers stay small)
    import random

    from symderiv.certificates import substitute
    from symderiv.functions import PolynomialSigma

    m1 = Model(gru_cell, n=2, t=1)
    rng = random.Random(1)
    values = {s.name: sp.Rational(rng.randint(-3, 3), rng.randint(1, 3)) for s in m1.symbols()}
    ex = ExactModel(gru_cell, n=2, t=1, witness=(0, 1, 1), values=values)
    sig = PolynomialSigma((0, 1, 1))
    point = {k: str(v) for k, v in values.items()}
    results = []
    for hold in ((), ("z",), ("z", "htilde")):
        sym = m1.partial(("h", 1), ("h", 0), hold=hold).applyfunc(lambda e: substitute(e, point, sig))
        diff = ex.partial(("h", 1), ("h", 0), hold=hold) - sym
        assert all(abs(sp.N(e, 30)) < 1e-20 for e in diff), hold
        results.append(sym)
    assert results[0] != results[2]  # holding changes the value at this point


def test_hold_names_a_quantity_of_the_step():
    from symderiv import Model, gru_cell
    from symderiv.errors import ProofFileError

    m = Model(gru_cell, n=1, t=1)
    with pytest.raises(ProofFileError, match="no quantity 'gate'"):
        m.partial(("h", 1), ("h", 0), hold=("gate",))
    with pytest.raises(ProofFileError, match="very quantity"):
        m.partial(("h", 1), ("h", 0), hold=("h",))


# ----- 3: the derivative of a function of the model with respect to a quantity --------

def test_d_of_a_total_loss_with_respect_to_a_state_sums_every_path():
    from symderiv import Model, elman_rnn
    from symderiv.identity import nonzero_entries

    m = Model(elman_rnn, n=2, t=3)
    total = m.d(m.sum_of("E"), ("h", 1))
    by_hand = sum((m.d(("E", j), ("h", 1)) for j in (2, 3)), m.d(("E", 1), ("h", 1)))
    assert total.shape == (1, 2)
    assert nonzero_entries(total, by_hand, "symengine") == []
    # the last step alone is not the total
    assert nonzero_entries(total, m.d(("E", 3), ("h", 1)), "symengine") != []
    # a function of the model works w.r.t. a parameter too, as an expression does
    assert nonzero_entries(m.d(m.sum_of("E"), "W"), m.d(m.sum_of("E")(m), "W"), "symengine") == []


def test_d_of_a_bare_expression_with_respect_to_a_quantity_says_what_to_write():
    from symderiv import Model, elman_rnn
    from symderiv.errors import ProofFileError

    m = Model(elman_rnn, n=1, t=2)
    with pytest.raises(ProofFileError, match="sum_of"):
        m.d(m.E(1) + m.E(2), ("h", 1))


# ----- 4: losses of one's own; a step that sees y_t, k and the sizes -----------------

def test_a_cell_declares_its_own_loss_and_its_step_sees_the_target():
    from symderiv import Model, cell
    from symderiv.errors import ProofFileError

    @cell("teacher-forced", params={"W": ("n", "n")}, output=lambda q, p, f: q.h,
          loss=lambda o, y, f: sum((a - b) ** 4 for a, b in zip(o, y)))
    def forced(s, prev, x, p, f, *, y, k, n):
        s.h = p.W * prev.h + y * k + sp.ones(n, 1) * 0

    m = Model(forced, n=2, t=2)
    assert m.loss == "cell"
    assert sp.expand(m.E(1) - sum((a - b) ** 4 for a, b in zip(m.h(1), m.y(1)))) == 0
    assert m.h(1) == m.W * m.initial("h") + m.y(1)
    assert m.h(2) == m.W * m.h(1) + 2 * m.y(2)
    with pytest.raises(ProofFileError, match="own loss"):
        Model(forced, n=1, t=1, loss="squared")


def test_a_claim_with_a_cell_loss_is_replayed_by_the_kernel():
    from symderiv import cell, diag

    @cell("quartic", params={"W": ("n", "n"), "V": ("n", "n")}, output=lambda q, p, f: p.V * q.h,
          loss=lambda o, y, f: sum((a - b) ** 4 for a, b in zip(o, y)))
    def quartic(s, prev, x, p, f):
        s.z = p.W * prev.h
        s.h = f.sigma(s.z)

    def wrong(m):  # ∇_{o}E = 4(o − y)³ elementwise: claimed as 3(o − y)²
        o, y = m.o(1), m.y(1)
        return m.d(("E", 1), ("o", 1)).T, (o - y).applyfunc(lambda v: 3 * v ** 2)

    c = Claim(id="t.quartic", where="-", statement="-", check=wrong, model=quartic, sizes=sweep(n=(1,), t=(1,)))
    r = _check(c)
    assert r.verdict == Verdict.FAILS and r.counterexample.loss is None
    assert diag  # imported for the cell's users


# ----- 7: max, concrete derivatives in inequalities, searches that evaluated nothing --

def _relational(check, **given):
    from symderiv import scalars

    return Claim(id="t.rel", where="-", statement="-", check=check, kind="inequality",
                 given={k: scalars(lo=-3, hi=3) for k in given} or {"x": scalars(lo=-3, hi=3)},
                 sizes=sweep(n=(1,), t=(1,), fixed=("n", "t")))


def test_max_in_the_scalar_notation_is_decided_and_certified():
    from symderiv import lift, maximum, minimum

    fails = _check(_relational(lambda a, b: maximum(a, b) <= lift(a), a=1, b=1))
    assert fails.verdict == Verdict.FAILS
    assert _check(_relational(lambda a, b: maximum(a, b) >= lift(a), a=1, b=1)).verdict == Verdict.UNDECIDED
    assert _check(_relational(lambda a, b: minimum(a, b) >= lift(a), a=1, b=1)).verdict == Verdict.FAILS


def test_a_logistic_derivative_in_an_inequality_is_evaluated():
    from symderiv import LOGISTIC

    r = _check(_relational(lambda x: LOGISTIC.derivative(x) <= sp.Rational(1, 5)))
    assert r.verdict == Verdict.FAILS, (r.scope, r.error)
    # true, and proved by default (issue 21): no longer left to the search
    r = _check(_relational(lambda x: LOGISTIC.derivative(x) <= sp.Rational(1, 4)))
    assert r.verdict == Verdict.HOLDS and r.proved_at, r.scope


def test_a_search_that_evaluated_nothing_never_reports_a_search():
    g = sp.Function("g")
    r = _check(_relational(lambda x: g(x) <= 1))
    assert r.verdict == Verdict.ERROR and "could be evaluated" in r.error
    assert "no counterexample among" not in (r.scope or "")


# ----- 7: no witness σ where σ is absent; one layout per claim --------------------------

def test_an_identity_without_sigma_records_no_witness_sigma():
    from symderiv import cell

    @cell("linear", params={"W": ("n", "n")})
    def linear(s, prev, x, p, f):
        s.h = p.W * prev.h

    c = Claim(id="t.linear", where="-", statement="h_2 = W h_0 (wrong)", check=lambda m: (m.h(2), m.W * m.h(0)),
              model=linear, sizes=sweep(n=(1,), t=(2,)))
    r = _check(c)
    assert r.verdict == Verdict.FAILS and r.counterexample.sigma is None
    from symderiv.report.terminal import counterexample_panel
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(counterexample_panel(r))
    assert "witness σ" not in console.export_text()


def test_m_d_layout_may_not_disagree_with_the_claims_layout():
    from symderiv import pal2019_rnn

    def check(m):
        return m.d(("h", 1), "W_R", layout="col-major"), m.d(("h", 1), "W_R")

    c = Claim(id="t.layout", where="-", statement="-", check=check, model=pal2019_rnn,
              sizes=sweep(n=(2,), t=(1,)), conventions={"layout": "row-major"})
    r = _check(c)
    assert r.verdict == Verdict.ERROR and "disagrees" in r.error
    same = Claim(id="t.layout2", where="-", statement="-", model=pal2019_rnn, sizes=sweep(n=(2,), t=(1,)),
                 check=lambda m: (m.d(("h", 1), "W_R", layout="col-major"), m.d(("h", 1), "W_R")),
                 conventions={"layout": "col-major"})
    assert _check(same).verdict == Verdict.HOLDS


# ----- 5: conventions the engine reads are checked at declaration ----------------------

def test_a_layout_written_as_prose_is_rejected_at_declaration():
    from symderiv import claim, pal2019_rnn
    from symderiv.errors import ProofFileError

    with pytest.raises(ProofFileError, match="layout"):
        @claim("t.prose", where="-", statement="-", model=pal2019_rnn,
               conventions={"layout": "row-major: column a·n+b is ∂/∂W[a, b]"})
        def prose(m):
            return m.h(1), m.h(1)


def test_a_loss_name_is_checked_at_declaration():
    from symderiv import claim, elman_rnn
    from symderiv.errors import ProofFileError

    with pytest.raises(ProofFileError, match="loss"):
        @claim("t.loss", where="-", statement="-", model=elman_rnn, loss="hinge")
        def bad(m):
            return m.h(1), m.h(1)


# ----- 5: symderiv models ------------------------------------------------------------

def test_models_lists_each_shipped_cell_from_its_step_function():
    from click.testing import CliRunner

    from symderiv import cells
    from symderiv.cli import main

    out = CliRunner().invoke(main, ["models"])
    assert out.exit_code == 0, out.output
    for name in cells.SHIPPED:
        assert f"{name}:" in out.output
    # elman_rnn: the names a proof file uses, with shapes and equations read off the step
    one = CliRunner().invoke(main, ["models", "elman_rnn"]).output
    assert "W (n×n), U (n×m), b (n), V (n×n), c (n)" in one
    assert "z_t = U*x_t + W*h_{t-1} + b" in one and "h_t = σ(z_t)" in one and "o_t = V*h_t + c" in one
    bad = CliRunner().invoke(main, ["models", "nope"])
    assert bad.exit_code == 2 and "elman_rnn" in bad.output


# ----- 11: pal2019.lemma1-example, both readings ---------------------------------------

def test_lemma1_example_is_transcribed_in_both_readings_with_the_scalar_one_as_intent():
    from pathlib import Path

    from symderiv.claims import Group

    col = collect([Path(__file__).resolve().parent.parent / "proofs" / "pal2019.py"])
    g = col.items["pal2019.lemma1-example"]
    assert isinstance(g, Group) and g.kind == "readings" and g.intent == "scalar"
    assert g.members == ["pal2019.lemma1-example.scalar", "pal2019.lemma1-example.matrix"]
    scalar = _check(col.items["pal2019.lemma1-example.scalar"])
    matrix = _check(col.items["pal2019.lemma1-example.matrix"])
    assert scalar.verdict == Verdict.HOLDS
    # the matrix reading: 2 W_R h_0 read as 2 ∂h_2/∂W_R is refuted from n = 2 (the product rule's W_R HV(h_0))
    assert matrix.verdict == Verdict.FAILS and matrix.counterexample.size["n"] == 2


def test_the_readme_cell_with_its_own_loss_runs_as_written():
    import re
    from pathlib import Path

    from symderiv import Model

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "loss=cross_entropy" in b)
    scope: dict = {}
    exec(block, scope)  # noqa: S102 (the README's own example)
    m = Model(scope["my_rnn"], n=2, t=1)
    o, y = m.o(1), m.y(1)
    expected = -sum(b * sp.log(sp.exp(a) / sum(sp.exp(v) for v in o)) for a, b in zip(o, y))
    assert m.loss == "cell"
    point = {s: sp.Rational(i + 1, 7) for i, s in enumerate(m.symbols())}
    assert abs(sp.N((m.E(1) - expected).subs(point), 50)) < 1e-40  # a float guides nothing here: a check of the example


def test_a_layout_other_than_the_claims_default_must_be_stated():
    from symderiv import pal2019_rnn

    c = Claim(id="t.layout3", where="-", statement="-", model=pal2019_rnn, sizes=sweep(n=(2,), t=(1,)),
              check=lambda m: (m.d(("h", 1), "W_R", layout="col-major"), m.d(("h", 1), "W_R", layout="col-major")))
    r = _check(c)
    assert r.verdict == Verdict.ERROR and "conventions={'layout': 'col-major'}" in r.error


def test_an_unknown_activation_is_rejected_at_declaration():
    from symderiv import claim, elman_rnn
    from symderiv.errors import ProofFileError

    with pytest.raises(ProofFileError, match="activation"):
        @claim("t.act", where="-", statement="-", model=elman_rnn, activation="Tanh")
        def bad(m):
            return m.h(1), m.h(1)


def test_a_false_claim_about_a_held_partial_is_certified_by_the_kernel():
    from symderiv import diag, gru_cell

    def wrong(m):  # the direct term is diag(1 − z_t), not diag(z_t)
        t = m.t
        return m.partial(("h", t), ("h", t - 1), hold=("z", "htilde")), diag(m.at("z", t))

    r = _check(Claim(id="t.gru", where="-", statement="-", check=wrong, model=gru_cell, sizes=sweep(n=(1,), t=(1,))))
    assert r.verdict == Verdict.FAILS and "forward mode" in r.certificate


def test_a_step_that_reads_its_target_is_replayed_by_the_kernel():
    from symderiv import cell

    @cell("forced", params={"W": ("n", "n")}, output=lambda q, p, f: q.h)
    def forced(s, prev, x, p, f, *, y, k):
        s.h = f.sigma(p.W * prev.h) + k * y

    wrong = Claim(id="t.forced", where="-", statement="h_1 = σ(W h_0)", model=forced, sizes=sweep(n=(1,), t=(1,)),
                  check=lambda m: (m.h(1), m.sigma(m.W * m.h(0))))
    r = _check(wrong)
    assert r.verdict == Verdict.FAILS and "y1[0]" in r.counterexample.point


def test_claims_declared_by_a_helper_module_belong_to_the_file_importing_it(tmp_path):
    _write(tmp_path, "_family.py", """\
        from symderiv import claim, elman_rnn, sweep

        @claim("fam.one", where="-", statement="h_1 = σ(z_1)", model=elman_rnn, sizes=sweep(n=1, t=1))
        def one(m):
            return m.h(1), m.sigma(m.at("z", 1))
        """)
    _write(tmp_path, "user.py", "import _family  # noqa: F401\n")
    col = collect([tmp_path])
    assert col.errors == [] and list(col.items) == ["fam.one"]


def test_a_function_of_the_model_is_replayed_by_the_kernel_along_each_direction():
    from symderiv import elman_rnn

    def norm2(q):
        s = q.states("h")
        return (s.T * s)[0, 0]

    def wrong(m):  # d/dh_1 of Σ_k ‖h_k‖²: the later steps' paths dropped
        return m.d(norm2, ("h", 1)), 2 * m.h(1).T

    r = _check(Claim(id="t.fn", where="-", statement="-", check=wrong, model=elman_rnn, sizes=sweep(n=(1,), t=(2,))))
    assert r.verdict == Verdict.FAILS and "forward mode" in r.certificate

    def right(m):
        return m.d(norm2, ("h", 1)), 2 * m.h(1).T + m.d(lambda q: (q.h(2).T * q.h(2))[0, 0], ("h", 1))

    assert _check(Claim(id="t.fn2", where="-", statement="-", check=right, model=elman_rnn,
                        sizes=sweep(n=(1, 2), t=(2,)))).verdict == Verdict.HOLDS
