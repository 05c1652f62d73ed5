"""Two audits' JSON reports, claim by claim: what a speed-up must not change.

Run: ``python benchmarks/compare_audit.py BEFORE.json AFTER.json`` where each file is
``symderiv check proofs --no-cache --format json`` (the same targets, options and seed). For every claim id it
compares the fields a verdict consists of: ``verdict``, ``expected``, ``as_expected``, ``scope``, ``trusted``,
``every_n``, ``every_t``, ``proved_at`` and ``searched_at`` (plus ``beyond_sizes_trusts``, and each size's
``status``), and the summary's counts. Prints each difference (id, field, before, after) and exits 1 if there is
one, else prints "identical: N claims" and exits 0. Seconds, phases and details (which name solver times) are
not compared: they differ from run to run.
"""
from __future__ import annotations

import json
import sys

FIELDS = ("verdict", "expected", "as_expected", "scope", "trusted", "every_n", "every_t", "proved_at",
          "searched_at", "beyond_sizes_trusts")
SUMMARY = ("holds", "fails", "undecided", "error", "holds_for_every_t", "holds_for_every_n", "total",
           "not_as_expected", "proof_file_errors", "resting_on_trust")


def differences(before: dict, after: dict) -> list[tuple[str, str, object, object]]:
    out = []
    a = {c["id"]: c for c in before["claims"]}
    b = {c["id"]: c for c in after["claims"]}
    for cid in sorted(set(a) | set(b)):
        if cid not in a or cid not in b:
            out.append((cid, "present", cid in a, cid in b))
            continue
        for f in FIELDS:
            if a[cid].get(f) != b[cid].get(f):
                out.append((cid, f, a[cid].get(f), b[cid].get(f)))
        sa = [(json.dumps(s["size"], sort_keys=True), s["status"]) for s in a[cid].get("sizes") or []]
        sb = [(json.dumps(s["size"], sort_keys=True), s["status"]) for s in b[cid].get("sizes") or []]
        if sa != sb:
            out.append((cid, "sizes", sa, sb))
    for f in SUMMARY:
        if before["summary"].get(f) != after["summary"].get(f):
            out.append(("summary", f, before["summary"].get(f), after["summary"].get(f)))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: compare_audit.py BEFORE.json AFTER.json", file=sys.stderr)
        return 2
    before, after = (json.load(open(p, encoding="utf-8")) for p in argv)
    diffs = differences(before, after)
    for cid, field, x, y in diffs:
        print(f"{cid}: {field}\n  before: {x}\n  after:  {y}")
    if diffs:
        print(f"{len(diffs)} difference(s)")
        return 1
    print(f"identical: {len(after['claims'])} claims")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
