"""``[tool.symderiv]`` in ``pyproject.toml``: the project's defaults for ``symderiv check``.

Looked up the way pytest and ruff look up theirs: from the current directory
upward, the nearest ``pyproject.toml`` that has a ``[tool.symderiv]`` table.
That file's folder is the project root: relative ``paths`` are read from
there, and the verdict cache (``.symderiv_cache/``) lives there. Without one,
the current directory is the root. Command-line options override the file.

Only the standard library is imported here (``symderiv --help`` reads it).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError

#: the keys ``[tool.symderiv]`` accepts, and the type each must have
KEYS = {"paths": list, "timeout": (int, float, str), "jobs": int, "backend": str, "seed": int}
BACKENDS = ("auto", "symengine", "sympy", "fp")


@dataclass
class Config:
    root: Path
    file: Path | None = None
    values: dict = field(default_factory=dict)

    def check_defaults(self) -> dict:
        """The ``check`` command's defaults, as click's ``default_map`` takes them."""
        out = {k: v for k, v in self.values.items() if k in ("timeout", "jobs", "backend", "seed")}
        if "timeout" in out:
            out["timeout"] = str(out["timeout"])
        return out

    def paths(self) -> list[str]:
        return [str((self.root / p)) for p in self.values.get("paths", [])]


def find(start: Path | None = None) -> Config:
    """The nearest ``pyproject.toml`` with ``[tool.symderiv]`` from ``start`` (the cwd) upward, read and vetted."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise UsageError(f"{candidate}: cannot read it as TOML: {e}") from None
        table = data.get("tool", {}).get("symderiv")
        if table is None:
            continue
        return Config(root=folder, file=candidate, values=_vet(candidate, table))
    return Config(root=here)


def _vet(path: Path, table) -> dict:
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.symderiv] must be a table")
    for key, value in table.items():
        if key not in KEYS:
            raise UsageError(f"{path}: [tool.symderiv] has no key {key!r} (known: {', '.join(KEYS)})")
        if isinstance(value, bool) or not isinstance(value, KEYS[key]):
            raise UsageError(f"{path}: [tool.symderiv] {key} = {value!r} has the wrong type")
    if "paths" in table and not all(isinstance(p, str) for p in table["paths"]):
        raise UsageError(f"{path}: [tool.symderiv] paths must be a list of strings")
    if "backend" in table and table["backend"] not in BACKENDS:
        raise UsageError(f"{path}: [tool.symderiv] backend = {table['backend']!r} must be one of {BACKENDS}")
    if "jobs" in table and table["jobs"] < 1:
        raise UsageError(f"{path}: [tool.symderiv] jobs must be at least 1")
    return dict(table)
