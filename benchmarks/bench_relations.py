"""Issue 11, the relation share: search, certify and shrink of every inequality / limit claim, before and after.

Run: ``python benchmarks/bench_relations.py [--base REV] [--no-audit]``. It exports ``REV`` (default: the
commit before the speed-ups) with ``git archive`` and, for that tree and for this one, in a fresh interpreter:

* checks every relational claim of the shipped proof files in process, each engine phase timed in **CPU
  seconds** (the machine is shared: wall time is mostly other people's load), and compares verdicts, scopes,
  counterexamples and certificate texts between the two trees (they must be identical);
* runs the cold audit ``symderiv check -j 2 --no-cache`` (wall, and the CPU of the run and its workers).

Writes its section of benchmarks/RESULTS.md (between the ``relations-speed`` markers) and prints it.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_section import write_section

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MINE = ("search", "certify", "shrink")
BASE = "5c63d7f"  # main before the issue-11 relation work


def worker(out: str) -> None:
    """In the tree on PYTHONPATH: every relational claim, phases in CPU seconds."""
    import types

    import symderiv.engine as engine
    from symderiv.claims import Claim, collect, shipped_proofs

    engine.time = types.SimpleNamespace(perf_counter=time.process_time)  # the engine's phase clock: CPU
    col = collect([shipped_proofs()])
    res = {}
    for cid, c in col.items.items():
        if not isinstance(c, Claim) or not c.relational:
            continue
        t0 = time.perf_counter()
        r = engine.check_claim(c)
        res[cid] = dict(wall=time.perf_counter() - t0, cpu=r.seconds, verdict=r.verdict.value, scope=r.scope,
                        phases={str(getattr(k, "value", k)): v for k, v in r.phases.items()},
                        cx=r.counterexample.to_json() if r.counterexample else None, certificate=r.certificate)
    Path(out).write_text(json.dumps(res, indent=1, default=str))


def _run_worker(tree: Path) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    env = {**os.environ, "PYTHONPATH": str(tree), "SYMDERIV_NO_CACHE": "1"}
    subprocess.run([sys.executable, str(HERE / "bench_relations.py"), "--worker", out], env=env, check=True,
                   cwd=tree)
    return json.loads(Path(out).read_text())


def _audit(tree: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    proc = subprocess.run([sys.executable, "-m", "symderiv", "check", "-j", "2", "--no-cache", "-qq", "--json", out],
                          env=env, cwd=tree, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    claims = [c for c in json.loads(Path(out).read_text())["claims"] if not c.get("members")]
    phases: dict = {}
    for c in claims:
        for k, v in (c.get("phases") or {}).items():
            phases[k] = phases.get(k, 0.0) + v
    return dict(wall=wall, cpu=cpu, exit=proc.returncode, tally=proc.stdout.strip().splitlines()[-1:],
                engine=sum(c["seconds"] for c in claims), phases=phases)


def _mine(res: dict) -> dict:
    return {p: sum(r["phases"].get(p, 0.0) for r in res.values()) for p in MINE}


def main(base: str, audit: bool) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="bench_relations_"))
    archive = subprocess.run(["git", "archive", base], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    trees = {"before": tmp, "after": ROOT}
    load = os.getloadavg()[0]
    runs = {name: _run_worker(tree) for name, tree in trees.items()}
    same = [cid for cid in runs["before"] if all(runs["before"][cid][f] == runs["after"].get(cid, {}).get(f)
                                                for f in ("verdict", "scope", "cx", "certificate"))]
    sums = {name: _mine(r) for name, r in runs.items()}
    total = {name: sum(s.values()) for name, s in sums.items()}
    rows = []
    for cid in sorted(runs["before"], key=lambda c: -sum(runs["before"][c]["phases"].get(p, 0) for p in MINE))[:8]:
        b, a = (sum(runs[n][cid]["phases"].get(p, 0) for p in MINE) for n in ("before", "after"))
        rows.append(f"| {cid} | {b:.2f} | {a:.2f} |")
    lines = [
        "<!-- relations-speed -->",
        "## Issue 11, relation share: search, certify, shrink of the inequality and limit claims",
        "",
        f"`python benchmarks/bench_relations.py` on {platform.machine()}, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"**on a shared, loaded machine** (load average {load:.1f} on 2 cores at the start: wall times are "
        "mostly other people's load; the phase times below are CPU seconds, the engine's phase clock set to "
        f"`time.process_time`). Before: `{base}`; after: this tree.",
        "",
        f"All {len(runs['before'])} relational claims checked in process: **{total['before']:.1f} s → "
        f"{total['after']:.1f} s of CPU** in search + certify + shrink "
        f"({total['before'] / max(total['after'], 1e-9):.1f}×); "
        + ", ".join(f"{p} {sums['before'][p]:.1f} → {sums['after'][p]:.1f}" for p in MINE) + ". "
        f"Verdict, scope, counterexample and certificate text identical for {len(same)} of "
        f"{len(runs['before'])} claims.",
        "",
        "| claim (slowest before) | before, CPU s | after, CPU s |",
        "|---|---|---|",
        *rows,
    ]
    if audit:
        audits = {name: _audit(tree) for name, tree in trees.items()}
        lines += ["", "Cold audit `symderiv check -j 2 --no-cache` (every claim, other engineers' shares included):", ""]
        for name, a in audits.items():
            rel = sum(a["phases"].get(p, 0.0) for p in MINE)
            lines.append(f"- {name}: wall **{a['wall']:.1f} s**, CPU {a['cpu']:.1f} s (run and workers), summed "
                         f"per-claim engine time {a['engine']:.1f} s, of which search + certify + shrink {rel:.1f} s "
                         f"(wall, in loaded workers); exit {a['exit']}; {' '.join(a['tally'])}")
    lines.append("<!-- /relations-speed -->")
    return write_section("relations-speed", "\n".join(lines))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("--base", default=BASE)
    ap.add_argument("--no-audit", action="store_true")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker)
    else:
        main(args.base, not args.no_audit)
