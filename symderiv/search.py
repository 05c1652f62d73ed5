"""Counterexample search for identities: generate, then shrink.

Floats may guide this search; they never decide. What it returns is a
:class:`Witness` (a size, a σ, a point, an entry) that certificates.py turns
into a certificate and re-checks from scratch.

Shrinking follows Hypothesis: the sweep is tried smallest size first, witness
σs simplest first, and each coordinate of a failing point is moved toward
0, 1, -1, 2, -2 while the failure persists.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from .evaluate import RATIONAL_AT_ZERO, NotRational, evaluate, values
from .functions import WITNESS_SIGMAS, PolynomialSigma
from .values import nodes

#: Values a shrinker prefers, simplest first.
SIMPLE_VALUES = (0, 1, -1, 2, -2, 3, -3)


@dataclass(frozen=True)
class Witness:
    sigma: PolynomialSigma | None
    point: dict  # Symbol -> Fraction
    entry: tuple[int, int]
    exact: bool  # False when the search could only see the difference in floats


def _simpler(v: Fraction) -> list[int]:
    rank = {c: i for i, c in enumerate(SIMPLE_VALUES)}
    mine = rank.get(v, len(SIMPLE_VALUES)) if v.denominator == 1 else len(SIMPLE_VALUES) + 1
    return [c for c in SIMPLE_VALUES if rank[c] < mine]


def _first_difference(exprs, env, sig, admissible=None) -> tuple[int, bool] | None:
    """Index of the first entry whose two sides differ at env, and whether exactly.

    ``exprs`` holds each entry's lhs and rhs in turn: each side is evaluated
    on its own, so a point where either side is undefined (a zero
    denominator) is no candidate, even when the undefined part cancels from
    their difference. ``admissible(env)``: the point is in the claim's domain.
    """
    if admissible is not None and not admissible(env):
        return None
    try:
        vals = list(values(exprs, env, sig, exact=True))  # fmpq: only compared with 0 here
        exact = True
    except NotRational:
        try:
            vals = evaluate(exprs, env, sig, exact=False)
        except (ZeroDivisionError, ValueError, ArithmeticError):
            return None
        exact = False
    except (ZeroDivisionError, ArithmeticError):
        return None
    for k in range(len(vals) // 2):
        v = vals[2 * k] - vals[2 * k + 1]
        if (v != 0) if exact else (abs(v) > 1e-20):
            return k, exact
    return None


def shrink_point(exprs, env: dict, sig, order: list, admissible=None) -> dict:
    """Move each coordinate toward simpler values while some entry still differs."""
    env = dict(env)
    changed = True
    while changed:
        changed = False
        for s in order:
            for c in _simpler(env[s]):
                trial = dict(env)
                trial[s] = Fraction(c)
                if _first_difference(exprs, trial, sig, admissible) is not None:
                    env = trial
                    changed = True
                    break
    return env


def _meets_sigma(exprs) -> bool:
    from .functions import SIGMA_ORDER
    from .values import nodes

    return any(getattr(e, "func", None) in SIGMA_ORDER for e in nodes(*exprs))


def _transcendental(exprs) -> bool:
    """Do the sides apply a concrete function (tanh, the logistic, exp), rational only at 0?"""
    from .functions import SIGMA_ORDER

    return any(isinstance(e, sp.Function) and e.func not in SIGMA_ORDER and e.func in RATIONAL_AT_ZERO
               for e in nodes(*exprs))


def _sparse_points(syms: list):
    """The simplest points after 0, in Hypothesis' order: 0 everywhere, then one coordinate 1 or −1."""
    zero = dict.fromkeys(syms, Fraction(0))
    yield zero
    for v in (1, -1):
        for s in syms:
            yield {**zero, s: Fraction(v)}


def search_identity(lhs: sp.Matrix, rhs: sp.Matrix, entries: list[tuple[int, int]], *,
                    abstract_sigma: bool, seed: int, tries: int = 24,
                    shrink: bool = True, symbols: list | None = None, admissible=None):
    """Candidate points where lhs and rhs seem to differ on the suspected entries, best first.

    A generator: the engine certifies each candidate and asks for the next
    one when a float-guided candidate does not survive exact checking. Every
    symbol of either side of a suspected entry gets a value (one that cancels
    from the difference too); ``symbols`` adds more (a claim's free variables,
    all of which the kernel needs), ``admissible(point)`` restricts the points
    to the claim's domain (an invertible matrix).
    """
    exprs = [side[i, j] for i, j in entries for side in (lhs, rhs)]
    syms = {e for e in nodes(*exprs) if isinstance(e, sp.Symbol)} | set(symbols or ())
    syms = sorted(syms, key=lambda s: s.name)
    rng = random.Random(seed)
    # a witness σ only where the differences meet σ: a claim they never involve records none (nor prints one)
    sides = [x for i, j in entries for x in (lhs[i, j], rhs[i, j])]  # the certificate evaluates the sides
    sigmas = WITNESS_SIGMAS if abstract_sigma and _meets_sigma(sides) else (None,)
    # sides with tanh or the logistic: a random point makes every value transcendental, and a closed form
    # nested t deep is slow to record and to certify; first the sparse points, where activations meet 0 and
    # every value may stay rational (issue 14.10: the LSTM at n = 3, t = 4)
    sparse = _transcendental(sides)

    def spare(sig):
        """The witnesses of one candidate: σ's own, and where the differences never meet an abstract σ, none first
        and then the simplest (the kernel runs the whole cell, whose step may apply σ where the sides do not read
        it: z_1 = W h_0 + U x_1 beside h_1 = σ(z_1))."""
        yield sig
        if sig is None and abstract_sigma:
            yield WITNESS_SIGMAS[0]

    for sig in sigmas:
        if sparse:
            for env in _sparse_points(syms):
                found = _first_difference(exprs, env, sig, admissible)
                if found is not None and found[1]:
                    for w in spare(sig):
                        yield Witness(w, env, entries[found[0]], True)
                    break
        for attempt in range(tries):
            lo, hi = (-1, 1) if attempt < tries // 2 else (-3, 3)
            env = {s: Fraction(rng.randint(lo, hi)) for s in syms}
            if _first_difference(exprs, env, sig, admissible) is None:
                continue
            if shrink:
                env = shrink_point(exprs, env, sig, syms, admissible)
            found = _first_difference(exprs, env, sig, admissible)
            if found is not None:
                for w in spare(sig):
                    yield Witness(w, env, entries[found[0]], found[1])


# ----- inequalities and limits -----------------------------------------------------

#: a relation within this float margin of failing is sent to the certifier (ties matter: tanh'(0) = 1)
TIE = 1e-9


def float_problem(step) -> str | None:
    """Why a relation's sides cannot be evaluated in floats (None when they can, or for a limit)."""
    from .relations import Limit

    if isinstance(step, Limit):
        return None
    try:
        a, b = step.floats()
    except Exception as e:
        abstract = abstract_applications(step)
        if abstract:
            shown = ", ".join(sorted(map(str, abstract))[:3])
            return (f"it applies an abstract function ({shown}{', …' if len(abstract) > 3 else ''}), which has no "
                    f"value at a point: the search draws none for it (σ abstract), so it neither guides nor refutes")
        return f"{type(e).__name__}: {e}"
    if not (np.isfinite(a) and np.isfinite(b)):
        return f"the sides evaluate to {a} and {b} in floats"
    return None


def abstract_applications(node, seen=None) -> set:
    """The applications of an abstract function (σ(3/2), σ′(4), …) anywhere in a relation's sides."""
    import dataclasses

    from sympy import Basic
    from sympy.core.function import AppliedUndef
    from sympy.matrices import MatrixBase

    from .functions import _SigmaDerivative

    seen = set() if seen is None else seen
    if isinstance(node, (Basic, MatrixBase)):
        return set(node.atoms(AppliedUndef, _SigmaDerivative))
    if id(node) in seen or not dataclasses.is_dataclass(node):
        return set()
    seen.add(id(node))
    out = set()
    for f in dataclasses.fields(node):
        v = getattr(node, f.name, None)
        for item in (v if isinstance(v, (list, tuple)) else (v,)):
            out |= abstract_applications(item, seen)
    return out


def float_suspect(step) -> bool | None:
    """Do floats suggest that a relation or limit fails here? (a guide only; None: they cannot say)"""
    from .relations import Limit

    try:
        if isinstance(step, Limit):
            curve = step.seq.values(64)
            first, last = max(curve[:4] + [1e-300]), curve[-1]
            looks = "0" if last < 1e-9 * first else "inf" if last > 1e6 * first else "bounded"
            return {"0": looks != "0", "inf": looks != "inf", "bounded": looks == "inf",
                    "not0": looks == "0"}[step.to] or looks == "bounded"
        a, b = step.floats()
        if not (np.isfinite(a) and np.isfinite(b)):
            return None
        return bool(step.margin((a, b)) > -TIE * max(1.0, abs(a), abs(b)))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError, np.linalg.LinAlgError):
        return None


def hypotheses_plausible(hyps) -> bool:
    for h in hyps:
        try:
            sides = h.floats()
            if h.approx(sides) is False and h.margin(sides) > TIE:
                return False
        except (ValueError, ZeroDivisionError, OverflowError, np.linalg.LinAlgError):
            return False
    return True


def draw_candidates(given: dict, size: dict, seed: int, count: int):
    """``count`` assignments name -> exact value, drawn from each name's strategy (seeded)."""
    rng = random.Random(f"{seed}:{sorted(size.items())}")
    gens = {name: strat.examples(size, rng) for name, strat in given.items()}
    for _ in range(count):
        yield {name: next(g) for name, g in gens.items()}


def shrink_candidates(given: dict, values: dict):
    """Simpler assignments than ``values``: one name changed at a time, simplest change first."""
    for name, strat in given.items():
        for v in strat.shrink(values[name]):
            yield {**values, name: v}
