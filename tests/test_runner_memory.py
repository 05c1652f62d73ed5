"""A claim's memory has a budget, as its time has (noticed: the exact normal form has no size bound of its own, and a
GRU at n = 2, t = 4 could abort its process, an `error` that says nothing about the claim). A claim whose process
outgrows the budget is stopped: `undecided`, naming the budget and the phase; the other claims still run. The CLI's
`--memory GB|none` sets it; 0 or less is a usage error."""
import textwrap

import pytest
from click.testing import CliRunner

from symderiv.claims import collect
from symderiv.cli import main
from symderiv.results import Verdict
from symderiv.runner import DEFAULT_MEMORY, run_claims


PROOF = textwrap.dedent('''
    import sympy as sp
    from symderiv import claim, free_vars, no_sizes, scalar

    @claim("mem.hungry", where="test", statement="a check that holds 1.5 GB", variables=dict(x=scalar()),
           sizes=no_sizes())
    def hungry(v):
        block = bytearray(1536 * 2 ** 20)  # touched, so resident
        for i in range(0, len(block), 4096):
            block[i] = 1
        return v.x + 0 * len(block), v.x

    @claim("mem.light", where="test", statement="x = x", variables=dict(x=scalar()), sizes=no_sizes())
    def light(v):
        return v.x, v.x
''')


@pytest.fixture
def proof(tmp_path):
    path = tmp_path / "mem_proof.py"
    path.write_text(PROOF.replace("free_vars, ", ""))
    return path


def test_a_claim_past_its_memory_budget_is_undecided_and_the_others_still_run(proof):
    col = collect([proof])
    res = {r.id: r for r in run_claims(col, ["mem.hungry", "mem.light"], jobs=1, memory=512 * 2 ** 20)}
    assert res["mem.hungry"].verdict == Verdict.UNDECIDED, (res["mem.hungry"].verdict, res["mem.hungry"].scope)
    assert "memory budget" in res["mem.hungry"].scope
    assert res["mem.light"].verdict == Verdict.HOLDS


def test_the_budget_counts_the_claims_own_memory_not_its_parents(proof):
    """A claim's process is a fork: under a parent that holds more than the budget (pytest late in the suite, a
    CLI that checked many claims) a light claim still holds, and the hungry one is still stopped."""
    ballast = bytearray(768 * 2 ** 20)  # touched, so resident in this (the parent) process
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    col = collect([proof])
    res = {r.id: r for r in run_claims(col, ["mem.hungry", "mem.light"], jobs=1, memory=512 * 2 ** 20)}
    assert res["mem.light"].verdict == Verdict.HOLDS, res["mem.light"].scope
    assert res["mem.hungry"].verdict == Verdict.UNDECIDED and "memory budget" in res["mem.hungry"].scope
    del ballast


def test_within_the_default_budget_it_runs():
    assert DEFAULT_MEMORY >= 2 * 2 ** 30


@pytest.mark.parametrize("bad", ["0", "-1", "abc"])
def test_a_memory_budget_that_is_not_positive_is_a_usage_error(proof, bad):
    out = CliRunner().invoke(main, ["check", str(proof), "--memory", bad, "--no-cache"])
    assert out.exit_code == 2, out.output


def test_the_cli_memory_option_stops_the_hungry_claim(proof):
    out = CliRunner().invoke(main, ["check", str(proof), "--memory", "0.5", "--no-cache", "--format", "json"])
    import json

    got = {c["id"]: c for c in json.loads(out.output)["claims"]}
    assert got["mem.hungry"]["verdict"] == "undecided" and "memory budget" in got["mem.hungry"]["scope"], out.output
    assert got["mem.light"]["verdict"] == "holds"
    out = CliRunner().invoke(main, ["check", str(proof), "mem.light", "--memory", "none", "--no-cache", "-q"])
    assert out.exit_code == 0, out.output


def test_a_process_far_below_the_budget_is_not_walked_page_by_page(proof, monkeypatch):
    """The budget is asked 20 times a second per busy claim: its own pages (smaps_rollup) cost the kernel a walk of
    the process's page tables (~5 ms of system time at 300 MB: most of the cold audit's system time); the resident set
    (statm) bounds them from above, so a claim whose resident set is far below the budget is never walked, and a
    claim past the budget by its own pages is still stopped (the test above, and here with the walk counted)."""
    import symderiv.runner as runner

    walks = []
    real = runner._resident
    monkeypatch.setattr(runner, "_resident", lambda pid: walks.append(pid) or real(pid))
    col = collect([proof])
    res = {r.id: r for r in run_claims(col, ["mem.light"], jobs=1, memory=DEFAULT_MEMORY)}
    assert res["mem.light"].verdict == Verdict.HOLDS
    assert walks == []
    res = {r.id: r for r in run_claims(col, ["mem.hungry"], jobs=1, memory=512 * 2 ** 20)}
    assert res["mem.hungry"].verdict == Verdict.UNDECIDED and "memory budget" in res["mem.hungry"].scope
    assert walks, "past the budget by its resident set, the claim's own pages are read"


def test_the_resident_set_bounds_the_own_pages_from_above():
    """What the cheap read skips on must be an upper bound: a process's own pages (Private_Clean + Private_Dirty)
    are part of its resident set, here for this process (its imports and a touched block)."""
    import os

    from symderiv.runner import RSS_SLACK, _resident, _resident_set

    block = bytearray(64 * 2 ** 20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    own, rss = _resident(os.getpid()), _resident_set(os.getpid())
    assert own is not None and rss is not None
    assert own <= rss + RSS_SLACK
    assert own >= 64 * 2 ** 20
    del block
