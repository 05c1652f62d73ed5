"""Recurrent cells and their symbolic unrolling.

A :class:`Cell` is a few lines of Python: a step function that assigns the
step's named quantities (``s.h = ...``) from the previous state, the input and
named parameters. :class:`Model` unrolls a cell for hidden size n and horizon t
into explicit SymPy expressions over symbols for every parameter entry, the
initial state, the inputs and the targets. Assignments go through a scope, so
any quantity of any step can be replaced by fresh symbols: that is how exact
derivatives with respect to intermediate quantities (dh_t/dh_k, dE_t/do_t) are
taken, by differentiating the re-unrolled expression (see derivatives.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import SimpleNamespace
from typing import Mapping

import sympy as sp

from . import notation
from .cells import OUTPUT_QUANTITIES, Cell, Dim, StepScope, dimension
from .derivatives import SumOf, explicit_partial, total_derivative
from .errors import ProofFileError, SizeError
from .functions import Activation, activation
from .protocol import bind_parameters
from .values import exact_value
from .variables import entry


def _as_matrix(value) -> sp.Matrix:
    if isinstance(value, sp.MatrixBase):
        return value
    return sp.Matrix(value) if isinstance(value, (list, tuple)) else sp.Matrix([[value]])


#: The losses a claim names; a cell may declare its own instead (``cell(..., loss=...)``: loss "cell").
LOSSES = ("abstract", "squared", "cross-entropy", "cell")
#: The layouts the engine reads from ``conventions={"layout": ...}``.
LAYOUTS = ("row-major", "col-major")


def check_layout(layout, where: str = "layout") -> str:
    if layout not in LAYOUTS:
        raise ProofFileError(f"{where}={layout!r} must be one of {LAYOUTS} (the engine reads it to order the "
                             "Jacobian's columns; describe anything else under another key)")
    return layout


def resolve_loss(cell: Cell, kind: str | None) -> str:
    """The loss a model uses: the cell's own when it declares one (the claim may then name no other)."""
    if cell.loss is not None:
        if kind not in (None, "abstract", "cell"):
            raise ProofFileError(f"cell {cell.name!r} declares its own loss; loss={kind!r} would be a second one")
        return "cell"
    if kind is None:
        return "abstract"
    if kind == "cell":
        raise ProofFileError(f"loss='cell' but cell {cell.name!r} declares no loss (cell(..., loss=...))")
    return kind


def _elementwise(fn):
    return lambda v: (v.applyfunc(fn) if isinstance(v, sp.MatrixBase) else fn(v))


def _loss(kind: str, cell: Cell | None = None, f=None):
    if kind == "cell":  # the cell's own loss sees o_t and y_t as columns, as its step sees vectors
        return lambda o, y: cell.loss(sp.Matrix(o), sp.Matrix(y), f)
    if kind == "squared":
        return lambda o, y: sum((a - b) ** 2 for a, b in zip(o, y)) / 2
    if kind == "cross-entropy":
        return lambda o, y: -sum(b * sp.log(a) for a, b in zip(o, y))
    if kind == "abstract":
        return lambda o, y: AbstractLoss(*o, *y)
    raise ProofFileError(f"loss={kind!r} must be one of {LOSSES[:3]} (or a loss of the cell's own)")


class AbstractLoss(sp.Function):
    """E(o, y), an abstract differentiable loss; its partials are atoms ∂_iE(o, y)."""

    def fdiff(self, argindex=1):
        return _loss_partial(argindex)(*self.args)


_PARTIALS: dict[int, type] = {}


def _loss_partial(i: int):
    if i not in _PARTIALS:
        _PARTIALS[i] = sp.Function(f"dE{i}")
    return _PARTIALS[i]


#: the assumption facts SymPy may ask of tanh(z); see _quiet_tanh
_TANH_FACTS = ("real", "extended_real", "finite", "infinite", "complex", "zero", "nonzero", "positive", "negative",
               "nonnegative", "nonpositive", "extended_positive", "extended_negative", "extended_nonnegative",
               "extended_nonpositive", "extended_nonzero", "rational", "irrational", "algebraic", "transcendental",
               "integer", "noninteger", "imaginary", "even", "odd", "prime", "composite")


def _quiet_tanh(z) -> None:
    """Settle tanh(z)'s assumptions as unknown when z is symbolic (performance only; issue 14.10).

    SymPy answers ``tanh(z).is_real`` by expanding z into real and imaginary parts
    (``as_real_imag``), and it asks that (and ``is_finite``, ``is_zero``, …) of every
    factor whenever it builds a product: on an LSTM, whose tanh arguments nest
    tanh and the logistic, building the sides took 42 of 45 s at n = 2, t = 3.
    "Unknown" is always a true answer for an assumption (it only forgoes a
    simplification, and no identity is decided by SymPy's simplification), and
    ``tanh(z)`` is one cached object, so the tanh that the step, its derivative
    (1 − tanh(z)²) and the check build is the one settled here.
    """
    if isinstance(z, sp.Expr) and not z.is_number:
        e = sp.tanh(z)
        if isinstance(e, sp.tanh):
            if e._assumptions is e.default_assumptions:
                e._assumptions = e._assumptions.copy()
            for fact in _TANH_FACTS:
                e._assumptions.setdefault(fact, None)


@dataclass
class Model:
    """A cell unrolled symbolically for sizes n (hidden), m (input), t (horizon)."""

    cell: Cell
    n: int = 2
    t: int = 3
    m: int = 1
    activation: Activation | str = "abstract"
    loss: str = "abstract"
    layout: str = "row-major"
    init: dict | None = None  # state name -> initial value (default: fresh symbols h0[i])
    conventions: dict | None = None  # the claim's conventions: a layout it states binds every m.d / m.partial
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for name in ("n", "t", "m"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise SizeError(f"{name}={v!r} must be a positive integer")
        self.activation = activation(self.activation)
        self.loss = resolve_loss(self.cell, self.loss)
        check_layout(self.layout)
        for name, fn in (("log", sp.log), ("exp", sp.exp)):  # for a loss of the cell's own (cross-entropy)
            setattr(self.f, name, _elementwise(fn))
        self._lossf = _loss(self.loss, self.cell, self.f)
        bind_parameters(self, vars(self.params))  # m.W_R: the model protocol
        unknown = sorted(set(self.init or {}) - set(self.cell.state))
        if unknown:
            raise ProofFileError(f"init names {unknown}, which are not states of {self.cell.name!r} "
                                 f"(its states: {list(self.cell.state)})")
        for s, v in (self.init or {}).items():
            if not isinstance(v, sp.MatrixBase) or v.shape != (self.n, 1):
                shape = f"{v.rows}×{v.cols}" if isinstance(v, sp.MatrixBase) else type(v).__name__
                raise ProofFileError(f"init[{s!r}] must be an {self.n}×1 matrix, not {shape}")

    def __getattr__(self, name):
        """Only for a name the model does not have (a typo'd parameter): say what it has instead."""
        if name.startswith("_") or "cell" not in self.__dict__:
            raise AttributeError(name)
        raise AttributeError(f"the model of cell {self.cell.name!r} has no {name!r}: its parameters are "
                             f"{', '.join(sorted(self.cell.params))}; its states {', '.join(self.cell.state)} "
                             "(m.h(k), m.at(name, k))")

    # ----- symbols -----------------------------------------------------------
    def dim(self, d: Dim) -> int:
        return dimension(d, n=self.n, m=self.m)

    @property
    def _outputs(self) -> int:
        return self.dim(self.cell.outputs)

    @staticmethod
    def _symbols(name: str, rows: int, cols: int) -> sp.Matrix:
        return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(entry(name, i, None if cols == 1 else j)))

    @cached_property
    def params(self) -> SimpleNamespace:
        return SimpleNamespace(**{
            name: self._symbols(name, self.dim(r), self.dim(c)) for name, (r, c) in self.cell.params.items()
        })

    def like(self, cell: Cell, **changes) -> "Model":
        """Another model at the same sizes and activation, sharing every symbol of the same name."""
        kw = dict(n=self.n, t=self.t, m=self.m, activation=self.activation, layout=self.layout,
                  conventions=self.conventions)
        if cell.loss is None and self.loss != "cell":
            kw["loss"] = self.loss
        kw.update(changes)
        return Model(cell, **kw)

    def vector(self, name: str, rows: Dim = "n") -> sp.Matrix:
        """A column of symbols ``name[i]``: the model's own where the name is the model's (``h0``)."""
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("δ"):
            raise ProofFileError(f"vector name {name!r} must be an identifier not starting with δ "
                                 "(δ names the fresh symbols of derivatives)")
        return self._symbols(name, self.dim(rows), 1)

    def x(self, k: int) -> sp.Matrix:
        self.check_step(k, lo=1)
        return self._symbols(f"x{k}", self.m, 1)

    def y(self, k: int) -> sp.Matrix:
        self.check_step(k, lo=1)
        return self._symbols(f"y{k}", self._outputs, 1)

    def initial(self, name: str) -> sp.Matrix:
        return self._symbols(f"{name}0", self.n, 1)

    @cached_property
    def f(self) -> SimpleNamespace:
        """The activations a step calls, elementwise on vectors."""
        act = self.activation

        def ew(fn, tanh=False):
            def quiet(z):  # tanh(z) made (and its assumptions settled) before fn builds on it: performance only
                _quiet_tanh(z)
                return fn(z)

            g = quiet if tanh else fn
            return lambda v: (v.applyfunc(g) if isinstance(v, sp.MatrixBase) else g(v))

        is_tanh = act.name == "tanh"
        return SimpleNamespace(
            sigma=ew(act.value, is_tanh), dsigma=ew(act.derivative, is_tanh),
            tanh=ew(sp.tanh, True), dtanh=ew(lambda z: 1 - sp.tanh(z) ** 2, True),
            logistic=ew(activation("logistic").value), softmax=notation.softmax,
        )

    # ----- unrolling ---------------------------------------------------------
    def check_step(self, k: int, lo: int = 0):
        if not isinstance(k, int) or not lo <= k <= self.t:
            raise IndexError(f"step {k!r} is outside {lo}..{self.t} for this model (t = {self.t})")

    def run_step(self, k: int, prev: Mapping[str, sp.Matrix], overrides: Mapping[str, sp.Matrix]) -> dict:
        scope = StepScope(overrides, _as_matrix)
        q = self.cell.call(scope, SimpleNamespace(**prev), self.x(k), self.params, self.f,
                           y=lambda: self.y(k), k=k, n=self.n, m=self.m, t=self.t)
        shadow = [name for name in q if name in self.cell.params]
        if shadow:
            raise ProofFileError(f"cell {self.cell.name!r} assigns the quantity {shadow[0]!r}, which is also a "
                                 "parameter (m.d(..., name) and m.at(name, k) could mean either); rename it")
        if self.cell.output is not None and any(name in q for name in OUTPUT_QUANTITIES):
            raise ProofFileError(f"cell {self.cell.name!r} has an output, which adds the quantities "
                                 f"{OUTPUT_QUANTITIES} to every step; its step may not assign them; rename it")
        missing = [s for s in self.cell.state if s not in q]
        if missing:
            raise ProofFileError(f"cell {self.cell.name!r} does not assign its state {missing} in a step")
        if self.cell.output is not None:
            setattr(scope, "o", self.cell.output(SimpleNamespace(**q), self.params, self.f))
            setattr(scope, "E", self._lossf(list(q["o"]), list(self.y(k))))
        return q

    def trajectory(self, override: tuple[str, int, sp.Matrix] | None = None) -> list[dict]:
        """Every step's quantities; ``override=(name, k, value)`` replaces one quantity."""
        key = None if override is None else (override[0], override[1], tuple(override[2]))
        if key is not None or "traj" not in self._cache:
            state0 = {s: (self.init or {}).get(s, self.initial(s)) for s in self.cell.state}
            if override is not None and override[1] == 0:
                state0[override[0]] = override[2]
            steps = [state0]
            for k in range(1, self.t + 1):
                ov = {override[0]: override[2]} if override is not None and override[1] == k else {}
                steps.append(self.run_step(k, {s: steps[-1][s] for s in self.cell.state}, ov))
            if key is None:
                self._cache["traj"] = steps
            return steps
        return self._cache["traj"]

    def at(self, name: str, k: int) -> sp.Matrix:
        """The quantity ``name`` of step k (k = 0 is the initial state)."""
        self.check_step(k)
        q = self.trajectory()[k]
        if name not in q:
            raise ProofFileError(f"step {k} has no quantity {name!r}; it has {sorted(q)}; the parameters (a name "
                                 f"m.d can take too) are {sorted(self.cell.params)}")
        return q[name]

    def h(self, k: int) -> sp.Matrix:
        return self.at("h", k)

    def states(self, name: str = "h", lo: int = 1) -> sp.Matrix:
        """The quantities of steps lo..t stacked into one column."""
        return sp.Matrix.vstack(*[self.at(name, k) for k in range(lo, self.t + 1)])

    def o(self, k: int) -> sp.Matrix:
        return self.at("o", k)

    def E(self, k: int) -> sp.Expr:
        return self.at("E", k)[0, 0]

    def sigma(self, v):
        return self.f.sigma(v)

    def dsigma(self, v):
        return self.f.dsigma(v)

    # ----- exact derivatives (derivatives.py does the work) ------------------
    def _layout(self, layout: str | None) -> str:
        """The layout of one derivative: the claim's convention; a different one passed to m.d is an error."""
        if layout is None:
            return self.layout
        check_layout(layout, "m.d(..., layout)")
        if self.conventions is not None and layout != self.layout:  # a claim's model: its layout is the claim's
            stated = "its convention" if "layout" in self.conventions else "its default (no layout stated)"
            raise ProofFileError(f"m.d(..., layout={layout!r}) disagrees with the claim's layout {self.layout!r}, "
                                 f"{stated}; a claim has one layout: state it once, conventions={{'layout': "
                                 f"{layout!r}}}, and the report shows it")
        return layout

    def d(self, of, wrt, *, layout: str | None = None) -> sp.Matrix:
        """Exact total derivative of ``of`` with respect to ``wrt``.

        ``of``: a quantity ``("h", t)``; an expression of the model's symbols
        (w.r.t. a parameter only: an expression does not say through which
        quantities it depends on h_k); or a function of the model,
        ``lambda q: ...`` or ``m.sum_of("E")`` (L = Σ_k E_k), which is
        re-evaluated on the model with the quantity ``wrt`` made a variable, so
        ``m.d(m.sum_of("E"), ("h", k))`` is dL/dh_k through every path.
        ``wrt``: a parameter name (``"W_R"``), an initial state (``"h"`` =
        h_0) or a quantity ``("h", k)``. A matrix parameter's entries are laid
        out by the claim's ``layout`` convention (``layout=`` may only repeat it).
        """
        return total_derivative(self, of, wrt, self._layout(layout))

    def partial(self, of: tuple[str, int], wrt, *, hold=(), layout: str | None = None) -> sp.Matrix:
        """Partial derivative of one step's quantity, ``of = (name, k)``.

        Step k's function is differentiated with the previous state
        (``("h", k-1)``, and every other state of step k−1) and the parameters
        as its independent variables; ``wrt`` is one of them. ``hold`` names
        quantities *of step k* held fixed: each is replaced by its value, so
        no derivative flows through it. For a GRU,
        ``m.partial(("h", t), ("h", t-1), hold=("z", "htilde"))`` is the
        direct term diag(1 − z_t); without ``hold`` it is the whole step
        Jacobian ∂h_t/∂h_{t−1}, which for a one-state cell equals
        ``m.d(("h", t), ("h", t-1))``.
        """
        return explicit_partial(self, of, wrt, self._layout(layout), hold=hold)

    def sum_of(self, name: str, lo: int = 1, hi: int | None = None) -> SumOf:
        """Σ_{k=lo}^{hi} of a scalar quantity (default: every step), as a function of the model for ``m.d``.

        ``m.d(m.sum_of("E"), ("h", k))`` is dL/dh_k for L = Σ_k E_k; ``m.sum_of("E")(m)`` is L itself.
        """
        return SumOf(name, lo, hi)

    def value(self, expr, **values):
        """``expr`` with the named parameters, initial states (``h0``) or inputs (``x1``) set to exact values.

        This is how a counterexample lives in the model: weights, inputs and the
        initial state are given, and every quantity (z_k, D_k, a Jacobian) is
        computed from them exactly.
        """
        subs = {}
        for name, val in values.items():
            role = self.cell.input_of(name)
            if role is None:
                raise KeyError(f"{name!r} is not a parameter, initial state or input of {self.cell.name}")
            syms = self.input_symbols(*role)
            val = sp.Matrix(val) if not isinstance(val, sp.MatrixBase) else val
            val = exact_value(val, f"the value of {name}")
            if val.shape != syms.shape:
                raise ValueError(f"{name} must be {syms.rows}×{syms.cols}, not {val.rows}×{val.cols}")
            subs.update(zip(syms, val))
        expr = sp.sympify(expr)
        return expr.xreplace(subs) if not isinstance(expr, sp.MatrixBase) else expr.applyfunc(lambda e: e.xreplace(subs))

    def input_symbols(self, kind: str, key) -> sp.Matrix:
        """The symbols of one input, as :meth:`Cell.input_of` names it."""
        return {"param": lambda: getattr(self.params, key), "init": lambda: self.initial(key),
                "x": lambda: self.x(key)}[kind]()

    def symbols(self) -> list[sp.Symbol]:
        """Every free symbol the unrolled model has, in a stable order."""
        out = []
        for name in self.cell.params:
            out += list(getattr(self.params, name))
        for s in self.cell.state:
            out += list(self.initial(s))
        for k in range(1, self.t + 1):
            out += list(self.x(k))
            if self.cell.output is not None:
                out += list(self.y(k))
        return out


# ----- witness losses (a claim about every loss) -----------------------------------------

#: Witness losses for a claim about every loss, simplest first: E(o, y) = Σ_i q(o_i − y_i) with q's
#: integer coefficients c0, c1, … (as witness σs are polynomials: every value stays rational).
LOSS_WITNESSES = ((0, 0, 1), (0, 1), (0, 1, 1), (0, 0, 0, 1))


def _q(coeffs, x, order: int = 0):
    cs = list(coeffs)
    for _ in range(order):
        cs = [k * c for k, c in enumerate(cs)][1:]
    return sp.Add(*[c * x ** k for k, c in enumerate(cs)])


def loss_atoms(*exprs) -> bool:
    """Do the expressions contain the abstract loss E(o, y) or one of its partials?"""
    from .values import nodes

    heads = {AbstractLoss, *_PARTIALS.values()}
    return any(getattr(e, "func", None) in heads for e in nodes(*exprs))


def instantiate_loss(side: sp.Matrix, coeffs) -> sp.Matrix:
    """``side`` with the abstract loss replaced by the witness E(o, y) = Σ_i q(o_i − y_i), q from ``coeffs``.

    E(o, y) becomes Σ q(o_i − y_i); its partial ∂_i E (argument i, 1-based, of
    o_1..o_r, y_1..y_r) becomes q'(o_i − y_i) for an output and −q'(o_j − y_j)
    for a target, so the substituted side is what the same claim computes with
    that concrete loss (the kernel recomputes it by forward mode).
    """
    partial_index = {f: i for i, f in _PARTIALS.items()}

    def sub(e):
        if not e.args:
            return e
        args = [cached(a) for a in e.args]
        if e.func is AbstractLoss:
            r = len(args) // 2
            return sp.Add(*[_q(coeffs, args[i] - args[r + i]) for i in range(r)])
        if e.func in partial_index:
            i, r = partial_index[e.func] - 1, len(args) // 2
            j = i if i < r else i - r
            d = _q(coeffs, args[j] - args[r + j], 1)
            return d if i < r else -d
        return e.func(*args)

    memo: dict = {}

    def cached(e):
        if e not in memo:
            memo[e] = sub(e)
        return memo[e]

    return side.applyfunc(cached)


# ----- describing a cell (``symderiv models``) ----------------------------------------------

def _shape_text(rows: int, cols: int, n: int, m: int) -> str:
    name = {n: "n", m: "m"}
    r, c = name.get(rows, str(rows)), name.get(cols, str(cols))
    return r if c == "1" else f"{r}×{c}"


def describe_cell(cell: Cell) -> dict:
    """A cell's parameters, states, quantities with their shapes, and each quantity's equation.

    Shapes come from running the step at n = 2, m = 3 (so "n" and "m" can be
    told apart); equations from running it at n = m = 1, where each entry is
    one symbol: W[0,0] is written W, h0[0] as h_{t-1}, x1[0] as x_t, and an
    earlier quantity of the step by its name. Both are read off the step
    function itself, never typed in.
    """
    from .functions import sigma as _sigma

    big = Model(cell, n=2, m=3, t=1)
    q_big = big.trajectory()[1]
    small = Model(cell, n=1, m=1, t=1)
    shown = sp.Function("softmax")  # at n = 1 softmax(v) is 1: show the function, not its value
    small.f.softmax = lambda v: v.applyfunc(shown) if isinstance(v, sp.MatrixBase) else shown(v)
    q_small = small.trajectory()[1]
    names = {}
    for p in cell.params:
        names[getattr(small.params, p)[0, 0]] = sp.Symbol(p)
    for s in cell.state:
        names[small.initial(s)[0, 0]] = sp.Symbol(f"{s}_{{t-1}}")
    names[small.x(1)[0, 0]] = sp.Symbol("x_t")
    if cell.output is not None:
        names[small.y(1)[0, 0]] = sp.Symbol("y_t")
    quantities = []
    earlier: dict = {}
    for name, value in q_small.items():
        v = value[0, 0] if isinstance(value, sp.MatrixBase) else value
        eq = sp.sympify(v).xreplace(earlier).xreplace(names)
        eq = eq.replace(_sigma, lambda a: sp.Function("σ")(a)).replace(AbstractLoss, sp.Function("E"))
        big_v = q_big[name]
        rows, cols = (big_v.rows, big_v.cols) if isinstance(big_v, sp.MatrixBase) else (1, 1)
        quantities.append((name, _shape_text(rows, cols, 2, 3), sp.sstr(eq)))
        if isinstance(v, sp.Basic) and not v.is_Atom:
            earlier[v] = sp.Symbol(f"{name}_t")
    params = [(p, _shape_text(big.dim(r), big.dim(c), 2, 3)) for p, (r, c) in cell.params.items()]
    loss = None
    if cell.output is not None:
        loss = "the cell's own: E_t = loss(o_t, y_t)" if cell.loss is not None else \
            "named by the claim: loss='abstract' (default), 'squared' or 'cross-entropy'"
    return {"title": cell.name, "params": params, "state": list(cell.state), "quantities": quantities,
            "loss": loss}
