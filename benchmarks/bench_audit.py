"""The full audit of the shipped proof files, as CI runs it: cold, warm, and with a fresh worker per claim.

Targets (issue 11): the cold audit ``symderiv check -j 2 --no-cache`` under 20 s on the 2-core machine; a re-run
with nothing changed (every verdict from the cache) under 3 s.

Run: ``python benchmarks/bench_audit.py [--runs K]``. Each run is the CLI in a fresh interpreter, from a scratch
copy of ``proofs/`` (so the repository's own cache is neither read nor written); wall seconds and the CPU seconds
of the process and its workers (``RUSAGE_CHILDREN``). Writes its section of benchmarks/RESULTS.md (between the
``audit`` markers) and prints it.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from results_section import write_section

ROOT = Path(__file__).resolve().parent.parent


def _timed(args: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "symderiv", *args], cwd=cwd, capture_output=True, text=True,
                       env=dict(os.environ, NO_COLOR="1", PYTHONPATH=str(ROOT)))
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        raise SystemExit(f"symderiv {' '.join(args)} exited {p.returncode}:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return wall, cpu, p


def main(runs: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "proofs", work / "proofs")
        cold, isolated, warm = [], [], []
        report = None
        for _ in range(runs):
            shutil.rmtree(work / ".symderiv_cache", ignore_errors=True)
            w, c, p = _timed(["check", "proofs", "-j", "2", "--cache-clear", "--format", "json"], work)
            cold.append((w, c))
            report = json.loads(p.stdout)
            warm.append(_timed(["check", "proofs", "-j", "2", "-q"], work)[:2])
            isolated.append(_timed(["check", "proofs", "-j", "2", "--no-cache", "--isolate", "-q"], work)[:2])
    med = lambda xs, i: statistics.median(x[i] for x in xs)
    claims = [c for c in report["claims"] if not c.get("members")]
    by_paper: dict = {}
    for c in claims:
        by_paper.setdefault(c["id"].split(".")[0], []).append(c)
    rows = [f"| {paper} | {len(cs)} | {sum(c['seconds'] for c in cs):.1f} | "
            + ", ".join(f"{k} {v}" for k, v in sorted(Counter(c["verdict"] for c in cs).items())) + " |"
            for paper, cs in by_paper.items()]
    slow = sorted(claims, key=lambda c: -c["seconds"])[:6]
    load = os.getloadavg()[0]
    text = "\n".join([
        "<!-- audit -->",
        "## The full audit, as CI runs it (issue 11: cold under 20 s with -j 2, re-run under 3 s)",
        "",
        f"`python benchmarks/bench_audit.py --runs {runs}` on {platform.machine()}, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, load average {load:.1f} at the end; medians of {runs} run(s). "
        f"{len(report['claims'])} results, every verdict as expected. CPU: the CLI process and its workers.",
        "",
        "| run | wall s | CPU s |",
        "|---|---|---|",
        f"| cold: `symderiv check proofs -j 2 --cache-clear` (every claim checked, each in a fresh fork of a warm "
        f"worker) "
        f"| **{med(cold, 0):.1f}** | "
        f"{med(cold, 1):.1f} |",
        f"| cold, `--isolate` (a fresh worker per claim as well) | {med(isolated, 0):.1f} | {med(isolated, 1):.1f} |",
        f"| re-run, nothing changed (every verdict from `.symderiv_cache/`) | **{med(warm, 0):.1f}** | "
        f"{med(warm, 1):.1f} |",
        "",
        "| paper | claims (without group rows) | engine s (cold) | verdicts |",
        "|---|---|---|---|",
        *rows,
        "",
        "Slowest (cold): " + ", ".join(f"{c['id']} {c['seconds']:.1f} s" for c in slow) + ".",
        "<!-- /audit -->",
    ])
    return write_section("audit", text)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1)
    main(ap.parse_args().runs)
