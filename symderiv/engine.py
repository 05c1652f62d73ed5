"""The engine: claim → evidence → verdict, in named phases.

For an identity, each size of the sweep goes through
build (the two sides from the transcription) → decide (normal form) →
search (a counterexample where the normal form is not zero) → shrink →
certify (the independent checker). The engine returns
values; it never prints and never exits.
"""
from __future__ import annotations

import math
import time
from dataclasses import replace
from fractions import Fraction
from contextlib import contextmanager
from typing import Callable

import sympy as sp

from . import certificates, kernel, notation
from .claims import Claim, Collection, Group, _one_line
from .concrete import ConcretizationError, user_traceback
from .errors import SymderivError
from .identity import nonzero_entries, nonzero_modulo
from .results import (Acceptance, Method, Phase, Result, SizeOutcome, Step, StopReason, Verdict,
                      describe_scope, fold)
from .kernel.decide import decide, decide_limit
from .kernel.domain import NoValueShown
from .relations import Limit
from .search import draw_candidates, float_suspect, hypotheses_plausible, search_identity, shrink_candidates
from .values import nodes
# Modules a claim's check imports on first use, imported with the engine instead: the runner forks each claim's
# process from a warm worker, so a module imported here is inherited, where one first imported inside a claim is
# loaded (and, without bytecode files, compiled) again in every claim's process. reads and cache are used by every
# claim (what the check reads), every_n and the kernel's lift by every claim that holds: ≈ 40–90 ms a claim.
from . import cache as _cache, every_n as _every_n, reads as _reads  # noqa: E402,F401
from .kernel import lift as _lift  # noqa: E402,F401


#: how many search candidates an identity size may send to the certifier
MAX_CANDIDATES = 4
#: how many shrink attempts a relational counterexample may send to the certifier
MAX_SHRINKS = 40


class Phases(dict):
    """One check's seconds per phase, and its observer: ``on_phase(name)`` as the engine enters each phase.

    :func:`check_claim` makes one per call and hands it down to every phase, so
    the observer travels with the check (the runner's workers report the phase
    a budget ran out in); nothing module-level is written. Results keep a plain
    dict of the seconds, never the observer.
    """

    def __init__(self, on_phase: Callable[[str], None] | None = None):
        super().__init__()
        self.on_phase = on_phase


@contextmanager
def _phase(phases: dict, name: str):
    observer = getattr(phases, "on_phase", None)
    if observer is not None:
        observer(name)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0


def result_for(claim: Claim, verdict: Verdict, **kw) -> Result:
    """A result for ``claim``: its declared fields, and ``verdict`` with ``kw`` (scope, error, …)."""
    if "phases" in kw:
        kw["phases"] = dict(kw["phases"])  # the seconds, without the observer (results cross process pipes)
    refused = kernel.admit(claim, verdict, kw.get("sizes", ()))  # holds/fails only with the kernel's tokens
    if refused is not None:
        verdict, kw["error"] = Verdict.ERROR, refused + (f"; {kw['error']}" if kw.get("error") else "")
    steps = kw.pop("every_t_tokens", ())
    if kw.get("every_t") and not _every_t_backed(claim, steps):  # only the kernel's tokens make "for every t"
        verdict, kw["every_t"] = Verdict.ERROR, False
        kw["error"] = "for every t without the kernel's token for each step (a bug in the engine)"
    elif verdict == Verdict.HOLDS and (said := kernel.accept.scope_note(kw.get("sizes", ()))):
        kw["scope"] = f"{kw.get('scope', '')} ({said})"
    if verdict == Verdict.HOLDS and kw.get("every_t"):
        kw["beyond_sizes_trusts"] = kernel.accept.trusted(steps)
    for o in kw.get("sizes", ()):
        o.kernel = _acceptance(o)
        o.tokens = ()  # a token never leaves the process whose kernel made it; what it said stays, as data
    return Result(id=claim.id, verdict=verdict, expected=claim.expect, source=claim.source, where=claim.where,
                  statement=claim.statement, conventions=claim.shown_conventions(), group=claim.group,
                  note=claim.note, why=getattr(claim, "why", ""), **kw)


#: the sizes at which the engine asks the kernel's probe before any verdict (a run of the check on the kernel's
#: exact model; a claim fixed at a larger size is probed by the kernel's own confirmation instead)
PROBE_REACH = {"n": 4, "t": 8, "m": 4}


def _every_t_backed(claim, tokens) -> bool:
    """Is every size's step of a `for every t` backed by a genuine Proved of kind every t, for this claim?"""
    return bool(tokens) and all(kernel.accept.genuine(t) and t.holds and t.kind == kernel.accept.EVERY_T
                                and t.claim == claim.id for t in tokens)


def _acceptance(o: SizeOutcome) -> Acceptance | None:
    """What the kernel's genuine token behind a size's holds/fails said, as data (typed evidence for the report,
    the JSON and the cache): the token of the outcome's own verdict, steps of a chain merged."""
    want = o.status == Verdict.HOLDS
    toks = (kernel.accept.backing(o.tokens) if want else
            [t for t in o.tokens if kernel.accept.genuine(t) and not t.holds])
    if o.stop == StopReason.NEGATED:  # a '≠' claim holds by a Refuted equality and fails by a Proved one
        toks = [t for t in o.tokens if kernel.accept.genuine(t) and t.holds != want]
    if not toks or o.status not in (Verdict.HOLDS, Verdict.FAILS):
        return None
    errs = [t.error for t in toks if t.error]
    bits, trials = min(errs) if errs else (None, None)
    degrees = [getattr(t, "degree", None) for t in toks if t.error]
    return Acceptance(kind=toks[0].kind, holds=toks[0].holds, how="; ".join(dict.fromkeys(t.how for t in toks)),
                      trusts=tuple(dict.fromkeys(x for t in toks for x in t.trusts)), error_bits=bits,
                      trials=trials, degree=max(degrees) if degrees and None not in degrees else None)


#: sizes up to which ``backend="auto"`` decides identities symbolically (SymEngine); beyond, over F_p
AUTO_SYMBOLIC = {"n": 3, "t": 6}


def _fp_cannot() -> tuple:
    """What F_p raises for a check it cannot evaluate: its own Unsupported, and the claim language's (an
    ``every_step`` of sides that are not exact matrices)."""
    from . import formal, fp

    return fp.Unsupported, formal.Unsupported


def pick_backend(backend: str, claim: Claim, size: dict) -> str:
    if backend != "auto":
        return backend
    small = all(size.get(k, 1) <= v for k, v in AUTO_SYMBOLIC.items())
    free = claim.variables is not None  # free variables: no unrolling, the exact normal form at every size
    return "symengine" if small or free or claim.modulo else "fp"


def fp_fallback_note(reason: str) -> str:
    """What a size's outcome says when ``auto`` chose F_p but the randomized backend cannot evaluate the claim."""
    return f"the randomized backend cannot check this claim ({reason}), so the exact engine decided it"


def check_past_sweep(claim: Claim, size: dict, *, seed: int):
    """One size past the sweep (induction's search for a break at t_max + 1, …): F_p first, whose cost does not
    grow with a normal form (the exact normal form of a true claim at t_max + 1 has no size bound: a GRU at n = 2,
    t = 4 outgrows 3 GB); a disagreement is certified as at any size (:func:`check_identity_fp`), and a claim F_p
    cannot evaluate goes to the exact engine."""
    try:
        return check_identity_fp(claim, size, seed=seed, phases=Phases(), describe=True)
    except SymderivError as e:
        if not isinstance(e, _fp_cannot()):
            raise
        return check_identity_at(claim, size, backend="symengine", seed=seed, phases=Phases(), describe=True)


def check_identity_fp(claim: Claim, size: dict, *, seed: int, phases: dict, describe: bool = False):
    """Randomized exact testing over F_p; a disagreement is then certified by the exact engine at small sizes."""
    from . import fp

    with _phase(phases, Phase.DECIDE_FP):
        out = fp.test_identity(claim, size, seed=seed)
    if out.equal:
        sites = sum(out.sites.values())
        token, why = kernel.confirm_identity(claim, size, seed=seed, trusts="the F_p trials")
        if token is None and not notation.literal_now():  # as the exact path: once more as Python reads the check
            with notation.literal():
                return check_identity_fp(claim, size, seed=seed, phases=phases, describe=describe)
        if token is None and isinstance(why, NoValueShown):  # no point with a value: none to certify either
            return SizeOutcome(size, Verdict.UNDECIDED, f"every F_p trial agreed, but {why}", method=Method.FP,
                               stop=StopReason.NO_VALUE), None
        if token is None:  # the kernel did not confirm: a counterexample the exact engine certifies still decides
            o = _certify_disagreement(claim, size, seed=seed, phases=phases, describe=describe, locate=False,
                                      said=f"every F_p trial agreed, but {why}")
            if o is not None:
                return o
            return SizeOutcome(size, Verdict.UNDECIDED, f"every F_p trial agreed, but {why}", method=Method.FP,
                               stop=StopReason.SEARCH_EXHAUSTED), None
        return SizeOutcome(size, Verdict.HOLDS, f"randomized exact over F_p (a fresh random prime p ∈ [2⁶², 2⁶³) "
                           f"per trial): {out.trials} trials, degree ≤ {out.degree}, {sites} σ sites, "
                           f"error ≤ 2^−{math.floor(out.error_bits)}"
                           + (f" ({relaxed}: a relaxation, so a zero there is a zero for the real functions)"
                              if (relaxed := out.relaxation()) else ""),
                           method=Method.FP, stop=StopReason.FP_AGREED, tokens=(token,)), None
    tried: list = []
    o = _certify_disagreement(claim, size, seed=seed, phases=phases, describe=describe, locate=True,
                              said="an F_p trial disagreed (the difference is not zero)", tried=tried)
    if o is not None:
        return o
    if "abs" in out.relaxed:
        # F_p's sign atoms forget S² = 1: the kernel decides it itself, by its sign split (|u| = S·u, every pattern of
        # each entry's own signs; random_check.decide_signs), with its error bound, or not at all
        from .kernel.random_check import decide_signs

        with _phase(phases, Phase.DECIDE):
            token, how = decide_signs(claim, size, seed=seed)
        if token is not None:
            return SizeOutcome(size, Verdict.HOLDS, f"an F_p trial disagreed under the sign atoms' relaxation (S(u)² = "
                               f"1 forgotten), and no counterexample was certified; {how}", method=Method.FP,
                               stop=StopReason.FP_AGREED, tokens=(token,)), None
    where = "; the exact engine found no certified counterexample at " + " / ".join(tried) if tried else \
        "; no small size where the exact engine can certify it disagrees"
    what = (f"the difference is not zero under the relaxation, {out.atom_words} as independent atoms; it "
            "may differ only under the relaxation" if out.atoms else
            "the difference is not the zero rational function" if out.relaxed else
            "the difference is not the zero polynomial")
    return SizeOutcome(size, Verdict.UNDECIDED, f"an F_p trial disagreed ({what}){where}", method=Method.FP,
                       stop=StopReason.SEARCH_EXHAUSTED), None


def _certify_disagreement(claim: Claim, size: dict, *, seed: int, phases: dict, describe: bool, locate: bool,
                          said: str, tried: list | None = None):
    """A counterexample to a claim the F_p trials or the kernel found unequal at ``size``, certified where the
    exact engine can reach: small sizes, smallest first (``locate``: only those where an F_p trial disagrees too;
    not when the trials agreed and the kernel's own check did not confirm them); beyond its reach (a claim that
    fixes a large size), at that size by the kernel's forward mode over ℤ/p. None when none is certified (the
    sizes the exact engine tried are appended to ``tried``)."""
    from . import fp

    tried = [] if tried is None else tried
    for small in fp.certification_sizes(claim, size):
        if not all(small.get(k, 1) <= v for k, v in AUTO_SYMBOLIC.items()):
            o = _refute_modular(claim, small, seed=seed, phases=phases, said=said)
            if o is not None:
                return o
            continue
        if small != size and locate:
            with _phase(phases, Phase.LOCATE_FP):
                try:
                    if fp.test_identity(claim, small, seed=seed, target_bits=1).equal:
                        continue
                except fp.Unsupported:
                    pass  # the exact engine may still reach it
                except Exception:
                    continue  # the claim cannot be built at this size
        try:
            o, found = check_identity_at(claim, small, backend="symengine", seed=seed, phases=phases,
                                         describe=describe)
        except Exception:
            continue
        tried.append(_size_str(small))
        if o.status == Verdict.FAILS:
            return SizeOutcome(size, Verdict.FAILS, f"{said}; certified at {_size_str(small)}: {o.detail}",
                               method=Method.FP, stop=StopReason.CERTIFIED, tokens=o.tokens), found
        if len(tried) >= 4:
            break
    if size not in fp.certification_sizes(claim, size):  # no small size showed it: at the size itself
        return _refute_modular(claim, size, seed=seed, phases=phases, said=said)
    return None


def _refute_modular(claim: Claim, size: dict, *, seed: int, phases: dict,
                    said: str = "an F_p trial disagreed (the difference is not zero)"):
    """A disagreement certified at ``size`` itself, without a symbolic build: the kernel's forward mode over ℤ/p
    at an integer point with a witness σ (fp/refute.py, kernel/modular.py); None when it finds none."""
    from .fp.refute import refute_at

    with _phase(phases, Phase.CERTIFY):
        cert, check = refute_at(claim, size, seed=seed)
    if cert is None:
        return None
    return SizeOutcome(size, Verdict.FAILS, f"{said}; certified at {_size_str(size)}: {check.reason}",
                       method=Method.FP, stop=StopReason.CERTIFIED, tokens=(check.token,)), (cert, check)


def check_identity_at(claim: Claim, size: dict, *, backend: str, seed: int, phases: dict, describe: bool = False):
    """One size of an identity claim: its outcome and, if it fails, the certificate.

    ``describe``: also record, for the report, what the certified entry means and
    which entries differ (:func:`_structure`; only the claim's first certificate is shown).
    """
    picked = pick_backend(backend, claim, size)
    if picked == "fp" and claim.variables is not None:
        raise SymderivError("the F_p backend does not cover free variables (variables=); use --backend auto or "
                            "symengine")
    if picked == "fp" and backend == "auto":  # auto never turns what F_p cannot evaluate into an error
        try:
            return check_identity_fp(claim, size, seed=seed, phases=phases, describe=describe)
        except SymderivError as e:
            if not isinstance(e, _fp_cannot()):
                raise
            o, found = check_identity_at(claim, size, backend="symengine", seed=seed, phases=phases,
                                         describe=describe)
            o.note = fp_fallback_note(str(e))
            return o, found
    backend = picked
    if backend == "fp":
        return check_identity_fp(claim, size, seed=seed, phases=phases, describe=describe)
    with _phase(phases, Phase.BUILD):
        lhs, rhs = claim.sides(size)
    if claim.modulo:
        with _phase(phases, Phase.DECIDE):
            bad = nonzero_modulo(lhs, rhs, claim.modulo)
        rels = ", ".join(f"{sp.sstr(r)} = 0" for r in claim.modulo)
        if not bad:
            token, why = kernel.confirm_modulo(claim, size)
            if token is None:
                return SizeOutcome(size, Verdict.UNDECIDED, f"lhs − rhs reduces to 0 modulo {rels}, but {why}",
                                   stop=StopReason.NOT_REDUCED_MODULO), None
            return SizeOutcome(size, Verdict.HOLDS, f"lhs − rhs reduces to 0 modulo {rels} (Gröbner basis)",
                               stop=StopReason.REDUCED_MODULO, tokens=(token,)), None
        return SizeOutcome(size, Verdict.UNDECIDED, f"lhs − rhs does not reduce to 0 modulo {rels} at "
                           f"{len(bad)} entries; no point search under side relations",
                           stop=StopReason.NOT_REDUCED_MODULO), None
    cleared: list = []
    split: list = []
    with _phase(phases, Phase.DECIDE):
        bad = nonzero_entries(lhs, rhs, backend, cleared=cleared, split=split)
    if not bad:
        token, why = kernel.confirm_identity(claim, size, seed=seed, trusts=f"the normal form ({backend})")
        if token is None and not notation.literal_now():
            # the kernel reads the check as Python does (no products shared within a total): decide again so, where
            # the sharing was what made the normal form 0 (a factor that reads more than r), a search certifies it
            with notation.literal():
                return check_identity_at(claim, size, backend=backend, seed=seed, phases=phases, describe=describe)
        if token is None:  # the kernel's own evaluation disagrees with the normal form: no holds
            return SizeOutcome(size, Verdict.UNDECIDED, f"normal form of lhs − rhs is 0 ({backend}), but {why}",
                               stop=StopReason.NO_VALUE if isinstance(why, NoValueShown)
                               else StopReason.SEARCH_EXHAUSTED), None
        return SizeOutcome(size, Verdict.HOLDS, f"normal form of lhs − rhs is 0 ({backend})"
                           + (f"; {len(split)} entries only in every case of the signs of their |·| atoms (each |f| "
                              f"read as f and as −f, at most {max(split)} atoms: |f|² = f² used)" if split else "")
                           + rational_scope(claim, cleared), method=Method.RATIONAL if cleared else Method.EXACT,
                           stop=StopReason.NORMAL_FORM_ZERO, tokens=(token,)), None
    built = claim.build(size, probe=False) if claim.model is not None or claim.variables is not None else None
    inputs = {e for e in nodes(lhs, rhs) if e.is_Symbol} | set(built.symbols() if built is not None else ())
    candidates = _candidates(claim, lhs, rhs, bad, seed,
                                 symbols=sorted(inputs, key=lambda e: e.name) if claim.variables is not None else None,
                                 admissible=built.admissible if claim.variables is not None else None)
    rejected = ""
    for _ in range(MAX_CANDIDATES):
        with _phase(phases, Phase.SEARCH_SHRINK):
            w, sides, loss = next(candidates, (None, None, None))
        if w is None:
            break
        with _phase(phases, Phase.CERTIFY):
            cert = certificates.issue(claim.id, size, sides, w.sigma, _complete(w.point, inputs), w.entry, loss)
            check = kernel.verify_identity(claim, cert)
        if check.ok:
            if describe:
                with _phase(phases, Phase.DESCRIBE):
                    cert = replace(cert, structure=_structure(claim, size, (lhs, rhs), bad, cert))
            return SizeOutcome(size, Verdict.FAILS, check.reason, stop=StopReason.CERTIFIED,
                               tokens=(check.token,)), (cert, check)
        rejected = f"; a candidate was not certified: {check.reason}"
    return SizeOutcome(size, Verdict.UNDECIDED,
                       f"normal form ≠ 0 at {len(bad)} entries, but no certified counterexample{rejected}",
                       stop=StopReason.SEARCH_EXHAUSTED), None


#: how many entries whose normal form is not zero are evaluated at the point, to say which part of the sides differs
MAX_STRUCTURE_ENTRIES = 400


def _structure(claim: Claim, size: dict, sides, bad, cert) -> dict:
    """What the certified entry means, and which entries differ at the point: evidence for the report.

    ``derivative``: when a side is exactly what ``m.d(of, wrt)`` or
    ``m.partial(of, wrt)`` returned (the check is run once more on a model
    that records those calls), its rows and columns named by the model's own
    symbols, in the layout the derivative used. ``differs``: the entries whose
    exact values differ at the certificate's point (evaluated exactly, and
    only among the entries whose normal form is not 0: the others are equal
    identically), with both values. Descriptive only: the kernel does not read it.
    """
    from .kernel.decide import sign

    lhs, rhs = sides
    out: dict = {"shape": [lhs.rows, lhs.cols]}
    try:
        meaning = _derivative_meaning(claim, size)
    except Exception:  # the check ran once already; a second run that fails names nothing
        meaning = None
    if meaning is not None:
        out["derivative"] = meaning
    sig, differs, undecided = cert.witness_sigma, [], 0
    entries = sorted(bad)[:MAX_STRUCTURE_ENTRIES]
    try:
        for i, j in entries:
            lv = certificates.substitute(lhs[i, j], cert.point, sig)
            rv = certificates.substitute(rhs[i, j], cert.point, sig)
            s = sign(lv - rv)
            undecided += s is None
            if s:
                differs.append([i, j, sp.sstr(lv), sp.sstr(rv)])
    except Exception:  # an entry without an exact value at the point: say nothing rather than something partial
        return out
    out["differs"] = differs
    # complete: every other entry is known equal at the point (identically, or by its exact value)
    out["complete"] = len(entries) == len(bad) and not undecided
    return out


def _derivative_meaning(claim: Claim, size: dict) -> dict | None:
    """Which side is a derivative the model computed, and the names of its entries (or None): see meaning.py."""
    from .meaning import side_meaning

    return side_meaning(claim, size)


def _candidates(claim: Claim, lhs, rhs, bad, seed: int, **search_kw):
    """(witness, the sides it refutes, witness loss) per search candidate.

    Sides with an abstract loss E(o, y) are searched once per witness loss
    (``models.LOSS_WITNESSES``, simplest first), as an abstract σ is per witness σ.
    ``search_kw`` goes to :func:`search_identity` as it is.
    """
    from .models import LOSS_WITNESSES, instantiate_loss, loss_atoms

    abstract = claim.activation == "abstract" and claim.model is not None
    losses = LOSS_WITNESSES if claim.model is not None and loss_atoms(lhs, rhs) else (None,)
    for loss in losses:
        sides = (lhs, rhs) if loss is None else (instantiate_loss(lhs, loss), instantiate_loss(rhs, loss))
        for w in search_identity(*sides, bad, seed=seed, abstract_sigma=abstract, **search_kw):
            yield w, sides, loss


def rational_scope(claim: Claim, cleared: list) -> str:
    """The domain of an identity that holds as rational functions: where its denominators are not 0."""
    if not cleared:
        return ""
    from .variables import domain

    named = domain(claim)
    shown = ", ".join(cleared[:2]) + (f", … ({len(cleared)} in all)" if len(cleared) > 2 else "")
    return (f" after clearing denominators: a rational identity, on the domain where {shown} ≠ 0"
            + (f" ({named})" if named else ""))


def _domain_note(claim: Claim, outcomes: list) -> str:
    """The scope's domain: a claim's invertible variables, and where denominators were cleared."""
    from .variables import domain

    named = domain(claim) if claim.variables is not None else ""
    rational = any(o.method == "rational" for o in outcomes)
    if not (named or rational):
        return ""
    what = "of rational functions, " if rational else ""
    return f" ({what}on the domain {named})" if named else f" ({what}where its denominators ≠ 0)"


def _complete(point: dict, inputs) -> dict:
    """A point with a value for every input: what the search left free is 0 (it does not affect the entry)."""
    return {**{s: Fraction(0) for s in inputs}, **point}


def _decision(step, want: bool | None = None):
    """The rigorous decision of one step, a relation or a limit (``want``: see :func:`kernel.decide.decide`)."""
    return decide_limit(step)[0] if isinstance(step, Limit) else decide(step, want)


def _certified_failure(steps: dict, hyps: list, label: str) -> bool:
    """Rigorously: step ``label`` fails and every hypothesis holds (sides as the check returned them).

    The step first: most float-suspect steps are not refuted, and then the
    hypotheses need no decision; a tie is settled only where it could answer.
    """
    return _decision(steps[label], want=False).value is False and all(decide(h, want=True).value is True
                                                                      for h in hyps)


def _raised(e: BaseException) -> str:
    """One line for an exception a check raised: its cause, and the user's own frames it passed through."""
    where = user_traceback(e) if not isinstance(e, ConcretizationError) else ""  # that one names its line
    return _one_line(e) + (f" (at {where})" if where else "")


def probe_meaning(claim: Claim, size: dict, evaluate) -> None:
    """Run the check once on symbols standing for every value (the prove phase's): Python that asks about a
    value is refused here (:mod:`symderiv.concrete`), on the path that searches concrete points as on every
    other, so a branch never picks a meaning at one point that the claim does not have at the next."""
    from .prove.domains import NoDomain, Symbols, symbolic

    syms = Symbols()
    try:
        values = {name: symbolic(strategy, name, size, syms)[0] for name, strategy in claim.given.items()}
    except (NoDomain, SymderivError):
        return  # values with no symbolic stand-in (sampled without a domain): their points are all there is
    from .concrete import watching

    try:
        with watching():  # a refusal the check catches is a refusal: the points would take the other branch
            evaluate(values)
    except ConcretizationError:
        raise
    except Exception:  # a check that has no symbolic reading (a norm of symbols, …): its points decide
        return


def check_relations_at(claim: Claim, size: dict, *, seed: int, phases: dict, count: int | None = None):
    """One size of an inequality or limit: search, certify, shrink, per step (``count`` candidates: the claim's
    budget unless told).

    Returns the steps' outcomes {label: (status, detail, (cert, verification) | None)}.
    """
    from .kernel.decide import relations_of

    evaluate = claim.evaluator(size)
    probe_meaning(claim, size, evaluate)
    labels: list[str] = []
    found: dict = {}
    raised, tried, plausible, floated, last_steps, hypothesised = None, 0, 0, 0, [], False
    total = claim.budget if count is None else count
    witnesses = _sigma_witnesses(claim, size, seed, evaluate)
    per = total if witnesses == [None] else max(4, total // len(witnesses))
    for sig in witnesses:  # a claim about every σ: each witness polynomial σ in turn, the values drawn for it
        ev = evaluate if sig is None else _witnessed(evaluate, sig)
        for values in draw_candidates(claim.given, size, seed, per):
            with _phase(phases, Phase.SEARCH):
                try:
                    out, hyps = ev(values)
                    steps = relations_of(out)
                except (TypeError, ConcretizationError):
                    raise
                except Exception as e:  # a candidate the check cannot evaluate (a singular matrix, …)
                    raised = raised or _raised(e)
                    continue
                tried += 1
                labels = labels or [lab for lab, _ in steps]
                hypothesised = hypothesised or bool(hyps)
                if not hypotheses_plausible(hyps):
                    continue
                plausible += 1
                guide = {lab: float_suspect(st) for lab, st in steps if lab not in found}
                floated += any(v is not None for v in guide.values()) or not guide
                last_steps = steps
                suspects = [lab for lab, v in guide.items() if v]
            for label in suspects:
                with _phase(phases, Phase.CERTIFY):
                    if not _certified_failure(dict(steps), hyps, label):
                        continue
                with _phase(phases, Phase.SHRINK):
                    best = _shrink(claim, ev, values, label)
                with _phase(phases, Phase.CERTIFY):
                    cert = certificates.issue_relation(claim.id, size, best, label, ev, sigma=sig)
                    check = kernel.verify_relation(claim, cert)
                if check.ok:
                    found[label] = (cert, check)
            if labels and all(lab in found for lab in labels):
                break
        if labels and all(lab in found for lab in labels):
            break
    if not tried and count is not None:  # the brief search's few candidates may all sit outside the sides'
        return {}  # domain (1/x at x = 0: UndefinedAtPoint): it says nothing; the full search after the proof decides
    if not tried:
        raise SymderivError(f"no candidate could be evaluated: {raised}")
    if plausible and not floated and count is None:  # a search that evaluated nothing has searched nothing (the
        # brief search's few candidates may all sit where floats fail: the full search after the proof decides)
        from .search import float_problem

        cause = next((p for _, st in last_steps if (p := float_problem(st))), "no finite float value")
        raise SymderivError(f"no candidate's relation could be evaluated (even in floats, to guide the search): "
                            f"{cause}")
    out = {}
    named = _named_witness(claim, evaluate)
    for lab in labels:
        if lab in found:
            out[lab] = (Verdict.FAILS, found[lab][1].reason, found[lab])
        elif named is not None:
            out[lab] = (Verdict.UNDECIDED, f"the named witness does not refute it: {named.get(lab, '?')}", None)
        else:
            among = f" ({plausible} satisfying the hypotheses in floats)" if hypothesised else ""
            out[lab] = (Verdict.UNDECIDED, f"no counterexample among {tried} candidates{among}; "
                        "a search is not a proof", None)
    return out


def _sigma_witnesses(claim: Claim, size: dict, seed: int, evaluate) -> list:
    """``[None]`` (the check's σ is its own), or :data:`functions.WITNESS_SIGMAS` when its relations or hypotheses
    apply the abstract σ: a claim about every σ is searched at each witness polynomial σ in turn, and a
    counterexample names its σ (the kernel substitutes it: :func:`kernel.check.with_witness_sigma`)."""
    from .functions import WITNESS_SIGMAS
    from .kernel.decide import relations_of
    from .search import abstract_applications

    for values in draw_candidates(claim.given, size, seed, 4):
        try:
            out, hyps = evaluate(values)
            parts = [st for _, st in relations_of(out)] + list(hyps)
        except (TypeError, ConcretizationError):
            raise
        except Exception:  # noqa: BLE001 (a candidate the check cannot evaluate: the next one may)
            continue
        return list(WITNESS_SIGMAS) if any(abstract_applications(p) for p in parts) else [None]
    return [None]


def _witnessed(evaluate, sig):
    """``evaluate`` with the abstract σ replaced by the polynomial ``sig`` in what the check returns."""
    from .kernel.check import with_witness_sigma

    def ev(values):
        out, hyps = evaluate(values)
        return with_witness_sigma(out, sig), [with_witness_sigma(h, sig) for h in hyps]

    return ev


def _named_witness(claim: Claim, evaluate) -> dict | None:
    """When the proof file names its witness (every value ``just(...)``): why it does not refute each step."""
    from .families import Just
    from .kernel.decide import relations_of

    if not all(isinstance(s, Just) for s in claim.given.values()):
        return None
    values = {k: s.value for k, s in claim.given.items()}
    out, hyps = evaluate(values)
    for h in hyps:
        d = decide(h)
        if d.value is not True:
            why = f"hypothesis {h.label or h} {'fails' if d.value is False else 'is undecided'} ({d.how})"
            return {lab: why for lab, _ in relations_of(out)}
    reasons = {}
    for lab, step in relations_of(out):
        d = _decision(step)
        reasons[lab] = {True: "the step holds there", None: "undecided there"}.get(d.value, "it fails") + f" ({d.how})"
    return reasons


def _shrink(claim: Claim, evaluate, values: dict, label: str) -> dict:
    """Hypothesis-style: take any simpler assignment that still fails, certified, until none does."""
    from .kernel.decide import relations_of

    budget = MAX_SHRINKS
    improved = True
    while improved and budget > 0:
        improved = False
        for cand in shrink_candidates(claim.given, values):
            if budget <= 0:
                break
            try:
                out, hyps = evaluate(cand)
                steps = dict(relations_of(out))
                if not (hypotheses_plausible(hyps) and float_suspect(steps[label])):
                    continue
                budget -= 1
                if _certified_failure(steps, hyps, label):
                    values, improved = cand, True
                    break
            except Exception:  # a simpler candidate the check cannot evaluate is simply not taken
                continue
    return values


class StepOutcomes(dict):
    """{label: (status, detail, found)} and, for the steps proved, the method that proved each."""

    def __init__(self):
        super().__init__()
        self.methods: dict = {}
        self.tokens: dict = {}   # label -> the kernel's Proved


#: candidates the brief search tries before a size is proved (a false claim is usually refuted by its first few)
BRIEF_SEARCH = 16


class ProveBudget:
    """What one claim's prove phase may still spend across its sizes: without ``prove=`` a small per-sentence
    solver budget and a total (:data:`symderiv.prove.DEFAULT_CLAIM_BUDGET`), after which the remaining sizes
    are only searched; with ``prove=`` the full per-sentence budget and no total. The totals count the solvers'
    work (:func:`symderiv.prove.solvers.spent`: budget-seconds from the units each solver counted itself), never
    the clock: how far a default proof reaches depends on the claim, not on the machine's load."""

    def __init__(self, claim: Claim):
        from . import prove

        self.default = claim.proves_by_default
        self.sentence = prove.DEFAULT_BUDGET if self.default else prove.BUDGET
        self.total = prove.DEFAULT_CLAIM_BUDGET if self.default else math.inf
        self.spent = 0.0
        self.last = 0.0   # the last size's prove phase: the next (larger) one is likely to cost as much
        from .prove.chains import CLAIM_BUDGET

        # lemma chains (kernel/lemmas.py) have their own total: each is one short sentence per solver, and a size
        # whose solvers' budget is spent may still be proved by one
        self.lemma_total = CLAIM_BUDGET if self.default else math.inf
        self.lemmas = 0.0

    @property
    def left(self) -> bool:
        """Whether the next size may be proved: what is spent, plus as much again as the last size cost, is within
        the total (a size's phase is not interrupted, so it is judged before it starts)."""
        return self.spent + self.last < self.total

    def charge(self, seconds: float) -> None:
        self.spent += seconds
        self.last = seconds

    @property
    def lemmas_left(self) -> bool:
        return self.lemmas < self.lemma_total


def _solver_work() -> float:
    """Budget-seconds of solver work this process has spent (prove/solvers.py: units over the solver's rate, the
    same on every machine): what a claim's prove totals are charged. The kernel's Positivstellensatz finder, the
    SOS search and the encoding are not charged (each decides by its own work budget)."""
    from .prove import solvers

    return solvers.spent()


def _by_lemma_chains(claim: Claim, size: dict, labels, out: "StepOutcomes", budget: ProveBudget, phases: dict,
                     skip=()) -> None:
    """The steps of ``labels`` not yet in ``out`` (a limit, a norm step the solvers left) proved by a chain of
    classical lemmas, when the kernel accepts one (kernel/lemmas.py: only it makes the token, on its own goal).
    ``skip``: the steps whose chains were already tried at this size (:func:`_trajectory_chains_first`)."""
    todo = sorted(lab for lab in labels if lab not in out and lab not in skip)
    if not todo or not budget.lemmas_left:
        return
    from .prove.chains import prove_by_lemmas

    w0 = _solver_work()
    with _phase(phases, Phase.PROVE):
        for lab in todo:
            got = prove_by_lemmas(claim, size, lab, budget=budget.sentence)
            if got is not None:
                out[lab] = (Verdict.HOLDS, f"proved ({got[1]}): {got[2]}", None)
                out.methods[lab], out.tokens[lab] = got[1], got[0]
    budget.lemmas += _solver_work() - w0


def _trajectory_chains_first(claim: Claim, size: dict, labels, out: "StepOutcomes", budget: ProveBudget,
                             phases: dict) -> set:
    """Before the general solvers: the steps of ``labels`` not yet in ``out`` that bound ‖∂h_j/∂h_i‖₂ of a
    one-state model from above (Pascanu's ‖∂h_t/∂h_0‖₂ ≤ (γ‖W‖₂)^t), proved by the chain the finder reads off the
    factored Jacobian when the kernel accepts it. The solvers' sentence for such a step (‖·‖₂ by its definition)
    runs out its budget at n = 2, twice with the retry, before the same chain proves it; a chain the kernel refuses
    leaves the step to the solvers as before. Returns the labels whose chains were tried (not tried again after)."""
    todo = sorted(lab for lab in labels if lab not in out)
    if not todo or not budget.lemmas_left or getattr(claim, "model", None) is None:
        return set()
    from .prove.chains import prove_trajectory_first

    tried = set()
    w0 = _solver_work()
    with _phase(phases, Phase.PROVE):
        for lab in todo:
            asked, got = prove_trajectory_first(claim, size, lab, budget=budget.sentence)
            if asked:
                tried.add(lab)
            if got is not None:
                out[lab] = (Verdict.HOLDS, f"proved ({got[1]}): {got[2]}", None)
                out.methods[lab], out.tokens[lab] = got[1], got[0]
    budget.lemmas += _solver_work() - w0
    return tried


def prove_then_search(claim: Claim, size: dict, *, seed: int, phases: dict, budget: ProveBudget | None = None
                      ) -> dict:
    """At a size the claim proves at (``prove=``, or by default n ≤ 2): a brief search (a false claim is
    refuted at once, before any solver runs), then the prove phase (a real-arithmetic proof per step not yet
    refuted), then the full search for the steps neither proved nor refuted. A solver's model is only a
    candidate: the kernel certifies it.

    Returns the steps' outcomes {label: (status, detail, (cert, verification) | None)}; ``out.unproved`` says why
    a size the claim proves at was not proved (the budget was spent), for the scope.
    """
    budget = budget or ProveBudget(claim)
    if not claim.proves_at(size):
        return check_relations_at(claim, size, seed=seed, phases=phases)
    out = StepOutcomes()
    if not budget.left:
        searched = check_relations_at(claim, size, seed=seed, phases=phases)
        _by_lemma_chains(claim, size, [lab for lab, (st, _, _) in searched.items() if st == Verdict.UNDECIDED], out,
                         budget, phases)
        for lab, (status, detail, found) in searched.items():
            if lab in out:
                continue
            out[lab] = (status, f"{detail} [not proved: the default prove budget ({budget.total:g} budget-seconds "
                                "of solver work per claim) was spent, or would be, at the smaller sizes]"
                        if status == Verdict.UNDECIDED else detail,
                        found)
        return out
    brief = check_relations_at(claim, size, seed=seed, phases=phases, count=min(claim.budget, BRIEF_SEARCH))
    for lab, (status, detail, found) in brief.items():
        if status == Verdict.FAILS:
            out[lab] = (status, detail, found)
    if brief and len(out) == len(brief):
        return out
    chained = _trajectory_chains_first(claim, size, brief, out, budget, phases)
    if brief and len(out) == len(brief):
        return out
    from .prove import Mark, prove_size

    w0 = _solver_work()
    with _phase(phases, Phase.PROVE):
        proof = prove_size(claim, size, budget=budget.sentence, skip=set(out), retry=not budget.default)
    budget.charge(_solver_work() - w0)
    for lab, st in proof.steps.items():
        if lab in out:
            continue
        token, why = (kernel.accept_step(claim, size, lab, st.evidence, proof.values) if st.mark == Mark.PROVED
                      else (None, ""))
        if token is not None:  # the kernel re-derived the goal and checked the certificates on it
            out[lab] = (Verdict.HOLDS, f"proved ({st.method}): {st.detail}", None)
            out.methods[lab], out.tokens[lab] = st.method, token
        elif st.mark == Mark.PROVED:
            st.detail = f"{st.detail}; not accepted: {why}"
        elif st.candidate is not None:
            found = _certify_candidate(claim, size, st.candidate, lab, phases)
            if found is not None:
                out[lab] = (Verdict.FAILS, f"{found[1].reason} (a solver's model, certified by the kernel)", found)
    labels = set(brief) | set(proof.steps)
    _by_lemma_chains(claim, size, labels, out, budget, phases, skip=chained)   # a limit, a norm step the solvers left
    if labels and labels <= set(out):
        return out
    searched = check_relations_at(claim, size, seed=seed, phases=phases)
    why = proof.why_not or "; ".join(f"{lab}: {st.detail}" for lab, st in proof.steps.items() if lab not in out)
    for lab, (status, detail, found) in searched.items():
        if lab not in out:
            out[lab] = (status, f"{detail} [not proved: {why}]" if status == Verdict.UNDECIDED else detail, found)
    return out


def _certify_candidate(claim: Claim, size: dict, values: dict, label: str, phases: dict):
    """A solver's model for step ``label``, shrunk and certified by the kernel; None if it is not a counterexample."""
    from .kernel.decide import relations_of

    evaluate = claim.evaluator(size)
    with _phase(phases, Phase.CERTIFY):
        try:
            out, hyps = evaluate(values)
            if not _certified_failure(dict(relations_of(out)), hyps, label):
                return None
        except Exception:
            return None
    with _phase(phases, Phase.SHRINK):
        best = _shrink(claim, evaluate, values, label)
    with _phase(phases, Phase.CERTIFY):
        cert = certificates.issue_relation(claim.id, size, best, label, evaluate)
        check = kernel.verify_relation(claim, cert)
    return (cert, check) if check.ok else None


def check_relational(claim: Claim, sizes: list[dict], *, seed: int, phases: dict, t_start: float) -> Result:
    """Sizes smallest first; the first size with a certified failure ends the search."""
    outcomes: list[SizeOutcome] = []
    step_status: dict = {}
    first = None
    budget = ProveBudget(claim)
    for size in sizes:
        t0 = time.perf_counter()
        try:
            per_step = prove_then_search(claim, size, seed=seed, phases=phases, budget=budget)
        except SymderivError as e:
            outcomes.append(SizeOutcome(size, Verdict.ERROR, str(e), time.perf_counter() - t0, stop=StopReason.ERROR))
            continue
        except Exception as e:
            outcomes.append(SizeOutcome(size, Verdict.ERROR, _raised(e), time.perf_counter() - t0,
                                        stop=StopReason.ERROR))
            continue
        for lab, (status, detail, found) in per_step.items():
            prev = step_status.get(lab)
            if prev is None or (prev[0] != Verdict.FAILS and status == Verdict.FAILS) or (
                    prev[0] == Verdict.HOLDS and status != Verdict.HOLDS and claim.proves_at(size)):
                step_status[lab] = (status, f"at {_size_str(size)}: {detail}" if size else detail)
            if found and first is None:
                first = found
        status = fold(s for s, _, _ in per_step.values())
        failing = [lab for lab, (s, _, _) in per_step.items() if s == Verdict.FAILS]
        detail = f"fails: {', '.join(failing)}" if failing else next(iter(per_step.values()))[1]
        methods = getattr(per_step, "methods", {})
        named = all(type(s).__name__ == "Just" for s in claim.given.values())
        stop = StopReason.CERTIFIED if status == Verdict.FAILS else \
            StopReason.NAMED_WITNESS if named else StopReason.SEARCH_EXHAUSTED
        tokens = [f[1].token for _, _, f in per_step.values() if f] + list(getattr(per_step, "tokens", {}).values())
        outcomes.append(SizeOutcome(size, status, detail, time.perf_counter() - t0,
                                    method=" + ".join(dict.fromkeys(methods.values())) if status == Verdict.HOLDS
                                    else "", stop=stop, tokens=tuple(tokens),
                                    in_scope=not claim.proving or claim.proves_at(size)))
        if status == Verdict.FAILS:
            break
    verdict = fold(outcomes)  # with a prove phase, its scope is the sizes it proves (SizeOutcome.in_scope)
    searched = describe_scope(outcomes, "certified counterexample search")
    reach = {}
    if claim.proving:
        from .prove.scope import proved_scope, reach_of

        searched = proved_scope(claim, outcomes)
        reach = reach_of(claim, outcomes)
    if verdict == Verdict.FAILS and len(outcomes) < len(sizes):
        searched += "; larger sizes not searched"
    errors = [o for o in outcomes if o.status == Verdict.ERROR]
    return result_for(claim, verdict, scope=searched, counterexample=first[0] if first else None,
                      certificate=first[1].reason if first else "", seconds=time.perf_counter() - t_start,
                      sizes=outcomes, phases=phases, **reach,
                      steps=[Step(lab, s, d) for lab, (s, d) in step_status.items()] if len(step_status) > 1
                      else [],
                      error=_first_error(errors))


def check_claim(claim: Claim, *, n=None, t=None, m=None, backend: str = "auto", seed: int = 0,
                on_phase: Callable[[str], None] | None = None) -> Result:
    """Check one claim over its sweep (``n``/``t``/``m`` override the sweep's sizes); ``on_phase`` observes its
    phases.

    The result carries what the check read (``result.reads``: files, environment; :mod:`symderiv.reads`), which
    the verdict cache stores with it."""
    from .reads import recording

    with recording() as reads:
        res = _check_claim(claim, n=n, t=t, m=m, backend=backend, seed=seed, on_phase=on_phase)
    res.reads = reads.to_json()
    return res


def _check_claim(claim: Claim, *, n=None, t=None, m=None, backend: str = "auto", seed: int = 0,
                 on_phase: Callable[[str], None] | None = None) -> Result:
    t_start = time.perf_counter()
    phases = Phases(on_phase)
    outcomes: list[SizeOutcome] = []
    first = None
    try:
        sizes = claim.sizes.override(n=n, t=t, m=m).sizes()
    except SymderivError as e:
        return result_for(claim, Verdict.ERROR, error=str(e))
    if claim.relational:
        return check_relational(claim, sizes, seed=seed, phases=phases, t_start=t_start)
    smallest = min(sizes, key=lambda s: sorted(s.items())) if sizes else None
    if smallest is not None and claim.kind == "identity" and all(
            v <= PROBE_REACH.get(k, v) for k, v in smallest.items()):
        with _phase(phases, Phase.BUILD):  # before any verdict: the sides built on the kernel (can it certify?)
            try:
                outside = kernel.probe(claim, smallest)
            except Exception:  # noqa: BLE001 (the probe only refuses; a check that raises is the sizes' error)
                outside = None
        if outside is not None:
            return result_for(claim, Verdict.ERROR, error=f"the kernel never replays an operation of the check, so "
                              f"no verdict could be certified: {outside}", seconds=time.perf_counter() - t_start,
                              phases=phases)
    for size in sizes:
        t0 = time.perf_counter()
        try:
            outcome, found = check_identity_at(claim, size, backend=backend, seed=seed, phases=phases,
                                               describe=first is None and claim.relation != "≠")
        except SymderivError as e:  # symderiv's own refusal, with the user's line it came from
            where = user_traceback(e) if not isinstance(e, ConcretizationError) else ""
            outcome, found = SizeOutcome(size, Verdict.ERROR, str(e) + (f" (at {where})" if where else ""),
                                         stop=StopReason.ERROR), None
        except Exception as e:  # a transcription that raises is that claim's error, not the run's
            outcome, found = SizeOutcome(size, Verdict.ERROR, _raised(e), stop=StopReason.ERROR), None
        if claim.relation == "≠":
            outcome = _negate(outcome)
        outcome.seconds = time.perf_counter() - t0
        outcomes.append(outcome)
        if found and first is None:
            first = found
    verdict = fold(outcomes)
    if claim.relation == "≠":  # a certified point is the evidence that it holds, not a counterexample
        first = None
    errors = [o for o in outcomes if o.status == Verdict.ERROR]
    by_fp = sum(o.method == Method.FP for o in outcomes)
    if not by_fp:
        method = "exact normal form" + _domain_note(claim, outcomes)
    elif by_fp < len(outcomes):
        method = "randomized exact (F_p) / exact normal form"
    else:
        method = outcomes[0].detail if len(outcomes) == 1 else "randomized exact (F_p)"
    notes = list(dict.fromkeys(o.note for o in outcomes if o.note))
    if notes:
        method += f" ({'; '.join(notes)})"
    every_t, more, step_tokens, t_argument = False, "", [], ()
    if verdict == Verdict.HOLDS and claim.relation == "=" and claim.model is not None and not claim.modulo:
        from . import induction  # holds at every size: is it proved for every t? (issue 12)

        def check_at(size):
            return check_past_sweep(claim, size, seed=seed)

        with _phase(phases, Phase.INDUCTION):
            every_t, more, broken, step_tokens, t_argument = induction.extend(claim, outcomes, check_at=check_at)
        if broken is not None:  # a certified counterexample past the sweep: the claim fails, there
            outcomes.append(broken[0])
            verdict, first = fold(outcomes), broken[1]
    every_n, argument = False, ()
    if every_t and verdict == Verdict.HOLDS:
        from . import every_n as lift  # for every t: and for every n? (issue 20: base and step traced, lifted)

        with _phase(phases, Phase.EVERY_N):
            every_n, also, argument = lift.extend_model(claim, outcomes)
        more += also
        argument = argument if every_n else t_argument  # the lift's argument, or the induction's alone
    scope = describe_scope(outcomes, method) + more
    if verdict == Verdict.HOLDS and claim.relation == "=" and claim.variables is not None and not claim.modulo:
        from . import every_n as lift  # holds at every size: is it a formal identity, for every n? (issue 20)

        with _phase(phases, Phase.EVERY_N):
            every_n, more, argument, token = lift.extend(claim)
        scope += more
        if token is not None:  # the kernel's every-n statement backs a size its own check did not reach
            outcomes = [_backed_by_lift(o, token) for o in outcomes]
    return result_for(
        claim, verdict, scope=scope, every_t=every_t, every_n=every_n, argument=argument,
        every_t_tokens=step_tokens if every_t else (),
        counterexample=first[0] if first else None,
        certificate=first[1].reason if first else next((o.detail for o in outcomes if claim.relation == "≠"
                                                          and o.status == Verdict.HOLDS), ""),
        seconds=time.perf_counter() - t_start, sizes=outcomes, phases=phases,
        error=_first_error(errors),
    )


def _backed_by_lift(o: SizeOutcome, token) -> SizeOutcome:
    """``o`` with the kernel's every-n token among its tokens where its own tokens all trust something (a size
    beyond the kernel's exact reach): the lift is the kernel's statement for every size (kernel.accept._backs)."""
    own = [t for t in o.tokens if kernel.accept.genuine(t) and t.holds]
    if o.status != Verdict.HOLDS or not own or any(not t.trusts for t in own):
        return o
    return replace(o, tokens=(*o.tokens, token))


def _negate(o: SizeOutcome) -> SizeOutcome:
    """For a claim that the sides differ: a certified point proves it; a zero normal form refutes it."""
    if o.status == Verdict.FAILS:
        return SizeOutcome(o.size, Verdict.HOLDS, f"the sides differ: {o.detail}", method=o.method,
                           stop=StopReason.NEGATED, tokens=o.tokens)
    if o.status == Verdict.HOLDS and o.method == Method.FP:
        return SizeOutcome(o.size, Verdict.UNDECIDED, "the sides agreed in every F_p trial, which is no exact "
                           "proof that they are identical, so it cannot refute a '≠' claim; decide it exactly at "
                           f"a small size (--backend symengine) [{o.detail}]", method=o.method,
                           stop=StopReason.NEGATED)
    if o.status == Verdict.HOLDS:
        return SizeOutcome(o.size, Verdict.FAILS, f"the sides are identical: {o.detail}", method=o.method,
                           stop=StopReason.NEGATED, tokens=o.tokens)
    return o


def _first_error(errors: list) -> str | None:
    """The first error's one line, with its size when it has one (a claim with no sizes has none to name)."""
    if not errors:
        return None
    e = errors[0]
    return f"at {_size_str(e.size)}: {e.detail}" if e.size else e.detail


def _size_str(size: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in size.items())


def aggregate(group: Group, members: dict[str, Result]) -> Result:
    """The base id's verdict: its intended reading's, or the first failing part's."""
    res = [members[m] for m in group.members if m in members]
    expected = group.expect
    if expected is None and group.kind == "readings":
        expected = members[f"{group.id}.{group.intent}"].expected
    elif expected is None:
        exp = [r.wanted for r in res]
        expected = fold(exp)
    common = dict(id=group.id, expected=expected, source=group.source, where=group.where,
                  statement=group.statement, conventions={}, members=list(group.members),
                  seconds=sum(r.seconds for r in res))
    if group.kind == "readings":
        chosen = members[f"{group.id}.{group.intent}"]
        others = ", ".join(f"{r.id.rsplit('.', 1)[1]} {r.verdict.value}" for r in res if r is not chosen)
        return Result(verdict=chosen.verdict, scope=f"reading {group.intent!r} (the text's intent: {group.why}); "
                      f"{chosen.scope}" + (f"; other readings: {others}" if others else ""),
                      counterexample=chosen.counterexample, certificate=chosen.certificate,
                      error=chosen.error, why=chosen.why, every_t=chosen.every_t, every_n=chosen.every_n,
                      argument=chosen.argument,
                      beyond_sizes_trusts=list(chosen.trusted), **{**common, "conventions": chosen.conventions})
    verdict = fold(res)
    failing = next((r for r in res if r.verdict == verdict), None) if verdict != Verdict.HOLDS else None
    scope = f"{sum(r.verdict == Verdict.HOLDS for r in res)} of {len(res)} parts hold"
    if failing is not None:
        scope += f"; first {verdict.value}: {failing.id.rsplit('.', 1)[1]}"
    return Result(verdict=verdict, scope=scope, every_t=verdict == Verdict.HOLDS and all(r.every_t for r in res),
                  every_n=verdict == Verdict.HOLDS and all(r.every_n for r in res),
                  argument=res[0].argument if len({tuple(r.argument) for r in res}) == 1 else (),
                  counterexample=failing.counterexample if failing else None,
                  certificate=failing.certificate if failing else "", error=failing.error if failing else None,
                  why=failing.why if failing else "",
                  beyond_sizes_trusts=list(dict.fromkeys(x for r in res if r.verdict == verdict for x in r.trusted)),
                  **common)


def run(col: Collection, ids: list[str], *, n=None, t=None, m=None, backend: str = "auto", seed: int = 0,
        on_result=None, precomputed: dict | None = None,
        on_phase: Callable[[str], None] | None = None) -> list[Result]:
    """Check the selected claims (groups pull in their members) and return results in order.

    ``precomputed``: results already obtained for some claims (by the runner's workers);
    ``on_phase``: told each phase's name as a claim's check enters it.
    """
    done: dict[str, Result] = dict(precomputed or {})

    def one(cid: str) -> Result:
        if cid not in done:
            item = col.items[cid]
            if isinstance(item, Group):
                for member in item.members:
                    one(member)
                done[cid] = aggregate(item, done)
            else:
                done[cid] = check_claim(item, n=n, t=t, m=m, backend=backend, seed=seed, on_phase=on_phase)
            if on_result:
                on_result(done[cid])
        return done[cid]

    for cid in ids:
        one(cid)
    order = list(ids) + [i for i in done if i not in ids]
    return [done[i] for i in order]
