"""The kernel's re-check of an induction for every t (issue 19: "an induction's base and step are re-checked by
the kernel").

The finder (:mod:`symderiv.induction`) reads the claim at a symbolic horizon and
hands over what it proved, as expressions in its own free symbols: the closed
form at t (C, run A, the induction hypothesis substituted) and at t − 1
(C′, run B: each formal sum or product one opaque matrix), and J_t, P_t, the
partials of the cell's step at the free state h_{t−1}. Its step is the identity
C = J C′ + P. The kernel accepts it only after checking, by its own means, at
one random point where every free symbol of the finder is an independent
value (so an identity there holds for every trajectory and every value of the
opaque sums and products):

* **the step**: C − (J C′ + P) = 0 entry by entry, every σ application a
  random function of its exact argument (σ, σ′, σ″ for an abstract σ; tanh and
  the logistic function keeping their differential equations), as in
  :mod:`.random_check`;
* **the recursion**: J and P evaluated at the kernel's own one-step run are its
  own forward-mode partials ∂h_1/∂h_0 and ∂h_1/∂θ (:class:`.ExactModel` with
  random inputs, :mod:`.dual`): the finder's state symbols h_{t−1} are paired
  with the kernel's h_0, its inputs x_t, y_t with x_1, y_1, its parameters with
  the kernel's by name and position (never by printed name alone).

Both are one evaluation of the kernel's random model, so the error bound is the
one :func:`.random_check.degree_of` computes for it (E·2^−128). A kind
"same" (the two sides are one expression at a symbolic t) or "generic" (an
identity of one step at a free state) is the identity lhs = rhs at such a point. A kind "downward" (C_k =
C_{k+1} J_{k+1} + ∂ℓ_k/∂h_k, rows) is that identity too, and J_{k+1}, ∂ℓ_k/∂h_k are compared with the kernel's
own ∂h_2/∂h_1 and ∂E_1/∂h_1 on two steps of the cell (the finder's h_k, x_{k+1}, y_k paired with h_1, x_2, y_1;
an abstract loss's partials ∂E/∂o_i, the finder's atoms, paired by position with the kernel's own at (o_1, y_1),
every other application of them a random function of its arguments). For a cell with several states (an
LSTM's (h, c)) the downward step is the claimed state's block of (Λ_{k+1} J_{k+1} + ∂E_k/∂S_k) D_k: the finder's
S_{k−1}, x_k, x_{k+1}, y_k are the kernel's S_0, x_1, x_2, y_1, and its D_k, D_{k+1} (in-step Jacobians of the
states, block (r, s) = ∂r_j/∂s_j with s_j moved), J_{k+1} (block (r, s) = ∂r_{k+1}/∂s_k, the other states held)
and ∂E_k/∂S_k · D_k are compared with the kernel's own ∂r_1/∂s_1, ∂r_2/∂s_2, explicit ∂r_2/∂s_1 and ∂E_1/∂s_1, and
the recursion itself with its own adjoints of L = E_1 + E_2 (δS_2 = ∂E_2/∂S_2 D_2, δS_1 = (δS_2 D_2^{-1} J_2 +
∂E_1/∂S_1) D_1, D_2's nilpotent part checked): a cell whose output reads a gate makes E_{k+1} read S_k through the
gate of step k + 1, a path no part of the recursion has, and is refused here; a downward step of such a cell
handed over as one state, or without D, is refused. The every-n lift's statement names its free g_k = ∂E_k/∂o_k
(``dE``), paired with the kernel's own ∂E_1/∂o_1.

The kernel's own reading at every t ≤ T (:func:`read_horizons`, run by
:func:`confirm_every_t`, the induction's entry). The step is about the
finder's C and C′, and nothing above says that they are what the check
computes at t and t − 1: a check whose Python does something else at one step
(a special step 5 told apart by a string key, an attribute of the index, a
type test, or by a hash the guard failed to refuse; a reset at step 5; a sum
from k = 2; a truncated BPTT) is read at the symbolic t as its ordinary step,
and its step is "proved". So before a `for every t` the kernel runs the claim
itself, by its own means, at every horizon t = t0 … T with T = max(4, the
sweep's largest t) + 1: its random check (:func:`.random_check.confirm_identity`,
the claim's check on its exact model at a random point, σ a random function,
lhs − rhs = 0 required, error ≤ E_t·2^−128 with E_t its own degree bound) at
each t, except those its own genuine tokens from the sweep already cover (a
Proved identity of this claim at that size that trusted nothing). A t where
lhs − rhs ≠ 0 refuses the token (and the engine then looks for the certified
counterexample there). The token's error bound is the union bound E + Σ_t E_t.
So for t ≤ T the verdict rests on no reading: the kernel read the claim itself.

What is left without the kernel's own peel (below), and the token says so (:data:`READING`): past T, that the
check's Python is the same at every t, so that the finder's reading at a
symbolic t (:mod:`symderiv.formal`'s sums and products peeled at their top,
states as free symbols, the cell's step the same at every k) is the check's.
Two guards of the finder stand there, neither re-checked by the kernel: the
guard that refuses Python on the symbolic t and k (a special step past T that
it misses, ``str(k)`` in a check built in Python outside a proof file, where
:mod:`symderiv.concrete` does not rewrite it, is proved for every t:
tests/test_kernel_reading.py, the strict xfail), and :mod:`symderiv.purity`,
which refuses a step callable (a term, a factor, a cell's step, an
``every_step`` family, the check) whose reachable state changes across a call
at the symbolic index, or holds state Python does not show (a counter, a list's
``len()``, ``itertools.count``, module state: none asks about k;
tests/test_step_purity.py). What purity does not see: state a library keeps
inside its own functions, and objects reached only through symderiv's or
SymPy's. Where the kernel's
check does not run at some t ≤ T the token trusts the whole reading
(:data:`READING_UNREAD`), as does a step confirmed without a reading
(:func:`confirm_step`, the every-n lift's comparison of J and P).

The kernel's own peel (:mod:`.peel`, issue 19 item 2). Where the finder hands over its sides as terms
(``StepStatement.terms``: the closed form read at t − 1 with every formal sum and product kept as Σ/Π over k, its
bounds, order and body at a generic index, the states as symbols by step), the kernel does not use the finder's
C and C′: it builds C_{t−1} (the term, each formal object a random matrix per range) and C_t (the term at t, each
top peeled by its own code in the stated order, the remainder the same random matrix, or L·S with L a factor it
peeled and checked at the point; the truth at t − 1 of the claimed state the hypothesis C_{t−1}), and decides
C_t = J_t C_{t−1} + P_t on those. :func:`read_terms` then unrolls the same term at every t = t0 … T on its random
model and requires the claim's own lhs and rhs to equal it there ("same" and "generic" hand both sides as terms).
The token's trust is then :data:`UNIFORM`: past T, only that the check's Python is uniform in t. A downward family
hands its side at k + 1 (C_{k+1}) as a term: the kernel peels each bottom on k itself (C_k), decides C_k = block s of
(G_{k+1} D_{k+1}^{-1} J_{k+1} + ∂E_k/∂S_k) D_k with its own J, D and ∂E (:func:`_down_sides_of`; the finder's J, P, D
are still compared with its own, as before), reads the base (the term at k = t + c against its own ∇L, at t = 1 − c
with every index relative to t) and unrolls the term at every k of every t ≤ T against the claim. An induction's
(upward or downward) term the kernel does not read (:class:`.peel.Unreadable`: a truth of another derivative, a
product whose factor reads t or k, a degree it does not bound at some t ≤ T) is refused; a "same" or "generic"
statement falls back to the finder's sides and :data:`READING`, as does a family whose finder recorded no term. The
base case is the sweep's smallest t, confirmed by the kernel as any size is.

The two readings at a t share one degree run (:class:`_Shared`, issue 20 item 6): the claim's check runs first on
fresh variables, then the term beside it, and :func:`.random_check.degree_infos` bounds from that run both the claim
alone (read_horizons' E_t, the number its own run gave) and the claim against the term (read_terms'). Each reading
keeps its own trial, at its own point.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.function import UndefinedFunction

from ..functions import _SigmaDerivative, logistic
from .accept import EVERY_T, IDENTITY, UNBOUNDED, Proved, _issue, genuine, size_key
from .dual import KernelError
from .random_check import (BITS, DRAW_BITS, REDRAWS, Cannot, _Fresh, _Outside, _Singular, _trial, confirm_identity,
                           degree_infos, degree_of)

#: the kernel reads the claim itself at every t from the base to T = max(READ_T, the sweep's largest t) + 1
READ_T = 4

#: what a `holds … for every t` still rests on after this re-check, when the kernel read the claim itself at every
#: t ≤ T (:func:`read_horizons`): only the horizons past T
READING = ("past t = max(4, the sweep's largest t) + 1, up to which the kernel read the claim itself at every t: "
           "that the check's Python computes the same at every t (the guard refuses Python's questions about the "
           "symbolic t and k, and the finder refuses a step callable that changes the state it reaches between "
           "its calls or reaches state Python does not show; not seen: state a library keeps in its own code), so "
           "that the finder's reading at a symbolic t (formal sums and products peeled at their top, the cell's "
           "step the same at every k) is the check's")

#: what a `holds … for every t` rests on when the kernel also peeled the finder's term itself (C_t from C_{t−1},
#: peel.py) and unrolled it at every t ≤ T against the claim (:func:`read_terms`): only that the check is uniform
UNIFORM = "past t = max(4, the sweep's largest t) + 1, that the check's Python is uniform in t"

#: what it rests on when the kernel could not read the claim itself at some t ≤ T (its check does not run there):
#: the whole reading, as before the kernel read any horizon
READING_UNREAD = ("the reading of the check at a symbolic t (formal sums and products peeled at their top, the "
                  "cell's step the same at every k)")

#: what a downward induction's token also rests on when the finder hands over no J_{k+1}, ∂ℓ_k/∂h_k to compare (the
#: induction hands them over: then the kernel compares them with its own forward mode of two steps)
DOWNWARD = "the backward recursion's J_{k+1} and ∂ℓ_k/∂h_k as the finder derived them (compared by it at t = 2)"


@dataclass(frozen=True)
class StepStatement:
    """What the finder says it proved (see the module docstring); expressions in its own free symbols.

    ``kind``: "induction" (C = J C′ + P), "same", "generic" or "downward" (lhs = rhs). For "induction": ``state`` the cell's
    state, ``wrt`` a parameter name or a state (name, j), ``layout``, and the finder's symbols of h_{t−1}, x_t,
    y_t and of every parameter (name → matrix), which the kernel pairs with its own one-step run by position."""

    kind: str
    lhs: sp.Matrix
    rhs: sp.Matrix
    J: sp.Matrix | None = None
    P: sp.Matrix | None = None
    wrt: object = None
    layout: str = "row-major"
    state: str = "h"
    prev: sp.Matrix | None = None
    x: sp.Matrix | None = None
    y: sp.Matrix | None = None
    params: dict = field(default_factory=dict)
    #: "downward": the finder's atoms for ∂E/∂o_i (an abstract loss), in the order of o's entries; the kernel pairs
    #: each, applied at its own (o_1, y_1), with its own ∂E_1/∂o_1 entry by position
    grads: tuple = ()
    #: "induction" of a cell with several states (h, c): their names in the cell's order. ``prev`` is then the stack
    #: of the finder's previous states [h_{t−1}; c_{t−1}], ``rhs`` (C′) the stack of the previous truths, and J the
    #: claimed state's block row [∂s_t/∂h_{t−1}, ∂s_t/∂c_{t−1}]; the kernel pairs ``prev`` with its own stacked
    #: [h_0; c_0] and compares J with its own forward-mode blocks ∂s_1/∂h_0, ∂s_1/∂c_0, side by side
    states: tuple = ()
    #: "downward" of a cell with several states: (D_k, D_{k+1}), the step's in-step Jacobians of its states (block
    #: (r, s) = ∂r_j/∂s_j with s_j overridden in its step), and x_k; ``prev`` is then the stack of the finder's
    #: S_{k−1} (every later state its step from it), paired with the kernel's S_0, x_k with x_1, x_{k+1} with x_2
    D: tuple = ()
    x0: sp.Matrix | None = None
    #: "base" (the every-n lift's base truth): lhs the finder's truth ds_{t0}/dθ at horizon ``horizon`` = t0, in its
    #: symbols of the initial states (``prev``, stacked in the cell's order) and of x_1 … x_t0 (``x``, stacked); the
    #: kernel pairs them with its own h_0, c_0, x_1, … and compares lhs with its own forward-mode ds_{t0}/dθ
    horizon: int = 0
    #: "downward" of a cell with several states, from the every-n lift: the finder's free symbols of g_k = ∂E_k/∂o_k
    #: (a row; the lift reads the loss only through them), paired with the kernel's own ∂E_1/∂o_1 by position
    dE: sp.Matrix | None = None
    #: the sides as terms (kernel/peel.py), which the kernel peels and unrolls itself: for "induction" one, the
    #: claimed state's closed form read at t − 1 (``lhs``, the finder's C, and the claimed block of ``rhs``, its C′,
    #: are then not used: the kernel's own C_t and C_{t−1} stand there); for "same" and "generic" two, lhs and rhs
    #: read at t. () where the finder could not record one (the older trust, :data:`READING`, then stands)
    terms: tuple = ()


class _Refused(KernelError):
    pass


def _evaluate(e, at: dict, fresh, funcs: dict, activation: str, memo: dict):
    """``e`` at the point: a symbol its paired value or a fresh draw of its own, σ and the cell's functions the
    random model's random functions of their exact argument (the same tables as the kernel's run)."""
    got = memo.get(e)
    if got is not None:
        return got
    if e.is_Symbol:
        out = at[e] if e in at else fresh(e)
    elif e.is_Rational:
        out = e
    elif e.is_Add:
        out = sp.Integer(0)
        for a in e.args:
            out = out + _evaluate(a, at, fresh, funcs, activation, memo)
    elif e.is_Mul:
        out = sp.Integer(1)
        for a in e.args:
            out = out * _evaluate(a, at, fresh, funcs, activation, memo)
    elif e.is_Pow and e.exp.is_Integer:
        base = _evaluate(e.base, at, fresh, funcs, activation, memo)
        if int(e.exp) < 0 and base == 0:
            raise ZeroDivisionError
        out = base ** int(e.exp)
    elif e.is_Function and (len(e.args) == 1 or isinstance(e.func, UndefinedFunction)):
        f = e.func
        u = tuple(_evaluate(a, at, fresh, funcs, activation, memo) for a in e.args)
        u = u[0] if len(u) == 1 and not isinstance(f, UndefinedFunction) else u
        if isinstance(f, type) and issubclass(f, _SigmaDerivative):
            k = f.derivative_order
            if activation != "abstract" or k > 2:
                raise Cannot(f"σ^({k}) of the finder's step (σ = {activation})")
            out = funcs["abstract"].order(k)(u)
        elif f is sp.tanh:
            out = funcs["tanh"].order(0)(u)
        elif f is logistic:
            out = funcs["logistic"].order(0)(u)
        elif isinstance(f, UndefinedFunction):  # an atom of the finder's for every such function (dE_i(o, y))
            out = fresh(("undefined", f, u))
        else:
            raise Cannot(f"the finder's step applies {f} (not a function the kernel draws at random)")
    else:
        raise Cannot(f"the finder's step has a {type(e).__name__} (not a rational function of its symbols)")
    memo[e] = out
    return out


def _free_other_blocks(st: StepStatement, states: tuple) -> None:
    """The other states' blocks of the finder's C′ (an induction of a cell with several states) must be their truths
    at t − 1 as free symbols, one distinct symbol an entry (so the kernel draws each a value of its own): a block
    handed over as 0, or as anything else, made the step a recursion without that state's path."""
    import re

    rhs = sp.Matrix(st.rhs)
    if st.state not in states or rhs.rows % len(states):
        raise _Refused("the finder's C′ is not the stack of the cell's states' truths")
    n, k, seen = rhs.rows // len(states), states.index(st.state), set()
    for r, s in enumerate(states):
        if r == k:
            continue
        name = re.compile(r"^X" + (re.escape("_" + s) if r else "") + r"\[t-1\]\[\d+,\d+\]⟨.*⟩$")
        for e in rhs[r * n:(r + 1) * n, :]:
            if not (e.is_Symbol and name.match(e.name)) or e in seen:
                raise _Refused(f"the finder's block of {s}_{{t−1}}'s truth in C′ is not free symbols of it ({e})")
            seen.add(e)


class _Check:
    """The step as a claim about the cell at t = 1 for :func:`.random_check._trial`: its check runs on the kernel's
    random model and returns the kernel's own side beside the finder's."""

    variables = None

    def __init__(self, claim, st: StepStatement, t_min: int = 1):
        self.id, self.model, self.st = claim.id, claim.model, st
        self.activation, self.loss, self.conventions = claim.activation, claim.loss, dict(claim.conventions)
        self.t_min = t_min
        self.choices = None  # the kernel's peel: its choices of L, made at a first point (peel.Reader)

    def _reader(self, mk, fresh):
        from .peel import Reader

        family = self.st.terms[0].family if self.st.terms else ()
        reader = Reader(mk, self.st.params, fresh, mk._funcs, self.activation, states=self.model.state,
                        t_min=self.t_min, choices=self.choices, wrt=self.st.wrt, layout=self.st.layout,
                        state=self.st.state, top=family[1] - 1 if family else 0)
        if self.choices is None:
            self.choices = reader.choices
        return reader

    def _down_sides(self, mk, reader):
        return _down_sides_of(self, mk, reader)

    def check(self, mk):
        st = self.st
        draws = mk._draws
        recording = isinstance(draws.draw, _Fresh)

        def fresh(key):  # a symbol object of its own (names never merge), or an undefined function at its arguments
            if recording and isinstance(key, tuple) and key[0] == "undefined":
                draws.draw.arguments.extend(key[2])  # for the collision term of the error bound (degree_of)
            return draws[("finder", key)]

        at: dict = {}
        if st.kind == "base":  # the finder's initial states and inputs x_1 … x_t0 are the kernel's own, by position
            T = st.horizon
            mine = [(st.prev, sp.Matrix.vstack(*[sp.Matrix(mk.at(s, 0)) for s in self.model.state])),
                    (st.x, sp.Matrix.vstack(*[sp.Matrix(mk.x(k)) for k in range(1, T + 1)]))]
            for name in self.model.params:
                theirs = st.params.get(name)
                if theirs is None:
                    raise _Refused(f"the finder names no symbols for the parameter {name}")
                mine.append((theirs, getattr(mk.params, name)))
            for theirs, ours in mine:
                theirs, ours = sp.Matrix(theirs), sp.Matrix(ours)
                if theirs.shape != ours.shape:
                    raise _Refused(f"the finder's symbols have shape {theirs.shape}, the kernel's {ours.shape}")
                for a, b in zip(theirs, ours):
                    if not a.is_Symbol or at.setdefault(a, b) != b:
                        raise _Refused(f"the finder's {a} is not one free symbol of one value")
            memo0: dict = {}
            L = sp.Matrix(st.lhs.rows, st.lhs.cols, [_evaluate(sp.sympify(x), at, fresh, mk._funcs, self.activation,
                                                               memo0) for x in st.lhs])
            own = sp.Matrix(mk.d((st.state, T), st.wrt, layout=st.layout))
            if own.shape != L.shape:
                raise _Refused(f"the finder's truth has shape {L.shape}, the kernel's {own.shape}")
            return own, L
        paired = st.kind == "induction" or (st.kind == "downward" and st.J is not None)
        blocks = st.kind == "downward" and len(self.model.state) > 1
        if paired:
            # induction: the finder's h_{t−1}, x_t, y_t are the kernel's h_0, x_1, y_1 (one step, t = 1);
            # downward: its h_k, x_{k+1}, y_k are the kernel's h_1, x_2, y_1 (two steps, t = 2)
            down = st.kind == "downward"
            # the kernel's own reading: an induction's recursion runs through every state of the cell (a finder
            # that hands over ∂h_t/∂h_{t−1} alone for an LSTM is refused, never compared with a part of the step)
            stacked = tuple(self.model.state) if st.kind == "induction" or blocks else (st.state,)
            if (len(stacked) > 1 or len(self.model.state) > 1) and tuple(st.states) != tuple(self.model.state):
                raise _Refused(f"the finder's states {tuple(st.states)} are not the cell's "
                               f"{tuple(self.model.state)}: the recursion of a cell with several states runs "
                               "through all of them")
            if blocks:  # its S_{k−1}, x_k, x_{k+1}, y_k are the kernel's S_0, x_1, x_2, y_1 (two steps, t = 2)
                mine = sp.Matrix.vstack(*[sp.Matrix(mk.at(s, 0)) for s in stacked])
                if st.x0 is None or len(st.D) != 2:
                    raise _Refused("the finder hands over no in-step Jacobians D_k, D_{k+1} or no x_k")
                pairs = [(st.prev, mine), (st.x0, mk.x(1)), (st.x, mk.x(2))]
                if st.dE is not None:  # the lift's free g_k: the kernel's own ∂E_1/∂o_1 there
                    pairs.append((st.dE, mk.d(("E", 1), ("o", 1))))
            else:
                mine = sp.Matrix.vstack(*[sp.Matrix(mk.at(s, 1 if down else 0)) for s in stacked])
                pairs = [(st.prev, mine), (st.x, mk.x(2 if down else 1))]
            if st.y is not None and self.model.output is not None:
                pairs.append((st.y, mk.y(1)))
            for name in self.model.params:
                theirs = st.params.get(name)
                if theirs is None:
                    raise _Refused(f"the finder names no symbols for the parameter {name}")
                pairs.append((theirs, getattr(mk.params, name)))
            for theirs, ours in pairs:
                theirs, ours = sp.Matrix(theirs), sp.Matrix(ours)
                if theirs.shape != ours.shape:
                    raise _Refused(f"the finder's symbols have shape {theirs.shape}, the kernel's {ours.shape}")
                for a, b in zip(theirs, ours):
                    if not a.is_Symbol or at.setdefault(a, b) != b:
                        raise _Refused(f"the finder's {a} is not one free symbol of one value")
        if st.kind == "downward" and st.grads:
            own_g = sp.Matrix(mk.d(("E", 1), ("o", 1)))
            at_o = tuple(sp.Matrix(mk.o(1))) + tuple(sp.Matrix(mk.y(1)))
            if own_g.cols != len(st.grads):
                raise _Refused(f"the finder names {len(st.grads)} loss partials for {own_g.cols} outputs")
            mine = dict(zip(st.grads, own_g))
            plain = fresh

            def fresh(key):  # noqa: F811 (∂E/∂o_i at the kernel's own (o_1, y_1): its own value, by position)
                if isinstance(key, tuple) and key[0] == "undefined" and key[1] in mine and tuple(key[2]) == at_o:
                    return mine[key[1]]
                return plain(key)
        memo: dict = {}

        def ev(M):
            return sp.Matrix(M.rows, M.cols, [_evaluate(sp.sympify(x), at, fresh, mk._funcs, self.activation, memo)
                                              for x in M])

        col = lambda *Ms: sp.Matrix([x for M in Ms for x in M])  # noqa: E731 (entry by entry, one column)
        own_terms = bool(st.terms) and st.kind in ("induction", "same", "generic")
        down_terms = bool(st.terms) and st.kind == "downward"
        if down_terms:  # the kernel's own C_k and C_{k+1} (peel.py) and its own recursion
            reader = self._reader(mk, fresh)
            L, R = self._down_sides(mk, reader)
        elif own_terms:  # the kernel's own reading of the terms (peel.py): C_t peeled by it, C_{t−1} the term itself
            reader = self._reader(mk, fresh)
            if st.kind == "induction":
                term = st.terms[0]
                mine = reader.value(term, shift=0)
                reader.hyp = mine  # the hypothesis: where C_t reads the truth at t − 1, it is C_{t−1}
                L = reader.value(term, shift=1)
                k = tuple(self.model.state).index(st.state)
                if mine.shape != L.shape or st.rhs.rows != L.rows * len(self.model.state):
                    raise _Refused("the term's shape is not the claimed state's block of C′")
                # every other state's truth at t − 1 is the kernel's own free value (named as the finder names it,
                # so a claim that reads it reads the same value), never the finder's block of C′: a finder handing
                # that block as 0 made the kernel prove a recursion without the other states' paths
                # (tests/test_adversarial_advkread.py, a delay-line cell false from t = 6)
                states = tuple(self.model.state)
                parts = [mine if r == k else sp.Matrix(L.rows, L.cols, lambda i, j, r=r: reader._truth(
                    states[r], ("t", -1), i, j, states[r] if r else "", None)) for r in range(len(states))]
                R = sp.Matrix.vstack(*parts)
            else:
                L, R = reader.value(st.terms[0]), reader.value(st.terms[1])
                if L.shape != R.shape:
                    raise _Refused(f"the sides have shapes {L.shape} and {R.shape}")
                return (col(L, *[a for a, _ in reader.checks]), col(R, *[b for _, b in reader.checks]))
        else:
            L, R = ev(sp.Matrix(st.lhs)), ev(sp.Matrix(st.rhs))
        if not paired:
            if down_terms:
                return col(L, *[a for a, _ in reader.checks]), col(R, *[b for _, b in reader.checks])
            return L, R
        J, P = ev(sp.Matrix(st.J)), ev(sp.Matrix(st.P))
        if blocks:  # the block recursion: D_k, D_{k+1}, J_{k+1} and ∂E_k/∂S_k · D_k against the kernel's own
            S = tuple(self.model.state)

            def own(f):
                return sp.Matrix.vstack(*[sp.Matrix.hstack(*[sp.Matrix(f(r, s)) for s in S]) for r in S])

            D0, D1 = ev(sp.Matrix(st.D[0])), ev(sp.Matrix(st.D[1]))
            ownD0 = own(lambda r, s: mk.d((r, 1), (s, 1), layout=st.layout))
            ownD1 = own(lambda r, s: mk.d((r, 2), (s, 2), layout=st.layout))
            ownJ = own(lambda r, s: mk.partial((r, 2), (s, 1), layout=st.layout))
            ownPD = sp.Matrix.hstack(*[sp.Matrix(mk.d(("E", 1), (s, 1), layout=st.layout)) for s in S])
            if (ownD0.shape, ownD1.shape, ownJ.shape, ownPD.shape) != (D0.shape, D1.shape, J.shape, P.shape) \
                    or R.shape != L.shape:
                raise _Refused("J_{k+1}, ∂E_k/∂S_k, D_k or D_{k+1} has another shape than the cell's own")
            # the recursion itself, against the kernel's own truths at T = 2 (L = E_1 + E_2 differentiated through
            # every path): δS_2 = ∂E_2/∂S_2 D_2 at the horizon and δS_1 = (δS_2 D_2^{-1} J_2 + ∂E_1/∂S_1) D_1. The
            # parts above agreeing is not enough: an output that reads a gate (o = V og) makes E_{k+1} read S_k
            # through the gate of step k + 1, a path S_k → E_{k+1} that no part of the block recursion has
            L_all = mk.sum_of("E")
            G1 = sp.Matrix.hstack(*[sp.Matrix(mk.d(L_all, (s, 1), layout=st.layout)) for s in S])
            G2 = sp.Matrix.hstack(*[sp.Matrix(mk.d(L_all, (s, 2), layout=st.layout)) for s in S])
            E2 = sp.Matrix.hstack(*[sp.Matrix(mk.d(("E", 2), (s, 2), layout=st.layout)) for s in S])
            N = D1 - sp.eye(D1.rows)  # D_{k+1} unit block-triangular: N nilpotent, N^|S| = 0 (compared below)
            inv, power = sp.eye(D1.rows), sp.eye(D1.rows)
            for _ in range(len(S) - 1):
                power = -power * N
                inv = inv + power
            nil = power * N * (-1) ** (len(S) - 1)
            if G1.shape != P.shape or G2.shape != P.shape:
                raise _Refused("the kernel's own adjoints have another shape than the finder's ∂E_k/∂S_k")
            extra = reader.checks if down_terms else []
            return (col(L, ownD0, ownD1, ownJ, ownPD, G2, G1, nil, *[a for a, _ in extra]),
                    col(R, D0, D1, J, P * D0, E2, (G2 * inv * J + P) * D0, sp.zeros(*nil.shape),
                        *[b for _, b in extra]))
        if st.kind == "downward":  # J_{k+1} = ∂h_{k+1}/∂h_k and ∂ℓ_k/∂h_k against the kernel's own at k = 1
            ownJ = sp.Matrix(mk.d((st.state, 2), (st.state, 1), layout=st.layout))
            ownP = sp.Matrix(mk.d(("E", 1), (st.state, 1), layout=st.layout))
            if ownJ.shape != J.shape or ownP.shape != P.shape or R.shape != L.shape:
                raise _Refused("J_{k+1} or ∂ℓ_k/∂h_k has another shape than the cell's own")
            extra = reader.checks if down_terms else []
            return col(L, ownJ, ownP, *[a for a, _ in extra]), col(R, J, P, *[b for _, b in extra])
        if J.shape != (L.rows, R.rows) or P.shape != L.shape or R.cols != L.cols \
                or R.rows != L.rows * len(self.model.state):
            raise _Refused("the shapes of C, C′, J and P do not make C = J C′ + P")
        stacked = tuple(self.model.state)
        ownJ = sp.Matrix.hstack(*[sp.Matrix(mk.d((st.state, 1), (s, 0), layout=st.layout)) for s in stacked])
        wrt = st.wrt
        if isinstance(wrt, tuple):
            ownP = sp.zeros(*P.shape)  # dh_t/dh_j for t > j: no explicit partial
        else:
            ownP = sp.Matrix(mk.d((st.state, 1), wrt, layout=st.layout))
        if ownJ.shape != J.shape or ownP.shape != P.shape:
            raise _Refused("J or P has another shape than the cell's own partials")
        if own_terms:  # and the kernel's checks of the L it chose for each sum whose summand reads t
            return (col(L, ownJ, ownP, *[a for a, _ in reader.checks]),
                    col(J * R + P, J, P, *[b for _, b in reader.checks]))
        return (sp.Matrix.hstack(L, ownJ, ownP), sp.Matrix.hstack(J * R + P, J, P))


def _own_down(mk, states: tuple, layout: str):
    """The kernel's own parts of the backward recursion at k = 1 of its two-step model: (J_2, D_1, D_2, ∂E_1/∂S_1 ·
    D_1), J_2 block (r, s) = ∂r_2/∂s_1 (the other states held), D_j block (r, s) = ∂r_j/∂s_j (s_j moved). One state:
    J_2 = ∂h_2/∂h_1, D = I, and ∂E_1/∂h_1."""
    if len(states) == 1:
        s = states[0]
        J = sp.Matrix(mk.d((s, 2), (s, 1), layout=layout))
        return J, sp.eye(J.rows), sp.eye(J.rows), sp.Matrix(mk.d(("E", 1), (s, 1), layout=layout))

    def own(f):
        return sp.Matrix.vstack(*[sp.Matrix.hstack(*[sp.Matrix(f(r, s)) for s in states]) for r in states])

    J = own(lambda r, s: mk.partial((r, 2), (s, 1), layout=layout))
    D0 = own(lambda r, s: mk.d((r, 1), (s, 1), layout=layout))
    D1 = own(lambda r, s: mk.d((r, 2), (s, 2), layout=layout))
    PD = sp.Matrix.hstack(*[sp.Matrix(mk.d(("E", 1), (s, 1), layout=layout)) for s in states])
    return J, D0, D1, PD


def _down_sides_of(check, mk, reader):
    """(C_k, G_k's claimed block) of a downward step, both the kernel's own: C_{k+1} the finder's term as read (its
    formal objects random matrices per range), C_k the same term with every index on k moved down by one and each
    formal whose bottom is on k peeled by the kernel (peel.py); G_{k+1} the stacked row [C_{k+1} for the claimed state,
    a free row for every other], G_k = G_{k+1} D_{k+1}^{-1} J_{k+1} D_k + ∂E_k/∂S_k D_k with the kernel's own J, D and
    ∂E (:func:`_own_down`, compared with its own adjoints of L = E_1 + E_2 below). Where C_k reads the claimed truth at
    k + 1 it is C_{k+1} (the hypothesis); a truth at k, block r of G_k."""
    st = check.st
    states = tuple(check.model.state)
    term = st.terms[0]
    if st.state not in states:
        raise _Refused(f"the finder's state {st.state} is not one of the cell's")
    J, D0, D1, PD = _own_down(mk, states, st.layout)
    nxt = reader.value(term, shift=0)
    row = nxt.T if term.transposed else nxt
    n = J.rows // len(states)
    if row.shape != (1, n):
        raise _Refused(f"the finder's term is not one state's ∇L (shape {nxt.shape})")
    G1 = sp.Matrix.hstack(*[row if r == st.state else sp.Matrix(1, n, lambda _, i, r=r: reader._grad(r, ("k", 1), i))
                            for r in states])
    N = D1 - sp.eye(D1.rows)  # unit block-triangular (its nilpotent part compared with the kernel's own adjoints)
    inv, power = sp.eye(D1.rows), sp.eye(D1.rows)
    for _ in range(len(states) - 1):
        power = -power * N
        inv = inv + power
    G0 = G1 * inv * J * D0 + PD
    blocks = {r: G0[:, q * n:(q + 1) * n] for q, r in enumerate(states)}
    reader.rows = {(st.state, ("k", 1)): row, **{(r, ("k", 0)): b for r, b in blocks.items()}}
    cur = reader.value(term, shift=-1)
    return (cur.T if term.transposed else cur), blocks[st.state]


@dataclass(frozen=True)
class Reading:
    """What the kernel found reading the claim itself at every horizon t0 … t_hi (:func:`read_horizons`).

    ``checked``: the t it read by its own random check now; ``by_tokens``: the t its own earlier genuine Proved
    (the sweep's, for this claim and size, with nothing trusted) already covers; ``differs_at``: the first t the
    kernel does not confirm (lhs − rhs ≠ 0 at its random point, or its check refuses there; None: none), ``why``
    what it said; ``unread``: the t where its check does not run (so nothing is
    read there), with ``trusts`` what those Proved trusted; ``degree``: the sum of the E of each t's error bound
    E·2^−128 (a union bound: the probability that a false claim agrees at some t read is at most their sum; None
    where a degree was not bounded)."""

    t0: int
    t_hi: int
    checked: tuple = ()
    by_tokens: tuple = ()
    differs_at: int | None = None
    why: str = ""
    unread: tuple = ()
    trusts: tuple = ()
    degree: int | None = None

    @property
    def complete(self) -> bool:
        """Every t from t0 to t_hi read by the kernel, and no difference."""
        return self.differs_at is None and not self.unread


def read_horizon_limit(t_max: int) -> int:
    """T: the largest horizon the kernel reads the claim at for a `for every t` (one past max(4, t_max))."""
    return max(READ_T, t_max) + 1


def read_horizons(claim, size: dict, t0: int, t_max: int, *, tokens=(), seed: int = 0, degree_at=None) -> Reading:
    """The kernel's own reading of the claim at every horizon t = t0 … T (T = :func:`read_horizon_limit`), at
    ``size`` (every dimension but t): its random check (:func:`.random_check.confirm_identity`: its exact model, or
    ℤ/p past it, at a random point, σ a random function) at each t, where lhs − rhs must be 0. A horizon that one of
    ``tokens`` covers (a genuine Proved identity of this claim at that size whose check trusted nothing) is not
    read again. It stops at the first t that differs: a check whose Python does something else at some step k ≤ T
    (a special step told apart by a string, an attribute, a type, a hash the guard missed) is refused here, whatever
    the finder read at the symbolic t. What it cannot see is a step past T. ``degree_at``: t → the claim's own
    :func:`.random_check.degree_info` at t from a run made for both readings (:class:`_Shared`), or None (computed
    by :func:`.random_check.confirm_identity` itself)."""
    t_hi = read_horizon_limit(t_max)
    covered = set()
    for tok in tokens:
        if genuine(tok) and tok.holds and tok.kind == IDENTITY and tok.claim == claim.id \
                and not (set(tok.trusts) - {UNBOUNDED}):
            at = dict(tok.size)
            t = at.pop("t", None)
            if t is not None and size_key(at) == size_key({k: v for k, v in size.items() if k != "t"}):
                covered.add(t)
    checked, unread, trusts, degrees = [], [], [], []
    for tok in tokens:  # the degrees of the horizons its own tokens cover count too
        if genuine(tok) and tok.holds and tok.kind == IDENTITY and dict(tok.size).get("t") in covered \
                and tok.claim == claim.id:
            degrees.append(tok.degree if tok.error else 0)  # a token with no randomized error adds none
            trusts.extend(tok.trusts)
    for t in range(t0, t_hi + 1):
        if t in covered:
            continue
        at = {**{k: v for k, v in size.items() if k != "t"}, "t": t}
        info = degree_at(t) if degree_at is not None else None
        tok, why = confirm_identity(claim, at, seed=seed, trusts="the finder's reading", info=info)
        if tok is None:
            return Reading(t0, t_hi, tuple(checked), tuple(sorted(covered)), differs_at=t,
                           why=f"at t = {t}: {why}", unread=tuple(unread), trusts=tuple(dict.fromkeys(trusts)))
        if set(tok.trusts) - {UNBOUNDED}:  # its check did not run there: nothing read at this t
            unread.append(t)
        else:
            checked.append(t)
            degrees.append(tok.degree if tok.error else 0)
        trusts.extend(tok.trusts)
    total = None if not degrees or any(d is None for d in degrees) else sum(degrees)
    return Reading(t0, t_hi, tuple(checked), tuple(sorted(covered)), unread=tuple(unread),
                   trusts=tuple(dict.fromkeys(trusts)), degree=total)


class _Unroll:
    """The claim at horizon τ beside its term(s) unrolled there by the kernel (peel.py), for
    :func:`.random_check._trial`: (lhs, rhs) of the claim's own check on the kernel's random model against (term,
    term) (one term: the closed form) or (term_lhs, term_rhs)."""

    variables = None

    def __init__(self, claim, st: StepStatement, tau: int, base: bool = False):
        self.id, self.model, self.claim, self.st, self.tau = claim.id, claim.model, claim, st, tau
        self.activation, self.loss, self.conventions = claim.activation, claim.loss, dict(claim.conventions)
        self.base = base
        self.parts: list = []  # the degree run: what the claim's own check made, each time it ran to its end

    def _claim_sides(self, mk):
        """The claim's own check on the kernel's model, run before anything of the term's: in the degree run its out
        and the arguments it met are recorded (:meth:`part`), so that one run bounds both the claim alone (for
        :func:`read_horizons`) and the claim beside its term (for :func:`read_terms`)."""
        from .check import _sides

        out = self.claim.check(mk)
        draw = mk._draws.draw
        if isinstance(draw, _Fresh):
            self.parts.append((out, len(draw.arguments), {k: len(v) for k, v in draw.met.items()}))
        return _sides(out)

    def part(self):
        """The claim's own part of the degree run (:func:`.random_check.degree_infos`): None unless its check ran to
        its end once (a rerun of the whole on a jet model, asked for by the term, is not the claim's run alone)."""
        return self.parts[0] if len(self.parts) == 1 else None

    def _fresh(self, mk):
        """The draws of the unrolling; an abstract loss's partial ∂E/∂o_i (the finder's atom) applied at the kernel's
        own (o_j, y_j) is its own ∂E_j/∂o_j's entry i, as the claim's check reads it. Each ∂E_j/∂o_j is computed
        when an atom first names its (o_j, y_j), not for every j ≤ τ in advance (cpu10: n forward runs seeded at o_j
        each, most of them for a j no term reads); the same value (the model's runs and the loss's values are its
        own, whenever asked), and where two steps have one (o_j, y_j) the later j's, as before."""
        draws = mk._draws
        grads = tuple(self.st.grads) if self.st.grads and self.model.output is not None else ()
        pos: dict = {}  # the finder's atom f → the entries of ∂E_j/∂o_j it names, in order (zip's: the last one
        for i, f in enumerate(grads):  # within o's entries; an atom listed twice, once past them, names the first)
            pos.setdefault(f, []).append(i)
        steps: dict = {}  # (o_j, y_j) → j (the last j of a repeated one), made when an atom is first read
        own: dict = {}    # j → ∂E_j/∂o_j, entry by entry

        def fresh(key):
            if grads and isinstance(key, tuple) and key and key[0] == "undefined" and key[1] in pos:
                if not steps:
                    for j in range(1, self.tau + 1):
                        steps[tuple(sp.Matrix(mk.o(j))) + tuple(sp.Matrix(mk.y(j)))] = j
                j = steps.get(tuple(key[2]))
                if j is not None:
                    if j not in own:
                        own[j] = list(sp.Matrix(mk.d(("E", j), ("o", j))))
                    named = [i for i in pos[key[1]] if i < len(own[j])]
                    if named:
                        return own[j][named[-1]]
            return draws[("unroll", key)]
        return fresh

    def _down(self, mk):
        """A downward family at τ: the claim's sides (each stacked over k = lo … τ + c) against the finder's term at
        each k, unrolled by the kernel; the base (``base``): the term at k = τ + c = 1 against the kernel's own ∇L."""
        from .peel import Reader

        term = self.st.terms[0]
        lo, c = term.family
        lhs, rhs = (None, None) if self.base else self._claim_sides(mk)  # the claim's check first (:meth:`part`)
        fresh = self._fresh(mk)

        def at(k):
            reader = Reader(mk, self.st.params, fresh, mk._funcs, self.activation, states=self.model.state,
                            tau=self.tau, horizon=term.horizon, choices={}, state=self.st.state, k=k,
                            base=self.base)
            return reader.value(term)

        if self.base:  # the base at k = t + c read at τ = 1 − c with every index kept relative to τ
            mine = at(self.tau + c)
            row = sp.Matrix(mk.d(mk.sum_of("E"), (self.st.state, self.tau + c)))
            own = row.T if term.transposed else row
            if own.shape != mine.shape:
                raise _Refused(f"the term has shape {mine.shape}, the kernel's own ∇L {own.shape}")
            return own, mine
        ks = range(lo, self.tau + c + 1)
        if not ks:
            raise _Refused(f"the family has no step k at t = {self.tau}")
        a = sp.Matrix.vstack(*[at(k) for k in ks])
        if a.shape != lhs.shape or a.shape != rhs.shape:
            raise _Refused(f"the term stacked has shape {a.shape}, the claim's sides {lhs.shape} at t = {self.tau}")
        return sp.Matrix.hstack(lhs, rhs), sp.Matrix.hstack(a, a)

    def check(self, mk):
        from .peel import Reader, Unreadable

        if self.st.kind == "downward":
            try:
                return self._down(mk)
            except Cannot as e:
                raise Unreadable(str(e)) from None
        lhs, rhs = self._claim_sides(mk)
        draws = mk._draws
        try:
            sides = []
            for term in self.st.terms:
                reader = Reader(mk, self.st.params, lambda key: draws[("unroll", key)], mk._funcs, self.activation,
                                states=self.model.state, tau=self.tau, horizon=term.horizon, choices={},
                                wrt=self.st.wrt, layout=self.st.layout, state=self.st.state)
                sides.append(reader.value(term))
        except Cannot as e:
            raise Unreadable(str(e)) from None
        a, b = (sides[0], sides[0]) if len(sides) == 1 else sides
        if a.shape != lhs.shape or b.shape != rhs.shape:
            raise _Refused(f"the term has shape {a.shape}, the claim's side {lhs.shape} at t = {self.tau}")
        return sp.Matrix.hstack(lhs, rhs), sp.Matrix.hstack(a, b)


@dataclass(frozen=True)
class Unrolled:
    """The kernel's unrolling of the finder's term(s) at every t = t0 … t_hi against the claim itself there
    (:func:`read_terms`). ``differs_at``: the first t where the term is not what the check computes (None: none);
    ``unreadable``: why the kernel did not read a term (then nothing is concluded from it); ``degree``: the sum of
    each t's E (error ≤ E·2^−128), None if one was not bounded."""

    t0: int
    t_hi: int
    differs_at: int | None = None
    why: str = ""
    unreadable: str = ""
    degree: int | None = None


class _Shared:
    """One degree run per horizon t for both of the kernel's readings (cpu9): the claim's check run first on fresh
    variables, then the finder's term beside it (:class:`_Unroll`); :func:`.random_check.degree_infos` bounds from
    it both the claim alone (what :func:`read_horizons` asks of :func:`.random_check.confirm_identity`, the same
    number as its own degree run: the same sides, the same arguments met) and the claim against its term (what
    :func:`read_terms` asks, the same number as its own degree run of the unrolling). The trials are not shared:
    each reading keeps its own points."""

    def __init__(self, claim, size: dict, st: StepStatement):
        self.claim, self.size, self.st = claim, size, st
        self.unrolled: dict = {}  # t -> the unrolling's Degree

    def claim_at(self, t: int):
        from .peel import Unreadable

        pseudo = _Unroll(self.claim, self.st, t)
        at = {**{k: v for k, v in self.size.items() if k != "t"}, "t": t}
        try:
            whole, mine = degree_infos(pseudo, at, part=pseudo.part)
        except (Unreadable, KernelError):  # as degree_of would raise it there: read_terms' own run says so again
            return None
        self.unrolled[t] = whole
        return mine


def read_terms(claim, size: dict, st: StepStatement, t0: int, t_max: int, *, seed: int = 0,
               known: dict | None = None) -> Unrolled:
    """The finder's term(s) unrolled by the kernel (peel.py) at every horizon t = t0 … T, T as
    :func:`read_horizons`, each against the claim's own check on the kernel's random model at that t: lhs and rhs
    must both be the term's value there (one term) or each its own (two). A t where they differ is the finder's
    term not being the check (a bound off by one, a body at k + 1, an order reversed, a Σ read as a Π). ``known``:
    the Degree of each t's unrolling its degree run already gave (:class:`_Shared`, the run that also gave
    :func:`read_horizons` the claim's own), t → Degree; the others are computed here."""
    from .peel import Unreadable

    t_hi = read_horizon_limit(t_max)
    degrees = []
    todo = [(t, False) for t in range(t0, t_hi + 1)]
    if st.kind == "downward":  # and the base, k = t + c, at τ = 1 − c (k = 1, S_0 free): the same at every t
        todo.insert(0, (1 - st.terms[0].family[1], True))
    for t, base in todo:
        at = {**{k: v for k, v in size.items() if k != "t"}, "t": t}
        pseudo = _Unroll(claim, st, t, base=base)
        rng = random.Random(f"{seed}:unroll:{claim.id}:{sorted(at.items())}")
        try:
            got = None if base or known is None else known.get(t)
            E, why = (got.E, got.why) if got is not None else degree_of(pseudo, at)
            if E is None:
                return Unrolled(t0, t_hi, unreadable=f"at t = {t}: the degree is not bounded ({why})")
            for _ in range(REDRAWS):
                try:
                    diffs, _ = _trial(pseudo, at, rng)
                    break
                except (_Singular, _Outside):
                    continue
            else:
                return Unrolled(t0, t_hi, unreadable=f"at t = {t}: a denominator is 0 at every point drawn")
        except Unreadable as e:
            return Unrolled(t0, t_hi, unreadable=f"at t = {t}: {str(e)[:160]}")
        except _Refused as e:
            return Unrolled(t0, t_hi, differs_at=t, why=str(e)[:160])
        except (Cannot, KernelError) as e:
            return Unrolled(t0, t_hi, unreadable=f"at t = {t}: {str(e)[:160]}")
        except Exception as e:  # noqa: BLE001 (the check or the term does not run on the kernel's model here)
            return Unrolled(t0, t_hi, unreadable=f"at t = {t}: {type(e).__name__}: {str(e)[:160]}")
        if any(d != 0 for d in diffs):
            return Unrolled(t0, t_hi, differs_at=t, why=(
                f"the finder's term at k = t{st.terms[0].family[1]:+d} is not the kernel's own ∇L (the base, read at "
                f"t = {t})" if base else f"the finder's term is not the claim's side at t = {t}"))
        degrees.append(E)
    return Unrolled(t0, t_hi, degree=sum(degrees))


def confirm_every_t(claim, size: dict, st: StepStatement, t0: int, t_max: int, *, tokens=(),
                    seed: int = 0) -> tuple[Proved | None, str, Reading | None]:
    """The kernel's Proved (kind every t) for an induction at ``size``, or (None, why, reading): the finder's step
    re-checked (:func:`confirm_step`) and the claim read by the kernel itself at every t = t0 … T
    (:func:`read_horizons`; ``tokens``: the sweep's own, for the horizons they already cover). Its token trusts
    :data:`READING` (the horizons past T) when every t ≤ T was read, else :data:`READING_UNREAD` and what the
    unread horizons trusted."""
    from dataclasses import replace

    readable = st.terms and st.kind in ("induction", "same", "generic", "downward") and claim.model is not None
    shared = _Shared(claim, size, st) if readable else None
    reading = read_horizons(claim, size, t0, t_max, tokens=tokens, seed=seed,
                            degree_at=shared.claim_at if shared is not None else None)
    if reading.differs_at is not None:
        return None, f"the kernel's own reading of the claim differs {reading.why[:200]}", reading
    if st.terms and st.kind in ("induction", "same", "generic", "downward") and reading.complete:
        # an induction's (upward or downward) term handed over is read by the kernel or refused: the finder's own C
        # and C′ (the older reading) stand only where no term is handed (a body the finder could not read at a
        # generic index), so a finder that fits its C_t (C_k) to a term the kernel cannot read gets no every t
        # (advkread, tests/test_kernel_peel_down.py); a "same" or "generic" statement (one expression at a
        # symbolic t, no C_t of the finder's) keeps the older reading where its term is not read
        unrolled = read_terms(claim, size, st, t0, t_max, seed=seed,
                              known=shared.unrolled if shared is not None else None)
        if unrolled.differs_at is not None:
            return None, f"the kernel's unrolling of the finder's term: {unrolled.why[:200]}", reading
        if unrolled.unreadable:
            if st.kind in ("induction", "downward"):  # the finder's C_t (C_k) is what a fitted finder bends: refused
                return None, f"{UNREADABLE} ({unrolled.unreadable[:200]}): no every t without its own peel", reading
            unrolled = None  # "same", "generic": one expression at a symbolic t, no recursion of the finder's
        if unrolled is not None:
            try:
                return (*_step_token(claim, size, st, seed=seed, reading=reading, unrolled=unrolled, t_min=t0 + 1),
                        reading)
            except _TermUnread as e:
                if st.kind in ("induction", "downward"):
                    return None, str(e), reading
    if st.kind == "induction" and claim.model is not None and len(claim.model.state) > 1:
        try:  # the finder's C′ stands in the older reading: its other states' blocks must be free truths
            _free_other_blocks(st, tuple(claim.model.state))
        except _Refused as e:
            return None, str(e), reading
    tok, why = _confirm_step(claim, size, replace(st, terms=()), seed=seed, reading=reading)
    return tok, why, reading


def confirm_base(claim, size: dict, st: StepStatement, *, seed: int = 0) -> tuple[Proved | None, str]:
    """The kernel's check of the every-n lift's base truth (kind "base"): the finder's ds_{t0}/dθ, built by unrolling
    the block recursion from its own start at step j (for θ a state at step j, the step's own derivatives there),
    evaluated at the kernel's random point with the finder's initial states, inputs and weights paired with its own
    by position, must be its own forward-mode derivative of t0 steps. (None, why) when it is not."""
    if st.kind != "base" or st.horizon < 1:
        return None, "not a base truth at a horizon t0 ≥ 1"
    return _confirm_step(claim, size, st, seed=seed, reading=None)


def confirm_step(claim, size: dict, st: StepStatement, *, seed: int = 0) -> tuple[Proved | None, str]:
    """The kernel's Proved (kind every t) for the finder's step at ``size`` (every dimension but t), or (None, why).
    Never a token it could not check: an expression it cannot evaluate is a refusal, not a trust. The claim is not
    read at any concrete horizon here, so the token trusts the whole reading (:data:`READING_UNREAD`);
    :func:`confirm_every_t` reads it."""
    return _confirm_step(claim, size, st, seed=seed, reading=None)


#: the words that begin every refusal because the kernel did not read the finder's term
UNREADABLE = "the kernel does not read the term"


class _TermUnread(Exception):
    """:func:`_step_token` did not read the finder's term: an induction's is then refused, a "same" or "generic"
    statement's older reading (no term) stands (:func:`confirm_every_t`). Its message begins with UNREADABLE."""


def _confirm_step(claim, size: dict, st: StepStatement, *, seed: int = 0, reading: Reading | None = None,
                  unrolled: Unrolled | None = None, t_min: int = 1) -> tuple[Proved | None, str]:
    """:func:`_step_token`, an unread term being one more refusal."""
    try:
        return _step_token(claim, size, st, seed=seed, reading=reading, unrolled=unrolled, t_min=t_min)
    except _TermUnread as e:
        return None, str(e)


def _step_token(claim, size: dict, st: StepStatement, *, seed: int = 0, reading: Reading | None = None,
                unrolled: Unrolled | None = None, t_min: int = 1) -> tuple[Proved | None, str]:
    """The kernel's check of the finder's step (:func:`confirm_step`); raises :class:`_TermUnread` where the
    kernel does not read the finder's term."""
    from .peel import Unreadable

    if claim.model is None or st.kind not in ("induction", "same", "generic", "downward", "base"):
        return None, f"the kernel re-checks no {st.kind!r} induction"
    if claim.activation not in ("abstract", "tanh", "logistic", "identity"):
        return None, f"σ = {claim.activation} is not one the kernel draws at random"
    at = {"n": size.get("n", 1), "m": size.get("m", 1), "t": 2 if st.kind == "downward" and st.J is not None else
          st.horizon if st.kind == "base" else 1}
    if unrolled is None:
        st = StepStatement(**{**st.__dict__, "terms": ()})
    pseudo = _Check(claim, st, t_min=t_min)
    rng = random.Random(f"{seed}:step:{claim.id}:{sorted(size.items())}")
    try:
        if st.terms:  # the kernel's peel chooses each sum's L at a first point of its own (then checked, below)
            for _ in range(REDRAWS):
                try:
                    _trial(pseudo, at, random.Random(f"{seed}:probe:{claim.id}:{sorted(size.items())}"))
                    break
                except (_Singular, _Outside):
                    continue
        E, why = degree_of(pseudo, at)
    except Unreadable as e:
        raise _TermUnread(f"{UNREADABLE}: {str(e)[:160]}") from None
    except (Cannot, KernelError) as e:
        if st.terms:
            raise _TermUnread(f"{UNREADABLE}: {str(e)[:160]}") from None
        return None, f"the kernel cannot evaluate the step: {str(e)[:160]}"
    if E is None:
        return None, f"the kernel cannot bound the degree of the step ({why})"
    try:
        for _ in range(REDRAWS):
            try:
                diffs, lawless = _trial(pseudo, at, rng)
                break
            except (_Singular, _Outside):
                continue
        else:
            return None, "a denominator of the step is 0 at every point the kernel drew"
    except Unreadable as e:
        raise _TermUnread(f"{UNREADABLE}: {str(e)[:160]}") from None
    except (Cannot, KernelError) as e:
        return None, f"the kernel cannot evaluate the step: {str(e)[:160]}"
    except Exception as e:  # noqa: BLE001 (the finder's objects do not run on the kernel's model: refused)
        return None, f"the kernel cannot evaluate the step: {type(e).__name__}: {str(e)[:160]}"
    bad = [k for k, d in enumerate(diffs) if d != 0]
    if bad and lawless:  # a random e does not keep e^a·e^b = e^(a+b): the kernel's own exp, where it is rational
        try:
            diffs, _ = _trial(pseudo, at, rng, real_exp=True)
        except Exception:  # noqa: BLE001 (not rational with the true exp: refused all the same)
            return None, "the step differs at a point where exp was drawn at random (and is not rational with e)"
        bad = [k for k, d in enumerate(diffs) if d != 0]
    if bad:
        cols = st.lhs.cols
        k = bad[0]
        if st.terms:
            return None, (f"the kernel's own check at a random point: the step built from the finder's term (C_t "
                          f"peeled by the kernel, C_{{t−1}} the term) is not 0 (entry {k})")
        if st.kind == "base":
            return None, (f"the kernel's own check at a random point: the finder's truth d{st.state}_{st.horizon}/d"
                          f"{st.wrt} is not its own forward-mode derivative (entry {k})")
        what = ("C − (J C′ + P)" if (k % (len(diffs) // st.lhs.rows)) < cols else
                "J or P against the kernel's own partials of the cell's step") if st.kind == "induction" \
            else ("lhs − rhs" if k < st.lhs.rows * st.lhs.cols else
                  "J_{k+1} or ∂ℓ_k/∂h_k against the kernel's own partials of the cell's step") \
            if st.kind == "downward" else "lhs − rhs"
        return None, f"the kernel's own check at a random point: {what} is not 0 (entry {k})"
    blocks = (f" (the state ({', '.join(claim.model.state)}) stacked: J_t the claimed {st.state}'s block row of the "
              "step's block Jacobian)" if st.kind == "induction" and len(claim.model.state) > 1 else "")
    how = (("step C_t = J_t C_{t−1} + P_t, and J_t, P_t against the kernel's own forward mode of one step" + blocks
            if st.kind == "induction" else
            f"the finder's base truth d{st.state}_{st.horizon}/d{st.wrt} against the kernel's own forward mode of "
            f"{st.horizon} steps" if st.kind == "base" else "the downward base and step (C_k = C_{k+1} J_{k+1} + ∂ℓ_k/∂h_k)"
            + (", and J_{k+1}, ∂ℓ_k/∂h_k against the kernel's own forward mode of two steps" if st.J is not None else "")
            + (f" (the state ({', '.join(claim.model.state)}) stacked: the claimed {st.state}'s block of "
               "(Λ_{k+1} J_{k+1} + ∂E_k/∂S_k) D_k, J_{k+1} the step's block Jacobian, D_k and D_{k+1} its in-step "
               "Jacobians of the states, each against the kernel's own)" if len(claim.model.state) > 1 else "")
            if st.kind == "downward" else "the sides at a free state of a generic step")
           + f", at a random point (σ a random function), error ≤ {E}·2^−{DRAW_BITS} ({why}, bounded by the kernel; "
             f"one of up to {REDRAWS} draws)")
    if st.terms:
        how += (f"; {'C_t peeled by the kernel from the finder’s term (C_{t−1})' if st.kind == 'induction' else 'both sides read by the kernel from the finder’s terms'}, "
                f"the term(s) unrolled by it at every t = {unrolled.t0}…{unrolled.t_hi} against the claim there")
    if reading is not None and reading.complete:
        read = reading.checked + reading.by_tokens
        how += (f"; the claim read by the kernel itself at every t = {reading.t0}…{reading.t_hi} "
                f"({len(reading.checked)} now, {len(reading.by_tokens)} by its sweep's tokens"
                + (f", error ≤ {reading.degree}·2^−{DRAW_BITS} in all" if reading.degree is not None else
                   ", the degree not bounded at every t") + ")")
        trusts = ((UNIFORM if st.terms else READING,) + tuple(t for t in reading.trusts if t != READING)
                  if read else (READING_UNREAD,))
    else:
        trusts = (READING_UNREAD,) + (reading.trusts if reading is not None else ())
        if reading is not None:
            how += f"; the kernel's check does not run at t = {', '.join(map(str, reading.unread))}"
    trusts += ((DOWNWARD,) if st.kind == "downward" and st.J is None else ())
    if st.kind == "base":  # one concrete horizon, the kernel's own forward mode: no reading at a symbolic t
        trusts = ()
    # the token's error bound covers the horizons read too (a union bound: the step's E plus theirs)
    E_all = E if reading is None or not reading.complete or reading.degree is None else E + reading.degree
    if st.terms and unrolled is not None and unrolled.degree is not None:
        E_all += unrolled.degree
    return _issue(Proved, claim.id, size, EVERY_T, how, trusts=trusts, error=(DRAW_BITS, 1), degree=E_all), how
