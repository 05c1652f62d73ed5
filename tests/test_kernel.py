"""The kernel: independent of what it checks, and not fooled by a bug in it.

The kernel must re-derive the truth by an algorithm of its own (forward mode
over exact numbers), so a bug in the symbolic differentiation that the engine
uses cannot be confirmed by it.
"""
import ast
from pathlib import Path

import pytest
import sympy as sp

from symderiv import Model, diag, eye, kron, pal2019_rnn, product, total
from symderiv.engine import check_claim
from symderiv.kernel import DualMatrix, ExactModel, KernelError
from symderiv.results import Verdict

PACKAGE = Path(__file__).resolve().parents[1] / "symderiv"

# ----- the kernel's reach, by an allow-list (issue 19, item 6) ---------------------------------------------------

#: what a module of symderiv/kernel may import from the standard library, by name
KERNEL_STDLIB = {"__future__", "contextlib", "dataclasses", "fractions", "functools", "inspect", "itertools", "math",
                 "random", "re", "types", "typing", "weakref"}
#: third-party libraries a kernel module may import: exact arithmetic (SymPy on numbers and matrices of numbers;
#: python-flint's fmpq_mpoly, arb balls); mpmath (SymPy's own dependency) only as goal.py's numeric filter, which
#: can drop a candidate from the exact comparison (a proof lost) but never accept one
KERNEL_THIRD_PARTY = {"sympy", "flint", "mpmath"}
#: symderiv modules outside the kernel that it may reach, and why: the language a claim is stated in (what the
#: proof file itself reads), never a module that finds evidence
DECLARATION = {
    "notation": "the meaning of HV, kron, product, …",
    "cells": "a model's step function, as the proof file declares it",
    "protocol": "the model protocol a check is written against",
    "functions": "the named functions (logistic) a claim writes",
    "relations": "rel/steps/assume: the relational claim's statement",
    "families": "the search domains a relational claim declares",
    "values": "exact values from a proof file's numbers",
    "errors": "exception classes",
    "concrete": "the one refusal of Python asked about a claim value (the kernel's values refuse it too)",
    "diagrams": "the every-n tracer: what the notation's operations mean on a size left symbolic (lift.py)",
}
#: third-party libraries the declaration modules reach, and why the kernel's verdicts do not read them
DECLARATION_THIRD_PARTY = {
    "numpy": "relations: float approximations that guide the search (the kernel decides by its own means)",
    "symengine": "relations: a fast float evaluation for the search's guidance",
}


def _imports(path: Path) -> set[str]:
    """symderiv modules a file imports (relative or absolute), as names relative to the package."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[:-node.level]) if len(here) >= node.level else []
                mod = base + (node.module.split(".") if node.module else [])
                names = [".".join(mod)] if node.module else [".".join(mod + [a.name]) for a in node.names]
            elif node.module and node.module.startswith("symderiv"):
                names = [node.module.removeprefix("symderiv").lstrip(".")]
            else:
                continue
            out.update(n for n in names if n)
        elif isinstance(node, ast.Import):
            out.update(a.name.removeprefix("symderiv.") for a in node.names if a.name.startswith("symderiv."))
    return out


def _module_file(name: str) -> Path | None:
    p = PACKAGE.joinpath(*name.split("."))
    if p.with_suffix(".py").is_file():
        return p.with_suffix(".py")
    if (p / "__init__.py").is_file():
        return p / "__init__.py"
    return None


def _external(path: Path) -> set[str]:
    """Top-level names of the non-symderiv modules a file imports (anywhere in it, inside functions too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names if a.name.split(".")[0] != "symderiv"}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.split(".")[0] != "symderiv":
                out.add(node.module.split(".")[0])
    return out


def _reach() -> set[str]:
    """The symderiv modules the kernel reaches, transitively (relative and absolute imports, anywhere in a file)."""
    seen, todo = set(), [f"kernel.{p.stem}" if p.stem != "__init__" else "kernel"
                         for p in (PACKAGE / "kernel").glob("*.py")]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        f = _module_file(name)
        if f is not None:
            todo += list(_imports(f))
    return seen


def _not_allowed(path: Path) -> set[str]:
    """What a kernel file imports beyond the allow-lists."""
    inside = {n for n in _imports(path) if n.split(".")[0] not in DECLARATION and n != "kernel"
              and not n.startswith("kernel.")}
    return inside | (_external(path) - KERNEL_STDLIB - KERNEL_THIRD_PARTY)


def test_every_kernel_module_imports_only_what_the_allow_list_names():
    files = sorted((PACKAGE / "kernel").glob("*.py"))
    assert len(files) >= 8
    bad = {f.name: sorted(_not_allowed(f)) for f in files if _not_allowed(f)}
    assert not bad, f"kernel modules import beyond the allow-list: {bad}"


def test_the_kernels_reach_is_the_allow_list():
    """Transitively, through symderiv's own modules: the kernel and the declaration language, nothing else; and
    their libraries: the standard library, the kernel's exact arithmetic, and the declared float guidance."""
    import sys

    reached = {n.split(".")[0] for n in _reach()}
    beyond = reached - {"kernel"} - set(DECLARATION)
    assert not beyond, f"the kernel reaches {sorted(beyond)}"
    assert "notation" in reached and "relations" in reached  # the reading itself works
    libs = set().union(*(_external(f) for n in _reach() if (f := _module_file(n)) is not None))
    extra = libs - set(sys.stdlib_module_names) - KERNEL_THIRD_PARTY - set(DECLARATION_THIRD_PARTY)
    assert not extra, f"the kernel reaches the libraries {sorted(extra)}"


def test_the_allow_list_sees_an_import_it_does_not_name(tmp_path, monkeypatch):
    """The tests above could pass by reading nothing: a kernel file that imports the engine, NumPy or subprocess
    (even inside a function) is caught."""
    fake = tmp_path / "symderiv"
    (fake / "kernel").mkdir(parents=True)
    planted = fake / "kernel" / "planted.py"
    planted.write_text("import subprocess\nimport numpy as np\nimport sympy\nfrom ..engine import check_claim\n"
                       "from .dual import Dual\nfrom ..notation import kron\ndef f():\n    from .. import identity\n")
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    assert _not_allowed(planted) == {"subprocess", "numpy", "engine", "identity"}


def test_the_import_reader_sees_a_forbidden_import(tmp_path, monkeypatch):
    """The test above could pass by reading nothing: show that it sees an import."""
    f = PACKAGE / "kernel" / "check.py"
    assert "decide" in {n.split(".")[-1] for n in _imports(f)}
    assert "kernel.decide" in _imports(f)


def _closed(m):
    blk = lambda v: kron(eye(v.rows), v.T)  # noqa: E731
    F = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))  # noqa: E731
    T = (product(F, k + 1, m.t, order="descending", size=m.n) * blk(m.sigma(m.h(k - 1))) for k in range(1, m.t))
    return total(T, (m.n, m.n * m.n)) + blk(m.sigma(m.h(m.t - 1)))


def test_a_planted_bug_in_the_chain_rule_is_not_confirmed(make_claim, monkeypatch):
    """σ's derivative rule drops σ' (the planted bug): the engine's symbolic truth is wrong, its normal form
    is not zero, its search proposes points, and the kernel, differentiating by itself, rejects them all."""
    from symderiv import functions

    claim = make_claim(lambda m: (m.d(("h", m.t), "W_R"), _closed(m)), n=(2,), t=(2,))
    assert check_claim(claim).verdict == Verdict.HOLDS  # without the bug
    monkeypatch.setattr(functions.sigma, "fdiff", lambda self, argindex=1: sp.Integer(1))
    res = check_claim(claim)
    assert res.verdict != Verdict.FAILS, res.certificate
    assert res.verdict == Verdict.UNDECIDED
    assert "not the recomputed" in res.scope or "not certified" in res.sizes[0].detail


def test_forward_mode_matches_the_symbolic_jacobian():
    """Two algorithms for the same truth agree at a point (tanh, row- and col-major, w.r.t. a state)."""
    vals = {}
    sym = Model(pal2019_rnn, n=2, t=2, activation="tanh")
    for i, s in enumerate(sym.symbols()):
        vals[s.name] = sp.Rational((i % 5) - 2, 1 + i % 3)
    ex = ExactModel(pal2019_rnn, n=2, t=2, activation="tanh", loss="squared", values=vals)
    sub = {s: vals[s.name] for s in sym.symbols()}
    for of, wrt, layout in [(("h", 2), "W_R", "row-major"), (("h", 2), "W_R", "col-major"), (("h", 2), ("h", 0), None),
                            (("h", 2), "b_R", None)]:
        J = sym.d(of, wrt, layout=layout).xreplace(sub)
        K = ex.d(of, wrt, layout=layout)
        diff = (J - K).applyfunc(lambda e: sp.N(e, 30))
        assert max(abs(x) for x in diff) < 1e-25, (of, wrt, layout)


def test_the_exact_model_refuses_floats_and_missing_values():
    with pytest.raises(KernelError):
        ExactModel(pal2019_rnn, n=1, t=1, values={}).h(1)
    vals = {n: 1 for n in ("W_R[0]", "W_I[0]", "b_R[0]", "h0[0]", "x1[0]")}
    with pytest.raises(KernelError):  # σ abstract needs a witness once σ is evaluated
        ExactModel(pal2019_rnn, n=1, t=1, values=vals).h(1)
    m = ExactModel(pal2019_rnn, n=1, t=1, witness=(0, 1), values=vals)
    assert m.h(1) == sp.Matrix([[3]])
    with pytest.raises(KernelError):
        DualMatrix.of(m.h(1)) * 0.5
    with pytest.raises(KernelError):  # W_O has no value: using it is an error, never a default
        m.o(1)


# ----- a cell that applies SymPy functions itself (applyfunc(lambda v: 1/(1 + sp.exp(-v)))) -----------------

def test_the_kernel_runs_a_lambda_of_sympy_functions_on_dual_numbers_by_forward_mode():
    """applyfunc of a lambda written with sp.exp/sp.log/sp.tanh: value and tangent by the functions' own rules."""
    import sympy as sp

    from symderiv.kernel.dual import Dual, DualMatrix

    x = sp.Rational(1, 3)
    M = DualMatrix(sp.Matrix([[x]]), sp.Matrix([[1]]))  # the tangent seeded on the entry
    for fn, f in [(lambda v: 1 / (1 + sp.exp(-v)), lambda s: 1 / (1 + sp.exp(-s))),
                  (lambda v: sp.log(1 + v ** 2) * sp.tanh(v), lambda s: sp.log(1 + s ** 2) * sp.tanh(s)),
                  (lambda v: sp.sqrt(2 + v) - 3 * v, lambda s: sp.sqrt(2 + s) - 3 * s)]:
        out = M.applyfunc(fn)
        s = sp.Symbol("s")
        assert sp.simplify(out.val[0, 0] - f(x)) == 0  # a test may simplify: it checks, it does not decide
        assert sp.simplify(out.tan[0, 0] - sp.diff(f(s), s).subs(s, x)) == 0
    with pytest.raises(Exception, match="cannot run"):
        M.applyfunc(lambda v: sp.besselj(0, v))
    assert isinstance(Dual(1), Dual)


def test_a_slip_in_a_cell_written_with_sp_exp_fails_with_a_kernel_certified_counterexample():
    """The exp-written logistic cell: the slip diag(h) W for diag(h ⊙ (1 − h)) W was undecided (the kernel could
    not run sp.exp on its dual numbers); now it fails, certified."""
    import sympy as sp

    from symderiv import cell, diag
    from symderiv.claims import Claim
    from symderiv.engine import check_identity_at
    from symderiv.sizes import sweep

    @cell("h_t = 1/(1 + exp(−W h_{t−1}))", params={"W": ("n", "n")})
    def exp_logistic(s, prev, x, p, f):
        s.h = (p.W * prev.h).applyfunc(lambda v: 1 / (1 + sp.exp(-v)))

    def slip(m):
        return m.d(("h", m.t), ("h", m.t - 1)), diag(m.h(m.t)) * m.W

    c = Claim(id="k.exp-slip", where="test", statement="test", check=slip, model=exp_logistic,
              sizes=sweep(n=(1,), t=(2,)), conventions={"layout": "row-major"})
    out, _ = check_identity_at(c, {"n": 1, "t": 2}, backend="symengine", seed=0, phases={})
    assert out.status == Verdict.FAILS, out.detail
