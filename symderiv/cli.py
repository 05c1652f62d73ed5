"""The command line: parse, call the engine, render, map to an exit code. Nothing else.

Every way ``symderiv`` ends is one :class:`ExitCode`, so that a CI gate
cannot pass by accident: a run that checks nothing, a signal, or a crash
inside symderiv each have their own code, never 0 and never 1.
"""
from __future__ import annotations

import enum
import errno
import math
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from .errors import SymderivError, UsageError
from .tuning import tune

tune()  # before SymPy is imported (the CLI imports it lazily): see tuning.py

# Only click and the standard library at import: `symderiv --help` must not pay for SymPy, NumPy or rich
# (each command imports what it uses).


class ExitCode(enum.IntEnum):
    """What ``symderiv``'s exit status means; the README's exit-code table lists the same."""

    #: every verdict is the one its proof file expects
    OK = 0
    #: some verdict differs from its expectation
    MISMATCH = 1
    #: usage error (an id that names no claim, a target that is not a proof file), proof file that raised, or a
    #: claim that could not be checked
    USAGE = 2
    #: symderiv itself crashed (a bug in symderiv, reported with where to send it); no verdict is implied
    INTERNAL_ERROR = 3
    #: nothing was checked: no claim in the targets, or no proof file imported (an id that names no claim: 2)
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
    import traceback

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


#: errnos of a write that failed for the machine's reasons (a full disk, a quota, an I/O error)
_WRITE_FAILED = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG}


class _Main(click.Group):
    """Maps whatever ends a command to its :class:`ExitCode`: signals, and crashes inside symderiv."""

    def list_commands(self, ctx):  # in the order they are declared, as a reader meets them
        return list(self.commands)

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
            except OSError as e:
                if e.errno not in _WRITE_FAILED:
                    _internal_error(e)
                # stdout (or a file) on a full or failing disk: the machine's, not a bug in symderiv
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                _exit(ExitCode.USAGE, f"cannot write the report: {e.strerror or e} (the disk is full or failing)")
            except Exception as e:  # noqa: BLE001 — a crash inside symderiv: its own code, never a verdict's
                _internal_error(e)


def _progress_note(ctx) -> str:
    done, total = ctx.meta.get("symderiv.progress", (None, None))
    if total is None:
        return ""
    partial = ctx.meta.get("symderiv.partial")
    return f" after {min(done[0], total)} of {total} claims; the workers were stopped, " + (
        "the report above (and any output file) is partial" if partial else "no report was written")


def _meta(seed: int, backend: str) -> dict:
    import sympy

    from . import __version__

    return {"symderiv": __version__, "sympy": sympy.__version__, "backend": backend, "seed": seed}


def _no_color() -> bool:
    return os.environ.get("NO_COLOR", "") != ""


def _console(file=None):
    """The console, the way rich reads the environment.

    A terminal gets colour; a pipe or CI log gets plain text at a readable
    width, unless ``FORCE_COLOR`` asks for colour (then colour, but no
    animation: see :class:`_progress`). ``NO_COLOR`` means no escape codes at
    all (rich alone would still write bold and dim). A stream that cannot
    encode the report's characters gets ASCII renderings of them.
    """
    from rich.console import Console

    from .report.textsafe import can_encode, make_safe

    stream = file if file is not None else sys.stdout
    make_safe(stream)
    ascii_only = not can_encode(stream)
    probe = Console(file=stream)
    extra = {"color_system": None} if _no_color() else {}
    if ascii_only:
        extra["safe_box"] = True
    if probe.is_terminal:
        console = Console(file=stream, highlight=False, emoji=not ascii_only, **extra)
    else:
        console = Console(file=stream, highlight=False, width=max(probe.width, 132), emoji=False, **extra,
                          **({} if _no_color() or os.environ.get("FORCE_COLOR") else {"no_color": True}))
    console.on_broken_pipe = _reader_left  # rich's own exits 1, which reads "a verdict differs"
    if ascii_only:  # what the stream cannot encode is rendered before layout, so tables stay aligned
        from .report.textsafe import transliterating_hook

        console.push_render_hook(transliterating_hook(getattr(stream, "encoding", None) or "ascii"))
    return console


def _reader_left():
    """The reader of stdout closed the pipe (``symderiv check -v | head``): as :class:`_Main` maps it."""
    raise BrokenPipeError


def _parse_sizes(n, t, m=None):
    from .sizes import parse_range

    return tuple((parse_range(dim, v) if v else None) for dim, v in (("n", n), ("t", t), ("m", m)))


class _Budget(click.ParamType):
    """``--timeout``: a positive number of seconds, or ``none`` for no budget (never 0 or less)."""

    name = "SECONDS|none"

    def convert(self, value, param, ctx):
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            return None
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = math.nan
        if not seconds > 0:
            self.fail(f"{value!r}: a budget must be a positive number of seconds, or 'none' for no budget",
                      param, ctx)
        return seconds


class _Memory(click.ParamType):
    """``--memory``: a positive number of gigabytes (2³⁰ bytes), or ``none`` for no budget."""

    name = "GB|none"

    def convert(self, value, param, ctx):
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value  # already bytes (the default)
        try:
            gb = float(value)
        except (TypeError, ValueError):
            gb = math.nan
        if not gb > 0:
            self.fail(f"{value!r}: a memory budget must be a positive number of gigabytes, or 'none' for no budget",
                      param, ctx)
        return gb * 2 ** 30


_MEMORY_HELP = ("per-claim memory budget in GB (> 0): a claim whose process outgrows it is stopped, undecided. "
                "'none': no budget")


def _config(ctx):
    """``[tool.symderiv]`` of the nearest pyproject.toml (read once per invocation)."""
    root = ctx.find_root()
    if "symderiv.config" not in root.meta:
        from . import config

        try:
            root.meta["symderiv.config"] = config.find()
        except SymderivError as e:
            _exit(ExitCode.USAGE, str(e))
    return root.meta["symderiv.config"]


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="symderiv")
@click.pass_context
def main(ctx):
    """symderiv: check the derivations of ML papers exactly.

    Defaults for `check` (paths, timeout, jobs, backend, seed) can live in
    [tool.symderiv] of the nearest pyproject.toml, from the current directory
    upward.
    """
    cfg = _config(ctx)
    ctx.default_map = {"check": cfg.check_defaults(), "explain": {
        k: v for k, v in cfg.check_defaults().items() if k in ("timeout", "backend", "seed")}}


# ----- check ---------------------------------------------------------------------

BACKENDS = ("auto", "symengine", "sympy", "fp")
_BACKEND_HELP = ("identities: symbolic normal form (symengine; sympy is the reference) or randomized exact testing "
                 "over F_p (fp, error ≤ 2^-64); auto: symengine up to n = 3, t = 6, fp beyond")
_TIMEOUT_HELP = ("per-claim budget in seconds (> 0); a claim that runs out is undecided. 'none': no budget "
                 "(each claim still runs in its own worker process)")


@main.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("targets", nargs=-1)
@click.option("--n", "n", help="hidden sizes, e.g. 2, 1-3 or 1,2,5 (overrides each claim's sweep)")
@click.option("--t", "t", help="horizons, e.g. 5, 1-4")
@click.option("--m", "m", help="input sizes, e.g. 2, 1-3 (overrides each claim's sweep where it has an m)")
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "markdown", "junit"]), default="rich",
              show_default=True, help="the report on stdout: rich (the terminal report), json (the documented "
                                      "schema), markdown (for a review or PR comment), junit (XML)")
@click.option("--backend", type=click.Choice(BACKENDS), default="auto", show_default=True, help=_BACKEND_HELP)
@click.option("--seed", type=int, default=0, show_default=True, help="seed of every random choice")
@click.option("--timeout", type=_Budget(), default="300", show_default=True, help=_TIMEOUT_HELP)
@click.option("--memory", type=_Memory(), default="4", show_default=True, help=_MEMORY_HELP)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="check claims in this many worker processes")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), metavar="FILE",
              help="also write the JSON report here (folders are created)")
@click.option("--markdown", "md_out", type=click.Path(dir_okay=False), metavar="FILE",
              help="also write the Markdown report here")
@click.option("--junit", "junit", type=click.Path(dir_okay=False), metavar="FILE",
              help="also write JUnit XML here (valid against junit-10.xsd; one testcase per claim)")
@click.option("--html", "html", type=click.Path(dir_okay=False), metavar="FILE",
              help="also write the rich report as HTML here")
@click.option("-q", "--quiet", count=True, help="-q: only the claims not as expected and the tally; -qq: the tally")
@click.option("-v", "--verbose", count=True, help="a line per claim as it is checked (and every cache hit)")
@click.option("-x", "--exitfirst", is_flag=True, help="stop at the first verdict that is not the expected one")
@click.option("--lf", "--last-failed", "last_failed", is_flag=True,
              help="check only the claims whose verdict differed last time (all of them if none did)")
@click.option("--no-cache", is_flag=True, envvar="SYMDERIV_NO_CACHE",
              help="neither read nor write the verdict cache (.symderiv_cache/; also SYMDERIV_NO_CACHE=1)")
@click.option("--cache-clear", is_flag=True, help="empty the verdict cache before the run")
@click.option("--isolate", is_flag=True, help="a fresh worker process for every claim (default: a worker checks "
                                               "claim after claim, sharing SymPy's caches)")
def check(targets, n, t, m, fmt, backend, seed, timeout, memory, jobs, json_out, md_out, junit, html, quiet,
          verbose, exitfirst, last_failed, no_cache, cache_clear, isolate):
    """Check claims: TARGETS are claim ids (or unique suffixes), proof files or folders.

    Without TARGETS: the paths of [tool.symderiv] in pyproject.toml, else ./proofs/, else the proof files
    shipped with symderiv. Verdicts are cached in .symderiv_cache/ under a key of everything they depend on.
    """
    from .claims import NothingSelected, default_target, select
    from .results import Verdict
    from .runner import run_claims

    ctx = click.get_current_context()
    cfg = _config(ctx)
    targets = _with_config_paths(list(targets), cfg)
    console = _console()
    try:
        ns, ts, ms = _parse_sizes(n, t, m)
        col, ids = select(targets, import_timeout=timeout)  # a file's import has the claim's budget too
    except NothingSelected as e:  # an id that names no claim: a usage error, as pytest's unknown node id
        _exit(ExitCode.USAGE, f"nothing checked: {e}")
    except SymderivError as e:
        _exit(ExitCode.USAGE, str(e))
    store = None
    if not no_cache:
        from .cache import Cache

        store = Cache(cfg.root)
        if cache_clear:
            store.clear()
    elif cache_clear:
        from .cache import Cache

        Cache(cfg.root).clear()
    if last_failed:
        ids = _last_failed(store if store is not None else _cache_of(cfg), col, ids, quiet)
    kw = dict(n=ns, t=ts, m=ms, backend=backend, seed=seed)
    done = [0]
    ctx.meta["symderiv.progress"] = (done, len(ids))
    got: list = []
    outputs = {json_out: "json", md_out: "markdown", junit: "junit", html: "html"}

    def report(results, meta) -> list[str]:
        """Render stdout, write every output file, annotate; the paths that could not be written."""
        locations = _locations(col, [r.id for r in results])
        if fmt == "json" or (ids and fmt != "rich"):
            click.echo(_render_text(fmt, results, col.errors, meta, locations, console), nl=False)
        elif not ids:  # no table of zero claims "every verdict as expected": the files' errors, then why (below)
            for path, cause in col.errors:
                click.echo(f"proof file error: {path}: {cause}")
        else:
            _print_rich(console, results, col.errors, meta, quiet)
        unwritten = [path for path, kind in outputs.items() if path and not _write(
            path, f"--{kind}", lambda kind=kind: _render_file(kind, results, col.errors, meta, locations))]
        _github(fmt, results, col.errors, meta, locations)
        return unwritten

    with _progress(console, fmt, len(ids)) as advance:
        def on_result(r):
            done[0] += 1
            got.append(r)
            advance(r)
            if verbose and fmt == "rich":
                _verbose_line(console, r)

        stop = (lambda r: not r.as_expected) if exitfirst else None
        # always in worker processes: a claim that crashes or exits its process is that claim's error
        try:
            results = run_claims(col, ids, jobs=jobs, timeout=timeout, memory=memory, on_result=on_result, cache=store,
                                 stop=stop, isolate=isolate, **kw)
        except (KeyboardInterrupt, Terminated):  # as pytest: what ran is reported, said to be partial
            ctx.meta["symderiv.partial"] = bool(got)
            if got:
                report(got, {**_meta(seed, backend), "partial": f"interrupted after {len(got)} of {len(ids)} "
                                                                   "claims: the others were not checked"})
            raise
    if store is not None:
        store.record(results)
    meta = _meta(seed, backend)
    unwritten = report(results, meta)
    if store is not None and store.hits and quiet < 2:  # counted as the tally counts: a group is a claim too,
        hit = store.hit_ids                              # from the cache when every member of it is
        cached = sum(1 for r in results if r.id in hit or (r.members and all(m in hit for m in r.members)))
        click.echo(f"symderiv: {cached} of {len(results)} claims' verdicts from the cache ({store.dir}; "
                   "--no-cache to recompute)", err=True)
    if exitfirst and len([r for r in results if not r.members]) < len(_leaves(col, ids)):
        click.echo("symderiv: stopped at the first unexpected verdict (-x); the rest was not checked", err=True)
    if not ids:
        where = ", ".join(targets) or str(default_target())
        errs = len(col.errors)
        _exit(ExitCode.NOTHING_CHECKED, f"nothing checked: no claims in {where}" + (
            f"; {errs} proof file error{'s' if errs != 1 else ''} (listed above)" if errs else ""))
    if unwritten or col.errors or any(r.verdict == Verdict.ERROR and not r.as_expected for r in results):
        _exit(ExitCode.USAGE)
    _exit(ExitCode.OK if all(r.as_expected for r in results) else ExitCode.MISMATCH)


def _with_config_paths(targets: list[str], cfg) -> list[str]:
    """Targets that name no path look in [tool.symderiv] paths (when set), as they look in ./proofs/ without."""
    from .claims import _is_path

    if any(_is_path(t) for t in targets):
        return targets
    return cfg.paths() + targets


def _leaves(col, ids) -> set:
    from .claims import Group

    out = set()

    def add(cid):
        item = col.items[cid]
        if isinstance(item, Group):
            for m in item.members:
                add(m)
        else:
            out.add(cid)

    for cid in ids:
        add(cid)
    return out


def _cache_of(cfg):
    from .cache import Cache

    return Cache(cfg.root)


def _last_failed(store, col, ids: list[str], quiet: int) -> list[str]:
    """``--lf``: the selected ids whose verdict differed last time, with their members; all if none did."""
    last = set(store.last_failed())
    chosen = [i for i in ids if i in last or any(i.startswith(f + ".") for f in last)]
    if not chosen:
        if quiet < 2:
            click.echo(f"symderiv: no verdict differed last time: checking all {len(ids)} claims (--lf)", err=True)
        return ids
    if quiet < 2:
        click.echo(f"symderiv: checking the {len(chosen)} claims whose verdict differed last time (--lf)", err=True)
    return chosen


def _verbose_line(console, r) -> None:
    from rich.text import Text

    mark = "as expected" if r.as_expected else f"EXPECTED {(r.expected.value if r.expected else 'holds')}"
    console.print(Text(f"{r.id} {r.verdict.value} ({mark}) {r.seconds:.2f} s"), highlight=False)


def _locations(col, ids) -> dict:
    """claim id -> (proof file, line), the file relative to the current directory when it lies below it."""
    from .claims import Group

    out = {}
    cwd = Path.cwd()
    for cid in ids:
        item = col.items.get(cid)
        if item is None:
            continue
        first = item
        while isinstance(first, Group) and first.members:
            first = col.items[first.members[0]]
        code = getattr(getattr(first, "check", None), "__code__", None)
        if code is None:
            continue
        path = Path(code.co_filename)
        try:
            shown = path.resolve().relative_to(cwd.resolve()).as_posix()
        except ValueError:
            shown = path.as_posix()
        line = (item.source or "").rpartition(":")[2]
        out[cid] = (shown, int(line) if line.isdigit() else code.co_firstlineno)
    return out


def _render_file(kind, results, errors, meta, locations) -> str:
    from .report import to_html, to_json, to_junit, to_markdown

    if kind == "json":
        return to_json(results, errors, meta, locations) + "\n"
    if kind == "markdown":
        return to_markdown(results, errors, meta)
    if kind == "junit":
        return to_junit(results, errors, meta, locations)
    return to_html(results, errors, meta)


def _render_text(fmt, results, errors, meta, locations, console) -> str:
    """The stdout report of a machine format ('' for rich, which the console prints)."""
    from .report.textsafe import can_encode

    if fmt == "json":
        from .report import to_json

        return to_json(results, errors, meta, locations, ascii_only=not can_encode(sys.stdout)) + "\n"
    if fmt in ("markdown", "junit"):
        return _render_file(fmt, results, errors, meta, locations)
    return ""


def _print_rich(console, results, errors, meta, quiet: int) -> None:
    from .report import render

    if not quiet:
        console.print(render(results, errors, meta))
        return
    from rich.text import Text

    from .report import counterexample_panel, summary_table
    from .report.common import summary_line

    off = [r for r in results if not r.as_expected]
    if quiet == 1:
        if off:
            console.print(summary_table(off))
        for r in off:
            if r.counterexample is not None and not r.members:
                console.print(counterexample_panel(r, meta))
        for path, cause in errors:
            console.print(Text(f"proof file error: {path}: {cause}"))
    console.print(Text(summary_line(results, errors)[0]), soft_wrap=True)  # one line, as scripts read it


def _github(fmt, results, errors, meta, locations) -> None:
    """Under GitHub Actions: annotations (stdout beside the terminal report; stderr when stdout carries a
    document: GitHub reads workflow commands on both) and the job summary."""
    from .report import github

    if not github.active():
        return
    err = fmt != "rich"
    for line in github.annotations(results, errors, meta, locations):
        click.echo(line, err=err)
    from .report import to_markdown

    try:
        github.append_summary(to_markdown(results, errors, meta))
    except OSError as e:
        click.echo(f"symderiv: cannot append to $GITHUB_STEP_SUMMARY: {e.strerror or e}", err=True)


def _write(path: str, option: str, text) -> bool:
    """Write an output file, creating its folder (as pytest does for --junitxml); False (said on stderr) when it
    cannot be written, so that one unwritable path costs no other report."""
    try:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text(), encoding="utf-8")
        return True
    except OSError as e:
        click.echo(f"symderiv: cannot write {option} {path}: {e.strerror or e}", err=True)
        return False


class _progress:
    """A progress bar only where it animates in place: an interactive terminal, rich output, colour allowed.

    Rich draws its bar on ``console.is_interactive``, which ``FORCE_COLOR``
    turns on in a pipe too (a CI log then fills with frames): here the bar also
    needs the stream to be a real TTY. ``NO_COLOR`` (no escape codes at all)
    turns it off; ``TTY_INTERACTIVE=0``/``1`` is rich's own switch and wins.
    """

    def __init__(self, console, fmt, total):
        forced = os.environ.get("TTY_INTERACTIVE")
        isatty = getattr(console.file, "isatty", lambda: False)
        try:
            tty = bool(isatty())
        except ValueError:
            tty = False
        interactive = console.is_interactive and tty and not _no_color() if forced is None else forced == "1"
        self.on = interactive and fmt == "rich" and total > 1
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


# ----- explain -------------------------------------------------------------------

@main.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("targets", nargs=-1, required=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--n", "n", help="hidden sizes (overrides the claim's sweep)")
@click.option("--t", "t", help="horizons")
@click.option("--m", "m", help="input sizes (overrides the claim's sweep where it has an m)")
@click.option("--backend", type=click.Choice(BACKENDS), default="auto", show_default=True, help=_BACKEND_HELP)
@click.option("--timeout", type=_Budget(), default="300", show_default=True, help=_TIMEOUT_HELP)
@click.option("--memory", type=_Memory(), default="4", show_default=True, help=_MEMORY_HELP)
def explain(targets, seed, n, t, m, backend, timeout, memory):
    """One claim in full: transcription, location, conventions, each size, and its counterexample step by step.

    TARGETS: the claim's id (or a unique suffix), after the proof files or folders to look in if it is not
    in the default ones (e.g. `symderiv explain notes/mine.py mine.lemma`).
    """
    from .claims import _is_path, resolve_id, select
    from .report import explain as render_explain
    from .runner import run_claims

    console = _console()
    paths = [x for x in targets if _is_path(x)]
    names = [x for x in targets if not _is_path(x)]
    if len(names) != 1:
        _exit(ExitCode.USAGE, f"explain names exactly one claim id (got {len(names)}: {', '.join(names) or '-'})")
    try:
        ns, ts, ms = _parse_sizes(n, t, m)
        col, _ = select(paths or _config(click.get_current_context()).paths())
        cid = resolve_id(col, names[0])
    except SymderivError as e:  # explain names exactly one claim: an id that names none is a usage error
        _exit(ExitCode.USAGE, str(e))
    results = run_claims(col, [cid], jobs=1, timeout=timeout, memory=memory, n=ns, t=ts, m=ms, backend=backend,
                         seed=seed)
    console.print(render_explain(col.items[cid], results, _meta(seed, backend)))
    _exit(ExitCode.OK)


# ----- list ----------------------------------------------------------------------

def _listed_source(source: str) -> str:
    """A claim's ``file:line`` as ``list`` shows it: a shipped proof file by its place among the shipped ones
    (``examples/gru.py:12``), not by the folder symderiv was installed into."""
    from .claims import shipped_proofs

    file, _, line = source.rpartition(":")
    try:
        inside = Path(file).resolve().relative_to(shipped_proofs().resolve()).as_posix()
    except (ValueError, OSError, SymderivError):
        return source
    return f"{inside}:{line}" if Path(file).is_absolute() else source


#: `list`'s columns, in a terminal's table and as the header row of its tab-separated form
LIST_COLUMNS = ("claim", "kind", "where", "expect", "source")


@main.command("list", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("targets", nargs=-1)
def list_claims(targets):
    """List claims with their paper locations and the verdict each proof file expects.

    On a terminal: a table; in a pipe: a header row, then one claim per line, tab-separated (claim, kind,
    where, expect, source), so that ids are never wrapped.
    """
    from .claims import Claim, NothingSelected, default_target, expected_of, select

    cfg = _config(click.get_current_context())
    try:
        col, ids = select(_with_config_paths(list(targets), cfg))
    except NothingSelected as e:
        _exit(ExitCode.USAGE, f"nothing listed: {e}")
    except UsageError as e:
        _exit(ExitCode.USAGE, str(e))
    rows = []
    for i in ids:
        item = col.items[i]
        kind = item.kind if isinstance(item, Claim) else f"{item.kind}"
        rows.append((i, getattr(item, "group", None), kind, item.where, expected_of(col, i).value,
                     _listed_source(item.source)))
    console = _console()
    if console.is_terminal:
        from rich.table import Table

        table = Table(expand=True)
        table.add_column("claim", no_wrap=True, min_width=max([len(r[0]) + 2 for r in rows] + [5]))
        for c in LIST_COLUMNS[1:]:
            table.add_column(c, overflow="fold")
        for i, group, kind, where, exp, source in rows:
            table.add_row(("  " if group else "") + i, kind, where, exp, source)
        console.print(table)
    elif rows:  # tab-separated with a header row, as a TSV reader (and `tail -n +2`) expects
        click.echo("\t".join(LIST_COLUMNS))
        for i, group, kind, where, exp, source in rows:
            click.echo("\t".join((i, kind, where, exp, source)))
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
