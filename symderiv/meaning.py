"""What an entry of a side is: the derivative it is, named by the model's or the variables' own names.

Evidence for the report, never for a verdict (the kernel does not read it).
The claim's check is run once more on a model (or free variables) that records
each ``d``/``partial`` call; a side that is exactly what a call returned (or
its transpose, as a gradient ∇L = (dL/dh)ᵀ is) gets a description, as plain
JSON data:

* ``kind``: ``total`` or ``partial`` (a model), ``gradient`` (a scalar f of
  free variables, shaped like X) or ``jacobian`` (vec(F) by vec(X));
* ``of``: the label of what is differentiated (``h_1``, ``E_2``, ``L``, ``f``,
  ``F``) and ``defined``: the words that define a label the model does not
  name (``L = Σ_{k=1}^{t} E_k``, "f, a function of the model");
* ``rows``/``columns``: the names of the numerators/denominators, so that
  entry (i, j) is ∂rows[i]/∂columns[j] (``swap``: ∂columns[j]/∂rows[i], a
  denominator-layout Jacobian), or for a gradient ``grid``: entry (i, j) is
  ∂f/∂grid[i][j];
* ``transposed``: the side is the transpose of what the call returned, so its
  entry (i, j) is the call's entry (j, i).
"""
from __future__ import annotations

import sympy as sp

from .notation import vec
from .protocol import SumOf


def side_meaning(claim, size: dict) -> dict | None:
    """Which side is a derivative the model (or the free variables) computed, and its entries' names; or None."""
    model = claim.build(size, probe=False)
    if model is None:
        return None
    free = claim.variables is not None
    calls: list = []

    def recording(kind, fn):
        def call(of, wrt, **kw):
            value = fn(of, wrt, **kw)
            calls.append((kind, of, wrt, kw.get("layout"), value))
            return value
        return call

    if free:
        model.d = recording("free", model.d)
    else:
        model.d, model.partial = recording("total", model.d), recording("partial", model.partial)
    sides = claim.check(model)
    for side, value in zip(("lhs", "rhs"), sides):
        for kind, of, wrt, layout, result in calls:
            transposed = value is not result and _is_transpose(value, result)
            if value is not result and not transposed:
                continue
            meaning = (_free(model, of, wrt, result) if free
                       else _of_model(model, kind, of, wrt, layout or model.layout, result))
            if meaning is None:
                continue
            meaning["side"] = side
            if transposed:
                meaning["transposed"] = True
            return meaning
    return None


def _is_transpose(value, result) -> bool:
    return (isinstance(value, sp.MatrixBase) and isinstance(result, sp.MatrixBase) and result.shape != (1, 1)
            and value.shape == (result.cols, result.rows) and value == result.T)


def _label(of) -> tuple[str, str | None]:
    """(label, definition) of what a model derivative differentiates."""
    if isinstance(of, tuple):
        return f"{of[0]}_{of[1]}", None
    if isinstance(of, SumOf):
        lo, hi = of.lo, "t" if of.hi is None else of.hi
        return "L", f"L = Σ_{{k={lo}}}^{{{hi}}} {of.name}_k"
    if callable(of) and not isinstance(of, (sp.Basic, sp.MatrixBase)):
        return "f", "f, the function of the model the check passes"
    return "f", "f, the expression the check passes"


def _of_model(model, kind, of, wrt, layout, result) -> dict | None:
    if isinstance(wrt, str) and wrt in model.cell.params:
        p = getattr(model.params, wrt)
        cols = [s.name for s in (vec(p, layout) if p.cols > 1 else p)]
        wrt_d = {"param": wrt, "shape": [p.rows, p.cols], "layout": layout}
    else:
        name, k = (wrt, 0) if isinstance(wrt, str) else wrt
        cols = [f"{name}_{k}[{j}]" for j in range(result.cols)]
        wrt_d = {"quantity": [name, k]}
    label, defined = _label(of)
    scalar = result.rows == 1 and (defined is not None or of[0] == "E")
    rows = [label] if scalar else [f"{label}[{i}]" for i in range(result.rows)]
    return {"kind": kind, "of": label, "defined": defined, "wrt": wrt_d, "rows": rows, "columns": cols}


def _free(v, of, wrt, result) -> dict | None:
    from .variables import entry_name

    name, X = v.variable(wrt)
    var = v.variables[name]
    F = of if isinstance(of, sp.MatrixBase) else sp.Matrix([[sp.sympify(of)]])
    wrt_d = {"variable": name, "shape": list(X.shape)}
    if F.shape == (1, 1):
        grid = [[entry_name(name, var, i, j) for j in range(X.cols)] for i in range(X.rows)]
        return {"kind": "gradient", "of": "f", "defined": None, "wrt": wrt_d, "grid": grid}
    layout, jac = v.conventions["vec"], v.conventions["jacobian"]
    rows_f = _vec_names("F", F.shape, layout)
    cols_x = [entry_name(name, var, i, j) for i, j in _vec_index(X.shape, layout)]
    return {"kind": "jacobian", "of": "F", "defined": None, "wrt": {**wrt_d, "vec": layout, "jacobian": jac},
            "rows": rows_f if jac == "numerator" else cols_x, "columns": cols_x if jac == "numerator" else rows_f,
            "swap": jac == "denominator"}


def _vec_index(shape, layout: str) -> list[tuple[int, int]]:
    r, c = shape
    if layout == "row-major":
        return [(i, j) for i in range(r) for j in range(c)]
    return [(i, j) for j in range(c) for i in range(r)]


def _vec_names(label: str, shape, layout: str) -> list[str]:
    r, c = shape
    if c == 1:
        return [f"{label}[{i}]" for i, _ in _vec_index(shape, layout)]
    return [f"{label}[{i},{j}]" for i, j in _vec_index(shape, layout)]


def entry(meaning: dict, i: int, j: int) -> tuple[str, str]:
    """(numerator, denominator) names of entry (i, j) of the side the meaning describes."""
    if meaning.get("transposed"):
        i, j = j, i
    if meaning["kind"] == "gradient":
        return meaning["of"], meaning["grid"][i][j]
    num, den = meaning["rows"][i], meaning["columns"][j]
    return (den, num) if meaning.get("swap") else (num, den)
