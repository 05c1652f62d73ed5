"""Sizes and sweeps: which (n, t) a claim is checked at."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from .errors import SizeError

DEFAULT = {"n": (1, 2, 3), "t": (1, 2, 3, 4)}


def parse_range(name: str, text: str) -> tuple[int, ...]:
    """Parse "3", "1-3" or "1,2,5" into positive integers; anything else is a SizeError."""
    out: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:\s*[-–]\s*(\d+))?", part)
        if not m:
            raise SizeError(f"--{name} {text!r} is not a size: use a positive integer, a range like 1-3, or a list like 1,2,5")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if lo < 1 or hi < lo:
            raise SizeError(f"--{name} {text!r} must be positive integers with lo ≤ hi")
        out.extend(range(lo, hi + 1))
    return tuple(sorted(set(out)))


@dataclass(frozen=True)
class Sweep:
    """The sizes a claim is checked at. ``fixed`` dims are part of the claim itself."""

    dims: dict = field(default_factory=lambda: dict(DEFAULT))
    fixed: frozenset = frozenset()

    def validate(self) -> None:
        """Checked when the claim is run, so a bad size is that claim's error, not its file's."""
        for name, values in self.dims.items():
            for v in values:
                if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                    raise SizeError(f"{name}={v!r} must be a positive integer")

    def override(self, **dims) -> "Sweep":
        new = dict(self.dims)
        for name, values in dims.items():
            if values is not None and name not in self.fixed and name in new:
                new[name] = tuple(values)
        return Sweep(new, self.fixed)

    def sizes(self) -> list[dict]:
        """Every size, smallest first (by n, then t)."""
        self.validate()
        names = list(self.dims)
        combos = itertools.product(*(self.dims[k] for k in names))
        return sorted((dict(zip(names, c)) for c in combos), key=lambda s: tuple(s[k] for k in names))


def _values(v) -> tuple:
    return tuple(v) if isinstance(v, (list, tuple, range)) else (v,)


def no_sizes() -> Sweep:
    """For a claim about fixed numbers (a worked example): checked once, with no size."""
    return Sweep({}, frozenset())


def sweep(n=None, t=None, *, fixed=(), **other) -> Sweep:
    """A proof file's sweep: ``sweep(n=[1, 2, 3], t=range(1, 5))``; ``fixed`` dims ignore --n/--t."""
    dims = dict(DEFAULT)
    if n is not None:
        dims["n"] = _values(n)
    if t is not None:
        dims["t"] = _values(t)
    for k, v in other.items():
        dims[k] = _values(v)
    return Sweep(dims, frozenset(fixed))


def format_values(values) -> str:
    """1,2,3,5 → "1–3, 5"."""
    values = sorted(set(values))
    runs, start = [], None
    for i, v in enumerate(values):
        if start is None:
            start = v
        if i + 1 == len(values) or values[i + 1] != v + 1:
            runs.append(str(start) if start == v else f"{start}–{v}")
            start = None
    return ", ".join(runs)
