"""The kernel's own reading of a side handed over as a term (issue 19, item 2: "an induction's base and step are
re-checked by the kernel"): it peels the term's formal sums and products itself, and unrolls the same term at
every horizon it reads the claim at.

A :class:`Term` is what the finder read at a symbolic horizon with every sum and product over a range of
symbolic length kept formal (:class:`Formal`: Σ or Π, the order of a product, its bounds as index ± integer,
its body as an expression at a generic index of its own, ``var``), the states, inputs and targets as symbols
named by their step (``h[t-1][0]``, ``x[k3][1]``), the parameters as the finder's symbols (paired with the
kernel's own by name and position). The kernel reads it two ways, with code of its own (this module):

* **at a symbolic t** (:meth:`Reader.value` with ``shift``): ``shift`` 0 is the term as read (the claim at t − 1
  for an induction: C_{t−1}, every formal object one opaque random matrix per range); ``shift`` 1 is the same
  term at t + 1 − 1 = t, every index on t moved up by one, and every formal whose top is then t + c peeled by
  the kernel: Π_{k=a}^{t+c} f(k) = f(t+c)·Π_{k=a}^{t+c−1} f(k) (descending; ascending the factor stands on the
  right), Σ_{k=a}^{t+c} f(k) = f(t+c) + Σ_{k=a}^{t+c−1} f(k), the remainder being the very object of shift 0
  (the same random matrix) when f does not read t. A sum whose summand reads t (a product up to t inside it)
  is L · S (or S · R): L one of the factors the kernel itself peeled off inside the summand, chosen at a first
  point (:attr:`Reader.choices`) and then *checked* as part of the statement, f_t(κ) − L·f_{t−1}(κ) = 0 at the
  random point with κ a generic step of fresh values. A product whose factor reads t, or a top that may not
  exist for some t (an empty range), is :class:`Unreadable`. So C_t and C_{t−1} of the step are the kernel's
  own, built from one term, not the finder's two runs.
* **at a concrete horizon τ** (``tau``): every index a number, each formal the sum or product itself, term by
  term, each state, input and target the kernel's own model's value at its step (``h[3][0]`` is its h_3).

A downward family (``every_step``, :attr:`Term.index` the finder's generic k) is read the same way, on k: its side
at k + 1 (C_{k+1}) as read at ``shift`` 0 (every formal one random matrix per range), at ``shift`` −1 every index on k
moved down by one and every formal whose bottom is then k + a peeled by the kernel: Σ_{j=k+a}^{hi} f(j) = f(k+a) +
Σ_{j=k+a+1}^{hi} f(j), a product's factor at k + a rightmost when descending (leftmost ascending), the remainder the
very object of shift 0 when f does not read k, else L·S as above (L a factor peeled at the bottom, checked); the range
must be nonempty for every k ≤ t + top. The states S_{k−1}, S_k, S_{k+1}, x_k, x_{k+1}, y_k are the kernel's S_0, S_1,
S_2, x_1, x_2, y_1, the truths dL/ds_k (``δG[k][i]``) the rows the step gives (:attr:`Reader.rows`), at a concrete
horizon the kernel's own L differentiated. The base (``base``): the term at k = t + c read at τ = 1 − c with every
index on k or t kept relative to τ, so a range whose length depends on t is not read, and a step written as a number
is a value of its own.

Not read (:class:`Unreadable`, and the caller keeps the older trust): a symbol of another kind (a truth dh/dθ
the claim uses, ∇L's opaque rows), a step before 0, a product whose factor reads t, a value that is not an
exact number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from .dual import KernelError

HORIZON = "t"
_NAME = re.compile(r"^([A-Za-z_]\w*)\[([^\[\]]+)\]\[(\d+)\]$")
_INDEX = re.compile(r"^(t|k\d+|ρ)([+-]\d+)?$|^(-?\d+)$")
_TRUTH = re.compile(r"^X(?:_(\w+))?\[([^\[\]]+)\]\[(\d+),(\d+)\]⟨(.*)⟩$")
#: a downward truth, the row dL/ds_k of L = Σ_s E_s (the finder's ``δG[k][i]``, ``δG_c[k][i]`` for a state c)
_GRAD = re.compile(r"^δG(?:_(\w+))?\[([^\[\]]+)\]\[(\d+)\]$")


def _index_of(name: str):
    """The step index written in a state's, an input's or a truth's name (None: not such a name)."""
    m = _NAME.match(name) or _TRUTH.match(name) or _GRAD.match(name)
    return None if m is None else m.group(2)


class Unreadable(KernelError):
    """A term the kernel does not read (the caller keeps its older trust for it)."""


@dataclass(frozen=True)
class Formal:
    """Σ_{var=lo}^{hi} body or Π_{var=lo}^{hi} body (``order`` "descending": the factor at hi leftmost), the
    bounds (base, off): base None (a number), "t", or the ``var`` of an enclosing formal."""

    op: str
    order: str
    lo: tuple
    hi: tuple
    var: str
    body: sp.ImmutableMatrix
    symbols: sp.ImmutableMatrix  # the finder's symbols standing for it in a side or an enclosing body


@dataclass(frozen=True)
class Term:
    """A side: ``expr`` in the finder's symbols, ``formals`` every formal object it or a body names, ``horizon``
    the horizon it was read at as an offset from t (−1: the claim at t − 1)."""

    expr: sp.ImmutableMatrix
    formals: tuple = ()
    horizon: int = 0
    #: the finder's label (``⟨…⟩``) of the truth ds/dθ the claim is about: a truth symbol with it (the induction's
    #: hypothesis: the claim uses its own truth at an earlier step) is read by the kernel, any other is not
    truth: str = ""
    #: a downward family (``every_step``): the generic index k the term was read at (the finder's ``k3``; "" for an
    #: upward term), ``horizon`` then the offset it was read at from k (1: the family's side at k + 1, C_{k+1});
    #: ``transposed``: the side is the column ∇L (the kernel's recursion is on the row dL/ds_k = exprᵀ); ``family``:
    #: (lo, c), the family's range k = lo … t + c
    index: str = ""
    transposed: bool = False
    family: tuple = ()


def parse_index(text: str) -> tuple:
    m = _INDEX.match(text)
    if m is None:
        raise Unreadable(f"the index {text!r} is not index ± integer")
    if m.group(3) is not None:
        return (None, int(m.group(3)))
    return (m.group(1), int(m.group(2) or 0))


def _depends_on_t(F: Formal, table: dict, memo: dict, var: str = HORIZON) -> bool:
    """Does the value of F, at given bounds, read ``var`` (t, or a downward family's k: a symbol on it in its body,
    or a formal inside on it)?"""
    got = memo.get(F)
    if got is None:
        memo[F] = False
        got = False
        for s in F.body.free_symbols:
            if s in table:
                G = table[s][0]
                if G is not F and (G.lo[0] == var or G.hi[0] == var or _depends_on_t(G, table, memo, var)):
                    got = True
            else:
                text = _index_of(s.name)
                if text is not None and parse_index(text)[0] == var:
                    got = True
        memo[F] = got
    return got


class Reader:
    """The kernel's reading of terms on one model ``mk`` (a random model of :mod:`.random_check`).

    ``tau``: a concrete horizon (every index a number); else the one-step model of the step check, where step
    t − 1 is its h_0, step t its h_1, x_t its x_1, y_t its y_1, and every other step fresh values of its own.
    ``choices``: None at the first point (a sum's L chosen by value there), else the choices made then."""

    def __init__(self, mk, params: dict, fresh, funcs, activation: str, *, states, tau: int | None = None,
                 t_min: int = 1, choices: dict | None = None, horizon: int = 0, wrt=None, layout: str = "row-major",
                 state: str | None = None, top: int = 0, k: int | None = None, base: bool = False):
        self.mk, self.fresh, self.funcs, self.activation = mk, fresh, funcs, activation
        self.wrt, self.layout, self.state = wrt, layout, state or states[0]
        self.hyp = None  # the step's hypothesis: C_{t−1}, the kernel's own, where C_t reads the truth at t − 1
        self.states, self.tau, self.t_min, self.horizon = tuple(states), tau, t_min, horizon
        # a downward term (Term.index): ``top`` (the step is claimed for k ≤ t + top), ``k`` (at a concrete horizon:
        # the family's k read), ``base`` (the base: every index on k or t kept relative to τ, so that a range whose
        # length depends on t is refused, not summed at τ); ``rows`` {(state, step): row} the step's own truths
        # dL/ds (C_{k+1} where C_k reads the claimed state's at k + 1, the kernel's own G_k where it reads one at k)
        self.top, self.k, self.base = top, k, base
        self.rows: dict = {}
        self.var, self.down = HORIZON, False
        self.probe = choices is None
        self.choices = {} if choices is None else choices
        self.checks: list = []   # (lhs, rhs) the kernel's own checks of its L choices, entry by entry
        self.params = {}
        for name, theirs in params.items():
            ours = sp.Matrix(getattr(mk.params, name))
            theirs = sp.Matrix(theirs)
            if theirs.shape != ours.shape:
                raise Unreadable(f"the finder's {name} has shape {theirs.shape}, the kernel's {ours.shape}")
            for a, b in zip(theirs, ours):
                if not a.is_Symbol or self.params.setdefault(a, b) != b:
                    raise Unreadable(f"the finder's {a} is not one free symbol of one value")

    # ----- steps ------------------------------------------------------------------------------------------------
    def _step(self, ix: tuple, env: dict, shift: int) -> tuple:
        """The step an index names: ("num", j) a number; in the step check ("t", d) t + d (upward), ("k", d) k + d and
        ("T", d) the horizon t + d (downward); ("gen", κ, d) a generic index of a sum's remainder; ("b", d) τ + d
        (the downward base)."""
        base, off = ix
        if base is None:
            return ("num", off)
        if base == self.var or base == HORIZON:
            if self.tau is not None:
                own = self.down and base == self.var
                j = (self.k - self.horizon if own else self.tau - (0 if self.down else self.horizon)) + off
                return ("b", j - self.tau) if self.base else ("num", j)
            if self.down:
                return ("k", off + shift) if base == self.var else ("T", off)
            return ("t", off + shift)
        if base not in env:
            raise Unreadable(f"the index {base} is bound by no formal around it")
        b = env[base]
        return b[:-1] + (b[-1] + off,)

    def _concrete(self, step: tuple) -> tuple:
        """("b", d) the step τ + d; in the base a step written as a number is one of its own (at a symbolic t it is
        not the step τ + d it may meet at τ): ("own", j)."""
        if step[0] == "b":
            return ("num", self.tau + step[1])
        return ("own", step[1]) if self.base and step[0] == "num" else step

    def _value_at(self, name: str, step: tuple, i: int):
        mk = self.mk
        step = self._concrete(step)
        if name not in self.states and name not in ("x", "y"):
            raise Unreadable(f"the symbol {name}[…] is not a state, an input or a target")
        if step[0] == "num" and self.tau is not None:
            j = step[1]
            if j < (0 if name in self.states else 1) or j > self.tau:  # a step the check at τ has not: a value
                return self.fresh(("peel", name, step, i))           # of its own (the term is then not the check)
            v = mk.at(name, j) if name in self.states else mk.x(j) if name == "x" else mk.y(j)
            return sp.Matrix(v)[i]
        # the step check's window: upward h_{t−1}, h_t, x_t, y_t are the kernel's h_0, h_1, x_1, y_1; downward
        # S_{k−1}, S_k, S_{k+1}, x_k, x_{k+1}, y_k its S_0, S_1, S_2, x_1, x_2, y_1 (two steps)
        d = step[1] if step[0] == ("k" if self.down else "t") else None
        window = ((-1, 0, 1) if self.down else (-1, 0)) if name in self.states else \
            ((0, 1) if self.down else (0,)) if name == "x" else (0,)
        if d in window:
            j = d + 1
            v = mk.at(name, j) if name in self.states else mk.x(j) if name == "x" else mk.y(j)
            return sp.Matrix(v)[i]
        return self.fresh(("peel", name, step, i))  # another step: values of its own (an identity in them)

    def _truth(self, state: str, step: tuple, i: int, j: int, tag, s):
        """The truth d state_step/dθ (θ the claim's): at a concrete horizon the kernel's own forward mode; in the
        step, at t − 1 for the claimed state the hypothesis C_{t−1} (the kernel's own), else a free value (the same
        the finder's symbol of it takes, as C_{t−1}'s other states' truths do)."""
        step = self._concrete(step)
        if step[0] == "num" and self.tau is not None:
            if state not in self.states:
                raise Unreadable(f"a truth of {state}, not a state of the cell")
            if not 0 <= step[1] <= self.tau:  # a step the check at τ has not: a value of its own
                return self.fresh(("peel", "truth", state, step, i, j))
            return sp.Matrix(self.mk.d((state, step[1]), self.wrt, layout=self.layout))[i, j]
        if step[0] == "t" and step[1] == -1 and state == self.state and self.hyp is not None:
            return self.hyp[i, j]
        if step[0] == "t":
            ix = "t" + (f"{step[1]:+d}" if step[1] else "")
            name = f"X{'_' + tag if tag else ''}[{ix}][{i},{j}]⟨{self.truth}⟩"
            return self.fresh(sp.Symbol(name))
        return self.fresh(("peel", "truth", state, step, i, j))

    def _grad(self, state: str, step: tuple, i: int):
        """Entry i of the row dL/d state_step (L = Σ_s E_s, a downward truth): at a concrete horizon the kernel's own
        (its L differentiated through every path); in the step the kernel's own row it was given (:attr:`rows`),
        else a free value (the same wherever C_k and C_{k+1} read it)."""
        step = self._concrete(step)
        if state not in self.states:
            raise Unreadable(f"a truth ∇L of {state}, not a state of the cell")
        if step[0] == "num" and self.tau is not None:
            if not 1 <= step[1] <= self.tau:
                return self.fresh(("peel", "δ", state, step, i))
            return sp.Matrix(self.mk.d(self.mk.sum_of("E"), (state, step[1])))[i]
        got = self.rows.get((state, step))
        if got is not None:
            return got[i]
        return self.fresh(("peel", "δ", state, step, i))

    # ----- evaluation -------------------------------------------------------------------------------------------
    def value(self, term: Term, shift: int = 0) -> sp.Matrix:
        """The term at ``shift``: upward 0 as read (C_{t−1}), 1 at t (each top peeled); downward 0 as read (C_{k+1}),
        −1 at k (each bottom on k peeled)."""
        self.truth = term.truth
        self.var, self.down = (term.index, True) if term.index else (HORIZON, False)
        self.lower: dict = {}
        self.table = {s: (F, i, j) for F in term.formals for (i, j), s in
                      ((divmod(q, F.symbols.cols), s) for q, s in enumerate(F.symbols))}
        self._dep: dict = {}
        self.upper: dict = {}
        return self._matrix(sp.Matrix(term.expr), {}, shift)

    def _matrix(self, M, env: dict, shift: int) -> sp.Matrix:
        from .step import _evaluate

        memo: dict = {}
        at = _At(self, env, shift, {})
        return sp.Matrix(M.rows, M.cols, [_evaluate(sp.sympify(e), at, self._no_fresh, self.funcs, self.activation,
                                                    memo) for e in M])

    def _no_fresh(self, key):
        if isinstance(key, tuple) and key and key[0] == "undefined":
            return self.fresh(key)
        raise Unreadable(f"the symbol {key} is not one the kernel reads")

    def _symbol(self, s, env: dict, shift: int, formals: dict):
        if s in self.params:
            return self.params[s]
        if s in self.table:
            F, i, j = self.table[s]
            key = id(F)
            if key not in formals:
                formals[key] = self._formal(F, env, shift)
            return formals[key][i, j]
        m = _NAME.match(s.name)
        if m is None:
            t = _TRUTH.match(s.name)
            if t is not None and self.truth and t.group(5) == self.truth:
                return self._truth(t.group(1) or self.states[0], self._step(parse_index(t.group(2)), env, shift),
                                   int(t.group(3)), int(t.group(4)), t.group(1), s)
            g = _GRAD.match(s.name)
            if g is not None and self.down:
                return self._grad(g.group(1) or self.states[0], self._step(parse_index(g.group(2)), env, shift),
                                  int(g.group(3)))
            raise Unreadable(f"the symbol {s} is not one the kernel reads (a truth of another derivative, ∇L's rows, …)")
        return self._value_at(m.group(1), self._step(parse_index(m.group(2)), env, shift), int(m.group(3)))

    def _formal(self, F: Formal, env: dict, shift: int) -> sp.Matrix:
        lo, hi = self._step(F.lo, env, shift), self._step(F.hi, env, shift)
        rows, cols = F.symbols.shape
        if lo[:-1] == hi[:-1]:  # a range of known length: the sum or product itself, term by term
            steps = [lo[:-1] + (lo[-1] + d,) for d in range(hi[-1] - lo[-1] + 1)]
            out = sp.zeros(rows, cols) if F.op == "Σ" else sp.eye(rows)
            for k in (reversed(steps) if F.order == "descending" else steps):
                f = self._matrix(F.body, {**env, F.var: k}, shift)
                out = out + f if F.op == "Σ" else out * f
            return out
        if self.tau is not None:
            raise Unreadable(f"a range {lo}…{hi} of unknown length at a concrete horizon")
        if self.down:
            return self._formal_down(F, env, lo, hi, shift)
        if shift and F.hi[0] == HORIZON and hi[0] == "t":  # moved up to t + c: the kernel peels its top
            self._nonempty(F, lo, hi)
            return self._peel_end(F, env, hi, (lo, hi[:-1] + (hi[-1] - 1,)), shift,
                                  _depends_on_t(F, self.table, self._dep), "t", top=True)
        return self._opaque(F, env, lo, hi, shift if _depends_on_t(F, self.table, self._dep) else 0)

    def _formal_down(self, F: Formal, env: dict, lo: tuple, hi: tuple, shift: int) -> sp.Matrix:
        """Downward: at shift −1 (C_k) a formal whose bottom is on k is peeled there by the kernel: Σ_{j=k+a}^{hi} f(j)
        = f(k+a) + Σ_{j=k+a+1}^{hi} f(j), Π's factor at k + a on the side its order says (descending: rightmost), the
        remainder the very object C_{k+1} reads (the same random matrix) when f does not read k, else L·S."""
        dep = _depends_on_t(F, self.table, self._dep, self.var)
        if shift < 0 and F.lo[0] == self.var and lo[0] == "k":
            self._nonempty_down(F, lo, hi)
            return self._peel_end(F, env, lo, (lo[:-1] + (lo[-1] + 1,), hi), shift, dep, "k", top=False)
        return self._opaque(F, env, lo, hi, shift if dep else 0)

    def _peel_end(self, F: Formal, env: dict, end: tuple, rest: tuple, shift: int, dep: bool, index: str, *,
                  top: bool) -> sp.Matrix:
        """F with its term at ``end`` (its top if ``top``, else its bottom) peeled: that term, and the formal over
        ``rest`` (lo, hi) the very object the other side reads (the same random matrix) when its body reads no
        ``index``, else L·S (a sum's :meth:`_remainder`; a product whose factor reads the index is not read). A
        descending product's factor at the top is its leftmost, at the bottom its rightmost."""
        piece = self._matrix(F.body, {**env, F.var: end}, shift)
        if not dep:
            others = self._opaque(F, env, *rest, 0)
        elif F.op == "Π":
            raise Unreadable(f"a product whose factor reads {index}")
        else:
            others = self._remainder(F, env, *rest, shift)
        if F.op == "Σ":
            return piece + others
        if self._closed(F):  # a candidate L for an enclosing sum only if it reads no enclosing index
            self._tops.append(piece)
        return piece * others if (F.order == "descending") == top else others * piece

    def _nonempty_down(self, F: Formal, lo: tuple, hi: tuple) -> None:
        """Peeling the bottom k + a of a range needs it nonempty wherever the step is claimed (k ≤ t + top, every κ)."""
        if hi[0] == "T":
            ok = hi[1] - self.top >= lo[1]
        elif hi[0] == "gen" and hi[1] in self.lower:
            ok = self.lower[hi[1]] + hi[2] >= lo[1]
        else:
            ok = False
        if not ok:
            raise Unreadable(f"the range {F.lo}…{F.hi} may be empty for some k ≤ t{self.top:+d}: its bottom is not "
                             "peeled")

    def _closed(self, F: Formal) -> bool:
        """Does F's factor read no index but its own and t (no enclosing generic index, no formal object inside)?"""
        for s in F.body.free_symbols:
            if s in self.params:
                continue
            if s in self.table:
                return False
            text = _index_of(s.name)
            if text is None:
                return False
            base = parse_index(text)[0]
            if base not in (None, HORIZON, F.var, self.var):
                return False
        return True

    def _nonempty(self, F: Formal, lo: tuple, hi: tuple) -> None:
        """Peeling the top of a range needs it nonempty wherever the step is claimed (t ≥ t_min, every κ)."""
        if lo[0] == "num":
            ok = lo[1] <= self.t_min + hi[1]
        elif lo[0] == "gen" and lo[1] in self.upper:
            ok = self.upper[lo[1]] + lo[2] <= hi[1]
        else:
            ok = False
        if not ok:
            raise Unreadable(f"the range {F.lo}…{F.hi} may be empty for some t ≥ {self.t_min}: its top is not peeled")

    def _opaque(self, F: Formal, env: dict, lo: tuple, hi: tuple, shift: int) -> sp.Matrix:
        """The formal object over a range of symbolic length: a random matrix of its own for its range (and the
        enclosing indices it is read at)."""
        rows, cols = F.symbols.shape
        key = ("formal", id(F), lo, hi, shift, tuple(sorted((k, v) for k, v in env.items())))
        return sp.Matrix(rows, cols, lambda i, j: self.fresh(key + (i, j)))

    def _remainder(self, F: Formal, env: dict, lo: tuple, hi: tuple, shift: int) -> sp.Matrix:
        """Σ_{k=lo}^{hi} f_t(k) as L·S or S·R (S the object of shift 0 over the same range), L a factor the kernel
        peeled inside f_t, checked: f_t(κ) − L·f_{t−1}(κ) = 0 at a generic κ ≤ hi (fresh values)."""
        g = f"κ{len(self.upper) + len(self.lower)}"
        if self.down:
            self.lower[g] = lo[1]  # κ ≥ k + a
        else:
            self.upper[g] = hi[1]
        kappa = ("gen", g, 0)
        mark = len(self._tops)
        a = self._matrix(F.body, {**env, F.var: kappa}, shift)
        tops = self._tops[mark:]
        b = self._matrix(F.body, {**env, F.var: kappa}, 0)
        S = self._opaque(F, env, lo, hi, 0)
        key = (id(F), tuple(sorted((k, v) for k, v in env.items())))
        cands = [(sp.eye(a.rows), "left")] + [(M, side) for T in tops for M in (T, T.T)
                                              for side in ("left", "right")]
        if self.probe:
            pick = None
            for q, (L, side) in enumerate(cands):
                if (side == "left" and L.shape == (a.rows, b.rows)) or (side == "right" and L.shape == (b.cols, a.cols)):
                    d = a - (L * b if side == "left" else b * L)
                    if all(x == 0 for x in d):
                        pick = q
                        break
            self.choices[key] = pick
        pick = self.choices.get(key)
        if pick is None or pick >= len(cands):
            raise Unreadable("a summand at t is not a factor the kernel peeled times the summand at t − 1")
        L, side = cands[pick]
        self.checks.append((a, L * b if side == "left" else b * L))
        return L * S if side == "left" else S * L

    @property
    def _tops(self) -> list:
        if not hasattr(self, "_top_list"):
            self._top_list = []
        return self._top_list


class _At:
    """The symbols of a term at an environment: what :func:`.step._evaluate` reads its symbols from."""

    def __init__(self, reader: Reader, env: dict, shift: int, formals: dict):
        self.r, self.env, self.shift, self.formals = reader, env, shift, formals

    def __contains__(self, s) -> bool:
        return True

    def __getitem__(self, s):
        return self.r._symbol(s, self.env, self.shift, self.formals)
