"""The command line: parse, call the engine, render, map to an exit code. Nothing else.

Every way ``symderiv`` ends is one :class:`ExitCode`, so that a CI gate
cannot pass by accident: a run that checks nothing, a signal, or a crash
inside symderiv each have their own code, never 0 and never 1.
"""
from __future__ import annotations

import enum
import math
import os
import signal
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console

from .errors import SymderivError, UsageError


class ExitCode(enum.IntEnum):
    """What ``symderiv``'s exit status means; the README's exit-code table lists the same."""

    #: every verdict is the one its proof file expects
    OK = 0
    #: some verdict differs from its expectation
    MISMATCH = 1
    #: usage error, proof file that raised, or a claim that could not be checked
    USAGE = 2
    #: symderiv itself crashed (a bug in symderiv, reported with where to send it); no verdict is implied
    INTERNAL_ERROR = 3
    #: nothing was checked: no claim in the targets, an id that names no claim, or no proof file imported
    NOTHING_CHECKED = 5
    #: interrupted (Ctrl-C, SIGINT, or the reader closed the pipe) before the report ended (128 + 2, as shells report it)
    INTERRUPTED = 130
    #: terminated (SIGTERM) before the report; the workers were stopped (128 + 15, as shells report it)
    TERMINATED = 143


def _exit(code: ExitCode, message: str | None = None):
    if message:
        click.echo(f"symderiv: {message}", err=True)
    sys.exit(code)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that cleanup (the runner stopping its workers) runs on the way out."""


@contextmanager
def _sigterm_raises():
    def on_sigterm(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the cleanup short
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread (symderiv embedded in another program): its signal policy stands
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _report_to() -> str:
    """Where to report a bug: the package's issue tracker if its metadata names one."""
    try:
        from importlib.metadata import metadata

        for entry in metadata("symderiv").get_all("Project-URL") or []:
            label, _, url = entry.partition(",")
            if label.strip().lower() in ("issues", "bug tracker", "tracker", "bugs"):
                return url.strip()
    except Exception:  # noqa: BLE001 — already reporting a crash: never crash again here
        pass
    return "the symderiv issue tracker"


def _internal_error(e: BaseException):
    from . import __version__

    msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
    cause = f"{type(e).__name__}: {msg}" if msg else type(e).__name__
    frames = traceback.extract_tb(e.__traceback__)
    where = f" (at {'/'.join(Path(frames[-1].filename).parts[-2:])}:{frames[-1].lineno} in {frames[-1].name})" \
        if frames else ""
    if os.environ.get("SYMDERIV_TRACEBACK"):
        traceback.print_exception(e, file=sys.stderr)
    click.echo(f"symderiv: internal error: {cause}{where}", err=True)
    _exit(ExitCode.INTERNAL_ERROR, f"this is a bug in symderiv {__version__}, not a verdict: please report it to "
                                   f"{_report_to()} with the command line and this message "
                                   f"(SYMDERIV_TRACEBACK=1 adds the traceback)")


class _Main(click.Group):
    """Maps whatever ends a command to its :class:`ExitCode`: signals, and crashes inside symderiv."""

    def invoke(self, ctx):
        with _sigterm_raises():
            try:
                return super().invoke(ctx)
            except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
                raise  # click's own: usage errors exit 2
            except KeyboardInterrupt:
                _exit(ExitCode.INTERRUPTED, f"interrupted (SIGINT){_progress_note(ctx)}")
            except Terminated:
                _exit(ExitCode.TERMINATED, f"terminated (SIGTERM){_progress_note(ctx)}")
            except BrokenPipeError:  # `symderiv check | head`: the reader left; not a crash, and nothing more to say
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                sys.exit(ExitCode.INTERRUPTED)
            except Exception as e:  # noqa: BLE001 — a crash inside symderiv: its own code, never a verdict's
                _internal_error(e)


def _progress_note(ctx) -> str:
    done, total = ctx.meta.get("symderiv.progress", (None, None))
    if total is None:
        return ""
    return f" after {min(done[0], total)} of {total} claims; the workers were stopped, no report was written"


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


class _Budget(click.ParamType):
    """``--timeout``: a positive number of seconds, or ``none`` for no budget (never 0 or less)."""

    name = "SECONDS|none"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.strip().lower() == "none":
            return None
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = math.nan
        if not seconds > 0:
            self.fail(f"{value!r}: a budget must be a positive number of seconds, or 'none' for no budget",
                      param, ctx)
        return seconds


@click.group(cls=_Main)
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
@click.option("--timeout", type=_Budget(), default=300.0, show_default=True,
              help="per-claim budget in seconds (> 0); a claim that runs out is undecided. 'none': no budget "
                   "(each claim still runs in its own worker process)")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="check claims in this many worker processes")
@click.option("--junit", "junit", type=click.Path(dir_okay=False, writable=True),
              help="also write JUnit XML here (one testcase per claim)")
@click.option("--html", "html", type=click.Path(dir_okay=False, writable=True),
              help="also write the rich report as HTML here")
def check(targets, n, t, fmt, backend, seed, timeout, jobs, junit, html):
    """Check claims: TARGETS are claim ids (or unique suffixes), proof files or folders."""
    from .claims import NothingSelected, default_target, select
    from .report import render, to_json, to_junit, to_markdown
    from .results import Verdict
    from .runner import run_claims

    console = _console()
    try:
        ns, ts = _parse_sizes(n, t)
        col, ids = select(list(targets))
    except NothingSelected as e:
        _exit(ExitCode.NOTHING_CHECKED, f"nothing checked: {e}")
    except SymderivError as e:
        _exit(ExitCode.USAGE, str(e))
    kw = dict(n=ns, t=ts, backend=backend, seed=seed)
    done = [0]
    click.get_current_context().meta["symderiv.progress"] = (done, len(ids))
    with _progress(console, fmt, len(ids)) as advance:
        def on_result(r):
            done[0] += 1
            advance(r)

        # always in worker processes: a claim that crashes or exits its process is that claim's error
        results = run_claims(col, ids, jobs=jobs, timeout=timeout, on_result=on_result, **kw)
    meta = _meta(seed, backend)
    if fmt == "json":
        click.echo(to_json(results, col.errors, meta))
    elif not ids:  # no table of zero claims "every verdict as expected": the files' errors, then why (below)
        for path, cause in col.errors:
            click.echo(f"proof file error: {path}: {cause}")
    elif fmt == "markdown":
        click.echo(to_markdown(results, col.errors, meta), nl=False)
    else:
        console.print(render(results, col.errors, meta))
    if junit:
        _write(junit, "--junit", lambda: to_junit(results, col.errors, meta))
    if html:
        import io

        rec = Console(record=True, width=140, file=io.StringIO(), highlight=False)
        rec.print(render(results, col.errors, meta))
        _write(html, "--html", rec.export_html)
    if not ids:
        where = ", ".join(targets) or str(default_target())
        errs = len(col.errors)
        _exit(ExitCode.NOTHING_CHECKED, f"nothing checked: no claims in {where}" + (
            f"; {errs} proof file error{'s' if errs != 1 else ''} (listed above)" if errs else ""))
    if col.errors or any(r.verdict == Verdict.ERROR and not r.as_expected for r in results):
        _exit(ExitCode.USAGE)
    _exit(ExitCode.OK if all(r.as_expected for r in results) else ExitCode.MISMATCH)


def _write(path: str, option: str, text) -> None:
    try:
        Path(path).write_text(text(), encoding="utf-8")
    except OSError as e:
        _exit(ExitCode.USAGE, f"cannot write {option} {path}: {e.strerror or e}")


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
    except SymderivError as e:  # explain names exactly one claim: an id that names none is a usage error
        _exit(ExitCode.USAGE, str(e))
    results = run(col, [cid], n=ns, t=ts, seed=seed)
    console.print(render_explain(col.items[cid], results, _meta(seed, "auto")))
    _exit(ExitCode.OK)


@main.command("list")
@click.argument("targets", nargs=-1)
def list_claims(targets):
    """List claims with their paper locations."""
    from rich.table import Table

    from .claims import Claim, NothingSelected, default_target, select

    try:
        col, ids = select(list(targets))
    except NothingSelected as e:
        _exit(ExitCode.NOTHING_CHECKED, f"nothing listed: {e}")
    except UsageError as e:
        _exit(ExitCode.USAGE, str(e))
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
    if not ids:
        _exit(ExitCode.NOTHING_CHECKED, f"nothing listed: no claims in {', '.join(targets) or default_target()}")
    _exit(ExitCode.USAGE if col.errors else ExitCode.OK)


@main.command("models")
@click.argument("names", nargs=-1)
def models_command(names):
    """List the shipped cells (or the NAMES given): parameters, states, quantities, shapes and equations."""
    _exit(*_models(names))


def _models(names) -> tuple:
    """Render each shipped cell; (exit code, message) for an unknown name."""
    from rich.table import Table

    from . import cells
    from .models import describe_cell

    unknown = [n for n in names if n not in cells.SHIPPED]
    if unknown:
        return ExitCode.USAGE, f"no shipped cell {unknown[0]!r}; the shipped cells: {', '.join(cells.SHIPPED)}"
    console = _console()
    for name in names or cells.SHIPPED:
        d = describe_cell(getattr(cells, name))
        console.print(f"[bold]{name}[/bold]: {d['title']}")
        console.print("  parameters: " + ", ".join(f"{p} ({shape})" for p, shape in d["params"]))
        console.print(f"  state: {', '.join(d['state'])} (initial values {', '.join(s + '0' for s in d['state'])}; "
                      f"m.initial(name))")
        table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 2))
        for col in ("quantity", "shape", "equation (read off the step at n = m = 1; m.at(name, k))"):
            table.add_column(col, overflow="fold")
        for q, shape, eq in d["quantities"]:
            table.add_row(f"  {q}", shape, f"{q}_t = {eq}")
        console.print(table)
        if d["loss"]:
            console.print(f"  loss: {d['loss']}")
        console.print()
    return (ExitCode.OK,)
