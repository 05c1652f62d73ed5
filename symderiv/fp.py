"""Randomized exact identity testing over prime fields F_p, a fresh random prime p ∈ [2⁶², 2⁶³) per trial.

What is tested
==============
Read every σ(a), σ'(a), σ''(a) as a variable of its own, one per distinct
argument polynomial a (the reading the symbolic normal form uses). Both sides
of an identity claim are then matrices of polynomials with rational
coefficients in the weights, the inputs, the initial state and these atoms;
the claim holds for every σ when lhs − rhs is the zero polynomial. A trial
evaluates uᵀ · (lhs − rhs) · x exactly in F_p at a uniformly random point: the
weights, inputs and initial state, a random row u and a random column x, and
σ, σ', σ'' replaced by independent uniformly random functions F_p → F_p (a
fresh uniform value for each new argument value, memoised). The truth
``m.d(("h", t), "W")`` is forward-mode differentiation of the unrolled cell
in F_p along the direction x (unvec'd in the Jacobian's layout), never the
formula under test. A true identity passes every trial (exact arithmetic: a
zero polynomial stays zero under any substitution, and the random function
only identifies atoms). A disagreeing trial proves lhs − rhs ≠ 0; the engine
then certifies a counterexample with the exact engine at small sizes.

The error bound (what a trial of a false identity can miss)
===========================================================
Every value carries, besides its residues, a bound (D, h, d): its entries are
polynomials of total degree ≤ D in the random variables (weights, inputs,
initial state, u, x and the atoms, each of degree 1), and an integer
denominator B ≤ 2^d makes B · entry a polynomial with integer coefficients
whose L1 norm is ≤ 2^h (B is a product of the denominators of the rational
constants met). The rules:
A + B: D = max, d = d_A + d_B, h = log₂(2^(d_B+h_A) + 2^(d_A+h_B)); A · B with
inner dimension k: D, h and d add, plus log₂ k on h; a constant a/b: D = 0,
h = log₂|a|, d = log₂ b; a random variable or an atom: (1, 0, 0).

Couple the real trial with an *ideal* one in which each σ site whose argument
is a new polynomial gets its own independent uniform atom. The two agree
unless (b) below happens. A false identity passes a trial only if

(a) p divides every coefficient of the nonzero integer polynomial
    B_l B_r (lhs − rhs), projected: then p divides one nonzero coefficient
    of absolute value ≤ 2^H (H from the rules above), and at most ⌊H/62⌋
    primes ≥ 2⁶² do. p is uniform over the primes of [2⁶², 2⁶³), of which
    there are N ≥ 1.0629 · 10¹⁷ ≈ 2^56.56 (Dusart 1999: π(x) ≥ x/ln x
    (1 + 1/ln x + 1.8/ln²x) for x ≥ 32299, at x = 2⁶³, minus π(x) ≤ x/ln x
    (1 + 1/ln x + 2.51/ln²x) for x ≥ 355991, at x = 2⁶²); so (a) has
    probability ≤ ⌊H/62⌋ / N;
(b) two σ sites (of the same one of σ, σ', σ'') whose arguments A_i ≠ A_j are
    different polynomials get equal values: for each pair, p divides the
    content of A_i − A_j (≤ ⌊H_ij/62⌋/N, H_ij ≤ 1 + c_i + c_j with c = h + d of
    the argument) or the nonzero A_i − A_j vanishes at the point (≤ D_ij/p,
    D_ij = max(D_i, D_j), Schwartz–Zippel in the ideal trial). A union bound
    over all pairs of sites of both sides, the model's and the claim's
    (arguments that are the very same value object are one site); no trial is
    redrawn, so nothing is conditioned;
(c) the projected difference, a nonzero polynomial over F_p of degree ≤ D,
    vanishes at the uniform point: ≤ D/p (Schwartz–Zippel).

Per trial, with p ≥ 2⁶²: ε = (D + Σ_pairs D_ij) / 2⁶² + (⌊H/62⌋ + Σ_pairs
⌊H_ij/62⌋) / N. A prime that divides a denominator met in the trial is
redrawn; the primes so excluded (⌊log₂ b / 62⌋ per denominator b) are taken
off N. Trials are independent (fresh prime, point and random functions), so a
false identity survives k trials with probability ≤ ε^k; trials continue until
ε^k ≤ 2⁻⁶⁴. D, H and the sites do not depend on the draw, so every trial has
the same ε.

Corrected Theorem 1 at n = 64, t = 256: D = 513 = 2t + 1 on both sides (the
tangent dh_t along x has degree 2t; in the closed form each of the t − 1
factors W diag σ' has degree 2, the block 1, and x 1; u adds 1); H ≈ 1543 bits (each
of the 255 factors W diag σ' adds log₂ 64 bits), so ⌊H/62⌋ = 24; 16 384 sites
of σ (σ(h_0), …, σ(h_255)) and 16 320 of σ' (σ'(h_1), …, σ'(h_255)), the
claim's own σ(h_{k−1}), σ'(h_{r−1}) being the model's very objects; arguments
of degree ≤ 2 with c ≈ 6.1 bits, so Σ_pairs D_ij = 534 743 136 ≈ 2^28.99 and
no pair can be divisible by a prime ≥ 2⁶²: ε = (513 + 534 743 136)/2⁶² +
24/N ≈ 2^−33.006 per trial: 2 trials, error ≤ 2^−66.0.

Evaluation
==========
Trials run in batches: every value holds one ``nmod_mat`` per trial (python-
flint, exact residues, no overflow at any size), so the claim's Python code
runs once per batch. The notation returns lazy operators (diag, kron, HV,
ordered products, sums); a product is applied to u from the left up to its
narrowest point and to x from the right after it, a derivative always from the
right (forward mode). Work is shared between the terms of a sum by memo tables
keyed by serial numbers (never reused in a process) of canonical operator
objects (a value's diag and dense operator are memoised on the value itself),
so the prefixes of a descending product are applied once: corrected Theorem 1
costs O(t n²) per projection.

Derivatives: one tape, a seed per kind
=====================================
The cell is unrolled once on values that record a tape. Every input is a
leaf of it (each parameter, each initial state, each x_k and y_k), and every
quantity a step assigns (``s.z = …``, ``s.h = …``; outputs o_k and losses E_k
when a check first asks for them) is an entry of its own. A derivative is a
:class:`Seed`: the entry its direction enters and the first entry replayed.
``m.d(q, "W")`` seeds W's leaf; ``m.d(q, "h")`` or ``("h", 0)`` the initial
state's leaf; ``m.d(q, ("h", k))`` the entry step k assigned to h, which is
what the symbolic engine replaces by fresh symbols (what used h_k before its
assignment, or reads another quantity, is untouched); ``m.partial(q_k, w)``
seeds w (a parameter, or the state of step k − 1) and replays only step k's
entries, everything before held fixed; ``hold=(...)`` adds step k's named
entries to the seed's cut set: their tangent is zero and no adjoint passes
them (the exact engine's overrides by the held values). ``m.d(fn, wrt)`` for a
function of the model (``m.sum_of("E")``, ``lambda q: q.E(1) + q.E(2)``) runs
fn on a view whose quantities are the tape's own entries, so what fn computes
is recorded and a seed at h_k replays every path to it (the exact engine's
re-run of the steps after k with h_k a variable). A new kind of derivative is
one more way of choosing a seed. None of this adds σ sites or changes the
bound: the values are the same ones, only which entries carry a tangent
changes. ``applyfunc`` of a polynomial with rational coefficients is Horner's
rule entrywise (⊙ and +, bounds carried by the rules above); of anything else
it is :class:`Unsupported`. A 1 × 1 value plays the scalar E_k (plus a number,
times a matrix: a Kronecker product with a 1 × 1 factor, whose bound is that
of a product). The truth along a direction x is forward mode over
the tape (``Jacobian.right``); a row times a derivative, or a transposed
derivative, is reverse mode (``Jacobian.left``, :class:`Transposed`): the
tape swept back from the quantity to the seed. Both are the chain rule over
the unrolled model's own operations, never the formula under test.

Concrete functions (tanh, logistic) and losses
==============================================
A concrete function is read as the symbolic normal form reads it: tanh(a)
for each distinct argument polynomial a is an atom T_a, and every derivative
is a polynomial in that same atom, by the function's derivative relation:
tanh' = 1 − T², logistic' = S(1 − S), and P_{k+1} = P_k'(Y) · Y' for the k-th
derivative (tanh'' = −2T(1 − T²), …; ``concrete_polynomial``). Both sides of
a claim are then polynomials in the weights, inputs and these atoms.

*Sound for holds.* If that polynomial is zero, the claim holds for the
concrete function: put the true values tanh(a(w)) in for the atoms; the
derivative relations are true identities of tanh and the logistic, so the
truth computed with them is the true derivative, and a zero polynomial stays
zero. A trial evaluates the polynomial with each atom replaced by a random
function of its argument's value, one table per family (tanh, logistic):
exactly the abstract-σ construction above, with the same coupling and the same
union bound over pairs of sites of one table; the derivatives are polynomials
in the same atom (no new site, only degree, which the bound carries).

*Not a counterexample when it disagrees.* The converse fails: tanh satisfies
relations between atoms at different arguments (tanh(2x) = 2T/(1 + T²), T =
tanh(x)), which the relaxation forgets, so a claim true for tanh can disagree
here. A disagreement only sends the claim to the exact engine, which certifies
a counterexample at small sizes (arb ball arithmetic for tanh and exp) or
says ``undecided``; it never makes ``fails`` by itself.

Losses: ``loss="squared"`` is the polynomial ½ (o − y)ᵀ(o − y);
``loss="abstract"`` is E(o, y), a random function of the whole argument tuple
(one site per E_k), its partials ∂_iE independent random functions, as the
symbolic engine's atoms dE_i: two tuples that are different polynomials
differ in an entry, so the single-entry pair bound applies.
``loss="cross-entropy"`` is −Σ_i y_i log o_i of the (softmax) outputs, and a
cell's own loss may use ``f.exp``, ``f.log``, iteration over entries, sums and
quotients: see the next section.

Exponentials, logarithms and quotients (a relaxation)
=====================================================
A field has no exp or log, so they are read as the symbolic normal form reads
a concrete function, by their derivative rules:

- exp(z): one random atom X per distinct argument, d X = X dz (``CONCRETE``);
- log(s): one random atom L per distinct argument, d L = ds / s;
- a quotient a / s (softmax e_i / Σ_j e_j, log's derivative 1/s, ``x / y`` by a
  scalar value, ``applyfunc(lambda v: 1 / (1 + exp(-v)))``): the field inverse
  of s at the point, a *reciprocal site*, with d(1/s) = −ds / s².

``applyfunc`` reads fn's expression on a symbol (+, ×, rational powers, exp,
log, sin, cos, tanh, the logistic, rational constants) with these operations
(rational powers, sin and cos: next section), so a σ written through exp is
covered; anything else (atan, |·|, max, …) stays Unsupported.

*Sound for holds.* Let every atom be a variable and every reciprocal site
V_j = 1/q_j the inverse of its argument: lhs − rhs is then a rational function
R of the weights, inputs and atoms (an atom's argument may itself be rational).
If R is the zero rational function, the claim holds for the real exp and log:
put X = exp(z(w)), L = log(s(w)) in; the derivative rules are true identities,
so the truth computed with them is the true derivative, and a zero rational
function is zero wherever its denominators are not (the claim is not defined
where they are: log of a non-positive number, softmax never divides by 0).
Atoms are keyed by the *F_p value* of their argument, not by the expression
node: the same argument written twice (exp(o_t) in the loss and again in the
check's softmax(o_t), another object) is then the same atom, as it must be for
a true claim to agree; two different arguments share an atom only when their
values collide, which the pair bound below counts (keying by node would be
sound for holds too, since identifying atoms never makes a zero non-zero, but
would make true claims disagree).

*Not a counterexample when it disagrees.* The relaxation forgets exp(a)exp(b)
= exp(a + b), log(exp z) = z, exp(−z) = 1/exp(z): a true claim that needs such
a relation disagrees here (tests/test_fp_api.py keeps exp(a) exp(−a) = 1). A
disagreement only sends the claim to the exact engine for certification at
small sizes, else ``undecided`` with "differs only under the relaxation"
(engine.check_identity_fp); never ``fails`` by itself.

*The bound.* Treat each reciprocal site V_j as one more variable of the
polynomial bookkeeping (degree 1, no height), so every value still carries
(D, h, d); the values are polynomials P in (w, atoms, V). Each value also
carries the set K of reciprocal groups its polynomial may contain (``Val.k``,
the union over operands). For site j, made from an argument of degree D_a,
height h_a, denominator bits d_a and groups K_a, clearing the inner sites
(V_k = M_k/N_k with deg ≤ c_k, log₂ L1 ≤ g_k) gives V_j = M_j/N_j with

    c_j = D_a (1 + Σ_{k∈K_a} c_k),   g_j = max(h_a, d_a) + D_a Σ_{k∈K_a} g_k

(a monomial of degree ≤ D_a times Π N_k^{D_a}; by induction on the order of
creation). The projected difference (degree D, height H), cleared by
Π_k N_k^{D} over all sites, has a numerator of degree ≤ D (1 + Σ c_k) and
log₂ L1 ≤ H + D Σ g_k; it is non-zero when R is. Then (a) and (c) above hold
with these numbers, and (b) for pairs of atom sites whose arguments carry
sites: the difference of two rational arguments, cleared, has degree ≤
max(D_i, D_j)(1 + C_i + C_j) ≤ max(D_i, D_j) + (D_i + D_j)(C_i + C_j) (C = Σ c
over the argument's groups) and height ≤ 1 + (c_i + D_max G_i) + (c_j + D_max G_j).
Reciprocal sites are not random, so they add no pair.

A denominator that is 0 at the point (N_j ≡ 0 there) cannot be inverted: the
batch is drawn again with the same primes (``_ZeroDenominator``). That
conditions each trial on E = "no N_j vanishes", so a false identity passes
with probability ≤ ε / P(E) ≤ ε / (1 − ε − δ), δ = Σ_j (c_j / 2⁶² + ⌊g_j/62⌋/N)
(Schwartz–Zippel and content for each N_j in the ideal trial; ε covers the
collisions that make the real trial differ from it). ``trial_error`` computes
exactly this; with no quotient every term is the one above, unchanged.
Goodfellow's eq. (10.18) at n = 32, t = 64: D = 5, 2 reciprocal sites of
degree 1, numerator degree ≤ 15, 4160 atom sites (tanh, exp, log): ε ≈ 2^−39.9
per trial, 2 trials, error ≤ 2^−78.

Square roots, rational powers, sines and cosines (the same relaxation)
=====================================================================
Read in ``applyfunc`` (``_walk``), as exp and log are:

- s^(k + r) with k an integer and 0 < r < 1 rational (√s = s^(1/2), s^(−1/2),
  s^(3/2) = s · √s): s^k (through the reciprocal of s when k < 0) times one
  random atom A = s^r per distinct argument (one table per r: ``pow1/2``,
  ``pow1/3``, …), with dA = r · A · (1/s) · ds, and A^(j) = r(r − 1)…(r − j + 1)
  A (1/s)^j; 1/s is a reciprocal site, counted in the bound exactly as log's
  derivative is. (dA = ds/(2A) would be as true for √, but s^(−1/2) in a claim
  is read as (1/s) · A, and the two readings differ under the relaxation, so
  the truth uses the reading the claim's own powers get.)
- sin z, cos z: two random atoms S, C per distinct argument (tables ``sin`` and
  ``cos``), dS = C dz, dC = −S dz, so the j-th derivative of sin is S, C, −S, −C
  for j ≡ 0, 1, 2, 3 (mod 4), and of cos C, −S, −C, S: each an atom of one of
  the two tables at the same argument value, no new kind of site.

*Sound for holds.* With the atoms as variables and the reciprocals as
inverses, lhs − rhs is a rational function of the weights, inputs and atoms;
put A = s(w)^r, S = sin z(w), C = cos z(w) in: the derivative rules are true
identities of the real functions (s^r where s > 0, the claim's domain), so the
truth computed with them is the true derivative, and a zero rational function
stays zero. *The bound* is the one of the previous section unchanged: the atoms
are random-function sites (degree 1, the pair bound per table), the
reciprocals of s are reciprocal sites. *Not a counterexample when it
disagrees:* the relaxation forgets sin² + cos² = 1, the addition formulas,
(√s)² = s (tests/test_fp_trig.py keeps sin² + cos² = 1 and (√(1 + h²))² = 1 + h²,
both true and both ``undecided`` over F_p); the report's scope names them
(``Outcome.relaxation``); a disagreement only sends the claim to the exact
engine, as above. A cell whose state is a power of itself (s · √s) doubles its
degree each step, as a polynomial cell does: its degree bound, not the
reading, limits t.

Limits: σ, its derivatives of any order, tanh, logistic, identity, exp, log,
rational powers, sin, cos, quotients by a scalar (or entrywise, in applyfunc);
``m.like``, ``m.value``, other functions (atan, |·|, max, …), quotients by a
matrix and ``modulo=`` relations are left to the symbolic backends
(:class:`Unsupported`). Python floats and strings raise an error: exact
rationals (sympy.Rational) are the way.
"""
from __future__ import annotations

import contextvars
import itertools
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp
from flint import fmpz, nmod_mat

from . import notation
from .cells import OUTPUT_QUANTITIES, StepScope, dimension
from .errors import ProofFileError, ShapeError, SymderivError
from .functions import activation as activation_of
from .protocol import SumOf, bind_parameters

#: primes are drawn uniformly from [PRIME_LO, PRIME_HI)
PRIME_LO, PRIME_HI = 2 ** 62, 2 ** 63
#: a lower bound on the number of primes in [2⁶², 2⁶³) (Dusart 1999, see the module docstring)
N_PRIMES_LO = 106_297_190_014_990_579
TARGET_BITS = 64
#: a trial's error bound is stated as at most 2^−MAX_BITS even where it is 0 (a constant difference)
MAX_BITS = 1000
#: trials per batch (one trial alone never reaches 2⁻⁶⁴: D/p ≥ 2⁻⁶²)
BATCH = 2
_NEG_INF = float("-inf")


class Unsupported(SymderivError):
    """The claim uses something the randomized backend cannot evaluate."""


class _Redraw(BaseException):  # not an Exception: a claim's own `except Exception` cannot swallow it
    """The prime of trial ``i`` divides a denominator of the claim: draw another."""

    def __init__(self, i: int):
        self.i = i


class _ZeroDenominator(BaseException):  # as _Redraw: never swallowed by a claim's own `except Exception`
    """A quotient's denominator is 0 at trial ``i``'s point: the batch is drawn again (see "Quotients")."""

    def __init__(self, i: int):
        self.i = i


_UID = itertools.count(1)
_ACTIVE: contextvars.ContextVar["_Batch | None"] = contextvars.ContextVar("symderiv_fp_batch", default=None)


def random_prime(rng: np.random.Generator) -> int:
    """A prime drawn uniformly from [2⁶², 2⁶³) (rejection sampling, FLINT's proven primality test)."""
    while True:
        x = PRIME_LO + int(rng.integers(0, PRIME_HI - PRIME_LO))
        if fmpz(x).is_prime():
            return x


# ----- bounds: (degree, log₂ L1 of the cleared numerator, log₂ denominator) -----------------------

def _lse(x: float, y: float) -> float:
    """log₂(2^x + 2^y)."""
    if x < y:
        x, y = y, x
    if y == _NEG_INF:
        return x
    return x + math.log2(1.0 + 2.0 ** (y - x))


def _bits(k: int) -> float:
    return math.log2(k) if k > 0 else _NEG_INF


# ----- exact constants -------------------------------------------------------------------------

def _rational(x) -> Fraction:
    """An exact rational constant of a claim, or a clear error."""
    if isinstance(x, bool):
        raise Unsupported(f"a bool ({x!r}) cannot enter an exact computation")
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (float, np.floating, sp.Float)):
        raise Unsupported(f"a float ({x!r}) cannot enter an exact computation: write it as an exact "
                          "rational, sympy.Rational(p, q)")
    if isinstance(x, sp.Rational):  # Integer too
        return Fraction(int(x.p), int(x.q))
    if isinstance(x, str):
        raise Unsupported(f"a string ({x!r}) is not a mathematical value")
    if isinstance(x, sp.Basic) and x.is_number and x.is_rational:
        return _rational(sp.nsimplify(x))
    raise Unsupported(f"a {type(x).__name__} ({x!r}) cannot enter an F_p computation: only matrices of the "
                      "model, exact rationals and SymPy matrices of rationals can")


def _is_scalar(x) -> bool:
    return isinstance(x, (int, float, Fraction, np.number, str)) or (isinstance(x, sp.Basic)
                                                                      and not isinstance(x, sp.MatrixBase))


def _residue(c: Fraction, p: int, i: int) -> int:
    if c.denominator % p == 0:
        raise _Redraw(i)
    return c.numerator * pow(c.denominator, -1, p) % p


def _note_denominator(den: int) -> None:
    batch = _ACTIVE.get()
    if batch is not None and den >= PRIME_LO:
        batch.dens.add(den)


def _primes() -> list[int]:
    batch = _ACTIVE.get()
    if batch is None:
        raise Unsupported("an F_p constant outside a trial")
    return batch.primes


# ----- values: one residue matrix per trial, and their bound ----------------------------------------

class Val:
    """A matrix over F_p for each trial of a batch, with its bound (degree, height bits, denominator bits)."""

    __slots__ = ("a", "rows", "cols", "deg", "h", "d", "uid", "memo", "k")
    _op_priority = 20.0  # above SymPy matrices': sympy_matrix * val calls val.__rmul__
    __array_ufunc__ = None  # numpy scalars defer to us too

    def __init__(self, a: list, rows: int, cols: int, deg: int, h: float, d: float, k=None):
        self.a, self.rows, self.cols, self.deg, self.h, self.d = a, rows, cols, deg, h, d
        self.uid = next(_UID)
        self.memo = None
        #: the reciprocal groups (ids) this value's polynomial may use as variables (None: none); see _ku
        self.k = k

    # construction
    @classmethod
    def constant(cls, x, primes: list[int]) -> "Val":
        """A number (1 × 1) or a SymPy matrix of rationals."""
        if isinstance(x, sp.MatrixBase):
            entries = [_rational(e) for e in x]
            rows, cols = x.shape
        else:
            entries, rows, cols = [_rational(x)], 1, 1
        den = math.lcm(*(e.denominator for e in entries)) if entries else 1
        _note_denominator(den)
        top = max((abs(e.numerator) * (den // e.denominator) for e in entries), default=0)
        a = []
        for i, p in enumerate(primes):
            if den % p == 0:
                raise _Redraw(i)
            inv = pow(den, -1, p)
            a.append(nmod_mat(rows, cols, [e.numerator * (den // e.denominator) * inv % p for e in entries], p))
        return cls(a, rows, cols, 0, _bits(top), math.log2(den))

    @classmethod
    def zeros(cls, rows: int, cols: int, primes: list[int]) -> "Val":
        return cls([nmod_mat(rows, cols, p) for p in primes], rows, cols, 0, _NEG_INF, 0.0)

    @property
    def primes(self) -> list[int]:
        return [x.modulus() for x in self.a]

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def _memo(self) -> dict:
        if self.memo is None:
            self.memo = {}
        return self.memo

    def node(self) -> "Dense":
        """The canonical lazy operator of this value (memoised on the value, so products share it)."""
        memo = self._memo()
        n = memo.get("node")
        if n is None:
            n = memo["node"] = Dense(self)
        return n

    # arithmetic (shapes checked as SymPy checks them)
    def __add__(self, o):
        if isinstance(o, Node):
            return Sum([self.node(), o])
        other = _as_val(o, self, "+")
        _same_shape(self, other, "+")
        return _keep(_add(self, other), self, o)

    def __radd__(self, o):
        return _as_val(o, self, "+") + self

    def __neg__(self):
        return _keep(_scale(self, Fraction(-1)), self)

    def __sub__(self, o):
        if isinstance(o, Node):
            return self.node() - o
        return self + (-_as_val(o, self, "-"))

    def __rsub__(self, o):
        return _as_val(o, self, "-") + (-self)

    def __mul__(self, o):
        if isinstance(o, Node):  # memoised on the operator by this value's serial number (never reused)
            cache = o.products
            if cache is None:
                cache = o.products = {}
            p = cache.get(self.uid)
            if p is None:
                p = cache[self.uid] = Prod([self.node(), o])
            return p
        if _is_scalar(o):
            return _keep(_scale(self, _rational(o)), self)
        return _keep(_times(self, _as_val(o, self, "*")), self, o)

    def __rmul__(self, o):
        if _is_scalar(o):
            return _keep(_scale(self, _rational(o)), self)
        return _keep(_times(_as_val(o, self, "*"), self), self, o)

    def __truediv__(self, o):
        if isinstance(o, Val) and not isinstance(o, Dual):  # by a scalar value: times its field inverse
            return self * _recip_scalar(o)
        if not _is_scalar(o):
            raise Unsupported("over F_p, a value is divided by a number or by a scalar value only")
        c = _rational(o)
        if c == 0:
            raise ZeroDivisionError("division of a matrix by zero")
        return _keep(_scale(self, 1 / c), self)

    def __rtruediv__(self, o):  # a number over a scalar value
        return _recip_scalar(self) * o

    def __pow__(self, k):
        if not isinstance(k, int) or k < 0 or self.rows != self.cols:
            raise Unsupported("over F_p, a power is a square matrix to a non-negative integer")
        out = Val.constant(sp.eye(self.rows), self.primes)
        for _ in range(k):
            out = _matmul(out, self)
        return out

    @property
    def T(self) -> "Val":
        memo = self._memo()
        t = memo.get("T")
        if t is None:
            t = memo["T"] = Val([x.transpose() for x in self.a], self.cols, self.rows, self.deg, self.h, self.d,
                                    self.k)
        return t

    def __iter__(self):
        """The entries, row by row, as scalars (SymPy's order): ``sum(v)``, ``zip(o, y)``."""
        return (_entry(self, i) for i in range(self.rows * self.cols))

    def __len__(self):
        return self.rows * self.cols

    def applyfunc(self, fn):
        """fn of each entry: a polynomial by Horner's rule, else fn's expression over exp, log, sin, cos, tanh,
        rational powers, ÷ (_walk)."""
        coeffs = _entry_polynomial(fn, allow_other=True)
        if coeffs is None:
            return _walk(fn, self, _ValOps(self))
        out = _filled(coeffs[-1], self.rows, self.cols, self.primes)
        for c in reversed(coeffs[:-1]):
            out = _add(_ew(out, self, self.rows, self.cols), _filled(c, self.rows, self.cols, self.primes))
        return out

    def __getitem__(self, key):
        if self.shape == (1, 1) and key in ((0, 0), 0):  # entry (0, 0) of a 1 × 1 value: a scalar
            return _as_scalar(self)
        raise Unsupported("indexing entries is not available over F_p")

    def __repr__(self):
        return f"Val({self.rows}×{self.cols}, deg ≤ {self.deg})"


def _entry_polynomial(fn, allow_other: bool = False) -> list | None:
    """The coefficients (constant first, Fractions) of fn as a polynomial in one entry; else Unsupported.

    ``allow_other``: None (instead of Unsupported) for an expression that is not a polynomial (_walk reads it).

    fn is called on a SymPy symbol (as SymPy's applyfunc would call it on an
    entry); only a polynomial with rational coefficients evaluates over F_p.
    """
    a = sp.Dummy("a")
    try:
        e = sp.sympify(fn(a))
    except SymderivError:
        raise
    except Exception as exc:
        raise Unsupported(f"applyfunc: the function cannot be read on a symbol over F_p ({exc})") from None
    if allow_other and isinstance(e, sp.Expr) and e.free_symbols <= {a} and not e.is_polynomial(a):
        return None
    if not isinstance(e, sp.Expr) or not e.free_symbols <= {a} or not e.is_polynomial(a):
        raise Unsupported(f"applyfunc of {e}: over F_p only a polynomial in the entry evaluates "
                          "(use the symbolic backends)")
    poly = sp.Poly(e, a)
    coeffs = [_rational(c) for c in reversed(poly.all_coeffs())]
    return coeffs or [Fraction(0)]


class ScalarVal(Val):
    """A value the exact engine returns as a scalar (E_k, an entry, Σ_k E_k), not a 1 × 1 matrix.

    It adds to a number and multiplies a matrix as a scalar does; a 1 × 1
    *matrix* (hᵀh) still raises a shape error there, as SymPy does.
    """

    __slots__ = ()


def _as_scalar(v: Val) -> "ScalarVal":
    if isinstance(v, ScalarVal):
        return v
    if v.shape != (1, 1):
        raise ShapeError(f"a {v.rows}×{v.cols} matrix is not a scalar")
    return ScalarVal(v.a, 1, 1, v.deg, v.h, v.d, v.k)


def _keep(out: Val, *operands) -> Val:
    """out as a scalar when every operand is a scalar (a ScalarVal or a number), as SymPy's Expr arithmetic."""
    if out.shape == (1, 1) and all(isinstance(o, ScalarVal) or _is_scalar(o) for o in operands):
        return _as_scalar(out)
    return out


def _ku(*vals) -> frozenset | None:
    """The reciprocal groups of a value computed from ``vals``: the union of theirs (None when there are none).

    Every value built from other values carries this union, so a reciprocal's argument knows which
    earlier reciprocals its polynomial may contain (the degree bound of "Quotients" in the docstring).
    """
    out = None
    for v in vals:
        k = v.k
        if k:
            out = k if out is None or k <= out else (out | k if not out <= k else k)
    return out


def _same_shape(a, b, op: str) -> None:
    if a.shape != b.shape:
        raise ShapeError(f"Matrix size mismatch: {a.shape} {op} {b.shape}")


def _as_val(o, like: Val, op: str) -> Val:
    """The other operand of a matrix operation: a value or a SymPy matrix of rationals (never a number)."""
    if isinstance(o, Val):
        return o
    if isinstance(o, sp.MatrixBase):
        return Val.constant(o, like.primes)
    if isinstance(o, Dual):
        raise Unsupported("a cell's state mixed with a claim's value")
    if _is_scalar(o):
        c = _rational(o)  # a float or a string is named as such
        if isinstance(like, ScalarVal):  # E_k is the scalar the exact engine returns: E_k + 1 is fine
            return Val.constant(c, like.primes)
        raise ShapeError(f"cannot apply {op} to a number and a {like.rows}×{like.cols} matrix (SymPy raises too)")
    raise Unsupported(f"a {type(o).__name__} cannot enter an F_p computation")


def _add(a: Val, b: Val) -> Val:
    if a.d == 0 and b.d == 0:
        h = _lse(a.h, b.h)
    else:
        h = _lse(b.d + a.h, a.d + b.h)
    return Val([x + y for x, y in zip(a.a, b.a)], a.rows, a.cols, max(a.deg, b.deg), h, a.d + b.d,
               _ku(a, b))


def _matmul(a: Val, b: Val) -> Val:
    if a.cols != b.rows:
        raise ShapeError(f"Matrix size mismatch: {a.shape} * {b.shape}")
    return Val([x * y for x, y in zip(a.a, b.a)], a.rows, b.cols, a.deg + b.deg, a.h + b.h + _bits(a.cols),
               a.d + b.d, _ku(a, b))


def _times(a: Val, b: Val) -> Val:
    """a · b; a 1 × 1 factor that does not fit as a matrix is a scalar (E_k, as the exact engine returns it)."""
    if a.cols != b.rows and (isinstance(a, ScalarVal) or isinstance(b, ScalarVal)):
        return _kron_dense(a, b)
    return _matmul(a, b)


def _scale(v: Val, c: Fraction) -> Val:
    _note_denominator(c.denominator)
    cs = [_residue(c, x.modulus(), i) for i, x in enumerate(v.a)]
    return Val([x * k for x, k in zip(v.a, cs)], v.rows, v.cols, v.deg, v.h + _bits(abs(c.numerator)),
               v.d + math.log2(c.denominator), v.k)


def _ew(a: Val, b: Val, rows: int, cols: int) -> Val:
    """The entrywise product of two values with the same number of entries, shaped rows × cols."""
    out = [nmod_mat(rows, cols, [u * v for u, v in zip(x.entries(), y.entries())], x.modulus())
           for x, y in zip(a.a, b.a)]
    return Val(out, rows, cols, a.deg + b.deg, a.h + b.h, a.d + b.d, _ku(a, b))


def _reshape(v: Val, rows: int, cols: int, order: str) -> Val:
    """The entries of v (read by rows) as a rows × cols matrix, filled by rows ("C") or by columns ("F")."""
    out = []
    for x in v.a:
        e = x.entries()
        if order == "F":
            e = [e[j * rows + i] for i in range(rows) for j in range(cols)]
        out.append(nmod_mat(rows, cols, e, x.modulus()))
    return Val(out, rows, cols, v.deg, v.h, v.d, v.k)


def _entry_sum(v: Val) -> Val:
    out = [nmod_mat(1, 1, [sum(int(e) for e in x.entries()) % x.modulus()], x.modulus()) for x in v.a]
    return Val(out, 1, 1, v.deg, v.h + _bits(v.rows * v.cols), v.d, v.k)


def _kron_dense(a: Val, b: Val) -> Val:
    out = []
    for x, y in zip(a.a, b.a):
        A, B = x.tolist(), y.tolist()
        out.append(nmod_mat(a.rows * b.rows, a.cols * b.cols,
                            [A[i][j] * B[k][l] for i in range(a.rows) for k in range(b.rows)
                             for j in range(a.cols) for l in range(b.cols)], x.modulus()))
    return Val(out, a.rows * b.rows, a.cols * b.cols, a.deg + b.deg, a.h + b.h, a.d + b.d, _ku(a, b))


def _column(v: Val) -> Val:
    """A vector as a column."""
    if v.cols == 1:
        return v
    if v.rows == 1:
        return v.T
    raise ShapeError(f"diag takes a vector, not a {v.rows}×{v.cols} matrix")


def _entry(v: Val, i: int) -> "ScalarVal":
    """Entry i (row by row) of a value, as a scalar with the value's bounds."""
    out = [nmod_mat(1, 1, [x.entries()[i]], x.modulus()) for x in v.a]
    return ScalarVal(out, 1, 1, v.deg, v.h, v.d, v.k)


def _batch_now() -> "_Batch":
    batch = _ACTIVE.get()
    if batch is None:
        raise Unsupported("an F_p function outside a trial")
    return batch


def _recip_scalar(o: Val) -> "ScalarVal":
    """1/o for a scalar value (its field inverse: a reciprocal site, see "Quotients")."""
    if o.shape != (1, 1):
        raise Unsupported(f"over F_p, a value is divided by a scalar, not by a {o.rows}×{o.cols} matrix")
    return _as_scalar(_fvalue(_batch_now(), "recip", 0, o))


def _softmax_val(z: Val) -> Val:
    batch = _batch_now()
    e = _fvalue(batch, "exp", 0, _column(z))
    return _matmul(e, _fvalue(batch, "recip", 0, _entry_sum(e)))


def _softmax_dual(z: "Dual") -> "Dual":
    if z.v.cols != 1:
        raise ShapeError("softmax takes a column vector")
    e = z.model._fn("exp", 0, z)
    return e * z.model._fn("recip", 0, e.entry_sum())


#: the functions an expression read by _walk may apply to an entry, by family
_WALK_FAMILIES = {"exp": "exp", "log": "log", "tanh": "tanh", "logistic": "logistic", "sin": "sin", "cos": "cos"}


def root_family(r: Fraction) -> str:
    """The family of the atom s^r for a rational 0 < r < 1 (``"pow1/2"``: √s), see "Square roots"."""
    return f"pow{r.numerator}/{r.denominator}"


def _walk(fn, x, ops):
    """fn of each entry of x, read from fn's SymPy expression on a symbol: +, ×, rational powers (a negative
    integer part through a reciprocal, a fractional part r as the atom s^r), exp, log, sin, cos, tanh, the
    logistic, rational constants. Each operation is the
    backend's own (so a Dual records its tape and every bound is carried)."""
    a = sp.Dummy("a")
    e = sp.sympify(fn(a))
    seen: dict = {}

    def go(e):
        if e in seen:
            return seen[e]
        if e == a:
            out = x
        elif e.is_Rational:
            out = ops.const(Fraction(int(e.p), int(e.q)))
        elif e.is_Add:
            out = None
            for t in e.args:
                r = go(t)
                out = r if out is None else ops.add(out, r)
        elif e.is_Mul:
            c, rest = e.as_coeff_Mul()
            if c != 1 and c.is_Rational:
                out = ops.scale(go(rest), Fraction(int(c.p), int(c.q)))
            else:
                out = None
                for t in e.args:
                    r = go(t)
                    out = r if out is None else ops.mul(out, r)
        elif e.is_Pow and e.exp.is_Rational:  # s^(k + r), 0 ≤ r < 1: s^k (a reciprocal if k < 0) times the atom s^r
            q = Fraction(int(e.exp.p), int(e.exp.q))
            k, r = math.floor(q), q - math.floor(q)
            b = go(e.base)
            root = ops.fn(root_family(r), b) if r else None
            if k < 0:
                b, k = ops.fn("recip", b), -k
            out = None
            for _ in range(k):
                out = b if out is None else ops.mul(out, b)
            out = root if out is None else out if root is None else ops.mul(out, root)
            if out is None:
                out = ops.const(Fraction(1))
        elif isinstance(e, sp.Function) and len(e.args) == 1 and getattr(e.func, "__name__", "") in _WALK_FAMILIES:
            out = ops.fn(_WALK_FAMILIES[e.func.__name__], go(e.args[0]))
        else:
            raise Unsupported(f"applyfunc of {e}: over F_p an entry's function is built from +, ×, rational powers, "
                              "exp, log, sin, cos, tanh and the logistic (use the symbolic backends)")
        seen[e] = out
        return out

    return go(e)


class _ValOps:
    def __init__(self, like: Val):
        self.like = like

    def const(self, c):
        return _filled(c, self.like.rows, self.like.cols, self.like.primes)

    def add(self, p, q):
        return _add(p, q)

    def mul(self, p, q):
        return _ew(p, q, p.rows, p.cols)

    def scale(self, p, c):
        return _scale(p, c)

    def fn(self, family, p):
        return _fvalue(_batch_now(), family, 0, p)


class _DualOps(_ValOps):
    def __init__(self, like: "Dual"):
        self.like, self.model = like.v, like.model

    def const(self, c):
        return Dual.lift(super().const(c), self.model)

    def add(self, p, q):
        return p + q

    def mul(self, p, q):
        return p.hadamard(q)

    def scale(self, p, c):
        return p * c

    def fn(self, family, p):
        return self.model._fn(family, 0, p)


# ----- lazy operators: the notation over F_p -------------------------------------------------------

class Node:
    """A lazy matrix: applied to a row vector from the left, or to a column from the right."""

    __slots__ = ("rows", "cols", "uid", "jac", "products")
    _op_priority = 20.0
    __array_ufunc__ = None

    def _init(self, rows: int, cols: int, jac: bool = False):
        self.rows, self.cols, self.jac = rows, cols, jac
        self.uid = next(_UID)
        self.products = None  # value uid -> the product value · self (built once: W diag(σ'(h_r)) per r)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def left(self, g: Val, ev: "Evaluator") -> Val:
        raise Unsupported(f"{type(self).__name__} cannot be applied from the left")

    def right(self, x: Val, ev: "Evaluator") -> Val:
        raise Unsupported(f"{type(self).__name__} cannot be applied from the right")

    def __mul__(self, o):
        if _is_scalar(o):
            return Scaled(_rational(o), self)
        return Prod([self, lift(o)])

    def __rmul__(self, o):
        if _is_scalar(o):
            return Scaled(_rational(o), self)
        return Prod([lift(o), self])

    def __add__(self, o):
        if _is_scalar(o):
            _rational(o)
            raise ShapeError(f"cannot add a number and a {self.rows}×{self.cols} matrix (SymPy raises too)")
        return Sum([self, lift(o)])

    __radd__ = __add__

    def __sub__(self, o):
        return self + Scaled(Fraction(-1), lift(o))

    def __rsub__(self, o):
        return lift(o) + Scaled(Fraction(-1), self)

    def __neg__(self):
        return Scaled(Fraction(-1), self)

    def __truediv__(self, o):
        if not _is_scalar(o):
            raise Unsupported("only division by a number is available over F_p")
        return Scaled(1 / _rational(o), self)

    @property
    def T(self):
        return dense(self).T

    def __iter__(self):
        raise Unsupported("iterating over entries is not available over F_p")

    def __getitem__(self, key):
        raise Unsupported("indexing entries is not available over F_p")

    def applyfunc(self, fn):
        raise Unsupported("applyfunc (a function of each entry) is not available over F_p")


def lift(x) -> Node:
    """A value, a SymPy matrix of rationals or an operator, as an operator."""
    if isinstance(x, Node):
        return x
    if isinstance(x, Val):
        return x.node()
    if isinstance(x, sp.MatrixBase):
        if x.rows == x.cols and x == sp.eye(x.rows):
            return Identity(x.rows)
        if x.is_zero_matrix:
            return Zero(x.rows, x.cols)
        return Val.constant(x, _primes()).node()
    if isinstance(x, Dual):
        raise Unsupported("a cell's state mixed with a claim's value")
    if _is_scalar(x):
        _rational(x)
        raise ShapeError("a number is not a matrix here (SymPy raises too)")
    raise Unsupported(f"a {type(x).__name__} cannot enter an F_p computation")


class Dense(Node):
    __slots__ = ("v",)

    def __init__(self, v: Val):
        self.v = v
        self._init(v.rows, v.cols)

    def left(self, g, ev):
        return _matmul(g, self.v)

    def right(self, x, ev):
        return _matmul(self.v, x)

    @property
    def T(self):
        return self.v.T.node()


class Identity(Node):
    __slots__ = ()

    def __init__(self, n: int):
        self._init(n, n)

    def left(self, g, ev):
        return g

    def right(self, x, ev):
        return x

    @property
    def T(self):
        return self


class Zero(Node):
    __slots__ = ()

    def __init__(self, rows: int, cols: int):
        self._init(rows, cols)

    def left(self, g, ev):
        return Val.zeros(1, self.cols, g.primes)

    def right(self, x, ev):
        return Val.zeros(self.rows, 1, x.primes)

    @property
    def T(self):
        return Zero(self.cols, self.rows)


class Diag(Node):
    """diag(v) for a column v."""

    __slots__ = ("v",)

    def __init__(self, v: Val):
        self.v = v
        self._init(v.rows, v.rows)

    def left(self, g, ev):
        return _ew(g, self.v, 1, self.cols)

    def right(self, x, ev):
        return _ew(self.v, x, self.rows, 1)

    @property
    def T(self):
        return self


class KronEyeRow(Node):
    """I_n ⊗ s for a row s (1 × k): n × n·k, the row-major explicit partial ∂(W v)/∂W with s = vᵀ."""

    __slots__ = ("n", "s")

    def __init__(self, n: int, s: Val):
        self.n, self.s = n, s
        self._init(n, n * s.cols)

    def left(self, g, ev):  # g ⊗ s, flattened by rows
        k = self.s.cols
        out = [nmod_mat(1, self.n * k, [a * b for a in x.entries() for b in y.entries()], x.modulus())
               for x, y in zip(g.a, self.s.a)]
        return Val(out, 1, self.n * k, g.deg + self.s.deg, g.h + self.s.h, g.d + self.s.d, _ku(g, self.s))

    def right(self, x, ev):  # X sᵀ, X the n × k matrix read by rows from x
        return _matmul(ev.reshape(x, self.n, self.s.cols, "C"), self.s.T)


class KronRowEye(Node):
    """s ⊗ I_n for a row s (1 × k): n × k·n, the column-major explicit partial."""

    __slots__ = ("n", "s")

    def __init__(self, s: Val, n: int):
        self.n, self.s = n, s
        self._init(n, s.cols * n)

    def left(self, g, ev):
        k = self.s.cols
        out = [nmod_mat(1, k * self.n, [b * a for b in y.entries() for a in x.entries()], x.modulus())
               for x, y in zip(g.a, self.s.a)]
        return Val(out, 1, k * self.n, g.deg + self.s.deg, g.h + self.s.h, g.d + self.s.d, _ku(g, self.s))

    def right(self, x, ev):  # Y sᵀ with Y[i, j] = x[j n + i]
        return _matmul(ev.reshape(x, self.n, self.s.cols, "F"), self.s.T)


class HVNode(Node):
    """pal2019's HV(v) = 1 1ᵀ ⊗ vᵀ (n × n·k for v of n = k entries)."""

    __slots__ = ("n", "v")

    def __init__(self, v: Val):
        self.n, self.v = v.rows, v
        self._init(v.rows, v.rows * v.rows)

    def left(self, g, ev):
        tot = _entry_sum(g)
        row = _matmul(tot, self.v.T)  # (Σg) vᵀ
        out = [nmod_mat(1, self.cols, list(r.entries()) * self.n, r.modulus()) for r in row.a]
        return Val(out, 1, self.cols, row.deg, row.h, row.d, row.k)

    def right(self, x, ev):
        s = _entry_sum(_matmul(ev.reshape(x, self.n, self.v.rows, "C"), self.v))
        return _matmul(Val.constant(sp.ones(self.n, 1), s.primes), s)


class Scaled(Node):
    __slots__ = ("c", "x")

    def __init__(self, c: Fraction, x: Node):
        _note_denominator(c.denominator)
        self.c, self.x = c, x
        self._init(x.rows, x.cols, x.jac)

    def left(self, g, ev):
        return _scale(ev.left(self.x, g), self.c)

    def right(self, x, ev):
        return _scale(ev.right(self.x, x), self.c)

    @property
    def T(self):
        return Scaled(self.c, self.x.T)


@dataclass(frozen=True)
class Seed:
    """Where a derivative's direction enters the tape: entry ``tid`` (rows × cols), ops from ``lo`` on replayed.

    One kind of derivative is one way of choosing a seed (see ``FpModel.d`` and
    ``FpModel.partial``): a parameter, an initial state or an input is a leaf of
    the tape, an intermediate quantity the entry its step assigned (the
    symbolic engine's override by fresh symbols), and an explicit partial
    replays only the ops of its own step (``lo``: what came before is held
    fixed).
    """

    tid: int
    rows: int
    cols: int
    lo: int
    #: entries held fixed (``m.partial(..., hold=...)``): their tangent is zero, no adjoint passes them
    cut: frozenset = frozenset()


class Jacobian(Node):
    """d(quantity)/d(seed) of the F_p model in a layout: forward mode from the right, reverse mode from the left."""

    __slots__ = ("model", "quantity", "seed", "order")

    def __init__(self, model: "FpModel", quantity: "Dual", seed: Seed, layout: str):
        self.model, self.quantity, self.seed = model, quantity, seed
        self.order = "C" if layout == "row-major" else "F"
        self._init(quantity.v.rows, seed.rows * seed.cols, True)

    def right(self, x, ev):
        V = ev.reshape(x, self.seed.rows, self.seed.cols, self.order)
        return self.model.tangent(self.quantity, self.seed, V)

    def left(self, g, ev):
        A = self.model.adjoint(self.quantity, self.seed, g)
        A = A if self.order == "C" else A.T  # vec(A) in the layout, as a row
        return _reshape(A, 1, A.rows * A.cols, "C")

    @property
    def T(self):
        return Transposed(self)


class Transposed(Node):
    """Xᵀ of an operator known along directions: (Xᵀ y) = (yᵀ X)ᵀ, so a transposed Jacobian is reverse mode."""

    __slots__ = ("x",)

    def __init__(self, x: Node):
        self.x = x
        self._init(x.cols, x.rows, True)

    def right(self, y, ev):
        return ev.left(self.x, y.T).T

    def left(self, g, ev):
        return ev.right(self.x, g.T).T

    @property
    def T(self):
        return self.x


class Prod(Node):
    __slots__ = ("factors",)

    def __init__(self, factors: list):
        flat, prev, jac = [], None, False
        for f in factors:
            if prev is not None and prev.cols != f.rows:
                raise ShapeError(f"Matrix size mismatch: {prev.shape} * {f.shape}")
            prev = f
            jac = jac or f.jac
            if type(f) is Prod:
                flat += f.factors
            elif type(f) is not Identity:
                flat.append(f)
        self.factors = flat or [Identity(factors[0].rows)]
        self.rows, self.cols, self.jac = factors[0].rows, prev.cols, jac
        self.uid = next(_UID)
        self.products = None

    def left(self, g, ev):
        for f in self.factors:
            g = ev.left(f, g)
        return g

    def right(self, x, ev):
        for f in reversed(self.factors):
            x = ev.right(f, x)
        return x

    @property
    def T(self):
        return Prod([f.T if isinstance(f, Node) else lift(f).T for f in reversed(self.factors)])


class Sum(Node):
    __slots__ = ("terms",)

    def __init__(self, terms: list):
        flat = []
        for t in terms:
            if t.shape != terms[0].shape:
                raise ShapeError(f"Matrix size mismatch: {terms[0].shape} + {t.shape}")
            flat.extend(t.terms if type(t) is Sum else [t])
        self.terms = flat
        self._init(terms[0].rows, terms[0].cols, any(t.jac for t in flat))

    def left(self, g, ev):
        out = None
        for t in self.terms:
            r = ev.left(t, g)
            out = r if out is None else _add(out, r)
        return out

    def right(self, x, ev):
        out = None
        for t in self.terms:
            r = ev.right(t, x)
            out = r if out is None else _add(out, r)
        return out

    @property
    def T(self):
        return Sum([t.T for t in self.terms])


def dense(node) -> Val:
    """An operator as an explicit matrix (column by column; small operators only)."""
    if isinstance(node, Val):
        return node
    if isinstance(node, Dense):
        return node.v
    if node.cols > 4096:
        raise Unsupported(f"a {node.rows}×{node.cols} operator is too large to build explicitly over F_p")
    ev, primes, cols = Evaluator(), _primes(), []
    for j in range(node.cols):
        e = Val.constant(sp.eye(node.cols)[:, j], primes)
        cols.append(ev.right(node, e))
    out = [nmod_mat(node.rows, node.cols, [c.a[i][r, 0] for r in range(node.rows) for c in cols], p)
           for i, p in enumerate(primes)]
    return Val(out, node.rows, node.cols, max(c.deg for c in cols), max(c.h for c in cols),
               max(c.d for c in cols), _ku(*cols))


def _materialize(x) -> Val:
    if isinstance(x, Val):
        return x
    if isinstance(x, Node):
        return dense(x)
    if isinstance(x, sp.MatrixBase):
        return Val.constant(x, _primes())
    if _is_scalar(x):
        return Val.constant(x, _primes())
    if isinstance(x, Dual):
        return x.v
    raise Unsupported(f"a {type(x).__name__} cannot enter an F_p computation")


class FpNotation:
    """The notation over F_p values (registered with :mod:`symderiv.notation`); eager like every backend."""

    def HV(self, v):
        v = _materialize(v)
        if v.cols != 1:
            raise ShapeError("HV takes a column vector")
        return HVNode(v)

    def kron(self, a, b):
        if isinstance(a, sp.MatrixBase) and a.rows == a.cols and a == sp.eye(a.rows) and not isinstance(b, sp.MatrixBase):
            b = _materialize(b)
            if b.rows == 1:
                return KronEyeRow(a.rows, b)
        if isinstance(b, sp.MatrixBase) and b.rows == b.cols and b == sp.eye(b.rows) and not isinstance(a, sp.MatrixBase):
            a = _materialize(a)
            if a.rows == 1:
                return KronRowEye(a, b.rows)
        return _kron_dense(_materialize(a), _materialize(b))

    def diag(self, v):
        if type(v) is Val and v.cols == 1 and v.memo is not None:  # the common case, kept fast
            d = v.memo.get("diag")
            if d is not None:
                return d
        if isinstance(v, Dual):
            raise Unsupported("diag of a cell's quantity inside a step is not available over F_p; use hadamard")
        v = _column(_materialize(v))
        memo = v._memo()
        d = memo.get("diag")
        if d is None:
            d = memo["diag"] = Diag(v)
        return d

    def hadamard(self, a, b):
        if isinstance(a, Dual) or isinstance(b, Dual):
            return Dual.lift(a).hadamard(Dual.lift(b))
        a, b = _materialize(a), _materialize(b)
        _same_shape(a, b, "⊙")
        return _ew(a, b, a.rows, a.cols)

    def T(self, a):
        return a.T

    def vec(self, a, layout):
        a = _materialize(a)
        if layout == "row-major":
            return _reshape(a, a.rows * a.cols, 1, "C")
        if layout == "col-major":
            return _reshape(a.T, a.rows * a.cols, 1, "C")
        raise ValueError(f"layout={layout!r} must be 'row-major' or 'col-major'")

    def softmax(self, z):
        """exp(z) / Σ exp(z): exp atoms and the field inverse of their sum (module docstring, "Quotients")."""
        if isinstance(z, Dual):
            return _softmax_dual(z)
        return _softmax_val(_materialize(z))

    def product(self, factors, size):
        if not factors:
            return Identity(size)
        nodes = [f if isinstance(f, Node) else lift(f) for f in factors]
        if nodes[0].rows != size:
            raise ShapeError(f"Matrix size mismatch: ({size}, {size}) * {nodes[0].shape}")
        return Prod(nodes)

    def total(self, terms, shape):
        shape = tuple(shape)
        for t in terms:
            if tuple(t.shape) != shape:
                raise ShapeError(f"Matrix size mismatch: {shape} + {tuple(t.shape)}")
        if not terms:
            return Zero(*shape)
        if all(isinstance(t, Val) for t in terms):
            out = terms[0]
            for t in terms[1:]:
                out = _add(out, t)
            return out
        return Sum([lift(t) for t in terms])


# ----- the model over F_p: the cell unrolled on values that record a forward-mode tape -------------

class Dual:
    """A cell's quantity during unrolling: its value and the tape entry of its tangent (None: a constant)."""

    __slots__ = ("v", "tid", "model")
    _op_priority = 21.0
    __array_ufunc__ = None

    def __init__(self, v: Val, tid, model: "FpModel"):
        self.v, self.tid, self.model = v, tid, model

    @staticmethod
    def lift(x, model=None) -> "Dual":
        if isinstance(x, Dual):
            return x
        if isinstance(x, (Val, sp.MatrixBase)) or _is_scalar(x):
            return Dual(_materialize(x), None, model)
        raise Unsupported(f"a {type(x).__name__} in a cell's step cannot be evaluated over F_p")

    def _op(self, *entry):
        return self.model._record(entry)

    @property
    def shape(self):
        return self.v.shape

    @property
    def rows(self):
        return self.v.rows

    @property
    def cols(self):
        return self.v.cols

    def __add__(self, o):
        if _is_scalar(o):
            if isinstance(self.v, ScalarVal):  # a scalar quantity (E_k) plus a number: the same tangent
                v = self.v + o
                return Dual(v, None if self.tid is None else self._op("copy", self.tid), self.model)
            return Dual(self.v + o, None, self.model)  # raises as SymPy does
        o = Dual.lift(o, self.model)
        v = self.v + o.v
        tid = None if self.tid is None and o.tid is None else self._op("add", self.tid, o.tid)
        return Dual(v, tid, self.model)

    __radd__ = __add__

    def __neg__(self):
        return self * -1

    def __sub__(self, o):
        return self + (-Dual.lift(o, self.model))

    def __rsub__(self, o):
        return Dual.lift(o, self.model) + (-self)

    def __mul__(self, o):
        if _is_scalar(o):
            c = _rational(o)
            return Dual(_keep(_scale(self.v, c), self.v), None if self.tid is None else self._op("scale", c, self.tid),
                        self.model)
        o = Dual.lift(o, self.model)
        a, b = self, o
        if a.v.cols != b.v.rows:  # a scalar (E_k, an entry) times a vector: as SymPy's scalar × matrix
            if isinstance(a.v, ScalarVal) and b.v.cols == 1 or isinstance(b.v, ScalarVal) and a.v.rows == 1:
                a, b = b, a
        v = _keep(_matmul(a.v, b.v), self.v, o.v)
        tid = None if a.tid is None and b.tid is None else self._op("mm", a.v, a.tid, b.v, b.tid)
        return Dual(v, tid, self.model)

    def __rmul__(self, o):
        if _is_scalar(o):
            return self * o
        return Dual.lift(o, self.model) * self

    def __truediv__(self, o):
        if _is_scalar(o):
            return self * (1 / _rational(o))
        o = Dual.lift(o, self.model)
        if o.v.shape != (1, 1):
            raise Unsupported("over F_p, a quantity is divided by a number or by a scalar only")
        return self * self.model._fn("recip", 0, Dual(_as_scalar(o.v), o.tid, self.model))

    def __rtruediv__(self, o):  # a number over a scalar quantity
        if self.v.shape != (1, 1):
            raise Unsupported("over F_p, only a scalar quantity can be a denominator")
        return self.model._fn("recip", 0, Dual(_as_scalar(self.v), self.tid, self.model)) * o

    def __pow__(self, k):
        if not isinstance(k, int) or self.v.shape != (1, 1):
            raise Unsupported("over F_p, a quantity's power is a scalar to an integer power")
        base = self if k >= 0 else 1 / self
        out = Dual.lift(Val.constant(1, self.v.primes), self.model)
        out = Dual(_as_scalar(out.v), None, self.model)
        for _ in range(abs(k)):
            out = out * base
        return out

    def hadamard(self, o: "Dual") -> "Dual":
        _same_shape(self.v, o.v, "⊙")
        v = _ew(self.v, o.v, self.v.rows, self.v.cols)
        tid = None if self.tid is None and o.tid is None else self._op("had", self.v, self.tid, o.v, o.tid)
        return Dual(v, tid, self.model)

    @property
    def T(self):
        return Dual(self.v.T, None if self.tid is None else self._op("T", self.tid), self.model)

    def __iter__(self):
        """The entries, row by row, as scalar quantities (each a tape entry: ``sum(f.exp(o))``, ``zip(o, y)``)."""
        for i in range(self.v.rows * self.v.cols):
            tid = None if self.tid is None else self._op("entry", self.tid, i, self.v.rows, self.v.cols)
            yield Dual(_entry(self.v, i), tid, self.model)

    def __len__(self):
        return self.v.rows * self.v.cols

    def entry_sum(self) -> "Dual":
        """Σ of the entries, a scalar (one tape entry)."""
        tid = None if self.tid is None else self._op("esum", self.tid, self.v.rows, self.v.cols)
        return Dual(_as_scalar(_entry_sum(self.v)), tid, self.model)

    def applyfunc(self, fn):
        """fn of each entry: a polynomial by Horner (⊙ and +), else its expression over exp, log, sin, cos, tanh,
        rational powers, ÷ (_walk)."""
        coeffs = _entry_polynomial(fn, allow_other=True)
        if coeffs is None:
            return _walk(fn, self, _DualOps(self))
        rows, cols, primes = self.v.rows, self.v.cols, self.v.primes
        out = Dual.lift(_filled(coeffs[-1], rows, cols, primes), self.model)
        for c in reversed(coeffs[:-1]):
            out = out.hadamard(self) + Dual.lift(_filled(c, rows, cols, primes), self.model)
        return out

    def __getitem__(self, key):
        if self.shape == (1, 1) and key in ((0, 0), 0):  # entry (0, 0) of a 1 × 1 quantity: a scalar
            return Dual(_as_scalar(self.v), self.tid, self.model)
        raise Unsupported("indexing entries is not available over F_p")


# ----- elementwise functions: σ and its derivatives, tanh, logistic ----------------------------------------
#
# A function is a family and a derivative order. The abstract σ's orders are
# independent random functions (σ, σ', σ'', σ''' … each a table of its own). A
# concrete function is a polynomial in ONE random atom Y per distinct argument:
# tanh: Y = tanh(a), Y' = 1 − Y²; logistic: Y = s(a), Y' = Y(1 − Y); its k-th
# derivative is P_k(Y) with P_0 = Y, P_{k+1} = P_k'(Y) · Y'(Y). This is the
# symbolic engine's reading (tanh(a) an atom, its derivative 1 − tanh(a)²), and
# why it is sound: see the module docstring, "Concrete functions".

#: family -> the atom's derivative as a polynomial in the atom (coefficients c0, c1, c2, …)
CONCRETE = {"tanh": (1, 0, -1), "logistic": (0, 1, -1), "exp": (0, 1)}
#: families whose relations between atoms the relaxation forgets and the report names (exp(a)exp(b) = exp(a + b))
RELAXED = ("exp",)
#: the name a step or a check calls -> (family, order); "sigma" is the claim's activation's family
FUNCTIONS = {"sigma": ("sigma", 0), "dsigma": ("sigma", 1), "ddsigma": ("sigma", 2),
             "tanh": ("tanh", 0), "dtanh": ("tanh", 1), "logistic": ("logistic", 0),
             "exp": ("exp", 0), "log": ("log", 0)}


def _poly_derivative(p: tuple, rel: tuple) -> tuple:
    """(P'(Y) · R(Y)) for P, R given by coefficients."""
    dp = [i * c for i, c in enumerate(p)][1:] or [0]
    out = [0] * (len(dp) + len(rel) - 1)
    for i, a in enumerate(dp):
        for j, b in enumerate(rel):
            out[i + j] += a * b
    while len(out) > 1 and out[-1] == 0:
        out.pop()
    return tuple(out)


def concrete_polynomial(family: str, order: int) -> tuple:
    """P_order of a concrete family: its order-th derivative as a polynomial in the atom."""
    p = (0, 1)
    for _ in range(order):
        p = _poly_derivative(p, CONCRETE[family])
    return p


def _abstract_table(order: int) -> str:
    return ("sigma", "dsigma", "ddsigma")[order] if order < 3 else f"d{order}sigma"


def _filled(c: Fraction, rows: int, cols: int, primes: list[int]) -> Val:
    """The constant matrix with every entry c."""
    _note_denominator(c.denominator)
    a = [nmod_mat(rows, cols, [_residue(c, p, i)] * (rows * cols), p) for i, p in enumerate(primes)]
    return Val(a, rows, cols, 0, _bits(abs(c.numerator)), math.log2(c.denominator))


def _vstack(vals: list) -> Val:
    """Column vectors stacked into one column."""
    out = []
    for i, p in enumerate(vals[0].primes):
        out.append(nmod_mat(sum(v.rows for v in vals), 1, [e for v in vals for e in v.a[i].entries()], p))
    return Val(out, sum(v.rows for v in vals), 1, max(v.deg for v in vals), max(v.h for v in vals),
               max(v.d for v in vals), _ku(*vals))


def _hstack(vals: list) -> Val:
    """1 × 1 values side by side: a row."""
    out = []
    for i, p in enumerate(vals[0].primes):
        out.append(nmod_mat(1, len(vals), [v.a[i][0, 0] for v in vals], p))
    return Val(out, 1, len(vals), max(v.deg for v in vals), max(v.h for v in vals), max(v.d for v in vals),
               _ku(*vals))


def _fvalue(batch: "_Batch", family: str, order: int, v: Val) -> Val:
    """The order-th derivative of a family at a value (memoised on the value: one site per value object).

    sigma: independent random tables per order; identity; tanh, logistic, exp: one random atom Y per
    argument and every derivative a polynomial in it (CONCRETE); log: a random atom at order 0, and
    log^(k) = (−1)^(k−1) (k−1)! R^k with R the reciprocal of the argument; recip (1/a): R, and
    recip^(k) = (−1)^k k! R^(k+1). A reciprocal is the field inverse of the argument (``_Batch.reciprocal``).
    sin, cos: atoms S, C (two tables), the k-th derivative ±S or ±C; pow r/q (0 < r/q < 1): an atom A and
    A^(k) = (r/q)(r/q − 1)…(r/q − k + 1) A R^k (module docstring, "Square roots").
    """
    memo = v._memo()
    key = ("fn", family, order)
    out = memo.get(key)
    if out is None:
        if family == "sigma":
            out = batch.apply(_abstract_table(order), v)
        elif family == "identity":
            out = v if order == 0 else _filled(Fraction(int(order == 1)), v.rows, v.cols, v.primes)
        elif family in ("sin", "cos"):  # two atoms S, C per argument: sin^(k) = S, C, −S, −C, … (module docstring)
            if order == 0:
                batch.relaxed.add("sin/cos")
                out = batch.apply(family, v)
            else:
                k = order % 4 if family == "sin" else (order + 1) % 4
                out = _fvalue(batch, ("sin", "cos")[k % 2], 0, v)
                if k >= 2:
                    out = _scale(out, Fraction(-1))
        elif family.startswith("pow"):  # s^r, 0 < r < 1: one atom A; A^(k) = r(r − 1)…(r − k + 1) A (1/s)^k
            r = Fraction(family[3:])
            if order == 0:
                batch.relaxed.add(family)
                out = batch.apply(family, v)
            else:
                out = _fvalue(batch, family, 0, v)
                rec = _fvalue(batch, "recip", 0, v)
                coeff = Fraction(1)
                for i in range(order):
                    coeff *= r - i
                    out = _ew(out, rec, v.rows, v.cols)
                out = _scale(out, coeff)
        elif family in ("log", "recip"):
            if family == "log" and order == 0:
                batch.relaxed.add("log")
                out = batch.apply("log", v)
            else:
                r = memo.get("recip")
                if r is None:
                    r = memo["recip"] = batch.reciprocal(v)
                power = order if family == "log" else order + 1
                coeff = (-1) ** (order - 1) * math.factorial(order - 1) if family == "log" else \
                    (-1) ** order * math.factorial(order)
                out = r
                for _ in range(power - 1):
                    out = _ew(out, r, v.rows, v.cols)
                if coeff != 1:
                    out = _scale(out, Fraction(coeff))
        else:
            if family in RELAXED:
                batch.relaxed.add(family)
            Y = _fvalue(batch, family, 0, v) if order else batch.apply(family, v)
            if order:
                coeffs = concrete_polynomial(family, order)
                out = _filled(Fraction(coeffs[-1]), v.rows, v.cols, v.primes)
                for c in reversed(coeffs[:-1]):  # Horner, entrywise
                    out = _add(_ew(out, Y, v.rows, v.cols), _filled(Fraction(c), v.rows, v.cols, v.primes))
            else:
                out = Y
        if isinstance(v, ScalarVal):  # a function of a scalar (E_k, an entry, Σ exp) is a scalar, as in SymPy
            out = _as_scalar(out)
        memo[key] = out
    return out


class _Functions:
    """The functions a step or a check calls (``f.sigma``, ``f.tanh``, …): on a Dual they record a tape entry."""

    def __init__(self, model: "FpModel"):
        self._model = model

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        model = self._model
        if name == "softmax":
            return FpNotation().softmax
        family, order = model.function(name)

        def apply(x):
            if isinstance(x, Dual):
                out = model.fvalue(family, order, x.v)
                tid = None if x.tid is None else model._record(("fn", family, order, x.v, x.tid))
                return Dual(out, tid, model)
            return model.fvalue(family, order, _materialize(x))

        return apply


class FpModel:
    """A cell unrolled over F_p for a batch of trials; the claim's ``m``.

    Every input (a parameter, an initial state, a step's input x_k and target
    y_k) is a leaf of a tape; every quantity a step assigns is an entry of its
    own (so that a derivative with respect to it seeds exactly what the
    symbolic engine's override replaces). Outputs o_k and losses E_k are built
    when a check asks for them.
    """

    def __init__(self, cell, *, n: int, t: int, m: int, batch: "_Batch", layout: str = "row-major",
                 activation="abstract", loss: str = "abstract"):
        if layout not in ("row-major", "col-major"):
            raise Unsupported(f"layout {layout!r} must be 'row-major' or 'col-major'")
        act = activation_of(activation)
        if act.abstract:
            self._family = "sigma"
        elif act.name in CONCRETE or act.name == "identity":
            self._family = act.name
        else:
            raise Unsupported(f"the activation {act.name!r} is not available over F_p")
        if getattr(cell, "loss", None) is not None:  # the cell's own loss, as the symbolic model reads it
            loss = "cell"
        if loss not in ("abstract", "squared", "cross-entropy", "cell"):
            raise Unsupported(f"loss={loss!r} is not available over F_p")
        self.cell, self.n, self.t, self.m, self.layout, self.batch = cell, n, t, m, layout, batch
        self.activation, self.loss = act, loss
        self._tape: list = []
        self._fwd: dict = {}
        self._rev: dict = {}
        self._leaves: dict = {}
        self._params: dict[str, Dual] = {}
        for name, (r, c) in cell.params.items():
            rr, cc = dimension(r, n=n, m=m), dimension(c, n=n, m=m)
            self._params[name] = self._leaf(("param", name), rr, cc)
        bind_parameters(self, {name: dual.v for name, dual in self._params.items()})  # m.W_R: the protocol
        self.f = _Functions(self)
        self._steps = [{s: self._leaf(("init", s), n, 1) for s in cell.state}]
        self._starts = [0]
        self._inputs = [None]
        params = _Namespace(self._params)
        for k in range(1, t + 1):
            self._starts.append(len(self._tape))
            x = self._leaf(("x", k), m, 1)
            self._inputs.append(x.v)
            scope = StepScope(convert=self._assigned)
            q = dict(cell.call(scope, _Namespace(self._steps[-1]), x, params, self.f,
                               y=lambda k=k: self._y_leaf(k), k=k, n=n, m=m, t=t))
            missing = [s for s in cell.state if s not in q]
            if missing:
                raise Unsupported(f"cell {cell.name!r} does not assign its state {missing} in a step")
            self._steps.append(q)
        self._h = [q["h"].v for q in self._steps] if "h" in cell.state else None

    # ----- the tape
    def _record(self, entry) -> int:
        self._tape.append(entry)
        return len(self._tape) - 1

    def _leaf(self, key, rows: int, cols: int) -> Dual:
        d = self._leaves.get(key)
        if d is None:
            d = self._leaves[key] = Dual(self.batch.random(rows, cols), self._record(("leaf", key)), self)
        return d

    def _assigned(self, v) -> Dual:
        """A quantity a step assigns: an entry of its own (a derivative with respect to it seeds it)."""
        d = Dual.lift(v, self)
        return Dual(d.v, self._record(("copy", d.tid)), self)

    def _quantity(self, name: str, k: int) -> Dual:
        q = self._steps[k]
        if name not in q and self.cell.output is not None and k >= 1 and name in OUTPUT_QUANTITIES:
            if "o" not in q:
                q["o"] = self._assigned(self.cell.output(_Namespace(q), _Namespace(self._params), self.f))
            if name == "E":
                e = self._assigned(self._loss(q["o"], self._leaf(("y", k), q["o"].rows, 1)))
                q["E"] = Dual(_as_scalar(e.v), e.tid, self)  # a scalar, as the exact engine's E_k
        try:
            return q[name]
        except KeyError:
            raise ProofFileError(f"step {k} has no quantity {name!r}; it has {sorted(q)}") from None

    def _loss(self, o: Dual, y: Dual) -> Dual:
        if self.loss == "squared":
            e = o - y
            return (e.T * e) * Fraction(1, 2)
        if self.loss == "cell":  # the cell's own loss of the columns o_t, y_t (polynomial ones evaluate over F_p)
            return Dual.lift(self.cell.loss(o, y, self.f), self)
        if self.loss == "abstract":
            args = _vstack([o.v, y.v])
            v = self.batch.apply_tuple("E", args)
            tid = None if o.tid is None and y.tid is None else self._record(("loss", args, o.tid, y.tid, o.rows))
            return Dual(v, tid, self)
        if self.loss == "cross-entropy":  # −Σ_i y_i log o_i (o the softmax outputs): log atoms, d log o = do / o
            return (y.T * self._fn("log", 0, o)) * -1
        raise Unsupported(f"loss={self.loss!r} is not available over F_p")

    def _loss_gradient(self, args: Val, no: int) -> tuple[Val, Val]:
        """The rows (∂_i E)(o, y) for o's entries and for y's: the abstract loss's partials, random functions."""
        memo = args._memo()
        g = memo.get("dE")
        if g is None:
            parts = [self.batch.apply_tuple(f"dE{i + 1}", args) for i in range(args.rows)]
            g = memo["dE"] = (_hstack(parts[:no]), _hstack(parts[no:]))
        return g

    # ----- functions, with every site counted
    def function(self, name: str) -> tuple[str, int]:
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise Unsupported(f"f.{name} is not available over F_p (it has {sorted(FUNCTIONS)}); use the "
                              "symbolic backends")
        family, order = spec
        return (self._family if family == "sigma" else family), order

    def fvalue(self, family: str, order: int, v: Val) -> Val:
        """The order-th derivative of a family at a value (memoised on the value: one site per value object)."""
        return _fvalue(self.batch, family, order, v)

    def _fn(self, family: str, order: int, x) -> "Dual":
        """family^(order) of a cell's quantity (or of a value), recorded on the tape."""
        if isinstance(x, Dual):
            out = self.fvalue(family, order, x.v)
            tid = None if x.tid is None else self._record(("fn", family, order, x.v, x.tid))
            return Dual(out, tid, self)
        return Dual(self.fvalue(family, order, _materialize(x)), None, self)

    def apply(self, name: str, v: Val) -> Val:
        """σ, σ' or σ'' (by table name) of a value: kept for callers of the former API."""
        return self.fvalue("sigma", ("sigma", "dsigma", "ddsigma").index(name), v)

    # ----- forward mode: replay the tape from a seed along a direction
    def tangent(self, quantity: Dual, seed: Seed, V: Val) -> Val:
        rows, cols = quantity.v.shape
        q = quantity.tid
        if q is None or (q < seed.lo and q != seed.tid):
            return Val.zeros(rows, cols, V.primes)
        key = (seed.tid, seed.lo, seed.cut, V.uid)
        state = self._fwd.get(key)
        if state is None:
            state = self._fwd[key] = [{seed.tid: V}, seed.lo]
        tans, nxt = state
        if q >= nxt:
            self._forward(tans, nxt, q + 1, seed.cut)
            state[1] = q + 1
        out = tans.get(q)
        return Val.zeros(rows, cols, V.primes) if out is None else out

    def _forward(self, tans: dict, lo: int, hi: int, cut=frozenset()) -> None:
        get = tans.get
        for i in range(lo, hi):
            op = self._tape[i]
            kind = op[0]
            if kind == "leaf" or i in cut:  # a held quantity: zero tangent
                continue
            if kind == "copy":
                r = get(op[1]) if op[1] is not None else None
            elif kind == "add":
                a = get(op[1]) if op[1] is not None else None
                b = get(op[2]) if op[2] is not None else None
                r = a if b is None else b if a is None else _add(a, b)
            elif kind == "scale":
                a = get(op[2])
                r = None if a is None else _scale(a, op[1])
            elif kind in ("mm", "had"):
                A, B = op[1], op[3]
                ta = get(op[2]) if op[2] is not None else None
                tb = get(op[4]) if op[4] is not None else None
                if kind == "mm":
                    x = None if ta is None else _matmul(ta, B)
                    y = None if tb is None else _matmul(A, tb)
                else:
                    x = None if ta is None else _ew(ta, B, A.rows, A.cols)
                    y = None if tb is None else _ew(A, tb, A.rows, A.cols)
                r = x if y is None else y if x is None else _add(x, y)
            elif kind == "fn":
                a = get(op[4])
                r = None if a is None else _ew(self.fvalue(op[1], op[2] + 1, op[3]), a, op[3].rows, op[3].cols)
            elif kind == "T":
                a = get(op[1])
                r = None if a is None else a.T
            elif kind == "entry":
                a = get(op[1])
                r = None if a is None else _entry(a, op[2])
            elif kind == "esum":
                a = get(op[1])
                r = None if a is None else _as_scalar(_entry_sum(a))
            elif kind == "loss":
                go, gy = self._loss_gradient(op[1], op[4])
                a = get(op[2]) if op[2] is not None else None
                b = get(op[3]) if op[3] is not None else None
                x = None if a is None else _matmul(go, a)
                y = None if b is None else _matmul(gy, b)
                r = x if y is None else y if x is None else _add(x, y)
            else:  # pragma: no cover
                raise AssertionError(kind)
            if r is not None:
                tans[i] = r

    # ----- reverse mode: a row times the Jacobian, the tape swept back from the quantity to the seed
    def adjoint(self, quantity: Dual, seed: Seed, g: Val) -> Val:
        q = quantity.tid
        if q is None or (q < seed.lo and q != seed.tid):
            return Val.zeros(seed.rows, seed.cols, g.primes)
        key = (q, seed.tid, seed.lo, seed.cut, g.uid)
        out = self._rev.get(key)
        if out is None:
            if g.rows != 1 or g.cols != quantity.v.rows or quantity.v.cols != 1:
                raise ShapeError(f"a {g.rows}×{g.cols} row times the Jacobian of a "
                                 f"{quantity.v.rows}×{quantity.v.cols} quantity")
            adj = {q: g.T}
            for i in range(q, seed.lo - 1, -1):
                y = adj.pop(i, None) if i != seed.tid else None
                if y is not None and i not in seed.cut:
                    self._backward(self._tape[i], y, adj)
            out = adj.get(seed.tid)
            out = self._rev[key] = Val.zeros(seed.rows, seed.cols, g.primes) if out is None else out
        return out

    def _backward(self, op, y: Val, adj: dict) -> None:
        def acc(tid, v):
            if tid is not None:
                prev = adj.get(tid)
                adj[tid] = v if prev is None else _add(prev, v)

        kind = op[0]
        if kind == "leaf":
            return
        if kind == "copy":
            acc(op[1], y)
        elif kind == "add":
            acc(op[1], y)
            acc(op[2], y)
        elif kind == "scale":
            acc(op[2], _scale(y, op[1]))
        elif kind == "mm":
            A, B = op[1], op[3]
            if op[2] is not None:
                acc(op[2], _matmul(y, B.T))
            if op[4] is not None:
                acc(op[4], _matmul(A.T, y))
        elif kind == "had":
            A, B = op[1], op[3]
            if op[2] is not None:
                acc(op[2], _ew(y, B, A.rows, A.cols))
            if op[4] is not None:
                acc(op[4], _ew(y, A, A.rows, A.cols))
        elif kind == "fn":
            acc(op[4], _ew(self.fvalue(op[1], op[2] + 1, op[3]), y, op[3].rows, op[3].cols))
        elif kind == "T":
            acc(op[1], y.T)
        elif kind == "entry":  # the adjoint of entry i: y at position i, zeros elsewhere
            _, src, i, rows, cols = op
            out = []
            for x in y.a:
                e = [0] * (rows * cols)
                e[i] = int(x[0, 0])
                out.append(nmod_mat(rows, cols, e, x.modulus()))
            acc(src, Val(out, rows, cols, y.deg, y.h, y.d, y.k))
        elif kind == "esum":  # the adjoint of Σ entries: y in every entry
            _, src, rows, cols = op
            out = [nmod_mat(rows, cols, [int(x[0, 0])] * (rows * cols), x.modulus()) for x in y.a]
            acc(src, Val(out, rows, cols, y.deg, y.h, y.d, y.k))
        elif kind == "loss":
            go, gy = self._loss_gradient(op[1], op[4])
            if op[2] is not None:
                acc(op[2], _matmul(go.T, y))
            if op[3] is not None:
                acc(op[3], _matmul(gy.T, y))
        else:  # pragma: no cover
            raise AssertionError(kind)

    # ----- the Model API that identity claims use
    def _check_step(self, k, lo=0):
        if not isinstance(k, int) or not lo <= k <= self.t:
            raise IndexError(f"step {k!r} is outside {lo}..{self.t} for this model (t = {self.t})")

    def at(self, name: str, k: int) -> Val:
        self._check_step(k)
        return self._quantity(name, k).v

    def h(self, k: int) -> Val:
        if type(k) is int and 0 <= k <= self.t and self._h:
            return self._h[k]
        self._check_step(k)
        return self.at("h", k)

    def x(self, k: int) -> Val:
        self._check_step(k, lo=1)
        return self._inputs[k]

    def y(self, k: int) -> Val:
        self._check_step(k, lo=1)
        return self._y_leaf(k).v

    def _y_leaf(self, k: int) -> Dual:
        """The target y_k: a leaf of the tape (a step that declares ``y`` reads it as a Dual)."""
        if self.cell.output is None:
            raise ProofFileError(f"cell {self.cell.name!r} has no output, so no targets y_k")
        return self._leaf(("y", k), dimension(self.cell.outputs, n=self.n, m=self.m), 1)

    def o(self, k: int) -> Val:
        return self.at("o", k)

    def E(self, k: int) -> Val:
        return self.at("E", k)

    def initial(self, name: str) -> Val:
        return self.at(name, 0)

    def states(self, name: str = "h", lo: int = 1) -> Val:
        return _vstack([self.at(name, k) for k in range(lo, self.t + 1)])

    def vector(self, name: str, rows="n") -> Val:
        """A column of fresh variables (the model's own initial state for ``h0``)."""
        if isinstance(name, str) and name.endswith("0") and name[:-1] in self.cell.state:
            return self.initial(name[:-1])
        return self._leaf(("vector", name), dimension(rows, n=self.n, m=self.m), 1).v

    def sigma(self, v) -> Val:
        return self.fvalue(self._family, 0, _materialize(v))

    def dsigma(self, v) -> Val:
        return self.fvalue(self._family, 1, _materialize(v))

    def like(self, *a, **k):
        raise Unsupported("m.like (a second model sharing the symbols) is not available over F_p")

    def __getattr__(self, name):
        """A part of the model API the randomized backend does not implement: Unsupported (auto then falls back)."""
        if name.startswith("_"):
            raise AttributeError(name)
        raise Unsupported(f"m.{name} is not available over F_p")

    def value(self, *a, **k):
        raise Unsupported("m.value (exact values substituted) is not available over F_p")

    # ----- derivatives: each kind is a choice of seed
    def _layout(self, layout):
        layout = layout or self.layout
        if layout not in ("row-major", "col-major"):
            raise ValueError(f"layout={layout!r} must be 'row-major' or 'col-major'")
        return layout

    def _of(self, of) -> Dual:
        if callable(of) and not isinstance(of, (tuple, Val, Node, sp.Basic, sp.MatrixBase)):
            return self._function_of_model(of)
        if not (isinstance(of, tuple) and len(of) == 2 and isinstance(of[0], str)):
            raise Unsupported(f"d of {type(of).__name__} values: the randomized backend differentiates a "
                              "step's quantity (name, k)")
        self._check_step(of[1])
        q = self._quantity(*of)
        if q.v.cols != 1:
            raise ProofFileError(f"can only differentiate a vector or a scalar, not a {q.v.rows}×{q.v.cols} matrix")
        return q

    def _function_of_model(self, of) -> Dual:
        """A function of the model (``m.sum_of("E")``, ``lambda q: q.E(1) + q.E(2)``) run on the taped quantities.

        The function sees a view whose quantities are the tape's own values, so
        what it computes is recorded and a derivative seeded at h_k replays every
        path from h_k to it (the exact engine's re-run with h_k made a variable).
        """
        out = of(_TapeView(self))
        if not isinstance(out, Dual):
            raise Unsupported(f"a function of the model returning a {type(out).__name__}: over F_p it must be "
                              "built from the model's quantities (q.at, q.h, q.o, q.E) by +, −, products")
        if out.v.cols != 1:
            raise ProofFileError(f"can only differentiate a vector or a scalar, not a {out.v.rows}×{out.v.cols} "
                                 "matrix")
        if out.tid is None:
            out = Dual(out.v, self._record(("add", None, None)), self)
        return out

    def _leaf_seed(self, dual: Dual) -> Seed:
        return Seed(dual.tid, dual.v.rows, dual.v.cols, dual.tid + 1)

    def _total_seed(self, wrt) -> Seed:
        if isinstance(wrt, str):
            if wrt in self._params:
                return self._leaf_seed(self._params[wrt])
            wrt = (wrt, 0)  # an initial state named by itself: "h" means h_0
        if not (isinstance(wrt, tuple) and len(wrt) == 2):
            raise ProofFileError(f"wrt={wrt!r} must be a parameter name or a quantity such as ('h', k)")
        name, k = wrt
        self._check_step(k)
        q = self._quantity(name, k)
        return self._leaf_seed(q)  # an initial state is a leaf; a later quantity, its own entry

    def d(self, of, wrt, *, layout=None, **options):
        """The total derivative of a quantity with respect to a parameter, an initial state or a quantity."""
        if options:
            raise Unsupported(f"m.d with {', '.join(sorted(options))}= is not available over F_p")
        layout = self._layout(layout)
        return Jacobian(self, self._of(of), self._total_seed(wrt), layout)

    def partial(self, of, wrt, *, hold=(), layout=None, **options):
        """The explicit partial of step k's quantity, the previous state held fixed (only step k's ops replayed).

        ``hold`` names quantities of step k held at their values, as the exact
        engine's overrides hold them: their entries get a zero tangent (and no
        adjoint passes them), so only the paths around them are differentiated.
        """
        if options:
            raise Unsupported(f"m.partial with {', '.join(sorted(options))}= is not available over F_p")
        layout = self._layout(layout)
        if not (isinstance(of, tuple) and len(of) == 2):
            raise ProofFileError(f"m.partial takes a step's quantity (name, k), not {of!r}")
        name, k = of
        self._check_step(k, lo=1)
        q = self._of(of)
        if isinstance(wrt, str) and wrt in self._params:
            p = self._params[wrt]
            seed = Seed(p.tid, p.v.rows, p.v.cols, self._starts[k])
        elif isinstance(wrt, tuple) and len(wrt) == 2 and wrt[0] in self.cell.state and wrt[1] == k - 1:
            s = self._steps[k - 1][wrt[0]]
            seed = Seed(s.tid, s.v.rows, s.v.cols, self._starts[k])
        else:
            raise ProofFileError(f"an explicit partial of step {k} is taken w.r.t. a parameter or the previous "
                                 f"state, not {wrt!r}")
        cut = self._held(k, hold, name)
        if cut:
            seed = Seed(seed.tid, seed.rows, seed.cols, seed.lo, cut)
        return Jacobian(self, q, seed, layout)

    def _held(self, k: int, hold, of_name: str) -> frozenset:
        """The tape entries of step k's quantities that ``hold`` names (errors as the exact engine's ``held``)."""
        hold = (hold,) if isinstance(hold, str) else tuple(hold)
        step = self._steps[k]
        for h in hold:
            if h not in step:
                raise ProofFileError(f"hold={h!r}: step {k} has no quantity {h!r}; it has {sorted(step)}")
            if h == of_name:
                raise ProofFileError(f"hold={h!r} holds the very quantity being differentiated")
        return frozenset(step[h].tid for h in hold if step[h].tid is not None)

    def sum_of(self, name: str, lo: int = 1, hi: int | None = None) -> SumOf:
        """Σ_{k=lo}^{hi} name_k as a function of the model (the same object every backend runs)."""
        return SumOf(name, lo, hi)


class _TapeView:
    """The model as a function of the model sees it in ``m.d(fn, wrt)``: quantities are taped Duals."""

    def __init__(self, model: FpModel):
        self._m = model
        self.n, self.t = model.n, model.t

    def at(self, name: str, k: int) -> Dual:
        self._m._check_step(k)
        return self._m._quantity(name, k)

    def h(self, k: int) -> Dual:
        return self.at("h", k)

    def o(self, k: int) -> Dual:
        return self.at("o", k)

    def E(self, k: int) -> Dual:
        return self.at("E", k)

    def x(self, k: int) -> Dual:
        self._m._check_step(k, lo=1)
        return self._m._leaves[("x", k)]

    def y(self, k: int) -> Dual:
        self._m._check_step(k, lo=1)
        return self._m._y_leaf(k)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        m = self._m
        if name in m._params:
            return m._params[name]
        raise Unsupported(f"q.{name} inside a function of the model is not available over F_p")


class _Namespace:
    """Attribute access to a dict (a step's previous state, the parameters)."""

    def __init__(self, values: dict):
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


# ----- a batch of trials ---------------------------------------------------------------------------

class _Batch:
    """K independent trials: a prime, a point and random functions each; the sites they share."""

    def __init__(self, rngs: list, primes: list[int]):
        self.rngs, self.primes = rngs, primes
        #: per trial, random function (a table name: sigma, dsigma, tanh, logistic, E, dE1, …) -> its table
        self.tables = [{} for _ in primes]
        #: random function -> [(sites, degree, height bits, denominator bits)] of each group of sites' arguments
        self.sites: dict[str, list] = {}
        self.dens: set[int] = set()
        #: reciprocal group id -> (entries, c, g): each entry's 1/q has degree ≤ c, height ≤ g bits once cleared
        self.recips: dict[int, tuple] = {}
        #: what the relaxation reads as independent atoms (exp, log) or quotients: named in the report
        self.relaxed: set[str] = set()

    def rational(self, k) -> tuple[int, float]:
        """Σ c and Σ g over the reciprocal sites of groups ``k`` (each group counts its entries)."""
        C, G = 0, 0.0
        for gid in k or ():
            cnt, c, g = self.recips[gid]
            C, G = C + cnt * c, G + cnt * g
        return C, G

    def reciprocal(self, v: Val) -> Val:
        """1/v entrywise: the field inverse at the point; a new group of reciprocal sites (module docstring)."""
        if v.h == _NEG_INF:
            raise Unsupported("a quotient's denominator is identically zero (division by zero)")
        C, G = self.rational(v.k)
        c = v.deg * (1 + C)
        g = max(v.h, v.d, 0.0) + v.deg * G
        out = []
        for i, (p, x) in enumerate(zip(self.primes, v.a)):
            ents = [int(e) for e in x.entries()]
            if 0 in ents:
                raise _ZeroDenominator(i)
            out.append(nmod_mat(v.rows, v.cols, [pow(e, -1, p) for e in ents], p))
        gid = next(_UID)
        self.recips[gid] = (v.rows * v.cols, c, g)
        self.relaxed.add("quotients")
        return Val(out, v.rows, v.cols, 1, 0.0, 0.0, frozenset((gid,)))

    def random(self, rows: int, cols: int) -> Val:
        """Fresh uniform variables (degree 1, coefficient 1)."""
        a = [nmod_mat(rows, cols, rng.integers(0, p, size=rows * cols).tolist(), p)
             for rng, p in zip(self.rngs, self.primes)]
        return Val(a, rows, cols, 1, 0.0, 0.0)

    def apply(self, name: str, v: Val) -> Val:
        """A random function applied entrywise: one site per entry."""
        self.sites.setdefault(name, []).append((v.rows * v.cols, v.deg, v.h, v.d, *self.rational(v.k)))
        out = []
        for rng, p, tables, x in zip(self.rngs, self.primes, self.tables, v.a):
            table = tables.setdefault(name, {})
            args = list(map(int, x.entries()))
            new = [a for a in dict.fromkeys(args) if a not in table]  # in order of appearance
            if new:
                table.update(zip(new, rng.integers(0, p, size=len(new)).tolist()))
            out.append(nmod_mat(v.rows, v.cols, [table[a] for a in args], p))
        return Val(out, v.rows, v.cols, 1, 0.0, 0.0)

    def apply_tuple(self, name: str, v: Val) -> Val:
        """A random function of all the entries of v at once (an abstract loss E(o, y)): one site, 1 × 1.

        Two sites collide only if their argument tuples agree in every entry; where the tuples are different
        polynomials, some entry differs, so the pair bound of single entries applies (module docstring).
        """
        self.sites.setdefault(name, []).append((1, v.deg, v.h, v.d, *self.rational(v.k)))
        out = []
        for rng, p, tables, x in zip(self.rngs, self.primes, self.tables, v.a):
            table = tables.setdefault(name, {})
            key = tuple(map(int, x.entries()))
            if key not in table:
                table[key] = int(rng.integers(0, p))
            out.append(nmod_mat(1, 1, [table[key]], p))
        return Val(out, 1, 1, 1, 0.0, 0.0)


@dataclass
class Evaluator:
    """Applies operators to vectors; memo tables keyed by serial numbers, which are never reused."""

    lmemo: dict = field(default_factory=dict)
    rmemo: dict = field(default_factory=dict)
    shapes: dict = field(default_factory=dict)

    def left(self, node, g: Val) -> Val:
        key = (node.uid, g.uid)
        r = self.lmemo.get(key)
        if r is None:
            r = self.lmemo[key] = node.left(g, self)
        return r

    def right(self, node, x: Val) -> Val:
        key = (node.uid, x.uid)
        r = self.rmemo.get(key)
        if r is None:
            r = self.rmemo[key] = node.right(x, self)
        return r

    def reshape(self, x: Val, rows: int, cols: int, order: str) -> Val:
        key = (x.uid, rows, cols, order)
        r = self.shapes.get(key)
        if r is None:
            if x.rows * x.cols != rows * cols or x.cols != 1:
                raise ShapeError(f"cannot read a {x.rows}×{x.cols} value as {rows}×{cols}")
            r = self.shapes[key] = _reshape(x, rows, cols, order)
        return r

    def project(self, node: Node, u: Val, x: Val) -> Val:
        """u · node · x (1 × 1): a product applied to u up to its narrowest point, to x after it."""
        if type(node) is Sum:
            out = None
            for t in node.terms:
                r = self.project(t, u, x)
                out = r if out is None else _add(out, r)
            return out
        if type(node) is Scaled:
            return _scale(self.project(node.x, u, x), node.c)
        fs = node.factors if type(node) is Prod else [node]
        first_jac = next((i for i, f in enumerate(fs) if f.jac), len(fs))
        split, width = 0, node.rows
        for i in range(first_jac):
            if fs[i].cols <= width:
                split, width = i + 1, fs[i].cols
        g = u
        for f in fs[:split]:
            g = self.left(f, g)
        y = x
        for f in reversed(fs[split:]):
            y = self.right(f, y)
        return _matmul(g, y)


# ----- the error bound -------------------------------------------------------------------------------

def _pair_terms(groups: list) -> tuple[int, int]:
    """Σ over pairs of sites of max(D_i, D_j), and of ⌊(1 + c_i + c_j)/62⌋ (c = ⌈h + d⌉ of the argument)."""
    by_deg: dict[int, int] = {}
    by_bits: dict[int, int] = {}
    dmax = max((g[1] for g in groups), default=0)
    n_all = s_d = s_c = s_dc = 0
    for count, deg, h, d, *rest in groups:
        C, G = rest if rest else (0, 0.0)  # Σ c, Σ g of the reciprocals the argument may contain
        by_deg[deg] = by_deg.get(deg, 0) + count
        c = math.ceil(max(h, 0.0) + d + dmax * G)
        by_bits[c] = by_bits.get(c, 0) + count
        n_all, s_d, s_c, s_dc = n_all + count, s_d + count * deg, s_c + count * C, s_dc + count * deg * C
    deg_sum, seen = 0, 0
    for deg in sorted(by_deg):
        c = by_deg[deg]
        deg_sum += deg * (c * (c - 1) // 2 + c * seen)
        seen += c
    if s_c:  # rational arguments: Σ_pairs (D_i + D_j)(C_i + C_j) on top of Σ_pairs max(D_i, D_j)
        deg_sum += (n_all - 2) * s_dc + s_d * s_c
    primes = 0
    items = sorted(by_bits.items())
    if items and 1 + 2 * items[-1][0] >= 62:
        for i, (ca, na) in enumerate(items):
            primes += na * (na - 1) // 2 * ((1 + 2 * ca) // 62)
            for cb, nb in items[i + 1:]:
                primes += na * nb * ((1 + ca + cb) // 62)
    return deg_sum, primes


def _content(bits: float) -> int:
    """How many primes ≥ 2⁶² can divide a nonzero integer of absolute value ≤ 2^bits."""
    return math.floor(bits / 62) if bits >= 62 else 0


def trial_error(degree: int, height: float, sites: dict, dens=(), recips=None) -> tuple[float, dict]:
    """−log₂ of ε, the bound on one trial passing a false identity (module docstring), and its parts.

    ``recips`` (group -> (entries, c, g)): the quotients' reciprocal sites. Their values are field
    inverses, not random, so they add no pair; the difference's numerator once they are cleared has
    degree ≤ D (1 + Σ c) and height ≤ H + D Σ g, and the trial is drawn again when a denominator is 0
    at the point, which divides the bound by P(no denominator is 0) ≥ 1 − ε − δ (module docstring).
    """
    pair_deg, pair_primes = 0, 0
    for groups in sites.values():
        a, b = _pair_terms(groups)
        pair_deg += a
        pair_primes += b
    excluded = sum(int(math.log2(q)) // 62 for q in dens)
    n_primes = N_PRIMES_LO - excluded
    recips = recips or {}
    c_all = sum(cnt * c for cnt, c, g in recips.values())
    g_all = sum(cnt * g for cnt, c, g in recips.values())
    num_degree, num_height = degree * (1 + c_all), height + degree * g_all
    content = _content(num_height)  # primes ≥ 2⁶² dividing a nonzero |c| ≤ 2^H
    eps = (Fraction(num_degree + pair_deg, PRIME_LO)
           + Fraction(content + pair_primes, n_primes))
    parts = {"D": degree, "pairs_degree": pair_deg, "H": height, "content_primes": content,
             "pair_primes": pair_primes, "excluded_primes": excluded}
    if recips:
        delta = sum(cnt * (Fraction(c, PRIME_LO) + Fraction(_content(g), n_primes)) for cnt, c, g in recips.values())
        parts.update(reciprocals=sum(cnt for cnt, c, g in recips.values()), numerator_degree=num_degree,
                     numerator_height=num_height, zero_denominator=float(delta))
        eps = eps / (1 - eps - delta) if eps + delta < 1 else Fraction(1)
    if eps >= 1:
        return 0.0, parts
    if eps == 0:  # a constant difference below 2⁶² in absolute value, and no σ site: it cannot vanish mod p
        return float(MAX_BITS), parts
    # −log₂ ε rounded down, so the stated bound is never better than the true one
    return min(float(MAX_BITS), math.floor(-math.log2(eps) * 1e6) / 1e6), parts


# ----- one size: trials until a disagreement or error ≤ 2^−target_bits ------------------------------------

@dataclass
class Outcome:
    equal: bool
    trials: int
    error_bits: float    # −log₂ of the bound on a false "equal" (∞ after a disagreement)
    degree: int
    redraws: int         # primes redrawn because they divided a denominator
    seconds_per_trial: float
    bits_per_trial: float = 0.0
    height: float = 0.0
    sites: dict = field(default_factory=dict)   # function -> number of σ sites (entries) in a trial
    parts: dict = field(default_factory=dict)
    #: what the trial read by the relaxation: "exp", "log" (atoms with their derivative rules), "quotients"
    relaxed: tuple = ()

    def relaxation(self) -> str:
        """The scope's words for the relaxation this outcome rests on ("" when it used none of exp, log, ÷)."""
        if not self.relaxed:
            return ""
        fns = [f for f in self.relaxed if f != "quotients"]
        words = []
        if fns:
            words.append(f"{self.atom_words} read as one random atom per argument with the derivative rule "
                         + ", ".join(_rule_words(f) for f in fns))
            forgotten = [w for f in fns if (w := _forgotten_words(f))]
            if forgotten:
                words.append("relations forgotten: " + ", ".join(forgotten))
        if "quotients" in self.relaxed:
            rec = self.parts.get("reciprocals", 0)
            words.append(f"{rec} quotient entries as field inverses (numerator degree ≤ "
                         f"{self.parts.get('numerator_degree', self.degree)} once cleared)")
        return "; ".join(words)


    @property
    def atoms(self) -> tuple:
        """The functions read as independent random atoms ("exp", "log", "sin", "cos", "√", "s^(1/3)", …)."""
        out = []
        for f in self.relaxed:
            if f == "sin/cos":
                out += ["sin", "cos"]
            elif f.startswith("pow"):
                out.append("√" if f == "pow1/2" else f"s^({f[3:]})")
            elif f != "quotients":
                out.append(f)
        return tuple(out)


    @property
    def atom_words(self) -> str:
        """The atoms as words: "exp and log", "√, sin and cos" ("" when there are none)."""
        a = self.atoms
        return ", ".join(a[:-1]) + " and " + a[-1] if len(a) > 1 else "".join(a)


def _rule_words(family: str) -> str:
    if family.startswith("pow"):
        r = family[3:]
        return "d√s = ½ √s ds/s" if r == "1/2" else f"d s^({r}) = ({r}) s^({r}) ds/s"
    return {"exp": "d exp z = exp z dz", "log": "d log s = ds/s",
            "sin/cos": "d sin z = cos z dz, d cos z = −sin z dz"}[family]


def _forgotten_words(family: str) -> str:
    if family.startswith("pow"):
        r = Fraction(family[3:])
        return "(√s)² = s" if r == Fraction(1, 2) else f"(s^({r}))^{r.denominator} = s^{r.numerator}"
    return {"exp": "exp(a) exp(b) = exp(a + b)", "log": "log(exp z) = z",
            "sin/cos": "sin² + cos² = 1 and the addition formulas"}[family]


def _sides(claim, model, primes):
    out = claim.check(model)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise Unsupported(f"the check must return (lhs, rhs), not {type(out).__name__}")
    sides = []
    for s in out:
        if _is_scalar(s):
            s = Val.constant(s, primes)
        sides.append(lift(s))
    lhs, rhs = sides
    if lhs.shape != rhs.shape:
        raise ShapeError(f"the sides have different shapes: lhs is {lhs.rows}×{lhs.cols}, "
                         f"rhs is {rhs.rows}×{rhs.cols}")
    return lhs, rhs


def _batch(claim, size: dict, rngs: list) -> tuple[bool, Val, Val, "_Batch", int]:
    primes = [random_prime(r) for r in rngs]
    for redraws in range(16):
        batch = _Batch(rngs, primes)
        token = _ACTIVE.set(batch)
        try:
            model = FpModel(claim.model, n=size.get("n", 1), t=size.get("t", 1), m=size.get("m", 1), batch=batch,
                            layout=claim.conventions.get("layout", "row-major"),
                            activation=getattr(claim, "activation", "abstract"), loss=getattr(claim, "loss", "abstract"))
            lhs, rhs = _sides(claim, model, primes)
            u, x = batch.random(1, lhs.rows), batch.random(lhs.cols, 1)
            ev = Evaluator()
            a, b = ev.project(lhs, u, x), ev.project(rhs, u, x)
        except _Redraw as r:
            primes[r.i] = random_prime(rngs[r.i])
            continue
        except _ZeroDenominator:  # the same primes, a fresh point for every trial (each rng draws on)
            continue
        finally:
            _ACTIVE.reset(token)
        equal = all(int(p[0, 0]) == int(q[0, 0]) for p, q in zip(a.a, b.a))
        return equal, a, b, batch, redraws
    raise Unsupported("the primes drawn keep dividing the claim's denominators, or its quotients' denominators "
                      "keep vanishing at the points drawn")


def test_identity(claim, size: dict, *, seed: int = 0, target_bits: float = TARGET_BITS,
                  max_trials: int = 64) -> Outcome:
    """Trials until one disagrees, or until the bound on a false "equal" is ≤ 2^−target_bits."""
    if claim.model is None:
        raise Unsupported("the randomized backend checks claims about a model")
    if getattr(claim, "modulo", ()):
        raise Unsupported("side relations (modulo=...) are decided by the symbolic backends only")
    t0 = time.perf_counter()
    seq = np.random.SeedSequence([seed, *(size.get(k, 1) for k in ("n", "t", "m"))])
    bits, trials, redraws, want = 0.0, 0, 0, BATCH
    out = Outcome(True, 0, 0.0, 0, 0, 0.0)
    while bits < target_bits:
        k = min(want, max_trials - trials)
        if k <= 0:
            raise Unsupported(f"{trials} trials reach an error bound of 2^−{bits:.0f} only "
                              f"(2^−{out.bits_per_trial:.1f} per trial): too many σ sites for p ≈ 2⁶²")
        equal, a, b, batch, r = _batch(claim, size, [np.random.default_rng(s) for s in seq.spawn(k)])
        trials, redraws = trials + k, redraws + r
        degree = max(a.deg, b.deg)
        height = _lse(b.d + a.h, a.d + b.h)
        per, parts = trial_error(degree, height, batch.sites, batch.dens, batch.recips)
        out = Outcome(equal, trials, math.inf if not equal else bits + k * per, degree, redraws,
                      (time.perf_counter() - t0) / trials, per, height,
                      {name: sum(g[0] for g in groups) for name, groups in batch.sites.items() if groups}, parts,
                      tuple(sorted(batch.relaxed)))
        if not equal:
            return out
        if per <= 0:
            raise Unsupported("one trial's error bound is ≥ 1: too many σ sites for p ≈ 2⁶²")
        bits = out.error_bits
        want = max(1, math.ceil((target_bits - bits) / per))
    return out


def certification_sizes(claim, size: dict) -> list[dict]:
    """Where the exact engine may certify a disagreement found at ``size``: small sizes, smallest first.

    The sizes asked for when small enough, the small sizes of the claim's sweep,
    every n ≤ 3, t ≤ 6 below the size asked, and larger t at n = 1, 2 (a closed
    form may break only late). Dimensions the claim fixes are kept.
    """
    n, t = size.get("n"), size.get("t")
    if n is None or t is None:
        return [size]
    fixed = claim.sizes.fixed
    own = claim.sizes.dims
    ns = own.get("n", (n,)) if "n" in fixed else range(1, min(n, 3) + 1)
    ts = set(own.get("t", (t,))) if "t" in fixed else set(range(1, min(t, 6) + 1))
    out = []
    for nn in ns:
        extra = set() if "t" in fixed else set(range(1, min(t, {1: 12, 2: 8}.get(nn, 6)) + 1))
        for tt in sorted(ts | extra):
            out.append({**size, "n": nn, "t": tt})
    for s in claim.sizes.sizes():
        if s.get("n", 1) <= 3 and s.get("t", 1) <= 6:
            out.append({**size, **s})
    if n <= 3 and t <= 6:
        out.append(dict(size))
    seen, uniq = set(), []
    for s in sorted(out, key=lambda s: (s["n"], s["t"])):
        key = tuple(sorted(s.items()))
        if key not in seen:
            seen.add(key)
            uniq.append(s)
    return uniq


notation.register_backend((Val, Node, Dual), FpNotation())
