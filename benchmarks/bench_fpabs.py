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

from test_fp_abs import FALSE, FEASIBLE_ONLY, TRUE, make  # noqa: E402

from symderiv import fp, kernel  # noqa: E402
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
        t0 = time.perf_counter()
        try:
            out = fp.test_identity(claim, size, seed=1)
            fpw = f"equal={out.equal} trials={out.trials} bits/trial={out.bits_per_trial:.1f} D={out.degree}"
        except Exception as e:  # noqa: BLE001
            fpw = f"{type(e).__name__}: {str(e)[:60]}"
        t1 = time.perf_counter()
        tok, why = kernel.confirm_identity(claim, size, seed=1, trusts="the F_p trials")
        t2 = time.perf_counter()
        kw = "no token" if tok is None else ("trusts nothing" if not tok.trusts else "TRUSTS " + tok.trusts[0][:40])
        if kind == "S²=1" or n > 32:
            verdict, t3 = "-", t2
        else:
            r = check_claim(claim, backend="fp")
            t3 = time.perf_counter()
            verdict = r.verdict.value
        print(f"{kind:5} | {name[:44]:44} | n={n:3} t={t:3} | fp {t1 - t0:6.2f} s {fpw} | kernel {t2 - t1:6.2f} s "
              f"{kw} | check {verdict} {t3 - t2:6.2f} s", flush=True)
