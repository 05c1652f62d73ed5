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

A random function is a table per trial, residue -> value (``_Batch.apply``):
the value of a residue is drawn the first time it is an argument (the new
residues of one call in order of first appearance) and read back for every
later argument with that residue, so equal residues get equal values and
distinct ones independent uniform values, as the bound assumes. Every draw of
a trial (its point and its tables) is the next value of one stream of
``rng.integers(0, p)``, read in blocks (``_Draws``): for p > 2³² NumPy draws
these one 64-bit word at a time, so a block's values are the scalar draws in
order, and draws a batch never uses (a prime redrawn) decide nothing. What
costs at n = 64 is reading residues out of FLINT and building matrices from
Python ints, not the arithmetic: an argument's residues are read once (σ and
σ' of one state share them), a random function's values are kept as ints and
made a matrix only when read as one (``values.Drawn``), and a vector of at
most 128 entries times a random function's values entrywise is diag(values)
times it in FLINT (``values._ew``), the diagonal built once per value
(tests/test_fp_tables.py). Residues cross between FLINT and Python ints as
one copy of an ``nmod_mat``'s array of words (``raw.py``: found in
python-flint's object and checked against its own ``entries()`` and
constructor on first use, python-flint's path wherever that fails; a word
written is always a residue in [0, p)), not one ``nmod`` object per entry
(tests/test_fp_raw.py: the same residues both ways).

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
log, sin, cos, tanh, the logistic, |·|, max, min, rational constants) with these
operations (rational powers, sin and cos: next section; |·|, max and min: the one
after), so a σ written through exp is covered; anything else (atan, sign,
Heaviside, Piecewise, …) stays Unsupported. A function is
recognised by identity, never by name: the classes sp.exp, sp.log, sp.tanh,
sp.sin, sp.cos and symderiv's logistic themselves (``type(e) is sp.tanh``), the
activation the objects ABSTRACT, TANH, LOGISTIC, IDENTITY, a polynomial by
SymPy's own Add, Mul and Pow, a constant by SymPy's own Rational (a proof
file's ``sp.Function("tanh")``, a class named ``logistic``, a subclass of
sp.tanh, a class saying ``is_rational``, ``is_zero`` or ``== 1`` of itself has
no rule the exact engine knows, so F_p refuses it as well; issue 19 item 5).

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

The kernel reads the same forms itself (kernel/modular.py, "√, rational powers,
sin and cos": its own walk of the expression on a symbol, s^(k + r) = s^k ·
R_r(s) with R_r' = r·R_r/s, one pair (S, C) per residue for sin and cos, its own
degree bound), so an F_p ``holds`` here beyond the kernel's exact reach is
confirmed by the kernel's ℤ/p trials with a bounded degree, not trusted (issue 19
items 2–3; tests/test_kernel_modular_functions.py plants a wrong derivative rule
or reading of each function in F_p and the kernel refuses the token). The
kernel's sin and cos keep sin(−u) = −sin u and cos(−u) = cos u (SymPy applies
them on a symbol); F_p's do not, so such a claim is ``undecided`` here.

|·|, max and min (a sign atom; issue 19 item 3)
===============================================
Read in ``applyfunc`` (``_walk``): |u| = S(u) · u, max(a, b) = (a + b + |a − b|)/2,
min(a, b) = (a + b − |a − b|)/2 (more arguments folded from the left), and
d|u| = S(u) du (S' = 0), where S is one random atom per argument value, in one
table ``sign`` (``_Batch.apply_sign``) that is *mirrored*: S(−u) = −S(u) (the
value at p − a is the negative of the value at a, whichever is drawn first) and
S(0) = 0. The mirror makes |−u| = |u|, max(a, b) = max(b, a) and
max(a, b) + min(a, b) = a + b zeros of the reading, as they are of the real
functions. An even power |u|^(2k) is read exactly as u^(2k) (an identity of the
reals, no atom).

*Sound for holds.* Let each S (one per formally distinct argument, u and −u one
variable up to sign) be a variable: lhs − rhs is a rational function R of the
weights, inputs, atoms and S. If R = 0 as a rational function, it is 0 for
every value of the S, in particular for S(u) = sign(u(w)), which is consistent
with the mirror and makes |u| = S·u, max and min exact and d|u| = sign(u) du
wherever u ≠ 0 (|·| has no derivative at 0: outside the claim's domain). So the
claim holds for every sign pattern, the feasible ones among them. An argument
that is 0 everywhere while its tangent is not (a held copy minus its replayed
twin, ``m.partial(..., hold=...)``) has no such domain: S(0) = 0 would give
d|u| = 0 and a holds for a derivative that does not exist, so the tape refuses
a derivative through |·| at any argument with a residue 0 (``model._derivative_at``,
Unsupported; a nonzero argument is 0 at the point only as rarely as the single
terms below count), and the kernel's reading refuses a value 0 with a tangent.

*Not a counterexample when it disagrees.* The reading forgets S² = 1 (and that
S is the sign of its argument): |u| ⊙ |u| of two values, |ab| = |a||b|,
max(0, z)·z = max(0, z)², |logistic(z)| = logistic(z) are true and disagree
here. A disagreement goes to the exact engine at small sizes (certified there,
or ``undecided``; it decides those true ones in every case of their signs:
``identity.MAX_SIGN_ATOMS``) and to the kernel's ball refutation at the size
itself (kernel/balls.py: each sign proved by a ball that excludes 0), never
``fails`` by itself. (Drawing S in {±1} would keep
S² = 1, but a false claim whose difference has degree d in the signs then
passes a trial with probability up to 1 − 2^−d, a ReLU product being the
worst case; and a Schwartz–Zippel bound over a field-valued S holds for the
polynomial as computed, not for its reduction modulo S² − 1. So only the field
reading, with the bound below, is used to say holds.)

*The bound.* The S are random-function sites like σ's (degree 1, no height),
so (a) and (c) are unchanged. In (b) the table is mirrored: two sites collide
where u_i − u_j or u_i + u_j vanishes (each: the same degree and height
bounds), and one site is fixed where u_i vanishes; so the sign table's pair
terms count twice and each site adds D_i/p and ⌊c_i/62⌋/N once
(``bound.MIRRORED``, ``_single_terms``). ReLU Jacobian at n = 16, t = 8:
degree ≤ 21, 144 sites, 2^−40.5 per trial, 2 trials.

The kernel reads the same forms itself (kernel/modular.py ``_entry_reading``:
its own walk, max(a, b) = b + (a − b)(1 + S(a − b))/2, its own mirrored random
sign with degree 1 and derivative 0), so an F_p ``holds`` here is confirmed by
the kernel's ℤ/p trials with a bounded degree, not trusted.

Limits: σ, its derivatives of any order, tanh, logistic, identity, exp, log,
rational powers, sin, cos, |·|, max, min, quotients by a scalar (or entrywise,
in applyfunc); ``m.like``, ``m.value``, other functions (atan, sign, …), SymPy's
functions of a value outside ``applyfunc`` (``sp.Abs(v[0, 0])``), quotients by a
matrix and ``modulo=`` relations are left to the symbolic backends
(:class:`Unsupported`). Python floats and strings raise an error: exact
rationals (sympy.Rational) are the way.

The Matrix API (issue 19 item 10)
=================================
Values, operators and a cell's quantities have SymPy's row, col, row_join,
col_join, hstack and vstack (``sp.Matrix.hstack(v, …)`` calls the first
operand's row_join), indexing and slicing as SymPy reads them (``M[i, j]`` a
scalar, ``M[k]``, blocks, lists of indices), ``.T``, transpose, shape,
iteration and applyfunc; a scalar entry times a matrix is SymPy's scalar
product. A block or an entry keeps its value's bound (its entries are among
the value's, over the same denominator); joined values get one common
denominator, the product of theirs (d = Σ d_i, each part's height raised by
the others' d). Operators join lazily (``HJoin``, ``VJoin``: a block of the
direction per part from the right, the parts' rows side by side from the
left) and are indexed by rows (eᵢᵀ · X, reverse mode for a Jacobian) or by
columns (X · eⱼ, forward mode); a cell's quantities record ``slice`` and
``join`` entries on the tape (tangent: the block, the join of the tangents;
adjoint: scattered into place, split by parts). Nothing of this adds a site
or changes the bound's terms. Any other attribute is refused before a verdict
with one line naming it (:class:`UnsupportedOperation`; not an
AttributeError to a proof's own code, so ``hasattr(v, "is_symmetric")``
cannot quietly send a check down another branch than over SymPy's matrices,
but one to SymPy's own probes), SymPy's functions and constructors of an F_p
value (``sp.Matrix(v)``, ``sp.exp(v[0, 0])``: ``_sympy_``) likewise, and
a SymPy matrix first in a join (``sp.Matrix.hstack(C, v)``: SymPy reads the
other operand's internals) is refused naming row_join or col_join: put an F_p
value first.

Layout
======
``field`` (the primes, exact constants, the errors a trial raises), ``values``
(residue matrices and their bounds), ``elementwise`` (σ, tanh, exp, … as random
atoms; ``applyfunc``'s reading), ``dag`` (the lazy operators), ``evaluate``
(applying them), ``notation`` (the notation over F_p), ``model`` (the cell
unrolled on a tape, forward and reverse mode), ``bound`` (the error bound) and
``trial`` (batches of trials and the driver). Every name is importable from
``symderiv.fp`` as it was from the single module.
"""
from __future__ import annotations

from .. import notation as _notation
from .field import (_ACTIVE, _NEG_INF, _UID, BATCH, MATRIX_API, MAX_BITS, N_PRIMES_LO, PRIME_HI, PRIME_LO,
                    TARGET_BITS, Unsupported, UnsupportedOperation, _batch_now, _bits, _is_scalar, _lse,
                    _note_denominator, _primes, _rational, _Redraw, _residue, _ZeroDenominator, random_prime,
                    refuse_attribute, refuse_sympify)
from .values import (ScalarVal, Val, _add, _as_scalar, _as_val, _column, _entry, _entry_polynomial, _entry_sum,
                     _ew, _filled, _hstack, _index, _join, _join_bounds, _keep, _kron_dense, _ku, _matmul, _reshape,
                     _same_shape, _scale, _slice, _times, _vstack)
from .elementwise import (_WALK_FAMILIES, CONCRETE, FUNCTIONS, RELAXED, _abstract_table, _fvalue, _poly_derivative,
                          _recip_scalar, _softmax_val, _ValOps, _walk, concrete_polynomial, root_family)
from .dag import (Dense, Diag, HJoin, HVNode, Identity, Jacobian, KronEyeRow, KronRowEye, Node, Prod, Scaled, Seed,
                  Sum, Transposed, VJoin, Zero, _materialize, dense, lift)
from .evaluate import Evaluator
from .model import Dual, FpModel, _DualOps, _Functions, _Namespace, _softmax_dual, _TapeView
from .notation import FpNotation
from .bound import _content, _pair_terms, trial_error
from .trial import (Outcome, _Batch, _batch, _forgotten_words, _rule_words, _sides, certification_sizes,
                    test_identity)

_notation.register_backend((Val, Node, Dual), FpNotation())
