"""Adversarial pass advtraj: trajectory inequalities proved by kernel-checked lemma chains (reach_trajectory.py,
kernel/lemmas.py's tanh-derivative, logistic-derivative, diagonal-norm, orthogonal-invariance(-right), the finder
prove/chains.py) and the kernel's ℤ/p check of derivatives w.r.t. a parameter as linear maps (modular.Operator,
project: uᵀ·(lhs − rhs)·x, with its degree bound).

No wrong verdict was found. These tests keep the cheap attacks the code resists:

* cells the shipped examples do not cover (gain 2·tanh, a skip connection h_{t−1} + tanh(W h_{t−1}), tanh(2Wh),
  tanh(Wh/2), logistic(Wh)) with a γ that is too small: each fails at n = 1 (certified), never holds;
* ‖QM‖₂ and ‖MQ‖₂ at an orthogonal Q against a false right side that agrees at n = 1 (ρ(QM) = ρ(M),
  ‖QM‖₂ = ‖M‖_F, ‖MQM‖₂ = ‖M²‖₂), at a Q orthogonal only in its first column, and at a non-square Q with QᵀQ = I
  (‖MQ‖₂ = ‖M‖₂ needs QQᵀ = I): each fails at n = 2 (certified);
* ∂h_t/∂W at n = 8, t = 3 (past the exact reach: the F_p backend and the kernel's ℤ/p projection) against the
  BPTT sum with a difference a projection uᵀΔx might be thought to miss: one entry, rank one, an antisymmetric
  n × n difference (Δ = A with Aᵀ = −A; u and x are independent, so uᵀAx ≠ 0), a difference present only at
  n ≥ 7 (so no smaller size certifies it), a read entry, a transpose, a left product W·∂h/∂W, a term dropped only
  at n ≥ 7, the column-major layout: none holds; the true forms (and 1 − h², σ(1 − σ), 1/4 − (σ − 1/2)² written
  for σ′) hold; so do JJᵀ, JᵀJ and a loss's gradient ∂E_t/∂W, and Python's abs, %, //, >, == on an entry (true
  of a residue, false of the real value) are one-line errors, never holds;
* ‖∂h_1/∂h_0‖₂ ≤ ‖W‖₂·minᵢ(1 − h_{1,i}²) (or the first entry's), equal to the true maxᵢ bound at n = 1, fail at n = 2
  while the maxᵢ bound holds by the chain; the wrong matrix in the bound (‖U‖, ∂h/∂W against ‖W‖) fails; a check
  branching on a claim value (W[0,0] == 7/3, isinstance Symbol) is refused; the polar domain's false readings fail.

Tried and not kept here (each correct, but 40 s – 4 min of wall time at a load of 6): the lemma chain's proofs of
2·tanh with γ = 2, tanh(Wh/2) with γ = 1/2, logistic(Wh) with γ = 1/4, ∂h_2/∂h_1 ≤ ‖W‖₂ (k = 1, tanh and logistic),
‖MQ‖₂ = ‖M‖₂ at an orthogonal Q, ‖RU‖₂ = ‖R‖₂ in the polar domain (all holds); vacuous hypotheses (‖W‖₂ < ρ(W),
‖W‖_F < ‖W‖₂) with a false bound (undecided, never holds); ‖J‖₂ ≤ ‖W‖_F, the cell tanh(Wᵀh) with ‖W‖₂, ‖W‖₂ < 1 ⇒
‖J_2‖₂ ≤ ‖W‖₂, a logistic Elman cell's ‖∂h_1/∂W‖₂ ≤ ‖h_0‖/4 (true: undecided at n = 2, no chain for them); ρ(W) < 1
⇒ ‖J_2‖₂ ≤ ‖W‖₂ (false: undecided, the search finds no counterexample at n = 2); an abstract σ with γ = 1 (false:
an error at n = 2, "Cannot convert complex to float" in the search's float guide).
"""
import itertools
import textwrap

import pytest

from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.results import Verdict

_COUNTER = itertools.count()


def _claims(tmp_path, body: str) -> dict:
    path = tmp_path / f"advtraj_case_{next(_COUNTER)}.py"
    path.write_text(textwrap.dedent(body))
    return {c.id: c for c in collect([path]).claims()}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("advtraj")
    return {name: _claims(d, body) for name, body in SOURCES.items()}


SOURCES = {
    "cells": 'import sympy as sp\nfrom symderiv import matrices, norm2, parts, sweep, vectors, cell\n\nNS = (1, 2)\n\ndef jac(m, values, k=0):\n    return m.value(m.d(("h", m.t), ("h", k)), **values)\n\n@cell("gain: h_t = 2 tanh(W h_{t-1})", params={"W": ("n", "n")})\ndef gain_rnn(s, prev, x, p, f):\n    s.z = p.W * prev.h\n    s.h = 2 * f.tanh(s.z)\n\n@cell("skip: h_t = h_{t-1} + tanh(W h_{t-1})", params={"W": ("n", "n")})\ndef skip_rnn(s, prev, x, p, f):\n    s.z = p.W * prev.h\n    s.h = prev.h + f.tanh(s.z)\n\n@cell("half: h_t = tanh(W h_{t-1} / 2)", params={"W": ("n", "n")})\ndef half_rnn(s, prev, x, p, f):\n    s.z = p.W * prev.h / 2\n    s.h = f.tanh(s.z)\n\n@cell("double: h_t = tanh(2 W h_{t-1})", params={"W": ("n", "n")})\ndef dbl_rnn(s, prev, x, p, f):\n    s.z = 2 * p.W * prev.h\n    s.h = f.tanh(s.z)\n\n@cell("transpose: h_t = tanh(W^T h_{t-1})", params={"W": ("n", "n")})\ndef tr_rnn(s, prev, x, p, f):\n    s.z = p.W.T * prev.h\n    s.h = f.tanh(s.z)\n\n@cell("logit: h_t = logistic(W h)", params={"W": ("n", "n")})\ndef lg_rnn(s, prev, x, p, f):\n    s.z = p.W * prev.h\n    s.h = f.logistic(s.z)\n\nG = dict(W=matrices(), h0=vectors())\ndef mk(model, name, expect, gamma, t=1, power=None, activation="abstract"):\n    power = t if power is None else power\n    P = parts(f"adv2.{name}", kind="inequality", where="adv", model=model, activation=activation, given=G, statement="x")\n    @P.part("p", expect=expect, sizes=sweep(n=NS, t=t, fixed=("t",)), prove=(1, 2), statement="x")\n    def check(m, W, h0):\n        return norm2(jac(m, dict(W=W, h0=h0))) <= (gamma * norm2(W)) ** power\n    return check\n\ngain1 = mk(gain_rnn, "gain-g1", "fails", 1)\ngain2 = mk(gain_rnn, "gain-g2", "holds", 2)\ngain19 = mk(gain_rnn, "gain-g19", "fails", sp.Rational(19, 10))\nskip1 = mk(skip_rnn, "skip-g1", "fails", 1)\nhalf12 = mk(half_rnn, "half-g12", "holds", sp.Rational(1, 2))\nhalf49 = mk(half_rnn, "half-g49", "fails", sp.Rational(49, 100))\ndbl1 = mk(dbl_rnn, "dbl-g1", "fails", 1)\ntr1 = mk(tr_rnn, "tr-g1", "holds", 1)\nlg14 = mk(lg_rnn, "lg-g14", "holds", sp.Rational(1, 4))\nlg15 = mk(lg_rnn, "lg-g15", "fails", sp.Rational(1, 5))\ngain1t2 = mk(gain_rnn, "gain-g1-t2", "fails", 1, t=2)\nskip1t2 = mk(skip_rnn, "skip-g1-t2", "fails", 1, t=2)\n',
    "orthogonal": 'import sympy as sp\nfrom symderiv import matrices, norm2, parts, sweep, eq, rho, fro, assume, T\nfrom symderiv.prove.domains import orthogonal_matrix\n\nO = matrices(families=("orthogonal",))\nP = parts("adv3.orth", kind="inequality", where="adv", given=dict(Q=O, M=matrices()), sizes=sweep(n=(1, 2), t=1, fixed=("t",)), statement="x")\n\n@P.part("right", expect="holds", prove=(1, 2), statement="x")\ndef right(Q, M):\n    return eq(norm2(M * Q), norm2(M))\n\n@P.part("both", expect="holds", prove=(1, 2), statement="x")\ndef both(Q, M):\n    return eq(norm2(Q * M * Q.T), norm2(M))\n\n@P.part("rho", expect="fails", prove=(1, 2), statement="x")\ndef rho_(Q, M):\n    return eq(rho(Q * M), rho(M))\n\n@P.part("fro-eq", expect="fails", prove=(1, 2), statement="x")\ndef froeq(Q, M):\n    return eq(norm2(Q * M), fro(M))\n\n@P.part("ge-fro", expect="fails", prove=(1, 2), statement="x")\ndef gefro(Q, M):\n    return norm2(Q * M) >= fro(M)\n\n@P.part("sum", expect="fails", prove=(1, 2), statement="x")\ndef sum_(Q, M):\n    return eq(norm2(Q * M + M), norm2(M + M))\n\n@P.part("QMQ-vs-M2", expect="fails", prove=(1, 2), statement="x")\ndef qmq(Q, M):\n    return eq(norm2(M * Q * M), norm2(M * M))\n\nG = parts("adv3.gen", kind="inequality", where="adv", given=dict(Q=matrices(), M=matrices()), sizes=sweep(n=(1, 2), t=1, fixed=("t",)), statement="x")\n\n@G.part("unstated", expect="fails", prove=(1, 2), statement="x")\ndef unstated(Q, M):\n    return eq(norm2(Q * M), norm2(M))\n\n@G.part("assumed-QtQ-right", expect="holds", prove=(1, 2), statement="x")\ndef aqr(Q, M):\n    assume(eq(fro(Q.T * Q - sp.eye(Q.rows)), 0))\n    return eq(norm2(M * Q), norm2(M))\n\n# Q Q^T = I on a square Q gives Q^T Q = I too: true\n@G.part("assumed-QQt-left", expect="holds", prove=(1, 2), statement="x")\ndef aql(Q, M):\n    assume(eq(fro(Q * Q.T - sp.eye(Q.rows)), 0))\n    return eq(norm2(Q * M), norm2(M))\n\n# only the first column is unit: false at n = 2\n@G.part("assumed-col0", expect="fails", prove=(1, 2), statement="x")\ndef acol(Q, M):\n    assume(eq((Q[:, 0].T * Q[:, 0])[0, 0], 1))\n    return eq(norm2(Q * M), norm2(M))\n\n# non-square: Q n x m with Q^T Q = I (m = 1): ||M Q|| = ||M|| false for n = 2\nN = parts("adv3.nonsq", kind="inequality", where="adv", given=dict(Q=matrices("n", "m"), M=matrices("n", "n")), sizes=sweep(n=(1, 2), t=1, m=1, fixed=("t", "m")), statement="x")\n\n@N.part("MQ", expect="fails", prove=(1, 2), statement="x")\ndef mq(Q, M):\n    assume(eq(fro(Q.T * Q - sp.eye(Q.cols)), 0))\n    return eq(norm2(M * Q), norm2(M))\n\n@N.part("QtM-nonsq", expect="fails", prove=(1, 2), statement="x")\ndef qtm(Q, M):\n    assume(eq(fro(Q.T * Q - sp.eye(Q.cols)), 0))\n    return eq(norm2(Q * Q.T * M), norm2(M))\n',
    "param": 'import sympy as sp\nfrom symderiv import elman_rnn, parts, sweep, kron, diag, total, eye, T\n\nP = parts("adv4.param", where="adv", model=elman_rnn, activation="abstract", statement="x",\n          conventions={"layout": "row-major"})\n\ndef explicit(m, t):\n    return total((m.d(("h", t), ("h", j)) * kron(diag(m.dsigma(m.at("z", j))), m.h(j - 1).T)\n                  for j in range(1, t + 1)), (m.n, m.n ** 2))\n\ndef one_entry(n, r, c, shape):\n    E = sp.zeros(*shape)\n    E[r, c] = 1\n    return E\n\n@P.part("true", statement="x")\ndef true_(m):\n    return m.d(("h", m.t), "W"), explicit(m, m.t)\n\n@P.part("entry", expect="fails", statement="x")\ndef entry(m):\n    return m.d(("h", m.t), "W"), explicit(m, m.t) + one_entry(m.n, m.n - 1, m.n ** 2 - 2, (m.n, m.n ** 2))\n\n@P.part("entry-small", expect="fails", statement="x")\ndef entry_small(m):\n    return m.d(("h", m.t), "W"), explicit(m, m.t) + sp.Rational(1, 10**30) * one_entry(m.n, 0, 0, (m.n, m.n ** 2))\n\n@P.part("rank1", expect="fails", statement="x")\ndef rank1(m):\n    a = m.h(0)\n    return m.d(("h", m.t), "W"), explicit(m, m.t) + a * kron(a.T, a.T)\n\n@P.part("square-antisym", expect="fails", statement="x")\ndef antisym(m):\n    n = m.n\n    A = sp.zeros(n, n); A[0, 1] = 1; A[1, 0] = -1\n    X = kron(eye(n), m.h(0))\n    return m.d(("h", m.t), "W") * X, explicit(m, m.t) * X + A * m.W[0, 0]\n\n@P.part("square-true", statement="x")\ndef sqtrue(m):\n    n = m.n\n    X = kron(eye(n), m.h(0))\n    return m.d(("h", m.t), "W") * X, explicit(m, m.t) * X\n\n@P.part("read-entry-true", statement="x")\ndef ret(m):\n    J = m.d(("h", m.t), "W")\n    return J[m.n - 1, m.n ** 2 - 1], explicit(m, m.t)[m.n - 1, m.n ** 2 - 1]\n\n@P.part("read-entry-false", expect="fails", statement="x")\ndef ref(m):\n    J = m.d(("h", m.t), "W")\n    return J[m.n - 1, m.n ** 2 - 1], explicit(m, m.t)[m.n - 1, m.n ** 2 - 2]\n\n@P.part("transpose-true", statement="x")\ndef tt(m):\n    return m.d(("h", m.t), "W").T, explicit(m, m.t).T\n\n@P.part("transpose-false", expect="fails", statement="x")\ndef tf(m):\n    return m.d(("h", m.t), "W").T, explicit(m, m.t).T + one_entry(m.n, m.n ** 2 - 1, 0, (m.n ** 2, m.n))\n\n@P.part("left-mult-false", expect="fails", statement="x")\ndef lmf(m):\n    n = m.n\n    A = sp.zeros(n, n); A[0, 1] = 1; A[1, 0] = -1\n    return m.W * m.d(("h", m.t), "W"), m.W * explicit(m, m.t) + A * one_entry(n, 1, 0, (n, n ** 2))\n\n@P.part("left-mult-true", statement="x")\ndef lmt(m):\n    return m.W * m.d(("h", m.t), "W"), m.W * explicit(m, m.t)\n\n@P.part("two-derivs-false", expect="fails", statement="x")\ndef tdf(m):\n    return m.d(("h", m.t), "W") + m.d(("h", m.t), "U") * sp.zeros(m.m * m.n, m.n ** 2), explicit(m, m.t) + one_entry(m.n, 0, 1, (m.n, m.n**2))\n\n@P.part("swap-layout", expect="fails", statement="x")\ndef swl(m):\n    # col-major explicit term: kron(h^T, diag) against row-major derivative\n    return m.d(("h", m.t), "W"), total((m.d(("h", m.t), ("h", j)) * kron(m.h(j - 1).T, diag(m.dsigma(m.at("z", j))))\n                  for j in range(1, m.t + 1)), (m.n, m.n ** 2))\n',
    "param_big": 'import sympy as sp\nfrom symderiv import elman_rnn, parts, sweep, kron, diag, total, eye\n\nP = parts("adv5.param", where="adv", model=elman_rnn, activation="abstract", statement="x",\n          conventions={"layout": "row-major"})\n\ndef explicit(m, t):\n    return total((m.d(("h", t), ("h", j)) * kron(diag(m.dsigma(m.at("z", j))), m.h(j - 1).T)\n                  for j in range(1, t + 1)), (m.n, m.n ** 2))\n\ndef big_only(m, shape, r, c, v=1):\n    E = sp.zeros(*shape)\n    if m.n >= 7:\n        E[r, c] = 1\n    return E * v\n\n@P.part("entry-big", expect="fails", statement="x")\ndef entry(m):\n    return m.d(("h", m.t), "W"), explicit(m, m.t) + big_only(m, (m.n, m.n ** 2), m.n - 1, m.n ** 2 - 1, m.W[3, 5])\n\n@P.part("antisym-big", expect="fails", statement="x")\ndef antisym(m):\n    n = m.n\n    X = kron(eye(n), m.h(0))\n    A = big_only(m, (n, n), 2, 6, m.dsigma(m.at("z", 1))[0]) - big_only(m, (n, n), 6, 2, m.dsigma(m.at("z", 1))[0])\n    return m.d(("h", m.t), "W") * X, explicit(m, m.t) * X + A\n\n@P.part("sym-xx-big", expect="fails", statement="x")\ndef symxx(m):\n    n = m.n\n    X = kron(eye(n), m.h(0))\n    A = big_only(m, (n, n), 2, 6, 1) - big_only(m, (n, n), 6, 2, 1)\n    return m.d(("h", m.t), "W") * X + A, explicit(m, m.t) * X\n\n@P.part("drop-term-big", expect="fails", statement="x")\ndef drop(m):\n    t = m.t\n    first = 2 if m.n >= 7 else 1\n    return m.d(("h", t), "W"), total((m.d(("h", t), ("h", j)) * kron(diag(m.dsigma(m.at("z", j))), m.h(j - 1).T)\n                  for j in range(first, t + 1)), (m.n, m.n ** 2))\n\n@P.part("grad-entry-big", expect="fails", statement="x")\ndef grad(m):\n    # scalar of the derivative: a read entry, off by a term at n >= 7\n    J = m.d(("h", m.t), "W")\n    R = explicit(m, m.t)\n    return J[4, 50], R[4, 50] + (m.h(0)[0] if m.n >= 7 else 0)\n',
    "wrong_matrix": 'import sympy as sp\nfrom symderiv import elman_rnn, avram2025_rnn, matrices, norm2, parts, sweep, vectors, fro, T\n\ndef gv(t):\n    return dict(W=matrices(), U=matrices("n", "m"), b=vectors(), h0=vectors(), **{f"x{k}": vectors("m") for k in range(1, t + 1)})\n\nP = parts("adv8.wrongmat", kind="inequality", where="adv", model=elman_rnn, activation="logistic", given=gv(1), statement="x")\n\n@P.part("U", expect="fails", sizes=sweep(n=(1, 2), t=1, m=1, fixed=("t", "m")), prove=(1, 2), statement="x")\ndef wu(model, W, U, b, h0, **xs):\n    J = model.value(model.d(("h", 1), ("h", 0)), W=W, U=U, b=b, h0=h0, **xs)\n    return norm2(J) <= norm2(U) / 4\n\n@P.part("dW-vs-W", expect="fails", sizes=sweep(n=(1, 2), t=1, m=1, fixed=("t", "m")), prove=(1, 2), statement="x")\ndef dw(model, W, U, b, h0, **xs):\n    J = model.value(model.d(("h", 1), "W"), W=W, U=U, b=b, h0=h0, **xs)\n    return norm2(J) <= norm2(W) / 4\n\n@P.part("dW-vs-h0", expect="holds", sizes=sweep(n=(1, 2), t=1, m=1, fixed=("t", "m")), prove=(1, 2), statement="x")\ndef dwh(model, W, U, b, h0, **xs):\n    J = model.value(model.d(("h", 1), "W"), W=W, U=U, b=b, h0=h0, **xs)\n    return norm2(J) <= fro(h0) / 4\n\n@P.part("dW-vs-h0-strict", expect="fails", sizes=sweep(n=(1, 2), t=1, m=1, fixed=("t", "m")), prove=(1, 2), statement="x")\ndef dwhs(model, W, U, b, h0, **xs):\n    J = model.value(model.d(("h", 1), "W"), W=W, U=U, b=b, h0=h0, **xs)\n    return norm2(J) <= fro(h0) / 5\n',
    "branch": 'import sympy as sp\nfrom symderiv import avram2025_rnn, matrices, norm2, parts, sweep, vectors\n\nG = dict(W=matrices(), h0=vectors())\nP = parts("adv9.branch", kind="inequality", where="adv", model=avram2025_rnn, activation="tanh", given=G, statement="x")\n\n@P.part("eq-branch", expect="fails", sizes=sweep(n=(1, 2), t=1, fixed=("t",)), prove=(1, 2), statement="x")\ndef eqb(m, W, h0):\n    J = m.value(m.d(("h", 1), ("h", 0)), W=W, h0=h0)\n    bump = 1 if W[0, 0] == sp.Rational(7, 3) else 0\n    return norm2(J) + bump <= norm2(W)\n\n@P.part("is-symbol", expect="fails", sizes=sweep(n=(1, 2), t=1, fixed=("t",)), prove=(1, 2), statement="x")\ndef isb(m, W, h0):\n    J = m.value(m.d(("h", 1), ("h", 0)), W=W, h0=h0)\n    g = 1 if isinstance(W[0, 0], sp.Symbol) else sp.Rational(99, 100)\n    return norm2(J) <= g * norm2(W)\n',
    "param_products": 'import sympy as sp\nfrom symderiv import elman_rnn, parts, sweep, kron, diag, total, eye, tr\n\nP = parts("adv10.param", where="adv", model=elman_rnn, activation="abstract", statement="x",\n          conventions={"layout": "row-major"})\n\ndef explicit(m, t):\n    return total((m.d(("h", t), ("h", j)) * kron(diag(m.dsigma(m.at("z", j))), m.h(j - 1).T)\n                  for j in range(1, t + 1)), (m.n, m.n ** 2))\n\ndef unit(n, r, c):\n    E = sp.zeros(n, n); E[r, c] = 1\n    return E\n\n@P.part("gram-true", statement="x")\ndef gt(m):\n    J = m.d(("h", m.t), "W")\n    R = explicit(m, m.t)\n    return J * J.T, R * R.T\n\n@P.part("gram-false", expect="fails", statement="x")\ndef gf(m):\n    J = m.d(("h", m.t), "W")\n    R = explicit(m, m.t)\n    return J * J.T, R * R.T + (unit(m.n, 1, 2) - unit(m.n, 2, 1)) * (1 if m.n >= 7 else 0)\n\n@P.part("trace-true", statement="x")\ndef trt(m):\n    J = m.d(("h", m.t), "W")\n    R = explicit(m, m.t)\n    return sp.Matrix([[tr(J.T * J)]]), sp.Matrix([[tr(R.T * R)]])\n\n@P.part("trace-false", expect="fails", statement="x")\ndef trf(m):\n    J = m.d(("h", m.t), "W")\n    R = explicit(m, m.t)\n    return sp.Matrix([[tr(J.T * J)]]), sp.Matrix([[tr(R.T * R) + (m.h(0)[0] if m.n >= 7 else 0)]])\n\n@P.part("JTJ-false", expect="fails", statement="x")\ndef jtj(m):\n    J = m.d(("h", m.t), "W")\n    R = explicit(m, m.t)\n    D = sp.zeros(m.n ** 2, m.n ** 2)\n    if m.n >= 7:\n        D[60, 3] = 1; D[3, 60] = -1\n    return J.T * J, R.T * R + D\n\n@P.part("loss-grad-false", expect="fails", statement="x")\ndef lg(m):\n    g = m.d(("E", m.t), "W")\n    G = m.d(("E", m.t), ("h", m.t)) * explicit(m, m.t)\n    D = sp.zeros(1, m.n ** 2)\n    if m.n >= 7:\n        D[0, 17] = 1\n    return g, G + D\n\n@P.part("loss-grad-true", statement="x")\ndef lgt(m):\n    g = m.d(("E", m.t), "W")\n    G = m.d(("E", m.t), ("h", m.t)) * explicit(m, m.t)\n    return g, G\n',
    "param_python_ops": 'import sympy as sp\nfrom symderiv import elman_rnn, parts, sweep, kron, diag, total\n\nP = parts("adv13.ops", where="adv", model=elman_rnn, activation="abstract", statement="x",\n          conventions={"layout": "row-major"})\n\n@P.part("abs-entry", expect="fails", statement="x")\ndef ab(m):\n    J = m.d(("h", m.t), "W")\n    return abs(J[0, 0]), J[0, 0]\n\n@P.part("mod1-entry", expect="fails", statement="x")\ndef md(m):\n    J = m.d(("h", m.t), "W")\n    return J[0, 0] % 1, 0 * J[0, 0]\n\n@P.part("floordiv-entry", expect="fails", statement="x")\ndef fd(m):\n    J = m.d(("h", m.t), "W")\n    return J[0, 0] // 1, J[0, 0]\n\n@P.part("abs-slice", expect="fails", statement="x")\ndef abs_(m):\n    J = m.d(("h", m.t), "W")\n    return abs(J[0:1, 0:1]), J[0:1, 0:1]\n\n@P.part("bool-branch", expect="fails", statement="x")\ndef bb(m):\n    J = m.d(("h", m.t), "W")\n    return (J[0, 0] if J[0, 0] > 0 else -J[0, 0]), J[0, 0]\n\n@P.part("int-pow-neg", expect="fails", statement="x")\ndef ipn(m):\n    J = m.d(("h", m.t), "W")\n    return J[0, 0] ** 2 * J[0, 0] ** -2, 1 + 0 * J[0, 0]\n\n@P.part("hash-eq", expect="fails", statement="x")\ndef he(m):\n    J = m.d(("h", m.t), "W")\n    x = 1 if J[0, 0] == J[0, 1] else 0\n    return J[0, 0] + x, J[0, 0]\n',
    "polar": 'import sympy as sp\nfrom symderiv import matrices, norm2, parts, sweep, eq, rho, sampled, eye\nfrom symderiv.prove.domains import orthogonal_and_spd\nfrom symderiv.families import cayley_orthogonal\n\n\ndef polar(size, rng):   # proofs/avram2025.py\'s sampler: W = U R, U orthogonal (Cayley), R symmetric positive definite\n    n = size["n"]\n    U = cayley_orthogonal(rng, n, lambda r: r.choice([-2, -1, 1, 2]))\n    B = sp.Matrix(n, n, lambda i, j: rng.randint(-2, 2))\n    return U, B.T * B + sp.eye(n) * rng.choice([1, sp.Rational(1, 4)])\n\nP = parts("adv14.polar", kind="inequality", where="adv", given=dict(UR=sampled(polar, domain=orthogonal_and_spd)),\n          sizes=sweep(n=(2,), t=1, fixed=("t",)), statement="x")\n\n@P.part("RU", expect="holds", statement="x")\ndef ru(UR):\n    U, R = UR\n    return eq(norm2(R * U), norm2(R))\n\n@P.part("URU", expect="holds", statement="x")\ndef uru(UR):\n    U, R = UR\n    return eq(norm2(U * R * U), norm2(R))\n\n@P.part("U-plus-R", expect="fails", statement="x")\ndef upr(UR):\n    U, R = UR\n    return eq(norm2(U + R), norm2(eye(2) + R))\n\n@P.part("UR-R2", expect="fails", statement="x")\ndef urr(UR):\n    U, R = UR\n    return eq(norm2(U * R * R), norm2(R))\n\n@P.part("UR-le-rho", expect="fails", statement="x")\ndef url(UR):\n    U, R = UR\n    return norm2(U * R) <= rho(U * R)\n',
    "own_sigma": 'import sympy as sp\nfrom symderiv import avram2025_rnn, matrices, norm2, parts, sweep, vectors, maximum, minimum\n\nG = dict(W=matrices(), h0=vectors())\nP = parts("adv15.own", kind="inequality", where="adv", model=avram2025_rnn, activation="tanh", given=G, statement="x")\n\ndef J(m, W, h0):\n    return m.value(m.d(("h", m.t), ("h", 0)), W=W, h0=h0)\n\n@P.part("max-true", expect="holds", sizes=sweep(n=(1, 2), t=1, fixed=("t",)), prove=(1, 2), statement="x")\ndef mx(m, W, h0):\n    h = m.value(m.h(1), W=W, h0=h0)\n    return norm2(J(m, W, h0)) <= norm2(W) * maximum(*[1 - v ** 2 for v in h])\n\n@P.part("min-false", expect="fails", sizes=sweep(n=(1, 2), t=1, fixed=("t",)), prove=(1, 2), statement="x")\ndef mn(m, W, h0):\n    h = m.value(m.h(1), W=W, h0=h0)\n    return norm2(J(m, W, h0)) <= norm2(W) * minimum(*[1 - v ** 2 for v in h])\n\n@P.part("first-false", expect="fails", sizes=sweep(n=(1, 2), t=1, fixed=("t",)), prove=(1, 2), statement="x")\ndef fi(m, W, h0):\n    h = m.value(m.h(1), W=W, h0=h0)\n    return norm2(J(m, W, h0)) <= norm2(W) * (1 - h[0] ** 2)\n',
    "param_act": 'import sympy as sp\nfrom symderiv import elman_rnn, avram2025_rnn, parts, sweep, kron, diag, total, eye, ones\n\ndef explicit(m, t, dsig):\n    return total((m.d(("h", t), ("h", j)) * kron(diag(dsig(m, j)), m.h(j - 1).T)\n                  for j in range(1, t + 1)), (m.n, m.n ** 2))\n\nT_ = parts("adv6.tanh", where="adv", model=elman_rnn, activation="tanh", statement="x")\n\n@T_.part("one-minus-h2", statement="x")\ndef omh(m):\n    return m.d(("h", m.t), "W"), explicit(m, m.t, lambda m, j: m.h(j).applyfunc(lambda v: 1 - v ** 2))\n\n@T_.part("one-minus-h2-false", expect="fails", statement="x")\ndef omhf(m):\n    return m.d(("h", m.t), "W"), explicit(m, m.t, lambda m, j: m.h(j).applyfunc(lambda v: 1 + v ** 2))\n\n@T_.part("sech2-false-sign", expect="fails", statement="x")\ndef sf(m):\n    return m.d(("h", m.t), "W"), explicit(m, m.t, lambda m, j: m.h(j).applyfunc(lambda v: v ** 2 - 1))\n\nL_ = parts("adv6.logistic", where="adv", model=elman_rnn, activation="logistic", statement="x")\n\n@L_.part("s-one-minus-s", statement="x")\ndef sos(m):\n    return m.d(("h", m.t), "W"), explicit(m, m.t, lambda m, j: m.h(j).applyfunc(lambda v: v * (1 - v)))\n\n@L_.part("quarter-false", expect="fails", statement="x")\ndef qf(m):\n    return m.d(("h", m.t), "W"), explicit(m, m.t, lambda m, j: m.h(j).applyfunc(lambda v: sp.Rational(1, 4) - (v - sp.Rational(1, 2)) ** 2 + sp.Rational(1, 10**20)))\n\n@L_.part("quarter-true", statement="x")\ndef qt(m):\n    return m.d(("h", m.t), "W"), explicit(m, m.t, lambda m, j: m.h(j).applyfunc(lambda v: sp.Rational(1, 4) - (v - sp.Rational(1, 2)) ** 2))\n\n@L_.part("dU", statement="x")\ndef du(m):\n    return m.d(("h", m.t), "b"), total((m.d(("h", m.t), ("h", j)) * diag(m.h(j).applyfunc(lambda v: v * (1 - v)))\n                  for j in range(1, m.t + 1)), (m.n, m.n))\n\n@L_.part("dU-false-last", expect="fails", statement="x")\ndef duf(m):\n    return m.d(("h", m.t), "b"), total((m.d(("h", m.t), ("h", j)) * diag(m.h(j).applyfunc(lambda v: v * (1 - v)))\n                  for j in range(1, m.t)), (m.n, m.n))\n',
}

# ----- trajectory bounds on cells of one's own: a γ too small fails at n = 1, certified ---------------------------

CELLS_FALSE = ["adv2.gain-g1.p", "adv2.gain-g19.p", "adv2.skip-g1.p", "adv2.half-g49.p", "adv2.dbl-g1.p",
               "adv2.lg-g15.p", "adv2.gain-g1-t2.p", "adv2.skip-g1-t2.p"]


@pytest.mark.parametrize("cid", CELLS_FALSE)
def test_trajectory_bound_false_on_own_cell_fails(files, cid):
    assert check_claim(files["cells"][cid]).verdict is Verdict.FAILS


# ----- orthogonal invariance: false right sides that agree at n = 1 fail at n = 2 ---------------------------------

ORTH_FALSE = ["adv3.orth.rho", "adv3.orth.fro-eq", "adv3.orth.ge-fro", "adv3.orth.QMQ-vs-M2", "adv3.orth.sum",
              "adv3.gen.unstated", "adv3.gen.assumed-col0", "adv3.nonsq.MQ", "adv3.nonsq.QtM-nonsq"]


@pytest.mark.parametrize("cid", ORTH_FALSE)
def test_orthogonal_invariance_false_fails(files, cid):
    assert check_claim(files["orthogonal"][cid]).verdict is Verdict.FAILS


# ----- ∂h_t/∂W at n = 8, t = 3 over ℤ/p ---------------------------------------------------------------------------

PARAM = {
    "adv4.param.true": Verdict.HOLDS, "adv4.param.square-true": Verdict.HOLDS,
    "adv4.param.read-entry-true": Verdict.HOLDS, "adv4.param.transpose-true": Verdict.HOLDS,
    "adv4.param.left-mult-true": Verdict.HOLDS,
    "adv4.param.entry": Verdict.FAILS, "adv4.param.entry-small": Verdict.FAILS, "adv4.param.rank1": Verdict.FAILS,
    "adv4.param.square-antisym": Verdict.FAILS, "adv4.param.read-entry-false": Verdict.FAILS,
    "adv4.param.transpose-false": Verdict.FAILS, "adv4.param.left-mult-false": Verdict.FAILS,
    "adv4.param.two-derivs-false": Verdict.FAILS, "adv4.param.swap-layout": Verdict.FAILS,
}
PARAM_BIG = ["adv5.param.entry-big", "adv5.param.antisym-big", "adv5.param.sym-xx-big", "adv5.param.drop-term-big",
             "adv5.param.grad-entry-big"]
PARAM_ACT = {
    "adv6.tanh.one-minus-h2": Verdict.HOLDS, "adv6.tanh.one-minus-h2-false": Verdict.FAILS,
    "adv6.tanh.sech2-false-sign": Verdict.FAILS, "adv6.logistic.s-one-minus-s": Verdict.HOLDS,
    "adv6.logistic.quarter-false": Verdict.FAILS, "adv6.logistic.quarter-true": Verdict.HOLDS,
    "adv6.logistic.dU": Verdict.HOLDS, "adv6.logistic.dU-false-last": Verdict.FAILS,
}


@pytest.mark.parametrize("cid", list(PARAM))
def test_parameter_derivative_n8(files, cid):
    assert check_claim(files["param"][cid], n=(8,), t=(3,)).verdict is PARAM[cid]


@pytest.mark.parametrize("cid", PARAM_BIG)
def test_parameter_derivative_false_only_at_large_n_fails(files, cid):
    assert check_claim(files["param_big"][cid], n=(8,), t=(3,)).verdict is Verdict.FAILS


@pytest.mark.parametrize("cid", list(PARAM_ACT))
def test_parameter_derivative_activation_n8(files, cid):
    assert check_claim(files["param_act"][cid], n=(8,), t=(3,)).verdict is PARAM_ACT[cid]


# ----- the wrong matrix in the bound, ∂h/∂W bounded by ‖W‖ (its bound is ‖h_0‖/4) ---------------------------------

@pytest.mark.parametrize("cid", ["adv8.wrongmat.U", "adv8.wrongmat.dW-vs-W", "adv8.wrongmat.dW-vs-h0-strict"])
def test_trajectory_bound_wrong_matrix_fails(files, cid):
    assert check_claim(files["wrong_matrix"][cid]).verdict is Verdict.FAILS


# ----- a check that branches on a claim value (W[0,0] == 7/3, isinstance Symbol): the symbolic run the kernel
# reads would be another claim than the search's; the guard refuses it (error), never holds -------------------------

@pytest.mark.parametrize("cid", ["adv9.branch.eq-branch", "adv9.branch.is-symbol"])
def test_trajectory_branch_on_value_is_refused(files, cid):
    assert check_claim(files["branch"][cid]).verdict is Verdict.ERROR


# ----- products of parameter derivatives at n = 8, t = 2: JJᵀ, JᵀJ (an antisymmetric difference at n ≥ 7),
# a loss's gradient with one entry off at n ≥ 7 (tr(JᵀJ) is not over F_p: the exact
# normal form decides it, correctly, in 7–14 s, too slow to keep here) -----------------------------------------

PARAM_PRODUCTS = {
    "adv10.param.gram-true": Verdict.HOLDS, "adv10.param.gram-false": Verdict.FAILS,
    "adv10.param.JTJ-false": Verdict.FAILS, "adv10.param.loss-grad-false": Verdict.FAILS,
    "adv10.param.loss-grad-true": Verdict.HOLDS,
}


@pytest.mark.parametrize("cid", list(PARAM_PRODUCTS))
def test_parameter_derivative_products_n8(files, cid):
    assert check_claim(files["param_products"][cid], n=(8,), t=(2,)).verdict is PARAM_PRODUCTS[cid]


# ----- Python's own operations on an entry of ∂h_t/∂W at n = 8 (abs, % 1, // 1, a comparison, ==): over F_p an
# entry is a residue, for which abs(x) = x or x % 1 = 0 would be true; none of these false claims holds -----------

PYTHON_OPS = ["adv13.ops.abs-entry", "adv13.ops.mod1-entry", "adv13.ops.floordiv-entry", "adv13.ops.abs-slice",
              "adv13.ops.bool-branch", "adv13.ops.hash-eq"]


@pytest.mark.parametrize("cid", PYTHON_OPS)
def test_python_operation_on_a_residue_never_holds(files, cid):
    assert check_claim(files["param_python_ops"][cid], n=(8,), t=(2,)).verdict is not Verdict.HOLDS


# ----- the polar domain (orthogonal_and_spd): false readings beside ‖RU‖₂ = ‖R‖₂ fail at n = 2 --------------------

@pytest.mark.parametrize("cid", ["adv14.polar.U-plus-R", "adv14.polar.UR-R2", "adv14.polar.UR-le-rho"])
def test_polar_domain_false_readings_fail(files, cid):
    assert check_claim(files["polar"][cid]).verdict is Verdict.FAILS


# ----- the bound by the trajectory's own tanh′ values: max_i (1 − h_{1,i}²) is a bound (diagonal-norm), min_i and
# the first entry are equal to it at n = 1 and false at n = 2 ---------------------------------------------------

@pytest.mark.parametrize("cid", ["adv15.own.min-false", "adv15.own.first-false"])
def test_own_derivative_bound_false_at_n2_fails(files, cid):
    assert check_claim(files["own_sigma"][cid]).verdict is Verdict.FAILS


def test_own_derivative_bound_max_holds(files):
    """‖∂h_1/∂h_0‖₂ ≤ ‖W‖₂ maxᵢ(1 − h_{1,i}²): proved at n = 2 by the chain (submultiplicative, diagonal-norm)."""
    assert check_claim(files["own_sigma"]["adv15.own.max-true"]).verdict is Verdict.HOLDS
