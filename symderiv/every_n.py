"""For every n: lift an identity of free variables decided at one size to every size (issue 20).

The fragment
------------
A check whose sides are built from free vectors, matrices and scalars of
symbolic size (``vector("n")``, ``matrix("n", "m")``, ``scalar()``) by

    +, −, a rational constant times a value, matrix products, ``.T``,
    ``tr``, ``kron`` (of any two values, so ``kron(eye(v.n), A)`` too),
    ``diag`` of a vector, ``hadamard``, ``vec`` (either layout), ``eye(v.n)``
    or ``eye(A.rows)``, powers by a Python integer, an abstract σ entrywise
    (below), and ``v.d`` (the gradient of a scalar, the Jacobian of vec(F) by
    vec(X)),

computes, at every size, one fixed linear combination D = Σ_k c_k G_k of
*contraction diagrams* (tensor networks). A diagram G has variable nodes (one
per factor: an entry X[a, b] of a variable), index classes H (every leg of a
node and every open leg is in exactly one class; contractions, traces, ``eye``,
``diag`` and ``hadamard`` are copy tensors and only merge classes), each class
with a dimension (``n``, ``m`` or a fixed number), and an ordered tuple of open
legs (the row and column indices of the side, major first). Its entry o is

    G^(s)[o] = Σ_{α : H → indices, α(open legs) = o} Π_{nodes v} X_v[α(legs of v)].

The fragment also requires (C): every class holds a leg of a variable node or
an open leg. A class with neither is a free index loop, a factor n (tr(I) = n):
that is a size used as a number, and the lift refuses it.

The lift (the theorem it rests on)
----------------------------------
**Lemma (index relabelling).** Let E_d be the largest number of index classes of
dimension d in any diagram of D = lhs − rhs (both sides with the same open legs
and dimensions). If D ≡ 0 as a polynomial in the entries at one size N with
N_d ≥ E_d for every symbolic d, then D ≡ 0 at every size s (every n ≥ 1, every
m ≥ 1), fixed dimensions fixed.

*Proof.* Fix s and an entry o. The coefficient of a monomial μ in D^(s)[o] is
Σ_k c_k · #{α : G_k's assignment with α(open) = o and monomial μ}. Let α be one
such assignment. By (C), each class's value is an index of an entry of μ or a
component of o, so the index values any such assignment uses (of any k) form
the set V = α(H_k) ∪ o = the indices of μ and o, and |V_d| ≤ |H_k,d| ≤ E_d ≤ N_d.
Take injections π_d : V_d → {1, …, N_d} (the identity on fixed dimensions).
α' ↦ π∘α' is a bijection from the assignments (of each G_k) giving (μ, o) at
size s onto those giving (πμ, πo) at size N (its inverse exists because, by (C)
again, those use only values in π(V)). So the coefficient of μ in D^(s)[o] is
that of πμ in D^(N)[πo], which is 0. ∎

This is the elementary core of the invariant-theory bounds the issue cites
(Procesi–Razmyslov: no trace identity of degree ≤ n for n × n matrices; the
partition algebra's n ≥ 2·degree once copy tensors appear: P_k(n) acts
faithfully on (ℂⁿ)^⊗k when n ≥ 2k, Halverson–Ram, "Partition algebras",
Europ. J. Combin. 26 (2005)). It needs no representation theory: the threshold
is the number of index classes, computed exactly from the trace rather than
bounded; for a diagram of degree d with o open legs it is at most 2d + o (each
class holds a leg). Identities that hold only at small sizes (Cayley–Hamilton
at n = 2, Hall's identity, x xᵀ = (xᵀx) I at n = 1) have more index classes
than the size they hold at, so they are decided at a size where they fail and
are never lifted.

Elementwise σ
-------------
``x.applyfunc(sigma)`` (an abstract σ^(k), or an undefined SymPy function) is
a node of its own per distinct (function, argument structure), with the legs
of its argument: in the lemma it is a fresh variable s, so D_s (the sides with
each atom node read as its variable) ≡ 0 at N gives D_s ≡ 0 at every size, and
substituting s = σ^(k)(T) gives the identity for every σ. The engine decides
D at N with σ^(k)(p) one atom per expanded argument p; that is D_s exactly
when the entries of the atom nodes have pairwise distinct expanded arguments
at N, which :func:`coinciding_atoms` checks (the kernel again, with its own
polynomials) before anything is lifted. ``v.d`` through σ^(k)(T) is the chain
rule on diagrams: σ^(k+1)(T) times ∂T/∂X, joined elementwise.

Model claims: every n and every t
---------------------------------
For a model claim the induction (:mod:`symderiv.induction`) proved for every t,
:func:`lift_induction` (called by the engine) traces the induction's base and
step on :class:`TracedInductionModel` (states h_{t−1}, h_{t−2}, … and x_t free
variables of symbolic size; a sum or product over a symbolic range an opaque
matrix variable at t − 1 and peeled at its top at t; the truth X_{t−1} in the
claim replaced by C_{t−1}; J_t, P_t the cell's step differentiated on
diagrams): the step C_t = J_t C_{t−1} + P_t and the base C_{t0} = X_{t0} are each
an identity of diagrams, decided at its own threshold by the kernel
(:func:`symderiv.kernel.lift.verify_identity`, its own recount and its own exact
walk) and so, by the lemma, true at every n and m; by induction on t, the claim
holds for every n, m and t ≥ t0. The kernel re-decides both identities; it
trusts the trace of the claim at a symbolic t (the peeling, the hypothesis
substitution) and that J_t, P_t are the cell's partials. A cell with several
states (an LSTM's (h, c)) is traced the same way with its block recursion:
every state's truth an opaque variable, the step the claimed state's block row
Σ_r ∂s_t/∂r_{t−1} Y^r (+ ∂s_t/∂θ) with Y^s = C_{t−1} and the other states'
truths at t − 1 free, the base every state's truth unrolled jointly; the
kernel compares the block row with its own forward mode on the stacked
previous states. ``lift(claim, t=T)``
(experimental, not called by the engine) still lifts one fixed horizon T
(:class:`symderiv.diagrams.TracedModel`).

Model claims downward: every n and every T
------------------------------------------
A claim ``every_step(m, family, lo=…, hi=t + c)`` about ∇_{h_k}L, L = Σ_s E_s,
that the downward induction proved for every T is lifted by
:func:`lift_downward` (the engine's call, :func:`extend_model`, recognises it).
The truth depends on the loss only through g_k = ∂E_k/∂o_k (E_s a function of
(o_s, y_s) alone): dL/dh_T = g_T ∂o_T/∂h_T, dL/dh_k = dL/dh_{k+1} J_{k+1} +
g_k ∂o_k/∂h_k. :class:`TracedDownwardModel` traces each g_k as a FREE row
variable with one leg of the output's dimension, so an identity of diagrams
that holds at its threshold holds at every n for every value of g_k, in
particular for ∇E of any per-step loss (E is never read as separable or
permutation-equivariant); the truth dL/dh_k is an opaque row. tanh is an atom
whose derivative is the polynomial 1 − tanh² in the atom (the lemma's free s
with ∂s = (1 − s∘s) ∂T, exact at s = tanh(T)), and an entrywise polynomial is
the Hadamard powers it is. The base k = T + c (h_{T+c} free, the states above
it the cell's steps, every ∇_h L unrolled from the horizon; the trace checked
against the claim's own sides at n = 2, m = 3, and the traced backward
recursion against the engine's dL/dh_1 at T = 2) and the step C_k = C_{k+1}
J_{k+1} + g_k ∂o_k/∂h_k (the family at k + 1 opaque, at k peeled at its
bottom, the remainder's summand identity decided by the kernel; dL/dh_{k+1}
replaced by C_{k+1}) are each decided at their threshold by the kernel
(:func:`decide_identity`); by the lemma and downward induction on k the claim
holds for every n, m, T and k in its range. Trusted as for the upward lift:
the trace at a symbolic k and T, the chain rule on diagrams, and the truth's
backward recursion.

A cell with several states (an LSTM's (h, c)) is traced by the adjoints'
block recursion (:func:`lift_downward`): Λ_k = Λ_{k+1} J_{k+1} +
∂E_k/∂S_k, δS_k = Λ_k D_k with D_k the step's in-step Jacobian of its states
(unit block-triangular, its inverse the finite sum Σ_{i<S} (I − D_k)^i), every
state's truth an opaque row, the logistic atom's derivative the polynomial
σ − σ∘σ in the atom (as tanh's is 1 − tanh²). Base and step are decided at
their thresholds by the kernel as above, and the kernel compares the traced
J_{k+1}, D_k, D_{k+1}, ∂E_k/∂S_k with its own forward mode of two steps and
the recursion with its own adjoints at T = 2 (:func:`kernel_down_blocks`).

How membership is established
-----------------------------
Not assumed: the check is run once on :class:`Traced` values with symbolic
dimensions (:class:`Size`), which carry the linear combination of diagrams and
refuse everything else with the reason, which the scope then names: entry
indexing or iteration (``A[0, 1]``, ``list(x)``), a size used as a number
(``range(v.n)``, ``v.rows``, ``sp.eye(v.n)``, tr(I)), Python branching on a
value (``__bool__``, comparisons; the class says ``__symderiv_value__ = True``
so :mod:`symderiv.concrete` refuses it too), inverses, determinants, logs,
elementwise functions other than an abstract σ, floats, and shapes that agree only as
numbers (an n×m matrix added to an m×n one, sides whose layouts differ). A
claim whose sweep fixes n (``sweep(..., fixed=("n",))``) is about that size and
is not lifted. The trace is checked against the check itself at a probe size
(exact values at a random integer point). The identity is then decided at the
threshold size by the exact engine's normal form, and the kernel
(:mod:`symderiv.kernel.lift`) recounts the degree and the index classes from
the diagrams and re-decides lhs − rhs = 0 at that size as an exact polynomial
over ℚ by its own walk of the sides (python-flint), not the engine's normal form.
"""
from __future__ import annotations

import random
import time
from contextlib import contextmanager
from dataclasses import dataclass

import sympy as sp

from .diagrams import (ATOMS, SYMBOLIC, NotInFragment, Size, Traced, TracedValues, atoms_in,  # noqa: F401
                       evaluate, symbol_values, trace)

#: the largest threshold size the lift decides at (a larger one is reported, not decided)
MAX_SIZE = 9
#: the most terms (Σ over diagrams of the index assignments at the size) the lift expands at one size: the
#: lift runs after a claim already holds, and must not spend its budget (a timeout would make it undecided)
MAX_TERMS = 200_000


# ----- the threshold ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Threshold:
    degree: int            # the most variable nodes in a diagram of lhs − rhs
    classes: dict          # dim -> the most index classes of that dim in a diagram
    fixed: tuple           # fixed dimensions (numbers > 1) that occur

    def size(self, dims) -> dict:
        """The size to decide at: each symbolic dimension at its number of classes (at least 1)."""
        return {d: max(1, self.classes.get(d, 0)) for d in dims}


def threshold(lhs: Traced, rhs: Traced) -> Threshold:
    diagrams = lhs.terms + rhs.terms
    classes = {d: max((g.classes(d) for g in diagrams), default=0) for d in SYMBOLIC}
    fixed = sorted({x for g in diagrams for x in g.dims if isinstance(x, int)})
    return Threshold(max((g.degree for g in diagrams), default=0), classes, tuple(fixed))


def cost(diagrams, size: dict) -> int:
    """How many terms the diagrams expand to at ``size``: Σ over diagrams of Π over classes of their extent."""
    total = 0
    for g in diagrams:
        k = 1
        for d in g.dims:
            k *= d if isinstance(d, int) else size.get(d, 1)
        total += k
    return total


# ----- evaluation of a trace (the consistency check at a probe size, the atoms' keys) -----------------------

def values_of(claim, size: dict, point: dict | None = None) -> dict:
    """The variables at ``size`` as :func:`symbol_values` names them, at the point's values when one is given."""
    values = symbol_values(claim, size)
    if point is None:
        return values
    return {k: (M.xreplace(point), rd, cd) for k, (M, rd, cd) in values.items()}


def consistent(claim, lhs: Traced, rhs: Traced, probe: dict, seed: int = 0) -> str:
    """'' when the trace gives the check's own sides at ``probe`` (exactly, at a random integer point)."""
    rng = random.Random(seed)
    point = {x: sp.Integer(rng.randint(-3, 3)) for M, _r, _c in symbol_values(claim, probe).values() for x in M}
    sides = claim._raw_sides(probe)
    values = values_of(claim, probe, point)
    for which, traced, side in (("lhs", lhs, sides[0]), ("rhs", rhs, sides[1])):
        want = side.xreplace(point)
        got = evaluate(traced, values, probe)
        if got.shape != want.shape or (got - want).applyfunc(sp.expand) != sp.zeros(*want.shape):
            return f"the trace's {which} differs from the check's at {probe} (the check computes differently " \
                   "on traced values)"
    return ""


def coinciding_atoms(claim, lhs: Traced, rhs: Traced, size: dict) -> str:
    """'' when the atoms f(T)[i] of the trace are pairwise distinct at ``size`` (distinct expanded arguments),
    else which two coincide: the lift reads each atom node as a variable of its own, which is the engine's
    reading only when no two of them are one atom there."""
    names = atoms_in(lhs.terms + rhs.terms)
    if not names:
        return ""
    values = values_of(claim, size)
    seen: dict = {}
    for name in names:
        f, arg = ATOMS[name]
        M = evaluate(arg, values, size, expand=True)
        for k, e in enumerate(M.applyfunc(sp.expand)):
            key = (f.__name__, e)
            if key in seen and seen[key] != (name, k):
                return f"at {_sizes_words(size)} two entries of elementwise {f.__name__} have one argument ({e})"
            seen[key] = (name, k)
    return ""


# ----- the lift -----------------------------------------------------------------------------------------

@dataclass
class Lift:
    lifted: bool
    scope: str                 # what the scope says (appended after '; ')
    size: dict | None = None   # where it was decided
    degree: int = 0
    classes: dict | None = None
    seconds: float = 0.0
    argument: tuple = ()       # the steps of the argument, when lifted (explain shows them)
    token: object = None       # the kernel's Proved of kind every n (kernel/lift.verify_lift), when lifted


def _sizes_words(size: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in size.items())


def lift(claim, *, decide=None, t: int | None = None) -> Lift:
    """Try the every-n lift of a free-variable identity that holds at its sweep (see the module docstring), or
    of a model claim at the horizon ``t`` (experimental: the engine does not call it; :func:`lift_model`).

    ``decide(size) -> bool``: is lhs − rhs 0 at ``size`` (the exact engine's normal form; the engine passes
    its own). Returns what the scope says either way.
    """
    t0 = time.perf_counter()
    at_t = {} if claim.model is None else {"t": t}
    if claim.model is None:
        dims_used = [d for d in SYMBOLIC if any(d in (var.rows, var.cols) for var in claim.variables.values())]
    else:
        dims_used = ["n", "m"]
    fixed_by_claim = [d for d in dims_used if d in claim.sizes.fixed]
    if fixed_by_claim:
        return Lift(False, f"not lifted to every {', '.join(fixed_by_claim)}: the claim fixes "
                    f"{', '.join(fixed_by_claim)} (a fixed size)")
    if not dims_used:
        return Lift(False, "")  # nothing has a symbolic size: nothing to lift
    try:
        lhs, rhs = trace(claim, t)
    except NotInFragment as e:
        return Lift(False, f"not lifted to every {_every(dims_used)}: {e}")
    th = threshold(lhs, rhs)
    size = {**th.size(dims_used), **at_t}
    probe = {**{d: {"n": 2, "m": 3}[d] for d in dims_used}, **at_t}
    bad = consistent(claim, lhs, rhs, probe)
    if bad:
        return Lift(False, f"not lifted to every {_every(dims_used)}: {bad}")
    if decide is None:
        decide = _decide_by_engine(claim)
    swept = max((s.get("n", 1) for s in claim.sizes.sizes() if s.get("t") == t), default=1)
    tries = []
    if "n" in size and swept + 1 < size["n"]:  # a cheap size first: what holds only at small n fails there
        tries.append({**size, "n": swept + 1})
    tries.append(size)
    for s in tries:
        if s is size and any(v > MAX_SIZE for v in size.values()):
            return Lift(False, f"not lifted to every {_every(dims_used)}: the threshold size {_sizes_words(size)} "
                        f"(index classes of contraction diagrams of degree {th.degree}) is beyond the lift's "
                        f"limit {MAX_SIZE}", size, th.degree, th.classes)
        terms = cost(lhs.terms + rhs.terms + tuple(g for a in atoms_in(lhs.terms + rhs.terms)
                                                    for g in ATOMS[a][1].terms), s)
        if terms > MAX_TERMS:
            return Lift(False, f"not lifted to every {_every(dims_used)}: deciding at {_sizes_words(s)} "
                        f"(the threshold of contraction diagrams of degree {th.degree}) expands about {terms} terms, "
                        f"beyond the lift's budget of {MAX_TERMS}", s, th.degree, th.classes)
        if not decide(s):
            return Lift(False, f"not lifted to every {_every(dims_used)}: at {_sizes_words(s)} the normal form of "
                        "lhs − rhs is not 0, so it is no formal identity (it holds at the sizes shown only)", s,
                        th.degree, th.classes)
    same = coinciding_atoms(claim, lhs, rhs, size)
    if same:
        return Lift(False, f"not lifted to every {_every(dims_used)}: {same}; the lift reads distinct atoms as "
                    "independent", size, th.degree, th.classes)
    from .kernel.lift import verify_lift

    check = verify_lift(claim, size, t)
    from .kernel.accept import genuine

    if not (check.ok and genuine(check.token)):  # only the kernel's own Proved lifts a claim
        return Lift(False, f"not lifted to every {_every(dims_used)}: the kernel did not confirm it "
                    f"({check.reason})", size, th.degree, th.classes)
    present = [d for d in dims_used if th.classes[d]]
    classes = ", ".join(f"{th.classes[d]} index class{'es' if th.classes[d] != 1 else ''} of {d}"
                        for d in present) or "no index class"
    at = ", ".join(f"{d} = {size[d]} ≥ {th.classes[d]}" for d in present) or _sizes_words(
        {d: size[d] for d in dims_used})
    absent = [d for d in dims_used if not th.classes[d]]
    if absent:
        at += f" ({', '.join(absent)} not in the sides' diagrams: any size)"
    fixed = f"; the dimension{'s' if len(th.fixed) > 1 else ''} {', '.join(map(str, th.fixed))} fixed" \
        if th.fixed else ""
    names = atoms_in(lhs.terms + rhs.terms)
    funcs = ", ".join(dict.fromkeys(ATOMS[a][0].__name__ for a in names))
    atoms = ("" if not names else f"; its elementwise atom ({funcs}) distinct there, read as a variable"
             if len(names) == 1 else f"; its {len(names)} elementwise atoms ({funcs}) distinct there, each read "
             "as a variable")
    where = f" at t = {t}" if t is not None else ""
    scope = (f"for every {_every(dims_used)} ≥ 1{where}: a formal identity of contraction diagrams of degree {th.degree} "
             f"with at most {classes}, decided exactly at {at} and re-decided there by the kernel "
             f"(every-n lift by index relabelling{fixed}{atoms})")
    return Lift(True, scope, size, th.degree, th.classes, time.perf_counter() - t0,
                FREE_ARGUMENT + ((ATOM_STEP,) if names else ()), token=check.token)


def _every(dims) -> str:
    return ", ".join(dims)


def _decide_by_engine(claim):
    from .identity import nonzero_entries

    def decide(size: dict) -> bool:
        lhs, rhs = claim.sides(size)
        return not nonzero_entries(lhs, rhs, "symengine")

    return decide


#: the argument of a free-variable identity's "for every n" (explain shows it; the scope has the numbers)
FREE_ARGUMENT = (
    "The check was run once on traced values of symbolic size: every operation it used (products, transposes, "
    "traces, kron, diag, Hadamard, vec, rational constants, v.d) is a contraction of diagrams, so each side is one "
    "fixed linear combination of contraction diagrams at every size.",
    "Each diagram has a number of index classes per dimension; the threshold is the largest such number.",
    "Lemma (index relabelling): an entry's monomials use at most that many index values, and relabelling them "
    "injectively into {1…N} maps the terms of size n one to one onto those of size N; so if lhs − rhs is 0 at one "
    "size N ≥ the threshold, every coefficient at every size is 0.",
    "The exact engine decided lhs − rhs = 0 at that size, and the kernel recounted the classes from the diagrams "
    "and expanded lhs − rhs to 0 there itself (sizes in the scope).",
)
#: the step an identity with elementwise atoms adds
ATOM_STEP = ("Each elementwise atom σ(T) is read as a variable of its own, which is the engine's reading because no "
             "two atom entries share an argument at that size (checked, and rechecked by the kernel); putting σ(T) "
             "back in gives the identity for every σ.")


def extend(claim) -> tuple[bool, str, tuple, object]:
    """For the engine: (lifted, what the scope adds: '; for every n ≥ 1: …' or '; not lifted …: why', the
    argument's steps when lifted, the kernel's every-n token when lifted, else None)."""
    try:
        out = lift(claim)
    except Exception as e:  # noqa: BLE001 (the lift never turns a verdict into a crash: it says why it did not lift)
        return False, f"; not lifted to every n: the lift could not read the claim ({type(e).__name__}: {e})", (), None
    if not out.lifted:
        return False, (f"; {out.scope}" if out.scope else ""), (), None
    return True, f"; {out.scope}", out.argument, out.token


def lift_model(claim) -> list[Lift]:
    """Experimental (not called by the engine): the every-n lift of a model claim at each horizon t of its sweep.

    The model is traced at each fixed t (:class:`symderiv.diagrams.TracedModel`): parameters, h_0 and the
    inputs are variables, each step the cell's own, σ an atom node, ``m.d`` the derivative on diagrams. Each
    t is its own identity of bounded degree, lifted to every n (and every input size m) as a free-variable
    identity is. It says nothing about every t: every n and every t is :func:`lift_induction` (the induction's
    base and step traced, each lifted).
    """
    ts = sorted({s.get("t", 1) for s in claim.sizes.sizes()})
    return [lift(claim, t=t) for t in ts]


# ----- every n and every t: the induction's base and step, traced ---------------------------------------------

class _TracedFormal:
    """Sums and ordered products over a symbolic range on traced values (the induction's two runs, as
    :class:`symderiv.formal.Formal` reads them on SymPy matrices): a range of known length is built term by term;
    in run B (``opaque``) a range of symbolic length is an opaque variable of symbolic size (one per product
    structure: order, range and the factor's diagrams at a generic index ρ; one per sum); in run A (``peel``) a
    product's newest factor and a sum's last term are peeled, the sum's remainder being L · S_B with L one of the
    factors peeled off at a generic index κ and summand_A(κ) = L · summand_B(κ) as diagrams (equal keys: an
    identity at every size)."""

    def __init__(self, model: "TracedInductionModel"):
        self.m = model

    @property
    def ctx(self):
        return self.m._ctx

    def product(self, factor, lo, hi, order, size):
        from .formal import _plain, _same_base, ix

        lo, hi = ix(lo), ix(hi)
        if _same_base(lo, hi):
            rs = [lo + d for d in range(hi.off - lo.off + 1)]
            out = _NOTATION.eye(size)
            for r in (reversed(rs) if order == "descending" else rs):
                out = out * _as(factor(_plain(r)))
            return out
        if self.ctx.mode == "peel":
            peeled = self._peel_product(factor, lo, hi, order, size)
            if peeled is not None:
                return peeled
        return self._opaque_product(factor, lo, hi, order, size)

    def _peel_product(self, factor, lo, hi, order, size):
        """Run A upward: the product's newest factor peeled off (a range up to the horizon t), else None."""
        from .formal import HORIZON, _check_nonempty

        if hi.base != HORIZON:
            return None
        ctx = self.ctx
        _check_nonempty(ctx, lo, hi, "the product")
        top = _as(factor(hi))
        self.m._peeled_factors.append(top)
        rest = self._opaque_product(factor, lo, hi - 1, order, size)
        ctx.peeled.append(f"Π newest factor ({order})")
        return top * rest if order == "descending" else rest * top

    def _opaque_product(self, factor, lo, hi, order, size):
        from .formal import Ix

        ctx = self.ctx
        saved, ctx.mode = ctx.mode, "opaque"
        try:
            at = _as(factor(Ix("ρ", 0)))
        finally:
            ctx.mode = saved
        key = ("Π", order, str(lo), str(hi), _structure(at))
        if key not in self.m._opaque:
            dims = at.rowdims
            self.m._opaque[key] = self.m._variable(f"Π{len(self.m._opaque)}", dims, dims,
                                                   generic=_generic_in(str(lo) + str(hi)) | self.m._depends(at)
                                                   - {"ρ"} | set(ctx.within))
        return self.m._opaque[key]

    def total(self, term, lo, hi, shape):
        from .formal import _plain, _same_base, ix

        ctx, lo, hi = self.ctx, ix(lo), ix(hi)
        rows, cols = (_legs_of(s) for s in shape)
        if _same_base(lo, hi):
            out = Traced((), rows, cols)
            for d in range(hi.off - lo.off + 1):
                out = out + _as(term(_plain(lo + d)))
            return out
        if ctx.mode == "peel":
            peeled = self._peel_sum(term, lo, hi, rows, cols)
            if peeled is not None:
                return peeled
        S = self.m._variable(f"Σ{next(ctx.counter)}", rows, cols,  # a name of its own (two sums, two variables)
                             generic=_generic_in(str(lo) + str(hi)) | set(ctx.within))
        if ctx.mode == "opaque":
            self.m._sums.append((term, str(lo), str(hi), rows, cols, S))
        return S

    def _peel_sum(self, term, lo, hi, rows, cols):
        """Run A upward: the sum's last term peeled off (a range up to the horizon t), the remainder L · S_B; else
        None."""
        from .formal import HORIZON, _check_nonempty

        if hi.base != HORIZON:
            return None
        _check_nonempty(self.ctx, lo, hi, "the sum")
        top = _as(term(hi))
        rest = self._remainder(term, lo, hi - 1, rows, cols)
        self.ctx.peeled.append("Σ last term")
        return top + rest

    def _remainder(self, term, lo, hi, rows, cols):
        """The sum's remainder Σ_{lo..hi} term (its top term peeled off): L · S or S · L with S the opaque sum of
        run B over the same range, ``hi`` the generic index's upper bound."""
        return self._matched_sum(term, lo, hi, rows, cols, ctx_bound=("upper", hi.off), what=(
            f"the sum from {lo} to {hi + 1} cannot be peeled on diagrams: its summand at horizon t is not a peeled "
            "factor times its summand at horizon t − 1 (as diagrams)"))

    #: how a peeled factor F may multiply run B's summand: F itself upward; F or Fᵀ downward (a backward recursion
    #: reads the forward Jacobian transposed)
    def _variants(self, F):
        return (F,)

    def _same(self, a: Traced, b: Traced) -> bool:
        """a = b as diagrams (equal keys: an identity at every size)."""
        return not (a - b).terms

    def _matched_sum(self, term, lo, hi, rows, cols, *, ctx_bound, what: str):
        """L · S (or S · L) for the sum of ``term`` over lo..hi, S run B's opaque sum over that range and L a factor
        peeled off in this run (or a variant of one) with summand_A(κ) = L · summand_B(κ) at a generic κ whose
        bound is ``ctx_bound`` (("upper", off) or ("lower", off)); else Unsupported(``what``)."""
        from .formal import Unsupported

        ctx = self.ctx
        k = ctx.generic()
        kind, off = ctx_bound
        getattr(ctx, kind)[k.base] = off
        ctx.within.append(k.base)
        try:
            mark = len(self.m._peeled_factors)
            a = _as(term(k))
            peeled = self.m._peeled_factors[mark:]
            for term_b, lo_b, hi_b, rows_b, cols_b, S in self.m._sums:
                if (lo_b, hi_b, rows_b, cols_b) != (str(lo), str(hi), rows, cols):
                    continue
                saved, ctx.mode = ctx.mode, "opaque"
                try:
                    b = _as(term_b(k))
                finally:
                    ctx.mode = saved
                for F in peeled:
                    if self.m._depends(F) & {k.base}:
                        continue
                    for L in self._variants(F):
                        if L.rowdims == a.rowdims and L.coldims == b.rowdims and self._same(a, L * b):
                            return L * S
                        if L.rowdims == b.coldims and L.coldims == a.coldims and self._same(a, b * L):
                            return S * L
            raise Unsupported(what)
        finally:
            ctx.within.pop()


_NOTATION = None  # diagrams.Notation(), set below


def _as(x) -> Traced:
    from .diagrams import _as_traced

    return _as_traced(x)


def _legs_of(s) -> tuple:
    """A shape entry (a Size, an int, "n") as leg dimensions."""
    if isinstance(s, Size):
        return tuple(d for d in s.dims if d != 1)
    from .diagrams import _dim_of

    d = _dim_of(s)
    return () if d is None else (d,)


def _structure(x: Traced) -> str:
    return repr((x.rowdims, x.coldims, sorted(repr((g.key(), g.coef)) for g in x.terms)))


def _generic_in(text: str) -> set:
    import re

    return set(re.findall(r"(k\d+|ρ)", text))


class TracedInductionModel:
    """The model protocol at a symbolic horizon on traced values (issue 20): the induction's
    :class:`symderiv.induction.InductionModel` with every value a linear combination of contraction diagrams of
    symbolic size. States are free variables per step (``h[t-1]``, dimension n), inputs ``x[t]`` (m), the
    parameters variables of their declared shapes, each step the cell's own on traced values, σ an atom node;
    a truth dh_k/dθ at the horizon ± c is an opaque variable ``X[k]⟨θ⟩`` of shape n × dim vec(θ); ``m.partial``
    is the derivative on diagrams. Anything else is refused (NotInFragment)."""

    def __init__(self, claim, horizon, ctx, shared: "TracedInductionModel | None" = None):
        from types import SimpleNamespace

        from .diagrams import _elementwise, _ones_like, _refused
        from .functions import dsigma, sigma

        if claim.activation not in ("abstract", "identity", "tanh", "logistic"):
            raise NotInFragment(f"a concrete activation ({claim.activation}: its relations are not atoms')")
        self.cell, self.t, self._ctx = claim.model, horizon, ctx
        self.n, self.m = Size("n"), Size("m")
        self.layout = (claim.conventions or {}).get("layout", "row-major")
        self._truths: dict = {}     # (str(k), wrt) -> variable
        self._steps: dict = {}
        if shared is not None:      # run A shares run B's variables and opaque objects
            self._kinds, self._deps, self._opaque = shared._kinds, shared._deps, shared._opaque
            self._sums, self._peeled_factors, self.params = shared._sums, shared._peeled_factors, shared.params
        else:
            self._kinds: dict = {}  # variable name -> (row dims, col dims)
            self._deps: dict = {}   # variable name -> the generic indices it varies with
            self._opaque: dict = {}
            self._sums: list = []
            self._peeled_factors: list = []
            self.params = SimpleNamespace(**{name: self._variable(name, _legs_of(r), _legs_of(c))
                                             for name, (r, c) in self.cell.params.items()})
        linear = claim.activation == "identity"
        tanh, dtanh = _elementwise(_tanh), _elementwise(_dtanh)
        logi, dlogi = _elementwise(_logistic), _elementwise(_dlogistic)
        if claim.activation == "tanh":
            sig, dsig = tanh, dtanh
        elif claim.activation == "logistic":
            sig, dsig = logi, dlogi
        else:
            sig, dsig = ((lambda v: v) if linear else _elementwise(sigma)), (_ones_like if linear else
                                                                              _elementwise(dsigma))
        self.f = SimpleNamespace(sigma=sig, dsigma=dsig, tanh=tanh, dtanh=dtanh, logistic=logi,
                                 **{k: _refused(f"f.{k} (a concrete function)") for k in ("softmax", "exp", "log")})

    def _variable(self, name, rowdims, coldims, generic=()) -> Traced:
        rowdims, coldims = tuple(rowdims), tuple(coldims)
        if name in self._kinds and self._kinds[name] != (rowdims, coldims):
            raise NotInFragment(f"{name} read with two shapes")
        self._kinds[name] = (rowdims, coldims)
        self._deps[name] = set(generic) | _generic_in(name)
        legs = tuple(range(len(rowdims) + len(coldims)))
        from .diagrams import Diagram

        g = Diagram(sp.Integer(1), ((name, legs),), legs[:len(rowdims)], legs[len(rowdims):], rowdims + coldims)
        return Traced((g,), rowdims, coldims, name=name)

    def _depends(self, x: Traced) -> set:
        out = set()
        for name in _names_in(x.terms):
            out |= self._deps.get(name, set())
        return out

    def __getattr__(self, name):
        params = self.__dict__.get("params")
        if params is not None and name in vars(params):
            return getattr(params, name)
        if name.startswith("_"):
            raise AttributeError(name)
        raise NotInFragment(f"m.{name} (the every-n induction reads parameters, h, at, x, sigma, dsigma, d, "
                            "partial)")

    def _symbols(self, name, k, dim):
        from .formal import HORIZON, ix

        k = ix(k)
        if k.base == HORIZON:
            self._ctx.lowest = min(self._ctx.lowest, k.off)
        return self._variable(f"{name}[{k}]", (dim,), ())

    def x(self, k):
        return self._symbols("x", k, "m")

    def state(self, name, k):
        return self._symbols(name, k, "n")

    def step(self, k) -> dict:
        from types import SimpleNamespace

        from .cells import StepScope
        from .formal import ix

        k = ix(k)
        key = (k.base, k.off)
        if key not in self._steps:
            prev = {s: self.state(s, k - 1) for s in self.cell.state}
            scope = StepScope({}, lambda v: v)
            self._steps[key] = dict(self.cell.call(scope, SimpleNamespace(**prev), self.x(k), self.params, self.f,
                                                   y=_refuse_y, k=k, n=self.n, m=self.m, t=self.t))
        return self._steps[key]

    #: a state at the symbolic step t is the cell's step at the free states of t − 1 (as in
    #: :class:`symderiv.induction.InductionModel`: one object, the one every other read of step t sees)
    NEW_STATE_IS_STEP = True

    def at(self, name, k):
        from .formal import HORIZON, ix

        k = ix(k)
        if k.base == HORIZON and self.t.base == HORIZON and k.off > self.t.off:
            raise NotInFragment(f"m.at({name!r}, {k}): a step past the horizon {self.t}")
        if name in self.cell.state:
            if self.NEW_STATE_IS_STEP and k.base == HORIZON and k.off == 0:
                return _as(self.step(k)[name])
            return self.state(name, k)
        q = self.step(k)
        if name not in q:
            raise NotInFragment(f"the step has no quantity {name!r} the every-n induction reads")
        return q[name]

    def h(self, k):
        return self.at("h", k)

    def sigma(self, v):
        return self.f.sigma(v)

    def dsigma(self, v):
        return self.f.dsigma(v)

    def _wrt_legs(self, wrt):
        """(name, legs of vec(wrt) in the layout) for a parameter, or for a state h_j at a fixed j."""
        if isinstance(wrt, str) and wrt in self.cell.params:
            r, c = self._kinds[wrt]
            return wrt, ((r + c) if self.layout == "row-major" else (c + r))
        if isinstance(wrt, tuple) and len(wrt) == 2 and wrt[0] in self.cell.state and isinstance(wrt[1], int) \
                and not isinstance(wrt[1], bool) and wrt[1] >= 0:
            return f"{wrt[0]}[{wrt[1]}]", ("n",)
        raise NotInFragment(f"a derivative with respect to {wrt!r} (the every-n induction: a parameter)")

    def d(self, of, wrt, *, layout=None):
        from .formal import HORIZON, ix

        if layout is not None and layout != self.layout:
            raise NotInFragment("m.d with a layout other than the claim's")
        if not (isinstance(of, tuple) and len(of) == 2 and of[0] in self.cell.state):
            raise NotInFragment(f"m.d({of!r}, …): only the truth ds_k/dθ of a state s is induced on")
        k = ix(of[1])
        if k.base != HORIZON and not (self.t.base is None and k.base is None and 0 <= k.off <= self.t.off):
            raise NotInFragment(f"m.d({of!r}, …) at a step that is not the horizon ± an integer")
        name, cols = self._wrt_legs(wrt)
        key = (str(k), wrt if isinstance(wrt, str) else (wrt[0], wrt[1]), of[0])
        if key not in self._truths:  # the first state's truth keeps its one-state name; (h, c): X[k]⟨θ⟩, X_c[k]⟨θ⟩
            tag = "X" if of[0] == self.cell.state[0] else f"X_{of[0]}"
            self._truths[key] = self._variable(f"{tag}[{k}]⟨{name.replace('[', '@').replace(']', '')}⟩", ("n",), cols)
        return self._truths[key]

    def partial(self, of, wrt, *, hold=(), layout=None):
        from .formal import ix

        if layout is not None and layout != self.layout:
            raise NotInFragment("m.partial with a layout other than the claim's")
        if not (isinstance(of, tuple) and len(of) == 2):
            raise NotInFragment(f"m.partial({of!r}, …): only a quantity of one step")
        k = ix(of[1])
        q = self.step(k)  # the quantity of step k as the cell computes it from the free state of step k − 1
        if of[0] not in q:
            raise NotInFragment(f"the step has no quantity {of[0]!r}")
        held = self._held(k, q, hold, of[0])
        F = _as(self._run_step(k, held)[of[0]] if held else q[of[0]])
        if isinstance(wrt, tuple) and len(wrt) == 2 and wrt[0] in self.cell.state and str(ix(wrt[1])) == str(k - 1):
            name, cols = f"{wrt[0]}[{k - 1}]", ("n",)
        else:
            name, cols = self._wrt_legs(wrt)
        out = jacobian(F, name, self._kinds[name], cols, self.layout)
        for h, V in held.items():  # a held quantity at its value again, after the derivative cut it off
            out = substitute(out, V.name, _as(q[h]))
        return out

    def _held(self, k, q: dict, hold, of_name: str) -> dict:
        """``hold``'s quantities of step k as variables of their own (the engine's reading: held fixed, so the
        derivative does not go through them; :func:`symderiv.derivatives.held_of`), by name."""
        from .derivatives import held_of

        out = {}
        for h, value in held_of(q, k, hold, of_name).items():
            v = _as(value)
            out[h] = self._variable(f"{h}[{k}]⟨held⟩", v.rowdims, v.coldims, generic=self._depends(v))
        return out

    def _run_step(self, k, overrides: dict) -> dict:
        """Step k run again from the same free state, the quantities in ``overrides`` replaced by them."""
        from types import SimpleNamespace

        from .cells import StepScope

        prev = {s: self.state(s, k - 1) for s in self.cell.state}
        scope = StepScope(overrides, lambda v: v)
        return dict(self.cell.call(scope, SimpleNamespace(**prev), self.x(k), self.params, self.f, y=_refuse_y, k=k,
                                   n=self.n, m=self.m, t=self.t))



def _tanh(z):
    """tanh entrywise as an atom: evaluated as SymPy's tanh (the engine's), differentiated to the atom dtanh. In the
    lemma tanh(T) and dtanh(T) are two free variables: an identity that holds with them free holds for tanh
    (what needs tanh' = 1 − tanh² is not lifted, never wrongly lifted)."""
    return sp.tanh(z)


def _dtanh(z):
    """tanh' = 1 − tanh² entrywise, an atom of its own (no derivative rule: a second derivative is refused)."""
    return 1 - sp.tanh(z) ** 2


_tanh.derivative_atom = lambda: _dtanh
_dtanh.derivative_atom = lambda: None


def _logistic(z):
    """The logistic function entrywise as an atom, as tanh is (:func:`_tanh`): logistic(T) and logistic'(T) two free
    variables in the lemma, so an identity that needs logistic' = s(1 − s) is not lifted, never wrongly lifted."""
    from .functions import logistic

    return logistic(z)


def _dlogistic(z):
    """logistic' = s(1 − s) entrywise, an atom of its own (no derivative rule: a second derivative is refused)."""
    from .functions import logistic

    s = logistic(z)
    return s * (1 - s)


_logistic.derivative_atom = lambda: _dlogistic
_dlogistic.derivative_atom = lambda: None


def _refuse_y():
    raise NotInFragment("a target y (a loss)")


def _names_in(diagrams) -> set:
    from .diagrams import ATOMS

    out: set = set()

    def visit(gs):
        for g in gs:
            for name, _legs in g.nodes:
                if name in ATOMS:
                    visit(ATOMS[name][1].terms)
                else:
                    out.add(name)
    visit(diagrams)
    return out


def jacobian(F: Traced, name: str, kinds: tuple, cols_dims: tuple, layout: str) -> Traced:
    """∂vec(F)/∂vec(X) on diagrams for a column F (rows: F's legs; columns: X's legs in the layout)."""
    from .diagrams import Diagram, derive

    if F.coldims:
        raise NotInFragment("a derivative of a matrix (the every-n induction: of a column)")
    xr_dims, _xc = kinds
    out = []
    for g in F.terms:
        for dg, legs in derive(g, name):
            xr, xc = legs[:len(xr_dims)], legs[len(xr_dims):]
            out.append(Diagram(dg.coef, dg.nodes, dg.rows, (xr + xc) if layout == "row-major" else (xc + xr),
                               dg.dims))
    return Traced(out, F.rowdims, tuple(cols_dims))


def substitute(x: Traced, name: str, value: Traced) -> Traced:
    """x with every node of the variable ``name`` replaced by ``value`` (same legs): diagrams composed."""
    from itertools import product as cartesian

    from .diagrams import Diagram, _normalize

    from .diagrams import ATOMS, atom

    def inner(nm):  # an atom over an argument that reads ``name``: the atom of the substituted argument
        if nm in ATOMS and name in _names_in(ATOMS[nm][1].terms):
            f, arg = ATOMS[nm]
            return atom(f, substitute(arg, name, value))
        return nm

    x = Traced([Diagram(g.coef, tuple((inner(nm), legs) for nm, legs in g.nodes), g.rows, g.cols, g.dims)
                for g in x.terms], x.rowdims, x.coldims)
    out = []
    for g in x.terms:
        spots = [i for i, (nm, _legs) in enumerate(g.nodes) if nm == name]
        if not spots:
            out.append(g)
            continue
        rest = tuple(nd for i, nd in enumerate(g.nodes) if i not in spots)
        for choice in cartesian(*[value.terms] * len(spots)):
            nodes, dims, coef, merges = rest, g.dims, g.coef, []
            for i, h in zip(spots, choice):
                k = len(dims)
                nodes = nodes + tuple((nm, tuple(a + k for a in legs)) for nm, legs in h.nodes)
                dims = dims + h.dims
                coef *= h.coef
                merges += list(zip(g.nodes[i][1], (a + k for a in h.rows + h.cols)))
            d = _normalize(coef, nodes, g.rows, g.cols, dims, merges)
            out.append(Diagram(d.coef, d.nodes, d.rows, d.cols, d.dims))
    return Traced(out, x.rowdims, x.coldims)


from .diagrams import Notation as _Notation  # noqa: E402

_NOTATION = _Notation()


@dataclass
class Decided:
    """One identity of diagrams decided at its threshold and re-decided by the kernel."""
    label: str
    degree: int
    classes: dict
    size: dict
    how: str = ""


def decide_identity(claim_id: str, label: str, lhs: Traced, rhs: Traced, kinds: dict, dims_used) -> Decided:
    """Decide lhs = rhs (diagrams) at its threshold size: the kernel recounts the threshold and decides it there
    by its own exact expansion of the diagrams (:func:`symderiv.kernel.lift.verify_identity`); the one decision
    is the kernel's, only its Proved token counts. NotInFragment with the reason when it says no."""
    from .kernel.accept import genuine
    from .kernel.lift import verify_identity

    th = threshold(lhs, rhs)
    size = th.size(dims_used)
    if any(v > MAX_SIZE for v in size.values()):
        raise NotInFragment(f"{label}: the threshold size {_sizes_words(size)} is beyond the lift's limit {MAX_SIZE}")
    terms = cost(lhs.terms + rhs.terms + tuple(g for a in atoms_in(lhs.terms + rhs.terms)
                                              for g in ATOMS[a][1].terms), size)
    if terms > MAX_TERMS:
        raise NotInFragment(f"{label}: deciding at {_sizes_words(size)} expands about {terms} terms, beyond the "
                            f"lift's budget of {MAX_TERMS}")
    # the decision at the threshold size is the kernel's own (an exact polynomial walk of the diagrams): the
    # engine has no separate, slower normal form of the same diagrams to add
    check = verify_identity(claim_id, label, lhs, rhs, size, kinds)
    if not (check.ok and genuine(check.token)):
        raise NotInFragment(f"{label}: at {_sizes_words(size)} it is not confirmed, so it is no formal identity "
                            f"({check.reason})")
    return Decided(label, th.degree, {d: th.classes.get(d, 0) for d in dims_used}, size, check.reason)


def _truth_of(m: "TracedInductionModel", lhs, rhs):
    """(key, the claimed side C) where the other side is the truth at the horizon."""
    tops = {key: M for key, M in m._truths.items() if key[0] == str(m.t)}
    for key, M in tops.items():
        for a, b in ((lhs, rhs), (rhs, lhs)):
            if isinstance(a, Traced) and _structure(a) == _structure(M):
                return key, _as(b)
    raise NotInFragment("neither side is the truth dh_t/dθ at the horizon, so there is no recursion to trace")


@dataclass
class InductionLift:
    lifted: bool
    scope: str
    base: Lift | None = None
    step: Decided | None = None
    peeled: tuple = ()
    seconds: float = 0.0
    argument: tuple = ()  # the steps of the argument, when lifted


@dataclass
class _Partials:
    """The traced J_t = ∂h_t/∂h_{t−1} and P_t = ∂h_t/∂θ of the step (diagrams of symbolic size), for the kernel's
    comparison with its own forward mode (:func:`kernel_partials`)."""

    J: Traced
    P: Traced | None
    wrt: object
    state: str
    prev: str
    x: str
    kinds: dict
    layout: str
    #: a cell with several states (h, c): J is then the claimed state's block row, one block per state in the cell's
    #: order (``blocks``, each ∂s_t/∂r_{t−1}), and ``prevs`` the names of every previous state, stacked for the kernel
    blocks: tuple = ()
    prevs: tuple = ()


class _Grid:
    """The traced variables as matrices of symbols at a concrete ``size`` (n = m = 2 by default), for the kernel's
    comparisons of what the finder traced with its own forward mode: ``values`` maps each variable of ``kinds``
    (atoms aside: evaluate computes those from their arguments) to (its matrix, its row dims, its column dims)."""

    def __init__(self, kinds: dict, size: dict | None):
        self.size = dict(size or {"n": 2, "m": 2})
        self.values = {name: (self.symbols(name, self.rows(rd), self.rows(cd)), rd, cd)
                       for name, (rd, cd) in kinds.items() if name not in ATOMS}

    def rows(self, dims) -> int:
        k = 1
        for d in dims:
            k *= d if isinstance(d, int) else self.size[d]
        return k

    @staticmethod
    def symbols(name, r, c=1) -> sp.Matrix:
        return sp.Matrix(r, c, lambda i, j: sp.Symbol(f"⟨{name}⟩[{i},{j}]"))

    def syms(self, name, r, c=1) -> sp.Matrix:
        """The variable's matrix where it was traced, else a fresh one of that name."""
        got = self.values.get(name)
        return got[0] if got is not None else self.symbols(name, r, c)

    def params(self, claim) -> dict:
        return {name: self.syms(name, self.rows((rd,)), self.rows((cd,))) for name, (rd, cd) in
                claim.model.params.items()}


def kernel_partials(claim, part: "_Partials", size: dict | None = None) -> tuple[bool, str]:
    """The kernel compares the traced J_t and P_t, evaluated at ``size`` (n = m = 2 by default) with every variable a
    matrix of symbols, with its own forward-mode partials of one step of the cell at a random point
    (:func:`symderiv.kernel.step.confirm_step`, which pairs the symbols with its own h_0, x_1 and weights by
    position). (ok, what the kernel said)."""
    from .diagrams import evaluate
    from .kernel.step import StepStatement, confirm_step

    grid = _Grid(part.kinds, size)
    size, values, syms = grid.size, grid.values, grid.syms
    try:
        J = sp.Matrix.hstack(*[evaluate(b, dict(values), size) for b in part.blocks]) if part.blocks else \
            evaluate(part.J, dict(values), size)
        P = evaluate(part.P, dict(values), size) if part.P is not None else sp.zeros(J.rows, 1)
    except Exception as e:  # noqa: BLE001 (what cannot be evaluated is not compared: the lift is refused)
        return False, f"the traced J_t, P_t cannot be evaluated at {size}: {type(e).__name__}: {e}"

    n, m = size["n"], size.get("m", 1)
    params = grid.params(claim)
    # the statement's own step identity is P = J · 0 + P (nothing to prove there): what is checked is J and P
    prev = sp.Matrix.vstack(*[syms(p, n) for p in part.prevs]) if part.prevs else syms(part.prev, n)
    st = StepStatement("induction", P, sp.zeros(J.cols, P.cols), J, P,
                       wrt=part.wrt, layout=part.layout, state=part.state, prev=prev, x=syms(part.x, m),
                       params=params, states=tuple(claim.model.state) if part.prevs else ())
    tok, why = confirm_step(claim, size, st)
    return tok is not None, why


def kernel_base(claim, X1: Traced, kinds: dict, t0: int, wrt, state: str, size: dict | None = None) -> tuple[bool, str]:
    """The kernel compares the base's truth X_{t0} = ds_{t0}/dθ, as the finder unrolled it on diagrams (from X_0 = 0
    for a parameter; from the cell's own step j for a state at step j, :func:`_state_base`), evaluated at ``size``
    (n = m = 2 by default) with every variable a matrix of symbols, with its own forward-mode derivative of t0 steps
    of the cell at a random point (:func:`symderiv.kernel.step.confirm_base`, which pairs the finder's initial
    states, x_1 … x_t0 and weights with its own by position). The base's identity C_{t0} = X_{t0} is decided by the
    kernel as diagrams; this is what makes X_{t0} the truth. (ok, what the kernel said)."""
    from .diagrams import evaluate
    from .kernel.step import StepStatement, confirm_base

    grid = _Grid(kinds, size)
    size, values, syms = grid.size, grid.values, grid.syms
    try:
        L = evaluate(X1, dict(values), size)
    except Exception as e:  # noqa: BLE001 (what cannot be evaluated is not compared: the lift is refused)
        return False, f"the traced base truth cannot be evaluated at {size}: {type(e).__name__}: {e}"

    n, m = size["n"], size.get("m", 1)
    params = grid.params(claim)
    prev = sp.Matrix.vstack(*[syms(f"{r}[0]", n) for r in claim.model.state])
    xs = sp.Matrix.vstack(*[syms(f"x[{k}]", m) for k in range(1, t0 + 1)])
    st = StepStatement("base", L, sp.zeros(*L.shape), wrt=wrt, layout=(claim.conventions or {}).get(
        "layout", "row-major"), state=state, prev=prev, x=xs, params=params, states=tuple(claim.model.state),
        horizon=t0)
    tok, why = confirm_base(claim, size, st)
    return tok is not None, why


def step_identity(claim, t0: int):
    """The induction's step C_t = J_t C_{t−1} + P_t for every t ≥ t0 + 1 as diagrams of symbolic size:
    (c_a, J · c_b + P, the variables' shapes, what was peeled, the traced partials). Run B reads the claim at horizon t − 1 (sums and
    products over a symbolic range opaque), run A at t (their top peeled); the truth at t − 1, wherever run A
    uses it, is C_{t−1} (the hypothesis); J_t and P_t are the cell's step differentiated on diagrams."""
    from .concrete import watching
    from .formal import HORIZON, TRACED, Context, Ix, Unsupported, active

    ctx = Context(n=0, t_min=t0 + 1)
    try:
        with active(ctx), watching():
            mb = TracedInductionModel(claim, Ix(HORIZON, -1), ctx)
            TRACED.append(_TracedFormal(mb))
            try:
                ctx.mode = "opaque"
                key_b, c_b = _truth_of(mb, *claim.check(mb))
                ma = TracedInductionModel(claim, Ix(HORIZON, 0), ctx, shared=mb)
                TRACED[-1] = _TracedFormal(ma)
                ctx.mode = "peel"
                key_a, c_a = _truth_of(ma, *claim.check(ma))
            finally:
                TRACED.pop()
            if key_a[1:] != key_b[1:]:
                raise NotInFragment("the truth at horizon t and at t − 1 are not the same derivative")
            if t0 + 1 + ctx.lowest < 0:
                raise NotInFragment(f"the claim reads step t{ctx.lowest:+d}, before step 0")
            hyp = ma._truths.get((str(Ix(HORIZON, -1)),) + key_a[1:])
            if hyp is not None:
                c_a = substitute(c_a, hyp.name, c_b)
            wrt, s = key_a[1], key_a[2]
            states = tuple(claim.model.state)
            h_t = ma.step(Ix(HORIZON, 0))[s]
            prevs = tuple(f"{r}[{Ix(HORIZON, -1)}]" for r in states)
            # the block row of s: ∂s_t/∂r_{t−1} for every state r (one block with one state)
            blocks = tuple(jacobian(_as(h_t), p, ma._kinds[p], ("n",), ma.layout) for p in prevs)
            # the previous truths: C_{t−1} for the claimed state (the hypothesis), the truth itself (opaque) for
            # every other state of the cell
            Y = [c_b if r == s else ma.d((r, Ix(HORIZON, -1)), wrt) for r in states]
            J = blocks[states.index(s)]
            rhs = blocks[0] * Y[0]
            for b, y in zip(blocks[1:], Y[1:]):
                rhs = rhs + b * y
            P = None
            if wrt in ma.cell.params:
                name, cols = ma._wrt_legs(wrt)
                P = jacobian(_as(h_t), name, ma._kinds[name], cols, ma.layout)
                rhs = rhs + P
            # else ds_t/dr_j, t > j: no explicit partial
            many = len(states) > 1
            part = _Partials(J, P, wrt, s, prevs[states.index(s)], f"x[{Ix(HORIZON, 0)}]", dict(ma._kinds),
                             ma.layout, blocks if many else (), prevs if many else ())
    except Unsupported as e:
        raise NotInFragment(str(e).splitlines()[0]) from e
    except NotInFragment:
        raise
    except Exception as e:  # noqa: BLE001 (what the trace cannot read is a refusal with the reason)
        raise NotInFragment(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from e
    if (c_a.rowdims, c_a.coldims) != (rhs.rowdims, rhs.coldims):
        raise NotInFragment("the step's sides have different open legs")
    used = _names_in(c_a.terms + rhs.terms)
    return c_a, rhs, {k: v for k, v in ma._kinds.items() if k in used}, tuple(dict.fromkeys(ctx.peeled)), part


def same_identity(claim):
    """Both sides traced at a symbolic horizon t (sums and products over a symbolic range opaque, the truth an
    opaque variable of symbolic size): (lhs, rhs, the variables' shapes) when they are one expression of diagrams
    there, the road the induction takes when "the two sides are one expression at a symbolic t" (its kind
    ``same``): an identity with the truth a free variable holds for whatever the truth is, at every n, m and t.
    NotInFragment otherwise (then the claim is a closed form, for the base and the step)."""
    from .concrete import watching
    from .formal import HORIZON, TRACED, Context, Ix, Unsupported, active

    ctx = Context(n=0, t_min=1)
    try:
        with active(ctx), watching(), _polynomials():  # an entrywise polynomial (1 − z) as Hadamard powers
            m = TracedInductionModel(claim, Ix(HORIZON, 0), ctx)
            TRACED.append(_TracedFormal(m))
            try:
                ctx.mode = "opaque"
                lhs, rhs = (_as(v) for v in claim.check(m))
            finally:
                TRACED.pop()
    except Exception as e:  # noqa: BLE001 (not readable this way: the closed-form road decides)
        raise NotInFragment(f"{type(e).__name__}") from e
    if (lhs.rowdims, lhs.coldims) != (rhs.rowdims, rhs.coldims):
        raise NotInFragment("the two sides have different open legs")
    used = _names_in(lhs.terms + rhs.terms)
    truths = {M.name for M in m._truths.values()}
    if (lhs - rhs).terms and used & truths:  # a closed form of the truth: the base and step decide it
        raise NotInFragment("the two sides are not one expression of diagrams at a symbolic t")
    # one expression, or an identity of one step at a free state (no truth in it: m.partial, the step's quantities),
    # which the kernel decides at its threshold like any identity of diagrams
    kinds = {k: v for k, v in m._kinds.items() if k in used}
    if not used & truths:
        _probe_sides(claim, lhs, rhs, kinds)
    return lhs, rhs, kinds


def _probe_sides(claim, lhs: Traced, rhs: Traced, kinds: dict) -> None:
    """The trace at a symbolic t, read at t = 1 (its state h_{t−1} the model's h_0, x_t its x_1), against the claim's
    own sides at n = 2, m = 3, as the base's trace is checked (:func:`_against_sides`): a trace that reads the check
    otherwise than the engine does (an entrywise function that is a polynomial only at a symbol, two functions of
    one name) is refused, not lifted."""
    from .formal import HORIZON, Ix

    prev, now = str(Ix(HORIZON, -1)), str(Ix(HORIZON, 0))
    names = {**{f"{s}[{prev}]": f"{s}0" for s in claim.model.state}, f"x[{now}]": "x1", f"y[{now}]": "y1"}
    _against_sides(claim, (lhs, rhs), kinds, 1, names)


def _against_sides(claim, traced: tuple, kinds: dict, t: int, names: dict) -> None:
    """The traced (lhs, rhs) against the claim's own sides at n = 2, m = 3 and horizon ``t``, exactly, at a random
    integer point: every variable of ``kinds`` takes the engine's value of its own name or of ``names``' (the
    trace's h[0], x[1], … are the engine's h0, x1). NotInFragment when a variable has no value or a side differs."""
    from .diagrams import evaluate, symbol_values

    probe = {"n": 2, "m": 3, "t": t}
    given = symbol_values(claim, probe)
    rng = random.Random(0)
    point = {x: sp.Integer(rng.randint(-3, 3)) for M, _r, _c in given.values() for x in M}
    values = {name: (given[names.get(name, name)][0].xreplace(point), rd, cd) for name, (rd, cd) in kinds.items()
              if names.get(name, name) in given}
    if len(values) != len(kinds):
        raise NotInFragment(f"the trace reads a variable the model does not have at t = {t}")
    for which, x, side in zip(("lhs", "rhs"), traced, claim._raw_sides(probe)):
        got, want = evaluate(x, dict(values), probe), sp.Matrix(side).xreplace(point)
        if got.shape != want.shape or (got - want).applyfunc(sp.expand) != sp.zeros(*want.shape):
            raise NotInFragment(f"the trace's {which} at t = {t} differs from the check's at n = 2, m = 3")


def _blocks(m: "TracedInductionModel", j, r: str, states: tuple) -> list:
    """∂r_j/∂q_{j−1} for every state q, in the cell's order (step j of the traced model at a concrete j)."""
    from .formal import Ix

    r_j = _as(m.step(j)[r])
    prev = f"{{}}[{Ix(None, j.off - 1)}]"
    return [jacobian(r_j, prev.format(q), m._kinds[prev.format(q)], ("n",), m.layout) for q in states]


def _advance(m: "TracedInductionModel", Xprev: dict, j, states: tuple, explicit) -> dict:
    """X^r_j = Σ_q ∂r_j/∂q_{j−1} X^q_{j−1} (+ ∂r_j/∂θ, ``explicit(r)``) for every state r: the chain rule."""
    out = {}
    for r in states:
        acc = explicit(r)
        for b, q in zip(_blocks(m, j, r, states), states):
            acc = acc + b * Xprev[q]
        out[r] = acc
    return out


def _state_base(m: "TracedInductionModel", wrt, t0: int, states: tuple, zero: Traced) -> dict:
    """Every state's truth by the state w at step j0, at steps 0 … t0: {k: {r: dr_k/dw_j0}}.

    * k < j0: 0 (a state does not depend on a later one);
    * k = j0: the cell's own step j0 with w_j0 a variable of its own (the state variable ``w[j0]``, put back to the
      step's value with the trajectory's other states): dw_j0/dw_j0 = I, and for another state r its derivative
      within the step, ∂r_j0/∂w_j0, nonzero when r is computed after w and reads it (h_1 = tanh(c_1): dh_1/dc_1 =
      diag(1 − h_1²)), as the engine's truth has it (it overrides w at step j0 and runs the step). At j0 = 0 the
      initial states are independent inputs: I and 0;
    * k > j0: X_k = J_k X_{k−1} (no explicit partial past j0).

    (The base used to start at X^w_j0 = I and X^r_j0 = 0 for j0 ≥ 1 too: a true row by c_1 was never lifted.)"""
    from .formal import Ix

    w, j0 = wrt
    if j0 > t0:
        raise NotInFragment(f"the base of d·_t/d{w}_{j0} is at t = {j0}, past the sweep's {t0}")
    X = {k: {r: zero for r in states} for k in range(0, j0)}
    if j0 == 0:
        X[0] = {r: (_NOTATION.eye(m.n) if r == w else zero) for r in states}
    else:
        name = f"{w}[{Ix(None, j0)}]"
        var = m.state(w, j0)  # w_j0 as a variable (the trajectory's substitution puts the step's value back)
        ran = m._run_step(Ix(None, j0), {w: var})
        X[j0] = {r: jacobian(_as(ran[r]), name, m._kinds[name], ("n",), m.layout) for r in states}
    for j in range(j0 + 1, t0 + 1):
        X[j] = _advance(m, X[j - 1], Ix(None, j), states, lambda r: zero)
    return X


def base_identity(claim, t0: int = 1):
    """The induction's base at t = t0 as diagrams: (C_t0 as the claim computes it, the truth X_t0 (h_0 free, dh_0/dθ =
    0 for a parameter θ; for a state at step j, :func:`_state_base`), the variables' shapes, (θ, the claimed state)). The claim is read at horizon 1 by the same traced
    model as the step; the trace is checked against the claim's own sides at a probe size (n = 2, m = 3, t = 1,
    exactly at a random integer point)."""
    from .concrete import watching
    from .formal import TRACED, Context, Ix, Unsupported, active

    ctx = Context(n=0, t_min=1)
    try:
        with active(ctx), watching():
            m = TracedInductionModel(claim, Ix(None, t0), ctx)
            TRACED.append(_TracedFormal(m))
            try:
                lhs, rhs = claim.check(m)
            finally:
                TRACED.pop()
            key, C = _truth_of(m, lhs, rhs)
            states = tuple(claim.model.state)
            wrt, s = key[1], key[2]
            truth_first = isinstance(lhs, Traced) and _structure(lhs) == _structure(m._truths[key])
            top = m._truths[key]
            zero = Traced((), top.rowdims, top.coldims)

            if wrt in m.cell.params:  # X_0 = 0, X_j = J_j X_{j−1} + P_j (the chain rule, unrolled to t0)
                name, cols = m._wrt_legs(wrt)
                X = {0: {r: zero for r in states}}
                for j in range(1, t0 + 1):
                    X[j] = _advance(m, X[j - 1], Ix(None, j), states,
                                    lambda r, j=j: jacobian(_as(m.step(Ix(None, j))[r]), name, m._kinds[name], cols,
                                                            m.layout))
            else:
                X = _state_base(m, wrt, t0, states, zero)
            X1 = X[t0][s]
            for (k, _w, r), M in list(m._truths.items()):
                if (k, _w, r) == key:
                    continue
                if _w != wrt or not k.lstrip("-").isdigit() or int(k) not in X:
                    raise NotInFragment(f"the base reads the truth at step {k}")
                C = substitute(C, M.name, X[int(k)][r])
            C = substitute(C, m._truths[key].name, X1)
            for j in range(t0, 0, -1):  # the states of the trajectory, newest first: h_j := f(h_{j−1}, x_j)
                for r in states:
                    if f"{r}[{j}]" in m._kinds:
                        C = substitute(C, f"{r}[{j}]", _as(m.step(Ix(None, j))[r]))
                        X1 = substitute(X1, f"{r}[{j}]", _as(m.step(Ix(None, j))[r]))
                        m._kinds.pop(f"{r}[{j}]")
    except Unsupported as e:
        raise NotInFragment(str(e).splitlines()[0]) from e
    except NotInFragment:
        raise
    except Exception as e:  # noqa: BLE001
        raise NotInFragment(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from e
    truths = {M.name for M in m._truths.values()}
    kinds = {k: v for k, v in m._kinds.items() if k not in truths and k in _names_in(C.terms + X1.terms)}
    names = {**{f"{r}[0]": f"{r}0" for r in states}, **{f"x[{j}]": f"x{j}" for j in range(1, t0 + 1)}}
    _against_sides(claim, (X1, C) if truth_first else (C, X1), kinds, t0, names)
    return C, X1, kinds, (wrt, s)


def lift_induction(claim, t0: int = 1) -> InductionLift:
    """Every n and every t ≥ t0 (issue 20): the base C_{t0} = X_{t0} (:func:`base_identity`) and the induction's
    step C_t = J_t C_{t−1} + P_t (C_{t−1} and every sum or product over a symbolic range opaque;
    :func:`step_identity`), each traced as diagrams and decided at its threshold by the kernel
    (:func:`decide_identity`). Each is an identity of bounded degree at every n (the relabelling
    lemma); together, by induction on t, the claim at every n and every t ≥ t0."""
    t_start = time.perf_counter()
    dims = ["n", "m"]
    fixed = [d for d in dims if d in claim.sizes.fixed]
    if fixed:
        return InductionLift(False, f"not lifted to every {', '.join(fixed)}: the claim fixes {', '.join(fixed)} "
                             "(a fixed size)")
    try:  # the sides one expression at a symbolic t (X_t = X_t + 0·X_t): no base and step to decide
        lhs, rhs, kinds = same_identity(claim)
        one = decide_identity(claim.id, "one expression", lhs, rhs, kinds, dims)
    except NotInFragment:
        pass
    else:
        sizes = ", ".join(f"{d} = {one.size[d]}" + ("" if one.classes.get(d) else " (any)") for d in dims)
        scope = (f"for every n ≥ 1, every m ≥ 1 and every t ≥ {t0}: the two sides are one expression of contraction "
                 f"diagrams at a symbolic t (states free, a truth an opaque variable), of degree {one.degree}, decided "
                 f"exactly at {sizes} by the kernel's own recount and expansion (the trace of the claim at a symbolic "
                 "t is not re-checked by it)")
        return InductionLift(True, scope, None, one, ("one expression",), time.perf_counter() - t_start,
                             SAME_ARGUMENT)
    try:
        c_a, rhs, kinds, peeled, part = step_identity(claim, t0)
        step = decide_identity(claim.id, "step", c_a, rhs, kinds, dims)
    except NotInFragment as e:
        return InductionLift(False, f"not lifted to every n: the induction's step: {e}")
    ok, why = kernel_partials(claim, part)
    if not ok:
        return InductionLift(False, f"not lifted to every n: the kernel does not accept the traced J_t, P_t: {why}")
    try:
        C, X1, kinds, (b_wrt, b_state) = base_identity(claim, t0)
        base = decide_identity(claim.id, "base", C, X1, kinds, dims)
    except NotInFragment as e:
        return InductionLift(False, f"not lifted to every n: the induction's base t = {t0}: {e}", None, step)
    ok, why = kernel_base(claim, X1, kinds, t0, b_wrt, b_state)
    if not ok:
        return InductionLift(False, f"not lifted to every n: the kernel does not accept the base's truth at t = {t0}: "
                             f"{why}", None, step)
    words = lambda dd: ", ".join(f"{d} = {dd.size[d]}" + ("" if dd.classes.get(d) else " (any)") for d in dims)
    bcls = ", ".join(f"{base.classes.get(d, 0)} of {d}" for d in dims)
    scls = ", ".join(f"{step.classes.get(d, 0)} of {d}" for d in dims)
    how = ", ".join(peeled) or "nothing to peel"
    states = tuple(claim.model.state)
    if len(states) > 1:  # the layout of the block recursion, in the claim's own words
        how += ("; the state (" + ", ".join(states) + ") stacked, J_t the block matrix ["
                + ", ".join("[" + ", ".join(f"∂{a}_t/∂{b}_{{t−1}}" for b in states) + "]" for a in states)
                + "] (blocks in the cell's state order), the claimed state's block row, the other states' truths at "
                "t − 1 free variables")
    scope = (f"for every n ≥ 1, every m ≥ 1 and every t ≥ {t0}: induction on t whose base and step are formal "
             f"identities of contraction diagrams (every-n lift by index relabelling): base t = {t0} of degree "
             f"{base.degree} with at most {bcls} index classes, decided exactly at {words(base)}; step C_t = J_t "
             f"C_{{t−1}} + P_t with C_{{t−1}} and the sums and products over 1…t−1 opaque ({how}) of degree "
             f"{step.degree} with at most {scls} index classes, decided exactly at {words(step)}; each decided there "
             "by the kernel's own recount and exact expansion of the diagrams; J_t, P_t compared by the kernel with "
             "its own forward mode at n = m = 2, and the base's truth X_{t0} with its own forward mode of t0 steps there "
             "(the peeling and the trace of the claim at a symbolic t are not "
             "re-checked by it)")
    return InductionLift(True, scope, base, step, peeled, time.perf_counter() - t_start,
                         MODEL_ARGUMENT if len(states) == 1 else MULTI_STATE_ARGUMENT)


#: the argument of a model claim's "for every n and every t", in steps (explain shows it; the scope has the numbers)
MODEL_ARGUMENT = (
    "Truth's recursion: for a time-invariant cell h_t = f(h_{t−1}, x_t; θ), X_t = dh_t/dθ obeys X_t = J_t X_{t−1} "
    "+ P_t (J_t = ∂f/∂h_{t−1}, P_t = ∂f/∂θ, the chain rule) with X_0 = 0 for a parameter θ.",
    "Base t = 1: the claim was read at horizon 1 on traced values of symbolic size (parameters, h_0, x_1 "
    "variables; σ an atom node); its closed form C_1 and X_1 = P_1 are linear combinations of contraction diagrams "
    "(checked against the claim's own sides at n = 2, m = 3).",
    "Step: the claim was read at horizons t − 1 and t on traced values (states h_{t−1}, h_{t−2}, … and x_t free "
    "variables of symbolic size; a sum or product over a range of symbolic length an opaque matrix variable at "
    "t − 1 and peeled at its top at t; the truth X_{t−1} wherever the claim uses it replaced by C_{t−1}, the "
    "hypothesis): C_t = J_t C_{t−1} + P_t is an identity of diagrams in those free variables.",
    "Lemma (index relabelling, see the lift of free-variable identities): an identity of diagrams that holds at one "
    "size N at or above its number of index classes per dimension holds at every size; each of the two was "
    "decided at its threshold size (in the scope) by the kernel's own exact expansion of the diagrams, which also "
    "recounted the classes.",
    "So the base holds at every n and m, and the step at every n, m and every trajectory and range (free "
    "variables); by induction on t, C_t = X_t for every n, m and t ≥ 1.",
    "The traced J_t and P_t were compared by the kernel with its own forward-mode partials of one step of the cell "
    "at n = m = 2, at a random point (kernel/step.py), and the base's truth X_{t0} as the finder unrolled it with "
    "its own forward-mode derivative of t0 steps there (kernel/step.confirm_base).",
    "Trusted, not re-checked by the kernel: the trace of the claim at a symbolic t (the tracer's reading of the "
    "check, the peeling of sums and products, the hypothesis substitution) and that J_t, P_t are the cell's "
    "partials at every n (the chain rule on diagrams; the kernel compared them at n = m = 2 only).",
)


#: the argument for a cell with several states (an LSTM's (h, c)): the block recursion, one block row
MULTI_STATE_ARGUMENT = (
    "Truth's recursion, several states: for a time-invariant cell (h_t, c_t) = f(h_{t−1}, c_{t−1}, x_t; θ), the pair "
    "X_t = (dh_t/dθ, dc_t/dθ), stacked h first, obeys X_t = J_t X_{t−1} + P_t with the block matrix J_t = "
    "[[∂h_t/∂h_{t−1}, ∂h_t/∂c_{t−1}], [∂c_t/∂h_{t−1}, ∂c_t/∂c_{t−1}]] (each block an explicit partial, the other "
    "state held) and P_t = (∂h_t/∂θ, ∂c_t/∂θ) (the chain rule); X_0 = 0 for a parameter, (I, 0) or (0, I) for h_0 "
    "or c_0.",
    "A claim C_t about one state s is its block row: C_t = Σ_r ∂s_t/∂r_{t−1} Y^r + P^s_t with Y^s = C_{t−1} (the "
    "hypothesis) and Y^r, r ≠ s, the truth dr_{t−1}/dθ itself, a free variable: an identity in it holds for its true "
    "value.",
    *MODEL_ARGUMENT[1:3],
    "Base: every state's truth unrolled jointly to t0 by the block recursion, the states of steps 1…t0 the cell's "
    "steps; for θ a state w at step j ≥ 1 the recursion starts at step j from the cell's own step (w_j a variable: "
    "dw_j/dw_j = I, and dr_j/dw_j, for a state r computed after w in the step, its derivative within the step), 0 "
    "before j.",
    *MODEL_ARGUMENT[3:5],
    "The traced block row was compared by the kernel with its own forward-mode partials ∂s_1/∂h_0, ∂s_1/∂c_0 of one "
    "step of the cell at n = m = 2, the finder's previous states stacked against the kernel's [h_0; c_0].",
    MODEL_ARGUMENT[6],
)


def extend_model(claim, outcomes) -> tuple[bool, str, tuple]:
    """For the engine, after the induction proved a model claim for every t: (lifted, the scope's addition, the
    argument's steps when lifted)."""
    ts = [o.size.get("t") for o in outcomes if "t" in o.size]
    if not ts:
        return False, "", ()
    try:
        if _is_downward(claim):  # every_step(m, family, …): ∇_{h_k}L from k = T down
            out = lift_downward(claim)
        else:
            out = lift_induction(claim, min(ts))
    except Exception as e:  # noqa: BLE001 (the lift never turns a verdict into a crash)
        return False, f"; not lifted to every n: the lift could not read the claim ({type(e).__name__}: {e})", ()
    return out.lifted, f"; {out.scope}", out.argument if out.lifted else ()


# ----- every n and every t, downward: ∇_{h_k}L from k = T down (issue 20, item 4) ---------------------------------

def _tanh_down(z):
    """tanh entrywise as an atom whose derivative is the polynomial 1 − tanh² in the atom itself (diagrams.derive
    reads ``derivative_poly``). In the lemma tanh(T) is a free variable s and the identity is decided with
    ∂s = (1 − s∘s) ⊙ ∂T: it then holds at s = tanh(T), where that rule is exact. The downward lift needs it: the
    book writes the Jacobian of tanh as diag(1 − h²) with h = tanh(·) itself."""
    return sp.tanh(z)


_tanh_down.derivative_poly = (sp.Integer(1), sp.Integer(0), sp.Integer(-1))


def _logistic_down(z):
    """The logistic function entrywise as an atom whose derivative is the polynomial σ − σ∘σ in the atom itself (as
    :func:`_tanh_down`): in the lemma σ(T) is a free s with ∂s = (s − s∘s) ⊙ ∂T, exact at s = σ(T). The LSTM's
    downward rows write the gates' derivatives as f ⊙ (1 − f) from the gates' values (f′ = σ′(·) = f − f∘f)."""
    from .functions import logistic

    return logistic(z)


_logistic_down.derivative_poly = (sp.Integer(0), sp.Integer(1), sp.Integer(-1))


class _NotDownward(Exception):
    """The claim is not ``every_step(m, family, …)``: the upward lift is tried instead."""


def _induction_model_class():
    from .induction import InductionModel

    return InductionModel


class TracedDownwardModel(TracedInductionModel):
    """The model protocol of a downward induction (∇_{h_k}L for L = Σ_s E_s, from k = T down) on traced values:
    :class:`TracedInductionModel`'s states, inputs, parameters and steps, and besides

    * ``m.d(m.sum_of("E"), ("h", k))``, the truth dL/dh_k, an opaque row variable ``δG[k]`` (1 × n);
    * ``m.d(("E", k), ("o", k))`` = g_k, a FREE row variable ``δg[k]`` with one leg of the output's dimension:
      L = Σ_s E_s with E_s a function of (o_s, y_s) alone, so the truth depends on E only through g_s =
      ∂E_s/∂o_s; an identity of diagrams in free g_s holds for every value of g_s, in particular for ∇E of any
      loss, which is never read as permutation-equivariant or separable;
    * ``m.d(("E", k), ("h", k))`` = g_k ∂o_k/∂h_k, ``m.o(k)`` the cell's output at the state h_k (an output
      that reads another quantity of the step is refused);
    * tanh an atom with tanh' = 1 − tanh² (:func:`_tanh_down`), f.dtanh(v) = 1 − tanh(v)∘tanh(v), and an
      entrywise polynomial (``h.applyfunc(lambda v: 1 - v ** 2)``) the Hadamard powers it is.

    Its class is made a subclass of :class:`symderiv.induction.InductionModel` (only so that ``every_step``
    hands over its family rather than stacking it); every method it would inherit from there is overridden or
    refused."""

    NEW_STATE_IS_STEP = False  # the downward base unrolls the states above k itself

    def __init__(self, claim, horizon, ctx):
        from types import SimpleNamespace

        from .diagrams import _elementwise

        super().__init__(claim, horizon, ctx)
        self._claim = claim
        self._downward = None
        self._grads: dict = {}     # str(k) -> (k, δG[k])
        self._g: dict = {}         # str(k) -> (k, g[k])
        self._reads: list = []     # every step index read: (Ix, least valid value)
        self._sgrads: dict = {}    # (state, str(k)) -> (k, δG_s[k]): the truths of the other states (several states)
        if claim.activation == "tanh":
            tanh = _elementwise(_tanh_down)
            dtanh = lambda v: 1 - _NOTATION.hadamard(tanh(v), tanh(v))  # noqa: E731
            f = vars(self.f) | dict(sigma=tanh, dsigma=dtanh, tanh=tanh, dtanh=dtanh,
                                    logistic=_elementwise(_logistic_down))
            self.f = SimpleNamespace(**f)
        elif claim.activation == "abstract":
            self.f = SimpleNamespace(**(vars(self.f) | dict(tanh=_refuse_f("f.tanh"), dtanh=_refuse_f("f.dtanh"))))

    # -- the indices read
    def _symbols(self, name, k, dim):
        from .formal import ix

        k = ix(k)
        self._reads.append((k, 0 if name in self.cell.state else 1))
        return self._variable(f"{name}[{k}]", (dim,), ())

    def _read(self, k, least: int = 1):
        from .formal import ix

        k = ix(k)
        self._reads.append((k, least))
        return k

    # -- the loss: g_k free, the truth G_k opaque
    def sum_of(self, name: str, lo: int = 1, hi=None):
        from .protocol import SumOf

        return SumOf(name, lo, hi)

    def _output_at(self, k):
        from types import SimpleNamespace

        if self.cell.output is None:
            raise NotInFragment(f"cell {self.cell.name!r} has no output, so no per-step loss")
        q = SimpleNamespace(**{s: self.state(s, k) for s in self.cell.state})
        try:
            o = _as(self.cell.output(q, self.params, self.f))
        except AttributeError as e:
            raise NotInFragment(f"the output reads a quantity of the step other than its state ({e})") from e
        if o.coldims or o.scalar:
            raise NotInFragment("an output that is not a column")
        return o

    def o(self, k):
        return self._output_at(self._read(k))

    def g(self, k):
        """g_k = ∂E_k/∂o_k (a row): a free variable per step."""
        k = self._read(k)
        if str(k) not in self._g:
            o = self._output_at(k)
            self._g[str(k)] = (k, self._variable(f"δg[{k}]", (), o.rowdims))
        return self._g[str(k)][1]

    def dloss(self, k):
        """∂E_k/∂h_k = g_k · ∂o_k/∂h_k (a row), by the chain rule on diagrams."""
        s = self.cell.state[0]
        o = self._output_at(k)
        name = f"{s}[{k}]"
        return self.g(k) * jacobian(o, name, self._kinds[name], ("n",), self.layout)

    def d(self, of, wrt, *, layout=None):
        from .formal import ix
        from .protocol import SumOf

        if layout is not None and layout != self.layout:
            raise NotInFragment("m.d with a layout other than the claim's")
        s = self.cell.state[0]
        if isinstance(of, SumOf) and isinstance(wrt, tuple) and len(wrt) == 2 and wrt[0] in self.cell.state:
            if of.name != "E" or of.lo != 1 or of.hi is not None:
                raise NotInFragment("the derivative of a sum other than L = Σ_{s=1}^{t} E_s")
            k = self._read(wrt[1], 0)
            if k.base is None:
                raise NotInFragment(f"∇_{wrt[0]}{k}L at a fixed step (only at a generic k or the horizon ± an integer)")
            if wrt[0] != s:  # another state's truth (several states): an opaque row of its own
                return self.truth_row(wrt[0], k)
            if str(k) not in self._grads:
                self._grads[str(k)] = (k, self._variable(f"δG[{k}]", (), ("n",)))
            return self._grads[str(k)][1]
        if isinstance(of, tuple) and len(of) == 2 and of[0] == "E" and isinstance(wrt, tuple) and len(wrt) == 2 \
                and str(ix(of[1])) == str(ix(wrt[1])):
            if wrt[0] == "o":
                return self.g(of[1])
            if wrt[0] == s and len(self.cell.state) == 1:
                return self.dloss(ix(of[1]))
        raise NotInFragment(f"m.d({of!r}, {wrt!r}) in a downward claim (the lift reads ∇_h L, ∂E_k/∂o_k and "
                            "∂E_k/∂h_k)")

    def truth_row(self, r: str, k):
        """dL/dr_k (a row) of a state r: ``δG[k]`` for the first state, ``δG_r[k]`` for another (an opaque row)."""
        from .formal import ix

        if r == self.cell.state[0]:
            return self.d(self.sum_of("E"), (r, k))
        k = ix(k)
        key = (r, str(k))
        if key not in self._sgrads:
            self._sgrads[key] = (k, self._variable(f"δG_{r}[{k}]", (), ("n",)))
        return self._sgrads[key][1]

    def truths(self) -> dict:
        """{(state, str(k)): (k, the opaque row dL/ds_k)} of every state's truth the trace read."""
        out = {(self.cell.state[0], key): v for key, v in self._grads.items()}
        out.update(self._sgrads)
        return out

    def dloss_row(self, k) -> list:
        """∂E_k/∂S_k as a block row, one block g_k ∂o_k/∂r_k per state r (the output reads the states of step k,
        held one against the other: the explicit partials)."""
        o = self._output_at(k)
        out = []
        for r in self.cell.state:
            name = f"{r}[{k}]"
            if name not in self._kinds:
                self.state(r, k)
            out.append(self.g(k) * jacobian(o, name, self._kinds[name], ("n",), self.layout))
        return out

    def partial(self, *a, **k):
        raise NotInFragment("m.partial in a downward claim")

    def at(self, name, k):
        if name == "o":
            return self.o(k)
        if name == "E":
            raise NotInFragment("the value of the loss E_k (the lift reads only its gradient ∂E_k/∂o_k)")
        self._read(k, 0 if name in self.cell.state else 1)
        return super().at(name, k)

    def E(self, k):
        return self.at("E", k)

    def y(self, k):
        raise NotInFragment("a target y (the lift reads the loss only through ∂E_k/∂o_k)")

    def like(self, *a, **k):
        raise NotInFragment("m.like in a downward claim")

    def _run(self, *a, **k):
        raise NotInFragment("a step with held quantities")

    def _output(self, *a, **k):
        raise NotInFragment("the loss of a step as a value")

    def _grad(self, *a, **k):
        raise NotInFragment("the loss's gradient through the induction model")


def _refuse_f(what):
    def refuse(*_a, **_k):
        raise NotInFragment(f"{what} (a concrete function of another activation)")
    return refuse


_DOWN_CLASS: list = []


def _down_model(claim, horizon, ctx) -> TracedDownwardModel:
    """A :class:`TracedDownwardModel` that ``every_step`` recognises as an induction model."""
    if not _DOWN_CLASS:
        _DOWN_CLASS.append(type("TracedDownwardModel", (TracedDownwardModel, _induction_model_class()),
                                {"__doc__": TracedDownwardModel.__doc__}))
    return _DOWN_CLASS[0](claim, horizon, ctx)


class _TracedDownFormal(_TracedFormal):
    """Sums and ordered products over a symbolic range in a downward induction: run B (the family at k + 1) reads
    a range of symbolic length as an opaque variable; run A (at k) peels what starts at k: a product's oldest
    factor, a sum's first term, the sum's remainder being L · S_B (or S_B · L) with L a peeled factor or its
    transpose, summand_A(κ) = L · summand_B(κ) at a generic κ decided as an identity of diagrams by the kernel
    (:func:`symderiv.kernel.lift.verify_identity` at its threshold)."""

    def __init__(self, model, claim_id: str):
        super().__init__(model)
        self.claim_id = claim_id
        self.peels: list = []  # the kernel's answers on the remainders' summand identities

    def _peel_product(self, factor, lo, hi, order, size):
        """Run A downward: the product's oldest factor peeled off (a range from k), else None."""
        from .formal import _check_nonempty_down

        ctx = self.ctx
        if lo.base != ctx.var:
            return None
        _check_nonempty_down(ctx, lo, hi, "the product")
        bottom = _as(factor(lo))
        self.m._peeled_factors.append(bottom)
        rest = self._opaque_product(factor, lo + 1, hi, order, size)
        ctx.peeled.append(f"Π oldest factor ({order})")
        return rest * bottom if order == "descending" else bottom * rest

    def _peel_sum(self, term, lo, hi, rows, cols):
        """Run A downward: the sum's first term peeled off (a range from k), the remainder L · S_B; else None."""
        from .formal import _check_nonempty_down

        ctx = self.ctx
        if lo.base != ctx.var:
            return None
        _check_nonempty_down(ctx, lo, hi, "the sum")
        first = _as(term(lo))
        rest = self._remainder_down(term, lo + 1, hi, rows, cols)
        ctx.peeled.append("Σ first term")
        return first + rest

    def _remainder_down(self, term, lo, hi, rows, cols):
        """The sum's remainder Σ_{lo..hi} term (its first term peeled off), ``lo`` the generic index's lower
        bound."""
        return self._matched_sum(term, lo, hi, rows, cols, ctx_bound=("lower", lo.off), what=(
            f"the sum from {lo - 1} to {hi} cannot be peeled at its bottom on diagrams: its summand at k is not a "
            "peeled factor times its summand at k + 1"))

    def _variants(self, F):
        return (F, F.T)

    def _same(self, a: Traced, b: Traced) -> bool:
        """a = b as diagrams: equal keys, or decided at its threshold by the kernel (node order may differ)."""
        if not (a - b).terms:
            return True
        from .kernel.accept import genuine
        from .kernel.lift import verify_identity

        th = threshold(a, b)
        size = th.size(["n", "m"])
        if any(v > MAX_SIZE for v in size.values()):
            return False
        kinds = {k: v for k, v in self.m._kinds.items() if k in _names_in(a.terms + b.terms)}
        out = verify_identity(self.claim_id, "peel", a, b, size, kinds)
        self.peels.append(out)
        return bool(out.ok and genuine(out.token))


@dataclass
class DownwardLift:
    """The downward every-n lift of a claim ``every_step(m, family, lo=…, hi=t + c)``: ``lifted`` only when the
    kernel decided both identities (``base``, ``step``: :class:`Decided`) at their thresholds; otherwise
    ``stage`` names where it stopped ("read", "base", "step") and ``by_kernel`` whether the kernel refused a
    decision (its reason in ``scope``)."""
    lifted: bool
    scope: str
    stage: str = ""
    by_kernel: bool = False
    base: Decided | None = None
    step: Decided | None = None
    peeled: tuple = ()
    every: str = ""
    seconds: float = 0.0
    argument: tuple = ()  # the steps of the argument, when lifted
    blocks: tuple = ()    # a cell with several states: their names, in the order the block recursion stacks them


def _is_downward(claim) -> bool:
    """Does the claim's check hand ``every_step`` a family (a downward claim)?"""
    from .concrete import watching
    from .formal import HORIZON, TRACED, Context, Ix, active

    try:
        with active(Context(n=0, t_min=1)) as ctx, watching():
            m = _down_model(claim, Ix(HORIZON, 0), ctx)
            TRACED.append(_TracedDownFormal(m, claim.id))
            try:
                claim.check(m)
            finally:
                TRACED.pop()
    except Exception:  # noqa: BLE001 (not read this way: the upward lift says why)
        return False
    return m._downward is not None


def _grad_row(m: TracedDownwardModel, k, lhs, rhs) -> Traced:
    """The claimed side C_k as a row, beside the truth dL/dh_k (a row) or ∇_{h_k}L (its transpose)."""
    G = m._grads.get(str(k))
    if G is not None:
        G = G[1]
        for a, b in ((lhs, rhs), (rhs, lhs)):
            if not isinstance(a, Traced):
                continue
            if _structure(a) == _structure(G):
                return _as(b)
            if _structure(a) == _structure(G.T):
                return _as(b).T
    raise NotInFragment(f"neither side is the truth ∇_{{h_{k}}}L (m.d(m.sum_of('E'), ('h', k)) or its transpose), "
                        "so there is no backward recursion to trace")


@contextmanager
def _traced_down(claim, ctx):
    """Within: the claim read on a fresh downward model in ``ctx``, (model, its formal handler, family, lo, hi);
    sums and products over a symbolic range are read by that handler until it ends."""
    from .formal import HORIZON, TRACED, Ix

    m = _down_model(claim, Ix(HORIZON, 0), ctx)
    formal = _TracedDownFormal(m, claim.id)
    TRACED.append(formal)
    try:
        claim.check(m)
        if m._downward is None:
            raise NotInFragment("the claim calls every_step only sometimes")
        family, lo, hi = m._downward
        yield m, formal, family, lo, hi
    finally:
        TRACED.pop()


def _spec(lo, hi):
    from .formal import HORIZON, ix

    if not isinstance(lo, int) or isinstance(lo, bool):
        raise NotInFragment(f"every_step(lo={lo!r}): the lowest step must be an integer")
    hi = ix(hi)
    if hi.base != HORIZON or hi.off > 0:
        raise NotInFragment(f"every_step(hi={hi}): the highest step must be the horizon t or t − c")
    return lo, hi.off


def _check_reads(m: TracedDownwardModel, K, lo: int, c: int):
    """Every step index the trace read exists wherever the identity is used: t + j with j ≤ 0 (nothing past the
    horizon), k + j with lo + j ≥ its least value (h_0 is a state, x_0, E_0 are not), κ inside a range."""
    from .formal import HORIZON

    for k, least in m._reads:
        if k.base == HORIZON and k.off > 0:
            raise NotInFragment(f"the claim reads step {k}, past the horizon")
        if K is not None and k.base == K.base and lo + k.off < least:
            raise NotInFragment(f"the claim reads step {k}, which at k = {lo} is step {lo + k.off}, before the first")
        if K is not None and k.base == K.base and (c - 1) + k.off > 0:
            raise NotInFragment(f"the claim reads step {k}, which at k = T{c - 1:+d} is past the horizon")
        if k.base not in (None, HORIZON) and (K is None or k.base != K.base) and k.off > 0:
            raise NotInFragment(f"the claim reads step {k} inside a sum or product over a range that may end at T: "
                                "past the horizon")
        if k.base == HORIZON and K is None and max(lo - c, 1) + k.off < least:
            raise NotInFragment(f"the claim reads step {k}, before the first at t = {max(lo - c, 1)}")


def _with_raised(fn):
    """Run ``fn`` with the tracer's record of refusals on: one the check caught is raised all the same."""
    from . import diagrams

    saved, diagrams._RAISED = diagrams._RAISED, []
    try:
        out = fn()
        if diagrams._RAISED:
            raise diagrams._RAISED[0]
        return out
    finally:
        diagrams._RAISED = saved


def _down_truth(m: TracedDownwardModel, j: int, T) -> Traced:
    """dL/dh_{t+j} (a row) for j ≤ 0 at free states: dℓ_t at j = 0, then dL/dh_i = dL/dh_{i+1} J_{i+1} + dℓ_i."""
    s = m.cell.state[0]
    G = m.dloss(T)
    for i in range(-1, j - 1, -1):
        k = T + i
        nxt = _as(m.step(k + 1)[s])
        name = f"{s}[{k}]"
        J = jacobian(nxt, name, m._kinds[name], ("n",), m.layout)
        G = G * J + m.dloss(k)
    return G


#: where the trace of the downward base is checked against the claim's own sides
DOWN_PROBE = {"n": 2, "m": 3}


def _engine_values(claim, m: TracedDownwardModel, mod, names, t: int) -> dict:
    """The engine's model ``mod`` at horizon ``t`` as values of the trace's variables: h_j, x_j, the parameters,
    g_j = ∂E_j/∂o_j and G_j = dL/dh_j (the engine's own differentiation), a step t + j at j."""
    import re

    L = mod.sum_of("E")
    s = m.cell.state[0]
    values = {}
    for name in names:
        rd, cd = m._kinds[name]
        hit = re.fullmatch(r"(\w+)\[t([+-]\d+)?\]", name)
        if hit is None:
            if not hasattr(mod.params, name):
                raise NotInFragment(f"the trace reads {name}, which the engine's model has not")
            M = getattr(mod.params, name)
        else:
            what, j = hit.group(1), t + int(hit.group(2) or 0)
            # the trace's own gradients are δg, δG: δ starts no name of a cell (cells.py), so none is a state's
            M = {**{r: (lambda r=r: mod.at(r, j)) for r in m.cell.state}, "x": lambda: mod.x(j),
                 "δg": lambda: mod.d(("E", j), ("o", j)), "δG": lambda: mod.d(L, (s, j)),
                 **{f"δG_{r}": (lambda r=r: mod.d(L, (r, j))) for r in m.cell.state[1:]}}.get(what, lambda: None)()
            if M is None:
                raise NotInFragment(f"the trace reads {name}, which the engine's model has not")
        values[name] = (sp.Matrix(M), rd, cd)
    return values


def _agree(traced, want: sp.Matrix, values: dict, probe: dict, seed: int = 0) -> bool:
    """The traced value at ``probe`` equals ``want`` exactly at a random integer point of the engine's symbols.

    The engine's values are DAGs (h_t shared by every later step), so the point's symbols, the substitution and the
    zero test walk each shared object once (:func:`_free_symbols`, :func:`_xreplaced`, :func:`_zero_polynomial`);
    SymPy's ``free_symbols``, ``xreplace`` and ``expand`` walk them as trees (54 000 operations for a few hundred
    distinct objects on lstm.down.h-row). The symbols and the substituted values are SymPy's own (the same objects
    built the same way); an entry whose polynomial in its function values is not 0 is still expanded by SymPy, so
    the answer is SymPy's, or True where the polynomial shows the difference is 0 exactly."""
    from .kernel import walk

    rng = random.Random(seed)
    fs_memo: dict = {}
    symbols = {x for M, _r, _c in values.values() for e in M for x in _free_symbols(e, fs_memo) if x.is_Symbol} | \
        {x for e in want for x in _free_symbols(e, fs_memo) if x.is_Symbol}
    point = {x: sp.Integer(rng.randint(-3, 3)) for x in sorted(symbols, key=lambda x: x.name)}
    memo: dict = {}
    got = evaluate(_as(traced), {k: (_xreplaced(M, point, memo), rd, cd) for k, (M, rd, cd) in values.items()},
                   probe)
    want = _xreplaced(want, point, memo)
    if got.shape != want.shape:
        return False
    poly_memo: dict = {}
    return all(_zero_polynomial(d, poly_memo, walk) or sp.expand(d) == 0 for d in got - want)


def _free_symbols(e, memo: dict) -> frozenset:
    """``e.free_symbols``, each shared object visited once (``memo`` by identity, kept across calls): a node whose
    class has SymPy's plain ``free_symbols`` (the union over its arguments) is read from its arguments', any other
    (Lambda, Subs, Derivative, …: bound symbols) is asked itself."""
    from .kernel import walk

    if not isinstance(e, sp.Basic):
        return frozenset()
    plain = sp.Basic.free_symbols

    def combine(x, args):
        if type(x).free_symbols is not plain:
            return frozenset(x.free_symbols)
        return frozenset().union(*(a for a, b in zip(args, x.args) if isinstance(b, sp.Basic)))

    return walk.bottom_up(e, memo, combine)


def _xreplaced(M, point: dict, memo: dict):
    """``M.xreplace(point)`` (a matrix, entry by entry, or an expression) with each shared object rebuilt once:
    ``point`` maps symbols to values; a node is rebuilt as SymPy's ``_xreplace`` rebuilds it (``x.func(*args)``
    when an argument changed), so the result is SymPy's. ``memo`` (by identity) is kept across calls with the same
    ``point``."""
    from .kernel import walk

    def combine(x, args):
        if x.is_Symbol and x in point:
            return point[x]
        return x.func(*args) if any(a is not b for a, b in zip(args, x.args)) else x

    if isinstance(M, sp.MatrixBase):
        return M.applyfunc(lambda e: walk.bottom_up(e, memo, combine) if isinstance(e, sp.Basic) else e)
    return walk.bottom_up(M, memo, combine)


def _zero_polynomial(e, memo: dict, walk) -> bool:
    """Whether ``e`` is 0 as a polynomial over ℚ in its function values (each application f(u) one variable, two of
    them one only when f and the arguments' polynomials are equal) and its other non-polynomial parts (each
    object not a sum, a product, a rational or a power with exponent a natural number: one variable for each
    distinct one). A 0 polynomial is 0 exactly (each variable stands for one number); False says nothing (the
    caller then expands). Each shared object is read once (``memo`` by identity, kept across entries)."""
    from fractions import Fraction

    atoms: dict = memo.setdefault("atoms", {})  # key -> index, kept with the polynomials that use it

    def var(key) -> dict:
        i = atoms.setdefault(key, len(atoms))
        return {((i, 1),): Fraction(1)}

    def mul(a: dict, b: dict) -> dict:
        out: dict = {}
        for ma, ca in a.items():
            for mb, cb in b.items():
                if ma and mb:
                    d = dict(ma)
                    for i, k in mb:
                        d[i] = d.get(i, 0) + k
                    m = tuple(sorted(d.items()))
                else:
                    m = ma or mb
                c = out.get(m, 0) + ca * cb
                if c:
                    out[m] = c
                else:
                    out.pop(m, None)
        return out

    def key_of(p: dict):
        return frozenset(p.items())

    def combine(x, args):
        if x.is_Rational:
            return {(): Fraction(int(x.p), int(x.q))} if x.p else {}
        if x.is_Add:
            out: dict = {}
            for a in args:
                for m, c in a.items():
                    c = out.get(m, 0) + c
                    if c:
                        out[m] = c
                    else:
                        out.pop(m, None)
            return out
        if x.is_Mul:
            out = {(): Fraction(1)}
            for a in args:
                out = mul(out, a)
            return out
        if x.is_Pow and x.exp.is_Integer and x.exp.p >= 0:
            out, base = {(): Fraction(1)}, args[0]
            for _ in range(int(x.exp)):
                out = mul(out, base)
            return out
        if isinstance(x, sp.Function) and all(isinstance(a, sp.Basic) for a in x.args):
            return var(("f", x.func, tuple(key_of(a) for a in args)))
        return var(("o", id(x)))  # read as itself (memo keeps x alive, so its id is its own)

    if not isinstance(e, sp.Basic):
        return False
    keep: dict = memo.setdefault("objects", {})
    poly = walk.bottom_up(e, keep, combine)
    return not poly


def _family_agrees(claim, m: TracedDownwardModel, sides, lo: int, c: int) -> None:
    """The traced family at k = T + c against the claim's own sides (their last block) at n = 2, m = 3,
    T = max(lo − c, 1), exactly at a random integer point; NotInFragment where they differ."""
    t = max(lo - c, 1)
    probe = dict(DOWN_PROBE, t=t)
    mod = claim.build(probe, probe=False)
    values = _engine_values(claim, m, mod, _names_in(_as(sides[0]).terms + _as(sides[1]).terms), t)
    for which, traced, side in zip(("lhs", "rhs"), sides, claim._raw_sides(probe)):
        side = sp.Matrix(side)
        if not _agree(traced, side[side.rows - _count(_as(traced).rowdims, probe):, :], values, probe):
            raise NotInFragment(f"the trace's {which} at k = {_top(c)} differs from the check's at n = 2, m = 3, "
                                f"T = {t}")


def _probe_base(claim, m: TracedDownwardModel, sides, lo: int, c: int) -> None:
    """Two checks of the trace against the engine at n = 2, m = 3, exactly at a random integer point: (1) the
    traced family at k = T + c against the claim's own sides (their last block) at T = max(lo − c, 1); (2) the
    truth's backward recursion as traced, dL/dh_{T−1} = (g_T ∂o_T/∂h_T) J_T + g_{T−1} ∂o_{T−1}/∂h_{T−1}, against
    the engine's dL/dh_1 at T = 2 (L differentiated through every path): the cell's J and ∂o/∂h on diagrams are
    its partials and the loss reaches h_k only as the recursion says. NotInFragment when either differs."""
    from .formal import HORIZON, Ix

    _family_agrees(claim, m, sides, lo, c)
    reads = list(m._reads)  # the probe's own reads at T = 2 are not the claim's
    truth = _down_truth(m, -1, Ix(HORIZON, 0))
    m._reads[:] = reads
    probe = dict(DOWN_PROBE, t=2)
    mod = claim.build(probe, probe=False)
    values = _engine_values(claim, m, mod, _names_in(truth.terms), 2)
    if not _agree(truth, sp.Matrix(mod.d(mod.sum_of("E"), (m.cell.state[0], 1))), values, probe):
        raise NotInFragment("the backward recursion traced (J_{k+1}, ∂E_k/∂h_k on diagrams) is not the engine's "
                            "dL/dh_1 at n = 2, m = 3, T = 2")


def _count(dims, size) -> int:
    k = 1
    for d in dims:
        k *= d if isinstance(d, int) else size[d]
    return k


def down_base_identity(claim):
    """The downward base at k = t + c for every t: (C_{t+c} with every truth ∇_h L it uses unrolled from the
    horizon, the truth dL/dh_{t+c}, the variables' shapes, (lo, c)). The states h_{t+c+1} … h_t are the cell's
    steps from the free state h_{t+c}; g_{t+c} … g_t free."""
    from .concrete import watching
    from .formal import HORIZON, Context, Ix, Unsupported, active

    T = Ix(HORIZON, 0)

    def run():
        with active(Context(n=0, t_min=1)) as ctx, watching(), _traced_down(claim, ctx) as (m, _f, family, lo, hi):
            lo, c = _spec(lo, hi)
            ctx.t_min = max(lo - c, 1)
            sides = family(T + c)
            C = _grad_row(m, T + c, *sides)
            _probe_base(claim, m, sides, lo, c)
            truth = _down_truth(m, c, T)
            for key, (k, G) in list(m._grads.items()):
                if k.base != HORIZON or not c <= k.off <= 0:
                    raise NotInFragment(f"at k = {T + c} the claim uses ∇_h L at {k}")
                C = substitute(C, G.name, _down_truth(m, k.off, T))
            s = m.cell.state[0]
            for j in range(0, c, -1):  # h_{t+j} := f(h_{t+j−1}), newest first (inside atoms too)
                name = f"{s}[{T + j}]"
                value = _as(m.step(T + j)[s])
                C, truth = substitute(C, name, value), substitute(truth, name, value)
            _check_reads(m, None, lo, c)
            used = _names_in(C.terms + truth.terms)
            return C, truth, {k: v for k, v in m._kinds.items() if k in used}, (lo, c)

    try:
        with _polynomials():
            return _with_raised(run)
    except (Unsupported, NotInFragment) as e:
        raise NotInFragment(str(e).splitlines()[0]) from e
    except Exception as e:  # noqa: BLE001
        raise NotInFragment(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from e


def down_step_identity(claim):
    """The downward step for every k ≤ t + c − 1: (c_a, c_b · J_{k+1} + dℓ_k, the variables' shapes, what was
    peeled, the kernel's answers on the remainders). Run B reads the family at k + 1 (ranges of symbolic length
    opaque), run A at k (what starts at k peeled); the truth dL/dh_{k+1}, wherever run A uses it, is C_{k+1}
    (the hypothesis); h_{k+1} is the cell's step from the free state h_k on both sides; J_{k+1} = ∂h_{k+1}/∂h_k
    and dℓ_k = g_k ∂o_k/∂h_k on diagrams."""
    from .concrete import watching
    from .formal import Context, Unsupported, active

    def run():
        with active(Context(n=0, t_min=1)) as ctx, watching(), _traced_down(claim, ctx) as (m, formal, family, lo,
                                                                                             hi):
            K = ctx.generic()
            lo, c = _spec(lo, hi)
            ctx.t_min = max(lo - c, 1)
            ctx.var, ctx.top = K.base, c - 1
            ctx.mode = "opaque"
            c_b = _grad_row(m, K + 1, *family(K + 1))
            ctx.mode = "peel"
            c_a = _grad_row(m, K, *family(K))
            hyp = m._grads.get(str(K + 1))
            if hyp is not None:  # the induction hypothesis: dL/dh_{k+1}, wherever the claim uses it, is C_{k+1}
                c_a = substitute(c_a, hyp[1].name, c_b)
            s = m.cell.state[0]
            nxt = _as(m.step(K + 1)[s])
            name = f"{s}[{K}]"
            J = jacobian(nxt, name, m._kinds[name], ("n",), m.layout)
            expected = c_b * J + m.dloss(K)
            up = f"{s}[{K + 1}]"
            c_a, expected = substitute(c_a, up, nxt), substitute(expected, up, nxt)
            _check_reads(m, K, lo, c)
            if (c_a.rowdims, c_a.coldims) != (expected.rowdims, expected.coldims):
                raise NotInFragment("the step's sides have different open legs")
            used = _names_in(c_a.terms + expected.terms)
            return (c_a, expected, {k: v for k, v in m._kinds.items() if k in used},
                    tuple(dict.fromkeys(ctx.peeled)), formal.peels)

    try:
        with _polynomials():
            return _with_raised(run)
    except (Unsupported, NotInFragment) as e:
        raise NotInFragment(str(e).splitlines()[0]) from e
    except Exception as e:  # noqa: BLE001
        raise NotInFragment(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from e


# ----- downward, several states: the adjoints' block recursion on diagrams (an LSTM's (h, c)) ---------------------
#
# With S_k = (h_k, c_k, …) stacked in the cell's state order, the adjoint of the free stacked state obeys
# Λ_T = ∂E_T/∂S_T, Λ_k = Λ_{k+1} J_{k+1} + ∂E_k/∂S_k (J_{k+1} the step's block Jacobian, block (r, q) =
# ∂r_{k+1}/∂q_k, the other states of step k held), and the truths the claim reads are δS_k = Λ_k D_k, D_k the
# step's in-step Jacobian (block (r, q) = ∂r_k/∂q_k with q_k moved and the rest of step k recomputed: I on the
# diagonal, 0 for a state assigned before q; unit block-triangular, so Λ_k = δS_k Σ_{i<S} (I − D_k)^i), as in
# symderiv.induction._downward_blocks, here on diagrams of symbolic size. ∂E_k/∂S_k = g_k ∂o_k/∂S_k with g_k free.

def _zero_row() -> Traced:
    return Traced((), (), ("n",))


def _row_times(row: list, M: list) -> list:
    """(row · M) for a block row and a block matrix M[r][q] (rows r, columns q): Σ_r row[r] M[r][q]."""
    out = []
    for q in range(len(row)):
        acc = _zero_row()
        for r in range(len(row)):
            if row[r].terms and M[r][q].terms:
                acc = acc + row[r] * M[r][q]
        out.append(acc)
    return out


def _jacobian_blocks(m: TracedDownwardModel, values: dict, j) -> list:
    """M[r][q] = ∂values[r]/∂q_j (q_j the free state variable ``q[j]``), in the cell's state order."""
    states = tuple(m.cell.state)
    out = []
    for r in states:
        row = []
        for q in states:
            name = f"{q}[{j}]"
            if name not in m._kinds:
                m.state(q, j)
            row.append(jacobian(_as(values[r]), name, m._kinds[name], ("n",), m.layout))
        out.append(row)
    return out


def _in_step_blocks(m: TracedDownwardModel, j) -> list:
    """D_j: block (r, q) = ∂r_j/∂q_j with q_j overridden in step j (run from the free S_{j−1}), q_j the state
    variable ``q[j]`` (the trajectory's substitution later puts the step's value back)."""
    states = tuple(m.cell.state)
    cols = []
    for q in states:
        var = m.state(q, j)
        ran = m._run_step(j, {q: var})
        name = f"{q}[{j}]"
        cols.append([jacobian(_as(ran[r]), name, m._kinds[name], ("n",), m.layout) for r in states])
    return [[cols[qi][ri] for qi in range(len(states))] for ri in range(len(states))]


def _unit_solve(G: list, D: list, m: TracedDownwardModel) -> list:
    """Λ = G D^{-1} for a unit block-triangular D = I + N: Σ_{i<S} G (−N)^i. NotInFragment unless every diagonal
    block of D is exactly I and the pattern of N's nonzero blocks has no cycle (so N^S = 0 exactly)."""
    S = len(G)
    I = _NOTATION.eye(m.n)
    N = [[(D[r][q] - I) if r == q else D[r][q] for q in range(S)] for r in range(S)]
    if any(N[r][r].terms for r in range(S)):
        raise NotInFragment("the step's in-step Jacobian of its states has a diagonal block other than I (a state "
                            "assigned twice)")
    edges = {r: {q for q in range(S) if q != r and N[r][q].terms} for r in range(S)}
    done: set = set()
    while len(done) < S:  # a topological order of the pattern, else a cycle
        free = [r for r in range(S) if r not in done and not (edges[r] - done)]
        if not free:
            raise NotInFragment("the step's in-step Jacobian of its states is not block-triangular (a state read "
                                "before it is assigned)")
        done.update(free)
    out, v = list(G), list(G)
    for _ in range(S - 1):
        v = [_zero_row() - x for x in _row_times(v, N)]
        out = [a + b for a, b in zip(out, v)]
    return out


def _down_truth_blocks(m: TracedDownwardModel, c: int, T) -> dict:
    """{j: δS_{T+j} as a block row} for c ≤ j ≤ 0 at free states: Λ_T = ∂E_T/∂S_T, Λ_k = Λ_{k+1} J_{k+1} +
    ∂E_k/∂S_k, δS_k = Λ_k D_k."""
    lam = m.dloss_row(T)
    G = {0: _row_times(lam, _in_step_blocks(m, T))}
    for j in range(-1, c - 1, -1):
        k = T + j
        J = _jacobian_blocks(m, m.step(k + 1), k)
        lam = [a + b for a, b in zip(_row_times(lam, J), m.dloss_row(k))]
        G[j] = _row_times(lam, _in_step_blocks(m, k))
    return G


def _grad_row_blocks(m: TracedDownwardModel, k, lhs, rhs) -> tuple:
    """(s, C_k as a row): the claimed side beside the truth dL/ds_k of some state s (or its transpose)."""
    for (r, key), (_k, G) in m.truths().items():
        if key != str(k):
            continue
        for a, b in ((lhs, rhs), (rhs, lhs)):
            if not isinstance(a, Traced):
                continue
            if _structure(a) == _structure(G):
                return r, _as(b)
            if _structure(a) == _structure(G.T):
                return r, _as(b).T
    raise NotInFragment(f"neither side is a truth ∇_{{s_{k}}}L of a state s, so there is no backward recursion to "
                        "trace")


def _states_up(m: TracedDownwardModel, x: Traced, j) -> Traced:
    """x with every state of step j replaced by the cell's step j from the free S_{j−1} (inside atoms too)."""
    q = m.step(j)
    for r in m.cell.state:
        x = substitute(x, f"{r}[{j}]", _as(q[r]))
    return x


def _probe_base_blocks(claim, m: TracedDownwardModel, sides, lo: int, c: int) -> None:
    """As :func:`_probe_base`, for several states: (1) the traced family at k = T + c against the claim's own
    sides at n = 2, m = 3, T = max(lo − c, 1); (2) the block recursion as traced, every state's δS_2 and δS_1,
    against the engine's dL/ds_2, dL/ds_1 at T = 2 (L differentiated through every path), exactly at a random
    integer point. NotInFragment when either differs."""
    from .formal import HORIZON, Ix

    _family_agrees(claim, m, sides, lo, c)
    reads = list(m._reads)  # the probe's own reads at T = 2 are not the claim's
    G = _down_truth_blocks(m, -1, Ix(HORIZON, 0))
    m._reads[:] = reads
    probe = dict(DOWN_PROBE, t=2)
    mod = claim.build(probe, probe=False)
    L = mod.sum_of("E")
    for j, step in ((0, 2), (-1, 1)):
        for r, row in zip(m.cell.state, G[j]):
            values = _engine_values(claim, m, mod, _names_in(row.terms), 2)
            if not _agree(row, sp.Matrix(mod.d(L, (r, step))), values, probe):
                raise NotInFragment(f"the block recursion traced (J_{{k+1}}, D_k, ∂E_k/∂S_k on diagrams) is not the "
                                    f"engine's dL/d{r}_{step} at n = 2, m = 3, T = 2")


def down_block_base_identity(claim):
    """The downward base of a cell with several states at k = t + c: (C_{t+c} with every truth it reads the block
    recursion unrolled from the horizon, the truth δs_{t+c}, the variables' shapes, (lo, c)); every state of steps
    t + c … t the cell's step from the free S_{t+c−1}, g_{t+c} … g_t free."""
    from .concrete import watching
    from .formal import HORIZON, Context, Ix, Unsupported, active

    T = Ix(HORIZON, 0)

    def run():
        with active(Context(n=0, t_min=1)) as ctx, watching(), _traced_down(claim, ctx) as (m, _f, family, lo, hi):
            lo, c = _spec(lo, hi)
            if lo < 1:
                raise NotInFragment(f"every_step(lo={lo}): the lowest step must be ≥ 1")
            ctx.t_min = max(lo - c, 1)
            states = tuple(m.cell.state)
            sides = family(T + c)
            s, C = _grad_row_blocks(m, T + c, *sides)
            _probe_base_blocks(claim, m, sides, lo, c)
            G = _down_truth_blocks(m, c, T)
            for (r, _key), (k, V) in list(m.truths().items()):
                if k.base != HORIZON or not c <= k.off <= 0:
                    raise NotInFragment(f"at k = {T + c} the claim uses ∇_{r}L at {k}")
                C = substitute(C, V.name, G[k.off][states.index(r)])
            truth = G[c][states.index(s)]
            for j in range(0, c - 1, -1):  # S_t := f(S_{t−1}), …, S_{t+c} := f(S_{t+c−1}), newest first
                C, truth = _states_up(m, C, T + j), _states_up(m, truth, T + j)
            _check_reads(m, None, lo, c)
            used = _names_in(C.terms + truth.terms)
            return C, truth, {k: v for k, v in m._kinds.items() if k in used}, (lo, c), s

    try:
        with _polynomials():
            return _with_raised(run)
    except (Unsupported, NotInFragment) as e:
        raise NotInFragment(str(e).splitlines()[0]) from e
    except Exception as e:  # noqa: BLE001
        raise NotInFragment(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from e


@dataclass
class _BlockParts:
    """The traced J_{k+1}, ∂E_k/∂S_k, D_k, D_{k+1} of the generic step (at the free S_{k−1}), for the kernel's
    comparison with its own forward mode of two steps (:func:`kernel_down_blocks`)."""
    J: list
    dl: list
    D0: list
    D1: list
    kinds: dict
    K: object
    state: str
    layout: str


def down_block_step_identity(claim):
    """The downward step of a cell with several states for every k ≤ t + c − 1: (c_a, the claimed state's block of
    (Λ_{k+1} J_{k+1} + ∂E_k/∂S_k) D_k, the variables' shapes, what was peeled, the kernel's answers on the
    remainders, the traced parts). Run B reads the family at k + 1, run A at k; the hypothesis δs_{k+1} = C_{k+1},
    every other state's δr_{k+1} a free row, Λ_{k+1} = δS_{k+1} D_{k+1}^{-1}; a truth δr_k of step k the claim reads
    is that block; every state of steps k and k + 1 the cell's step from the free S_{k−1}."""
    from .concrete import watching
    from .formal import Context, Unsupported, active

    def run():
        with active(Context(n=0, t_min=1)) as ctx, watching(), _traced_down(claim, ctx) as (m, formal, family, lo,
                                                                                             hi):
            K = ctx.generic()
            lo, c = _spec(lo, hi)
            if lo < 1:
                raise NotInFragment(f"every_step(lo={lo}): the lowest step must be ≥ 1")
            ctx.t_min = max(lo - c, 1)
            ctx.var, ctx.top = K.base, c - 1
            states = tuple(m.cell.state)
            ctx.mode = "opaque"
            s_b, c_b = _grad_row_blocks(m, K + 1, *family(K + 1))
            ctx.mode = "peel"
            s, c_a = _grad_row_blocks(m, K, *family(K))
            if s != s_b:
                raise NotInFragment(f"the claim is about ∇_{s}L at k and ∇_{s_b}L at k + 1: one state's adjoint")
            G1 = [c_b if r == s else m.truth_row(r, K + 1) for r in states]  # the hypothesis; the others free
            J = _jacobian_blocks(m, m.step(K + 1), K)
            dl = m.dloss_row(K)
            D0, D1 = _in_step_blocks(m, K), _in_step_blocks(m, K + 1)
            lam = [a + b for a, b in zip(_row_times(_unit_solve(G1, D1, m), J), dl)]
            G0 = _row_times(lam, D0)
            for (r, key), (_k, V) in list(m.truths().items()):
                if key == str(K + 1) and r == s:
                    c_a = substitute(c_a, V.name, c_b)
                elif key == str(K):
                    c_a = substitute(c_a, V.name, G0[states.index(r)])
            expected = G0[states.index(s)]
            for j in (K + 1, K):  # S_{k+1} := f(S_k), then S_k := f(S_{k−1})
                c_a, expected = _states_up(m, c_a, j), _states_up(m, expected, j)
                J = [[_states_up(m, b, j) for b in row] for row in J]
                D0 = [[_states_up(m, b, j) for b in row] for row in D0]
                D1 = [[_states_up(m, b, j) for b in row] for row in D1]
                dl = [_states_up(m, b, j) for b in dl]
            _check_reads(m, K, lo, c)
            if (c_a.rowdims, c_a.coldims) != (expected.rowdims, expected.coldims):
                raise NotInFragment("the step's sides have different open legs")
            used = _names_in(c_a.terms + expected.terms)
            parts_used = _names_in(tuple(g for X in (J, D0, D1) for row in X for b in row for g in b.terms)
                                   + tuple(g for b in dl for g in b.terms))
            part = _BlockParts(J, dl, D0, D1, {k: v for k, v in m._kinds.items() if k in parts_used}, K, s,
                               m.layout)
            return (c_a, expected, {k: v for k, v in m._kinds.items() if k in used},
                    tuple(dict.fromkeys(ctx.peeled)), formal.peels, part)

    try:
        with _polynomials():
            return _with_raised(run)
    except (Unsupported, NotInFragment) as e:
        raise NotInFragment(str(e).splitlines()[0]) from e
    except Exception as e:  # noqa: BLE001
        raise NotInFragment(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from e


def kernel_down_blocks(claim, part: _BlockParts, size: dict | None = None) -> tuple[bool, str]:
    """The kernel compares the traced J_{k+1}, ∂E_k/∂S_k, D_k and D_{k+1}, evaluated at ``size`` (n = m = 2) with
    every variable a matrix of symbols, with its own forward mode of two steps of the cell at a random point
    (:func:`symderiv.kernel.step.confirm_step`, kind "downward" with D: the finder's S_{k−1}, x_k, x_{k+1}, g_k and
    weights paired with its own S_0, x_1, x_2, ∂E_1/∂o_1 and weights by position), and the block recursion with its
    own truths at T = 2. (ok, what the kernel said)."""
    from .diagrams import evaluate
    from .kernel.step import StepStatement, confirm_step

    grid = _Grid(part.kinds, size)
    size, values, syms = grid.size, grid.values, grid.syms

    def ev(x):
        return evaluate(x, dict(values), size)

    try:
        J = sp.Matrix.vstack(*[sp.Matrix.hstack(*[ev(b) for b in row]) for row in part.J])
        D0 = sp.Matrix.vstack(*[sp.Matrix.hstack(*[ev(b) for b in row]) for row in part.D0])
        D1 = sp.Matrix.vstack(*[sp.Matrix.hstack(*[ev(b) for b in row]) for row in part.D1])
        P = sp.Matrix.hstack(*[ev(b) for b in part.dl])
    except Exception as e:  # noqa: BLE001 (what cannot be evaluated is not compared: the lift is refused)
        return False, f"the traced J_{{k+1}}, D, ∂E_k/∂S_k cannot be evaluated at {size}: {type(e).__name__}: {e}"
    n, m = size["n"], size.get("m", 1)
    K = part.K
    params = grid.params(claim)
    prev = sp.Matrix.vstack(*[syms(f"{r}[{K - 1}]", n) for r in claim.model.state])
    g = values.get(f"δg[{K}]")
    st = StepStatement("downward", sp.zeros(1, 1), sp.zeros(1, 1), J, P, layout=part.layout, state=part.state,
                       prev=prev, x=syms(f"x[{K + 1}]", m), params=params, states=tuple(claim.model.state),
                       D=(D0, D1), x0=syms(f"x[{K}]", m), dE=None if g is None else g[0])
    tok, why = confirm_step(claim, size, st)
    return tok is not None, why


class _polynomials:
    """Within: an entrywise polynomial is read as Hadamard powers (diagrams.POLYNOMIAL_ENTRYWISE)."""

    def __enter__(self):
        from .diagrams import POLYNOMIAL_ENTRYWISE

        POLYNOMIAL_ENTRYWISE.append(True)

    def __exit__(self, *exc):
        from .diagrams import POLYNOMIAL_ENTRYWISE

        POLYNOMIAL_ENTRYWISE.pop()
        return False


def _top(c: int) -> str:
    return "T" if c == 0 else f"T{c:+d}".replace("-", "−")


def _every_words(lo: int, c: int) -> str:
    return f"every T ≥ {max(lo - c, 1)} and k = {lo}…{_top(c)}"


def lift_downward(claim) -> DownwardLift:
    """Every n and every T (issue 20, item 4): a claim ``every_step(m, family, lo=…, hi=t + c)`` about ∇_{h_k}L,
    L = Σ_s E_s, proved by downward induction from k = T + c. The base (:func:`down_base_identity`) and the step
    (:func:`down_step_identity`) are traced as diagrams of symbolic size, with g_k = ∂E_k/∂o_k a free variable
    per step, and each decided at its threshold by the kernel (:func:`decide_identity`); by the relabelling
    lemma each holds at every n and m, and by downward induction on k the claim holds for every n, m, T and k.

    A cell with several states (dL/dc_k flows back too): the adjoints' block recursion, its base
    (:func:`down_block_base_identity`) and step (:func:`down_block_step_identity`) decided the same way, and the
    traced J_{k+1}, D_k, D_{k+1}, ∂E_k/∂S_k compared by the kernel with its own forward mode
    (:func:`kernel_down_blocks`) between the two."""
    t_start = time.perf_counter()
    dims = ["n", "m"]
    fixed = [d for d in dims if d in claim.sizes.fixed]
    if fixed:
        return DownwardLift(False, f"not lifted to every {', '.join(fixed)}: the claim fixes {', '.join(fixed)} "
                            "(a fixed size)", "read")
    states = tuple(claim.model.state) if len(claim.model.state) != 1 else ()

    def refused(what, e, stage, **kw):
        return DownwardLift(False, f"not lifted to every n: the downward {what}: {e}", stage, blocks=states, **kw)

    try:
        if states:
            c_a, expected, kinds, peeled, peels, part = down_block_step_identity(claim)
        else:
            c_a, expected, kinds, peeled, peels = down_step_identity(claim)
    except NotInFragment as e:
        return refused("step", e, "step")
    try:
        step = decide_identity(claim.id, "step", c_a, expected, kinds, dims)
    except NotInFragment as e:
        return refused("step", e, "step", by_kernel=True)
    if states:
        ok, why = kernel_down_blocks(claim, part)
        if not ok:
            return DownwardLift(False, "not lifted to every n: the kernel does not accept the traced J_{k+1}, "
                                f"D_k, D_{{k+1}}, ∂E_k/∂S_k: {why}", "step", by_kernel=True, step=step,
                                blocks=states)
    try:
        if states:
            C, truth, kinds_b, (lo, c), s = down_block_base_identity(claim)
        else:
            C, truth, kinds_b, (lo, c) = down_base_identity(claim)
    except NotInFragment as e:
        return refused("base", e, "base", step=step)
    try:
        base = decide_identity(claim.id, "base", C, truth, kinds_b, dims)
    except NotInFragment as e:
        return refused("base", e, "base", by_kernel=True, step=step)
    every = _every_words(lo, c)
    top = _top(c)
    words = lambda dd: ", ".join(f"{d} = {dd.size[d]}" + ("" if dd.classes.get(d) else " (any)") for d in dims)
    cls = lambda dd: ", ".join(f"{dd.classes.get(d, 0)} of {d}" for d in dims)  # noqa: E731
    how = ", ".join(peeled) or "nothing to peel"
    if any(p.ok for p in peels):
        how += "; the remainder's summand identity decided by the kernel too"
    fixed = sorted(set(threshold(c_a, expected).fixed) | set(threshold(C, truth).fixed))
    fixed = f"; the dimension{'s' if len(fixed) > 1 else ''} {', '.join(map(str, fixed))} fixed" if fixed else ""
    decided = (f"of degree {base.degree} with at most {cls(base)} index classes, decided exactly at {words(base)}; ",
               f"opaque ({how}) of degree {step.degree} with at most {cls(step)} index classes, decided exactly at "
               f"{words(step)}; each decided there by the kernel's own recount and exact expansion of the diagrams")
    if states:
        S = ", ".join(states)
        blocks = "[" + ", ".join("[" + ", ".join(f"∂{a}_{{k+1}}/∂{b}_k" for b in states) + "]" for a in states) + "]"
        scope = (f"for every n ≥ 1, every m ≥ 1, {every}: downward induction on k over the adjoints' block "
                 f"recursion (the state ({S}) stacked, Λ_k = Λ_{{k+1}} J_{{k+1}} + ∂E_k/∂S_k with J_{{k+1}} the "
                 f"block matrix {blocks}, δS_k = Λ_k D_k with D_k the step's in-step Jacobian of its states, the "
                 f"claim's ∇_{s}L its block row, the other states' adjoints at k + 1 free) whose base and step are "
                 f"formal identities of contraction diagrams (every-n lift by index relabelling{fixed}; g_k = "
                 "∂E_k/∂o_k a free vector per step, so for every per-step loss E(o_k, y_k); tanh and the logistic "
                 f"gates atoms with tanh' = 1 − tanh², σ' = σ − σ∘σ): base k = {top} at a free state "
                 f"S_{{{_top(c - 1)}}} {decided[0]}step C_k = ((Λ_{{k+1}} J_{{k+1}} + ∂E_k/∂S_k) D_k)_{s} with "
                 f"C_{{k+1}} and the sums and products over k+1…T {decided[1]}; J_{{k+1}}, D_k, D_{{k+1}} and "
                 "∂E_k/∂S_k compared by the kernel with its own forward mode of two steps at n = m = 2, and the "
                 "recursion with its own adjoints at T = 2 there (the trace of the claim at a symbolic k and T, the "
                 "hypothesis substitution and the chain rule on diagrams at every n are not re-checked by it)")
        argument = DOWNWARD_BLOCKS_ARGUMENT
    else:
        scope = (f"for every n ≥ 1, every m ≥ 1, {every}: downward induction on k whose base and step are formal "
                 f"identities of contraction diagrams (every-n lift by index relabelling{fixed}; g_k = ∂E_k/∂o_k a "
                 f"free vector per step, so for every per-step loss E(o_k, y_k)): base k = {top} at a free state "
                 f"h_{{{top}}} {decided[0]}step C_k = C_{{k+1}} J_{{k+1}} + ∂E_k/∂h_k with C_{{k+1}} and the sums "
                 f"and products over k+1…T {decided[1]} (the trace of the claim at a symbolic k and T, the "
                 "hypothesis substitution and the chain rule on diagrams are not re-checked by it)")
        argument = DOWNWARD_ARGUMENT
    return DownwardLift(True, scope, "", False, base, step, peeled, every, time.perf_counter() - t_start,
                        argument, blocks=states)


#: the argument of a downward claim's "for every n and every t", in steps (explain shows it; the scope has the numbers)
DOWNWARD_ARGUMENT = (
    "Truth's backward recursion: for L = Σ_{s=1}^{T} E_s with E_s a function of (o_s, y_s) alone and o_s of h_s, "
    "dL/dh_T = g_T ∂o_T/∂h_T and dL/dh_k = dL/dh_{k+1} J_{k+1} + g_k ∂o_k/∂h_k for k < T (J_{k+1} = ∂h_{k+1}/∂h_k, "
    "g_k = ∂E_k/∂o_k; the chain rule): the truth depends on the loss only through the g_k.",
    "Each g_k is traced as a free vector (a diagram variable with one leg of the output's dimension), so every "
    "identity below holds for every value of g_k, in particular for ∇E of any per-step loss; the loss is never "
    "read as separable or permutation-equivariant.",
    "Base k = T + c: the family read at k = T + c on traced values of symbolic size (h_{T+c} free, the states above "
    "it the cell's steps, tanh an atom with tanh' = 1 − tanh²), every ∇_h L it uses unrolled from the horizon; "
    "C_{T+c} = dL/dh_{T+c} is an identity of diagrams (the trace checked against the claim's own sides at n = 2, "
    "m = 3, and the traced recursion against the engine's dL/dh_1 at T = 2, L differentiated through every path).",
    "Step: the family read at k + 1 (run B; a sum or product over k+1…T an opaque variable) and at k (run A; a "
    "product's oldest factor and a sum's first term peeled, the remainder L · S_B with summand_A(κ) = L · "
    "summand_B(κ) decided by the kernel); dL/dh_{k+1}, wherever run A uses it, replaced by C_{k+1} (the "
    "hypothesis), h_{k+1} the cell's step from a free h_k: C_k = C_{k+1} J_{k+1} + g_k ∂o_k/∂h_k is an identity "
    "of diagrams in free variables.",
    "Lemma (index relabelling, see the lift of free-variable identities): an identity of diagrams that holds at one "
    "size N at or above its number of index classes per dimension holds at every size; each of the two was "
    "decided at its threshold size (in the scope) by the kernel's own exact expansion of the diagrams, which also "
    "recounted the classes.",
    "So the base holds at every n and m, and the step at every n, m, every trajectory, every range and every g; by "
    "downward induction on k from T + c, C_k = dL/dh_k for every n, m, T and k in the claim's range.",
    "Trusted, not re-checked by the kernel: the trace of the claim at a symbolic k and T (the tracer's reading of "
    "the check, the peeling, the hypothesis substitution), that J_{k+1} and ∂o_k/∂h_k are the cell's partials (the "
    "chain rule on diagrams), and the truth's backward recursion above.",
)


#: the argument of a downward claim of a cell with several states (the adjoints' block recursion), in steps
DOWNWARD_BLOCKS_ARGUMENT = (
    "Truth's backward recursion, several states: with S_k = (h_k, c_k) stacked in the cell's state order and L = "
    "Σ_{s=1}^{T} E_s (E_s a function of (o_s, y_s), o_s of the states S_s), the adjoint of the free stacked state "
    "obeys Λ_T = ∂E_T/∂S_T, Λ_k = Λ_{k+1} J_{k+1} + ∂E_k/∂S_k (J_{k+1} the step's block Jacobian, block (r, q) = "
    "∂r_{k+1}/∂q_k, the other states held; the chain rule), and the truths the claim reads, dL/ds_k with s_k moved "
    "and the rest of step k recomputed from it, are δS_k = Λ_k D_k, D_k the step's in-step Jacobian of its states "
    "(unit block-triangular, so Λ_k = δS_k Σ_{i<S} (I − D_k)^i).",
    DOWNWARD_ARGUMENT[1],
    "Base k = T + c: the family read at k = T + c on traced values of symbolic size (S_{T+c−1} free, every state "
    "above it the cell's step, tanh and the logistic gates atoms with tanh' = 1 − tanh² and σ' = σ − σ∘σ), every "
    "truth it reads the block recursion unrolled from the horizon; C_{T+c} = δs_{T+c} is an identity of diagrams "
    "(the trace checked against the claim's own sides at n = 2, m = 3, and the traced recursion against the "
    "engine's δS_2, δS_1 at T = 2).",
    "Step: the family read at k + 1 (run B; a sum or product over k+1…T an opaque variable) and at k (run A; "
    "peeled at its bottom); δs_{k+1}, wherever run A uses it, replaced by C_{k+1} (the hypothesis), every other "
    "state's δr_{k+1} a free row, Λ_{k+1} = δS_{k+1} D_{k+1}^{-1}, a truth δr_k of step k the claim reads the "
    "block r of (Λ_{k+1} J_{k+1} + ∂E_k/∂S_k) D_k; every state of steps k and k + 1 the cell's step from a free "
    "S_{k−1}: C_k = ((Λ_{k+1} J_{k+1} + ∂E_k/∂S_k) D_k)_s is an identity of diagrams in free variables.",
    DOWNWARD_ARGUMENT[4],
    "So the base holds at every n and m, and the step at every n, m, every trajectory, every range, every g and "
    "every value of the other states' adjoints; by downward induction on k from T + c, C_k = δs_k for every n, m, "
    "T and k in the claim's range.",
    "The kernel compared the traced J_{k+1}, D_k, D_{k+1} and ∂E_k/∂S_k (g_k its own ∂E_1/∂o_1) with its own "
    "forward mode of two steps of the cell at n = m = 2 at a random point, and the block recursion with its own "
    "adjoints dL/dS_1, dL/dS_2 of L = E_1 + E_2 there (so an output that reads a gate, a path S_k → E_{k+1} the "
    "recursion lacks, is refused by it).",
    "Trusted, not re-checked by the kernel: the trace of the claim at a symbolic k and T (the tracer's reading of "
    "the check, the peeling, the hypothesis substitution), and that the traced partials are the cell's at every n "
    "(the chain rule on diagrams; the kernel compared them at n = m = 2 only).",
)


#: the argument when the two sides are one expression at a symbolic t (:func:`same_identity`)
SAME_ARGUMENT = (
    "The claim was read at a symbolic horizon t on traced values of symbolic size (parameters, states and inputs "
    "variables; a sum or product over a range of symbolic length an opaque matrix variable; the truth dh_t/dθ "
    "wherever the claim uses it an opaque variable too).",
    "Its two sides are then linear combinations of contraction diagrams in those variables (no base and step: one "
    "expression at every t, or an identity of one step at its free state, m.partial's held quantities variables "
    "while differentiated); lhs = rhs as an identity in them holds whatever values they take, a truth's "
    "included.",
    "Lemma (index relabelling): decided at its threshold size by the kernel's own exact expansion, which also "
    "recounted the index classes, it holds at every n and m; the horizon t being symbolic, at every t.",
    "Trusted, not re-checked by the kernel: the trace of the claim at a symbolic t (the tracer's reading of the "
    "check).",
)
