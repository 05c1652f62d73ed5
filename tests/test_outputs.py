"""The CI gate's outputs and budgets: timeouts, crashing workers, JUnit, markdown, HTML, explain."""
import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from symderiv.cli import ExitCode, main

PROOFS = textwrap.dedent('''
    import os, time
    from symderiv import claim, matrices, norm2, rho, pal2019_rnn, sweep, kron, eye

    @claim("gate.ok", where="§1", statement="dh_1/dW_R = I ⊗ σ(h_0)ᵀ", model=pal2019_rnn, sizes=sweep(n=(1, 2), t=1),
           conventions={"layout": "row-major"})
    def ok(m):
        return m.d(("h", 1), "W_R"), kron(eye(m.n), m.sigma(m.h(0)).T)

    @claim("gate.xfail", kind="inequality", where="§2", statement="‖A‖ ≤ ρ(A)", expect="fails",
           given=dict(A=matrices()), sizes=sweep(n=(1, 2), t=1))
    def xfail(A):
        return norm2(A) <= rho(A)

    @claim("gate.loops", where="§3", statement="never returns", sizes=sweep(n=1, t=1), model=pal2019_rnn,
           expect="undecided")
    def loops(m):
        while True:
            time.sleep(0.01)

    @claim("gate.crash", where="§4", statement="kills its process", sizes=sweep(n=1, t=1), model=pal2019_rnn,
           expect="error")
    def crash(m):
        os._exit(3)
''')


@pytest.fixture
def gate(tmp_path):
    d = tmp_path / "proofs"
    d.mkdir()
    (d / "gate.py").write_text(PROOFS)
    return d


def test_budget_and_crash_are_verdicts_and_the_rest_still_runs(gate, tmp_path):
    junit = tmp_path / "out.xml"
    res = CliRunner().invoke(main, ["check", str(gate), "--timeout", "3", "-j", "2", "--junit", str(junit)])
    assert res.exit_code == ExitCode.OK, res.output  # every verdict is the expected one
    assert "ran out of its 3 s budget in phase build" in res.output
    assert "process crashed (exit code 3)" in " ".join(res.output.split())  # however the table wraps it
    root = ET.parse(junit).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"gate.ok", "gate.xfail", "gate.loops", "gate.crash"}
    assert cases["gate.xfail"].find("skipped").get("type") == "xfail"
    assert cases["gate.ok"].find("failure") is None and cases["gate.ok"].find("skipped") is None
    assert root.get("tests") == "4"


def test_junit_marks_an_unexpected_verdict_as_failure(gate, tmp_path):
    (gate / "gate.py").write_text(PROOFS.replace('expect="fails",', "").split("@claim(\"gate.loops\"")[0])
    junit = tmp_path / "out.xml"
    res = CliRunner().invoke(main, ["check", str(gate), "--junit", str(junit)])
    assert res.exit_code == ExitCode.MISMATCH
    case = next(c for c in ET.parse(junit).getroot().iter("testcase") if c.get("name") == "gate.xfail")
    assert case.find("failure").get("message") == "fails, expected holds"
    # the proof file is not in ./proofs/ (the cwd's): the reproduce line names it, so it works from here
    assert f"reproduce: symderiv check {gate.resolve() / 'gate.py'} gate.xfail --seed 0 --n 2" \
        in case.find("failure").text


def test_markdown_has_a_table_math_and_the_reproduce_command(gate):
    res = CliRunner().invoke(main, ["check", f"{gate}/gate.py", "gate.xfail", "--format", "markdown"])
    assert res.exit_code == ExitCode.OK, res.output
    assert "| claim | where | verdict | expected | scope |" in res.output
    assert "$$ A = \\begin{pmatrix}" in res.output
    assert f"Reproduce: `symderiv check {gate.resolve() / 'gate.py'} gate.xfail --seed 0 --n 2 --t 1`" in res.output


def test_html_export(gate, tmp_path):
    out = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["check", f"{gate}/gate.py", "gate.ok", "--html", str(out)])
    assert res.exit_code == ExitCode.OK
    assert out.read_text().lstrip().lower().startswith("<!doctype html") and "gate.ok" in out.read_text()


def test_no_color_output_is_plain_text(gate):
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-m", "symderiv", "check", f"{gate}/gate.py", "gate.xfail"],
                         capture_output=True, text=True, env=env, cwd=gate.parent)
    assert out.returncode == 0, out.stderr
    assert "\x1b[" not in out.stdout and "gate.xfail" in out.stdout


def test_reproduce_command_finds_the_same_counterexample(gate):
    first = CliRunner().invoke(main, ["check", f"{gate}/gate.py", "gate.xfail", "--seed", "5", "--format", "json"])
    import json

    cert = json.loads(first.output)["claims"][0]["counterexample"]
    again = CliRunner().invoke(main, ["check", f"{gate}/gate.py", "gate.xfail", "--seed", "5", "--n", "2",
                                      "--format", "json"])
    assert json.loads(again.output)["claims"][0]["counterexample"]["point"] == cert["point"]


def test_explain_works_the_counterexample_out(monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    res = CliRunner().invoke(main, ["explain", "pal2019.lemma3"])
    assert res.exit_code == ExitCode.OK, res.output
    for needed in ("§5, Lemma 3", "as transcribed:", "def lemma3", "each size", "counterexample, worked out",
                   "So the claim fails", "reproduce: symderiv check pal2019.lemma3"):
        assert needed in res.output, needed
    assert CliRunner().invoke(main, ["explain", "no-such-claim"]).exit_code == ExitCode.USAGE


def test_same_seed_same_counterexample_in_any_process():
    # strategies once ordered their values through a set: the draw depended on Python's hash seed
    root = str(Path(__file__).resolve().parent.parent)
    points = []
    for hashseed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": root}
        out = subprocess.run([sys.executable, "-m", "symderiv", "check", "pal2019.proof3.sigma-le-gamma",
                              "--format", "json"], capture_output=True, text=True, env=env, cwd=root)
        import json

        points.append(json.loads(out.stdout)["claims"][0]["counterexample"]["point"])
    assert points[0] == points[1] == points[2]


# ----- issue 11, items 1-2: outputs that validate, CI integrations -------------------------------------------

FAST = textwrap.dedent('''
    from symderiv import claim, parts, matrices, norm2, rho, sweep

    @claim("out.ok", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))
    def ok(**size):
        return 1, 1

    @claim("out.xfail", kind="inequality", where="§2", statement="‖A‖ ≤ ρ(A)", expect="fails",
           given=dict(A=matrices()), sizes=sweep(n=(1, 2), t=1))
    def xfail(A):
        return norm2(A) <= rho(A)

    both = parts("out.both", where="§3", statement="two statements σ ⊗ ≤")

    @both.part("first", sizes=sweep(n=1, t=1))
    def first(**size):
        return 1, 1

    @both.part("second", sizes=sweep(n=1, t=1))
    def second(**size):
        return 1, 2
''')
SCHEMA = Path(__file__).resolve().parent / "junit-10.xsd"


@pytest.fixture
def fast(tmp_path):
    d = tmp_path / "proofs"
    d.mkdir()
    (d / "out.py").write_text(FAST, encoding="utf-8")
    return d


def _cli(*args, cwd, env=None, **kw):
    root = str(Path(__file__).resolve().parent.parent)
    full = {**os.environ, "PYTHONPATH": root, **(env or {})}
    for k in [k for k, v in full.items() if v is None]:
        del full[k]
    return subprocess.run([sys.executable, "-m", "symderiv", *args], cwd=cwd, env=full, capture_output=True,
                          timeout=300, **kw)


def test_junit_validates_against_the_jenkins_schema_and_counts_add_up(fast, tmp_path, monkeypatch):
    xmlschema = pytest.importorskip("xmlschema")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["check", "--junit", "reports/deep/j.xml"])  # a folder that does not exist
    assert res.exit_code == ExitCode.MISMATCH, res.output
    path = tmp_path / "reports" / "deep" / "j.xml"
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(path))  # raises with the reason if invalid
    root = ET.parse(path).getroot()
    assert root.get("skipped") is None and root.get("time") is not None
    suites = root.findall("testsuite")
    cases = list(root.iter("testcase"))
    assert int(root.get("tests")) == len(cases) == 5
    # each wrong verdict once: the part that fails, not also the group it makes fail
    failing = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failing == ["out.both.second"] and root.get("failures") == "1"
    for s in suites:
        own = s.findall("testcase")
        assert int(s.get("tests")) == len(own)
        assert int(s.get("failures")) == sum(c.find("failure") is not None for c in own)
        assert int(s.get("skipped")) == sum(c.find("skipped") is not None for c in own)
        assert abs(float(s.get("time")) - sum(float(c.get("time")) for c in own)) < 1e-6
    assert abs(float(root.get("time")) - sum(float(s.get("time")) for s in suites)) < 1e-6
    group = next(c for c in cases if c.get("name") == "out.both")
    assert group.get("time") == "0.000"  # the members carry the seconds: not counted twice
    assert suites[0].get("file") == "proofs/out.py"
    ok = next(c for c in cases if c.get("name") == "out.ok")
    assert ok.find("system-out").text.splitlines()[0] == "proofs/out.py:4"


def test_an_error_is_a_failure_of_type_error_in_valid_junit(tmp_path, monkeypatch):
    xmlschema = pytest.importorskip("xmlschema")
    d = tmp_path / "proofs"
    d.mkdir()
    (d / "bad.py").write_text("import symderiv\nraise RuntimeError('unfinished')\n")
    (d / "out.py").write_text(FAST.split("both = ")[0])
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["check", "--junit", "j.xml"])
    assert res.exit_code == ExitCode.USAGE
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(tmp_path / "j.xml"))
    case = next(c for c in ET.parse(tmp_path / "j.xml").getroot().iter("testcase")
                if c.get("classname") == "collection")
    assert case.find("failure").get("type") == "error" and "unfinished" in case.find("failure").text


def test_every_format_to_a_file_in_one_run_beside_the_terminal_report(fast, tmp_path):
    out = _cli("check", "out.ok", "--junit", "out/j.xml", "--json", "out/r.json", "--markdown", "out/r.md",
               "--html", "out/r.html", cwd=tmp_path, text=True)
    assert out.returncode == ExitCode.OK, out.stderr
    assert "1 claim" in out.stdout and "out.ok" in out.stdout  # the terminal report is still on stdout
    assert json.loads((tmp_path / "out" / "r.json").read_text(encoding="utf-8"))["claims"][0]["id"] == "out.ok"
    assert "| claim | where | verdict |" in (tmp_path / "out" / "r.md").read_text(encoding="utf-8")
    assert ET.parse(tmp_path / "out" / "j.xml").getroot().get("tests") == "1"
    assert "out.ok" in (tmp_path / "out" / "r.html").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "out" / "r.json").read_text())["claims"][0]["file"] == "proofs/out.py"


def test_junit_on_stdout(fast, tmp_path):
    out = _cli("check", "out.ok", "--format", "junit", cwd=tmp_path, text=True)
    assert out.returncode == ExitCode.OK, out.stderr
    assert ET.fromstring(out.stdout.split("\n", 1)[1]).get("tests") == "1"


def test_github_actions_annotations_and_job_summary(fast, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    out = _cli("check", cwd=tmp_path, text=True,
               env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert out.returncode == ExitCode.MISMATCH
    notes = [line for line in out.stdout.splitlines() if line.startswith("::")]
    assert len(notes) == 1, notes  # one per verdict that differs: the part, not also its group
    assert notes[0].startswith("::error file=proofs/out.py,line=19,title=symderiv%3A out.both.second fails::")
    assert "expected holds" in notes[0] and "\n" not in notes[0]
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n") and "## symderiv audit" in text and "out.both.second" in text
    # with JSON on stdout, the annotations go to stderr (GitHub reads both) and stdout stays one JSON document
    out = _cli("check", "--format", "json", cwd=tmp_path, text=True,
               env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    json.loads(out.stdout)
    assert "::error file=proofs/out.py" in out.stderr
    # outside GitHub Actions: no annotation
    out = _cli("check", cwd=tmp_path, text=True, env={"GITHUB_ACTIONS": None})
    assert "::error" not in out.stdout + out.stderr


def test_force_color_in_a_pipe_colours_but_draws_no_progress_frames(fast, tmp_path):
    out = _cli("check", cwd=tmp_path, text=True, env={"FORCE_COLOR": "1", "NO_COLOR": None, "TERM": "xterm"})
    assert "\x1b[" in out.stdout  # colour, as asked
    assert "checking claims" not in out.stdout and "checked out." not in out.stdout  # no progress bar frames
    assert "\x1b[?25l" not in out.stdout and "\r" not in out.stdout  # no cursor hiding, no redraws


def _on_a_terminal(args, cwd, env):
    """Run the CLI with stdout on a pseudo-terminal; everything it wrote there."""
    import pty
    import select as sel

    master, slave = pty.openpty()
    root = str(Path(__file__).resolve().parent.parent)
    full = {**os.environ, "PYTHONPATH": root, "TERM": "xterm", "COLUMNS": "120", **env}
    full = {k: v for k, v in full.items() if v is not None}
    proc = subprocess.Popen([sys.executable, "-m", "symderiv", *args], cwd=cwd, env=full, stdout=slave,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = sel.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=300)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty")
def test_no_color_on_a_terminal_writes_no_escapes_and_no_progress_bar(fast, tmp_path):
    code, text = _on_a_terminal(["check"], tmp_path, {"NO_COLOR": "1", "FORCE_COLOR": None})
    assert code == ExitCode.MISMATCH
    assert "out.both.second" in text
    assert "\x1b" not in text  # no colour, no bold/dim, no cursor control
    code, text = _on_a_terminal(["check"], tmp_path, {"NO_COLOR": None, "FORCE_COLOR": None})
    assert "\x1b[" in text  # a terminal without NO_COLOR: colour


@pytest.mark.parametrize("fmt", ["rich", "json", "markdown", "junit"])
def test_a_stdout_that_cannot_encode_the_report_does_not_crash(fast, tmp_path, fmt):
    out = _cli("check", "--format", fmt, cwd=tmp_path, env={"PYTHONIOENCODING": "cp1252"})
    assert out.returncode == ExitCode.MISMATCH, out.stderr.decode("utf-8", "replace")
    text = out.stdout.decode("cp1252")
    assert "out.both.second" in text
    if fmt == "json":
        assert json.loads(text)["claims"][2]["statement"] == "two statements σ ⊗ ≤"  # escaped, nothing lost
    elif fmt in ("rich", "markdown"):
        assert "sigma (x) <=" in text  # ASCII renderings


def test_workers_can_be_spawned(fast):
    """Windows and macOS start workers with spawn: the worker imports the proof file again and gets the same verdict."""
    from symderiv.claims import collect
    from symderiv.runner import run_claims

    col = collect([fast])
    ids = list(col.items)
    by_spawn = {r.id: (r.verdict, r.counterexample.point if r.counterexample else None)
                for r in run_claims(col, ids, jobs=2, timeout=120, method="spawn")}
    by_fork = {r.id: (r.verdict, r.counterexample.point if r.counterexample else None)
               for r in run_claims(col, ids, jobs=2, timeout=120, method="fork")}
    assert by_spawn == by_fork and by_spawn["out.both.second"][0].value == "fails"


def test_the_json_report_reads_back_as_results():
    """Each claim of the JSON document is a Result (Result.from_json), why= included: one serialization."""
    import json

    from symderiv.report import to_json
    from symderiv.results import Result, Verdict

    r = Result(id="a.b", verdict=Verdict.FAILS, expected=Verdict.FAILS, source="p.py:1", where="§1", statement="s",
               conventions={"layout": "row-major"}, scope="scope", why="HV fills every block")
    doc = json.loads(to_json([r], [], {"seed": 0}))
    back = Result.from_json(doc["claims"][0])
    assert back.why == "HV fills every block" and back.verdict == Verdict.FAILS and back.scope == "scope"
    assert doc["claims"][0]["as_expected"] is True


def test_a_cp1252_table_stays_aligned_and_tells_partial_from_total(fast, tmp_path):
    """Issue 22 item 9: every line of the table is as wide as its border, whatever its cells hold (σ, ‖, ≤ are
    rendered before rich lays the table out), and ∂ is 'del' (AsciiMath), never the 'd' of a total derivative."""
    from symderiv.report.textsafe import ascii_of

    assert ascii_of("∂") == "del" and ascii_of("d") == "d"
    assert all(len(ascii_of(c)) == 1 for c in "✓✗│─╭╮╰╯┃━")
    out = _cli("check", cwd=tmp_path, env={"PYTHONIOENCODING": "cp1252"})
    lines = out.stdout.decode("cp1252").splitlines()
    border = next(ln for ln in lines if ln.startswith("+-"))
    row = next(ln for ln in lines if "out.ok" in ln and "holds +" in ln)
    assert len(row) == len(border), (row, border)
    table = [ln for ln in lines if ln[:1] in "+|"]
    assert any("sigma" in ln or "||" in ln for ln in table)      # cells with renderings longer than a character
    assert len({len(ln) for ln in table}) == 1, "\n".join(ln for ln in table if len(ln) != len(border))
