"""Holds for every t: a closed form proved by induction over the horizon.

For a time-invariant cell h_t = f(h_{t−1}, x_t; θ) the truth X_t = dh_t/dθ
obeys X_t = J_t X_{t−1} + P_t, with J_t = ∂f/∂h_{t−1} and P_t = ∂f/∂θ the
explicit partials of one step (the chain rule; P_t = 0 when θ is a state h_j
and t > j). A claimed C_t therefore equals X_t for every t ≥ t₀ if

* (base) C_{t₀} = X_{t₀}: decided by the exact engine (the concrete sweep);
* (step) C_t = J_t C_{t−1} + P_t for every t ≥ t₀ + 1, as an identity.

The step is decided at a fixed n with t symbolic. The proof's own check is run
twice on an :class:`InductionModel`: at horizon t−1 (run B) and at horizon t
(run A). Its states are free symbols per step (``h[t-1][0]``); every quantity
of a step is the cell's own step function at those symbols. A sum or ordered
product over a range of symbolic length is a formal object (symderiv/formal.py):
opaque in run B, peeled at its top in run A, the remainder being run B's
opaque object.

The step identity is then decided entry by entry by the same normal form as
the engine's: linear over the opaque matrices, every other symbol free. An
identity in free symbols stays one under any substitution, so it holds on every
trajectory and every range. A truth dh_{t−1}/dθ that the claim itself uses
(a recursion such as Lemma 2) is replaced by C_{t−1}, the induction hypothesis.
Anything else (a horizon used as a number, ``range(1, m.t)``, a derivative of
something other than the state, the recursion of a cell with two states) is
refused with a reason, and the claim keeps its concrete verdict and scope. A
claim with no truth in it at all (an identity of one step) is decided at a free
state of a generic step t instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import sympy as sp

from . import notation
from .cells import StepScope
from .formal import HORIZON, Context, EmptyRange, Ix, Unsupported, _show, active, ix
from .identity import nonzero_entries
from .protocol import bind_parameters

__all__ = ["Context", "EmptyRange", "InductionModel", "Ix", "Step", "Unsupported", "active", "extend", "step_check"]


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
        if k not in self._steps:
            scope = StepScope({}, lambda v: v if isinstance(v, sp.MatrixBase) else sp.Matrix(v))
            prev = SimpleNamespace(**{s: self.state(s, k - 1) for s in self.cell.state})
            ret = self.cell.step(scope, prev, self.x(k), self.params, self.f)
            if ret is not None:
                setattr(scope, self.cell.state[0], ret)
            self._steps[k] = scope._values
        return self._steps[k]

    def at(self, name: str, k):
        if name in self.cell.state:
            return self.state(name, k)
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
        if not (isinstance(of, tuple) and len(of) == 2 and of[0] == self.cell.state[0]):
            raise Unsupported(f"m.d({_show(of)}, …): only the truth d{self.cell.state[0]}_k/dθ is induced on")
        k = ix(of[1])
        if k.base != HORIZON:
            raise Unsupported(f"m.d({_show(of)}, …) at a step that is not the horizon ± an integer")
        key = (str(k), _wrt_key(wrt), layout or self.layout)
        if key not in self._truths:
            rows, cols = self.n, _wrt_cols(self, wrt)
            self._truths[key] = sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"X[{k}][{i},{j}]⟨{key[1]}⟩"))
        return self._truths[key]

    def partial(self, of, wrt, *, layout=None):
        """The explicit partial of a quantity of step k: the Jacobian of the cell's step at the free state of
        step k − 1, with respect to a parameter (in the layout) or to that previous state."""
        if not (isinstance(of, tuple) and len(of) == 2):
            raise Unsupported(f"m.partial({_show(of)}, …): only a quantity of one step")
        k = ix(of[1])
        q = self.step(k)
        if of[0] not in q:
            raise Unsupported(f"the step has no quantity {of[0]!r}")
        value = q[of[0]]
        if isinstance(wrt, tuple) and len(wrt) == 2 and wrt[0] in self.cell.state and str(ix(wrt[1])) == str(k - 1):
            return value.jacobian(list(self.state(wrt[0], k - 1)))
        if isinstance(wrt, str) and wrt in self.cell.params:
            return value.jacobian(list(notation.vec(getattr(self.params, wrt), layout or self.layout)))
        raise Unsupported(f"m.partial(…, {_show(wrt)}): only a parameter or the previous step's state")

    def like(self, *a, **kw):
        raise Unsupported("m.like is not supported in the induction mode")

    def __getattr__(self, name):  # any other model attribute (m.o, m.E, m.states, …)
        if name.startswith("_"):
            raise AttributeError(name)
        raise Unsupported(f"m.{name} is not supported in the induction mode")


def _wrt_key(wrt) -> str:
    if isinstance(wrt, tuple):
        return f"{wrt[0]}{ix(wrt[1])}"
    return str(wrt)


def _wrt_cols(m: InductionModel, wrt) -> int:
    if isinstance(wrt, tuple):
        return m.n
    if m.cell.input_of(str(wrt)) == ("init", m.cell.state[0]):
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
    kind: str = "induction"     # "induction" (base + step) or "generic" (an identity of one step at a free state)
    wrt: object = None          # when proved: what J_t, P_t differentiate with respect to, and the layout
    layout: str = ""
    J: sp.Matrix | None = field(default=None, repr=False)
    P: sp.Matrix | None = field(default=None, repr=False)


def recursion(m: InductionModel, wrt, layout: str, t_min: int) -> tuple[sp.Matrix, sp.Matrix]:
    """(J_t, P_t) of the cell's step at the generic state h_{t−1}, in the claim's layout."""
    t = Ix(HORIZON, 0)
    h_t = m.step(t)[m.cell.state[0]]
    prev = list(m.state(m.cell.state[0], t - 1))
    J = h_t.jacobian(prev)
    if isinstance(wrt, tuple):
        j = ix(wrt[1])
        if wrt[0] != m.cell.state[0] or j.base is not None:
            raise Unsupported(f"the derivative with respect to {wrt!r}: only a state h_j at a fixed j")
        if t_min - 1 < j.off:
            raise Unsupported(f"dh_t/dh_{j.off} is induced from t = {j.off}; the sweep starts at t = {t_min - 1}")
        return J, sp.zeros(m.n, m.n)
    p = getattr(m.params, wrt)
    return J, h_t.jacobian(list(notation.vec(p, layout)))


def _truth_side(m: InductionModel, lhs, rhs):
    """(wrt, layout, C): the claim's closed form C beside the truth at the horizon."""
    tops = {key: M for key, M in m._truths.items() if key[0] == str(m.t)}
    for key, M in tops.items():
        if isinstance(lhs, sp.MatrixBase) and lhs == M:
            return key, sp.Matrix(rhs)
        if isinstance(rhs, sp.MatrixBase) and rhs == M:
            return key, sp.Matrix(lhs)
    raise Unsupported("neither side is the truth dh_t/dθ at the horizon, so there is no recursion to induce on")


def step_check(claim, n: int, t_min: int) -> Step:
    """Decide the inductive step of ``claim`` at size n, for every t ≥ t_min + 1.

    A claim whose sides use no truth dh/dθ at all (an identity of one step,
    such as ∂c_t/∂c_{t−1} = diag(f_t)) needs no induction: decided at the free
    state of a generic step t, it holds for every t ≥ t_min (``kind="generic"``).
    """
    import time

    from .models import Model

    t0 = time.perf_counter()
    if claim.model is None:
        return Step(False, "not induced on: the claim has no model")
    base = Model(claim.model, n=n, t=1, activation=claim.activation, loss=claim.loss,
                 layout=claim.conventions.get("layout", "row-major"))
    try:
        with active(Context(n=n, t_min=t_min)) as ctx:
            m = InductionModel(base, Ix(HORIZON, 0), ctx)
            lhs, rhs = claim.check(m)
            if not m._truths:
                if t_min + ctx.lowest < 0:
                    raise Unsupported(f"the claim reads step t{ctx.lowest:+d}, before step 0 at t = {t_min}")
                bad = nonzero_entries(sp.Matrix(lhs), sp.Matrix(rhs))
                if bad:
                    return Step(False, f"not for every t: at a free state of step t the sides differ at {len(bad)} "
                                "entries (it may hold on trajectories only)", time.perf_counter() - t0, search=True)
                return Step(True, "an identity of one step at a free state", time.perf_counter() - t0,
                            kind="generic")
        return _induction(claim, base, n, t_min, t0)
    except Exception as e:  # the transcription cannot be read at a symbolic t: refused, never a verdict
        why = _one_line(e)
        if isinstance(e, TypeError) and "'Ix'" in why:
            why = f"the horizon m.t is used as a number ({why}); write a sum over steps as a family, " \
                  "total(term, shape, lo=…, hi=…), and a power as power(W, k, size=…)"
        return Step(False, f"not induced on: {why}", time.perf_counter() - t0, search=isinstance(e, EmptyRange))


def _induction(claim, base, n: int, t_min: int, t0: float) -> Step:
    import time

    if len(claim.model.state) != 1:
        raise Unsupported("the recursion of a cell with several states (h, c) is not induced on")
    with active(Context(n=n, t_min=t_min + 1)) as ctx:
        mb = InductionModel(base, Ix(HORIZON, -1), ctx)
        ctx.mode = "opaque"
        key_b, c_b = _truth_side(mb, *claim.check(mb))
        ma = InductionModel(base, Ix(HORIZON, 0), ctx)
        ctx.mode = "peel"
        key_a, c_a = _truth_side(ma, *claim.check(ma))
        if key_a[1:] != key_b[1:]:
            raise Unsupported("the truth at horizon t and at t − 1 are not the same derivative")
        if t_min + 1 + ctx.lowest < 0:
            raise Unsupported(f"the claim reads step t{ctx.lowest:+d}, before step 0 at t = {t_min + 1}")
        wrt = _wrt_of(claim, ma, key_a)
        # the induction hypothesis: the truth at t − 1, wherever the claim itself uses it, is C_{t−1}
        hyp = ma._truths.get((str(Ix(HORIZON, -1)),) + key_a[1:])
        if hyp is not None:
            c_a = c_a.xreplace(dict(zip(hyp, c_b)))
        others = [M for key, M in {**ma._truths, **mb._truths}.items() if key[0] != HORIZON]
        used = set().union(*(M.free_symbols for M in others)) if others else set()
        J, P = recursion(ma, wrt, key_a[2], t_min + 1)
        bad = nonzero_entries(c_a, J * c_b + P)
    if bad:
        stray = used & set().union(*(c_a[i, j].free_symbols for i, j in bad))
        note = " (it uses the truth at an earlier step than t − 1)" if stray else ""
        return Step(False, f"step C_t = J_t C_{{t−1}} + P_t fails at {len(bad)} of {c_a.rows * c_a.cols} "
                    f"entries{note}", time.perf_counter() - t0, search=True)
    peeled = ", ".join(sorted(set(ctx.peeled))) or "nothing to peel"
    return Step(True, f"step proved ({peeled})", time.perf_counter() - t0, wrt=wrt, layout=key_a[2], J=J, P=P)


def _wrt_of(claim, m: InductionModel, key):
    name = key[1]
    if name in m.cell.params:
        return name
    s = m.cell.state[0]
    if name.startswith(s) and name[len(s):].lstrip("-").isdigit():
        return (s, int(name[len(s):]))
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


def _recursion_matches(claim, n: int, t0: int, wrt, layout: str, J: sp.Matrix, P: sp.Matrix) -> bool:
    """The recursion X_t = J_t X_{t−1} + P_t, with J_t, P_t of the generic step, at t = t0 + 1 against the
    exact engine's truth (the unrolled model differentiated): the cell is time-invariant and J, P are its
    partials in the claim's layout."""
    from .models import Model

    t = t0 + 1
    mod = Model(claim.model, n=n, t=t, activation=claim.activation, loss=claim.loss, layout=layout)
    s = claim.model.state[0]
    subs = {sp.Symbol(f"{s}[t-1][{i}]"): mod.h(t - 1)[i] for i in range(n)}
    subs |= {sp.Symbol(f"x[t][{i}]"): mod.x(t)[i] for i in range(mod.m)}
    J, P = J.xreplace(subs), P.xreplace(subs)
    return not nonzero_entries(mod.d((s, t), wrt, layout=layout), J * mod.d((s, t - 1), wrt, layout=layout) + P)


def extend(claim, outcomes, *, seed: int = 0) -> tuple[bool, str]:
    """(for every t, the scope's addition) for an identity that holds at every size of its sweep.

    The base is the concrete outcome at the sweep's smallest t for that n
    (exact, never F_p); the step is :func:`step_check`. At an n where the
    step is not proved the claim keeps its scope, and the exact engine looks
    a few horizons past the sweep for the first t where it breaks.
    """
    from .sizes import format_values

    if "t" in claim.sizes.fixed or not outcomes or any("t" not in o.size for o in outcomes):
        return False, ""
    by_n: dict = {}
    for o in outcomes:
        by_n.setdefault(o.size.get("n", 1), []).append(o)
    proved, failed, refused = [], [], []
    for n, outs in sorted(by_n.items()):
        if n > MAX_N:
            continue
        base = min(outs, key=lambda o: o.size["t"])
        t0 = base.size["t"]
        if base.method == "fp":
            refused.append((n, "the base case was decided over F_p, not exactly"))
            continue
        st = step_check(claim, n, t0)
        if st.proved and st.kind == "induction" and not _recursion_matches(claim, n, t0, st.wrt, st.layout, st.J,
                                                                            st.P):
            st = Step(False, "the recursion X_t = J_t X_{t−1} + P_t of the generic step does not match the "
                             "engine's truth at t = t0 + 1 (a cell that is not time-invariant?)")
        (proved if st.proved else failed if st.search else refused).append((n, st.reason, t0, st.kind))
    if not (proved or failed or refused):
        return False, ""
    t0s = sorted({p[2] for p in proved})
    how = "induction: base exact, step proved" if all(p[3] == "induction" for p in proved) else \
        "an identity of one step, decided at a free state of step t"
    if proved and not failed and not refused and len(t0s) == 1 and len(proved) == len(by_n):
        ns = format_values([p[0] for p in proved])
        return True, f"; for every t ≥ {t0s[0]} at n = {ns} ({how})"
    parts = []
    if proved:
        parts.append(f"for every t at n = {format_values([p[0] for p in proved])} ({how})")
    reasons: dict = {}
    for n, why, *_ in failed + refused:
        reasons.setdefault(why, []).append(n)
    for why, ns in reasons.items():
        parts.append(f"not for every t at n = {format_values(ns)}: {why}")
    note = "; " + "; ".join(parts)
    if failed:
        n = min(f[0] for f in failed)
        note += "; " + _first_break(claim, n, max(o.size["t"] for o in by_n[n]), seed)
    elif refused:
        note += "; shown only at the sizes checked"
    return False, note


def _first_break(claim, n: int, t_max: int, seed: int) -> str:
    import time

    from .engine import Phases, check_identity_at

    start = time.perf_counter()
    for t in range(t_max + 1, t_max + 1 + SEARCH_T):
        if time.perf_counter() - start > SEARCH_SECONDS:
            break
        try:
            o, found = check_identity_at(claim, {"n": n, "t": t}, backend="symengine", seed=seed, phases=Phases())
        except Exception:
            break
        if o.status.value == "fails":
            return f"right only at the sizes checked: it breaks at t = {t} (n = {n}): {o.detail}"
        if o.status.value != "holds":
            break
    else:
        return f"shown only at the sizes checked (the exact engine finds it right up to t = {t_max + SEARCH_T} " \
               f"at n = {n})"
    return "shown only at the sizes checked"
