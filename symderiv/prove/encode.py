"""The papers' scalar notation as a quantifier-free sentence of real arithmetic.

A relational claim's check is run on *symbolic* values (matrices of real
symbols, see :mod:`symderiv.prove.domains`); every scalar it returns
(norm2, fro, rho, lam_min, lam_max, smin, det, absval, and the exact
expressions of its sides: division, square roots, |x|, max/min, tanh,
logistic) becomes a fresh real variable with **defining constraints**, so that
each quantity is exactly determined by its constraints, or (for tanh and the
logistic function) soundly over-approximated by them:

* s = ‖M‖₂: s ≥ 0, s²I − MᵀM positive semidefinite (every principal minor
  ≥ 0) and det(s²I − MᵀM) = 0;
* σ_min(M): s ≥ 0, MᵀM − s²I PSD, det(MᵀM − s²I) = 0;
* ‖M‖_F: f ≥ 0, f² = Σ m_ij²;
* ρ(M), λ*(M), λ_max(M): the n eigenvalues as p_k + i q_k, tied to M by
  Vieta's formulas (det(xI − M) = Π (x − p_k − i q_k), coefficient by
  coefficient, real and imaginary parts), then r ≥ 0 with r² ≥ p_k² + q_k²
  for every k and = for one (ρ), ≤ and = for λ*, the largest real one for λ_max;
* x/y: v with v·y = x, y ≠ 0; √x: v ≥ 0, v² = x; |x|: v ≥ 0, v² = x²;
  max/min: v ≥ (≤) every argument and equal to one;
* tanh(x), logistic(x): a relaxation (range, sign, monotone in x); e^x: e^x > 0, e^x ≥ 1 + x: a proof
  for every function with those properties is a proof for tanh.

The sentence to refute is ``domain ∧ definitions ∧ hypotheses ∧ ¬step``: if it
has no real solution, the step holds at that size. A solution is only a
candidate for the counterexample search (the kernel certifies, as always).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import sympy as sp

from ..functions import logistic
from ..relations import Num, Op, Relation, Spectral
from .domains import Value


class Unsupported(Exception):
    """A quantity or expression the encoder has no real-arithmetic meaning for."""


class Witness(sp.Symbol):
    """A variable the encoder adds (a quotient ``_q0``, a norm ``_norm3``, …), numbered within one sentence.

    Its own class, so it is never equal to a claim's :class:`~.domains.Value` nor to a symbol the check made,
    whatever the names (a given value named ``_q0`` is another variable). Two sentences number theirs alike, so
    the caches of certificates (checked as polynomial identities, whatever the variables stand for) are shared.
    """


#: what each encoded quantity says, for the report ("how a step was proved")
DEFINITIONS = {
    "norm2": "s = ‖M‖₂ as s ≥ 0, s²I − MᵀM = R Rᵀ (R lower triangular), ‖x‖ = 1 and xᵀMᵀMx = s² for some x",
    "smin": "s = σ_min(M) as s ≥ 0, MᵀM − s²I = R Rᵀ, ‖x‖ = 1 and xᵀMᵀMx = s² for some x",
    "fro": "f = ‖M‖_F as f ≥ 0, f² = Σ m_ij²",
    "rho": "ρ(M) from the eigenvalues p_k + i q_k (Vieta's formulas for det(xI − M))",
    "lam_min": "λ*(M) from the eigenvalues p_k + i q_k (Vieta's formulas)",
    "lam_max": "λ_max(M): the largest real eigenvalue (Vieta's formulas)",
    "det": "det M, a polynomial",
    "abs": "|x| as v ≥ 0, v² = x²",
}


@dataclass
class Sentence:
    """Real arithmetic: the variables, the constraints (SymPy Booleans over polynomials), and the goal's negation."""

    variables: list
    constraints: list          # domain ∧ definitions ∧ hypotheses
    negated: object            # ¬(the step)
    used: set = field(default_factory=set)   # which quantities were encoded (kinds)
    hints: list = field(default_factory=list)  # lemma instances added (each a consequence of the definitions)


class Encoder:
    def __init__(self):
        self.variables: list = []
        self.constraints: list = []
        self.used: set = set()
        self.hints: list = []
        self._memo: dict = {}
        self._count = itertools.count()
        # what the lemmas (symderiv.prove.lemmas) instantiate: each quantity with its defining variables
        self.norms: list = []        # dict(s, M, G, R, x): s = ‖M‖₂, s²I − G = R Rᵀ, ‖x‖ = 1, xᵀGx = s²
        self.orthogonal: list = []   # matrices Q of the domain with QᵀQ = I (and QQᵀ = I)
        self.eigen: list = []        # dict(M, p, q, u, w): M(u + iw) = (p + iq)(u + iw), ‖u‖² + ‖w‖² = 1
        self.maxima: list = []       # (v, [args]): v = max(args)
        self.absolutes: list = []    # (v, x): v = |x|
        self.names: dict = {}        # variable -> the quantity it stands for, for the report
        # what each witness variable is, for the kernel to pair with its own (kernel/goal.py, WITNESSES): (kind,
        # argument (an expression or a matrix over the claim's values and earlier variables), {role: variables})
        self.meanings: list = []
        # the definitions that hold only where a quantity is defined (a denominator ≠ 0, a square root's argument
        # ≥ 0, a real eigenvalue for lam_max): every other definition has a solution for every value
        self.partial: list = []

    # ----- variables ------------------------------------------------------------

    def fresh(self, prefix: str) -> sp.Symbol:
        v = Witness(f"_{prefix}{next(self._count)}", real=True)
        self.variables.append(v)
        return v

    def declare(self, symbols) -> None:
        for s in symbols:
            if s not in self.variables:
                self.variables.append(s)

    def add(self, *cs) -> None:
        for c in cs:
            if c is sp.true or c is True:
                continue
            if c is sp.false or c is False:
                self.constraints.append(sp.false)
                continue
            self.constraints.append(c)

    # ----- expressions: anything exact -> a polynomial over variables -----------

    def expr(self, e) -> sp.Expr:
        e = sp.sympify(e)
        if e in self._memo:
            return self._memo[e]
        out = self._expr(e)
        self._memo[e] = out
        return out

    def _expr(self, e):
        if e.is_Rational:
            return e
        if e.is_Symbol:
            if not isinstance(e, Value):   # by object: a symbol named v[0] is not the value v's entry
                raise Unsupported(f"the symbol {e} is not a coordinate of one of the claim's given values "
                                  "(the check made it): it has no domain")
            if e.is_real is not True:
                raise Unsupported(f"the symbol {e} is not declared real")
            self.declare([e])
            return e
        if e.is_Add:
            return sp.Add(*[self.expr(a) for a in e.args])
        if e.is_Mul:
            num, den = sp.fraction(e)
            if den != 1:
                return self._divide(self.expr(num), self.expr(den))
            return sp.Mul(*[self.expr(a) for a in e.args])
        if e.is_Pow:
            base, k = e.args
            if k.is_Integer and k > 0:
                return self.expr(base) ** int(k)
            if k.is_Integer and k < 0:
                return self._divide(sp.Integer(1), self.expr(base) ** int(-k))
            if k.is_Rational and k.q == 2:
                r = self._sqrt(self.expr(base))
                return r ** int(k.p) if k.p > 0 else self._divide(sp.Integer(1), r ** int(-k.p))
            raise Unsupported(f"the power {e}")
        if isinstance(e, sp.Abs):
            return self._abs(self.expr(e.args[0]))
        if isinstance(e, (sp.Max, sp.Min)):
            args = [self.expr(a) for a in e.args]
            v = self.fresh("max" if isinstance(e, sp.Max) else "min")
            rel = sp.Ge if isinstance(e, sp.Max) else sp.Le
            self.add(*[rel(v, a) for a in args], sp.Or(*[sp.Eq(v, a) for a in args]))
            if isinstance(e, sp.Max):
                self.maxima.append((v, args))
            return v
        if isinstance(e, sp.tanh):
            return self._sigmoid_like(self.expr(e.args[0]), -1, 1, "tanh")
        if isinstance(e, sp.exp):  # the logistic function reaches here as 1/(1 + e^−x) (relations.lift)
            x, v = self.expr(e.args[0]), self.fresh("exp")
            self.add(sp.Gt(v, 0), sp.Ge(v, 1 + x))  # sound: e^x > 0 and e^x ≥ 1 + x for every real x
            self.meanings.append(("exp", x, {"v": v}))
            self.used.add("exp")
            return v
        name = type(e).__name__
        if name in ("logistic", "Logistic", "sigmoid"):
            return self._sigmoid_like(self.expr(e.args[0]), 0, 1, "logistic")
        raise Unsupported(f"no real-arithmetic encoding for {name} ({sp.sstr(e)[:60]})")

    def _divide(self, num, den):
        if den.is_Rational:
            if den == 0:
                raise Unsupported("division by zero")
            return num / den
        v = self.fresh("q")
        self.add(sp.Ne(den, 0), sp.Eq(v * den, num))
        self.partial.append(sp.Ne(den, 0))
        return v

    def _sqrt(self, x):
        if x.is_Rational and x >= 0 and sp.sqrt(x).is_Rational:
            return sp.sqrt(x)
        v = self.fresh("r")
        self.add(sp.Ge(x, 0), sp.Ge(v, 0), sp.Eq(v ** 2, x))
        self.partial.append(sp.Ge(x, 0))
        return v

    def _abs(self, x):
        if x.is_Rational:
            return abs(x)
        v = self.fresh("a")
        self.add(sp.Ge(v, 0), sp.Eq(v ** 2, x ** 2))
        self.absolutes.append((v, x))
        return v

    def _sigmoid_like(self, x, lo, hi, name):
        """A sound relaxation of tanh / the logistic function: its range and that it is increasing through its centre."""
        v = self.fresh(name)
        self.meanings.append((name, x, {"v": v}))
        mid = sp.Rational(lo + hi, 2)
        self.add(sp.Gt(v, lo), sp.Lt(v, hi), sp.Equivalent(sp.Gt(x, 0), sp.Gt(v, mid)), sp.Equivalent(sp.Lt(x, 0), sp.Lt(v, mid)))
        self.used.add(name)
        return v

    def matrix(self, M: sp.Matrix) -> sp.Matrix:
        return M.applyfunc(self.expr)

    # ----- scalars of the notation ---------------------------------------------

    def scalar(self, s) -> sp.Expr:
        if s in self._memo:
            return self._memo[s]
        out = self._scalar(s)
        self._memo[s] = out
        return out

    def _scalar(self, s):
        if isinstance(s, Num):  # relations.lift writes the logistic function as 1/(1 + e^−x): read it back, once
            v = s.value
            if isinstance(v, sp.Basic) and v.has(sp.exp):
                v = v.replace(_is_logistic, lambda p: logistic(-p.base.args[1].args[0]))
            return self.expr(v)
        if isinstance(s, Op):
            a, b = (self.scalar(x) for x in s.args)
            if s.op == "+":
                return a + b
            if s.op == "-":
                return a - b
            if s.op == "*":
                return a * b
            if s.op == "/":
                return self._divide(a, b)
            if s.op == "^":
                k = b
                if k.is_Integer and k >= 0:
                    return a ** int(k)
                if k.is_Integer:
                    return self._divide(sp.Integer(1), a ** int(-k))
                raise Unsupported(f"the power {s}")
        if isinstance(s, Spectral):
            self.used.add(s.kind)
            v = getattr(self, f"_q_{s.kind}")(self.matrix(s.M))
            if isinstance(v, sp.Symbol):
                self.names.setdefault(v, _shown(s))
            return v
        raise Unsupported(f"no encoding for {type(s).__name__}")

    def _q_abs(self, M):
        return self._abs(M[0, 0])

    def _q_det(self, M):
        return sp.expand(M.det(method="berkowitz"))

    def _q_fro(self, M):
        f = self.fresh("fro")
        self.add(sp.Ge(f, 0), sp.Eq(f ** 2, sp.Add(*[x ** 2 for x in M])))
        self.meanings.append(("fro", M, {"s": f}))
        return f

    def _gram(self, M):
        return M.T * M if M.rows >= M.cols else M * M.T

    def psd_factor(self, S: sp.Matrix) -> list:
        """S ⪰ 0 as S = R Rᵀ with R lower triangular (fresh variables): every PSD matrix has such a factor."""
        n = S.rows
        R = sp.Matrix(n, n, lambda i, j: self.fresh("L") if j <= i else 0)
        self._last_factor = R
        D = (S - R * R.T).applyfunc(sp.expand)
        return [sp.Eq(D[i, j], 0) for i in range(n) for j in range(i, n)]

    def _extreme_singular(self, M, prefix: str, largest: bool):
        """s ≥ 0 with s² the largest (smallest) eigenvalue of the Gram matrix G: s²I − G ⪰ 0 (G − s²I ⪰ 0)
        as a factor R Rᵀ, and a unit vector x with xᵀGx = s² attaining it."""
        G = (self._gram(M) if largest else M.T * M).applyfunc(sp.expand)
        s = self.fresh(prefix)
        kind = "norm2" if largest else "smin"
        if G.rows == 1:
            self.add(sp.Ge(s, 0), sp.Eq(s ** 2, G[0, 0]))
            self.meanings.append((kind, M, {"s": s}))
            return s
        n = G.rows
        x = sp.Matrix(n, 1, lambda i, j: self.fresh("x"))
        S = s ** 2 * sp.eye(n) - G if largest else G - s ** 2 * sp.eye(n)
        factor = self.psd_factor(S)
        self.add(sp.Ge(s, 0), *factor, sp.Eq(sp.expand((x.T * x)[0, 0]), 1),
                 sp.Eq(sp.expand((x.T * G * x)[0, 0]), s ** 2))
        self.meanings.append((kind, M, {"s": s, "R": self._last_factor, "x": x}))
        if largest and M.rows >= M.cols:
            self.norms.append(dict(s=s, M=M, G=G, R=self._last_factor, x=x))
        return s

    def _q_norm2(self, M):
        return self._extreme_singular(M, "norm", True)

    def _q_smin(self, M):
        if M.rows != M.cols:
            raise Unsupported("σ_min of a non-square matrix")
        return self._extreme_singular(M, "smin", False)

    def eigenvalues(self, M) -> list[tuple]:
        """Variables (p_k, q_k) for M's eigenvalues p_k + i q_k, tied to M by Vieta's formulas."""
        key = ("eig", tuple(M))
        if key in self._memo:
            return self._memo[key]
        n = M.rows
        if n != M.cols:
            raise Unsupported("eigenvalues of a non-square matrix")
        x = sp.Dummy("x")
        coeffs = sp.Poly((x * sp.eye(n) - M).det(method="berkowitz"), x).all_coeffs()  # leading 1
        roots = [(self.fresh("re"), self.fresh("im")) for _ in range(n)]
        if n == 1:
            self.add(sp.Eq(roots[0][1], 0))
        # the product of (x − λ_k) with complex coefficients kept as (real, imaginary) pairs, highest degree first
        prod = [(sp.Integer(1), sp.Integer(0))]
        for p, q in roots:
            nxt = [(sp.Integer(0), sp.Integer(0))] * (len(prod) + 1)
            for i, (a, b) in enumerate(prod):
                nxt[i] = (nxt[i][0] + a, nxt[i][1] + b)
                # times (−p − i q)
                nxt[i + 1] = (nxt[i + 1][0] - a * p + b * q, nxt[i + 1][1] - a * q - b * p)
            prod = nxt
        for (a, b), c in zip(prod[1:], coeffs[1:]):
            self.add(sp.Eq(sp.expand(a), sp.expand(c)), sp.Eq(sp.expand(b), 0))
        if any(M == Q for Q in self.orthogonal):
            # every eigenvalue has an eigenvector u + i w (normalised): the orthogonal lemma reads it
            for p, q in roots:
                u = sp.Matrix(n, 1, lambda i, j: self.fresh("u"))
                w = sp.Matrix(n, 1, lambda i, j: self.fresh("w"))
                e1 = (M * u - p * u + q * w).applyfunc(sp.expand)
                e2 = (M * w - q * u - p * w).applyfunc(sp.expand)
                self.add(sp.Eq(sp.expand((u.T * u + w.T * w)[0, 0]), 1), *[sp.Eq(x, 0) for x in list(e1) + list(e2)])
                self.eigen.append(dict(M=M, p=p, q=q, u=u, w=w))
        self.meanings.append(("eig", M, {"roots": roots, "vectors": [(e["u"], e["w"]) for e in self.eigen
                                                                       if e["M"] is M or e["M"] == M]}))
        self._memo[key] = roots
        return roots

    def _q_rho(self, M):
        roots = self.eigenvalues(M)
        r = self.fresh("rho")
        self.meanings.append(("rho", M, {"s": r}))
        mods = [p ** 2 + q ** 2 for p, q in roots]
        self.add(sp.Ge(r, 0), *[sp.Ge(r ** 2, m) for m in mods], sp.Or(*[sp.Eq(r ** 2, m) for m in mods]))
        return r

    def _q_lam_min(self, M):
        roots = self.eigenvalues(M)
        r = self.fresh("lmin")
        self.meanings.append(("lam_min", M, {"s": r}))
        mods = [p ** 2 + q ** 2 for p, q in roots]
        self.add(sp.Ge(r, 0), *[sp.Le(r ** 2, m) for m in mods], sp.Or(*[sp.Eq(r ** 2, m) for m in mods]))
        return r

    def _q_lam_max(self, M):
        roots = self.eigenvalues(M)
        v = self.fresh("lmax")
        # the claim is only meaningful when M has a real eigenvalue; lam_max is the largest one
        real = sp.Or(*[sp.And(sp.Eq(q, 0), sp.Eq(v, p)) for p, q in roots])
        self.add(real, *[sp.Or(sp.Ne(q, 0), sp.Le(p, v)) for p, q in roots])
        self.partial.append(real)
        return v

    # ----- relations -------------------------------------------------------------

    def boolean(self, c):
        """A SymPy relation or Boolean with exact sides, its sides encoded."""
        if c is sp.true or c is sp.false or isinstance(c, bool):
            return sp.sympify(c)
        if isinstance(c, (sp.And, sp.Or, sp.Not, sp.Equivalent)):
            return type(c)(*[self.boolean(a) for a in c.args])
        if isinstance(c, sp.core.relational.Relational):
            return type(c)(self.expr(c.lhs), self.expr(c.rhs))
        raise Unsupported(f"the constraint {c}")

    def relation(self, r: Relation):
        a, b = self.scalar(r.lhs), self.scalar(r.rhs)
        return {"<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt, "=": sp.Eq, "!=": sp.Ne}[r.op](a, b)


def _shown(s: Spectral) -> str:
    """norm2(M) with M's entries, shortened for a report line."""
    text = str(s)
    return text if len(text) <= 70 else text[:67] + "…)"


def psd(S: sp.Matrix) -> list:
    """S ⪰ 0 for a symmetric S: every principal minor is ≥ 0 (Sylvester's criterion for semidefiniteness)."""
    n = S.rows
    out = []
    for k in range(1, n + 1):
        for idx in itertools.combinations(range(n), k):
            out.append(sp.Ge(sp.expand(S.extract(list(idx), list(idx)).det(method="berkowitz")), 0))
    return out


def negate(c):
    """¬c for a relation or Boolean (Ne(a, b) for Eq(a, b), …)."""
    return sp.Not(c)


def _is_logistic(e) -> bool:
    """Whether e is 1/(1 + e^u), the logistic function of −u."""
    return (e.is_Pow and e.exp == -1 and e.base.is_Add and len(e.base.args) == 2 and e.base.args[0] == 1
            and isinstance(e.base.args[1], sp.exp))
