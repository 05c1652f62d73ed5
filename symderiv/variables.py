"""Free variables: identities of vectors, matrices and scalars without a model (Matrix Cookbook).

A claim declares its variables by name and shape, and its check receives them
at one size as ``v`` (``v.x``, ``v.A``, ``v.n``)::

    @claim("cookbook.81", where="(81)", statement="∂(xᵀAx)/∂x = (A + Aᵀ)x",
           variables=dict(x=vector("n"), A=matrix("n", "n")))
    def quadratic(v):
        return v.d(v.x.T * v.A * v.x, "x"), (v.A + v.A.T) * v.x

``v.d(f, "X")`` differentiates the expression ``f`` itself (SymPy's exact
differentiation of its entries, never the formula under test), in layouts the
claim states as conventions and the report shows:

* ``f`` a scalar (or 1 × 1): the gradient, shaped like X (denominator layout:
  ∂f/∂X[i, j] at [i, j]; a column for a vector x);
* ``f`` a vector or a matrix: the Jacobian of vec(f) with respect to vec(X),
  vec by columns (``vec: col-major``, the Cookbook's and Magnus–Neudecker's) or
  by rows, with ∂vec(f)[r]/∂vec(X)[c] at [r, c] (``jacobian: numerator``) or
  at [c, r] (``jacobian: denominator``).

A variable may be declared ``invertible=True``: its domain is det ≠ 0, a
counterexample point must lie in it (the kernel checks), and the scope of an
identity that holds says so. ``tr``, ``inv``, ``logdet`` are the notation for
traces, inverses and log-determinants (``inv`` is the adjugate over the
determinant, one rational function per entry).

The kernel replays counterexamples by its own algorithm
(:mod:`symderiv.kernel.free`: forward mode with one tangent per entry of every
variable, over exact numbers; inverses and determinants by elimination).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .cells import Dim, dimension
from .errors import ProofFileError
from .notation import vec as _vec
from .values import free_symbol

#: the conventions a free-variable claim states (and their defaults): the report shows them
CONVENTIONS = {
    "gradient": ("∂f/∂X shaped like X (denominator layout)",),
    "jacobian": ("numerator", "denominator"),
    "vec": ("col-major", "row-major"),
}


@dataclass(frozen=True)
class Variable:
    """A free variable's declaration: a rows × cols shape (dimensions by name or number) and its domain."""

    kind: str          # "vector" | "matrix" | "scalar"
    rows: Dim = 1
    cols: Dim = 1
    invertible: bool = False
    sign: int = 0      # a scalar's domain: 1 (> 0), −1 (< 0) or 0 (every real)

    def shape(self, size: dict) -> tuple[int, int]:
        n, m = size.get("n", 1), size.get("m", 1)
        return dimension(self.rows, n=n, m=m), dimension(self.cols, n=n, m=m)

    def describe(self) -> str:
        if self.kind == "scalar":
            return {1: "scalar > 0", -1: "scalar < 0"}.get(self.sign, "scalar")
        shape = f"{self.rows}" if self.kind == "vector" else f"{self.rows}×{self.cols}"
        return f"{self.kind} {shape}" + (", invertible" if self.invertible else "")


def vector(rows: Dim = "n") -> Variable:
    """A free column vector of ``rows`` entries (a number, or the size "n" / "m")."""
    return Variable("vector", rows, 1)


def matrix(rows: Dim = "n", cols: Dim | None = None, *, invertible: bool = False) -> Variable:
    """A free rows × cols matrix (square when ``cols`` is omitted); ``invertible=True`` restricts it to det ≠ 0."""
    cols = rows if cols is None else cols
    if invertible and rows != cols:
        raise ProofFileError(f"an invertible matrix must be square, not {rows}×{cols}")
    return Variable("matrix", rows, cols, bool(invertible))


def scalar(*, positive: bool = False, negative: bool = False) -> Variable:
    """A free real scalar; ``positive=True`` (``negative=True``) restricts it to > 0 (< 0).

    The sign is a domain, as ``invertible`` is: the normal form uses it (√(λ²v) = λ√v for λ > 0, |λ| = −λ for
    λ < 0), counterexample points lie in it (the kernel checks) and the scope of an identity that holds says so.
    """
    if positive and negative:
        raise ProofFileError("a scalar is positive or negative, not both")
    return Variable("scalar", sign=1 if positive else -1 if negative else 0)


def entry(name: str, i: int, j: int | None = None) -> str:
    """The name of one entry of a vector (``x[0]``) or a matrix (``A[0,1]``): the one naming of entries.

    A bracket is in no Python identifier, so no value (named by an identifier) is named like another's entry;
    the symbolic model, free variables, the prove phase and derivatives' fresh symbols all name entries so.
    """
    return f"{name}[{i}]" if j is None else f"{name}[{i},{j}]"


def entry_name(name: str, var: Variable, i: int, j: int) -> str:
    """The name of one entry, as points and certificates record it (``A[0,1]``, ``x[0]``, ``c``)."""
    if var.kind == "scalar":
        return name
    return entry(name, i, None if var.kind == "vector" else j)


def declare(claim) -> None:
    """Check a claim's ``variables=`` and fill in its layout conventions (validated, shown in the report)."""
    if claim.model is not None:
        raise ProofFileError(f"{claim.id}: a claim has either model= or variables=, not both")
    if claim.kind != "identity":
        raise ProofFileError(f"{claim.id}: variables= is for identities (kind='identity'), not {claim.kind!r}")
    if not isinstance(claim.variables, dict) or not claim.variables:
        raise ProofFileError(f"{claim.id}: variables= must be a dict name -> vector(...)/matrix(...)/scalar()")
    for name, var in claim.variables.items():
        if not (isinstance(name, str) and name.isidentifier()) or name.startswith("_"):
            raise ProofFileError(f"{claim.id}: variable name {name!r} is not a plain identifier")
        if name in FreeValues.RESERVED:
            raise ProofFileError(f"{claim.id}: variable name {name!r} is taken by v.{name}; rename it")
        if not isinstance(var, Variable):
            raise ProofFileError(f"{claim.id}: variable {name!r} is {var!r}; declare it with vector(...), "
                                 "matrix(...) or scalar()")
    if "t" in claim.sizes.dims:  # free variables have no horizon: sweep(...)'s default t would repeat each size
        from .sizes import Sweep

        claim.sizes = Sweep({k: v for k, v in claim.sizes.dims.items() if k != "t"}, claim.sizes.fixed - {"t"})
    claim.conventions.setdefault("gradient", CONVENTIONS["gradient"][0])
    claim.conventions.setdefault("jacobian", "numerator")
    claim.conventions.setdefault("vec", "col-major")
    for key in ("jacobian", "vec"):
        if claim.conventions[key] not in CONVENTIONS[key]:
            raise ProofFileError(f"{claim.id}: conventions[{key!r}]={claim.conventions[key]!r} must be one of "
                                 f"{CONVENTIONS[key]}")
    claim.conventions.setdefault("variables", ", ".join(f"{k}: {v.describe()}" for k, v in claim.variables.items()))


def domain(claim) -> str:
    """Where a rational identity of these variables is claimed: '' when no variable is restricted."""
    out = []
    for k, v in (claim.variables or {}).items():
        if v.invertible:
            out.append(f"{k} invertible")
        if getattr(v, "sign", 0):
            out.append(f"{k} {'>' if v.sign > 0 else '<'} 0")
    return ", ".join(out)


class FreeValues:
    """The variables at one size as SymPy matrices of symbols (scalars as symbols), and ``d``."""

    RESERVED = frozenset({"d", "n", "m", "t", "symbols", "admissible", "variables", "conventions", "size", "variable"})

    def __init__(self, variables: dict, size: dict, conventions: dict):
        self.variables = variables
        self.size = dict(size)
        self.conventions = conventions
        self._by_id: dict = {}
        for k, v in size.items():
            setattr(self, k, v)
        for name, var in variables.items():
            r, c = var.shape(size)
            # every free variable is real (|x|, √ and their derivatives mean the real functions); a scalar's
            # declared sign is an assumption SymPy and the normal form use
            if var.kind == "scalar":
                value = free_symbol(name, var.sign)
            else:
                value = sp.Matrix(r, c, lambda i, j: free_symbol(entry_name(name, var, i, j)))
            setattr(self, name, value)
            self._by_id[id(value)] = name

    def symbols(self) -> list[sp.Symbol]:
        out = []
        for name in self.variables:
            v = getattr(self, name)
            out.extend(list(v) if isinstance(v, sp.MatrixBase) else [v])
        return out

    def admissible(self, point: dict) -> bool:
        """Is the point (symbol -> Fraction) in the variables' domain? (exact: det ≠ 0 for an invertible one)"""
        for name, var in self.variables.items():
            if getattr(var, "sign", 0):
                s = getattr(self, name)
                x = point.get(s, point.get(name, 0))
                if not (x > 0 if var.sign > 0 else x < 0):
                    return False
            if var.invertible:
                M = getattr(self, name)
                vals = M.applyfunc(lambda s: sp.Rational(point[s].numerator, point[s].denominator)
                                   if isinstance(point.get(s), Fraction) else sp.Rational(point.get(s, 0)))
                if vals.det() == 0:
                    return False
        return True

    def variable(self, wrt) -> tuple[str, sp.Matrix]:
        """(name, value as a matrix) of a variable named by its name or given as itself (``v.X``)."""
        if isinstance(wrt, str):
            if wrt not in self.variables:
                raise ProofFileError(f"v.d(..., {wrt!r}): no variable {wrt!r}; the claim declares "
                                     f"{sorted(self.variables)}")
            name = wrt
        else:
            name = self._by_id.get(id(wrt))
            if name is None:
                raise ProofFileError("v.d(f, wrt): wrt must be a variable's name or the variable itself (v.X)")
        value = getattr(self, name)
        return name, value if isinstance(value, sp.MatrixBase) else sp.Matrix([[value]])

    def d(self, of, wrt) -> sp.Matrix:
        """∂of/∂wrt, from ``of`` itself, in the claim's stated layouts (see the module docstring)."""
        _, X = self.variable(wrt)
        F = of if isinstance(of, sp.MatrixBase) else sp.Matrix([[sp.sympify(of)]])
        if F.shape == (1, 1):
            f = F[0, 0]
            return X.applyfunc(lambda s: sp.diff(f, s))
        layout = self.conventions["vec"]
        J = _vec(F, layout).jacobian(_vec(X, layout))
        return J if self.conventions["jacobian"] == "numerator" else J.T


# ----- notation for traces, inverses and determinants (SymPy matrices or the kernel's) -----

def tr(M):
    """The trace."""
    return M.trace()


def inv(M):
    """The inverse: for SymPy matrices the adjugate over the determinant (one rational function per entry)."""
    if isinstance(M, sp.MatrixBase):
        if M.rows != M.cols:
            raise ProofFileError(f"inv of a {M.rows}×{M.cols} matrix")
        return M.adjugate() / M.det()
    return M.inv()


def logdet(M):
    """log det M (of a matrix with positive determinant where it is evaluated)."""
    if isinstance(M, sp.MatrixBase):
        return sp.log(M.det())
    return M.logdet()
