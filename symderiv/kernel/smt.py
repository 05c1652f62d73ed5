"""A step proved by two SMT solvers: the kernel writes the sentence itself, from its own reading of the claim.

The prove phase refutes *its* encoding of a step (prove/encode.py) with z3 and
cvc5; a bug in that encoding (|x| read as x, a constraint too many, a term
dropped) would make two honest ``unsat`` answers prove another statement. So the
kernel does not hand on the prover's sentence. From its own
:class:`~.goal.Statement` (the claim run on the kernel's symbols; the facts of
the domain and the hypotheses; the atoms |x|, √x, max, min, ‖m‖_F, ‖m‖₂, exp,
tanh and the logistic function with the facts that define them (goal.py,
FUNCTIONS: a maximum equal to one of its arguments and the sign equivalences
z > 0 ⇔ tanh z > 0 … are printed here as disjunctions and equivalences); the
denominators) it writes, with the small printer below,
one sentence of QF_NRA per half of the step::

    facts ∧ atoms' definitions ∧ denominators ≠ 0 ∧ ¬(small ≤ big)

(``¬(small < big)`` for a strict step, ``small = big`` for a '≠' step), and asks
an *oracle* — a function ``ask(text, budget) -> {solver: answer}`` that the
prove phase registers (:func:`register`) or the caller passes — to run both
solvers on it. The kernel accepts only when z3 and cvc5 both answer ``unsat``
on that text; what it then trusts is the two solvers, never the encoder.

The kernel imports no solver and starts no process: the oracle is the only way
out, and all it can do is answer; a wrong answer is what the token names as
trusted (:data:`TRUST_KERNEL_GOAL`).

Soundness of the printing. Every fact is a rational function n/d (numerator and
denominator polynomials, :func:`sympy.fraction` of :func:`sympy.together`); the
sentence states a *weaker* form of each fact where d = 0 could be (g ≥ 0 as
n·d ≥ 0, h = 0 as n·d = 0, k ≠ 0 as n ≠ 0 ∨ d = 0), so a fact never excludes a
point the claim speaks of; and the negated goal small − big = n/d as n·d > 0 ∧ d ≠ 0
(resp. ≥ 0, = 0 for n), exactly ¬(small ≤ big) wherever the sides are defined.
An unsat sentence is then a proof of the step at every point of the claim's
domain where its sides (and hypotheses) are defined, which is what the kernel's
SOS path proves as well.
"""
from __future__ import annotations

import sympy as sp

from .walk import symbol_key

#: what a token for a half proved this way trusts (typed: tests and reports compare with it)
TRUST_KERNEL_GOAL = "z3 and cvc5 both unsat on the kernel's own goal"
#: ... and how it was proved
HOW_KERNEL_GOAL = "z3 and cvc5 both unsat on the kernel's own goal (a sentence the kernel wrote)"
#: outside the kernel's fragment (λ_max of a general matrix): the prover's encoding is trusted
TRUST_PROVER_ENCODING = "z3 and cvc5 both unsat on the prover's encoding (not re-checked by the kernel)"
#: the two solvers, both of which must answer unsat
SOLVERS = ("z3", "cvc5")
#: seconds per solver for one of the kernel's sentences when the caller gives none
BUDGET = 20.0

_ORACLE = None


def register(ask) -> None:
    """The function the kernel asks to run both solvers on a sentence: ``ask(text, budget)`` returns a dict
    {solver name: answer} where an answer is "unsat"/"sat"/"unknown" or has such a ``status``. The prove phase
    registers it (prove/solvers.py); the kernel never imports it."""
    global _ORACLE
    _ORACLE = ask


def oracle():
    return _ORACLE


class Unprintable(Exception):
    """An expression the kernel's printer has no SMT-LIB for (not a polynomial once denominators are cleared)."""


# ----- the printer ----------------------------------------------------------------------------------------------

def _num(r) -> str:
    p, q = int(r.p), int(r.q)
    body = f"{abs(p)}.0" if q == 1 else f"(/ {abs(p)}.0 {q}.0)"
    return f"(- {body})" if p < 0 else body


def _term(e, names: dict) -> str:
    if e.is_Rational:
        return _num(e)
    if e.is_Symbol:
        if e not in names:
            raise Unprintable(f"the symbol {e} is not one of the kernel's")
        return names[e]
    if e.is_Add:
        return "(+ " + " ".join(_term(a, names) for a in e.args) + ")"
    if e.is_Mul:
        return "(* " + " ".join(_term(a, names) for a in e.args) + ")"
    if e.is_Pow and e.exp.is_Integer and e.exp > 0:
        b = _term(e.base, names)
        return b if e.exp == 1 else "(* " + " ".join([b] * int(e.exp)) + ")"
    raise Unprintable(f"not a polynomial: {sp.sstr(e)[:80]}")


def _fraction(e):
    """(n, d): e = n/d with n, d polynomials (as SymPy expressions)."""
    n, d = sp.fraction(sp.together(sp.sympify(e)))
    return sp.sympify(n), sp.sympify(d)


class _Writer:
    def __init__(self):
        self.names: dict = {}
        self.asserts: list = []
        #: the same sentence as structured facts, one per assert (kernel/psatz.py checks certificates against it):
        #: ("ge", p) p ≥ 0, ("gt", p) p > 0, ("eq", p) p = 0, ("ne", p) p ≠ 0, ("or", [fact, …]), ("and", [fact, …]),
        #: ("opaque",) for a fact no certificate may use (leaving a premise out is sound)
        self.facts: list = []

    def name(self, s) -> str:
        got = self.names.get(s)
        if got is None:
            got = self.names[s] = f"k{len(self.names)}"   # by object: two symbols are never one name
        return got

    def term(self, e) -> str:
        e = sp.sympify(e)
        for s in sorted(e.free_symbols, key=symbol_key):
            if not (s.is_Symbol and s.is_real):
                raise Unprintable(f"the symbol {s} is not real")
            self.name(s)
        return _term(e, self.names)

    def assert_(self, text: str, fact=("opaque",)) -> None:
        self.asserts.append(f"(assert {text})")
        self.facts.append(fact)

    def text(self) -> str:
        lines = ["(set-logic QF_NRA)"]
        lines += [f"(declare-fun {n} () Real)" for n in self.names.values()]
        return "\n".join(lines + list(dict.fromkeys(self.asserts))) + "\n"


def _cmp(op: str, t: str) -> str:
    return f"({op} {t} 0.0)"


def sentence(stmt, small, big, negation: str) -> str:
    """The kernel's sentence for one half of a step: every fact of ``stmt`` (a :class:`~.goal.Statement`), the
    definitions of its atoms, its denominators ≠ 0, and the negated goal on ``small − big``: ``negation`` is
    ">" (the half small ≤ big), ">=" (the strict small < big) or "=" (small ≠ big). Raises Unprintable."""
    return writer(stmt, small, big, negation).text()


def writer(stmt, small, big, negation: str) -> "_Writer":
    """:func:`sentence` as the writer that printed it: its ``text()`` and its structured ``facts`` (kernel/psatz.py
    checks a certificate against those)."""
    w = _Writer()
    assert_statement(w, stmt)
    assert_negated(w, small, big, negation)
    return w


def decide(w: "_Writer", ask, budget: float, certificate_budget: float | None = None) -> tuple[bool, str, bool]:
    """The sentence ``w`` refuted: z3 and cvc5 both answer unsat on its text, and then, to drop that trust, a
    Positivstellensatz certificate the kernel checks exactly on ``w``'s own structured facts (kernel/psatz.py).
    The solvers go first: a sentence they do not refute (a false step, most often) costs no certificate search.
    (refuted, what was said, trusted): trusted is False when the certificate checked."""
    ok, said = both_unsat(w.text(), ask, budget)
    if not ok:
        return False, said, True
    return (True, said, True) if not certified(w, certificate_budget) else (True, said, False)


def certified(w: "_Writer", certificate_budget: float | None = None) -> bool:
    """Does a Positivstellensatz certificate of ``w``'s structured sentence check (kernel/psatz.py)?"""
    from . import psatz

    return psatz.by_certificate(w.facts, psatz.BUDGET if certificate_budget is None else certificate_budget)[0]


def assert_statement(w: "_Writer", stmt, near=lambda e: True) -> None:
    """Into ``w``: the facts of ``stmt`` (≥ 0, = 0, ≠ 0, in their weak forms where they have denominators), its
    denominators ≠ 0, and the definitions of its atoms (max/min, the sign facts of tanh, logistic, exp); only
    those over expressions ``near`` accepts (a pruned sentence: fewer premises, still a proof when unsat)."""
    facts = stmt.facts
    for g in facts.ge:
        if near(g):
            n, d = _fraction(g)
            p = n if d == 1 else n * d
            w.assert_(_cmp(">=", w.term(p)), ("ge", p))
    for h in facts.eq:
        if near(h):
            n, d = _fraction(h)
            p = n if d == 1 else n * d
            w.assert_(_cmp("=", w.term(p)), ("eq", p))
    for k in facts.ne:
        if near(k):
            n, d = _fraction(k)
            nz = f"(not {_cmp('=', w.term(n))})"
            w.assert_(nz if d == 1 else f"(or {nz} {_cmp('=', w.term(d))})",
                      ("ne", n) if d == 1 else ("or", [("ne", n), ("eq", d)]))
    for den in stmt.dens:
        if near(den):
            n, d = _fraction(den)   # a denominator that is itself a quotient (1/(1/x)): both parts ≠ 0
            w.assert_(f"(not {_cmp('=', w.term(n))})", ("ne", n))
            if d != 1:
                w.assert_(f"(not {_cmp('=', w.term(d))})", ("ne", d))
    # max and min: the kernel's facts say m ≥ (≤) each argument; a maximum is also equal to one of them
    for (kind, arg), a in stmt.reading.atoms.items():
        if kind in ("max", "min") and near(a) and all(near(x) for x in arg):
            ps = [n if d == 1 else n * d for n, d in (_fraction(a - x) for x in arg)]
            eqs = [_cmp("=", w.term(p)) for p in ps]
            w.assert_(eqs[0] if len(eqs) == 1 else "(or " + " ".join(eqs) + ")", ("or", [("eq", p) for p in ps]))
    # ρ and λ*: the radius is the modulus of one of the eigenvalues (goal.WITNESSES), one of these is 0
    for alts in getattr(stmt.reading, "ors", ()):
        if all(near(x) for x in alts):
            ps = [n if d == 1 else n * d for n, d in map(_fraction, alts)]
            eqs = [_cmp("=", w.term(p)) for p in ps]
            w.assert_(eqs[0] if len(eqs) == 1 else "(or " + " ".join(eqs) + ")", ("or", [("eq", p) for p in ps]))
    # tanh, the logistic function, exp: the kernel's sign facts (z > 0 ⇔ w > 0 and z < 0 ⇔ w < 0; goal.FUNCTIONS)
    for z, v in stmt.reading.signs:
        if not (near(z) and near(v)):
            continue
        (zn, zd), (vn, vd) = _fraction(z), _fraction(v)
        zt, vt = w.term(zn * zd), w.term(vn * vd)
        same = f"(and (= {_cmp('>', zt)} {_cmp('>', vt)}) (= {_cmp('<', zt)} {_cmp('<', vt)}))"
        undefined = [_cmp("=", w.term(d)) for d in (zd, vd) if d != 1]   # weaker where a side has no value
        w.assert_(same if not undefined else "(or " + " ".join(undefined + [same]) + ")")


def assert_negated(w: "_Writer", small, big, negation: str) -> None:
    """Into ``w``: the goal on ``small − big`` negated (``negation`` ">", ">=" or "=", as :func:`sentence`)."""
    n, d = _fraction(sp.sympify(small) - sp.sympify(big))
    if negation not in (">", ">=", "="):
        raise ValueError(f"no negation {negation!r}")
    kind = {">": "gt", ">=": "ge", "=": "eq"}[negation]
    if d == 1:
        w.assert_(_cmp(negation, w.term(n)), (kind, n))
    else:
        p = n if negation == "=" else n * d
        w.assert_(_cmp("=", w.term(n)) if negation == "=" else _cmp(negation, w.term(n * d)), (kind, p))
        w.assert_(f"(not {_cmp('=', w.term(d))})", ("ne", d))


def _status(a) -> str:
    return str(getattr(a, "status", a))


def both_unsat(text: str, ask, budget: float) -> tuple[bool, str]:
    """Ask the oracle; (True, what they said) only when z3 and cvc5 both answered unsat on ``text``."""
    if ask is None:
        return False, "no solvers to ask (the prove phase registers them)"
    try:
        answers = ask(text, budget)
    except Exception as e:   # the oracle's failure is no answer
        return False, f"the solvers did not answer ({type(e).__name__}: {str(e)[:80]})"
    said = "; ".join(f"{s}: {_status(answers.get(s)) if isinstance(answers, dict) else '?'}" for s in SOLVERS)
    if not isinstance(answers, dict) or any(_status(answers.get(s)) != "unsat" for s in SOLVERS):
        return False, said
    return True, said
