"""Issue 19 (psatz): the kernel's own sentences of the claims that trusted "z3 and cvc5 both unsat on the kernel's
own goal", each with its shape and what the Positivstellensatz finder (prove/psatz.py) makes of it.

Run: ``PSATZ_OUT=/tmp/cap.pkl python benchmarks/psatz_capture.py ID …`` (the claims run in process, every
sentence the kernel asks the solvers about recorded with its structured facts; run it on the code *before*
kernel/psatz.py is asked, or on any code: the sentences are the kernel's), then
``python benchmarks/bench_psatz.py /tmp/cap.pkl`` prints the Markdown table of benchmarks/RESULTS.md, "psatz".
"""
from __future__ import annotations

import pickle
import sys
import time

import sympy as sp

from symderiv.kernel.psatz import Cut, Refutation, Split, context, refutes
from symderiv.prove import psatz as finder


def shape(facts) -> dict:
    pos, strict, eqs, ors = context(facts)
    syms = set().union(*[sp.sympify(e).free_symbols for e in pos + eqs]) if pos + eqs else set()
    deg = max([sp.Poly(e, *syms).total_degree() for e in pos + eqs] or [0]) if syms else 0
    return dict(vars=len(syms), deg=deg, ge=sum(1 for s in strict if not s), strict=sum(strict), eq=len(eqs),
                ors=len(ors), opaque=sum(1 for f in facts if f[0] == "opaque"))


def form(cert) -> str:
    if isinstance(cert, Refutation):
        return "leaf"
    if isinstance(cert, Split):
        return "split(" + ", ".join(form(b) for b in cert.branches) + ")"
    if isinstance(cert, Cut):
        return "cut·" + form(cert.rest)
    return "—"


def why_not_sos(sh: dict, said: str) -> str:
    """Why the prove phase's own SOS finder (prove/sos.py, on its encoding) did not give the kernel a certificate:
    read off the sentence's shape."""
    out = []
    if sh["ors"]:
        out.append("a disjunction (max / ρ / λ* witness: needs a case split)")
    if sh["opaque"]:
        out.append("sign equivalences (tanh, logistic) only the solvers read")
    if sh["deg"] > 4:
        out.append(f"degree {sh['deg']}")
    if not out:
        out.append("products of ≥ 2 facts with the negated goal (Psatz, not Putinar on big − small)")
    return "; ".join(out)


def main(path: str) -> None:
    from symderiv.kernel.psatz import BUDGET as psatz_budget

    data = pickle.load(open(path, "rb"))
    print("| claim | # | vars | deg | ≥ | > | = | or | solvers (s) | certificate | form | work | finder s | why SOS missed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    moved = total = 0
    for cid, v in data.items():
        for k, s in enumerate(v["sentences"]):
            facts = s["facts"]
            if facts is None:
                continue
            sh = shape(facts)
            t0 = time.process_time()
            cert = finder.find(facts, psatz_budget)
            dt = time.process_time() - t0
            ok = cert is not None and refutes(facts, cert)[0]
            total += s["ok"]
            moved += ok and s["ok"]
            print(f"| {cid} | {k} | {sh['vars']} | {sh['deg']} | {sh['ge']} | {sh['strict']} | {sh['eq']} | "
                  f"{sh['ors']} | {'unsat' if s['ok'] else 'not both unsat'} ({s['secs']:.2f}) | "
                  f"{'checked' if ok else 'none'} | {form(cert) if ok else '—'} | {finder.last_work()} | {dt:.2f} | "
                  f"{why_not_sos(sh, s['said'])} |")
    print(f"\n{moved} of {total} sentences both solvers refuted now have a certificate the kernel checks.")


if __name__ == "__main__":
    main(sys.argv[1])
