"""A relation over an abstract σ at a point: σ′(3/2) has no value, so floats cannot guide the search there
(advtraj: ‖∂h_1/∂h_0‖₂ ≤ ‖W‖₂ for h_t = σ(W h_{t−1}) ended in "TypeError: Cannot convert complex to float"). The
size's error says why, naming the abstract applications; it is never holds, never a Python exception's text."""
from symderiv.claims import collect
from symderiv.engine import check_claim
from symderiv.results import Verdict

FILE = '''
from symderiv import matrices, norm2, parts, sweep, vectors, cell

@cell("plain: h_t = sigma(W h_{t-1})", params={"W": ("n", "n")})
def plain_rnn(s, prev, x, p, f):
    s.z = p.W * prev.h
    s.h = f.sigma(s.z)

P = parts("abs", kind="inequality", where="t", model=plain_rnn, activation="abstract",
          given=dict(W=matrices(), h0=vectors()), statement="x")

@P.part("g1", expect="fails", sizes=sweep(n=(2,), t=1, fixed=("t",)), statement="x")
def g1(m, W, h0):
    return norm2(m.value(m.d(("h", m.t), ("h", 0)), W=W, h0=h0)) <= norm2(W)
'''


def test_a_relation_over_an_abstract_sigma_names_it(tmp_path):
    p = tmp_path / "abs_sigma.py"
    p.write_text(FILE)
    r = check_claim(collect([p]).items["abs.g1"])
    assert r.verdict in (Verdict.ERROR, Verdict.UNDECIDED, Verdict.FAILS), r.verdict
    if r.verdict == Verdict.ERROR:
        assert "dsigma(" in r.error and "TypeError" not in r.error, r.error
