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
    lines.append(f"certificate: {r.certificate}\n", style="dim")
    lines.append(f"reproduce: {reproduce_command(r, meta or {})}")
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


def tally(results: list[Result]) -> tuple[str, list[str]]:
    """("38 holds, 44 fails, …", the ids whose verdict is not the expected one)."""
    n = {v: sum(r.verdict == v for r in results) for v in Verdict}
    return ", ".join(f"{n[v]} {v.value}" for v in Verdict if n[v]), [r.id for r in results if not r.as_expected]


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


# ----- the reproduce line, markdown and JUnit -----------------------------------------

def reproduce_command(r: Result, meta: dict) -> str:
    """The one command that finds this counterexample again."""
    c = r.counterexample
    parts = ["symderiv", "check", r.id, "--seed", str(meta.get("seed", 0))]
    if c is not None and c.size:
        for dim in ("n", "t"):
            if dim in c.size:
                parts += [f"--{dim}", str(c.size[dim])]
    if meta.get("backend", "auto") != "auto":
        parts += ["--backend", meta["backend"]]
    return " ".join(parts)


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _latex_matrix(rows: list[list[str]]) -> str:
    def cell(x):
        if x == "·":
            return "\\cdot"
        if "/" in x:
            p, q = x.split("/", 1)
            sign = "-" if p.startswith("-") else ""
            return f"{sign}\\tfrac{{{p.lstrip('-')}}}{{{q}}}"
        return x
    body = " \\\\ ".join(" & ".join(cell(x) for x in row) for row in rows)
    return f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}"


def to_markdown(results: list[Result], errors: list, meta: dict) -> str:
    """A report to paste into a review or a pull-request comment (GitHub renders the $…$ math)."""
    out = ["## symderiv audit", "", " · ".join(f"{k} {v}" for k, v in meta.items()), "",
           "| claim | where | verdict | expected | scope |", "|---|---|---|---|---|"]
    for r in results:
        mark = "✓" if r.as_expected else "✗"
        out.append(f"| {'&nbsp;&nbsp;' if r.group else ''}`{r.id}` | {_md_escape(r.where)} | **{r.verdict.value}** "
                   f"| {(r.expected or Verdict.HOLDS).value} {mark} | {_md_escape(r.error or r.scope)} |")
    for r in results:
        c = r.counterexample
        if c is None or r.members:
            continue
        out += ["", f"### Counterexample: `{r.id}` ({_md_escape(r.where)})", "",
                f"> {_md_escape(r.statement)}", ""]
        if r.conventions:
            out.append("Conventions: " + "; ".join(f"{k}: {v}" for k, v in r.conventions.items()) + "  ")
        if c.size:
            out.append("Size: " + ", ".join(f"${k} = {v}$" for k, v in c.size.items()) + "  ")
        if c.sigma is not None:
            from .functions import PolynomialSigma

            out.append(f"Witness σ: $\\sigma(x) = {PolynomialSigma(tuple(c.sigma))}$  ")
        for name, rows in point_matrices(c.point):
            tex_name = name.replace("_", "\\_")
            out.append(f"$$ {tex_name} = {_latex_matrix(rows)} $$")
        if c.kind == "identity":
            out.append(f"Entry {tuple(c.entry)}: lhs $= {c.lhs}$, rhs $= {c.rhs}$  ")
        elif c.kind == "relation":
            out.append(f"Failing step **{_md_escape(c.step)}**: lhs $\\approx {c.lhs_approx}$, "
                       f"rhs $\\approx {c.rhs_approx}$ (enclosures `{c.lhs}`, `{c.rhs}`)  ")
        else:
            out.append(f"Failing step **{_md_escape(c.step)}**: {_md_escape(c.lhs)}; growth factor per period "
                       f"{c.lhs_approx}, minimal polynomial `{c.rhs_approx}`  ")
        out += [f"Certificate: {_md_escape(r.certificate)}  ", "", f"Reproduce: `{reproduce_command(r, meta)}`"]
    for path, cause in errors:
        out += ["", f"**Proof file error** `{path}`: {_md_escape(cause)}"]
    counts, off = tally(results)
    out += ["", f"**{len(results)} claims**: " + counts
            + ("; every verdict as expected" if not off else f"; not as expected: {', '.join(off)}")]
    return "\n".join(out) + "\n"


def to_junit(results: list[Result], errors: list, meta: dict) -> str:
    """JUnit XML (the structure GitHub, GitLab and Jenkins read): one testcase per claim.

    A claim whose verdict is the expected ``fails`` is an expected failure: a
    ``<skipped type="xfail">``, as pytest writes xfail. A verdict other than the
    expected one is a ``<failure>``; a claim that could not be checked an
    ``<error>``; a proof file that raised is an ``<error>`` testcase of its own.
    """
    import xml.etree.ElementTree as ET

    suites = ET.Element("testsuites", name="symderiv")
    by_file: dict = {}
    for r in results:
        by_file.setdefault(r.source.split(":")[0] or "proofs", []).append(r)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for fname, rs in list(by_file.items()) + [("collection", [])]:
        if fname == "collection" and not errors:
            continue
        suite = ET.SubElement(suites, "testsuite", name=fname)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for r in rs:
            case = ET.SubElement(suite, "testcase", classname=fname.removesuffix(".py"), name=r.id,
                                 time=f"{r.seconds:.3f}")
            counts["tests"] += 1
            expected = r.expected or Verdict.HOLDS
            detail = f"{r.verdict.value}: {r.error or r.scope}"
            if r.counterexample is not None:
                detail += f"\ncertificate: {r.certificate}\nreproduce: {reproduce_command(r, meta)}"
            if not r.as_expected and r.verdict == Verdict.ERROR:
                ET.SubElement(case, "error", message=_one(r.error or "error"), type="error").text = detail
                counts["errors"] += 1
            elif not r.as_expected:
                ET.SubElement(case, "failure", message=f"{r.verdict.value}, expected {expected.value}",
                              type="verdict").text = detail
                counts["failures"] += 1
            elif r.verdict == Verdict.FAILS:
                ET.SubElement(case, "skipped", type="xfail", message=f"expected failure: {_one(r.certificate)}")
                counts["skipped"] += 1
            ET.SubElement(case, "system-out").text = f"{r.where}\n{r.statement}\n{detail}"
        if fname == "collection":
            for path, cause in errors:
                case = ET.SubElement(suite, "testcase", classname="collection", name=path, time="0")
                ET.SubElement(case, "error", message=_one(cause), type="ProofFileError").text = cause
                counts["tests"] += 1
                counts["errors"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
    for k, v in totals.items():
        suites.set(k, str(v))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _one(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


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
        from .functions import PolynomialSigma

        step(f"Take σ(x) = {PolynomialSigma(tuple(c.sigma))}; the claim is for every σ, so this one must satisfy it.")
    for name, rows in point_matrices(c.point):
        step(f"Set {name} = [{_matrix_text(rows)}].")
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
