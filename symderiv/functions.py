"""Activations: the abstract σ with σ' as its own atom, and concrete ones.

An abstract σ is an undefined SymPy function whose derivative is the atom
``dsigma``; so the exact derivative of an unrolled model is a polynomial in the
model's symbols and in atoms σ(·), σ'(·), σ''(·), … over their arguments. Concrete
activations are SymPy expressions (tanh) or functions with a closed-form
derivative (logistic) so that derivatives stay polynomial in the same atoms.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import sympy as sp


class _SigmaDerivative(sp.Function):
    """σ^(k) (abstract) for the class's ``derivative_order`` k; its derivative is σ^(k+1), again an atom."""

    nargs = 1
    derivative_order = 0

    def fdiff(self, argindex=1):
        return sigma_derivative(self.derivative_order + 1)(self.args[0])


class sigma(_SigmaDerivative):
    """σ (abstract): any differentiable function; derivative is ``dsigma``."""

    derivative_order = 0


class dsigma(_SigmaDerivative):
    """σ' (abstract), its own atom."""

    derivative_order = 1


class ddsigma(_SigmaDerivative):
    """σ'' (abstract): reached when a claim differentiates twice."""

    derivative_order = 2


#: The atoms an abstract activation introduces, with the derivative order each stands for.
#: σ''' and beyond (``d3sigma``, ``d4sigma``, …) are added by :func:`sigma_derivative` when first made.
SIGMA_ORDER = {sigma: 0, dsigma: 1, ddsigma: 2}
_BY_ORDER = [sigma, dsigma, ddsigma]


def sigma_derivative(k: int) -> type:
    """The atom σ^(k): ``sigma``, ``dsigma``, ``ddsigma``, then ``d3sigma``, ``d4sigma``, … made on first use.

    Every order is an atom with its own derivative rule, so differentiating
    never leaves SymPy an unevaluated ``Derivative`` (which SymEngine cannot
    convert), and a witness σ evaluates it as ``PolynomialSigma.derivative(x, k)``.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"a derivative order is a non-negative integer, not {k!r}")
    while len(_BY_ORDER) <= k:
        j = len(_BY_ORDER)
        cls = type(f"d{j}sigma", (_SigmaDerivative,), {
            "derivative_order": j, "__module__": __name__, "__doc__": f"σ^({j}) (abstract), its own atom."})
        globals()[cls.__name__] = cls  # so that a pickled σ^(j) finds its class by name
        _BY_ORDER.append(cls)
        SIGMA_ORDER[cls] = j
    return _BY_ORDER[k]


def __getattr__(name: str):
    """``d<k>sigma`` for any k, made on demand (unpickling in a fresh worker process)."""
    m = re.fullmatch(r"d([1-9]\d*)sigma", name)
    if m:
        return sigma_derivative(int(m.group(1)))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class logistic(sp.Function):
    """The logistic function 1/(1+e^{-x}), with derivative s(1-s) in its own atom."""

    nargs = 1

    def fdiff(self, argindex=1):
        s = logistic(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))


@dataclass(frozen=True)
class Activation:
    """An elementwise activation: its value and its derivative on a scalar."""

    name: str
    value: Callable[[sp.Expr], sp.Expr]
    derivative: Callable[[sp.Expr], sp.Expr]
    abstract: bool = False

    def __str__(self) -> str:
        return self.name


ABSTRACT = Activation("σ abstract", sigma, dsigma, abstract=True)
TANH = Activation("tanh", sp.tanh, lambda z: 1 - sp.tanh(z) ** 2)
LOGISTIC = Activation("logistic", logistic, lambda z: logistic(z) * (1 - logistic(z)))
IDENTITY = Activation("identity", lambda z: z, lambda z: sp.Integer(1))

ACTIVATIONS = {a.name.split()[0]: a for a in (ABSTRACT, TANH, LOGISTIC, IDENTITY)}
ACTIVATIONS["abstract"] = ABSTRACT


def activation(spec: str | Activation) -> Activation:
    """Look an activation up by name ("abstract", "tanh", "logistic", "identity")."""
    if isinstance(spec, Activation):
        return spec
    try:
        return ACTIVATIONS[spec]
    except KeyError:
        names = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"activation={spec!r} is unknown; use one of {names}") from None


@dataclass(frozen=True)
class PolynomialSigma:
    """A concrete polynomial σ used to witness a failure of an all-σ claim.

    Polynomials are differentiable and keep every value rational, so a
    counterexample with a polynomial σ is checked in exact arithmetic.
    """

    coeffs: tuple[int, ...]  # c0 + c1 x + c2 x^2 + ...

    def value(self, x):
        return sum(c * x**k for k, c in enumerate(self.coeffs))

    def derivative(self, x, order: int = 1):
        cs = list(self.coeffs)
        for _ in range(order):
            cs = [k * c for k, c in enumerate(cs)][1:]
        return sum(c * x**k for k, c in enumerate(cs))

    def __str__(self) -> str:
        x = sp.Symbol("x")
        return f"σ(x) = {sp.sstr(sp.expand(self.value(x)))}"


#: Witness activations in the order a shrinker prefers them (simplest first).
WITNESS_SIGMAS = (
    PolynomialSigma((0, 1)),        # x
    PolynomialSigma((0, 0, 1)),     # x^2
    PolynomialSigma((0, 1, 1)),     # x + x^2
    PolynomialSigma((0, 1, 0, 1)),  # x + x^3
    PolynomialSigma((1, 2, 0, 1)),  # 1 + 2x + x^3
)
