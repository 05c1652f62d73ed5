"""Holds for every t: a closed form proved by induction over the horizon.

For a time-invariant cell h_t = f(h_{t−1}, x_t; θ) the truth X_t = dh_t/dθ
obeys X_t = J_t X_{t−1} + P_t, with J_t = ∂f/∂h_{t−1} and P_t = ∂f/∂θ the
explicit partials of one step (the chain rule; P_t = 0 when θ is a state h_j
and t > j). A claimed C_t therefore equals X_t for every t ≥ t₀ if

* (base) C_{t₀} = X_{t₀}: decided by the exact engine (the concrete sweep);
* (step) C_t = J_t C_{t−1} + P_t for every t ≥ t₀ + 1, as an identity.

The step is decided at a fixed size (n, m) with t symbolic. The proof's own check is run
twice on an :class:`InductionModel`: at horizon t−1 (run B) and at horizon t
(run A). Its states are free symbols per step (``h[t-1][0]``); every quantity
of a step is the cell's own step function at those symbols, and a state at the
symbolic step t itself is that step's own value (one object with what the step's
other quantities read, never a free symbol c[t] beside it). A sum or ordered
product over a range of symbolic length is a formal object (symderiv/formal.py):
opaque in run B, peeled at its top in run A, the remainder being run B's
opaque object.

The step identity is then decided entry by entry by the same normal form as
the engine's: linear over the opaque matrices, every other symbol free. An
identity in free symbols stays one under any substitution, so it holds on every
trajectory and every range. A cell with several states (an LSTM's (h, c)) has
the pair (dh_t/dθ, dc_t/dθ) as its truth and the block recursion, J_t =
[[∂h_t/∂h_{t−1}, ∂h_t/∂c_{t−1}], [∂c_t/∂h_{t−1}, ∂c_t/∂c_{t−1}]]; a claim about
one state is decided by its block row, the other states' truths at t − 1
opaque (:func:`_induction`). A truth dh_{t−1}/dθ that the claim itself uses
(a recursion such as Lemma 2) is replaced by C_{t−1}, the induction hypothesis.
Downward (∇_{s_k}L from k = T down, :func:`_downward`), a cell with several
states is proved by the block recursion of its adjoints, Λ_k = Λ_{k+1} J_{k+1}
+ ∂E_k/∂S_k with the truths (δh_k, δc_k) = Λ_k D_k, D_k the step's in-step
Jacobian of its states, the claimed state's row the step and the other
states' adjoints at k + 1 free (:func:`_downward_blocks`).
Anything else (a horizon used as a number, ``range(1, m.t)``, a derivative of
something other than a state) is
refused with a reason, and the claim keeps its concrete verdict and scope. A
claim with no truth in it at all (an identity of one step) is decided at a free
state of a generic step t instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import sympy as sp

from . import notation, purity
from .cells import StepScope
from .derivatives import held_of
from .formal import HORIZON, Context, EmptyRange, Ix, Unsupported, _show, active, ix
from .identity import nonzero_entries
from .kernel.step import StepStatement
from .protocol import SumOf, bind_parameters
from .results import Method

__all__ = ["Context", "EmptyRange", "InductionModel", "Ix", "Step", "Unsupported", "active", "every_step", "extend",
           "step_check"]


def every_step(m, family, *, lo: int = 1, hi=None):
    """A claim about every step k = lo..hi (hi: the horizon m.t by default, or m.t − 1): ``family(k)`` gives
    the sides (lhs_k, rhs_k) at step k; at the sizes they are stacked k = lo first, and in an induction the
    family is proved downward from k = hi (``∇_{h_k}L`` for L = Σ_s E_s, see :func:`step_check`)."""
    hi = m.t if hi is None else hi
    if isinstance(m, InductionModel):
        m._downward = (family, lo, hi)
        z = sp.zeros(1, 1)
        return z, z
    sides = [family(k) for k in range(lo, hi + 1)]
    if not sides:
        raise Unsupported(f"every_step: no step from {lo} to {hi} at t = {m.t}")
    bad = [s for pair in sides for s in pair if not isinstance(s, sp.MatrixBase)]
    if bad:
        raise Unsupported("every_step stacks exact matrices only (this backend's sides are not)")
    return sp.Matrix.vstack(*[a for a, _ in sides]), sp.Matrix.vstack(*[b for _, b in sides])


class InductionModel:
    """The model protocol at a symbolic horizon: states are free symbols per step, quantities the cell's step."""

    def __init__(self, base_model, horizon: Ix, ctx: Context):
        self._base = base_model          # a models.Model at the same n (parameters, activations, layout)
        self.cell = base_model.cell
        self.n, self.m, self.layout = base_model.n, base_model.m, base_model.layout
        self.activation, self.loss = base_model.activation, base_model.loss
        self.t = horizon
        self.f = base_model.f
        self.params = base_model.params
        self._ctx = ctx
        self._steps: dict = {}
        self._truths: dict = {}           # Ix -> (wrt, layout, matrix of opaque truth symbols)
        self._grads: dict = {}            # str(k) -> (k, the 1×n row dL/dh_k as opaque symbols), L = Σ_s E_s
        self._sgrads: dict = {}           # (s, str(k)) -> (k, dL/ds_k opaque) for a state s other than the first
        self._downward = None             # (family, lo, hi) when the check is every_step(m, family, …)
        bind_parameters(self, vars(base_model.params))  # m.W_R; a name that would hide the model's own is refused

    def _symbols(self, name: str, k: Ix, rows: int) -> sp.Matrix:
        if k.base == HORIZON:  # the earliest step the claim reads, relative to t
            self._ctx.lowest = min(self._ctx.lowest, k.off)
        return sp.Matrix(rows, 1, lambda i, _: sp.Symbol(f"{name}[{k}][{i}]"))

    def x(self, k) -> sp.Matrix:
        return self._symbols("x", ix(k), self.m)

    def state(self, name: str, k) -> sp.Matrix:
        return self._symbols(name, ix(k), self.n)

    def step(self, k) -> dict:
        """Step k's quantities: the cell's step function at the free states of step k − 1."""
        k = ix(k)
        key = (k.base, k.off)  # an index on a symbolic base is unhashable (formal.Ix)
        if key not in self._steps:
            self._steps[key] = self._run(k, {s: self.state(s, k - 1) for s in self.cell.state}, {})
        return self._steps[key]

    def _run(self, k: Ix, prev: dict, overrides: dict) -> dict:
        """The cell's step k from the given previous states, with ``overrides`` fixed (as models.run_step)."""
        scope = StepScope(overrides, lambda v: v if isinstance(v, sp.MatrixBase) else sp.Matrix(v))
        return purity.call("the cell's step", (self.cell.step,), self.cell.call, scope, SimpleNamespace(**prev),
                           self.x(k), self.params, self.f, y=lambda: self.y(k), k=k, n=self.n, m=self.m, t=self.t)

    def y(self, k) -> sp.Matrix:
        return self._symbols("y", ix(k), self._base.dim(self.cell.outputs))

    def _output(self, k) -> dict:
        """o_k and E_k of step k at the free state h_k (the loss of one step sees h_k only through o_k)."""
        if self.cell.output is None:
            raise Unsupported(f"cell {self.cell.name!r} has no output, so no per-step loss")
        k = ix(k)
        q = dict(self.step(k))
        q.update({s: self.state(s, k) for s in self.cell.state})
        o = sp.Matrix(purity.call("the cell's output", None, self.cell.output, SimpleNamespace(**q), self.params,
                                  self.f))
        E = self._base._lossf(list(o), list(self.y(k)))
        return {"o": o, "E": E if isinstance(E, sp.MatrixBase) else sp.Matrix([[E]])}

    def o(self, k):
        return self.at("o", k)

    def E(self, k):
        return self.at("E", k)[0, 0]

    def _is_now(self, k: Ix) -> bool:
        """Is step k the symbolic step t itself (the newest step the induction reads)? A state there is the cell's
        step at the free states of t − 1, the object every other read of step t sees (h_t = o_t ⊙ tanh(c_t) reads
        that c_t): a free symbol c[t] beside it split one object in two, and a true identity of one step that reads
        the new state held at the sizes only. A state at an earlier step is a free symbol, the one the next step
        reads. (The downward induction keeps its own reading: its base unrolls the states above k itself.)"""
        return self._downward is None and k.base == HORIZON and k.off == 0

    def _now(self, k: Ix) -> dict:
        """{the free symbols of the states at step k: the step's own values} (k the symbolic t)."""
        q = self.step(k)
        return {a: b for s in self.cell.state for a, b in zip(self.state(s, k), q[s])}

    def at(self, name: str, k):
        k = ix(k)
        if k.base == HORIZON and self.t.base == HORIZON and k.off > self.t.off:
            raise Unsupported(f"m.at({name!r}, {k}): a step past the horizon {self.t}")
        if name in self.cell.state:
            return self.step(k)[name] if self._is_now(k) else self.state(name, k)
        if name in ("o", "E") and self.cell.output is not None:
            v = self._output(k)[name]
            return v.xreplace(self._now(k)) if self._is_now(k) else v
        q = self.step(k)
        if name not in q:
            raise Unsupported(f"the step has no quantity {name!r} (or it is an output, which is not induced on)")
        return q[name]

    def h(self, k):
        return self.at("h", k)

    def sigma(self, v):
        return self.f.sigma(v)

    def dsigma(self, v):
        return self.f.dsigma(v)

    def d(self, of, wrt, *, layout: str | None = None):
        s0 = self.cell.state[0]
        if isinstance(of, SumOf) and isinstance(wrt, tuple) and len(wrt) == 2 and wrt[0] in self.cell.state:
            return self._grad(of, ix(wrt[1]), wrt[0])
        if isinstance(of, tuple) and len(of) == 2 and of[0] == "E" and isinstance(wrt, tuple) and len(wrt) == 2 \
                and wrt[0] in ("o", s0) and str(ix(of[1])) == str(ix(wrt[1])):
            # ∂E_k/∂o_k or ∂E_k/∂h_k within one step (E_k sees h_k through o_k only): at the free state h_k
            k = ix(of[1])
            q = self._output(k)
            now = self._now(k) if self._is_now(k) else {}  # at step t: at the step's own h_t (as m.at reads it)
            if wrt[0] == "o":
                o = sp.Matrix(len(q["o"]), 1, lambda i, _: sp.Dummy(f"o{i}"))
                E = self._base._lossf(list(o), list(self.y(k)))
                E = E[0, 0] if isinstance(E, sp.MatrixBase) else E
                return sp.Matrix([[E]]).jacobian(list(o)).xreplace(dict(zip(o, q["o"]))).xreplace(now)
            return q["E"].jacobian(list(self.state(s0, k))).xreplace(now)
        if not (isinstance(of, tuple) and len(of) == 2 and of[0] in self.cell.state):
            raise Unsupported(f"m.d({_show(of)}, …): only the truth ds_k/dθ of a state s is induced on")
        k = ix(of[1])
        if k.base != HORIZON:
            raise Unsupported(f"m.d({_show(of)}, …) at a step that is not the horizon ± an integer")
        key = (str(k), _wrt_key(wrt, self.cell), layout or self.layout, of[0])
        if key not in self._truths:
            rows, cols = self.n, _wrt_cols(self, wrt)
            tag = "X" if of[0] == s0 else f"X_{of[0]}"  # the first state's truth keeps its name (one-state cells)
            self._truths[key] = sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{tag}[{k}][{i},{j}]⟨{key[1]}⟩"))
        return self._truths[key]

    def sum_of(self, name: str, lo: int = 1, hi=None) -> SumOf:
        return SumOf(name, lo, hi)

    def _grad(self, of: SumOf, k: Ix, state: str | None = None) -> sp.Matrix:
        """dL/ds_k (a 1×n row, as the model's m.d gives it) for L = Σ_{s=1}^{t} E_s: opaque, the truth. The first
        state's (h) are kept in ``_grads`` by str(k); another state's (c of an LSTM) in ``_sgrads`` by (s, str(k))."""
        if of.name != "E" or of.lo != 1 or of.hi is not None:
            raise Unsupported(f"the derivative of {of!r} from {of.lo} to {of.hi}: only L = Σ_{{s=1}}^{{t}} E_s, the "
                              "sum of the per-step losses over the horizon, is induced on downward")
        if k.base is None:
            raise Unsupported(f"∇_h{k}L at a fixed step: only at the generic k or the horizon ± an integer")
        if state is not None and state != self.cell.state[0]:
            key = (state, str(k))
            if key not in self._sgrads:
                self._sgrads[key] = (k, sp.Matrix(1, self.n, lambda _, i: sp.Symbol(f"δG_{state}[{k}][{i}]")))
            return self._sgrads[key][1]
        if str(k) not in self._grads:
            self._grads[str(k)] = (k, sp.Matrix(1, self.n, lambda _, i: sp.Symbol(f"δG[{k}][{i}]")))
        return self._grads[str(k)][1]

    def partial(self, of, wrt, *, hold=(), layout=None):
        """The explicit partial of a quantity of step k: the Jacobian of the cell's step at the free state of
        step k − 1, with respect to a parameter (in the layout) or to that previous state; the quantities
        ``hold`` names are cut off at their values (constants), as models.Model.partial does."""
        if not (isinstance(of, tuple) and len(of) == 2):
            raise Unsupported(f"m.partial({_show(of)}, …): only a quantity of one step")
        k = ix(of[1])
        q = self.step(k)
        if of[0] not in q:
            raise Unsupported(f"the step has no quantity {of[0]!r}")
        hold = held_of(q, k, hold, of[0])  # the quantities cut off, at their values (as models.Model.partial)
        prev = {s: self.state(s, k - 1) for s in self.cell.state}
        fresh = {s: sp.Matrix(v.rows, 1, lambda i, _: sp.Dummy(f"{s}{i}")) for s, v in prev.items()}
        value = self._run(k, fresh, hold)[of[0]] if hold else q[of[0]]
        variables = fresh if hold else prev
        if isinstance(wrt, tuple) and len(wrt) == 2 and wrt[0] in self.cell.state and str(ix(wrt[1])) == str(k - 1):
            out = value.jacobian(list(variables[wrt[0]]))
        elif isinstance(wrt, str) and wrt in self.cell.params:
            out = value.jacobian(list(notation.vec(getattr(self.params, wrt), layout or self.layout)))
        else:
            raise Unsupported(f"m.partial(…, {_show(wrt)}): only a parameter or the previous step's state")
        if hold:  # back to the free state of step k − 1
            out = out.xreplace({f: v for s in fresh for f, v in zip(fresh[s], prev[s])})
        return out

    def like(self, *a, **kw):
        raise Unsupported("m.like is not supported in the induction mode")

    def __getattr__(self, name):  # any other model attribute (m.o, m.E, m.states, …)
        if name.startswith("_"):
            raise AttributeError(name)
        raise Unsupported(f"m.{name} is not supported in the induction mode")


def _wrt_key(wrt, cell=None) -> str:
    """The name of what a truth differentiates by: a parameter's own name, a state s at step j as ``s[j]`` (not an
    identifier, so never a parameter's name: a parameter ``c1`` and the state c at step 1 were one key, ``c1``, and
    the two truths one opaque matrix); an initial state named as a string (``"c0"``) as ``c[0]``."""
    if isinstance(wrt, tuple):
        return f"{wrt[0]}[{ix(wrt[1])}]"
    init = cell.input_of(str(wrt)) if cell is not None else None
    if init is not None and init[0] == "init":
        return f"{init[1]}[0]"
    return str(wrt)


def _state_of_key(m: "InductionModel", name: str):
    """(s, j) for a key ``s[j]`` of a state s of the cell at a fixed step j, else None."""
    if not name.endswith("]") or "[" not in name:
        return None
    s, j = name[:-1].split("[", 1)
    if s in m.cell.state and j.lstrip("-").isdigit():
        return s, int(j)
    return None


def _wrt_cols(m: InductionModel, wrt) -> int:
    if isinstance(wrt, tuple):
        return m.n
    if m.cell.input_of(str(wrt)) in {("init", s) for s in m.cell.state}:
        return m.n
    p = getattr(m.params, wrt, None)
    if p is None:
        raise Unsupported(f"the derivative with respect to {wrt!r}: only a parameter or a state h_j is induced on")
    return p.rows * p.cols


# ----- the proof ------------------------------------------------------------------

@dataclass
class Step:
    proved: bool
    reason: str
    seconds: float = 0.0
    search: bool = False        # not proved, and worth looking for the first t where it breaks
    kind: str = "induction"     # "induction" (base + step), "generic" (an identity of one step at a free
    #                             state) or "downward" (∇_{h_k}L from k = T down: base at the top, step proved)
    every: str = ""             # downward: what "for every" covers (T and the range of k)
    wrt: object = None          # when proved: what J_t, P_t differentiate with respect to, and the layout
    layout: str = ""
    J: sp.Matrix | None = field(default=None, repr=False)
    P: sp.Matrix | None = field(default=None, repr=False)
    statement: object = field(default=None, repr=False)  # kernel.step.StepStatement: what the kernel re-checks
    impure: tuple | None = None  # (what, line, path): a step callable keeping state between calls (purity.Impure)


def recursion(m: InductionModel, wrt, layout: str, t_min: int, state: str | None = None) -> tuple[sp.Matrix, sp.Matrix]:
    """(J_t, P_t) of the cell's step at the generic state, in the claim's layout, for the claimed state s (the
    first by default). With one state J_t = ∂h_t/∂h_{t−1}; with several (h, c), J_t is s's block row of the step's
    block Jacobian, [∂s_t/∂h_{t−1}, ∂s_t/∂c_{t−1}] (blocks in the cell's state order), to multiply the stacked
    previous truths [X^h_{t−1}; X^c_{t−1}]."""
    t = Ix(HORIZON, 0)
    s = state or m.cell.state[0]
    s_t = m.step(t)[s]
    J = sp.Matrix.hstack(*[s_t.jacobian(list(m.state(r, t - 1))) for r in m.cell.state])
    if isinstance(wrt, tuple):
        j = ix(wrt[1])
        if wrt[0] not in m.cell.state or j.base is not None:
            raise Unsupported(f"the derivative with respect to {wrt!r}: only a state at a fixed step j")
        if t_min - 1 < j.off:
            raise Unsupported(f"d{s}_t/d{wrt[0]}_{j.off} is induced from t = {j.off}; the sweep starts at "
                              f"t = {t_min - 1}")
        return J, sp.zeros(s_t.rows, m.n)
    p = getattr(m.params, wrt)
    return J, s_t.jacobian(list(notation.vec(p, layout)))


def _truth_side(m: InductionModel, lhs, rhs):
    """(wrt, layout, C): the claim's closed form C beside the truth at the horizon."""
    tops = {key: M for key, M in m._truths.items() if key[0] == str(m.t)}
    for key, M in tops.items():
        if isinstance(lhs, sp.MatrixBase) and lhs == M:
            return key, sp.Matrix(rhs)
        if isinstance(rhs, sp.MatrixBase) and rhs == M:
            return key, sp.Matrix(lhs)
    raise Unsupported("neither side is the truth dh_t/dθ at the horizon, so there is no recursion to induce on")


def step_check(claim, size, t_min: int, t_max: int | None = None) -> Step:
    """Decide the inductive step of ``claim`` at ``size`` (every dimension but t: {"n": 2, "m": 2}, or n alone),
    for every t ≥ t_min + 1.

    A claim whose sides use no truth dh/dθ at all (an identity of one step,
    such as ∂c_t/∂c_{t−1} = diag(f_t)) needs no induction: decided at the free
    state of a generic step t, it holds for every t ≥ t_min (``kind="generic"``).
    Every proof reads the cell's step at a symbolic index, so a proved step
    is then checked to be the cell's step at every k = 1 … t_max + SEARCH_T
    (t_max: the sweep's largest t, t_min by default), as the unrolled model
    runs it (:func:`_step_breaks`): a cell that is not time-invariant is not
    induced on, and the engine looks for where the claim breaks. A cell whose
    step reads its index k or the horizon t is never induced on: read at a
    symbolic t without a refusal (``isinstance(k, int) and k >= 6``,
    ``str(k)``), it may change past every step compared.
    """
    import time

    from .models import Model

    t0 = time.perf_counter()
    if claim.model is None:
        return Step(False, "not induced on: the claim has no model")
    size = {"n": size} if isinstance(size, int) else {k: v for k, v in size.items() if k != "t"}
    base = Model(claim.model, n=size.get("n", 1), m=size.get("m", 1), t=1, activation=claim.activation,
                 loss=claim.loss, layout=claim.conventions.get("layout", "row-major"))
    from .concrete import watching

    try:
        with watching():  # a refusal the check caught at the symbolic index still refuses the step
            st = _decide(claim, base, t_min, t0)
        k = _step_breaks(claim, base, max(t_min if t_max is None else t_max, t_min + 1) + SEARCH_T) \
            if st.proved else None
    except Exception as e:  # the transcription cannot be read at a symbolic t: refused, never a verdict
        return Step(False, f"not induced on: {_one_line(e)}", time.perf_counter() - t0,
                    search=isinstance(e, (EmptyRange, purity.Impure)),
                    impure=(e.what, e.line, e.path) if isinstance(e, purity.Impure) else None)
    reads = [e for e in ("k", "t") if e in claim.model.extras()]
    if k is None and st.proved and reads:
        # the step read its index (or the horizon) at a symbolic t without a refusal (isinstance(k, int), str(k),
        # k.off): _step_breaks compares it with the cell's step at k ≤ t_max + SEARCH_T only, and a step that
        # changes later (k ≥ 6 when the sweep ends at t = 2) would be proved for every t
        return Step(False, f"the cell's step reads {' and '.join(reads)} (the step index or the horizon): that it "
                    "is the same step at every k (a time-invariant cell) is not decided past the steps compared",
                    time.perf_counter() - t0, search=True)
    if k is not None:
        return Step(False, f"the cell's step at k = {k} is not its step at a generic k (a cell that is not "
                    "time-invariant)", time.perf_counter() - t0, search=True)
    return st


def _decide(claim, base, t_min: int, t0: float) -> Step:
    """The step of :func:`step_check` (downward, an identity of one step, or upward), at the size of ``base``."""
    import time

    with active(Context(n=base.n, t_min=t_min, record=True)) as ctx:
        m = InductionModel(base, Ix(HORIZON, 0), ctx)
        lhs, rhs = _check(claim, m)
        ctx.record = False
        if m._downward is not None:
            return _downward(claim, base, m._downward, t0)
        if m._grads or m._sgrads:
            raise Unsupported("∇_{h_k}L is induced on only downward, in a claim about every step k: "
                              "every_step(m, lambda k: (lhs_k, rhs_k), lo=…, hi=…)")
        if not m._truths:
            if t_min + ctx.lowest < 0:
                raise Unsupported(f"the claim reads step t{ctx.lowest:+d}, before step 0 at t = {t_min}")
            bad = nonzero_entries(sp.Matrix(lhs), sp.Matrix(rhs))
            if bad:
                return Step(False, f"not for every t: at a free state of step t the sides differ at {len(bad)} "
                            "entries (it may hold on trajectories only)", time.perf_counter() - t0, search=True)
            return Step(True, "an identity of one step at a free state", time.perf_counter() - t0, kind="generic",
                        statement=StepStatement("generic", sp.Matrix(lhs), sp.Matrix(rhs), params=dict(vars(m.params)),
                                                terms=_terms(ctx, lhs, rhs)))
    if isinstance(lhs, sp.MatrixBase) and isinstance(rhs, sp.MatrixBase) and lhs.shape == rhs.shape \
            and not nonzero_entries(sp.Matrix(lhs), sp.Matrix(rhs)):
        if t_min + ctx.lowest < 0:
            raise Unsupported(f"the claim reads step t{ctx.lowest:+d}, before step 0 at t = {t_min}")
        # the same expression at the symbolic horizon (an opaque sum or product is one symbol for one range
        # and one summand): no recursion to find, the sides agree at every t the reading covers
        return Step(True, "the two sides are one expression at a symbolic t", time.perf_counter() - t0,
                    kind="same", statement=StepStatement("same", sp.Matrix(lhs), sp.Matrix(rhs),
                                                         params=dict(vars(m.params)), terms=_terms(ctx, lhs, rhs)))
    return _induction(claim, base, t_min, t0)


def _step_breaks(claim, base, t_hi: int) -> int | None:
    """The first k ≤ t_hi where the cell's step, run by the unrolled model at step k from free previous states,
    is not its step at the symbolic index read at k (x_t as x_k, y_t as y_k), or None."""
    from .models import Model

    with active(Context(n=base.n, t_min=1)) as ctx:
        m = InductionModel(base, Ix(HORIZON, 0), ctx)
        T = Ix(HORIZON, 0)
        generic = m.step(T)
        prev = {s: m.state(s, T - 1) for s in m.cell.state}
    mod = Model(claim.model, n=base.n, m=base.m, t=t_hi, activation=claim.activation, loss=claim.loss,
                layout=base.layout)
    for k in range(1, t_hi + 1):
        q = mod.run_step(k, prev, {})
        at_k = dict(zip(m.x(T), mod.x(k))) | dict(zip(m.y(T), mod.y(k)))
        for name, v in generic.items():
            v = sp.Matrix(v).xreplace(at_k)
            if name not in q or sp.Matrix(q[name]).shape != v.shape or nonzero_entries(sp.Matrix(q[name]), v):
                return k
    return None


def _induction(claim, base, t_min: int, t0: float) -> Step:
    """The step C_t = J_t C_{t−1} + P_t. With several states (an LSTM's (h, c)) the truth is the tuple
    (X^h_t, X^c_t) = (dh_t/dθ, dc_t/dθ), whose recursion is the block one, X_t = J_t X_{t−1} + P_t with J_t =
    [[∂h_t/∂h_{t−1}, ∂h_t/∂c_{t−1}], [∂c_t/∂h_{t−1}, ∂c_t/∂c_{t−1}]] (blocks in the cell's state order). A
    claim C_t about one state s is proved by its block row: C_t = Σ_r J^{s r}_t Y^r + P^s_t, with Y^s = C_{t−1}
    (the hypothesis) and Y^r, r ≠ s, the truth X^r_{t−1} itself, an opaque matrix of free symbols (so the identity
    holds whatever the other states' derivatives are; a closed form of one state that needs the other's closed form
    is not proved this way, and is refused as failing the step)."""
    import time

    states = tuple(claim.model.state)
    with active(Context(n=base.n, t_min=t_min + 1)) as ctx:
        mb = InductionModel(base, Ix(HORIZON, -1), ctx)
        ctx.mode = "opaque"
        ctx.record = True  # run B is the term the kernel reads (kernel/peel.py): its formal objects recorded
        key_b, c_b = _truth_side(mb, *_check(claim, mb))
        ctx.record = False
        term = _terms(ctx, c_b, horizon=-1, truth=key_b[1])
        ma = InductionModel(base, Ix(HORIZON, 0), ctx)
        ctx.mode = "peel"
        key_a, c_a = _truth_side(ma, *_check(claim, ma))
        if key_a[1:] != key_b[1:]:
            raise Unsupported("the truth at horizon t and at t − 1 are not the same derivative")
        if t_min + 1 + ctx.lowest < 0:
            raise Unsupported(f"the claim reads step t{ctx.lowest:+d}, before step 0 at t = {t_min + 1}")
        wrt = _wrt_of(claim, ma, key_a)
        s = key_a[3]
        # the induction hypothesis: the truth at t − 1, wherever the claim itself uses it, is C_{t−1}
        hyp = ma._truths.get((str(Ix(HORIZON, -1)),) + key_a[1:])
        if hyp is not None:
            c_a = c_a.xreplace(dict(zip(hyp, c_b)))
        others = [M for key, M in {**ma._truths, **mb._truths}.items() if key[0] != HORIZON]
        used = set().union(*(M.free_symbols for M in others)) if others else set()
        J, P = recursion(ma, wrt, key_a[2], t_min + 1, s)
        prev_of = lambda r: c_b if r == s else _truth_at_prev(ma, key_a, r)  # noqa: E731
        Y = sp.Matrix.vstack(*[prev_of(r) for r in states])
        bad = nonzero_entries(c_a, J * Y + P)
        T = Ix(HORIZON, 0)
        try:
            y = ma.y(T) if ma.cell.output is not None else None
        except Exception:  # noqa: BLE001 (a cell whose outputs have no size: no y to pair)
            y = None
        statement = StepStatement("induction", c_a, Y, J, P, wrt=wrt, layout=key_a[2], state=s,
                                  prev=sp.Matrix.vstack(*[ma.state(r, T - 1) for r in states]), x=ma.x(T), y=y,
                                  params=dict(vars(ma.params)), states=states, terms=term)
    if bad:
        stray = used & set().union(*(c_a[i, j].free_symbols for i, j in bad))
        note = " (it uses the truth at an earlier step than t − 1)" if stray else ""
        return Step(False, f"step C_t = J_t C_{{t−1}} + P_t fails at {len(bad)} of {c_a.rows * c_a.cols} "
                    f"entries{note}", time.perf_counter() - t0, search=True)
    if not _recursion_matches(claim, base, t_min, wrt, key_a[2], J, P, s):
        return Step(False, "the recursion X_t = J_t X_{t−1} + P_t of the generic step does not match the "
                    f"engine's truth at t = {recursion_horizon(wrt, t_min)}", time.perf_counter() - t0)
    peeled = ", ".join(sorted(set(ctx.peeled))) or "nothing to peel"
    blocks = "" if len(states) == 1 else (
        f"; the state ({', '.join(states)}) stacked, J_t the block matrix "
        + "[" + ", ".join("[" + ", ".join(f"∂{a}_t/∂{b}_{{t−1}}" for b in states) + "]" for a in states) + "], "
        f"the claim's {s} its block row, the other states' truths at t − 1 free")
    return Step(True, f"step proved ({peeled}{blocks})", time.perf_counter() - t0, wrt=wrt, layout=key_a[2], J=J,
                P=P, statement=statement)


def _terms(ctx: Context, *sides, horizon: int = 0, truth: str = "") -> tuple:
    """The sides as terms for the kernel (kernel/peel.py: it peels and unrolls them itself), or () where a formal
    object's body was not read at a generic index (the kernel then keeps the older trust)."""
    from .kernel.peel import Term

    if ctx.unrecorded is not None or not all(isinstance(x, sp.MatrixBase) for x in sides):
        return ()
    return tuple(Term(sp.ImmutableMatrix(x), tuple(ctx.terms), horizon, truth) for x in sides)


def _truth_at_prev(m: InductionModel, key, r: str) -> sp.Matrix:
    """The truth dr_{t−1}/dθ of another state r (the same θ and layout as the claim's ``key``): an opaque matrix,
    the one the claim itself reads if it does."""
    wrt = key[1]
    target = wrt if wrt in m.cell.params else _state_of_key(m, wrt) or wrt
    return m.d((r, Ix(HORIZON, -1)), target, layout=key[2])


def _wrt_of(claim, m: InductionModel, key):
    name = key[1]
    if name in m.cell.params:
        return name
    state = _state_of_key(m, name)
    if state is not None:
        return state
    raise Unsupported(f"the derivative with respect to {name}")


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


# ----- the engine's phase: after the concrete sizes hold -----------------------------

#: the largest n the step is decided at (as the exact engine's own reach, engine.AUTO_SYMBOLIC)
MAX_N = 3
#: how many horizons past the sweep the exact engine tries, when the step is not proved, for the first t that breaks
SEARCH_T = 3
#: seconds the search for the first breaking t may take, in all
SEARCH_SECONDS = 20.0


def recursion_horizon(wrt, t0: int) -> int:
    """The horizon :func:`_recursion_matches` builds the exact truth at: the smallest that exercises both J_t
    and P_t, whatever the sweep: t = 2 for a parameter (X_1 = P_1, so X_2 = J_2 X_1 + P_2 uses both) and t =
    j + 1 for a state h_j (X_j = I, X_{j+1} = J_{j+1}); never past t0 + 1, the first t the step is used at.

    The recursion is a property of one step (that the step is the same at every k is :func:`_step_breaks`),
    so a larger t adds nothing but cost: the unrolled truth's normal form grows with t (GRU dh_t/dh_0 at
    n = 2: t = 3 in 1 s, t = 4 past 6 GB), so building it at t0 + 1 made the phase's cost grow with the sweep.
    """
    at = ix(wrt[1]).off + 1 if isinstance(wrt, tuple) else 2
    return max(1, min(t0 + 1, at))


def _recursion_matches(claim, base, t0: int, wrt, layout: str, J: sp.Matrix, P: sp.Matrix,
                       state: str | None = None) -> bool:
    """The recursion X_t = J_t X_{t−1} + P_t, with J_t, P_t of the generic step, against the exact engine's
    truth (the unrolled model differentiated) at t = :func:`recursion_horizon` (≤ t0 + 1): J, P are the cell's
    partials in the claim's layout (that the step is the same at every k is :func:`_step_breaks`). With several
    states, X_{t−1} is the stack of every state's truth and J the claimed state's block row."""
    from .models import Model

    t = recursion_horizon(wrt, t0)
    mod = Model(claim.model, n=base.n, m=base.m, t=t, activation=claim.activation, loss=claim.loss, layout=layout)
    s = state or claim.model.state[0]
    subs = {sp.Symbol(f"{r}[t-1][{i}]"): mod.at(r, t - 1)[i] for r in claim.model.state for i in range(base.n)}
    subs |= {sp.Symbol(f"x[t][{i}]"): mod.x(t)[i] for i in range(mod.m)}
    J, P = J.xreplace(subs), P.xreplace(subs)
    prev = sp.Matrix.vstack(*[mod.d((r, t - 1), wrt, layout=layout) for r in claim.model.state])
    return not nonzero_entries(mod.d((s, t), wrt, layout=layout), J * prev + P)


#: the argument of a `holds … for every t` in steps a reviewer can follow (``explain``; Result.argument), by road
UPWARD_ARGUMENT = (
    "Base: the identity holds exactly at the sweep's smallest t (the sizes above).",
    "Step: the closed form obeys the truth's recursion X_t = J_t X_{t−1} + P_t with t symbolic, decided by the "
    "normal form and re-checked by the kernel (induction.py).",
    "So it holds for every t at the sizes in the scope.")
DOWNWARD_ARGUMENT = (
    "Base: at the top k = T (or T − c) the claim is an identity at a free state, the truth unrolled from the "
    "horizon, so it holds for every T.",
    "Step: with the claim at k + 1 as the hypothesis, the claim at k obeys the truth's backward recursion with k "
    "symbolic (for a cell with several states, the claimed state's block row of (Λ_{k+1} J_{k+1} + ∂E_k/∂S_k) D_k, "
    "the other states' adjoints at k + 1 free), decided by the normal form and re-checked by the kernel "
    "(induction.py).",
    "So by downward induction on k it holds for every T and every k in its range at the sizes in the scope.")
SAME_ARGUMENT = (
    "The two sides, read at a symbolic t (sums and products over steps kept formal), are one expression, decided "
    "by the normal form (induction.py).",
    "So they are equal at every t ≥ the sweep's smallest t, at the sizes in the scope.")
ONE_STEP_ARGUMENT = (
    "The claim is an identity of one step: decided at a free state of a generic step t by the normal form "
    "(induction.py).",
    "So it holds at every step t, at the sizes in the scope.")
ARGUMENTS = {"induction": UPWARD_ARGUMENT, "downward": DOWNWARD_ARGUMENT, "same": SAME_ARGUMENT}


def extend(claim, outcomes, *, check_at=None) -> tuple[bool, str, tuple | None, list, tuple]:
    """(for every t, the scope's addition, a counterexample past the sweep, the kernel's step tokens, the
    argument's steps) for an identity that holds at every size of its sweep.

    The step is decided at every size of the sweep (each dimension but t: n, m, …; n ≤ MAX_N), the base being
    the concrete outcome at that size's smallest t (exact, never F_p); the step is :func:`step_check`. Where
    the step is not proved the claim keeps its scope, and the exact engine (``check_at(size) -> (SizeOutcome,
    found)``, given by the engine, which imports this module, not the other way round) looks a few horizons
    past the sweep for the first t where it breaks: a certified counterexample there is returned, as
    (its outcome, found), and the engine's verdict is then ``fails``.
    """
    if "t" in claim.sizes.fixed or not outcomes or any("t" not in o.size for o in outcomes):
        return False, "", None, [], ()
    by_size: dict = {}
    for o in outcomes:
        by_size.setdefault(tuple((k, v) for k, v in o.size.items() if k != "t"), []).append(o)
    from .kernel import step as kernel_step

    proved, failed, refused, tokens = [], [], [], []
    differs: dict = {}  # size -> the first t where the kernel's own reading of the claim differs
    reads: set = set()  # the T up to which the kernel read the claim itself, over the sizes
    for key, outs in sorted(by_size.items()):
        if dict(key).get("n", 1) > MAX_N:
            continue
        base = min(outs, key=lambda o: o.size["t"])
        t0 = base.size["t"]
        st = step_check(claim, dict(key), t0, max(o.size["t"] for o in outs))
        if base.method == "fp" and st.proved:  # a step that is not proved is searched past the sweep all the same
            refused.append((key, "the base case was decided over F_p, not exactly"))
            continue
        if st.proved:  # the kernel re-checks the step by its own means, and reads the claim itself at every t ≤ T
            mine = [k for o in outs for k in getattr(o, "tokens", ())]  # the kernel's own, from the sweep
            tok, why, reading = (kernel_step.confirm_every_t(claim, dict(key), st.statement, t0,
                                                             max(o.size["t"] for o in outs), tokens=mine)
                                 if st.statement is not None
                                 else (None, "the finder gave the kernel no statement of its step", None))
            if tok is None:  # a finder's step the kernel does not accept: looked at past the sweep, as one not proved
                failed.append((key, f"the kernel does not accept the step: {why}", t0, st.kind, st.every))
                if reading is not None and reading.differs_at is not None:
                    differs.setdefault(key, reading.differs_at)
                continue
            tokens.append(tok)
            reads.add(reading.t_hi)
        (proved if st.proved else failed if st.search else refused).append((key, st.reason, t0, st.kind, st.every))
    if not (proved or failed or refused):
        return False, "", None, [], ()
    at = lambda rows: _at([r[0] for r in rows])
    kernel_words = ""
    if tokens:  # what the kernel's re-check said (kernel/step.py): its own error bound, the worst over the sizes
        read = sorted(reads) if all(kernel_step.READING in t.trusts or kernel_step.UNIFORM in t.trusts
                                        for t in tokens) else []
        kernel_words = (f"; each step re-checked by the kernel at a random point"
                        + (f", and the claim read by it at every t ≤ {read[0]}" if len(read) == 1 else
                           f", and the claim read by it at every t ≤ {read[0]}–{read[-1]}" if read else "")
                        + f", error ≤ {max(t.degree for t in tokens)}·2^−{tokens[0].error[0]}")
    if proved and all(p[3] == "downward" for p in proved) and not failed and not refused \
            and len({p[4] for p in proved}) == 1 and len(proved) == len(by_size):
        return (True, f"; {proved[0][4]}{at(proved)} (downward induction: {proved[0][1]}{kernel_words})", None, tokens,
                DOWNWARD_ARGUMENT)
    t0s = sorted({p[2] for p in proved})
    how = "induction: base exact, step proved" if all(p[3] == "induction" for p in proved) else \
        "downward induction: base exact at k = T, step proved" if all(p[3] == "downward" for p in proved) else \
        "the two sides are one expression at a symbolic t" if all(p[3] == "same" for p in proved) else \
        "an identity of one step, decided at a free state of step t"
    if proved and not failed and not refused and len(t0s) == 1 and len(proved) == len(by_size):
        return (True, f"; for every t ≥ {t0s[0]}{at(proved)} ({how}{kernel_words})", None, tokens,
                next((ARGUMENTS[k] for k in ARGUMENTS if all(p[3] == k for p in proved)), ONE_STEP_ARGUMENT))
    parts = []
    if proved:
        parts.append(f"for every t{at(proved)} ({how})")
    reasons: dict = {}
    for row in failed + refused:
        reasons.setdefault(row[1], []).append(row)
    for why, rows in reasons.items():
        parts.append(f"not for every t{at(rows)}: {why}")
    note, broken = "; " + "; ".join(parts), None
    if failed and check_at:
        key = next((row[0] for row in failed if row[0] in differs), failed[0][0])
        outs = by_size[key]
        text, broken = _first_break(max(outs, key=lambda o: o.size["t"]).size, check_at, differs.get(key))
        note += "; " + text
    elif failed or refused:
        note += "; shown only at the sizes checked"
    return False, note, broken, [], ()


def _at(keys) -> str:
    """" at n = 1–3, m = 2" for sizes (every dimension but t, as (name, value) pairs) that are every combination
    of their values; else " at (n = 1, m = 2), (n = 2, m = 1)"; "" for sizes of t alone."""
    import math

    from .sizes import format_values

    names = [k for k, _ in keys[0]] if keys else []
    if not names:
        return ""
    values = {k: {dict(key)[k] for key in keys} for k in names}
    if len(set(keys)) == math.prod(len(v) for v in values.values()):
        return " at " + ", ".join(f"{k} = {format_values(v)}" for k, v in values.items())
    return " at " + ", ".join("(" + ", ".join(f"{k} = {v}" for k, v in key) + ")" for key in sorted(set(keys)))


def _first_break(last: dict, check_at, hint: int | None = None) -> tuple[str, tuple | None]:
    """(the scope's words, (outcome, found) or None): the exact engine at the horizons past ``last``, the
    sweep's largest size of one (n, m, …), for the first t with a certified counterexample; ``hint``, a horizon
    where the kernel's own reading of the claim differed, is searched too when it lies past those."""
    import time

    start, t_max, by = time.perf_counter(), last["t"], set()
    where = _at([tuple((k, v) for k, v in last.items() if k != "t")])
    horizons = list(range(t_max + 1, t_max + 1 + SEARCH_T))
    if hint is not None and hint > horizons[-1]:
        horizons += list(range(horizons[-1] + 1, hint + 1))
    for t in horizons:
        if time.perf_counter() - start > SEARCH_SECONDS:
            break
        try:
            o, found = check_at({k: (t if k == "t" else v) for k, v in last.items()})
        except Exception:
            break
        if o.status.value == "fails" and found is not None:
            return f"false past the sweep: it breaks at t = {t}{where}: {o.detail}", (o, found)
        if o.status.value != "holds":
            break
        by.add("randomized exact (F_p) trials find" if o.method == Method.FP else "the exact engine finds")
    else:
        return f"shown only at the sizes checked ({' / '.join(sorted(by))} it right up to t = {horizons[-1]}" \
               f"{where})", None
    return "shown only at the sizes checked", None


# ----- downward: ∇_{h_k}L from k = T down ------------------------------------------

def _grad_side(m: InductionModel, k: Ix, lhs, rhs) -> tuple[bool, sp.Matrix]:
    """(transposed, C_k as a 1×n row): the claimed side beside the truth dL/dh_k (or its transpose ∇_{h_k}L)."""
    G = m._grads.get(str(k))
    if G is not None:
        G = G[1]
        for a, b in ((lhs, rhs), (rhs, lhs)):
            if isinstance(a, sp.MatrixBase) and a == G:
                return False, sp.Matrix(b)
            if isinstance(a, sp.MatrixBase) and a == G.T:
                return True, sp.Matrix(b).T
    raise Unsupported(f"neither side is the truth ∇_{{h_{k}}}L (m.d(m.sum_of('E'), ('h', k)), or its transpose), "
                      "so there is no backward recursion to induce on")


def _loss_atoms(m: InductionModel, dl: sp.Matrix) -> tuple:
    """The abstract loss's partials ∂E/∂o_i (models.AbstractLoss: dE1 … dE_p for o's p entries), in o's order, when
    ∂ℓ_k/∂h_k uses them: the kernel pairs each with its own ∂E/∂o_i by position."""
    from .models import _loss_partial

    if not dl.atoms(sp.core.function.AppliedUndef):
        return ()
    p = m._base.dim(m.cell.outputs)
    return tuple(_loss_partial(i + 1) for i in range(p))


def _down_parts(m: InductionModel, k: Ix) -> tuple[sp.Matrix, sp.Matrix, dict]:
    """(J_{k+1} = ∂h_{k+1}/∂h_k, dℓ_k = ∂E_k/∂h_k as a row, {h_{k+1}: f(h_k)}) of the cell's own step at the
    free state h_k: the truth obeys dL/dh_k = dL/dh_{k+1} · J_{k+1} + dℓ_k (k < T), dL/dh_T = dℓ_T."""
    s0 = m.cell.state[0]
    nxt = m.step(k + 1)[s0]
    J = nxt.jacobian(list(m.state(s0, k)))
    dl = m._output(k)["E"].jacobian(list(m.state(s0, k)))
    return J, dl, dict(zip(m.state(s0, k + 1), nxt))


def _downward(claim, base, spec, t0: float) -> Step:
    """Downward induction for ``every_step(m, family, lo=, hi=t + c)``: C_k = ∇_{h_k}L for lo ≤ k ≤ t + c.

    * base (k = t + c): the family at the horizon, with dL/dh_t = dℓ_t and dL/dh_j = dL/dh_{j+1} J_{j+1} + dℓ_j
      for t + c ≤ j < t, each h_{j+1} its step f(h_j): an identity at a free state, for every t;
    * step (every k ≤ t + c − 1, k generic): C_k = C_{k+1} J_{k+1} + dℓ_k (rows) with the family at k + 1
      opaque (run B) and at k peeled at its bottom (run A); a truth dL/dh_{k+1} the claim itself uses is
      C_{k+1}, the induction hypothesis; h_{k+1} is its step f(h_k) on both sides.
    """
    import time

    _, lo, hi = spec
    if len(claim.model.state) != 1:
        return _downward_blocks(claim, base, spec, t0)
    if not isinstance(lo, int) or isinstance(lo, bool):
        raise Unsupported(f"every_step(lo={_show(lo)}): the lowest step must be an integer")
    hi = ix(hi)
    if hi.base != HORIZON or hi.off > 0:
        raise Unsupported(f"every_step(hi={hi}): the highest step must be the horizon t or t − c")
    c = hi.off
    # -- the base, k = t + c
    with active(Context(n=base.n, t_min=max(lo - c, 1))) as ctx:
        m, family = _bound(claim, base, ctx)
        _, C = _grad_side(m, hi, *family(hi))
        truth = _truth_at(m, c)
        subs = [_down_parts(m, Ix(HORIZON, j))[2] for j in range(-1, c - 1, -1)]  # h_t := f(h_{t−1}), …
        known = {str(Ix(HORIZON, j)) for j in range(c, 1)}
        beyond = [key for key in m._grads if key not in known]
        if beyond:
            raise Unsupported(f"at k = {hi} the claim uses ∇_h L at {beyond[0]}, past the horizon")
        G = {g: v for key, (j, M) in m._grads.items() for g, v in zip(M, _truth_at(m, j.off))}
        C = C.xreplace(G)
        for up in subs:
            C, truth = C.xreplace(up), truth.xreplace(up)
        bad = nonzero_entries(C, truth)
        base_sides = (sp.Matrix(C), sp.Matrix(truth))
    if bad:
        return Step(False, f"downward base fails: at k = {hi} the claim differs from ∇_{{h_{hi}}}L at a free state "
                    f"({len(bad)} entries)", time.perf_counter() - t0, search=True)
    # -- the step, lo ≤ k ≤ t + c − 1
    with active(Context(n=base.n, t_min=max(lo - c, 1))) as ctx:
        K = ctx.generic()
        ctx.var, ctx.top = K.base, c - 1
        m, family = _bound(claim, base, ctx)
        ctx.mode = "opaque"
        ctx.record = True  # the family at k + 1 is the term the kernel reads (kernel/peel.py): its formals recorded
        flip, c_b = _grad_side(m, K + 1, *family(K + 1))
        ctx.record = False
        term = _down_term(ctx, c_b, flip, K, lo, c)
        ctx.mode = "peel"
        _, c_a = _grad_side(m, K, *family(K))
        hyp = m._grads.get(str(K + 1))
        if hyp is not None:  # the induction hypothesis: dL/dh_{k+1}, wherever the claim uses it, is C_{k+1}
            c_a = c_a.xreplace(dict(zip(hyp[1], c_b)))
        J, dl, up = _down_parts(m, K)
        expected = (c_b * J + dl).xreplace(up)
        bad = nonzero_entries(c_a.xreplace(up), expected)
        try:
            y = m.y(K) if m.cell.output is not None else None
        except Exception:  # noqa: BLE001 (a cell whose outputs have no size: no y to pair)
            y = None
        statement = StepStatement("downward", sp.Matrix.hstack(c_a.xreplace(up), base_sides[0]),
                                  sp.Matrix.hstack(expected, base_sides[1]), J, dl,
                                  layout=claim.conventions.get("layout", "row-major"), state=m.cell.state[0],
                                  prev=m.state(m.cell.state[0], K),
                                  x=m.x(K + 1), y=y, params=dict(vars(m.params)), grads=_loss_atoms(m, dl),
                                  terms=term)
    if bad:
        return Step(False, f"downward step C_k = J_{{k+1}}ᵀ C_{{k+1}} + ∂ℓ_k/∂h_k fails at {len(bad)} of "
                    f"{c_a.cols} entries", time.perf_counter() - t0, search=True)
    if not _down_matches(claim, base, m, K, J, dl):
        return Step(False, "the backward recursion of the generic step does not match the engine's truth at t = 2 "
                    "(a loss that is not a sum of per-step terms?)", time.perf_counter() - t0)
    peeled = ", ".join(sorted(set(ctx.peeled))) or "nothing to peel"
    top = "T" if c == 0 else f"T{c:+d}".replace("-", "−")
    every = f"for every T ≥ {max(lo - c, 1)} and k = {lo}…{top}"
    return Step(True, f"base exact at k = {top}, step proved ({peeled})", time.perf_counter() - t0,
                kind="downward", every=every, statement=statement)


def _down_term(ctx: Context, row: sp.Matrix, flip: bool, K: Ix, lo: int, c: int) -> tuple:
    """The family's side at k + 1 (C_{k+1}) as the term the kernel peels at its bottom and unrolls itself
    (kernel/peel.py), as the claim wrote it (``transposed``: a column ∇L), or () where a formal's body was not read
    at a generic index (the kernel then keeps the older trust)."""
    from .kernel.peel import Term

    if ctx.unrecorded is not None:
        return ()
    side = sp.Matrix(row).T if flip else sp.Matrix(row)
    return (Term(sp.ImmutableMatrix(side), tuple(ctx.terms), 1, index=K.base, transposed=flip, family=(lo, c)),)


def _bound(claim, base, ctx: Context):
    """A fresh model at the symbolic horizon and the claim's family read on it (the family closes over it)."""
    m = InductionModel(base, Ix(HORIZON, 0), ctx)
    _check(claim, m)
    if m._downward is None:
        raise Unsupported("the claim calls every_step only sometimes")
    return m, purity.checked("the every_step family", m._downward[0])


def _check(claim, m: InductionModel):
    """The claim's check on ``m``, refused if it changes the state it reaches (a check that keeps state between its
    calls means one thing at its symbolic reading and another at each size)."""
    return purity.call("the check", None, claim.check, m)


def _truth_at(m: InductionModel, j: int) -> sp.Matrix:
    """dL/dh_{t+j} (row) at the horizon's free states: dℓ_t at j = 0, then the recursion downward."""
    s0 = m.cell.state[0]
    T = Ix(HORIZON, 0)
    g = m._output(T)["E"].jacobian(list(m.state(s0, T)))
    for i in range(-1, j - 1, -1):
        J, dl, _ = _down_parts(m, Ix(HORIZON, i))
        g = g * J + dl
    return g


def _down_matches(claim, base, m: InductionModel, K: Ix, J: sp.Matrix, dl: sp.Matrix) -> bool:
    """The truth's backward recursion dL/dh_1 = dL/dh_2 · J_2 + dℓ_1, with J, dℓ of the generic step, against
    the exact engine's truth at t = 2 (L = Σ_s E_s differentiated through every path)."""
    from .models import Model

    mod = Model(claim.model, n=base.n, m=base.m, t=2, activation=claim.activation, loss=claim.loss,
                layout=claim.conventions.get("layout", "row-major"))
    s0 = claim.model.state[0]
    L = mod.sum_of("E")
    subs = dict(zip(m.state(s0, K), mod.h(1))) | dict(zip(m.x(K + 1), mod.x(2))) | dict(zip(m.y(K), mod.y(1)))
    g1, g2 = mod.d(L, (s0, 1)), mod.d(L, (s0, 2))
    if g1.shape != (1, base.n):
        return False
    return not nonzero_entries(g1, g2 * J.xreplace(subs) + dl.xreplace(subs))


# ----- downward with several states: the block recursion of the adjoints ------------------------------------
#
# With the stacked state S_k = (h_k, c_k, …) (the cell's state order, each block n entries), the adjoint of the
# free stacked state, Λ_k = ∂/∂S_k of Σ_{s≥k} E_s with every state of step k free, obeys the block recursion
# Λ_T = ∂E_T/∂S_T, Λ_k = Λ_{k+1} J_{k+1} + ∂E_k/∂S_k, with J_{k+1} the step's block Jacobian (block (r, s) the
# explicit partial ∂r_{k+1}/∂s_k, the other states of step k held). The truth the claim reads, dL/ds_k = m.d(L,
# (s, k)), overrides s_k in its step and recomputes the rest of that step from it (an LSTM's h_k = o_k ⊙ tanh(c_k)
# reads c_k), so it is G_k = Λ_k D_k with D_k the step's in-step Jacobian (block (r, s) = ∂r_k/∂s_k, s_k
# overridden: I on the diagonal, 0 for a state r assigned before s, so D_k is unit block-triangular and
# D_k^{-1} = Σ_{i<S} (I − D_k)^i). A claim C_k about one state s is proved by its block row: the hypothesis is
# G^s_{k+1} = C_{k+1}, every other state's G^r_{k+1} a free row, Λ_{k+1} = G_{k+1} D_{k+1}^{-1}, and
# C_k = (Λ_{k+1} J_{k+1} + ∂E_k/∂S_k) D_k, block s, is decided by the normal form; a truth G^r_k of step k the
# claim itself reads (δh_k in the c row) is that block r. Every state of steps k and k + 1 is the cell's step
# from the free state S_{k−1} (so a quantity of step k, o_k or tanh(c_k), and the state it makes are one value).

def _all_grads(m: InductionModel) -> dict:
    """{(s, str(k)): (k, dL/ds_k opaque)} of every state's truth the claim read."""
    out = {(m.cell.state[0], key): v for key, v in m._grads.items()}
    out.update(m._sgrads)
    return out


def _grad_side_blocks(m: InductionModel, k: Ix, lhs, rhs) -> tuple[str, sp.Matrix]:
    """(s, C_k as a 1×n row): the claimed side beside the truth dL/ds_k of some state s (or its transpose)."""
    s, C, _ = _grad_side_blocks_t(m, k, lhs, rhs)
    return s, C


def _grad_side_blocks_t(m: InductionModel, k: Ix, lhs, rhs) -> tuple[str, sp.Matrix, bool]:
    """(s, C_k as a 1×n row, whether the claim wrote the column ∇L)."""
    for (s, key), (_, G) in _all_grads(m).items():
        if key != str(k):
            continue
        for a, b in ((lhs, rhs), (rhs, lhs)):
            if isinstance(a, sp.MatrixBase) and a == G:
                return s, sp.Matrix(b), False
            if isinstance(a, sp.MatrixBase) and a == G.T:
                return s, sp.Matrix(b).T, True
    raise Unsupported(f"neither side is a truth ∇_{{s_{k}}}L of a state s (m.d(m.sum_of('E'), (s, k)), or its "
                      "transpose), so there is no backward recursion to induce on")


def _up(m: InductionModel, j: Ix) -> dict:
    """{S_j: the cell's step j from the free S_{j−1}}."""
    q = m.step(j)
    return {sym: v for r in m.cell.state for sym, v in zip(m.state(r, j), q[r])}


def _in_step(m: InductionModel, j: Ix) -> sp.Matrix:
    """D_j: block (r, s) = ∂r_j/∂s_j with s_j overridden in step j (run from the free S_{j−1}), at s_j free."""
    states = m.cell.state
    prev = {s: m.state(s, j - 1) for s in states}
    cols = []
    for s in states:
        q = m._run(j, prev, {s: m.state(s, j)})
        cols.append(sp.Matrix.vstack(*[sp.Matrix(q[r]).jacobian(list(m.state(s, j))) for r in states]))
    return sp.Matrix.hstack(*cols)


def _block_parts(m: InductionModel, k: Ix) -> tuple[sp.Matrix, sp.Matrix]:
    """(J_{k+1}, ∂E_k/∂S_k) at the free stacked state S_k: the step's block Jacobian and the loss's partial row."""
    states = m.cell.state
    nxt = m.step(k + 1)
    J = sp.Matrix.vstack(*[sp.Matrix.hstack(*[sp.Matrix(nxt[r]).jacobian(list(m.state(s, k))) for s in states])
                           for r in states])
    E = m._output(k)["E"]
    return J, sp.Matrix.hstack(*[E.jacobian(list(m.state(s, k))) for s in states])


def _unit_inverse(D: sp.Matrix, blocks: int) -> sp.Matrix:
    """D^{-1} of a unit block-triangular D = I + N (N nilpotent: N^blocks = 0, checked), as Σ_{i<blocks} (−N)^i."""
    I = sp.eye(D.rows)
    N = D - I
    power, inv = I, I
    for _ in range(blocks - 1):
        power = -power * N
        inv = inv + power
    if nonzero_entries(sp.expand(power * N), sp.zeros(*D.shape)):
        raise Unsupported("the step's in-step Jacobian of its states is not unit triangular (a state assigned "
                          "twice, or from one assigned after it)")
    return inv


def _block(row: sp.Matrix, states: tuple, s: str) -> sp.Matrix:
    n = row.cols // len(states)
    i = states.index(s)
    return row[:, i * n:(i + 1) * n]


def _chain(expr: sp.Matrix, ups: list) -> sp.Matrix:
    for up in ups:
        expr = expr.xreplace(up)
    return expr


def _layout_words(states: tuple, s: str) -> str:
    blocks = "[" + ", ".join("[" + ", ".join(f"∂{a}_{{k+1}}/∂{b}_k" for b in states) + "]" for a in states) + "]"
    return (f"; the state ({', '.join(states)}) stacked, J_{{k+1}} the block matrix {blocks}, D_k the step's "
            f"in-step Jacobian of its states (dL/ds_k = (Λ_k D_k)_s, Λ_k = Λ_{{k+1}} J_{{k+1}} + ∂E_k/∂S_k), "
            f"the claim's ∇_{s}L its block row, the other states' adjoints at k + 1 free")


def _downward_blocks(claim, base, spec, t0: float) -> Step:
    """Downward induction for a cell with several states: C_k = ∇_{s_k}L of one state s for lo ≤ k ≤ t + c, by
    the block recursion of the adjoints (see the comment above)."""
    import time

    _, lo, hi = spec
    states = tuple(claim.model.state)
    if not isinstance(lo, int) or isinstance(lo, bool) or lo < 1:
        raise Unsupported(f"every_step(lo={_show(lo)}): the lowest step must be an integer ≥ 1")
    hi = ix(hi)
    if hi.base != HORIZON or hi.off > 0:
        raise Unsupported(f"every_step(hi={hi}): the highest step must be the horizon t or t − c")
    c = hi.off
    # -- the base, k = t + c: Λ_t = ∂E_t/∂S_t, then down to t + c; every state above S_{t+c−1} its step
    with active(Context(n=base.n, t_min=max(lo - c, 1))) as ctx:
        m, family = _bound(claim, base, ctx)
        s, C = _grad_side_blocks(m, hi, *family(hi))
        T = Ix(HORIZON, 0)
        E = m._output(T)["E"]
        lam = sp.Matrix.hstack(*[E.jacobian(list(m.state(r, T))) for r in states])
        G = {0: lam * _in_step(m, T)}
        for j in range(-1, c - 1, -1):
            J, dl = _block_parts(m, Ix(HORIZON, j))
            lam = lam * J + dl
            G[j] = lam * _in_step(m, Ix(HORIZON, j))
        known = {str(Ix(HORIZON, j)): j for j in range(c, 1)}
        subs = {}
        for (r, key), (_, M) in _all_grads(m).items():
            if key not in known:
                raise Unsupported(f"at k = {hi} the claim uses ∇L at {key}, past the horizon or below the base")
            subs.update(zip(M, _block(G[known[key]], states, r)))
        ups = [_up(m, Ix(HORIZON, j)) for j in range(0, c - 1, -1)]  # S_t := f(S_{t−1}), …, S_{t+c} := f(S_{t+c−1})
        C, truth = _chain(C.xreplace(subs), ups), _chain(_block(G[c], states, s), ups)
        bad = nonzero_entries(C, truth)
        base_sides = (sp.Matrix(C), sp.Matrix(truth))
    if bad:
        return Step(False, f"downward base fails: at k = {hi} the claim differs from ∇_{{{s}_{hi}}}L at a free "
                    f"state ({len(bad)} entries)", time.perf_counter() - t0, search=True)
    # -- the step, lo ≤ k ≤ t + c − 1
    with active(Context(n=base.n, t_min=max(lo - c, 1))) as ctx:
        K = ctx.generic()
        ctx.var, ctx.top = K.base, c - 1
        m, family = _bound(claim, base, ctx)
        ctx.mode = "opaque"
        ctx.record = True  # the family at k + 1 is the term the kernel reads (kernel/peel.py)
        s_b, c_b, flip = _grad_side_blocks_t(m, K + 1, *family(K + 1))
        ctx.record = False
        term = _down_term(ctx, c_b, flip, K, lo, c)
        ctx.mode = "peel"
        s_a, c_a = _grad_side_blocks(m, K, *family(K))
        if s_a != s_b or s_a != s:
            raise Unsupported(f"the claim is about ∇_{s_a}L at k and ∇_{s_b}L at k + 1: one state's adjoint")
        L = m.sum_of("E")
        G1 = sp.Matrix.hstack(*[c_b if r == s else m._grad(L, K + 1, r) for r in states])  # the hypothesis
        J, dl = _block_parts(m, K)
        D0, D1 = _in_step(m, K), _in_step(m, K + 1)
        G0 = (G1 * _unit_inverse(D1, len(states)) * J + dl) * D0
        subs = {}
        for (r, key), (_, M) in _all_grads(m).items():
            if key == str(K + 1) and r == s:
                subs.update(zip(M, c_b))
            elif key == str(K):
                subs.update(zip(M, _block(G0, states, r)))
        ups = [_up(m, K + 1), _up(m, K)]  # S_{k+1} := f(S_k), S_k := f(S_{k−1})
        lhs, expected = _chain(c_a.xreplace(subs), ups), _chain(_block(G0, states, s), ups)
        bad = nonzero_entries(lhs, expected)
        J, dl, D0, D1 = (_chain(X, ups) for X in (J, dl, D0, D1))
        try:
            y = m.y(K) if m.cell.output is not None else None
        except Exception:  # noqa: BLE001 (a cell whose outputs have no size: no y to pair)
            y = None
        statement = StepStatement("downward", sp.Matrix.hstack(lhs, base_sides[0]),
                                  sp.Matrix.hstack(expected, base_sides[1]), J, dl,
                                  layout=claim.conventions.get("layout", "row-major"), state=s,
                                  prev=sp.Matrix.vstack(*[m.state(r, K - 1) for r in states]),
                                  x=m.x(K + 1), y=y, params=dict(vars(m.params)), grads=_loss_atoms(m, dl),
                                  states=states, D=(D0, D1), x0=m.x(K), terms=term)
    if bad:
        return Step(False, f"downward step C_k = (block {s} of (Λ_{{k+1}} J_{{k+1}} + ∂E_k/∂S_k) D_k) fails at "
                    f"{len(bad)} of {c_a.cols} entries", time.perf_counter() - t0, search=True)
    if not _down_matches_blocks(claim, base, m, K, statement):
        return Step(False, "the block backward recursion of the generic step does not match the engine's truth at "
                    "t = 2 (a loss that is not a sum of per-step terms of the states?)", time.perf_counter() - t0)
    peeled = ", ".join(sorted(set(ctx.peeled))) or "nothing to peel"
    top = "T" if c == 0 else f"T{c:+d}".replace("-", "−")
    every = f"for every T ≥ {max(lo - c, 1)} and k = {lo}…{top}"
    return Step(True, f"base exact at k = {top}, step proved ({peeled}{_layout_words(states, s)})",
                time.perf_counter() - t0, kind="downward", every=every, statement=statement)


def _down_matches_blocks(claim, base, m: InductionModel, K: Ix, st) -> bool:
    """The block recursion against the exact engine's truths at t = 2 (L = Σ_s E_s differentiated through every
    path): dL/dS_2 = ∂E_2/∂S_2 · D_2 at the horizon, and dL/dS_1 = (dL/dS_2 D_2^{-1} J_2 + ∂E_1/∂S_1) D_1, with
    the finder's S_{k−1}, x_k, x_{k+1}, y_k, y_{k+1} the engine's S_0, x_1, x_2, y_1, y_2."""
    from .models import Model

    states = tuple(claim.model.state)
    mod = Model(claim.model, n=base.n, m=base.m, t=2, activation=claim.activation, loss=claim.loss,
                layout=claim.conventions.get("layout", "row-major"))
    L = mod.sum_of("E")
    g1 = sp.Matrix.hstack(*[mod.d(L, (r, 1)) for r in states])
    g2 = sp.Matrix.hstack(*[mod.d(L, (r, 2)) for r in states])
    if g1.shape != (1, base.n * len(states)):
        return False
    subs = {a: b for r in states for a, b in zip(m.state(r, K - 1), mod.at(r, 0))}
    subs |= dict(zip(m.x(K), mod.x(1))) | dict(zip(m.x(K + 1), mod.x(2)))
    subs |= dict(zip(m.y(K), mod.y(1))) | dict(zip(m.y(K + 1), mod.y(2)))
    ups = [_up(m, K + 1), _up(m, K)]
    E2 = m._output(K + 1)["E"]
    dl2 = _chain(sp.Matrix.hstack(*[E2.jacobian(list(m.state(r, K + 1))) for r in states]), ups)
    J, dl, D0, D1 = (sp.Matrix(X).xreplace(subs) for X in (st.J, st.P, st.D[0], st.D[1]))
    dl2 = dl2.xreplace(subs)
    if nonzero_entries(g2, dl2 * D1):
        return False
    return not nonzero_entries(g1, (g2 * _unit_inverse(D1, len(states)) * J + dl) * D0)
