"""Per claim and per sentence: what each solver call of the audit answered and what it cost (issue 20.6, cpu7).

    PYTHONPATH=TREE python benchmarks/bench_solver_sentences.py [--out FILE.jsonl] [ID ...]

Every claim runs in a fork of one warm process (as benchmarks/bench_claim_functions.py). Each solver call
(solvers.run) is logged as one JSON line: the claim, the caller chain (the symderiv functions on the stack, the
innermost first), the solver, its status, units, cut, budget, wall seconds and the solver child's own CPU seconds
(from /proc, read before the answer and after it; a child killed by a net is counted at its kill), and the sha1 of
the sentence. The claim's own process CPU (time.process_time, without the solver children) and its verdict end
its lines, with the CPU of every solver child it started (RUSAGE_CHILDREN once they are closed; a child
stopped or cut by a net included). No cProfile (it inflates SymPy 3-10x).
"""
import hashlib, json, os, sys, time
from pathlib import Path
from symderiv.tuning import tune
tune()
import symderiv.runner as runner
runner._warm(True)
from symderiv import engine
from symderiv.prove import solvers
from symderiv.claims import collect, Group

args = sys.argv[1:]
out = "/tmp/solver_sentences.jsonl"
if args[:1] == ["--out"]:
    out, args = args[1], args[2:]
col = collect([Path("proofs")])
ids = args or [cid for cid, it in col.items.items() if not isinstance(it, Group)]
open(out, "w").close()


def callers():
    f, names = sys._getframe(1), []
    while f is not None:
        mod = f.f_globals.get("__name__", "")
        if mod.startswith("symderiv") and f.f_code.co_name not in ("run", "run_both", "_kernel_oracle"):
            names.append(f"{mod.split('.', 1)[1]}:{f.f_code.co_name}")
        f = f.f_back
    return names[:6]


for cid in ids:
    pid = os.fork()
    if pid == 0:
        lines = []
        orig_ask = solvers._Child.ask

        def ask(self, text, budget, cancel=None, rlimit=None, wall=None, cpu=None, _o=orig_ask):
            self_cpu = {}
            p = self._start()
            c0 = solvers._cpu_seconds(p.pid) if p is not None else None
            pid0 = p.pid if p is not None else None
            try:
                return _o(self, text, budget, cancel, rlimit=rlimit, wall=wall, cpu=cpu)
            finally:
                p2 = self.proc
                c1 = solvers._cpu_seconds(pid0) if (p2 is not None and p2.pid == pid0) else None
                ask.last = (c1 - c0) if (c0 is not None and c1 is not None) else None

        ask.last = None
        solvers._Child.ask = ask
        orig_run = solvers.run

        def run(solver, text, budget, cancel=None, _o=orig_run):
            ask.last = None
            a = _o(solver, text, budget, cancel)
            cpu = ask.last
            if cpu is None and a.cut == "cpu":
                cpu = budget * solvers.CPU_CAP
            lines.append({"claim": cid, "callers": now[0], "solver": solver, "status": a.status,
                          "units": a.units, "cut": a.cut, "budget": budget, "wall": round(a.seconds, 3),
                          "cpu": None if cpu is None else round(cpu, 3), "stopped": a.why == solvers.STOPPED,
                          "sha": hashlib.sha1(text.encode()).hexdigest()[:12], "chars": len(text)})
            return a

        solvers.run = run
        orig_both = solvers.run_both
        now = [[]]

        def run_both(text, budget, decided=None, _o=orig_both):
            now[0] = callers()
            return _o(text, budget, decided)

        solvers.run_both = run_both
        t0 = time.process_time()
        res = engine.check_claim(col.items[cid])
        own = time.process_time() - t0
        import resource
        solvers._close_children()   # (killed and waited for: their CPU is then in RUSAGE_CHILDREN)
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(out, "a") as fh:
            for l in lines:
                fh.write(json.dumps(l) + "\n")
            fh.write(json.dumps({"claim": cid, "end": True, "own_cpu": round(own, 3),
                                 "children_cpu": round(ru.ru_utime + ru.ru_stime, 3),
                                 "verdict": str(getattr(res, "verdict", "")),
                                 "scope": str(getattr(res, "scope", ""))[:200]}) + "\n")
        os._exit(0)
    os.waitpid(pid, 0)
    print(cid, flush=True)
