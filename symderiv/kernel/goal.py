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
   argument), noting every denominator (the step is about the points where
   they are not 0);
3. checks each certificate exactly (:mod:`.sos`), then *interprets* the
   certificate's other variables: each must be defined by one of its
   equalities v·d − n = 0 with d a denominator the claim has, i.e. v = n/d,
   or be one of the kernel's atoms (an equality on it, such as v² − x², becomes
   an identity once a² is replaced by what the kernel knows it is);
   under that interpretation every hypothesis, equality and nonzero factor the
   certificate uses must be one the kernel derived in 1–2 (up to a positive
   constant factor for g ≥ 0, any nonzero constant for h = 0 or d ≠ 0, or an
   identity), and the certificate's goal must be the kernel's own
   big − small (or big ≥ 0 and big² − small² ≥ 0). Then every term of the
   certificate is ≥ 0 (or 0) at every point where the claim's values are
   defined and its hypotheses hold, so small ≤ big there.

A step whose sides use what this reading does not cover (a spectral or
Frobenius norm, an eigenvalue, tanh, exp: quantities the prover defines by
constraints of its own) is outside the fragment: its certificate is checked
against the prover's goal as before, and the kernel's token names the
prover's encoding among what it trusts.

A step proved by two SMT solvers' ``unsat`` has no certificate to check: the
kernel writes its own sentence for each half from this same reading
(:mod:`.smt`: facts ∧ atoms' definitions ∧ denominators ≠ 0 ∧ ¬(small ≤ big))
and has both solvers asked again on it, through an oracle the prove phase
registers; it accepts only when z3 and cvc5 both answer unsat on the kernel's
text, and its token trusts the solvers, not the encoder. Outside the fragment
the prover's sentence is trusted, and the token says so.
"""
from __future__ import annotations

import inspect

import sympy as sp

from ..families import Diagonals, Just, Matrices, Sampled, Scalars, Vectors
from . import smt
from .accept import STEP, Proved, _issue
from .decide import relations_of
from .dual import KernelError
from .sos import check, check_step


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
    kernel's own atoms for |x|, √x, max, min and ‖M‖_F, each with the facts that define it."""

    def __init__(self, facts: Facts):
        self.facts, self.dens, self.atoms = facts, [], {}
        self.spectral_read: set = set()   # the quantities read by a theorem about their structure (spectral())

    def atom(self, kind: str, arg) -> sp.Symbol:
        key = (kind, arg)
        got = self.atoms.get(key)
        if got is not None:
            return got
        a = self.atoms[key] = sp.Dummy(f"{kind}{len(self.atoms)}", real=True)
        f = self.facts
        if kind in ("abs", "sqrt", "fro"):
            f.ge.append(a)
        if kind == "abs":
            f.eq.append(a ** 2 - arg ** 2)
        elif kind == "sqrt":
            f.ge.append(arg)  # √x is real only there: the claim speaks of x ≥ 0
            f.eq.append(a ** 2 - arg)
        elif kind == "fro":
            f.eq.append(a ** 2 - sum(x ** 2 for x in arg))
        elif kind == "max":
            f.ge.extend(a - x for x in arg)
        elif kind == "min":
            f.ge.extend(x - a for x in arg)
        return a

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
        if isinstance(s, Spectral) and s.kind in ("norm2", "fro", "rho", "lam_max"):
            got = self.spectral(s.kind, sp.Matrix(s.M))
            if got is not None:
                return got
        raise Outside(getattr(s, "kind", type(s).__name__))

    def spectral(self, kind: str, M: sp.Matrix):
        """A norm or an eigenvalue quantity the kernel derives itself from the matrix's own entries, by a theorem
        about its structure (None when none applies; the structure is read off the entries, which are exact):

        - ‖m‖₂ = ‖m‖_F = ρ(m) = |m| for a 1×1 matrix, λ_max(m) = m;
        - ‖D‖₂ = maxᵢ |dᵢ| for a diagonal D (off-diagonal entries 0 as written);
        - ρ(T) = maxᵢ |tᵢᵢ| and λ_max(T) = maxᵢ tᵢᵢ for a triangular T (its eigenvalues are its diagonal).

        ‖M‖_F beyond 1×1 stays outside: the kernel's check of the shipped Gram–Schmidt certificate at n = 2 took
        minutes (cancelling its quotients of roots; measured again with the diagonal reading: over 4 minutes)."""
        r, c = M.shape
        if kind == "fro" and (r, c) != (1, 1):
            return None
        M = M.applyfunc(self.rational)  # the structure as written (an entry that only cancels to 0 is not a 0)
        if not (r == c == 1 and kind in ("norm2", "fro")):
            # the prover's variables for these (a PSD factor, a unit vector, eigenvalues by Vieta) are not ones
            # the kernel interprets: a certificate that rests on them is checked on the prover's goal, and trusted.
            # A 1×1 norm is s ≥ 0, s² = m² for the prover too: its certificate must hold on the kernel's |m|
            self.spectral_read.add(kind)
        if r == c == 1:
            return M[0, 0] if kind == "lam_max" else self.atom("abs", M[0, 0])
        if r != c:
            return None
        upper = all(M[i, j] == 0 for i in range(r) for j in range(i))
        lower = all(M[i, j] == 0 for i in range(r) for j in range(i + 1, r))
        d = [M[i, i] for i in range(r)]
        if kind == "norm2" and upper and lower:
            return self.atom("max", tuple(self.atom("abs", x) for x in d))
        if kind == "rho" and (upper or lower):
            return self.atom("max", tuple(self.atom("abs", x) for x in d))
        if kind == "lam_max" and (upper or lower):
            return self.atom("max", tuple(d))
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
        sq = {a: (arg ** 2 if kind == "abs" else sum(y ** 2 for y in arg) if kind == "fro" else arg)
              for (kind, arg), a in self.reading.atoms.items() if kind in ("sqrt", "abs", "fro")}
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


def _same(x, y) -> sp.Expr | None:
    """x / y as a constant when it is one (x, y rational functions, y ≠ 0), else None."""
    if y == 0:
        return None
    q = sp.cancel(sp.together(x / y))
    return q if q.is_Rational else None


def _zero(x) -> bool:
    return sp.cancel(sp.together(x)) == 0


class _Reject(Exception):
    pass


def _factors(e) -> list:
    """The irreducible factors (over ℚ) of a rational function's numerator and denominator, constants dropped."""
    num, den = sp.fraction(sp.cancel(sp.together(e)))
    return [f for part in (num, den) for f, _ in sp.factor_list(part)[1]]


class _NonZero:
    """Is d ≠ 0 wherever the claim is defined? When every irreducible factor of it is one of a nonzero fact's."""

    def __init__(self, facts: list):
        self.known = [f for k in facts for f in _factors(k)]

    def __call__(self, d) -> bool:
        d = sp.cancel(sp.together(d))
        if d.is_Rational:
            return d != 0
        return all(any(_same(f, k) is not None for k in self.known) for f in _factors(d))


def _interpret(certs, own: set, nonzero: list, stmt: "Statement") -> dict:
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
    while pending:
        progress = False
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
                a = next((a for a in free for h in eqs if ready(h) and _zero(stmt.reduce(h.xreplace({**subst, v: a})))),
                         None)
                if a is None:
                    extremes = [a for (kind, _), a in stmt.reading.atoms.items() if kind in ("max", "min")
                                and a in free]
                    a = next((a for a in extremes for g in ges if ready(g) and g != v and
                              _fact(stmt.reduce(g.xreplace({**subst, v: a})), stmt.facts.ge, True)), None)
                if a is not None:
                    subst[v] = a
            if v in subst:
                pending.discard(v)
                progress = True
        if not progress:
            raise _Reject(f"the certificate's {', '.join(sorted(map(str, pending))[:3])} stands for nothing the "
                          "kernel derived from the claim")
    return subst


def _fact(x, facts: list, positive: bool) -> bool:
    """Is x (interpreted) one of ``facts`` up to a constant factor (a positive one when ``positive``)?"""
    for f in facts:
        q = _same(x, f)
        if q is not None and (q > 0 if positive else q != 0):
            return True
    return False


def check_half(stmt: Statement, small, big, proof) -> None:
    """Accept the prover's certificates for small ≤ big against the kernel's own goal, or raise _Reject."""
    certs = list(proof.certs)
    if len(certs) != (2 if proof.squared else 1):
        raise _Reject("the certificates do not match their form")
    for c in certs:
        ok, why = check(c)
        if not ok:
            raise _Reject(why)
        if c.kind != ">=":
            raise _Reject("a step's certificate proves an inequality")
    own = set(stmt.syms.made) | set().union(*(sp.sympify(x).free_symbols for x in stmt.facts.ge + stmt.facts.eq
                                               + stmt.facts.ne + stmt.dens + [small, big])) - set(stmt.atoms)
    nonzero = stmt.dens + stmt.facts.ne
    # a root, a modulus or a norm that is not 0 has an argument that is not 0 (r² = x, a² = x², f² = Σ m²)
    known = _NonZero(nonzero)
    nonzero += [arg ** 2 if kind == "abs" else sum(x ** 2 for x in arg) if kind == "fro" else arg
                for (kind, arg), a in stmt.reading.atoms.items() if kind in ("sqrt", "abs", "fro") and known(a)]
    subst = _interpret(certs, own, nonzero, stmt)
    ge, eq = ([stmt.reduce(f) for f in facts] for facts in (stmt.facts.ge, stmt.facts.eq))
    want = [big, big ** 2 - small ** 2] if proof.squared else [big - small]
    for c, w in zip(certs, want):
        if not _zero(stmt.reduce(sp.sympify(c.goal).xreplace(subst) - w)):
            raise _Reject(f"a certificate proves {sp.sstr(c.goal)[:80]} ≥ 0, which is not the claim's "
                          f"{sp.sstr(w)[:80]} ≥ 0")
        for _, _, idx in c.products:
            for i in idx:
                g = stmt.reduce(sp.sympify(c.hypotheses[i]).xreplace(subst))
                if not (_zero(g) or (sp.cancel(g).is_Rational and sp.cancel(g) >= 0)
                        or _fact(g, ge, True)):
                    raise _Reject(f"the certificate assumes {sp.sstr(c.hypotheses[i])[:80]} ≥ 0, which the kernel "
                                  "did not derive from the claim")
        for m, j in c.multipliers:
            h = stmt.reduce(sp.sympify(c.equalities[j]).xreplace(subst))
            if m != 0 and not (_zero(h) or _fact(h, eq, False)):
                raise _Reject(f"the certificate assumes {sp.sstr(c.equalities[j])[:80]} = 0, which the kernel did "
                              "not derive from the claim")
        for i in c.scaled:
            d = sp.sympify(c.nonzero[i]).xreplace(subst)
            if not (_fact(d, nonzero, False) or (sp.cancel(d).is_Rational and d != 0)):
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

    certs = [dataclasses.replace(
        c, goal=r(c.goal), hypotheses=tuple(map(r, c.hypotheses)), equalities=tuple(map(r, c.equalities)),
        products=tuple((k, r(s), idx) for k, s, idx in c.products),
        gram=(tuple(map(r, c.gram[0])), c.gram[1]), multipliers=tuple((r(m), j) for m, j in c.multipliers),
        nonzero=tuple(map(r, c.nonzero))) for c in proof.certs]
    out = type("Renamed", (), {})()
    out.small, out.big, out.certs, out.squared = r(proof.small), r(proof.big), certs, proof.squared
    return out


def _evident(stmt: Statement, small, big) -> bool:
    """Is small ≤ big by the kernel's reading alone: big − small is 0, or a nonnegative rational number, once
    each atom's square is replaced by what the kernel knows it is (‖diag(d)‖₂ and maxᵢ|dᵢ| are one atom)?"""
    try:
        g = sp.cancel(sp.together(stmt.reduce(sp.sympify(big) - sp.sympify(small))))
    except Exception:
        return False
    return g == 0 or (g.is_Rational and g >= 0)


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
    read. Where the kernel cannot read the step (a spectral norm, an eigenvalue, tanh, exp) the token names the
    prover's encoding as trusted (:data:`.smt.TRUST_PROVER_ENCODING`).
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
                text = smt.sentence(stmt, *negations[i])
            except Exception as e:
                return None, f"the kernel cannot write its own sentence for the step: {type(e).__name__}: {e}"
            budget = min(max(float(item[2]), 0.5), smt.BUDGET) if len(item) > 2 and item[2] else smt.BUDGET
            ok, said = smt.both_unsat(text, ask if ask is not None else smt.oracle(), budget)
            if not ok:
                return None, f"the solvers do not both refute the kernel's own goal ({said})"
            trusts.append(smt.TRUST_KERNEL_GOAL)
            how.append(smt.HOW_KERNEL_GOAL)
            continue
        if kind != "sos":
            return None, f"unknown evidence {kind!r}"
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
            read = stmt.reading.spectral_read
            if not read:
                return None, f"the kernel rejects the certificate: {why}"
            # the kernel read a norm or an eigenvalue by a theorem about its matrix's structure, but the
            # certificate speaks of the prover's own variables for it (a PSD factor, a unit vector), which the
            # kernel does not interpret: as before that reading, checked against the prover's goal, and trusted
            ok, why2 = check_step(what.small, what.big, what.certs, what.squared)
            if not ok:
                return None, why2
            trusts.append(f"the prover's encoding of {', '.join(sorted(read))} (the kernel checked the certificate "
                          "against the prover's goal)")
            how.append("SOS certificate on the prover's goal")
            continue
        how.append("SOS certificate on the kernel's own goal")
    text = " and ".join(dict.fromkeys(how))
    return _issue(Proved, claim.id, size, STEP, text, label=label, trusts=dict.fromkeys(trusts),
                  steps=tuple(stmt.steps)), text
