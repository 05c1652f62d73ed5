"""The Markdown report, for a review or a pull-request comment (GitHub renders the $…$ math)."""
from __future__ import annotations

from ..results import Result, Verdict
from .common import point_matrices, reproduce_command, tally


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
            from ..functions import PolynomialSigma

            out.append(f"Witness σ: $\\sigma(x) = {PolynomialSigma(tuple(c.sigma))}$  ")
        if getattr(c, "loss", None) is not None:
            out.append(f"Witness loss: {c.witness_loss}  ")
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
