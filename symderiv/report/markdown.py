"""The Markdown report, for a review or a pull-request comment (GitHub renders the $…$ math).

Mathematics goes through ``sympy.latex`` (via :mod:`.evidence`); every piece of
text is escaped, so nothing from a proof file or an error message (``<…>``,
``*``, ``_``, ``$``, ``|``) is read as HTML, emphasis, math or a table cell.
"""
from __future__ import annotations

import html
import re

from ..results import Result
from .common import SHOWN, claims_count, reach, reproduce_command, tally
from .evidence import Kind, describe


def md_text(text) -> str:
    """Text as literal Markdown: HTML characters as entities, Markdown punctuation backslash-escaped, one line."""
    text = html.escape(str(text), quote=False).replace("\n", " ")
    return re.sub(r"([\\`*_\[\]|$~])", r"\\\1", text)


def md_code(text) -> str:
    """Inline code: a backtick run longer than any inside it."""
    text = str(text).replace("\n", " ")
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


#: how the Markdown section introduces each kind of line (math lines are set as $…$ or $$…$$)
LABEL = {Kind.SIZE: "Size", Kind.SIGMA: "Witness", Kind.LOSS: "Witness loss", Kind.ENTRY: "Entry", Kind.STEP: "Failing step",
         Kind.HYPOTHESIS: "Hypothesis", Kind.WHY: "**Why it fails**", Kind.CERTIFICATE: "Certificate",
         Kind.DIFFERS: "Where the sides differ", Kind.LIMIT: "", Kind.CURVE: "", Kind.SIDE: ""}


def counterexample_section(r: Result, meta: dict) -> list[str]:
    ev = describe(r)
    out = ["", f"### Counterexample: {md_code(r.id)} ({md_text(r.where)})", "", f"> {md_text(r.statement)}", ""]
    if r.conventions:
        out.append("Conventions: " + "; ".join(f"{md_text(k)}: {md_text(v)}" for k, v in r.conventions.items()) + "  ")
    previous = None
    for ln in ev.lines:
        if ln.kind == Kind.POINT:  # display math: one block per value, the group set apart by blank lines
            out += ([""] if previous != Kind.POINT else []) + [f"$$ {ln.latex} $$"]
            previous = ln.kind
            continue
        if previous == Kind.POINT:
            out.append("")
        previous = ln.kind
        label = LABEL.get(ln.kind, "")
        body = f"${ln.latex}$" if ln.latex else md_text(ln.text)
        if ln.kind == Kind.ENTRY and ln.latex:
            body += " " + md_text(ln.text.split("  ", 1)[1]) if "  " in ln.text else ""
        out.append((f"{label}: " if label else "") + body + "  ")
    if ev.uses_dot:
        out.append("($\\cdot$: an entry that does not enter the claim)  ")
    out += ["", f"Reproduce: {md_code(reproduce_command(r, meta))}"]
    return out


def _reach(r: Result) -> str:
    """'**for every n and every t** · ' before a scope that reaches beyond the sizes shown."""
    how = reach(r)
    return f"**for {how}** · " if how and how != SHOWN else ""


def to_markdown(results: list[Result], errors: list, meta: dict) -> str:
    """A report to paste into a review or a pull-request comment (GitHub renders the $…$ math)."""
    out = ["## symderiv audit", "", " · ".join(f"{md_text(k)} {md_text(v)}" for k, v in meta.items()), "",
           "| claim | where | verdict | expected | scope |", "|---|---|---|---|---|"]
    for r in results:
        mark = "✓" if r.as_expected else "✗"
        out.append(f"| {'&nbsp;&nbsp;' if r.group else ''}{md_code(r.id)} | {md_text(r.where)} | **{r.verdict.value}**"
                   f"{(' (' + md_text(r.proof_reach) + ')') if r.proof_reach else ''} "
                   f"| {r.wanted.value} {mark} | {_reach(r)}{md_text(r.error or r.scope)} |")
    for r in results:
        if r.counterexample is None or r.members:
            continue
        out += counterexample_section(r, meta)
    for path, cause in errors:
        out += ["", f"**Proof file error** {md_code(path)}: {md_text(cause)}"]
    counts, off = tally(results)
    errs = f"; {len(errors)} proof file error{'s' if len(errors) != 1 else ''}" if errors else ""
    out += ["", f"**{claims_count(len(results))}**" + (f": {counts}" if counts else "") + errs
            + (f"; not as expected: {', '.join(md_code(i) for i in off)}" if off
               else "" if errors else "; every verdict as expected")]
    return "\n".join(out) + "\n"
