"""The prove phase: a relational claim at a fixed size, decided as a sentence of real arithmetic.

At a size listed in the claim's ``prove=``, the check is run once on symbolic
values (:mod:`.domains`), each step (and each hypothesis) is translated into
real arithmetic (:mod:`.encode`), and the sentence ``domain ∧ hypotheses ∧
definitions ∧ ¬step`` is refuted:

1. by a **sums-of-squares certificate** (:mod:`.sos`) found numerically and
   rounded to exact rationals, which the kernel re-checks exactly
   (:mod:`symderiv.kernel.sos`) — the method of choice, a checkable proof; else
2. by **two independent solvers**: z3 (nlsat) and cvc5 must both answer
   ``unsat`` within the budget (:mod:`.solvers`); one solver's ``unsat`` alone is
   reported, never counted.

A ``sat`` answer from z3 with a rational model is a *candidate* counterexample
only: the engine certifies it through the kernel like any other. Anything else
(``unknown``, out of budget, a quantity with no encoding) leaves the step to
the counterexample search, as before.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import sympy as sp

from ..errors import SymderivError
from .domains import NoDomain, Symbols, symbolic
from .encode import Encoder, Unsupported
from . import solvers as _solvers  # noqa: F401  (registers the solvers with the kernel, which asks them again)
from .interval import try_interval  # (here, not on first use: each claim's forked process inherits it, see engine)
from . import chains as _chains  # noqa: F401,E402  (the lemma chains' finder and the kernel's lemma table, likewise)

#: seconds each solver may spend on one sentence (a step; an equality is two): twice the 10 s target, since
#: the audit shares 2 cores with its own workers (cvc5 needed 4–10 s on diag-norm at n = 2 under load before it
#: ran coverings alone on the low-degree sentence, see :func:`for_solvers`; now under 1 s)
BUDGET = 20.0
#: without ``prove=``: seconds per solver per sentence, and the prove phase's total per claim over all its sizes
#: (then its remaining sizes are only searched), in budget-seconds of solver work (solvers.work_of: the units the
#: solvers counted, never the clock, so the sizes a default proof reaches do not depend on the machine's load; a
#: sentence run out costs its whole budget, one decided at once almost nothing). Small, so that proving by default
#: keeps the audit's time: a sentence the solvers decide at all, they mostly decide in well under a second
DEFAULT_BUDGET = 2.0
DEFAULT_CLAIM_BUDGET = 6.0


class Mark:
    PROVED = "proved"
    REFUTED = "refuted"       # set by the engine once the kernel certified the candidate
    UNDECIDED = "undecided"


@dataclass
class StepProof:
    label: str
    mark: str                  # Mark.PROVED or Mark.UNDECIDED (a candidate needs the kernel first)
    method: str                # "SOS certificate, checked exactly", "z3 + cvc5: unsat", …
    detail: str
    seconds: float = 0.0
    candidate: dict | None = None   # a solver's rational model as the claim's values: for the kernel to certify
    certificate: object = None      # the exact certificate (kernel.sos.Certificate), when there is one
    evidence: list = field(default_factory=list)   # per half: ("sos", Proof) or ("solvers", said), for the kernel


@dataclass
class SizeProof:
    steps: dict = field(default_factory=dict)   # label -> StepProof
    why_not: str = ""                            # the whole size could not be encoded: why
    # the claim's values as the proof read them (given name -> matrix, tuple or scalar of domains.Value): a
    # checker pairs the proof's variables with its own by the value and the position, never by name
    values: dict = field(default_factory=dict)

    @property
    def all_proved(self) -> bool:
        return bool(self.steps) and all(s.mark == Mark.PROVED for s in self.steps.values())


def encode_size(claim, size: dict):
    """(symbolic values, their domain constraints, [(label, step)], hypotheses) at ``size``."""
    from ..kernel.decide import relations_of
    from ..relations import Limit

    syms = Symbols(claim.given)
    values, domain = {}, []
    for name, strategy in claim.given.items():
        values[name], cs = symbolic(strategy, name, size, syms)
        domain += cs
    from ..concrete import watching

    with watching():  # a refusal the check caught on symbols still refuses: a point would take the other branch
        out, hyps = claim.evaluator(size)(values)
    steps = relations_of(out)
    if any(isinstance(st, Limit) for _, st in steps):
        raise Unsupported("a limit has no fixed-size real-arithmetic sentence here")
    return values, syms, domain, steps, hyps


def sentence(domain, hyps, step, syms=None, matrices=(), lemmas: bool = True):
    """Encode one step: (encoder with its constraints and lemma instances, the negated step, the lemma library)."""
    from .lemmas import instantiate

    enc = Encoder()
    enc.orthogonal = list(syms.orthogonal) if syms is not None else []
    for c in domain:
        enc.add(enc.boolean(c))
    enc.domain_count = len(enc.constraints)   # the lemmas take vectors only over what the step itself mentions
    for h in hyps:
        enc.add(enc.relation(h))
    goal = enc.relation(step)
    enc.goal = goal   # the lemmas read which quantities the step is about
    lib = instantiate(enc, list(matrices), enabled=lemmas)
    enc.goal = goal
    return enc, sp.Not(goal), lib


def _matrices(values) -> list:
    out = []
    for v in values:
        if isinstance(v, tuple):
            out += _matrices(v)
        elif isinstance(v, sp.MatrixBase) and v.rows > 1:
            out.append(v)
    return out


def _halves(step):
    """An equality as its two inequalities (each is an easier sentence); any other relation as itself."""
    from ..relations import Relation

    if step.op == "=":
        return [Relation(step.lhs, "<=", step.rhs, step.label), Relation(step.lhs, ">=", step.rhs, step.label)]
    return [step]


def decide_step(domain, hyps, step, *, syms=None, matrices=(), budget: float = BUDGET, use_sos: bool = True,
                lemmas: bool = True, retry: bool = True):
    """(mark, method, detail, z3's model or None) for one relation; the model maps the sentence's variables
    (objects, read back through the names they were given in SMT-LIB) to rationals "p/q". ``retry``: when the
    sentence with lemma instances is not decided, the solvers get the plain sentence too (off by default
    proving, whose budget is small)."""
    from . import solvers

    from ..kernel.sos import check_step
    from .sos import try_certificate

    methods, details, evidence = [], [], []
    for half in _halves(step):
        enc, negated, lib = sentence(domain, hyps, half, syms, matrices, lemmas)
        if use_sos:
            proof = try_certificate(enc, enc.goal, lib)
            if proof is not None and check_step(proof.small, proof.big, proof.certs, proof.squared)[0]:
                methods.append("SOS certificate, checked exactly by the kernel")
                evidence.append(("sos", proof))
                shown = sp.sympify(proof.small).free_symbols | sp.sympify(proof.big).free_symbols
                legend = [f"{v} = {t}" for v, t in enc.names.items() if v in shown]
                from .lemmas import lemmas_behind

                behind = lemmas_behind(proof.certs, lib)
                details.append(proof.describe() + (f" (where {', '.join(legend)})" if legend else "")
                               + (f"; it rests on the lemma instances: {'; '.join(behind)}" if behind else ""))
                continue
        names = solvers.names_for(enc.variables)
        given = for_solvers(enc.constraints, lib)
        # z3's unknown settles the pair: no proof (that needs both unsat) and no candidate (a model is z3's). So
        # z3 is asked first and cvc5 only after z3's sat or unsat (_z3_unknown names z3 as its first: run_both):
        # an unknown z3 (its units or its CPU net run out) no longer has cvc5 burning the same seconds beside it
        answers = solvers.run_both(solvers.smtlib(enc.variables, given + [negated], names), budget, _z3_unknown)
        z3a, cv = answers["z3"], answers["cvc5"]
        if retry and lib.used and not (z3a.status == cv.status == "unsat"):
            # the lemma instances can slow a solver down (cvc5 on diag-norm at n = 2): the plain sentence too
            plain, negated_plain, _ = sentence(domain, hyps, half, syms, matrices, lemmas=False)
            plain_names = solvers.names_for(plain.variables)
            again = solvers.run_both(solvers.smtlib(plain.variables, plain.constraints + [negated_plain],
                                                    plain_names), budget)
            if again["z3"].status == again["cvc5"].status == "unsat" or "sat" in (again["z3"].status,
                                                                                  again["cvc5"].status):
                z3a, cv, lib, names, given = again["z3"], again["cvc5"], _NoLemmas, plain_names, []
        said = f"z3 nlsat: {_said(z3a)}; cvc5: {_said(cv)}"
        if z3a.status == "unsat" and cv.status == "unsat":
            methods.append("z3 nlsat and cvc5 both unsat" + (f", with {len(lib.used)} lemma instances checked "
                                                             "exactly by the kernel" if lib.used else ""))
            details.append(said)
            # the kernel asks again on its own sentence (kernel/smt.py), with the lemma instances it can check itself:
            # those of the sentence the solvers refuted (``given``), not the higher-degree ones for_solvers left out
            # (handed on, they made the kernel's probe the slow sentence for_solvers avoids: eigenvalue-modulus at
            # n = 2, cvc5 cut by its CPU net after 9 s; tests/test_prove_lemma_evidence.py)
            behind = Lemmas(_instances_in(lib, given), list(getattr(enc, "meanings", ())))
            evidence.append(("solvers", said, budget, behind if behind.lemmas else None))
            continue
        if "sat" in (z3a.status, cv.status) and "unsat" not in (z3a.status, cv.status):
            return Mark.UNDECIDED, "solver model (a candidate)", said, _read_back(z3a.model, names), []
        if "unsat" in (z3a.status, cv.status) and "sat" in (z3a.status, cv.status):
            said += " — the solvers disagree"
        elif "unsat" in (z3a.status, cv.status):
            said += " — one solver's unsat is not confirmed by the other"
        return Mark.UNDECIDED, "undecided", said, None, []
    method = " and ".join(dict.fromkeys(methods))
    found, why = premises(domain, hyps, step, syms=syms, matrices=matrices, budget=budget)
    if found is False:
        return Mark.UNDECIDED, "undecided", f"{why} (the proof, {method}, says nothing)", None, []
    if found is None:
        details.append(why)
    where = undefined_part(domain, step, hyps=hyps, syms=syms, matrices=matrices, budget=budget)
    if where:  # the proof covers only the values where the sides are defined: the method (and so the scope) says so
        method += f", where the sides are defined ({where}; elsewhere the claim has no value)"
    return Mark.PROVED, method, "; ".join(details), None, evidence


@_solvers.deciding_first("z3")
def _z3_unknown(got: dict) -> bool:
    """``decided`` for a step's sentence (:func:`decide_step`): z3 answered neither sat nor unsat."""
    return "z3" in got and got["z3"].status not in ("sat", "unsat")


def _a_sat(got: dict) -> bool:
    """``decided`` for :func:`premises`: one solver's sat shows a value (a model is not needed)."""
    return any(a.status == "sat" for a in got.values())


def undefined_part(domain, step, *, hyps=(), syms=None, matrices=(), budget: float = BUDGET) -> str:
    """The conditions under which the step's sides are defined (a square root's argument ≥ 0, a denominator ≠ 0)
    that the domain and the hypotheses do not imply, as text ('x ≥ 0'), or '' when they imply them all.

    A proof of ``premises ∧ ¬step`` unsat covers only the values the partial definitions admit: √x ≥ 0 on
    x ∈ [−1, 1] is proved where x ≥ 0 and says nothing for x < 0. A condition over the claim's own values is
    implied when both solvers find the domain ∧ ¬condition unsat; one over a quantity's variable is stated."""
    from . import solvers

    from .encode import Witness

    enc, _, _ = sentence(domain, hyps, _halves(step)[0], syms, matrices, lemmas=False)
    if not enc.partial:
        return ""
    partial = set(enc.partial)
    # the domain and the hypotheses over the claim's own values (a quantity's definition, v² = x, would imply
    # its own condition)
    base = enc.constraints[:enc.domain_count] + [
        c for c in enc.constraints[enc.domain_count:]
        if c not in partial and not any(isinstance(x, Witness) for x in sp.sympify(c).free_symbols)]
    shown = []
    for c in dict.fromkeys(enc.partial):
        # a square root's argument or a denominator over the claim's own values; a condition on a quantity's
        # variable (a root of a root, a real eigenvalue of lam_max) is not restated here
        if not isinstance(c, (sp.GreaterThan, sp.StrictGreaterThan, sp.Unequality)) or not c.free_symbols \
                or any(isinstance(x, Witness) for x in c.free_symbols):
            continue
        names = solvers.names_for(enc.variables)
        ans = solvers.run_both(solvers.smtlib(enc.variables, base + [sp.Not(c)], names), min(budget, PREMISE_BUDGET),
                               solvers.not_both_unsat)
        if ans["z3"].status == ans["cvc5"].status == "unsat":
            continue
        shown.append(_condition_text(c, enc))
    return ", ".join(dict.fromkeys(shown))


def _condition_text(c, enc) -> str:
    legend = {v: sp.Symbol(f"({t})") for v, t in enc.names.items()}
    c = c.xreplace(legend) if legend else c
    op = {sp.GreaterThan: "≥", sp.StrictGreaterThan: ">", sp.Unequality: "≠"}.get(type(c))
    if op is None:
        return sp.sstr(c)
    return f"{sp.sstr(c.lhs)} {op} {sp.sstr(c.rhs)}"


#: seconds each solver may spend showing that some value satisfies a proved step's premises
PREMISE_BUDGET = 5.0


def premises(domain, hyps, step, *, syms=None, matrices=(), budget: float = BUDGET) -> tuple[bool | None, str]:
    """Whether some real value satisfies the step's premises (the domain, the hypotheses, and the definitions of
    its quantities: a denominator ≠ 0, a square root's argument ≥ 0, a real eigenvalue for lam_max): (True, ''),
    (False, why not) or (None, why unknown).

    A refutation of ``premises ∧ ¬step`` is a proof of the step only over the values the premises admit: when
    none is (x > 2 assumed for x in [−1, 1], √(−1 − x²), 1/(Q₀₀² − 1) for an orthogonal 1 × 1 Q) the proof says
    nothing, and the search finds no value to evaluate either. Without hypotheses, partial definitions or a
    domain the proof file states, there is a value by construction; else a solver's sat shows one (either
    solver: a model is not needed), and unsat from both shows there is none. No answer within the budget keeps
    the proof (it is one; its premises are only not shown to have a solution), and its detail says so.
    """
    from . import solvers

    enc, _, _ = sentence(domain, hyps, _halves(step)[0], syms, matrices, lemmas=False)
    if any(c is sp.false for c in enc.constraints):
        return False, "no value satisfies the premises (a constraint is false)"
    if not (hyps or enc.partial or (syms is not None and not syms.nonempty)):
        return True, ""   # a built-in domain has a point, and every definition but the partial ones a solution
    names = solvers.names_for(enc.variables)
    answers = solvers.run_both(solvers.smtlib(enc.variables, enc.constraints, names), min(budget, PREMISE_BUDGET),
                               _a_sat)
    z3a, cv = answers["z3"], answers["cvc5"]
    if "sat" in (z3a.status, cv.status):
        return True, ""
    if z3a.status == cv.status == "unsat":
        return False, ("no value satisfies the premises: the domain, the hypotheses and where the sides are "
                       "defined (z3 nlsat and cvc5 both unsat)")
    return None, f"no value was shown to satisfy the premises (z3 nlsat: {_said(z3a)}; cvc5: {_said(cv)})"


def prove_size(claim, size: dict, *, budget: float | None = None, use_sos: bool = True,
               lemmas: bool = True, skip=(), retry: bool = True) -> SizeProof:
    """Try to prove every step of the claim at ``size`` (but the labels in ``skip``: already refuted); never
    raises for an unsupported claim. ``retry``: see :func:`decide_step`."""
    budget = BUDGET if budget is None else budget
    try:
        values, syms, domain, steps, hyps = encode_size(claim, size)
    except (NoDomain, Unsupported) as e:
        return SizeProof(why_not=str(e))
    except SymderivError:   # the proof file's error (a check refused for asking Python about a value, …): on
        raise               # every path, never a reason to leave the size to the search
    except Exception as e:  # the check compares symbolic values in Python (max(…), if x > 0: …)
        return SizeProof(why_not=f"the check cannot run on symbolic values ({type(e).__name__}: "
                                 f"{str(e).splitlines()[0][:80] if str(e) else ''})")
    res = SizeProof(values=values)
    mats = _matrices(values.values())
    for label, step in steps:
        if label in skip:
            continue
        t0 = time.perf_counter()
        found = try_interval(claim, size, label)   # scalar steps with exp/log/tanh: branch and bound, if any
        if found is not None:
            res.steps[label] = StepProof(label, Mark.PROVED, f"interval branch and bound (arb) on {found[2]}, checked "
                                         "by the kernel", found[1], time.perf_counter() - t0, certificate=found[0],
                                         evidence=[("interval", found[0])])
            continue
        try:
            mark, method, detail, model, evidence = decide_step(domain, hyps, step, syms=syms, matrices=mats,
                                                                budget=budget, use_sos=use_sos, lemmas=lemmas,
                                                                retry=retry)
        except Unsupported as e:
            res.steps[label] = StepProof(label, Mark.UNDECIDED, "not encoded", str(e), time.perf_counter() - t0)
            continue
        res.steps[label] = StepProof(label, mark, method, detail, time.perf_counter() - t0,
                                     candidate=_candidate(values, model) if model else None, evidence=evidence)
    return res


def _degree(c) -> int:
    """The largest total degree of a polynomial in the constraint (a relation or a Boolean combination)."""
    if isinstance(c, sp.Rel):
        d = sp.expand(c.lhs - c.rhs)
        return sp.Poly(d, *sorted(d.free_symbols, key=str)).total_degree() if d.free_symbols else 0
    return max((_degree(a) for a in getattr(c, "args", ()) if isinstance(a, sp.Basic)), default=0)


def for_solvers(constraints: list, lib) -> list:
    """The constraints handed to z3 and cvc5: the lemma instances no higher in degree than the sentence's own.

    An instance is a consequence of the other constraints (its certificate says so, checked by the kernel), so
    leaving one out changes no answer: a sentence with fewer constraints that is unsat makes the whole one unsat,
    and a model of it is only a candidate, as always. The high-degree instances (‖My‖ ≤ ‖M‖‖y‖ at y = MᵀMx, degree
    8 at n = 2) cost cvc5 seconds: diag-norm at n = 2 measured 6 s of cvc5 CPU with them, 1.5 s without.
    """
    added = {id(c) for c in getattr(lib, "added", ())}
    if not added:
        return list(constraints)
    own = max((_degree(c) for c in constraints if id(c) not in added), default=0)
    return [c for c in constraints if id(c) not in added or _degree(c) <= own]


class _NoLemmas:
    used: list = []
    added: list = []


@dataclass
class Lemmas:
    """The lemma instances a step's solvers evidence hands the kernel (kernel/goal.py accept_step): their
    certificates (``lemmas``) and what the sentence's variables stand for (``meanings``)."""
    lemmas: list
    meanings: list


def _instances_in(lib, constraints) -> list:
    """The certificates of ``lib``'s instances whose constraints are among ``constraints`` (by object: the
    constraint Library.add put in the sentence), in the order they were added."""
    held = {id(c) for c in constraints}
    return [cert for (_, cert), c in zip(getattr(lib, "used", ()), getattr(lib, "added", ())) if id(c) in held]


def _said(a) -> str:
    if a.why == _solvers.NOT_ASKED:
        return "not asked (the other's answer decided)"
    if a.status == "unknown":
        return f"unknown after {a.seconds:.1f} s" + (f" ({a.why})" if a.why and "budget" in a.why else "")
    return f"{a.status} in {a.seconds:.2f} s"


def _read_back(model: dict, names: dict) -> dict | None:
    """A solver's model (SMT-LIB name -> "p/q") as variable -> "p/q", through the names the sentence gave its
    variables (by object); what the sentence did not declare (a solver's own function) is left out: the
    candidate is only a point, which the kernel certifies or not."""
    back = {name: v for v, name in names.items()}
    return {back[name]: value for name, value in (model or {}).items() if name in back} or None


def _candidate(values: dict, model: dict) -> dict | None:
    """The claim's values at a solver's model (variable -> "p/q", :func:`_read_back`), if every coordinate is an
    exact rational (else None)."""
    if not model or any(v.startswith("~") for v in model.values()):
        return None
    sub = {}
    for var, v in model.items():
        p, q = v.split("/")
        sub[var] = sp.Rational(int(p), int(q))

    def at(x):
        if isinstance(x, tuple):
            return tuple(at(y) for y in x)
        if isinstance(x, (sp.Basic, sp.MatrixBase)):
            x = x.xreplace(sub)
            free = x.free_symbols
            return x.xreplace({s: sp.Integer(0) for s in free})  # what the model leaves free does not matter
        return x

    return {k: at(v) for k, v in values.items()}
