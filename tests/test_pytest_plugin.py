"""`pytest proofs/` collects every claim as an item; expected failures are strict xfails."""
import textwrap
from importlib.metadata import entry_points

pytest_plugins = ["pytester"]

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
    result = pytester.runpytest(*_plugin_args(), "proofs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, xfailed=1, failed=1)
    out = result.stdout.str()
    assert "plug.surprise fails" in out and "counterexample at n = 2" in out and "certificate:" in out


def test_an_expected_failure_that_holds_is_a_strict_xpass(pytester):
    proofs = pytester.mkdir("proofs")
    (proofs / "plug.py").write_text(PROOF.replace('HV(m.sigma(m.h(0)))', 'kron(eye(m.n), m.sigma(m.h(0)).T)'))
    result = pytester.runpytest(*_plugin_args(), "proofs", "-k", "expected", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert "XPASS(strict)" in result.stdout.str()


def test_a_proof_file_that_raises_is_a_collection_error(pytester):
    proofs = pytester.mkdir("proofs")
    (proofs / "bad.py").write_text("import symderiv\nraise RuntimeError('broken transcription')\n")
    result = pytester.runpytest(*_plugin_args(), "proofs", "-p", "no:cacheprovider")
    assert result.ret != 0
    assert "broken transcription" in result.stdout.str()


def test_a_proof_file_that_exits_at_import_is_a_collection_error_not_the_end_of_pytest(pytester):
    proofs = pytester.mkdir("proofs")
    (proofs / "a_exits.py").write_text("import symderiv, sys\nsys.exit(0)\n")
    (proofs / "plug.py").write_text(PROOF)
    result = pytester.runpytest(*_plugin_args(), "proofs", "-p", "no:cacheprovider", "--continue-on-collection-errors")
    result.assert_outcomes(passed=1, xfailed=1, failed=1, errors=1)
    assert "a_exits.py:2: SystemExit(0)" in result.stdout.str()
