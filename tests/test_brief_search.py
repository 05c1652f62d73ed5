"""The brief search before a proof (issue 21 item 1) searches a few candidates only: when floats cannot evaluate
the relation at those few (they sit where a hypothesis holds only at the float tolerance and a side divides by
zero), that is no error of the claim; the full search after the proof decides. Found on pal2019.theorem3 once its
eigenvector was written in the claim language: its first plausible candidate, W = [[1, 1], [0, 1]], gave the
whole size an `error`."""
import sympy as sp

from symderiv import engine
from symderiv.claims import collect
from symderiv.errors import SymderivError
from symderiv.results import Verdict

import pytest


def _claim(tmp_path):
    p = tmp_path / "proof.py"
    p.write_text(
        "from symderiv import assume, claim, rel, scalars, no_sizes\n"
        "@claim('c', kind='inequality', where='t', statement='s', given=dict(x=scalars()), sizes=no_sizes())\n"
        "def c(x):\n"
        "    assume(rel(x, '>', 0), 'x > 0')\n"
        "    return rel(1 / x, '>=', 0)\n")
    (claim,) = collect([p]).claims()
    return claim


def _only_zero(given, size, seed, count):  # x = 0: 'x > 0' plausible at the float tolerance, 1/x no float
    for _ in range(count):
        yield {"x": sp.Integer(0)}


def test_a_brief_search_that_floats_cannot_guide_is_no_error(tmp_path, monkeypatch):
    claim = _claim(tmp_path)
    monkeypatch.setattr(engine, "draw_candidates", _only_zero)
    out = engine.check_relations_at(claim, {}, seed=0, phases={}, count=engine.BRIEF_SEARCH)
    # no error; nothing refuted: at x = 0 a side has no value at all (1/x is zoo: UndefinedAtPoint), so the brief
    # search may have evaluated nothing and says nothing ({}), or found floats that cannot guide it (undecided)
    assert {status for status, _, _ in out.values()} <= {Verdict.UNDECIDED}


def test_a_full_search_that_floats_never_guided_is_still_an_error(tmp_path, monkeypatch):
    claim = _claim(tmp_path)
    monkeypatch.setattr(engine, "draw_candidates", _only_zero)
    with pytest.raises(SymderivError):
        engine.check_relations_at(claim, {}, seed=0, phases={})
