"""Rendering results: a rich terminal report and a JSON document.

Rendering is apart from deciding: these functions take the engine's results
and never compute a verdict.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict

from rich.console import Group as RGroup
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .results import Result, Verdict

STYLE = {Verdict.HOLDS: "green", Verdict.FAILS: "red", Verdict.UNDECIDED: "yellow", Verdict.ERROR: "magenta"}


def _verdict_text(r: Result) -> Text:
    t = Text(r.verdict.value, style=f"bold {STYLE[r.verdict]}")
    exp = r.expected or Verdict.HOLDS
    if r.as_expected:
        t.append(" ✓", style="dim")
    else:
        t.append(f" (expected {exp.value})", style="bold")
    return t


def summary_table(results: list[Result]) -> Table:
    table = Table(title="symderiv audit", expand=True, show_lines=True)
    table.add_column("claim · where", overflow="fold", ratio=2)
    table.add_column("verdict", no_wrap=True)
    table.add_column("scope", overflow="fold", ratio=3)
    table.add_column("s", justify="right", no_wrap=True)
    for r in results:
        name = Text(("  " if r.group else "") + r.id, style="bold" if not r.group else "")
        name.append(f"\n{'  ' if r.group else ''}{r.where}", style="dim")
        scope = r.scope if not r.error or r.verdict != Verdict.ERROR else r.error
        table.add_row(name, _verdict_text(r), scope, f"{r.seconds:.2f}")
    return table


def point_matrices(point: dict) -> list[tuple[str, list[list[str]]]]:
    """Group a point's symbols ("W_R[0,1]": "1") into named matrices; unused entries are '·'."""
    grouped: dict = defaultdict(dict)
    for name, value in point.items():
        m = re.fullmatch(r"(.+)\[(\d+)(?:,(\d+))?\]", name)
        if not m:
            grouped[name][(0, 0)] = value
            continue
        grouped[m.group(1)][(int(m.group(2)), int(m.group(3) or 0))] = value
    out = []
    for name in sorted(grouped):
        cells = grouped[name]
        rows = max(i for i, _ in cells) + 1
        cols = max(j for _, j in cells) + 1
        out.append((name, [[cells.get((i, j), "·") for j in range(cols)] for i in range(rows)]))
    return out


def _matrix_text(rows: list[list[str]]) -> str:
    width = max(len(c) for row in rows for c in row)
    return "; ".join(" ".join(c.rjust(width) for c in row) for row in rows)


def counterexample_panel(r: Result) -> Panel:
    c = r.counterexample
    lines = Text()
    lines.append(f"{r.id}", style="bold")
    lines.append(f"  ({r.where}; {r.source})\n")
    lines.append(f"statement: {r.statement}\n")
    if r.conventions:
        lines.append("conventions: " + "; ".join(f"{k}: {v}" for k, v in r.conventions.items()) + "\n")
    lines.append("smallest size: " + ", ".join(f"{k} = {v}" for k, v in c.size.items()) + "\n")
    if c.sigma is not None:
        from .functions import PolynomialSigma

        lines.append(f"witness σ: {PolynomialSigma(tuple(c.sigma))}  (any σ must satisfy an all-σ claim)\n")
    lines.append("point (exact; · = does not enter):\n")
    for name, rows in point_matrices(c.point):
        lines.append(f"  {name} = [{_matrix_text(rows)}]\n")
    if c.kind == "identity":
        lines.append(f"entry {tuple(c.entry)}:  lhs = {c.lhs}   rhs = {c.rhs}\n")
    elif c.kind == "relation":
        lines.append(f"failing step: {c.step}\n  lhs = {c.lhs}  (≈ {c.lhs_approx})\n"
                     f"  rhs = {c.rhs}  (≈ {c.rhs_approx})\n")
    else:
        lines.append(f"failing step: {c.step}\n  {c.lhs}; claimed {c.rhs!r}\n"
                     f"  growth factor per period: {c.lhs_approx}   minimal polynomial: {c.rhs_approx}\n")
        if c.curve:
            lines.append(f"  ‖X_q‖, q = 0…{len(c.curve) - 1}: {sparkline(c.curve)}  "
                         f"({c.curve[0]:.3g} → {c.curve[-1]:.3g})\n")
    for note in c.notes:
        lines.append(f"  {note}\n", style="dim")
    lines.append(f"certificate: {r.certificate}", style="dim")
    return Panel(lines, title=f"[red]counterexample: {r.id}", expand=True)


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


def steps_table(r: Result) -> Table:
    table = Table(title=f"{r.id}: step by step", expand=True, show_header=True)
    table.add_column("step", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("evidence", overflow="fold")
    for label, verdict, detail in r.steps:
        table.add_row(label, Text(verdict, style=STYLE[Verdict(verdict)]), detail)
    return table


def render(results: list[Result], errors: list, meta: dict):
    """The whole report as one rich renderable."""
    parts = [Text(" · ".join(f"{k} {v}" for k, v in meta.items()), style="dim"), summary_table(results)]
    for r in results:
        if r.steps:
            parts.append(steps_table(r))
        if r.counterexample is not None and not r.members:
            parts.append(counterexample_panel(r))
    for r in results:
        if r.verdict == Verdict.ERROR and not r.members:
            parts.append(Text(f"error in {r.id} ({r.source}): {r.error}", style="magenta"))
    for path, cause in errors:
        parts.append(Text(f"proof file error: {path}: {cause}", style="bold magenta"))
    n = {v: sum(r.verdict == v for r in results) for v in Verdict}
    off = [r.id for r in results if not r.as_expected]
    tail = ", ".join(f"{n[v]} {v.value}" for v in Verdict if n[v])
    parts.append(Text(f"{len(results)} claims: {tail}; " + (f"{len(off)} not as expected: {', '.join(off)}"
                                                             if off else "every verdict as expected"),
                      style="bold red" if off else "bold green"))
    return RGroup(*parts)


def to_json(results: list[Result], errors: list, meta: dict) -> str:
    claims = []
    for r in results:
        claims.append({
            "id": r.id, "verdict": r.verdict.value, "expected": (r.expected or Verdict.HOLDS).value,
            "as_expected": r.as_expected, "source": r.source, "where": r.where, "statement": r.statement,
            "conventions": r.conventions, "scope": r.scope, "error": r.error,
            "counterexample": r.counterexample.to_json() if r.counterexample else None,
            "certificate": r.certificate or None, "seconds": round(r.seconds, 4),
            "sizes": [{"size": s.size, "status": s.status.value, "detail": s.detail} for s in r.sizes],
            "members": r.members, "group": r.group,
            "steps": [{"step": lab, "verdict": v, "detail": d} for lab, v, d in r.steps],
        })
    summary = {v.value: sum(r.verdict == v for r in results) for v in Verdict}
    summary["total"] = len(results)
    summary["not_as_expected"] = [r.id for r in results if not r.as_expected]
    summary["proof_file_errors"] = [{"path": p, "cause": c} for p, c in errors]
    return json.dumps({"meta": meta, "claims": claims, "summary": summary}, indent=2, ensure_ascii=False)
