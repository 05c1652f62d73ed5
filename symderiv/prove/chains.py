"""Finding lemma chains: which classical lemmas prove a limit or a norm step at one size.

The kernel (:mod:`symderiv.kernel.lemmas`) decides whether a chain proves the
claim; this module only proposes chains, from the check run once on the prove
phase's symbols (:mod:`.domains`):

* for a limit ``limit(powers(M, X₀), to)``, the conclusion lemmas whose
  behaviour implies ``to`` (a hypothesis on ρ puts the spectral ones first);
* the instances of the scalar lemmas at the matrices the claim speaks of: its
  given matrices, the matrices of its norms and eigenvalue quantities, the
  sequence's M, and every product of two or three given matrices equal to one of
  them (‖W D‖₂ ≤ ‖W‖₂‖D‖₂ when the sequence's M is W·D); ‖X‖_F = 0 ⇒ X = 0 for
  the matrices of the Frobenius norms the hypotheses state; MᵀM = I ⇒ ‖M‖₂ = 1
  for the square ones; ρ ≤ ‖·‖₂ where an eigenvalue quantity appears; σ_min(A)‖B‖₂
  ≤ ‖AB‖₂ where σ_min does.

An instance that is not needed costs the solvers a little time and nothing
else: each is a theorem, stated by the kernel itself.
"""
from __future__ import annotations

import itertools

import sympy as sp

#: conclusion lemmas per behaviour, in the order tried
CONCLUSIONS = {"0": ("contraction", "spectral-decay"), "bounded": ("contraction", "spectral-decay", "nonexpansive"),
               "inf": ("spectral-growth",), "not0": ("spectral-growth",)}
#: at most this many instances per chain (a cap on the sentence, not on soundness)
MAX_INSTANCES = 24
#: seconds per solver at least for a chain's sentence: they are small (a solver answers in well under a second on an
#: idle machine), but a wall-clock budget of the default 2 s left them unknown at a load of 10 on 2 cores
MIN_BUDGET = 5.0


def _spectral(tree, out: list) -> None:
    """The (kind, matrix) of every norm and eigenvalue quantity in a scalar tree of relations.py."""
    from ..relations import Op, Spectral

    if isinstance(tree, Spectral):
        out.append((tree.kind, tree.M))
    elif isinstance(tree, Op):
        for a in tree.args:
            _spectral(a, out)


def _same(A, B) -> bool:
    return A.shape == B.shape and all(sp.expand(a - b) == 0 for a, b in zip(A, B))


def _given_matrices(values: dict) -> list:
    out = []
    for v in values.values():
        if isinstance(v, tuple):
            out += _given_matrices(dict(enumerate(v)))
        elif isinstance(v, sp.MatrixBase) and (v.rows > 1 or v.cols > 1 or v.free_symbols):
            out.append(sp.Matrix(v))
    return out


def _unique(mats: list) -> list:
    out: list = []
    for M in mats:
        if not any(_same(M, N) for N in out):
            out.append(M)
    return out


def instances(values: dict, step, hyps) -> list:
    """The scalar lemma instances worth stating for ``step`` (kernel.lemmas.Instance), at the finder's symbols."""
    from ..kernel.lemmas import Instance
    from ..relations import Limit

    quantities: list = []
    for h in hyps:
        _spectral(h.lhs, quantities)
        _spectral(h.rhs, quantities)
    targets = []
    if isinstance(step, Limit):
        targets.append(sp.Matrix(step.seq.M))
    else:
        mine: list = []
        _spectral(step.lhs, mine)
        _spectral(step.rhs, mine)
        quantities += mine
    kinds = {k for k, _ in quantities}
    targets = _unique(targets + [sp.Matrix(M) for _, M in quantities if sp.Matrix(M).shape != (1, 1)])
    givens = _unique([M for M in _given_matrices(values) if M.shape != (1, 1)])
    out = []
    for h in hyps:  # ‖X‖_F = 0 ⇒ X = 0, for the Frobenius norms of the hypotheses
        fros: list = []
        _spectral(h.lhs, fros)
        _spectral(h.rhs, fros)
        out += [Instance("frobenius-zero", (sp.Matrix(M),)) for k, M in fros if k == "fro"]
    pool = _unique(givens + targets)
    for T in targets:
        for A, B in itertools.product(givens, repeat=2):
            if A.cols == B.rows and _same(A * B, T):
                out.append(Instance("submultiplicative", (A, B)))
        for A, B, C in itertools.product(givens, repeat=3):
            if A.cols == B.rows and B.cols == C.rows and _same(A * B * C, T):
                out += [Instance("submultiplicative", (A, B * C)), Instance("submultiplicative", (B, C))]
    square = [M for M in pool if M.is_square]
    out += [Instance("orthogonal-norm", (M,)) for M in square if any(k == "fro" for k in kinds) or
            any(k == "rho" for k in kinds)]
    spectral_quantity = bool(kinds & {"rho", "lam_min", "lam_max"})
    if spectral_quantity:
        out += [Instance("spectral-radius-le-norm", (M,)) for M in square]
    if "smin" in kinds:
        for A, B in itertools.product(givens, repeat=2):
            if A.is_square and A.cols == B.rows:
                out.append(Instance("smallest-singular-value", (A, B)))
    seen, unique = [], []
    for inst in out:
        key = (inst.lemma, tuple(tuple(a) for a in inst.args))
        if key not in seen:
            seen.append(key)
            unique.append(inst)
    return unique[:MAX_INSTANCES]


def chains(claim, size: dict, label: str, *, budget: float):
    """(the finder's values, [LemmaChain, …] in the order to try) for step ``label`` at ``size``; ([], …) when the
    check does not run on symbols."""
    from ..concrete import watching
    from ..kernel.decide import relations_of
    from ..kernel.lemmas import LemmaChain
    from ..relations import Limit
    from .domains import NoDomain, Symbols, symbolic

    syms = Symbols(claim.given)
    try:
        values = {name: symbolic(st, name, size, syms)[0] for name, st in claim.given.items()}
        with watching():
            out, hyps = claim.evaluator(size)(values)
        step = dict(relations_of(out))[label]
    except (NoDomain, KeyError):
        return {}, []
    except Exception:  # noqa: BLE001  (a check with no symbolic reading: the search decides it)
        return {}, []
    insts = tuple(instances(values, step, hyps))
    if isinstance(step, Limit):
        order = list(CONCLUSIONS.get(step.to, ()))
        mentions: list = []
        for h in hyps:
            _spectral(h.lhs, mentions)
            _spectral(h.rhs, mentions)
        if any(k == "rho" for k, _ in mentions):   # a hypothesis on ρ: the spectral lemma first
            order.sort(key=lambda c: not c.startswith("spectral"))
        return values, [LemmaChain(c, insts, budget) for c in order]
    return values, [LemmaChain(None, insts, budget)] if insts else []


def prove_by_lemmas(claim, size: dict, label: str, *, budget: float = 2.0):
    """(the kernel's Proved token, method, detail) for step ``label`` by the first lemma chain the kernel accepts,
    or None. Only the kernel makes the token (kernel/lemmas.py: accept_chain)."""
    from ..kernel.lemmas import accept_chain

    values, found = chains(claim, size, label, budget=max(budget, MIN_BUDGET))
    tried = []
    for chain in found:
        token, why = accept_chain(claim, size, label, chain, values)
        if token is not None:
            return token, why, f"the kernel's own goal follows from {chain.describe()}"
        tried.append(f"{chain.conclusion or 'the step'}: {why}")
    return None
