"""A `holds` on the kernel's random points whose degree the kernel did not bound names that trust.

The kernel's randomized confirmation is a bound only with a degree it derived itself (E·2^−bits per trial). Where
it derives none (|·|, √ or signs of the random values; an operation its ℤ/p forward mode has no degree rule
for) agreement is evidence, and the result's ``trusted`` list says so (accept.UNBOUNDED), whichever path issued the token: the one
maker of tokens adds it. The JSON's resting_on_trust then counts these results."""
from __future__ import annotations

import pytest
import sympy as sp

from symderiv import product, scalar, sweep, vector
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.kernel.accept import UNBOUNDED
from symderiv.results import Verdict


def _unbounded_sizes(r):
    return [o for o in r.sizes if (k := o.kernel) and k.holds and k.trials and k.degree is None]


def _bounded_sizes(r):
    return [o for o in r.sizes if (k := o.kernel) and k.holds and k.trials and k.degree is not None]


@pytest.mark.parametrize("side", [
    lambda v: (sp.sqrt(v.lam ** 2 * (v.x.T * v.x)[0]), v.lam * sp.sqrt((v.x.T * v.x)[0])),   # √ under a sign
    lambda v: (sp.Abs(v.lam) * v.x, sp.sqrt(v.lam ** 2) * v.x),                              # |·| against √
])
def test_agreement_with_no_kernel_degree_is_named_as_trusted(side):
    c = Claim(id="t.unbounded", where="test", statement="test", check=side, sizes=sweep(n=(2,)),
              variables=dict(x=vector("n"), lam=scalar(positive=True)))
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS
    if _unbounded_sizes(r):
        assert UNBOUNDED in r.trusted
    else:   # the kernel bounded it after all: then nothing is trusted for it
        assert UNBOUNDED not in r.trusted


def _modular_claim(make_claim):
    from symderiv import pal2019_rnn

    return make_claim(lambda m: (m.d(("h", m.t), ("h", 0)), product(lambda k: m.partial(("h", k), ("h", k - 1)),
                                                                    1, m.t, order="descending", size=m.n)),
                      model=pal2019_rnn, n=(8,), t=(3,))


def test_the_modular_confirmation_bounds_its_degree_and_trusts_nothing(make_claim):
    """Past the exact reach the kernel confirms over ℤ/p; its forward mode bounds the degree (modular.py,
    "Degrees"), and the height ('Heights'), so the token states E (the content term in it) and trusts nothing."""
    r = check_claim(_modular_claim(make_claim))
    assert r.verdict == Verdict.HOLDS
    assert _bounded_sizes(r) and not _unbounded_sizes(r) and r.trusted == [], r.trusted


def test_the_modular_confirmation_without_a_degree_rule_is_named(make_claim, monkeypatch):
    """An operation the ℤ/p forward mode has no degree rule for (planted: a product) leaves E unknown: the
    agreement is then named as trusted (accept.UNBOUNDED), never given a bound."""
    from symderiv.kernel import modular

    monkeypatch.setattr(modular, "_dmm", lambda a, b, k: modular.UNB)
    r = check_claim(_modular_claim(make_claim))
    assert r.verdict == Verdict.HOLDS
    assert _unbounded_sizes(r) and UNBOUNDED in r.trusted


def test_a_bounded_confirmation_trusts_nothing(make_claim):
    from symderiv import pal2019_rnn

    c = make_claim(lambda m: (m.d(("h", m.t), ("h", 0)), product(lambda k: m.partial(("h", k), ("h", k - 1)),
                                                                 1, m.t, order="descending", size=m.n)),
                   model=pal2019_rnn, n=(2,), t=(2,))
    r = check_claim(c)
    assert r.verdict == Verdict.HOLDS and _bounded_sizes(r) and not _unbounded_sizes(r)
    assert UNBOUNDED not in r.trusted
