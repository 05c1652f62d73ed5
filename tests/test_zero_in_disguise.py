"""An entry function that divides by, takes the log or the root of a number that is 0 but not as written.

sin² u + cos² u − 1 and tanh u − (e^{2u} − 1)/(e^{2u} + 1) are 0 at every real u, yet SymPy sees no 0 in them: it
folds D/D and D⁰ to 1 and log D − log D to 0, and keeps v/D as a quotient it never evaluates. A side written so has a value nowhere,
so no size of such a claim may be `holds`, on any path: the kernel's exact model (a model's quantities at n ≤ its
reach), its exact jets (free variables at n = 2) and the ℤ/p readings beyond them (adv34's FOLDED cases at n = 8,
t = 16). On free variables and dual numbers the kernel proves each such divisor, log or root argument by sign
(kernel/dual.domain_sign); a sign it cannot prove shows no value at that point. Before: D/D = 1 held with nothing
trusted at n = 2 on both paths; on a model it still does (strict xfail, MODEL_OPEN).

A control beside each: the same function of a divisor that is not 0 (1 + D + u²) keeps its `holds`.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sympy as sp

sys.path.insert(0, str(Path(__file__).parent))

from test_abs_cases import SMALL, Z, ew, free, make, tanh_cell  # noqa: E402

from symderiv.engine import check_claim  # noqa: E402
from symderiv.results import Verdict  # noqa: E402
from symderiv.variables import vector  # noqa: E402

ZEROS = {
    "sin² + cos² − 1": lambda u: sp.sin(u) ** 2 + sp.cos(u) ** 2 - 1,
    "tanh − its exp form": lambda u: sp.tanh(u) - (sp.exp(2 * u) - 1) / (sp.exp(2 * u) + 1),
}
# (lhs, rhs) of u for a zero D: each true wherever it has a value, and with a value nowhere
USES = {
    "D/D = 1": lambda D: (lambda u: D(u) / D(u), lambda u: sp.Integer(1)),
    "u·D⁰ = u": lambda D: (lambda u: u * D(u) ** 0, lambda u: u),
    "(u·D)/D = u": lambda D: (lambda u: (u * D(u)) / D(u), lambda u: u),
    "log D − log D + u = u": lambda D: (lambda u: sp.log(D(u)) - sp.log(D(u)) + u, lambda u: u),
    "√D − √D + u = u": lambda D: (lambda u: sp.sqrt(D(u)) - sp.sqrt(D(u)) + u, lambda u: u),
}


def _model(f, g, cid="zero.model"):
    return make(lambda m: (ew(Z(m), f), ew(Z(m), g)), tanh_cell, sizes=SMALL, cid=cid)


def _free(f, g, cid="zero.free"):
    return free(lambda v: (v.x.applyfunc(f), v.x.applyfunc(g)), dict(x=vector("n")), n=(1, 2), cid=cid)


MODEL_OPEN = pytest.mark.xfail(strict=True, reason="a model's quantities at n ≤ the exact reach are SymPy's own "
                               "matrices, whose applyfunc folds D/D to 1 before the kernel sees a divisor; a matrix "
                               "class of the kernel's own there (tried in stop 35) changed the kernel's degree bounds "
                               "and its refutations of 11 shipped claims, so it was not kept")


@pytest.mark.parametrize("path", [pytest.param("model", marks=MODEL_OPEN), "free"])
@pytest.mark.parametrize("use", sorted(USES))
@pytest.mark.parametrize("zero", sorted(ZEROS))
def test_a_side_with_a_value_nowhere_is_never_holds(zero, use, path):
    f, g = USES[use](ZEROS[zero])
    res = check_claim((_model if path == "model" else _free)(f, g))
    assert res.verdict != Verdict.HOLDS, (zero, use, path, res.scope[:300])
    assert res.verdict != Verdict.ERROR, res.scope[:300]


@pytest.mark.parametrize("path", ["model", "free"])
@pytest.mark.parametrize("zero", sorted(ZEROS))
def test_a_divisor_that_is_not_zero_keeps_its_holds(zero, path):
    D = ZEROS[zero]
    f, g = (lambda u: (u * (1 + D(u) + u ** 2)) / (1 + D(u) + u ** 2), lambda u: u)
    res = check_claim((_model if path == "model" else _free)(f, g, cid="zero.control"))
    assert res.verdict == Verdict.HOLDS, (zero, path, res.scope[:300])


# ----- the kernel's dual numbers (a refutation's replay): the same zeros, each use refused at the point ------------

@pytest.mark.parametrize("zero", sorted(ZEROS))
@pytest.mark.parametrize("use", ["D/D", "v/D", "log(D) + 1", "√D", "D**(2/3)"])
def test_on_dual_numbers_an_entry_function_whose_domain_fails_at_a_zero_in_disguise_is_refused(zero, use):
    from symderiv.kernel.dual import DualMatrix, KernelError

    D = ZEROS[zero]
    fn = {"D/D": lambda v: D(v) / D(v), "v/D": lambda v: v / D(v), "log(D) + 1": lambda v: sp.log(D(v)) + 1,
          "√D": lambda v: sp.sqrt(D(v)), "D**(2/3)": lambda v: D(v) ** sp.Rational(2, 3)}[use]
    for at in (sp.Rational(1, 3), sp.Integer(2)):
        with pytest.raises(KernelError):
            DualMatrix(sp.Matrix([[at]]), sp.Matrix([[1]])).applyfunc(fn)
    # a divisor that is not 0 keeps its value
    out = DualMatrix(sp.Matrix([[sp.Rational(1, 3)]]), sp.Matrix([[1]])).applyfunc(
        lambda v: (1 + D(v) + v ** 2) / (1 + D(v) + v ** 2))
    assert out.val[0, 0] == 1
