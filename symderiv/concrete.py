"""Python that depends on a claim's value is refused, on every path, naming the check's line.

A proof file's check is Python, and several interpreters run it: the symbolic
model (SymPy expressions), F_p (random field elements), the induction (a
symbolic step index), the prove phase (real variables), free variables and the
kernel's exact model (rationals and dual numbers). Python's own control flow
cannot be interpreted by any of them: ``if x == 1:`` is structurally False on a
SymPy symbol, True or False on a rational, and hashing the step index
(``k in {5}``) never compares at all. Each interpreter would take a branch of
its own, and the check would mean different things on different paths.

So, as JAX refuses to branch on a tracer (``ConcretizationTypeError``), a
check may not ask Python about a claim value. The proof file (and every helper
module beside it) is compiled through :class:`_Rewriter`, which routes, in that
code only, the operations that ask Python for an answer through this module:

* ``==`` and ``!=`` with a claim value on either side (``<``, ``<=``, ``>``,
  ``>=`` stay: on claim values they build relations, which are claims);
* ``in`` / ``not in`` with a claim value as element or as container;
* truth tests: ``if``, ``while``, ``… if … else …``, ``and``, ``or``, ``not``,
  ``assert`` and comprehension filters;
* a claim value as a key: ``d[v]``, ``{v: …}``, ``{v}``, ``d.get(v)``,
  ``d.setdefault(v)``, ``s.add(v)``, ``xs.index(v)`` and their kin on a plain
  Python container;
* the builtins that concretize: ``int``, ``float``, ``complex``, ``bool``,
  ``hash``, ``round``, ``range``, ``len`` of a value, ``max``, ``min``,
  ``sorted``, ``set``, ``frozenset``, ``dict.fromkeys`` and ``divmod``; under any
  name (``I = int``, ``builtins.round``: every other call goes through
  :meth:`_Guard.call`, which knows them by identity), and when handed to a call
  that would apply them where the rewrite cannot see (``map(bool, xs)``,
  ``reduce(max, xs)``, ``np.array(xs, dtype=float)``) with claim values among
  its arguments (or the items of a plain list, tuple, set or dict argument);
* C code that hashes what it is given: a ``functools.lru_cache``/``cache``
  function, a ``collections.Counter``, ``dict(pairs)`` and its subclasses, called from user code with claim
  values; a tuple holding a claim value used as a key, set element or ``hash`` argument;
* a question asked through a callable the rewrite does not see as one: a container's method taken as an object
  (``g = {0: 1}.get``, ``dict.get(d, v)``, ``map(d.get, xs)``), the ``operator`` module's functions under any
  name, ``attrgetter``/``methodcaller``, a value's dunder called through its class, ``itertools.groupby``;
  SymPy's printers, orderings and structure (``srepr``, ``latex``, ``ordered``, ``solve``, ``Poly``,
  ``preorder_traversal``, ``FiniteSet``, ``.func``, ``.args``, ``.is_Number``, private attributes);
  a ``functools.singledispatch`` function; numpy's comparisons of object arrays;
* slices and tuple indices: ``xs[v:]``, ``a[v, 0]`` (their bounds are asked as an index).

Questions that C code or the standard library asks *for* user code, out of any rewrite's sight, are refused by
the values' own classes when the caller is user code (:func:`compared_for_user`): a SymPy relation's truth,
an expression's ``float``/``int``/``index``, its text (``print(v, file=…)``, logging, ``pickle``), and, while a
check runs on symbolic values (:func:`watching`), its truth and hash (``itertools.compress``, ``ChainMap`` and
dict-view lookups); the backends' values refuse the same (:func:`guard_value_text`).

A claim value is anything the claim language hands a check: a SymPy expression
or matrix of the claim's variables (its free symbols) or of an abstract σ, and
any backend value whose class says so with ``__symderiv_value__ = True`` (F_p nodes, the kernel's dual numbers, the
induction's symbolic index). What the rewrite cannot see (C code that hashes a
value, e.g. ``functools.lru_cache`` of a check's helper) is covered by the
backend types themselves: their ``__hash__`` refuses a caller in user code
(:func:`asked_from_user`).

Sizes (``m.n``, ``m.t`` at a fixed size, ``v.rows``) are plain integers: Python
may branch on them freely, and every path sees the same ones.
"""
from __future__ import annotations

import ast
import copy
import builtins
from contextlib import contextmanager
import operator as _operator
import importlib.machinery
import importlib.util
import sys
from typing import NoReturn

from sympy import Basic
from sympy.core.function import AppliedUndef
from sympy.matrices import MatrixBase

from .errors import SymderivError

MARK = "__symderiv_user__"     # a module global: this module is a proof file or a helper beside one
GUARD = "__symderiv_guard__"   # the module global the rewritten code calls


class ConcretizationError(SymderivError):
    """A check asked Python for an answer that depends on a claim value (refused on every path)."""


class UndefinedAtPoint(ValueError):
    """At the point being evaluated, the check took √ (a fractional power) of a negative number or the log of a
    number ≤ 0: the claim has no real value there, so the point is no counterexample and confirms nothing (the
    search skips it, the kernel draws another or refuses a certificate there). Raised before SymPy can simplify
    the root or log away (√x·√x → x, exp(log a) → a), which would give the point a value it does not have."""


def _point_value(x):
    """The real number ``x`` stands for at a point (a SymPy number, or a kernel value inside SymPy), else None."""
    v = getattr(x, "__symderiv_point__", None)
    if v is not None:
        return v
    if isinstance(x, Basic) and x.is_number and x.is_extended_real:
        return x
    return None


def _check_domain(fn_name: str, x) -> None:
    v = _point_value(x)
    if v is None:
        return
    if (fn_name == "log" and not v > 0) or (fn_name == "root" and v < 0):
        raise UndefinedAtPoint(f"{'log' if fn_name == 'log' else '√'} of {v}, which has no real value")
    # the inverse trigonometric and hyperbolic functions off their real domains (asin 2, acosh 0 are complex;
    # atanh ±1 is infinite): there the check has no real value either (advpsatz: sin(asin x) ≤ 1 was refuted at x = 2)
    if (fn_name in ("asin", "acos") and not -1 <= v <= 1) or (fn_name == "acosh" and not v >= 1) or \
            (fn_name == "atanh" and not -1 < v < 1) or (fn_name == "acoth" and not abs(v) > 1) or \
            (fn_name in ("asec", "acsc") and not abs(v) >= 1):
        raise UndefinedAtPoint(f"{fn_name} of {v}, which has no real value")


def is_value(x) -> bool:
    """Is ``x`` a value of the claim language (whose answers Python cannot give)?"""
    if getattr(x, "__symderiv_value__", False):  # a class attribute, or a property (the index: symbolic or not)
        return True
    # a SymPy constant (no variable, no abstract function: 2, √2, Matrix([8, 6])) is the same number on
    # every path, so Python may ask about it; anything of the claim's variables or of σ is a claim value
    return isinstance(x, (Basic, MatrixBase)) and bool(x.free_symbols or x.has(AppliedUndef))


#: code objects of checks rewritten outside a proof file (:func:`guard_check`): their frames are user code too
_GUARDED_CODE: set = set()


def _is_user(frame) -> bool:
    return bool(frame.f_globals.get(MARK)) or frame.f_code in _GUARDED_CODE


def user_frame():
    """The innermost frame of user code (a proof file or its helper) on the stack, or None."""
    f = sys._getframe(1)
    while f is not None:
        if _is_user(f):
            return f
        f = f.f_back
    return None


def asked_from_user(depth: int = 1) -> bool:
    """Is the caller ``depth`` frames up user code itself (not symderiv or a library acting for it)?"""
    f = sys._getframe(depth + 1)
    while f is not None and f.f_code.co_filename == __file__:
        f = f.f_back  # the guard a user's call goes through (_Guard.call) stands for the user
    return f is not None and _is_user(f)


def compared_for_user(depth: int = 1) -> bool:
    """Is the caller ``depth`` frames up user code, or the standard library acting for it (``heapq``, ``bisect``,
    ``statistics``: their comparisons are the user's question, asked where the rewrite cannot see)? C code called
    from user code (``sorted``'s key, ``list.sort``) has no frame: its comparison's caller is the user's frame."""
    f = sys._getframe(depth + 1)
    while f is not None and not _is_user(f) and (f.f_code.co_filename == __file__ or (lambda top: (
            top in sys.stdlib_module_names or top in _ACTING_LIBRARIES))(
            str(f.f_globals.get("__name__", "")).partition(".")[0])):
        f = f.f_back
    return f is not None and _is_user(f)


#: libraries whose Python code, called from user code, asks its questions for the user (as the standard library)
_ACTING_LIBRARIES = frozenset({"numpy"})


#: a frame's code: 0 a library's (its hashes are its own), 1 user code or code that may act for it
_CODE_KINDS: dict = {}


def _for_user(depth: int = 1) -> bool:
    """:func:`compared_for_user`, answered at once (a dict lookup) for a caller in a library's code: the guards
    installed on SymPy's classes run on every call SymPy makes itself."""
    f = sys._getframe(depth + 1)
    k = _CODE_KINDS.get(f.f_code)
    if k is None:
        k = _CODE_KINDS[f.f_code] = _code_kind(f)
    return bool(k) and compared_for_user(depth + 1)


def _code_kind(f) -> int:
    if _is_user(f) or f.f_code.co_filename == __file__:
        return 1
    return int(str(f.f_globals.get("__name__", "")).partition(".")[0] in sys.stdlib_module_names | _ACTING_LIBRARIES)


def _where(frame) -> str:
    if frame is None:
        return "the check"
    name = frame.f_code.co_filename.rsplit("/", 1)[-1]
    return f"{name}:{frame.f_lineno}"


def user_traceback(e: BaseException) -> str:
    """Where an exception passed through user code: "raise2.py:5 in helper ← raise2.py:12 in two" (innermost
    first), or '' when it never did; the user's own frames, not symderiv's or SymPy's."""
    frames = []
    tb = e.__traceback__
    while tb is not None:
        f = tb.tb_frame
        if _is_user(f):
            frames.append(f"{f.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno} in {f.f_code.co_name}")
        tb = tb.tb_next
    return " ← ".join(reversed(frames))


_SHOWING: list = []  # inside :func:`_show`: the guard's own text of a value (its __str__ is not the user's)


class _Watched:
    """A context manager entered inside :func:`watching`: one that swallows what the body raised is refused."""

    __slots__ = ("_cm",)

    def __init__(self, cm):
        self._cm = cm

    def __enter__(self):
        return self._cm.__enter__()

    def __exit__(self, et, ev, tb):
        swallowed = self._cm.__exit__(et, ev, tb)
        if swallowed and et is not None and _WATCHING and not issubclass(et, (ConcretizationError,
                                                                              *_ENVIRONMENT_ERRORS)):
            _refuse_here(f"a context manager ({type(self._cm).__name__}) swallowed {et.__name__} while the check "
                         f"ran on claim values: whether Python raises depends on the claim value; write it without "
                         f"the manager")
        return swallowed


def _refuse_here(what: str) -> NoReturn:
    """Refuse a statement of the user's (not a question about one value), naming the user's line."""
    err = ConcretizationError(f"{_where(user_frame())}: {what}")
    for seen in _WATCHING:
        seen.append(err)
    raise err


def _show(x) -> str:
    _SHOWING.append(x)
    try:
        s = str(x)
    finally:
        _SHOWING.pop()
    return s if len(s) <= 40 else s[:37] + "…"


_WATCHING: list[list] = []  # one list per open :func:`watching`: the refusals made inside it


@contextmanager
def watching():
    """Around a run of a check on symbolic values (the prove phase's symbols, the step index, a traced size):
    a refusal the check caught (``try: … except Exception:``) is raised again when the run ends. Only the
    symbolic run refuses what a concrete run answers, so a caught refusal would give the two runs two meanings."""
    seen: list = []
    if not _WATCHING:
        _window(True)
    _WATCHING.append(seen)
    try:
        yield
    finally:
        _WATCHING.remove(seen)
        if not _WATCHING:
            _window(False)
    if seen:
        raise seen[0]


#: what to write instead, where the question has a claim-language form of its own
_INSTEAD = {"range()": "a sum or product over steps is total(term, shape, lo=…, hi=…) or product(factor, lo, hi, "
                       "order=…, size=…), which every path reads at a symbolic t too (a Python loop over range(t) "
                       "is read at the sizes only)"}


#: guards on SymPy's hottest dunders (hash, truth), installed only while a check runs on symbolic values (inside
#: :func:`watching`): SymPy calls them millions of times deciding a claim, where no user code can ask anything
_WINDOWED: list = []  # (class, name, guarded function, the class's own attribute before, or _MISSING)
_MISSING = object()


def _window(open_: bool) -> None:
    for cls, name, guarded, before in _WINDOWED:
        if open_:
            setattr(cls, name, guarded)
        elif before is _MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, before)


def _windowed(cls, name: str, guarded) -> None:
    guarded.__symderiv_guarded__ = True
    _WINDOWED.append((cls, name, guarded, vars(cls).get(name, _MISSING)))
    if _WATCHING:
        setattr(cls, name, guarded)


def refuse(what: str, value) -> NoReturn:
    """Raise the one error for Python asked about a claim value, naming the user's line."""
    where = _where(user_frame())
    kind = getattr(value, "__symderiv_what__", None)  # a value that says what it is (a traced size)
    instead = _INSTEAD.get(what, "write it in the claim language (rel/assume, maximum/minimum, piecewise "
                                 "functions) or branch on sizes only")
    if _engine_object(value) and not is_value(value):
        err = ConcretizationError(
            f"{where}: {what} of the model the check is given: which of the engine's models runs the check "
            f"(symbolic, F_p, induction, the kernel's exact one, …) is not the claim's, and Python's answer differs "
            f"by path (every path reads a check alike, so none guesses); read the model through its protocol only "
            f"(m.h, m.at, m.d, m.W_R, m.n, …)")
    else:
        err = ConcretizationError(
            f"{where}: {what} of the claim value {_show(value)}{f' ({kind})' if kind else ''}: Python cannot "
            f"decide it for every value "
            f"(every path reads a check alike, so none guesses); {instead}")
    for seen in _WATCHING:
        seen.append(err)
    raise err


def _install_relational_truth():
    """A comparison of claim values that Python makes itself, out of the rewrite's sight (``sorted`` with a key,
    ``min``/``max`` with a key, ``list.sort``, ``heapq``, ``bisect``, ``functools.cmp_to_key``, ``statistics``),
    ends in the truth of a SymPy relation, which SymPy answers with a TypeError on symbols and Python answers on
    numbers: two meanings. Asked for the user (:func:`compared_for_user`), it is refused as every other question;
    SymPy's own questions (its internals catch the TypeError) keep their answer."""
    from sympy.core.relational import Relational

    plain = Relational.__bool__
    if getattr(plain, "__symderiv_guarded__", False):
        return

    def truth(self):
        if is_value(self) and compared_for_user():
            refuse("a comparison Python makes itself (a key= function, list.sort, heapq, bisect, …) of", self)
        return plain(self)

    truth.__symderiv_guarded__ = True
    Relational.__bool__ = truth

    # float(x), complex(x), int(x) asked in C (math.isclose, math.sqrt, struct, array): a TypeError on a symbol, a
    # number at a point. Numbers have their own conversions; an expression of symbols reaches Expr's
    from sympy.core.expr import Expr

    for name in ("__float__", "__complex__", "__int__"):
        _guard_conversion(Expr, name)

    # the truth of an expression of symbols asked in C (itertools.compress, takewhile, numpy's count_nonzero): Python
    # says True on a symbol (no __bool__), a number says False at 0; and its text, asked by print to a file, logging,
    # str.join of it: a symbol's name on one path, a number's digits on another (numbers keep their own __bool__)
    from sympy.core.basic import Basic as _Basic
    from sympy.logic.boolalg import Boolean

    for cls in (Expr, Boolean):
        if "__bool__" not in vars(cls):
            _guard_truth(cls, windowed=True)
    for name in ("__str__", "__repr__", "__format__", "__reduce_ex__"):  # pickle.dumps(v): its bytes, as its text
        _guard_text(_Basic, name)
    # a hash taken for the user out of the rewrite's sight (ChainMap/UserDict/MappingProxyType lookups, dict views'
    # set operations, map(d.get, iterator)): a symbol's hash finds no key 0 where the number 0 finds it. SymPy's own
    # hashing (its caches, its args) is asked from SymPy's frames and keeps its answer
    plain_hash = _Basic.__hash__
    if not getattr(plain_hash, "__symderiv_guarded__", False):
        getframe, kinds = sys._getframe, _CODE_KINDS

        def hashed(self):
            code = getframe(1).f_code  # SymPy hashes constantly: its own frames are told apart by a dict lookup
            k = kinds.get(code)
            if k is None:
                k = kinds[code] = _code_kind(getframe(1))
            if k and compared_for_user() and is_value(self):
                refuse("a hash Python takes itself (a lookup in C or the standard library: ChainMap, a dict view's "
                       "&, map(d.get, …))", self)
            return plain_hash(self)

        _windowed(_Basic, "__hash__", hashed)
    # an index asked in C ('ab' * v, itertools.repeat(1, v), xs[v:]): a TypeError on a symbol (caught, the check
    # takes its except branch), a number at an integer point; refused, as int(v)
    if "__index__" not in vars(Expr):
        def index(self):
            if _for_user() and is_value(self):
                refuse("an index Python asks itself (a repeat count, a slice bound, …)", self)
            raise TypeError(f"'{type(self).__name__}' object cannot be interpreted as an integer")

        index.__symderiv_guarded__ = True
        Expr.__index__ = index


def _guard_conversion(cls, name: str):
    plain = getattr(cls, name)

    def converted(self):
        if is_value(self) and compared_for_user():  # √2 is the same number on every path: math.log(√2) stays
            refuse(f"a conversion Python makes itself ({name}: math, struct, …) of", self)
        return plain(self)

    converted.__symderiv_guarded__ = True
    setattr(cls, name, converted)


def _guard_truth(cls, windowed: bool = False):
    def truth(self):
        if _for_user() and is_value(self):
            refuse("a truth test Python makes itself (itertools, numpy, filter in C, …)", self)
        return True  # what Python says of an object with no __bool__ and no __len__

    if windowed:
        _windowed(cls, "__bool__", truth)
        return
    truth.__symderiv_guarded__ = True
    cls.__bool__ = truth


def _guard_text(cls, name: str):
    plain = getattr(cls, name)

    def text(self, *args):
        if not _SHOWING and _for_user() and is_value(self):
            refuse(f"the text ({name}: print to a file, logging, str.join, …)", self)
        return plain(self, *args)

    text.__symderiv_guarded__ = True
    setattr(cls, name, text)


def guard_value_text(*roots):
    """A backend's value classes (and their subclasses defined so far): their text (``__str__``, ``__repr__``,
    ``__format__``) and pickling, asked by C or the standard library for user code (``print(v, file=…)``,
    logging, ``pickle.dumps``), is refused as SymPy's is: on another path the same check sees a symbol's name or a
    number's digits; so is their truth, when they have no ``__bool__`` of their own. Call it once the module has
    defined its classes."""
    stack = list(roots)
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if getattr(cls, "__bool__", None) is None and getattr(cls, "__len__", None) is None:
            _guard_truth(cls)  # itertools.compress([1], [v]): True (no __bool__) here, refused on SymPy's values
        for name in ("__str__", "__repr__", "__format__", "__reduce_ex__"):
            plain = getattr(cls, name)
            if getattr(plain, "__symderiv_guarded__", False) and name not in vars(cls):
                continue  # inherited from a class guarded already
            if getattr(plain, "__symderiv_guarded__", False):
                continue
            _guard_text(cls, name)


_install_relational_truth()


# ----- what the rewritten code calls ---------------------------------------------

_EQ_OPS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b}


class _Guard:
    """The namespace rewritten code calls (one instance, bound as a module global)."""

    @staticmethod
    def eq(op, a, b):
        if is_value(a) or is_value(b):
            if _decidable_index(a, b):
                return _EQ_OPS[op](a, b)
            refuse(f"'{op}'", a if is_value(a) else b)
        for side in (a, b):  # [x] == [0]: the items' == is asked in C (SymPy's structural equality on a symbol)
            x = _held_value(side)
            if x is not None:
                refuse(f"'{op}' of containers holding", x)
        return _EQ_OPS[op](a, b)

    @staticmethod
    def contains(negate, a, b):
        if is_value(a):
            refuse("'in' (a lookup)", a)
        if is_value(b):
            refuse("'in' on a container", b)
        for side in (a, b):  # 0 in [x], [0] in [[x]]: the items compared in C
            x = _held_value(side)
            if x is not None:
                refuse("'in' with containers holding", x)
        r = a in b
        return not r if negate else r

    @staticmethod
    def truth(x):
        if is_value(x):
            refuse("a truth test (if/while/and/or/not)", x)
        return x

    @staticmethod
    def key(x):
        if is_value(x):
            refuse("use as a key or set element", x)
        held = _hashed_value(x)  # {(x, 1)}, {(x,): 1}: the tuple's hash and == are its items'
        if held is not None:
            refuse("use as a key or set element of a tuple holding", held)
        return x

    @staticmethod
    def make_slice(lower, upper, step):
        """``xs[a:b]`` as ``xs[slice(a, b)]``, so that its bounds are seen (a symbol has no __index__)."""
        return slice(lower, upper, step)

    @staticmethod
    def subscript(container, k):
        return container[_Guard.index(container, k)]

    @staticmethod
    def index(container, k):
        if not is_value(container):
            for part in _index_parts(k):  # xs[v], xs[v:], a[v, 0], {(0, 0): 1}[v, 0]
                if is_value(part):
                    refuse("indexing a Python container by", part)
        return k

    @staticmethod
    def method(obj, name, /, *args, **kw):
        bound = getattr(obj, name)
        if name in _DUNDER_ASKS and is_value(obj):
            refuse(f"'.{name}()'", obj)
        if isinstance(obj, Basic) and not isinstance(obj, MatrixBase) and is_value(obj) and name in _KEYED_METHODS:
            refuse(f"'.{name}()' of a SymPy container (it compares with SymPy's ==)", obj)  # Tuple(v).count(0)
        if name in _DUNDER_ASKS:  # int.__eq__(1, v): the question asked through the type
            for a in (*args, *kw.values()):
                if is_value(a):
                    refuse(f"'.{name}(…)' with", a)
        if (isinstance(obj, _PLAIN) and not is_value(obj)) or (isinstance(obj, type) and issubclass(obj, _PLAIN)) or \
                (obj is _operator and name in _OPERATOR_ASKS):
            for a in (*args, *kw.values()):  # '{}'.format(v) and '{x}'.format(x=v) too: the text differs by path
                for x in _values_in(a):
                    refuse(f"'{'operator' if obj is _operator else ''}.{name}(…)' with", x)
        return bound(*args, **kw)

    @staticmethod
    def modulo(left, right):
        """``'%s' % v``: the text of a claim value differs by path (as an f-string)."""
        if isinstance(left, (str, bytes)):
            for x in _values_in(right):
                refuse("'%' formatting of", x)
        return left % right

    @staticmethod
    def identical(negate, left, right):
        """``a is b``: whether a claim value is one object differs by path (1 is 1 at a number, an index is not);
        ``v is None`` is the same on every path."""
        for a, b in ((left, right), (right, left)):
            if is_value(a) and b is not None:
                refuse("'is' on", a)
        return (left is not right) if negate else (left is right)

    @staticmethod
    def attribute(obj, name):
        """``x.is_zero``, ``x.equals``: SymPy's questions about a value, asked of a claim value. A read of a value's
        symbolic structure (``xreplace``, ``subs``, ``has``, …) is refused on every SymPy value: on the kernel's
        exact model a model value is a plain number, no claim value to tell apart from a constant, and substituting
        into it there means something else than on the symbolic model (a forged certificate found that meaning)."""
        if _private(name):  # v._hashable_content(), v.__reduce__(), v._args: SymPy's insides, another on each path
            if name not in _ARITHMETIC_DUNDERS and (is_value(obj) or _engine_object(obj)):
                refuse(f"'.{name}' (a private attribute)", obj)
            return getattr(obj, name)
        if name in _TYPE_READS and hasattr(type(obj), "shape"):
            return getattr(obj, name)  # a matrix's own method (A.exp()), not a question of a scalar's kind
        if is_value(obj) or (name in _STRUCTURAL and isinstance(obj, (Basic, MatrixBase))) or (
                name in _MATRIX_JUDGMENTS and isinstance(obj, MatrixBase)):
            refuse(f"'.{name}'", obj)
        return getattr(obj, name)

    @staticmethod
    def power(base, exponent):
        """``a ** b``: at a point, a fractional power of a negative number has no real value (UndefinedAtPoint)."""
        if isinstance(exponent, Basic) and exponent.is_Rational and not exponent.is_Integer:
            _check_domain("root", base)
        elif isinstance(exponent, float) and not exponent.is_integer():
            _check_domain("root", base)
        return base ** exponent

    @staticmethod
    def caught(exc):
        """An exception the check catches while it runs on symbolic values (inside :func:`watching`): SymPy raises
        on a symbol where a number passes (``sp.Integer(x)``, ``x.round()``, ``fractions.Fraction(x)``), or the
        other way, so the except branch is taken on one path and not on another. Refused, as a question: the
        check may not branch on what its values make Python raise. What the world raises (a missing file, a module
        that is not installed: :data:`_ENVIRONMENT_ERRORS`) is the same on every path and may be caught."""
        if _WATCHING and not isinstance(exc, (ConcretizationError, *_ENVIRONMENT_ERRORS)):
            where = _where(user_frame())
            err = ConcretizationError(
                f"{where}: an exception ({type(exc).__name__}: {_show(exc)}) caught by the check while it runs on "
                f"claim values: whether Python raises depends on the claim value (a symbol raises where a number "
                f"does not), so the except branch cannot mean the same on every path; write it without try/except")
            for seen in _WATCHING:
                seen.append(err)
            raise err from exc
        return exc

    @staticmethod
    def trying(*caught):
        """Before ``try: … except E:`` in a check (and a ``finally`` that jumps out, which swallows whatever was
        raised): inside :func:`watching`, a clause that can catch more than the world's errors is refused when the
        try is entered, whether or not anything is raised there. Python raises on a symbol where a number passes
        (``sp.Integer(x)``) and on a number where a symbol passes (``x.name``): the second kind raises only in a
        run at a point, which nothing watches, so the question is refused where the symbolic run meets it."""
        if not _WATCHING:
            return
        flat = []
        for c in caught:
            flat.extend(c if isinstance(c, tuple) else (c,))
        for c in flat:
            if not (isinstance(c, type) and issubclass(c, _ENVIRONMENT_ERRORS)):
                name = "everything" if c is None else getattr(c, "__name__", _show(c))
                _refuse_here(f"a try that catches {name} in a check that runs on claim values: whether Python "
                             f"raises can depend on the claim value (a symbol raises where a number does not, or "
                             f"the other way), so the except branch cannot mean the same on every path; write it "
                             f"without try/except (the world's errors, OSError and ImportError, may be caught)")

    @staticmethod
    def managed(cm):
        """``with cm:`` in a check: inside :func:`watching`, a context manager that can swallow an exception is an
        except clause by another name (:meth:`trying`), refused on entry: ``contextlib.suppress`` and
        ``ExitStack`` (and their subclasses), and a manager whose ``__exit__`` is user code that may return a true
        value. Any other manager is watched on its way out: one that swallows what the symbolic run raised is
        refused there."""
        if not _WATCHING:
            return cm
        exit_ = getattr(type(cm), "__exit__", None)
        user = getattr(exit_, "__globals__", {}).get(MARK) or getattr(exit_, "__code__", None) in _GUARDED_CODE
        if isinstance(cm, _SWALLOWING) or (user and not getattr(exit_, "__symderiv_never_swallows__", False)):
            _refuse_here(f"a context manager ({type(cm).__name__}) that can swallow an exception, in a check that "
                         f"runs on claim values: whether Python raises can depend on the claim value, so what it "
                         f"swallows cannot mean the same on every path; write it without the manager")
        return _Watched(cm)

    @staticmethod
    def never_swallows(fn):
        """A user ``__exit__`` whose every return is None or False (the rewrite read it): it swallows nothing."""
        fn.__symderiv_never_swallows__ = True
        return fn

    @staticmethod
    def matched(subject):
        """``match v:`` compares (and isinstance-tests) its subject: a claim value is refused."""
        if is_value(subject):
            refuse("a match statement on", subject)
        return subject

    @staticmethod
    def formatted(value):
        """``f"{v}"``: the text of a claim value differs by path (a symbol, a rational, a field element)."""
        if is_value(value):
            refuse("formatting (an f-string)", value)
        return value

    @staticmethod
    def call(fn, /, *args, **kw):
        """Any other call in user code: Python's concretizing builtins are refused on claim values whatever name
        they go by, and when passed to a call that would apply them to claim values."""
        name = _BUILTIN_NAMES.get(id(fn))
        if name is not None and fn is getattr(builtins, name, None):
            return _Guard.builtin(fn, name, *args, **kw)
        domain = _DOMAIN_FUNCTIONS.get(id(fn))
        if domain is not None and args:  # √ and log at a point where they have no real value: no value there
            _check_domain(domain, args[0])
        _check_power_call(fn, args)
        kind = type(fn)  # checked by type first: this runs on every call of user code
        if kind is _types.FunctionType and fn.__code__ not in _GUARDED_CODE and _foreign(fn):
            fn = guard_check(fn)  # a helper of a check made outside a proof file: rewritten as the check was
        elif kind is _types.MethodType and type(fn.__func__) is _types.FunctionType and \
                fn.__func__.__code__ not in _GUARDED_CODE and _foreign(fn.__func__):
            fn = guard_check(fn)
        if args and any(_passed_helper(a) for a in args):  # a helper passed on (an entry function to applyfunc,
            # which symderiv calls, not user code): rewritten as a helper the check calls is, so that what it asks
            # of a value is asked of the guard too (tests/test_adversarial_advfptrig.py)
            args = tuple(guard_check(a) if _passed_helper(a) else a for a in args)
        if kind in _ASKING_CALL_TYPES or (kind is type and fn in _ASKING_CALL_CLASSES):
            _asked_by_call(fn, kind, args, kw)
        elif kind in _FUNCTION_TYPES:
            _asked_by_function(fn, args, kw)
        elif isinstance(fn, type) and fn.__name__ in _SYMPY_ASKING_FUNCTIONS and fn.__module__.startswith("sympy"):
            x = _any_value(args, kw)  # Poly(v), preorder_traversal(v): the structure of a value
            if x is not None:
                refuse(f"{fn.__name__}() (it reads the structure of its argument)", x)
        if getattr(fn, "__name__", None) in _NUMPY_ASKS and "numpy" in str(getattr(fn, "__module__", None) or
                                                                            getattr(type(fn), "__module__", "")):
            x = _any_value(args, kw)
            if x is not None:
                refuse(f"numpy.{fn.__name__}() (it compares or tests its items in C)", x)
        elif getattr(fn, "__name__", None) in _NUMPY_INFERS and kw.get("dtype") is not object and "numpy" in str(
                getattr(fn, "__module__", None) or getattr(type(fn), "__module__", "")):
            x = _any_value(args, kw)  # np.array([k]): an int64 array at a concrete step, an object array at k
            if x is not None:
                refuse(f"numpy.{fn.__name__}() without dtype=object (its dtype is the type of its items)", x)
        if fn in _SERIALIZERS:
            x = _any_value(args, kw)  # json.dumps(k, default=…): an int's text, or what default makes of a value
            if x is not None:
                refuse(f"{fn.__module__}.{fn.__name__}() (the text of its argument)", x)
        if kind is type and issubclass(fn, dict) and not issubclass(fn, _HASHING_TYPES) and args:
            # dict(pairs), OrderedDict(zip(…)), defaultdict(f, pairs): their keys are hashed (an iterator is read
            # here once, as the constructor would)
            args = tuple(a if isinstance(a, (dict, list, tuple, str, bytes)) or not hasattr(a, "__next__")
                         else list(a) for a in args)
            for a in args:
                for x in _dict_keys_in(a):
                    refuse(f"{fn.__name__}() (it hashes its keys)", x)
        if kind in _CACHE_TYPES or (kind is type and issubclass(fn, _HASHING_TYPES)):
            for a in (*args, *kw.values()):  # C code that hashes its arguments: a cache, a counter
                for x in (*_values_in(a), *_keys_in(a)):
                    refuse(f"{getattr(fn, '__name__', 'a cache')}() (it hashes its arguments)", x)
        if fn is _GETSIZEOF:  # an object's size in memory: a symbol's, an int's, a kernel value's differ
            x = _any_value(args, kw)
            if x is not None:
                refuse("sys.getsizeof() (the size of a value's object tells its type)", x)
        if fn is _GROUPBY:  # itertools.groupby compares neighbours with == in C
            x = _any_value(args, kw)
            if x is not None:
                refuse("itertools.groupby() (it compares its items with == in C)", x)
        if kind is _PARTIAL:  # functools.partial(operator.eq, 0)(v): the question asked in C
            what = _asking_callable(fn)
            if what:
                x = _any_value((*fn.args, *args), {**fn.keywords, **kw})
                if x is not None:
                    refuse(f"{what} (through functools.partial)", x)
        for a in (*args, *kw.values()):  # map({0: 1}.get, xs), reduce(operator.eq, xs): an asking callable applied in C
            if type(a) in _ASKING_CALL_TYPES or type(a) in _FUNCTION_TYPES or type(a) is _PARTIAL:
                what = _asking_callable(a)
                if what:
                    x = _any_value(args, kw)
                    if x is not None:
                        refuse(f"{what} (through {getattr(fn, '__name__', 'a call')}())", x)
        if _BUILTIN_IDS.isdisjoint(map(id, args)) and (not kw or _BUILTIN_IDS.isdisjoint(map(id, kw.values()))):
            return fn(*args, **kw)
        passed = [a for a in (*args, *kw.values()) if _BUILTIN_NAMES.get(id(a)) and a is getattr(
            builtins, _BUILTIN_NAMES[id(a)], None)]
        if passed:
            for a in (*args, *kw.values()):
                for x in _values_in(a):
                    refuse(f"{_BUILTIN_NAMES[id(passed[0])]}() (through {getattr(fn, '__name__', 'a call')}())", x)
        return fn(*args, **kw)

    @staticmethod
    def builtin(fn, name, /, *args, **kw):
        if fn is not getattr(builtins, name):  # the file's own binding of the name: not Python's builtin
            return fn(*args, **kw)
        if name in _UNREAD:
            refuse(f"{name}() (code that symderiv does not read: it could ask anything)", name)
        if args and name in _MODEL_QUESTIONS and _engine_object(args[0]) and not (
                name == "getattr" and len(args) == 2 and isinstance(args[1], str) and not _private(args[1])):
            # type(m), isinstance(m, …), repr(m), hasattr(m, …), getattr(m, …, default), dir(m), vars(m): which of
            # the engine's models runs the check (symbolic, F_p, induction, the kernel's exact one, …) is not the
            # claim's, and a check that asks can compute one thing on one path and another on the next
            refuse(f"{name}()", args[0])
        if name in _ITERATING:
            args = tuple(list(a) if _iterable_arg(a) else a for a in args)
            for a in args:
                for x in (a if isinstance(a, list) else ()):
                    if is_value(x):
                        refuse(f"{name}() over", x)
        if name == "len":  # a matrix's or a backend value's size is a size; a FiniteSet's follows == of its items
            if args and isinstance(args[0], Basic) and not isinstance(args[0], MatrixBase) and is_value(args[0]):
                refuse("len() of a SymPy container (its items told apart by SymPy's ==)", args[0])
            return fn(*args, **kw)
        if name in ("set", "frozenset", "hash"):  # set([(v, 1)]), hash((v,)): a tuple hashes its items
            for a in args:
                for x in (_hashed_value(a), *(_hashed_value(i) for i in (a if isinstance(a, list) else ()))):
                    if x is not None:
                        refuse(f"{name}() of a tuple holding", x)
        for a in args[:1] if name in _FIRST_ONLY else args:  # isinstance(v, int), str(v): which path?
            if is_value(a):
                refuse(f"{name}()", a)
        return fn(*args, **kw)


def _held_value(obj, depth: int = 6):
    """A claim value held by a plain container (list, tuple, dict, set) or a dataclass instance, looked for
    ``depth`` levels down (None if there is none): comparing such containers compares their items in C."""
    import dataclasses

    if depth <= 0:
        return None
    if isinstance(obj, dict):
        items = (*obj.keys(), *obj.values())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        items = obj
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items = [getattr(obj, f.name, None) for f in dataclasses.fields(obj)]
    elif _is_object_array(obj):  # numpy's object arrays compare their items in C (np.array([v]) == 0)
        items = list(obj.flat)
    else:
        return None
    for x in items:
        if is_value(x):
            return x
        if isinstance(x, (dict, list, tuple, set, frozenset)) or dataclasses.is_dataclass(x) or _is_object_array(x):
            found = _held_value(x, depth - 1)
            if found is not None:
                return found
    return None


def _is_object_array(a) -> bool:
    np = sys.modules.get("numpy")
    return np is not None and isinstance(a, np.ndarray) and a.dtype == object


def _hashed_value(a):
    """The claim value whose hash (and ==) a hashable container's hash asks for: a tuple or frozenset holding one."""
    if is_value(a):
        return a
    if isinstance(a, (tuple, frozenset)):
        return _held_value(a)
    return None


def _keys_in(a):
    """The claim values a constructor that hashes would hash, held in tuples: (v,) in a list, dict keys, pairs."""
    if isinstance(a, dict):
        items = a.keys()
    elif isinstance(a, (list, tuple, set, frozenset)):
        items = a
    else:
        return
    for i in items:
        x = _hashed_value(i)
        if x is not None:
            yield x


def _dict_keys_in(a):
    """The claim values among the keys a dict built from ``a`` would hash (a mapping's keys, pairs' first items)."""
    if isinstance(a, dict):
        keys = list(a.keys())
    elif isinstance(a, (list, tuple)):
        keys = [p[0] for p in a if isinstance(p, (list, tuple)) and len(p) == 2]
    else:
        return
    for k in keys:
        x = _hashed_value(k)
        if x is not None:
            yield x


def _index_parts(k):
    """What Python asks of an index: itself, a slice's bounds, a tuple's items (and theirs)."""
    if isinstance(k, slice):
        return (k.start, k.stop, k.step)
    if isinstance(k, tuple):
        return tuple(p for i in k for p in _index_parts(i))
    return (k,)


def _any_value(args, kw):
    for a in (*args, *kw.values()):
        for x in _values_in(a):
            return x
        x = _held_value(a) if not is_value(a) else None
        if x is not None:
            return x
    return None


def _asked_by_call(fn, kind, args, kw):
    """A question asked through a callable the rewrite does not see as one: a container's method taken as an
    object (``g = {0: 1}.get; g(v)``, ``dict.get(d, v)``), the operator module's functions under any name
    (``from operator import eq``), ``attrgetter``/``methodcaller``/``itemgetter`` (the attribute or method read
    where the rewrite cannot see), a value's own dunder taken as an object (``f = v.__eq__``)."""
    import operator as op

    name = getattr(fn, "__name__", "")
    if kind is type:  # itemgetter(v), attrgetter, methodcaller built with a value: its question comes later
        x = _any_value(args, kw)
        if x is not None:
            refuse(f"operator.{fn.__name__}(…) with", x)
        return
    if kind in (op.attrgetter, op.methodcaller):  # getattr(v, name), v.name(…) out of the rewrite's sight
        x = _any_value(args, kw)
        if x is not None:
            refuse(f"{fn!r} (a read of an attribute, as getattr) of", x)
        return
    if kind is op.itemgetter:
        return
    owner = getattr(fn, "__self__", None)
    if owner is None or isinstance(owner, type) or kind in _DESCRIPTOR_TYPES:
        owner_cls = getattr(fn, "__objclass__", owner if isinstance(owner, type) else None)
        rest = args
    else:
        owner_cls, rest = type(owner), args
        if is_value(owner) and name in _DUNDER_ASKS | {"__getattribute__"}:
            refuse(f"'.{name}' (taken as an object) of", owner)
    module = getattr(owner, "__name__", None) if owner is not None and not isinstance(owner, type) and \
        type(owner).__name__ == "module" else None
    if module in ("_operator", "operator") and name in _OPERATOR_ASKS:
        x = _any_value(args, kw)
        if x is not None:
            refuse(f"operator.{name}(…) with", x)
    elif isinstance(owner_cls, type) and issubclass(owner_cls, _PLAIN) and name in _KEYED_METHODS | _SET_METHODS:
        x = _any_value(rest, kw)
        if x is not None:
            refuse(f"'.{name}(…)' (a container's method taken as an object) with", x)
    elif name in _DUNDER_ASKS | {"__getattribute__", "__getattr__"}:  # int.__eq__(1, v), object.__getattribute__
        x = _any_value(args, kw)
        if x is not None:
            refuse(f"'{name}' (called through its type) of", x)


def _asking_callable(f) -> str | None:
    """Does calling ``f`` on a claim value ask Python a question (when handed to code that calls it in C)?"""
    import operator as op

    if isinstance(f, _PARTIAL):  # functools.partial(operator.eq, 0): the function it calls asks
        return _asking_callable(f.func)
    name = getattr(f, "__name__", "")
    if _BUILTIN_NAMES.get(id(f)) and f is getattr(builtins, _BUILTIN_NAMES[id(f)], None):
        return f"{_BUILTIN_NAMES[id(f)]}()"
    if isinstance(f, (op.attrgetter, op.methodcaller)):
        return repr(f)
    owner = getattr(f, "__self__", None)
    if type(owner).__name__ == "module" and getattr(owner, "__name__", "") in ("_operator", "operator"):
        return f"operator.{name}" if name in _OPERATOR_ASKS else None
    cls = getattr(f, "__objclass__", None) or (type(owner) if owner is not None and not isinstance(owner, type)
                                                else owner)
    if isinstance(cls, type) and issubclass(cls, _PLAIN) and name in _KEYED_METHODS | _SET_METHODS:
        return f"'.{name}'"
    if name in _DUNDER_ASKS or name in ("__getattribute__", "__getattr__"):
        return f"'.{name}'"
    if isinstance(f, _FUNCTION_TYPES) and name in _ASKING_ATTRIBUTES and \
            str(getattr(f, "__module__", "")).startswith("sympy"):
        return f"'.{name}'"
    return None


#: Matrix methods whose formula on symbols divides by column norms (Gram–Schmidt): at a point where a column is 0 or
#: in the span of the columns before it, SymPy's own zero test takes another branch (a zero vector returned as it is,
#: a column skipped) and the call has a value the formula has not. The kernel reads the formula (its "norm ≠ 0" is a
#: premise of its sentence), so at such a point the claim has no value either (UndefinedAtPoint, as √ of a negative
#: number): otherwise a claim false only there was proved (advpsatz's finding: v.normalized() at v = 0)
_GRAM_SCHMIDT = {"normalized", "QRdecomposition", "QRsolve"}


def _check_full_rank(name: str, M) -> None:
    vals = [_point_value(x) for x in M]
    if not vals or any(v is None for v in vals):
        return   # on symbols: SymPy's generic formula, the one the kernel reads
    import sympy as sp

    P = sp.Matrix(M.rows, M.cols, vals)
    if name == "normalized":
        grams = [sum(v ** 2 for v in vals)]
    else:
        grams = [(P[:, :k].T * P[:, :k]).det(method="berkowitz") for k in range(1, P.cols + 1)]
    for g in grams:
        if sp.expand(g) == 0:
            raise UndefinedAtPoint(f"'.{name}' of a matrix whose columns are dependent (a zero norm): SymPy's "
                                   "formula for it has no value there")


#: Matrix methods whose ``method`` argument (keyword, or positional at this index) may choose a pivoting LU
_PIVOTING_METHODS = {"inv": 0, "solve": 1, "inverse": 0}
_PIVOTING = {"LU", "BLOCK"}


def _asked_by_function(fn, args, kw):
    """A Python function that answers a question about a value: a value's dunder called through its class
    (``sp.Basic.__eq__(v, 0)``), SymPy's printers and orderings (``srepr``, ``latex``, ``ordered``: text and order
    differ by path), ``sp.ask``, a ``functools.singledispatch`` function (it dispatches on the value's type)."""
    name = getattr(fn, "__name__", "")
    if isinstance(fn, _types.MethodType) and name in _DUNDER_ASKS and is_value(fn.__self__):
        refuse(f"'.{name}' (taken as an object) of", fn.__self__)  # f = v.__eq__; f(0)
    if isinstance(fn, _types.MethodType) and name in _GRAM_SCHMIDT and isinstance(fn.__self__, MatrixBase):
        _check_full_rank(name, fn.__self__)
    if isinstance(fn, _types.MethodType) and name == "orthogonalize" and (
            isinstance(fn.__self__, MatrixBase) or isinstance(fn.__self__, type) and issubclass(fn.__self__, MatrixBase)):
        # Matrix.orthogonalize(*vectors): Gram–Schmidt that drops a zero or dependent vector at a point
        vecs = [a for a in args if isinstance(a, MatrixBase)]
        if vecs and all(v.shape == vecs[0].shape for v in vecs):
            import sympy as _sp

            _check_full_rank(name, _sp.Matrix.hstack(*[v.reshape(len(v), 1) for v in vecs]))
    bound = isinstance(fn, _types.MethodType) and isinstance(fn.__self__, MatrixBase)
    if name in _PIVOTING_METHODS and (bound or str(getattr(fn, "__module__", "")).startswith("sympy") and args
                                      and isinstance(args[0], MatrixBase)):
        # M.inv(method="LU"), M.solve(b, method="LU"), Matrix.inv(M, "LU"): LUsolve underneath (_MATRIX_JUDGMENTS)
        at = _PIVOTING_METHODS[name] + (0 if bound else 1)
        method = kw.get("method", args[at] if len(args) > at else None)
        if isinstance(method, str) and method.upper() in _PIVOTING:
            refuse(f"'.{name}' (method={method!r}: its pivots are SymPy's zero tests)",
                   fn.__self__ if bound else args[0])
    module = getattr(fn, "__module__", None) or ""
    unbound = not isinstance(fn, _types.MethodType) or isinstance(fn.__self__, type)
    if name in _ASKING_ATTRIBUTES | {"make_args"} and module.startswith("sympy") and args and unbound and (
            is_value(args[0]) or (name in _STRUCTURAL | _MATRIX_JUDGMENTS and isinstance(args[0], (Basic,
                                                                                              MatrixBase)))):
        refuse(f"'.{name}' (called through its class)", args[0])
    asking = type(fn).__name__ == "_PrintFunction" or name in _DUNDER_ASKS | {"__getattribute__", "__getattr__"} or \
        module.startswith(_SYMPY_ASKING_MODULES) or name in _SYMPY_ASKING_FUNCTIONS and module.startswith("sympy") \
        or (hasattr(fn, "registry") and hasattr(fn, "dispatch"))
    if asking:
        x = _any_value(args, kw)
        if x is not None:
            refuse(f"{name}() (it asks about its argument: text, order, type or truth)", x)


def _engine_object(x) -> bool:
    """An object of symderiv's own that a check is handed (the model ``m``, a free-variable namespace, its parts):
    the engine's paths hand different classes with different insides, so Python's questions about which one it is
    (its type, its private attributes, its text) have one answer per path."""
    t = type(x)
    return str(getattr(t, "__module__", "") or "").startswith("symderiv.") and not isinstance(
        x, (type, _types.FunctionType, _types.ModuleType, _types.MethodType))


def _private(name: str) -> bool:
    """A private or dunder attribute (not a class-private ``__x``, which Python mangles where it is written)."""
    return name.startswith("_") and (not name.startswith("__") or name.endswith("__"))


_ARITHMETIC_DUNDERS = {f"__{op}__" for base in ("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "pow",
                                                 "lshift", "rshift", "and", "or", "xor", "divmod")
                       for op in (base, "r" + base, "i" + base)} | {
    "__neg__", "__pos__", "__abs__", "__invert__", "__lt__", "__le__", "__gt__", "__ge__", "__getitem__", "__iter__",
    "__name__", "__doc__", "__qualname__", "__wrapped__", "__call__", "__init__", "__new__", "__symderiv_value__"}


def _decidable_index(a, b) -> bool:
    """The induction's index decides ``==`` itself where the answer is the same at every t (k == k + 0)."""
    return any(getattr(type(x), "__symderiv_index__", False) for x in (a, b))


def _values_in(a):
    """The claim values in an argument: itself, or the items of a plain list/tuple/set/dict (not iterated
    further: a generator would be consumed)."""
    if is_value(a):
        yield a
    elif isinstance(a, (list, tuple, set, frozenset)):
        yield from (x for x in a if is_value(x))
    elif isinstance(a, dict):
        yield from (x for x in a.values() if is_value(x))


def _iterable_arg(a) -> bool:
    return not is_value(a) and not isinstance(a, (str, bytes)) and hasattr(a, "__iter__")


_CONCRETIZING = {"int", "float", "complex", "bool", "hash", "round", "range", "divmod", "max", "min", "len",
                 "sorted", "set", "frozenset", "any", "all", "filter", "isinstance", "type", "id", "str", "repr",
                 "format", "hasattr", "getattr", "eval", "exec", "compile", "dir", "callable", "ascii", "vars"}
_ITERATING = {"max", "min", "sorted", "set", "frozenset", "any", "all", "filter"}
#: the concretizing builtins by identity: caught under any name (I = int) and when handed to other code
_BUILTIN_NAMES = {id(getattr(builtins, n)): n for n in _CONCRETIZING if hasattr(builtins, n)}
_BUILTIN_IDS = frozenset(_BUILTIN_NAMES)
#: SymPy's functions defined on part of the reals only: √ (and real_root/root of even order) and log
_DOMAIN_FUNCTIONS = {id(__import__("sympy").sqrt): "root", id(__import__("sympy").log): "log",
                     **{id(getattr(__import__("sympy"), f)): f for f in ("asin", "acos", "acosh", "atanh", "acoth",
                                                                         "asec", "acsc")}}
#: the other spellings of a power x^e, as (base, exponent) of their arguments: a fractional power of a negative
#: number has no real value there, as for ``**`` (:meth:`_Guard.power`); without this ``sp.Pow(x, 1/2)`` at
#: x = −1 was i, and √(−1)·√(−1) = −1 a "certified counterexample" where ``x**(1/2)`` had no value (advpsatz)
_POWER_CALLS = {id(__import__("sympy").Pow): lambda a: (a[0], a[1]),
                id(builtins.pow): lambda a: (a[0], a[1]),
                id(__import__("sympy").root): lambda a: (a[0], __import__("sympy").Integer(1) / a[1]),
                id(__import__("sympy").real_root): lambda a: (a[0], __import__("sympy").Integer(1) / a[1]),
                id(__import__("sympy").cbrt): lambda a: (a[0], __import__("sympy").Rational(1, 3))}


def _check_power_call(fn, args) -> None:
    spell = _POWER_CALLS.get(id(fn))
    if spell is None and isinstance(fn, _types.MethodType) and getattr(fn, "__name__", "") in ("__pow__", "__rpow__") \
            and args:   # x.__pow__(e), e.__rpow__(x)
        spell = (lambda a, s=fn.__self__: (s, a[0])) if fn.__name__ == "__pow__" else \
            (lambda a, s=fn.__self__: (a[0], s))
    if spell is None or len(args) < (1 if getattr(fn, "__name__", "") in ("__pow__", "__rpow__", "cbrt") else 2):
        return
    try:
        base, exponent = spell(args)
    except Exception:   # noqa: BLE001 (the call itself will say what is wrong with its arguments)
        return
    if fn is __import__("sympy").real_root and isinstance(exponent, Basic) and exponent.is_Rational \
            and exponent.q % 2 == 1:
        return   # real_root(x, n) of odd n is the real root: defined for every real x
    if isinstance(exponent, Basic) and exponent.is_Rational and not exponent.is_Integer:
        _check_domain("root", base)
    elif isinstance(exponent, float) and not exponent.is_integer():
        _check_domain("root", base)


#: the types of functools' caches (lru_cache, cache): calling one hashes its arguments
_CACHE_TYPES = (type(__import__("functools").lru_cache(None)(lambda: 0)),)
#: types whose constructor hashes the items it is given (set and frozenset are caught as builtins)
_HASHING_TYPES = (__import__("collections").Counter, set, frozenset)
import types as _types  # noqa: E402

_PLAIN = (dict, set, frozenset, list, tuple, str, bytes, __import__("collections").deque)
#: exceptions about the world a check reads (a file, a module), the same on every path: a check may catch them
_ENVIRONMENT_ERRORS = (OSError, ImportError, EOFError, StopIteration, StopAsyncIteration, KeyboardInterrupt,
                       SystemExit, GeneratorExit)
_GROUPBY = __import__("itertools").groupby
_GETSIZEOF = __import__("sys").getsizeof
_PARTIAL = __import__("functools").partial
_SWALLOWING = (__import__("contextlib").suppress, __import__("contextlib").ExitStack, __import__("contextlib").AsyncExitStack)
_SET_METHODS = {"update", "union", "intersection", "difference", "symmetric_difference", "issubset", "issuperset",
                "isdisjoint", "intersection_update", "difference_update", "symmetric_difference_update"}
_DESCRIPTOR_TYPES = (_types.MethodDescriptorType, _types.WrapperDescriptorType, _types.ClassMethodDescriptorType)
#: callables that may ask a question out of the rewrite's sight (checked further by :func:`_asked_by_call`)
_ASKING_CALL_TYPES = (_types.BuiltinMethodType, _types.MethodWrapperType, *_DESCRIPTOR_TYPES,
                      __import__("operator").attrgetter, __import__("operator").methodcaller)
_ASKING_CALL_CLASSES = (__import__("operator").attrgetter, __import__("operator").methodcaller,
                        __import__("operator").itemgetter)
_FUNCTION_TYPES = (_types.FunctionType, _types.MethodType, type(__import__("sympy").srepr))
_NUMPY_ASKS = {"isscalar",  # a type test: True on an int, False on the symbolic index or a symbol
               "equal", "not_equal", "array_equal", "array_equiv", "isin", "in1d", "unique", "intersect1d",
               "setdiff1d", "union1d", "setxor1d", "count_nonzero", "nonzero", "flatnonzero", "argwhere",
               "logical_not", "logical_and", "logical_or", "logical_xor", "any", "all", "where", "extract",
               "compress", "select", "sign", "isclose", "allclose"}
#: numpy's constructors that infer a dtype from their items' types (asked with dtype=object they keep the objects)
_NUMPY_INFERS = {"array", "asarray", "asanyarray", "fromiter", "asfarray", "ascontiguousarray", "stack", "hstack",
                 "vstack", "concatenate", "column_stack"}
_SERIALIZERS = (__import__("json").dumps, __import__("json").dump, __import__("marshal").dumps)
_SYMPY_ASKING_MODULES = ("sympy.printing", "sympy.core.sorting", "sympy.assumptions")
_SYMPY_ASKING_FUNCTIONS = {"srepr", "sstr", "sstrrepr", "latex", "pretty", "pprint", "ordered", "default_sort_key",
                           "ask", "mathml", "python", "dotprint",
                           # the structure of a value, or what SymPy finds in it: its zeros, degree, terms, tree
                           "solve", "solveset", "linsolve", "nonlinsolve", "roots", "real_roots", "nroots",
                           "degree", "total_degree", "degree_list", "Poly", "poly", "preorder_traversal",
                           "postorder_traversal", "count_ops", "make_args", "topological_sort", "cse",
                           "sift",
                           # a set or a dict of values: its items told apart by SymPy's == and hash
                           "FiniteSet", "Dict"}
#: builtins that read their caller's frame: never called through the guard
_FRAME_BUILTINS = {"super", "locals", "vars", "globals", "dir"}
#: builtins whose first argument only is the value asked about (the rest: a type, a name, a default)
_FIRST_ONLY = {"isinstance", "type", "id", "str", "repr", "format", "hasattr", "getattr", "dir", "callable", "ascii",
               "vars"}
#: the builtins that ask which object the model is (refused on symderiv's own objects: :func:`_engine_object`)
_MODEL_QUESTIONS = {"isinstance", "type", "str", "repr", "format", "hasattr", "getattr", "dir", "vars", "ascii"}
#: builtins that run code symderiv does not read: refused in a check whatever their arguments
_UNREAD = {"eval", "exec", "compile"}
#: the operator module's functions that ask Python about their arguments
_OPERATOR_ASKS = {"eq", "ne", "not_", "truth", "contains", "countOf", "indexOf", "is_", "is_not", "index",
                  "__eq__", "__ne__", "__not__", "__contains__", "__index__"}
#: methods that ask Python about the value they are called on (x.__eq__(0), x.__bool__())
_DUNDER_ASKS = {"__eq__", "__ne__", "__bool__", "__hash__", "__index__", "__int__", "__float__", "__complex__",
                "__contains__", "__len__", "__format__", "__str__", "__repr__",
                # a type test through the class (type.__instancecheck__(sp.Basic, v), numbers.Integral's): a symbol
                # on one path, a kernel value or an int on another
                "__instancecheck__", "__subclasscheck__"}
_KEYED_METHODS = {"get", "setdefault", "pop", "index", "count", "add", "discard", "remove", "fromkeys",
                  "__getitem__", "__setitem__", "__delitem__",
                  "format", "format_map", "__mod__", "__rmod__"} | _OPERATOR_ASKS | _DUNDER_ASKS
#: SymPy's questions about a value, as attributes: x.is_zero, x.is_positive, …, x.equals(0)
from sympy.core.assumptions import _assume_defined as _ASSUMPTIONS  # noqa: E402

#: a value's symbolic structure: a symbol on the symbolic model is a number on the exact one and an element of F_p
#: on another, so substituting into it or asking what it contains means something else on each path (refused on
#: every SymPy value, claim value or not: the exact model's numbers are not told apart from constants)
_STRUCTURAL = {"xreplace", "subs", "replace", "free_symbols", "atoms", "has", "match", "find", "coeff",
               "as_coefficients_dict", "as_poly", "as_numer_denom", "count_ops"}
#: SymPy's judgments about a matrix's values (a Python bool, int or None, or a structure such as the eigenvalues'
#: multiplicities, decided by SymPy's own zero tests): generic on symbols, another answer at a special point, so a
#: check that branches on one means something else on each path (refused on every SymPy matrix, as the structural
#: reads: on the exact model a matrix of claim values is a matrix of numbers)
_MATRIX_JUDGMENTS = {"rank", "rref", "echelon_form", "is_echelon", "eigenvals", "eigenvects", "is_zero_matrix",
                     "is_upper", "is_lower", "is_symmetric", "is_anti_symmetric", "is_diagonal", "is_hermitian",
                     "is_nilpotent", "is_diagonalizable", "is_positive_definite", "is_positive_semidefinite",
                     "is_negative_definite", "is_negative_semidefinite", "is_indefinite", "is_upper_hessenberg",
                     "is_lower_hessenberg", "is_strongly_diagonally_dominant", "is_weakly_diagonally_dominant",
                     "is_singular", "berkowitz_eigenvals", "singular_values", "condition_number",
                     # a basis, a factorization or an inverse whose shape or formula follows the rank or the pivots
                     # SymPy's zero tests chose: the generic one on symbols, another at a special point (the
                     # pseudo-inverse of a diagonal, finding 3; a nullspace whose length is the rank)
                     "nullspace", "columnspace", "rowspace", "rank_decomposition", "pinv", "LUdecomposition",
                     "LUdecomposition_Simple", "LUdecompositionFF", "jordan_form", "diagonalize", "left_eigenvects",
                     # a solution or an inverse by LU with SymPy's pivots: on symbols the formula divides by the generic
                     # pivot A[0,0], which the kernel then reads as a premise A[0,0] ≠ 0 the claim does not have; at a
                     # point with A[0,0] = 0 the call pivots on another row and has a value (advpsatz's finding)
                     "LUsolve", "inverse_LU", "inverse_BLOCK",
                     # the pseudo-inverse's solutions: the full-rank formula on symbols, another at a singular point
                     "pinv_solve", "solve_least_squares",
                     # its nonzero entries, as SymPy's zero test sees them: all of them on symbols, fewer at a point
                     "values", "iter_values", "iter_items", "todok", "todod", "row_list", "col_list", "nnz",
                     "is_symbolic"}
#: what a value is, as SymPy's structure says (a Symbol on one path, an Integer or a field element on another):
#: its class's flags, its head and arguments, its numerator, its place in SymPy's canonical order
_KIND_READS = {a for a in dir(Basic) if a.startswith("is_") and a[3:4].isupper()} | {
    # SymPy's other judgments of an expression: True on a number, False on a symbol
    "is_comparable", "is_number", "is_symbol", "is_same", "is_algebraic_expr", "is_hypergeometric", "is_meromorphic",
    "is_symbolic",
    "func", "args", "p", "q", "sort_key", "class_key", "compare", "dummy_eq", "could_extract_minus_sign",
    "is_constant", "is_polynomial", "is_rational_function", "as_coeff_Mul", "as_coeff_Add", "as_coeff_mul",
    "as_coeff_add", "as_ordered_terms", "as_ordered_factors", "as_independent", "as_base_exp", "as_powers_dict",
    "as_terms", "as_coefficient", "as_coeff_exponent", "as_content_primitive"}
#: the fields of the backends' values (the kernel's jets and dual numbers: v, d, h, order; its matrices: e, val, tan):
#: a number at the kernel's points, a symbol in its degree run, so a check that reads one computes another claim
#: in the run that bounds the kernel's error than at the points it decides on (a false identity then got a bounded
#: token). Refused on a claim value only (``m.d(…)``, ``v.d(…)`` are the model's and the variables' own)
_BACKEND_FIELDS = {"v", "d", "h", "order", "e", "val", "tan"}
#: attributes only some SymPy scalars have (a Symbol's name, a Rational's numerator, a Pow's base, a function's
#: nargs): reading one of a claim value asks what kind of value it is (tests/test_guard_exceptions.py recomputes
#: the set from SymPy's own objects, so an attribute a new SymPy adds is noticed)
_TYPE_READS = {"as_set", "as_two_terms", "base", "binary_symbols", "ceiling", "cofactors", "denominator", "epsilon_eq",
               "eval", "exp", "extract_leading_order", "factors", "fdiff", "flatten", "floor", "from_coprime_ints",
               "gcd", "identity", "inverse", "lcm", "limit_denominator", "make_args", "name", "nargs", "num",
               "numerator", "to_nnf", "unbranched"}
_ASKING_ATTRIBUTES = _TYPE_READS | {f"is_{a}" for a in _ASSUMPTIONS} | {"equals"} | _STRUCTURAL | _MATRIX_JUDGMENTS | _KIND_READS | {
    # its type: a number at a size, an index or a symbol at a symbolic one
    "__class__", "__dict__", "__module__", "__slots__", "__mro__"} | _BACKEND_FIELDS

GUARD_OBJECT = _Guard()


# ----- the rewrite ---------------------------------------------------------------

def _g(attr: str, node: ast.AST) -> ast.Attribute:
    return ast.copy_location(ast.Attribute(value=ast.Name(id=GUARD, ctx=ast.Load()), attr=attr, ctx=ast.Load()),
                             node)


def _call(attr: str, args: list, node: ast.AST) -> ast.Call:
    return ast.copy_location(ast.Call(func=_g(attr, node), args=args, keywords=[]), node)


class _Rewriter(ast.NodeTransformer):
    """Routes the value-asking operations of user code through :class:`_Guard` (see the module docstring)."""

    def _test(self, node):
        return _call("truth", [node], node) if node is not None else None

    def visit_If(self, node):
        self.generic_visit(node)
        node.test = self._test(node.test)
        return node

    visit_While = visit_If

    def visit_IfExp(self, node):
        self.generic_visit(node)
        node.test = self._test(node.test)
        return node

    def visit_Assert(self, node):
        self.generic_visit(node)
        node.test = self._test(node.test)
        return node

    def visit_comprehension(self, node):
        self.generic_visit(node)
        node.ifs = [self._test(c) for c in node.ifs]
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        # every operand but the last has its truth asked; the value itself is what `and`/`or` return
        node.values = [self._test(v) for v in node.values[:-1]] + [node.values[-1]]
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            node.operand = self._test(node.operand)
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        # a chain a < b < c is asked pairwise: (a < b) and (b < c), each operand evaluated once in order
        pieces, left = [], node.left
        for op, right in zip(node.ops, node.comparators):
            pieces.append(self._one(op, left, right, node))
            left = right
        if len(pieces) == 1:
            return pieces[0]
        if any(isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)) for op in node.ops):
            return ast.copy_location(ast.BoolOp(op=ast.And(), values=[self._test(p) for p in pieces[:-1]]
                                                + [pieces[-1]]), node)
        return node  # a chain of orderings only: relations (or numbers), as written

    def _one(self, op, left, right, node):
        if isinstance(op, (ast.Eq, ast.NotEq)):
            return _call("eq", [ast.Constant("==" if isinstance(op, ast.Eq) else "!="), left, right], node)
        if isinstance(op, (ast.In, ast.NotIn)):
            return _call("contains", [ast.Constant(isinstance(op, ast.NotIn)), left, right], node)
        if isinstance(op, (ast.Is, ast.IsNot)):
            return _call("identical", [ast.Constant(isinstance(op, ast.IsNot)), left, right], node)
        return ast.copy_location(ast.Compare(left=left, ops=[op], comparators=[right]), node)

    def _slice_expr(self, n):
        """A subscript's slice as an expression: ``a:b`` as ``slice(a, b)`` (inside a tuple too), so that the guard
        sees its bounds."""
        if isinstance(n, ast.Slice):
            none = lambda e: e if e is not None else ast.copy_location(ast.Constant(None), n)  # noqa: E731
            return _call("make_slice", [none(n.lower), none(n.upper), none(n.step)], n)
        if isinstance(n, ast.Tuple):
            return ast.copy_location(ast.Tuple(elts=[self._slice_expr(e) for e in n.elts], ctx=ast.Load()), n)
        return n

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if isinstance(node.slice, ast.Constant):
            return node
        node.slice = self._slice_expr(node.slice)
        if isinstance(node.ctx, ast.Load):
            return _call("subscript", [node.value, node.slice], node)
        node.slice = _call("index", [node.value, node.slice], node.slice)  # d[v] = …, del d[v]
        return node

    def visit_Dict(self, node):
        self.generic_visit(node)
        node.keys = [_call("key", [k], k) if k is not None else None for k in node.keys]
        return node

    def visit_Set(self, node):
        self.generic_visit(node)
        node.elts = [_call("key", [e], e) for e in node.elts]
        return node

    def visit_DictComp(self, node):
        self.generic_visit(node)
        node.key = _call("key", [node.key], node.key)
        return node

    def visit_SetComp(self, node):
        self.generic_visit(node)
        node.elt = _call("key", [node.elt], node.elt)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):  # a fractional power of a negative number has no real value
            return _call("power", [node.left, node.right], node)
        if isinstance(node.op, ast.Mod):  # '%s' % v: text of a claim value (a number's % is unchanged)
            return _call("modulo", [node.left, node.right], node)
        return node

    def visit_ExceptHandler(self, node):
        """``except E:`` in a check: the handler first tells the guard what it caught (:meth:`_Guard.caught`)."""
        self.generic_visit(node)
        if node.name is None:
            node.name = "__symderiv_caught__"
        note = ast.copy_location(ast.Expr(value=_call("caught", [ast.copy_location(
            ast.Name(id=node.name, ctx=ast.Load()), node)], node)), node)
        node.body = [note] + node.body
        return node

    def visit_Try(self, node):
        """``try`` with except clauses, or a ``finally`` that jumps out: :meth:`_Guard.trying` first, with what
        its clauses catch (None: everything)."""
        self.generic_visit(node)
        caught = [copy.deepcopy(h.type) if h.type is not None else ast.Constant(None) for h in node.handlers]
        if _jumps_out(node.finalbody):
            caught.append(ast.Constant(None))
        if not caught:
            return node
        at = dict(lineno=node.lineno, col_offset=node.col_offset, end_lineno=node.lineno,
                  end_col_offset=node.col_offset + 3)  # the try's own line, where the refusal points
        for c in caught:
            for sub in ast.walk(c):
                if hasattr(sub, "lineno"):
                    sub.lineno = sub.end_lineno = node.lineno
                    sub.col_offset, sub.end_col_offset = at["col_offset"], at["end_col_offset"]
        call = ast.Call(func=ast.Attribute(value=ast.Name(id=GUARD, ctx=ast.Load(), **at), attr="trying",
                                           ctx=ast.Load(), **at), args=caught, keywords=[], **at)
        return [ast.Expr(value=call, **at), node]

    visit_TryStar = visit_Try

    def visit_With(self, node):
        self.generic_visit(node)
        for item in node.items:
            item.context_expr = _call("managed", [item.context_expr], item.context_expr)
        return node

    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        if node.name in ("__exit__", "__aexit__") and all(
                r.value is None or (isinstance(r.value, ast.Constant) and r.value.value in (None, False))
                for r in _own(node.body, ast.Return)):
            node.decorator_list.append(_g("never_swallows", node))
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Match(self, node):
        self.generic_visit(node)
        node.subject = _call("matched", [node.subject], node.subject)
        return node

    def visit_FormattedValue(self, node):
        self.generic_visit(node)
        node.value = _call("formatted", [node.value], node.value)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load) and (node.attr in _ASKING_ATTRIBUTES or _private(node.attr)):
            return _call("attribute", [node.value, ast.Constant(node.attr)], node)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Name) and f.id in _CONCRETIZING:
            return ast.copy_location(ast.Call(func=_g("builtin", node), args=[f, ast.Constant(f.id)] + node.args,
                                              keywords=node.keywords), node)
        if isinstance(f, ast.Attribute) and f.attr in _KEYED_METHODS:
            return ast.copy_location(ast.Call(func=_g("method", node), args=[f.value, ast.Constant(f.attr)]
                                              + node.args, keywords=node.keywords), node)
        if isinstance(f, ast.Name) and f.id in _FRAME_BUILTINS:
            return node  # super(), locals(), vars(): they read the calling frame, which must stay the user's
        # any other call: a concretizing builtin under another name (I = int; builtins.round), or handed to code
        # that applies it where the rewrite cannot see (map(bool, xs), reduce(max, xs), dtype=float)
        return ast.copy_location(ast.Call(func=_g("call", node), args=[f] + node.args, keywords=node.keywords),
                                 node)


def _own(stmts, kind, loops: bool = True):
    """The ``kind`` nodes of these statements, not inside a nested function or class (nor, with ``loops`` false,
    inside a nested loop: a break there is the loop's own)."""
    todo = list(stmts)
    while todo:
        n = todo.pop()
        if isinstance(n, kind):
            yield n
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if not loops and isinstance(n, (ast.For, ast.AsyncFor, ast.While)):
            todo.extend(n.orelse)
            continue
        todo.extend(ast.iter_child_nodes(n))


def _jumps_out(finalbody) -> bool:
    """A ``finally`` that returns, breaks or continues swallows the exception in flight."""
    return any(True for _ in _own(finalbody, ast.Return)) or any(
        True for _ in _own(finalbody, (ast.Break, ast.Continue), loops=False))


def compile_user(source: str | bytes, filename: str):
    """Compile a proof file (or a helper module beside one) with its value-asking operations guarded."""
    tree = ast.parse(source, filename=filename)
    tree = ast.fix_missing_locations(_Rewriter().visit(tree))
    return compile(tree, filename, "exec", dont_inherit=True)


def guard_check(fn):
    """A check made outside a proof file (``Claim(check=…)`` in a test module, a notebook's file), rewritten
    like a proof file's: the same function (globals, closure, defaults) compiled from its source through
    :class:`_Rewriter`. A check that is already user code, or whose source cannot be read (built by ``exec``,
    not a Python function), is returned as it is: the backends' own values still refuse to be asked.
    """
    import functools
    import types

    if isinstance(fn, types.MethodType):  # a bound method: its function, bound again
        inner = guard_check(fn.__func__)
        return fn if inner is fn.__func__ else types.MethodType(inner, fn.__self__)
    if isinstance(fn, functools.partial):
        inner = guard_check(fn.func)
        return fn if inner is fn.func else functools.partial(inner, *fn.args, **fn.keywords)
    if not isinstance(fn, (types.FunctionType, type)) and isinstance(getattr(type(fn), "__call__", None),
                                                                      types.FunctionType):
        inner = guard_check(type(fn).__call__)  # a callable object: its __call__, bound to it
        return fn if inner is type(fn).__call__ else types.MethodType(inner, fn)
    if not isinstance(fn, types.FunctionType) or fn.__globals__.get(MARK) or fn.__code__ in _GUARDED_CODE:
        return fn
    if fn.__code__ not in _REWRITTEN:
        _REWRITTEN[fn.__code__] = _rewritten_code(fn)
    body_code = _REWRITTEN[fn.__code__]
    if body_code is None:
        return fn
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    new = types.FunctionType(body_code, fn.__globals__, fn.__name__, fn.__defaults__,
                             tuple(cells[v] for v in body_code.co_freevars))
    new.__kwdefaults__, new.__qualname__, new.__module__ = fn.__kwdefaults__, fn.__qualname__, fn.__module__
    new.__doc__ = fn.__doc__
    fn.__globals__.setdefault(GUARD, GUARD_OBJECT)
    return new


_FOREIGN_FILES: dict = {}


def _passed_helper(a) -> bool:
    """A function of user code (or a callable object whose class's __call__ is one) passed as an argument, not yet
    rewritten: :meth:`_Guard.call` rewrites it (:func:`guard_check`) as it does a helper the check calls."""
    if type(a) is _types.FunctionType:
        return a.__code__ not in _GUARDED_CODE and _foreign(a)
    if isinstance(a, (type, _types.MethodType, _types.BuiltinFunctionType)) or not callable(a):
        return False
    call = getattr(type(a), "__call__", None)
    return type(call) is _types.FunctionType and call.__code__ not in _GUARDED_CODE and _foreign(call)


def _foreign(fn) -> bool:
    """A function of user code that no proof file's compile rewrote: defined in a file outside symderiv, the
    standard library and the installed packages (a test module, a script, a module beside neither), which a check
    made outside a proof file calls. Rewritten when the guard first sees it called (:func:`guard_check`), so what
    the check asks through its helpers is asked of the guard too."""
    if fn.__globals__.get(MARK):
        return False
    file = fn.__code__.co_filename
    known = _FOREIGN_FILES.get(file)
    if known is None:
        import os
        import sysconfig

        path = os.path.realpath(file) if not file.startswith("<") else ""
        library = {os.path.realpath(p) for p in (sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib",
                                                                                    "purelib", "platlib"))}
        library |= {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        library.add(os.path.dirname(os.path.realpath(__file__)))
        known = _FOREIGN_FILES[file] = bool(path) and os.path.isfile(path) and not any(
            path.startswith(d.rstrip(os.sep) + os.sep) for d in library)
    return known


#: a function's code → its rewritten code (None: no source, or not compilable alone); compiled once per code
_REWRITTEN: dict = {}


def _rewritten_code(fn):
    """The code of ``fn`` compiled again from its source through :class:`_Rewriter` (its free variables kept)."""
    import types

    node = _source_node(fn)
    if node is None:
        return None
    node = __import__("copy").deepcopy(node)  # the file's parsed tree is shared: the rewrite changes its copy
    inner = "__symderiv_check__"
    if isinstance(node, ast.Lambda):
        body = [ast.copy_location(ast.Return(value=node.body), node.body)]
        fdef = ast.FunctionDef(name=inner, args=node.args, body=body, decorator_list=[], returns=None,
                               type_params=[])
    else:
        fdef = ast.FunctionDef(name=inner, args=node.args, body=node.body, decorator_list=[], returns=None,
                               type_params=[])
    ast.copy_location(fdef, node)
    free = fn.__code__.co_freevars
    outer = ast.FunctionDef(
        name="__symderiv_outer__", args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[],
                                                      defaults=[]),
        body=[ast.Assign(targets=[ast.Name(id=v, ctx=ast.Store())], value=ast.Constant(None)) for v in free]
        + [fdef, ast.Return(value=ast.Name(id=inner, ctx=ast.Load()))], decorator_list=[], returns=None,
        type_params=[])
    tree = ast.Module(body=[_Rewriter().visit(outer)], type_ignores=[])
    ast.copy_location(outer, node)
    try:
        code = compile(ast.fix_missing_locations(tree), fn.__code__.co_filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, TypeError):
        return None
    outer_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    body_code = next(c for c in outer_code.co_consts if isinstance(c, types.CodeType) and c.co_name == inner)
    if not set(body_code.co_freevars) <= set(free):
        return None
    body_code = body_code.replace(co_name=fn.__code__.co_name, co_qualname=fn.__code__.co_qualname)
    stack = [body_code]
    while stack:
        c = stack.pop()
        _GUARDED_CODE.add(c)
        stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return body_code


def _source_node(fn):
    """The def or lambda ``fn`` was compiled from, in its file's syntax tree (None: not found, or not one)."""
    import linecache

    file, first = fn.__code__.co_filename, fn.__code__.co_firstlineno
    text = "".join(linecache.getlines(file))
    if not text:
        return None
    try:
        tree = _parsed(file, text)
    except SyntaxError:
        return None
    names = [a for a in fn.__code__.co_varnames[:fn.__code__.co_argcount + fn.__code__.co_kwonlyargcount]]
    found = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Lambda) and fn.__code__.co_name == "<lambda>" and n.lineno == first:
            found.append(n)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == fn.__code__.co_name and \
                min([n.lineno] + [d.lineno for d in n.decorator_list]) == first:
            found.append(n)
    found = [n for n in found if [a.arg for a in (*n.args.posonlyargs, *n.args.args, *n.args.kwonlyargs)] == names]
    if len(found) > 1 and all(isinstance(n, ast.Lambda) for n in found):
        # several lambdas of the same arguments on one line (a dict of entry functions): the one whose span holds
        # every position of fn's code, the innermost (advabsdec: left unrewritten, `v != 7/11` went unguarded)
        spots = [(a, c, b, d) for a, b, c, d in fn.__code__.co_positions()
                 if None not in (a, b, c, d) and (a, b, c, d) != (first, first, 0, 0)]
        found = [n for n in found if all((n.lineno, n.col_offset) <= (a, c) and (b, d) <= (n.end_lineno,
                                                                                      n.end_col_offset)
                                         for a, c, b, d in spots)]
        found = sorted(found, key=lambda n: (n.end_lineno - n.lineno, n.end_col_offset - n.col_offset))[:1]
    return found[0] if len(found) == 1 and not isinstance(found[0], ast.AsyncFunctionDef) else None


_PARSED: dict = {}


def _parsed(file: str, text: str) -> ast.Module:
    key = (file, hash(text))
    if key not in _PARSED:
        _PARSED[key] = ast.parse(text, filename=file)
    return _PARSED[key]


def prepare(namespace: dict) -> None:
    """Mark a module's globals as user code and give the rewritten code its guard."""
    namespace[MARK] = True
    namespace[GUARD] = GUARD_OBJECT


class UserLoader(importlib.machinery.SourceFileLoader):
    """Loads a proof file or a helper beside it through :func:`compile_user` (never from, or into, a .pyc)."""

    def get_code(self, fullname):
        return compile_user(self.get_data(self.path), self.path)

    def exec_module(self, module):
        prepare(module.__dict__)
        super().exec_module(module)


class UserFinder:
    """While a proof file is imported: a module found in its folder (a helper) is user code too."""

    def __init__(self, folder: str):
        self.folder = folder

    def find_spec(self, name, path=None, target=None):
        import os

        inside = lambda p: os.path.abspath(p).startswith(os.path.abspath(self.folder) + os.sep)  # noqa: E731
        if path is not None and not all(inside(p) for p in path):  # a submodule of a package elsewhere
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, [self.folder] if path is None else path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        # a helper module, or a package (and its submodules) in a folder beside the proof file
        return importlib.util.spec_from_file_location(name, spec.origin, loader=UserLoader(name, spec.origin),
                                                      submodule_search_locations=spec.submodule_search_locations)
