"""√, |·| and a sign the domain fixes: the kernel's bounded check of an identity that uses them (free variables).

Why this is needed. The kernel confirms an identity by evaluating it at a random point and bounds its error by
Schwartz–Zippel (:mod:`.random_check`): lhs − rhs read as a rational function of the draws. With √a or |u| of the
random values the sides are not rational functions, and a sign-dependent slip (|x| → x, √(λ²v) → λ√v for λ of
either sign) agrees with the truth on a whole orthant: no error bound, and the token trusted ``accept.UNBOUNDED``.
Here the kernel decides such an identity formally instead, by its own reading of the check.

The reading (the degree run, every entry of every free variable a fresh variable xᵢ, with this module's
:class:`Formal` in force, ``free.FORMAL``). Where the check takes |u| or a power a^(k/2) (k odd: √a, 1/√a, a^(3/2)) of
a value of the xᵢ, the kernel factors u (resp. a) over ℚ into c·Π fᵢ^eᵢ / Π gⱼ^dⱼ (SymPy's factor_list, each
factorization checked by expanding it back: a wrong factorization is refused, never used) and writes:

* |f| = f where the domain fixes f ≥ 0, −f where it fixes f ≤ 0, else ε_f·f with ε_f a sign variable of its own
  (one per factor, up to its sign: |−f| is ε_f·(−f)·(−1)·(−1)). The domain fixes a sign only by what the claim
  declares, checked here, never by the point: f is a variable declared positive (negative) by the claim
  (``scalar(positive=True)``), or every monomial of f has even exponents and a positive coefficient (a sum of
  squares: f ≥ 0 everywhere). A factor with an even exponent needs no sign (|f|² = f²);
* √a = √|c|·Π |fᵢ|^⌊eᵢ/2⌋·Π |gⱼ|^−⌈dⱼ/2⌉·Π_h s_{σ_h·h}·s_C: each factor h of odd exponent whose sign σ_h the
  domain fixes (as above) gets a radical of its own, s_{σh}² = σ_h·h (≥ 0 on the domain: √(ab) = √a·√b for
  a, b > 0), and the others one together, s_C² = C = sign(c)·Π σ_h·Π of the other odd factors (a polynomial,
  canonical as expanded); √|c| (a rational) is an algebraic constant √r, itself read as a variable s_r with
  s_r² = r.

So each side becomes a rational expression in the xᵢ, the s (with their relations s² = C) and the ε. For a sign
pattern ε ∈ {±1}^m of the m sign variables, write lhs − rhs = N_ε/M_ε as the expression tree gives it (a + b over
the common denominator, a·b, integer powers: N and M polynomials in x and s), and reduce N_ε modulo the relations
s_j² − C_j(x): the result Σ_S A_S(x)·Π_{j∈S} s_j (multilinear in the s) is N's normal form (the relations' leading
terms s_j² are pairwise coprime, so they are a Gröbner basis: N_ε ∈ (s_j² − C_j) iff every A_S = 0).

Soundness: every coordinate zero for every pattern proves the claim. Let x₀ be a point of the claim's domain
where both sides are defined (every root's argument ≥ 0, every divisor ≠ 0, and no |·| at a kink, which the kernel
refuses anyway). Let ε₀ be the signs of the sign variables' factors at x₀ (a declared or sum-of-squares sign is
the one the domain gives there). The map x ↦ x₀, ε ↦ ε₀, s_C ↦ √C(x₀) is a ring homomorphism from ℚ[x, s] that
sends each s_C² − C to 0 (√C(x₀)² = C(x₀); each σ_h·h(x₀) ≥ 0 by the domain, and the joint C(x₀) ≥ 0: the root's
argument over a square and those factors, so the product of the real roots is the root's value; where one of
those factors is 0 the root is 0 and so is its reading, whatever root of C(x₀) the map takes), and every
node of the expression tree to the true run's value at x₀ (|f|(x₀) = ε₀·f(x₀), √a(x₀) = the product above, the
factorizations being exact), so M_ε₀(x₀) is a product of the run's own divisors there: ≠ 0. If N_ε₀ reduces to 0 it
lies in the ideal of the relations, so N_ε₀(x₀, √C(x₀)) = 0 and lhs = rhs at x₀. The kernel checks every pattern
of the sign variables that are not fixed (2^m of them, m ≤ MAX_SIGNS), so ε₀ is among them, whatever x₀.
(The tree may divide where the numeric run does not: Gaussian elimination picks its pivots on values, and the
symbolic pivot may vanish at x₀. The sides are continuous on the open part of the domain, so lhs ≠ rhs at x₀
gives lhs ≠ rhs at a point x₁ near it where no divisor of the tree vanishes and no sign variable's factor changes
sign; take x₁ for x₀. That needs each divisor not to vanish on a whole open set: a symbolic pivot that is 0 at
every point (|a|² − a², read ε²a² − a²; (a + 1)² − a² − 2a − 1, never expanded) makes N and M both 0 there, and
N's reduction to 0 then says nothing. So the kernel also requires M_ε, the product of the tree's divisors, to be
invertible in ℚ[s]/(s_j² − C_j(x*)) at its random point for every pattern (its norm, the product of its
conjugates s_j ↦ ±s_j, a polynomial in x that vanishes wherever one conjugate does on an open set, is ≠ 0 at x*),
else it bounds nothing. So what the check proves is the identity on the interior of the domain, as the normal form
does: a claim whose sides have values only on a set without interior, such as √(−x²), is not covered, and the
kernel's numeric points, drawn first, find no value there and issue no token.)

The error (one random point for all patterns). The kernel evaluates each A_S at one random point x* (each xᵢ
uniform in [0, 2¹²⁸) with a random sign), in ℚ[s]/(s_j² − C_j(x*)): reduction commutes with x ↦ x*, since the
relations are monic in the s. A false claim fails at some x₀ in some pattern ε₀'s region, so N_ε₀ does not reduce
to 0 (above): some A_S ≠ 0, and it vanishes at x* with probability ≤ deg A_S·2⁻¹²⁸ (Schwartz–Zippel; a uniform
magnitude with a random sign has no point of probability above 2⁻¹²⁸). deg A_S is bounded without expanding
(:func:`weighted_degree`): x has weight 2, s_C weight deg C (doubled units: s_C is "half" of C), ε weight 0; the
tree's bound n for N is a bound on the weighted degree of N; reducing s_C² → C keeps it; so 2·deg A_S ≤ n and
E = max over the entries of ⌊n/2⌋ bounds the error E·2⁻¹²⁸, whatever pattern failed. A pattern whose coordinates
are not all 0 at x* is no refutation (it may be a pattern no point of the domain has: the kernel cannot tell), so
the kernel then bounds nothing (its token keeps trusting ``accept.UNBOUNDED``, as before): only completeness is
lost, e.g. a radicand that is a square of a factor whose sign the domain does not fix and that the claim needs
to be positive.

A model's values (``Formal(models=True)``, branch absdec). The degree run of a claim about a model reads |u|, max
and min of the model's values the same way, wherever they are taken (a ReLU cell's step through the dual numbers'
forward mode, the check's own ``applyfunc(sp.Abs)`` on the sides: random_check._read_signs): |u| = S·u with S the
sign read above (a sign variable per factor of u whose sign is not fixed), max(a, b) = (a + b + S·(a − b))/2 and
min(a, b) = (a + b − S·(a − b))/2 with S that of a − b (folded left for more arguments), and the tangent alike
(d|u| = S·du: the numeric run refuses a derivative at a kink). A value u that holds a sign variable itself (a ReLU
cell's next step z_{t+1} = W·max(0, z_t) + …) is not factored: it gets one sign variable of its own, shared by u and
−u (sign(−u) = −sign(u)). The run's other variables are the inputs and σ's values at each argument (a fresh
variable per formally distinct argument; tanh's r with its derivatives polynomials in r); a value of the logistic
function or of exp is declared positive (their true ranges, random_check.POSITIVE).
Why every pattern zero proves the claim: at a point x₀ (inputs, and σ, σ′, σ″ any values at the arguments the true
run meets, identified where two arguments are equal there), map each variable to its value there and each sign
variable to the sign of its factor (or value) there (either sign where it is 0: |0| = 0 = ±0, and max and min at a
tie have one value). That is a ring homomorphism under which every node of the reading is the true run's value
(|u| = sign(u)·u; max and min as above), and it sends S² − 1 to 0: a coordinate of N reduced by S² = 1 that is 0 as
a polynomial is 0 there, so lhs = rhs at x₀ (the denominators: as above, M invertible at the random point for every
pattern). Reading σ at two formally distinct arguments as independent variables only proves more (the true run is
that reading with some variables identified); so does checking a pattern that no point realizes (S for z and S′
for σ(z)·z, whose signs are tied, are checked in all four combinations): such a pattern can only make the check
fail, never make a false claim pass. The error is as above (one random point, uniform 128-bit magnitudes with a
random sign, for every variable of the run: E = ⌊n/2⌋ of the weighted degree, sign variables weight 0); no
collision term, since the formal check evaluates the reading itself, not the numeric run. Not read: sign(u) and
Heaviside(u) (not continuous at u = 0: sign(0) = 0 is not ±1, so sign(z)² = 1 would pass), which stop the bound as
before (the token keeps trusting UNBOUNDED); more than MAX_SIGNS sign variables likewise.

What the reading refuses (the degree stays unbounded, the token trusts UNBOUNDED as before): a root of a value
holding a root or a sign variable (nested; a model's value holding a sign variable gets its own, above), a rational
power other than k/2, more than MAX_SIGNS sign variables, a random function (σ) of free variables, exp or log in
the sides, max and min of the random values of free variables.

Trusted, as everywhere in the kernel: SymPy's exact arithmetic (here: together, fraction, factor_list, expand on
polynomials with rational coefficients; the factorizations are checked by expansion).
"""
from __future__ import annotations

import itertools
import random

import sympy as sp

from .dual import KernelError

#: the most sign variables whose patterns the kernel enumerates (2^MAX_SIGNS evaluations of each entry)
MAX_SIGNS = 8
#: a model's values: the most sign variables in all (each entry is split on its own, at most MAX_SIGNS of them)
MAX_MODEL_SIGNS = 4096
#: the most radicals one entry may hold (an element of ℚ[s]/(s² − C) has 2^k coordinates)
MAX_ROOTS = 8
#: the kernel's draws, as random_check.BITS
BITS = 128
#: the largest value (nodes of its expression tree; terms once expanded) whose root or modulus the kernel factors:
#: beyond, the reading is refused (the error stays unbounded) rather than spend the claim's budget factoring
MAX_NODES = 4000
MAX_TERMS = 20000


class Refused(KernelError):
    """The formal reading does not reach this value (the error stays unbounded)."""


class Formal:
    """The degree run's reading of |·| and √ (see the module docstring): sign variables and radicals, each made
    once per canonical factor (radicand), with what the domain declares."""

    def __init__(self, symbols: set, models: bool = False):
        #: a model's values (sign split of |·|, max and min of them: "A model's values" in the module docstring):
        #: the dual numbers read |·| through this reading too, and a value that holds a sign variable gets one of
        #: its own (nested)
        self.models = models
        self.declared: dict = {}  # a variable of the run -> its declared sign (±1)
        self.touched = False      # whether a sign was read at all (one the domain fixes too: |logistic| = logistic)
        self.signs: dict = {}     # canonical factor f -> its sign variable ε_f
        self.roots: dict = {}     # canonical radicand C (expanded) -> its variable s_C
        self.radicand: dict = {}  # s_C -> C
        self._memo: dict = {}
        # the degree run's set of its variables (random_check._Fresh.symbols): the xᵢ, and the s and ε made here,
        # which are added to it so that the run's dual numbers and jets hold them as values
        self.symbols = symbols
        self.own: set = set()
        #: why the reading was refused, if it was: a check that catches the exception and goes on computes
        #: something else than the numeric run, so a refusal anywhere leaves the degree unbounded (random_check)
        self.refused: str | None = None

    def _refuse(self, why: str):
        self.refused = self.refused or why
        return Refused(why)

    @property
    def variables(self) -> set:
        """The xᵢ: the run's variables but the s and ε."""
        return self.symbols - self.own

    def _new(self, name: str):
        v = sp.Dummy(name)
        self.own.add(v)
        self.symbols.add(v)
        return v

    @property
    def used(self) -> bool:
        return bool(self.signs or self.roots)

    def declare(self, x, sign: int) -> None:
        """The claim declares the variable x > 0 (sign 1) or < 0 (−1)."""
        self.declared[x] = 1 if sign > 0 else -1

    # ----- the reading ------------------------------------------------------------------------------------------

    def _factored(self, e):
        """e = c·Π f^k / Π g^l over ℚ: (c, [(f, k)], [(g, l)]), each factor primitive with a positive leading
        coefficient, checked by expansion. Refused where e holds a sign variable or a radical."""
        e = sp.sympify(e)
        if e.free_symbols & (set(self.signs.values()) | set(self.radicand)):
            raise self._refuse("a root or |·| of a value holding a root or a sign (nested)")
        if not e.free_symbols <= self.variables:
            raise self._refuse("a root or |·| of a value that is not a function of the run's variables")
        if e.has(sp.Function) or any(p.is_Pow and not p.exp.is_Integer for p in sp.preorder_traversal(e)
                                     if isinstance(p, sp.Basic)):
            raise self._refuse("a root or |·| of a value holding a function or a root")
        if any(k > MAX_NODES for k, _ in enumerate(sp.preorder_traversal(e))):
            raise self._refuse(f"a root or |·| of a value of more than {MAX_NODES} nodes (not factored)")
        gens = sorted(e.free_symbols, key=sp.default_sort_key)
        num, den = sp.fraction(sp.together(e))
        if any(len(sp.Add.make_args(sp.expand(part))) > MAX_TERMS for part in (num, den)):
            raise self._refuse(f"a root or |·| of a value of more than {MAX_TERMS} terms (not factored)")
        out = []
        c = sp.Integer(1)
        for part, sign in ((num, 1), (den, -1)):
            coeff, facs = _factor_list(sp.expand(part), gens)
            fixed = []
            for f, k in facs:
                f = sp.expand(f)
                lc = sp.Poly(f, *gens).LC()
                if lc < 0:
                    f, coeff = sp.expand(-f), coeff * (-1) ** k
                fixed.append((f, k))
            if sp.expand(coeff * sp.Mul(*[f ** k for f, k in fixed]) - sp.expand(part)) != 0:
                raise self._refuse("a factorization the kernel could not check")  # never used unchecked
            c = c * coeff if sign > 0 else c / coeff
            out.append(fixed)
        if not c.is_Rational or c == 0:
            raise self._refuse("a root or |·| of a value with an irrational or zero constant")
        return sp.Rational(c), out[0], out[1]

    def sign_of(self, f):
        """|f| for an irreducible factor f: f or −f where the domain fixes its sign, else ε_f·f (sign(f)·f)."""
        s = self.fixed_sign(f)
        if s is not None:
            return s * f
        eps = self.signs.get(f)
        if eps is None:
            if len(self.signs) >= (MAX_MODEL_SIGNS if self.models else MAX_SIGNS):
                raise self._refuse(f"more than {MAX_SIGNS} factors whose sign the domain does not fix")
            eps = self.signs[f] = self._new(f"eps{len(self.signs)}")
        return eps * f

    def sign(self, u):
        """sign(u) for a value u of the run (u ≠ 0): sign(c)·Π over the factors of odd exponent of their sign (±1
        where the domain fixes it, else ε_f), so that |u| = sign(u)·u, a constant on each pattern's region."""
        try:
            return self._sign(u)
        except Exception as e:  # SymPy's own errors too: recorded, so that a check that catches them gets no bound
            self.refused = self.refused or f"{type(e).__name__}: {str(e)[:80]}"
            raise

    def _sign(self, u):
        self.touched = True  # |·|, max or min read here (a sign the domain fixes included)
        got = self._memo.get(("sign", u))
        if got is None and self.models and sp.sympify(u).free_symbols & set(self.signs.values()):
            got = self._memo[("sign", u)] = self._nested(sp.sympify(u))
        if got is None:
            c, num, den = self._factored(u)
            got = sp.Integer(1 if c > 0 else -1)
            for f, k in num + den:
                if k % 2:
                    got = got * self.sign_of(f) / f
            got = self._memo[("sign", u)] = sp.expand(got)
        return got

    def _nested(self, u):
        """sign(u) for a value u that holds sign variables (a ReLU cell's next step, |max(0, z) − h|): one sign
        variable for u as a whole, up to its sign (u and −u share it: sign(−u) = −sign(u)), never factored. Sound as
        every sign variable is: on each point's pattern it is the sign of u there ("A model's values")."""
        if u.free_symbols & set(self.radicand):
            raise self._refuse("|·| of a value holding a root (nested)")
        if len(u.free_symbols & set(self.signs.values())) >= MAX_SIGNS:
            # an entry holding |u| would hold more than MAX_SIGNS sign variables: no pattern split (and a ReLU cell's
            # next steps would only grow: each holds every earlier sign), so stop here, before they are built
            raise self._refuse(f"|·| of a value holding {MAX_SIGNS} or more sign variables")
        if not u.free_symbols <= self.symbols:
            raise self._refuse("|·| of a value that is not a function of the run's variables")
        flip = u.could_extract_minus_sign()
        key = ("whole", sp.expand(-u if flip else u))
        eps = self.signs.get(key)
        if eps is None:
            if len(self.signs) >= MAX_MODEL_SIGNS:
                raise self._refuse(f"more than {MAX_SIGNS} factors whose sign the domain does not fix")
            eps = self.signs[key] = self._new(f"eps{len(self.signs)}")
        return -eps if flip else eps

    def root(self, a):
        """√a for a value a of the run: √|c|·Π |f|^⌊k/2⌋·Π |g|^−⌈l/2⌉·s_C, s_C² = C (module docstring)."""
        got = self._memo.get(("root", a))
        if got is None:
            got = self._memo[("root", a)] = self._root(a)
        return got

    def fixed_sign(self, f) -> int | None:
        """The sign the domain fixes for the factor f (declared, or a sum of even monomials: ≥ 0), else None."""
        s = self.declared.get(f)
        if s is None:
            terms = sp.Poly(f, *sorted(f.free_symbols, key=sp.default_sort_key)).terms()
            if terms and all(c > 0 and all(k % 2 == 0 for k in m) for m, c in terms):
                s = 1  # a sum of even monomials with positive coefficients: ≥ 0 everywhere
        return s

    def _radical(self, C):
        """s_C with s_C² = C (one per canonical radicand)."""
        C = sp.expand(C)
        s = self.roots.get(C)
        if s is None:
            if len(self.roots) >= MAX_ROOTS:
                raise self._refuse(f"more than {MAX_ROOTS} radicals")
            s = self.roots[C] = self._new(f"s{len(self.roots)}")
            self.radicand[s] = C
        return s

    def _root(self, a):
        c, num, den = self._factored(a)
        out = sp.sqrt(abs(c))  # an algebraic constant (read as a radical of its own by the check)
        rest = sp.Integer(-1 if c < 0 else 1)
        odd = []
        for f, k in num:
            if k // 2:
                out = out * self.sign_of(f) ** (k // 2)
            if k % 2:
                odd.append(f)
        for g, l in den:
            out = out / self.sign_of(g) ** ((l + 1) // 2)
            if l % 2:
                odd.append(g)
        for f in odd:
            s = self.fixed_sign(f)
            if s is None:
                rest = rest * f
            else:  # a factor the domain fixes: s·f ≥ 0 there, a radical of its own (√(ab) = √a·√b for a, b > 0)
                out, rest = out * self._radical(s * f), rest * s
        rest = sp.expand(rest)
        return out if rest == 1 else out * self._radical(rest)

    def power(self, a, k: sp.Rational):
        """a**k for k = j/2, j odd: (√a)^j."""
        try:
            return self._power(a, k)
        except Exception as e:  # as sign's
            self.refused = self.refused or f"{type(e).__name__}: {str(e)[:80]}"
            raise

    def _power(self, a, k):
        k = sp.Rational(k)
        if k.q != 2:
            raise self._refuse(f"a rational power {k} (the kernel reads square roots only)")
        return self.root(a) ** int(k.p)


def _factor_list(e, gens):
    """(c, [(f, k)]) with e = c·Π f^k over ℚ: python-flint's multivariate factoring (fmpz_mpoly.factor; SymPy's
    factor_list took 22 s for one linear polynomial in 17 variables, a z_t of a model at n = 16), SymPy's where flint
    does not take it. Either is checked by expansion before use (:meth:`Formal._factored`)."""
    if not gens:
        return sp.factor_list(e)
    try:
        from flint import fmpz_mpoly_ctx

        poly = sp.Poly(e, *gens, domain=sp.QQ)
        den, poly = poly.clear_denoms(convert=True)
        ctx = fmpz_mpoly_ctx.get(tuple(f"g{k}" for k in range(len(gens))), "lex")
        f = ctx.from_dict({m: int(c) for m, c in poly.terms()})
        c, facs = f.factor()
        out = [(sp.Poly.from_dict({tuple(m): int(v) for m, v in g.to_dict().items()}, *gens).as_expr(), int(k))
               for g, k in facs]
        return sp.Rational(int(c), int(den)), out
    except Exception:  # not a polynomial flint takes: SymPy's own
        return sp.factor_list(e, *gens)


# ----- the bound --------------------------------------------------------------------------------------------------


def weighted_degree(e, weights: dict, memo: dict | None = None) -> tuple[int, int]:
    """(n, d): e = N/M as its tree builds them, N and M polynomials of weighted degree ≤ n and ≤ d (a symbol's
    weight from ``weights``; a rational constant and √r (read as a radical s_r, s_r² = r: weight 0) weight 0)."""
    from .random_check import tree_degree

    def leaf(e):
        if e.is_Symbol:
            if e not in weights:
                raise Refused(f"the symbol {e} is not one of the run's")
            return (weights[e], 0)
        if e.is_Rational:
            return (0, 0)
        if e.is_Pow and e.base.is_Rational and e.base > 0 and e.exp.is_Rational and e.exp.q == 2:
            return (0, 0)
        return None

    def other(e):
        raise Refused(f"{type(e).__name__}(…) in a side")

    return tree_degree(sp.sympify(e), leaf, other, {} if memo is None else memo)


# ----- the check: ℚ[s]/(s_j² − C_j) at a point ----------------------------------------------------------------------


class Ring:
    """ℚ[s_1..s_k]/(s_j² − c_j), c_j rationals: elements as {frozenset S: coefficient of Π_{j∈S} s_j}."""

    def __init__(self, squares: dict):
        self.squares = squares  # s -> c (a rational)

    def mul(self, a: dict, b: dict) -> dict:
        out: dict = {}
        for S, x in a.items():
            for T, y in b.items():
                c = x * y
                for j in S & T:  # s_j·s_j = c_j
                    c = c * self.squares[j]
                U = S ^ T
                out[U] = out.get(U, 0) + c
        return {S: c for S, c in out.items() if c != 0}

    def add(self, a: dict, b: dict) -> dict:
        out = dict(a)
        for S, c in b.items():
            out[S] = out.get(S, 0) + c
        return {S: c for S, c in out.items() if c != 0}

    def power(self, a: dict, k: int) -> dict:
        out, base = {frozenset(): sp.Integer(1)}, a
        while k:
            if k & 1:
                out = self.mul(out, base)
            k >>= 1
            if k:
                base = self.mul(base, base)
        return out


def numerator(e, values: dict, ring: Ring, constants: dict, value=sp.Rational) -> dict:
    """N of e = N/M at the point ``values`` (symbol -> rational: the ε and x), reduced in ``ring`` (the s, and √r
    for each constant radical r: ``constants``). N and M are the polynomials the tree builds (a + b over the common
    denominator, unless both denominators are structurally 1; a·b; integer powers), fixed by the tree alone, never
    by values at the point: evaluating them at x* and reducing commute, so what is tested is N(x*, s) mod the
    relations (:func:`weighted_degree` bounds the same N)."""
    return fraction(e, values, ring, constants, value)[0]


def denominator(e, values: dict, ring: Ring, constants: dict, value=sp.Rational) -> dict:
    """M of e = N/M as :func:`numerator` builds it, reduced in ``ring``: the product of the tree's divisors."""
    return fraction(e, values, ring, constants, value)[1]


def is_unit(ring: Ring, a: dict) -> bool:
    """Whether a is invertible in ``ring`` = ℚ[s]/(s_j² − c_j): its norm, the product of its conjugates under every
    s_j ↦ ±s_j (a rational, computed as a ← a·ā_j for each j in turn), is not 0 (a zero divisor and 0 have norm 0;
    a c_j = 0 makes s_j nilpotent, of norm 0)."""
    for s in list(ring.squares):
        a = ring.mul(a, {S: (-c if s in S else c) for S, c in a.items()})
    return bool(a) and set(a) == {frozenset()}


def fraction(e, values: dict, ring: Ring, constants: dict, value=sp.Rational) -> tuple[dict, dict]:
    """(N, M) of e = N/M as :func:`numerator` builds them, both reduced in ``ring``."""
    memo: dict = {}
    one = {frozenset(): sp.Integer(1)}

    def run(e):
        got = memo.get(e)
        if got is not None:
            return got
        if e.is_Symbol:
            if e in ring.squares:
                r = ({frozenset([e]): sp.Integer(1)}, one, True)
            elif e in values:
                v = value(values[e])  # a rational (the point); a test passes the symbols themselves
                r = ({frozenset(): v} if v != 0 else {}, one, True)
            else:
                raise Refused(f"the symbol {e} has no value at the point")
        elif e.is_Rational:
            r = ({frozenset(): e} if e != 0 else {}, one, True)
        elif e.is_Pow and e.base.is_Rational and e.base > 0 and e.exp.is_Rational and e.exp.q == 2:
            s = constants.get(e.base)
            if s is None:
                s = constants[e.base] = sp.Dummy(f"sqrt{e.base}")
                ring.squares[s] = e.base
            # r^(j/2) = r^((j − 1)/2)·s_r (j odd, either sign)
            r = ({frozenset([s]): e.base ** ((e.exp.p - 1) // 2)}, one, True)
        elif e.is_Add:
            n, m, unit = run(e.args[0])
            for a in e.args[1:]:
                n2, m2, unit2 = run(a)
                if unit and unit2:
                    n = ring.add(n, n2)
                else:
                    n, m, unit = ring.add(ring.mul(n, m2), ring.mul(n2, m)), ring.mul(m, m2), False
            r = (n, m, unit)
        elif e.is_Mul:
            n, m, unit = one, one, True
            for a in e.args:
                n2, m2, unit2 = run(a)
                n, m, unit = ring.mul(n, n2), ring.mul(m, m2), unit and unit2
            r = (n, m, unit)
        elif e.is_Pow and e.exp.is_Integer:
            n, m, unit = run(e.base)
            k = int(e.exp)
            r = (ring.power(n, k), ring.power(m, k), unit) if k >= 0 else (ring.power(m, -k), ring.power(n, -k),
                                                                           False)
        else:
            raise Refused(f"{type(e).__name__}(…) in a side")
        memo[e] = r
        return r

    n, m, _ = run(sp.sympify(e))
    return n, m


def patterns(formal: Formal, eps=None):
    """Every sign pattern of the sign variables (2^m): the kernel checks each, as the soundness argument needs.
    ``eps``: those of one entry only (a model's values: :func:`check` splits each entry on its own sign variables)."""
    eps = list(formal.signs.values()) if eps is None else list(eps)
    for signs in itertools.product((1, -1), repeat=len(eps)):
        yield dict(zip(eps, signs))


def weights_of(formal: Formal) -> dict:
    """Each symbol's weight in doubled units: an xᵢ 2, s_C deg C (s_C² = C), ε 0."""
    xs = sorted(formal.variables, key=sp.default_sort_key)
    weights = {x: 2 for x in xs}
    weights.update({eps: 0 for eps in formal.signs.values()})
    for s, C in formal.radicand.items():
        weights[s] = sp.Poly(C, *xs).total_degree() if C.free_symbols else 0
    return weights


def bound(formal: Formal, pairs) -> int:
    """E: every coordinate A_S of every entry's reduced numerator has degree ≤ E (2·deg A_S ≤ the weighted degree
    of N, which reducing s_C² → C does not raise)."""
    weights, memo, E = weights_of(formal), {}, 0
    for a, b in pairs:
        n, _ = weighted_degree(sp.sympify(a) - sp.sympify(b), weights, memo)
        E = max(E, n // 2)
    return E


def check(formal: Formal, lhs, rhs, rng: random.Random) -> tuple[int | None, str]:
    """(E, how) when every coordinate of lhs − rhs is 0 at one random point for every sign pattern (the claim
    holds, error ≤ E·2^−128: the module docstring), else (None, why not)."""
    xs = sorted(formal.variables, key=sp.default_sort_key)
    pairs = list(zip(lhs, rhs))
    E = bound(formal, pairs)
    point = {x: sp.Integer(rng.getrandbits(BITS)) * (-1 if rng.getrandbits(1) else 1) for x in xs}
    squares = {s: sp.Rational(C.xreplace(point)) for s, C in formal.radicand.items()}
    count = 0
    if formal.models:
        return _check_entries(formal, pairs, point, squares, E)
    for pattern in patterns(formal):
        ring, constants = Ring(dict(squares)), {}
        for k, (a, b) in enumerate(pairs):
            wrong = _not_zero(sp.sympify(a) - sp.sympify(b), {**point, **pattern}, ring, constants)
            if wrong == NONZERO:
                return None, (f"entry {k}: lhs − rhs is not 0 in ℚ(x)[s]/(s² − C) at a random point for the sign "
                              f"pattern {sorted(pattern.values(), reverse=True)} of |·|'s and √'s factors")
            if wrong == SINGULAR:
                # the tree divides by a value that is 0 (or a zero divisor) at the point: the degree run took a
                # division the numeric run did not (a pivot the elimination read as nonzero, such as |a|² − a² or
                # (a + 1)² − a² − 2a − 1), so N = 0 there says nothing about lhs − rhs
                return None, (f"entry {k}: the reading's denominator is not invertible in ℚ(x)[s]/(s² − C) at a "
                              f"random point for the sign pattern {sorted(pattern.values(), reverse=True)} (it "
                              "divides where the claim's own run does not)")
        count += 1
    m, k = len(formal.signs), len(formal.roots)
    return E, (f"lhs − rhs = 0 in ℚ(x)[s]/(s² − C) at a random point for each of the {count} sign patterns "
               f"({m} sign{'s' if m != 1 else ''} the domain does not fix, {k} radical{'s' if k != 1 else ''} of "
               f"the random values), degree ≤ {E}")


NONZERO, SINGULAR = "lhs − rhs is not 0", "the reading's denominator is not invertible"


def _not_zero(d, values: dict, ring: Ring, constants: dict) -> str | None:
    """None when d (lhs − rhs) is 0 in ℚ(x)[s]/(s² − C) at ``values`` (a point and a sign pattern) with an
    invertible denominator there; else NONZERO, or SINGULAR (a denominator that is 0 or a zero divisor there: the
    tree divides where the claim's own run does not, so a zero numerator says nothing)."""
    if numerator(d, values, ring, constants):
        return NONZERO
    return None if is_unit(ring, denominator(d, values, ring, constants)) else SINGULAR


def _check_entries(formal: Formal, pairs, point: dict, squares: dict, E: int) -> tuple[int | None, str]:
    """:func:`check` for a model's values, entry by entry: entry k's lhs − rhs holds only its own sign variables,
    so it is split on those alone (at most MAX_SIGNS of them, 2^m patterns each): a zero in every pattern of its
    own variables is a zero in every pattern of all of them (the others do not occur), and the soundness argument
    of the module docstring applies entry by entry, at the same random point."""
    all_eps = set(formal.signs.values())
    count, most = 0, 0
    for k, (a, b) in enumerate(pairs):
        d = sp.sympify(a) - sp.sympify(b)
        mine = sorted(d.free_symbols & all_eps, key=sp.default_sort_key)
        if len(mine) > MAX_SIGNS:
            return None, (f"entry {k}: lhs − rhs holds {len(mine)} sign variables, more than the {MAX_SIGNS} whose "
                          "patterns the kernel enumerates")
        most = max(most, len(mine))
        for pattern in patterns(formal, mine):
            wrong = _not_zero(d, {**point, **pattern}, Ring(dict(squares)), {})
            if wrong == NONZERO:
                return None, (f"entry {k}: lhs − rhs is not 0 in ℚ(x)[s]/(s² − C) at a random point for the sign "
                              f"pattern {sorted(pattern.values(), reverse=True)} of its |·|, max and min")
            if wrong == SINGULAR:
                return None, (f"entry {k}: the reading's denominator is not invertible at a random point for the sign "
                              f"pattern {sorted(pattern.values(), reverse=True)} (it divides where the claim's own "
                              "run does not)")
            count += 1
    return E, (f"lhs − rhs = 0 at a random point for each sign pattern of each entry's own sign variables ({count} "
               f"patterns over {len(pairs)} entries, at most {most} sign variables in one; {len(all_eps)} in all), "
               f"degree ≤ {E}")

