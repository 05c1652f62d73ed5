"""The prove phase, per relational claim and size: the method that decided it and its time.

Run: ``python benchmarks/bench_prove.py``. For every claim with ``prove=`` (the
shipped proof files and proofs/examples/), at n = 1 and 2 (or once, for a claim
without sizes), three configurations, so that the choice of method rests on a
measurement:

* **full**: lemma instances + SOS certificates, then z3 and cvc5 (what the engine runs);
* **solvers + lemmas**: no SOS certificates;
* **plain**: the plain encoding handed to z3 and cvc5 (no lemmas, no certificates).

Writes its section of benchmarks/RESULTS.md (between the ``prove`` markers) and
prints it. Times are wall-clock seconds on a shared machine: noisy.
"""
from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

from symderiv.claims import Claim, collect, shipped_proofs
from symderiv.prove import Mark, prove_size
from results_section import write_section

HERE = Path(__file__).resolve().parent
CONFIGS = {"full": dict(budget=10), "solvers + lemmas": dict(use_sos=False, budget=10),
           "plain": dict(use_sos=False, lemmas=False, budget=10)}


def _cell(proof) -> str:
    if proof.why_not:
        return "not encoded"
    out = []
    for st in proof.steps.values():
        if st.mark == Mark.PROVED:
            m = "SOS (kernel)" if "SOS" in st.method else "z3 + cvc5 unsat"
            if "SOS" in st.method and "z3" in st.method:
                m = "SOS + z3/cvc5"
            out.append(f"proved, {m}")
        else:
            out.append("undecided")
    return "; ".join(dict.fromkeys(out))


def main(configs=tuple(CONFIGS)) -> str:
    paths = [shipped_proofs()]
    examples = Path(__file__).resolve().parents[1] / "proofs" / "examples"
    if examples.is_dir():
        paths.append(examples)
    col = collect(paths)
    rows = []
    for cid, c in col.items.items():
        if not isinstance(c, Claim) or not c.prove:
            continue
        sizes = [s for s in c.sizes.sizes() if s.get("n", 1) <= 2]
        for size in sizes:
            cells = []
            for name in configs:
                t0 = time.perf_counter()
                proof = prove_size(c, size, **CONFIGS[name])
                cells.append(f"{_cell(proof)} ({time.perf_counter() - t0:.1f} s)")
            where = f"n = {size['n']}" if "n" in size else "—"
            asked = "yes" if c.proves_at(size) else "no"
            rows.append(f"| {cid} | {where} | {asked} | " + " | ".join(cells) + " |")
            print(rows[-1], flush=True)
    text = "\n".join([
        "<!-- prove -->",
        "## Proving inequalities: method and time per claim and size",
        "",
        f"`python benchmarks/bench_prove.py` on {platform.machine()}, {time.strftime('%Y-%m-%d')}, each solver "
        "with a 10 s budget per sentence (an equality is two sentences), on a shared 2-core machine (noisy). "
        "'in prove=' says whether the claim asks for a proof at that size (the audit runs only those).",
        "",
        "| claim | size | in prove= | " + " | ".join(configs) + " |",
        "|---|---|---|" + "---|" * len(configs),
        *rows,
        "<!-- /prove -->",
    ])
    return write_section("prove", text)


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or tuple(CONFIGS))
