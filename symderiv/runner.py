"""Running claims under a time budget, in worker processes.

Each claim runs in its own forked process (the collected proof files are
inherited, nothing is re-imported), so that a claim that runs out of its
budget can be stopped and a claim that crashes its process takes nothing else
down. The engine tells its observer the phase it enters, and the worker sends
it through a pipe; a claim stopped at its budget is ``undecided`` with that
phase named. Up to ``jobs`` claims
run at once.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass

from . import engine
from .claims import Claim, Collection, Group, _one_line
from .results import Result, Verdict

#: the default per-claim budget, in seconds
DEFAULT_TIMEOUT = 300.0


@dataclass
class _Job:
    cid: str
    proc: object
    conn: object
    start: float
    phase: str = "start"


def _child(conn, claim: Claim, kw: dict) -> None:
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


def run_claims(col: Collection, ids: list[str], *, jobs: int = 1, timeout: float | None = DEFAULT_TIMEOUT,
               on_result=None, **kw) -> list[Result]:
    """Like :func:`engine.run`, but each claim in a worker process under ``timeout`` seconds."""
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
    while pending or running:
        while pending and len(running) < max(1, jobs):
            cid = pending.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(child, col.items[cid], kw), daemon=True)
            proc.start()
            child.close()
            running.append(_Job(cid, proc, parent, time.perf_counter()))
        for job in list(running):
            res = None
            try:
                while job.conn.poll(0.02):
                    tag, payload = job.conn.recv()
                    if tag == "phase":
                        job.phase = payload
                    else:
                        res = payload
            except (EOFError, OSError):
                pass
            elapsed = time.perf_counter() - job.start
            claim = col.items[job.cid]
            if res is None and not job.proc.is_alive():
                job.proc.join()
                res = _stopped(claim, Verdict.ERROR, f"the worker process crashed (exit code {job.proc.exitcode}) "
                                      f"in phase {job.phase}", elapsed)
            elif res is None and timeout is not None and elapsed > timeout:
                job.proc.kill()
                job.proc.join()
                res = _stopped(claim, Verdict.UNDECIDED, f"ran out of its {timeout:g} s budget in phase {job.phase}; "
                                      f"no verdict was established", elapsed)
            if res is not None:
                job.proc.join(timeout=5)
                running.remove(job)
                done[job.cid] = res
                if on_result:
                    on_result(res)
    # groups aggregate in the parent, in the engine's own way
    return engine.run(col, ids, precomputed=done, on_result=on_result, **kw)
