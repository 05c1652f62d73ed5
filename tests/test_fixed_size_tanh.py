"""Issue 21.4 for tanh and the logistic function: a claim about one large size is refuted at that size, in balls.

A claim with σ = tanh or the logistic function (or a cell's tanh/logistic gates) has no value in ℤ/p, so the
modular refutation (tests/test_fixed_size.py) does not reach it. The kernel's forward mode runs instead in arb
ball arithmetic at an exact rational point (symderiv/kernel/balls.py): tanh, the logistic function, exp and log
are the true functions, enclosed rigorously; a ball of lhs − rhs that excludes 0 proves the exact value is not
0. Each false claim is one of a class written several ways (a reversed Jacobian product, a dropped σ′ factor, a
transposed W in a loss gradient, an LSTM's dropped memory path, a logistic Jacobian without its 1 − h); the true
siblings are never ``fails``; forged certificates are refused. n = 32, t = 64 is in
benchmarks/bench_fixed_size.py (and the slow test below).
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from symderiv import avram2025_rnn, diag, elman_rnn, eye, gru_cell, hadamard, lstm_cell, ones, product, zeros
from symderiv.certificates import Counterexample
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.kernel import balls
from symderiv.results import Phase, Verdict
from symderiv.sizes import sweep

SIZE = {"n": 12, "t": 24}


def _claim(check, size=SIZE, **kw):
    return Claim(id=kw.pop("id", "fixedtanh.claim"), where="test", statement="test", check=check,
                 model=kw.pop("model", elman_rnn), sizes=sweep(n=(size["n"],), t=(size["t"],), fixed=("n", "t")),
                 conventions={"layout": "row-major"}, **kw)


def jac(m, order="descending", drop=None):
    """dh_t/dh_0 = Π_k diag(σ′(z_k)) W; ``drop``: the step whose σ′ factor is left out (a slip)."""
    factor = lambda k: m.W if k == drop else diag(m.dsigma(m.at("z", k))) * m.W
    return m.d(("h", m.t), ("h", 0)), product(factor, 1, m.t, order=order, size=m.n)


def jac_tanh(m, order="descending", drop=None):
    """avram2025's h_k = tanh(W h_{k−1}), tanh written by the cell itself: σ′ = 1 − h_k²."""
    factor = lambda k: m.W if k == drop else diag(ones(m.n, 1) - hadamard(m.h(k), m.h(k))) * m.W
    return m.d(("h", m.t), ("h", 0)), product(factor, 1, m.t, order=order, size=m.n)


def dE_dh(m, wrong=False):
    """dE_t/dh_{t−1} of the loss: a row times the recurrent factor (transposed when wrong)."""
    g = m.d(("E", m.t), ("o", m.t))
    W = m.W.T if wrong else m.W
    return m.d(("E", m.t), ("h", m.t - 1)), g * m.V * diag(m.dsigma(m.at("z", m.t))) * W


def lstm(m, through_c=True):
    """tests of proofs/examples/lstm_gradient.py: the (h, c) block recursion; the slip keeps only the h path."""
    gh, gc = eye(m.n), zeros(m.n, m.n)
    for k in range(1, m.t + 1):
        A, B = m.partial(("h", k), ("h", k - 1)), m.partial(("h", k), ("c", k - 1))
        C, D = m.partial(("c", k), ("h", k - 1)), m.partial(("c", k), ("c", k - 1))
        gh, gc = (A * gh + B * gc, C * gh + D * gc) if through_c else (A * gh, gc)
    return m.d(("h", m.t), ("h", 0)), gh


def gru_chain(m, reversed_=False):
    """dh_t/dh_0 of a GRU (σ gates, a tanh candidate) as the chain of its one-step partials; the slip reverses it."""
    J = eye(m.n)
    for k in range(1, m.t + 1):
        P = m.partial(("h", k), ("h", k - 1))
        J = J * P if reversed_ else P * J
    return m.d(("h", m.t), ("h", 0)), J


LSTM_SIZE = {"n": 8, "t": 16}  # beyond the exact model's reach (random_check.REACH): its holds is re-checked over ℤ/p

#: name -> (check, size, claim keywords): false claims, each of a class, σ concrete or the cell's own gates
FALSE = {
    "tanh: reversed product": (lambda m: jac(m, "ascending"), SIZE, dict(activation="tanh")),
    "tanh: a σ′ factor dropped": (lambda m: jac(m, drop=SIZE["t"] // 2), SIZE, dict(activation="tanh")),
    "tanh: the last σ′ factor dropped": (lambda m: jac(m, drop=SIZE["t"]), SIZE, dict(activation="tanh")),
    "logistic: reversed product": (lambda m: jac(m, "ascending"), SIZE, dict(activation="logistic")),
    "logistic: a σ′ factor dropped": (lambda m: jac(m, drop=3), SIZE, dict(activation="logistic")),
    "tanh: W for Wᵀ in a loss gradient": (lambda m: dE_dh(m, wrong=True), SIZE,
                                          dict(activation="tanh", loss="squared")),
    "the cell's tanh: reversed product": (lambda m: jac_tanh(m, "ascending"), SIZE, dict(model=avram2025_rnn)),
    "the cell's tanh: a σ′ factor dropped": (lambda m: jac_tanh(m, drop=1), SIZE, dict(model=avram2025_rnn)),
    "LSTM gates: the memory path dropped": (lambda m: lstm(m, through_c=False), LSTM_SIZE,
                                            dict(model=lstm_cell)),
    "GRU, σ abstract beside its tanh: the chain reversed": (lambda m: gru_chain(m, reversed_=True), SIZE,
                                                            dict(model=gru_cell)),
}
TRUE = {
    "tanh": (jac, SIZE, dict(activation="tanh")),
    "logistic": (jac, SIZE, dict(activation="logistic")),
    "tanh loss gradient": (dE_dh, SIZE, dict(activation="tanh", loss="squared")),
    "the cell's tanh": (jac_tanh, SIZE, dict(model=avram2025_rnn)),
    "LSTM gates": (lstm, LSTM_SIZE, dict(model=lstm_cell)),
    "GRU, σ abstract beside its tanh": (gru_chain, SIZE, dict(model=gru_cell)),
}


@pytest.mark.parametrize("name", list(FALSE))
def test_a_false_tanh_or_logistic_claim_fixed_at_a_large_size_fails_certified_there(name):
    check, size, kw = FALSE[name]
    claim = _claim(check, size, **kw)
    r = check_claim(claim)
    assert r.verdict == Verdict.FAILS, r.error or r.scope
    c = r.counterexample
    assert c.size == size  # at the size the claim is about, not a smaller one
    assert c.modulus is None and isinstance(c.precision, int) and c.precision >= balls.MIN_PRECISION
    assert Phase.BUILD not in r.phases  # no symbolic expression was built
    assert all("/" in v or v.lstrip("-").isdigit() for v in c.point.values())  # an exact rational point
    assert balls.verify_balls(claim, c).ok  # the kernel re-verifies it from the claim
    assert balls.verify_balls(claim, Counterexample.from_json(c.to_json())).ok  # through the JSON report


@pytest.mark.parametrize("name", list(TRUE))
def test_its_true_sibling_is_never_fails(name):
    from symderiv.fp.refute import refute_at

    check, size, kw = TRUE[name]
    claim = _claim(check, size, **kw)
    r = check_claim(claim)
    assert r.verdict in (Verdict.HOLDS, Verdict.UNDECIDED), r.error or r.scope
    cert, why = refute_at(claim, size)  # asked directly: the ball route finds nothing to certify
    assert cert is None, why


def _certificate(name="tanh: reversed product"):
    from symderiv.fp.refute import refute_at

    check, size, kw = FALSE[name]
    claim = _claim(check, size, **kw)
    cert, check_ = refute_at(claim, size)
    assert cert is not None and check_.ok, check_
    return claim, cert


def test_the_kernel_refuses_a_forged_ball_certificate():
    claim, cert = _certificate()
    i, j = cert.entry
    key = next(k for k in cert.point if k.startswith("W["))
    moved = dict(cert.point, **{key: str(-1 - abs(int(cert.point[key].split("/")[0])))
                                + ("/" + cert.point[key].split("/")[1] if "/" in cert.point[key] else "")})
    forged = {
        "another point, the recorded balls kept": replace(cert, point=moved),
        "an input without a value": replace(cert, point={k: v for k, v in cert.point.items() if k != key}),
        "not an exact number": replace(cert, point=dict(cert.point, **{key: "0.25"})),
        "a recorded lhs the kernel does not recompute": replace(cert, lhs="[12345.678 +/- 1e-5]", rhs=cert.lhs),
        "a recorded side that is no ball": replace(cert, lhs="tanh(x)"),
        "a precision below the kernel's floor": replace(cert, precision=8),
        "a precision that is no integer": replace(cert, precision="256"),
        "a precision too high to replay": replace(cert, precision=10 ** 6),
        "a modulus besides the balls": replace(cert, modulus=4611686018427388039),
        "a witness σ outside the claim's domain (σ = tanh)": replace(cert, sigma=(0, 1, 0, 1)),
        "not the size the claim fixes": replace(cert, size={"n": 2, "t": 3}),
        "an entry outside the sides": replace(cert, entry=(99, 0)),
        "another claim's certificate": replace(cert, claim_id="fixedtanh.other"),
    }
    for what, bad in forged.items():
        v = balls.verify_balls(claim, bad)
        assert not v.ok and v.token is None, what
    # a ball that contains 0: the true claim at the same point, entry and precision (the sides agree there)
    true_claim = _claim(jac, SIZE, id="fixedtanh.true", activation="tanh")
    v = balls.verify_balls(true_claim, replace(cert, claim_id="fixedtanh.true", lhs="", rhs=""))
    assert not v.ok and "contains 0" in v.reason
    # at another precision the kernel decides by the ball it computes there, whatever the record says
    low = replace(cert, precision=balls.MIN_PRECISION, lhs="", rhs="")
    v = balls.verify_balls(claim, low)
    assert v.ok == (not balls.difference_ball(claim, low).contains(0))  # the decision is the ball, nothing else


def test_a_ball_that_contains_zero_is_never_a_refutation():
    """Plant a bug in the refuter (it records whatever entry it likes): the kernel decides from its own ball."""
    claim, cert = _certificate("logistic: reversed product")
    d = balls.difference_ball(claim, cert)
    assert not d.contains(0)
    true_claim = _claim(jac, SIZE, id="fixedtanh.true2", activation="logistic")
    for i in range(SIZE["n"]):
        bad = replace(cert, claim_id="fixedtanh.true2", entry=(i, i), lhs="", rhs="")
        assert balls.difference_ball(true_claim, bad).contains(0)
        assert not balls.verify_balls(true_claim, bad).ok


def test_a_planted_refuter_that_forges_a_ball_certificate_is_not_a_verdict(monkeypatch):
    """The engine's refuter is not trusted: a planted one that returns a forged certificate (the true claim's point
    and entry, a Verification it made itself) cannot make fails: only the kernel's token can."""
    from symderiv.fp import refute

    claim, cert = _certificate()

    def planted(claim, size, *, seed=0):
        forged = replace(cert, claim_id=claim.id)
        return forged, balls.verify_balls(claim, forged)  # the kernel says no; a planted "yes" cannot be made

    monkeypatch.setattr(refute, "refute_at", planted)
    r = check_claim(_claim(jac, SIZE, id="fixedtanh.true3", activation="tanh"))
    assert r.verdict != Verdict.FAILS


def test_the_report_shows_a_ball_certificates_sides_as_enclosures():
    """Every format reads one description: the sides of a ball certificate are enclosures (typed), not '?'."""
    from symderiv.report.evidence import Kind, describe

    check, size, kw = FALSE["logistic: reversed product"]
    r = check_claim(_claim(check, size, **kw))
    sides = {ln.label: ln.values[0] for ln in describe(r).lines if ln.kind == Kind.SIDE}
    assert sides["lhs"].enclosure == r.counterexample.lhs and sides["rhs"].enclosure == r.counterexample.rhs
    assert not sides["lhs"].exact and not sides["rhs"].exact


def test_the_ball_model_encloses_the_true_functions():
    """tanh, the logistic function, exp and log in the ball model contain their exact values (SymPy at 60
    digits inside the ball), and σ′ is the derivative: the kernel's truth, not a relaxation."""
    import sympy as sp
    from flint import arb

    from symderiv.kernel.balls import BallScalar, ball_functions

    with balls.precision(128):
        for name, fn, dfn in (("tanh", sp.tanh, lambda x: 1 - sp.tanh(x) ** 2),
                              ("logistic", lambda x: 1 / (1 + sp.exp(-x)),
                               lambda x: sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
                              ("exp", sp.exp, sp.exp), ("log", sp.log, lambda x: 1 / x)):
            f = getattr(ball_functions("identity", None), name)
            for x in (sp.Rational(3, 7), sp.Rational(-5, 2), sp.Rational(1, 1024)):
                if name == "log" and x < 0:
                    continue
                y = f(BallScalar(balls.ball(x), arb(1)))
                for got, want in ((y.v, fn(x)), (y.d, dfn(x))):
                    assert got.contains(arb(str(sp.N(want, 60)))) or got.overlaps(arb(str(sp.N(want, 60)))), \
                        (name, x)
                    assert got.rad() < arb(2) ** -100


def test_the_ball_module_is_a_kernel_module_on_the_allow_list():
    """kernel/balls.py is read by the kernel's allow-list (tests/test_kernel.py) and takes from python-flint only its
    ball arithmetic (arb, arb_mat) and exact rationals (fmpq)."""
    import ast
    from pathlib import Path

    from tests.test_kernel import KERNEL_STDLIB, KERNEL_THIRD_PARTY, _external, _not_allowed

    path = Path(balls.__file__)
    assert path.parent.name == "kernel"
    assert not _not_allowed(path)
    assert _external(path) - KERNEL_STDLIB <= KERNEL_THIRD_PARTY and "flint" in _external(path)
    flint = {a.name for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.ImportFrom)
             and node.module == "flint" for a in node.names}
    assert flint == {"arb", "arb_mat", "fmpq"}


@pytest.mark.slow
def test_at_n32_t64_within_seconds():
    import time

    claim = _claim(lambda m: jac(m, "ascending"), {"n": 32, "t": 64}, activation="tanh")
    t0 = time.perf_counter()
    r = check_claim(claim)
    assert r.verdict == Verdict.FAILS and r.counterexample.size == {"n": 32, "t": 64}
    assert time.perf_counter() - t0 < 60


@pytest.mark.parametrize("name", ["tanh: reversed product", "LSTM gates: the memory path dropped",
                                  "tanh: W for Wᵀ in a loss gradient"])
def test_a_batch_of_tangents_gives_the_balls_one_run_per_column_gives(name, monkeypatch):
    """The kernel's ball model carries a batch of tangents per run where it can (as over ℤ/p); column by column it
    must enclose the same values: every entry's balls overlap, and the certificate's entry excludes 0 both ways."""
    from symderiv.kernel.modular import _Unbatchable

    claim, cert = _certificate(name)
    values = {k: __import__("sympy").Rational(v) for k, v in cert.point.items()}
    size, bits = cert.size, cert.precision
    seeded, seed_batch = [], balls.BallModel._seed_batch
    monkeypatch.setattr(balls.BallModel, "_seed_batch", lambda self, v: seeded.append(v) or seed_batch(self, v))
    batched = balls.sides(claim, size, values, cert.sigma, cert.loss, bits)[:2]
    assert seeded  # a batch was run (the comparison below is not of one path with itself)

    def no_batch(self, *a):
        raise _Unbatchable("test: column by column")

    monkeypatch.setattr(balls.BallModel, "_seed_batch", no_batch)
    monkeypatch.setattr(balls.BallModel, "_run_batched", no_batch)
    columns = balls.sides(claim, size, values, cert.sigma, cert.loss, bits)[:2]
    with balls.precision(bits):
        for a, b in zip(batched, columns):
            assert all(x.overlaps(y) for x, y in zip(a.val.entries(), b.val.entries()))
    assert balls.verify_balls(claim, cert).ok
