"""The finder of Positivstellensatz refutations for the kernel's own sentence (checked by kernel/psatz.py).

The kernel hands over its structured sentence (kernel/smt.py keeps one beside the SMT-LIB text) and gets back a
tree of case splits and leaves; nothing here is trusted. A leaf is searched as a linear program (HiGHS, in
floats): nonnegative weights on products of at most two of the context's positives (and on the squares of its
variables), free multipliers (polynomials up to a degree bound) of its equalities, the weights of the strict
terms summing to 1, every monomial's coefficient 0. The float solution only names the support: its weights are
rounded to small rationals and the multipliers of the equalities are then solved for *exactly* (a linear
system over ℚ, python-flint), so the identity the kernel checks holds without rounding. A disjunction of the
sentence (ρ is the modulus of one of the eigenvalues; a maximum equals one of its arguments) is split, each
case a leaf of its own. Everything runs under a wall-clock budget; a certificate not found leaves the step to
the solvers, as before.
"""
from __future__ import annotations

import itertools
import time
from fractions import Fraction

import sympy as sp

from ..kernel.psatz import Cut, Refutation, Split, context

#: at most this many LP columns for one leaf (a larger leaf is left to the solvers)
MAX_COLUMNS = 6000
#: the largest total degree of a leaf's identity tried
MAX_DEGREE = 6
#: the deepest case split tried
MAX_SPLITS = 2
#: at most this many definitional atoms pinned by cuts
MAX_CUTS = 4
#: seconds per sentence when the caller gives none
BUDGET = 2.0


#: the work a sentence may cost: LP columns summed over every LP tried (deterministic, unlike seconds: whether a
#: certificate is found does not depend on the machine's load; the wall clock is only a safety net)
WORK = 5000


class _OutOfTime(Exception):
    pass


class _Budget:
    def __init__(self, work: int, wall: float):
        self.work, self.wall = work, wall

    def spend(self, n: int) -> None:
        self.work -= n
        if self.work < 0:
            raise _OutOfTime
        self.check()

    def check(self) -> None:
        if time.monotonic() > self.wall:
            raise _OutOfTime

    def left(self) -> float:
        return max(self.wall - time.monotonic(), 0.05)


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


def _leaf(facts, deadline: float, degree: int):
    """A :class:`Refutation` of the conjunction ``facts`` with identity degree ≤ ``degree``, or None."""
    pos, strict, eqs, _ = context(facts)
    syms = set()
    for e in pos + eqs:
        syms |= e.free_symbols
    gens = sorted(syms, key=lambda s: (str(s), id(s)))
    nv = len(gens)
    P = [_poly(e, gens) for e in pos]
    H = [_poly(e, gens) for e in eqs]
    cols = []   # (kind, data, polynomial): kind "c" (weight ≥ 0: (s, idx)) or "m" (free: (monomial, j))
    one = {tuple([0] * nv): Fraction(1)}
    cols.append(("c", (1, ()), one, True))
    for i, p in enumerate(P):
        if _deg(p) <= degree:
            cols.append(("c", (1, (i,)), p, strict[i]))
    for i, j in itertools.combinations_with_replacement(range(len(P)), 2):
        if _deg(P[i]) + _deg(P[j]) <= degree:
            cols.append(("c", (1, (i, j)), _mul(P[i], P[j]), strict[i] and strict[j]))
        if len(cols) > MAX_COLUMNS:
            return None
    # the negated goal (a "gt" fact) times up to three more facts: x·y ≤ z·w chains need a product of four
    gt = [i for i, f in enumerate(_kinds(facts)) if f == "gt"]
    others = [i for i in range(len(P)) if i not in gt and _deg(P[i]) <= 2]
    for g in gt:
        for r in (2, 3):
            for combo in itertools.combinations_with_replacement(others, r):
                if _deg(P[g]) + sum(_deg(P[i]) for i in combo) > degree:
                    continue
                prod = P[g]
                for i in combo:
                    prod = _mul(prod, P[i])
                cols.append(("c", (1, (g, *combo)), prod, all(strict[i] for i in combo)))
                if len(cols) > MAX_COLUMNS:
                    return None
    for v in range(nv):
        sq = {tuple(2 if k == v else 0 for k in range(nv)): Fraction(1)}
        cols.append(("c", (gens[v], ()), sq, False))
        for i, p in enumerate(P):
            if strict[i] and _deg(p) + 2 <= degree:
                cols.append(("c", (gens[v], (i,)), _mul(sq, p), False))
    for j, h in enumerate(H):
        dh = _deg(h)
        for mono in _monomials(nv, degree - dh):
            cols.append(("m", (mono, j), _mul({mono: Fraction(1)}, h), None))
            if len(cols) > MAX_COLUMNS:
                return None
    deadline.spend(len(cols))
    x = _lp(cols, deadline)
    if x is None:
        return None
    deadline.check()
    return _exact(cols, x, gens)


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
    settings.max_iter = 60
    settings.time_limit = deadline.left()
    sol = clarabel.DefaultSolver(sparse.csc_matrix((len(cols), len(cols))), q, A, b,
                                 [clarabel.ZeroConeT(nz), clarabel.NonnegativeConeT(len(weights))],
                                 settings).solve()
    if str(sol.status) not in ("Solved", "AlmostSolved"):
        return None
    return list(sol.x)


def _rat(x: float) -> Fraction:
    return Fraction(x).limit_denominator(1000)


def _exact(cols, x, gens):
    """An exact certificate near the float one: the weights below a tolerance dropped, the rest and the
    multipliers of the equalities solved for over ℚ (python-flint: reduced row echelon form, every free unknown
    set to its rounded float value, every pivot solved), kept only when every weight is ≥ 0."""
    import flint

    for tol in (1e-8, None):   # the multipliers the float solution uses, then (rarely needed) all of them
        got = _exact_on(cols, x, gens, [k for k, col in enumerate(cols)
                                        if x[k] > 1e-7 or (col[0] == "m" and (tol is None or abs(x[k]) > tol))])
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
    pivots = []
    for i in range(rank):
        lead = next(k for k in range(ncol + 1) if R[i, k] != 0)
        if lead == ncol:
            return None   # no exact solution on this support
        pivots.append(lead)
    val = [None] * ncol
    free = [n for n in range(ncol) if n not in set(pivots)]
    for n in free:
        q = _rat(x[keep[n]])
        val[n] = flint.fmpq(q.numerator, q.denominator)
    for i, n in enumerate(pivots):
        val[n] = R[i, ncol] - sum((R[i, f] * val[f] for f in free if R[i, f] != 0), flint.fmpq(0))
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
    _, _, eqs, _ = context(facts)
    have = {sp.expand(h) for h in eqs}
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
            for cand in (sp.expand(v - q), sp.expand(v + q)):
                if cand not in have and -cand not in have:
                    out.append(cand)
    return out


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
        for k in sorted(range(len(ors)), key=lambda k: len(ors[k])):
            if len(ors[k]) < 2:
                continue
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
    deadline = _Budget(WORK, time.monotonic() + min(float(budget) if budget else BUDGET, BUDGET))
    try:
        return _search(list(facts), deadline, 0)
    except _OutOfTime:
        return None


def _register_with_the_kernel() -> None:
    from ..kernel import psatz

    psatz.register(find)


_register_with_the_kernel()
