"""Capture the kernel's own SMT sentences for claims whose `holds` trusts TRUST_KERNEL_GOAL (issue 19, psatz)."""
import json, os, sys, time
from pathlib import Path
from symderiv import claims as C, engine
from symderiv.kernel import smt

CAPTURED = []
_orig = smt.both_unsat
def spy(text, ask, budget):
    t0 = time.perf_counter()
    ok, said = _orig(text, ask, budget)
    CAPTURED.append(dict(text=text, ok=ok, said=said, secs=time.perf_counter() - t0, facts=FACTS.get(text)))
    return ok, said
smt.both_unsat = spy
FACTS = {}
_text = smt._Writer.text
def text(self):
    t = _text(self)
    FACTS[t] = list(self.facts)
    return t
smt._Writer.text = text

ids = sys.argv[1:]
col, _ = C.select([str(Path(__file__).resolve().parents[1] / "proofs")])
out = {}
for cid in ids:
    CAPTURED.clear()
    t0 = time.perf_counter()
    item = col.items[C.resolve_id(col, cid)]
    if not hasattr(item, "sizes"):
        print(cid, "a group: its parts carry the trust", flush=True)
        continue
    res = engine.check_claim(col.items[C.resolve_id(col, cid)])
    out[cid] = dict(scope=getattr(res, "scope", ""), verdict=str(res.verdict), secs=time.perf_counter() - t0, sentences=list(CAPTURED))
    print(cid, res.verdict, f"{out[cid]['secs']:.1f}s", len(CAPTURED), [c["ok"] for c in CAPTURED], flush=True)
import pickle
Path(os.environ.get("PSATZ_OUT", "/tmp/psatz/captured.pkl")).write_bytes(pickle.dumps(out))
