"""An identity's `holds`: the kernel's own randomized check, independent of the normal form and of F_p.

The engine decides an identity by a normal form (SymEngine/SymPy/flint) or by
randomized trials over F_p (fp.py); either may be wrong. Before a ``holds``
stands, the kernel evaluates the claim itself, by its own means, at random
points, and requires lhs − rhs = 0 there:

* a claim about a model runs on the kernel's exact model (:class:`.ExactModel`,
  derivatives by forward mode over ℚ), every input (weights, initial states,
  inputs, targets, vectors the check names) a uniform random integer in
  [0, 2¹²⁸) with a random sign, and σ a *random function*: at each distinct exact argument a, its
  value and first two derivatives σ(a), σ'(a), σ''(a) are fresh uniform random
  integers in [0, 2¹²⁸) with a random sign, drawn once and remembered (the sign: drawn in [0, 2¹²⁸) alone,
  |x| = x at every point, and a normal form that dropped a modulus was confirmed). tanh and the logistic
  function (a concrete σ, or a cell's gates) are random functions that keep
  their differential equations: tanh(a) = r, tanh'(a) = 1 − r², tanh''(a) =
  −2r(1 − r²); logistic(a) = r, r(1 − r), r(1 − r)(1 − 2r) (r drawn in (0, 1), e^a's > 0: the
  true functions' ranges, one of 2¹²⁸ values each, :data:`RANGES`; and their
  symmetries and values at 0, which SymPy applies by itself); e^a = r with
  derivatives r (the model's exp and softmax, and the kernel's table that a
  cell's ``sp.exp`` and the dual notation's softmax read). An abstract loss
  is E(o, y) = Σᵢ q(oᵢ − yᵢ) with q a random function: the separable losses,
  which cover a claim about the gradient (each ∂E/∂oᵢ independent at distinct
  arguments) but not one about mixed second partials of E. A check that
  differentiates an expression of the parameters (``m.d(Σ_t E_t, "W_R")``)
  runs again on the jet model (``order``/``seeded``, as the refutation path's
  ``check._model_check``) with the same draws and the same random functions
  lifted to jets (value, first and second derivative); a random function met
  at a closed-form argument takes the values of the argument it equals,
  decided exactly, so it stays a function of the value;
* a claim about free variables runs on the kernel's jets (:mod:`.free`) at a
  random integer point; a claim with neither evaluates its sides at random
  integers for its symbols.

Why this is sound (Schwartz–Zippel, and what a random σ means for it). Read
the kernel's computation as a straight-line program whose random values are
variables: the inputs x, and s_j = (σ, σ', σ'') at each formally distinct
argument u_j (for tanh and logistic one variable r_j, the derivatives being
polynomials in it; an abstract loss's q likewise). A random σ is exactly this:
σ is not one function drawn from a family, but a fresh independent value for
σ, σ' and σ'' at every argument the computation reaches, which is what the
engine's normal form means by "for every σ" (σ(u), σ'(u), σ''(u) independent
atoms for each argument u). If the claim is false in that sense, lhs − rhs is
a nonzero rational function Δ = N/M of (x, s); at a uniform point of
[0, 2¹²⁸)^k, N vanishes (or M does, and the point is drawn again) with
probability ≤ (deg N + deg M)/2¹²⁸ (Schwartz–Zippel). The random function
gives two formally distinct arguments u_i ≠ u_j the same s when they take the
same value (or related ones when u_i = −u_j: tanh and logistic keep their
symmetry; or fixed ones at u_i = 0), which happens with probability
≤ deg(u_i ∓ u_j)/2¹²⁸ (resp. deg u_i/2¹²⁸; the numerator's degree, after
clearing denominators: ≤ the sum of both arguments' numerator and
denominator bounds). Conversely if Δ = 0 as a
rational function it is 0 for every σ (and for tanh: substitute its values),
so a true claim is never rejected. So one trial accepts a false claim with
probability ≤ E·2⁻¹²⁸, E = D + Σ_{i<j} (deg(u_i − u_j) + deg(u_i + u_j))
+ Σ_i deg u_i, D bounding deg N + deg M.

The kernel computes E (:func:`degree_of`): it runs the same evaluation once
more with every random value a fresh variable (each argument it meets gets
its own σ values, formally equal ones too: the true program is that one with
some variables identified, which raises no degree) and reads degree bounds off
the resulting expression trees without expanding them (:func:`degree_bound`:
a sum's bound is the max over a common denominator, a product's the sum, so a
bound whatever cancels). The scope states E (``error ≤ E·2^−128 ≤ 2^−k``).
What that run assumes: it performs the same operations as the numeric run;
the kernel's code branches on a value only for shortcuts that compute the same
function (a zero factor skipped), refuses (a sign it cannot decide on
variables: then E is not computed), or meets a special argument (σ at 0, tanh
at −u) whose value is a specialization of a fresh variable, which raises no
degree. The dual numbers and the free variables' jets hold the run's
variables while it runs (``dual.number`` and ``free.number`` accept them, and
only them, then). Where the run meets |·| or √ of the random values of a claim of free
variables, it reads them formally (:mod:`.radicals`: a radical s with s² = C,
a sign the claim's domain fixes or a sign variable whose every value is
checked), and the kernel's check is the formal one there: every coordinate of
lhs − rhs in ℚ(x)[s]/(s² − C) zero at a random point for every sign pattern,
its error bounded by the same kind of degree (``zero_test`` "radical"; the
proof is in that module's docstring). Where neither goes through (a function
the reading does not reach, a sign the kernel must decide on a model's
values, a formal check that does not vanish), the token says the degree is
not bounded and the scope says at how many sizes. |·|, max and min of a model's values are read formally the same
way (radicals.py, "A model's values": |u| = S·u, every sign pattern, S² = 1), σ's values at each argument variables
of the reading; sign and Heaviside are not (not continuous at 0).

A random e does not keep e^a·e^b = e^(a+b), which SymPy applies by itself,
so a true claim could differ with it: a difference found in a trial that drew
e at random counts only if a second trial with the kernel's own exp (closed
forms) differs too.

Closed forms, decided exactly at the point (:func:`exact_zero`). Where the
error is bounded, the sides at the point may be any numbers the kernel reads:
rational functions of e^q (q rational; tanh(q) = (e^{2q} − 1)/(e^{2q} + 1) and
logistic(q) = 1/(1 + e^{−q}), whose denominators are > 0), of real radicals
r^s (r > 0, s rational) and of log w (w = c·e^q·Π p^(k/L) > 0), never π,
e^√2, tanh(√2), a nested radical, a log of a sum or of a log. The kernel reads
lhs − rhs on its expression tree into a fraction of sparse sums
c·e^q·Π_p p^(k_p/L)·Π_b Λ_b^(m_b) (0 ≤ k_p < L; Λ_b a variable for log b, b
in a coprime base of the integers the logs name: log w = q + log c.num −
log c.den + Σ (k/L) log p, each a ℚ-linear form in the log b) and decides
without floats and without ``simplify``: a sum with no term is 0 (a formal
zero: 0 whatever the atoms' values). A sum with a term is nonzero when a
theorem says so: the Π_p p^(k_p/L) are independent over ℚ (Besicovitch);
e^{q₁}, …, e^{q_r} for distinct rationals are independent over ℚ̄
(Lindemann–Weierstrass), which decides a sum without Λ; 1, log b₁, …, log b_k
(the b pairwise coprime and > 1, so their logs are independent over ℚ) are
independent over ℚ̄ (Baker 1966), which decides a sum of degree ≤ 1 in the Λ
whose terms have no e^q (q ≠ 0). Outside these (a product of log values,
whose algebraic independence is open: Schanuel's conjecture; log values
beside e^q) a nonzero sum is a nonzero number only when arb balls exclude 0;
else the number is not decided (Cannot, with the reason). A nonzero found so
is a disagreement, as a nonzero rational is.

* Algebraic constants (√2, ∛3: ``zero_test`` "algebraic") add no degree:
  Schwartz–Zippel holds over any field, here ℚ(√2, …) ⊂ ℝ, so E·2^−128 is
  the bound, unchanged (:func:`degree_bound` gives such a constant degree 0).
* Exponentials (``zero_test`` "exp"). Read the computation formally with a
  variable Y_u for each e^u it meets (the degree run already draws e^u as a
  fresh variable for the model's exp and the notation's softmax; a closed form
  e^u the check writes itself, SymPy's exp of the run's values, is replaced by
  a Y_u of its own: :func:`degree_info`), u = a_u(x) a rational function of
  the random values x (inputs, σ's values). Then lhs − rhs = N(x, Y)/M(x, Y)
  with Y_u = e^{a_u(x)}. If the claim is false, F(x) = (N·M)(x, e^{a(x)}) is
  not 0 as a function. Write N·M = Σ_β c_β(x) Y^β and collect the terms by
  their exponent A_β = Σ_u β_u a_u ∈ ℚ(x): F = Σ_A C_A(x) e^{A(x)}, so some
  C_{A₀} ≢ 0. At the random point x*, C_{A₀}(x*) = 0 with probability
  ≤ deg(N·M)/2^128 ≤ D/2^128 (Schwartz–Zippel), and A₀(x*) = A(x*) for
  another exponent A of the support with probability ≤ (T − 1)·W/2^128 (T,
  the number of monomials Y^β of N·M, at most C(k + D_Y, k) for k
  exponentials of Y-degree ≤ D_Y; W = Σ_u (dn_u + dd_u) over their arguments'
  degree bounds bounds the numerator's degree of A_β − A_γ over the common
  denominator Π_u den a_u). Outside those events the coefficient of e^{A₀(x*)}
  at x*, a nonzero number of ℚ̄, is not cancelled by another term
  (Lindemann–Weierstrass: the A(x*) are distinct rationals), so F(x*) ≠ 0:
  N and M are nonzero at the point and the exact test sees lhs − rhs ≠ 0.
  With the σ collision term above, one trial errs with probability
  ≤ (D + T·W + collisions)·2^−128: the kernel computes this number
  (``Degree.exact``, the token's ``degree``) and claims it only below
  2^−MIN_EXACT_BITS = 2^−32; above, the normal form stays trusted, with the
  bound said. (C_A ≢ 0 needs no independence of exponentials over ℚ(x): it is
  only that a zero function has zero collected coefficients.)
  What the reading needs: no exponential or log value inside the argument of
  an exponential or of a random function whose values reach the sides (a
  nested e^{e^u}, σ(e^u); a constant log too: e^(log(2)/a) is 2^(1/N) at the
  point, an algebraic number, not e^q), and no value of the *random* log
  function (a model's log drawn at random) in the sides; else the error is not
  bounded and the normal form stays trusted, with the reason. A power with a
  variable exponent (2**a, e^(a·log 2), which SymPy reads as 2**a) is not
  evaluated at all (``Degree.refuse``): at a 128-bit a it is an integer of
  about 2^128 digits.
* Log values the check writes (``zero_test`` "log"). The degree run reads
  log(e^a·u) as a + L_u, L_u a variable of its own for each distinct argument
  u of the random values, and log c of a constant c as a real constant of
  degree 0 (its value: a linear form in the Λ_b). So lhs − rhs =
  N(x, Y, L)/M(x, Y, L) with L_u = log u(x), and, writing each constant log
  as its linear form in the Λ_b, N·M = Σ_λ G_λ(x, Y) (L, Λ)^λ with algebraic
  coefficients. If the claim is false, N·M at (e^a(x), log u(x), log b) is
  not 0, so as a polynomial in (L, Λ) it is not 0: some G_λ(x, e^{a(x)}) ≢ 0,
  and the argument above (D and T·W, the degree run counting each L_u as a
  variable, which only raises D) makes its exact reading at x* nonzero
  outside the same events. The reading at the point has the log values of
  the constants in the Λ_b and each other log value, by its argument u
  without e^… factors, as its own variable (``Degree.logs``: the constants'
  arguments); it is the degree run's at x* unless two of the L_u are one
  atom there: u_i(x*) = u_j(x*), u_i(x*)·u_j(x*) = 1 (SymPy reads
  log(1/w) as −log w), u_i(x*) = c or 1/c for a constant argument c, or
  u_i(x*) = 1 (log 1 = 0), each of probability ≤ (w_i + w_j)·2^−128 (w = the
  numerator and denominator degree bounds of u), which the kernel adds to E:
  2·(F + 1 + k)·Σ w_i for k such arguments and F constants. A zero at the
  point counts only if it is a formal zero of that reading; a zero that needs
  the Λ_b of the random arguments (log(pq) against log p + log q: a
  multiplicative relation among the arguments at the point) is not covered
  by this bound, and the normal form stays trusted, with the reason. In a trial
  that drew e at random beside closed forms the check writes, the random
  values of e are among x and only the closed forms are read as Y_u
  (``Degree.E``); a difference there sends the claim to the true exp.
  Trusted, as everywhere in the kernel: SymPy's exact arithmetic. A quotient
  by a closed form SymPy did not see is 0 (a/(log 6 − log 2 − log 3) on both
  sides) cancels from lhs − rhs syntactically, so each side is read too, its
  denominators decided nonzero (``_exact_decide(defined=True)``): a side with
  no value at the point is another point, as a rational side over 0 is, and
  at none the normal form stays trusted, with the reason. A side the reading
  does not reach (a log of a sum) forbids a confirmation, not a disagreement:
  lhs − rhs is still decided, or its sign certified by arb balls.

What the kernel still cannot decide (a log of a sum such as a loss's
log Σ e^{o_i}, a nonzero product of log values or log values beside e^q
that arb balls do not separate from 0, a zero through a multiplicative
relation of random log arguments, a radical of a random value where the
degree is not bounded) is not
confirmed here: the token then names the normal form (or the F_p trials) as
trusted, with the reason; with the true exp, a difference of that kind still
refutes when arb balls certify its sign (:func:`.decide.sign`). A difference
that is nonzero at the point is a disagreement: no token, and the engine's
``holds`` does not stand. A closed form of e (the dual numbers' logistic
function is 1/(1 + e^−u)) beside the kernel's *random* logistic function is
no disagreement when it differs: the token trusts the normal form there; nor
is a closed form tanh(u), logistic(u) or e^u at an argument where the kernel
drew its random tanh or logistic function (u = ±q, ±2q, ±q/2: h₁ = tanh(z₁)
written with sp.tanh under a tanh cell), exactly decided as it now is
(:func:`_mixes`).
"""
from __future__ import annotations

from ..notation import literal

import math
import random
from typing import NamedTuple

import sympy as sp

from . import domain, dual, walk
from .accept import IDENTITY, Proved, _issue
from ..concrete import ConcretizationError, UndefinedAtPoint
from .dual import Dual, KernelError, Unsupported, ZeroDenominator, lift
from .free import AlgebraicDisagreement
from .model import Draws, ExactModel, NeedsJets, _elementwise, entry_name, loss_of

#: one trial of 128-bit draws: error ≤ D·2⁻¹²⁸, below two 64-bit trials' (D·2⁻⁶⁴)² for D > 1, at half the
#: cost
BITS = 128
TRIALS = 1
#: the sizes the kernel's exact model evaluates within the audit's budget (a trial costs ≤ 0.6 s at n ≤ 3, t ≤ 6;
#: at n = 32, t = 64 a gradient claim's trial took 50–90 s, so the F_p trials there are trusted and said to be)
REACH = {"n": 6, "t": 12, "m": 6}
#: points drawn where the degree is not bounded (|·|, √, a sign of the random values): a wrong sign-dependent
#: rewrite such as |x| → x agrees at a point with random signs with probability 1/2, so 2^−16 after these
UNBOUNDED_TRIALS = 16
#: the numerators' bits of those points (a/2^j, j < 2·SPREAD_BITS: every scale, :func:`_trial`'s ``spread``)
SPREAD_BITS = 64
#: draws of a point whose denominators vanish, before giving up
REDRAWS = 32   # the signed draws put a √'s or a log's argument below 0 about half the time
#: a trial keeps the first of at most REDRAWS draws where the sides have a value (a denominator not 0, a root's or a
#: log's argument > 0). The point it keeps is no uniform draw from the box, and the domain's share of the box is not
#: bounded; but it is one of the REDRAWS independent uniform draws, so the chance that it is a zero of a nonzero
#: difference of degree ≤ E is at most REDRAWS·E·2^−BITS (a union bound over the draws). A trial's error is stated at
#: DRAW_BITS = BITS − log₂ REDRAWS
DRAW_BITS = BITS - (REDRAWS.bit_length() - 1)
assert 2 ** (BITS - DRAW_BITS) == REDRAWS
#: beyond REACH a model's claim is confirmed over ℤ/p instead, at every size (kernel/modular.py: the cell and the check
#: on residues, σ a random function; n = 32, t = 64: ≈ 0.2 s per trial for the LSTM's dh_t/dh_0, benchmarks/RESULTS.md
#: section modloss; corrected Theorem 1, a derivative w.r.t. W_R, at n = 128, t = 256: ≈ 0.6 s, section modparam;
#: Goodfellow's eq. 10.21 at n = 160, t = 64: ≈ 15 s beside F_p's 20 s). It had a reach (n, m ≤ 128, t ≤ 256) past
#: which the F_p trials were trusted; their cost grows with the size as the kernel's does, so none is kept: where the
#: kernel's check costs too much the claim's budget ends it, `undecided`, never a holds on the F_p trials alone
#: within it, the step runs the ℤ/p check spends on a check that reads the entries of a derivative w.r.t. a parameter
#: (one forward run per column, ≈ 10 s at 2¹⁵; a derivative it only multiplies and adds costs one run: modular.Operator)
COLUMN_RUNS = 2 ** 15
#: trials over ℤ/p, each with a fresh prime in [2⁶², 2⁶³) (one, as TRIALS; the LSTM's dh_t/dh_0 at n = 32, t = 64
#: cost 6–20 s a trial column by column, 8 192 one-step runs of its partials; 128 batched runs now)
MODULAR_TRIALS = 1
#: the ℤ/p check's error per trial is E/p ≤ E·2^−MODULAR_BITS (p ≥ 2⁶²)
MODULAR_BITS = 62


class Cannot(KernelError):
    """The kernel cannot evaluate the claim to rational numbers at a point (say why)."""


class _Singular(Exception):
    """A denominator is 0 at the drawn point: draw again."""


class _ZeroDenominator(Cannot):
    """The exact reading met a denominator that is 0 at the point (log 6 − log 2 − log 3): no value there."""


class _Outside(_Singular):
    """The point drawn is outside where the sides have a value (√ or log of a negative number): draw another."""


class RandomFunction:
    """A random function on exact rationals: (value, derivative, second derivative) at each distinct argument.

    ``rule(r, x)``: the three from one draw r (a function that keeps its differential equation); ``at0``: its
    value and derivatives at 0, where SymPy knows them (tanh(0) = 0, e⁰ = 1); ``mirror(v, x)``: its values at −x
    from those at x (tanh is odd, logistic(−x) = 1 − logistic(x)), so that the symmetries SymPy applies by itself
    hold for the random function too. ``name``: which function it stands for (the degree run records, per name,
    the arguments it met and the variables it drew for the values).
    """

    def __init__(self, draw, rule=None, at0=None, mirror=None, name="σ"):
        self.draw, self.rule, self.at0, self.mirror, self.table, self.name = draw, rule, at0, mirror, {}, name
        self.closed: list = []  # the arguments met that are closed forms, not rationals

    def at(self, x) -> tuple:
        x = sp.sympify(x)
        if isinstance(self.draw, _Fresh):  # the degree run: any argument, recorded, values fresh variables
            got = self.table.get(x)
            if got is None:
                self.draw.arguments.append(x)
                before = len(self.draw.created)
                got = self.rule(self.draw(), x) if self.rule else (self.draw(), self.draw(), self.draw())
                self.table[x] = got
                if self.name in POSITIVE:  # the true function's values are > 0 (the formal |·| reads them so)
                    from . import free

                    if free.FORMAL is not None and isinstance(got[0], sp.Symbol):
                        free.FORMAL.declare(got[0], 1)
                made = frozenset(self.draw.created[before:])  # the variables drawn for this argument
                self.draw.met.setdefault(self.name, []).append((x, got[0], made))
            return got
        if not x.is_Rational:
            return self._at_closed_form(x)
        got = self.table.get(x)
        if got is None and self.closed:  # a closed form met before may have this value
            for key in self.closed:
                if exact_zero(x - key):
                    got = self.table[key]
                elif self.mirror is not None and exact_zero(x + key):
                    got = self.mirror(self.table[key])
                if got is not None:
                    self.table[x] = got
                    return got
        if got is None:
            if x == 0 and self.at0 is not None:
                got = self.at0
            elif x < 0 and self.mirror is not None:
                got = self.mirror(self.at(-x))
            else:
                got = self.rule(self.draw(), x) if self.rule else (self.draw(), self.draw(), self.draw())
            self.table[x] = got
        return got

    def _at_closed_form(self, x) -> tuple:
        """At an argument that is a closed form of ℚ̄[e^ℚ] (with the true exp: a loss of softmax outputs): the
        values of the argument it equals, decided exactly (:func:`exact_zero` of their difference), else a fresh
        draw, so that the random function is a function of the argument's value (a true claim is 0 at every
        point). Its symmetries likewise: −x against every argument met (mirror), x = 0 (at0)."""
        if not x.is_number:
            raise Cannot(f"a random function's argument {sp.sstr(x)[:60]} is not a number")
        got = self.table.get(x)
        if got is not None:
            return got
        for key in list(self.table):
            if exact_zero(x - key):  # Cannot outside ℚ̄[e^ℚ]: the kernel does not evaluate the claim there
                got = self.table[key]
                break
            if self.mirror is not None and exact_zero(x + key):
                got = self.mirror(self.table[key])
                break
        else:
            if self.at0 is not None and exact_zero(x):
                got = self.at0
            else:
                got = self.rule(self.draw(), x) if self.rule else (self.draw(), self.draw(), self.draw())
        self.table[x] = got
        self.closed.append(x)
        return got

    def order(self, k: int):
        return lambda x: self.at(x)[k]


_HALF = sp.Rational(1, 2)
#: random functions that keep their differential equations: (value, derivative, second derivative) from a draw r,
#: their values at 0, and their symmetry (see RandomFunction)
RULES = {
    "tanh": (lambda r, x: (r, 1 - r ** 2, -2 * r * (1 - r ** 2)), (0, 1, 0), lambda v: (-v[0], v[1], -v[2])),
    "logistic": (lambda r, x: (r, r * (1 - r), r * (1 - r) * (1 - 2 * r)), (_HALF, _HALF / 2, 0),
                 lambda v: (1 - v[0], v[1], -v[2])),
    "exp": (lambda r, x: (r, r, r), (1, 1, 1), None),
    "log": (lambda r, x: (r, 1 / x, -1 / x ** 2), None, None),
}
#: the random functions drawn in their true range (from the unsigned draw d in [0, 2^k), the signed one g): the
#: logistic function's value r = (2d + 1)/2^(k+1) ∈ (0, 1), so r, 1 − r (its mirror) and r(1 − r) are > 0 as the true
#: values are, and e^a = d + 1 > 0. Each is still one of 2^k distinct values, uniformly: Schwartz–Zippel's bound is
#: unchanged (it asks a set of 2^k values per variable, any set). A claim true through that positivity
#: (|logistic(z)| = logistic(z), max(0, e^z) = e^z: the normal form knows both positive) is then confirmed, and no
#: point of the true functions' range is excluded, so a sign-dependent slip is caught as before
def _unit(x):
    """A draw mapped into (0, 1), one to one: (2x + 1)/2^(k+1) for an integer x in [0, 2^k), 1/(1 + x) for a spread
    point's rational x ≥ 0 (evidence only: no bound is claimed there)."""
    return sp.Rational(2 * x + 1, 2 ** (BITS + 1)) if isinstance(x, sp.Integer) else 1 / (1 + abs(x))


#: the random functions whose true values are > 0 (logistic ∈ (0, 1), e^a > 0): the degree run's formal reading of
#: |·| takes their value variables as declared positive (radicals.Formal.declare), as the numeric draws keep RANGES
POSITIVE = ("logistic", "exp")
RANGES = {
    "logistic": lambda d, g: (lambda: _unit(d())),
    "exp": lambda d, g: (lambda: abs(d()) + 1),
}
#: the activations the kernel draws at random (any other is refused by :func:`_trial`)
RANDOM_ACTIVATIONS = ("abstract", "tanh", "logistic", "identity")
#: random functions that do not keep every identity SymPy applies by itself (e^a e^b = e^(a+b)): a disagreement
#: in a trial that drew them is not a refutation (the kernel then does not confirm, and names what it trusted)
LAWLESS = {"exp", "log"}


def _softmax(exp):
    e = lift(exp.order(0), exp.order(1))

    def softmax(z):
        from .dual import DualMatrix

        z = DualMatrix.of(z)
        es = [e(x) for x in z]
        s = sum(es, Dual(0))
        return DualMatrix.from_entries(z.rows, z.cols, [x / s for x in es])

    return softmax


class _Derivatives:
    """An abstract σ of free variables as a random function: σ^(k)(a) a fresh draw for each order k and each distinct
    exact argument a, drawn once and remembered (every order independent, as the normal form's atoms are)."""

    def __init__(self, draw):
        self.draw, self.table = draw, {}

    def __call__(self, k: int, x):
        x = sp.sympify(x)
        if isinstance(self.draw, _Fresh):
            if (k, x) not in self.table:
                self.draw.arguments.append(x)
                self.table[(k, x)] = self.draw()
            return self.table[(k, x)]
        if not x.is_Rational:
            raise Cannot(f"σ's argument {sp.sstr(x)[:60]} is not a rational number")
        got = self.table.get((k, x))
        if got is None:
            got = self.table[(k, x)] = self.draw()
        return got


class _RandomModel(ExactModel):
    """The kernel's exact model with random inputs, a random σ, random tanh/logistic and a random abstract loss."""

    def __init__(self, cell, *, draws: Draws, funcs: dict, **kw):
        self._draws, self._funcs = draws, funcs
        super().__init__(cell, **kw)
        self.values = draws
        f = self.f
        sig = funcs.get(kw.get("activation", "abstract"))
        tanh, logi = funcs["tanh"], funcs["logistic"]
        if sig is not None:
            f.sigma, f.dsigma = _elementwise(sig.order(0), sig.order(1)), _elementwise(sig.order(1), sig.order(2))
        f.tanh, f.dtanh = _elementwise(tanh.order(0), tanh.order(1)), _elementwise(tanh.order(1), tanh.order(2))
        f.logistic = _elementwise(logi.order(0), logi.order(1))
        if funcs.get("exp") is not None:  # else the kernel's own exp, log and softmax (closed forms)
            f.exp, f.log = (_elementwise(funcs[k].order(0), funcs[k].order(1)) for k in ("exp", "log"))
            f.softmax = _softmax(funcs["exp"])
        if cell.output is not None:
            if self.loss == "abstract":
                q = lift(funcs["loss"].order(0), funcs["loss"].order(1))
                self._loss = lambda o, y: sum((q(Dual.of(a) - Dual.of(b)) for a, b in zip(o, y)), Dual(0))
            elif self.loss == "cell":
                self._loss = loss_of("cell", cell, f)

        if self.order:  # the jet model (m.d of an expression of the parameters): the same random functions on jets
            self._random_jets(funcs, sig)

    def _random_jets(self, funcs: dict, sig) -> None:
        from .free import Jet, JetMatrix, JetNotation

        def on_jets(rf: RandomFunction, k: int):
            def g(x):
                x = Jet.of(x)
                vals = rf.at(x.v)
                if not x.d and not x.h:
                    return Jet(vals[k], order=x.order)
                if k + (2 if x.order >= 2 else 1) > 2:
                    raise Unsupported("a derivative of σ′ beyond the random function's second derivative")
                return x._compose(vals[k], vals[k + 1] if x.order >= 1 else 0,
                                  vals[k + 2] / 2 if x.order >= 2 else 0)
            return lambda v: v.applyfunc(g) if isinstance(v, (JetMatrix, sp.MatrixBase)) else g(v)

        jf = self.jf
        if sig is not None:
            jf.sigma, jf.dsigma = on_jets(sig, 0), on_jets(sig, 1)
        jf.tanh, jf.dtanh = on_jets(funcs["tanh"], 0), on_jets(funcs["tanh"], 1)
        jf.logistic = on_jets(funcs["logistic"], 0)
        jf.softmax = JetNotation().softmax  # exp from dual.RULES: the random one while the trial runs
        if funcs.get("exp") is not None:
            jf.exp, jf.log = on_jets(funcs["exp"], 0), on_jets(funcs["log"], 0)
        self._jet_q = on_jets(funcs["loss"], 0)

    def _jet_loss(self):
        from .free import Jet

        if self.cell.output is not None and self.loss == "abstract":
            q = self._jet_q
            return lambda o, y: sum((q(Jet.of(a) - b) for a, b in zip(o, y)), Jet(sp.Integer(0)))
        return super()._jet_loss()

    def input(self, name: str, rows: int, cols: int = 1):
        key = ("input", name, rows, cols)  # built once per point (entry by entry is most of a trial's cost)
        got = dict.get(self._draws, key)
        if got is None:
            got = sp.Matrix(rows, cols, lambda i, j: self._draws[entry_name(name, rows, cols, i, j)])
            dict.__setitem__(self._draws, key, got)
        return got.copy()

    def _maybe(self, name: str, rows: int, cols: int = 1):
        return self.input(name, rows, cols)

    def like(self, cell, **changes):
        kw = dict(n=self.n, t=self.t, m=self.m, activation=self.activation, loss=self.loss, layout=self.layout,
                  conventions=self.conventions, order=self.order, seeded=self.seeded)
        kw.update({k: v for k, v in changes.items() if k not in ("witness", "loss_witness", "values")})
        return _RandomModel(cell, draws=self._draws, funcs=self._funcs, **kw)


def _rational_sides(out, exact: bool = False, fields: set | None = None, unread: list | None = None) -> list:
    """lhs − rhs entry by entry, each a rational number (or Cannot / _Singular); ``exact``: any exact number.
    ``fields``: filled with EXP where a side has a closed form of e, ALGEBRAIC where another side is irrational.
    ``unread``: filled with why a side's denominators are not decided (a log of a sum), instead of raising: a
    difference may still be decided nonzero there, but a zero is then no confirmation (the callers')."""
    from .check import _sides

    lhs, rhs = _sides(out)
    dual.same_shape(lhs.shape, rhs.shape)
    out = []
    for a, b in zip(lhs, rhs):
        a, b = sp.sympify(a), sp.sympify(b)
        for side in (a, b):  # each side, not only the difference: the argument is about rational functions
            if side.has(sp.zoo, sp.nan, sp.oo):
                raise _Singular()
            if not side.is_Rational and not (exact and side.is_number):
                raise Cannot(f"a side is {sp.sstr(side)[:60]} at the point, not a rational number")
            if not side.is_Rational:
                # the side has a value here: its denominators are decided nonzero (a side over log 6 − log 2 − log 3
                # has none, and lhs − rhs = 0 when both sides hold it is no confirmation), else another point
                try:
                    _exact_decide(side, defined=True)
                except _ZeroDenominator:
                    raise _Singular() from None
                except Cannot as e:
                    if unread is None:
                        raise
                    unread.append(str(e))
            if fields is not None and not side.is_Rational:
                fields.add(LOG if side.has(sp.log) else EXP if side.has(sp.exp, sp.E, sp.tanh, _logistic())
                           else ALGEBRAIC)
        out.append(a - b)
    return out


def _logistic():
    from ..functions import logistic

    return logistic


def _trial(claim, size: dict, rng: random.Random, **how) -> tuple[list, bool]:
    """:func:`_trial_at`, where a side with no value at the point (√ or log of a negative number, on any path: a
    model's, free variables', a plain check's) is an :class:`_Outside` point, never an error of the check: a claim
    whose sides have a value at none of the points drawn is confirmed at none (:func:`confirm_identity`)."""
    try:
        return _trial_at(claim, size, rng, **how)
    except UndefinedAtPoint:
        raise _Outside() from None
    except ZeroDenominator:  # the kernel's own numbers divided by 0 (dual.Dual, free.Jet), as ZeroDivisionError
        raise _Singular() from None


def _trial_at(claim, size: dict, rng: random.Random, real_exp: bool = False, draw=None, exact: bool = False,
              drawn: set | None = None, fields: set | None = None, unread: list | None = None,
              spread: bool = False) -> tuple[list, bool]:
    """lhs − rhs at one random point, and whether exp was drawn at random there. ``real_exp``: the kernel's own
    exp (closed forms, decided exactly: :func:`exact_zero`) instead of a random one. ``draw``: a :class:`_Fresh`
    for the degree run (every random value a fresh variable; the sides are then expressions, not numbers).
    ``exact``: the differences may be any exact numbers (closed forms), not only rationals. ``drawn``: filled
    with the names of the random functions the trial drew values of; ``fields``: as :func:`_rational_sides`'s.
    ``spread``: where no degree is bounded the points are evidence, not a bound: each value a/2^j (a of
    SPREAD_BITS bits, j uniform in [0, 2·SPREAD_BITS)), points at every scale from 2^64 down to 2^−128, where
    integers alone never fall in (0, 1) (|x| + |x − 1| and |2x − 1| differ only there)."""
    symbolic = draw is not None
    if draw is None and spread:
        draw = lambda: sp.Rational(rng.getrandbits(SPREAD_BITS), 2 ** rng.randrange(2 * SPREAD_BITS))  # noqa: E731
        symbolic = False
    draw = draw or (lambda: sp.Integer(rng.getrandbits(BITS)))  # noqa: E731
    # every random value takes a random sign: drawn in [0, 2^k) alone, |x| = x and √(x²) = x at every point, so a
    # normal form that dropped a modulus would be confirmed. A uniform draw with a random sign has no point of
    # probability above 2^−k (0 is drawn as +0 and −0), so the Schwartz–Zippel bound is unchanged
    signed = draw if symbolic else (lambda: draw() * (-1 if rng.getrandbits(1) else 1))  # noqa: E731
    if claim.model is not None:
        act = claim.activation
        if act not in RANDOM_ACTIVATIONS:
            raise Cannot(f"σ = {act} is not one the kernel draws at random")
        funcs = {"abstract": RandomFunction(signed), "loss": RandomFunction(signed, name="loss"),
                 **{k: RandomFunction(RANGES.get(k, lambda d, g: g)(draw, signed) if not symbolic else signed, *rule,
                                      name=k) for k, rule in RULES.items()}}
        if real_exp:
            funcs["exp"] = funcs["log"] = None
        saved = dual.RULES[sp.exp]  # the notation's softmax and a cell's sp.exp read the kernel's table: e random
        if not real_exp:
            dual.RULES[sp.exp] = (funcs["exp"].order(0), funcs["exp"].order(1), funcs["exp"].order(2))
        from .free import MAX_ORDER, NeedsOrder

        try:
            draws = Draws(signed)
            order, seeded = 0, frozenset()
            # a check that differentiates an expression of the parameters runs again on the jet model with them
            # seeded (as the kernel's refutation path does: check._model_check), every random value kept
            for _ in range(len(claim.model.params) + MAX_ORDER + 2):
                model = _RandomModel(claim.model, draws=draws, funcs=funcs, n=size.get("n", 1),
                                     t=size.get("t", 1), m=size.get("m", 1), activation=act, loss=claim.loss,
                                     layout=claim.conventions.get("layout", "row-major"),
                                     conventions=claim.conventions, order=order, seeded=seeded)
                try:
                    with literal():  # the kernel reads the check as Python does (notation.literal)
                        out = claim.check(model)
                    break
                except NeedsJets as e:
                    order, seeded = max(order, 1), seeded | {e.wrt}
                except NeedsOrder:
                    if order == MAX_ORDER:
                        raise
                    order += 1
            else:
                raise Unsupported("the check asks for more runs of the jet model than it has parameters")
            if symbolic:
                return out, False
            if drawn is not None:
                drawn.update(k for k, f in funcs.items() if f is not None and f.table)
                # and where the random tanh and logistic function were drawn (:func:`_mixes`)
                drawn.update((k, x) for k in ("tanh", "logistic") for x in funcs[k].table)
            return (_rational_sides(out, real_exp or exact, fields, unread),
                    any(funcs[k] and funcs[k].table for k in LAWLESS))
        except ZeroDivisionError:
            raise _Singular() from None
        finally:
            dual.RULES[sp.exp] = saved
    if getattr(claim, "variables", None) is not None:
        from .free import abstract_sigma, run_check

        sigma = _Derivatives(signed)
        # a variable that declares a sign takes the draw's modulus with that sign (free.FreeValues)
        try:
            with abstract_sigma(sigma):
                lhs, rhs, _ = run_check(claim, size, Draws(signed))
        except ZeroDivisionError:
            raise _Singular() from None
        except UndefinedAtPoint:  # the check took √ or log where it has no real value: another point
            raise _Outside() from None
        except KernelError as e:
            from .free import OutsideDomain

            # a point where a side has no value (a singular matrix; √ or log of a negative number, which the signed
            # draws reach): draw another
            if isinstance(e, OutsideDomain):
                raise _Outside() from None
            if "det" in str(e) and "= 0" in str(e):
                raise _Singular() from None
            raise
        if symbolic:
            return (lhs, rhs), False
        if drawn is not None and sigma.table:
            drawn.add("abstract")
        return _rational_sides((lhs, rhs), exact, fields, unread), False
    with literal():  # the kernel reads the check as Python does (notation.literal)
        out = claim.check(**size)
    from .check import _sides

    lhs, rhs = _sides(out)
    if lhs.atoms(sp.core.function.AppliedUndef) or rhs.atoms(sp.core.function.AppliedUndef):
        raise Cannot("the sides apply functions the kernel has no values for")
    syms = sorted(lhs.free_symbols | rhs.free_symbols, key=sp.default_sort_key)
    if symbolic:
        return (lhs, rhs), False
    if walk.contains(*lhs, *rhs, test=_astronomical):
        raise Cannot("a power with a variable exponent (2**a, e^(a·log b) = b**a), which SymPy evaluates at the "
                     "kernel's 128-bit point (2**a: an integer of about 2^128 digits): the kernel does not")
    # a symbol's declared sign is kept (SymPy simplified the sides under it), any other takes a random sign
    at = {s: draw() if s.is_nonnegative else -draw() if s.is_nonpositive else signed() for s in syms}
    return _rational_sides((lhs.xreplace(at), rhs.xreplace(at)), exact, fields, unread), False


def _astronomical(e) -> bool:
    """A power whose exponent holds a symbol (2**a; not (−1)**a), or e^u with u holding a symbol and a log (SymPy
    reads e^(a·log b) as b**a): SymPy evaluates it at the kernel's point, where a is a 128-bit integer."""
    if e.is_Pow:
        return bool(e.exp.free_symbols) and e.base not in (sp.S.NegativeOne, sp.S.One, sp.S.Zero)
    return isinstance(e, sp.exp) and bool(e.args[0].free_symbols) and e.args[0].has(sp.log)


#: the degree run's variables, r_k the k-th variable any run makes (:class:`_Fresh`): one object per k for the whole
#: process, so that two runs that do the same operations on them (the claim at t and at t + 1 shares its first t
#: steps, the unrolled term's run repeats the claim's own check) build the same SymPy objects, which SymPy's cache and
#: each object's assumptions then serve (issue 20.6, cpu8: half the run's CPU). Within one run r_1, r_2, … are
#: distinct objects, as fresh Dummies were; E is read off the trees' shapes, which do not depend on which objects
#: the leaves are (tests/test_kernel_degree_shared.py compares every shipped claim's Degree with fresh variables)
_VARIABLES: list = []
#: False: a fresh Dummy per draw, the computation before cpu8 (kept for the property test that compares the two)
SHARED_VARIABLES = True


class _Fresh:
    """The degree run's draw: every random value a new real variable (distinct from every other of this run: r_k,
    the k-th it makes, :data:`_VARIABLES`); the arguments of the random functions are recorded (for the collision
    term of the error bound)."""

    def __init__(self):
        self.made, self.arguments, self.symbols = 0, [], set()
        self.met: dict = {}  # function name -> [(argument, the variable of its value, every variable drawn there)]
        self.created: list = []
        self.pool = _VARIABLES if SHARED_VARIABLES else None

    def __call__(self):
        self.made += 1
        if self.pool is None:
            r = sp.Dummy(f"r{self.made}")
        else:
            while len(self.pool) < self.made:
                self.pool.append(sp.Dummy(f"r{len(self.pool) + 1}"))
            r = self.pool[self.made - 1]
        self.symbols.add(r)
        self.created.append(r)
        return r

    def number(self, exact):
        """dual.number for the degree run: an expression of the run's own variables is a value there."""
        def number(x):
            if isinstance(x, sp.Basic) and not isinstance(x, sp.MatrixBase) and x.free_symbols \
                    and x.free_symbols <= self.symbols and not x.has(sp.Float):
                return x
            return exact(x)
        return number


class Unbounded(Exception):
    """The structural degree bound does not reach this expression (a function the kernel did not draw)."""


def degree_bound(e, memo: dict | None = None, only=None) -> tuple[int, int]:
    """(dn, dd): e = N/M with deg N ≤ dn and deg M ≤ dd in its symbols, read off the expression tree without
    expanding it (a + b: max(n₁ + d₂, n₂ + d₁) over d₁ + d₂; a·b: sums; aᵏ: k times; a⁻ᵏ swaps), so a bound
    whatever cancels. ``only``: the degree in these symbols alone (the others are constants). A real algebraic
    constant (a rational power of a positive rational, such as √2) has degree 0: Schwartz–Zippel holds over any
    field, here ℚ(√2, …) ⊂ ℝ. A function application (or another number) raises Unbounded."""
    def leaf(e):
        if e.is_Symbol:
            return (1, 0) if only is None or e in only else (0, 0)
        if e.is_Number:
            if not e.is_Rational:
                raise Unbounded(f"the number {sp.sstr(e)[:40]}")
            return (0, 0)
        if e.is_Pow and e.base.is_Rational and e.base > 0 and e.exp.is_Rational:
            return (0, 0)  # an algebraic constant
        if isinstance(e, sp.log) and not e.free_symbols:
            return (0, 0)  # a real constant (Schwartz–Zippel over ℝ); the exact reading decides its value
        return None

    def other(e):
        raise Unbounded(f"{type(e).__name__}(…)")

    return tree_degree(sp.sympify(e), leaf, other, {} if memo is None else memo)


def tree_degree(e, leaf, other, memo: dict) -> tuple[int, int]:
    """(n, d) of e = N/M as its tree builds them: ``leaf(e)`` gives an atom's (or None for a sum, product or
    integer power: a + b is max(n₁ + d₂, n₂ + d₁) over d₁ + d₂, a·b sums, aᵏ k times, a⁻ᵏ swaps), ``other(e)``
    raises for anything else. Shared by :func:`degree_bound` and radicals.weighted_degree (their atoms differ)."""
    def run(e):
        got = memo.get(e)
        if got is not None:
            return got
        r = leaf(e)
        if r is not None:
            pass
        elif e.is_Add:
            n, d = run(e.args[0])
            for a in e.args[1:]:
                n2, d2 = run(a)
                n, d = (max(n, n2), d) if d == d2 == 0 else (max(n + d2, n2 + d), d + d2)
            r = (n, d)
        elif e.is_Mul:
            r = (0, 0)
            for a in e.args:
                n2, d2 = run(a)
                r = (r[0] + n2, r[1] + d2)
        elif e.is_Pow and e.exp.is_Integer:
            n, d = run(e.base)
            k = int(e.exp)
            r = (k * n, k * d) if k >= 0 else (-k * d, -k * n)
        else:
            other(e)
        memo[e] = r
        return r

    return run(e)


class Degree(NamedTuple):
    """The degree run's bounds: ``E`` for a trial as drawn (exp and log random functions, closed forms of exp
    that the check itself writes decided exactly), ``exact`` for the trial with the kernel's own exp throughout
    (every e^u a closed form, decided exactly: :func:`exact_zero`); each None when not bounded, with why."""

    E: int | None
    why: str
    exact: int | None = None
    why_exact: str = ""
    #: the arguments (without their e^a factors: :func:`_log_parts`) of the log values the check writes that do not
    #: depend on the random values; every other log value was read as a variable of its own (``exact_decide``)
    logs: frozenset = frozenset()
    #: why the sides are not evaluated at the point at all (a power with a variable exponent: 2^a, e^(a·log 2), which
    #: SymPy would compute at a 128-bit a), or ""
    refuse: str = ""
    #: where the check took √ or |·| of the random values (E is then None): (radicals.Formal, lhs, rhs) of the
    #: degree run, for the kernel's formal check (:func:`.radicals.check`), or None
    formal: tuple | None = None


def _log_parts(arg) -> tuple:
    """log's argument as (a, u) with arg = e^a·u and no e^… factor left in u: log(arg) = a + log u for u > 0."""
    a, rest = sp.Integer(0), []
    for f in sp.Mul.make_args(arg):
        if isinstance(f, sp.exp):
            a += f.args[0]
        elif f is sp.E:
            a += 1
        elif f.is_Pow and f.base is sp.E:
            a += f.exp
        else:
            rest.append(f)
    return a, sp.Mul(*rest)


def _exp_term(sides, ys: dict, memo: dict) -> tuple[int, int, int]:
    """(T·W, k, T) for the exponentials ``ys`` (variable → its argument) that occur in ``sides``: T bounds the
    number of monomials Y^β of N·M in them (C(k + D_Y, k), D_Y their degree there), W = Σ (dn + dd) over their
    arguments bounds the degree of the numerator of A_β − A_γ for two exponents of that support."""
    occur = walk.symbols(*sides) & set(ys)
    if not occur:
        return 0, 0, 1
    only_memo: dict = {}
    DY = 0
    for a, b in zip(sides[::2], sides[1::2]):
        n1, d1 = degree_bound(a, only_memo, only=occur)
        n2, d2 = degree_bound(b, only_memo, only=occur)
        DY = max(DY, max(n1 + d2, n2 + d1) + d1 + d2)
    k = len(occur)
    T = math.comb(k + DY, k)
    W = sum(sum(degree_bound(ys[y], memo)) for y in occur)
    return T * W, k, T


def degree_info(claim, size: dict) -> Degree:
    """Sound bounds for the randomized check's error E·2^−BITS per trial (or None, why), from one run of the same
    evaluation with every random value a fresh variable (inputs, σ, σ', σ'' at each argument, tanh's r, e^u at
    each argument u, ...): E = D + Σ over pairs of arguments of the random functions of deg(uᵢ ∓ uⱼ) + Σ deg uᵢ,
    D bounding the degrees of the numerator and denominator of lhs − rhs (:func:`degree_bound`), plus T·W for
    the exponentials decided exactly (the module docstring). The run makes a fresh variable for every argument it
    meets (formally equal ones too): the true computation is that one with some variables identified, which does
    not raise a degree, so the bound holds for it. A closed form e^u the check writes itself (SymPy's exp of the
    run's values, the notation's softmax of plain values) is read as a variable Y_u of its own."""
    return degree_infos(claim, size)[0]


def degree_infos(claim, size: dict, part=None) -> tuple[Degree, Degree | None]:
    """:func:`degree_info` of ``claim``, and of the first part of its run: ``part`` (a callable, asked after the run)
    gives what that part made, (its out, the number of the run's random-function arguments and of each function's
    ``met`` entries at its end), or None. The part's Degree is the one :func:`degree_info` computes for that part run
    alone: the run's random values are keyed (the same key, the same variable), so a part run first on a fresh draw
    makes the same arguments as it would alone. None for it where it is not told apart (no part recorded; √, |·|,
    max or min read formally anywhere in the run; the run refused, or not run on variables)."""

    from .check import _sides

    from . import free

    from .radicals import Formal, Refused

    fresh = _Fresh()
    exact = dual.number
    # the dual numbers and the free variables' jets hold the run's variables (both restored below); √ and |·| of
    # them are read formally (radicals.py: a radical s with s² = C, a sign the domain fixes or a sign variable)
    dual.number = free.number = fresh.number(exact)
    models = claim.model is not None
    formal = free.FORMAL = Formal(fresh.symbols, models=models)
    try:
        try:
            out, _ = _trial(claim, size, random.Random(0), draw=fresh)
            lhs, rhs = _sides(out)
            if models and _signs_in((*lhs, *rhs)):
                # |·|, max and min the check itself applies to a model's values: read alike (radicals.py)
                memo: dict = {}
                lhs, rhs = (sp.Matrix(lhs.rows, lhs.cols, [_read_signs(x, formal, memo) for x in lhs]),
                            sp.Matrix(rhs.rows, rhs.cols, [_read_signs(x, formal, memo) for x in rhs]))
        except Refused as e:
            return Degree(None, f"√ or |·| of the random values the kernel does not read formally ({e})"), None
        first = part() if part is not None else None
        if formal.refused:  # refused inside the check, which went on (it caught the exception): not the same run
            return (Degree(None, "√ or |·| of the random values the kernel does not read formally "
                           f"({formal.refused})"), None)
        if formal.used or (models and formal.touched):
            # the sides are not rational functions of the draws: the bound below does not apply. A claim of free
            # variables without random functions, or of a model's values (σ's values at each argument its own
            # variables: radicals.py, "A model's values"), is checked formally instead (radicals.check)
            why = "√ or |·| of the random values"
            if not models and (getattr(claim, "variables", None) is None or fresh.arguments):
                return Degree(None, why + " beside a random function"), None
            return Degree(None, why + (" (|·|, max or min of a model's values)" if models else ""),
                          formal=(formal, lhs, rhs)), None
        if formal.touched:
            first = None
        whole = _bound_of(lhs, rhs, fresh.arguments, fresh.met)
        if first is None:
            return whole, None
        mine, n_args, n_met = first
        lhs, rhs = _sides(mine)
        if _signs_in((*lhs, *rhs)):
            return whole, None  # read formally on its own run: not told apart here
        return whole, _bound_of(lhs, rhs, fresh.arguments[:n_args],
                                {k: v[:n_met.get(k, 0)] for k, v in fresh.met.items()})
    except Unbounded as e:
        return Degree(None, f"a side applies {e} to the random values"), None
    except Exception as e:  # the check does not run on fresh variables: the bound is not computed
        return Degree(None, f"the check does not run on variables ({type(e).__name__})"), None
    finally:
        dual.number = free.number = exact
        free.FORMAL = None


def _signs_in(sides) -> bool:
    """Whether |·|, max or min occurs in the sides: SymPy's ``has(Abs, Max, Min)`` with each shared object visited
    once (:func:`.walk.nodes`). ``has`` walks the degree run's DAG as a tree, each shared subexpression once per path:
    exponential in its depth, 18 % of lstm.down.h-row's degree runs (cpu10). Where an object binds variables (a
    Lambda, a Sum) ``has`` itself answers, so the answer is ``has``'s in every case."""
    exprs = [sp.sympify(x) for x in sides]
    found = False
    for e in walk.nodes(*exprs):
        if hasattr(e, "bound_symbols"):
            return any(x.has(sp.Abs, sp.Max, sp.Min) for x in exprs)
        found = found or isinstance(e, (sp.Abs, sp.Max, sp.Min))
    return found


def _bound_of(lhs, rhs, arguments: list, met: dict) -> Degree:
    """:func:`degree_info`'s bound from a degree run's sides, the random functions' arguments it met and each
    function's ``met`` entries (:class:`_Fresh`)."""
    try:
        if walk.contains(*lhs, *rhs, *arguments, test=_astronomical):  # a random function's argument too
            return Degree(None, "a power with a variable exponent", refuse=(
                "a power with a variable exponent (2**a, e^(a·log b) = b**a), which SymPy evaluates at the kernel's "
                "128-bit point (2**a: an integer of about 2^128 digits): the kernel does not"))
        closed: dict = {}  # Y -> u for each closed form e^u (e = e^1 too), innermost first

        def formal(e):
            y = sp.Dummy(f"Y{len(closed)}")
            closed[y] = e.args[0] if isinstance(e, sp.exp) else sp.Integer(1)
            return y

        formal_logs: dict = {}  # u -> its variable L_u: log u of the random values, each a variable of its own
        fixed: set = set()  # the arguments u of the log values that are constants

        def read_log(e):
            a, u = _log_parts(e.args[0])
            if walk.contains(u, test=lambda x: isinstance(x, (sp.exp, sp.log)) or x is sp.E):
                raise Unbounded(f"log of {sp.sstr(e.args[0])[:40]} (a log of a sum with exponentials, or of a log)")
            u_symbols = walk.symbols(u)
            if u_symbols & set(formal_logs.values()):
                raise Unbounded(f"log of a log value ({sp.sstr(e.args[0])[:40]})")
            if not u_symbols:
                fixed.add(u)
                return a + sp.log(u)
            if u not in formal_logs:
                formal_logs[u] = sp.Dummy(f"L{len(formal_logs)}")
            return a + formal_logs[u]

        pairs_of_sides = []
        for a, b in zip(lhs, rhs):
            for side in (sp.sympify(a), sp.sympify(b)):
                side = closed_forms(side)  # tanh, logistic: fractions of e^u
                side = walk.replaced(side, lambda e: isinstance(e, sp.log), read_log)
                pairs_of_sides.append(walk.replaced(side, lambda e: isinstance(e, sp.exp) or e is sp.E, formal))
        memo: dict = {}
        D = 0
        for a, b in zip(pairs_of_sides[::2], pairs_of_sides[1::2]):
            n1, d1 = degree_bound(a, memo)
            n2, d2 = degree_bound(b, memo)
            D = max(D, max(n1 + d2, n2 + d1) + d1 + d2)
        args = [degree_bound(u, memo) for u in dict.fromkeys(arguments)]
        log_weights = [sum(degree_bound(u, memo)) for u in formal_logs]
    except Unbounded as e:
        return Degree(None, f"a side applies {e} to the random values")
    except Exception as e:  # the check does not run on fresh variables: the bound is not computed
        return Degree(None, f"the check does not run on variables ({type(e).__name__})")
    weights = [n + d for n, d in args]
    # u_i = ±u_j (tanh and logistic read −u from u) for each pair, and u_i = 0 (σ's value there may be fixed)
    pairs = (2 * len(weights) - 1) * sum(weights) if weights else 0
    # each log u of the random values is a variable of its own at the point unless u takes there the value 1, of
    # another such argument or of a constant one, or their reciprocal (SymPy reads log(1/w) as −log w): u_i − c,
    # u_i·c − 1, u_i − u_j, u_i·u_j − 1, each of numerator degree ≤ w_i + w_j (w = dn + dd)
    pairs += 2 * (len(fixed) + 1 + len(log_weights)) * sum(log_weights)
    why = f"D ≤ {D}" + (f", {len(weights)} arguments of random functions" if weights else "") + (
        f", {len(log_weights)} log values of the random values" if log_weights else "")
    syms: dict = {}
    # a log value in an exponent, of the random values or a constant (e^(a·log 2) = 2^a): the exponents A(x*) are not
    # rational there (Lindemann–Weierstrass says nothing; SymPy reads e^(q·log 2) as 2^q, an algebraic number)
    nested_logs = [u for u in closed.values() if walk.symbols_memo(u, syms) & set(formal_logs.values())
                   or walk.contains(u, test=lambda x: isinstance(x, sp.log))]
    if nested_logs:
        return Degree(None, f"e^u of a log value ({sp.sstr(nested_logs[0])[:40]})")
    # the trial as drawn: the closed forms e^u are read exactly, their arguments may hold the random exp's values
    # (variables there) but not another closed form's
    in_sides = walk.symbols(*pairs_of_sides)
    nested = [y for y, u in closed.items() if walk.symbols_memo(u, syms) & set(closed) and y in in_sides]
    E, why_E = D + pairs, why
    try:
        if nested:
            raise Unbounded(f"e^u of a closed form e^v ({sp.sstr(closed[nested[0]])[:40]})")
        TW, k, T = _exp_term(pairs_of_sides, closed, memo)
        if k:
            E, why_E = E + TW, why + f", {k} closed forms e^u read exactly (T ≤ {T} exponents)"
    except Unbounded as e:
        E, why_E = None, f"{e}"
    # the trial with the kernel's own exp: every e^u (the random exp's too) read exactly, no e^u and no random
    # function's argument (but log's, whose value must not reach the sides) holding an exponential or a log value
    # (a random function whose values do not reach the sides may have any argument: the sides do not depend on it)
    ys = dict(closed)
    ys.update({r: u for u, r, _ in met.get("exp", [])})
    logs = {r for _, r, _ in met.get("log", [])}
    inner = set(ys) | logs
    bad = [u for entries in met.values() for u, _, made in entries if walk.symbols_memo(u, syms) & inner
           and made & in_sides]
    bad += [u for y, u in closed.items() if walk.symbols_memo(u, syms) & inner and y in in_sides]
    fixed = frozenset(fixed)
    if bad:
        return Degree(E, why_E, None, f"an argument holds an exponential or a log ({sp.sstr(bad[0])[:40]})", fixed)
    if logs & in_sides:
        return Degree(E, why_E, None, "a side holds a log value", fixed)
    try:
        TW, k, T = _exp_term(pairs_of_sides, ys, memo)
    except Unbounded as e:
        return Degree(E, why_E, None, f"{e}", fixed)
    return Degree(E, why_E, D + pairs + TW,
                  why + (f", {k} exponentials e^u read exactly (T ≤ {T} exponents)" if k else ""), fixed)


def _read_signs(e, formal, memo: dict):
    """A side of the degree run with each |u|, max and min of the run's values read by ``formal`` (radicals.Formal:
    |u| = S·u, max(a, b) = (a + b + S·(a − b))/2, min with −S, S the sign variable of u resp. a − b), innermost
    first. Anything else is kept (sign, Heaviside: not continuous at 0, so not read; the bound then stops there).
    ``memo``: shared by the entries of both sides."""

    def run(x):
        got = memo.get(x)
        if got is not None:
            return got
        if not x.args or not x.free_symbols:
            got = x
        else:
            args = [run(a) for a in x.args]
            if isinstance(x, sp.Abs) and args[0].free_symbols:
                got = formal.sign(args[0]) * args[0]
            elif isinstance(x, (sp.Max, sp.Min)) and any(a.free_symbols for a in args):
                got = args[0]
                for a in args[1:]:
                    S = formal.sign(a - got) * (1 if isinstance(x, sp.Max) else -1)
                    got = (a + got + S * (a - got)) / 2
            else:
                got = x.func(*args) if any(a is not b for a, b in zip(args, x.args)) else x
        memo[x] = got
        return got

    return run(sp.sympify(e))


def degree_of(claim, size: dict) -> tuple[int | None, str]:
    """E and why of :func:`degree_info` (the trial as drawn)."""
    d = degree_info(claim, size)
    return d.E, d.why


#: the largest error a randomized acceptance that decided closed forms exactly may claim: 2^−MIN_EXACT_BITS per
#: trial (the exponential term T·W can be large); above it the normal form stays trusted, with the bound said
MIN_EXACT_BITS = 32
#: kinds of the exact zero test at the point (Token.zero_test)
RATIONAL, ALGEBRAIC, EXP, LOG = "rational", "algebraic", "exp", "log"
#: the zero test of a claim with √ or |·| of the random values: lhs − rhs's coordinates in ℚ(x)[s]/(s² − C) are 0 at
#: a random point for every sign pattern the domain leaves open (radicals.py)
RADICAL = "radical"
#: the largest number whose radicals the kernel factors into primes (a radical of a random value is not a constant:
#: the degree run does not bound it, and the kernel does not decide it)
_FACTOR_LIMIT = 2 ** 64
#: the most terms one product of the exact reading may form (beyond: Cannot, the normal form stays trusted)
_TERMS = 200_000


def closed_forms(e):
    """``e`` with tanh(u) written (e^(2u) − 1)/(e^(2u) + 1) and logistic(u) written 1/(1 + e^(−u)): the same numbers
    (the denominators are > 0 for real u), so a tanh(q) or logistic(q) at the point is read in ℚ(e^ℚ)."""
    from ..functions import logistic

    def rewrite(f):
        u = f.args[0]
        if isinstance(f, sp.tanh):
            y = sp.exp(2 * u)
            return (y - 1) / (y + 1)
        return 1 / (1 + sp.exp(-u))

    return walk.replaced(sp.sympify(e), lambda f: isinstance(f, (sp.tanh, logistic)), rewrite)


def coprime_base(numbers) -> list:
    """Pairwise coprime integers > 1 such that every given positive integer is a product of their powers (factor
    refinement by gcds: no factoring). Their logarithms are linearly independent over ℚ: Π bᵢ^kᵢ = 1 with the bᵢ
    pairwise coprime and > 1 forces every kᵢ = 0."""
    base = sorted({int(n) for n in numbers if int(n) > 1})
    changed = True
    while changed:
        changed = False
        for i in range(len(base)):
            for j in range(i + 1, len(base)):
                g = math.gcd(base[i], base[j])
                if g > 1:
                    a, b = base[i] // g, base[j] // g
                    base = sorted({x for k, x in enumerate(base) if k not in (i, j)} | {x for x in (a, b, g) if x > 1})
                    changed = True
                    break
            if changed:
                break
    return base


def _split(n: int, base: list) -> dict:
    """n = Π b^e over the coprime base: {index: e}."""
    out = {}
    for i, b in enumerate(base):
        while n % b == 0:
            n //= b
            out[i] = out.get(i, 0) + 1
    if n != 1:
        raise KernelError(f"{n} is not a product of the coprime base")  # a bug of coprime_base
    return out


def _exact_decide(d, fixed: frozenset | None = None, defined: bool = False) -> tuple[bool, str]:
    """Is the real number ``d`` 0, decided exactly, and in which field (RATIONAL, ALGEBRAIC, EXP or LOG)? Raises
    Cannot for a number outside what the kernel reads (π, e^√2, a nested radical, a log of a sum or of a log, a
    complex number, a float), and for one it reads but no theorem it uses decides (below). Never floats, never
    ``simplify``.

    d is read as a rational function of atoms e^q (q rational; e itself is e^1; tanh(q) and logistic(q) through
    :func:`closed_forms`), r^s (r a positive rational, s rational) and log w (w > 0 of the form c·e^q·Π p^(k/L)),
    under +, ·, integer powers, evaluated on its own expression tree into a fraction N/M of sparse sums
    Σ c·e^q·Π_p p^(k_p/L)·Π_b Λ_b^(m_b) (c rational, p the primes of the radicands, L the common denominator of
    every radical's exponent, 0 ≤ k_p < L: p^(k/L) with k ≥ L gives p^⌊k/L⌋ to c; Λ_b a formal variable for log b,
    b in a coprime base of the integers the logs' arguments name). log(c·e^q·Π p^(k/L)) is q + log c.num −
    log c.den + Σ (k/L)·log p, each integer a product of the base's powers, so a ℚ-linear form in the Λ_b plus a
    rational. N/M is formed without cancelling anything (a + b over a common denominator unless it is one
    already), so nothing is lost. d = 0 when N has no nonzero term (a formal zero: 0 whatever values the atoms
    take); when N has one, d ≠ 0 is decided by a theorem where one applies:

    * the numbers Π_p p^(k_p/L), 0 ≤ k_p < L (real positive roots of distinct primes), are linearly independent
      over ℚ (Besicovitch 1940), so a coefficient vector is 0 iff the algebraic number it stands for is;
    * e^{q₁}, …, e^{q_r} for distinct rationals q_i are linearly independent over ℚ̄ (Lindemann–Weierstrass; for
      rational q_i this is Hermite's transcendence of e), so Σ_q α_q e^q = 0 with α_q ∈ ℚ̄ iff every α_q = 0
      (N without log variables);
    * log b₁, …, log b_k are linearly independent over ℚ (the b pairwise coprime, > 1), so 1, log b₁, …, log b_k
      are linearly independent over ℚ̄ (Baker 1966; Baker, Transcendental Number Theory, thm 2.1): α₀ + Σ α_b log b
      = 0 with α ∈ ℚ̄ iff every α = 0 (N of degree ≤ 1 in the Λ_b, every term with q = 0: its coefficients are
      real algebraic numbers of ℚ(ᴸ√p, …)).

    Outside these (a product or power of log values, whose algebraic independence is open: Schanuel's
    conjecture; log values beside e^q with q ≠ 0, where no theorem the kernel uses applies) a nonzero N is decided
    only by arb balls excluding 0 (:func:`.decide.sign`: a certified enclosure, never a float); else Cannot, named.
    Each denominator must be decided nonzero the same way (else Cannot: the number may be undefined).

    ``fixed``: for the randomized check's error bound (:func:`confirm_identity`), the arguments of the log values
    that do not depend on the random values (the degree run's constants). A zero with another log value counts
    only if it is formal with each such log a variable of its own (the degree run's reading): a zero that needs a
    multiplicative relation among those arguments at the point (log(pq) against log p + log q) raises Cannot,
    since the error bound does not cover it. None: no such requirement (an equality of two numbers).

    ``defined``: only read d, each denominator decided nonzero (raises :class:`_ZeroDenominator` at a 0 one, Cannot
    at one not decided), and return (False, field) without deciding d itself: that d has a value at the point.
    """
    d = sp.sympify(d)
    if d.is_Rational:
        return d == 0, RATIONAL
    field = LOG if d.has(sp.log) else EXP if d.has(sp.exp, sp.E, sp.tanh, _logistic()) else ALGEBRAIC
    d = closed_forms(d)
    if d.is_Rational:
        return d == 0, field
    if d.free_symbols or d.has(sp.Float):
        raise Cannot(f"{sp.sstr(d)[:60]} is not an exact number")
    exps: set = set()
    rads: dict = {}
    logs: list = []

    def walk(e, inside_log=False):
        if e.is_Rational:
            return
        if e is sp.E or isinstance(e, sp.exp):
            if not (e is sp.E or e.args[0].is_Rational):
                raise Cannot(f"e^({sp.sstr(e.args[0])[:40]}) has an argument that is not rational")
            exps.add(e)
        elif isinstance(e, sp.log):
            if inside_log:
                raise Cannot(f"a log of a log value ({sp.sstr(e)[:40]})")
            if e not in logs:
                logs.append(e)
            walk(e.args[0], True)
        elif e.is_Pow and e.base.is_Rational and e.exp.is_Rational:
            if not e.base > 0:
                raise Cannot(f"{sp.sstr(e)[:40]} is not a real radical")
            rads[e] = (e.base, e.exp)
        elif e.is_Add or e.is_Mul:
            for a in e.args:
                walk(a, inside_log)
        elif e.is_Pow and e.exp.is_Integer:
            walk(e.base, inside_log)
        else:
            raise Cannot(f"the kernel does not decide a number with {type(e).__name__} ({sp.sstr(e)[:40]}) exactly")

    walk(d)
    L = 1
    for _, s_ in rads.values():
        L = math.lcm(L, int(s_.q))
    primes: list = []
    atoms: dict = {}  # atom -> its sparse sum
    factored = {}
    for e, (r, s_) in rads.items():
        for part in (int(r.p), int(r.q)):
            if part >= _FACTOR_LIMIT:
                raise Cannot(f"a radical of a large number ({sp.sstr(e)[:40]})")
            factored[part] = sp.factorint(part)
            primes.extend(p for p in factored[part] if p not in primes)
    primes.sort()
    index = {p: i for i, p in enumerate(primes)}
    zero_ks = (0,) * len(primes)

    def mono_mul(a: tuple, b: tuple) -> tuple:
        if not a or not b:
            return a or b
        out = dict(a)
        for i, m in b:
            out[i] = out.get(i, 0) + m
        return tuple(sorted(out.items()))

    def monomial(c, q, ks, mono=()) -> dict:
        """c·e^q·Π p^(k/L)·Π Λ^m with the k reduced into [0, L)."""
        c, out = sp.Rational(c), [0] * len(primes)
        for i, k in enumerate(ks):
            m, r = divmod(k, L)
            if m:
                c *= sp.Rational(primes[i]) ** m
            out[i] = r
        return {(q, tuple(out), mono): c}

    for e in exps:
        atoms[e] = monomial(1, sp.Integer(1) if e is sp.E else e.args[0], zero_ks)
    for e, (r, s_) in rads.items():
        ks = [0] * len(primes)
        for part, sign in ((int(r.p), 1), (int(r.q), -1)):
            for p, k in factored[part].items():
                ks[index[p]] += sign * k * s_ * L  # an integer: s·L is one
        atoms[e] = monomial(1, sp.Integer(0), [int(k) for k in ks])
    one = {(sp.Integer(0), zero_ks, ()): sp.Integer(1)}

    def add(a: dict, b: dict) -> dict:
        out = dict(a)
        for k, c in b.items():
            v = out.get(k, 0) + c
            if v == 0:
                out.pop(k, None)
            else:
                out[k] = v
        return out

    def mul(a: dict, b: dict) -> dict:
        if len(a) * len(b) > _TERMS:
            raise Cannot(f"the exact reading of the sides grows beyond {_TERMS} terms")
        out: dict = {}
        for (q1, k1, m1), c1 in a.items():
            for (q2, k2, m2), c2 in b.items():
                for key, c in monomial(c1 * c2, q1 + q2, [x + y for x, y in zip(k1, k2)], mono_mul(m1, m2)).items():
                    out[key] = out.get(key, 0) + c
        return {k: v for k, v in out.items() if v != 0}

    def power(a: dict, k: int) -> dict:
        out = one
        while k:
            if k & 1:
                out = mul(out, a)
            k >>= 1
            if k:
                a = mul(a, a)
        return out

    def why_outside(poly: dict) -> str | None:
        """None when a theorem decides that this nonzero sum is a nonzero number; else why none does."""
        degree = max((sum(m for _, m in mono) for _, _, mono in poly), default=0)
        if degree == 0:
            return None  # Lindemann–Weierstrass over ℚ(ᴸ√p, …) (Besicovitch)
        if degree > 1:
            return ("a product of log values (their algebraic independence is open: Schanuel's conjecture), not "
                    "formally 0")
        if any(q != 0 for q, _, _ in poly):
            return "log values beside e^q (q ≠ 0): no theorem the kernel uses decides such a sum, not formally 0"
        return None  # Baker: 1, log b₁, …, log b_k independent over ℚ̄

    def nonzero(poly: dict, e) -> None:
        """A denominator: raise Cannot unless it is decided nonzero."""
        if not poly:
            raise _ZeroDenominator("a denominator is 0 at the point")
        why = why_outside(poly)
        if why is not None and _certified_sign(e) is None:
            raise Cannot(f"a denominator is not decided nonzero ({why})")

    memo: dict = {}

    def run(e) -> tuple[dict, dict]:
        got = memo.get(e)
        if got is not None:
            return got
        if e.is_Rational:
            r = ({(sp.Integer(0), zero_ks, ()): e} if e != 0 else {}, one)
        elif e in atoms:
            r = (atoms[e], one)
        elif e.is_Add:
            n, m = run(e.args[0])
            for a in e.args[1:]:
                n2, m2 = run(a)
                n, m = (add(n, n2), m) if m == m2 else (add(mul(n, m2), mul(n2, m)), mul(m, m2))
            r = (n, m)
        elif e.is_Mul:
            n, m = one, one
            for a in e.args:
                n2, m2 = run(a)
                n, m = mul(n, n2), mul(m, m2)
            r = (n, m)
        else:  # an integer power (walk admitted nothing else)
            n, m = run(e.base)
            k = int(e.exp)
            if k < 0:
                nonzero(n, e.base)
            r = (power(n, k), power(m, k)) if k >= 0 else (power(m, -k), power(n, -k))
        if not r[1]:
            raise _ZeroDenominator("a denominator is 0 at the point")
        memo[e] = r
        return r

    # each log's argument as c·e^q·Π p^(k/L) (one term), then log as q + a ℚ-linear form over a coprime base
    read: dict = {}
    for lg in logs:
        n, m = run(lg.args[0])
        if len(n) != 1 or len(m) != 1:
            raise Cannot(f"{sp.sstr(lg)[:50]}: a log of a sum (not one term c·e^q·Π p^(k/L)) is outside Baker's "
                         "theorem as the kernel uses it")
        ((qn, kn, _), cn), ((qm, km, _), cm) = next(iter(n.items())), next(iter(m.items()))
        c = sp.Rational(cn) / sp.Rational(cm)
        if not c > 0:
            raise Cannot(f"{sp.sstr(lg)[:50]}: a log of a number that is not positive")
        read[lg] = (qn - qm, [a - b for a, b in zip(kn, km)], c)
    base = coprime_base([x for _, _, c in read.values() for x in (c.p, c.q)]
                        + [primes[i] for _, ks, _ in read.values() for i, k in enumerate(ks) if k])
    forms: dict = {}
    for lg, (q, ks, c) in read.items():
        vec: dict = {}
        for part, sign in ((int(c.p), 1), (int(c.q), -1)):
            for b, k in _split(part, base).items():
                vec[b] = vec.get(b, 0) + sign * k
        for i, k in enumerate(ks):
            if k:
                for b, k2 in _split(primes[i], base).items():
                    vec[b] = vec.get(b, 0) + sp.Rational(k, L) * k2
        forms[lg] = (q, c, {b: v for b, v in vec.items() if v != 0})

    def log_atoms(formal: set) -> None:
        """Each log value's sum: q + Σ v_b Λ_b, or (for those in ``formal``) q + a variable of its own for its
        argument u without e^… factors (log(e^a·u) = a + log u, as the degree run reads it)."""
        own: dict = {}
        for lg, (q, _, vec) in forms.items():
            s = {(sp.Integer(0), zero_ks, ()): sp.Rational(q)} if q != 0 else {}
            if lg in formal:
                j = own.setdefault(_log_parts(lg.args[0])[1], len(base) + len(own))
                atoms[lg] = add(s, {(sp.Integer(0), zero_ks, ((j, 1),)): sp.Integer(1)})
                continue
            for b, v in vec.items():
                s = add(s, {(sp.Integer(0), zero_ks, ((b, 1),)): sp.Rational(v)})
            atoms[lg] = s

    log_atoms(set())
    memo.clear()
    num, _ = run(d)
    if defined:
        return False, field
    if num:
        why = why_outside(num)
        if why is None or _certified_sign(d) is not None:
            return False, field
        raise Cannot(f"{sp.sstr(d)[:50]}: {why}")
    if fixed is not None:
        # a zero for the error bound: formal with each log of the random values a variable of its own
        random_logs = {lg for lg in forms if _log_parts(lg.args[0])[1] not in fixed}
        if random_logs:
            log_atoms(random_logs)
            memo.clear()
            num, _ = run(d)
            if num:
                raise Cannot("lhs − rhs is 0 at the point only through a multiplicative relation among the "
                             f"arguments of its log values ({', '.join(sp.sstr(x)[:30] for x in random_logs)}), "
                             "which the error bound reads as independent")
    return True, field


def _certified_sign(e) -> int | None:
    """The sign of the exact number e when arb balls exclude 0 (:func:`.decide.sign`), else None."""
    from .decide import sign

    try:
        s = sign(e)
    except Exception:  # arb does not enclose it (a huge exponent, an unsupported function): not decided
        return None
    return s or None


def _has_a_value(claim, size: dict, rng: random.Random) -> bool | None:
    """Do the sides have a value at one of REDRAWS random points (no root or log of a negative number, no
    denominator 0)? None when the kernel's evaluation does not run there (it then says nothing)."""
    for _ in range(REDRAWS):
        try:
            _trial(claim, size, rng)
            return True
        except _Singular:  # (and _Outside)
            continue
        except Exception:  # noqa: BLE001 (outside the kernel's reach: no answer, never a verdict)
            return None
    return False


def exact_zero(d) -> bool:
    """Is the exact real number ``d`` (in ℚ̄[e^ℚ] as :func:`_exact_decide` reads it) 0? Raises Cannot outside it."""
    return _exact_decide(d)[0]


def confirm_identity(claim, size: dict, *, seed: int = 0, trusts: str = "the normal form",
                     info: Degree | None = None) -> tuple[Proved | None, str]:
    """The kernel's Proved for the identity at ``size`` after its own random trials, or (None, the disagreement).
    ``info``: its :func:`degree_info` at ``size`` where a run the caller made already computed it (the kernel's
    reading at every t: :func:`degree_infos` of the claim's check run first beside the finder's term), else computed
    here.

    When the kernel cannot evaluate the claim to numbers it decides exactly (rationals, ℚ(ᴸ√p, …), ℚ̄[e^ℚ]), its
    Proved names ``trusts`` (what decided it) as trusted, with the reason.
    """
    rng = random.Random(f"{seed}:{claim.id}:{sorted(size.items())}")
    done = 0
    beyond = [f"{k} = {v}" for k, v in size.items() if v > REACH.get(k, 0)]
    if beyond and claim.model is not None:
        return _modular(claim, size, rng, trusts)
    if beyond and claim.model is None and getattr(claim, "variables", None) is not None:
        got = _free_modular(claim, size, rng)
        if got is not None:
            return got
    if beyond:
        if claim.model is None and _has_a_value(claim, size, rng) is False:
            return None, domain.NoValueShown(
                f"the sides have no value at any of the {REDRAWS} points the kernel drew ({', '.join(beyond)} is beyond"
                " its exact model's reach, where it only looks for a point with a value), so nothing confirms the "
                "normal form where the claim is defined")
        how = f"{trusts}, not re-checked by the kernel ({', '.join(beyond)} is beyond its exact model's reach)"
        return _issue(Proved, claim.id, size, IDENTITY, how, trusts=(how,)), how
    # the degree first: where it is not bounded (|·|, √ or a sign decided on the random values) the sides are not
    # rational functions of the draws and Schwartz–Zippel says nothing (|x| and x agree on half of the points): there
    # the kernel draws UNBOUNDED_TRIALS points, each sign pattern of the free variables' entries new at each
    info = info if info is not None else degree_info(claim, size)
    if info.refuse:
        how = f"{trusts}, not re-checked by the kernel ({info.refuse})"
        return _issue(Proved, claim.id, size, IDENTITY, how, trusts=(how,)), how
    E, why = info.E, info.why
    kinds: set = set()
    try:
        for _ in range(TRIALS if E is not None else UNBOUNDED_TRIALS):
            outside = 0
            drawn: set = set()
            fields: set = set()
            for _ in range(REDRAWS):
                unread: list = []
                try:
                    # closed forms are decided exactly only where the error is bounded (else: rationals, as ever)
                    diffs, lawless = _trial(claim, size, rng, exact=E is not None, drawn=drawn, fields=fields,
                                            unread=unread, spread=E is None)
                    break
                except _Outside:
                    outside += 1
                except _Singular:
                    continue
            else:
                if outside:  # defined at no point drawn: it may be defined nowhere (|√(−a² + a − 1) + 1|² = (…)²)
                    return None, domain.NoValueShown(
                        f"the sides have no value at any of the {outside} points the kernel drew (a root or log of a "
                        "value that is not positive at each), so nothing confirms the normal form where the claim is "
                        "defined")
                # a denominator 0 at every one of REDRAWS independent draws: it is 0 as a function, or the draws all
                # hit its zeros (each with probability ≤ 1/2 even where a sign decides it: ≤ 2^−32 in all); either
                # way no point shows a value: 1/((u + 1)² − u² − 2u − 1) is no claim the normal form's 0 may confirm
                return None, domain.NoValueShown(
                    f"a denominator is 0 at every one of the {REDRAWS} points the kernel drew: the sides have a value "
                    "at none of them, so nothing confirms the normal form where the claim is defined")
            decided = []
            for d in diffs:
                try:
                    decided.append(_exact_decide(d, info.logs))
                except Cannot:
                    if lawless:  # exp drawn at random beside a closed form it cannot read: the true exp decides
                        return _with_real_exp(claim, size, rng, info, trusts)
                    raise
            bad = [(k, d) for k, (d, (zero, _)) in enumerate(zip(diffs, decided)) if not zero]
            if bad and lawless:
                # exp drawn at random does not keep e^a·e^b = e^(a+b), which SymPy applies by itself: a difference
                # counts only if it stays with the kernel's own exp, where it is decided exactly
                return _with_real_exp(claim, size, rng, info, trusts)
            if bad:
                k, d = bad[0]
                if not d.is_Rational and ("logistic" in drawn or _mixes(d, drawn)):
                    # a closed form of e beside the kernel's random logistic function (the dual numbers' logistic
                    # is 1/(1 + e^−u)): a true claim may differ there, so this is no disagreement
                    raise Cannot("its sides mix closed forms of e with the kernel's random tanh or logistic function")
                return None, (f"the kernel's own check at a random point (σ a random function): entry {k} of "
                              f"lhs − rhs is {sp.sstr(d)[:60]} ≠ 0"
                              + ("" if d.is_Rational else " (decided exactly)"))
            if unread:  # lhs − rhs = 0, but a side is not read: that it has a value at the point is not decided
                raise Cannot(f"lhs − rhs = 0 at the point, but a side is not read there ({unread[0][:100]})")
            kinds.update(fields)
            kinds.update(f for _, f in decided)
            done += 1
    except Cannot as e:
        how = f"{trusts}, not re-checked by the kernel ({str(e)[:160]})"
        return _issue(Proved, claim.id, size, IDENTITY, how, trusts=(how,)), how
    except AlgebraicDisagreement as e:  # algebraic sides that differ at the point, decided exactly (free.py)
        return None, f"the kernel's own check at a random point: {e}"
    except Exception as e:  # the check does not run on the kernel's model: not confirmed, not refuted
        if isinstance(e, ConcretizationError):
            # the guard refused the check on the kernel's values only: it asks Python about something that is one
            # thing on the engine's run and another here (a value's class, a kernel value's insides), so the two
            # runs are two claims and no normal form of the engine's may be trusted for this one
            return None, (f"the check asks Python about a value on the kernel's run (not on the engine's): "
                          f"{str(e)[:200]}")
        if isinstance(e, Unsupported):
            from .check import probe

            line = probe(claim, size)  # an operation the kernel never replays, at any point: no holds rests on it
            if line is not None:
                return None, f"the kernel never replays an operation of the check: {line}"
        how = (f"{trusts}, not re-checked by the kernel (its check does not run there: {type(e).__name__}: "
               f"{str(e)[:160]})")
        return _issue(Proved, claim.id, size, IDENTITY, how, trusts=(how,)), how
    if E is None and info.formal is not None:
        # √ or |·| of the random values: the points above agreed (evidence); the kernel's formal check in
        # ℚ(x)[s]/(s² − C), for every sign pattern the domain leaves open, bounds the error (radicals.py)
        from . import radicals

        try:
            E_formal, said = radicals.check(*info.formal, rng)
        except Exception as e:  # the formal reading does not reach a side: no bound (as before), never a verdict
            E_formal, said = None, f"{'' if isinstance(e, KernelError) else type(e).__name__ + ': '}{str(e)[:120]}"
        if E_formal is not None:
            how = (f"the kernel's own check: lhs − rhs = 0 at {done} random points (evidence), and {said}: "
                   f"error ≤ ({E_formal}·2^−{BITS})^1 (bounded by the kernel: radicals.py)")
            return _issue(Proved, claim.id, size, IDENTITY, how, error=(BITS, 1), degree=E_formal,
                          zero_test=RADICAL), how
        why = f"{why}; its formal check did not go through: {said}"
    zero_test = _zero_test(kinds)
    if zero_test != RATIONAL and not _claimable(E):
        how = (f"{trusts}, not re-checked by the kernel (lhs − rhs = 0 exactly at its point, but the error bound "
               f"{E}·2^−{DRAW_BITS} is above 2^−{MIN_EXACT_BITS})")
        return _issue(Proved, claim.id, size, IDENTITY, how, trusts=(how,)), how
    bound = (f"error ≤ ({E}·2^−{DRAW_BITS})^{done} ({why}, bounded by the kernel; 2^−{DRAW_BITS} = {REDRAWS}·2^−{BITS}: "
             f"a trial keeps one of up to {REDRAWS} draws)" if E is not None else
             f"no error bound: the degree is not bounded here ({why}), so the points are evidence, not a bound")
    inputs = (f"each entry uniform in [0, 2^{BITS}) with a random sign, a declared sign kept"
              if getattr(claim, "variables", None) is not None else
              f"each input and random value uniform in [0, 2^{BITS}) with a random sign (the logistic function's "
              f"in (0, 1), exp's > 0: their ranges)" if claim.model is not None
              else f"inputs uniform in [0, 2^{BITS})")
    how = (f"the kernel's own check: lhs − rhs = 0 at {done} random points ({inputs}, σ a random function"
           f"{_ZERO_WORDS[zero_test]}), {bound}")
    return _issue(Proved, claim.id, size, IDENTITY, how, error=(DRAW_BITS, done), degree=E, zero_test=zero_test), how


_ZERO_WORDS = {RATIONAL: "", ALGEBRAIC: "; exact at the point in ℚ(ᴸ√p, …): Besicovitch",
               EXP: "; exact at the point: Lindemann–Weierstrass in ℚ̄[e^ℚ]",
               LOG: "; exact at the point: log values as linear forms over a coprime base, Baker's theorem"}


def _zero_test(kinds: set) -> str:
    return next((k for k in (LOG, EXP, ALGEBRAIC) if k in kinds), RATIONAL)


def _mixes(d, drawn: set) -> bool:
    """Whether lhs − rhs holds a closed form tanh(u), logistic(u) or e^u at an argument where the kernel drew its
    random tanh or logistic function q (u = ±q, ±2q or ±q/2: tanh(q) = 2 logistic(2q) − 1): a true claim that relates the
    two (h₁ = tanh(z₁) written with sp.tanh under a tanh cell) differs at the point, so a difference there is no
    disagreement."""
    qs = {x for x in drawn if isinstance(x, tuple)}
    if not qs:
        return False
    args = {q for _, q in qs} | {-q for _, q in qs}
    for f in d.atoms(sp.tanh, _logistic(), sp.exp):
        u = f.args[0]
        if u in args or u / 2 in args or 2 * u in args:  # tanh(q) = 2 logistic(2q) − 1 = (e^(2q) − 1)/(e^(2q) + 1)
            return True
    return False


def _claimable(E) -> bool:
    return E is not None and E * 2 ** MIN_EXACT_BITS < 2 ** DRAW_BITS


def _with_real_exp(claim, size: dict, rng: random.Random, info: Degree, trusts: str) -> tuple[Proved | None, str]:
    """The trial again with the kernel's own exp (every e^u a closed form): lhs − rhs decided exactly in ℚ̄[e^ℚ]
    (:func:`exact_zero`), or, where a side leaves that field (a log value), its sign by arb balls. A nonzero is a
    disagreement; a zero is a Proved with the error bound ``info.exact`` (the module docstring) when it is bounded
    and below 2^−MIN_EXACT_BITS, else Cannot (the normal form stays trusted, with the reason)."""
    from .decide import sign

    kinds: set = set()
    drawn: set = set()
    for _ in range(REDRAWS):
        unread: list = []
        try:
            kinds.clear()
            drawn.clear()
            diffs, _ = _trial(claim, size, rng, real_exp=True, fields=kinds, unread=unread, drawn=drawn)
            break
        except _Singular:
            continue
    else:
        raise Cannot("a denominator is 0 at every point drawn")
    undecided = None
    for k, d in enumerate(diffs):
        if not d.is_Rational and ("logistic" in drawn or _mixes(d, drawn)):
            # a closed form beside the random tanh or logistic function at its argument: a true claim may differ
            undecided = undecided or Cannot("its sides mix closed forms of e with the kernel's random tanh or "
                                            "logistic function")
            continue
        try:
            zero, field = _exact_decide(d, info.logs)
            kinds.add(field)
            if not zero:
                return None, (f"the kernel's own check at a random point (σ a random function, exp the true one): "
                              f"entry {k} of lhs − rhs is not 0 (decided exactly in ℚ̄[e^ℚ])")
        except Cannot as e:
            s = sign(d)
            if s:
                return None, (f"the kernel's own check at a random point (σ a random function, exp the true one): "
                              f"entry {k} of lhs − rhs is {'> 0' if s > 0 else '< 0'} (arb balls)")
            undecided = undecided or e
    if undecided is not None:
        raise Cannot(f"with the true exp its sides are not decided exactly: {undecided}")
    if unread:
        raise Cannot(f"lhs − rhs = 0 at the point with the true exp, but a side is not read there ({unread[0][:100]})")
    E = info.exact
    if E is None:
        raise Cannot(f"lhs − rhs = 0 exactly at its point with the true exp, but its error is not bounded "
                     f"({info.why_exact})")
    if not _claimable(E):
        raise Cannot(f"lhs − rhs = 0 exactly at its point with the true exp, but the error bound {E}·2^−{DRAW_BITS} "
                     f"is above 2^−{MIN_EXACT_BITS}")
    zero_test = _zero_test(kinds)
    how = (f"the kernel's own check: lhs − rhs = 0 at 1 random point (each input and random value uniform in "
           f"[0, 2^{BITS}) with a random sign, σ a random function, exp the true one{_ZERO_WORDS[zero_test]}), "
           f"error ≤ ({E}·2^−{DRAW_BITS})^1 ({info.why_exact}, bounded by the kernel; one of up to {REDRAWS} draws)")
    return _issue(Proved, claim.id, size, IDENTITY, how, error=(DRAW_BITS, 1), degree=E, zero_test=zero_test), how


#: the sizes up to which the kernel decides a claim with |·|, max or min of a model's values by its sign split alone
#: (:func:`decide_signs`), where the exact model does not confirm (beyond REACH): its degree run is symbolic, each σ
#: value a variable, so a value stays a short expression (z_t = W·r + U·x_t) in a σ, tanh or logistic cell
SIGN_REACH = {"n": 16, "t": 16, "m": 16}


def decide_signs(claim, size: dict, *, seed: int = 0) -> tuple[Proved | None, str]:
    """The kernel's own decision of an identity with |·|, max or min of a model's values at ``size`` (beyond the exact
    model's reach, where F_p's sign atoms forget S² = 1): its degree run read formally (radicals.py, "A model's
    values"), every entry zero at one random point in every pattern of its own sign variables. A Proved with
    error ≤ E·2^−128 and nothing trusted, or (None, why not) — never a Refuted: a pattern no point realizes may
    differ, so a difference refutes nothing."""
    from . import radicals

    if claim.model is None or not all(v <= SIGN_REACH.get(k, 0) for k, v in size.items()):
        return None, "not a model's values within the sign split's reach"
    info = degree_info(claim, size)
    if info.formal is None or not info.formal[0].models:
        return None, f"no sign split ({info.why})"
    rng = random.Random(f"{seed}:{claim.id}:{sorted(size.items())}:signs")
    try:
        E, said = radicals.check(*info.formal, rng)
    except Exception as e:  # the formal reading does not reach a side: no decision
        return None, f"{'' if isinstance(e, KernelError) else type(e).__name__ + ': '}{str(e)[:120]}"
    if E is None:
        return None, said
    how = (f"the kernel's own sign split: |·|, max and min of the model's values read as S·u with S² = 1, σ's values "
           f"at each argument variables, {said}: error ≤ ({E}·2^−{BITS})^1 (bounded by the kernel: radicals.py)")
    # the split decides lhs = rhs wherever the sides have a value, vacuous where they have one nowhere (log of
    # −1 − u² beside max(0, u)·u = max(0, u)²): as in _modular, a point with a value, shown in arb balls
    from . import domain

    found, shown = domain.witness(claim, size, str(rng.random()))
    if not found:
        return None, domain.NoValueShown(f"the sides have no value shown at any point of this size (the sign split "
                                         f"holds wherever they have one, so without one nothing is confirmed): "
                                         f"{shown}")
    how = f"{how}; {shown}"
    return _issue(Proved, claim.id, size, IDENTITY, how, error=(BITS, 1), degree=E, zero_test=RADICAL), how


def confirm_modulo(claim, size: dict) -> tuple[Proved | None, str]:
    """An identity modulo side relations (c² + s² − 1 = 0, …): the kernel's own Gröbner reduction of each entry's
    numerator, from the claim's sides and relations as the proof file states them (SymPy's ``groebner``, exact).

    A function applied to constants (σ(0)) is a generator like a symbol. A claim about a model or about free
    variables (no symbolic sides of its own) is not re-checked: its token names the engine's reduction as trusted.
    """
    from .check import _sides

    if claim.model is not None or getattr(claim, "variables", None) is not None:
        how = "the engine's Gröbner reduction, not re-checked by the kernel (a model's sides are not symbolic here)"
        return _issue(Proved, claim.id, size, IDENTITY, how, trusts=(how,)), how
    with literal():  # the kernel reads the check as Python does (notation.literal)
        lhs, rhs = _sides(claim.check(**size))
    if lhs.shape != rhs.shape:
        return None, f"the sides have shapes {lhs.shape} and {rhs.shape}"
    diff = lhs - rhs
    rels = [sp.sympify(r) for r in claim.modulo]
    atoms = set().union(*(r.atoms(sp.Function) for r in rels), *(e.atoms(sp.Function) for e in diff))
    gen = {a: sp.Dummy(f"g{k}") for k, a in enumerate(sorted(atoms, key=sp.default_sort_key))}
    rels = [sp.expand(r.xreplace(gen)) for r in rels]
    # a divisor in the relations' ideal is 0 at every point where they hold: the sides have no value there, so a
    # zero of lhs − rhs modulo them is vacuous (1/((c + s)² − 2cs − 1) = itself modulo c² + s² − 1), no holds
    divisors = {b for M in (lhs, rhs) for e in M for b in _divisors(e)}
    if divisors:
        syms = sorted(set().union(*(r.free_symbols for r in rels), *(sp.expand(b.xreplace(gen)).free_symbols
                                                                     for b in divisors)), key=sp.default_sort_key)
        basis = sp.groebner(rels, *syms, order="grevlex") if rels else None
        for b in sorted(divisors, key=sp.default_sort_key):
            rem = sp.expand(b.xreplace(gen))
            if basis is not None:
                _, rem = basis.reduce(rem)
            if sp.expand(rem) == 0:
                return None, (f"the divisor {sp.sstr(b)[:60]} is 0 modulo the stated relations: the sides have no "
                              "value at any point where they hold, so lhs − rhs = 0 there confirms nothing")
    for k, e in enumerate(diff):
        num = sp.expand(sp.fraction(sp.together(sp.expand(e.xreplace(gen))))[0])
        if num == 0:
            continue
        syms = sorted(num.free_symbols | set().union(*(r.free_symbols for r in rels)), key=sp.default_sort_key)
        _, rem = sp.groebner(rels, *syms, order="grevlex").reduce(num)
        if sp.expand(rem) != 0:
            return None, f"the kernel's Gröbner reduction leaves {sp.sstr(rem)[:60]} in entry {k}"
    how = "the kernel's own Gröbner reduction of lhs − rhs modulo the stated relations is 0"
    return _issue(Proved, claim.id, size, IDENTITY, how), how


#: the bits of a free-variable trial over ℤ/p: MODULAR_BITS less log₂ REDRAWS (it keeps the first of up to REDRAWS
#: draws where every divisor is a unit: a union bound over them, as DRAW_BITS for the exact trial)
FREE_MODULAR_BITS = MODULAR_BITS - (REDRAWS.bit_length() - 1)


def _free_modular(claim, size: dict, rng: random.Random) -> tuple[Proved | None, str] | None:
    """Beyond the exact model's reach, a free-variable claim (``variables=``) by the kernel's own trial over ℤ/p
    (kernel/free_modular.py): the check on jets of residues modulo a fresh prime p ≥ 2⁶², the error bound from the
    kernel's forward mode (modular.py, "Degrees" and "Heights"), and where a log, a root or a division was met a
    point with a value shown in arb balls. None where it cannot read the claim (the caller keeps what it said
    before: the normal form, trusted and named); never a Python exception."""
    from . import free_modular, modular

    met: set = set()
    try:
        with modular.partial_operations(met):
            got = free_modular.trial(claim, size, rng, REDRAWS)
    except Exception:  # noqa: BLE001 (an operation the ℤ/p reading does not read: today's token, never a verdict)
        return None
    if got is None:
        # a divisor ≡ 0 at every draw: 0 as a function, or 0 only as this reading computes it (it branches on a
        # structural 0 alone, so a pivot that is 0 as a function but not structurally is taken): today's token, and
        # its own look for a point with a value (the exact trial)
        return None
    p, bad, ldeg, rdeg, rf, named = got
    if bad is not None:
        if named:  # a random exp, log, root, sin, cos, tanh or logistic: a law it forgets may explain the difference,
            # unless the true functions differ too, shown in arb balls at a point where the sides have a value
            said = free_modular.refute(claim, size, random.Random(rng.random()))
            if said is not None:
                return None, said
            return None
        return None, (f"the kernel's own check over ℤ/p at a random point (the free variables' entries uniform "
                      f"modulo a fresh prime p = {p}): entry {bad} of lhs − rhs is not 0 modulo p")
    E, why = modular.error_degree(ldeg, rdeg, rf, False)
    H = modular.content_height(ldeg, rdeg, rf)
    if E is None or H is None or E + modular.content_units(H) >= 2 ** FREE_MODULAR_BITS:
        return None  # no bound: today's token
    C = modular.content_units(H)
    how = (f"the kernel's own check over ℤ/p: lhs − rhs ≡ 0 at 1 random point (each entry of the free variables "
           f"uniform modulo a fresh prime p ≥ 2^{MODULAR_BITS}, the first of up to {REDRAWS} draws where every divisor "
           f"is a unit; σ, exp, log, tanh, the logistic function, sin, cos and roots random functions at "
           f"{rf.sites} sites), error ≤ (({E} + {C})·2^−{FREE_MODULAR_BITS})^1 ({why}; + {modular.CONTENT_UNITS}·"
           f"⌊H/62⌋ = {C} for a prime dividing a content, H ≤ {H} bits; 2^−{FREE_MODULAR_BITS} = {REDRAWS}·"
           f"2^−{MODULAR_BITS}; bounded by the kernel's forward mode)")
    if met:
        found, said = free_modular.witness(claim, size, random.Random(rng.random()))
        if found is None:
            return None
        if not found:
            from . import domain

            return None, domain.NoValueShown(f"the sides have no value shown at any point of this size "
                                             f"({', '.join(sorted(met))}: the identity over ℤ/p holds wherever they "
                                             f"have one, so without one nothing is confirmed): {said}")
        how = f"{how}; {said}"
    return _issue(Proved, claim.id, size, IDENTITY, how, error=(FREE_MODULAR_BITS, 1), degree=E + C), how


def _divisors(e) -> list:
    """The bases of e's negative integer powers (each a divisor of the sides), everywhere in e, inside functions too."""
    return [x.base for x in sp.preorder_traversal(sp.sympify(e))
            if isinstance(x, sp.Pow) and x.exp.is_Integer and x.exp < 0]


def _modular(claim, size: dict, rng: random.Random, trusts: str) -> tuple[Proved | None, str]:
    """Beyond the exact model's reach: the kernel's trials over ℤ/p (:func:`_modular_trials`), and where they met an
    operation whose real value exists only on part of the domain (a log, a root, a division: modular.PARTIAL) or did
    not run, one point of the size where the sides have a value (kernel/domain.py: the identity over ℤ/p holds
    wherever both sides are defined, which is vacuous where they are defined nowhere). No such point: no token."""
    from . import modular

    met: set = set()
    ran: list = []
    with modular.partial_operations(met):
        tok, how = _modular_trials(claim, size, rng, trusts, ran)
    if tok is None or (ran and not met):  # sides computed by total operations only: a value at every point
        return tok, how
    found, said = domain.witness(claim, size, str(rng.random()))
    if found:
        how = f"{how}; {said}"
        return _issue(Proved, claim.id, dict(tok.size), tok.kind, how, trusts=tok.trusts, error=tok.error,
                      degree=tok.degree, zero_test=tok.zero_test), how
    if found is None and not ran:  # neither ℤ/p nor balls run the check (acos, atanh, … in an entry function)
        if _has_a_value(claim, size, rng) is not False:
            return tok, how  # its token trusts the finder already, and says so
        said = (f"the sides have no value at any of the {REDRAWS} points the kernel's exact evaluation drew (acos of "
                "2 + u², atanh of a value > 1: a function whose real domain its balls and ℤ/p do not read)")
    what = ", ".join(sorted(met)) if met else "its check does not run over ℤ/p"
    return None, domain.NoValueShown(f"the sides have no value shown at any point of this size ({what}: the identity "
                                     f"over ℤ/p holds wherever they have one, so without one nothing is confirmed): "
                                     f"{said}")


def _modular_trials(claim, size: dict, rng: random.Random, trusts: str, ran: list) -> tuple[Proved | None, str]:
    """Beyond the exact model's reach: the kernel's own trials over ℤ/p (kernel/modular.py), inputs uniform modulo a
    fresh prime p ∈ [2⁶², 2⁶³), σ, tanh, the logistic function, exp and log (a cell's own loss, softmax) random
    functions of their argument's residue that keep their differential equations (e' = e, log'(x) = 1/x), an
    abstract loss likewise.

    What a zero decides. Read the trial as a straight-line program over ℤ/p whose variables are the inputs and, at
    each formally distinct argument polynomial u_j met by a function, its random values (σ: σ(u_j), σ'(u_j),
    σ''(u_j); tanh, logistic, exp: one r_j, the derivatives polynomials in it; log: one l_j, the derivatives
    1/u_j, −1/u_j²). The claim's lhs − rhs is then a rational function Δ of those variables. If Δ = 0 as a
    rational function, the identity holds for every choice of functions with those differential equations, in
    particular for the true ones (substitute r_j = e^(u_j), l_j = log u_j, …): that is the class decided, the
    identities that hold for every σ and every pair of functions e, log with e' = e (and e(0) = 1) and
    log'(x) = 1/x. If the identity is false for the true functions, Δ ≠ 0 as a rational function, so a trial
    passes only if the numerator of degree ≤ D vanishes at the point (≤ D/p, Schwartz–Zippel) or two distinct
    arguments among the S sites collide modulo p, reading both as one variable: ≤ E·2^−62 per trial, E = D +
    (2S − 1)·Σw with w the weights of the sites' arguments (u_i ∓ u_j, u_i = 0), all computed by the ℤ/p forward mode
    itself (modular.py, "Degrees"; modular.error_degree), plus 44·⌊H/62⌋ for a prime dividing every coefficient of
    one of those numerators, H bounded by the same forward mode (modular.py, "Heights"; modular.content_height):
    the token's degree is E + 44·⌊H/62⌋ and it trusts nothing (PRIME_CONTENT only where a height is not bounded).
    Where it has no rule for an operation (or E ≥ 2^62: no bound), the token states the old form (D unknown) and
    trusts accept.UNBOUNDED.

    A side that is a linear map (a derivative w.r.t. a parameter, and what the check builds from it: modular.Operator)
    is compared as uᵀ·lhs·x against uᵀ·rhs·x for u, x uniform modulo p (modular.project): a nonzero difference
    matrix leaves a nonzero entry at the point but for the bound above, and then uᵀΔx, of degree 2 in (u, x), is 0
    with probability ≤ 2/p: D + 2 in place of D.

    What a difference does not decide. A true claim that needs a law the random functions do not keep
    (e^(a+b) = e^a·e^b, log(e^z) = z: a max-shifted softmax against an unshifted one) can differ with random exp
    and log (LAWLESS, as for the exact model). A difference in a trial that applied no random exp or log is a
    disagreement (no token). One that did is tried once more with the laws kept (modular.LawfulFunctions: the
    q-adic exp and log over ℤ/q^K, inputs on the disc qℤ): if the difference stays it is a disagreement (no
    token: the engine's holds does not stand, and nothing is refuted); if it goes, or that trial cannot run, the
    token names what decided the holds (``trusts``) as trusted, with the reason."""
    from flint import fmpz

    from . import modular

    done, sites, projected, E, why_E, H = 0, 0, False, 0, "", 0
    try:
        for _ in range(MODULAR_TRIALS):
            while True:
                p = rng.randrange(2 ** 62, 2 ** 63)
                if fmpz(p).is_prime():
                    break
            draw = lambda p=p: rng.randrange(p)  # noqa: E731
            rf, point, vectors = modular.RandomFunctions(draw, p), Draws(draw), {}

            degrees: list = []

            def compared():  # the sides' residues, or uᵀ·side·x where a side is a linear map (modular.project)
                with modular.column_budget(COLUMN_RUNS):
                    lhs, rhs = modular.sides(claim, size, point, None, None, p, random=rf)
                    got = modular.project(lhs, rhs, draw, vectors)
                    out = ([int(a) for a in lhs.val.entries()], [int(b) for b in rhs.val.entries()]) \
                        if got is None else ([got[0]], [got[1]])
                    degrees[:] = [lhs.deg, rhs.deg]  # read after the projection ran (a derivative's from its runs)
                    return out

            a, b = compared()
            projected = projected or bool(vectors)
            sites = max(sites, rf.sites)
            if E is not None:
                E, why_E = modular.error_degree(*degrees, rf, bool(vectors), E, why_E)
            if H is not None:  # the content's height (modular.py, "Heights"): the max over the trials
                h = modular.content_height(*degrees, rf)
                H = None if h is None else max(H, h)
            bad = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), None)
            ran.append(True)  # the check ran over ℤ/p: what it met is recorded (modular.PARTIAL)
            if bad is not None and rf.lawless:
                # does the difference depend on exp and log at all? The same point and σ, exp and log drawn anew: a
                # difference that does not move is no law's doing (a rational function of the exp and log values
                # that changes takes another value at an independent draw, but for ≤ D/p), so it is a disagreement
                first = (a[bad] - b[bad]) % p
                for k in rf.LAWLESS:
                    rf.tables.pop(k, None)
                a, b = compared()
                if (a[bad] - b[bad]) % p == first:
                    return None, (f"the kernel's own check over ℤ/p at a random point: entry {bad} of lhs − rhs is "
                                  f"not 0 modulo {p}, and the same with exp and log drawn anew (no law of theirs "
                                  "explains it)")
                return _lawful_modular(claim, size, rng, trusts, bad)
            if bad is not None:
                return None, (f"the kernel's own check over ℤ/p at a random point (σ a random function): entry {bad} "
                              f"of lhs − rhs is not 0 modulo {p}")
            done += 1
    except Exception as e:  # the check does not run over ℤ/p: not confirmed, not refuted (as _trial's)
        how = (f"{trusts}, not re-checked by the kernel (its check over ℤ/p does not run: "
               f"{'' if isinstance(e, KernelError) else type(e).__name__ + ': '}{str(e)[:160]})")
        return _issue(Proved, claim.id, size, IDENTITY, how, trusts=(how,)), how
    points = (f"the kernel's own check over ℤ/p: lhs − rhs ≡ 0 at {done} random points (inputs uniform modulo a "
              f"fresh prime p ≥ 2^62, σ a random function at {sites} sites"
              + (", the sides compared as uᵀ·(lhs − rhs)·x for u, x uniform: + 2 to the degree" if projected else ""))
    if E is not None and H is not None and E + modular.content_units(H) < 2 ** MODULAR_BITS:
        # Schwartz–Zippel over ℤ/p, p ≥ 2^62 (modular: "Degrees"), and the prime dividing a content (modular:
        # "Heights"): E' = E + CONTENT_UNITS·⌊H/62⌋ per trial, each trial's prime and point fresh
        C = modular.content_units(H)
        how = (f"{points}), error ≤ (({E} + {C})·2^−{MODULAR_BITS})^{done} ({why_E}; + {modular.CONTENT_UNITS}·"
               f"⌊H/62⌋ = {C} for a prime dividing every coefficient of the difference's or a collision's "
               f"numerator, H ≤ {H} bits; bounded by the kernel's forward mode)")
        return _issue(Proved, claim.id, size, IDENTITY, how, error=(MODULAR_BITS, done), degree=E + C), how
    if E is not None and E < 2 ** MODULAR_BITS:  # a height not bounded: the content trusted (PRIME_CONTENT)
        how = (f"{points}), error ≤ ({E}·2^−{MODULAR_BITS})^{done} ({why_E}, bounded by the kernel's forward mode)"
               " + the chance that p divides every coefficient of the difference's numerator, whose height the "
               "kernel did not bound here")
        return _issue(Proved, claim.id, size, IDENTITY, how, error=(MODULAR_BITS, done), degree=E,
                      trusts=(PRIME_CONTENT,)), how
    bits = max(1, int(62 - math.log2(1 + sites * sites)))
    said = (f"its bound {E}·2^−{MODULAR_BITS} is not below 1" if E is not None else
            f"its degree not bounded: {why_E}")
    how = (f"{points}), error ≤ ({'(D + 2)' if projected else 'D'}·2^−{bits})^{done} for a difference and arguments "
           f"of degree ≤ D ({said})")
    return _issue(Proved, claim.id, size, IDENTITY, how, error=(bits, done)), how


#: what a bounded confirmation over ℤ/p trusts only where its forward mode left a HEIGHT unbounded (modular.py,
#: "Heights": a constant known only by its residue): E·2^−62 bounds a zero at the random point of a numerator N that
#: is nonzero modulo p; that the random prime divides every coefficient of N (N ≠ 0 over ℚ, 0 over ℤ/p) has
#: probability ≤ (H/62)·2^−56 over the ≈ 2^56.5 primes drawn from. Where H is bounded it is added to E instead
PRIME_CONTENT = ("that the random prime divides no coefficient of lhs − rhs's numerator (probability ≤ H/62 · "
                 "2^−56, H its height, which the kernel did not bound here)")


#: the lawful trial's prime q ∈ [2¹¹, 2¹²): q^LAWFUL_DIGITS < 2⁶³ (modular.LawfulFunctions)
LAWFUL_PRIME_BITS = 11
#: the lawful trials, (bits of q, digits K), q^K < 2⁶³ and K < q: on the disc qℤ a trial modulo q^K sees the series
#: of the sides up to degree K − 1 only, so exp against its Taylor polynomial of degree 4 is invisible modulo q⁵; the
#: second trial, q ∈ [2⁶, 2⁷) modulo q⁹, sees it (up to degree 8), the first keeps the larger prime's fewer accidents
LAWFUL_TRIALS = ((LAWFUL_PRIME_BITS, 5), (6, 9))


def _lawful_modular(claim, size: dict, rng: random.Random, trusts: str, entry: int) -> tuple[Proved | None, str]:
    """A difference with random exp or log: once more with the q-adic exp and log (laws kept); see _modular."""
    from flint import fmpz

    from . import modular

    lawless = f"its check over ℤ/p differs at entry {entry} with exp and log random functions, which keep e' = e " \
              "and log' = 1/x but not e^(a+b) = e^a·e^b nor log(e^z) = z"
    said = []
    for bits, digits in LAWFUL_TRIALS:
        while True:
            q = rng.randrange(2 ** bits, 2 ** (bits + 1))
            if fmpz(q).is_prime():
                break
        N = q ** digits
        draw = lambda N=N: rng.randrange(N)  # noqa: E731
        on_disc = lambda q=q, N=N: q * rng.randrange(N) % N  # noqa: E731  (inputs in qℤ/q^K: the series converge)
        try:
            rf = modular.LawfulFunctions(draw, q, digits)
            with modular.column_budget(COLUMN_RUNS):
                lhs, rhs = modular.sides(claim, size, Draws(on_disc), None, None, N, random=rf)
                got = modular.project(lhs, rhs, draw, {})  # a side that is a linear map: uᵀ·side·x, as in _modular
                pairs = zip(lhs.val.entries(), rhs.val.entries()) if got is None else [got]
                bad = next((k for k, (a, b) in enumerate(pairs) if int(a) != int(b)), None)
        except Exception as e:
            said.append(f"with the q-adic exp and log modulo {q}^{digits} it does not run: "
                        f"{'' if isinstance(e, KernelError) else type(e).__name__ + ': '}{str(e)[:120]}")
            continue
        if bad is not None:
            return None, (f"the kernel's own check over ℤ/p at a random point differs at entry {entry} (σ, exp and "
                          f"log random functions), and again with the laws of exp and log kept (q-adic exp and log "
                          f"modulo {q}^{digits}, entry {bad})")
        said.append(f"with the q-adic exp and log, which keep them, lhs − rhs ≡ 0 modulo {q}^{digits} with inputs on "
                    "the disc qℤ")
    how = (f"{trusts}, not re-checked by the kernel ({lawless}; {'; '.join(said)}: a difference the laws may explain, "
           "or one of too high a q-adic order for those trials to see, so no trial decides it)")
    return _issue(Proved, claim.id, size, IDENTITY, how, trusts=(how,)), how
