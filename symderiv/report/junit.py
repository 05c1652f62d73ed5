"""The JUnit XML report (the structure GitHub, GitLab and Jenkins read)."""
from __future__ import annotations

from ..results import Result, Verdict
from .common import first_line, reproduce_command


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
                ET.SubElement(case, "error", message=first_line(r.error or "error"), type="error").text = detail
                counts["errors"] += 1
            elif not r.as_expected:
                ET.SubElement(case, "failure", message=f"{r.verdict.value}, expected {expected.value}",
                              type="verdict").text = detail
                counts["failures"] += 1
            elif r.verdict == Verdict.FAILS:
                ET.SubElement(case, "skipped", type="xfail", message=f"expected failure: {first_line(r.certificate)}")
                counts["skipped"] += 1
            ET.SubElement(case, "system-out").text = f"{r.where}\n{r.statement}\n{detail}"
        if fname == "collection":
            for path, cause in errors:
                case = ET.SubElement(suite, "testcase", classname="collection", name=path, time="0")
                ET.SubElement(case, "error", message=first_line(cause), type="ProofFileError").text = cause
                counts["tests"] += 1
                counts["errors"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
    for k, v in totals.items():
        suites.set(k, str(v))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
