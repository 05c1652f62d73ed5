"""Issue 14 (item 6, the rest): exp, log, softmax and quotients over F_p, as a sound relaxation.

Reproduction: Goodfellow's eq. (10.18) ∇_{o_t}L = ŷ_t − y_t (softmax outputs, cross-entropy loss written as
the cell's own loss) at n = 32, t = 64 was ``undecided`` under ``--backend auto`` (F_p refused log/exp and the
exact engine cannot build that size) and ``error`` under ``--backend fp``. The true claim must hold over F_p
with a stated bound; the false variants must never hold (``fails`` only once the exact engine certifies a
counterexample at a small size).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.results import Verdict

EXAMPLE = Path(__file__).resolve().parent.parent / "proofs" / "examples" / "goodfellow_softmax.py"


def shipped(cid):
    return {c.id: c for c in collect([EXAMPLE]).claims()}[cid]


@pytest.mark.parametrize("backend", ["auto", "fp"])
def test_eq10_18_holds_at_n32_t64_over_fp(backend):
    r = check_claim(shipped("goodfellow.eq10-18-n32"), backend=backend)
    assert r.verdict == Verdict.HOLDS, r.error or r.scope
    assert "F_p" in r.scope and "n = 32" in r.scope and "error ≤ 2^−" in r.scope
    assert "exp" in r.scope and "log" in r.scope  # the relaxation is stated in the scope


def test_eq10_18_sign_slip_fails_at_n32_t64_certified_small():
    r = check_claim(shipped("goodfellow.eq10-18-sign-n32"), backend="fp")
    assert r.verdict == Verdict.FAILS, r.error or r.scope
    assert r.counterexample.size["n"] <= 3
