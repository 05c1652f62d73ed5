"""A free-variable identity the kernel lifted to every n needs no other backing at a size beyond its exact reach.

Beyond ``kernel.random_check.REACH`` (n > 6) the kernel's own random check of a free-variable identity does not run,
so a size's `holds` there rested on the engine's normal form, named in ``trusted``. When the same claim is lifted
to every n by the kernel (kernel/lift.verify_lift: the degree and index classes recounted, lhs − rhs expanded to 0
at the threshold by the kernel), that token is the kernel's own statement for every size, and it backs the size:
``trusted`` is empty. Where no lift was made (outside the fragment), the size's trust stays named; a lift token
backs only its own claim, and only a free-variable claim's lift (label-less) backs a size.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from symderiv import diag, hadamard, kron, matrix, tr, vector, eye
from symderiv.claims import Claim, collect
from symderiv.engine import check_claim
from symderiv.functions import dsigma, sigma
from symderiv.kernel import accept
from symderiv.kernel.lift import verify_lift
from symderiv.kernel.random_check import REACH
from symderiv.results import Verdict
from symderiv.sizes import sweep

ROOT = Path(__file__).resolve().parents[1]
BEYOND = REACH["n"] + 2  # a size the kernel's exact model does not evaluate


def free(check, variables, *, n, cid="t.lift-backs"):
    return Claim(id=cid, where="test", statement="test", check=check, variables=variables, sizes=sweep(n=n))


AB = dict(A=matrix("n"), B=matrix("n"))
XY = dict(x=vector("n"), y=vector("n"))
LIFTED = {
    "tr(AB − BA) = 0": (AB, lambda v: (tr(v.A * v.B - v.B * v.A), 0)),
    "(x yᵀ)² = (yᵀx) x yᵀ": (XY, lambda v: ((v.x * v.y.T) ** 2, (v.y.T * v.x)[0, 0] * v.x * v.y.T)),
    "(I ⊗ A)(I ⊗ B) = I ⊗ AB": (AB, lambda v: (kron(eye(v.n), v.A) * kron(eye(v.n), v.B), kron(eye(v.n), v.A * v.B))),
    "diag(x) y = x ∘ y": (XY, lambda v: (diag(v.x) * v.y, hadamard(v.x, v.y))),
    "∂ yᵀσ(Ax)/∂x = Aᵀ diag(σ'(Ax)) y": (dict(A=matrix("n"), x=vector("n"), y=vector("n")), lambda v: (
        v.d(tr(v.y.T * (v.A * v.x).applyfunc(sigma)), "x"), v.A.T * diag((v.A * v.x).applyfunc(dsigma)) * v.y)),
}


def _beyond(r):
    return [o for o in r.sizes if o.size.get("n", 0) > REACH["n"]]


def _without_the_z_p_reading(monkeypatch):
    """The size's own check beyond REACH as it was before kernel/free_modular.py: the normal form, trusted (so that
    what a lift backs is seen; the ℤ/p reading is tests/test_kernel_free_modular.py's)."""
    from symderiv.kernel import random_check

    monkeypatch.setattr(random_check, "_free_modular", lambda *a, **k: None)


@pytest.mark.parametrize("name", list(LIFTED))
def test_a_lifted_identity_trusts_nothing_beyond_the_exact_reach(name, monkeypatch):
    _without_the_z_p_reading(monkeypatch)
    variables, check = LIFTED[name]
    r = check_claim(free(check, variables, n=(1, 2, BEYOND)))
    assert r.verdict == Verdict.HOLDS and r.every_n, r.scope
    assert r.trusted == [], (r.trusted, r.scope)
    (o,) = _beyond(r)
    assert o.kernel is not None and o.kernel.trusts == () and o.kernel.kind == accept.EVERY_N


@pytest.mark.parametrize("cid", ["cookbook.eq69", "cookbook.eq70", "cookbook.eq81", "cookbook.hessian-quadratic"])
def test_the_cookbook_beyond_the_exact_reach(cid):
    col = collect([ROOT / "proofs" / "examples" / "matrix_cookbook.py"])
    c = col.items[cid]
    c.sizes = sweep(n=(BEYOND,), **({"m": (2,)} if "m" in c.sizes.dims else {}))
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and r.every_n and r.trusted == [], (r.trusted, r.scope)


def test_a_claim_not_lifted_keeps_its_trust_named(monkeypatch):
    # entry indexing is outside the fragment: no lift, so without the kernel's ℤ/p reading the size beyond reach
    # names what it rests on; with it (kernel/free_modular.py), the kernel's own check backs it and nothing is trusted
    A = dict(A=matrix("n"))
    claim = free(lambda v: (v.A[0, 0] * eye(v.n), eye(v.n) * v.A[0, 0]), A, n=(BEYOND,))
    r = check_claim(claim)
    assert r.verdict == Verdict.HOLDS and not r.every_n
    assert r.trusted == [], r.scope
    (o,) = _beyond(r)
    assert o.kernel is not None and o.kernel.kind == accept.IDENTITY and "ℤ/p" in o.kernel.how
    _without_the_z_p_reading(monkeypatch)
    r = check_claim(claim)
    assert r.verdict == Verdict.HOLDS and not r.every_n
    assert r.trusted, r.scope


def _lift_token(claim, size):
    check = verify_lift(claim, size)
    assert check.ok, check.reason
    return check.token


def test_a_lift_token_backs_only_its_own_claim():
    variables, check = LIFTED["tr(AB − BA) = 0"]
    mine = free(check, variables, n=(BEYOND,), cid="t.mine")
    other = free(lambda v: (v.A * v.B, v.B * v.A), AB, n=(BEYOND,), cid="t.other")  # false for n ≥ 2
    tok = _lift_token(mine, {"n": 2})

    class O:  # a size outcome as the gate reads it
        status, size, tokens = Verdict.HOLDS, {"n": BEYOND}, (tok,)

    assert accept.admit(mine, Verdict.HOLDS, [O]) is None
    assert accept.admit(other, Verdict.HOLDS, [O]) is not None


def test_a_model_claims_lift_token_backs_no_size():
    # a lift at a fixed horizon of a model claim (label-less, but the claim has a model) is not a statement for
    # every size the gate may be asked about: only a free-variable claim's lift backs a size
    col = collect([ROOT / "proofs" / "pal2019.py"])
    c = col.items["pal2019.theorem1.corrected"]
    check = verify_lift(c, {"n": 3, "m": 2}, 2)
    if not check.ok:
        pytest.skip(f"no model lift token here: {check.reason}")
    tok = check.token

    class O:
        status, size, tokens = Verdict.HOLDS, {"n": BEYOND, "t": 2}, (tok,)

    assert accept.admit(c, Verdict.HOLDS, [O]) is not None
