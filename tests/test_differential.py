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

import re

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


# ----- issue 19: checks generated in the claim language, every path on the same check ---------------------------
#
# A generator writes a proof file: one check composed of SymPy's matrix methods (row, col, row_join, col_join,
# vstack, hstack, applyfunc with the notation's functions, slicing, indexing, sums) and the notation's functions
# (softmax, exp, log, √ and rational powers, Abs, tanh, logistic, sin, cos, Max/Min), on free variables (x a
# vector, A a matrix of size n) and on a model's values (h_1, W_R). The two sides are the same composition
# written through two APIs (row_join / hstack, .col(0) / [:, 0], …): a true identity; or a mutation of one
# side (x read as 2x): false. Every path must agree (exact normal form, the kernel's own evaluation, F_p on the
# model claim, the every-n lift where in its fragment), or refuse alike with a one-line error. A second
# generator puts value-dependent Python (==, in, bool, int(), hash, indexing by a value) on a composed value:
# refused on every path (the exact model path, F_p, the prove phase, free variables).

import textwrap as _textwrap

from symderiv.claims import collect as _collect

FUNCS = [  # (source in variant a, source in variant b): the same function written two ways
    ("sp.exp", "(lambda u: sp.exp(u))"),
    ("sp.tanh", "(lambda u: sp.tanh(u))"),
    ("sp.sin", "(lambda u: sp.sin(u))"),
    ("sp.cos", "(lambda u: sp.cos(u))"),
    ("sp.Abs", "(lambda u: sp.Abs(u))"),
    ("(lambda u: sp.sqrt(1 + u**2))", "(lambda u: (1 + u**2)**sp.Rational(1, 2))"),
    ("(lambda u: (2 + u**2)**sp.Rational(1, 3))", "(lambda u: sp.root(2 + u**2, 3))"),
    ("(lambda u: sp.log(1 + u**2))", "(lambda u: sp.log(u**2 + 1))"),
    ("(lambda u: 1 / (1 + sp.exp(-u)))", "(lambda u: sp.exp(u) / (sp.exp(u) + 1))"),
    ("(lambda u: sp.Max(u, 0))", "(lambda u: sp.Max(0, u))"),
    ("(lambda u: sp.Min(u, 1))", "(lambda u: sp.Min(1, u))"),
]


@st.composite
def compositions(draw, depth=3):
    """(source a, source b, shape) of a matrix expression over X (n×1) and A (n×n); shapes as ('n' | '1' | '2n', …).
    a and b compute the same matrix through different SymPy methods."""
    leaf = draw(st.sampled_from(["X", "A", "AX"]))
    a, b, shape = {"X": ("X", "X", ("n", "1")), "A": ("A", "A", ("n", "n")),
                   "AX": ("(A * X)", "(A * X)", ("n", "1"))}[leaf]
    for _ in range(draw(st.integers(0, depth))):
        r, c = shape
        ops = ["T", "apply", "sum"]
        if r == "n":
            ops += ["join-cols", "times-A" if c in ("1", "n") else "T"]
        if c in ("n", "1"):
            ops += ["join-rows"]
        ops += ["col0", "row0"]
        if (r, c) == ("n", "1"):
            ops += ["softmax"]
        if (r, c) == ("1", "1") or r == "n":
            ops += ["entry-times"]
        op = draw(st.sampled_from(ops))
        if op == "T":
            a, b, shape = f"{a}.T", f"{b}.T.T.T", (c, r)
        elif op == "apply":
            fa, fb = draw(st.sampled_from(FUNCS))
            a, b = f"{a}.applyfunc({fa})", f"{b}.applyfunc({fb})"
        elif op == "sum":
            a, b, shape = f"sp.Matrix([[sum({a})]])", f"sp.Matrix([[sum(list({b}))]])", ("1", "1")
        elif op == "join-cols":  # same rows, side by side
            a, b, shape = f"{a}.row_join({a})", f"sp.Matrix.hstack({b}, {b})", (r, "2" + c if c != "1" else "2")
        elif op == "join-rows":  # same columns, stacked
            a, b, shape = f"{a}.col_join({a})", f"sp.Matrix.vstack({b}, {b})", ("2" + r if r != "1" else "2", c)
        elif op == "times-A" and r == "n":
            a, b = f"(A * {a})", f"(A * {b})"
        elif op == "col0":
            a, b, shape = f"{a}.col(0)", f"{b}[:, 0]", (r, "1")
        elif op == "row0":
            a, b, shape = f"{a}.row(0)", f"{b}[0, :]", ("1", c)
        elif op == "softmax":
            a, b = f"softmax({a})", f"softmax({b}).T.T"
        elif op == "entry-times":
            a, b = f"({a}[0, 0] * {a})", f"({b}[0] * {b})" if c == "1" or r == "1" else f"({b}[0, 0] * {b})"
    return a, b, shape


HEADER = "import sympy as sp\nfrom symderiv import claim, softmax, sweep, matrix, vector, pal2019_rnn\n"


def _proof_file(tmp_path, name: str, body: str):
    d = tmp_path / name
    d.mkdir(exist_ok=True)
    p = d / f"{name}.py"
    p.write_text(HEADER + _textwrap.dedent(body))
    col = _collect([p])
    assert not col.errors, col.errors
    return col.items


def _generated(tmp_path, a: str, b: str, mutate: bool, tag: str):
    """A free-variable claim and a model claim of lhs = a, rhs = b (x read as 2x in b when ``mutate``)."""
    # the whole name only: "A" inside sp.Abs is no variable (the slow sweep wrote sp.(2 * A)bs, a SyntaxError)
    bb = (re.sub(r"\bX\b", "(2 * X)", b) if re.search(r"\bX\b", b) else re.sub(r"\bA\b", "(2 * A)", b)) \
        if mutate else b
    free = f"""
        @claim("gen.free", where="-", statement="generated", variables=dict(X=vector("n"), A=matrix("n")),
               sizes=sweep(n=(1, 2)))
        def free(v):
            X, A = v.X, v.A
            return {a}, {bb}

        @claim("gen.model", where="-", statement="generated", model=pal2019_rnn, sizes=sweep(n=(2,), t=(1,)))
        def model(m):
            X, A = m.h(1), m.W_R
            return {a}, {bb}
        """
    return _proof_file(tmp_path, f"gen_{tag}", free)


def _uses_exp(case) -> bool:
    """The logistic written 1/(1 + e^−u) and e^u/(e^u + 1) agree by e^u·e^−u = 1, which neither the normal form
    (exp of each argument an atom) nor F_p's relaxation uses: such a true claim may stay undecided, never fail."""
    return "exp(-u)" in case[0] + case[1]


def _one_line(res):
    return res.verdict != Verdict.ERROR or (res.error and "\n" not in res.error.strip())


def _paths_agree(items, mutate: bool, case):
    from symderiv import kernel

    for cid in ("gen.free", "gen.model"):
        claim = items[cid]
        exact = check_claim(claim, backend="symengine")
        assert _one_line(exact), (case, cid, exact.error)
        if not mutate and exact.verdict != Verdict.ERROR:  # undecided only where exp(u)·exp(−u) = 1 is needed
            assert exact.verdict == Verdict.HOLDS or (exact.verdict == Verdict.UNDECIDED and _uses_exp(case)), \
                (case, cid, exact.verdict, exact.scope)
        if mutate:
            assert exact.verdict != Verdict.HOLDS, (case, cid, exact.scope)
        if exact.verdict == Verdict.FAILS:
            assert verify_identity(claim, exact.counterexample).ok, case
        if exact.every_n:
            assert not mutate, case
        size = {"n": 2} if cid == "gen.free" else {"n": 2, "t": 1}
        if exact.verdict in (Verdict.HOLDS, Verdict.FAILS):  # the kernel's own random evaluation, asked directly
            token, why = kernel.confirm_identity(claim, size)
            if not mutate:
                assert token is not None, (case, cid, why)
            else:
                assert token is None or token.trusts, (case, cid, why)
        if cid == "gen.model":
            fp = check_claim(claim, backend="fp")
            assert _one_line(fp), (case, fp.error)
            if fp.verdict == Verdict.ERROR:
                continue  # what F_p cannot evaluate it says in one line (auto then decides exactly)
            if exact.verdict == Verdict.HOLDS:  # undecided only under a relaxation that forgets a law it needs
                relaxed = any(f in case[0] + case[1] for f in ("exp", "softmax", "sqrt", "Rational(1", "root", "log"))
                assert fp.verdict == Verdict.HOLDS or (fp.verdict == Verdict.UNDECIDED and relaxed), \
                    (case, fp.verdict, fp.scope)
            if mutate:
                assert fp.verdict != Verdict.HOLDS, (case, fp.scope)
            if fp.verdict == Verdict.FAILS:
                assert verify_identity(claim, fp.counterexample).ok, case


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(comp=compositions(), mutate=st.booleans())
def test_generated_claim_language_checks_agree_on_every_path(tmp_path, comp, mutate):
    a, b, _ = comp
    items = _generated(tmp_path, a, b, mutate, f"{abs(hash((a, b, mutate))) % 10 ** 8}")
    _paths_agree(items, mutate, (a, b, mutate))


@pytest.mark.slow
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(comp=compositions(depth=5), mutate=st.booleans())
def test_generated_claim_language_checks_agree_on_every_path_slow(tmp_path, comp, mutate):
    a, b, _ = comp
    items = _generated(tmp_path, a, b, mutate, f"{abs(hash((a, b, mutate))) % 10 ** 8}")
    _paths_agree(items, mutate, (a, b, mutate))


CONTROL = {  # value-dependent Python on a composed value y, as in tests/test_concrete.py (there: each on a bare value)
    "==": "(1 if y == 0 else 0)",
    "in": "(1 if y in {0, 1} else 0)",
    "bool": "int(bool(y))",
    "int()": "int(y)",
    "hash": "(hash(y) % 2)",
    "index by a value": "[0, 1, 2][y]",
    "dict.get": "{0: 1}.get(y, 0)",
}


def _controlled(tmp_path, a: str, form: str, tag: str):
    body = f"""
        from symderiv import rel, vectors, matrices

        @claim("gen.free", where="-", statement="generated", variables=dict(X=vector("n"), A=matrix("n")),
               sizes=sweep(n=(1, 2)))
        def free(v):
            X, A = v.X, v.A
            y = ({a})[0, 0] + X[0, 0]  # a claim value even where the composition is constant (softmax at n = 1)
            k = {CONTROL[form]}
            return sp.Matrix([[y + k]]), sp.Matrix([[y + k]])

        @claim("gen.model", where="-", statement="generated", model=pal2019_rnn, sizes=sweep(n=(2,), t=(1,)))
        def model(m):
            X, A = m.h(1), m.W_R
            y = ({a})[0, 0] + X[0, 0]  # a claim value even where the composition is constant (softmax at n = 1)
            k = {CONTROL[form]}
            return sp.Matrix([[y + k]]), sp.Matrix([[y + k]])

        @claim("gen.rel", where="-", statement="generated", kind="inequality", given=dict(X=vectors(), A=matrices()),
               sizes=sweep(n=(1,), t=1, fixed=("t",)), prove=(1,), budget=8)
        def relational(X, A):
            y = ({a})[0, 0] + X[0, 0]  # a claim value even where the composition is constant (softmax at n = 1)
            k = {CONTROL[form]}
            return rel(y + k, "<=", y + k)
        """
    return _proof_file(tmp_path, f"ctl_{tag}", body)


def _refused_everywhere(items, case):
    runs = [("gen.free", "symengine"), ("gen.model", "symengine"), ("gen.model", "fp"), ("gen.rel", "auto")]
    for cid, backend in runs:
        res = check_claim(items[cid], backend=backend)
        assert res.verdict == Verdict.ERROR, (case, cid, backend, res.verdict, res.scope)
        assert res.error and "\n" not in res.error.strip(), (case, cid, backend, res.error)
        assert "ctl_" in res.error and ".py:" in res.error, (case, cid, backend, res.error)  # names the check's line


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(comp=compositions(depth=2), form=st.sampled_from(sorted(CONTROL)))
def test_value_dependent_python_on_a_composed_value_is_refused_on_every_path(tmp_path, comp, form):
    a, _, _ = comp
    items = _controlled(tmp_path, a, form, f"{abs(hash((a, form))) % 10 ** 8}")
    _refused_everywhere(items, (a, form))


@pytest.mark.parametrize("form", sorted(CONTROL))
def test_each_value_dependent_form_is_refused_on_every_path(tmp_path, form):
    """Every form at least once in the default run (the generator above draws some of them)."""
    items = _controlled(tmp_path, "softmax(A * X).applyfunc(sp.tanh).row_join(X)", form, form.replace(" ", "_")
                        .replace("(", "").replace(")", "").replace("=", "eq").replace(".", "_"))
    _refused_everywhere(items, form)


@pytest.mark.slow
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(comp=compositions(depth=4), form=st.sampled_from(sorted(CONTROL)))
def test_value_dependent_python_on_a_composed_value_is_refused_on_every_path_slow(tmp_path, comp, form):
    a, _, _ = comp
    items = _controlled(tmp_path, a, form, f"{abs(hash((a, form))) % 10 ** 8}")
    _refused_everywhere(items, (a, form))


# ----- in cells: the same compositions inside a cell's step (exact, F_p, the kernel's exact model) ---------------

@st.composite
def cell_compositions(draw, depth=3):
    """(source a, source b) of an n×1 value computed from the n×1 value z by a composition that keeps its shape."""
    a = b = "z"
    applied = False
    for _ in range(draw(st.integers(1, depth))):
        # one elementwise function per step at most: exp(exp(·)) at the kernel's 128-bit random points makes SymPy
        # evaluate a tower of exponentials (kernel/random_check.py: see the report of issue 19's planted tests)
        op = draw(st.sampled_from(["slices", "col0", "softmax", "quadratic", "sum"] + ([] if applied else
                                                                                       ["apply", "apply"])))
        applied = applied or op in ("apply", "softmax")
        if op == "apply":
            fa, fb = draw(st.sampled_from(FUNCS))
            a, b = f"{a}.applyfunc({fa})", f"{b}.applyfunc({fb})"
        elif op == "slices":  # the first entry stacked on the rest
            a, b = f"sp.Matrix.vstack(({a})[:1, :], ({a})[1:, :])", f"({b})[:1, :].col_join(({b})[1:, :])"
        elif op == "col0":
            a, b = f"({a}).col(0)", f"({b})[:, 0]"
        elif op == "softmax":
            a, b = f"softmax({a})", f"softmax({b}).T.T"
        elif op == "quadratic":
            a, b = f"(({a}).T * ({a}))[0, 0] * ({a})", f"sum(list(({b}).applyfunc(lambda u: u**2))) * ({b})"
        elif op == "sum":
            a, b = f"({a}) + sp.ones(({a}).rows, 1) * sum({a})", f"({b}) + sp.Matrix.vstack(*[sp.Matrix([[sum(list({b}))]])] * ({b}).rows)"
    return a, b


def _cell_claims(tmp_path, a: str, b: str, mutate: bool, tag: str):
    bias = "2 * m.b" if mutate else "m.b"
    body = f"""
        from symderiv import cell

        @cell("generated", params={{"W": ("n", "n"), "U": ("n", "m"), "b": "n"}})
        def gen(s, prev, x, p, f):
            z = p.W * prev.h + p.U * x + p.b
            s.h = {a}

        def comp(z):
            return {b}

        @claim("gen.cell", where="-", statement="generated", model=gen, sizes=sweep(n=(2,), t=(2,)))
        def unrolled(m):
            return m.h(2), comp(m.W * comp(m.W * m.h(0) + m.U * m.x(1) + {bias}) + m.U * m.x(2) + m.b)
        """
    return _proof_file(tmp_path, f"cell_{tag}", body)


def _cell_paths_agree(items, mutate: bool, case):
    from symderiv import kernel

    claim = items["gen.cell"]
    exact = check_claim(claim, backend="symengine")
    assert _one_line(exact), (case, exact.error)
    if exact.verdict != Verdict.ERROR:
        assert exact.verdict == (Verdict.FAILS if mutate else Verdict.HOLDS) or \
            (exact.verdict == Verdict.UNDECIDED and (mutate or _uses_exp(case))), (case, exact.verdict, exact.scope)
    if exact.verdict not in (Verdict.ERROR, Verdict.UNDECIDED):
        token, why = kernel.confirm_identity(claim, {"n": 2, "t": 2})
        assert (token is not None) if not mutate else (token is None or token.trusts), (case, why)
    if exact.verdict == Verdict.FAILS:
        assert verify_identity(claim, exact.counterexample).ok, case
    fp = check_claim(claim, backend="fp")
    assert _one_line(fp), (case, fp.error)
    if fp.verdict == Verdict.ERROR:
        return
    relaxed = any(f in case[0] + case[1] for f in ("exp", "softmax", "sqrt", "Rational(1", "root", "log"))
    if exact.verdict == Verdict.HOLDS:
        assert fp.verdict == Verdict.HOLDS or (fp.verdict == Verdict.UNDECIDED and relaxed), (case, fp.scope)
    if mutate:
        assert fp.verdict != Verdict.HOLDS, (case, fp.scope)
    if fp.verdict == Verdict.FAILS:
        assert verify_identity(claim, fp.counterexample).ok, case


@pytest.mark.slow  # not in the default run: an example hung there (> 10 min) and was not yet isolated
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(comp=cell_compositions(depth=2), mutate=st.booleans())
def test_generated_cells_agree_on_every_path(tmp_path, comp, mutate):
    a, b = comp
    _cell_paths_agree(_cell_claims(tmp_path, a, b, mutate, f"{abs(hash((a, b, mutate))) % 10 ** 8}"), mutate,
                      (a, b, mutate))


@pytest.mark.slow
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(comp=cell_compositions(depth=4), mutate=st.booleans())
def test_generated_cells_agree_on_every_path_slow(tmp_path, comp, mutate):
    a, b = comp
    _cell_paths_agree(_cell_claims(tmp_path, a, b, mutate, f"{abs(hash((a, b, mutate))) % 10 ** 8}"), mutate,
                      (a, b, mutate))
