"""Exceptions as branches (issue 19 item 1): whether Python raises can depend on a claim value.

A symbol raises where a number passes (``sp.Integer(x)``) and a number raises where a symbol passes (``x.name``:
a SymPy symbol has a name, a rational or a field element has none). A check that catches or swallows such an
exception branches on the value: the symbolic run takes one branch and a run at a point (the search's, F_p's, the
kernel's) another. Each form below sets ``y`` to 5 where Python raises and to ``x`` where it does not, so the
identity ``y = x`` is false on one side. Before this test each gave ``holds`` (the symbol-raises direction through a
context manager that swallows) or ``undecided`` (the number-raises direction: the kernel's run at a point took the
other branch and did not confirm); each must be an ``error`` naming the proof file's line, before any verdict.

What the world raises (a module not installed, a missing file) is the same on every path and may still be caught,
and context managers that never swallow (``sp.evaluate``, ``warnings.catch_warnings``) keep their meaning.
"""
from __future__ import annotations

import textwrap

import pytest

from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.results import Verdict
from tests.test_adversarial_advguard import _free_scalar  # a proof file whose check sets y from x, returns (y, x)

_SWALLOW = "class S:\n    def __enter__(self):\n        return self\n    def __exit__(self, *a):\n        return True\n"

#: a symbol raises (sp.Integer(x), Fraction(x)), the check swallows it out of an except clause's sight
SYMBOL_RAISES = {
    "user-class-exit": _SWALLOW + "import sympy as sp\ny = x\nwith S():\n    sp.Integer(x)\n    y = 5",
    "user-class-exit-conditional": "class S:\n    def __enter__(self):\n        return self\n"
                                   "    def __exit__(self, et, ev, tb):\n        return et is TypeError\n"
                                   "import fractions\ny = x\nwith S():\n    fractions.Fraction(x)\n    y = 5",
    "exit-as-lambda": "class S:\n    __enter__ = lambda self: self\n    __exit__ = lambda self, *a: True\n"
                      "import sympy as sp\ny = x\nwith S():\n    sp.Integer(x)\n    y = 5",
    "exitstack-push": "import contextlib, sympy as sp\ny = x\nwith contextlib.ExitStack() as st:\n"
                      "    st.push(lambda *a: True)\n    sp.Integer(x)\n    y = 5",
    "subclassed-suppress": "import contextlib, sympy as sp\nclass Q(contextlib.suppress):\n    pass\n"
                           "y = x\nwith Q(TypeError):\n    sp.Integer(x)\n    y = 5",
    "break-in-finally": "import sympy as sp\ny = x\nfor _ in [0]:\n    try:\n        sp.Integer(x)\n        y = 5\n"
                        "    finally:\n        break",
}

#: a number raises (x.name, x.free_symbols' item), the symbolic run passes: the except branch runs only at a point
NUMBER_RAISES = {
    "except-attribute": "try:\n    x.name\n    y = x\nexcept AttributeError:\n    y = 5",
    "except-exception": "try:\n    x.name\n    y = x\nexcept Exception:\n    y = 5",
    "bare-except": "try:\n    x.name\n    y = x\nexcept:\n    y = 5",
    "except-tuple": "try:\n    x.name\n    y = x\nexcept (ImportError, AttributeError):\n    y = 5",
    "except-else": "try:\n    x.name\nexcept AttributeError:\n    y = 5\nelse:\n    y = x",
    "user-class-exit": _SWALLOW + "y = 5\nwith S():\n    x.name\n    y = x",
    "exitstack-callback": "import contextlib\ny = 5\nwith contextlib.ExitStack() as st:\n"
                          "    st.push(lambda *a: True)\n    x.name\n    y = x",
    "generator-manager": "import contextlib\n@contextlib.contextmanager\ndef s():\n    try:\n        yield\n"
                         "    except AttributeError:\n        pass\ny = 5\nwith s():\n    x.name\n    y = x",
    "break-in-finally": "y = 5\nfor _ in [0]:\n    try:\n        x.name\n        y = x\n    finally:\n        continue",
}


def _refused(res):
    assert res.verdict == Verdict.ERROR, (res.verdict, res.scope)
    assert "proof.py:" in (res.error or "") and "claim value" in res.error, res.error


@pytest.mark.parametrize("form", sorted(SYMBOL_RAISES))
def test_a_swallowed_exception_a_symbol_raises_is_refused(tmp_path, form):
    _refused(check_claim(_free_scalar(tmp_path, SYMBOL_RAISES[form])))


@pytest.mark.parametrize("form", sorted(NUMBER_RAISES))
def test_an_exception_only_a_number_raises_is_refused_before_any_verdict(tmp_path, form):
    _refused(check_claim(_free_scalar(tmp_path, NUMBER_RAISES[form])))


def test_the_refusal_names_the_line_of_the_try(tmp_path):
    res = check_claim(_free_scalar(tmp_path, NUMBER_RAISES["except-attribute"]))
    assert res.verdict == Verdict.ERROR and "proof.py:5:" in (res.error or ""), res.error


@pytest.mark.parametrize("backend", ["auto", "fp"])
@pytest.mark.parametrize("form", ["except-attribute", "user-class-exit"])
def test_a_model_claim_refuses_them_on_every_backend(tmp_path, form, backend):
    p = tmp_path / "proof.py"
    p.write_text("from symderiv import claim, pal2019_rnn, sweep\n"
                 "@claim('c', where='t', statement='s', model=pal2019_rnn, sizes=sweep(n=2, t=1))\n"
                 "def c(m):\n    x = m.h(1)[0]\n" + textwrap.indent(NUMBER_RAISES[form], "    ")
                 + "\n    return m.h(1) * y, m.h(1) * x\n")
    (claim,) = collect([p]).claims()
    res = check_claim(claim, backend=backend)
    assert res.verdict == Verdict.ERROR and "proof.py:" in (res.error or ""), (res.verdict, res.error)


#: the same on every path: the world's exceptions, and managers that never swallow
PLAIN = {
    "import-error": "try:\n    import symderiv_no_such_module\nexcept ImportError:\n    pass\ny = x",
    "file-not-found": "try:\n    open('/nonexistent/symderiv')\nexcept OSError:\n    pass\ny = x",
    "try-finally": "try:\n    y = x\nfinally:\n    pass",
    "evaluate": "import sympy as sp\nwith sp.evaluate(True):\n    y = x + 0",
    "catch-warnings": "import warnings\nwith warnings.catch_warnings():\n    y = x",
    "nullcontext": "import contextlib\nwith contextlib.nullcontext():\n    y = x",
    "user-class-never-swallows": "class S:\n    def __enter__(self):\n        return self\n"
                                 "    def __exit__(self, *a):\n        return None\nwith S():\n    y = x",
}


@pytest.mark.parametrize("form", sorted(PLAIN))
def test_what_is_the_same_on_every_path_keeps_its_meaning(tmp_path, form):
    res = check_claim(_free_scalar(tmp_path, PLAIN[form]))
    assert res.verdict == Verdict.HOLDS, (res.verdict, res.error, res.scope)


def test_outside_a_check_a_try_is_plain_python(tmp_path):
    """A proof file's module level (not a run on claim values) may catch what it likes."""
    p = tmp_path / "proof.py"
    p.write_text("from symderiv import claim, scalar\n"
                 "try:\n    K = int('x')\nexcept ValueError:\n    K = 1\n"
                 "class S:\n    def __enter__(self):\n        return self\n    def __exit__(self, *a):\n"
                 "        return True\nwith S():\n    raise TypeError\n"
                 "@claim('c', where='t', statement='s', variables=dict(x=scalar()))\n"
                 "def c(v):\n    return v.x * K, v.x\n")
    (claim,) = collect([p]).claims()
    assert check_claim(claim).verdict == Verdict.HOLDS


# ----- attributes only some values have: x.name exists on a symbol, raises on a number -----------------------------

def _scalar_kinds():
    import sympy as sp
    x = sp.Symbol("x")
    return [sp.Integer(0), sp.Integer(1), sp.Integer(-1), sp.Integer(7), sp.Rational(1, 2), sp.Float(1.5), x, x + 1,
            2 * x, x ** 2, sp.exp(x), sp.tanh(x), sp.Abs(x)]


def test_every_attribute_only_some_values_have_is_a_question():
    """Recomputed from SymPy's own objects: an attribute on some kinds of scalar and not on others tells the kinds
    apart (a symbol at the symbolic run, a number at a point), so the rewrite routes it to the guard."""
    from symderiv.concrete import _ASKING_ATTRIBUTES
    kinds = [set(dir(o)) for o in _scalar_kinds()]
    differing = {a for a in set().union(*kinds) - set.intersection(*kinds) if not a.startswith("_")}
    assert differing <= _ASKING_ATTRIBUTES, sorted(differing - _ASKING_ATTRIBUTES)


@pytest.mark.parametrize("form", ["y = 5 if x.name != 'x' else x", "y = 5 if str(x.numerator) == '0' else x",
                                  "y = x if callable(x.make_args) else 5", "y = 5 if x.floor else x"])
def test_reading_what_only_some_values_have_is_refused(tmp_path, form):
    _refused(check_claim(_free_scalar(tmp_path, form)))
