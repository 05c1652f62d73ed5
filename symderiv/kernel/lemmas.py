"""Lemma chains: a limit or a norm step proved from classical theorems, each instance checked by the kernel.

A limit ``‖Mᵠ X₀‖ → 0`` has no fixed-size sentence of real arithmetic, and a
norm step such as ``‖AB‖₂ ≥ σ_min(A)‖B‖₂`` at n = 2 is out of the solvers'
reach when ‖·‖₂ is encoded by its definition. What a person writes is a short
chain of classical lemmas: ‖WD‖₂ ≤ ‖W‖₂‖D‖₂ ≤ ‖W‖₂γ < 1, hence (WD)ᵠ → 0.

The prove phase (:mod:`symderiv.prove.chains`) *finds* such a chain: which
conclusion lemma (for a limit) and which instances of the scalar lemmas, at
matrices written in its own symbols. The kernel accepts it only when:

1. it runs the claim's check on its **own** symbols (the domains the claim
   declares, its ``assume(...)``; :class:`LemmaStatement`) and reads the step and
   the hypotheses itself. Norms and eigenvalue quantities are read by their
   structure where a theorem gives them (‖m‖₂ = ρ(m) = σ_min(m) = |m| for 1×1,
   ‖D‖₂ = maxᵢ|dᵢ| and σ_min(D) = minᵢ|dᵢ| for a diagonal D, ρ(T) = maxᵢ|tᵢᵢ|
   and λ*(T) = minᵢ|tᵢᵢ| for a triangular T) and otherwise as **opaque** atoms,
   one per (quantity, matrix) with its entries in canonical form, of which the
   kernel knows only that they are ≥ 0 and what the lemma instances say;
2. for a limit, the conclusion lemma is one of :data:`LEMMAS` whose conclusion
   is the claim's own behaviour (its ``to``) of the kernel's own sequence
   (M, X₀, view), and the kernel derives the lemma's side condition (‖M‖₂ < 1,
   ρ(M) < 1, …) on its own M; for a relation, the goal is the kernel's own
   reading of the step;
3. every instance names a lemma of :data:`LEMMAS`, its arguments are matrices
   over the claim's own values (the prover's symbols paired with the kernel's by
   position, never by name; a symbol that is no value of the claim is refused),
   and the kernel computes the instance's statement itself: premises ⇒
   conclusion, a theorem for every value of the arguments;
4. the claim's premises have a value: when it assumes anything, the finder
   names a **witness**, a point of the claim's declared domain (checked as a
   counterexample's premises are, :func:`.check.premise`) where the kernel
   runs the claim and decides every hypothesis true exactly; a chain over
   premises no value satisfies (‖A‖₂ < ρ(A)) proves nothing, as a solver's
   proof over them proves nothing;
5. the goal (the side condition, or the step) follows: either it is one of the
   kernel's own hypothesis facts exactly (up to a positive constant factor), or
   z3 and cvc5 both answer ``unsat`` on the kernel's own sentence
   facts ∧ instances (each as premises ⇒ conclusion) ∧ ¬goal, written here from
   the kernel's reading (:func:`sentence`), asked through the oracle the prove
   phase registers (:mod:`.smt`).

A lemma instance is a valid implication for every value of its arguments, so
adding it never excludes a point the claim speaks of: a chain the solvers
refute proves the goal at every point of the claim's domain where its
hypotheses hold and its sides are defined. A wrong instance (a lemma the table
does not have, an argument that is not the claim's, a premise that is false at
some point) adds nothing the kernel did not derive, so it cannot make a false
goal follow.

LEMMAS — each a theorem, with a reference (N = ‖·‖₂, the largest singular
value; R = ρ, the spectral radius; S = σ_min, the smallest singular value):

* ``submultiplicative`` (A, B): N(AB) ≤ N(A)·N(B). The operator norm induced
  by a vector norm is submultiplicative: ‖ABx‖ ≤ ‖A‖‖Bx‖ ≤ ‖A‖‖B‖‖x‖ (Horn &
  Johnson, *Matrix Analysis*, 2nd ed., §5.6, Example 5.6.6 and Thm 5.6.2).
* ``spectral-radius-le-norm`` (M square): R(M) ≤ N(M). For an eigenpair
  Mv = λv, |λ|‖v‖ = ‖Mv‖ ≤ ‖M‖‖v‖ (Horn & Johnson, Thm 5.6.9).
* ``orthogonal-norm`` (M): MᵀM = I ⇒ N(M) = 1. ‖Mx‖² = xᵀMᵀMx = ‖x‖² for
  every x (Horn & Johnson, Thm 2.1.4 (g)).
* ``frobenius-zero`` (X): ‖X‖_F = 0 ⇒ X = 0. ‖X‖_F² = Σ x_ij², and a sum of
  squares of reals is 0 only when each is 0 (the definition of ‖·‖_F, Horn &
  Johnson, §5.6, Example 5.6.4).
* ``smallest-singular-value`` (A square, B): S(A)·N(B) ≤ N(AB). For every x,
  ‖ABx‖ ≥ σ_min(A)‖Bx‖ (Courant–Fischer: σ_min(A) = min_{‖y‖=1}‖Ay‖, Horn &
  Johnson, Thm 7.3.8); at a unit x with ‖Bx‖ = ‖B‖, ‖AB‖ ≥ ‖ABx‖ ≥ σ_min(A)‖B‖.

* ``orthogonal-invariance`` (Q, M): QᵀQ = I ⇒ N(QM) = N(M). ‖QMx‖² = xᵀMᵀQᵀQMx = ‖Mx‖² for every x, so the
  two maxima over unit x agree (Horn & Johnson, Thm 2.1.4 (g) and §5.6, Example 5.6.6: the spectral norm is
  unitarily invariant).
* ``orthogonal-invariance-right`` (M, Q square): QᵀQ = I ⇒ N(MQ) = N(M). A square Q with QᵀQ = I has QQᵀ = I
  (a one-sided inverse of a square matrix is its inverse), so Qᵀ is orthogonal, and N(MQ) = N(QᵀMᵀ) = N(Mᵀ) = N(M)
  (a matrix and its transpose have the same singular values; Horn & Johnson, Thm 2.1.4, Example 5.6.6).
* ``diagonal-norm`` (D diagonal): N(D) = maxᵢ|dᵢ|. For a unit x, ‖Dx‖² = Σ dᵢ²xᵢ² ≤ maxᵢ dᵢ², with equality at
  the unit vector of the largest |dᵢ| (Horn & Johnson, §5.6, Example 5.6.5: the spectral norm is the largest
  singular value, and a diagonal matrix's singular values are its |dᵢ|). The kernel's reading of N(D) already
  applies this theorem (module docstring, 1); an instance names it in the chain and states nothing more.
* ``tanh-derivative`` (z, a scalar of the claim): 0 ≤ 1 − tanh(z)² ≤ 1, i.e. 0 ≤ tanh′(z) ≤ 1. tanh′ = 1 − tanh²
  (d/dz of (e^{2z} − 1)/(e^{2z} + 1)), and −1 < tanh z < 1.
* ``logistic-derivative`` (z, a scalar of the claim): 0 ≤ σ(z)(1 − σ(z)) ≤ 1/4, i.e. 0 ≤ σ′(z) ≤ 1/4.
  σ′ = σ(1 − σ) (d/dz of 1/(1 + e^{−z})), 0 < σ < 1, and s(1 − s) = 1/4 − (s − 1/2)².

Limit lemmas, about X_q = Mᵠ X₀ (q = 0, 1, …), read through the sequence's view:

* ``contraction``: N(M) < 1 ⇒ ‖X_q‖ → 0 (so it also stays bounded), since
  ‖Mᵠ X₀‖_F ≤ ‖M‖₂ᵠ ‖X₀‖_F (submultiplicativity) and ‖M‖₂ᵠ → 0.
* ``nonexpansive``: N(M) ≤ 1 ⇒ ‖X_q‖ stays bounded: ‖Mᵠ X₀‖_F ≤ ‖X₀‖_F.
* ``spectral-decay``: R(M) < 1 ⇒ ‖X_q‖ → 0 (so it stays bounded): Mᵠ → 0
  exactly when ρ(M) < 1 (Horn & Johnson, Thm 5.6.12).
* ``spectral-growth``: R(M) > 1, X₀ square with a nonzero constant
  determinant, the whole state read (no view) ⇒ ‖X_q‖ → ∞ (so it does not
  → 0): ‖Mᵠ‖₂ ≥ ρ(Mᵠ) = ρ(M)ᵠ (Thm 5.6.9), and ‖Mᵠ‖₂ ≤ ‖Mᵠ X₀‖₂ ‖X₀⁻¹‖₂.

The behaviours are the ones :func:`.decide.decide_limit` decides at a point:
"0" (→ 0), "bounded" (stays bounded), "inf" (unbounded: a root of modulus > 1 or
a repeated one of modulus 1) and "not0" (does not → 0); each lemma lists the
ones its conclusion implies (:data:`LIMIT_BEHAVIOURS`).

What a token made here trusts beyond the kernel: the two solvers' ``unsat`` on
the kernel's own sentence (:data:`.smt.TRUST_KERNEL_GOAL`), when the goal was not
one of the kernel's hypothesis facts as it stands; the lemma table itself is the
kernel's, as the facts of goal.py's FUNCTIONS are.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

import sympy as sp

from ..notation import literal
from . import psatz, smt
from .accept import STEP, Proved, _issue
from .decide import relations_of
from .goal import Facts, Outside, _domain, _pairing, _Reading, _Reject, _same, _Snapshot, _Symbols


@dataclass(frozen=True)
class Lemma:
    """One theorem of the table: its name, what it says, and where it is proved."""

    name: str
    statement: str
    reference: str


LEMMAS = {lem.name: lem for lem in (
    Lemma("submultiplicative", "‖AB‖₂ ≤ ‖A‖₂‖B‖₂", "Horn & Johnson, Matrix Analysis, Thm 5.6.2"),
    Lemma("spectral-radius-le-norm", "ρ(M) ≤ ‖M‖₂", "Horn & Johnson, Thm 5.6.9"),
    Lemma("orthogonal-norm", "MᵀM = I ⇒ ‖M‖₂ = 1", "Horn & Johnson, Thm 2.1.4"),
    Lemma("frobenius-zero", "‖X‖_F = 0 ⇒ X = 0", "a sum of squares of reals is 0 only when each is"),
    Lemma("smallest-singular-value", "σ_min(A)‖B‖₂ ≤ ‖AB‖₂", "Courant–Fischer, Horn & Johnson, Thm 7.3.8"),
    Lemma("orthogonal-invariance", "QᵀQ = I ⇒ ‖QM‖₂ = ‖M‖₂", "Horn & Johnson, Thm 2.1.4 (g), Example 5.6.6"),
    Lemma("orthogonal-invariance-right", "QᵀQ = I, Q square ⇒ ‖MQ‖₂ = ‖M‖₂",
          "Horn & Johnson, Thm 2.1.4, Example 5.6.6 (‖MQ‖₂ = ‖QᵀMᵀ‖₂ = ‖Mᵀ‖₂)"),
    Lemma("diagonal-norm", "‖diag(d)‖₂ = maxᵢ|dᵢ|", "Horn & Johnson, §5.6, Example 5.6.5 (singular values |dᵢ|)"),
    Lemma("tanh-derivative", "0 ≤ tanh′(z) = 1 − tanh(z)² ≤ 1", "tanh′ = 1 − tanh², |tanh z| < 1"),
    Lemma("logistic-derivative", "0 ≤ σ′(z) = σ(z)(1 − σ(z)) ≤ 1/4", "σ′ = σ(1 − σ), s(1 − s) = 1/4 − (s − 1/2)²"),
    Lemma("contraction", "‖M‖₂ < 1 ⇒ ‖Mᵠ X₀‖ → 0", "‖Mᵠ X₀‖ ≤ ‖M‖₂ᵠ ‖X₀‖ (Thm 5.6.2)"),
    Lemma("nonexpansive", "‖M‖₂ ≤ 1 ⇒ ‖Mᵠ X₀‖ stays bounded", "‖Mᵠ X₀‖ ≤ ‖X₀‖ (Thm 5.6.2)"),
    Lemma("spectral-decay", "ρ(M) < 1 ⇒ ‖Mᵠ X₀‖ → 0", "Horn & Johnson, Thm 5.6.12"),
    Lemma("spectral-growth", "ρ(M) > 1, X₀ invertible ⇒ ‖Mᵠ X₀‖ → ∞", "ρ(M)ᵠ ≤ ‖Mᵠ‖₂ (Thm 5.6.9)"),
    Lemma("fixed-point", "M X₀ = X₀ ⇒ Mᵠ X₀ = X₀ for every q", "induction on q: Mᵠ⁺¹ X₀ = Mᵠ (M X₀) = Mᵠ X₀"),
)}

#: the limit lemmas, and the behaviours of the claim's ``limit(…, to)`` their conclusion implies
LIMIT_BEHAVIOURS = {"contraction": ("0", "bounded"), "nonexpansive": ("bounded",),
                    "spectral-decay": ("0", "bounded"), "spectral-growth": ("inf", "not0"),
                    "fixed-point": ("bounded", "not0")}
SCALAR_LEMMAS = ("submultiplicative", "spectral-radius-le-norm", "orthogonal-norm", "frobenius-zero",
                 "smallest-singular-value", "orthogonal-invariance", "orthogonal-invariance-right", "diagonal-norm", "tanh-derivative", "logistic-derivative")

#: how a token made by an exact match with a hypothesis says so
HOW_HYPOTHESIS = "the goal is one of the claim's hypotheses as the kernel reads them"


@dataclass(frozen=True)
class Instance:
    """The finder's instance of a scalar lemma: its name and its matrix arguments (in the finder's symbols)."""

    lemma: str
    args: tuple


@dataclass(frozen=True)
class LemmaChain:
    """A finder's certificate for one step: the limit lemma (None for a relation step), the instances of scalar
    lemmas it rests on, and the seconds per solver the finder grants the kernel's sentence."""

    conclusion: str | None
    instances: tuple = ()
    budget: float = 2.0

    def describe(self) -> str:
        parts = [f"{self.conclusion} ({LEMMAS[self.conclusion].statement})"] if self.conclusion in LEMMAS else []
        names = list(dict.fromkeys(i.lemma for i in self.instances))
        parts += [f"{n} ({LEMMAS[n].statement})" for n in names if n in LEMMAS]
        return "; ".join(parts)


# ----- the kernel's reading: structural theorems, else opaque atoms -----------------------------------------------


def _canon(e) -> sp.Expr:
    return sp.cancel(sp.together(sp.sympify(e)))


class LemmaReading(_Reading):
    """goal.py's reading (its atoms for |x|, √x, max, min, ‖·‖_F, exp, tanh, logistic, with their facts), with
    every spectral quantity read by a structural theorem where one applies and otherwise as an opaque atom ≥ 0."""

    OPAQUE = ("norm2", "rho", "smin", "lam_min")

    def atom(self, kind: str, arg) -> sp.Symbol:
        """goal.py's atom, its argument in canonical form (two equal rational functions are one argument: |x|,
        tanh(z), … of one value are one atom, wherever the check or an instance wrote it)."""
        if isinstance(arg, sp.Basic):
            arg = _canon(arg)
        fresh = (kind, arg) not in self.atoms
        a = super().atom(kind, arg)
        if fresh and kind == "max" and any(x in self.nonneg for x in arg):
            self.facts.ge.append(a)   # a maximum is ≥ each argument, and one of them is ≥ 0
        if fresh and kind in ("abs", "sqrt", "fro", "max") and (kind != "max" or any(x in self.nonneg for x in arg)):
            self.nonneg.add(a)
        return a

    @property
    def nonneg(self) -> set:
        """The atoms known ≥ 0 by their definition (|x|, √x, ‖·‖_F, an opaque norm, a maximum of one of them)."""
        if "_nonneg" not in self.__dict__:
            self.__dict__["_nonneg"] = set()
        return self.__dict__["_nonneg"]

    def read(self, s) -> sp.Expr:
        from ..relations import Op, Spectral

        if isinstance(s, Spectral) and s.kind in self.OPAQUE + ("lam_max", "fro"):
            return self.quantity(s.kind, sp.Matrix(s.M))
        if isinstance(s, Op) and s.op in ("max", "min"):   # maximum(a, b) of the claim language: goal.py's max atom
            return self.atom(s.op, tuple(self.read(x) for x in s.args))
        return super().read(s)

    def quantity(self, kind: str, M: sp.Matrix) -> sp.Expr:
        """‖M‖₂ ("norm2"), ρ(M), σ_min(M), λ*(M) or λ_max(M) as the kernel reads it (see the module docstring)."""
        r, c = M.shape
        M = M.applyfunc(lambda e: _canon(self.rational(e)))
        if (r, c) == (1, 1):
            return M[0, 0] if kind == "lam_max" else self.atom("abs", M[0, 0])
        if kind == "fro":   # goal.py's atom: f ≥ 0, f² = Σ m_ij² (its entries in canonical form)
            return self.atom("fro", tuple(M))
        square = r == c
        lower = square and all(M[i, j] == 0 for i in range(r) for j in range(i + 1, c))
        upper = square and all(M[i, j] == 0 for i in range(r) for j in range(i))
        d = [M[i, i] for i in range(min(r, c))]
        if kind in ("norm2", "smin") and upper and lower:
            return self.atom("max" if kind == "norm2" else "min", tuple(self.atom("abs", x) for x in d))
        if kind in ("rho", "lam_min") and (upper or lower):
            return self.atom("max" if kind == "rho" else "min", tuple(self.atom("abs", x) for x in d))
        if kind == "lam_max":
            if upper or lower:
                return self.atom("max", tuple(d))
            raise Outside("λ_max of a general matrix (it may have no real eigenvalue)")
        if kind in ("rho", "lam_min") and not square:
            raise Outside(f"{kind} of a non-square matrix")
        key = (r, c, tuple(M))
        fresh = (f"opaque {kind}", key) not in self.atoms
        a = self.atom(f"opaque {kind}", key)
        if fresh:
            self.facts.ge.append(a)   # a norm, a modulus, a singular value: ≥ 0
            self.nonneg.add(a)
        return a

    def matrix(self, M: sp.Matrix) -> sp.Matrix:
        return sp.Matrix(M).applyfunc(lambda e: _canon(self.rational(e)))


class LemmaStatement:
    """The claim at one size as the kernel reads it for a lemma chain: its own symbols and facts, every step, the
    hypotheses read (one it cannot read is left out: fewer facts, which is sound)."""

    def __init__(self, claim, size: dict):
        from ..relations import collect_assumptions

        self.syms, self.facts = _Symbols(), Facts()
        self.values = {name: _domain(st, name, size, self.syms, self.facts) for name, st in claim.given.items()}
        if claim.model is not None:
            from .check import _run_check

            out, hyps = _run_check(claim, size, self.values)
        else:
            params = inspect.signature(claim.check).parameters
            extra = {k: v for k, v in size.items() if k in params}
            with literal():
                out, hyps = collect_assumptions(claim.check, **self.values, **extra)
        self.steps = dict(relations_of(out))
        self.reading = LemmaReading(self.facts)
        self.assumed = len(hyps)
        self.hypotheses = 0
        for h in hyps:
            try:
                a, b = self.reading.read(h.lhs), self.reading.read(h.rhs)
            except Outside:
                continue
            self.facts.constraint({"<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt, "=": sp.Eq,
                                   "!=": sp.Ne}[h.op](a, b))
            self.hypotheses += 1
        self.hyp_facts = (list(self.facts.ge), list(self.facts.ne))   # the domain's and the hypotheses' own

    @property
    def dens(self) -> list:
        return self.reading.dens

    @property
    def own(self) -> set:
        return set(self.syms.made)


# ----- lemma instances as the kernel states them -----------------------------------------------------------------


@dataclass
class Stated:
    """An instance as the kernel states it: premises (h = 0 polynomials) ⇒ conclusions (g ≥ 0, h = 0)."""

    lemma: str
    premises_eq: list
    ge: list
    eq: list


def _matrix_arg(stmt: LemmaStatement, pair: dict, a) -> sp.Matrix:
    if not isinstance(a, sp.MatrixBase):
        a = sp.Matrix([[a]])
    M = sp.Matrix(a).xreplace(pair)
    foreign = set().union(*(sp.sympify(x).free_symbols for x in M)) - stmt.own
    if foreign:
        raise _Reject(f"an instance's argument has {sorted(map(str, foreign))[:2]}, which are no value of the claim")
    return M


def state(stmt: LemmaStatement, inst: Instance, pair: dict) -> Stated:
    """The kernel's statement of one instance (the lemma from the table, at the kernel's own matrices). Reading
    the finder's matrices may only add definitions (atoms and their facts): a denominator the claim does not have
    (1/x: "x ≠ 0" in the kernel's sentence) or a new √ (its "x ≥ 0") would be an assumption the finder put into
    the kernel's statement, and the instance is refused."""
    before = _Snapshot(stmt)
    got = _state(stmt, inst, pair)
    if before.assumes_more():
        before.restore()
        raise _Reject(f"{inst.lemma}: an instance's matrix has a denominator or a root the claim does not have")
    return got


def _state(stmt: LemmaStatement, inst: Instance, pair: dict) -> Stated:
    if not isinstance(inst, Instance) or inst.lemma not in SCALAR_LEMMAS:
        raise _Reject(f"{getattr(inst, 'lemma', inst)!r} is no scalar lemma of the kernel's table")
    args = [_matrix_arg(stmt, pair, a) for a in inst.args]
    N = lambda M: stmt.reading.quantity("norm2", M)  # noqa: E731
    if inst.lemma == "submultiplicative":
        if len(args) != 2 or args[0].cols != args[1].rows:
            raise _Reject("submultiplicative takes two conformable matrices")
        A, B = args
        return Stated(inst.lemma, [], [N(A) * N(B) - N(A * B)], [])
    if inst.lemma == "spectral-radius-le-norm":
        if len(args) != 1 or not args[0].is_square:
            raise _Reject("spectral-radius-le-norm takes one square matrix")
        return Stated(inst.lemma, [], [N(args[0]) - stmt.reading.quantity("rho", args[0])], [])
    if inst.lemma == "orthogonal-norm":
        if len(args) != 1:
            raise _Reject("orthogonal-norm takes one matrix")
        M = args[0]
        G = (M.T * M - sp.eye(M.cols)).applyfunc(lambda e: _canon(stmt.reading.rational(e)))
        prem = [G[i, j] for i in range(G.rows) for j in range(i, G.cols)]
        if any(sp.fraction(p)[1] != 1 for p in prem):
            raise _Reject("orthogonal-norm: MᵀM − I is not a polynomial")
        return Stated(inst.lemma, [p for p in prem if p != 0], [], [N(M) - 1])
    if inst.lemma == "frobenius-zero":
        if len(args) != 1:
            raise _Reject("frobenius-zero takes one matrix")
        X = args[0].applyfunc(lambda e: _canon(stmt.reading.rational(e)))
        if any(sp.fraction(x)[1] != 1 for x in X):
            raise _Reject("frobenius-zero: the matrix is not a polynomial one")
        return Stated(inst.lemma, [stmt.reading.quantity("fro", X)], [], [x for x in X if x != 0])
    if inst.lemma in ("orthogonal-invariance", "orthogonal-invariance-right"):
        left = inst.lemma == "orthogonal-invariance"
        if len(args) != 2:
            raise _Reject(f"{inst.lemma} takes two matrices")
        Q, M = args if left else args[::-1]
        if not Q.is_square or (Q.cols != M.rows if left else M.cols != Q.rows):
            raise _Reject(f"{inst.lemma} takes a square Q and a conformable M")
        G = (Q.T * Q - sp.eye(Q.cols)).applyfunc(lambda e: _canon(stmt.reading.rational(e)))
        prem = [G[i, j] for i in range(G.rows) for j in range(i, G.cols)]
        if any(sp.fraction(p)[1] != 1 for p in prem):
            raise _Reject(f"{inst.lemma}: QᵀQ − I is not a polynomial")
        return Stated(inst.lemma, [p for p in prem if p != 0], [], [N(Q * M if left else M * Q) - N(M)])
    if inst.lemma == "diagonal-norm":
        if len(args) != 1 or not args[0].is_square or not args[0].is_diagonal():
            raise _Reject("diagonal-norm takes one diagonal matrix")
        D = args[0]
        same = N(D) - stmt.reading.atom("max", tuple(stmt.reading.atom("abs", stmt.reading.rational(d))
                                                       for d in D.diagonal()))
        return Stated(inst.lemma, [], [], [same] if same != 0 else [])
    if inst.lemma in ("tanh-derivative", "logistic-derivative"):
        if len(args) != 1 or args[0].shape != (1, 1):
            raise _Reject(f"{inst.lemma} takes one scalar")
        from ..functions import logistic

        z = args[0][0, 0]
        if inst.lemma == "tanh-derivative":
            d, top = stmt.reading.rational(1 - sp.tanh(z) ** 2), sp.Integer(1)
        else:
            s = logistic(z)
            d, top = stmt.reading.rational(s * (1 - s)), sp.Rational(1, 4)
        return Stated(inst.lemma, [], [d, sp.expand(top.q * (top - d))], [])   # ×4: a polynomial over Z
    # smallest-singular-value
    if len(args) != 2 or not args[0].is_square or args[0].cols != args[1].rows:
        raise _Reject("smallest-singular-value takes a square A and a conformable B")
    A, B = args
    return Stated(inst.lemma, [], [N(A * B) - stmt.reading.quantity("smin", A) * N(B)], [])


# ----- the goal -----------------------------------------------------------------------------------------------


def limit_goal(stmt: LemmaStatement, lim, conclusion: str) -> tuple:
    """The side condition (small, big, strict) of limit lemma ``conclusion`` on the kernel's own sequence, meaning
    small < big (strict) or small ≤ big; _Reject when the lemma does not conclude the claim's behaviour."""
    if conclusion not in LIMIT_BEHAVIOURS:
        raise _Reject(f"{conclusion!r} is no limit lemma of the kernel's table")
    if lim.to not in LIMIT_BEHAVIOURS[conclusion]:
        raise _Reject(f"{conclusion} concludes {' or '.join(LIMIT_BEHAVIOURS[conclusion])}, the claim says {lim.to!r}")
    M = stmt.reading.matrix(lim.seq.M)
    X0 = stmt.reading.matrix(lim.seq.X0)
    if not M.is_square or M.cols != X0.rows:
        raise _Reject("the sequence's matrix is not square, or its start does not fit it")
    if conclusion == "contraction":
        return stmt.reading.quantity("norm2", M), sp.Integer(1), True
    if conclusion == "nonexpansive":
        return stmt.reading.quantity("norm2", M), sp.Integer(1), False
    if conclusion == "spectral-decay":
        return stmt.reading.quantity("rho", M), sp.Integer(1), True
    if conclusion == "fixed-point":
        return _fixed_point(lim, M, X0)
    # spectral-growth: the whole state, from a start with a nonzero constant determinant
    if lim.seq.view is not None and tuple(lim.seq.view) != (0, M.rows):
        raise _Reject("spectral-growth reads the whole state; the sequence reads a part of it")
    if not X0.is_square:
        raise _Reject("spectral-growth needs a square start")
    det = _canon(X0.det(method="berkowitz"))
    if not (det.is_Rational and det != 0):
        raise _Reject("spectral-growth needs a start whose determinant is a nonzero number")
    return sp.Integer(1), stmt.reading.quantity("rho", M), True


#: a limit lemma's side condition the kernel decided itself (no sentence, nothing trusted)
DECIDED = "decided"
HOW_FIXED_POINT = "M X₀ − X₀ = 0 as rational functions of the claim's values, decided exactly by the kernel"


def _fixed_point(lim, M: sp.Matrix, X0: sp.Matrix):
    """``fixed-point``'s side condition, decided here: M X₀ − X₀ is 0 entry by entry as a rational function of the
    kernel's symbols (cancelled to p/q with p = 0: an identity wherever the claim has a value), so X_q = X₀ for
    every q. It stays bounded; it does not → 0 when the part of X₀ the sequence reads holds a nonzero number."""
    D = M * X0 - X0
    for e in D:
        if sp.cancel(sp.together(e)) != 0:
            raise _Reject("M X₀ ≠ X₀ as rational functions: the start is no fixed point of the sequence's matrix")
    if lim.to == "not0":
        top = X0 if lim.seq.view is None else X0[lim.seq.view[0]:lim.seq.view[1], :]
        if not any(e.is_Rational and e != 0 for e in top):
            raise _Reject("fixed-point concludes 'does not → 0' only for a start with a nonzero number in the part read")
    return DECIDED


def relation_goals(stmt: LemmaStatement, rel) -> list:
    """The step's halves as (small, big, strict), from the kernel's reading of its sides."""
    a, b = stmt.reading.read(rel.lhs), stmt.reading.read(rel.rhs)
    got = {"<=": [(a, b, False)], ">=": [(b, a, False)], "=": [(a, b, False), (b, a, False)], "<": [(a, b, True)],
           ">": [(b, a, True)]}.get(rel.op)
    if got is None:
        raise _Reject(f"the relation {rel.op} is not proved by a lemma chain")
    return got


def _by_hypothesis(stmt: LemmaStatement, small, big, strict: bool) -> bool:
    """Is big − small ≥ 0 (> 0 when strict) one of the domain's or the hypotheses' facts, up to a positive
    constant factor, exactly?"""
    g = sp.sympify(big) - sp.sympify(small)
    ge, ne = stmt.hyp_facts
    for f in ge:
        q = _same(g, f)
        if q is None or not q > 0:
            continue
        if not strict or any(_same(f, k) is not None for k in ne):
            return True
    return False


# ----- the kernel's sentence ------------------------------------------------------------------------------------


def sentence(stmt: LemmaStatement, stated: list, small, big, strict: bool, pruned: bool = False) -> str:
    """:func:`writer`'s SMT-LIB text."""
    return writer(stmt, stated, small, big, strict, pruned).text()


def writer(stmt: LemmaStatement, stated: list, small, big, strict: bool, pruned: bool = False):
    """facts ∧ atoms' definitions ∧ denominators ≠ 0 ∧ instances (premises ⇒ conclusions) ∧ ¬(small ≤ big) (or
    ¬(small < big) when strict), in SMT-LIB, written by the kernel (smt.py's printer and its weak forms of facts
    with denominators). ``pruned``: only the facts over the symbols of the goal and the instances (fewer premises:
    an unsat sentence still proves the goal; the solvers are not distracted by the domain's other facts)."""
    from .smt import _cmp, _fraction, _Writer, assert_negated, assert_statement

    w = _Writer()
    near = lambda e: True  # noqa: E731
    if pruned:
        keep = set().union(sp.sympify(small).free_symbols, sp.sympify(big).free_symbols,
                           *(sp.sympify(x).free_symbols for st in stated for x in st.premises_eq + st.ge + st.eq))
        atoms = set(stmt.reading.atoms.values())
        over_atoms = [fs for fs in (set(sp.sympify(e).free_symbols) for e in stmt.facts.ge + stmt.facts.eq)
                      if fs and fs <= atoms]
        grown = True
        while grown:   # the kept atoms' own definitions (‖D‖₂ = max|dᵢ|, |dᵢ|² = dᵢ², −1 < tanh < 1), over atoms only
            grown = False
            for fs in over_atoms:
                if fs & keep and not fs <= keep:
                    keep |= fs
                    grown = True
        near = lambda e: set(sp.sympify(e).free_symbols) <= keep  # noqa: E731
    assert_statement(w, stmt, near)
    for s in stated:
        concl, facts = [], []
        for g in s.ge:
            n, d = _fraction(g)
            if d != 1:
                raise smt.Unprintable("a lemma's conclusion is not a polynomial")
            concl.append(_cmp(">=", w.term(n)))
            facts.append(("ge", n))
        for h in s.eq:
            n, d = _fraction(h)
            if d != 1:
                raise smt.Unprintable("a lemma's conclusion is not a polynomial")
            concl.append(_cmp("=", w.term(n)))
            facts.append(("eq", n))
        if not concl:   # nothing beyond the kernel's reading (diagonal-norm: its structural reading of N(D))
            continue
        body = concl[0] if len(concl) == 1 else "(and " + " ".join(concl) + ")"
        fact = facts[0] if len(facts) == 1 else ("and", facts)
        if s.premises_eq:
            body = "(or " + " ".join(f"(not {_cmp('=', w.term(p))})" for p in s.premises_eq) + f" {body})"
            fact = ("or", [("ne", sp.sympify(p)) for p in s.premises_eq] + [fact])
        w.assert_(body, fact)
    assert_negated(w, small, big, ">=" if strict else ">")
    return w


# ----- acceptance ---------------------------------------------------------------------------------------------


def witness_refused(claim, size: dict, point) -> str | None:
    """Why ``point`` is no value of the claim's premises (None when it is one): every given value, in the domain
    the claim declares, and every hypothesis decided true exactly where the kernel runs the claim on it."""
    from .check import _run_check, premise
    from .decide import decide

    if not isinstance(point, dict) or set(point) != set(claim.given):
        return "the witness does not give every value of the claim"
    try:
        for name, v in point.items():
            premise(claim.given[name], v, size)
        _, hyps = _run_check(claim, size, point)
    except Exception as e:  # noqa: BLE001
        return f"the witness is not in the claim's domain ({type(e).__name__}: {e})"
    for h in hyps:
        if decide(h).value is not True:
            return f"hypothesis {h.label or h} is not certified at the witness"
    return None


def accept_chain(claim, size: dict, label: str, chain, values: dict, *, witness=None, ask=None
                 ) -> tuple[Proved | None, str]:
    """The kernel's Proved for step ``label`` of ``claim`` at ``size`` from a lemma chain, or (None, why not).

    ``values``: the finder's symbolic value of each given (its symbols are paired with the kernel's by position,
    never by name). The goal is the kernel's own: for a limit, the side condition of ``chain.conclusion`` on the
    kernel's sequence; for a relation, the kernel's reading of the step. ``witness``: a point of the claim's
    premises (required when the claim assumes anything, or declares a sampled domain)."""
    from ..relations import Limit

    if not isinstance(chain, LemmaChain):
        return None, "the evidence is not a lemma chain"
    try:
        stmt = LemmaStatement(claim, size)
    except Exception as e:  # noqa: BLE001
        return None, f"the kernel cannot run the claim on its own symbols: {type(e).__name__}: {e}"
    if label not in stmt.steps:
        return None, f"the claim has no step {label!r}"
    from ..families import Sampled

    if stmt.assumed or any(isinstance(st, Sampled) for st in claim.given.values()):
        why = witness_refused(claim, size, witness) if witness is not None else "no witness of the premises"
        if why is not None:
            return None, f"the kernel does not know the premises have a value: {why}"
    step = stmt.steps[label]
    try:
        pair = _pairing(values, stmt.values)
        if isinstance(step, Limit):
            if chain.conclusion is None:
                raise _Reject("a limit needs a limit lemma")
            goals = [limit_goal(stmt, step, chain.conclusion)]
        else:
            if chain.conclusion is not None:
                raise _Reject(f"{chain.conclusion} concludes a limit; the step is a relation")
            goals = relation_goals(stmt, step)
        stated = [state(stmt, inst, pair) for inst in chain.instances]
    except (_Reject, Outside) as e:
        return None, f"the kernel rejects the lemma chain: {e}"
    except Exception as e:  # noqa: BLE001
        return None, f"the kernel rejects the lemma chain: {type(e).__name__}: {e}"
    how, trusts = [], []
    for goal in goals:
        if goal == DECIDED:
            how.append(HOW_FIXED_POINT)
            continue
        small, big, strict = goal
        if _by_hypothesis(stmt, small, big, strict):
            how.append(HOW_HYPOTHESIS)
            continue
        budget = min(max(float(chain.budget or smt.BUDGET), 0.5), smt.BUDGET)
        ok, said, trusted = False, "", True
        for pruned in (True, False):   # the facts near the goal first; then all of them
            try:
                w = writer(stmt, stated, small, big, strict, pruned=pruned)
            except Exception as e:  # noqa: BLE001
                return None, f"the kernel cannot write its own sentence: {type(e).__name__}: {e}"
            # a Positivstellensatz certificate the kernel checks on its own structured sentence, else both solvers
            ok, said, trusted = smt.decide(w, ask if ask is not None else smt.oracle(), budget)
            if ok:
                break
        if not ok:
            return None, f"the solvers do not both refute the kernel's own goal with the chain ({said})"
        if trusted:
            how.append(smt.HOW_KERNEL_GOAL)
            trusts.append(smt.TRUST_KERNEL_GOAL)
        else:
            how.append(psatz.HOW_PSATZ)
    names = ([chain.conclusion] if chain.conclusion else []) + ([s.lemma for s in stated] if any(h != HOW_HYPOTHESIS for h in how) else [])
    lemmas = ", ".join(f"{n} ({LEMMAS[n].statement})" for n in dict.fromkeys(names))
    text = f"lemma chain, kernel/lemmas.py: {lemmas}; " + " and ".join(dict.fromkeys(how))
    return _issue(Proved, claim.id, size, STEP, text, label=label, trusts=tuple(dict.fromkeys(trusts)),
                  steps=tuple(stmt.steps)), text
