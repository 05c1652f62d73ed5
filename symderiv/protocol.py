"""The model protocol: what a proof's check may ask of ``m``, whichever backend runs it.

Three classes implement it, each over values of its own type:

* :class:`symderiv.models.Model`: SymPy expressions over symbols (the exact engine);
* :class:`symderiv.fp.FpModel`: F_p values and lazy operators (the randomized backend);
* :class:`symderiv.kernel.ExactModel`: exact numbers, derivatives by forward mode (the kernel).

A check written against this protocol runs unchanged on all three, which is
what lets the kernel replay a certificate on the proof's own check. Parameters
are plain instance attributes (``m.W_R``), set by :func:`bind_parameters` when
the model is made, never looked up through ``__getattr__``.
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from .errors import ProofFileError


@runtime_checkable
class ModelProtocol(Protocol):
    n: int
    t: int
    m: int
    layout: str

    def at(self, name: str, k: int) -> Any: ...

    def h(self, k: int) -> Any: ...

    def sigma(self, v) -> Any: ...

    def dsigma(self, v) -> Any: ...

    def d(self, of, wrt, *, layout: str | None = None) -> Any: ...

    def partial(self, of, wrt, *, layout: str | None = None) -> Any: ...


def bind_parameters(model, values: dict) -> None:
    """Make each parameter an attribute (``m.W_R``); a name that would shadow the protocol is refused."""
    for name, value in values.items():
        if name in ModelProtocol.__annotations__ or hasattr(type(model), name):
            raise ValueError(f"parameter {name!r} would hide the model's own {name!r}; rename the parameter")
        setattr(model, name, value)


class SumOf:
    """Σ_{k=lo}^{hi} of a scalar quantity, as a function of a model (``m.sum_of("E")``).

    A function of the model, not an expression, so that a derivative with
    respect to an intermediate quantity can re-evaluate it on the model with
    that quantity made a variable. Every backend's model runs it the same way.
    """

    def __init__(self, name: str, lo: int = 1, hi: int | None = None):
        self.name, self.lo, self.hi = name, lo, hi

    def __call__(self, m):
        hi = m.t if self.hi is None else self.hi
        terms = [m.at(self.name, k) for k in range(self.lo, hi + 1)]
        for k, v in zip(range(self.lo, hi + 1), terms):
            if getattr(v, "shape", (1, 1)) != (1, 1):
                raise ProofFileError(f"sum_of({self.name!r}): {self.name}_{k} is not a scalar")
        out = 0
        for v in terms:
            out = out + v[0, 0]
        return out

    def __repr__(self):
        return f"Σ_k {self.name}_k"
