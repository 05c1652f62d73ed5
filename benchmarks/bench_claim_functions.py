"""Per-claim process CPU of named functions, every claim in a fork of one warm process (issue 20.6, branch cpu4).

    FNS=symderiv.kernel.random_check:degree_info,symderiv.engine:probe_meaning \
        PYTHONPATH=TREE python benchmarks/bench_claim_functions.py [ID ...]

Each function named in FNS (module:attribute, a class attribute as module:Class.attr) is wrapped in every loaded
module that holds it (``from x import f`` copies too); its process CPU (time.process_time) is summed per claim,
an inner call of the same function not counted twice. Prints one line per claim and the totals. Unlike cProfile
it adds no cost per SymPy call (cProfile inflated SymPy's small calls 3-10x in the cpu4 measurements). Run from
the project root (it collects ./proofs). SymPy's cache is sized as the CLI sizes it (tuning.tune; cpu4's figures were
taken at SymPy's default, 1 000 entries).
"""
import time, sys, os, json, importlib
from pathlib import Path
from symderiv.tuning import tune
tune()  # SymPy's caches sized as `symderiv check` sizes them (20 000 entries, tuning.py), before SymPy is
#        imported: at SymPy's default 1 000 a claim that reuses an earlier claim's closed forms pays for them again
import symderiv.runner as runner
runner._warm(True)
from symderiv import engine
from symderiv.claims import collect, Group
col = collect([Path("proofs")])
targets = os.environ["FNS"].split(",")   # module:attr
ids = sys.argv[1:] or [cid for cid, it in col.items.items() if not isinstance(it, Group)]
tot = {}
for cid in ids:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        acc = {}
        depth = {}
        for t in targets:
            mod, attr = t.split(":")
            m = importlib.import_module(mod)
            owner = m
            for part in attr.split(".")[:-1]:
                owner = getattr(owner, part)
            f = getattr(owner, attr.split(".")[-1])
            def wrap(f=f, t=t):
                def g(*a, **k):
                    depth[t] = depth.get(t, 0) + 1
                    t0 = time.process_time()
                    try:
                        return f(*a, **k)
                    finally:
                        depth[t] -= 1
                        if depth[t] == 0:
                            acc[t] = acc.get(t, 0) + time.process_time() - t0
                return g
            def install(f, g, owner, name):
                setattr(owner, name, g)
                for mm in list(sys.modules.values()):
                    d = getattr(mm, "__dict__", None)
                    if d is None or mm.__name__ == "__main__": continue
                    for k, v in list(d.items()):
                        if v is f:
                            d[k] = g
            install(f, wrap(), owner, attr.split(".")[-1])
        t0 = time.process_time()
        res = engine.check_claim(col.items[cid])
        acc["total"] = time.process_time() - t0
        os.write(w, json.dumps(acc).encode()); os.close(w); os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 1 << 16):
        data += chunk
    os.waitpid(pid, 0)
    acc = json.loads(data)
    for k, v in acc.items(): tot[k] = tot.get(k, 0) + v
    print(cid, {k: round(v, 2) for k, v in acc.items()}, flush=True)
print("TOTAL", {k: round(v, 2) for k, v in tot.items()})
