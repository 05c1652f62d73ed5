"""The JSON report (the document `--format json` writes)."""
from __future__ import annotations

import json

from ..results import Result, Verdict
from .common import reproduce_command


def to_json(results: list[Result], errors: list, meta: dict, locations: dict | None = None, *,
            ascii_only: bool = False) -> str:
    """The JSON document; ``locations`` (claim id -> (file, line)) adds ``file`` and ``line`` to each claim;
    ``ascii_only`` escapes non-ASCII characters (a stream that cannot encode them: nothing is lost)."""
    locations = locations or {}
    claims = []
    for r in results:
        claims.append({  # the Result itself (Result.from_json reads it back), and what the gate adds
            **r.to_json(), "expected": r.wanted.value, "as_expected": r.as_expected,
            "certificate": r.certificate or None, "seconds": round(r.seconds, 4),
            "trusted": r.trusted,  # what the verdict rests on beyond the kernel's own checks (empty: nothing)
        })
        if r.id in locations:
            claims[-1]["file"], claims[-1]["line"] = str(locations[r.id][0]), int(locations[r.id][1])
        if r.counterexample is not None:
            claims[-1]["reproduce"] = reproduce_command(r, meta)   # the one command that finds it again
    summary = {v.value: sum(r.verdict == v for r in results) for v in Verdict}
    summary["holds_for_every_t"] = sum(r.verdict == Verdict.HOLDS and r.every_t for r in results)
    summary["holds_for_every_n"] = sum(r.verdict == Verdict.HOLDS and r.every_n for r in results)
    summary["resting_on_trust"] = [r.id for r in results if r.trusted]
    summary["total"] = len(results)
    summary["not_as_expected"] = [r.id for r in results if not r.as_expected]
    summary["proof_file_errors"] = [{"path": p, "cause": c} for p, c in errors]
    return json.dumps({"meta": meta, "claims": claims, "summary": summary}, indent=2, ensure_ascii=ascii_only)
