"""m.partial(…, hold=…) on the every-n trace (noticed: gru.direct's lift stopped at "the every-n induction reads
plain partials"). A held quantity is a variable of its own while differentiating (the engine's reading:
derivatives.held_of), its value put back after. A gated cell inside the fragment (abstract σ): the direct partial
with the gate held lifts to every n and every t; holding the wrong quantity, or a wrong closed form, does not hold.
"""
import pytest

from symderiv import cell, diag, eye, hadamard, sweep
from symderiv.claims import Claim
from symderiv.engine import check_claim
from symderiv.results import Verdict


@cell("a gated cell: z = σ(W_z h_{t−1} + U x), a = W h_{t−1}, h = z ⊙ h_{t−1} + (1 − z) ⊙ σ(a)",
      params={"W_z": ("n", "n"), "U": ("n", "m"), "W": ("n", "n")})
def gated(s, prev, x, p, f):
    s.z = f.sigma(p.W_z * prev.h + p.U * x)
    s.a = p.W * prev.h
    s.h = hadamard(s.z, prev.h) + f.sigma(s.a) - hadamard(s.z, f.sigma(s.a))


def _claim(check, n=(1, 2)):
    return Claim(id="t.hold", where="test", statement="test", check=check, model=gated,
                 conventions={"layout": "row-major"}, sizes=sweep(n=n, t=(1, 2)))


CASES = {
    # (check, holds?)
    "z and a held: diag(z)": (lambda m: (m.partial(("h", m.t), ("h", m.t - 1), hold=("z", "a")),
                                         diag(m.at("z", m.t))), True),
    "z held: diag(z) + diag(1 − z) diag(σ'(a)) W": (
        lambda m: (m.partial(("h", m.t), ("h", m.t - 1), hold="z"),
                   diag(m.at("z", m.t)) + (eye(m.n) - diag(m.at("z", m.t))) * diag(m.dsigma(m.at("a", m.t))) * m.W),
        True),
    "z and a held, wrong: diag(1 − z)": (lambda m: (m.partial(("h", m.t), ("h", m.t - 1), hold=("z", "a")),
                                                    eye(m.n) - diag(m.at("z", m.t))), False),
    "a held only, read as diag(z)": (lambda m: (m.partial(("h", m.t), ("h", m.t - 1), hold="a"),
                                                diag(m.at("z", m.t))), False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_held_partial_is_read_on_the_trace_as_the_engine_reads_it(name):
    check, true = CASES[name]
    res = check_claim(_claim(check))
    if true:
        assert res.verdict == Verdict.HOLDS and res.every_t, (res.verdict, res.scope)
    else:
        assert res.verdict == Verdict.FAILS, (res.verdict, res.scope)


@pytest.mark.parametrize("name", [k for k, (_, true) in CASES.items() if true])
def test_a_held_partial_lifts_to_every_n_when_its_sides_are_in_the_fragment(name):
    res = check_claim(_claim(CASES[name][0]))
    assert res.verdict == Verdict.HOLDS and res.every_n and res.every_t, res.scope


def test_the_shipped_gru_direct_partial_lifts_with_its_entrywise_polynomial():
    """gru.direct's closed form diag(1 − z_t) is written z.applyfunc(lambda a: 1 - a): on the trace an entrywise
    polynomial is the combination of Hadamard powers it is."""
    from pathlib import Path

    from symderiv.claims import collect

    claim = collect([Path(__file__).resolve().parents[1] / "proofs"]).items["gru.direct"]
    res = check_claim(claim)
    assert res.verdict == Verdict.HOLDS and res.every_n and res.every_t, res.scope


def test_an_entrywise_polynomial_identity_true_only_at_n_1_is_not_lifted():
    """diag(z∘z) = z zᵀ holds at n = 1 only (one step, a free state)."""
    c = _claim(lambda m: (diag(m.at("z", m.t).applyfunc(lambda a: a ** 2)), m.at("z", m.t) * m.at("z", m.t).T),
               n=(1,))
    res = check_claim(c)
    assert res.verdict == Verdict.HOLDS and not res.every_n, res.scope
    assert check_claim(_claim(c.check, n=(1, 2))).verdict == Verdict.FAILS


# ----- the logistic function as atoms (σ = logistic, or a cell's f.logistic gates), as tanh is -------------------

@cell("a logistic-gated cell: f = logistic(W_f h_{t−1} + U x), c = f ⊙ c_{t−1} + tanh(W h_{t−1}), h = tanh(c)",
      params={"W_f": ("n", "n"), "U": ("n", "m"), "W": ("n", "n")}, state=("h", "c"))
def two_state(s, prev, x, p, f):
    s.f = f.logistic(p.W_f * prev.h + p.U * x)
    s.c = hadamard(s.f, prev.c) + f.tanh(p.W * prev.h)
    s.h = f.tanh(s.c)


def _two(check, n=(1, 2)):
    return Claim(id="t.two", where="test", statement="test", check=check, model=two_state, activation="logistic",
                 conventions={"layout": "row-major"}, sizes=sweep(n=n, t=(1, 2)))


def test_a_two_state_cells_direct_partial_with_logistic_gates_lifts():
    res = check_claim(_two(lambda m: (m.partial(("c", m.t), ("c", m.t - 1)), diag(m.at("f", m.t)))))
    assert res.verdict == Verdict.HOLDS and res.every_n and res.every_t, res.scope


def test_an_identity_that_needs_logistic_prime_is_s_times_one_minus_s_is_never_lifted():
    """σ' = σ(1 − σ) for the logistic σ: true, but the lift reads σ and σ' as free atoms, so it does not lift it."""
    res = check_claim(_two(lambda m: (diag(m.dsigma(m.at("c", m.t))),
                                      diag(m.sigma(m.at("c", m.t))) - diag(m.sigma(m.at("c", m.t))) ** 2)))
    assert res.verdict == Verdict.HOLDS and not res.every_n, res.scope


def test_a_logistic_identity_true_only_at_n_1_is_never_lifted():
    check = lambda m: (diag(m.at("f", m.t).applyfunc(lambda a: a ** 2)), m.at("f", m.t) * m.at("f", m.t).T)  # noqa: E731
    res = check_claim(_two(check, n=(1,)))
    assert res.verdict == Verdict.HOLDS and not res.every_n, res.scope
    assert check_claim(_two(check, n=(1, 2))).verdict == Verdict.FAILS
