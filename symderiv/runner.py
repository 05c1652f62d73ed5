"""Running claims under a time budget, in worker processes.

Each claim runs in its own forked process (the collected proof files are
inherited, nothing is re-imported), so that a claim that runs out of its
budget can be stopped and a claim that crashes or exits its process takes
nothing else down. The engine tells its observer the phase it enters, and the
worker sends it through a pipe; a claim stopped at its budget is
``undecided`` with that phase named. Up to ``jobs`` claims run at once.

No worker outlives the run: whatever ends :func:`run_claims` early (Ctrl-C, a
signal the caller turns into an exception, a bug) kills and reaps the running
workers on the way out, and on Linux the kernel kills a worker whose parent
died without that chance (SIGKILL).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import time
from dataclasses import dataclass

from . import engine
from .claims import Claim, Collection, Group, _one_line
from .results import Result, Verdict

#: the default per-claim budget, in seconds
DEFAULT_TIMEOUT = 300.0
#: the signals that stop a run; held back while a worker is started, so none is started untracked
_STOP = {signal.SIGINT, signal.SIGTERM}


@dataclass
class _Job:
    cid: str
    proc: object
    conn: object
    start: float
    phase: str = "start"


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


def _child(conn, claim: Claim, kw: dict, parent: int) -> None:
    # The parent stops its workers (Ctrl-C reaches the whole terminal's process group: the parent acts on it);
    # the handlers it installed for itself (SIGTERM) must not run here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP)  # held back by the parent while it started this worker
    _die_with(parent)
    try:
        res = engine.check_claim(claim, on_phase=lambda name: conn.send(("phase", name)), **kw)
    except BaseException as e:  # noqa: BLE001 — anything at all becomes this claim's error
        res = engine.result_for(claim, Verdict.ERROR, error=f"the check crashed: {_one_line(e)}")
    conn.send(("result", res))
    conn.close()


def _stopped(claim: Claim, verdict: Verdict, why: str, seconds: float) -> Result:
    """Out of budget: undecided; crashed: error. Either way the reason is the scope."""
    return engine.result_for(claim, verdict, scope=why, error=why if verdict == Verdict.ERROR else None,
                             seconds=seconds)


def _receive(job: _Job, wait: float) -> Result | None:
    """Read what the worker sent: the phases it entered (kept), then its result, if it has come."""
    res = None
    try:
        while job.conn.poll(wait):
            tag, payload = job.conn.recv()
            if tag == "phase":
                job.phase = payload
            else:
                res = payload
    except Exception:  # noqa: BLE001 — a pipe cut mid-message: the worker died, which the caller reports
        pass
    return res


def run_claims(col: Collection, ids: list[str], *, jobs: int = 1, timeout: float | None = DEFAULT_TIMEOUT,
               on_result=None, **kw) -> list[Result]:
    """Like :func:`engine.run`, but each claim in a worker process under ``timeout`` seconds (None: no budget)."""
    leaves: list[str] = []

    def add(cid):
        item = col.items[cid]
        for m in (item.members if isinstance(item, Group) else []):
            add(m)
        if isinstance(item, Claim) and cid not in leaves:
            leaves.append(cid)

    for cid in ids:
        add(cid)
    ctx = mp.get_context("fork")
    done: dict[str, Result] = {}
    pending = list(leaves)
    running: list[_Job] = []
    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                cid = pending.pop(0)
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(child, col.items[cid], kw, os.getpid()), daemon=True)
                mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP)  # a stop between fork and append: after
                try:
                    proc.start()
                    running.append(_Job(cid, proc, parent, time.perf_counter()))
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                child.close()
            for job in list(running):
                res = _receive(job, 0.02)
                elapsed = time.perf_counter() - job.start
                claim = col.items[job.cid]
                if res is None and not job.proc.is_alive():
                    res = _receive(job, 0)  # it may have sent its result just before it exited
                if res is None and not job.proc.is_alive():
                    job.proc.join()
                    res = _stopped(claim, Verdict.ERROR, f"the worker process crashed (exit code "
                                   f"{job.proc.exitcode}) in phase {job.phase}", elapsed)
                elif res is None and timeout is not None and elapsed > timeout:
                    job.proc.kill()
                    job.proc.join()
                    res = _stopped(claim, Verdict.UNDECIDED, f"ran out of its {timeout:g} s budget in phase "
                                   f"{job.phase}; no verdict was established", elapsed)
                if res is not None:
                    job.proc.join(timeout=5)
                    job.conn.close()
                    running.remove(job)
                    done[job.cid] = res
                    if on_result:
                        on_result(res)
    finally:  # ended early (interrupted, terminated, a bug): no worker outlives the run
        for job in running:
            job.proc.kill()
        for job in running:
            job.proc.join()
            job.conn.close()
    # groups aggregate in the parent, in the engine's own way
    return engine.run(col, ids, precomputed=done, on_result=on_result, **kw)
