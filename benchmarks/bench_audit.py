"""The full audit of the shipped proof files, timed: target under 60 s on the 2-core CI machine.

Run: ``python benchmarks/bench_audit.py``. Writes its section of benchmarks/RESULTS.md
(between the ``audit`` markers) and prints it.
"""
from __future__ import annotations

import platform
import time
from collections import Counter
from pathlib import Path

from symderiv.claims import collect, shipped_proofs
from symderiv.engine import run
from results_section import write_section

HERE = Path(__file__).resolve().parent


def main() -> str:
    t0 = time.perf_counter()
    col = collect([shipped_proofs()])
    results = run(col, list(col.items))
    wall = time.perf_counter() - t0
    by_paper: dict = {}
    for r in results:
        if r.members:
            continue
        paper = r.id.split(".")[0]
        by_paper.setdefault(paper, []).append(r)
    rows = []
    for paper, rs in by_paper.items():
        verdicts = Counter(r.verdict.value for r in rs)
        rows.append(f"| {paper} | {len(rs)} | {sum(r.seconds for r in rs):.1f} | "
                    + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())) + " |")
    slow = sorted((r for r in results if not r.members), key=lambda r: -r.seconds)[:5]
    text = "\n".join([
        "<!-- audit -->",
        "## Full audit of the shipped proof files",
        "",
        f"`python benchmarks/bench_audit.py` on {platform.machine()}, {time.strftime('%Y-%m-%d')}: "
        f"**{wall:.1f} s** wall for {len(results)} results (target: under 60 s on 2 cores).",
        "",
        "| paper | claims (without group rows) | engine s | verdicts |",
        "|---|---|---|---|",
        *rows,
        "",
        "Slowest: " + ", ".join(f"{r.id} {r.seconds:.1f} s" for r in slow) + ".",
        "<!-- /audit -->",
    ])
    return write_section("audit", text)


if __name__ == "__main__":
    main()
