"""A Positivstellensatz refutation of the kernel's own sentence, checked exactly: a `holds` that trusts no solver.

The kernel writes one sentence per half of a step (:mod:`.smt`: facts ∧ atoms' definitions ∧ denominators ≠ 0 ∧
¬goal) and, beside its SMT-LIB text, keeps the same sentence as structured facts (``smt._Writer.facts``, made by
the same calls that print each assert): ("ge", p) p ≥ 0, ("gt", p) p > 0, ("eq", p) p = 0, ("ne", p) p ≠ 0,
("or", [...]), ("and", [...]) and ("opaque",) for what no certificate may use (leaving a premise out only
weakens the sentence). Where z3 and cvc5 both answered ``unsat`` on the text (asked first: a sentence they do
not refute costs no search), the kernel then asks for a certificate that the *structured* sentence has no real
point, and when it checks, the half trusts nothing (:func:`.smt.decide`, :func:`.smt.certified`). It is a tree:

* a leaf (:class:`Refutation`), for a context C of facts: with P the context's positives (every g of g ≥ 0
  and g > 0, and k² for each k ≠ 0, in :func:`context`'s order) and H its equalities, the identity over ℚ

      Σ_k c_k · s_k² · Π_{i ∈ I_k} P_i  +  zᵀQz  +  Σ_j m_j · H_j  =  0

  with every c_k ≥ 0 rational, Q ⪰ 0 (exact LDLᵀ) and **at least one strict term**: c_k > 0, s_k a nonzero
  rational, and every P_i of I_k strict (from g > 0 or k ≠ 0; I_k = ∅ is a positive constant). At a point of C
  every term is ≥ 0, the strict one > 0 and the ideal part 0, so the left side is > 0: no point satisfies C.
  The identity and the signs are checked by :func:`.sos.check` (python-flint over ℚ; no float decides).
* a cut (:class:`Cut`): a fact g ≥ 0 (g = 0) proved on C by a refutation of C ∧ −g > 0 (and of C ∧ g > 0),
  then one more fact of C for the rest of the tree (the finder uses it to pin a definitional atom: |p| = p
  where p ≥ 0 follows, from a² = p² and a ≥ 0);
* a split (:class:`Split`): fact ``index`` of the context is a disjunction ("or", [d_1, …, d_r]) and branch i
  refutes C ∧ d_i. Every point of C satisfies one d_i (the disjunction is one of C's facts), so the branches
  cover C. "and" facts are read as their parts.

Such a tree proves the sentence unsat, i.e. the step, at every point where the claim's sides are defined (what
the solvers' ``unsat`` would have said), on the sentence the kernel wrote from its own reading of the claim:
the finder (:mod:`symderiv.prove.psatz`, registered with :func:`register`) only proposes indices and
multipliers. A certificate that does not check is rejected with the reason, and the caller asks the solvers.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .sos import Certificate, check as _check_identity

#: how a half proved this way is described (typed: tests and reports compare with it); it trusts nothing
HOW_PSATZ = "Positivstellensatz certificate on the kernel's own sentence, checked exactly by the kernel"
#: seconds handed to the finder with each sentence (prove/psatz.py decides by a work budget and does not use them:
#: whether a certificate is found must not depend on the clock)
BUDGET = 0.5
#: the deepest case split the kernel follows (a certificate is a finite tree; this bounds the kernel's work)
MAX_DEPTH = 12

_FINDER = None


def register(find) -> None:
    """The function the kernel asks for a certificate: ``find(facts, budget) -> Refutation | Split | None``,
    ``facts`` the structured sentence (a list, as :class:`.smt._Writer` keeps it). The prove phase registers it
    (prove/psatz.py); the kernel only checks what it returns."""
    global _FINDER
    _FINDER = find


def finder():
    return _FINDER


@dataclass(frozen=True)
class Refutation:
    products: tuple = ()      # (c, s, (i, …)): c · s² · Π P_i, indices into context(...)'s positives
    gram: tuple = ((), ())    # (z, Q)
    multipliers: tuple = ()   # (m, j): m · H_j


@dataclass(frozen=True)
class Split:
    index: int                # a disjunction among context(...)'s ors
    branches: tuple           # one certificate per disjunct, in order


@dataclass(frozen=True)
class Cut:
    fact: tuple               # ("ge", g) or ("eq", g): a consequence of the context, then one more fact of it
    proofs: tuple             # ("ge", g): a refutation of C ∧ −g > 0; ("eq", g): of C ∧ g > 0, then of C ∧ −g > 0
    rest: object              # a certificate for C ∧ fact


def context(facts) -> tuple[list, list, list, list]:
    """(positives, strict, equalities, ors) of a conjunction of structured facts: positives[i] ≥ 0 at every
    point of it, > 0 where strict[i]; each equality = 0; each entry of ors a list of disjuncts one of which
    holds. "and" is flattened, "opaque" left out. Deterministic: the finder and the kernel index alike."""
    pos, strict, eqs, ors = [], [], [], []

    def add(f):
        kind = f[0]
        if kind == "ge":
            pos.append(sp.sympify(f[1]))
            strict.append(False)
        elif kind == "gt":
            pos.append(sp.sympify(f[1]))
            strict.append(True)
        elif kind == "ne":
            pos.append(sp.sympify(f[1]) ** 2)
            strict.append(True)
        elif kind == "eq":
            eqs.append(sp.sympify(f[1]))
        elif kind == "and":
            for g in f[1]:
                add(g)
        elif kind == "or":
            ors.append(list(f[1]))
        # "opaque" and anything else: not used

    for f in facts:
        add(f)
    return pos, strict, eqs, ors


def _leaf(facts, cert: Refutation) -> tuple[bool, str]:
    pos, strict, eqs, _ = context(facts)
    try:
        products = tuple((sp.Rational(c), sp.sympify(s), tuple(int(i) for i in idx)) for c, s, idx in cert.products)
        mults = tuple((sp.sympify(m), int(j)) for m, j in cert.multipliers)
    except Exception as e:  # noqa: BLE001
        return False, f"malformed refutation: {type(e).__name__}"
    if any(not 0 <= i < len(pos) for _, _, idx in products for i in idx) \
            or any(not 0 <= j < len(eqs) for _, j in mults):
        return False, "an index names no fact of the kernel's sentence"
    if not any(c > 0 and s.is_Rational and s != 0 and all(strict[i] for i in idx) for c, s, idx in products):
        return False, "no strictly positive term (a positive constant times strict facts)"
    ok, why = _check_identity(Certificate(goal=sp.Integer(0), kind=">=", hypotheses=tuple(pos),
                                          equalities=tuple(eqs), products=products, gram=cert.gram,
                                          multipliers=mults))
    return ok, why


def refutes(facts, cert, depth: int = 0) -> tuple[bool, str]:
    """(True, why) when ``cert`` shows that no real point satisfies the structured sentence ``facts``."""
    if depth > MAX_DEPTH:
        return False, "the case split is deeper than the kernel follows"
    if isinstance(cert, Refutation):
        return _leaf(facts, cert)
    if isinstance(cert, Split):
        _, _, _, ors = context(facts)
        if not (isinstance(cert.index, int) and 0 <= cert.index < len(ors)):
            return False, "a split on no disjunction of the kernel's sentence"
        cases = ors[cert.index]
        if not isinstance(cert.branches, tuple) or len(cert.branches) != len(cases):
            return False, "a split that does not cover every disjunct"
        for case, sub in zip(cases, cert.branches):
            ok, why = refutes(list(facts) + [case], sub, depth + 1)
            if not ok:
                return False, f"case {case[0]}: {why}"
        return True, "every case refuted"
    if isinstance(cut := cert, Cut):
        fact = cut.fact
        if not (isinstance(fact, tuple) and len(fact) == 2 and fact[0] in ("ge", "eq")):
            return False, "a cut states g ≥ 0 or g = 0"
        try:
            g = sp.sympify(fact[1])
        except Exception:  # noqa: BLE001
            return False, "a cut's fact is not an expression"
        if not isinstance(g, sp.Expr) or getattr(g, "is_Matrix", False):   # a relation, a set, a list, a matrix
            return False, "a cut's fact is not an expression"
        if fact[0] == "eq" and g == 0:
            return False, "a cut that states nothing"
        # g ≥ 0 holds on C when C ∧ −g > 0 has no point; g = 0 when neither C ∧ g > 0 nor C ∧ −g > 0 has one
        negated = [("gt", -g)] if fact[0] == "ge" else [("gt", g), ("gt", -g)]
        if not isinstance(cut.proofs, tuple) or len(cut.proofs) != len(negated):
            return False, "a cut needs one refutation per side of its fact"
        for neg, proof in zip(negated, cut.proofs):
            ok, why = refutes(list(facts) + [neg], proof, depth + 1)
            if not ok:
                return False, f"a cut's fact is not proved: {why}"
        return refutes(list(facts) + [(fact[0], g)], cut.rest, depth + 1)
    return False, "not a certificate"


def by_certificate(facts, budget: float, find=None) -> tuple[bool, str]:
    """Ask the finder for a certificate of the structured sentence ``facts`` and check it: (True, HOW_PSATZ) or
    (False, why not). Never raises."""
    find = find if find is not None else _FINDER
    if find is None:
        return False, "no certificate finder registered"
    try:
        cert = find(list(facts), budget)
    except Exception as e:  # noqa: BLE001 (a failing finder proves nothing)
        return False, f"the finder failed ({type(e).__name__})"
    if cert is None:
        return False, "no certificate found"
    ok, why = refutes(list(facts), cert)
    return (True, HOW_PSATZ) if ok else (False, f"the kernel rejects the certificate: {why}")
