"""The pytest plugin agrees with `symderiv check` on what a proof file is, and reports as pytest users expect
(issue 22, item 6). Each run in its own interpreter, as a user runs pytest."""
import textwrap

from importlib.metadata import entry_points

pytest_plugins = ["pytester"]

TRUE = textwrap.dedent('''
    from symderiv import claim, sweep

    @claim("{id}.ok", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))
    def ok(**size):
        return 1, 1
''')

WRONG = textwrap.dedent('''
    from symderiv import claim, pal2019_rnn, sweep, kron, eye

    @claim("wrong.layout", where="§2", statement="dh_1/dW_R = σ(h_0)ᵀ ⊗ I", model=pal2019_rnn,
           sizes=sweep(n=(2,), t=1), conventions={"layout": "row-major"})
    def wrong(m):
        return m.d(("h", 1), "W_R"), kron(m.sigma(m.h(0)).T, eye(m.n))
''')


def _plugin_args():
    installed = any(ep.value == "symderiv.pytest_plugin" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "symderiv.pytest_plugin"]


def test_the_plugin_collects_what_check_collects(pytester):
    """[tool.symderiv] paths (a folder not named proofs), a test_*.py proof file, and a Latin-1 proof file with
    its coding line: each is collected, as `symderiv check` collects them."""
    pytester.makefile(".toml", pyproject='[tool.symderiv]\npaths = ["claims"]\n')
    claims = pytester.mkdir("claims")
    (claims / "mine.py").write_text(TRUE.format(id="cfg"))
    proofs = pytester.mkdir("proofs")
    (proofs / "test_named.py").write_text(TRUE.format(id="named"))
    (proofs / "latin.py").write_bytes(("# -*- coding: latin-1 -*-\n# café\n" + TRUE.format(id="latin"))
                                      .encode("latin-1"))
    result = pytester.runpytest_subprocess(*_plugin_args(), "claims", "proofs", "-p", "no:cacheprovider", "-v")
    out = result.stdout.str()
    for cid in ("cfg.ok", "named.ok", "latin.ok"):
        assert cid in out, out
    result.assert_outcomes(passed=3)


def test_a_failure_names_file_line_and_the_reproduce_command(pytester):
    proofs = pytester.mkdir("proofs")
    (proofs / "wrong.py").write_text(WRONG)
    result = pytester.runpytest_subprocess(*_plugin_args(), "proofs", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "proofs/wrong.py:4: wrong.layout" in out, out
    assert "reproduce: symderiv check" in out and "wrong.layout" in out


def test_a_bad_timeout_is_a_usage_error(pytester):
    proofs = pytester.mkdir("proofs")
    (proofs / "ok.py").write_text(TRUE.format(id="t"))
    result = pytester.runpytest_subprocess(*_plugin_args(), "proofs", "--symderiv-timeout", "0",
                                           "-p", "no:cacheprovider")
    assert result.ret == 4, result.stdout.str()       # pytest's usage error
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert "timeout" in result.stderr.str()
