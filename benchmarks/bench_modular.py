"""The kernel's re-check over ℤ/p at n = 32, t = 64 (issue 20's audit cold time; issue 19 item 2's cell losses).

Run: ``python benchmarks/bench_modular.py [--tree DIR] [--write]``. For each claim below, the CPU seconds of
``kernel.confirm_identity`` at its n = 32, t = 64 size (best of 3, each in a fresh subprocess so no table or
cache carries over), and whether its token re-checked the claim or names what it trusted; then the wall and
CPU time of ``symderiv check examples.lstm.dh-dh0 --no-cache -j 1`` (best of 3, the process and its workers).
``--tree DIR`` measures another checkout (its ``symderiv``; e.g. an archive of main, for the before column);
``--write`` puts the section "modloss" into benchmarks/RESULTS.md with the numbers given by ``--before FILE``
(a JSON written by an earlier ``--json FILE`` run on the other tree).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLAIMS = [
    ("examples.lstm.dh-dh0", "proofs/examples/lstm_gradient.py"),
    ("examples.lstm.dh-dh0-h-path-only", "proofs/examples/lstm_gradient.py"),
    ("goodfellow.eq10-21-n32", "proofs/examples/goodfellow_bptt.py"),
    ("goodfellow.eq10-21-any-loss-n32", "proofs/examples/goodfellow_bptt.py"),
    ("goodfellow.eq10-18-n32", "proofs/examples/goodfellow_softmax.py"),
    ("goodfellow.eq10-18-first-step-n32", "proofs/examples/goodfellow_softmax.py"),
    ("goodfellow.eq10-18.corrected-n32", "proofs/examples/goodfellow_softmax.py"),
]
ONE = """
import json, sys, time
from pathlib import Path
from symderiv.claims import collect
from symderiv import kernel
root, cid, f = sys.argv[1:4]
c = {c.id: c for c in collect([Path(root) / f]).claims()}[cid]
t0 = time.process_time()
assert Path(kernel.__file__).resolve().is_relative_to(Path(root).resolve()), kernel.__file__
tok, why = kernel.confirm_identity(c, {"n": 32, "t": 64}, trusts="the F_p trials")
cpu = time.process_time() - t0
print(json.dumps({"cpu": cpu, "token": tok is not None, "rechecked": tok is not None and not tok.trusts,
                  "why": why[:200]}))
"""


def _env(tree: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(tree)}


def kernel_times(tree: Path, repeat: int = 3) -> dict:
    out = {}
    for cid, f in CLAIMS:
        runs = [json.loads(subprocess.run([sys.executable, "-c", ONE, str(tree), cid, f], env=_env(tree), cwd=tree,
                                          capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
                for _ in range(repeat)]
        best = min(runs, key=lambda r: r["cpu"])
        out[cid] = best
        print(f"{cid}: {best['cpu']:.2f} s CPU, token {best['token']}, re-checked {best['rechecked']}", flush=True)
    return out


def audit_one(tree: Path, repeat: int = 3) -> dict:
    best = None
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "symderiv", "check", "examples.lstm.dh-dh0", "--no-cache", "-j", "1",
                        "-qq"], env=_env(tree), cwd=tree, capture_output=True, check=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if best is None or wall < best["wall"]:
            best = {"wall": wall, "cpu": cpu}
    print(f"symderiv check examples.lstm.dh-dh0 --no-cache -j 1: {best['wall']:.2f} s wall, {best['cpu']:.2f} s CPU")
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", type=Path, default=HERE.parent)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--before", type=Path)
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    res = {"kernel": kernel_times(a.tree.resolve()), "audit": audit_one(a.tree.resolve()),
           "load": os.getloadavg()[0]}
    if a.json:
        a.json.write_text(json.dumps(res))
    if a.write and a.before:
        sys.path.insert(0, str(HERE))
        from results_section import write_section

        old = json.loads(a.before.read_text())
        rows = ["| claim (n = 32, t = 64) | before: CPU s | before: kernel | after: CPU s | after: kernel |",
                "|---|---|---|---|---|"]
        word = lambda r: "re-checked" if r["rechecked"] else "trusted the F_p trials" if r["token"] else "no token"
        for cid, _ in CLAIMS:
            b, n = old["kernel"][cid], res["kernel"][cid]
            rows.append(f"| `{cid}` | {b['cpu']:.2f} | {word(b)} | {n['cpu']:.2f} | {word(n)} |")
        ob, nb = old["audit"], res["audit"]
        text = "\n".join([
            "<!-- modloss -->",
            "## Issue 19.2 / 20: the kernel's ℤ/p re-check, a cell's own loss and matrix-level forward mode",
            "",
            f"`python benchmarks/bench_modular.py` ({platform.machine()}, {time.strftime('%Y-%m-%d')}, 2 cores "
            f"shared with other jobs, load ≈ {old['load']:.1f} before / {res['load']:.1f} after): the CPU time of "
            "`kernel.confirm_identity` at n = 32, t = 64 (one trial over a fresh prime in [2⁶², 2⁶³), as the audit "
            "runs it), best of 3, each in a fresh process; before = main at a445b69, after = this branch.",
            "",
            *rows,
            "",
            f"`symderiv check examples.lstm.dh-dh0 --no-cache -j 1` (all its sizes: exact at n = 1, 3, F_p and the "
            f"kernel at n = 32, t = 64), best of 3: before {ob['wall']:.1f} s wall / {ob['cpu']:.1f} s CPU, after "
            f"{nb['wall']:.1f} s wall / {nb['cpu']:.1f} s CPU.",
            "",
            "What changed: a derivative w.r.t. a state is one run whose tangents are a batch (rows × D, seeded "
            "with the identity) instead of D runs (the LSTM's 8 192 one-step runs of its partials become 128, two "
            "per step, the four partials of a step sharing them); elementwise functions and products scale the "
            "batch's rows by one flint product; a run seeded at step j reuses the plain run's steps before j and, once a step's state carries no tangent, after it (the first-step claim's 32 columns no longer re-run 63 later steps each). Same prime "
            "size, trials and random draws: tests/test_modular_batch.py checks every shipped model claim's residues "
            "against the column-by-column run. The goodfellow claims with a cell's own loss were not re-checked "
            "before (`a cell's own loss is not replayed over ℤ/p`); now exp and log are random functions keeping "
            "e' = e and log' = 1/x there.",
            "<!-- /modloss -->",
        ])
        write_section("modloss", text)


if __name__ == "__main__":
    main()
