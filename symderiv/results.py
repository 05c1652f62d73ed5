"""Verdicts and the evidence behind them: typed data, rendered by the report package.

Nothing here is prose parsed back: a step carries its :class:`Verdict`, a phase
is a :class:`Phase`, and why a size's check stopped is a :class:`StopReason`.
A :class:`Result` round-trips through JSON (:meth:`Result.to_json` /
:meth:`Result.from_json`), as its certificate does.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import NamedTuple

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


class Phase(enum.StrEnum):
    """The named phases of one check, in the order the engine enters them (its seconds are kept per phase)."""

    #: the two sides from the transcription
    BUILD = "build"
    #: the normal form of lhs − rhs
    DECIDE = "decide"
    #: randomized exact testing over F_p
    DECIDE_FP = "decide (F_p)"
    #: F_p trials at small sizes, to find where the exact engine can certify
    LOCATE_FP = "locate (F_p)"
    #: an identity's witness search and shrinking
    SEARCH_SHRINK = "search+shrink"
    #: a relation's candidate search
    SEARCH = "search"
    #: a relation's counterexample shrinking
    SHRINK = "shrink"
    #: the kernel's replay of a certificate
    CERTIFY = "certify"
    #: naming what a certified entry is and which entries differ (for the report; no verdict depends on it)
    DESCRIBE = "describe"
    #: after every size holds: the proof for every t (induction.py)
    INDUCTION = "induction"
    #: an inequality's proof over all values (prove=: an SOS or convex certificate)
    PROVE = "prove"
    #: after every size holds: the lift to every n (every_n.py)
    EVERY_N = "every n"


class StopReason(enum.StrEnum):
    """Why the check of one size stopped (as Hypothesis records an ExitReason)."""

    #: the normal form of lhs − rhs is 0: holds at this size
    NORMAL_FORM_ZERO = "normal form zero"
    #: lhs − rhs reduces to 0 modulo the stated relations (Gröbner basis)
    REDUCED_MODULO = "reduced modulo"
    #: lhs − rhs does not reduce modulo the relations; no search under side relations
    NOT_REDUCED_MODULO = "not reduced modulo"
    #: every F_p trial agreed, with the stated error bound
    FP_AGREED = "F_p trials agreed"
    #: the kernel accepted a counterexample
    CERTIFIED = "certified counterexample"
    #: the search ended without a certified counterexample (not a proof)
    SEARCH_EXHAUSTED = "search exhausted"
    #: the kernel showed no point of this size where the sides have a value (kernel/domain.py): nothing confirmed,
    #: nothing to certify either (a counterexample is a point with a value)
    NO_VALUE = "no value shown"
    #: the proof file names its witness and it does not refute the claim
    NAMED_WITNESS = "named witness"
    #: a '≠' claim: the verdict is the negation of the sides' equality
    NEGATED = "negated"
    #: the size could not be checked (the claim's error)
    ERROR = "error"


class Method(enum.StrEnum):
    """How a size was decided."""

    #: symbolic: exact normal form, or a certified search
    EXACT = ""
    #: randomized exact testing over F_p (its ``holds`` is no exact proof)
    FP = "fp"
    #: exact, as rational functions after clearing denominators (engine.rational_scope: where they are not 0)
    RATIONAL = "rational"


class Step(NamedTuple):
    """One step of a chain a = b ≤ c: its label, verdict and evidence (a tuple: ``label, verdict, detail = step``)."""

    label: str
    verdict: Verdict
    detail: str


@dataclass
class SizeOutcome:
    size: dict
    status: Verdict
    detail: str = ""
    seconds: float = 0.0
    method: Method | str = Method.EXACT  # a Method, or the proof methods of an inequality's steps ("sos + …")
    stop: StopReason | None = None
    note: str = ""    # said in the scope: e.g. why `auto` fell back from F_p to the exact engine
    #: the kernel's Proved/Refuted behind a holds/fails (kernel.accept); checked and dropped where the Result is made
    tokens: tuple = field(default=(), repr=False, compare=False)
    #: is this size part of what a ``holds`` claims? False for a size only searched outside the prove phase's
    #: sizes: its ``undecided`` does not make the verdict undecided, its certified failure still fails it (:func:`fold`)
    in_scope: bool = True
    #: what the kernel's token for this size said (:class:`Acceptance`), kept when the token itself is dropped
    kernel: "Acceptance | None" = None

    def to_json(self) -> dict:
        out = {"size": dict(self.size), "status": self.status.value, "detail": self.detail,
               "seconds": self.seconds, "method": str(self.method),
               "stop": None if self.stop is None else self.stop.value}
        if self.note:
            out["note"] = self.note
        if not self.in_scope:
            out["in_scope"] = False
        if self.kernel is not None:
            out["kernel"] = self.kernel.to_json()
        return out

    @classmethod
    def from_json(cls, d: dict) -> "SizeOutcome":
        return cls(dict(d["size"]), Verdict(d["status"]), d.get("detail", ""), float(d.get("seconds", 0.0)),
                   _method(d.get("method", "")), None if d.get("stop") is None else StopReason(d["stop"]),
                   d.get("note", ""), in_scope=d.get("in_scope", True),
                   kernel=None if d.get("kernel") is None else Acceptance.from_json(d["kernel"]))


@dataclass(frozen=True)
class Acceptance:
    """The kernel's word on one size, as data (its token does not leave the process that made it).

    ``kind``: what was accepted ("identity", "step", "every n"); ``holds``: Proved or Refuted; ``how``: the
    kernel's own check, in its words; ``trusts``: what it did not re-check itself (empty when it re-checked
    everything); ``error_bits``/``trials``: a randomized acceptance errs with probability ≤ (D·2^−bits)^trials.
    """

    kind: str
    holds: bool
    how: str
    trusts: tuple = ()
    error_bits: int | None = None
    trials: int | None = None
    degree: int | None = None  # E, the kernel's bound on the difference's degree: error ≤ (E·2^−bits)^trials

    @property
    def rechecked(self) -> bool:
        """Did the kernel re-check everything this size's verdict rests on?"""
        return not self.trusts

    def to_json(self) -> dict:
        return {"kind": self.kind, "holds": self.holds, "how": self.how, "trusts": list(self.trusts),
                "error_bits": self.error_bits, "trials": self.trials, "degree": self.degree}

    @classmethod
    def from_json(cls, d: dict) -> "Acceptance":
        return cls(d["kind"], bool(d["holds"]), d.get("how", ""), tuple(d.get("trusts", ())),
                   d.get("error_bits"), d.get("trials"), d.get("degree"))


def _part(x) -> tuple[Verdict, bool]:
    """(verdict, in the verdict's scope) of a part: a Verdict, a SizeOutcome, a Step or a Result."""
    if isinstance(x, Verdict):
        return x, True
    for name in ("status", "verdict"):
        v = getattr(x, name, None)
        if isinstance(v, Verdict):
            return v, getattr(x, "in_scope", True)
    return Verdict(x), True


def fold(parts) -> Verdict:
    """The one rule that folds parts into a verdict: a claim's sizes, a chain's steps, a group's parts, and the
    verdicts a group's members are expected to have.

    * ``fails`` when any part fails: a certified counterexample anywhere refutes the claim (past the sweep, at a
      size outside the prove phase, one step of a chain, one part of a compound claim);
    * else ``error`` when any part is an error: the claim was not checked in full;
    * else ``holds`` when the parts in the verdict's scope (``in_scope``) are not empty and all hold: the
      verdict's scope is exactly those parts (a size only searched is outside it, and the report says so);
    * else ``undecided``.

    Parts are :class:`Verdict` values or objects with a ``status`` or ``verdict`` (and maybe ``in_scope``).
    tests/test_fold.py checks the rule's properties, that every Result is the fold of its sizes, and that no
    other module folds verdicts by hand.
    """
    seen = [_part(p) for p in parts]
    verdicts = {v for v, _ in seen}
    if Verdict.FAILS in verdicts:
        return Verdict.FAILS
    if Verdict.ERROR in verdicts:
        return Verdict.ERROR
    scoped = [v for v, s in seen if s]
    if scoped and all(v is Verdict.HOLDS for v in scoped):
        return Verdict.HOLDS
    return Verdict.UNDECIDED


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
    phases: dict = field(default_factory=dict)   # Phase -> seconds
    members: list[str] = field(default_factory=list)
    group: str | None = None
    note: str = ""
    steps: list[Step] = field(default_factory=list)  # a chain's steps, in order
    why: str = ""                  # the proof file's sentence on why the claim fails (``why=``)
    every_t: bool = False  # `holds` proved for every t by induction (induction.py), not only at the sizes shown
    every_n: bool = False  # `holds` lifted to every n (every_n.py): a formal identity decided at its threshold size
    argument: tuple = ()  # the every-n (and every-t) argument's steps as the lift took them (explain shows them)
    #: what the verdict's reach beyond the sizes shown (every t, every n) rests on that the kernel did not re-check
    beyond_sizes_trusts: list[str] = field(default_factory=list)
    # a relational claim's reach (the prove phase): the sizes proved in real arithmetic, and the sizes only
    # searched (no certified counterexample, no proof); :attr:`proof_reach` says it in words for the verdict line
    proved_at: list = field(default_factory=list)
    searched_at: list = field(default_factory=list)

    @property
    def proof_reach(self) -> str:
        """'proved at n = 1–2; searched at n = 3' (empty for a result without a prove phase)."""
        parts = []
        for word, sizes in (("proved", self.proved_at), ("searched", self.searched_at)):
            if sizes:
                parts.append(f"{word} at {_sizes_text(sizes)}")
        return "; ".join(parts)

    @property
    def trusted(self) -> list[str]:
        """What a ``holds``/``fails`` rests on beyond the kernel's own checks, once each (typed, per size in
        ``sizes[k].kernel``): empty when the kernel re-checked every size the verdict rests on."""
        if self.verdict not in (Verdict.HOLDS, Verdict.FAILS):
            return []
        return list(dict.fromkeys([*(x for o in self.sizes if o.status == self.verdict and o.kernel is not None
                                     for x in o.kernel.trusts), *self.beyond_sizes_trusts]))

    @property
    def wanted(self) -> Verdict:
        """The verdict CI should see: the proof file's ``expect=``, ``holds`` when it says nothing (the one rule)."""
        return self.expected or Verdict.HOLDS

    @property
    def as_expected(self) -> bool:
        return self.verdict == self.wanted

    def to_json(self) -> dict:
        """Plain JSON data; :meth:`from_json` gives back an equal Result."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in ("verdict", "expected"):
                v = None if v is None else v.value
            elif f.name == "counterexample":
                v = None if v is None else v.to_json()
            elif f.name == "sizes":
                v = [s.to_json() for s in v]
            elif f.name == "phases":
                v = {str(k): float(s) for k, s in v.items()}
            elif f.name == "steps":
                v = [{"step": s.label, "verdict": Verdict(s.verdict).value, "detail": s.detail} for s in v]
            elif f.name in ("conventions", "members"):
                v = type(v)(v)
            out[f.name] = v
        return out

    @classmethod
    def from_json(cls, d: dict) -> "Result":
        d = dict(d)
        d["verdict"] = Verdict(d["verdict"])
        d["expected"] = None if d.get("expected") is None else Verdict(d["expected"])
        d["counterexample"] = None if d.get("counterexample") is None else Counterexample.from_json(d["counterexample"])
        d["sizes"] = [SizeOutcome.from_json(s) for s in d.get("sizes", ())]
        d["phases"] = {_phase(k): float(s) for k, s in d.get("phases", {}).items()}
        d["steps"] = [Step(s["step"], Verdict(s["verdict"]), s["detail"]) for s in d.get("steps", ())]
        d["argument"] = tuple(d.get("argument", ()))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def _method(name: str):
    try:
        return Method(name)
    except ValueError:  # an inequality's proof methods, as the engine named them
        return name


def _phase(name: str):
    try:
        return Phase(name)
    except ValueError:  # a phase named by another part (the runner's "start")
        return name


def _sizes_text(sizes: list[dict]) -> str:
    """'n = 1–2' (t too where the sizes differ in it; 'every value' for the one size of a claim without sizes)."""
    if len(sizes) == 1 and not sizes[0]:
        return "every value"
    one_t = len({s.get("t") for s in sizes}) == 1   # t shown only where the sizes differ in it
    keys = [tuple((k, v) for k, v in s.items() if k != "t" or not one_t) for s in sizes]
    return _dims_text(keys) or ", ".join(str(s) for s in sizes)


def _dims_text(keys: list[tuple]) -> str:
    """Every dimension but t of a set of sizes: "n = 1–3, m = 2" when the set is the product of each dimension's
    values, else each size apart ("n = 1, m = 2; n = 2, m = 1"): a scope names every dimension it holds for."""
    if not keys or not keys[0]:
        return ""
    names = [k for k, _ in keys[0]]
    values = {name: sorted({dict(k)[name] for k in keys}) for name in names}
    count = 1
    for v in values.values():
        count *= len(v)
    if count == len(set(keys)):
        return ", ".join(f"{name} = {format_values(values[name])}" for name in names)
    return "; ".join(", ".join(f"{k} = {v}" for k, v in key) for key in sorted(set(keys)))


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
        where = _dims_text(keys)
        tpart = f"t = {format_values(ts)}" if None not in ts else ""
        label = {"holds": "holds", "fails": "fails", "undecided": "undecided", "error": "error"}[status.value]
        parts.append(f"{label} for {where}" + (f" ({tpart})" if tpart and where else tpart))
    return f"{method}: " + "; ".join(parts)
