"""Forward mode over ℤ/p: the kernel's refutation of an identity at any size, without exact rationals.

A claim fixed at n = 32, t = 64 cannot be refuted by exact rational arithmetic at a
generic point: with a witness σ of degree 2 the numbers double in length at every
step (2⁶⁴ bits at t = 64). It can be refuted modulo a prime p.

Why a residue refutes. Let every input of the point be an integer (or a rational
whose denominator p does not divide), σ a witness polynomial with integer
coefficients (an abstract loss's witness too). The check's two sides at the point
are then rational numbers computed from the inputs by +, −, × and division by
values that are units modulo p (each division is checked: its divisor's residue is
not 0), so every value met lies in ℤ_(p), the rationals whose denominator p does
not divide, and reduction ℤ_(p) → ℤ/p is a ring homomorphism. The model below
runs the cell's own step function and the proof's own check on the residues
(forward mode: a dual number's value and tangent are residues, one run per
column of the Jacobian, exactly as :class:`~.model.ExactModel` does over ℚ), so
the residue it computes for an entry of lhs − rhs is the image of the true
value. If that residue is not 0, the true value is not 0: the identity fails at
this point, for this σ, at this size. Nothing is probabilistic in the
refutation; only finding the point is (the engine draws it).

Reach of a refutation: polynomial claims: σ abstract (a witness polynomial) or the
identity, losses squared or abstract (a witness polynomial), a cell's own loss when it
is polynomial. tanh, the logistic function, exp, log, softmax, |·|, max, min, √ and
rational powers, sin and cos have no value in ℤ/p and are refused (:class:`~.dual.Unsupported`), as is a derivative of an expression of
the parameters (the jet model's business).

The same model serves the kernel's *confirmation* of a holds beyond its exact model's
reach (random_check._modular): there σ, tanh, the logistic function, exp and log are
random functions that keep their differential equations (:class:`RandomFunctions`),
so a cell's own loss (softmax cross-entropy: exp, log, softmax, sums over entries)
and the notation's softmax run too; what a zero there decides, and why a difference
with a random exp or log is tried again with their laws kept
(:class:`LawfulFunctions`), is said in ``_modular``'s docstring.

|·|, max and min (the confirmation only). In an entry function (``applyfunc``) that uses them, the kernel walks the
function's expression on a symbol itself (:func:`_entry_reading`; functions known by identity): |u| = S(u)·u,
max(a, b) = b + (a − b)(1 + S(a − b))/2, min(a, b) = b + (a − b)(1 − S(a − b))/2, |u|^(2k) = u^(2k), with S the
running model's random sign function (RandomFunctions "sign": a fresh value per residue, S(−x) = −S(x), S(0) = 0,
derivative 0). A zero of Δ as a rational function in the S is a zero at S = sign(u) (every sign pattern, the true
one among them); S is a random value at a site like σ's, so "Degrees" and "Heights" below count it unchanged (its
collisions u_i ∓ u_j and u_i = 0 are the terms they already have). The refutation has no sign: |·| of a residue has
no value (Unsupported).

√, rational powers, sin and cos (the confirmation only; issue 19 items 2–3). The kernel's own reading, derived here
and independent of fp/ (nothing of fp/ is imported: its tables, rules and bounds are these). An entry function
(``applyfunc``, in a cell or in a check) is read from its SymPy expression on a symbol, the expression F_p and the
exact engine read too (so √s·√s, which SymPy folds to s on a symbol, is s here), compiled once by
:func:`_entry_reading` and run on each entry with the model's own operations on dual residues:

- s^(k + r), k = ⌊k + r⌋ and 0 < r < 1 rational (√s = s^(1/2), s^(−1/2), s^(3/2)): s^k (an inverse when k < 0)
  times R_r(s), R_r the running model's random function "root r" (:func:`root_name`; one table per r): a fresh
  value R per residue x of s, and the derivative rule of x^r, R' = r·R·x⁻¹, R'' = r(r − 1)·R·x⁻² (x⁻¹ the field
  inverse; x ≡ 0 has none: KernelError, the trial does not run and nothing is confirmed);
- sin u, cos u: one pair (S, C) of fresh values per residue x of u, shared by the tables "sin" and "cos":
  sin = (S, C, −S), cos = (C, −S, −C) for (f, f', f''); at −x the pair (−S, C) (sin odd, cos even), at 0 (0, 1):
  the values and symmetries SymPy applies by itself on a symbol (sin(−a) → −sin(a));
- exp, log, tanh and the logistic function in such an expression: the running model's random functions above.

The expression is what fn means only if fn is a function of its argument's value: one that asks what its argument
is (a Dummy or a number, is_zero, is_real) is refused where a probe at a few numbers shows fn(c) is not the
expression at c (:func:`_reads_alike`; F_p's walker probes alike). The probes are finitely many: a branch away
from them is refused by the guard instead (symderiv/concrete.py rewrites a user function passed to applyfunc, so
what it asks of a claim value is refused; only code whose source cannot be read runs unguarded).

*Why a zero decides.* Let each site's fresh values be variables: R per formally distinct argument of each root
table, (S, C) per formally distinct argument up to sign. lhs − rhs is then a rational function Δ of the inputs and
these variables (and of those of σ, exp, …). Put R = s(w)^r (s > 0: the claim's domain), S = sin u(w),
C = cos u(w): these keep every relation the reading uses (x^r has derivative r·x^r/x; sin' = cos, cos' = −sin;
sin odd, cos even, sin 0 = 0, cos 0 = 1), so the truth that forward mode computes with them is the true derivative
of the real functions, and the claim's own reading is its real value. So if Δ = 0 as a rational function, the
claim holds for the real functions; if the claim is false, Δ ≠ 0, and a trial passes only by the events
"Degrees" and "Heights" bound: the numerator vanishing at the point, two sites' arguments colliding (u_i ≡ ±u_j:
the same or the mirrored values; u_i ≡ 0: the fixed values), or the prime dividing a content.

*The bound* is the one below, unchanged: R, S and C are random values at sites like σ's (degree 1, height 0:
:data:`VAR` bounds ±S, ±C and the constants 0, 1 of the mirror and of 0), R' and R'' are c·R·x⁻¹ and c'·R·x⁻²
(RandomFunctions.degrees: the constant c = r, c' = r(r − 1) with its own height and denominator, x⁻¹ by the rule
for 1/a). A site is counted per table and argument, so sin and cos of one argument count twice (an upper bound).

*Not a counterexample when it differs.* The reading forgets sin² + cos² = 1, (√s)² = s and the addition formulas:
a true claim that needs them can differ here (tests/test_kernel_modular_functions.py keeps both). A difference is a
disagreement in random_check._modular (no token, never a Refuted): the engine's holds does not stand and the claim
is undecided; the refutation has no value for these functions (Unsupported), so this reading never makes a
``fails``.

*Where the sides have a value.* R = s^r stands for the real power only where s > 0, and log's l for log u where
u > 0; a zero of Δ says nothing at a point outside that domain, and an identity whose sides have a value nowhere is
a zero of Δ too (log(−1 − h²) = itself). The run records each such operation (and each division) it meets
(:data:`PARTIAL`), and random_check._modular asks for a point with a value where it met one (kernel/domain.py).

Where F_p's reading and this one part (F_p's sin and cos are not mirrored: sin(−z) = −sin z differs
over F_p), the claim is never holds unless both agree.

Degrees (the confirmation's error bound, derived here, not trusted). Read a confirmation's run as a straight-line
program over ℤ/p in its random values: the inputs, and at each site where a random function is applied its fresh
values (σ(u), σ'(u), σ''(u); tanh's, logistic's and exp's r; log's l, its derivatives 1/u, −1/u²; an abstract
loss's q values), each a variable, as random_check.degree_info reads the exact run. Beside each residue the forward
mode carries a bound (dn, dd) on its degree in those variables: the value is N/M with deg N ≤ dn and deg M ≤ dd
(None: the zero polynomial, e.g. an absent tangent; UNB: not bounded). The rules are degree_bound's: an input or a
random value (1, 0); a constant (0, 0); a + b (max(n₁ + d₂, n₂ + d₁), d₁ + d₂), or (max(n₁, n₂), 0) when both are
polynomials; a·b the sums; 1/a swapped; aᵏ k times; tanh's and logistic's derivatives polynomials of degree 2 and
3 in r; a polynomial witness by Horner's rules. A matrix carries one bound for all its entries, and this is sound
because each bound bounds N and M separately: if every entry is N_ij/M_ij with deg N_ij ≤ dn_ij and deg M_ij ≤
dd_ij, then (max dn_ij, max dd_ij) bounds every entry. So a product of an r × k and a k × c matrix has entries
Σ_l a_il·b_lj, a sum of k products, each (n_a + n_b, d_a + d_b): (n + (k − 1)·d, k·d) by the rule for + folded
(n alone when d = 0); a sum, an elementwise product, a transpose, a slice, diag, kron (entries a·b), a join and a
vec follow from the scalar rules; an Operator's entries have the bound of the matrix it stands for (a product of
its factors by the matrix rule, a sum by +, diag(v) and kron as above), computed when asked. No bound depends on a
residue: a tangent is present (a matrix) where one of its entries has one structurally, not where its residue
happens to be nonzero.

Tangents. A tangent is computed by the same +, × and inverses from values and other tangents (forward mode:
d(a + b) = da + db, d(ab) = da·b + a·db, d(1/a) = −da/a², d(aᵏ) = k·aᵏ⁻¹·da), so the same rules applied to those
operations bound it (by the product rule, not by the value's degree: for a rational function of the inputs alone a
tangent of a value of degree (dn, dd) has degree ≤ (dn + dd, 2dd), but a site's f' is a variable of its own and
adds its degree). At a random site the tangent is f'(u)·du, f'(u) a fresh variable (σ') or a polynomial in r (tanh,
logistic) or 1/u (log): its degree is f'(u)'s plus du's. A seed's tangent is read as constants (a unit seed is;
a direction x of a linear map, modular.project, enters linearly, and project's + 2 counts x and u), so the bound
of a tangent is the bound of every column of the Jacobian it belongs to; a derivative w.r.t. a parameter
(_Derivative) has the bound its runs' tangents had.

Sites. Each site records its argument's weight w = dn + dd (the numerator degree of u_i ∓ u_j over a common
denominator is ≤ w_i + w_j, of u_i ≤ w_i). A site is counted where its argument has no tangent: an application with
a tangent repeats the plain run's (every seeded run, view, partial and batch starts from the plain run's values;
``ModularModel.d`` and ``partial`` evaluate the quantity, a function of the model or a deferred output on the plain
run first, so that its sites are counted). Then, with S sites of total weight Σw, one trial accepts a false claim
with probability ≤ E/p ≤ E·2⁻⁶², E = D (+ 2 when projected) + (2S − 1)·Σw, D = deg N + deg M of lhs − rhs from the
sides' bounds (:func:`error_degree`; the exact run's formula: random_check.degree_info). An operation without a rule
gives UNB, never a guess: then E is not known and the token trusts accept.UNBOUNDED. What E leaves out, that the
prime p divides every coefficient of N (the identity false over ℚ, true over ℤ/p), is bounded by the heights below.

Heights (the content term, derived here too). Beside (dn, dd) each bound carries (hn, hd, c): the value is N/(c·M),
N and M polynomials with INTEGER coefficients, log₂‖N‖₁ ≤ hn, log₂‖M‖₁ ≤ hd (L1 norms of the coefficients), c an exact
positive integer (a constant denominator kept apart, so that sums over one c do not multiply it: 1/2 of a logistic
value at 0, of a squared loss). The rules, from ‖f + g‖₁ ≤ ‖f‖₁ + ‖g‖₁ and ‖fg‖₁ ≤ ‖f‖₁·‖g‖₁: a + b over c =
lcm(c₁, c₂): hn = max(hn₁ + ⌈log₂ c/c₁⌉ + hd₂, hn₂ + ⌈log₂ c/c₂⌉ + hd₁) + 1, hd = hd₁ + hd₂; a·b: the sums, c₁c₂; 1/a
= c·M/N: (hd + ⌈log₂ c⌉, hn, 1); aᵏ: k times, cᵏ; a sum of k terms over one c: hn + (k − 1)·hd + ⌈log₂ k⌉, k·hd; a
matrix product's entry: a sum of k products; one bound for a matrix: the max of each, c the lcm (each numerator
times c/c_i). A constant a/b in lowest terms (an int, a SymPy rational, an entry of a SymPy matrix, a coefficient of
Horner's polynomial, a division by a constant) is (0, 0, ⌈log₂|a|⌉, 0, b), from the constant itself, never its
residue (a constant known only by its residue: height HUNB, not bounded); an input or a random value (1, 0, 0, 0, 1);
tanh's and logistic's values and derivatives RandomFunctions.POLYS (covering the mirrored and the at-0 values).
Tangents by the same rules (k·aᵏ⁻¹·da counts k).

The content term. Read as in "Degrees", a trial fails only if (a) p divides every coefficient of N of lhs − rhs
(hn ≤ H₀), or of the numerator of some u_i ∓ u_j (height ≤ h_i + h_j + 1, h = hn + hd + ⌈log₂ c⌉ of the argument)
or u_i (≤ h_i), or (b) the Schwartz–Zippel event of "Degrees" given p. (a): p divides the content of one of these
integer polynomials, hence the product of their contents, an integer of absolute value ≤ 2^H with H = H₀ +
Σ_{i<j} 2(h_i + h_j + 1) + Σ_i h_i = H₀ + (2S − 1)·Σh + S(S − 1) (:func:`content_height`); at most ⌊H/62⌋ primes
≥ 2⁶² divide it, and p is uniform among the N_PRIMES ≥ 1.06·10¹⁷ ≈ 2^56.56 primes in [2⁶², 2⁶³) (Dusart's bounds
on π(x), the count the F_p finder uses), so (a) has probability ≤ ⌊H/62⌋/N_PRIMES ≤ CONTENT_UNITS·⌊H/62⌋·2^−62
with CONTENT_UNITS = ⌈2⁶²/N_PRIMES⌉ = 44. A trial's error is ≤ (E + 44·⌊H/62⌋)·2^−62; where a height is not bounded
the token trusts random_check.PRIME_CONTENT instead.
"""
from __future__ import annotations

from ..notation import literal

import math
from contextlib import contextmanager
from types import SimpleNamespace

import sympy as sp
from flint import fmpz, nmod_mat
from sympy.polys.domains import ZZ

from ..cells import StepScope, dimension
from ..functions import logistic
from ..protocol import SumOf, bind_parameters
from .accept import IDENTITY, Refuted, _issue
from .dual import KernelError, Unsupported, same_shape, two_sides
from .model import _ModelFace, _Unbound, entry_name, entry_order

#: the smallest modulus the kernel accepts (a prime ≥ 2³¹: a small prime would only make refutations rarer)
MIN_MODULUS = 2 ** 31


# ----- degree bounds (the module docstring, "Degrees") -------------------------------------------------------------
#
# A degree is (dn, dd): the value (every entry of a matrix) is N/M with deg N ≤ dn and deg M ≤ dd in the run's random
# variables; None: the value is the zero polynomial (a tangent that is absent, the constant 0); UNB: not bounded.

#: a degree the forward mode does not bound (an operation without a rule)
UNB = "unbounded"
#: a height the forward mode does not bound (a constant known only by its residue): never a guess
HUNB = math.inf
#: the constant 1, one random variable: (dn, dd, hn, hd, c), the value N/(c·M) (module docstring, "Heights")
CONST, VAR = (0, 0, 0, 0, 1), (1, 0, 0, 0, 1)


def _times(k: int, h):
    """k·h for a height h (0 when k = 0, also for an unbounded h)."""
    return 0 if k == 0 else k * h


def _height(x: int) -> int:
    """⌈log₂ |x|⌉ for an integer x ≠ 0."""
    return (abs(x) - 1).bit_length()


def _dadd(a, b):
    """a + b = (N₁·(c/c₁)·M₂ + N₂·(c/c₂)·M₁)/(c·M₁M₂), c = lcm(c₁, c₂): degrees max(n₁ + d₂, n₂ + d₁) over d₁ + d₂;
    heights max(hn₁ + ⌈log₂ c/c₁⌉ + hd₂, hn₂ + ⌈log₂ c/c₂⌉ + hd₁) + 1 over hd₁ + hd₂."""
    if a is None:
        return b
    if b is None:
        return a
    if a == UNB or b == UNB:
        return UNB
    (n1, d1, h1, k1, c1), (n2, d2, h2, k2, c2) = a, b
    c = math.lcm(c1, c2)
    return (max(n1 + d2, n2 + d1), d1 + d2, max(h1 + _height(c // c1) + k2, h2 + _height(c // c2) + k1) + 1,
            k1 + k2, c)


def _dmul(a, b):
    """a·b: the sums, of degrees and of heights (‖fg‖₁ ≤ ‖f‖₁·‖g‖₁), c₁·c₂ (0 if either is 0)."""
    if a is None or b is None:
        return None
    if a == UNB or b == UNB:
        return UNB
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] * b[4])


def _dinv(a):
    """1/a = c·M/N: numerator and denominator swapped, c into the numerator (1/0 has no rule)."""
    if a is None or a == UNB:
        return UNB
    return (a[1], a[0], a[3] + _height(a[4]), a[2], 1)


def _dpow(a, k: int):
    """aᵏ, k ≥ 0: k times, cᵏ."""
    if k == 0:
        return CONST
    if a is None or a == UNB:
        return a
    return (k * a[0], k * a[1], _times(k, a[2]), _times(k, a[3]), a[4] ** k)


def _clog2(k: int) -> int:
    """⌈log₂ k⌉ for k ≥ 1."""
    return (k - 1).bit_length()


def _dsum(a, k: int):
    """a sum of k terms each bounded by a (the rule for + folded k − 1 times, over the one c; its numerator height:
    the k numerators each times k − 1 denominators M, summed: + ⌈log₂ k⌉)."""
    if a is None or k <= 0:
        return None
    if a == UNB:
        return UNB
    n, d, hn, hd, c = a
    return (n + (k - 1) * d, k * d, hn + _times(k - 1, hd) + _clog2(k), _times(k, hd), c)


def _dmm(a, b, k: int):
    """An entry of a product of matrices with entries of degrees a and b and inner dimension k: Σ of k products."""
    return _dsum(_dmul(a, b), k)


def _dmax(ds):
    """One bound for values each bounded by one of ``ds`` (entrywise max: each of N and M is bounded alone; c the lcm,
    each numerator times c/c_i)."""
    ds = [d for d in ds if d is not None]
    if not ds:
        return None
    if any(d == UNB for d in ds):
        return UNB
    c = math.lcm(*(d[4] for d in ds))
    return (max(d[0] for d in ds), max(d[1] for d in ds), max(d[2] + _height(c // d[4]) for d in ds),
            max(d[3] for d in ds), c)


def _dtotal(a) -> int | None:
    """deg N + deg M (None when not bounded)."""
    if a is None:
        return 0
    return None if a == UNB else a[0] + a[1]


def _htotal(a):
    """hn + hd + ⌈log₂ c⌉: a bound on the heights of N and of c·M together (HUNB when a height is not bounded)."""
    if a is None:
        return 0
    return None if a == UNB else a[2] + a[3] + _height(a[4])


def _cdeg(x):
    """A constant's bound from the constant ITSELF (never its residue): a/b in lowest terms is N = a, c = b:
    (0, 0, ⌈log₂|a|⌉, 0, b); None for 0; a height not bounded for anything else (a number known only by its residue)."""
    if isinstance(x, bool):
        return (0, 0, HUNB, HUNB, 1)
    if isinstance(x, int):
        return None if x == 0 else (0, 0, _height(x), 0, 1)
    if isinstance(x, sp.Basic) and getattr(x, "is_Rational", False):
        if x == 0:
            return None
        return (0, 0, _height(int(x.p)), 0, int(x.q))
    return (0, 0, HUNB, HUNB, 1)


def _exact_nonzero(x) -> bool:
    """Is x an exact nonzero rational constant (an int, a SymPy rational)?"""
    if isinstance(x, bool):
        return False
    if isinstance(x, int):
        return x != 0
    return isinstance(x, sp.Basic) and not isinstance(x, sp.MatrixBase) and bool(getattr(x, "is_Rational", False)) \
        and x != 0


def residue(x, p: int) -> int:
    """An exact number's image in ℤ/p: an integer, or a rational whose denominator is a unit mod p."""
    if isinstance(x, ModScalar):
        if x.d:
            raise KernelError("a value with a tangent where a number was expected")
        return x.v
    if isinstance(x, bool):
        raise KernelError(f"a boolean {x!r} is not a number")
    if isinstance(x, int):
        return x % p
    if isinstance(x, sp.Basic) and not isinstance(x, sp.MatrixBase):
        if x.is_Integer:
            return int(x) % p
        if x.is_Rational:
            q = int(x.q)
            if math.gcd(q, p) != 1:
                raise KernelError(f"the denominator of {x} is not a unit modulo the modulus")
            return int(x.p) * pow(q, -1, p) % p
    raise Unsupported(f"{sp.sstr(x)[:60] if isinstance(x, sp.Basic) else type(x).__name__} has no value in ℤ/p "
                      "(the modular refutation covers rational numbers and polynomial claims)")


class _Field:
    """What a scalar of the kernel's forward modes derives from its own +, unary −, × and inverse: − and / (the
    residues' :class:`ModScalar`, the balls' :class:`symderiv.kernel.balls.BallScalar`)."""

    __slots__ = ()

    def __sub__(self, o):
        return self + (-self._of(o))

    def __rsub__(self, o):
        return self._of(o) + (-self)

    def __truediv__(self, o):
        return self * self._of(o).inverse()

    def __rtruediv__(self, o):
        return self._of(o) * self.inverse()


class _Matrix:
    """What a matrix of the kernel's forward modes derives from its shape, entries, T and _join: the same for the
    residues' :class:`ModMat` and the balls' :class:`symderiv.kernel.balls.BallMat`."""

    __slots__ = ()

    @property
    def shape(self):
        return (self.rows, self.cols)

    @property
    def batched(self) -> bool:
        return self.tan is not None and self.cols == 1 and self.tan.ncols() != 1

    def _unbatched(self, what: str):
        if self.batched:
            raise _Unbatchable(what)

    def __len__(self):
        return self.rows * self.cols

    def _same(self, o: "_Matrix", what: str):
        if o.shape != self.shape:
            raise KernelError(f"{what} of a {self.rows}×{self.cols} and a {o.rows}×{o.cols} matrix")

    def transpose(self):
        return self.T

    def col_join(self, o):
        return self._join(o, True)

    def row_join(self, o):
        return self._join(o, False)

    def row(self, i):
        return self[i, :]

    def col(self, j):
        return self[:, j]

    def vstack(self, *ms):
        out = self
        for m in ms:
            out = out.col_join(m)
        return out

    def hstack(self, *ms):
        out = self
        for m in ms:
            out = out.row_join(m)
        return out


class ModScalar(_Field):
    """v + d·ε over ℤ/p."""

    __slots__ = ("v", "d", "p", "deg", "tdeg")
    __symderiv_value__ = True
    _op_priority = 31.0

    def __init__(self, v: int, d: int, p: int, deg=UNB, tdeg=UNB):
        """``deg``: the value's degree; ``tdeg``: the tangent's (None: no tangent, the zero polynomial)."""
        self.v, self.d, self.p = v % p, d % p, p
        self.deg, self.tdeg = deg, tdeg

    @staticmethod
    def const(x, p: int) -> "ModScalar":
        """A constant (an integer or a SymPy rational, not its residue): degree 0 (None for 0), its own height, no
        tangent."""
        return ModScalar(residue(x, p), 0, p, _cdeg(x), None)

    def _of(self, o) -> "ModScalar":
        if isinstance(o, ModScalar):
            if o.p != self.p:
                raise KernelError("values of two moduli are mixed")
            return o
        if isinstance(o, ModMat):
            if o.shape != (1, 1):
                raise KernelError(f"a {o.rows}×{o.cols} matrix where a number was expected")
            return o[0, 0]
        return ModScalar.const(o, self.p)

    def __add__(self, o):
        if isinstance(o, (ModMat, sp.MatrixBase)) and getattr(o, "shape", None) != (1, 1):
            raise KernelError("a number plus a matrix is undefined")
        o = self._of(o)
        return ModScalar(self.v + o.v, self.d + o.d, self.p, _dadd(self.deg, o.deg), _dadd(self.tdeg, o.tdeg))

    __radd__ = __add__

    def __neg__(self):
        return ModScalar(-self.v, -self.d, self.p, self.deg, self.tdeg)

    def __mul__(self, o):
        if isinstance(o, (ModMat, sp.MatrixBase, list, tuple)):
            return ModMat.of(o, self.p) * self
        o = self._of(o)
        return ModScalar(self.v * o.v, self.d * o.v + self.v * o.d, self.p, _dmul(self.deg, o.deg),
                         _dadd(_dmul(self.tdeg, o.deg), _dmul(self.deg, o.tdeg)))

    __rmul__ = __mul__

    def inverse(self) -> "ModScalar":
        _partial("a division")  # its real divisor may be 0 at every point (random_check: a point with a value)
        if math.gcd(self.v, self.p) != 1:  # p prime: v ≡ 0; the lawful trial's p^K: v ≡ 0 mod p
            raise KernelError("division by a value that is not a unit modulo p (the point is not one the modular "
                              "check can use)")
        inv = pow(self.v, -1, self.p)
        return ModScalar(inv, -self.d * inv * inv, self.p, _dinv(self.deg),
                         _dmul(self.tdeg, _dinv(_dpow(self.deg, 2))))

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, sp.Integer)):
            raise Unsupported(f"only integer powers have a value in ℤ/p, not {k!r}")
        k = int(k)
        if k < 0:
            return (self ** -k).inverse()
        return ModScalar(pow(self.v, k, self.p), k * pow(self.v, k - 1, self.p) * self.d if k else 0, self.p,
                         _dpow(self.deg, k), _dmul(_dmul(_cdeg(k), _dpow(self.deg, k - 1)), self.tdeg) if k else None)

    def __truediv__(self, o):
        if _exact_nonzero(o):  # a constant: its reciprocal exactly (see ModMat.__truediv__)
            return self * ModScalar.const(1 / sp.Rational(o), self.p)
        return _Field.__truediv__(self, o)

    def _sympy_(self):
        raise Unsupported("a value over ℤ/p inside a SymPy expression (the modular refutation runs the notation "
                          "and the model's values only)")

    def __repr__(self):
        return f"ModScalar({self.v}, {self.d} mod {self.p})"


def _mat(rows: int, cols: int, entries, p: int) -> nmod_mat:
    """An nmod_mat from integers (flint reduces them, negative ones too)."""
    return nmod_mat(rows, cols, entries if isinstance(entries, list) else list(entries), p)


def _ints(M: nmod_mat) -> list[int]:
    return [int(e) for e in M.entries()]


class _Unbatchable(Exception):
    """An operation a batch of tangents does not carry (its tangent would not be a matrix, or it splits the value
    into numbers): the derivative is taken column by column instead. Not a KernelError, so that no ``except
    KernelError`` of the model swallows it."""


def _rowscale(T: nmod_mat, ds: list[int], p: int) -> nmod_mat:
    """diag(ds)·T: row i of T times ds[i] (one product in flint, not an entry at a time in Python)."""
    D = nmod_mat(T.nrows(), T.nrows(), p)
    for i, x in enumerate(ds):
        if x:
            D[i, i] = x
    return D * T


def _eye(n: int, p: int) -> nmod_mat:
    M = nmod_mat(n, n, p)
    for i in range(n):
        M[i, i] = 1
    return M


class ModMat(_Matrix):
    """A matrix of dual numbers over ℤ/p: (values, tangents), each an ``nmod_mat``; ``tan`` None is zero.

    A column vector may carry a *batch* of tangents, one per direction: ``tan`` is then rows × D (D ≠ 1), column
    j the tangent along direction j (ModularModel's matrix-level forward mode: one run for all the columns of a
    Jacobian with respect to a state, each tangent the same linear map of its seed as one run per column would
    compute). The operations that keep a batch (sums, products by a matrix without tangent, scaling, elementwise
    functions and products) carry it; the others raise _Unbatchable and the model runs column by column."""

    __slots__ = ("val", "tan", "p", "rows", "cols", "deg", "tdeg")
    __symderiv_value__ = True
    _op_priority = 31.0

    def __init__(self, val: nmod_mat, tan: nmod_mat | None, p: int, deg=UNB, tdeg=UNB):
        """``deg``: one degree for every entry of the value; ``tdeg``: for every entry of the tangent (None without
        one); not given: not bounded."""
        self.val, self.tan, self.p = val, tan, p
        self.rows, self.cols = val.nrows(), val.ncols()
        self.deg, self.tdeg = deg, (None if tan is None else tdeg)

    @staticmethod
    def of(x, p: int) -> "ModMat":
        if isinstance(x, ModMat):
            if x.p != p:
                raise KernelError("values of two moduli are mixed")
            return x
        if isinstance(x, ModScalar):
            return ModMat(_mat(1, 1, [x.v], p), _mat(1, 1, [x.d], p) if x.tdeg is not None else None, p, x.deg,
                          x.tdeg)
        if isinstance(x, (list, tuple)):
            x = sp.Matrix(x)
        if isinstance(x, sp.MatrixBase):  # flat(): the entries row by row, without a __getitem__ per entry
            rep = getattr(x, "_rep", None)
            if rep is not None and rep.domain == ZZ:  # integers (eye, ones): SymPy's own, nonzeros only
                M = nmod_mat(x.rows, x.cols, p)
                degs = []
                for (i, j), e in rep.to_dok().items():
                    M[i, j] = int(e) % p
                    degs.append(_cdeg(int(e)))  # the entry's own height, not its residue's
                return ModMat(M, None, p, _dmax(degs))
            entries = x.flat() if hasattr(x, "flat") else list(x)
            rs = [residue(e, p) for e in entries]
            return ModMat(_mat(x.rows, x.cols, rs, p), None, p, _dmax([_cdeg(sp.sympify(e)) for e in entries]))
        raise KernelError(f"a {type(x).__name__} is not a matrix")

    @staticmethod
    def entries(rows: int, cols: int, xs, p: int) -> "ModMat":
        xs = [x if isinstance(x, ModScalar) else ModScalar.const(x, p) for x in xs]
        # a tangent where one of them has one (structurally, not where its residue happens to be 0: a degree never
        # depends on the point's values)
        tan = _mat(rows, cols, [x.d for x in xs], p) if any(x.tdeg is not None for x in xs) else None
        return ModMat(_mat(rows, cols, [x.v for x in xs], p), tan, p, _dmax([x.deg for x in xs]),
                      _dmax([x.tdeg for x in xs]))

    def zero(self) -> nmod_mat:
        return nmod_mat(self.rows, self.cols, self.p)

    def tangent(self) -> nmod_mat:
        return self.zero() if self.tan is None else self.tan

    def __iter__(self):
        self._unbatched("entries")
        vs = self.val.entries()
        ds = self.tan.entries() if self.tan is not None else [0] * len(vs)
        return iter([ModScalar(int(v), int(d), self.p, self.deg, self.tdeg) for v, d in zip(vs, ds)])

    def _index(self, key):
        if isinstance(key, tuple):
            i, j = key
        elif isinstance(key, int) and not isinstance(key, bool):
            if not -len(self) <= key < len(self):
                raise IndexError(key)
            i, j = divmod(key % len(self), self.cols)
        else:
            raise KernelError(f"index {key!r}")
        return i, j

    def __getitem__(self, key):
        self._unbatched("indexing")
        i, j = self._index(key)
        if isinstance(i, slice) or isinstance(j, slice):
            rs = range(self.rows)[i] if isinstance(i, slice) else [i % self.rows]
            cs = range(self.cols)[j] if isinstance(j, slice) else [j % self.cols]
            pick = lambda M: _mat(len(rs), len(cs), [int(M[r, c]) for r in rs for c in cs], self.p)  # noqa: E731
            return ModMat(pick(self.val), None if self.tan is None else pick(self.tan), self.p, self.deg, self.tdeg)
        i, j = i % self.rows, j % self.cols
        return ModScalar(int(self.val[i, j]), int(self.tan[i, j]) if self.tan is not None else 0, self.p, self.deg,
                         self.tdeg)

    def __add__(self, o):
        if not isinstance(o, (ModMat, sp.MatrixBase, list, tuple)):
            raise KernelError("a matrix plus a number is undefined (SymPy refuses it too)")
        o = ModMat.of(o, self.p)
        self._same(o, "sum")
        if _lazy(self, o):
            return _Sum.of([self, o], self.p)
        if self.tan is not None and o.tan is not None and self.tan.ncols() != o.tan.ncols():
            raise _Unbatchable("a sum of a batch and one tangent")
        tan = self.tan if o.tan is None else o.tan if self.tan is None else self.tan + o.tan
        return ModMat(self.val + o.val, tan, self.p, _dadd(self.deg, o.deg), _dadd(self.tdeg, o.tdeg))

    __radd__ = __add__

    def __neg__(self):
        return ModMat(-self.val, None if self.tan is None else -self.tan, self.p, self.deg, self.tdeg)

    def __sub__(self, o):
        return self + (-ModMat.of(o, self.p))

    def __rsub__(self, o):
        return ModMat.of(o, self.p) + (-self)

    def __mul__(self, o):
        if isinstance(o, (ModMat, sp.MatrixBase, list, tuple)):
            o = ModMat.of(o, self.p)
            if self.cols != o.rows:
                raise KernelError(f"product of a {self.rows}×{self.cols} and a {o.rows}×{o.cols} matrix")
            if _lazy(self, o):
                return _Product.of([self, o], self.p)
            if self.batched or (o.batched and self.tan is not None):
                raise _Unbatchable("a product whose tangent is not a matrix")
            parts = [x for x in (None if self.tan is None else self.tan * o.val,
                                 None if o.tan is None else self.val * o.tan) if x is not None]
            tan = None if not parts else parts[0] if len(parts) == 1 else parts[0] + parts[1]
            k = self.cols
            return ModMat(self.val * o.val, tan, self.p, _dmm(self.deg, o.deg, k),
                          _dadd(_dmm(self.tdeg, o.deg, k), _dmm(self.deg, o.tdeg, k)))
        c = o if isinstance(o, ModScalar) else ModScalar.const(o, self.p)
        if isinstance(self, Operator) and c.tdeg is None:
            return _Product.of([c, self], self.p)
        if c.d and self.batched:
            raise _Unbatchable("a batch scaled by a number with a tangent")
        parts = [x for x in (None if self.tan is None else self.tan * c.v, self.val * c.d if c.d else None)
                 if x is not None]
        tan = None if not parts else parts[0] if len(parts) == 1 else parts[0] + parts[1]
        return ModMat(self.val * c.v, tan, self.p, _dmul(self.deg, c.deg),
                      _dadd(_dmul(self.tdeg, c.deg), _dmul(self.deg, c.tdeg)))

    def __rmul__(self, o):
        if isinstance(o, (sp.MatrixBase, list, tuple)):
            return ModMat.of(o, self.p) * self
        return self * o

    def __truediv__(self, o):
        if _exact_nonzero(o):  # a constant: its reciprocal exactly, so its denominator is c, not a polynomial M
            return self * ModScalar.const(1 / sp.Rational(o), self.p)
        c = o if isinstance(o, ModScalar) else ModScalar.const(o, self.p)
        return self * c.inverse()

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, sp.Integer)) or k < 0 or self.rows != self.cols:
            raise KernelError(f"only non-negative integer powers of a square matrix are defined, not {k!r}")
        out = ModMat(_mat(self.rows, self.rows, [int(i == j) for i in range(self.rows) for j in range(self.rows)],
                          self.p), None, self.p, CONST)
        for _ in range(int(k)):
            out = out * self
        return out

    @property
    def T(self):
        self._unbatched("a transpose")
        return ModMat(self.val.transpose(), None if self.tan is None else self.tan.transpose(), self.p, self.deg,
                      self.tdeg)

    def applyfunc(self, fn):
        read = _entry_reading(fn)
        if read is not None:  # |·|, max, min, powers, sin, cos: the kernel's own reading (module docstring)
            return ModMat.entries(self.rows, self.cols, [read(e) for e in self], self.p)
        return ModMat.entries(self.rows, self.cols, [fn(e) for e in self], self.p)

    def multiply_elementwise(self, o):
        o = ModMat.of(o, self.p)
        self._same(o, "elementwise product")
        r, c, p = self.rows, self.cols, self.p
        av, bv = _ints(self.val), _ints(o.val)
        val = _mat(r, c, [x * y for x, y in zip(av, bv)], p)
        deg, tdeg = _dmul(self.deg, o.deg), _dadd(_dmul(self.tdeg, o.deg), _dmul(self.deg, o.tdeg))
        if self.batched or o.batched:  # d(a ⊙ b) = diag(b) da + diag(a) db, each a batch of columns
            parts = [x for x in (None if self.tan is None else _rowscale(self.tan, bv, p),
                                 None if o.tan is None else _rowscale(o.tan, av, p)) if x is not None]
            if len(parts) == 2 and parts[0].ncols() != parts[1].ncols():
                raise _Unbatchable("an elementwise product of a batch and one tangent")
            return ModMat(val, parts[0] if len(parts) == 1 else parts[0] + parts[1], p, deg, tdeg)
        parts = []
        if self.tan is not None:
            parts.append([x * y for x, y in zip(_ints(self.tan), bv)])
        if o.tan is not None:
            parts.append([x * y for x, y in zip(av, _ints(o.tan))])
        tan = None if not parts else _mat(r, c, parts[0] if len(parts) == 1 else
                                          [x + y for x, y in zip(*parts)], p)
        return ModMat(val, tan, p, deg, tdeg)

    def _join(self, o, rows: bool):
        o = ModMat.of(o, self.p)
        if (self.cols if rows else self.rows) != (o.cols if rows else o.rows):
            raise KernelError("joined matrices do not fit")
        a, b = list(self), list(o)
        if rows:  # col_join: o below self
            return ModMat.entries(self.rows + o.rows, self.cols, a + b, self.p)
        out = []
        for i in range(self.rows):
            out += a[i * self.cols:(i + 1) * self.cols] + b[i * o.cols:(i + 1) * o.cols]
        return ModMat.entries(self.rows, self.cols + o.cols, out, self.p)

    def _sympy_(self):
        raise Unsupported("a matrix over ℤ/p inside a SymPy expression (the modular refutation runs the notation "
                          "and the model's values only)")

    def __getattr__(self, name):
        if name.startswith("_") or name.startswith("is_"):
            raise AttributeError(name)
        raise Unsupported(f"the kernel's matrices over ℤ/p have no method {name!r}")

    def __repr__(self):
        return f"ModMat({self.val.entries()} mod {self.p})"


# ----- matrices known as linear maps (a derivative w.r.t. a parameter, and what a check builds from it) -------------
#
# dh_t/dW at n = 128 is 128 × 16 384: column by column it is n² forward runs (over 300 s at t = 32), and a closed form
# of it (Σ_k Π_r W diag σ' · (I ⊗ σᵀ)) built densely costs t·n⁴. Such a value is an Operator: a matrix over ℤ/p
# without tangent that knows how to multiply a block of vectors (``right``: A·X; ``left``: W·A, except for a
# derivative, which forward mode applies from the right only) and builds its entries only when something reads them
# (``val``: every ModMat operation that is not a sum, a product or a scaling of Operators reads it, so a check means
# what it meant with dense matrices). The kernel's confirmation compares uᵀ·lhs·x with uᵀ·rhs·x for random u, x
# (:func:`project`, random_check._modular: the projection adds 2 to the degree of the difference) when a side is an
# Operator; anywhere else (the refutation, an entry read) the dense matrix is the one computed.


class Operator(ModMat):
    """A matrix over ℤ/p without tangent, known as a linear map; its entries built only when read (``val``)."""

    __slots__ = ("_dense", "_deg")
    #: can W·A be computed (every Operator but a derivative, which forward mode applies from the right only)?
    LEFT = True
    #: how many sums and products deep (a leaf: 0)
    depth = 0

    def __init__(self, rows: int, cols: int, p: int):
        self.rows, self.cols, self.p, self.tan, self._dense = rows, cols, p, None, None
        self.tdeg, self._deg = None, _UNSET

    @property
    def deg(self):
        """One degree for every entry of the matrix it is (computed when first asked: a derivative's from its runs)."""
        if self._deg is _UNSET:
            self._deg = self._degree()
        return self._deg

    def _degree(self):
        return UNB

    @property
    def val(self) -> nmod_mat:
        if self._dense is None:
            self._dense = self._materialize()
        return self._dense

    def _materialize(self) -> nmod_mat:
        raise NotImplementedError

    def right(self, X: nmod_mat, memo: dict) -> nmod_mat:
        """self · X (X: cols × k)."""
        return self.val * X

    def left(self, W: nmod_mat, memo: dict) -> nmod_mat:
        """W · self (W: k × rows)."""
        return W * self.val

    def __neg__(self):
        return _Product.of([ModScalar.const(-1, self.p), self], self.p)

    def __repr__(self):
        return f"{type(self).__name__}({self.rows}×{self.cols} mod {self.p})"


_UNSET = object()

#: build Operators (False only in tests, for the reference run that builds every matrix densely, as before them)
OPERATORS = True
#: while the kernel confirms a holds (random_check._modular): the most step runs it spends on the entries of a
#: derivative w.r.t. a parameter (one forward run per column); beyond, the check does not run there (Unsupported) and
#: the token names what it trusted. None (a refutation's replay): no budget
COLUMN_BUDGET: list = [None]


@contextmanager
def column_budget(runs: int):
    COLUMN_BUDGET.append(runs)
    try:
        yield
    finally:
        COLUMN_BUDGET.pop()


#: while the kernel confirms a holds (random_check._modular): a set per confirmation, where the run records each
#: operation it met whose real value exists only on part of the domain ("log", "root1/2", …: the argument must be > 0;
#: "a division": the divisor ≠ 0). A run that records none computed its sides by total operations only (+, −, ×, σ,
#: tanh, the logistic function, exp, sin, cos, |·|, max, min, softmax), so they have a value at every real point;
#: otherwise the kernel shows one point where they have a value before it confirms (kernel/domain.py)
PARTIAL: list = []


@contextmanager
def partial_operations(met: set):
    """Record in ``met`` the operations with a restricted domain the runs inside meet (:data:`PARTIAL`)."""
    PARTIAL.append(met)
    try:
        yield
    finally:
        PARTIAL.pop()


def _partial(what: str) -> None:
    if PARTIAL:
        PARTIAL[-1].add(what)


def _lazy(*xs) -> bool:
    """Do these operands of a sum or product stay an Operator (one is, and none carries a tangent)?"""
    return OPERATORS and any(isinstance(x, Operator) for x in xs) and all(isinstance(x, ModMat) and x.tan is None
                                                                           for x in xs)


class _Diag(Operator):
    """diag(v) of a vector without tangent."""

    __slots__ = ("v", "_d")

    def __init__(self, v: ModMat):
        super().__init__(v.rows, v.rows, v.p)
        self.v, self._d = v, None

    def _degree(self):
        return self.v.deg

    @property
    def d(self) -> list[int]:
        if self._d is None:
            self._d = _ints(self.v.val)
        return self._d

    def _materialize(self):
        n = self.rows
        out = [0] * (n * n)
        for i, x in enumerate(self.d):
            out[i * n + i] = x
        return _mat(n, n, out, self.p)

    def right(self, X, memo):
        if X.ncols() == 1:
            return _mat(self.rows, 1, [a * b for a, b in zip(self.d, _ints(X))], self.p)
        return _rowscale(X, self.d, self.p)

    def left(self, W, memo):
        if W.nrows() == 1:
            return _mat(1, self.cols, [a * b for a, b in zip(_ints(W), self.d)], self.p)
        return _rowscale(W.transpose(), self.d, self.p).transpose()


class _Kron(Operator):
    """A ⊗ B of matrices without tangent: (A ⊗ B)·vec(Y) = vec(A·Y·Bᵀ), vec by rows."""

    __slots__ = ("A", "B", "_kdeg")

    def __init__(self, A: nmod_mat, B: nmod_mat, p: int, deg=UNB):
        """``deg``: its entries' degree (each a product of an entry of A and one of B)."""
        super().__init__(A.nrows() * B.nrows(), A.ncols() * B.ncols(), p)
        self.A, self.B, self._kdeg = A, B, deg

    def _degree(self):
        return self._kdeg

    def _materialize(self):
        A, B = self.A, self.B
        ea, eb, (ar, ac), (br, bc) = _ints(A), _ints(B), (A.nrows(), A.ncols()), (B.nrows(), B.ncols())
        out = []
        for i in range(ar):
            for k in range(br):
                out += [ea[i * ac + j] * eb[k * bc + l] for j in range(ac) for l in range(bc)]
        return _mat(self.rows, self.cols, out, self.p)

    @staticmethod
    def _triple(L: nmod_mat, Y: nmod_mat, R: nmod_mat) -> nmod_mat:
        """L·Y·R, in the cheaper order."""
        (a, b), (c, d) = (L.nrows(), L.ncols()), (R.nrows(), R.ncols())
        return L * (Y * R) if b * c * d + a * b * d <= a * b * c + a * c * d else (L * Y) * R

    def _columns(self, X: nmod_mat, rows: int, cols: int, memo: dict) -> list[nmod_mat]:
        """The columns of X, each as a rows × cols matrix (by rows), kept in memo for the next term."""
        key = ("unvec", id(X), rows, cols)
        if key not in memo:
            xs, k = _ints(X), X.ncols()
            memo[key] = (X, [_mat(rows, cols, xs[j::k], self.p) for j in range(k)])
        return memo[key][1]

    def right(self, X, memo):
        A, B = self.A, self.B
        key = ("T", id(B))
        if key not in memo:
            memo[key] = (B, B.transpose())
        Bt = memo[key][1]
        outs = [_ints(self._triple(A, Y, Bt)) for Y in self._columns(X, A.ncols(), B.ncols(), memo)]
        return _mat(self.rows, len(outs), [o[i] for i in range(self.rows) for o in outs], self.p)

    def left(self, W, memo):  # wᵀ(A ⊗ B) = vec(Aᵀ·Z·B)ᵀ, w = vec(Z)
        A, B = self.A, self.B
        outs = [_ints(self._triple(A.transpose(), Z, B)) for Z in self._columns(W.transpose(), A.nrows(), B.nrows(),
                                                                                  memo)]
        return _mat(len(outs), self.cols, [x for o in outs for x in o], self.p)


class _Product(Operator):
    """A product of matrices without tangent, one at least an Operator; ``atoms``: its factors left to right (no
    product among them), a residue for a scalar."""

    __slots__ = ("atoms", "depth", "sdeg")

    def __init__(self, atoms: list, rows: int, cols: int, p: int, sdeg=CONST):
        """``sdeg``: the degree of the product of its scalar factors (residues in ``atoms``)."""
        super().__init__(rows, cols, p)
        self.atoms, self.depth, self.sdeg = atoms, 1 + max(_depth(a) for a in atoms), sdeg

    def _degree(self):
        mats = [a for a in self.atoms if not isinstance(a, int)]
        d = mats[0].deg
        for b in mats[1:]:
            d = _dmm(d, b.deg, b.rows)
        return _dmul(d, self.sdeg)

    @property
    def LEFT(self):  # noqa: N802
        return all(not isinstance(a, Operator) or a.LEFT for a in self.atoms)

    @staticmethod
    def of(factors, p: int) -> "_Product":
        atoms, sdeg = [], CONST
        for f in factors:
            if isinstance(f, _Product):
                atoms += f.atoms
                sdeg = _dmul(sdeg, f.sdeg)
            elif isinstance(f, ModScalar):  # a number without tangent: its residue, its degree kept here
                atoms.append(f.v)
                sdeg = _dmul(sdeg, f.deg)
            elif isinstance(f, int):  # a residue: its constant unknown, so its height not bounded
                atoms.append(f)
                sdeg = _dmul(sdeg, (0, 0, HUNB, HUNB, 1) if f % p else None)
            else:
                atoms.append(f)
        mats = [a for a in atoms if not isinstance(a, int)]
        for a, b in zip(mats, mats[1:]):
            if a.cols != b.rows:
                raise KernelError(f"product of a {a.rows}×{a.cols} and a {b.rows}×{b.cols} matrix")
        return _shallow(_Product(atoms, mats[0].rows, mats[-1].cols, p, sdeg))

    def _materialize(self):  # from the narrower end: diag(v)·W·h is two matrix-vector products, not n³
        mats, memo, c = [a for a in self.atoms if not isinstance(a, int)], {}, 1
        for a in self.atoms:
            if isinstance(a, int):
                c = c * a % self.p
        if mats[-1].cols <= mats[0].rows:
            out = mats[-1].val
            for a in reversed(mats[:-1]):
                out = _right(a, out, memo)
        else:
            out = mats[0].val
            for a in mats[1:]:
                out = _left(a, out, memo)
        return out * c if c != 1 else out

    def right(self, X, memo):
        for a in reversed(self.atoms):
            X = X * a if isinstance(a, int) else _right(a, X, memo)
        return X

    def left(self, W, memo):
        for a in self.atoms:
            W = W * a if isinstance(a, int) else _left(a, W, memo)
        return W


class _Sum(Operator):
    """A sum of matrices of one shape without tangent, one at least an Operator."""

    __slots__ = ("terms", "depth")

    def __init__(self, terms: list, p: int):
        super().__init__(terms[0].rows, terms[0].cols, p)
        self.terms, self.depth = terms, 1 + max(_depth(t) for t in terms)

    def _degree(self):
        d = None
        for t in self.terms:
            d = _dadd(d, t.deg)
        return d

    @staticmethod
    def of(terms, p: int) -> "_Sum":
        flat = []
        for t in terms:
            flat += t.terms if isinstance(t, _Sum) else [t]
        for t in flat[1:]:
            flat[0]._same(t, "sum")
        return _shallow(_Sum(flat, p))

    @property
    def LEFT(self):  # noqa: N802
        return all(not isinstance(t, Operator) or t.LEFT for t in self.terms)

    def _materialize(self):
        out = self.terms[0].val
        for t in self.terms[1:]:
            out = out + t.val
        return out

    def right(self, X, memo):
        out = None
        for t in self.terms:
            y = _right(t, X, memo)
            out = y if out is None else out + y
        return out

    def left(self, W, memo):
        out = None
        for t in self.terms:
            y = _left(t, W, memo)
            out = y if out is None else out + y
        return out


class _Derivative(Operator):
    """A derivative w.r.t. a parameter: column j the tangent along the parameter's entry j (in the layout); applied
    to a block X, one forward run per column of X, the parameter's tangent that column made a matrix (a direction:
    Σ_j x_j ∂/∂P[entry j], the same linear map on the plain run's values as the unit seeds, column by column)."""

    LEFT = False
    __slots__ = ("model", "column", "seeds", "wrt", "_seen")

    def __init__(self, model, column, seeds: list, wrt: str, rows: int):
        super().__init__(rows, len(seeds), model.p)
        self.model, self.column, self.seeds, self.wrt, self._seen = model, column, seeds, wrt, _UNSET

    def _see(self, col):
        """Keep the degree of a column's tangent (every run's is one bound: a seed's tangent is read as constants)."""
        self._seen = col.deg if self._seen is _UNSET else _dmax([self._seen, col.deg])
        return col

    def _degree(self):
        """Its entries': the tangent's degree of a run along a seed (one run, if none ran yet)."""
        if self._seen is _UNSET:
            if not self.seeds:
                return None
            self._see(self.column(self.seeds[0]))
        return self._seen

    def _materialize(self):
        budget = COLUMN_BUDGET[-1]
        if budget is not None and len(self.seeds) * self.model.t > budget:
            raise Unsupported(f"the check reads the entries of a derivative w.r.t. {self.wrt}: {len(self.seeds)} "
                              f"forward runs of up to {self.model.t} steps, beyond the kernel's budget of {budget} "
                              "step runs")
        return self.model._hstack([self._see(self.column(s)) for s in self.seeds]).val

    def right(self, X, memo):
        P = getattr(self.model.params, self.wrt)
        xs, k, outs = _ints(X), X.ncols(), []
        for j in range(k):
            D = nmod_mat(P.rows, P.cols, self.p)
            for i, seed in enumerate(self.seeds):
                a, b = seed[2]
                D[a, b] = xs[i * k + j]
            outs.append(self._see(self.column(("direction", self.wrt, self.model._direction_key(D)))))
        return _mat(self.rows, k, [o[i] for i in range(self.rows) for o in outs], self.p)


#: Operators nested deeper than this are built at once (a check's loop S = A·(S + B) over t steps, a cell whose state
#: is a linear map of the last: reading them later would recurse t levels deep)
MAX_DEPTH = 32


def _depth(a) -> int:
    return a.depth if isinstance(a, Operator) else 0


def _shallow(op: Operator) -> ModMat:
    return op if op.depth <= MAX_DEPTH else ModMat(op.val, None, op.p, op.deg)


def _key(a):
    """What identifies a factor for the memo of left products: the object (kept alive by the memo), a diagonal by
    its vector (diag(σ'(h_r)) built anew by every term of a literal Σ_k Π_r is one factor), a scalar by its value."""
    if isinstance(a, int):
        return ("c", a)
    if isinstance(a, _Diag):
        return ("diag", id(a.v))
    return id(a)


def _right(a, X: nmod_mat, memo: dict) -> nmod_mat:
    key = ("R", _key(a), id(X))
    got = memo.get(key)
    if got is None:
        got = memo[key] = (a, X, a.right(X, memo) if isinstance(a, Operator) else a.val * X)
    return got[2]


def _left(a, W: nmod_mat, memo: dict) -> nmod_mat:
    key = ("L", _key(a), id(W))
    got = memo.get(key)
    if got is None:
        got = memo[key] = (a, W, a.left(W, memo) if isinstance(a, Operator) else W * a.val)
    return got[2]


def _bilinear(M, U: nmod_mat, X: nmod_mat, memo: dict) -> nmod_mat:
    """U·M·X (U: 1 × rows, X: cols × 1), a product's left part applied to U and its right part to X, so that the
    terms of a literal Σ_k Π_{r=k+1}^{t} F_r · B_k share the left products U·F_t·…·F_r (memo: by factor and by the
    vector it is applied to, every object kept alive in it)."""
    if isinstance(M, _Sum):
        out = None
        for t in M.terms:
            y = _bilinear(t, U, X, memo)
            out = y if out is None else out + y
        return out
    if isinstance(M, _Product):
        atoms = M.atoms
        cut = max([i for i, a in enumerate(atoms) if isinstance(a, Operator) and not a.LEFT] + [len(atoms) - 1])
        W, Y = U, X
        for a in atoms[:cut]:
            W = W * a if isinstance(a, int) else _left(a, W, memo)
        for a in reversed(atoms[cut:]):
            Y = Y * a if isinstance(a, int) else _right(a, Y, memo)
        return W * Y
    return U * _right(M, X, memo)


def project(lhs: ModMat, rhs: ModMat, draw, vectors: dict) -> tuple[int, int] | None:
    """uᵀ·lhs·x and uᵀ·rhs·x when a side is an Operator (None otherwise), u and x uniform residues from ``draw``,
    drawn once per shape and kept in ``vectors`` (a second run at the same point compares the same projection).

    What a zero decides: if lhs − rhs = Δ ≠ 0 as a matrix of rational functions of the trial's variables, some
    entry Δ_ij is nonzero at the point but for ≤ D/p (Schwartz–Zippel, D its numerator's degree); then uᵀΔx is a
    nonzero polynomial of degree 2 in (u, x), 0 with probability ≤ 2/p: ≤ (D + 2)/p in all."""
    if not (isinstance(lhs, Operator) or isinstance(rhs, Operator)):
        return None
    same_shape(lhs.shape, rhs.shape)
    p = lhs.p
    if lhs.shape not in vectors:
        vectors[lhs.shape] = (_mat(1, lhs.rows, [draw() for _ in range(lhs.rows)], p),
                              _mat(lhs.cols, 1, [draw() for _ in range(lhs.cols)], p))
    U, X = vectors[lhs.shape]
    memo: dict = {}
    return int(_bilinear(lhs, U, X, memo)[0, 0]), int(_bilinear(rhs, U, X, memo)[0, 0])


def error_degree(lhs_deg, rhs_deg, rf: "RandomFunctions", projected: bool, before=0, why_before: str = ""):
    """E for one trial of the kernel's confirmation over ℤ/p (the module docstring, "Degrees"), or None, why: D
    (deg N + deg M of lhs − rhs from the sides' degrees), + 2 when the sides were compared as uᵀ·(lhs − rhs)·x, +
    (2S − 1)·Σw for the S arguments of random functions of weights w (u_i ∓ u_j and u_i = 0, as
    random_check.degree_info). ``before``: the largest E of the earlier trials (the bound is their max)."""
    if before is None:
        return None, why_before
    D = _dtotal(_dadd(lhs_deg, rhs_deg))
    if D is None:
        return None, "a side's degree is not bounded by the forward mode (an operation without a degree rule)"
    if rf.unbounded:
        return None, "an argument of a random function has a degree not bounded by the forward mode"
    S, W = rf.sites, rf.weight
    E = D + (2 if projected else 0) + ((2 * S - 1) * W if S else 0)
    if E < before:
        return before, why_before
    return E, (f"E = D{' + 2' if projected else ''} + (2S − 1)·Σw, D ≤ {D}, S = {S} arguments of random functions of "
               f"weights Σw = {W}")


#: a lower bound on the number of primes in [2⁶², 2⁶³), from Dusart's bounds on π(x) (1999: x/ln x·(1 + 1/ln x) ≤ π(x)
#: for x ≥ 599, π(x) ≤ x/ln x·(1 + 1.2762/ln x) for x > 1): the same count as the F_p finder's (fp/field.py
#: N_PRIMES_LO, which the kernel does not import), ≈ 2^56.56
N_PRIMES = 106_297_190_014_990_579
#: one bad prime's probability in units of 2^−62: ⌈2⁶²/N_PRIMES⌉ = 44 (a prime is drawn uniformly among them)
CONTENT_UNITS = -(-2 ** 62 // N_PRIMES)


def content_height(lhs_deg, rhs_deg, rf: "RandomFunctions"):
    """H: a bound on log₂ of the product of the contents that a prime must not divide (the module docstring,
    "Heights"): hn of lhs − rhs, plus for the sites' collisions (u_i ∓ u_j, numerator height ≤ h_i + h_j + 1, and
    u_i, ≤ h_i; S sites of total height Σh) (2S − 1)·Σh + S(S − 1). None when a height (or degree) is not bounded."""
    d = _dadd(lhs_deg, rhs_deg)
    if d == UNB or rf.unbounded:
        return None
    H = 0 if d is None else d[2]  # N of N/(c·M): hn
    S = rf.sites
    if S:
        H = H + (2 * S - 1) * rf.height + S * (S - 1)
    return None if H == HUNB else int(H)


def content_units(H: int) -> int:
    """The content term in units of 2^−62: at most ⌊H/62⌋ primes ≥ 2⁶² divide a nonzero integer of absolute value
    ≤ 2^H, each drawn with probability 1/N_PRIMES ≤ CONTENT_UNITS·2^−62."""
    return CONTENT_UNITS * (H // 62)


class ModNotation:
    """The notation for matrices over ℤ/p (registered with symderiv.notation by the kernel)."""

    @staticmethod
    def _p(*xs) -> int:
        return next(x.p for x in xs if isinstance(x, (ModMat, ModScalar)))

    def _col(self, v, p) -> ModMat:
        v = ModMat.of(v, p)
        if v.cols != 1 and v.rows != 1:
            raise KernelError(f"a vector was expected, not a {v.rows}×{v.cols} matrix")
        return v if v.cols == 1 else v.T

    def hadamard(self, a, b):
        p = self._p(a, b)
        return ModMat.of(a, p).multiply_elementwise(b)

    def T(self, a):
        return ModMat.of(a, self._p(a)).T

    def diag(self, v):
        p = self._p(v)
        v = self._col(v, p)
        v._unbatched("diag")
        if v.tan is None and OPERATORS:
            return _Diag(v)
        n = v.rows

        def spread(M):
            xs, out = _ints(M), [0] * (n * n)
            for i, x in enumerate(xs):
                out[i * n + i] = x
            return _mat(n, n, out, p)

        return ModMat(spread(v.val), None if v.tan is None else spread(v.tan), p, v.deg, v.tdeg)

    def kron(self, a, b):
        p = self._p(a, b)
        a, b = ModMat.of(a, p), ModMat.of(b, p)
        if a.tan is None and b.tan is None and OPERATORS:
            return _Kron(a.val, b.val, p, _dmul(a.deg, b.deg))
        ea, eb = list(a), list(b)
        rows, cols = a.rows * b.rows, a.cols * b.cols
        out = []
        for r in range(rows):
            i, k = divmod(r, b.rows)
            for c in range(cols):
                j, l = divmod(c, b.cols)
                out.append(ea[i * a.cols + j] * eb[k * b.cols + l])
        return ModMat.entries(rows, cols, out, p)

    def HV(self, v):
        p = self._p(v)
        v = self._col(v, p)
        return self.kron(ModMat.of(sp.ones(v.rows, v.rows), p), v.T)

    def product(self, factors, size):
        p = self._p(*factors)
        if factors and _lazy(*factors):
            if factors[0].rows != size:
                raise KernelError(f"product of a {size}×{size} and a {factors[0].rows}×{factors[0].cols} matrix")
            return _Product.of(factors, p)
        out = ModMat.of(sp.eye(size), p)
        for f in factors:
            out = out * f
        return out

    def total(self, terms, shape):
        p = self._p(*terms)
        if terms and _lazy(*terms):
            if terms[0].shape != tuple(shape):
                raise KernelError(f"sum of a {shape[0]}×{shape[1]} and a {terms[0].rows}×{terms[0].cols} matrix")
            return _Sum.of(terms, p)
        out = ModMat.of(sp.zeros(*shape), p)
        for t in terms:
            out = out + t
        return out

    def vec(self, a, layout):
        p = self._p(a)
        a = ModMat.of(a, p)
        if layout == "row-major":
            return ModMat.entries(len(a), 1, list(a), p)
        if layout == "col-major":
            return self.vec(a.T, "row-major")
        raise KernelError(f"layout={layout!r} must be 'row-major' or 'col-major'")

    def softmax(self, z):
        if not _ACTIVE:
            raise Unsupported("softmax has no value in ℤ/p")
        return _ACTIVE[-1].softmax(z)


#: the functions an entry function read by :func:`_entry_reading` may apply, known by identity (the classes
#: themselves, never a name): each is the running model's random function of that name (RandomFunctions)
_READ_FUNCTIONS = ((sp.sin, "sin"), (sp.cos, "cos"), (sp.exp, "exp"), (sp.log, "log"), (sp.tanh, "tanh"),
                   (logistic, "logistic"))


def root_name(r: sp.Rational) -> str:
    """The random function s ↦ s^r for a rational 0 < r < 1 (``"root1/2"``: √s); module docstring, "√, rational
    powers, sin and cos"."""
    return f"root{int(r.p)}/{int(r.q)}"


def _active(name: str):
    """The running model's function ``name`` (its random one in a confirmation), or Unsupported: a refutation has no
    value in ℤ/p for it."""
    f = getattr(_ACTIVE[-1], name, None) if _ACTIVE else None
    if f is None:
        raise Unsupported(f"{name} has no value in ℤ/p (the modular refutation covers polynomial claims)")
    return f


def _unreadable(e, a):
    """The first node of e that is not the symbol a, a rational, +, ×, a rational power, |·|, max, min or one of
    _READ_FUNCTIONS (the classes themselves), or None when e is built from these only."""
    for node in sp.preorder_traversal(e):
        cls = type(node)
        if node == a or isinstance(node, sp.Rational) or cls in (sp.Add, sp.Mul, sp.Abs, sp.Max, sp.Min):
            continue
        if cls is sp.Pow and isinstance(node.exp, sp.Rational):
            continue
        if len(node.args) == 1 and any(cls is fn for fn, _ in _READ_FUNCTIONS):
            continue
        return node
    return None


#: the numbers an entry function is probed at (:func:`_reads_alike`): 0, both signs, a fraction
_PROBES = (sp.Integer(0), sp.Rational(1, 2), sp.Rational(-3, 7), sp.Rational(5, 3), sp.Integer(-2))


def _reads_alike(fn, e, a):
    """The first probe c where fn(c) is not e with a = c (so fn asks what its argument is, a Dummy or a number, its
    assumptions, whether it is 0, rather than computing a function of its value: every reading over ℤ/p reads e,
    the claim means fn), or None. A probe where fn raises is skipped (the exact path meets it on the values).

    Decided exactly, never by floats: fn(c) and e(c) structurally equal, or their difference 0 by the kernel's
    exact test (:func:`.random_check.exact_zero`: rationals, real radicals, ℚ̄[e^ℚ], log values). A difference the
    exact test does not decide (sin(1/2) against its series) is refused too (:func:`reads_alike`): fn(c) = e(c) not
    proved is not taken for true."""
    got = _probe_disagreement(fn, e, a)
    return None if got is None else got[0]


def _probe_disagreement(fn, e, a):
    """(c, why) for the first probe c where fn(c) = e(c) is not proved exactly (:func:`_reads_alike`), else None."""
    from .random_check import Cannot, exact_zero

    for c in _PROBES:
        try:
            got = sp.sympify(fn(c))
        except Exception:
            continue
        want = e.xreplace({a: c})
        if got == want or not (got.is_finite and want.is_finite):  # a pole, 0/0: SymPy's symbol folds it
            continue
        if got.has(sp.Float) or want.has(sp.Float):
            return c, "a float"
        try:
            if exact_zero(got - want):
                continue
            return c, "another value"
        except (Cannot, KernelError, TypeError, ValueError) as err:
            if _algebraic_zero(got - want):  # complex radicals (√√s at a negative probe): exact over ℚ̄
                continue
            return c, f"a value the kernel does not prove equal to it ({str(err)[:60]})"
    return None


def _algebraic_zero(d) -> bool:
    """Whether the number d, an expression of rationals, +, ×, rational powers and I only, is 0: its minimal
    polynomial over ℚ is x (SymPy's exact minimal_polynomial, never floats); False where it is not such a number."""
    if not all(isinstance(x, (sp.Rational, sp.Add, sp.Mul, sp.Pow)) or x is sp.I for x in sp.preorder_traversal(d)):
        return False
    if any(isinstance(x, sp.Pow) and not x.exp.is_Rational for x in sp.preorder_traversal(d)):
        return False
    x = sp.Dummy("x")
    try:
        return sp.minimal_polynomial(d, x) == x
    except Exception:
        return False


def reads_alike(fn, e, a) -> None:
    """Unsupported (one line) unless fn is the expression ``e`` it gives on the symbol ``a`` at every probe, decided
    exactly (:func:`_reads_alike`). The one test both readings use: the kernel's over ℤ/p and F_p's
    (fp.elementwise.reads_alike calls it)."""
    got = _probe_disagreement(fn, e, a)
    if got is not None:
        c, what = got
        raise Unsupported(f"applyfunc of {sp.sstr(e)[:60]}: the entry function gives {what} at {c} than this "
                          "expression, decided exactly (a function that asks what its argument is, not a function "
                          "of its value)" if what in ("a float", "another value") else
                          f"applyfunc of {sp.sstr(e)[:60]}: at {c} the entry function gives {what}: refused "
                          "(floats never decide that it is this expression)")


def entry_expression(fn, reader: str):
    """(a, e): the entry function ``fn``'s expression e on a symbol a, every function in it one the kernel reads
    (else Unsupported, one line naming it: ``reader`` says which reading) and ``fn`` decided equal to it
    (:func:`reads_alike`); None where fn has no expression on a symbol (it then runs on the entries)."""
    a = sp.Dummy("a")
    try:
        e = sp.sympify(fn(a))
    except Exception:
        return None
    if not isinstance(e, sp.Expr) or not e.free_symbols <= {a}:
        return None
    other = _unreadable(e, a)
    if other is not None:
        raise Unsupported(f"{sp.sstr(other)[:60]} in an entry function: the kernel's reading {reader} knows +, ×, "
                          "rational powers, rationals, |·|, max, min, sin, cos, exp, log, tanh and the logistic "
                          "function (known by identity, never by name)")
    reads_alike(fn, e, a)  # fn is the expression it gives on a symbol, decided exactly
    return a, e


def entry_domain(fn, a) -> list:
    """The conditions for ``fn``'s value at a point that SymPy's evaluation on the symbol a may erase: fn run on a
    under ``evaluate(False)`` keeps each log, root and division it writes, where evaluating folds them away
    (exp(log s) and (√s)² are s, s/s is 1, s⁰ is 1: each with no value where s < 0 or s = 0, so a side written so has
    a value nowhere when s < 0 everywhere, while the expression the readings run has one everywhere). A list of
    ("log" | "root" | "a division", argument), each argument an expression of a (constants left out: SymPy decides
    them); [] when fn does not run so. The ℤ/p reading records them as operations with a restricted domain
    (:data:`PARTIAL`: a point with a value is then asked for), and the balls' whole reading proves each at the point
    (balls._whole_reading)."""
    try:
        with sp.evaluate(False):
            e0 = sp.sympify(fn(a))
    except Exception:  # noqa: BLE001 (fn does not run unevaluated: the evaluated reading stands alone)
        return []
    if not isinstance(e0, sp.Basic):
        return []
    out, seen = [], set()
    for node in sp.preorder_traversal(e0):
        cls = type(node)
        if cls is sp.log:
            cond = ("log", node.args[0])
        elif cls is sp.Pow and node.exp.is_Rational and not node.exp.is_Integer:
            cond = ("root", node.base)
        elif cls is sp.Pow and node.exp.is_Integer and node.exp < 0:
            cond = ("a division", node.base)
        elif cls is sp.Pow and node.exp.is_Integer and node.exp == 0:
            cond = ("a division", node.base)  # s⁰ is 1 for s ≠ 0: 0⁰ has no value here either
        else:
            continue
        if a in sp.sympify(cond[1]).free_symbols and cond not in seen:
            seen.add(cond)
            out.append(cond)
    return out


def _entry_reading(fn):
    """An entry function (``applyfunc``), read from its expression on a symbol by the kernel itself (module
    docstring, "|·|, max and min" and "√, rational powers, sin and cos"), as F_p and the exact engine read it (so
    √s·√s, which SymPy folds to s on a symbol, is s here too); None when fn has no such expression (then fn runs on
    the entries as before).

    The expression on a symbol a is compiled once and run on each entry: a, rationals, +, ×, integer powers
    (|u|^(2k) read exactly as u^(2k)), |u| = S(u)·u, max(a, b) = b + (a − b)(1 + S(a − b))/2 and min(a, b) =
    b + (a − b)(1 − S(a − b))/2 (folded left), S the running model's sign function; s^(k + r) with k an integer
    and 0 < r < 1 rational as s^k (an inverse when k < 0) times R_r(s), R_r the running model's random function
    "root r"; sin u, cos u, exp u, log u, tanh u, logistic u its random functions of those names. Functions are
    known by identity (type(e) is sp.sin), never by name. Where fn has no expression on a symbol, None (fn runs on
    the entries); an expression of the symbol with anything else is refused (Unsupported, one line naming it)."""
    got = entry_expression(fn, "over ℤ/p")
    if got is None:
        return None
    a, e = got

    def sign_of(u):
        if u.v == 0 and u.d != 0:  # S(0) = 0 is not a derivative of |·| at its kink (the exact kernel refuses it too)
            raise Unsupported("|·| at 0 has no derivative (its kink): an argument of |·|, max or min is 0 at the "
                              "point while its tangent is not")
        if not _ACTIVE or getattr(_ACTIVE[-1], "sign", None) is None:
            raise Unsupported("|·|, max and min have no value in ℤ/p (the modular refutation covers polynomial claims)")
        return _ACTIVE[-1].sign(u)

    def add(*fs):
        def run(x):
            out = fs[0](x)
            for f in fs[1:]:
                out = out + f(x)
            return out
        return run

    def mul(*fs):
        def run(x):
            out = fs[0](x)
            for f in fs[1:]:
                out = out * f(x)
            return out
        return run

    def power(f, k):
        return lambda x: f(x) ** k

    def root(f, r, k):
        def run(x):
            s = f(x)
            out = _active("root")(r)(s)
            return out * s ** k if k else out
        return run

    def absolute(f):
        def run(x):
            u = f(x)
            return sign_of(u) * u
        return run

    def extreme(fs, up):
        def run(x):
            out = fs[0](x)
            for f in fs[1:]:
                b = f(x)
                diff = out - b
                out = b + diff * (1 + up * sign_of(diff)) / 2
            return out
        return run

    def function(name, f):
        return lambda x: _active(name)(f(x))

    compiled: dict = {}

    def compile_(e):  # a closure per node, shared where the node repeats (one memo per entry in ``read``)
        if e in compiled:
            return compiled[e]
        cls = type(e)
        if e == a:
            out = lambda x: x  # noqa: E731
        elif isinstance(e, sp.Rational):
            out = lambda x, c=e: ModScalar.const(c, x.p)  # noqa: E731
        elif cls is sp.Add:
            out = add(*[compile_(t) for t in e.args])
        elif cls is sp.Mul:
            out = mul(*[compile_(t) for t in e.args])
        elif cls is sp.Pow and isinstance(e.exp, sp.Integer):
            k = int(e.exp)
            out = power(compile_(e.base.args[0]) if type(e.base) is sp.Abs and k % 2 == 0 else compile_(e.base), k)
        elif cls is sp.Pow:  # s^(k + r): s^k · R_r(s), 0 < r < 1 (_unreadable: a rational exponent)
            k = math.floor(e.exp)
            out = root(compile_(e.base), e.exp - k, int(k))
        elif cls is sp.Abs:
            out = absolute(compile_(e.args[0]))
        elif cls in (sp.Max, sp.Min):
            out = extreme([compile_(t) for t in e.args], 1 if cls is sp.Max else -1)
        else:  # one of _READ_FUNCTIONS (_unreadable)
            out = function(next(nm for f, nm in _READ_FUNCTIONS if cls is f), compile_(e.args[0]))
        memo_key = len(compiled)  # an int: no SymPy hash per entry

        def once(x, out=out, key=memo_key):  # a node met twice in one entry is computed once (one site)
            got = _ENTRY_MEMO[-1].get(key) if _ENTRY_MEMO else None
            if got is None:
                got = out(x)
                if _ENTRY_MEMO:
                    _ENTRY_MEMO[-1][key] = got
            return got

        compiled[e] = once
        return once

    program = compile_(e)
    erased = [what for what, _ in entry_domain(fn, a)]  # partial operations SymPy's evaluation may have folded away

    def read(x):
        for what in erased:
            _partial(what if what == "a division" else what if what == "log" else "root (folded)")
        _ENTRY_MEMO.append({})
        try:
            return program(x)
        finally:
            _ENTRY_MEMO.pop()

    return read


#: the per-entry memo of :func:`_entry_reading`'s program (a stack: a reading may run inside another's function)
_ENTRY_MEMO: list = []


#: the reading's old name (|·|, max and min came first)
_sign_reading = _entry_reading


#: the functions of the model whose check is running (:func:`sides`): the notation's softmax reads its exp (as the
#: dual notation reads the kernel's table of exp); empty outside a check, where softmax is refused
_ACTIVE: list = []


def _softmax(exp, p: int):
    """softmax(z) = e / Σ e with e = exp(z) elementwise, on dual residues (the quotient a unit, else KernelError)."""
    def softmax(z):
        z = ModMat.of(z, p)
        e = exp(z)
        with partial_operations(set()):  # Σ e^(z_i) > 0 at every real point: this quotient always has a value
            return e / sum(e, ModScalar.const(0, p))

    return softmax


# ----- the model ---------------------------------------------------------------------------------------------


def _poly(coeffs, k: int):
    cs = [int(c) for c in coeffs]
    for _ in range(k):
        cs = [i * c for i, c in enumerate(cs)][1:]
    return cs


def _horner(cs, x: int, p: int) -> int:
    out = 0
    for c in reversed(cs):
        out = (out * x + c) % p
    return out


def _refuse(what):
    def fn(*_a, **_k):
        raise Unsupported(f"{what} has no value in ℤ/p (the modular refutation covers polynomial claims)")
    return fn


def _functions(activation: str, witness, p: int) -> SimpleNamespace:
    """σ and σ' on dual residues: the witness polynomial (σ abstract) or the identity (a refutation: exp, log,
    softmax, tanh and the logistic function have no value in ℤ/p)."""
    if activation == "abstract":
        if witness is None:
            s = ds = _refuse("an abstract σ without a witness polynomial")
        else:
            c0, c1, c2 = _poly(witness, 0), _poly(witness, 1), _poly(witness, 2)
            s, ds = _elementwise(c0, c1, p), _elementwise(c1, c2, p)
    elif activation == "identity":
        s, ds = _elementwise([0, 1], [1], p), _elementwise([1], [], p)
    else:
        s = ds = _refuse(f"σ = {activation}")
    return SimpleNamespace(sigma=s, dsigma=ds, tanh=_refuse("tanh"), dtanh=_refuse("tanh"),
                           logistic=_refuse("the logistic function"), softmax=_refuse("softmax"),
                           log=_refuse("log"), exp=_refuse("exp"))


class RandomFunctions:
    """The kernel's random confirmation over ℤ/p (random_check.py, beyond its exact model's reach): σ, tanh, the
    logistic function, exp and log as random functions of their argument's residue, each keeping its differential
    equation (σ: independent values of σ, σ', σ''; tanh: r, 1 − r², −2r(1 − r²); logistic: r, r(1 − r),
    r(1 − r)(1 − 2r); exp: r, r, r; log at x: r, 1/x, −1/x²), an abstract loss likewise per entry. ``sites`` counts
    the entries they were applied to without a tangent (the collision term of the error bound): forward mode only
    re-runs, with tangents, the very values of the plain run (every seeded run, partial and view starts from it), so
    an application with a tangent meets an argument polynomial the plain run met already; the count is an upper
    bound on the distinct ones.

    exp and log are *lawless* here (:data:`LAWLESS`): a random e keeps e' = e and e(0) = 1 but not
    e^(a+b) = e^a·e^b, nor log(e^z) = z. ``lawless`` says whether the run applied one of them."""

    RULES = {
        "tanh": lambda r, p, x: (r, (1 - r * r) % p, (-2 * r * (1 - r * r)) % p),
        "logistic": lambda r, p, x: (r, r * (1 - r) % p, r * (1 - r) * (1 - 2 * r) % p),
        "exp": lambda r, p, x: (r, r, r),
        "log": lambda r, p, x: (r, _inv(x, p, "log's argument"), -_inv(x * x, p, "log's argument") % p),
        "sign": lambda r, p, x: (r, 0, 0),
    }
    #: random functions that do not keep every law the true ones have (random_check.LAWLESS)
    LAWLESS = ("exp", "log")

    def __init__(self, draw, p: int):
        self.draw, self.p, self.tables, self.sites = draw, p, {}, 0
        # Σ w over the sites (w = dn + dd of the argument: the module docstring, "Degrees"); unbounded: an argument
        # whose degree the forward mode did not bound
        self.weight, self.unbounded = 0, False
        # Σ h over the sites (h = hn + hd of the argument: the heights of u_i ∓ u_j and u_i, for the content term)
        self.height = 0
        self._applied: dict = {}  # (name, order, id(v)) → (v, its image); (name, id(v)) → (v, None): counted

    #: values at 0 (tanh(0) = 0, logistic(0) = 1/2, e⁰ = 1) and at −x from those at x (tanh odd, logistic(−x) =
    #: 1 − logistic(x)), the values and symmetries SymPy applies by itself, as random_check.RandomFunction keeps
    #: them; −x is the residue p − x
    AT0 = {"tanh": lambda p: (0, 1, 0), "logistic": lambda p: (pow(2, -1, p), pow(4, -1, p), 0),
           "exp": lambda p: (1, 1, 1), "sign": lambda p: (0, 0, 0)}
    MIRROR = {"tanh": lambda v, p: (-v[0] % p, v[1], -v[2] % p), "sign": lambda v, p: (-v[0] % p, 0, 0),
              "logistic": lambda v, p: ((1 - v[0]) % p, v[1], -v[2] % p)}

    @property
    def lawless(self) -> bool:
        return any(self.tables.get(k) for k in self.LAWLESS)

    def at(self, name: str, x: int) -> tuple:
        table = self.tables.setdefault(name, {})
        got = table.get(x)
        if got is None and name in ("sin", "cos"):  # one pair (S, C) per residue: sin = (S, C, −S), cos = (C, −S, −C)
            S, C = self._sincos(x)
            got = table[x] = (S, C, -S % self.p) if name == "sin" else (C, -S % self.p, -C % self.p)
        elif got is None and name.startswith("root"):  # R = x^r: (R, r·R/x, r(r − 1)·R/x²), one table per r
            r = sp.Rational(name[4:])
            A, inv = self.draw(), _inv(x, self.p, f"the argument of a power ^{r}")
            got = table[x] = (A, residue(r, self.p) * A * inv % self.p,
                              residue(r * (r - 1), self.p) * A * inv * inv % self.p)
        if got is None:
            rule = self.RULES.get(name)
            if x == 0 and name in self.AT0:
                got = self.AT0[name](self.p)
            elif x > self.p // 2 and name in self.MIRROR:
                got = self.MIRROR[name](self.at(name, self.p - x), self.p)
            else:
                got = rule(self.draw(), self.p, x) if rule else (self.draw(), self.draw(), self.draw())
            table[x] = got
        return got

    def _sincos(self, x: int) -> tuple[int, int]:
        """(S, C) at the residue x: fresh values, (0, 1) at 0, (−S, C) at −x from those at x (sin odd, cos even: the
        values and symmetries SymPy applies by itself)."""
        table = self.tables.setdefault("sincos", {})
        got = table.get(x)
        if got is None:
            if x == 0:
                got = (0, 1)
            elif x > self.p // 2:
                S, C = self._sincos(self.p - x)
                got = (-S % self.p, C)
            else:
                got = (self.draw(), self.draw())
            table[x] = got
        return got

    #: the bounds (dn, dd, hn, hd, c) of (f, f', f'') for tanh and the logistic function, each read in the fresh
    #: variable r of its site whichever way :meth:`at` built it: tanh: r (−r mirrored, 0 at 0), 1 − r² (‖·‖₁ = 2; 1 at
    #: 0), −2r + 2r³ (‖·‖₁ = 4); logistic over c = 2: 2r/2, (2 − 2r)/2 mirrored (‖·‖₁ = 4), 1/2 at 0; over c = 4:
    #: (4r − 4r²)/4 (‖·‖₁ = 8), 1/4 at 0; r − 3r² + 2r³ (‖·‖₁ = 6), 0 at 0. A height is ⌈log₂ ‖·‖₁⌉
    POLYS = {"tanh": ((1, 0, 0, 0, 1), (2, 0, 1, 0, 1), (3, 0, 2, 0, 1)),
             "logistic": ((1, 0, 2, 0, 2), (2, 0, 3, 0, 4), (3, 0, 3, 0, 1))}

    @staticmethod
    def degrees(name: str, xdeg) -> tuple:
        """The bounds of (f, f', f'') at an argument bounded by ``xdeg``: a fresh variable r for the value (σ, σ',
        σ'' three of them), tanh and logistic's derivatives polynomials of degree 2 and 3 in r (:data:`POLYS`),
        log's 1/x, −1/x²."""
        if name == "log":
            return VAR, _dinv(xdeg), _dinv(_dpow(xdeg, 2))
        if name in ("tanh", "logistic"):
            return RandomFunctions.POLYS[name]
        if name == "sign":  # a fresh variable S (−S mirrored, 0 at 0), its derivatives 0
            return VAR, None, None
        if name.startswith("root"):  # a fresh variable R; R' = r·R·(1/x), R'' = r(r − 1)·R·(1/x)²
            r = sp.Rational(name[4:])
            return (VAR, _dmul(_cdeg(r), _dmul(VAR, _dinv(xdeg))),
                    _dmul(_cdeg(r * (r - 1)), _dmul(VAR, _dinv(_dpow(xdeg, 2)))))
        return VAR, VAR, VAR  # σ's three variables; sin's and cos's (S, C, −S) and (C, −S, −C) (0 and 1 at 0)

    def _site(self, xdeg, count: int) -> None:
        self.sites += count
        w, h = _dtotal(xdeg), _htotal(xdeg)
        if w is None:
            self.unbounded = True
        else:
            self.weight += count * w
            self.height += _times(count, h)

    def elementwise(self, name: str, order: int):
        p = self.p

        def one(v: int, d: int) -> tuple[int, int]:
            vals = self.at(name, v)
            return vals[order], vals[order + 1] * d % p

        def degs(xdeg, tdeg):  # the value's degree and the tangent's (the tangent times f^(order+1))
            ds = self.degrees(name, xdeg)
            return ds[order], _dmul(ds[order + 1], tdeg)

        def apply(v):
            if name == "log" or name.startswith("root"):
                _partial(name)  # its real value needs an argument > 0 (random_check: a point with a value)
            if isinstance(v, ModMat):
                if v.tan is None:  # the same value object again (σ'(h_r) in every term of Σ_k Π_r): one site
                    got = self._applied.get((name, order, id(v)))
                    if got is not None:
                        return got[1]
                vals = _ints(v.val)
                if v.tan is None:  # a value with a tangent repeats the plain run's (the same argument polynomials)
                    if (name, id(v)) not in self._applied:
                        self._site(v.deg, len(vals))
                        self._applied[(name, id(v))] = (v, None)
                    out = apply_values(v, vals)
                    self._applied[(name, order, id(v))] = (v, out)  # v kept alive: its id is not reused
                    return out
                return apply_values(v, vals)
            x = v if isinstance(v, ModScalar) else ModScalar.const(v, p)
            if x.tdeg is None:
                self._site(x.deg, 1)
            a, b = one(x.v, x.d)
            return ModScalar(a, b, p, *degs(x.deg, x.tdeg))

        def apply_values(v, vals):
            table = self.tables.get(name)
            if table is None or any(a not in table for a in vals):
                for a in vals:
                    self.at(name, a)
                table = self.tables[name]
            rows = [table[a] for a in vals]
            val = _mat(v.rows, v.cols, [f[order] for f in rows], p)
            deg, tdeg = degs(v.deg, v.tdeg)
            if v.tan is None:
                return ModMat(val, None, p, deg)
            if v.batched:
                return ModMat(val, _rowscale(v.tan, [f[order + 1] for f in rows], p), p, deg, tdeg)
            return ModMat(val, _mat(v.rows, v.cols, [f[order + 1] * d for f, d in zip(rows, _ints(v.tan))], p),
                          p, deg, tdeg)

        return apply


def _inv(x: int, p: int, what: str) -> int:
    if math.gcd(x, p) != 1:
        raise KernelError(f"{what} is not a unit modulo p (the point is not one the modular check can use)")
    return pow(x, -1, p)


class LawfulFunctions(RandomFunctions):
    """exp, log, tanh and the logistic function that keep their laws: the q-adic exponential and logarithm, over
    ℤ/q^K (q a prime, K = :data:`LAWFUL_DIGITS` < q), for the second trial of :func:`random_check._modular`.

    On the disc qℤ_q, exp_q(a) = Σ_k a^k/k! converges, and modulo q^K it is the finite sum over k < K (the term k
    has valuation ≥ k); it is a homomorphism, exp_q(a + b) = exp_q(a)·exp_q(b), with exp_q' = exp_q. On the units,
    log_q(x) = log_q(x^(q−1))/(q − 1) (Iwasawa's logarithm; x^(q−1) ∈ 1 + qℤ_q, where log(1 + z) = Σ_k (−1)^(k+1)
    z^k/k, modulo q^K the sum over k < K) is a homomorphism, log_q(xy) = log_q(x) + log_q(y), with log_q'(x) = 1/x
    and log_q(exp_q(a)) = a. tanh = (e^(2a) − 1)/(e^(2a) + 1) and logistic = e^a/(1 + e^a) are built from exp_q,
    so they keep their addition laws too. σ abstract and an abstract loss are random functions as before (a claim
    about every σ needs no law of σ); σ's values are drawn in qℤ/q^K, so that what a cell feeds on stays on the
    disc. An argument of exp off the disc (not ≡ 0 mod q) or of log that is not a unit raises
    :class:`~.dual.Unsupported`: the trial does not run there.

    What it is for: only to tell a difference the laws explain from one they do not, never to confirm. The
    inputs are drawn on the disc (qℤ/q^K), where the claim's sides are their Taylor series at 0; a true claim
    (for the real functions) is an identity of those series, which the q-adic functions keep (up to the values of
    the constants log n the series carry, read as log_q n: so exp(log x) = x off the disc is not kept, see
    exp_q(log_q x) = x/ω(x)). A difference seen here and in the lawless trial is a disagreement (no token): never
    a Refuted, and never wrong to refuse, since refusing only withholds a holds."""

    def __init__(self, draw, q: int, digits: int):
        super().__init__(draw, q ** digits)
        self.q, self.digits = q, digits
        n = self.p
        self._fact = [pow(math.factorial(k), -1, n) for k in range(digits)]
        self._recip = [0] + [pow(k, -1, n) for k in range(1, digits)]

    def _on_disc(self, a: int, what: str):
        if a % self.q:
            raise Unsupported(f"{what}'s argument is off the disc where the q-adic exponential converges")

    def exp(self, a: int) -> int:
        self._on_disc(a, "exp")
        n, out, power = self.p, 0, 1
        for k in range(self.digits):
            out = (out + power * self._fact[k]) % n
            power = power * a % n
        return out

    def log(self, x: int) -> int:
        q, n = self.q, self.p
        if x % q == 0:
            raise Unsupported("log's argument is not a unit modulo q (the q-adic logarithm has no value there)")
        z = (pow(x, q - 1, n) - 1) % n
        out, power = 0, z
        for k in range(1, self.digits):
            out = (out + (power if k % 2 else -power) * self._recip[k]) % n
            power = power * z % n
        return out * pow(q - 1, -1, n) % n

    def at(self, name: str, x: int) -> tuple:
        if name in ("sign", "sin", "cos") or name.startswith("root"):  # no law kept: RandomFunctions' own
            return super().at(name, x)
        table = self.tables.setdefault(name, {})
        got = table.get(x)
        if got is None:
            n = self.p
            if name == "exp":
                e = self.exp(x)
                got = (e, e, e)
            elif name == "log":
                got = (self.log(x), _inv(x, n, "log's argument"), -_inv(x * x, n, "log's argument") % n)
            elif name in ("tanh", "logistic"):
                e = self.exp(2 * x % n if name == "tanh" else x)
                r = (e - 1) * _inv(e + 1, n, "tanh") % n if name == "tanh" else e * _inv(1 + e, n, "logistic") % n
                got = self.RULES[name](r, n, x)
            elif name == "sigma":
                got = (self.q * self.draw() % n, self.draw(), self.draw())
            else:
                got = (self.draw(), self.draw(), self.draw())
            table[x] = got
        return got


#: digits of the lawful trial's q-adic numbers: q^K < 2⁶³ for q < 2¹², so nmod_mat holds them
LAWFUL_DIGITS = 5


def _random_functions(activation: str, rf: RandomFunctions) -> SimpleNamespace:
    if activation in ("abstract", "tanh", "logistic"):
        name = "sigma" if activation == "abstract" else activation
        s, ds = rf.elementwise(name, 0), rf.elementwise(name, 1)
    elif activation == "identity":
        s, ds = _elementwise([0, 1], [1], rf.p), _elementwise([1], [], rf.p)
    else:
        s = ds = _refuse(f"σ = {activation}")
    exp = rf.elementwise("exp", 0)
    return SimpleNamespace(sigma=s, dsigma=ds, tanh=rf.elementwise("tanh", 0), dtanh=rf.elementwise("tanh", 1),
                           logistic=rf.elementwise("logistic", 0), softmax=_softmax(exp, rf.p),
                           log=rf.elementwise("log", 0), exp=exp, sign=rf.elementwise("sign", 0),
                           sin=rf.elementwise("sin", 0), cos=rf.elementwise("cos", 0),
                           root=lambda r: rf.elementwise(root_name(r), 0))


def _hdeg(cs, xdeg):
    """The degree of the polynomial with coefficients ``cs`` at an argument of degree ``xdeg`` (Horner's rules)."""
    out = None
    for c in reversed(cs):
        out = _dadd(_dmul(out, xdeg), _cdeg(c))
    return out


def _elementwise(cs, dcs, p: int):
    def one(x: ModScalar) -> ModScalar:
        return ModScalar(_horner(cs, x.v, p), _horner(dcs, x.v, p) * x.d, p, _hdeg(cs, x.deg),
                         _dmul(_hdeg(dcs, x.deg), x.tdeg))

    def apply(v):
        if isinstance(v, ModMat):
            vals = [int(e) for e in v.val.entries()]
            out = _mat(v.rows, v.cols, [_horner(cs, x, p) for x in vals], p)
            tan = None
            if v.batched:
                tan = _rowscale(v.tan, [_horner(dcs, x, p) for x in vals], p)
            elif v.tan is not None:
                tan = _mat(v.rows, v.cols, [_horner(dcs, x, p) * int(d) for x, d in zip(vals, v.tan.entries())], p)
            return ModMat(out, tan, p, _hdeg(cs, v.deg), _dmul(_hdeg(dcs, v.deg), v.tdeg))
        if isinstance(v, ModScalar):
            return one(v)
        return one(ModScalar.const(v, p))

    return apply


class ModularModel:
    """The cell at sizes n, t, m over ℤ/p with every input an exact number (reduced), σ the witness polynomial.

    The protocol of :class:`~.model.ExactModel` (``m.h(k)``, ``m.at``, ``m.d``, ``m.partial``, parameters as
    attributes), each derivative one forward-mode run per column, on residues. The number types are class
    attributes and the few constructors below methods, so the same model runs on arb balls (:mod:`.balls`)."""

    Mat, Scalar = ModMat, ModScalar

    def _number(self, x):
        return residue(x, self.p)

    def _matrix(self, rows: int, cols: int, entries):
        return _mat(rows, cols, entries, self.p)

    def _zeros(self, rows: int, cols: int):
        return nmod_mat(rows, cols, self.p)

    def _eye(self, n: int):
        return _eye(n, self.p)

    def _view(self, seed) -> "_View":
        return _View(self, seed)

    def __init__(self, cell, *, n: int, t: int, m: int = 1, activation: str = "abstract", loss: str = "abstract",
                 layout: str = "row-major", witness=None, loss_witness=None, values: dict, p: int,
                 conventions: dict | None = None, random: RandomFunctions | None = None):
        for k, v in (("n", n), ("t", t), ("m", m)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise KernelError(f"size {k}={v!r} is not a positive integer")
        self.cell, self.n, self.t, self.m, self.p = cell, n, t, m, p
        if cell.loss is not None and loss in (None, "abstract", "cell"):
            loss = "cell"  # the cell's own loss (as the symbolic model and ExactModel read it)
        self.loss = "abstract" if loss is None else loss
        self.activation, self.layout, self.conventions = activation, layout, dict(conventions or {})
        self.values = values
        self.f = _functions(activation, witness, p) if random is None else _random_functions(activation, random)
        self._loss = None
        if cell.output is not None:
            if random is not None and self.loss == "abstract":
                q = random.elementwise("loss", 0)
                self._loss = lambda o, y: sum((q(a - b) for a, b in zip(o, y)), ModScalar.const(0, p))
            elif self.loss == "cell":  # the cell's own Python on residues, with this model's exp, log, softmax
                f = self.f
                self._loss = lambda o, y: cell.loss(ModMat.entries(len(o), 1, o, p), ModMat.entries(len(y), 1, y, p),
                                                    f)
            elif self.loss == "cross-entropy":  # −Σ_i y_i log o_i (model.loss_of), log this model's
                log = self.f.log
                self._loss = lambda o, y: -sum((b * log(a) for a, b in zip(o, y)), ModScalar.const(0, p))
            elif self.loss == "squared":
                self._loss = lambda o, y: sum(((a - b) * (a - b) for a, b in zip(o, y)), ModScalar.const(0, p)) \
                    * ModScalar.const(sp.Rational(1, 2), p)
            elif self.loss == "abstract" and loss_witness is not None:
                q, dq = _poly(loss_witness, 0), _poly(loss_witness, 1)
                self._loss = lambda o, y: sum((_elementwise(q, dq, p)(a - b) for a, b in zip(o, y)),
                                              ModScalar.const(0, p))
            elif self.loss != "abstract":
                raise Unsupported(f"loss={self.loss!r} has no value in ℤ/p")
        self._inputs: dict = {}
        self._runs: dict = {}
        self._partials: dict = {}  # (k, state, hold) → the step run with a batch of tangents (partial)
        self._directions_made: list = []  # the parameters' tangent matrices of ("direction", …) seeds
        self.params = SimpleNamespace(**{name: self.input(name, self.dim(r), self.dim(c))
                                         for name, (r, c) in cell.params.items()})
        bind_parameters(self, vars(self.params))

    #: reuse the plain run's steps before a seeded quantity's step and after its effect has settled (_settled);
    #: False only in tests, for the reference run that re-runs every step
    SHORTCUTS = True

    def dim(self, d) -> int:
        return dimension(d, n=self.n, m=self.m)

    def input(self, name: str, rows: int, cols: int = 1) -> ModMat:
        key = (name, rows, cols)
        if key not in self._inputs:
            out = []
            for i in range(rows):
                for j in range(cols):
                    e = entry_name(name, rows, cols, i, j)
                    if e not in self.values:
                        raise KernelError(f"the point gives no value for {e}")
                    out.append(self._number(self.values[e]))
            self._inputs[key] = self.Mat(self._matrix(rows, cols, out), None, self.p, VAR)  # each a variable
        return self._inputs[key]

    def _check_step(self, k, lo=0):
        if isinstance(k, bool) or not isinstance(k, int) or not lo <= k <= self.t:
            raise KernelError(f"step {k!r} is outside {lo}..{self.t}")

    def vector(self, name: str, rows="n"):
        return self.input(name, self.dim(rows))

    def x(self, k: int):
        self._check_step(k, lo=1)
        return self.input(f"x{k}", self.m)

    def y(self, k: int):
        self._check_step(k, lo=1)
        return self.input(f"y{k}", self.dim(self.cell.outputs))

    def initial(self, name: str):
        return self.input(f"{name}0", self.n)

    def like(self, cell, **changes):
        raise Unsupported("m.like(...) is not replayed over ℤ/p")

    def value(self, expr, **values):
        raise Unsupported("m.value(...) is not replayed over ℤ/p")

    # ----- running the cell ---------------------------------------------------
    def _unit(self, rows: int, cols: int, i: int, j: int) -> nmod_mat:
        M = self._zeros(rows, cols)
        M[i, j] = 1
        return M

    def _param_tangent(self, seed, name: str, P):
        """Parameter ``name``'s tangent along ``seed``: a unit at ("param", name, (a, b)), the matrix a direction
        names at ("direction", name, key) (:class:`_Derivative`), else none."""
        if seed is None or seed[1] != name:
            return None
        if seed[0] == "param":
            return self._unit(P.rows, P.cols, *seed[2])
        if seed[0] == "direction":
            return self._directions_made[seed[2]]
        return None

    def _direction_key(self, D: nmod_mat) -> int:
        """A key for the tangent matrix D of a parameter (seeds are dict keys; an nmod_mat is not hashable)."""
        self._directions_made.append(D)
        return len(self._directions_made) - 1

    def _run(self, seed=None) -> list[dict]:
        """Every step's quantities; ``seed``: ("param", name, (a, b)) or ("quantity", name, k, i)."""
        if seed in self._runs:
            return self._runs[seed]
        params = {name: self.Mat(P.val, self._param_tangent(seed, name, P), self.p, P.deg, CONST)
                  for name, P in vars(self.params).items()}
        plain = None if seed is None else self._run(None)
        state0 = {}
        for s in self.cell.state:
            v = self.initial(s)
            tan = self._unit(self.n, 1, seed[3], 0) if seed is not None and seed[0] == "quantity" \
                and seed[2] == 0 and seed[1] == s else None
            state0[s] = self.Mat(v.val, tan, self.p, v.deg, CONST)
        steps, start = [state0], 1
        if self.SHORTCUTS and seed is not None and seed[0] == "quantity" and seed[2] >= 1:
            steps, start = list(plain[:seed[2]]), seed[2]  # before the seed's step, the plain run's (no tangent)
        for k in range(start, self.t + 1):
            ov = {}
            if seed is not None and seed[0] == "quantity" and seed[2] == k:
                v = plain[k][seed[1]]
                ov[seed[1]] = self.Mat(v.val, self._unit(v.rows, 1, seed[3], 0), self.p, v.deg, CONST)
            steps.append(self._step(k, {s: steps[-1][s] for s in self.cell.state}, params, ov))
            if seed is not None and seed[0] == "quantity" and self._settled(steps[-1], k, seed[2]):
                steps += plain[k + 1:]
                break
        self._runs[seed] = steps
        return steps

    # Matrix-level forward mode. A derivative w.r.t. a state (or any column quantity) has one column per entry of
    # it; instead of one run per column, one run carries them all: the seed's tangent is the identity (rows × rows),
    # and every value's tangent is rows × D, each column the tangent one run per column would compute (the same
    # linear maps, on the same values: the plain run's). Where the cell or the check does something a batch does
    # not carry (ModMat raises _Unbatchable), the derivative is taken column by column as before.
    def _seed_batch(self, v: ModMat) -> ModMat:
        if v.cols != 1:
            raise _Unbatchable("a seed that is not a column")
        return self.Mat(v.val, self._eye(v.rows), self.p, v.deg, CONST)

    def _run_batched(self, name: str, j: int) -> list[dict]:
        """Every step's quantities, with tangents along every entry of quantity ``name`` at step ``j``."""
        key = ("batch", name, j)
        if key in self._runs:
            return self._runs[key]
        plain = self._run(None)
        params = {pn: self.Mat(P.val, None, self.p, P.deg) for pn, P in vars(self.params).items()}
        if j == 0:
            steps = [{s: self._seed_batch(v) if s == name else v for s, v in plain[0].items()}]
        else:
            steps = list(plain[:j])  # before step j nothing depends on the seed: the plain run's values
        for k in range(max(j, 1), self.t + 1):
            ov = {name: self._seed_batch(plain[k][name])} if k == j else {}
            steps.append(self._step(k, {s: steps[-1][s] for s in self.cell.state}, params, ov))
            if self._settled(steps[-1], k, j):
                steps += plain[k + 1:]
                break
        self._runs[key] = steps
        return steps

    def _settled(self, step: dict, k: int, j: int) -> bool:
        """After the seed's step j, a step whose state carries no tangent ends what depends on the seed (a seeded
        quantity, not a parameter: the later steps read only that state, the parameters and the inputs), so the
        plain run's later steps are the seeded run's."""
        return self.SHORTCUTS and j <= k < self.t and all(step[s].tan is None for s in self.cell.state)

    def _block(self, v, width: int) -> ModMat:
        """The Jacobian block of a batched value: its tangent (rows × width), or zeros where it has none."""
        v = self._as(v)
        if v.cols != 1:
            raise _Unbatchable("a value that is not a column")
        if v.tan is None:
            return self.Mat(self._zeros(v.rows, width), None, self.p, None)
        if v.tan.ncols() != width:
            raise _Unbatchable("a tangent that is not the batch")
        return self.Mat(v.tan, None, self.p, v.tdeg)

    def _quantity(self, v):
        """A step's quantity: its matrix, built (a state that is a linear map of the last one would nest t deep)."""
        v = self._as(v)
        return ModMat(v.val, None, self.p, v.deg) if isinstance(v, Operator) else v

    def _as(self, v):
        if isinstance(v, (int, sp.Basic, self.Scalar)) and not isinstance(v, sp.MatrixBase):
            return self.Mat.entries(1, 1, [v], self.p)
        return self.Mat.of(v, self.p)

    def _with_active(self, fn, *args):
        """fn(*args) with this model's functions active (_ACTIVE): a derivative's column is computed when projected,
        after sides() returned, and its |·|, max and min read this model's sign function."""
        _ACTIVE.append(self.f)
        try:
            return fn(*args)
        finally:
            _ACTIVE.pop()

    def _step(self, k, prev: dict, params: dict, overrides: dict) -> dict:
        scope = StepScope(overrides, self._quantity)
        x = self.x(k) if entry_name(f"x{k}", self.m, 1, 0, 0) in self.values else \
            _Unbound(f"x{k}", (self.m, 1))  # a cell that never reads its input needs no value for it
        # a replay may run after sides() returned (project): its |·|, max and min read this model's sign
        q = self._with_active(lambda: self.cell.call(scope, SimpleNamespace(**prev), x, SimpleNamespace(**params),
                                                     self.f, y=lambda: self.y(k), k=k, n=self.n, m=self.m, t=self.t))
        missing = [s for s in self.cell.state if s not in q]
        if missing:
            raise KernelError(f"cell {self.cell.name!r} does not assign its state {missing}")
        if self.cell.output is not None and self.Mat is ModMat:
            # o_k built when read (a claim about h alone applies no softmax), then E_k from it
            if "o" in overrides:
                q["o"] = overrides["o"]
            else:
                q["o"] = _Deferred(lambda q=q: self._as(self.cell.output(SimpleNamespace(**q),
                                                                          SimpleNamespace(**params), self.f)))
            if self._loss is not None:
                q["E"] = _Lazy(lambda k=k, q=q: self._loss(list(_get(q, "o", k)), list(self.y(k))))
        elif self.cell.output is not None:
            try:
                setattr(scope, "o", self.cell.output(SimpleNamespace(**q), SimpleNamespace(**params), self.f))
                if self._loss is not None:  # evaluated when read: a claim about h alone needs no y_k
                    q["E"] = _Lazy(lambda o=q["o"], k=k: self._loss(list(o), list(self.y(k))))
            except KernelError:
                pass
            except _Unbatchable as e:  # a batched run: o and E only if read (then column by column)
                q["o"] = q["E"] = _NoBatch(str(e))
        return q

    def at(self, name: str, k: int):
        self._check_step(k)
        return _get(self._run()[k], name, k)

    def h(self, k: int):
        return self.at("h", k)

    def o(self, k: int):
        return self.at("o", k)

    def E(self, k: int):
        return self.at("E", k)[0, 0]

    def states(self, name: str = "h", lo: int = 1):
        parts = [self.at(name, k) for k in range(lo, self.t + 1)]
        return parts[0].vstack(*parts[1:])

    def sigma(self, v):
        return self.f.sigma(v)

    def dsigma(self, v):
        return self.f.dsigma(v)

    def sum_of(self, name: str, lo: int = 1, hi: int | None = None):
        return SumOf(name, lo, hi)

    # ----- derivatives by forward mode ----------------------------------------
    def _layout(self, layout):
        stated = self.conventions.get("layout")
        if layout is not None and stated is not None and layout != stated:
            raise KernelError(f"layout={layout!r} disagrees with the claim's layout={stated!r}")
        return layout or self.layout

    def _directions(self, wrt, layout: str):
        if isinstance(wrt, str) and wrt in self.cell.params:
            P = getattr(self.params, wrt)
            r, c = P.shape
            order = entry_order(r, c, layout)
            return [("param", wrt, ab) for ab in order]
        if isinstance(wrt, str):
            wrt = (wrt, 0)
        if not (isinstance(wrt, tuple) and len(wrt) == 2):
            raise KernelError(f"wrt={wrt!r} must be a parameter or a quantity (name, k)")
        name, j = wrt
        self._check_step(j)
        rows = self.at(name, j).rows
        return [("quantity", name, j, i) for i in range(rows)]

    def _operators(self, seeds) -> bool:
        """Is a derivative along these seeds an Operator (w.r.t. a parameter, over ℤ/p: not in balls)?"""
        return OPERATORS and self.Mat is ModMat and bool(seeds) and seeds[0][0] == "param"

    def _column(self, v) -> "_Col":
        v = self._as(v)
        if v.cols != 1 and v.rows != 1:
            raise KernelError(f"can only differentiate a vector or a scalar, not a {v.rows}×{v.cols} matrix")
        return _Col([int(e) for e in v.tangent().entries()], v.tdeg)

    def _hstack(self, cols: list) -> ModMat:
        rows = len(cols[0]) if cols else 0
        return ModMat(_mat(rows, len(cols), [cols[j][i] for i in range(rows) for j in range(len(cols))], self.p),
                      None, self.p, _dmax([getattr(c, "deg", UNB) for c in cols]))

    def d(self, of, wrt, *, layout: str | None = None):
        layout = self._layout(layout)
        seeds = self._directions(wrt, layout)
        if callable(of) and not isinstance(of, (tuple, sp.Basic, sp.MatrixBase)):
            column = lambda s: self._column(self._with_active(of, self._view(s)))  # noqa: E731
            # the plain run of ``of`` first, always: it meets (without tangent) every argument of a random function
            # that the seeded runs meet with one (RandomFunctions.sites counts only the former)
            rows = len(self._column(of(self._view(None))))
            if self._operators(seeds):
                return _Derivative(self, column, seeds, wrt, rows)
            return self._hstack([column(s) for s in seeds])
        if not isinstance(of, tuple):
            raise Unsupported("m.d of an expression is replayed by the kernel's jets, not over ℤ/p")
        name, k = of
        self._check_step(k)
        # the plain value first, always (a deferred output o_k, a loss E_k: its random functions' arguments counted)
        rows = len(self._column(_get(self._run()[k], name, k)))
        if self._operators(seeds):
            return _Derivative(self, lambda s: self._column(_get(self._run(s)[k], name, k)), seeds, wrt, rows)
        if seeds and seeds[0][0] == "quantity":
            try:
                return self._block(_get(self._run_batched(seeds[0][1], seeds[0][2])[k], name, k), len(seeds))
            except _Unbatchable:
                pass
        return self._hstack([self._column(_get(self._run(s)[k], name, k)) for s in seeds])

    def partial(self, of, wrt, *, hold=(), layout: str | None = None):
        layout = self._layout(layout)
        name, k = of
        self._check_step(k, lo=1)
        plain = self._run()
        hold = (hold,) if isinstance(hold, str) else tuple(hold)
        for h in hold:
            if h not in plain[k] or h == name:
                raise KernelError(f"hold={h!r} is not another quantity of step {k}")
        held = {h: self.Mat(plain[k][h].val, None, self.p, plain[k][h].deg) for h in hold}
        _get(plain[k], name, k)  # the plain value first (as in d)
        if isinstance(wrt, str) and wrt in self.cell.params:
            seeds = self._directions(wrt, layout)
        elif isinstance(wrt, tuple) and wrt[0] in self.cell.state and wrt[1] == k - 1:
            seeds = [("quantity", wrt[0], k - 1, i) for i in range(plain[k - 1][wrt[0]].rows)]
        else:
            raise KernelError(f"an explicit partial of step {k} is taken w.r.t. a parameter or the previous state")
        if seeds and seeds[0][0] == "quantity":
            try:
                key = (k, wrt[0], hold)
                q = self._partials.get(key)
                if q is None:
                    params = {pn: self.Mat(P.val, None, self.p, P.deg) for pn, P in vars(self.params).items()}
                    prev = {s: self._seed_batch(v) if s == wrt[0] else self.Mat(v.val, None, self.p, v.deg)
                            for s, v in ((s, plain[k - 1][s]) for s in self.cell.state)}
                    q = self._partials[key] = self._step(k, prev, params, dict(held))
                return self._block(_get(q, name, k), len(seeds))
            except _Unbatchable:
                pass
        def column(seed):
            params = {pn: self.Mat(P.val, self._param_tangent(seed, pn, P), self.p, P.deg, CONST)
                      for pn, P in vars(self.params).items()}
            prev = {}
            for s in self.cell.state:
                v = plain[k - 1][s]
                tan = self._unit(v.rows, 1, seed[3], 0) if seed[0] == "quantity" and seed[1] == s else None
                prev[s] = self.Mat(v.val, tan, self.p, v.deg, CONST)
            q = self._step(k, prev, params, dict(held))
            return self._column(_get(q, name, k))

        if self._operators(seeds):
            return _Derivative(self, column, seeds, wrt, len(self._column(_get(plain[k], name, k))))
        return self._hstack([column(seed) for seed in seeds])


class _Col(list):
    """A derivative's column (residues) and ``deg``, its tangent's degree."""

    def __init__(self, xs, deg):
        super().__init__(xs)
        self.deg = deg


class _NoBatch:
    """A step's o and E in a batched run whose output a batch does not carry: reading them runs column by column."""

    def __init__(self, why: str):
        self.why = why


class _Lazy:
    """A step's loss E_k, evaluated the first time it is read (the point then needs y_k)."""

    def __init__(self, make):
        self.make = make


class _Deferred(_Lazy):
    """A step's output o_k, evaluated the first time it is read."""


def _get(q: dict, name: str, k: int):
    if name not in q:
        raise KernelError(f"step {k} has no quantity {name!r}")
    v = q[name]
    if isinstance(v, _NoBatch):
        raise _Unbatchable(v.why)
    if isinstance(v, _Deferred):
        v = q[name] = v.make()
    elif isinstance(v, _Lazy):
        v = q[name] = _as_scalar_mat(v.make())
    return v


def _as_scalar_mat(v):
    if isinstance(v, ModMat):
        if v.shape != (1, 1):
            raise KernelError(f"a loss is a scalar, not a {v.rows}×{v.cols} matrix")
        return v
    if not isinstance(v, ModScalar):
        raise KernelError(f"a loss is a number over ℤ/p, not a {type(v).__name__}")
    return ModMat.entries(1, 1, [v], v.p)


class _View(_ModelFace):
    """The model along one seeded direction, for a function of the model (a total loss)."""

    def __init__(self, model: ModularModel, seed):
        self._model, self._steps = model, model._run(seed)
        self.n, self.t, self.m, self.f, self.layout, self.cell = model.n, model.t, model.m, model.f, \
            model.layout, model.cell
        for pn, P in vars(model.params).items():
            setattr(self, pn, model.Mat(P.val, model._param_tangent(seed, pn, P), model.p, P.deg, CONST))

    def at(self, name, k):
        self._model._check_step(k)
        return _get(self._steps[k], name, k)


# ----- the refutation ------------------------------------------------------------------------------------------


def sides(claim, size: dict, values: dict, witness, loss_witness, p: int,
          random: RandomFunctions | None = None) -> tuple[ModMat, ModMat]:
    """The claim's two sides at the point, over ℤ/p (values only); ``random``: σ and the rest random functions."""
    if claim.model is None:
        raise Unsupported("the modular refutation covers claims about a model")
    model = ModularModel(claim.model, n=size.get("n", 1), t=size.get("t", 1), m=size.get("m", 1),
                         activation=claim.activation, loss=claim.loss,
                         layout=claim.conventions.get("layout", "row-major"), witness=witness,
                         loss_witness=loss_witness, values=values, p=p, conventions=claim.conventions,
                         random=random)
    _ACTIVE.append(model.f)  # the notation's softmax and the sign of |·|, max, min read this model's functions
    try:
        with literal():  # the kernel reads the check as Python does (notation.literal)
            out = two_sides(claim.check(model))
            # a derivative is evaluated here (m.d(("h", t), "W") replays the cell, a function of the model runs
            # again): its |·|, max and min read the same model's sign (an empty _ACTIVE refused them)
            lhs, rhs = (model._as(s) for s in out)
    finally:
        _ACTIVE.pop()
    same_shape(lhs.shape, rhs.shape)
    return lhs, rhs


def verify_modular(claim, cert):
    """Does the certificate refute the identity ``claim`` by a residue modulo its prime? (module docstring)"""
    from .check import Verification, _loss_witness, _rational, _size, _witness

    try:
        size = _size(claim, cert)
        p = cert.modulus
        if isinstance(p, bool) or not isinstance(p, int) or p < MIN_MODULUS or p >= 2 ** 64 \
                or not fmpz(p).is_prime():
            raise KernelError(f"the modulus {p!r} is not a prime in [2^31, 2^64)")
        witness = _witness(claim, cert.sigma)
        loss = _loss_witness(claim, getattr(cert, "loss", None))
        values = {name: _rational(name, v) for name, v in cert.point.items()}
        lhs, rhs = sides(claim, size, values, witness, loss, p)
        if cert.entry is None or len(cert.entry) != 2:
            raise KernelError("the certificate names no entry")
        i, j = cert.entry
        if not (0 <= i < lhs.rows and 0 <= j < lhs.cols):
            raise KernelError(f"entry {tuple(cert.entry)} is outside the {lhs.rows}×{lhs.cols} sides")
        a, b = int(lhs.val[i, j]), int(rhs.val[i, j])
    except KernelError as e:
        return Verification(False, str(e))
    except Exception as e:  # the check itself raised at the point: not a refutation
        return Verification(False, f"the check does not run over ℤ/p at the point: {type(e).__name__}: {e}")
    for name, mine, recorded in (("lhs", a, cert.lhs), ("rhs", b, cert.rhs)):
        if recorded and recorded != f"≡ {mine} (mod {p})":  # the verdict rests on the residues recomputed here
            return Verification(False, f"recorded {name} {recorded!r} is not the recomputed ≡ {mine} (mod {p})")
    if a == b:
        return Verification(False, f"both sides are equal modulo {p} at the point")
    bits = max([1] + [max(abs(int(v.p)), int(v.q)).bit_length() for v in values.values()])
    reason = (f"lhs − rhs ≡ {(a - b) % p} ≢ 0 (mod {p}) at entry {tuple(cert.entry)}, so the exact rational value "
              f"there is not 0 (truth by forward mode over ℤ/p, the image of ℚ's forward mode: every input a "
              f"rational of ≤ {bits} bits, σ a polynomial with integer coefficients)")
    return Verification(True, reason, _issue(Refuted, claim.id, size, IDENTITY, reason))


def _guard_text_of_values():
    from ..concrete import guard_value_text

    guard_value_text(ModScalar, ModMat)


_guard_text_of_values()
