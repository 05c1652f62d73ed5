"""The rich terminal report: the summary table, step tables and counterexample panels."""
from __future__ import annotations

from rich.console import Group as RGroup
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..results import Result, Verdict
from .common import matrix_text, point_matrices, reproduce_command, sparkline, tally

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


def counterexample_panel(r: Result, meta: dict | None = None) -> Panel:
    c = r.counterexample
    lines = Text()
    lines.append(f"{r.id}", style="bold")
    lines.append(f"  ({r.where}; {r.source})\n")
    lines.append(f"statement: {r.statement}\n")
    if r.conventions:
        lines.append("conventions: " + "; ".join(f"{k}: {v}" for k, v in r.conventions.items()) + "\n")
    lines.append("smallest size: " + ", ".join(f"{k} = {v}" for k, v in c.size.items()) + "\n")
    if c.sigma is not None:
        from ..functions import PolynomialSigma

        lines.append(f"witness σ: {PolynomialSigma(tuple(c.sigma))}  (any σ must satisfy an all-σ claim)\n")
    if getattr(c, "loss", None) is not None:
        lines.append(f"witness loss: {c.witness_loss}  (any loss must satisfy an all-loss claim)\n")
    lines.append("point (exact; · = does not enter):\n")
    for name, rows in point_matrices(c.point):
        lines.append(f"  {name} = [{matrix_text(rows)}]\n")
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
    lines.append(f"certificate: {r.certificate}\n", style="dim")
    lines.append(f"reproduce: {reproduce_command(r, meta or {})}")
    return Panel(lines, title=f"[red]counterexample: {r.id}", expand=True)


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
            parts.append(counterexample_panel(r, meta))
    for r in results:
        if r.verdict == Verdict.ERROR and not r.members:
            parts.append(Text(f"error in {r.id} ({r.source}): {r.error}", style="magenta"))
    for path, cause in errors:
        parts.append(Text(f"proof file error: {path}: {cause}", style="bold magenta"))
    tail, off = tally(results)
    parts.append(Text(f"{len(results)} claims: {tail}; " + (f"{len(off)} not as expected: {', '.join(off)}"
                                                             if off else "every verdict as expected"),
                      style="bold red" if off else "bold green"))
    return RGroup(*parts)
