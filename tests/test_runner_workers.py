"""Workers check claim after claim (issue 11, the cold audit), and reuse never costs a claim its verdict.

A worker is a warm parent (its imports and the proof files inherited) that forks
each claim a fresh process (issue 19): nothing a claim changes reaches the next.
A claim that overruns its budget costs its worker (replaced); one that crashes or
exits is its own error, and the claims after it are checked as if nothing had
happened.
"""
import multiprocessing as mp
import os
import textwrap

import pytest

from symderiv.claims import collect
from symderiv.results import Verdict
from symderiv.runner import run_claims

pytestmark = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="the fork start method")

#: three claims whose check appends the pid of the process that runs it to a file
PIDS = textwrap.dedent('''
    import os
    from pathlib import Path
    from symderiv import claim, sweep

    LOG = Path(__file__).with_name("pids.txt")

    def log(cid):
        with open(LOG, "a") as f:
            f.write(f"{cid} {os.getpid()} {os.getppid()}\\n")

    @claim("w.a", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))
    def a(**size):
        log("a")
        return 1, 1

    @claim("w.b", where="§2", statement="1 = 1", sizes=sweep(n=1, t=1))
    def b(**size):
        log("b")
        BODY
        return 1, 1

    @claim("w.c", where="§3", statement="2 = 2", sizes=sweep(n=1, t=1))
    def c(**size):
        log("c")
        return 2, 2
''')


def _run(tmp_path, body="pass", **kw):
    (tmp_path / "w.py").write_text(PIDS.replace("BODY", body))
    col = collect([tmp_path])
    res = {r.id: r for r in run_claims(col, ["w.a", "w.b", "w.c"], jobs=1, method="fork", **kw)}
    pids = {}  # the engine may run a check more than once: the pid of each claim's first run, and its parent's
    for line in (tmp_path / "pids.txt").read_text().splitlines():
        cid, pid, ppid = line.split()
        pids.setdefault(cid, (int(pid), int(ppid)))
    pids = [pids[c] for c in sorted(pids)]
    assert not mp.active_children()  # every worker reaped by the end of the run
    return res, pids


def test_one_worker_forks_a_fresh_process_for_each_claim(tmp_path):
    """One warm worker (its parent's imports and proof files inherited) forks each claim a process of its own."""
    res, pids = _run(tmp_path, timeout=60)
    assert [res[c].verdict for c in ("w.a", "w.b", "w.c")] == [Verdict.HOLDS] * 3
    assert len(pids) == 3 and len({pid for pid, _ in pids}) == 3 and len({ppid for _, ppid in pids}) == 1
    assert os.getpid() not in {ppid for _, ppid in pids} | {pid for pid, _ in pids}


def test_isolate_gives_each_claim_a_fresh_worker(tmp_path):
    res, pids = _run(tmp_path, timeout=60, isolate=True)
    assert [res[c].verdict for c in ("w.a", "w.b", "w.c")] == [Verdict.HOLDS] * 3
    assert len({ppid for _, ppid in pids}) == 3 and os.getpid() not in {ppid for _, ppid in pids}


def test_a_claim_out_of_budget_costs_its_worker_not_the_claims_after_it(tmp_path):
    res, pids = _run(tmp_path, body="import time; time.sleep(60)", timeout=2)
    assert res["w.b"].verdict == Verdict.UNDECIDED and "budget" in res["w.b"].scope
    assert res["w.a"].verdict == res["w.c"].verdict == Verdict.HOLDS
    assert pids[0][1] == pids[1][1] != pids[2][1]  # w.c ran in the worker that replaced the one stopped at w.b


@pytest.mark.parametrize("body", ["os._exit(3)", "import sys; sys.exit(0)", "raise SystemExit(1)"])
def test_a_claim_that_exits_its_worker_is_its_error_and_the_next_claim_still_runs(tmp_path, body):
    res, pids = _run(tmp_path, body=body, timeout=60)
    assert res["w.b"].verdict == Verdict.ERROR
    assert res["w.a"].verdict == res["w.c"].verdict == Verdict.HOLDS
    assert len(pids) == 3


LEAKS = textwrap.dedent('''
    from symderiv import claim, sweep

    STATE = {"n": 0}

    @claim("leak.a", where="§1", statement="changes a module global", sizes=sweep(n=1, t=1))
    def a(**size):
        STATE["n"] += 1
        return 1, 1

    @claim("leak.b", where="§2", statement="reads it", sizes=sweep(n=1, t=1))
    def b(**size):
        return STATE["n"], 0
''')

SYMPY_SETTING = textwrap.dedent('''
    import sympy as sp
    from sympy.core.parameters import global_parameters
    from symderiv import claim, sweep

    @claim("set.a", where="§1", statement="turns SymPy's evaluation off", sizes=sweep(n=1, t=1))
    def a(**size):
        global_parameters.evaluate = False
        return 1, 1

    @claim("set.b", where="§2", statement="x + x = 2x", sizes=sweep(n=1, t=1))
    def b(**size):
        x = sp.Symbol("x")
        return sp.Add(x, x), 2 * x
''')


@pytest.mark.parametrize("text, ids", [(LEAKS, ["leak.a", "leak.b"]), (SYMPY_SETTING, ["set.a", "set.b"])])
def test_a_claim_that_changes_shared_state_does_not_pass_it_to_the_next_claim(tmp_path, text, ids):
    """A claim that changes a module global or SymPy's global parameters changes them in its own process only:
    the verdicts are those of a fresh worker per claim (tests/test_runner_isolation.py: more kinds of state)."""
    (tmp_path / "s.py").write_text(text)
    col = collect([tmp_path])
    pooled = {r.id: r.verdict for r in run_claims(col, ids, jobs=1, method="fork", timeout=60)}
    isolated = {r.id: r.verdict for r in run_claims(col, ids, jobs=1, method="fork", timeout=60, isolate=True)}
    assert pooled == isolated and pooled[ids[1]] == Verdict.HOLDS  # as if it ran first
    assert not mp.active_children()


def test_a_worker_killed_by_a_claims_leftover_thread_does_not_blame_the_next_claim(tmp_path):
    """idle.a returns, then its timer would kill its process while idle.b runs: it ends with idle.a's process
    (and, when a reused worker did die, idle.b was checked again, fresh)."""
    (tmp_path / "idle.py").write_text(textwrap.dedent('''
        import os, threading, time
        from symderiv import claim, sweep

        @claim("idle.a", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))
        def a(**size):
            threading.Timer(0.3, lambda: os.kill(os.getpid(), 9)).start()
            return 1, 1

        @claim("idle.b", where="§2", statement="1 = 1", sizes=sweep(n=1, t=1))
        def b(**size):
            time.sleep(0.6)
            return 1, 1
    '''))
    col = collect([tmp_path])
    res = {r.id: r.verdict for r in run_claims(col, ["idle.a", "idle.b"], jobs=1, method="fork", timeout=60)}
    assert res == {"idle.a": Verdict.HOLDS, "idle.b": Verdict.HOLDS}
    assert not mp.active_children()


def test_a_spawned_worker_imports_the_proof_file_not_the_helper_that_defines_the_check(tmp_path):
    """A check defined in a helper module (or wrapped, without __code__) is rebuilt from the proof file it was
    collected from: under spawn it used to re-import the helper (error) or crash on the wrapper (internal error)."""
    (tmp_path / "_common.py").write_text("def trivial(**size):\n    return 1, 1\n")
    (tmp_path / "main.py").write_text(textwrap.dedent('''
        import functools
        from symderiv import claim, sweep
        from _common import trivial

        claim("main.helper-fn", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))(trivial)

        @claim("main.cached", where="§2", statement="1 = 1", sizes=sweep(n=1, t=1))
        @functools.lru_cache
        def cached(**size):
            return 1, 1
    '''))
    col = collect([tmp_path])
    res = {r.id: r.verdict for r in run_claims(col, ["main.helper-fn", "main.cached"], jobs=1, method="spawn",
                                                 timeout=120)}
    assert res == {"main.helper-fn": Verdict.HOLDS, "main.cached": Verdict.HOLDS}
