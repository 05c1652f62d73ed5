"""The finder of Positivstellensatz refutations for the kernel's own sentence (checked by kernel/psatz.py).

The kernel hands over its structured sentence (kernel/smt.py keeps one beside the SMT-LIB text) and gets back a
tree of case splits and leaves; nothing here is trusted. A leaf is searched as a linear program (HiGHS, in
floats): nonnegative weights on products of at most two of the context's positives (and on the squares of its
variables), free multipliers (polynomials up to a degree bound) of its equalities, the weights of the strict
terms summing to 1, every monomial's coefficient 0. The float solution only names the support: its weights are
rounded to small rationals and the multipliers of the equalities are then solved for *exactly* (a linear
system over ℚ, python-flint), so the identity the kernel checks holds without rounding. A disjunction of the
sentence (ρ is the modulus of one of the eigenvalues; a maximum equals one of its arguments) is split, each
case a leaf of its own. Before the LP the sentence is reduced: atoms |p| with p ≥ 0 a fact are pinned by cuts
written down without a search (:func:`_pin`), linear definitions are eliminated and the certificate lifted back
exactly (:func:`_eliminations`, :func:`_lift`); a last "wide" leaf adds a variable's square times one or two facts.
Everything runs under a work budget (:data:`WORK`), never a clock: whether a certificate is found depends on the
sentence only; a certificate not found leaves the step to the solvers.

Where that search finds nothing, a second stage with its own budget (:data:`WORK2`; the first stage's certificates
and costs are unchanged) tries another shape (:func:`_second_stage`): each maximum (a disjunction v = a₁ ∨ … ∨ v = a_r)
gets an upper bound c − v ≥ 0 as a cut, c the least bound an LP finds over its cases (HiGHS, rounded to a small
rational), proved by a split over v's own disjunction — so k maxima cost 2k small leaves and the rest needs no split —
then one rich leaf: a variable's square times two facts, two sign variables times a fact (the middle of a chain
x ≤ y·z), the definitions that would raise a degree (|σ(1 − σ)| = σ − σ²) kept as equalities at degree 5, and, where
Clarabel's interior point spreads its weights so that they do not round, a vertex of the same LP (HiGHS' dual
simplex: deterministic, an iteration limit, no time limit) whose exact system has one solution. Last
(:func:`_collapse`), a disjunction of equalities collapses when its cases coincide: the cut e₁ − e₂ = 0, each side
refuted by a sign split on a factor p of an equality (the cut p = 0 from refutations of p > 0 and −p > 0, then the
case p = 0), with the squares (mᵢ ± mⱼ)² of two monomials among a leaf's columns (SDSOS: an LP's share of a Gram
matrix) — what a fact in the real radical of the sentence's ideal, not in the ideal, needs (|λ₀| = |λ₁| for an
orthogonal 2×2).
"""
from __future__ import annotations

import itertools
import time
from fractions import Fraction

import sympy as sp

from ..kernel.psatz import Cut, Refutation, Split, context
from ..kernel.walk import symbol_key

#: at most this many LP columns for one leaf (a larger leaf is left to the solvers)
MAX_COLUMNS = 6000
#: the largest total degree of a leaf's identity tried
MAX_DEGREE = 6
#: the deepest case split tried
MAX_SPLITS = 2
#: at most this many definitional atoms pinned by cuts
MAX_CUTS = 4
#: at most this many atoms pinned by direct cuts before the search (:func:`_pin`; the kernel follows a tree at
#: most kernel/psatz.MAX_DEPTH = 12 deep, splits and cuts together)
MAX_PINS = 6
#: the work a sentence may cost, which alone decides whether a certificate is found (the same answer on a
#: loaded machine: a verdict's ``trusted`` field depends on the claim only): LP columns summed over every LP
#: tried, plus the unknowns of each exact system and the terms of each lifted elimination (about 0.1 ms of CPU
#: a unit; benchmarks/RESULTS.md, "psatz": the shipped sentences that get a certificate cost ≤ 13600)
WORK = 15000
#: the LP solver's iterations per LP (Clarabel; it is given no time limit of its own)
LP_ITERATIONS = 60
#: the largest exact system (unknowns) the retry with every multiplier of the equalities solves (a larger one costs
#: seconds of rational elimination and has not been seen to give a certificate)
EXACT_RETRY = 500
#: wall seconds per sentence after which the search stops as "not found": a far safety net only, never reached
#: on the shipped claims (their sentences cost ≤ 1.5 s of CPU each, benchmarks/RESULTS.md, "psatz"); the
#: caller's seconds (kernel/psatz.BUDGET) are not used, so no clock decides
SAFETY_SECONDS = 300.0


class _OutOfTime(Exception):
    pass


class _Budget:
    def __init__(self, work: int, wall: float):
        self.work, self.wall, self.spent = work, wall, 0

    def spend(self, n: int) -> None:
        self.spent += n
        if self.spent > self.work:
            raise _OutOfTime
        self.check()

    def check(self) -> None:
        if time.monotonic() > self.wall:
            raise _OutOfTime


def _poly(e, gens):
    key = (e, tuple(gens))
    got = _POLY_MEMO.get(key)
    if got is None:
        d = sp.Poly(sp.expand(e), *gens).as_dict() if gens else {(): sp.Rational(sp.expand(e))}
        got = {m: Fraction(int(sp.Rational(c).p), int(sp.Rational(c).q)) for m, c in d.items()}
        if len(_POLY_MEMO) > 4096:
            _POLY_MEMO.clear()
        _POLY_MEMO[key] = got
    return got


_POLY_MEMO: dict = {}


def _mul(a: dict, b: dict) -> dict:
    out: dict = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            m = tuple(x + y for x, y in zip(ma, mb))
            out[m] = out.get(m, 0) + ca * cb
    return {m: c for m, c in out.items() if c != 0}


def _deg(p: dict) -> int:
    return max((sum(m) for m in p), default=0)


def _monomials(nvars: int, deg: int):
    for d in range(deg + 1):
        for combo in itertools.combinations_with_replacement(range(nvars), d):
            m = [0] * nvars
            for i in combo:
                m[i] += 1
            yield tuple(m)


def _kinds(facts) -> list:
    """The kind of each of context(facts)'s positives, in its order ("ge", "gt" or "ne")."""
    out = []

    def add(f):
        if f[0] in ("ge", "gt", "ne"):
            out.append(f[0])
        elif f[0] == "and":
            for g in f[1]:
                add(g)

    for f in facts:
        add(f)
    return out


def _eliminations(eqs, flat: bool = False) -> list:
    """[(j, v, p, c)]: equality j of the context is linear in the variable v with the nonzero rational coefficient
    c, and once the earlier eliminations are substituted into it, it reads c·(v − p) = 0 with p free of every
    eliminated variable (a linear definition: a maximum equal to one of its arguments in a split's branch, an
    atom pinned by a cut — and chains of them, max = a, a = 1 − t²). No chosen v occurs in an earlier chosen
    equality, so :func:`_lift` can divide by the equalities themselves, last first."""
    chosen, sub, touched = [], {}, set()
    for j, h in enumerate(eqs):
        h = sp.expand(h)
        hs = sp.expand(h.xreplace(sub)) if sub else h
        if hs == 0:
            continue
        for v in sorted(h.free_symbols - touched - set(sub), key=symbol_key):
            try:
                poly = sp.Poly(h, v)
            except Exception:  # noqa: BLE001
                continue
            if poly.degree() != 1:
                continue
            c = poly.coeff_monomial(v)
            if not (c.is_Rational and c != 0):
                continue
            p = sp.expand(v - hs / c)
            if v in p.free_symbols:
                continue
            if flat and p.free_symbols and sp.Poly(p, *sorted(p.free_symbols, key=str)).total_degree() > 1:
                continue   # v := p would raise the degree of every product v is in
            chosen.append((j, v, p, c))
            sub[v] = p
            touched |= h.free_symbols
            break
    return chosen


def _lift(cert: Refutation, pos, eqs, elim, deadline) -> Refutation | None:
    """The certificate of the reduced sentence (every v := p of ``elim``) as one of the sentence itself: its
    identity R, read in the original variables, vanishes under the substitution, so, dividing by each chosen
    equality H_j = c·v + r (as a polynomial in its v, last chosen first), R = Σ q_j·H_j exactly and H_j gets the
    multiplier −q_j. The kernel checks the result on its own sentence like any other leaf."""
    R = sp.Integer(0)
    for c, s_, idx in cert.products:
        R += c * s_ ** 2 * sp.Mul(*[pos[i] for i in idx])
    mult = {j: m for m, j in cert.multipliers}
    for j, m in mult.items():
        R += m * eqs[j]
    R = sp.expand(R)
    for j, v, _, c in reversed(elim):
        deadline.spend(len(R.args) if R.is_Add else 1)
        h = sp.expand(eqs[j])
        rest = sp.expand(R.xreplace({v: sp.expand(v - h / c)}))
        if R != rest:
            others = sorted((R.free_symbols | h.free_symbols) - {v}, key=symbol_key)
            q, r = sp.div(sp.Poly(R - rest, v, *others, domain="QQ"), sp.Poly(h, v, *others, domain="QQ"))
            if not r.is_zero:
                return None
            mult[j] = sp.expand(mult.get(j, 0) - q.as_expr())
        R = rest
    if R != 0:
        return None
    return Refutation(products=cert.products, gram=cert.gram,
                      multipliers=tuple((m, j) for j, m in sorted(mult.items()) if m != 0))


def _leaf(facts, deadline: float, degree: int, wide: bool = False, flat: bool = False, rich: bool = False,
          dsos: bool = False):
    """A :class:`Refutation` of the conjunction ``facts`` with identity degree ≤ ``degree``, or None.

    The context's linear definitions are eliminated first (:func:`_eliminations`: fewer variables, fewer
    monomials, facts that coincide once substituted counted once) and the certificate is lifted back
    (:func:`_lift`). ``flat``: only the definitions that do not raise a degree are eliminated; ``rich`` (the second
    stage, :func:`_second_stage`): a wide leaf also has two sign variables times a fact, and an interior solution
    that does not round is retried at a vertex (:func:`_lp_vertex`); ``dsos``: the squares (mᵢ ± mⱼ)² of every
    two monomials of half the degree (a scaled diagonally dominant sum of squares, an LP's share of a Gram matrix)."""
    built = _columns(facts, degree, wide, flat, rich, dsos)
    if built is None:
        return None
    cols, gens, pos, eqs, elim, _ = built
    deadline.spend(len(cols))
    x = _lp(cols, deadline)
    if x is _INFEASIBLE:
        return None
    deadline.check()
    got = _exact(cols, x, gens, deadline) if x is not None else None
    if got is None and rich:
        # the interior point's weights are spread over many columns and do not round; a vertex of the same LP
        # (HiGHS' dual simplex) has at most one weight per row, and the exact system on it has one solution
        deadline.spend(len(cols))
        x = _lp_vertex(cols)
        if x is None:
            return None
        got = _exact(cols, x, gens, deadline)
    if got is None or not elim:
        return got
    return _lift(got, pos, eqs, elim, deadline)


def _columns(facts, degree: int, wide: bool = False, flat: bool = False, rich: bool = False, dsos: bool = False):
    """(cols, gens, pos, eqs, elim, sub) of a leaf's LP (:func:`_leaf`), or None past :data:`MAX_COLUMNS`."""
    pos, strict, eqs, _ = context(facts)
    elim = _eliminations(eqs, flat)
    sub = {v: p for _, v, p, _ in elim}
    gone = {j for j, _, _, _ in elim}
    rpos = [sp.expand(e.xreplace(sub)) for e in pos] if sub else pos
    reqs = [(j, sp.expand(h.xreplace(sub)) if sub else h) for j, h in enumerate(eqs) if j not in gone]
    reqs = [(j, h) for j, h in reqs if h != 0]
    syms = set()
    for e in rpos + [h for _, h in reqs]:
        syms |= e.free_symbols
    gens = sorted(syms, key=symbol_key)
    nv = len(gens)
    P = [_poly(e, gens) for e in rpos]
    H = [(j, _poly(h, gens)) for j, h in reqs]
    cols = []   # (kind, data, polynomial): kind "c" (weight ≥ 0: (s, idx)) or "m" (free: (monomial, j))
    seen: set = set()

    def add(data, poly, strict_):
        if not poly and not strict_:
            return   # 0 ≥ 0 adds nothing (a strict fact that became 0 under the eliminations refutes alone)
        key = (frozenset(poly.items()), strict_)
        if key in seen:
            return
        seen.add(key)
        cols.append(("c", data, poly, strict_))

    one = {tuple([0] * nv): Fraction(1)}
    add((1, ()), one, True)
    for i, p in enumerate(P):
        if _deg(p) <= degree:
            add((1, (i,)), p, strict[i])
    for i, j in itertools.combinations_with_replacement(range(len(P)), 2):
        if _deg(P[i]) + _deg(P[j]) <= degree:
            add((1, (i, j)), _mul(P[i], P[j]), strict[i] and strict[j])
        if len(cols) > MAX_COLUMNS:
            return None
    # the negated goal (a "gt" fact) times up to three more facts: x·y ≤ z·w chains need a product of four
    gt = [i for i, f in enumerate(_kinds(facts)) if f == "gt"]
    others = [i for i in range(len(P)) if i not in gt and _deg(P[i]) <= 2 and P[i]]
    for g in gt:
        for r in (2, 3):
            for combo in itertools.combinations_with_replacement(others, r):
                if _deg(P[g]) + sum(_deg(P[i]) for i in combo) > degree:
                    continue
                prod = P[g]
                for i in combo:
                    prod = _mul(prod, P[i])
                add((1, (g, *combo)), prod, all(strict[i] for i in combo))
                if len(cols) > MAX_COLUMNS:
                    return None
    for v in range(nv):
        sq = {tuple(2 if k == v else 0 for k in range(nv)): Fraction(1)}
        add((gens[v], ()), sq, False)
        for i, p in enumerate(P):
            if (strict[i] or wide) and _deg(p) + 2 <= degree:
                add((gens[v], (i,)), _mul(sq, p), False)
        if wide:   # a variable's square times a product of two facts (v²·a·(b − a): the diagonal of a Gram matrix)
            for i, j in itertools.combinations_with_replacement(range(len(P)), 2):
                if P[i] and P[j] and _deg(P[i]) + _deg(P[j]) + 2 <= degree:
                    add((gens[v], (i, j)), _mul(sq, _mul(P[i], P[j])), False)
                if len(cols) > MAX_COLUMNS:
                    return None
    if wide and rich:   # two sign variables times a fact (v·w·P: three facts, the middle of a chain x ≤ y·z)
        signs = [i for i, p in enumerate(P) if len(p) == 1 and _deg(p) == 1 and next(iter(p.values())) > 0]
        for i, j in itertools.combinations_with_replacement(signs, 2):
            for k, p in enumerate(P):
                if p and k not in (i, j) and _deg(p) + 2 <= degree:
                    add((1, (i, j, k)), _mul(_mul(P[i], P[j]), p), strict[i] and strict[j] and strict[k])
                if len(cols) > MAX_COLUMNS:
                    return None
    if dsos:   # (mᵢ ± mⱼ)²: the 2×2 minors of a Gram matrix over the monomials of half the degree
        monos = list(_monomials(nv, degree // 2))
        terms = [sp.Mul(*[g ** e for g, e in zip(gens, mono)]) for mono in monos]
        for i, j in itertools.combinations(range(len(monos)), 2):
            for sign in (1, -1):
                sq = _mul({monos[i]: Fraction(1), monos[j]: Fraction(sign)},
                          {monos[i]: Fraction(1), monos[j]: Fraction(sign)})
                add((terms[i] + sign * terms[j], ()), sq, False)
            if len(cols) > MAX_COLUMNS:
                return None
    for j, h in H:
        dh = _deg(h)
        for mono in _monomials(nv, degree - dh):
            cols.append(("m", (mono, j), _mul({mono: Fraction(1)}, h), None))
            if len(cols) > MAX_COLUMNS:
                return None
    return cols, gens, pos, eqs, elim, sub


def _lp(cols, deadline: float):
    """Clarabel on the LP: every monomial's coefficient 0, the strict weights summing to 1, weights ≥ 0, minimising
    the sum of the weights. Floats only name a support; :func:`_exact` makes the certificate."""
    import clarabel
    import numpy as np
    from scipy import sparse

    rows: dict = {}
    r, c, v = [], [], []
    for k, (_, _, p, _) in enumerate(cols):
        for m, coef in p.items():
            r.append(rows.setdefault(m, len(rows)))
            c.append(k)
            v.append(float(coef))
    nz = len(rows) + 1
    for k, col in enumerate(cols):   # the normalisation: the strict terms' weights sum to 1
        if col[0] == "c" and col[3]:
            r.append(nz - 1)
            c.append(k)
            v.append(1.0)
    weights = [k for k, col in enumerate(cols) if col[0] == "c"]
    for n, k in enumerate(weights):   # −w + s = 0, s ≥ 0
        r.append(nz + n)
        c.append(k)
        v.append(-1.0)
    A = sparse.csc_matrix((v, (r, c)), shape=(nz + len(weights), len(cols)))
    b = np.zeros(nz + len(weights))
    b[nz - 1] = 1.0
    q = np.array([1.0 if col[0] == "c" else 0.0 for col in cols])
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.max_iter = LP_ITERATIONS   # work, not seconds: Clarabel's default time limit (none) is kept
    sol = clarabel.DefaultSolver(sparse.csc_matrix((len(cols), len(cols))), q, A, b,
                                 [clarabel.ZeroConeT(nz), clarabel.NonnegativeConeT(len(weights))],
                                 settings).solve()
    status = str(sol.status)
    if "Infeasible" in status:
        return _INFEASIBLE
    if status not in ("Solved", "AlmostSolved"):
        return None
    return list(sol.x)


#: :func:`_lp`'s answer when the LP has no solution (no certificate on these columns: no vertex is tried)
_INFEASIBLE = object()
#: the simplex iterations :func:`_lp_vertex` may take (work, not seconds)
VERTEX_ITERATIONS = 20000


def _lp_vertex(cols):
    """A vertex of :func:`_lp`'s LP (HiGHS' dual simplex, deterministic, an iteration limit and no time limit), or
    None: its support is a basis, so :func:`_exact`'s system on it has a unique solution, exact when the float
    one was feasible."""
    import numpy as np
    from scipy import sparse
    from scipy.optimize import linprog

    rows: dict = {}
    r, c, v = [], [], []
    for k, (_, _, p, _) in enumerate(cols):
        for m, coef in p.items():
            r.append(rows.setdefault(m, len(rows)))
            c.append(k)
            v.append(float(coef))
    nz = len(rows)
    for k, col in enumerate(cols):
        if col[0] == "c" and col[3]:
            r.append(nz)
            c.append(k)
            v.append(1.0)
    A = sparse.csr_matrix((v, (r, c)), shape=(nz + 1, len(cols)))
    b = np.zeros(nz + 1)
    b[nz] = 1.0
    q = np.array([1.0 if col[0] == "c" else 0.0 for col in cols])
    bounds = [(0, None) if col[0] == "c" else (None, None) for col in cols]
    try:
        res = linprog(q, A_eq=A, b_eq=b, bounds=bounds, method="highs-ds",
                      options={"maxiter": VERTEX_ITERATIONS, "presolve": True})
    except Exception:  # noqa: BLE001 (a failing LP finds nothing)
        return None
    if res.status != 0 or res.x is None:
        return None
    return [float(t) if abs(t) > 1e-9 else 0.0 for t in res.x]


def _rat(x: float) -> Fraction:
    return Fraction(x).limit_denominator(1000)


def _exact(cols, x, gens, deadline):
    """An exact certificate near the float one: the weights below a tolerance dropped, the rest and the
    multipliers of the equalities solved for over ℚ (python-flint: reduced row echelon form, every free unknown
    set to its rounded float value, every pivot solved), kept only when every weight is ≥ 0. Each system's
    unknowns are work (:data:`WORK`); the retry with every multiplier only for a small system."""
    for tol in (1e-8, None):   # the multipliers the float solution uses, then (rarely needed) all of them
        keep = [k for k, col in enumerate(cols)
                if x[k] > 1e-7 or (col[0] == "m" and (tol is None or abs(x[k]) > tol))]
        if tol is None and len(keep) > EXACT_RETRY:
            return None
        deadline.spend(len(keep))
        got = _exact_on(cols, x, gens, keep)
        if got is not None:
            return got
    return None


def _exact_on(cols, x, gens, keep):
    import flint

    rows: dict = {}
    for k in keep:
        for m in cols[k][2]:
            rows.setdefault(m, len(rows))
    nz = len(rows)
    M = flint.fmpq_mat(nz + 1, len(keep) + 1)
    for n, k in enumerate(keep):
        for m, coef in cols[k][2].items():
            M[rows[m], n] = flint.fmpq(coef.numerator, coef.denominator)
        if cols[k][0] == "c" and cols[k][3]:
            M[nz, n] = 1
    M[nz, len(keep)] = 1
    R, rank = M.rref()
    ncol = len(keep)
    width = ncol + 1
    entries = R.entries()   # one list, read in Python (indexing the flint matrix entry by entry is slow)
    pivots = []
    for i in range(rank):
        row = entries[i * width:(i + 1) * width]
        lead = next(k for k in range(width) if row[k] != 0)
        if lead == ncol:
            return None   # no exact solution on this support
        pivots.append(lead)
    val = [None] * ncol
    pivset = set(pivots)
    free = [n for n in range(ncol) if n not in pivset]
    for n in free:
        q = _rat(x[keep[n]])
        val[n] = flint.fmpq(q.numerator, q.denominator)
    for i, n in enumerate(pivots):
        row = entries[i * width:(i + 1) * width]
        acc = row[ncol]
        for f in free:
            if row[f] != 0:
                acc -= row[f] * val[f]
        val[n] = acc
    products, mult = [], {}
    for n, k in enumerate(keep):
        kind, data, _, _ = cols[k]
        q = sp.Rational(int(val[n].p), int(val[n].q))
        if kind == "c":
            if q < 0:
                return None
            if q > 0:
                products.append((q, data[0], data[1]))
        elif q != 0:
            mono, j = data
            mult[j] = mult.get(j, 0) + q * sp.Mul(*[g ** e for g, e in zip(gens, mono)])
    return Refutation(products=tuple(products), multipliers=tuple((m, j) for j, m in sorted(mult.items())))


def _square_root(r):
    """q with q² = r, a polynomial over ℚ, or None."""
    try:
        content, factors = sp.factor_list(sp.expand(r))
    except Exception:  # noqa: BLE001
        return None
    content = sp.Rational(content)
    if content < 0 or any(e % 2 for _, e in factors):
        return None
    root = sp.sqrt(content)
    if not root.is_Rational:
        return None
    return sp.expand(root * sp.Mul(*[f ** (e // 2) for f, e in factors]))


def _definitions(facts) -> list:
    """Candidate cuts v = ±q for each definitional equality v² − q² = 0 of the context (an atom |p|, ‖·‖_F, …)."""
    pos, strict, eqs, _ = context(facts)
    have = {sp.expand(h) for h in eqs}
    nonneg = {sp.expand(p) for p in pos}
    out = []
    for h in eqs:
        h = sp.expand(h)
        for v in sorted(h.free_symbols, key=str):
            try:
                poly = sp.Poly(h, v)
            except Exception:  # noqa: BLE001
                continue
            if poly.degree() != 2 or poly.coeff_monomial(v) != 0 or poly.coeff_monomial(v ** 2) != 1:
                continue
            q = _square_root(-poly.coeff_monomial(1))
            if q is None or q == 0:
                continue
            # v = q first where q ≥ 0 is a fact (|p| = p), else v = −q where −q ≥ 0 is: the other side is false
            first = -1 if sp.expand(-q) in nonneg and sp.expand(q) not in nonneg else 1
            cands = (sp.expand(v - first * q), sp.expand(v + first * q))
            if any(cand in have or -cand in have for cand in cands):
                continue   # v is pinned already (v = q and v = −q together hold only where q = 0)
            out += [(v, cand) for cand in cands]
    # the atoms of the latest facts first (a split's case, the negated goal): in a branch max = a, a's definition
    # is the one that matters
    latest: dict = {}
    for n, e in enumerate(_fact_exprs(facts)):
        for v in e.free_symbols:
            latest[v] = n
    return [cand for _, (v, cand) in sorted(enumerate(out), key=lambda kv: (-latest.get(kv[1][0], -1), kv[0]))]


def _fact_exprs(facts) -> list:
    """Every expression of the facts, in order ("and" and "or" read as their parts)."""
    out = []
    for f in facts:
        if f[0] in ("and", "or"):
            out += _fact_exprs(f[1])
        elif f[0] != "opaque" and len(f) > 1:
            out.append(sp.sympify(f[1]))
    return out


def _direct_proofs(facts, g):
    """The two refutations of a cut g = v − q = 0 for an atom v with v² − q² = 0 (an equality H_j of the context),
    v ≥ 0 and q ≥ 0 both facts, written down without a search:
    (v − q)² + 2q(v − q) − H_j = 0 refutes v − q > 0, and (q − v)² + 2v(q − v) + H_j = 0 refutes q − v > 0
    (each with the strict square of the negated side). None when the context does not have those facts."""
    pos, _, eqs, _ = context(facts)
    g = sp.expand(g)
    index = {}
    for i, e in enumerate(pos):
        index.setdefault(sp.expand(e), i)
    for v in sorted(g.free_symbols, key=symbol_key):
        try:
            poly = sp.Poly(g, v)
        except Exception:  # noqa: BLE001
            continue
        if poly.degree() != 1 or poly.coeff_monomial(v) != 1:
            continue
        q = sp.expand(v - g)
        h = sp.expand(v ** 2 - q ** 2)
        js = [j for j, e in enumerate(eqs) if sp.expand(e) == h]
        if not js or v not in index or q not in index:
            continue
        n = len(pos)   # the negated side is the context's next positive
        up = Refutation(products=((1, 1, (n, n)), (2, 1, (index[q], n))), multipliers=((-1, js[0]),))
        down = Refutation(products=((1, 1, (n, n)), (2, 1, (index[v], n))), multipliers=((1, js[0]),))
        return up, down
    return None


def _pin(facts) -> tuple[list, list]:
    """Every definitional atom with a direct cut (:func:`_direct_proofs`) pinned before the search: (the facts
    with each pinned equality added, [(g, proofs)] in order). The equalities are then eliminated in every leaf."""
    cur, cuts = list(facts), []
    for _ in range(MAX_PINS):
        for g in _definitions(cur):
            proofs = _direct_proofs(cur, g)
            if proofs is not None:
                cuts.append((g, proofs))
                cur.append(("eq", g))
                break
        else:
            break
    return cur, cuts


def _proved_equal(facts, g, deadline):
    """Refutations of facts ∧ g > 0 and of facts ∧ −g > 0 (a cut g = 0), or None."""
    proofs = []
    for side in (g, -g):
        got = _leaf(list(facts) + [("gt", side)], deadline, 4)
        if got is None:
            return None
        proofs.append(got)
    return tuple(proofs)


def _search(facts, deadline: float, depth: int):
    for degree in (2, 4):   # degree 4 holds every degree-2 and -3 column: 3 would be tried for nothing
        got = _leaf(facts, deadline, degree)
        if got is not None:
            return got
    _, _, _, ors = context(facts)
    if depth < MAX_SPLITS:
        chosen = {sp.srepr(f) for f in facts}
        for k in sorted(range(len(ors)), key=lambda k: len(ors[k])):
            if len(ors[k]) < 2 or any(sp.srepr(d) in chosen for d in ors[k]):
                continue   # a disjunction already split on above: its case is one of the facts
            branches = []
            for case in ors[k]:
                sub = _search(list(facts) + [case], deadline, depth + 1)
                if sub is None:
                    break
                branches.append(sub)
            else:
                return Split(k, tuple(branches))
    if depth < MAX_CUTS:
        for g in _definitions(facts):
            proofs = _proved_equal(facts, g, deadline)
            if proofs is None:
                continue
            rest = _search(list(facts) + [("eq", g)], deadline, depth + 1)
            return Cut(("eq", g), proofs, rest) if rest is not None else None
    got = _leaf(facts, deadline, 4, wide=True)
    if got is not None:
        return got
    for degree in range(5, MAX_DEGREE + 1):
        got = _leaf(facts, deadline, degree)
        if got is not None:
            return got
    return None


#: wall seconds this process has spent in :func:`find` (the engine does not charge them to a claim's solver or
#: lemma-chain budget: the kernel's re-check must not take a proof's time away; :func:`spent`)
SPENT = 0.0


def spent() -> float:
    return SPENT


def find(facts, budget: float | None = None):
    """A certificate (kernel/psatz.py) that the structured sentence ``facts`` has no real point, or None."""
    global SPENT
    t0 = time.monotonic()
    try:
        return _find(facts, budget)
    finally:
        SPENT += time.monotonic() - t0


def _find(facts, budget: float | None = None):
    """``budget`` (the caller's seconds) is accepted and not used: the work budget decides (:data:`WORK` for the
    first stage, :data:`WORK2` for the second, which runs only where the first found nothing)."""
    global _LAST_WORK
    wall = time.monotonic() + SAFETY_SECONDS
    deadline = _Budget(WORK, wall)
    second = _Budget(WORK2, wall)
    pinned, cuts = _pin(facts)
    try:
        got = None
        try:
            if cuts:   # a sentence a plain leaf refutes keeps its plain certificate (no cuts around it)
                for degree in (2, 4):
                    got = _leaf(list(facts), deadline, degree)
                    if got is not None:
                        return got
            got = _search(pinned, deadline, 0)
        except _OutOfTime:
            got = None
        if got is None:
            try:
                got = _second_stage(pinned, second)
            except _OutOfTime:
                got = None
        if got is not None:
            for g, proofs in reversed(cuts):
                got = Cut(("eq", g), proofs, got)
        return got
    finally:
        _LAST_WORK = deadline.spent + second.spent


# ----- the second stage: bounds of the maxima cut first, then one rich leaf --------------------------------------

#: the work the second stage may cost (its own budget: the first stage's certificates and costs are unchanged)
WORK2 = 20000


def _definitional_or(case_list):
    """v when every disjunct is ("eq", e) with e = ±(v − a_i) linear in one common variable v (a maximum or a
    minimum equal to one of its arguments), else None."""
    common = None
    for d in case_list:
        if not (isinstance(d, tuple) and d[0] == "eq"):
            return None
        e = sp.expand(sp.sympify(d[1]))
        vs = set()
        for v in e.free_symbols:
            try:
                poly = sp.Poly(e, v)
            except Exception:  # noqa: BLE001
                continue
            if poly.degree() == 1 and poly.coeff_monomial(v) in (1, -1):
                vs.add(v)
        common = vs if common is None else common & vs
        if not common:
            return None
    return sorted(common, key=symbol_key)[0] if common else None


def _upper_bound(facts, v, deadline, degree: int = 2):
    """The least c (a float) with c − v = Σ w·(products of facts) + Σ m·H on ``facts`` at ``degree`` (an LP, HiGHS),
    or None. Only a candidate: the cut c − v ≥ 0 is then proved by refutations the kernel checks."""
    import numpy as np
    from scipy import sparse
    from scipy.optimize import linprog

    built = _columns(facts, degree)
    if built is None:
        return None
    cols, gens, _, _, _, sub = built
    deadline.spend(len(cols))
    target = _poly(sp.sympify(v).xreplace(sub) if sub else v, gens)
    zero = tuple([0] * len(gens))
    rows: dict = {zero: 0}
    r, c, val = [], [], []
    for k, (_, _, p, _) in enumerate(cols):
        for m, coef in p.items():
            r.append(rows.setdefault(m, len(rows)))
            c.append(k)
            val.append(float(coef))
    for m in target:
        rows.setdefault(m, len(rows))
    n = len(cols)
    r.append(rows[zero])   # −c on the constant: Σ w·col + Σ m·H − c + v = 0
    c.append(n)
    val.append(-1.0)
    b = np.zeros(len(rows))
    for m, coef in target.items():
        b[rows[m]] -= float(coef)
    A = sparse.csr_matrix((val, (r, c)), shape=(len(rows), n + 1))
    q = np.zeros(n + 1)
    q[n] = 1.0
    bounds = [(0, None) if col[0] == "c" else (None, None) for col in cols] + [(None, None)]
    try:
        res = linprog(q, A_eq=A, b_eq=b, bounds=bounds, method="highs-ds",
                      options={"maxiter": VERTEX_ITERATIONS, "presolve": True})
    except Exception:  # noqa: BLE001
        return None
    if res.status != 0 or res.x is None:
        return None
    return float(res.x[n])


def _bound_cut(facts, k, cases, v, deadline):
    """A cut c − v ≥ 0 for the variable v that disjunction k of the context defines (v equals one of its cases):
    c the least bound over the cases (an LP per case, rounded to a small rational), proved by a split over the
    same disjunction, each case refuting v − c > 0. (fact, proof) or None."""
    bounds = []
    for case in cases:
        got = _upper_bound(list(facts) + [case], v, deadline)
        if got is None:
            return None
        bounds.append(got)
    c = sp.Rational(Fraction(max(bounds)).limit_denominator(1000))
    g = sp.expand(c - v)
    branches = []
    for case in cases:
        sub = None
        for degree in (2, 4):
            sub = _leaf(list(facts) + [("gt", -g), case], deadline, degree, rich=True)
            if sub is not None:
                break
        if sub is None:
            return None
        branches.append(sub)
    return ("ge", g), Split(k, tuple(branches))


def _second_stage(facts, deadline):
    """Where the first stage (:func:`_search`) found nothing within :data:`WORK`: each maximum (a definitional
    disjunction) gets an upper bound cut first — the split over its own disjunction moves into the cut's proof, so
    the rest needs no split at all (k maxima cost 2k small leaves, not 2^k large ones) — then one rich leaf
    (sign variables' products, a vertex when the interior point does not round), degree 4, then 5 with only the
    definitions that keep degrees eliminated."""
    _, _, _, ors = context(facts)
    cur, cuts = list(facts), []
    for k, cases in enumerate(ors):
        v = _definitional_or(cases)
        if v is None or len(cases) < 2:
            continue
        got = _bound_cut(cur, k, cases, v, deadline)
        if got is not None:
            cuts.append(got)
            cur.append(got[0])
    got = None
    for degree, flat in ((4, False), (4, True), (5, True)):
        got = _leaf(cur, deadline, degree, wide=True, flat=flat, rich=True)
        if got is not None:
            break
    if got is None:
        got = _collapse(cur, deadline)
    if got is not None:
        for fact, proof in reversed(cuts):
            got = Cut(fact, (proof,), got)
    return got


def _collapse(facts, deadline):
    """A disjunction whose cases are equalities e₁ = 0 ∨ e₂ = 0 ∨ … (ρ² = |λ₀|² ∨ ρ² = |λ₁|²) collapses when its
    cases coincide: the cut e₁ − e_k = 0, proved by refuting e₁ − e_k > 0 and its mirror (:func:`_refute_rich`), then
    the first stage's search on the sentence with that fact. A Cut, or None."""
    _, _, _, ors = context(facts)
    for cases in ors:
        if len(cases) < 2 or not all(isinstance(d, tuple) and d[0] == "eq" for d in cases):
            continue
        for d in cases[1:]:
            g = sp.expand(sp.sympify(cases[0][1]) - sp.sympify(d[1]))
            if g == 0 or not g.free_symbols:
                continue
            proofs = []
            for side in (g, -g):
                got = _refute_rich(list(facts) + [("gt", side)], deadline)
                if got is None:
                    break
                proofs.append(got)
            else:
                rest = _search(list(facts) + [("eq", g)], deadline, 0)
                if rest is not None:
                    return Cut(("eq", g), tuple(proofs), rest)
    return None


def _refute_rich(facts, deadline):
    """A refutation of ``facts``: a leaf of degree 4, else a sign split on a factor p of one of its equalities (p·q = 0
    once the linear definitions are substituted: im₀·(re₁ − re₀) = 0): the cut p = 0 proved by refuting p > 0 and
    −p > 0 — the trichotomy, as the kernel reads a cut — then the case p = 0, each a leaf of degree 4, with the
    (mᵢ ± mⱼ)² squares where the plain one finds nothing; else one leaf with those squares."""
    got = _leaf(facts, deadline, 4, rich=True)
    if got is not None:
        return got
    for p in _factors(facts):
        parts = []
        for extra in (("gt", p), ("gt", -p), ("eq", p)):
            got = None
            for dsos in (False, True):
                got = _leaf(list(facts) + [extra], deadline, 4, rich=True, dsos=dsos)
                if got is not None:
                    break
            if got is None:
                break
            parts.append(got)
        else:
            return Cut(("eq", p), (parts[0], parts[1]), parts[2])
    return _leaf(facts, deadline, 4, rich=True, dsos=True)


def _factors(facts) -> list:
    """The non-constant factors of the context's equalities that factor once its linear definitions are
    substituted (single variables first), each once."""
    _, _, eqs, _ = context(facts)
    elim = _eliminations(eqs)
    sub = {v: p for _, v, p, _ in elim}
    gone = {j for j, _, _, _ in elim}
    out = []
    for j, h in enumerate(eqs):
        if j in gone:
            continue
        h = sp.expand(sp.sympify(h).xreplace(sub)) if sub else sp.expand(h)
        if h == 0 or not h.free_symbols:
            continue
        try:
            _, fl = sp.factor_list(h)
        except Exception:  # noqa: BLE001
            continue
        fl = [f for f, _ in fl if f.free_symbols]
        if len(fl) < 2:
            continue
        for f in fl:
            f = sp.expand(f)
            if not any(sp.expand(f - o) == 0 or sp.expand(f + o) == 0 for o in out):
                out.append(f)
    return sorted(out, key=lambda f: (len(f.free_symbols), sp.default_sort_key(f)))


_LAST_WORK = 0


def last_work() -> int:
    """The work (LP columns, lifted terms) the last :func:`find` in this process spent."""
    return _LAST_WORK


def _register_with_the_kernel() -> None:
    from ..kernel import psatz

    psatz.register(find)


_register_with_the_kernel()
