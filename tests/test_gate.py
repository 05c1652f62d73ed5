"""A proof file that exits at import is that file's error (issue 10, item 5); the runner observes the engine (item 6).

Subprocess tests run the CLI as CI does (``python -m symderiv``).
"""
import ast
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from symderiv import engine
from symderiv.cli import ExitCode, main
from symderiv.claims import Claim, Collection, collect_file
from symderiv.sizes import sweep

ROOT = Path(__file__).resolve().parent.parent

#: a claim that holds at once (no model: the check gets the size and returns two equal sides)
TRIVIAL = textwrap.dedent('''
    from symderiv import claim, sweep

    @claim("ok.one", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))
    def one(**size):
        return 1, 1
''')

#: claims whose check sleeps (in its build phase): a worker that is still running when the signal comes
SLOW = textwrap.dedent('''
    import time
    from symderiv import claim, sweep

    @claim("slow.a", where="§1", statement="slow", sizes=sweep(n=1, t=1))
    def a(**size):
        time.sleep(60)
        return 1, 1

    @claim("slow.b", where="§2", statement="slow", sizes=sweep(n=1, t=1))
    def b(**size):
        time.sleep(60)
        return 1, 1
''')


def cli(*args, cwd=None, **kw):
    """The CLI in a fresh interpreter, from this worktree (not the installed console script)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "symderiv", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, **kw)


def invoke(*args):
    return CliRunner().invoke(main, list(args))


# ----- 2. a proof file that exits at import ------------------------------------------------

EXITS = {
    "sys_exit": ("import sys\nsys.exit(0)\n", "SystemExit"),
    "keyboard_interrupt": ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
    "os_exit": ("import os\nos._exit(0)\n", "os._exit(0)"),
    "os_exit_imported_name": ("from os import _exit\n_exit(0)\n", "os._exit(0)"),
}


@pytest.mark.parametrize("case", list(EXITS))
def test_a_proof_file_that_exits_at_import_is_its_error(tmp_path, case):
    source, cause = EXITS[case]
    (tmp_path / "a_exits.py").write_text("import symderiv\nX = 1\n" + source)  # collected first
    (tmp_path / "b_good.py").write_text(TRIVIAL)
    p = cli("check", str(tmp_path), "--format", "json")
    assert p.returncode == ExitCode.USAGE, (p.returncode, p.stdout, p.stderr)
    doc = json.loads(p.stdout)
    assert [(c["id"], c["verdict"]) for c in doc["claims"]] == [("ok.one", "holds")]  # the others still run
    [err] = doc["summary"]["proof_file_errors"]
    line = 2 + len(source.splitlines())  # the line that exits
    assert err["path"].endswith(f"a_exits.py:{line}") and cause in err["cause"] and "\n" not in err["cause"]


def test_os_exit_is_only_intercepted_while_a_proof_file_is_imported(tmp_path):
    """A reference to os._exit taken at import still ends the process when called later, with its status."""
    (tmp_path / "keeps.py").write_text("import builtins\nfrom os import _exit\nbuiltins.KEPT_EXIT = _exit\n")
    code = (f"import os, builtins; from pathlib import Path; from symderiv.claims import Collection, collect_file\n"
            f"real = os._exit; col = Collection(); collect_file(Path({str(tmp_path / 'keeps.py')!r}), col)\n"
            f"assert not col.errors and os._exit is real\nbuiltins.KEPT_EXIT(7)\nraise SystemExit(1)\n")
    p = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 7, p.stderr


def test_collect_file_leaves_no_half_imported_module(tmp_path):
    (tmp_path / "half.py").write_text("import sys\nsys.exit(3)\n")
    col = Collection()
    collect_file(tmp_path / "half.py", col)
    [(path, cause)] = col.errors
    assert path.endswith("half.py:2") and cause.startswith("SystemExit(3)")
    assert "symderiv_proofs.half" not in sys.modules


# ----- 3. signals end the workers too ------------------------------------------------------

def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_dies_with_its_parent_even_when_the_parent_is_killed(tmp_path):
    """SIGKILL reaches no handler: the kernel kills the workers (PR_SET_PDEATHSIG)."""
    (tmp_path / "slow.py").write_text(SLOW)
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    proc = subprocess.Popen([sys.executable, "-m", "symderiv", "check", str(tmp_path), "-j", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            workers |= _children(proc.pid)
            time.sleep(0.05)
        assert len(workers) == 2
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 3
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)]
    finally:
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)


# ----- the budget names the phase the observer last heard -------------------------------

def test_a_claim_out_of_budget_is_undecided_naming_its_phase(tmp_path):
    (tmp_path / "slow.py").write_text(SLOW.split("@claim(\"slow.b\"")[0])
    t0 = time.perf_counter()
    r = invoke("check", str(tmp_path), "--timeout", "0.5", "--format", "json")
    assert time.perf_counter() - t0 < 20
    [c] = json.loads(r.stdout)["claims"]
    assert c["verdict"] == "undecided" and "0.5 s budget in phase build" in c["scope"]
    assert r.exit_code == ExitCode.MISMATCH  # undecided is not the holds the file expects


# ----- 6. the runner observes the engine; no global hook -----------------------------------

def _trivial_claim():
    def check(**size):
        return 1, 1
    return Claim(id="obs.one", where="§1", statement="1 = 1", check=check, sizes=sweep(n=(1, 2), t=1))


def test_the_engine_reports_phases_to_an_observer_and_keeps_no_global_hook():
    assert not hasattr(engine, "PHASE_HOOK")
    seen: list[str] = []
    res = engine.check_claim(_trivial_claim(), on_phase=seen.append)
    assert res.verdict.value == "holds"
    assert seen == ["build", "decide", "build", "decide"]  # each size: build, then decide
    assert type(res.phases) is dict and set(res.phases) == {"build", "decide"}
    pickle.dumps(res)  # what a worker sends back through its pipe, its observer not included
    seen.clear()
    col = Collection(items={"obs.one": _trivial_claim()})
    engine.run(col, ["obs.one"], on_phase=seen.append)
    assert seen[:2] == ["build", "decide"]
    engine.check_claim(_trivial_claim())  # no observer: nothing to call


def test_the_runner_uses_only_the_engines_public_names():
    tree = ast.parse((ROOT / "symderiv" / "runner.py").read_text())
    private = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
               and n.value.id == "engine" and n.attr.startswith("_")]
    assigned = [n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AugAssign))
                and any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "engine"
                        for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
    assert not private and not assigned
