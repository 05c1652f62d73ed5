"""Reach and cost of |·|, max and min over F_p and the kernel's ℤ/p re-check (branch fpabs, issue 19 item 3).

For each claim of tests/test_fp_abs.py named below and each size: the verdict of ``check_claim(backend="fp")``
(wall seconds), F_p's trials and error bits per trial, and whether the kernel's token trusts anything.
Run: PYTHONPATH=. python benchmarks/bench_fpabs.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_fp_abs import FALSE, FEASIBLE_ONLY, TRUE, make  # noqa: E402

from _fp_kernel import fp_then_kernel  # noqa: E402

from symderiv.engine import check_claim  # noqa: E402
from symderiv.sizes import sweep  # noqa: E402

NAMES = [("true", TRUE, "max(z, 0) + min(z, 0) = z"), ("true", TRUE, "ReLU: dh_t/dh_{t−1} = diag((1 + |z|/z)/2) W"),
         ("true", TRUE, "|σ(z)|·|σ(z)| = σ(z)²"), ("false", FALSE, "max(a, 0) = a"),
         ("false", FALSE, "ReLU Jacobian without the gate"),
         ("S²=1", FEASIBLE_ONLY, "|σ(z)| ⊙ |σ(z)| = σ(z)² (two values)")]
SIZES = [(16, 8), (32, 16), (64, 32)]

for kind, table, name in NAMES:
    model, check = table[name]
    for n, t in SIZES:
        size = {"n": n, "t": t}
        claim = make(check, model, sizes=sweep(n=(n,), t=(t,)))
        r0 = fp_then_kernel(claim, size)
        tok, t2 = r0.token, time.perf_counter()
        kw = "no token" if tok is None else ("trusts nothing" if not tok.trusts else "TRUSTS " + tok.trusts[0][:40])
        if kind == "S²=1" or n > 32:
            verdict, t3 = "-", t2
        else:
            r = check_claim(claim, backend="fp")
            t3 = time.perf_counter()
            verdict = r.verdict.value
        print(f"{kind:5} | {name[:44]:44} | n={n:3} t={t:3} | fp {r0.fp_seconds:6.2f} s {r0.fp} | kernel "
              f"{r0.kernel_seconds:6.2f} s {kw} | check {verdict} {t3 - t2:6.2f} s", flush=True)
