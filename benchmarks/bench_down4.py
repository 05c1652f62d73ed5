"""CPU of the finder and of the kernel's re-check on the six downward families that hold for every t (branch down4,
issue 19 item 2: the kernel peels the downward terms itself).

Run: ``PYTHONPATH=<tree> python benchmarks/bench_down4.py`` from the tree's root. For each claim and each n of its
sweep: ``induction.step_check`` (the finder) and ``kernel.step.confirm_every_t`` (the kernel: its reading of the claim
at every t ≤ T, and on this branch its own peel, base and unrolling of the term), process CPU time, summed over n.
"""
import sys, time, os
os.environ["SYMDERIV_NO_CACHE"] = "1"
from symderiv.claims import collect
from symderiv.induction import step_check
from symderiv.kernel import step as ks
IDS = ["goodfellow.down.eq10-21", "goodfellow.down.eq10-21-rows", "goodfellow.down.unrolled",
       "lstm.down.c-row", "lstm.down.h-row", "lstm.down.c-unrolled"]
files = ["proofs/examples/goodfellow_downward.py", "proofs/examples/lstm_downward.py"]
cs = {c.id: c for f in files for c in collect([f]).claims()}
tot_s = tot_k = 0.0
for cid in IDS:
    c = cs[cid]
    ts = sorted(c.sizes.dims["t"])
    s_t = k_t = 0.0
    for n in c.sizes.dims["n"]:
        a = time.process_time()
        st = step_check(c, {"n": n}, ts[0], ts[-1])
        b = time.process_time()
        tok, why, _ = ks.confirm_every_t(c, {"n": n}, st.statement, ts[0], ts[-1])
        e = time.process_time()
        assert tok is not None, why
        s_t += b - a; k_t += e - b
    tot_s += s_t; tot_k += k_t
    trust = "UNIFORM" if ks.UNIFORM in tok.trusts else "READING"
    print(f"{cid:32s} finder {s_t:6.2f} s  kernel {k_t:6.2f} s  trusts {trust}")
print(f"{'total':32s} finder {tot_s:6.2f} s  kernel {tot_k:6.2f} s")
