"""Randomized exact identity testing over the prime field F_p, p = 2³¹ − 1.

A claim that holds for every σ is a polynomial identity in the weights, the
inputs and the atoms σ(a), σ'(a), … once each atom is read as a variable of its
own (the same reading the symbolic normal form uses). So both sides are
evaluated at a random point of F_p with σ, σ', σ'' replaced by independent
uniformly random functions (a fresh random value for each new argument,
memoised), and compared along random projections uᵀ · side · vec(V):

* the truth ``m.d(("h", t), "W_R")`` is computed by forward-mode
  differentiation of the unrolled model in F_p (dual numbers, tangent V on the
  parameter), independently of the formula under test;
* the claim's right side is built by the same notation functions as for the
  symbolic engine, which return lazy operators here; a product that contains
  no Jacobian is applied from the left (uᵀ · …, prefixes of ordered products
  shared between the terms of a sum), a product ending in a Jacobian from the
  right (… · J vec(V)), so a trial at n = 64, t = 256 costs O(t n²);
* every value carries a bound on its degree as a polynomial in the random
  variables, so each trial knows D, the degree of the projected difference.

**Error bound.** If the difference is not the zero polynomial, a trial in which
no two distinct model sites fed σ the same argument sees a zero with
probability at most D/p (Schwartz–Zippel; the atoms are then independent
uniform variables). A trial where two sites collide is detected and redrawn.
Independent trials multiply: after k trials the probability that a false
identity survived is at most (D/p)^k, and trials continue until that is at
most 2⁻⁶⁴. A single disagreeing trial proves the difference is not zero (the
evaluation is exact), and the symbolic engine then produces the certified
counterexample at the smallest size where it fails.

Limits: only abstract σ and linear-algebra cells (σ applied to model
quantities); a claim using anything else (tanh, softmax, m.partial, concrete
losses) raises :class:`Unsupported` and is left to the symbolic backends.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from . import notation
from .errors import SymderivError

P = 2 ** 31 - 1
TARGET_BITS = 64


class Unsupported(SymderivError):
    """The claim uses something the randomized backend cannot evaluate."""


# ----- arithmetic in F_p ---------------------------------------------------------

def matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A · B mod p without int64 overflow: B split into 16-bit halves (entries < p < 2³¹)."""
    lo = (A @ (B & 0xFFFF)) % P
    hi = (A @ (B >> 16)) % P
    return (hi * 65536 + lo) % P


def mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise a ⊙ b mod p (products < 2⁶²)."""
    return (a * b) % P


class RandomFunction:
    """A uniformly random function F_p → F_p, drawn lazily and memoised."""

    def __init__(self, rng: np.random.Generator, name: str):
        self.rng, self.name, self.table = rng, name, {}

    def __call__(self, a: np.ndarray) -> np.ndarray:
        flat = a.ravel()
        uniq, inv = np.unique(flat, return_inverse=True)
        new = [int(x) for x in uniq if int(x) not in self.table]
        if new:
            vals = self.rng.integers(0, P, size=len(new))
            self.table.update(zip(new, (int(v) for v in vals)))
        out = np.array([self.table[int(x)] for x in uniq], dtype=np.int64)
        return out[inv].reshape(a.shape)


# ----- values with degree bounds and tangents (forward mode) ---------------------------

@dataclass
class Val:
    """An F_p matrix, its degree bound, and (forward mode) its tangent along one direction."""

    a: np.ndarray
    deg: int
    tan: np.ndarray | None = None
    tdeg: int = 0
    _op_priority = 20.0  # above SymPy matrices'

    @property
    def shape(self):
        return self.a.shape

    @property
    def rows(self):
        return self.a.shape[0]

    def _t(self):
        return np.zeros_like(self.a) if self.tan is None else self.tan

    def __add__(self, o):
        o = _val(o, self.shape)
        tan = None if self.tan is None and o.tan is None else (self._t() + o._t()) % P
        return Val((self.a + o.a) % P, max(self.deg, o.deg), tan, max(self.tdeg, o.tdeg))

    __radd__ = __add__

    def __neg__(self):
        return Val((-self.a) % P, self.deg, None if self.tan is None else (-self.tan) % P, self.tdeg)

    def __sub__(self, o):
        return self + (-_val(o, self.shape))

    def __mul__(self, o):
        if isinstance(o, Node):
            return Prod([Dense(self), o])
        o = _val(o)
        if o.a.shape == (1, 1) and self.a.shape[1] != 1:  # a matrix times a number: the product rule still holds
            c, dc = int(o.a[0, 0]), int(o._t()[0, 0])
            tan = None
            if self.tan is not None or o.tan is not None:
                tan = (mul(self._t(), c) + mul(self.a, dc)) % P
            return Val(mul(self.a, c), self.deg + o.deg, tan, max(self.tdeg + o.deg, self.deg + o.tdeg))
        a = matmul(self.a, o.a)
        tan = None
        if self.tan is not None or o.tan is not None:
            tan = (matmul(self._t(), o.a) + matmul(self.a, o._t())) % P
        return Val(a, self.deg + o.deg, tan, max(self.tdeg + o.deg, self.deg + o.tdeg))

    def __rmul__(self, o):  # a number times a matrix
        return self * o

    @property
    def T(self):
        return Val(self.a.T.copy(), self.deg, None if self.tan is None else self.tan.T.copy(), self.tdeg)

    def __iter__(self):
        raise Unsupported("iterating over entries (a loss, softmax, a Python sum) is not available over F_p")


def _val(x, shape=None) -> Val:
    if isinstance(x, Val):
        return x
    if isinstance(x, (int, np.integer)):
        return Val(np.full(shape or (1, 1), int(x) % P, dtype=np.int64), 0)
    raise Unsupported(f"cannot use a {type(x).__name__} in an F_p computation")


# ----- lazy operators: the notation over F_p --------------------------------------------

class Node:
    """A lazy matrix: applied to a row vector from the left or a column from the right."""

    shape: tuple[int, int]
    has_jacobian = False
    _op_priority = 20.0  # above SymPy matrices': sympy.zeros(...) + node calls node.__radd__

    def left(self, g: np.ndarray, ev: "Evaluator") -> tuple[np.ndarray, int]:
        raise Unsupported(f"{type(self).__name__} cannot be applied from the left")

    def right(self, x: np.ndarray, ev: "Evaluator") -> tuple[np.ndarray, int]:
        raise Unsupported(f"{type(self).__name__} cannot be applied from the right")

    def __mul__(self, o):
        o = lift(o)
        return Prod([self, o])

    def __rmul__(self, o):
        return Prod([lift(o), self])

    def __add__(self, o):
        return Sum([self, lift(o)])

    __radd__ = __add__

    def __sub__(self, o):
        return Sum([self, Scaled(P - 1, lift(o))])

    def __neg__(self):
        return Scaled(P - 1, self)


def lift(x) -> Node:
    if isinstance(x, Node):
        return x
    if isinstance(x, Val):
        return Dense(x)
    import sympy as sp

    if isinstance(x, sp.MatrixBase) and x == sp.eye(x.rows):
        return Identity(x.rows)
    if isinstance(x, sp.MatrixBase) and x.is_zero_matrix:
        return Zero(x.shape)
    raise Unsupported(f"a {type(x).__name__} cannot enter an F_p computation")


@dataclass(eq=False)
class Dense(Node):
    v: Val

    def __post_init__(self):
        self.shape = self.v.shape

    def left(self, g, ev):
        return matmul(g, self.v.a), self.v.deg

    def right(self, x, ev):
        return matmul(self.v.a, x), self.v.deg


@dataclass(eq=False)
class Identity(Node):
    n: int

    def __post_init__(self):
        self.shape = (self.n, self.n)

    def left(self, g, ev):
        return g, 0

    def right(self, x, ev):
        return x, 0


@dataclass(eq=False)
class Zero(Node):
    shape: tuple

    def left(self, g, ev):
        return np.zeros((g.shape[0], self.shape[1]), dtype=np.int64), 0

    def right(self, x, ev):
        return np.zeros((self.shape[0], x.shape[1]), dtype=np.int64), 0


@dataclass(eq=False)
class Diag(Node):
    v: Val

    def __post_init__(self):
        self.shape = (self.v.rows, self.v.rows)

    def left(self, g, ev):
        return mul(g, self.v.a.reshape(1, -1)), self.v.deg

    def right(self, x, ev):
        return mul(self.v.a.reshape(-1, 1), x), self.v.deg


@dataclass(eq=False)
class KronEyeRow(Node):
    """I_n ⊗ sᵀ (n × n·len(s)): the row-major explicit partial ∂(W s)/∂W."""

    n: int
    s: Val

    def __post_init__(self):
        self.shape = (self.n, self.n * self.s.rows)

    def left(self, g, ev):  # g (1 × n) → g ⊗ sᵀ, flattened row-major
        return (g.reshape(-1, 1) * self.s.a.reshape(1, -1) % P).reshape(1, -1), self.s.deg

    def right(self, x, ev):  # vec_r(V) → V s
        V = x.reshape(self.n, self.s.rows)
        return matmul(V, self.s.a), self.s.deg


@dataclass(eq=False)
class KronRowEye(Node):
    """sᵀ ⊗ I_n (n × len(s)·n): the column-major explicit partial."""

    n: int
    s: Val

    def __post_init__(self):
        self.shape = (self.n, self.n * self.s.rows)

    def left(self, g, ev):
        return np.kron(self.s.a.reshape(1, -1), g) % P, self.s.deg

    def right(self, x, ev):
        X = x.reshape(self.s.rows, self.n)
        return matmul(X.T.copy(), self.s.a), self.s.deg


@dataclass(eq=False)
class HVNode(Node):
    """pal2019's HV(s) = 1 1ᵀ ⊗ sᵀ."""

    n: int
    s: Val

    def __post_init__(self):
        self.shape = (self.n, self.n * self.s.rows)

    def left(self, g, ev):
        tot = int(g.sum() % P)
        return (np.tile(self.s.a.reshape(1, -1), (1, self.n)) * tot % P), self.s.deg

    def right(self, x, ev):
        V = x.reshape(self.n, self.s.rows)
        tot = int(matmul(V, self.s.a).sum() % P)
        return np.full((self.n, 1), tot, dtype=np.int64), self.s.deg


@dataclass(eq=False)
class Scaled(Node):
    c: int
    x: Node

    def __post_init__(self):
        self.shape = self.x.shape
        self.has_jacobian = self.x.has_jacobian

    def left(self, g, ev):
        r, d = ev.left(self.x, g)
        return r * self.c % P, d

    def right(self, x, ev):
        r, d = ev.right(self.x, x)
        return r * self.c % P, d


@dataclass(eq=False)
class Jacobian(Node):
    """dh_t/d(parameter) of the F_p model: known only along the trial's direction (forward mode)."""

    of: tuple
    shape: tuple
    has_jacobian = True

    def right(self, x, ev):
        if x is not ev.direction:
            raise Unsupported("a derivative must stand rightmost in a product (it is known along vec(V) only)")
        val = ev.model.at(*self.of)
        return val.tan, val.tdeg


@dataclass(eq=False)
class Prod(Node):
    factors: list

    def __post_init__(self):
        flat = []
        for f in self.factors:
            flat += f.factors if isinstance(f, Prod) else [f]
        self.factors = flat
        self.shape = (flat[0].shape[0], flat[-1].shape[1])
        self.has_jacobian = any(f.has_jacobian for f in flat)

    def left(self, g, ev):
        d = 0
        for f in self.factors:
            g, k = ev.left(f, g)
            d += k
        return g, d

    def right(self, x, ev):
        d = 0
        for f in reversed(self.factors):
            x, k = ev.right(f, x)
            d += k
        return x, d


@dataclass(eq=False)
class Sum(Node):
    terms: list

    def __post_init__(self):
        flat = []
        for t in self.terms:
            flat += t.terms if isinstance(t, Sum) else [t]
        self.terms = flat
        self.shape = flat[0].shape
        self.has_jacobian = any(t.has_jacobian for t in flat)

    def left(self, g, ev):
        out, d = None, 0
        for t in self.terms:
            r, k = ev.left(t, g)
            out = r if out is None else (out + r) % P
            d = max(d, k)
        return out, d

    def right(self, x, ev):
        out, d = None, 0
        for t in self.terms:
            r, k = ev.right(t, x)
            out = r if out is None else (out + r) % P
            d = max(d, k)
        return out, d


class FpNotation:
    """The notation over F_p values (registered with :mod:`symderiv.notation`)."""

    def HV(self, v):
        return HVNode(v.rows, v)

    def kron(self, a, b):
        import sympy as sp

        if isinstance(a, sp.MatrixBase) and a == sp.eye(a.rows) and b.shape[0] == 1:
            return KronEyeRow(a.rows, b.T)
        if isinstance(b, sp.MatrixBase) and b == sp.eye(b.rows) and a.shape[0] == 1:
            return KronRowEye(b.rows, a.T)
        raise Unsupported("over F_p, kron is implemented for I ⊗ vᵀ and vᵀ ⊗ I only")

    def diag(self, v):
        return Diag(v)

    def product(self, factors, size):
        return Prod([lift(f) for f in factors]) if factors else Identity(size)

    def total(self, terms, shape):
        return Sum([lift(t) for t in terms]) if terms else Zero(shape)


# ----- the model over F_p ------------------------------------------------------------

class FpModel:
    """A cell unrolled numerically over F_p, with tangents along one parameter direction."""

    def __init__(self, claim_model, *, n: int, t: int, m: int, rng: np.random.Generator, wrt: str = "W_R",
                 layout: str = "row-major"):
        from .cells import Cell

        cell: Cell = claim_model
        self.cell, self.n, self.t, self.m, self.layout = cell, n, t, m, layout
        if layout != "row-major":
            raise Unsupported("the randomized backend implements the row-major layout")
        self.rng = rng
        self.fns = {name: RandomFunction(rng, name) for name in ("sigma", "dsigma", "ddsigma")}
        self.sites: list[np.ndarray] = []
        dims = {"n": n, "m": m}
        self.params = {}
        for name, (r, c) in cell.params.items():
            rr, cc = dims.get(r, r) if isinstance(r, str) else r, dims.get(c, c) if isinstance(c, str) else c
            self.params[name] = Val(rng.integers(0, P, size=(rr, cc)), 1)
        if wrt not in self.params:
            raise Unsupported(f"{cell.name} has no parameter {wrt!r}")
        self.wrt = wrt
        w = self.params[wrt]
        self.V = rng.integers(0, P, size=w.shape)
        self.params[wrt] = Val(w.a, 1, self.V.copy(), 1)
        state = {s: Val(rng.integers(0, P, size=(n, 1)), 1) for s in cell.state}
        self.steps = [state]
        f = SimpleNamespace(sigma=self._fn("sigma", "dsigma"), dsigma=self._fn("dsigma", "ddsigma"))
        for k in range(1, t + 1):
            scope = _FpScope()
            x = Val(rng.integers(0, P, size=(m, 1)), 1)
            ret = cell.step(scope, SimpleNamespace(**self.steps[-1]), x, SimpleNamespace(**self.params), f)
            if ret is not None:
                scope.__setattr__(cell.state[0], ret)
            self.steps.append(dict(scope._values))

    def _fn(self, name, dname):
        value_fn, slope_fn = self.fns[name], self.fns[dname]

        def apply(v):
            if not isinstance(v, Val):
                raise Unsupported("σ over F_p applies to model quantities only")
            self.sites.append(v.a.ravel().copy())
            out = value_fn(v.a)
            tan = None
            if v.tan is not None:
                tan = mul(slope_fn(v.a), v.tan)
            return Val(out, 1, tan, 1 + v.tdeg)

        return apply

    def collision(self) -> bool:
        """Did two distinct sites feed σ the same argument? (the trial is then redrawn)"""
        allv = np.concatenate(self.sites) if self.sites else np.zeros(0, dtype=np.int64)
        return len(np.unique(allv)) < len(allv)

    # the Model API that identity claims use
    def at(self, name: str, k: int) -> Val:
        if not 0 <= k <= self.t:
            raise IndexError(f"step {k} is outside 0..{self.t}")
        try:
            return self.steps[k][name]
        except KeyError:
            raise Unsupported(f"quantity {name!r} at step {k}") from None

    def h(self, k):
        return self.at("h", k)

    def sigma(self, v):
        return Val(self.fns["sigma"](v.a), 1)

    def dsigma(self, v):
        return Val(self.fns["dsigma"](v.a), 1)

    def __getattr__(self, name):
        params = self.__dict__.get("params", {})
        if name in params:
            p = params[name]
            return Val(p.a, p.deg)  # the parameter's value (its tangent belongs to the model's trajectory)
        raise AttributeError(name)

    def d(self, of, wrt, *, layout=None):
        if wrt != self.wrt or not (isinstance(of, tuple) and of[0] in self.cell.state):
            raise Unsupported(f"d({of!r}, {wrt!r}): the randomized backend differentiates a state "
                              f"with respect to {self.wrt}")
        rows = self.n
        return Jacobian(of, (rows, self.V.size))

    def partial(self, *a, **k):
        raise Unsupported("m.partial is not implemented over F_p")


class _FpScope:
    def __init__(self):
        object.__setattr__(self, "_values", {})

    def __setattr__(self, name, value):
        self._values[name] = value

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


# ----- evaluation of one trial ---------------------------------------------------------

@dataclass
class Evaluator:
    model: FpModel
    direction: np.ndarray
    prefix: dict = field(default_factory=dict)
    factors: dict = field(default_factory=dict)

    def factor(self, fn, r):
        return lift(fn(r))

    def left(self, node, g):
        return lift(node).left(g, self)

    def right(self, node, x):
        return lift(node).right(x, self)

    def project(self, side, u: np.ndarray) -> tuple[int, int]:
        """uᵀ · side · vec(V): a number of F_p and its degree bound."""
        side = lift(side)
        terms = side.terms if isinstance(side, Sum) else [side]
        total, deg = 0, 0
        for term in terms:
            if term.has_jacobian:
                col, d = self.right(term, self.direction)
                val = int(matmul(u, col)[0, 0])
            else:
                row, d = self.left(term, u)
                val = int(matmul(row, self.direction)[0, 0])
            total = (total + val) % P
            deg = max(deg, d + 2)  # + u and V
        return total, deg


@dataclass
class Outcome:
    equal: bool
    trials: int
    error_bits: float    # −log₂ of the bound on a false "equal"
    degree: int
    redraws: int
    seconds_per_trial: float


def test_identity(claim, size: dict, *, seed: int = 0, target_bits: int = TARGET_BITS, max_trials: int = 64) -> Outcome:
    """Trials until a disagreement, or until the false-equality bound is ≤ 2^−target_bits."""
    import time

    rng = np.random.default_rng([seed, size.get("n", 1), size.get("t", 1)])
    bits, trials, redraws, degree = 0.0, 0, 0, 0
    t0 = time.perf_counter()
    while bits < target_bits and trials < max_trials:
        model = FpModel(claim.model, n=size.get("n", 1), t=size.get("t", 1), m=size.get("m", 1), rng=rng,
                        wrt=claim.conventions.get("wrt", "W_R"), layout=claim.conventions.get("layout", "row-major"))
        if model.collision():
            redraws += 1
            if redraws > 8 * (trials + 1):
                raise Unsupported("σ arguments keep colliding: p is too small for this size")
            continue
        out = claim.check(model)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise Unsupported("the check must return (lhs, rhs)")
        lhs, rhs = out
        if tuple(lhs.shape) != tuple(rhs.shape):
            from .errors import ShapeError

            raise ShapeError(f"the sides have different shapes: {lhs.shape} and {rhs.shape}")
        ev = Evaluator(model, model.V.reshape(-1, 1))
        u = rng.integers(0, P, size=(1, lhs.shape[0]))
        if lhs.shape[1] != model.V.size:
            ev.direction = rng.integers(0, P, size=(lhs.shape[1], 1))
        a, da = ev.project(lhs, u)
        b, db = ev.project(rhs, u)
        trials += 1
        degree = max(degree, da, db)
        if a != b:
            return Outcome(False, trials, math.inf, degree, redraws, (time.perf_counter() - t0) / trials)
        bits += math.log2(P) - math.log2(max(degree, 1))
    return Outcome(True, trials, bits, degree, redraws, (time.perf_counter() - t0) / max(trials, 1))


notation.register_backend((Val, Node), FpNotation())
