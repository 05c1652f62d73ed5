"""What every report format shares: the tally, the reproduce line (a witness is described in evidence.py).

Rendering is apart from deciding: nothing here computes a verdict.
"""
from __future__ import annotations

import shlex

from ..results import Result, Verdict


def claims_count(n: int) -> str:
    """'1 claim', '3 claims', 'no claims'."""
    return "no claims" if n == 0 else f"{n} claim" if n == 1 else f"{n} claims"


def summary_line(results: list[Result], errors: list) -> tuple[str, bool]:
    """The report's last line, and whether all is well: the verdicts' tally, the proof files that failed to
    import (counted, and each named with its cause), and the ids whose verdict is not the expected one."""
    tail, off = tally(results)
    text = claims_count(len(results)) + (f": {tail}" if tail else "")
    if errors:
        text += f"; {len(errors)} proof file error{'s' if len(errors) != 1 else ''} (" + "; ".join(
            f"{path}: {first_line(cause)}" for path, cause in errors) + ")"
    if off:
        text += f"; {len(off)} not as expected: {', '.join(off)}"
    elif not errors:
        text += "; every verdict as expected"
    return text, not (off or errors)


def tally(results: list[Result]) -> tuple[str, list[str]]:
    """("38 holds, 44 fails, …", the ids whose verdict is not the expected one)."""
    n = {v: sum(r.verdict == v for r in results) for v in Verdict}
    reaches = [reach(r) for r in results if r.verdict == Verdict.HOLDS]
    text = {v: f"{n[v]} {v.value}" for v in Verdict}
    if any(x != SHOWN for x in reaches):  # for every n / t is counted apart from holds at the sizes shown
        text[Verdict.HOLDS] += " (" + ", ".join(
            f"{k} {'at the sizes shown' if x == SHOWN else 'for ' + x}" for x in REACHES
            if (k := reaches.count(x)) or x == SHOWN) + ")"
    return ", ".join(text[v] for v in Verdict if n[v]), [r.id for r in results if not r.as_expected]


#: how far a `holds` reaches, widest first
REACHES = ("every n and every t", "every n", "every t", "the sizes shown")
SHOWN = REACHES[-1]


def reach(r: Result) -> str:
    """How far a result's `holds` reaches: every n (the lift) and/or every t (induction), or the sizes shown;
    '' for another verdict."""
    if r.verdict != Verdict.HOLDS:
        return ""
    return REACHES[0] if r.every_n and r.every_t else REACHES[1] if r.every_n else REACHES[2] if r.every_t \
        else SHOWN


def split_location(where: str) -> tuple[str, int]:
    """A proof-file error's ``path:line`` (or bare path: line 1) as (path, line)."""
    file, _, line = str(where).rpartition(":")
    return (file, int(line)) if line.isdigit() and file else (str(where), 1)


def reproduce_command(r: Result, meta: dict) -> str:
    """The one command that finds this counterexample again."""
    c = r.counterexample
    parts = ["symderiv", "check", r.id, "--seed", str(meta.get("seed", 0))]
    file = r.source.rpartition(":")[0]
    if "/" in file:  # a proof file outside the default folder: the command names it
        import shlex

        parts.insert(2, shlex.quote(file))
    if c is not None and c.size:
        for dim in ("n", "t", "m"):   # every dimension the CLI takes (a cell's input size m too)
            if dim in c.size:
                parts += [f"--{dim}", str(c.size[dim])]
    if meta.get("backend", "auto") != "auto":
        parts += ["--backend", meta["backend"]]
    return " ".join(parts)


def _proof_file(r: Result) -> list[str]:
    """The proof file's path, when ``symderiv check ID`` run here would not collect it (not in the default folder)."""
    if not r.path:
        return []
    from pathlib import Path

    from ..claims import default_target

    try:
        default = default_target().resolve()
    except Exception:  # no default folder at all: name the file
        return [shlex.quote(r.path)]
    return [] if Path(r.path).resolve().parent == default else [shlex.quote(r.path)]


def first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def sparkline(values) -> str:
    """A one-line chart of a curve on a log scale (floats: a picture of the evidence, not the evidence)."""
    import math

    bars = "▁▂▃▄▅▆▇█"
    logs = [math.log10(v) if v > 0 else None for v in values]
    finite = [x for x in logs if x is not None]
    if not finite:
        return "·" * len(values)
    lo, hi = min(finite), max(finite)
    span = (hi - lo) or 1.0
    return "".join("·" if x is None else bars[min(7, int((x - lo) / span * 7.999))] for x in logs)
