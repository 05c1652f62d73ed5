"""The verdict cache: ``.symderiv_cache/`` in the project, like pytest's ``.pytest_cache``.

A verdict depends on nothing but its claim, so a stored result is used only
when nothing that could change its verdict has changed. Like a build system,
the cache has two parts: a key known before the claim runs, and a depfile
recorded while it runs.

The key of a claim is the SHA-256 of

* its declaration: every field of the :class:`~symderiv.claims.Claim` as
  declared, whatever the form of the declaration (``@claim(...)``, the call
  ``claim(...)(fn)``, a reading or part with its group's defaults, a helper
  function that declares claims in a loop), each in a canonical form
  (:meth:`_Reach.value`): data by value, SymPy objects by ``srepr``, arrays by
  their bytes, dataclasses and objects by their fields, functions by what
  follows;
* the source its check reaches (:class:`_Reach`): from every Python function
  reached (the check; what it wraps, by ``__wrapped__`` or in its closure, so a
  decorator with or without ``functools.wraps``; the cells of its closure and
  its defaults; a callable object's class and fields; the functions of its
  declaration, such as a cell's step), the top-level statements of its file
  that contain it, and transitively those binding a name they use; the whole
  source of every module of the project reached (imported by a statement
  reached, ``from _consts import SCALE`` included, or by the check's body, or
  the home of a value reached), except the claim's own proof file; and the
  value of every global a statement reached uses, and of every global of a
  reached helper module (a value computed at import, from a file or the
  environment, counts by what it is). A claim whose values cannot be described
  stably is not cached;
* symderiv itself: its version and a hash of every ``.py`` file of the
  package, and the versions of Python and of the packages that decide
  verdicts (:data:`DISTRIBUTIONS`: SymPy, SymEngine, python-flint, mpmath,
  NumPy, and the prove phase's SciPy, Clarabel and Z3);
* the run's options that change a verdict: ``--n``, ``--t``, ``--backend``,
  ``--seed`` and ``--timeout``.

The depfile (:mod:`symderiv.reads`) is what the check read while it ran: the
files it opened, looked for or listed (by content), the environment variables
it read (by value, or absence), the project modules it imported; it is stored
with the result, and a stored result whose reads would now give another answer
is a miss.

So after one claim is edited only that claim (and what uses what changed) is
checked again. Only a result the engine returned is stored, with what it read:
a claim stopped at its budget or whose worker crashed is not (that depends on
the machine's load, not the claim). ``--no-cache`` neither reads nor writes;
``--cache-clear`` empties it first. The cache also keeps the ids whose verdict
differed from the expectation in the last run (``--lf`` checks those again).
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import sys
import sysconfig
import tempfile
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

#: bump when the stored format changes
FORMAT = 4  # 2: entries are JSON (Result.to_json), not pickles; 3: with what the check read (reads.py);
#            4: with the claim's witness (a second fingerprint, checked when read)
DIRNAME = ".symderiv_cache"
_README = """# symderiv verdict cache

This folder is symderiv's verdict cache (see `symderiv check --help`: `--no-cache`,
`--cache-clear`, `--lf`). Do not commit it; it can be deleted at any time.
"""


#: the installed packages whose version can change a verdict: the kernel's (SymPy, SymEngine, python-flint,
#: mpmath, NumPy) and the prove phase's (SciPy, Clarabel, Z3)
DISTRIBUTIONS = ("sympy", "symengine", "python-flint", "numpy", "mpmath", "scipy", "clarabel", "z3-solver")


@lru_cache(maxsize=1)
def package_fingerprint() -> str:
    """symderiv's version and the hash of its own source, and the versions of what decides verdicts."""
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    h = hashlib.sha256(f"symderiv {__version__} python {sys.version}".encode())
    for dist in DISTRIBUTIONS:
        try:
            h.update(f"{dist} {version(dist)}\n".encode())
        except PackageNotFoundError:
            h.update(f"{dist} missing\n".encode())
    here = Path(__file__).resolve().parent
    for f in sorted(here.rglob("*.py")):
        h.update(str(f.relative_to(here)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=1)
def _installed_prefixes() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    keys = ("stdlib", "platstdlib", "purelib", "platlib")
    return tuple(str(Path(paths[k]).resolve()) for k in keys if k in paths) + (sys.base_prefix, sys.prefix)


def is_project_module(module) -> bool:
    """A module whose source is part of the project (not symderiv, not the standard library, not installed)."""
    name = getattr(module, "__name__", "") or ""
    if name == "symderiv" or name.startswith("symderiv."):
        return False
    file = getattr(module, "__file__", None)
    if not file or not file.endswith(".py"):
        return False
    return not _resolved(file).startswith(_installed_prefixes())


class _ModuleIndex:
    """A proof file's top-level statements, by the names each binds."""

    def __init__(self, path: Path, text: str):
        self.source = text
        self.lines = text.splitlines()
        tree = ast.parse(self.source)
        self.binds: dict[str, list[ast.stmt]] = {}
        self.by_line: dict[int, ast.stmt] = {}
        for stmt in tree.body:
            first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
            for line in range(first, (stmt.end_lineno or stmt.lineno) + 1):
                self.by_line[line] = stmt
            for name in _bound(stmt):
                self.binds.setdefault(name, []).append(stmt)

    def text(self, stmt: ast.stmt) -> str:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        lines = self.lines[first - 1: stmt.end_lineno]
        return "\n".join(lines)


def _bound(stmt: ast.stmt) -> set[str]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    out = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, ast.alias):
            out.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
    return out


def _used(stmt: ast.stmt) -> set[str]:
    names = getattr(stmt, "_symderiv_used", None)  # a statement of a parsed file is walked once
    if names is None:
        names = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        stmt._symderiv_used = names
    return names


_INDEXES: dict[str, _ModuleIndex] = {}


def _module_index(path: Path) -> _ModuleIndex:
    """The file's index, parsed once per content (the content is read each time: an edit is always seen)."""
    text = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if digest not in _INDEXES:
        _INDEXES[digest] = _ModuleIndex(path, text)
    return _INDEXES[digest]


class _Opaque(Exception):
    """Something the key cannot describe so that an edit to it changes the key: the claim is not cached."""


class _TooLarge(_Opaque):
    """More canonical form than the budget: the claim is not cached."""


_SCALARS = (int, float, complex, str, bytes, bool, type(None), Fraction)


class _Reach:
    """What a claim's verdict depends on that is known before it runs (see the module docstring).

    * ``pieces``: the source of every top-level statement reached (by file), starting from each Python function
      reached (the check, what it wraps, what its closure and defaults hold, the functions of its declaration),
      following the names each statement uses; a file that cannot be split stands whole;
    * ``modules``: the whole source of every module of the project reached (imported by a statement reached,
      by the check's body, or the home of a value reached), except the claim's own proof file;
    * ``values``: the canonical form (:meth:`value`) of every global a statement reached uses, of every global
      of a reached helper module, and of every cell of a closure and default reached: a value computed at
      import (from a file, from the environment) counts by what it is.
    """

    BUDGET = 200_000  # nodes of canonical form: beyond it the claim is not cached (a huge value stands for itself)

    def __init__(self, own: set[str]):
        self.own = own
        self.pieces: dict[str, dict[int, str]] = {}
        self.names: dict[str, set[str]] = {}
        self.modules: dict[str, str] = {}
        self.values: set[str] = set()
        self.done: dict[int, object] = {}  # id -> canonical form of a function or object reached (cycles end)
        self.keep: list = []  # what `done` describes, alive while it is used (an id is not reused)
        self.nodes = 0

    # ----- values ------------------------------------------------------------------

    def value(self, v):
        """A JSON-able form of ``v`` that changes when ``v`` would compute differently."""
        self.nodes += 1
        if self.nodes > self.BUDGET:
            raise _TooLarge("too large a value")
        if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
            return [type(v).__name__, v if not isinstance(v, int) or abs(v) < 2 ** 53 else str(v)]
        if isinstance(v, _SCALARS):
            return [type(v).__name__, repr(v)]
        if isinstance(v, (list, tuple)):
            return [type(v).__name__, [self.value(x) for x in v]]
        if isinstance(v, (set, frozenset)):
            items = [json.dumps(self.value(x), sort_keys=True) for x in v]
            return [type(v).__name__, sorted(items)]
        if isinstance(v, dict):
            return ["dict", [[self.value(k), self.value(x)] for k, x in list(v.items())]]
        import enum

        if isinstance(v, enum.Enum):
            return ["enum", type(v).__qualname__, self.value(v.value)]
        mod = type(v).__module__ or ""
        if mod.startswith("sympy") or mod.startswith("symengine"):
            import sympy as sp

            return ["sympy", sp.srepr(v)]
        if mod == "numpy" and hasattr(v, "tobytes") and hasattr(v, "dtype"):
            if v.dtype.hasobject:  # its bytes are pointers: by its entries
                return ["ndarray", "object", list(getattr(v, "shape", ())), self.value(v.tolist())]
            return ["ndarray", str(v.dtype), list(getattr(v, "shape", ())), hashlib.sha256(v.tobytes()).hexdigest()]
        if id(v) in self.done:
            return ["seen", type(v).__qualname__]
        self.done[id(v)] = True
        self.keep.append(v)
        return self._thing(v)

    def _thing(self, v):
        import dataclasses
        import functools
        import inspect

        if inspect.ismodule(v):
            self.module(v)
            return ["module", v.__name__]
        if isinstance(v, functools.partial):
            return ["partial", self.value(v.func), self.value(v.args), self.value(v.keywords)]
        if inspect.ismethod(v):
            return ["method", self.value(v.__func__), self.value(v.__self__)]
        if inspect.isfunction(v):
            return self.function(v)
        if isinstance(v, type):
            return self.cls(v)
        wrapped = getattr(v, "__wrapped__", None) if not isinstance(v, type) else None
        if wrapped is not None:  # functools.lru_cache and the like: what they wrap
            return ["wrapper", type(v).__qualname__, self.value(wrapped)]
        if callable(v) and type(v).__module__ == "builtins":  # a builtin function: its name says what it does
            return ["builtin", getattr(v, "__qualname__", repr(v))]
        kind = ["object", self.cls(type(v))]
        if dataclasses.is_dataclass(v):
            return kind + [[[f.name, self.value(getattr(v, f.name))] for f in dataclasses.fields(v)]]
        if hasattr(v, "__dict__"):
            return kind + [self.value(dict(vars(v)))]
        if hasattr(v, "__slots__"):
            return kind + [[[k, self.value(getattr(v, k, None))] for k in v.__slots__ if isinstance(k, str)]]
        text = repr(v)
        if " at 0x" in text:
            raise _Opaque(f"{type(v).__qualname__} has no stable description")
        return kind + [text]

    def cls(self, c: type):
        module = sys.modules.get(c.__module__ or "")
        if module is not None and is_project_module(module):
            if _resolved(module.__file__) in self.own:  # its statement: by its name, else by a method's lines
                path = Path(module.__file__)
                try:
                    index = _module_index(path)
                except (OSError, SyntaxError, UnicodeDecodeError, ValueError) as e:
                    raise _Opaque(f"{path}: {e}") from None
                stmts = [st for st in index.binds.get(c.__name__, []) if isinstance(st, ast.ClassDef)]
                if "." in c.__qualname__ or not stmts:
                    lines = [fn.__code__.co_firstlineno for fn in (getattr(i, "__func__", i) for i in vars(c).values())
                             if getattr(fn, "__code__", None) is not None
                             and _resolved(fn.__code__.co_filename) == _resolved(module.__file__)]
                    stmts = [index.by_line[n] for n in lines[:1] if n in index.by_line]
                if stmts:
                    self.statements(path, index, list(stmts), vars(module))
                else:  # made where no statement says (by type(), in a loop): the whole file stands in
                    self.pieces.setdefault(str(path), {})[0] = index.source
            else:
                self.module(module)
        return ["type", c.__module__, c.__qualname__]

    def function(self, fn):
        """A Python function: its source (by statement), its closure's cells, its defaults, what it wraps."""
        self.code(fn.__code__, fn.__globals__)
        out = ["function", fn.__qualname__]
        for cell in fn.__closure__ or ():
            try:
                out.append(self.value(cell.cell_contents))
            except ValueError:  # an empty cell
                out.append(None)
        out.append(self.value(fn.__defaults__))
        out.append(self.value(fn.__kwdefaults__))
        wrapped = getattr(fn, "__wrapped__", None)
        if wrapped is not None:
            out.append(self.value(wrapped))
        return out

    # ----- source ------------------------------------------------------------------

    def code(self, code, globals_: dict) -> None:
        file = code.co_filename
        if not _project_file(file):
            return  # symderiv (the package fingerprint), the standard library, installed packages
        for name in _imports_in(code):  # `import _consts` in the function's body
            self.module(sys.modules.get(name))
        path = Path(file)
        try:
            index = _module_index(path)
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError) as e:
            raise _Opaque(f"{file}: {e}") from None
        start = index.by_line.get(code.co_firstlineno)
        if start is None:  # not inside a top-level statement: the whole file stands in (coarser, never staler)
            self.pieces.setdefault(str(path), {})[0] = index.source
            return
        self.statements(path, index, [start], globals_)

    def statements(self, path: Path, index, todo: list, globals_: dict) -> None:
        got = self.pieces.setdefault(str(path), {})
        seen = self.names.setdefault(str(path), set())
        while todo:
            stmt = todo.pop()
            if stmt.lineno in got:
                continue
            got[stmt.lineno] = index.text(stmt)
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.imported(stmt, globals_)
            for name in sorted(_used(stmt) - seen):
                seen.add(name)
                todo += index.binds.get(name, [])
                if name in globals_ and not name.startswith("__"):
                    self.values.add(json.dumps([name, self.global_value(globals_[name])], sort_keys=True))

    def global_value(self, v):
        """A global's canonical form; one without a stable description (a lock, a socket) by its type: the
        statement that made it is in the key, and it holds no data a file or the environment gave it."""
        try:
            return self.value(v)
        except _TooLarge:
            raise
        except _Opaque:
            return ["opaque", type(v).__module__, type(v).__qualname__]

    def imported(self, stmt, globals_: dict) -> None:
        """The project modules an import statement reached names (``from _consts import SCALE``: _consts)."""
        import importlib.util

        for alias in getattr(stmt, "names", []):
            try:
                if isinstance(stmt, ast.Import):
                    names = [alias.name]
                else:
                    base = ("." * stmt.level) + (stmt.module or "")
                    base = importlib.util.resolve_name(base, globals_.get("__package__") or "") \
                        if stmt.level else base
                    names = [base, f"{base}.{alias.name}"]
            except (ImportError, ValueError):
                continue
            for name in names:
                self.module(sys.modules.get(name))

    def module(self, module) -> None:
        """The whole source of a project module reached (not the claim's own file, taken by statements), what it
        imports from the project, and its globals' values."""
        if module is None or not is_project_module(module) or module.__name__ in self.modules:
            return
        if _resolved(module.__file__) in self.own:
            return
        try:
            text = Path(module.__file__).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise _Opaque(f"{module.__file__}: {e}") from None
        self.modules[module.__name__] = text
        for name, v in sorted(vars(module).items()):
            if name.startswith("__") or _is_module(v):  # a module: reached below, by the imports
                continue
            self.values.add(json.dumps([module.__name__, name, self.global_value(v)], sort_keys=True))
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return
        for stmt in ast.walk(tree):
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.imported(stmt, vars(module))
        for other in list(vars(module).values()):  # a name it took from another project module
            home = sys.modules.get(getattr(other, "__module__", None) or "") if not _is_module(other) else other
            if home is not module:
                self.module(home)

    def text(self) -> str:
        pieces = sorted(t for by_line in self.pieces.values() for t in by_line.values())
        return "\n\n".join(pieces + [f"# module {k}\n{v}" for k, v in sorted(self.modules.items())]
                           + [f"# value {v}" for v in sorted(self.values)])


def _is_module(v) -> bool:
    import types

    return isinstance(v, types.ModuleType)


@lru_cache(maxsize=4096)
def _resolved(file) -> str:
    try:
        return str(Path(file).resolve())
    except (OSError, TypeError):
        return str(file)


@lru_cache(maxsize=4096)
def _project_file(file: str) -> bool:
    """A file of the project's own (not symderiv, the standard library or an installed package)."""
    if not file or file.startswith("<"):
        return True  # made by exec/compile: its source cannot be read, which code() says
    resolved = _resolved(file)
    here = str(Path(__file__).resolve().parent)
    return not resolved.startswith(_installed_prefixes()) and not resolved.startswith(here + os.sep)


@lru_cache(maxsize=4096)
def _imports_in(code) -> list[str]:
    """The absolute module names ``import`` statements in ``code`` (and the functions inside it) import."""
    import dis

    out = []
    for ins in dis.get_instructions(code):
        if ins.opname == "IMPORT_NAME":
            out.append(ins.argval)
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            out += _imports_in(const)
    return out


#: Claim fields that are not its declaration: where it is reported (a hit is reported where the claim is now),
#: and the engine's own memo
_NOT_DECLARED = {"source", "origin", "collected_from", "_probed"}


def _reach(claim) -> _Reach:
    import dataclasses

    own = {_resolved(f) for f in (claim.collected_from, claim.origin) if f}
    code = getattr(claim.check, "__code__", None)
    if code is not None:
        own.add(_resolved(code.co_filename))
    reach = _Reach(own)
    declared = [[f.name, reach.value(getattr(claim, f.name))]
                for f in dataclasses.fields(claim) if f.name not in _NOT_DECLARED]
    reach.values.add(json.dumps(["declaration", declared], sort_keys=True))
    return reach


def claim_source(check) -> str:
    """The source a claim's check depends on (see the module docstring and :class:`_Reach`)."""
    reach = _Reach({_resolved(check.__code__.co_filename)} if hasattr(check, "__code__") else set())
    reach.value(check)
    return reach.text()


class Key(str):
    """A cache key (the hex digest) that carries the claim's :func:`witness`, a second fingerprint made by another
    algorithm: an entry is used only when both agree, so a bug in one of them alone never returns a stale
    verdict (tests/test_planted.py plants such bugs). A plain ``str`` key has no witness: never a hit."""

    witness: str | None

    def __new__(cls, digest: str, witness: str | None):
        self = super().__new__(cls, digest)
        self.witness = witness
        return self


def claim_key(claim, options: dict) -> Key | None:
    """The key of ``claim``'s result under ``options`` (n, t, backend, seed, timeout); None: not cacheable.

    Made of every field of the claim as declared (whatever the form of its declaration), the source and values
    it reaches (:class:`_Reach`), symderiv's fingerprint and the options. What the check reads while it runs is
    recorded then and stored with the result (:mod:`symderiv.reads`). The key carries the claim's
    :func:`witness`, checked again when an entry is read."""
    try:
        source = _reach(claim).text()
        seen = witness(claim, options)
    except (_Opaque, RecursionError):
        return None
    h = hashlib.sha256()
    h.update(f"format {FORMAT}\n{package_fingerprint()}\n".encode())
    h.update(json.dumps({"id": claim.id, **{k: _plain(v) for k, v in sorted(options.items())}},
                        sort_keys=True).encode())
    h.update(source.encode("utf-8", "surrogatepass"))
    return Key(h.hexdigest(), seen)


# ----- the witness: a second fingerprint of what the check computes, by compiled code, not by source ---------------

#: plain values a witness takes by value (anything else by its type, and its fields when it has them)
_PLAIN = (bool, int, float, complex, str, bytes, type(None), Fraction)


def witness(claim, options: dict) -> str:
    """A SHA-256 of the claim's id, the options, and what its check computes, found another way than the key's
    :class:`_Reach`: the compiled code of every Python function of the project the check reaches (bytecode,
    constants and names, nested code included), through its closure, defaults, ``__wrapped__``, the globals its
    code names (looked up in the function's own globals, helper modules' attributes by the names the code uses)
    and their values (plain data by value, SymPy objects by ``srepr``, project objects by their fields). It
    knows no file and no statement, so a bug in the key's source walk (a body, a global or a helper's constant
    left out) leaves the witness to tell the edit apart, and a bug here leaves the key to."""
    h = hashlib.sha256()
    h.update(json.dumps({"id": claim.id, **{k: _plain(v) for k, v in sorted(options.items())}},
                        sort_keys=True).encode())
    _Witness(h).thing(claim.check)
    return h.hexdigest()


class _Witness:
    LIMIT = 100_000  # things walked: beyond it the claim is not cached (as the key's budget)

    def __init__(self, h):
        self.h = h
        self.seen: set[int] = set()
        self.keep: list = []
        self.count = 0

    def put(self, *parts) -> None:
        for p in parts:
            self.h.update(p if isinstance(p, bytes) else repr(p).encode("utf-8", "surrogatepass"))
            self.h.update(b"\x00")

    def thing(self, v, depth: int = 0) -> None:
        import functools
        import inspect

        self.count += 1
        if self.count > self.LIMIT or depth > 60:
            raise _TooLarge("too much to witness")
        if isinstance(v, _PLAIN):
            self.put(type(v).__name__, v)
            return
        if isinstance(v, (list, tuple)):
            self.put(type(v).__name__, len(v))
            for x in v:
                self.thing(x, depth + 1)
            return
        if isinstance(v, (set, frozenset)):  # in no order: each element's own digest, sorted
            digests = []
            for x in v:
                sub = _Witness(hashlib.sha256())
                sub.count = self.count
                sub.thing(x, depth + 1)
                self.count = sub.count
                digests.append(sub.h.hexdigest())
            self.put(type(v).__name__, sorted(digests))
            return
        if isinstance(v, dict):
            self.put("dict", len(v))
            for k, x in list(v.items()):
                self.thing(k, depth + 1)
                self.thing(x, depth + 1)
            return
        mod = type(v).__module__ or ""
        if mod.startswith(("sympy", "symengine")):
            import sympy as sp

            self.put("sympy", sp.srepr(v))
            return
        if id(v) in self.seen:
            self.put("seen", type(v).__qualname__)
            return
        self.seen.add(id(v))
        self.keep.append(v)
        if inspect.ismodule(v):
            self.put("module", v.__name__)
            return
        if isinstance(v, functools.partial):
            self.put("partial")
            for x in (v.func, v.args, v.keywords):
                self.thing(x, depth + 1)
            return
        if inspect.ismethod(v):
            self.put("method")
            self.thing(v.__func__, depth + 1)
            self.thing(v.__self__, depth + 1)
            return
        if inspect.isfunction(v):
            self.function(v, depth)
            return
        if isinstance(v, type):
            project = is_project_module(sys.modules.get(v.__module__ or ""))
            self.put("type", v.__qualname__) if project else self.put("type", v.__module__, v.__qualname__)
            if project:
                for name, x in sorted(vars(v).items()):
                    if not name.startswith("__") or name in ("__init__", "__call__"):
                        self.put(name)
                        self.thing(x, depth + 1)
            return
        wrapped = getattr(v, "__wrapped__", None)
        if wrapped is not None:
            self.put("wrapper", type(v).__qualname__)
            self.thing(wrapped, depth + 1)
            return
        if is_project_module(sys.modules.get(mod)):
            self.put("object")
            self.thing(type(v), depth + 1)
        else:
            self.put("object", mod, type(v).__qualname__)
        fields = getattr(v, "__dict__", None)
        if isinstance(fields, dict):
            self.thing(dict(fields), depth + 1)

    def function(self, fn, depth: int) -> None:
        code = fn.__code__
        if not _project_file(code.co_filename):  # symderiv, the standard library, installed packages: by name
            self.put("function", fn.__module__, fn.__qualname__)
            return
        self.put("function", fn.__qualname__)  # not its module: the same claim in another file is the same
        names = self.code(code)
        for cell in fn.__closure__ or ():
            try:
                self.thing(cell.cell_contents, depth + 1)
            except ValueError:
                self.put("empty cell")
        self.thing(fn.__defaults__, depth + 1)
        self.thing(fn.__kwdefaults__, depth + 1)
        wrapped = getattr(fn, "__wrapped__", None)
        if wrapped is not None:
            self.thing(wrapped, depth + 1)
        g = fn.__globals__
        modules = [v for v in g.values() if _is_module(v) and is_project_module(v)]
        for name in sorted(names):
            if name in g and not name.startswith("__"):
                self.put("global", name)
                self.thing(g[name], depth + 1)
            for m in modules:  # `_consts.SCALE`: the helper module's attribute the code names
                if name in vars(m):
                    self.put("attribute", m.__name__, name)
                    self.thing(vars(m)[name], depth + 1)

    def code(self, code) -> set:
        """Hash a code object (and those nested in it); the names it uses."""
        self.put("code", code.co_code, code.co_names, code.co_varnames, code.co_freevars)
        names = set(code.co_names)
        for c in code.co_consts:
            if hasattr(c, "co_code"):
                names |= self.code(c)
            else:
                self.put(type(c).__name__, c)
        return names


def _plain(v):
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v if isinstance(v, (str, int, float, bool, type(None))) else repr(v)


class Cache:
    """The ``.symderiv_cache`` folder of a project root."""

    def __init__(self, root: Path):
        self.dir = Path(root) / DIRNAME
        self.hits = 0
        self.hit_ids: set = set()  # the claims answered from the cache this run (the runner says which)

    def _ensure(self) -> None:
        if (self.dir / "CACHEDIR.TAG").exists():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / ".gitignore").write_text("# created by symderiv\n*\n", encoding="utf-8")
        (self.dir / "README.md").write_text(_README, encoding="utf-8")
        (self.dir / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n"
                                                "# This file is a cache directory tag created by symderiv.\n",
                                                encoding="utf-8")

    def _path(self, key: str) -> Path:
        return self.dir / f"v{FORMAT}" / "results" / key[:2] / f"{key}.json"

    def get(self, key: str | None):
        """The stored result for ``key``, or None (missing, unreadable, or stored under another key)."""
        if key is None:
            return None
        try:
            from .results import Result

            from .reads import unchanged

            seen = getattr(key, "witness", None)
            if seen is None:  # a key without its witness (not made by claim_key): never a hit
                return None
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            if entry["key"] != key or entry.get("witness") != seen:  # the second fingerprint disagrees: a miss
                return None
            if not unchanged(entry["reads"]):  # what it read then reads differently now
                return None
            result = Result.from_json(entry["result"])
        except Exception:  # noqa: BLE001 — a missing or damaged entry is a miss, never a verdict
            return None
        self.hits += 1
        return result

    def put(self, key: str | None, result) -> None:
        """Store ``result`` with what its check read (``result.reads``); a result without that record is not
        stored (its dependencies are unknown)."""
        reads = getattr(result, "reads", None)
        seen = getattr(key, "witness", None)
        if key is None or seen is None or not isinstance(reads, dict):
            return
        try:
            self._ensure()
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:  # data only: reading an entry runs no code
                json.dump({"key": str(key), "witness": seen, "reads": reads, "result": result.to_json()}, f,
                          ensure_ascii=False)
            os.replace(tmp, path)  # atomic: a reader sees the whole entry or none
        except (OSError, TypeError, ValueError):
            pass  # a cache that cannot be written only costs time

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    # ----- the last run's unexpected verdicts (--lf) ---------------------------

    def last_failed(self) -> list[str]:
        try:
            data = json.loads((self.dir / "lastfailed.json").read_text(encoding="utf-8"))
            return [str(i) for i in data] if isinstance(data, list) else []
        except (OSError, ValueError):
            return []

    def durations(self) -> dict[str, float]:
        """Each claim's seconds when it was last computed (the runner starts the longest first)."""
        try:
            data = json.loads((self.dir / "durations.json").read_text(encoding="utf-8"))
            return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}
        except (OSError, ValueError, TypeError, AttributeError):
            return {}

    def record(self, results) -> None:
        """Update the ids whose verdict differed (this run's results replace what was known of those ids), and
        the claims' durations."""
        known = set(self.last_failed())
        seconds = self.durations()
        for r in results:
            known.discard(r.id)
            if not r.as_expected:
                known.add(r.id)
            if not r.members:
                seconds[r.id] = round(r.seconds, 3)
        try:
            self._ensure()
            (self.dir / "lastfailed.json").write_text(json.dumps(sorted(known), indent=1), encoding="utf-8")
            (self.dir / "durations.json").write_text(json.dumps(seconds, indent=1, sort_keys=True),
                                                     encoding="utf-8")
        except OSError:
            pass
