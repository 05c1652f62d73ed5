"""Adversarial findings: each test fails today because symderiv gives a wrong verdict."""
import dataclasses

import pytest

import sympy as sp

from symderiv import pal2019_rnn
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.functions import sigma
from symderiv.kernel import verify_identity
from symderiv.results import Verdict
from symderiv.sizes import no_sizes, sweep


def test_modulo_a_relation_with_a_constant_function_atom_does_not_prove_everything():
    """modulo σ(0) = 0: Gröbner over the EX domain treats σ(0) as a nonzero field coefficient,
    so the ideal is the whole ring and x = y 'holds'. x = 1, y = 0, σ(0) = 0 refutes it."""
    x, y = sp.symbols("x y")
    c = Claim(id="adv.modulo", where="t", statement="x = y given σ(0) = 0", check=lambda: (x, y),
              sizes=no_sizes(), modulo=(sigma(0),))
    assert check_claim(c).verdict != Verdict.HOLDS


def test_modulo_does_not_divide_by_an_atom_that_may_vanish():
    """x = 0 modulo g(1)·x = 0: false at g(1) = 0, x = 1."""
    x = sp.Symbol("x")
    g = sp.Function("g")
    c = Claim(id="adv.modulo2", where="t", statement="x = 0 given g(1) x = 0", check=lambda: (x, sp.Integer(0)),
              sizes=no_sizes(), modulo=(g(1) * x,))
    assert check_claim(c).verdict != Verdict.HOLDS


def test_kernel_refuses_a_certificate_at_a_size_the_claim_fixes_otherwise():
    """A claim about n = 1 only (fixed), true there; a certificate at n = 2 is outside its domain."""
    check = lambda m: (m.W_R * m.W_O, m.W_O * m.W_R)  # noqa: E731  commute: true at n = 1 only
    claim = Claim(id="adv.fixed", where="t", statement="t", check=check, model=pal2019_rnn,
                  sizes=sweep(n=1, t=1, fixed=("n",)), conventions={"layout": "row-major"})
    assert check_claim(claim).verdict == Verdict.HOLDS
    at_two = dataclasses.replace(claim, sizes=sweep(n=2, t=1))
    cert = check_claim(at_two).counterexample
    assert cert is not None and cert.size["n"] == 2
    assert not verify_identity(claim, cert).ok


def test_kernel_premise_refuses_a_non_jordan_matrix_for_the_jordan_family():
    """premise() accepts every matrix as 'jordan' (the search draws only Jordan blocks), so a forged
    certificate refutes a true claim about Jordan blocks: ρ(J − J₀₀ I) = 0."""
    from symderiv import matrices, rho
    from symderiv.certificates import issue_relation
    from symderiv.kernel import verify_relation

    claim = Claim(id="adv.jordan", where="t", statement="J − λI is nilpotent for a Jordan block J",
                  check=lambda J: rho(J - J[0, 0] * sp.eye(J.rows)) <= 0, kind="inequality",
                  given=dict(J=matrices(families=("jordan",))), sizes=sweep(n=2, t=1, fixed=("t",)))
    size = {"n": 2, "t": 1}
    forged = issue_relation(claim.id, size, {"J": sp.Matrix([[0, 1], [1, 0]])}, "claim", claim.evaluator(size))
    assert not verify_relation(claim, forged).ok


def test_a_check_that_substitutes_into_claim_values_is_refused_by_the_engine():
    """xreplace/subs on a claim value means one thing on symbols and another on numbers: an error, never a verdict
    (the sibling forms are tests/test_concrete.py's SNEAKY)."""
    chk = lambda m: (m.h(1).xreplace({m.W_R[0, 0]: 0}), m.W_I * m.x(1) + m.b_R)  # noqa: E731
    claim = Claim(id="adv.xreplace", where="t", statement="t", check=chk, model=pal2019_rnn,
                  sizes=sweep(n=1, t=1), conventions={"layout": "row-major"})
    res = check_claim(claim)
    assert res.verdict == Verdict.ERROR and "xreplace" in res.error, (res.verdict, res.error)


def test_kernel_refuses_a_forged_certificate_for_a_check_that_substitutes_model_symbols():
    """The check substitutes W_R[0,0] := 0 (xreplace with the model's own symbol): it holds symbolically.
    On the ExactModel, m.W_R[0, 0] is the number 2, so xreplace({2: 0}) rewrites other numbers too, and
    the kernel accepts a forged refutation of a claim the engine proves."""
    from symderiv.certificates import Counterexample

    chk = lambda m: (m.h(1).xreplace({m.W_R[0, 0]: 0}), m.W_I * m.x(1) + m.b_R)  # noqa: E731
    claim = Claim(id="adv.xreplace", where="t", statement="t", check=chk, model=pal2019_rnn,
                  sizes=sweep(n=1, t=1), conventions={"layout": "row-major"})
    pt = {"W_R[0]": "2", "h0[0]": "1", "W_I[0]": "0", "x1[0]": "0", "b_R[0]": "2", "W_O[0]": "0", "b_O[0]": "0",
          "y1[0]": "0"}
    forged = Counterexample("adv.xreplace", {"n": 1, "t": 1}, (0, 1), pt, (0, 0), "4", "2")
    assert not verify_identity(claim, forged).ok


def _xreplace(m):
    return m.h(1).xreplace({m.W_R[0, 0]: 0}), m.W_I * m.x(1) + m.b_R


def _subs(m):
    return m.h(1).subs(m.W_R[0, 0], 0), m.W_I * m.x(1) + m.b_R


def _has(m):
    return m.h(1) * (2 if m.h(1).has(m.W_R[0, 0]) else 1), m.W_I * m.x(1) + m.b_R


def _free_symbols(m):
    return m.h(1) * (len(m.h(1).free_symbols) + 1), m.W_I * m.x(1) + m.b_R


def _atoms(m):
    return m.h(1) * (len(m.h(1).atoms()) + 1), m.W_I * m.x(1) + m.b_R


def _replace(m):
    return m.h(1).replace(m.W_R[0, 0], 0), m.W_I * m.x(1) + m.b_R


def _count_ops(m):
    return m.h(1) * (m.h(1)[0].count_ops() + 1), m.W_I * m.x(1) + m.b_R


STRUCTURAL = {f.__name__[1:]: f for f in (_xreplace, _subs, _has, _free_symbols, _atoms, _replace, _count_ops)}


@pytest.mark.parametrize("op", list(STRUCTURAL))
def test_the_kernel_refuses_a_structural_read_of_its_own_numbers(op):
    """On the kernel's exact model a model value is a plain number, not a claim value to the guard: reading its
    structure (xreplace, subs, has, …) there meant something else than on the symbolic model, where the engine
    refuses it. Refused on every SymPy value, so a forged certificate finds no other meaning in the kernel."""
    from symderiv.certificates import Counterexample

    claim = Claim(id=f"adv.{op}", where="t", statement="t", check=STRUCTURAL[op], model=pal2019_rnn,
                  sizes=sweep(n=1, t=1), conventions={"layout": "row-major"})
    assert check_claim(claim).verdict == Verdict.ERROR
    pt = {"W_R[0]": "2", "h0[0]": "1", "W_I[0]": "0", "x1[0]": "0", "b_R[0]": "2", "W_O[0]": "0", "b_O[0]": "0",
          "y1[0]": "0"}
    for lhs in ("4", "0", "2", "6", "8"):
        forged = Counterexample(f"adv.{op}", {"n": 1, "t": 1}, (0, 1), pt, (0, 0), lhs, "2")
        assert not verify_identity(claim, forged).ok, lhs


def test_a_certificates_recorded_value_is_never_executed(tmp_path):
    """verify_identity runs sp.sympify(cert.lhs): a corrupted certificate (e.g. from JSON) runs code."""
    from symderiv import HV

    claim = Claim(id="adv.exec", where="t", statement="t", model=pal2019_rnn, sizes=sweep(n=2, t=1),
                  check=lambda m: (m.d(("h", m.t), "W_R"), HV(m.sigma(m.h(m.t - 1)))),
                  conventions={"layout": "row-major"})
    cert = check_claim(claim).counterexample
    marker = tmp_path / "pwned"
    bad = dataclasses.replace(cert, lhs=f"__import__('pathlib').Path({str(marker)!r}).touch() or ({cert.lhs})")
    check = verify_identity(claim, bad)
    assert not marker.exists(), "the kernel executed code from a certificate"
    assert not check.ok


def test_derivative_wrt_a_quantity_the_step_reassigns_is_not_taken_at_a_wrong_value():
    """A step that assigns z twice (z = W h; h = σ(z); z = z + b). h1 = σ(W h0), so dh1/dz1 is σ'(W h0)
    (z as used) or 0 (z as finally assigned); never σ'(W h0 + b). The override replaces both assignments
    of z by z's final value, so the model runs h = σ(W h0 + b): this false claim 'holds' (and the kernel's
    forward mode, with the same override, confirms the wrong value)."""
    from symderiv import cell, diag

    @cell("reassigns z", params={"W": ("n", "n"), "b": "n"})
    def reassign(s, prev, x, p, f):
        s.z = p.W * prev.h
        s.h = f.sigma(s.z)
        s.z = s.z + p.b

    claim = Claim(id="adv.reassign", where="t", statement="t", model=reassign, sizes=sweep(n=2, t=1),
                  check=lambda m: (m.d(("h", 1), ("z", 1)), diag(m.dsigma(m.W * m.h(0) + m.b))),
                  conventions={"layout": "row-major"})
    assert check_claim(claim, backend="symengine").verdict != Verdict.HOLDS


def test_a_corrupted_relation_certificate_is_rejected_not_a_crash():
    """JSON-representable corruptions (a list as the step, a list as a recorded value) raise TypeError
    out of verify_relation instead of giving Verification(ok=False, ...)."""
    from symderiv import matrices, rho
    from symderiv.certificates import issue_relation
    from symderiv.kernel import verify_relation

    claim = Claim(id="adv.rel", where="t", statement="ρ subadditive", kind="inequality",
                  check=lambda A, B: rho(A + B) <= rho(A) + rho(B),
                  given=dict(A=matrices(), B=matrices()), sizes=sweep(n=2, t=1, fixed=("t",)))
    size = {"n": 2, "t": 1}
    cert = issue_relation(claim.id, size, {"A": sp.Matrix([[0, 1], [0, 0]]), "B": sp.Matrix([[0, 0], [1, 0]])},
                          "claim", claim.evaluator(size))
    assert verify_relation(claim, cert).ok
    for corrupt in ({"step": ["claim"]}, {"rhs": [0]}):
        assert not verify_relation(claim, dataclasses.replace(cert, **corrupt)).ok
