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

Model claims at a fixed horizon (experimental)
----------------------------------------------
``lift(claim, t=T)`` traces a model claim at horizon T
(:class:`symderiv.diagrams.TracedModel`): the unrolled cell at a fixed T is a
free-variable identity in the parameters, h_0 and the inputs, and is lifted the
same way. The engine does not call it (it would stretch the audit's budget,
and "every n at t ≤ 4" next to "every t at n ≤ 3" is not "every n and t").

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
    return Lift(True, scope, size, th.degree, th.classes, time.perf_counter() - t0)


def _every(dims) -> str:
    return ", ".join(dims)


def _decide_by_engine(claim):
    from .identity import nonzero_entries

    def decide(size: dict) -> bool:
        lhs, rhs = claim.sides(size)
        return not nonzero_entries(lhs, rhs, "symengine")

    return decide


def extend(claim) -> tuple[bool, str]:
    """For the engine: (lifted, what the scope adds: '; for every n ≥ 1: …' or '; not lifted …: why')."""
    try:
        out = lift(claim)
    except Exception as e:  # noqa: BLE001 (the lift never turns a verdict into a crash: it says why it did not lift)
        return False, f"; not lifted to every n: the lift could not read the claim ({type(e).__name__}: {e})"
    return out.lifted, (f"; {out.scope}" if out.scope else "")


def lift_model(claim) -> list[Lift]:
    """Experimental (not called by the engine): the every-n lift of a model claim at each horizon t of its sweep.

    The model is traced at each fixed t (:class:`symderiv.diagrams.TracedModel`): parameters, h_0 and the
    inputs are variables, each step the cell's own, σ an atom node, ``m.d`` the derivative on diagrams. Each
    t is its own identity of bounded degree, lifted to every n (and every input size m) as a free-variable
    identity is. It says nothing about every t: that is the induction's (at n ≤ 3), and combining the two for
    every n and every t needs the induction's step itself traced (see proofs/examples/theorem1_every_n.py).
    """
    ts = sorted({s.get("t", 1) for s in claim.sizes.sizes()})
    return [lift(claim, t=t) for t in ts]
