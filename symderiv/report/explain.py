"""`symderiv explain ID`: one claim as transcribed, everything the engine found, and a worked counterexample."""
from __future__ import annotations

from rich.console import Group as RGroup
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..results import Result, Verdict
from .common import matrix_text, point_matrices, reproduce_command, sparkline
from .terminal import STYLE, steps_table


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
    parts.append(Text(f"verdict: {top.verdict.value} (expected {(top.expected or Verdict.HOLDS).value})",
                      style=f"bold {STYLE[top.verdict]}"))
    parts.append(Text(f"scope: {top.scope or top.error}"))
    for mid in top.members:
        r = by_id.get(mid)
        if r is not None:
            parts.append(Text(f"  {mid}: {r.verdict.value} — {r.error or r.scope}"))
    if top.sizes:
        table = Table(title="each size", expand=True)
        for c in ("size", "result", "detail", "s"):
            table.add_column(c, overflow="fold")
        for o in top.sizes:
            table.add_row(", ".join(f"{k} = {v}" for k, v in o.size.items()) or "—",
                          Text(o.status.value, style=STYLE[o.status]), o.detail, f"{o.seconds:.2f}")
        parts.append(table)
    if top.steps:
        parts.append(steps_table(top))
    shown = top if top.counterexample is not None else next(
        (by_id[m] for m in top.members if m in by_id and by_id[m].counterexample is not None), None)
    if shown is not None:
        parts.append(worked_counterexample(shown, meta))
    return RGroup(*parts)


def worked_counterexample(r: Result, meta: dict) -> Panel:
    """The counterexample step by step, to copy into a review."""
    c = r.counterexample
    lines = Text()
    n = 1

    def step(text):
        nonlocal n
        lines.append(f"{n}. {text}\n")
        n += 1

    step("Take " + (", ".join(f"{k} = {v}" for k, v in c.size.items()) or "the claim's fixed values") + ".")
    if c.sigma is not None:
        from ..functions import PolynomialSigma

        step(f"Take σ(x) = {PolynomialSigma(tuple(c.sigma))}; the claim is for every σ, so this one must satisfy it.")
    if getattr(c, "loss", None) is not None:
        step(f"Take the loss {c.witness_loss}; the claim is for every loss, so this one must satisfy it.")
    for name, rows in point_matrices(c.point):
        step(f"Set {name} = [{matrix_text(rows)}].")
    for note in c.notes:
        if note.startswith("hypothesis"):
            step(f"Check the {note}.")
    if c.kind == "identity":
        step(f"Evaluate entry {tuple(c.entry)} of both sides exactly: lhs = {c.lhs}, rhs = {c.rhs}.")
    elif c.kind == "relation":
        step(f"Evaluate step '{c.step}': lhs ∈ {c.lhs} (≈ {c.lhs_approx}), rhs ∈ {c.rhs} (≈ {c.rhs_approx}).")
    else:
        step(f"Follow the sequence: its minimal polynomial is {c.rhs_approx}, growth factor per period "
             f"{c.lhs_approx}, so {c.lhs}; the claim says {c.rhs!r}.")
        if c.curve:
            step(f"‖X_q‖ for q = 0…{len(c.curve) - 1}: {sparkline(c.curve)} "
                 + ", ".join(f"{v:.3g}" for v in c.curve[:8]) + ", …")
    step(f"So the claim fails: {r.certificate}")
    lines.append(f"reproduce: {reproduce_command(r, meta)}", style="dim")
    return Panel(lines, title=f"[red]counterexample, worked out: {r.id}", expand=True)
