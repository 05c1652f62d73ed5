"""The kernel accepts every verdict: only it makes the tokens a `holds` or `fails` needs (issue 19, item 2).

A planted bug in whatever finds evidence (the engine, the prover's encoding,
the normal form) must not become a verdict: the kernel re-checks, from the
claim itself, and the engine's verdict needs the kernel's token.
"""
import ast
import copy
import pickle
from pathlib import Path

import pytest
import sympy as sp

from symderiv import engine, kernel
from symderiv.engine import check_claim
from symderiv.kernel import KernelError, Proved, Refuted, Verification
from symderiv.kernel.accept import Token, genuine
from symderiv.results import SizeOutcome, StopReason, Verdict

PACKAGE = Path(__file__).resolve().parents[1] / "symderiv"


# ----- tokens: only the kernel makes them -----------------------------------------------------------------------

@pytest.mark.parametrize("cls", [Proved, Refuted])
def test_a_token_cannot_be_made_outside_the_kernel(cls):
    with pytest.raises(KernelError, match="only the kernel"):
        cls("test.claim", {"n": 1}, "identity", "I say so")
    forged = object.__new__(cls)  # around __init__: still not a token the kernel made
    assert not genuine(forged)
    with pytest.raises(AttributeError):
        forged.claim = "test.claim"


def test_an_accepted_verification_cannot_be_made_outside_the_kernel():
    with pytest.raises(KernelError, match="only the kernel"):
        Verification(True, "trust me")
    with pytest.raises(KernelError):
        Verification(True, "trust me", token=object.__new__(Refuted))
    assert not Verification(False, "rejected").ok  # a rejection needs no token


def _a_genuine_token(make_claim):
    claim = make_claim(lambda m: (m.h(1), m.h(1)), n=(1,), t=(1,))
    return claim, kernel.accept.identity_holds(claim, {"n": 1, "t": 1}, "test", "test")


def test_a_token_is_immutable_and_does_not_leave_its_process(make_claim):
    _, tok = _a_genuine_token(make_claim)
    assert genuine(tok)
    with pytest.raises(AttributeError):
        tok.claim = "other.claim"
    with pytest.raises(TypeError):
        pickle.dumps(tok)
    assert copy.deepcopy(tok) is tok


def test_no_module_outside_the_kernel_names_the_token_maker():
    """`_issue` is the kernel's: nothing else may call it, or reach the registry of issued tokens."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "kernel":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else \
                None
            if isinstance(node, ast.alias):
                name = node.name
            if name in ("_issue", "_ISSUED"):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}" if hasattr(node, "lineno")
                                 else str(path))
    assert not offenders, offenders


# ----- the engine's verdict needs a token --------------------------------------------------------------------------

def test_a_planted_engine_bug_that_marks_holds_without_a_token_is_an_error(make_claim, monkeypatch):
    # h_1 ≠ 2·h_1: a false identity; the bug says `holds` without asking the kernel
    claim = make_claim(lambda m: (m.h(1), 2 * m.h(1)), n=(1,), t=(1,))
    assert check_claim(claim).verdict == Verdict.FAILS

    def planted(claim, size, **kw):
        return SizeOutcome(size, Verdict.HOLDS, "normal form of lhs − rhs is 0 (planted)",
                           stop=StopReason.NORMAL_FORM_ZERO), None

    monkeypatch.setattr(engine, "check_identity_at", planted)
    res = check_claim(claim)
    assert res.verdict == Verdict.ERROR
    assert "kernel does not back 'holds'" in res.error


def test_a_token_for_another_claim_or_size_does_not_back_a_verdict(make_claim, monkeypatch):
    other, tok = _a_genuine_token(make_claim)
    claim = make_claim(lambda m: (m.h(1), 2 * m.h(1)), n=(2,), t=(1,), id="test.other")

    def planted(claim, size, **kw):
        return SizeOutcome(size, Verdict.HOLDS, "planted", tokens=(tok,)), None

    monkeypatch.setattr(engine, "check_identity_at", planted)
    res = check_claim(claim)
    assert res.verdict == Verdict.ERROR and "is not about test.other" in res.error


def test_a_fails_without_the_kernels_refutation_is_an_error(make_claim, monkeypatch):
    claim = make_claim(lambda m: (m.h(1), m.h(1)), n=(1,), t=(1,))

    def planted(claim, size, **kw):
        return SizeOutcome(size, Verdict.FAILS, "planted", stop=StopReason.CERTIFIED), None

    monkeypatch.setattr(engine, "check_identity_at", planted)
    assert check_claim(claim).verdict == Verdict.ERROR


def test_the_shipped_verdicts_carry_no_token_out_of_the_engine(make_claim):
    res = check_claim(make_claim(lambda m: (m.h(1), m.h(1)), n=(1,), t=(1,)))
    assert res.verdict == Verdict.HOLDS
    assert all(o.tokens == () for o in res.sizes)
    pickle.dumps(res)  # results cross process pipes
