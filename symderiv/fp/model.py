"""The model over F_p: the cell unrolled on dual values that record a tape; forward and reverse mode over it
(see the package docstring, "Derivatives: one tape, a seed per kind")."""
from __future__ import annotations

from collections import Counter
from fractions import Fraction

import sympy as sp
from flint import nmod_mat

from ..cells import OUTPUT_QUANTITIES, StepScope, dimension
from ..errors import ProofFileError, ShapeError
from ..functions import ABSTRACT, IDENTITY, LOGISTIC, TANH
from ..functions import activation as activation_of
from ..protocol import SumOf, bind_parameters
from .dag import Jacobian, Node, Seed, _materialize
from .elementwise import FUNCTIONS, _fvalue, _ValOps, _walk, reads_alike
from .field import Unsupported, _bits, _is_scalar, _rational
from .values import (MatrixFace, ScalarVal, Val, _add, _as_scalar, _entry, _entry_polynomial, _entry_sum, _ew,
                     _filled, _hstack, _index, _join, _keep, _matmul, _matmul_shared, _same_shape, _scale, _slice,
                     _vstack)
from .values import _ints


def _derivative_at(family: str, order: int, v) -> None:
    """Refuse d|u| = S(u) du where an entry of u is 0 at the point: there S(0) = 0 is not the derivative of |·|,
    which has none at its kink (an argument identically 0 whose tangent is not, as a held copy minus its replayed
    twin, would otherwise give d|u| = 0 for every sign pattern and a holds for a derivative that does not exist;
    the exact kernel refuses the same point). A nonzero argument is 0 at the point only with the probability the
    bound's single terms already count, so a true claim is refused only as rarely."""
    if family == "abs" and order == 0 and any(0 in row for row in _ints(v)):
        raise Unsupported("|·| at 0 has no derivative (its kink): an argument of |·|, max or min is 0 at the F_p "
                          "point while a derivative passes through it (use the symbolic backends)")


# ----- the model over F_p: the cell unrolled on values that record a forward-mode tape -------------

class Dual(MatrixFace):
    """A cell's quantity during unrolling: its value and the tape entry of its tangent (None: a constant)."""

    __slots__ = ("v", "tid", "model")
    __symderiv_value__ = True  # a value a step sees (the lead's guard refuses comparisons, hashing, truth tests)
    _op_priority = 21.0
    __array_ufunc__ = None

    def __init__(self, v: Val, tid, model: "FpModel"):
        self.v, self.tid, self.model = v, tid, model

    @staticmethod
    def lift(x, model=None) -> "Dual":
        if isinstance(x, Dual):
            return x
        if isinstance(x, (Val, sp.MatrixBase)) or _is_scalar(x):
            return Dual(_materialize(x), None, model)
        raise Unsupported(f"a {type(x).__name__} in a cell's step cannot be evaluated over F_p")

    def _op(self, *entry):
        return self.model._record(entry)

    @property
    def shape(self):
        return self.v.shape

    @property
    def rows(self):
        return self.v.rows

    @property
    def cols(self):
        return self.v.cols

    def __add__(self, o):
        if _is_scalar(o):
            if isinstance(self.v, ScalarVal):  # a scalar quantity (E_k) plus a number: the same tangent
                v = self.v + o
                return Dual(v, None if self.tid is None else self._op("copy", self.tid), self.model)
            return Dual(self.v + o, None, self.model)  # raises as SymPy does
        o = Dual.lift(o, self.model)
        v = self.v + o.v
        tid = None if self.tid is None and o.tid is None else self._op("add", self.tid, o.tid)
        return Dual(v, tid, self.model)

    __radd__ = __add__

    def __neg__(self):
        return self * -1

    def __sub__(self, o):
        return self + (-Dual.lift(o, self.model))

    def __rsub__(self, o):
        return Dual.lift(o, self.model) + (-self)

    def __mul__(self, o):
        if _is_scalar(o):
            c = _rational(o)
            return Dual(_keep(_scale(self.v, c), self.v), None if self.tid is None else self._op("scale", c, self.tid),
                        self.model)
        o = Dual.lift(o, self.model)
        a, b = self, o
        if a.v.cols != b.v.rows:  # a scalar (E_k, an entry) times a vector: as SymPy's scalar × matrix
            if isinstance(a.v, ScalarVal) and b.v.cols == 1 or isinstance(b.v, ScalarVal) and a.v.rows == 1:
                a, b = b, a
            elif isinstance(a.v, ScalarVal) or isinstance(b.v, ScalarVal):  # times any matrix: entrywise
                return _scalar_times(a, b) if isinstance(a.v, ScalarVal) else _scalar_times(b, a)
        v = _keep(_matmul(a.v, b.v), self.v, o.v)
        tid = None if a.tid is None and b.tid is None else self._op("mm", a.v, a.tid, b.v, b.tid)
        return Dual(v, tid, self.model)

    def __rmul__(self, o):
        if _is_scalar(o):
            return self * o
        return Dual.lift(o, self.model) * self

    def __truediv__(self, o):
        if _is_scalar(o):
            return self * (1 / _rational(o))
        o = Dual.lift(o, self.model)
        if o.v.shape != (1, 1):
            raise Unsupported("over F_p, a quantity is divided by a number or by a scalar only")
        return self * self.model._fn("recip", 0, Dual(_as_scalar(o.v), o.tid, self.model))

    def __rtruediv__(self, o):  # a number over a scalar quantity
        if self.v.shape != (1, 1):
            raise Unsupported("over F_p, only a scalar quantity can be a denominator")
        return self.model._fn("recip", 0, Dual(_as_scalar(self.v), self.tid, self.model)) * o

    def __pow__(self, k):
        if not isinstance(k, int) or self.v.shape != (1, 1):
            raise Unsupported("over F_p, a quantity's power is a scalar to an integer power")
        base = self if k >= 0 else 1 / self
        out = Dual.lift(Val.constant(1, self.v.primes), self.model)
        out = Dual(_as_scalar(out.v), None, self.model)
        for _ in range(abs(k)):
            out = out * base
        return out

    def hadamard(self, o: "Dual") -> "Dual":
        _same_shape(self.v, o.v, "⊙")
        v = _ew(self.v, o.v, self.v.rows, self.v.cols)
        tid = None if self.tid is None and o.tid is None else self._op("had", self.v, self.tid, o.v, o.tid)
        return Dual(v, tid, self.model)

    @property
    def T(self):
        return Dual(self.v.T, None if self.tid is None else self._op("T", self.tid), self.model)

    def __iter__(self):
        """The entries, row by row, as scalar quantities (each a tape entry: ``sum(f.exp(o))``, ``zip(o, y)``)."""
        for i in range(self.v.rows * self.v.cols):
            tid = None if self.tid is None else self._op("entry", self.tid, i, self.v.rows, self.v.cols)
            yield Dual(_entry(self.v, i), tid, self.model)

    def __len__(self):
        return self.v.rows * self.v.cols

    def entry_sum(self) -> "Dual":
        """Σ of the entries, a scalar (one tape entry)."""
        tid = None if self.tid is None else self._op("esum", self.tid, self.v.rows, self.v.cols)
        return Dual(_as_scalar(_entry_sum(self.v)), tid, self.model)

    def applyfunc(self, fn):
        """fn of each entry: a polynomial by Horner (⊙ and +), else its expression over exp, log, sin, cos, tanh,
        rational powers, ÷ (_walk)."""
        reads_alike(fn)  # fn is the expression it gives on a symbol (elementwise.reads_alike)
        coeffs = _entry_polynomial(fn, allow_other=True)
        if coeffs is None:
            return _walk(fn, self, _DualOps(self))
        rows, cols, primes = self.v.rows, self.v.cols, self.v.primes
        out = Dual.lift(_filled(coeffs[-1], rows, cols, primes), self.model)
        for c in reversed(coeffs[:-1]):
            out = out.hadamard(self) + Dual.lift(_filled(c, rows, cols, primes), self.model)
        return out

    def __getitem__(self, key):
        """SymPy's indexing: an entry a scalar quantity (an ``entry`` of the tape), a block a ``slice`` of it."""
        if self.shape == (1, 1) and type(key) in (tuple, int) and key in ((0, 0), 0):  # a 1 × 1 quantity's entry
            return Dual(_as_scalar(self.v), self.tid, self.model)
        rows, cols = self.v.rows, self.v.cols
        sel = _index(key, rows, cols)
        if isinstance(sel, list):
            return [self._entry(k) for k in sel]
        R, C, scalar = sel
        if scalar:
            return self._entry(R[0] * cols + C[0])
        tid = None if self.tid is None else self._op("slice", self.tid, tuple(R), tuple(C), rows, cols)
        return Dual(_slice(self.v, R, C), tid, self.model)

    def _entry(self, i: int) -> "Dual":
        tid = None if self.tid is None else self._op("entry", self.tid, i, self.v.rows, self.v.cols)
        return Dual(_entry(self.v, i), tid, self.model)

    def row(self, i):
        return self[i, :]

    def col(self, j):
        return self[:, j]

    def _join(self, o, axis: int) -> "Dual":
        parts = [self, Dual.lift(o, self.model)]
        v = _join([q.v for q in parts], axis)
        tids = tuple(q.tid for q in parts)
        tid = None if all(t is None for t in tids) else self._op("join", axis, tids, tuple(q.v for q in parts))
        return Dual(v, tid, self.model)

    def row_join(self, o):
        """[self o] (SymPy's row_join, which ``sp.Matrix.hstack`` calls): one ``join`` entry of the tape."""
        return self._join(o, 1)

    def col_join(self, o):
        """[self; o] (SymPy's col_join, which ``sp.Matrix.vstack`` calls)."""
        return self._join(o, 0)



def _scalar_times(c: Dual, M: Dual) -> Dual:
    """A scalar quantity times a matrix one, as SymPy's scalar × matrix: (1 c 1ᵀ) ⊙ M, the column and the row of
    ones constants (inner dimension 1: products that add no height), so the tape's own entries carry it."""
    model = M.model or c.model
    ones = lambda r, k: Dual.lift(sp.ones(r, k), model)  # noqa: E731
    return ((ones(M.v.rows, 1) * c) * ones(1, M.v.cols)).hadamard(M)


def _softmax_dual(z: "Dual") -> "Dual":
    if z.v.cols != 1:
        raise ShapeError("softmax takes a column vector")
    e = z.model._fn("exp", 0, z)
    return e * z.model._fn("recip", 0, e.entry_sum())


class _DualOps(_ValOps):
    def __init__(self, like: "Dual"):
        self.like, self.model = like.v, like.model

    def const(self, c):
        return Dual.lift(super().const(c), self.model)

    def add(self, p, q):
        return p + q

    def mul(self, p, q):
        return p.hadamard(q)

    def scale(self, p, c):
        return p * c

    def fn(self, family, p):
        return self.model._fn(family, 0, p)


class _Functions:
    """The functions a step or a check calls (``f.sigma``, ``f.tanh``, …): on a Dual they record a tape entry."""

    def __init__(self, model: "FpModel"):
        self._model = model

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        model = self._model
        if name == "softmax":
            return FpNotation().softmax
        family, order = model.function(name)

        def apply(x):
            if isinstance(x, Dual):
                out = model.fvalue(family, order, x.v)
                tid = None if x.tid is None else model._record(("fn", family, order, x.v, x.tid))
                return Dual(out, tid, model)
            return model.fvalue(family, order, _materialize(x))

        return apply


class FpModel:
    """A cell unrolled over F_p for a batch of trials; the claim's ``m``.

    Every input (a parameter, an initial state, a step's input x_k and target
    y_k) is a leaf of a tape; every quantity a step assigns is an entry of its
    own (so that a derivative with respect to it seeds exactly what the
    symbolic engine's override replaces). Outputs o_k and losses E_k are built
    when a check asks for them.
    """

    def __init__(self, cell, *, n: int, t: int, m: int, batch: "_Batch", layout: str = "row-major",
                 activation="abstract", loss: str = "abstract"):
        if layout not in ("row-major", "col-major"):
            raise Unsupported(f"layout {layout!r} must be 'row-major' or 'col-major'")
        act = activation_of(activation)
        # by identity, never by name (issue 19 item 5): an Activation of one's own named "tanh" is not tanh
        family = next((fam for a, fam in ((ABSTRACT, "sigma"), (TANH, "tanh"), (LOGISTIC, "logistic"),
                                          (IDENTITY, "identity")) if act is a), None)
        if family is not None:
            self._family = family
        else:
            raise Unsupported(f"the activation {act.name!r} is not available over F_p")
        if getattr(cell, "loss", None) is not None:  # the cell's own loss, as the symbolic model reads it
            loss = "cell"
        if loss not in ("abstract", "squared", "cross-entropy", "cell"):
            raise Unsupported(f"loss={loss!r} is not available over F_p")
        self.cell, self.n, self.t, self.m, self.layout, self.batch = cell, n, t, m, layout, batch
        self.activation, self.loss = act, loss
        self._tape: list = []
        self._fwd: dict = {}
        self._rev: dict = {}
        self._leaves: dict = {}
        self._params: dict[str, Dual] = {}
        for name, (r, c) in cell.params.items():
            rr, cc = dimension(r, n=n, m=m), dimension(c, n=n, m=m)
            self._params[name] = self._leaf(("param", name), rr, cc)
        bind_parameters(self, {name: dual.v for name, dual in self._params.items()})  # m.W_R: the protocol
        self.f = _Functions(self)
        self._steps = [{s: self._leaf(("init", s), n, 1) for s in cell.state}]
        self._starts = [0]
        self._inputs = [None]
        params = _Namespace(self._params)
        for k in range(1, t + 1):
            self._starts.append(len(self._tape))
            x = self._leaf(("x", k), m, 1)
            self._inputs.append(x.v)
            scope = StepScope(convert=self._assigned)
            q = dict(cell.call(scope, _Namespace(self._steps[-1]), x, params, self.f,
                               y=lambda k=k: self._y_leaf(k), k=k, n=n, m=m, t=t))
            missing = [s for s in cell.state if s not in q]
            if missing:
                raise Unsupported(f"cell {cell.name!r} does not assign its state {missing} in a step")
            self._steps.append(q)
        self._h = [q["h"].v for q in self._steps] if "h" in cell.state else None

    # ----- the tape
    def _record(self, entry) -> int:
        self._tape.append(entry)
        return len(self._tape) - 1

    def _leaf(self, key, rows: int, cols: int) -> Dual:
        d = self._leaves.get(key)
        if d is None:
            d = self._leaves[key] = Dual(self.batch.random(rows, cols), self._record(("leaf", key)), self)
        return d

    def _assigned(self, v) -> Dual:
        """A quantity a step assigns: an entry of its own (a derivative with respect to it seeds it)."""
        d = Dual.lift(v, self)
        return Dual(d.v, self._record(("copy", d.tid)), self)

    def _quantity(self, name: str, k: int) -> Dual:
        q = self._steps[k]
        if name not in q and self.cell.output is not None and k >= 1 and name in OUTPUT_QUANTITIES:
            if "o" not in q:
                q["o"] = self._assigned(self.cell.output(_Namespace(q), _Namespace(self._params), self.f))
            if name == "E":
                e = self._assigned(self._loss(q["o"], self._leaf(("y", k), q["o"].rows, 1)))
                q["E"] = Dual(_as_scalar(e.v), e.tid, self)  # a scalar, as the exact engine's E_k
        try:
            return q[name]
        except KeyError:
            raise ProofFileError(f"step {k} has no quantity {name!r}; it has {sorted(q)}") from None

    def _loss(self, o: Dual, y: Dual) -> Dual:
        if self.loss == "squared":
            e = o - y
            return (e.T * e) * Fraction(1, 2)
        if self.loss == "cell":  # the cell's own loss of the columns o_t, y_t (polynomial ones evaluate over F_p)
            return Dual.lift(self.cell.loss(o, y, self.f), self)
        if self.loss == "abstract":
            args = _vstack([o.v, y.v])
            v = self.batch.apply_tuple("E", args)
            tid = None if o.tid is None and y.tid is None else self._record(("loss", args, o.tid, y.tid, o.rows))
            return Dual(v, tid, self)
        if self.loss == "cross-entropy":  # −Σ_i y_i log o_i (o the softmax outputs): log atoms, d log o = do / o
            return (y.T * self._fn("log", 0, o)) * -1
        raise Unsupported(f"loss={self.loss!r} is not available over F_p")

    def _loss_gradient(self, args: Val, no: int) -> tuple[Val, Val]:
        """The rows (∂_i E)(o, y) for o's entries and for y's: the abstract loss's partials, random functions."""
        memo = args._memo()
        g = memo.get("dE")
        if g is None:
            parts = [self.batch.apply_tuple(f"dE{i + 1}", args) for i in range(args.rows)]
            g = memo["dE"] = (_hstack(parts[:no]), _hstack(parts[no:]))
        return g

    # ----- functions, with every site counted
    def function(self, name: str) -> tuple[str, int]:
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise Unsupported(f"f.{name} is not available over F_p (it has {sorted(FUNCTIONS)}); use the "
                              "symbolic backends")
        family, order = spec
        return (self._family if family == "sigma" else family), order

    def fvalue(self, family: str, order: int, v: Val) -> Val:
        """The order-th derivative of a family at a value (memoised on the value: one site per value object)."""
        return _fvalue(self.batch, family, order, v)

    def _fn(self, family: str, order: int, x) -> "Dual":
        """family^(order) of a cell's quantity (or of a value), recorded on the tape."""
        if isinstance(x, Dual):
            out = self.fvalue(family, order, x.v)
            tid = None if x.tid is None else self._record(("fn", family, order, x.v, x.tid))
            return Dual(out, tid, self)
        return Dual(self.fvalue(family, order, _materialize(x)), None, self)

    def apply(self, name: str, v: Val) -> Val:
        """σ, σ' or σ'' (by table name) of a value: kept for callers of the former API."""
        return self.fvalue("sigma", ("sigma", "dsigma", "ddsigma").index(name), v)

    # ----- forward mode: replay the tape from a seed along a direction
    def tangent(self, quantity: Dual, seed: Seed, V: Val) -> Val:
        rows, cols = quantity.v.shape
        q = quantity.tid
        if q is None or (q < seed.lo and q != seed.tid):
            return Val.zeros(rows, cols, V.primes)
        key = (seed.tid, seed.lo, seed.cut, V.uid)
        state = self._fwd.get(key)
        if state is None:
            state = self._fwd[key] = [{seed.tid: V}, seed.lo]
        tans, nxt = state
        if q >= nxt:
            self._forward(tans, nxt, q + 1, seed.cut)
            state[1] = q + 1
        out = tans.get(q)
        return Val.zeros(rows, cols, V.primes) if out is None else out

    def _forward(self, tans: dict, lo: int, hi: int, cut=frozenset()) -> None:
        get = tans.get
        for i in range(lo, hi):
            op = self._tape[i]
            kind = op[0]
            if kind == "leaf" or i in cut:  # a held quantity: zero tangent
                continue
            if kind == "copy":
                r = get(op[1]) if op[1] is not None else None
            elif kind == "add":
                a = get(op[1]) if op[1] is not None else None
                b = get(op[2]) if op[2] is not None else None
                r = a if b is None else b if a is None else _add(a, b)
            elif kind == "scale":
                a = get(op[2])
                r = None if a is None else _scale(a, op[1])
            elif kind in ("mm", "had"):
                A, B = op[1], op[3]
                ta = get(op[2]) if op[2] is not None else None
                tb = get(op[4]) if op[4] is not None else None
                if kind == "mm":
                    x = None if ta is None else _matmul_shared(ta, B)
                    y = None if tb is None else _matmul(A, tb)
                else:
                    x = None if ta is None else _ew(ta, B, A.rows, A.cols)
                    y = None if tb is None else _ew(A, tb, A.rows, A.cols)
                r = x if y is None else y if x is None else _add(x, y)
            elif kind == "fn":
                a = get(op[4])
                if a is not None:
                    _derivative_at(op[1], op[2], op[3])
                r = None if a is None else _ew(self.fvalue(op[1], op[2] + 1, op[3]), a, op[3].rows, op[3].cols)
            elif kind == "T":
                a = get(op[1])
                r = None if a is None else a.T
            elif kind == "entry":
                a = get(op[1])
                r = None if a is None else _entry(a, op[2])
            elif kind == "esum":
                a = get(op[1])
                r = None if a is None else _as_scalar(_entry_sum(a))
            elif kind == "slice":
                a = get(op[1])
                r = None if a is None else _slice(a, op[2], op[3])
            elif kind == "join":
                ts = [get(t) if t is not None else None for t in op[2]]
                known = next((x for x in ts if x is not None), None)
                r = None if known is None else _join(
                    [x if x is not None else Val.zeros(v.rows, v.cols, known.primes) for x, v in zip(ts, op[3])],
                    op[1])
            elif kind == "loss":
                go, gy = self._loss_gradient(op[1], op[4])
                a = get(op[2]) if op[2] is not None else None
                b = get(op[3]) if op[3] is not None else None
                x = None if a is None else _matmul(go, a)
                y = None if b is None else _matmul(gy, b)
                r = x if y is None else y if x is None else _add(x, y)
            else:  # pragma: no cover
                raise AssertionError(kind)
            if r is not None:
                tans[i] = r

    # ----- reverse mode: a row times the Jacobian, the tape swept back from the quantity to the seed
    def adjoint(self, quantity: Dual, seed: Seed, g: Val) -> Val:
        q = quantity.tid
        if q is None or (q < seed.lo and q != seed.tid):
            return Val.zeros(seed.rows, seed.cols, g.primes)
        key = (q, seed.tid, seed.lo, seed.cut, g.uid)
        out = self._rev.get(key)
        if out is None:
            if g.rows != 1 or g.cols != quantity.v.rows or quantity.v.cols != 1:
                raise ShapeError(f"a {g.rows}×{g.cols} row times the Jacobian of a "
                                 f"{quantity.v.rows}×{quantity.v.cols} quantity")
            adj = {q: g.T}
            for i in range(q, seed.lo - 1, -1):
                y = adj.pop(i, None) if i != seed.tid else None
                if y is not None and i not in seed.cut:
                    self._backward(self._tape[i], y, adj)
            out = adj.get(seed.tid)
            out = self._rev[key] = Val.zeros(seed.rows, seed.cols, g.primes) if out is None else out
        return out

    def _backward(self, op, y: Val, adj: dict) -> None:
        def acc(tid, v):
            if tid is not None:
                prev = adj.get(tid)
                adj[tid] = v if prev is None else _add(prev, v)

        kind = op[0]
        if kind == "leaf":
            return
        if kind == "copy":
            acc(op[1], y)
        elif kind == "add":
            acc(op[1], y)
            acc(op[2], y)
        elif kind == "scale":
            acc(op[2], _scale(y, op[1]))
        elif kind == "mm":
            A, B = op[1], op[3]
            if op[2] is not None:
                acc(op[2], _matmul(y, B.T))
            if op[4] is not None:
                acc(op[4], _matmul(A.T, y))
        elif kind == "had":
            A, B = op[1], op[3]
            if op[2] is not None:
                acc(op[2], _ew(y, B, A.rows, A.cols))
            if op[4] is not None:
                acc(op[4], _ew(y, A, A.rows, A.cols))
        elif kind == "fn":
            _derivative_at(op[1], op[2], op[3])
            acc(op[4], _ew(self.fvalue(op[1], op[2] + 1, op[3]), y, op[3].rows, op[3].cols))
        elif kind == "T":
            acc(op[1], y.T)
        elif kind == "entry":  # the adjoint of entry i: y at position i, zeros elsewhere
            _, src, i, rows, cols = op
            out = []
            for x in y.a:
                e = [0] * (rows * cols)
                e[i] = int(x[0, 0])
                out.append(nmod_mat(rows, cols, e, x.modulus()))
            acc(src, Val(out, rows, cols, y.deg, y.h, y.d, y.k))
        elif kind == "esum":  # the adjoint of Σ entries: y in every entry
            _, src, rows, cols = op
            out = [nmod_mat(rows, cols, [int(x[0, 0])] * (rows * cols), x.modulus()) for x in y.a]
            acc(src, Val(out, rows, cols, y.deg, y.h, y.d, y.k))
        elif kind == "slice":  # the adjoint of a block: y in its place, zeros elsewhere (repeats add up)
            _, src, R, C, rows, cols = op
            out = []
            for x in y.a:
                e, ye = [0] * (rows * cols), x.entries()
                for a, i in enumerate(R):
                    for b, j in enumerate(C):
                        e[i * cols + j] += int(ye[a * len(C) + b])
                out.append(nmod_mat(rows, cols, [v % x.modulus() for v in e], x.modulus()))
            times = max(Counter(R).values(), default=1) * max(Counter(C).values(), default=1)
            acc(src, Val(out, rows, cols, y.deg, y.h + _bits(times), y.d, y.k))
        elif kind == "join":  # the adjoint of a join: each part's block of y
            _, axis, tids, vals = op
            off = 0
            for t, v in zip(tids, vals):
                if axis == 1:
                    block = _slice(y, range(y.rows), range(off, off + v.cols))
                    off += v.cols
                else:
                    block = _slice(y, range(off, off + v.rows), range(y.cols))
                    off += v.rows
                if t is not None:
                    acc(t, block)
        elif kind == "loss":
            go, gy = self._loss_gradient(op[1], op[4])
            if op[2] is not None:
                acc(op[2], _matmul(go.T, y))
            if op[3] is not None:
                acc(op[3], _matmul(gy.T, y))
        else:  # pragma: no cover
            raise AssertionError(kind)

    # ----- the Model API that identity claims use
    def _check_step(self, k, lo=0):
        if not isinstance(k, int) or not lo <= k <= self.t:
            raise IndexError(f"step {k!r} is outside {lo}..{self.t} for this model (t = {self.t})")

    def at(self, name: str, k: int) -> Val:
        self._check_step(k)
        return self._quantity(name, k).v

    def h(self, k: int) -> Val:
        if type(k) is int and 0 <= k <= self.t and self._h:
            return self._h[k]
        self._check_step(k)
        return self.at("h", k)

    def x(self, k: int) -> Val:
        self._check_step(k, lo=1)
        return self._inputs[k]

    def y(self, k: int) -> Val:
        self._check_step(k, lo=1)
        return self._y_leaf(k).v

    def _y_leaf(self, k: int) -> Dual:
        """The target y_k: a leaf of the tape (a step that declares ``y`` reads it as a Dual)."""
        if self.cell.output is None:
            raise ProofFileError(f"cell {self.cell.name!r} has no output, so no targets y_k")
        return self._leaf(("y", k), dimension(self.cell.outputs, n=self.n, m=self.m), 1)

    def o(self, k: int) -> Val:
        return self.at("o", k)

    def E(self, k: int) -> Val:
        return self.at("E", k)

    def initial(self, name: str) -> Val:
        return self.at(name, 0)

    def states(self, name: str = "h", lo: int = 1) -> Val:
        return _vstack([self.at(name, k) for k in range(lo, self.t + 1)])

    def vector(self, name: str, rows="n") -> Val:
        """A column of fresh variables (the model's own initial state for ``h0``)."""
        if isinstance(name, str) and name.endswith("0") and name[:-1] in self.cell.state:
            return self.initial(name[:-1])
        return self._leaf(("vector", name), dimension(rows, n=self.n, m=self.m), 1).v

    def sigma(self, v) -> Val:
        return self.fvalue(self._family, 0, _materialize(v))

    def dsigma(self, v) -> Val:
        return self.fvalue(self._family, 1, _materialize(v))

    def like(self, *a, **k):
        raise Unsupported("m.like (a second model sharing the symbols) is not available over F_p")

    def __getattr__(self, name):
        """A part of the model API the randomized backend does not implement: Unsupported (auto then falls back)."""
        if name.startswith("_"):
            raise AttributeError(name)
        raise Unsupported(f"m.{name} is not available over F_p")

    def value(self, *a, **k):
        raise Unsupported("m.value (exact values substituted) is not available over F_p")

    # ----- derivatives: each kind is a choice of seed
    def _layout(self, layout):
        layout = layout or self.layout
        if layout not in ("row-major", "col-major"):
            raise ValueError(f"layout={layout!r} must be 'row-major' or 'col-major'")
        return layout

    def _of(self, of) -> Dual:
        if callable(of) and not isinstance(of, (tuple, Val, Node, sp.Basic, sp.MatrixBase)):
            return self._function_of_model(of)
        if not (isinstance(of, tuple) and len(of) == 2 and isinstance(of[0], str)):
            raise Unsupported(f"d of {type(of).__name__} values: the randomized backend differentiates a "
                              "step's quantity (name, k)")
        self._check_step(of[1])
        q = self._quantity(*of)
        if q.v.cols != 1:
            raise ProofFileError(f"can only differentiate a vector or a scalar, not a {q.v.rows}×{q.v.cols} matrix")
        return q

    def _function_of_model(self, of) -> Dual:
        """A function of the model (``m.sum_of("E")``, ``lambda q: q.E(1) + q.E(2)``) run on the taped quantities.

        The function sees a view whose quantities are the tape's own values, so
        what it computes is recorded and a derivative seeded at h_k replays every
        path from h_k to it (the exact engine's re-run with h_k made a variable).
        """
        out = of(_TapeView(self))
        if not isinstance(out, Dual):
            raise Unsupported(f"a function of the model returning a {type(out).__name__}: over F_p it must be "
                              "built from the model's quantities (q.at, q.h, q.o, q.E) by +, −, products")
        if out.v.cols != 1:
            raise ProofFileError(f"can only differentiate a vector or a scalar, not a {out.v.rows}×{out.v.cols} "
                                 "matrix")
        if out.tid is None:
            out = Dual(out.v, self._record(("add", None, None)), self)
        return out

    def _leaf_seed(self, dual: Dual) -> Seed:
        return Seed(dual.tid, dual.v.rows, dual.v.cols, dual.tid + 1)

    def _total_seed(self, wrt) -> Seed:
        if isinstance(wrt, str):
            if wrt in self._params:
                return self._leaf_seed(self._params[wrt])
            wrt = (wrt, 0)  # an initial state named by itself: "h" means h_0
        if not (isinstance(wrt, tuple) and len(wrt) == 2):
            raise ProofFileError(f"wrt={wrt!r} must be a parameter name or a quantity such as ('h', k)")
        name, k = wrt
        self._check_step(k)
        q = self._quantity(name, k)
        return self._leaf_seed(q)  # an initial state is a leaf; a later quantity, its own entry

    def d(self, of, wrt, *, layout=None, **options):
        """The total derivative of a quantity with respect to a parameter, an initial state or a quantity."""
        if options:
            raise Unsupported(f"m.d with {', '.join(sorted(options))}= is not available over F_p")
        layout = self._layout(layout)
        return Jacobian(self, self._of(of), self._total_seed(wrt), layout)

    def partial(self, of, wrt, *, hold=(), layout=None, **options):
        """The explicit partial of step k's quantity, the previous state held fixed (only step k's ops replayed).

        ``hold`` names quantities of step k held at their values, as the exact
        engine's overrides hold them: their entries get a zero tangent (and no
        adjoint passes them), so only the paths around them are differentiated.
        """
        if options:
            raise Unsupported(f"m.partial with {', '.join(sorted(options))}= is not available over F_p")
        layout = self._layout(layout)
        if not (isinstance(of, tuple) and len(of) == 2):
            raise ProofFileError(f"m.partial takes a step's quantity (name, k), not {of!r}")
        name, k = of
        self._check_step(k, lo=1)
        q = self._of(of)
        if isinstance(wrt, str) and wrt in self._params:
            p = self._params[wrt]
            seed = Seed(p.tid, p.v.rows, p.v.cols, self._starts[k])
        elif isinstance(wrt, tuple) and len(wrt) == 2 and wrt[0] in self.cell.state and wrt[1] == k - 1:
            s = self._steps[k - 1][wrt[0]]
            seed = Seed(s.tid, s.v.rows, s.v.cols, self._starts[k])
        else:
            raise ProofFileError(f"an explicit partial of step {k} is taken w.r.t. a parameter or the previous "
                                 f"state, not {wrt!r}")
        cut = self._held(k, hold, name)
        if cut:
            seed = Seed(seed.tid, seed.rows, seed.cols, seed.lo, cut)
        return Jacobian(self, q, seed, layout)

    def _held(self, k: int, hold, of_name: str) -> frozenset:
        """The tape entries of step k's quantities that ``hold`` names (errors as the exact engine's ``held``)."""
        hold = (hold,) if isinstance(hold, str) else tuple(hold)
        step = self._steps[k]
        for h in hold:
            if h not in step:
                raise ProofFileError(f"hold={h!r}: step {k} has no quantity {h!r}; it has {sorted(step)}")
            if h == of_name:
                raise ProofFileError(f"hold={h!r} holds the very quantity being differentiated")
        return frozenset(step[h].tid for h in hold if step[h].tid is not None)

    def sum_of(self, name: str, lo: int = 1, hi: int | None = None) -> SumOf:
        """Σ_{k=lo}^{hi} name_k as a function of the model (the same object every backend runs)."""
        return SumOf(name, lo, hi)


class _TapeView:
    """The model as a function of the model sees it in ``m.d(fn, wrt)``: quantities are taped Duals."""

    def __init__(self, model: FpModel):
        self._m = model
        self.n, self.t = model.n, model.t

    def at(self, name: str, k: int) -> Dual:
        self._m._check_step(k)
        return self._m._quantity(name, k)

    def h(self, k: int) -> Dual:
        return self.at("h", k)

    def o(self, k: int) -> Dual:
        return self.at("o", k)

    def E(self, k: int) -> Dual:
        return self.at("E", k)

    def x(self, k: int) -> Dual:
        self._m._check_step(k, lo=1)
        return self._m._leaves[("x", k)]

    def y(self, k: int) -> Dual:
        self._m._check_step(k, lo=1)
        return self._m._y_leaf(k)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        m = self._m
        if name in m._params:
            return m._params[name]
        raise Unsupported(f"q.{name} inside a function of the model is not available over F_p")


class _Namespace:
    """Attribute access to a dict (a step's previous state, the parameters)."""

    def __init__(self, values: dict):
        object.__setattr__(self, "_values", values)
        self.__dict__.update(values)  # read as attributes, without a call; __getattr__ for a name added later

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


from .notation import FpNotation  # noqa: E402  (a cycle: f.softmax is the notation's)


def _guard_text_of_values():
    from ..concrete import guard_value_text

    guard_value_text(Dual)


_guard_text_of_values()
