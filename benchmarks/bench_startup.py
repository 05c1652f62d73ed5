"""What `symderiv --help` (and loading the pytest plugin) costs above a bare interpreter.

Run: ``python benchmarks/bench_startup.py [--runs N]`` (``BENCH_ROOT=DIR``: the symderiv in DIR instead). Each command runs in a
fresh interpreter N times (in turn with a bare ``python -c pass``, so drift in the machine's speed hits both);
reported are the medians of wall time and of CPU time (user + system of the child, from the OS), and the
difference to the bare interpreter. Target (issue 11.3): ``symderiv --help`` under 0.15 s above ``python -c pass``.
On a shared machine the wall time includes waiting for a core: the CPU time is the steadier figure.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "symderiv --help": [sys.executable, "-c", "import sys; sys.argv = ['symderiv', '--help']; "
                                              "from symderiv.cli import main; main()"],
    "import symderiv.pytest_plugin": [sys.executable, "-c", "import symderiv.pytest_plugin"],
    "import symderiv (a proof file's import, SymPy included)": [sys.executable, "-c", "from symderiv import claim"],
}


def once(cmd: list[str]) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": os.environ.get("BENCH_ROOT", str(ROOT))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # not from the repository root: `python -c` puts the cwd first on sys.path
    subprocess.run(cmd, env=env, cwd=tempfile.gettempdir(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    runs = ap.parse_args().runs
    samples = {name: [] for name in COMMANDS}
    for name, cmd in COMMANDS.items():
        once(cmd)  # warm-up (file system caches)
    for _ in range(runs):
        for name, cmd in COMMANDS.items():
            samples[name].append(once(cmd))
    base_wall = statistics.median(w for w, _ in samples["python -c pass"])
    base_cpu = statistics.median(c for _, c in samples["python -c pass"])
    print(f"{runs} runs each, medians; machine load {os.getloadavg()[0]:.1f}")
    print("| command | wall s | above bare | CPU s | above bare |")
    print("|---|---|---|---|---|")
    for name in COMMANDS:
        wall = statistics.median(w for w, _ in samples[name])
        cpu = statistics.median(c for _, c in samples[name])
        print(f"| `{name}` | {wall:.3f} | {wall - base_wall:+.3f} | {cpu:.3f} | {cpu - base_cpu:+.3f} |")


if __name__ == "__main__":
    main()
