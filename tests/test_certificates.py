"""Certificates as data, and the kernel that accepts or rejects them."""
import dataclasses

import pytest

from symderiv import HV
from symderiv.certificates import Counterexample, substitute
from symderiv.engine import check_claim
from symderiv.kernel import verify_identity
from symderiv.results import Verdict


@pytest.fixture
def failing(make_claim):
    claim = make_claim(lambda m: (m.d(("h", m.t), "W_R"), HV(m.sigma(m.h(m.t - 1)))), n=(2,), t=(1,))
    r = check_claim(claim)
    assert r.verdict == Verdict.FAILS
    return claim, r.counterexample


def test_certificate_round_trips_and_the_kernel_replays_it(failing):
    claim, cert = failing
    again = Counterexample.from_json(cert.to_json())
    assert again == cert
    check = verify_identity(claim, again)
    assert check.ok, check.reason
    assert "forward mode" in check.reason


@pytest.mark.parametrize("corrupt", [
    lambda c: {"point": {k: str(int(v) + 1) if k.startswith("h0") else v for k, v in c.point.items()}},
    lambda c: {"lhs": c.rhs},
    lambda c: {"entry": (c.entry[0], (c.entry[1] + 1) % 4)},
    lambda c: {"sigma": (0, 0, 0, 5)},
    lambda c: {"point": {k: v for k, v in c.point.items() if not k.startswith("h0")}},
    lambda c: {"size": {"n": 0, "t": 1}},
    lambda c: {"size": {"n": 2, "t": 1, "q": 3}},
    lambda c: {"sigma": None},
    lambda c: {"sigma": (0.5, 1)},
    lambda c: {"point": {**c.point, next(iter(c.point)): "0.1e"}},
    lambda c: {"entry": (5, 0)},
])
def test_a_corrupted_certificate_is_rejected(failing, corrupt):
    claim, cert = failing
    bad = dataclasses.replace(cert, **corrupt(cert))
    assert not verify_identity(claim, bad).ok


def test_equal_sides_are_never_certified(make_claim, failing):
    """A forged certificate whose recorded values are right but equal is rejected."""
    _, cert = failing
    true_claim = make_claim(lambda m: (m.d(("h", 1), "W_R"), m.d(("h", 1), "W_R")), n=(2,), t=(1,))
    sides = true_claim.sides(cert.size)
    value = str(substitute(sides[0][cert.entry], cert.point, cert.witness_sigma))
    forged = dataclasses.replace(cert, lhs=value, rhs=value)
    check = verify_identity(true_claim, forged)
    assert not check.ok and "equal" in check.reason


def test_a_witness_sigma_is_outside_a_claim_that_fixes_sigma(make_claim, failing):
    _, cert = failing
    tanh_claim = make_claim(lambda m: (m.d(("h", m.t), "W_R"), HV(m.sigma(m.h(m.t - 1)))), n=(2,), t=(1,),
                            activation="tanh")
    check = verify_identity(tanh_claim, cert)
    assert not check.ok and "outside its domain" in check.reason


def test_a_recorded_closed_form_is_judged_by_its_value_not_its_spelling(make_claim):
    """Equal closed forms written differently are consistent; one that provably differs is refused."""
    claim = make_claim(lambda m: (m.d(("h", m.t), "W_R"), HV(m.sigma(m.h(m.t - 1)))), n=(2,), t=(2,),
                       activation="tanh")
    r = check_claim(claim)
    assert r.verdict == Verdict.FAILS
    cert = r.counterexample
    same = f"({cert.lhs}) + (1 + E)**2 - 1 - 2*E - E**2"  # zero, but no rational arithmetic shows it
    assert same != cert.lhs
    check = verify_identity(claim, dataclasses.replace(cert, lhs=same))
    assert check.ok, check.reason
    assert not verify_identity(claim, dataclasses.replace(cert, lhs=f"({cert.lhs}) + 1/1000")).ok
