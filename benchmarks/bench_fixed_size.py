"""Issue 21.4 and 21.6: refutation at the size a claim fixes, and one F_p trial against the float64 floor.

Run: ``python benchmarks/bench_fixed_size.py`` (``--tanh``: only tanh/logistic claims at n = 32, t = 64, refuted
in arb balls, into their own section "fixedtanh"; ``--lstm``: only the LSTM files at n = 8, t = 16, issue 21.5, into
their own section "lstm24"; ``--floor``: only the F_p trial against the float64 floor). Each case in a fresh
subprocess (fork): wall time of the
whole ``check_claim`` and its peak resident memory (``resource.getrusage``'s ru_maxrss of that process,
imports included), for claims declared at ``sweep(n=(32,), t=(64,), fixed=("n", "t"))`` (the false ones are
certified at n = 32, t = 64 by the kernel's forward mode over ℤ/p, kernel/modular.py), then one F_p trial
of corrected Theorem 1 at (64, 256) against bench_scale.py's float64 floor of the same matrix work, side by
side in the same run (best of 3 each). Writes its section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import multiprocessing as mp
import platform
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def _cases():
    from tests.test_fixed_size import FALSE, TRUE

    return {f"false: {k}": v for k, v in FALSE.items()} | {f"true: {k}": v for k, v in TRUE.items()}


def _child(conn, name, n, t):
    from symderiv.engine import check_claim
    from tests.test_fixed_size import _claim

    check, size = _cases()[name]
    size = {"n": n, "t": t} if size["n"] >= 16 else {"n": 8, "t": t}  # dh/dW: n² directions; n = 8 there
    t0 = time.perf_counter()
    r = check_claim(_claim(check, size))
    secs = time.perf_counter() - t0
    at = r.counterexample.size if r.counterexample else None
    conn.send((r.verdict.value, secs, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, size, at))


def _tanh_cases():
    from tests.test_fixed_size_tanh import FALSE, TRUE

    return {f"false: {k}": v for k, v in FALSE.items()} | {f"true: {k}": v for k, v in TRUE.items()}


def _tanh_child(conn, name, n, t):
    """One tanh/logistic case of tests/test_fixed_size_tanh.py at (n, t) (the LSTM at its own n, t too)."""
    from symderiv.engine import check_claim
    from tests.test_fixed_size_tanh import _claim

    check, size, kw = _tanh_cases()[name]
    size = {"n": n, "t": t}
    t0 = time.perf_counter()
    r = check_claim(_claim(check, size, **kw))
    secs = time.perf_counter() - t0
    c = r.counterexample
    at = c.size if c else None
    conn.send((r.verdict.value, secs, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, size, at,
               getattr(c, "precision", None) if c else None,
               {k.value if hasattr(k, "value") else str(k): v for k, v in r.phases.items()}))


def one(name, n, t, limit=600, target=None):
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=target or _child, args=(child, name, n, t))
    p.start()
    if parent.poll(limit):
        got = parent.recv()
        p.join()
        return got
    p.kill()
    p.join()
    return None


def _fp_trial_python_flint(n, t):
    """The same F_p trial with fp/raw.py off: every residue read and written through python-flint's own objects
    (what a trial did before raw.py, and what it does where raw.py's probe fails)."""
    import bench_scale as b
    from symderiv.fp import raw

    with raw.off():
        b.METHODS["fp-trial"](n, t)


def fp_floor_runs(n=64, t=256, repeats=3, python_flint=False) -> dict:
    """One F_p trial of corrected Theorem 1 (bench_scale.py's ``fp-trial``) and its float64 floor, interleaved,
    ``repeats`` times each: per method the wall times (perf_counter) and the CPU times of this process
    (process_time: what the machine's other jobs take from a run's wall time is not in it). ``python_flint``: the
    same trial with fp/raw.py off too ("fp-trial (python-flint)"), interleaved with the other two.

    The F_p trial's time includes a collection of the young generation right after it (``gc.collect(0)``): the
    trial pauses the cyclic collector while it runs, so whatever cyclic garbage it left would otherwise be collected
    at the next allocations, inside the float64 floor's time (it was, ~6 ms a run, before the trial freed its own
    values: tests/test_fp_fast.py). The floor's runs are timed as they always were."""
    import gc

    import bench_scale as b

    b._claim()
    import symderiv.fp  # noqa: F401
    b.METHODS["fp-trial"](n, t)  # warm: imports and first-call caches are not a trial's cost
    methods = {"fp-trial": b.METHODS["fp-trial"], "float64": b.METHODS["float64"]}
    if python_flint:
        _fp_trial_python_flint(n, t)
        methods = {"fp-trial": methods["fp-trial"], "fp-trial (python-flint)": _fp_trial_python_flint,
                   "float64": methods["float64"]}
    gc.collect()
    out = {key: {"wall": [], "cpu": []} for key in methods}
    for _ in range(repeats):
        for key, run in methods.items():
            w0, c0 = time.perf_counter(), time.process_time()
            run(n, t)
            if key != "float64":
                gc.collect(0)
            out[key]["cpu"].append(time.process_time() - c0)
            out[key]["wall"].append(time.perf_counter() - w0)
    return out


def fp_floor(n=64, t=256, repeats=3):
    """(best F_p wall time, best float64 wall time) of ``repeats`` interleaved runs."""
    runs = fp_floor_runs(n, t, repeats)
    return min(runs["fp-trial"]["wall"]), min(runs["float64"]["wall"])


LSTM_TARGETS = ("proofs/examples/lstm_gradient.py", "benchmarks/user_lstm.py", "benchmarks/user_lstm24.py")


def cli(target: str, n: int, t: int, m: int | None = None) -> tuple[float, dict, float]:
    """Wall time of ``symderiv check TARGET --n N --t T --no-cache --format json -j 2``, each claim's verdict, and the
    peak resident memory of the largest process of its tree (wait4's ru_maxrss: the CLI or a worker), in MB."""
    import json
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryFile("w+") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "symderiv", "check", target, "--n", str(n), "--t", str(t),
                                 *(("--m", str(m)) if m else ()), "--no-cache", "--format", "json", "-j", "2"],
                                stdout=out,
                                stderr=subprocess.DEVNULL, cwd=HERE.parent)
        _, _, usage = os.wait4(proc.pid, 0)
        secs = time.perf_counter() - t0
        proc.returncode = 0  # reaped by wait4
        out.seek(0)
        claims = json.load(out)["claims"]
    return secs, {c["id"]: (c["verdict"], c["seconds"], c["sizes"][0].get("kernel") or {}, c.get("as_expected"))
                  for c in claims}, usage.ru_maxrss / 1024


def _rechecked(k: dict) -> bool:
    """A holds whose every step the kernel re-checked itself (its acceptance trusts nothing)."""
    return bool(k.get("holds")) and not k.get("trusts")


def lstm_rows(targets=LSTM_TARGETS, n: int = 8, t: int = 16) -> tuple[list[str], dict]:
    """One table row per LSTM file at (n, t), and each file's claims (for a per-claim table)."""
    rows, per = [], {}
    for target in targets:
        secs, claims, mb = cli(target, n, t)
        per[target] = (secs, claims, mb)
        said = "; ".join(f"{cid.rsplit('.', 1)[1]} {v} {s:.2f} s" + (" (kernel re-checked)" if _rechecked(k) else "")
                         for cid, (v, s, k, _) in claims.items())
        rows.append(f"| `{target}` | {secs:.1f} s | {said} |")
        print(rows[-1], flush=True)
    return rows, per


def main():
    import symderiv.engine  # noqa: F401  (imported before forking)
    import symderiv.fp  # noqa: F401
    rows = []
    for name in _cases():
        got = one(name, 32, 64)
        if got is None:
            rows.append(f"| {name} | — | did not finish in 600 s | — | — |")
        else:
            verdict, secs, mb, size, at = got
            where = ", ".join(f"{k} = {v}" for k, v in size.items())
            cert = ", ".join(f"{k} = {v}" for k, v in at.items()) if at else "—"
            rows.append(f"| {name} | {where} | {verdict} in {secs:.2f} s | {mb:.0f} MB | {cert} |")
        print(rows[-1], flush=True)
    lstm, _ = lstm_rows()
    fp, fl = fp_floor()
    text = "\n".join([
        "<!-- fixedsize -->",
        "## Issue 21.4 / 21.6: refutation at the size a claim fixes; one F_p trial against the float64 floor",
        "",
        f"`python benchmarks/bench_fixed_size.py` ({platform.machine()}, {time.strftime('%Y-%m-%d')}, 2 cores shared "
        "with other jobs). Claims declared at `sweep(n=(N,), t=(T,), fixed=(\"n\", \"t\"))` "
        "(tests/test_fixed_size.py's classes), each `check_claim` in a fresh forked process: wall time, peak "
        "resident memory of that process (ru_maxrss, the parent's imports included), and the size the "
        "counterexample is certified at. Before this change the reversed product at n = 32, t = 64 was "
        "`undecided` after its budget in phase build at 4.5 GB (issue 21.4); at n = 8, t = 16 it took 29.7 s "
        "and 715 MB (a symbolic build and search at that size).",
        "",
        "| claim | size | verdict | peak RSS | certified at |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Issue 21.5, an LSTM at n = 8, t = 16 (`symderiv check TARGET --n 8 --t 16 --no-cache -j 2`, wall time of the "
        "process; benchmarks/user_lstm.py is a user's own @cell, Greff et al.'s LSTM with peepholes, 10 claims). "
        "Before this change, measured the same way on main in the same session: lstm_gradient.py 2.1 s (its holds "
        "trusted the F_p trials: n = 8 is beyond the exact model's reach), user_lstm.py 8.4 s, every verdict as "
        "expected; the issue's 24-claim file is not in the repository, so its `error` on F_p and its 120 s build "
        "were not reproduced. benchmarks/user_lstm24.py (24 claims, added later) has its own section, lstm24 (`--lstm`). "
        "Now a holds at n = 8, t = 16 is re-checked by the kernel over ℤ/p:",
        "",
        "| file | wall | per claim |",
        "|---|---|---|",
        *lstm,
        "",
        f"One F_p trial of corrected Theorem 1 at n = 64, t = 256 (bench_scale.py's `fp-trial`, target 1 bit, 1 "
        f"trial) against its float64 floor (`float64`: the same forward-mode truth and left-projected closed form "
        f"in NumPy), best of 3 each, in this run: F_p {fp:.3f} s, float64 {fl:.4f} s, ratio ×{fp / fl:.0f}. The "
        "goal of 10× (issue 21.6) is not met: this change does not touch the F_p trial's evaluation. Where its time goes (cProfile, one trial): the claim's own Python, not the field arithmetic: the transcription Σ_k Π_r diag(σ′) W builds t(t − 1)/2 = 32 640 factors, each through the guard's call wrapper (concrete.py, 99 458 guarded calls a trial), where the float64 floor shares prefixes in O(t).",
        "<!-- /fixedsize -->",
    ])
    from results_section import write_section

    write_section("fixedsize", text)


TANH_ROWS = ("false: tanh: reversed product", "false: tanh: a σ′ factor dropped", "false: logistic: reversed product",
             "false: tanh: W for Wᵀ in a loss gradient", "false: the cell's tanh: reversed product",
             "true: tanh", "true: logistic", "false: LSTM gates: the memory path dropped", "true: LSTM gates")


def tanh_only(n: int = 32, t: int = 64):
    """``--tanh``: claims with σ = tanh or the logistic function (or a cell's tanh/logistic gates) fixed at n = 32,
    t = 64, a false one refuted at that size in arb balls (kernel/balls.py), into their own section "fixedtanh"."""
    import symderiv.engine  # noqa: F401  (imported before forking)
    import symderiv.fp  # noqa: F401
    rows = []
    for name in TANH_ROWS:
        got = one(name, n, t, target=_tanh_child)
        if got is None:
            rows.append(f"| {name} | n = {n}, t = {t} | did not finish in 600 s | — | — | — |")
        else:
            verdict, secs, mb, size, at, bits, phases = got
            where = ", ".join(f"{k} = {v}" for k, v in size.items())
            cert = ", ".join(f"{k} = {v}" for k, v in at.items()) if at else "—"
            certify = phases.get("certify", 0.0)
            rows.append(f"| {name} | {where} | {verdict} in {secs:.2f} s (certify {certify:.2f} s) | {mb:.0f} MB | "
                        f"{cert} | {bits if bits else '—'} |")
        print(rows[-1], flush=True)
    from results_section import write_section

    write_section("fixedtanh", "\n".join([
        "<!-- fixedtanh -->",
        "## Issue 21.4 for tanh and the logistic function: refutation in arb balls at the size a claim fixes",
        "",
        f"`python benchmarks/bench_fixed_size.py --tanh` ({platform.machine()}, {time.strftime('%Y-%m-%d')}, 2 cores "
        "shared with other jobs). tests/test_fixed_size_tanh.py's classes declared at `sweep(n=(32,), t=(64,), "
        "fixed=(\"n\", \"t\"))`, each `check_claim` in a fresh forked process: wall time (and its certify phase), "
        "peak resident memory of that process (ru_maxrss, the parent's imports included: ≈ 95 MB before any claim), "
        "the size the counterexample is certified at and the working precision of its balls. Before this change "
        "every false one was `undecided` (\"no small size where the exact engine can certify it disagrees\"), "
        "in 0.1 s: σ = tanh has no value in ℤ/p. Now the kernel's forward mode runs in arb ball arithmetic at an "
        "exact dyadic point (kernel/balls.py); a ball of lhs − rhs that excludes 0 is the certificate, recomputed "
        "by the kernel at its precision (so the certify phase runs the check about twice, more when 128 bits do not "
        "separate). A derivative w.r.t. a state is one run with a batch of tangents (rows × D balls, as over ℤ/p); "
        "with one run per column instead (this branch before that, same machine, load ≈ 10) the Elman rows took "
        "3.3–5.4 s and the LSTM's dropped memory path 19–26 s.",
        "",
        "| claim | size | verdict | peak RSS | certified at | bits |",
        "|---|---|---|---|---|---|",
        *rows,
        "<!-- /fixedtanh -->",
    ]))


def floor_only(repeats: int = 21, runs: int = 3):
    """``--floor``: only the F_p trial against the float64 floor (issue 21.6): ``runs`` runs one after the other, each
    ``repeats`` interleaved repetitions of the F_p trial, the same trial with fp/raw.py off (python-flint's own
    path, what a trial did before it) and the float64 floor, after one warm-up of each; per run the medians of CPU
    and wall time and the load average before and after it, into its own section (the fixed-size section keeps
    its run)."""
    import os
    import statistics

    rows, ratios = [], []
    for i in range(runs):
        load0 = os.getloadavg()
        got = fp_floor_runs(repeats=repeats, python_flint=True)
        load1 = os.getloadavg()
        med = {k: {c: statistics.median(v[c]) for c in v} for k, v in got.items()}
        fp_, pf, fl = med["fp-trial"], med["fp-trial (python-flint)"], med["float64"]
        ratios.append(fp_["cpu"] / fl["cpu"])
        rows.append(f"| {i + 1} | {load0[0]:.1f} → {load1[0]:.1f} | {fp_['cpu'] * 1e3:.1f} ms | "
                    f"{pf['cpu'] * 1e3:.1f} ms | {fl['cpu'] * 1e3:.2f} ms | **×{fp_['cpu'] / fl['cpu']:.1f}** | "
                    f"×{pf['cpu'] / fl['cpu']:.1f} | ×{fp_['wall'] / fl['wall']:.1f} | ×{pf['wall'] / fl['wall']:.1f} |")
        print(rows[-1], flush=True)
    from results_section import write_section

    write_section("fpfloor", "\n".join([
        "<!-- fpfloor -->",
        "## Issue 21.6: one F_p trial against the float64 floor",
        "",
        f"`python benchmarks/bench_fixed_size.py --floor` ({platform.machine()}, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"2 cores shared with other jobs): {runs} runs one after the other in one process, each {repeats} interleaved "
        "repetitions of one F_p trial of corrected Theorem 1 at n = 64, t = 256 (bench_scale.py's `fp-trial`: target "
        "1 bit, 1 trial, the claim's own Python included), the same trial with symderiv/fp/raw.py off (every residue "
        "through python-flint's own objects, as before it), and the float64 floor (the same forward-mode truth and "
        "left-projected closed form in NumPy), after one warm-up of each. Medians per run; CPU time is this process's "
        "(`time.process_time`), which the other jobs' share of the cores does not inflate as it does wall time; the "
        "load average (1 min) before and after each run.",
        "",
        "| run | load | F_p trial CPU | raw.py off CPU | float64 floor CPU | ratio (CPU) | raw.py off (CPU) | "
        "ratio (wall) | raw.py off (wall) |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        (f"The goal of ×10 (issue 21.6) is met in each run by median CPU time (×{min(ratios):.1f}–×{max(ratios):.1f})."
         if max(ratios) <= 10 else f"The goal of ×10 (issue 21.6) is **not met** in every run by median CPU time "
         f"(×{min(ratios):.1f}–×{max(ratios):.1f})."),
        "",
        FLOOR_NOTES,
        "<!-- /fpfloor -->",
    ]))


#: what the fpfloor section says besides its run's numbers (the changes measured and the history)
FLOOR_NOTES = "\n".join([
    "What changed last (branch fp10; symderiv/fp/raw.py, tests/test_fp_raw.py): python-flint reads an `nmod_mat`'s "
    "entries one `nmod` object at a time (`entries()`, then `int` of each: ~25 µs for a state at n = 64, against "
    "~4 µs for FLINT's product of a 64 × 64 matrix by it) and builds a matrix from ints the same way. A trial reads "
    "every state for its σ tables and builds every σ(h) and diag(σ'(h)) from drawn ints. raw.py copies an `nmod_mat`'s "
    "array of words to and from Python ints in one call: a state read ~2 µs, σ(h) built ~3 µs (was ~7), diag(σ'(h)) "
    "written into the trial's scratch matrix ~2 µs (was ~8.7, 64 `M[i, i] = e`). It finds FLINT's `nmod_mat_struct` "
    "in python-flint's object by its values, checks reads and writes against python-flint's own `entries()` and "
    "constructor on first use, checks each matrix's dimensions and stride on every read and that every int written "
    "is a residue in [0, p), and otherwise takes python-flint's path (SYMDERIV_FP_RAW=0 too). The same residues, the "
    "same draws, the same bound, the same prime size and number of trials: tests/test_fp_raw.py compares both "
    "projected sides with raw.py on and off on 11 claims at random sizes and seeds, and reads and writes on any "
    "shape and modulus. The column *raw.py off* is that comparison timed, interleaved in the same run.",
    "",
    "Before, branch fpfast (this section's previous runs, one F_p trial against the floor, 21 interleaved runs): "
    "×13.2–13.9 by median CPU time before it, ×10.5–11.5 after it at load averages 7–11 (×10.6 at 7.3), short of the "
    "goal; it made the trial free its own values (no reference cycles left for the paused cyclic collector, which "
    "had run inside the floor's time), wrote diag(σ'(h)) into one scratch matrix per trial instead of a fresh 32 KB "
    "one per state, and copied the cached identity without SymPy's index re-check.",
    "",
    "The ratio depends on the load of this shared machine (the F_p trial is Python, allocation and cache heavy; "
    "the floor a few BLAS calls a step): in this session, by median CPU time over 21 interleaved runs, ×8.2 at load "
    "4.3 and ×8.5 at load 7 with raw.py (main before this branch: ×10.1 at load 0.6), ×9.6–9.9 at load 11.",
    "",
    "Where the rest goes (a CPU-time sampling profile of 150 trials at load ≈ 5, by the line running): Python, "
    "not arithmetic. FLINT's products ~10 % (5 matrix–vector products and 2 by diag(σ'(h)) a step); the σ and σ' "
    "tables ~14 % (the disjointness test, the update, the draws: a random function's values are looked up by "
    "residue); freeing a trial's values ~8 %; writing diag(σ'(h)) and building σ(h) ~8 %; the guard's call wrapper "
    "~3 %, the identity copies ~1 %; the rest is the tape, the lazy operators and the values' bookkeeping of "
    "degrees and heights, a few µs each. The same trial at n = 2, t = 256 (next to no FLINT work) takes ~20 ms of "
    "the ~30 ms at n = 64 (load ≈ 4).",
])


def lstm_only():
    """``--lstm``: only the LSTM files at n = 8, t = 16 (and the 24-claim file at t = 32), into their own section
    "lstm24" (issue 21.5; the fixed-size section keeps its run)."""
    rows, per = lstm_rows()
    secs, claims, mb = per["benchmarks/user_lstm24.py"]
    secs32, claims32, mb32 = cli("benchmarks/user_lstm24.py", 8, 32)
    secsm, claimsm, mbm = cli("benchmarks/user_lstm24.py", 8, 16, m=8)
    counts = lambda cs: ", ".join(f"{sum(v == w for v, *_ in cs.values())} {w}"
                                  for w in ("holds", "fails", "undecided", "error") if any(v == w for v, *_ in cs.values()))
    expected = lambda cs: all(e for *_, e in cs.values())
    table = [f"| `{cid.split('.', 2)[2]}` | {v} | {s:.2f} s | "
             + ("yes, over ℤ/p" if _rechecked(k) else "yes, its counterexample" if v == "fails" and k
                and k.get("holds") is False and not k.get("trusts") else "no: " + "; ".join(k.get("trusts") or ["no kernel acceptance"])) + " |"
             for cid, (v, s, k, _) in claims.items()]
    from results_section import write_section

    write_section("lstm24", "\n".join([
        "<!-- lstm24 -->",
        "## Issue 21.5: a user's own LSTM, 24 claims of Greff et al.'s BPTT, at n = 8, t = 16",
        "",
        f"`python benchmarks/bench_fixed_size.py --lstm` ({platform.machine()}, {time.strftime('%Y-%m-%d')}, 2 cores "
        "shared with other jobs): `symderiv check TARGET --n 8 --t 16 --no-cache --format json -j 2`, wall time of the "
        "process and the peak resident memory of the largest process of its tree (wait4). benchmarks/user_lstm24.py is "
        "the issue's 24-claim file (the cell of user_lstm.py, Greff et al. (2017)'s LSTM with peepholes written as an "
        "`@cell`; 16 true one-step and multi-step partials written from the paper's formulas, 8 slips).",
        "",
        f"- benchmarks/user_lstm24.py at n = 8, t = 16: **{secs:.1f} s** wall, {mb:.0f} MB; {counts(claims)}; "
        f"every verdict as expected: {'yes' if expected(claims) else 'NO'}.",
        f"- the same at n = 8, t = 32: {secs32:.1f} s wall, {mb32:.0f} MB; {counts(claims32)}; every verdict as "
        f"expected: {'yes' if expected(claims32) else 'NO'}.",
        f"- the same at n = 8, t = 16 with inputs of size m = 8 (`--m 8`; the sweep's m is 1, so ∂/∂vec(W_z) has n·m "
        f"columns): {secsm:.1f} s wall, {mbm:.0f} MB; {counts(claimsm)}; every verdict as expected: "
        f"{'yes' if expected(claimsm) else 'NO'}.",
        "- Before the change to symderiv/fp/evaluate.py (measured on this branch, same command, in the same session): "
        "107.4 s wall and 1115 MB (GNU time's maximum RSS), every verdict as expected, with dh-dh0 66.5 s, dc-dc0 "
        "63.1 s, dh-dWz 36.1 s, every other claim under 1 s. The three are block recursions (G_k = [[A, B], [C, D]] "
        "G_{k−1}) whose F_p trial applied the right-hand side's DAG to a row path by path, doubling with every step "
        "(dh-dh0: 0.50 s at t = 8, 0.98 s at t = 10, 2.5 s at t = 12); the left application is now a reverse "
        "accumulation, each shared node applied once to the sum of its rows (tests/test_fp_shared_dag.py).",
        "- The issue's report (`error` on F_p, 120 s budget exhausted in build, not finished in 15 minutes) was about "
        "a file that was never in the repository; with this file neither an `error` nor a budget exhaustion occurred "
        "at n = 8, t = 16 before the change either.",
        "- A fails is certified at the smallest size its F_p disagreement is reproduced at by the exact engine "
        "(n ≤ 2, t ≤ 2 here: the sweep does not fix n, t), its counterexample re-verified by the kernel.",
        "",
        "| claim (user.greff24.…) | verdict at n = 8, t = 16 | seconds | kernel re-checked |",
        "|---|---|---|---|",
        *table,
        "",
        "All three LSTM files at n = 8, t = 16, in this run:",
        "",
        "| file | wall | per claim |",
        "|---|---|---|",
        *rows,
        "<!-- /lstm24 -->",
    ]))


if __name__ == "__main__":
    if "--floor" in sys.argv:
        floor_only()
    elif "--tanh" in sys.argv:
        tanh_only()
    elif "--lstm" in sys.argv:
        lstm_only()
    else:
        main()
