"""The F_p trials agree, the kernel's own check does not confirm: a counterexample is still looked for.

Before, such a size was `undecided` ("every F_p trial agreed, but the kernel's own check …"): a false claim
that a planted F_p bug (or a reading F_p has and the kernel has not) called equal kept no certified `fails`,
though the exact engine certifies one at a small size (issue 19 item 5: a certified counterexample anywhere makes
the verdict `fails`). Now the exact engine is asked at the small sizes (not located by the F_p trials, which
agreed), and beyond its reach the kernel's forward mode over ℤ/p at the size itself. A `fails` here carries the
kernel's own token as any other; a true claim under the same plant stays `holds` (the kernel confirms it).
"""
from __future__ import annotations

import pytest

from symderiv import HV, diag, product
from symderiv.engine import check_claim
from symderiv.results import Verdict

from test_planted import _model_claim, _plant_fp, _row_block, _theorem1

WHERE = ["one trial's comparison", "the backend's answer"]

FALSE = {
    "HV for I⊗hᵀ (abstract σ), n = 2, t = 2": lambda: _model_claim(_theorem1(HV), cid="dis.hv"),
    "W for Wᵀ in dh/dh0 (tanh)": lambda: _model_claim(
        lambda m: (m.d(("h", m.t), ("h", 0)), product(lambda k: m.W_R.T * diag(m.dsigma(m.h(k - 1))), 1, m.t,
                                                        order="descending", size=m.n)),
        cid="dis.transpose", activation="tanh"),
    "HV beyond the exact reach (n = 8)": lambda: _model_claim(_theorem1(HV), n=(8,), t=(2,), cid="dis.big"),
    "a truncated sum at t = 3 (right while t ≤ 2)": lambda: _model_claim(_theorem1(_row_block, terms=1), n=(1,),
                                                                        t=(3,), cid="dis.truncated"),
}

TRUE = {
    "Theorem 1 corrected": lambda: _model_claim(_theorem1(_row_block), cid="dis.true"),
    "Theorem 1 corrected (tanh, n = 1, t = 3)": lambda: _model_claim(_theorem1(_row_block), n=(1,), t=(3,),
                                                                     cid="dis.true-tanh", activation="tanh"),
}


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("case", sorted(FALSE))
def test_a_false_claim_the_fp_trials_call_equal_is_a_certified_fails(monkeypatch, where, case):
    claim = FALSE[case]()
    _plant_fp(monkeypatch, where)
    res = check_claim(claim, backend="fp")
    assert res.verdict == Verdict.FAILS, (res.verdict, [o.detail for o in res.sizes])
    assert res.counterexample is not None
    failing = [o for o in res.sizes if o.status == Verdict.FAILS]
    # the kernel's refutation (the engine admits a fails only with its genuine token; here, after the worker, its
    # record)
    assert failing and all(o.kernel is not None and not o.kernel.holds for o in failing)


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("case", sorted(TRUE))
def test_a_true_claim_under_the_same_plant_still_holds(monkeypatch, where, case):
    claim = TRUE[case]()
    assert check_claim(claim, backend="fp").verdict == Verdict.HOLDS
    _plant_fp(monkeypatch, where)
    res = check_claim(claim, backend="fp")
    assert res.verdict == Verdict.HOLDS, (res.verdict, [o.detail for o in res.sizes])
