"""The prove phase for scalar inequalities with exp, log, tanh or the logistic function: branch and bound.

SOS and the solvers are polynomial: they see tanh and the logistic function only through their range, so a
claim where z and tanh z meet (tanh x ≤ x) is out of their reach. For one or two ``scalars(lo, hi)`` values
and no hypotheses, this finder looks for a tree of moves (:mod:`symderiv.kernel.interval`) proving
g = rhs − lhs ≥ 0 on the box: an arb enclosure where it suffices, a cut at the simplest rational inside the box
(the touching points of textbook inequalities are 0 and 1), and near a point where g touches 0 a monotonicity
move (g ≥ 0 on a face, ∂g/∂x of one sign on the box, proved the same way: eˣ − 1 − x at 0, x − tanh x at 0 with
slope tanh²x). The kernel re-derives the goal from the claim and re-checks every move; this module decides
nothing.
"""
from __future__ import annotations

import time
from fractions import Fraction

import sympy as sp

from ..kernel import interval as K

#: moves the finder may try on one step (the bound that decides: the same answer on a loaded machine), and
#: seconds, a safety net only
NODES = 2500
SECONDS = 20.0
#: derivative orders a monotonicity move may stack (x − x³/3 ≤ tanh x at 0 needs 3)
MAX_ORDER = 6
#: cuts deep on one branch
MAX_DEPTH = 40
#: cuts a monotonicity move's slope (or face) may add below the box it is about: a slope that needs more is
#: not the argument, and a failed attempt must stay cheap
SLOPE_CUTS = 3
FACE_CUTS = 8


def simplest_inside(lo: Fraction, hi: Fraction) -> Fraction:
    """The rational with the smallest denominator (then numerator) strictly inside (lo, hi) (Stern–Brocot)."""
    # integers first
    import math

    k = math.floor(lo) + 1
    if k < hi:
        if lo < 0 < hi:
            return Fraction(0)
        return Fraction(k) if lo >= 0 else Fraction(math.ceil(hi) - 1)
    w = hi - lo
    for q in range(2, 5):   # a simple fraction, if it cuts the box near its middle; else the midpoint
        p = math.floor(lo * q) + 1
        if lo + w / 4 <= Fraction(p, q) <= hi - w / 4:
            return Fraction(p, q)
    return (lo + hi) / 2


class _Out(Exception):
    pass


class Finder:
    def __init__(self, symbols, seconds: float = SECONDS):
        self.symbols = symbols
        self.deadline = time.perf_counter() + seconds
        self.nodes = 0

    def tick(self):
        self.nodes += 1
        if self.nodes > NODES or time.perf_counter() > self.deadline:
            raise _Out()

    def enclose(self, g, box):
        try:
            return K.enclose(g, dict(zip(self.symbols, box)))
        except K.NotEnclosed:
            return None

    def prove(self, g, strict: bool, box: tuple, order: int = 0, depth: int = 0, max_depth: int = MAX_DEPTH):
        """A tree proving g ≥ 0 (> 0) on box (at most ``max_depth`` cuts deep), or None."""
        self.tick()
        iv = self.enclose(g, box)
        if iv is None:
            return None
        if K._ok(iv, strict):
            return ("eval",)
        if iv[1] < 0 or (strict and iv[1] <= 0):
            return None   # false on the whole box: the search's business
        if all(lo == hi for lo, hi in box):
            return None   # a point where g is not shown ≥ 0
        if order < MAX_ORDER and K.smooth(g):
            for i, (lo, hi) in enumerate(box):
                if lo == hi:
                    continue
                d = K.derivative(g, self.symbols[i])
                mid = tuple((a + b) / 2 if j == i else (a, b) for j, (a, b) in enumerate(box))
                mid = tuple(m if isinstance(m, tuple) else (m, m) for m in mid)
                dv = self.enclose(d, mid)
                if dv is None:
                    continue
                sides = (["lo"] if dv[0] >= 0 else []) + (["hi"] if dv[1] <= 0 else [])
                for side in sides:
                    at = lo if side == "lo" else hi
                    face = self.prove(g, strict, box[:i] + ((at, at),) + box[i + 1:], order, depth,
                                      min(max_depth, depth + FACE_CUTS))
                    if face is None:
                        continue
                    slope = self.prove(d if side == "lo" else -d, False, box, order + 1, depth,
                                       min(max_depth, depth + SLOPE_CUTS))
                    if slope is not None:
                        return ("mono", i, side, face, slope)
        if depth >= max_depth:
            return None
        i = max(range(len(box)), key=lambda j: box[j][1] - box[j][0])
        lo, hi = box[i]
        c = simplest_inside(lo, hi)
        left = self.prove(g, strict, box[:i] + ((lo, c),) + box[i + 1:], order, depth + 1, max_depth)
        if left is None:
            return None
        right = self.prove(g, strict, box[:i] + ((c, hi),) + box[i + 1:], order, depth + 1, max_depth)
        if right is None:
            return None
        return ("split", i, c, left, right)


def transcendental(e) -> bool:
    from ..functions import logistic

    return e.has(sp.exp, sp.log, sp.tanh, sp.atan, logistic) or any(
        p.exp.is_Rational and not p.exp.is_Integer for p in e.atoms(sp.Pow)) or e.has(sp.E)


def try_interval(claim, size: dict, label: str, seconds: float = SECONDS):
    """(tree, the kernel's word, the box) for step ``label``, accepted by the kernel; or None when the claim is not a
    scalar inequality on a box, or no tree was found in time."""
    try:
        goal = K.goal_of(claim, size, label)
    except K.NotEnclosed:
        return None
    except Exception:   # the check cannot run on the kernel's symbols: not this method's claim
        return None
    if len(goal.symbols) > 2 or not transcendental(goal.g):
        return None
    _, ctx = K._arb()
    old = ctx.prec
    ctx.prec = K.PREC
    try:
        tree = _lipschitz(goal, seconds) or Finder(goal.symbols, seconds).prove(goal.g, goal.strict, goal.box)
    except (_Out, RecursionError):
        tree = None
    finally:
        ctx.prec = old
    if tree is None:
        return None
    ok, why = K.verify(claim, size, label, tree)
    return (tree, why, K._box_str(goal.box)) if ok else None


def _lipschitz(goal, seconds: float):
    """|F(a) − F(b)| ≤ L|a − b| by the mean value theorem: trees for L − F′ ≥ 0 and L + F′ ≥ 0 on the hull."""
    if len(goal.symbols) != 2 or not goal.g.has(sp.Abs):
        return None
    for i, j in ((0, 1), (1, 0)):
        try:
            (up, down), x, hull = K.lipschitz_parts(goal.g, goal.strict, goal.symbols, goal.box, i, j)
        except K.NotEnclosed:
            continue
        f = Finder((x,), seconds)
        upper = f.prove(up, False, (hull,))
        lower = f.prove(down, False, (hull,)) if upper is not None else None
        if upper is not None and lower is not None:
            return ("lipschitz", i, j, upper, lower)
    return None
