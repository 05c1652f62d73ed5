"""Pascanu's sufficient condition ‖W diag(σ′(h))‖₂ ≤ ‖W‖₂ · max σ′(h) at n = 2 with no ``prove=`` (issue 21 item 1):
proved by an SOS certificate resting on lemma instances the kernel checks exactly (prove/lemmas.py,
``diagonal_scaling``). Siblings: σ = tanh and σ = logistic, D on the right and on the left; a false
strengthening (max replaced by min) is not proved."""
import pytest
import sympy as sp

from symderiv import LOGISTIC, TANH, diag, matrices, norm2, sweep, vectors
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.prove import decide_step, encode_size, sentence, _matrices
from symderiv.results import Verdict

N2 = sweep(n=(2,), t=1, fixed=("t",))


def _claim(fn, side, bound=sp.Max, cid="t.diag"):
    def check(W, h):
        d = [fn.derivative(v) for v in h]
        M = W * diag(d) if side == "right" else diag(d) * W
        return norm2(M) <= norm2(W) * bound(*d)
    return Claim(id=cid, where="test", statement="test", kind="inequality", check=check,
                 given=dict(W=matrices(), h=vectors()), sizes=N2)


@pytest.mark.parametrize("fn", [TANH, LOGISTIC], ids=["tanh", "logistic"])
@pytest.mark.parametrize("side", ["right", "left"])
def test_diagonal_scaling_is_proved_at_n2_by_a_kernel_checked_certificate(fn, side):
    c = _claim(fn, side)
    values, syms, domain, steps, hyps = encode_size(c, {"n": 2, "t": 1})
    mats = _matrices(values.values())
    enc, _, lib = sentence(domain, hyps, steps[0][1], syms, mats)
    names = [n for n, _ in lib.used]
    assert "‖MD‖₂² ≤ ‖M‖₂² max(d)² for a diagonal D ⪰ 0" in names and "‖M‖₂·max(d) ≥ 0" in names, names
    assert not lib.rejected
    mark, method, *_ = decide_step(domain, hyps, steps[0][1], syms=syms, matrices=mats, budget=5)
    assert mark == "proved" and "SOS certificate" in method, (mark, method)


def test_the_shipped_claim_holds_with_n2_proved():
    res = check_claim(_claim(TANH, "right"))
    assert res.verdict == Verdict.HOLDS, res.scope
    assert {"n": 2, "t": 1} in res.proved_at


@pytest.mark.parametrize("side", ["right", "left"])
def test_a_false_strengthening_gets_no_lemma_and_is_not_proved(side):
    """min instead of max: false (W = I, d = (1, 1/2): ‖D‖₂ = 1 > 1/2); no instance may claim it."""
    c = _claim(TANH, side, bound=sp.Min)
    values, syms, domain, steps, hyps = encode_size(c, {"n": 2, "t": 1})
    mats = _matrices(values.values())
    enc, _, lib = sentence(domain, hyps, steps[0][1], syms, mats)
    assert "‖MD‖₂² ≤ ‖M‖₂² max(d)² for a diagonal D ⪰ 0" not in [n for n, _ in lib.used]
    res = check_claim(c)
    assert res.verdict != Verdict.HOLDS
