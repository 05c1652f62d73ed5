"""The gate cannot pass by accident (issue 10, item 5), and the runner observes the engine (item 6).

Every exit is one of :class:`ExitCode`; a run that checks nothing, a proof file
that exits at import, a signal, a bad ``--timeout`` and a crash inside
symderiv each have their own outcome, never 0 and never 1 ("some verdict
differs"). Subprocess tests run the CLI as CI does (``python -m symderiv``).
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


# ----- 1. a run that checks nothing ---------------------------------------------------------

def test_an_empty_folder_checks_nothing_and_exits_5(tmp_path):
    r = invoke("check", str(tmp_path))
    assert r.exit_code == ExitCode.NOTHING_CHECKED == 5
    [line] = r.stderr.strip().splitlines()
    assert line.startswith("symderiv: nothing checked") and str(tmp_path) in line
    assert "as expected" not in r.stdout  # no empty report that reads as a pass


def test_files_that_fail_to_import_are_listed_when_nothing_is_checked(tmp_path):
    (tmp_path / "a.py").write_text("raise RuntimeError('unfinished')\n")
    r = invoke("check", str(tmp_path), "--format", "markdown")
    assert r.exit_code == ExitCode.NOTHING_CHECKED
    assert "a.py:1: RuntimeError: unfinished" in r.stdout and "as expected" not in r.stdout
    assert r.stderr.strip() == f"symderiv: nothing checked: no claims in {tmp_path}; 1 proof file error (listed above)"


def test_a_folder_of_files_without_claims_checks_nothing(tmp_path):
    (tmp_path / "notes.py").write_text("import symderiv\nX = 1\n")
    r = invoke("check", str(tmp_path), "--format", "json")
    assert r.exit_code == ExitCode.NOTHING_CHECKED
    assert json.loads(r.stdout)["claims"] == []
    assert "nothing checked: no claims in" in r.stderr


def test_a_folder_whose_every_file_fails_to_import_checks_nothing(tmp_path):
    (tmp_path / "a.py").write_text("raise RuntimeError('unfinished')\n")
    (tmp_path / "b.py").write_text("from symderiv import no_such_name\n")
    r = invoke("check", str(tmp_path), "--format", "json")
    assert r.exit_code == ExitCode.NOTHING_CHECKED
    errors = json.loads(r.stdout)["summary"]["proof_file_errors"]  # the report still names each cause
    assert [Path(e["path"].split(":")[0]).name for e in errors] == ["a.py", "b.py"]
    assert f"nothing checked: no claims in {tmp_path}; 2 proof file errors" in r.stderr


def test_an_id_that_names_no_claim_is_a_usage_error_naming_the_nearest():
    """pytest's unknown node id is a usage error (its 4); symderiv's usage error is 2 (issue 22, item 7)."""
    r = invoke("check", "theorm1")
    assert r.exit_code == ExitCode.USAGE
    [line] = r.stderr.strip().splitlines()
    assert "nothing checked: no claim 'theorm1'" in line and "pal2019.theorem1" in line


def test_list_agrees_on_nothing(tmp_path):
    r = invoke("list", str(tmp_path))
    assert r.exit_code == ExitCode.NOTHING_CHECKED and "nothing listed: no claims in" in r.stderr
    r = invoke("list", "no.such.claim")
    assert r.exit_code == ExitCode.USAGE and "no claim 'no.such.claim'" in r.stderr


def test_ci_maps_5_to_0_only_for_pytest():
    """.ci/run: the first quick-start command (symderiv check) fails CI with its own code; only pytest's 5 is 0."""
    script = (ROOT / ".ci" / "run").read_text()
    first, second = script.split('bash -c "${cmds[1]}"')
    assert 'bash -c "${cmds[0]}" || exit $?' in first and "-eq 5" not in first
    assert '[ "$rc" -eq 5 ] && rc=0' in second


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


def _start_with_two_workers(tmp_path, stderr):
    """``symderiv check -j 2`` on two slow claims, once both workers run: (the CLI process, the workers' pids)."""
    (tmp_path / "slow.py").write_text(SLOW)
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    proc = subprocess.Popen([sys.executable, "-m", "symderiv", "check", str(tmp_path), "-j", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=stderr)
    workers: set[int] = set()
    deadline = time.monotonic() + 30
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers |= _children(proc.pid)
        time.sleep(0.05)
    return proc, workers


def _reap(proc, workers) -> None:
    proc.kill()
    for w in workers:
        if _alive(w):
            os.kill(w, signal.SIGKILL)


def _gone_within(workers, seconds: float) -> list[int]:
    """The workers still alive after waiting up to ``seconds`` for them to end."""
    deadline = time.monotonic() + seconds
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [w for w in workers if _alive(w)]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, "TERMINATED"), (signal.SIGINT, "INTERRUPTED")])
def test_a_signal_ends_the_workers_too(tmp_path, sig, code):
    code = ExitCode[code]
    err_file = tmp_path / "stderr.txt"  # a file, not a pipe: an orphaned worker would hold a pipe open
    with open(err_file, "w") as err_out:
        proc, workers = _start_with_two_workers(tmp_path, err_out)
    try:
        assert len(workers) == 2, f"expected 2 workers, saw {workers}"
        time.sleep(0.3)  # the workers are inside the claims' sleep
        proc.send_signal(sig)
        proc.wait(timeout=20)
        err = err_file.read_text()
        assert not _gone_within(workers, 3), "orphaned workers outlived the CLI"
        assert proc.returncode == code, (proc.returncode, err)
        [line] = err.strip().splitlines()
        assert line.startswith("symderiv: ") and signal.Signals(sig).name in line and "0 of 2" in line
    finally:
        _reap(proc, workers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_dies_with_its_parent_even_when_the_parent_is_killed(tmp_path):
    """SIGKILL reaches no handler: the kernel kills the workers (PR_SET_PDEATHSIG)."""
    proc, workers = _start_with_two_workers(tmp_path, subprocess.DEVNULL)
    try:
        assert len(workers) == 2
        proc.kill()
        proc.wait(timeout=10)
        assert not _gone_within(workers, 3)
    finally:
        _reap(proc, workers)


@pytest.mark.parametrize("call", ["sys.exit(0)", "os._exit(0)"])
def test_a_check_that_exits_its_process_is_that_claims_error(tmp_path, call):
    """Even with no budget, a claim runs in a worker: exiting it is the claim's error, never the run's exit 0."""
    (tmp_path / "quits.py").write_text(TRIVIAL.replace("return 1, 1", f"import os, sys\n    {call}")
                                       .replace('"ok.one"', '"quits.one"'))
    (tmp_path / "ok.py").write_text(TRIVIAL)
    p = cli("check", str(tmp_path), "--timeout", "none", "--format", "json")
    assert p.returncode == ExitCode.USAGE, (p.returncode, p.stderr)
    by_id = {c["id"]: c for c in json.loads(p.stdout)["claims"]}
    assert by_id["ok.one"]["verdict"] == "holds" and by_id["quits.one"]["verdict"] == "error"


# ----- 4. --timeout must be positive -------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon"])
def test_timeout_must_be_a_positive_number_of_seconds(tmp_path, value):
    (tmp_path / "ok.py").write_text(TRIVIAL)
    r = invoke("check", str(tmp_path), "--timeout", value)
    assert r.exit_code == ExitCode.USAGE
    assert "--timeout" in r.stderr and "positive" in r.stderr and "none" in r.stderr


def test_timeout_none_is_the_spelling_of_no_budget(tmp_path):
    (tmp_path / "ok.py").write_text(TRIVIAL)
    r = invoke("check", str(tmp_path), "--timeout", "none", "--format", "json")
    assert r.exit_code == ExitCode.OK, r.output
    assert json.loads(r.stdout)["claims"][0]["verdict"] == "holds"


def test_a_claim_out_of_budget_is_undecided_naming_its_phase(tmp_path):
    (tmp_path / "slow.py").write_text(SLOW.split("@claim(\"slow.b\"")[0])
    t0 = time.perf_counter()
    r = invoke("check", str(tmp_path), "--timeout", "0.5", "--format", "json")
    assert time.perf_counter() - t0 < 20
    [c] = json.loads(r.stdout)["claims"]
    assert c["verdict"] == "undecided" and "0.5 s budget in phase build" in c["scope"]
    assert r.exit_code == ExitCode.MISMATCH  # undecided is not the holds the file expects


# ----- 5. a crash inside symderiv ----------------------------------------------------------

def test_a_crash_inside_symderiv_is_an_internal_error(tmp_path, monkeypatch):
    import symderiv.report

    def broken(*a, **k):
        raise RuntimeError("a bug in the renderer")

    monkeypatch.setattr(symderiv.report, "render", broken)
    (tmp_path / "ok.py").write_text(TRIVIAL)
    r = invoke("check", str(tmp_path))
    assert r.exit_code == ExitCode.INTERNAL_ERROR == 3
    cause, where = r.stderr.strip().splitlines()
    assert cause.startswith("symderiv: internal error: RuntimeError: a bug in the renderer")
    assert "test_gate.py" in cause  # where it was raised
    assert "report" in where and "bug in symderiv" in where


def test_an_interrupted_run_is_not_a_mismatch(tmp_path, monkeypatch):
    import symderiv.runner

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(symderiv.runner, "run_claims", interrupted)
    (tmp_path / "ok.py").write_text(TRIVIAL)
    r = invoke("check", str(tmp_path))
    assert r.exit_code == ExitCode.INTERRUPTED
    assert "interrupted" in r.stderr and "SIGINT" in r.stderr


def test_exit_codes_are_distinct_and_documented_in_the_readme():
    codes = {e.value for e in ExitCode}
    assert len(codes) == len(ExitCode) and {0, 1, 2} <= codes
    source = (ROOT / "symderiv" / "cli.py").read_text()
    for e in ExitCode:  # each value carries its #: comment, as pytest's ExitCode does
        assert re.search(rf"#: .+\n\s+{e.name} = {e.value}\n", source), e.name
    readme = (ROOT / "README.md").read_text()
    table = dict(re.findall(r"^\| \*\*(\d+)\*\* \| `(\w+)` \|", readme, flags=re.M))
    assert table == {str(e.value): e.name for e in ExitCode}


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
    assert seen == ["build", "build", "decide", "build", "decide"]  # the kernel's probe builds; each size: build, decide
    assert type(res.phases) is dict and set(res.phases) == {"build", "decide"}
    pickle.dumps(res)  # what a worker sends back through its pipe, its observer not included
    seen.clear()
    col = Collection(items={"obs.one": _trivial_claim()})
    engine.run(col, ["obs.one"], on_phase=seen.append)
    assert seen[:3] == ["build", "build", "decide"]
    engine.check_claim(_trivial_claim())  # no observer: nothing to call


def test_the_runner_uses_only_the_engines_public_names():
    tree = ast.parse((ROOT / "symderiv" / "runner.py").read_text())
    private = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
               and n.value.id == "engine" and n.attr.startswith("_")]
    assigned = [n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AugAssign))
                and any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "engine"
                        for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
    assert not private and not assigned


def test_a_reader_that_leaves_is_not_an_internal_error(tmp_path):
    """`symderiv check … | true`: the pipe closes before symderiv writes; that is no crash inside symderiv (exit 3)."""
    import subprocess
    import sys

    proc = subprocess.run(f"{sys.executable} -m symderiv check pal2019.lemma1-example --format json | true", shell=True, capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[1], executable="/bin/bash",
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert "bug in symderiv" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
