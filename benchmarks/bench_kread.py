"""CPU of the claims that hold `for every t`, each checked alone in a fresh process (branch kread, issue 19 item 2).

Run: ``PYTHONPATH=<tree> python benchmarks/bench_kread.py IDS_FILE OUT.json`` where IDS_FILE lists claim ids (one
line, spaces). Each claim is `symderiv check --no-cache ID --format json` in its own process; the CPU is that
process's user + system time (resource.getrusage of the child), import included (the same for both trees). Prints
one line per claim and the total; writes {id: cpu seconds}.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys


def cpu_of(cid: str) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "symderiv", "check", "--no-cache", cid, "--format", "json"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(ids_file: str, out: str) -> None:
    ids = open(ids_file).read().split()
    got = {}
    for cid in ids:
        got[cid] = round(cpu_of(cid), 2)
        print(f"{cid:45s} {got[cid]:7.2f} s", flush=True)
    print(f"{'total':45s} {sum(got.values()):7.2f} s")
    json.dump(got, open(out, "w"), indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
