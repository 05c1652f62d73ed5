"""Traced values: a free-variable check run once at symbolic size, as linear combinations of contraction diagrams.

The tracer of the every-n lift (:mod:`symderiv.every_n`, which states the
fragment and the theorem). A :class:`Traced` value is a linear combination of
:class:`Diagram` s with its open legs' dimensions; every operation of the
fragment (+, −, rational multiples, products, ``.T``, ``tr``, ``kron``,
``diag``, ``hadamard``, ``vec``, ``eye(v.n)``, integer powers, ``v.d``) builds
the diagrams of its result, and anything else raises :class:`NotInFragment`
with the reason (entry indexing, a size used as a number, Python branching on a
value, inverses, determinants, elementwise functions, shapes that agree only as
numbers). It imports nothing that finds evidence, so the kernel
(:mod:`symderiv.kernel.lift`) reads the same diagrams and recounts them itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .errors import SymderivError

#: the dimensions a free variable may have by name
SYMBOLIC = ("n", "m")


class NotInFragment(SymderivError):
    """The check does something the every-n lift cannot read; the message says what. Every one made while a
    check is traced is remembered (:data:`_RAISED`): a check that catches it has still asked it."""

    def __init__(self, *args):
        super().__init__(*args)
        if _RAISED is not None and not isinstance(self, NoSuchAttribute):
            _RAISED.append(self)


_RAISED: list | None = None  # the refusals made during the trace under way


class NoSuchAttribute(NotInFragment, AttributeError):
    """An attribute a traced value does not have (``getattr(x, name, default)`` still gets its default)."""


# ----- diagrams -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Diagram:
    """c · G: variable nodes (name, legs), open row and column legs, a dimension per index class.

    Index classes are 0 … len(dims) − 1; legs name classes. A class on several
    legs is a contraction or a copy tensor.
    """

    coef: sp.Rational
    nodes: tuple        # ((name, (class, …)), …)
    rows: tuple         # classes of the open row legs, major first
    cols: tuple         # classes of the open column legs, major first
    dims: tuple         # dims[class]: "n", "m" or a fixed int > 1

    @property
    def degree(self) -> int:
        return len(self.nodes)

    def classes(self, dim) -> int:
        return sum(d == dim for d in self.dims)

    def key(self) -> tuple:
        return (self.nodes, self.rows, self.cols, self.dims)

    def canonical_key(self) -> tuple:
        """:meth:`key` up to the order of the nodes: one key per isomorphism class of diagrams, and a key is a whole
        diagram (a relabelling of this one), so one key never names two diagrams.

        The nodes are first split into cells by colour refinement (:func:`_colours`: a node's colour is its name
        and its legs' classes' colours, a class's colour its dimension, its open-leg places and the colours of the
        legs on it, refined until stable); colours are invariant under relabelling, so the cells come in one order
        for every labelling. The key is the least :meth:`key` over every order of the nodes within their cells,
        each order's classes renumbered by first appearance (:func:`_normalize`). Orders that differ only by
        swapping two equal nodes, or two nodes of one colour whose classes no other leg touches, give one key and
        are tried once. Where the orders left exceed :data:`CANONICAL_ORDERS`, the nodes sorted by colour and legs:
        still a whole diagram, so two isomorphic diagrams may keep two keys (two names for one value: a lift
        missed, never a wrong one)."""
        from itertools import product
        from math import factorial, prod

        colour = _colours(self)
        cells: dict = {}
        for node in self.nodes:
            cells.setdefault(colour[node], []).append(node)
        touched: dict = {}
        for _, legs in self.nodes:
            for c in legs:
                touched[c] = touched.get(c, 0) + 1
        open_ = set(self.rows) | set(self.cols)

        def interchangeable(node):
            """Equal nodes, and nodes of one colour on classes of their own (one leg each, no open leg), are
            interchangeable: which of them comes first changes no key."""
            name, legs = node
            if all(touched[c] == 1 and c not in open_ for c in legs):
                return ("own", colour[node])
            return node

        blocks = []
        for c in sorted(cells):
            kinds: dict = {}
            for node in cells[c]:
                kinds.setdefault(interchangeable(node), []).append(node)
            blocks.append(kinds)
        count = prod(factorial(sum(map(len, k.values()))) // prod(factorial(len(v)) for v in k.values())
                     for k in blocks)
        if count > CANONICAL_ORDERS:
            order = sorted(self.nodes, key=lambda node: (colour[node], repr(node)))
            return _normalize(1, tuple(order), self.rows, self.cols, self.dims).key()
        best = best_text = None
        for choice in product(*(_orders(kinds) for kinds in blocks)):
            nodes = tuple(node for group in choice for node in group)
            k = _normalize(1, nodes, self.rows, self.cols, self.dims).key()
            text = repr(k)  # the order among keys: their text (keys mix ints, strings and tuples)
            if best is None or text < best_text:
                best, best_text = k, text
        return best


def _colours(g: Diagram) -> dict:
    """Colour refinement (1-dimensional Weisfeiler–Leman) of a diagram: node → rank of its stable colour. A
    class starts as its dimension and its places among the open legs; a node is its name and its legs' colours;
    a class then takes the sorted colours of the (node, leg place) on it. Ranks are places in the sorted text
    of the colours, so they depend on the diagram up to relabelling only (never on Python's hash)."""
    k = len(g.dims)
    cls = [repr((str(g.dims[c]), tuple(i for i, r in enumerate(g.rows) if r == c),
                 tuple(i for i, r in enumerate(g.cols) if r == c))) for c in range(k)]

    def ranked(texts):
        order = {t: i for i, t in enumerate(sorted(set(texts)))}
        return [order[t] for t in texts]

    cls_rank = ranked(cls)
    for _ in range(k + len(g.nodes) + 1):
        node_rank = ranked([repr((name, tuple(cls_rank[c] for c in legs))) for name, legs in g.nodes])
        on: list = [[] for _ in range(k)]
        for (name, legs), r in zip(g.nodes, node_rank):
            for place, c in enumerate(legs):
                on[c].append((r, place))
        new = ranked([repr((cls_rank[c], sorted(on[c]))) for c in range(k)])
        if len(set(new)) == len(set(cls_rank)):
            break
        cls_rank = new
    names = ranked([repr((name, tuple(cls_rank[c] for c in legs))) for name, legs in g.nodes])
    return dict(zip(g.nodes, names))


def _orders(kinds: dict):
    """Every order of a cell's nodes up to swapping interchangeable ones: the distinct orders of the kinds, each
    kind's nodes dealt in their given order."""
    from sympy.utilities.iterables import multiset_permutations

    labels = sorted(kinds, key=repr)
    for seq in multiset_permutations([i for i, kind in enumerate(labels) for _ in kinds[kind]]):
        dealt = {i: iter(kinds[kind]) for i, kind in enumerate(labels)}
        yield tuple(next(dealt[i]) for i in seq)


#: node orders tried by :meth:`Diagram.canonical_key` before it falls back to a sort (6! = 720: six nodes of one
#: colour, e.g. tr(A⁶); an atom's argument in the shipped claims has at most three nodes of one name)
CANONICAL_ORDERS = 720


def _normalize(coef, nodes, rows, cols, dims, merges=()) -> Diagram:
    """Merge the classes in ``merges`` (pairs), renumber by first appearance, refuse a free index loop."""
    parent = list(range(len(dims)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in merges:
        ra, rb = find(a), find(b)
        if ra != rb:
            if dims[ra] != dims[rb]:
                raise NotInFragment(f"an index of size {dims[ra]} meets one of size {dims[rb]}: shapes agree "
                                    "only as numbers")
            parent[rb] = ra
    order: dict = {}

    def num(a):
        r = find(a)
        if r not in order:
            order[r] = len(order)
        return order[r]

    rows2 = tuple(num(a) for a in rows)
    cols2 = tuple(num(a) for a in cols)
    nodes2 = tuple((name, tuple(num(a) for a in legs)) for name, legs in nodes)
    roots = {find(a) for a in range(len(dims))}
    if len(roots) != len(order):
        raise NotInFragment("a size used as a number: an index loop with no variable on it (tr(I) = n, 1ᵀ1 = n)")
    dims2 = [None] * len(order)
    for r, i in order.items():
        dims2[i] = dims[r]
    return Diagram(sp.Rational(coef), nodes2, rows2, cols2, tuple(dims2))


def _join(a: Diagram, b: Diagram):
    """The disjoint union of two diagrams' classes: (nodes, dims, shift of b's classes)."""
    k = len(a.dims)
    nodes = a.nodes + tuple((name, tuple(x + k for x in legs)) for name, legs in b.nodes)
    return nodes, a.dims + b.dims, k


def _collect(diagrams) -> tuple:
    out: dict = {}
    for g in diagrams:
        out[g.key()] = out.get(g.key(), 0) + g.coef
    return tuple(Diagram(c, *k) for k, c in out.items() if c != 0)


# ----- the tracer ---------------------------------------------------------------------------------------

class Size:
    """A symbolic dimension (``v.n``, ``A.rows``): a size the check may pass on (``eye(v.n)``, ``kron(eye(A.rows),
    …)``, a product ``v.n * v.n`` as a shape) but never use as a number. ``dims``: its legs, major first."""

    __symderiv_value__ = True

    def __init__(self, dims):
        self.dims = (dims,) if isinstance(dims, (str, int)) else tuple(dims)

    @property
    def name(self) -> str:
        return "·".join(map(str, self.dims))

    @property
    def __symderiv_what__(self) -> str:
        """What the guard says this value is when Python asks about it (concrete.refuse)."""
        return f"a size used as a number ({self.name})"

    def _refuse(self, *_a, **_k):
        raise NotInFragment(self.__symderiv_what__)

    __index__ = __int__ = __float__ = __bool__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __truediv__ = __pow__ = __floordiv__ = __mod__ = _refuse

    def __mul__(self, other):
        """n · n as the compound dimension of a shape (a Kronecker product's rows), still no number."""
        if isinstance(other, Size):
            return Size(self.dims + other.dims)
        if isinstance(other, int) and not isinstance(other, bool) and other >= 1:
            return self if other == 1 else Size(self.dims + (other,))
        self._refuse()

    def __rmul__(self, other):
        if isinstance(other, int) and not isinstance(other, bool) and other >= 1:
            return self if other == 1 else Size((other,) + self.dims)
        self._refuse()

    def __eq__(self, other):
        self._refuse()

    __ne__ = __eq__

    def __hash__(self):
        from .concrete import compared_for_user

        if compared_for_user():  # a lookup for the check (ChainMap.get(n), {10: 2}.keys() & [n]): 10 finds its key
            self._refuse()
        return hash(("Size", self.dims))

    def __repr__(self):
        return self.name


def _size(dims: tuple):
    """What ``.rows`` / ``.cols`` of a traced value is: 1 when it has no leg (1 at every size), else a Size."""
    return Size(dims) if dims else 1


def _dim_of(spec):
    """A declared dimension ("n", "m", a number) as a leg dimension; None for 1 (no leg)."""
    if isinstance(spec, Size):
        if len(spec.dims) != 1:
            raise NotInFragment(f"a compound size {spec.name} where one dimension is declared")
        return spec.dims[0]
    if isinstance(spec, str):
        if spec not in SYMBOLIC:
            raise NotInFragment(f"a dimension {spec!r}")
        return spec
    if isinstance(spec, int) and not isinstance(spec, bool) and spec >= 1:
        return None if spec == 1 else spec
    raise NotInFragment(f"a size used as a number ({spec!r})")


def _number(x):
    """A rational constant, or None when x is not one (a float is refused)."""
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, Fraction)):
        return sp.Rational(x)
    if isinstance(x, float):
        raise NotInFragment(f"a float ({x!r})")
    if isinstance(x, sp.Basic) and x.is_Rational:
        return x
    if isinstance(x, sp.Basic) and x.is_number:
        raise NotInFragment(f"a constant that is not rational ({x})")
    return None


#: the elementwise-function nodes: name -> (f, its argument), one per distinct (f, argument structure)
ATOMS: dict = {}


def _abstract(f) -> bool:
    """An abstract function: symderiv's σ^(k) atoms, or an undefined SymPy function (no rule simplifies it)."""
    from sympy.core.function import UndefinedFunction

    from .functions import _SigmaDerivative

    return isinstance(f, UndefinedFunction) or (isinstance(f, type) and issubclass(f, _SigmaDerivative))


#: while not empty, an entrywise polynomial with rational coefficients (``h.applyfunc(lambda v: 1 - v ** 2)``) is
#: read as the combination of Hadamard powers it is (every_n's downward lift turns it on for its trace; the
#: free-variable lift still refuses it)
POLYNOMIAL_ENTRYWISE: list = []


def _has_rule(f) -> bool:
    """every_n's tanh atoms: a derivative rule of their own (another atom, or a polynomial in the atom)."""
    return getattr(f, "derivative_atom", None) is not None or getattr(f, "derivative_poly", None) is not None


def _entrywise_polynomial(f) -> tuple | None:
    """(c_0, c_1, …) when f(v) is a polynomial in v with rational coefficients, else None."""
    v = sp.Dummy("v")
    try:
        e = sp.expand(sp.sympify(f(v)))
        if not e.is_polynomial(v):
            return None
        coeffs = sp.Poly(e, v).all_coeffs()[::-1]
    except Exception:  # noqa: BLE001 (not a polynomial of one SymPy value: refused as before)
        return None
    if not all(getattr(c, "is_Rational", False) for c in coeffs):
        return None
    coeffs = tuple(sp.Rational(c) for c in coeffs)
    # f read at a symbol is not f at every value: a/a is 1 at a symbol and nan at 0, a Python branch on a == 0
    # (the exact model's structural zeros, diag's off-diagonal) is another polynomial there; f must be the
    # polynomial at numbers too (0, ±1, ±2, 3, 1/2, −1/3 and a large value), or it is refused
    for x in (0, 1, -1, 2, -2, 3, sp.Rational(1, 2), sp.Rational(-1, 3), 10 ** 6 + 3):
        x = sp.Integer(x) if isinstance(x, int) else x
        try:
            got = sp.sympify(f(x))
        except Exception:  # noqa: BLE001
            return None
        want = sum((c * x ** j for j, c in enumerate(coeffs)), sp.Integer(0))
        if not (getattr(got, "is_Rational", False) and got == want):
            return None
    return coeffs


def _hadamard_polynomial(x: "Traced", coeffs: tuple) -> "Traced":
    """Σ_j c_j x^{∘j} entrywise, x^{∘0} the all-ones value of x's shape (open legs only, no node)."""
    dims = x.rowdims + x.coldims
    legs = tuple(range(len(dims)))
    power = Traced((Diagram(sp.Integer(1), (), legs[:len(x.rowdims)], legs[len(x.rowdims):], dims),),
                   x.rowdims, x.coldims)
    out = Traced((), x.rowdims, x.coldims)
    for j, c in enumerate(coeffs):
        if j:
            power = Notation().hadamard(power, x)
        if c != 0:
            out = out + power * c
    return out


def atom(f, arg: "Traced") -> str:
    """The node name of f applied entrywise to ``arg`` (registered in ATOMS; equal structures, equal names)."""
    import hashlib

    # the function by what it is, not by its name alone: a user's sp.Function("sigma") is not symderiv's σ (the
    # two shared one atom, so (W − Wᵀ)(σ(a) − g(a)) = 0, true at n = 1 only, was lifted to every n)
    who = (type(f).__module__, type(f).__qualname__, getattr(f, "__module__", None), getattr(f, "__qualname__", None),
           f.__name__, sorted(getattr(f, "_kwargs", None).items()) if isinstance(getattr(f, "_kwargs", None), dict)
           else None)
    key = repr((who, arg.rowdims, arg.coldims, sorted(repr((g.canonical_key(), g.coef)) for g in arg.terms)))
    name = f"{f.__name__}#{hashlib.sha1(key.encode()).hexdigest()[:12]}"
    ATOMS.setdefault(name, (f, arg))
    return name


def atoms_in(diagrams) -> list[str]:
    """Every atom name the diagrams use, nested ones too, innermost first."""
    out: list = []

    def visit(gs):
        for g in gs:
            for name, _legs in g.nodes:
                if name in ATOMS and name not in out:
                    visit(ATOMS[name][1].terms)
                    out.append(name)
    visit(diagrams)
    return out


def _depends(diagrams, X: str) -> bool:
    return any(name == X or (name in ATOMS and _depends(ATOMS[name][1].terms, X))
               for g in diagrams for name, _legs in g.nodes)


def derive(g: "Diagram", X: str) -> list:
    """∂g/∂X, as [(diagram, X's legs)]: the diagram keeps g's open legs, X's indices are the extra legs.

    Through an atom σ^(k)(T): σ^(k+1)(T) times ∂T/∂X, T's open legs joined to the atom's (elementwise);
    an undefined function has no derivative rule here, and is refused.
    """
    from .functions import _SigmaDerivative, sigma_derivative

    out = []
    for i, (node, legs) in enumerate(g.nodes):
        rest = g.nodes[:i] + g.nodes[i + 1:]
        if node == X:
            d = _normalize(g.coef, rest, g.rows + legs, g.cols, g.dims)
            out.append((Diagram(d.coef, d.nodes, d.rows[:len(g.rows)], d.cols, d.dims), d.rows[len(g.rows):]))
        elif node in ATOMS and _depends(ATOMS[node][1].terms, X) and getattr(ATOMS[node][0], "derivative_poly",
                                                                             None) is not None:
            # f' = Σ_j c_j f^j (tanh' = 1 − tanh²): c_j times j copies of the atom on its legs, times ∂T/∂X
            f, arg = ATOMS[node]
            for j, c in enumerate(f.derivative_poly):
                if c == 0:
                    continue
                for h in arg.terms:
                    for hd, hx in derive(h, X):
                        nodes, dims, k = _join(Diagram(g.coef, rest + ((node, legs),) * j, g.rows, g.cols, g.dims), hd)
                        merges = list(zip(legs, (y + k for y in hd.rows + hd.cols)))
                        xl = tuple(y + k for y in hx)
                        d = _normalize(g.coef * hd.coef * c, nodes, g.rows + xl, g.cols, dims, merges)
                        out.append((Diagram(d.coef, d.nodes, d.rows[:len(g.rows)], d.cols, d.dims),
                                    d.rows[len(g.rows):]))
        elif node in ATOMS and _depends(ATOMS[node][1].terms, X):
            f, arg = ATOMS[node]
            rule = getattr(f, "derivative_atom", None)  # tanh → dtanh (every_n.TANH): an atom of its own
            if rule is None and not (isinstance(f, type) and issubclass(f, _SigmaDerivative)):
                raise NotInFragment(f"a derivative through {f.__name__}, which has no derivative rule")
            if rule is not None and rule() is None:
                raise NotInFragment(f"a derivative through {f.__name__}, which has no derivative rule here")
            dname = atom(rule() if rule is not None else sigma_derivative(f.derivative_order + 1), arg)
            for h in arg.terms:
                for hd, hx in derive(h, X):
                    nodes, dims, k = _join(Diagram(g.coef, rest + ((dname, legs),), g.rows, g.cols, g.dims), hd)
                    merges = list(zip(legs, (y + k for y in hd.rows + hd.cols)))
                    xl = tuple(y + k for y in hx)
                    d = _normalize(g.coef * hd.coef, nodes, g.rows + xl, g.cols, dims, merges)
                    out.append((Diagram(d.coef, d.nodes, d.rows[:len(g.rows)], d.cols, d.dims), d.rows[len(g.rows):]))
    return out


def evaluate(x: "Traced", values: dict, size: dict, *, expand: bool = False) -> sp.Matrix:
    """The traced value at ``size``: ``values`` maps each variable's name to (SymPy matrix, row dims, col dims)
    (a scalar variable: a 1 × 1 matrix with no dims); atoms are computed from their arguments (and added to
    ``values``). ``expand``: atoms' arguments expanded (as the normal form keys them)."""
    from itertools import product as cartesian

    def extent(d):
        return d if isinstance(d, int) else size[d]

    def index(legs, alpha, dims):
        i = 0
        for leg in legs:
            i = i * extent(dims[leg]) + alpha[leg]
        return i

    for name in atoms_in(x.terms):
        if name not in values:
            f, arg = ATOMS[name]
            M = evaluate(arg, values, size, expand=expand)
            values[name] = (M.applyfunc(lambda e: f(sp.expand(e) if expand else e)), arg.rowdims, arg.coldims)
    R = C = 1
    for d in x.rowdims:
        R *= extent(d)
    for d in x.coldims:
        C *= extent(d)
    out = sp.zeros(R, C)
    for g in x.terms:
        for alpha in cartesian(*[range(extent(d)) for d in g.dims]):
            term = g.coef
            for name, legs in g.nodes:
                M, rd, _cd = values[name]
                term *= M[index(legs[:len(rd)], alpha, g.dims), index(legs[len(rd):], alpha, g.dims)]
                if term == 0:
                    break
            if term != 0:
                out[index(g.rows, alpha, g.dims), index(g.cols, alpha, g.dims)] += term
    return out


class Traced:
    """A value of the fragment: a linear combination of diagrams with its row/column leg dimensions.

    ``scalar``: a SymPy scalar (``tr(M)``, a scalar variable) rather than a matrix (a 1×1 matrix is a
    matrix, as in SymPy: it does not multiply an n×n one).
    """

    __symderiv_value__ = True
    __array_priority__ = 1000  # NumPy, if ever involved, defers to these operators

    def __init__(self, terms, rowdims: tuple, coldims: tuple, scalar: bool = False, name: str | None = None):
        self.terms = _collect(terms)
        self.rowdims, self.coldims, self.scalar, self.name = tuple(rowdims), tuple(coldims), scalar, name

    # --- construction
    @classmethod
    def variable(cls, name: str, rows, cols, scalar: bool = False) -> "Traced":
        r, c = _dim_of(rows), _dim_of(cols)
        rd, cd = (() if r is None else (r,)), (() if c is None else (c,))
        dims = rd + cd
        legs = tuple(range(len(dims)))
        g = Diagram(sp.Integer(1), ((name, legs),), legs[:len(rd)], legs[len(rd):], dims)
        return cls((g,), rd, cd, scalar=scalar, name=name)

    @classmethod
    def constant(cls, c) -> "Traced":
        return cls((Diagram(sp.Rational(c), (), (), (), ()),), (), (), scalar=True)

    @classmethod
    def identity(cls, dims: tuple) -> "Traced":
        k = len(dims)
        g = Diagram(sp.Integer(1), (), tuple(range(k)), tuple(range(k)), tuple(dims))
        return cls((g,), dims, dims)

    # --- refusals
    def _refuse(self, what: str):
        raise NotInFragment(what)

    def __getitem__(self, key):
        if not self.rowdims and not self.coldims and not self.scalar and key in ((0, 0), 0, (-1, -1), -1):
            return Traced(self.terms, (), (), scalar=True)  # the one entry of a 1×1 matrix: structural
        self._refuse("entry indexing (a value's entries are read one by one)")

    def __iter__(self):
        self._refuse("entry indexing (iterating over a value's entries)")

    def __len__(self):
        self._refuse("a size used as a number (len of a value)")

    def __bool__(self):
        self._refuse("Python branching on a value")

    def __eq__(self, other):
        self._refuse("Python branching on a value (==)")

    __ne__ = __eq__

    def _cmp(self, other):
        self._refuse("a comparison of values (not an identity of the fragment)")

    __lt__ = __le__ = __gt__ = __ge__ = _cmp

    def __hash__(self):
        from .concrete import asked_from_user

        if asked_from_user():
            self._refuse("a value used as a key (hash)")
        return id(self)

    def __index__(self):  # no __float__/__int__: SymPy would coerce through them (sympify tries float(x))
        self._refuse("a value used as a number")

    def inv(self, *a, **k):
        self._refuse("an inverse (a rational function: the fragment is polynomial)")

    def det(self, *a, **k):
        self._refuse("a determinant (not a contraction of bounded degree)")

    def logdet(self, *a, **k):
        self._refuse("a log-determinant")

    def applyfunc(self, f, *a, **k):
        """f applied entrywise, for f an abstract function (σ, σ', …, or an undefined SymPy function): a node
        of its own per distinct argument (an atom, as the normal form reads σ(·)); anything else is refused."""
        if self.scalar:
            self._refuse("applyfunc of a scalar")
        if POLYNOMIAL_ENTRYWISE and not (_abstract(f) or _has_rule(f)):
            poly = _entrywise_polynomial(f)
            if poly is not None:  # Σ c_j x^{∘j}: Hadamard powers (copy tensors), in the fragment
                return _hadamard_polynomial(self, poly)
        if not (_abstract(f) or _has_rule(f)):  # or every_n's tanh atoms
            self._refuse("an elementwise function that is not an abstract σ (applyfunc of "
                         f"{getattr(f, '__name__', type(f).__name__)})")
        name = atom(f, self)
        dims = self.rowdims + self.coldims
        legs = tuple(range(len(dims)))
        g = Diagram(sp.Integer(1), ((name, legs),), legs[:len(self.rowdims)], legs[len(self.rowdims):], dims)
        return Traced((g,), self.rowdims, self.coldims)

    def subs(self, *a, **k):
        self._refuse("substitution into a value")

    xreplace = subs

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "rows":
            return _size(self.rowdims)
        if name == "cols":
            return _size(self.coldims)
        if name == "shape":
            return (_size(self.rowdims), _size(self.coldims))
        raise NoSuchAttribute(f"the matrix method .{name}")

    # --- arithmetic
    def _lift(self, other) -> "Traced | None":
        if isinstance(other, Traced):
            return other
        c = _number(other)
        return None if c is None else Traced.constant(c)

    def _scaled(self, c) -> "Traced":
        return Traced([Diagram(g.coef * c, g.nodes, g.rows, g.cols, g.dims) for g in self.terms],
                      self.rowdims, self.coldims, self.scalar)

    def __neg__(self):
        return self._scaled(-1)

    def __pos__(self):
        return self

    def __add__(self, other):
        o = self._lift(other)
        if o is None:
            return NotImplemented
        if isinstance(other, Traced) or not self.scalar:
            if o.scalar != self.scalar:
                self._refuse("a scalar added to a matrix")
            if (o.rowdims, o.coldims) != (self.rowdims, self.coldims):
                self._refuse(f"a sum of values of shapes {_shape(self)} and {_shape(o)}: shapes agree only as numbers")
        return Traced(self.terms + o.terms, self.rowdims, self.coldims, self.scalar)

    __radd__ = __add__

    def __sub__(self, other):
        o = self._lift(other)
        return NotImplemented if o is None else self + (-o)

    def __rsub__(self, other):
        o = self._lift(other)
        return NotImplemented if o is None else o + (-self)

    def __mul__(self, other):
        c = _number(other) if not isinstance(other, Traced) else None
        if c is not None:
            return self._scaled(c)
        if not isinstance(other, Traced):
            return NotImplemented
        if self.scalar or other.scalar:
            return _outer(self, other)
        return _matmul(self, other)

    def __rmul__(self, other):
        c = _number(other)
        if c is None:
            return NotImplemented
        return self._scaled(c)

    def __matmul__(self, other):
        return _matmul(self, _as_traced(other))

    def __truediv__(self, other):
        c = _number(other) if not isinstance(other, Traced) else None
        if c is None or c == 0:
            self._refuse("a quotient (the fragment is polynomial)")
        return self._scaled(1 / c)

    def __rtruediv__(self, other):
        self._refuse("a quotient (the fragment is polynomial)")

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, sp.Integer)) or int(k) < 0:
            self._refuse(f"a power by {k!r} (only by a Python integer ≥ 0)")
        k = int(k)
        if not self.scalar and self.rowdims != self.coldims:
            self._refuse(f"a power of a non-square value ({_shape(self)})")
        out = Traced.constant(1) if self.scalar else Traced.identity(self.rowdims)
        for _ in range(k):
            out = out * self
        return out

    @property
    def T(self) -> "Traced":
        return Traced([Diagram(g.coef, g.nodes, g.cols, g.rows, g.dims) for g in self.terms],
                      self.coldims, self.rowdims, self.scalar)

    def transpose(self):
        return self.T

    def trace(self) -> "Traced":
        if self.rowdims != self.coldims:
            self._refuse(f"the trace of a non-square value ({_shape(self)})")
        out = [_normalize(g.coef, g.nodes, (), (), g.dims, zip(g.rows, g.cols)) for g in self.terms]
        return Traced(out, (), (), scalar=True)

    def __repr__(self):
        return f"Traced({_shape(self)}, {len(self.terms)} diagrams)"


def _shape(x: Traced) -> str:
    if x.scalar:
        return "scalar"
    side = lambda ds: "·".join(map(str, ds)) or "1"  # noqa: E731
    return f"{side(x.rowdims)}×{side(x.coldims)}"


def _outer(a: Traced, b: Traced) -> Traced:
    """A scalar times a value (or two scalars): no contraction."""
    big = b if a.scalar else a
    out = []
    for g in a.terms:
        for h in b.terms:
            nodes, dims, k = _join(g, h)
            rows = g.rows + tuple(x + k for x in h.rows)
            cols = g.cols + tuple(x + k for x in h.cols)
            out.append(_normalize(g.coef * h.coef, nodes, rows, cols, dims))
    return Traced(out, big.rowdims, big.coldims, a.scalar and b.scalar)


def _matmul(a: Traced, b: Traced) -> Traced:
    if a.coldims != b.rowdims:
        raise NotInFragment(f"a product of values of shapes {_shape(a)} and {_shape(b)}")
    out = []
    for g in a.terms:
        for h in b.terms:
            nodes, dims, k = _join(g, h)
            merges = [(x, y + k) for x, y in zip(g.cols, h.rows)]
            out.append(_normalize(g.coef * h.coef, nodes, g.rows, tuple(y + k for y in h.cols), dims, merges))
    return Traced(out, a.rowdims, b.coldims)


def _kron(a: Traced, b: Traced) -> Traced:
    out = []
    for g in a.terms:
        for h in b.terms:
            nodes, dims, k = _join(g, h)
            out.append(_normalize(g.coef * h.coef, nodes, g.rows + tuple(y + k for y in h.rows),
                                  g.cols + tuple(y + k for y in h.cols), dims))
    return Traced(out, a.rowdims + b.rowdims, a.coldims + b.coldims)


def _as_traced(x) -> Traced:
    if isinstance(x, Traced):
        return x
    c = _number(x)
    if c is None:
        raise NotInFragment(f"a value that is not of the claim's variables ({type(x).__name__})")
    return Traced.constant(c)


class Notation:
    """The notation (symderiv.notation) on traced values; registered for :class:`Traced` and :class:`Size`."""

    def kron(self, a, b):
        return _kron(_as_traced(a), _as_traced(b))

    def diag(self, v):
        v = _as_traced(v)
        if v.rowdims and v.coldims:
            raise NotInFragment(f"diag of a {_shape(v)} matrix, not a vector")
        legs = v.rowdims or v.coldims
        out = [Diagram(g.coef, g.nodes, g.rows or g.cols, g.rows or g.cols, g.dims) for g in v.terms]
        return Traced(out, legs, legs)

    def hadamard(self, a, b):
        a, b = _as_traced(a), _as_traced(b)
        if (a.rowdims, a.coldims) != (b.rowdims, b.coldims):
            raise NotInFragment(f"a Hadamard product of shapes {_shape(a)} and {_shape(b)}")
        out = []
        for g in a.terms:
            for h in b.terms:
                nodes, dims, k = _join(g, h)
                merges = [(x, y + k) for x, y in zip(g.rows + g.cols, h.rows + h.cols)]
                out.append(_normalize(g.coef * h.coef, nodes, g.rows, g.cols, dims, merges))
        return Traced(out, a.rowdims, a.coldims)

    def T(self, a):
        return _as_traced(a).T

    def vec(self, a, layout):
        a = _as_traced(a)
        if layout not in ("row-major", "col-major"):
            raise ValueError(f"layout={layout!r} must be 'row-major' or 'col-major'")
        first = layout == "row-major"
        out = [Diagram(g.coef, g.nodes, (g.rows + g.cols) if first else (g.cols + g.rows), (), g.dims)
               for g in a.terms]
        return Traced(out, (a.rowdims + a.coldims) if first else (a.coldims + a.rowdims), ())

    def eye(self, n):
        if isinstance(n, Size):
            return Traced.identity(tuple(d for d in n.dims if d != 1))
        d = _dim_of(n)
        return Traced.identity(() if d is None else (d,))

    def _legs(self, d) -> tuple:
        if isinstance(d, Size):
            return tuple(x for x in d.dims if x != 1)
        if d == 1:
            return ()
        got = _dim_of(d)
        if got is None:
            raise NotInFragment(f"a shape {d!r} that is not a size of the claim")
        return (got,)

    def ones(self, rows, cols=1):
        """The all-ones matrix of a symbolic shape: one diagram with no node, each open leg a class of its own (its
        entry at every index is the empty product 1); every class lies on an open leg, as the lemma asks."""
        r, c = self._legs(rows), self._legs(cols)
        k = len(r)
        g = Diagram(sp.Integer(1), (), tuple(range(k)), tuple(range(k, k + len(c))), r + c)
        return Traced((g,), r, c)

    def zeros(self, rows, cols=1):
        return Traced((), self._legs(rows), self._legs(cols))

    def product(self, factors, size):
        out = self.eye(size)
        for f in factors:
            out = out * _as_traced(f)
        return out

    def total(self, terms, shape):
        terms = [_as_traced(t) for t in terms]
        if not terms:  # the empty sum: zero, of the shape's symbolic sizes
            dims = [d.dims if isinstance(d, Size) else () if d == 1 else (_dim_of(d),) for d in shape]
            if any(None in ds for ds in dims):
                raise NotInFragment(f"an empty sum of shape {shape}")
            return Traced((), tuple(dims[0]), tuple(dims[1]))
        out = terms[0]
        for t in terms[1:]:
            out = out + t
        return out

    def HV(self, v):
        raise NotInFragment("HV (a block matrix of ones)")

    def softmax(self, z):
        raise NotInFragment("softmax (an elementwise function)")


def _register() -> None:
    from .notation import register_backend

    register_backend((Traced, Size), Notation())


_register()


class TracedValues:
    """What a free-variable check receives (``v``) when it is traced: variables of symbolic size, and ``d``."""

    def __init__(self, variables: dict, conventions: dict):
        self.variables, self.conventions = variables, conventions
        self.n, self.m = Size("n"), Size("m")
        self.size = {"n": self.n, "m": self.m}
        self._names: dict = {}
        for name, var in variables.items():
            value = Traced.variable(name, var.rows, var.cols, scalar=var.kind == "scalar")
            setattr(self, name, value)
            self._names[id(value)] = name

    def __getattr__(self, name):
        if name in ("t",):
            raise NotInFragment("a free-variable claim has no horizon t")
        raise AttributeError(name)

    def symbols(self):
        raise NotInFragment("the variables' symbols (entries read one by one)")

    def d(self, of, wrt) -> Traced:
        """∂of/∂wrt as FreeValues.d takes it: the gradient of a scalar shaped like X, else ∂vec(F)/∂vec(X)."""
        if isinstance(wrt, str):
            if wrt not in self.variables:
                raise NotInFragment(f"v.d(..., {wrt!r}): no such variable")
            name = wrt
        else:
            name = self._names.get(id(wrt))
            if name is None:
                raise NotInFragment("v.d(f, wrt): wrt is not a variable")
        X = getattr(self, name)
        F = _as_traced(of)
        scalar = F.scalar or (not F.rowdims and not F.coldims)
        layout = self.conventions.get("vec", "col-major")
        numerator = self.conventions.get("jacobian", "numerator") == "numerator"
        out = []
        for g in F.terms:
            for d, legs in derive(g, name):
                xr, xc = legs[:len(X.rowdims)], legs[len(X.rowdims):]
                if scalar:
                    rows, cols = xr, xc
                else:
                    fv = (d.rows + d.cols) if layout == "row-major" else (d.cols + d.rows)
                    xv = (xr + xc) if layout == "row-major" else (xc + xr)
                    rows, cols = (fv, xv) if numerator else (xv, fv)
                out.append(Diagram(d.coef, d.nodes, rows, cols, d.dims))
        if scalar:
            return Traced(out, X.rowdims, X.coldims)
        fv = (F.rowdims + F.coldims) if layout == "row-major" else (F.coldims + F.rowdims)
        xv = (X.rowdims + X.coldims) if layout == "row-major" else (X.coldims + X.rowdims)
        r, c = (fv, xv) if self.conventions.get("jacobian", "numerator") == "numerator" else (xv, fv)
        return Traced(out, r, c)


def _elementwise(f):
    def apply(v):
        if not isinstance(v, Traced):
            raise NotInFragment(f"{f.__name__} of a value that is not of the claim's variables")
        return v.applyfunc(f)
    return apply


def _refused(what: str):
    def refuse(*_a, **_k):
        raise NotInFragment(what)
    return refuse


def _ones_like(v) -> Traced:
    """The value of v's shape whose every entry is 1: one-legged copy tensors, no node."""
    v = _as_traced(v)
    dims = v.rowdims + v.coldims
    legs = tuple(range(len(dims)))
    return Traced((Diagram(sp.Integer(1), (), legs[:len(v.rowdims)], legs[len(v.rowdims):], dims),),
                  v.rowdims, v.coldims)


class TracedModel:
    """A model claim's ``m`` at a fixed horizon t and symbolic n, m: parameters, the initial state and the inputs
    are variables (named as the model names their symbols: ``W_R``, ``h0``, ``x1``), each step is the cell's own
    step on traced values, and ``m.d`` of a quantity is the derivative on diagrams (:func:`derive`), in the
    claim's layout. Only an abstract σ; a loss, ``m.partial``, ``m.like``, a derivative with respect to an
    intermediate quantity and the other model methods are refused."""

    def __init__(self, claim, t: int):
        from types import SimpleNamespace

        from .functions import dsigma, sigma

        if claim.activation not in ("abstract", "identity"):
            raise NotInFragment(f"a concrete activation ({claim.activation}: its relations are not atoms')")
        self.cell, self.t, self.n, self.m = claim.model, t, Size("n"), Size("m")
        self.layout = (claim.conventions or {}).get("layout", "row-major")
        self.params = SimpleNamespace(**{name: Traced.variable(name, r, c) for name, (r, c)
                                         in self.cell.params.items()})
        linear = claim.activation == "identity"  # σ(z) = z, σ'(z) = 1: a polynomial model
        self.f = SimpleNamespace(sigma=(lambda v: v) if linear else _elementwise(sigma),
                                 dsigma=_ones_like if linear else _elementwise(dsigma),
                                 **{k: _refused(f"f.{k} (a concrete function)") for k in
                                    ("tanh", "dtanh", "logistic", "softmax", "exp", "log")})
        self._traj: list | None = None

    def __getattr__(self, name):
        params = self.__dict__.get("params")
        if params is not None and name in vars(params):
            return getattr(params, name)
        if name.startswith("_"):
            raise AttributeError(name)
        raise NotInFragment(f"m.{name} (the lift reads parameters, h, at, o, x, initial, sigma, dsigma and d)")

    def x(self, k: int) -> Traced:
        return Traced.variable(f"x{k}", "m", 1)

    def initial(self, name: str) -> Traced:
        return Traced.variable(f"{name}0", "n", 1)

    def _trajectory(self) -> list:
        if self._traj is None:
            from types import SimpleNamespace

            from .cells import StepScope

            steps = [{s: self.initial(s) for s in self.cell.state}]
            for k in range(1, self.t + 1):
                scope = StepScope({}, lambda v: v)
                q = self.cell.call(scope, SimpleNamespace(**{s: steps[-1][s] for s in self.cell.state}), self.x(k),
                                   self.params, self.f, y=_refused("a target y (a loss)"), k=k, n=self.n, m=self.m,
                                   t=self.t)
                steps.append(dict(q))
            self._traj = steps
        return self._traj

    def at(self, name: str, k: int) -> Traced:
        if not isinstance(k, int) or not 0 <= k <= self.t:
            raise NotInFragment(f"step {k!r} outside 0..{self.t}")
        q = self._trajectory()[k]
        if name == "o" and "o" not in q and self.cell.output is not None and k >= 1:  # the output, when asked
            from types import SimpleNamespace

            q["o"] = self.cell.output(SimpleNamespace(**q), self.params, self.f)
        if name not in q:
            raise NotInFragment(f"step {k} has no quantity {name!r} the lift reads")
        return q[name]

    def h(self, k: int) -> Traced:
        return self.at("h", k)

    def o(self, k: int) -> Traced:
        return self.at("o", k)

    def sigma(self, v):
        return self.f.sigma(v)

    def dsigma(self, v):
        return self.f.dsigma(v)

    def d(self, of, wrt, *, layout: str | None = None) -> Traced:
        """dof/dwrt: the Jacobian of vec(of) (rows) by vec(wrt) in the claim's layout (columns), on diagrams."""
        if layout is not None and layout != self.layout:
            raise NotInFragment("m.d with a layout other than the claim's")
        F = self.at(*of) if isinstance(of, tuple) else _as_traced(of)
        if wrt == "h" or wrt == ("h", 0):
            name, X = "h0", self.initial("h")
        elif isinstance(wrt, str) and wrt in vars(self.params):
            name, X = wrt, getattr(self.params, wrt)
        else:
            raise NotInFragment(f"m.d(..., {wrt!r}): the lift reads derivatives w.r.t. a parameter or h_0")
        if F.coldims:
            raise NotInFragment("m.d of a matrix")
        out = []
        for g in F.terms:
            for dg, legs in derive(g, name):
                xr, xc = legs[:len(X.rowdims)], legs[len(X.rowdims):]
                out.append(Diagram(dg.coef, dg.nodes, dg.rows, (xr + xc) if self.layout == "row-major" else (xc + xr),
                                   dg.dims))
        cols = (X.rowdims + X.coldims) if self.layout == "row-major" else (X.coldims + X.rowdims)
        return Traced(out, F.rowdims, cols)


def trace(claim, t: int | None = None) -> tuple[Traced, Traced]:
    """Run the claim's check once on traced values: its two sides as diagrams, or NotInFragment saying why.

    A model claim is traced at the horizon ``t`` (:class:`TracedModel`)."""
    global _RAISED
    v = TracedValues(claim.variables, claim.conventions) if claim.model is None else TracedModel(claim, t)
    _RAISED = []
    from .concrete import watching

    try:
        with watching():  # a refusal of the guard (v.n == 7 asked of a traced size) that the check caught
            out = claim.check(v)
        if _RAISED:  # refused, and the check caught it: it still asked what the lift cannot read
            raise _RAISED[0]
    except NotInFragment:
        raise
    except SymderivError as e:
        raise NotInFragment(str(e).splitlines()[0] if str(e) else type(e).__name__) from e
    except Exception as e:  # SymPy (sp.eye(v.n), sp.kronecker_product) on traced values, a TypeError, …
        raise NotInFragment(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}".rstrip(": ")) from e
    finally:
        _RAISED = None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise NotInFragment("the check did not return (lhs, rhs)")
    lhs, rhs = (_as_traced(x) for x in out)
    if (lhs.rowdims, lhs.coldims) != (rhs.rowdims, rhs.coldims):
        raise NotInFragment(f"the sides' shapes {_shape(lhs)} and {_shape(rhs)} agree only as numbers")
    return lhs, rhs


def symbol_values(claim, size: dict) -> dict:
    """The claim's variables at ``size`` as :func:`evaluate` takes them: name -> (matrix of the symbols the
    engine's own sides use, row leg dims, column leg dims). Free variables are named as ``variables.FreeValues``
    names them (``X[i,j]``, ``x[i]``, ``c``), a model's inputs as the model does (``W[i,j]``, a column ``b[i]``,
    ``h0[i]``, ``x1[i]``)."""
    from .cells import dimension

    n, m = size.get("n", 1), size.get("m", 1)

    def legs(d):
        d = _dim_of(d)
        return () if d is None else (d,)

    out = {}
    if claim.model is None:
        from .values import free_symbol  # the symbols variables.FreeValues makes (real, signed), one definition

        for name, var in claim.variables.items():
            r, c = dimension(var.rows, n=n, m=m), dimension(var.cols, n=n, m=m)
            if var.kind == "scalar":
                M = sp.Matrix([[free_symbol(name, getattr(var, "sign", 0))]])
            elif var.kind == "vector":
                M = sp.Matrix(r, 1, lambda i, j: free_symbol(f"{name}[{i}]"))
            else:
                M = sp.Matrix(r, c, lambda i, j: free_symbol(f"{name}[{i},{j}]"))
            out[name] = (M, legs(var.rows) if var.kind != "scalar" else (), legs(var.cols) if var.kind == "matrix"
                         else ())
        return out
    cell = claim.model

    def symbols(name, r, c):
        if c == 1:
            return sp.Matrix(r, 1, lambda i, j: sp.Symbol(f"{name}[{i}]"))
        return sp.Matrix(r, c, lambda i, j: sp.Symbol(f"{name}[{i},{j}]"))

    for name, (r, c) in cell.params.items():
        out[name] = (symbols(name, dimension(r, n=n, m=m), dimension(c, n=n, m=m)), legs(r), legs(c))
    for s in cell.state:
        out[f"{s}0"] = (symbols(f"{s}0", n, 1), legs("n"), ())
    for k in range(1, size.get("t", 1) + 1):
        out[f"x{k}"] = (symbols(f"x{k}", m, 1), legs("m"), ())
    return out


def _guard_text_of_values():
    from .concrete import guard_value_text

    guard_value_text(Size, Traced)  # print(v.n, file=…): "n" here, "10" at n = 10


_guard_text_of_values()
