"""What a relational claim with ``prove=`` has shown: its verdict and its scope, size by size.

``holds`` means: proved at every size the claim lists in ``prove=``, by the
method shown per size, and no certified counterexample at any size of the
sweep; sizes outside ``prove=`` were only searched, and the scope says so.
"""
from __future__ import annotations

from ..results import Verdict
from ..sizes import format_values


def _where(outs) -> str:
    ns = [o.size.get("n") for o in outs]
    if None in ns:
        return "every value" if len(outs) == 1 and not outs[0].size else ", ".join(map(str, (o.size for o in outs)))
    return f"n = {format_values(ns)}"


def proved_scope(claim, outcomes) -> str:
    """'proved for n = 1–2 (z3 nlsat and cvc5 both unsat); n = 3: …' in sweep order, grouped by what happened."""
    groups: list = []   # [(kind, text, [outcomes])]
    for o in outcomes:
        if claim.proves_at(o.size) and o.status == Verdict.HOLDS:
            key = ("proved", o.method or "proved")
        elif o.status == Verdict.FAILS:
            key = ("fails", "certified counterexample")
        elif o.status == Verdict.ERROR:
            key = ("error", o.detail)
        elif claim.proves_at(o.size):
            key = ("undecided", "not proved; no certified counterexample")
        elif claim.proves_by_default:
            key = ("searched", "beyond the default prove sizes n ≤ 2: no counterexample found by the search, "
                               "which is not a proof")
        else:
            key = ("searched", "not in prove=: no counterexample found by the search, which is not a proof")
        if groups and groups[-1][0] == key:
            groups[-1][1].append(o)
        else:
            groups.append((key, [o]))
    parts = []
    for (kind, text), outs in groups:
        where = _where(outs)
        parts.append({"proved": f"proved for {where} ({text})", "fails": f"fails for {where} ({text})",
                      "error": f"error for {where}: {text}", "undecided": f"undecided for {where} ({text})",
                      "searched": f"{where} searched only ({text})"}[kind])
    return "real-arithmetic proof: " + "; ".join(parts)


def reach_of(claim, outcomes) -> dict:
    """The Result's typed fields saying how far the verdict reaches: ``proved_at`` (the sizes proved) and
    ``searched_at`` (the sizes only searched, without a certified counterexample: outside the prove sizes, or
    not proved there)."""
    proved = [dict(o.size) for o in outcomes if claim.proves_at(o.size) and o.status == Verdict.HOLDS]
    searched = [dict(o.size) for o in outcomes if o.status == Verdict.UNDECIDED]
    return {"proved_at": proved, "searched_at": searched}
