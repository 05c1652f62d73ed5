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
CONCLUSIONS = {"0": ("contraction", "spectral-decay"), "bounded": ("fixed-point", "nonexpansive", "spectral-decay"),
               "inf": ("spectral-growth",), "not0": ("fixed-point", "spectral-growth")}
#: at most this many instances per chain (a cap on the sentence, not on soundness)
MAX_INSTANCES = 24
#: seconds per solver at least for a chain's sentence: they are small (a solver answers in well under a second on an
#: idle machine), but a wall-clock budget of the default 2 s left them unknown at a load of 10 on 2 cores
MIN_BUDGET = 5.0
#: lemma chains' total per claim without prove= (the engine's ProveBudget), in budget-seconds of solver work (the
#: units the solvers counted, never the clock: prove/solvers.py, work_of): apart from the solvers' default total,
#: which a model claim spends at its small sizes before the size a chain proves
CLAIM_BUDGET = 8.0


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


#: the longest product of the claim's matrices a target is looked for as
MAX_FACTORS = 6


def _numeric(M, point: dict):
    """M at a point, in floats (a guide for the search of a factorization only; the kernel decides)."""
    import numpy as np

    from ..functions import logistic

    def num(x):
        x = sp.sympify(x).xreplace(point)
        if x.has(logistic):   # the notation's logistic has no evalf of its own: through its exp form
            x = x.rewrite(sp.exp)
        return complex(x.evalf(20))

    try:
        return np.array([num(x) for x in M], dtype=complex).reshape(M.shape)
    except (TypeError, ValueError):
        return None


def factorization(T, pool: list) -> list | None:
    """Matrices F₁, …, F_k of ``pool`` (k ≥ 2) with F₁ ⋯ F_k = T exactly, looked for in floats at a random point
    first (depth first, at most MAX_FACTORS), then checked exactly; None when there is none."""
    import random

    import numpy as np

    syms = set().union(*(sp.sympify(x).free_symbols for M in pool + [T] for x in M))
    rng = random.Random(20261206)
    point = {s: sp.Rational(rng.randint(-9, 9), rng.randint(2, 9)) for s in sorted(syms, key=str)}
    target = _numeric(T, point)
    values = [_numeric(M, point) for M in pool]
    if target is None:
        return None
    scale = 1 + float(np.abs(target).max())

    def dfs(prefix_idx, value):
        if len(prefix_idx) >= 2 and value.shape == target.shape and np.abs(value - target).max() <= 1e-9 * scale:
            return prefix_idx
        if len(prefix_idx) >= MAX_FACTORS:
            return None
        for i, v in enumerate(values):
            if v is None or v.shape[0] != value.shape[1]:
                continue
            got = dfs(prefix_idx + [i], value @ v)
            if got is not None:
                factors = [pool[j] for j in got]
                product = factors[0]
                for F in factors[1:]:
                    product = product * F
                if _same(product, T):
                    return got
        return None

    for i, v in enumerate(values):
        if v is not None and v.shape[0] == target.shape[0]:
            got = dfs([i], v)
            if got is not None:
                return [pool[j] for j in got]
    return None


def _diagonal_factor(S, G):
    """(d, side) with S = diag(d)·G (side "left") or S = G·diag(d) ("right") exactly, else None."""
    if S.shape != G.shape or not S.is_square:
        return None
    n = S.rows
    for side in ("left", "right"):
        d = []
        for i in range(n):
            line = [(S[i, j], G[i, j]) for j in range(n)] if side == "left" else [(S[j, i], G[j, i]) for j in range(n)]
            nz = [(a, b) for a, b in line if sp.sympify(b) != 0]
            if not nz:
                break
            d.append(sp.cancel(sp.together(nz[0][0] / nz[0][1])))
        else:
            D = sp.diag(*d)
            if _same(D * G if side == "left" else G * D, S):
                return d, side
    return None


def step_factors(claim, size: dict, values: dict) -> tuple[list, list]:
    """For a claim on a one-state model: (the step Jacobians ∂h_i/∂h_{i−1}, i = 1 … t, at the finder's values,
    [(S_i, D_i, G)] where S_i is D_i·G or G·D_i for a given matrix G and a diagonal D_i); ([], []) otherwise. They
    are where a trajectory's ∂h_t/∂h_k = S_t ⋯ S_{k+1} is factored, to chain submultiplicativity along it."""
    if getattr(claim, "model", None) is None or len(claim.model.state) != 1:
        return [], []
    m = claim.build(size, probe=False)
    name = claim.model.state[0]
    given = {k: v for k, v in values.items() if claim.model.input_of(k) is not None and isinstance(v, sp.MatrixBase)}
    steps, split = [], []
    mats = _unique(_given_matrices(values))
    for i in range(1, m.t + 1):
        S = sp.Matrix(m.value(m.d((name, i), (name, i - 1)), **given))
        steps.append(S)
        for G in mats:
            got = _diagonal_factor(S, G)
            if got is not None:
                d, side = got
                split.append((S, sp.diag(*d), G, side))
                break
    return steps, split


def _activation_args(exprs) -> tuple[list, list]:
    """The arguments of tanh and of the logistic function in ``exprs`` (each once)."""
    from ..functions import logistic

    th, lg = [], []
    for e in exprs:
        for f in sp.sympify(e).atoms(sp.tanh, logistic):
            (th if isinstance(f, sp.tanh) else lg).append(f.args[0])
    return list(dict.fromkeys(th)), list(dict.fromkeys(lg))


def instances(values: dict, step, hyps, trajectory=((), ()), orthogonal=()) -> list:
    """The scalar lemma instances worth stating for ``step`` (kernel.lemmas.Instance), at the finder's symbols.
    ``trajectory``: a model claim's step Jacobians and their diagonal splits (:func:`step_factors`);
    ``orthogonal``: the matrices the domain makes orthogonal (‖QM‖₂ = ‖M‖₂ where a norm's matrix is such a QM)."""
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
    targets = _unique(targets + [sp.Matrix(M) for _, M in quantities])
    givens = _unique(_given_matrices(values))
    out = []
    for h in hyps:  # ‖X‖_F = 0 ⇒ X = 0, for the Frobenius norms of the hypotheses
        fros: list = []
        _spectral(h.lhs, fros)
        _spectral(h.rhs, fros)
        out += [Instance("frobenius-zero", (sp.Matrix(M),)) for k, M in fros if k == "fro"]
    steps, split = trajectory
    for S, D, G, side in split:   # S_i = D_i G: ‖S_i‖ ≤ ‖D_i‖‖G‖, ‖D_i‖ = maxⱼ|dⱼ|, and each dⱼ = σ′(zⱼ) bounded
        out.append(Instance("submultiplicative", (D, G) if side == "left" else (G, D)))
        out.append(Instance("diagonal-norm", (D,)))
        th, lg = _activation_args(D.diagonal())
        out += [Instance("tanh-derivative", (sp.Matrix([[z]]),)) for z in th]
        out += [Instance("logistic-derivative", (sp.Matrix([[z]]),)) for z in lg]
    pool = _unique(list(steps) + givens + targets)   # the steps first: ∂h_t/∂h_k = S_t ⋯ S_{k+1} is found first
    targets = [T for T in targets if T.shape != (1, 1) or isinstance(step, Limit) or all(M.shape == (1, 1)
                                                                                        for M in pool)]
    for T in targets:   # T = F₁F₂⋯F_k with factors from the pool: ‖F₁ ⋯ F_k‖ ≤ ‖F₁‖‖F₂ ⋯ F_k‖ ≤ …
        factors = factorization(T, [M for M in pool if not _same(M, T)])
        for i in range(len(factors or ()) - 1):
            rest = factors[i + 1]
            for F in factors[i + 2:]:
                rest = rest * F
            out.append(Instance("submultiplicative", (factors[i], rest)))
    for T in targets:   # T = Q M or M Q with Q orthogonal: ‖T‖₂ = ‖M‖₂
        for Q in [sp.Matrix(Q) for Q in orthogonal] + [sp.Matrix(Q).T for Q in orthogonal]:   # Qᵀ is orthogonal too
            for M in pool:
                if Q.is_square and Q.cols == M.rows and _same(Q * M, T):
                    out.append(Instance("orthogonal-invariance", (Q, M)))
                if Q.is_square and M.cols == Q.rows and _same(M * Q, T):
                    out.append(Instance("orthogonal-invariance-right", (M, Q)))
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


def _products(steps: list) -> list:
    """Every product S_j ⋯ S_i (i ≤ j) of consecutive step Jacobians [S_1, …, S_t]: the ∂h_j/∂h_{i−1}."""
    out = []
    for i in range(len(steps)):
        P = steps[i]
        out.append(P)
        for S in steps[i + 1:]:
            P = S * P
            out.append(P)
    return out


def _bounded_above(step) -> list:
    """The matrices M of the ‖M‖₂ on the smaller side of an inequality step (lhs of ≤ or <, rhs of ≥ or >);
    [] for a limit, an equality or a ≠."""
    from ..relations import Relation

    if not isinstance(step, Relation) or step.op not in ("<=", "<", ">=", ">"):
        return []
    found: list = []
    _spectral(step.lhs if step.op in ("<=", "<") else step.rhs, found)
    return [M for kind, M in found if kind == "norm2"]


def bounds_a_trajectory(step, steps: list) -> bool:
    """Whether ``step`` bounds from above the ‖·‖₂ of a product of the model's consecutive step Jacobians
    (‖∂h_t/∂h_k‖₂ ≤ …, or … ≥ ‖∂h_t/∂h_k‖₂), the claim's matrix being such a product exactly: the step a chain
    along the trajectory (submultiplicativity, ‖diag(d)‖₂ = maxᵢ|dᵢ|, the activation's derivative bound) is
    made for. Only the order in which the engine tries its proofs depends on it; the kernel decides."""
    mats = _bounded_above(step)
    if not mats or not steps:
        return False
    products = _products([sp.Matrix(S) for S in steps])
    return any(sp.Matrix(M).shape == P.shape and _same(sp.Matrix(M), P) for M in mats for P in products)


def chains(claim, size: dict, label: str, *, budget: float, trajectory_only: bool = False):
    """(the finder's values, [LemmaChain, …] in the order to try) for step ``label`` at ``size``; ([], …) when the
    check does not run on symbols. ``trajectory_only``: ([], …) unless the claim is on a one-state model and the
    step bounds the norm of a product of its step Jacobians from above (:func:`bounds_a_trajectory`)."""
    if trajectory_only and (getattr(claim, "model", None) is None or len(claim.model.state) != 1):
        return {}, []
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
    if trajectory_only and not _bounded_above(step):   # (before the model is differentiated: cheap)
        return {}, []
    try:
        trajectory = step_factors(claim, size, values)
    except Exception:  # noqa: BLE001  (a model the finder cannot differentiate here: no trajectory instances)
        trajectory = ((), ())
    if trajectory_only and not (trajectory[1] and bounds_a_trajectory(step, trajectory[0])):
        return {}, []
    insts = tuple(instances(values, step, hyps, trajectory, tuple(getattr(syms, "orthogonal", ()))))
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


#: candidates of the search looked through for a witness of the premises
WITNESS_CANDIDATES = 64


def witness(claim, size: dict, seed: int = 0) -> dict | None:
    """A point of the claim's domain where every hypothesis holds, decided exactly (the kernel decides it again):
    the first of the search's candidates that is one, or None. A claim that assumes nothing needs none."""
    from ..kernel.decide import decide
    from ..search import draw_candidates, hypotheses_plausible

    evaluate = claim.evaluator(size)
    for values in draw_candidates(claim.given, size, seed, WITNESS_CANDIDATES):
        try:
            _, hyps = evaluate(values)
            if hypotheses_plausible(hyps) and all(decide(h, want=True).value is True for h in hyps):
                return values
        except Exception:  # noqa: BLE001  (a candidate the check cannot evaluate)
            continue
    return None


def _plausible(claim, size: dict, label: str, point: dict | None, conclusion: str | None) -> bool:
    """Does the limit lemma's side condition hold at the witness, in floats? (a guide: a side condition false at a
    point of the premises cannot be proved, so its chain is not handed to the kernel; the kernel decides the others)"""
    import numpy as np

    from ..kernel.decide import relations_of
    from ..relations import Limit, _float_matrix

    if conclusion is None or point is None:
        return True
    try:
        out, _ = claim.evaluator(size)(point)
        step = dict(relations_of(out))[label]
        if not isinstance(step, Limit):
            return True
        M = _float_matrix(step.seq.M)
        if conclusion == "fixed-point":
            X0 = _float_matrix(step.seq.X0)
            return bool(np.linalg.norm(M @ X0 - X0) <= 1e-9 * (1 + np.linalg.norm(X0)))
        norm = float(np.linalg.norm(M, 2))
        rho = float(max(abs(np.linalg.eigvals(M))))
    except Exception:  # noqa: BLE001
        return True
    tol = 1e-9
    return {"contraction": norm < 1 - tol, "nonexpansive": norm <= 1 + tol, "spectral-decay": rho < 1 - tol,
            "spectral-growth": rho > 1 + tol}.get(conclusion, True)


def prove_by_lemmas(claim, size: dict, label: str, *, budget: float = 2.0):
    """(the kernel's Proved token, method, detail) for step ``label`` by the first lemma chain the kernel accepts,
    or None. Only the kernel makes the token (kernel/lemmas.py: accept_chain)."""
    values, found = chains(claim, size, label, budget=max(budget, MIN_BUDGET))
    return _first_accepted(claim, size, label, values, found)


def prove_trajectory_first(claim, size: dict, label: str, *, budget: float = 2.0) -> tuple[bool, tuple | None]:
    """(whether a chain along the trajectory was tried, what :func:`prove_by_lemmas` returns) for a step that
    bounds ‖∂h_j/∂h_i‖₂ from above on a one-state model (:func:`bounds_a_trajectory`); (False, None) for any other
    step, at the cost of running the check once on symbols. The engine asks this before the general solvers' sentence:
    the chain is found by factoring the claim's Jacobian, and the kernel accepts it in about a second, where the
    solvers' sentence on the same step runs out its budget at n = 2."""
    values, found = chains(claim, size, label, budget=max(budget, MIN_BUDGET), trajectory_only=True)
    if not found:
        return False, None
    return True, _first_accepted(claim, size, label, values, found)


def _first_accepted(claim, size: dict, label: str, values: dict, found: list):
    from ..kernel.lemmas import accept_chain

    if not found:
        return None
    point = witness(claim, size)
    tried = []
    for chain in found:
        if not _plausible(claim, size, label, point, chain.conclusion):
            tried.append(f"{chain.conclusion}: its side condition fails at the witness (in floats)")
            continue
        token, why = accept_chain(claim, size, label, chain, values, witness=point)
        if token is not None:
            return token, why, f"the kernel's own goal follows from {chain.describe()}"
        tried.append(f"{chain.conclusion or 'the step'}: {why}")
    return None
