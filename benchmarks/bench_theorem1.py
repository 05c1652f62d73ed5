"""Time to decide the corrected Theorem 1 of pal2019 for all σ, by normal form and by simplify.

Run:  python benchmarks/bench_theorem1.py [--simplify-timeout 300]
Writes the table into benchmarks/RESULTS.md (section "Theorem 1"). Not a test:
these machines are shared and noisy, so numbers are recorded, never asserted.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import re
import time
from pathlib import Path

SIZES = [(2, 5), (3, 5)]
HERE = Path(__file__).resolve().parent


def sides(n, t):
    from symderiv.claims import collect

    col = collect([HERE.parent / "proofs" / "pal2019.py"])
    return col.items["pal2019.theorem1.corrected"].sides({"n": n, "t": t})


def normal_form(n, t, backend):
    from symderiv.identity import nonzero_entries

    t0 = time.perf_counter()
    lhs, rhs = sides(n, t)
    t1 = time.perf_counter()
    bad = nonzero_entries(lhs, rhs, backend)
    t2 = time.perf_counter()
    assert bad == [], "corrected Theorem 1 must hold"
    return t1 - t0, t2 - t1


def _simplify_worker(n, t, q):
    import sympy as sp

    lhs, rhs = sides(n, t)
    t0 = time.perf_counter()
    ok = all(sp.simplify(e) == 0 for e in (lhs - rhs))
    q.put((time.perf_counter() - t0, ok))


def simplify(n, t, timeout):
    q = mp.Queue()
    p = mp.Process(target=_simplify_worker, args=(n, t, q))
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.terminate()
        p.join()
        return None
    return q.get()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--simplify-timeout", type=float, default=300)
    args = ap.parse_args()
    rows = []
    for n, t in SIZES:
        build, se = normal_form(n, t, "symengine")
        _, sy = normal_form(n, t, "sympy")
        simp = simplify(n, t, args.simplify_timeout)
        simp_s = f"> {args.simplify_timeout:.0f} s (stopped)" if simp is None else f"{simp[0]:.1f} s"
        rows.append(f"| {n} | {t} | {build:.3f} | {se:.3f} | {build + se:.3f} | {sy:.3f} | {simp_s} |")
        print(rows[-1], flush=True)
    table = "\n".join([
        "## Theorem 1 (corrected), decided for all σ",
        "",
        f"`python benchmarks/bench_theorem1.py` on {platform.machine()}, {mp.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d')}. Seconds. *build*: the exact derivative of the unrolled model and "
        "the closed form (both sides); *decide*: the normal form of their difference. "
        "Target: n = 3, t = 5 decided (build + decide, SymEngine) in under 3 s.",
        "",
        "| n | t | build | decide (SymEngine) | total (SymEngine) | decide (SymPy expand) | sympy.simplify |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
    ])
    out = HERE / "RESULTS.md"
    text = out.read_text() if out.exists() else "# Benchmark results\n\n"
    text = re.sub(r"## Theorem 1 \(corrected\).*?(?=\n## |\Z)", "", text, flags=re.S).rstrip() + "\n\n" + table
    out.write_text(text)


if __name__ == "__main__":
    main()
