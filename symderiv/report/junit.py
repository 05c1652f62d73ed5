"""The JUnit XML report (the structure GitHub, GitLab and Jenkins read), valid against junit-10.xsd.

One ``<testsuite>`` per proof file (its ``file`` attribute is the file's path),
one ``<testcase>`` per claim, reading, part and group. What the schema
(Jenkins' junit-10.xsd, the one pytest's own output is tested against) asks
for, and how symderiv meets it:

* ``skipped`` is a ``<testsuite>`` attribute only (never on ``<testsuites>``);
  both levels carry ``time``, in seconds with at most three decimals.
* the schema has no ``<error>`` element: a claim that could not be checked,
  and a proof file that raised, are ``<failure type="error">`` (counted in
  ``failures``; the ``errors`` attributes are 0).
* counts and times add up: each suite's ``tests``/``failures``/``skipped`` are
  its testcases', ``<testsuites>`` sums its suites, and a suite's ``time`` is
  the sum of its testcases' times. A group's verdict is aggregated from its
  members' results, so its testcase has ``time="0.000"`` (the members carry
  the seconds), and an unexpected verdict is a ``<failure>`` once: on the
  member it comes from, or on the group when no member explains it.
* a testcase has no file/line attributes in this schema: the claim's
  ``file:line`` is the first line of its ``<system-out>`` (and the suite's
  ``file`` names the file).

A claim whose verdict is the expected ``fails`` is an expected failure:
``<skipped type="xfail">``, as pytest writes xfail.
"""
from __future__ import annotations

from ..results import Result, Verdict
from .common import first_line, reach, reproduce_command


def _seconds(x: float) -> str:
    return f"{max(0.0, x):.3f}"


def to_junit(results: list[Result], errors: list, meta: dict, locations: dict | None = None) -> str:
    """JUnit XML, one testcase per result; ``locations``: claim id -> (file, line) (else the result's source)."""
    import xml.etree.ElementTree as ET

    locations = locations or {}
    off = {r.id for r in results if not r.as_expected}
    suites = ET.Element("testsuites", name="symderiv")
    by_file: dict = {}
    for r in results:
        path, line = locations.get(r.id, (r.source.split(":")[0] or "proofs", r.source.rpartition(":")[2] or "1"))
        by_file.setdefault(str(path), []).append((r, line))
    if errors:
        by_file.setdefault("collection", [])
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for fname, rs in by_file.items():
        suite = ET.SubElement(suites, "testsuite", name=fname.rsplit("/", 1)[-1].removesuffix(".py"))
        if fname != "collection":
            suite.set("file", fname)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        reached = [(r.id, reach(r)) for r, _ in rs if reach(r)]
        trusting = [(r.id, "; ".join(r.trusted)) for r, _ in rs if r.trusted]
        if reached or trusting:  # how far each `holds` reaches (every n, every t, the sizes shown), and what a
            props = ET.SubElement(suite, "properties")  # verdict trusts: the schema has no testcase properties
            for cid, how in reached:
                ET.SubElement(props, "property", name=f"{cid}.holds_for", value=how)
            for cid, what in trusting:
                ET.SubElement(props, "property", name=f"{cid}.trusted", value=what)
        seconds = 0.0
        for r, line in rs:
            group = bool(r.members)
            t = 0.0 if group else r.seconds
            seconds += float(_seconds(t))
            case = ET.SubElement(suite, "testcase", classname=suite.get("name"), name=r.id, time=_seconds(t))
            counts["tests"] += 1
            expected = r.wanted
            detail = f"{r.verdict.value}: {r.error or r.scope}"
            if reach(r):
                detail += f"\nholds for {reach(r)}"
            if r.counterexample is not None:
                detail += f"\ncertificate: {r.certificate}\nreproduce: {reproduce_command(r, meta)}"
            explained_by = [m for m in r.members if m in off]
            if r.id in off and not explained_by:
                kind = "error" if r.verdict == Verdict.ERROR else "verdict"
                message = (f"error: {first_line(r.error or 'error')}" if kind == "error"
                           else f"{r.verdict.value}, expected {expected.value}")
                ET.SubElement(case, "failure", message=message, type=kind).text = detail
                counts["failures"] += 1
            elif r.id not in off and r.verdict == Verdict.FAILS:
                ET.SubElement(case, "skipped", type="xfail", message=f"expected failure: {first_line(r.certificate)}")
                counts["skipped"] += 1
            note = ""
            if group:
                note = (f"\ngroup of {', '.join(r.members)}: its verdict is aggregated from theirs (their testcases "
                        f"carry the time)" + (f"; the unexpected verdict is reported on {', '.join(explained_by)}"
                                              if r.id in off and explained_by else ""))
            ET.SubElement(case, "system-out").text = f"{fname}:{line}\n{r.where}\n{r.statement}\n{detail}{note}"
        if fname == "collection":
            for path, cause in errors:
                case = ET.SubElement(suite, "testcase", classname="collection", name=str(path), time="0.000")
                ET.SubElement(case, "failure", message=f"proof file error: {first_line(cause)}",
                              type="error").text = cause
                # as every testcase's output: the file:line first (a CI tool links it), then the cause
                ET.SubElement(case, "system-out").text = f"{path}\n{cause}"
                counts["tests"] += 1
                counts["failures"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            if k in totals:
                totals[k] += v
        suite.set("time", _seconds(seconds))
        totals["time"] += seconds
    for k, v in totals.items():
        suites.set(k, _seconds(v) if k == "time" else str(v))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
