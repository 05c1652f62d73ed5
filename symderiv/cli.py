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
@click.option("--format", "fmt", type=click.Choice(["rich", "json"]), default="rich", show_default=True)
@click.option("--backend", type=click.Choice(["symengine", "sympy"]), default="symengine", show_default=True,
              help="normal-form backend for identities")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of every random choice")
def check(targets, n, t, fmt, backend, seed):
    """Check claims: TARGETS are claim ids (or unique suffixes), proof files or folders."""
    from .claims import select
    from .engine import run
    from .report import render, to_json
    from .results import Verdict

    console = _console()
    try:
        ns, ts = _parse_sizes(n, t)
        col, ids = select(list(targets))
    except SymderivError as e:
        click.echo(f"symderiv: {e}", err=True)
        sys.exit(ExitCode.USAGE)
    results = run(col, ids, n=ns, t=ts, backend=backend, seed=seed)
    meta = _meta(seed, backend)
    if fmt == "json":
        click.echo(to_json(results, col.errors, meta))
    else:
        console.print(render(results, col.errors, meta))
    if col.errors or any(r.verdict == Verdict.ERROR and not r.as_expected for r in results):
        sys.exit(ExitCode.USAGE)
    sys.exit(ExitCode.OK if all(r.as_expected for r in results) else ExitCode.MISMATCH)


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
