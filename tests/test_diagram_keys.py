"""Diagram.canonical_key (diagrams.atom's key of an atom's argument): one key per isomorphism class of diagrams,
and never one key for two diagrams that differ.

An atom is a node name for f applied entrywise to a traced argument; two atoms for one value make the kernel refuse
"two atom entries coincide" (a missed lift: advdown3's gate-state row), one atom for two values would make the
every-n lift treat two different values as one (a wrong lift). So: the key is invariant under every relabelling of
a diagram (node order, class numbers), and it separates diagrams that are not isomorphic.
"""
import random

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symderiv.diagrams import CANONICAL_ORDERS, Diagram, _colours, _normalize

NAMES = ("A", "B", "x", "σ#1")


@st.composite
def diagrams(draw):
    k = draw(st.integers(1, 5))          # index classes
    dims = tuple(draw(st.sampled_from(["n", "m"])) for _ in range(k))
    nodes = []
    for _ in range(draw(st.integers(1, 5))):
        name = draw(st.sampled_from(NAMES))
        legs = tuple(draw(st.lists(st.integers(0, k - 1), min_size=1, max_size=2)))
        nodes.append((name, legs))
    rows = tuple(draw(st.lists(st.integers(0, k - 1), max_size=1)))
    cols = tuple(draw(st.lists(st.integers(0, k - 1), max_size=1)))
    used = {c for _, legs in nodes for c in legs} | set(rows) | set(cols)
    # every class on some leg (a free loop is refused by _normalize)
    for c in range(k):
        if c not in used:
            nodes.append(("x", (c,)))
    return _normalize(1, tuple(nodes), rows, cols, dims)


def relabel(g: Diagram, rng: random.Random) -> Diagram:
    """The same diagram with its nodes shuffled and its classes renamed (then renumbered by _normalize)."""
    perm = list(range(len(g.dims)))
    rng.shuffle(perm)
    inv = {old: new for old, new in enumerate(perm)}
    dims = [None] * len(g.dims)
    for old, new in inv.items():
        dims[new] = g.dims[old]
    nodes = [(name, tuple(inv[c] for c in legs)) for name, legs in g.nodes]
    rng.shuffle(nodes)
    return _normalize(g.coef, tuple(nodes), tuple(inv[c] for c in g.rows), tuple(inv[c] for c in g.cols),
                      tuple(dims))


@settings(max_examples=300, deadline=None)
@given(diagrams(), st.integers(0, 2 ** 32))
def test_the_key_is_the_same_under_every_relabelling(g, seed):
    h = relabel(g, random.Random(seed))
    assert h.canonical_key() == g.canonical_key()


@settings(max_examples=300, deadline=None)
@given(diagrams())
def test_the_key_is_a_whole_diagram_of_the_same_value(g):
    """The key rebuilds a diagram with g's value (entry by entry at a point), so two diagrams of different values
    never share a key."""
    assert _value(Diagram(1, *g.canonical_key())) == _value(g)


def _value(g: Diagram, size={"n": 2, "m": 3}):
    """The diagram's entries (open legs → value) at fixed rational entries of its variables."""
    import itertools

    def entry(name, idx):
        return sp.Rational(sum(map(ord, name)) * 31 + sum((i + 2) * 7 ** j for j, i in enumerate(idx)), 7)

    out: dict = {}
    for assign in itertools.product(*(range(size[d]) for d in g.dims)):
        v = sp.Integer(1)
        for name, legs in g.nodes:
            v *= entry(name, tuple(assign[c] for c in legs))
        key = (tuple(assign[c] for c in g.rows), tuple(assign[c] for c in g.cols))
        out[key] = out.get(key, 0) + v
    return out


def test_a_product_and_its_reverse_keep_two_keys():
    # A·B and B·A: (i,j)(j,k) vs (j,k)... as diagrams with one row and one column leg
    ab = _normalize(1, (("A", (0, 1)), ("B", (1, 2))), (0,), (2,), ("n", "n", "n"))
    ba = _normalize(1, (("B", (0, 1)), ("A", (1, 2))), (0,), (2,), ("n", "n", "n"))
    assert ab.canonical_key() != ba.canonical_key()
    at = _normalize(1, (("A", (1, 0)), ("B", (1, 2))), (0,), (2,), ("n", "n", "n"))  # Aᵀ·B
    assert at.canonical_key() != ab.canonical_key()


def test_hadamard_operands_in_either_order_share_a_key():
    # σ_f ⊙ c and c ⊙ σ_f as a column: two nodes on one copy class
    one = _normalize(1, (("f", (0,)), ("c", (0,))), (0,), (), ("n",))
    two = _normalize(1, (("c", (0,)), ("f", (0,))), (0,), (), ("n",))
    assert one.key() != two.key() and one.canonical_key() == two.canonical_key()


def test_seven_nodes_of_one_name_that_refinement_tells_apart_share_a_key():
    # stop 34's CI: two A's and six x's (three on the A's class, three alone) were past the 720 orders of the
    # name groups, so two labellings kept two keys; colour refinement splits them into cells of 2, 3 and 3
    g = _normalize(1, (("A", (0,)), ("A", (0,)), ("x", (0,)), ("x", (0,)), ("x", (0,)), ("x", (1,)), ("x", (2,)),
                       ("x", (3,))), (), (), ("n", "n", "m", "n"))
    for seed in range(50):
        assert relabel(g, random.Random(seed)).canonical_key() == g.canonical_key()
    # a path A·A·…·A (seven factors) is told apart node by node: one order, no fallback
    path = _normalize(1, tuple(("A", (i, i + 1)) for i in range(7)), (0,), (7,), ("n",) * 8)
    for seed in range(20):
        assert relabel(path, random.Random(seed)).canonical_key() == path.canonical_key()


def test_beyond_the_orders_the_key_is_still_a_whole_diagram():
    # tr(A⁷): every node and class has one colour, 7! orders, past CANONICAL_ORDERS: the sorted fallback
    many = _normalize(1, tuple(("A", (i, (i + 1) % 7)) for i in range(7)), (), (), ("n",) * 7)
    assert 5040 > CANONICAL_ORDERS
    k = many.canonical_key()
    assert Diagram(1, *k).key() == k          # a relabelling of the diagram, nothing dropped
    assert _value(Diagram(1, *k), {"n": 2}) == _value(many, {"n": 2})
    assert len(set(_colours(many).values())) == 1
