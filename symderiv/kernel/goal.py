"""A relational step's `holds`: the kernel states the goal itself, from the claim, and checks the certificate on it.

The prove phase (:mod:`symderiv.prove`) encodes a step as real arithmetic and
finds Positivstellensatz certificates for *its* encoding; a bug there (a term
dropped, a sign flipped, a wrong constraint) would make a certificate for the
wrong statement. So the kernel does not read the prover's goal. At the size it:

1. makes its own symbols for the claim's values, from the search domains the
   claim declares (:func:`_domain`: a scalar in [lo, hi] is a real x with
   x − lo ≥ 0 and hi − x ≥ 0, an orthogonal Q has QᵀQ − I = 0, …; a
   ``sampled(make, domain=f)`` value is the proof file's own ``f``), and runs the
   claim's check on them (the proof file's code, with its ``assume(...)``);
2. reads the step and each hypothesis as rational functions of those symbols
   (sums, products, quotients, integer powers of what the check returned,
   det) and of its own *atoms* for |x|, √x, max and min, each with the facts
   that define it (a ≥ 0 and a² = x²; r ≥ 0, x ≥ 0 and r² = x; m ≥ each
   argument), and for ‖M‖_F, ‖M‖₂, σ_min, ρ, λ*, exp, tanh and the logistic function with
   the facts of the table FUNCTIONS below (and, for ‖M‖₂, σ_min, ρ and λ*, the
   witnesses of WITNESSES), noting every denominator (the step
   is about the points where they are not 0);
3. checks each certificate exactly (:mod:`.sos`), then *interprets* the
   certificate's other variables: each must be defined by one of its
   equalities v·d − n = 0 with d a denominator the claim has, i.e. v = n/d,
   or be one of the kernel's atoms (an equality on it, such as v² − x², becomes
   an identity once a² is replaced by what the kernel knows it is), or be paired
   with the kernel's own atom or witness of the quantity the prover says it is
   (WITNESSES);
   under that interpretation every hypothesis, equality and nonzero factor the
   certificate uses must be one the kernel derived in 1–2 (up to a positive
   constant factor for g ≥ 0, any nonzero constant for h = 0 or d ≠ 0, or an
   identity), and the certificate's goal must be the kernel's own
   big − small (or big ≥ 0 and big² − small² ≥ 0). Then every term of the
   certificate is ≥ 0 (or 0) at every point where the claim's values are
   defined and its hypotheses hold, so small ≤ big there.

FUNCTIONS — the kernel's own atoms beyond |x|, √x, max and min, each with the
facts the kernel states for it (never read from the prover's constraints; a
certificate or a sentence may use only these), and why each is a theorem:

* ‖M‖_F = f, any matrix: f ≥ 0 and f² = Σ m_ij² (the definition; exact);
* e^z = e: e > 0 (exp is positive); e ≥ 1 + z (the tangent at 0 of a convex
  function lies below it); (e − 1)·z ≥ 0 and z > 0 ⇔ e − 1 > 0, z < 0 ⇔
  e − 1 < 0 (exp is increasing and e⁰ = 1); e = E for z = 1;
* tanh z = t: −1 < t < 1 (tanh = (e^{2z} − 1)/(e^{2z} + 1), and 0 < e^{2z});
  t·z ≥ 0 and z > 0 ⇔ t > 0, z < 0 ⇔ t < 0 (tanh is odd, increasing,
  tanh 0 = 0);
* logistic z = s (read from 1/(1 + e^u), the way relations.lift writes it,
  as s = logistic(−u), or from the notation's own logistic): 0 < s < 1
  (1 + e^{−z} > 1); (s − 1/2)·z ≥ 0 and z > 0 ⇔ s > 1/2, z < 0 ⇔ s < 1/2
  (increasing, s(0) = 1/2); with an atom e = e^{−z} of the same claim,
  s·(1 + e) = 1 (the definition);
* ‖M‖₂ = s for a matrix that is neither 1×1 nor diagonal as written (those
  keep their structural readings |m| and maxᵢ|dᵢ|): with G = MᵀM (or MMᵀ,
  the smaller) and p(λ) = det(λI − G) (Berkowitz, exact), s ≥ 0,
  p(s²) = 0 and p⁽ᵏ⁾(s²) ≥ 0 for k = 1 … deg p − 1. G is symmetric, so p is
  real-rooted; by Rolle the largest root of each p⁽ᵏ⁾ is at most that of p,
  so a root λ of p with p⁽ᵏ⁾(λ) ≥ 0 for every k is p's largest root (any
  smaller root λ has p⁽ᵏ⁾(λ) < 0 for the k whose largest root is the first
  above λ): s² = λ_max(G) = ‖M‖₂², exactly.

* σ_min(M) = s for a square matrix that is neither 1×1 nor diagonal as written
  (those: |m| and minᵢ|dᵢ|): with G = MᵀM and p as above, s ≥ 0, p(s²) = 0 and
  (−1)^(deg p − k)·p⁽ᵏ⁾(s²) ≥ 0 for k = 1 … deg p − 1 (the argument for ‖M‖₂
  applied to (−1)ⁿp(−μ), whose largest root is −λ_min): s² = λ_min(G);
* ρ(M) = r and λ*(M) = r of a square matrix that is not triangular as written
  (those: maxᵢ|tᵢᵢ|, minᵢ|tᵢᵢ|): the kernel's eigenvalues pₖ + iqₖ (k = 1 … n,
  WITNESSES) and r ≥ 0 with r² ≥ pₖ² + qₖ² for every k (≤ for λ*) and
  r² = pₖ² + qₖ² for one k (a disjunction, in the kernel's sentence only).

The sign facts (⇔) and the disjunctions are not polynomial: only the kernel's
SMT sentence states them (:mod:`.smt`); a certificate uses the polynomial ones.

WITNESSES — the kernel's own variables for a quantity's witnesses, with the
constraints it states for them from its own atoms (never read from the prover),
each satisfiable at the quantity's true value by a cited theorem:

* for s = ‖M‖₂ (σ_min(M)) with G its Gram matrix (n ≥ 2; also for the diagonal
  reading maxᵢ|dᵢ| (minᵢ|dᵢ|), which is ‖D‖₂ (σ_min(D)), with that atom as s):
  a lower triangular R with s²I − G − RRᵀ = 0 (G − s²I − RRᵀ = 0) entrywise,
  and x with xᵀx = 1, xᵀGx = s². At the true s, s²I − G (G − s²I) is positive
  semidefinite (s² is G's largest (least) eigenvalue, G symmetric), so it has
  an LDLᵀ factorisation with D ≥ 0 and R = L√D is real lower triangular
  (Cholesky for a PSD matrix); x is a unit eigenvector of G for s²
  (the spectral theorem);
* for the eigenvalues of an n×n M (n ≥ 2, for ρ and λ*): pₖ, qₖ with
  Πₖ(λ − pₖ − iqₖ) = det(λI − M) coefficient by coefficient (real and imaginary
  parts; Vieta's formulas). det(λI − M) has n complex roots (the fundamental
  theorem of algebra), which satisfy them; by unique factorisation every
  solution is that multiset of roots. For each k, u_k, w_k with
  M(u_k + iw_k) = (pₖ + iqₖ)(u_k + iw_k) (real and imaginary parts) and
  ‖u_k‖² + ‖w_k‖² = 1: a root of det(λI − M) is an eigenvalue, whose
  eigenvector, normalised, is one.

The kernel's facts F(X, a, W) then hold at every point X of the claim's domain
with a the true quantities and some W (witnesses of distinct atoms are
independent): a certificate that proves the goal for every (X, a, W) meeting F
proves it at the true values. The prover names which quantity each of its
variables stands for (``proof.meanings``: ("norm2", M, {"s", "R", "x"}),
("eig", M, {"roots", "vectors"}), ("rho", M, {"s"}), ("tanh", z, {"v"}), …);
the kernel reads M in its own terms and pairs the variables with its own atom
and witnesses of that quantity. The pairing is no fact: every constraint the
certificate uses is then checked as one of the kernel's facts (up to a positive
constant for g ≥ 0, any nonzero one for h = 0), so a wrong pairing or a wrong
template (s² written s, R not tied to G, a sign flipped in Vieta's formulas, a
unit vector that is not unit) only rejects. A label may name a quantity the claim
does not (a lemma instance's): the kernel then reads it into its statement, which
may add definitions only; a reading that would add an assumption (a denominator the
claim does not have, whose "≠ 0" the kernel's sentence states, or a new √, whose
argument it states ≥ 0) is undone and pairs nothing (:class:`_Snapshot`; the lemma
chains' instances likewise, kernel/lemmas.py). The prover's lemma instances
(``proof.lemmas``) are certificates too: each is checked the same way, on the
kernel's facts and the goals of the instances accepted before it, and only then
is its goal a fact (for the step's certificates, and for the kernel's own SMT
sentence when the solvers do not settle it without). R, x and the eigenvectors'
constraints (``Facts.wit``) are used by certificates only; the eigenvalues'
Vieta relations define ρ and λ* and are in the kernel's sentence too. What stays
outside is λ_max of a general matrix (a partial quantity: M may have no real
eigenvalue): a step with one is checked against the prover's goal and its token
names the prover's encoding, as before.

To check a certificate the kernel compares many rational functions of its
symbols and atoms modulo the square rules (r² = x, a² = x², f² = Σ m²). Two
things keep that fast without deciding anything by a number: a literal a² is
rewritten first, without expanding (:meth:`Statement.squares_rewritten`, an
exact rewriting; the complete one, :meth:`Statement.reduce`, runs only when it
does not settle an identity), and a numeric probe (:class:`_Probe`, 50-digit
complex values at two points consistent with the square rules) discards the
candidates (an interpretation, a fact) that are clearly not equal; every
candidate it leaves is checked exactly, so a numeric error can only reject.

A step proved by two SMT solvers' ``unsat`` has no certificate to check: the
kernel writes its own sentence for each half from this same reading
(:mod:`.smt`: facts ∧ atoms' definitions ∧ denominators ≠ 0 ∧ ¬(small ≤ big))
and has both solvers asked again on it, through an oracle the prove phase
registers; it accepts only when z3 and cvc5 both answer unsat on the kernel's
text, and its token trusts the solvers, not the encoder. Outside the fragment
the prover's sentence is trusted, and the token says so.
"""
from __future__ import annotations

import functools
import inspect

import sympy as sp

from ..families import Diagonals, Just, Matrices, Sampled, Scalars, Vectors
from ..functions import logistic
from ..notation import literal
from . import psatz, smt
from .accept import STEP, Proved, _issue
from .decide import relations_of
from .dual import KernelError
from .sos import check, check_step
from .walk import symbol_key


class Outside(Exception):
    """What the kernel's reading of a step does not cover (a norm, |x|, a function, …)."""


class _Symbols:
    """Real symbols named after the claim's values (what a proof file's ``domain=`` function is given)."""

    def __init__(self):
        self.made: list = []
        self.orthogonal: list = []

    def scalar(self, name: str) -> sp.Symbol:
        s = sp.Dummy(name, real=True)   # a distinct object whatever its name: v[0] and a scalar v_0 are two
        self.made.append(s)
        return s

    def matrix(self, name: str, rows: int, cols: int) -> sp.Matrix:
        return sp.Matrix(rows, cols, lambda i, j: self.scalar(f"{name}[{i},{j}]" if cols > 1 else f"{name}[{i}]"))


def _dim(d, size: dict) -> int:
    return size.get(d, 1) if isinstance(d, str) else int(d)


class Facts:
    """What the kernel knows at every point of the claim's domain: g ≥ 0, h = 0, d ≠ 0 (rational functions)."""

    def __init__(self):
        self.ge: list = []
        self.eq: list = []
        self.ne: list = []
        self.wit: list = []   # = 0: the defining equalities of the kernel's witnesses (WITNESSES), not in its sentence

    def constraint(self, c) -> None:
        """A domain constraint or hypothesis as SymPy relation; anything else is not used (which is sound)."""
        if isinstance(c, (sp.Ge, sp.Gt)):
            self.ge.append(c.lhs - c.rhs)
        elif isinstance(c, (sp.Le, sp.Lt)):
            self.ge.append(c.rhs - c.lhs)
        elif isinstance(c, sp.Eq):
            self.eq.append(c.lhs - c.rhs)
        elif isinstance(c, sp.Ne):
            self.ne.append(c.lhs - c.rhs)
        if isinstance(c, (sp.Gt, sp.Lt)):
            self.ne.append(c.lhs - c.rhs)


def _domain(strategy, name: str, size: dict, syms: _Symbols, facts: Facts):
    """A symbolic value standing for every value of ``strategy`` at ``size``; its constraints go to ``facts``."""
    if isinstance(strategy, Just):
        return strategy.value
    if isinstance(strategy, Sampled):
        if strategy.domain is None:
            raise Outside(f"{name}: sampled(...) states no domain")
        value, cs = strategy.domain(size, syms)
        for c in cs:
            facts.constraint(c)
        return value
    if isinstance(strategy, Scalars):
        if strategy.integer:
            raise Outside(f"{name}: integer scalars")
        x = syms.scalar(name)
        facts.constraint(sp.Ge(x, sp.Rational(strategy.lo)))
        facts.constraint(sp.Le(x, sp.Rational(strategy.hi)))
        return x
    if isinstance(strategy, Diagonals):
        d = [syms.scalar(f"{name}_{i}") for i in range(_dim(strategy.rows, size))]
        for x in d:
            facts.constraint(sp.Ge(x, sp.Rational(strategy.lo)))
            facts.constraint(sp.Le(x, sp.Rational(strategy.hi)))
        return sp.diag(*d)
    if isinstance(strategy, Vectors):
        v = syms.matrix(name, _dim(strategy.rows, size), 1)
        if strategy.nonzero:
            facts.constraint(sp.Gt(sum(x ** 2 for x in v), 0))
        return v
    if isinstance(strategy, Matrices):
        r = _dim(strategy.rows, size)
        c = r if strategy.cols is None else _dim(strategy.cols, size)
        fams, M = set(strategy.families), syms.matrix(name, r, c)
        if r != c or "general" in fams:
            return M
        if fams == {"orthogonal"}:
            for G in (M.T * M - sp.eye(r), M * M.T - sp.eye(r)):
                for i in range(r):
                    for j in range(i, r):
                        facts.constraint(sp.Eq(G[i, j], 0))
            return M
        if fams <= {"diagonal"}:
            return sp.diag(*[M[i, i] for i in range(r)])
        if fams <= {"diagonal", "triangular"}:
            return sp.Matrix(r, c, lambda i, j: M[i, j] if j >= i else 0)
        if fams <= {"nilpotent"}:
            return sp.Matrix(r, c, lambda i, j: M[i, j] if j > i else 0)
        if fams <= {"diagonal", "triangular", "nilpotent"}:
            return sp.Matrix(r, c, lambda i, j: M[i, j] if j >= i else 0)
        return M  # a superset of the family (symmetry, definiteness not used): sound for `holds`
    raise Outside(f"{name}: a {type(strategy).__name__} domain is unknown to the kernel")


class _Reading:
    """What reading a step notes: its denominators (the step speaks of points where they are not 0), and the
    kernel's own atoms for |x|, √x, max, min, ‖M‖_F, ‖M‖₂, exp, tanh and the logistic function, each with the facts
    that define it (FUNCTIONS in the module's docstring)."""

    def __init__(self, facts: Facts):
        self.facts, self.dens, self.atoms = facts, [], {}
        self.spectral_read: set = set()   # the quantities read by a theorem about their structure (spectral())
        self.squares: set = set()   # the equations of the square rules (Statement.square_rules)
        self.signs: list = []   # (z, w): z and w have the same sign (z > 0 ⇔ w > 0, z < 0 ⇔ w < 0), for smt
        self.ors: list = []     # [e₁, …]: one of them is 0 (a spectral radius equal to one eigenvalue's modulus)
        self.witnesses: dict = {}   # (kind, arg) -> {role: the kernel's own witness symbols} (WITNESSES)
        self.eigen: dict = {}       # (n, n, entries) -> {"roots": [(p, q)], "vectors": [(u, w)]} (WITNESSES)

    def atom(self, kind: str, arg) -> sp.Symbol:
        key = (kind, arg)
        got = self.atoms.get(key)
        if got is not None:
            return got
        a = self.atoms[key] = sp.Dummy(f"{kind}{len(self.atoms)}", real=True)
        f = self.facts
        if kind in ("abs", "sqrt", "fro", "norm2", "smin", "rho", "lam_min"):
            f.ge.append(a)
        if kind == "abs":
            f.eq.append(a ** 2 - arg ** 2)
        elif kind == "sqrt":
            f.ge.append(arg)  # √x is real only there: the claim speaks of x ≥ 0
            f.eq.append(a ** 2 - arg)
        elif kind == "fro":
            f.eq.append(a ** 2 - sum(x ** 2 for x in arg))
        if kind in ("abs", "sqrt", "fro"):
            self.squares.add(f.eq[-1])
        elif kind == "max":
            f.ge.extend(a - x for x in arg)
        elif kind == "min":
            f.ge.extend(x - a for x in arg)
        elif kind in ("norm2", "smin"):
            # arg: (rows, cols, entries); s² is the largest (smallest) eigenvalue of the Gram matrix (FUNCTIONS)
            p = _charpoly(arg, kind)
            f.eq.append(sp.expand(p.subs(_LAM, a ** 2)))
            deg = sp.degree(p, _LAM)
            for k in range(1, deg):
                p = sp.diff(p, _LAM)
                sign = 1 if kind == "norm2" else (-1) ** (deg - k)
                f.ge.append(sp.expand(sign * p.subs(_LAM, a ** 2)))
            self._singular_witnesses(kind, arg, a)
        elif kind in ("rho", "lam_min"):
            # arg: (n, n, entries); the eigenvalues by Vieta's formulas, r² the largest (smallest) modulus²
            mods = [p ** 2 + q ** 2 for p, q in self.eigenvalues(arg)["roots"]]
            f.ge.extend((a ** 2 - m) if kind == "rho" else (m - a ** 2) for m in mods)
            self.ors.append([a ** 2 - m for m in mods])
        elif kind == "exp":
            f.ge.append(a)
            f.ne.append(a)                      # e^z > 0
            f.ge.append(a - 1 - arg)            # e^z ≥ 1 + z
            f.ge.append((a - 1) * arg)          # e^z − 1 has the sign of z
            self.signs.append((arg, a - 1))
            s = self.atoms.get(("logistic", -arg))
            if s is not None:
                f.eq.append(s * (1 + a) - 1)    # logistic(−z)·(1 + e^z) = 1
        elif kind in ("tanh", "logistic"):
            lo, hi = (-1, 1) if kind == "tanh" else (0, 1)
            mid = sp.Rational(lo + hi, 2)
            f.ge.extend([a - lo, hi - a])
            f.ne.extend([a - lo, hi - a])        # lo < a < hi
            f.ge.append((a - mid) * arg)         # a − mid has the sign of z
            self.signs.append((arg, a - mid))
            if kind == "logistic":
                e = self.atoms.get(("exp", -arg))
                if e is not None:
                    f.eq.append(a * (1 + e) - 1)
        return a

    def _singular_witnesses(self, kind: str, arg, s) -> None:
        """The kernel's own witnesses for s = ‖M‖₂ (σ_min(M)), WITNESSES: with G the Gram matrix of :func:`_gram`,
        a lower triangular R with s²I − G = RRᵀ (G − s²I = RRᵀ) and a unit x with xᵀGx = s²."""
        G = _gram(arg, kind)
        n = G.rows
        if n < 2:
            return
        R = sp.Matrix(n, n, lambda i, j: sp.Dummy(f"R{i}{j}", real=True) if j <= i else sp.Integer(0))
        x = sp.Matrix(n, 1, lambda i, j: sp.Dummy(f"x{i}", real=True))
        S = s ** 2 * sp.eye(n) - G if kind == "norm2" else G - s ** 2 * sp.eye(n)
        D = (S - R * R.T).applyfunc(sp.expand)
        wit = self.facts.wit
        wit.extend(D[i, j] for i in range(n) for j in range(i, n))
        wit.append(sp.expand((x.T * x)[0, 0] - 1))
        wit.append(sp.expand((x.T * G * x)[0, 0] - s ** 2))
        self.witnesses[(kind, arg)] = {"s": s, "R": R, "x": x}

    def witness_symbols(self) -> set:
        """Every witness symbol of the kernel's (WITNESSES): R, x of a norm, the eigenvalues and eigenvectors."""
        out = set()
        for w in self.witnesses.values():
            out |= set(w["R"]) | set(w["x"])
        for e in self.eigen.values():
            out |= {v for pq in e["roots"] for v in pq}
            out |= {v for u, w in e["vectors"] for v in list(u) + list(w)}
        return {x for x in out if isinstance(x, sp.Symbol)}

    def eigenvalues(self, arg) -> dict:
        """The kernel's own eigenvalues p_k + i q_k of the n×n matrix ``arg`` = (n, n, entries), tied to it by
        Vieta's formulas (facts, so that they are the roots of det(λI − M): FTA and unique factorisation), and a unit
        eigenvector u_k + i w_k for each (witnesses): WITNESSES."""
        got = self.eigen.get(arg)
        if got is not None:
            return got
        n, _, entries = arg
        M = sp.Matrix(n, n, list(entries))
        roots = [(sp.Dummy(f"re{k}", real=True), sp.Dummy(f"im{k}", real=True)) for k in range(n)]
        coeffs = sp.Poly(sp.expand((_LAM * sp.eye(n) - M).det(method="berkowitz")), _LAM).all_coeffs()
        for (re, im), c in zip(_vieta(roots)[1:], coeffs[1:]):
            self.facts.eq.extend([sp.expand(re - c), sp.expand(im)])
        vectors = []
        for p, q in roots:
            u = sp.Matrix(n, 1, lambda i, j: sp.Dummy(f"u{i}", real=True))
            w = sp.Matrix(n, 1, lambda i, j: sp.Dummy(f"w{i}", real=True))
            self.facts.wit.extend(sp.expand(e) for e in list(M * u - p * u + q * w) + list(M * w - q * u - p * w))
            self.facts.wit.append(sp.expand((u.T * u + w.T * w)[0, 0] - 1))
            vectors.append((u, w))
        got = self.eigen[arg] = {"roots": roots, "vectors": vectors}
        return got

    def rational(self, e) -> sp.Expr:
        """``e`` as a rational function of symbols and the kernel's atoms, or Outside."""
        e = sp.sympify(e)
        if e.is_Symbol:
            if e.is_real is not True:
                raise Outside(f"the symbol {e} is not real")
            return e
        if e.is_Rational:
            return e
        if e.is_Add or e.is_Mul:
            return type(e)(*[self.rational(a) for a in e.args])
        if e.is_Pow and e.exp.is_Integer and e.exp < 0 and _exp_of_logistic(e.base) is not None:
            # 1/(1 + e^u) is the logistic function of −u (relations.lift writes it so): read as that atom
            return self.atom("logistic", -self.rational(_exp_of_logistic(e.base))) ** int(-e.exp)
        if e.is_Pow and e.exp.is_Integer:
            base = self.rational(e.base)
            if e.exp < 0:
                self.dens.append(base)
            return base ** int(e.exp)
        if e.is_Pow and e.exp.is_Rational and e.exp.q == 2:
            r = self.atom("sqrt", self.rational(e.base))
            if e.exp < 0:
                self.dens.append(r)
            return r ** int(e.exp.p)
        if isinstance(e, sp.Abs):
            return self.atom("abs", self.rational(e.args[0]))
        if isinstance(e, (sp.Max, sp.Min)):
            return self.atom("max" if isinstance(e, sp.Max) else "min", tuple(self.rational(a) for a in e.args))
        if isinstance(e, sp.exp):
            return self.atom("exp", self.rational(e.args[0]))
        if e is sp.E:
            return self.atom("exp", sp.Integer(1))
        if isinstance(e, sp.tanh):
            return self.atom("tanh", self.rational(e.args[0]))
        if isinstance(e, logistic):
            return self.atom("logistic", self.rational(e.args[0]))
        raise Outside(type(e).__name__ if not e.is_Pow else "a root")

    def read(self, s) -> sp.Expr:
        """A step's side (relations.Num / Op / Spectral) as a rational function of symbols and atoms, or Outside."""
        from ..relations import Num, Op, Spectral

        if isinstance(s, Num):
            if isinstance(s.value, sp.MatrixBase):
                raise Outside("a matrix side")
            return self.rational(s.value)
        if isinstance(s, Op):
            a, b = (self.read(x) for x in s.args)
            if s.op == "+":
                return a + b
            if s.op == "-":
                return a - b
            if s.op == "*":
                return a * b
            if s.op == "/":
                self.dens.append(b)
                return a / b
            if s.op == "^" and sp.sympify(b).is_Integer:
                if b < 0:
                    self.dens.append(a)
                return a ** int(b)
            raise Outside(f"the operation {s.op}")
        if isinstance(s, Spectral) and s.kind in ("abs", "det"):
            M = sp.Matrix(s.M).applyfunc(self.rational)
            if s.kind == "abs":
                return self.atom("abs", M[0, 0])
            return sp.expand(M.det(method="berkowitz"))
        if isinstance(s, Spectral) and s.kind in ("norm2", "fro", "rho", "lam_max", "lam_min", "smin"):
            got = self.spectral(s.kind, sp.Matrix(s.M))
            if got is not None:
                return got
        raise Outside(getattr(s, "kind", type(s).__name__))

    def spectral(self, kind: str, M: sp.Matrix):
        """A norm or an eigenvalue quantity the kernel derives itself from the matrix's own entries, by a theorem
        about its structure (None when none applies; the structure is read off the entries, which are exact):

        - ‖m‖₂ = ‖m‖_F = ρ(m) = λ*(m) = σ_min(m) = |m| for a 1×1 matrix, λ_max(m) = m;
        - ‖D‖₂ = maxᵢ |dᵢ| and σ_min(D) = minᵢ |dᵢ| for a diagonal D (off-diagonal entries 0 as written);
        - ρ(T) = maxᵢ |tᵢᵢ|, λ*(T) = minᵢ |tᵢᵢ| and λ_max(T) = maxᵢ tᵢᵢ for a triangular T (its eigenvalues are
          its diagonal).

        and by the kernel's own atoms: ‖M‖_F of any matrix, ‖M‖₂ of any other matrix, σ_min, ρ and λ* of any other
        square matrix (FUNCTIONS and WITNESSES). λ_max of a general matrix: None (outside)."""
        r, c = M.shape
        M = M.applyfunc(self.rational)  # the structure as written (an entry that only cancels to 0 is not a 0)
        if kind == "fro":
            # f ≥ 0, f² = Σ m_ij²: exact, for any matrix (a 1×1 one is |m|)
            return self.atom("abs", M[0, 0]) if (r, c) == (1, 1) else self.atom("fro", tuple(M))
        if r == c == 1:
            return M[0, 0] if kind == "lam_max" else self.atom("abs", M[0, 0])
        if kind == "norm2" and not (r == c and _diagonal(M)):
            self.spectral_read.add(kind)
            return self.atom("norm2", (r, c, tuple(M)))
        if r != c:
            return None
        upper = all(M[i, j] == 0 for i in range(r) for j in range(i))
        lower = all(M[i, j] == 0 for i in range(r) for j in range(i + 1, r))
        d = [M[i, i] for i in range(r)]
        if kind in ("norm2", "smin") and upper and lower:
            # maxᵢ|dᵢ| (minᵢ|dᵢ|), with the witnesses of a norm (WITNESSES): it is ‖D‖₂ (σ_min(D)), so they exist
            m = self.atom("max" if kind == "norm2" else "min", tuple(self.atom("abs", x) for x in d))
            if (kind, (r, c, tuple(M))) not in self.witnesses:
                self.facts.ge.append(m)   # a norm (a singular value) is ≥ 0
                self._singular_witnesses(kind, (r, c, tuple(M)), m)
            return m
        if kind == "rho" and (upper or lower):
            return self.atom("max", tuple(self.atom("abs", x) for x in d))
        if kind == "lam_min" and (upper or lower):
            return self.atom("min", tuple(self.atom("abs", x) for x in d))
        if kind == "lam_max" and (upper or lower):
            return self.atom("max", tuple(d))
        if kind in ("smin", "rho", "lam_min"):
            self.spectral_read.add(kind)
            return self.atom(kind, (r, c, tuple(M)))
        return None


def _vieta(roots) -> list:
    """Π_k (λ − p_k − i q_k) as its coefficients (real part, imaginary part), highest degree first."""
    prod = [(sp.Integer(1), sp.Integer(0))]
    for p, q in roots:
        nxt = [(sp.Integer(0), sp.Integer(0))] * (len(prod) + 1)
        for i, (a, b) in enumerate(prod):
            nxt[i] = (nxt[i][0] + a, nxt[i][1] + b)
            nxt[i + 1] = (nxt[i + 1][0] - a * p + b * q, nxt[i + 1][1] - a * q - b * p)
        prod = nxt
    return [(sp.expand(a), sp.expand(b)) for a, b in prod]


def _gram(arg, kind: str = "norm2") -> sp.Matrix:
    """The Gram matrix of the (rows, cols, entries) matrix M: for ‖M‖₂ MᵀM, or MMᵀ when that is smaller; for
    σ_min(M) (M square) MᵀM."""
    r, c, entries = arg
    M = sp.Matrix(r, c, list(entries))
    return (M.T * M if r >= c or kind == "smin" else M * M.T).applyfunc(sp.expand)


#: the variable of a characteristic polynomial
_LAM = sp.Dummy("λ")


def _charpoly(arg, kind: str = "norm2") -> sp.Expr:
    """det(λI − G) for the Gram matrix G of the (rows, cols, entries) matrix M (:func:`_gram`)."""
    G = _gram(arg, kind)
    return sp.expand((_LAM * sp.eye(G.rows) - G).det(method="berkowitz"))


def _diagonal(M: sp.Matrix) -> bool:
    return all(M[i, j] == 0 for i in range(M.rows) for j in range(M.cols) if i != j)


def _exp_of_logistic(base):
    """u when ``base`` is 1 + e^u (so that 1/base is the logistic function of −u), else None."""
    if base.is_Add and len(base.args) == 2 and sp.Integer(1) in base.args:
        other = base.args[0] if base.args[1] == 1 else base.args[1]
        if isinstance(other, sp.exp):
            return other.args[0]
        if other is sp.E:
            return sp.Integer(1)
    return None


class Statement:
    """The claim at one size as the kernel reads it: every step's relation, the facts, the denominators."""

    def __init__(self, claim, size: dict):
        from ..relations import collect_assumptions

        self.syms, self.facts = _Symbols(), Facts()
        values = {name: _domain(st, name, size, self.syms, self.facts) for name, st in claim.given.items()}
        self.values = values
        if claim.model is not None:
            # a claim about a model: the check runs on the kernel's own exact model (forward mode, never the
            # engine's unrolling or derivatives) whose inputs are the kernel's symbols, so every quantity the check
            # reads is an expression the kernel computed from the claim's values
            from .check import _run_check

            out, hyps = _run_check(claim, size, values)
        else:
            params = inspect.signature(claim.check).parameters
            extra = {k: v for k, v in size.items() if k in params}
            with literal():  # the kernel reads the check as Python does (notation.literal)
                out, hyps = collect_assumptions(claim.check, **values, **extra)
        self.steps = dict(relations_of(out))
        self.reading = _Reading(self.facts)
        for h in hyps:
            try:
                a, b = self.reading.read(h.lhs), self.reading.read(h.rhs)
            except Outside:
                continue  # a hypothesis the kernel cannot read is not used: sound
            self.facts.constraint({"<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt, "=": sp.Eq,
                                   "!=": sp.Ne}[h.op](a, b))

    @property
    def dens(self) -> list:
        return self.reading.dens

    def reduce(self, x) -> sp.Expr:
        """x with every even power of a root, a modulus or a norm replaced by its argument (r² = x, a² = x²,
        f² = Σ m²: facts the kernel derived), so that facts about them become identities."""
        sq = self.square_rules()
        x = sp.sympify(x)
        if not sq or not (x.free_symbols & set(sq)):
            return x
        for _ in range(len(sq) + 1):  # an argument may hold another atom's power
            y = sp.expand(x).replace(lambda e: e.is_Pow and e.base in sq and e.exp.is_Integer and abs(e.exp) >= 2,
                                     lambda e: sq[e.base] ** (e.exp // 2) * e.base ** (e.exp % 2))
            if y == x:
                break
            x = y
        return x

    def square_rules(self) -> dict:
        """atom -> what its square is (r² = x, a² = x², f² = Σ m²), for the atoms that have one."""
        return {a: (arg ** 2 if kind == "abs" else sum(y ** 2 for y in arg) if kind == "fro" else arg)
                for (kind, arg), a in self.reading.atoms.items() if kind in ("sqrt", "abs", "fro")}

    def squares_rewritten(self, x) -> sp.Expr:
        """x with every literal a² of an atom with a square rule replaced by what it is, to a fixed point (no
        expansion: cheap; :meth:`reduce` is the complete rewriting)."""
        rule = {a ** 2: v for a, v in self.square_rules().items()}
        x = sp.sympify(x)
        for _ in range(len(rule) + 1):
            y = x.xreplace(rule) if rule else x
            if y == x:
                break
            x = y
        return x

    @property
    def probe(self) -> "_Probe":
        if getattr(self, "_probe", None) is None:
            self._probe = _Probe(self)
        return self._probe

    @property
    def atoms(self) -> list:
        return list(self.reading.atoms.values())

    def halves(self, label: str) -> list:
        """The step as (small, big) pairs, each meaning small ≤ big (an equality is two), or Outside."""
        rel = self.steps[label]
        if not hasattr(rel, "op"):
            raise Outside("a limit")
        a, b = self.reading.read(rel.lhs), self.reading.read(rel.rhs)
        if rel.op not in ("<=", ">=", "="):
            raise Outside(f"a strict or '≠' relation ({rel.op})")
        return {"<=": [(a, b)], ">=": [(b, a)], "=": [(a, b), (b, a)]}[rel.op]

    def negations(self, label: str) -> list:
        """The step's halves as the kernel's sentences negate them (:func:`.smt.sentence`): (small, big, negation)
        with negation ">" for small ≤ big, ">=" for the strict small < big, "=" for small ≠ big; an equality is
        two halves, in the prover's order (≤, then ≥). Outside when the kernel cannot read a side."""
        rel = self.steps[label]
        if not hasattr(rel, "op"):
            raise Outside("a limit")
        a, b = self.reading.read(rel.lhs), self.reading.read(rel.rhs)
        got = {"<=": [(a, b, ">")], ">=": [(b, a, ">")], "=": [(a, b, ">"), (b, a, ">")], "<": [(a, b, ">=")],
               ">": [(b, a, ">=")], "!=": [(a, b, "=")]}.get(rel.op)
        if got is None:
            raise Outside(f"the relation {rel.op}")
        return got


class _Probe:
    """Two points at which the kernel's symbols and atoms have numeric values (mpmath, 50 digits, complex), each
    consistent with the square rules :meth:`Statement.reduce` applies (a √, |·| or ‖·‖_F atom is ± the root of what
    its square is, with a random sign; every other atom and symbol a random value), so that an expression and its
    reduced form have one value there.

    Only a *filter* in front of the exact checks: a value clearly not 0 shows that a reduced expression is not
    identically 0 (an interpretation or a fact the kernel then does not try exactly); nothing is ever accepted
    because of a number. A numeric error can only make the kernel skip a candidate, i.e. reject a proof. The
    points are drawn from a fixed seed, so the kernel's answer depends on the claim alone."""

    TOL = 1e-25

    def __init__(self, stmt: "Statement"):
        import random

        import mpmath

        self.mp = mpmath.mp.clone() if hasattr(mpmath.mp, "clone") else mpmath.mp
        self.mp.dps = 50
        rng = random.Random(20261206)
        sq = stmt.square_rules()
        syms = set(stmt.syms.made)
        for f in stmt.facts.ge + stmt.facts.eq + stmt.facts.ne + stmt.facts.wit + stmt.dens:
            syms |= sp.sympify(f).free_symbols
        self.points = []
        for _ in range(2):
            pt = {}
            for x in sorted(syms - set(stmt.atoms), key=symbol_key):
                pt[x] = self.mp.mpf(rng.randint(-10 ** 6, 10 ** 6)) / rng.randint(10 ** 5, 10 ** 6)
            for a in stmt.atoms:   # in the order they were made: an atom's argument holds only earlier ones
                if a in sq:
                    v = self._eval(sq[a], pt)
                    pt[a] = (self.mp.sqrt(v) if v is not None else self.mp.mpf(0)) * rng.choice((-1, 1))
                else:
                    pt[a] = self.mp.mpf(rng.randint(-10 ** 6, 10 ** 6)) / rng.randint(10 ** 5, 10 ** 6)
            self.points.append(pt)
        self._memo: dict = {}

    def _eval(self, e, pt):
        e = sp.sympify(e)
        free = e.free_symbols
        if not free <= set(pt):
            return None
        args = sorted(free, key=symbol_key)
        try:
            f = sp.lambdify(args, e, modules="mpmath")
            with self.mp.workdps(50):
                return self.mp.mpc(f(*[pt[a] for a in args]))
        except Exception:   # a division by 0 at the point, an unprintable expression: no filter
            return None

    def values(self, e):
        key = sp.sympify(e)
        got = self._memo.get(key, False)
        if got is False:
            got = self._memo[key] = [self._eval(key, pt) for pt in self.points]
        return got

    def _small(self, v) -> bool:
        return abs(v) <= self.TOL

    def maybe_zero(self, e) -> bool:
        """False when e is certainly not identically 0 (modulo the square rules); else True."""
        return not any(v is not None and not self._small(v) for v in self.values(e))

    def maybe_same(self, x, y) -> bool:
        """False when x is certainly not a constant multiple of y; else True."""
        vx, vy = self.values(x), self.values(y)
        if any(v is None for v in vx + vy):
            return True
        (x1, x2), (y1, y2) = vx, vy
        if self._small(y1) or self._small(y2):
            return True
        return abs(x1 * y2 - x2 * y1) <= self.TOL * (1 + abs(x1 * y2))


def _same(x, y) -> sp.Expr | None:
    """x / y as a constant when it is one (x, y rational functions, y ≠ 0), else None."""
    return _same_of(sp.sympify(x), sp.sympify(y))


@functools.lru_cache(maxsize=16384)
def _same_of(x, y) -> sp.Expr | None:
    if y == 0:
        return None
    q = sp.cancel(sp.together(x / y))
    return q if q.is_Rational else None


def _zero(x) -> bool:
    return _zero_of(sp.sympify(x))


@functools.lru_cache(maxsize=4096)
def _zero_of(x) -> bool:
    return sp.cancel(sp.together(x)) == 0


class _Reject(Exception):
    pass


def _factors(e) -> list:
    """The irreducible factors (over ℚ) of a rational function's numerator and denominator, constants dropped."""
    return list(_factors_of(sp.sympify(e)))


@functools.lru_cache(maxsize=4096)
def _factors_of(e) -> tuple:
    num, den = sp.fraction(sp.cancel(sp.together(e)))
    return tuple(f for part in (num, den) for f, _ in sp.factor_list(part)[1])


class _NonZero:
    """Is d ≠ 0 wherever the claim is defined? When every irreducible factor of it is one of a nonzero fact's."""

    def __init__(self, facts: list):
        self.known = [f for k in facts for f in _factors(k)]

    def __call__(self, d) -> bool:
        d = sp.cancel(sp.together(d))
        if d.is_Rational:
            return d != 0
        return all(any(_same(f, k) is not None for k in self.known) for f in _factors(d))


def _interpret(certs, own: set, nonzero: list, stmt: "Statement", meanings=(), partial: bool = False) -> dict:
    """The certificates' other variables as what the kernel derived: a quotient v = n/d from v·d − n = 0 (d a
    denominator the claim has), or one of the kernel's atoms (|x|, √x, max, min, ‖M‖_F) when that makes one of the
    certificate's constraints on v a fact the kernel derived. Any choice is sound: every constraint the certificate
    uses is checked as a fact under it afterwards; a wrong choice only rejects."""
    fresh = set()
    for c in certs:
        for e in (c.goal, *c.hypotheses, *c.equalities, *c.nonzero, *[s for _, s, _ in c.products],
                  *c.gram[0], *[m for m, _ in c.multipliers]):
            fresh |= sp.sympify(e).free_symbols - own
    subst: dict = {}
    pending = set(fresh)
    eqs = [sp.expand(h) for c in certs for h in c.equalities]
    ges = [sp.expand(g) for c in certs for g in c.hypotheses]
    is_nonzero = _NonZero(nonzero)
    meanings = list(meanings)
    while pending:
        progress = False
        for m in list(meanings):   # a variable the prover says is a quantity's: the kernel's own (WITNESSES)
            kind, arg, roles = m
            args = list(arg) if isinstance(arg, sp.MatrixBase) else [arg]
            if any(sp.sympify(x).free_symbols & pending for x in args):
                continue
            meanings.remove(m)
            if any(sp.sympify(x).free_symbols - own - set(subst) for x in args):
                continue   # a quantity of something the kernel has no reading of: nothing to pair
            ours = _meaning(stmt, kind, arg.xreplace(subst) if hasattr(arg, "xreplace") else arg)
            for v, k in _roles(roles, ours):
                if v in pending and v not in subst:
                    subst[v] = k
                    pending.discard(v)
                    progress = True
        for v in sorted(pending, key=str):
            for h in eqs:
                if not h.has(v) or sp.Poly(h, v).degree() != 1:
                    continue
                d, n = h.coeff(v, 1), -h.coeff(v, 0)
                if (d.free_symbols | n.free_symbols) & pending:
                    continue
                d, n = d.xreplace(subst), n.xreplace(subst)
                if not is_nonzero(d):
                    continue  # v = n/d only where the claim says d ≠ 0
                subst[v] = n / d
                break
            else:
                taken = set(subst.values())
                free = [a for a in stmt.atoms if a not in taken]
                ready = lambda e: e.has(v) and not ((e.free_symbols - {v}) & pending)  # noqa: E731
                # an equality on v that becomes one of the kernel's (r² = x, a² = x², f² = Σ m²); else, for max and
                # min (defined by inequalities), an inequality on v other than v ≥ 0 that becomes one of its facts
                # (_zero_mod's numeric probe is a filter only: each candidate it leaves is checked exactly)
                a = next((a for a in free for h in eqs if ready(h) and _zero_mod(stmt, h.xreplace({**subst, v: a}))),
                         None)
                if a is None:
                    extremes = [a for (kind, _), a in stmt.reading.atoms.items()
                                if kind in ("max", "min", "exp", "tanh", "logistic") and a in free]
                    a = next((a for a in extremes for g in ges if ready(g) and g != v and
                              _fact(g.xreplace({**subst, v: a}), stmt.facts.ge, True, stmt)), None)
                if a is not None:
                    subst[v] = a
            if v in subst:
                pending.discard(v)
                progress = True
        if not progress:
            if partial:
                return subst
            raise _Reject(f"the certificate's {', '.join(sorted(map(str, pending))[:3])} stands for nothing the "
                          "kernel derived from the claim")
    return subst


def _roles(theirs: dict, ours: dict | None):
    """(the prover's variable, the kernel's symbol) for each role both name, entry by entry; none if ours is None."""
    if ours is None:
        return
    for role, t in theirs.items():
        o = ours.get(role)
        if o is None:
            continue
        if isinstance(t, (list, tuple)) and isinstance(o, (list, tuple)):
            if len(t) == len(o):
                for a, b in zip(t, o):
                    yield from _roles({0: a}, {0: b})
            continue
        if isinstance(t, sp.MatrixBase) and isinstance(o, sp.MatrixBase):
            if t.shape == o.shape:
                for a, b in zip(t, o):
                    if sp.sympify(a).is_Symbol and sp.sympify(b).is_Symbol:
                        yield a, b
            continue
        if sp.sympify(t).is_Symbol and not isinstance(o, (list, tuple, sp.MatrixBase)):
            yield t, o


def _meaning(stmt: "Statement", kind: str, arg) -> dict | None:
    """The kernel's own symbols for the quantity ``kind`` of ``arg`` (in the kernel's terms), by role: its atom
    ("s" or "v") and witnesses ("R", "x"; "roots", "vectors"); None when the kernel has no such quantity. Only a
    pairing: whatever it proposes, every constraint a certificate uses is then checked as a fact of the kernel."""
    reading = stmt.reading
    if kind in ("tanh", "logistic", "exp"):
        for (k, a0), a in list(reading.atoms.items()):
            if k == kind and _zero_mod(stmt, sp.sympify(a0) - sp.sympify(arg)):
                return {"v": a}
        return None
    if not isinstance(arg, sp.MatrixBase) or kind not in ("norm2", "smin", "rho", "lam_min", "fro", "eig"):
        return None
    got = _find(stmt, kind, arg)
    if got is not None:
        return got
    # a quantity of the claim's values the step did not name (a lemma instance's): the kernel's own atom, made now.
    # Reading it may only add definitions (atoms and their facts, witnesses): a denominator the claim does not have
    # (1/x: "x ≠ 0" in the kernel's sentence) or a new √ (its "x ≥ 0") would be an assumption the prover's label
    # put into the kernel's statement, so such a reading is undone and pairs nothing
    before = _Snapshot(stmt)
    try:
        M = sp.Matrix(arg).applyfunc(reading.rational)
        if kind == "eig":
            if M.rows != M.cols or M.rows < 2:
                before.restore()
                return None
            reading.eigenvalues((M.rows, M.cols, tuple(M)))
        else:
            reading.spectral(kind, M)
    except Outside:
        before.restore()
        return None
    if before.assumes_more():
        before.restore()
        return None
    return _find(stmt, kind, arg)


class _Snapshot:
    """What a statement's reading holds, to undo a reading made for the prover's label (:func:`_meaning`)."""

    def __init__(self, stmt: "Statement"):
        self.stmt, r, f = stmt, stmt.reading, stmt.facts
        self.facts = {k: len(getattr(f, k)) for k in ("ge", "eq", "ne", "wit")}
        self.lists = {k: len(getattr(r, k)) for k in ("dens", "signs", "ors")}
        self.dicts = {k: set(getattr(r, k)) for k in ("atoms", "witnesses", "eigen")}
        self.sets = {k: set(getattr(r, k)) for k in ("spectral_read", "squares")}

    def assumes_more(self) -> bool:
        """Did the reading add a denominator the claim does not have, or a √ (whose argument it states ≥ 0)?"""
        r = self.stmt.reading
        old = r.dens[:self.lists["dens"]]
        if any(all(sp.expand(d - e) != 0 for e in old) for d in r.dens[self.lists["dens"]:]):
            return True
        return any(k[0] == "sqrt" for k in set(r.atoms) - self.dicts["atoms"])

    def restore(self) -> None:
        r, f = self.stmt.reading, self.stmt.facts
        for k, n in self.facts.items():
            del getattr(f, k)[n:]
        for k, n in self.lists.items():
            del getattr(r, k)[n:]
        for k, keep in self.dicts.items():
            d = getattr(r, k)
            for key in [key for key in d if key not in keep]:
                del d[key]
        for k, keep in self.sets.items():
            getattr(r, k).intersection_update(keep)


def _find(stmt: "Statement", kind: str, arg: sp.Matrix) -> dict | None:
    reading = stmt.reading
    r, c = arg.shape
    if kind == "eig":
        for key, got in reading.eigen.items():
            if key[:2] == (r, c) and all(_zero_mod(stmt, x - y) for x, y in zip(key[2], arg)):
                return got
        return None
    read = [((k, key), a) for (k, key), a in reading.atoms.items()]
    read += [((k, key), w["s"]) for (k, key), w in reading.witnesses.items() if (k, key) not in reading.atoms]
    for (k, key), a in read:
        if k != kind:
            continue
        entries = key if k == "fro" else key[2]
        if len(entries) != r * c or (k != "fro" and key[:2] != (r, c)):
            continue
        if all(_zero_mod(stmt, sp.sympify(x) - y) for x, y in zip(entries, arg)):
            return {"s": a, **reading.witnesses.get((k, key), {})}
    return None


def _zero_mod(stmt: "Statement", x, filtered: bool = True) -> bool:
    """Is x identically 0 modulo the square rules? Exact: first with only its literal squares a² rewritten
    (cheap, and enough when a definition is written as the kernel's), else after :meth:`Statement.reduce`.
    ``filtered``: the probe first discards an x that is clearly not 0."""
    if filtered and not stmt.probe.maybe_zero(x):
        return False
    return _zero(stmt.squares_rewritten(x)) or (bool(stmt.square_rules()) and _zero(stmt.reduce(x)))


def _multiple(stmt: "Statement", x, f):
    """q (a rational number) with x = q·f exactly, modulo the square rules, or None. The probe proposes q (and
    discards an f that is no multiple of x); the identity x − q·f = 0 is then checked exactly, first as rational
    functions of the symbols and atoms (cheap, and enough when the two are written alike), else after
    :meth:`Statement.reduce`."""
    from fractions import Fraction

    probe = stmt.probe
    if not probe.maybe_same(x, f):
        return None
    vx, vf = probe.values(x), probe.values(f)
    if x == f:
        return sp.Integer(1)
    if f in stmt.reading.squares:
        return None   # a square rule's own equation reduces to 0: never a multiple (x is checked as 0 instead)
    q = None
    if all(v is not None for v in vx + vf) and abs(vf[0]) > _Probe.TOL:
        r = vx[0] / vf[0]
        if abs(r.imag) <= 1e-20:
            fr = Fraction(str(probe.mp.nstr(r.real, 40))).limit_denominator(10 ** 12)
            q = sp.Rational(fr.numerator, fr.denominator)
    if q is None:
        return _same(stmt.reduce(x), stmt.reduce(f))
    if _zero_mod(stmt, x - q * f, filtered=False):
        return q
    return None


def _fact(x, facts: list, positive: bool, stmt: "Statement | None" = None) -> bool:
    """Is x (interpreted) one of ``facts`` up to a constant factor (a positive one when ``positive``)? With
    ``stmt``: modulo its square rules (:func:`_multiple`), x and the facts as they are, not reduced."""
    for f in facts:
        q = _multiple(stmt, x, f) if stmt is not None else _same(x, f)
        if q is not None and (q > 0 if positive else q != 0):
            return True
    return False


def _nonnegative_constant(stmt: Statement, g) -> bool:
    """Is g (reduced by the square rules) 0 or a nonnegative rational number? (the probe filters: a g with two
    different values is not a constant)"""
    v = stmt.probe.values(g)
    if all(x is not None for x in v) and abs(v[0] - v[1]) > _Probe.TOL * (1 + abs(v[0])):
        return False
    for x in (stmt.squares_rewritten(g), stmt.reduce(g)):
        x = sp.cancel(sp.together(x))
        if x == 0 or (x.is_Rational and x >= 0):
            return True
    return False


def check_half(stmt: Statement, small, big, proof) -> None:
    """Accept the prover's certificates for small ≤ big against the kernel's own goal, or raise _Reject.

    ``proof.lemmas`` (optional): the prover's lemma instances, certificates whose goals the step's certificates may
    use as hypotheses. Each is checked like a step's certificate, on the kernel's facts (and the goals of the
    instances accepted before it); an instance that does not check is not used. ``proof.meanings`` (optional):
    which quantity each of the prover's variables stands for, a pairing with the kernel's own atoms and witnesses
    (WITNESSES), never a fact."""
    certs = list(proof.certs)
    lemmas = list(getattr(proof, "lemmas", ()) or ())
    if len(certs) != (2 if proof.squared else 1):
        raise _Reject("the certificates do not match their form")
    for c in certs:
        ok, why = check(c)
        if not ok:
            raise _Reject(why)
        if c.kind != ">=":
            raise _Reject("a step's certificate proves an inequality")
    witnesses = stmt.reading.witness_symbols()
    own = set(stmt.syms.made) | set().union(*(sp.sympify(x).free_symbols for x in stmt.facts.ge + stmt.facts.eq
                                               + stmt.facts.ne + stmt.dens + [small, big])) - set(stmt.atoms)
    own -= witnesses   # the kernel's own witnesses are never a certificate's variable: each is paired to one
    nonzero = stmt.dens + stmt.facts.ne
    # a root, a modulus or a norm that is not 0 has an argument that is not 0 (r² = x, a² = x², f² = Σ m²)
    known = _NonZero(nonzero)
    nonzero += [arg ** 2 if kind == "abs" else sum(x ** 2 for x in arg) if kind == "fro" else arg
                for (kind, arg), a in stmt.reading.atoms.items() if kind in ("sqrt", "abs", "fro") and known(a)]
    subst = _interpret(certs + lemmas, own, nonzero, stmt, getattr(proof, "meanings", ()), partial=True)
    ge, eq = list(stmt.facts.ge), stmt.facts.eq + stmt.facts.wit   # compared modulo the square rules (_multiple)
    derived_ge, derived_eq = [], []
    for lem in lemmas:   # each instance on the kernel's facts first; its goal is then one more fact
        loose = set().union(*(sp.sympify(e).free_symbols for e in _used(lem))) - own - set(subst)
        if loose or not check(lem)[0]:
            continue
        try:
            _uses_facts(stmt, lem, subst, ge + derived_ge, eq + derived_eq, nonzero)
        except _Reject:
            continue
        g = sp.expand(sp.sympify(lem.goal).xreplace(subst))
        (derived_ge if lem.kind == ">=" else derived_eq).append(g)
    loose = set().union(*(sp.sympify(e).free_symbols for c in certs for e in _used(c))) - own - set(subst)
    if loose:
        raise _Reject(f"the certificate's {', '.join(sorted(map(str, loose))[:3])} stands for nothing the kernel "
                      "derived from the claim")
    want = [big, big ** 2 - small ** 2] if proof.squared else [big - small]
    for c, w in zip(certs, want):
        d = sp.sympify(c.goal).xreplace(subst) - w
        if not _zero_mod(stmt, d, filtered=False):   # exact, never filtered
            raise _Reject(f"a certificate proves {sp.sstr(c.goal)[:80]} ≥ 0, which is not the claim's "
                          f"{sp.sstr(w)[:80]} ≥ 0")
        _uses_facts(stmt, c, subst, ge + derived_ge, eq + derived_eq, nonzero)


def _derive(stmt: Statement, proof) -> None:
    """The goals of the prover's lemma instances (``proof.lemmas``, paired by ``proof.meanings``) that check on the
    kernel's own facts, added to them (each a consequence of facts the kernel derived: sound to state)."""
    lemmas = list(getattr(proof, "lemmas", ()) or ())
    if not lemmas:
        return
    witnesses = stmt.reading.witness_symbols()
    own = (set(stmt.syms.made) | set().union(*(sp.sympify(x).free_symbols for x in stmt.facts.ge + stmt.facts.eq
                                                + stmt.facts.ne + stmt.dens))) - set(stmt.atoms) - witnesses
    nonzero = stmt.dens + stmt.facts.ne
    subst = _interpret(lemmas, own, nonzero, stmt, getattr(proof, "meanings", ()), partial=True)
    for lem in lemmas:
        loose = set().union(*(sp.sympify(e).free_symbols for e in _used(lem))) - own - set(subst)
        if loose or not check(lem)[0]:
            continue
        try:
            _uses_facts(stmt, lem, subst, stmt.facts.ge, stmt.facts.eq + stmt.facts.wit, nonzero)
        except _Reject:
            continue
        g = sp.expand(sp.sympify(lem.goal).xreplace(subst))
        (stmt.facts.ge if lem.kind == ">=" else stmt.facts.eq).append(g)


def _used(c) -> list:
    """What a certificate's identity mentions: its goal and the constraints, squares and multipliers it uses."""
    out = [c.goal] + [s for _, s, _ in c.products] + list(c.gram[0]) + [m for m, _ in c.multipliers]
    out += [c.hypotheses[i] for _, _, idx in c.products for i in idx]
    out += [c.equalities[j] for m, j in c.multipliers if m != 0] + [c.nonzero[i] for i in c.scaled]
    return out


def _uses_facts(stmt: Statement, c, subst: dict, ge: list, eq: list, nonzero: list) -> None:
    """Every hypothesis, equality and nonzero factor the certificate ``c`` uses is, interpreted by ``subst``, one
    the kernel derived (up to a positive constant for g ≥ 0, a nonzero one for h = 0 or d ≠ 0), or _Reject."""
    for _, _, idx in c.products:
        for i in idx:
            g = sp.sympify(c.hypotheses[i]).xreplace(subst)
            if not (_nonnegative_constant(stmt, g) or _fact(g, ge, True, stmt)):
                raise _Reject(f"the certificate assumes {sp.sstr(c.hypotheses[i])[:80]} ≥ 0, which the kernel "
                              "did not derive from the claim")
    for m, j in c.multipliers:
        h = sp.sympify(c.equalities[j]).xreplace(subst)
        if m != 0 and not (_zero_mod(stmt, h) or _fact(h, eq, False, stmt)):
            raise _Reject(f"the certificate assumes {sp.sstr(c.equalities[j])[:80]} = 0, which the kernel did "
                          "not derive from the claim")
    for i in c.scaled:
        d = sp.sympify(c.nonzero[i]).xreplace(subst)
        if not (_fact(d, nonzero, False, stmt) or (sp.cancel(d).is_Rational and d != 0)):
            raise _Reject(f"the certificate assumes {sp.sstr(c.nonzero[i])[:80]} ≠ 0, which the kernel did not "
                          "derive from the claim")


def _pairing(theirs: dict, ours: dict) -> dict:
    """The prover's variables as the kernel's, by value and position (never by name); _Reject if they differ."""
    out: dict = {}

    def walk(a, b, where):
        if isinstance(a, tuple) or isinstance(b, tuple):
            if not (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)):
                raise _Reject(f"{where}: the prover's value has another shape")
            for k, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{where}[{k}]")
            return
        A = a if isinstance(a, sp.MatrixBase) else sp.Matrix([[a]])
        B = b if isinstance(b, sp.MatrixBase) else sp.Matrix([[b]])
        if A.shape != B.shape:
            raise _Reject(f"{where}: the prover's value is {A.shape}, the kernel's {B.shape}")
        for x, y in zip(A, B):
            x, y = sp.sympify(x), sp.sympify(y)
            if x.is_Symbol and y.is_Symbol:
                if out.get(x, y) != y:
                    raise _Reject(f"{where}: one of the prover's variables is two of the kernel's")
                out[x] = y
            elif x != y:
                raise _Reject(f"{where}: the prover's entry {x} is not the kernel's {y}")

    if set(theirs) != set(ours):
        raise _Reject("the prover's values are not the claim's")
    for name in ours:
        walk(theirs[name], ours[name], name)
    if len(set(out.values())) != len(out):
        raise _Reject("two of the prover's variables are one of the kernel's")
    return out


def _renamed(proof, pair: dict):
    import dataclasses

    def r(e):
        return sp.sympify(e).xreplace(pair)

    def one(c):
        return dataclasses.replace(
            c, goal=r(c.goal), hypotheses=tuple(map(r, c.hypotheses)), equalities=tuple(map(r, c.equalities)),
            products=tuple((k, r(s), idx) for k, s, idx in c.products),
            gram=(tuple(map(r, c.gram[0])), c.gram[1]), multipliers=tuple((r(m), j) for m, j in c.multipliers),
            nonzero=tuple(map(r, c.nonzero)))

    certs = [one(c) for c in getattr(proof, "certs", ()) or ()]
    def rm(m):
        kind, arg, roles = m
        return kind, (arg.xreplace(pair) if isinstance(arg, sp.MatrixBase) else r(arg)), roles

    out = type("Renamed", (), {})()
    out.small, out.big = r(getattr(proof, "small", 0)), r(getattr(proof, "big", 0))
    out.certs, out.squared = certs, getattr(proof, "squared", False)
    out.lemmas = [one(c) for c in getattr(proof, "lemmas", ()) or ()]
    out.meanings = [rm(m) for m in getattr(proof, "meanings", ()) or ()]
    return out


def _evident(stmt: Statement, small, big) -> bool:
    """Is small ≤ big by the kernel's reading alone: big − small is 0, or a nonnegative rational number, once
    each atom's square is replaced by what the kernel knows it is (‖diag(d)‖₂ and maxᵢ|dᵢ| are one atom)?"""
    try:
        g = sp.cancel(sp.together(stmt.reduce(sp.sympify(big) - sp.sympify(small))))
    except Exception:
        return False
    return g == 0 or (g.is_Rational and g >= 0)


#: seconds per solver for the kernel's own sentence when a certificate does not check on the kernel's goal
PROBE_BUDGET = 2.0
#: seconds per solver for the kernel's sentence with the prover's lemma instances it checked (then without them)
LEMMA_PROBE_BUDGET = 3.0


def _own_sentence(stmt: "Statement", negation, item, ask) -> tuple[bool, str, bool]:
    """The kernel's own sentence for one half refuted (:func:`.smt.decide`: a Positivstellensatz certificate the
    kernel checks, else both solvers; their budget the evidence's, clamped): (refuted, said, trusted)."""
    try:
        w = smt.writer(stmt, *negation)
    except Exception as e:  # noqa: BLE001 (a sentence the kernel cannot write proves nothing)
        return False, f"no sentence: {type(e).__name__}: {e}", True
    budget = min(max(float(item[2]), 0.5), smt.BUDGET) if len(item) > 2 and item[2] else smt.BUDGET
    return smt.decide(w, ask if ask is not None else smt.oracle(), budget)


def accept_step(claim, size: dict, label: str, evidence, values: dict | None = None, *, ask=None
                ) -> tuple[Proved | None, str]:
    """The kernel's Proved for step ``label`` at ``size`` from the prove phase's evidence, or (None, why not).

    ``evidence``: one entry per half of the step (an equality has two), ``("sos", proof)`` with the prover's
    certificates (``proof.small``, ``proof.big``, ``proof.certs``, ``proof.squared``) or ``("solvers", said)``
    (optionally ``("solvers", said, budget)``: seconds per solver the prover spent its sentence's budget on);
    or one ``("interval", tree)``: a branch and bound in arb that :mod:`.interval` re-checks on the goal it
    derives from the claim itself.

    A half proved by the solvers is accepted only when z3 and cvc5 both answer unsat on the kernel's *own*
    sentence for it (:func:`.smt.sentence`, from this Statement), asked through ``ask`` (``ask(text, budget)``,
    by default the oracle the prove phase registered, :func:`.smt.register`); the prover's sentence is never
    read. ``("solvers", said, budget, lemmas)``: the prover's lemma instances (``lemmas.lemmas``, paired by
    ``lemmas.meanings``), which the kernel adds to its sentence only after checking each on its own facts, when
    the sentence without them is not settled. Where the kernel cannot read the step (λ_max of a general
    matrix) the token names the prover's encoding as trusted (:data:`.smt.TRUST_PROVER_ENCODING`).
    """
    if len(evidence) == 1 and evidence[0][0] == "interval":
        from .interval import goal_of, verify

        ok, why = verify(claim, size, label, evidence[0][1])
        if not ok:
            return None, f"the kernel rejects the interval certificate: {why}"
        text = "interval branch and bound (arb), re-checked by the kernel on its own goal"
        return _issue(Proved, claim.id, size, STEP, text, label=label,
                      steps=goal_of(claim, size, label).labels), text
    try:
        stmt = Statement(claim, size)
    except Exception as e:
        return None, f"the kernel cannot run the claim on its own symbols: {type(e).__name__}: {e}"
    if label not in stmt.steps:
        return None, f"the claim has no step {label!r}"
    try:
        halves, outside = stmt.halves(label), None
    except Outside as e:
        halves, outside = None, str(e)
    if halves is not None and len(halves) != len(evidence):
        return None, f"the step has {len(halves)} half(s), the evidence {len(evidence)}"
    try:
        negations = stmt.negations(label)
    except Outside:
        negations = None
    if negations is not None and len(negations) != len(evidence):
        return None, f"the step has {len(negations)} half(s), the evidence {len(evidence)}"
    trusts, how = [], []
    for i, item in enumerate(evidence):
        kind, what = item[0], item[1]
        if halves is not None and _evident(stmt, *halves[i]):
            how.append("the kernel's own reading (big − small is 0 or a nonnegative number)")
            continue
        if kind == "solvers":
            if negations is None:   # outside the kernel's reading: the prover's sentence, trusted as before
                trusts.append(smt.TRUST_PROVER_ENCODING)
                how.append("two solvers")
                continue
            try:
                w = smt.writer(stmt, *negations[i])
                text = w.text()
            except Exception as e:
                return None, f"the kernel cannot write its own sentence for the step: {type(e).__name__}: {e}"
            budget = min(max(float(item[2]), 0.5), smt.BUDGET) if len(item) > 2 and item[2] else smt.BUDGET
            oracle = ask if ask is not None else smt.oracle()
            ok, said, trusted = False, "", True
            if len(item) > 3 and item[3] is not None and values is not None:
                # the prover's lemma instances, each checked on the kernel's own facts: more facts (which can help a
                # solver, or slow it down: briefly with them, then without them, on the full budget)
                kept = (list(stmt.facts.ge), list(stmt.facts.eq))
                try:
                    _derive(stmt, _renamed(item[3], _pairing(values, stmt.values)))
                    if (len(stmt.facts.ge), len(stmt.facts.eq)) != tuple(map(len, kept)):
                        ok, said, trusted = smt.decide(smt.writer(stmt, *negations[i]), oracle,
                                                       min(budget, LEMMA_PROBE_BUDGET))
                except Exception:   # noqa: BLE001 (an instance the kernel cannot check adds nothing)
                    pass
                finally:   # the instances are this half's: the next half's sentence is the kernel's own again
                    stmt.facts.ge[:], stmt.facts.eq[:] = kept
            if not ok and ": sat" not in said:
                ok, said = smt.both_unsat(text, oracle, budget)
                # refuted by the solvers: a certificate the kernel checks on the same sentence drops the trust
                trusted = not (ok and smt.certified(w))
            if not ok:
                return None, f"the solvers do not both refute the kernel's own goal ({said})"
            if trusted:
                trusts.append(smt.TRUST_KERNEL_GOAL)
            how.append(smt.HOW_KERNEL_GOAL if trusted else psatz.HOW_PSATZ)
            continue
        if kind != "sos":
            return None, f"unknown evidence {kind!r}"
        if halves is None and negations is not None:
            # a strict or '≠' step the kernel reads: a certificate of big − small ≥ 0 (and the prover's own small
            # and big) proves neither small < big nor small ≠ big, so the kernel asks the solvers on its own sentence
            ok, said, trusted = _own_sentence(stmt, negations[i], item, ask)
            if not ok:
                return None, f"a strict or '≠' step: the solvers do not both refute the kernel's own goal ({said})"
            if trusted:
                trusts.append(smt.TRUST_KERNEL_GOAL)
            how.append(smt.HOW_KERNEL_GOAL if trusted else psatz.HOW_PSATZ)
            continue
        if halves is None:
            ok, why = check_step(what.small, what.big, what.certs, what.squared)
            if not ok:
                return None, why
            trusts.append(f"the prover's encoding of {outside} (the kernel checked the certificate against the "
                          "prover's goal)")
            how.append("SOS certificate on the prover's goal")
            continue
        try:
            if values is None:
                raise _Reject("the prover did not say which value each of its variables is")
            check_half(stmt, *halves[i], _renamed(what, _pairing(values, stmt.values)))
        except Exception as e:
            why = f"{e}" if isinstance(e, _Reject) else f"{type(e).__name__}: {e}"
            if negations is not None and stmt.reading.spectral_read:
                # the kernel's own sentence, briefly: unsat accepts; the prover's goal is never the fallback (the
                # kernel reads every quantity of this step itself, with its own witnesses: WITNESSES)
                ok, said, trusted = _own_sentence(stmt, negations[i], ("sos", None, PROBE_BUDGET), ask)
                if ok:
                    if trusted:
                        trusts.append(smt.TRUST_KERNEL_GOAL)
                    how.append(smt.HOW_KERNEL_GOAL if trusted else psatz.HOW_PSATZ)
                    continue
                why = f"{why}; the solvers on the kernel's own goal: {said}"
            return None, f"the kernel rejects the certificate: {why}"
        how.append("SOS certificate on the kernel's own goal")
    text = " and ".join(dict.fromkeys(how))
    return _issue(Proved, claim.id, size, STEP, text, label=label, trusts=dict.fromkeys(trusts),
                  steps=tuple(stmt.steps)), text
