"""The kernel's check of an interval certificate: a scalar inequality with exp, log, tanh, the logistic function
proved on a box by branch and bound in arb arithmetic.

A certificate is only a tree of *moves*; everything it proves is re-derived here from the claim itself:

* the goal: the proof file's check is run on this module's own symbols (one per ``scalars(lo, hi)`` value), its
  step read as g = rhs − lhs ≥ 0 (``<=``; ``>=`` the other way; ``<``/``>`` as g > 0), the box [lo, hi] per
  value read from the claim's own strategies (never from the finder);
* ``("eval",)``: an enclosure of g over the box (interval arithmetic with arb endpoints, every function by its
  monotonicity, every rounding outward) whose lower end is ≥ 0 (> 0 for a strict step);
* ``("split", i, c, left, right)``: the box cut at x_i = c, c strictly inside; both halves proved;
* ``("lipschitz", i, j, upper, lower)``: g = L·|a − b| − c·|D| with D = F(a) − F(b) (checked: D smooth,
  antisymmetric, ∂²D/∂a∂b = 0), proved by the mean value theorem from L/c − F′ ≥ 0 and L/c + F′ ≥ 0 on the hull
  of a's and b's intervals (the ``upper`` and ``lower`` trees, over a alone);
* ``("mono", i, "lo" | "hi", face, slope)``: g on the face x_i = lo (hi) of the box (the ``face`` tree, same
  strictness) and ∂g/∂x_i ≥ 0 (−∂g/∂x_i ≥ 0 for ``hi``) on the box (the ``slope`` tree, differentiated here
  by SymPy): by the mean value theorem g ≥ g(face) along x_i. Only for a g built from smooth functions (no
  |·|, max, min), with g and its derivative enclosed finitely on the box (so g is C¹ there).

Points are exact rationals; the evaluation trusts python-flint's arb (each function's ball contains its value)
and SymPy's ``diff``. Floats anywhere in the claim are refused.
"""
from __future__ import annotations

from ..notation import literal

import functools
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

#: bits of arb precision for every enclosure
PREC = 128
#: moves a certificate may have (a bound on the kernel's own work)
MAX_NODES = 20000


class NotEnclosed(Exception):
    """An expression this evaluator has no rigorous enclosure of on the box (an operation it does not know, a
    log of a box that reaches 0, a float)."""


_FLINT: tuple | None = None


def _arb():
    global _FLINT
    if _FLINT is None:   # imported once, not at every enclosure (an import statement per call was ~10% of them)
        from flint import arb, ctx

        _FLINT = (arb, ctx)
    return _FLINT


def _lo(x):
    return x.lower()


def _hi(x):
    return x.upper()


def _point(q: Fraction):
    arb, ctx = _arb()
    return _point_at(q, ctx.prec)


@functools.lru_cache(maxsize=4096)
def _point_at(q: Fraction, prec: int):
    """The enclosure of the rational q at ``prec`` bits (what arb computes for it there, once: a box's endpoints
    and a claim's constants recur at every move)."""
    arb, ctx = _arb()
    assert ctx.prec == prec
    b = arb(q.numerator) / q.denominator
    return (_lo(b), _hi(b))


def _finite(iv) -> bool:
    return all(v.is_finite() for v in iv)


def _mono(f, iv, increasing=True):
    a, b = f(iv[0]), f(iv[1])
    out = (_lo(a), _hi(b)) if increasing else (_lo(b), _hi(a))
    if not _finite(out):
        raise NotEnclosed(f"no finite enclosure of {f.__name__}")
    return out


def _mul(x, y):
    ps = [a * b for a in x for b in y]
    lo, hi = min((_lo(p) for p in ps), key=_key), max((_hi(p) for p in ps), key=_key)
    return (lo, hi)


class _Ordered:
    """An exact arb number (radius 0: an endpoint) as a key for min/max, compared as the number it is."""
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __lt__(self, other):
        return bool(self.v < other.v)


_key = _Ordered


def _pow_int(x, k: int):
    lo, hi = x
    if k == 0:
        return _point(Fraction(1))
    if k < 0:
        if not (lo > 0 or hi < 0):
            raise NotEnclosed("a negative power of a box that may contain 0")
        r = _pow_int(x, -k)
        return (_lo(1 / r[1]), _hi(1 / r[0]))
    if k % 2 == 1 or lo >= 0:
        return (_lo(lo ** k), _hi(hi ** k))
    if hi <= 0:
        return (_lo(hi ** k), _hi(lo ** k))
    zero = _point(Fraction(0))[0]
    return (zero, max(_hi(lo ** k), _hi(hi ** k), key=_key))


def enclose(e, box: dict):
    """(lower, upper) arb numbers enclosing every value of the SymPy expression ``e`` for its symbols in ``box``
    (symbol -> (Fraction lo, Fraction hi)); raises NotEnclosed."""
    return _compile(e)(box)


@functools.lru_cache(maxsize=8192)
def _compile(e):
    """``e`` as a function box -> enclosure (the expression read once; the same rules as written here)."""
    from ..functions import logistic

    arb, _ = _arb()
    if e.is_Symbol:
        def sym(box):
            if e not in box:
                raise NotEnclosed(f"the symbol {e} has no box")
            lo, hi = box[e]
            return (_point(lo)[0], _point(hi)[1])
        return sym
    if e.is_Rational:
        q = Fraction(int(e.p), int(e.q))
        return lambda box: _point(q)
    if e.is_Float:
        raise NotEnclosed("a float in the claim")
    if e is sp.E or e is sp.pi:
        const = arb.const_e if e is sp.E else arb.const_pi
        return lambda box: (_lo(const()), _hi(const()))
    args = [_compile(a) for a in e.args]
    if e.is_Add:
        def add(box):
            lo, hi = args[0](box)
            for a in args[1:]:
                l2, h2 = a(box)
                lo, hi = _lo(lo + l2), _hi(hi + h2)
            return (lo, hi)
        return add
    if e.is_Mul:
        def mul(box):
            out = args[0](box)
            for a in args[1:]:
                out = _mul(out, a(box))
            return out
        return mul
    if e.is_Pow:
        base, k = e.args
        if k.is_Integer:
            n = int(k)
            return lambda box: _pow_int(args[0](box), n)
        if k.is_Rational:
            p, q, up = int(k.p), int(k.q), bool(k > 0)

            def frac(box):
                b = args[0](box)
                if not b[0] > 0:
                    raise NotEnclosed("a fractional power of a box that may reach 0")
                r = arb(p) / q
                return _mono(lambda v: (v.log() * r).exp(), b, increasing=up)
            return frac
        if base is sp.E:
            return lambda box: _mono(lambda v: v.exp(), args[1](box))
        raise NotEnclosed(f"the power {e}")
    unary = {sp.exp: lambda v: v.exp(), sp.tanh: lambda v: v.tanh(), sp.atan: lambda v: v.atan(),
             logistic: lambda v: 1 / (1 + (-v).exp())}
    for cls, f in unary.items():
        if isinstance(e, cls):
            return lambda box, f=f: _mono(f, args[0](box))
    if isinstance(e, sp.log):
        def log(box):
            b = args[0](box)
            if not b[0] > 0:
                raise NotEnclosed("a log of a box that may reach 0")
            return _mono(lambda v: v.log(), b)
        return log
    if isinstance(e, sp.Abs):
        return lambda box: _pow_abs(args[0](box))
    if isinstance(e, (sp.Max, sp.Min)):
        pick = max if isinstance(e, sp.Max) else min

        def extreme(box):
            parts = [a(box) for a in args]
            return (pick((p[0] for p in parts), key=_key), pick((p[1] for p in parts), key=_key))
        return extreme
    raise NotEnclosed(f"no enclosure for {type(e).__name__}")


def _pow_abs(x):
    lo, hi = x
    if lo >= 0:
        return x
    if hi <= 0:
        return (_lo(-hi), _hi(-lo))
    zero = _point(Fraction(0))[0]
    return (zero, max(_hi(-lo), hi, key=_key))


SMOOTH_FREE = (sp.Abs, sp.Max, sp.Min, sp.sign, sp.Heaviside, sp.Piecewise, sp.floor, sp.ceiling)


def smooth(e) -> bool:
    """Built from functions that are smooth wherever they are finite (no |·|, max, min, sign, …)."""
    return not e.has(*SMOOTH_FREE)


@dataclass
class Goal:
    """g ≥ 0 (or > 0) over a box, as the kernel reads it from the claim."""
    g: sp.Expr
    strict: bool
    symbols: tuple          # the kernel's own symbols, in the order of the claim's values
    box: tuple              # ((Fraction lo, Fraction hi), …) per symbol
    labels: tuple = ()      # every step of the claim, as the kernel read them (a chain needs each proved)


def sides_expr(s):
    """A relation's side (relations.Num / Op / |x| / max / min) as a SymPy expression; raises NotEnclosed."""
    from ..relations import Num, Op, Spectral

    if isinstance(s, Num):
        return sp.sympify(s.value)
    if isinstance(s, Op):
        a, b = (sides_expr(x) for x in s.args)
        ops = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
               "^": lambda: a ** b, "max": lambda: sp.Max(a, b), "min": lambda: sp.Min(a, b)}
        if s.op not in ops:
            raise NotEnclosed(f"the operation {s.op}")
        return ops[s.op]()
    if isinstance(s, Spectral) and s.kind == "abs" and s.M.shape == (1, 1):
        return sp.Abs(s.M[0, 0])
    raise NotEnclosed(f"no scalar expression for {type(s).__name__}")


def goal_of(claim, size: dict, label: str) -> Goal:
    """Derive the goal of step ``label`` from the claim itself: its check run on the kernel's own symbols, each a
    ``scalars(lo, hi)`` value, and no hypothesis. Raises NotEnclosed when the claim is not of that form."""
    from ..families import Scalars
    from .decide import relations_of

    syms, box, values = [], [], {}
    for name, strategy in claim.given.items():
        if type(strategy) is not Scalars or strategy.integer:
            raise NotEnclosed(f"{name} is not a real scalar on an interval")
        lo, hi = Fraction(sp.Rational(strategy.lo).p, sp.Rational(strategy.lo).q), \
            Fraction(sp.Rational(strategy.hi).p, sp.Rational(strategy.hi).q)
        if lo > hi:
            raise NotEnclosed(f"{name}'s interval is empty")
        s = sp.Dummy(name, real=True)
        values[name] = s
        syms.append(s)
        box.append((lo, hi))
    with literal():  # the kernel reads the check as Python does (notation.literal)
        out, hyps = claim.evaluator(size)(values)
    if hyps:
        raise NotEnclosed("a claim with hypotheses")
    steps = dict(relations_of(out))
    if label not in steps:
        raise NotEnclosed(f"no step {label!r}")
    step = steps[label]
    op = getattr(step, "op", None)
    if op not in ("<=", "<", ">=", ">"):
        raise NotEnclosed(f"the relation {op!r}")
    lhs, rhs = sides_expr(step.lhs), sides_expr(step.rhs)
    g = rhs - lhs if op in ("<=", "<") else lhs - rhs
    if g.has(sp.Float):
        raise NotEnclosed("a float in the claim")
    if g.free_symbols - set(syms):
        raise NotEnclosed("a symbol that is not one of the claim's values")
    return Goal(g, op in ("<", ">"), tuple(syms), tuple(box), tuple(steps))


def _ok(iv, strict: bool) -> bool:
    return bool(iv[0] > 0) if strict else bool(iv[0] >= 0)


class Rejected(Exception):
    pass


def check_tree(g, strict: bool, symbols: tuple, box: tuple, tree, budget: list | None = None) -> None:
    """Raise Rejected unless ``tree`` proves g ≥ 0 (g > 0 if strict) on ``box``."""
    arb, ctx = _arb()
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise Rejected("the certificate has too many moves")
    env = {s: b for s, b in zip(symbols, box)}
    kind = tree[0]
    if kind == "eval":
        try:
            iv = enclose(g, env)
        except NotEnclosed as e:
            raise Rejected(f"no enclosure on {_box_str(box)}: {e}") from None
        if not _ok(iv, strict):
            raise Rejected(f"the enclosure on {_box_str(box)} does not show {'> 0' if strict else '≥ 0'}")
        return
    if kind == "split":
        _, i, c, left, right = tree
        c = Fraction(c)
        lo, hi = box[i]
        if not lo < c < hi:
            raise Rejected(f"the cut {c} is not inside [{lo}, {hi}]")
        check_tree(g, strict, symbols, box[:i] + ((lo, c),) + box[i + 1:], left, budget)
        check_tree(g, strict, symbols, box[:i] + ((c, hi),) + box[i + 1:], right, budget)
        return
    if kind == "mono":
        _, i, side, face, slope = tree
        if side not in ("lo", "hi"):
            raise Rejected(f"side {side!r}")
        if not smooth(g):
            raise Rejected("a monotonicity move on a function that is not smooth")
        d = derivative(g, symbols[i])
        d = d if side == "lo" else -d
        try:
            if not (_finite(enclose(g, env)) and _finite(enclose(d, env))):
                raise Rejected("g or its derivative is not finite on the box")
        except NotEnclosed as e:
            raise Rejected(f"g or its derivative has no enclosure on {_box_str(box)}: {e}") from None
        lo, hi = box[i]
        at = lo if side == "lo" else hi
        check_tree(g, strict, symbols, box[:i] + ((at, at),) + box[i + 1:], face, budget)
        check_tree(d, False, symbols, box, slope, budget)
        return
    if kind == "lipschitz":
        _, i, j, upper, lower = tree
        try:
            slope, x, hull = lipschitz_parts(g, strict, symbols, box, i, j)
        except NotEnclosed as e:
            raise Rejected(f"not a Lipschitz bound: {e}") from None
        syms = (x,)
        check_tree(slope[0], False, syms, (hull,), upper, budget)   # L − F′ ≥ 0 on the hull
        check_tree(slope[1], False, syms, (hull,), lower, budget)   # L + F′ ≥ 0 on the hull
        return
    raise Rejected(f"unknown move {kind!r}")


def lipschitz_parts(g, strict: bool, symbols: tuple, box: tuple, i: int, j: int):
    """For g = L·|a − b| − c·|D| ≥ 0 (a = symbols[i], b = symbols[j], L, c > 0 rationals) with D = F(a) − F(b)
    (D smooth, antisymmetric under a ↔ b, ∂²D/∂a∂b = 0, each checked here): ((L′ − F′(a), L′ + F′(a)), a, the
    hull of a's and b's intervals), L′ = L/c. By the mean value theorem |F(a) − F(b)| = |F′(ξ)|·|a − b| with ξ
    between a and b, so both slopes ≥ 0 on the hull prove the step. Raises NotEnclosed otherwise."""
    if strict:
        raise NotEnclosed("a strict bound (equality at a = b)")
    if i == j or len(symbols) != 2:
        raise NotEnclosed("two values are needed")
    a, b = symbols[i], symbols[j]
    terms = sp.Add.make_args(g)
    if len(terms) != 2:
        raise NotEnclosed("not L·|a − b| − c·|F(a) − F(b)|")
    parts = []
    for t in terms:
        coeff, rest = t.as_coeff_Mul()
        if not (isinstance(rest, sp.Abs) and coeff.is_Rational):
            raise NotEnclosed("not L·|a − b| − c·|F(a) − F(b)|")
        parts.append((coeff, rest.args[0]))
    parts.sort(key=lambda p: bool(p[0] < 0))   # the positive coefficient first
    (L, lin), (c, D) = parts
    if not (L > 0 and c < 0):
        raise NotEnclosed("the coefficients' signs")
    if sp.expand(lin - (a - b)) != 0 and sp.expand(lin + (a - b)) != 0:
        raise NotEnclosed("the right side is not a multiple of |a − b|")
    if not smooth(D) or D.has(sp.Float):
        raise NotEnclosed("F is not smooth")
    swapped = D.subs({a: b, b: a}, simultaneous=True)
    if sp.expand(D + swapped) != 0:
        raise NotEnclosed("D is not F(a) − F(b) (not antisymmetric)")
    if sp.diff(D, a, b) != 0:
        raise NotEnclosed("D is not F(a) − F(b) (∂²D/∂a∂b ≠ 0)")
    Fp = sp.diff(D, a)
    if b in Fp.free_symbols:
        raise NotEnclosed("F′ depends on b")
    Lq = sp.Rational(L) / -sp.Rational(c)
    (la, ha), (lb, hb) = box[i], box[j]
    return (Lq - Fp, Lq + Fp), a, (min(la, lb), max(ha, hb))


@functools.lru_cache(maxsize=4096)
def derivative(g, x):
    """∂g/∂x by SymPy (memoised: a tree asks for the same slope on many boxes)."""
    return sp.diff(g, x)


def _box_str(box) -> str:
    return " × ".join(f"[{lo}, {hi}]" for lo, hi in box)


def verify(claim, size: dict, label: str, tree) -> tuple[bool, str]:
    """(accepted, why): whether ``tree`` proves step ``label`` of the claim over every value of its box."""
    _, ctx = _arb()
    try:
        goal = goal_of(claim, size, label)
    except NotEnclosed as e:
        return False, f"no goal: {e}"
    old = ctx.prec
    ctx.prec = PREC
    try:
        check_tree(goal.g, goal.strict, goal.symbols, goal.box, tree)
    except Rejected as e:
        return False, str(e)
    finally:
        ctx.prec = old
    return True, (f"{'g > 0' if goal.strict else 'g ≥ 0'} with g = {sp.sstr(goal.g)} on {_box_str(goal.box)} "
                  f"({count(tree)} moves)")


def count(tree) -> int:
    if tree[0] == "eval":
        return 1
    if tree[0] == "lipschitz":
        return 1 + count(tree[3]) + count(tree[4])
    if tree[0] == "split":
        return 1 + count(tree[3]) + count(tree[4])
    return 1 + count(tree[3]) + count(tree[4])
