"""Differential testing: the exact backend, the F_p backend and the kernel must agree.

A Hypothesis generator draws a small recurrent cell (four shapes: pal2019's
h = W σ(h') + U x + b, Elman's h = σ(W h' + U x + b), a cell with an integer
constant c inside and outside σ, and a residual h = h' + W σ(h')), a layout,
a size, and the true BPTT closed form of dh_t/dW_R for that cell,
Σ_k (Π_{r=k+1}^{t} J_r) P_k + P_t, written in the notation, or one of its
mutations (the planted-error catalogue: product order, dropped terms, index
shifts, transposes, HV blocks, the other layout, a sign, a constant changed by
2³¹ − 1, a block scaled by 2³¹ ≡ 1 mod 2³¹ − 1). Each case is checked at one size by the exact backend
(symengine normal form, search, kernel) and by the F_p backend. They must agree:

* a true closed form ``holds`` on both;
* an exact ``fails`` carries a certificate that the kernel accepts when asked
  again, and the F_p backend never says ``holds`` there;
* an exact ``holds`` (a mutation that changes nothing at that size) is ``holds``
  over F_p too (its evaluation is exact, so a disagreement would be a bug).

Default run: 300 cases (derandomized, so CI sees the same ones), n ≤ 2, t ≤ 3.
``-m slow``: 2,000 cases, n ≤ 3, t ≤ 5, random. Disagreements ever found:
against the F_p backend before issue 10 (p = 2³¹ − 1 fixed), the default run
fails at once on the "times-2^31" mutation (Elman cell, row-major, n = t = 1: a false closed
form `holds` over F_p); it also refused col-major and integer constants (errors,
not verdicts). With the rewritten backend: none, in the default run and in
the slow run (2,000 cases, 449 s on 2 shared cores, 2026-11-24).
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from symderiv import HV, cell, diag, eye, hadamard, kron, product, total
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.kernel import verify_identity
from symderiv.results import Verdict
from symderiv.sizes import sweep

P31 = 2 ** 31 - 1

PARAMS = {"W_R": ("n", "n"), "U": ("n", "m"), "b": "n"}


@cell("pal: h = W σ(h') + U x + b", params=PARAMS)
def pal(s, prev, x, p, f):
    s.h = p.W_R * f.sigma(prev.h) + p.U * x + p.b


@cell("elman: h = σ(W h' + U x + b)", params=PARAMS)
def elman(s, prev, x, p, f):
    s.z = p.W_R * prev.h + p.U * x + p.b
    s.h = f.sigma(s.z)


@cell("scaled: h = 3 W σ(2 h') + b", params=PARAMS)
def scaled(s, prev, x, p, f):
    s.h = 3 * (p.W_R * f.sigma(2 * prev.h)) + p.b


@cell("residual: h = h' + W σ(h') + U x", params=PARAMS)
def residual(s, prev, x, p, f):
    s.h = prev.h + p.W_R * f.sigma(prev.h) + p.U * x


def block(v, layout):
    """∂(W v)/∂W as the layout orders W's entries: I ⊗ vᵀ (row-major) or vᵀ ⊗ I (col-major)."""
    return kron(eye(v.rows), v.T) if layout == "row-major" else kron(v.T, eye(v.rows))


def hv(v, layout):
    """pal2019's HV: every block vᵀ (the paper's operator; wrong off the diagonal blocks)."""
    return HV(v)


def parts_of(name, m, mut):
    """(J_r, P_k) of the cell, with the mutation's change to one of them."""
    c = {"const": 3, "const+p": 3 + P31}.get(mut, 3)
    tr = (lambda A: A.T) if mut == "transpose" else (lambda A: A)
    blk = hv if mut == "hv" else block
    lay = m.layout if mut != "other-layout" else ("col-major" if m.layout == "row-major" else "row-major")
    # P(k, s): the block's vector is scaled by s (1, or 2³¹ ≡ 1 mod 2³¹ − 1 in the "times-2^31" mutation)
    if name == "pal":
        return (lambda r: tr(m.W_R) * diag(m.dsigma(m.h(r - 1))),
                lambda k, s=1: blk(m.sigma(m.h(k - 1)) * s, lay))
    if name == "elman":
        return (lambda r: diag(m.dsigma(m.at("z", r))) * tr(m.W_R),
                lambda k, s=1: diag(m.dsigma(m.at("z", k))) * blk(m.h(k - 1) * s, lay))
    if name == "scaled":
        return (lambda r: c * (tr(m.W_R) * diag(m.dsigma(2 * m.h(r - 1)))) * 2,
                lambda k, s=1: 3 * blk(m.sigma(2 * m.h(k - 1)) * s, lay))
    return (lambda r: eye(m.n) + tr(m.W_R) * diag(m.dsigma(m.h(r - 1))),
            lambda k, s=1: blk(m.sigma(m.h(k - 1)) * s, lay))


def closed_form(name, mut):
    def rhs(m):
        J, P = parts_of(name, m, mut)
        order = "ascending" if mut == "ascending" else "descending"
        shift = 1 if mut == "J-index" else 0
        first = 2 if mut == "drop-first" else 1
        terms = [product(lambda r: J(r - shift) if r - shift >= 1 else J(r), k + 1, m.t, order=order, size=m.n)
                 * P(k - 1 if mut == "P-index" and k > 1 else k) for k in range(first, m.t)]
        if mut == "sign" and terms:
            terms[0] = -terms[0]
        last = [] if mut == "drop-last" else [P(m.t, 2 ** 31 if mut == "times-2^31" else 1)]
        return total(terms + last, (m.n, m.n * m.n))

    return rhs


CELLS = {"pal": pal, "elman": elman, "scaled": scaled, "residual": residual}
MUTATIONS = ["none", "ascending", "drop-first", "drop-last", "J-index", "P-index", "transpose", "hv",
             "other-layout", "sign", "const+p", "times-2^31"]


def make(name, mut, layout, n, t):
    rhs = closed_form(name, mut)
    return Claim(id=f"diff.{name}.{mut}", where="differential", statement="generated", model=CELLS[name],
                 check=lambda m: (m.d(("h", m.t), "W_R"), rhs(m)), sizes=sweep(n=(n,), t=(t,)),
                 conventions={"layout": layout})


def agree(name, mut, layout, n, t, seed):
    if mut == "const+p" and name != "scaled":
        mut = "none"
    claim = make(name, mut, layout, n, t)
    exact = check_claim(claim, backend="symengine", seed=seed)
    assert exact.verdict != Verdict.ERROR, exact.error
    if mut == "none":
        assert exact.verdict == Verdict.HOLDS, exact.scope
    if exact.verdict == Verdict.FAILS:
        again = verify_identity(claim, exact.counterexample)
        assert again.ok, again.reason
    fp = check_claim(claim, backend="fp", seed=seed)
    case = (name, mut, layout, n, t, exact.verdict, fp.verdict, fp.scope)
    if fp.verdict == Verdict.ERROR:  # what the F_p backend cannot evaluate is an error, never a verdict
        return
    if exact.verdict == Verdict.HOLDS:
        assert fp.verdict == Verdict.HOLDS, case
    if exact.verdict == Verdict.FAILS:
        assert fp.verdict != Verdict.HOLDS, case
    if fp.verdict == Verdict.FAILS:
        assert exact.verdict == Verdict.FAILS, case
        assert verify_identity(claim, fp.counterexample).ok


cases = dict(name=st.sampled_from(sorted(CELLS)), mut=st.sampled_from(MUTATIONS),
             layout=st.sampled_from(["row-major", "col-major"]), seed=st.integers(0, 3))


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 2), t=st.integers(1, 3), **cases)
def test_backends_and_kernel_agree(name, mut, layout, n, t, seed):
    agree(name, mut, layout, n, t, seed)


@pytest.mark.parametrize("layout", ["row-major", "col-major"])
@pytest.mark.parametrize("name", sorted(CELLS))
def test_the_randomized_backend_covers_every_generated_cell(name, layout):
    """The agreement above skips F_p errors; here every generated cell and layout is checked over F_p."""
    res = check_claim(make(name, "none", layout, 2, 3), backend="fp")
    assert res.verdict == Verdict.HOLDS, res.error or res.scope


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 3), t=st.integers(1, 5), **cases)
def test_backends_and_kernel_agree_slow(name, mut, layout, n, t, seed):
    agree(name, mut, layout, n, t, seed)


# ----- issue 14: the shapes the randomized backend covers now, each against the exact engine ----------------
# (true and false variants of derivatives w.r.t. another parameter name, a state (h, k), the initial state by
# name, outputs, m.partial, a transposed derivative (reverse mode), concrete tanh/logistic, losses, GRU, LSTM)

def _shapes():
    from tests import test_fp_coverage as c

    def wrong(fn):
        return lambda m: fn(m, wrong=True)

    tanh = lambda m, wrong=False: c.readme_jacobian(m, order="ascending" if wrong else "descending")
    return {
        "elman dW": (c.elman_dW, wrong(c.elman_dW), {}),
        "h_k": (lambda m: c.state_k(m, 1), lambda m: c.state_k(m, 1, order="ascending"), {}),
        "partial": (lambda m: (m.partial(("h", m.t), ("h", m.t - 1)), diag(m.dsigma(m.at("z", m.t))) * m.W),
                    lambda m: (m.partial(("h", m.t), ("h", m.t - 1)), diag(m.dsigma(m.at("z", m.t))) * m.W.T), {}),
        "transposed": (lambda m: (m.d(("h", m.t), ("h", 0)).T, product(
                           lambda k: m.W.T * diag(m.dsigma(m.at("z", k))), 1, m.t, order="ascending", size=m.n)),
                       lambda m: (m.d(("h", m.t), ("h", 0)).T, product(
                           lambda k: m.W * diag(m.dsigma(m.at("z", k))), 1, m.t, order="ascending", size=m.n)),
                       {}),
        "tanh": (tanh, wrong(tanh), {"activation": "tanh"}),
        "squared loss": (lambda m: (m.d(("E", m.t), ("o", m.t)), (m.o(m.t) - m.y(m.t)).T),
                         lambda m: (m.d(("E", m.t), ("o", m.t)), 2 * (m.o(m.t) - m.y(m.t)).T), {"loss": "squared"}),
        "abstract loss": (lambda m: (m.d(("E", m.t), ("h", m.t)), m.d(("E", m.t), ("o", m.t)) * m.V),
                          lambda m: (m.d(("E", m.t), ("h", m.t)), m.d(("E", m.t), ("o", m.t)) * m.V.T), {}),
        "gru": (lambda m: (m.d(("h", m.t), ("h", 0)), product(lambda k: m.partial(("h", k), ("h", k - 1)), 1, m.t,
                                                               order="descending", size=m.n)),
                lambda m: (m.d(("h", m.t), ("h", 0)), product(lambda k: m.partial(("h", k), ("h", k - 1)), 1, m.t,
                                                               order="ascending", size=m.n)), {"model": c.gru}),
    }


SHAPES = ["elman dW", "h_k", "partial", "transposed", "tanh", "squared loss", "abstract loss", "gru"]


def _api_shapes():
    """The newer model API over F_p (tests/test_fp_api.py): sum_of, a function of the model, hold=, extras, applyfunc."""
    from symderiv import gru_cell
    from tests import test_fp_api as a

    def wrong(fn, **kw):
        return lambda m: fn(m, **kw)

    def dL_dc(m, wrong=False):
        out = (m.o(1) - m.y(1)).T
        for k in range(2, m.t + (0 if wrong else 1)):
            out = out + (m.o(k) - m.y(k)).T
        return m.d(m.sum_of("E"), "c"), out

    def direct(m, wrong=False):
        z = m.at("z", m.t)
        return m.partial(("h", m.t), ("h", m.t - 1), hold=("z", "htilde")), diag(z if wrong else
                                                                                  z.applyfunc(lambda v: 1 - v))

    extras = lambda m, wrong=False: (m.d(("h", m.t), ("h", m.t - 1)),
                                     (1 if wrong else m.t) * diag(m.dsigma(m.at("z", m.t))) * m.W)
    poly = lambda m, c=-2: (m.d(("h", m.t), ("h", m.t - 1)),
                            c * diag(hadamard(m.sigma(m.at("z", m.t)), m.dsigma(m.at("z", m.t)))) * m.W)
    return {
        "sum_of abstract loss": (lambda m: a.bptt(m, m.W.T), lambda m: a.bptt(m, m.W), {}),
        "sum_of squared loss": (dL_dc, wrong(dL_dc, wrong=True), {"loss": "squared"}),
        "lambda of the model": (lambda m: (m.d(lambda q: q.E(m.t) + q.E(m.t - 1), ("h", m.t - 1)),
                                           m.d(("E", m.t - 1), ("h", m.t - 1)) + m.d(("E", m.t), ("h", m.t - 1))),
                                lambda m: (m.d(lambda q: q.E(m.t), ("h", m.t - 1)),
                                           m.d(("E", m.t - 1), ("h", m.t - 1)) + m.d(("E", m.t), ("h", m.t - 1))),
                                {}),
        "hold": (direct, wrong(direct, wrong=True), {"model": gru_cell}),
        "extras": (extras, wrong(extras, wrong=True), {"model": a.indexed}),
        "applyfunc": (poly, wrong(poly, c=-1), {"model": a.poly_step}),
        "E scalar": (lambda m: (m.E(m.t) * m.W + m.W, (m.E(m.t) + 1) * m.W),
                     lambda m: (m.E(m.t) * m.W + m.W, m.E(m.t) * m.W), {}),
    }


API_SHAPES = list(_api_shapes())


def agree_shape(shape, variant, n, t):
    from tests import test_fp_coverage as c

    true, false, kw = {**_shapes(), **_api_shapes()}[shape]
    claim = c.make(true if variant == "true" else false, n=(n,), t=(t,), **kw)
    exact = check_claim(claim, backend="symengine")
    fp = check_claim(claim, backend="fp")
    case = (shape, variant, n, t, exact.verdict, exact.error, fp.verdict, fp.scope, fp.error)
    assert fp.verdict != Verdict.ERROR, case
    if exact.verdict == Verdict.ERROR and "cannot evaluate dE" in (exact.error or ""):
        # issue 14.1 (another change): the exact search has no witness for an abstract loss yet
        assert variant == "false" and fp.verdict != Verdict.HOLDS, case
        return
    assert exact.verdict in (Verdict.HOLDS, Verdict.FAILS), case
    if exact.verdict == Verdict.HOLDS:
        assert fp.verdict == Verdict.HOLDS, case
    else:
        assert verify_identity(claim, exact.counterexample).ok
        assert fp.verdict != Verdict.HOLDS, case
    if variant == "true":
        assert exact.verdict == Verdict.HOLDS, case


@pytest.mark.parametrize("variant", ["true", "false"])
@pytest.mark.parametrize("shape", SHAPES)
def test_new_shapes_agree_with_the_exact_engine(shape, variant):
    agree_shape(shape, variant, 2, 2)


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["true", "false"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("n,t", [(1, 1), (1, 3), (2, 3), (3, 2)])
def test_new_shapes_agree_with_the_exact_engine_slow(shape, variant, n, t):
    agree_shape(shape, variant, n, t)


@pytest.mark.slow
@pytest.mark.parametrize("through_c", [True, False])
def test_lstm_agrees_with_the_exact_engine(through_c):
    from tests import test_fp_coverage as c
    from symderiv import lstm_cell

    claim = c.make(lambda m: c.lstm_recursion(m, through_c=through_c), model=lstm_cell, n=(1,), t=(2,))
    exact, fp = check_claim(claim, backend="symengine"), check_claim(claim, backend="fp")
    assert exact.verdict == (Verdict.HOLDS if through_c else Verdict.FAILS)
    assert fp.verdict == exact.verdict


@pytest.mark.parametrize("variant", ["true", "false"])
@pytest.mark.parametrize("shape", API_SHAPES)
def test_model_api_shapes_agree_with_the_exact_engine(shape, variant):
    agree_shape(shape, variant, 2, 2)


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["true", "false"])
@pytest.mark.parametrize("shape", API_SHAPES)
@pytest.mark.parametrize("n,t", [(1, 2), (2, 3), (3, 2)])
def test_model_api_shapes_agree_with_the_exact_engine_slow(shape, variant, n, t):
    agree_shape(shape, variant, n, t)
