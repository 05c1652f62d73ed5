"""The papers' scalar notation: norms, spectra, relations, hypotheses, limits.

A claim of kind ``inequality`` or ``limit`` is written against exact matrices
(SymPy matrices of rationals, or of exact values such as 1 − tanh(2)²) and
returns a :class:`Relation`, a chain of them (:func:`steps`), or a
:class:`Limit`. The scalars are unevaluated trees:

* :meth:`Scalar.approx` evaluates them in floats, to guide the search only;
* :mod:`symderiv.certificates` evaluates them again, rigorously (exact
  rationals, certified root isolation, arb balls), and only that decides.

Hypotheses are stated inside a check with :func:`assume`, as in Hypothesis: a
candidate counterexample must satisfy every one, certified like the claim.
"""
from __future__ import annotations

import contextvars
from dataclasses import dataclass

import numpy as np
import functools

import sympy as sp

from .values import NOT_A_NUMBER, exact_matrix, exact_value

OPS = ("<=", "<", ">=", ">", "=", "!=")


#: the function heads SymEngine evaluates as SymPy does; an expression with any other (the logistic function,
#: a user's own Function) is evaluated by SymPy's evalf (SymEngine cannot convert those, and may crash trying)
_SYMENGINE_HEADS = frozenset({sp.tanh, sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.Abs, sp.Max,
                              sp.Min, sp.atan, sp.asin, sp.acos})
#: bits SymEngine evaluates at (MPFR, not adaptive); a value below 2**-150 in magnitude (a cancellation that 256
#: bits may not resolve) is evaluated again by SymPy's adaptive evalf
_FLOAT_BITS, _FLOAT_TINY = 256, 2.0 ** -150


def float_value(e) -> float:
    """An exact value as a float, to guide the search (never to decide): what ``float(e.evalf(30))`` gives.

    Rationals are converted directly; other expressions are evaluated by
    SymEngine's MPFR at 256 bits (some 20 times faster than SymPy's evalf,
    which the search used to spend most of its time in), falling back to
    SymPy's evalf for what SymEngine cannot evaluate (a complex value, an
    unknown function) or may not resolve (a value that is nearly 0). Raises
    as ``float(e.evalf(30))`` does on a value with no float (complex).
    """
    if isinstance(e, (int, float)):
        return float(e)
    if e.is_Rational:
        return float(e)
    if all(f.func in _SYMENGINE_HEADS for f in e.atoms(sp.Function)) and not e.free_symbols:
        import symengine as se

        try:
            v = float(se.sympify(e).n(_FLOAT_BITS, real=True))
        except (RuntimeError, TypeError, ValueError, ArithmeticError):
            pass
        else:
            if abs(v) > _FLOAT_TINY and np.isfinite(v):
                return v
    return float(_exp_forms(e).evalf(30))


def _exp_forms(e):
    """The logistic function written 1/(1 + e^−z) for a float guide. logistic has no evalf of its own on purpose:
    with one, SymPy would decide a check's comparison of exact numbers itself (logistic(3)·(1 − logistic(3)) ≤ 1/5
    becomes a Python bool), where the engine must decide and certify it."""
    from .functions import logistic

    if not e.has(logistic):
        return e
    return e.replace(lambda f: isinstance(f, logistic), lambda f: 1 / (1 + sp.exp(-f.args[0])))


def _float_matrix(M: sp.MatrixBase) -> np.ndarray:
    rep = getattr(M, "_rep", None)
    if getattr(rep, "domain", None) in _RATIONAL_DOMAINS:  # rationals: p / q, rounded once, as float(Rational) does
        return np.array([int(x.numerator) / int(x.denominator) for x in rep.to_list_flat()],
                        dtype=float).reshape(M.shape)
    return np.array([float_value(x) for x in M], dtype=float).reshape(M.shape)


def _refused_in_user_code(approx):
    """A check's own call of ``q.approx()`` is refused (floats guide the search; they never pick a check's branch)."""
    @functools.wraps(approx)
    def guarded(self):
        from .concrete import asked_from_user, refuse

        if asked_from_user():
            refuse("its float (.approx())", self)
        return approx(self)

    return guarded


def _remembered(approx):
    """``approx`` evaluated once per scalar (its exact value does not change): steps, hypotheses and the
    proof file's own ``q.approx()`` share their subtrees, and each is asked several times per candidate."""
    def once(self):
        memo = self.__dict__.get("_float")
        if memo is None:
            memo = self.__dict__["_float"] = approx(self)
        return memo

    once.__doc__ = approx.__doc__
    return once


class Scalar:
    """A real number built from exact matrices and exact numbers.

    A claim value (concrete.py): a check may not ask Python about it (``if q:``, ``q in xs``, ``max(qs)``), nor
    read its float (:meth:`approx`, for the search's guidance only): at a search point it is a number, in the
    prove phase a symbol, and a branch picked by either would give the check two meanings. ``maximum`` and
    ``minimum`` say it in the claim language."""

    __symderiv_value__ = True

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "approx" in cls.__dict__:  # every kind of number's float: refused when a check asks for it
            cls.approx = _refused_in_user_code(cls.__dict__["approx"])

    def approx(self) -> float:
        raise NotImplementedError

    # arithmetic builds trees
    def __add__(self, o): return Op("+", (self, lift(o)))
    def __radd__(self, o): return Op("+", (lift(o), self))
    def __sub__(self, o): return Op("-", (self, lift(o)))
    def __rsub__(self, o): return Op("-", (lift(o), self))
    def __mul__(self, o): return Op("*", (self, lift(o)))
    def __rmul__(self, o): return Op("*", (lift(o), self))
    def __truediv__(self, o): return Op("/", (self, lift(o)))
    def __rtruediv__(self, o): return Op("/", (lift(o), self))
    def __pow__(self, k): return Op("^", (self, lift(k)))
    def __neg__(self): return Op("-", (Num(sp.Integer(0)), self))

    # comparisons build relations (equality: :func:`eq`, so Scalars stay hashable)
    def __le__(self, o): return Relation(self, "<=", lift(o))
    def __lt__(self, o): return Relation(self, "<", lift(o))
    def __ge__(self, o): return Relation(self, ">=", lift(o))
    def __gt__(self, o): return Relation(self, ">", lift(o))

    __hash__ = object.__hash__


@dataclass(eq=False)
class Num(Scalar):
    value: sp.Expr

    @_remembered
    def approx(self) -> float:
        return float_value(sp.sympify(self.value))

    def __str__(self):
        return sp.sstr(self.value)


@dataclass(eq=False)
class Op(Scalar):
    op: str
    args: tuple

    @_remembered
    def approx(self) -> float:
        a, b = (x.approx() for x in self.args)
        with np.errstate(all="ignore"):
            return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else float("inf"),
                    "^": a ** b if a >= 0 or float(b).is_integer() else float("nan"),
                    "max": max(a, b), "min": min(a, b)}[self.op]

    def __str__(self):
        a, b = self.args
        return f"({a} {self.op} {b})"


#: the spectral quantities and what each means (their rigorous evaluation lives in certificates.py)
SPECTRAL = {
    "norm2": "‖M‖₂, the largest singular value",
    "fro": "‖M‖_F",
    "rho": "ρ(M), the largest eigenvalue modulus",
    "lam_min": "λ*(M), the smallest eigenvalue modulus",
    "lam_max": "the largest real eigenvalue (undefined when M has none; for a symmetric M, its largest eigenvalue)",
    "smin": "σ_min(M), the smallest singular value",
    "det": "det M",
    "abs": "|x|",
}


@dataclass(eq=False)
class Spectral(Scalar):
    kind: str
    M: sp.Matrix

    @_remembered
    def approx(self) -> float:
        A = _float_matrix(self.M)
        if self.kind == "norm2":
            return float(np.linalg.norm(A, 2)) if A.size else 0.0
        if self.kind == "fro":
            return float(np.linalg.norm(A))
        if self.kind == "rho":
            return float(max(abs(np.linalg.eigvals(A))))
        if self.kind == "lam_min":
            return float(min(abs(np.linalg.eigvals(A))))
        if self.kind == "lam_max":
            ev = np.linalg.eigvals(A)
            real = ev.real[np.abs(ev.imag) <= 1e-9 * np.maximum(1.0, np.abs(ev))]
            if not real.size:
                raise ValueError("lam_max: the matrix has no real eigenvalue")
            return float(real.max())
        if self.kind == "smin":
            return float(min(np.linalg.svd(A, compute_uv=False)))
        if self.kind == "det":
            return float(np.linalg.det(A))
        if self.kind == "abs":
            return float(abs(A[0, 0]))
        raise ValueError(self.kind)

    def __str__(self):
        return f"{self.kind}({_matrix_str(self.M)})"


def _matrix_str(M) -> str:
    if M.shape == (1, 1):
        return sp.sstr(M[0, 0])
    return "[" + "; ".join(", ".join(sp.sstr(x) for x in M.row(i)) for i in range(M.rows)) + "]"


def _closed_form(v: sp.Expr) -> sp.Expr:
    """An exact value with the logistic function written as 1/(1 + e^−x), which floats and arb balls evaluate."""
    from .functions import logistic

    if isinstance(v, sp.Basic) and v.has(logistic):
        v = v.replace(logistic, lambda a: 1 / (1 + sp.exp(-a)))
    return v


def lift(x) -> Scalar:
    """A number as a Scalar: exact SymPy values and Python ints/fractions; floats and strings are an error."""
    if isinstance(x, Scalar):
        return x
    if isinstance(x, sp.MatrixBase) and x.shape == (1, 1):
        x = x[0, 0]
    bad = next((z for z in NOT_A_NUMBER if x.has(z)), None) if isinstance(x, sp.Basic) else None
    if bad is not None:  # 1/(x − x), log(0): SymPy's zoo as the value is built; at a point, that point's only
        from .concrete import UndefinedAtPoint

        raise UndefinedAtPoint(f"a side of a relation is {sp.sstr(x)[:60]}, SymPy's {NOT_A_NUMBER[bad]}: a value "
                               "it has nowhere (a division by zero as written, such as 1/(x − x))")
    return Num(_closed_form(exact_value(x, "a side of a relation")))


def maximum(*xs) -> Scalar:
    """max(a, b, …) of scalars (the papers' max over a finite set); ``max`` of a list also works."""
    if len(xs) == 1 and isinstance(xs[0], (list, tuple)):
        xs = tuple(xs[0])
    if not xs:
        raise ValueError("max() of nothing")
    out = lift(xs[0])
    for x in xs[1:]:
        out = Op("max", (out, lift(x)))
    return out


def minimum(*xs) -> Scalar:
    """min(a, b, …) of scalars."""
    if len(xs) == 1 and isinstance(xs[0], (list, tuple)):
        xs = tuple(xs[0])
    if not xs:
        raise ValueError("min() of nothing")
    out = lift(xs[0])
    for x in xs[1:]:
        out = Op("min", (out, lift(x)))
    return out


def _exact_copy(M, where: str) -> sp.Matrix:
    """A copy of M, checked exact (:func:`exact_matrix`). A SymPy matrix stored over ℤ or ℚ (its entries are
    integers and rationals: exact, no float) is copied as it is, some 20 times faster than the check."""
    if type(M) is sp.MutableDenseMatrix and getattr(getattr(M, "_rep", None), "domain", None) in _RATIONAL_DOMAINS:
        return M.copy()
    return exact_matrix(M, where)


def _matrix(M) -> sp.Matrix:
    return _exact_copy(M, "a matrix of a spectral quantity")


def _rational_domains() -> tuple:
    from sympy.polys.domains import QQ, ZZ

    return ZZ, QQ


_RATIONAL_DOMAINS = _rational_domains()


def norm2(M) -> Scalar:
    """‖M‖₂ (vectors: the Euclidean norm)."""
    return Spectral("norm2", _matrix(M))


def fro(M) -> Scalar:
    return Spectral("fro", _matrix(M))


def rho(M) -> Scalar:
    """Spectral radius: the largest eigenvalue modulus."""
    return Spectral("rho", _matrix(M))


def lam_min(M) -> Scalar:
    """λ*(M): the smallest eigenvalue modulus (pal2019's notation)."""
    return Spectral("lam_min", _matrix(M))


def lam_max(M) -> Scalar:
    """The largest real eigenvalue of M (of a symmetric M: its largest eigenvalue); undefined when M has none."""
    return Spectral("lam_max", _matrix(M))


def smin(M) -> Scalar:
    return Spectral("smin", _matrix(M))


def det(M) -> Scalar:
    return Spectral("det", _matrix(M))


def absval(x) -> Scalar:
    return Spectral("abs", _matrix(x))


# ----- relations, chains, hypotheses --------------------------------------------

@dataclass(eq=False)
class Relation:
    lhs: Scalar
    op: str
    rhs: Scalar
    label: str = ""

    def __post_init__(self):
        if self.op not in OPS:
            raise ValueError(f"relation {self.op!r} must be one of {OPS}")

    def floats(self) -> tuple[float, float]:
        """Both sides in floats (a guide for the search, never a verdict)."""
        return self.lhs.approx(), self.rhs.approx()

    def approx(self, floats: tuple[float, float] | None = None) -> bool | None:
        """Does it hold in floats? ``floats``: the sides, if already evaluated."""
        a, b = floats or self.floats()
        if not (np.isfinite(a) and np.isfinite(b)):
            return None
        return _compare(a, self.op, b)

    def margin(self, floats: tuple[float, float] | None = None) -> float:
        """How far from holding, in floats (> 0: violated)."""
        a, b = floats or self.floats()
        return {"<=": a - b, "<": a - b, ">=": b - a, ">": b - a, "=": abs(a - b), "!=": -abs(a - b)}[self.op]

    def __str__(self):
        return f"{self.lhs} {self.op} {self.rhs}"

    def __bool__(self):
        raise TypeError("a Relation is decided by the engine, not by Python's truth value: "
                        "return it (or pass it to assume()) instead of using it in an if "
                        "(for max/min of scalars use maximum(a, b) / minimum(a, b))")


def _compare(a, op, b) -> bool:
    return {"<=": a <= b, "<": a < b, ">=": a >= b, ">": a > b, "=": a == b, "!=": a != b}[op]


def eq(a, b, label: str = "") -> Relation:
    return Relation(lift(a), "=", lift(b), label)


def ne(a, b, label: str = "") -> Relation:
    return Relation(lift(a), "!=", lift(b), label)


def rel(a, op: str, b, label: str = "") -> Relation:
    return Relation(lift(a), op, lift(b), label)


@dataclass
class Chain:
    """A proof written as a = b ≤ c = d …: each step is its own relation."""

    steps: list[Relation]


def steps(*items, labels: tuple[str, ...] = ()) -> Chain:
    """``steps(a, "=", b, "<=", c)``: the chain a = b ≤ c, one relation per step."""
    if len(items) < 3 or len(items) % 2 == 0:
        raise ValueError("steps(a, op, b, op, c, …) needs an odd number of items, at least three")
    out = []
    for k in range(0, len(items) - 2, 2):
        label = labels[k // 2] if k // 2 < len(labels) else f"step {k // 2 + 1}"
        out.append(Relation(lift(items[k]), items[k + 1], lift(items[k + 2]), label))
    return Chain(out)


_assumed: contextvars.ContextVar[list | None] = contextvars.ContextVar("symderiv_assumed", default=None)


def assume(relation: Relation, label: str = "") -> None:
    """State a hypothesis: a counterexample must satisfy it (certified, like the claim)."""
    if not isinstance(relation, Relation):
        raise TypeError("assume() takes a Relation such as rho(W) < 1")
    bucket = _assumed.get()
    if label:
        relation.label = label
    if bucket is not None:
        bucket.append(relation)


_SYMPY_OPS = {sp.LessThan: "<=", sp.StrictLessThan: "<", sp.GreaterThan: ">=", sp.StrictGreaterThan: ">",
              sp.Eq: "=", sp.Ne: "!="}


def as_relation(out):
    """A check's result with SymPy comparisons (``expr <= 1/4`` of exact values) read as Relations.

    ``LOGISTIC.derivative(x) <= sp.Rational(1, 4)`` is a SymPy ``LessThan``, not
    a Relation; it is decided like one. A comparison SymPy already settled
    (``True``) is refused: its sides are gone, so nothing could certify it.
    """
    if isinstance(out, (sp.logic.boolalg.BooleanTrue, sp.logic.boolalg.BooleanFalse)):
        raise TypeError("the check compared exact numbers and SymPy already decided it "
                        f"({out}): wrap a side in lift(...) so the engine decides and certifies it")
    op = _SYMPY_OPS.get(type(out))
    if op is not None:
        return Relation(lift(out.lhs), op, lift(out.rhs))
    if isinstance(out, (list, tuple)) and not isinstance(out, Chain):
        return type(out)(as_relation(x) for x in out)
    return out


def collect_assumptions(fn, *args, **kw):
    """Call ``fn`` and return (its result, the hypotheses it assumed)."""
    bucket: list = []
    token = _assumed.set(bucket)
    try:
        return as_relation(fn(*args, **kw)), bucket
    finally:
        _assumed.reset(token)


# ----- limits along eventually periodic trajectories ------------------------------

@dataclass(eq=False)
class Sequence:
    """X_q = Mᵠ X₀ (q = 0, 1, …): a period's Jacobian product M applied q times.

    An affine recurrence X_{q+1} = M X_q + B is written with :func:`affine`,
    which augments the state so that it is again a power sequence.
    """

    M: sp.Matrix
    X0: sp.Matrix
    label: str = "X_q"
    period: int = 1
    view: tuple[int, int] | None = None   # rows of the state that the quantity reads (affine: the top block)

    def values(self, count: int) -> list[float]:
        """‖X_q‖_F for q < count, in floats: the curve the report draws."""
        M, X = _float_matrix(self.M), _float_matrix(self.X0)
        out = []
        for _ in range(count):
            top = X if self.view is None else X[self.view[0]:self.view[1]]
            out.append(float(np.linalg.norm(top)))
            X = M @ X
        return out


def powers(M, X0, label: str = "X_q", period: int = 1) -> Sequence:
    return Sequence(_exact_copy(M, "the matrix of a sequence"), _exact_copy(X0, "the start of a sequence"),
                    label, period)


def affine(M, B, X0=None, label: str = "X_q", period: int = 1) -> Sequence:
    """X_{q+1} = M X_q + B from X_0 (default 0), as the power sequence of [[M, B], [0, I]]."""
    M, B = exact_matrix(M, "the matrix of a sequence"), exact_matrix(B, "the offset of a sequence")
    X0 = sp.zeros(*B.shape) if X0 is None else exact_matrix(X0, "the start of a sequence")
    k = B.cols
    big = sp.Matrix(sp.BlockMatrix([[M, B], [sp.zeros(k, M.cols), sp.eye(k)]]))
    start = sp.Matrix.vstack(X0, sp.eye(k))
    return Sequence(big, start, label, period, view=(0, M.rows))


LIMITS = {"0": "→ 0", "inf": "→ ∞", "bounded": "stays bounded", "not0": "does not → 0"}


@dataclass(eq=False)
class Limit:
    """The claim that ‖X_q‖ has a behaviour as q → ∞ (``to``: see LIMITS)."""

    seq: Sequence
    to: str
    label: str = ""

    def __post_init__(self):
        if self.to not in LIMITS:
            raise ValueError(f"limit to={self.to!r} must be one of {list(LIMITS)}")

    def __str__(self):
        return f"‖{self.seq.label}‖ {LIMITS[self.to]} as q → ∞"


def limit(seq: Sequence, to: str, label: str = "") -> Limit:
    return Limit(seq, to, label)
