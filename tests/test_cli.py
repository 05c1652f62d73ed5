import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from symderiv.cli import ExitCode, main

ROOT = Path(__file__).resolve().parent.parent

GOOD = textwrap.dedent('''
    from symderiv import claim, pal2019_rnn, sweep, kron, eye

    @claim("toy.lemma", where="§1", statement="dh_1/dW_R = I ⊗ σ(h_0)ᵀ", model=pal2019_rnn, sizes=sweep(n=(1, 2), t=1),
           conventions={"layout": "row-major"})
    def lemma(m):
        return m.d(("h", 1), "W_R"), kron(eye(m.n), m.sigma(m.h(0)).T)

    @claim("toy.shapes", where="§2", statement="sides of different shapes", model=pal2019_rnn, sizes=sweep(n=2, t=1))
    def shapes(m):
        return m.d(("h", 1), "W_R"), m.h(1)

    @claim("toy.badsize", where="§4", statement="a size that is not a positive integer", model=pal2019_rnn,
           sizes=sweep(n=0, t=1))
    def badsize(m):
        return m.h(1), m.h(1)

    @claim("toy.wrong", where="§3", statement="h_1 = h_0 (expected to hold, but fails)", model=pal2019_rnn,
           sizes=sweep(n=1, t=1))
    def wrong(m):
        return m.h(1), m.h(0)
''')


@pytest.fixture
def proofs(tmp_path):
    d = tmp_path / "proofs"
    d.mkdir()
    (d / "good.py").write_text(GOOD)
    (d / "broken.py").write_text("from symderiv import claim\nraise RuntimeError('transcription not finished')\n")
    return d


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_unknown_id_checks_nothing_naming_the_nearest():
    r = run("check", "theorm1")
    assert r.exit_code == ExitCode.USAGE  # as pytest's unknown node id: a usage error
    assert "pal2019.theorem1" in r.output


def test_ambiguous_id_is_a_usage_error(proofs):
    (proofs / "broken.py").unlink()
    (proofs / "other.py").write_text(GOOD.replace('"toy.', '"other.'))
    r = run("check", str(proofs), "lemma")
    assert r.exit_code == ExitCode.USAGE
    assert "ambiguous" in r.output and "other.lemma" in r.output and "toy.lemma" in r.output


def test_malformed_size_exits_2():
    r = run("check", "theorem1", "--n", "two")
    assert r.exit_code == ExitCode.USAGE
    assert "--n 'two'" in r.output


def test_bad_proof_file_and_bad_claim_do_not_stop_the_others(proofs):
    r = run("check", str(proofs), "--format", "json")
    assert r.exit_code == ExitCode.USAGE
    doc = json.loads(r.output)
    by_id = {c["id"]: c for c in doc["claims"]}
    assert by_id["toy.lemma"]["verdict"] == "holds"
    assert by_id["toy.shapes"]["verdict"] == "error"
    assert "different shapes" in by_id["toy.shapes"]["error"]
    assert by_id["toy.wrong"]["verdict"] == "fails"
    assert by_id["toy.badsize"]["verdict"] == "error" and "n=0 must be a positive integer" in by_id["toy.badsize"]["error"]
    [err] = doc["summary"]["proof_file_errors"]
    assert "broken.py:2" in err["path"] and "transcription not finished" in err["cause"]


def test_verdict_differing_from_expectation_exits_1(proofs):
    (proofs / "broken.py").unlink()
    r = run("check", str(proofs / "good.py") , "toy.wrong", "--format", "json")
    assert r.exit_code == ExitCode.MISMATCH
    [c] = json.loads(r.output)["claims"]
    assert c["id"] == "toy.wrong" and c["verdict"] == "fails" and c["expected"] == "holds"
    assert c["counterexample"]["size"] == {"n": 1, "t": 1}


def test_json_schema_and_suffix_selection():
    r = run("check", "theorem1", "--format", "json", "--t", "1-2")
    assert r.exit_code == ExitCode.OK, r.output
    doc = json.loads(r.output)
    ids = [c["id"] for c in doc["claims"]]
    assert ids == ["pal2019.theorem1", "pal2019.theorem1.desc-product", "pal2019.theorem1.asc-product",
                   "pal2019.theorem1.corrected"]
    for c in doc["claims"]:
        assert {"id", "verdict", "expected", "source", "scope", "counterexample", "seconds"} <= set(c)
        assert c["verdict"] in ("holds", "fails", "undecided", "error")
    assert doc["summary"]["total"] == 4


def test_rich_report_shows_the_counterexample_panel():
    r = run("check", "pal2019.theorem1.desc-product", "--t", "1")
    assert r.exit_code == ExitCode.OK
    assert "counterexample: pal2019.theorem1.desc-product" in r.output
    assert "smallest size: n = 2, t = 1" in r.output


def test_works_from_an_empty_directory(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    p = subprocess.run([sys.executable, "-m", "symderiv", "list", "theorem1"], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "pal2019.theorem1.corrected" in p.stdout


def test_unknown_id_names_a_proof_file_that_failed_to_import(tmp_path):
    (tmp_path / "broken.py").write_text("from symderiv import no_such_name\n")
    r = CliRunner().invoke(main, ["check", str(tmp_path), "broken.claim"])
    assert r.exit_code == ExitCode.USAGE
    assert "no claim 'broken.claim'" in r.output and "broken.py:1 failed to import" in r.output


# ----- issue 11, item 3: the conventions of the tools users know ----------------------------------------------

FAST = textwrap.dedent('''
    from symderiv import claim, readings, sweep

    @claim("fast.one", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))
    def one(**size):
        return 1, 1

    @claim("fast.wrong", where="§2", statement="1 = 2", sizes=sweep(n=1, t=1))
    def wrong(**size):
        return 1, 2

    @claim("fast.two", where="§3", statement="2 = 2", sizes=sweep(n=1, t=1))
    def two(**size):
        return 2, 2

    amb = readings("fast.amb", where="§4", statement="ambiguous", intent="bad", why="the text's words")

    @amb.reading("good", sizes=sweep(n=1, t=1))
    def good(**size):
        return 1, 1

    @amb.reading("bad", sizes=sweep(n=1, t=1), expect="fails")
    def bad(**size):
        return 1, 3
''')


@pytest.fixture
def fast(tmp_path, monkeypatch):
    d = tmp_path / "proofs"
    d.mkdir()
    (d / "fast.py").write_text(FAST)
    monkeypatch.chdir(tmp_path)
    return d


def test_dash_h_is_help():
    for args in (["-h"], ["check", "-h"], ["list", "-h"], ["explain", "-h"]):
        r = run(*args)
        assert r.exit_code == 0 and "Usage:" in r.output, args
    assert "--exitfirst" in run("check", "-h").output


def test_quiet_shows_only_what_differs_and_very_quiet_only_the_tally(fast):
    full = run("check")
    quiet = run("check", "-q")
    quieter = run("check", "-qq")
    assert full.exit_code == quiet.exit_code == quieter.exit_code == ExitCode.MISMATCH
    assert "fast.one" in full.output and "fast.one" not in quiet.output.split("claims:")[0]
    assert "fast.wrong" in quiet.output and "counterexample: fast.wrong" in quiet.output
    assert quieter.output.strip().splitlines() == [
        "6 claims: 3 holds, 3 fails; 1 not as expected: fast.wrong"]


def test_verbose_prints_a_line_per_claim(fast):
    r = run("check", "-v")
    assert "fast.one holds (as expected)" in r.output and "fast.wrong fails (EXPECTED holds)" in r.output


def test_exitfirst_stops_at_the_first_unexpected_verdict(fast):
    r = run("check", "-x", "--format", "json")
    assert r.exit_code == ExitCode.MISMATCH
    ids = [c["id"] for c in json.loads(r.stdout)["claims"]]
    assert ids == ["fast.one", "fast.wrong"]  # fast.two and the readings were not checked
    assert "stopped at the first unexpected verdict" in r.stderr


def test_configuration_in_pyproject_is_found_from_a_subfolder(fast, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent('''
        [project]
        name = "mine"

        [tool.symderiv]
        paths = ["proofs/fast.py"]
        seed = 7
        backend = "sympy"
        timeout = 50
        jobs = 2
    '''))
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "sub" / "deeper")
    r = run("check", "fast.one", "--format", "json")
    assert r.exit_code == ExitCode.OK, r.output
    meta = json.loads(r.stdout)["meta"]
    assert meta["seed"] == 7 and meta["backend"] == "sympy"
    r = run("check", "fast.one", "--format", "json", "--seed", "3")  # the command line wins
    assert json.loads(r.stdout)["meta"]["seed"] == 3
    (tmp_path / "pyproject.toml").write_text("[tool.symderiv]\nseeed = 1\n")
    r = run("check", "fast.one")
    assert r.exit_code == ExitCode.USAGE and "no key 'seeed'" in r.output


def test_help_imports_nothing_heavy():
    code = ("import sys; from symderiv.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sympy', 'numpy', 'symengine', 'flint', 'rich', 'symderiv.claims') "
            "if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                         capture_output=True, text=True)
    assert out.stderr.strip().splitlines()[-1] == "[]", out.stderr


def test_list_in_a_pipe_never_wraps_an_id(fast):
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="40")
    p = subprocess.run([sys.executable, "-m", "symderiv", "list"], cwd=fast.parent, env=env, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
    first = [line.split("\t")[0] for line in p.stdout.splitlines()]
    assert p.stdout.splitlines()[0].split("\t") == ["claim", "kind", "where", "expect", "source"]  # a header row
    assert first[1:] == ["fast.one", "fast.wrong", "fast.two", "fast.amb", "fast.amb.good", "fast.amb.bad"]


def test_list_and_check_agree_on_every_expected_verdict(fast):
    listed = {line.split("\t")[0]: line.split("\t")[3]
              for line in run("list").output.splitlines()[1:] if "\t" in line}
    checked = {c["id"]: c["expected"] for c in json.loads(run("check", "--format", "json").stdout)["claims"]}
    assert listed == checked
    assert listed["fast.amb"] == "fails"  # the group expects what its intended reading expects


def test_list_and_check_agree_on_the_shipped_groups():
    """Every group of the shipped proof files: list's expectation is the one the engine aggregates."""
    from symderiv import engine
    from symderiv.claims import Group, collect, expected_of, shipped_proofs
    from symderiv.results import Result, Verdict

    col = collect([shipped_proofs()])
    for gid, g in col.items.items():
        if not isinstance(g, Group):
            continue
        members = {m: Result(id=m, verdict=Verdict.HOLDS, expected=col.items[m].expect, source="", where="",
                             statement="", conventions={}) for m in g.members}
        assert expected_of(col, gid) == (engine.aggregate(g, members).expected or Verdict.HOLDS), gid


def test_explain_takes_timeout_backend_and_a_proof_file_outside_proofs(tmp_path, monkeypatch):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.py").write_text(FAST)
    monkeypatch.chdir(tmp_path)
    r = run("explain", "notes/mine.py", "fast.wrong", "--timeout", "60", "--backend", "sympy")
    assert r.exit_code == ExitCode.OK, r.output
    assert "counterexample, worked out" in r.output
    assert "reproduce: symderiv check notes/mine.py fast.wrong" in r.output
    reproduce = [w for w in r.output.split("reproduce: ")[1].split("\n")[0].split() if w != "│"]  # (panel edge)
    again = run(*reproduce[1:], "--format", "json")  # the reproduce line, as printed, finds it again
    assert json.loads(again.stdout)["claims"][0]["verdict"] == "fails"
    assert run("explain", "fast.wrong").exit_code == ExitCode.USAGE  # not in the default folder: say so


def test_list_names_shipped_examples_by_their_place_not_the_install_folder(tmp_path):
    """From an empty folder, `list` shows a shipped example as examples/gru.py:LINE (issue 22 item 10)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-m", "symderiv", "list"], cwd=tmp_path, env=env, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
    sources = [line.split("\t")[4] for line in p.stdout.splitlines()[1:]]
    assert any(s.startswith("examples/gru.py:") for s in sources), sources[:5]
    assert not any(s.startswith("/") for s in sources), [s for s in sources if s.startswith("/")][:3]
