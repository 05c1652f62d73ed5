"""A check's step callables must be pure for an induction to speak for t past the kernel's reading (issue 19).

The induction (:mod:`symderiv.induction`, :mod:`symderiv.formal`) reads a check at a symbolic step index: the
term of a ``total``, the factor of a ``product``, a cell's step, an ``every_step`` family, and the check itself
are called at a symbolic t or a generic k, a few times each. That reading is the check's at every t only if what
those callables compute depends on their arguments alone. A term that counts its calls (a closure counter,
``len()`` of a list it appends to, ``itertools.count``, module state) never asks Python anything about k, so the
guard (:mod:`symderiv.concrete`) sees nothing, and its 6th call is not its call at step 6.

So each such call is made through :func:`call`: the state the callable can reach is snapshot before and after
(:func:`snapshot`), and a difference refuses the induction (:class:`Impure`, an :class:`~.formal.Unsupported`,
so the claim keeps its verdict at the sizes shown, with no `for every t`, and the engine looks past the sweep).
What it reaches: its closure's cells, its defaults, the globals its code (and the code nested in it) names, and
the names it reads from builtins, recursively through the user functions, classes (their bases and metaclass) and
objects found there (a proof file's or its helpers', or code outside the libraries:
:func:`symderiv.concrete._foreign`), containers, a user object's own ``__dict__`` (read past its class: a
``__dict__`` the class answers itself hides state) and slots (read from the class's member descriptors), a mutable
SymPy matrix's entries, a numpy array's bytes, a partial's and a bound method's parts and own attributes, and a
module's ``__getattr__``. Every namespace not walked whole (a library's, SymPy's, symderiv's and a user module,
class, function or object, the model ``m``) is asked for every name the user code reads (``sp.CNT``, ``m._cnt``,
``sp.Function("F").cnt``, ``random.random`` a method of a hidden ``Random``, a library cache's ``cache_info``);
names reach a fixed point (a name read by a function met late in the walk is asked again of all). Where the code
reaches names it does not spell (``getattr``, ``globals()``, ``vars``, ``__dict__``, ``exec``, ``__reduce_ex__``:
:data:`_REFLECTIVE`), every entry: in full in a user namespace, as plain data elsewhere (:meth:`_Walk.plain`).
Cycles are followed once. State Python does not show counts as a change: an iterator or generator, a
``random.Random``, a file, any object of a C type this module does not know to be transparent (or of a class
deriving from one), code that reaches objects by no name (the gc's lists, frames, ctypes, trace hooks:
:data:`_OPAQUE`), and a snapshot past :data:`LIMIT` nodes.

Not walked (their state is trusted, or is none): symderiv's own objects and SymPy's values past the attributes
the code names (the model's internal caches; SymPy expressions are immutable), a library's own exported callables
(``np.sum``'s dispatcher, ``np.exp``'s ufunc), and the state a library keeps inside its own functions or C objects
(a library function's closure); where the code reaches names it does not spell, a library's objects past one
level (identity only).
"""
from __future__ import annotations

import array
import collections
import decimal
import enum
import fractions
import functools
import re
import sys
import types

from .formal import Unsupported

#: the most nodes one snapshot takes; a larger reach counts as a change (refused, never a guess)
LIMIT = 20000


class Impure(Unsupported):
    """A step callable keeps state between its calls: the induction cannot read it at a symbolic index.

    ``what`` names the callable ("the term", "the cell's step", …), ``line`` its first line (0 if it has none),
    ``path`` where its state changed or is hidden ("cnt[0]", "g"), ``hidden`` whether that state cannot be seen."""

    def __init__(self, what: str, line: int, path: str, detail: str, hidden: bool):
        at = f" at line {line}" if line else ""
        super().__init__(f"{what}{at} keeps state between its calls ({detail})")
        self.what, self.line, self.path, self.hidden = what, line, path, hidden
        self._made = (what, line, path, detail, hidden)

    def __reduce__(self):
        return type(self), self._made


class _Hidden(Exception):
    """State Python does not show was reached (or the snapshot outgrew :data:`LIMIT`)."""

    def __init__(self, what: str, path: str):
        super().__init__(what)
        self.what, self.path = what, path


_ATOMS = (type(None), bool, int, float, complex, str, bytes, fractions.Fraction, decimal.Decimal, range, slice,
          type(Ellipsis), type(NotImplemented), re.Pattern, types.CodeType)
_SEQUENCES = (list, tuple, collections.deque)
_SETS = (set, frozenset)
#: C types whose instances show all their state to Python (as the walk reads it)
_TRANSPARENT_C = frozenset({object, list, tuple, dict, set, frozenset, collections.deque, collections.OrderedDict,
                            collections.defaultdict, int, float, complex, str, bytes, bytearray, BaseException,
                            Exception, types.SimpleNamespace})
_TRUSTED_TOP = frozenset({"symderiv", "sympy", "symengine", "mpmath", "flint", "gmpy2"})


def _top(module_name) -> str:
    return str(module_name or "").partition(".")[0]


def _user_function(fn) -> bool:
    from .concrete import _GUARDED_CODE, MARK, _foreign

    return bool(fn.__globals__.get(MARK)) or fn.__code__ in _GUARDED_CODE or _foreign(fn)


_USER_CLASS: dict = {}


def _user_class(c: type) -> bool:
    known = _USER_CLASS.get(c)
    if known is None:
        from .concrete import MARK

        module = sys.modules.get(getattr(c, "__module__", None) or "")
        known = _top(getattr(c, "__module__", "")) not in _TRUSTED_TOP and (
            bool(module is not None and vars(module).get(MARK)) or any(
                isinstance(f, types.FunctionType) and _user_function(f)
                for f in (getattr(v, "__func__", v) for v in vars(c).values())))
        _USER_CLASS[c] = known
    return known


def _hidden_base(c: type) -> type | None:
    """The first C type in ``c``'s MRO whose instances keep state Python does not show, else None."""
    for b in c.__mro__:
        if b not in _TRANSPARENT_C and _is_c_type(b):
            return b
    return None


_C_DESCRIPTORS = (types.MethodDescriptorType, types.WrapperDescriptorType, types.ClassMethodDescriptorType)


def _is_c_type(b: type) -> bool:
    """Is ``b`` a type made in C (static, or a heap type from a spec, as ``_random.Random``), not by a ``class``
    statement? A class statement makes Python functions; C code makes method and slot descriptors, and getset
    descriptors beyond ``__dict__`` and ``__weakref__``."""
    if not b.__flags__ & (1 << 9):  # Py_TPFLAGS_HEAPTYPE unset: a static C type
        return True
    return any(isinstance(v, _C_DESCRIPTORS) or (isinstance(v, types.GetSetDescriptorType)
                                                 and k not in ("__dict__", "__weakref__"))
               for k, v in vars(b).items())


_CODE_NAMES: dict = {}


def _code_names(code) -> tuple[frozenset, frozenset]:
    """(the names, the names and attribute names) ``code`` and the code nested in it use (cached per code object).
    A proof file's rewritten code reads an attribute through the guard, its name a string constant
    (``H._N`` → ``guard.attribute(H, "_N")``, ``m._cnt`` → ``guard.attribute(m, "_cnt")``), so identifier-like string
    constants count as attribute names."""
    got = _CODE_NAMES.get(code)
    if got is None:
        names, attrs, todo = set(), set(), [code]
        while todo:
            c = todo.pop()
            names.update(c.co_names)
            attrs.update(k for k in c.co_consts if isinstance(k, str) and k.isidentifier())
            todo += [k for k in c.co_consts if isinstance(k, types.CodeType)]
        got = _CODE_NAMES[code] = (frozenset(names), frozenset(names | attrs))
    return got


class _Walk:
    def __init__(self, attrs=frozenset()):
        self.out: list = []
        self.paths: list = []
        self.keep: list = []       # objects whose identity is recorded: kept alive so an id is never reused
        self.seen: dict = {}       # id → the node's index (cycles, shared objects)
        self.attrs: set = set(attrs)  # the names user code uses (a library's objects are asked for those only)

    @property
    def wide(self) -> bool:
        """Does user code reach names it does not spell (getattr, globals(), vars(), __dict__, …)?"""
        return not self.attrs.isdisjoint(_REFLECTIVE)

    def named(self, d, path: str, skip=frozenset(), user: bool = False) -> None:
        """The entries of a namespace not walked whole (a library's module, class or object, symderiv's, SymPy's)
        that user code names: the state a check sets there (``sp.CNT``, ``m._cnt``, ``F.cnt``) is its own. Where
        user code reaches names it does not spell (:attr:`wide`), the others too: in full in a ``user`` namespace
        (a proof file's globals), else as plain data (:meth:`plain`: ``getattr(sp, "CN" + "T")``)."""
        keys = sorted(k for k in d if isinstance(k, str) and not k.startswith("__") and k not in skip)
        wide = self.wide
        for name in keys:
            spelled = name in self.attrs
            if not (spelled or wide):
                continue
            x = d[name]
            if _library_callable(x):
                continue
            self.emit(("attr", name), path)
            if spelled or user:
                self.value(x, f"{path}.{name}")
            else:
                self.plain(x, f"{path}.{name}")

    def plain(self, v, path: str) -> None:
        """An entry a check may reach by a name it does not spell, in a namespace not the user's: its value if an
        atom, its items if a plain container, the user's object in full, any other object by identity (a library's
        objects: sys.flags, a module, a file, are the library's)."""
        t = type(v)
        if t in _ATOMS:
            self.value(v, path)
            return
        if t in (list, tuple, dict, set, frozenset, collections.deque):
            i = id(v)
            if i in self.seen:
                self.emit(("ref", self.seen[i]), path)
                return
            self.seen[i] = len(self.out)
            self.keep.append(v)
            self.emit((t, len(v)), path)
            for j, x in enumerate(list(v.items()) if t is dict else list(v)):
                self.plain(x, f"{path}[{j}]")
            return
        if (isinstance(v, types.FunctionType) and _user_function(v)) or (isinstance(v, type) and _user_class(v)) or \
                (not isinstance(v, type) and _user_class(t)):
            self.value(v, path)
            return
        self.ident(v, path)

    def emit(self, token, path):
        self.out.append(token)
        self.paths.append(path)
        if len(self.out) > LIMIT:
            raise _Hidden(f"more state than a snapshot takes ({LIMIT} nodes)", path)

    def ident(self, v, path):
        self.keep.append(v)
        self.emit(("id", id(v)), path)

    def value(self, v, path: str):
        t = type(v)
        if t in _ATOMS or isinstance(v, (enum.Enum,)):
            self.emit((t, v) if t is not float or v == v else (t, "nan"), path)
            return
        i = id(v)
        if i in self.seen:
            self.emit(("ref", self.seen[i]), path)
            return
        self.seen[i] = len(self.out)
        self.keep.append(v)
        mod = _top(getattr(t, "__module__", ""))
        if isinstance(v, types.ModuleType):
            self.module(v, path)
        elif isinstance(v, types.FunctionType):
            self.function(v, path)
        elif isinstance(v, type):
            self.cls(v, path)
        elif isinstance(v, types.MethodType):
            self.emit(("method",), path)
            self.value(v.__func__, path)
            self.value(v.__self__, path)
        elif isinstance(v, types.BuiltinFunctionType):  # a C function, or a C method bound to its object
            self.ident(v, path)
            owner = getattr(v, "__self__", None)
            if owner is not None and not isinstance(owner, (types.ModuleType, type)):
                self.value(owner, path)
        elif isinstance(v, functools.partial):
            self.emit(("partial",), path)
            self.value(v.func, path)
            self.value(v.args, path)
            self.value(v.keywords, path)
            self.value(_own_dict(v), f"{path}'s attributes")  # c = partial(g); c.n += 1 in g
        elif isinstance(v, (staticmethod, classmethod)):
            self.value(v.__func__, path)
            self.value(_own_dict(v), f"{path}'s attributes")
        elif isinstance(v, property):
            for f in (v.fget, v.fset, v.fdel):
                self.value(f, path)
        elif isinstance(v, types.CellType):
            try:
                self.value(v.cell_contents, path)
            except ValueError:
                self.emit(("empty",), path)
        elif mod == "symderiv" and _is_model(v):
            self.ident(v, path)  # the model m: symderiv's own state is trusted, not what a check sets on it
            own = _MODEL_OWN | set(vars(v.params))
            walked = set()
            for k, x in list(vars(v).items()):
                if not k.startswith("_") and k not in own:
                    walked.add(k)
                    self.emit(("attr", k), path)
                    self.value(x, f"{path}.{k}")
            self.named(vars(v), path, skip=walked)  # m._cnt, and m.params, m.f (whose attributes a check names)
        elif mod in _TRUSTED_TOP and not _mutable_matrix(v):
            self.ident(v, path)  # symderiv's own objects (trusted), SymPy's values (immutable)
            d = _own_dict(v)
            if d:
                self.named(d, path)  # but what a check sets on one (an ImmutableMatrix's attribute)
            self.value(t, path)  # or on its class (sp.S.cnt = 0 sets SingletonRegistry.cnt)
        elif isinstance(v, functools._lru_cache_wrapper) and _exported(v):
            self.ident(v, path)  # a library's cached function (fnmatch._compile_pattern): its cache is its own,
            if self.wide or "cache_info" in self.attrs:  # but its hit count is a counter a check can read
                self.emit(("cache", tuple(v.cache_info())), path)
        elif callable(v) and _exported(v):
            self.ident(v, path)  # a library's own callable (np.sum's C dispatcher, np.exp's ufunc)
            d = _own_dict(v)
            if d:
                self.named(d, path)
        elif _mutable_matrix(v):
            self.emit(("matrix", v.shape), path)
            for e in v:
                self.ident(e, path)
        elif mod == "numpy" and hasattr(v, "dtype") and hasattr(v, "shape"):
            self.array(v, path)
        elif isinstance(v, dict):
            self.emit((t, len(v)), path)
            if isinstance(v, collections.defaultdict):
                self.value(v.default_factory, path)
            for k, x in list(v.items()):
                self.value(k, path)
                self.value(x, f"{path}[{_short(k)}]")
            self.state(v, path, t)
        elif isinstance(v, _SEQUENCES):
            self.emit((t, len(v)), path)
            for j, x in enumerate(list(v)):
                self.value(x, f"{path}[{j}]")
            self.state(v, path, t)
        elif isinstance(v, _SETS):
            self.emit((t, len(v)), path)
            for x in list(v):
                self.value(x, path)
            self.state(v, path, t)
        elif isinstance(v, (bytearray, array.array)):
            self.emit((t, bytes(v)), path)
        else:
            self.state(v, path, t)

    def state(self, v, path: str, t: type) -> None:
        """An object's own state: its ``__dict__`` and slots; a C type that hides state is a change."""
        hidden = _hidden_base(t)
        if hidden is not None:
            raise _Hidden(f"{_kind(v)}, whose state Python does not show", path)
        self.emit(("object", id(t)), path)
        self.keep.append(t)
        if t.__module__ != "builtins":
            self.value(t, path)  # its class (a library's: the attributes a check names)
        if not _plain_dict(t):  # a class that answers __dict__ itself (a property returning {}) hides its own
            raise _Hidden(f"{_kind(v)}, whose __dict__ is not its instance dict", path)
        d = _own_dict(v)
        if isinstance(d, dict):
            for k, x in list(d.items()):
                self.emit(("attr", k), path)
                self.value(x, f"{path}.{k}")
        for c in t.__mro__:
            # the slots the class has (its member descriptors), not what its __slots__ says (S.__slots__ = () lies)
            for s, member in list(vars(c).items()):
                if not isinstance(member, types.MemberDescriptorType) or s in ("__dict__", "__weakref__"):
                    continue
                self.emit(("slot", s), path)
                try:
                    x = member.__get__(v, t)
                except AttributeError:
                    self.emit(("unset",), path)
                    continue
                self.value(x, f"{path}.{s}")

    def array(self, a, path: str) -> None:
        import numpy as np

        if not isinstance(a, np.ndarray):
            self.emit(("np", a.dtype.str, repr(a)), path)  # a numpy scalar: immutable
            return
        if a.dtype.kind == "O":
            self.emit(("ndarray", "O", a.shape), path)
            for j, x in enumerate(a.ravel().tolist()):
                self.value(x, f"{path}[{j}]")
            return
        if a.nbytes > 8 * LIMIT:
            raise _Hidden(f"a numpy array larger than a snapshot takes ({a.nbytes} bytes)", path)
        self.emit(("ndarray", a.dtype.str, a.shape, a.tobytes()), path)

    def function(self, fn, path: str) -> None:
        if not _user_function(fn):
            self.ident(fn, path)  # a library's function: its state is its own (not walked)
            if fn.__dict__:  # but not what a check sets on it, nor its cache's hit count (_nP.cache_info())
                self.named(fn.__dict__, f"{fn.__name__}")
            return
        self.emit(("function", fn.__code__), path)
        globals_, names = _code_names(fn.__code__)
        self.attrs |= names
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
            self.value(cell, name)
        self.value(fn.__defaults__, f"{fn.__name__}'s defaults")
        self.value(fn.__kwdefaults__, f"{fn.__name__}'s defaults")
        if fn.__dict__:
            self.value(fn.__dict__, f"{fn.__name__}'s attributes")
        g = fn.__globals__
        for name in sorted(globals_):
            if name in g and not name.startswith("__"):
                self.emit(("global", name), name)
                self.value(g[name], name)
        builtins_ = g.get("__builtins__")
        builtins_ = vars(builtins_) if isinstance(builtins_, types.ModuleType) else builtins_
        if isinstance(builtins_, dict):  # a name the code reads from builtins (builtins.HIDDEN = [0] at import)
            self.named({k: x for k, x in builtins_.items() if k in globals_ and k not in g}, "builtins")
        for name in sorted(globals_):  # a module the code imports itself (def c(k): import helper; helper.N += 1)
            if name not in g and isinstance(sys.modules.get(name), types.ModuleType):
                self.emit(("import", name), name)
                self.value(sys.modules[name], name)
        if self.wide:  # globals()[name], getattr(sys.modules[__name__], name), exec: any global at all
            self.named(g, fn.__module__ or "its module", user=True)
            if isinstance(builtins_, dict):
                self.named(builtins_, "builtins")

    def cls(self, c: type, path: str) -> None:
        for b in c.__bases__:  # type(self).__base__.n += 1
            if b is not object:
                self.value(b, path)
        if type(c) is not type:  # its metaclass (type(C).n += 1)
            self.value(type(c), path)
        if not _user_class(c):
            self.ident(c, path)
            self.named(dict(vars(c)), c.__qualname__)  # what a check sets on it (sp.Function("F").cnt)
            return
        self.emit(("class", c.__qualname__), path)
        for k, x in list(vars(c).items()):
            if isinstance(x, types.MemberDescriptorType) or (k == "__dict__" and _plain_dict(c)):
                continue  # a slot (its value is the instance's: state) or the instance dict's descriptor
            if k in ("__dict__", "__weakref__", "__doc__", "__module__", "__qualname__", "__annotations__",
                     "__dataclass_fields__", "__dataclass_params__", "__match_args__", "__slots__"):
                continue
            self.emit(("attr", k), path)
            self.value(x, f"{c.__qualname__}.{k}")

    def module(self, mod, path: str) -> None:
        from .concrete import MARK

        self.emit(("module", mod.__name__), path)
        d = vars(mod)
        # a library's (math.sin, np.diag's C dispatcher: the library's; random.random, a method of a hidden Random,
        # walked), SymPy's or symderiv's (sp.CNT = [0] is the check's state), a proof file's or a helper's (H.tick())
        self.named(d, mod.__name__, user=bool(d.get(MARK)))
        if "__getattr__" in d:  # H.anything answered by the module's __getattr__ (PEP 562): what it reaches
            self.emit(("attr", "__getattr__"), path)
            self.value(d["__getattr__"], f"{mod.__name__}.__getattr__")


#: what the induction's model sets on itself (induction.InductionModel.__init__); the parameters bound by name too
_MODEL_OWN = frozenset({"cell", "n", "m", "layout", "activation", "loss", "t", "f", "params"})


def _is_model(v) -> bool:
    from .induction import InductionModel

    return isinstance(v, InductionModel)


#: names by which code reaches a namespace's entries without spelling them: where user code uses one, every
#: namespace not walked whole is walked whole (a larger reach, so more refusals; never a counter missed)
_REFLECTIVE = frozenset({"getattr", "setattr", "delattr", "globals", "vars", "locals", "__dict__", "__globals__",
                         "__builtins__", "exec", "eval", "compile", "__import__", "import_module", "attrgetter",
                         "getattr_static", "__getattribute__", "__setattr__", "__getattr__", "f_globals",
                         "__reduce_ex__", "__reduce__", "__getstate__", "__setstate__", "getmembers", "copyreg"})


def _library_callable(x) -> bool:
    """A library's function, class or C callable (np.diag's dispatcher, math.sin), or a method of a module or class:
    nothing of the user's (a user's function or class, and a method bound to an instance, are walked)."""
    if isinstance(x, _C_MEMBERS):
        return True  # a C type's method, slot or field descriptor (deque.append): the type's, not the user's
    if isinstance(x, (types.MethodType, types.BuiltinMethodType)):
        return isinstance(getattr(x, "__self__", None), (types.ModuleType, type, type(None)))
    if isinstance(x, types.FunctionType):
        return not _user_function(x) and not x.__dict__  # its attributes (a cache's cache_info) are walked
    if isinstance(x, (type, functools._lru_cache_wrapper)):
        return False  # a class (its attributes a check names are walked: cls), a cache (its hit count)
    return callable(x) and _exported(x)


_C_MEMBERS = (types.MethodDescriptorType, types.WrapperDescriptorType, types.ClassMethodDescriptorType,
              types.GetSetDescriptorType, types.MemberDescriptorType, types.MethodWrapperType)


def _own_dict(v) -> dict | None:
    """``v``'s instance dict, past a ``__getattribute__`` of its class (None if it has none)."""
    if not _plain_dict(type(v)):
        return None
    try:
        d = object.__getattribute__(v, "__dict__")
    except (AttributeError, TypeError):
        return None
    return d if isinstance(d, dict) else None


def _plain_dict(t: type) -> bool:
    """Is ``__dict__`` on ``t``'s instances Python's own descriptor (not a property or a value the class sets)?"""
    for c in t.__mro__:
        if "__dict__" in vars(c):
            got = vars(c)["__dict__"]
            # Python's own descriptor (a getset, or a member as SimpleNamespace's), made for a class of t's
            return isinstance(got, (types.GetSetDescriptorType, types.MemberDescriptorType)) and \
                got.__objclass__ in t.__mro__
    return True


_LIBRARY_DIRS: list = []


def _exported(v) -> bool:
    """Is ``v`` a library's own object, the one its library module exports under its name (numpy.sum, numpy.exp)?
    A callable a check makes (np.frompyfunc(f, 1, 1), an lru_cache of its function) is not."""
    from .concrete import MARK

    home = sys.modules.get(getattr(v, "__module__", None) or "")
    name = getattr(v, "__name__", None)
    if home is None or not isinstance(name, str) or vars(home).get(MARK):
        return False
    try:
        if vars(home).get(name) is not v:
            return False
    except TypeError:
        return False
    file = getattr(home, "__file__", None)
    if not file:
        return True  # a module built into the interpreter
    import os
    import sysconfig

    if not _LIBRARY_DIRS:
        dirs = {os.path.realpath(p) for p in (sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib",
                                                                                   "platlib"))}
        dirs |= {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        _LIBRARY_DIRS.extend(d.rstrip(os.sep) + os.sep for d in dirs)
    return any(os.path.realpath(file).startswith(d) for d in _LIBRARY_DIRS)


def _mutable_matrix(v) -> bool:
    """A SymPy matrix that can be changed in place (``M[0, 0] = …``); the immutable ones are expressions."""
    from sympy import Basic
    from sympy.matrices import MatrixBase

    return isinstance(v, MatrixBase) and not isinstance(v, Basic)


def _short(k) -> str:
    text = repr(k) if isinstance(k, (int, str)) else "…"
    return text if len(text) <= 20 else text[:17] + "…"


def _kind(v) -> str:
    t = type(v)
    if isinstance(v, types.GeneratorType):
        return "a generator"
    name = f"{t.__module__}.{t.__qualname__}" if t.__module__ not in ("builtins", None) else t.__qualname__
    if t.__module__ == "builtins" and ("iterator" in t.__name__ or hasattr(v, "__next__")):
        return f"an iterator ({name})"
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


#: names by which code reaches objects the walk cannot follow (the garbage collector's lists, frames, raw memory,
#: trace hooks): code that uses one has state the snapshot cannot bound (refused, never a guess)
_OPAQUE = frozenset({"get_objects", "get_referrers", "get_referents", "ctypes", "_getframe", "currentframe", "f_back",
                     "f_locals", "getouterframes", "settrace", "setprofile", "gettrace", "getprofile",
                     "PyObj_FromPtr", "from_address"})


def snapshot(roots, attrs=frozenset()) -> tuple[list, list, list]:
    """(tokens, paths, kept objects) of the state ``roots`` reach; raises :class:`_Hidden` (see the module)."""
    while True:
        w = _Walk(attrs)
        for r in roots:
            w.value(r, _name(r))
        if w.attrs <= attrs:
            opaque = sorted(w.attrs & _OPAQUE)
            if opaque:
                raise _Hidden(f"code that reaches objects by {opaque[0]}, which the snapshot cannot follow",
                              opaque[0])
            return w.out, w.paths, w.keep
        attrs = frozenset(w.attrs)  # a name met late in the walk: walk again asking every object for it



def _name(fn) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def _line(fn) -> int:
    f = getattr(fn, "__func__", fn)
    f = getattr(f, "func", f)
    code = getattr(f, "__code__", None) or getattr(getattr(type(f), "__call__", None), "__code__", None)
    return code.co_firstlineno if code is not None else 0


def _changed(after, before) -> str:
    """Where the first difference is: "cnt[0]" (the path of the node, from the callable's names)."""
    tokens, paths = after[0], after[1]
    n = min(len(tokens), len(before[0]))
    i = next((j for j in range(n) if tokens[j] != before[0][j]), n)
    return paths[i] if i < len(paths) else before[1][i] if i < len(before[1]) else "its state"


def call(what: str, roots, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, refused (:class:`Impure`) if the state ``roots`` reach (``fn`` itself by
    default, or the callables given) is not the same after the call as before, or cannot be seen."""
    roots = (fn,) if roots is None else tuple(r for r in roots if r is not None)
    line = _line(roots[0] if roots else fn)
    try:
        before = snapshot(roots)
        out = fn(*args, **kwargs)
        after = snapshot(roots)
    except _Hidden as e:
        raise Impure(what, line, e.path, f"{e.path}: {e.what}", True) from None
    if after[0] != before[0]:
        path = _changed(after, before)
        raise Impure(what, line, path, f"{path} changed", False)
    return out


def checked(what: str, fn):
    """``fn`` with each call made through :func:`call` (for a callable handed to the symbolic run)."""
    if getattr(fn, "__symderiv_pure__", None) is not None:
        return fn

    def pure(*args, **kwargs):
        return call(what, None, fn, *args, **kwargs)

    pure.__symderiv_pure__ = fn
    pure.__wrapped_step__ = fn
    return pure
