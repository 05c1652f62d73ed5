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
