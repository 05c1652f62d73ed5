"""Holds for every t: a closed form proved by induction over the horizon.

For a time-invariant cell h_t = f(h_{t−1}, x_t; θ) the truth X_t = dh_t/dθ
obeys X_t = J_t X_{t−1} + P_t, with J_t = ∂f/∂h_{t−1} and P_t = ∂f/∂θ the
explicit partials of one step (the chain rule; P_t = 0 when θ is a state h_j
and t > j). A claimed C_t therefore equals X_t for every t ≥ t₀ if

* (base) C_{t₀} = X_{t₀}: decided by the exact engine (the concrete sweep);
* (step) C_t = J_t C_{t−1} + P_t for every t ≥ t₀ + 1, as an identity.

The step is decided at a fixed n with t symbolic. The proof's own check is run
twice on an :class:`InductionModel`: at horizon t−1 (run B) and at horizon t
(run A). Its states are free symbols per step (``h[t-1][0]``); every quantity
of a step is the cell's own step function at those symbols. A sum or ordered
product over a range of symbolic length (``total(family, shape, lo=1, hi=t-1)``,
``product(factor, k+1, t, ...)``) is a formal object:

* in run B it is an opaque matrix: a matrix of fresh symbols, the same symbols
  for the same product (same order, range and factor at a generic index);
* in run A what reaches the top index is peeled: the newest factor of a
  product (leftmost when descending, rightmost when ascending), the last term
  of a sum; the product's remainder is then run B's opaque product, and the
  sum's remainder is L · S (or S · R) where S is run B's opaque sum and L is
  found exactly from the summand at a generic index (summand_A(κ) = L ·
  summand_B(κ) identically), then verified.

The step identity is then decided entry by entry by the same normal form as
the engine's: linear over the opaque matrices, every other symbol free. An
identity in free symbols stays one under any substitution, so it holds on every
trajectory and every range. A truth dh_{t−1}/dθ that the claim itself uses
(a recursion such as Lemma 2) is replaced by C_{t−1}, the induction hypothesis.
Anything else (a horizon used as a number, ``range(1, m.t)``, a derivative of
something other than the state, a cell with two states) is refused with a
reason, and the claim keeps its concrete verdict and scope.
"""
from __future__ import annotations

import itertools
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

import sympy as sp

from . import notation
from .cells import StepScope
from .errors import SymderivError
from .identity import nonzero_entries
from .protocol import bind_parameters

HORIZON = "t"


class Unsupported(SymderivError):
    """A claim the induction cannot handle: it keeps its concrete verdict."""


class EmptyRange(Unsupported):
    """A sum or product whose top cannot be peeled for some t of the step: its range may be empty."""


@dataclass(frozen=True, eq=False)
class Ix:
    """A step index base + off: base None (a number), "t" (the horizon) or a generic index ("k1").

    Only index ± integer is defined. A comparison whose answer depends on the
    value of t or of a generic index (``r == m.t``, ``k < 3``, ``min(r, t)``) is
    refused: a check that branches on it would mean one thing at a generic index
    and another at some concrete one.
    """

    base: str | None
    off: int

    def _cmp(self, other, op):
        o = other if isinstance(other, Ix) else (Ix(None, other) if isinstance(other, int) else None)
        if o is None or o.base != self.base:
            raise Unsupported(f"the check compares the step index {self} with {other!r}, which depends on t")
        return op(self.off, o.off)

    def __eq__(self, other):
        return self._cmp(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self._cmp(other, lambda a, b: a != b)

    def __lt__(self, other):
        return self._cmp(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._cmp(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._cmp(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._cmp(other, lambda a, b: a >= b)

    def __hash__(self):
        return hash((self.base, self.off))

    def __add__(self, c):
        if isinstance(c, bool) or not isinstance(c, int):
            raise Unsupported(f"the index {self} is used with {c!r}: only index ± integer is an index")
        return Ix(self.base, self.off + c)

    __radd__ = __add__

    def __sub__(self, c):
        if isinstance(c, bool) or not isinstance(c, int):
            raise Unsupported(f"the index {self} is used with {c!r}: only index ± integer is an index")
        return Ix(self.base, self.off - c)

    def __str__(self):
        if self.base is None:
            return str(self.off)
        return self.base + (f"{self.off:+d}" if self.off else "")


def ix(k) -> Ix:
    if isinstance(k, Ix):
        return Ix(None, k.off) if k.base is None else k
    if isinstance(k, int) and not isinstance(k, bool):
        return Ix(None, k)
    raise Unsupported(f"{_show(k)} is not a step index (an integer or the horizon ± an integer)")


def _plain(k: Ix):
    return k.off if k.base is None else k


@dataclass
class Context:
    """One step check: the runs' shared opaque objects."""

    n: int
    t_min: int                      # the step is claimed for t ≥ t_min
    mode: str = "opaque"            # "opaque" (run B) or "peel" (run A)
    products: dict = field(default_factory=dict)  # key -> opaque matrix
    sums_b: list = field(default_factory=list)    # run B's opaque sums: (family, lo, hi, shape, matrix)
    upper: dict = field(default_factory=dict)     # generic base -> its upper bound's offset from t
    deps: dict = field(default_factory=dict)      # opaque symbol -> generic bases it depends on
    counter: itertools.count = field(default_factory=itertools.count)
    peeled: list = field(default_factory=list)    # what was peeled, for the scope line

    within: list = field(default_factory=list)    # the generic indices whose summand is being evaluated
    lowest: int = 0                               # the smallest offset o of a step t + o the claim reads

    def fresh(self, label: str, rows: int, cols: int, depends: set) -> sp.Matrix:
        """An opaque matrix; it depends on the generic indices named and on every one being evaluated."""
        k = next(self.counter)
        M = sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{label}{k}[{i},{j}]"))
        for s in M:
            self.deps[s] = set(depends) | set(self.within)
        return M

    def depends_on(self, expr) -> set:
        """The generic indices the symbols of ``expr`` vary with (by their names, and opaque ones by record)."""
        out = set()
        for s in sp.sympify(expr).free_symbols:
            out |= self.deps.get(s, set()) | set(_INDEX.findall(s.name))
        return out

    def generic(self) -> Ix:
        return Ix(f"k{next(self.counter)}", 0)


_ACTIVE: list[Context] = []
#: a generic index (k1, k2, …, and ρ for a factor's key) inside a symbol's name: h[k3-1][0]
_INDEX = re.compile(r"\[(k\d+|ρ)(?:[+-]\d+)?\]")


@contextmanager
def active(ctx: Context):
    """Within: notation's sums and products over a symbolic range are read in ``ctx`` (its mode, its opaques)."""
    _ACTIVE.append(ctx)
    try:
        yield ctx
    finally:
        _ACTIVE.pop()


def _ctx() -> Context:
    if not _ACTIVE:
        raise SymderivError("a sum or product over a symbolic range needs the induction mode")
    return _ACTIVE[-1]


def _bases(*ks: Ix) -> set:
    return {k.base for k in ks if k.base is not None}


def _same_base(lo: Ix, hi: Ix) -> bool:
    return lo.base == hi.base


def _check_nonempty(ctx: Context, lo: Ix, hi: Ix, what: str) -> None:
    """Peeling Σ/Π_{lo}^{hi} needs hi ≥ lo wherever the step is claimed (t ≥ t_min, every generic index)."""
    assert hi.base == HORIZON
    if lo.base is None:
        ok = ctx.t_min + hi.off >= lo.off
    elif lo.base == HORIZON:
        ok = hi.off >= lo.off
    elif lo.base in ctx.upper:  # lo = κ + a with κ ≤ t + c
        ok = hi.off >= ctx.upper[lo.base] + lo.off
    else:
        ok = False
    if not ok:
        raise EmptyRange(f"{what} from {lo} to {hi} may be empty for some t ≥ {ctx.t_min}, so its top "
                          "cannot be peeled")


class Formal:
    """notation's handler for sums and products over a symbolic range (see the module docstring)."""

    def product(self, factor, lo, hi, order, size):
        ctx = _ctx()
        lo, hi = ix(lo), ix(hi)
        if _same_base(lo, hi):  # a range of known length: the product itself
            rs = [lo + d for d in range(hi.off - lo.off + 1)]
            out = sp.eye(size)
            for r in (reversed(rs) if order == "descending" else rs):
                out = out * sp.Matrix(factor(_plain(r)))
            return out
        if ctx.mode == "peel" and hi.base == HORIZON:
            _check_nonempty(ctx, lo, hi, "the product")
            top = sp.Matrix(factor(hi))
            rest = self._opaque_product(ctx, factor, lo, hi - 1, order, size)
            ctx.peeled.append(f"Π newest factor ({order})")
            return top * rest if order == "descending" else rest * top
        return self._opaque_product(ctx, factor, lo, hi, order, size)

    def _opaque_product(self, ctx, factor, lo, hi, order, size):
        rho = Ix("ρ", 0)  # the factor at a generic index, read the same way in both runs: the product's identity
        saved, ctx.mode = ctx.mode, "opaque"
        try:
            at = sp.ImmutableMatrix(factor(rho))
        finally:
            ctx.mode = saved
        key = ("Π", order, str(lo), str(hi), size, at)
        if key not in ctx.products:
            ctx.products[key] = ctx.fresh("Π", size, size, _bases(lo, hi) | (ctx.depends_on(at) - {"ρ"}))
        return ctx.products[key]

    def total(self, term, lo, hi, shape):
        ctx = _ctx()
        lo, hi = ix(lo), ix(hi)
        rows, cols = shape
        if _same_base(lo, hi):
            out = sp.zeros(rows, cols)
            for d in range(hi.off - lo.off + 1):
                out = out + sp.Matrix(term(_plain(lo + d)))
            return out
        if ctx.mode == "peel" and hi.base == HORIZON:
            _check_nonempty(ctx, lo, hi, "the sum")
            top = sp.Matrix(term(hi))
            rest = self._remainder(ctx, term, lo, hi - 1, shape)
            ctx.peeled.append("Σ last term")
            return top + rest
        S = ctx.fresh("Σ", rows, cols, _bases(lo, hi))
        if ctx.mode == "opaque":
            ctx.sums_b.append((term, lo, hi, shape, S))
        return S

    def _remainder(self, ctx, term, lo, hi, shape):
        """Σ_{k=lo}^{hi} term_A(k) as L · S_B or S_B · R, with S_B run B's Σ_{k=lo}^{hi} term_B(k)."""
        k = ctx.generic()
        ctx.upper[k.base] = hi.off
        ctx.within.append(k.base)
        try:
            return self._remainder_at(ctx, term, lo, hi, shape, k)
        finally:
            ctx.within.pop()

    def _remainder_at(self, ctx, term, lo, hi, shape, k):
        a = sp.Matrix(term(k))                        # run A's summand at a generic index, peeled
        why = "no sum over the same range in the claim at horizon t − 1"
        for term_b, lo_b, hi_b, shape_b, S in ctx.sums_b:
            if (str(lo_b), str(hi_b), tuple(shape_b)) != (str(lo), str(hi), tuple(shape)):
                continue
            saved, ctx.mode = ctx.mode, "opaque"
            try:
                b = sp.Matrix(term_b(k))              # run B's summand at the same index, opaque
            finally:
                ctx.mode = saved
            local = _local_symbols(ctx, k.base, a, b)
            L = _solve_left(a, b, local)
            if L is not None and not (L.free_symbols & local):
                return L * S
            R = _solve_left(a.T, b.T, local)
            if R is not None and not (R.free_symbols & local):
                return S * R.T
            why = "its summand at horizon t is not a fixed matrix times the summand at horizon t − 1"
        raise Unsupported(f"the sum from {lo} to {hi + 1} cannot be peeled: {why}")


notation.register_formal(Formal())


def _local_symbols(ctx: Context, base: str, *mats) -> set:
    """The symbols that vary with the generic index ``base``: its states and inputs, its opaque objects."""
    return {s for M in mats for s in M.free_symbols if base in ctx.depends_on(s)}


def _solve_left(a: sp.Matrix, b: sp.Matrix, local: set) -> sp.Matrix | None:
    """L with a = L · b identically in the ``local`` symbols (and the atoms over them), or None.

    Coefficients of each monomial in the local symbols give a linear system for
    each row of L; a solution is verified by the normal form before it is used.
    """
    if a.cols != b.cols:
        return None
    atoms = {f for M in (a, b) for e in M for f in e.atoms(sp.Function) if f.free_symbols & local}
    as_gen = {f: sp.Dummy(f"g{i}") for i, f in enumerate(sorted(atoms, key=sp.default_sort_key))}
    gens = sorted(local, key=sp.default_sort_key) + list(as_gen.values())
    if not gens:
        return None

    def coeffs(e):
        e = sp.expand(e.xreplace(as_gen))
        return sp.Poly(e, *gens).as_dict() if e != 0 else {}

    cb = [[coeffs(b[r, j]) for j in range(b.cols)] for r in range(b.rows)]
    ca = [[coeffs(a[i, j]) for j in range(a.cols)] for i in range(a.rows)]
    eqs = sorted({(j, mono) for row in cb + ca for j, c in enumerate(row) for mono in c},
                 key=lambda x: (x[0], x[1]))
    M = sp.Matrix(len(eqs), b.rows, lambda q, r: cb[r][eqs[q][0]].get(eqs[q][1], 0))
    if not all(e.is_Rational for e in M):
        return None  # coefficients that are not numbers: not solved for (the step is then not proved)
    # a basis of the equations, and the unknowns they pin down; the others are 0; the result is verified
    _, rows = M.T.rref(simplify=False)
    sub = M.extract(list(rows), list(range(M.cols)))
    _, cols = sub.rref(simplify=False)
    inv = sub.extract(list(range(sub.rows)), list(cols)).inv()
    L = sp.zeros(a.rows, b.rows)
    for i in range(a.rows):
        rhs = sp.Matrix(len(rows), 1, lambda q, _: ca[i][eqs[rows[q]][0]].get(eqs[rows[q]][1], 0))
        x = inv * rhs
        for c, v in zip(cols, x):
            L[i, c] = v
    if nonzero_entries(a, L * b):
        return None
    return L


class InductionModel:
    """The model protocol at a symbolic horizon: states are free symbols per step, quantities the cell's step."""

    def __init__(self, base_model, horizon: Ix, ctx: Context):
        self._base = base_model          # a models.Model at the same n (parameters, activations, layout)
        self.cell = base_model.cell
        self.n, self.m, self.layout = base_model.n, base_model.m, base_model.layout
        self.activation, self.loss = base_model.activation, base_model.loss
        self.t = horizon
        self.f = base_model.f
        self.params = base_model.params
        self._ctx = ctx
        self._steps: dict = {}
        self._truths: dict = {}           # Ix -> (wrt, layout, matrix of opaque truth symbols)
        bind_parameters(self, vars(base_model.params))  # m.W_R; a name that would hide the model's own is refused

    def _symbols(self, name: str, k: Ix, rows: int) -> sp.Matrix:
        if k.base == HORIZON:  # the earliest step the claim reads, relative to t
            self._ctx.lowest = min(self._ctx.lowest, k.off)
        return sp.Matrix(rows, 1, lambda i, _: sp.Symbol(f"{name}[{k}][{i}]"))

    def x(self, k) -> sp.Matrix:
        return self._symbols("x", ix(k), self.m)

    def state(self, name: str, k) -> sp.Matrix:
        return self._symbols(name, ix(k), self.n)

    def step(self, k) -> dict:
        """Step k's quantities: the cell's step function at the free states of step k − 1."""
        k = ix(k)
        if k not in self._steps:
            scope = StepScope({}, lambda v: v if isinstance(v, sp.MatrixBase) else sp.Matrix(v))
            prev = SimpleNamespace(**{s: self.state(s, k - 1) for s in self.cell.state})
            ret = self.cell.step(scope, prev, self.x(k), self.params, self.f)
            if ret is not None:
                setattr(scope, self.cell.state[0], ret)
            self._steps[k] = scope._values
        return self._steps[k]

    def at(self, name: str, k):
        if name in self.cell.state:
            return self.state(name, k)
        q = self.step(k)
        if name not in q:
            raise Unsupported(f"the step has no quantity {name!r} (or it is an output, which is not induced on)")
        return q[name]

    def h(self, k):
        return self.at("h", k)

    def sigma(self, v):
        return self.f.sigma(v)

    def dsigma(self, v):
        return self.f.dsigma(v)

    def d(self, of, wrt, *, layout: str | None = None):
        if not (isinstance(of, tuple) and len(of) == 2 and of[0] == self.cell.state[0]):
            raise Unsupported(f"m.d({_show(of)}, …): only the truth d{self.cell.state[0]}_k/dθ is induced on")
        k = ix(of[1])
        if k.base != HORIZON:
            raise Unsupported(f"m.d({_show(of)}, …) at a step that is not the horizon ± an integer")
        key = (str(k), _wrt_key(wrt), layout or self.layout)
        if key not in self._truths:
            rows, cols = self.n, _wrt_cols(self, wrt)
            self._truths[key] = sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"X[{k}][{i},{j}]⟨{key[1]}⟩"))
        return self._truths[key]

    def partial(self, of, wrt, *, layout=None):
        """The explicit partial of a quantity of step k: the Jacobian of the cell's step at the free state of
        step k − 1, with respect to a parameter (in the layout) or to that previous state."""
        if not (isinstance(of, tuple) and len(of) == 2):
            raise Unsupported(f"m.partial({_show(of)}, …): only a quantity of one step")
        k = ix(of[1])
        q = self.step(k)
        if of[0] not in q:
            raise Unsupported(f"the step has no quantity {of[0]!r}")
        value = q[of[0]]
        if isinstance(wrt, tuple) and len(wrt) == 2 and wrt[0] in self.cell.state and str(ix(wrt[1])) == str(k - 1):
            return value.jacobian(list(self.state(wrt[0], k - 1)))
        if isinstance(wrt, str) and wrt in self.cell.params:
            return value.jacobian(list(notation.vec(getattr(self.params, wrt), layout or self.layout)))
        raise Unsupported(f"m.partial(…, {_show(wrt)}): only a parameter or the previous step's state")

    def like(self, *a, **kw):
        raise Unsupported("m.like is not supported in the induction mode")

    def __getattr__(self, name):  # any other model attribute (m.o, m.E, m.states, …)
        if name.startswith("_"):
            raise AttributeError(name)
        raise Unsupported(f"m.{name} is not supported in the induction mode")


def _show(x) -> str:
    """A quantity or index as the claim wrote it: ("E", t-1), not Ix(base='t', off=-1)."""
    if isinstance(x, tuple):
        return "(" + ", ".join(_show(v) for v in x) + ")"
    return str(x) if isinstance(x, Ix) else repr(x)


def _wrt_key(wrt) -> str:
    if isinstance(wrt, tuple):
        return f"{wrt[0]}{ix(wrt[1])}"
    return str(wrt)


def _wrt_cols(m: InductionModel, wrt) -> int:
    if isinstance(wrt, tuple):
        return m.n
    if m.cell.input_of(str(wrt)) == ("init", m.cell.state[0]):
        return m.n
    p = getattr(m.params, wrt, None)
    if p is None:
        raise Unsupported(f"the derivative with respect to {wrt!r}: only a parameter or a state h_j is induced on")
    return p.rows * p.cols


# ----- the proof ------------------------------------------------------------------

@dataclass
class Step:
    proved: bool
    reason: str
    seconds: float = 0.0
    search: bool = False        # not proved, and worth looking for the first t where it breaks
    kind: str = "induction"     # "induction" (base + step) or "generic" (an identity of one step at a free state)
    wrt: object = None          # when proved: what J_t, P_t differentiate with respect to, and the layout
    layout: str = ""
    J: sp.Matrix | None = field(default=None, repr=False)
    P: sp.Matrix | None = field(default=None, repr=False)


def recursion(m: InductionModel, wrt, layout: str, t_min: int) -> tuple[sp.Matrix, sp.Matrix]:
    """(J_t, P_t) of the cell's step at the generic state h_{t−1}, in the claim's layout."""
    t = Ix(HORIZON, 0)
    h_t = m.step(t)[m.cell.state[0]]
    prev = list(m.state(m.cell.state[0], t - 1))
    J = h_t.jacobian(prev)
    if isinstance(wrt, tuple):
        j = ix(wrt[1])
        if wrt[0] != m.cell.state[0] or j.base is not None:
            raise Unsupported(f"the derivative with respect to {wrt!r}: only a state h_j at a fixed j")
        if t_min - 1 < j.off:
            raise Unsupported(f"dh_t/dh_{j.off} is induced from t = {j.off}; the sweep starts at t = {t_min - 1}")
        return J, sp.zeros(m.n, m.n)
    p = getattr(m.params, wrt)
    return J, h_t.jacobian(list(notation.vec(p, layout)))


def _truth_side(m: InductionModel, lhs, rhs):
    """(wrt, layout, C): the claim's closed form C beside the truth at the horizon."""
    tops = {key: M for key, M in m._truths.items() if key[0] == str(m.t)}
    for key, M in tops.items():
        if isinstance(lhs, sp.MatrixBase) and lhs == M:
            return key, sp.Matrix(rhs)
        if isinstance(rhs, sp.MatrixBase) and rhs == M:
            return key, sp.Matrix(lhs)
    raise Unsupported("neither side is the truth dh_t/dθ at the horizon, so there is no recursion to induce on")


def step_check(claim, n: int, t_min: int) -> Step:
    """Decide the inductive step of ``claim`` at size n, for every t ≥ t_min + 1.

    A claim whose sides use no truth dh/dθ at all (an identity of one step,
    such as ∂c_t/∂c_{t−1} = diag(f_t)) needs no induction: decided at the free
    state of a generic step t, it holds for every t ≥ t_min (``kind="generic"``).
    """
    import time

    from .models import Model

    t0 = time.perf_counter()
    if claim.model is None:
        return Step(False, "not induced on: the claim has no model")
    base = Model(claim.model, n=n, t=1, activation=claim.activation, loss=claim.loss,
                 layout=claim.conventions.get("layout", "row-major"))
    try:
        with active(Context(n=n, t_min=t_min)) as ctx:
            m = InductionModel(base, Ix(HORIZON, 0), ctx)
            lhs, rhs = claim.check(m)
            if not m._truths:
                if t_min + ctx.lowest < 0:
                    raise Unsupported(f"the claim reads step t{ctx.lowest:+d}, before step 0 at t = {t_min}")
                bad = nonzero_entries(sp.Matrix(lhs), sp.Matrix(rhs))
                if bad:
                    return Step(False, f"not for every t: at a free state of step t the sides differ at {len(bad)} "
                                "entries (it may hold on trajectories only)", time.perf_counter() - t0, search=True)
                return Step(True, "an identity of one step at a free state", time.perf_counter() - t0,
                            kind="generic")
        return _induction(claim, base, n, t_min, t0)
    except Exception as e:  # the transcription cannot be read at a symbolic t: refused, never a verdict
        why = _one_line(e)
        if isinstance(e, TypeError) and "'Ix'" in why:
            why = f"the horizon m.t is used as a number ({why}); write a sum over steps as a family, " \
                  "total(term, shape, lo=…, hi=…), and a power as power(W, k, size=…)"
        return Step(False, f"not induced on: {why}", time.perf_counter() - t0, search=isinstance(e, EmptyRange))


def _induction(claim, base, n: int, t_min: int, t0: float) -> Step:
    import time

    if len(claim.model.state) != 1:
        raise Unsupported("the recursion of a cell with several states (h, c) is not induced on")
    with active(Context(n=n, t_min=t_min + 1)) as ctx:
        mb = InductionModel(base, Ix(HORIZON, -1), ctx)
        ctx.mode = "opaque"
        key_b, c_b = _truth_side(mb, *claim.check(mb))
        ma = InductionModel(base, Ix(HORIZON, 0), ctx)
        ctx.mode = "peel"
        key_a, c_a = _truth_side(ma, *claim.check(ma))
        if key_a[1:] != key_b[1:]:
            raise Unsupported("the truth at horizon t and at t − 1 are not the same derivative")
        if t_min + 1 + ctx.lowest < 0:
            raise Unsupported(f"the claim reads step t{ctx.lowest:+d}, before step 0 at t = {t_min + 1}")
        wrt = _wrt_of(claim, ma, key_a)
        # the induction hypothesis: the truth at t − 1, wherever the claim itself uses it, is C_{t−1}
        hyp = ma._truths.get((str(Ix(HORIZON, -1)),) + key_a[1:])
        if hyp is not None:
            c_a = c_a.xreplace(dict(zip(hyp, c_b)))
        others = [M for key, M in {**ma._truths, **mb._truths}.items() if key[0] != HORIZON]
        used = set().union(*(M.free_symbols for M in others)) if others else set()
        J, P = recursion(ma, wrt, key_a[2], t_min + 1)
        bad = nonzero_entries(c_a, J * c_b + P)
    if bad:
        stray = used & set().union(*(c_a[i, j].free_symbols for i, j in bad))
        note = " (it uses the truth at an earlier step than t − 1)" if stray else ""
        return Step(False, f"step C_t = J_t C_{{t−1}} + P_t fails at {len(bad)} of {c_a.rows * c_a.cols} "
                    f"entries{note}", time.perf_counter() - t0, search=True)
    peeled = ", ".join(sorted(set(ctx.peeled))) or "nothing to peel"
    return Step(True, f"step proved ({peeled})", time.perf_counter() - t0, wrt=wrt, layout=key_a[2], J=J, P=P)


def _wrt_of(claim, m: InductionModel, key):
    name = key[1]
    if name in m.cell.params:
        return name
    s = m.cell.state[0]
    if name.startswith(s) and name[len(s):].lstrip("-").isdigit():
        return (s, int(name[len(s):]))
    raise Unsupported(f"the derivative with respect to {name}")


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


# ----- the engine's phase: after the concrete sizes hold -----------------------------

#: the largest n the step is decided at (as the exact engine's own reach, engine.AUTO_SYMBOLIC)
MAX_N = 3
#: how many horizons past the sweep the exact engine tries, when the step is not proved, for the first t that breaks
SEARCH_T = 3
#: seconds the search for the first breaking t may take, in all
SEARCH_SECONDS = 20.0


def _recursion_matches(claim, n: int, t0: int, wrt, layout: str, J: sp.Matrix, P: sp.Matrix) -> bool:
    """The recursion X_t = J_t X_{t−1} + P_t, with J_t, P_t of the generic step, at t = t0 + 1 against the
    exact engine's truth (the unrolled model differentiated): the cell is time-invariant and J, P are its
    partials in the claim's layout."""
    from .models import Model

    t = t0 + 1
    mod = Model(claim.model, n=n, t=t, activation=claim.activation, loss=claim.loss, layout=layout)
    s = claim.model.state[0]
    subs = {sp.Symbol(f"{s}[t-1][{i}]"): mod.h(t - 1)[i] for i in range(n)}
    subs |= {sp.Symbol(f"x[t][{i}]"): mod.x(t)[i] for i in range(mod.m)}
    J, P = J.xreplace(subs), P.xreplace(subs)
    return not nonzero_entries(mod.d((s, t), wrt, layout=layout), J * mod.d((s, t - 1), wrt, layout=layout) + P)


def extend(claim, outcomes, *, seed: int = 0) -> tuple[bool, str]:
    """(for every t, the scope's addition) for an identity that holds at every size of its sweep.

    The base is the concrete outcome at the sweep's smallest t for that n
    (exact, never F_p); the step is :func:`step_check`. At an n where the
    step is not proved the claim keeps its scope, and the exact engine looks
    a few horizons past the sweep for the first t where it breaks.
    """
    from .sizes import format_values

    if "t" in claim.sizes.fixed or not outcomes or any("t" not in o.size for o in outcomes):
        return False, ""
    by_n: dict = {}
    for o in outcomes:
        by_n.setdefault(o.size.get("n", 1), []).append(o)
    proved, failed, refused = [], [], []
    for n, outs in sorted(by_n.items()):
        if n > MAX_N:
            continue
        base = min(outs, key=lambda o: o.size["t"])
        t0 = base.size["t"]
        if base.method == "fp":
            refused.append((n, "the base case was decided over F_p, not exactly"))
            continue
        st = step_check(claim, n, t0)
        if st.proved and st.kind == "induction" and not _recursion_matches(claim, n, t0, st.wrt, st.layout, st.J,
                                                                            st.P):
            st = Step(False, "the recursion X_t = J_t X_{t−1} + P_t of the generic step does not match the "
                             "engine's truth at t = t0 + 1 (a cell that is not time-invariant?)")
        (proved if st.proved else failed if st.search else refused).append((n, st.reason, t0, st.kind))
    if not (proved or failed or refused):
        return False, ""
    t0s = sorted({p[2] for p in proved})
    how = "induction: base exact, step proved" if all(p[3] == "induction" for p in proved) else \
        "an identity of one step, decided at a free state of step t"
    if proved and not failed and not refused and len(t0s) == 1 and len(proved) == len(by_n):
        ns = format_values([p[0] for p in proved])
        return True, f"; for every t ≥ {t0s[0]} at n = {ns} ({how})"
    parts = []
    if proved:
        parts.append(f"for every t at n = {format_values([p[0] for p in proved])} ({how})")
    reasons: dict = {}
    for n, why, *_ in failed + refused:
        reasons.setdefault(why, []).append(n)
    for why, ns in reasons.items():
        parts.append(f"not for every t at n = {format_values(ns)}: {why}")
    note = "; " + "; ".join(parts)
    if failed:
        n = min(f[0] for f in failed)
        note += "; " + _first_break(claim, n, max(o.size["t"] for o in by_n[n]), seed)
    elif refused:
        note += "; shown only at the sizes checked"
    return False, note


def _first_break(claim, n: int, t_max: int, seed: int) -> str:
    import time

    from .engine import Phases, check_identity_at

    start = time.perf_counter()
    for t in range(t_max + 1, t_max + 1 + SEARCH_T):
        if time.perf_counter() - start > SEARCH_SECONDS:
            break
        try:
            o, found = check_identity_at(claim, {"n": n, "t": t}, backend="symengine", seed=seed, phases=Phases())
        except Exception:
            break
        if o.status.value == "fails":
            return f"right only at the sizes checked: it breaks at t = {t} (n = {n}): {o.detail}"
        if o.status.value != "holds":
            break
    else:
        return f"shown only at the sizes checked (the exact engine finds it right up to t = {t_max + SEARCH_T} " \
               f"at n = {n})"
    return "shown only at the sizes checked"
