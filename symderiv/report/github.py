"""GitHub Actions: an ``::error`` annotation per verdict that differs, and a Markdown job summary.

Both follow GitHub's documented workflow commands: an annotation is the line
``::error file=F,line=L,title=T::message`` (escaped the way ``@actions/core``
escapes: ``%``, CR and LF everywhere, ``:`` and ``,`` in properties), and the
job summary is Markdown appended to the file ``$GITHUB_STEP_SUMMARY`` names.
Rendering only: nothing here computes a verdict.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..results import Result
from ..claims import relative
from .common import first_line, reproduce_command, split_location


def active(environ=None) -> bool:
    """Running as a GitHub Actions step (the runner sets ``GITHUB_ACTIONS=true``)."""
    return (environ if environ is not None else os.environ).get("GITHUB_ACTIONS") == "true"


def _data(text: str) -> str:
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(results: list[Result], errors: list, meta: dict, locations: dict) -> list[str]:
    """One ``::error`` line per claim whose verdict is not the expected one, and one per proof file error.

    ``locations``: claim id -> (file, line) as the repository sees it (the file relative to the checkout).
    A group whose unexpected verdict comes from a member is annotated once, at the member.
    """
    out = []
    off = {r.id for r in results if not r.as_expected}
    for r in results:
        if r.id not in off or any(m in off for m in r.members):
            continue
        expected = r.wanted.value
        path, line = locations.get(r.id, (r.source.split(":")[0], 1))
        message = f"{r.id} ({r.where}): {r.verdict.value}, expected {expected}. {first_line(r.error or r.scope)}"
        if r.counterexample is not None:
            message += f"\ncertificate: {r.certificate}\nreproduce: {reproduce_command(r, meta)}"
        out.append(f"::error file={_prop(path)},line={line},title={_prop(f'symderiv: {r.id} {r.verdict.value}')}"
                   f"::{_data(message)}")
    for path, cause in errors:
        file, line = split_location(path)
        out.append(f"::error file={_prop(relative(file))},line={line},title={_prop('symderiv: proof file error')}"
                   f"::{_data(cause)}")
    return out


def append_summary(markdown: str, environ=None) -> Path | None:
    """Append the Markdown report to ``$GITHUB_STEP_SUMMARY`` (the job's summary page); None when not set."""
    target = (environ if environ is not None else os.environ).get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as f:
        f.write(markdown if markdown.endswith("\n") else markdown + "\n")
    return path
