"""The kernel's matrix-level forward mode over ℤ/p (kernel/modular.py, issue 20's cost): a derivative w.r.t. a
state is one run carrying a batch of tangents (rows × D) instead of one run per column, and a seeded run reuses the
plain run's steps where nothing depends on the seed. It must be the same check: at the same point, with the same
random functions, every side's residues equal the column-by-column ones (every step re-run), for
every shipped model claim (including the ones whose cell or check does something a batch does not carry, which
fall back), at D > 1 and at D = 1.
"""
from __future__ import annotations

from symderiv.kernel.random_check import PRIME_CONTENT
import random
from pathlib import Path

import pytest
import sympy as sp

from symderiv import cell, diag
from symderiv.claims import Claim, collect
from symderiv.kernel import confirm_identity, modular
from symderiv.kernel.model import Draws
from symderiv.sizes import sweep

ROOT = Path(__file__).resolve().parents[1]
P = (1 << 62) + 135  # a prime


def _sides(claim, size, *, batched: bool, monkeypatch):
    rng = random.Random(7)
    draw = lambda: rng.randrange(P)  # noqa: E731
    rf = modular.RandomFunctions(draw, P)
    used = []
    with monkeypatch.context() as mp:
        if batched:
            block = modular.ModularModel._block
            mp.setattr(modular.ModularModel, "_block", lambda self, v, w: used.append(1) or block(self, v, w))
        else:
            def off(self, v):
                raise modular._Unbatchable("column by column")
            mp.setattr(modular.ModularModel, "_seed_batch", off)
            mp.setattr(modular.ModularModel, "SHORTCUTS", False)  # every step re-run, as forward mode is defined
        try:
            lhs, rhs = modular.sides(claim, size, Draws(draw), None, None, P, random=rf)
        except Exception as e:  # the same refusal either way
            return (type(e).__name__, str(e)), bool(used)
    return (lhs.shape, [int(x) for x in lhs.val.entries()], [int(x) for x in rhs.val.entries()]), bool(used)


@pytest.fixture(scope="module")
def model_claims():
    return [c for c in collect(sorted((ROOT / "proofs").rglob("*.py"))).claims() if c.model is not None]


@pytest.mark.parametrize("size", [{"n": 3, "t": 3}, {"n": 1, "t": 3}, {"n": 2, "t": 2, "m": 2}])
def test_batched_tangents_give_the_column_by_column_residues_on_every_shipped_model_claim(model_claims, size,
                                                                                        monkeypatch):
    batched_somewhere = 0
    for claim in model_claims:
        one, used = _sides(claim, size, batched=True, monkeypatch=monkeypatch)
        other, _ = _sides(claim, size, batched=False, monkeypatch=monkeypatch)
        assert one == other, claim.id
        batched_somewhere += used
    assert batched_somewhere >= 10  # the batch is taken, not only the fallback


def _squares(s, prev, x, p, f):
    """A cell that reads its state entry by entry (applyfunc): a batch does not carry it, column by column does."""
    s.z = p.W * prev.h.applyfunc(lambda v: v * v) + p.U * x
    s.h = f.tanh(s.z)


squares = cell("h_t = tanh(W (h_{t-1}⊙h_{t-1}) + U x_t)", params={"W": ("n", "n"), "U": ("n", "m")})(_squares)


def _jacobian(m, k):
    return diag(m.h(k).applyfunc(lambda v: 1 - v ** 2)) * m.W * diag(2 * m.h(k - 1))


CHECKS = {
    "dh_t/dh_{t-1}, partial": lambda m: (m.partial(("h", m.t), ("h", m.t - 1)), _jacobian(m, m.t)),
    "dh_t/dh_{t-1}, total": lambda m: (m.d(("h", m.t), ("h", m.t - 1)), _jacobian(m, m.t)),
    "dh_t/dh_0, chain": lambda m: (m.d(("h", m.t), ("h", 0)),
                                   _jacobian(m, m.t) * _jacobian(m, m.t - 1) * _jacobian(m, m.t - 2)),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_cell_a_batch_does_not_carry_is_checked_column_by_column(name, monkeypatch):
    claim = Claim(id=f"batch.{name}", where="test", statement="test", check=CHECKS[name], model=squares,
                  activation="tanh", sizes=sweep(n=(7,), t=(3,)), conventions={"layout": "row-major"})
    size = {"n": 7, "t": 3}
    one, _ = _sides(claim, size, batched=True, monkeypatch=monkeypatch)
    assert one == _sides(claim, size, batched=False, monkeypatch=monkeypatch)[0]
    assert one[1] == one[2], name  # a true claim: the sides agree
    token, why = confirm_identity(claim, size, trusts="x")
    assert token is not None and token.trusts == () and token.degree is not None, why
    wrong = Claim(id=f"batch.wrong.{name}", where="test", statement="test",
                  check=lambda m: (CHECKS[name](m)[0], 2 * CHECKS[name](m)[1]), model=squares, activation="tanh",
                  sizes=sweep(n=(7,), t=(3,)), conventions={"layout": "row-major"})
    assert confirm_identity(wrong, size, trusts="x")[0] is None
