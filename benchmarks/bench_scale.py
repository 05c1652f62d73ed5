"""The ladder: corrected Theorem 1 (all σ) decided by every method, at growing (n, t).

Run: ``python benchmarks/bench_scale.py [--simplify] [--only fp,fp-trial]``. For each (n, t): wall time
and peak memory (tracemalloc) of

* ``sympy.simplify`` on lhs − rhs (with ``--simplify``; only where it finishes in 5 minutes),
* the SymPy normal form (``--backend sympy``), the SymEngine normal form,
* the randomized exact backend over F_p to error ≤ 2⁻⁶⁴, and one F_p trial,
* the float64 floor: one trial of the same projected evaluation (forward-mode
  truth, left-projected closed form with shared prefixes) in NumPy float64,

each also as a ratio to the floor of the same run. Each method runs in a
subprocess with a time limit, so one that does not finish is recorded as such.
Writes its section of benchmarks/RESULTS.md. ``--only`` re-measures the named
methods (and the float64 floor) and keeps the other columns' cells from the
section already there, saying so.
"""
from __future__ import annotations

import multiprocessing as mp
import platform
import re
import sys
import time
import tracemalloc
from pathlib import Path
from results_section import write_section

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

LADDER = [(2, 3), (2, 5), (3, 5), (4, 7), (5, 7), (8, 16), (16, 32), (32, 64), (64, 256), (128, 512)]
LIMITS = {"simplify": 300, "sympy": 120, "symengine": 120, "fp": 120, "fp-trial": 120, "float64": 120}
MAX_SIZE = {"simplify": (2, 5), "sympy": (3, 5), "symengine": (5, 7)}


_CLAIM = []


def _claim():
    """Collected once, in the parent, before any method is timed."""
    if not _CLAIM:
        from symderiv.claims import collect, shipped_proofs

        _CLAIM.append(collect([shipped_proofs() / "pal2019.py"]).items["pal2019.theorem1.corrected"])
    return _CLAIM[0]


def run_simplify(n, t):
    import sympy as sp

    lhs, rhs = _claim().sides({"n": n, "t": t})
    assert sp.simplify(lhs - rhs) == sp.zeros(*lhs.shape)


def run_normal_form(backend):
    def go(n, t):
        from symderiv.identity import nonzero_entries

        lhs, rhs = _claim().sides({"n": n, "t": t})
        assert not nonzero_entries(lhs, rhs, backend)
    return go


def run_fp(n, t):
    from symderiv import fp

    out = fp.test_identity(_claim(), {"n": n, "t": t})
    assert out.equal and out.error_bits >= 64


def run_fp_trial(n, t):
    from symderiv import fp

    out = fp.test_identity(_claim(), {"n": n, "t": t}, target_bits=1, max_trials=1)
    assert out.equal


def run_float64(n, t):
    """One trial of the same two sides in float64: forward-mode truth and left-projected closed form."""
    import numpy as np

    rng = np.random.default_rng(0)
    W, WI, b = rng.standard_normal((n, n)) / np.sqrt(n), rng.standard_normal((n, 1)), rng.standard_normal((n, 1))
    V, u = rng.standard_normal((n, n)), rng.standard_normal((1, n))
    h, dh = [rng.standard_normal((n, 1))], [np.zeros((n, 1))]
    for _ in range(t):
        x = rng.standard_normal((1, 1))
        s, ds = np.tanh(h[-1]), 1 - np.tanh(h[-1]) ** 2
        h.append(W @ s + WI @ x + b)
        dh.append(V @ s + W @ (ds * dh[-1]))
    lhs = (u @ dh[-1]).item()
    g, rhs = u.copy(), 0.0
    for k in range(t, 0, -1):  # Σ_k uᵀ Π_{r=k+1}^{t} W D_r (I ⊗ σ(h_{k-1})ᵀ) vec(V), prefixes shared
        rhs += (g.reshape(-1, 1) * np.tanh(h[k - 1]).reshape(1, -1)).ravel() @ V.ravel()
        g = (g @ W) * (1 - np.tanh(h[k - 1]) ** 2).reshape(1, -1)
    assert abs(lhs - rhs) <= 1e-6 * (1 + abs(lhs))


METHODS = {"simplify": run_simplify, "sympy": run_normal_form("sympy"), "symengine": run_normal_form("symengine"),
           "fp": run_fp, "fp-trial": run_fp_trial, "float64": run_float64}


def _child(conn, method, n, t, traced):
    if traced:  # a second run for memory: tracemalloc slows allocation-heavy code, so it is never timed
        tracemalloc.start()
    t0 = time.perf_counter()
    try:
        METHODS[method](n, t)
        ok = True
    except AssertionError:
        ok = False
    conn.send((ok, time.perf_counter() - t0, tracemalloc.get_traced_memory()[1] if traced else 0))


def _once(method, n, t, traced, limit):
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(child, method, n, t, traced))
    p.start()
    if parent.poll(limit):
        got = parent.recv()
        p.join()
        return got
    p.kill()
    p.join()
    return None


#: a run under this many seconds is timed this many times, and the fastest counts (the machine is shared)
REPEAT_UNDER, REPEATS = 10.0, 3


def measure(method, n, t):
    """Time (untraced; the best of 3 for short runs), then peak memory (a traced run, skipped over a minute)."""
    timed = _once(method, n, t, False, LIMITS[method])
    if timed is None:
        return {"ok": None, "s": None, "limit": LIMITS[method]}
    ok, secs, _ = timed
    if secs < REPEAT_UNDER:
        for _ in range(REPEATS - 1):
            again = _once(method, n, t, False, LIMITS[method])
            if again is not None:
                ok, secs = ok and again[0], min(secs, again[1])
    traced = _once(method, n, t, True, 3 * LIMITS[method]) if secs < 60 else None
    return {"ok": ok, "s": secs, "mb": None if traced is None else traced[2] / 2 ** 20}


def _old_cells() -> dict:
    """(n, t) -> {method: cell text} from the section already in RESULTS.md."""
    path = HERE / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    m = re.search(r"<!-- scale -->(.*?)<!-- /scale -->", text, flags=re.S)
    out: dict = {}
    for line in (m.group(1).splitlines() if m else []):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 + len(METHODS) and cells[0].isdigit():
            out[(int(cells[0]), int(cells[1]))] = dict(zip(METHODS, cells[2:]))
    return out


def main(with_simplify: bool, only: set | None = None) -> str:
    _claim()
    old = _old_cells() if only else {}
    if only:
        only = set(only) | {"float64"}
    import symderiv.fp  # noqa: F401  (imported before forking: not part of any timing)
    import symderiv.identity  # noqa: F401  (likewise)
    rows = []
    data = {}
    for n, t in LADDER:
        res = {}
        for method in METHODS:
            cap = MAX_SIZE.get(method)
            if method == "simplify" and not with_simplify:
                continue
            if only and method not in only:
                continue
            if cap and (n > cap[0] or t > cap[1]):
                continue
            res[method] = measure(method, n, t)
            print(n, t, method, res[method], flush=True)
        data[(n, t)] = res
        floor = res["float64"]["s"]

        def cell(m):
            r = res.get(m)
            if r is None:
                return old.get((n, t), {}).get(m, "—") if only else "—"
            if r["ok"] is None:
                return f"> {r['limit']} s"
            flag = "" if r["ok"] else " (wrong)"
            mem = "—" if r["mb"] is None else f"{r['mb']:.1f} MB"
            return f"{r['s']:.3g} s, {mem}, ×{r['s'] / floor:.1f}{flag}"

        rows.append(f"| {n} | {t} | " + " | ".join(cell(m) for m in METHODS) + " |")
    text = "\n".join([
        "<!-- scale -->",
        "## The ladder: corrected Theorem 1 for all σ, every method",
        "",
        f"`python benchmarks/bench_scale.py{' --simplify' if with_simplify else ''}"
        f"{' --only ' + ','.join(sorted(only)) if only else ''}` on {platform.machine()}, "
        f"2 cores, {time.strftime('%Y-%m-%d')}"
        + (f" (the other columns are kept from the previous full run)" if only else "") + ". Each cell: wall time (untraced run; runs under 10 s: the fastest of 3, the machine being shared), peak memory (a separate "
        "tracemalloc run; — for runs over a minute), and the ratio to the "
        "float64 floor of the same row (one trial of the same projected evaluation in NumPy float64). "
        "*fp*: randomized exact over F_p (a fresh random prime in [2⁶², 2⁶³) per trial) until the error bound "
        "is ≤ 2⁻⁶⁴; *fp trial*: one F_p trial. "
        "— : not run at that size (beyond where the method is practical); > N s: stopped at its limit.",
        "",
        "| n | t | sympy.simplify | SymPy normal form | SymEngine normal form | F_p (≤ 2⁻⁶⁴) | one F_p trial | "
        "float64 floor |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "<!-- /scale -->",
    ])
    return write_section("scale", text)


if __name__ == "__main__":
    only = None
    if "--only" in sys.argv:
        only = set(sys.argv[sys.argv.index("--only") + 1].split(","))
        unknown = only - set(METHODS)
        if unknown:
            sys.exit(f"--only: unknown methods {sorted(unknown)}; known: {', '.join(METHODS)}")
    main("--simplify" in sys.argv, only)
