"""A relation over an abstract σ is a claim about every differentiable σ (advtraj: ‖∂h_1/∂h_0‖₂ ≤ ‖W‖₂ for
h_t = σ(W h_{t−1}) ended in "TypeError: Cannot convert complex to float", σ′(3/2) having no value at a point).
The search draws σ too: each witness polynomial in turn (functions.WITNESS_SIGMAS), and a counterexample names
its σ, which the kernel substitutes itself (kernel.check.with_witness_sigma, its exact model's witness). A claim
true for every σ, with or without a hypothesis on σ′, is never refuted that way."""
import pytest

from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.kernel import verify_relation
from symderiv.results import Verdict

FILE = '''
from symderiv import absval, assume, matrices, norm2, parts, rel, sweep, vectors, cell

@cell("plain: h_t = sigma(W h_{t-1})", params={"W": ("n", "n")})
def plain_rnn(s, prev, x, p, f):
    s.z = p.W * prev.h
    s.h = f.sigma(s.z)

P = parts("abs", kind="inequality", where="t", model=plain_rnn, activation="abstract",
          given=dict(W=matrices(), h0=vectors()), statement="x", sizes=sweep(n=(1, 2), t=1, fixed=("t",)))

def jac(m, W, h0):
    return m.value(m.d(("h", m.t), ("h", 0)), W=W, h0=h0)

def slope(m, W, h0):
    return m.value(m.dsigma(m.at("z", 1)), W=W, h0=h0)

@P.part("gamma-1", expect="fails", statement="‖J‖ ≤ ‖W‖: false, σ′ may exceed 1")
def gamma1(m, W, h0):
    return norm2(jac(m, W, h0)) <= norm2(W)

@P.part("slope-bounded", expect="holds", statement="|σ′| ≤ 1 ⇒ |J| ≤ |W| at n = 1", sizes=sweep(n=(1,), t=1, fixed=("t",)))
def slope_bounded(m, W, h0):
    assume(rel(absval(slope(m, W, h0)[0]), "<=", 1), "|σ′(z)| ≤ 1")
    return rel(absval(jac(m, W, h0)[0]), "<=", absval(W[0]))

@P.part("equal", expect="holds", statement="|J| = |σ′(z)||W| at n = 1", sizes=sweep(n=(1,), t=1, fixed=("t",)))
def equal(m, W, h0):
    return rel(absval(jac(m, W, h0)[0]), "<=", absval(slope(m, W, h0)[0]) * absval(W[0]))
'''


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    p = tmp_path_factory.mktemp("abs") / "abs_sigma.py"
    p.write_text(FILE)
    return collect([p]).items


def test_a_false_bound_over_every_sigma_is_refuted_at_a_witness_sigma(claims):
    claim = claims["abs.gamma-1"]
    r = check_claim(claim)
    assert r.verdict == Verdict.FAILS, (r.verdict, r.scope, r.error)
    cert = r.counterexample
    assert cert.sigma is not None
    assert verify_relation(claim, cert).ok
    # the same point without its σ is no certificate: the kernel never guesses a σ
    from dataclasses import replace
    assert not verify_relation(claim, replace(cert, sigma=None)).ok


@pytest.mark.parametrize("cid", ["abs.slope-bounded", "abs.equal"])
def test_a_bound_true_for_every_sigma_is_never_refuted(claims, cid):
    r = check_claim(claims[cid])
    assert r.verdict in (Verdict.HOLDS, Verdict.UNDECIDED), (r.verdict, r.scope, r.error)
