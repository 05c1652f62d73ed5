"""Exact check of a Positivstellensatz-style certificate: a polynomial identity over Q.

A certificate says: on every real point where each ``g_i ≥ 0`` and each
``h_j = 0``, the polynomial ``p`` is ≥ 0 (``kind=">="``) or = 0 (``kind="="``),
because

    p  =  Σ_k c_k · s_k² · Π_{i ∈ I_k} g_i      (c_k ≥ 0 rational; s_k any polynomial; I_k a multiset)
        + zᵀ Q z                                (Q symmetric rational PSD, z a vector of polynomials)
        + Σ_j m_j · h_j                          (m_j any polynomials)

holds as an identity of polynomials with rational coefficients. Each term on
the right is ≥ 0 (or 0) at such a point, so p is too. For ``kind="="`` there
may be no nonnegative terms at all (ideal membership), and the identity may be
scaled by nonzero factors: ``Π_{i ∈ S} d_i · p = Σ m_j h_j`` with each ``d_i ≠ 0``
a hypothesis (``nonzero``), which gives p = 0 (a denominator cleared: the
quotient q = x/y is defined by q·y − x = 0 and y ≠ 0). This module checks it
with its own means: exact expansion of polynomials over Q (SymPy's ``Poly``
over QQ), the signs of the c_k, and Q ⪰ 0 by an exact LDLᵀ decomposition
(symmetric Gaussian elimination over Q; a zero pivot needs a zero row). It
trusts nothing the prover computed; a certificate that does not check is
rejected with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp


@dataclass(frozen=True)
class Certificate:
    goal: sp.Expr                 # p
    kind: str                     # ">=" (p ≥ 0) or "=" (p = 0)
    hypotheses: tuple = ()        # g_i, each meaning g_i ≥ 0
    equalities: tuple = ()        # h_j, each meaning h_j = 0
    products: tuple = ()          # (c_k, s_k, (i, …)): c_k · s_k² · Π g_i
    gram: tuple = ((), ())        # (z: polynomials, Q: tuple of rows of rationals)
    multipliers: tuple = ()       # (m_j, j): m_j · h_j
    nonzero: tuple = ()           # d_i, each meaning d_i ≠ 0
    scaled: tuple = ()            # (i, …): the goal is multiplied by Π d_i (a multiset; kind "=" only)
    name: str = ""                # what the certificate proves, in words
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def describe(self) -> str:
        rel = "≥ 0" if self.kind == ">=" else "= 0"
        terms = []
        for c, s, idx in self.products:
            sq = "" if s == 1 else f"({sp.sstr(s)})²"
            gs = "·".join(f"g{i + 1}" for i in idx)
            terms.append("·".join(x for x in (sp.sstr(c) if c != 1 else "", sq, gs) if x) or "1")
        if self.gram[0]:
            terms.append(f"zᵀQz (Q ⪰ 0, {len(self.gram[0])}×{len(self.gram[0])})")
        if self.multipliers:
            terms.append(f"Σ mⱼhⱼ ({len(self.multipliers)} terms)")
        scale = "·".join(f"({sp.sstr(self.nonzero[i])})" for i in self.scaled)
        head = f"{scale}·({sp.sstr(self.goal)})" if scale else sp.sstr(self.goal)
        tail = f" with {', '.join(sorted({sp.sstr(self.nonzero[i]) for i in self.scaled}))} ≠ 0" if scale else ""
        return f"{sp.sstr(self.goal)} {rel}: {head} equals " + " + ".join(terms or ["0"]) + tail


def _ldl_psd(Q: sp.Matrix) -> bool:
    """Q ⪰ 0, exactly: symmetric elimination; every pivot ≥ 0, and a zero pivot has a zero column below it."""
    A = sp.Matrix(Q)
    n = A.rows
    for k in range(n):
        piv = A[k, k]
        if piv < 0:
            return False
        if piv == 0:
            if any(A[i, k] != 0 for i in range(k + 1, n)):
                return False
            continue
        for i in range(k + 1, n):
            f = A[i, k] / piv
            if f != 0:
                for j in range(k + 1, n):
                    A[i, j] -= f * A[k, j]
    return True


def check(cert: Certificate) -> tuple[bool, str]:
    """(accepted, reason). The identity is expanded over Q with every symbol as an indeterminate."""
    try:
        return _check(cert)
    except Exception as e:  # a malformed certificate is rejected, never a crash
        return False, f"malformed certificate: {type(e).__name__}: {e}"


def _rational(x) -> bool:
    return isinstance(x, sp.Rational) or isinstance(x, sp.Integer)


def _check(cert: Certificate) -> tuple[bool, str]:
    if cert.kind not in (">=", "="):
        return False, f"kind {cert.kind!r} is neither '>=' nor '='"
    rhs = sp.Integer(0)
    for c, s, idx in cert.products:
        c = sp.sympify(c)
        if not _rational(c) or c < 0:
            return False, f"the coefficient {c} is not a nonnegative rational"
        if cert.kind == "=" :
            return False, "an equality is certified by multipliers of the equalities only"
        term = c * sp.sympify(s) ** 2
        for i in idx:
            term *= cert.hypotheses[i]
        rhs += term
    z, rows = cert.gram
    if z:
        if cert.kind == "=":
            return False, "an equality is certified by multipliers of the equalities only"
        Q = sp.Matrix([[sp.sympify(x) for x in r] for r in rows])
        if Q.shape != (len(z), len(z)) or Q != Q.T or not all(_rational(x) for x in Q):
            return False, "the Gram matrix is not a symmetric rational matrix of the basis' size"
        if not _ldl_psd(Q):
            return False, "the Gram matrix is not positive semidefinite (exact LDLᵀ)"
        zv = sp.Matrix(list(z))
        rhs += (zv.T * Q * zv)[0, 0]
    for m, j in cert.multipliers:
        rhs += sp.sympify(m) * cert.equalities[j]
    lhs = sp.sympify(cert.goal)
    if cert.scaled:
        if cert.kind != "=":
            return False, "only an equality may be scaled by nonzero factors"
        for i in cert.scaled:
            d = sp.expand(sp.sympify(cert.nonzero[i]))
            if d == 0:
                return False, "a nonzero factor is the zero polynomial"
            lhs = lhs * d
    diff = sp.expand(lhs - rhs)
    gens = sorted(diff.free_symbols, key=str)
    if diff != 0 and (not gens or not sp.Poly(diff, *gens, domain="QQ").is_zero):
        return False, f"the identity does not hold: goal − certificate = {sp.sstr(diff)[:120]}"
    for x in list(cert.hypotheses) + list(cert.equalities) + list(cert.nonzero) + [cert.goal]:
        if sp.sympify(x).atoms(sp.Float):
            return False, "a float in the certificate"
    return True, "the polynomial identity holds over Q" + (" and the Gram matrix is PSD (exact LDLᵀ)" if z else "")


def check_step(small, big, certs, squared: bool) -> tuple[bool, str]:
    """small ≤ big from certificates: big − small ≥ 0, or big ≥ 0 and big² − small² ≥ 0 (then small ≤ |small| ≤ big)."""
    small, big = sp.sympify(small), sp.sympify(big)
    if squared:
        if len(certs) != 2:
            return False, "the squared form needs two certificates"
        want = [sp.expand(big), sp.expand(big ** 2 - small ** 2)]
    else:
        if len(certs) != 1:
            return False, "the direct form needs one certificate"
        want = [sp.expand(big - small)]
    for cert, w in zip(certs, want):
        if cert.kind != ">=" or sp.expand(sp.sympify(cert.goal) - w) != 0:
            return False, f"a certificate proves {sp.sstr(cert.goal)[:80]} ≥ 0, not {sp.sstr(w)[:80]} ≥ 0"
        ok, why = check(cert)
        if not ok:
            return False, why
    return True, "every certificate checks exactly"
