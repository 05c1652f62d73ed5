"""The every-n lift (issue 20): what it costs per claim, and where it decides; model claims for every n and t.

Run: ``python benchmarks/bench_every_n.py`` (in-process, no cache). For every
free-variable identity of the shipped proof files (the Matrix Cookbook page and
the trace identities) it times the whole check (``check_claim``: the sweep,
then the lift) and the lift's own phase, and records the size the lift decided
at, the degree and the verdict's reach; then the small-size traps of
tests/test_every_n.py with an unfixed sweep (the lift decides them false above
their size). Writes the ``everyn`` section of benchmarks/RESULTS.md. Not a
timed test: the figures are from the shared machine and vary with its load.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FILES = [ROOT / "proofs" / "examples" / name for name in ("matrix_cookbook.py", "trace_identities.py",
                                                          "theorem1_every_n.py")]


def _row(cid: str, claim) -> str:
    from symderiv.engine import check_claim
    from symderiv.results import Phase

    w0, c0 = time.perf_counter(), time.process_time()
    r = check_claim(claim)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    lift = r.phases.get(Phase.EVERY_N, 0.0)
    tail = r.scope.split("; ", 1)[1] if "; " in r.scope else ""
    at = tail.split("decided exactly at ")[1].split(" and re-decided")[0] if "decided exactly at" in tail else "—"
    reach = "every n" if r.every_n else (tail.split(": ", 1)[1][:70] if tail.startswith("not lifted") else "—")
    return f"| {cid} | {r.verdict.value} | {reach} | {at} | {wall:.2f} | {cpu:.2f} | {lift:.2f} |"


def _sizes(size) -> str:
    return ", ".join(f"{k} = {v}" for k, v in (size or {}).items()) or "—"


def main() -> str:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT / "tests"))
    os.environ["SYMDERIV_NO_CACHE"] = "1"
    from results_section import write_section

    from symderiv.claims import Claim, collect

    rows = []
    col = collect(FILES)
    for cid, item in col.items.items():
        if isinstance(item, Claim):
            rows.append(_row(cid, item))
            print(rows[-1], flush=True)
    from test_every_n import SMALL_ONLY, free  # the traps, with an unfixed sweep

    for name, (variables, n, check) in SMALL_ONLY.items():
        rows.append(_row(f"trap: {name} (sweep n = {', '.join(map(str, n))})", free(check, variables, n=n)))
        print(rows[-1], flush=True)
    model_rows = []
    from symderiv import every_n
    from symderiv.engine import check_claim
    from symderiv.results import Phase

    col = collect([ROOT / "proofs" / "pal2019.py", ROOT / "proofs" / "cs6180.py", ROOT / "proofs" / "avram2025.py",
                   ROOT / "proofs" / "examples" / "goodfellow_bptt.py", ROOT / "proofs" / "examples" / "lstm_gradient.py"])
    for cid in ("pal2019.theorem1.corrected", "pal2019.lemma2.corrected", "pal2019.lemma1",
                "cs6180.jacobian-powers.product", "cs6180.jacobian-powers.corrected",
                "avram2025.jacobian-product.desc-product", "goodfellow.eq10-21",
                # an LSTM's (h, c) block recursion, one block row each (several states: issue 20, multi-state step)
                "examples.lstm.step.dh-dh0", "examples.lstm.step.dc-dc0", "examples.lstm.step.dh-dWf"):
        claim = col.items[cid]
        w0, c0 = time.perf_counter(), time.process_time()
        r = check_claim(claim)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        w1 = time.perf_counter()
        out = every_n.lift_induction(claim, 1)
        alone = time.perf_counter() - w1
        reach = "every n and every t" if r.every_n and r.every_t else "every t (n ≤ 3)" if r.every_t else "—"
        why = "" if out.lifted else f" ({out.scope.split(': ', 1)[-1][:70]})"
        base = f"deg {out.base.degree}, {_sizes(out.base.size)}" if out.base else "—"
        step = f"deg {out.step.degree}, {_sizes(out.step.size)}" if out.step else "—"
        model_rows.append(f"| {cid} | {r.verdict.value} | {reach}{why} | {base} | {step} | {wall:.2f} | {cpu:.2f} | "
                          f"{r.phases.get(Phase.EVERY_N, 0.0):.2f} | {alone:.2f} |")
        print(model_rows[-1], flush=True)
    load = os.getloadavg()[0]
    text = "\n".join([
        "<!-- everyn -->",
        "## For every n: the lift of free-variable identities (issue 20)",
        "",
        f"`python benchmarks/bench_every_n.py`, {time.strftime('%Y-%m-%d')}, in-process, no cache, on the shared "
        f"2-core machine (load average {load:.1f} when it ended: the figures vary with the load). Seconds: the whole "
        "check (the sweep, then the lift) in wall and CPU time, and the lift's own phase (`every n`: tracing, "
        "the consistency probe at n = 2, the decision at the threshold size, the kernel's recount and "
        "re-decision). 'at' is where the lift decided, with the threshold (the most index classes of a diagram).",
        "",
        "| claim | verdict | reach (or why not lifted) | at | s wall | s CPU | lift s |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Model claims for every n and every t (the engine, no flag): the whole check (the sweep, the induction at "
        "n ≤ 3, then the every-n lift of its base and step), wall and CPU seconds, the lift's own phase inside it, "
        "and `every_n.lift_induction` alone (tracing base and step, the kernel's decision at each threshold). "
        "base/step: the degree of its diagrams and the size decided at. The examples.lstm.step rows are a cell with "
        "two states (h, c): one block row of the step's block Jacobian, the other state's truth at t − 1 free.",
        "",
        "| claim | verdict | reach (or why not lifted) | base | step | s wall | s CPU | lift s | lift alone s |",
        "|---|---|---|---|---|---|---|---|---|",
        *model_rows,
        "<!-- /everyn -->",
    ])
    return write_section("everyn", text)


if __name__ == "__main__":
    main()
