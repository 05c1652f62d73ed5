"""pytest plugin (entry point ``pytest11``): ``pytest proofs/`` checks every claim as a test item.

A proof file is collected when it imports symderiv and sits in a folder named
``proofs`` (or is given on the command line). Each claim, reading and part is
an item; a claim expected to fail is a strict xfail (it must fail, with a
certified counterexample); a verdict other than the expected one fails the
test and the failure report shows the evidence. Items are independent, so
``pytest -n auto`` (pytest-xdist) spreads them over workers.
"""
from __future__ import annotations

import pytest

from . import engine
from .claims import Collection, Group, collect_file
from .results import Verdict


def pytest_addoption(parser):
    group = parser.getgroup("symderiv")
    group.addoption("--symderiv-seed", type=int, default=0, help="seed of symderiv's counterexample search")


def _is_proof_file(file_path, config) -> bool:
    if file_path.suffix != ".py" or file_path.name.startswith(("_", "test_", "conftest")):
        return False
    given = any(str(file_path) == str(a) for a in config.args)
    if not (given or file_path.parent.name == "proofs"):
        return False
    try:
        return "symderiv" in file_path.read_text(encoding="utf-8")
    except OSError:
        return False


def pytest_collect_file(file_path, parent):
    if _is_proof_file(file_path, parent.config):
        return ProofFile.from_parent(parent, path=file_path)
    return None


class ProofFile(pytest.File):
    def collect(self):
        col = Collection()
        collect_file(self.path, col)
        for path, cause in col.errors:
            raise self.CollectError(f"{path}: {cause}")
        for cid, item in col.items.items():
            yield ClaimItem.from_parent(self, name=cid, collection=col, cid=cid)


class ClaimItem(pytest.Item):
    def __init__(self, *, collection: Collection, cid: str, **kw):
        super().__init__(**kw)
        self.collection, self.cid = collection, cid
        item = collection.items[cid]
        expected = item.expect
        if expected is None and isinstance(item, Group) and item.kind == "readings":
            expected = collection.items[f"{item.id}.{item.intent}"].expect
        if expected == Verdict.FAILS or (expected is None and isinstance(item, Group) and item.kind == "parts"
                                         and any(collection.items[m].expect == Verdict.FAILS for m in item.members)):
            self.add_marker(pytest.mark.xfail(strict=True, raises=ClaimFailed,
                                              reason="the proof file expects a certified counterexample"))
        self.result = None

    def runtest(self):
        seed = self.config.getoption("symderiv_seed")
        results = engine.run(self.collection, [self.cid], seed=seed)
        self.result = next(r for r in results if r.id == self.cid)
        r = self.result
        expected = r.expected or Verdict.HOLDS
        if r.verdict == Verdict.FAILS:
            raise ClaimFailed(self.result, expected)
        if r.verdict != expected and not (expected == Verdict.FAILS and r.verdict == Verdict.HOLDS):
            raise ClaimMismatch(self.result, expected)  # (a holds where fails was expected: strict XPASS)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, (ClaimFailed, ClaimMismatch)):
            r = self.result
            if r is None or r.counterexample is None:
                return str(excinfo.value)
            from .report.evidence import describe, plain_lines  # the report's one description of a witness

            expected = (r.expected or Verdict.HOLDS).value
            head = [f"{r.id} {r.verdict.value}, expected {expected} ({r.where})", f"statement: {r.statement}",
                    f"scope: {r.scope}"]
            return "\n".join(head + plain_lines(describe(r)))
        return super().repr_failure(excinfo)

    def reportinfo(self):
        item = self.collection.items[self.cid]
        source = getattr(item, "source", "")
        line = int(source.rsplit(":", 1)[1]) - 1 if ":" in source else 0
        return self.path, line, f"{self.cid} ({item.where})"


class ClaimMismatch(Exception):
    def __init__(self, r, expected):
        super().__init__(f"{r.id}: {r.verdict.value}, expected {expected.value}\n{r.where}: {r.statement}\n"
                         f"{r.error or r.scope}")


class ClaimFailed(Exception):
    """A certified counterexample: the claim fails (strict xfail when the proof file expects it)."""

    def __init__(self, r, expected):
        c = r.counterexample
        lines = [f"{r.id} fails ({r.where}): {r.statement}", f"scope: {r.scope}"]
        if c is not None:
            lines.append("counterexample at " + ", ".join(f"{k} = {v}" for k, v in c.size.items()))
            lines += [f"  {k} = {v}" for k, v in c.point.items()]
            if c.kind == "identity":
                lines.append(f"  entry {c.entry}: lhs = {c.lhs}, rhs = {c.rhs}")
            else:
                lines.append(f"  step {c.step!r}: lhs = {c.lhs}, rhs = {c.rhs}")
            lines.append(f"certificate: {r.certificate}")
        super().__init__("\n".join(lines))
