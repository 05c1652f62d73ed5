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
with its own means: exact polynomial arithmetic over Q (python-flint's
``fmpq_mpoly``, each SymPy expression read term by term), the signs of the c_k, and Q ⪰ 0 by an exact LDLᵀ decomposition
(symmetric Gaussian elimination over Q; a zero pivot needs a zero row). It
trusts nothing the prover computed; a certificate that does not check is
rejected with the reason.
"""
from __future__ import annotations

import functools
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


def _ldl_psd(Q: list) -> bool:
    """Q ⪰ 0, exactly: symmetric elimination; every pivot ≥ 0, and a zero pivot has a zero column below it."""
    import flint

    A = [[flint.fmpq(int(x.p), int(x.q)) for x in row] for row in Q]
    n = len(A)
    for k in range(n):
        piv = A[k][k]
        if piv < 0:
            return False
        if piv == 0:
            if any(A[i][k] != 0 for i in range(k + 1, n)):
                return False
            continue
        for i in range(k + 1, n):
            f = A[i][k] / piv
            if f != 0:
                for j in range(k + 1, n):
                    A[i][j] -= f * A[k][j]
    return True


class _Float(Exception):
    """A float met while reading a certificate's polynomial: an exact certificate has none."""


class _Polys:
    """SymPy polynomial expressions read into one python-flint ``fmpq_mpoly`` ring over all their symbols.

    Only sums, products, nonnegative integer powers, symbols and rationals are read; anything else (a float, a
    square root, a function) is not a polynomial over Q and rejects the certificate.
    """

    def __init__(self, exprs):
        import flint

        syms: set = set()
        for e in exprs:
            syms |= sp.sympify(e).free_symbols
        self.syms = sorted(syms, key=sp.default_sort_key)
        names = [x.name for x in self.syms]
        names = [n if names.count(n) == 1 else f"{n}_{i}" for i, n in enumerate(names)]
        self.ctx = flint.fmpq_mpoly_ctx.get(tuple(names) or ("_",), "lex")
        gens = self.ctx.gens()
        self.gen = dict(zip(self.syms, gens))
        self.fmpq = flint.fmpq
        self.memo: dict = {}

    def __call__(self, e):
        e = sp.sympify(e)
        got = self.memo.get(e)
        if got is None:
            got = self.memo[e] = self._read(e)
        return got

    def _read(self, e):
        if e.is_Symbol:
            return self.gen[e]
        if e.is_Rational:
            return self.ctx.constant(self.fmpq(int(e.p), int(e.q)))
        if e.is_Float:
            raise _Float()
        if e.is_Add:
            out = self.ctx.constant(0)
            for a in e.args:
                out += self(a)
            return out
        if e.is_Mul:
            out = self.ctx.constant(1)
            for a in e.args:
                out *= self(a)
            return out
        if e.is_Pow and e.exp.is_Integer and e.exp >= 0:
            return self(e.base) ** int(e.exp)
        raise ValueError(f"not a polynomial over Q: {sp.sstr(e)[:60]}")

    def expr(self, p) -> sp.Expr:
        """A polynomial of the ring as a SymPy expression (for a rejection's message)."""
        return sp.Add(*[sp.Rational(int(c.p), int(c.q)) * sp.Mul(*[x ** k for x, k in zip(self.syms, m)])
                        for m, c in zip(p.monoms(), p.coeffs())])


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
    if cert.kind == "=" and (cert.products or cert.gram[0]):
        return False, "an equality is certified by multipliers of the equalities only"
    if cert.scaled and cert.kind != "=":
        return False, "only an equality may be scaled by nonzero factors"
    for c, _, _ in cert.products:
        c = sp.sympify(c)
        if not _rational(c) or c < 0:
            return False, f"the coefficient {c} is not a nonnegative rational"
    z, rows = cert.gram
    if z:
        Q = [[sp.sympify(x) for x in r] for r in rows]
        if len(Q) != len(z) or any(len(r) != len(z) for r in Q) or not all(_rational(x) for r in Q for x in r) \
                or any(Q[a][b] != Q[b][a] for a in range(len(z)) for b in range(a)):
            return False, "the Gram matrix is not a symmetric rational matrix of the basis' size"
        if not _ldl_psd(Q):
            return False, "the Gram matrix is not positive semidefinite (exact LDLᵀ)"
    for x in list(cert.hypotheses) + list(cert.equalities) + list(cert.nonzero) + [cert.goal]:
        if _has_float(sp.sympify(x)):
            return False, "a float in the certificate"
    # the identity, in exact polynomial arithmetic over Q (python-flint): goal · Π dᵢ − (every term) = 0
    used = [cert.goal] + [s for _, s, _ in cert.products] + [cert.hypotheses[i] for _, _, idx in cert.products
                                                             for i in idx]
    used += list(z) + [m for m, _ in cert.multipliers] + [cert.equalities[j] for _, j in cert.multipliers]
    used += [cert.nonzero[i] for i in cert.scaled]
    try:
        poly = _Polys(used)
        rhs = poly.ctx.constant(0)
        for c, s, idx in cert.products:
            term = poly(c) * poly(s) ** 2
            for i in idx:
                term *= poly(cert.hypotheses[i])
            rhs += term
        if z:
            zs = [poly(x) for x in z]
            for a in range(len(z)):
                for b in range(len(z)):
                    if Q[a][b] != 0:
                        rhs += poly(Q[a][b]) * zs[a] * zs[b]
        for m, j in cert.multipliers:
            rhs += poly(m) * poly(cert.equalities[j])
        lhs = poly(cert.goal)
        for i in cert.scaled:
            d = poly(cert.nonzero[i])
            if d == 0:
                return False, "a nonzero factor is the zero polynomial"
            lhs = lhs * d
    except _Float:
        return False, "a float in the certificate"
    diff = lhs - rhs
    if diff != 0:
        return False, f"the identity does not hold: goal − certificate = {sp.sstr(poly.expr(diff))[:120]}"
    return True, "the polynomial identity holds over Q" + (" and the Gram matrix is PSD (exact LDLᵀ)" if z else "")


@functools.lru_cache(maxsize=4096)
def _has_float(e) -> bool:
    return bool(e.atoms(sp.Float))


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
