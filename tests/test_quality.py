"""Quality suite: planted errors are found, true identities are never refuted,
counterexamples are the small ones (cf. Hypothesis' tests/quality)."""
import pytest

from symderiv import HV, diag, eye, kron, product, total
from symderiv.engine import check_claim
from symderiv.results import Verdict


def block(v):
    return kron(eye(v.rows), v.T)


def closed_form(m, *, order="descending", blk=block, transpose=False, drop_first=False, shift=0, swap_sigma=False):
    n, t = m.n, m.t
    W = m.W_R.T if transpose else m.W_R
    d = (lambda v: m.sigma(v)) if swap_sigma else (lambda v: m.dsigma(v))
    factor = lambda r: W * diag(d(m.h(r - 1 + shift)) if 0 <= r - 1 + shift <= t else d(m.h(r - 1)))
    ks = range(2 if drop_first else 1, t)
    terms = (product(factor, k + 1, t, order=order, size=n) * blk(m.sigma(m.h(k - 1))) for k in ks)
    return total(terms, (n, n * n)) + blk(m.sigma(m.h(t - 1)))


#: planted error -> predicate on (n, t) saying where the variant truly differs from the truth
PLANTED = {
    "ascending product order": (dict(order="ascending"), lambda n, t: n >= 2 and t >= 3),
    "transposed W_R": (dict(transpose=True), lambda n, t: n >= 2 and t >= 2),
    "dropped k = 1 term": (dict(drop_first=True), lambda n, t: t >= 2),
    "off-by-one index in σ'": (dict(shift=1), lambda n, t: t >= 2),
    "σ where σ' belongs": (dict(swap_sigma=True), lambda n, t: t >= 2),
    "HV in place of I ⊗ vᵀ": (dict(blk=HV), lambda n, t: n >= 2),
}


def test_true_closed_form_holds_at_every_default_size(make_claim):
    r = check_claim(make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m))))
    assert r.verdict == Verdict.HOLDS
    assert len(r.sizes) == 12 and all(s.status == Verdict.HOLDS for s in r.sizes)


@pytest.mark.parametrize("name", list(PLANTED))
def test_planted_error_is_rejected_exactly_where_it_differs(make_claim, name):
    kw, differs = PLANTED[name]
    r = check_claim(make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m, **kw))))
    assert r.verdict == Verdict.FAILS
    for s in r.sizes:
        want = Verdict.FAILS if differs(s.size["n"], s.size["t"]) else Verdict.HOLDS
        assert s.status == want, (name, s.size, s.detail)
    assert r.counterexample is not None


def test_backends_agree(make_claim):
    for kw in ({}, dict(order="ascending"), dict(blk=HV)):
        c = make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m, **kw)), n=(1, 2), t=(1, 2, 3))
        a, b = check_claim(c, backend="symengine"), check_claim(c, backend="sympy")
        assert [s.status for s in a.sizes] == [s.status for s in b.sizes]


def test_counterexample_is_shrunk_to_the_smallest_case(make_claim):
    r = check_claim(make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m, blk=HV))))
    c = r.counterexample
    assert c.size == {"n": 2, "t": 1}          # smallest failing size
    assert c.sigma == (0, 1)                   # simplest witness σ (the identity)
    nonzero = [v for v in c.point.values() if v != "0"]
    assert nonzero == ["1"]                    # one coordinate, set to 1


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_found_from_several_seeds(make_claim, seed):
    r = check_claim(make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m, order="ascending")),
                               n=(2,), t=(3,)), seed=seed)
    assert r.verdict == Verdict.FAILS


def test_concrete_tanh_failure_is_certified_by_arb(make_claim):
    c = make_claim(lambda m: (m.d(("h", m.t), "W_R"), closed_form(m, drop_first=True)), n=(1,), t=(2,),
                   activation="tanh")
    r = check_claim(c)
    assert r.verdict == Verdict.FAILS
    assert "arb" in r.certificate
