"""The command line: parse, call the engine, render, map to an exit code. Nothing else."""
from __future__ import annotations

import enum
import sys

import click
from rich.console import Console

from .errors import SymderivError, UsageError


class ExitCode(enum.IntEnum):
    #: every verdict is the one its proof file expects
    OK = 0
    #: some verdict differs from its expectation
    MISMATCH = 1
    #: usage error, proof file that raised, or a claim that could not be checked
    USAGE = 2


def _meta(seed: int, backend: str) -> dict:
    import sympy

    from . import __version__

    return {"symderiv": __version__, "sympy": sympy.__version__, "backend": backend, "seed": seed}


def _console() -> Console:
    """A terminal gets colour; a pipe or CI log (or NO_COLOR) gets plain text at a readable width."""
    probe = Console()
    if probe.is_terminal:
        return Console(highlight=False)
    return Console(highlight=False, width=max(probe.width, 132), no_color=True, emoji=False)


def _parse_sizes(n, t):
    from .sizes import parse_range

    return (parse_range("n", n) if n else None), (parse_range("t", t) if t else None)


@click.group()
@click.version_option(package_name="symderiv")
def main():
    """symderiv: check the derivations of ML papers exactly."""


@main.command()
@click.argument("targets", nargs=-1)
@click.option("--n", "n", help="hidden sizes, e.g. 2, 1-3 or 1,2,5 (overrides each claim's sweep)")
@click.option("--t", "t", help="horizons, e.g. 5, 1-4")
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "markdown"]), default="rich", show_default=True,
              help="rich: the terminal report; json: the documented schema; markdown: for a review or PR comment")
@click.option("--backend", type=click.Choice(["auto", "symengine", "sympy", "fp"]), default="auto", show_default=True,
              help="identities: symbolic normal form (symengine; sympy is the reference) or randomized exact testing "
                   "over F_p (fp, error ≤ 2^-64); auto: symengine up to n = 3, t = 6, fp beyond")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of every random choice")
@click.option("--timeout", type=float, default=300.0, show_default=True,
              help="per-claim budget in seconds; a claim that runs out is undecided (0: no budget, in-process)")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="check claims in this many worker processes")
@click.option("--junit", "junit", type=click.Path(dir_okay=False, writable=True),
              help="also write JUnit XML here (one testcase per claim)")
@click.option("--html", "html", type=click.Path(dir_okay=False, writable=True),
              help="also write the rich report as HTML here")
def check(targets, n, t, fmt, backend, seed, timeout, jobs, junit, html):
    """Check claims: TARGETS are claim ids (or unique suffixes), proof files or folders."""
    from pathlib import Path

    from .claims import select
    from .engine import run
    from .report import render, to_json, to_junit, to_markdown
    from .results import Verdict
    from .runner import run_claims

    console = _console()
    try:
        ns, ts = _parse_sizes(n, t)
        col, ids = select(list(targets))
    except SymderivError as e:
        click.echo(f"symderiv: {e}", err=True)
        sys.exit(ExitCode.USAGE)
    kw = dict(n=ns, t=ts, backend=backend, seed=seed)
    with _progress(console, fmt, len(ids)) as advance:
        if timeout and timeout > 0 or jobs > 1:
            results = run_claims(col, ids, jobs=jobs, timeout=timeout or None, on_result=advance, **kw)
        else:
            results = run(col, ids, on_result=advance, **kw)
    meta = _meta(seed, backend)
    if fmt == "json":
        click.echo(to_json(results, col.errors, meta))
    elif fmt == "markdown":
        click.echo(to_markdown(results, col.errors, meta), nl=False)
    else:
        console.print(render(results, col.errors, meta))
    if junit:
        Path(junit).write_text(to_junit(results, col.errors, meta), encoding="utf-8")
    if html:
        import io

        from rich.console import Console

        rec = Console(record=True, width=140, file=io.StringIO(), highlight=False)
        rec.print(render(results, col.errors, meta))
        Path(html).write_text(rec.export_html(), encoding="utf-8")
    if col.errors or any(r.verdict == Verdict.ERROR and not r.as_expected for r in results):
        sys.exit(ExitCode.USAGE)
    sys.exit(ExitCode.OK if all(r.as_expected for r in results) else ExitCode.MISMATCH)


class _progress:
    """A rich progress bar on a terminal (rich output only); nothing in a pipe or CI log."""

    def __init__(self, console, fmt, total):
        self.on = console.is_terminal and fmt == "rich" and total > 1
        self.console, self.total = console, total

    def __enter__(self):
        if not self.on:
            return lambda r: None
        from rich.progress import Progress

        self.bar = Progress(console=self.console, transient=True)
        self.bar.start()
        task = self.bar.add_task("checking claims", total=self.total)
        return lambda r: self.bar.update(task, advance=1, description=f"checked {r.id}")

    def __exit__(self, *exc):
        if self.on:
            self.bar.stop()
        return False


@main.command()
@click.argument("claim_id")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--n", "n", help="hidden sizes (overrides the claim's sweep)")
@click.option("--t", "t", help="horizons")
def explain(claim_id, seed, n, t):
    """One claim in full: transcription, location, conventions, each size, and its counterexample step by step."""
    from .claims import resolve_id, select
    from .engine import run
    from .report import explain as render_explain

    console = _console()
    try:
        ns, ts = _parse_sizes(n, t)
        col, _ = select([])
        cid = resolve_id(col, claim_id)
    except SymderivError as e:
        click.echo(f"symderiv: {e}", err=True)
        sys.exit(ExitCode.USAGE)
    results = run(col, [cid], n=ns, t=ts, seed=seed)
    console.print(render_explain(col.items[cid], results, _meta(seed, "auto")))
    sys.exit(ExitCode.OK)


@main.command("list")
@click.argument("targets", nargs=-1)
def list_claims(targets):
    """List claims with their paper locations."""
    from rich.table import Table

    from .claims import Claim, select

    try:
        col, ids = select(list(targets))
    except UsageError as e:
        click.echo(f"symderiv: {e}", err=True)
        sys.exit(ExitCode.USAGE)
    table = Table(expand=True)
    for c in ("claim", "kind", "where", "expect", "source"):
        table.add_column(c, overflow="fold")
    for i in ids:
        item = col.items[i]
        kind = item.kind if isinstance(item, Claim) else f"{item.kind}"
        exp = (item.expect.value if item.expect else "holds")
        table.add_row(("  " if getattr(item, "group", None) else "") + i, kind, item.where, exp, item.source)
    _console().print(table)
    for path, cause in col.errors:
        click.echo(f"proof file error: {path}: {cause}", err=True)
    sys.exit(ExitCode.USAGE if col.errors else ExitCode.OK)
