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
    assert r.exit_code == ExitCode.NOTHING_CHECKED
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
    assert r.exit_code == ExitCode.NOTHING_CHECKED
    assert "no claim 'broken.claim'" in r.output and "broken.py:1 failed to import" in r.output
