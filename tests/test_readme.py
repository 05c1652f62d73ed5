"""The README's proof-file example, run as a new user would: copied into proofs/, checked."""
import json
import re
from pathlib import Path

from click.testing import CliRunner

from symderiv.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples_check_on_the_first_try(tmp_path):
    identity, inequality = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)[:2]
    (tmp_path / "mypaper.py").write_text(identity)
    r = CliRunner().invoke(main, ["check", str(tmp_path / "mypaper.py"), "--format", "json"])
    assert r.exit_code == 0, r.output
    [c] = json.loads(r.output)["claims"]
    assert c["id"] == "mypaper.jacobian" and c["verdict"] == "holds"
    (tmp_path / "mynotes.py").write_text(inequality)
    r = CliRunner().invoke(main, ["check", str(tmp_path / "mynotes.py"), "--format", "json"])
    assert r.exit_code == 0, r.output
    [c] = json.loads(r.output)["claims"]
    assert c["verdict"] == "fails" and c["counterexample"]["size"]["n"] == 2
