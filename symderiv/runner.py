"""Running claims under a time budget, in worker processes.

Claims run in worker processes, so that a claim that runs out of its budget
can be stopped and a claim that crashes or exits its process takes nothing
else down. A worker is a warm parent: it inherits the run's imports, the
collected proof files and the warm-up done before it was forked, and it never
runs a claim itself: each claim it is given runs in a fresh fork of it
(``os.fork``), which sends the result and exits. A verdict therefore depends
on nothing but the claim (issue 19): whatever a claim changes (a module's
global, a settings object's attribute, a list deep in a config dict, SymPy's
caches and global parameters, a thread it leaves running) ends with its
process, whatever ran before it, in any order. ``isolate=True``
(``--isolate``) gives each claim a fresh worker as well. A worker whose claim
overruns its budget is killed (its claim's process with it) and replaced. The
engine tells its observer the phase it enters, and the claim's process sends
it through the worker's pipe; a claim stopped at its budget is ``undecided``
with that phase named. Up to ``jobs`` claims run at once, the longest first
(:func:`schedule`: the cache's measured times, else an estimate from each
claim's declaration), so that no long claim starts last.

No worker outlives the run: whatever ends :func:`run_claims` early (Ctrl-C, a
signal the caller turns into an exception, a bug) kills and reaps the running
workers (and their claims' processes) on the way out, and on Linux the kernel
kills a worker whose parent died without that chance, and a claim's process
whose worker died (SIGKILL).

Start methods: where ``fork`` is safe (Linux) a worker is forked and inherits
the collected proof files (nothing is re-imported). Elsewhere (Windows, and
macOS, where Python's default is ``spawn``) or with
``SYMDERIV_START_METHOD=spawn``, each claim gets a worker of its own (there is
no safe fork to take a fresh process from a warm one): it starts a fresh
interpreter and is told only the proof file's path and the claim's id, imports
that file again, checks that claim (a claim's check is a closure over its
module and cannot be pickled) and exits. The verdict does not depend on the
start method.

With a verdict cache (:mod:`symderiv.cache`), a claim whose key is stored is
not run at all; a result the engine returned is stored. ``stop`` ends the run
after the first result it accepts (``-x``): running workers are stopped, and
only the claims whose every member has a result are reported.
"""
from __future__ import annotations

import functools
import gc
import importlib
import multiprocessing as mp
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, replace

from . import engine
from .claims import Claim, Collection, Group, _one_line
from .results import Result, Verdict

#: the default per-claim budget, in seconds
DEFAULT_TIMEOUT = 300.0
#: the default per-claim memory budget: the memory the claim's process holds of its own (_resident), in bytes. A claim past it is
#: stopped, undecided, as one past its time budget is (an exact normal form has no size bound of its own: without
#: this a large one could take the machine's memory and abort its process, an error that says nothing of the claim)
DEFAULT_MEMORY = 4 * 2 ** 30


def _resident_set(pid: int) -> int | None:
    """Process ``pid``'s resident set in bytes (Linux's /proc/PID/statm: the kernel's counters, a few µs),
    or None where it cannot be read. It counts every page the process maps, its parent's shared ones too, so it is
    an upper bound of what :func:`_resident` counts."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


#: bytes by which the resident-set counters may lag the pages (per-CPU batches: well under a MB on this kernel);
#: below the budget by more than this, a process's own pages are below it too
RSS_SLACK = 64 * 2 ** 20


def _resident(pid: int) -> int | None:
    """The memory process ``pid`` holds of its own, in bytes (Linux's /proc), or None where it cannot be read: its
    private pages (smaps_rollup's Private_Clean + Private_Dirty). A claim's process is a fork of a worker (of the
    CLI, or of pytest, which may hold gigabytes): its resident set counts every page it still shares with its
    parent, so the budget would charge the claim for its parent's memory (a claim of a few MB was stopped at 0.5 GB
    when the test suite ran it from a large pytest process). Where smaps_rollup is missing: the resident set."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            own = sum(int(line.split()[1]) for line in f if line.startswith(("Private_Clean:", "Private_Dirty:")))
        return own * 1024
    except (OSError, ValueError, IndexError):
        pass
    return _resident_set(pid)


def memory_words(budget: float) -> str:
    """'4 GB', '0.5 GB': a memory budget as the user gave it."""
    return f"{budget / 2 ** 30:g} GB"
#: the signals that stop a run; held back while a worker is started, so none is started untracked
_STOP = {signal.SIGINT, signal.SIGTERM}


@dataclass
class _Worker:
    """A worker process, its pipe, and the claim it is checking (``cid`` None: idle)."""

    proc: object
    conn: object
    cid: str | None = None
    start: float = 0.0
    phase: str = "start"
    checked: int = 0
    child: int | None = None  # under fork: the pid of the process checking ``cid`` (a fresh fork of the worker)
    sent: int = 0  # claims given to it so far: the worker numbers the ends of its claims' processes alike


def _die_with(parent: int) -> None:
    """Linux: have the kernel SIGKILL this worker when its parent dies, even by a signal no handler sees."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def start_method() -> str:
    """``fork`` where it is safe and available (Linux), else ``spawn``; ``SYMDERIV_START_METHOD`` overrides."""
    wanted = os.environ.get("SYMDERIV_START_METHOD", "").strip()
    if wanted:
        return wanted
    return "fork" if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods() else "spawn"


@functools.cache
def _collected(path: str) -> Collection:
    """Under spawn: a proof file imported again in this worker (once per worker, as under fork it is inherited)."""
    from pathlib import Path

    from .claims import collect_file

    col = Collection()
    collect_file(Path(path), col)
    return col


def _proof_file(claim: Claim) -> str:
    """The file a spawned worker imports to rebuild ``claim``: the proof file it was collected from."""
    code = getattr(claim.check, "__code__", None)
    return claim.collected_from or (code.co_filename if code is not None else "")


def _reimport(spec) -> Claim:
    """Under spawn: the claim, from its proof file imported again in this fresh process."""
    path, cid = spec
    col = _collected(path)
    if cid not in col.items:
        cause = col.errors[0][1] if col.errors else "the claim is no longer declared there"
        raise RuntimeError(f"re-importing {path} in a spawned worker: {cause}")
    return col.items[cid]


def _phase_sender(conn):
    """The engine's phase observer in a worker: each change of phase goes to the parent, a repeat does not (the
    search enters its phase once per candidate, and every message wakes the parent)."""
    last = [None]

    def send(name) -> None:
        if name != last[0]:
            last[0] = name
            conn.send(("phase", name))

    return send


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 — a closed or broken stream has nothing to lose
            pass


def _reap(pid: int) -> int:
    """Wait for the claim's process to end: its exit code (−N: killed by signal N)."""
    while True:
        try:
            _, status = os.waitpid(pid, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            return -1
        return os.waitstatus_to_exitcode(status)


def _serve(conn, col: Collection | None, kw: dict, parent: int) -> None:
    """A worker: check each claim the parent sends (its id; under spawn, its proof file and id), until told to stop.

    Under fork this process is a warm parent that never runs a claim itself: each claim runs in a fresh fork of it,
    which sends its result and exits, so whatever a claim changes (a module's global, a settings object, SymPy's
    caches and parameters) ends with it. The parent then reports the child's exit code (``("exit", k, code)``
    for its k-th claim), which is the claim's error if no result came. Under spawn this process checks one
    claim and exits.
    """
    # The parent stops its workers (Ctrl-C reaches the whole terminal's process group: the parent acts on it);
    # the handlers it installed for itself (SIGTERM) must not run here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP)  # held back by the parent while it started this worker
    _die_with(parent)
    if col is not None:  # what it inherited stays out of the garbage collector's passes in each claim's process:
        gc.freeze()      # else each one's first full pass writes to every object's header (copy-on-write, ~10% CPU)
    warm, k = os.getpid(), 0
    while True:
        try:
            what = conn.recv()
        except (EOFError, OSError):  # the parent is gone or closed the pipe
            return
        if what is None:
            return
        k += 1
        if col is not None:  # fork: the claim runs in a fresh child of this warm process
            _flush()  # (nothing buffered here is written twice)
            pid = os.fork()
            if pid:
                code = _reap(pid)
                try:
                    conn.send(("exit", k, code))
                except OSError:  # the parent closed the pipe (the run ended as the claim's process exited)
                    return
                continue
        code = 1
        try:
            if col is not None:
                _die_with(warm)
            conn.send(("pid", os.getpid()))
            claim = None
            try:
                claim = col.items[what] if col is not None else _reimport(what)
                res = engine.check_claim(claim, on_phase=_phase_sender(conn), **kw)
            except BaseException as e:  # noqa: BLE001 — anything at all becomes this claim's error
                res = (engine.result_for(claim, Verdict.ERROR, error=f"the check crashed: {_one_line(e)}")
                       if isinstance(claim, Claim) else ("crash", _one_line(e)))
            try:
                conn.send(("result", res))
            except Exception as e:  # noqa: BLE001 — a result that cannot be sent (pickled) is the claim's error
                conn.send(("result", ("crash", f"its result could not be sent: {_one_line(e)}")))
            code = 0
        finally:
            if col is not None:  # the claim's own process ends here, whatever happened
                _close_solvers()
                _flush()
                os._exit(code)
        return  # spawn: one claim per process


def _close_solvers() -> None:
    """The claim's warm solver children (cvc5, z3) end with it, mid-answer or not."""
    solvers = sys.modules.get("symderiv.prove.solvers")
    if solvers is not None:
        try:
            solvers._close_children()
        except Exception:  # noqa: BLE001 — they end anyway when their stdin closes
            pass


def _stopped(claim: Claim, verdict: Verdict, why: str, seconds: float) -> Result:
    """Out of budget: undecided; crashed: error. Either way the reason is the scope."""
    return engine.result_for(claim, verdict, scope=why, error=why if verdict == Verdict.ERROR else None,
                             seconds=seconds)


def _receive(job: _Worker, wait: float):
    """Read what the worker sent: the phases it entered (kept), then its result, if it has come; a claim whose
    process ended without one: ``("exit", code)``."""
    res = None
    try:
        while res is None and job.conn.poll(wait):
            tag, *payload = job.conn.recv()
            if tag == "phase":
                job.phase = payload[0]
            elif tag == "pid":
                job.child = payload[0]
            elif tag == "result":
                res = payload[0]
            elif tag == "exit" and payload[0] == job.sent and job.cid is not None:  # (not the last claim's end)
                res = ("exit", payload[1])
    except Exception:  # noqa: BLE001 — a pipe cut mid-message: the worker died, which the caller reports
        pass
    return res


def _block(how, signals):
    return signal.pthread_sigmask(how, signals) if hasattr(signal, "pthread_sigmask") else None


#: a static estimate's seconds: per size proved in real arithmetic (prove=), per size of a relational search
#: (doubled with a model: each candidate unrolls it), per size of an identity (doubled with a model)
EST_PROVE, EST_SEARCH, EST_IDENTITY = 3.0, 0.3, 0.1
#: a size proved by default (no prove=: a small budget per sentence, see symderiv.prove.DEFAULT_BUDGET)
EST_PROVE_DEFAULT = 1.0


def estimate(claim: Claim) -> float:
    """A claim's likely seconds, from its declaration alone: the order of a run without measured times.

    Crude by design (it only has to put the prove= claims and the model-based searches, the long ones,
    before the many short identities); a claim whose sizes do not even build is estimated at 0.
    """
    try:
        sizes = claim.sizes.sizes()
    except Exception:  # noqa: BLE001 — the engine reports it; scheduling only needs a number
        return 0.0
    model = 2.0 if getattr(claim, "model", None) is not None else 1.0
    if claim.relational:
        per = EST_SEARCH * model * getattr(claim, "budget", 120) / 120
        prove = EST_PROVE_DEFAULT if getattr(claim, "proves_by_default", False) else EST_PROVE
        return sum(per + (prove if claim.proves_at(size) else 0.0) for size in sizes)
    return EST_IDENTITY * model * len(sizes)


def schedule(col: Collection, leaves: list[str], durations: dict[str, float] | None = None) -> list[str]:
    """Longest first (a shorter tail at ``-j N``): measured seconds where known (``durations``, from the
    cache's last run), else :func:`estimate`. Stable: equal estimates keep their order."""
    known = durations or {}
    return sorted(leaves, key=lambda cid: -known.get(cid, estimate(col.items[cid])))


def _wait_any(running: list, timeout: float) -> None:
    """Until a running worker sends something or exits, or ``timeout`` passes (at once when one has)."""
    from multiprocessing.connection import wait

    handles = [job.conn for job in running] + [job.proc.sentinel for job in running]  # busy workers
    if handles:
        try:
            wait(handles, timeout)
        except (OSError, ValueError):  # a handle closed under us: the loop below reads what happened
            pass


#: what the engine imports on first use: NumPy and SymEngine (the search, the fast backends), the F_p layer, the
#: report's meaning of a side, a few SymPy modules; and, for the prove phase (``prove=``), Clarabel, SciPy's sparse
#: matrices, python-flint and the prover's own modules (about 0.3 s of CPU). Imported once, in the parent, before the
#: first worker is forked: otherwise every claim's fresh process would import them again.
WARM = ("numpy", "symengine", "symderiv.fp", "symderiv.meaning", "sympy.assumptions.wrapper", "sympy.sets.setexpr",
        "symderiv.kernel.radicals", "symderiv.kernel.peel")
WARM_PROVER = ("scipy.sparse", "scipy.linalg", "clarabel", "flint", "concurrent.futures.thread", "symderiv.kernel.sos",
               "symderiv.kernel.psatz", "symderiv.prove.psatz",
               "symderiv.prove.lemmas", "symderiv.prove.scope", "symderiv.prove.solvers", "symderiv.prove.sos",
               "sympy.polys.domains.old_fractionfield", "sympy.polys.domains.old_polynomialring")


@functools.cache
def _warm(prover: bool) -> None:
    for mod in WARM + (WARM_PROVER if prover else ()):
        try:
            importlib.import_module(mod)
        except ImportError:  # (an optional backend, or the phase that needs it reports it)
            pass


class Workers:
    """Up to ``jobs`` worker processes checking claims of ``col``, claim after claim, each in a fresh fork of its
    worker (``isolate``, or under spawn: a worker for each claim).

    :meth:`submit` gives a claim to an idle worker (starting one if fewer than ``jobs`` run); :meth:`wait`
    returns the claims answered since (id, result, whether the engine computed it), replacing a worker whose
    claim ran out of its budget, crashed or exited; :meth:`close` stops them all (also a context manager).
    """

    def __init__(self, col: Collection, *, jobs: int = 1, timeout: float | None = DEFAULT_TIMEOUT,
                 memory: float | None = DEFAULT_MEMORY, method: str | None = None, isolate: bool = False,
                 warm: bool = False, **kw):
        self.col, self.jobs, self.timeout, self.memory, self.kw = col, max(1, jobs), timeout, memory, kw
        self.isolate, self.warm = isolate, warm
        self.method = method or start_method()
        self.ctx = mp.get_context(self.method)
        self.workers: list[_Worker] = []
        self.retired: list = []  # told to stop (or killed): reaped without holding up the next claim

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def busy(self) -> int:
        return sum(w.cid is not None for w in self.workers)

    def free(self) -> bool:
        """Can a claim be submitted now (an idle worker, or room for a new one)?"""
        return len(self.workers) < self.jobs or any(w.cid is None for w in self.workers)

    def submit(self, cid: str, *, fresh: bool = False) -> None:
        """Give ``cid`` to an idle worker (``fresh``: to a new one), starting one if none is idle."""
        what = cid if self.method == "fork" else (_proof_file(self.col.items[cid]), cid)
        worker = None if fresh else next((w for w in self.workers if w.cid is None), None)
        if worker is not None:
            try:
                worker.conn.send(what)
            except (OSError, ValueError):  # it died while idle (a claim's leftover thread killed it): replace it
                self._retire(worker, kill=True)
                worker = None
        if worker is None:
            worker = self._start()
            worker.conn.send(what)
        worker.cid, worker.start, worker.phase, worker.child = cid, time.perf_counter(), "start", None
        worker.sent += 1

    def _start(self) -> _Worker:
        if self.method == "fork":
            _warm(self.warm)  # once, in the parent: every worker, and every claim's process, inherits it
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(target=_serve, daemon=True,
                                args=(child, self.col if self.method == "fork" else None, self.kw, os.getpid()))
        mask = _block(signal.SIG_BLOCK, _STOP)  # a stop between fork and append: after
        try:
            proc.start()
            worker = _Worker(proc, parent)
            self.workers.append(worker)
        finally:
            if mask is not None:
                _block(signal.SIG_SETMASK, mask)
        child.close()
        return worker

    def _retire(self, worker: _Worker, kill: bool = False) -> None:
        self.workers.remove(worker)
        if kill:
            if worker.child is not None and worker.cid is not None and worker.child != worker.proc.pid:
                try:  # the claim's own process (a fork of the worker): on Linux it would die with it anyway
                    os.kill(worker.child, signal.SIGKILL)
                except OSError:
                    pass
            worker.proc.kill()
        else:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
        worker.conn.close()
        self.retired.append(worker.proc)

    def _over_memory(self, worker: _Worker) -> bool:
        """Has the claim's process (a fork of the worker, else the worker) outgrown the memory budget?

        Asked every poll (20 times a second per busy worker). Its own pages (:func:`_resident`, smaps_rollup) cost
        the kernel a walk of the process's page tables, ~5.6 ms of system time for a process of 300 MB (the cold
        audit's system time was 28–37 s under load, growing with its wall time; 7–8 s without these walks, see
        benchmarks/RESULTS.md, cpu3); its resident set (statm, ~0.004 ms) bounds them from above, so they are read
        only when the resident set is within :data:`RSS_SLACK` of the budget."""
        if self.memory is None:
            return False
        pid = worker.child if worker.child is not None else worker.proc.pid
        rss = _resident_set(pid)
        if rss is not None and rss + RSS_SLACK <= self.memory:
            return False
        own = _resident(pid)
        return own is not None and own > self.memory

    def wait(self, poll: float = 0.05) -> list[tuple[str, Result, bool]]:
        """The claims answered within about ``poll`` seconds: (id, result, computed by the engine)."""
        busy = [w for w in self.workers if w.cid is not None]
        _wait_any(busy, poll)
        self.retired[:] = [p for p in self.retired if p.exitcode is None]  # reaps those that have exited
        out = []
        for worker in busy:
            res = _receive(worker, 0)
            elapsed = time.perf_counter() - worker.start
            claim = self.col.items[worker.cid]
            if res is None and not worker.proc.is_alive():
                res = _receive(worker, 0)  # it may have sent its result just before it exited
            computed = isinstance(res, Result)
            if isinstance(res, tuple) and res[0] == "exit":  # the claim's process ended without a result
                res = _stopped(claim, Verdict.ERROR, f"the claim's process crashed (exit code {res[1]}) in phase "
                               f"{worker.phase}", elapsed)
            elif isinstance(res, tuple):  # a spawned worker that could not even rebuild its claim
                res = _stopped(claim, Verdict.ERROR, f"the check crashed: {res[1]}", elapsed)
            if res is None and not worker.proc.is_alive():
                worker.proc.join()
                self._retire(worker, kill=True)
                if worker.checked:  # not this claim's doing, perhaps (the worker itself was killed): once more
                    self._retry(worker.cid)
                    continue
                res = _stopped(claim, Verdict.ERROR, f"the worker process crashed (exit code "
                               f"{worker.proc.exitcode}) in phase {worker.phase}", elapsed)
            elif res is None and self._over_memory(worker):
                self._retire(worker, kill=True)
                res = _stopped(claim, Verdict.UNDECIDED, f"ran out of its {memory_words(self.memory)} memory budget "
                               f"in phase {worker.phase}; no verdict was established", elapsed)
            elif res is None and self.timeout is not None and elapsed > self.timeout:
                self._retire(worker, kill=True)
                res = _stopped(claim, Verdict.UNDECIDED, f"ran out of its {self.timeout:g} s budget in phase "
                               f"{worker.phase}; no verdict was established", elapsed)
            elif res is not None:
                worker.checked += 1
                if self.isolate or self.method != "fork":  # (a spawned worker checks one claim and exits)
                    self._retire(worker)
            if res is not None:
                out.append((worker.cid, res, computed))
                worker.cid = None
        return out

    def _retry(self, cid: str) -> None:
        """``cid`` once more, on a fresh worker: its verdict (or crash) is then its own."""
        self.submit(cid, fresh=True)

    def check(self, cid: str) -> Result:
        """One claim, start to end (the pytest plugin's way: one item at a time)."""
        self.submit(cid)
        while True:
            for got, res, _ in self.wait():
                if got == cid:
                    return res

    def close(self) -> None:
        """Stop every worker: a busy one is killed, an idle one told to exit; none outlives this call."""
        for worker in list(self.workers):
            self._retire(worker, kill=worker.cid is not None)
        deadline = time.monotonic() + 5  # idle ones were told to stop: let them exit, together, but not past 5 s
        for proc in self.retired:
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
            if proc.exitcode is None:
                proc.kill()
                proc.join()
        self.retired.clear()


def run_claims(col: Collection, ids: list[str], *, jobs: int = 1, timeout: float | None = DEFAULT_TIMEOUT,
               on_result=None, cache=None, stop=None, method: str | None = None, isolate: bool = False,
               memory: float | None = DEFAULT_MEMORY, **kw) -> list[Result]:
    """Like :func:`engine.run`, but each claim in a worker process under ``timeout`` seconds and ``memory`` bytes
    of resident memory (None: no budget).

    ``cache``: a :class:`symderiv.cache.Cache` (stored results are reused, new ones stored);
    ``stop``: a predicate on each claim's result; the first it accepts ends the run (``-x``);
    ``method``: the multiprocessing start method (default :func:`start_method`);
    ``isolate``: a fresh worker for every claim as well (default: a worker forks each claim a fresh process).
    """
    leaves: list[str] = []

    def add(cid):
        item = col.items[cid]
        for m in (item.members if isinstance(item, Group) else []):
            add(m)
        if isinstance(item, Claim) and cid not in leaves:
            leaves.append(cid)

    for cid in ids:
        add(cid)
    done: dict[str, Result] = {}
    keys: dict[str, str | None] = {}
    options = {"n": kw.get("n"), "t": kw.get("t"), "m": kw.get("m"), "backend": kw.get("backend", "auto"), "seed": kw.get("seed", 0),
               "timeout": timeout}
    pending = list(leaves)
    shuffle = os.environ.get("SYMDERIV_SHUFFLE", "").strip()
    if shuffle:  # (a test's: the verdicts do not depend on the order, tests/test_runner_isolation.py)
        random.Random(shuffle).shuffle(pending)
    elif jobs > 1:  # longest first (as last measured, else estimated): a shorter tail
        pending = schedule(col, pending, cache.durations() if cache is not None else None)
    stopped = False

    def finish(cid: str, res: Result) -> None:
        nonlocal stopped
        done[cid] = res
        if on_result:
            on_result(res)
        if stop is not None and stop(res):
            stopped = True

    def next_claim() -> str | None:
        """The next pending claim that is not answered by the cache (those are finished on the way)."""
        while pending and not stopped:
            cid = pending.pop(0)
            if cache is not None:
                from .cache import claim_key

                keys[cid] = claim_key(col.items[cid], options)
                hit = cache.get(keys[cid])
                if hit is not None:  # where the claim is now (a line added above it, or the same claim elsewhere)
                    cache.hit_ids.add(cid)
                    finish(cid, replace(hit, source=col.items[cid].source))
                    continue
            return cid
        return None

    warm = any(getattr(col.items[c], "proving", False) and getattr(col.items[c], "relational", False)
               for c in leaves)
    with Workers(col, jobs=jobs, timeout=timeout, memory=memory, method=method, isolate=isolate, warm=warm,
                 **kw) as workers:
        while not stopped:
            while workers.free() and not stopped:
                cid = next_claim()
                if cid is None:
                    break
                workers.submit(cid)
            if stopped or not workers.busy():
                break
            for cid, res, computed in workers.wait():
                if computed and cache is not None:
                    cache.put(keys.get(cid), res)
                finish(cid, res)
                if stopped:
                    break
    if stopped:  # -x: report only what is complete (a group, when each of its members has a result)
        def complete(cid):
            item = col.items[cid]
            return all(complete(m) for m in item.members) if isinstance(item, Group) else cid in done

        ids = [cid for cid in ids if complete(cid)]
    # groups aggregate in the parent, in the engine's own way
    return engine.run(col, ids, precomputed=done, on_result=on_result, **kw)
