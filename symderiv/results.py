"""Verdicts and the evidence behind them: plain data, rendered by the report package."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .certificates import Counterexample
from .sizes import format_values


class Verdict(str, enum.Enum):
    #: shown to hold, in the stated scope
    HOLDS = "holds"
    #: refuted by a certified counterexample
    FAILS = "fails"
    #: neither established (no counterexample is not a proof)
    UNDECIDED = "undecided"
    #: the claim could not be checked (bad transcription, bad size)
    ERROR = "error"


@dataclass
class SizeOutcome:
    size: dict
    status: Verdict
    detail: str = ""
    seconds: float = 0.0
    method: str = ""  # "fp": decided by randomized exact testing over F_p (its `holds` is no exact proof)
    note: str = ""    # said in the scope: e.g. why `auto` fell back from F_p to the exact engine


@dataclass
class Result:
    id: str
    verdict: Verdict
    expected: Verdict | None
    source: str
    where: str
    statement: str
    conventions: dict
    scope: str = ""
    counterexample: Counterexample | None = None
    certificate: str = ""          # what the independent checker said
    seconds: float = 0.0
    sizes: list[SizeOutcome] = field(default_factory=list)
    error: str | None = None
    phases: dict = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    group: str | None = None
    note: str = ""
    steps: list = field(default_factory=list)  # a chain's steps: (label, verdict, detail), in order
    every_t: bool = False  # `holds` proved for every t by induction (induction.py), not only at the sizes shown

    @property
    def as_expected(self) -> bool:
        return self.verdict == (self.expected or Verdict.HOLDS)


def describe_scope(outcomes: list[SizeOutcome], method: str) -> str:
    """Summarise per-size outcomes: "holds for n = 1 (t = 1–4); fails for n = 2–3 (t = 1–4)"."""
    if not outcomes:
        return ""
    if len(outcomes) == 1 and not outcomes[0].size:
        return f"{method}: {outcomes[0].status.value}"
    by_n: dict = {}
    for o in outcomes:
        key = tuple((k, v) for k, v in o.size.items() if k != "t")
        by_n.setdefault(key, []).append(o)
    # status -> t-values -> list of n
    groups: dict = {}
    for key, outs in by_n.items():
        for status in (Verdict.HOLDS, Verdict.FAILS, Verdict.UNDECIDED, Verdict.ERROR):
            ts = tuple(o.size.get("t") for o in outs if o.status == status)
            if ts:
                groups.setdefault((status, ts), []).append(key)
    parts = []
    for (status, ts), keys in sorted(groups.items(), key=lambda kv: (list(Verdict).index(kv[0][0]), kv[1])):
        ns = [dict(k).get("n") for k in keys]
        where = f"n = {format_values(ns)}" if None not in ns else ""
        tpart = f"t = {format_values(ts)}" if None not in ts else ""
        label = {"holds": "holds", "fails": "fails", "undecided": "undecided", "error": "error"}[status.value]
        parts.append(f"{label} for {where}" + (f" ({tpart})" if tpart and where else tpart))
    return f"{method}: " + "; ".join(parts)
