"""Adversarial pass (advpure) over the step-purity check (symderiv/purity.py, branch pure).

The claim under attack: a `holds … for every t` no longer rests on a check keeping state between its calls, since
each step callable's reachable state is snapshot before and after every call at the symbolic index. Each attack
below hides a call counter where the snapshot did not look; the term's 6th call is special, so the claim is false
at t = 6 while the sweep (t ≤ 3) and the kernel's reading (t ≤ T = 5) see it true.

Findings (each was `holds … for every t`, false at t = 6):
- a name the term reads from builtins (``builtins.HIDDEN = [0]`` at import, then ``HIDDEN[0] += 1``): a global
  name not in the module's globals was not walked;
- ``globals()[computed name]`` and ``getattr(sys.modules[__name__], computed name)``: the walk asks a module only
  for the names the code spells, and a proof file's module reached as a value was not walked at all;
- a helper module beside the proof file called through its module (``import helper as H; H.tick()``);
- an attribute set on a trusted library's module or object (``sp.CNT``, ``sp.S.cnt``, an ``ImmutableMatrix``'s
  attribute), on a class SymPy makes (``sp.Function("F").cnt``), or on a user class that names a trusted module as
  its ``__module__`` (its instances and the class itself);
- on the model: an underscore attribute (``m._cnt``: the guard's rewrite reads it as ``attribute(m, "_cnt")``, so the
  name is a string constant, not one the code spells) and its own objects (``m.params.cnt``, ``m.f.cnt``);
- a library cache's hit count, a counter the check drives and reads (``fnmatch._compile_pattern.cache_info().hits``,
  SymPy's ``_nP.cache_info()``): a library's function and callables were never asked for anything;
- an object whose class makes ``__dict__`` a property returning {}: the walk read ``getattr(v, "__dict__")``;
- a partial's own ``__dict__`` (``c = partial(g); c.n``), a helper module's ``__getattr__`` (PEP 562), a metaclass's
  attribute (``type(C).n``): not walked;
- an object kept alive by a library (``atexit.register(keep, Hidden())``) and found again by
  ``gc.get_referrers(Hidden)``: reached by no name; code naming the gc's lists, frames, ctypes or trace hooks is
  now refused (``purity._OPAQUE``);
- a module the term imports itself (``import helper as HH`` or ``from helper import _N`` inside it): not a global.
A false refusal (lower severity): a user object with ``__slots__`` (a frozen dataclass with slots) was refused, its
class's member descriptor walked as a hidden C object; the slots are now read from the member descriptors (not from
``__slots__``, which a class can rebind to hide one).
Against pure at 37a71dc, 22 of the 26 cases of FOUND were still `holds … for every t` (pure's own later commits
fixed getattr(sys.modules[__name__], …), a helper module's function through the module and the two imports inside
the term); three pure terms were falsely refused there (np.exp imported by name, a user object with __slots__, a
frozen dataclass with slots).
Attacks the code resists, and pure checks that must keep their `for every t`, are kept as passing tests.
"""
from __future__ import annotations

import itertools
import textwrap

import pytest

from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.induction import step_check
from symderiv.results import Verdict

_ids = itertools.count()

PROOF = '''
import array
import builtins
import collections
import dataclasses
import functools
import io
import itertools
import math
import os
import sys
import weakref

import numpy as np
import sympy as sp

from symderiv import claim, diag, eye, kron, pal2019_rnn, product, sweep, total
{imports}

STATE = [0]


def dw_i(m, c):
    A = lambda r: m.W_R * diag(m.dsigma(m.h(r - 1)))
    term = lambda k: product(A, k + 1, m.t, order="descending", size=m.n) * kron(eye(m.n), m.x(k).T) * c(k)
    return m.d(("h", m.t), "W_I"), total(term, (m.n, m.n * m.m), lo=1, hi=m.t)


{top}


@claim("advpure.special", where="test", statement="test", model=pal2019_rnn, conventions={{"layout": "row-major"}},
       sizes=sweep(n={n}, t={t}))
def special(m):
{body}
    return dw_i(m, c)
'''

HELPER = '''
_N = [0]
_BOX = [0]


def __getattr__(name):
    return _BOX


def reset():
    _N[0] = 0


def unit():
    return 1


def tick():
    _N[0] += 1
    return _N[0]
'''

#: name → (the check's body, the proof file's top level): each counts the term's calls where the snapshot did not look
FOUND = {
    "a name read from builtins": ("""
        HIDDEN[0] = 0
        def c(k):
            HIDDEN[0] += 1
            return 2 if HIDDEN[0] == 6 else 1""", "builtins.HIDDEN = [0]"),
    "globals() at a computed name": ("""
        globals()["CN" + "T"] = 0
        def c(k):
            globals()["CN" + "T"] += 1
            return 2 if globals()["CN" + "T"] == 6 else 1""", ""),
    "getattr(sys.modules[__name__], computed name)": ("""
        getattr(sys.modules[__name__], "ST" + "ATE")[0] = 0
        def c(k):
            s = getattr(sys.modules[__name__], "ST" + "ATE")
            s[0] += 1
            return 2 if s[0] == 6 else 1""", ""),
    "a helper module's function called through the module": ("""
        H.reset()
        def c(k):
            return 2 if H.tick() == 6 else 1""", ""),
    "an attribute set on the sympy module": ("""
        sp.CNT = [0]
        def c(k):
            sp.CNT[0] += 1
            return 2 if sp.CNT[0] == 6 else 1""", ""),
    "an attribute set on the sympy module, read at a computed name": ("""
        setattr(sp, "CN" + "T2", [0])
        def c(k):
            s = getattr(sp, "CN" + "T2")
            s[0] += 1
            return 2 if s[0] == 6 else 1""", ""),
    "an attribute set on sp.S": ("""
        sp.S.cnt = 0
        def c(k):
            sp.S.cnt += 1
            return 2 if sp.S.cnt == 6 else 1""", ""),
    "an attribute set on an ImmutableMatrix": ("""
        M = sp.ImmutableMatrix([[1]])
        M.cnt = 0
        def c(k):
            M.cnt += 1
            return 2 if M.cnt == 6 else 1""", ""),
    "an attribute set on sp.Function('F')": ("""
        F = sp.Function("F")
        F.cnt = 0
        def c(k):
            F.cnt += 1
            return 2 if F.cnt == 6 else 1""", ""),
    "a class attribute of a class claiming __module__ = 'sympy'": ("""
        C.n = 0
        def c(k):
            C.n += 1
            return 2 if C.n == 6 else 1""", "class C:\n    __module__ = 'sympy'\n    n = 0"),
    "an instance of a class claiming __module__ = 'sympy.core'": ("""
        o = C()
        def c(k):
            o.n += 1
            return 2 if o.n == 6 else 1""",
        "class C:\n    __module__ = 'sympy.core'\n\n    def __init__(self):\n        self.n = 0"),
    "a library cache's hit count (fnmatch._compile_pattern.cache_info())": ("""
        import fnmatch
        fnmatch._compile_pattern("advpure")
        base = fnmatch._compile_pattern.cache_info().hits
        def c(k):
            fnmatch._compile_pattern("advpure")
            return 2 if fnmatch._compile_pattern.cache_info().hits - base == 6 else 1""", ""),
    "a SymPy cached function's hit count (_nP.cache_info())": ("""
        from sympy.functions.combinatorial import numbers as N
        N._nP(5, 2)
        base = N._nP.cache_info().hits
        def c(k):
            N._nP(5, 2)
            return 2 if N._nP.cache_info().hits - base == 6 else 1""", ""),
    "a class whose __dict__ is a property returning {}": ("""
        o = Sneaky()
        o.n = 0
        def c(k):
            o.n += 1
            return 2 if o.n == 6 else 1""", "class Sneaky:\n    @property\n    def __dict__(self):\n        return {{}}"),
    "a partial's own attribute (c = partial(g); c.n += 1 in g)": ("""
        def g(k):
            c.n += 1
            return 2 if c.n == 6 else 1
        c = functools.partial(g)
        c.n = 0""", ""),
    "a helper module's __getattr__ (PEP 562)": ("""
        H.anything[0] = 0
        def c(k):
            H.anything[0] += 1
            return 2 if H.anything[0] == 6 else 1""", ""),
    "a metaclass attribute (type(C).n += 1)": ("""
        type(C).n = 0
        def c(k):
            type(C).n += 1
            return 2 if type(C).n == 6 else 1""", "class Meta(type):\n    n = 0\n\n\nclass C(metaclass=Meta):\n    pass"),
    "an object held by atexit, found by gc.get_referrers": ("""
        import atexit
        import gc
        atexit.unregister(keep)
        atexit.register(keep, Hidden())
        def c(k):
            o = [x for x in gc.get_referrers(Hidden) if isinstance(x, Hidden)][0]
            o.n += 1
            return 2 if o.n == 6 else 1""",
        "class Hidden:\n    def __init__(self):\n        self.n = 0\n\n\ndef keep(h):\n    pass"),
    "the model's dict through __reduce_ex__, at a name made at run time": ("""
        def c(k):
            d = m.__reduce_ex__(2)[2]
            s = d.setdefault("".join(["_", "zz"]), [0])
            s[0] += 1
            return 2 if s[0] == 6 else 1""", ""),
    "a helper module imported inside the term": ("""
        H.reset()
        def c(k):
            import HELPER_NAME as HH
            return 2 if HH.tick() == 6 else 1""", ""),
    "a name imported from a helper module inside the term": ("""
        H.reset()
        def c(k):
            from HELPER_NAME import _N
            _N[0] += 1
            return 2 if _N[0] == 6 else 1""", ""),
    "getattr(sp, a name made at run time)": ("""
        setattr(sp, "".join(["C", "N", "T3"]), [0])
        def c(k):
            s = getattr(sp, "".join(["C", "N", "T3"]))
            s[0] += 1
            return 2 if s[0] == 6 else 1""", ""),
    "globals()[a name made at run time]": ("""
        globals()["".join(["C", "N", "T"])] = 0
        def c(k):
            n = "".join(["C", "N", "T"])
            globals()[n] += 1
            return 2 if globals()[n] == 6 else 1""", ""),
    "an underscore attribute of the model": ("""
        m._cnt = [0]
        def c(k):
            m._cnt[0] += 1
            return 2 if m._cnt[0] == 6 else 1""", ""),
    "an attribute set on the model's params": ("""
        m.params.cnt = [0]
        def c(k):
            m.params.cnt[0] += 1
            return 2 if m.params.cnt[0] == 6 else 1""", ""),
    "an attribute set on the model's activations": ("""
        m.f.cnt = [0]
        def c(k):
            m.f.cnt[0] += 1
            return 2 if m.f.cnt[0] == 6 else 1""", ""),
}

#: the check tells the symbolic model from a concrete one, and counts only on the concrete runs
TELLS = {
    "type(m).__name__": """
        if type(m).__name__ == "InductionModel":
            c = lambda k: 1
        else:
            c = lambda k: 2 if k == 6 else 1""",
    "hasattr(m, '_downward')": """
        if hasattr(m, "_downward"):
            c = lambda k: 1
        else:
            c = lambda k: 2 if k == 6 else 1""",
    # siblings (the integration): every way to ask which of the engine's models runs the check
    "m.__class__.__name__": """
        if m.__class__.__name__ == "InductionModel":
            c = lambda k: 1
        else:
            c = lambda k: 2 if k == 6 else 1""",
    "type(m).__module__": """
        if "induction" in type(m).__module__:
            c = lambda k: 1
        else:
            c = lambda k: 2 if k == 6 else 1""",
    "repr(m)": """
        if "Induction" in repr(m):
            c = lambda k: 1
        else:
            c = lambda k: 2 if k == 6 else 1""",
    "str(m)": """
        if "Induction" in str(m):
            c = lambda k: 1
        else:
            c = lambda k: 2 if k == 6 else 1""",
    "getattr(m, '_downward', None)": """
        if getattr(m, "_downward", 0) != 0:
            c = lambda k: 1
        else:
            c = lambda k: 2 if k == 6 else 1""",
    "vars(m)": """
        if "_downward" in vars(m):
            c = lambda k: 1
        else:
            c = lambda k: 2 if k == 6 else 1""",
    "dir(m)": """
        if "_downward" in dir(m):
            c = lambda k: 1
        else:
            c = lambda k: 2 if k == 6 else 1""",
    "m.__dict__": """
        if "_downward" in m.__dict__:
            c = lambda k: 1
        else:
            c = lambda k: 2 if k == 6 else 1""",
    "isinstance(m, a class found by name)": """
        if any(isinstance(m, c) for c in [getattr(__import__("symderiv.induction").induction, "InductionModel")]):
            c = lambda k: 1
        else:
            c = lambda k: 2 if k == 6 else 1""",
}

#: hiding places the snapshot already sees (refused at the symbolic index, naming the term or the check)
RESISTED = {
    "a lambda's mutable default": """
        c = lambda k, s=[0]: (s.__setitem__(0, s[0] + 1), 2 if s[0] == 6 else 1)[1]""",
    "functools.partial holding a list": """
        def f(s, k):
            s.append(0)
            return 2 if len(s) == 6 else 1
        c = functools.partial(f, [])""",
    "a closure of a closure": """
        def outer():
            s = [0]
            def mid():
                def inner():
                    s[0] += 1
                    return s[0]
                return inner
            return mid()
        inc = outer()
        def c(k):
            return 2 if inc() == 6 else 1""",
    "a bound method's __self__": """
        class B:
            def __init__(self):
                self.n = 0
            def __call__(self, k):
                self.n += 1
                return 2 if self.n == 6 else 1
        c = B().__call__""",
    "a callable object": """
        class B:
            def __init__(self):
                self.n = 0
            def __call__(self, k):
                self.n += 1
                return 2 if self.n == 6 else 1
        c = B()""",
    "type(self).n += 1": """
        class B:
            n = 0
            def bump(self):
                type(self).n += 1
                return type(self).n
        b = B()
        def c(k):
            return 2 if b.bump() == 6 else 1""",
    "collections.deque": """
        d = collections.deque()
        def c(k):
            d.append(0)
            return 2 if len(d) == 6 else 1""",
    "array.array": """
        a = array.array("i", [0])
        def c(k):
            a[0] += 1
            return 2 if a[0] == 6 else 1""",
    "bytearray": """
        a = bytearray(1)
        def c(k):
            a[0] += 1
            return 2 if a[0] == 6 else 1""",
    "io.StringIO": """
        s = io.StringIO()
        def c(k):
            s.write("x")
            return 2 if len(s.getvalue()) == 6 else 1""",
    "weakref.WeakSet": """
        class O:
            pass
        keep = [O() for _ in range(10)]
        w = weakref.WeakSet()
        def c(k):
            w.add(keep[len(w)])
            return 2 if len(w) == 6 else 1""",
    "os.environ": """
        os.environ["ADVPURE_N"] = "0"
        def c(k):
            os.environ["ADVPURE_N"] = str(int(os.environ["ADVPURE_N"]) + 1)
            return 2 if os.environ["ADVPURE_N"] == "6" else 1""",
    "the step callable replaced between calls": """
        box = {}
        def make(i):
            def c(k):
                box["c"] = make(i + 1)
                return 2 if i == 6 else 1
            return c
        box["c"] = make(1)
        def c(k):
            return box["c"](k)""",
    "a generator expression": """
        g = (i for i in itertools.count(1))
        def c(k):
            return 2 if next(g) == 6 else 1""",
    "a numpy array": """
        a = np.zeros(1)
        def c(k):
            a[0] += 1
            return 2 if a[0] == 6 else 1""",
    "m.__dict__.setdefault": """
        def c(k):
            d = m.__dict__.setdefault("zz", [0])
            d[0] += 1
            return 2 if d[0] == 6 else 1""",
    "a staticmethod's mutable default": """
        class K:
            @staticmethod
            def f(s={"n": 0}):
                s["n"] += 1
                return s["n"]
        def c(k):
            return 2 if K.f() == 6 else 1""",
    "a slot hidden by a __slots__ that lies (S.__slots__ = ())": """
        class S:
            __slots__ = ("n",)
        S.__slots__ = ()
        o = S()
        o.n = 0
        def c(k):
            o.n += 1
            return 2 if o.n == 6 else 1""",
    "an attribute set on the model": """
        m.cnt = [0]
        def c(k):
            m.cnt[0] += 1
            return 2 if m.cnt[0] == 6 else 1""",
}

#: a counter that counts only the concrete calls (the symbolic ones raise first): the guard refuses the try itself
ONLY_CONCRETE = {
    "try: int(k) except BaseException": """
        cnt = [0]
        def c(k):
            try:
                int(k)
            except BaseException:
                return 1
            cnt[0] += 1
            return 2 if cnt[0] == 6 else 1""",
    "try: float(k) except Exception": """
        def c(k):
            try:
                float(k)
            except Exception:
                return 1
            return 2 if k == 6 else 1""",
}


@pytest.mark.parametrize("how", list(ONLY_CONCRETE))
def test_resisted_state_changed_only_on_concrete_calls(tmp_path, how):
    st = step_check(_claim(tmp_path, ONLY_CONCRETE[how]), {"n": 1}, 1, 3)
    assert not st.proved, st.reason


#: pure terms that must keep their `for every t` (no false refusal)
PURE = {
    "numpy's functions (np.sum, a C dispatcher)": """
        def c(k):
            return int(np.sum([1]))""",
    "math.sqrt": """
        def c(k):
            return int(math.sqrt(1))""",
    "a module-level tuple of constants": """
        def c(k):
            return TABLE[0]""",
    "a local accumulator": """
        def c(k):
            acc = 0
            for i in range(3):
                acc += 1
            return acc - 2""",
    "a partial of a pure function": """
        g = functools.partial(lambda a, k: a, 1)
        def c(k):
            return g(k)""",
    "a local deque, bytearray and array": """
        def c(k):
            d = collections.deque([1])
            d.append(bytearray(1)[0] + array.array("i", [0])[0])
            return d[0] + d[1]""",
    "numpy's exp imported by name (a ufunc)": """
        def c(k):
            return int(EXP(0))""",
    "a helper module's pure function through the module": """
        def c(k):
            return H.unit()""",
    "sympy's S.One": """
        def c(k):
            return sp.S.One""",
    "a user object with __slots__ (refused before: its member descriptor counted as hidden state)": """
        class S:
            __slots__ = ("n",)
        o = S()
        o.n = 1
        def c(k):
            return o.n""",
    "a frozen dataclass with slots": """
        @dataclasses.dataclass(frozen=True, slots=True)
        class D:
            n: int
        o = D(1)
        def c(k):
            return o.n""",
    "getattr(m, 'n')": """
        def c(k):
            return 1 + 0 * getattr(m, "n")""",
    "getattr(sp, 'Integer')": """
        def c(k):
            return getattr(sp, "Integer")(1)""",
    "globals()['TABLE']": """
        def c(k):
            return globals()["TABLE"][0]""",
    "a SymPy constant": """
        def c(k):
            return sp.Integer(1)""",
}


#: hiding places the guard refuses before any snapshot (a private attribute of the model, concrete._engine_object,
#: since the integration): an error on every path, naming the line
GUARDED = {k: FOUND.pop(k)[0] for k in ("the model's dict through __reduce_ex__, at a name made at run time",
                                        "an underscore attribute of the model")}
GUARDED["m.__dict__.setdefault"] = RESISTED.pop("m.__dict__.setdefault")


def _claim(tmp_path, body, top="", n=(1, 2), t=(1, 2, 3)):
    i = next(_ids)
    helper = f"_advpure_helper_{i}_{abs(hash(str(tmp_path)))}"
    (tmp_path / f"{helper}.py").write_text(HELPER)
    path = tmp_path / f"advpure_{i}.py"
    path.write_text(PROOF.format(n=n, t=t, imports=f"from numpy import exp as EXP\nimport {helper} as H\nTABLE = (1, 2, 3)",
                                 top=top.format(helper=helper),
                                 body=textwrap.indent(textwrap.dedent(body).strip("\n").replace("HELPER_NAME", helper), "    ")))
    return {c.id: c for c in collect([path]).claims()}["advpure.special"]


@pytest.mark.parametrize("how", list(FOUND))
def test_found_a_counter_hidden_from_the_snapshot_is_not_proved_for_every_t(tmp_path, how):
    body, top = FOUND[how]
    r = check_claim(_claim(tmp_path, body, top))
    assert not r.every_t, r.scope
    st = step_check(_claim(tmp_path, body, top), {"n": 1}, 1, 3)
    assert not st.proved and st.impure is not None, st.reason


@pytest.mark.parametrize("how", ["a name read from builtins", "an attribute set on the sympy module"])
def test_found_is_false_at_t_6(tmp_path, how):
    body, top = FOUND[how]
    r = check_claim(_claim(tmp_path, body, top, n=(1,), t=(6,)))
    assert r.verdict == Verdict.FAILS and r.counterexample.size["t"] == 6, r.scope


@pytest.mark.parametrize("how", list(TELLS))
def test_a_check_that_tells_the_symbolic_model_apart_is_not_proved_for_every_t(tmp_path, how):
    """Was a strict xfail (advpure): fixed in the guard (concrete._engine_object): Python's questions about which
    of the engine's models runs the check (its type, its private attributes, its text, hasattr, getattr with a
    default, dir, vars) are refused on every path, naming the line: an error, never a verdict."""
    r = check_claim(_claim(tmp_path, TELLS[how]))
    assert not r.every_t, r.scope
    assert r.verdict == Verdict.ERROR and "\n" not in r.error and "model" in r.error, (r.verdict, r.error)


@pytest.mark.parametrize("how", list(RESISTED))
def test_resisted_a_counter_the_snapshot_sees(tmp_path, how):
    st = step_check(_claim(tmp_path, RESISTED[how]), {"n": 1}, 1, 3)
    assert not st.proved and st.impure is not None and st.impure[0] in ("the term", "the check"), st.reason


@pytest.mark.parametrize("how", list(PURE))
def test_a_pure_term_is_not_refused(tmp_path, how):
    st = step_check(_claim(tmp_path, PURE[how]), {"n": 1}, 1, 3)
    assert st.proved and st.impure is None, st.reason


@pytest.mark.parametrize("how", list(GUARDED))
def test_a_counter_on_the_models_insides_is_refused_by_the_guard(tmp_path, how):
    r = check_claim(_claim(tmp_path, GUARDED[how]))
    assert r.verdict == Verdict.ERROR and not r.every_t and "\n" not in r.error, (r.verdict, r.error)
