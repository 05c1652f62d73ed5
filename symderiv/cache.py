"""The verdict cache: ``.symderiv_cache/`` in the project, like pytest's ``.pytest_cache``.

A claim's result is stored under a key made of everything its verdict depends
on, so a stale entry can never produce a verdict: it is simply never looked
up again. The key of a claim is the SHA-256 of

* the claim's own source: its decorator and function, and, transitively, the
  source of every top-level statement of its proof file that binds a name it
  uses (helpers, constants, the group a reading belongs to), and the whole
  source of every module it reaches that is neither symderiv nor installed
  (a ``proofs/_helpers.py``, say); if any of that cannot be read, the whole
  proof file's source stands in (coarser, never staler);
* symderiv itself: its version and a hash of every ``.py`` file of the
  package, and the versions of Python, SymPy, SymEngine and python-flint;
* the run's options that change a verdict: ``--n``, ``--t``, ``--backend``,
  ``--seed`` and ``--timeout``.

So after one claim is edited only that claim (and what uses what changed) is
checked again. Only a result the engine returned is stored: a claim stopped at
its budget or whose worker crashed is not (that depends on the machine's load,
not the claim). ``--no-cache`` neither reads nor writes; ``--cache-clear``
empties it first. The cache also keeps the ids whose verdict differed from the
expectation in the last run (``--lf`` checks those again).
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
from functools import lru_cache
from pathlib import Path

#: bump when the stored format changes
FORMAT = 2  # 2: entries are JSON (Result.to_json), not pickles
DIRNAME = ".symderiv_cache"
_README = """# symderiv verdict cache

This folder is symderiv's verdict cache (see `symderiv check --help`: `--no-cache`,
`--cache-clear`, `--lf`). Do not commit it; it can be deleted at any time.
"""


@lru_cache(maxsize=1)
def package_fingerprint() -> str:
    """symderiv's version and the hash of its own source, and the versions of what decides verdicts."""
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    h = hashlib.sha256(f"symderiv {__version__} python {sys.version}".encode())
    for dist in ("sympy", "symengine", "python-flint", "numpy"):
        try:
            h.update(f"{dist} {version(dist)}\n".encode())
        except PackageNotFoundError:
            h.update(f"{dist} missing\n".encode())
    here = Path(__file__).resolve().parent
    for f in sorted(here.rglob("*.py")):
        h.update(str(f.relative_to(here)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


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
    resolved = str(Path(file).resolve())
    return not resolved.startswith(_installed_prefixes())


class _ModuleIndex:
    """A proof file's top-level statements, by the names each binds."""

    def __init__(self, path: Path, text: str):
        self.source = text
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
        lines = self.source.splitlines()[first - 1: stmt.end_lineno]
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
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


_INDEXES: dict[str, _ModuleIndex] = {}


def _module_index(path: Path) -> _ModuleIndex:
    """The file's index, parsed once per content (the content is read each time: an edit is always seen)."""
    text = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if digest not in _INDEXES:
        _INDEXES[digest] = _ModuleIndex(path, text)
    return _INDEXES[digest]


def claim_source(check) -> str:
    """The source a claim's verdict depends on (see the module docstring); the whole file if it cannot be split."""
    code = getattr(check, "__code__", None)
    if code is None:
        raise LookupError("not a Python function")
    path = Path(code.co_filename)
    index = _module_index(path)
    start = index.by_line.get(code.co_firstlineno)
    if start is None:  # not a top-level function (made in a loop, a closure): the whole file stands in
        return index.source
    pieces: dict[int, str] = {}
    modules: dict[str, str] = {}
    todo = [start]
    names_seen: set[str] = set()
    while todo:
        stmt = todo.pop()
        if id(stmt) in pieces:
            continue
        pieces[id(stmt)] = index.text(stmt)
        for name in sorted(_used(stmt) - names_seen):
            names_seen.add(name)
            todo += index.binds.get(name, [])
            value = check.__globals__.get(name)
            _reach_module(value, modules, skip=path)
    ordered = sorted(pieces.values())
    return "\n\n".join(ordered + [f"# module {k}\n{v}" for k, v in sorted(modules.items())])


def _reach_module(value, modules: dict[str, str], skip: Path) -> None:
    """The whole source of the project module ``value`` comes from (a helper module, or a name taken from it);
    not the claim's own file (``skip``), whose statements are taken one by one."""
    import inspect

    module = value if inspect.ismodule(value) else sys.modules.get(getattr(value, "__module__", "") or "")
    if module is None or not is_project_module(module) or module.__name__ in modules:
        return
    if Path(module.__file__).resolve() == skip.resolve():
        return
    try:
        modules[module.__name__] = Path(module.__file__).read_text(encoding="utf-8")
    except OSError:
        modules[module.__name__] = f"<unreadable {module.__file__}>"
        return
    for other in list(vars(module).values()):  # what the helper itself imports from the project
        if inspect.ismodule(other) or getattr(other, "__module__", None) not in (None, module.__name__):
            _reach_module(other, modules, skip)


def claim_key(claim, options: dict) -> str | None:
    """The key of ``claim``'s result under ``options`` (n, t, backend, seed, timeout); None: not cacheable."""
    try:
        source = claim_source(claim.check)
    except (LookupError, OSError, SyntaxError, UnicodeDecodeError, ValueError):
        try:
            source = Path(claim.check.__code__.co_filename).read_text(encoding="utf-8")
        except (AttributeError, OSError, UnicodeDecodeError):
            return None
    h = hashlib.sha256()
    h.update(f"format {FORMAT}\n{package_fingerprint()}\n".encode())
    h.update(json.dumps({"id": claim.id, **{k: _plain(v) for k, v in sorted(options.items())}},
                        sort_keys=True).encode())
    h.update(source.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _plain(v):
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v if isinstance(v, (str, int, float, bool, type(None))) else repr(v)


class Cache:
    """The ``.symderiv_cache`` folder of a project root."""

    def __init__(self, root: Path):
        self.dir = Path(root) / DIRNAME
        self.hits = 0

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

            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            if entry["key"] != key:
                return None
            result = Result.from_json(entry["result"])
        except Exception:  # noqa: BLE001 — a missing or damaged entry is a miss, never a verdict
            return None
        self.hits += 1
        return result

    def put(self, key: str | None, result) -> None:
        if key is None:
            return
        try:
            self._ensure()
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:  # data only: reading an entry runs no code
                json.dump({"key": key, "result": result.to_json()}, f, ensure_ascii=False)
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
