"""Applying operators: memo tables keyed by serial numbers, products split at their narrowest point."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ShapeError
from .dag import Node, Prod, Scaled, Sum
from .values import Val, _add, _matmul, _reshape, _scale


@dataclass
class Evaluator:
    """Applies operators to vectors; memo tables keyed by serial numbers, which are never reused."""

    lmemo: dict = field(default_factory=dict)
    rmemo: dict = field(default_factory=dict)
    shapes: dict = field(default_factory=dict)

    def left(self, node, g: Val) -> Val:
        key = (node.uid, g.uid)
        r = self.lmemo.get(key)
        if r is None:
            r = self.lmemo[key] = node.left(g, self)
        return r

    def right(self, node, x: Val) -> Val:
        key = (node.uid, x.uid)
        r = self.rmemo.get(key)
        if r is None:
            r = self.rmemo[key] = node.right(x, self)
        return r

    def reshape(self, x: Val, rows: int, cols: int, order: str) -> Val:
        key = (x.uid, rows, cols, order)
        r = self.shapes.get(key)
        if r is None:
            if x.rows * x.cols != rows * cols or x.cols != 1:
                raise ShapeError(f"cannot read a {x.rows}×{x.cols} value as {rows}×{cols}")
            r = self.shapes[key] = _reshape(x, rows, cols, order)
        return r

    def project(self, node: Node, u: Val, x: Val) -> Val:
        """u · node · x (1 × 1): a product applied to u up to its narrowest point, to x after it."""
        if type(node) is Sum:
            out = None
            for t in node.terms:
                r = self.project(t, u, x)
                out = r if out is None else _add(out, r)
            return out
        if type(node) is Scaled:
            return _scale(self.project(node.x, u, x), node.c)
        fs = node.factors if type(node) is Prod else [node]
        first_jac = next((i for i, f in enumerate(fs) if f.jac), len(fs))
        split, width = 0, node.rows
        for i in range(first_jac):
            if fs[i].cols <= width:
                split, width = i + 1, fs[i].cols
        g = u
        for f in fs[:split]:
            g = self.left(f, g)
        y = x
        for f in reversed(fs[split:]):
            y = self.right(f, y)
        return _matmul(g, y)
