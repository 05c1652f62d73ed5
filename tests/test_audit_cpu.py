"""The audit's cold time (issue 20, item 6): speed-ups that must change no check.

* A claim runs in a fresh fork of a warm worker: a module of symderiv that a claim imports on first use is
  loaded (without bytecode files: compiled) again in every claim's process. The engine and the prove package
  import them up front, so a claim's process imports no module of symderiv at all, whatever path it takes
  (an identity lifted for every n, one induced for every t, a relation proved by intervals or by SOS).
* The kernel's interval enclosures remember a rational's enclosure per precision: the same endpoints as
  computed afresh, at every precision.
"""
from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CLAIMS = ["trace.cyclic",                      # holds for every n (the lift, the kernel's recount)
          "cs6180.jacobian-powers.product",    # holds for every n and every t (induction, the kernel's step)
          "reach.tanh-le-x",                   # proved by interval branch and bound
          "reach.tanh-lipschitz",              # proved, with the kernel's re-check of the proof
          "pal2019.proof3.sigma-le-gamma",     # fails: search, shrink, certify
          "cookbook.eq51-no-transpose"]        # fails: an identity's counterexample


def test_a_claims_process_imports_no_module_of_symderiv():
    code = f"""
import sys
from pathlib import Path
import symderiv.runner as runner
runner._warm(True)
from symderiv import engine
from symderiv.claims import collect
col = collect([Path("proofs")])
new = {{}}
for cid in {CLAIMS!r}:
    before = set(sys.modules)
    res = engine.check_claim(col.items[cid])
    assert res.verdict.value in ("holds", "fails"), (cid, res.verdict, res.error)
    new[cid] = sorted(m for m in set(sys.modules) - before if m == "symderiv" or m.startswith("symderiv."))
print(new)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.returncode == 0, out.stderr[-2000:]
    new = eval(out.stdout.strip().splitlines()[-1])
    assert new == {cid: [] for cid in CLAIMS}


@pytest.mark.parametrize("q", [Fraction(0), Fraction(1), Fraction(-1, 3), Fraction(7, 10), Fraction(10 ** 20 + 1, 3)])
def test_a_rationals_enclosure_is_the_same_remembered_or_not_at_every_precision(q):
    from flint import arb, ctx

    from symderiv.kernel import interval as K

    old = ctx.prec
    try:
        for prec in (53, K.PREC, 30, K.PREC):
            ctx.prec = prec
            got = K._point(q)
            b = arb(q.numerator) / q.denominator
            assert (got[0].mid(), got[0].rad(), got[1].mid(), got[1].rad()) == \
                (b.lower().mid(), b.lower().rad(), b.upper().mid(), b.upper().rad())
    finally:
        ctx.prec = old


# ----- the import hook's fast path (reads._OUTSIDE): a name it skips never names a module of the project ---------

_PROJECT = {"cpu_projpkg/__init__.py": "def relative():\n    from . import mod\n    return mod.X\n",
            "cpu_projpkg/mod.py": "X = 1\n",
            "cpu_projns/inner.py": "Y = 2\n",          # a namespace package: no __init__.py
            "cpu_projmod.py": "Z = 3\n"}
_FORMS = {"import": "import cpu_projpkg.mod", "from-import": "from cpu_projpkg import mod",
          "__import__": "__import__('cpu_projmod')", "namespace": "from cpu_projns import inner",
          "relative": "import cpu_projpkg; cpu_projpkg.relative()",
          "import_module": "import importlib; importlib.import_module('cpu_projns.inner')",
          # the namespace package by itself names no file of the project; a submodule from it does
          "namespace-then-submodule": "import cpu_projns\nfrom cpu_projns import inner"}
#: the module each form imports (recorded, whether or not it was imported before the check)
_WANT = {"import": ["cpu_projpkg/mod.py"], "from-import": ["cpu_projpkg/mod.py"], "__import__": ["cpu_projmod.py"],
         "namespace": ["cpu_projns/inner.py"], "relative": ["cpu_projpkg/mod.py"],
         "import_module": ["cpu_projns/inner.py"], "namespace-then-submodule": ["cpu_projns/inner.py"]}


@pytest.fixture
def project(tmp_path, monkeypatch):
    for rel, text in _PROJECT.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    from symderiv import reads

    reads._IMPORTS.clear()   # the same module names at another test's folder (in a process, modules stay put)
    yield tmp_path
    reads._IMPORTS.clear()
    for name in [m for m in sys.modules if m.split(".")[0] in ("cpu_projpkg", "cpu_projns", "cpu_projmod")]:
        del sys.modules[name]


class _Never(set):
    """An _OUTSIDE that skips nothing: the hook as it was before its fast path."""

    def __contains__(self, name):
        return False


def _recorded(project, form: str, loaded: bool, fast: bool, monkeypatch) -> set:
    from symderiv import reads

    monkeypatch.setattr(reads, "_EARLIER", reads.Reads())   # this recording's reads only
    monkeypatch.setattr(reads, "_OUTSIDE", set() if fast else _Never())
    reads._IMPORTS.clear()
    for name in [m for m in sys.modules if m.split(".")[0] in ("cpu_projpkg", "cpu_projns", "cpu_projmod")]:
        del sys.modules[name]
    if loaded:  # imported before the check (another proof file did): the check's import counts all the same
        exec(_FORMS[form], {"__name__": "loader"})
        with reads.recording():  # ... and by an earlier check in this process (what the hook learned stays)
            exec(_FORMS[form], {"__name__": "an_earlier_check"})
        monkeypatch.setattr(reads, "_EARLIER", reads.Reads())
    with reads.recording() as rec:
        for _ in range(3):  # the hook learns these names (outside the project) and then skips them by name
            exec("import sympy\nfrom sympy import Symbol\nfrom sympy.core.add import Add\nimport os.path\n"
                 "from json import decoder\n", {"__name__": "sympy_like"})
        if fast:
            assert {"sympy", "sympy.core.add", "os.path", "json"} <= reads._OUTSIDE
        exec(_FORMS[form], {"__name__": "a_check"})
        got = dict(rec.files)
    return {(path, seen) for path, seen in got.items() if path.startswith(str(project))}


@pytest.mark.parametrize("form", sorted(_FORMS))
@pytest.mark.parametrize("loaded", [False, True], ids=["first-import", "already-imported"])
def test_the_fast_path_records_what_the_hook_recorded_without_it(project, form, loaded, monkeypatch):
    """Each way a check imports a module of the project, first or again, after the hook has learned SymPy's,
    the standard library's names: the same project files recorded (by content) as with no name skipped."""
    fast = _recorded(project, form, loaded, True, monkeypatch)
    slow = _recorded(project, form, loaded, False, monkeypatch)
    assert fast == slow
    module = str(project / _WANT[form][-1])
    assert any(path == module and seen.startswith("file:") for path, seen in fast), (form, sorted(fast))


def test_no_name_of_the_project_is_ever_outside(project):
    """A project module, a project package, its submodule, a namespace package (whose path may grow), and an
    installed package whose search path reaches into the project: never skipped by name."""
    import importlib
    import json as json_pkg

    from symderiv import reads

    for name in ("cpu_projpkg", "cpu_projpkg.mod", "cpu_projmod", "cpu_projns", "cpu_projns.inner"):
        importlib.import_module(name)
        assert not reads._outside(name), name
    assert reads._outside("sympy") and reads._outside("json") and reads._outside("sympy.core.add")
    assert not reads._outside("no_such_module_anywhere")
    json_pkg.__path__.append(str(project))   # an installed package made to find submodules in the project
    try:
        assert not reads._outside("json")
    finally:
        json_pkg.__path__.remove(str(project))


# ----- the kernel's diagram walk (kernel/lift.verify_identity) with its strides computed once per diagram ---------

def _reference_entries(x, size, kinds, atoms=None):
    """Each entry of a traced value at ``size`` as a SymPy polynomial, by the walk as it was (an index recomputed
    leg by leg at every assignment: i = i·extent + alpha[leg]); an elementwise atom's entries are applications of an
    undefined function to its argument's entries, computed the same way."""
    from itertools import product as cartesian

    import sympy as sp

    from symderiv.diagrams import ATOMS, atoms_in

    ext = lambda d: d if isinstance(d, int) else size[d]  # noqa: E731

    def count(dims):
        k = 1
        for d in dims:
            k *= ext(d)
        return k

    def index(legs, alpha, dims):
        i = 0
        for leg in legs:
            i = i * ext(dims[leg]) + alpha[leg]
        return i

    if atoms is None:
        atoms = {}
        for name in atoms_in(x.terms):
            f, arg = ATOMS[name]
            inner = _reference_entries(arg, size, kinds, atoms)
            rows, cols = count(arg.rowdims), count(arg.coldims)
            atoms[name] = ([[sp.Function(f.__name__)(inner.get((i, j), 0)) for j in range(cols)]
                            for i in range(rows)], len(arg.rowdims))

    def entry(name, legs, alpha, dims):
        if name in atoms:
            table, rd = atoms[name]
            return table[index(legs[:rd], alpha, dims)][index(legs[rd:], alpha, dims)]
        rd = len(kinds[name][0])
        return sp.Symbol(f"{name}[{index(legs[:rd], alpha, dims)},{index(legs[rd:], alpha, dims)}]")

    out = {}
    for g in x.terms:
        for alpha in cartesian(*[range(ext(d)) for d in g.dims]):
            term = g.coef
            for name, legs in g.nodes:
                term *= entry(name, legs, alpha, g.dims)
            key = (index(g.rows, alpha, g.dims), index(g.cols, alpha, g.dims))
            out[key] = out.get(key, 0) + term
    return {k: e for k, v in out.items() if (e := sp.expand(v)) != 0}


def _siblings(x):
    """Traced values a wrong index order would confuse with ``x``: each diagram's open row legs, or a node's legs,
    in reverse order (a stride taken for the wrong leg reads another entry)."""
    from dataclasses import replace

    from symderiv.diagrams import Traced

    for k, g in enumerate(x.terms):
        for change in ("rows", "cols", "node"):
            if change == "node":
                if not g.nodes or len(g.nodes[0][1]) < 2:
                    continue
                (name, legs), rest = g.nodes[0], g.nodes[1:]
                h = replace(g, nodes=((name, tuple(reversed(legs))),) + rest)
            else:
                legs = getattr(g, change)
                if len(legs) < 2:
                    continue
                h = replace(g, **{change: tuple(reversed(legs))})
            yield Traced(x.terms[:k] + (h,) + x.terms[k + 1:], x.rowdims, x.coldims, x.scalar)


@pytest.mark.parametrize("cid", ["cs6180.jacobian-powers.product", "pal2019.theorem1.corrected",
                                 "goodfellow.down.unrolled"])
def test_the_kernels_diagram_walk_decides_as_the_walk_it_replaced(cid, monkeypatch):
    """Every identity the kernel's lift decides for a shipped induction (base, step, peels), and siblings with a
    diagram's legs in another order: accepted exactly when the reference walk (the index recomputed leg by leg)
    gives the two sides equal entries, refused at the same entry otherwise."""
    import symderiv.kernel.lift as K
    from symderiv.claims import collect
    from symderiv.engine import check_claim

    calls, real = [], K.verify_identity

    def spy(claim_id, label, lhs, rhs, size, kinds):
        calls.append((claim_id, label, lhs, rhs, dict(size), dict(kinds)))
        return real(claim_id, label, lhs, rhs, size, kinds)

    monkeypatch.setattr(K, "verify_identity", spy)
    col = collect([ROOT / "proofs"])
    check_claim(col.items[cid])
    decided = 0
    for claim_id, label, lhs, rhs, size, kinds in calls:
        for left in (lhs, *_siblings(lhs)):
            if (left.rowdims, left.coldims) != (rhs.rowdims, rhs.coldims):
                continue
            got = real(claim_id, label, left, rhs, size, kinds)
            if "coincide" in got.reason:
                continue
            a, b = _reference_entries(left, size, kinds), _reference_entries(rhs, size, kinds)
            if got.reason.startswith(f"{label}: the size") or "threshold" in got.reason:
                continue
            assert got.ok == (a == b), (cid, label, got.reason)
            if not got.ok and "entry" in got.reason:
                rows = max([i for i, _ in (*a, *b)], default=0) + 1
                bad = sorted(k for k in set(a) | set(b) if a.get(k, 0) != b.get(k, 0))
                assert f"entry ({bad[0][0]}, {bad[0][1]})" in got.reason, (got.reason, bad[:3], rows)
            decided += 1
    assert decided >= 2, (cid, len(calls))
