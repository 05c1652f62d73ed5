"""pytest plugin (entry point ``pytest11``): ``pytest proofs/`` checks every claim as a test item.

A proof file is collected when it imports symderiv and sits in a folder named
``proofs`` or below one (or is given on the command line, by any path: ``pytest
notes/mine.py``). Each claim, reading and part is an item; a claim expected to
fail is a strict xfail (it must fail, with a certified counterexample); a
verdict other than the expected one fails the test and the failure report shows
the evidence. Items are independent, so ``pytest -n auto`` (pytest-xdist)
spreads them over workers.

Light: loading the plugin imports only pytest (every pytest run where symderiv
is installed loads it); SymPy and the engine are imported when a proof file is
collected. Each claim runs in a worker process under a time limit
(``--symderiv-timeout`` or the ini option ``symderiv_timeout``, seconds or
``none``; default 300), as ``symderiv check`` runs it; a group (readings,
parts) is aggregated from its members' results, which are checked once.
"""
from __future__ import annotations

from pathlib import Path

import pytest

DEFAULT_TIMEOUT = "300"


def pytest_addoption(parser):
    group = parser.getgroup("symderiv")
    group.addoption("--symderiv-seed", type=int, default=0, help="seed of symderiv's counterexample search")
    group.addoption("--symderiv-timeout", default=None,
                    help="each claim's time limit in seconds, or 'none' (default: the ini option, else 300)")
    parser.addini("symderiv_timeout", "each claim's time limit in seconds, or 'none'", default=DEFAULT_TIMEOUT)


def _timeout(config) -> float | None:
    raw = config.getoption("symderiv_timeout") or config.getini("symderiv_timeout") or DEFAULT_TIMEOUT
    if str(raw).strip().lower() == "none":
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:
        raise pytest.UsageError(f"symderiv timeout {raw!r}: a positive number of seconds, or 'none'")
    return seconds


def _given(config) -> set[Path]:
    """The files named on the command line, resolved against the directory pytest was started in."""
    if not hasattr(config, "_symderiv_given"):
        base = Path(config.invocation_params.dir)
        given = set()
        for a in config.args:
            a = str(a).split("::", 1)[0]
            try:
                given.add((base / a).resolve())
            except (OSError, ValueError):
                pass
        config._symderiv_given = given
    return config._symderiv_given


def _configured(config) -> list[Path]:
    """The folders ``[tool.symderiv] paths`` names (the project's proof files, as ``symderiv check`` reads them)."""
    if not hasattr(config, "_symderiv_paths"):
        from .config import find
        from .errors import UsageError

        try:
            found = find(Path(config.rootpath))
        except UsageError as e:
            raise pytest.UsageError(str(e)) from None
        config._symderiv_paths = [Path(p).resolve() for p in found.paths()]
    return config._symderiv_paths


def _is_proof_file(file_path, config) -> bool:
    """A proof file as ``symderiv check`` collects one: a .py file (not ``_…`` nor ``conftest.py``) that imports
    symderiv, below a folder named ``proofs``, below a ``[tool.symderiv] paths`` folder, or named on the command
    line (unless pytest collects it as a test module itself: a ``test_*.py`` given by its path outside those folders
    is pytest's). Below those folders its name may start with ``test_``, and its bytes may be in any encoding Python reads (a coding line)."""
    if file_path.suffix != ".py" or file_path.name.startswith("_") or file_path.name == "conftest.py":
        return False
    path = Path(file_path).resolve()
    under = any(path == p or p in path.parents for p in _configured(config)) or "proofs" in file_path.parent.parts
    if not under and (path not in _given(config) or _a_test_module(file_path, config)):
        # given by its path, a module pytest collects as tests itself (test_*.py) is pytest's: importing it as a
        # proof file would rewrite its code as a check's (str() of a Relation at import refused, say)
        return False
    try:
        return b"symderiv" in file_path.read_bytes()
    except OSError:
        return False


def _a_test_module(file_path, config) -> bool:
    """Does the name match pytest's ``python_files`` (test_*.py, *_test.py unless configured otherwise)?"""
    from fnmatch import fnmatch

    return any(fnmatch(file_path.name, pattern) for pattern in config.getini("python_files"))


def pytest_configure(config):
    """A bad ``--symderiv-timeout`` is a usage error at once (pytest exits 4), not a failure of every item."""
    _timeout(config)


def pytest_collect_file(file_path, parent):
    if _is_proof_file(file_path, parent.config):
        return ProofFile.from_parent(parent, path=file_path)
    return None


#: the session's worker pool: one warm worker for the claims of every collected proof file, each claim in a fresh
#: fork of it, as `symderiv check` does (runner.py: no claim sees another's state; started at the first claim,
#: when every file is collected; stopped when the session ends)
_POOL = pytest.StashKey[object]()


def _workers(item):
    """The session's worker pool, over the claims of every proof file the session collected."""
    from .claims import Collection
    from .runner import Workers

    config = item.config
    pool = config.stash.get(_POOL, None)
    mine = item.collection.items
    if pool is None or any(pool.col.items.get(cid) is not c for cid, c in mine.items()):  # a group's members too
        if pool is not None:  # a claim the pool does not know, or knows as another file's: a new pool
            pool.close()
        merged = Collection()
        for other in item.session.items:
            if isinstance(other, ClaimItem):
                merged.items.update(other.collection.items)
        merged.items.update(item.collection.items)
        pool = config.stash[_POOL] = Workers(merged, jobs=1, timeout=_timeout(config),
                                             seed=config.getoption("symderiv_seed"))
    return pool


def pytest_sessionfinish(session):
    pool = session.config.stash.get(_POOL, None)
    if pool is not None:
        pool.close()


class ProofFile(pytest.File):
    def collect(self):
        from .tuning import tune

        tune()  # the first proof file imports SymPy: its caches sized as `symderiv check` sizes them (tuning.py)
        from .claims import Collection, collect_file

        col = Collection()
        collect_file(self.path, col)
        for path, cause in col.errors:
            raise self.CollectError(f"{path}: {cause}")
        done: dict = {}  # the file's results so far: a group reuses its members'
        for cid in col.items:
            yield ClaimItem.from_parent(self, name=cid, collection=col, cid=cid, done=done)


class ClaimItem(pytest.Item):
    def __init__(self, *, collection, cid: str, done: dict, **kw):
        super().__init__(**kw)
        from .claims import expected_of
        from .results import Verdict

        self.collection, self.cid, self.done = collection, cid, done
        if expected_of(collection, cid) == Verdict.FAILS:
            self.add_marker(pytest.mark.xfail(strict=True, raises=ClaimFailed,
                                              reason="the proof file expects a certified counterexample"))
        self.result = None

    def _result(self, cid: str):
        """``cid``'s result: from this file's results if it was checked already, else checked now (a group:
        aggregated from its members', each checked once)."""
        from . import engine
        from .claims import Group

        if cid in self.done:
            return self.done[cid]
        item = self.collection.items[cid]
        if isinstance(item, Group):
            for m in item.members:
                self._result(m)
            res = next(r for r in engine.run(self.collection, [cid], precomputed=self.done) if r.id == cid)
        else:
            res = _workers(self).check(cid)
        self.done[cid] = res
        return res

    def runtest(self):
        from .results import Verdict

        self.result = r = self._result(self.cid)
        expected = r.wanted
        if r.verdict == Verdict.FAILS:
            raise ClaimFailed(r, expected)
        if r.verdict != expected and not (expected == Verdict.FAILS and r.verdict == Verdict.HOLDS):
            raise ClaimMismatch(r, expected)  # (a holds where fails was expected: strict XPASS)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, (ClaimFailed, ClaimMismatch)):
            r = self.result
            where = f"{self._location()}: {r.id}" if r is not None else ""
            if r is None or r.counterexample is None:
                return "\n".join(x for x in (where, str(excinfo.value)) if x)
            from .report.common import reproduce_command
            from .report.evidence import describe, plain_lines  # the report's one description of a witness

            head = [where, f"{r.id} {r.verdict.value}, expected {r.wanted.value} ({r.where})",
                    f"statement: {r.statement}", f"scope: {r.scope}"]
            meta = {"seed": self.config.getoption("symderiv_seed")}
            return "\n".join(head + plain_lines(describe(r)) + [f"reproduce: {reproduce_command(r, meta)}"])
        return super().repr_failure(excinfo)

    def _location(self) -> str:
        """The claim's ``file:line``, the file relative to where pytest was started (as its own reports give it)."""
        from .claims import relative

        _path, line, _ = self.reportinfo()
        return f"{relative(self.path)}:{line + 1}"

    def reportinfo(self):
        item = self.collection.items[self.cid]
        source = getattr(item, "source", "")
        line = int(source.rsplit(":", 1)[1]) - 1 if ":" in source else 0
        return self.path, line, f"{self.cid} ({item.where})"


class ClaimMismatch(Exception):
    """A verdict other than the expected one; ``result`` is the engine's Result (the evidence)."""

    def __init__(self, r, expected):
        self.result, self.expected = r, expected
        super().__init__(f"{r.id}: {r.verdict.value}, expected {expected.value}\n{r.where}: {r.statement}\n"
                         f"{r.error or r.scope}")


class ClaimFailed(Exception):
    """A certified counterexample: the claim fails (strict xfail when the proof file expects it).

    ``result`` is the engine's Result, counterexample (witness σ included) and certificate.
    """

    def __init__(self, r, expected):
        self.result, self.expected = r, expected
        c = r.counterexample
        lines = [f"{r.id} fails ({r.where}): {r.statement}", f"scope: {r.scope}"]
        if c is not None:
            lines.append("counterexample at " + ", ".join(f"{k} = {v}" for k, v in c.size.items()))
            if c.sigma is not None:
                from .functions import PolynomialSigma

                lines.append(f"  witness σ(x) = {PolynomialSigma(tuple(c.sigma))}")
            lines += [f"  {k} = {v}" for k, v in c.point.items()]
            if c.kind == "identity":
                lines.append(f"  entry {c.entry}: lhs = {c.lhs}, rhs = {c.rhs}")
            else:
                lines.append(f"  step {c.step!r}: lhs = {c.lhs}, rhs = {c.rhs}")
            lines.append(f"certificate: {r.certificate}")
        super().__init__("\n".join(lines))
