"""Deciding lhs == rhs for all σ and all values, by a canonical normal form.

The normal form treats σ(·), σ'(·), tanh(·), exp(·), ... as atoms over
canonicalised (expanded) arguments, and expands the difference into a
polynomial in symbols and atoms. A zero normal form proves the identity for
every σ and every value at that size. A non-zero normal form is only a
suspicion: the engine then looks for a concrete counterexample.

Backends are chosen by name and imported lazily: ``symengine`` (the SymPy
project's C++ core, the default) and ``sympy`` (the reference the tests
compare it against).
"""
from __future__ import annotations

from typing import Callable

import sympy as sp

from .errors import ProofFileError
from .values import FLOAT_HINT, NOT_A_NUMBER, exact_value, float_error, nodes


#: how many layers of nested fractions (a denominator that has fractions in it) are cleared
MAX_CLEARINGS = 8


def _sympy_is_zero(exprs: list[sp.Expr], cleared: list | None = None) -> list[bool]:
    """Zero as a rational function: numerator of the expanded entry over one denominator (``together``)."""
    out = []
    for e in exprs:
        x = sp.expand(e)
        if x != 0 and any(p.exp.is_negative and not p.base.is_number for p in x.atoms(sp.Pow)):
            num, den = sp.fraction(sp.together(x))
            x = sp.expand(num)
            if cleared is not None and not den.is_number:
                cleared.append(sp.sstr(sp.factor(den)))
        out.append(x == 0)
    return out


def _symengine_converter() -> Callable[[sp.Expr], object]:
    """A memoised SymPy → SymEngine converter that canonicalises function arguments.

    Memoisation matters: unrolled models share subexpressions, and a
    converter that walks them as a tree is exponential in t.

    SymEngine identifies symbols and undefined functions by name only, so each
    distinct SymPy symbol (a name with its assumptions, or a Dummy) and each
    distinct function class gets its own SymEngine name: a user's
    ``Symbol("b[0]", real=True)`` is never the model's ``b[0]``, nor a user's
    ``Function("sigma")`` the model's σ. Anything else that is not a number is
    refused (``se.sympify`` of an unevaluated ``Derivative`` crashed SymEngine).
    """
    import symengine as se

    memo: dict = {}
    symbols: dict = {}    # SymPy symbol -> SymEngine symbol
    functions: dict = {}  # SymPy function class -> SymEngine function
    used: dict = {"symbol": set(), "function": set()}
    named = {sp.exp: se.exp, sp.tanh: se.tanh, sp.log: se.log, sp.sin: se.sin, sp.cos: se.cos}

    def unique(kind: str, name: str) -> str:
        taken, out, k = used[kind], name, 0
        while out in taken:
            k += 1
            out = f"{name}#{k}"
        taken.add(out)
        return out

    def conv(e):
        r = memo.get(e)
        if r is not None:
            return r
        if e.is_Symbol:
            r = symbols.get(e)
            if r is None:
                r = symbols[e] = se.Symbol(unique("symbol", e.name))
        elif e.is_Integer:
            r = se.Integer(int(e))
        elif e.is_Rational:
            r = se.Rational(int(e.p), int(e.q))
        elif e.is_Float:
            raise float_error(e, "an identity's side")
        elif e.is_Add:
            r = se.Add(*[conv(a) for a in e.args])
        elif e.is_Mul:
            r = se.Mul(*[conv(a) for a in e.args])
        elif e.is_Pow:
            base = conv(e.base)
            r = se.Pow(se.expand(base) if e.exp.is_negative else base, conv(e.exp))
        elif isinstance(e, sp.Function):
            args = [se.expand(conv(a)) for a in e.args]
            f = named.get(e.func)
            if f is None:
                f = functions.get(e.func)
                if f is None:
                    f = functions[e.func] = se.Function(unique("function", e.func.__name__))
            r = f(*args)
        elif e.is_number and not e.free_symbols and not e.atoms(sp.Derivative, sp.Subs):
            r = se.sympify(e)  # π, E, I, …
        else:
            raise ProofFileError(f"{type(e).__name__} ({sp.sstr(e)[:80]}) cannot be decided by a normal form")
        memo[e] = r
        return r

    return conv


def _split(term) -> tuple[list, dict]:
    """A SymEngine term as (its other factors, {denominator base: exponent}) for non-constant bases."""
    import symengine as se

    rest, dens = [], {}
    for f in (term.args if isinstance(term, se.Mul) else (term,)):
        if isinstance(f, se.Pow) and f.exp.is_Integer and f.exp < 0 and not f.base.is_Number:
            dens[f.base] = dens.get(f.base, 0) - int(f.exp)
        else:
            rest.append(f)
    return rest, dens


def _as_powers(bases) -> dict:
    """Each base as (root, k) with base = root^k expanded, for small k (SymEngine expands (a + b)^-2 into
    1/(a² + 2ab + b²), so det^-1 and det^-2 reach us with two different bases)."""
    import symengine as se

    out = {b: (b, 1) for b in bases}
    by_len = sorted(bases, key=lambda b: len(b.args) if isinstance(b, se.Add) else 1)
    for i, root in enumerate(by_len):
        if out[root][1] != 1:
            continue
        for k in (2, 3, 4):
            power = se.expand(root ** k)
            for b in by_len[i + 1:]:
                if out[b][1] == 1 and b == power:
                    out[b] = (root, k)
    return out


def _clear_denominators(x, cleared: list | None):
    """x times a common multiple of its denominators, expanded: a polynomial when x had one layer of them.

    Term by term: each term is multiplied by the common multiple divided by its
    own denominator, so nothing is expanded only to be divided again. Exact:
    the multiplier is a nonzero polynomial, so the result is 0 iff x is.
    """
    import symengine as se

    terms = [_split(t) for t in (x.args if isinstance(x, se.Add) else (x,))]
    bases = {b for _, d in terms for b in d}
    if not bases:
        return None
    powers = _as_powers(bases)
    need: dict = {}
    for _, d in terms:
        mine: dict = {}
        for b, e in d.items():
            root, k = powers[b]
            mine[root] = mine.get(root, 0) + k * e
        for root, e in mine.items():
            need[root] = max(need.get(root, 0), e)
    if cleared is not None:
        cleared.extend(str(r) for r in need if str(r) not in cleared)
    out = []
    for rest, d in terms:
        mine: dict = {}
        for b, e in d.items():
            root, k = powers[b]
            mine[root] = mine.get(root, 0) + k * e
        out.append(se.Mul(*rest, *[r ** (e - mine.get(r, 0)) for r, e in need.items() if e - mine.get(r, 0)]))
    return se.expand(se.Add(*out))


def _symengine_expand_is_zero(exprs: list[sp.Expr], cleared: list | None = None) -> list[bool]:
    """Zero as a polynomial in symbols and atoms; an entry with denominators is zero as a rational function
    when its numerator is: each round clears one layer of denominators (:func:`_clear_denominators`) and
    expands, until none is left."""
    import symengine as se

    conv = _symengine_converter()
    out = []
    for e in exprs:
        x = se.expand(conv(e))
        for _ in range(MAX_CLEARINGS):
            if x == 0:
                break
            y = _clear_denominators(x, cleared)
            if y is None:
                break
            x = y
        out.append(x == 0)
    return out


class _NotPolynomial(Exception):
    """An entry that is not a polynomial in symbols and function applications (a denominator, a root, π)."""


#: functions whose parity is used to canonicalise their argument's sign: f(−p) = sign · f(p)
_PARITY = {sp.tanh: -1, sp.sin: -1, sp.cos: 1}


def _balanced(xs: list, op, unit):
    """op over xs as a balanced tree (summing k polynomials one by one copies the sum k times)."""
    while len(xs) > 1:
        xs = [op(xs[i], xs[i + 1]) if i + 1 < len(xs) else xs[i] for i in range(0, len(xs), 2)]
    return xs[0] if xs else unit


class _Ring:
    """Q[g_0, …, g_{size−1}] in python-flint, and SymPy expressions converted into it, memoised per DAG node.

    Without ``atoms`` each symbol and each function application (keyed by its function and its argument
    polynomials) becomes a new generator, recorded in ``atoms`` (node -> (index, ±1)); with ``atoms`` (from
    such a first pass) symbols and function applications are looked up there.
    """

    def __init__(self, size: int, atoms: dict | None = None, opaque: frozenset = frozenset()):
        import flint

        self.opaque = opaque  # nodes that are generators themselves (see _shared_opaque)
        self.fmpq = flint.fmpq
        self.ctx = flint.fmpq_mpoly_ctx.get(("g", max(size, 1)), "degrevlex")
        self.gens = self.ctx.gens()
        self.zero = self.ctx.from_dict({})
        self.one = self.ctx.from_dict({(0,) * len(self.gens): 1})
        self.fixed = atoms is not None
        self.atoms: dict = atoms if atoms is not None else {}
        self.keys: dict = {}      # (kind, key) -> generator index
        self.unsafe: set = set()  # generator indices of functions SymEngine knows relations of
        self.memo: dict = {}

    def _gen(self, e, key, sign: int, is_unsafe: bool):
        k = self.keys.get(key)
        if k is None:
            k = self.keys[key] = len(self.keys)
        if is_unsafe:
            self.unsafe.add(k)
        self.atoms[e] = (k, sign)
        return self.gens[k] if sign > 0 else -self.gens[k]

    def conv(self, e):
        r = self.memo.get(e)
        if r is not None:
            return r
        if self.fixed and (e.is_Symbol or isinstance(e, sp.Function) or e in self.opaque):
            if e not in self.atoms:
                raise _NotPolynomial(e)
            k, sign = self.atoms[e]
            r = self.gens[k] if sign > 0 else -self.gens[k]
        elif e.is_Symbol:
            r = self._gen(e, ("symbol", e), 1, False)
        elif e in self.opaque:
            r = self._gen(e, ("opaque", e), 1, False)
        elif e.is_Rational:
            r = self.one * self.fmpq(int(e.p), int(e.q))
        elif e.is_Add:
            r = _balanced(sorted((self.conv(a) for a in e.args), key=len), lambda a, b: a + b, self.zero)
        elif e.is_Mul:
            r = _balanced(sorted((self.conv(a) for a in e.args), key=len), lambda a, b: a * b, self.one)
        elif e.is_Pow and e.exp.is_Integer and e.exp >= 0:
            r = self.conv(e.base) ** int(e.exp)
        elif isinstance(e, sp.Function) and not isinstance(e, UNDECIDABLE):
            args = [self.conv(a) for a in e.args]
            parity = _PARITY.get(e.func)
            sign = 1
            if parity is not None and len(args) == 1 and not args[0].is_constant():
                if args[0].leading_coefficient() < 0:
                    args[0] = -args[0]
                    sign = parity
            is_unsafe = (getattr(e.func, "__module__", None) or "").startswith("sympy") and (
                parity is None or any(a.is_constant() for a in args))
            r = self._gen(e, ("function", e.func, tuple(str(a) for a in args)), sign, is_unsafe)
        else:
            raise _NotPolynomial(e)
        self.memo[e] = r
        return r


def _rings(exprs, opaque: frozenset = frozenset()):
    """The ring of the entries' generators, and the indices of the unsafe ones.

    Pass 1 finds the generators in a ring with room for every symbol, function
    node and opaque node of the DAG (only the functions' arguments are expanded
    there, and they are small); pass 2 converts the entries in a ring with
    exactly those generators (a monomial's cost grows with its ring's variables).
    """
    dag = [e for e in nodes(*exprs) if isinstance(e, sp.Basic)]
    atomic = [e for e in dag if e.is_Symbol or isinstance(e, sp.Function) or e in opaque]
    big = _Ring(len(atomic), opaque=opaque)
    for e in atomic:
        try:
            big.conv(e)
        except _NotPolynomial:
            pass
    return _Ring(len(big.keys), atoms=big.atoms, opaque=opaque), big.unsafe


def _nonzero_at_a_point(exprs: list, seed: int = 0) -> list[bool]:
    """Whether each entry's polynomial in independent generators is non-zero, shown exactly by evaluating it
    over Q at a point (each generator a random rational, whatever its function): a non-zero value proves a
    non-zero polynomial; False means not shown (a zero value, a generator SymEngine knows relations of, or an
    entry that is not a polynomial). Linear in the DAG: no expansion."""
    import random

    import flint

    ring, unsafe = _rings(exprs)
    rng = random.Random(seed)
    vals = [flint.fmpq(rng.randint(-10 ** 6, 10 ** 6), rng.randint(1, 10 ** 6)) for _ in range(len(ring.gens))]
    memo: dict = {}

    def ev(e):
        r = memo.get(e)
        if r is not None:
            return r
        if e in ring.atoms:
            k, sign = ring.atoms[e]
            if k in unsafe:
                raise _NotPolynomial(e)
            r = vals[k] if sign > 0 else -vals[k]
        elif e.is_Rational:
            r = flint.fmpq(int(e.p), int(e.q))
        elif e.is_Add:
            r = flint.fmpq(0)
            for a in e.args:
                r += ev(a)
        elif e.is_Mul:
            r = flint.fmpq(1)
            for a in e.args:
                r *= ev(a)
        elif e.is_Pow and e.exp.is_Integer and e.exp >= 0:
            r = ev(e.base) ** int(e.exp)
        else:
            raise _NotPolynomial(e)
        memo[e] = r
        return r

    out = []
    for e in exprs:
        try:
            out.append(ev(e) != 0)
        except _NotPolynomial:
            out.append(False)
    return out


def _shared_opaque(lhs: list, rhs: list) -> frozenset:
    """Sums that occur as the same node in both sides, contain no other such sum, and are in no function's
    argument (1 − tanh(c)², the gates' pre-activations): generators of their own for a first, cheap attempt."""
    fn = [e for e in nodes(*lhs, *rhs) if isinstance(e, sp.Function)]
    inside = set(nodes(*[a for f in fn for a in f.args]))
    both = {e for e in set(nodes(*lhs)) & set(nodes(*rhs)) if isinstance(e, sp.Add) and e not in inside}
    return frozenset(e for e in both if not any(x in both for x in nodes(*e.args)))


def _flint_sides_is_zero(lhs: list, rhs: list, cleared: list | None = None) -> list[bool]:
    """lhs[k] − rhs[k] zero, entry by entry: first with the sums both sides share as generators (a zero there
    is a proof: substituting each sum back is a ring homomorphism), then without (:func:`_flint_is_zero`).

    The first attempt keeps an unrolled model's Jacobian products from being expanded into millions of terms
    (the LSTM at n = 3, t = 4); a non-zero there is no evidence at all (the sums are related to the rest), so
    those entries are decided again: non-zero when the polynomial in independent generators is non-zero at a
    rational point (:func:`_nonzero_at_a_point`, exact), else by the full normal form."""
    out: list = [None] * len(lhs)
    opaque = _shared_opaque(lhs, rhs)
    if opaque:
        ring, _ = _rings([*lhs, *rhs], opaque)
        for k, (a, b) in enumerate(zip(lhs, rhs)):
            try:
                if (ring.conv(a) - ring.conv(b)).is_zero():
                    out[k] = True
            except _NotPolynomial:
                pass
    rest = [k for k, z in enumerate(out) if z is None]
    if rest:
        for k, shown in zip(rest, _nonzero_at_a_point([lhs[k] - rhs[k] for k in rest])):
            if shown:
                out[k] = False
    rest = [k for k, z in enumerate(out) if z is None]
    if rest:
        for k, z in zip(rest, _flint_is_zero([lhs[k] - rhs[k] for k in rest], cleared)):
            out[k] = z
    return out


def _flint_is_zero(exprs: list[sp.Expr], cleared: list | None = None) -> list[bool]:
    """Zero as a polynomial over Q in symbols and generators, in python-flint's sparse ``fmpq_mpoly``.

    Each distinct function application f(p) is one generator, keyed by f and the
    canonical polynomial p of its argument (built bottom up, one polynomial per
    DAG node, so shared subexpressions are never expanded twice). A zero
    polynomial proves the entry zero: substituting each generator's value is a
    ring homomorphism, so this holds whatever relations the generators satisfy.

    A non-zero polynomial is the same suspicion as the SymEngine normal form's
    when every generator is an undefined function (σ, σ', the logistic, the
    loss) or tanh/sin/cos of a non-constant argument (their sign is made
    canonical with their parity, as SymEngine does). Otherwise (exp, log, a
    function of a constant, a denominator, a root) the entry goes to
    :func:`_symengine_expand_is_zero`, which knows more relations and clears denominators.
    """
    ring, unsafe = _rings(exprs)
    out: list = []
    for e in exprs:
        try:
            x = ring.conv(e)
        except _NotPolynomial:
            out.append(None)
            continue
        if x.is_zero():
            out.append(True)
        elif any(d > 0 for k, d in enumerate(x.degrees()) if k in unsafe):
            out.append(None)
        else:
            out.append(False)
    rest = [i for i, z in enumerate(out) if z is None]
    if rest:
        for i, z in zip(rest, _symengine_expand_is_zero([exprs[i] for i in rest], cleared)):
            out[i] = z
    return out


BACKENDS: dict[str, Callable[[list[sp.Expr]], list[bool]]] = {
    # the sparse-polynomial normal form first; entries it cannot settle go to SymEngine's expansion
    "symengine": _flint_is_zero,
    "sympy": _sympy_is_zero,
}


# ----- what a side may contain ---------------------------------------------------------

#: unevaluated operations no normal form decides (SymPy makes them for a function without fdiff)
UNDECIDABLE = (sp.Derivative, sp.Subs, sp.Integral, sp.Limit, sp.Sum, sp.Product)


def as_side(value, which: str) -> sp.Matrix:
    """A check's returned side as a SymPy matrix; a scalar is 1 × 1.

    Strings are refused (SymPy would parse them into symbols that merely share
    the model's names), and so are floats, booleans, None and containers that
    are not SymPy matrices.
    """
    if isinstance(value, (list, tuple, dict, set)):
        raise ProofFileError(f"the {which} is a {type(value).__name__}; return a SymPy matrix "
                             "(sp.Matrix(...)) or a SymPy expression")
    if isinstance(value, sp.MatrixExpr) and not isinstance(value, sp.MatrixBase):  # ImmutableMatrix is both
        raise ProofFileError(f"the {which} is a symbolic matrix expression ({type(value).__name__}); return "
                             "explicit matrices (sp.Matrix(...), the model's matrices)")
    if isinstance(value, sp.MatrixBase):
        bad = next((e for e in value if not isinstance(e, sp.Expr)), None)
        if bad is not None:
            raise ProofFileError(f"the {which} has the entry {bad!r}, which is not a number")
        return sp.Matrix(value)
    if isinstance(value, sp.Expr):
        return sp.Matrix([[value]])  # floats inside are found by vet_sides, in one walk of the DAG
    return sp.Matrix([[exact_value(value, f"the {which}")]])


def _describe_function(f) -> str:
    module = getattr(f, "__module__", "") or ""
    if module.startswith("symderiv"):
        return f"{module}.{f.__name__}"
    if isinstance(f, sp.core.function.UndefinedFunction):
        return f"sp.Function({f.__name__!r}{', ' + repr(f._kwargs) if getattr(f, '_kwargs', None) else ''})"
    return f"{module}.{f.__name__}" if module else f.__name__


def _describe_symbol(x) -> str:
    if isinstance(x, sp.Dummy):
        return f"sp.Dummy({x.name!r})"
    given = getattr(x, "_assumptions_orig", None) or x.assumptions0  # as written, not what SymPy derives
    shown = ", ".join(f"{k}={v}" for k, v in sorted(given.items()) if not (k == "commutative" and v))
    return f"sp.Symbol({x.name!r}{', ' + shown if shown else ''})"


def vet_sides(lhs: sp.Matrix, rhs: sp.Matrix) -> None:
    """Refuse what no backend can mean: floats, unevaluated derivatives, distinct objects sharing a name.

    The backends and certificates identify symbols and functions by name
    (SymEngine, a certificate's point, the F_p backend), so two distinct SymPy
    symbols named ``b[0]`` (say one ``real=True``) or two functions named
    ``sigma`` would silently be one. Walks each side's expression DAG once.
    """
    seen: set = set()
    symbols: dict = {}
    functions: dict = {}
    for which, side in (("lhs", lhs), ("rhs", rhs)):
        for e in nodes(side, seen=seen):
            if not isinstance(e, sp.Basic):
                raise ProofFileError(f"the {which} has an entry {e!r} that is not a SymPy value")
            if e in NOT_A_NUMBER:  # (before floats: nan is a Float to SymPy)
                raise ProofFileError(f"the {which} has an entry SymPy evaluated to {e} ({NOT_A_NUMBER[e]}): it has a "
                                     "value at no point (a division by zero as written, such as 1/(x − x)), so no "
                                     "verdict is about it")
            if e.is_Float:
                raise ProofFileError(f"the {which} contains the float {e}; {FLOAT_HINT}")
            if isinstance(e, UNDECIDABLE):
                raise ProofFileError(f"the {which} contains an unevaluated {type(e).__name__} "
                                     f"({sp.sstr(e)[:80]}), which no normal form decides; give the function a "
                                     "derivative rule (fdiff), as σ and logistic have")
            if e.is_Symbol:
                symbols.setdefault(e.name, set()).add(e)
            elif isinstance(e, sp.Function):
                functions.setdefault(e.func.__name__, set()).add(e.func)
    for name, objs in sorted(symbols.items()):
        if len(objs) > 1:
            shown = " and ".join(sorted(_describe_symbol(x) for x in objs))
            raise ProofFileError(f"distinct symbols share the name {name!r}: {shown}; backends and certificates "
                                 "name values by symbol, so they would be one. Use the model's own symbol "
                                 "(sp.Symbol(name) with no assumptions, m.vector, m.h(0)) or another name")
    for name, objs in sorted(functions.items()):
        if len(objs) > 1:
            shown = " and ".join(sorted(_describe_function(f) for f in objs))
            raise ProofFileError(f"distinct functions share the name {name!r}: {shown}; backends name "
                                 "functions by name, so they would be one. Use the model's (m.sigma, "
                                 "m.dsigma) or another name")


# ----- √ and |·|: a canonical form from exact factorisation and known signs -----------------------------

#: functions of a value the canonical form reads through |·|: max(a, b) = (a + b + |a − b|)/2, min likewise, and
#: Heaviside(u) = (1 + u/|u|)/2 (SymPy's derivative of max and min; where u ≠ 0, the kink excluded)
_THROUGH_ABS = (sp.Max, sp.Min, sp.Heaviside)


def _has_radicals(exprs) -> bool:
    for e in nodes(*exprs):
        if isinstance(e, sp.Basic) and (e.func in (sp.Abs, sp.sign) or e.func in _THROUGH_ABS or (
                e.is_Pow and e.exp.is_Rational and not e.exp.is_Integer)):
            return True
    return False


def _known_sign(f) -> int:
    """The sign of a real polynomial factor when SymPy's assumptions prove it (λ declared > 0, λ² + 1), or when it
    is a value of the logistic function or of exp (> 0 for every real argument), else 0."""
    from .functions import logistic

    if f.func in (logistic, sp.exp):
        return 1
    if f.is_positive:
        return 1
    if f.is_negative:
        return -1
    return 0


def _abs_poly(p, power: int = 1):
    """|p|^power (an integer power) for a real polynomial p, factor by factor: |c·∏ fᵢ^kᵢ| = |c|·∏ |fᵢ|^kᵢ, where
    |f|^(2j) = f^(2j), |f| = ±f when f's sign is proved, else |f|^k = f^(k−1)·|f| for odd k (of either sign), so
    the atom |f| appears to the first power only and |f|·|f| is never a second name for f²."""
    c, facs = sp.factor_list(sp.expand(p))
    out = abs(c) ** power
    for f, k in facs:
        k *= power
        s = _known_sign(f)
        out *= f ** k if k % 2 == 0 else (s * f) ** k if s else f ** (k - 1) * sp.Abs(f)
    return out


def _abs(a, power: int = 1):
    """|a|^power for a real rational function a and an integer power."""
    num, den = sp.fraction(sp.together(a))
    return _abs_poly(num, power) * _abs_poly(den, -power)


def _sqrt(b):
    """√b for a real rational function b = N/D: √(N·D)/|D|, then √(c·∏ fᵢ^kᵢ) = √|c| · ∏ |fᵢ|^⌊kᵢ/2⌋ ·
    √(sign(c)·∏ fᵢ^(kᵢ mod 2)) (each step exact for real values, with the principal branch: a square pulled out
    is ≥ 0, and √(c·P) = √|c|·√(±P))."""
    num, den = sp.fraction(sp.together(b))
    c, facs = sp.factor_list(sp.expand(num * den))
    out, inner = sp.sqrt(abs(c)), sp.sign(c)
    for f, k in facs:
        if k // 2:
            out *= _abs_poly(f) ** (k // 2)
        if k % 2:
            inner *= f
    inner = sp.expand(inner)
    return out * (sp.sqrt(inner) if inner != 1 else 1) * _abs_poly(den, -1)


def _non_real_constant(a) -> bool:
    """Whether ``a`` holds a constant that is not real (i, a root of a negative number such as (−1)^(1/3))."""
    if not isinstance(a, sp.Basic):
        return False
    if a.has(sp.I):
        return True
    return any(p.is_number and p.is_extended_real is False for p in a.atoms(sp.Pow))


def canonical_radicals(exprs: list) -> list:
    """Each expression with √ (and odd powers of it), |·| and sign rewritten canonically (exact, never
    ``simplify``): |a| and √a from the exact factorisation of a's numerator and denominator, a factor's sign
    from the variables' declared signs; sign(a) = a/|a| (where a ≠ 0: the scope's cleared denominators say so).

    Every value is real (free variables are declared real; σ and the model's values are real), so each
    rewrite is an identity of real functions; what remains (√ of a square-free polynomial, |f| of a factor of
    unknown sign) is an atom of the normal form. Expressions without radicals are returned as they are."""
    if not _has_radicals(exprs):
        return list(exprs)
    memo: dict = {}

    def run(e):
        if not isinstance(e, sp.Basic) or not e.args or e.is_Atom:
            return e
        got = memo.get(e)
        if got is not None:
            return got
        try:
            r = rewrite(e)
        except (sp.PolynomialError, NotImplementedError):  # not a rational function of generators: an atom as it is
            r = e.func(*[run(a) for a in e.args]) if e.args else e
        memo[e] = r
        return r

    def rewrite(e):
        args = [run(a) for a in e.args]
        if (e.func in (sp.Abs, sp.sign) or e.is_Pow) and _non_real_constant(e.args[0]):
            # each rewrite below is an identity of real functions only: √((a + i)²) is not |a + i| = √(a² + 1)
            return e.func(*args) if any(x is not y for x, y in zip(args, e.args)) else e
        if e.func is sp.Abs:
            r = _abs(args[0])
        elif e.is_Pow and e.exp.is_Integer and e.base.func is sp.Abs:
            r = _abs(run(e.base.args[0]), int(e.exp))
        elif e.func is sp.sign:
            a = args[0]
            r = a / _abs(a)
        elif e.func in (sp.Max, sp.Min):  # folded from the left, each step through |·| (exact for real values)
            up = 1 if e.func is sp.Max else -1
            r = args[0]
            for b in args[1:]:
                r = (r + b + up * _abs(r - b)) / 2
        elif e.func is sp.Heaviside:  # (1 + sign u)/2 where u ≠ 0: d max(a, b) has no value at a tie
            a = args[0]
            r = (1 + a / _abs(a)) / 2
        elif e.is_Pow and e.exp.is_Rational and not e.exp.is_Integer and e.exp.q == 2:
            r = _sqrt(args[0]) ** int(e.exp.p)
        elif any(x is not y for x, y in zip(args, e.args)):
            r = e.func(*args)
        else:
            r = e
        return r

    return [run(sp.sympify(e)) for e in exprs]


def nonzero_entries(lhs: sp.Matrix, rhs: sp.Matrix, backend: str = "symengine",
                    cleared: list | None = None, split: list | None = None) -> list[tuple[int, int]]:
    """The entries (i, j) where lhs − rhs has a non-zero normal form.

    The normal form is that of a rational function: denominators are cleared
    (multiplied out) before expanding, so an identity with a matrix inverse is
    decided; it then holds where the denominators are not 0, and ``cleared``
    (a list, if given) receives each denominator that was cleared. ``split`` (a
    list, if given) receives, for each entry found zero only in every case of
    the signs of its |·| atoms (:func:`_zero_in_every_sign_case`), their number.
    """
    try:
        decide = BACKENDS[backend]
    except KeyError:
        raise ValueError(f"backend={backend!r} must be one of {sorted(BACKENDS)}") from None
    if lhs.shape != rhs.shape:
        lhs - rhs  # SymPy's ShapeError, as before
    idx = [(i, j) for i in range(lhs.rows) for j in range(lhs.cols)]
    raw = {(i, j): (lhs[i, j], rhs[i, j]) for i, j in idx}
    if _has_radicals([*lhs, *rhs]):
        lhs = sp.Matrix(lhs.rows, lhs.cols, canonical_radicals(list(lhs)))
        rhs = sp.Matrix(rhs.rows, rhs.cols, canonical_radicals(list(rhs)))
    def decide_sides(ls: list, rs: list) -> list:
        if backend == "symengine":
            return _flint_sides_is_zero(ls, rs, cleared)
        return decide([a - b for a, b in zip(ls, rs)], cleared)

    zero = decide_sides([lhs[i, j] for i, j in idx], [rhs[i, j] for i, j in idx])
    for k, (i, j) in enumerate(idx):
        if not _zero_where_a_step_argument_is_zero(*raw[i, j], decide_sides):
            zero[k] = False  # Heaviside(u) + Heaviside(−u) = 1 reads 1 for u ≠ 0 with no split at all
        elif not zero[k]:
            zero[k] = _zero_in_every_sign_case(lhs[i, j], rhs[i, j], decide_sides)
            if zero[k] and split is not None:
                split.append(len(sign_atoms(lhs[i, j], rhs[i, j])))
    return [ij for ij, z in zip(idx, zero) if not z]


#: the most sign atoms |f| one entry may split on (2^k cases, each a normal form); beyond, the entry stays not zero
MAX_SIGN_ATOMS = 8


def sign_atoms(*exprs) -> list:
    """The atoms |f| (f of a sign no declaration fixes) of canonical expressions, innermost first."""
    return list(dict.fromkeys(e for e in nodes(*exprs) if isinstance(e, sp.Basic) and e.func is sp.Abs))[::-1]


def sign_case(e, pattern: dict):
    """e with each |f| read as s·f, s = pattern[|f|] ∈ {1, −1} (inner atoms first: |g(|f|)| is s'·g(s·f))."""
    memo: dict = {}

    def run(x):
        if not isinstance(x, sp.Basic) or not x.args or x.is_Atom:
            return x
        got = memo.get(x)
        if got is None:
            args = [run(a) for a in x.args]
            got = pattern[x] * args[0] if x.func is sp.Abs else (
                x.func(*args) if any(a is not b for a, b in zip(args, x.args)) else x)
            memo[x] = got
        return got

    return run(e)


def _zero_where_a_step_argument_is_zero(a, b, decide_sides) -> bool:
    """sign(u) and Heaviside(u) have values at u = 0 (0 and SymPy's 1/2) where their readings u/|u| and
    (1 + u/|u|)/2 have none, so the sign split (which reads u/|u| as ±1) says nothing there: sign(u)² = 1 and
    Heaviside(u)² = Heaviside(u) are false at u = 0. For each such u, a − b is also asked to be 0 with sign(u),
    Heaviside(u) and |u| at their values at u = 0, and u itself put to 0 where u = c·s + (terms without s) for a
    number c (else u is left free: a function zero for every u is zero at u = 0 where defined; this only asks
    more, so a true sign(z)·|z| = z on a model's z = W h + U x is not decided); a side with no value there (1/|u|, a
    derivative's undefined kink) asks nothing. Asked of every entry with sign or Heaviside, zero with or without
    the split.
    Every set of them at once ((1 − sign(a)²)(1 − sign(b)²) = 0 is false at a = b = 0 only); more than
    MAX_STEP_ARGUMENTS of them, and the entry is not split."""
    import itertools

    steps = [e for e in nodes(a, b) if isinstance(e, sp.Basic) and e.func in (sp.sign, sp.Heaviside)]
    us = list(dict.fromkeys(e.args[0] for e in steps))
    if len(us) > MAX_STEP_ARGUMENTS:
        return False
    for zs in (zs for r in range(1, len(us) + 1) for zs in itertools.combinations(us, r)):
        at0 = {e: e.func(0, *e.args[1:]) for e in steps if e.args[0] in zs}
        for u in zs:
            at0.update({sp.Abs(u): sp.Integer(0), sp.Abs(-u): sp.Integer(0)})
        za, zb = (sp.sympify(x).xreplace(at0) for x in (a, b))
        for u in zs:  # u = 0 itself where u is c·s + (the rest without s), c a number: s = −rest/c
            s_ = next((v for v in sorted(u.free_symbols, key=sp.default_sort_key)
                       if sp.diff(u, v).is_number and sp.diff(u, v) != 0), None)
            if s_ is not None:
                sol = s_ - u / sp.diff(u, s_)
                za, zb = sp.expand(za.subs(s_, sol)), sp.expand(zb.subs(s_, sol))
        if any(x.has(sp.zoo, sp.nan, sp.oo, -sp.oo) for x in (za, zb)):
            continue
        za, zb = canonical_radicals([za, zb]) if _has_radicals([za, zb]) else (za, zb)
        if not all(decide_sides([za], [zb])) and not _zero_in_every_sign_case(za, zb, decide_sides):
            return False
    return True


#: the most distinct arguments of sign/Heaviside one entry may hold for the sign split (2^k − 1 sets asked at 0)
MAX_STEP_ARGUMENTS = 4


def _zero_in_every_sign_case(a, b, decide_sides) -> bool:
    """Is a − b zero in every case of the signs of its |·| atoms (each |f| read as f and as −f)?

    Sound for an identity of real values: at any real point each |f| equals s·f for s = sign f (either s where
    f = 0), so a − b there is its value in one case, and a zero normal form in every case makes it 0 everywhere
    (infeasible cases are decided too: the split asks more than the claim, never less). This is where S² = 1 is
    used (|f|·|f| = f², max(0, z)·z = max(0, z)²), which a single normal form with |f| an independent atom does
    not see. At most MAX_SIGN_ATOMS atoms; otherwise (and when a case is not zero) the entry stays not zero."""
    import itertools

    atoms = sign_atoms(a, b)
    if not atoms or len(atoms) > MAX_SIGN_ATOMS or any(_non_real_constant(x.args[0]) for x in atoms):
        return False  # |a + i| is no ±(a + i): the split reads real values only
    ls, rs = [], []
    for signs in itertools.product((1, -1), repeat=len(atoms)):
        pattern = dict(zip(atoms, signs))
        ls.append(sign_case(a, pattern))
        rs.append(sign_case(b, pattern))
    return all(decide_sides(ls, rs))


def nonzero_modulo(lhs: sp.Matrix, rhs: sp.Matrix, relations) -> list[tuple[int, int]]:
    """The entries where lhs − rhs is not in the ideal of ``relations`` (e.g. c² + s² − 1).

    Exact: each entry's numerator is reduced by a Gröbner basis of the relations
    (SymPy's ``groebner``/``reduced``), so cos²θ + sin²θ = 1 written as
    polynomials in c, s is used and nothing else.
    """
    diff = lhs - rhs
    # a function applied to constants (σ(0), g(1), tanh(1)) is an unknown number that may vanish: it is a
    # generator of the ring like a symbol, never a coefficient that Gröbner reduction could divide by
    atoms = set().union(*(sp.sympify(r).atoms(sp.Function) for r in relations), *(e.atoms(sp.Function) for e in diff))
    as_gen = {a: sp.Dummy(f"atom{k}") for k, a in enumerate(sorted(atoms, key=sp.default_sort_key))}
    rels = [sp.expand(sp.sympify(r).xreplace(as_gen)) for r in relations]
    gens = sorted(set().union(*(r.free_symbols for r in rels)), key=sp.default_sort_key)
    out = []
    for i in range(diff.rows):
        for j in range(diff.cols):
            num, _ = sp.fraction(sp.together(sp.expand(diff[i, j].xreplace(as_gen))))
            num = sp.expand(num)
            if num == 0:
                continue
            syms = sorted(num.free_symbols | set(gens), key=sp.default_sort_key)
            G = sp.groebner(rels, *syms, order="grevlex")
            _, rem = G.reduce(num)
            if sp.expand(rem) != 0:
                out.append((i, j))
    return out
