"""What a claim read while it was checked: its depfile, stored with its cached verdict.

The cache's key (:mod:`symderiv.cache`) is what can be known before a claim
runs: its declaration and the source it reaches. What the check reads while it
runs is recorded here, in the process that checks it, like a build system's
depfile, and stored with the result; a cached result is used only if every one
of these reads would give the same answer now (:func:`unchanged`):

* every file opened (the ``open`` audit event: ``open()``, ``io.open``,
  ``pathlib``'s ``read_text``/``read_bytes``, ``os.open``), by the hash of its
  content when it was opened, or its absence; every file whose existence or
  kind was asked (``os.stat``/``os.lstat``: ``os.path.exists``,
  ``Path.is_file`` …), the same way; every folder listed (``os.listdir``,
  ``os.scandir``: ``glob``, ``Path.iterdir``), by its names;
* every environment variable read (``os.environ[k]``, ``.get``, ``in``,
  ``os.getenv``), by its value or its absence; the whole environment when it
  was iterated (``dict(os.environ)``, ``.copy()``);
* every module of the project imported while it ran, by its file's content;
* the working directory, when a path was relative;
* and all that the same process read while it checked earlier claims (a
  reused worker): it may have kept it, in a memo, say.

Files of the standard library, of installed packages and of symderiv itself
are not recorded (the key's package fingerprint stands for them), nor
``/proc``, ``/sys``, ``/dev`` and compiled ``__pycache__`` files (a module's
source is what counts), nor the folders of ``sys.path`` the import system
lists to find a module (the module found counts). Reads by other processes are not seen: a check that
starts one (``subprocess``, ``os.system``, ``os.fork``, ``multiprocessing``)
gets a record that never matches, so its verdict is never taken from the
cache; the prover's solver children, which read only what symderiv sends
them, do not count.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import threading
from contextlib import contextmanager
from functools import lru_cache

#: bump when the recorded format changes
FORMAT = 1
_VOLATILE = ("/proc/", "/sys/", "/dev/")


class Reads:
    """One claim's reads so far (see the module docstring)."""

    def __init__(self):
        self.files: dict[str, str] = {}
        self.env: dict[str, str | None] = {}
        self.env_all: str | None = None
        self.cwd: str | None = None
        self.written: set[str] = set()  # variables the check set before reading them: its own, not a read

    def merge(self, other: "Reads") -> None:
        """Add what ``other`` read (what was first seen stands)."""
        for path, seen in other.files.items():
            self.files.setdefault(path, seen)
        for name, value in other.env.items():
            if name not in self.written:
                self.env.setdefault(name, value)
        self.env_all = self.env_all or other.env_all
        self.cwd = self.cwd or other.cwd

    def to_json(self) -> dict:
        out: dict = {"format": FORMAT, "files": dict(sorted(self.files.items())),
                     "env": dict(sorted(self.env.items()))}
        if self.env_all is not None:
            out["env_all"] = self.env_all
        if self.cwd is not None:
            out["cwd"] = self.cwd
        return out

    # ----- what the hooks call --------------------------------------------------

    def file(self, path, how: str = "open") -> None:
        if isinstance(path, int) or path is None and how == "open":
            return  # an open file descriptor: its path was recorded when it was opened
        try:
            path = os.fsdecode(path if path is not None else ".")
        except TypeError:  # a path-like object that os accepts (it was opened): as a string
            path = os.fsdecode(os.fspath(path))
        if not os.path.isabs(path):
            self.cwd = self.cwd or os.getcwd()
        full = os.path.abspath(path)
        if (full in self.files and not (how == "list" and self.files[full] == "dir")) or _ignored(full):
            return  # seen already (a folder whose existence was asked and is now listed: its names count)
        self.files[full] = observe(full, listing=how == "list")

    def variable(self, name, value) -> None:
        name = os.fsdecode(name) if isinstance(name, bytes) else str(name)
        if name in self.env or name in self.written:
            return
        self.env[name] = os.fsdecode(value) if isinstance(value, bytes) else value

    def everything(self) -> None:
        if self.env_all is None:
            self.env_all = environment_hash()


def observe(path: str, listing: bool = False) -> str:
    """What a read of ``path`` finds: ``file:<sha256>``, ``dir`` (``dir:<names' sha256>`` for a listing), or
    ``absent``; ``other`` for what is neither (a socket, a device)."""
    try:
        if os.path.isdir(path):
            if not listing:
                return "dir"
            names = "\0".join(sorted(os.listdir(path)))
            return "dir:" + hashlib.sha256(names.encode("utf-8", "surrogateescape")).hexdigest()
        if not os.path.exists(path):
            return "absent"
        if not os.path.isfile(path):
            return "other"
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return "file:" + h.hexdigest()
    except OSError as e:
        return f"unreadable:{type(e).__name__}"


def environment_hash() -> str:
    items = sorted((str(k), str(v)) for k, v in _environ_items())
    return hashlib.sha256(repr(items).encode("utf-8", "surrogateescape")).hexdigest()


def _environ_items():
    """The environment's items, read without noting a read (its raw data, under the recording class too)."""
    env = os.environ
    return [(k, env._data[k]) for k in list(env._data)] if hasattr(env, "_data") else list(dict(env).items())


@lru_cache(maxsize=1)
def _skipped_prefixes() -> tuple[str, ...]:
    import sysconfig
    from pathlib import Path

    paths = sysconfig.get_paths()
    out = {str(Path(paths[k]).resolve()) for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    out |= {os.path.abspath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix)}
    out.add(str(Path(__file__).resolve().parent))  # symderiv: the package fingerprint stands for it
    return tuple(p.rstrip(os.sep) + os.sep for p in out)


def _ignored(path: str) -> bool:
    if path.startswith(_VOLATILE) or f"{os.sep}__pycache__{os.sep}" in path:
        return True
    real = os.path.realpath(path)
    return real.startswith(_skipped_prefixes()) or path.startswith(_skipped_prefixes())


def unchanged(recorded) -> bool:
    """Would every read ``recorded`` (:meth:`Reads.to_json`) give the same answer now?"""
    try:
        if recorded.get("format") != FORMAT:
            return False
        if "cwd" in recorded and os.getcwd() != recorded["cwd"]:
            return False
        for name, value in recorded["env"].items():
            if os.environ.get(name) != value:
                return False
        if "env_all" in recorded and environment_hash() != recorded["env_all"]:
            return False
        for path, seen in recorded["files"].items():
            if observe(path, listing=seen.startswith("dir:")) != seen:
                return False
    except (AttributeError, KeyError, TypeError, OSError):  # a damaged record is a miss, never a verdict
        return False
    return True


# ----- the hooks ------------------------------------------------------------------

_state = threading.local()
_current: Reads | None = None
_installed = False
#: what this process read while checking earlier claims: a later claim's reads include it, for the process may
#: have kept it (a memo filled by an earlier claim serves a later one without reading again), so a verdict's
#: record never depends on which claim this process checked before
_EARLIER = Reads()


def _active() -> Reads | None:
    """The Reads to note into, from any thread (a thread the check started reads for it too), and not from inside
    a note (our own reads)."""
    if _current is None or getattr(_state, "busy", False):
        return None
    return _current


def _audit(event: str, args) -> None:
    if _current is None:  # the common case, first: the hook sees every audited event of the process
        return
    if event not in ("open", "os.listdir", "os.scandir") and event not in _CHILDREN:
        return
    try:
        _note(event, args)
    except Exception:  # noqa: BLE001 — a hook must never break the check it watches
        reads = _current
        if reads is not None:
            reads.files["<unrecorded>"] = "unrecorded"  # never what observe() finds: a miss next time


def _note(event: str, args) -> None:
    if event in _CHILDREN:
        _child_process()
        return
    reads = _active()
    if reads is None:
        return
    if event == "open":
        what = "open"
        path, mode, flags = (tuple(args) + (None, None, None))[:3]
        if isinstance(mode, str) and "r" not in mode and "+" not in mode:
            return  # written only ('w', 'x', 'a'): not a read
        if mode is None and isinstance(flags, int) and flags & getattr(os, "O_ACCMODE", 3) == os.O_WRONLY:
            return
    else:
        what = "list"
        path = args[0] if args else None
        if sys._getframe(2).f_code.co_filename.startswith("<frozen importlib"):
            return  # the import system listing a folder of sys.path to find a module: not the check's read
    _state.busy = True
    try:
        reads.file(path, what)
    finally:
        _state.busy = False


#: the audit events of starting another program or process: what it reads cannot be seen from here
_CHILDREN = {"subprocess.Popen", "os.system", "os.posix_spawn", "os.exec", "os.spawn", "os.fork", "os.startfile"}


def _child_process() -> None:
    """The check started another process: its reads are unknown, so the record can never be matched (its verdict
    is recomputed each time); symderiv's own children (the prover's solvers) read only what they are sent."""
    reads = _active()
    if reads is None:
        return
    frame = sys._getframe(3)  # _child_process, _note, _audit, then who raised the event
    here = os.path.dirname(os.path.abspath(__file__)) + os.sep
    guard = here + "concrete.py"  # the guard a user's call goes through is not who started the process
    while frame is not None:
        file = frame.f_code.co_filename
        if file != guard and (not file.startswith(_skipped_prefixes()) or file.startswith(here)):
            break  # the first caller that is not the standard library's subprocess, multiprocessing, …
        frame = frame.f_back
    if frame is not None and frame.f_code.co_filename.startswith(here):
        return
    reads.files["<a child process>"] = "unrecorded"


def _wrap_stat(real):
    def stat(path, *args, **kw):
        reads = _active()
        if reads is not None and not isinstance(path, int):
            _state.busy = True
            try:
                reads.file(path, "stat")
            except Exception:  # noqa: BLE001
                reads.files["<unrecorded>"] = "unrecorded"
            finally:
                _state.busy = False
        return real(path, *args, **kw)

    stat.__wrapped__ = real
    return stat


#: (name, fromlist, package if relative) -> the files of the project modules an import of it names (modules stay
#: put); an import executes often (SymPy imports inside its functions: ~80,000 in a 2 s claim), so it is looked up
_IMPORTS: dict[tuple, tuple[str, ...]] = {}


def _imported_files(key: tuple, name: str, fromlist, level: int) -> tuple[str, ...]:
    from .cache import is_project_module  # (under the busy flag: this import is not looked up again)

    try:
        full = importlib.util.resolve_name("." * level + name, key[2] or "") if level else name
    except (ImportError, ValueError, TypeError):
        return ()
    names = [full] + [f"{full}.{item}" for item in (fromlist or ()) if isinstance(item, str)]
    files = tuple(os.path.abspath(m.__file__) for m in map(sys.modules.get, names) if is_project_module(m))
    if full in sys.modules:
        _IMPORTS[key] = files
    return files


#: names that an absolute import (level 0) may name without naming any module of the project, whatever its
#: fromlist: the module is a regular module or package whose file and every folder it finds submodules in lie in
#: the standard library, an installed package or symderiv (:func:`_outside`). Looked up by the name alone, before
#: anything else: most of a check's ~4 million imports are SymPy's own, inside its functions, of its own modules
_OUTSIDE: set[str] = set()


def _outside(name: str) -> bool:
    """Does ``import name`` (and ``from name import …``, any fromlist) name no module of the project? True only
    for a module in ``sys.modules`` with a file, every folder of whose ``__path__`` (a package's: where its
    submodules are found) is outside the project too; a namespace package (no file, a path that can grow) never."""
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    if module is None or not isinstance(file, str):
        return False
    where = [file]
    path = getattr(module, "__path__", None)
    if path is not None:
        if type(path) is not list:  # a namespace package's _NamespacePath, or anything else: not known to stay put
            return False
        where += path
    skipped = _skipped_prefixes()
    return all(isinstance(w, str) and os.path.realpath(w).startswith(skipped) for w in where)


def _wrap_import(real):
    """``builtins.__import__`` while a claim is checked: a module of the project it imports counts by its file,
    whether or not it was imported already (when the file it was collected from was, by another claim)."""
    imports, outside = _IMPORTS, _OUTSIDE

    def __import__(name, globals=None, locals=None, fromlist=(), level=0):
        module = real(name, globals, locals, fromlist, level)
        if not level and name in outside:  # the common case, first: SymPy importing its own modules
            return module
        try:
            key = (name, fromlist if fromlist is None or type(fromlist) is tuple else tuple(fromlist),
                   (globals or {}).get("__package__") if level else None)
            files = imports.get(key)
            if files == ():  # the common case, first: an import of nothing of the project's
                return module
            reads = _active()
            if reads is None:
                return module
            _state.busy = True
            try:
                if files is None:
                    files = _imported_files(key, name, fromlist, level)
                    if not files and not level and _outside(name):
                        outside.add(name)
                for file in files:
                    if file not in reads.files:
                        reads.files[file] = observe(file)
            finally:
                _state.busy = False
        except Exception:  # noqa: BLE001 — a hook must never break the check it watches
            if _current is not None:
                _current.files["<unrecorded>"] = "unrecorded"
        return module

    return __import__


def _wrap_import_module(real):
    def import_module(name, package=None):
        module = real(name, package)
        reads = _active()
        if reads is not None:
            file = getattr(module, "__file__", None)
            _state.busy = True
            try:
                from .cache import is_project_module

                if file and is_project_module(module):
                    reads.files.setdefault(os.path.abspath(file), observe(os.path.abspath(file)))
            except Exception:  # noqa: BLE001
                reads.files["<unrecorded>"] = "unrecorded"
            finally:
                _state.busy = False
        return module

    import_module.__wrapped__ = real
    return import_module


class _RecordingEnviron(os._Environ):  # type: ignore[name-defined,misc]
    """``os.environ`` while a claim is checked: each read is noted (its class is swapped in and back)."""

    def __getitem__(self, key):
        try:
            value = super().__getitem__(key)
        except KeyError:
            self._note(key, None)
            raise
        self._note(key, value)
        return value

    def __setitem__(self, key, value):
        self._wrote(key)
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self._wrote(key)
        super().__delitem__(key)

    def __iter__(self):
        reads = _active()
        if reads is not None:
            reads.everything()
        return super().__iter__()

    def __len__(self):
        reads = _active()
        if reads is not None:
            reads.everything()
        return super().__len__()

    @staticmethod
    def _note(key, value) -> None:
        reads = _active()
        if reads is not None:
            reads.variable(key, value)

    @staticmethod
    def _wrote(key) -> None:
        reads = _active()
        if reads is not None:
            name = os.fsdecode(key) if isinstance(key, bytes) else str(key)
            if name not in reads.env:
                reads.written.add(name)


def _install() -> None:
    global _installed
    if not _installed:
        sys.addaudithook(_audit)  # for the life of the process: an audit hook cannot be removed
        _installed = True


@contextmanager
def recording():
    """Record what the code run inside reads (in any thread); yields the :class:`Reads`. Nested, or begun in
    another thread while one records: the same record (more reads than its own, never fewer), which goes on
    until the last of them ends."""
    global _users
    with _lock:
        if _users == 0:
            _start()
        _users += 1
        reads = _current
    try:
        yield reads
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                _stop()


_lock = threading.Lock()
_users = 0  # how many recordings are open (nested, or in several threads): the last one to end restores
_patched: list = []  # (where, name, the real one) while recording
_before: set = set()  # the modules loaded when recording began


def _start() -> None:
    global _current, _before
    import builtins
    import importlib

    _install()
    reads = Reads()
    reads.merge(_EARLIER)
    _before = set(sys.modules)
    _patched[:] = [(os, name, getattr(os, name), _wrap_stat) for name in ("stat", "lstat")] + [
        (builtins, "__import__", builtins.__import__, _wrap_import),
        (importlib, "import_module", importlib.import_module, _wrap_import_module)]
    _current = reads
    for e in (os.environ, getattr(os, "environb", None)):
        if type(e) is os._Environ:
            e.__class__ = _RecordingEnviron
    for where, name, real, wrap in _patched:
        setattr(where, name, wrap(real))


def _stop() -> None:
    global _current
    reads = _current
    _current = None
    for e in (os.environ, getattr(os, "environb", None)):
        if type(e) is _RecordingEnviron:
            e.__class__ = os._Environ
    for where, name, real, _ in _patched:
        setattr(where, name, real)
    _patched.clear()
    try:  # a project module imported while the check ran (a first ``import _consts`` in its body)
        from .cache import is_project_module

        for name in set(sys.modules) - _before:
            module = sys.modules.get(name)
            if is_project_module(module):
                full = os.path.abspath(module.__file__)
                reads.files.setdefault(full, observe(full))
    except Exception:  # noqa: BLE001
        reads.files["<unrecorded>"] = "unrecorded"
    _EARLIER.merge(reads)
