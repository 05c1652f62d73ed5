"""Claims cannot see each other's state (issue 19): a verdict depends on the claim alone, not on the claims that
ran before it in the same worker, in any order, with or without ``--isolate``.

A claim that changes a shared object its proof file (or a helper module) holds — a dataclass settings object's
attribute, a list four levels into a config dict, a class attribute, a helper module's global — must not change
the verdict of a claim that reads it afterwards.
"""
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from symderiv.claims import collect
from symderiv.results import Verdict
from symderiv.runner import run_claims

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="the fork start method")

KNOBS = "FACTOR = 1\n"

#: s.mutate changes one piece of shared state (MUTATE); s.read returns it (READ), which holds only if unchanged
SHARED = textwrap.dedent('''
    import dataclasses
    import _knobs
    from symderiv import claim, sweep

    @dataclasses.dataclass
    class Settings:
        scale: int = 1

    SETTINGS = Settings()
    CONFIG = {"model": {"layers": {"sizes": [1]}}}

    class Knobs:
        step = 1

    @claim("s.mutate", where="§1", statement="changes shared state and holds", sizes=sweep(n=1, t=1))
    def mutate(**size):
        MUTATE
        return 1, 1

    @claim("s.read", where="§2", statement="reads the shared state as declared", sizes=sweep(n=1, t=1))
    def read(**size):
        return READ, 1
''')

CASES = {
    "dataclass-attribute": ("SETTINGS.scale = 2", "SETTINGS.scale"),
    "list-four-levels-deep": ('CONFIG["model"]["layers"]["sizes"].append(2)',
                              'len(CONFIG["model"]["layers"]["sizes"])'),
    "class-attribute": ("Knobs.step = 2", "Knobs.step"),
    "helper-module-global": ("_knobs.FACTOR = 2", "_knobs.FACTOR"),
}


def _write(folder: Path, mutate: str, read: str) -> None:
    (folder / "_knobs.py").write_text(KNOBS)
    (folder / "shared.py").write_text(SHARED.replace("MUTATE", mutate).replace("READ", read))


@pytest.mark.parametrize("case", list(CASES))
def test_a_claims_change_to_shared_state_does_not_reach_the_next_claim(tmp_path, case):
    """-j 1, one worker, both orders: every verdict is the claim's verdict alone."""
    _write(tmp_path, *CASES[case])
    col = collect([tmp_path])
    alone = {cid: run_claims(col, [cid], jobs=1, method="fork", timeout=60)[0].verdict
             for cid in ("s.mutate", "s.read")}
    assert alone == {"s.mutate": Verdict.HOLDS, "s.read": Verdict.HOLDS}
    for order in (["s.mutate", "s.read"], ["s.read", "s.mutate"]):
        together = {r.id: r.verdict for r in run_claims(col, order, jobs=1, method="fork", timeout=60)}
        assert together == alone, order
    assert not mp.active_children()


def test_the_pytest_plugins_pool_isolates_claims_too(tmp_path):
    """`pytest proofs/` checks a file's claims in order in one pool: each reader holds after every mutator."""
    proofs = tmp_path / "proofs"
    proofs.mkdir()
    mutate = "; ".join(m for name, (m, _) in CASES.items() if name != "helper-module-global")  # (the old guard
    # saw a helper's global rebound, and gave the next claim a fresh worker: the others, unseen, would pass)
    (proofs / "_knobs.py").write_text(KNOBS)
    text = SHARED.replace("MUTATE", mutate)
    head, reader = text.split('@claim("s.read"')
    readers = "".join(f'@claim("s.read-{name}"' + reader.replace("READ", read).replace("def read", f"def read_{i}")
                      for i, (name, (_, read)) in enumerate(CASES.items()))
    (proofs / "shared.py").write_text(head + readers)
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "proofs/"], cwd=tmp_path,
                       capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert "5 passed" in p.stdout, p.stdout[-2000:]


def _audit(tmp_path: Path, *args: str, shuffle: int | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    env.pop("SYMDERIV_SHUFFLE", None)
    if shuffle is not None:
        env["SYMDERIV_SHUFFLE"] = str(shuffle)
    p = subprocess.run([sys.executable, "-m", "symderiv", "check", "proofs", "-j", "2", "--no-cache",
                        "--format", "json", *args], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert p.stdout, p.stderr[-2000:]
    return {c["id"]: (c["verdict"], c.get("scope"), c.get("certificate")) for c in json.loads(p.stdout)["claims"]}


@pytest.mark.slow
def test_the_shipped_audit_gives_every_claim_one_verdict_in_any_order_and_with_isolate(tmp_path):
    """The shipped proof files, in two shuffled orders and with a fresh worker per claim: the same verdicts."""
    import shutil

    shutil.copytree(ROOT / "proofs", tmp_path / "proofs")
    seeds = random.Random().sample(range(1, 10**6), 2)
    runs = {f"shuffle {s}": _audit(tmp_path, shuffle=s) for s in seeds}
    runs["--isolate"] = _audit(tmp_path, "--isolate")
    (first_name, first), *rest = runs.items()
    assert len(first) > 100
    for name, run in rest:
        assert run.keys() == first.keys()
        differ = {cid: (first[cid], run[cid]) for cid in first if first[cid] != run[cid]}
        assert not differ, f"{first_name} vs {name}: {differ}"


def test_the_shuffle_seed_reorders_the_claims(tmp_path, monkeypatch):
    """SYMDERIV_SHUFFLE (for the test above): the claims run in a seeded random order, not the schedule's."""
    (tmp_path / "order.py").write_text(textwrap.dedent('''
        from pathlib import Path
        from symderiv import claim, sweep

        def log(cid):
            with open(Path(__file__).with_name("order.txt"), "a") as f:
                f.write(cid + "\\n")
    ''') + "".join(textwrap.dedent(f'''
        @claim("o.c{i}", where="§{i}", statement="{i} = {i}", sizes=sweep(n=1, t=1))
        def c{i}(**size):
            log("o.c{i}")
            return {i}, {i}
    ''') for i in range(8)))
    col = collect([tmp_path])
    ids = [f"o.c{i}" for i in range(8)]
    orders = []
    for seed in ("1", "2", "1"):
        monkeypatch.setenv("SYMDERIV_SHUFFLE", seed)
        (tmp_path / "order.txt").unlink(missing_ok=True)
        run_claims(col, ids, jobs=1, method="fork", timeout=60)
        seen = list(dict.fromkeys((tmp_path / "order.txt").read_text().split()))
        orders.append(seen)
    assert sorted(orders[0]) == ids and orders[0] != ids
    assert orders[0] == orders[2] != orders[1]


def test_under_spawn_each_claim_has_a_process_of_its_own(tmp_path):
    """Where fork is not safe (spawn), a fresh process per claim: the same isolation, at a process's start each."""
    _write(tmp_path, *CASES["dataclass-attribute"])
    col = collect([tmp_path])
    res = {r.id: r.verdict for r in run_claims(col, ["s.mutate", "s.read"], jobs=1, method="spawn", timeout=120)}
    assert res == {"s.mutate": Verdict.HOLDS, "s.read": Verdict.HOLDS}
    assert not mp.active_children()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_claim_stopped_at_its_budget_leaves_no_process_behind(tmp_path):
    """The claim's own process (a fork of its worker) is killed with the worker."""
    (tmp_path / "slow.py").write_text(textwrap.dedent('''
        import os, time
        from pathlib import Path
        from symderiv import claim, sweep

        @claim("slow.a", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))
        def a(**size):
            Path(__file__).with_name("pid.txt").write_text(str(os.getpid()))
            time.sleep(60)
            return 1, 1
    '''))
    col = collect([tmp_path])
    (res,) = run_claims(col, ["slow.a"], jobs=1, method="fork", timeout=2)
    assert res.verdict == Verdict.UNDECIDED and "budget" in res.scope
    pid = int((tmp_path / "pid.txt").read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state == "Z":  # dead, waiting for init to reap it
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the claim's process {pid} still runs")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_warm_solver_children_are_each_claims_own_and_end_with_it(tmp_path):
    """A claim's process starts its own warm solver child (none is inherited from the worker, none passed on to
    the next claim), and kills it before it exits."""
    pytest.importorskip("z3")
    (tmp_path / "solve.py").write_text(textwrap.dedent('''
        import os
        from pathlib import Path
        from symderiv import claim, sweep
        from symderiv.prove import solvers

        def ask(cid):
            answer = solvers.run("z3", "(declare-fun x () Real)(assert (> x 1))", 10)
            with open(Path(__file__).with_name("solvers.txt"), "a") as f:
                f.write(f"{cid} {os.getpid()} {solvers._CHILDREN['z3'].proc.pid} {answer.status}\\n")
            return 1, 1

        @claim("solve.a", where="§1", statement="1 = 1", sizes=sweep(n=1, t=1))
        def a(**size):
            return ask("a")

        @claim("solve.b", where="§2", statement="1 = 1", sizes=sweep(n=1, t=1))
        def b(**size):
            return ask("b")
    '''))
    col = collect([tmp_path])
    res = {r.id: r.verdict for r in run_claims(col, ["solve.a", "solve.b"], jobs=1, method="fork", timeout=60)}
    assert res == {"solve.a": Verdict.HOLDS, "solve.b": Verdict.HOLDS}
    rows = [line.split() for line in (tmp_path / "solvers.txt").read_text().splitlines()]
    assert {status for *_, status in rows} == {"sat"}
    by_claim = {}
    for cid, pid, solver, _ in rows:
        by_claim.setdefault(cid, set()).add((int(pid), int(solver)))
    (a,), (b,) = by_claim["a"], by_claim["b"]  # (a claim's check may run more than once: one pair each)
    assert a[0] != b[0] and a[1] != b[1]  # two processes, two solver children
    for _, solver in (a, b):
        try:
            state = Path(f"/proc/{solver}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            continue
        assert state == "Z", f"solver child {solver} still runs"
