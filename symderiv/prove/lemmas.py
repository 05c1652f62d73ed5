"""A small library of norm and spectral lemmas, each instance checked exactly before it is used.

A plain encoding of ‖W diag(d)‖₂ ≤ ‖W‖₂ max|dᵢ| or ‖AB‖_F ≤ ‖A‖₂‖B‖_F is out
of reach of nlsat at n = 2 (minutes, then unknown). What a person would use is
a handful of facts; here each is *instantiated* at vectors of the problem and
added to the sentence as a constraint, and each instance comes with a
Positivstellensatz certificate (:mod:`symderiv.kernel.sos`) from the
sentence's own definitions, which the kernel checks exactly first. An
instance is a consequence of constraints already in the sentence, so adding
it never removes a real solution: a proof with the instances is a proof
without them.

* **PSD quadratic form** (s = ‖M‖₂ with s²I − MᵀM = R Rᵀ): s²‖y‖² − ‖My‖² ≥ 0,
  since it equals ‖Rᵀy‖² + yᵀ(s²I − MᵀM − RRᵀ)y;
* **isometry** (QᵀQ = I): ‖Qy‖² = ‖y‖², since it is yᵀ(QᵀQ − I)y;
* **orthogonal spectrum** (QᵀQ = I, Q(u + iw) = (p + iq)(u + iw), ‖u‖² + ‖w‖² = 1):
  p² + q² = 1 (the ideal-membership certificate below);
* **max of moduli** (m = max(|x₁|, …), a = |xᵢ|): m² − xᵢ² ≥ 0
  = (m − a)² + 2a(m − a) + (a² − xᵢ²);
* **vanishing sum of squares** (v² = Σ cₖ Bₖ², cₖ > 0, as ‖QᵀQ − I‖_F for a Q
  built by Gram–Schmidt): each Bₖ = 0 by an ideal-membership certificate
  scaled by the sentence's nonzero denominators (Π dᵢ · Bₖ = Σ mⱼhⱼ, found by
  eliminating the quotient and root variables newest first: pseudo-division
  by q·d − x, division by r² − x), then −v² ≥ 0;
* **orthogonal invariance** (A = QBQᵀ, QᵀQ = QQᵀ = I, s = ‖A‖₂, t = ‖B‖₂):
  t² − s² ≥ 0 and s² − t² ≥ 0, each as one PSD-form instance at the other
  norm's witness moved by Q (y = Qᵀx or y = Qx) plus an ideal-membership part
  in the entries of QᵀQ − I and QQᵀ − I (multipliers found by
  :func:`_ideal`, substituting QᵀQ = I + E symbolically), so that
  ‖CVCᵀ‖₂ = ‖V‖₂ needs no search at all.

Instances are taken at the vectors of the problem: the witnesses x of the
norms, the columns of the given matrices, and their images under the given
matrices and their transposes (two levels), at most :data:`MAX_VECTORS`.
"""
from __future__ import annotations

import sympy as sp

from ..kernel.sos import Certificate, check
from .encode import Witness

MAX_VECTORS = 24

#: the kernel's answer on each lemma certificate already checked in this process: the two halves of an
#: equality and the plain retry rebuild the same sentence (same variable names), hence the same certificates
_CHECKED: dict = {}


def _quad(y: sp.Matrix, D: sp.Matrix, eq_index: dict) -> list:
    """Multipliers expressing yᵀDy for a symmetric D whose upper entries are equalities of the sentence."""
    out = []
    n = D.rows
    for i in range(n):
        for j in range(i, n):
            if D[i, j] == 0:
                continue
            out.append((_signed(sp.expand((1 if i == j else 2) * y[i] * y[j]), D[i, j]), eq_index[_key(D[i, j])]))
    return out


def _key(poly) -> sp.Expr:
    """A polynomial up to sign, as the constraint lists store it."""
    p = sp.expand(poly)
    q = sp.expand(-p)
    return p if sp.default_sort_key(p) <= sp.default_sort_key(q) else q


class Library:
    """The sentence's constraints as polynomials (g ≥ 0, h = 0), and the lemma instances added to it."""

    def __init__(self, enc):
        self.enc = enc
        self.ge: list = []
        self.eq: list = []
        self.eq_index: dict = {}
        for c in enc.constraints:
            if isinstance(c, sp.Eq):
                h = sp.expand(c.lhs - c.rhs)
                self.eq_index.setdefault(_key(h), len(self.eq))
                self.eq.append(_key(h))
            elif isinstance(c, (sp.Ge, sp.Gt)):
                self.ge.append(sp.expand(c.lhs - c.rhs))
            elif isinstance(c, (sp.Le, sp.Lt)):
                self.ge.append(sp.expand(c.rhs - c.lhs))
        self.nonzero: list = [sp.expand(c.lhs - c.rhs) for c in enc.constraints if isinstance(c, sp.Ne)]
        self.used: list = []     # (lemma name, certificate)
        self.rejected: list = []
        self.added: list = []    # the constraints the instances added to the sentence (what the solvers may omit)

    def _ge(self, g) -> int:
        g = sp.expand(g)
        self.ge.index(g)  # ValueError when the hypothesis is not a constraint of the sentence
        return self.ge.index(g)

    def add(self, name: str, cert: Certificate) -> None:
        """Add the instance if the kernel accepts its certificate; otherwise record the rejection."""
        if not cert.name:
            import dataclasses

            cert = dataclasses.replace(cert, name=name)
        if cert not in _CHECKED:
            _CHECKED[cert] = check(cert)
        ok, why = _CHECKED[cert]
        if not ok:
            self.rejected.append((name, why))
            return
        self.used.append((name, cert))
        self.enc.hints.append(cert)
        constraint = sp.Ge(cert.goal, 0) if cert.kind == ">=" else sp.Eq(cert.goal, 0)
        self.added.append(constraint)
        self.enc.add(constraint)
        if cert.kind == ">=":
            self.ge.append(sp.expand(cert.goal))
        else:
            self.eq_index.setdefault(_key(cert.goal), len(self.eq))
            self.eq.append(_key(cert.goal))

    # ----- the lemmas ----------------------------------------------------------------

    def psd_form(self, norm: dict, y: sp.Matrix) -> None:
        s, M, R, G = norm["s"], norm["M"], norm["R"], norm["G"]
        n = G.rows
        D = (s ** 2 * sp.eye(n) - G - R * R.T).applyfunc(sp.expand)
        goal = sp.expand(s ** 2 * (y.T * y)[0, 0] - ((M * y).T * (M * y))[0, 0])
        rt = R.T * y
        try:
            mult = _quad(y, D, self.eq_index)
        except KeyError:
            return
        self.add("‖My‖ ≤ ‖M‖₂‖y‖", Certificate(goal, ">=", tuple(self.ge), tuple(self.eq),
                                               products=tuple((1, sp.expand(r), ()) for r in rt),
                                               multipliers=tuple(mult)))

    def isometry(self, Q: sp.Matrix, y: sp.Matrix, transpose: bool) -> None:
        A = Q.T if transpose else Q
        O = (A.T * A - sp.eye(A.cols)).applyfunc(sp.expand)
        goal = sp.expand(((A * y).T * (A * y))[0, 0] - (y.T * y)[0, 0])
        try:
            mult = _quad(y, O, self.eq_index)
        except KeyError:
            return
        self.add("‖Qy‖ = ‖y‖", Certificate(goal, "=", tuple(self.ge), tuple(self.eq), multipliers=tuple(mult)))

    def orthogonal_spectrum(self, e: dict) -> None:
        M, p, q, u, w = e["M"], e["p"], e["q"], e["u"], e["w"]
        lam = p ** 2 + q ** 2
        a, b = p * u - q * w, q * u + p * w
        O = (M.T * M - sp.eye(M.cols)).applyfunc(sp.expand)
        E1 = (M * u - a).applyfunc(sp.expand)
        E2 = (M * w - b).applyfunc(sp.expand)
        N = sp.expand((u.T * u + w.T * w)[0, 0]) - 1
        try:
            mult = _quad(u, O, self.eq_index) + _quad(w, O, self.eq_index)
            for E, v in ((E1, M * u + a), (E2, M * w + b)):
                for i in range(E.rows):
                    mult.append((_signed(-v[i], E[i]), self.eq_index[_key(E[i])]))
            mult.append((_signed(-(lam - 1), N), self.eq_index[_key(N)]))
        except KeyError:
            return
        self.add("|λ| = 1 for orthogonal Q", Certificate(sp.expand(lam - 1), "=", tuple(self.ge), tuple(self.eq),
                                                       multipliers=tuple(mult)))

    def orthogonal_invariance(self, big: dict, small: dict, Q: sp.Matrix) -> None:
        """big["M"] = Q small["M"] Qᵀ with Q orthogonal: ‖small‖₂² − ‖big‖₂² ≥ 0 and its converse."""
        A, B = big["M"], small["M"]
        n = Q.rows
        if B.shape != (n, n) or A.shape != (n, n) or not (A - Q * B * Q.T).applyfunc(sp.expand).is_zero_matrix:
            return
        I = sp.eye(n)
        E, emap = _placeholders((Q.T * Q - I).applyfunc(sp.expand), "e")
        F, fmap = _placeholders((Q * Q.T - I).applyfunc(sp.expand), "f")
        allmap = {**emap, **fmap}
        # (nm, the other norm, y as the other witness moved by Q, ‖y‖² and ‖My‖² with QᵀQ = I + E, QQᵀ = I + F)
        for nm, other in ((small, big), (big, small)):
            x = other["x"]
            if nm is small:   # y = Qᵀx: ‖y‖² = xᵀ(I + F)x, ‖By‖² = ‖BQᵀx‖², and ‖Ax‖² = ‖QBQᵀx‖² = (BQᵀx)ᵀ(I + E)(BQᵀx)
                y = Q.T * x
                ny2 = (x.T * (I + F) * x)[0, 0]
                v = B * Q.T * x
                my2 = (v.T * v)[0, 0]
                ox2 = (v.T * (I + E) * v)[0, 0]
            else:             # y = Qx: ‖y‖² = xᵀ(I + E)x, ‖Ay‖² = ‖Q B (I + E) x‖² = (B(I + E)x)ᵀ(I + E)(B(I + E)x)
                y = Q * x
                ny2 = (x.T * (I + E) * x)[0, 0]
                v = B * (I + E) * x
                my2 = (v.T * (I + E) * v)[0, 0]
                ox2 = (x.T * B.T * B * x)[0, 0]
            before = len(self.ge)
            self.psd_form(nm, y)
            if len(self.ge) == before:
                return
            gi = len(self.ge) - 1
            s, t = nm["s"], other["s"]
            goal = sp.expand(s ** 2 - t ** 2)
            # goal − (s²‖y‖² − ‖My‖²) = s²(1 − ‖y‖²) + ‖My‖² − t², split as
            # −s²(‖y‖² − ‖x‖²) − s²(‖x‖² − 1) + (‖My‖² − ‖Ox‖²) + (‖Ox‖² − t²), where ‖Ox‖² = xᵀG_other x
            part = _ideal(-s ** 2 * (ny2 - (x.T * x)[0, 0]) + (my2 - ox2), allmap)
            if part is None:
                return
            unit = sp.expand((x.T * x)[0, 0] - 1)
            wit = sp.expand((x.T * other["G"] * x)[0, 0] - t ** 2)
            try:
                mult = [(_signed(m, h), self.eq_index[_key(h)]) for m, h in part]
                mult.append((_signed(-s ** 2, unit), self.eq_index[_key(unit)]))
                mult.append((_signed(sp.Integer(1), wit), self.eq_index[_key(wit)]))
            except KeyError:
                return
            self.add("‖QMQᵀ‖₂ = ‖M‖₂ for orthogonal Q", Certificate(
                goal, ">=", tuple(self.ge), tuple(self.eq), products=((1, 1, (gi,)),), multipliers=tuple(mult)))

    def _definitions(self) -> dict:
        """variable → (index of its defining equality, kind): "div" (d·v − x, d ≠ 0 in the sentence) or "root"
        (v² − x); only the encoder's own variables (its Witnesses)."""
        nz = {_key(d): d for d in self.nonzero}
        out = {}
        for j, h in enumerate(self.eq):
            for v in h.free_symbols:
                if not isinstance(v, Witness) or v in out:
                    continue
                ph = sp.Poly(h, v)
                if ph.degree() == 1 and _key(ph.LC()) in nz:
                    out[v] = (j, "div", nz[_key(ph.LC())])
                elif ph.degree() == 2 and ph.LC() in (1, -1) and ph.coeff_monomial(v) == 0:
                    out[v] = (j, "root", ph.LC())
        return out

    def vanish(self, P, defs: dict, max_steps: int = 40):
        """(scale, multipliers) with Π nonzero[i] · P = Σ m·eq[j], or None: the newest defined variable of P is
        eliminated first, a quotient v (lc·v − x = 0, lc ≠ 0) by v ↦ x/lc times lc^k, a root (v² − x = 0) by
        v² ↦ x; in sparse polynomial arithmetic (SymPy's rings), the result checked by the kernel afterwards."""
        from sympy.polys.rings import ring

        P = sp.expand(P)
        gens = set(P.free_symbols)
        for j, _, _ in defs.values():
            gens |= self.eq[j].free_symbols
        gens = sorted(gens, key=str)
        R, *_ = ring(gens, sp.QQ)
        g = dict(zip(gens, R.gens))
        p = R.from_expr(P) if P.free_symbols else R(P)
        steps: list = []   # (multiplier as a ring element, j, lc, k): lc^k · P_before = P_after + multiplier·h
        done: set = set()

        def order(v):
            tail = "".join(ch for ch in v.name if ch.isdigit())
            return int(tail) if tail else -1

        for _ in range(max_steps):
            present = {gens[i] for m in p.monoms() for i, e in enumerate(m) if e}
            todo = [v for v in present if v in defs and v not in done]
            if not todo:
                break
            v = max(todo, key=order)
            done.add(v)
            j, kind, lc = defs[v]
            h = R.from_expr(self.eq[j])
            V = g[v]
            k = p.degree(V)
            if kind == "root":
                sign = int(lc)            # h = sign·(v² − x)
                x = sign * h - V ** 2
                x = -x                    # v² − x = sign·h  ⇒  x = v² − sign·h
                if k < 2:
                    continue
                rest, mult = R(0), R(0)
                for i in range(k + 1):
                    a = p.coeff_wrt(V, i)
                    if a == 0:
                        continue
                    m2, r = divmod(i, 2)
                    rest += a * V ** r * x ** m2
                    if m2:   # a·v^r·(v^{2m} − x^m) = a·v^r·(v² − x)·Σ v^{2t} x^{m−1−t}
                        mult += a * V ** r * sum((V ** (2 * t) * x ** (m2 - 1 - t) for t in range(m2)), R(0))
                steps.append((sign * mult, j, None, 0))
                p = rest
                continue
            L = R.from_expr(lc)
            hl = h.coeff_wrt(V, 1)
            sign = 1 if hl == L else (-1 if hl == -L else 0)
            if sign == 0 or lc not in self.nonzero:
                return None
            x = -(sign * h - L * V)       # lc·v − x = sign·h
            rest, mult = R(0), R(0)
            for i in range(k + 1):
                a = p.coeff_wrt(V, i)
                if a == 0:
                    continue
                rest += a * L ** (k - i) * x ** i
                if i:        # a·lc^{k−i}·((lc v)^i − x^i) = a·lc^{k−i}·(lc v − x)·Σ (lc v)^t x^{i−1−t}
                    mult += a * L ** (k - i) * sum(((L * V) ** t * x ** (i - 1 - t) for t in range(i)), R(0))
            steps.append((sign * mult, j, lc, k))
            p = rest
        if p != 0:
            return None
        # Π lc^k · P = Σ (later scales) · mult·h: each step's multiplier times the scales of the steps after it
        scale: list = []
        out: list = []
        factor = R(1)
        for mult, j, lc, k in reversed(steps):
            out.append(((factor * mult).as_expr(), j))
            if lc is not None and k:
                factor *= R.from_expr(lc) ** k
                scale += [self.nonzero.index(lc)] * k
        return scale, out

    def vanishing_square_sum(self, v, rhs) -> None:
        """v² = Σ cₖ Bₖ² with every Bₖ = 0 (certified): −v² ≥ 0, i.e. v = 0."""
        terms = rhs.args if isinstance(rhs, sp.Add) else (rhs,)
        parts = []
        for t in terms:
            c, b = t.as_coeff_Mul()
            base, e = b.as_base_exp()
            if not (c.is_Rational and c > 0 and e == 2):
                return
            parts.append((c, sp.expand(base)))
        defs = self._definitions()
        zero_idx = []
        for c, base in parts:
            found = self.vanish(base, defs)
            if found is None:
                return
            scale, mult = found
            self.add("a term of a vanishing sum of squares is 0", Certificate(
                base, "=", tuple(self.ge), tuple(self.eq), multipliers=tuple(mult), nonzero=tuple(self.nonzero),
                scaled=tuple(scale)))
            if not self.used or sp.expand(self.used[-1][1].goal - base) != 0:
                return
            zero_idx.append((c, base, self.eq_index[_key(base)]))
        d = sp.expand(v ** 2 - rhs)
        try:
            mult = [(_signed(sp.Integer(-1), d), self.eq_index[_key(d)])]
        except KeyError:
            return
        mult += [(_signed(-c * base, base), j) for c, base, j in zero_idx]
        self.add("v² = Σ cₖBₖ² with every Bₖ = 0", Certificate(
            sp.expand(-v ** 2), ">=", tuple(self.ge), tuple(self.eq), multipliers=tuple(mult)))

    def _nonneg(self, p):
        """(c, indices) with p = c·Π g_i, c > 0 rational (p itself a hypothesis, or two factors each one), or
        None."""
        p = sp.expand(p)
        if p in self.ge:
            return 1, (self.ge.index(p),)
        c, facs = sp.factor_list(p)
        flat = [f for f, k in facs for _ in range(k)]
        if len(flat) != 2:
            return None
        for s1 in (1, -1):
            for s2 in (1, -1):
                if c * s1 * s2 <= 0:
                    continue
                fa, fb = sp.expand(s1 * flat[0]), sp.expand(s2 * flat[1])
                if fa in self.ge and fb in self.ge:
                    return c * s1 * s2, (self.ge.index(fa), self.ge.index(fb))
        return None

    def diagonal_scaling(self, a: dict, b: dict, d: list, m, args: list, gp: int, side: str = "right") -> None:
        """‖M diag(d)‖₂ ≤ ‖M‖₂·max(d) for dⱼ ≥ 0 (a["M"] = b["M"]·diag(d), m = max(args) with args = d): with
        s = ‖MD‖₂ (witness x, ‖x‖ = 1, ‖MDx‖² = s²), u = ‖M‖₂ and P = u²‖Dx‖² − ‖MDx‖² ≥ 0 (the PSD form at
        y = Dx, hypothesis ``gp``),

            u²m² − s² = Σⱼ u²xⱼ²((m − dⱼ)² + 2dⱼ(m − dⱼ)) + P − u²m²(‖x‖² − 1) + (‖MDx‖² − s²),

        and u·m ≥ 0 as u·((m − d₀) + d₀): the two certificates of the squared form s ≤ u·m. For D on the left
        (a["M"] = diag(d)·b["M"]), P = u²‖x‖² − ‖Mx‖² and, with z = Mx,

            u²m² − s² = m²P + Σᵢ zᵢ²((m − dᵢ)² + 2dᵢ(m − dᵢ)) − u²m²(‖x‖² − 1) + (‖DMx‖² − s²)."""
        if len(args) != len(d) or any(sp.expand(x - y) != 0 for x, y in zip(args, d)):
            return
        s, u, x = a["s"], b["s"], a["x"]
        try:
            gu = self._ge(u)
            gmd = [self._ge(m - dj) for dj in d]
        except ValueError:
            return
        gd = [self._nonneg(dj) for dj in d]
        if any(g is None for g in gd):
            return
        unit = sp.expand((x.T * x)[0, 0] - 1)
        wit = sp.expand((x.T * a["G"] * x)[0, 0] - s ** 2)
        try:
            mult = [(_signed(-u ** 2 * m ** 2, unit), self.eq_index[_key(unit)]),
                    (_signed(sp.Integer(1), wit), self.eq_index[_key(wit)])]
        except KeyError:
            return
        if side == "right":
            products = [(1, 1, (gp,))]
            weights = [u * xj for xj in x]
        else:
            products = [(1, m, (gp,))]
            weights = list(b["M"] * x)
        for j, dj in enumerate(d):
            products.append((1, sp.expand(weights[j] * (m - dj)), ()))
            products.append((2 * gd[j][0], sp.expand(weights[j]), (*gd[j][1], gmd[j])))
        self.add("‖MD‖₂² ≤ ‖M‖₂² max(d)² for a diagonal D ⪰ 0", Certificate(
            sp.expand(u ** 2 * m ** 2 - s ** 2), ">=", tuple(self.ge), tuple(self.eq), products=tuple(products),
            multipliers=tuple(mult)))
        self.add("‖M‖₂·max(d) ≥ 0", Certificate(
            sp.expand(u * m), ">=", tuple(self.ge), tuple(self.eq),
            products=((1, 1, (gu, gmd[0])), (gd[0][0], 1, (gu, *gd[0][1])))))

    def max_modulus(self, m, v, x) -> None:
        try:
            gv, gm = self._ge(v), self._ge(m - v)
            j = self.eq_index[_key(v ** 2 - x ** 2)]
        except (ValueError, KeyError):
            return
        self.add("max|xᵢ|² ≥ xᵢ²", Certificate(
            sp.expand(m ** 2 - x ** 2), ">=", tuple(self.ge), tuple(self.eq),
            products=((1, sp.expand(m - v), ()), (2, 1, (gv, gm))),
            multipliers=((_signed(1, v ** 2 - x ** 2), j),)))


def _column_scaling(A: sp.Matrix, B: sp.Matrix):
    """[d₁, …] with A = B·diag(d) (column j of A is d_j times column j of B, checked by expansion), or None."""
    if A.shape != B.shape or B.cols < 1:
        return None
    d = []
    for j in range(B.cols):
        col_a, col_b = A.col(j), B.col(j)
        i = next((i for i in range(B.rows) if sp.expand(col_b[i]) != 0), None)
        if i is None:
            return None
        q = sp.cancel(col_a[i] / col_b[i])
        if sp.fraction(q)[1].free_symbols or not all(sp.expand(col_a[k] - q * col_b[k]) == 0
                                                      for k in range(B.rows)):
            return None
        d.append(q)
    return None if all(x == 1 for x in d) else d


def _ideal(P, emap: dict):
    """P, a polynomial in the placeholder symbols of ``emap`` (e → h, h a polynomial) with no monomial free of
    them, as [(m, h)] with P = Σ m·e, each m with every placeholder replaced by its h; None otherwise."""
    es = list(emap)
    P = sp.expand(P)
    if P == 0:
        return []
    out = []
    for mono, coef in sp.Poly(P, *es).terms():
        k = next((i for i, a in enumerate(mono) if a > 0), None)
        if k is None:
            return None
        m = coef * sp.Mul(*[e ** (a - (1 if i == k else 0)) for i, (e, a) in enumerate(zip(es, mono))])
        out.append((sp.expand(m.xreplace(emap)), emap[es[k]]))
    return out


def _placeholders(D: sp.Matrix, tag: str):
    """A symmetric matrix of placeholder symbols for the symmetric D, and the map placeholder → entry."""
    n = D.rows
    E = sp.zeros(n, n)
    emap = {}
    for i in range(n):
        for j in range(i, n):
            if D[i, j] == 0:
                continue
            e = sp.Dummy(f"{tag}{i}{j}")
            E[i, j] = E[j, i] = e
            emap[e] = D[i, j]
    return E, emap


def lemmas_behind(certs, lib) -> list:
    """The names of the lemma instances the certificates rest on (as hypotheses, as equalities, or directly)."""
    by_goal = {}
    for name, c in lib.used:
        by_goal.setdefault(_key(c.goal), name)
    out = []
    for cert in certs:
        if cert.name:
            out.append(cert.name)
        refs = [cert.hypotheses[i] for _, _, idx in cert.products for i in idx]
        refs += [cert.equalities[j] for _, j in cert.multipliers]
        out += [by_goal[_key(r)] for r in refs if _key(r) in by_goal]
    return list(dict.fromkeys(out))


def _signed(m, h):
    """The multiplier of the stored equality _key(h) that contributes m·h."""
    return m if sp.expand(_key(h) - sp.expand(h)) == 0 else -m


def instantiate(enc, given_matrices: list, enabled: bool = True) -> Library:
    """Add every lemma instance at the problem's vectors; returns the library (what was used)."""
    lib = Library(enc)
    if not enabled:  # the plain encoding (benchmarks/bench_prove.py measures what the lemmas buy)
        return lib
    witnesses = [nm["x"] for nm in enc.norms]
    mats = []
    for M in given_matrices:
        mats += [M, M.T]
    level0 = list(witnesses) + [M.col(j) for M in given_matrices for j in range(M.cols) if M.cols > 1]
    level1 = [N * y for N in mats for y in witnesses if N.cols == y.rows]
    level2 = [N * y for N in mats for y in level1 if N.cols == y.rows]
    # only vectors over the symbols the step's own definitions mention: next to ‖V‖ = λ_max(V), a vector built
    # from an orthogonal C of the domain only slows the solvers down (cvc5 out of budget on spectral-psd at n = 2)
    relevant = set()
    for c in enc.constraints[getattr(enc, "domain_count", 0):]:
        relevant |= c.free_symbols
    vectors = []
    for y in level0 + level1 + level2:
        y = y.applyfunc(sp.expand)
        if not y.is_zero_matrix and y not in vectors and y.free_symbols <= relevant:
            vectors.append(y)
    vectors = vectors[:MAX_VECTORS]
    for nm in enc.norms:
        for y in vectors[:12]:
            if y.rows == nm["G"].rows:
                lib.psd_form(nm, y)
    # an orthogonal matrix none of whose entries occurs in a norm or a spectrum of the step (‖V‖ = λ_max(V) next
    # to an orthogonal C) gets no isometry instances: they cannot help and cost seconds of kernel checks
    inside = set()
    for d in list(enc.norms) + list(enc.eigen):
        inside |= d["M"].free_symbols
    invariant = []
    for Q in enc.orthogonal:
        before = len(lib.used)
        for a in enc.norms:
            for b in enc.norms:
                if a is not b and a["x"].rows == b["x"].rows == Q.rows:
                    lib.orthogonal_invariance(a, b, Q)
        if len(lib.used) > before:
            invariant.append(Q)  # ‖QMQᵀ‖₂ = ‖M‖₂ already certified: the isometry instances would only cost time
    for Q in enc.orthogonal:
        if not (Q.free_symbols & inside) or any(Q is P for P in invariant):
            continue
        for y in vectors:
            if y.rows == Q.rows:
                lib.isometry(Q, y, False)
                lib.isometry(Q, y, True)
    for e in enc.eigen:
        lib.orthogonal_spectrum(e)
    for a in enc.norms:   # ‖M D‖₂ beside ‖M‖₂ for a diagonal D: the PSD form of ‖M‖₂ at y = D x (x ‖MD‖₂'s witness)
        for b in enc.norms:
            if a is not b:
                for side in ("right", "left"):   # M·diag(d), or diag(d)·M
                    d = _column_scaling(a["M"], b["M"]) if side == "right" else _column_scaling(a["M"].T, b["M"].T)
                    if d is None:
                        continue
                    y = a["x"] if side == "left" else sp.Matrix([sp.expand(dj * xj) for dj, xj in zip(d, a["x"])])
                    before = len(lib.ge)
                    lib.psd_form(b, y)
                    if len(lib.ge) > before:
                        for m, args in enc.maxima:
                            lib.diagonal_scaling(a, b, d, m, args, len(lib.ge) - 1, side)

    goal_vars = sp.sympify(getattr(enc, "goal", sp.true)).free_symbols if getattr(enc, "goal", None) is not None \
        else set()
    goal = getattr(enc, "goal", None)
    upper = isinstance(goal, sp.Le) and goal.rhs == 0 or isinstance(goal, sp.Ge) and goal.lhs == 0
    for c in list(enc.constraints) if upper else ():   # v ≤ 0 for a v defined by v² = Σ cₖBₖ²
        if isinstance(c, sp.Eq) and c.lhs.is_Pow and c.lhs.exp == 2 and c.lhs.base in goal_vars:
            lib.vanishing_square_sum(c.lhs.base, c.rhs)
    for m, args in enc.maxima:
        for v, x in enc.absolutes:
            if any(sp.expand(a - v) == 0 for a in args):
                lib.max_modulus(m, v, x)
    return lib
