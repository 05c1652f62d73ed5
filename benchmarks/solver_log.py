"""The audit's solver calls, from the log ``SYMDERIV_SOLVER_LOG=F symderiv check proofs …`` writes (prove/solvers.py
_log; issue 20.6, branch cpu11).

    python benchmarks/solver_log.py F

Prints the calls per solver and answer (count, the children's own CPU seconds), then every call not answered
sat/unsat (a stopped one excluded) with its claim, kind (who asked), budget, cut, units and CPU, and the sentences
asked more than once in one claim.
"""
from __future__ import annotations

import collections
import json
import sys


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        calls = [json.loads(line) for line in f if line.strip()]
    by = collections.defaultdict(lambda: [0, 0.0])
    for c in calls:
        stopped = c["why"].startswith("stopped")
        key = (c["solver"], c["status"], c["cut"] or ("stopped" if stopped else ""))
        by[key][0] += 1
        by[key][1] += c.get("cpu") or 0.0
    print(f"{len(calls)} calls, {sum(v[1] for v in by.values()):.1f} s of the solver children's own CPU")
    print("| solver | answer | cut | calls | CPU s |\n|---|---|---|---:|---:|")
    for (solver, status, cut), (n, cpu) in sorted(by.items()):
        print(f"| {solver} | {status} | {cut} | {n} | {cpu:.2f} |")
    print("\nnot decided (stopped excluded):")
    for c in calls:
        if c["status"] not in ("sat", "unsat") and not c["why"].startswith("stopped"):
            print(f"  {c['claim']} | {c['solver']} | {' <- '.join(c['kind'][:3])} | budget {c['budget']:g} s | "
                  f"cut {c['cut'] or '-'} | units {c['units']} | CPU {c.get('cpu')} s | {c['why'][:40]}")
    seen = collections.Counter((c["claim"], c["solver"], c["sha"]) for c in calls)
    dups = [(k, n) for k, n in seen.items() if n > 1]
    print(f"\nsentences asked again in the same claim: {len(dups)}")
    for (claim, solver, sha), n in dups:
        cpu = sum(c.get("cpu") or 0 for c in calls if (c["claim"], c["solver"], c["sha"]) == (claim, solver, sha))
        print(f"  {claim} {solver} {sha} ×{n} ({cpu:.2f} s in all)")


if __name__ == "__main__":
    main(sys.argv[1])
