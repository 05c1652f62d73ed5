"""Workers check claim after claim (issue 11, the cold audit), and reuse never costs a claim its verdict.

A worker that checks one claim and then the next shares SymPy's caches across
them; a worker whose claim overruns its budget, crashes or exits is replaced,
and the claims after it are checked as if nothing had happened.
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
            f.write(f"{cid} {os.getpid()}\\n")

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
    pids = {}  # the engine may run a check more than once: the pid of each claim's first run
    for line in (tmp_path / "pids.txt").read_text().splitlines():
        cid, pid = line.split()
        pids.setdefault(cid, int(pid))
    pids = [pids[c] for c in sorted(pids)]
    assert not mp.active_children()  # every worker reaped by the end of the run
    return res, pids


def test_one_worker_checks_claim_after_claim(tmp_path):
    res, pids = _run(tmp_path, timeout=60)
    assert [res[c].verdict for c in ("w.a", "w.b", "w.c")] == [Verdict.HOLDS] * 3
    assert len(pids) == 3 and len(set(pids)) == 1 and os.getpid() not in pids


def test_isolate_gives_each_claim_a_fresh_worker(tmp_path):
    res, pids = _run(tmp_path, timeout=60, isolate=True)
    assert [res[c].verdict for c in ("w.a", "w.b", "w.c")] == [Verdict.HOLDS] * 3
    assert len(set(pids)) == 3 and os.getpid() not in pids


def test_a_claim_out_of_budget_costs_its_worker_not_the_claims_after_it(tmp_path):
    res, pids = _run(tmp_path, body="import time; time.sleep(60)", timeout=2)
    assert res["w.b"].verdict == Verdict.UNDECIDED and "budget" in res["w.b"].scope
    assert res["w.a"].verdict == res["w.c"].verdict == Verdict.HOLDS
    assert pids[0] == pids[1] != pids[2]  # w.c ran in the worker that replaced the one stopped at w.b


@pytest.mark.parametrize("body", ["os._exit(3)", "import sys; sys.exit(0)", "raise SystemExit(1)"])
def test_a_claim_that_exits_its_worker_is_its_error_and_the_next_claim_still_runs(tmp_path, body):
    res, pids = _run(tmp_path, body=body, timeout=60)
    assert res["w.b"].verdict == Verdict.ERROR
    assert res["w.a"].verdict == res["w.c"].verdict == Verdict.HOLDS
    assert len(pids) == 3
