"""`pytest proofs/` collects every claim as an item; expected failures are strict xfails."""
import textwrap

from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]
# Each run in its own interpreter (runpytest_subprocess), as a user runs pytest: the plugin imports symderiv
# lazily, and pytester's in-process runs drop the modules a run loaded (NumPy cannot be loaded twice).

PROOF = textwrap.dedent('''
    from symderiv import claim, matrices, norm2, rho, pal2019_rnn, sweep, kron, eye, HV

    @claim("plug.holds", where="§1", statement="dh_1/dW_R = I ⊗ σ(h_0)ᵀ", model=pal2019_rnn,
           sizes=sweep(n=(1, 2), t=1), conventions={"layout": "row-major"})
    def holds(m):
        return m.d(("h", 1), "W_R"), kron(eye(m.n), m.sigma(m.h(0)).T)

    @claim("plug.expected", where="§2", statement="dh_1/dW_R = HV(σ(h_0))", model=pal2019_rnn, expect="fails",
           sizes=sweep(n=(1, 2), t=1), conventions={"layout": "row-major"})
    def expected(m):
        return m.d(("h", 1), "W_R"), HV(m.sigma(m.h(0)))

    @claim("plug.surprise", kind="inequality", where="§3", statement="‖A‖ ≤ ρ(A)", given=dict(A=matrices()),
           sizes=sweep(n=(1, 2), t=1))
    def surprise(A):
        return norm2(A) <= rho(A)
''')


def _plugin_args():
    installed = any(ep.value == "symderiv.pytest_plugin" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "symderiv.pytest_plugin"]


def test_pytest_collects_claims_and_agrees_with_the_cli(pytester):
    proofs = pytester.mkdir("proofs")
    (proofs / "plug.py").write_text(PROOF)
    result = pytester.runpytest_subprocess(*_plugin_args(), "proofs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, xfailed=1, failed=1)
    out = result.stdout.str()
    assert "plug.surprise fails" in out and "counterexample at n = 2" in out and "certificate:" in out


def test_an_expected_failure_that_holds_is_a_strict_xpass(pytester):
    proofs = pytester.mkdir("proofs")
    (proofs / "plug.py").write_text(PROOF.replace('HV(m.sigma(m.h(0)))', 'kron(eye(m.n), m.sigma(m.h(0)).T)'))
    result = pytester.runpytest_subprocess(*_plugin_args(), "proofs", "-k", "expected", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert "XPASS(strict)" in result.stdout.str()


def test_a_proof_file_that_raises_is_a_collection_error(pytester):
    proofs = pytester.mkdir("proofs")
    (proofs / "bad.py").write_text("import symderiv\nraise RuntimeError('broken transcription')\n")
    result = pytester.runpytest_subprocess(*_plugin_args(), "proofs", "-p", "no:cacheprovider")
    assert result.ret != 0
    assert "broken transcription" in result.stdout.str()


def test_a_proof_file_that_exits_at_import_is_a_collection_error_not_the_end_of_pytest(pytester):
    proofs = pytester.mkdir("proofs")
    (proofs / "a_exits.py").write_text("import symderiv, sys\nsys.exit(0)\n")
    (proofs / "plug.py").write_text(PROOF)
    result = pytester.runpytest_subprocess(*_plugin_args(), "proofs", "-p", "no:cacheprovider", "--continue-on-collection-errors")
    result.assert_outcomes(passed=1, xfailed=1, failed=1, errors=1)
    assert "a_exits.py:2: SystemExit(0)" in result.stdout.str()


# ----- issue 11, item 5: a plugin as light as the anchors' ------------------------------------------------------
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_loading_the_plugin_imports_nothing_heavy():
    code = ("import sys, symderiv.pytest_plugin; "
            "print(sorted(m for m in ('sympy', 'numpy', 'symengine', 'flint', 'rich', 'symderiv.engine') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


COUNTED = '''
import os
from pathlib import Path
from symderiv import claim, parts, sweep

LOG = Path(__file__).with_name("runs.log")

def ran(name):
    with LOG.open("a") as f:
        f.write(f"{name} {os.getpid()}\\n")

both = parts("count.both", where="§1", statement="two parts")

@both.part("a", sizes=sweep(n=1, t=1))
def a(**size):
    ran("a")
    return 1, 1

@both.part("b", sizes=sweep(n=1, t=1))
def b(**size):
    ran("b")
    return 2, 2
'''


def test_a_group_reuses_its_members_results(pytester):
    """The group's item checks no member again: its members' checks run as often as the same claims alone."""
    alone = COUNTED.replace('both = parts("count.both", where="§1", statement="two parts")\n', "")
    alone = alone.replace('@both.part("a",', '@claim("count.a", where="§1", statement="a",')
    alone = alone.replace('@both.part("b",', '@claim("count.b", where="§1", statement="b",')
    proofs = pytester.mkdir("proofs")

    def runs(text, passed):
        (proofs / "count.py").write_text(text)
        (proofs / "runs.log").unlink(missing_ok=True)
        pytester.runpytest_subprocess(*_plugin_args(), "proofs", "-p", "no:cacheprovider").assert_outcomes(
            passed=passed)
        return sorted(line.split()[0] for line in (proofs / "runs.log").read_text().splitlines())

    assert runs(COUNTED, 3) == runs(alone, 2)


def test_a_proof_file_given_by_a_relative_path_outside_proofs(pytester):
    notes = pytester.mkdir("notes")
    (notes / "mine.py").write_text(PROOF)
    result = pytester.runpytest_subprocess(*_plugin_args(), "notes/mine.py", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, xfailed=1, failed=1)


TEST_MODULE = textwrap.dedent('''
    import sympy as sp
    from symderiv import rel

    x = sp.Symbol("x")
    R = rel(x, "<", x + 1)
    NAMES = [str(R)]  # at import, as a parametrize id is built: no check is running


    def test_a_relation_has_a_name():
        assert NAMES[0]
''')


@pytest.mark.parametrize("where", ["tests", "."])
def test_a_test_module_given_on_the_command_line_is_left_to_pytest(pytester, where):
    """A module pytest collects as tests (test_*.py) that uses symderiv, given by its path outside proofs/, was also
    imported as a proof file: its code rewritten as a check's, so str() of a Relation at import was refused (the
    collection failed when the file was run alone, not in the whole suite). It is pytest's module only."""
    folder = pytester.mkdir(where) if where != "." else pytester.path
    (folder / "test_uses_symderiv.py").write_text(TEST_MODULE)
    target = f"{where}/test_uses_symderiv.py" if where != "." else "test_uses_symderiv.py"
    result = pytester.runpytest_subprocess(*_plugin_args(), target, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_proof_file_named_like_a_test_under_proofs_is_still_a_proof_file(pytester):
    proofs = pytester.mkdir("proofs")
    (proofs / "test_named.py").write_text(PROOF)
    result = pytester.runpytest_subprocess(*_plugin_args(), "proofs/test_named.py", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, xfailed=1, failed=1)


SLEEPS = '''
import time
from symderiv import claim, sweep

@claim("slow.one", where="§1", statement="never ends", sizes=sweep(n=1, t=1))
def one(**size):
    time.sleep(60)
    return 1, 1
'''


@pytest.mark.parametrize("how", ["option", "ini"])
def test_each_item_has_a_time_limit(pytester, how):
    proofs = pytester.mkdir("proofs")
    (proofs / "slow.py").write_text(SLEEPS)
    args = ["--symderiv-timeout", "2"] if how == "option" else []
    if how == "ini":
        pytester.makeini("[pytest]\nsymderiv_timeout = 2\n")
    result = pytester.runpytest_subprocess(*_plugin_args(), "proofs", "-p", "no:cacheprovider", *args)
    result.assert_outcomes(failed=1)
    assert "ran out of its 2 s budget" in result.stdout.str()


def test_the_failure_carries_the_evidence_witness_sigma_included(pytester):
    proofs = pytester.mkdir("proofs")
    (proofs / "plug.py").write_text(PROOF.replace('expect="fails",', ""))
    result = pytester.runpytest_subprocess(*_plugin_args(), "proofs", "-k", "expected", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "witness σ" in out and "certificate:" in out


def test_pytest_tests_runs_without_python_m():
    """`pytest tests/…` (the console script: the root is not on sys.path by itself) imports `tests.…`."""
    exe = Path(sys.executable).with_name("pytest")
    if not exe.exists():
        pytest.skip("no pytest console script beside this interpreter")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)  # the worktree's symderiv (not needed by the fix: `tests` is what is found)
    out = subprocess.run([str(exe), "-q", "-p", "no:cacheprovider", "tests/test_fp.py", "--co"], cwd=ROOT,
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stdout[-2000:]


def test_one_worker_checks_the_claims_of_every_file_one_after_another(tmp_path):
    """As `symderiv check` does: the session's claims share a warm worker, each claim in a fresh fork of it."""
    (tmp_path / "proofs").mkdir()
    (tmp_path / "proofs" / "pids.py").write_text(textwrap.dedent('''
        import os
        from pathlib import Path
        from symderiv import claim, sweep

        def log(cid):
            with open(Path(__file__).with_name("pids.txt"), "a") as f:
                f.write(f"{cid} {os.getpid()} {os.getppid()}\\n")

        @claim("p.a", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))
        def a(**size):
            log("a")
            return 1, 1

        @claim("p.b", where="§2", statement="2 = 2", sizes=sweep(n=1, t=1))
        def b(**size):
            log("b")
            return 2, 2
    '''))
    (tmp_path / "proofs" / "other.py").write_text((tmp_path / "proofs" / "pids.py").read_text()
                                                  .replace('"p.a"', '"q.a"').replace('"p.b"', '"q.b"')
                                                  .replace('log("a")', 'log("c")').replace('log("b")', 'log("d")'))
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "proofs/"],
                       cwd=tmp_path, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert p.returncode == 0, p.stdout + p.stderr
    pids = {line.split()[0]: line.split()[1:] for line in (tmp_path / "proofs" / "pids.txt").read_text().splitlines()}
    assert set(pids) == {"a", "b", "c", "d"} and len({ppid for _, ppid in pids.values()}) == 1  # one worker,
    assert len({pid for pid, _ in pids.values()}) == 4  # which forks each claim a fresh process (issue 19)
    assert str(os.getpid()) not in {ppid for _, ppid in pids.values()}


def test_sympys_caches_are_sized_for_claim_after_claim_unless_the_user_chose(tmp_path):
    """tuning.tune sets SYMPY_CACHE_SIZE before SymPy's first import, and leaves a user's value alone."""
    code = "import symderiv.cli, sympy.core.cache as c, os; print(os.environ['SYMPY_CACHE_SIZE'])"
    env = {k: v for k, v in os.environ.items() if k != "SYMPY_CACHE_SIZE"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "20000", out.stderr
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(env, SYMPY_CACHE_SIZE="500"))
    assert out.stdout.strip() == "500", out.stderr


def test_a_groups_members_are_checked_from_its_own_file_when_another_file_uses_a_members_id(tmp_path):
    """b.py declares a claim whose id is a.py's group member's: a.py's group must check a.py's member."""
    (tmp_path / "proofs").mkdir()
    (tmp_path / "proofs" / "a.py").write_text(textwrap.dedent('''
        from symderiv import readings, sweep

        grp = readings("a.grp", where="§1", statement="two readings", intent="good", why="the first is meant",
                       sizes=sweep(n=1, t=1))

        @grp.reading("good")
        def good(**size):
            return 1, 1

        @grp.reading("bad", expect="fails", why="1 ≠ 2")
        def bad(**size):
            return 1, 2
    '''))
    (tmp_path / "proofs" / "b.py").write_text(textwrap.dedent('''
        from symderiv import claim, sweep

        @claim("a.grp.good", where="§2", statement="b.py's own claim with a clashing id", expect="fails",
               why="1 ≠ 2", sizes=sweep(n=1, t=1))
        def clash(**size):
            return 1, 2
    '''))
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "proofs/b.py", "proofs/a.py"],
                       cwd=tmp_path, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert p.returncode == 0, p.stdout + p.stderr
