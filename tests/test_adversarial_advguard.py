"""Adversarial pass on the guard that refuses Python asking about claim values (issue 19 item 1), session advguard.

Each SNEAKY form below asks Python a question about the claim value ``x`` out of the rewrite's sight (C code, the
standard library, SymPy's printers and structure, a container's method taken as an object, a tuple that hashes its
items, an exception that only a symbol raises), and takes the special branch only at x = 0: ``y`` is 5 there and
``x`` elsewhere, so the identity ``y = x`` is false at x = 0. Before this pass each gave ``holds`` on a free scalar
(the symbolic run took the ordinary branch); each must now give ``error`` naming the proof file's line, on every
path. The INDEX forms did the same to the induction's symbolic step index (``holds … for every t``, false from
t = 5).
"""
from __future__ import annotations

import textwrap

import pytest

from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.results import Verdict

#: statements that set ``y`` from the claim value ``x``: 5 at x = 0 (where Python answers), x where it does not
SNEAKY = {
    # text: print to a file, logging, string.Template, SymPy's printers, pickling
    "print-to-file": "import io\ns = io.StringIO()\nprint(x, file=s)\ny = 5 if s.getvalue() == '0\\n' else x",
    "logging": "import io, logging\ns = io.StringIO()\nL = logging.getLogger('advguard')\nL.propagate = False\n"
               "L.addHandler(logging.StreamHandler(s))\nL.warning('%s', x)\ny = 5 if s.getvalue() == '0\\n' else x",
    "template": "import string\ny = 5 if string.Template('$a').substitute(a=x) == '0' else x",
    "srepr": "import sympy as sp\ny = 5 if sp.srepr(x) == 'Integer(0)' else x",
    "latex": "import sympy as sp\ny = 5 if sp.latex(x) == '0' else x",
    "pickle": "import pickle\ny = 5 if len(pickle.dumps(x)) < 60 else x",
    # what SymPy's structure says the value is
    "func": "y = 5 if x.func.__name__ == 'Zero' else x",
    "is_Number": "y = 5 if x.is_Number else x",
    "is_number": "y = 5 if x.is_number else x",
    "is_comparable": "y = 5 if x.is_comparable else x",
    "matrix-is_symbolic": "import sympy as sp\ny = x if sp.Matrix([x]).is_symbolic() else 5",
    "numerator": "try:\n    y = 5 if x.q == 1 and x.p == 0 else x\nexcept AttributeError:\n    y = x",
    "sort_key": "y = 5 if x.sort_key() == (0,) else x",
    "attrgetter": "import operator\ny = 5 if operator.attrgetter('is_zero')(x) else x",
    "func-through-class": "import sympy as sp\ny = 5 if sp.Basic.func.fget(x).__name__ == 'Zero' else x",
    "atoms-through-class": "import sympy as sp\ny = 5 if len(sp.Basic.atoms(x + 1)) == 1 else x",
    "ordered": "import sympy as sp\ny = 5 if list(sp.ordered([x, sp.Integer(1)]))[0] == 0 else x",
    "solve": "import sympy as sp\ny = 5 if len(sp.solve(x)) == 0 else x",
    "singledispatch": "import functools, sympy as sp\n@functools.singledispatch\ndef f(a):\n    return a\n"
                      "@f.register(type(sp.S.Zero))\ndef _(a):\n    return 5\ny = f(x)",
    "matrix-values": "import sympy as sp\ny = 5 if len(sp.Matrix([x]).values()) == 0 else x",
    # a container's lookup out of the rewrite's sight: a method taken as an object, through its type, in map
    "bound-get": "g = {0: 5}.get\ny = g(x, x)",
    "unbound-get": "y = dict.get({0: 5}, x, x)",
    "bound-contains": "c = {0}.__contains__\ny = 5 if c(x) else x",
    "map-get": "y = list(map({0: 5}.get, [x], [x]))[0]",
    "from-operator": "from operator import eq as E\ny = 5 if E(x, 0) else x",
    "reduce-operator-eq": "import functools, operator\ny = 5 if functools.reduce(operator.eq, [x, 0]) else x",
    "groupby": "import itertools\ny = 5 if len(list(itertools.groupby([x, 0]))) == 1 else x",
    "partial-operator-eq": "import functools, operator\ny = 5 if functools.partial(operator.eq, 0)(x) else x",
    "partial-bool-in-map": "import functools\ny = x if list(map(functools.partial(bool), [x]))[0] else 5",
    # a tuple hashes (and compares) its items
    "hash-tuple": "y = 5 if hash((x,)) == hash((0,)) else x",
    "set-of-tuples": "y = 5 if len({(x,), (0,)}) == 1 else x",
    "set-builtin-tuples": "y = 5 if len(set([(x,), (0,)])) == 1 else x",
    "dict-zip": "z = dict(zip([x], [1]))\ny = 5 if len({**z, 0: 1}) == 1 else x",
    "ordered-dict": "import collections\ny = 5 if len(collections.OrderedDict([(x, 1), (0, 1)])) == 1 else x",
    # truth asked in C, numpy comparing object arrays
    "compress": "import itertools\ny = x if list(itertools.compress([1], [x])) else 5",
    "takewhile": "import itertools\ny = x if list(itertools.takewhile(lambda a: a, [x])) else 5",
    "numpy-eq": "import numpy as np\ny = 5 if (np.array([x]) == 0).any() else x",
    "numpy-count-nonzero": "import numpy as np\ny = x if np.count_nonzero(np.array([x], dtype=object)) else 5",
    # an index Python asks itself: a TypeError on a symbol (the except branch), a number at an integer point
    "slice": "try:\n    n = len([7][x:])\nexcept TypeError:\n    n = -1\ny = 5 if n == 1 else x",
    "str-repeat": "try:\n    n = len('a' * x)\nexcept TypeError:\n    n = -1\ny = 5 if n == 0 else x",
    "itertools-repeat": "import itertools\ntry:\n    n = len(list(itertools.repeat(1, x)))\nexcept TypeError:\n"
                        "    n = -1\ny = 5 if n == 0 else x",
    # a hash taken by the standard library or C for the user: a lookup through a wrapper, a dict view, an iterator
    "chainmap": "import collections\ny = collections.ChainMap({0: 5}).get(x, x)",
    "userdict": "import collections\ny = collections.UserDict({0: 5}).get(x, x)",
    "mappingproxy": "import types\ny = types.MappingProxyType({0: 5}).get(x, x)",
    "dict-keys-and": "y = 5 if len({0: 5}.keys() & [x]) == 1 else x",
    "map-over-iterator": "y = list(map({0: 5}.get, iter([x]), iter([x])))[0]",
    # SymPy's containers (their items told apart by SymPy's ==) and its private insides
    "finiteset-len": "import sympy as sp\ny = 5 if len(sp.FiniteSet(x, 0)) == 1 else x",
    "tuple-count": "import sympy as sp\ny = 5 if sp.Tuple(x).count(0) == 1 else x",
    "reduce-dunder": "y = 5 if x.__reduce__()[0].__name__ == 'Zero' else x",
    "hashable-content": "y = 5 if x._hashable_content() == () else x",
    # a refusal the check catches, on the free-variable path
    "caught-eq": "try:\n    y = 5 if x == 0 else x\nexcept Exception:\n    y = x",
}


def _free_scalar(tmp_path, body: str):
    p = tmp_path / "proof.py"
    p.write_text("from symderiv import claim, scalar\n"
                 "@claim('c', where='t', statement='s', variables=dict(x=scalar()))\n"
                 "def c(v):\n    x = v.x\n" + textwrap.indent(body, "    ") + "\n    return y, x\n")
    col = collect([p])
    assert not col.errors, col.errors
    (claim,) = col.claims()
    return claim


@pytest.mark.parametrize("form", sorted(SNEAKY))
def test_a_question_asked_out_of_the_rewrites_sight_is_refused(tmp_path, form):
    """Each was holds on a free scalar (false at x = 0): now an error naming a line of the proof file."""
    res = check_claim(_free_scalar(tmp_path, SNEAKY[form]))
    assert res.verdict == Verdict.ERROR, (form, res.verdict, res.scope)
    assert "proof.py:" in (res.error or "") and "claim value" in res.error, res.error


#: a call that raises on a symbol only (inside SymPy or the standard library, where the guard sees no question)
EXCEPTION_CHANNELS = {
    "sp.Integer": "import sympy as sp\ntry:\n    sp.Integer(x)\n    y = 5 if x == 0 else x\nexcept TypeError:\n"
                  "    y = x",
    "Fraction": "import fractions\ntry:\n    fractions.Fraction(x)\n    y = 5 if x == 0 else x\nexcept TypeError:\n"
                "    y = x",
    "round-method": "try:\n    x.round()\n    y = 5 if x == 0 else x\nexcept TypeError:\n    y = x",
    "suppress": "import contextlib, sympy as sp\ny = x\nwith contextlib.suppress(TypeError):\n    sp.Integer(x)\n"
                "    y = 5 if x == 0 else x",
}


@pytest.mark.parametrize("form", sorted(EXCEPTION_CHANNELS))
def test_an_exception_only_a_symbol_raises_is_not_a_branch(tmp_path, form):
    """Each was holds on a free scalar (false at x = 0): an exception the check catches while it runs on symbolic
    values is refused (whether Python raises depends on the value), as is contextlib.suppress."""
    res = check_claim(_free_scalar(tmp_path, EXCEPTION_CHANNELS[form]))
    assert res.verdict == Verdict.ERROR, (res.verdict, res.scope)
    assert "proof.py:" in (res.error or "") and "claim value" in res.error, res.error


def test_an_exception_only_a_number_raises_is_never_holds(tmp_path):
    """The other direction: ``x.name`` exists on a symbol and raises on a number, so the symbolic run takes no
    except branch while a run at a point does. It was undecided (the kernel's run did not confirm); the try is now
    refused where the symbolic run enters it (tests/test_guard_exceptions.py has the class)."""
    res = check_claim(_free_scalar(tmp_path, "try:\n    x.name\n    y = x\nexcept AttributeError:\n    y = 5"))
    assert res.verdict == Verdict.ERROR and "claim value" in (res.error or ""), (res.verdict, res.scope)


# ----- the same questions on a model claim: the symbolic model and F_p alike ------------------------------------

MODEL_FORMS = ["print-to-file", "logging", "pickle", "bound-get", "hash-tuple", "groupby", "compress", "numpy-eq"]


@pytest.mark.parametrize("backend", ["auto", "fp"])
@pytest.mark.parametrize("form", MODEL_FORMS)
def test_a_model_claim_refuses_them_on_every_backend(tmp_path, form, backend):
    """h_1's entry is a claim value: a SymPy expression on the symbolic model, an F_p value (whose text, as
    SymPy's, is refused when asked for the user) on the other."""
    p = tmp_path / "proof.py"
    p.write_text("from symderiv import claim, pal2019_rnn, sweep\n"
                 "@claim('c', where='t', statement='s', model=pal2019_rnn, sizes=sweep(n=2, t=1))\n"
                 "def c(m):\n    x = m.h(1)[0]\n" + textwrap.indent(SNEAKY[form], "    ")
                 + "\n    return m.h(1) * y, m.h(1) * x\n")
    (claim,) = collect([p]).claims()
    res = check_claim(claim, backend=backend)
    assert res.verdict == Verdict.ERROR and "proof.py:" in (res.error or ""), (res.verdict, res.error)


@pytest.mark.parametrize("form", ["print-to-file", "srepr", "bound-get", "set-of-tuples", "str-repeat"])
def test_a_relational_claim_refuses_them_when_proving(tmp_path, form):
    """prove=True: the check runs on the prover's symbols first; the refusal is the verdict."""
    p = tmp_path / "proof.py"
    p.write_text("from symderiv import claim, scalars, no_sizes, eq\n"
                 "@claim('c', kind='inequality', where='t', statement='s', prove=True, given=dict(x=scalars()),"
                 " sizes=no_sizes())\ndef c(x):\n" + textwrap.indent(SNEAKY[form], "    ")
                 + "\n    return eq(y, x)\n")
    (claim,) = collect([p]).claims()
    res = check_claim(claim)
    assert res.verdict == Verdict.ERROR and "proof.py:" in (res.error or ""), (res.verdict, res.error)


# ----- the induction's symbolic step index -----------------------------------------------------------------------

INDEX = {
    # each was "holds … for every t" before this pass (false from t = 5)
    "print-to-file": "(lambda s: (print(k, file=s), 2 if s.getvalue() == '5\\n' else 1)[1])("
                     "__import__('io').StringIO())",
    "pickle": "2 if __import__('pickle').dumps(k) == __import__('pickle').dumps(5) else 1",
    # resisted before (the index's own hash and == refuse), kept as guards of the class
    "tuple-hash": "2 if hash((k,)) == hash((5,)) else 1",
    "bound-get": "(lambda g: g(k, 1))({5: 2}.get)",
    "groupby": "2 if len(list(__import__('itertools').groupby([k, 5]))) == 1 else 1",
}


@pytest.mark.parametrize("form", sorted(INDEX))
def test_the_step_index_asked_out_of_sight_is_not_for_every_t(tmp_path, form):
    p = tmp_path / "proof.py"
    p.write_text(textwrap.dedent(f"""\
        from symderiv import claim, diag, eye, kron, pal2019_rnn, product, sweep, total
        @claim("c", where="t", statement="s", model=pal2019_rnn, sizes=sweep(n=(1,), t=(1, 2, 3)),
               conventions={{"layout": "row-major"}})
        def c(m):
            A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
            c = lambda k: {INDEX[form]}
            term = lambda k: product(A, k + 1, m.t, order="descending", size=m.n) * kron(eye(m.n), m.x(k).T) * c(k)
            return m.d(("h", m.t), "W_I"), total(term, (m.n, m.n * m.m), lo=1, hi=m.t)
        """))
    (claim,) = collect([p]).claims()
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS and not res.every_t, (res.verdict, res.scope)


# ----- what stays plain Python -------------------------------------------------------------------------------------

def test_plain_uses_of_values_and_sizes_keep_their_meaning(tmp_path):
    """Slices and tuple indices of a matrix of values by ints, a dict whose values (not keys) are claim values,
    itemgetter by an int, print of a size, a set of sizes: the same on every path, so not refused."""
    p = tmp_path / "proof.py"
    p.write_text(textwrap.dedent("""\
        import io
        import operator
        import sympy as sp
        from symderiv import claim, matrix, sweep
        @claim("c", where="t", statement="s", variables=dict(A=matrix("n", "n")), sizes=sweep(n=(2,)))
        def c(v):
            A = v.A
            top = A[0:1, :]
            corner = A[0, 0:1]
            d = dict(a=A[0, 0], b=A[1, 1])
            pairs = dict([("a", A[0, 0])])
            first = operator.itemgetter(0)([A[0, 0], A[1, 1]])
            s = io.StringIO()
            print(v.n, file=s)
            k = len({(v.n, 1), (v.n, 1)})
            lhs = sp.Matrix([[top[0, 0] + corner[0, 0] + d["a"] + pairs["a"] + first]]) * k
            rhs = sp.Matrix([[5 * A[0, 0]]]) * (1 if s.getvalue() == "2\\n" else 0)
            return lhs, rhs
        """))
    (claim,) = collect([p]).claims()
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS, (res.verdict, res.error, res.scope)


# ----- a size traced at a symbolic n ------------------------------------------------------------------------------

SIZE = {
    # each was "holds … for every n ≥ 1" before this pass, false at n = 10
    "print-to-file": "(lambda s: (print(v.n, file=s), len(s.getvalue()))[1])(__import__('io').StringIO()) - 1",
    "bound-get": "(lambda g: g(v.n, 1))({10: 2}.get)",
    "chainmap": "__import__('collections').ChainMap({10: 2}).get(v.n, 1)",
    # resisted before, kept as guards of the class
    "str-repeat": "len('a' * v.n) // max(v.n, 1)",
}


@pytest.mark.parametrize("form", sorted(SIZE))
def test_a_traced_size_asked_out_of_sight_is_never_lifted_to_every_n(tmp_path, form):
    p = tmp_path / "proof.py"
    p.write_text("from symderiv import claim, vector\n"
                 "@claim('c', where='t', statement='s', variables=dict(x=vector('n')))\n"
                 f"def c(v):\n    return ({SIZE[form]}) * v.x, v.x\n")
    (claim,) = collect([p]).claims()
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS and not res.every_n, (res.verdict, res.scope)
