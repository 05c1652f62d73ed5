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
            t = type(node)
            if t is Prod:  # a chain ending in an operator of its own (W diag σ'(h)): no node below it has two paths
                last = type(node.factors[-1])
                chain = not (last is Sum or last is Prod or last is Scaled)
            r = self.lmemo[key] = self._accumulate(node, g) if t is Sum or t is Scaled or (t is Prod and not chain) \
                else node.left(g, self)  # a chain: its factors applied in turn, as _accumulate would apply them
        return r

    def _accumulate(self, root, g: Val) -> Val:
        """g · root by reverse accumulation over the sums, scalings and products' last factors below root.

        A node reached by several paths (a recursion's G_{k−1} inside both blocks of G_k) is applied once, to the
        sum of the rows arriving along its paths, instead of once per path (which doubles with every step of a
        block recursion). A row arriving several times with different coefficients stays one row (its memo entries
        keep hitting); only distinct rows are added. The value is the same linear map applied to the same row."""
        order, seen = [], set()
        stack = [(root, False)]
        while stack:  # depth-first post-order over the tail edges: Sum → terms, Scaled → x, Prod → last factor
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if node.uid in seen:
                continue
            seen.add(node.uid)
            stack.append((node, True))
            t = type(node)
            kids = node.terms if t is Sum else (node.x,) if t is Scaled else (node.factors[-1],) if t is Prod else ()
            for k in kids:
                if k.uid not in seen:
                    stack.append((k, False))
        arriving = {root.uid: {g.uid: [g, 1]}}  # coefficients: ints or Fractions (an int 1 compares fast)

        def send(node, c, v):
            rows = arriving.setdefault(node.uid, {})
            got = rows.get(v.uid)
            if got is None:
                rows[v.uid] = [v, c]
            else:
                got[1] += c

        out = None
        for node in reversed(order):  # every node after all the nodes whose tails reach it
            rows = arriving.pop(node.uid, None)
            if not rows:
                continue
            t = type(node)
            if len(rows) == 1:
                ((v, c),) = rows.values()
            else:
                v, c = None, 1
                for w, k in rows.values():
                    w = w if k == 1 else _scale(w, k)
                    v = w if v is None else _add(v, w)
            if t is Sum:
                for term in node.terms:
                    send(term, c, v)
            elif t is Scaled:
                send(node.x, c * node.c, v)
            elif t is Prod:
                for f in node.factors[:-1]:
                    v = self.left(f, v)
                send(node.factors[-1], c, v)
            else:
                r = self.left(node, v)
                r = r if c == 1 else _scale(r, c)
                out = r if out is None else _add(out, r)
        return out  # every tail path ends at a node applied here, so out is set

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
