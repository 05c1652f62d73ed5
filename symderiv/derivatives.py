"""Exact derivatives, taken from the unrolled expression itself.

No chain-rule formula from a paper enters here. A total derivative with
respect to a parameter differentiates the fully unrolled expression; one with
respect to an intermediate quantity (h_k, o_t) re-unrolls the model with that
quantity replaced by fresh symbols, differentiates, and substitutes the
quantity's true value back. An explicit partial does the same with the
previous state held as fresh symbols.

Layouts: the derivative of an r-vector with respect to a p × q matrix W is an
r × pq matrix whose column order is vec(W) in the stated layout.
"""
from __future__ import annotations


import sympy as sp

from .errors import ProofFileError
from .notation import vec
from .protocol import ModelProtocol, SumOf  # noqa: F401 (models.py imports SumOf from here)
# ModelProtocol: the symbolic model, models.Model: never imported here (it imports us)



def _as_column(expr) -> sp.Matrix:
    if isinstance(expr, sp.MatrixBase):
        if expr.cols != 1 and expr.rows != 1:
            raise ProofFileError(f"can only differentiate a vector or a scalar, not a {expr.rows}×{expr.cols} matrix")
        return expr if expr.cols == 1 else expr.T
    return sp.Matrix([[expr]])


def _fresh(name: str, k: int, rows: int) -> sp.Matrix:
    from .variables import entry

    return sp.Matrix(rows, 1, lambda i, j: sp.Symbol(entry(f"δ{name}{k}", i)))


def _param_vars(model: ModelProtocol, name: str, layout: str) -> list[sp.Symbol]:
    try:
        p = getattr(model.params, name)
    except AttributeError:
        raise ProofFileError(f"the model has no parameter {name!r}; it has {sorted(model.cell.params)}") from None
    return list(vec(p, layout)) if p.cols > 1 else list(p)


def _resolve(model: ModelProtocol, of):
    if isinstance(of, tuple):
        return model.at(*of)
    if callable(of) and not isinstance(of, sp.Basic):
        return of(model)
    return of


def _view(model, trajectory):
    """The model with its trajectory replaced (an intermediate quantity made fresh symbols), for ``of(view)``."""
    import copy

    view = copy.copy(model)
    view._cache = {"traj": trajectory}
    return view


def _no_derivative(d, e):
    """``d``, unless SymPy left it unevaluated (a function without a derivative rule).

    SymPy's default ``fdiff`` returns a ``Derivative`` or ``Subs`` at the top:
    only the top is looked at (``has`` would walk the arguments as a tree).
    """
    if isinstance(d, (sp.Derivative, sp.Subs)):
        name = getattr(e.func, "__name__", type(e).__name__)
        raise ProofFileError(f"{name} has no derivative rule (fdiff), so its derivative would be an unevaluated "
                             f"Derivative that no backend can decide; give {name} an fdiff, as σ and logistic have")
    return d


def _rule(e, i: int):
    """∂e/∂(argument i) by the function's own rule."""
    return _no_derivative(e.fdiff(i + 1), e)


def jacobian(expr, variables) -> sp.Matrix:
    """Exact Jacobian of a vector (or scalar) expression w.r.t. ``variables``.

    Symbolic differentiation of the expression DAG with one memo per variable,
    so a subexpression shared by many steps of an unrolled model is
    differentiated once (SymPy's ``Matrix.jacobian`` walks it as a tree, which
    is exponential in t). The rules are the textbook ones for Add, Mul, Pow and
    a function's own ``fdiff``; tests compare the result with SymPy's.
    """
    col = _as_column(expr)
    variables = list(variables)
    wanted = set(variables)
    dep_memo: dict = {}

    def deps(e) -> frozenset:
        r = dep_memo.get(e)
        if r is None:
            if e.is_Symbol:
                r = frozenset((e,)) if e in wanted else frozenset()
            elif not e.args:
                r = frozenset()
            else:
                r = frozenset().union(*(deps(a) for a in e.args))
            dep_memo[e] = r
        return r

    def derivative(e, w, memo):
        if w not in deps(e):
            return sp.Integer(0)
        r = memo.get(e)
        if r is not None:
            return r
        if e == w:
            r = sp.Integer(1)
        elif e.is_Add:
            r = sp.Add(*[derivative(a, w, memo) for a in e.args])
        elif e.is_Mul:
            a = e.args
            r = sp.Add(*[sp.Mul(*a[:i], derivative(a[i], w, memo), *a[i + 1:])
                         for i in range(len(a)) if w in deps(a[i])])
        elif e.is_Pow:
            b, x = e.args
            if w not in deps(x):
                r = x * b ** (x - 1) * derivative(b, w, memo)
            else:
                r = e * (derivative(x, w, memo) * sp.log(b) + x * derivative(b, w, memo) / b)
        elif isinstance(e, sp.Function):
            r = sp.Add(*[_rule(e, i) * derivative(a, w, memo) for i, a in enumerate(e.args) if w in deps(a)])
        else:
            r = _no_derivative(sp.diff(e, w), e)
        memo[e] = r
        return r

    out = sp.zeros(col.rows, len(variables))
    for j, w in enumerate(variables):
        memo: dict = {}
        for i in range(col.rows):
            out[i, j] = derivative(col[i, 0], w, memo)
    return out


def substitute(expr, mapping: dict, rebuilt=None):
    """``expr.xreplace(mapping)`` with one memo over the expression DAG (performance only; issue 14.10).

    SymPy's xreplace walks an expression as a tree, so a subexpression shared by
    many steps of an unrolled model is rebuilt once per path to it (an LSTM's
    dh_t/dh_0 at n = 3, t = 3: 1.3 million calls, 6.5 s). The rebuild is the
    same, ``e.func(*args)`` where an argument changed. ``rebuilt``: applied to
    each node rebuilt from its arguments (a certificate's values put σ in there).
    """
    memo: dict = {}

    def sub(e):
        r = memo.get(e)
        if r is None:
            if e in mapping:
                r = mapping[e]
            elif not e.args:
                r = e
            else:
                args = [sub(a) for a in e.args]
                r = e.func(*args) if any(a is not b for a, b in zip(args, e.args)) else e
                if rebuilt is not None:
                    r = rebuilt(r)
            memo[e] = r
        return r

    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(sub)
    return sub(expr)


def total_derivative(model: ModelProtocol, of, wrt, layout: str) -> sp.Matrix:
    if isinstance(wrt, str):
        if wrt in model.cell.params:
            return jacobian(_resolve(model, of), _param_vars(model, wrt, layout))
        wrt = (wrt, 0)  # an initial state named by itself: "h" means h_0
    if not (isinstance(wrt, tuple) and len(wrt) == 2):
        raise ProofFileError(f"wrt={wrt!r} must be a parameter name or a quantity such as ('h', k)")
    function = callable(of) and not isinstance(of, (tuple, sp.Basic, sp.MatrixBase))
    if not isinstance(of, tuple) and not function:
        raise ProofFileError("a derivative of an expression with respect to a quantity is not defined by the "
                             "expression alone (through which quantities does it depend on h_k?): pass a quantity "
                             "such as ('h', t), or a function of the model such as m.sum_of('E') or "
                             "lambda q: q.E(1) + q.E(2)")
    name, k = wrt
    true = model.at(name, k)
    fresh = _fresh(name, k, true.rows)
    traj = model.trajectory(override=(name, k, fresh))
    if function:
        expr = of(_view(model, traj))
    else:
        of_name, of_k = of
        model.check_step(of_k)
        expr = traj[of_k].get(of_name)
        if expr is None:
            raise ProofFileError(f"step {of_k} has no quantity {of_name!r}")
    J = jacobian(expr, list(fresh))
    return substitute(J, dict(zip(fresh, true)))


def held(model: ModelProtocol, k: int, hold, of_name: str) -> dict:
    """The quantities of step k that ``hold`` names, at their values (the overrides that cut them off)."""
    return held_of(model.trajectory()[k], k, hold, of_name)


def held_of(step: dict, k, hold, of_name: str) -> dict:
    """Of one step's quantities, those ``hold`` names (a name or names; checked), at their values."""
    hold = (hold,) if isinstance(hold, str) else tuple(hold)
    for h in hold:
        if h not in step:
            raise ProofFileError(f"hold={h!r}: step {k} has no quantity {h!r}; it has {sorted(step)}")
        if h == of_name:
            raise ProofFileError(f"hold={h!r} holds the very quantity being differentiated")
    return {h: step[h] for h in hold}


def explicit_partial(model: ModelProtocol, of: tuple[str, int], wrt, layout: str, hold=()) -> sp.Matrix:
    if not (isinstance(of, tuple) and len(of) == 2):
        raise ProofFileError(f"m.partial(of, ...) takes a quantity of one step such as ('h', t), not {of!r}")
    name, k = of
    model.check_step(k, lo=1)
    prev_true = {s: model.at(s, k - 1) for s in model.cell.state}
    prev_fresh = {s: _fresh(s, k - 1, v.rows) for s, v in prev_true.items()}
    q = model.run_step(k, prev_fresh, held(model, k, hold, name))
    if name not in q:
        raise ProofFileError(f"step {k} has no quantity {name!r}")
    if isinstance(wrt, str) and wrt in model.cell.params:
        variables = _param_vars(model, wrt, layout)
    elif isinstance(wrt, tuple) and wrt[0] in prev_fresh and wrt[1] == k - 1:
        variables = list(prev_fresh[wrt[0]])
    else:
        raise ProofFileError(f"an explicit partial of step {k} is taken w.r.t. a parameter or the previous state, not {wrt!r}")
    back = {f: v for s in prev_fresh for f, v in zip(prev_fresh[s], prev_true[s])}
    return substitute(jacobian(q[name], variables), back)
