"""Cost of the kernel's ℤ/p re-check of √, rational powers, sin and cos (branch fptrig, issue 19 items 2–3).

For each claim of tests/test_kernel_modular_functions.py named below and each size: F_p's decision (wall seconds,
trials, bits per trial, degree), the kernel's confirmation (one ℤ/p trial: random_check.MODULAR_TRIALS = 1; wall and
process CPU seconds, its token's degree E + 44·⌊H/62⌋ and whether it trusts anything), and the verdict of
``check_claim(backend="fp")`` at the two smaller sizes.
Run: PYTHONPATH=. python benchmarks/bench_fptrig.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_kernel_modular_functions import FALSE, FORGOTTEN, TRUE, make, sigma_cell  # noqa: E402

from _fp_kernel import fp_then_kernel  # noqa: E402

from symderiv.engine import check_claim  # noqa: E402
from symderiv.kernel import random_check  # noqa: E402
from symderiv.sizes import sweep  # noqa: E402

NAMES = [("true", TRUE, "sin cell: diag(cos z) W"), ("true", TRUE, "cos cell: diag(−sin z) W"),
         ("true", TRUE, "√ cell (sp.sqrt): diag(z/√(1 + z²)) W"), ("true", TRUE, "√ cell (**1/2): diag(z/√(1 + z²)) W"),
         ("true", TRUE, "(·)^(3/2) cell: diag(3z √(1 + z²)) W"), ("true", TRUE, "s^(−1/2) ⊙ s = √s"),
         ("false", FALSE, "sin cell: diag(−cos z) W"), ("false", FALSE, "√ cell (sp.sqrt): diag(1/√(1 + z²)) W"),
         ("forgot", {k: (sigma_cell, v) for k, v in FORGOTTEN.items()}, "sin² + cos² = 1")]
SIZES = [(16, 8), (32, 16), (64, 32)]

print(f"MODULAR_TRIALS = {random_check.MODULAR_TRIALS}")
for kind, table, name in NAMES:
    model, check = table[name]
    for n, t in SIZES:
        if name.startswith("(·)^(3/2)") and t > 16:
            continue  # h_t = s·√s doubles its degree each step: F_p's bound, not the reading, limits t
        size = {"n": n, "t": t}
        claim = make(check, model, sizes=sweep(n=(n,), t=(t,)))
        r0 = fp_then_kernel(claim, size)
        tok, t2 = r0.token, time.perf_counter()
        kw = "no token" if tok is None else (f"trusts nothing, degree {tok.degree}" if not tok.trusts
                                             else "TRUSTS " + tok.trusts[0][:60])
        if n > 32:
            verdict, t3 = "-", t2
        else:
            r = check_claim(claim, backend="fp")
            t3 = time.perf_counter()
            verdict = r.verdict.value + (" trusted=[]" if not r.trusted else f" trusted={len(r.trusted)}")
        print(f"{kind:6} | {name[:40]:40} | n={n:3} t={t:3} | fp {r0.fp_seconds:6.2f} s {r0.fp} | kernel "
              f"{r0.kernel_seconds:6.2f} s wall {r0.kernel_cpu:6.2f} s CPU {kw} | check {verdict} {t3 - t2:6.2f} s",
              flush=True)
