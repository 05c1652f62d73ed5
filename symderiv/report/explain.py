"""`symderiv explain ID`: one claim as transcribed, everything the engine found, and a worked counterexample."""
from __future__ import annotations

from rich.console import Group as RGroup
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..results import Result
from .common import reach, reproduce_command
from .evidence import Kind, describe
from .terminal import STYLE, outcome_style, steps_table


def explain(item, results: list[Result], meta: dict):
    """`symderiv explain ID`: the claim as transcribed and everything the engine found, in order."""
    import inspect

    from rich.syntax import Syntax

    by_id = {r.id: r for r in results}
    top = by_id[item.id]
    parts = [Text(f"{item.id}", style="bold"), Text(f"where: {item.where}   source: {top.source}"),
             Text(f"statement: {item.statement}")]
    conv = top.conventions or {}
    if conv:
        parts.append(Text("conventions: " + "; ".join(f"{k}: {v}" for k, v in conv.items())))
    check = getattr(item, "check", None)
    if check is not None:
        try:
            parts += [Text("as transcribed:", style="bold"),
                      Syntax(inspect.getsource(check).rstrip(), "python", theme="ansi_dark", line_numbers=False)]
        except (OSError, TypeError):
            pass
    parts.append(Text(f"verdict: {top.verdict.value} (expected {top.wanted.value})",
                      style=f"bold {outcome_style(top)}"))
    parts.append(Text(f"scope: {top.scope or top.error}"))
    if top.every_n or top.every_t:
        parts.append(argument(top))
    for mid in top.members:
        r = by_id.get(mid)
        if r is not None:
            parts.append(Text(f"  {mid}: {r.verdict.value} — {r.error or r.scope}"))
    if top.sizes:
        table = Table(title="each size", expand=True)
        for c in ("size", "result", "detail", "kernel", "s"):
            table.add_column(c, overflow="fold")
        for o in top.sizes:
            table.add_row(", ".join(f"{k} = {v}" for k, v in o.size.items()) or "—",
                          Text(o.status.value, style=STYLE[o.status]), o.detail, kernel_word(o), f"{o.seconds:.2f}")
        parts.append(table)
    if top.trusted:
        parts.append(Text("trusted (not re-checked by the kernel): " + "; ".join(top.trusted), style="yellow"))
    if top.steps:
        parts.append(steps_table(top))
    shown = top if top.counterexample is not None else next(
        (by_id[m] for m in top.members if m in by_id and by_id[m].counterexample is not None), None)
    if shown is not None:
        parts.append(worked_counterexample(shown, meta))
    return RGroup(*parts)


def kernel_word(o) -> str:
    """What the kernel said of one size (its typed :class:`~symderiv.results.Acceptance`), in a table cell."""
    k = o.kernel
    if k is None:
        return "—" if o.status.value in ("holds", "fails") else ""
    said = f"{'Proved' if k.holds else 'Refuted'} ({k.kind})"
    if k.trusts:
        return f"{said}; trusts {'; '.join(k.trusts)}"
    degree = k.degree if k.degree is not None else "D"
    return f"{said}; re-checked" + (f", error ≤ ({degree}·2^−{k.error_bits})^{k.trials}" if k.error_bits else "")


#: the verb of each step of a worked counterexample
VERB = {Kind.SIZE: "Take {}.", Kind.SIGMA: "Take the witness {}: the claim is for every σ, so this one must satisfy it.",
        Kind.LOSS: "Take the witness loss {}: the claim is for every loss, so this one must satisfy it.",
        Kind.POINT: "Set {}.", Kind.HYPOTHESIS: "Check the hypothesis {}.", Kind.ENTRY: "Look at {}.",
        Kind.STEP: "Decide the failing step '{}' exactly:", Kind.SIDE: "   {}", Kind.LIMIT: "   {}", Kind.CURVE: "   {}",
        Kind.DIFFERS: "Where the sides differ: {}.", Kind.WHY: "Why it fails: {}", Kind.CERTIFICATE: "So the claim fails: {}"}


def worked_counterexample(r: Result, meta: dict) -> Panel:
    """The counterexample step by step, to copy into a review (rendered from :func:`.evidence.describe`)."""
    ev = describe(r)
    lines = Text()
    n = 0
    if r.counterexample.kind == "identity" and not ev.of(Kind.SIZE):
        lines.append("1. Take the claim's fixed values.\n")
        n = 1
    for ln in ev.lines:
        text = VERB[ln.kind].format(ln.text)
        if ln.kind == Kind.ENTRY:
            text = text.rstrip(".") + " and evaluate both sides exactly:"
        if text.startswith("   "):
            lines.append(text + "\n")
            continue
        n += 1
        lines.append(f"{n}. {text}\n", style="bold" if ln.kind == Kind.WHY else "")
    if ev.uses_dot:
        lines.append("(· = an entry that does not enter the claim)\n", style="dim")
    lines.append(f"reproduce: {reproduce_command(r, meta)}", style="dim")
    return Panel(lines, title=f"[red]counterexample, worked out: {r.id}", expand=True)


def argument(r: Result) -> Text:
    """Why a `holds` reaches every n (the lift) and/or every t (induction), in steps a reviewer can follow."""
    out = Text(f"holds for {reach(r)}: the argument\n", style="bold")
    k = 0
    if r.every_n and r.argument:  # the argument the lift took (every_n.py), as data on the result
        for k, step in enumerate(r.argument, 1):
            out.append(f"{k}. {step}\n")
        if r.every_t:
            return out
    if r.every_t and r.argument and not r.every_n:  # the induction's argument (induction.py), as data
        for step in r.argument:
            k += 1
            out.append(f"{k}. {step}\n")
    return out
