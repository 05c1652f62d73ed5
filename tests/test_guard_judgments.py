"""SymPy's judgments about a matrix of claim values are refused on every path (issue 19 item 1).

``A.rank()``, ``A.is_zero_matrix``, ``A.is_upper``, ``x in A.eigenvals()``, … are decided by SymPy's own zero
tests: generic on symbols, another answer at a special point, so a check that branches on one would mean one thing
on the symbolic model and the prover's symbols and another on the kernel's numbers (advwit found `holds` for a
claim false at A = (7/3)·I). Each is refused before any verdict, naming the operation, as the structural reads are.
"""
from __future__ import annotations

import textwrap

import pytest

from symderiv.claims import collect
from symderiv.concrete import _MATRIX_JUDGMENTS
from symderiv.engine import check_claim
from symderiv.results import Verdict


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    d = tmp_path_factory.mktemp("judgments")
    body = ['import sympy as sp', 'from symderiv import claim, matrix, sweep', '']
    for name in sorted(_MATRIX_JUDGMENTS):
        body += [f'@claim("judge.{name}", where="test", statement="test", sizes=sweep(n=(2,)),',
                 '       variables=dict(A=matrix("n", "n")))',
                 f'def judge_{name}(v):',
                 f'    got = v.A.{name}',
                 '    return v.A * 0, v.A * 0', '']
    (d / "judge.py").write_text("\n".join(body))
    return collect([d]).items


@pytest.mark.parametrize("name", sorted(_MATRIX_JUDGMENTS))
def test_a_judgment_of_a_matrix_of_claim_values_is_refused(judged, name):
    r = check_claim(judged[f"judge.{name}"])
    assert r.verdict == Verdict.ERROR and f".{name}" in r.error, (r.verdict, r.error)

