"""Issue 21.1: relational claims are proved by default (brief search → prove at n ≤ 2 → full search); the
verdict line says which sizes were proved and which only searched; a false claim is refuted before any solver
runs, and no path turns a false claim into `holds`."""
import sympy as sp

import symderiv.engine as engine
import symderiv.prove as prove
from symderiv import diag, fro, matrices, norm2, rel, rho, scalars, vectors
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.results import Phase, Verdict
from symderiv.sizes import no_sizes, sweep


def relational(check, given, *, n=(1, 2, 3), **kw):
    sizes = no_sizes() if n is None else sweep(n=n, t=1, fixed=("t",))
    return Claim(id="t.reach", where="test", statement="test", check=check, kind="inequality", given=given,
                 sizes=sizes, **kw)


def frobenius(**kw):
    return relational(lambda A, B: fro(A * B) <= norm2(A) * fro(B), dict(A=matrices(), B=matrices()), **kw)


def test_a_true_claim_without_prove_is_proved_at_n_le_2_and_says_so():
    r = check_claim(frobenius())
    assert r.verdict == Verdict.HOLDS
    assert [s["n"] for s in r.proved_at] == [1, 2] and [s["n"] for s in r.searched_at] == [3]
    assert r.proof_reach == "proved at n = 1–2; searched at n = 3"
    assert "n = 3 searched only" in r.scope


def test_prove_false_turns_proving_off():
    r = check_claim(frobenius(prove=False))
    assert r.verdict == Verdict.UNDECIDED and Phase.PROVE not in r.phases and not r.proved_at


def test_prove_sizes_narrow_it_and_the_verdict_line_says_what_was_only_searched():
    r = check_claim(frobenius(n=(1, 2), prove=(1,)))
    assert r.verdict == Verdict.HOLDS   # the existing meaning of prove=(1,): proved where listed
    assert r.proof_reach == "proved at n = 1; searched at n = 2"


def test_a_claim_without_sizes_is_proved_by_default():
    r = check_claim(relational(lambda x: rel(x * x - x + sp.Rational(1, 4), ">=", 0), dict(x=scalars()), n=None))
    assert r.verdict == Verdict.HOLDS and r.proof_reach == "proved at every value"


def test_a_false_claim_is_refuted_by_the_brief_search_before_any_solver_runs(monkeypatch):
    sizes_proved = []
    real = prove.prove_size

    def spy(claim, size, **kw):
        sizes_proved.append(size.get("n"))
        return real(claim, size, **kw)

    monkeypatch.setattr(prove, "prove_size", spy)
    for check in (lambda A: fro(A) <= norm2(A), lambda A: norm2(A) <= rho(A)):
        sizes_proved.clear()
        r = check_claim(relational(check, dict(A=matrices()), prove=(1, 2)))
        assert r.verdict == Verdict.FAILS
        assert sizes_proved == [1], sizes_proved   # n = 2 is refuted by the brief search: no solver runs there


def _no_search(claim, size, count=None, **kw):
    """The search finds nothing (as if the counterexample were out of its reach)."""
    from symderiv.kernel.decide import relations_of
    from symderiv.prove.domains import Symbols, symbolic

    syms = Symbols()
    values = {name: symbolic(st, name, size, syms)[0] for name, st in claim.given.items()}
    out, _ = claim.evaluator(size)(values)
    return {lab: (Verdict.UNDECIDED, "search stubbed", None) for lab, _ in relations_of(out)}


def test_a_near_miss_is_never_proved_by_default_even_when_the_search_finds_nothing(monkeypatch):
    monkeypatch.setattr(engine, "check_relations_at", _no_search)
    near = [
        # a constant off by 10⁻⁹ (false at A = I)
        relational(lambda A, B: fro(A * B) <= (1 - sp.Rational(1, 10 ** 9)) * norm2(A) * fro(B),
                   dict(A=matrices(), B=matrices()), n=(1, 2)),
        # strict where the sides touch (A = I, B = I)
        relational(lambda A, B: fro(A * B) < norm2(A) * fro(B), dict(A=matrices(), B=matrices()), n=(1,)),
        # the wrong side
        relational(lambda A, B: fro(A * B) >= norm2(A) * fro(B), dict(A=matrices(), B=matrices()), n=(1, 2)),
        # Pascanu's bound with the max over the wrong set (the smallest factor)
        relational(lambda W, d: norm2(W * diag(d)) <= norm2(W) * sp.Min(*[sp.Abs(v) for v in d]),
                   dict(W=matrices(), d=vectors()), n=(2,)),
    ]
    for c in near:
        r = check_claim(c)
        assert r.verdict != Verdict.HOLDS, r.scope


def test_the_default_budget_is_small_and_spent_once_per_claim(monkeypatch):
    # the total counts the solvers' work (budget-seconds from their own counts, never the clock: issue 19 item 4),
    # so n = 1 is proved by the solvers here (no SOS certificate, no interval proof), which spends it
    import symderiv.prove.sos as sos

    monkeypatch.setattr(sos, "try_certificate", lambda *a, **k: None)
    monkeypatch.setattr(prove, "try_interval", lambda *a, **k: None)
    monkeypatch.setattr(prove, "DEFAULT_CLAIM_BUDGET", 1e-9)  # spent by n = 1
    r = check_claim(frobenius())
    assert r.verdict == Verdict.UNDECIDED and [s["n"] for s in r.proved_at] == [1]
    assert "default prove budget" in r.sizes[1].detail


def test_the_reach_fields_survive_json():
    from symderiv.results import Result

    r = check_claim(frobenius(n=(1, 2), prove=(1,)))
    back = Result.from_json(r.to_json())
    assert back.proved_at == r.proved_at and back.proof_reach == r.proof_reach


def test_the_default_totals_do_not_read_the_clock(monkeypatch):
    """A loaded machine is a slow clock: with every look at the clock 50 s later than the last, a default proof
    still reaches every size it reaches on an idle machine (the totals count the solvers' own work)."""
    import time

    real, late = time.perf_counter, [0.0]

    def slow_machine():
        late[0] += 50.0
        return real() + late[0]

    quiet = check_claim(frobenius())
    monkeypatch.setattr(time, "perf_counter", slow_machine)
    loaded = check_claim(frobenius())
    assert loaded.verdict == quiet.verdict == Verdict.HOLDS
    assert [s["n"] for s in loaded.proved_at] == [s["n"] for s in quiet.proved_at] == [1, 2]
