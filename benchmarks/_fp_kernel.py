"""The measurement bench_fpabs.py and bench_fptrig.py share: F_p's decision of an identity at one size, then the
kernel's confirmation of it (kernel.confirm_identity with "the F_p trials" as what it would trust)."""
from __future__ import annotations

import time
from dataclasses import dataclass

from symderiv import fp, kernel


@dataclass
class Reach:
    fp_seconds: float
    fp: str                 # F_p's outcome (equal, trials, bits per trial, degree) or the exception it raised
    kernel_seconds: float   # wall
    kernel_cpu: float       # process CPU
    token: object           # the kernel's Proved, or None


def fp_then_kernel(claim, size: dict) -> Reach:
    t0 = time.perf_counter()
    try:
        out = fp.test_identity(claim, size, seed=1)
        fpw = f"equal={out.equal} trials={out.trials} bits/trial={out.bits_per_trial:.1f} D={out.degree}"
    except Exception as e:  # noqa: BLE001  (a benchmark reports what the decider raised)
        fpw = f"{type(e).__name__}: {str(e)[:60]}"
    t1, c1 = time.perf_counter(), time.process_time()
    tok, _ = kernel.confirm_identity(claim, size, seed=1, trusts="the F_p trials")
    return Reach(t1 - t0, fpw, time.perf_counter() - t1, time.process_time() - c1, tok)
