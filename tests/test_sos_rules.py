"""The SOS rewriting's definitions v² = poly read off the sentence's equalities (prove/sos.py: _rules_of) skip a
variable that is not e's one term in it before expanding v² − e (issue 20, item 6: 3.4 s of polar-reduction.norm's
7.9 s of CPU); the definitions found, their order and their signs are those of the full test, which is kept here as
the reference, on equalities of every shape it meets: definitions (‖B‖_F² = Σ b²) either way round, a variable in
a definition's polynomial too, a squared variable with another coefficient or beside a linear term, a witness's
definition, products and constants."""
import random

import sympy as sp

from symderiv.prove import sos
from symderiv.prove.encode import Witness


def reference(h) -> list:
    out = []
    for sign in (1, -1):
        e = sp.expand(sign * h)
        for v in e.free_symbols:
            poly = sp.expand(v ** 2 - e)
            if any(isinstance(x, Witness) for x in poly.free_symbols):
                continue
            if sp.expand(e - (v ** 2 - poly)) == 0 and v not in poly.free_symbols and \
                    sp.Poly(e, v).degree() == 2 and sp.expand(e.coeff(v, 2)) == 1 and e.coeff(v, 1) == 0:
                out.append((v, poly, sign))
    return out


def equalities():
    a, b, c, d = sp.symbols("a b c d")
    w = Witness("w") if _witness_takes_a_name() else None
    fixed = [a ** 2 - b ** 2 - c ** 2, -(a ** 2) + b * c, a ** 2 - a * b, 2 * a ** 2 - b, a ** 2 + a - b,
             a ** 2 - b ** 2, a * b - c, a ** 2, sp.Integer(3), a ** 2 - (b + c) ** 2, a ** 4 - b,
             a ** 2 * b - c, a ** 2 - sp.Rational(1, 3) * b ** 2 + 2]
    if w is not None:
        fixed += [w ** 2 - a ** 2, a ** 2 - w * b]
    rng = random.Random(0)
    syms = [a, b, c, d]
    out = list(fixed)
    for _ in range(200):
        terms = []
        for _ in range(rng.randint(1, 5)):
            m = sp.Integer(rng.choice([-2, -1, 1, 1, 1, 2, sp.Rational(1, 2)]))
            for _ in range(rng.randint(0, 3)):
                m *= rng.choice(syms)
            terms.append(m)
        if rng.random() < 0.5:
            terms.append(rng.choice([1, -1]) * rng.choice(syms) ** 2)
        out.append(sp.Add(*terms))
    return out


def _witness_takes_a_name() -> bool:
    try:
        Witness("w")
        return True
    except Exception:  # noqa: BLE001 — a Witness built otherwise: the random equalities still run
        return False


def test_the_definitions_found_are_the_full_tests():
    found = 0
    for h in equalities():
        sos._RULES.pop(h, None)
        got = sos._rules_of(h)
        assert got == reference(h), h
        found += len(got)
    assert found > 20   # the equalities do hold definitions, either way round
