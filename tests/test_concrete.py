"""Python that asks about a claim value is refused on every path, naming the proof file's line (issue 19).

Finding 3: at a ``prove=`` size the check ran once on SymPy symbols, where
``if x == 1:`` is silently False, so a removable singularity patched with a
branch, or the pseudo-inverse of a diagonal, was "proved". The class is wider
than ``==``: any way Python answers a question about a value (a truth test, a
lookup that hashes, a builtin that concretizes) picks one branch at a symbol and
another at a number. Each form below, in each kind of claim, must give
``error`` with the line, never ``holds`` or ``fails``.
"""
import textwrap

import pytest
import sympy as sp

from symderiv.claims import collect
from symderiv.concrete import ConcretizationError, compile_user, is_value, prepare
from symderiv.engine import check_claim
from symderiv.results import Verdict

# a value-asking fragment, as a function of the value ``x``; each evaluates to a number when it runs
FORMS = {
    "eq-if": "(1 if x == 1 else 0)",
    "ne-and": "(x != 0 and 1)",
    "not": "(0 if not x else 1)",
    "truth": "(1 if x else 0)",
    "in-set": "(1 if x in {0} else 0)",
    "not-in-tuple": "(1 if x not in (0, 1) else 0)",
    "dict-get": "({0: 2}.get(x, 1))",
    "dict-index": "({0: 2}.setdefault(x, 1))",
    "set-display": "len({x, 1})",
    "dict-display": "len({x: 1, 0: 2})",
    "int": "int(x)",
    "float": "float(x)",
    "round": "round(x)",
    "hash": "(hash(x) % 1)",
    "bool": "int(bool(x))",
    "max": "max(x, 1)",
    "min-list": "min([x, 0])",
    "sorted": "sorted([x, 1])[0]",
    "any": "int(any([x]))",
    "list-index": "[0, 1].index(x)",
    "chain-eq": "(1 if 0 == x == 0 else 0)",
    "isinstance": "(1 if isinstance(x, int) else 2)",
    # the same builtins under another name, or applied by code the rewrite does not see (C: map, reduce, numpy)
    "alias-int": "(lambda I: I(x))(int)",
    "builtins-module": "__import__('builtins').round(x)",
    "map-bool": "int(list(map(bool, [x]))[0])",
    "reduce-max": "__import__('functools').reduce(max, [x, 1])",
    "numpy-float": "int(__import__('numpy').array([x], dtype=float)[0])",
    # C code that hashes its arguments: a counter, a cache
    "counter": "len(__import__('collections').Counter([x, 1]))",
    "lru-cache": "__import__('functools').lru_cache(None)(lambda y: 1)(x)",
    # comparisons Python makes inside C code or a library, never through the rewrite: a key function's results,
    # a list sorted in place, the heap and bisection modules, a comparison turned into a key, a median
    "sorted-key": "sorted([0, 1], key=lambda i: (x, 0)[i])[0]",
    "max-key": "max([0, 1], key=lambda i: (x, 0)[i])",
    "min-key": "min([0, 1], key=lambda i: (x, 0)[i])",
    "list-sort": "(lambda L: L.sort() or L[0])([x, 1])",
    "list-sort-key": "(lambda L: L.sort(key=lambda i: (x, 0)[i]) or L[0])([0, 1])",
    "heapq-key": "__import__('heapq').nsmallest(1, [0, 1], key=lambda i: (x, 0)[i])[0]",
    "heapq": "__import__('heapq').nlargest(1, [x, 1])[0]",
    "bisect": "__import__('bisect').bisect([0], x)",
    "cmp-to-key": "sorted([0, 1], key=__import__('functools').cmp_to_key(lambda a, b: (x, 0)[a] - (x, 0)[b]))[0]",
    "median": "__import__('statistics').median([x, 0, 1])",
}
# containers compared in C: their items' == is SymPy's structural equality (False on a symbol, True at a point)
FORMS.update({
    "list-eq": "(1 if [x] == [0] else 0)",
    "tuple-ne": "(1 if (x, 1) != (0, 1) else 0)",
    "dict-eq": "(1 if {'a': x} == {'a': 0} else 0)",
    "nested-eq": "(1 if [[x]] == [[0]] else 0)",
    "list-lt": "(1 if [x] < [1] else 0)",
    "isclose": "(1 if __import__('math').isclose(x, 0) else 0)",
    "in-list-of-values": "(1 if 0 in [x] else 0)",
    "in-nested": "(1 if [0] in [[x]] else 0)",
    "dataclass-eq": "(lambda P: 1 if P(x) == P(0) else 0)(__import__('dataclasses').make_dataclass('P', ['v']))",
})
#: the forms whose comparison Python makes out of the rewrite's sight (C code, a library)
HIDDEN = ["sorted-key", "max-key", "min-key", "list-sort", "list-sort-key", "heapq-key", "heapq", "bisect",
          "cmp-to-key", "median", "list-eq", "tuple-ne", "dict-eq", "nested-eq", "list-lt", "isclose", "in-list-of-values", "in-nested",
          "dataclass-eq"]


def _file(tmp_path, body: str, header: str = "") -> str:
    p = tmp_path / "proof.py"
    p.write_text(textwrap.dedent(header) + textwrap.dedent(body))
    return p


def _only(path):
    col = collect([path])
    assert not col.errors, col.errors
    (claim,) = col.claims()
    return check_claim(claim)


def _assert_refused(res, line: int):
    assert res.verdict == Verdict.ERROR, (res.verdict, res.scope, res.error)
    assert f"proof.py:{line}" in (res.error or ""), res.error
    assert "claim value" in res.error


@pytest.mark.parametrize("prove", ["True", "False"])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_relational_claim_refuses_value_dependent_python(tmp_path, form, prove):
    """An inequality over a free scalar: proved on symbols, searched on rationals: one refusal for both."""
    path = _file(tmp_path, f"""\
        from symderiv import claim, scalars, no_sizes, eq
        @claim("c", kind="inequality", where="t", statement="s", prove={prove},
               given=dict(x=scalars()), sizes=no_sizes())
        def c(x):
            y = {FORMS[form]}
            return eq(x * 0 + y, y)
        """)
    _assert_refused(_only(path), 5)


def test_removable_singularity_and_pseudo_inverse_are_never_proved(tmp_path):
    """The issue's two examples, each false at its special point: not holds, on any path."""
    path = _file(tmp_path, """\
        from symderiv import claim, scalars, no_sizes, eq
        @claim("removable", kind="inequality", where="t", statement="s", prove=True,
               given=dict(x=scalars()), sizes=no_sizes())
        def removable(x):
            y = x if x == 1 else (x ** 2 - 1) / (x - 1)
            return eq(y, x + 1)

        @claim("pinv", kind="inequality", where="t", statement="s", prove=True,
               given=dict(d=scalars()), sizes=no_sizes())
        def pinv(d):
            if d == 0:
                dp = 0
            else:
                dp = 1 / d
            return eq(d * dp, 1)
        """)
    col = collect([path])
    lines = {"removable": 5, "pinv": 11}
    for claim in col.claims():
        _assert_refused(check_claim(claim), lines[claim.id])


@pytest.mark.parametrize("backend", ["exact", "fp"])
@pytest.mark.parametrize("form", ["eq-if", "truth", "in-set", "dict-get", "int", "max", "isinstance", "alias-int",
                                  "map-bool", "reduce-max", "counter", "lru-cache"] + HIDDEN)
def test_model_claim_refuses_value_dependent_python(tmp_path, form, backend):
    """On the symbolic model and on F_p's random field values alike: h_1's entry is a claim value."""
    path = _file(tmp_path, f"""\
        from symderiv import claim, pal2019_rnn, sweep
        @claim("c", where="t", statement="s", model=pal2019_rnn, sizes=sweep(n=2, t=1))
        def c(m):
            x = m.h(1)[0]
            y = {FORMS[form]}
            return m.h(1) * y, m.h(1) * y
        """)
    col = collect([path])
    (claim,) = col.claims()
    _assert_refused(check_claim(claim, backend=backend), 5)


@pytest.mark.parametrize("form", ["eq-if", "not", "in-set", "dict-display", "float", "sorted", "builtins-module",
                                  "numpy-float", "counter", "lru-cache"] + HIDDEN)
def test_free_variable_claim_refuses_value_dependent_python(tmp_path, form):
    path = _file(tmp_path, f"""\
        from symderiv import claim, vector, sweep
        @claim("c", where="t", statement="s", variables=dict(v=vector("n")), sizes=sweep(n=(1, 2)))
        def c(w):
            x = w.v[0]
            y = {FORMS[form]}
            return w.v * y, w.v * y
        """)
    _assert_refused(_only(path), 5)


def test_a_helper_module_beside_the_proof_file_is_guarded_too(tmp_path):
    """The branch hides in ``_helpers.py`` (imported by the proof file): its line is named."""
    (tmp_path / "_helpers.py").write_text("def clip(v):\n    if v > 1:\n        return 1\n    return v\n")
    path = _file(tmp_path, """\
        from symderiv import claim, scalars, no_sizes, eq
        from _helpers import clip
        @claim("c", kind="inequality", where="t", statement="s", prove=True, given=dict(x=scalars()),
               sizes=no_sizes())
        def c(x):
            return eq(clip(x), x)
        """)
    res = _only(path)
    assert res.verdict == Verdict.ERROR
    assert "_helpers.py:2" in res.error


def test_sizes_and_constants_stay_plain_python(tmp_path):
    """Branching on a size, or on a SymPy constant the file builds, means the same on every path: allowed."""
    path = _file(tmp_path, """\
        import sympy as sp
        from symderiv import claim, vector, sweep
        @claim("c", where="t", statement="s", variables=dict(v=vector("n")), sizes=sweep(n=(1, 2)))
        def c(w):
            k = 2 if w.n == 1 else 3
            half = sp.Rational(1, 2)
            scale = 1 if half == sp.Rational(1, 2) and half in {half} else 0
            return w.v * k * scale, w.v * (k * scale)
        """)
    assert _only(path).verdict == Verdict.HOLDS


def test_orderings_build_relations_and_are_not_refused(tmp_path):
    """An ordering of the claim language's scalars (norms) is a relation, not a Python question: not refused."""
    path = _file(tmp_path, """\
        from symderiv import claim, fro, matrices, norm2, sweep
        @claim("c", kind="inequality", where="t", statement="s", given=dict(A=matrices()),
               sizes=sweep(n=(1, 2), t=1, fixed=("t",)))
        def c(A):
            return norm2(A) <= fro(A)
        """)
    res = _only(path)
    assert res.verdict != Verdict.ERROR and res.verdict != Verdict.FAILS, (res.verdict, res.error)


def test_the_rewrite_keeps_python_meaning_for_plain_values():
    """The guarded operations give Python's own answers on non-values (ints, strings, containers)."""
    src = textwrap.dedent("""\
        d = {1: 2}
        out = [1 == 1, 1 != 2, 1 in d, 3 not in d, d.get(1), {1, 2} == {2, 1}, 0 < 1 < 2, 1 == 1 == 2,
               int("3"), max([1, 5]), sorted([3, 1]), (1 if [] else 2), (not 0), ([] or 7), (0 and 5),
               [i for i in range(4) if i % 2], {i: i for i in range(2)}, d[1]]
        def range(*a):
            return "mine"
        mine = range(3)
        """)
    ns = {}
    prepare(ns)
    exec(compile_user(src, "<t>"), ns)
    plain = {}
    exec(src, plain)
    assert ns["out"] == plain["out"]
    assert ns["mine"] == "mine"


def test_values_are_told_from_constants():
    import sympy as sp

    x = sp.Symbol("x")
    assert is_value(x) and is_value(sp.Matrix([x, 1])) and is_value(sp.Function("s")(1))
    assert not is_value(sp.Integer(2)) and not is_value(sp.sqrt(2)) and not is_value(sp.Matrix([8, 6]))
    assert not is_value(3) and not is_value("x")


def test_the_error_is_a_concretization_error(tmp_path):
    import sympy as sp

    ns = {}
    prepare(ns)
    exec(compile_user("def f(x):\n    return 1 if x == 0 else 2\n", "f.py"), ns)
    with pytest.raises(ConcretizationError, match=r"f\.py:2"):
        ns["f"](sp.Symbol("x"))


INDEX_FORMS = {
    "isinstance": "2 if isinstance(k, int) and k == 5 else 1",
    "type": "2 if type(k) is int and k == 5 else 1",
    "in-set": "2 if k in {5} else 1",
    "get": "{5: 2}.get(k, 1)",
}


@pytest.mark.parametrize("form", sorted(INDEX_FORMS))
def test_a_proof_file_that_tells_the_step_apart_is_not_proved_for_every_t(tmp_path, form):
    """At a concrete t the index is an int and Python may ask about it; at the induction's symbolic index the
    same question is refused, so the claim keeps its verdict at the sizes shown, never 'for every t'."""
    path = _file(tmp_path, f"""\
        from symderiv import claim, diag, eye, kron, pal2019_rnn, product, sweep, total
        @claim("c", where="t", statement="s", model=pal2019_rnn, sizes=sweep(n=(1,), t=(1, 2, 3)),
               conventions={{"layout": "row-major"}})
        def c(m):
            A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
            c = lambda k: {INDEX_FORMS[form]}
            term = lambda k: product(A, k + 1, m.t, order="descending", size=m.n) * kron(eye(m.n), m.x(k).T) * c(k)
            return m.d(("h", m.t), "W_I"), total(term, (m.n, m.n * m.m), lo=1, hi=m.t)
        """)
    col = collect([path])
    (claim,) = col.claims()
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS and not res.every_t, (res.verdict, res.scope)
    assert check_claim(claim, t=(5,)).verdict == Verdict.FAILS  # false from t = 5, certified


# ----- an adversarial pass (2026-12-06): ways past the guard that gave a wrong holds --------------------------

SNEAKY = {
    "match": "match x:\n        case 0:\n            y = 5\n        case _:\n            y = x",
    "operator.eq": "import operator\ny = 5 if operator.eq(x, 0) else x",
    "dunder-eq": "y = 5 if x.__eq__(0) is True else x",
    "str": "y = 5 if str(x) == '0' else x",
    "f-string": "y = 5 if f'{x}' == '0' else x",
    "is_zero": "y = 5 if getattr(x, 'is_zero', False) else x",
    "attribute": "y = 5 if x.is_zero else x",
    "equals": "y = 5 if x.equals(0) else x",
    "filter": "y = 5 if list(filter(None, [x])) == [] else x",
    "eval": "y = eval('5 if s == 0 else s', {'s': x})",
    # the value's symbolic structure: a symbol on one path, a number or a field element on another
    "xreplace": "y = x.xreplace({0: 5})",
    "subs": "y = x.subs(0, 5)",
    "free_symbols": "y = x if x.free_symbols else 5",
    "has": "y = x if x.has(x) and x.has(0) is False else 5 * x + 5",
    "atoms": "y = x if len(x.atoms()) == 1 and x.atoms() != {0} else 5",
    "coeff": "y = x if x.coeff(x) == 1 else 5",
}


@pytest.mark.parametrize("form", sorted(SNEAKY))
def test_sneaky_value_dependent_python_is_refused(tmp_path, form):
    """Each is false at x = 0 and was holds (the symbol took the ordinary branch, or a substitution meant for the
    symbol hit a number): now an error on every path."""
    body = textwrap.indent(SNEAKY[form], "    ")
    path = _file(tmp_path, "from symderiv import claim, scalar\n"
                           "@claim('c', where='t', statement='s', variables=dict(x=scalar()))\n"
                           "def c(v):\n    x = v.x\n" + body + "\n    return y, x\n")
    res = _only(path)
    assert res.verdict == Verdict.ERROR, (form, res.verdict, res.scope)


def test_a_helper_in_a_package_beside_the_proof_file_is_guarded(tmp_path):
    (tmp_path / "hp").mkdir()
    (tmp_path / "hp" / "__init__.py").write_text("")
    (tmp_path / "hp" / "sub.py").write_text("def f(x):\n    return 5 if x == 0 else x\n")
    path = _file(tmp_path, """\
        from symderiv import claim, scalar
        from hp.sub import f
        @claim("c", where="t", statement="s", variables=dict(x=scalar()))
        def c(v):
            return f(v.x), v.x
        """)
    res = _only(path)
    assert res.verdict == Verdict.ERROR and "sub.py:2" in res.error, (res.verdict, res.error)


@pytest.mark.parametrize("how", ["len(str(v.n))", "1 if hasattr(v.n, 'bit_length') else 2"])
def test_a_size_hidden_as_text_is_never_lifted_to_every_n(tmp_path, how):
    """len(str(n)) is 1 at n ≤ 9 and 2 at n = 10: the check may use it at a fixed size, never lift it."""
    path = _file(tmp_path, f"""\
        from symderiv import claim, vector
        @claim("c", where="t", statement="s", variables=dict(x=vector("n")))
        def c(v):
            return ({how}) * v.x, v.x
        """)
    assert not _only(path).every_n


def test_a_caught_refusal_still_stops_the_lift(tmp_path):
    path = _file(tmp_path, """\
        from symderiv import claim, vector
        @claim("c", where="t", statement="s", variables=dict(x=vector("n")))
        def c(v):
            try:
                k = 0 if v.n == 7 else 1
            except Exception:
                k = 1
            return k * v.x, v.x
        """)
    assert not _only(path).every_n


@pytest.mark.parametrize("how", ["len(str(m.t))", "0 if hasattr(m.t, 'bit_length') and m.t >= 4 else 1"])
def test_a_step_index_told_apart_as_text_is_not_for_every_t(tmp_path, how):
    path = _file(tmp_path, f"""\
        from symderiv import claim, elman_rnn, sweep
        @claim("c", where="t", statement="s", model=elman_rnn, sizes=sweep(n=(1,), t=(1, 2)))
        def c(m):
            J = m.d(("h", m.t), "W")
            return ({how}) * J, J
        """)
    res = _only(path)
    assert not res.every_t, res.scope


@pytest.mark.parametrize("prove", ["True", "()"])
def test_a_refusal_the_check_catches_is_still_a_refusal(tmp_path, prove):
    """try/except around x == 0: on symbols refused (and caught: the ordinary branch), at the point x = 0 answered
    (the special branch). Two meanings; the refusal stands whether or not the check catches it."""
    path = _file(tmp_path, f"""\
        from symderiv import claim, scalars, no_sizes, eq
        @claim("c", kind="inequality", where="t", statement="s", prove={prove}, given=dict(x=scalars()),
               sizes=no_sizes())
        def c(x):
            try:
                y = 5 if x == 0 else x
            except Exception:
                y = x
            return eq(y, x)
        """)
    res = _only(path)
    assert res.verdict == Verdict.ERROR, (res.verdict, res.scope)


# ----- a check made outside a proof file (Claim(check=…) in a test module or a notebook's file) ------------------

def _claim_here(check, *, relational=False, fp=False):
    """A Claim built in this test module, as an API user would: its check is guarded like a proof file's."""
    import symderiv
    from symderiv import scalars
    from symderiv.claims import Claim
    from symderiv.sizes import no_sizes, sweep

    if relational:
        return Claim(id="api.rel", where="t", statement="s", check=check, kind="inequality",
                     given=dict(x=scalars()), sizes=no_sizes(), prove=True)
    return Claim(id="api.model", where="t", statement="s", check=check, model=symderiv.pal2019_rnn,
                 sizes=sweep(n=(2,), t=(1,)), conventions={"layout": "row-major"})


def _api_forms():
    from symderiv import eq

    def eq_if(x):
        y = x if x == 1 else (x ** 2 - 1) / (x - 1)
        return eq(y, x + 1)

    def aliased(x):
        b = bool
        return eq(x * 0 + int(b(x)), 1)

    scale = {0: 2}

    def closure_lookup(x):  # a closure over a dict, hashed by its lookup
        return eq(x * 0 + scale.get(x, 1), 1)

    return {"eq-if": eq_if, "aliased": aliased, "closure-lookup": closure_lookup,
            "lambda-truth": lambda x: eq(x * 0 + (1 if x else 0), 1)}


@pytest.mark.parametrize("form", sorted(_api_forms()))
def test_a_check_built_outside_a_proof_file_is_refused_alike(form):
    """Claim(check=…) in Python that is not a proof file: the same refusal, naming this file's line."""
    check = _api_forms()[form]
    res = check_claim(_claim_here(check, relational=True))
    assert res.verdict == Verdict.ERROR, (res.verdict, res.scope)
    assert "test_concrete.py:" in (res.error or "") and "claim value" in res.error


def test_a_model_check_built_outside_a_proof_file_is_refused_on_every_backend():
    def check(m):
        x = m.h(1)[0]
        return m.h(1) * (1 if x == 0 else 2), m.h(1) * 2

    for backend in ("exact", "fp"):
        res = check_claim(_claim_here(check), backend=backend)
        assert res.verdict == Verdict.ERROR and "test_concrete.py:" in res.error, (backend, res.error)


def test_a_guarded_api_check_keeps_its_meaning_on_plain_values():
    """The rewrite changes nothing where Python may answer: sizes, constants, closures, defaults."""
    k = 2

    def check(m, scale=3):
        rows = [m.h(1)[i] * k for i in range(m.n) if i >= 0]
        return sp.Matrix(rows) * scale, m.h(1) * (k * scale)

    res = check_claim(_claim_here(check))
    assert res.verdict == Verdict.HOLDS, (res.scope, res.error)


def test_guarding_the_same_check_twice_rewrites_it_once():
    """Two claims of one function (a parametrized test, a re-collection): the same rewrite, not a rewrite of it."""
    from symderiv.concrete import guard_check

    def check(x):
        return max(x, 1)

    a, b = guard_check(check), guard_check(check)
    assert a.__code__.co_code == b.__code__.co_code and a(3) == b(3) == 3


def test_a_check_given_as_a_method_or_a_partial_is_guarded_too():
    """A bound method, a functools.partial or a callable object as the check: the code it runs is rewritten."""
    import functools

    from symderiv import eq

    class Checks:
        def method(self, x):
            return eq(x * 0 + (1 if x == 0 else 2), 2)

        def __call__(self, x):
            return eq(x * 0 + (1 if x == 0 else 2), 2)

    def with_scale(scale, x):
        return eq(x * 0 + (1 if x == 0 else scale), scale)

    for check in (Checks().method, functools.partial(with_scale, 2), Checks()):
        res = check_claim(_claim_here(check, relational=True))
        assert res.verdict == Verdict.ERROR and "test_concrete.py:" in (res.error or ""), (check, res.error)


# ----- a relation's own numbers (norms, eigenvalues, max): floats never pick a branch ------------------------------

RELATION_FORMS = {
    "approx-branch": "(2 if norm2(A).approx() > 1 else 1)",
    "max-by-float": "(max([norm2(A), fro(A)], key=lambda q: q.approx()) * 0 + 1)",
    "truth": "(1 if fro(A) else 2)",
    "in-list": "(1 if norm2(A) in [fro(A)] else 2)",
}


@pytest.mark.parametrize("form", sorted(RELATION_FORMS))
def test_a_relations_number_asked_by_python_is_refused(tmp_path, form):
    """‖A‖₂, ‖A‖_F, ρ(A) are claim values too: their float (approx) or truth picks a branch per point, which the
    prove phase's symbols cannot follow; maximum(...) says the same in the claim language."""
    path = _file(tmp_path, f"""\
        from symderiv import claim, fro, matrices, norm2, sweep
        @claim("c", kind="inequality", where="t", statement="s", given=dict(A=matrices()), sizes=sweep(n=(1, 2)))
        def c(A):
            y = {RELATION_FORMS[form]}
            return norm2(A) <= fro(A) * y
        """)
    _assert_refused(_only(path), 4)


def test_keywords_named_like_the_guards_own_parameters_pass_through():
    """A user's call with fn=, name=, obj= keywords reaches its callee unchanged (the guard's own are positional)."""
    from symderiv.concrete import compile_user, prepare

    code = compile_user("def f(fn=0, name=0, obj=0, args=0, kw=0):\n    return fn + name + obj + args + kw\n"
                        "r = f(fn=1, name=2, obj=3, args=4, kw=5)\ns = max([1, 2], key=None)\n"
                        "d = {}\nd.get('x', 0)\nt = d.setdefault('k', 7)\n", "proof.py")
    ns = {}
    prepare(ns)
    exec(code, ns)
    assert ns["r"] == 15 and ns["s"] == 2 and ns["t"] == 7


def test_a_loop_over_the_symbolic_horizon_names_the_claim_language_sum(tmp_path):
    """A Python loop over range(m.t) is read at the sizes only: the refusal says what every path reads at a
    symbolic t (total/product), and the claim still holds at the sizes checked, never for every t."""
    path = _file(tmp_path, """\
        from symderiv import claim, eye, pal2019_rnn, sweep
        @claim("c", where="t", statement="s", model=pal2019_rnn, sizes=sweep(n=(1,), t=(1, 2)))
        def c(m):
            acc = 0 * m.h(0)
            for k in range(m.t):
                acc = acc + 0 * m.h(k)
            return m.h(m.t) + acc, m.h(m.t)
        """)
    res = _only(path)
    assert res.verdict == Verdict.HOLDS and not res.every_t, (res.verdict, res.scope)
    assert "proof.py:5" in res.scope and "total(" in res.scope


def test_python_may_convert_and_compare_constants(tmp_path):
    """√2, π are the same number on every path: math.log(√2), sorted([√2, 1]) stay plain Python."""
    path = _file(tmp_path, """\
        import math
        import sympy as sp
        from symderiv import claim, scalar
        @claim("c", where="t", statement="s", variables=dict(x=scalar()))
        def c(v):
            k = int(1000 * math.log(sp.sqrt(2))) + int(sorted([sp.sqrt(2), sp.Integer(3)], key=lambda e: -e)[0])
            return v.x * 0 + k, v.x * 0 + 349
        """)
    assert _only(path).verdict == Verdict.HOLDS
