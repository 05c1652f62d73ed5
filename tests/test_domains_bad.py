"""A domain that names no value is bad input: one line naming it, an `error` for that claim, never a Python
exception from inside symderiv (noticed last session: ``scalars(lo=1, hi=-1)`` raised ``IndexError: Cannot choose
from an empty sequence``). The class: every bounded family (scalars, diagonals) with an empty range or a bound that
is not a number. A range that is not empty but lies outside the sampling grid (``scalars(100, 200)``) is a good
domain: its claims are checked there, at its own values."""
import pytest
import sympy as sp

from symderiv import diagonals, matrices, no_sizes, rel, scalars, sweep
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.errors import ProofFileError
from symderiv.results import Verdict


def _claim(given, check, sizes=None, prove=None):
    kw = {} if prove is None else {"prove": prove}
    return Claim(id="t.domain", where="test", statement="test", kind="inequality", check=check, given=given,
                 sizes=sizes or no_sizes(), **kw)


BAD = {
    "scalars-empty": (lambda: dict(x=scalars(lo=1, hi=-1)), lambda x: rel(x, ">=", 0), None),
    "scalars-empty-integer": (lambda: dict(x=scalars(lo=sp.Rational(1, 3), hi=sp.Rational(1, 2), integer=True)),
                              lambda x: rel(x, ">=", 0), None),
    "scalars-not-a-number": (lambda: dict(x=scalars(lo="a", hi=1)), lambda x: rel(x, ">=", 0), None),
    "diagonals-empty": (lambda: dict(D=diagonals(lo=2, hi=1), A=matrices()),
                        lambda D, A: rel((D * A).norm(), ">=", 0), sweep(n=(1, 2))),
}


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("prove", [None, False])
def test_an_empty_or_malformed_range_is_an_error_naming_it(case, prove):
    given, check, sizes = BAD[case]
    try:
        c = _claim(given(), check, sizes, prove)
    except ProofFileError as e:  # refused where it is declared: as good, one line
        assert "\n" not in str(e) and ("lo" in str(e) or "range" in str(e)), str(e)
        return
    res = check_claim(c)
    assert res.verdict == Verdict.ERROR, (res.verdict, res.error)
    assert res.error and "\n" not in res.error.strip() and "IndexError" not in res.error, res.error
    assert "range" in res.error or "lo" in res.error, res.error


@pytest.mark.parametrize("lo,hi", [(100, 200), (sp.Rational(1, 7), sp.Rational(1, 5)), (-50, -40), (5, 5)])
def test_a_range_outside_the_grid_is_checked_at_its_own_values(lo, hi):
    """x ≥ lo holds on [lo, hi] (proved or searched: never a counterexample); x > lo fails, at x = lo."""
    res = check_claim(_claim(dict(x=scalars(lo=lo, hi=hi)), lambda x: rel(x, ">=", lo)))
    assert res.verdict in (Verdict.HOLDS, Verdict.UNDECIDED), (res.verdict, res.error)
    res = check_claim(_claim(dict(x=scalars(lo=lo, hi=hi)), lambda x: rel(x, ">", lo), prove=False))
    assert res.verdict == Verdict.FAILS, (res.verdict, res.error)
    res = check_claim(_claim(dict(x=scalars(lo=lo, hi=hi)), lambda x: rel(x, "<", hi), prove=False))
    assert res.verdict == Verdict.FAILS, (res.verdict, res.error)


def test_an_error_of_a_claim_without_sizes_names_no_empty_size():
    res = check_claim(_claim(dict(x=scalars(lo=1, hi=-1)), lambda x: rel(x, ">=", 0)))
    assert res.verdict == Verdict.ERROR and not res.error.startswith("at :"), res.error
