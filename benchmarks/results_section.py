"""One section of benchmarks/RESULTS.md, between ``<!-- name -->`` markers, replaced or appended by a benchmark."""
from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(name: str, text: str) -> str:
    """Put ``text`` (which starts with ``<!-- name -->`` and ends with ``<!-- /name -->``) into RESULTS.md; print it."""
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = rf"<!-- {re.escape(name)} -->.*<!-- /{re.escape(name)} -->"
    if re.search(pattern, old, flags=re.S):
        new = re.sub(pattern, lambda _: text, old, flags=re.S)
    else:
        new = old.rstrip() + "\n\n" + text + "\n"
    RESULTS.write_text(new)
    print(text)
    return text
