"""Lemma chains (issue 21.2): per shipped claim and size, the chain the kernel accepted and what it cost.

Run: ``python benchmarks/bench_lemma_chains.py``. For each claim a lemma chain proves (and each false reading
beside it), at the default prove sizes, it times the finder (prove/chains.py: the check on symbols, the instances,
a witness of the premises) and the kernel's acceptance (kernel/lemmas.py: its own reading, its own sentence, z3
and cvc5 through the oracle) together, as ``prove_by_lemmas`` runs them in the engine, and says how the goal was
accepted (a hypothesis as read: nothing trusted; or both solvers unsat on the kernel's sentence). Wall-clock
seconds on a shared machine: noisy. Writes the ``lemmachains`` section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import platform
import time

import symderiv.prove  # noqa: F401  (registers the solvers the kernel asks)
from symderiv.claims import collect, shipped_proofs
from symderiv.prove.chains import prove_by_lemmas
from results_section import write_section

TRUE = {"pal2019.theorem2.corrected": (1, 2), "pal2019.proof3.eta-to-zero": (1, 2),
        "cs6180.eigen-table.exploding": (1, 2, 3), "cs6180.eigen-table.vanishing": (1, 2, 3),
        "cs6180.eigen-table.oscillating": (1, 2, 3), "cs6180.eigen-table.corrected": (1, 2, 3),
        "pal2019.lemma3.corrected": (2, 3), "pal2019.proof4.epsilon": (2, 3),
        "avram2025.norm-product-equality.corrected": (1, 2), "avram2025.norm-bounds.upper": (1, 2),
        # trajectory bounds (proofs/examples/reach_trajectory.py) and orthogonal invariance
        "trajectory.tanh.t1": (1, 2), "trajectory.tanh.t2": (1, 2), "trajectory.logistic.t1": (1, 2),
        "trajectory.logistic.t2": (1, 2), "avram2025.polar-reduction.norm": (2,)}
FALSE = {"pal2019.theorem2.modulus": (2,), "pal2019.theorem2.signed": (1, 2), "cs6180.eigen-table.stable": (2,),
         "pal2019.theorem4": (2,), "pal2019.lemma3": (2,), "avram2025.norm-product-equality.norm-of-product": (2,),
         "avram2025.norm-bounds.lower": (2,), "trajectory.tanh.t2-gamma-99/100": (1, 2),
         "trajectory.tanh.t1-power-2": (1, 2), "trajectory.logistic.t1-gamma-1/5": (1, 2),
         "trajectory.logistic.t2-gamma-1/5": (1, 2)}


def _claim_sizes(claim, n: int) -> list[dict]:
    """The claim's own sizes at this n (its fixed t and m)."""
    return [s for s in claim.sizes.sizes() if s["n"] == n] or [{"n": n, "t": 1}]


def _sizes(cid: str, n: int) -> list[dict]:
    return [{"n": n, "t": t} for t in ((1, 2) if cid.startswith("avram2025") else (1,))]


def main() -> None:
    claims = {c.id: c for c in collect([shipped_proofs()]).claims()}
    rows = []
    for group, table in (("true", TRUE), ("false", FALSE)):
        for cid, ns in table.items():
            for n in ns:
                new = cid.startswith("trajectory.") or "polar" in cid
                for size in (_claim_sizes(claims[cid], n) if new else _sizes(cid, n)):
                    t0 = time.perf_counter()
                    got = prove_by_lemmas(claims[cid], size, "claim")
                    dt = time.perf_counter() - t0
                    if got is None:
                        how = "no chain accepted"
                    else:
                        lemmas = got[1].split(": ", 1)[1].split(";")[0] if ": " in got[1] else got[1]
                        how = ("hypothesis as read" if "hypotheses as the kernel reads" in got[1]
                               else "z3 + cvc5 unsat on the kernel's sentence") + f" [{lemmas[:90]}]"
                    where = ", ".join(f"{k} = {v}" for k, v in size.items())
                    rows.append(f"| {cid} | {group} | {where} | {'Proved' if got else '—'} | {dt:.2f} | {how} |")
    text = "\n".join([
        "<!-- lemmachains -->",
        "## Lemma chains (issue 21.2)",
        "",
        f"`python benchmarks/bench_lemma_chains.py` ({time.strftime('%Y-%m-%d %H:%M')}, {platform.machine()}, "
        "shared 2-core machine): finder + kernel per claim and size, wall seconds (the solvers' budget: 5 s each).",
        "",
        "| claim | reading | size | kernel | s | how |",
        "|---|---|---|---|---|---|",
        *rows,
        "<!-- /lemmachains -->",
    ])
    write_section("lemmachains", text)


if __name__ == "__main__":
    main()
