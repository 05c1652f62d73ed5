"""The snapshot's own cost on the every-t claims (symderiv/purity.py): time inside purity.snapshot, and calls, per claim.

Run: ``PYTHONPATH=. python benchmarks/purity_cost.py BEFORE.json`` where BEFORE.json is an audit's JSON report
(``symderiv check proofs --no-cache --format json``): its results with ``every_t`` are the claims measured."""
import json, sys, time
from pathlib import Path
from symderiv import purity
from symderiv.claims import collect
from symderiv.engine import check_claim

ids = [c["id"] for c in json.load(open(sys.argv[1]))["claims"] if c["every_t"]]
spent = {"s": 0.0, "n": 0}
real = purity.snapshot
def timed(roots):
    t = time.perf_counter()
    try:
        return real(roots)
    finally:
        spent["s"] += time.perf_counter() - t
        spent["n"] += 1
purity.snapshot = timed
claims = {c.id: c for c in collect(sorted(Path("proofs").rglob("*.py"))).claims()}
tot_claim = tot_snap = 0.0
ids = [i for i in ids if i in claims]
print(len(ids), "member claims")
for cid in ids:
    spent.update(s=0.0, n=0)
    t0 = time.process_time()
    r = check_claim(claims[cid])
    dt = time.process_time() - t0
    tot_claim += dt; tot_snap += spent["s"]
    print(f"{cid:50s} every_t={r.every_t!s:5s} cpu {dt:6.2f} s  snapshots {spent['n']:4d} in {spent['s']*1000:7.1f} ms", flush=True)
print(f"total: {len(ids)} claims, cpu {tot_claim:.1f} s, snapshots {tot_snap:.2f} s ({100*tot_snap/tot_claim:.2f} %)")
