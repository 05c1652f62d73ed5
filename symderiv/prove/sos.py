"""Certificates for a step, found numerically and made exact, for the kernel to check.

For a goal ``small ≤ big`` the search tries two polynomial targets,

* P = big − small, and
* P = big² − small² when big ≥ 0 is itself certified (then small ≤ |small| ≤ big),

and looks for a Positivstellensatz certificate of P ≥ 0 from the sentence's
constraints (the domain, the hypotheses, the definitions of every quantity,
and the lemma instances of :mod:`.lemmas`, each already checked):

1. **rewrite** P by the definitions v² = poly of the quantities (‖M‖_F² = Σ m²,
   ‖Mx‖² = s², …): P = Σ q_j h_j + P', exactly, by polynomial division;
2. **solve** P' = Σ c_k g_k + Σ e_j h_j + zᵀQz (c ≥ 0, Q ⪰ 0 over z = (1, x₁, …)
   when P' has few variables) as an LP/SDP built directly for Clarabel, then round
   c and Q to rationals and fold the exact residual of degree ≤ 2 into Q
   (Peyrl–Parrilo), so that the identity holds exactly;
3. hand the certificate to the kernel (:mod:`symderiv.kernel.sos`), which
   checks it with its own arithmetic. Only an accepted certificate is a proof.
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ..kernel.sos import Certificate, check
from .encode import Witness

#: at most this many variables in the Gram basis (1, x₁, …, x_k)
MAX_GRAM_VARS = 6


class Proof:
    """A step's proof by certificates: P ≥ 0 (and big ≥ 0 for the squared form), all accepted by the kernel."""

    def __init__(self, small, big, certs: list, squared: bool):
        self.small, self.big, self.certs, self.squared = small, big, certs, squared

    def describe(self) -> str:
        how = f"{sp.sstr(self.big)} ≥ 0 and ({sp.sstr(self.big)})² − ({sp.sstr(self.small)})² ≥ 0" if self.squared \
            else f"{sp.sstr(self.big)} − ({sp.sstr(self.small)}) ≥ 0"
        return f"{how}; " + "; ".join(c.describe()[:160] for c in self.certs)


def _sides(goal):
    if isinstance(goal, (sp.Le, sp.Lt)):
        return goal.lhs, goal.rhs, isinstance(goal, sp.Lt)
    if isinstance(goal, (sp.Ge, sp.Gt)):
        return goal.rhs, goal.lhs, isinstance(goal, sp.Gt)
    return None


def try_certificate(enc, goal, lib):
    """A :class:`Proof` of ``goal`` (a ≤ b) from the sentence, every certificate accepted by the kernel, or None."""
    sides = _sides(goal)
    if sides is None:
        return None
    small, big, strict = sides
    if strict:
        return None  # a strict goal needs a strictly positive certificate: not attempted
    ge, eq = tuple(lib.ge), tuple(lib.eq)
    bc = _certify(sp.expand(big), ge, eq, lib, gram=False)
    norms = bc is not None and bool(sp.sympify(big).free_symbols)  # ‖·‖ ≤ c·‖·‖: square both sides first
    for squared in ((True, False) if norms else (False, True)):
        if squared and bc is None:
            continue
        c = _certify(sp.expand(big ** 2 - small ** 2 if squared else big - small), ge, eq, lib)
        if c is not None:
            proof = Proof(small, big, [bc, c] if squared else [c], squared)
            # for the kernel (kernel/goal.py, WITNESSES): the lemma instances the certificates may rest on (each a
            # certificate the kernel checks on its own facts before it uses its goal), and what each variable is
            proof.lemmas = [cert for _, cert in getattr(lib, "used", ())]
            proof.meanings = list(getattr(enc, "meanings", ()))
            return proof
    return None


def _rules(eq, eq_index):
    """Definitions v² = poly (v a variable not in poly) as (v, poly, index of the equality)."""
    return [(v, poly, j, sign) for j, h in enumerate(eq) for v, poly, sign in _rules_of(h)]


#: each equality's definitions, worked out once per process (the halves of an equality, the plain retry and every
#: target of a step read the same equalities)
_RULES: dict = {}


def _rules_of(h) -> list:
    got = _RULES.get(h)
    if got is not None:
        return got
    out = []
    for sign in (1, -1):
        e = sp.expand(sign * h)
        terms = sp.Add.make_args(e)
        for v in e.free_symbols:
            # v² − e is free of v only if v² is e's one term in v (e is expanded: its like terms are collected, so
            # two terms in v cannot cancel to v²): any other v fails the test below, without expanding v² − e
            # (polar-reduction.norm: 128 equalities of the isometry lemmas, 3.4 s of its 7.9 s of CPU)
            if sum(1 for t in terms if t.has(v)) != 1:
                continue
            poly = sp.expand(v ** 2 - e)
            if any(isinstance(x, Witness) for x in poly.free_symbols):
                continue  # only definitions in terms of the claim's own values (‖B‖_F² = Σ b²), not witnesses
            if sp.expand(e - (v ** 2 - poly)) == 0 and v not in poly.free_symbols and \
                    sp.Poly(e, v).degree() == 2 and sp.expand(e.coeff(v, 2)) == 1 and e.coeff(v, 1) == 0:
                out.append((v, poly, sign))
    _RULES[h] = out
    return out


def _rewrite(P, eq, lib):
    """P = Σ q_j h_j + P' with P' free of every defined v² (exact division); returns (P', multipliers)."""
    mult = []
    for _ in range(3):
        changed = False
        for v, poly, j, sign in _rules(eq, lib.eq_index):
            if P.has(v) and sp.Poly(P, v).degree() >= 2:
                q, r = sp.div(sp.Poly(P, v), sp.Poly(v ** 2 - poly, v))
                q, r = q.as_expr(), r.as_expr()
                mult.append((sp.expand(q * sign), j))
                P, changed = sp.expand(r), True
        if not changed:
            break
    return P, mult


def _coeffs(e, gens) -> dict:
    return sp.Poly(e, *gens).as_dict() if gens else {(): sp.sympify(e)}


def _monomial_certificate(P, ge, eq):
    """P = c · Π vᵢ with c ≥ 0 and each vᵢ ≥ 0 a constraint: a product certificate."""
    c, factors = P.as_coeff_mul()
    if not c.is_Rational or c < 0:
        return None
    idx = []
    for f in factors:
        base, k = f.as_base_exp()
        if not (k.is_Integer and k > 0) or base not in ge:
            return None
        idx += [ge.index(base)] * int(k)
    return Certificate(P, ">=", ge, eq, products=((c, 1, tuple(idx)),))


def _lemma(P, lib):
    """The certificate of a lemma instance whose goal is exactly P ≥ 0 (e.g. ‖V‖₂² − ‖CVCᵀ‖₂² ≥ 0), if any."""
    used = getattr(lib, "used", ())
    goals = getattr(lib, "_goals", None)
    if goals is None or goals[0] != len(used):   # each instance's goal expanded once (an expanded polynomial
        goals = (len(used), {})                   # over Q has one form), not once per target
        for _, cert in reversed(used):
            if cert.kind == ">=":
                goals[1][sp.expand(sp.sympify(cert.goal))] = cert
        lib._goals = goals
    return goals[1].get(sp.expand(P))


def _certify(P, ge, eq, lib, gram: bool = True):
    direct = _lemma(P, lib)
    if direct is not None:
        return direct
    if not gram:
        mono = _monomial_certificate(P, ge, eq)
        if mono is not None and check(mono)[0]:
            return mono
    try:
        return _solve(P, ge, eq, lib, gram)
    except Exception:
        return None


def _solve(P, ge, eq, lib, gram):
    P, mult = _rewrite(P, eq, lib)
    gens = sorted(set(P.free_symbols) | {s for g in ge for s in g.free_symbols}
                  | {s for h in eq for s in h.free_symbols}, key=str)
    pvars = sorted(P.free_symbols, key=str)
    use_gram = gram and 0 < len(pvars) <= MAX_GRAM_VARS
    basis = [sp.Integer(1)] + list(pvars) if use_gram else []
    target = _coeffs(P, gens)
    gc = [_coeffs(g, gens) for g in ge]
    # each equality times a constant (multipliers v²·h were measured: more unknowns, degenerate LPs whose
    # rounded solutions no longer check, and no claim gained; see benchmarks/RESULTS.md)
    scales = [sp.Integer(1)]
    eq_terms = [(j, m) for j in range(len(eq)) for m in scales]
    hc = [_coeffs(sp.expand(m * eq[j]), gens) for j, m in eq_terms]
    # keep only the terms connected to P through shared monomials (three rounds): the LP stays small
    keep_g, keep_h = _connected(set(target), gc, hc, rounds=3)
    gc = [d if i in keep_g else {} for i, d in enumerate(gc)]
    hc = [d if i in keep_h else {} for i, d in enumerate(hc)]
    monos = set(target)
    for d in gc + hc:
        monos |= set(d)
    k = len(basis)
    gram_terms: dict = {}
    for a in range(k):
        for b in range(k):
            m = _coeffs(basis[a] * basis[b], gens)
            for mono, v in m.items():
                gram_terms.setdefault(mono, []).append((a, b, float(v)))
                monos.add(mono)
    solved = solve_gram_lp(sorted(monos), target, gc, hc, gram_terms, k)
    if solved is None:
        return None
    cvals, evals, Qv = solved
    # round: nonnegative rationals for c (tiny ones dropped), rationals for e
    cr = [_rat(x) if x > 1e-7 else sp.Integer(0) for x in cvals]
    er: dict = {}
    for (j, m), x in zip(eq_terms, evals):
        if abs(x) > 1e-9:
            er[j] = er.get(j, 0) + _rat(x) * m
    rest = sp.expand(P - sum((ci * g for ci, g in zip(cr, ge)), sp.Integer(0))
                     - sum((ej * eq[j] for j, ej in er.items()), sp.Integer(0)))
    products = tuple((ci, 1, (i,)) for i, ci in enumerate(cr) if ci != 0)
    multipliers = tuple(mult) + tuple((sp.expand(ej), j) for j, ej in er.items() if ej != 0)
    gram_cert = ((), ())
    if rest != 0:
        if not use_gram:
            return None
        Qr = _fold([[_rat(Qv[a][b]) for b in range(k)] for a in range(k)], basis, rest)
        if Qr is None:
            return None
        gram_cert = (tuple(basis), tuple(tuple(r) for r in Qr))
    cert = Certificate(P if not mult else sp.expand(P + sum(m * eq[j] for m, j in mult)), ">=", ge, eq,
                       products=products, gram=gram_cert, multipliers=multipliers)
    ok, _ = check(cert)
    return cert if ok else None


def _connected(start: set, gc: list, hc: list, rounds: int):
    """Indices of the g and h terms reachable from the monomials ``start`` by sharing a monomial."""
    seen = set(start)
    keep_g: set = set()
    keep_h: set = set()
    for _ in range(rounds):
        grew = False
        for keep, ds in ((keep_g, gc), (keep_h, hc)):
            for i, d in enumerate(ds):
                if i not in keep and seen & set(d):
                    keep.add(i)
                    grew = True
        for keep, ds in ((keep_g, gc), (keep_h, hc)):
            for i in keep:
                seen |= set(ds[i])
        if not grew:
            break
    return keep_g, keep_h


def _rat(x: float) -> sp.Rational:
    f = Fraction(float(x)).limit_denominator(10 ** 6)
    return sp.Rational(f.numerator, f.denominator)


def _fold(Q, basis, rest):
    """Q with the exact residual ``rest`` (degree ≤ 2 in the basis' variables) absorbed: zᵀQ'z = zᵀQz + rest.

    Q is first symmetrised; the residual's monomials land on the entries that produce them. None if the
    residual has a monomial the basis cannot produce.
    """
    k = len(basis)
    Q = [[(Q[a][b] + Q[b][a]) / 2 for b in range(k)] for a in range(k)]
    zQz = sp.expand(sum(Q[a][b] * basis[a] * basis[b] for a in range(k) for b in range(k)))
    residual = sp.expand(rest - zQz)
    xs = basis[1:]
    terms = sp.Poly(residual, *xs).terms() if xs else [((), residual)]
    for mono, coef in terms:
        idx = [i + 1 for i, p in enumerate(mono) for _ in range(p)]
        if len(idx) == 0:
            Q[0][0] += coef
        elif len(idx) == 1:
            Q[0][idx[0]] += coef / 2
            Q[idx[0]][0] += coef / 2
        elif len(idx) == 2:
            a, b = idx
            if a == b:
                Q[a][a] += coef
            else:
                Q[a][b] += coef / 2
                Q[b][a] += coef / 2
        else:
            return None
    return Q


def solve_gram_lp(monos: list, target: dict, gc: list, hc: list, gram_terms: dict, k: int):
    """The coefficient-matching SDP, built directly for Clarabel: (c, e, Q) as floats, or None.

    For every monomial: Σ cᵢ·gᵢ + Σ eⱼ·hⱼ + Σ Q[a,b]·(zₐz_b) = P, with c ≥ 0 and Q ⪰ 0 (k × k), minimising
    Σ c + trace Q. In Clarabel's form (min qᵀx, Ax + s = b, s in a cone), x = (c, e, Q's upper triangle by
    columns): a zero cone for the monomials, a nonnegative cone for c and a PSD triangle cone for Q (its
    off-diagonal entries scaled by √2). A term that shares no monomial with P (an empty coefficient dict) is 0
    and not a variable. Floats only guide: the caller rounds, and the kernel decides.
    """
    import clarabel
    import numpy as np
    from scipy import sparse

    gi = [i for i, d in enumerate(gc) if d]
    hi = [j for j, d in enumerate(hc) if d]
    tri = [(a, b) for b in range(k) for a in range(b + 1)]   # Clarabel's svec order: the upper triangle by columns
    col = {("c", i): n for n, i in enumerate(gi)}
    col.update({("e", j): len(gi) + n for n, j in enumerate(hi)})
    col.update({("q", a, b): len(gi) + len(hi) + n for n, (a, b) in enumerate(tri)})
    nx = len(col)
    rows, cols, vals, rhs = [], [], [], []
    r = 0
    for mono in monos:
        entry: dict = {}
        for i in gi:
            v = gc[i].get(mono, 0)
            if v:
                entry[col["c", i]] = entry.get(col["c", i], 0.0) + float(v)
        for j in hi:
            v = hc[j].get(mono, 0)
            if v:
                entry[col["e", j]] = entry.get(col["e", j], 0.0) + float(v)
        for a, b, v in gram_terms.get(mono, ()):
            key = col["q", min(a, b), max(a, b)]
            entry[key] = entry.get(key, 0.0) + v
        want = float(target.get(mono, 0))
        entry = {key: v for key, v in entry.items() if v != 0.0}
        if not entry:
            if want != 0.0:
                return None   # a monomial of P nothing can produce
            continue
        for key, v in entry.items():
            rows.append(r)
            cols.append(key)
            vals.append(v)
        rhs.append(want)
        r += 1
    n_zero = r
    if nx == 0:   # P has no monomial (it is 0 once rewritten): every coefficient 0 is the solution
        return np.zeros(len(gc)), np.zeros(len(hc)), np.zeros((k, k))
    for i in gi:                                   # −c + s = 0, s ≥ 0
        rows.append(r)
        cols.append(col["c", i])
        vals.append(-1.0)
        rhs.append(0.0)
        r += 1
    for a, b in tri:                               # −svec(Q) + s = 0, s in the PSD triangle cone
        rows.append(r)
        cols.append(col["q", a, b])
        vals.append(-1.0 if a == b else -np.sqrt(2.0))
        rhs.append(0.0)
        r += 1
    A = sparse.csc_matrix((vals, (rows, cols)), shape=(r, nx))
    P = sparse.csc_matrix((nx, nx))
    q = np.zeros(nx)
    for i in gi:
        q[col["c", i]] = 1.0
    for a in range(k):
        q[col["q", a, a]] = 1.0
    cones = [clarabel.ZeroConeT(n_zero)] if n_zero else []
    if gi:
        cones.append(clarabel.NonnegativeConeT(len(gi)))
    if k:
        cones.append(clarabel.PSDTriangleConeT(k))
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    sol = clarabel.DefaultSolver(P, q, A, np.array(rhs), cones, settings).solve()
    if str(sol.status) not in ("Solved", "AlmostSolved"):
        return None
    x = np.asarray(sol.x)
    cvals = np.zeros(len(gc))
    for i in gi:
        cvals[i] = x[col["c", i]]
    evals = np.zeros(len(hc))
    for j in hi:
        evals[j] = x[col["e", j]]
    Qv = np.zeros((k, k))
    for a, b in tri:
        Qv[a, b] = Qv[b, a] = x[col["q", a, b]]
    return cvals, evals, Qv
