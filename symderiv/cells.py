"""Recurrent cells: a step function and the shapes of its parameters.

A :class:`Cell` is a few lines of Python: a step function that assigns the
step's named quantities (``s.h = ...``) from the previous state, the input and
named parameters. It knows nothing of how it is run: the symbolic model
(models.py), the F_p backend (fp/) and the kernel's exact forward mode
(kernel/) each run the same step function on values of their own type.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Callable, Mapping

from . import notation
from .errors import ProofFileError

Dim = int | str  # a number, or the name of a size ("n", "m")


@dataclass(frozen=True)
class Cell:
    """A recurrent cell: ``step(s, prev, x, p, f)`` assigns the step's quantities.

    - ``s``: the step scope; assign quantities to it (``s.h = ...``). A step
      that returns a value assigns it to the first state variable.
    - ``prev``: the previous step's state (``prev.h``, ``prev.c``).
    - ``x``: this step's input (m × 1), ``p``: the parameters by name,
      ``f``: the activations (``f.sigma``, ``f.dsigma``, ``f.tanh``, ``f.log``, ...).
    - A step that also needs them declares keyword parameters among
      ``y`` (this step's target), ``k`` (the step's index), ``n``, ``m``, ``t``
      (the sizes): ``def step(s, prev, x, p, f, *, y, k)``. Every backend runs a
      step through :meth:`Cell.call`, which passes exactly those it declares.
    - ``loss``: a per-step loss of one's own, ``loss(o, y, f)`` → a scalar, of
      the step's outputs o_t and target y_t (``f`` as for the step); it is the
      quantity E of every step (``m.E(k)``), in place of a loss named by the claim.
    """

    name: str
    step: Callable
    params: Mapping[str, tuple[Dim, Dim]]
    state: tuple[str, ...] = ("h",)
    output: Callable | None = None  # output(q, p, f) -> o_t from the step's quantities q
    outputs: Dim = "n"              # size of o_t
    loss: Callable | None = None    # loss(o, y, f) -> E_t, a per-step loss of the cell's own

    def extras(self) -> tuple[str, ...]:
        """The keyword parameters among STEP_EXTRAS that the step function declares."""
        return _step_extras(self.step)

    def call(self, scope, prev, x, p, f, **extras) -> dict:
        """Run the step in ``scope``; its quantities by name (a returned value is the first state).

        ``extras`` (y, k, n, m, t: a callable or a value each) are passed only if the step declares them.
        """
        wanted = self.extras()
        kw = {k: (v() if callable(v) else v) for k, v in extras.items() if k in wanted}
        missing = [k for k in wanted if k not in kw]
        if missing:
            raise ProofFileError(f"cell {self.name!r}: its step asks for {missing}, which this backend does not give")
        ret = self.step(scope, prev, x, p, f, **kw)
        if ret is not None:
            setattr(scope, self.state[0], ret)
        return scope._values

    def input_of(self, name: str) -> tuple[str, object] | None:
        """Which input a value's name denotes: ("param", "W"), ("init", "h") for h0, ("x", 1) for x1; else None.

        The one reading of these names, for the symbolic model's ``m.value``,
        the kernel's exact model and its certificates.
        """
        if name in self.params:
            return ("param", name)
        if name.endswith("0") and name[:-1] in self.state:
            return ("init", name[:-1])
        if name[:1] == "x" and name[1:].isdigit() and int(name[1:]) >= 1:
            return ("x", int(name[1:]))
        return None

    def __post_init__(self):
        check_names(self.params, self.state, self.output is not None)


#: What a model exposes as attributes (``m.t``, ``m.d``, ...): a parameter of that
#: name would be hidden behind it, since parameters are read as ``m.<name>``.
#: A test checks that every public attribute of models.Model is listed; the last
#: line holds what the kernel's exact model and the F_p model keep besides.
MODEL_ATTRIBUTES = frozenset({
    "cell", "n", "t", "m", "activation", "loss", "layout", "init", "dim", "params", "like", "vector", "x", "y",
    "initial", "f", "trajectory", "at", "h", "states", "o", "E", "sigma", "dsigma", "d", "partial", "value",
    "symbols", "check_step", "run_step", "sum_of", "conventions",
    "input", "input_symbols", "values", "witness", "batch",
})
#: Names the unrolling generates for symbols: inputs x<k>[i], targets y<k>[i] (k ≥ 1), and the
#: fresh symbols δ<quantity><k>[i] that derivatives.py substitutes for a quantity.
_GENERATED = re.compile(r"[xy][1-9]\d*")
#: Quantities a cell with an output adds to every step.
OUTPUT_QUANTITIES = ("o", "E")


def _clash(name: str, what: str) -> ProofFileError:
    return ProofFileError(f"{name!r} {what}; rename it (names are shared by every symbol the model makes, "
                          f"so two meanings would be one symbol)")


def check_names(params: Mapping, state: tuple, has_output: bool) -> None:
    """Parameters, states and the names the model generates from them must not collide.

    A parameter ``P`` is the symbols ``P[i]`` / ``P[i,j]``; a state ``s`` starts
    from ``s0[i]``; inputs are ``x<k>[i]``, targets ``y<k>[i]`` and a
    derivative's fresh symbols ``δ<name><k>[i]`` (an induction's opaque products
    and sums ``Π<k>[i,j]``, ``Σ<k>[i,j]``). Two meanings of one name would
    be one SymPy symbol: a true claim would get a certified ``fails``.
    """
    names = [("parameter", p) for p in params] + [("state", s) for s in state]
    for kind, name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise _clash(str(name), f"(a {kind}) is not a Python identifier")
        if name.startswith("_"):
            raise _clash(name, f"(a {kind}) starts with an underscore")
        if name.startswith("δ"):
            raise _clash(name, f"(a {kind}) starts with δ, which names the fresh symbols of derivatives")
        if name.startswith(("Π", "Σ")):
            raise _clash(name, f"(a {kind}) starts with {name[0]}, which names the opaque products and sums of "
                               f"an induction ({name[0]}<k>[i,j])")
    seen = set()
    for s in state:
        if s in seen:
            raise _clash(s, "is listed twice as a state")
        seen.add(s)
        if has_output and s in OUTPUT_QUANTITIES:
            raise _clash(s, f"is a state, but a cell with an output adds the quantities {OUTPUT_QUANTITIES} "
                            "to every step")
        if s in ("x", "y"):  # the induction's free symbols of a state and of an input (target) are both s[k][i]
            kind = "input" if s == "x" else "target"
            raise _clash(s, f"is a state, but {s}_k is the step's {kind}: at a symbolic step both would be the "
                            f"symbols {s}[k][i]")
        if _GENERATED.fullmatch(f"{s}0"):
            kind = "input" if s[0] == "x" else "target"
            raise _clash(s, f"is a state whose initial value {s}0[i] is the step-{s[1:]}0 {kind}'s symbols")
    initials = {f"{s}0": s for s in state}
    for p in params:
        if p in state:
            raise _clash(p, "is both a parameter and a state (m.d(..., name) could mean either)")
        if p in initials:
            raise _clash(p, f"is a parameter and the initial state of {initials[p]!r} (its symbols "
                            f"{p}[i] are the initial state's)")
        if _GENERATED.fullmatch(p):
            kind = "input" if p[0] == "x" else "target"
            raise _clash(p, f"is a parameter and the step-{p[1:]} {kind} (its symbols {p}[i] are the {kind}'s)")
        if p in MODEL_ATTRIBUTES:
            raise _clash(p, f"is a parameter but m.{p} is a model attribute, which would hide it")


#: What a step function may ask for by keyword, besides (s, prev, x, p, f): see :class:`Cell`.
STEP_EXTRAS = ("y", "k", "n", "m", "t")


#: each step function's extras, read once (a cell's step runs t times a trial; its signature does not change)
_EXTRAS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _step_extras(step) -> tuple[str, ...]:
    try:
        return _EXTRAS[step]
    except KeyError:
        out = _EXTRAS[step] = _read_extras(step)
        return out
    except TypeError:  # not weakly referenceable: read each time
        return _read_extras(step)


def _read_extras(step) -> tuple[str, ...]:
    import inspect

    try:
        params = inspect.signature(step).parameters
    except (TypeError, ValueError):
        return ()
    return tuple(k for k in STEP_EXTRAS if k in params)


def cell(name: str, *, params: Mapping[str, tuple[Dim, Dim] | Dim], state=("h",), output=None, outputs="n",
         loss=None):
    """Decorator: turn a step function into a :class:`Cell`.

    ``params`` maps a name to its shape, e.g. ``{"W": ("n", "n"), "b": "n"}``
    (a bare dimension is a column vector). ``output(q, p, f)`` gives o_t from
    the step's quantities; ``loss(o, y, f)`` a per-step loss of one's own (it
    needs ``output``).
    """
    shapes = {k: (v if isinstance(v, tuple) else (v, 1)) for k, v in params.items()}
    if loss is not None and (output is None or not callable(loss)):
        raise ProofFileError(f"cell {name!r}: loss= must be a function loss(o, y, f) of the outputs, "
                             "and needs output= (the loss is of o_t and y_t)")

    def wrap(step):
        return Cell(name, step, shapes, tuple(state), output, outputs, loss)

    return wrap


# ----- the shipped cells -------------------------------------------------------

@cell("pal2019 RNN: h_t = W_R σ(h_{t-1}) + W_I x_t + b_R, o_t = softmax(W_O h_t + b_O)",
      params={"W_R": ("n", "n"), "W_I": ("n", "m"), "b_R": "n", "W_O": ("n", "n"), "b_O": "n"},
      output=lambda q, p, f: f.softmax(p.W_O * q.h + p.b_O))
def pal2019_rnn(s, prev, x, p, f):
    s.h = p.W_R * f.sigma(prev.h) + p.W_I * x + p.b_R


@cell("pal2019 generic RNN (G1)(G2): h_t = σ(W_R h_{t-1} + W_I x_t + b_R), o_t = softmax(W_O h_t + b_O)",
      params={"W_R": ("n", "n"), "W_I": ("n", "m"), "b_R": "n", "W_O": ("n", "n"), "b_O": "n"},
      output=lambda q, p, f: f.softmax(p.W_O * q.h + p.b_O))
def pal2019_generic_rnn(s, prev, x, p, f):
    s.z = p.W_R * prev.h + p.W_I * x + p.b_R
    s.h = f.sigma(s.z)


@cell("Elman RNN: h_t = σ(W h_{t-1} + U x_t + b), o_t = V h_t + c",
      params={"W": ("n", "n"), "U": ("n", "m"), "b": "n", "V": ("n", "n"), "c": "n"},
      output=lambda q, p, f: p.V * q.h + p.c)
def elman_rnn(s, prev, x, p, f):
    s.z = p.W * prev.h + p.U * x + p.b
    s.h = f.sigma(s.z)


@cell("avram2025 RNN: z_t = W h_{t-1}, h_t = tanh(z_t)", params={"W": ("n", "n")})
def avram2025_rnn(s, prev, x, p, f):
    s.z = p.W * prev.h
    s.h = f.tanh(s.z)


@cell("LSTM cell (forget f, input i, output o gates; candidate g = tanh(·); c_t = f⊙c_{t-1} + i⊙g; h_t = o⊙tanh(c_t))",
      params={k: ("n", "n") for k in ("W_f", "W_i", "W_o", "W_g")}
      | {k: ("n", "m") for k in ("U_f", "U_i", "U_o", "U_g")}
      | {k: "n" for k in ("b_f", "b_i", "b_o", "b_g")},
      state=("h", "c"))
def lstm_cell(s, prev, x, p, f):
    s.f = f.logistic(p.W_f * prev.h + p.U_f * x + p.b_f)
    s.i = f.logistic(p.W_i * prev.h + p.U_i * x + p.b_i)
    s.og = f.logistic(p.W_o * prev.h + p.U_o * x + p.b_o)
    s.g = f.tanh(p.W_g * prev.h + p.U_g * x + p.b_g)
    s.c = notation.hadamard(s.f, prev.c) + notation.hadamard(s.i, s.g)
    s.h = notation.hadamard(s.og, f.tanh(s.c))


@cell("GRU cell: z = σ(a_z), a_z = W_z h_{t-1} + U_z x_t + b_z; r = σ(a_r), a_r = W_r h_{t-1} + U_r x_t + b_r; "
      "htilde = tanh(a_h), a_h = W_h (r⊙h_{t-1}) + U_h x_t + b_h; h_t = (1 − z)⊙h_{t-1} + z⊙htilde",
      params={k: ("n", "n") for k in ("W_z", "W_r", "W_h")} | {k: ("n", "m") for k in ("U_z", "U_r", "U_h")}
      | {k: "n" for k in ("b_z", "b_r", "b_h")})
def gru_cell(s, prev, x, p, f):
    s.a_z = p.W_z * prev.h + p.U_z * x + p.b_z
    s.z = f.sigma(s.a_z)
    s.a_r = p.W_r * prev.h + p.U_r * x + p.b_r
    s.r = f.sigma(s.a_r)
    s.a_h = p.W_h * notation.hadamard(s.r, prev.h) + p.U_h * x + p.b_h
    s.htilde = f.tanh(s.a_h)
    s.h = prev.h - notation.hadamard(s.z, prev.h) + notation.hadamard(s.z, s.htilde)


#: The cells symderiv ships, by the name a proof file imports (``symderiv models`` lists them).
SHIPPED = ("pal2019_rnn", "pal2019_generic_rnn", "elman_rnn", "avram2025_rnn", "lstm_cell", "gru_cell")


def dimension(d: Dim, *, n: int, m: int) -> int:
    """The size a cell's dimension stands for: a number, or the name "n" (hidden) or "m" (input)."""
    if isinstance(d, int) and not isinstance(d, bool):
        return d
    try:
        return {"n": n, "m": m}[d]
    except (KeyError, TypeError):
        raise ProofFileError(f"dimension {d!r} is unknown; use an integer, 'n' or 'm'") from None


class StepScope:
    """Where a step assigns its quantities (``s.h = ...``), for every backend that runs a cell.

    ``convert`` turns an assigned value into the backend's matrix type; a
    quantity named in ``overrides`` keeps the override (how a derivative with
    respect to an intermediate quantity seeds it).
    """

    def __init__(self, overrides: Mapping | None = None, convert: Callable = lambda v: v):
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_overrides", overrides or {})
        object.__setattr__(self, "_convert", convert)

    def __setattr__(self, name, value):
        if name in self._overrides and name in self._values:
            raise ProofFileError(f"the step assigns {name!r} twice, so a derivative with respect to {name!r} is "
                                 f"ambiguous (which {name}?); give each value its own name")
        self._values[name] = self._overrides.get(name, self._convert(value))

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"quantity {name!r} is used before it is assigned in the step") from None

