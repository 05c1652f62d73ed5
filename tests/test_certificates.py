import dataclasses

import pytest

from symderiv.certificates import Counterexample, substitute, verify
from symderiv.engine import check_claim
from symderiv.results import Verdict
from symderiv import HV


@pytest.fixture
def failing(make_claim):
    claim = make_claim(lambda m: (m.d(("h", m.t), "W_R"), HV(m.sigma(m.h(m.t - 1)))), n=(2,), t=(1,))
    r = check_claim(claim)
    assert r.verdict == Verdict.FAILS
    return claim, r.counterexample


def test_certificate_round_trips_and_verifies_from_scratch(failing):
    claim, cert = failing
    again = Counterexample.from_json(cert.to_json())
    assert again == cert
    assert verify(again, claim.sides(cert.size)).ok


@pytest.mark.parametrize("corrupt", [
    lambda c: {"point": {k: str(int(v) + 1) if i == 0 else v for i, (k, v) in enumerate(sorted(c.point.items()))}},
    lambda c: {"lhs": c.rhs},
    lambda c: {"entry": (c.entry[0], (c.entry[1] + 1) % 4)},
    lambda c: {"sigma": (0, 0, 0, 5)},
    lambda c: {"point": dict(list(c.point.items())[1:])},
])
def test_a_corrupted_certificate_is_rejected(failing, corrupt):
    claim, cert = failing
    bad = dataclasses.replace(cert, **corrupt(cert))
    assert not verify(bad, claim.sides(cert.size)).ok


def test_equal_sides_are_never_certified(make_claim, failing):
    """A forged certificate whose recorded values are right but equal is rejected."""
    _, cert = failing
    true_claim = make_claim(lambda m: (m.d(("h", 1), "W_R"), m.d(("h", 1), "W_R")), n=(2,), t=(1,))
    sides = true_claim.sides(cert.size)
    value = str(substitute(sides[0][cert.entry], cert.point, cert.witness_sigma))
    forged = dataclasses.replace(cert, lhs=value, rhs=value)
    check = verify(forged, sides)
    assert not check.ok and "equal" in check.reason
