"""The prove phase, per relational claim and size: the method that decided it and its time.

Run: ``python benchmarks/bench_prove.py``. For every claim with ``prove=`` (the
shipped proof files and proofs/examples/), at n = 1 and 2 (or once, for a claim
without sizes), three configurations, so that the choice of method rests on a
measurement:

* **full**: lemma instances + SOS certificates, then z3 and cvc5 (what the engine runs);
* **solvers + lemmas**: no SOS certificates;
* **plain**: the plain encoding handed to z3 and cvc5 (no lemmas, no certificates).

Writes its section of benchmarks/RESULTS.md (between the ``prove`` markers) and
prints it. Times are wall-clock seconds on a shared machine: noisy.

``python benchmarks/bench_prove.py --audit [LABEL]`` measures what the audit runs instead: the full
configuration at the sizes in ``prove=`` only, each with its wall time and its CPU time (this process and the
solver children, ``time.process_time`` + ``RUSAGE_CHILDREN``), and writes the section ``prove-audit``
(``LABEL`` names the column, e.g. ``before`` when run with PYTHONPATH on another checkout; a column with
another label already in the section is kept, so that before and after sit side by side).
"""
from __future__ import annotations

import platform
import re
import resource
import sys
import time
from pathlib import Path

from symderiv.claims import Claim, collect, shipped_proofs
from symderiv.prove import Mark, prove_size
from results_section import write_section

HERE = Path(__file__).resolve().parent
CONFIGS = {"full": dict(budget=10), "solvers + lemmas": dict(use_sos=False, budget=10),
           "plain": dict(use_sos=False, lemmas=False, budget=10)}


def _cell(proof) -> str:
    if proof.why_not:
        return "not encoded"
    out = []
    for st in proof.steps.values():
        if st.mark == Mark.PROVED:
            m = "SOS (kernel)" if "SOS" in st.method else "z3 + cvc5 unsat"
            if "SOS" in st.method and "z3" in st.method:
                m = "SOS + z3/cvc5"
            out.append(f"proved, {m}")
        else:
            out.append("undecided")
    return "; ".join(dict.fromkeys(out))


def main(configs=tuple(CONFIGS)) -> str:
    paths = [shipped_proofs()]
    examples = Path(__file__).resolve().parents[1] / "proofs" / "examples"
    if examples.is_dir():
        paths.append(examples)
    col = collect(paths)
    rows = []
    for cid, c in col.items.items():
        if not isinstance(c, Claim) or not c.prove:
            continue
        sizes = [s for s in c.sizes.sizes() if s.get("n", 1) <= 2]
        for size in sizes:
            cells = []
            for name in configs:
                t0 = time.perf_counter()
                proof = prove_size(c, size, **CONFIGS[name])
                cells.append(f"{_cell(proof)} ({time.perf_counter() - t0:.1f} s)")
            where = f"n = {size['n']}" if "n" in size else "—"
            asked = "yes" if c.proves_at(size) else "no"
            rows.append(f"| {cid} | {where} | {asked} | " + " | ".join(cells) + " |")
            print(rows[-1], flush=True)
    text = "\n".join([
        "<!-- prove -->",
        "## Proving inequalities: method and time per claim and size",
        "",
        f"`python benchmarks/bench_prove.py` on {platform.machine()}, {time.strftime('%Y-%m-%d')}, each solver "
        "with a 10 s budget per sentence (an equality is two sentences), on a shared 2-core machine (noisy). "
        "'in prove=' says whether the claim asks for a proof at that size (the audit runs only those).",
        "",
        "| claim | size | in prove= | " + " | ".join(configs) + " |",
        "|---|---|---|" + "---|" * len(configs),
        *rows,
        "<!-- /prove -->",
    ])
    return write_section("prove", text)


def _cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def _end_children() -> None:
    from symderiv.prove import solvers

    close = getattr(solvers, "_close_children", None)   # absent before the warm children (main 5c63d7f)
    if close is not None:
        close()


def _claims():
    paths = [shipped_proofs()]
    examples = Path(__file__).resolve().parents[1] / "proofs" / "examples"
    if examples.is_dir():
        paths.append(examples)
    col = collect(paths)
    return [(cid, c) for cid, c in col.items.items() if isinstance(c, Claim) and c.prove]


def audit(label: str = "after") -> str:
    """The prove phase as the audit runs it: every claim at the sizes in prove=, wall and CPU seconds."""
    import importlib

    for mod in ("cvxpy", "clarabel", "scipy.sparse", "flint", "numpy"):   # what the audit's parent has imported
        try:                                                                # before it forks (runner._warm_prover)
            importlib.import_module(mod)
        except ImportError:
            pass
    measured: dict = {}
    for cid, c in _claims():
        for size in c.sizes.sizes():
            if not c.proves_at(size):
                continue
            t0, c0 = time.perf_counter(), _cpu()
            proof = prove_size(c, size)
            _end_children()   # a warm solver child's CPU counts once it is reaped (the audit: once per claim)
            wall, cpu = time.perf_counter() - t0, _cpu() - c0
            where = f"n = {size['n']}" if "n" in size else "—"
            measured[(cid, where)] = f"{_cell(proof)}; {wall:.2f} s wall, {cpu:.2f} s CPU"
            print(cid, where, measured[(cid, where)], flush=True)
    old = _read_audit()
    cols = [col for col in old.get("columns", []) if col != label] + [label]
    table = {k: dict(v) for k, v in old.get("rows", {}).items()}
    for key, cell in measured.items():
        table.setdefault(key, {})[label] = cell
    totals = dict(old.get("totals", {}))
    walls = [float(m.group(1)) for m in (re.search(r"([0-9.]+) s wall", v) for v in measured.values()) if m]
    cpus = [float(m.group(1)) for m in (re.search(r"([0-9.]+) s CPU", v) for v in measured.values()) if m]
    totals[label] = f"{sum(walls):.1f} s wall, {sum(cpus):.1f} s CPU"
    rows = [f"| {cid} | {where} | " + " | ".join(cells.get(col, "") for col in cols) + " |"
            for (cid, where), cells in table.items()]
    text = "\n".join([
        "<!-- prove-audit -->",
        "## The prove phase as the audit runs it (issue 11)",
        "",
        f"`python benchmarks/bench_prove.py --audit LABEL` on {platform.machine()}, {time.strftime('%Y-%m-%d')}: "
        "every claim at the sizes in its prove= (what `symderiv check` runs), the full configuration, in one "
        "process (so imports are paid once, as the audit's parent pays them before it forks). CPU is this "
        "process's plus the z3/cvc5 children's. The machine was shared with other engineers' runs while measured "
        "(2 cores, loaded): wall times are noisy, CPU times less so. Columns: "
        + "; ".join(f"**{col}**" for col in cols) + ".",
        "",
        "| claim | size | " + " | ".join(cols) + " |",
        "|---|---|" + "---|" * len(cols),
        *rows,
        "| **total** | | " + " | ".join(f"**{totals.get(col, '')}**" for col in cols) + " |",
        "<!-- /prove-audit -->",
    ])
    return write_section("prove-audit", text)




def _read_audit() -> dict:
    """The columns, rows and totals of the prove-audit section already in RESULTS.md (to keep other labels)."""
    from results_section import RESULTS

    text = RESULTS.read_text() if RESULTS.exists() else ""
    m = re.search(r"<!-- prove-audit -->(.*)<!-- /prove-audit -->", text, flags=re.S)
    if not m:
        return {}
    lines = [ln for ln in m.group(1).splitlines() if ln.startswith("| ")]
    if not lines:
        return {}
    cols = [c.strip() for c in lines[0].strip("|").split("|")][2:]
    rows, totals = {}, {}
    for ln in lines[1:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if cells[0] == "**total**":
            totals = {col: v.strip("*") for col, v in zip(cols, cells[2:])}
        else:
            rows[(cells[0], cells[1])] = dict(zip(cols, cells[2:]))
    return {"columns": cols, "rows": rows, "totals": totals}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--audit"]:
        audit(*(sys.argv[2:3] or ["after"]))
    else:
        main(tuple(sys.argv[1:]) or tuple(CONFIGS))
