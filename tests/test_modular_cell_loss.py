"""A cell's own loss over ℤ/p (issue 19, item 2): the kernel's re-check beyond its exact model's reach runs
softmax cross-entropy (exp, log, softmax, sums over entries) with exp and log random functions that keep their
differential equations (kernel/modular.py, random_check._modular).

- the shipped claims at n = 32, t = 64 whose loss is the cell's own are re-checked by the kernel (no trusts);
- a planted F_p ``holds`` for a false softmax-gradient identity (several, written different ways) is refused;
- a true claim whose sides differ only because random exp and log keep no laws (e^(a+b) = e^a·e^b,
  log(e^z) = z) is not refused: its token names what it trusted;
- a difference where no random exp or log was applied stays a disagreement.
"""
from __future__ import annotations

from symderiv.kernel.accept import UNBOUNDED
from symderiv.kernel.random_check import PRIME_CONTENT
import random
from pathlib import Path

import pytest
import sympy as sp

from symderiv import elman_rnn, hadamard, softmax
from symderiv.claims import Claim, collect
from symderiv.engine import check_claim
from symderiv.kernel import confirm_identity, modular
from symderiv.results import Verdict
from symderiv.sizes import sweep
from tests.test_planted import _plant_fp

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "proofs" / "examples" / "goodfellow_softmax.py", ROOT / "proofs" / "examples" / "goodfellow_bptt.py"]
CELL_LOSS_N32 = ["goodfellow.eq10-21-n32", "goodfellow.eq10-18-n32", "goodfellow.eq10-18-first-step-n32",
                 "goodfellow.eq10-18.corrected-n32"]
#: beyond the exact model's reach (random_check.REACH: n ≤ 6), so the kernel's re-check is the one over ℤ/p
PAST_REACH = {"n": 7, "t": 2}


@pytest.fixture(scope="module")
def shipped():
    return {c.id: c for c in collect(FILES).claims()}


# ----- the shipped claims: re-checked, nothing trusted -----------------------------------------------------------

@pytest.mark.parametrize("cid", CELL_LOSS_N32)
def test_a_cell_loss_claim_at_n32_is_rechecked_by_the_kernel_over_residues(shipped, cid):
    r = check_claim(shipped[cid])
    assert r.verdict == Verdict.HOLDS, r.scope
    # re-checked by the kernel over ℤ/p, its forward mode bounding the degree (error ≤ E·2^−62): nothing trusted
    assert r.trusted == [], r.trusted
    for o in r.sizes:
        assert o.kernel is not None and o.kernel.holds and o.kernel.trusts == () and UNBOUNDED not in o.kernel.trusts
        assert o.kernel.trials >= 1 and o.kernel.error_bits and o.kernel.degree is not None, o.kernel


# ----- false softmax-gradient identities with a planted F_p holds -------------------------------------------------

def _softmax_module(shipped):
    import sys

    return sys.modules[shipped["goodfellow.eq10-18-n32"].check.__module__]


def _false_softmax(shipped, name):
    """False siblings of eq. (10.18)/(10.21), each written another way (the sign, the target's reading, the
    softmax dropped, W for Wᵀ through the cell's own cross-entropy), past the exact model's reach."""
    g = _softmax_module(shipped)
    bptt = __import__("sys").modules[shipped["goodfellow.eq10-21-n32"].check.__module__]
    checks = {
        "sign flipped": (g.onehot_rnn, g._sign),
        "any target read as a probability": (g.anytarget_rnn, g.eq10_18_any),
        "softmax dropped": (g.onehot_rnn, g._no_softmax),
        "ŷ − y at the first step, other target": (g.onehot_rnn, lambda m: (g.grad_o(m, 1), g.yhat(m, 1) - m.y(1))),
        "W for Wᵀ (cross-entropy)": (bptt.goodfellow_rnn, bptt.eq10_21_w),
    }
    model, check = checks[name]
    return Claim(id=f"planted.softmax.{name}", where="test", statement="test", check=check, model=model,
                 activation="tanh", sizes=sweep(n=(PAST_REACH["n"],), t=(PAST_REACH["t"],)),
                 conventions={"layout": "row-major"})


FALSE = ["sign flipped", "any target read as a probability", "softmax dropped",
         "ŷ − y at the first step, other target", "W for Wᵀ (cross-entropy)"]


@pytest.mark.parametrize("where", ["one trial's comparison", "the backend's answer"])
def test_a_planted_fp_holds_for_the_shipped_false_softmax_gradient_at_n32_is_refused(monkeypatch, shipped, where):
    claim = shipped["goodfellow.eq10-18-sign-n32"]
    _plant_fp(monkeypatch, where)
    r = check_claim(claim, backend="fp")
    assert r.verdict != Verdict.HOLDS, r.scope
    assert all(o.kernel is None or not o.kernel.holds for o in r.sizes), [o.kernel for o in r.sizes]


@pytest.mark.parametrize("name", FALSE)
def test_a_planted_fp_holds_for_a_false_softmax_gradient_is_refused(monkeypatch, shipped, name):
    claim = _false_softmax(shipped, name)
    _plant_fp(monkeypatch, "one trial's comparison")
    r = check_claim(claim, backend="fp")
    assert r.verdict != Verdict.HOLDS, r.scope
    assert all(o.kernel is None or not o.kernel.holds for o in r.sizes), [o.kernel for o in r.sizes]


@pytest.mark.parametrize("name", FALSE)
def test_the_kernel_gives_no_token_for_a_false_softmax_gradient(shipped, name):
    token, why = confirm_identity(_false_softmax(shipped, name), PAST_REACH, trusts="the F_p trials")
    assert token is None, why


# ----- a difference only the laws of exp and log explain: trusted, not refused --------------------------------

def _o(m):
    return m.o(m.t)


def _ones(m):
    return sp.ones(m.n, 1)


LAWFUL_ONLY = {
    # softmax is invariant under a shift, through e^(a − c) = e^a e^(−c)
    "softmax shifted by o[0]": lambda m: (softmax(_o(m) - _ones(m) * _o(m)[0, 0]), softmax(_o(m))),
    # e^a e^a = e^(2a), written with the model's exp
    "exp(o)⊙exp(o) = exp(2o)": lambda m: (hadamard(m.f.exp(_o(m)), m.f.exp(_o(m))), m.f.exp(2 * _o(m))),
    # log softmax(o) = o − log Σ e^o, through log(e^z) = z and log(a/b) = log a − log b
    "log softmax = o − logsumexp": lambda m: (m.f.log(softmax(_o(m))),
                                              _o(m) - _ones(m) * m.f.log(sum(m.f.exp(_o(m))))),
}


def _claim(check, cid):
    return Claim(id=cid, where="test", statement="test", check=check, model=elman_rnn, activation="tanh",
                 sizes=sweep(n=(PAST_REACH["n"],), t=(PAST_REACH["t"],)), conventions={"layout": "row-major"})


@pytest.mark.parametrize("name", sorted(LAWFUL_ONLY))
def test_a_difference_the_laws_of_exp_explain_keeps_the_trust(name):
    token, why = confirm_identity(_claim(LAWFUL_ONLY[name], f"lawful.{name}"), PAST_REACH, trusts="the F_p trials")
    assert token is not None, why
    assert token.trusts and token.trusts[0].startswith("the F_p trials"), token.trusts


# the same sides with a slip: exp and log were used, the difference stays with their laws kept
LAWFUL_SLIPS = {
    "softmax of a scaled o": lambda m: (softmax(2 * _o(m)), softmax(_o(m))),
    "exp(o)⊙exp(o) = exp(o)": lambda m: (hadamard(m.f.exp(_o(m)), m.f.exp(_o(m))), m.f.exp(_o(m))),
    "log softmax = o": lambda m: (m.f.log(softmax(_o(m))), _o(m)),
}


@pytest.mark.parametrize("name", sorted(LAWFUL_SLIPS))
def test_a_difference_the_laws_do_not_explain_is_a_disagreement(name):
    token, why = confirm_identity(_claim(LAWFUL_SLIPS[name], f"slip.{name}"), PAST_REACH, trusts="the F_p trials")
    assert token is None, token


def test_a_difference_without_random_exp_or_log_is_a_disagreement():
    """No exp or log applied (tanh only): a difference is no token, as before."""
    token, why = confirm_identity(_claim(lambda m: (m.h(m.t), 2 * m.h(m.t)), "nolaw"), PAST_REACH, trusts="x")
    assert token is None, token


# ----- the lawful trial's functions keep their laws --------------------------------------------------------------

def test_the_q_adic_exp_and_log_keep_their_laws():
    q, K = 2053, modular.LAWFUL_DIGITS
    N = q ** K
    rng = random.Random(1)
    f = modular.LawfulFunctions(lambda: rng.randrange(N), q, K)
    for _ in range(50):
        a, b = (q * rng.randrange(N) % N for _ in range(2))
        x, y = (rng.randrange(1, q) + q * rng.randrange(N) for _ in range(2))
        assert f.exp((a + b) % N) == f.exp(a) * f.exp(b) % N
        assert f.exp(0) == 1 and f.log(1) == 0
        assert f.log(x * y % N) == (f.log(x) + f.log(y)) % N
        assert f.log(f.exp(a)) == a
        th, dth, _ = f.at("tanh", a)
        assert f.at("tanh", (-a) % N)[0] == (-th) % N and dth == (1 - th * th) % N
    with pytest.raises(modular.Unsupported):
        f.exp(1)  # off the disc
    with pytest.raises(modular.Unsupported):
        f.log(q)  # not a unit


# ----- the same for a loss and a softmax written other ways: the built-in cross-entropy, pal2019's softmax output --

def _builtin(name, slip):
    from symderiv import pal2019_rnn
    from tests.test_fp_exp import builtin_cross_entropy, builtin_cross_entropy_through_softmax, softmax_jacobian

    f, kw = {"softmax output's Jacobian": (softmax_jacobian, {}),
             "built-in cross-entropy": (builtin_cross_entropy, {"loss": "cross-entropy"}),
             "built-in cross-entropy through the softmax": (builtin_cross_entropy_through_softmax,
                                                            {"loss": "cross-entropy"})}[name]
    return Claim(id=f"builtin.{name}.{slip}", where="test", statement="test", check=lambda m: f(m, slip=slip),
                 model=pal2019_rnn, sizes=sweep(n=(8,), t=(3,)), conventions={"layout": "row-major"}, **kw)


BUILTIN = ["softmax output's Jacobian", "built-in cross-entropy", "built-in cross-entropy through the softmax"]


@pytest.mark.parametrize("name", BUILTIN)
def test_a_builtin_loss_or_softmax_output_past_reach_is_rechecked_and_its_slip_refused(name):
    token, why = confirm_identity(_builtin(name, False), {"n": 8, "t": 3}, trusts="the F_p trials")
    assert token is not None and token.trusts == () and token.error and token.degree is not None, why
    token, why = confirm_identity(_builtin(name, True), {"n": 8, "t": 3}, trusts="the F_p trials")
    assert token is None, token
