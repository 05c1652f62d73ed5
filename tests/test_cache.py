"""The verdict cache (issue 11.4): a re-run checks only what changed; a stale entry never produces a verdict."""
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

HELPER = textwrap.dedent('''
    def two():
        return 2
''')

PROOF = textwrap.dedent('''
    from symderiv import claim, sweep
    from _helper import two

    SHIFT = 0

    def offset():
        return SHIFT

    @claim("c.a", where="§1", statement="1 + 1 = 2", sizes=sweep(n=1, t=1))
    def a(**size):
        return 1 + 1 + offset(), two()

    @claim("c.b", where="§2", statement="2 = 2", sizes=sweep(n=1, t=1))
    def b(**size):
        return 2, 2
''')


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("SYMDERIV_NO_CACHE", raising=False)
    d = tmp_path / "proofs"
    d.mkdir()
    (d / "c.py").write_text(PROOF)
    (d / "_helper.py").write_text(HELPER)
    monkeypatch.syspath_prepend(str(d))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args):
    sys.modules.pop("_helper", None)  # as in a fresh process: the proof file imports its helper again
    res = CliRunner().invoke(main, ["check", "--format", "json", *args])
    doc = json.loads(res.stdout)
    return res, {c["id"]: c for c in doc["claims"]}


def cached(res) -> int:
    """How many verdicts the run took from the cache (its note on stderr)."""
    import re

    m = re.search(r"(\d+) of \d+ claims' verdicts from the cache", res.stderr)
    return int(m.group(1)) if m else 0


def test_a_rerun_takes_every_verdict_from_the_cache(project):
    first, _ = check()
    assert first.exit_code == ExitCode.OK and cached(first) == 0
    again, claims = check()
    assert again.exit_code == ExitCode.OK and cached(again) == 2
    assert claims["c.a"]["verdict"] == "holds"
    assert (project / ".symderiv_cache" / "CACHEDIR.TAG").is_file()


def test_editing_one_claim_rechecks_that_claim_only(project):
    check()
    src = project / "proofs" / "c.py"
    src.write_text(src.read_text().replace("return 2, 2", "return 2, 3"))  # c.b now fails
    res, claims = check()
    assert cached(res) == 1  # c.a from the cache, c.b recomputed
    assert claims["c.b"]["verdict"] == "fails" and res.exit_code == ExitCode.MISMATCH


def test_editing_what_a_claim_calls_rechecks_it(project):
    check()
    src = project / "proofs" / "c.py"
    src.write_text(src.read_text().replace("SHIFT = 0", "SHIFT = 1"))  # a constant a helper of c.a reads
    res, claims = check()
    assert cached(res) == 1 and claims["c.a"]["verdict"] == "fails"  # c.b unaffected, from the cache
    src.write_text(src.read_text().replace("SHIFT = 1", "SHIFT = 0"))
    check()
    (project / "proofs" / "_helper.py").write_text(HELPER.replace("return 2", "return 3"))  # an imported module
    res, claims = check()
    assert cached(res) == 1 and claims["c.a"]["verdict"] == "fails"


def test_editing_symderiv_itself_or_an_option_rechecks_everything(project, monkeypatch):
    check()
    from symderiv import cache

    monkeypatch.setattr(cache, "package_fingerprint", lambda: "another symderiv")
    res, _ = check()
    assert cached(res) == 0
    monkeypatch.undo()
    monkeypatch.delenv("SYMDERIV_NO_CACHE", raising=False)
    monkeypatch.chdir(project)
    for option in (["--seed", "1"], ["--backend", "sympy"], ["--timeout", "100"], ["--n", "1"]):
        res, _ = check(*option)
        assert cached(res) == 0, option


def test_the_package_fingerprint_covers_symderivs_source(tmp_path):
    """Editing any .py file of symderiv changes the key (run in a copy of the package)."""
    import shutil

    copy = tmp_path / "pkg"
    shutil.copytree(ROOT / "symderiv", copy / "symderiv", ignore=shutil.ignore_patterns("__pycache__"))
    code = "from symderiv.cache import package_fingerprint; print(package_fingerprint())"
    env = {**os.environ, "PYTHONPATH": str(copy)}
    run = dict(env=env, capture_output=True, text=True, cwd=tmp_path)  # not the worktree's own symderiv
    before = subprocess.run([sys.executable, "-c", code], **run).stdout
    with (copy / "symderiv" / "identity.py").open("a") as f:
        f.write("\n# an edit\n")
    after = subprocess.run([sys.executable, "-c", code], **run).stdout
    assert before.strip() and after.strip() and before != after


def test_a_damaged_entry_is_a_miss_never_a_verdict(project):
    check()
    for f in (project / ".symderiv_cache").rglob("*.json"):
        f.write_bytes(b"{not json")
    res, claims = check()
    assert cached(res) == 0 and claims["c.a"]["verdict"] == "holds"


def test_no_cache_and_cache_clear(project):
    check("--no-cache")
    assert not (project / ".symderiv_cache").exists()
    check()
    res, _ = check("--cache-clear")
    assert cached(res) == 0
    res, _ = check()
    assert cached(res) == 2


def test_a_claim_stopped_at_its_budget_is_not_cached(project):
    (project / "proofs" / "slow.py").write_text(textwrap.dedent('''
        import time
        from symderiv import claim, sweep

        @claim("slow.x", where="§1", statement="slow", sizes=sweep(n=1, t=1), expect="undecided")
        def x(**size):
            time.sleep(30)
            return 1, 1
    '''))
    check("slow.x", "--timeout", "1")
    res, claims = check("slow.x", "--timeout", "1")
    assert cached(res) == 0 and claims["slow.x"]["verdict"] == "undecided"


def test_last_failed_rechecks_what_differed(project):
    src = project / "proofs" / "c.py"
    src.write_text(src.read_text().replace("return 2, 2", "return 2, 3"))
    res, claims = check()
    assert res.exit_code == ExitCode.MISMATCH
    res, claims = check("--lf")
    assert set(claims) == {"c.b"} and "differed last time" in res.stderr
    src.write_text(src.read_text().replace("return 2, 3", "return 2, 2"))
    res, claims = check("--lf")
    assert set(claims) == {"c.b"} and res.exit_code == ExitCode.OK
    res, claims = check("--lf")  # nothing differed last time: everything
    assert set(claims) == {"c.a", "c.b"}


def test_pre_commit_hook_is_declared():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "- id: symderiv-check" in text and "entry: symderiv check" in text


def test_durations_are_kept_for_longest_first_scheduling(project):
    check()
    from symderiv.cache import Cache

    seconds = Cache(project).durations()
    assert set(seconds) == {"c.a", "c.b"} and all(v >= 0 for v in seconds.values())


def test_a_cached_verdict_is_reported_where_the_claim_is_now(tmp_path, monkeypatch):
    """The same claim in two files (one key: its source and id, not its path): a hit from the first file's run is
    reported at the second file's place."""
    import json as _json
    import subprocess as _sp
    import sys as _sys
    from pathlib import Path as _Path

    root = _Path(__file__).resolve().parent.parent
    text = '@claim("same.one", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))\ndef one(**size):\n' \
           '    return 1, 1\n'
    for folder, name, gap in (("a", "x", "\n"), ("b", "y", "\n\n\n\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / f"{name}.py").write_text("from symderiv import claim, sweep\n" + gap + text)
    monkeypatch.delenv("SYMDERIV_NO_CACHE", raising=False)
    env = dict(__import__("os").environ, PYTHONPATH=str(root), NO_COLOR="1")
    run = lambda folder: _sp.run([_sys.executable, "-m", "symderiv", "check", folder, "--format", "json"],
                                 cwd=tmp_path, capture_output=True, text=True, env=env)
    run("a")
    p = run("b")
    assert "1 of 1 claims' verdicts from the cache" in p.stderr  # a hit: the claim's own source is the same
    c = _json.loads(p.stdout)["claims"][0]
    assert c["source"].endswith("y.py:6"), c["source"]
    assert c["file"].endswith("y.py") and c["line"] == 6
