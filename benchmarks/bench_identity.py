"""The identity claims, timed end to end (issue 14.10 and the identity share of issue 11).

Run: ``python benchmarks/bench_identity.py measure OUT.json`` (in-process, one claim after another, no cache):
the LSTM example's two claims at n = 3, t = 4 (exact backend) and every identity claim of the shipped proof
files at its own sizes, each with wall and CPU seconds and its phases. Run it once against the code before a
change (``PYTHONPATH=<old tree>``) and once after, then ``python benchmarks/bench_identity.py write BEFORE.json
AFTER.json`` writes the ``speedid`` section of benchmarks/RESULTS.md from the two.
"""
from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LSTM = HERE.parent / "proofs" / "examples" / "lstm_gradient.py"
#: the size issue 14.10 asks about
LSTM_SIZE = {"n": 3, "t": 4}


def _timed(claim, **kw) -> dict:
    from symderiv.engine import check_claim

    w0, c0 = time.perf_counter(), time.process_time()
    r = check_claim(claim, **kw)
    return {"verdict": r.verdict.value, "wall": time.perf_counter() - w0, "cpu": time.process_time() - c0,
            "phases": dict(r.phases or {}), "certificate": r.certificate, "scope": r.scope}


def _cli(cid: str) -> dict:
    """One LSTM claim through the CLI, under the CLI's 300 s budget (the slip ran out of it before)."""
    import os
    import resource
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        w0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "symderiv", "check", str(LSTM), cid, "--n", str(LSTM_SIZE["n"]),
                        "--t", str(LSTM_SIZE["t"]), "--backend", "symengine", "-j", "1", "--no-cache",
                        "--timeout", "300", "--json", str(out), "-qq"], env=os.environ, capture_output=True,
                       cwd=tmp)  # not this tree: ``-m`` puts the working directory before PYTHONPATH
        wall = time.perf_counter() - w0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = next(c for c in json.loads(out.read_text())["claims"] if c["id"] == cid)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"verdict": r["verdict"], "wall": wall, "cpu": cpu, "phases": r.get("phases") or {},
            "certificate": r.get("certificate") or "", "scope": r.get("scope") or ""}


def measure(out: str) -> None:
    from symderiv.claims import Claim, collect, shipped_proofs

    import symderiv

    data: dict = {"lstm": {}, "audit": {}, "code": str(Path(symderiv.__file__).parent)}
    for cid in ("examples.lstm.dh-dh0", "examples.lstm.dh-dh0-h-path-only"):
        data["lstm"][cid] = _cli(cid)
        print(cid, data["lstm"][cid], flush=True)
    col = collect([shipped_proofs()])
    for cid, item in col.items.items():
        if isinstance(item, Claim) and not item.relational:
            data["audit"][cid] = _timed(item)
    Path(out).write_text(json.dumps(data, indent=1, sort_keys=True))


def _sums(audit: dict) -> dict:
    tot: dict = defaultdict(float)
    for r in audit.values():
        tot["wall"] += r["wall"]
        tot["cpu"] += r["cpu"]
        for k, v in r["phases"].items():
            tot[k] += v
    return tot


def _cpu_without(data: dict, prefix: str) -> float:
    return sum(r["cpu"] for cid, r in data["audit"].items() if not cid.startswith(prefix))


def write(before_file: str, after_file: str) -> str:
    from results_section import write_section

    before, after = (json.loads(Path(f).read_text()) for f in (before_file, after_file))
    rows = []
    for cid, a in after["lstm"].items():
        b = before["lstm"].get(cid)
        shown = lambda r: (f"{r['verdict']}, {r['wall']:.1f} s wall / {r['cpu']:.1f} s CPU" if r else "—")
        rows.append(f"| {cid} | {shown(b)} | {shown(a)} |")
        rows[-1] += f" {a['certificate'] or a['scope']} |"
    sb, sa = _sums(before["audit"]), _sums(after["audit"])
    keys = sorted(set(sb) | set(sa), key=lambda k: -sb.get(k, 0.0))
    phase_rows = [f"| {k} | {sb.get(k, 0.0):.1f} | {sa.get(k, 0.0):.1f} |" for k in keys]
    changed = [cid for cid in after["audit"] if before["audit"].get(cid, {}).get("verdict") != after["audit"][cid]["verdict"]]
    slow = sorted(after["audit"], key=lambda c: -before["audit"].get(c, {"wall": 0})["wall"])[:8]
    slow_rows = [f"| {c} | {before['audit'][c]['wall']:.2f} | {after['audit'][c]['wall']:.2f} |" for c in slow
                 if c in before["audit"]]
    text = "\n".join([
        "<!-- speedid -->",
        "## Identity claims end to end: the LSTM slip at n = 3, t = 4 and the audit's identity claims",
        "",
        f"`python benchmarks/bench_identity.py measure …` before (PYTHONPATH=the old tree) and after, then "
        f"`… write`; {time.strftime('%Y-%m-%d')}, no cache, on the shared 2-core machine while other engineers' "
        "jobs ran (load average 1–5 during the LSTM rows, below 1 during the audit rows): the figures are "
        "noisy, CPU time is the steadier one; the integrator re-measures.",
        "",
        "| claim at n = 3, t = 4 (`symderiv check … --backend symengine -j 1 --no-cache`, 300 s budget; CPU "
        "includes the worker) | before | after | after: evidence |",
        "|---|---|---|---|",
        *rows,
        "",
        f"Every identity claim of the shipped proof files ({len(after['audit'])}), in-process, one after another, "
        "summed per phase, seconds (wall, CPU: the whole check_claim; the phases are wall). The proof files are "
        "each tree's own, so a claim whose sizes changed is counted at its own sizes; without the LSTM "
        f"example's claims: CPU {_cpu_without(before, 'examples.lstm'):.1f} s before, "
        f"{_cpu_without(after, 'examples.lstm'):.1f} s after.",
        "",
        "| phase | before | after |",
        "|---|---|---|",
        *phase_rows,
        "",
        f"Verdicts that changed: {', '.join(changed) if changed else 'none'}.",
        "",
        "| slowest before | before s | after s |",
        "|---|---|---|",
        *slow_rows,
        "<!-- /speedid -->",
    ])
    return write_section("speedid", text)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    if sys.argv[1:2] == ["measure"]:
        measure(sys.argv[2])
    elif sys.argv[1:2] == ["write"]:
        write(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
