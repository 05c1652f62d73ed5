"""The exact-numeric model: a cell run on exact numbers, derivatives by forward mode.

This is the kernel's own model of a claim at one point. Every input (weights,
initial states, inputs, targets, the vectors a check names) has an exact value
given up front; the cell's own step function runs on :class:`DualMatrix`
values; a derivative is one forward-mode run per column of the Jacobian, with
the tangent seeded on one entry of the parameter (in the stated layout), of
the initial state or of an intermediate quantity. Nothing here differentiates
an expression: the truth comes from running the step function on dual numbers.

A check that differentiates an expression of the parameters (``m.d(m.u.T *
m.B * m.u, "u")``, the Matrix Cookbook written on a one-step cell) is run
again on the jet model (``order`` ≥ 1): every parameter entry is a jet of
:mod:`.free` seeded with its own ε, the cell runs on jets, and ``m.d(..., θ)``
reads the tangents on θ's seeds in the stated layout.

The model offers the same protocol as the symbolic model (``m.h(k)``,
``m.at(name, k)``, ``m.d(of, wrt)``, ``m.partial(of, wrt)``, ``m.W_R``, ...),
so a proof's check runs on it unchanged and returns exact numbers.
"""
from __future__ import annotations

from types import SimpleNamespace

import sympy as sp

from ..cells import StepScope, dimension
from ..protocol import SumOf, bind_parameters
from ..functions import logistic
from .dual import RULES, Dual, DualMatrix, KernelError, Unsupported, lift

# ----- activations, by name, with their first two derivatives -------------------------


def _poly(coeffs, order: int):
    cs = list(coeffs)
    for _ in range(order):
        cs = [k * c for k, c in enumerate(cs)][1:]
    return lambda x: sum((sp.Rational(c) * x ** k for k, c in enumerate(cs)), sp.Integer(0))


#: name -> its (f, f', f'') on exact numbers, read when used (tanh's and the logistic function's are RULES')
CONCRETE = {
    "tanh": lambda: RULES[sp.tanh],  # read when used: RULES is the one table (a planted bug in it reaches here)
    "logistic": lambda: RULES[logistic],
    "identity": lambda: (lambda x: x, lambda x: sp.Integer(1), lambda x: sp.Integer(0)),
}


def _needs_witness(*_):
    raise KernelError("an abstract σ needs a witness polynomial (the certificate gives none)")


def activation(name: str, witness: tuple | None):
    """σ, σ', σ'' for a claim's activation: the witness polynomial when σ is abstract.

    Without a witness an abstract σ is an error only when it is evaluated: a
    claim whose sides never meet σ (a linear cell's Jacobian) needs none.
    """
    if name == "abstract":
        if witness is None:
            return (_needs_witness,) * 3
        return tuple(_poly(witness, k) for k in range(3))
    if witness is not None:
        raise KernelError(f"the claim fixes σ = {name}; a witness σ is not in its domain")
    try:
        return CONCRETE[name]()
    except KeyError:
        raise Unsupported(f"activation {name!r} is unknown to the kernel") from None


def _elementwise(fn, dfn):
    dual = lift(fn, dfn)

    def apply(v):
        if isinstance(v, DualMatrix):
            return v.applyfunc(dual)
        if isinstance(v, Dual):
            return dual(v)
        if isinstance(v, sp.MatrixBase):
            return v.applyfunc(fn)
        return fn(v)

    return apply


def functions(name: str, witness) -> SimpleNamespace:
    s, ds, dds = activation(name, witness)
    th, dth, ddth = CONCRETE["tanh"]()
    lo, dlo, _ = CONCRETE["logistic"]()
    from .dual import DualNotation

    def softmax(z):
        if isinstance(z, DualMatrix):
            return DualNotation().softmax(z)
        e = z.applyfunc(sp.exp)
        tot = sum(e)
        return e.applyfunc(lambda x: x / tot)

    return SimpleNamespace(sigma=_elementwise(s, ds), dsigma=_elementwise(ds, dds),
                           tanh=_elementwise(th, dth), dtanh=_elementwise(dth, ddth),
                           logistic=_elementwise(lo, dlo), softmax=softmax,
                           log=_elementwise(*RULES[sp.log][:2]), exp=_elementwise(*RULES[sp.exp][:2]))


def _scalar(v):
    """A loss's value: a number, or the one entry of a 1 × 1 matrix."""
    if isinstance(v, (DualMatrix, sp.MatrixBase)):
        if v.shape != (1, 1):
            raise KernelError(f"a loss is a scalar, not a {v.rows}×{v.cols} matrix")
        return v[0, 0]
    return v


def witness_loss(coeffs):
    """E(o, y) = Σ_i q(o_i − y_i) for the witness polynomial q (an abstract loss's counterexample)."""
    if not coeffs or not all(isinstance(c, int) and not isinstance(c, bool) for c in coeffs):
        raise KernelError(f"the witness loss {coeffs!r} is not a polynomial with integer coefficients")
    q = _poly(coeffs, 0)

    def loss(o, y):
        total = Dual(0)
        for a, b in zip(o, y):
            d = Dual.of(a) - Dual.of(b)
            term = Dual(0)
            for j, c in enumerate(coeffs):  # Horner-free: Σ c_j d^j, on duals (forward mode)
                term = term + c * d ** j
            total = total + term
        return total

    loss.q = q
    return loss


def loss_of(kind: str, cell=None, f=None, witness=None):
    if kind == "cell":
        if cell is None or cell.loss is None:
            raise KernelError("loss='cell' but the cell declares no loss")
        return lambda o, y: _scalar(cell.loss(DualMatrix.from_entries(len(o), 1, o),
                                              DualMatrix.from_entries(len(y), 1, y), f))
    if kind == "abstract":
        if witness is None:
            raise KernelError("an abstract loss needs a witness loss polynomial (the certificate gives none)")
        return witness_loss(witness)
    if kind == "squared":
        return lambda o, y: sum(((a - b) ** 2 for a, b in zip(o, y)), Dual(0)) / 2
    if kind == "cross-entropy":
        log = lift(*RULES[sp.log][:2])
        return lambda o, y: -sum((b * log(a) for a, b in zip(o, y)), Dual(0))
    raise KernelError(f"loss={kind!r}: the kernel replays squared, cross-entropy, a cell's own loss and "
                      "an abstract loss with a witness polynomial")


# ----- the same on jets (kernel/free.py): a check that differentiates an expression of the parameters ---------


class NeedsJets(KernelError):
    """m.d of an expression w.r.t. parameter ``wrt``: the check is run again on a model whose parameters are
    jets (:class:`ExactModel` with ``order`` ≥ 1, ``wrt`` among the ``seeded``), so every value a check builds
    from them carries its derivatives."""

    def __init__(self, wrt: str):
        super().__init__(f"m.d of an expression w.r.t. {wrt}: run on the jet model")
        self.wrt = wrt


def jet_functions(name: str, witness) -> SimpleNamespace:
    """σ, σ', tanh, … elementwise on jets, by the rules of :data:`RULES` (σ' of a concrete σ by jet arithmetic
    on σ itself: tanh' = 1 − tanh², logistic' = s(1 − s))."""
    from .free import Jet, JetMatrix, JetNotation, apply

    def ew(g):
        return lambda v: v.applyfunc(g) if isinstance(v, (JetMatrix, sp.MatrixBase)) else g(Jet.of(v))

    def jpoly(coeffs, order):
        cs = list(coeffs)
        for _ in range(order):
            cs = [k * c for k, c in enumerate(cs)][1:]
        return lambda x: sum((c * Jet.of(x) ** k for k, c in enumerate(cs)), Jet(sp.Integer(0)))

    tanh = lambda x: apply(sp.tanh, Jet.of(x))  # noqa: E731
    logi = lambda x: apply(logistic, Jet.of(x))  # noqa: E731
    concrete = {"tanh": (tanh, lambda x: 1 - tanh(x) ** 2), "logistic": (logi, lambda x: logi(x) * (1 - logi(x))),
                "identity": (lambda x: Jet.of(x), lambda x: Jet(sp.Integer(1)))}
    if name == "abstract":
        s, ds = (_needs_witness, _needs_witness) if witness is None else (jpoly(witness, 0), jpoly(witness, 1))
    elif name in concrete:
        s, ds = concrete[name]
    else:
        raise Unsupported(f"activation {name!r} is unknown to the kernel")
    return SimpleNamespace(sigma=ew(s), dsigma=ew(ds), tanh=ew(tanh), dtanh=ew(concrete["tanh"][1]),
                           logistic=ew(logi), softmax=JetNotation().softmax, log=ew(lambda x: Jet.of(x).log()),
                           exp=ew(lambda x: apply(sp.exp, Jet.of(x))))


def jet_loss(kind: str, cell, f, witness):
    """The loss on jets: squared, cross-entropy, the cell's own, or the witness polynomial Σ q(o_i − y_i)."""
    from .free import Jet, JetMatrix

    zero = Jet(sp.Integer(0))
    if kind == "cell":
        if cell is None or cell.loss is None:
            raise KernelError("loss='cell' but the cell declares no loss")
        return lambda o, y: Jet.of(_scalar(cell.loss(JetMatrix(len(o), 1, o), JetMatrix(len(y), 1, y), f)))
    if kind == "abstract":
        if witness is None:
            raise KernelError("an abstract loss needs a witness loss polynomial (the certificate gives none)")
        witness_loss(witness)  # the same premises on the coefficients
        return lambda o, y: sum((c * (Jet.of(a) - b) ** j for a, b in zip(o, y) for j, c in enumerate(witness)), zero)
    if kind == "squared":
        return lambda o, y: sum(((Jet.of(a) - b) ** 2 for a, b in zip(o, y)), zero) / 2
    if kind == "cross-entropy":
        return lambda o, y: -sum((b * Jet.of(a).log() for a, b in zip(o, y)), zero)
    raise KernelError(f"loss={kind!r}: the kernel replays squared, cross-entropy, a cell's own loss and "
                      "an abstract loss with a witness polynomial")


# ----- the model ------------------------------------------------------------------


class Draws(dict):
    """A point whose every entry has a value: ``draw()``, fresh the first time the entry is read (a model's or a
    free-variable check's inputs, drawn only as the check reads them)."""

    def __init__(self, draw):
        super().__init__()
        self.draw = draw

    def __contains__(self, key):
        return True

    def __missing__(self, key):
        v = self[key] = self.draw()
        return v


def entry_order(rows: int, cols: int, layout: str) -> list:
    """The entries (a, b) of a rows × cols parameter in the order of vec in ``layout`` (a Jacobian's columns)."""
    if cols > 1 and layout == "col-major":
        return [(a, b) for b in range(cols) for a in range(rows)]
    if cols > 1 and layout != "row-major":
        raise KernelError(f"layout={layout!r} must be 'row-major' or 'col-major'")
    return [(a, b) for a in range(rows) for b in range(cols)]


def entry_name(name: str, rows: int, cols: int, i: int, j: int) -> str:
    """The name of one entry of an input, as certificates record it (``W[0,1]``, ``h0[0]``)."""
    return f"{name}[{i}]" if cols == 1 else f"{name}[{i},{j}]"


def _as_dual_matrix(value) -> DualMatrix:
    if isinstance(value, (Dual, int, sp.Basic)) and not isinstance(value, sp.MatrixBase):
        return DualMatrix.from_entries(1, 1, [value])
    return DualMatrix.of(value)


class ExactModel:
    """A cell at sizes n, t, m with every input an exact number; see the module docstring.

    ``values`` maps an entry name (``W_R[0,1]``, ``h0[0]``, ``x1[0]``,
    ``g0[1]``) to an exact number; ``inputs`` optionally gives whole inputs
    (``{"W": Matrix, "h0": Matrix}``), the way a relational certificate
    records them.
    """

    def __init__(self, cell, *, n: int, t: int, m: int = 1, activation: str = "abstract", loss: str = "abstract",
                 layout: str = "row-major", witness: tuple | None = None, values: dict | None = None,
                 init: dict | None = None, loss_witness: tuple | None = None, conventions: dict | None = None,
                 order: int = 0, seeded: frozenset = frozenset()):
        for k, v in (("n", n), ("t", t), ("m", m)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise KernelError(f"size {k}={v!r} is not a positive integer")
        self.cell, self.n, self.t, self.m = cell, n, t, m
        if cell.loss is not None and loss in (None, "abstract", "cell"):
            loss = "cell"  # the cell's own loss (as the symbolic model reads it)
        loss = "abstract" if loss is None else loss
        self.activation, self.loss, self.layout, self.witness = activation, loss, layout, witness
        self.loss_witness, self.conventions = loss_witness, dict(conventions or {})
        self.values = dict(values or {})
        self.init = dict(init or {})
        self.f = functions(activation, witness)
        self._loss = None
        if cell.output is not None and (loss != "abstract" or loss_witness is not None):
            self._loss = loss_of(loss, cell, self.f, loss_witness)
        self._runs: dict = {}
        self.params = SimpleNamespace(**{name: self._maybe(name, self.dim(r), self.dim(c))
                                         for name, (r, c) in cell.params.items()})
        self.order, self.seeded = order, frozenset(seeded)
        self._jets = None
        if order:  # every parameter entry a jet seeded with its own ε: values a check builds carry derivatives
            from .free import Jet, JetMatrix

            self.jet_params = {}
            for name, P in vars(self.params).items():
                if isinstance(P, _Unbound):
                    self.jet_params[name] = P
                    continue
                seed = name in self.seeded  # the others are constants: a derivative w.r.t. one re-runs (NeedsJets)
                self.jet_params[name] = JetMatrix(P.rows, P.cols, [
                    Jet(P[i, j], {entry_name(name, P.rows, P.cols, i, j): sp.Integer(1)}, None, order) if seed
                    else Jet(P[i, j]) for i in range(P.rows) for j in range(P.cols)])
            self.jf = jet_functions(activation, witness)
            bind_parameters(self, self.jet_params)
        else:
            bind_parameters(self, vars(self.params))

    # ----- inputs -------------------------------------------------------------
    def dim(self, d) -> int:
        return dimension(d, n=self.n, m=self.m)

    def input(self, name: str, rows: int, cols: int = 1) -> sp.Matrix:
        """The exact value of an input, entry by entry from ``values``."""
        out = sp.zeros(rows, cols)
        for i in range(rows):
            for j in range(cols):
                key = entry_name(name, rows, cols, i, j)
                if key not in self.values:
                    raise KernelError(f"the point gives no value for {key}")
                out[i, j] = self.values[key]
        return out

    def _maybe(self, name: str, rows: int, cols: int = 1):
        """An input's value, or a stand-in that fails when used if the point gives none of its entries."""
        if not any(entry_name(name, rows, cols, i, j) in self.values for i in range(rows) for j in range(cols)):
            return _Unbound(name, (rows, cols))
        return self.input(name, rows, cols)

    def _check_step(self, k, lo=0):
        if isinstance(k, bool) or not isinstance(k, int) or not lo <= k <= self.t:
            raise KernelError(f"step {k!r} is outside {lo}..{self.t}")

    def vector(self, name: str, rows="n") -> sp.Matrix:
        return self.input(name, self.dim(rows))

    def x(self, k: int) -> sp.Matrix:
        self._check_step(k, lo=1)
        return self.input(f"x{k}", self.m)

    def y(self, k: int) -> sp.Matrix:
        self._check_step(k, lo=1)
        return self.input(f"y{k}", self.dim(self.cell.outputs))

    def initial(self, name: str) -> sp.Matrix:
        return self.input(f"{name}0", self.n)

    def like(self, cell, **changes) -> "ExactModel":
        """Another cell at the same point: inputs of the same name share their values."""
        kw = dict(n=self.n, t=self.t, m=self.m, activation=self.activation, loss=self.loss, layout=self.layout,
                  witness=self.witness, values=self.values, loss_witness=self.loss_witness,
                  conventions=self.conventions, order=self.order, seeded=self.seeded)
        kw.update(changes)
        return ExactModel(cell, **kw)

    def value(self, expr, **values):
        """The symbolic model substitutes values here; this model has them already: they must agree."""
        for name, val in values.items():
            role = self.cell.input_of(name)
            if role is None:
                raise KernelError(f"{name!r} is not a parameter, initial state or input of {self.cell.name}")
            kind, key = role
            mine = {"param": lambda: getattr(self.params, key), "init": lambda: self.initial(key),
                    "x": lambda: self.x(key)}[kind]()
            if sp.Matrix(val) != mine:
                raise KernelError(f"value({name}=...) differs from the model's own {name}")
        return expr

    # ----- running the cell ---------------------------------------------------
    def _run(self, seed=None) -> list[dict]:
        """Every step's quantities as dual matrices; ``seed``: where the tangent starts.

        ``("param", name, E)``: parameter ``name`` has tangent E;
        ``("quantity", name, k, e)``: quantity ``name`` of step k is replaced by
        its value with tangent e (k = 0: an initial state).
        """
        key = None if seed is None else (seed[0], seed[1], seed[2] if seed[0] == "quantity" else None,
                                         tuple(seed[-1]))
        if key in self._runs:
            return self._runs[key]
        params = {}
        for name in self.cell.params:
            val = getattr(self.params, name)
            tan = seed[2] if seed is not None and seed[0] == "param" and seed[1] == name else None
            params[name] = val if isinstance(val, _Unbound) else DualMatrix(val, tan)
        plain = None if seed is None else self._run(None)
        state0 = {}
        for s in self.cell.state:
            v = self.init.get(s)
            v = self.initial(s) if v is None else v
            v = v.val if isinstance(v, DualMatrix) else sp.Matrix(v)
            tan = seed[3] if seed is not None and seed[0] == "quantity" and seed[2] == 0 and seed[1] == s else None
            state0[s] = DualMatrix(v, tan)
        steps = [state0]
        for k in range(1, self.t + 1):
            ov = {}
            if seed is not None and seed[0] == "quantity" and seed[2] == k:
                ov[seed[1]] = DualMatrix(plain[k][seed[1]].val, seed[3])
            steps.append(self._step(k, {s: steps[-1][s] for s in self.cell.state}, params, ov))
        self._runs[key] = steps
        return steps

    def _step(self, k, prev: dict, params: dict, overrides: dict) -> dict:
        scope = StepScope(overrides, _as_dual_matrix)
        x = self._maybe(f"x{k}", self.m)  # a cell that never reads its input needs no value for it
        x = x if isinstance(x, _Unbound) else DualMatrix(x)
        q = self.cell.call(scope, SimpleNamespace(**prev), x, SimpleNamespace(**params), self.f,
                           y=lambda: DualMatrix(self.y(k)), k=k, n=self.n, m=self.m, t=self.t)
        missing = [s for s in self.cell.state if s not in q]
        if missing:
            raise KernelError(f"cell {self.cell.name!r} does not assign its state {missing}")
        if self.cell.output is not None:
            try:  # o and E need inputs (W_O, y_k) a claim about h alone does not give: an error only when read
                setattr(scope, "o", self.cell.output(SimpleNamespace(**q), SimpleNamespace(**params), self.f))
                if self._loss is not None:
                    setattr(scope, "E", self._loss(list(q["o"]), list(self.y(k))))
            except KernelError as e:
                q.setdefault("o", _Unbound(f"o{k} ({e})", (0, 0)))
                q.setdefault("E", _Unbound(f"E{k} ({e})", (1, 1)))
        return q

    def _jet_loss(self):
        """The per-step loss on jets (None: no loss the kernel replays here)."""
        if self.cell.output is not None and (self.loss != "abstract" or self.loss_witness is not None):
            return jet_loss(self.loss, self.cell, self.jf, self.loss_witness)
        return None

    def _jet_run(self) -> list[dict]:
        """Every step's quantities as jet matrices: the cell run with the parameters' jets (inputs exact)."""
        if self._jets is not None:
            return self._jets
        from .free import JetMatrix

        def as_jets(v):
            if isinstance(v, (int, sp.Basic)) and not isinstance(v, sp.MatrixBase):
                return JetMatrix(1, 1, [v])
            return JetMatrix.of(v)

        loss = self._jet_loss()
        steps = [{}]
        for s in self.cell.state:
            v = self.init.get(s)
            v = self.initial(s) if v is None else v
            steps[0][s] = as_jets(v.val if isinstance(v, DualMatrix) else sp.Matrix(v))
        params = SimpleNamespace(**self.jet_params)
        for k in range(1, self.t + 1):
            scope = StepScope({}, as_jets)
            x = self._maybe(f"x{k}", self.m)
            x = x if isinstance(x, _Unbound) else JetMatrix.of(x)
            prev = SimpleNamespace(**{s: steps[-1][s] for s in self.cell.state})
            q = self.cell.call(scope, prev, x, params, self.jf, y=lambda k=k: JetMatrix.of(self.y(k)), k=k,
                               n=self.n, m=self.m, t=self.t)
            if self.cell.output is not None:
                try:
                    setattr(scope, "o", self.cell.output(SimpleNamespace(**q), params, self.jf))
                    if loss is not None:
                        setattr(scope, "E", loss(list(q["o"]), list(self.y(k))))
                except KernelError as e:
                    q.setdefault("o", _Unbound(f"o{k} ({e})", (0, 0)))
                    q.setdefault("E", _Unbound(f"E{k} ({e})", (1, 1)))
            steps.append(q)
        self._jets = steps
        return steps

    def at(self, name: str, k: int) -> sp.Matrix:
        self._check_step(k)
        q = self._jet_run()[k] if self.order else self._run()[k]
        if name not in q:
            if name == "E" and self.cell.output is not None:
                raise KernelError(f"loss={self.loss!r} without a witness loss: the kernel cannot evaluate E")
            raise KernelError(f"step {k} has no quantity {name!r}")
        if isinstance(q[name], _Unbound):
            q[name]._fail()
        return q[name] if self.order else q[name].val

    def h(self, k: int) -> sp.Matrix:
        return self.at("h", k)

    def o(self, k: int) -> sp.Matrix:
        return self.at("o", k)

    def E(self, k: int):
        return self.at("E", k)[0, 0]

    def states(self, name: str = "h", lo: int = 1) -> sp.Matrix:
        parts = [self.at(name, k) for k in range(lo, self.t + 1)]
        return type(parts[0]).vstack(*parts)

    def sigma(self, v):
        return (self.jf if self.order else self.f).sigma(v)

    def dsigma(self, v):
        return (self.jf if self.order else self.f).dsigma(v)

    # ----- derivatives by forward mode ----------------------------------------
    def _directions(self, wrt, layout: str, k_of: int):
        """(seed, ...) for each column of the Jacobian, in order."""
        if isinstance(wrt, str) and wrt in self.cell.params:
            P = getattr(self.params, wrt)
            r, c = P.shape
            order = entry_order(r, c, layout)
            for a, b in order:
                E = sp.zeros(r, c)
                E[a, b] = 1
                yield ("param", wrt, E)
            return
        if isinstance(wrt, str):
            wrt = (wrt, 0)
        if not (isinstance(wrt, tuple) and len(wrt) == 2):
            raise KernelError(f"wrt={wrt!r} must be a parameter or a quantity (name, k)")
        name, j = wrt
        self._check_step(j)
        rows = self.at(name, j).rows
        for i in range(rows):
            e = sp.zeros(rows, 1)
            e[i] = 1
            yield ("quantity", name, j, e)

    @staticmethod
    def _column(m: DualMatrix) -> sp.Matrix:
        if isinstance(m, _Unbound):
            m._fail()
        if m.cols != 1 and m.rows != 1:
            raise KernelError(f"can only differentiate a vector or a scalar, not a {m.rows}×{m.cols} matrix")
        return m.tan if m.cols == 1 else m.tan.T

    def _layout(self, layout):
        stated = self.conventions.get("layout")
        if layout is not None and stated is not None and layout != stated:
            raise KernelError(f"layout={layout!r} disagrees with the claim's layout={stated!r}")
        return layout or self.layout

    def sum_of(self, name: str, lo: int = 1, hi: int | None = None):
        return SumOf(name, lo, hi)

    def d(self, of, wrt, *, layout: str | None = None) -> sp.Matrix:
        layout = self._layout(layout)
        if self.order:
            return self._jet_d(of, wrt, layout)
        return self._dual_d(of, wrt, layout)

    def _jet_d(self, of, wrt, layout: str):
        """d on the jet model: w.r.t. a parameter, read off the tangents of ``of`` (a quantity's jets, a function
        of the model run on it, an expression); w.r.t. a quantity, forward mode's numbers, as values only (a
        derivative of them is refused, not taken as 0)."""
        from .free import Jet, JetMatrix, derivative

        if not (isinstance(wrt, str) and wrt in self.cell.params):
            return _values_only(self._dual_d(of, wrt, layout))
        P = self.jet_params[wrt]
        if isinstance(P, _Unbound):
            P._fail()
        if wrt not in self.seeded:
            raise NeedsJets(wrt)
        r, c = P.shape
        if c > 1 and layout not in ("row-major", "col-major"):
            raise KernelError(f"layout={layout!r} must be 'row-major' or 'col-major'")
        order = [(a, b) for a in range(r) for b in range(c)]
        if c > 1 and layout == "col-major":
            order = [(a, b) for b in range(c) for a in range(r)]
        keys = [entry_name(wrt, r, c, a, b) for a, b in order]
        if isinstance(of, tuple):
            of = self.at(*of)
        elif callable(of) and not isinstance(of, (sp.Basic, sp.MatrixBase)):
            of = of(self)
        if isinstance(of, _Unbound):
            of._fail()
        F = JetMatrix.of(of) if isinstance(of, (JetMatrix, sp.MatrixBase)) else JetMatrix(1, 1, [Jet.of(of)])
        if F.cols != 1 and F.rows != 1:
            raise KernelError(f"can only differentiate a vector or a scalar, not a {F.rows}×{F.cols} matrix")
        col = F if F.cols == 1 else F.T
        return JetMatrix(col.rows, len(keys), [x for f in col.e for x in derivative(f, keys)])

    def _dual_d(self, of, wrt, layout: str) -> sp.Matrix:
        if callable(of) and not isinstance(of, (tuple, sp.Basic, sp.MatrixBase)):
            # a function of the model (a total loss): run it on each seeded trajectory, read its tangent
            cols = []
            for seed in self._directions(wrt, layout, self.t):
                out = of(_DualView(self, seed))
                cols.append(self._column(out if isinstance(out, DualMatrix) else _as_dual_matrix(out)))
            return sp.Matrix.hstack(*cols)
        if not isinstance(of, tuple):
            if isinstance(wrt, str) and wrt in self.cell.params:
                raise NeedsJets(wrt)
            raise KernelError("a derivative of an expression with respect to a quantity is not defined by the "
                              "expression alone")
        name, k = of
        self._check_step(k)
        cols = [self._column(self._run(seed)[k][name]) for seed in self._directions(wrt, layout, k)]
        return sp.Matrix.hstack(*cols)

    def partial(self, of, wrt, *, hold=(), layout: str | None = None) -> sp.Matrix:
        """The explicit partial of step k's quantity: the previous state held at its value."""
        if self.order:
            return _values_only(self._partial(of, wrt, hold=hold, layout=layout))
        return self._partial(of, wrt, hold=hold, layout=layout)

    def _partial(self, of, wrt, *, hold=(), layout: str | None = None) -> sp.Matrix:
        layout = self._layout(layout)
        name, k = of
        self._check_step(k, lo=1)
        plain = self._run()
        hold = (hold,) if isinstance(hold, str) else tuple(hold)
        for h in hold:
            if h not in plain[k] or h == name:
                raise KernelError(f"hold={h!r} is not another quantity of step {k}")
        # a held quantity is its value with a zero tangent: nothing flows through it
        held = {h: DualMatrix(plain[k][h].val) for h in hold}
        prev_val = {s: plain[k - 1][s].val for s in self.cell.state}
        params_val = {p: getattr(self.params, p) for p in self.cell.params}
        if isinstance(wrt, str) and wrt in self.cell.params:
            seeds = list(self._directions(wrt, layout or self.layout, k))
        elif isinstance(wrt, tuple) and wrt[0] in self.cell.state and wrt[1] == k - 1:
            seeds = [("quantity", wrt[0], k - 1, e) for *_, e in self._directions(wrt, "row-major", k)]
        else:
            raise KernelError(f"an explicit partial of step {k} is taken w.r.t. a parameter or the previous state")
        cols = []
        for seed in seeds:
            params = {p: v if isinstance(v, _Unbound) else
                      DualMatrix(v, seed[2] if seed[0] == "param" and seed[1] == p else None)
                      for p, v in params_val.items()}
            prev = {s: DualMatrix(v, seed[3] if seed[0] == "quantity" and seed[1] == s else None)
                    for s, v in prev_val.items()}
            q = self._step(k, prev, params, dict(held))
            if name not in q:
                raise KernelError(f"step {k} has no quantity {name!r}")
            cols.append(self._column(q[name]))
        return sp.Matrix.hstack(*cols)


def _values_only(M: sp.Matrix):
    """Numbers that depend on the parameters, as jets of order 0: a check may use their values; a derivative of
    them is refused (the kernel has not run their tangents), never taken as 0."""
    from .free import Jet, JetMatrix

    return JetMatrix(M.rows, M.cols, [Jet(x, order=0) for x in M])


class _ModelFace:
    """The model protocol's quantities of a run view (h, o, E, x, y, σ, σ'), read through its ``at``, its
    ``_model`` (the inputs) and its ``f`` (the functions): one definition for the kernel's dual and residue views."""

    def h(self, k):
        return self.at("h", k)

    def o(self, k):
        return self.at("o", k)

    def E(self, k):
        return self.at("E", k)[0, 0]

    def x(self, k):
        return self._model.x(k)

    def y(self, k):
        return self._model.y(k)

    def sigma(self, v):
        return self.f.sigma(v)

    def dsigma(self, v):
        return self.f.dsigma(v)


class _DualView(_ModelFace):
    """The exact model as a function of the model sees it along one seeded direction: values carry tangents."""

    def __init__(self, model: ExactModel, seed):
        self._model, self._steps = model, model._run(seed)
        self.n, self.t, self.m, self.f = model.n, model.t, model.m, model.f
        self.layout, self.cell = model.layout, model.cell
        for p in model.cell.params:
            v = getattr(model.params, p)
            tan = seed[2] if seed[0] == "param" and seed[1] == p else None
            setattr(self, p, v if isinstance(v, _Unbound) else DualMatrix(v, tan))

    def at(self, name: str, k: int):
        self._model._check_step(k)
        q = self._steps[k]
        if name not in q:
            raise KernelError(f"step {k} has no quantity {name!r}")
        if isinstance(q[name], _Unbound):
            q[name]._fail()
        return q[name]

    def states(self, name: str = "h", lo: int = 1):
        parts = [self.at(name, k) for k in range(lo, self.t + 1)]
        return DualMatrix(sp.Matrix.vstack(*[p.val for p in parts]), sp.Matrix.vstack(*[p.tan for p in parts]))


class _Unbound:
    """An input the point does not give: any use of it is an error, not a silent value."""

    def __init__(self, name: str, shape: tuple[int, int]):
        self.name, self.shape = name, shape
        self.rows, self.cols = shape

    def _fail(self, *a, **k):
        raise KernelError(f"the point gives no value for {self.name}")

    __mul__ = __rmul__ = __add__ = __radd__ = __sub__ = __rsub__ = __neg__ = __getitem__ = __iter__ = _fail
    __len__ = applyfunc = multiply_elementwise = _fail

    @property
    def T(self):
        self._fail()
