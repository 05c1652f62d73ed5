"""The rich terminal report: the summary table, step tables and counterexample panels."""
from __future__ import annotations

from rich.console import Group as RGroup
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..results import Result, Verdict
from .common import reproduce_command, summary_line
from .evidence import Kind, describe

#: a step's or a size's own verdict (no expectation attaches to it)
STYLE = {Verdict.HOLDS: "green", Verdict.FAILS: "red", Verdict.UNDECIDED: "yellow", Verdict.ERROR: "magenta"}


def outcome_style(r: Result) -> str:
    """Colour tells the outcome, not the verdict: as expected green (an expected ``fails`` too), a verdict that
    differs red, an error that was not expected magenta. A reviewer scanning for problems sees only those."""
    if r.as_expected:
        return "green"
    return "magenta" if r.verdict == Verdict.ERROR else "red"


def _verdict_text(r: Result) -> Text:
    t = Text(r.verdict.value, style=f"bold {outcome_style(r)}")
    exp = r.wanted
    if r.as_expected:
        t.append(" ✓", style="dim")
    else:
        t.append(f" (expected {exp.value})", style="bold")
    if r.proof_reach:   # how far the verdict reaches: the sizes proved, the sizes only searched
        t.append("\n" + r.proof_reach.replace("; ", "\n"), style="dim")
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
    """The counterexample as mathematics, rendered from :func:`.evidence.describe` (as every format is)."""
    ev = describe(r)
    lines = Text()
    lines.append(f"{r.id}", style="bold")
    lines.append(f"  ({r.where}; {r.source})\n")
    lines.append(f"statement: {r.statement}\n")
    if r.conventions:
        lines.append("conventions: " + "; ".join(f"{k}: {v}" for k, v in r.conventions.items()) + "\n")
    point_shown = False
    for ln in ev.lines:
        if ln.kind == Kind.POINT and not point_shown:
            point_shown = True
            lines.append("point (exact" + ("; · = does not enter" if ev.uses_dot else "") + "):\n")
        if ln.kind == Kind.WHY:
            lines.append(f"why it fails: {ln.text}\n", style="bold")
        elif ln.kind == Kind.CERTIFICATE:
            lines.append(f"certificate: {ln.text}\n", style="dim")
        else:
            lines.append(TERMINAL_PREFIX.get(ln.kind, "") + ln.text + "\n")
    lines.append(f"reproduce: {reproduce_command(r, meta or {})}")
    return Panel(lines, title=f"[red]counterexample: {r.id}", expand=True)


#: how the terminal panel introduces each kind of line
TERMINAL_PREFIX = {Kind.SIZE: "smallest size: ", Kind.SIGMA: "witness ", Kind.LOSS: "witness loss ", Kind.POINT: "  ", Kind.SIDE: "  ",
                   Kind.HYPOTHESIS: "  hypothesis ", Kind.STEP: "failing step: ", Kind.LIMIT: "  ",
                   Kind.CURVE: "  ", Kind.DIFFERS: "  "}


def steps_table(r: Result) -> Table:
    table = Table(title=f"{r.id}: step by step", expand=True, show_header=True)
    table.add_column("step", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("evidence", overflow="fold")
    for step in r.steps:
        verdict = Verdict(step.verdict)
        table.add_row(step.label, Text(verdict.value, style=STYLE[verdict]), step.detail)
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
    line, well = summary_line(results, errors)
    parts.append(Text(line, style="bold green" if well else "bold red"))
    return RGroup(*parts)
