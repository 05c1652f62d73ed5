"""A solver in a child process: reads SMT-LIB on stdin, prints one JSON line. Imports only the solver.

Run by path (``python _worker.py z3 BUDGET``), not through the symderiv package,
so that a child starts in a fraction of a second; ``python _worker.py z3 serve``
answers one JSON request per line until its stdin closes (a warm child, reused
across the sentences of one process: the interpreter and the solver's import
are paid once).
"""
import json
import sys


def _z3(text: str, budget: float, rlimit: int | None = None) -> dict:
    import z3

    # a fresh context per sentence: its answer and its resource count do not depend on the sentences before it
    s = z3.SolverFor("QF_NRA", ctx=z3.Context())
    if rlimit:
        s.set("rlimit", int(rlimit))
    else:
        s.set("timeout", int(budget * 1000))
    s.from_string(text)
    r = s.check()
    st = s.statistics()
    units = int(st.get_key_value("rlimit count")) if "rlimit count" in st.keys() else None
    if r == z3.unsat:
        return {"status": "unsat", "units": units}
    if r == z3.sat:
        m = s.model()
        model = {}
        for d in m.decls():
            if d.arity() > 0:  # z3's own function (its `/0` where solve-eqs wrote q·y = x as q = x/y): no variable
                continue
            v = m[d]
            if z3.is_rational_value(v):
                model[d.name()] = f"{v.numerator_as_long()}/{v.denominator_as_long()}"
            elif z3.is_algebraic_value(v):  # an algebraic number: its approximation only guides the search
                model[d.name()] = "~" + v.approx(20).as_decimal(20).rstrip("?")
            # anything else (a Boolean, …) is no coordinate of a point: left out, the candidate is only a guide
        return {"status": "sat", "model": model, "units": units}
    return {"status": "unknown", "why": s.reason_unknown(), "units": units}


def _cvc5(text: str, budget: float, rlimit: int | None = None) -> dict:
    import cvc5

    tm = cvc5.TermManager()
    slv = cvc5.Solver(tm)
    if rlimit:
        slv.setOption("rlimit-per", str(int(rlimit)))
    else:
        slv.setOption("tlimit-per", str(int(budget * 1000)))
    # cylindrical algebraic coverings alone (a complete procedure for QF_NRA), without the incremental
    # linearization cvc5 runs first by default: 5–7× less CPU on the sentences of the prove phase
    # (spectral-psd's λ_max step at n = 2: 1.75 s to 0.3 s per half; see benchmarks/RESULTS.md)
    slv.setOption("nl-ext", "none")
    sm = cvc5.SymbolManager(tm)
    parser = cvc5.InputParser(slv, sm)
    parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, text + "(check-sat)\n", "sentence")
    answer = ""
    while True:
        cmd = parser.nextCommand()
        if cmd.isNull():
            break
        answer = cmd.invoke(slv, sm) or answer
    answer = answer.strip()
    try:
        units = int(slv.getStatistics()["resource::resourceUnitsUsed"]["value"])
    except Exception:  # noqa: BLE001 — the count is a measurement, never an answer
        units = None
    return {"status": answer if answer in ("sat", "unsat") else "unknown", "why": answer, "units": units}


def _answer(solver: str, text: str, budget: float, rlimit: int | None = None) -> dict:
    try:
        return {"z3": _z3, "cvc5": _cvc5}[solver](text, budget, rlimit)
    except Exception as e:  # a solver's own failure is an unknown, never a verdict
        return {"status": "unknown", "why": f"{type(e).__name__}: {e}"[:200]}


if __name__ == "__main__":
    solver = sys.argv[1]
    if sys.argv[2] == "serve":
        # warm: one request per line ({"text", "budget"}), one answer per line, until stdin closes (the parent
        # exited); the parent kills this process when an answer overruns its budget. The solver is imported
        # first, and a line says so: the parent does not count this start in a sentence's budget
        try:
            __import__(solver)
        except Exception:  # noqa: BLE001 — each request then answers unknown with the reason
            pass
        print(json.dumps({"ready": solver}), flush=True)
        for line in sys.stdin:
            req = json.loads(line)
            print(json.dumps(_answer(solver, req["text"], float(req["budget"]), req.get("rlimit"))), flush=True)
    else:
        print(json.dumps(_answer(solver, sys.stdin.read(), float(sys.argv[2]))))
