"""What a newcomer tripped on in the gate (issue 22): one project with a syntax error, a raising check and a
wrong ``expect=``, run as CI runs it (``python -m symderiv`` in a fresh interpreter, from an empty folder)."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from symderiv.cli import ExitCode
from symderiv.report.common import split_location, summary_line
from symderiv.report.terminal import outcome_style
from symderiv.results import Result, Verdict

ROOT = Path(__file__).resolve().parent.parent

GOOD = textwrap.dedent('''\
    from symderiv import claim, sweep

    @claim("ok.one", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))
    def one(**size):
        return 1, 1

    @claim("ok.wrong-expect", where="§2", statement="1 = 1", expect="fails", sizes=sweep(n=1, t=1))
    def two(**size):
        return 1, 1

    @claim("ok.raises", where="§3", statement="raises", sizes=sweep(n=1, t=1))
    def three(**size):
        raise RuntimeError("boom")
''')
BROKEN = "import symderiv\n\nx = (1,\n"   # a syntax error on line 3


def cli(*args, cwd, env=None):
    full = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    full.pop("GITHUB_ACTIONS", None)
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "symderiv", *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def project(tmp_path):
    proofs = tmp_path / "proofs"
    proofs.mkdir()
    (proofs / "good.py").write_text(GOOD)
    (proofs / "broken.py").write_text(BROKEN)
    (tmp_path / "pyproject.toml").write_text('[tool.symderiv]\npaths = ["proofs"]\n')
    return tmp_path


def test_annotations_are_relative_at_the_right_line_and_escaped(project):
    p = cli("check", "--no-cache", cwd=project, env={"GITHUB_ACTIONS": "true"})
    lines = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.startswith("::error")]
    broken = [ln for ln in lines if "broken.py" in ln]
    assert len(broken) == 1, lines
    props = broken[0].split("::")[1]
    fields = dict(kv.split("=", 1) for kv in props.removeprefix("error ").split(","))
    assert fields["file"] == "proofs/broken.py"          # relative to the checkout, as [tool.symderiv] names it
    assert fields["line"] == "3"                         # the parser's line, not 1
    assert ":" not in fields["title"] and "%3A" in fields["title"]   # a property's ':' is escaped


def test_the_tally_counts_proof_file_errors_and_qq_names_them(project):
    p = cli("check", "--no-cache", "-qq", cwd=project)
    assert p.returncode == ExitCode.USAGE
    out = p.stdout.strip().splitlines()
    assert len(out) == 1, out
    assert "every verdict as expected" not in out[0]
    assert "1 proof file error" in out[0] and "broken.py:3" in out[0]


def test_one_unwritable_report_costs_no_other(project):
    ro = project / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as a user who can write a read-only folder (root)")
        p = cli("check", "--no-cache", "--json", str(ro / "x" / "r.json"), "--markdown", "r.md",
                "--junit", "r.xml", "--html", "r.html", cwd=project)
    finally:
        ro.chmod(0o700)
    assert p.returncode == ExitCode.USAGE
    for name in ("r.md", "r.xml", "r.html"):
        assert (project / name).stat().st_size > 0, name
    assert "cannot write --json" in p.stderr


def test_one_unwritable_report_costs_no_other_in_process(project, monkeypatch):
    """The same without relying on file permissions (root writes anywhere): a path under a regular file."""
    (project / "afile").write_text("")
    p = cli("check", "--no-cache", "--json", str(project / "afile" / "r.json"), "--markdown", "r.md",
            "--junit", "r.xml", "--html", "r.html", cwd=project)
    assert p.returncode == ExitCode.USAGE
    for name in ("r.md", "r.xml", "r.html"):
        assert (project / name).stat().st_size > 0, name
    assert "cannot write --json" in p.stderr
    md = (project / "r.md").read_text()
    assert "1 proof file error" in md and "every verdict as expected" not in md


@pytest.mark.parametrize("verdict,expected,style", [
    (Verdict.FAILS, Verdict.FAILS, "green"),    # an expected fails is a pass
    (Verdict.HOLDS, Verdict.FAILS, "red"),      # holds where fails was expected is a problem
    (Verdict.HOLDS, None, "green"),
    (Verdict.UNDECIDED, None, "red"),
    (Verdict.ERROR, None, "magenta"),
    (Verdict.ERROR, Verdict.ERROR, "green"),
])
def test_colour_tells_the_outcome(verdict, expected, style):
    r = Result(id="c", verdict=verdict, expected=expected, source="f.py:1", where="", statement="", conventions={})
    assert outcome_style(r) == style


def test_summary_line_is_well_only_when_nothing_is_off():
    ok = Result(id="c", verdict=Verdict.HOLDS, expected=None, source="f.py:1", where="", statement="", conventions={})
    assert summary_line([ok], []) == ("1 claim: 1 holds; every verdict as expected", True)
    text, well = summary_line([ok], [("p.py:3", "SyntaxError: '(' was never closed")])
    assert not well and "1 proof file error (p.py:3: SyntaxError" in text


@pytest.mark.parametrize("where,expected", [("a/b.py:3", ("a/b.py", 3)), ("a/b.py", ("a/b.py", 1)),
                                            ("C:/x.py", ("C:/x.py", 1))])
def test_split_location(where, expected):
    assert split_location(where) == expected


@pytest.mark.parametrize("target", ["README.md", "./README.md", ""])
def test_a_target_that_is_not_a_proof_file_or_id_is_a_usage_error(tmp_path, target):
    (tmp_path / "README.md").write_text("hi\n")
    p = cli("check", target, cwd=tmp_path)
    assert p.returncode == ExitCode.USAGE, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr


def test_an_unknown_id_is_a_usage_error(tmp_path):
    p = cli("check", "no.such.claim", cwd=tmp_path)
    assert p.returncode == ExitCode.USAGE and "no claim 'no.such.claim'" in p.stderr


def test_a_reader_that_leaves_early_is_interrupted_not_a_mismatch(project):
    """``symderiv check -v | head -1``: the same exit as ``list | head`` (130), never 1 ("a verdict differs")."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    proc = subprocess.Popen([sys.executable, "-m", "symderiv", "check", "-v", "--no-cache", "proofs/good.py"],
                            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=300) == ExitCode.INTERRUPTED


def test_a_scope_names_every_dimension():
    """m is named beside n (issue 22 item 10); a set of sizes that is not a product is listed size by size."""
    from symderiv.results import SizeOutcome, describe_scope

    grid = [SizeOutcome(size={"n": n, "t": t, "m": m}, status=Verdict.HOLDS, detail="", seconds=0)
            for n in (1, 2) for m in (1, 2) for t in (1, 2)]
    assert describe_scope(grid, "exact") == "exact: holds for n = 1–2, m = 1–2 (t = 1–2)"
    odd = [SizeOutcome(size={"n": n, "t": 1, "m": m}, status=Verdict.HOLDS, detail="", seconds=0)
           for n, m in ((1, 2), (2, 1))]
    assert describe_scope(odd, "exact") == "exact: holds for n = 1, m = 2; n = 2, m = 1 (t = 1)"


def test_m_is_an_option_and_in_the_reproduce_command(tmp_path):
    """A counterexample at m = 2 reproduces with --m 2, and --m overrides the sweep."""
    (tmp_path / "p.py").write_text(textwrap.dedent('''\
        from symderiv import claim, sweep, pal2019_rnn, kron, eye

        @claim("m.wrong", where="§1", statement="x_kᵀ ⊗ I for I ⊗ x_kᵀ", model=pal2019_rnn,
               sizes=sweep(n=(2,), t=(1,), m=(1,)), conventions={"layout": "row-major"})
        def wrong(m):
            return kron(eye(m.n), m.x(1).T), kron(m.x(1).T, eye(m.n))
    '''))
    p = cli("check", "p.py", "--no-cache", "--format", "json", cwd=tmp_path)
    assert p.returncode == ExitCode.OK, p.stderr          # at m = 1 the two agree
    p = cli("check", "p.py", "--no-cache", "--m", "2", "--format", "json", cwd=tmp_path)
    import json

    (r,) = json.loads(p.stdout)["claims"]
    assert r["verdict"] == "fails" and "--m 2" in r["reproduce"], r


def test_messages_name_what_the_user_needs(tmp_path):
    """A raising check names the user's frames; a typo'd parameter lists the parameters; a duplicate id names
    both places (issue 22 item 8)."""
    (tmp_path / "a.py").write_text(textwrap.dedent('''\
        from symderiv import claim, pal2019_rnn, sweep

        def helper(m):
            return m.W_R * undefined_name

        @claim("msg.raises", where="t", statement="s", model=pal2019_rnn, sizes=sweep(n=1, t=1))
        def raises(m):
            y = helper(m)
            return y, y

        @claim("msg.typo", where="t", statement="s", model=pal2019_rnn, sizes=sweep(n=1, t=1))
        def typo(m):
            return m.W_X, m.W_X
    '''))
    (tmp_path / "b.py").write_text(textwrap.dedent('''\
        from symderiv import claim, sweep

        @claim("msg.raises", where="t", statement="s", sizes=sweep(n=1, t=1))
        def again(**size):
            return 1, 1
    '''))
    import json

    p = cli("check", ".", "--no-cache", "--format", "json", cwd=tmp_path)
    doc = json.loads(p.stdout)
    by_id = {c["id"]: c for c in doc["claims"]}
    assert "a.py:4 in helper ← a.py:8 in raises" in by_id["msg.raises"]["error"]
    assert "W_R" in by_id["msg.typo"]["error"] and "W_I" in by_id["msg.typo"]["error"]
    (dup,) = doc["summary"]["proof_file_errors"]
    assert dup["path"] == "b.py:3" and "first declared at a.py:6" in dup["cause"], dup


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_an_interrupted_run_reports_what_ran_and_says_it_is_partial(tmp_path, sig):
    """As pytest prints what ran when interrupted (issue 22 item 10): the claims checked before the signal are
    reported, the report and every output file say they are partial, and the exit says which signal."""
    import signal
    import time

    (tmp_path / "p.py").write_text(textwrap.dedent('''\
        import time
        from symderiv import claim, sweep

        @claim("part.fast", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))
        def fast(**size):
            return 1, 1

        @claim("part.slow", where="§2", statement="slow", sizes=sweep(n=1, t=1))
        def slow(**size):
            time.sleep(120)
            return 1, 1
    '''))
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.Popen([sys.executable, "-m", "symderiv", "check", "p.py", "-j", "1", "--no-cache", "-v",
                             "--json", "r.json"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()            # -v: a line per claim as it ends; the fast one first
        assert "part.fast" in line, line
        time.sleep(0.5)
        proc.send_signal(getattr(signal, sig))
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    code = ExitCode.TERMINATED if sig == "SIGTERM" else ExitCode.INTERRUPTED
    assert proc.returncode == code, (proc.returncode, err)
    assert "part.fast" in out and "partial" in out
    assert "is partial" in err
    import json

    doc = json.loads((tmp_path / "r.json").read_text())
    assert [c["id"] for c in doc["claims"]] == ["part.fast"] and "interrupted after 1 of 2" in doc["meta"]["partial"]


def test_a_hang_at_import_is_bounded_by_the_timeout(tmp_path):
    """A proof file that never finishes importing is that file's error after --timeout (issue 22 item 8)."""
    (tmp_path / "hang.py").write_text("import symderiv\nwhile True:\n    pass\n")
    (tmp_path / "ok.py").write_text(GOOD.split("@claim(\"ok.wrong-expect\"")[0])
    p = cli("check", ".", "--timeout", "2", "--no-cache", "-qq", cwd=tmp_path)
    assert p.returncode == ExitCode.USAGE, (p.returncode, p.stdout, p.stderr)
    assert "hang.py:" in p.stdout and "did not finish within 2 s" in p.stdout
    assert "1 claim: 1 holds" in p.stdout          # the other file is still checked


def test_junit_proof_file_errors_are_relative_with_output(project):
    """A proof-file error's testcase names the file relative to the checkout, and its system-out starts with
    file:line as every other testcase's does (issue 22 item 5)."""
    import xml.etree.ElementTree as ET

    cli("check", "--no-cache", "--junit", "r.xml", cwd=project)
    root = ET.parse(project / "r.xml").getroot()
    (case,) = [c for c in root.iter("testcase") if c.get("classname") == "collection"]
    assert case.get("name") == "proofs/broken.py:3"
    assert case.find("system-out").text.splitlines()[0] == "proofs/broken.py:3"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is Linux's")
def test_stdout_on_a_full_disk_is_not_called_a_bug(project):
    """Writing the report to a full disk is the machine's failure: one line, exit 2, never 'internal error …
    this is a bug in symderiv' with exit 3 (issue 22 item 7)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    env.pop("GITHUB_ACTIONS", None)
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "symderiv", "check", "--no-cache", "proofs/good.py"],
                           cwd=project, env=env, stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert p.returncode == ExitCode.USAGE, (p.returncode, p.stderr)
    assert "internal error" not in p.stderr and "No space left on device" in p.stderr


def test_the_cache_line_counts_claims_as_the_tally_does(tmp_path, monkeypatch):
    """A group is a claim in the tally: the cache's line counts it too, from the cache when its members are
    (issue 22 item 1: '162 claims' beside '135 of 135 claims' verdicts from the cache')."""
    (tmp_path / "proofs").mkdir()
    (tmp_path / "proofs" / "g.py").write_text(textwrap.dedent('''\
        from symderiv import claim, parts, sweep

        both = parts("grp.both", where="§1", statement="two statements", sizes=sweep(n=1, t=1))

        @both.part("first", statement="1 = 1")
        def first(**size):
            return 1, 1

        @both.part("second", statement="2 = 2")
        def second(**size):
            return 2, 2
    '''))
    monkeypatch.delenv("SYMDERIV_NO_CACHE", raising=False)  # the cache is what is tested here
    cli("check", "-q", cwd=tmp_path)
    p = cli("check", "-q", cwd=tmp_path)
    import re

    total = int(re.search(r"(\d+) claims:", p.stdout).group(1))
    found = re.search(r"(\d+) of (\d+) claims' verdicts from the cache", p.stderr)
    assert found, (p.stdout, p.stderr)
    cached, of = map(int, found.groups())
    assert total == 3 and (cached, of) == (3, 3), (p.stdout, p.stderr)
