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
