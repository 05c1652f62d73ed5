"""Real-arithmetic solvers, each in a child process with a hard budget.

The sentence is written once in SMT-LIB 2 (QF_NRA) and handed to z3 (its
nlsat procedure, ``z3-solver``) and to cvc5 (``cvc5``), two independent
implementations. Each solver runs in a warm child process (one per solver and
process, replaced when it is killed). A sentence's budget reaches its solver as a
resource limit (:func:`units_for`: z3's ``rlimit``, cvc5's ``rlimit-per``), so
its answer depends on the sentence alone, never on the machine's load; a step
that counts no resources is cut by the child's own CPU time (:data:`CPU_CAP`),
and the wall clock is only a far safety net (:data:`SAFETY`). The answer is
``unsat``, ``sat`` (with z3's model as exact rationals where it has them: a
*candidate* only), or
``unknown`` (including "out of budget").
"""
from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

SOLVERS = ("z3", "cvc5")
#: the child process: imports only its solver
WORKER = str(Path(__file__).with_name("_worker.py"))


@dataclass
class Answer:
    solver: str
    status: str                 # "unsat", "sat", "unknown"
    seconds: float
    model: dict = field(default_factory=dict)   # variable's SMT-LIB name (names_for) -> rational "p/q"; sat only
    why: str = ""
    units: int | None = None    # the solver's resource count for this sentence (z3's rlimit count, cvc5's units)
    #: what ended an ``unknown`` that was no answer of the solver's own: "units" (its resource limit, the same on
    #: every machine), "cpu" (its child's CPU time, :data:`CPU_CAP`), "wall" (the safety net, :data:`SAFETY`:
    #: the machine, not the claim); "" otherwise
    cut: str = ""


# ----- SMT-LIB ----------------------------------------------------------------------

def names_for(variables) -> dict:
    """Each variable's SMT-LIB name, by object: distinct variables get distinct names even where their SymPy
    names agree (two values' entries, a Dummy). The name shows the variable's in printable ASCII (other
    characters, and SMT-LIB's quote and escape, as ``_``), with ``#k`` added where it is taken; a solver's model
    is read back through this map."""
    out: dict = {}
    taken: set = set()
    for v in variables:
        if v in out:
            continue
        base = "".join(ch if 32 < ord(ch) < 127 and ch not in "|\\" else "_" for ch in str(v)) or "v"
        name, k = base, 0
        while name in taken:
            k += 1
            name = f"{base}#{k}"
        taken.add(name)
        out[v] = name
    return out


def _num(r: sp.Rational) -> str:
    p, q = int(r.p), int(r.q)
    body = f"{abs(p)}.0" if q == 1 else f"(/ {abs(p)}.0 {q}.0)"
    return f"(- {body})" if p < 0 else body


def term(e, names: dict) -> str:
    e = sp.sympify(e)
    if e.is_Rational:
        return _num(e)
    if e.is_Symbol:
        try:
            return "|" + names[e] + "|"
        except KeyError:
            raise ValueError(f"the symbol {e} is not a declared variable of the sentence") from None
    if e.is_Add:
        return "(+ " + " ".join(term(a, names) for a in e.args) + ")"
    if e.is_Mul:
        return "(* " + " ".join(term(a, names) for a in e.args) + ")"
    if e.is_Pow and e.exp.is_Integer and e.exp > 0:
        return "(* " + " ".join([term(e.base, names)] * int(e.exp)) + ")"
    raise ValueError(f"not a polynomial: {e}")


def formula(c, names: dict) -> str:
    if c is sp.true or c is True:
        return "true"
    if c is sp.false or c is False:
        return "false"
    if isinstance(c, sp.And):
        return "(and " + " ".join(formula(a, names) for a in c.args) + ")"
    if isinstance(c, sp.Or):
        return "(or " + " ".join(formula(a, names) for a in c.args) + ")"
    if isinstance(c, sp.Not):
        return "(not " + formula(c.args[0], names) + ")"
    if isinstance(c, sp.Equivalent):
        a, *rest = c.args
        return "(and " + " ".join(f"(= {formula(a, names)} {formula(b, names)})" for b in rest) + ")"
    ops = {sp.Eq: "=", sp.Le: "<=", sp.Lt: "<", sp.Ge: ">=", sp.Gt: ">"}
    for cls, op in ops.items():
        if isinstance(c, cls):
            return f"({op} {term(sp.expand(c.lhs - c.rhs), names)} 0.0)"
    if isinstance(c, sp.Ne):
        return f"(not (= {term(sp.expand(c.lhs - c.rhs), names)} 0.0))"
    raise ValueError(f"not a formula of real arithmetic: {c}")


def smtlib(variables, constraints, names: dict | None = None) -> str:
    """The sentence in SMT-LIB 2: every variable declared under its name in ``names`` (:func:`names_for`),
    and a constraint over any other symbol refused (ValueError), never declared implicitly."""
    names = names_for(variables) if names is None else names
    lines = ["(set-logic QF_NRA)"]
    lines += [f"(declare-fun |{names[v]}| () Real)" for v in dict.fromkeys(variables)]
    lines += [f"(assert {formula(c, names)})" for c in constraints]
    return "\n".join(lines) + "\n"


# ----- running ----------------------------------------------------------------------

#: why a solver has no answer: the other's answer had already decided what the caller asked (``decided``)
STOPPED = "stopped: the other solver's answer already decided the question"
#: why a solver has no answer: second in turn (a ``decided`` predicate that names its ``first``: :func:`run_both`),
#: it was not asked at all, since the first solver's answer already decided what the caller asked
NOT_ASKED = "not asked: the first solver's answer already decided the question"


class OutOfBudget(Exception):
    """A solver did not answer within its budget (its child was killed); ``cut`` says which one: ``"cpu"`` (the
    child's own CPU time, :data:`CPU_CAP`), ``"wall"`` (the safety net, :data:`SAFETY`)."""

    def __init__(self, cut: str = "wall"):
        super().__init__(cut)
        self.cut = cut


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) a process has used, from /proc (None where there is none)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return None


#: seconds past a sentence's budget before its solver's child is killed: time to write and read the answer, not
#: more solver time (z3 can overrun its own timeout inside nlsat; cvc5's coverings never look at theirs, so it ran
#: to the kill every time: with 1 s here, a 2 s budget cost 3 s of CPU)
SLACK = 0.3
#: seconds a new child may take to start (the interpreter and its solver's import), counted in no budget
START = 30.0


class _Child:
    """One solver in a warm child process (``_worker.py SOLVER serve``), reused across sentences.

    A child belongs to the process that started it (a forked claim worker starts its own). A new child says
    when its solver is imported (its start is not the sentence's budget); an answer that does not come within
    the child's CPU allowance or the wall-clock safety net (each + :data:`SLACK`) gets the child killed; the next
    sentence starts a fresh child. When this process exits, the child's stdin closes and it ends.
    """

    def __init__(self, solver: str):
        self.solver = solver
        self.proc = None
        self.pid = None
        self.lock = threading.Lock()
        #: the child's own CPU seconds on the last sentence (read from /proc only when :data:`LOG` is set)
        self.last_cpu = None

    def _start(self):
        if self.proc is None or self.pid != os.getpid() or self.proc.poll() is not None:
            if self.proc is not None and self.pid == os.getpid():
                self.close()
            self.proc = subprocess.Popen([sys.executable, WORKER, self.solver, "serve"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.pid = os.getpid()
            # the child's first line says its solver is imported: from then on a sentence's budget is its own
            ready = select.select([self.proc.stdout], [], [], START)[0]
            if not ready or not self.proc.stdout.readline():
                self.close()
                return None
        return self.proc

    def close(self) -> str:
        """Kill the child; what it wrote on stderr (the end of it)."""
        proc, self.proc = self.proc, None
        if proc is None or self.pid != os.getpid():
            return ""
        proc.kill()
        try:
            _, err = proc.communicate(timeout=2)
        except (subprocess.TimeoutExpired, ValueError, OSError):
            err = ""
        return (err or "").strip()[-120:]

    def stop(self, cancel: threading.Event) -> None:
        """From another thread: end the :meth:`ask` given ``cancel`` at once, without an answer (its child is
        killed if it has one; the next sentence starts a fresh child)."""
        cancel.set()
        proc = self.proc
        if proc is not None and self.pid == os.getpid():
            try:
                proc.kill()
            except OSError:
                pass

    def ask(self, text: str, budget: float, cancel: threading.Event | None = None, rlimit: int | None = None,
            wall: float | None = None, cpu: float | None = None) -> dict:
        """The child's answer as a dict; raises :class:`OutOfBudget` when it did not answer within the budget."""
        if self.pid is not None and self.pid != os.getpid():   # forked: the parent's child and lock are not ours
            self.proc, self.pid, self.lock = None, None, threading.Lock()
        with self.lock:
            proc = self._start()
            if cancel is not None and cancel.is_set():   # stopped while the child started: it ends here
                self.close()
                return {"status": "unknown", "why": STOPPED}
            if proc is None:
                return {"status": "unknown", "why": f"no answer (the {self.solver} child did not start)"}
            try:
                cpu0 = _cpu_seconds(proc.pid)
                proc.stdin.write(json.dumps({"text": text, "budget": budget, "rlimit": rlimit}) + "\n")
                proc.stdin.flush()
                # the answer is awaited while the child's own CPU time is within ``cpu`` (+ SLACK) and the wall
                # time within ``wall`` (+ SLACK): a loaded machine slows the wall clock, not the child's CPU time
                t_end = time.monotonic() + (budget if wall is None else wall) + SLACK
                cut, line = "wall", None
                while True:
                    left = t_end - time.monotonic()
                    if left <= 0:
                        break
                    if select.select([proc.stdout], [], [], min(left, POLL))[0]:
                        line = proc.stdout.readline()
                        break
                    if cpu is not None and cpu0 is not None:
                        used = _cpu_seconds(proc.pid)
                        if used is not None and used - cpu0 > cpu + SLACK:
                            cut = "cpu"
                            break
            except OSError:   # the child died (a broken pipe)
                line = ""
            if cancel is not None and cancel.is_set():   # stopped (:meth:`stop` killed the child, or will)
                self.close()
                return {"status": "unknown", "why": STOPPED}
            if line is None:
                if LOG and cpu0 is not None:
                    used = _cpu_seconds(proc.pid)
                    self.last_cpu = None if used is None else used - cpu0
                self.close()
                raise OutOfBudget(cut)
            if not line:
                return {"status": "unknown", "why": f"no answer ({self.close()})"}
            if LOG and cpu0 is not None:   # the child's own CPU on this sentence, for the log only
                used = _cpu_seconds(proc.pid)
                self.last_cpu = None if used is None else used - cpu0
            try:
                return json.loads(line)
            except ValueError:
                self.close()
                return {"status": "unknown", "why": f"no answer ({line.strip()[-120:]})"}


_CHILDREN = {s: _Child(s) for s in SOLVERS}


@atexit.register
def _close_children() -> None:
    for child in _CHILDREN.values():
        child.close()


#: resource units per second of budget, per solver: a sentence's budget in seconds (what the callers pass) is
#: handed to its solver as a resource limit of ``budget × RATE`` units, counted by the solver itself (z3's
#: ``rlimit``, cvc5's ``rlimit-per``), so that its answer depends on the sentence alone, never on the machine's
#: load. Not a speed: z3 counts 0.1–4 M units in a second of CPU depending on the sentence (a 40× spread), cvc5's
#: coverings count almost none. Calibrated on every sentence that calls a solver, the shipped audit's AND the test
#: suite's (benchmarks/RESULTS.md, "rlimit2"): at every budget the callers use (2, 3, 5 and 20 s), the limit is at
#: least 3× the largest count of a sentence answered sat/unsat with the old wall budget (z3's largest: 32.5 M at
#: 20 s, tests/test_kernel_readings.py's ‖A‖₂ ≥ |a₀₁|, whose count varies 18–32.5 M from run to run: z3's work is
#: not exactly reproducible, the margin covers it; cvc5's: 41 048 at 3 s, the kernel's lemma probe).
#: ``None``: the old wall-clock budget
RATE = {"z3": 5_000_000, "cvc5": 45_000}
#: the CPU-time cut, a far safety net: a child whose own CPU time on a sentence passes ``CPU_CAP ×`` its budget's
#: seconds (+ :data:`SLACK`) is killed, its answer ``unknown`` with :data:`CPU_CUT` as the reason (typed:
#: ``Answer.cut == "cpu"``). For a solver step that counts no resources while it runs (cvc5's coverings inside one
#: cell: tests/test_solver_budget.py's HARD never reaches its resource limit): CPU time, unlike wall time, is not
#: stretched by the machine's load, and 3× the old wall budget is far above what any sentence answered within
#: that budget used (cvc5's slowest answer in the calibration: ~5 s of CPU at 20 s)
CPU_CAP = 3.0
#: the wall-clock safety net: a child that has not answered within ``SAFETY ×`` its budget's seconds is killed
#: and the answer is ``unknown`` naming the safety net (the machine, not the claim); never reached on the
#: shipped claims. Far behind the CPU net (:data:`CPU_CAP`): a child may use its 3× the budget of CPU on a machine
#: that stretches CPU time 13 times (a load of 26 on 2 cores) before the wall clock is what ends it
SAFETY = 40.0
#: ... and never less than this many seconds (a tiny budget's net would otherwise be within a loaded machine's
#: reach)
NET_FLOOR = 10.0
#: why an answer is unknown when the safety net killed its child
SAFETY_NET = ("safety net: no answer within {wall:g} s of wall time (at least {safety:g}× its budget of {budget:g} s): "
              "the machine's load, not the claim")
#: why an answer is unknown when the CPU cap killed its child
CPU_CUT = ("out of CPU time: {cpu:g} s of the solver's own CPU time without an answer (the CPU safety net, "
           "{cap:g}× its budget): a step of the solver that counts no resources, not the machine's load")
#: seconds between two looks at a working child's CPU time
POLL = 0.05
#: when set, each answer is appended to this file as one JSON line (:func:`_log`: solver, status, units, cut,
#: budget, wall and the child's CPU seconds, the sentence's kind and claim): how the rates above are calibrated,
#: and where the audit's solver CPU goes (``SYMDERIV_SOLVER_LOG=F symderiv check …``; benchmarks/RESULTS.md cpu11)
LOG = os.environ.get("SYMDERIV_SOLVER_LOG")


#: the solvers' work this process has spent on pairs (:func:`run_both`), in budget-seconds (:func:`work_of`): what
#: the prove phase's per-claim totals count (engine.ProveBudget), so that how many sizes a claim is proved at
#: depends on the claim, not on the machine's load
_WORK = [0.0]


def work_of(a: Answer, budget: float) -> float:
    """An answer's cost in budget-seconds, the same on every machine: its units over its solver's :data:`RATE`
    (the part of its resource limit it used, times its budget), so a sentence that ran out its units costs its
    whole budget and one answered at once almost nothing; a sentence cut by the CPU or wall-clock safety net (no
    count) costs its whole budget; a solver stopped, or not asked, because the other's answer decided (:data:`STOPPED`,
    :data:`NOT_ASKED`), 0."""
    if a.cut in ("cpu", "wall"):
        return float(budget)
    if a.why in (STOPPED, NOT_ASKED) or a.units is None or not RATE.get(a.solver):   # stopped or not asked, or no
        # count (a solver's error)
        return 0.0
    rate = RATE[a.solver]
    return min(float(budget), a.units / rate)


def spent() -> float:
    """Budget-seconds of solver work this process has spent (:data:`_WORK`); a caller takes differences."""
    return _WORK[0]


def units_for(solver: str, budget: float) -> int | None:
    """The resource limit a sentence with ``budget`` seconds gets for ``solver`` (None: no rate, wall time)."""
    rate = RATE.get(solver)
    return None if rate is None else max(1, int(budget * rate))


def run(solver: str, text: str, budget: float, cancel: threading.Event | None = None) -> Answer:
    """One solver on one sentence, in its warm child process, within its resource limit (:func:`units_for`);
    killed only by the safety net (``SAFETY ×`` the budget in wall time) or when ``cancel`` is given to its
    child's :meth:`_Child.stop`."""
    t0 = time.perf_counter()
    rlimit = units_for(solver, budget)
    wall = budget if rlimit is None else max(budget * SAFETY, NET_FLOOR)
    cpu = None if rlimit is None else budget * CPU_CAP
    _CHILDREN[solver].last_cpu = None
    try:
        data = _CHILDREN[solver].ask(text, budget, cancel, rlimit=rlimit, wall=wall, cpu=cpu)
    except OutOfBudget as e:
        if rlimit is None:
            why = f"out of budget ({budget:g} s)"
        elif e.cut == "cpu":
            why = CPU_CUT.format(cpu=cpu, cap=CPU_CAP)
        else:
            why = SAFETY_NET.format(wall=wall, safety=SAFETY, budget=budget)
        a = Answer(solver, "unknown", time.perf_counter() - t0, why=why, cut=e.cut)
    else:
        secs = time.perf_counter() - t0
        units = data.get("units")
        status = data.get("status", "unknown")
        cut = "units" if status == "unknown" and rlimit and units is not None and units >= rlimit else ""
        a = Answer(solver, status, secs, data.get("model", {}), data.get("why", ""), units, cut)
    if LOG:
        _log(a, text, budget, rlimit, _CHILDREN[solver].last_cpu)
    return a


#: for the log: who asked the pair run_both is running (its solvers' threads do not see their caller's stack)
_ASKER = [([], "")]


def _asker() -> tuple[list, str]:
    """For the log: who asked (the innermost symderiv functions on the stack outside this module and the kernel's
    oracle plumbing, innermost first: the sentence's kind, e.g. prove:decide_step, prove:premises,
    kernel.goal:accept_step) and the claim being checked (engine.check_claim's), '' when none."""
    f, kind, claim = sys._getframe(2), [], ""
    while f is not None:
        mod, name = f.f_globals.get("__name__", ""), f.f_code.co_name
        if mod == "symderiv.engine" and name == "check_claim" and not claim:
            claim = str(getattr(f.f_locals.get("claim"), "id", ""))
        elif mod.startswith("symderiv.") and mod != __name__ and len(kind) < 4 and not (
                mod == "symderiv.kernel.smt" and name in ("both_unsat", "decide")):
            kind.append(f"{mod.split('.', 1)[1]}:{name}")
        f = f.f_back
    return kind, claim


def _log(a: Answer, text: str, budget: float, rlimit, cpu) -> None:
    """One line of :data:`LOG` per answer: the solver, its answer (status, units, cut, why), the budget and its
    limit, the wall seconds and the child's own CPU seconds (None where it was not read: a child that did not
    start, a solver stopped), the sentence's kind and claim (:func:`_asker`), its sha1 and length, and its text
    when it was not decided or took over a second."""
    import hashlib

    kind, claim = _asker()
    if not kind and not claim:   # a solver's thread of run_both's pair at once: who asked is run_both's caller
        kind, claim = _ASKER[0]
    try:
        with open(LOG, "a") as f:
            f.write(json.dumps({"solver": a.solver, "status": a.status, "units": a.units, "seconds": a.seconds,
                                "cpu": None if cpu is None else round(cpu, 3), "budget": budget, "rlimit": rlimit,
                                "why": a.why[:60], "cut": a.cut, "kind": kind, "claim": claim,
                                "pid": os.getpid(), "sha": hashlib.sha1(text.encode()).hexdigest()[:12],
                                "chars": len(text),
                                "text": text if a.status == "unknown" or a.seconds > 1 else ""}) + "\n")
    except OSError:
        pass


#: seconds the other solver may still take once ``decided`` holds, before it is stopped: a new child costs
#: ~0.04 s (cvc5) to ~0.06 s (z3) of CPU to start, so an answer due within this is read rather than killed
STOP_GRACE = 0.1


def run_both(text: str, budget: float, decided=None) -> dict[str, Answer]:
    """z3 and cvc5 at once (two child processes), each with the full budget.

    ``decided``: a predicate on the answers so far ({solver: Answer}, one or both); once it is true, the solver
    still working is given :data:`STOP_GRACE` more, then stopped (its warm child killed; the next sentence starts
    a fresh one) and its answer is ``unknown`` (:data:`STOPPED`). A caller passes one only where the answer still
    to come cannot change what it does with the pair: the kernel needs both unsat, so the first other answer
    decides (:func:`_kernel_oracle`); a model is z3's alone, so cvc5 is never stopped while z3's ``sat`` could
    still come.

    A predicate that only one solver's answer can make true says so by naming it in its ``first`` attribute
    (:func:`deciding_first`; decide_step's ``_z3_unknown``): then the solvers run one after the other, that one
    alone first, and the other only when ``decided`` is false on its answer (else the other's answer is
    ``unknown``, :data:`NOT_ASKED`). That never costs more CPU than the pair at once, where the other solver works
    as long as the first does (or until its own answer, which cannot decide), and it saves the other's whole run
    when the first's answer decides (z3's unknown: its units or its CPU net run out); which answers the caller
    gets is a function of the first's answer alone, never of which solver happened to answer first. The pair is
    charged as at once (its dearer answer), so the prove totals do not change."""
    if LOG:
        _ASKER[0] = _asker()
    first = getattr(decided, "first", None)
    if first in SOLVERS:
        other = next(s for s in SOLVERS if s != first)
        got = {first: run(first, text, budget)}
        if decided(dict(got)):
            got[other] = Answer(other, "unknown", 0.0, why=NOT_ASKED)
        else:
            got[other] = run(other, text, budget)
        out = {s: got[s] for s in SOLVERS}
        _WORK[0] += max(work_of(a, budget) for a in out.values())
        return out
    import concurrent.futures as cf

    pool = cf.ThreadPoolExecutor(2)
    try:
        cancel = {s: threading.Event() for s in SOLVERS}
        futs = {pool.submit(run, s, text, budget, cancel[s]): s for s in SOLVERS}
        got: dict[str, Answer] = {}
        pending = set(futs)
        while pending:
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for f in done:
                got[futs[f]] = f.result()
            if pending and decided is not None and decided(dict(got)):
                # a short grace first: an answer about to come is cheaper to read than a child to restart
                done, pending = cf.wait(pending, timeout=STOP_GRACE)
                for f in done:
                    got[futs[f]] = f.result()
                for f in pending:
                    _CHILDREN[futs[f]].stop(cancel[futs[f]])
                cf.wait(pending)
                for f in pending:
                    s = futs[f]
                    got[s] = Answer(s, "unknown", f.result().seconds, why=STOPPED)
                break
        out = {s: got[s] for s in SOLVERS}
        # the pair ran at once: it costs what its dearer answer cost (a solver stopped by the other's answer, 0)
        _WORK[0] += max(work_of(a, budget) for a in out.values())
        return out
    finally:
        pool.shutdown(wait=True)


def deciding_first(solver: str):
    """Mark a ``decided`` predicate of :func:`run_both` as one that only ``solver``'s answer can make true (it reads
    no other answer): the pair is then asked in turn, ``solver`` first."""
    if solver not in SOLVERS:
        raise ValueError(f"no solver {solver!r}")

    def mark(predicate):
        predicate.first = solver
        return predicate
    return mark


def not_both_unsat(got: dict) -> bool:
    """``decided`` for a caller that acts only on two unsat answers: one other answer settles it."""
    return any(a.status != "unsat" for a in got.values())


def _kernel_oracle(text: str, budget: float) -> dict[str, Answer]:
    """What the kernel asks (kernel/smt.py): both solvers on the kernel's own sentence. Looked up at each call,
    so that a test that replaces :func:`run_both` replaces what the kernel asks too. The kernel accepts only two
    unsat answers (smt.both_unsat), so the first other answer stops the solver still working: a chain the kernel
    refuses no longer waits for cvc5 to run out its budget after z3's sat (norm-bounds.lower: 6.5 s of cvc5)."""
    return run_both(text, budget, not_both_unsat)


def _register_with_the_kernel() -> None:
    from ..kernel import smt

    smt.register(_kernel_oracle)
    from . import psatz  # noqa: F401 (registers the certificate finder the kernel asks before the solvers)


_register_with_the_kernel()
